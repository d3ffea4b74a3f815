//! ARP and the neighbour cache: the first packet to a new neighbour waits for a real
//! request/reply exchange, as a capture shows.

use super::{Kernel, KernelEvent};
use crate::ids::{IfaceId, PacketId};
use crate::model::IfaceKind;
use crate::model::neigh::{
    DELAY_FIRST_PROBE, MAX_PROBES, NeighEntry, NeighState, RETRANS_TIME, UCAST_PROBES,
};
use crate::timer_wheel::Jiffies;
use crate::trace::{NudState, TraceEvent};
use crate::wire::{ArpOp, ArpPacket, Frame, FramePayload, Ipv4Packet, MacAddr};
use std::collections::btree_map::Entry;
use std::net::Ipv4Addr;

impl<E: From<KernelEvent>> Kernel<'_, E> {
    /// Send an IPv4 packet to `nexthop` out of `iface`, resolving its MAC first if needed.
    /// `confirm`: the packet carries `dst_pending_confirm` (set by a TCP socket that saw
    /// forward progress, kept across veth and forwarding), which confirms the neighbour
    /// (`sock_confirm_neigh` in `ip_finish_output2`, before the entry is used).
    pub(crate) fn neigh_output(
        &mut self,
        iface: IfaceId,
        nexthop: Ipv4Addr,
        ip: Ipv4Packet,
        pkt: PacketId,
        confirm: bool,
    ) {
        let i = self.net.iface(iface);
        let src_mac = i.mac;
        if matches!(i.kind, IfaceKind::Loopback) {
            let frame = Frame {
                src: MacAddr::ZERO,
                dst: MacAddr::ZERO,
                payload: FramePayload::Ipv4(ip),
            };
            self.transmit(iface, frame, pkt, confirm);
            return;
        }
        if nexthop.is_broadcast() {
            let frame = Frame {
                src: src_mac,
                dst: MacAddr::BROADCAST,
                payload: FramePayload::Ipv4(ip),
            };
            self.transmit(iface, frame, pkt, confirm);
            return;
        }
        let ns = i.ns;
        let now = self.now();
        let mut entry = self.net.ns_mut(ns).neigh.get_mut(iface, nexthop);
        if confirm && let Some(e) = entry.as_deref_mut() {
            e.confirmed = Some(now);
        }
        match entry.map(|e| &mut e.state) {
            Some(state @ NeighState::Stale { .. }) => {
                // neigh_event_send: using a STALE entry starts the DELAY timer; with no
                // confirmation in 5 s the neighbour is probed by unicast.
                let NeighState::Stale { mac } = *state else {
                    return;
                };
                *state = NeighState::Delay { mac };
                self.trace_neigh(iface, nexthop, mac, NudState::Delay, Some(pkt));
                self.schedule_kernel_timer(
                    DELAY_FIRST_PROBE,
                    KernelEvent::ArpRetry { iface, ip: nexthop },
                );
                let frame = Frame {
                    src: src_mac,
                    dst: mac,
                    payload: FramePayload::Ipv4(ip),
                };
                self.transmit(iface, frame, pkt, confirm);
            }
            Some(
                NeighState::Reachable { mac, .. }
                | NeighState::Delay { mac }
                | NeighState::Probe { mac, .. },
            ) => {
                let frame = Frame {
                    src: src_mac,
                    dst: *mac,
                    payload: FramePayload::Ipv4(ip),
                };
                self.transmit(iface, frame, pkt, confirm);
            }
            Some(NeighState::Incomplete { queue, .. }) => {
                queue.push((
                    Frame {
                        src: src_mac,
                        dst: MacAddr::ZERO,
                        payload: FramePayload::Ipv4(ip),
                    },
                    pkt,
                    confirm,
                ));
            }
            None | Some(NeighState::Failed) => {
                let hint_src = ip.src;
                let queue = vec![(
                    Frame {
                        src: src_mac,
                        dst: MacAddr::ZERO,
                        payload: FramePayload::Ipv4(ip),
                    },
                    pkt,
                    confirm,
                )];
                self.net.ns_mut(ns).neigh.entries.insert(
                    (iface, nexthop),
                    NeighEntry {
                        iface,
                        state: NeighState::Incomplete { probes: 1, queue },
                        confirmed: None,
                    },
                );
                self.trace_neigh(
                    iface,
                    nexthop,
                    MacAddr::ZERO,
                    NudState::Incomplete,
                    Some(pkt),
                );
                self.send_arp_request(iface, nexthop, Some(hint_src));
                self.schedule_kernel_timer(
                    RETRANS_TIME,
                    KernelEvent::ArpRetry { iface, ip: nexthop },
                );
            }
        }
    }

    /// Broadcast `who-has target`. The sender address is the packet's source when it is one
    /// of ours (arp_announce=0), else the interface's address for that subnet.
    fn send_arp_request(&mut self, iface: IfaceId, target: Ipv4Addr, hint_src: Option<Ipv4Addr>) {
        let i = self.net.iface(iface);
        let sender_ip = hint_src
            .filter(|s| self.net.is_local(i.ns, *s) && !s.is_loopback())
            .or_else(|| i.source_for(target))
            .unwrap_or(Ipv4Addr::UNSPECIFIED);
        let arp = ArpPacket {
            op: ArpOp::Request,
            sender_mac: i.mac,
            sender_ip,
            target_mac: MacAddr::ZERO,
            target_ip: target,
        };
        let frame = Frame {
            src: i.mac,
            dst: MacAddr::BROADCAST,
            payload: FramePayload::Arp(arp),
        };
        let pkt = self.new_packet_id();
        self.transmit(iface, frame, pkt, false);
    }

    pub(crate) fn arp_retry(&mut self, iface: IfaceId, ip: Ipv4Addr) {
        let ns = self.net.iface(iface).ns;
        let Some(entry) = self.net.ns_mut(ns).neigh.get_mut(iface, ip) else {
            return;
        };
        let (probes, queue) = match &mut entry.state {
            NeighState::Incomplete { probes, queue } => (probes, queue),
            NeighState::Delay { mac } | NeighState::Probe { mac, .. } => {
                let mac = *mac;
                self.neigh_probe(iface, ip, mac);
                return;
            }
            _ => return,
        };
        if *probes < MAX_PROBES {
            *probes += 1;
            self.send_arp_request(iface, ip, None);
            self.schedule_kernel_timer(RETRANS_TIME, KernelEvent::ArpRetry { iface, ip });
            return;
        }
        let waiting: Vec<(Frame, PacketId, bool)> = std::mem::take(queue);
        entry.state = NeighState::Failed;
        self.trace_neigh(iface, ip, MacAddr::ZERO, NudState::Failed, None);
        let label = self.net.iface_label(iface);
        for (frame, pkt, _) in waiting {
            self.drop_pkt(
                ns,
                pkt,
                format!("no ARP reply from {ip} on {label}: neighbour unreachable"),
            );
            // arp_error_report -> icmp_send(HOST_UNREACH) back to the sender, even a local one
            // (the error loops back and the socket sees EHOSTUNREACH).
            if let FramePayload::Ipv4(p) = frame.payload {
                let skb = super::Skb::new(pkt, p, None);
                self.icmp_dest_unreachable(ns, &skb, crate::wire::IcmpMessage::HOST_UNREACHABLE);
            }
        }
    }

    /// DELAY ran out (or a probe went unanswered): back to REACHABLE if something confirmed
    /// the neighbour meanwhile, else send a unicast probe, or give up. An ARP reply confirms,
    /// and so does any packet carrying a TCP socket's `dst_pending_confirm`, also when a
    /// router forwards it (seen in the lab); ICMP, UDP and the kernel's own resets do not.
    fn neigh_probe(&mut self, iface: IfaceId, ip: Ipv4Addr, mac: MacAddr) {
        let ns = self.net.iface(iface).ns;
        let now = self.now();
        let Some(entry) = self.net.ns_mut(ns).neigh.get_mut(iface, ip) else {
            return;
        };
        // In jiffies, as the kernel compares: `now <= confirmed + delay_first_probe_time`.
        let clock = self.cx.jiffies();
        let confirmed_in_time = entry
            .confirmed
            .is_some_and(|c| clock.at(now) <= clock.at(c) + Jiffies::of(DELAY_FIRST_PROBE));
        if matches!(entry.state, NeighState::Delay { .. }) && confirmed_in_time {
            entry.state = NeighState::Reachable { mac };
            self.trace_neigh(iface, ip, mac, NudState::Reachable, None);
            return;
        }
        let sent = match entry.state {
            NeighState::Probe { probes, .. } => probes,
            _ => 0,
        };
        if sent >= UCAST_PROBES {
            entry.state = NeighState::Failed;
            self.trace_neigh(iface, ip, MacAddr::ZERO, NudState::Failed, None);
            return;
        }
        entry.state = NeighState::Probe {
            mac,
            probes: sent + 1,
        };
        if sent == 0 {
            self.trace_neigh(iface, ip, mac, NudState::Probe, None);
        }
        let i = self.net.iface(iface);
        let sender_ip = i.source_for(ip).unwrap_or(Ipv4Addr::UNSPECIFIED);
        let arp = ArpPacket {
            op: ArpOp::Request,
            sender_mac: i.mac,
            sender_ip,
            target_mac: MacAddr::ZERO,
            target_ip: ip,
        };
        let frame = Frame {
            src: i.mac,
            dst: mac,
            payload: FramePayload::Arp(arp),
        };
        let pkt = self.new_packet_id();
        self.transmit(iface, frame, pkt, false);
        self.schedule_kernel_timer(RETRANS_TIME, KernelEvent::ArpRetry { iface, ip });
    }

    pub(crate) fn arp_input(&mut self, iface: IfaceId, arp: ArpPacket, pkt: PacketId) {
        let ns = self.net.iface(iface).ns;
        match arp.op {
            ArpOp::Request => {
                // arp_ignore=0: answer for any local address, on any interface.
                // A request for someone else's address (seen because it was broadcast) is
                // simply not answered.
                if !self.net.is_local(ns, arp.target_ip) || arp.target_ip.is_loopback() {
                    return;
                }
                self.learn_neigh(iface, arp.sender_ip, arp.sender_mac, false);
                let mac = self.net.iface(iface).mac;
                let reply = ArpPacket {
                    op: ArpOp::Reply,
                    sender_mac: mac,
                    sender_ip: arp.target_ip,
                    target_mac: arp.sender_mac,
                    target_ip: arp.sender_ip,
                };
                let frame = Frame {
                    src: mac,
                    dst: arp.sender_mac,
                    payload: FramePayload::Arp(reply),
                };
                let id = self.new_packet_id();
                self.transmit(iface, frame, id, false);
            }
            ArpOp::Reply => {
                let known = self.net.ns(ns).neigh.get(iface, arp.sender_ip).is_some();
                if !known {
                    let reason =
                        format!("unsolicited ARP reply for {} (arp_accept=0)", arp.sender_ip);
                    self.drop_pkt(ns, pkt, reason);
                    return;
                }
                self.learn_neigh(iface, arp.sender_ip, arp.sender_mac, true);
            }
        }
    }

    /// Record a neighbour: REACHABLE when confirmed by a reply, STALE when learned from a
    /// request. Frames waiting for it leave now.
    fn learn_neigh(&mut self, iface: IfaceId, ip: Ipv4Addr, mac: MacAddr, confirmed: bool) {
        let ns = self.net.iface(iface).ns;
        let now = self.now();
        let table = &mut self.net.ns_mut(ns).neigh;
        let learned = if confirmed {
            NeighState::Reachable { mac }
        } else {
            NeighState::Stale { mac }
        };
        let (name, waiting) = match table.entries.entry((iface, ip)) {
            Entry::Vacant(v) => {
                let entry = v.insert(NeighEntry {
                    iface,
                    state: learned,
                    confirmed: confirmed.then_some(now),
                });
                (entry.nud_state(now), Vec::new())
            }
            Entry::Occupied(o) => {
                let entry = o.into_mut();
                // A request from a neighbour already known by this MAC keeps its state.
                let keep = !confirmed
                    && matches!(
                        &entry.state,
                        NeighState::Reachable { mac: m } | NeighState::Delay { mac: m } | NeighState::Probe { mac: m, .. } if *m == mac
                    );
                let waiting = match &mut entry.state {
                    NeighState::Incomplete { queue, .. } => std::mem::take(queue),
                    _ => Vec::new(),
                };
                if !keep {
                    entry.state = learned;
                }
                if confirmed {
                    entry.confirmed = Some(now);
                }
                (entry.nud_state(now), waiting)
            }
        };
        self.trace_neigh(iface, ip, mac, name, None);
        for (mut frame, pkt, confirm) in waiting {
            frame.dst = mac;
            self.transmit(iface, frame, pkt, confirm);
        }
    }

    fn trace_neigh(
        &mut self,
        iface: IfaceId,
        ip: Ipv4Addr,
        mac: MacAddr,
        state: NudState,
        pkt: Option<PacketId>,
    ) {
        let i = self.net.iface(iface);
        let ev = TraceEvent::Neigh {
            ns: i.ns_name,
            ip,
            mac,
            iface: i.name,
            state,
        };
        self.emit(pkt, ev);
    }
}
