//! Docker's default IPAM as the compiler needs it: which subnet a network gets (the daemon's
//! address pools, `--subnet`), which address its bridge takes (`--gateway`, `--bip`), what
//! `docker network inspect` records, and the lowest free container address (`--ip-range`).

use super::{Compiler, Network};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// A network's addressing as `docker network create` (or the daemon, for docker0) asks.
pub(super) struct Addressing {
    pub subnet: Ipv4Net,
    /// The bridge's own address.
    pub gateway: Ipv4Addr,
    /// The gateway IPAM records (`docker network inspect` shows it); `None` prints empty.
    pub recorded_gateway: Option<Ipv4Addr>,
    pub ip_range: Option<Ipv4Net>,
}

impl Addressing {
    /// `--subnet` (masked), `--gateway` (default: the subnet's first host), `--ip-range`.
    /// `docker network inspect` shows the gateway of a configured subnet only when it was
    /// given, up to 28.x (daemon/network.go buildIPAMResources); from 29.0 it fills in the
    /// one IPAM picked.
    pub fn requested(
        subnet: Ipv4Net,
        gateway: Option<Ipv4Addr>,
        ip_range: Option<Ipv4Net>,
        records_default: bool,
    ) -> Addressing {
        let subnet = subnet.trunc();
        let ip_range = ip_range.map(|r| r.trunc());
        // IPAM allocates the default gateway like any address: the lowest free one, inside
        // the range when there is one (dockerd 20.10.24: --ip-range 10.60.4.0/24 gives the
        // bridge 10.60.4.0; moby v28.5.2's allocator does the same).
        let first = match ip_range {
            Some(r) if r.network() != subnet.network() => r.network(),
            Some(r) => first_host(r),
            None => first_host(subnet),
        };
        Addressing {
            subnet,
            gateway: gateway.unwrap_or(first),
            recorded_gateway: gateway.or(records_default.then_some(first)),
            ip_range,
        }
    }

    /// A subnet picked from the address pools: gateway at its first host, recorded.
    pub fn pooled(subnet: Ipv4Net) -> Addressing {
        Addressing {
            subnet,
            gateway: first_host(subnet),
            recorded_gateway: Some(first_host(subnet)),
            ip_range: None,
        }
    }
}

/// The first usable address of a subnet (the network address + 1).
pub(super) fn first_host(net: Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()).saturating_add(1))
}

impl Network {
    /// The lowest address IPAM hands out next: inside `--ip-range` when one was given (whose
    /// own network address is usable when it is not the subnet's), never the subnet's network
    /// or broadcast address, never one in use (the gateway is).
    pub(super) fn free_address(&self) -> Option<Ipv4Addr> {
        let pool = self.ip_range.unwrap_or(self.subnet);
        let (lo, hi) = (u32::from(pool.network()), u32::from(pool.broadcast()));
        let (net, bcast) = (
            u32::from(self.subnet.network()),
            u32::from(self.subnet.broadcast()),
        );
        (lo..=hi)
            .filter(|&a| a != net && a != bcast)
            .map(Ipv4Addr::from)
            .find(|a| !self.used.contains(a))
    }
}

impl Compiler<'_> {
    /// The host's own subnets (and Desktop's VM subnet): no network may overlap them.
    fn host_subnets(&self) -> Vec<Ipv4Net> {
        let mut v: Vec<Ipv4Net> = self
            .sc
            .host
            .nics
            .iter()
            .filter_map(|n| n.addr.parse::<Ipv4Net>().ok())
            .map(|n| n.trunc())
            .collect();
        if self.desktop_host.is_some() {
            v.push(Ipv4Net::new(Ipv4Addr::new(192, 168, 65, 0), 24).expect("valid"));
        }
        v
    }

    /// What `subnet` would overlap: another network or a host subnet, in Docker's words.
    pub(super) fn overlaps(&self, subnet: Ipv4Net) -> Option<String> {
        if let Some(n) = self
            .networks
            .iter()
            .find(|n| n.subnet.contains(&subnet.network()) || subnet.contains(&n.subnet.network()))
        {
            return Some(format!("network `{}` ({})", n.name, n.subnet));
        }
        self.host_subnets()
            .into_iter()
            .find(|h| h.contains(&subnet.network()) || subnet.contains(&h.network()))
            .map(|h| format!("the host's own subnet {h}"))
    }

    /// The next free subnet from the daemon's address pools (`--default-address-pool`,
    /// else Docker's 172.17-31/16 and 192.168.0.0/16 in /20s), in order.
    pub(super) fn next_pool(&self) -> Option<Ipv4Net> {
        self.daemon
            .default_pools
            .iter()
            .flat_map(|(base, size)| base.trunc().subnets(*size).into_iter().flatten())
            .find(|p| self.overlaps(*p).is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn net(subnet: &str, range: Option<&str>, used: &[&str]) -> Network {
        Network {
            name: "n".into(),
            bridge: "br-n".into(),
            subnet: subnet.parse().unwrap(),
            gateway: Ipv4Addr::UNSPECIFIED,
            recorded_gateway: None,
            ip_range: range.map(|r| r.parse().unwrap()),
            internal: false,
            icc: true,
            ip_masquerade: true,
            host_ipv4: None,
            host_binding_ipv4: None,
            default_bridge: false,
            mac: crate::wire::MacAddr([0; 6]),
            used: used
                .iter()
                .map(|a| a.parse().unwrap())
                .collect::<BTreeSet<_>>(),
            mtu: None,
        }
    }

    #[test]
    fn lowest_free_skips_the_subnet_network_and_used_addresses() {
        let n = net("10.50.0.0/16", None, &["10.50.0.1", "10.50.0.2"]);
        assert_eq!(n.free_address(), Some(Ipv4Addr::new(10, 50, 0, 3)));
    }

    #[test]
    fn an_ip_range_starts_at_its_own_network_address() {
        // dockerd 20.10.24: --subnet 10.50.0.0/16 --ip-range 10.50.8.0/24 -> 10.50.8.0.
        let n = net("10.50.0.0/16", Some("10.50.8.0/24"), &["10.50.0.254"]);
        assert_eq!(n.free_address(), Some(Ipv4Addr::new(10, 50, 8, 0)));
        // A range that starts the subnet still skips the subnet's network address.
        let n = net("10.50.0.0/16", Some("10.50.0.0/24"), &["10.50.0.1"]);
        assert_eq!(n.free_address(), Some(Ipv4Addr::new(10, 50, 0, 2)));
    }

    #[test]
    fn a_full_network_has_no_free_address() {
        let n = net("10.0.0.0/30", None, &["10.0.0.1", "10.0.0.2"]);
        assert_eq!(n.free_address(), None);
    }
}
