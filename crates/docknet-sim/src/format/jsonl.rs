//! The trace as JSON Lines: one object per record, fields documented in docs/trace-format.md.

use crate::time::SimTime;
use crate::trace::{TraceEvent, TraceRecord};
use crate::wire::{FramePayload, L4};
use serde_json::{Map, Value, json};

/// One record (which happened at `t`) as a flat JSON object.
pub fn record(t: SimTime, r: &TraceRecord) -> Value {
    let mut o = Map::new();
    o.insert("t_ns".into(), json!(t.as_nanos()));
    o.insert("event".into(), json!(r.event.kind()));
    o.insert("pkt".into(), r.pkt.map_or(Value::Null, |p| json!(p.0)));
    match &r.event {
        TraceEvent::Capture {
            ns,
            iface,
            dir,
            frame,
        } => {
            o.insert("ns".into(), json!(ns));
            o.insert("iface".into(), json!(iface));
            o.insert("dir".into(), json!(dir));
            o.insert("smac".into(), json!(frame.src.to_string()));
            o.insert("dmac".into(), json!(frame.dst.to_string()));
            match &frame.payload {
                FramePayload::Arp(a) => {
                    o.insert("proto".into(), json!("arp"));
                    o.insert("arp_op".into(), json!(format!("{:?}", a.op).to_lowercase()));
                    o.insert("src".into(), json!(a.sender_ip.to_string()));
                    o.insert("dst".into(), json!(a.target_ip.to_string()));
                }
                FramePayload::Ipv4(p) => {
                    o.insert("proto".into(), json!(p.proto().name()));
                    o.insert("src".into(), json!(p.src.to_string()));
                    o.insert("dst".into(), json!(p.dst.to_string()));
                    o.insert("ttl".into(), json!(p.ttl));
                    o.insert("len".into(), json!(p.total_len()));
                    let (sport, dport) = p
                        .ports()
                        .map_or((Value::Null, Value::Null), |(s, d)| (json!(s), json!(d)));
                    o.insert("sport".into(), sport);
                    o.insert("dport".into(), dport);
                    let flags = match &p.l4 {
                        L4::Tcp(t) => json!(t.flags.tcpdump()),
                        _ => Value::Null,
                    };
                    o.insert("tcp_flags".into(), flags);
                    if let L4::Icmp(i) = &p.l4 {
                        let (t, c) = i.type_code();
                        o.insert("icmp_type".into(), json!(t));
                        o.insert("icmp_code".into(), json!(c));
                    }
                }
            }
        }
        other => {
            if let Value::Object(fields) = serde_json::to_value(other).unwrap_or(Value::Null) {
                for (k, v) in fields {
                    if k != "event" {
                        o.insert(k, v);
                    }
                }
            }
        }
    }
    Value::Object(o)
}

/// The whole trace, one JSON object per line.
pub fn lines<'a>(records: impl IntoIterator<Item = (SimTime, &'a TraceRecord)>) -> String {
    let mut s = String::new();
    for (t, r) in records {
        s.push_str(&record(t, r).to_string());
        s.push('\n');
    }
    s
}
