//! The bench scenarios, shared by the throughput bench and the `trace_profile` example.

use docknet_sim::scenario::{
    IfaceSpec, LinkSpec, NamespaceSpec, NsRole, ProcessSpec, Proto, Scenario, TrafficSpec,
};
use std::collections::BTreeMap;

fn iface(name: &str, addr: Option<String>) -> IfaceSpec {
    IfaceSpec {
        name: name.into(),
        addrs: addr.into_iter().collect(),
        ..Default::default()
    }
}

/// A Docker-like host: `flows` laptop connections DNATed to a container, and as many
/// container connections MASQUERADEd out to a server.
pub fn nat_host(flows: u32) -> Scenario {
    let mut host = NamespaceSpec {
        name: "host".into(),
        interfaces: vec![
            iface("eth1", Some("10.12.91.17/24".into())),
            IfaceSpec { name: "docker0".into(), bridge: true, addrs: vec!["172.17.0.1/16".into()], ..Default::default() },
            IfaceSpec { name: "veth0".into(), master: Some("docker0".into()), ..Default::default() },
        ],
        sysctls: BTreeMap::from([("net.ipv4.ip_forward".to_string(), 1)]),
        iptables: "*nat\n-A PREROUTING -d 10.12.91.17/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n\
                   -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n"
            .into(),
        ..Default::default()
    };
    host.role = NsRole::Host;
    let web = NamespaceSpec {
        name: "web".into(),
        interfaces: vec![iface("eth0", Some("172.17.0.2/16".into()))],
        routes: vec!["default via 172.17.0.1".into()],
        processes: vec![ProcessSpec::Listen {
            proto: Proto::Tcp,
            port: 80,
            addr: None,
            reply: 500,
            name: None,
        }],
        ..Default::default()
    };
    let laptop = NamespaceSpec {
        name: "laptop".into(),
        interfaces: vec![iface("eth0", Some("10.12.91.1/24".into()))],
        processes: vec![ProcessSpec::Listen {
            proto: Proto::Tcp,
            port: 443,
            addr: None,
            reply: 300,
            name: None,
        }],
        ..Default::default()
    };
    let mut traffic = Vec::new();
    for i in 0..flows {
        let at_ms = u64::from(i);
        traffic.push(TrafficSpec::Tcp {
            from: "laptop".into(),
            to: "10.12.91.17:8080".into(),
            sport: None,
            at_ms,
            send: 100,
        });
        traffic.push(TrafficSpec::Tcp {
            from: "web".into(),
            to: "10.12.91.1:443".into(),
            sport: None,
            at_ms,
            send: 100,
        });
    }
    Scenario {
        title: "bench: DNAT + MASQUERADE".into(),
        seed: 7,
        namespaces: vec![laptop, host, web],
        links: vec![
            LinkSpec::Wire {
                a: "laptop:eth0".into(),
                b: "host:eth1".into(),
                latency_us: None,
                mbps: None,
            },
            LinkSpec::Veth {
                a: "host:veth0".into(),
                b: "web:eth0".into(),
                latency_us: None,
            },
        ],
        traffic,
        ..Default::default()
    }
}

/// The trace-size run: `flows` flows of `count` 22-byte UDP datagrams 1 ms apart from the
/// laptop to 10.12.91.17:5201, DNATed to the container's 172.17.0.2:5201 (which does not answer).
pub fn udp_dnat(flows: u32, count: u32) -> Scenario {
    let mut sc = nat_host(0);
    sc.title = "bench: UDP through DNAT".into();
    for ns in &mut sc.namespaces {
        match ns.name.as_str() {
            "host" => {
                ns.iptables = "*nat\n-A PREROUTING -d 10.12.91.17/32 -p udp -m udp --dport 5201 -j DNAT --to-destination 172.17.0.2:5201\n\
                               -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n"
                    .into()
            }
            "web" => {
                ns.processes = vec![ProcessSpec::Listen {
                    proto: Proto::Udp,
                    port: 5201,
                    addr: None,
                    reply: 0,
                    name: None,
                }]
            }
            _ => ns.processes.clear(),
        }
    }
    sc.traffic = (0..flows)
        .map(|_| TrafficSpec::Udp {
            from: "laptop".into(),
            to: "10.12.91.17:5201".into(),
            sport: None,
            at_ms: 0,
            send: 22,
            count,
            interval_ms: 1,
        })
        .collect();
    sc
}

/// `bridges` bridges in one host namespace, `per_bridge` containers on each, and `flows` UDP
/// request/reply flows between containers of the same bridge.
pub fn generated(bridges: u32, per_bridge: u32, flows: u32) -> Scenario {
    let mut host = NamespaceSpec {
        name: "host".into(),
        ..Default::default()
    };
    let mut namespaces = Vec::new();
    let mut links = Vec::new();
    for b in 0..bridges {
        let br = format!("br{b}");
        host.interfaces.push(IfaceSpec {
            name: br.clone(),
            bridge: true,
            ..Default::default()
        });
        for c in 0..per_bridge {
            let port = format!("v{b}x{c}");
            host.interfaces.push(IfaceSpec {
                name: port.clone(),
                master: Some(br.clone()),
                ..Default::default()
            });
            let name = format!("c{b}x{c}");
            namespaces.push(NamespaceSpec {
                name: name.clone(),
                role: NsRole::Container,
                interfaces: vec![iface(
                    "eth0",
                    Some(format!("10.{b}.{}.{}/16", c / 250, c % 250 + 1)),
                )],
                processes: vec![ProcessSpec::Listen {
                    proto: Proto::Udp,
                    port: 53,
                    addr: None,
                    reply: 80,
                    name: None,
                }],
                ..Default::default()
            });
            links.push(LinkSpec::Veth {
                a: format!("host:{port}"),
                b: format!("{name}:eth0"),
                latency_us: None,
            });
        }
    }
    namespaces.push(host);
    let traffic = (0..flows)
        .map(|i| {
            let b = i % bridges;
            let c = (i / bridges) % per_bridge;
            let peer = (c + 1 + i % (per_bridge - 1)) % per_bridge;
            TrafficSpec::Udp {
                from: format!("c{b}x{c}"),
                to: format!("10.{b}.{}.{}:53", peer / 250, peer % 250 + 1),
                sport: None,
                at_ms: u64::from(i / 10),
                send: 40,
                count: 1,
                interval_ms: 1000,
            }
        })
        .collect();
    Scenario {
        title: "bench: generated".into(),
        seed: 11,
        namespaces,
        links,
        traffic,
        ..Default::default()
    }
}
