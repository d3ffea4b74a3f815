//! The scenario's traffic on what the real dockerd built: its servers, flows, captures and
//! chain walks run by the lab's traffic half (`lab::traffic_script`) in the daemon's own
//! namespaces, compared with the simulation as `docknet conform` compares a lab.

use super::daemon::{Daemon, Nic, Peer};
use crate::conform::{self, Report};
use docknet_lab::lab::{LabOptions, traffic_script};
use docknet_sim::docker::compile::Compiled;
use docknet_sim::docker::scenario::DockerScenario;
use ipnet::Ipv4Net;

/// The host's NICs, each with the one peer cabled to it (engine-check builds no LAN switch
/// and no internet router).
pub fn nics(sc: &DockerScenario) -> Result<Vec<Nic>, String> {
    let first = sc.host.nics.first().map(|n| n.name.clone());
    let mut out = Vec::new();
    for nic in &sc.host.nics {
        let subnet: Option<Ipv4Net> = nic.addr.parse().ok();
        let on_it: Vec<_> = sc
            .peers
            .iter()
            .filter(|p| p.nic.as_ref().or(first.as_ref()) == Some(&nic.name))
            .collect();
        if on_it.len() > 1 {
            return Err(format!(
                "engine-check cables one peer to each host NIC; {} has {}",
                nic.name,
                on_it.len()
            ));
        }
        let peer = match on_it.first() {
            Some(p) => {
                let addr: Option<Ipv4Net> = p.addr.parse().ok();
                if !addr.zip(subnet).is_some_and(|(a, s)| s.contains(&a.addr())) {
                    return Err(format!(
                        "peer {} ({}) is not on {}'s LAN: engine-check builds no router to the \
                         internet",
                        p.name, p.addr, nic.name
                    ));
                }
                Some(Peer {
                    ns: p.name.clone(),
                    iface: "eth0".into(),
                    addr: p.addr.clone(),
                    routes: Vec::new(),
                })
            }
            None => None,
        };
        out.push(Nic {
            name: nic.name.clone(),
            addr: nic.addr.clone(),
            peer,
        });
    }
    Ok(out)
}

/// Run the traffic on the real side and compare captures, chain walks and conntrack.
/// `bridges` pairs each network's docknet bridge name with the real one.
pub fn compare(
    d: &mut Daemon,
    compiled: &Compiled,
    prefix: &str,
    bridges: &[(String, String)],
    report: &mut Report,
) -> Result<(), String> {
    for c in &compiled.inventory.containers {
        if c.namespace == c.name {
            d.name_netns(&c.name, &format!("{prefix}{}", c.name))?;
        }
    }
    let (sc, sim) = conform::simulated(&compiled.scenario)?;
    let real_iface = |_: &str, iface: &str| -> String {
        bridges
            .iter()
            .find(|(sim, _)| sim == iface)
            .map_or(iface.to_string(), |(_, real)| real.clone())
    };
    if let Some(o) = sc.observe.iter().find(|o| o.contains(":veth")) {
        return Err(format!(
            "observe point {o}: dockerd names veths at random; observe the bridge or the \
             container's eth0 instead"
        ));
    }
    let mut real_sc = sc.clone();
    real_sc.observe = sc
        .observe
        .iter()
        .map(|o| match o.split_once(':') {
            Some((ns, iface)) => format!("{ns}:{}", real_iface(ns, iface)),
            None => o.clone(),
        })
        .collect();
    let script = traffic_script(
        &real_sc,
        &LabOptions {
            prefix: Some(prefix.to_string()),
        },
    );
    let workdir = std::env::temp_dir().join(format!("{prefix}traffic"));
    let result = conform::run_script(&real_sc, &sim, &script, &workdir).and_then(|()| {
        conform::compare_results(&sc, &sim, &workdir, conform::Built::ByEngine, real_iface)
    });
    let _ = std::fs::remove_dir_all(&workdir);
    let r = result?;
    report.compared.extend(r.compared);
    report.mismatches.extend(r.mismatches);
    Ok(())
}
