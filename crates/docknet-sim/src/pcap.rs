//! Bytes at the edge: frames as real Ethernet/ARP/IPv4/TCP/UDP/ICMP bytes with correct
//! checksums (headers built with etherparse, DNS by hand), written as a classic pcap that
//! Wireshark and `tcpdump -r` open. Frames are not padded to the 60-byte Ethernet minimum:
//! captures on veths and bridges (where Docker's traffic is) show them unpadded, so
//! `frame_bytes(f).len() == f.wire_len()`.

use crate::time::SimTime;
use crate::wire::{
    ArpOp, ArpPacket, DnsMessage, Frame, FramePayload, IcmpMessage, Ipv4Packet, L4, TcpFlags,
    TcpSegment, UdpDatagram, UdpPayload,
};
use etherparse::icmpv4::{DestUnreachableHeader, TimeExceededCode};
use etherparse::{
    ArpEthIpv4Packet, ArpOperation, EtherType, Ethernet2Header, IcmpEchoHeader, Icmpv4Header,
    Icmpv4Type, IpNumber, Ipv4Header, TcpHeader, UdpHeader,
};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, TsResolution};
use std::net::Ipv4Addr;
use std::time::Duration;

/// Snapshot length written in the pcap header (tcpdump's default).
pub const SNAPLEN: u32 = 262_144;

/// Largest IPv4 payload: the 16-bit total length minus the 20-byte header.
const MAX_IP_PAYLOAD: usize = u16::MAX as usize - Ipv4Header::MIN_LEN;
/// TTL of DNS answers (Docker's embedded resolver answers with 600 s).
const DNS_TTL: u32 = 600;
/// Longest encoded DNS name (RFC 1035 2.3.4), including length octets and the root.
const DNS_MAX_NAME: usize = 255;
const DNS_MAX_LABEL: usize = 63;

/// Why a frame has no on-the-wire form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error(
        "IPv4 packet {src} > {dst} would be {len} bytes long; the total-length field holds at most 65535"
    )]
    Ipv4TooLong {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        len: u64,
    },
    #[error("DNS name `{name}` cannot be encoded: {reason}")]
    DnsName { name: String, reason: &'static str },
}

/// Why a pcap could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    #[error("frame {index} (t={t_ns} ns) has no on-the-wire form: {error}")]
    Encode {
        index: usize,
        t_ns: u64,
        error: FrameError,
    },
    #[error("cannot write the pcap: {0}")]
    Pcap(#[from] pcap_file::PcapError),
    #[error("cannot write the pcap: {0}")]
    Io(#[from] std::io::Error),
}

/// The frame's bytes on the wire (without FCS), unpadded as a veth capture shows them.
///
/// Never fails: a frame the wire cannot carry (an IPv4 packet longer than 65535 bytes, a DNS
/// name with an empty or over-long label) is first cut down to what fits, so its length then
/// differs from `wire_len()`. Use [`try_frame_bytes`] to be told instead.
pub fn frame_bytes(frame: &Frame) -> Vec<u8> {
    match try_frame_bytes(frame) {
        Ok(bytes) => bytes,
        // `fit_frame` only produces encodable frames; the empty fallback is unreachable.
        Err(_) => try_frame_bytes(&fit_frame(frame)).unwrap_or_default(),
    }
}

/// The frame's bytes on the wire (without FCS), unpadded, or why it has none.
pub fn try_frame_bytes(frame: &Frame) -> Result<Vec<u8>, FrameError> {
    let (ether_type, payload) = match &frame.payload {
        FramePayload::Arp(a) => (EtherType::ARP, arp_bytes(a).to_vec()),
        FramePayload::Ipv4(p) => (EtherType::IPV4, ipv4_bytes(p)?),
    };
    let eth = Ethernet2Header {
        source: frame.src.0,
        destination: frame.dst.0,
        ether_type,
    };
    let mut out = Vec::with_capacity(Ethernet2Header::LEN + payload.len());
    out.extend_from_slice(&eth.to_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

fn arp_bytes(a: &ArpPacket) -> [u8; ArpEthIpv4Packet::LEN] {
    ArpEthIpv4Packet {
        operation: match a.op {
            ArpOp::Request => ArpOperation::REQUEST,
            ArpOp::Reply => ArpOperation::REPLY,
        },
        sender_mac: a.sender_mac.0,
        sender_ipv4: a.sender_ip.octets(),
        target_mac: a.target_mac.0,
        target_ipv4: a.target_ip.octets(),
    }
    .to_bytes()
}

/// An IPv4 packet (no Ethernet header, no padding): header with checksum, transport header
/// with checksum, and the payload (zero bytes of the modelled length, or a DNS message).
pub fn ipv4_bytes(p: &Ipv4Packet) -> Result<Vec<u8>, FrameError> {
    let too_long = |l4_len: u64| FrameError::Ipv4TooLong {
        src: p.src,
        dst: p.dst,
        len: Ipv4Header::MIN_LEN as u64 + l4_len,
    };
    let (src, dst) = (p.src.octets(), p.dst.octets());
    let (protocol, l4) = match &p.l4 {
        L4::Tcp(t) => (IpNumber::TCP, tcp_bytes(t, src, dst).map_err(too_long)?),
        L4::Udp(u) => (IpNumber::UDP, udp_bytes(u, src, dst, &too_long)?),
        L4::Icmp(m) => (IpNumber::ICMP, icmp_bytes(m, &too_long)?),
    };
    let payload_len = u16::try_from(l4.len()).map_err(|_| too_long(l4.len() as u64))?;
    let mut ip = Ipv4Header::new(payload_len, p.ttl, protocol, src, dst)
        .map_err(|_| too_long(l4.len() as u64))?;
    ip.identification = p.ident;
    ip.dont_fragment = p.dont_frag;
    ip.header_checksum = ip.calc_header_checksum();
    let mut out = Vec::with_capacity(ip.header_len() + l4.len());
    out.extend_from_slice(&ip.to_bytes());
    out.extend_from_slice(&l4);
    Ok(out)
}

/// `n` zero bytes of payload after a `header_len`-byte transport header, or the would-be
/// transport length when that does not fit in an IPv4 packet.
fn zeros(n: u32, header_len: usize) -> Result<Vec<u8>, u64> {
    match usize::try_from(n) {
        Ok(n) if header_len + n <= MAX_IP_PAYLOAD => Ok(vec![0; n]),
        _ => Err(header_len as u64 + u64::from(n)),
    }
}

/// TCP header with its options and zero payload; `Err` is the over-long transport length.
fn tcp_bytes(t: &TcpSegment, src: [u8; 4], dst: [u8; 4]) -> Result<Vec<u8>, u64> {
    let payload = zeros(t.payload_len, t.header_len() as usize)?;
    let mut h = TcpHeader::new(t.sport, t.dport, t.seq, t.window);
    h.set_options_raw(&t.options.to_bytes())
        .map_err(|_| u64::from(t.header_len()))?;
    h.acknowledgment_number = t.ack;
    let bit = |mask: u8| t.flags.0 & mask != 0;
    h.fin = t.flags.has(TcpFlags::FIN);
    h.syn = t.flags.has(TcpFlags::SYN);
    h.rst = t.flags.has(TcpFlags::RST);
    h.psh = t.flags.has(TcpFlags::PSH);
    h.ack = t.flags.has(TcpFlags::ACK);
    h.urg = bit(0x20);
    h.ece = bit(0x40);
    h.cwr = bit(0x80);
    h.checksum = h
        .calc_checksum_ipv4_raw(src, dst, &payload)
        .map_err(|_| (h.header_len() + payload.len()) as u64)?;
    let mut out = h.to_bytes().to_vec();
    out.extend_from_slice(&payload);
    Ok(out)
}

fn udp_bytes(
    u: &UdpDatagram,
    src: [u8; 4],
    dst: [u8; 4],
    too_long: &dyn Fn(u64) -> FrameError,
) -> Result<Vec<u8>, FrameError> {
    let payload = match &u.payload {
        UdpPayload::Data(n) => zeros(*n, UdpHeader::LEN).map_err(too_long)?,
        UdpPayload::Dns(m) => dns_bytes(m)?,
    };
    let l4_len = (UdpHeader::LEN + payload.len()) as u64;
    if UdpHeader::LEN + payload.len() > MAX_IP_PAYLOAD {
        return Err(too_long(l4_len));
    }
    let mut h = UdpHeader::without_ipv4_checksum(u.sport, u.dport, payload.len())
        .map_err(|_| too_long(l4_len))?;
    h.checksum = h
        .calc_checksum_ipv4_raw(src, dst, &payload)
        .map_err(|_| too_long(l4_len))?;
    let mut out = h.to_bytes().to_vec();
    out.extend_from_slice(&payload);
    Ok(out)
}

fn icmp_bytes(
    m: &IcmpMessage,
    too_long: &dyn Fn(u64) -> FrameError,
) -> Result<Vec<u8>, FrameError> {
    let (icmp_type, payload) = match m {
        IcmpMessage::EchoRequest {
            id,
            seq,
            payload_len,
        }
        | IcmpMessage::EchoReply {
            id,
            seq,
            payload_len,
        } => {
            let echo = IcmpEchoHeader { id: *id, seq: *seq };
            let t = if matches!(m, IcmpMessage::EchoRequest { .. }) {
                Icmpv4Type::EchoRequest(echo)
            } else {
                Icmpv4Type::EchoReply(echo)
            };
            (t, zeros(*payload_len, 8).map_err(too_long)?)
        }
        IcmpMessage::DestUnreachable { code, original } => {
            let t = DestUnreachableHeader::from_values(*code, 0)
                .map(Icmpv4Type::DestinationUnreachable)
                .unwrap_or(Icmpv4Type::Unknown {
                    type_u8: 3,
                    code_u8: *code,
                    bytes5to8: [0; 4],
                });
            (t, quote(original)?)
        }
        IcmpMessage::TimeExceeded { code, original } => {
            let t = TimeExceededCode::from_u8(*code)
                .map(Icmpv4Type::TimeExceeded)
                .unwrap_or(Icmpv4Type::Unknown {
                    type_u8: 11,
                    code_u8: *code,
                    bytes5to8: [0; 4],
                });
            (t, quote(original)?)
        }
    };
    let h = Icmpv4Header::with_checksum(icmp_type, &payload);
    let mut out = h.to_bytes().to_vec();
    out.extend_from_slice(&payload);
    Ok(out)
}

/// What an ICMP error quotes: as much of the offending packet as fits a 576-byte reply
/// (Linux's icmp_send; RFC 1812 4.3.2.3), as the model's `IcmpMessage::len` counts it.
fn quote(original: &Ipv4Packet) -> Result<Vec<u8>, FrameError> {
    let mut b = ipv4_bytes(original)?;
    b.truncate(IcmpMessage::MAX_QUOTE as usize);
    Ok(b)
}

/// A DNS query or A-record answer (RFC 1035): header, one question (name, A, IN) and one
/// answer per address whose name is a compression pointer to the question's (offset 12).
fn dns_bytes(m: &DnsMessage) -> Result<Vec<u8>, FrameError> {
    let bad = |reason: &'static str| FrameError::DnsName {
        name: m.name.clone(),
        reason,
    };
    let mut qname = Vec::new();
    for label in m.name.trim_end_matches('.').split('.') {
        if label.is_empty() {
            return Err(bad("empty label (the root name is not supported)"));
        }
        if label.len() > DNS_MAX_LABEL {
            return Err(bad("a label is longer than 63 bytes"));
        }
        qname.push(label.len() as u8);
        qname.extend_from_slice(label.as_bytes());
    }
    qname.push(0);
    if qname.len() > DNS_MAX_NAME {
        return Err(bad("the name is longer than 255 bytes"));
    }
    let ancount = u16::try_from(m.answers.len()).map_err(|_| bad("more than 65535 answers"))?;
    // RD on queries; QR, RD and RA on responses, RCODE 3 (NXDOMAIN) when the name is unknown.
    let flags: u16 = match (m.is_response, m.nxdomain) {
        (false, _) => 0x0100,
        (true, false) => 0x8180,
        (true, true) => 0x8183,
    };
    let mut b = Vec::with_capacity(12 + qname.len() + 4 + 16 * m.answers.len());
    b.extend_from_slice(&m.id.to_be_bytes());
    b.extend_from_slice(&flags.to_be_bytes());
    b.extend_from_slice(&1u16.to_be_bytes()); // QDCOUNT
    b.extend_from_slice(&ancount.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, 0]); // NSCOUNT, ARCOUNT
    b.extend_from_slice(&qname);
    b.extend_from_slice(&[0, 1, 0, 1]); // type A, class IN
    for a in &m.answers {
        b.extend_from_slice(&[0xc0, 12]); // pointer to the question's name
        b.extend_from_slice(&[0, 1, 0, 1]);
        b.extend_from_slice(&DNS_TTL.to_be_bytes());
        b.extend_from_slice(&4u16.to_be_bytes());
        b.extend_from_slice(&a.octets());
    }
    Ok(b)
}

/// The frame cut down to what the wire can carry (see [`frame_bytes`]).
fn fit_frame(frame: &Frame) -> Frame {
    let payload = match &frame.payload {
        FramePayload::Arp(a) => FramePayload::Arp(*a),
        FramePayload::Ipv4(p) => FramePayload::Ipv4(fit_ipv4(p)),
    };
    Frame {
        src: frame.src,
        dst: frame.dst,
        payload,
    }
}

fn fit_ipv4(p: &Ipv4Packet) -> Ipv4Packet {
    let cap = |n: u32, header: usize| n.min((MAX_IP_PAYLOAD - header) as u32);
    let l4 = match &p.l4 {
        L4::Tcp(t) => L4::Tcp(TcpSegment {
            payload_len: cap(t.payload_len, t.header_len() as usize),
            ..*t
        }),
        L4::Udp(u) => L4::Udp(UdpDatagram {
            payload: match &u.payload {
                UdpPayload::Data(n) => UdpPayload::Data(cap(*n, UdpHeader::LEN)),
                UdpPayload::Dns(m) => UdpPayload::Dns(Box::new(fit_dns(m))),
            },
            ..u.clone()
        }),
        L4::Icmp(m) => L4::Icmp(match m {
            IcmpMessage::EchoRequest {
                id,
                seq,
                payload_len,
            } => IcmpMessage::EchoRequest {
                id: *id,
                seq: *seq,
                payload_len: cap(*payload_len, 8),
            },
            IcmpMessage::EchoReply {
                id,
                seq,
                payload_len,
            } => IcmpMessage::EchoReply {
                id: *id,
                seq: *seq,
                payload_len: cap(*payload_len, 8),
            },
            IcmpMessage::DestUnreachable { code, original } => IcmpMessage::DestUnreachable {
                code: *code,
                original: Box::new(fit_ipv4(original)),
            },
            IcmpMessage::TimeExceeded { code, original } => IcmpMessage::TimeExceeded {
                code: *code,
                original: Box::new(fit_ipv4(original)),
            },
        }),
    };
    Ipv4Packet { l4, ..p.clone() }
}

/// Empty labels dropped, labels cut to 63 bytes, the name to 255, answers to what fits.
fn fit_dns(m: &DnsMessage) -> DnsMessage {
    let mut labels: Vec<String> = Vec::new();
    let mut encoded = 1; // the root's zero octet
    for label in m.name.split('.').filter(|l| !l.is_empty()) {
        let mut cut = String::new();
        for c in label.chars() {
            if cut.len() + c.len_utf8() > DNS_MAX_LABEL {
                break;
            }
            cut.push(c);
        }
        if cut.is_empty() || encoded + 1 + cut.len() > DNS_MAX_NAME {
            break;
        }
        encoded += 1 + cut.len();
        labels.push(cut);
    }
    if labels.is_empty() {
        labels.push("invalid".into());
        encoded = 9;
    }
    let room = MAX_IP_PAYLOAD - UdpHeader::LEN - 12 - encoded - 4;
    DnsMessage {
        name: labels.join("."),
        answers: m.answers.iter().copied().take(room / 16).collect(),
        ..m.clone()
    }
}

/// Write `frames` with their simulated timestamps as a classic little-endian pcap
/// (LINKTYPE_ETHERNET, microsecond timestamps, snaplen 262144), then flush the writer.
pub fn write_pcap<W: std::io::Write>(w: W, frames: &[(SimTime, Frame)]) -> Result<(), PcapError> {
    let mut out = PcapStream::new(w)?;
    for (t, f) in frames {
        out.write(*t, f)?;
    }
    out.finish()
}

/// A pcap written frame by frame as [`write_pcap`] writes it, for frames that come as a
/// run produces them.
pub struct PcapStream<W: std::io::Write> {
    writer: PcapWriter<W>,
    /// Frames written so far (an encoding error names the frame by its index).
    written: usize,
}

impl<W: std::io::Write> PcapStream<W> {
    /// Write the file header.
    pub fn new(w: W) -> Result<Self, PcapError> {
        let header = PcapHeader {
            endianness: Endianness::Little,
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::MicroSecond,
            snaplen: SNAPLEN,
            ..Default::default()
        };
        Ok(PcapStream {
            writer: PcapWriter::with_header(w, header)?,
            written: 0,
        })
    }

    /// Append one frame captured at `t`.
    pub fn write(&mut self, t: SimTime, f: &Frame) -> Result<(), PcapError> {
        let data = try_frame_bytes(f).map_err(|error| PcapError::Encode {
            index: self.written,
            t_ns: t.as_nanos(),
            error,
        })?;
        // At most 14 + 65535 bytes, well under SNAPLEN: never truncated.
        let len = data.len() as u32;
        let ts = Duration::from_nanos(t.as_nanos());
        self.writer.write_packet(&PcapPacket::new(ts, len, &data))?;
        self.written += 1;
        Ok(())
    }

    /// How many frames were written.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Flush the writer.
    pub fn finish(self) -> Result<(), PcapError> {
        self.writer.into_writer().flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{MacAddr, TcpOptions};
    use etherparse::{
        ArpHardwareId, Icmpv4Slice, LinkSlice, NetSlice, SlicedPacket, TransportSlice,
    };
    use proptest::prelude::*;

    const A: MacAddr = MacAddr([0x02, 0x42, 0x0a, 0x0c, 0x5b, 0x01]);
    const B: MacAddr = MacAddr([0x02, 0x42, 0xac, 0x11, 0x00, 0x02]);

    fn ip(src: [u8; 4], dst: [u8; 4], l4: L4) -> Ipv4Packet {
        Ipv4Packet {
            src: Ipv4Addr::from(src),
            dst: Ipv4Addr::from(dst),
            ttl: 63,
            ident: 0x1234,
            dont_frag: true,
            l4,
        }
    }

    fn eth(p: Ipv4Packet) -> Frame {
        Frame {
            src: A,
            dst: B,
            payload: FramePayload::Ipv4(p),
        }
    }

    fn syn() -> Ipv4Packet {
        ip(
            [10, 12, 91, 1],
            [172, 17, 0, 2],
            L4::Tcp(TcpSegment {
                sport: 40000,
                dport: 80,
                seq: 1_000_000,
                ack: 0,
                flags: TcpFlags::SYN,
                window: 64240,
                payload_len: 0,
                options: Default::default(),
            }),
        )
    }

    fn dns(is_response: bool, name: &str, answers: Vec<Ipv4Addr>, nxdomain: bool) -> Ipv4Packet {
        let (src, dst, sport, dport) = if is_response {
            ([127, 0, 0, 11], [172, 18, 0, 3], 53, 41000)
        } else {
            ([172, 18, 0, 3], [127, 0, 0, 11], 41000, 53)
        };
        ip(
            src,
            dst,
            L4::Udp(UdpDatagram {
                sport,
                dport,
                payload: UdpPayload::Dns(Box::new(DnsMessage {
                    id: 0xbeef,
                    is_response,
                    name: name.into(),
                    answers,
                    nxdomain,
                })),
            }),
        )
    }

    fn dns_query_to(dst: [u8; 4]) -> Ipv4Packet {
        let mut q = dns(false, "db", vec![], false);
        q.src = Ipv4Addr::new(10, 0, 0, 1);
        q.dst = Ipv4Addr::from(dst);
        q
    }

    /// One frame of every kind, in the order the tcpdump test expects them.
    fn samples() -> Vec<Frame> {
        let who_has = Frame {
            src: A,
            dst: MacAddr::BROADCAST,
            payload: FramePayload::Arp(ArpPacket {
                op: ArpOp::Request,
                sender_mac: A,
                sender_ip: Ipv4Addr::new(172, 17, 0, 1),
                target_mac: MacAddr::ZERO,
                target_ip: Ipv4Addr::new(172, 17, 0, 2),
            }),
        };
        let is_at = Frame {
            src: B,
            dst: A,
            payload: FramePayload::Arp(ArpPacket {
                op: ArpOp::Reply,
                sender_mac: B,
                sender_ip: Ipv4Addr::new(172, 17, 0, 2),
                target_mac: A,
                target_ip: Ipv4Addr::new(172, 17, 0, 1),
            }),
        };
        let echo = |request: bool| {
            let (id, seq, payload_len) = (7, 1, 56);
            let m = if request {
                IcmpMessage::EchoRequest {
                    id,
                    seq,
                    payload_len,
                }
            } else {
                IcmpMessage::EchoReply {
                    id,
                    seq,
                    payload_len,
                }
            };
            eth(ip([172, 17, 0, 2], [8, 8, 8, 8], L4::Icmp(m)))
        };
        let mut ttl1 = syn();
        ttl1.ttl = 1;
        let mut data = syn();
        if let L4::Tcp(t) = &mut data.l4 {
            t.flags = TcpFlags::PSH.with(TcpFlags::ACK);
            t.ack = 77;
            t.payload_len = 100;
        }
        vec![
            who_has,
            is_at,
            eth(syn()),
            eth(data),
            echo(true),
            echo(false),
            eth(ip(
                [10, 0, 0, 2],
                [10, 0, 0, 1],
                L4::Icmp(IcmpMessage::DestUnreachable {
                    code: IcmpMessage::PORT_UNREACHABLE,
                    original: Box::new(dns_query_to([10, 0, 0, 2])),
                }),
            )),
            eth(ip(
                [192, 168, 1, 1],
                [10, 12, 91, 1],
                L4::Icmp(IcmpMessage::TimeExceeded {
                    code: 0,
                    original: Box::new(ttl1),
                }),
            )),
            eth(dns(false, "db", vec![], false)),
            eth(dns(
                true,
                "db",
                vec![Ipv4Addr::new(172, 18, 0, 2), Ipv4Addr::new(172, 18, 0, 4)],
                false,
            )),
            eth(dns(true, "nope.example.", vec![], true)),
            eth(ip(
                [172, 17, 0, 2],
                [10, 12, 91, 1],
                L4::Udp(UdpDatagram {
                    sport: 5000,
                    dport: 6000,
                    payload: UdpPayload::Data(0),
                }),
            )),
        ]
    }

    /// RFC 1071 one's-complement sum; a region including its own checksum sums to 0xffff.
    fn ones_sum(chunks: &[&[u8]]) -> u16 {
        let mut sum: u32 = 0;
        for chunk in chunks {
            for pair in chunk.chunks(2) {
                let hi = u32::from(pair[0]) << 8;
                sum += hi | u32::from(pair.get(1).copied().unwrap_or(0));
            }
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum as u16
    }

    /// Parses `bytes` with etherparse and checks every checksum with an independent sum.
    fn check_checksums(bytes: &[u8]) {
        let s = SlicedPacket::from_ethernet(bytes).expect("etherparse parses the frame");
        let Some(NetSlice::Ipv4(v4)) = &s.net else {
            return;
        };
        let h = v4.header();
        assert_eq!(ones_sum(&[h.slice()]), 0xffff, "IPv4 header checksum");
        let payload = v4.payload().payload;
        let proto = h.protocol().0;
        match proto {
            6 | 17 => {
                let len = (payload.len() as u16).to_be_bytes();
                let pseudo = [h.source(), h.destination()].concat();
                let sum = ones_sum(&[&pseudo, &[0, proto], &len, payload]);
                assert_eq!(sum, 0xffff, "transport checksum for protocol {proto}");
            }
            1 => assert_eq!(ones_sum(&[payload]), 0xffff, "ICMP checksum"),
            _ => panic!("unexpected protocol {proto}"),
        }
    }

    #[test]
    fn every_sample_has_the_models_length_and_valid_checksums() {
        for f in samples() {
            let b = frame_bytes(&f);
            assert_eq!(b.len() as u32, f.wire_len(), "{f:?}");
            assert_eq!(try_frame_bytes(&f), Ok(b.clone()));
            check_checksums(&b);
        }
    }

    #[test]
    fn tcp_fields_parse_back() {
        let mut p = syn();
        if let L4::Tcp(t) = &mut p.l4 {
            t.flags = TcpFlags::SYN.with(TcpFlags::ACK);
            t.ack = 9;
            t.payload_len = 10;
        }
        let bytes = frame_bytes(&eth(p.clone()));
        assert_eq!(bytes.len(), 14 + 20 + 20 + 10);
        let s = SlicedPacket::from_ethernet(&bytes).unwrap();
        let Some(LinkSlice::Ethernet2(e)) = &s.link else {
            panic!("not Ethernet II")
        };
        assert_eq!((e.source(), e.destination()), (A.0, B.0));
        assert_eq!(e.ether_type(), EtherType::IPV4);
        let Some(NetSlice::Ipv4(v4)) = &s.net else {
            panic!("not IPv4")
        };
        let h = v4.header().to_header();
        assert_eq!(h.header_checksum, h.calc_header_checksum());
        assert_eq!(
            (
                h.time_to_live,
                h.identification,
                h.dont_fragment,
                h.total_len
            ),
            (63, 0x1234, true, 50)
        );
        assert_eq!(
            (h.source, h.destination),
            ([10, 12, 91, 1], [172, 17, 0, 2])
        );
        let Some(TransportSlice::Tcp(t)) = &s.transport else {
            panic!("not TCP")
        };
        assert!(t.syn() && t.ack() && !t.fin() && !t.rst() && !t.psh());
        assert_eq!(
            (
                t.source_port(),
                t.destination_port(),
                t.sequence_number(),
                t.acknowledgment_number(),
                t.window_size()
            ),
            (40000, 80, 1_000_000, 9, 64240)
        );
        assert_eq!(t.payload(), &[0u8; 10]);
        assert_eq!(
            t.checksum(),
            t.to_header().calc_checksum_ipv4(&h, t.payload()).unwrap()
        );

        let mut no_df = p;
        no_df.dont_frag = false;
        let bytes = frame_bytes(&eth(no_df));
        let s = SlicedPacket::from_ethernet(&bytes).unwrap();
        let Some(NetSlice::Ipv4(v4)) = &s.net else {
            panic!("not IPv4")
        };
        assert!(!v4.header().dont_fragment());
    }

    #[test]
    fn small_frames_are_not_padded() {
        let bytes = frame_bytes(&eth(syn()));
        assert_eq!(
            bytes.len(),
            54,
            "14 + 20 + 20, as a veth capture shows a bare SYN"
        );
        let s = SlicedPacket::from_ethernet(&bytes).unwrap();
        let Some(TransportSlice::Tcp(t)) = &s.transport else {
            panic!("not TCP")
        };
        assert!(t.payload().is_empty());
    }

    #[test]
    fn arp_parses_back() {
        let f = &samples()[0];
        let bytes = frame_bytes(f);
        assert_eq!(bytes.len(), 42);
        let s = SlicedPacket::from_ethernet(&bytes).unwrap();
        let Some(NetSlice::Arp(a)) = &s.net else {
            panic!("not ARP")
        };
        assert_eq!(a.hw_addr_type(), ArpHardwareId::ETHERNET);
        assert_eq!(a.proto_addr_type(), EtherType::IPV4);
        assert_eq!(a.operation(), ArpOperation::REQUEST);
        assert_eq!(a.sender_hw_addr(), &A.0);
        assert_eq!(a.sender_protocol_addr(), &[172, 17, 0, 1]);
        assert_eq!(a.target_hw_addr(), &[0; 6]);
        assert_eq!(a.target_protocol_addr(), &[172, 17, 0, 2]);
    }

    #[test]
    fn udp_fields_and_checksum_parse_back() {
        let p = dns_query_to([10, 0, 0, 2]);
        let bytes = frame_bytes(&eth(p.clone()));
        let s = SlicedPacket::from_ethernet(&bytes).unwrap();
        let Some(NetSlice::Ipv4(v4)) = &s.net else {
            panic!("not IPv4")
        };
        let h = v4.header().to_header();
        let Some(TransportSlice::Udp(u)) = &s.transport else {
            panic!("not UDP")
        };
        assert_eq!((u.source_port(), u.destination_port()), (41000, 53));
        assert_eq!(u32::from(u.length()), p.l4.len());
        assert_eq!(
            u.checksum(),
            u.to_header().calc_checksum_ipv4(&h, u.payload()).unwrap()
        );
    }

    #[test]
    fn icmp_echo_and_errors_parse_back() {
        let all = samples();
        let icmp = |f: &Frame| {
            let bytes = frame_bytes(f);
            let s = SlicedPacket::from_ethernet(&bytes).unwrap();
            let Some(TransportSlice::Icmpv4(i)) = &s.transport else {
                panic!("not ICMP")
            };
            (i.header(), i.payload().to_vec())
        };
        let (h, payload) = icmp(&all[4]);
        assert_eq!(
            h.icmp_type,
            Icmpv4Type::EchoRequest(IcmpEchoHeader { id: 7, seq: 1 })
        );
        assert_eq!(payload, vec![0; 56]);
        assert_eq!(h.checksum, h.icmp_type.calc_checksum(&payload));

        let (h, quoted) = icmp(&all[6]);
        assert_eq!(
            h.icmp_type,
            Icmpv4Type::DestinationUnreachable(DestUnreachableHeader::Port)
        );
        assert_eq!(h.checksum, h.icmp_type.calc_checksum(&quoted));
        // The quote is the whole offending datagram, byte for byte (it is short).
        let original = ipv4_bytes(&dns_query_to([10, 0, 0, 2])).unwrap();
        assert_eq!(quoted, original);
        let (qh, rest) = Ipv4Header::from_slice(&quoted).unwrap();
        assert_eq!(qh.destination, [10, 0, 0, 2]);
        assert_eq!(UdpHeader::from_slice(rest).unwrap().0.destination_port, 53);

        let (h, quoted) = icmp(&all[7]);
        assert_eq!(
            h.icmp_type,
            Icmpv4Type::TimeExceeded(TimeExceededCode::TtlExceededInTransit)
        );
        assert!(quoted.len() >= 28 && quoted.len() <= IcmpMessage::MAX_QUOTE as usize);
        assert_eq!(quoted[8], 1, "the quoted TTL is the original's");

        // An unknown destination-unreachable code still goes out as type 3.
        let odd = IcmpMessage::DestUnreachable {
            code: 99,
            original: Box::new(syn()),
        };
        let bytes = frame_bytes(&eth(ip([1, 1, 1, 1], [2, 2, 2, 2], L4::Icmp(odd))));
        let i = Icmpv4Slice::from_slice(&bytes[34..]).unwrap();
        assert_eq!((i.type_u8(), i.code_u8()), (3, 99));
        check_checksums(&bytes);
    }

    #[test]
    fn dns_answer_bytes_are_exact() {
        let m = DnsMessage {
            id: 0x1234,
            is_response: true,
            name: "db.net.".into(),
            answers: vec![Ipv4Addr::new(172, 18, 0, 2)],
            nxdomain: false,
        };
        let expected: Vec<u8> = vec![
            0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, // header
            2, b'd', b'b', 3, b'n', b'e', b't', 0, 0, 1, 0, 1, // question
            0xc0, 12, 0, 1, 0, 1, 0, 0, 0x02, 0x58, 0, 4, 172, 18, 0, 2, // answer
        ];
        assert_eq!(dns_bytes(&m).unwrap(), expected);
        assert_eq!(expected.len() as u32, m.wire_len());

        let nx = DnsMessage {
            answers: vec![],
            nxdomain: true,
            ..m.clone()
        };
        assert_eq!(&dns_bytes(&nx).unwrap()[2..8], &[0x81, 0x83, 0, 1, 0, 0]);
        let query = DnsMessage {
            is_response: false,
            answers: vec![],
            ..m
        };
        assert_eq!(&dns_bytes(&query).unwrap()[2..4], &[0x01, 0x00]);
    }

    #[test]
    fn unencodable_frames_are_reported_or_cut_down() {
        let mut big = syn();
        if let L4::Tcp(t) = &mut big.l4 {
            t.payload_len = 70_000;
        }
        let f = eth(big);
        assert!(matches!(
            try_frame_bytes(&f),
            Err(FrameError::Ipv4TooLong { len: 70_040, .. })
        ));
        let cut = frame_bytes(&f);
        assert_eq!(cut.len(), 14 + 65535);
        check_checksums(&cut);

        let bad_name = eth(dns(false, "a..b", vec![], false));
        assert!(matches!(
            try_frame_bytes(&bad_name),
            Err(FrameError::DnsName { .. })
        ));
        check_checksums(&frame_bytes(&bad_name));
        let long_label = eth(dns(true, &"x".repeat(64), vec![], false));
        assert!(try_frame_bytes(&long_label).is_err());
        check_checksums(&frame_bytes(&long_label));

        let mut buf = Vec::new();
        let err = write_pcap(&mut buf, &[(SimTime(0), eth(syn())), (SimTime(5), f)]);
        assert!(
            matches!(
                err,
                Err(PcapError::Encode {
                    index: 1,
                    t_ns: 5,
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn pcap_header_and_records() {
        let frames = vec![
            (SimTime(1_500_000_123), samples()[0].clone()),
            (SimTime(2_000_000_999), samples()[2].clone()),
        ];
        let mut buf = Vec::new();
        write_pcap(&mut buf, &frames).unwrap();
        // Little-endian microsecond magic, version 2.4, snaplen, LINKTYPE_ETHERNET (1).
        assert_eq!(&buf[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(&buf[4..8], &[2, 0, 4, 0]);
        assert_eq!(&buf[16..20], &SNAPLEN.to_le_bytes());
        assert_eq!(&buf[20..24], &1u32.to_le_bytes());
        let mut r = pcap_file::pcap::PcapReader::new(&buf[..]).unwrap();
        for (t, f) in &frames {
            let pkt = r.next_packet().unwrap().unwrap();
            let us = t.as_nanos() / 1000;
            assert_eq!(pkt.timestamp, Duration::from_micros(us));
            assert_eq!(pkt.orig_len, f.wire_len());
            assert_eq!(pkt.data.as_ref(), frame_bytes(f).as_slice());
        }
        assert!(r.next_packet().is_none());
    }

    /// Writes the samples to a file and reads them back with the real tcpdump. `cfg(tcpdump)`
    /// (build.rs) says one is on PATH; a tcpdump that is there but fails is a failure.
    #[test]
    #[cfg_attr(
        not(tcpdump),
        ignore = "tcpdump is not on PATH when docknet-sim was built (apt-get install -y tcpdump)"
    )]
    fn tcpdump_reads_the_capture() {
        let frames: Vec<(SimTime, Frame)> = samples()
            .into_iter()
            .enumerate()
            .map(|(i, f)| (SimTime(i as u64 * 1_000_000), f))
            .collect();
        let path = std::env::temp_dir().join(format!(
            "docknet-pcap-test-{}-{:?}.pcap",
            std::process::id(),
            std::thread::current().id()
        ));
        let file = std::fs::File::create(&path).unwrap();
        write_pcap(std::io::BufWriter::new(file), &frames).unwrap();
        let run = |args: &[&str]| {
            let out = std::process::Command::new("tcpdump")
                .args(args)
                .arg("-r")
                .arg(&path)
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let plain = run(&["-n", "-e"]);
        let verbose = run(&["-n", "-vv"]);
        let _ = std::fs::remove_file(&path);
        eprintln!("tcpdump -n -e:\n{plain}\ntcpdump -n -vv:\n{verbose}");
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(lines.len(), frames.len(), "{plain}");
        let expect = [
            "ethertype ARP (0x0806), length 42: Request who-has 172.17.0.2 tell 172.17.0.1, length 28",
            "Reply 172.17.0.2 is-at 02:42:ac:11:00:02",
            "10.12.91.1.40000 > 172.17.0.2.80: Flags [S], seq 1000000, win 64240, length 0",
            "10.12.91.1.40000 > 172.17.0.2.80: Flags [P.], seq 1000000:1000100, ack 77, win 64240, length 100",
            "172.17.0.2 > 8.8.8.8: ICMP echo request, id 7, seq 1, length 64",
            "172.17.0.2 > 8.8.8.8: ICMP echo reply, id 7, seq 1, length 64",
            "10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 53 unreachable, length 56",
            "192.168.1.1 > 10.12.91.1: ICMP time exceeded in-transit, length 48",
            "172.18.0.3.41000 > 127.0.0.11.53: 48879+ A? db. (20)",
            "127.0.0.11.53 > 172.18.0.3.41000: 48879 2/0/0 A 172.18.0.2, A 172.18.0.4 (52)",
            "127.0.0.11.53 > 172.18.0.3.41000: 48879 NXDomain 0/0/0 (30)",
            "172.17.0.2.5000 > 10.12.91.1.6000: UDP, length 0",
        ];
        for (line, want) in lines.iter().zip(expect) {
            assert!(line.contains(want), "`{line}` lacks `{want}`");
        }
        // (`[|tcp]`/`[|domain]` inside ICMP errors only mark the 8-byte quote as cut short.)
        for bad in ["bad", "wrong", "incorrect", "malformed", "truncated"] {
            assert!(!verbose.contains(bad), "tcpdump -vv says {bad}:\n{verbose}");
        }
        assert!(verbose.contains("cksum 0x") && verbose.contains("(correct)"));
    }

    fn arb_ip(l4: impl Strategy<Value = L4>) -> impl Strategy<Value = Ipv4Packet> {
        (
            any::<[u8; 4]>(),
            any::<[u8; 4]>(),
            any::<u8>(),
            any::<u16>(),
            any::<bool>(),
            l4,
        )
            .prop_map(|(s, d, ttl, ident, dont_frag, l4)| Ipv4Packet {
                src: Ipv4Addr::from(s),
                dst: Ipv4Addr::from(d),
                ttl,
                ident,
                dont_frag,
                l4,
            })
    }

    fn arb_simple_l4() -> impl Strategy<Value = L4> {
        let tcp = (
            any::<[u16; 2]>(),
            any::<[u32; 2]>(),
            any::<u8>(),
            any::<u16>(),
            0u32..3000,
            (
                prop::option::of(any::<u16>()),
                any::<bool>(),
                prop::option::of(any::<(u32, u32)>()),
                prop::option::of(0u8..15),
            ),
        )
            .prop_map(|(p, s, flags, window, payload_len, o)| {
                L4::Tcp(TcpSegment {
                    sport: p[0],
                    dport: p[1],
                    seq: s[0],
                    ack: s[1],
                    flags: TcpFlags(flags),
                    window,
                    payload_len,
                    options: TcpOptions {
                        mss: o.0,
                        sack_permitted: o.1,
                        timestamps: o.2,
                        window_scale: o.3,
                    },
                })
            });
        let dns = (
            any::<u16>(),
            any::<bool>(),
            "[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,20}){0,4}\\.?",
            prop::collection::vec(any::<[u8; 4]>(), 0..5),
            any::<bool>(),
        )
            .prop_map(|(id, is_response, name, answers, nxdomain)| {
                UdpPayload::Dns(Box::new(DnsMessage {
                    id,
                    is_response,
                    name,
                    answers: answers.into_iter().map(Ipv4Addr::from).collect(),
                    nxdomain,
                }))
            });
        let udp = (
            any::<[u16; 2]>(),
            prop_oneof![(0u32..3000).prop_map(UdpPayload::Data), dns],
        )
            .prop_map(|(p, payload)| {
                L4::Udp(UdpDatagram {
                    sport: p[0],
                    dport: p[1],
                    payload,
                })
            });
        let echo = (any::<bool>(), any::<u16>(), any::<u16>(), 0u32..2000).prop_map(
            |(request, id, seq, payload_len)| {
                L4::Icmp(if request {
                    IcmpMessage::EchoRequest {
                        id,
                        seq,
                        payload_len,
                    }
                } else {
                    IcmpMessage::EchoReply {
                        id,
                        seq,
                        payload_len,
                    }
                })
            },
        );
        prop_oneof![tcp, udp, echo]
    }

    fn arb_l4() -> impl Strategy<Value = L4> {
        let error = (any::<bool>(), 0u8..20, arb_ip(arb_simple_l4())).prop_map(
            |(unreach, code, original)| {
                let original = Box::new(original);
                L4::Icmp(if unreach {
                    IcmpMessage::DestUnreachable { code, original }
                } else {
                    IcmpMessage::TimeExceeded { code, original }
                })
            },
        );
        prop_oneof![3 => arb_simple_l4(), 1 => error]
    }

    proptest! {
        #[test]
        fn any_frame_has_the_models_length_and_valid_checksums(p in arb_ip(arb_l4())) {
            let f = eth(p);
            let b = try_frame_bytes(&f).unwrap();
            prop_assert_eq!(b.len() as u32, f.wire_len());
            check_checksums(&b);
        }
    }
}
