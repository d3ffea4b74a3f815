//! The netfilter view: while a packet is inside a namespace's stack, the hook pipeline with
//! the tables it has been through, the chain it is in now, that chain's rules in iptables-save
//! text with the matching rule and its counters, and the walk so far.

use docknet_sim::model::Net;
use docknet_sim::netfilter::TableName;
use docknet_sim::trace::{Dir, TraceEvent, TraceRecord};

/// The hooks in the order a learner reads them, with the tables each runs (kernel priority
/// order). `routing` is the routing decision between PREROUTING and INPUT/FORWARD.
pub const PIPELINE: [(&str, &[&str]); 6] = [
    ("PREROUTING", &["raw", "mangle", "nat"]),
    ("routing", &[]),
    ("INPUT", &["mangle", "nat", "filter"]),
    ("FORWARD", &["mangle", "filter"]),
    ("OUTPUT", &["raw", "mangle", "nat", "filter"]),
    ("POSTROUTING", &["mangle", "nat"]),
];

/// How far along the pipeline a (hook, table) is for this packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lit {
    /// Not reached (or not on this packet's path).
    Off,
    Done,
    Current,
    /// The namespace has no rules in this table: nothing to run.
    Absent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub hook: &'static str,
    pub lit: Lit,
    pub tables: Vec<(&'static str, Lit)>,
}

/// One rule of the current chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRow {
    /// `-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`,
    /// or `policy ACCEPT` for a builtin chain's last line.
    pub text: String,
    pub packets: u64,
    pub bytes: u64,
    /// The rule the last shown record says matched.
    pub matched: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetfilterView {
    pub ns: String,
    pub pkt: u64,
    pub stages: Vec<Stage>,
    pub hook: String,
    pub table: String,
    pub chain: String,
    /// The packet as the table sees it (`ip saddr ... tcp dport 80 ...`).
    pub packet: String,
    pub rules: Vec<RuleRow>,
    /// The steps of this visit so far, one line each.
    pub walk: Vec<String>,
}

/// The view for the last shown record, when it is about a packet inside a namespace's stack.
/// `state` is the kernel after the last shown record's event; `later` are that event's records
/// after the cursor, whose counter increments `state` already holds.
pub fn view(shown: &[TraceRecord], later: &[TraceRecord], state: &Net) -> Option<NetfilterView> {
    let last = shown.last()?;
    let pkt = last.pkt?.get();
    let ns = last.event.ns().to_string();
    let visit = visit(shown, pkt, &ns);
    // The last hook entered and the rule (if any) after it.
    let (hook, table, chain, packet) = visit.iter().rev().find_map(|r| match &r.event {
        TraceEvent::Hook {
            hook,
            table,
            chain,
            packet,
            ..
        } => Some((
            hook.to_string(),
            table.to_string(),
            chain.to_string(),
            packet.packet.to_string(),
        )),
        _ => None,
    })?;
    if !matches!(
        last.event,
        TraceEvent::Hook { .. }
            | TraceEvent::Rule { .. }
            | TraceEvent::Nat { .. }
            | TraceEvent::Route { .. }
            | TraceEvent::Conntrack { .. }
            | TraceEvent::Log { .. }
            | TraceEvent::Drop { .. }
    ) {
        return None;
    }
    // The chain of the last rule decision after entering the hook (a NAT or conntrack step
    // follows the rule that caused it), else the hook's own chain.
    let (chain, matched) = visit
        .iter()
        .rev()
        .take_while(|r| !matches!(r.event, TraceEvent::Hook { .. }))
        .find_map(|r| match &r.event {
            TraceEvent::Rule { chain, hit, .. } => Some((chain.to_string(), Some(hit.num()))),
            _ => None,
        })
        .unwrap_or((chain, None));
    let nsid = state.ns_by_name(&ns)?;
    let at = ChainAt {
        ns: &ns,
        nsid,
        table: &table,
        chain: &chain,
        matched,
    };
    let rules = rule_rows(state, &at, &Moment { shown, later, pkt });
    let present: Vec<String> = TableName::SAVE_ORDER
        .iter()
        .filter(|t| state.ns(nsid).rules().table(**t).is_some())
        .map(|t| t.to_string())
        .collect();
    Some(NetfilterView {
        stages: stages(&visit, &hook, &table, &present),
        walk: visit
            .iter()
            .filter_map(|r| docknet_sim::format::explain::describe(&r.event))
            .collect(),
        ns,
        pkt,
        hook,
        table,
        chain,
        packet,
        rules,
    })
}

/// The records of `pkt`'s current visit to `ns`: from where it entered (its capture on the
/// way in, or its creation) to the last shown record.
/// The records of `pkt`'s current visit to `ns`, oldest first.
pub(crate) fn visit<'a>(shown: &'a [TraceRecord], pkt: u64, ns: &str) -> Vec<&'a TraceRecord> {
    let mut out = Vec::new();
    for r in shown.iter().rev().take(5000) {
        if r.pkt.map(|p| p.get()) != Some(pkt) {
            continue;
        }
        if matches!(&r.event, TraceEvent::Link(hop) if hop.to_ns() == ns) {
            break;
        }
        if r.event.ns() == ns {
            out.push(r);
        }
        if matches!(&r.event, TraceEvent::Capture { ns: n, dir: Dir::In, .. } if n == ns) {
            break;
        }
    }
    out.reverse();
    out
}

fn stages(visit: &[&TraceRecord], hook: &str, table: &str, present: &[String]) -> Vec<Stage> {
    let seen = |h: &str, t: &str| {
        visit.iter().any(
            |r| matches!(&r.event, TraceEvent::Hook { hook, table, .. } if hook.as_str() == h && table.as_str() == t),
        )
    };
    let routed = visit
        .iter()
        .any(|r| matches!(r.event, TraceEvent::Route { .. }));
    PIPELINE
        .iter()
        .map(|(h, tables)| {
            let tables: Vec<(&'static str, Lit)> = tables
                .iter()
                .map(|t| {
                    let lit = if *h == hook && *t == table {
                        Lit::Current
                    } else if seen(h, t) {
                        Lit::Done
                    } else if !present.iter().any(|p| p == t) {
                        Lit::Absent
                    } else {
                        Lit::Off
                    };
                    (*t, lit)
                })
                .collect();
            let lit = if *h == hook {
                Lit::Current
            } else if tables.iter().any(|(_, l)| *l == Lit::Done) || (*h == "routing" && routed) {
                Lit::Done
            } else {
                Lit::Off
            };
            Stage {
                hook: h,
                lit,
                tables,
            }
        })
        .collect()
}

/// A chain in a namespace, and the rule the packet matched there (0: the policy).
struct ChainAt<'a> {
    ns: &'a str,
    nsid: docknet_sim::ids::NsId,
    table: &'a str,
    chain: &'a str,
    matched: Option<usize>,
}

/// Where the cursor is: the records shown, the rest of the current event, the packet.
struct Moment<'a> {
    shown: &'a [TraceRecord],
    later: &'a [TraceRecord],
    pkt: u64,
}

/// The chain's rules with counters as of the cursor: the state's counters less the matches
/// that happen later in the same simulation event.
fn rule_rows(state: &Net, at: &ChainAt, now: &Moment) -> Vec<RuleRow> {
    let ChainAt {
        ns,
        nsid,
        table,
        chain,
        matched,
    } = *at;
    let Moment { shown, later, pkt } = *now;
    let Ok(t) = table.parse::<TableName>() else {
        return Vec::new();
    };
    let Some(c) = state.ns(nsid).rules().table(t).and_then(|t| t.chain(chain)) else {
        return Vec::new();
    };
    let ip_len = shown
        .iter()
        .rev()
        .find_map(|r| match &r.event {
            TraceEvent::Capture { frame, .. } if r.pkt.map(|p| p.get()) == Some(pkt) => {
                Some(u64::from(frame.wire_len().saturating_sub(14)))
            }
            _ => None,
        })
        .unwrap_or(0);
    let later_matches = |num: usize| {
        later
            .iter()
            .filter(|r| {
                matches!(&r.event, TraceEvent::Rule { ns: n, table: tb, chain: ch, hit, .. }
                if n == ns && tb.as_str() == table && ch == chain && hit.num() == num)
            })
            .count() as u64
    };
    let mut rows: Vec<RuleRow> = c
        .rules()
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let undo = later_matches(i + 1);
            RuleRow {
                text: docknet_sim::netfilter::rule_line(chain, &e.rule),
                packets: e.counters.packets.saturating_sub(undo),
                bytes: e.counters.bytes.saturating_sub(undo * ip_len),
                matched: matched == Some(i + 1),
            }
        })
        .collect();
    if let Some(p) = c.policy() {
        let undo = later
            .iter()
            .filter(|r| {
                matches!(&r.event, TraceEvent::Rule { ns: n, table: tb, chain: ch, hit, .. }
                if hit.policy().is_some() && n == ns && tb.as_str() == table && ch == chain)
            })
            .count() as u64;
        let pc = c.policy_counters();
        rows.push(RuleRow {
            text: format!("policy {}", p.as_str()),
            packets: pc.packets.saturating_sub(undo),
            bytes: pc.bytes.saturating_sub(undo * ip_len),
            matched: matched == Some(0),
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::tests::default_player;

    #[test]
    fn at_the_dnat_rule_the_docker_chain_is_listed_with_the_rule_lit_and_counted() {
        let mut p = default_player();
        p.run_to_end();
        let rule = p
            .trace()
            .iter()
            .position(|r| {
                matches!(
                    &r.event,
                    TraceEvent::Rule { hit, .. } if matches!(**hit, docknet_sim::trace::RuleHit::Matched {
                        action: docknet_sim::netfilter::StepAction::Dnat(_),
                        ..
                    })
                )
            })
            .unwrap();
        p.jump_to(rule);
        let later = p.trace()[p.cursor()..p.event_records().end].to_vec();
        let shown = p.shown().to_vec();
        let v = view(&shown, &later, &p.state().net).unwrap();
        assert_eq!(
            (
                v.ns.as_str(),
                v.hook.as_str(),
                v.table.as_str(),
                v.chain.as_str()
            ),
            ("host", "PREROUTING", "nat", "DOCKER")
        );
        let lit: Vec<&RuleRow> = v.rules.iter().filter(|r| r.matched).collect();
        assert_eq!(lit.len(), 1);
        assert!(
            lit[0]
                .text
                .contains("-j DNAT --to-destination 172.17.0.2:80"),
            "{}",
            lit[0].text
        );
        assert_eq!(lit[0].packets, 1);
        assert_eq!(lit[0].bytes, 60, "the SYN's IP length with Linux's options");
        let pre = &v.stages[0];
        assert_eq!(pre.lit, Lit::Current);
        assert_eq!(
            pre.tables,
            vec![
                ("raw", Lit::Done),
                ("mangle", Lit::Absent),
                ("nat", Lit::Current)
            ]
        );
        assert!(
            v.walk.iter().any(|w| w.contains("raw PREROUTING")),
            "{:?}",
            v.walk
        );

        // At the NAT step that follows, the view stays on the rule that caused it.
        p.step_forward();
        let later = p.trace()[p.cursor()..p.event_records().end].to_vec();
        let shown = p.shown().to_vec();
        assert!(matches!(
            shown.last().unwrap().event,
            TraceEvent::Nat { .. }
        ));
        let at_nat = view(&shown, &later, &p.state().net).unwrap();
        assert_eq!(at_nat.chain, "DOCKER");
        assert!(
            at_nat
                .rules
                .iter()
                .any(|r| r.matched && r.text.contains("DNAT"))
        );
        p.step_back();

        // One step back, before the rule matched: the same chain's DNAT rule counts 0, and
        // stepping forward again counts 1 (the state is after the whole event).
        let dnat_count = |p: &mut crate::Player| {
            let later = p.trace()[p.cursor()..p.event_records().end].to_vec();
            let shown = p.shown().to_vec();
            let net = p.state().net.clone();
            let id = net.ns_by_name("host").unwrap();
            let at = ChainAt {
                ns: "host",
                nsid: id,
                table: "nat",
                chain: "DOCKER",
                matched: None,
            };
            let now = Moment {
                shown: &shown,
                later: &later,
                pkt: 1,
            };
            let rows = rule_rows(&net, &at, &now);
            rows.iter()
                .find(|r| r.text.contains("DNAT"))
                .unwrap()
                .packets
        };
        p.step_back();
        assert_eq!(dnat_count(&mut p), 0);
        p.step_forward();
        assert_eq!(dnat_count(&mut p), 1);
    }
}
