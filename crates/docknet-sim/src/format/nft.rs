//! The chain walk in the shape of `nft monitor trace`: per packet and hook, each table's
//! rules that matched with their verdicts, and the policy when a base chain ran out.

use crate::trace::{TraceEvent, TraceRecord};
use crate::wire::{FramePayload, L4};

pub fn lines(records: &[TraceRecord]) -> Vec<String> {
    let mut out = Vec::new();
    let mut last_seen: Option<String> = None;
    for r in records {
        let id = r.pkt.map_or(0, |p| p.0);
        match &r.event {
            TraceEvent::Capture { ns, iface, frame, .. } => {
                if let FramePayload::Ipv4(p) = &frame.payload {
                    let l4 = match &p.l4 {
                        L4::Tcp(t) => format!(" tcp sport {} tcp dport {} tcp flags [{}]", t.sport, t.dport, t.flags.tcpdump()),
                        L4::Udp(u) => format!(" udp sport {} udp dport {}", u.sport, u.dport),
                        L4::Icmp(i) => format!(" icmp type {} code {}", i.type_code().0, i.type_code().1),
                    };
                    last_seen = Some(format!("iif \"{iface}\" ip saddr {} ip daddr {} ip ttl {}{l4} ({ns})", p.src, p.dst, p.ttl));
                }
            }
            TraceEvent::Hook { ns, table, chain, .. } => {
                let pkt = last_seen.clone().unwrap_or_default();
                out.push(format!("trace id {id:08x} ip {table} {chain} packet: {pkt} [netns {ns}]"));
            }
            TraceEvent::Rule { table, chain, rule, rule_num, verdict, .. } => {
                let line = if *rule_num == 0 && rule.starts_with("policy") {
                    format!("trace id {id:08x} ip {table} {chain} policy {}", verdict.to_lowercase())
                } else if *rule_num == 0 {
                    format!("trace id {id:08x} ip {table} {chain} verdict return")
                } else {
                    format!("trace id {id:08x} ip {table} {chain} rule {rule} (verdict {})", nft_verdict(verdict))
                };
                out.push(line);
            }
            _ => {}
        }
    }
    out
}

/// iptables verdict words in nft's vocabulary.
fn nft_verdict(v: &str) -> String {
    match v {
        "ACCEPT" => "accept".into(),
        "DROP" | "REJECT" => "drop".into(),
        "RETURN" => "return".into(),
        "continue" | "LOG" => "continue".into(),
        v if v.starts_with("jump ") || v.starts_with("goto ") => v.into(),
        v if v.starts_with("DNAT") || v.starts_with("SNAT") || v == "MASQUERADE" => "accept".into(),
        v => v.to_lowercase(),
    }
}
