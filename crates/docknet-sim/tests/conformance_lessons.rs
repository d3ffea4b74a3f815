//! The kernel behaviours the `scenarios/conformance/` files were written to pin down, asserted
//! on the simulator's trace (the conform test checks the same files against the real kernel
//! when it can run as root).

mod common;
use common::{events, run_lesson, select};
use serde_json::Value;

fn neigh_states<'a>(ev: &'a [Value], ns: &str, ip: &str) -> Vec<&'a str> {
    select(ev, "neigh", &[("ns", ns), ("ip", ip)])
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect()
}

#[test]
fn forwarded_tcp_confirms_a_routers_neighbour_but_a_local_reject_does_not_need_it() {
    let ev = events(&run_lesson("conformance/reject.ron"));
    // fw's entry for the client: learned from its ARP request, used by the REJECT reset
    // (DELAY), then confirmed by the server's TCP segments passing through on their way to
    // the client: REACHABLE again without a probe.
    assert_eq!(
        neigh_states(&ev, "fw", "10.1.0.10"),
        ["STALE", "DELAY", "REACHABLE"]
    );
    // The server's entry for fw is used by its SYN-ACK and only confirmed a few hundred
    // microseconds later; the timer wheel fires the 5 s DELAY timer late enough that this
    // confirmation is too old, so it probes, as the kernel does almost every time.
    assert_eq!(
        neigh_states(&ev, "server", "10.2.0.1"),
        ["STALE", "DELAY", "PROBE", "REACHABLE"]
    );
    let at = |state: &str| {
        select(&ev, "neigh", &[("ns", "server"), ("state", state)])[0]["t_ns"]
            .as_u64()
            .unwrap()
    };
    let late = at("PROBE").saturating_sub(at("DELAY"));
    assert!(
        (5_000_000_000..=5_256_000_000).contains(&late),
        "the DELAY timer fires up to 256 ms late: {late}"
    );
}

#[test]
fn reject_answers_for_the_blocked_host() {
    let ev = events(&run_lesson("conformance/reject.ron"));
    let at_client = select(&ev, "capture", &[("ns", "client"), ("dir", "in")]);
    let rst = at_client
        .iter()
        .find(|e| e["sport"] == 22)
        .expect("a reply for port 22");
    assert_eq!(rst["tcp_flags"], "R.");
    assert_eq!(
        rst["src"], "10.2.0.10",
        "the reset claims to come from the server"
    );
    let icmp = at_client
        .iter()
        .find(|e| e["proto"] == "icmp")
        .expect("an ICMP error for the UDP datagram");
    assert_eq!(
        icmp["src"], "10.1.0.1",
        "the ICMP error comes from fw itself"
    );
    let to_server = select(&ev, "capture", &[("ns", "server"), ("dir", "in")]);
    assert!(
        to_server
            .iter()
            .all(|e| e["dport"] != 22 && e["dport"] != 514),
        "nothing rejected reaches the server"
    );
}

#[test]
fn a_containers_reset_is_un_dnated_while_its_entry_dies() {
    let ev = events(&run_lesson("conformance/two-published-ports.ron"));
    let resets: Vec<&Value> = select(&ev, "capture", &[("ns", "laptop"), ("dir", "in")])
        .into_iter()
        .filter(|e| e["tcp_flags"] == "R.")
        .collect();
    assert_eq!(resets.len(), 2, "8443 and 9000 are refused once each");
    assert_eq!(resets[0]["src"], "10.12.91.17");
    assert_eq!(
        resets[0]["sport"], 8443,
        "the container's reset from 172.17.0.2:443 is un-DNATed"
    );
    assert_eq!(resets[0]["ttl"], 63, "it was forwarded by the host");
    assert_eq!(resets[1]["sport"], 9000);
    assert_eq!(resets[1]["ttl"], 64, "the host itself refused 9000");
    let destroyed = select(&ev, "conntrack", &[("ns", "host"), ("change", "destroy")]);
    assert!(
        destroyed
            .iter()
            .any(|e| e["entry"].as_str().unwrap().contains("sport=443 ")),
        "the reset kills the entry at once"
    );
}

#[test]
fn br_netfilter_runs_prerouting_before_the_bridge_capture() {
    let ev = events(&run_lesson("conformance/publish-localhost.ron"));
    // The replies leave the container for 172.17.0.1, but tcpdump on docker0 already sees
    // them un-masqueraded: PREROUTING ran at the bridge's ingress.
    let replies_at_web = select(
        &ev,
        "capture",
        &[("ns", "web"), ("iface", "eth0"), ("dir", "out")],
    );
    assert!(
        replies_at_web
            .iter()
            .filter(|e| e["proto"] == "tcp")
            .all(|e| e["dst"] == "172.17.0.1")
    );
    let at_docker0 = select(
        &ev,
        "capture",
        &[("ns", "host"), ("iface", "docker0"), ("dir", "in")],
    );
    let tcp_in: Vec<&&Value> = at_docker0.iter().filter(|e| e["proto"] == "tcp").collect();
    assert!(!tcp_in.is_empty());
    assert!(tcp_in.iter().all(|e| e["dst"] == "127.0.0.1"), "{tcp_in:?}");
}

#[test]
fn hairpin_nat_turns_the_packet_around_in_the_bridge() {
    let ev = events(&run_lesson("conformance/hairpin-nat.ron"));
    let at_web = select(
        &ev,
        "capture",
        &[("ns", "web"), ("iface", "eth0"), ("dir", "in")],
    );
    let syn = at_web
        .iter()
        .find(|e| e["tcp_flags"] == "S")
        .expect("the SYN comes back to web");
    assert_eq!(syn["src"], "172.17.0.1", "masqueraded to the gateway");
    assert_eq!(syn["dst"], "172.17.0.2");
    assert_eq!(syn["dport"], 80);
    let hairpinned = select(&ev, "bridge", &[("ns", "host"), ("action", "forward")])
        .into_iter()
        .filter(|e| e["in_port"] == e["port"] && e["in_port"] != "docker0")
        .count();
    assert!(
        hairpinned > 0,
        "bridged DNAT sends frames back out of the port they came in on"
    );
    assert!(
        select(&ev, "drop", &[("ns", "host")]).is_empty(),
        "nothing is dropped on the way"
    );
}
