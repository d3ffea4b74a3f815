//! Simulation speed: delivered datagrams per second for 100 flows x 2,000 UDP datagrams through
//! a DNAT with the full trace recorded, packets per second through a DNAT + MASQUERADE host, events per
//! second on a generated topology of 1,000 namespaces on 20 bridges carrying 10,000 flows,
//! and the time of one step back from the end of that run. Before those, it prints the
//! trace's memory per record for 100 flows x 2,000 UDP datagrams through a DNAT.
//!
//! `cargo bench -p docknet-sim` (criterion prints elements/s = packets/s or events/s).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use docknet_sim::Sim;
use docknet_sim::scenario::{
    IfaceSpec, LinkSpec, NamespaceSpec, NsRole, ProcessSpec, Proto, Scenario, TrafficSpec,
};
use docknet_sim::trace::{Dir, TraceEvent, footprint};
use std::collections::BTreeMap;
use std::hint::black_box;

fn iface(name: &str, addr: Option<String>) -> IfaceSpec {
    IfaceSpec {
        name: name.into(),
        addrs: addr.into_iter().collect(),
        ..Default::default()
    }
}

/// A Docker-like host: `flows` laptop connections DNATed to a container, and as many
/// container connections MASQUERADEd out to a server.
fn nat_host(flows: u32) -> Scenario {
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
fn udp_dnat(flows: u32, count: u32) -> Scenario {
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
fn generated(bridges: u32, per_bridge: u32, flows: u32) -> Scenario {
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

/// The scenario's simulation, with limits no bench run reaches (the default event budget would
/// stop these runs part way).
fn built(sc: &Scenario) -> Sim {
    let mut sc = sc.clone();
    sc.limits.max_events = Some(1 << 40);
    sc.limits.max_time_ms = Some(1 << 40);
    Sim::from_scenario(&sc).unwrap_or_else(|p| panic!("bench scenario invalid: {p:?}"))
}

/// Run to the end, checking the run was not stopped by a limit.
fn finished(mut sim: Sim) -> Sim {
    sim.run_to_end();
    assert!(sim.halted().is_none(), "a bench run hit a limit");
    sim
}

/// Run the trace-size scenario and print its bytes per trace record.
fn report_trace_size() {
    let sim = finished(built(&udp_dnat(100, 2_000)));
    let fp = footprint(sim.trace());
    println!(
        "trace size (100 flows x 2,000 UDP datagrams via DNAT): {} records, {} inline + {} heap bytes, {:.1} bytes/record",
        fp.records,
        fp.inline_bytes,
        fp.heap_bytes,
        fp.bytes_per_record()
    );
}

/// Datagrams that reached the container (captured coming in on web's eth0): end to end, not
/// per hop.
fn delivered(sim: &Sim) -> u64 {
    sim.trace()
        .iter()
        .filter(|r| {
            matches!(&r.event, TraceEvent::Capture { ns, iface, dir: Dir::In, frame }
                if ns == "web" && iface == "eth0" && frame.ipv4().is_some())
        })
        .count() as u64
}

fn bench(c: &mut Criterion) {
    report_trace_size();

    // The run, with the full trace recorded: delivered datagrams per second.
    let udp = built(&udp_dnat(100, 2_000));
    let probe = finished(udp.clone());
    let mut g = c.benchmark_group("udp_dnat_100x2000_full_trace");
    g.throughput(Throughput::Elements(delivered(&probe)));
    g.sample_size(10);
    g.bench_function("delivered_packets", |b| {
        b.iter_batched(
            || udp.clone(),
            // Returned, so the trace is dropped outside the timing.
            |mut s| {
                s.run_to_end();
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
    drop(probe);
    let nat = built(&nat_host(100));
    let probe = finished(nat.clone());
    let packets = probe
        .trace()
        .iter()
        .filter(|r| matches!(&r.event, TraceEvent::Capture { dir: Dir::Out, frame, .. } if frame.ipv4().is_some()))
        .count() as u64;
    let mut g = c.benchmark_group("dnat_masquerade");
    g.throughput(Throughput::Elements(packets));
    g.sample_size(10);
    g.bench_function("packets", |b| {
        b.iter_batched(
            || nat.clone(),
            |mut s| {
                s.run_to_end();
                black_box(s.events_done())
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let big = built(&generated(20, 50, 10_000));
    let probe = finished(big.clone());
    let events = probe.events_done() as u64;
    let mut g = c.benchmark_group("generated_1000ns_20br_10000flows");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.bench_function("events", |b| {
        b.iter_batched(
            || big.clone(),
            |mut s| {
                s.run_to_end();
                black_box(s.events_done())
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    // One step back from the end of the big run, as a viewer does: with snapshots taken on
    // the way forward, it replays at most CHECKPOINT_EVERY events, not the whole run.
    let mut at_end = big.clone();
    at_end.rewind_to(usize::MAX);
    let total = at_end.events_done();
    let mut g = c.benchmark_group("step_back_generated_1000ns");
    g.sample_size(10);
    g.bench_function("one_event_back_from_the_end", |b| {
        b.iter_batched(
            || at_end.clone(),
            // Returned, so criterion drops the big state (and its trace) outside the timing.
            |mut s| {
                s.rewind_to(total - 1);
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
