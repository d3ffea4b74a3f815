//! The PORTS column of `docker ps`, as the docker CLI formats it (cli/command/formatter
//! `DisplayablePorts`): ports sorted by container port, then host address, host port and
//! protocol; exposed-only ports and bindings whose host port equals the container port are
//! grouped into ranges (`7000-7002/tcp`, `0.0.0.0:80-81->80-81/tcp`) and listed first, in the
//! order their groups appeared; other bindings follow one by one.

use crate::docker::rules::{PortProto, PublishedPort};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// One row of the engine's port list: a binding, or an exposed port with no binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Port {
    private: u16,
    /// (host address, host port) when published.
    public: Option<(Ipv4Addr, u16)>,
    proto: PortProto,
}

/// The PORTS column's entries for a container with these bindings and exposed ports.
pub(super) fn displayable_ports(
    published: &[PublishedPort],
    exposed: &[(u16, PortProto)],
) -> Vec<String> {
    let mut ports: Vec<Port> = published
        .iter()
        .map(|p| Port {
            private: p.container_port,
            public: Some((p.host_ip.unwrap_or(Ipv4Addr::UNSPECIFIED), p.host_port)),
            proto: p.proto,
        })
        .collect();
    let mut listed: BTreeSet<(u16, PortProto)> = published
        .iter()
        .map(|p| (p.container_port, p.proto))
        .collect();
    for &(private, proto) in exposed {
        if listed.insert((private, proto)) {
            ports.push(Port {
                private,
                public: None,
                proto,
            });
        }
    }
    // comparePorts: private port, then IP (as text, "" first), public port, type.
    ports.sort_by_key(|p| {
        (
            p.private,
            p.public.map(|(ip, _)| ip.to_string()).unwrap_or_default(),
            p.public.map_or(0, |(_, port)| port),
            p.proto.as_str(),
        )
    });
    ports.dedup();

    let mut groups: BTreeMap<String, (u16, u16)> = BTreeMap::new();
    let mut group_order: Vec<String> = Vec::new();
    let mut result = Vec::new();
    let mut host_mappings = Vec::new();
    for p in &ports {
        let key = match p.public {
            Some((ip, public)) if public != p.private => {
                host_mappings.push(format!("{ip}:{public}->{}/{}", p.private, p.proto));
                continue;
            }
            Some((ip, _)) => format!("{ip}/{}", p.proto),
            None => p.proto.as_str().to_string(),
        };
        match groups.get_mut(&key) {
            None => {
                groups.insert(key.clone(), (p.private, p.private));
                group_order.push(key);
            }
            Some(g) if g.1.checked_add(1) == Some(p.private) => g.1 = p.private,
            Some(g) => {
                result.push(form_group(&key, *g));
                *g = (p.private, p.private);
            }
        }
    }
    for key in &group_order {
        result.push(form_group(key, groups[key]));
    }
    result.extend(host_mappings);
    result
}

/// `formGroup`: `first[-last]/proto`, with `ip:range->range` when the key has an address.
fn form_group(key: &str, (first, last): (u16, u16)) -> String {
    let range = if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    };
    match key.rsplit_once('/') {
        Some((ip, proto)) => format!("{ip}:{range}->{range}/{proto}"),
        None => format!("{range}/{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PortProto::{Tcp, Udp};

    fn bind(host_port: u16, container_port: u16, proto: PortProto) -> PublishedPort {
        PublishedPort {
            host_ip: None,
            host_port,
            container_port,
            proto,
        }
    }

    #[test]
    fn bindings_sort_by_container_port() {
        // dockerd 20.10.24 + docker CLI 28.2: -p 8080:80 -p 8443:443/tcp -p 5353:53/udp nginx.
        let ports = [
            bind(8080, 80, Tcp),
            bind(8443, 443, Tcp),
            bind(5353, 53, Udp),
        ];
        assert_eq!(
            displayable_ports(&ports, &[(80, Tcp)]),
            [
                "0.0.0.0:5353->53/udp",
                "0.0.0.0:8080->80/tcp",
                "0.0.0.0:8443->443/tcp"
            ]
        );
    }

    #[test]
    fn exposed_ports_come_first_and_equal_ports_group() {
        assert_eq!(displayable_ports(&[], &[(6379, Tcp)]), ["6379/tcp"]);
        let same = [bind(8000, 8000, Tcp), bind(8001, 8001, Tcp)];
        assert_eq!(
            displayable_ports(&same, &[(7000, Udp), (7001, Udp), (9, Tcp)]),
            ["9/tcp", "7000-7001/udp", "0.0.0.0:8000-8001->8000-8001/tcp"]
        );
    }

    #[test]
    fn a_gap_closes_a_group() {
        assert_eq!(
            displayable_ports(&[], &[(80, Tcp), (81, Tcp), (83, Tcp)]),
            ["80-81/tcp", "83/tcp"]
        );
    }
}
