//! A narrated, numbered walk of each packet, for learners.

use super::tcpdump::Tcpdump;
use crate::trace::{BridgeAction, Dir, NudState, RuleHit, TraceEvent, TraceRecord};
use std::collections::HashMap;

/// The whole trace as a story: each packet gets a header when it first appears and its
/// steps are numbered; process events appear where they happen.
pub fn text(records: &[TraceRecord]) -> String {
    let mut out = String::new();
    // Each packet is introduced by how it looks where it is first captured.
    let mut first_seen: HashMap<u64, &TraceEvent> = HashMap::new();
    for r in records {
        if let (Some(p), TraceEvent::Capture { .. }) = (r.pkt, &r.event) {
            first_seen.entry(p.0).or_insert(&r.event);
        }
    }
    let mut steps: HashMap<u64, usize> = HashMap::new();
    let mut current: Option<u64> = None;
    // The bridge that last forwarded each packet between its ports (Forward or Flood).
    let mut bridged: HashMap<u64, String> = HashMap::new();
    for r in records {
        if let (Some(p), TraceEvent::Bridge { bridge, action, .. }) = (r.pkt, &r.event) {
            match action {
                BridgeAction::Forward { .. } | BridgeAction::Flood { .. } => {
                    bridged.insert(p.0, bridge.clone())
                }
                _ => bridged.remove(&p.0),
            };
        }
        let passed_by = match (r.pkt, &r.event) {
            (Some(p), TraceEvent::Capture { iface, .. })
                if bridged.get(&p.0).is_some_and(|b| b == iface) =>
            {
                bridged.remove(&p.0)
            }
            _ => None,
        };
        let line = match passed_by {
            Some(bridge) => bridged_capture(&r.event, &bridge),
            None => describe(&r.event),
        };
        let Some(line) = line else {
            continue;
        };
        match r.pkt {
            Some(p) => {
                if current != Some(p.0) {
                    let first = !steps.contains_key(&p.0);
                    let what = first_seen
                        .get(&p.0)
                        .and_then(|e| summary(e))
                        .unwrap_or_default();
                    let cont = if first { "" } else { " (continued)" };
                    out.push_str(&format!("\nPacket #{}{cont} {what}\n", p.0));
                    current = Some(p.0);
                }
                let n = steps.entry(p.0).or_insert(0);
                *n += 1;
                out.push_str(&format!("  {n:>2}. [{}] {line}\n", r.t_ns));
            }
            None => {
                current = None;
                out.push_str(&format!("\n  * [{}] {line}\n", r.t_ns));
            }
        }
    }
    out
}

/// A capture on a bridge device right after the bridge forwarded the frame between two of
/// its ports: a promiscuous bridge (tcpdump on it) shows the frame, but unless it is a
/// broadcast or multicast the host's IP stack does not receive it.
fn bridged_capture(ev: &TraceEvent, bridge: &str) -> Option<String> {
    match ev {
        TraceEvent::Capture {
            ns,
            iface,
            dir: Dir::In,
            frame,
        } if iface == bridge && !frame.dst.is_multicast() => Some(format!(
            "{ns}: bridge {iface} forwards it port to port (a capture on {iface} sees it; \
             {ns}'s own IP stack does not receive it)"
        )),
        _ => describe(ev),
    }
}

/// The packet in tcpdump's words (absolute sequence numbers, as `tcpdump -S`).
fn summary(ev: &TraceEvent) -> Option<String> {
    let mut dump = Tcpdump::default();
    match ev {
        TraceEvent::Capture { frame, .. } => Some(match &frame.payload {
            crate::wire::FramePayload::Ipv4(p) => format!("— {}", dump.ipv4(p)),
            crate::wire::FramePayload::Arp(_) => format!("— {}", dump.frame(frame)),
        }),
        _ => None,
    }
}

/// One step in words, or None for steps a narration skips (link timing).
pub fn describe(ev: &TraceEvent) -> Option<String> {
    Some(match ev {
        TraceEvent::Capture { ns, iface, dir, .. } => match dir {
            Dir::Out => format!("{ns}: leaves through {iface}"),
            Dir::In => format!("{ns}: arrives on {iface}"),
        },
        TraceEvent::Link { .. } => return None,
        TraceEvent::Bridge {
            ns,
            bridge,
            in_port,
            action,
        } => match action {
            BridgeAction::Forward { port } => format!(
                "{ns}: bridge {bridge} knows the destination MAC: forwards from {in_port} to {port}"
            ),
            BridgeAction::Flood { ports } => format!(
                "{ns}: bridge {bridge} floods the frame from {in_port} to {} (unknown or broadcast destination)",
                ports.join(", ")
            ),
            BridgeAction::Local => {
                format!("{ns}: bridge {bridge} passes the frame up to its own IP stack")
            }
            BridgeAction::Filtered => format!(
                "{ns}: bridge {bridge} drops the frame: its destination is behind the port it came in on"
            ),
        },
        TraceEvent::FdbLearn {
            ns,
            bridge,
            mac,
            port,
        } => format!("{ns}: bridge {bridge} learns that {mac} is behind {port}"),
        TraceEvent::Route { ns, dst, decision } => {
            format!("{ns}: routing decision for {dst}: {decision}")
        }
        TraceEvent::Hook {
            ns, table, hook, ..
        } => format!("{ns}: netfilter {table} {hook}"),
        TraceEvent::Rule {
            table, chain, hit, ..
        } => match hit {
            RuleHit::Policy(_) => format!("{table} {chain}: no rule decided, {hit}"),
            RuleHit::ChainEnd => format!("{table} {chain}: end of chain, back to the caller"),
            RuleHit::Matched { text, action, .. } => {
                format!("{table} {chain}: rule `{text}` matched -> {action}")
            }
        },
        TraceEvent::Nat {
            ns,
            kind,
            before,
            after,
            field,
        } => {
            let kind = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            format!("{ns}: {kind} rewrites the {field}: {before} -> {after}")
        }
        TraceEvent::Conntrack {
            ns, change, entry, ..
        } => format!("{ns}: conntrack [{}] {entry}", change.name().to_uppercase()),
        TraceEvent::Neigh {
            ns,
            ip,
            mac,
            iface,
            state,
        } => match state {
            NudState::Incomplete => {
                format!("{ns}: no MAC known for {ip} on {iface}: the packet waits while ARP asks")
            }
            NudState::Failed => format!("{ns}: ARP for {ip} on {iface} got no answer"),
            _ => format!("{ns}: neighbour {ip} is at {mac} on {iface} ({state})"),
        },
        TraceEvent::Socket { ns, process, what } => format!("{ns}: {process}: {what}"),
        TraceEvent::Log { ns, prefix, chain } => {
            format!("{ns}: LOG in {chain}: kernel log line \"{prefix}...\"")
        }
        TraceEvent::Drop { ns, reason } => format!("{ns}: DROPPED: {reason}"),
        TraceEvent::Stopped { reason, .. } => format!("RUN STOPPED: {reason}"),
    })
}
