//! Warnings about a scenario that loads but would misbehave when run: a bridge loop (a
//! broadcast storm, no STP), a routing loop between forwarding namespaces, traffic that
//! cannot finish within the run's limits. `docknet check` prints them before anything runs.

mod bridge_loops;
mod budget;
mod routing_loops;

use crate::Sim;
use crate::ids::IfaceId;
use crate::model::Net;
use crate::scenario::Problem;
use crate::scenario::Scenario;
use std::collections::BTreeSet;

/// Every warning for a built scenario, under the limits its run will have.
pub fn warnings(sc: &Scenario, sim: &Sim) -> Vec<Problem> {
    let mut out = bridge_loops::find(&sim.net);
    out.extend(routing_loops::find(sc, &sim.net));
    out.extend(budget::find(sc, sim.limits()));
    out
}

/// The interfaces one Ethernet segment joins, starting from `iface`: across links, from a
/// bridge port to its bridge and the bridge's other ports. Bridges forward frames between
/// their ports; other interfaces end the segment.
pub(crate) fn segment(net: &Net, iface: IfaceId) -> BTreeSet<IfaceId> {
    let mut seen = BTreeSet::from([iface]);
    let mut todo = vec![iface];
    while let Some(i) = todo.pop() {
        let mut next: Vec<IfaceId> = net.peer(i).map(|(p, _)| p).into_iter().collect();
        let bridge = if net.iface(i).is_bridge() {
            Some(i)
        } else {
            net.iface(i).master
        };
        if let Some(b) = bridge {
            next.push(b);
            next.extend(ports(net, b));
        }
        for n in next {
            if seen.insert(n) {
                todo.push(n);
            }
        }
    }
    seen
}

/// The ports enslaved to bridge `b`.
fn ports(net: &Net, b: IfaceId) -> Vec<IfaceId> {
    net.ifaces
        .iter()
        .filter(|i| i.master == Some(b))
        .map(|i| i.id)
        .collect()
}
