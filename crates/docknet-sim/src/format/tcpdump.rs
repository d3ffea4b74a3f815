//! Captures as `tcpdump -n -e` prints them, with tcpdump's relative TCP sequence numbers.
//! Only captures are printed: a `stopped` record (a run cut by its limits) is not a frame,
//! and the CLI prints its message on stderr.

use crate::time::SimTime;
use crate::trace::{Dir, TraceEvent, TraceRecord};
use crate::wire::{
    ArpOp, Frame, FramePayload, IcmpMessage, Ipv4Packet, L4, TcpSegment, UdpPayload,
};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// Which capture records to print: one interface (`ns`, `iface`) or all of them.
#[derive(Clone, Debug, Default)]
pub struct CapturePoint {
    pub ns: String,
    pub iface: String,
}

impl CapturePoint {
    /// Parse `ns:iface`.
    pub fn parse(text: &str) -> Option<CapturePoint> {
        let (ns, iface) = text.split_once(':')?;
        Some(CapturePoint {
            ns: ns.into(),
            iface: iface.into(),
        })
    }

    /// Whether a capture on `ns`'s `iface` is one at this point.
    pub fn is(&self, ns: &str, iface: &str) -> bool {
        self.ns == ns && self.iface == iface
    }
}

/// Formats capture records, remembering each TCP flow's initial sequence numbers.
#[derive(Default)]
pub struct Tcpdump {
    isn: HashMap<(Ipv4Addr, u16, Ipv4Addr, u16), u32>,
}

impl Tcpdump {
    /// All capture lines of a trace, at one point or everywhere (prefixed `ns:iface In|Out`).
    pub fn lines<'a>(
        records: impl IntoIterator<Item = (SimTime, &'a TraceRecord)>,
        at: Option<&CapturePoint>,
    ) -> Vec<String> {
        let mut fmt = Tcpdump::default();
        records
            .into_iter()
            .filter_map(|(t, r)| fmt.line(t, r, at))
            .collect()
    }

    /// One record's line (a record of time `t`), if it is a capture at `at` (or anywhere when
    /// `at` is None). Feed records in trace order: the formatter keeps each TCP flow's initial
    /// sequence numbers (one entry per flow direction, the only state it needs).
    pub fn line(
        &mut self,
        t: SimTime,
        r: &TraceRecord,
        at: Option<&CapturePoint>,
    ) -> Option<String> {
        let TraceEvent::Capture {
            ns,
            iface,
            dir,
            frame,
        } = &r.event
        else {
            return None;
        };
        let prefix = match at {
            Some(p) if p.is(ns, iface) => String::new(),
            Some(_) => return None,
            None => format!(
                "{ns}:{iface} {} ",
                if *dir == Dir::In { "In " } else { "Out" }
            ),
        };
        Some(format!("{t} {prefix}{}", self.frame(frame)))
    }

    /// One frame: `smac > dmac, ethertype ..., length N: payload`.
    pub fn frame(&mut self, f: &Frame) -> String {
        let (etype, payload_len, body) = match &f.payload {
            FramePayload::Arp(a) => ("ARP (0x0806)", 28, arp_text(a)),
            FramePayload::Ipv4(p) => ("IPv4 (0x0800)", p.total_len(), self.ipv4(p)),
        };
        format!(
            "{} > {}, ethertype {etype}, length {}: {body}",
            f.src,
            f.dst,
            14 + payload_len
        )
    }

    /// The IPv4 part, as tcpdump prints it without `-e` (after `IP `).
    pub fn ipv4(&mut self, p: &Ipv4Packet) -> String {
        match &p.l4 {
            L4::Tcp(t) => format!(
                "{}.{} > {}.{}: {}",
                p.src,
                t.sport,
                p.dst,
                t.dport,
                self.tcp(p, t)
            ),
            L4::Udp(u) => {
                let body = match &u.payload {
                    UdpPayload::Data(n) => format!("UDP, length {n}"),
                    UdpPayload::Dns(m) if m.is_response => {
                        let answers: Vec<String> =
                            m.answers.iter().map(|a| format!("A {a}")).collect();
                        let rcode = if m.nxdomain { " NXDomain" } else { "" };
                        format!(
                            "{}{rcode} {}/0/0 {} ({})",
                            m.id,
                            m.answers.len(),
                            answers.join(", "),
                            m.wire_len()
                        )
                    }
                    UdpPayload::Dns(m) => format!(
                        "{}+ A? {}. ({})",
                        m.id,
                        m.name.trim_end_matches('.'),
                        m.wire_len()
                    ),
                };
                format!("{}.{} > {}.{}: {body}", p.src, u.sport, p.dst, u.dport)
            }
            L4::Icmp(i) => format!(
                "{} > {}: ICMP {}, length {}",
                p.src,
                p.dst,
                icmp_text(i),
                i.len()
            ),
        }
    }

    fn tcp(&mut self, p: &Ipv4Packet, t: &TcpSegment) -> String {
        let fwd = (p.src, t.sport, p.dst, t.dport);
        let rev = (p.dst, t.dport, p.src, t.sport);
        let mut s = format!("Flags [{}]", t.flags.tcpdump());
        let syn = t.flags.has(crate::wire::TcpFlags::SYN);
        if syn {
            self.isn.insert(fwd, t.seq);
        }
        let base = if syn {
            None
        } else {
            self.isn.get(&fwd).copied()
        };
        let rel = |x: u32, b: Option<u32>| b.map_or(x, |b| x.wrapping_sub(b));
        if t.payload_len > 0 {
            let start = rel(t.seq, base);
            s += &format!(", seq {start}:{}", start.wrapping_add(t.payload_len));
        } else if syn
            || t.flags.has(crate::wire::TcpFlags::FIN)
            || t.flags.has(crate::wire::TcpFlags::RST)
        {
            s += &format!(", seq {}", rel(t.seq, base));
        }
        if t.flags.has(crate::wire::TcpFlags::ACK) {
            // Like tcpdump, numbers stay absolute on SYNs; relative once both ISNs are known.
            let ack_base = if syn {
                None
            } else {
                self.isn.get(&rev).copied()
            };
            s += &format!(", ack {}", rel(t.ack, ack_base));
        }
        s += &format!(", win {}", t.window);
        if !t.options.is_empty() {
            s += &format!(", options [{}]", t.options.tcpdump());
        }
        s + &format!(", length {}", t.payload_len)
    }
}

fn arp_text(a: &crate::wire::ArpPacket) -> String {
    match a.op {
        ArpOp::Request => format!(
            "Request who-has {} tell {}, length 28",
            a.target_ip, a.sender_ip
        ),
        ArpOp::Reply => format!("Reply {} is-at {}, length 28", a.sender_ip, a.sender_mac),
    }
}

fn icmp_text(i: &IcmpMessage) -> String {
    match i {
        IcmpMessage::EchoRequest { id, seq, .. } => format!("echo request, id {id}, seq {seq}"),
        IcmpMessage::EchoReply { id, seq, .. } => format!("echo reply, id {id}, seq {seq}"),
        IcmpMessage::TimeExceeded { .. } => "time exceeded in-transit".into(),
        IcmpMessage::DestUnreachable { code, original } => match code {
            0 => format!("net {} unreachable", original.dst),
            1 => format!("host {} unreachable", original.dst),
            2 => format!(
                "{} protocol {} unreachable",
                original.dst,
                original.proto().number()
            ),
            3 => {
                let port = original.ports().map_or(0, |p| p.1);
                format!(
                    "{} {} port {port} unreachable",
                    original.dst,
                    original.proto().name()
                )
            }
            9 => format!("net {} unreachable - admin prohibited", original.dst),
            10 => format!("host {} unreachable - admin prohibited", original.dst),
            13 => format!(
                "host {} unreachable - admin prohibited filter",
                original.dst
            ),
            c => format!("{} unreachable - code {c}", original.dst),
        },
    }
}
