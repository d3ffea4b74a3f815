//! Bytes at the edge: frames as real Ethernet/ARP/IPv4/TCP/UDP/ICMP bytes with correct
//! checksums (built with etherparse), written as a classic pcap that Wireshark and
//! `tcpdump -r` open. Frames are not padded to 60 bytes, as a capture on a veth shows them.

use crate::time::SimTime;
use crate::wire::{
    ArpOp, ArpPacket, DnsMessage, Frame, FramePayload, IcmpMessage, Ipv4Packet, L4, UdpPayload,
};
use etherparse::{
    EtherType, Ethernet2Header, Icmpv4Header, Icmpv4Type, IpNumber, Ipv4Header, TcpHeader,
    UdpHeader,
};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness};
use std::time::Duration;

/// Why a pcap could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    #[error("cannot write the pcap: {0}")]
    Write(#[from] pcap_file::PcapError),
}

/// The frame's bytes on the wire (without FCS).
pub fn frame_bytes(frame: &Frame) -> Vec<u8> {
    let ether_type = match frame.payload {
        FramePayload::Arp(_) => EtherType::ARP,
        FramePayload::Ipv4(_) => EtherType::IPV4,
    };
    let eth = Ethernet2Header {
        source: frame.src.0,
        destination: frame.dst.0,
        ether_type,
    };
    let mut out = eth.to_bytes().to_vec();
    match &frame.payload {
        FramePayload::Arp(a) => out.extend(arp_bytes(a)),
        FramePayload::Ipv4(p) => out.extend(ipv4_bytes(p)),
    }
    out
}

fn arp_bytes(a: &ArpPacket) -> Vec<u8> {
    let op: u16 = match a.op {
        ArpOp::Request => 1,
        ArpOp::Reply => 2,
    };
    let mut b = Vec::with_capacity(28);
    b.extend(1u16.to_be_bytes()); // hardware: Ethernet
    b.extend(0x0800u16.to_be_bytes()); // protocol: IPv4
    b.extend([6, 4]);
    b.extend(op.to_be_bytes());
    b.extend(a.sender_mac.0);
    b.extend(a.sender_ip.octets());
    b.extend(a.target_mac.0);
    b.extend(a.target_ip.octets());
    b
}

/// An IPv4 packet with its transport header and payload (zero bytes of the modelled length).
pub fn ipv4_bytes(p: &Ipv4Packet) -> Vec<u8> {
    let proto = match &p.l4 {
        L4::Tcp(_) => IpNumber::TCP,
        L4::Udp(_) => IpNumber::UDP,
        L4::Icmp(_) => IpNumber::ICMP,
    };
    let payload_len = p.l4.len().min(u32::from(u16::MAX) - 20) as u16;
    let mut ip = Ipv4Header::new(payload_len, p.ttl, proto, p.src.octets(), p.dst.octets())
        .unwrap_or_else(|_| Ipv4Header {
            time_to_live: p.ttl,
            protocol: proto,
            ..Default::default()
        });
    ip.identification = p.ident;
    ip.dont_fragment = p.dont_frag;
    ip.header_checksum = ip.calc_header_checksum();
    let mut out = ip.to_bytes().to_vec();
    match &p.l4 {
        L4::Tcp(t) => {
            let payload = vec![0u8; t.payload_len as usize];
            let mut h = TcpHeader::new(t.sport, t.dport, t.seq, t.window);
            h.acknowledgment_number = t.ack;
            h.fin = t.flags.has(crate::wire::TcpFlags::FIN);
            h.syn = t.flags.has(crate::wire::TcpFlags::SYN);
            h.rst = t.flags.has(crate::wire::TcpFlags::RST);
            h.psh = t.flags.has(crate::wire::TcpFlags::PSH);
            h.ack = t.flags.has(crate::wire::TcpFlags::ACK);
            h.checksum = h.calc_checksum_ipv4(&ip, &payload).unwrap_or(0);
            out.extend(h.to_bytes());
            out.extend(payload);
        }
        L4::Udp(u) => {
            let payload = match &u.payload {
                UdpPayload::Data(n) => vec![0u8; *n as usize],
                UdpPayload::Dns(m) => dns_bytes(m),
            };
            let h = UdpHeader::with_ipv4_checksum(u.sport, u.dport, &ip, &payload).unwrap_or(
                UdpHeader {
                    source_port: u.sport,
                    destination_port: u.dport,
                    length: 0,
                    checksum: 0,
                },
            );
            out.extend(h.to_bytes());
            out.extend(payload);
        }
        L4::Icmp(m) => {
            let (type_u8, code_u8) = m.type_code();
            let (rest, payload) = match m {
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
                    let mut r = [0u8; 4];
                    r[..2].copy_from_slice(&id.to_be_bytes());
                    r[2..].copy_from_slice(&seq.to_be_bytes());
                    (r, vec![0u8; *payload_len as usize])
                }
                IcmpMessage::DestUnreachable { original, .. }
                | IcmpMessage::TimeExceeded { original, .. } => {
                    // The offending packet's IP header and its first 8 bytes of transport.
                    let quoted = ipv4_bytes(original);
                    ([0; 4], quoted[..quoted.len().min(28)].to_vec())
                }
            };
            let h = Icmpv4Header::with_checksum(
                Icmpv4Type::Unknown {
                    type_u8,
                    code_u8,
                    bytes5to8: rest,
                },
                &payload,
            );
            out.extend(h.to_bytes());
            out.extend(payload);
        }
    }
    out
}

/// A DNS query or A-record answer (RFC 1035), with a compression pointer to the question.
fn dns_bytes(m: &DnsMessage) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(m.id.to_be_bytes());
    let mut flags: u16 = 0x0100; // RD
    if m.is_response {
        flags |= 0x8080; // QR, RA
        if m.nxdomain {
            flags |= 3;
        }
    }
    b.extend(flags.to_be_bytes());
    b.extend(1u16.to_be_bytes());
    b.extend((m.answers.len() as u16).to_be_bytes());
    b.extend([0, 0, 0, 0]);
    for label in m
        .name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        let label = &label.as_bytes()[..label.len().min(63)];
        b.push(label.len() as u8);
        b.extend(label);
    }
    b.push(0);
    b.extend([0, 1, 0, 1]); // type A, class IN
    for a in &m.answers {
        b.extend([0xc0, 12]); // pointer to the question's name
        b.extend([0, 1, 0, 1]);
        b.extend(600u32.to_be_bytes());
        b.extend(4u16.to_be_bytes());
        b.extend(a.octets());
    }
    b
}

/// Write `frames` with their simulated timestamps as a classic little-endian pcap
/// (LINKTYPE_ETHERNET, microseconds).
pub fn write_pcap<W: std::io::Write>(w: W, frames: &[(SimTime, Frame)]) -> Result<(), PcapError> {
    let header = PcapHeader {
        endianness: Endianness::Little,
        datalink: DataLink::ETHERNET,
        ..Default::default()
    };
    let mut writer = PcapWriter::with_header(w, header)?;
    for (t, f) in frames {
        let data = frame_bytes(f);
        let ts = Duration::from_nanos(t.as_nanos());
        writer.write_packet(&PcapPacket::new(ts, data.len() as u32, &data))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{MacAddr, TcpFlags, TcpSegment, UdpDatagram};
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};
    use std::net::Ipv4Addr;

    fn ip(l4: L4) -> Ipv4Packet {
        Ipv4Packet {
            src: Ipv4Addr::new(10, 12, 91, 1),
            dst: Ipv4Addr::new(172, 17, 0, 2),
            ttl: 63,
            ident: 7,
            dont_frag: true,
            l4,
        }
    }

    fn frame(p: Ipv4Packet) -> Frame {
        Frame {
            src: MacAddr([2, 0, 0, 0, 0, 1]),
            dst: MacAddr([2, 0, 0, 0, 0, 2]),
            payload: FramePayload::Ipv4(p),
        }
    }

    #[test]
    fn tcp_bytes_parse_back_with_valid_checksums() {
        let seg = TcpSegment {
            sport: 40000,
            dport: 80,
            seq: 5,
            ack: 9,
            flags: TcpFlags::SYN.with(TcpFlags::ACK),
            window: 64240,
            payload_len: 10,
        };
        let p = ip(L4::Tcp(seg));
        let bytes = frame_bytes(&frame(p.clone()));
        assert_eq!(bytes.len() as u32, 14 + p.total_len());
        let s = SlicedPacket::from_ethernet(&bytes).unwrap();
        let Some(NetSlice::Ipv4(v4)) = &s.net else {
            panic!("not IPv4")
        };
        let h = v4.header().to_header();
        assert_eq!(h.header_checksum, h.calc_header_checksum());
        assert_eq!(
            (h.time_to_live, h.identification, h.dont_fragment),
            (63, 7, true)
        );
        let Some(TransportSlice::Tcp(t)) = &s.transport else {
            panic!("not TCP")
        };
        assert!(t.syn() && t.ack() && !t.fin());
        assert_eq!(
            (
                t.source_port(),
                t.destination_port(),
                t.sequence_number(),
                t.acknowledgment_number()
            ),
            (40000, 80, 5, 9)
        );
        assert_eq!(
            t.checksum(),
            t.to_header().calc_checksum_ipv4(&h, t.payload()).unwrap()
        );
    }

    #[test]
    fn udp_and_icmp_lengths_match_the_model() {
        let u = ip(L4::Udp(UdpDatagram {
            sport: 5353,
            dport: 53,
            payload: UdpPayload::Data(40),
        }));
        let icmp = ip(L4::Icmp(IcmpMessage::DestUnreachable {
            code: 3,
            original: Box::new(u.clone()),
        }));
        for p in [u, icmp] {
            assert_eq!(ipv4_bytes(&p).len() as u32, p.total_len(), "{p:?}");
        }
        let dns = DnsMessage {
            id: 9,
            is_response: true,
            name: "db".into(),
            answers: vec![Ipv4Addr::new(172, 18, 0, 2)],
            nxdomain: false,
        };
        assert_eq!(dns_bytes(&dns).len() as u32, dns.wire_len());
    }
}
