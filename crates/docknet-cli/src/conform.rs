//! `docknet conform`: run a scenario's lab on this machine's kernel (as root) and compare what
//! tcpdump and conntrack saw there with what the simulator predicts.
//!
//! Compared, per observed interface: the ordered list of (protocol, addresses, ports, TCP
//! flags / ICMP type, ARP operation); kernel-chosen ephemeral ports are normalized. Per
//! namespace with rules: each packet's walk through the chains (`nft monitor trace`: every
//! matching rule's verdict and the policies reached) and the conntrack entries (protocol,
//! state, both tuples). Timestamps, sequence numbers, IP ids and timeouts are not compared.
//! Flows the lab cannot reproduce (names only a simulated DNS server knows) are left out on
//! both sides.

use docknet_lab::conform::walks::{parse_nft_trace, sim_walks};
use docknet_lab::conform::{Seen, normalize, read_pcap, side_by_side};
use docknet_lab::lab::{LabOptions, lab_script};
use docknet_sim::Sim;
use docknet_sim::scenario::{NamespaceSpec, NsRole, Scenario, TrafficSpec};
use docknet_sim::time::SimDuration;
use docknet_sim::trace::TraceEvent;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The result of one comparison.
#[derive(Default)]
pub struct Report {
    pub mismatches: Vec<String>,
    pub compared: Vec<String>,
}

impl Report {
    /// Record one comparison: `what` (e.g. `capture host:eth1: 14 frames`) as compared, and
    /// a side-by-side diff headed `title` when the kernel's and the simulator's lists differ.
    pub fn check(&mut self, what: String, title: String, source: &str, k: &[String], s: &[String]) {
        self.compared.push(what);
        if k != s {
            self.mismatches.push(format!(
                "{title}:\n{}",
                side_by_side(&format!("kernel ({source})"), k, "simulator", s)
            ));
        }
    }
}

/// Traffic the lab can reproduce: targets given by address or by a hosts entry.
fn reproducible(sc: &Scenario) -> Scenario {
    let mut sc = sc.clone();
    let hosts = |from: &str, name: &str| {
        sc.namespaces
            .iter()
            .any(|n| n.name == from && n.hosts.contains_key(name))
    };
    let keep: Vec<TrafficSpec> = sc
        .traffic
        .iter()
        .filter(|t| {
            let host = t.to().rsplit_once(':').map_or(t.to(), |(h, _)| h);
            host.parse::<Ipv4Addr>().is_ok() || hosts(t.from(), host)
        })
        .cloned()
        .collect();
    sc.traffic = keep;
    sc
}

/// Ports the scenario fixes (listeners, relays, fixed source ports): never normalized.
fn fixed_ports(sc: &Scenario) -> BTreeSet<u16> {
    let mut ports = BTreeSet::new();
    for t in &sc.traffic {
        if let Some(p) = t.to().rsplit_once(':').and_then(|(_, p)| p.parse().ok()) {
            ports.insert(p);
        }
        if let TrafficSpec::Tcp { sport: Some(p), .. } | TrafficSpec::Udp { sport: Some(p), .. } = t
        {
            ports.insert(*p);
        }
    }
    for ns in &sc.namespaces {
        for p in &ns.processes {
            use docknet_sim::scenario::ProcessSpec as P;
            match p {
                P::Listen { port, .. } | P::Relay { port, .. } | P::Dns { port, .. } => {
                    ports.insert(*port);
                }
            }
        }
    }
    ports
}

/// A conntrack line reduced to what is compared: protocol, state and both tuples.
fn conntrack_key(line: &str, fixed: &BTreeSet<u16>) -> Option<String> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    if words.first() == Some(&"ipv4") {
        words.drain(..2);
    }
    let proto = *words.first()?;
    let mut out = vec![proto.to_string()];
    for w in words.iter().skip(3) {
        if ["mark=", "use=", "zone="].iter().any(|k| w.starts_with(k)) {
            continue;
        }
        out.push(match w.split_once('=') {
            Some((k @ ("sport" | "dport"), v)) => match v.parse::<u16>() {
                Ok(p) if p >= 1024 && !fixed.contains(&p) => format!("{k}=E"),
                _ => w.to_string(),
            },
            _ => w.to_string(),
        });
    }
    if proto == "icmp" {
        out.retain(|w| !w.starts_with("id="));
    }
    Some(out.join(" "))
}

/// Run the lab for `sc` (compiled, kernel-level) and compare it with the simulator.
pub fn compare(sc: &Scenario, workdir: &Path) -> Result<Report, String> {
    if sc.namespaces.iter().any(|n| n.role == NsRole::Vm) {
        return Err(
            "Docker Desktop scenarios are approximated in the lab; they are not compared".into(),
        );
    }
    if sc.namespaces.iter().any(NamespaceSpec::has_rules) && !iptables_is_nft() {
        return Err(
            "this machine's iptables is not the nf_tables backend (`iptables -V` should say \
             nf_tables): nft monitor trace would not see its rules"
                .into(),
        );
    }
    let (sc, sim) = simulated(sc)?;
    let prefix = format!("dnc{}-", std::process::id() % 100_000);
    let script = lab_script(
        &sc,
        &LabOptions {
            prefix: Some(prefix),
        },
    );
    run_script(&sc, &sim, &script, workdir)?;
    compare_results(&sc, &sim, workdir, Built::ByLab, |_, iface| {
        iface.to_string()
    })
}

/// Who built the namespaces the lab's results come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Built {
    /// The lab's script, whose iptables-restore creates every builtin chain.
    ByLab,
    /// A real Docker engine, whose one-rule-at-a-time iptables-nft creates a builtin chain
    /// only when it first gets a rule or a policy: a packet never walks the others.
    ByEngine,
}

/// The part of `sc` the lab reproduces, simulated to its end.
pub fn simulated(sc: &Scenario) -> Result<(Scenario, Sim), String> {
    let sc = reproducible(sc);
    let mut sim = Sim::from_scenario(&sc).map_err(|p| format!("scenario invalid: {p:?}"))?;
    sim.run_to_end();
    Ok((sc, sim))
}

/// Run a lab `script` for `sc` (simulated as `sim`) with its results in `workdir`.
pub fn run_script(sc: &Scenario, sim: &Sim, script: &str, workdir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(workdir).map_err(|e| format!("{}: {e}", workdir.display()))?;
    let script_path = workdir.join("lab.sh");
    std::fs::write(&script_path, script).map_err(|e| format!("{}: {e}", script_path.display()))?;
    // Keep capturing until the simulation's last event (e.g. a neighbour probe 5 s after the
    // traffic), counted from the last flow's start.
    let last_start = sc.traffic.iter().map(|t| t.at_ms()).max().unwrap_or(0);
    let settle = (sim.now().as_nanos() / 1_000_000).saturating_sub(last_start) / 1000 + 2;
    let out = Command::new("bash")
        .arg(&script_path)
        .env("DOCKNET_LAB_SETTLE", settle.to_string())
        .env("DOCKNET_LAB_OUT", workdir)
        .env("DOCKNET_LAB_CONNECT_TIMEOUT", "130")
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the lab failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Compare what the lab left in `workdir` with the simulation: captures, chain walks,
/// conntrack. `real_iface(ns, iface)` names the interface the lab captured for an observe
/// point (the same name, unless a real engine named it).
pub fn compare_results(
    sc: &Scenario,
    sim: &Sim,
    workdir: &Path,
    built: Built,
    real_iface: impl Fn(&str, &str) -> String,
) -> Result<Report, String> {
    let fixed = fixed_ports(sc);
    let mut report = Report::default();
    for point in &sc.observe {
        let Some((ns, iface)) = point.split_once(':') else {
            continue;
        };
        let pcap = workdir.join(format!("{ns}_{}.pcap", real_iface(ns, iface)));
        let bytes = std::fs::read(&pcap).map_err(|e| format!("{}: {e}", pcap.display()))?;
        let kernel = read_pcap(&bytes).map_err(|e| format!("{}: {e}", pcap.display()))?;
        let simulated: Vec<Seen> = sim
            .trace()
            .iter()
            .filter_map(|r| match &r.event {
                TraceEvent::Capture {
                    ns: n,
                    iface: i,
                    frame,
                    ..
                } if n == ns && i == iface => Some(Seen::from_frame(frame)),
                _ => None,
            })
            .collect();
        let (kernel, simulated) = match built {
            Built::ByLab => (kernel, simulated),
            Built::ByEngine => (by_connection(kernel), by_connection(simulated)),
        };
        let (k, s) = (normalize(&kernel, &fixed), normalize(&simulated, &fixed));
        report.check(
            format!("capture {point}: {} frames", k.len()),
            format!("capture at {point}"),
            "tcpdump",
            &k,
            &s,
        );
    }
    compare_walks(sc, sim, workdir, &fixed, built, &mut report);
    // conntrack, in the state the lab dumped it: a second after the last process finished.
    let mut at = Sim::from_scenario(sc).map_err(|p| format!("scenario invalid: {p:?}"))?;
    at.step_until(sim.now() + SimDuration::from_secs(1));
    for spec in sc.namespaces.iter().filter(|n| n.has_rules()) {
        let file = workdir.join(format!("conntrack_{}.txt", spec.name));
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Some(id) = at.net.ns_by_name(&spec.name) else {
            continue;
        };
        // A bridge dockerd made sent IGMP reports when it came up (the lab turns multicast
        // snooping off first); docknet models no multicast.
        let multicast = |l: &&str| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("dst="))
                .and_then(|a| a.parse::<Ipv4Addr>().ok())
                .is_some_and(|a| a.is_multicast())
        };
        let mut k: Vec<String> = text
            .lines()
            .filter(|l| built == Built::ByLab || !multicast(l))
            .filter_map(|l| conntrack_key(l, &fixed))
            .collect();
        let mut s: Vec<String> = at
            .net
            .ns(id)
            .conntrack()
            .list(at.now())
            .lines()
            .filter_map(|l| conntrack_key(l, &fixed))
            .collect();
        k.sort();
        s.sort();
        report.check(
            format!("conntrack {}: {} entries", spec.name, k.len()),
            format!("conntrack in {}", spec.name),
            "conntrack -L",
            &k,
            &s,
        );
    }
    Ok(report)
}

/// Whether `iptables` is iptables-nft, whose rules `nft monitor trace` reports.
fn iptables_is_nft() -> bool {
    Command::new("iptables")
        .arg("-V")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("nf_tables"))
}

/// Per namespace with rules, the ordered chain walks of its packets.
fn compare_walks(
    sc: &Scenario,
    sim: &Sim,
    workdir: &Path,
    fixed: &BTreeSet<u16>,
    built: Built,
    report: &mut Report,
) {
    for spec in sc.namespaces.iter().filter(|n| n.has_rules()) {
        // Builtin chains with no rules and an ACCEPT policy change nothing; whether nft has
        // them at all is iptables-nft's business (see [`Built::ByEngine`]).
        let absent = match built {
            Built::ByLab => BTreeSet::new(),
            Built::ByEngine => empty_builtins(&spec.iptables),
        };
        let file = workdir.join(format!("nfttrace_{}.txt", spec.name));
        let Ok(text) = std::fs::read_to_string(&file) else {
            report.mismatches.push(format!(
                "chain walks in {}: the lab left no {} (is nft installed?)",
                spec.name,
                file.display()
            ));
            continue;
        };
        let render = |walks: Vec<docknet_lab::conform::walks::Walk>| -> Vec<String> {
            walks
                .into_iter()
                .filter_map(|mut w| {
                    w.steps
                        .retain(|s| !absent.iter().any(|c| *s == format!("{c} policy accept")));
                    (!w.steps.is_empty()).then(|| w.render(fixed))
                })
                .collect()
        };
        let k = render(parse_nft_trace(&text));
        let s = render(sim_walks(sim.trace(), &spec.name));
        report.check(
            format!("chain walks {}: {} packets", spec.name, k.len()),
            format!("chain walks in {}", spec.name),
            "nft monitor trace",
            &k,
            &s,
        );
    }
}

/// The frames grouped by connection (in the order each first appears), each group in its
/// own order. docker-proxy is a Go program: how long it takes to accept, dial the container
/// and copy varies from run to run by milliseconds, so how its two connections interleave
/// is not the engine's behaviour and is not compared; each connection's own sequence is.
fn by_connection(frames: Vec<Seen>) -> Vec<Seen> {
    let key = |f: &Seen| -> String {
        let pair = |a: String, b: String| {
            if a <= b {
                format!("{a} {b}")
            } else {
                format!("{b} {a}")
            }
        };
        match f {
            Seen::Arp { sender, target, .. } => {
                format!("arp {}", pair(sender.to_string(), target.to_string()))
            }
            Seen::Ip {
                proto,
                src,
                dst,
                sport,
                dport,
                ..
            } => format!(
                "{proto} {}",
                pair(format!("{src}:{sport:?}"), format!("{dst}:{dport:?}"))
            ),
            Seen::Other(o) => o.clone(),
        }
    };
    let mut groups: Vec<(String, Vec<Seen>)> = Vec::new();
    for f in frames {
        let k = key(&f);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(f),
            None => groups.push((k, vec![f])),
        }
    }
    groups.into_iter().flat_map(|(_, v)| v).collect()
}

/// `table chain` for every builtin chain of an iptables-save text with no rule and an ACCEPT
/// policy.
fn empty_builtins(save: &str) -> BTreeSet<String> {
    let mut table = "";
    let mut empty = BTreeSet::new();
    let mut used = BTreeSet::new();
    for line in save.lines() {
        if let Some(t) = line.strip_prefix('*') {
            table = t.trim();
        } else if let Some(decl) = line.strip_prefix(':') {
            let mut w = decl.split_whitespace();
            if let (Some(chain), Some("ACCEPT")) = (w.next(), w.next()) {
                empty.insert(format!("{table} {chain}"));
            }
        } else if let Some(chain) = line
            .strip_prefix("-A ")
            .and_then(|rule| rule.split_whitespace().next())
        {
            used.insert(format!("{table} {chain}"));
        }
    }
    empty.retain(|c| !used.contains(c));
    empty
}

/// Why this machine cannot run a lab, if it cannot.
pub fn lab_unavailable() -> Option<String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root != Some(true) {
        return Some("not running as root".into());
    }
    for tool in ["ip", "tcpdump", "socat", "iptables-restore", "ping", "nft"] {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("{tool} is not installed"));
        }
    }
    let probe = format!("dnprobe{}", std::process::id());
    let made = Command::new("ip")
        .args(["netns", "add", &probe])
        .output()
        .is_ok_and(|o| o.status.success());
    let _ = Command::new("ip").args(["netns", "del", &probe]).output();
    (!made).then(|| "cannot create network namespaces here".into())
}

/// A scratch directory for one comparison.
pub fn workdir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("docknet-conform-{}-{name}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conntrack_lines_from_both_sides_reduce_to_the_same_key() {
        let fixed = BTreeSet::from([80, 45000]);
        let kernel = "ipv4     2 tcp      6 118 TIME_WAIT src=192.168.1.10 dst=203.0.113.10 sport=45000 dport=80 src=203.0.113.10 dst=203.0.113.2 sport=80 dport=45000 [ASSURED] mark=0 use=1";
        let sim = "tcp      6 119 TIME_WAIT src=192.168.1.10 dst=203.0.113.10 sport=45000 dport=80 src=203.0.113.10 dst=203.0.113.2 sport=80 dport=45000 [ASSURED] mark=0 use=1";
        assert_eq!(conntrack_key(kernel, &fixed), conntrack_key(sim, &fixed));
        assert_eq!(
            conntrack_key(sim, &fixed).unwrap(),
            "tcp TIME_WAIT src=192.168.1.10 dst=203.0.113.10 sport=45000 dport=80 src=203.0.113.10 dst=203.0.113.2 sport=80 dport=45000 [ASSURED]"
        );
        let eph = "udp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=51000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=51000 mark=0 use=1";
        assert!(
            conntrack_key(eph, &fixed)
                .unwrap()
                .contains("sport=E dport=53")
        );
    }
}
