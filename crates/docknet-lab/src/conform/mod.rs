//! Comparing the simulator with the kernel: what a capture point saw, reduced to the fields
//! the conformance check compares (protocol, addresses, ports, TCP flags, window and options
//! (the MSS and which options, not the timestamp values), ICMP type/code, ARP operation), with
//! kernel-chosen ephemeral ports normalized. Works on the simulator's frames
//! and on pcap bytes alike; nothing here does I/O.

pub mod walks;

use docknet_sim::wire::{ArpOp, Frame, FramePayload, L4};
use etherparse::{LinkSlice, NetSlice, SlicedPacket, TransportSlice};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

/// One frame as the comparison sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Arp {
        request: bool,
        sender: Ipv4Addr,
        target: Ipv4Addr,
    },
    Ip {
        proto: &'static str,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        sport: Option<u16>,
        dport: Option<u16>,
        detail: String,
    },
    Other(String),
}

impl Seen {
    /// From a simulated frame.
    pub fn from_frame(f: &Frame) -> Seen {
        match &f.payload {
            FramePayload::Arp(a) => Seen::Arp {
                request: a.op == ArpOp::Request,
                sender: a.sender_ip,
                target: a.target_ip,
            },
            FramePayload::Ipv4(p) => {
                let (proto, sport, dport, detail) = match &p.l4 {
                    L4::Tcp(t) => (
                        "tcp",
                        Some(t.sport),
                        Some(t.dport),
                        tcp_detail(
                            t.flags,
                            t.window,
                            t.options.layout().iter().map(option_name),
                        ),
                    ),
                    L4::Udp(u) => ("udp", Some(u.sport), Some(u.dport), String::new()),
                    L4::Icmp(i) => {
                        let (t, c) = i.type_code();
                        ("icmp", None, None, format!("type {t} code {c}"))
                    }
                };
                Seen::Ip {
                    proto,
                    src: p.src,
                    dst: p.dst,
                    sport,
                    dport,
                    detail,
                }
            }
        }
    }

    /// From captured bytes (Ethernet, or Linux "cooked" captures are not expected here).
    pub fn from_bytes(bytes: &[u8]) -> Seen {
        let Ok(s) = SlicedPacket::from_ethernet(bytes) else {
            return Seen::Other(format!("{} undecodable bytes", bytes.len()));
        };
        if let Some(NetSlice::Arp(a)) = &s.net {
            let ip = |b: &[u8]| {
                <[u8; 4]>::try_from(b)
                    .map(Ipv4Addr::from)
                    .unwrap_or(Ipv4Addr::UNSPECIFIED)
            };
            return Seen::Arp {
                request: a.operation() == etherparse::ArpOperation::REQUEST,
                sender: ip(a.sender_protocol_addr()),
                target: ip(a.target_protocol_addr()),
            };
        }
        let Some(NetSlice::Ipv4(v4)) = &s.net else {
            let kind = match &s.link {
                Some(LinkSlice::Ethernet2(e)) => format!("ethertype {:#06x}", e.ether_type().0),
                _ => "non-IPv4".to_string(),
            };
            return Seen::Other(kind);
        };
        let h = v4.header();
        let (src, dst) = (h.source_addr(), h.destination_addr());
        let (proto, sport, dport, detail) = match &s.transport {
            Some(TransportSlice::Tcp(t)) => {
                let mut flags = docknet_sim::wire::TcpFlags(0);
                for (on, bit) in [
                    (t.fin(), docknet_sim::wire::TcpFlags::FIN),
                    (t.syn(), docknet_sim::wire::TcpFlags::SYN),
                    (t.rst(), docknet_sim::wire::TcpFlags::RST),
                    (t.psh(), docknet_sim::wire::TcpFlags::PSH),
                    (t.ack(), docknet_sim::wire::TcpFlags::ACK),
                ] {
                    if on {
                        flags = flags.with(bit);
                    }
                }
                let options = etherparse::TcpOptionsIterator::from_slice(t.options()).map(|o| {
                    use docknet_sim::wire::TcpOption;
                    use etherparse::TcpOptionElement as E;
                    match o {
                        Ok(E::Noop) => option_name(&TcpOption::Nop),
                        Ok(E::MaximumSegmentSize(m)) => option_name(&TcpOption::Mss(m)),
                        Ok(E::SelectiveAcknowledgementPermitted) => {
                            option_name(&TcpOption::SackPermitted)
                        }
                        Ok(E::Timestamp(v, e)) => option_name(&TcpOption::Timestamps(v, e)),
                        Ok(E::WindowScale(w)) => option_name(&TcpOption::WindowScale(w)),
                        // Options the model never writes (SACK blocks), shown as they are.
                        Ok(other) => format!("{other:?}"),
                        Err(e) => format!("bad option: {e}"),
                    }
                });
                (
                    "tcp",
                    Some(t.source_port()),
                    Some(t.destination_port()),
                    tcp_detail(flags, t.window_size(), options),
                )
            }
            Some(TransportSlice::Udp(u)) => (
                "udp",
                Some(u.source_port()),
                Some(u.destination_port()),
                String::new(),
            ),
            Some(TransportSlice::Icmpv4(i)) => (
                "icmp",
                None,
                None,
                format!("type {} code {}", i.type_u8(), i.code_u8()),
            ),
            _ => ("ip", None, None, format!("proto {}", h.protocol().0)),
        };
        Seen::Ip {
            proto,
            src,
            dst,
            sport,
            dport,
            detail,
        }
    }
}

/// TCP flags, window and option layout: `[S] win 64240 mss 1460,sackOK,TS,nop,wscale`.
fn tcp_detail(
    flags: docknet_sim::wire::TcpFlags,
    window: u16,
    options: impl Iterator<Item = String>,
) -> String {
    let options: Vec<String> = options.collect();
    let head = format!("[{}] win {window}", flags.tcpdump());
    if options.is_empty() {
        head
    } else {
        format!("{head} {}", options.join(","))
    }
}

/// How [`tcp_detail`] names a simulated option (values that vary per run are left out).
fn option_name(o: &docknet_sim::wire::TcpOption) -> String {
    use docknet_sim::wire::TcpOption;
    match o {
        TcpOption::Nop => "nop".into(),
        TcpOption::Mss(m) => format!("mss {m}"),
        TcpOption::SackPermitted => "sackOK".into(),
        TcpOption::Timestamps(..) => "TS".into(),
        TcpOption::WindowScale(_) => "wscale".into(),
    }
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seen::Arp {
                request: true,
                sender,
                target,
            } => write!(f, "arp who-has {target} tell {sender}"),
            Seen::Arp {
                request: false,
                sender,
                ..
            } => write!(f, "arp reply {sender}"),
            Seen::Ip {
                proto,
                src,
                dst,
                sport: Some(s),
                dport: Some(d),
                detail,
            } => {
                write!(f, "{proto} {src}:{s} > {dst}:{d} {detail}")
            }
            Seen::Ip {
                proto,
                src,
                dst,
                detail,
                ..
            } => write!(f, "{proto} {src} > {dst} {detail}"),
            Seen::Other(s) => write!(f, "other {s}"),
        }
    }
}

/// Every frame in a classic pcap (bytes already read), as the comparison sees it.
pub fn read_pcap(bytes: &[u8]) -> Result<Vec<Seen>, pcap_file::PcapError> {
    let mut reader = pcap_file::pcap::PcapReader::new(bytes)?;
    let mut out = Vec::new();
    while let Some(pkt) = reader.next_packet() {
        out.push(Seen::from_bytes(&pkt?.data));
    }
    Ok(out)
}

/// Lines for comparison: ports the kernel chose (not in `fixed`, and >= 1024) become E1, E2,
/// ... in order of first appearance, so two runs with different ephemeral ports compare equal.
pub fn normalize(seen: &[Seen], fixed: &BTreeSet<u16>) -> Vec<String> {
    let mut names: BTreeMap<u16, String> = BTreeMap::new();
    let mut name = |p: u16| -> String {
        if p < 1024 || fixed.contains(&p) {
            return p.to_string();
        }
        let next = names.len() + 1;
        names.entry(p).or_insert_with(|| format!("E{next}")).clone()
    };
    seen.iter()
        .map(|s| match s {
            Seen::Ip {
                proto,
                src,
                dst,
                sport: Some(sp),
                dport: Some(dp),
                detail,
            } => {
                let (a, b) = (name(*sp), name(*dp));
                format!("{proto} {src}:{a} > {dst}:{b} {detail}")
                    .trim_end()
                    .to_string()
            }
            other => other.to_string().trim_end().to_string(),
        })
        .collect()
}

/// A side-by-side listing of two sequences, marking the rows that differ.
pub fn side_by_side(
    left_title: &str,
    left: &[String],
    right_title: &str,
    right: &[String],
) -> String {
    let width = left
        .iter()
        .map(String::len)
        .chain([left_title.len()])
        .max()
        .unwrap_or(0);
    let mut out = format!("   {left_title:<width$} | {right_title}\n");
    for i in 0..left.len().max(right.len()) {
        let (a, b) = (
            left.get(i).map_or("", String::as_str),
            right.get(i).map_or("", String::as_str),
        );
        let mark = if a == b { "  " } else { "!!" };
        out += &format!("{mark} {a:<width$} | {b}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(sport: u16, dport: u16, flags: &str) -> Seen {
        Seen::Ip {
            proto: "tcp",
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            sport: Some(sport),
            dport: Some(dport),
            detail: format!("[{flags}]"),
        }
    }

    #[test]
    fn ephemeral_ports_are_named_in_order_and_fixed_ones_kept() {
        let a = normalize(
            &[
                tcp(51000, 80, "S"),
                tcp(40000, 80, "S"),
                tcp(51000, 80, "."),
            ],
            &BTreeSet::from([40000]),
        );
        let b = normalize(
            &[
                tcp(33333, 80, "S"),
                tcp(40000, 80, "S"),
                tcp(33333, 80, "."),
            ],
            &BTreeSet::from([40000]),
        );
        assert_eq!(a, b);
        assert_eq!(a[0], "tcp 10.0.0.1:E1 > 10.0.0.2:80 [S]");
        assert_eq!(a[1], "tcp 10.0.0.1:40000 > 10.0.0.2:80 [S]");
    }

    #[test]
    fn pcap_bytes_and_frames_agree() {
        use docknet_sim::wire::{MacAddr, TcpFlags, TcpSegment};
        let p = docknet_sim::wire::Ipv4Packet {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            ttl: 64,
            ident: 1,
            dont_frag: true,
            l4: L4::Tcp(TcpSegment {
                sport: 40000,
                dport: 80,
                seq: 1,
                ack: 0,
                flags: TcpFlags::SYN,
                window: 100,
                payload_len: 0,
                options: docknet_sim::wire::TcpOptions {
                    mss: Some(1460),
                    ..Default::default()
                },
            }),
        };
        let f = Frame {
            src: MacAddr([2, 0, 0, 0, 0, 1]),
            dst: MacAddr([2, 0, 0, 0, 0, 2]),
            payload: FramePayload::Ipv4(p),
        };
        let mut buf = Vec::new();
        docknet_sim::pcap::write_pcap(&mut buf, &[(docknet_sim::time::SimTime(5), f.clone())])
            .unwrap();
        assert_eq!(read_pcap(&buf).unwrap(), vec![Seen::from_frame(&f)]);
    }

    #[test]
    fn side_by_side_marks_differences() {
        let text = side_by_side(
            "kernel",
            &["a".into(), "b".into()],
            "sim",
            &["a".into(), "c".into()],
        );
        assert!(text.contains("   a      | a\n!! b      | c\n"), "{text}");
    }
}
