//! Which of a container's networks is its gateway endpoint: the one that gives it its default
//! route and carries its published ports (DNAT, docker-proxy). libnetwork orders a sandbox's
//! endpoints (sandbox.go `Endpoint.Less`, v28.5.2): the highest `--gw-priority` first (0 by
//! default; Engine 28+), then internal networks last, then by network name; the first endpoint
//! with a gateway wins (default_gateway.go `selectGatewayEndpoint`). When `docker network connect` or `disconnect` changes
//! the winner, the ports are revoked on the old network and programmed on the new one (their
//! rules are appended again at that moment) and the default route moves.

use super::{Compiler, Container, Endpoint};
use std::cmp::{Ordering, Reverse};

impl Compiler<'_> {
    /// The index (into `c.endpoints`) of the container's gateway endpoint, if any.
    pub(super) fn gateway_endpoint(&self, c: &Container) -> Option<usize> {
        c.endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| self.has_gateway(e.net))
            .min_by(|(_, a), (_, b)| self.endpoint_order(a, b))
            .map(|(i, _)| i)
    }

    /// The order of a sandbox's endpoints (libnetwork `Endpoint.Less`): the highest gateway
    /// priority first, internal networks last, then by network name. The gateway is the
    /// first with a gateway; the embedded DNS asks the networks in this order too.
    pub(super) fn endpoint_order(&self, a: &Endpoint, b: &Endpoint) -> Ordering {
        let (na, nb) = (&self.networks[a.net], &self.networks[b.net]);
        (Reverse(a.opts.gw_priority), na.internal, &na.name).cmp(&(
            Reverse(b.opts.gw_priority),
            nb.internal,
            &nb.name,
        ))
    }

    /// Whether an endpoint on network `net` has a gateway: every bridge network's does up to
    /// Engine 24; from 25.0 the bridge driver's Join sets none for an `--internal` network
    /// (libnetwork/drivers/bridge, v24.0.9 vs v25.0.0-beta.1), so no default route.
    fn has_gateway(&self, net: usize) -> bool {
        !self.networks[net].internal || self.engine.major < 25
    }

    /// The network whose endpoint carries container `ct`'s published ports: the gateway
    /// endpoint's, unless that network is internal (no port mappings there).
    pub(super) fn ports_endpoint(&self, c: &Container) -> Option<usize> {
        self.gateway_endpoint(c)
            .filter(|&i| !self.networks[c.endpoints[i].net].internal)
    }

    /// After container `ct`'s endpoints changed: when its ports endpoint moved, its port
    /// rules are programmed again now (they go after every rule programmed before).
    pub(super) fn update_gateway(&mut self, ct: usize) {
        let now = self
            .ports_endpoint(&self.containers[ct])
            .map(|i| self.containers[ct].endpoints[i].net);
        if now != self.containers[ct].ports_net {
            let seq = self.next_seq();
            let c = &mut self.containers[ct];
            c.ports_net = now;
            c.ports_at = seq;
        }
    }

    /// Whether the engine knows gateway priorities (API 1.48, Engine 28.0); a non-zero one
    /// on an older engine is refused here.
    pub(super) fn gw_priority_supported(&mut self, anchor: &str, priority: i64) -> bool {
        if priority == 0 || self.engine.major >= 28 {
            return true;
        }
        self.fail(
            anchor,
            "--gw-priority",
            format!(
                "--gw-priority needs Engine 28.0 or later (API 1.48); this scenario's engine is {}",
                self.engine
            ),
            "drop --gw-priority, or choose engine \"28.0\" or later",
        );
        false
    }

    /// A counter that orders endpoint creation and port programming.
    pub(super) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}
