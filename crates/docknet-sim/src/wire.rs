//! Packets as typed header structs (the smoltcp `Repr` idea). Bytes exist only at the edges
//! (see `pcap`). Lengths are computed from the headers so counters and captures agree.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An Ethernet MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    pub fn is_broadcast(self) -> bool {
        self == Self::BROADCAST
    }

    pub fn is_multicast(self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

/// Error for a MAC address that is not six hex pairs separated by `:`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a MAC address (expected six hex pairs like 02:42:ac:11:00:02)")]
pub struct MacParseError(pub String);

impl FromStr for MacAddr {
    type Err = MacParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 6];
        let mut parts = s.split(':');
        for byte in &mut out {
            let p = parts.next().ok_or_else(|| MacParseError(s.into()))?;
            if p.len() != 2 {
                return Err(MacParseError(s.into()));
            }
            *byte = u8::from_str_radix(p, 16).map_err(|_| MacParseError(s.into()))?;
        }
        if parts.next().is_some() {
            return Err(MacParseError(s.into()));
        }
        Ok(MacAddr(out))
    }
}

impl Serialize for MacAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// IP protocol numbers the model knows by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpProto {
    Icmp,
    Tcp,
    Udp,
    Other(u8),
}

impl IpProto {
    pub fn number(self) -> u8 {
        match self {
            IpProto::Icmp => 1,
            IpProto::Tcp => 6,
            IpProto::Udp => 17,
            IpProto::Other(n) => n,
        }
    }

    pub fn from_number(n: u8) -> Self {
        match n {
            1 => IpProto::Icmp,
            6 => IpProto::Tcp,
            17 => IpProto::Udp,
            n => IpProto::Other(n),
        }
    }

    /// The lowercase name iptables and conntrack print (`tcp`, `udp`, `icmp`).
    pub fn name(self) -> String {
        match self {
            IpProto::Icmp => "icmp".into(),
            IpProto::Tcp => "tcp".into(),
            IpProto::Udp => "udp".into(),
            IpProto::Other(n) => n.to_string(),
        }
    }
}

/// TCP flag bits in header order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);

    pub fn has(self, f: TcpFlags) -> bool {
        self.0 & f.0 == f.0
    }

    pub fn with(self, f: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | f.0)
    }

    /// The flags as tcpdump prints them inside `Flags [...]`: `S`, `S.`, `P.`, `F.`, `R`, `.`.
    pub fn tcpdump(self) -> String {
        let mut s = String::new();
        for (bit, c) in [
            (Self::FIN, 'F'),
            (Self::SYN, 'S'),
            (Self::RST, 'R'),
            (Self::PSH, 'P'),
        ] {
            if self.has(bit) {
                s.push(c);
            }
        }
        if self.has(Self::ACK) {
            s.push('.');
        }
        if s.is_empty() {
            s.push_str("none");
        }
        s
    }
}

/// An Ethernet frame carrying ARP or IPv4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub src: MacAddr,
    pub dst: MacAddr,
    pub payload: FramePayload,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FramePayload {
    Arp(ArpPacket),
    Ipv4(Ipv4Packet),
}

impl Frame {
    /// Bytes on the wire without FCS: 14-byte header + payload. Not padded to 60: veth and
    /// bridge captures (where Docker's traffic is) show frames unpadded.
    pub fn wire_len(&self) -> u32 {
        let payload = match &self.payload {
            FramePayload::Arp(_) => 28,
            FramePayload::Ipv4(p) => p.total_len(),
        };
        14 + payload
    }

    pub fn ipv4(&self) -> Option<&Ipv4Packet> {
        match &self.payload {
            FramePayload::Ipv4(p) => Some(p),
            FramePayload::Arp(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArpOp {
    Request,
    Reply,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArpPacket {
    pub op: ArpOp,
    pub sender_mac: MacAddr,
    pub sender_ip: Ipv4Addr,
    pub target_mac: MacAddr,
    pub target_ip: Ipv4Addr,
}

/// An IPv4 packet with its transport payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ipv4Packet {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub ident: u16,
    /// Don't Fragment: Linux sets it on TCP and on most UDP/ICMP from sockets.
    pub dont_frag: bool,
    pub l4: L4,
}

impl Ipv4Packet {
    pub const HEADER_LEN: u32 = 20;

    pub fn proto(&self) -> IpProto {
        match self.l4 {
            L4::Tcp(_) => IpProto::Tcp,
            L4::Udp(_) => IpProto::Udp,
            L4::Icmp(_) => IpProto::Icmp,
        }
    }

    /// IP total length: header plus transport header and payload.
    pub fn total_len(&self) -> u32 {
        Self::HEADER_LEN + self.l4.len()
    }

    /// Source and destination ports for TCP/UDP; ICMP echo uses its identifier for both,
    /// as conntrack does.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match &self.l4 {
            L4::Tcp(t) => Some((t.sport, t.dport)),
            L4::Udp(u) => Some((u.sport, u.dport)),
            L4::Icmp(_) => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum L4 {
    Tcp(TcpSegment),
    Udp(UdpDatagram),
    Icmp(IcmpMessage),
}

impl L4 {
    pub fn len(&self) -> u32 {
        match self {
            L4::Tcp(t) => t.header_len() + t.payload_len,
            L4::Udp(u) => 8 + u.payload_len(),
            L4::Icmp(i) => i.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpSegment {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// As on the wire: scaled down by the window scale once both sides agreed to one.
    pub window: u16,
    pub payload_len: u32,
    #[serde(default, skip_serializing_if = "TcpOptions::is_empty")]
    pub options: TcpOptions,
}

impl TcpSegment {
    /// The header without options.
    pub const HEADER_LEN: u32 = 20;

    /// The header with its options.
    pub fn header_len(&self) -> u32 {
        Self::HEADER_LEN + self.options.len()
    }
}

/// The TCP options Linux writes (`tcp_options_write`): MSS, SACK permitted, timestamps and
/// window scale on SYNs; timestamps on every later segment once both sides sent them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpOptions {
    pub mss: Option<u16>,
    pub sack_permitted: bool,
    /// (TSval, TSecr).
    pub timestamps: Option<(u32, u32)>,
    pub window_scale: Option<u8>,
}

/// One option as laid out on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpOption {
    Nop,
    Mss(u16),
    SackPermitted,
    Timestamps(u32, u32),
    WindowScale(u8),
}

impl TcpOptions {
    pub fn is_empty(&self) -> bool {
        *self == TcpOptions::default()
    }

    /// The options in Linux's order, with its NOP padding to 32-bit words.
    pub fn layout(&self) -> Vec<TcpOption> {
        let mut out = Vec::new();
        if let Some(m) = self.mss {
            out.push(TcpOption::Mss(m));
        }
        match (self.timestamps, self.sack_permitted) {
            (Some((v, e)), true) => {
                out.extend([TcpOption::SackPermitted, TcpOption::Timestamps(v, e)])
            }
            (Some((v, e)), false) => {
                out.extend([TcpOption::Nop, TcpOption::Nop, TcpOption::Timestamps(v, e)])
            }
            (None, true) => out.extend([TcpOption::Nop, TcpOption::Nop, TcpOption::SackPermitted]),
            (None, false) => {}
        }
        if let Some(w) = self.window_scale {
            out.extend([TcpOption::Nop, TcpOption::WindowScale(w)]);
        }
        out
    }

    /// Bytes on the wire (a multiple of 4): what [`TcpOptions::layout`] lays out, counted
    /// without building it (packet lengths are asked for at every hook and rule).
    pub fn len(&self) -> u32 {
        let mss = if self.mss.is_some() { 4 } else { 0 };
        let ts_sack = match (self.timestamps.is_some(), self.sack_permitted) {
            (true, _) => 12,
            (false, true) => 4,
            (false, false) => 0,
        };
        let wscale = if self.window_scale.is_some() { 4 } else { 0 };
        mss + ts_sack + wscale
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        for o in self.layout() {
            match o {
                TcpOption::Nop => b.push(1),
                TcpOption::Mss(m) => {
                    b.extend([2, 4]);
                    b.extend(m.to_be_bytes());
                }
                TcpOption::SackPermitted => b.extend([4, 2]),
                TcpOption::Timestamps(v, e) => {
                    b.extend([8, 10]);
                    b.extend(v.to_be_bytes());
                    b.extend(e.to_be_bytes());
                }
                TcpOption::WindowScale(w) => b.extend([3, 3, w]),
            }
        }
        b
    }

    /// As tcpdump prints them inside `options [...]`.
    pub fn tcpdump(&self) -> String {
        self.layout()
            .iter()
            .map(|o| match o {
                TcpOption::Nop => "nop".to_string(),
                TcpOption::Mss(m) => format!("mss {m}"),
                TcpOption::SackPermitted => "sackOK".to_string(),
                TcpOption::Timestamps(v, e) => format!("TS val {v} ecr {e}"),
                TcpOption::WindowScale(w) => format!("wscale {w}"),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UdpDatagram {
    pub sport: u16,
    pub dport: u16,
    pub payload: UdpPayload,
}

impl UdpDatagram {
    pub fn payload_len(&self) -> u32 {
        match &self.payload {
            UdpPayload::Data(n) => *n,
            UdpPayload::Dns(m) => m.wire_len(),
        }
    }
}

/// What a UDP datagram carries: opaque bytes (only the length matters) or a DNS message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UdpPayload {
    Data(u32),
    /// Boxed: rare, and many times the size of the rest of a datagram.
    Dns(Box<DnsMessage>),
}

/// A DNS query or answer for one A record (enough for Docker's embedded resolver).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsMessage {
    pub id: u16,
    pub is_response: bool,
    pub name: String,
    /// Answers (A records); empty with `nxdomain` set when the name does not exist.
    pub answers: Vec<Ipv4Addr>,
    pub nxdomain: bool,
}

impl DnsMessage {
    /// Header, one question (name + type + class), and 16 bytes per A answer (compressed name).
    pub fn wire_len(&self) -> u32 {
        let qname = self
            .name
            .trim_end_matches('.')
            .split('.')
            .map(|l| l.len() as u32 + 1)
            .sum::<u32>()
            + 1;
        12 + qname + 4 + 16 * self.answers.len() as u32
    }
}

/// ICMP messages the kernel sends or answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IcmpMessage {
    EchoRequest {
        id: u16,
        seq: u16,
        payload_len: u32,
    },
    EchoReply {
        id: u16,
        seq: u16,
        payload_len: u32,
    },
    /// Type 3; `original` is the offending packet (the kernel quotes its header + 8 bytes).
    DestUnreachable {
        code: u8,
        original: Box<Ipv4Packet>,
    },
    /// Type 11 code 0: TTL exceeded in transit.
    TimeExceeded {
        code: u8,
        original: Box<Ipv4Packet>,
    },
}

impl IcmpMessage {
    pub const PORT_UNREACHABLE: u8 = 3;
    pub const HOST_UNREACHABLE: u8 = 1;
    pub const NET_UNREACHABLE: u8 = 0;
    pub const ADMIN_PROHIBITED: u8 = 13;
    /// icmp_send() quotes as much of the offending packet as fits a 576-byte reply.
    pub const MAX_QUOTE: u32 = 576 - 20 - 8;

    pub fn type_code(&self) -> (u8, u8) {
        match self {
            IcmpMessage::EchoRequest { .. } => (8, 0),
            IcmpMessage::EchoReply { .. } => (0, 0),
            IcmpMessage::DestUnreachable { code, .. } => (3, *code),
            IcmpMessage::TimeExceeded { code, .. } => (11, *code),
        }
    }

    pub fn len(&self) -> u32 {
        match self {
            IcmpMessage::EchoRequest { payload_len, .. }
            | IcmpMessage::EchoReply { payload_len, .. } => 8 + payload_len,
            IcmpMessage::DestUnreachable { original, .. }
            | IcmpMessage::TimeExceeded { original, .. } => {
                8 + original.total_len().min(Self::MAX_QUOTE)
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Errors carry the quoted packet; conntrack relates them to its connection.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            IcmpMessage::DestUnreachable { .. } | IcmpMessage::TimeExceeded { .. }
        )
    }

    pub fn echo_id(&self) -> Option<u16> {
        match self {
            IcmpMessage::EchoRequest { id, .. } | IcmpMessage::EchoReply { id, .. } => Some(*id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trip() {
        let m: MacAddr = "02:42:ac:11:00:02".parse().unwrap();
        assert_eq!(m.0, [0x02, 0x42, 0xac, 0x11, 0x00, 0x02]);
        assert_eq!(m.to_string(), "02:42:ac:11:00:02");
        assert!("02:42:ac:11:00".parse::<MacAddr>().is_err());
        assert!("02:42:ac:11:00:02:03".parse::<MacAddr>().is_err());
        assert!("zz:42:ac:11:00:02".parse::<MacAddr>().is_err());
    }

    #[test]
    fn tcpdump_flags() {
        assert_eq!(TcpFlags::SYN.tcpdump(), "S");
        assert_eq!(TcpFlags::SYN.with(TcpFlags::ACK).tcpdump(), "S.");
        assert_eq!(TcpFlags::ACK.tcpdump(), ".");
        assert_eq!(TcpFlags::PSH.with(TcpFlags::ACK).tcpdump(), "P.");
        assert_eq!(TcpFlags::RST.with(TcpFlags::ACK).tcpdump(), "R.");
        assert_eq!(TcpFlags::FIN.with(TcpFlags::ACK).tcpdump(), "F.");
    }

    #[test]
    fn option_lengths_are_the_bytes_laid_out() {
        for bits in 0..16u8 {
            let o = TcpOptions {
                mss: (bits & 1 != 0).then_some(1460),
                sack_permitted: bits & 2 != 0,
                timestamps: (bits & 4 != 0).then_some((1, 2)),
                window_scale: (bits & 8 != 0).then_some(10),
            };
            assert_eq!(o.len() as usize, o.to_bytes().len(), "{o:?}");
            assert_eq!(o.len() % 4, 0, "{o:?}");
        }
    }

    #[test]
    fn lengths_follow_headers() {
        let p = Ipv4Packet {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            ttl: 64,
            ident: 0,
            dont_frag: true,
            l4: L4::Udp(UdpDatagram {
                sport: 1,
                dport: 2,
                payload: UdpPayload::Data(100),
            }),
        };
        assert_eq!(p.total_len(), 128);
        let icmp = IcmpMessage::DestUnreachable {
            code: 3,
            original: Box::new(p),
        };
        assert_eq!(icmp.len(), 8 + 128, "the whole 128-byte datagram is quoted");
    }
}
