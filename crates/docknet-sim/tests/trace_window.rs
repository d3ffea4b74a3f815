//! A run held in a bounded trace window: records before the window are made again, exactly,
//! from the nearest snapshot (`Sim::records`).

use docknet_sim::Sim;

fn long_ping(count: u32) -> Sim {
    let text = format!(
        r#"Scenario(
    namespaces: [
        (name: "a", interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])]),
        (name: "b", interfaces: [(name: "eth0", addrs: ["10.0.0.2/24"])]),
    ],
    links: [Veth(a: "a:eth0", b: "b:eth0")],
    traffic: [Ping(from: "a", to: "10.0.0.2", count: {count}, interval_ms: 1)],
)"#
    );
    docknet_sim::load("long.ron", &text).unwrap().1
}

#[test]
fn records_before_the_window_are_made_again_exactly() {
    let mut whole = long_ping(3000);
    whole.run_to_end();
    let all = whole.trace().to_vec();
    assert!(all.len() > 20_000, "{}", all.len());
    let mut sim = long_ping(3000);
    sim.set_trace_budget(1000);
    sim.run_to_end();
    assert_eq!(sim.trace_window().end(), all.len());
    assert!(sim.trace_window().held() <= 1000);
    for start in [
        0,
        17,
        all.len() - 300,
        12_345,
        12_000,
        12_400,
        5,
        all.len() / 2,
    ] {
        let got = sim.records(start..start + 300).to_vec();
        assert_eq!(got, all[start..(start + 300).min(all.len())], "at {start}");
        assert!(sim.trace_window().held() <= 1000);
        assert!(sim.snapshots() <= docknet_sim::replay::MAX_SNAPSHOTS);
    }
    // Past the end: clipped.
    assert!(sim.records(all.len()..all.len() + 5).is_empty());
    // Longer than half the budget: the first half-budget.
    assert_eq!(sim.records(100..5000).len(), 500);
}
