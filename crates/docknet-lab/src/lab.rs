//! `docknet lab`: a self-contained bash script that builds a scenario's kernel-level topology
//! on a real Linux machine and runs its traffic there, so a learner can watch the real kernel
//! do what the simulator showed, and a conformance harness can compare the two.
//!
//! The script creates one network namespace per scenario namespace (named with a prefix, by
//! default `dn<PID>-`), builds every veth pair directly inside the namespaces, configures
//! MACs (the simulator's, so both agree), addresses, routes, sysctls and iptables rules,
//! starts the processes with `socat`, runs the traffic in `at_ms` order and, when
//! `DOCKNET_LAB_OUT` names a directory, captures every `observe` point with tcpdump and, per
//! namespace with rules, logs `nft monitor trace` and saves conntrack and `iptables-save -c`.
//! A `trap cleanup EXIT` deletes everything it made. Nothing here runs a command: this module
//! only writes text.

use docknet_sim::Sim;
use docknet_sim::scenario::{
    IfaceSpec, LinkSpec, NamespaceSpec, NsRole, ProcessSpec, Proto, Scenario, TrafficSpec,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// How the script is generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabOptions {
    /// Prefix of every namespace name. `None`: `dn$$-`, computed when the script runs (its
    /// PID), so two runs never collide.
    pub prefix: Option<String>,
}

impl LabOptions {
    /// A prefix must be a short, shell- and file-name-safe word.
    pub fn check_prefix(prefix: &str) -> Result<(), String> {
        let ok = !prefix.is_empty()
            && prefix.len() <= 32
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if ok {
            Ok(())
        } else {
            Err(format!(
                "`{prefix}` is not a usable namespace prefix: use up to 32 letters, digits, `_`, `.` or `-`, e.g. dnlab-"
            ))
        }
    }
}

/// The bash script that builds `sc` for real. Never panics; for a scenario the simulator
/// rejects, interfaces without a fixed MAC keep the kernel's random one.
pub fn lab_script(sc: &Scenario, opts: &LabOptions) -> String {
    let sim = Sim::from_scenario(sc).ok();
    let mut lab = Lab::new(sc, sim.as_ref());
    lab.namespaces();
    lab.devices();
    lab.interfaces();
    lab.sysctls();
    lab.routes();
    lab.iptables();
    lab.processes();
    lab.capture_start();
    lab.trace_start();
    lab.traffic();
    lab.capture_stop();
    lab.finish(opts)
}

/// The traffic half of a lab, for namespaces that already exist as `${P}<name>` because a
/// real Docker engine built them (`docknet engine-check`): the scenario's servers (except
/// docker-proxy and the embedded DNS, which the engine runs itself), the captures, the chain
/// walks and the traffic. It creates and configures no namespace, device, address, route or
/// rule, and deletes nothing but the processes it started.
pub fn traffic_script(sc: &Scenario, opts: &LabOptions) -> String {
    let sim = Sim::from_scenario(sc).ok();
    let mut lab = Lab::new(sc, sim.as_ref());
    lab.engine_built = true;
    lab.note(
        "The namespaces, devices, addresses, routes and rules were built by a real Docker \
         engine; this script only adds the scenario's servers and traffic.",
    );
    lab.processes();
    lab.capture_start();
    lab.trace_start();
    lab.traffic();
    lab.capture_stop();
    lab.finish(opts)
}

/// Width of wrapped comment text.
const WIDTH: usize = 96;

/// The shell functions a script may need; only the used ones are emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Helper {
    Tcp,
    Udp,
    Ping,
    Capture,
    Trace,
}

/// The script being written: its body, and what the header and checks must say about it.
struct Lab<'a> {
    sc: &'a Scenario,
    sim: Option<&'a Sim>,
    body: Vec<String>,
    /// What this lab does differently from the simulation, in order, without repeats.
    notes: Vec<String>,
    /// Tools the script needs, with the Debian/Ubuntu package that has them.
    tools: BTreeMap<&'static str, &'static str>,
    helpers: BTreeSet<Helper>,
    /// Whether `modprobe br_netfilter` may run (the one global step).
    modprobe: bool,
    /// A section title not yet written (see [`Lab::section`]).
    pending_section: Option<String>,
    /// A real engine built the namespaces and runs its own processes ([`traffic_script`]).
    engine_built: bool,
}

impl<'a> Lab<'a> {
    fn new(sc: &'a Scenario, sim: Option<&'a Sim>) -> Self {
        let mut tools = BTreeMap::new();
        tools.insert("ip", "iproute2");
        Lab {
            sc,
            sim,
            body: Vec::new(),
            notes: Vec::new(),
            tools,
            helpers: BTreeSet::new(),
            modprobe: false,
            pending_section: None,
            engine_built: false,
        }
    }

    // ----- writing -----

    fn line(&mut self, s: impl Into<String>) {
        if let Some(title) = self.pending_section.take() {
            self.body.push(String::new());
            self.body.push(format!("# ----- {title} -----"));
        }
        self.body.push(s.into());
    }

    fn comment(&mut self, text: &str) {
        for l in wrap_comment(text, "") {
            self.line(l);
        }
    }

    /// Start a section; its title is written only if something follows.
    fn section(&mut self, title: &str) {
        self.pending_section = Some(title.to_string());
    }

    fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.notes.contains(&text) {
            self.notes.push(text);
        }
    }

    fn need(&mut self, tool: &'static str, package: &'static str) {
        self.tools.insert(tool, package);
    }

    /// `ip netns exec NS ` for a scenario namespace.
    fn exec(ns: &str) -> String {
        format!("ip netns exec {} ", ns_ref(ns))
    }

    /// The namespace specs, borrowed from the scenario (not from `self`), so the writer can
    /// be used while iterating.
    fn specs(&self) -> std::slice::Iter<'a, NamespaceSpec> {
        self.sc.namespaces.iter()
    }

    fn has_ns(&self, name: &str) -> bool {
        self.sc.namespaces.iter().any(|n| n.name == name)
    }

    fn ns_spec(&self, name: &str) -> Option<&'a NamespaceSpec> {
        self.sc.namespaces.iter().find(|n| n.name == name)
    }

    // ----- topology -----

    /// Namespaces, loopback up, IPv6 off and the simulator's defaults for what it models.
    fn namespaces(&mut self) {
        self.section("Namespaces");
        self.comment(
            "Each is registered for cleanup as soon as it exists. IPv6 is switched off before any \
             interface is made (the simulator is IPv4-only: no router solicitations or MLD \
             reports); rp_filter is off (the simulator does not model it) and ip_forward is 0 \
             unless the scenario sets it, whatever the machine's own defaults are.",
        );
        for spec in self.specs() {
            let ns = ns_ref(&spec.name);
            self.line(format!("ip netns add {ns}"));
            self.line(format!("NSES+=({ns})"));
            self.line(format!("ip -n {ns} link set lo up"));
            let forward = spec
                .sysctls
                .get("net.ipv4.ip_forward")
                .copied()
                .unwrap_or(0);
            self.line(format!(
                "{}sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true",
                Self::exec(&spec.name)
            ));
            self.line(format!(
                "{}sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_forward={forward}",
                Self::exec(&spec.name)
            ));
        }
        self.note("IPv6 is disabled in every namespace: the simulator models IPv4 only.");
    }

    /// Bridges, veth pairs (for `Veth` and `Wire` links) and dummies for unlinked interfaces.
    fn devices(&mut self) {
        self.section("Devices (created inside the namespaces; nothing in the root namespace)");
        for spec in self.specs() {
            for i in spec
                .interfaces
                .iter()
                .filter(|i| i.bridge && i.name != "lo")
            {
                // `mcast_snooping 0`: with snooping a new bridge joins 224.0.0.106 and sends
                // IGMP reports (which conntrack tracks); on a real Docker host that happened
                // long before the lesson, and the simulator does not model multicast.
                self.line(format!(
                    "ip -n {} link add {} type bridge mcast_snooping 0",
                    ns_ref(&spec.name),
                    q(&i.name)
                ));
            }
        }
        let mut linked = BTreeSet::new();
        for link in &self.sc.links {
            if let Some((a, b)) = self.link(link) {
                linked.insert(a);
                linked.insert(b);
            }
        }
        let mut n = 0;
        for spec in self.specs() {
            for i in &spec.interfaces {
                let key = (spec.name.clone(), i.name.clone());
                if !i.bridge && i.name != "lo" && !linked.contains(&key) {
                    n += 1;
                    self.unlinked(&spec.name, &i.name, n);
                }
            }
        }
    }

    /// An interface linked to nothing: a dummy device, or (where the kernel has no dummy
    /// driver) a veth whose peer `dnpeerN` stays in the same namespace, up, without address.
    fn unlinked(&mut self, ns: &str, iface: &str, n: usize) {
        let nsr = ns_ref(ns);
        let peer = format!("dnpeer{n}");
        self.comment(&format!(
            "{ns}:{iface} has no link: a dummy device stands in for it (frames sent to it go \
             nowhere); without the dummy driver, a veth whose peer {peer} stays here, unused."
        ));
        self.line(format!(
            "if ! ip -n {nsr} link add {} type dummy 2>/dev/null; then",
            q(iface)
        ));
        self.line(format!(
            "  ip -n {nsr} link add {} type veth peer name {peer}",
            q(iface)
        ));
        self.line(format!("  ip -n {nsr} link set dev {peer} up"));
        self.line("fi");
        self.note(format!(
            "{ns}:{iface} is linked to nothing: it is a dummy device (or a veth to an unused peer)."
        ));
    }

    /// One veth pair for a link; returns its two ends `(ns, iface)` when it could be made.
    fn link(&mut self, link: &LinkSpec) -> Option<((String, String), (String, String))> {
        let (a, b) = link.ends();
        let ends = endpoint(a).zip(endpoint(b));
        let Some(((na, ia), (nb, ib))) =
            ends.filter(|((na, _), (nb, _))| self.has_ns(na) && self.has_ns(nb))
        else {
            self.comment(&format!(
                "link {a} <-> {b}: an end is not `ns:iface` of a known namespace; skipped."
            ));
            return None;
        };
        match link {
            LinkSpec::Veth { latency_us, .. } => {
                self.comment(&format!("veth pair {a} <-> {b}"));
                if latency_us.is_some() {
                    self.note("Link latencies are not reproduced: veth pairs deliver at once.");
                }
            }
            LinkSpec::Wire { .. } => {
                self.comment(&format!(
                    "cable {a} <-> {b}: a cable between two NICs behaves like a veth pair here \
                     (no PHY, no autonegotiation; speed and latency are not reproduced)."
                ));
                self.note(
                    "Wire links (cables between NICs) are veth pairs: no link speed or latency.",
                );
            }
        }
        self.line(format!(
            "ip -n {} link add {} type veth peer name {} netns {}",
            ns_ref(na),
            q(ia),
            q(ib),
            ns_ref(nb)
        ));
        Some((
            (na.to_string(), ia.to_string()),
            (nb.to_string(), ib.to_string()),
        ))
    }

    /// MACs, bridge ports, hairpin, addresses, and every interface up.
    fn interfaces(&mut self) {
        self.section("Interfaces: MACs, bridge ports, addresses, up");
        for spec in self.specs() {
            let ns = ns_ref(&spec.name);
            let ifaces: Vec<&IfaceSpec> = spec.interfaces.iter().collect();
            for i in ifaces.iter().filter(|i| i.name != "lo") {
                if let Some(mac) = self.mac(&spec.name, i) {
                    self.line(format!(
                        "ip -n {ns} link set dev {} address {}",
                        q(&i.name),
                        q(&mac)
                    ));
                }
            }
            for i in ifaces.iter().filter(|i| i.name != "lo") {
                if let Some(mtu) = i.mtu {
                    self.line(format!("ip -n {ns} link set dev {} mtu {mtu}", q(&i.name)));
                }
            }
            for i in &ifaces {
                self.port(&spec.name, i);
            }
            for i in &ifaces {
                for a in &i.addrs {
                    if i.name == "lo" && a == "127.0.0.1/8" {
                        continue;
                    }
                    let brd = if i.name == "lo" { "" } else { "brd + " };
                    self.line(format!(
                        "ip -n {ns} addr add {} {brd}dev {}",
                        q(a),
                        q(&i.name)
                    ));
                }
            }
            let (bridges, others): (Vec<&IfaceSpec>, Vec<&IfaceSpec>) = ifaces
                .iter()
                .copied()
                .filter(|i| i.name != "lo")
                .partition(|i| i.bridge);
            for i in bridges.iter().chain(others.iter()) {
                self.line(format!("ip -n {ns} link set dev {} up", q(&i.name)));
            }
        }
    }

    /// The scenario's MAC, else the one the simulator drew from the seed.
    fn mac(&self, ns: &str, i: &IfaceSpec) -> Option<String> {
        if let Some(m) = &i.mac {
            return Some(m.clone());
        }
        let sim = self.sim?;
        let id = sim.net.iface_by_name(sim.net.ns_by_name(ns)?, &i.name)?;
        Some(sim.net.iface(id).mac().to_string())
    }

    /// `master` and hairpin for a bridge port.
    fn port(&mut self, ns: &str, i: &IfaceSpec) {
        let Some(master) = &i.master else { return };
        let nsr = ns_ref(ns);
        self.line(format!(
            "ip -n {nsr} link set dev {} master {}",
            q(&i.name),
            q(master)
        ));
        if i.hairpin {
            self.need("bridge", "iproute2");
            self.line(format!(
                "bridge -n {nsr} link set dev {} hairpin on",
                q(&i.name)
            ));
        }
    }

    /// The scenario's sysctls, per namespace.
    fn sysctls(&mut self) {
        self.section("Sysctls");
        for spec in self.specs() {
            let (assignments, bridge_nf) = sysctl_assignments(&spec.sysctls);
            if !assignments.is_empty() {
                let words: Vec<String> = assignments.iter().map(|a| q(a)).collect();
                self.line(format!(
                    "{}sysctl -qw {}",
                    Self::exec(&spec.name),
                    words.join(" ")
                ));
            }
            match bridge_nf {
                Some(v) => self.bridge_nf(&spec.name, v),
                None if spec.interfaces.iter().any(|i| i.bridge) => {
                    self.comment(
                        "Where br_netfilter is loaded, a new namespace starts with \
                         bridge-nf-call-iptables=1; the simulator's default is 0.",
                    );
                    self.line(format!(
                        "{}sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true",
                        Self::exec(&spec.name)
                    ));
                }
                None => {}
            }
        }
    }

    /// `net.bridge.bridge-nf-call-iptables`, loading br_netfilter if it is not there yet.
    fn bridge_nf(&mut self, ns: &str, value: i64) {
        self.modprobe = true;
        self.need("modprobe", "kmod");
        self.comment(
            "net.bridge.* exists only once the br_netfilter module is loaded. Loading a module is \
             global to the machine (the one step here outside the namespaces): it is done only \
             because this scenario asks for the setting, and only if the module is not there yet.",
        );
        self.line("[ -e /proc/sys/net/bridge ] || modprobe br_netfilter");
        self.line(format!(
            "{}sysctl -qw net.bridge.bridge-nf-call-iptables={value}",
            Self::exec(ns)
        ));
    }

    /// Routes exactly as the scenario writes them (`ip route` syntax).
    fn routes(&mut self) {
        self.section("Routes (connected routes come from the addresses, as in the simulator)");
        for spec in self.specs() {
            for r in &spec.routes {
                let words: Vec<String> = r.split_whitespace().map(q).collect();
                self.line(format!(
                    "ip -n {} route add {}",
                    ns_ref(&spec.name),
                    words.join(" ")
                ));
            }
        }
    }

    /// `iptables-restore` per namespace that has rules.
    fn iptables(&mut self) {
        self.section("iptables rules (iptables-save format, loaded inside each namespace)");
        for spec in self.specs() {
            let rules = spec.iptables.trim();
            if rules.is_empty() {
                continue;
            }
            self.need("iptables-restore", "iptables");
            let tag = heredoc_tag(rules);
            self.line(format!(
                "{}iptables-restore <<'{tag}'",
                Self::exec(&spec.name)
            ));
            for l in rules.lines() {
                self.line(l);
            }
            self.line(tag);
        }
    }

    // ----- processes and traffic -----

    /// Servers and relays as background socat processes.
    fn processes(&mut self) {
        self.section("Processes (socat, in the background)");
        let mut started = false;
        for spec in self.specs() {
            for p in &spec.processes {
                started |= self.process(&spec.name, p);
            }
        }
        if started {
            self.comment("Give them time to listen.");
            self.line("sleep 0.3");
        }
    }

    /// One process; false when it is not reproduced.
    fn process(&mut self, ns: &str, p: &ProcessSpec) -> bool {
        let engine_runs = match p {
            ProcessSpec::Relay { name, .. } => name.as_deref().filter(|n| *n == "docker-proxy"),
            ProcessSpec::Dns { name, .. } => {
                name.as_deref().filter(|n| *n == "dockerd-embedded-dns")
            }
            ProcessSpec::Listen { .. } => None,
        };
        if let Some(what) = engine_runs.filter(|_| self.engine_built) {
            self.comment(&format!("{ns}: the engine runs its own {what}."));
            return false;
        }
        let cmd = match p {
            ProcessSpec::Listen {
                proto,
                port,
                addr,
                reply,
                name,
            } => {
                let what = format!(
                    "{}: {proto:?} server on {}:{port}, answering with {reply} bytes",
                    name.as_deref().unwrap_or("server"),
                    addr.as_deref().unwrap_or("*")
                );
                self.comment(&what);
                listen_command(*proto, *port, addr.as_deref(), *reply)
            }
            ProcessSpec::Relay {
                proto: Proto::Tcp,
                port,
                addr,
                to,
                name,
            } => {
                self.comment(&format!(
                    "{}: TCP relay {}:{port} -> {to} (one new connection per accepted one)",
                    name.as_deref().unwrap_or("relay"),
                    addr.as_deref().unwrap_or("*")
                ));
                format!(
                    "socat TCP4-LISTEN:{port}{},reuseaddr,fork {}",
                    bind_opt(addr.as_deref()),
                    q(&format!("TCP4:{to}"))
                )
            }
            ProcessSpec::Relay {
                proto: Proto::Udp,
                port,
                addr,
                to,
                name,
            } => {
                self.comment(&format!(
                    "{}: UDP relay {}:{port} -> {to} (a socket of its own per client)",
                    name.as_deref().unwrap_or("relay"),
                    addr.as_deref().unwrap_or("*")
                ));
                format!(
                    "socat UDP4-LISTEN:{port}{},reuseaddr,fork {}",
                    bind_opt(addr.as_deref()),
                    q(&format!("UDP4:{to}"))
                )
            }
            ProcessSpec::Dns {
                port, addr, name, ..
            } => {
                let who = name.as_deref().unwrap_or("DNS server");
                self.comment(&format!(
                    "{who} ({}:{port}): DNS servers are not reproduced; skipped.",
                    addr.as_deref().unwrap_or("*")
                ));
                self.note(format!(
                    "DNS servers are not reproduced ({who} in {ns}): queries to it go unanswered."
                ));
                return false;
            }
        };
        self.need("socat", "socat");
        self.line(format!("{}{cmd} &", Self::exec(ns)));
        self.line("PIDS+=($!)");
        true
    }

    /// The flows in `at_ms` order, each in the background, then wait for all of them.
    fn traffic(&mut self) {
        self.section("Traffic (in at_ms order; each flow runs in the background)");
        let mut flows: Vec<(usize, &TrafficSpec)> = self.sc.traffic.iter().enumerate().collect();
        flows.sort_by_key(|(i, t)| (t.at_ms(), *i));
        let mut now = 0;
        for (i, t) in flows {
            if t.at_ms() > now {
                self.line(format!("sleep {}", secs(t.at_ms() - now)));
                now = t.at_ms();
            }
            self.flow(i + 1, t);
        }
        self.line("for pid in ${FLOWS[@]+\"${FLOWS[@]}\"}; do wait \"$pid\" || true; done");
        self.comment("Let the last packets (delayed ACKs, FINs, neighbour probes) settle.");
        self.line("sleep \"${DOCKNET_LAB_SETTLE:-1}\"");
    }

    /// One flow, or a comment saying why it is skipped.
    fn flow(&mut self, n: usize, t: &TrafficSpec) {
        let label = format!("flow {n}");
        let from = t.from();
        if !self.has_ns(from) {
            self.comment(&format!("{label}: unknown namespace `{from}`; skipped."));
            return;
        }
        let with_port = !matches!(t, TrafficSpec::Ping { .. });
        let Some((ip, port)) = self.resolve(from, t.to(), with_port) else {
            self.comment(&format!(
                "{label} from {from} to {}: the name is not in {from}'s hosts entries and DNS is \
                 not reproduced; skipped.",
                t.to()
            ));
            self.note(format!(
                "{label} ({from} -> {}) is skipped: it needs DNS, which is not reproduced.",
                t.to()
            ));
            return;
        };
        self.comment(&format!(
            "{label} at {} ms: {from} -> {}",
            t.at_ms(),
            t.to()
        ));
        let ns = ns_ref(from);
        let cmd = match t {
            TrafficSpec::Tcp { sport, send, .. } => {
                self.helper(Helper::Tcp);
                format!(
                    "tcp_flow '{label}' {ns} {ip} {port} '{}' {send}",
                    opt(*sport)
                )
            }
            TrafficSpec::Udp {
                sport,
                send,
                count,
                interval_ms,
                ..
            } => {
                self.helper(Helper::Udp);
                let timeout = interval_ms / 1000 + 2;
                format!(
                    "udp_flow '{label}' {ns} {ip} {port} '{}' {send} {count} {} {timeout}",
                    opt(*sport),
                    secs(*interval_ms)
                )
            }
            TrafficSpec::Ping {
                count,
                interval_ms,
                ttl,
                ..
            } => {
                self.helper(Helper::Ping);
                format!(
                    "ping_flow '{label}' {ns} {ip} {count} {} {}",
                    secs(*interval_ms),
                    ttl.unwrap_or(64)
                )
            }
        };
        self.line(format!("{cmd} &"));
        self.line("FLOWS+=($!)");
    }

    /// `addr[:port]` with a name looked up in the namespace's hosts entries.
    fn resolve(&self, from: &str, to: &str, with_port: bool) -> Option<(Ipv4Addr, u16)> {
        let (host, port) = if with_port {
            let (h, p) = to.rsplit_once(':')?;
            (h, p.parse().ok()?)
        } else {
            (to, 0)
        };
        if let Ok(ip) = host.parse() {
            return Some((ip, port));
        }
        let hosts = &self.ns_spec(from)?.hosts;
        let lower = host.to_ascii_lowercase();
        let found = hosts
            .iter()
            .find(|(k, _)| k.to_ascii_lowercase() == lower)?;
        Some((found.1.parse().ok()?, port))
    }

    fn helper(&mut self, h: Helper) {
        self.helpers.insert(h);
        match h {
            Helper::Tcp | Helper::Udp => self.need("socat", "socat"),
            Helper::Ping => self.need("ping", "iputils-ping"),
            Helper::Capture | Helper::Trace => {}
        }
    }

    // ----- capture -----

    /// tcpdump at every observe point when `DOCKNET_LAB_OUT` is set.
    fn capture_start(&mut self) {
        self.section("Capture (only when DOCKNET_LAB_OUT names a directory)");
        let points: Vec<(String, String)> = self
            .sc
            .observe
            .iter()
            .filter_map(|o| endpoint(o).map(|(n, i)| (n.to_string(), i.to_string())))
            .filter(|(n, _)| self.has_ns(n))
            .collect();
        if points.is_empty() {
            self.comment("This scenario observes no interface.");
            return;
        }
        self.helper(Helper::Capture);
        self.line("if [ -n \"${DOCKNET_LAB_OUT:-}\" ]; then");
        for (ns, iface) in &points {
            self.line(format!(
                "  capture {} {} {}",
                q(&format!("{ns}_{iface}")),
                ns_ref(ns),
                q(iface)
            ));
        }
        self.line("  capture_ready");
        self.line("fi");
    }

    /// `nft monitor trace` in every namespace with rules when `DOCKNET_LAB_OUT` is set.
    fn trace_start(&mut self) {
        let names: Vec<String> = self
            .specs()
            .filter(|s| s.has_rules())
            .map(|s| s.name.clone())
            .collect();
        if names.is_empty() {
            return;
        }
        self.section("Chain walks (only when DOCKNET_LAB_OUT names a directory)");
        self.comment(
            "Every IPv4 packet in a namespace with rules is marked for tracing by a table of its \
             own (docknet_trace, before raw) and nft monitor trace logs its walk through the \
             chains. The table changes no verdict.",
        );
        self.helper(Helper::Trace);
        // stop_captures (Capture's helper) stops the monitors too.
        self.helper(Helper::Capture);
        self.line("if [ -n \"${DOCKNET_LAB_OUT:-}\" ]; then");
        for name in &names {
            self.line(format!(
                "  trace_rules {} {}",
                q(&format!("nfttrace_{name}")),
                ns_ref(name)
            ));
        }
        self.line("  sleep 0.5");
        self.line("fi");
    }

    /// Stop the captures and save conntrack and counters per namespace with rules.
    fn capture_stop(&mut self) {
        self.section("Results (only when DOCKNET_LAB_OUT is set)");
        self.line("if [ -n \"${DOCKNET_LAB_OUT:-}\" ]; then");
        if self.helpers.contains(&Helper::Capture) {
            self.line("  stop_captures");
        }
        for spec in self.specs() {
            if !spec.has_rules() {
                continue;
            }
            let exec = Self::exec(&spec.name);
            let ct = format!(
                "\"$DOCKNET_LAB_OUT\"/{}",
                q(&format!("conntrack_{}.txt", spec.name))
            );
            let ipt = format!(
                "\"$DOCKNET_LAB_OUT\"/{}",
                q(&format!("iptables_{}.txt", spec.name))
            );
            self.line(format!(
                "  {exec}conntrack -L -o extended 2>/dev/null >{ct} || {exec}conntrack -L 2>/dev/null >{ct} || echo '# conntrack is not installed' >{ct}"
            ));
            self.line(format!("  {exec}iptables-save -c >{ipt}"));
        }
        self.line("  echo \"docknet lab: results in $DOCKNET_LAB_OUT\"");
        self.line("fi");
    }

    // ----- assembly -----

    /// Header, preamble, helpers, cleanup and checks, then the body.
    fn finish(self, opts: &LabOptions) -> String {
        let mut out = self.header();
        out.push(String::new());
        out.push("set -euo pipefail".into());
        out.push(String::new());
        out.push(match &opts.prefix {
            Some(p) => format!("P={}", q(p)),
            None => "P=\"dn$$-\"".into(),
        });
        out.push("NSES=() PIDS=() FLOWS=() CAPS=() CAPLOGS=() TRACES=()".into());
        out.extend(CLEANUP.lines().map(str::to_string));
        out.extend(self.checks());
        for h in &self.helpers {
            out.extend(helper_text(*h).lines().map(str::to_string));
        }
        out.extend(self.body);
        out.push(String::new());
        out.push("echo \"docknet lab: done; cleaning up\"".into());
        let mut text = out.join("\n");
        text.push('\n');
        text
    }

    /// The comment block: what is built, safety, how to run, what is approximated.
    fn header(&self) -> Vec<String> {
        let sc = self.sc;
        let mut h = vec!["#!/usr/bin/env bash".to_string()];
        h.push(format!("# docknet lab: {}", one_line(&sc.title)));
        h.push("#".into());
        if !sc.description.trim().is_empty() {
            h.extend(wrap_comment(&sc.description, ""));
            h.push("#".into());
        }
        let names: Vec<&str> = sc.namespaces.iter().map(|n| n.name.as_str()).collect();
        let built = format!(
            "What it builds, for real, in this Linux kernel: {} ({}), {} (veth pairs), their \
             addresses, routes, sysctls and iptables rules; then it starts the scenario's \
             servers with socat and sends its traffic ({}).",
            count(names.len(), "network namespace"),
            names.join(", "),
            count(sc.links.len(), "link"),
            count(sc.traffic.len(), "flow")
        );
        h.extend(wrap_comment(&built, ""));
        h.push("#".into());
        let mut safety = "Run it as root (sudo bash lab.sh). It creates only namespaces named \
             ${P}<name> (P is dn<PID>- unless docknet lab --prefix chose one) and deletes them, \
             with every process it started, on exit (also on failure or Ctrl-C). It never touches \
             the root namespace's interfaces, routes or firewall, and connects nothing to a real \
             network: every link is a veth pair between two of these namespaces."
            .to_string();
        if self.modprobe {
            safety.push_str(
                " Exception: it loads the br_netfilter module if it is not loaded yet \
                 (global to the machine), because the scenario sets bridge-nf-call-iptables.",
            );
        }
        h.extend(wrap_comment(&safety, ""));
        h.push("#".into());
        h.extend(wrap_comment(
            "Set DOCKNET_LAB_OUT=/some/dir to capture every observed interface with tcpdump \
             (NS_IFACE.pcap) and, for every namespace with rules, log nft monitor trace \
             (nfttrace_NS.txt) and save conntrack -L (conntrack_NS.txt) and iptables-save -c \
             (iptables_NS.txt).",
            "",
        ));
        h.push("#".into());
        h.push("# What is approximated:".into());
        for n in self.all_notes() {
            h.extend(wrap_comment(&n, "- "));
        }
        h
    }

    /// The scenario-specific notes plus what is always approximated.
    fn all_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.sc.namespaces.iter().any(|n| n.role == NsRole::Vm) {
            notes.push(
                "Docker Desktop: the Linux VM and the Mac are plain network namespaces here. On a \
                 real Mac the VM's traffic reaches vpnkit / com.docker.backend, a user-space \
                 TCP/IP stack that terminates connections and opens new ones from the Mac's own \
                 sockets; here the user-space forwarder is a socat relay and the rest of that \
                 stack is approximated by socat relays and kernel NAT (iptables) in the Mac's \
                 namespace."
                    .to_string(),
            );
        }
        notes.extend(self.notes.iter().cloned());
        notes.push(
            "Processes are socat: a server answers each connection's request with `reply` \
             bytes; a client sends `send` bytes, half-closes, and reads the answer."
                .into(),
        );
        if self.helpers.contains(&Helper::Tcp) {
            notes.push(
                "An unanswered TCP connection attempt is given up after \
                 DOCKNET_LAB_CONNECT_TIMEOUT seconds (default 4: the SYN and two retransmissions); \
                 the simulator retries like the kernel (tcp_syn_retries=6, about two minutes)."
                    .into(),
            );
        }
        notes.push(
            "Timing is the wall clock (sleep between flow starts); sequence numbers, ephemeral \
             ports and ping ids are the kernel's own choice, not the simulator's."
                .into(),
        );
        notes
    }

    /// Root and tool checks, with a clear message each.
    fn checks(&self) -> Vec<String> {
        let mut c = vec![
            String::new(),
            "if [ \"$(id -u)\" -ne 0 ]; then".into(),
            "  echo \"docknet lab: run this as root (sudo bash $0): it creates network namespaces\" >&2".into(),
            "  exit 1".into(),
            "fi".into(),
            "need() {".into(),
            "  command -v \"$1\" >/dev/null 2>&1 && return 0".into(),
            "  echo \"docknet lab: '$1' is missing; install it (Debian/Ubuntu: apt-get install $2)\" >&2".into(),
            "  exit 1".into(),
            "}".into(),
        ];
        for (tool, pkg) in &self.tools {
            c.push(format!("need {tool} {pkg}"));
        }
        c.push("if [ -n \"${DOCKNET_LAB_OUT:-}\" ]; then".into());
        if self.helpers.contains(&Helper::Capture) {
            c.push("  need tcpdump tcpdump".into());
        }
        if self.sc.namespaces.iter().any(|n| n.has_rules()) {
            c.push("  need iptables-save iptables".into());
            c.push("  need nft nftables".into());
            c.push("  command -v conntrack >/dev/null 2>&1 || echo \"docknet lab: conntrack (apt-get install conntrack) is missing: no conntrack dumps\" >&2".into());
        }
        c.push("  mkdir -p \"$DOCKNET_LAB_OUT\"".into());
        c.push("fi".into());
        c
    }
}

/// The cleanup function and the traps: kill what was started, delete every namespace made.
const CLEANUP: &str = r#"
# Runs on every exit: kills what this script started (and anything left running inside its
# namespaces), then deletes every namespace it made. Never touches anything else.
cleanup() {
  local rc=$?
  set +e
  for pid in ${CAPS[@]+"${CAPS[@]}"} ${TRACES[@]+"${TRACES[@]}"} ${FLOWS[@]+"${FLOWS[@]}"} ${PIDS[@]+"${PIDS[@]}"}; do
    kill "$pid" 2>/dev/null
  done
  for ns in ${NSES[@]+"${NSES[@]}"}; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
  done
  sleep 0.2
  for ns in ${NSES[@]+"${NSES[@]}"}; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP"#;

/// The shell function behind one kind of step.
fn helper_text(h: Helper) -> &'static str {
    match h {
        Helper::Tcp => {
            r#"
# tcp_flow LABEL NS IP PORT SPORT SEND: connect, send SEND bytes, half-close, read the answer.
tcp_flow() {
  local src="" got
  [ -z "$5" ] || src=",sourceport=$5,reuseaddr"
  src="$src,connect-timeout=${DOCKNET_LAB_CONNECT_TIMEOUT:-4}"
  got=$(head -c "$6" /dev/zero | ip netns exec "$2" socat -T2 - "TCP4:$3:$4$src" | wc -c) || true
  echo "[$1] TCP to $3:$4: sent $6 bytes, received ${got:-0} bytes"
}"#
        }
        Helper::Udp => {
            r#"
# udp_flow LABEL NS IP PORT SPORT SEND COUNT INTERVAL TIMEOUT: COUNT datagrams of SEND bytes.
udp_flow() {
  local src="" got i
  [ -z "$5" ] || src=",sourceport=$5,reuseaddr"
  got=$(for ((i = 1; i <= $7; i++)); do
      head -c "$6" /dev/zero
      if [ "$i" -lt "$7" ]; then sleep "$8"; fi
    done | ip netns exec "$2" socat -T"$9" -t1 - "UDP4:$3:$4$src" | wc -c) || true
  echo "[$1] UDP to $3:$4: sent $7 datagrams of $6 bytes, received ${got:-0} bytes"
}"#
        }
        Helper::Ping => {
            r#"
# ping_flow LABEL NS IP COUNT INTERVAL TTL (failures are part of some lessons).
ping_flow() {
  ip netns exec "$2" ping -n -c "$4" -i "$5" -t "$6" -W 1 "$3" 2>&1 | sed "s/^/[$1] /" || true
}"#
        }
        Helper::Trace => {
            r#"
# trace_rules NAME NS: mark every IPv4 packet in NS for nft tracing and log each packet's walk
# through the chains (nft monitor trace) to $DOCKNET_LAB_OUT/NAME.txt, in the background.
trace_rules() {
  ip netns exec "$2" nft -f - <<'NFT'
table ip docknet_trace {
  chain pre { type filter hook prerouting priority -400; meta nftrace set 1; }
  chain out { type filter hook output priority -400; meta nftrace set 1; }
}
NFT
  ip netns exec "$2" stdbuf -oL nft monitor trace >"$DOCKNET_LAB_OUT/$1.txt" 2>&1 &
  TRACES+=($!)
}"#
        }
        Helper::Capture => {
            r#"
# capture NAME NS IFACE: tcpdump into $DOCKNET_LAB_OUT/NAME.pcap, in the background.
capture() {
  ip netns exec "$2" tcpdump -n -U -Z root -i "$3" -w "$DOCKNET_LAB_OUT/$1.pcap" \
    2>"$DOCKNET_LAB_OUT/$1.tcpdump.log" &
  CAPS+=($!)
  CAPLOGS+=("$DOCKNET_LAB_OUT/$1.tcpdump.log")
}
# capture_ready: wait (up to 5 s) until every tcpdump says it is listening.
capture_ready() {
  local log i
  for log in "${CAPLOGS[@]}"; do
    for ((i = 0; i < 50; i++)); do
      grep -q 'listening on' "$log" 2>/dev/null && break
      sleep 0.1
    done
  done
  sleep 0.5
}
# stop_captures: stop every tcpdump and let it finish writing.
stop_captures() {
  local pid
  for pid in ${CAPS[@]+"${CAPS[@]}"}; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in ${CAPS[@]+"${CAPS[@]}"}; do wait "$pid" 2>/dev/null || true; done
  CAPS=()
  for pid in ${TRACES[@]+"${TRACES[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${TRACES[@]+"${TRACES[@]}"}; do wait "$pid" 2>/dev/null || true; done
  TRACES=()
}"#
        }
    }
}

/// The socat command of a server.
fn listen_command(proto: Proto, port: u16, addr: Option<&str>, reply: u32) -> String {
    let bind = bind_opt(addr);
    match (proto, reply) {
        (Proto::Tcp, 0) => {
            format!("socat TCP4-LISTEN:{port}{bind},reuseaddr,fork 'SYSTEM:cat >/dev/null'")
        }
        (Proto::Tcp, n) => format!(
            "socat TCP4-LISTEN:{port}{bind},reuseaddr,fork 'SYSTEM:head -c 1 >/dev/null; head -c {n} /dev/zero'"
        ),
        (Proto::Udp, 0) => format!("socat -u UDP4-RECV:{port}{bind},reuseaddr /dev/null"),
        (Proto::Udp, n) => format!(
            "socat UDP4-RECVFROM:{port}{bind},reuseaddr,fork 'SYSTEM:head -c {n} /dev/zero'"
        ),
    }
}

/// `,bind=ADDR` when a process binds one address.
fn bind_opt(addr: Option<&str>) -> String {
    addr.map(|a| format!(",bind={}", q(a))).unwrap_or_default()
}

/// The scenario's sysctls as `key=value` words (the port range's min/max joined into one),
/// with `net.bridge.bridge-nf-call-iptables` apart. `ip_forward` was set with the defaults.
fn sysctl_assignments(sysctls: &BTreeMap<String, i64>) -> (Vec<String>, Option<i64>) {
    let mut out = Vec::new();
    let mut range = (None, None);
    let mut bridge = None;
    for (k, v) in sysctls {
        match k.as_str() {
            "net.ipv4.ip_forward" => {}
            "net.bridge.bridge-nf-call-iptables" => bridge = Some(*v),
            "net.ipv4.ip_local_port_range.min" => range.0 = Some(*v),
            "net.ipv4.ip_local_port_range.max" => range.1 = Some(*v),
            _ => out.push(format!("{k}={v}")),
        }
    }
    if range != (None, None) {
        let (lo, hi) = (range.0.unwrap_or(32768), range.1.unwrap_or(60999));
        out.push(format!("net.ipv4.ip_local_port_range={lo} {hi}"));
    }
    (out, bridge)
}

/// `ns:iface` split in two.
fn endpoint(s: &str) -> Option<(&str, &str)> {
    s.split_once(':')
}

/// A namespace's name in the script: `"${P}name"`.
fn ns_ref(name: &str) -> String {
    if is_safe(name) {
        format!("\"${{P}}{name}\"")
    } else {
        format!("\"${{P}}\"{}", q(name))
    }
}

fn is_safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:=,+@%-".contains(c))
}

/// One shell word: as is when safe, else single-quoted.
fn q(s: &str) -> String {
    if is_safe(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// An optional port as a word (empty when absent).
fn opt(v: Option<u16>) -> String {
    v.map(|p| p.to_string()).unwrap_or_default()
}

/// Milliseconds as seconds for `sleep` and `ping -i`: `1`, `0.25`, `0.01`.
fn secs(ms: u64) -> String {
    let (s, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        s.to_string()
    } else {
        format!("{s}.{frac:03}").trim_end_matches('0').to_string()
    }
}

/// A heredoc delimiter that no line of `text` equals.
fn heredoc_tag(text: &str) -> String {
    let mut tag = "DOCKNET_RULES".to_string();
    while text.lines().any(|l| l.trim() == tag) {
        tag.push('_');
    }
    tag
}

/// `1 link`, `2 links`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text as `# ` comment lines of at most [`WIDTH`] columns; `bullet` starts the first line and
/// indents the others.
fn wrap_comment(text: &str, bullet: &str) -> Vec<String> {
    let indent = " ".repeat(bullet.len());
    let mut lines = Vec::new();
    let mut cur = format!("# {bullet}");
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && cur.len() + 1 + word.len() > WIDTH {
            lines.push(std::mem::replace(&mut cur, format!("# {indent}")));
            empty = true;
        }
        if !empty {
            cur.push(' ');
        }
        cur.push_str(word);
        empty = false;
    }
    lines.push(cur.trim_end().to_string());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_short() {
        assert_eq!(secs(1000), "1");
        assert_eq!(secs(250), "0.25");
        assert_eq!(secs(10), "0.01");
        assert_eq!(secs(1500), "1.5");
    }

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(q("10.0.0.1/24"), "10.0.0.1/24");
        assert_eq!(q("a b"), "'a b'");
        assert_eq!(q("it's"), "'it'\\''s'");
        assert_eq!(ns_ref("web"), "\"${P}web\"");
    }

    #[test]
    fn port_range_keys_are_joined() {
        let mut m = BTreeMap::new();
        m.insert("net.ipv4.ip_local_port_range.min".to_string(), 40000);
        m.insert("net.ipv4.ip_forward".to_string(), 1);
        let (words, bridge) = sysctl_assignments(&m);
        assert_eq!(words, ["net.ipv4.ip_local_port_range=40000 60999"]);
        assert_eq!(bridge, None);
    }

    #[test]
    fn comments_wrap() {
        let lines = wrap_comment(&"word ".repeat(60), "- ");
        assert!(lines.len() > 1);
        assert!(
            lines
                .iter()
                .all(|l| l.len() <= WIDTH && l.starts_with("# "))
        );
        assert!(lines[1].starts_with("#   word"));
    }

    #[test]
    fn odd_scenarios_do_not_panic() {
        let _ = lab_script(&Scenario::default(), &LabOptions::default());
        let sc: Scenario = docknet_sim::scenario::parse_ron(
            "odd.ron",
            r#"Scenario(
                namespaces: [(name: "it's", interfaces: [(name: "e 0", addrs: ["x"])],
                              routes: ["bogus"], sysctls: {"net.ipv4.ip_local_port_range.max": 5},
                              iptables: "DOCKNET_RULES\n")],
                links: [Veth(a: "nowhere", b: "it's:e 0"), Wire(a: "x:y", b: "it's:e 0")],
                traffic: [Tcp(from: "ghost", to: "1.2.3.4:5"), Udp(from: "it's", to: "name"),
                          Ping(from: "it's", to: "db", ttl: 3)],
                observe: ["bad", "ghost:eth0"],
            )"#,
        )
        .expect("parses");
        let script = lab_script(&sc, &LabOptions::default());
        assert!(
            script.contains("ip netns add \"${P}\"'it'\\''s'"),
            "{script}"
        );
        assert!(
            script.contains("iptables-restore <<'DOCKNET_RULES_'"),
            "{script}"
        );
        assert!(
            script.contains("net.ipv4.ip_local_port_range=32768 5"),
            "{script}"
        );
    }
}
