//! `docknet engine-check compose.yaml`: bring a compose file up with Docker Compose v1
//! (Debian's `docker-compose` 1.29) against the real dockerd and compare with docknet's
//! Compose v2 reading of the same file: networks, addresses, rules, `docker ps`, and what the
//! embedded DNS answers for every service name and alias.
//!
//! v1 and v2 differ in names only where this check looks: v1 names containers
//! `<project>_<service>_<n>`, v2 `<project>-<service>-<n>`; the check maps one to the other.
//! Both start services without an order between them in parallel, so a file compared here
//! orders its services with `depends_on` (or fixes addresses) for a reproducible result.

use super::daemon::Daemon;
use super::{Names, compare, predict_for, traffic};
use crate::conform::Report;
use docknet_sim::Sim;
use docknet_sim::docker::compile::Compiled;
use docknet_sim::docker::scenario::Platform;
use docknet_sim::docker_cli::image_ports;
use docknet_sim::scenario::ProcessSpec;
use std::collections::BTreeSet;
use std::path::Path;

/// Why Compose v1 cannot run here, if it cannot.
pub fn unavailable() -> Option<String> {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg("command -v docker-compose")
        .output()
        .is_ok_and(|o| o.status.success());
    (!found).then(|| "docker-compose (v1) is not installed (apt-get install docker-compose)".into())
}

pub fn check(file: &str, text: &str, prefix: &str) -> Result<Report, String> {
    if let Some(why) = unavailable() {
        return Err(format!("cannot compare a compose file here: {why}"));
    }
    let path = std::fs::canonicalize(file).map_err(|e| format!("{file}: {e}"))?;
    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let shown = path.display().to_string();
    let mut sc = docknet_sim::load::docker_level(&shown, text, &read)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{file}: not a compose file"))?;
    if !matches!(sc.platform, Platform::Linux { .. }) {
        return Err(format!("{file}: engine-check runs Docker Engine on Linux"));
    }
    let nics = traffic::nics(&sc)?;
    let mut d = Daemon::start(prefix, &nics, sc.host.gateway.as_deref(), &[], None)?;
    let version = d.docker(&["version", "--format", "{{.Server.Version}}"])?;
    let compiled = predict_for(file, &mut sc, &version)?;
    let sim = Sim::from_scenario(&compiled.scenario)
        .map_err(|_| format!("{file}: the compiled scenario does not build"))?;
    let project = compiled
        .inventory
        .compose
        .as_ref()
        .ok_or_else(|| format!("{file}: no compose project"))?;
    let images: BTreeSet<&str> = compiled
        .inventory
        .containers
        .iter()
        .map(|c| c.image.as_str())
        .collect();
    for image in images {
        let ports: Vec<String> = image_ports(image)
            .iter()
            .map(|(p, proto)| format!("{p}/{proto}"))
            .collect();
        d.import_image(image, &ports)?;
    }
    d.compose(
        &dir,
        &[
            "-p",
            &project.project,
            "-f",
            &shown,
            "up",
            "-d",
            "--no-build",
        ],
    )
    .map_err(|e| format!("{file}: docker-compose up failed: {e}"))?;
    let names = v1_names(&compiled);
    let mut report = compare(&mut d, &compiled, &sim, &version, prefix, &names)?;
    dns(&d, &compiled, &names, &version, &mut report)?;
    Ok(report)
}

/// v1's container names: `<project>_<service>_<n>` unless `container_name` says otherwise.
fn v1_names(c: &Compiled) -> Names {
    let mut pairs = Vec::new();
    if let Some(p) = &c.inventory.compose {
        for (name, service, n) in &p.containers {
            if *name == format!("{}-{service}-{n}", p.project) {
                pairs.push((name.clone(), format!("{}_{service}_{n}", p.project)));
            }
        }
    }
    Names { pairs }
}

/// What the embedded DNS answers each container for every service name and alias it knows
/// (container names included, each side in its own spelling).
fn dns(
    d: &Daemon,
    c: &Compiled,
    names: &Names,
    version: &str,
    report: &mut Report,
) -> Result<(), String> {
    let Some(project) = &c.inventory.compose else {
        return Ok(());
    };
    let source = format!("dockerd {} with docker-compose v1", version.trim());
    for (container, _, _) in &project.containers {
        let Some(spec) = c.scenario.namespaces.iter().find(|n| n.name == *container) else {
            continue;
        };
        let Some(records) = spec.processes.iter().find_map(|p| match p {
            ProcessSpec::Dns { records, .. } => Some(records),
            _ => None,
        }) else {
            continue;
        };
        let ids: BTreeSet<&str> = c
            .inventory
            .containers
            .iter()
            .map(|x| x.id.as_str())
            .collect();
        let mut real = Vec::new();
        let mut simulated = Vec::new();
        for (name, ips) in records.iter().filter(|(n, _)| !ids.contains(n.as_str())) {
            let asked = names.real(name);
            let out = d
                .docker(&[
                    "exec",
                    &names.real(container),
                    "nslookup",
                    &asked,
                    "127.0.0.11",
                ])
                .unwrap_or_default();
            real.push(format!("{name} -> {}", answers(&out).join(",")));
            let mut want: Vec<&str> = ips.split(',').collect();
            want.sort();
            simulated.push(format!("{name} -> {}", want.join(",")));
        }
        report.check(
            format!("{container} DNS"),
            format!("{container}: embedded DNS answers (name -> addresses)"),
            &source,
            &real,
            &simulated,
        );
    }
    Ok(())
}

/// The IPv4 addresses in busybox nslookup's answer (after the server's own lines).
fn answers(out: &str) -> Vec<String> {
    let mut ips: Vec<String> = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("Name:"))
        .flat_map(|l| l.split_whitespace())
        .filter(|w| w.parse::<std::net::Ipv4Addr>().is_ok())
        .map(str::to_string)
        .collect();
    ips.sort();
    ips.dedup();
    ips
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nslookup_answers_both_busybox_formats() {
        let old = "Server:    127.0.0.11\nAddress 1: 127.0.0.11\n\nName:      app\nAddress 1: 172.18.0.3 p_app_2.p_default\nAddress 2: 172.18.0.2\n";
        assert_eq!(answers(old), ["172.18.0.2", "172.18.0.3"]);
        let new = "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\nName:\tdb\nAddress: 10.30.0.2\n";
        assert_eq!(answers(new), ["10.30.0.2"]);
        assert!(answers("** server can't find x: NXDOMAIN\n").is_empty());
    }
}
