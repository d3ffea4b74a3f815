//! What each Compose lesson teaches, asserted on its trace; and a Docker-level scenario that
//! brings a compose file up beside its own commands.

mod common;
use common::{events, run_lesson, select};

fn sock_events(ev: &[serde_json::Value], ns: &str) -> Vec<String> {
    ev.iter()
        .filter(|e| e["ns"] == ns)
        .filter_map(|e| e["what"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn shop_services_resolve_each_other_on_the_default_network() {
    let sim = run_lesson("compose/shop.yaml");
    let ev = events(&sim);
    let web = sock_events(&ev, "shop-web-1");
    assert!(
        web.iter().any(|w| w == "resolved db -> 172.18.0.3"),
        "{web:?}"
    );
    assert!(
        web.iter().any(|w| w == "resolved cache -> 172.18.0.2"),
        "{web:?}"
    );
    let dnat = select(&ev, "nat", &[("ns", "host"), ("kind", "DNAT")]);
    assert!(!dnat.is_empty(), "the laptop's request is DNATed to web");
    let db = sock_events(&ev, "shop-db-1");
    assert!(
        db.iter()
            .any(|w| w.starts_with("accept connection from 172.18.0.4")),
        "{db:?}"
    );
}

#[test]
fn tiers_proxy_cannot_resolve_the_database() {
    let sim = run_lesson("compose/tiers.yaml");
    let ev = events(&sim);
    let proxy = sock_events(&ev, "tiers-proxy-1");
    assert!(
        proxy
            .iter()
            .any(|w| w.starts_with("resolved orders -> 172.18.")),
        "{proxy:?}"
    );
    assert!(
        proxy
            .iter()
            .any(|w| w == "could not resolve host db: NXDOMAIN"),
        "{proxy:?}"
    );
    let api = sock_events(&ev, "tiers-api-1");
    assert!(
        api.iter().any(|w| w == "resolved db -> 10.30.0.2"),
        "{api:?}"
    );
}

#[test]
fn replicas_answer_the_service_name_in_turn() {
    let sim = run_lesson("compose/proxy-replicas.yaml");
    let ev = events(&sim);
    let answers: std::collections::BTreeSet<String> = sock_events(&ev, "edge-proxy-1")
        .into_iter()
        .filter_map(|w| w.strip_prefix("resolved app -> ").map(str::to_string))
        .collect();
    assert_eq!(
        answers.into_iter().collect::<Vec<_>>(),
        ["172.18.0.2", "172.18.0.3"],
        "both replicas answer `app`"
    );
}

#[test]
fn a_docker_scenario_brings_its_compose_file_up_where_it_says() {
    let ron = r#"DockerScenario(
        title: "compose beside commands",
        platform: Linux(engine: "27.5"),
        compose: "app/compose.yaml",
        compose_env: {"WEB_PORT": "8088"},
        commands: [
            "docker network create shared",
            "docker compose up -d",
            "docker run -d --name probe --network shared alpine",
        ],
        traffic: [Tcp(from: "probe", to: "web:80")],
    )"#;
    let compose = "services:\n  web:\n    image: nginx\n    ports: [\"${WEB_PORT}:80\"]\n    networks: [shared, default]\nnetworks:\n  shared: {external: true}\n";
    let read = |p: &str| match p {
        "app/compose.yaml" => Some(compose.to_string()),
        "app/.env" => Some("WEB_PORT=1\n".to_string()),
        _ => None,
    };
    let docker = docknet_sim::load::docker_level("lab/s.ron", ron, &read)
        .unwrap()
        .unwrap();
    let c = docknet_sim::docker::compile(&docker).unwrap_or_else(|p| panic!("{p:?}"));
    let names: Vec<&str> = c
        .inventory
        .containers
        .iter()
        .map(|x| x.name.as_str())
        .collect();
    assert_eq!(names, ["app-web-1", "probe"]);
    assert_eq!(c.inventory.containers[0].ports, ["0.0.0.0:8088->80/tcp"]);
    let (_, mut sim) = docknet_sim::load_with("lab/s.ron", ron, &read).unwrap();
    sim.run_to_end();
    let ev = events(&sim);
    let probe = sock_events(&ev, "probe");
    assert!(
        probe
            .iter()
            .any(|w| w.starts_with("resolved web -> 172.18.0.")),
        "{probe:?}"
    );
    // Missing file: located at the `compose` value.
    let err = docknet_sim::load_with("lab/s.ron", ron, &|_| None).unwrap_err();
    assert_eq!(err.diagnostics[0].line, 4);
    assert!(
        err.diagnostics[0]
            .message
            .contains("cannot read the compose file")
    );
}
