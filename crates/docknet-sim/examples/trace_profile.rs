//! Profiling aid (not a test): runs the throughput bench's scenarios once in release and
//! prints wall time, events, trace records by kind and the trace's footprint (later runs:
//! the wall time only).
//! `cargo run --release -p docknet-sim --example trace_profile -- [udp|nat|generated] [runs] [budget]`
//! (`budget`: hold at most that many records, as the app does; 0 measures the model with
//! the trace's records built but not stored).

use docknet_sim::Sim;
use std::collections::BTreeMap;
use std::time::Instant;

#[path = "../benches/scenarios/mod.rs"]
mod scenarios;
use scenarios::{generated, nat_host, udp_dnat};

/// This thread's CPU time in seconds (Linux's schedstat; none elsewhere): on a shared, busy
/// machine it varies far less than the wall time.
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// Minor page faults of this process so far (Linux's /proc; none elsewhere): fresh pages
/// handed out, a large part of a full-trace run.
fn minor_faults() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which ends with the last ')': minflt is the 8th.
    s.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(7)?
        .parse()
        .ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("udp", String::as_str);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let budget: Option<usize> = args.get(3).and_then(|s| s.parse().ok());
    let mut sc = match which {
        "generated" => generated(20, 50, 10_000),
        "nat" => nat_host(100),
        _ => udp_dnat(100, 2_000),
    };
    sc.limits.max_events = Some(1 << 40);
    sc.limits.max_time_ms = Some(1 << 40);
    let built = Instant::now();
    let mut sim = Sim::from_scenario(&sc).expect("valid");
    println!("{which}: built in {:.3} s", built.elapsed().as_secs_f64());
    if let Some(b) = budget {
        sim.set_trace_budget(b);
    }
    for run in 0..runs {
        let mut s = sim.clone();
        let (t, cpu, faults) = (Instant::now(), cpu_secs(), minor_faults());
        s.run_to_end();
        let dt = t.elapsed();
        let cpu = cpu.zip(cpu_secs()).map_or(0.0, |(a, b)| b - a);
        let faults = faults.zip(minor_faults()).map_or(0, |(a, b)| b - a);
        if run > 0 {
            // Later runs only time the simulation (for profiling it).
            println!(
                "{which}: {:.3} s ({cpu:.3} s CPU, {faults} page faults)",
                dt.as_secs_f64()
            );
            continue;
        }
        let fp = s.trace_window().footprint();
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for r in s.trace() {
            *kinds.entry(r.event.kind()).or_default() += 1;
        }
        println!(
            "{which}: {:.3} s ({cpu:.3} s CPU, {faults} page faults), {} events ({:.0}/s), {} records, {:.1} bytes/record ({} inline + {} heap + {} index)",
            dt.as_secs_f64(),
            s.events_done(),
            s.events_done() as f64 / dt.as_secs_f64(),
            fp.records,
            fp.bytes_per_record(),
            fp.inline_bytes,
            fp.heap_bytes,
            fp.index_bytes
        );
        println!("  {kinds:?}");
        println!(
            "  size_of TraceRecord {} TraceEvent {}",
            size_of::<docknet_sim::trace::TraceRecord>(),
            size_of::<docknet_sim::trace::TraceEvent>()
        );
    }
}
