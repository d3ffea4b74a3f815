//! Compose semantics against what Docker Compose v2 documents and does.

use crate::compose::interpolate::Vars;
use crate::compose::{ComposeFile, normalize_project_name};
use crate::docker::{self, Compiled, DockerScenario};
use crate::scenario::Diagnostic;
use crate::scenario::ProcessSpec;

fn file(dir: &str, text: &str, env: Option<&str>) -> ComposeFile {
    ComposeFile::at(
        &format!("/home/me/{dir}/compose.yaml"),
        text,
        env.map(str::to_string),
    )
}

fn compiled(dir: &str, text: &str) -> Compiled {
    let sc = DockerScenario::from_compose(file(dir, text, None), &Vars::new())
        .unwrap_or_else(|e| panic!("{e}"));
    docker::compile(&sc).unwrap_or_else(|p| panic!("{p:?}"))
}

fn errors(text: &str) -> Vec<Diagnostic> {
    match DockerScenario::from_compose(file("app", text, None), &Vars::new()) {
        Err(e) => e.diagnostics,
        Ok(sc) => match docker::compile(&sc) {
            Err(problems) => problems
                .iter()
                .map(|p| p.locate(&crate::scenario::Source::new("x", "")))
                .collect(),
            Ok(_) => Vec::new(),
        },
    }
}

fn addr(c: &Compiled, container: &str, net: &str) -> String {
    let ct = c
        .inventory
        .containers
        .iter()
        .find(|x| x.name == container)
        .unwrap_or_else(|| panic!("no container {container}"));
    ct.endpoints
        .iter()
        .find(|(n, _, _)| n == net)
        .map(|(_, ip, _)| ip.to_string())
        .unwrap_or_else(|| panic!("{container} not on {net}"))
}

fn dns_records(c: &Compiled, ns: &str) -> std::collections::BTreeMap<String, String> {
    let spec = c.scenario.namespaces.iter().find(|n| n.name == ns).unwrap();
    spec.processes
        .iter()
        .find_map(|p| match p {
            ProcessSpec::Dns { records, .. } => Some(records.clone()),
            _ => None,
        })
        .expect("an embedded DNS")
}

const SHOP: &str = "
services:
  web:
    image: nginx
    ports: [\"8080:80\"]
    depends_on: [db, cache]
  db:
    image: postgres
  cache:
    image: redis
";

#[test]
fn project_name_from_the_directory_is_normalised() {
    assert_eq!(normalize_project_name("My Shop.v2"), "myshopv2");
    assert_eq!(normalize_project_name("__-app"), "app");
    assert_eq!(normalize_project_name("Ünï_code-1"), "n_code-1");
    let c = compiled("My_Shop", SHOP);
    let names: Vec<&str> = c
        .inventory
        .containers
        .iter()
        .map(|x| x.name.as_str())
        .collect();
    // Dependencies first, ties by name: cache and db before web.
    assert_eq!(names, ["my_shop-cache-1", "my_shop-db-1", "my_shop-web-1"]);
    let nets: Vec<&str> = c
        .inventory
        .networks
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(nets, ["bridge", "my_shop_default"]);
}

#[test]
fn default_network_addresses_follow_creation_order() {
    let c = compiled("shop", SHOP);
    assert_eq!(addr(&c, "shop-cache-1", "shop_default"), "172.18.0.2");
    assert_eq!(addr(&c, "shop-db-1", "shop_default"), "172.18.0.3");
    assert_eq!(addr(&c, "shop-web-1", "shop_default"), "172.18.0.4");
    let ps = &c.inventory.compose.as_ref().unwrap().containers;
    assert_eq!(ps[2], ("shop-web-1".to_string(), "web".to_string(), 1));
}

#[test]
fn service_names_container_names_and_aliases_resolve() {
    let text = "
name: blog
services:
  app:
    image: alpine
    networks:
      back:
        aliases: [api, api.internal]
  db:
    image: postgres
    networks: [back]
networks:
  back: {}
";
    let c = compiled("ignored", text);
    let rec = dns_records(&c, "blog-db-1");
    for name in [
        "app",
        "api",
        "api.internal",
        "blog-app-1",
        "db",
        "blog-db-1",
    ] {
        assert!(rec.contains_key(name), "{name} missing from {rec:?}");
    }
    assert_eq!(rec["api"], addr(&c, "blog-app-1", "blog_back"));
}

#[test]
fn replicas_share_the_service_name_round_robin() {
    let text = "
services:
  api:
    image: nginx
    deploy: {replicas: 2}
  proxy:
    image: nginx
    scale: 1
";
    let c = compiled("rr", text);
    let rec = dns_records(&c, "rr-proxy-1");
    assert_eq!(rec["api"], "172.18.0.2,172.18.0.3");
    assert_eq!(rec["rr-api-2"], "172.18.0.3");
}

#[test]
fn networks_are_created_by_key_order_and_connected_by_priority() {
    let text = "
name: p
services:
  web:
    image: nginx
    networks:
      zfront: {priority: 10}
      back: {}
networks:
  zfront:
    ipam:
      config:
        - subnet: 10.20.0.0/24
  back:
    internal: true
    name: custom-back
";
    let c = compiled("x", text);
    let nets: Vec<&str> = c
        .inventory
        .networks
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(nets, ["bridge", "custom-back", "p_zfront"]);
    let web = &c.inventory.containers[0];
    assert_eq!(web.endpoints[0].0, "p_zfront", "highest priority first");
    assert_eq!(web.endpoints[0].1.to_string(), "10.20.0.2");
    assert!(c.inventory.networks[1].internal);
}

#[test]
fn gw_priority_picks_the_network_that_carries_the_default_route_and_ports() {
    let text = "
name: p
services:
  api:
    image: nginx
    ports: [\"8080:80\"]
    networks:
      front: {}
      back: {gw_priority: 5}
networks:
  front: {}
  back: {}
";
    let c = compiled("x", text);
    let back = addr(&c, "p-api-1", "p_back");
    let host = &c.scenario.namespaces[0];
    assert!(
        host.iptables
            .contains(&format!("--to-destination {back}:80")),
        "the published port follows gw_priority to p_back ({back}):\n{}",
        host.iptables
    );
    let ns = c
        .scenario
        .namespaces
        .iter()
        .find(|n| n.name == "p-api-1")
        .expect("api");
    let gw = format!(
        "default via {}",
        c.inventory
            .networks
            .iter()
            .find(|n| n.name == "p_back")
            .expect("p_back")
            .gateway
    );
    assert_eq!(ns.routes, [gw]);
    // Before Engine 28 there are no gateway priorities: refused where it is written.
    let old = format!("x-docknet:\n  platform: {{Linux: {{engine: \"27.5\"}}}}\n{text}");
    let errs = errors(&old);
    let e = errs
        .iter()
        .find(|d| d.message.contains("--gw-priority needs Engine 28.0"))
        .unwrap_or_else(|| panic!("{errs:?}"));
    assert_eq!(e.line, 11, "at back's gw_priority: {e:?}");
}

#[test]
fn fixed_addresses_network_modes_and_hosts() {
    let text = "
services:
  db:
    image: postgres
    networks:
      net: {ipv4_address: 172.30.0.50}
  sidecar:
    image: alpine
    network_mode: service:db
  tool:
    image: alpine
    network_mode: host
    extra_hosts: [\"db.local:172.30.0.50\", \"host.docker.internal:host-gateway\"]
networks:
  net:
    ipam:
      config: [{subnet: 172.30.0.0/24, gateway: 172.30.0.254}]
";
    let c = compiled("m", text);
    assert_eq!(addr(&c, "m-db-1", "m_net"), "172.30.0.50");
    let side = c
        .inventory
        .containers
        .iter()
        .find(|x| x.name == "m-sidecar-1")
        .unwrap();
    assert_eq!(side.mode, "container:m-db-1");
    let tool = c
        .inventory
        .containers
        .iter()
        .find(|x| x.name == "m-tool-1")
        .unwrap();
    assert_eq!(tool.mode, "host");
}

#[test]
fn interpolation_from_env_and_given_values() {
    let text = "
services:
  web:
    image: ${IMAGE:-nginx}
    ports:
      - \"${WEB_PORT}:80\"
";
    let f = file("i", text, Some("WEB_PORT=8081\nIMAGE=caddy\n"));
    let given = Vars::from([("IMAGE".to_string(), "httpd".to_string())]);
    let sc = DockerScenario::from_compose(f, &given).unwrap();
    let c = docker::compile(&sc).unwrap();
    let web = &c.inventory.containers[0];
    assert_eq!(web.image, "httpd");
    assert_eq!(web.ports, ["0.0.0.0:8081->80/tcp"]);
    // Not set anywhere: a blank string and Compose's warning.
    let f = file("i", "services:\n  web:\n    image: nginx$TAG\n", None);
    let c = docker::compile(&DockerScenario::from_compose(f, &Vars::new()).unwrap()).unwrap();
    let warn = &c.inventory.compose.unwrap().warnings;
    assert_eq!(
        warn,
        &["The \"TAG\" variable is not set. Defaulting to a blank string."]
    );
}

#[test]
fn anchors_and_merge_keys() {
    let text = "
x-base: &base
  image: nginx
  networks: [front]
services:
  a:
    <<: *base
  b:
    <<: *base
    image: caddy
networks:
  front: {}
";
    let c = compiled("mk", text);
    let b = c
        .inventory
        .containers
        .iter()
        .find(|x| x.name == "mk-b-1")
        .unwrap();
    assert_eq!(b.image, "caddy");
    assert_eq!(b.endpoints[0].0, "mk_front");
}

#[test]
fn port_forms_short_long_ranges_udp_host_ip() {
    let text = "
services:
  dns:
    image: alpine
    ports:
      - \"127.0.0.1:5353:53/udp\"
      - 9000-9001:8000-8001
      - target: 80
        published: \"8080\"
        host_ip: 127.0.0.1
        protocol: tcp
";
    let c = compiled("pf", text);
    let mut ports = c.inventory.containers[0].ports.clone();
    ports.sort();
    assert_eq!(
        ports,
        [
            "0.0.0.0:9000->8000/tcp",
            "0.0.0.0:9001->8001/tcp",
            "127.0.0.1:5353->53/udp",
            "127.0.0.1:8080->80/tcp",
        ]
    );
}

#[test]
fn profiles_leave_services_out_unless_active() {
    let text = "services:\n  web: {image: nginx}\n  debug: {image: alpine, profiles: [debug]}\n";
    let c = compiled("pr", text);
    assert_eq!(c.inventory.containers.len(), 1);
    let f = file("pr", text, Some("COMPOSE_PROFILES=debug\n"));
    let c = docker::compile(&DockerScenario::from_compose(f, &Vars::new()).unwrap()).unwrap();
    assert_eq!(c.inventory.containers.len(), 2);
}

#[test]
fn unsimulated_keys_are_listed_once_and_networking_ones_refused() {
    let text = "
services:
  db:
    image: postgres
    volumes: [data:/var/lib/postgresql/data]
    environment: {POSTGRES_PASSWORD: x}
    healthcheck: {test: [CMD, pg_isready]}
volumes:
  data: {}
";
    let c = compiled("ns", text);
    let notes = c.inventory.compose.unwrap().not_simulated;
    assert_eq!(
        notes,
        [
            "volumes",
            "services.db.volumes",
            "services.db.environment",
            "services.db.healthcheck"
        ]
    );
    let e = errors("services:\n  web:\n    image: nginx\n    links: [db]\n");
    assert_eq!((e[0].line, e[0].column), (4, 5));
    assert!(e[0].message.contains("links"), "{}", e[0].message);
}

#[test]
fn errors_carry_compose_wording_and_positions() {
    let e = errors("services:\n  web:\n    image: nginx\n    depends_on: [dbb]\n");
    assert_eq!(
        e[0].message,
        "service \"web\" depends on undefined service \"dbb\": invalid compose project"
    );
    assert_eq!((e[0].line, e[0].column), (4, 18));
    let e = errors("services:\n  web:\n    image: nginx\n    networks: [front]\n");
    assert!(
        e[0].message.contains("refers to undefined network front"),
        "{}",
        e[0].message
    );
    assert_eq!((e[0].line, e[0].column), (4, 16));
    let e = errors(
        "services:\n  a:\n    image: nginx\n    ports: [\"8080:80\"]\n  b:\n    image: nginx\n    ports:\n      - 8080:80\n",
    );
    assert_eq!(
        e[0].message,
        "Bind for 0.0.0.0:8080 failed: port is already allocated"
    );
    assert_eq!((e[0].line, e[0].column), (8, 9));
    let e = errors("services:\n  web:\n    image: nginx\n    ports:\n      - \"80800:80\"\n");
    assert_eq!(e[0].line, 5);
    let e = errors("services:\n  web:\n    image: nginx\n    imgae: x\n");
    assert!(
        e[0].message
            .contains("Additional property imgae is not allowed")
    );
    assert!(e[0].help.contains("image"), "{}", e[0].help);
    let e = errors("services:\n  web:\n    image: ${IMG:?set IMG}\n");
    assert_eq!(
        e[0].message,
        "required variable IMG is missing a value: set IMG in services.web.image"
    );
    let e = errors(
        "networks:\n  n:\n    enable_ipv6: true\nservices:\n  w: {image: nginx, networks: [n]}\n",
    );
    assert!(e[0].message.contains("enable_ipv6"), "{}", e[0].message);
    let e =
        errors("services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n");
    assert!(
        e[0].message.starts_with("dependency cycle detected"),
        "{}",
        e[0].message
    );
    let e = errors(
        "services:\n  w:\n    image: nginx\n    networks: [ext]\nnetworks:\n  ext: {external: true}\n",
    );
    assert_eq!(
        e[0].message,
        "network ext declared as external, but could not be found"
    );
    assert_eq!(e[0].line, 6);
}

#[test]
fn x_docknet_block_drives_traffic() {
    let text = "
name: t
services:
  web: {image: nginx}
  client: {image: alpine}
x-docknet:
  title: Web and client
  seed: 3
  platform: {Linux: {engine: \"27.5\"}}
  traffic:
    - Tcp: {from: t-client-1, to: \"web:80\", send: 10}
  observe: [\"t-web-1:eth0\"]
";
    let sc = DockerScenario::from_compose(file("t", text, None), &Vars::new()).unwrap();
    assert_eq!(sc.title, "Web and client");
    assert_eq!(sc.traffic.len(), 1);
    let mut sim = crate::Sim::from_scenario(&docker::compile(&sc).unwrap().scenario).unwrap();
    sim.run_to_end();
    let text = crate::format::explain::text(sim.timed_trace());
    assert!(text.contains("resolved web ->"), "{text}");
    let e = DockerScenario::from_compose(
        file(
            "t",
            "services:\n  w: {image: nginx}\nx-docknet:\n  trafic: []\n",
            None,
        ),
        &Vars::new(),
    )
    .unwrap_err();
    assert_eq!(e.diagnostics[0].line, 4);
}

#[test]
fn without_a_directory_the_file_name_stands_in_with_a_warning() {
    let f = ComposeFile::at(
        "docker-compose.yml",
        "services:\n  web: {image: nginx}\n",
        None,
    );
    let c = docker::compile(&DockerScenario::from_compose(f, &Vars::new()).unwrap()).unwrap();
    assert_eq!(c.inventory.containers[0].name, "docker-compose-web-1");
    let p = c.inventory.compose.unwrap();
    assert!(
        p.warnings[0].contains("directory is not known"),
        "{:?}",
        p.warnings
    );
    let f = ComposeFile::at(
        "x/compose.yaml",
        "name: shop\nservices:\n  web: {image: nginx}\n",
        None,
    );
    let c = docker::compile(&DockerScenario::from_compose(f, &Vars::new()).unwrap()).unwrap();
    assert_eq!(c.inventory.containers[0].name, "shop-web-1");
}

#[test]
fn a_project_of_thousands_of_services_is_refused_quickly() {
    let mut text = String::from("services:\n");
    for i in 0..3000 {
        text += &format!("  s{i}:\n    image: alpine\n");
    }
    let errs = errors(&text);
    assert!(
        errs.iter()
            .any(|d| d.message.contains("at most 256 containers")),
        "{errs:?}"
    );
}

#[test]
fn compose_project_name_from_the_environment_wins_over_name() {
    let text = "name: fromfile\nservices:\n  web:\n    image: nginx\n";
    let named = |env: Option<&str>| {
        let sc = DockerScenario::from_compose(file("app", text, env), &Vars::new())
            .unwrap_or_else(|e| panic!("{e}"));
        let c = docker::compile(&sc).unwrap_or_else(|p| panic!("{p:?}"));
        c.inventory.containers[0].name.clone()
    };
    assert_eq!(named(None), "fromfile-web-1");
    assert_eq!(
        named(Some("COMPOSE_PROJECT_NAME=fromenv\n")),
        "fromenv-web-1"
    );
    let empty = "name: ${UNSET:-}\nservices:\n  web:\n    image: nginx\n";
    let sc = DockerScenario::from_compose(file("my app", empty, None), &Vars::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let c = docker::compile(&sc).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(
        c.inventory.containers[0].name, "myapp-web-1",
        "an empty name keeps the directory's"
    );
    let bad = DockerScenario::from_compose(
        file("app", text, Some("COMPOSE_PROJECT_NAME=Bad Name\n")),
        &Vars::new(),
    );
    assert!(bad.is_err_and(|e| e.to_string().contains("invalid project name")));
}

#[test]
fn volumes_from_and_service_namespaces_order_the_services_as_depends_on_does() {
    let text = "
name: p
services:
  a:
    image: alpine
    volumes_from: [\"b:ro\"]
  b:
    image: alpine
    ipc: service:c
  c:
    image: alpine
";
    let c = compiled("x", text);
    assert_eq!(addr(&c, "p-c-1", "p_default"), "172.18.0.2");
    assert_eq!(addr(&c, "p-b-1", "p_default"), "172.18.0.3");
    assert_eq!(addr(&c, "p-a-1", "p_default"), "172.18.0.4");
}

#[test]
fn a_service_or_network_key_outside_the_schema_is_refused_at_the_key() {
    let errs = errors("services:\n  \"web app\":\n    image: nginx\nnetworks:\n  \"a/b\": {}\n");
    let at: Vec<(usize, bool)> = errs
        .iter()
        .map(|d| (d.line, d.message.contains("is not allowed")))
        .collect();
    assert!(
        at.contains(&(2, true)) && at.contains(&(5, true)),
        "{errs:?}"
    );
}
