use super::*;
use crate::time::SimTime;

fn drop_record(ns_cap: usize, reason_cap: usize) -> TraceRecord {
    let mut ns = String::with_capacity(ns_cap);
    ns.push_str("host");
    let mut reason = String::with_capacity(reason_cap);
    reason.push_str("no route");
    TraceRecord {
        t_ns: SimTime(1),
        pkt: None,
        event: TraceEvent::Drop { ns, reason },
    }
}

#[test]
fn counts_inline_size_and_owned_strings() {
    let fp = footprint(&[drop_record(10, 20), drop_record(4, 8)]);
    assert_eq!(fp.records, 2);
    assert_eq!(fp.inline_bytes, 2 * size_of::<TraceRecord>());
    assert_eq!(fp.heap_bytes, 10 + 20 + 4 + 8);
    let expect = (2 * size_of::<TraceRecord>() + 42) as f64 / 2.0;
    assert!((fp.bytes_per_record() - expect).abs() < 1e-9);
}

#[test]
fn empty_trace_is_zero_per_record() {
    assert_eq!(footprint(&[]).bytes_per_record(), 0.0);
}
