//! The chain walk in the shape of `nft monitor trace`: per packet and hook, each table's
//! rules that matched with their verdicts, and the policy when a base chain ran out.
//! Other records (a `stopped` one included) are not part of that shape; the CLI prints a
//! stopped run's message on stderr.

use crate::netfilter::StepAction;
use crate::trace::{HookPacket, RuleHit, TraceEvent, TraceRecord};

/// One line per hook entry, matched rule, chain end and policy, tagged with the packet id.
pub fn lines(records: &[TraceRecord]) -> Vec<String> {
    records.iter().filter_map(line).collect()
}

/// One record's line, if it is a hook entry or a rule step (no state: records stream).
pub fn line(r: &TraceRecord) -> Option<String> {
    let id = r.pkt.map_or(0, |p| p.get());
    match &r.event {
        TraceEvent::Hook {
            ns,
            table,
            chain,
            packet,
            ..
        } => {
            let HookPacket { iif, oif, packet } = &**packet;
            let mut meta = String::new();
            if !iif.is_empty() {
                meta += &format!("iif \"{iif}\" ");
            }
            if !oif.is_empty() {
                meta += &format!("oif \"{oif}\" ");
            }
            Some(format!(
                "trace id {id:08x} ip {table} {chain} packet: {meta}{packet} [netns {ns}]"
            ))
        }
        TraceEvent::Rule {
            table, chain, hit, ..
        } => Some(match &**hit {
            RuleHit::Policy(p) => format!(
                "trace id {id:08x} ip {table} {chain} policy {}",
                p.as_str().to_lowercase()
            ),
            RuleHit::ChainEnd => {
                format!("trace id {id:08x} ip {table} {chain} verdict return")
            }
            RuleHit::Matched { text, action, .. } => format!(
                "trace id {id:08x} ip {table} {chain} rule {text} (verdict {})",
                nft_verdict(action)
            ),
        }),
        _ => None,
    }
}

/// A matched rule's verdict in nft's vocabulary.
pub fn nft_verdict(a: &StepAction) -> String {
    match a {
        StepAction::Accept => "accept".into(),
        StepAction::Drop | StepAction::Reject(_) => "drop".into(),
        StepAction::Return => "return".into(),
        // Non-terminal targets: nft prints the rule with `(verdict continue)`.
        StepAction::Continue | StepAction::Log | StepAction::SetMark(_) => "continue".into(),
        StepAction::Jump(_) | StepAction::Goto(_) => a.to_string(),
        StepAction::Dnat(_) | StepAction::Snat(_) | StepAction::Masquerade(_) => "accept".into(),
    }
}
