//! A hand-made network for the kernel's unit tests: namespaces, interfaces, veth pairs and
//! routes built directly, no scenario; the kernel's events run on an engine of their own and
//! the packets it hands up to sockets are collected.

use super::{Delivery, Kernel, KernelEvent, PacketState};
use crate::engine::Engine;
use crate::ids::{IfaceId, NsId, PacketId};
use crate::model::neigh::NeighEntry;
use crate::model::route::{Route, RouteType};
use crate::model::{IfaceKind, Link, Net, Sysctls};
use crate::netfilter::Ruleset;
use crate::scenario::NsRole;
use crate::wire::{Ipv4Packet, L4, MacAddr, UdpDatagram, UdpPayload};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Latency of every veth pair: 10 µs.
pub const LATENCY_NS: u64 = 10_000;

pub struct TestNet {
    pub net: Net,
    pub cx: Engine<KernelEvent>,
    pub packets: PacketState,
    /// Everything handed up to sockets so far.
    pub delivered: Vec<Delivery>,
}

impl TestNet {
    pub fn new() -> TestNet {
        TestNet {
            net: Net::default(),
            cx: Engine::new(1),
            packets: PacketState::default(),
            delivered: Vec::new(),
        }
    }

    /// A namespace with `lo` and the iptables-save `rules` (conntrack on when they need it).
    pub fn ns(&mut self, name: &str, rules: &str) -> NsId {
        let rules = Ruleset::parse(rules).expect("test rules parse");
        let id = self
            .net
            .add_namespace(name, NsRole::default(), Sysctls::new(), rules);
        self.iface(id, "lo", IfaceKind::Loopback, "127.0.0.1/8");
        id
    }

    /// A router: `ip_forward=1`.
    pub fn router(&mut self, name: &str, rules: &str) -> NsId {
        let id = self.ns(name, rules);
        self.net.ns_mut(id).sysctl.ip_forward = true;
        id
    }

    /// An interface with one address and its connected route; MAC 02:00:00:00:00:<id>.
    pub fn iface(&mut self, ns: NsId, name: &str, kind: IfaceKind, addr: &str) -> IfaceId {
        let addr: Ipv4Net = addr.parse().expect("test address");
        let mac = match kind {
            IfaceKind::Loopback => MacAddr::ZERO,
            _ => MacAddr([2, 0, 0, 0, 0, self.net.ifaces.len() as u8]),
        };
        let id = self.net.add_iface(ns, name, kind, mac, vec![addr]);
        if !matches!(self.net.iface(id).kind, IfaceKind::Loopback) {
            self.net.ns_mut(ns).routes.add(Route {
                dst: addr.trunc(),
                via: None,
                dev: Some(id),
                src: Some(addr.addr()),
                kind: RouteType::Unicast,
                connected: true,
            });
        }
        id
    }

    /// A veth pair `a_ns:a_name` (address `a_addr`) <-> `b_ns:b_name` (`b_addr`).
    pub fn veth(
        &mut self,
        (a_ns, a_name, a_addr): (NsId, &str, &str),
        (b_ns, b_name, b_addr): (NsId, &str, &str),
    ) -> (IfaceId, IfaceId) {
        let a = self.iface(a_ns, a_name, IfaceKind::Veth, a_addr);
        let b = self.iface(b_ns, b_name, IfaceKind::Veth, b_addr);
        let link = Link {
            latency_ns: LATENCY_NS,
            bits_per_sec: 10_000_000_000,
            veth: true,
        };
        self.net.connect(a, b, link);
        (a, b)
    }

    /// `ip route add <dst> via <via> dev <dev>` in `ns`.
    pub fn route(&mut self, ns: NsId, dst: &str, via: &str, dev: IfaceId) {
        self.net.ns_mut(ns).routes.add(Route {
            dst: dst.parse().expect("test prefix"),
            via: Some(via.parse().expect("test gateway")),
            dev: Some(dev),
            src: None,
            kind: RouteType::Unicast,
            connected: false,
        });
    }

    pub fn kernel(&mut self) -> Kernel<'_, KernelEvent> {
        Kernel {
            net: &mut self.net,
            cx: &mut self.cx,
            packets: &mut self.packets,
            delivered: &mut self.delivered,
        }
    }

    /// Send `ip` from a local socket of `ns` (its `dst_pending_confirm` bit `confirm`).
    pub fn send(&mut self, ns: NsId, ip: Ipv4Packet, confirm: bool) -> PacketId {
        let pkt = self.cx.new_packet_id();
        self.kernel().ip_local_out_confirming(ns, ip, pkt, confirm);
        pkt
    }

    /// Run the kernel's events until none is left (ARP gives up after a few seconds).
    pub fn run(&mut self) {
        while let Some(ev) = self.cx.next_event() {
            self.kernel().handle(ev);
        }
    }

    /// Every trace record so far in words (`format::explain::describe`).
    pub fn lines(&self) -> Vec<String> {
        self.cx
            .trace()
            .iter()
            .filter_map(|r| crate::format::explain::describe(&r.event))
            .collect()
    }

    /// The lines about packet `pkt`.
    pub fn lines_of(&self, pkt: PacketId) -> Vec<String> {
        self.cx
            .trace()
            .iter()
            .filter(|r| r.pkt == Some(pkt))
            .filter_map(|r| crate::format::explain::describe(&r.event))
            .collect()
    }

    /// The packets handed up to sockets in `ns`.
    pub fn delivered_in(&self, ns: NsId) -> Vec<&Ipv4Packet> {
        self.delivered
            .iter()
            .filter(|d| d.ns == ns)
            .map(|d| &d.skb.ip)
            .collect()
    }

    pub fn neigh(&self, ns: NsId, iface: IfaceId, ip: &str) -> Option<&NeighEntry> {
        let ip: Ipv4Addr = ip.parse().expect("test address");
        self.net.ns(ns).neigh.get(iface, ip)
    }
}

/// A UDP datagram of 10 bytes.
pub fn udp(src: &str, dst: &str, ttl: u8) -> Ipv4Packet {
    Ipv4Packet {
        src: src.parse().expect("test address"),
        dst: dst.parse().expect("test address"),
        ttl,
        ident: 0,
        dont_frag: false,
        l4: L4::Udp(UdpDatagram {
            sport: 40000,
            dport: 5201,
            payload: UdpPayload::Data(10),
        }),
    }
}
