//! Traffic that cannot finish within the run's limits: more sends than the event budget
//! (each send is at least one event), or a last send due past the time limit.

use crate::limits::Limits;
use crate::scenario::Problem;
use crate::scenario::{Scenario, TrafficSpec};

pub(super) fn find(sc: &Scenario, limits: Limits) -> Vec<Problem> {
    let budget_help = |what: &str| {
        format!(
            "lower the {what}, or raise the limit with `limits: (max_events: N, max_time_ms: N)` \
             in the scenario or `--max-events N` / `--max-time DURATION`"
        )
    };
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for t in &sc.traffic {
        let (kind, count, interval) = match t {
            TrafficSpec::Ping {
                count, interval_ms, ..
            } => ("Ping", u64::from(*count), *interval_ms),
            TrafficSpec::Udp {
                count, interval_ms, ..
            } => ("Udp", u64::from(*count), *interval_ms),
            TrafficSpec::Tcp { .. } => ("Tcp", 1, 0),
        };
        total = total.saturating_add(count);
        let here = format!("count: {count}");
        if count > limits.max_events {
            out.push(Problem::at(
                None,
                &here,
                format!(
                    "{kind} from {} sends {count} times: at least {count} events, past the \
                     event budget of {}, so the run would be stopped",
                    t.from(),
                    limits.max_events
                ),
                budget_help("count"),
            ));
            continue;
        }
        let last_ms = t
            .at_ms()
            .saturating_add(count.saturating_sub(1).saturating_mul(interval));
        if last_ms.saturating_mul(1_000_000) > limits.max_time.as_nanos() {
            out.push(Problem::at(
                None,
                &here,
                format!(
                    "{kind} from {} sends its last packet at {} s, past the simulated-time \
                     limit of {} s, so the run would be stopped before",
                    t.from(),
                    last_ms as f64 / 1000.0,
                    limits.max_time.as_secs_f64()
                ),
                budget_help("count, interval_ms or at_ms"),
            ));
        }
    }
    if out.is_empty() && total > limits.max_events {
        out.push(Problem::at(
            None,
            "traffic",
            format!(
                "the traffic sends {total} times in all: at least {total} events, past the \
                 event budget of {}, so the run would be stopped",
                limits.max_events
            ),
            budget_help("counts"),
        ));
    }
    out
}
