//! A namespace's console. State commands print what the real command prints for the kernel
//! state at the cursor; traffic commands (`ping`, `curl`, `nc`) add a flow starting just after
//! the cursor; `docker` commands change the scenario. Both of the latter rebuild the
//! simulation from the edited document, which the app then replays.

use crate::document::{Built, Document};
use docknet_sim::Sim;
use docknet_sim::docker::Inventory;
use docknet_sim::docker_cli::DockerCommand;
use docknet_sim::format::show::{self, View};
use docknet_sim::netfilter::TableName;
use docknet_sim::scenario::TrafficSpec;
use docknet_sim::time::SimTime;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What running a command did besides printing.
#[derive(Debug)]
pub enum Effect {
    None,
    /// The document changed: play the rebuilt simulation from `resume_at`.
    Rebuilt {
        built: Box<Built>,
        resume_at: SimTime,
    },
}

/// Where a command runs and what it can see.
pub struct Context<'a> {
    /// The namespace the console is attached to.
    pub ns: &'a str,
    /// The kernel state at the cursor.
    pub state: &'a Sim,
    pub now: SimTime,
    pub doc: &'a mut Document,
    /// Docker names -> namespaces (empty for kernel-level scenarios).
    pub names: &'a BTreeMap<String, String>,
    pub inventory: Option<&'a Inventory>,
}

pub const HELP: &str = "\
state:    ip addr | ip route | ip neigh | bridge fdb | iptables-save
          iptables [-t TABLE] -L [CHAIN] -n -v | conntrack -L
rules:    iptables -I DOCKER-USER ... (on the Docker host; the scenario is rebuilt)
traffic:  ping [-c N] [-t TTL] HOST | curl [http://]HOST[:PORT][/path] | nc [-u] HOST PORT
docker:   docker ps [-a] | docker compose ps | docker network ls | docker network inspect NAME
          docker run ... | docker stop|start|restart|rm [-f] CONTAINER
          docker network create ... | docker network connect|disconnect NET CONTAINER";

/// Run one command line; returns the output and what else happened.
pub fn run(line: &str, ctx: Context<'_>) -> (String, Effect) {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(nsid) = ctx.state.net.ns_by_name(ctx.ns) else {
        return (format!("no namespace {}", ctx.ns), Effect::None);
    };
    let net = &ctx.state.net;
    let view = |v: View| (show::view(net, nsid, v, ctx.now), Effect::None);
    match words.as_slice() {
        [] => (String::new(), Effect::None),
        ["help"] | ["?"] => (HELP.to_string(), Effect::None),
        ["ip", "a" | "addr" | "address", rest @ ..] if rest.is_empty() || rest == ["show"] => {
            view(View::Addr)
        }
        ["ip", "r" | "route", rest @ ..] if rest.is_empty() || rest == ["show"] => {
            view(View::Route)
        }
        ["ip", "n" | "neigh" | "neighbour", rest @ ..] if rest.is_empty() || rest == ["show"] => {
            view(View::Neigh)
        }
        ["bridge", "fdb", rest @ ..] if rest.is_empty() || rest == ["show"] => view(View::Fdb),
        ["iptables-save", ..] => view(View::IptablesSave),
        ["conntrack", "-L"] => view(View::Conntrack),
        ["iptables", args @ ..] if changes_rules(args) => iptables_edit(line, ctx),
        ["iptables", args @ ..] => (iptables_list(ctx.state, nsid, args), Effect::None),
        ["ping", args @ ..] => traffic(ctx, ping(args)),
        ["curl", args @ ..] => traffic(ctx, curl(args)),
        ["nc", args @ ..] => traffic(ctx, nc(args)),
        ["docker", args @ ..] | ["sudo", "docker", args @ ..] => docker(line, args, ctx),
        [cmd, ..] => (
            format!("{cmd}: command not found (try `help`)"),
            Effect::None,
        ),
    }
}

/// Whether an iptables command changes rules (rather than listing them).
fn changes_rules(args: &[&str]) -> bool {
    args.iter().any(|a| {
        matches!(
            *a,
            "-A" | "--append"
                | "-I"
                | "--insert"
                | "-D"
                | "--delete"
                | "-R"
                | "--replace"
                | "-N"
                | "--new-chain"
                | "-X"
                | "-P"
                | "--policy"
                | "-F"
                | "--flush"
        )
    })
}

/// A rule change on the Docker host: kept in the scenario, which is rebuilt.
fn iptables_edit(line: &str, ctx: Context<'_>) -> (String, Effect) {
    let engine = ctx.names.get("host").or_else(|| ctx.names.get("vm"));
    if engine.is_none_or(|e| e != ctx.ns) {
        let at = engine.map_or("the host".to_string(), |e| format!("`{e}`"));
        return (
            format!("iptables: change rules on the Docker host: open the console of {at}"),
            Effect::None,
        );
    }
    match ctx.doc.run_iptables(line) {
        Ok(built) => (
            String::new(),
            Effect::Rebuilt {
                built: Box::new(built),
                resume_at: SimTime::ZERO,
            },
        ),
        Err(e) => (format!("iptables: {e}"), Effect::None),
    }
}

/// `iptables [-t TABLE] -L [CHAIN] [-n] [-v]`.
fn iptables_list(state: &Sim, nsid: docknet_sim::ids::NsId, args: &[&str]) -> String {
    let mut table = TableName::Filter;
    let mut chain = None;
    let mut list = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "-t" => match it.next().map(|t| t.parse::<TableName>()) {
                Some(Ok(t)) => table = t,
                _ => return "iptables: can't initialize iptables table: Table does not exist (do you need to insmod?)".into(),
            },
            "-L" | "--list" => list = true,
            "-n" | "-v" | "-nv" | "-vn" | "--line-numbers" => {}
            c if list && chain.is_none() && !c.starts_with('-') => chain = Some(c.to_string()),
            other => return format!("iptables: option {other} is not offered here (listing only: iptables [-t TABLE] -L [CHAIN] -n -v)"),
        }
    }
    if !list {
        return "iptables: only listing is offered here: iptables [-t TABLE] -L [CHAIN] -n -v"
            .into();
    }
    let text = state.net.ns(nsid).rules().list_verbose(table);
    match chain {
        None => text,
        Some(c) => {
            let block = text
                .split("\n\n")
                .find(|b| b.starts_with(&format!("Chain {c} ")));
            block.map_or(
                format!("iptables: No chain/target/match by that name. ({c} in table {table})"),
                |b| b.trim_end().to_string() + "\n",
            )
        }
    }
}

/// The most pings one command sends (each rebuild replays the whole run).
const MAX_PINGS: u32 = 100;

/// A flow to add, or the usage error.
type Flow = Result<(String, FlowKind), String>;

enum FlowKind {
    Ping { count: u32, ttl: Option<u8> },
    Tcp { send: u32 },
    Udp,
}

fn ping(args: &[&str]) -> Flow {
    let (mut count, mut ttl, mut host) = (3, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "-c" => {
                count = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| (1..=MAX_PINGS).contains(n))
                    .ok_or(format!("ping: -c needs a count from 1 to {MAX_PINGS}"))?
            }
            "-t" => {
                ttl = Some(
                    it.next()
                        .and_then(|n| n.parse().ok())
                        .ok_or("ping: -t needs a TTL (1-255)")?,
                )
            }
            h if !h.starts_with('-') => host = Some(h.to_string()),
            o => return Err(format!("ping: option {o} is not offered here")),
        }
    }
    let host = host.ok_or("usage: ping [-c N] [-t TTL] HOST")?;
    Ok((host, FlowKind::Ping { count, ttl }))
}

fn curl(args: &[&str]) -> Flow {
    let url = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .ok_or("usage: curl [http://]HOST[:PORT][/path]")?;
    if url.starts_with("https://") {
        return Err("curl: https is not modelled; use http://".into());
    }
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let hostport = rest.split('/').next().unwrap_or(rest);
    let to = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    // `GET / HTTP/1.1` with Host, User-Agent and Accept headers.
    Ok((to, FlowKind::Tcp { send: 78 }))
}

fn nc(args: &[&str]) -> Flow {
    let udp = args.contains(&"-u");
    let pos: Vec<&&str> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let [host, port] = pos.as_slice() else {
        return Err("usage: nc [-u] HOST PORT".into());
    };
    port.parse::<u16>()
        .map_err(|_| format!("nc: port number invalid: {port}"))?;
    let kind = if udp {
        FlowKind::Udp
    } else {
        FlowKind::Tcp { send: 64 }
    };
    Ok((format!("{host}:{port}"), kind))
}

fn traffic(ctx: Context<'_>, flow: Flow) -> (String, Effect) {
    let (to, kind) = match flow {
        Ok(f) => f,
        Err(e) => return (e, Effect::None),
    };
    // The sender as the document names it: a Docker name running in this namespace.
    let named_after_ns = ctx.names.get(ctx.ns).is_some_and(|ns| ns == ctx.ns);
    let from = if ctx.names.is_empty() || named_after_ns {
        ctx.ns.to_string()
    } else {
        match ctx.names.iter().find(|(_, ns)| ns.as_str() == ctx.ns) {
            Some((name, _)) => name.clone(),
            None => {
                return (
                    format!(
                        "nothing in the scenario runs in {}: send from a container, peer or the host",
                        ctx.ns
                    ),
                    Effect::None,
                );
            }
        }
    };
    let at_ms = ctx.now.0 / 1_000_000 + 1;
    let spec = match kind {
        FlowKind::Ping { count, ttl } => TrafficSpec::Ping {
            from,
            to: to.clone(),
            at_ms,
            count,
            interval_ms: 1000,
            ttl,
        },
        FlowKind::Tcp { send } => TrafficSpec::Tcp {
            from,
            to: to.clone(),
            sport: None,
            at_ms,
            send,
        },
        FlowKind::Udp => TrafficSpec::Udp {
            from,
            to: to.clone(),
            sport: None,
            at_ms,
            send: 64,
            count: 1,
            interval_ms: 1000,
        },
    };
    match ctx.doc.add_traffic(spec) {
        Ok(built) => (
            format!("sending to {to} at {} ms: press play to watch it", at_ms),
            Effect::Rebuilt {
                built: Box::new(built),
                resume_at: SimTime(at_ms * 1_000_000),
            },
        ),
        Err(e) => (e, Effect::None),
    }
}

fn docker(line: &str, args: &[&str], ctx: Context<'_>) -> (String, Effect) {
    let Some(inv) = ctx.inventory else {
        return (
            "docker: this is a kernel-level scenario: there is no Docker engine here".into(),
            Effect::None,
        );
    };
    match args {
        ["ps", flags @ ..] | ["container", "ls", flags @ ..] => {
            let all = flags.iter().any(|f| matches!(*f, "-a" | "--all"));
            (docker_ps(inv, all), Effect::None)
        }
        ["compose", "ps", ..] => (compose_ps(inv), Effect::None),
        ["compose", ..] => (
            match &inv.compose {
                Some(_) => "the console runs `docker compose ps`; edit the compose file (or its x-docknet traffic) for anything else".into(),
                None => "no configuration file provided: not found (open a compose file to have a Compose project)".into(),
            },
            Effect::None,
        ),
        ["network", "ls"] => (network_ls(inv), Effect::None),
        ["network", "inspect", names @ ..] if !names.is_empty() => {
            (network_inspect(inv, names), Effect::None)
        }
        _ => {
            let before: Vec<String> = inv.containers.iter().map(|c| c.name.clone()).collect();
            match ctx.doc.run_docker(line) {
                Ok(built) => {
                    // `docker stop|rm ...` print the names given; `docker run` the new id.
                    let out = match docknet_sim::docker_cli::parse_command(line) {
                        Ok(DockerCommand::Lifecycle { containers, .. }) => containers.join("\n"),
                        _ => built
                            .inventory
                            .as_ref()
                            .and_then(|i| i.containers.iter().find(|c| !before.contains(&c.name)))
                            .map_or(String::new(), |c| c.id.clone()),
                    };
                    (
                        out,
                        Effect::Rebuilt {
                            built: Box::new(built),
                            resume_at: ctx.now,
                        },
                    )
                }
                Err(e) => (e, Effect::None),
            }
        }
    }
}

/// `docker ps [-a]`: newest first; stopped containers only with `-a`.
fn docker_ps(inv: &Inventory, all: bool) -> String {
    let mut rows = vec![
        ["CONTAINER ID", "IMAGE", "STATUS", "PORTS", "NAMES"]
            .map(String::from)
            .to_vec(),
    ];
    for c in inv.containers.iter().rev() {
        rows.push(vec![
            c.id.clone(),
            c.image.clone(),
            "Up".into(),
            c.ports.join(", "),
            c.name.clone(),
        ]);
    }
    if all {
        for c in inv.stopped.iter().rev() {
            rows.push(vec![
                c.id.clone(),
                c.image.clone(),
                "Exited".into(),
                String::new(),
                c.name.clone(),
            ]);
        }
    }
    crate::columns::aligned(&rows, "   ")
}

/// `docker compose ps`: the project's running containers by name, with their service
/// (Compose's NAME, IMAGE, SERVICE, STATUS and PORTS columns).
fn compose_ps(inv: &Inventory) -> String {
    let Some(project) = &inv.compose else {
        return "no configuration file provided: not found".into();
    };
    let mut rows = vec![
        ["NAME", "IMAGE", "SERVICE", "STATUS", "PORTS"]
            .map(String::from)
            .to_vec(),
    ];
    let mut running: Vec<_> = project
        .containers
        .iter()
        .filter_map(|(name, service, _)| {
            inv.containers
                .iter()
                .find(|c| c.name == *name)
                .map(|c| (c, service))
        })
        .collect();
    running.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    for (c, service) in running {
        rows.push(vec![
            c.name.clone(),
            c.image.clone(),
            service.clone(),
            "Up".into(),
            c.ports.join(", "),
        ]);
    }
    crate::columns::aligned(&rows, "   ")
}

fn network_ls(inv: &Inventory) -> String {
    let mut rows = vec![["NAME", "DRIVER", "SCOPE"].map(String::from).to_vec()];
    let mut names: Vec<(String, &str)> = inv
        .networks
        .iter()
        .map(|n| (n.name.clone(), "bridge"))
        .collect();
    names.push(("host".into(), "host"));
    names.push(("none".into(), "null"));
    names.sort();
    for (n, d) in names {
        rows.push(vec![n, d.into(), "local".into()]);
    }
    crate::columns::aligned(&rows, "   ")
}

fn network_inspect(inv: &Inventory, names: &[&str]) -> String {
    let mut out = Vec::new();
    for name in names {
        let Some(n) = inv.networks.iter().find(|n| n.name == *name) else {
            return format!("Error response from daemon: network {name} not found");
        };
        let mut containers = String::new();
        for c in &inv.containers {
            for (net, ip, mac) in &c.endpoints {
                if net == &n.name {
                    let _ = write!(
                        containers,
                        "{}            \"{}\": {{\n                \"Name\": \"{}\",\n                \"MacAddress\": \"{mac}\",\n                \"IPv4Address\": \"{ip}/{}\"\n            }}",
                        if containers.is_empty() { "" } else { ",\n" },
                        c.id,
                        c.name,
                        n.subnet.prefix_len()
                    );
                }
            }
        }
        // IPAM's Config omits what was not recorded (omitempty), in Docker's field order.
        let mut ipam = vec![format!("\"Subnet\": \"{}\"", n.subnet)];
        if let Some(r) = n.ip_range {
            ipam.push(format!("\"IPRange\": \"{r}\""));
        }
        if let Some(g) = n.recorded_gateway {
            ipam.push(format!("\"Gateway\": \"{g}\""));
        }
        out.push(format!(
            "    {{\n        \"Name\": \"{}\",\n        \"Driver\": \"bridge\",\n        \"IPAM\": {{\n            \"Config\": [\n                {{\n                    {}\n                }}\n            ]\n        }},\n        \"Internal\": {},\n        \"Containers\": {{\n{containers}\n        }},\n        \"Options\": {{\n            \"com.docker.network.bridge.enable_icc\": \"{}\",\n            \"com.docker.network.bridge.name\": \"{}\"\n        }}\n    }}",
            n.name,
            ipam.join(",\n                    "),
            n.internal,
            n.icc,
            n.bridge
        ));
    }
    format!("[\n{}\n]\n", out.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Player;

    fn open(path: &str) -> (Document, Built) {
        let file = format!("{}/../../scenarios/{path}", env!("CARGO_MANIFEST_DIR"));
        Document::load(&file, &std::fs::read_to_string(&file).unwrap()).unwrap()
    }

    fn exec(
        line: &str,
        ns: &str,
        doc: &mut Document,
        built: &Built,
        state: &Sim,
    ) -> (String, Effect) {
        run(
            line,
            Context {
                ns,
                state,
                now: state.now(),
                doc,
                names: &built.names,
                inventory: built.inventory.as_ref(),
            },
        )
    }

    #[test]
    fn docker_compose_ps_lists_the_project_by_name() {
        let (mut doc, built) = open("compose/proxy-replicas.yaml");
        let state = built.sim.clone();
        let (out, _) = exec("docker compose ps", "host", &mut doc, &built, &state);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("NAME"), "{out}");
        assert!(
            lines[1].starts_with("edge-app-1") && lines[1].contains("   app   "),
            "{out}"
        );
        assert!(lines[2].starts_with("edge-app-2"), "{out}");
        assert!(
            lines[3].starts_with("edge-proxy-1") && lines[3].contains("0.0.0.0:8080->80/tcp"),
            "{out}"
        );
        let (kernel_doc, kernel) = open("default.ron");
        let mut kernel_doc = kernel_doc;
        let (out, _) = exec(
            "docker compose ps",
            "host",
            &mut kernel_doc,
            &kernel,
            &kernel.sim,
        );
        assert_eq!(out, "no configuration file provided: not found");
    }

    #[test]
    fn state_commands_print_the_kernel_state_at_the_cursor() {
        let (mut doc, built) = open("default.ron");
        let mut p = Player::new(built.sim.clone());
        p.run_to_end();
        p.seek(p.trace().len());
        let state = p.state().clone();
        let (out, _) = exec("ip addr", "web", &mut doc, &built, &state);
        assert!(out.contains("inet 172.17.0.2/16"), "{out}");
        let (out, _) = exec(
            "iptables -t nat -L DOCKER -n -v",
            "host",
            &mut doc,
            &built,
            &state,
        );
        assert!(out.starts_with("Chain DOCKER (2 references)"), "{out}");
        assert!(out.contains("DNAT"), "{out}");
        let (out, _) = exec("conntrack -L", "host", &mut doc, &built, &state);
        assert!(out.contains("dport=8080"), "{out}");
        let (out, _) = exec("docker ps", "host", &mut doc, &built, &state);
        assert!(out.contains("0.0.0.0:8080->80/tcp   web"), "{out}");
        let (out, _) = exec(
            "docker network inspect bridge",
            "host",
            &mut doc,
            &built,
            &state,
        );
        assert!(out.contains("\"IPv4Address\": \"172.17.0.2/16\""), "{out}");
        let (out, _) = exec("frob", "host", &mut doc, &built, &state);
        assert_eq!(out, "frob: command not found (try `help`)");
    }

    #[test]
    fn curl_adds_a_flow_after_the_cursor_and_docker_run_adds_a_container() {
        let (mut doc, built) = open("default.ron");
        let state = built.sim.clone();
        let (out, effect) = exec(
            "curl http://10.12.91.17:8080/",
            "laptop",
            &mut doc,
            &built,
            &state,
        );
        let Effect::Rebuilt {
            built: b,
            resume_at,
        } = effect
        else {
            panic!("{out}")
        };
        assert_eq!(resume_at, SimTime(1_000_000));
        let mut sim = b.sim.clone();
        sim.run_to_end();
        let connects = sim
            .trace()
            .iter()
            .filter(|r| matches!(&r.event, docknet_sim::trace::TraceEvent::Socket { what, .. } if what.to_string().starts_with("connect ")))
            .count();
        assert_eq!(connects, 2, "the lesson's flow and the curl");

        let (out, effect) = exec(
            "docker run -d --name cache -p 6379:6379 redis",
            "host",
            &mut doc,
            &b,
            &state,
        );
        assert_eq!(out.len(), 12, "prints the new container's id: {out}");
        let Effect::Rebuilt { built: b2, .. } = effect else {
            panic!()
        };
        assert!(b2.sim.net.ns_by_name("cache").is_some());
        let (out, effect) = exec(
            "docker network connect nope cache",
            "host",
            &mut doc,
            &b2,
            &state,
        );
        assert!(matches!(effect, Effect::None));
        assert!(out.contains("nope"), "{out}");

        let (out, effect) = exec("docker rm -f cache", "host", &mut doc, &b2, &state);
        assert_eq!(out, "cache", "docker rm prints the names it removed");
        let Effect::Rebuilt { built: b3, .. } = effect else {
            panic!("{out}")
        };
        assert!(b3.sim.net.ns_by_name("cache").is_none(), "its box is gone");
        let (ps, _) = exec("docker ps", "host", &mut doc, &b3, &state);
        assert!(!ps.contains("cache"), "{ps}");

        let (out, effect) = exec("docker stop web", "host", &mut doc, &b3, &state);
        assert_eq!(out, "web");
        let Effect::Rebuilt { built: b4, .. } = effect else {
            panic!("{out}")
        };
        let (ps, _) = exec("docker ps", "host", &mut doc, &b4, &state);
        assert!(!ps.contains("web"), "{ps}");
        let (ps, _) = exec("docker ps -a", "host", &mut doc, &b4, &state);
        let web = ps.lines().find(|l| l.ends_with("web")).expect(&ps);
        assert!(web.contains("nginx") && web.contains("Exited"), "{ps}");
    }

    #[test]
    fn iptables_changes_on_the_docker_host_rebuild_the_scenario() {
        let (mut doc, built) = open("default.ron");
        let state = built.sim.clone();
        let (out, effect) = exec(
            "iptables -I DOCKER-USER -s 10.12.91.1 -j DROP",
            "web",
            &mut doc,
            &built,
            &state,
        );
        assert!(
            matches!(effect, Effect::None) && out.contains("open the console of `host`"),
            "{out}"
        );
        let (out, effect) = exec(
            "iptables -I DOCKER-USER -s 10.12.91.1 -j DROP",
            "host",
            &mut doc,
            &built,
            &state,
        );
        let Effect::Rebuilt { built: b, .. } = effect else {
            panic!("{out}")
        };
        let mut sim = b.sim.clone();
        sim.run_to_end();
        assert!(
            sim.trace().iter().any(|r| matches!(&r.event, docknet_sim::trace::TraceEvent::Rule { chain, hit, .. } if chain == "DOCKER-USER" && hit.verdict() == "DROP")),
            "the laptop's SYN is dropped in DOCKER-USER"
        );
        let (out, _) = exec("iptables -I NOSUCH -j DROP", "host", &mut doc, &b, &state);
        assert!(out.starts_with("iptables: "), "{out}");
    }
}
