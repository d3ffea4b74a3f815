//! The inspector: one packet's headers at every hop it was captured at, with the fields that
//! changed since the previous hop marked, and the conntrack entry its connection has.

use docknet_sim::replay::Timed;
use docknet_sim::time::SimTime;
use docknet_sim::trace::TraceEvent;
use docknet_sim::wire::{ArpOp, Frame, FramePayload, IcmpMessage, L4, UdpPayload};

/// How far back (in records) the inspector looks: a packet's life is far shorter.
const WINDOW: usize = 20_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// `Ethernet`, `IPv4`, `TCP`, `UDP`, `DNS`, `ICMP`, `ARP`.
    pub layer: &'static str,
    pub name: &'static str,
    pub value: String,
    /// Different from the same field at the previous hop.
    pub changed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// Index of the capture record.
    pub record: usize,
    pub t: SimTime,
    /// `host:eth1 In`.
    pub at: String,
    pub fields: Vec<Field>,
}

/// A conntrack entry split into its two tuples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtView {
    /// `tcp 6 120 SYN_SENT`.
    pub head: String,
    pub original: String,
    pub reply: String,
    /// `[UNREPLIED]`, `[ASSURED]`, `mark=0 use=1` and the like.
    pub flags: String,
    pub ns: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    pub pkt: u64,
    pub hops: Vec<Hop>,
    pub conntrack: Option<CtView>,
}

/// Inspect `pkt` over the shown records (with their times). `same_connection` says whether
/// another packet belongs to its connection (so a reply shows the entry its request created).
pub fn inspect(shown: Timed<'_>, pkt: u64, same_connection: impl Fn(u64) -> bool) -> Inspection {
    let mut hops: Vec<Hop> = Vec::new();
    let start = shown.len().saturating_sub(WINDOW);
    let records = shown.records();
    for (i, (t, r)) in shown.enumerate().skip(start) {
        let (
            Some(p),
            TraceEvent::Capture {
                ns,
                iface,
                dir,
                frame,
            },
        ) = (r.pkt, &r.event)
        else {
            continue;
        };
        if p.get() != pkt {
            continue;
        }
        let mut fields = fields(frame);
        if let Some(prev) = hops.last() {
            for f in &mut fields {
                f.changed = prev
                    .fields
                    .iter()
                    .find(|g| g.layer == f.layer && g.name == f.name)
                    .is_none_or(|g| g.value != f.value);
            }
        }
        hops.push(Hop {
            record: i,
            t,
            at: format!("{ns}:{iface} {}", dir.name()),
            fields,
        });
    }
    let conntrack = records
        .iter()
        .rev()
        .take(WINDOW)
        .find_map(|r| match (&r.event, r.pkt) {
            (TraceEvent::Conntrack { ns, entry, .. }, Some(p))
                if p.get() == pkt || same_connection(p.get()) =>
            {
                Some(split_entry(ns, entry))
            }
            _ => None,
        });
    Inspection {
        pkt,
        hops,
        conntrack,
    }
}

/// `tcp 6 120 SYN_SENT src=a dst=b sport=1 dport=2 [UNREPLIED] src=.. mark=0 use=1`.
fn split_entry(ns: &str, entry: &str) -> CtView {
    let words: Vec<&str> = entry.split_whitespace().collect();
    let first_src = words
        .iter()
        .position(|w| w.starts_with("src="))
        .unwrap_or(words.len());
    let second_src = words
        .iter()
        .enumerate()
        .skip(first_src + 1)
        .find(|(_, w)| w.starts_with("src="))
        .map_or(words.len(), |(i, _)| i);
    let tuple = |ws: &[&str]| {
        ws.iter()
            .filter(|w| {
                ["src=", "dst=", "sport=", "dport=", "type=", "code=", "id="]
                    .iter()
                    .any(|k| w.starts_with(k))
            })
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let flags: Vec<&str> = words[first_src..]
        .iter()
        .filter(|w| w.starts_with('[') || w.starts_with("mark=") || w.starts_with("use="))
        .copied()
        .collect();
    CtView {
        head: words[..first_src].join(" "),
        original: tuple(&words[first_src..second_src]),
        reply: tuple(&words[second_src..]),
        flags: flags.join(" "),
        ns: ns.to_string(),
    }
}

fn field(layer: &'static str, name: &'static str, value: impl ToString) -> Field {
    Field {
        layer,
        name,
        value: value.to_string(),
        changed: false,
    }
}

/// Every header field a learner may care about, outermost first.
pub fn fields(frame: &Frame) -> Vec<Field> {
    let mut out = vec![
        field("Ethernet", "src", frame.src),
        field("Ethernet", "dst", frame.dst),
    ];
    match &frame.payload {
        FramePayload::Arp(a) => {
            out.push(field("Ethernet", "type", "ARP (0x0806)"));
            let op = match a.op {
                ArpOp::Request => "request",
                ArpOp::Reply => "reply",
            };
            out.push(field("ARP", "op", op));
            out.push(field("ARP", "sender MAC", a.sender_mac));
            out.push(field("ARP", "sender IP", a.sender_ip));
            out.push(field("ARP", "target MAC", a.target_mac));
            out.push(field("ARP", "target IP", a.target_ip));
        }
        FramePayload::Ipv4(p) => {
            out.push(field("Ethernet", "type", "IPv4 (0x0800)"));
            out.push(field("IPv4", "src", p.src));
            out.push(field("IPv4", "dst", p.dst));
            out.push(field("IPv4", "ttl", p.ttl));
            out.push(field("IPv4", "id", format!("0x{:04x}", p.ident)));
            out.push(field("IPv4", "protocol", p.proto().name()));
            out.push(field("IPv4", "total length", p.total_len()));
            match &p.l4 {
                L4::Tcp(t) => {
                    out.push(field("TCP", "sport", t.sport));
                    out.push(field("TCP", "dport", t.dport));
                    out.push(field("TCP", "flags", format!("[{}]", t.flags.tcpdump())));
                    out.push(field("TCP", "seq", t.seq));
                    out.push(field("TCP", "ack", t.ack));
                    out.push(field("TCP", "window", t.window));
                    if !t.options.is_empty() {
                        out.push(field("TCP", "options", t.options.tcpdump()));
                    }
                    out.push(field("TCP", "payload", format!("{} bytes", t.payload_len)));
                }
                L4::Udp(u) => {
                    out.push(field("UDP", "sport", u.sport));
                    out.push(field("UDP", "dport", u.dport));
                    out.push(field("UDP", "length", 8 + u.payload_len()));
                    if let UdpPayload::Dns(d) = &u.payload {
                        out.push(field("DNS", "id", format!("0x{:04x}", d.id)));
                        out.push(field(
                            "DNS",
                            "kind",
                            if d.is_response { "response" } else { "query" },
                        ));
                        out.push(field("DNS", "name", &d.name));
                        if d.is_response {
                            let ans: Vec<String> =
                                d.answers.iter().map(|a| a.to_string()).collect();
                            let ans = if d.nxdomain {
                                "NXDOMAIN".to_string()
                            } else {
                                ans.join(", ")
                            };
                            out.push(field("DNS", "answers", ans));
                        }
                    }
                }
                L4::Icmp(i) => {
                    let (ty, code, extra) = match i {
                        IcmpMessage::EchoRequest { id, seq, .. } => {
                            ("8 (echo request)", 0, format!("id {id} seq {seq}"))
                        }
                        IcmpMessage::EchoReply { id, seq, .. } => {
                            ("0 (echo reply)", 0, format!("id {id} seq {seq}"))
                        }
                        IcmpMessage::DestUnreachable { code, original } => (
                            "3 (destination unreachable)",
                            *code,
                            format!("quotes {} > {}", original.src, original.dst),
                        ),
                        IcmpMessage::TimeExceeded { code, original } => (
                            "11 (time exceeded)",
                            *code,
                            format!("quotes {} > {}", original.src, original.dst),
                        ),
                    };
                    out.push(field("ICMP", "type", ty));
                    out.push(field("ICMP", "code", code));
                    out.push(field("ICMP", "body", extra));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::tests::default_player;

    #[test]
    fn the_syn_changes_destination_after_dnat_and_ttl_after_forwarding() {
        let mut p = default_player();
        p.run_to_end();
        let trace = p.trace();
        let syn = trace
            .iter()
            .find_map(|r| match (&r.event, r.pkt) {
                (TraceEvent::Capture { frame, .. }, Some(pk))
                    if crate::connections::label(frame).contains("[S]") =>
                {
                    Some(pk.get())
                }
                _ => None,
            })
            .unwrap();
        let conns = crate::connections::Connections::from_trace(trace);
        let ins = inspect(p.timed_trace(), syn, |o| conns.of(o) == conns.of(syn));
        let at: Vec<&str> = ins.hops.iter().map(|h| h.at.as_str()).collect();
        assert_eq!(
            at,
            [
                "laptop:eth0 Out",
                "host:eth1 In",
                "host:docker0 Out",
                "host:vethce3e74a Out",
                "web:eth0 In"
            ]
        );
        let changed = |h: &Hop| {
            h.fields
                .iter()
                .filter(|f| f.changed)
                .map(|f| format!("{} {}", f.layer, f.name))
                .collect::<Vec<_>>()
        };
        assert!(
            changed(&ins.hops[1]).is_empty(),
            "{:?}",
            changed(&ins.hops[1])
        );
        assert_eq!(
            changed(&ins.hops[2]),
            [
                "Ethernet src",
                "Ethernet dst",
                "IPv4 dst",
                "IPv4 ttl",
                "TCP dport"
            ]
        );
        let ct = ins.conntrack.unwrap();
        assert_eq!(
            ct.original,
            "src=10.12.91.1 dst=10.12.91.17 sport=40000 dport=8080"
        );
        assert_eq!(
            ct.reply,
            "src=172.17.0.2 dst=10.12.91.1 sport=80 dport=40000"
        );
        assert_eq!(ct.ns, "host");
    }
}
