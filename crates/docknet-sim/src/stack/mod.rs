//! The packet path through a namespace's kernel: links and bridges (`link`), ARP and the
//! neighbour cache (`arp`), IPv4 receive/forward/output (`ip`), netfilter hooks with
//! conntrack and NAT (`hooks`), and the ICMP errors the kernel sends (`icmp`).

mod arp;
mod hooks;
mod icmp;
mod ip;
mod link;

use crate::conntrack::CtRef;
use crate::ids::{IfaceId, PacketId};
use crate::wire::Ipv4Packet;
use std::net::Ipv4Addr;

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
