//! A narrated, numbered walk of each packet, for learners.

use super::tcpdump::Tcpdump;
use crate::time::SimTime;
use crate::trace::{BridgeAction, Dir, Name, NudState, RuleHit, TraceEvent, TraceRecord};
use std::collections::{HashMap, VecDeque};

/// The whole trace as a story: each packet gets a header when it first appears and its
/// steps are numbered; process events appear where they happen.
pub fn text<'a>(records: impl IntoIterator<Item = (SimTime, &'a TraceRecord)>) -> String {
    let mut out = String::new();
    let mut story = Narrator::default();
    for (t, r) in records {
        story.push(t, r, &mut out);
    }
    story.finish(&mut out);
    out
}

/// The narration [`text`] writes, record by record. A packet's header shows it as it looks
/// where it is first captured, which can come after its first steps (a packet routed and
/// filtered on its way out): the text from such a header on is held until that capture, or
/// until the packet is known to be gone ([`Narrator::retire`]). The rest of the state is per
/// packet (its step count, its first capture, the bridge that last forwarded it), and
/// `retire` drops it for packets that are gone.
#[derive(Default)]
pub struct Narrator {
    /// Text not yet handed out: it starts with a header waiting for its packet's capture.
    held: VecDeque<Held>,
    /// Each captured packet as it looked where it was first captured.
    first_seen: HashMap<u64, String>,
    steps: HashMap<u64, usize>,
    current: Option<u64>,
    /// The bridge that last forwarded each packet between its ports (Forward or Flood).
    bridged: HashMap<u64, Name>,
}

enum Held {
    Text(String),
    /// A packet's header (`continued`: not its first), shown once its first capture is known.
    Header {
        pkt: u64,
        continued: bool,
    },
}

impl Narrator {
    /// Narrate the next record (which happened at `t`), appending to `out` whatever text is
    /// ready.
    pub fn push(&mut self, t: SimTime, r: &TraceRecord, out: &mut String) {
        if let (Some(p), TraceEvent::Capture { .. }) = (r.pkt, &r.event)
            && !self.first_seen.contains_key(&p.get())
            && let Some(what) = summary(&r.event)
        {
            self.first_seen.insert(p.get(), what);
        }
        if let (Some(p), TraceEvent::Bridge { bridge, action, .. }) = (r.pkt, &r.event) {
            match action {
                BridgeAction::Forward { .. } | BridgeAction::Flood { .. } => {
                    self.bridged.insert(p.get(), *bridge)
                }
                _ => self.bridged.remove(&p.get()),
            };
        }
        let passed_by = match (r.pkt, &r.event) {
            (Some(p), TraceEvent::Capture { iface, .. })
                if self.bridged.get(&p.get()).is_some_and(|b| b == iface) =>
            {
                self.bridged.remove(&p.get())
            }
            _ => None,
        };
        let line = match passed_by {
            Some(bridge) => bridged_capture(&r.event, &bridge),
            None => describe(&r.event),
        };
        let Some(line) = line else {
            return;
        };
        match r.pkt {
            Some(p) => {
                if self.current != Some(p.get()) {
                    let continued = self.steps.contains_key(&p.get());
                    self.held.push_back(Held::Header {
                        pkt: p.get(),
                        continued,
                    });
                    self.current = Some(p.get());
                }
                let n = self.steps.entry(p.get()).or_insert(0);
                *n += 1;
                let step = format!("  {n:>2}. [{t}] {line}\n");
                self.held.push_back(Held::Text(step));
            }
            None => {
                self.current = None;
                let note = format!("\n  * [{t}] {line}\n");
                self.held.push_back(Held::Text(note));
            }
        }
        self.release(out, |_| true);
    }

    /// Forget the packets `live` says are gone (they never appear again): a held header of
    /// one that was never captured is shown without a summary, as at the end of the trace.
    pub fn retire(&mut self, live: impl Fn(u64) -> bool, out: &mut String) {
        for h in &mut self.held {
            if let Held::Header { pkt, continued } = *h
                && !live(pkt)
            {
                *h = Held::Text(header(&self.first_seen, pkt, continued));
            }
        }
        self.release(out, &live);
        self.first_seen.retain(|p, _| live(*p));
        self.steps.retain(|p, _| live(*p));
        self.bridged.retain(|p, _| live(*p));
    }

    /// The end of the trace: every held header is shown, with a summary or without.
    pub fn finish(mut self, out: &mut String) {
        self.release(out, |_| false);
    }

    /// Hand out the held text up to the first header whose packet was not captured yet and
    /// may still be (`live`).
    fn release(&mut self, out: &mut String, live: impl Fn(u64) -> bool) {
        while let Some(h) = self.held.front() {
            match h {
                Held::Text(t) => out.push_str(t),
                Held::Header { pkt, continued } => {
                    if live(*pkt) && !self.first_seen.contains_key(pkt) {
                        return;
                    }
                    out.push_str(&header(&self.first_seen, *pkt, *continued));
                }
            }
            self.held.pop_front();
        }
    }
}

/// A packet's header line, with how it looked where it was first captured if it was.
fn header(first_seen: &HashMap<u64, String>, pkt: u64, continued: bool) -> String {
    let what = first_seen.get(&pkt).map_or("", String::as_str);
    let cont = if continued { " (continued)" } else { "" };
    format!("\nPacket #{pkt}{cont} {what}\n")
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
        } => match &**hit {
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
