use super::*;
use crate::ids::PacketId;
use crate::trace::Dir;
use crate::wire::{ArpOp, ArpPacket, MacAddr};

fn drop_record(reason: &str) -> TraceRecord {
    TraceRecord {
        pkt: None,
        event: TraceEvent::Drop {
            ns: Name::new("host"),
            reason: reason.into(),
        },
    }
}

fn capture(frame: &Arc<Frame>) -> TraceRecord {
    TraceRecord {
        pkt: PacketId::new(1),
        event: TraceEvent::Capture {
            ns: Name::new("host"),
            iface: Name::new("eth0"),
            dir: Dir::Out,
            frame: frame.clone(),
        },
    }
}

fn tables() -> usize {
    str::table().heap_bytes() + <[Name]>::table().heap_bytes() + Hop::table().heap_bytes()
}

#[test]
fn counts_inline_size_owned_text_and_the_tables_once() {
    let records = [drop_record("no route to host"), drop_record("ttl 0")];
    let fp = footprint(&records);
    assert_eq!(fp.records, 2);
    assert_eq!(fp.inline_bytes, 2 * size_of::<TraceRecord>());
    // Other tests intern names at the same time: the tables only grow.
    let before = tables();
    let owned = fp.heap_bytes - before.min(fp.heap_bytes);
    assert!(fp.heap_bytes >= 16 + 5, "{fp:?}");
    assert!(
        owned <= 16 + 5,
        "{fp:?}: tables counted once, not per record"
    );
}

#[test]
fn a_shared_frame_counts_once() {
    let frame = Arc::new(Frame {
        src: MacAddr([2, 0, 0, 0, 0, 1]),
        dst: MacAddr::BROADCAST,
        payload: FramePayload::Arp(ArpPacket {
            op: ArpOp::Request,
            sender_mac: MacAddr([2, 0, 0, 0, 0, 1]),
            sender_ip: [10, 0, 0, 1].into(),
            target_mac: MacAddr::ZERO,
            target_ip: [10, 0, 0, 2].into(),
        }),
    });
    let other = Arc::new((*frame).clone());
    let one = 16 + size_of::<Frame>();
    let shared = footprint(&[capture(&frame), capture(&frame)]);
    let copied = footprint(&[capture(&frame), capture(&other)]);
    let t = tables();
    assert!(
        shared.heap_bytes >= one && shared.heap_bytes - one <= t,
        "{shared:?}"
    );
    assert!(
        copied.heap_bytes >= 2 * one && copied.heap_bytes - 2 * one <= t,
        "{copied:?}"
    );
}

#[test]
fn records_are_thirty_two_bytes() {
    assert_eq!(size_of::<TraceRecord>(), 32);
}

#[test]
fn empty_trace_is_zero_per_record() {
    assert_eq!(footprint(&[]).bytes_per_record(), 0.0);
}
