//! The Docker lessons: what a learner should take away from each, asserted on the JSONL
//! trace (the same objects `docknet trace --format jsonl` prints).

mod common;
use common::{events, run_lesson, select};
use docknet_sim::Sim;
use docknet_sim::format::show::{View, view};

fn run_text(text: &str) -> Sim {
    let (_, mut sim) = docknet_sim::load("inline.ron", text).unwrap_or_else(|e| panic!("{e}"));
    sim.run_to_end();
    sim
}

fn lesson_text(rel: &str) -> String {
    std::fs::read_to_string(common::scenarios_dir().join(rel)).unwrap()
}

fn socket_says(ev: &[serde_json::Value], ns: &str, needle: &str) -> bool {
    select(ev, "socket", &[("ns", ns)])
        .iter()
        .any(|e| e["what"].as_str().unwrap().contains(needle))
}

#[test]
fn iptables_save_matches_the_reference_for_each_engine_layout() {
    let scenario = |engine: &str| {
        format!(
            "DockerScenario(platform: Linux(engine: \"{engine}\"), commands: [\"docker run -d --name web -p 8080:80 nginx\"])"
        )
    };
    let rules = |engine: &str| {
        let (_, sim) = docknet_sim::load("p.ron", &scenario(engine)).unwrap();
        let host = sim.net.ns_by_name("host").unwrap();
        view(&sim.net, host, View::IptablesSave, sim.now())
    };
    let old = rules("27.5");
    let old_lines: Vec<&str> = old.lines().filter(|l| l.starts_with("-A")).collect();
    assert_eq!(
        old_lines,
        [
            "-A FORWARD -j DOCKER-USER",
            "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
            "-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-A FORWARD -o docker0 -j DOCKER",
            "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT",
            "-A FORWARD -i docker0 -o docker0 -j ACCEPT",
            "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
            "-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2",
            "-A DOCKER-ISOLATION-STAGE-1 -j RETURN",
            "-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP",
            "-A DOCKER-ISOLATION-STAGE-2 -j RETURN",
            "-A DOCKER-USER -j RETURN",
            "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
            "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
            "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
            "-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE",
            "-A DOCKER -i docker0 -j RETURN",
            "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
        ]
    );
    assert!(old.contains(":FORWARD DROP [0:0]") && !old.contains("*raw"));
    let new = rules("28.5");
    let new_lines: Vec<&str> = new.lines().filter(|l| l.starts_with("-A")).collect();
    assert_eq!(
        new_lines,
        [
            "-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP",
            "-A FORWARD -j DOCKER-USER",
            "-A FORWARD -j DOCKER-FORWARD",
            "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
            "-A DOCKER ! -i docker0 -o docker0 -j DROP",
            "-A DOCKER-BRIDGE -o docker0 -j DOCKER",
            "-A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-A DOCKER-FORWARD -j DOCKER-CT",
            "-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1",
            "-A DOCKER-FORWARD -j DOCKER-BRIDGE",
            "-A DOCKER-FORWARD -i docker0 -j ACCEPT",
            "-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2",
            "-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP",
            "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
            "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
            "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
            "-A DOCKER -i docker0 -j RETURN",
            "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
        ]
    );
}

#[test]
fn compiled_topology_uses_dockers_names_and_addresses() {
    let sim = run_lesson("modes/user-defined.ron");
    let host = sim.net.ns_by_name("host").unwrap();
    let addr = view(&sim.net, host, View::Addr, sim.now());
    assert!(
        addr.contains("inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0"),
        "{addr}"
    );
    assert!(
        addr.contains("inet 172.18.0.1/16 brd 172.18.255.255 scope global br-"),
        "{addr}"
    );
    let names: Vec<String> = sim
        .net
        .ns(host)
        .ifaces()
        .iter()
        .map(|&i| sim.net.iface(i).name().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n.len() == 15 && n.starts_with("br-")),
        "br-<12 hex>: {names:?}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| n.len() == 11 && n.starts_with("veth"))
            .count(),
        3,
        "veth<7 hex>: {names:?}"
    );
    // Lowest free address: db came first on appnet.
    let db = view(
        &sim.net,
        sim.net.ns_by_name("db").unwrap(),
        View::Addr,
        sim.now(),
    );
    assert!(db.contains("inet 172.18.0.2/16"), "{db}");
    let api = view(
        &sim.net,
        sim.net.ns_by_name("api").unwrap(),
        View::Route,
        sim.now(),
    );
    assert!(api.starts_with("default via 172.18.0.1 dev eth0"), "{api}");
}

#[test]
fn container_macs_follow_the_engine_version() {
    let text = |engine: &str| {
        format!(
            "DockerScenario(platform: Linux(engine: \"{engine}\"), commands: [\"docker run -d --name web nginx\"])"
        )
    };
    let mac = |engine: &str| {
        let (_, sim) = docknet_sim::load("m.ron", &text(engine)).unwrap();
        let web = sim.net.ns_by_name("web").unwrap();
        let eth0 = sim.net.iface_by_name(web, "eth0").unwrap();
        sim.net.iface(eth0).mac().to_string()
    };
    assert_eq!(
        mac("27.5"),
        "02:42:ac:11:00:02",
        "02:42 + the IPv4 address before 28"
    );
    let new = mac("28.5");
    assert!(!new.starts_with("02:42:ac:11"), "random from 28: {new}");
    let first = u8::from_str_radix(&new[..2], 16).unwrap();
    assert_eq!(first & 0b11, 0b10, "locally administered, unicast: {new}");
}

#[test]
fn outside_to_container_is_dnated_and_un_dnated() {
    // The app's first lesson (it was also shipped as nat/outside-to-container-dnat).
    let sim = run_lesson("default.ron");
    let ev = events(&sim);
    let rule = select(
        &ev,
        "rule",
        &[
            ("ns", "host"),
            ("table", "nat"),
            ("chain", "DOCKER"),
            ("verdict", "DNAT to 172.17.0.2:80"),
        ],
    );
    assert_eq!(
        rule[0]["rule"],
        "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"
    );
    let at_web = select(
        &ev,
        "capture",
        &[("ns", "web"), ("dir", "in"), ("tcp_flags", "S")],
    );
    assert_eq!(
        at_web[0]["src"], "10.12.91.1",
        "nginx sees the laptop's real address"
    );
    let at_laptop = select(
        &ev,
        "capture",
        &[("ns", "laptop"), ("dir", "in"), ("proto", "tcp")],
    );
    assert!(!at_laptop.is_empty());
    assert!(
        at_laptop
            .iter()
            .all(|e| e["src"] == "10.12.91.17" && e["sport"] == 8080),
        "the laptop only sees 10.12.91.17:8080"
    );
    assert!(socket_says(&ev, "laptop", "read 200 bytes"));
    assert!(!select(&ev, "conntrack", &[("ns", "host"), ("change", "new")]).is_empty());
}

#[test]
fn container_to_outside_is_masqueraded() {
    let sim = run_lesson("nat/container-to-outside-snat.ron");
    let ev = events(&sim);
    let masq = select(
        &ev,
        "rule",
        &[("ns", "host"), ("table", "nat"), ("verdict", "MASQUERADE")],
    );
    assert_eq!(
        masq[0]["rule"],
        "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"
    );
    let at_server = select(
        &ev,
        "capture",
        &[("ns", "server"), ("dir", "in"), ("proto", "tcp")],
    );
    assert!(
        at_server.iter().all(|e| e["src"] == "10.12.91.17"),
        "the server sees the host, never 172.17.0.2"
    );
    assert!(!select(&ev, "nat", &[("ns", "host"), ("kind", "un-SNAT")]).is_empty());
    assert!(socket_says(&ev, "app", "read 400 bytes"));
}

#[test]
fn none_mode_has_only_loopback_and_cannot_reach_anything() {
    let sim = run_lesson("modes/none.ron");
    let batch = sim.net.ns_by_name("batch").unwrap();
    let names: Vec<&str> = sim
        .net
        .ns(batch)
        .ifaces()
        .iter()
        .map(|&i| sim.net.iface(i).name())
        .collect();
    assert_eq!(names, ["lo"]);
    assert_eq!(
        view(&sim.net, batch, View::Route, sim.now()),
        "",
        "no routes at all"
    );
    let ev = events(&sim);
    assert!(
        socket_says(&ev, "batch", "Network is unreachable"),
        "the ping fails before leaving"
    );
    assert!(select(&ev, "capture", &[("ns", "batch"), ("iface", "eth0")]).is_empty());
    assert!(
        socket_says(&ev, "batch", "64 bytes from 127.0.0.1"),
        "loopback still works"
    );
}

#[test]
fn default_bridge_reaches_by_address_but_cannot_resolve_names() {
    let sim = run_lesson("modes/bridge.ron");
    let ev = events(&sim);
    assert!(
        socket_says(&ev, "client", "read 200 bytes"),
        "by address it works"
    );
    assert!(
        socket_says(&ev, "client", "could not resolve host web: NXDOMAIN"),
        "by name it does not"
    );
    let flood = select(
        &ev,
        "bridge",
        &[("ns", "host"), ("bridge", "docker0"), ("action", "flood")],
    );
    assert!(!flood.is_empty(), "the first ARP is flooded on docker0");
}

#[test]
fn host_mode_uses_the_hosts_stack() {
    let sim = run_lesson("modes/host.ron");
    assert!(
        sim.net.ns_by_name("monitor").is_none(),
        "no namespace of its own"
    );
    let ev = events(&sim);
    assert!(select(&ev, "nat", &[]).is_empty(), "no NAT is involved");
    assert!(socket_says(
        &ev,
        "host",
        "accept connection from 10.12.91.1:41000"
    ));
}

#[test]
fn container_mode_shares_the_namespace() {
    let sim = run_lesson("modes/container.ron");
    assert!(sim.net.ns_by_name("sidecar").is_none());
    let ev = events(&sim);
    let on_lo = select(&ev, "capture", &[("ns", "web"), ("iface", "lo")]);
    assert!(!on_lo.is_empty() && on_lo.iter().all(|e| e["dst"] == "127.0.0.1"));
    assert!(
        select(
            &ev,
            "capture",
            &[("ns", "web"), ("iface", "eth0"), ("proto", "tcp")]
        )
        .is_empty()
    );
    assert!(socket_says(&ev, "web", "read 200 bytes"));
}

#[test]
fn user_networks_resolve_names_and_are_isolated() {
    let sim = run_lesson("modes/user-defined.ron");
    let ev = events(&sim);
    let dnat = select(&ev, "nat", &[("ns", "api"), ("kind", "DNAT")]);
    assert_eq!(
        dnat[0]["before"], "127.0.0.11:53",
        "the query to the embedded DNS is DNATed to its real port"
    );
    assert!(socket_says(&ev, "api", "resolved db -> 172.18.0.2"));
    assert!(socket_says(&ev, "api", "read 200 bytes"));
    assert!(
        socket_says(&ev, "legacy", "Connection timed out"),
        "the other network cannot reach db"
    );
    let drop = select(&ev, "drop", &[("ns", "host")]);
    assert!(
        drop[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("dropped by raw PREROUTING rule `-A PREROUTING -d 172.18.0.2/32 ! -i br-")
    );
    // api -> db is bridged port to port: the narration says so, not that the host receives it.
    let story = docknet_sim::format::explain::text(sim.timed_trace());
    let forwarded = story
        .lines()
        .filter(|l| l.contains("forwards it port to port (a capture on br-"))
        .count();
    assert!(forwarded >= 6, "{story}");
    // With Engine 27 the same packet dies in the isolation chains instead.
    let old = run_text(&lesson_text("modes/user-defined.ron").replace("28.5", "27.5"));
    let ev = events(&old);
    let drop = select(&ev, "drop", &[("ns", "host")]);
    assert!(
        drop[0]["reason"].as_str().unwrap().starts_with(
            "dropped by filter DOCKER-ISOLATION-STAGE-2 rule `-A DOCKER-ISOLATION-STAGE-2 -o br-"
        ),
        "{}",
        drop[0]
    );
}

#[test]
fn linux_host_service_via_the_docker0_gateway() {
    let sim = run_lesson("host-access/linux-docker0-gateway.ron");
    let ev = events(&sim);
    assert!(
        socket_says(&ev, "host", "accept connection from 172.17.0.2:"),
        "postgres sees the container"
    );
    assert!(
        select(&ev, "hook", &[("ns", "host"), ("hook", "FORWARD")]).is_empty(),
        "INPUT, not FORWARD"
    );
    assert!(!select(&ev, "hook", &[("ns", "host"), ("hook", "INPUT")]).is_empty());
}

#[test]
fn linux_host_docker_internal_exists_only_with_add_host_host_gateway() {
    let sim = run_lesson("host-access/linux-host-gateway.ron");
    let ev = events(&sim);
    assert!(
        socket_says(&ev, "host", "accept connection from 172.17.0.2:"),
        "app reaches postgres through host-gateway (docker0's 172.17.0.1)"
    );
    assert!(
        socket_says(
            &ev,
            "plain",
            "could not resolve host host.docker.internal: NXDOMAIN"
        ),
        "without --add-host the name does not exist"
    );
    assert!(
        !socket_says(&ev, "host", "accept connection from 172.17.0.3:"),
        "plain never reaches the host"
    );
}

#[test]
fn linux_host_mode_reaches_the_service_on_loopback() {
    let sim = run_lesson("host-access/linux-host-mode.ron");
    let ev = events(&sim);
    assert!(socket_says(
        &ev,
        "host",
        "accept connection from 127.0.0.1:"
    ));
    assert!(select(&ev, "capture", &[("iface", "docker0")]).is_empty());
}

#[test]
fn desktop_reaches_the_mac_through_the_backend() {
    let sim = run_lesson("host-access/desktop-mac-host-docker-internal.ron");
    let ev = events(&sim);
    assert!(socket_says(
        &ev,
        "app",
        "resolved host.docker.internal -> 192.168.65.254"
    ));
    let accepts: Vec<&str> = select(&ev, "socket", &[("ns", "mac")])
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .filter(|w| w.starts_with("accept connection"))
        .collect();
    assert_eq!(
        accepts.len(),
        2,
        "two connections: container -> backend, backend -> postgres: {accepts:?}"
    );
    assert!(
        accepts[0].contains("192.168.65.3"),
        "the VM's address, after MASQUERADE: {accepts:?}"
    );
    assert!(
        accepts[1].contains("127.0.0.1"),
        "postgres sees the backend on the Mac: {accepts:?}"
    );
    assert!(socket_says(&ev, "app", "read 120 bytes"));
    // 172.17.0.1 is the VM's docker0, not the Mac: nothing listens there.
    let via_gateway = lesson_text("host-access/desktop-mac-host-docker-internal.ron")
        .replace("host.docker.internal:5432", "172.17.0.1:5432");
    let ev = events(&run_text(&via_gateway));
    assert!(
        socket_says(&ev, "app", "Connection refused"),
        "172.17.0.1 reaches the VM, where nothing listens on 5432"
    );
}

#[test]
fn desktop_host_names_depend_on_the_release() {
    let lesson = lesson_text("host-access/desktop-mac-host-docker-internal.ron");
    let with = |release: &str, name: &str| {
        let text = lesson
            .replace("release: \"current\"", &format!("release: \"{release}\""))
            .replace("host.docker.internal:5432", &format!("{name}:5432"));
        events(&run_text(&text))
    };
    assert!(socket_says(
        &with("17.06", "docker.for.mac.localhost"),
        "app",
        "read 120 bytes"
    ));
    assert!(socket_says(
        &with("17.06", "host.docker.internal"),
        "app",
        "NXDOMAIN"
    ));
    assert!(socket_says(
        &with("17.12", "docker.for.mac.host.internal"),
        "app",
        "read 120 bytes"
    ));
    assert!(socket_says(
        &with("18.03", "host.docker.internal"),
        "app",
        "read 120 bytes"
    ));
    assert!(
        socket_says(
            &with("4.36", "host.docker.internal"),
            "app",
            "read 120 bytes"
        ),
        "Docker Desktop 4.x release numbers"
    );
    assert!(
        socket_says(
            &with("17.03", "docker.for.mac.localhost"),
            "app",
            "NXDOMAIN"
        ),
        "no name before 17.06"
    );
    assert!(socket_says(
        &with("current", "gateway.docker.internal"),
        "app",
        "resolved gateway.docker.internal -> 192.168.65.1"
    ));
}
