//! What a learner should take away from each kernel lesson, asserted on the JSONL trace.

mod common;
use common::{events, run_lesson, select};
use docknet_sim::format::show::{View, view};

#[test]
fn veth_pair_arp_precedes_the_first_ping() {
    let sim = run_lesson("kernel/veth-pair.ron");
    let ev = events(&sim);
    let caps = select(
        &ev,
        "capture",
        &[("ns", "a"), ("iface", "eth0"), ("dir", "out")],
    );
    assert_eq!(
        caps[0]["proto"], "arp",
        "the first frame a sends is an ARP request"
    );
    assert_eq!(caps[0]["dmac"], "ff:ff:ff:ff:ff:ff");
    assert_eq!(caps[1]["proto"], "icmp");
    assert_eq!(
        caps[1]["dmac"], "02:00:0a:00:00:02",
        "the ping goes to b's MAC learned by ARP"
    );
    // The TCP exchange: handshake, request, reply, orderly close on both sides.
    let flags: Vec<&str> = select(&ev, "capture", &[("ns", "b"), ("iface", "eth0")])
        .iter()
        .filter(|e| e["proto"] == "tcp")
        .filter(|e| e["dir"] == "in")
        .map(|e| e["tcp_flags"].as_str().unwrap())
        .collect();
    // As captured on a real kernel with socat on both ends: the client writes and shuts
    // down its side at once; it ACKs the answer and, later, the server's FIN.
    assert_eq!(flags, ["S", ".", "P.", "F.", ".", "."]);
    let neigh = view(
        &sim.net,
        sim.net.ns_by_name("a").unwrap(),
        View::Neigh,
        sim.now(),
    );
    assert_eq!(
        neigh,
        "10.0.0.2 dev eth0 lladdr 02:00:0a:00:00:02 REACHABLE\n"
    );
}

#[test]
fn bridge_floods_then_learns() {
    let sim = run_lesson("kernel/bridge-three.ron");
    let ev = events(&sim);
    let bridge = select(&ev, "bridge", &[("ns", "sw")]);
    assert_eq!(
        bridge[0]["action"], "flood",
        "the first ARP broadcast is flooded"
    );
    assert_eq!(bridge[0]["ports"], serde_json::json!(["p2", "p3"]));
    assert!(
        bridge.iter().any(|b| b["action"] == "forward"),
        "later frames are forwarded to one port"
    );
    let learned: Vec<(&str, &str)> = select(&ev, "fdb_learn", &[])
        .iter()
        .map(|e| (e["mac"].as_str().unwrap(), e["port"].as_str().unwrap()))
        .collect();
    assert_eq!(
        &learned[..2],
        &[("02:00:0a:00:01:01", "p1"), ("02:00:0a:00:01:02", "p2")]
    );
    // h3 saw the flooded ARP request from h1 but never h1's ping to h2.
    let h3_in = select(&ev, "capture", &[("ns", "h3"), ("dir", "in")]);
    assert_eq!(h3_in[0]["proto"], "arp");
    assert!(
        !h3_in
            .iter()
            .any(|e| e["proto"] == "icmp" && e["dst"] == "10.0.1.2")
    );
    // h3's ping to h1 finds h1's port already in the FDB.
    let fdb = view(
        &sim.net,
        sim.net.ns_by_name("sw").unwrap(),
        View::Fdb,
        sim.now(),
    );
    assert!(
        fdb.contains("02:00:0a:00:01:03 dev p3 master br0 \n"),
        "{fdb}"
    );
}

#[test]
fn masquerade_hides_the_client_and_conntrack_undoes_it() {
    let sim = run_lesson("kernel/router-masquerade.ron");
    let ev = events(&sim);
    let at_server = select(&ev, "capture", &[("ns", "server"), ("dir", "in")]);
    let syn = at_server
        .iter()
        .find(|e| e["tcp_flags"] == "S")
        .expect("SYN reaches the server");
    assert_eq!(
        syn["src"], "203.0.113.2",
        "the server sees the router's address"
    );
    assert_eq!(syn["sport"], 45000, "MASQUERADE keeps a free source port");
    let nat = select(&ev, "nat", &[("ns", "r"), ("kind", "MASQUERADE")]);
    assert_eq!(nat[0]["before"], "192.168.1.10:45000");
    assert_eq!(nat[0]["after"], "203.0.113.2:45000");
    let undo = select(&ev, "nat", &[("ns", "r"), ("kind", "un-SNAT")]);
    assert!(
        !undo.is_empty(),
        "replies are un-NATed from the conntrack entry"
    );
    let at_client = select(&ev, "capture", &[("ns", "client"), ("dir", "in")]);
    assert!(
        at_client
            .iter()
            .filter(|e| e["proto"] == "tcp")
            .all(|e| e["dst"] == "192.168.1.10")
    );
    // Only the first packet traverses nat POSTROUTING.
    let nat_hooks = select(
        &ev,
        "hook",
        &[("ns", "r"), ("table", "nat"), ("hook", "POSTROUTING")],
    );
    assert_eq!(nat_hooks.len(), 1);
    // The run ends with the neighbour probes' retransmit timer ~6.1 s after the traffic
    // (5 s DELAY plus timer-wheel slack, then 1 s): 113 of TIME_WAIT's 120 s remain.
    let ct = view(
        &sim.net,
        sim.net.ns_by_name("r").unwrap(),
        View::Conntrack,
        sim.now(),
    );
    assert!(ct.starts_with("tcp      6 113 TIME_WAIT src=192.168.1.10 dst=203.0.113.10 sport=45000 dport=80 src=203.0.113.10 dst=203.0.113.2 sport=80 dport=45000 [ASSURED]"), "{ct}");
}

#[test]
fn dnat_rewrites_in_and_un_dnats_out() {
    let sim = run_lesson("kernel/dnat-port-forward.ron");
    let ev = events(&sim);
    let dnat = select(&ev, "nat", &[("ns", "host"), ("kind", "DNAT")]);
    assert_eq!(dnat[0]["before"], "10.12.91.17:8080");
    assert_eq!(dnat[0]["after"], "172.17.0.2:80");
    let rule = select(
        &ev,
        "rule",
        &[("ns", "host"), ("table", "nat"), ("chain", "PREROUTING")],
    );
    assert_eq!(
        rule[0]["rule"],
        "-A PREROUTING -d 10.12.91.17/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"
    );
    let in_web = select(&ev, "capture", &[("ns", "web"), ("dir", "in")]);
    let syn = in_web.iter().find(|e| e["tcp_flags"] == "S").unwrap();
    assert_eq!(
        syn["src"], "10.12.91.1",
        "the container sees the laptop's real address"
    );
    assert_eq!(syn["ttl"], 63, "one router hop");
    let at_laptop = select(&ev, "capture", &[("ns", "laptop"), ("dir", "in")]);
    let synack = at_laptop.iter().find(|e| e["tcp_flags"] == "S.").unwrap();
    assert_eq!(
        (synack["src"].as_str(), synack["sport"].as_u64()),
        (Some("10.12.91.17"), Some(8080))
    );
    assert!(!select(&ev, "nat", &[("kind", "un-DNAT")]).is_empty());
}

#[test]
fn firewall_lets_replies_in_and_drops_new_inbound() {
    let sim = run_lesson("kernel/firewall-established.ron");
    let ev = events(&sim);
    let reads = select(&ev, "socket", &[("ns", "inside"), ("process", "client1")]);
    assert!(
        reads.iter().any(|e| e["what"] == "read 200 bytes"),
        "the web reply came back through the firewall"
    );
    let drops = select(
        &ev,
        "drop",
        &[
            ("ns", "fw"),
            ("reason", "dropped by filter FORWARD policy DROP"),
        ],
    );
    let drop_times: Vec<u64> = drops
        .iter()
        .map(|d| d["t_ns"].as_u64().unwrap() / 1_000_000_000)
        .collect();
    assert_eq!(
        drop_times,
        [0, 1, 3],
        "the SSH SYN and its two retransmissions (tcp_syn_retries=2, no linear timeouts: \
         after 1 s, then 2 s) all die at the policy"
    );
    let socket = select(&ev, "socket", &[("ns", "outside")]);
    let timeout = socket
        .iter()
        .find(|e| e["what"].as_str().unwrap().contains("timed out"))
        .expect("the connect gives up");
    assert_eq!(
        timeout["t_ns"].as_u64().unwrap() / 1_000_000_000,
        7,
        "7 s after the first SYN, as the kernel with these sysctls"
    );
    let established = select(
        &ev,
        "rule",
        &[
            ("ns", "fw"),
            (
                "rule",
                "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            ),
        ],
    );
    assert!(
        established.len() >= 4,
        "replies and later packets match the ESTABLISHED rule"
    );
}
