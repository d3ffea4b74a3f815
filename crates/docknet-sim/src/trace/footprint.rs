//! How much memory a trace takes: the records themselves plus what they own on the heap.
//!
//! An estimate of live bytes (capacities, not allocator overhead), for the benchmark's
//! bytes-per-record figure.

use super::{BridgeAction, RouteChoice, RuleHit, TraceEvent, TraceRecord};
use crate::netfilter::StepAction;
use crate::wire::{Frame, FramePayload, IcmpMessage, Ipv4Packet, L4, UdpPayload};
use std::mem::size_of;
use std::net::Ipv4Addr;

/// Memory held by a run of trace records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    pub records: usize,
    /// `records * size_of::<TraceRecord>()`.
    pub inline_bytes: usize,
    /// Heap bytes the records own (strings, frames), shared allocations counted once.
    pub heap_bytes: usize,
}

impl Footprint {
    /// Average bytes per record, inline and heap together (0 for an empty trace).
    pub fn bytes_per_record(&self) -> f64 {
        if self.records == 0 {
            return 0.0;
        }
        (self.inline_bytes + self.heap_bytes) as f64 / self.records as f64
    }
}

/// The footprint of `records`.
pub fn footprint(records: &[TraceRecord]) -> Footprint {
    Footprint {
        records: records.len(),
        inline_bytes: std::mem::size_of_val(records),
        heap_bytes: records.iter().map(|r| event_heap(&r.event)).sum(),
    }
}

fn event_heap(e: &TraceEvent) -> usize {
    let s = |x: &String| x.capacity();
    match e {
        TraceEvent::Capture {
            ns, iface, frame, ..
        } => s(ns) + s(iface) + frame_heap(frame),
        TraceEvent::Link {
            from_ns,
            from_iface,
            to_ns,
            to_iface,
            ..
        } => s(from_ns) + s(from_iface) + s(to_ns) + s(to_iface),
        TraceEvent::Bridge {
            ns,
            bridge,
            in_port,
            action,
        } => {
            let action = match action {
                BridgeAction::Forward { port } => s(port),
                BridgeAction::Flood { ports } => {
                    ports.capacity() * size_of::<String>() + ports.iter().map(s).sum::<usize>()
                }
                BridgeAction::Local | BridgeAction::Filtered => 0,
            };
            s(ns) + s(bridge) + s(in_port) + action
        }
        TraceEvent::FdbLearn {
            ns,
            bridge,
            mac,
            port,
        } => s(ns) + s(bridge) + s(mac) + s(port),
        TraceEvent::Route { ns, decision, .. } => {
            s(ns)
                + match decision {
                    RouteChoice::Out { dev, .. } => s(dev),
                    RouteChoice::Fail(why) => s(why),
                    RouteChoice::Local => 0,
                }
        }
        TraceEvent::Hook {
            ns,
            chain,
            iif,
            oif,
            packet,
            ..
        } => s(ns) + s(chain) + s(iif) + s(oif) + s(packet),
        TraceEvent::Rule { ns, chain, hit, .. } => {
            let hit = match hit {
                RuleHit::Matched { text, action, .. } => {
                    s(text)
                        + match action {
                            StepAction::Jump(c) | StepAction::Goto(c) => s(c),
                            _ => 0,
                        }
                }
                RuleHit::ChainEnd | RuleHit::Policy(_) => 0,
            };
            s(ns) + s(chain) + hit
        }
        TraceEvent::Nat {
            ns, before, after, ..
        } => s(ns) + s(before) + s(after),
        TraceEvent::Conntrack { ns, entry, .. } => s(ns) + s(entry),
        TraceEvent::Neigh { ns, iface, .. } => s(ns) + s(iface),
        TraceEvent::Socket { ns, process, what } => s(ns) + s(process) + s(what),
        TraceEvent::Log { ns, prefix, chain } => s(ns) + s(prefix) + s(chain),
        TraceEvent::Drop { ns, reason } => s(ns) + s(reason),
        TraceEvent::Stopped { reason, .. } => s(reason),
    }
}

/// Heap bytes a frame owns (DNS names and answers, quoted packets of ICMP errors).
pub(crate) fn frame_heap(f: &Frame) -> usize {
    match &f.payload {
        FramePayload::Arp(_) => 0,
        FramePayload::Ipv4(p) => ip_heap(p),
    }
}

fn ip_heap(p: &Ipv4Packet) -> usize {
    match &p.l4 {
        L4::Udp(u) => match &u.payload {
            UdpPayload::Data(_) => 0,
            UdpPayload::Dns(m) => m.name.capacity() + m.answers.capacity() * size_of::<Ipv4Addr>(),
        },
        L4::Icmp(
            IcmpMessage::DestUnreachable { original, .. }
            | IcmpMessage::TimeExceeded { original, .. },
        ) => size_of::<Ipv4Packet>() + ip_heap(original),
        L4::Tcp(_) | L4::Icmp(_) => 0,
    }
}

#[cfg(test)]
mod tests;
