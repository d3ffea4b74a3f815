//! The chain walk in the shape of `nft monitor trace`: per packet and hook, each table's
//! rules that matched with their verdicts, and the policy when a base chain ran out.
//! Other records (a `stopped` one included) are not part of that shape; the CLI prints a
//! stopped run's message on stderr.

use crate::trace::{TraceEvent, TraceRecord};

/// One line per hook entry, matched rule, chain end and policy, tagged with the packet id.
pub fn lines(records: &[TraceRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for r in records {
        let id = r.pkt.map_or(0, |p| p.0);
        match &r.event {
            TraceEvent::Hook {
                ns,
                table,
                chain,
                iif,
                oif,
                packet,
                ..
            } => {
                let mut meta = String::new();
                if !iif.is_empty() {
                    meta += &format!("iif \"{iif}\" ");
                }
                if !oif.is_empty() {
                    meta += &format!("oif \"{oif}\" ");
                }
                out.push(format!(
                    "trace id {id:08x} ip {table} {chain} packet: {meta}{packet} [netns {ns}]"
                ));
            }
            TraceEvent::Rule {
                table,
                chain,
                rule,
                rule_num,
                verdict,
                ..
            } => {
                let line = if *rule_num == 0 && rule.starts_with("policy") {
                    format!(
                        "trace id {id:08x} ip {table} {chain} policy {}",
                        verdict.to_lowercase()
                    )
                } else if *rule_num == 0 {
                    format!("trace id {id:08x} ip {table} {chain} verdict return")
                } else {
                    format!(
                        "trace id {id:08x} ip {table} {chain} rule {rule} (verdict {})",
                        nft_verdict(verdict)
                    )
                };
                out.push(line);
            }
            _ => {}
        }
    }
    out
}
/// iptables verdict words in nft's vocabulary.
pub(crate) fn nft_verdict(v: &str) -> String {
    match v {
        "ACCEPT" => "accept".into(),
        "DROP" | "REJECT" => "drop".into(),
        "RETURN" => "return".into(),
        "continue" | "LOG" => "continue".into(),
        // Non-terminal targets: nft prints the rule with `(verdict continue)`.
        v if v.starts_with("MARK") || v.starts_with("CONNMARK") => "continue".into(),
        v if v.starts_with("jump ") || v.starts_with("goto ") => v.into(),
        v if v.starts_with("DNAT") || v.starts_with("SNAT") || v == "MASQUERADE" => "accept".into(),
        v => v.to_lowercase(),
    }
}
