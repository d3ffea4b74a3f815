//! How much memory a trace takes: the records themselves plus what they own on the heap.
//!
//! An estimate of live bytes (sizes and capacities, not allocator overhead), for the
//! benchmark's bytes-per-record figure. What records share is counted once: a frame shared
//! by several captures, and the intern tables (names, link hops, port lists), which are
//! counted whole although other runs in the process may use them too.

use super::{HookPacket, Hop, RuleHit, TraceEvent, TraceRecord};
use crate::intern::{Internable, Name};
use crate::netfilter::StepAction;
use crate::wire::{DnsMessage, Frame, FramePayload, IcmpMessage, Ipv4Packet, L4, UdpPayload};
use std::collections::HashSet;
use std::mem::size_of;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// Memory held by a run of trace records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    pub records: usize,
    /// `records * size_of::<TraceRecord>()`.
    pub inline_bytes: usize,
    /// Heap bytes the records own or share (frames, boxed parts, the intern tables), each
    /// shared allocation counted once.
    pub heap_bytes: usize,
    /// The window's index that dates the records, one entry per event
    /// ([`crate::replay::TraceWindow::footprint`]; 0 for records alone).
    pub index_bytes: usize,
}

impl Footprint {
    /// Average bytes per record, inline, heap and index together (0 for an empty trace).
    pub fn bytes_per_record(&self) -> f64 {
        if self.records == 0 {
            return 0.0;
        }
        (self.inline_bytes + self.heap_bytes + self.index_bytes) as f64 / self.records as f64
    }
}

/// The footprint of `records`.
pub fn footprint(records: &[TraceRecord]) -> Footprint {
    let mut frames = HashSet::new();
    let owned: usize = records
        .iter()
        .map(|r| event_heap(&r.event, &mut frames))
        .sum();
    let tables =
        str::table().heap_bytes() + <[Name]>::table().heap_bytes() + Hop::table().heap_bytes();
    Footprint {
        records: records.len(),
        inline_bytes: std::mem::size_of_val(records),
        heap_bytes: owned + tables,
        index_bytes: 0,
    }
}

/// What one record adds: its boxes, and its frame unless an earlier record shares it.
fn event_heap(e: &TraceEvent, frames: &mut HashSet<*const Frame>) -> usize {
    match e {
        TraceEvent::Capture { frame, .. } => {
            if frames.insert(Arc::as_ptr(frame)) {
                // The Arc's two counters, the frame, and what the frame owns.
                2 * size_of::<usize>() + size_of::<Frame>() + frame_heap(frame)
            } else {
                0
            }
        }
        TraceEvent::Hook { .. } => size_of::<HookPacket>(),
        TraceEvent::Rule { hit, .. } => {
            size_of::<RuleHit>()
                + match &**hit {
                    RuleHit::Matched {
                        action: StepAction::Jump(c) | StepAction::Goto(c),
                        ..
                    } => c.capacity(),
                    _ => 0,
                }
        }
        TraceEvent::Conntrack { entry, .. } => entry.len(),
        TraceEvent::Drop { reason, .. } | TraceEvent::Stopped { reason, .. } => reason.len(),
        TraceEvent::Link(_)
        | TraceEvent::Bridge { .. }
        | TraceEvent::FdbLearn { .. }
        | TraceEvent::Route { .. }
        | TraceEvent::Nat { .. }
        | TraceEvent::Neigh { .. }
        | TraceEvent::Socket { .. }
        | TraceEvent::Log { .. } => 0,
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
            UdpPayload::Dns(m) => {
                size_of::<DnsMessage>()
                    + m.name.capacity()
                    + m.answers.capacity() * size_of::<Ipv4Addr>()
            }
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
