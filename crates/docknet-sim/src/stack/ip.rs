//! IPv4: receive, route, forward (with TTL), deliver locally, and send from local sockets,
//! calling the netfilter hooks where the kernel does.

use super::Skb;
use super::{Kernel, KernelEvent};
use crate::conntrack::CtRef;
use crate::ids::{IfaceId, NsId, PacketId};
use crate::model::IfaceKind;
use crate::model::route::{Route, RouteType};
use crate::netfilter::Hook;
use crate::trace::{RouteChoice, TraceEvent};
use crate::wire::{Frame, FramePayload, MacAddr};
use crate::wire::{IcmpMessage, Ipv4Packet};
use std::net::Ipv4Addr;

/// Where the routing decision sends a packet.
#[derive(Clone, Debug)]
pub(crate) enum RouteDecision {
    Local,
    Out {
        iface: IfaceId,
        nexthop: Ipv4Addr,
        src: Option<Ipv4Addr>,
    },
    /// A blackhole/unreachable/prohibit route or no route at all.
    Fail {
        kind: Option<RouteType>,
        text: String,
    },
}

impl<E: From<KernelEvent>> Kernel<'_, E> {
    /// The routing decision for `dst` in `ns` (local table first, then the main table).
    pub(crate) fn route_lookup(&self, ns: NsId, dst: Ipv4Addr) -> RouteDecision {
        if self.net.is_local(ns, dst) {
            return RouteDecision::Local;
        }
        match self.net.ns(ns).routes.lookup(dst) {
            Some(Route {
                kind: RouteType::Unicast,
                dev: Some(dev),
                via,
                src,
                ..
            }) => RouteDecision::Out {
                iface: *dev,
                nexthop: via.unwrap_or(dst),
                src: *src,
            },
            Some(r) => RouteDecision::Fail {
                kind: Some(r.kind),
                text: format!("{:?} route {}", r.kind, r.dst).to_lowercase(),
            },
            None => RouteDecision::Fail {
                kind: None,
                text: format!("no route to {dst}"),
            },
        }
    }

    /// `ip route get`-style text of a decision, for the trace.
    fn trace_route(&mut self, ns: NsId, pkt: PacketId, dst: Ipv4Addr, d: &RouteDecision) {
        let decision = match d {
            RouteDecision::Local => RouteChoice::Local,
            RouteDecision::Out { iface, nexthop, .. } => RouteChoice::Out {
                to: dst,
                via: (*nexthop != dst).then_some(*nexthop),
                dev: self.net.iface(*iface).name,
            },
            RouteDecision::Fail { text, .. } => RouteChoice::Fail(text.into()),
        };
        let ev = TraceEvent::Route {
            ns: self.ns_name(ns),
            dst,
            decision,
        };
        self.emit(Some(pkt), ev);
    }

    /// IPv4 input on `iface` (ip_rcv): PREROUTING, routing, then INPUT or FORWARD.
    /// `confirm`: the packet's `dst_pending_confirm` bit.
    pub(crate) fn ip_rcv(&mut self, iface: IfaceId, ip: Ipv4Packet, pkt: PacketId, confirm: bool) {
        self.ip_rcv_tracked(iface, ip, pkt, None, confirm);
    }

    /// ip_rcv with the conntrack reference a looped-back packet still carries.
    pub(crate) fn ip_rcv_tracked(
        &mut self,
        iface: IfaceId,
        ip: Ipv4Packet,
        pkt: PacketId,
        ct: Option<CtRef>,
        confirm: bool,
    ) {
        let ns = self.net.iface(iface).ns;
        let mut skb = Skb::new(pkt, ip, Some(iface));
        skb.ct = ct;
        skb.confirm = confirm;
        if !self.prerouting(ns, &mut skb) {
            return;
        }
        self.ip_rcv_finish(iface, skb);
    }

    /// IP input after PREROUTING (run here, or already in the bridge by br_netfilter):
    /// martian destination check, routing, then local delivery or forwarding.
    pub(crate) fn ip_rcv_finish(&mut self, iface: IfaceId, skb: Skb) {
        let ns = self.net.iface(iface).ns;
        let pkt = skb.pkt;
        let from_lo = matches!(self.net.iface(iface).kind, IfaceKind::Loopback);
        // Martians are found by the input route lookup, after PREROUTING (also for frames
        // whose PREROUTING ran in a bridge).
        if !from_lo && skb.ip.src.is_loopback() {
            let reason = format!(
                "martian source {} arriving on {}",
                skb.ip.src,
                self.net.iface(iface).name
            );
            self.drop_pkt(ns, pkt, reason);
            return;
        }
        let dst = skb.ip.dst;
        if !from_lo && dst.is_loopback() && !self.net.route_localnet(iface) {
            let reason = format!(
                "martian destination {dst} from {} (route_localnet=0 on {})",
                skb.ip.src,
                self.net.iface(iface).name
            );
            self.drop_pkt(ns, pkt, reason);
            return;
        }
        let decision = if self.net.iface(iface).transparent {
            // A user-space stack (vpnkit) takes everything that arrives here; it re-makes TCP
            // connections, and the model has no relay for the rest.
            if !self.net.is_local(ns, dst) && skb.ip.proto() != crate::wire::IpProto::Tcp {
                let reason = format!(
                    "{dst} is not the forwarder's own address and only TCP connections are relayed by the user-space forwarder here"
                );
                self.drop_pkt(ns, pkt, reason);
                return;
            }
            RouteDecision::Local
        } else {
            self.route_lookup(ns, dst)
        };
        match decision {
            RouteDecision::Local => {
                self.trace_route(ns, pkt, dst, &decision);
                self.ip_local_deliver(ns, skb);
            }
            _ if !self.net.ns(ns).sysctl.ip_forward => {
                let name = self.ns_name(ns);
                let reason = format!(
                    "{dst} is not a local address and {name} has ip_forward=0 (not a router)"
                );
                self.drop_pkt(ns, pkt, reason);
            }
            RouteDecision::Fail { kind, text } => {
                self.trace_route(
                    ns,
                    pkt,
                    dst,
                    &RouteDecision::Fail {
                        kind,
                        text: text.clone(),
                    },
                );
                self.drop_pkt(ns, pkt, text);
                let code = match kind {
                    None | Some(RouteType::Unicast) => Some(IcmpMessage::NET_UNREACHABLE),
                    Some(RouteType::Unreachable) => Some(IcmpMessage::HOST_UNREACHABLE),
                    Some(RouteType::Prohibit) => Some(IcmpMessage::ADMIN_PROHIBITED),
                    Some(RouteType::Blackhole) => None,
                };
                if let Some(code) = code {
                    self.icmp_dest_unreachable(ns, &skb, code);
                }
            }
            RouteDecision::Out {
                iface: out,
                nexthop,
                ..
            } => {
                self.trace_route(
                    ns,
                    pkt,
                    dst,
                    &RouteDecision::Out {
                        iface: out,
                        nexthop,
                        src: None,
                    },
                );
                self.ip_forward(ns, skb, out, nexthop);
            }
        }
    }

    /// Forwarding: TTL check and decrement, FORWARD, POSTROUTING, out.
    fn ip_forward(&mut self, ns: NsId, mut skb: Skb, out: IfaceId, nexthop: Ipv4Addr) {
        if skb.ip.ttl <= 1 {
            let reason = format!("TTL exceeded forwarding {} -> {}", skb.ip.src, skb.ip.dst);
            self.drop_pkt(ns, skb.pkt, reason);
            self.icmp_time_exceeded(ns, &skb);
            return;
        }
        skb.ip.ttl -= 1;
        skb.out_iface = Some(out);
        skb.nexthop = Some(nexthop);
        if !self.run_hook(ns, Hook::Forward, &mut skb) {
            return;
        }
        self.postrouting_and_out(ns, skb);
    }

    /// Local delivery: INPUT, confirm, then the socket layer.
    fn ip_local_deliver(&mut self, ns: NsId, mut skb: Skb) {
        if !self.run_hook(ns, Hook::Input, &mut skb) {
            return;
        }
        self.ct_confirm(ns, &mut skb);
        self.delivered.push(super::Delivery { ns, skb });
    }

    /// Send a packet built by a local socket or by the kernel itself (replies, ICMP):
    /// routing, OUTPUT (re-routing after DNAT), POSTROUTING, out.
    pub(crate) fn ip_local_out(&mut self, ns: NsId, ip: Ipv4Packet, pkt: PacketId) {
        self.ip_local_out_confirming(ns, ip, pkt, false);
    }

    /// [`Self::ip_local_out`] for a TCP socket whose peer just acknowledged new data
    /// (`sk_dst_pending_confirm`): the packet is marked to confirm neighbours on its way.
    pub(crate) fn ip_local_out_confirming(
        &mut self,
        ns: NsId,
        ip: Ipv4Packet,
        pkt: PacketId,
        confirm_neigh: bool,
    ) {
        let dst = ip.dst;
        let decision = self.route_lookup(ns, dst);
        self.trace_route(ns, pkt, dst, &decision);
        let mut skb = Skb::new(pkt, ip, None);
        skb.confirm = confirm_neigh;
        match decision {
            RouteDecision::Fail { text, .. } => {
                self.drop_pkt(
                    ns,
                    pkt,
                    format!("{text} (the sending socket gets ENETUNREACH)"),
                );
                self.local_error(ns, &skb.ip, &text);
                return;
            }
            RouteDecision::Local => {
                skb.out_iface = self.loopback(ns);
                skb.nexthop = Some(dst);
            }
            RouteDecision::Out { iface, nexthop, .. } => {
                skb.out_iface = Some(iface);
                skb.nexthop = Some(nexthop);
            }
        }
        if !self.run_hook(ns, Hook::Output, &mut skb) {
            return;
        }
        if skb.ip.dst != dst {
            // DNAT in OUTPUT changed the destination: route again.
            let again = self.route_lookup(ns, skb.ip.dst);
            self.trace_route(ns, pkt, skb.ip.dst, &again);
            match again {
                RouteDecision::Local => {
                    skb.out_iface = self.loopback(ns);
                    skb.nexthop = Some(skb.ip.dst);
                }
                RouteDecision::Out { iface, nexthop, .. } => {
                    skb.out_iface = Some(iface);
                    skb.nexthop = Some(nexthop);
                }
                RouteDecision::Fail { text, .. } => {
                    self.drop_pkt(ns, pkt, text);
                    return;
                }
            }
        }
        self.postrouting_and_out(ns, skb);
    }

    fn postrouting_and_out(&mut self, ns: NsId, mut skb: Skb) {
        if !self.run_hook(ns, Hook::Postrouting, &mut skb) {
            return;
        }
        self.ct_confirm(ns, &mut skb);
        let (Some(out), Some(nexthop)) = (skb.out_iface, skb.nexthop) else {
            return;
        };
        if matches!(self.net.iface(out).kind, IfaceKind::Loopback) {
            self.loopback_xmit(out, skb);
            return;
        }
        self.neigh_output(out, nexthop, skb.ip, skb.pkt, skb.confirm);
    }

    /// Loopback keeps the packet's conntrack reference: it is not tracked a second time on
    /// the way back in (the kernel leaves skb->_nfct attached across `lo`).
    fn loopback_xmit(&mut self, lo: IfaceId, skb: Skb) {
        let frame = std::sync::Arc::new(Frame {
            src: MacAddr::ZERO,
            dst: MacAddr::ZERO,
            payload: FramePayload::Ipv4(skb.ip.clone()),
        });
        self.capture(lo, crate::trace::Dir::Out, &frame, skb.pkt);
        let event = KernelEvent::Looped {
            iface: lo,
            ip: Box::new(skb.ip),
            pkt: skb.pkt,
            ct: skb.ct,
            confirm: skb.confirm,
        };
        self.schedule_in(super::LOOPBACK_DELAY, event);
    }

    pub(crate) fn loopback(&self, ns: NsId) -> Option<IfaceId> {
        self.net
            .ns(ns)
            .ifaces
            .iter()
            .copied()
            .find(|&i| matches!(self.net.iface(i).kind, IfaceKind::Loopback))
    }

    /// The source address a local socket uses towards `dst` (route `src`, else the
    /// outgoing interface's address for the next hop; the destination itself if local).
    pub(crate) fn select_source(&self, ns: NsId, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        match self.route_lookup(ns, dst) {
            // `local 127.0.0.0/8 dev lo src 127.0.0.1`; other local routes use the address itself.
            RouteDecision::Local if dst.is_loopback() => Some(Ipv4Addr::LOCALHOST),
            RouteDecision::Local => Some(dst),
            RouteDecision::Out {
                iface,
                nexthop,
                src,
            } => src.or_else(|| self.net.iface(iface).source_for(nexthop)),
            RouteDecision::Fail { .. } => None,
        }
    }

    /// The MTU of the route towards `dst`, which a socket's MSS follows: its device's
    /// (local destinations go through `lo`, MTU 65536; 1500 without a route).
    pub(crate) fn route_mtu(&self, ns: NsId, dst: Ipv4Addr) -> u32 {
        match self.route_lookup(ns, dst) {
            RouteDecision::Out { iface, .. } => self.net.iface(iface).mtu,
            RouteDecision::Local => 65536,
            RouteDecision::Fail { .. } => 1500,
        }
    }

    /// The next IP identification value for a namespace.
    pub(crate) fn next_ip_id(&mut self, ns: NsId) -> u16 {
        let n = self.net.ns_mut(ns);
        n.next_ip_id = n.next_ip_id.wrapping_add(1);
        n.next_ip_id
    }
}
