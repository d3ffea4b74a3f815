//! The kernel on its own, on hand-made networks (see [`super::testnet`]): ARP, IPv4
//! forwarding with its ICMP errors, and the order of the netfilter hooks.

use super::testnet::{LATENCY_NS, TestNet, udp};
use crate::ids::{IfaceId, NsId};
use crate::model::neigh::{MAX_PROBES, NeighState};
use crate::wire::{IcmpMessage, L4};

/// `a` (10.0.0.1) -- veth -- `b` (10.0.0.2), with `b`'s rules.
fn pair(b_rules: &str) -> (TestNet, NsId, IfaceId, NsId, IfaceId) {
    let mut t = TestNet::new();
    let a = t.ns("a", "");
    let b = t.ns("b", b_rules);
    let (ae, be) = t.veth((a, "eth0", "10.0.0.1/24"), (b, "eth0", "10.0.0.2/24"));
    (t, a, ae, b, be)
}

/// `a` (10.0.1.1) -- `r` (10.0.1.254 | 10.0.2.254) -- `b` (10.0.2.1); `a` and `b` route
/// everything through `r`.
struct Routed {
    t: TestNet,
    a: NsId,
    r: NsId,
    b: NsId,
    r_to_a: IfaceId,
    r_to_b: IfaceId,
}

fn routed(r_forward: bool, r_rules: &str) -> Routed {
    let mut t = TestNet::new();
    let a = t.ns("a", "");
    let r = if r_forward {
        t.router("r", r_rules)
    } else {
        t.ns("r", r_rules)
    };
    let b = t.ns("b", "");
    let (ae, r_to_a) = t.veth((a, "eth0", "10.0.1.1/24"), (r, "eth0", "10.0.1.254/24"));
    let (r_to_b, be) = t.veth((r, "eth1", "10.0.2.254/24"), (b, "eth0", "10.0.2.1/24"));
    t.route(a, "0.0.0.0/0", "10.0.1.254", ae);
    t.route(b, "0.0.0.0/0", "10.0.2.254", be);
    Routed {
        t,
        a,
        r,
        b,
        r_to_a,
        r_to_b,
    }
}

#[test]
fn arp_resolves_the_next_hop_and_releases_the_waiting_packet() {
    let (mut t, a, ae, b, be) = pair("");
    let pkt = t.send(a, udp("10.0.0.1", "10.0.0.2", 64), false);
    let Some(NeighState::Incomplete { queue, .. }) = t.neigh(a, ae, "10.0.0.2").map(|e| &e.state)
    else {
        panic!("the packet waits in an INCOMPLETE entry");
    };
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].1, pkt);
    assert!(t.delivered.is_empty());

    t.run();
    let b_mac = t.net.iface(be).mac;
    let a_mac = t.net.iface(ae).mac;
    assert!(
        matches!(t.neigh(a, ae, "10.0.0.2").map(|e| &e.state), Some(NeighState::Reachable { mac }) if *mac == b_mac),
        "the reply makes a's entry REACHABLE"
    );
    assert!(
        matches!(t.neigh(b, be, "10.0.0.1").map(|e| &e.state), Some(NeighState::Stale { mac }) if *mac == a_mac),
        "the request leaves b a STALE entry for its sender"
    );
    let lines = t.lines();
    let request = lines
        .iter()
        .position(|l| l.contains("neighbour 10.0.0.1 is at") && l.contains("(STALE)"));
    let reply = lines
        .iter()
        .position(|l| l.contains("neighbour 10.0.0.2 is at") && l.contains("(REACHABLE)"));
    assert!(request < reply, "request then reply: {lines:#?}");
    let up = t.delivered_in(b);
    assert_eq!(up.len(), 1, "the released packet reaches b's sockets");
    assert_eq!(up[0].ttl, 64, "not forwarded, TTL unchanged");
    assert_eq!(
        t.lines_of(pkt).last().map(String::as_str),
        Some("b: routing decision for 10.0.0.2: local")
    );
}

#[test]
fn an_unanswered_neighbour_fails_and_the_sender_hears_host_unreachable() {
    let (mut t, a, ae, _, _) = pair("");
    let pkt = t.send(a, udp("10.0.0.1", "10.0.0.9", 64), false);
    t.run();
    assert!(matches!(
        t.neigh(a, ae, "10.0.0.9").map(|e| &e.state),
        Some(NeighState::Failed)
    ));
    let lines = t.lines();
    let requests = lines
        .iter()
        .filter(|l| l.as_str() == "a: leaves through eth0")
        .count();
    assert_eq!(requests as u32, MAX_PROBES, "{lines:#?}");
    assert!(
        t.lines_of(pkt)
            .iter()
            .any(|l| l.contains("DROPPED: no ARP reply from 10.0.0.9 on a:eth0")),
        "{:#?}",
        t.lines_of(pkt)
    );
    let up = t.delivered_in(a);
    assert_eq!(up.len(), 1, "the error loops back to the sender");
    assert!(matches!(
        &up[0].l4,
        L4::Icmp(IcmpMessage::DestUnreachable { code, .. }) if *code == IcmpMessage::HOST_UNREACHABLE
    ));
}

#[test]
fn a_router_looks_up_the_route_and_decrements_the_ttl() {
    let mut n = routed(true, "");
    let decision = n.t.kernel().route_lookup(n.r, "10.0.2.1".parse().unwrap());
    assert!(matches!(
        decision,
        super::ip::RouteDecision::Out { iface, nexthop, .. }
            if iface == n.r_to_b && nexthop.to_string() == "10.0.2.1"
    ));
    let pkt = n.t.send(n.a, udp("10.0.1.1", "10.0.2.1", 64), false);
    n.t.run();
    let up = n.t.delivered_in(n.b);
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].ttl, 63, "one hop");
    assert!(
        n.t.lines_of(pkt)
            .contains(&"r: routing decision for 10.0.2.1: 10.0.2.1 dev eth1".to_string())
    );
}

#[test]
fn ttl_1_is_not_forwarded_and_the_sender_gets_time_exceeded() {
    let mut n = routed(true, "");
    let pkt = n.t.send(n.a, udp("10.0.1.1", "10.0.2.1", 1), false);
    n.t.run();
    assert!(n.t.delivered_in(n.b).is_empty());
    assert!(
        n.t.lines_of(pkt)
            .contains(&"r: DROPPED: TTL exceeded forwarding 10.0.1.1 -> 10.0.2.1".to_string())
    );
    let up = n.t.delivered_in(n.a);
    assert_eq!(up.len(), 1);
    assert_eq!(
        up[0].src.to_string(),
        "10.0.1.254",
        "from the router's address towards a"
    );
    assert!(matches!(
        &up[0].l4,
        L4::Icmp(IcmpMessage::TimeExceeded { .. })
    ));
}

#[test]
fn no_route_at_the_router_answers_net_unreachable() {
    let mut n = routed(true, "");
    let pkt = n.t.send(n.a, udp("10.0.1.1", "192.168.9.9", 64), false);
    n.t.run();
    assert!(
        n.t.lines_of(pkt)
            .contains(&"r: DROPPED: no route to 192.168.9.9".to_string())
    );
    let up = n.t.delivered_in(n.a);
    assert_eq!(up.len(), 1);
    assert!(matches!(
        &up[0].l4,
        L4::Icmp(IcmpMessage::DestUnreachable { code, .. }) if *code == IcmpMessage::NET_UNREACHABLE
    ));
}

#[test]
fn without_ip_forward_the_packet_is_dropped_silently() {
    let mut n = routed(false, "");
    let pkt = n.t.send(n.a, udp("10.0.1.1", "10.0.2.1", 64), false);
    n.t.run();
    assert!(n.t.delivered.is_empty(), "no delivery and no ICMP error");
    assert!(
        n.t.lines_of(pkt)
            .iter()
            .any(|l| l.contains("has ip_forward=0"))
    );
}

#[test]
fn the_confirm_bit_crosses_the_router_and_confirms_its_next_hop() {
    let mut n = routed(true, "");
    n.t.send(n.b, udp("10.0.2.1", "10.0.1.1", 64), false);
    n.t.run();
    let at_a = |t: &TestNet| t.neigh(n.r, n.r_to_a, "10.0.1.1").and_then(|e| e.confirmed);
    let resolved = at_a(&n.t).expect("r resolved a");
    n.t.cx
        .advance_to(resolved + crate::time::SimDuration::from_secs(1));
    n.t.send(n.b, udp("10.0.2.1", "10.0.1.1", 64), false);
    n.t.run();
    assert_eq!(
        at_a(&n.t),
        Some(resolved),
        "a plain packet confirms nothing"
    );
    let sent = resolved + crate::time::SimDuration::from_secs(2);
    n.t.cx.advance_to(sent);
    n.t.send(n.b, udp("10.0.2.1", "10.0.1.1", 64), true);
    n.t.run();
    let forwarded = sent + crate::time::SimDuration(LATENCY_NS);
    assert!(
        at_a(&n.t).is_some_and(|t| t >= forwarded),
        "the router confirmed a when it forwarded the packet: {:?}",
        at_a(&n.t)
    );
}

/// Every table present, empty, policy ACCEPT, with `filter` given by `filter`.
fn all_tables(filter: &str) -> String {
    format!(
        "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n\
         *mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n\
         :OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n\
         *nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
         :POSTROUTING ACCEPT [0:0]\nCOMMIT\n\
         *filter\n{filter}COMMIT\n"
    )
}

const FILTER_ACCEPT: &str = ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";

/// The `table HOOK` pairs `ns` traversed for `pkt`, in order.
fn hooks(t: &TestNet, ns: &str, pkt: crate::ids::PacketId) -> Vec<String> {
    let prefix = format!("{ns}: netfilter ");
    t.lines_of(pkt)
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix).map(String::from))
        .collect()
}

#[test]
fn local_in_runs_raw_mangle_nat_at_prerouting_then_mangle_filter_nat_at_input() {
    let (mut t, a, _, _, _) = pair(&all_tables(FILTER_ACCEPT));
    let pkt = t.send(a, udp("10.0.0.1", "10.0.0.2", 64), false);
    t.run();
    assert_eq!(
        hooks(&t, "b", pkt),
        [
            "raw PREROUTING",
            "mangle PREROUTING",
            "nat PREROUTING",
            "mangle INPUT",
            "filter INPUT",
            "nat INPUT",
        ]
    );
}

#[test]
fn local_out_runs_raw_mangle_nat_filter_at_output_then_mangle_nat_at_postrouting() {
    let mut t = TestNet::new();
    let a = t.ns("a", &all_tables(FILTER_ACCEPT));
    let b = t.ns("b", "");
    t.veth((a, "eth0", "10.0.0.1/24"), (b, "eth0", "10.0.0.2/24"));
    let pkt = t.send(a, udp("10.0.0.1", "10.0.0.2", 64), false);
    t.run();
    assert_eq!(
        hooks(&t, "a", pkt),
        [
            "raw OUTPUT",
            "mangle OUTPUT",
            "nat OUTPUT",
            "filter OUTPUT",
            "mangle POSTROUTING",
            "nat POSTROUTING",
        ]
    );
}

#[test]
fn forward_runs_prerouting_then_mangle_filter_at_forward_then_postrouting() {
    let mut n = routed(true, &all_tables(FILTER_ACCEPT));
    let pkt = n.t.send(n.a, udp("10.0.1.1", "10.0.2.1", 64), false);
    n.t.run();
    assert_eq!(
        hooks(&n.t, "r", pkt),
        [
            "raw PREROUTING",
            "mangle PREROUTING",
            "nat PREROUTING",
            "mangle FORWARD",
            "filter FORWARD",
            "mangle POSTROUTING",
            "nat POSTROUTING",
        ]
    );
    assert_eq!(n.t.delivered_in(n.b).len(), 1);
}

#[test]
fn a_drop_policy_at_input_stops_the_packet_before_the_later_tables() {
    let filter = ":INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    let (mut t, a, _, b, _) = pair(&all_tables(filter));
    let pkt = t.send(a, udp("10.0.0.1", "10.0.0.2", 64), false);
    t.run();
    assert_eq!(
        hooks(&t, "b", pkt).last().map(String::as_str),
        Some("filter INPUT"),
        "nat INPUT never sees it"
    );
    assert!(t.delivered_in(b).is_empty());
    assert!(
        t.lines_of(pkt)
            .contains(&"b: DROPPED: dropped by filter INPUT policy DROP".to_string()),
        "{:#?}",
        t.lines_of(pkt)
    );
}

#[test]
fn a_drop_policy_at_forward_keeps_the_packet_from_the_far_side() {
    let filter = ":INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    let mut n = routed(true, &all_tables(filter));
    let pkt = n.t.send(n.a, udp("10.0.1.1", "10.0.2.1", 64), false);
    n.t.run();
    assert!(
        n.t.delivered.is_empty(),
        "no delivery, and a DROP sends no error"
    );
    let lines = n.t.lines_of(pkt);
    assert!(!lines.iter().any(|l| l.starts_with("b:")), "{lines:#?}");
    assert!(
        !hooks(&n.t, "r", pkt)
            .iter()
            .any(|h| h.ends_with("POSTROUTING"))
    );
}
