//! What hook and NAT records say about a packet, kept as values and printed when read.

pub use crate::conntrack::Endpoint;
use crate::intern::Name;
use crate::wire::{IpProto, Ipv4Packet, L4, TcpFlags};
use serde::{Serialize, Serializer};
use std::fmt;
use std::net::Ipv4Addr;

/// The packet as a netfilter table sees it; prints in the words `nft monitor trace` uses,
/// e.g. `ip saddr 10.0.0.1 ip daddr 10.0.0.2 ip ttl 63 ip protocol tcp tcp sport 40000
/// tcp dport 80 tcp flags == syn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NftPacket {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub l4: NftL4,
}

/// The transport fields [`NftPacket`] prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NftL4 {
    Tcp {
        sport: u16,
        dport: u16,
        flags: TcpFlags,
    },
    Udp {
        sport: u16,
        dport: u16,
    },
    Icmp {
        ty: u8,
        code: u8,
    },
}

impl NftPacket {
    pub fn of(p: &Ipv4Packet) -> Self {
        let l4 = match &p.l4 {
            L4::Tcp(t) => NftL4::Tcp {
                sport: t.sport,
                dport: t.dport,
                flags: t.flags,
            },
            L4::Udp(u) => NftL4::Udp {
                sport: u.sport,
                dport: u.dport,
            },
            L4::Icmp(i) => {
                let (ty, code) = i.type_code();
                NftL4::Icmp { ty, code }
            }
        };
        NftPacket {
            src: p.src,
            dst: p.dst,
            ttl: p.ttl,
            l4,
        }
    }
}

impl fmt::Display for NftPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = match self.l4 {
            NftL4::Tcp { .. } => IpProto::Tcp,
            NftL4::Udp { .. } => IpProto::Udp,
            NftL4::Icmp { .. } => IpProto::Icmp,
        };
        write!(
            f,
            "ip saddr {} ip daddr {} ip ttl {} ip protocol {}",
            self.src,
            self.dst,
            self.ttl,
            proto.name()
        )?;
        match self.l4 {
            NftL4::Tcp {
                sport,
                dport,
                flags,
            } => {
                write!(f, " tcp sport {sport} tcp dport {dport} tcp flags == ")?;
                nft_tcp_flags(f, flags)
            }
            NftL4::Udp { sport, dport } => write!(f, " udp sport {sport} udp dport {dport}"),
            NftL4::Icmp { ty, code } => write!(f, " icmp type {ty} icmp code {code}"),
        }
    }
}

/// `syn`, or `(syn | ack)` for several flags.
fn nft_tcp_flags(f: &mut fmt::Formatter<'_>, flags: TcpFlags) -> fmt::Result {
    let names: Vec<&str> = [
        (TcpFlags::FIN, "fin"),
        (TcpFlags::SYN, "syn"),
        (TcpFlags::RST, "rst"),
        (TcpFlags::PSH, "psh"),
        (TcpFlags::ACK, "ack"),
    ]
    .iter()
    .filter(|(b, _)| flags.has(*b))
    .map(|(_, n)| *n)
    .collect();
    if names.len() == 1 {
        f.write_str(names[0])
    } else {
        write!(f, "({})", names.join(" | "))
    }
}

impl Serialize for NftPacket {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a hook record says beside its place: the interfaces as rules see them (empty when
/// not set at this hook) and the packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HookPacket {
    pub iif: Name,
    pub oif: Name,
    pub packet: NftPacket,
}
