//! Simulation speed: delivered datagrams per second for 100 flows x 2,000 UDP datagrams through
//! a DNAT with the full trace recorded, packets per second through a DNAT + MASQUERADE host, events per
//! second on a generated topology of 1,000 namespaces on 20 bridges carrying 10,000 flows,
//! and the time of one step back from the end of that run. Before those, it prints the
//! trace's memory per record for 100 flows x 2,000 UDP datagrams through a DNAT.
//!
//! `cargo bench -p docknet-sim` (criterion prints elements/s = packets/s or events/s).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use docknet_sim::Sim;
use docknet_sim::scenario::Scenario;
use docknet_sim::trace::{Dir, TraceEvent};
use std::hint::black_box;

mod scenarios;
use scenarios::{generated, nat_host, udp_dnat};

/// The scenario's simulation, with limits no bench run reaches (the default event budget would
/// stop these runs part way).
fn built(sc: &Scenario) -> Sim {
    let mut sc = sc.clone();
    sc.limits.max_events = Some(1 << 40);
    sc.limits.max_time_ms = Some(1 << 40);
    Sim::from_scenario(&sc).unwrap_or_else(|p| panic!("bench scenario invalid: {p:?}"))
}

/// Run to the end, checking the run was not stopped by a limit.
fn finished(mut sim: Sim) -> Sim {
    sim.run_to_end();
    assert!(sim.halted().is_none(), "a bench run hit a limit");
    sim
}

/// Run the trace-size scenario and print its bytes per trace record.
fn report_trace_size() {
    let sim = finished(built(&udp_dnat(100, 2_000)));
    let fp = sim.trace_window().footprint();
    println!(
        "trace size (100 flows x 2,000 UDP datagrams via DNAT): {} records, {} inline + {} heap + {} index bytes, {:.1} bytes/record",
        fp.records,
        fp.inline_bytes,
        fp.heap_bytes,
        fp.index_bytes,
        fp.bytes_per_record()
    );
}

/// What `measure` finds in a finished run of `sim`. The run is dropped before the timed runs,
/// so that its trace (up to 128 MB) does not shape the memory they are given.
fn probe<T>(sim: &Sim, measure: impl FnOnce(&Sim) -> T) -> T {
    measure(&finished(sim.clone()))
}

/// Datagrams that reached the container (captured coming in on web's eth0): end to end, not
/// per hop.
fn delivered(sim: &Sim) -> u64 {
    sim.trace()
        .iter()
        .filter(|r| {
            matches!(&r.event, TraceEvent::Capture { ns, iface, dir: Dir::In, frame }
                if ns == "web" && iface == "eth0" && frame.ipv4().is_some())
        })
        .count() as u64
}

fn bench(c: &mut Criterion) {
    report_trace_size();

    // The run, with the full trace recorded: delivered datagrams per second.
    let udp = built(&udp_dnat(100, 2_000));
    let mut g = c.benchmark_group("udp_dnat_100x2000_full_trace");
    g.throughput(Throughput::Elements(probe(&udp, delivered)));
    g.sample_size(10);
    g.bench_function("delivered_packets", |b| {
        b.iter_batched(
            || udp.clone(),
            // Returned, so the trace is dropped outside the timing.
            |mut s| {
                s.run_to_end();
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
    let nat = built(&nat_host(100));
    let packets = probe(&nat, |s| {
        s.trace()
            .iter()
            .filter(|r| matches!(&r.event, TraceEvent::Capture { dir: Dir::Out, frame, .. } if frame.ipv4().is_some()))
            .count() as u64
    });
    let mut g = c.benchmark_group("dnat_masquerade");
    g.throughput(Throughput::Elements(packets));
    g.sample_size(10);
    g.bench_function("packets", |b| {
        b.iter_batched(
            || nat.clone(),
            |mut s| {
                s.run_to_end();
                black_box(s.events_done())
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let big = built(&generated(20, 50, 10_000));
    let events = probe(&big, |s| s.events_done() as u64);
    let mut g = c.benchmark_group("generated_1000ns_20br_10000flows");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.bench_function("events", |b| {
        b.iter_batched(
            || big.clone(),
            // Returned, as in the UDP group, so the trace is dropped outside the timing.
            |mut s| {
                s.run_to_end();
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    // One step back from the end of the big run, as a viewer does: with snapshots taken on
    // the way forward, it replays at most CHECKPOINT_EVERY events, not the whole run.
    let mut at_end = big.clone();
    at_end.rewind_to(usize::MAX);
    let total = at_end.events_done();
    let mut g = c.benchmark_group("step_back_generated_1000ns");
    g.sample_size(10);
    g.bench_function("one_event_back_from_the_end", |b| {
        b.iter_batched(
            || at_end.clone(),
            // Returned, so criterion drops the big state (and its trace) outside the timing.
            |mut s| {
                s.rewind_to(total - 1);
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
