//! Kernel behaviours a network engineer checks first: ICMP errors where the kernel sends
//! them, RST for a closed port, REJECT, TTL expiry, LOG and MARK, UDP with conntrack RELATED.

mod common;
use common::{events, select};
use docknet_sim::Sim;
use docknet_sim::format::show::{View, view};

/// client (10.0.1.10) -- r1 (10.0.1.1 | 10.0.2.1) -- r2 (10.0.2.2 | 10.0.3.1) -- server (10.0.3.10)
fn chain(r1_rules: &str, traffic: &str, server_procs: &str) -> Sim {
    let text = format!(
        r##"Scenario(
    seed: 9,
    namespaces: [
        (name: "client", interfaces: [(name: "eth0", addrs: ["10.0.1.10/24"])], routes: ["default via 10.0.1.1"]),
        (name: "r1", interfaces: [(name: "eth0", addrs: ["10.0.1.1/24"]), (name: "eth1", addrs: ["10.0.2.1/24"])],
         routes: ["10.0.3.0/24 via 10.0.2.2"], sysctls: {{"net.ipv4.ip_forward": 1}},
         iptables: r#"{r1_rules}"#),
        (name: "r2", interfaces: [(name: "eth0", addrs: ["10.0.2.2/24"]), (name: "eth1", addrs: ["10.0.3.1/24"])],
         routes: ["default via 10.0.2.1"], sysctls: {{"net.ipv4.ip_forward": 1}}),
        (name: "server", interfaces: [(name: "eth0", addrs: ["10.0.3.10/24"])], routes: ["default via 10.0.3.1"],
         processes: [{server_procs}]),
    ],
    links: [Wire(a: "client:eth0", b: "r1:eth0"), Wire(a: "r1:eth1", b: "r2:eth0"), Wire(a: "r2:eth1", b: "server:eth0")],
    traffic: [{traffic}],
)"##
    );
    let (_, mut sim) = docknet_sim::load("chain.ron", &text).unwrap_or_else(|e| panic!("{e}"));
    sim.run_to_end();
    sim
}

fn icmp_at_client(ev: &[serde_json::Value]) -> Vec<(String, u64, u64)> {
    select(
        ev,
        "capture",
        &[("ns", "client"), ("dir", "in"), ("proto", "icmp")],
    )
    .iter()
    .map(|e| {
        (
            e["src"].as_str().unwrap().to_string(),
            e["icmp_type"].as_u64().unwrap(),
            e["icmp_code"].as_u64().unwrap(),
        )
    })
    .collect()
}

#[test]
fn ttl_expiry_is_reported_by_the_router_where_it_dies() {
    let sim = chain("", r#"Ping(from: "client", to: "10.0.3.10", ttl: 2)"#, "");
    let ev = events(&sim);
    assert_eq!(
        icmp_at_client(&ev),
        [("10.0.2.2".to_string(), 11, 0)],
        "time exceeded from r2's ingress address"
    );
    assert!(
        select(&ev, "drop", &[("ns", "r2")])[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("TTL exceeded")
    );
    assert!(select(&ev, "capture", &[("ns", "server")]).is_empty());
    let ok = chain("", r#"Ping(from: "client", to: "10.0.3.10", ttl: 3)"#, "");
    let ev = events(&ok);
    let replies = select(&ev, "socket", &[("ns", "client")]);
    assert!(
        replies
            .iter()
            .any(|e| e["what"] == "64 bytes from 10.0.3.10: icmp_seq=1 ttl=62"),
        "{replies:?}"
    );
}

#[test]
fn no_route_gives_net_unreachable_from_the_router() {
    let sim = chain("", r#"Ping(from: "client", to: "10.9.9.9")"#, "");
    let ev = events(&sim);
    // r1 has no route to 10.9.0.0/16 (r2's default points back at r1, but r1 has no default).
    assert_eq!(icmp_at_client(&ev), [("10.0.1.1".to_string(), 3, 0)]);
    assert_eq!(
        select(&ev, "drop", &[("ns", "r1")])[0]["reason"],
        "no route to 10.9.9.9"
    );
}

#[test]
fn closed_tcp_port_answers_rst_and_the_client_is_refused() {
    let sim = chain(
        "",
        r#"Tcp(from: "client", to: "10.0.3.10:81", sport: 40000)"#,
        r#"Listen(proto: Tcp, port: 80)"#,
    );
    let ev = events(&sim);
    let rst = select(
        &ev,
        "capture",
        &[("ns", "client"), ("dir", "in"), ("proto", "tcp")],
    );
    assert_eq!(rst.len(), 1);
    assert_eq!(rst[0]["tcp_flags"], "R.", "RST|ACK answers a SYN");
    assert_eq!(
        select(&ev, "drop", &[("ns", "server")])[0]["reason"],
        "no listener on 10.0.3.10:81 -> RST"
    );
    assert!(
        select(&ev, "socket", &[("ns", "client")])
            .iter()
            .any(|e| e["what"] == "connect: Connection refused (RST)")
    );
}

#[test]
fn udp_to_a_closed_port_gets_port_unreachable_related_through_nat() {
    let rules = "*nat\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n";
    let sim = chain(
        rules,
        r#"Udp(from: "client", to: "10.0.3.10:53", sport: 5353)"#,
        "",
    );
    let ev = events(&sim);
    // The server sees the router; the error comes back through conntrack as RELATED and is
    // un-NATed, inner header included, so the client recognises its own datagram.
    let at_server = select(
        &ev,
        "capture",
        &[("ns", "server"), ("dir", "in"), ("proto", "udp")],
    );
    assert_eq!(at_server[0]["src"], "10.0.2.1");
    assert_eq!(icmp_at_client(&ev), [("10.0.3.10".to_string(), 3, 3)]);
    let refused = select(&ev, "socket", &[("ns", "client")]);
    assert!(
        refused
            .iter()
            .any(|e| e["what"].as_str().unwrap().contains("Port Unreachable")),
        "{refused:?}"
    );
    let ct = view(
        &sim.net,
        sim.net.ns_by_name("r1").unwrap(),
        View::Conntrack,
        sim.now(),
    );
    assert!(ct.starts_with("udp      17 "), "{ct}");
    assert!(ct.contains(" src=10.0.1.10 dst=10.0.3.10 sport=5353 dport=53 [UNREPLIED] src=10.0.3.10 dst=10.0.2.1 sport=53 dport=5353"), "{ct}");
}

#[test]
fn udp_request_and_reply_mark_the_entry_replied() {
    let sim = chain(
        "*nat\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n",
        r#"Udp(from: "client", to: "10.0.3.10:53", sport: 5353)"#,
        r#"Listen(proto: Udp, port: 53, reply: 90)"#,
    );
    let ev = events(&sim);
    assert!(
        select(&ev, "socket", &[("ns", "client")])
            .iter()
            .any(|e| e["what"] == "received 90 bytes from 10.0.3.10:53")
    );
    let ct = view(
        &sim.net,
        sim.net.ns_by_name("r1").unwrap(),
        View::Conntrack,
        sim.now(),
    );
    assert!(
        !ct.contains("UNREPLIED") && ct.contains("sport=5353 dport=53 src=10.0.3.10"),
        "{ct}"
    );
}

#[test]
fn reject_sends_what_it_is_told() {
    let icmp = chain(
        "*filter\n-A FORWARD -p tcp -m tcp --dport 22 -j REJECT\nCOMMIT\n",
        r#"Tcp(from: "client", to: "10.0.3.10:22")"#,
        "",
    );
    let ev = events(&icmp);
    assert_eq!(
        icmp_at_client(&ev),
        [("10.0.1.1".to_string(), 3, 3)],
        "icmp-port-unreachable by default"
    );
    assert!(select(&ev, "drop", &[("ns", "r1")])[0]["reason"].as_str().unwrap().starts_with("rejected by filter FORWARD rule `-A FORWARD -p tcp -m tcp --dport 22 -j REJECT --reject-with icmp-port-unreachable`"));
    let rst = chain(
        "*filter\n-A FORWARD -p tcp -j REJECT --reject-with tcp-reset\nCOMMIT\n",
        r#"Tcp(from: "client", to: "10.0.3.10:22")"#,
        "",
    );
    let ev = events(&rst);
    let back = select(
        &ev,
        "capture",
        &[("ns", "client"), ("dir", "in"), ("proto", "tcp")],
    );
    assert_eq!(
        (back[0]["tcp_flags"].as_str(), back[0]["src"].as_str()),
        (Some("R."), Some("10.0.3.10")),
        "the RST pretends to come from the server"
    );
}

#[test]
fn log_and_mark_continue_and_show_in_the_trace() {
    let rules = "*mangle\n-A FORWARD -j MARK --set-mark 0x7\nCOMMIT\n*filter\n-A FORWARD -m mark --mark 0x7 -j LOG --log-prefix \"FWD: \"\n-A FORWARD -m mark --mark 0x7 -j ACCEPT\n-A FORWARD -j DROP\nCOMMIT\n";
    let sim = chain(rules, r#"Ping(from: "client", to: "10.0.3.10")"#, "");
    let ev = events(&sim);
    assert!(!select(&ev, "log", &[("ns", "r1"), ("prefix", "FWD: ")]).is_empty());
    assert!(select(&ev, "socket", &[("ns", "client")]).iter().any(|e| {
        e["what"]
            .as_str()
            .unwrap()
            .starts_with("64 bytes from 10.0.3.10")
    }));
    let list = sim
        .net
        .ns(sim.net.ns_by_name("r1").unwrap())
        .rules()
        .list_verbose(docknet_sim::netfilter::TableName::Filter);
    assert!(
        list.contains("Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)"),
        "{list}"
    );
}

#[test]
fn masquerade_changes_the_port_only_when_the_tuple_is_taken() {
    // Two clients behind one NAT use the same source port to the same server.
    let text = r##"Scenario(
    seed: 3,
    namespaces: [
        (name: "lan", interfaces: [(name: "br0", bridge: true), (name: "p1", master: "br0"), (name: "p2", master: "br0"), (name: "up", master: "br0")]),
        (name: "a", interfaces: [(name: "eth0", addrs: ["192.168.1.10/24"])], routes: ["default via 192.168.1.1"]),
        (name: "b", interfaces: [(name: "eth0", addrs: ["192.168.1.11/24"])], routes: ["default via 192.168.1.1"]),
        (name: "nat", interfaces: [(name: "eth0", addrs: ["192.168.1.1/24"]), (name: "eth1", addrs: ["203.0.113.2/24"])],
         sysctls: {"net.ipv4.ip_forward": 1}, iptables: "*nat\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n"),
        (name: "server", interfaces: [(name: "eth0", addrs: ["203.0.113.10/24"])], processes: [Listen(proto: Tcp, port: 80, reply: 10)]),
    ],
    links: [Veth(a: "lan:p1", b: "a:eth0"), Veth(a: "lan:p2", b: "b:eth0"), Veth(a: "lan:up", b: "nat:eth0"), Wire(a: "nat:eth1", b: "server:eth0")],
    traffic: [Tcp(from: "a", to: "203.0.113.10:80", sport: 40000), Tcp(from: "b", to: "203.0.113.10:80", sport: 40000, at_ms: 5)],
)"##;
    let (_, mut sim) = docknet_sim::load("collide.ron", text).unwrap_or_else(|e| panic!("{e}"));
    sim.run_to_end();
    let ev = events(&sim);
    let masq = select(&ev, "nat", &[("ns", "nat"), ("kind", "MASQUERADE")]);
    let firsts: Vec<&str> = masq.iter().map(|e| e["after"].as_str().unwrap()).collect();
    assert_eq!(firsts[0], "203.0.113.2:40000", "the first keeps its port");
    let second = masq
        .iter()
        .find(|e| e["before"] == "192.168.1.11:40000")
        .unwrap();
    let port: u16 = second["after"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(
        port, 40000,
        "the second would clash, so it gets another port"
    );
    assert!(port >= 1024, "from the same port class");
    let reads = select(&ev, "socket", &[("process", "client2")]);
    assert!(
        reads.iter().any(|e| e["what"] == "read 10 bytes"),
        "and both connections work"
    );
}

#[test]
fn icmp_errors_through_nat_keep_the_routers_address() {
    // traceroute-like: the TTL dies at r2, behind r1's MASQUERADE. r1 un-NATs the
    // destination of the error but must not rewrite its source (no DNAT on this flow).
    let sim = chain(
        "*nat\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n",
        r#"Ping(from: "client", to: "10.0.3.10", ttl: 2)"#,
        "",
    );
    let ev = events(&sim);
    assert_eq!(icmp_at_client(&ev), [("10.0.2.2".to_string(), 11, 0)]);
    assert!(
        select(&ev, "socket", &[("ns", "client")])
            .iter()
            .any(|e| e["what"] == "From 10.0.2.2: Time to live exceeded")
    );
}

#[test]
fn an_unanswered_arp_fails_a_local_connect_with_host_unreachable() {
    let text = r#"Scenario(
    namespaces: [(name: "a", interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])])],
    traffic: [Tcp(from: "a", to: "10.0.0.99:80")],
)"#;
    let (_, mut sim) = docknet_sim::load("arp.ron", text).unwrap();
    sim.run_to_end();
    let ev = events(&sim);
    let failed = select(&ev, "socket", &[("ns", "a")])
        .into_iter()
        .find(|e| {
            e["what"]
                .as_str()
                .unwrap()
                .contains("Destination Host Unreachable")
        })
        .expect("the connect learns the neighbour is unreachable");
    let t = failed["t_ns"].as_u64().unwrap();
    assert!(
        (3_000_000_000..4_000_000_000).contains(&t),
        "after three ARP probes 1 s apart, not after the SYN timeout: {t}"
    );
}

#[test]
fn an_rst_answering_the_first_packet_kills_the_conntrack_entry() {
    let sim = chain(
        "*nat\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n",
        r#"Tcp(from: "client", to: "10.0.3.10:81", sport: 40000)"#,
        r#"Listen(proto: Tcp, port: 80)"#,
    );
    let ev = events(&sim);
    assert!(!select(&ev, "conntrack", &[("ns", "r1"), ("change", "destroy")]).is_empty());
    assert_eq!(
        view(
            &sim.net,
            sim.net.ns_by_name("r1").unwrap(),
            View::Conntrack,
            sim.now()
        ),
        ""
    );
}

#[test]
fn a_malformed_route_localnet_key_is_an_error_not_a_panic() {
    let text =
        r#"Scenario(namespaces: [(name: "a", sysctls: {"net.ipv4.conf.route_localnet": 1})])"#;
    let err = docknet_sim::load("s.ron", text).expect_err("rejected");
    assert!(
        err.to_string()
            .contains("unknown sysctl `net.ipv4.conf.route_localnet`"),
        "{err}"
    );
}

#[test]
fn an_out_of_range_syn_retries_is_an_error_with_the_kernels_bounds() {
    let text = r#"Scenario(namespaces: [(name: "a", sysctls: {"net.ipv4.tcp_syn_retries": 0})])"#;
    let err = docknet_sim::load("s.ron", text).expect_err("rejected");
    let msg = err.to_string();
    assert!(
        msg.contains("net.ipv4.tcp_syn_retries = 0 is out of range"),
        "{msg}"
    );
    assert!(msg.contains("1 to 127"), "{msg}");
    assert!(msg.contains("s.ron:1:"), "names the place: {msg}");
}
