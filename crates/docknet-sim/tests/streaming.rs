//! A run written out as it goes (`Sim::drain_trace`) produces the records and texts of a run
//! kept in memory, and holds a bounded amount however long it runs.

mod common;

use docknet_sim::Sim;
use docknet_sim::format::explain::{self, Narrator};
use docknet_sim::format::nft;
use docknet_sim::format::tcpdump::Tcpdump;
use docknet_sim::ids::PacketId;
use docknet_sim::time::SimTime;
use docknet_sim::trace::TraceRecord;

/// What a streamed run kept at its worst, and what it produced.
#[derive(Default)]
struct Streamed {
    records: Vec<(SimTime, TraceRecord)>,
    explain: String,
    tcpdump: Vec<String>,
    /// The most records the `Sim` held at once (just before a drain).
    max_held: usize,
    /// The most per-packet entries it held after a step.
    max_packet_state: usize,
}

/// Run to the end, draining after every step and narrating with the gone packets retired
/// after every step (the most eager the CLI could be). `keep`: keep the records.
fn stream(mut sim: Sim, keep: bool) -> Streamed {
    let mut s = Streamed::default();
    let mut story = Narrator::default();
    let mut dump = Tcpdump::default();
    loop {
        s.max_held = s.max_held.max(sim.trace().len());
        for (t, r) in sim.drain_trace() {
            story.push(t, &r, &mut s.explain);
            s.tcpdump.extend(dump.line(t, &r, None));
            if keep {
                s.records.push((t, r));
            }
        }
        assert!(sim.trace().is_empty(), "a drained run keeps no record");
        let live = sim.live_packets();
        story.retire(
            |p| PacketId::new(p).is_some_and(|p| live.contains(&p)),
            &mut s.explain,
        );
        if sim.is_finished() {
            break;
        }
        sim.step();
        s.max_packet_state = s.max_packet_state.max(sim.packet_state_len());
    }
    story.finish(&mut s.explain);
    s
}

#[test]
fn every_scenario_streamed_gives_the_records_and_texts_of_a_run_in_memory() {
    for path in common::scenario_files("") {
        let whole = common::run_file(&path);
        let streamed = stream(common::load_file(&path), true);
        let name = path.display();
        if std::env::var("DUMP").is_ok() && streamed.explain != explain::text(whole.timed_trace()) {
            std::fs::write("/tmp/stream/s.txt", &streamed.explain).unwrap();
            std::fs::write("/tmp/stream/w.txt", explain::text(whole.timed_trace())).unwrap();
        }
        let records: Vec<_> = whole.timed_trace().map(|(t, r)| (t, r.clone())).collect();
        assert_eq!(streamed.records, records, "{name}: records and times");
        assert_eq!(
            streamed.explain,
            explain::text(whole.timed_trace()),
            "{name}: explain"
        );
        assert_eq!(
            streamed.tcpdump,
            Tcpdump::lines(whole.timed_trace(), None),
            "{name}: tcpdump"
        );
        let nft_lines: Vec<String> = streamed
            .records
            .iter()
            .filter_map(|(_, r)| nft::line(r))
            .collect();
        assert_eq!(nft_lines, nft::lines(whole.trace()), "{name}: nft");
    }
}

/// Two namespaces: `datagrams` UDP datagrams 1 ms apart, and `flows` TCP connections 5 ms
/// apart, whose packets sent after an ACK confirm neighbours (per-packet state the run must
/// not keep).
fn long_run(datagrams: u32, flows: u32) -> String {
    let tcp: Vec<String> = (0..flows)
        .map(|i| {
            format!(
                r#"Tcp(from: "a", to: "10.0.0.2:80", at_ms: {}, send: 100)"#,
                i * 5
            )
        })
        .collect();
    format!(
        r#"Scenario(
    title: "long run", description: "", seed: 3,
    namespaces: [
        (name: "a", interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])]),
        (name: "b", interfaces: [(name: "eth0", addrs: ["10.0.0.2/24"])],
         processes: [Listen(proto: Udp, port: 53, reply: 0), Listen(proto: Tcp, port: 80, reply: 10)]),
    ],
    links: [Veth(a: "a:eth0", b: "b:eth0")],
    traffic: [
        Udp(from: "a", to: "10.0.0.2:53", count: {datagrams}, send: 40, interval_ms: 1),
        {},
    ],
    limits: (max_events: 10000000),
)"#,
        tcp.join(",\n        ")
    )
}

#[test]
fn a_long_streamed_run_holds_a_bounded_number_of_records_and_packet_entries() {
    let text = long_run(10_000, 2_000);
    let (_, sim) = docknet_sim::load("long.ron", &text).unwrap_or_else(|e| panic!("{e}"));
    let s = stream(sim, false);
    assert!(!s.explain.contains("RUN STOPPED"), "the run ends by itself");
    let tcp = s
        .tcpdump
        .iter()
        .filter(|l| l.contains("a:eth0 Out") && l.contains("10.0.0.2.80: Flags"))
        .count();
    assert!(tcp > 10_000, "the client sends {tcp} TCP packets");
    assert!(
        s.max_held <= 16,
        "at most one step's records are held, not {}",
        s.max_held
    );
    assert!(
        s.max_packet_state < 1024,
        "per-packet entries stay as few as the packets in flight, not {}",
        s.max_packet_state
    );
}
