//! Docker behaviours beyond the lessons: docker-proxy for loopback clients, hairpin NAT with
//! the userland proxy off, icc=false, internal networks, several networks per container.

mod common;
use common::{events, select};
use serde_json::Value;

/// An inline scenario, run to the end.
fn run_sim(text: &str) -> docknet_sim::Sim {
    let (_, mut sim) = docknet_sim::load("inline.ron", text).unwrap_or_else(|e| panic!("{e}"));
    sim.run_to_end();
    sim
}

fn run(text: &str) -> Vec<Value> {
    events(&run_sim(text))
}

fn says(ev: &[Value], ns: &str, needle: &str) -> bool {
    select(ev, "socket", &[("ns", ns)])
        .iter()
        .any(|e| e["what"].as_str().unwrap().contains(needle))
}

#[test]
fn loopback_clients_go_through_docker_proxy() {
    let ev = run(r#"DockerScenario(
        host: (services: []),
        commands: ["docker run -d --name web -p 8080:80 nginx"],
        traffic: [Tcp(from: "host", to: "127.0.0.1:8080", send: 20)],
    )"#);
    // nat OUTPUT skips 127.0.0.0/8, so the proxy accepts and opens a second connection.
    assert!(select(&ev, "nat", &[("kind", "DNAT")]).is_empty());
    let proxy: Vec<&str> = select(&ev, "socket", &[("process", "docker-proxy")])
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert!(
        proxy
            .iter()
            .any(|w| w.starts_with("accept connection from 127.0.0.1:")),
        "{proxy:?}"
    );
    assert!(
        proxy
            .iter()
            .any(|w| w.starts_with("connect 172.17.0.1:") && w.ends_with("-> 172.17.0.2:80")),
        "{proxy:?}"
    );
    assert!(
        says(&ev, "web", "accept connection from 172.17.0.1:"),
        "nginx sees the bridge gateway"
    );
    assert!(
        says(&ev, "host", "read 200 bytes"),
        "the reply is relayed back"
    );
}

#[test]
fn hairpin_nat_with_the_userland_proxy_off() {
    let ev = run(r#"DockerScenario(
        daemon: "--userland-proxy=false",
        commands: ["docker run -d --name web -p 8080:80 nginx"],
        traffic: [Tcp(from: "web", to: "10.12.91.17:8080", send: 30)],
    )"#);
    let masq = select(&ev, "rule", &[("ns", "host"), ("verdict", "MASQUERADE")]);
    assert_eq!(
        masq[0]["rule"],
        "-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE"
    );
    assert!(
        says(&ev, "web", "accept connection from 172.17.0.1:"),
        "the container reaches itself, seen from the gateway"
    );
    assert!(says(&ev, "web", "read 200 bytes"));
    assert!(
        select(&ev, "socket", &[("process", "docker-proxy")]).is_empty(),
        "no proxy runs"
    );
}

#[test]
fn icc_false_drops_traffic_between_containers_on_the_bridge() {
    let text = |icc: &str| {
        format!(
            r#"DockerScenario(
        platform: Linux(engine: "27.5"),
        daemon: "--icc={icc}",
        commands: ["docker run -d --name web nginx", "docker run -d --name client alpine"],
        traffic: [Tcp(from: "client", to: "172.17.0.2:80", send: 10)],
    )"#
        )
    };
    let blocked = run(&text("false"));
    let drops = select(&blocked, "drop", &[("ns", "host")]);
    assert!(
        !drops.is_empty(),
        "br_netfilter makes the bridged SYN cross FORWARD"
    );
    assert_eq!(
        drops[0]["reason"],
        "dropped by filter FORWARD rule `-A FORWARD -i docker0 -o docker0 -j DROP`"
    );
    assert!(says(&blocked, "client", "timed out"));
    let open = run(&text("true"));
    assert!(says(&open, "client", "read 200 bytes"));
}

#[test]
fn internal_networks_have_no_way_out_but_keep_names() {
    let ev = run(r#"DockerScenario(
        peers: [(name: "server", addr: "10.12.91.1/24", services: [Listen(proto: Tcp, port: 80)])],
        host: (nics: [(name: "eth1", addr: "10.12.91.17/24")], gateway: "10.12.91.1"),
        commands: [
            "docker network create --internal backend",
            "docker run -d --name db --network backend redis",
            "docker run -d --name worker --network backend alpine",
        ],
        traffic: [
            Tcp(from: "worker", to: "db:6379", send: 10),
            Tcp(from: "worker", to: "10.12.91.1:80", send: 10, at_ms: 100),
        ],
    )"#);
    assert!(
        says(&ev, "worker", "resolved db -> "),
        "the embedded DNS still answers"
    );
    assert!(
        says(&ev, "worker", "read 200 bytes"),
        "and db is reachable on the network"
    );
    assert!(
        says(&ev, "worker", "Network is unreachable"),
        "no default route on an internal network"
    );
}

#[test]
fn a_container_on_two_networks_reaches_both() {
    let ev = run(r#"DockerScenario(
        commands: [
            "docker network create front",
            "docker network create back",
            "docker run -d --name db --network back redis",
            "docker run -d --name web --network front nginx",
            "docker run -d --name api --network front alpine",
            "docker network connect back api",
        ],
        traffic: [Tcp(from: "api", to: "db:6379", send: 10), Tcp(from: "api", to: "web:80", send: 10, at_ms: 50)],
    )"#);
    assert!(says(&ev, "api", "resolved db -> 172.19.0.2"));
    assert!(says(&ev, "api", "resolved web -> 172.18.0.2"));
    let reads = select(&ev, "socket", &[("ns", "api")])
        .iter()
        .filter(|e| e["what"] == "read 200 bytes")
        .count();
    assert_eq!(reads, 2);
}

#[test]
fn the_embedded_dns_forwards_other_names_to_the_hosts_resolver() {
    let ev = run(r#"DockerScenario(
        host: (nics: [(name: "eth1", addr: "10.12.91.17/24")], nameserver: "10.12.91.1"),
        peers: [(name: "router", addr: "10.12.91.1/24", services: [Dns(records: {"example.com": "93.184.215.14"})])],
        commands: ["docker network create appnet", "docker run -d --name api --network appnet alpine"],
        traffic: [Ping(from: "api", to: "example.com")],
    )"#);
    assert!(
        says(&ev, "api", "not ours, forwarded to 10.12.91.1:53"),
        "the resolver in api's namespace forwards"
    );
    let at_router = select(
        &ev,
        "capture",
        &[("ns", "router"), ("dir", "in"), ("proto", "udp")],
    );
    assert_eq!(
        at_router[0]["src"], "10.12.91.17",
        "the forwarded query is masqueraded like any container traffic"
    );
    assert!(says(&ev, "api", "resolved example.com -> 93.184.215.14"));
}

/// Where a container sends its DNS query, as captured on its eth0.
fn dns_server_asked(ev: &[Value], ns: &str) -> Option<String> {
    select(
        ev,
        "capture",
        &[("ns", ns), ("iface", "eth0"), ("dir", "out")],
    )
    .iter()
    .find(|e| e["dport"] == 53)
    .map(|e| e["dst"].as_str().unwrap_or_default().to_string())
}

#[test]
fn without_a_usable_host_nameserver_docker_falls_back_to_google_dns() {
    // Only systemd-resolved's loopback stub on the host: a default-bridge container cannot use
    // it, so Docker writes 8.8.8.8 into its resolv.conf (moby TransformForLegacyNw).
    let scenario = |ns: &str| {
        format!(
            r#"DockerScenario(
                host: (nics: [(name: "eth1", addr: "10.12.91.17/24")], gateway: "10.12.91.1"{ns}),
                commands: ["docker run -d --name app alpine", "docker run -d --name own --dns 10.12.91.53 alpine"],
                traffic: [Ping(from: "app", to: "example.com"), Ping(from: "own", to: "example.com", at_ms: 50)],
            )"#
        )
    };
    for host_ns in [", nameserver: \"127.0.0.53\"", ""] {
        let ev = run(&scenario(host_ns));
        assert_eq!(
            dns_server_asked(&ev, "app").as_deref(),
            Some("8.8.8.8"),
            "{host_ns}"
        );
        assert_eq!(
            dns_server_asked(&ev, "own").as_deref(),
            Some("10.12.91.53"),
            "--dns is kept as given"
        );
    }
    // A usable host nameserver is copied as it is.
    let ev = run(&scenario(", nameserver: \"10.12.91.1\""));
    assert_eq!(dns_server_asked(&ev, "app").as_deref(), Some("10.12.91.1"));
    // On a user-defined network with no host nameserver, the embedded DNS forwards to 8.8.8.8.
    let ev = run(r#"DockerScenario(
        host: (nics: [(name: "eth1", addr: "10.12.91.17/24")], gateway: "10.12.91.1"),
        commands: ["docker network create appnet", "docker run -d --name api --network appnet alpine"],
        traffic: [Ping(from: "api", to: "example.com")],
    )"#);
    assert!(says(&ev, "api", "not ours, forwarded to 8.8.8.8:53"));
}

#[test]
fn desktop_published_ports_and_outbound_traffic_leave_from_the_mac() {
    let ev = run(r#"DockerScenario(
        platform: DesktopMac(release: "current"),
        host: (nics: [(name: "en0", addr: "192.168.1.20/24")]),
        peers: [(name: "laptop", addr: "192.168.1.30/24", services: [Listen(proto: Tcp, port: 80, reply: 50)])],
        commands: ["docker run -d --name web -p 8080:80 nginx"],
        traffic: [
            Tcp(from: "laptop", to: "192.168.1.20:8080", send: 20),
            Tcp(from: "web", to: "192.168.1.30:80", send: 20, at_ms: 100),
        ],
    )"#);
    // In: the backend on the Mac accepts and connects into the VM, where Docker's DNAT runs.
    let backend: Vec<&str> = select(
        &ev,
        "socket",
        &[("ns", "mac"), ("process", "com.docker.backend")],
    )
    .iter()
    .map(|e| e["what"].as_str().unwrap())
    .collect();
    assert!(
        backend
            .iter()
            .any(|w| w.starts_with("accept connection from 192.168.1.30:")),
        "{backend:?}"
    );
    assert!(
        backend.iter().any(|w| w.ends_with("-> 192.168.65.3:8080")),
        "{backend:?}"
    );
    assert!(!select(&ev, "nat", &[("ns", "vm"), ("kind", "DNAT")]).is_empty());
    assert!(says(&ev, "laptop", "read 200 bytes"));
    // Out: the laptop sees the Mac's address, never the VM's or the container's.
    assert!(says(&ev, "laptop", "accept connection from 192.168.1.20:"));
    assert!(says(&ev, "web", "read 50 bytes"));
}

#[test]
fn containers_reach_published_ports_through_docker_proxy() {
    let ev = run(r#"DockerScenario(
        platform: Linux(engine: "28.5"),
        commands: ["docker run -d --name web -p 8080:80 nginx", "docker run -d --name client alpine"],
        traffic: [Tcp(from: "client", to: "10.12.91.17:8080", send: 20)],
    )"#);
    let rule = select(
        &ev,
        "rule",
        &[("ns", "host"), ("chain", "DOCKER"), ("verdict", "RETURN")],
    );
    assert_eq!(
        rule[0]["rule"], "-A DOCKER -i docker0 -j RETURN",
        "no DNAT for traffic from the bridge"
    );
    assert!(
        says(&ev, "host", "accept connection from 172.17.0.3:"),
        "docker-proxy accepts the container"
    );
    assert!(
        says(&ev, "web", "accept connection from 172.17.0.1:"),
        "and connects from the gateway"
    );
    assert!(says(&ev, "client", "read 200 bytes"));
}

#[test]
fn engine_29_dnats_a_container_on_another_network_to_the_published_port() {
    // 29.x has no "skip DNAT" RETURN: only the DNAT rule's own `! -i br-...` keeps the
    // publishing network's containers out, so a container on the default bridge is DNATed
    // straight to web and FORWARD's DOCKER ACCEPT lets it in; no docker-proxy. (28.5 sends
    // it to docker-proxy: `-A DOCKER -i docker0 -j RETURN`.)
    let ev = run(r#"DockerScenario(
        platform: Linux(engine: "29.7"),
        commands: [
            "docker network create appnet",
            "docker run -d --name web --network appnet -p 8080:80 nginx",
            "docker run -d --name client alpine",
        ],
        traffic: [Tcp(from: "client", to: "10.12.91.17:8080", send: 20)],
    )"#);
    assert!(!select(&ev, "nat", &[("ns", "host"), ("kind", "DNAT")]).is_empty());
    assert!(
        !says(&ev, "host", "accept connection from 172.17.0.2:"),
        "docker-proxy is not involved"
    );
    assert!(
        says(&ev, "web", "accept connection from 172.18.0.1:"),
        "docker0's MASQUERADE rule rewrites it as it leaves through appnet's bridge"
    );
    assert!(says(&ev, "client", "read 200 bytes"));
}

#[test]
fn a_server_on_the_internet_is_reached_through_the_lans_gateway() {
    let ev = run(r#"DockerScenario(
        host: (nics: [(name: "eth1", addr: "10.12.91.17/24")], gateway: "10.12.91.1"),
        peers: [
            (name: "laptop", addr: "10.12.91.50/24"),
            (name: "example", addr: "93.184.215.14/24", services: [Listen(proto: Tcp, port: 80, reply: 300)]),
        ],
        commands: ["docker run -d --name app alpine"],
        traffic: [Tcp(from: "app", to: "93.184.215.14:80", send: 40)],
    )"#);
    // Two NATs, as at home: Docker's MASQUERADE on the host, then the router's.
    let masq: Vec<&str> = select(&ev, "nat", &[("kind", "MASQUERADE")])
        .iter()
        .map(|e| e["ns"].as_str().unwrap())
        .collect();
    assert_eq!(&masq[..2], ["host", "gateway"]);
    assert!(
        says(&ev, "example", "accept connection from 93.184.215.1:"),
        "the server sees the router's WAN address"
    );
    assert!(says(&ev, "app", "read 300 bytes"));
}

#[test]
fn an_internet_peer_needs_a_gateway() {
    let err = docknet_sim::load(
        "nogw.ron",
        r#"DockerScenario(
    peers: [(name: "example", addr: "93.184.215.14/24")],
)"#,
    )
    .expect_err("rejected");
    let text = err.to_string();
    assert!(text.starts_with("nogw.ron:2:"), "{text}");
    assert!(
        text.contains("is not on the host's LAN and the host has no gateway"),
        "{text}"
    );
}

fn compiled(commands: &[&str]) -> docknet_sim::docker::Compiled {
    let sc = docknet_sim::docker::DockerScenario {
        commands: commands.iter().map(|c| c.to_string()).collect(),
        ..ron::from_str("DockerScenario()").expect("empty scenario")
    };
    match docknet_sim::docker::compile(&sc) {
        Ok(c) => c,
        Err(p) => panic!("{commands:?}: {p:?}"),
    }
}

fn inventory(commands: &[&str]) -> docknet_sim::docker::Inventory {
    compiled(commands).inventory
}

/// The compiled namespace named `name`.
fn namespace<'a>(
    c: &'a docknet_sim::docker::Compiled,
    name: &str,
) -> &'a docknet_sim::scenario::NamespaceSpec {
    c.scenario
        .namespaces
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("no namespace {name}"))
}

/// Container `name`'s address on network `net`.
fn address_on(c: &docknet_sim::docker::Compiled, name: &str, net: &str) -> String {
    let ct = c
        .inventory
        .containers
        .iter()
        .find(|x| x.name == name)
        .expect(name);
    let ep = ct.endpoints.iter().find(|e| e.0 == net).expect(net);
    ep.1.to_string()
}

fn address_of(inv: &docknet_sim::docker::Inventory, name: &str) -> String {
    let c = inv.containers.iter().find(|c| c.name == name).expect(name);
    c.endpoints[0].1.to_string()
}

#[test]
fn a_stopped_container_releases_its_address_and_port_and_gets_new_ones_on_start() {
    let inv = inventory(&[
        "docker run -d --name web -p 8080:80 nginx",
        "docker stop web",
        "docker run -d --name api -p 8080:80 nginx",
    ]);
    let names: Vec<&str> = inv.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["api"], "docker ps lists only running containers");
    assert_eq!(
        address_of(&inv, "api"),
        "172.17.0.2",
        "web's address was freed"
    );
    assert_eq!(inv.containers[0].ports, ["0.0.0.0:8080->80/tcp"]);

    // Started again, web rejoins the bridge at the lowest free address.
    let inv = inventory(&[
        "docker run -d --name web -p 8080:80 nginx",
        "docker stop web",
        "docker run -d --name api nginx",
        "docker start web",
    ]);
    assert_eq!(address_of(&inv, "api"), "172.17.0.2");
    assert_eq!(address_of(&inv, "web"), "172.17.0.3");
    let web = inv.containers.iter().find(|c| c.name == "web").unwrap();
    assert_eq!(
        web.ports,
        ["0.0.0.0:8080->80/tcp"],
        "ports are published again"
    );

    // --ip survives a restart; docker rm -f frees the name for a new container.
    let inv = inventory(&[
        "docker network create --subnet 10.9.0.0/24 app",
        "docker run -d --name db --network app --ip 10.9.0.50 redis",
        "docker restart db",
        "docker rm -f db",
        "docker run -d --name db --network app redis",
    ]);
    assert_eq!(address_of(&inv, "db"), "10.9.0.2");
    let inv = inventory(&[
        "docker network create --subnet 10.9.0.0/24 app",
        "docker run -d --name db --network app --ip 10.9.0.50 redis",
        "docker run -d --name other --network app redis",
        "docker restart db",
    ]);
    assert_eq!(address_of(&inv, "db"), "10.9.0.50");
}

#[test]
fn removing_a_published_container_removes_its_rules_and_the_port_refuses() {
    let text = |extra: &str| {
        format!(
            r#"DockerScenario(
        host: (services: []),
        peers: [(name: "laptop", addr: "10.12.91.66/24")],
        commands: ["docker run -d --name web -p 8080:80 nginx", {extra}],
        traffic: [Tcp(from: "laptop", to: "10.12.91.17:8080", send: 20)],
    )"#
        )
    };
    let ev = run(&text(""));
    assert!(!select(&ev, "nat", &[("kind", "DNAT")]).is_empty());
    assert!(says(&ev, "web", "read 20 bytes"));

    let ev = run(&text(r#""docker rm -f web""#));
    assert!(
        select(&ev, "nat", &[("kind", "DNAT")]).is_empty(),
        "the DNAT rule left with the container"
    );
    assert!(
        select(&ev, "rule", &[("ns", "host")])
            .iter()
            .all(|r| !r["rule"].as_str().unwrap_or("").contains("8080")),
        "no rule mentions the port"
    );
    assert!(
        says(&ev, "laptop", "refused"),
        "nothing listens on 8080 any more: the host answers RST"
    );
}

#[test]
fn run_rm_containers_vanish_when_stopped_and_signals_that_do_not_end_the_process_change_nothing() {
    // `--rm`: stopping removes it, so its name is free again.
    let inv = inventory(&[
        "docker run -d --rm --name job busybox",
        "docker stop job",
        "docker run -d --name job busybox",
    ]);
    assert_eq!(inv.containers.len(), 1);
    assert!(inv.stopped.is_empty(), "{:?}", inv.stopped);
    // A restart keeps it.
    let inv = inventory(&[
        "docker run -d --rm --name job busybox",
        "docker restart job",
    ]);
    assert_eq!(inv.containers[0].name, "job");

    // `kill -s HUP` (an nginx reload) leaves it on its network; plain `kill` stops it.
    let inv = inventory(&["docker run -d --name web nginx", "docker kill -s HUP web"]);
    assert_eq!(address_of(&inv, "web"), "172.17.0.2");
    let inv = inventory(&["docker run -d --name web nginx", "docker kill web"]);
    assert!(inv.containers.is_empty());
    assert_eq!(inv.stopped[0].name, "web");
}

#[test]
fn a_network_mtu_sets_the_mss_its_containers_offer() {
    let sim = run_sim(
        r#"DockerScenario(
        commands: [
            "docker network create -o com.docker.network.driver.mtu=1450 app",
            "docker run -d --name web --network app nginx",
            "docker run -d --name cli --network app busybox",
        ],
        traffic: [Tcp(from: "cli", to: "web:80", send: 20)],
    )"#,
    );
    let lines = docknet_sim::format::tcpdump::Tcpdump::lines(sim.timed_trace(), None);
    for flags in ["Flags [S],", "Flags [S.],"] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(flags) && l.contains("options [mss 1410,")),
            "{flags} with MSS 1450 - 40: {lines:#?}"
        );
    }
    let web = sim.net.ns_by_name("web").unwrap();
    assert!(docknet_sim::format::show::addr(&sim.net, web).contains("mtu 1450"));
}

#[test]
fn containers_are_found_by_id_or_a_unique_id_prefix() {
    let first = [
        "docker network create appnet",
        "docker run -d --name web nginx",
    ];
    let id = inventory(&first).containers[0].id.clone();
    let by_prefix = format!("docker network connect appnet {}", &id[..5]);
    let side = format!("docker run -d --name side --network container:{id} alpine");
    let inv = inventory(&[first[0], first[1], &by_prefix, &side]);
    let web = inv
        .containers
        .iter()
        .find(|c| c.name == "web")
        .expect("web");
    assert_eq!(web.endpoints.len(), 2, "connected by id prefix: {web:?}");
    let side = inv
        .containers
        .iter()
        .find(|c| c.name == "side")
        .expect("side");
    assert_eq!(side.mode, "container:web");
}

#[test]
fn the_gateway_endpoint_moves_to_the_network_that_sorts_first() {
    let compiled = compiled(&[
        "docker network create zeta",
        "docker network create alpha",
        "docker run -d --name api --network zeta -p 8080:80 nginx",
        "docker network connect alpha api",
    ]);
    let api = &compiled.inventory.containers[0];
    assert_eq!(api.ports, ["0.0.0.0:8080->80/tcp"]);
    let alpha_ip = api
        .endpoints
        .iter()
        .find(|e| e.0 == "alpha")
        .expect("alpha")
        .1;
    let host = &compiled.scenario.namespaces[0];
    assert!(
        host.iptables
            .contains(&format!("--to-destination {alpha_ip}:80")),
        "DNAT to the alpha address:\n{}",
        host.iptables
    );
    let ns = compiled
        .scenario
        .namespaces
        .iter()
        .find(|n| n.name == "api")
        .expect("api");
    assert_eq!(ns.routes, ["default via 172.19.0.1"]);
    let ifaces: Vec<&str> = ns.interfaces.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(ifaces, ["eth0", "eth1"]);
}

#[test]
fn a_higher_gw_priority_takes_the_default_route_and_the_published_ports() {
    let first = compiled(&[
        "docker network create alpha",
        "docker network create zeta",
        "docker run -d --name api --network alpha -p 8080:80 nginx",
        "docker network connect --gw-priority 10 zeta api",
    ]);
    let zeta_ip = address_on(&first, "api", "zeta");
    let host = &first.scenario.namespaces[0];
    assert!(
        host.iptables
            .contains(&format!("--to-destination {zeta_ip}:80")),
        "DNAT to zeta, the higher priority, although alpha sorts first by name:\n{}",
        host.iptables
    );
    assert_eq!(namespace(&first, "api").routes, ["default via 172.19.0.1"]);
    // A negative priority loses to the default 0, whatever the names.
    let second = compiled(&[
        "docker network create alpha",
        "docker network create zeta",
        "docker run -d --name api --network zeta alpine",
        "docker network connect --gw-priority -1 alpha api",
    ]);
    assert_eq!(
        namespace(&second, "api").routes,
        ["default via 172.19.0.1"],
        "zeta keeps it"
    );
}

#[test]
fn gw_priority_before_engine_28_is_refused_with_the_version_it_needs() {
    let sc = r#"DockerScenario(platform: Linux(engine: "27.5"), commands: [
        "docker network create one", "docker run -d --name api --network one alpine",
        "docker network connect --gw-priority 5 bridge api"])"#;
    let sc: docknet_sim::docker::DockerScenario = ron::from_str(sc).expect("scenario");
    let problems = docknet_sim::docker::compile(&sc).expect_err("refused");
    let err = format!("{problems:?}");
    assert!(
        err.contains("--gw-priority needs Engine 28.0 or later") && err.contains("27.5"),
        "{err}"
    );
}

#[test]
fn an_interface_added_after_a_disconnect_is_named_as_the_engine_names_it() {
    let names = |engine: &str| {
        let sc = format!(
            r#"DockerScenario(platform: Linux(engine: "{engine}"), commands: [
                "docker network create one", "docker network create two",
                "docker run -d --name api --network one alpine",
                "docker network connect two api", "docker network disconnect two api",
                "docker network connect bridge api"])"#
        );
        let sc: docknet_sim::docker::DockerScenario = ron::from_str(&sc).expect("scenario");
        let c = docknet_sim::docker::compile(&sc).expect("compiles");
        let ns = c
            .scenario
            .namespaces
            .iter()
            .find(|n| n.name == "api")
            .expect("api");
        ns.interfaces
            .iter()
            .map(|i| i.name.clone())
            .collect::<Vec<_>>()
    };
    // Up to 27.x a counter (dockerd 20.10.24 names it eth2); from 28.0 the lowest free.
    assert_eq!(names("20.10"), ["eth0", "eth2"]);
    assert_eq!(names("29.7"), ["eth0", "eth1"]);
}

#[test]
fn the_embedded_dns_asks_the_networks_in_endpoint_order_not_join_order() {
    let c = compiled(&[
        "docker network create zeta",
        "docker network create alpha",
        "docker run -d --name z1 --network zeta --network-alias svc nginx",
        "docker run -d --name a1 --network alpha --network-alias svc nginx",
        "docker run -d --name cli --network zeta alpine",
        "docker network connect alpha cli",
    ]);
    let a1 = address_on(&c, "a1", "alpha");
    let records = namespace(&c, "cli")
        .processes
        .iter()
        .find_map(|p| match p {
            docknet_sim::scenario::ProcessSpec::Dns { records, .. } => Some(records.clone()),
            _ => None,
        })
        .expect("the embedded DNS");
    assert_eq!(records["svc"], a1, "alpha sorts before zeta: {records:?}");
}

#[test]
fn a_second_host_mode_server_on_a_taken_port_exits_instead_of_failing_the_scenario() {
    let c = compiled(&[
        "docker run -d --name blue --network host nginx",
        "docker run -d --name green --network host nginx",
        "docker run -d --name teal --network host redis",
    ]);
    let running: Vec<&str> = c
        .inventory
        .containers
        .iter()
        .map(|x| x.name.as_str())
        .collect();
    assert_eq!(running, ["blue", "teal"], "redis's 6379 is free");
    assert_eq!(c.inventory.stopped[0].name, "green");
}
