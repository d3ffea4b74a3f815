//! Runaway runs end: a bridge loop's flood is stopped with a reason naming the loop, a run
//! that never settles is stopped by its event budget or time limit, and `lint` warns about
//! both before anything runs.

mod common;
use common::{run_lesson, scenario_files};
use docknet_sim::limits::{DEFAULT_MAX_EVENTS, Limit, Limits};
use docknet_sim::time::SimTime;
use docknet_sim::trace::TraceEvent;

fn drops(sim: &docknet_sim::Sim) -> Vec<String> {
    sim.trace()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Drop { reason, .. } => Some(reason.to_string()),
            _ => None,
        })
        .collect()
}

/// A scenario's text with two namespaces on a veth and one ping from a to b.
fn ping_scenario(ping: &str, limits: &str) -> String {
    format!(
        r#"Scenario(
    namespaces: [
        (name: "a", interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])]),
        (name: "b", interfaces: [(name: "eth0", addrs: ["10.0.0.2/24"])]),
    ],
    links: [Veth(a: "a:eth0", b: "b:eth0")],
    traffic: [Ping(from: "a", to: "10.0.0.2", {ping})],
    {limits}
)"#
    )
}

#[test]
fn the_bridge_loop_storm_ends_with_a_drop_naming_the_loop_within_the_default_budget() {
    let sim = run_lesson("kernel/bridge-loop.ron");
    assert!(sim.is_finished());
    assert_eq!(sim.halted(), None, "the storm stop ends it, not the budget");
    assert!((sim.events_done() as u64) < DEFAULT_MAX_EVENTS / 100);
    let loops: Vec<String> = drops(&sim)
        .into_iter()
        .filter(|r| r.starts_with("bridge loop: this frame came back"))
        .collect();
    assert_eq!(loops.len(), 1, "{loops:#?}");
    let why = &loops[0];
    for part in [
        "s1:br0",
        "s2:br0",
        "stp_state defaults to 0",
        "remove one of",
    ] {
        assert!(why.contains(part), "{part} missing from: {why}");
    }
    assert!(
        why.contains("(l2 -> l1)") || why.contains("(l1 -> l2)"),
        "names the ports: {why}"
    );
    // The storm made s2's bridge see s1's MAC on both links (the FDB flaps), yet the ping's
    // unicast reply got through.
    let learned: Vec<&str> = sim
        .trace()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::FdbLearn { ns, mac, port, .. }
                if ns == "s2" && mac.to_string() == "02:00:0a:00:02:01" =>
            {
                Some(port.as_str())
            }
            _ => None,
        })
        .collect();
    assert!(
        learned.contains(&"r1") && learned.contains(&"r2"),
        "{learned:?}"
    );
    assert!(sim.trace().iter().any(|r| matches!(&r.event,
        TraceEvent::Socket { what, .. } if what.to_string().contains("64 bytes from 10.0.2.2"))));
}

#[test]
fn the_storm_stops_by_itself_even_without_limits() {
    let path = common::scenarios_dir().join("kernel/bridge-loop.ron");
    let text = std::fs::read_to_string(&path).unwrap();
    let (_, mut sim) = docknet_sim::load("bridge-loop.ron", &text).unwrap();
    sim.set_limits(Limits {
        max_events: u64::MAX,
        max_time: SimTime(u64::MAX),
    });
    sim.run_to_end();
    assert_eq!(sim.halted(), None);
    // Bounded: a few thousand records, not the gigabytes of an unstopped flood.
    assert!(sim.trace().len() < 5_000, "{} records", sim.trace().len());
}

#[test]
fn a_bridge_loop_of_three_bridges_is_stopped_too() {
    let text = r#"Scenario(
    namespaces: [
        (name: "x", interfaces: [(name: "br0", bridge: true, addrs: ["10.0.3.1/24"]), (name: "a", master: "br0"), (name: "b", master: "br0")]),
        (name: "y", interfaces: [(name: "br0", bridge: true), (name: "a", master: "br0"), (name: "b", master: "br0")]),
        (name: "z", interfaces: [(name: "br0", bridge: true), (name: "a", master: "br0"), (name: "b", master: "br0")]),
    ],
    links: [Veth(a: "x:b", b: "y:a"), Veth(a: "y:b", b: "z:a"), Veth(a: "z:b", b: "x:a")],
    traffic: [Ping(from: "x", to: "10.0.3.9", count: 1)],
)"#;
    let (sc, mut sim) = docknet_sim::load("tri.ron", text).unwrap();
    let warnings = docknet_sim::lint::warnings(&sc, &sim);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].message.contains("x:br0 and y:br0 and z:br0"),
        "{}",
        warnings[0].message
    );
    sim.run_to_end();
    assert_eq!(sim.halted(), None);
    let reasons = drops(&sim);
    let first = reasons
        .iter()
        .find(|r| r.starts_with("bridge loop: this frame came back"))
        .expect("the flood was stopped");
    for bridge in ["x:br0", "y:br0", "z:br0"] {
        assert!(first.contains(bridge), "{first}");
    }
}

#[test]
fn a_runaway_ping_is_stopped_by_the_event_budget_with_a_final_record() {
    let text = ping_scenario(
        "count: 4000000000, interval_ms: 0",
        "limits: (max_events: 3000),",
    );
    let (sc, mut sim) = docknet_sim::load("runaway.ron", &text).unwrap();
    let warnings = docknet_sim::lint::warnings(&sc, &sim);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].message.contains("4000000000"),
        "{}",
        warnings[0].message
    );
    sim.run_to_end();
    let halt = sim.halted().expect("stopped");
    assert_eq!(halt.limit, Limit::Events);
    assert!(
        halt.message.contains("event budget of 3000"),
        "{}",
        halt.message
    );
    assert_eq!(sim.events_done(), 3001, "3000 events, then the stop");
    let last = sim.trace().last().unwrap();
    assert!(
        matches!(&last.event, TraceEvent::Stopped { limit: Limit::Events, reason } if **reason == halt.message)
    );
    assert_eq!(last.pkt, None);
    // Stepping on does nothing more.
    let n = sim.trace().len();
    assert!(sim.step().is_empty());
    assert_eq!(sim.trace().len(), n);
}

#[test]
fn the_time_limit_stops_before_the_first_event_past_it() {
    let text = ping_scenario(
        "count: 10, interval_ms: 1000",
        "limits: (max_time_ms: 3500),",
    );
    let (sc, mut sim) = docknet_sim::load("slow.ron", &text).unwrap();
    let warnings = docknet_sim::lint::warnings(&sc, &sim);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].message.contains("at 9 s"),
        "{}",
        warnings[0].message
    );
    sim.run_to_end();
    let halt = sim.halted().expect("stopped");
    assert_eq!(halt.limit, Limit::Time);
    assert!(
        sim.timed_trace()
            .all(|(t, _)| t <= SimTime::from_millis(3500))
    );
    let pings = sim
        .trace()
        .iter()
        .filter(
            |r| matches!(&r.event, TraceEvent::Socket { what, .. } if what.to_string().contains("bytes from")),
        )
        .count();
    assert_eq!(pings, 4, "the echoes at 0, 1, 2 and 3 s");
}

#[test]
fn a_stopped_run_rewinds_and_replays_the_same() {
    let text = ping_scenario(
        "count: 100000, interval_ms: 0",
        "limits: (max_events: 500),",
    );
    let (_, mut sim) = docknet_sim::load("r.ron", &text).unwrap();
    sim.run_to_end();
    let full = sim.trace().to_vec();
    sim.rewind_to(10);
    assert_eq!(sim.halted(), None);
    sim.rewind_to(usize::MAX);
    assert!(sim.halted().is_some());
    assert_eq!(sim.trace(), &full[..]);
}

#[test]
fn a_zero_limit_is_refused_where_it_is_written() {
    let text = ping_scenario("count: 1", "limits: (max_events: 0),");
    let err = docknet_sim::load("zero.ron", &text)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("zero.ron:8:"), "{err}");
    assert!(err.contains("max_events is 0"), "{err}");
}

#[test]
fn docker_level_scenarios_carry_limits_to_the_run() {
    let text = r#"DockerScenario(
    commands: ["docker run -d --name web nginx"],
    traffic: [Ping(from: "host", to: "172.17.0.2", count: 100000, interval_ms: 0)],
    limits: (max_events: 700),
)"#;
    let (_, mut sim) = docknet_sim::load("d.ron", text).unwrap();
    assert_eq!(sim.limits().max_events, 700);
    sim.run_to_end();
    assert_eq!(sim.halted().map(|h| h.limit), Some(Limit::Events));
}

#[test]
fn a_routing_loop_between_two_routers_is_warned_about() {
    let text = r#"Scenario(
    namespaces: [
        (name: "c", interfaces: [(name: "eth0", addrs: ["10.1.0.10/24"])], routes: ["default via 10.1.0.1"]),
        (name: "r1", role: Router, interfaces: [(name: "eth0", addrs: ["10.1.0.1/24"]), (name: "eth1", addrs: ["10.9.0.1/24"])],
         routes: ["default via 10.9.0.2"], sysctls: {"net.ipv4.ip_forward": 1}),
        (name: "r2", role: Router, interfaces: [(name: "eth0", addrs: ["10.9.0.2/24"])],
         routes: ["default via 10.9.0.1"], sysctls: {"net.ipv4.ip_forward": 1}),
    ],
    links: [Veth(a: "c:eth0", b: "r1:eth0"), Veth(a: "r1:eth1", b: "r2:eth0")],
    traffic: [Ping(from: "c", to: "198.51.100.7", count: 1)],
)"#;
    let (sc, mut sim) = docknet_sim::load("rloop.ron", text).unwrap();
    let warnings = docknet_sim::lint::warnings(&sc, &sim);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = &warnings[0];
    assert!(w.message.starts_with("routing loop:"), "{}", w.message);
    for part in [
        "r1 (default via 10.9.0.2 dev eth1)",
        "r2 (default via 10.9.0.1 dev eth0)",
    ] {
        assert!(w.message.contains(part), "{part}: {}", w.message);
    }
    assert!(w.help.contains("blackhole"), "{}", w.help);
    // And the run shows it: the TTL runs out between them.
    sim.run_to_end();
    assert!(sim.trace().iter().any(|r| matches!(&r.event,
        TraceEvent::Capture { frame, .. } if format!("{frame:?}").contains("TimeExceeded"))));
}

/// The shipped scenarios `lint` warns about, with the start of the warning: the loop lesson,
/// and the TTL chain whose last two routers have default routes pointing at each other (a
/// real loop for addresses outside the scenario; its traffic never goes there).
const EXPECTED: &[(&str, &str)] = &[
    ("kernel/bridge-loop.ron", "bridge loop: s1:br0 and s2:br0"),
    (
        "conformance/ttl-expiry.ron",
        "routing loop: packets for 203.0.113.200",
    ),
];

#[test]
fn no_other_shipped_scenario_warns_stops_or_loops() {
    for f in scenario_files("") {
        let text = std::fs::read_to_string(&f).unwrap();
        let dir = f.parent().unwrap().to_path_buf();
        let beside = move |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        let name = f.display().to_string();
        let (sc, sim) = docknet_sim::load_with(&name, &text, &beside).unwrap();
        let warnings = docknet_sim::lint::warnings(&sc, &sim);
        let run = common::run_file(&f);
        assert_eq!(run.halted(), None, "{name}");
        let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
        match EXPECTED.iter().find(|(file, _)| name.ends_with(file)) {
            Some((_, start)) => {
                assert_eq!(messages.len(), 1, "{name}: {messages:#?}");
                assert!(messages[0].starts_with(start), "{name}: {messages:#?}");
            }
            None => assert!(messages.is_empty(), "{name}: {messages:#?}"),
        }
        if name.ends_with("kernel/bridge-loop.ron") {
            continue;
        }
        assert!(
            !drops(&run).iter().any(|r| r.starts_with("bridge loop")),
            "{name}"
        );
    }
}
