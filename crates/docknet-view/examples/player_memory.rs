//! Peak memory of a long run watched through the view's player: `packets` UDP datagrams
//! (22 bytes, 1 ms apart, 500 flows) from a laptop DNATed to a container, run to the end,
//! then scrubbed to the start, the middle and the end with the kernel state rewound.
//!
//! `cargo run --release -p docknet-view --example player_memory -- 1000000`

use docknet_view::{Document, Player};
use std::time::Instant;

fn scenario(flows: u32, count: u32) -> String {
    let flow = format!(
        "Udp(from: \"laptop\", to: \"10.12.91.17:5201\", send: 22, count: {count}, interval_ms: 1)"
    );
    let traffic = vec![flow; flows as usize].join(",\n        ");
    format!(
        r#"Scenario(
    namespaces: [
        (name: "laptop", interfaces: [(name: "eth0", addrs: ["10.12.91.1/24"])]),
        (
            name: "host",
            role: Host,
            interfaces: [
                (name: "eth1", addrs: ["10.12.91.17/24"]),
                (name: "docker0", bridge: true, addrs: ["172.17.0.1/16"]),
                (name: "veth0", master: "docker0"),
            ],
            sysctls: {{"net.ipv4.ip_forward": 1}},
            iptables: "*nat\n-A PREROUTING -d 10.12.91.17/32 -p udp -m udp --dport 5201 -j DNAT --to-destination 172.17.0.2:5201\nCOMMIT\n",
        ),
        (
            name: "web",
            interfaces: [(name: "eth0", addrs: ["172.17.0.2/16"])],
            routes: ["default via 172.17.0.1"],
            processes: [Listen(proto: Udp, port: 5201, reply: 0)],
        ),
    ],
    links: [
        Wire(a: "laptop:eth0", b: "host:eth1"),
        Veth(a: "host:veth0", b: "web:eth0"),
    ],
    traffic: [
        {traffic}
    ],
    limits: (max_events: 1000000000000, max_time_ms: 1000000000000),
)"#
    )
}

/// The process's peak resident set, from /proc (Linux).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let packets: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let flows = 500;
    let (_, built) = Document::load("memory.ron", &scenario(flows, packets / flows))
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut p = Player::new(built.sim);
    p.run_to_end();
    let total = p.len();
    let ran = started.elapsed();
    for at in [total, 0, total / 2, total] {
        p.seek(at);
        let _ = p.state();
    }
    println!(
        "{packets} packets: {total} records; run {:.1} s, scrubbed {:.1} s; peak RSS {:.0} MB",
        ran.as_secs_f64(),
        (started.elapsed() - ran).as_secs_f64(),
        peak_rss_mb()
    );
}
