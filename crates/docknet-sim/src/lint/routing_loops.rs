//! Routing loops decidable from the route tables alone: follow a destination from one
//! forwarding namespace to the next gateway's owner; coming back to a namespace already
//! passed is a loop (each router hands the packet on until its TTL runs out).

use super::segment;
use crate::ids::NsId;
use crate::model::Net;
use crate::model::route::{Route, RouteType, parse_route};
use crate::scenario::Problem;
use crate::scenario::Scenario;
use ipnet::Ipv4Net;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// One step of a walk: the namespace and the route it used.
type Hop = (NsId, Route);

/// One warning per loop (the same namespaces and destination prefix once).
pub(super) fn find(sc: &Scenario, net: &Net) -> Vec<Problem> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for ns in net.namespaces.iter().filter(|n| n.sysctl.ip_forward) {
        for r in ns.routes.routes.iter().filter(|r| r.via.is_some()) {
            let dst = probe(net, r.dst);
            let Some(cycle) = walk(net, ns.id, dst) else {
                continue;
            };
            let mut key: Vec<NsId> = cycle.iter().map(|(n, _)| *n).collect();
            key.sort();
            if seen.insert((key, cycle[0].1.dst)) {
                out.push(warning(sc, net, dst, &cycle));
            }
        }
    }
    out
}

/// An address a route's prefix covers, to follow: its first host, or for the default route
/// one of the documentation ranges' addresses that no namespace owns.
fn probe(net: &Net, dst: Ipv4Net) -> Ipv4Addr {
    if dst.prefix_len() > 0 {
        return first_host(dst);
    }
    let owned = |ip: &Ipv4Addr| net.namespaces.iter().any(|n| net.is_local(n.id, *ip));
    ["203.0.113.200", "198.51.100.200", "192.0.2.200"]
        .iter()
        .filter_map(|a| a.parse().ok())
        .find(|ip| !owned(ip))
        .unwrap_or(Ipv4Addr::new(203, 0, 113, 201))
}

fn first_host(net: Ipv4Net) -> Ipv4Addr {
    if net.prefix_len() >= 31 {
        net.addr()
    } else {
        Ipv4Addr::from(u32::from(net.network()) + 1)
    }
}

/// The namespaces `dst` passes from `start` until it comes back to one of them (the loop,
/// from that namespace on), or None when it is delivered, dropped or leaves the scenario.
fn walk(net: &Net, start: NsId, dst: Ipv4Addr) -> Option<Vec<Hop>> {
    let mut hops: Vec<Hop> = Vec::new();
    let mut at = start;
    loop {
        if let Some(i) = hops.iter().position(|(n, _)| *n == at) {
            return Some(hops.split_off(i));
        }
        let ns = net.ns(at);
        if net.is_local(at, dst) || (!hops.is_empty() && !ns.sysctl.ip_forward) {
            return None;
        }
        let r = ns.routes.lookup(dst)?;
        if r.kind != RouteType::Unicast {
            return None;
        }
        let gw = r.via.unwrap_or(dst);
        let next = segment(net, r.dev?)
            .into_iter()
            .map(|i| net.iface(i))
            .find(|i| i.ns != at && i.addrs().iter().any(|a| a.addr() == gw))?
            .ns;
        hops.push((at, r.clone()));
        at = next;
    }
}

fn warning(sc: &Scenario, net: &Net, dst: Ipv4Addr, cycle: &[Hop]) -> Problem {
    let steps: Vec<String> = cycle
        .iter()
        .map(|(n, r)| {
            let dev = r
                .dev
                .map_or(String::new(), |d| net.iface(d).name.to_string());
            let via = r.via.map_or(String::new(), |v| format!(" via {v}"));
            format!("{} ({}{via} dev {dev})", net.ns(*n).name, shown(r.dst))
        })
        .collect();
    let first = &net.ns(cycle[0].0).name;
    let owner = net
        .namespaces
        .iter()
        .find(|n| net.is_local(n.id, dst))
        .map_or("no namespace owns it".to_string(), |n| {
            format!("{} owns it", n.name)
        });
    let value = route_text(sc, first, &cycle[0].1).unwrap_or_else(|| first.to_string());
    Problem::at(
        Some(first),
        &value,
        format!(
            "routing loop: packets for {dst} ({owner}) go {} -> back to {first}: each \
             forwards them to the other until their TTL runs out (ICMP time exceeded)",
            steps.join(" -> ")
        ),
        format!(
            "give one of {} a route for {} that leads out, or a `blackhole`/`unreachable` \
             route, instead of one pointing back",
            names(net, cycle),
            shown(cycle[0].1.dst)
        ),
    )
}

fn shown(dst: Ipv4Net) -> String {
    if dst.prefix_len() == 0 {
        "default".into()
    } else {
        dst.to_string()
    }
}

fn names(net: &Net, cycle: &[Hop]) -> String {
    let names: Vec<&str> = cycle
        .iter()
        .map(|(n, _)| net.ns(*n).name.as_str())
        .collect();
    names.join(", ")
}

/// The route line of namespace `ns` in the scenario that `r` came from, to point at.
fn route_text(sc: &Scenario, ns: &str, r: &Route) -> Option<String> {
    sc.namespaces
        .iter()
        .find(|n| n.name == ns)?
        .routes
        .iter()
        .find(|t| parse_route(t).is_ok_and(|p| p.dst == r.dst && p.via == r.via))
        .cloned()
}
