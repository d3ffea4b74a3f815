//! How far one run may go: an event budget and a simulated-time limit. A scenario that never
//! settles (a ping sent four billion times with no interval, a flood the model cannot end)
//! stops with a message at one of them instead of running until memory runs out.
//!
//! The defaults sit far above every shipped lesson (the busiest processes 160 events; the
//! longest lasts 135 s of simulated time, a SYN retried for two minutes): 200 000 events
//! (1250x) and one simulated hour (26x). A scenario raises or lowers them with its `limits`
//! field, the CLI with `--max-events` and `--max-time`.

use crate::time::{SimDuration, SimTime};
use serde::Serialize;

/// Events a run may process by default.
pub const DEFAULT_MAX_EVENTS: u64 = 200_000;
/// Simulated time a run may reach by default: one hour.
pub const DEFAULT_MAX_TIME: SimDuration = SimDuration(3_600_000_000_000);

/// The budget of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Events processed before the run is stopped.
    pub max_events: u64,
    /// No event due later than this is processed.
    pub max_time: SimTime,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: DEFAULT_MAX_EVENTS,
            max_time: SimTime::ZERO + DEFAULT_MAX_TIME,
        }
    }
}

/// Which limit stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// The event budget was spent.
    Events,
    /// The next event was due past the simulated-time limit.
    Time,
}

impl Limit {
    /// `events` or `time`, as the trace names it.
    pub fn name(self) -> &'static str {
        match self {
            Limit::Events => "events",
            Limit::Time => "time",
        }
    }
}

/// A run stopped by a limit: which one, and the sentence to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Halt {
    pub limit: Limit,
    pub message: String,
}

impl Limits {
    /// Whether processing an event due `at`, after `done` events, would pass a limit; the
    /// halt says which, with `pending` events still queued.
    pub(crate) fn check(&self, done: u64, at: SimTime, pending: usize) -> Option<Halt> {
        if done >= self.max_events {
            return Some(Halt {
                limit: Limit::Events,
                message: format!(
                    "run stopped: the event budget of {} events is spent and {pending} more \
                     are still queued (next at {at} s), so this scenario does not settle; \
                     if it is meant to run this long, raise the budget with \
                     `limits: (max_events: N)` in the scenario or `--max-events N`",
                    self.max_events
                ),
            });
        }
        if at > self.max_time {
            return Some(Halt {
                limit: Limit::Time,
                message: format!(
                    "run stopped: the next event is due at {at} s, past the simulated-time \
                     limit of {} s ({pending} events still queued); if the scenario is meant \
                     to run this long, raise the limit with `limits: (max_time_ms: N)` in \
                     the scenario or `--max-time DURATION`",
                    self.max_time
                ),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_budget_comes_before_the_clock() {
        let l = Limits {
            max_events: 10,
            max_time: SimTime::from_millis(5),
        };
        assert_eq!(l.check(9, SimTime::from_millis(5), 1), None);
        let h = l.check(10, SimTime::from_millis(6), 3).unwrap();
        assert_eq!(h.limit, Limit::Events);
        assert!(h.message.contains("budget of 10 events"), "{}", h.message);
        let h = l.check(9, SimTime::from_millis(6), 3).unwrap();
        assert_eq!(h.limit, Limit::Time);
        assert!(h.message.contains("0.006000 s"), "{}", h.message);
    }
}
