//! `docknet engine-check`: run a Docker-level scenario's command lines against a real
//! dockerd (in namespaces of its own, as root) and compare what it built with what docknet's
//! Docker compiler predicts for the same Engine version: `iptables-save` of the host and of
//! every container, `ip addr` and `ip route` in each container, the host's routes, and what
//! `docker ps` and `docker network inspect` report.

mod compose;
mod daemon;
mod normalise;
mod traffic;

pub use daemon::unavailable;

use crate::conform::Report;
use daemon::Daemon;
use docknet_sim::Sim;
use docknet_sim::docker::compile::{Compiled, Inventory, compile};
use docknet_sim::docker::scenario::{DockerScenario, Platform};
use docknet_sim::docker_cli::{DockerCommand, image_ports, parse_command};
use docknet_sim::format::show::{View, view};
use docknet_sim::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};

/// Whether a real dockerd can run here: the tools, then a daemon started and stopped in
/// namespaces named by `prefix`. Gives the engine's version, or why not.
pub fn probe(prefix: &str) -> Result<String, String> {
    if let Some(why) = unavailable() {
        return Err(why);
    }
    let nics = [daemon::Nic {
        name: "eth1".into(),
        addr: "10.12.91.17/24".into(),
        peer: None,
    }];
    let d = Daemon::start(prefix, &nics, None, &[], None)?;
    let version = d.docker(&["version", "--format", "{{.Server.Version}}"])?;
    Ok(version.trim().to_string())
}

/// Compare the scenario in `file` (its text `text`) with a real dockerd; `prefix` names the
/// namespaces (unique per run).
pub fn check(file: &str, text: &str, prefix: &str) -> Result<Report, String> {
    if docknet_sim::compose::is_compose(file, text) && !docknet_sim::scenario::is_docker_level(text)
    {
        return compose::check(file, text, prefix);
    }
    let mut sc: DockerScenario =
        docknet_sim::scenario::parse_ron(file, text).map_err(|e| e.to_string())?;
    if !matches!(sc.platform, Platform::Linux { .. }) {
        return Err(format!(
            "{file}: engine-check runs Docker Engine on Linux; this scenario's platform is {:?}",
            sc.platform
        ));
    }
    if sc.compose.is_some() {
        return Err(format!(
            "{file}: engine-check brings compose files up with docker-compose itself: run it on the compose file"
        ));
    }
    if !sc.networks.is_empty() || !sc.containers.is_empty() {
        return Err(format!(
            "{file}: engine-check runs `commands`; write the `networks:` and `containers:` \
             entries as `docker network create` / `docker run` lines"
        ));
    }
    let (flags, json) = daemon_args(&sc.daemon)?;
    // The scripts' own `{id:NAME}`: each side's id for container NAME.
    let script = sc.commands.clone();
    let nics = traffic::nics(&sc)?;
    let mut d = Daemon::start(
        prefix,
        &nics,
        sc.host.gateway.as_deref(),
        &flags,
        json.as_deref(),
    )?;
    let version = d.docker(&["version", "--format", "{{.Server.Version}}"])?;
    sc.commands = with_sim_ids(&sc, &script)?;
    let compiled = predict_for(file, &mut sc, &version)?;
    let sim = Sim::from_scenario(&compiled.scenario)
        .map_err(|_| format!("{file}: the compiled scenario does not build"))?;

    for image in images(&sc.commands)? {
        let ports: Vec<String> = image_ports(&image)
            .iter()
            .map(|(p, proto)| format!("{p}/{}", format!("{proto:?}").to_lowercase()))
            .collect();
        d.import_image(&image, &ports)?;
    }
    for line in &script {
        let line = with_ids(line, |name| {
            d.docker(&["inspect", "-f", "{{.Id}}", name])
                .map(|id| id.trim().to_string())
        })?;
        d.shell(&line)
            .map_err(|e| format!("{file}: the real docker refused `{line}`: {e}"))?;
    }
    for line in &sc.iptables {
        d.in_host(&["sh", "-c", line])
            .map_err(|e| format!("{file}: `{line}` failed on the real host: {e}"))?;
    }

    compare(&mut d, &compiled, &sim, &version, prefix, &Names::default())
}

/// Container names on the real engine where they differ from docknet's (Compose v1 names
/// `<project>_<service>_<n>` what v2, and docknet, name `<project>-<service>-<n>`).
#[derive(Default)]
pub(crate) struct Names {
    /// (docknet's name, the real one).
    pairs: Vec<(String, String)>,
}

impl Names {
    fn real(&self, name: &str) -> String {
        self.pairs
            .iter()
            .find(|(sim, _)| sim == name)
            .map_or_else(|| name.to_string(), |(_, real)| real.clone())
    }

    /// `text` with every real name written as docknet's (longest first, so `p_web_10` is
    /// not read as `p_web_1`).
    fn as_sim(&self, text: &str) -> String {
        let mut pairs: Vec<&(String, String)> = self.pairs.iter().collect();
        pairs.sort_by_key(|(_, real)| std::cmp::Reverse(real.len()));
        let mut out = text.to_string();
        for (sim, real) in pairs {
            out = out.replace(real.as_str(), sim);
        }
        out
    }
}

/// Compare what the real daemon `d` built with docknet's `compiled` scenario.
fn compare(
    d: &mut Daemon,
    compiled: &Compiled,
    sim: &Sim,
    version: &str,
    prefix: &str,
    names: &Names,
) -> Result<Report, String> {
    let mut report = Report::default();
    let source = format!("dockerd {}", version.trim());
    let real_bridges = real_bridges(d)?;
    let sim_bridges: Vec<(String, String)> = compiled
        .inventory
        .networks
        .iter()
        .filter(|n| n.bridge.starts_with("br-"))
        .map(|n| (n.bridge.clone(), n.name.clone()))
        .collect();
    let sim_view = |who: &str, v: View| -> Result<String, String> {
        let ns = compiled
            .namespaces
            .get(who)
            .ok_or_else(|| format!("docknet has no namespace for `{who}`"))?;
        let id = sim
            .net
            .ns_by_name(ns)
            .ok_or_else(|| format!("docknet has no namespace `{ns}`"))?;
        Ok(view(&sim.net, id, v, SimTime(0)))
    };

    let host_rules = d.in_host(&["iptables-save"])?;
    report.check(
        "host iptables-save".into(),
        "host: iptables-save".into(),
        &source,
        &normalise::iptables_save(&host_rules, &real_bridges),
        &normalise::iptables_save(&sim_view("host", View::IptablesSave)?, &sim_bridges),
    );
    report.check(
        "host ip route".into(),
        "host: ip route".into(),
        &source,
        &normalise::ip_route(&d.in_host(&["ip", "route"])?, &real_bridges),
        &normalise::ip_route(&sim_view("host", View::Route)?, &sim_bridges),
    );
    report.check(
        "host sysctls".into(),
        "host: sysctls Docker sets".into(),
        &source,
        &real_sysctls(d, &real_bridges)?,
        &sim_sysctls(compiled, &sim_bridges),
    );
    for c in &compiled.inventory.containers {
        if c.mode == "host" {
            continue;
        }
        let rules = d.in_container(&names.real(&c.name), &["iptables-save"])?;
        report.check(
            format!("{} iptables-save", c.name),
            format!("{}: iptables-save", c.name),
            &source,
            &normalise::iptables_save(&rules, &real_bridges),
            &normalise::iptables_save(&sim_view(&c.name, View::IptablesSave)?, &sim_bridges),
        );
        // Docker draws container MACs at random from Engine 26 on; 20.10 derives them from
        // the address.
        let random_mac = |_: &str| false;
        report.check(
            format!("{} ip addr", c.name),
            format!("{}: ip addr", c.name),
            &source,
            &normalise::ip_addr(
                &d.in_container(&names.real(&c.name), &["ip", "addr"])?,
                random_mac,
            ),
            &normalise::ip_addr(&sim_view(&c.name, View::Addr)?, random_mac),
        );
        report.check(
            format!("{} ip route", c.name),
            format!("{}: ip route", c.name),
            &source,
            &normalise::ip_route(
                &d.in_container(&names.real(&c.name), &["ip", "route"])?,
                &[],
            ),
            &normalise::ip_route(&sim_view(&c.name, View::Route)?, &[]),
        );
        let spec = compiled
            .scenario
            .namespaces
            .iter()
            .find(|n| n.name == c.namespace);
        if let Some(spec) = spec.filter(|_| c.namespace == c.name) {
            report.check(
                format!("{} /etc/hosts", c.name),
                format!("{}: /etc/hosts (name: first IPv4 address)", c.name),
                &source,
                &hosts_lines(
                    &d.docker(&["exec", &names.real(&c.name), "cat", "/etc/hosts"])?,
                    d.docker(&["inspect", "-f", "{{.Id}}", &names.real(&c.name)])?
                        .get(..12)
                        .unwrap_or(""),
                ),
                &sim_hosts(spec, &c.id),
            );
            // The default bridge copies the host's nameserver (or falls back to 8.8.8.8);
            // user-defined networks write 127.0.0.11; --dns writes its own.
            if spec.nameserver.is_some() {
                let real = d.docker(&["exec", &names.real(&c.name), "cat", "/etc/resolv.conf"])?;
                let first = first_nameserver(&real).map(|n| format!("nameserver {n}"));
                report.check(
                    format!("{} resolv.conf", c.name),
                    format!("{}: /etc/resolv.conf (first nameserver)", c.name),
                    &source,
                    &first.into_iter().collect::<Vec<_>>(),
                    &spec
                        .nameserver
                        .iter()
                        .map(|n| format!("nameserver {n}"))
                        .collect::<Vec<_>>(),
                );
            }
        }
    }
    report.check(
        "docker ps".into(),
        "docker ps (name | image | ports)".into(),
        &source,
        &real_ps(d)?
            .iter()
            .map(|l| names.as_sim(l))
            .collect::<Vec<_>>(),
        &sim_ps(&compiled.inventory),
    );
    report.check(
        "docker network inspect".into(),
        "docker network inspect (name | subnet | ip range | gateway | internal | icc | containers)"
            .into(),
        &source,
        &real_networks(d, &compiled.inventory)?
            .iter()
            .map(|l| names.as_sim(l))
            .collect::<Vec<_>>(),
        &sim_networks(compiled),
    );
    if !compiled.scenario.traffic.is_empty() && !names.pairs.is_empty() {
        return Err(
            "engine-check does not run traffic on a project Compose v1 brought up (its \
             container names differ from docknet's): leave `traffic` out of this file"
                .into(),
        );
    }
    if !compiled.scenario.traffic.is_empty() {
        // Each network's bridge: docknet's name, the real one.
        let bridges: Vec<(String, String)> = sim_bridges
            .iter()
            .filter_map(|(sim, net)| {
                let real = real_bridges.iter().find(|(_, n)| n == net)?;
                Some((sim.clone(), real.0.clone()))
            })
            .collect();
        traffic::compare(d, compiled, prefix, &bridges, &mut report)?;
    }
    Ok(report)
}

/// `line` with every `{id:NAME}` replaced by `id_of(NAME)` (Docker draws ids at random, so a
/// script names a container by id this way).
fn with_ids(
    line: &str,
    mut id_of: impl FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{id:") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&id_of(&rest[start + 4..start + len])?);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// docknet's prediction of scenario `sc` for the real daemon: its Engine (`version`, read as
/// major.minor) and this machine's resolver, which the real dockerd reads.
fn predict_for(file: &str, sc: &mut DockerScenario, version: &str) -> Result<Compiled, String> {
    let engine: String = version
        .trim()
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    sc.platform = Platform::Linux {
        engine: engine.clone(),
    };
    with_this_machines_resolver(sc);
    compile(sc).map_err(|p| {
        let msgs: Vec<String> = p.iter().map(|p| p.message.clone()).collect();
        format!(
            "{file}: docknet cannot compile it for Engine {engine}: {}",
            msgs.join("; ")
        )
    })
}

/// The first `nameserver` of a resolv.conf text.
fn first_nameserver(resolv_conf: &str) -> Option<String> {
    resolv_conf
        .lines()
        .find_map(|l| l.trim().strip_prefix("nameserver "))
        .map(|n| n.trim().to_string())
}

/// The real dockerd reads this machine's resolv.conf: where the scenario names no host
/// nameserver, the prediction starts from the same one.
fn with_this_machines_resolver(sc: &mut DockerScenario) {
    if sc.host.nameserver.is_none() {
        sc.host.nameserver = std::fs::read_to_string("/etc/resolv.conf")
            .ok()
            .and_then(|t| first_nameserver(&t));
    }
}

/// The script for docknet: `{id:NAME}` becomes the id docknet gave NAME by then (the
/// commands before that line, compiled).
fn with_sim_ids(sc: &DockerScenario, script: &[String]) -> Result<Vec<String>, String> {
    let mut done: Vec<String> = Vec::new();
    for line in script {
        let line = with_ids(line, |name| {
            let mut before = sc.clone();
            before.commands = done.clone();
            let c = compile(&before)
                .map_err(|_| format!("`{line}`: the lines before it do not compile"))?;
            c.inventory
                .containers
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.id.clone())
                .ok_or_else(|| format!("`{line}`: no container {name} runs before it"))
        })?;
        done.push(line);
    }
    Ok(done)
}

/// The scenario's `daemon` text as dockerd flags, or as daemon.json when it is JSON.
fn daemon_args(daemon: &str) -> Result<(Vec<String>, Option<String>), String> {
    let t = daemon.trim();
    if t.starts_with('{') {
        return Ok((Vec::new(), Some(t.to_string())));
    }
    let flags: Vec<String> = t.split_whitespace().map(str::to_string).collect();
    if let Some(bad) = flags.iter().find(|f| !f.starts_with("--")) {
        return Err(format!(
            "daemon option `{bad}`: engine-check passes `daemon` to dockerd as given; write \
             flags as --name=value (or the whole daemon.json as JSON)"
        ));
    }
    Ok((flags, None))
}

/// Every image the command lines run, in first-use order.
fn images(commands: &[String]) -> Result<Vec<String>, String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for line in commands {
        if let Ok(DockerCommand::Run(run)) = parse_command(line)
            && seen.insert(run.image.clone())
        {
            if run.image.contains('@') {
                return Err(format!(
                    "`{line}`: an image by digest cannot be made locally; name it by tag"
                ));
            }
            out.push(run.image);
        }
    }
    Ok(out)
}

/// The real bridges' names (`br-<id>`) and their networks.
fn real_bridges(d: &Daemon) -> Result<Vec<(String, String)>, String> {
    let ls = d.docker(&[
        "network",
        "ls",
        "--filter",
        "driver=bridge",
        "--format",
        "{{.Name}}",
    ])?;
    let mut out = Vec::new();
    for name in ls.split_whitespace() {
        let id = d.docker(&["network", "inspect", "-f", "{{.Id}}", name])?;
        let id = id.trim();
        out.push((format!("br-{}", &id[..id.len().min(12)]), name.to_string()));
    }
    Ok(out)
}

/// The sysctls Docker sets on the host (ip_forward; route_localnet per bridge), as
/// `key = value` lines with bridges named `br-<network>`.
fn sysctl_keys(bridges: &[(String, String)]) -> Vec<(String, String)> {
    let mut keys = vec![(
        "net.ipv4.ip_forward".to_string(),
        "net.ipv4.ip_forward".to_string(),
    )];
    for (dev, net) in bridges {
        let shown = if dev == "docker0" {
            dev.clone()
        } else {
            format!("br-{net}")
        };
        keys.push((
            format!("net.ipv4.conf.{dev}.route_localnet"),
            format!("net.ipv4.conf.{shown}.route_localnet"),
        ));
    }
    keys
}

fn real_sysctls(d: &Daemon, bridges: &[(String, String)]) -> Result<Vec<String>, String> {
    let mut with_docker0: Vec<(String, String)> = bridges
        .iter()
        .filter(|(_, n)| n != "bridge")
        .cloned()
        .collect();
    with_docker0.push(("docker0".into(), "bridge".into()));
    let mut out = Vec::new();
    for (key, shown) in sysctl_keys(&with_docker0) {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        let value = d.in_host(&["cat", &path])?;
        out.push(format!("{shown} = {}", value.trim()));
    }
    out.sort();
    Ok(out)
}

fn sim_sysctls(c: &Compiled, bridges: &[(String, String)]) -> Vec<String> {
    let mut with_docker0: Vec<(String, String)> = bridges
        .iter()
        .filter(|(_, n)| n != "bridge")
        .cloned()
        .collect();
    with_docker0.push(("docker0".into(), "bridge".into()));
    let host = c.namespaces.get("host");
    let spec = c.scenario.namespaces.iter().find(|n| Some(&n.name) == host);
    let mut out: Vec<String> = sysctl_keys(&with_docker0)
        .into_iter()
        .map(|(key, shown)| {
            // Unset sysctls keep the kernel's default for a new namespace: 0.
            let value = spec.and_then(|s| s.sysctls.get(&key)).copied().unwrap_or(0);
            format!("{shown} = {value}")
        })
        .collect();
    out.sort();
    out
}

/// `/etc/hosts` as a resolver reads it: each name with the first IPv4 address it has (the
/// container's own short id written `ID`), without loopback, as sorted `name address` lines.
/// (Docker appends a line per network connected and leaves it after a disconnect.)
fn hosts_lines(text: &str, short_id: &str) -> Vec<String> {
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for l in text.lines() {
        let mut words = l.split_whitespace();
        let Some(addr) = words.next() else { continue };
        if !addr
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| !a.is_loopback())
        {
            continue;
        }
        for w in words {
            let name = if w == short_id { "ID" } else { w };
            first
                .entry(name.to_string())
                .or_insert_with(|| addr.to_string());
        }
    }
    first
        .into_iter()
        .map(|(name, addr)| format!("{name} {addr}"))
        .collect()
}

fn sim_hosts(spec: &docknet_sim::scenario::NamespaceSpec, short_id: &str) -> Vec<String> {
    let text: String = spec
        .hosts
        .iter()
        .map(|(name, addr)| format!("{addr} {name}\n"))
        .collect();
    hosts_lines(&text, short_id)
}

fn real_ps(d: &Daemon) -> Result<Vec<String>, String> {
    let text = d.docker(&["ps", "--format", "{{.Names}} | {{.Image}} | {{.Ports}}"])?;
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    lines.sort();
    Ok(lines)
}

fn sim_ps(inv: &Inventory) -> Vec<String> {
    let mut lines: Vec<String> = inv
        .containers
        .iter()
        .map(|c| {
            format!("{} | {} | {}", c.name, c.image, c.ports.join(", "))
                .trim_end()
                .to_string()
        })
        .collect();
    lines.sort();
    lines
}

/// `inv` gives the default bridge's address: a dockerd that made docker0 itself records no
/// gateway for it (one that found docker0 at start, as after any restart, records that
/// address), so an empty gateway there is read as the bridge's own address.
fn real_networks(d: &Daemon, inv: &Inventory) -> Result<Vec<String>, String> {
    let ls = d.docker(&[
        "network",
        "ls",
        "--filter",
        "driver=bridge",
        "--format",
        "{{.Name}}",
    ])?;
    let mut out = Vec::new();
    for name in ls.split_whitespace() {
        let text = d.docker(&[
            "network",
            "inspect",
            "-f",
            "{{.Name}}\t{{range .IPAM.Config}}{{.Subnet}}\t{{.IPRange}}\t{{.Gateway}}{{end}}\t\
             {{.Internal}}\t{{index .Options \"com.docker.network.bridge.enable_icc\"}}\t\
             {{range $id, $c := .Containers}} {{$c.Name}}={{$c.IPv4Address}},{{$c.MacAddress}}{{end}}",
            name,
        ])?;
        // icc is on unless the network's options say "false".
        let mut parts: Vec<String> = text
            .trim_end_matches('\n')
            .split('\t')
            .map(|p| p.trim().to_string())
            .collect();
        if parts.len() >= 6 {
            parts[5] = (parts[5].trim() != "false").to_string();
            if parts[3].is_empty()
                && let Some(n) = inv.networks.iter().find(|n| n.name == name)
                && n.bridge == "docker0"
            {
                let addr = d.in_host(&["ip", "-4", "-o", "addr", "show", "docker0"])?;
                let gw = addr.split_whitespace().skip_while(|w| *w != "inet").nth(1);
                parts[3] = gw
                    .and_then(|g| g.split('/').next())
                    .unwrap_or("")
                    .to_string();
            }
        }
        if let Some(last) = parts.last_mut() {
            let mut members: Vec<&str> = last.split_whitespace().collect();
            members.sort();
            *last = members.join(" ");
        }
        out.push(parts.join(" | ").trim_end().to_string());
    }
    out.sort();
    Ok(out)
}

fn sim_networks(c: &Compiled) -> Vec<String> {
    let mut out: Vec<String> = c
        .inventory
        .networks
        .iter()
        .map(|n| {
            let mut members: Vec<String> = c
                .inventory
                .containers
                .iter()
                .flat_map(|ct| {
                    ct.endpoints
                        .iter()
                        .filter(|(net, _, _)| *net == n.name)
                        .map(|(_, ip, mac)| {
                            format!("{}={ip}/{},{mac}", ct.name, n.subnet.prefix_len())
                        })
                })
                .collect();
            members.sort();
            format!(
                "{} | {} | {} | {} | {} | {} | {}",
                n.name,
                n.subnet,
                n.ip_range.map(|r| r.to_string()).unwrap_or_default(),
                n.recorded_gateway
                    .map(|g| g.to_string())
                    .unwrap_or_default(),
                n.internal,
                n.icc,
                members.join(" ")
            )
            .trim_end()
            .to_string()
        })
        .collect();
    out.sort();
    out
}
