//! `docker compose up` as the Docker commands Compose v2 sends: the project's networks in
//! the order of their keys (external ones must exist), then each service's containers in
//! dependency order (`depends_on`, `network_mode: service:X`), services with no order between
//! them by name, replicas 1..n. A container is created on its first network by `priority`
//! (then name) and connected to the others; on every network its aliases are its container
//! name, its service name and the network's `aliases`.
//!
//! Real Compose starts independent services in parallel, so their creation order (and the
//! addresses Docker gives them) may differ between runs; `depends_on` or `ipv4_address` fix
//! them. docknet follows the order of Compose's own plan.

use super::ComposeError;
use super::project::{NetworkModeSpec, Project, Service};
use super::yaml::Pos;
use crate::docker_cli::{DockerCommand, NetworkConnect, NetworkMode, RunSpec};

/// One command of the bring-up, where it comes from in the file, and where the values an
/// engine error may name (a host port, an address, a network) are written.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub pos: Pos,
    pub cmd: DockerCommand,
    pub at: Vec<(String, Pos)>,
}

/// The bring-up: the commands, the external networks that must exist first, and which
/// container belongs to which service.
#[derive(Clone, Debug, PartialEq)]
pub struct Up {
    pub steps: Vec<Step>,
    /// (engine name, where declared).
    pub external: Vec<(String, Pos)>,
    /// (container, service, replica number), in creation order.
    pub containers: Vec<(String, String, u32)>,
}

fn err(pos: Pos, message: String, help: &str) -> ComposeError {
    ComposeError {
        pos,
        message,
        help: help.to_string(),
    }
}

/// The most containers a project may bring up (every replica counts): bounds the bring-up
/// and the dependency ordering, which is quadratic in the services.
const MAX_CONTAINERS: usize = 256;

/// Compose's consistency checks (compose-go's checkConsistency and its dependency graph).
pub(super) fn check(p: &Project, disabled: &[String]) -> Vec<ComposeError> {
    let mut errors = Vec::new();
    let known = |n: &str| p.services.iter().any(|s| s.name == n);
    for s in &p.services {
        for n in &s.networks {
            if !p.networks.contains_key(&n.key) {
                errors.push(err(
                    n.pos,
                    format!(
                        "service \"{}\" refers to undefined network {}: invalid compose project",
                        s.name, n.key
                    ),
                    "declare it under the top-level `networks:`",
                ));
            }
        }
        for (d, pos) in &s.depends_on {
            if !known(d) {
                let why = if disabled.contains(d) {
                    " (its profile is not active: set COMPOSE_PROFILES)"
                } else {
                    ""
                };
                errors.push(err(
                    *pos,
                    format!("service \"{}\" depends on undefined service \"{d}\": invalid compose project{why}", s.name),
                    "name a service defined in this file",
                ));
            }
        }
        if let Some((NetworkModeSpec::Service(x), pos)) = &s.network_mode
            && !known(x)
        {
            errors.push(err(
                *pos,
                format!("service \"{x}\" not found for network_mode 'service:{x}'"),
                "name a service defined in this file",
            ));
        }
    }
    let mut seen: Vec<(String, &str)> = Vec::new();
    let mut counted = 0;
    for s in &p.services {
        counted += (s.replicas as usize).max(1);
        if counted > MAX_CONTAINERS {
            errors.push(err(
                s.pos,
                format!("docknet simulates at most {MAX_CONTAINERS} containers in a project"),
                "leave out services or replicas that the lesson does not need",
            ));
            break;
        }
        for c in s.container_names(&p.name) {
            if let Some((_, other)) = seen.iter().find(|(n, _)| *n == c) {
                errors.push(err(
                    s.container_name.as_ref().map_or(s.pos, |(_, p)| *p),
                    format!("container name \"{c}\" is already in use by service {other}"),
                    "give each service its own container_name",
                ));
            }
            seen.push((c, &s.name));
        }
    }
    if errors.is_empty()
        && let Err(e) = order(p)
    {
        errors.push(e);
    }
    errors
}

/// The services' names a service waits for.
fn deps(s: &Service) -> Vec<&str> {
    let mut d: Vec<&str> = s.depends_on.iter().map(|(n, _)| n.as_str()).collect();
    if let Some((NetworkModeSpec::Service(x), _)) = &s.network_mode {
        d.push(x);
    }
    d
}

/// Services in creation order: each after what it depends on, ties by name.
fn order(p: &Project) -> Result<Vec<&Service>, ComposeError> {
    let mut sorted: Vec<&Service> = p.services.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out: Vec<&Service> = Vec::new();
    while out.len() < sorted.len() {
        let next = sorted.iter().find(|s| {
            !out.iter().any(|o| o.name == s.name)
                && deps(s).iter().all(|d| out.iter().any(|o| o.name == *d))
        });
        match next {
            Some(s) => out.push(s),
            None => {
                let stuck: Vec<&str> = sorted
                    .iter()
                    .filter(|s| !out.iter().any(|o| o.name == s.name))
                    .map(|s| s.name.as_str())
                    .collect();
                let first = sorted
                    .iter()
                    .find(|s| stuck.contains(&s.name.as_str()))
                    .map_or(Pos::default(), |s| s.pos);
                return Err(err(
                    first,
                    format!("dependency cycle detected: {}", stuck.join(" -> ")),
                    "remove one of the depends_on entries",
                ));
            }
        }
    }
    Ok(out)
}

/// The commands `docker compose up -d` sends for a checked project.
pub fn up(p: &Project) -> Up {
    let mut steps = Vec::new();
    let mut external = Vec::new();
    let used = |key: &str| {
        p.services
            .iter()
            .any(|s| s.networks.iter().any(|n| n.key == key))
    };
    // compose-go drops the networks no service uses (WithoutUnnecessaryResources).
    for (key, n) in p.networks.iter().filter(|(k, _)| used(k)) {
        if n.external {
            external.push((n.create.name.clone(), n.pos));
        } else {
            steps.push(Step {
                pos: n.pos,
                cmd: DockerCommand::NetworkCreate(n.create.clone()),
                at: vec![(key.clone(), n.pos)],
            });
        }
    }
    let mut containers = Vec::new();
    let services = order(p).unwrap_or_default();
    for s in &services {
        for (i, name) in s.container_names(&p.name).into_iter().enumerate() {
            let number = i as u32 + 1;
            run(p, s, &name, &services, &mut steps);
            containers.push((name, s.name.clone(), number));
        }
    }
    Up {
        steps,
        external,
        containers,
    }
}

fn run(p: &Project, s: &Service, name: &str, services: &[&Service], steps: &mut Vec<Step>) {
    let mut r = RunSpec::new(s.image.clone());
    r.name = Some(name.to_string());
    r.detach = true;
    r.publish = s.ports.iter().map(|(b, _)| b.clone()).collect();
    r.expose = s.expose.clone();
    r.dns = s.dns.clone();
    r.hostname = s.hostname.clone();
    r.add_hosts = s.extra_hosts.clone();
    r.sysctls = s.sysctls.clone();
    let mut at: Vec<(String, Pos)> = vec![(name.to_string(), s.pos)];
    for (b, pos) in &s.ports {
        if let Some(hp) = b.host_port {
            at.push((hp.to_string(), *pos));
        }
    }
    let aliases = |extra: &[String]| {
        let mut a = vec![name.to_string(), s.name.clone()];
        a.extend(extra.iter().cloned());
        a
    };
    let nets = s.networks_by_priority();
    match &s.network_mode {
        Some((mode, pos)) => {
            r.network = match mode {
                NetworkModeSpec::Host => NetworkMode::Host,
                NetworkModeSpec::None => NetworkMode::None,
                NetworkModeSpec::Bridge => NetworkMode::Bridge,
                NetworkModeSpec::Container(x) => NetworkMode::Container(x.clone()),
                NetworkModeSpec::Service(x) => {
                    let first = services
                        .iter()
                        .find(|o| o.name == *x)
                        .and_then(|o| o.container_names(&p.name).into_iter().next())
                        .unwrap_or_else(|| x.clone());
                    NetworkMode::Container(first)
                }
            };
            if let NetworkMode::Container(x) = &r.network {
                at.push((x.clone(), *pos));
            }
        }
        None => {
            if let Some(first) = nets.first() {
                let engine = engine_name(p, &first.key);
                r.network = NetworkMode::Named(engine.clone());
                r.aliases = aliases(&first.aliases);
                r.ip = first.ipv4_address.map(|(ip, _)| ip);
                if let Some((prio, pos)) = first.gw_priority {
                    r.gw_priority = prio;
                    at.push(("--gw-priority".into(), pos));
                }
                at.push((engine, first.pos));
                if let Some((ip, pos)) = first.ipv4_address {
                    at.push((ip.to_string(), pos));
                }
            }
        }
    }
    steps.push(Step {
        pos: s.pos,
        cmd: DockerCommand::Run(r),
        at,
    });
    if s.network_mode.is_some() {
        return;
    }
    for n in nets.iter().skip(1) {
        let engine = engine_name(p, &n.key);
        let mut at = vec![(engine.clone(), n.pos), (name.to_string(), s.pos)];
        if let Some((ip, pos)) = n.ipv4_address {
            at.push((ip.to_string(), pos));
        }
        if let Some((_, pos)) = n.gw_priority {
            at.push(("--gw-priority".into(), pos));
        }
        steps.push(Step {
            pos: n.pos,
            cmd: DockerCommand::NetworkConnect(NetworkConnect {
                network: engine,
                container: name.to_string(),
                aliases: aliases(&n.aliases),
                ip: n.ipv4_address.map(|(ip, _)| ip),
                gw_priority: n.gw_priority.map_or(0, |(p, _)| p),
            }),
            at,
        });
    }
}

fn engine_name(p: &Project, key: &str) -> String {
    p.networks
        .get(key)
        .map_or_else(|| format!("{}_{key}", p.name), |n| n.create.name.clone())
}
