//! What a packet is (ARP, DNS, TCP control or data, UDP, ICMP), how its label reads, and
//! which connection it belongs to, so a request and its NATed reply share a colour.

use docknet_sim::trace::{TraceEvent, TraceRecord};
use docknet_sim::wire::{
    ArpOp, Frame, FramePayload, IcmpMessage, Ipv4Packet, L4, TcpFlags, UdpPayload,
};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// The kinds a learner tells apart at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketKind {
    Arp,
    Dns,
    /// SYN, FIN or RST: the connection's life.
    TcpControl,
    TcpData,
    Udp,
    Icmp,
}

impl PacketKind {
    pub fn of(frame: &Frame) -> PacketKind {
        match &frame.payload {
            FramePayload::Arp(_) => PacketKind::Arp,
            FramePayload::Ipv4(p) => match &p.l4 {
                L4::Tcp(t) => {
                    let control = TcpFlags::SYN.0 | TcpFlags::FIN.0 | TcpFlags::RST.0;
                    if t.flags.0 & control != 0 {
                        PacketKind::TcpControl
                    } else {
                        PacketKind::TcpData
                    }
                }
                L4::Udp(u) if matches!(u.payload, UdpPayload::Dns(_)) => PacketKind::Dns,
                L4::Udp(_) => PacketKind::Udp,
                L4::Icmp(_) => PacketKind::Icmp,
            },
        }
    }

    /// The protocol filter's name.
    pub fn protocol(self) -> &'static str {
        match self {
            PacketKind::Arp => "ARP",
            PacketKind::Dns => "DNS",
            PacketKind::TcpControl | PacketKind::TcpData => "TCP",
            PacketKind::Udp => "UDP",
            PacketKind::Icmp => "ICMP",
        }
    }
}

/// The protocols the event list filters by.
pub const PROTOCOLS: [&str; 5] = ["ARP", "TCP", "UDP", "DNS", "ICMP"];

/// `ip:port` of one end (no port for ICMP).
pub fn endpoint(ip: Ipv4Addr, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{ip}:{p}"),
        None => ip.to_string(),
    }
}

/// The source and destination as a label shows them.
pub fn ends(p: &Ipv4Packet) -> (String, String) {
    let (sp, dp) = match p.ports() {
        Some((s, d)) => (Some(s), Some(d)),
        None => (None, None),
    };
    (endpoint(p.src, sp), endpoint(p.dst, dp))
}

/// What the packet is, after its addresses: `TCP [S]`, `DNS A? db`, `ICMP echo request`.
pub fn what(frame: &Frame) -> String {
    match &frame.payload {
        FramePayload::Arp(a) => match a.op {
            ArpOp::Request => format!("ARP who-has {} tell {}", a.target_ip, a.sender_ip),
            ArpOp::Reply => format!("ARP {} is-at {}", a.sender_ip, a.sender_mac),
        },
        FramePayload::Ipv4(p) => match &p.l4 {
            L4::Tcp(t) => {
                let flags = t.flags.tcpdump();
                if t.payload_len > 0 {
                    format!("TCP [{flags}] {} bytes", t.payload_len)
                } else {
                    format!("TCP [{flags}]")
                }
            }
            L4::Udp(u) => match &u.payload {
                UdpPayload::Dns(d) if d.is_response => {
                    let ans: Vec<String> = d.answers.iter().map(|a| a.to_string()).collect();
                    if d.nxdomain {
                        format!("DNS {} NXDOMAIN", d.name)
                    } else {
                        format!("DNS {} A {}", d.name, ans.join(","))
                    }
                }
                UdpPayload::Dns(d) => format!("DNS A? {}", d.name),
                UdpPayload::Data(n) => format!("UDP {n} bytes"),
            },
            L4::Icmp(i) => match i {
                IcmpMessage::EchoRequest { seq, .. } => format!("ICMP echo request seq {seq}"),
                IcmpMessage::EchoReply { seq, .. } => format!("ICMP echo reply seq {seq}"),
                IcmpMessage::DestUnreachable { code, .. } => {
                    format!("ICMP unreachable ({})", unreachable_name(*code))
                }
                IcmpMessage::TimeExceeded { .. } => "ICMP time exceeded".into(),
            },
        },
    }
}

fn unreachable_name(code: u8) -> &'static str {
    match code {
        IcmpMessage::NET_UNREACHABLE => "net",
        IcmpMessage::HOST_UNREACHABLE => "host",
        IcmpMessage::PORT_UNREACHABLE => "port",
        IcmpMessage::ADMIN_PROHIBITED => "admin prohibited",
        _ => "other",
    }
}

/// One line for a packet: `10.12.91.1:40000 -> 10.12.91.17:8080  TCP [S]`.
pub fn label(frame: &Frame) -> String {
    match frame.ipv4() {
        Some(p) => {
            let (s, d) = ends(p);
            format!("{s} -> {d}  {}", what(frame))
        }
        None => what(frame),
    }
}

/// A flow as both ends see it: protocol and the two endpoints in a fixed order.
type FlowKey = (u8, (Ipv4Addr, u16), (Ipv4Addr, u16));

fn flow_key(p: &Ipv4Packet) -> FlowKey {
    // ICMP errors belong to the flow they quote.
    if let L4::Icmp(
        IcmpMessage::DestUnreachable { original, .. } | IcmpMessage::TimeExceeded { original, .. },
    ) = &p.l4
    {
        return flow_key(original);
    }
    let (sp, dp) = match &p.l4 {
        L4::Icmp(IcmpMessage::EchoRequest { id, .. } | IcmpMessage::EchoReply { id, .. }) => {
            (*id, *id)
        }
        _ => p.ports().unwrap_or((0, 0)),
    };
    let a = (p.src, sp);
    let b = (p.dst, dp);
    let proto = p.proto().number();
    if a <= b { (proto, a, b) } else { (proto, b, a) }
}

/// Packets grouped into connections: every address pair a packet was seen with (before and
/// after NAT) links it to the packets seen with the same pair, so a request, its DNATed copy
/// and the reply all land in one group. ARP has no connection.
#[derive(Clone, Debug, Default)]
pub struct Connections {
    of_pkt: HashMap<u64, usize>,
    count: usize,
}

impl Connections {
    pub fn from_trace(records: &[TraceRecord]) -> Connections {
        let mut parent: Vec<usize> = Vec::new();
        let mut key_id: HashMap<FlowKey, usize> = HashMap::new();
        let mut pkt_key: HashMap<u64, usize> = HashMap::new();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for r in records {
            let (Some(pkt), TraceEvent::Capture { frame, .. }) = (r.pkt, &r.event) else {
                continue;
            };
            let Some(ip) = frame.ipv4() else { continue };
            let k = flow_key(ip);
            let id = *key_id.entry(k).or_insert_with(|| {
                parent.push(parent.len());
                parent.len() - 1
            });
            match pkt_key.get(&pkt.get()) {
                Some(&other) => {
                    let (a, b) = (find(&mut parent, id), find(&mut parent, other));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
                None => {
                    pkt_key.insert(pkt.get(), id);
                }
            }
        }
        // Number groups in order of first appearance.
        let mut number: HashMap<usize, usize> = HashMap::new();
        let mut of_pkt = HashMap::new();
        let mut pkts: Vec<(u64, usize)> = pkt_key.into_iter().collect();
        pkts.sort_unstable();
        for (pkt, id) in pkts {
            let root = find(&mut parent, id);
            let n = number.len();
            let n = *number.entry(root).or_insert(n);
            of_pkt.insert(pkt, n);
        }
        Connections {
            of_pkt,
            count: number.len(),
        }
    }

    /// The connection number of a packet (0, 1, 2 ... in order of first packet).
    pub fn of(&self, pkt: u64) -> Option<usize> {
        self.of_pkt.get(&pkt).copied()
    }

    pub fn count(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Document;

    #[test]
    fn a_dnat_request_and_its_reply_share_a_connection() {
        let file = format!("{}/../../scenarios/default.ron", env!("CARGO_MANIFEST_DIR"));
        let (_, mut built) =
            Document::load(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
        built.sim.run_to_end();
        let trace = built.sim.trace();
        let conns = Connections::from_trace(trace);
        let tcp: Vec<(u64, &Frame)> = trace
            .iter()
            .filter_map(|r| match (&r.event, r.pkt) {
                (TraceEvent::Capture { frame, .. }, Some(p)) if frame.ipv4().is_some() => {
                    Some((p.get(), &**frame))
                }
                _ => None,
            })
            .collect();
        let syn = tcp.iter().find(|(_, f)| label(f).contains("[S]")).unwrap();
        let synack = tcp.iter().find(|(_, f)| label(f).contains("[S.]")).unwrap();
        assert_ne!(syn.0, synack.0);
        assert_eq!(conns.of(syn.0), conns.of(synack.0));
        assert_eq!(conns.count(), 1, "one TCP connection in the default lesson");
        assert_eq!(PacketKind::of(syn.1), PacketKind::TcpControl);
        assert!(
            label(syn.1).starts_with("10.12.91.1:40000 -> 10.12.91.17:8080"),
            "{}",
            label(syn.1)
        );
    }
}
