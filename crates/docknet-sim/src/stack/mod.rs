//! The packet path through a namespace's kernel: links and bridges (`link`), ARP and the
//! neighbour cache (`arp`), IPv4 receive/forward/output (`ip`), netfilter hooks with
//! conntrack and NAT (`hooks`), and the ICMP errors the kernel sends (`icmp`).
//!
//! The kernel is a set of methods on [`Kernel`], a short-lived view of the network state
//! and the engine (now, the scheduler, the trace, the RNG). It knows nothing of processes:
//! packets for local sockets are handed up as [`Delivery`]s that the caller routes, and
//! sockets send through [`Kernel::ip_local_out`] and its few siblings.

mod arp;
mod hooks;
mod icmp;
mod ip;
mod link;
#[cfg(test)]
pub(crate) mod testnet;
#[cfg(test)]
mod tests;

use crate::conntrack::CtRef;
use crate::engine::Engine;
use crate::ids::{IfaceId, NsId, PacketId};
use crate::intern::Name;
use crate::model::Net;
use crate::time::{SimDuration, SimTime};
use crate::trace::TraceEvent;
use crate::wire::{Frame, Ipv4Packet};
use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

/// The kernel acting on `net` through the engine `cx`; `E` is the engine's event type,
/// which holds the kernel's own events.
pub(crate) struct Kernel<'a, E> {
    pub net: &'a mut Net,
    pub cx: &'a mut Engine<E>,
    pub packets: &'a mut PacketState,
    /// Where packets for local sockets go (see [`Delivery`]).
    pub delivered: &'a mut Vec<Delivery>,
}

/// A packet the kernel hands up to the sockets of namespace `ns` (after INPUT). Local
/// delivery is always the last thing the kernel does with a packet, so the caller routes it
/// once the kernel returns.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    pub ns: NsId,
    pub skb: Skb,
}

/// The kernel's events in the engine's queue.
#[derive(Clone, Debug)]
pub(crate) enum KernelEvent {
    /// A frame has fully arrived at an interface, with what this copy of it carries (the
    /// bridge ports it entered, its packet's `dst_pending_confirm` bit: [`link::Carried`]).
    Arrive {
        iface: IfaceId,
        frame: Arc<Frame>,
        pkt: PacketId,
        carried: link::Carried,
    },
    /// A packet looped back through `lo`, still carrying its conntrack reference and its
    /// `dst_pending_confirm` bit.
    Looped {
        iface: IfaceId,
        /// Boxed, as on a link the frame is shared: the queue moves small events.
        ip: Box<Ipv4Packet>,
        pkt: PacketId,
        ct: Option<CtRef>,
        confirm: bool,
    },
    /// Time to re-send an ARP request (or give up) for an unresolved neighbour.
    ArpRetry { iface: IfaceId, ip: Ipv4Addr },
}

impl KernelEvent {
    /// The packet this event carries, if any.
    pub fn packet(&self) -> Option<PacketId> {
        match self {
            KernelEvent::Arrive { pkt, .. } | KernelEvent::Looped { pkt, .. } => Some(*pkt),
            KernelEvent::ArpRetry { .. } => None,
        }
    }
}

/// The per-packet state a run holds before it first drops the entries of packets that are
/// gone.
const PRUNE_MIN: usize = 1024;

/// Per-packet state kept across events, pruned to the packets still in flight.
///
/// Only the bridge-loop counter lives here. It counts, for one packet, how often any of its
/// copies came back to a bridge port already crossed: a flood multiplies the copies, each
/// travelling on its own, and the limit is on their sum, so a count carried in each copy
/// (as `crossed` is) would let every copy loop [`LOOP_LIMIT`](link::LOOP_LIMIT) times and
/// the flood grow with the number of copies. Per-copy state (`crossed`, the
/// `dst_pending_confirm` bit) travels with the frame instead.
#[derive(Clone, Debug)]
pub(crate) struct PacketState {
    /// Packets caught in a bridge loop: how often their copies came back to a bridge port
    /// they had already crossed (only looping packets get an entry).
    pub looping: BTreeMap<PacketId, u32>,
    /// When the entries together pass this size, those of packets that are gone are
    /// dropped (see [`PacketState::prune`]).
    prune_at: usize,
}

impl Default for PacketState {
    fn default() -> Self {
        PacketState {
            looping: BTreeMap::new(),
            prune_at: PRUNE_MIN,
        }
    }
}

impl PacketState {
    /// How many per-packet entries the run holds.
    pub fn len(&self) -> usize {
        self.looping.len()
    }

    /// Whether it is time to drop the entries of packets that are gone.
    pub fn prune_due(&self) -> bool {
        self.len() >= self.prune_at
    }

    /// Drop the entries of packets not in `live`, so that the state stays as small as the
    /// traffic in flight however long the run; amortised by doubling the size that triggers
    /// the next pruning.
    pub fn prune(&mut self, live: &HashSet<PacketId>) {
        self.looping.retain(|p, _| live.contains(p));
        self.prune_at = (2 * self.len()).max(PRUNE_MIN);
    }
}

impl<E: From<KernelEvent>> Kernel<'_, E> {
    /// Handle one of the kernel's events.
    pub fn handle(&mut self, event: KernelEvent) {
        match event {
            KernelEvent::Arrive {
                iface,
                frame,
                pkt,
                carried,
            } => self.receive(iface, frame, pkt, carried),
            KernelEvent::ArpRetry { iface, ip } => self.arp_retry(iface, ip),
            KernelEvent::Looped {
                iface,
                ip,
                pkt,
                ct,
                confirm,
            } => self.ip_rcv_tracked(iface, *ip, pkt, ct, confirm),
        }
    }

    pub(crate) fn now(&self) -> SimTime {
        self.cx.now()
    }

    pub(crate) fn schedule(&mut self, at: SimTime, event: KernelEvent) {
        self.cx.schedule(at, event);
    }

    pub(crate) fn schedule_in(&mut self, after: SimDuration, event: KernelEvent) {
        self.cx.schedule_in(after, event);
    }

    pub(crate) fn schedule_kernel_timer(&mut self, after: SimDuration, event: KernelEvent) {
        self.cx.schedule_kernel_timer(after, event);
    }

    #[inline]
    pub(crate) fn emit(&mut self, pkt: Option<PacketId>, event: TraceEvent) {
        self.cx.emit(pkt, event);
    }

    pub(crate) fn new_packet_id(&mut self) -> PacketId {
        self.cx.new_packet_id()
    }

    pub(crate) fn random_u32(&mut self) -> u32 {
        self.cx.random_u32()
    }

    pub(crate) fn ns_name(&self, ns: NsId) -> Name {
        self.net.ns(ns).name
    }

    /// Drop a packet with a reason a learner understands.
    pub(crate) fn drop_pkt(&mut self, ns: NsId, pkt: PacketId, reason: String) {
        let ns = self.ns_name(ns);
        let reason = reason.into();
        self.emit(Some(pkt), TraceEvent::Drop { ns, reason });
    }
}

/// A packet inside one namespace's stack, with the metadata the kernel keeps in an skb.
#[derive(Clone, Debug)]
pub(crate) struct Skb {
    pub pkt: PacketId,
    pub ip: Ipv4Packet,
    pub in_iface: Option<IfaceId>,
    pub out_iface: Option<IfaceId>,
    pub nexthop: Option<Ipv4Addr>,
    pub ct: Option<CtRef>,
    pub mark: u32,
    /// `dst_pending_confirm`: set by a TCP socket whose peer just acknowledged new data.
    /// The bit survives veth pairs and forwarding, so such a packet confirms the next-hop
    /// neighbour in every namespace it leaves, routers included (seen in the lab: a
    /// router's DELAY entry for a client turned REACHABLE, unprobed, while a server's TCP
    /// replies passed through it).
    pub confirm: bool,
}

impl Skb {
    pub fn new(pkt: PacketId, ip: Ipv4Packet, in_iface: Option<IfaceId>) -> Skb {
        Skb {
            pkt,
            ip,
            in_iface,
            out_iface: None,
            nexthop: None,
            ct: None,
            mark: 0,
            confirm: false,
        }
    }
}

/// A frame that already crossed PREROUTING inside a bridge (br_netfilter), with the conntrack
/// reference and mark it got there. IP input must not run PREROUTING again (`ip_sabotage_in`).
#[derive(Clone, Debug)]
pub(crate) struct Prerouted {
    pub ct: Option<CtRef>,
    pub mark: u32,
}

/// Time the kernel takes to hand a looped-back packet to itself.
pub(crate) const LOOPBACK_DELAY: crate::time::SimDuration = crate::time::SimDuration(1_000);
