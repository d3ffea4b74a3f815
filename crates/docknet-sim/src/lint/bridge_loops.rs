//! Bridge loops: the bridges as nodes, every link between two bridge ports as an edge; an
//! edge between bridges already connected closes a loop that floods for ever without STP.

use crate::ids::IfaceId;
use crate::model::Net;
use crate::scenario::Problem;
use std::collections::{BTreeMap, VecDeque};

/// A link between two bridge ports: (port, its bridge) at each end.
type Edge = ((IfaceId, IfaceId), (IfaceId, IfaceId));

/// One warning per link that closes a loop.
pub(super) fn find(net: &Net) -> Vec<Problem> {
    let mut tree: BTreeMap<IfaceId, Vec<(IfaceId, Edge)>> = BTreeMap::new();
    let mut out = Vec::new();
    for e in bridge_links(net) {
        let ((_, a), (_, b)) = e;
        match path(&tree, a, b) {
            Some(mut links) => {
                links.push(e);
                out.push(warning(net, &links));
            }
            None => {
                tree.entry(a).or_default().push((b, e));
                tree.entry(b).or_default().push((a, e));
            }
        }
    }
    out
}

/// Links whose two ends are bridge ports, each once, in interface order.
fn bridge_links(net: &Net) -> Vec<Edge> {
    net.ifaces
        .iter()
        .filter_map(|i| {
            let (peer, _) = net.peer(i.id)?;
            let mine = i.master?;
            let theirs = net.iface(peer).master?;
            (i.id < peer).then_some(((i.id, mine), (peer, theirs)))
        })
        .collect()
}

/// The links from bridge `a` to bridge `b` in the loop-free part found so far (`Some(empty)`
/// when they are the same bridge), or None when they are not connected yet.
fn path(
    tree: &BTreeMap<IfaceId, Vec<(IfaceId, Edge)>>,
    a: IfaceId,
    b: IfaceId,
) -> Option<Vec<Edge>> {
    let mut came: BTreeMap<IfaceId, Option<(IfaceId, Edge)>> = BTreeMap::from([(a, None)]);
    let mut todo = VecDeque::from([a]);
    while let Some(n) = todo.pop_front() {
        if n == b {
            let mut links = Vec::new();
            let mut at = b;
            while let Some(Some((prev, e))) = came.get(&at) {
                links.push(*e);
                at = *prev;
            }
            links.reverse();
            return Some(links);
        }
        for &(m, e) in tree.get(&n).into_iter().flatten() {
            if let std::collections::btree_map::Entry::Vacant(v) = came.entry(m) {
                v.insert(Some((n, e)));
                todo.push_back(m);
            }
        }
    }
    None
}

fn warning(net: &Net, links: &[Edge]) -> Problem {
    let mut bridges: Vec<String> = links
        .iter()
        .flat_map(|((_, a), (_, b))| [*a, *b])
        .map(|b| net.iface_label(b))
        .collect();
    bridges.sort();
    bridges.dedup();
    let shown: Vec<String> = links
        .iter()
        .map(|((p, _), (q, _))| format!("{} <-> {}", net.iface_label(*p), net.iface_label(*q)))
        .collect();
    let ((last, _), _) = links[links.len() - 1];
    let (ns, port) = (net.ns(net.iface(last).ns), &net.iface(last).name);
    Problem::at(
        Some(&ns.name),
        port,
        format!(
            "bridge loop: {} are joined in a circle by the links {}: a broadcast (an ARP \
             request, a frame to an unknown MAC) is flooded round it for ever, since no STP \
             runs on these bridges (a Linux bridge's stp_state defaults to 0); the simulator \
             ends such a flood with a `bridge loop` drop",
            bridges.join(" and "),
            shown.join(", ")
        ),
        format!(
            "remove one of these links (e.g. {}); turning STP on (stp_state 1) is not modelled",
            shown[shown.len() - 1]
        ),
    )
}
