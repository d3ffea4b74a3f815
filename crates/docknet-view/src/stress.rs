//! A generated scenario for measuring the app: one host, a bridge, `n - 1` containers, and a
//! steady stream of pings between neighbours over slow veths, so many packets are on the
//! cables at once (used for the frame-time figure: `docknet-app --stress 50`).

use std::fmt::Write as _;

/// Kernel-level RON for `n` namespaces (the host and `n - 1` containers). Each container pings
/// its neighbour every `interval_ms` over veths with `latency_us` one-way delay.
pub fn scenario(n: usize, interval_ms: u64, latency_us: u64) -> String {
    let containers = n.saturating_sub(1).max(2);
    let mut ports = String::new();
    let mut nss = String::new();
    let mut links = String::new();
    let mut traffic = String::new();
    for i in 1..=containers {
        let _ = write!(ports, r#"(name: "p{i}", master: "br0"), "#);
        let _ = writeln!(
            nss,
            r#"        (name: "c{i}", role: Container, interfaces: [(name: "eth0", addrs: ["10.0.{}.{}/16"])]),"#,
            i / 250,
            i % 250 + 2
        );
        let _ = writeln!(
            links,
            r#"        Veth(a: "host:p{i}", b: "c{i}:eth0", latency_us: {latency_us}),"#
        );
        let peer = i % containers + 1;
        let _ = writeln!(
            traffic,
            r#"        Ping(from: "c{i}", to: "10.0.{}.{}", count: 1000, interval_ms: {interval_ms}, at_ms: {}),"#,
            peer / 250,
            peer % 250 + 2,
            i as u64 % interval_ms.max(1)
        );
    }
    // A thousand pings per container, each a handful of events: past the default budget.
    let max_events = containers * 1000 * 20;
    format!(
        r#"Scenario(
    title: "Stress: {n} namespaces",
    description: "Generated: every container pings its neighbour every {interval_ms} ms over veths with {latency_us} µs of delay.",
    seed: 1,
    namespaces: [
        (name: "host", role: Host, interfaces: [(name: "br0", bridge: true, addrs: ["10.0.255.1/16"]), {ports}]),
{nss}    ],
    links: [
{links}    ],
    traffic: [
{traffic}    ],
    limits: (max_events: {max_events}),
)
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::Connections;
    use crate::layout::Layout;
    use crate::{Document, Player};
    use docknet_sim::time::SimTime;
    use std::collections::BTreeMap;

    #[test]
    fn fifty_namespaces_keep_over_two_hundred_packets_in_flight() {
        let (_, built) = Document::load("stress", &scenario(50, 2, 3000)).unwrap();
        assert_eq!(built.sim.net.namespaces().len(), 50);
        let mut p = Player::new(built.sim);
        let at = SimTime::from_millis(200);
        while p.is_empty() || p.held_time(p.len() - 1).is_none_or(|t| t < at) {
            p.pump(10_000);
        }
        let n = p.index_at(at);
        p.seek(n);
        let layout = Layout::compute(&p.sim().net, &BTreeMap::new());
        let conns = Connections::from_trace(p.shown());
        let scene = crate::scene::compute(&layout, p.shown(), p.clock(), &conns, false);
        assert!(
            scene.markers.len() >= 200,
            "{} in flight",
            scene.markers.len()
        );
    }
}
