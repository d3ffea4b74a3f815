//! The iptables rules each Docker Engine version installs on a Linux host (bridge driver,
//! IPv4 only, iptables backend), printed as `iptables-save` text, plus the embedded-DNS rules
//! inside a container's namespace and the sysctls the daemon sets.
//!
//! # How the rules are built
//!
//! [`host_rules`] replays the daemon's own sequence of `iptables -I` / `-A` calls in the order
//! the daemon makes them (driver start, each network in creation order, each endpoint in
//! start/connect order, each port binding of an endpoint in Docker's sort order), against a
//! small in-memory table model, then prints the result the way `iptables-save` does. So the
//! "newest network above older ones" effects come out of the same insert/append semantics the
//! daemon uses rather than from a hand-written ordering. Like the daemon's `Rule.Insert` /
//! `Rule.Append`, every operation is a no-op when an identical rule is already in the chain.
//!
//! # Versions modelled
//!
//! - **20.10 - 27.x** (legacy layout): `FORWARD -> DOCKER-USER, DOCKER-ISOLATION-STAGE-1`, then
//!   per-bridge rules directly in `FORWARD`; isolation chains end in `-j RETURN`.
//! - **28.0 - 28.5** (`DOCKER-FORWARD` / `DOCKER-CT` / `DOCKER-BRIDGE` layout of 28.0.1+; the
//!   short-lived ipset layout of 28.0.0 is *not* modelled, `28.0` means 28.0.1+).
//!   Raw-table direct-access drops per published port in 28.0-28.1, per endpoint in 28.2+;
//!   `DOCKER-USER -j RETURN` up to 28.2.
//! - Anything older than 20.10 is treated as 20.10, anything newer than 28.5 (e.g. 29.x, whose
//!   `DOCKER-INTERNAL` chain and nftables backend are not modelled yet) as 28.5: see
//!   [`EngineVersion::modelled`]. [`host_rules`] is therefore total.
//!
//! # Sources
//!
//! `/work/shared/reference/docker-networking.md`, checked against moby/moby:
//! `integration/network/bridge/iptablesdoc/generated/{new-daemon,usernet-portmap,
//! usernet-internal,usernet-portmap-noicc,usernet-portmap-noproxy,usernet-portmap-lo}.md`,
//! `libnetwork/drivers/bridge/setup_ip_tables_linux.go`,
//! `libnetwork/drivers/bridge/internal/iptabler/{port,endpoint,iptabler_test}.go` and the
//! `testdata/TestIptabler_*.golden` files, `daemon/libnetwork/drivers/bridge/internal/iptabler/
//! network.go`, `libnetwork/firewall_linux.go`, `daemon/libnetwork/firewall_linux.go`,
//! `libnetwork/drivers/bridge/port_mapping_linux.go`.
//!
//! # Assumptions
//!
//! - The host starts with `net.ipv4.ip_forward=0`, so the daemon enables forwarding and sets the
//!   filter `FORWARD` policy to `DROP` (the usual fresh-host case).
//! - No firewalld, no IPv6, no swarm, gateway mode `nat` for every network, no WSL2 mirrored
//!   networking, `DOCKER_INSECURE_NO_IPTABLES_RAW` unset.
//! - The daemon was started once and nothing was removed (no rule deletions are modelled).

use ipnet::Ipv4Net;
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// A Docker Engine release line, `major.minor` ("20.10", "27.5", "28.2").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EngineVersion {
    pub major: u32,
    pub minor: u32,
}

/// The oldest release whose rules are modelled.
const OLDEST_MODELLED: EngineVersion = EngineVersion::new(20, 10);
/// The newest release whose rules are modelled (moby's iptablesdoc is the same for every
/// 29.x up to docker-v29.7.2).
const NEWEST_MODELLED: EngineVersion = EngineVersion::new(29, 7);

impl EngineVersion {
    /// `major.minor`.
    pub const fn new(major: u32, minor: u32) -> EngineVersion {
        EngineVersion { major, minor }
    }

    /// The version whose behaviour [`host_rules`] reproduces for `self`: itself when
    /// [`EngineVersion::check_modelled`] accepts it (the compiler refuses the others);
    /// direct callers of the rule builder get the nearest modelled release.
    pub fn modelled(self) -> EngineVersion {
        self.clamp(OLDEST_MODELLED, NEWEST_MODELLED)
    }

    /// Whether docknet models this release, or the error to show: 17.x-19.x (one
    /// `DOCKER-ISOLATION` chain) and anything after the newest modelled release are refused,
    /// never approximated.
    pub fn check_modelled(self) -> Result<(), String> {
        if self < OLDEST_MODELLED {
            return Err(format!(
                "Docker Engine {self} is not modelled: docknet models {OLDEST_MODELLED} to \
                 {NEWEST_MODELLED} (releases before 20.10 used one DOCKER-ISOLATION chain and \
                 other rules)"
            ));
        }
        if self > NEWEST_MODELLED {
            return Err(format!(
                "Docker Engine {self} is not modelled yet: docknet models {OLDEST_MODELLED} to \
                 {NEWEST_MODELLED}"
            ));
        }
        Ok(())
    }

    /// True from the 28.x layout (`DOCKER-FORWARD`, `DOCKER-CT`, `DOCKER-BRIDGE`, raw drops).
    fn forward_chain_layout(self) -> bool {
        self >= EngineVersion::new(28, 0)
    }

    /// True for the 29.x layout (iptablesdoc docker-v29.x): `DOCKER-INTERNAL` instead of the
    /// two isolation chains (networks are kept apart by the DOCKER chain's per-network DROP
    /// and the raw table), and no "skip DNAT" RETURN in nat DOCKER.
    fn internal_chain_layout(self) -> bool {
        self >= EngineVersion::new(29, 0)
    }

    fn at_least(self, major: u32, minor: u32) -> bool {
        self >= EngineVersion::new(major, minor)
    }
}

impl fmt::Display for EngineVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A Docker Engine version string that is not `major.minor[.patch]`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid Docker Engine version `{text}`: write it as major.minor, e.g. `27.5` or `28.5.2`")]
pub struct EngineVersionError {
    /// The text that failed to parse.
    pub text: String,
}

impl FromStr for EngineVersion {
    type Err = EngineVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || EngineVersionError {
            text: s.to_string(),
        };
        // A patch release behaves as its minor release: `28.5.2` is 28.5.
        let (major, rest) = s.trim().split_once('.').ok_or_else(err)?;
        let (minor, patch) = rest.split_once('.').unwrap_or((rest, "0"));
        if patch.is_empty() || !patch.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let num = |p: &str| -> Result<u32, EngineVersionError> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            p.parse().map_err(|_| err())
        };
        Ok(EngineVersion {
            major: num(major)?,
            minor: num(minor)?,
        })
    }
}

/// Transport protocol of a published port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PortProto {
    Tcp,
    Udp,
}

impl PortProto {
    /// `tcp` / `udp`, as iptables names the protocol and its match module.
    pub fn as_str(self) -> &'static str {
        match self {
            PortProto::Tcp => "tcp",
            PortProto::Udp => "udp",
        }
    }
}

impl fmt::Display for PortProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One bridge network (the default `docker0` or a user-defined `br-<id>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeNetwork {
    /// Bridge device name: `docker0` or `br-` + 12 hex chars.
    pub bridge: String,
    /// The network's IPv4 subnet (masked before use).
    pub subnet: Ipv4Net,
    /// The bridge's address (not used in any rule; kept for callers).
    pub gateway: Ipv4Addr,
    /// True for the default bridge network (`docker0`).
    pub default_bridge: bool,
    /// `docker network create --internal`.
    pub internal: bool,
    /// `com.docker.network.bridge.enable_icc` (daemon `--icc` for docker0).
    pub icc: bool,
    /// `com.docker.network.bridge.enable_ip_masquerade` (daemon `--ip-masq` for docker0).
    pub ip_masquerade: bool,
    /// `com.docker.network.host_ipv4`: SNAT to this address instead of MASQUERADE.
    pub host_ipv4: Option<Ipv4Addr>,
}

/// One `-p [host_ip:]host_port:container_port[/proto]` binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishedPort {
    /// `None` (or `0.0.0.0`) binds every host address.
    pub host_ip: Option<Ipv4Addr>,
    pub host_port: u16,
    pub container_port: u16,
    pub proto: PortProto,
}

/// A container's attachment to one network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Index into [`HostRulesInput::networks`]; an out-of-range index is ignored.
    pub network: usize,
    /// The container's address on that network.
    pub ip: Ipv4Addr,
    /// Port bindings programmed on this endpoint (the container's gateway endpoint).
    pub ports: Vec<PublishedPort>,
    /// The endpoint is being created (28.2+ adds its direct-access DROP); false for ports
    /// programmed later on an existing endpoint.
    pub created: bool,
}

/// Everything [`host_rules`] and [`host_sysctls`] need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRulesInput {
    pub engine: EngineVersion,
    /// `dockerd --userland-proxy` (default true); false means hairpin NAT.
    pub userland_proxy: bool,
    /// `dockerd --iptables` (default true); false means Docker writes no host rules at all.
    pub iptables: bool,
    /// `dockerd --ip-forward` (default true): set net.ipv4.ip_forward (and, with iptables,
    /// the FORWARD policy to DROP).
    pub ip_forward: bool,
    /// In creation order (`docker0` first).
    pub networks: Vec<BridgeNetwork>,
    /// In the order containers were started / connected.
    pub endpoints: Vec<Endpoint>,
}

// ---------------------------------------------------------------------------------------------
// A minimal table model with the daemon's insert/append semantics.

const FILTER_CHAINS: [&str; 3] = ["INPUT", "FORWARD", "OUTPUT"];
const NAT_CHAINS: [&str; 4] = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"];
const RAW_CHAINS: [&str; 2] = ["PREROUTING", "OUTPUT"];

/// One table: builtin chains in kernel order, user chains by name (as iptables-save lists
/// them). Rules are stored as the spec text iptables-save prints after `-A CHAIN `.
struct TableBuf {
    name: &'static str,
    builtin: Vec<(&'static str, &'static str, ChainBuf)>,
    user: BTreeMap<String, ChainBuf>,
}

/// One chain's rules in order, and the set of them for the check that a rule is already
/// there (a container publishing thousands of ports gets thousands of rules: scanning the
/// chain for each was quadratic).
#[derive(Default)]
struct ChainBuf {
    rules: VecDeque<String>,
    present: HashSet<String>,
}

impl ChainBuf {
    fn push_back(&mut self, rule: String) {
        if self.present.insert(rule.clone()) {
            self.rules.push_back(rule);
        }
    }

    fn push_front(&mut self, rule: String) {
        if self.present.insert(rule.clone()) {
            self.rules.push_front(rule);
        }
    }

    /// Moves the rule to the head, adding it if absent.
    fn move_to_front(&mut self, rule: String) {
        if self.present.insert(rule.clone()) {
            self.rules.push_front(rule);
        } else {
            self.rules.retain(|r| *r != rule);
            self.rules.push_front(rule);
        }
    }
}

impl TableBuf {
    fn new(name: &'static str, builtins: &[&'static str]) -> TableBuf {
        TableBuf {
            name,
            builtin: builtins
                .iter()
                .map(|c| (*c, "ACCEPT", ChainBuf::default()))
                .collect(),
            user: BTreeMap::new(),
        }
    }

    fn set_policy(&mut self, chain: &str, policy: &'static str) {
        if let Some(c) = self.builtin.iter_mut().find(|c| c.0 == chain) {
            c.1 = policy;
        }
    }

    /// `iptables -N` (no-op if it exists).
    fn new_chain(&mut self, chain: &str) {
        self.user.entry(chain.to_string()).or_default();
    }

    /// The rules of a chain; a user chain is created if it does not exist.
    fn rules(&mut self, chain: &str) -> &mut ChainBuf {
        if let Some(i) = self.builtin.iter().position(|c| c.0 == chain) {
            return &mut self.builtin[i].2;
        }
        self.user.entry(chain.to_string()).or_default()
    }

    /// `iptables -A`, skipped when the rule already exists.
    fn append(&mut self, chain: &str, rule: impl Into<String>) {
        self.rules(chain).push_back(rule.into());
    }

    /// `iptables -I` (at the head), skipped when the rule already exists.
    fn insert(&mut self, chain: &str, rule: impl Into<String>) {
        self.rules(chain).push_front(rule.into());
    }

    /// `EnsureJumpRule`: delete the rule if present, then insert it at the head.
    fn ensure_at_top(&mut self, chain: &str, rule: impl Into<String>) {
        self.rules(chain).move_to_front(rule.into());
    }

    fn has_rules(&self) -> bool {
        self.builtin.iter().any(|c| !c.2.rules.is_empty())
            || self.user.values().any(|r| !r.rules.is_empty())
    }

    fn write(&self, out: &mut String) {
        out.push('*');
        out.push_str(self.name);
        out.push('\n');
        for (name, policy, _) in &self.builtin {
            out.push_str(&format!(":{name} {policy} [0:0]\n"));
        }
        for name in self.user.keys() {
            out.push_str(&format!(":{name} - [0:0]\n"));
        }
        let builtin = self.builtin.iter().map(|(n, _, r)| (*n, r));
        let user = self.user.iter().map(|(n, r)| (n.as_str(), r));
        for (name, rules) in builtin.chain(user) {
            for r in &rules.rules {
                out.push_str(&format!("-A {name} {r}\n"));
            }
        }
        out.push_str("COMMIT\n");
    }
}

// Chain names.
const DOCKER: &str = "DOCKER";
const DOCKER_USER: &str = "DOCKER-USER";
const DOCKER_FORWARD: &str = "DOCKER-FORWARD";
const DOCKER_BRIDGE: &str = "DOCKER-BRIDGE";
const DOCKER_CT: &str = "DOCKER-CT";
const ISOLATION_1: &str = "DOCKER-ISOLATION-STAGE-1";
const ISOLATION_2: &str = "DOCKER-ISOLATION-STAGE-2";
const DOCKER_INTERNAL: &str = "DOCKER-INTERNAL";

/// `-p tcp -m tcp --dport N` (iptables-save adds the implicit `-m <proto>`).
fn proto_dport(proto: PortProto, port: u16) -> String {
    format!("-p {proto} -m {proto} --dport {port}")
}

/// The three tables the daemon touches, plus the knobs that shape the rules.
struct Host {
    engine: EngineVersion,
    hairpin: bool,
    raw: TableBuf,
    filter: TableBuf,
    nat: TableBuf,
    /// 27.x and older add the nat PREROUTING/OUTPUT jumps with the first non-internal network.
    nat_jumps_done: bool,
}

impl Host {
    fn new(engine: EngineVersion, userland_proxy: bool, ip_forward: bool) -> Host {
        let mut filter = TableBuf::new("filter", &FILTER_CHAINS);
        // ip_forward was 0 and the daemon enabled it, so it also set the FORWARD policy to DROP
        // (setupIPv4Forwarding; see the new-daemon.md note).
        if ip_forward {
            filter.set_policy("FORWARD", "DROP");
        }
        Host {
            engine,
            hairpin: !userland_proxy,
            raw: TableBuf::new("raw", &RAW_CHAINS),
            filter,
            nat: TableBuf::new("nat", &NAT_CHAINS),
            nat_jumps_done: false,
        }
    }

    fn new28(&self) -> bool {
        self.engine.forward_chain_layout()
    }

    fn new29(&self) -> bool {
        self.engine.internal_chain_layout()
    }

    /// The chain the 28.x+ DOCKER-FORWARD jumps to between DOCKER-CT and DOCKER-BRIDGE, and
    /// that holds the internal networks' DROPs.
    fn isolation_chain(&self) -> &'static str {
        if self.new29() {
            DOCKER_INTERNAL
        } else {
            ISOLATION_1
        }
    }

    /// nat PREROUTING/OUTPUT jumps to DOCKER (addNATJumpRules / ProgramChain).
    fn nat_jumps(&mut self) {
        if self.nat_jumps_done {
            return;
        }
        self.nat_jumps_done = true;
        self.nat
            .append("PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER");
        if self.hairpin {
            self.nat
                .append("OUTPUT", "-m addrtype --dst-type LOCAL -j DOCKER");
        } else {
            self.nat.append(
                "OUTPUT",
                "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
            );
        }
    }

    /// Bridge driver start (setupIPChains), then libnetwork's DOCKER-USER chain.
    fn driver_init(&mut self) {
        self.nat.new_chain(DOCKER);
        self.filter.new_chain(DOCKER);
        if self.new28() {
            let isolation: &[&str] = if self.new29() {
                &[DOCKER_INTERNAL]
            } else {
                &[ISOLATION_1, ISOLATION_2]
            };
            for c in [DOCKER_FORWARD, DOCKER_BRIDGE, DOCKER_CT]
                .iter()
                .chain(isolation)
            {
                self.filter.new_chain(c);
            }
            self.nat_jumps();
            // EnsureJumpRule inserts at the head, so these end up CT, ISOLATION-1 (29.x:
            // INTERNAL), BRIDGE.
            self.filter
                .ensure_at_top("FORWARD", format!("-j {DOCKER_FORWARD}"));
            self.filter
                .ensure_at_top(DOCKER_FORWARD, format!("-j {DOCKER_BRIDGE}"));
            let isolation = self.isolation_chain();
            self.filter
                .ensure_at_top(DOCKER_FORWARD, format!("-j {isolation}"));
            self.filter
                .ensure_at_top(DOCKER_FORWARD, format!("-j {DOCKER_CT}"));
        } else {
            self.filter.new_chain(ISOLATION_1);
            self.filter.new_chain(ISOLATION_2);
            self.filter.append(ISOLATION_1, "-j RETURN");
            self.filter.append(ISOLATION_2, "-j RETURN");
        }
        self.user_chain();
    }

    /// libnetwork setupUserChain / arrangeUserFilterRule: DOCKER-USER (with a trailing RETURN
    /// up to 28.2, per the reference; moby's current firewall_linux.go has no RETURN), and the
    /// FORWARD jump moved back to the top. 27.x and older call this after every network.
    fn user_chain(&mut self) {
        self.filter.new_chain(DOCKER_USER);
        if !self.engine.at_least(28, 3) {
            self.filter.append(DOCKER_USER, "-j RETURN");
        }
        self.filter
            .ensure_at_top("FORWARD", format!("-j {DOCKER_USER}"));
    }

    fn add_network(&mut self, n: &BridgeNetwork) {
        let br = n.bridge.as_str();
        let subnet = n.subnet.trunc();
        if n.internal {
            self.internal_network(br, subnet, n.icc);
        } else {
            self.external_network(n, br, subnet);
        }
        if !self.new28() {
            // setupIPTables ends with EnsureJumpRule(FORWARD, DOCKER-ISOLATION-STAGE-1).
            self.filter
                .ensure_at_top("FORWARD", format!("-j {ISOLATION_1}"));
        }
        // isolateNetwork: skipped for --internal networks (usernet-internal.md: "There is no
        // jump to DOCKER-ISOLATION-STAGE-2"); gone in 29.x.
        if !n.internal && !self.new29() {
            let jump = format!("-i {br} ! -o {br} -j {ISOLATION_2}");
            if self.new28() {
                // setINC (28.x): STAGE-1 appended, STAGE-2 inserted.
                self.filter.append(ISOLATION_1, jump);
            } else {
                // setINC (<= 27.x): both inserted (the chains end in RETURN).
                self.filter.insert(ISOLATION_1, jump);
            }
            self.filter.insert(ISOLATION_2, format!("-o {br} -j DROP"));
        }
        if !self.new28() {
            // Controller.NewNetwork -> arrangeUserFilterRule.
            self.user_chain();
        }
    }

    /// setupInternalNetworkRules.
    fn internal_network(&mut self, br: &str, subnet: Ipv4Net, icc: bool) {
        // In then out, both inserted: out ends up on top. iptables-save prints the address
        // before the interface.
        let chain = self.isolation_chain();
        self.filter
            .insert(chain, format!("! -d {subnet} -i {br} -j DROP"));
        self.filter
            .insert(chain, format!("! -s {subnet} -o {br} -j DROP"));
        self.set_icc(br, icc, true);
    }

    /// setIcc. 28.x: rules appended to DOCKER-FORWARD; an ACCEPT only for internal networks
    /// (an external network's `-i br -j ACCEPT` covers ICC). 27.x and older: ACCEPT inserted
    /// at the head of FORWARD, DROP *appended* to FORWARD (so it stays below every other
    /// network's rules, as in the old usernet-portmap-noicc.md).
    fn set_icc(&mut self, br: &str, icc: bool, internal: bool) {
        let accept = format!("-i {br} -o {br} -j ACCEPT");
        let drop = format!("-i {br} -o {br} -j DROP");
        if self.new28() {
            if !icc {
                self.filter.append(DOCKER_FORWARD, drop);
            } else if internal {
                self.filter.append(DOCKER_FORWARD, accept);
            }
        } else if icc {
            self.filter.insert("FORWARD", accept);
        } else {
            self.filter.append("FORWARD", drop);
        }
    }

    /// setupNonInternalNetworkRules (+ ProgramChain / setDefaultForwardRule / DOCKER-CT /
    /// DOCKER-BRIDGE).
    fn external_network(&mut self, n: &BridgeNetwork, br: &str, subnet: Ipv4Net) {
        let (nat_rule, hairpin_rule) = match n.host_ipv4 {
            Some(h) => (
                format!("-s {subnet} ! -o {br} -j SNAT --to-source {h}"),
                format!("-o {br} -m addrtype --src-type LOCAL -j SNAT --to-source {h}"),
            ),
            None => (
                format!("-s {subnet} ! -o {br} -j MASQUERADE"),
                format!("-o {br} -m addrtype --src-type LOCAL -j MASQUERADE"),
            ),
        };
        if self.new28() {
            self.nat_jumps();
        }
        if n.ip_masquerade {
            self.nat.insert("POSTROUTING", nat_rule);
            if !self.hairpin && !self.new29() {
                // "SKIP DNAT": containers on this bridge go through docker-proxy (29.x: no
                // such rule; they are DNATed like everyone else unless the DNAT rule's own
                // `! -i br` excludes their bridge).
                self.nat.insert(DOCKER, format!("-i {br} -j RETURN"));
            }
        }
        if self.hairpin {
            self.nat.insert("POSTROUTING", hairpin_rule);
        }
        self.set_icc(br, n.icc, false);
        if self.new28() {
            if n.icc {
                self.filter
                    .append(DOCKER_FORWARD, format!("-i {br} -j ACCEPT"));
            } else {
                self.filter
                    .append(DOCKER_FORWARD, format!("-i {br} ! -o {br} -j ACCEPT"));
            }
            // setDefaultForwardRule: appended, below the per-port ACCEPTs inserted later.
            self.filter
                .append(DOCKER, format!("! -i {br} -o {br} -j DROP"));
            self.filter.append(
                DOCKER_CT,
                format!("-o {br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
            );
            self.filter
                .append(DOCKER_BRIDGE, format!("-o {br} -j {DOCKER}"));
        } else {
            self.filter
                .insert("FORWARD", format!("-i {br} ! -o {br} -j ACCEPT"));
            // ProgramChain(nat): the jumps, appended once.
            self.nat_jumps();
            // ProgramChain(filter): jump inserted, then the conntrack ACCEPT above it.
            self.filter
                .insert("FORWARD", format!("-o {br} -j {DOCKER}"));
            self.filter.insert(
                "FORWARD",
                format!("-o {br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
            );
        }
    }

    fn add_endpoint(&mut self, n: &BridgeNetwork, ep: &Endpoint) {
        if n.internal {
            // No direct-access filtering and no port mappings on --internal networks.
            return;
        }
        let br = n.bridge.as_str();
        if ep.created && self.engine.at_least(28, 2) {
            // iptabler/endpoint.go filterDirectAccess (28.2+), added when the endpoint is
            // created, before its ports.
            self.raw
                .append("PREROUTING", format!("-d {}/32 ! -i {br} -j DROP", ep.ip));
        }
        for p in &ep.ports {
            self.add_port(br, ep.ip, p);
        }
    }

    /// setPerPortIptables for one binding.
    fn add_port(&mut self, br: &str, ctr: Ipv4Addr, p: &PublishedPort) {
        let host_ip = p.host_ip.filter(|ip| !ip.is_unspecified());
        if self.new28() {
            // filterPortMappedOnLoopback (28.0+).
            if let Some(h) = host_ip.filter(Ipv4Addr::is_loopback) {
                self.raw.append(
                    "PREROUTING",
                    format!(
                        "-d {h}/32 ! -i lo {} -j DROP",
                        proto_dport(p.proto, p.host_port)
                    ),
                );
            }
            if !self.engine.at_least(28, 2) {
                // filterDirectAccess per binding (28.0-28.1, iptabler/port.go).
                self.raw.append(
                    "PREROUTING",
                    format!(
                        "-d {ctr}/32 ! -i {br} {} -j DROP",
                        proto_dport(p.proto, p.container_port)
                    ),
                );
            }
        }
        // setPerPortNAT: DNAT appended; `! -i br` only with the userland proxy.
        let mut dnat = String::new();
        if let Some(h) = host_ip {
            dnat.push_str(&format!("-d {h}/32 "));
        }
        if !self.hairpin {
            dnat.push_str(&format!("! -i {br} "));
        }
        dnat.push_str(&format!(
            "{} -j DNAT --to-destination {ctr}:{}",
            proto_dport(p.proto, p.host_port),
            p.container_port
        ));
        self.nat.append(DOCKER, dnat);
        // Per-port MASQUERADE: unconditional up to 27.x (reference), hairpin only in 28.x.
        if self.hairpin || !self.new28() {
            self.nat.append(
                "POSTROUTING",
                format!(
                    "-s {ctr}/32 -d {ctr}/32 {} -j MASQUERADE",
                    proto_dport(p.proto, p.container_port)
                ),
            );
        }
        // setPerPortForwarding: inserted at the head in 28.x (above the network DROPs),
        // appended in 27.x and older.
        let accept = format!(
            "-d {ctr}/32 ! -i {br} -o {br} {} -j ACCEPT",
            proto_dport(p.proto, p.container_port)
        );
        if self.new28() {
            self.filter.insert(DOCKER, accept);
        } else {
            self.filter.append(DOCKER, accept);
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        // iptables-save prints only tables that exist; 27.x and older never touch raw, 28.x
        // creates it with its first raw rule.
        if self.new28() && self.raw.has_rules() {
            self.raw.write(&mut out);
        }
        self.filter.write(&mut out);
        self.nat.write(&mut out);
        out
    }
}

/// Put one container's bindings in the order Docker allocates and programs them, before
/// any ephemeral host port is chosen (`host_port` 0 stands for "any").
///
/// From Engine 27 (port_mapping_linux.go `sortAndNormPBs` / `cmpPortBinding`, v28.5.2):
/// exact host ports before ephemeral ones, then container port, protocol (tcp < udp), host
/// port, host address (unspecified first). Up to 26.x the daemon's `nat.SortPortMap`
/// (go-connections): host port descending, then container port descending, tcp first. That
/// comparison is not a total order when the two disagree (`-p 9000:80 -p 8000:443`), where
/// Docker's result depends on Go's map order; this model then ranks by host port.
pub fn sort_bindings(engine: EngineVersion, ports: &mut [PublishedPort]) {
    ports.sort_by(|a, b| binding_cmp(engine, a, b));
}

/// The comparison [`sort_bindings`] uses.
pub fn binding_cmp(engine: EngineVersion, a: &PublishedPort, b: &PublishedPort) -> Ordering {
    if engine.modelled().at_least(27, 0) {
        let key = |p: &PublishedPort| {
            (
                p.host_port == 0,
                p.container_port,
                p.proto,
                p.host_port,
                p.host_ip.map_or(0, u32::from),
            )
        };
        key(a).cmp(&key(b))
    } else {
        let key = |p: &PublishedPort| (Reverse(p.host_port), Reverse(p.container_port), p.proto);
        key(a).cmp(&key(b))
    }
}

/// The host's rules in iptables-save format (iptables-nft, as moby's `TestIptabler_*.golden`
/// files print them): tables `raw` (28.x, only once it has rules), `filter`, `nat`; each table
/// declares all builtin chains (`FORWARD` with the `DROP` policy the daemon set), then user
/// chains sorted by name, then the rules grouped by chain in the same order, then `COMMIT`.
/// No `# Generated` comment lines; nothing at all with `--iptables=false`. Versions outside
/// 20.10-28.5 are clamped, see
/// [`EngineVersion::modelled`].
pub fn host_rules(input: &HostRulesInput) -> String {
    if !input.iptables {
        return String::new();
    }
    let mut host = Host::new(
        input.engine.modelled(),
        input.userland_proxy,
        input.ip_forward,
    );
    host.driver_init();
    for n in &input.networks {
        host.add_network(n);
    }
    for ep in &input.endpoints {
        if let Some(n) = input.networks.get(ep.network) {
            host.add_endpoint(n, ep);
        }
    }
    host.render()
}

/// The nat table Docker's embedded DNS resolver installs in a container's namespace on a
/// user-defined network (resolver on 127.0.0.11, listening on `tcp_port` / `udp_port`).
/// The daemon inserts udp then tcp, so tcp comes first (moby resolver_linux.go).
pub fn dns_rules(tcp_port: u16, udp_port: u16) -> String {
    let mut nat = TableBuf::new("nat", &NAT_CHAINS);
    nat.new_chain("DOCKER_OUTPUT");
    nat.new_chain("DOCKER_POSTROUTING");
    nat.append("OUTPUT", "-d 127.0.0.11/32 -j DOCKER_OUTPUT");
    nat.append("POSTROUTING", "-d 127.0.0.11/32 -j DOCKER_POSTROUTING");
    for (proto, port) in [(PortProto::Tcp, tcp_port), (PortProto::Udp, udp_port)] {
        nat.append(
            "DOCKER_OUTPUT",
            format!(
                "-d 127.0.0.11/32 {} -j DNAT --to-destination 127.0.0.11:{port}",
                proto_dport(proto, 53)
            ),
        );
    }
    for (proto, port) in [(PortProto::Tcp, tcp_port), (PortProto::Udp, udp_port)] {
        nat.append(
            "DOCKER_POSTROUTING",
            format!(
                "-s 127.0.0.11/32 -p {proto} -m {proto} --sport {port} -j SNAT --to-source :53"
            ),
        );
    }
    let mut out = String::new();
    nat.write(&mut out);
    out
}

/// The sysctls the daemon sets on the host for this input, in the order it sets them:
/// `net.ipv4.ip_forward=1`; `net.bridge.bridge-nf-call-iptables=1` when any network has
/// icc=false or (27.5+) the userland proxy is off; `net.ipv4.conf.<bridge>.route_localnet=1`
/// for every bridge when the userland proxy is off. (`accept_ra=0` on the bridges is an IPv6
/// setting and is not modelled.) Versions are clamped as in [`host_rules`].
pub fn host_sysctls(input: &HostRulesInput) -> Vec<(String, i64)> {
    let engine = input.engine.modelled();
    let mut out = Vec::new();
    if input.ip_forward {
        out.push(("net.ipv4.ip_forward".to_string(), 1));
    }
    // setupBrNetfilter: any network with icc=false (internal or not) loads br_netfilter.
    let no_icc = input.networks.iter().any(|n| !n.icc);
    let proxy_off = !input.userland_proxy && engine.at_least(27, 5);
    if no_icc || proxy_off {
        out.push(("net.bridge.bridge-nf-call-iptables".to_string(), 1));
    }
    if !input.userland_proxy {
        // setupLoopbackAddressesRouting runs as a bridge setup step for every network,
        // --internal ones included (not re-checked against moby for internal networks).
        for n in &input.networks {
            out.push((format!("net.ipv4.conf.{}.route_localnet", n.bridge), 1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> EngineVersion {
        s.parse().unwrap_or(EngineVersion::new(0, 0))
    }

    fn net(bridge: &str, subnet: &str, default_bridge: bool) -> BridgeNetwork {
        let subnet: Ipv4Net = subnet.parse().unwrap_or_default();
        let gateway = subnet.hosts().next().unwrap_or(Ipv4Addr::UNSPECIFIED);
        BridgeNetwork {
            bridge: bridge.to_string(),
            subnet,
            gateway,
            default_bridge,
            internal: false,
            icc: true,
            ip_masquerade: true,
            host_ipv4: None,
        }
    }

    fn docker0() -> BridgeNetwork {
        net("docker0", "172.17.0.0/16", true)
    }

    fn bridge1() -> BridgeNetwork {
        // moby's iptablesdoc scenarios: `--subnet 192.0.2.0/24 -o ...bridge.name=bridge1`.
        net("bridge1", "192.0.2.0/24", false)
    }

    fn port(
        host_ip: Option<[u8; 4]>,
        host_port: u16,
        container_port: u16,
        proto: PortProto,
    ) -> PublishedPort {
        PublishedPort {
            host_ip: host_ip.map(Ipv4Addr::from),
            host_port,
            container_port,
            proto,
        }
    }

    fn ep(network: usize, ip: [u8; 4], ports: Vec<PublishedPort>) -> Endpoint {
        Endpoint {
            network,
            ip: Ipv4Addr::from(ip),
            ports,
            created: true,
        }
    }

    fn input(
        engine: &str,
        proxy: bool,
        networks: Vec<BridgeNetwork>,
        endpoints: Vec<Endpoint>,
    ) -> HostRulesInput {
        HostRulesInput {
            engine: v(engine),
            userland_proxy: proxy,
            iptables: true,
            ip_forward: true,
            networks,
            endpoints,
        }
    }

    /// Compares line by line, reporting the first difference.
    fn assert_lines(actual: &str, expected: &str) {
        let a: Vec<&str> = actual.lines().collect();
        let e: Vec<&str> = expected
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        for (i, (x, y)) in a.iter().zip(e.iter()).enumerate() {
            assert_eq!(x, y, "line {} differs\n--- actual ---\n{actual}", i + 1);
        }
        assert_eq!(
            a.len(),
            e.len(),
            "line count differs\n--- actual ---\n{actual}"
        );
        roundtrip(actual);
    }

    /// The text parses with the project's netfilter parser and prints back identically.
    fn roundtrip(text: &str) {
        let rs = crate::netfilter::Ruleset::parse(text);
        assert!(rs.is_ok(), "parse failed: {rs:?}\n{text}");
        if let Ok(rs) = rs {
            assert_eq!(rs.iptables_save(), text);
        }
    }

    const FILTER_HEAD: &str =
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    const NAT_HEAD: &str = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n";
    const RAW_HEAD: &str = "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";

    fn one_container(engine: &str) -> HostRulesInput {
        input(
            engine,
            true,
            vec![docker0()],
            vec![ep(
                0,
                [172, 17, 0, 2],
                vec![port(None, 8080, 80, PortProto::Tcp)],
            )],
        )
    }

    // Reference §1 "Engine 20.10-27.x" listing, plus the builtin chain declarations.
    const REF_27_ONE_CONTAINER: &str = "
        -A FORWARD -j DOCKER-USER
        -A FORWARD -j DOCKER-ISOLATION-STAGE-1
        -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        -A FORWARD -o docker0 -j DOCKER
        -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
        -A FORWARD -i docker0 -o docker0 -j ACCEPT
        -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
        -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
        -A DOCKER-ISOLATION-STAGE-1 -j RETURN
        -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
        -A DOCKER-ISOLATION-STAGE-2 -j RETURN
        -A DOCKER-USER -j RETURN
        COMMIT
    ";
    const REF_27_ONE_CONTAINER_NAT: &str = "
        :DOCKER - [0:0]
        -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
        -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
        -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
        -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
        -A DOCKER -i docker0 -j RETURN
        -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
        COMMIT
    ";
    const LEGACY_CHAINS: &str = "
        :DOCKER - [0:0]
        :DOCKER-ISOLATION-STAGE-1 - [0:0]
        :DOCKER-ISOLATION-STAGE-2 - [0:0]
        :DOCKER-USER - [0:0]
    ";
    const NEW_CHAINS: &str = "
        :DOCKER - [0:0]
        :DOCKER-BRIDGE - [0:0]
        :DOCKER-CT - [0:0]
        :DOCKER-FORWARD - [0:0]
        :DOCKER-ISOLATION-STAGE-1 - [0:0]
        :DOCKER-ISOLATION-STAGE-2 - [0:0]
        :DOCKER-USER - [0:0]
    ";

    #[test]
    fn legacy_one_container_matches_reference() {
        let expected = format!(
            "{FILTER_HEAD}{LEGACY_CHAINS}{REF_27_ONE_CONTAINER}{NAT_HEAD}{REF_27_ONE_CONTAINER_NAT}"
        );
        for engine in ["20.10", "23.0", "27.5", "19.03"] {
            assert_lines(&host_rules(&one_container(engine)), &expected);
        }
    }

    // Reference §1 "Engine 28.0.1-28.5.x" listing (per-endpoint raw drop of 28.2+, and no
    // DOCKER-USER RETURN, i.e. 28.3+), plus builtin chain declarations.
    const REF_28_FILTER_RULES: &str = "
        -A FORWARD -j DOCKER-USER
        -A FORWARD -j DOCKER-FORWARD
        -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
        -A DOCKER ! -i docker0 -o docker0 -j DROP
        -A DOCKER-BRIDGE -o docker0 -j DOCKER
        -A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        -A DOCKER-FORWARD -j DOCKER-CT
        -A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1
        -A DOCKER-FORWARD -j DOCKER-BRIDGE
        -A DOCKER-FORWARD -i docker0 -j ACCEPT
        -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
        -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
    ";
    const REF_28_NAT: &str = "
        :DOCKER - [0:0]
        -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
        -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
        -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
        -A DOCKER -i docker0 -j RETURN
        -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
        COMMIT
    ";

    #[test]
    fn forward_layout_one_container_matches_reference() {
        let raw =
            format!("{RAW_HEAD}-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP\nCOMMIT\n");
        let expected = format!(
            "{raw}{FILTER_HEAD}{NEW_CHAINS}{REF_28_FILTER_RULES}COMMIT\n{NAT_HEAD}{REF_28_NAT}"
        );
        for engine in ["28.3", "28.5"] {
            assert_lines(&host_rules(&one_container(engine)), &expected);
        }
        // 28.2: same, plus DOCKER-USER's RETURN.
        let expected = format!(
            "{raw}{FILTER_HEAD}{NEW_CHAINS}{REF_28_FILTER_RULES}-A DOCKER-USER -j RETURN\nCOMMIT\n{NAT_HEAD}{REF_28_NAT}"
        );
        assert_lines(&host_rules(&one_container("28.2")), &expected);
        // 28.0-28.1: the raw drop is per published port (container address and port).
        let raw = format!(
            "{RAW_HEAD}-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -p tcp -m tcp --dport 80 -j DROP\nCOMMIT\n"
        );
        let expected = format!(
            "{raw}{FILTER_HEAD}{NEW_CHAINS}{REF_28_FILTER_RULES}-A DOCKER-USER -j RETURN\nCOMMIT\n{NAT_HEAD}{REF_28_NAT}"
        );
        assert_lines(&host_rules(&one_container("28.0")), &expected);
        assert_lines(&host_rules(&one_container("28.1")), &expected);
    }

    fn three_networks(engine: &str) -> HostRulesInput {
        input(
            engine,
            true,
            vec![
                docker0(),
                net("br-aaaaaaaaaaaa", "172.18.0.0/16", false),
                net("br-bbbbbbbbbbbb", "172.19.0.0/16", false),
            ],
            vec![
                ep(
                    1,
                    [172, 18, 0, 2],
                    vec![port(None, 8080, 80, PortProto::Tcp)],
                ),
                ep(
                    2,
                    [172, 19, 0, 2],
                    vec![port(None, 9090, 90, PortProto::Udp)],
                ),
            ],
        )
    }

    #[test]
    fn legacy_two_user_networks() {
        // Newest network's rules on top (reference §1 "Each new network"; moby
        // usernet-portmap.md shows bridge1's FORWARD/POSTROUTING/nat-DOCKER rules above
        // docker0's); per-port rules appended in endpoint order.
        let expected = format!(
            "{FILTER_HEAD}{LEGACY_CHAINS}
            -A FORWARD -j DOCKER-USER
            -A FORWARD -j DOCKER-ISOLATION-STAGE-1
            -A FORWARD -o br-bbbbbbbbbbbb -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A FORWARD -o br-bbbbbbbbbbbb -j DOCKER
            -A FORWARD -i br-bbbbbbbbbbbb ! -o br-bbbbbbbbbbbb -j ACCEPT
            -A FORWARD -i br-bbbbbbbbbbbb -o br-bbbbbbbbbbbb -j ACCEPT
            -A FORWARD -o br-aaaaaaaaaaaa -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A FORWARD -o br-aaaaaaaaaaaa -j DOCKER
            -A FORWARD -i br-aaaaaaaaaaaa ! -o br-aaaaaaaaaaaa -j ACCEPT
            -A FORWARD -i br-aaaaaaaaaaaa -o br-aaaaaaaaaaaa -j ACCEPT
            -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A FORWARD -o docker0 -j DOCKER
            -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
            -A FORWARD -i docker0 -o docker0 -j ACCEPT
            -A DOCKER -d 172.18.0.2/32 ! -i br-aaaaaaaaaaaa -o br-aaaaaaaaaaaa -p tcp -m tcp --dport 80 -j ACCEPT
            -A DOCKER -d 172.19.0.2/32 ! -i br-bbbbbbbbbbbb -o br-bbbbbbbbbbbb -p udp -m udp --dport 90 -j ACCEPT
            -A DOCKER-ISOLATION-STAGE-1 -i br-bbbbbbbbbbbb ! -o br-bbbbbbbbbbbb -j DOCKER-ISOLATION-STAGE-2
            -A DOCKER-ISOLATION-STAGE-1 -i br-aaaaaaaaaaaa ! -o br-aaaaaaaaaaaa -j DOCKER-ISOLATION-STAGE-2
            -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
            -A DOCKER-ISOLATION-STAGE-1 -j RETURN
            -A DOCKER-ISOLATION-STAGE-2 -o br-bbbbbbbbbbbb -j DROP
            -A DOCKER-ISOLATION-STAGE-2 -o br-aaaaaaaaaaaa -j DROP
            -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
            -A DOCKER-ISOLATION-STAGE-2 -j RETURN
            -A DOCKER-USER -j RETURN
            COMMIT
            {NAT_HEAD}
            :DOCKER - [0:0]
            -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
            -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
            -A POSTROUTING -s 172.19.0.0/16 ! -o br-bbbbbbbbbbbb -j MASQUERADE
            -A POSTROUTING -s 172.18.0.0/16 ! -o br-aaaaaaaaaaaa -j MASQUERADE
            -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
            -A POSTROUTING -s 172.18.0.2/32 -d 172.18.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
            -A POSTROUTING -s 172.19.0.2/32 -d 172.19.0.2/32 -p udp -m udp --dport 90 -j MASQUERADE
            -A DOCKER -i br-bbbbbbbbbbbb -j RETURN
            -A DOCKER -i br-aaaaaaaaaaaa -j RETURN
            -A DOCKER -i docker0 -j RETURN
            -A DOCKER ! -i br-aaaaaaaaaaaa -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80
            -A DOCKER ! -i br-bbbbbbbbbbbb -p udp -m udp --dport 9090 -j DNAT --to-destination 172.19.0.2:90
            COMMIT"
        );
        assert_lines(&host_rules(&three_networks("27.5")), &expected);
    }

    #[test]
    fn forward_layout_two_user_networks() {
        // moby usernet-portmap(-lo).md (28.x): DOCKER-CT/DOCKER-BRIDGE/DOCKER-FORWARD and
        // STAGE-1 appended, STAGE-2 and per-port ACCEPTs inserted, network DROPs appended.
        let expected = format!(
            "{RAW_HEAD}
            -A PREROUTING -d 172.18.0.2/32 ! -i br-aaaaaaaaaaaa -j DROP
            -A PREROUTING -d 172.19.0.2/32 ! -i br-bbbbbbbbbbbb -j DROP
            COMMIT
            {FILTER_HEAD}{NEW_CHAINS}
            -A FORWARD -j DOCKER-USER
            -A FORWARD -j DOCKER-FORWARD
            -A DOCKER -d 172.19.0.2/32 ! -i br-bbbbbbbbbbbb -o br-bbbbbbbbbbbb -p udp -m udp --dport 90 -j ACCEPT
            -A DOCKER -d 172.18.0.2/32 ! -i br-aaaaaaaaaaaa -o br-aaaaaaaaaaaa -p tcp -m tcp --dport 80 -j ACCEPT
            -A DOCKER ! -i docker0 -o docker0 -j DROP
            -A DOCKER ! -i br-aaaaaaaaaaaa -o br-aaaaaaaaaaaa -j DROP
            -A DOCKER ! -i br-bbbbbbbbbbbb -o br-bbbbbbbbbbbb -j DROP
            -A DOCKER-BRIDGE -o docker0 -j DOCKER
            -A DOCKER-BRIDGE -o br-aaaaaaaaaaaa -j DOCKER
            -A DOCKER-BRIDGE -o br-bbbbbbbbbbbb -j DOCKER
            -A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A DOCKER-CT -o br-aaaaaaaaaaaa -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A DOCKER-CT -o br-bbbbbbbbbbbb -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A DOCKER-FORWARD -j DOCKER-CT
            -A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1
            -A DOCKER-FORWARD -j DOCKER-BRIDGE
            -A DOCKER-FORWARD -i docker0 -j ACCEPT
            -A DOCKER-FORWARD -i br-aaaaaaaaaaaa -j ACCEPT
            -A DOCKER-FORWARD -i br-bbbbbbbbbbbb -j ACCEPT
            -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
            -A DOCKER-ISOLATION-STAGE-1 -i br-aaaaaaaaaaaa ! -o br-aaaaaaaaaaaa -j DOCKER-ISOLATION-STAGE-2
            -A DOCKER-ISOLATION-STAGE-1 -i br-bbbbbbbbbbbb ! -o br-bbbbbbbbbbbb -j DOCKER-ISOLATION-STAGE-2
            -A DOCKER-ISOLATION-STAGE-2 -o br-bbbbbbbbbbbb -j DROP
            -A DOCKER-ISOLATION-STAGE-2 -o br-aaaaaaaaaaaa -j DROP
            -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
            COMMIT
            {NAT_HEAD}
            :DOCKER - [0:0]
            -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
            -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
            -A POSTROUTING -s 172.19.0.0/16 ! -o br-bbbbbbbbbbbb -j MASQUERADE
            -A POSTROUTING -s 172.18.0.0/16 ! -o br-aaaaaaaaaaaa -j MASQUERADE
            -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
            -A DOCKER -i br-bbbbbbbbbbbb -j RETURN
            -A DOCKER -i br-aaaaaaaaaaaa -j RETURN
            -A DOCKER -i docker0 -j RETURN
            -A DOCKER ! -i br-aaaaaaaaaaaa -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80
            -A DOCKER ! -i br-bbbbbbbbbbbb -p udp -m udp --dport 9090 -j DNAT --to-destination 172.19.0.2:90
            COMMIT"
        );
        assert_lines(&host_rules(&three_networks("28.5")), &expected);
    }

    fn noicc(engine: &str) -> HostRulesInput {
        let mut b = bridge1();
        b.icc = false;
        input(
            engine,
            true,
            vec![docker0(), b],
            vec![ep(
                1,
                [192, 0, 2, 2],
                vec![port(None, 8080, 80, PortProto::Tcp)],
            )],
        )
    }

    #[test]
    fn legacy_icc_false() {
        // Reference: DROP instead of ACCEPT. The DROP is appended to FORWARD, so with a second
        // network it sits below docker0's rules, exactly as in moby's pre-28
        // usernet-portmap-noicc.md (FORWARD rule 10: DROP bridge1 bridge1).
        let out = host_rules(&noicc("27.5"));
        let forward: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("-A FORWARD"))
            .collect();
        assert_eq!(
            forward,
            [
                "-A FORWARD -j DOCKER-USER",
                "-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
                "-A FORWARD -o bridge1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-A FORWARD -o bridge1 -j DOCKER",
                "-A FORWARD -i bridge1 ! -o bridge1 -j ACCEPT",
                "-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-A FORWARD -o docker0 -j DOCKER",
                "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT",
                "-A FORWARD -i docker0 -o docker0 -j ACCEPT",
                "-A FORWARD -i bridge1 -o bridge1 -j DROP",
            ]
        );
        roundtrip(&out);
        // Single default bridge with --icc=false: the reference's "DROP instead of ACCEPT".
        let mut inp = one_container("27.5");
        inp.networks[0].icc = false;
        let expected = format!(
            "{FILTER_HEAD}{LEGACY_CHAINS}{REF_27_ONE_CONTAINER}{NAT_HEAD}{REF_27_ONE_CONTAINER_NAT}"
        )
        .replace(
            "-A FORWARD -i docker0 -o docker0 -j ACCEPT",
            "-A FORWARD -i docker0 -o docker0 -j DROP",
        );
        assert_lines(&host_rules(&inp), &expected);
    }

    #[test]
    fn forward_layout_icc_false() {
        let out = host_rules(&noicc("28.5"));
        let fwd: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("-A DOCKER-FORWARD"))
            .collect();
        assert_eq!(
            fwd,
            [
                "-A DOCKER-FORWARD -j DOCKER-CT",
                "-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1",
                "-A DOCKER-FORWARD -j DOCKER-BRIDGE",
                "-A DOCKER-FORWARD -i docker0 -j ACCEPT",
                "-A DOCKER-FORWARD -i bridge1 -o bridge1 -j DROP",
                "-A DOCKER-FORWARD -i bridge1 ! -o bridge1 -j ACCEPT",
            ]
        );
        roundtrip(&out);
        // Single docker0 with icc=false: reference §1 28.x icc=false bullet.
        let mut inp = one_container("28.5");
        inp.networks[0].icc = false;
        let raw =
            format!("{RAW_HEAD}-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP\nCOMMIT\n");
        let filter = REF_28_FILTER_RULES.replace(
            "-A DOCKER-FORWARD -i docker0 -j ACCEPT",
            "-A DOCKER-FORWARD -i docker0 -o docker0 -j DROP\n-A DOCKER-FORWARD -i docker0 ! -o docker0 -j ACCEPT",
        );
        let expected =
            format!("{raw}{FILTER_HEAD}{NEW_CHAINS}{filter}COMMIT\n{NAT_HEAD}{REF_28_NAT}");
        assert_lines(&host_rules(&inp), &expected);
        assert_eq!(
            host_sysctls(&inp),
            [
                ("net.ipv4.ip_forward".to_string(), 1),
                ("net.bridge.bridge-nf-call-iptables".to_string(), 1)
            ]
        );
    }

    #[test]
    fn userland_proxy_off() {
        // moby usernet-portmap-noproxy.md nat table (28.x), which matches reference §1
        // "--userland-proxy=false".
        let inp = input(
            "28.5",
            false,
            vec![docker0(), bridge1()],
            vec![ep(
                1,
                [192, 0, 2, 2],
                vec![port(None, 8080, 80, PortProto::Tcp)],
            )],
        );
        let out = host_rules(&inp);
        let nat = out.split("*nat\n").nth(1).unwrap_or_default();
        assert_lines(
            &format!("*nat\n{nat}"),
            &format!(
                "{NAT_HEAD}
                :DOCKER - [0:0]
                -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
                -A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER
                -A POSTROUTING -o bridge1 -m addrtype --src-type LOCAL -j MASQUERADE
                -A POSTROUTING -s 192.0.2.0/24 ! -o bridge1 -j MASQUERADE
                -A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j MASQUERADE
                -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
                -A POSTROUTING -s 192.0.2.2/32 -d 192.0.2.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
                -A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80
                COMMIT"
            ),
        );
        roundtrip(&out);
        assert_eq!(
            host_sysctls(&inp),
            [
                ("net.ipv4.ip_forward".to_string(), 1),
                ("net.bridge.bridge-nf-call-iptables".to_string(), 1),
                ("net.ipv4.conf.docker0.route_localnet".to_string(), 1),
                ("net.ipv4.conf.bridge1.route_localnet".to_string(), 1),
            ]
        );

        // 27.x, default bridge only: the filter table is unchanged, the nat table loses the
        // RETURN and `! -i`/`! -d 127.0.0.0/8`, and gains the hairpin MASQUERADE.
        let mut inp = one_container("27.5");
        inp.userland_proxy = false;
        let expected = format!(
            "{FILTER_HEAD}{LEGACY_CHAINS}{REF_27_ONE_CONTAINER}{NAT_HEAD}
            :DOCKER - [0:0]
            -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
            -A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER
            -A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j MASQUERADE
            -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
            -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
            -A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
            COMMIT"
        );
        assert_lines(&host_rules(&inp), &expected);
        // Before 27.5 the proxy setting alone does not load br_netfilter.
        inp.engine = v("27.4");
        assert_eq!(
            host_sysctls(&inp),
            [
                ("net.ipv4.ip_forward".to_string(), 1),
                ("net.ipv4.conf.docker0.route_localnet".to_string(), 1)
            ]
        );
    }

    fn internal(engine: &str) -> HostRulesInput {
        let mut b = bridge1();
        b.internal = true;
        input(
            engine,
            true,
            vec![docker0(), b],
            vec![ep(
                1,
                [192, 0, 2, 2],
                vec![port(None, 8080, 80, PortProto::Tcp)],
            )],
        )
    }

    #[test]
    fn internal_network() {
        // moby usernet-internal.md: subnet DROPs on top of STAGE-1 (printed address first), no
        // STAGE-2 jump/DROP, no nat rules, no DOCKER/CT/BRIDGE rules, ICC ACCEPT; published
        // ports ignored; no raw drop.
        let expected = format!(
            "{FILTER_HEAD}{NEW_CHAINS}
            -A FORWARD -j DOCKER-USER
            -A FORWARD -j DOCKER-FORWARD
            -A DOCKER ! -i docker0 -o docker0 -j DROP
            -A DOCKER-BRIDGE -o docker0 -j DOCKER
            -A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A DOCKER-FORWARD -j DOCKER-CT
            -A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1
            -A DOCKER-FORWARD -j DOCKER-BRIDGE
            -A DOCKER-FORWARD -i docker0 -j ACCEPT
            -A DOCKER-FORWARD -i bridge1 -o bridge1 -j ACCEPT
            -A DOCKER-ISOLATION-STAGE-1 ! -s 192.0.2.0/24 -o bridge1 -j DROP
            -A DOCKER-ISOLATION-STAGE-1 ! -d 192.0.2.0/24 -i bridge1 -j DROP
            -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
            -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
            COMMIT
            {NAT_HEAD}
            :DOCKER - [0:0]
            -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
            -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
            -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
            -A DOCKER -i docker0 -j RETURN
            COMMIT"
        );
        assert_lines(&host_rules(&internal("28.5")), &expected);

        let expected = format!(
            "{FILTER_HEAD}{LEGACY_CHAINS}
            -A FORWARD -j DOCKER-USER
            -A FORWARD -j DOCKER-ISOLATION-STAGE-1
            -A FORWARD -i bridge1 -o bridge1 -j ACCEPT
            -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A FORWARD -o docker0 -j DOCKER
            -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
            -A FORWARD -i docker0 -o docker0 -j ACCEPT
            -A DOCKER-ISOLATION-STAGE-1 ! -s 192.0.2.0/24 -o bridge1 -j DROP
            -A DOCKER-ISOLATION-STAGE-1 ! -d 192.0.2.0/24 -i bridge1 -j DROP
            -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
            -A DOCKER-ISOLATION-STAGE-1 -j RETURN
            -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
            -A DOCKER-ISOLATION-STAGE-2 -j RETURN
            -A DOCKER-USER -j RETURN
            COMMIT
            {NAT_HEAD}
            :DOCKER - [0:0]
            -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
            -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
            -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
            -A DOCKER -i docker0 -j RETURN
            COMMIT"
        );
        assert_lines(&host_rules(&internal("27.5")), &expected);
    }

    #[test]
    fn loopback_binding() {
        // moby usernet-portmap-lo.md raw table and DNAT; reference §1 "Ports published on
        // 127.0.0.1 (28.0+)".
        let lo = |engine: &str| {
            input(
                engine,
                true,
                vec![docker0(), bridge1()],
                vec![ep(
                    1,
                    [192, 0, 2, 2],
                    vec![port(Some([127, 0, 0, 1]), 8080, 80, PortProto::Tcp)],
                )],
            )
        };
        let out = host_rules(&lo("28.5"));
        let raw = out.split("*filter").next().unwrap_or_default();
        assert_lines(
            raw,
            &format!(
                "{RAW_HEAD}
                -A PREROUTING -d 192.0.2.2/32 ! -i bridge1 -j DROP
                -A PREROUTING -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8080 -j DROP
                COMMIT"
            ),
        );
        let dnat = "-A DOCKER -d 127.0.0.1/32 ! -i bridge1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80";
        assert!(out.lines().any(|l| l == dnat), "{out}");
        roundtrip(&out);
        // 27.x: same DNAT, no raw table.
        let out = host_rules(&lo("27.5"));
        assert!(!out.contains("*raw"));
        assert!(out.lines().any(|l| l == dnat), "{out}");
        roundtrip(&out);
        // A specific non-loopback host address: `-d a.b.c.d/32`, no loopback raw rule.
        let mut inp = lo("28.5");
        inp.endpoints[0].ports[0].host_ip = Some(Ipv4Addr::new(1, 2, 3, 4));
        let out = host_rules(&inp);
        assert!(
            out.contains("-A DOCKER -d 1.2.3.4/32 ! -i bridge1 -p tcp -m tcp --dport 8080 -j DNAT")
        );
        assert!(!out.contains("! -i lo"));
    }

    #[test]
    fn host_ipv4_snat() {
        let mut inp = one_container("28.5");
        inp.userland_proxy = false;
        inp.networks[0].host_ipv4 = Some(Ipv4Addr::new(192, 0, 2, 10));
        let out = host_rules(&inp);
        assert!(out.contains("-A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j SNAT --to-source 192.0.2.10\n"));
        assert!(out.contains(
            "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j SNAT --to-source 192.0.2.10\n"
        ));
        assert!(!out.contains("! -o docker0 -j MASQUERADE"));
        roundtrip(&out);
    }

    #[test]
    fn no_masquerade_and_port_order() {
        let mut inp = one_container("28.5");
        inp.networks[0].ip_masquerade = false;
        inp.endpoints[0].ports = vec![
            port(None, 9000, 90, PortProto::Udp),
            port(None, 8081, 80, PortProto::Tcp),
            port(None, 8080, 80, PortProto::Tcp),
        ];
        sort_bindings(inp.engine, &mut inp.endpoints[0].ports);
        let out = host_rules(&inp);
        assert!(!out.contains("MASQUERADE"));
        assert!(!out.contains("-A DOCKER -i docker0 -j RETURN"));
        let dnat: Vec<&str> = out.lines().filter(|l| l.contains("DNAT")).collect();
        assert_eq!(
            dnat,
            [
                "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
                "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.2:80",
                "-A DOCKER ! -i docker0 -p udp -m udp --dport 9000 -j DNAT --to-destination 172.17.0.2:90",
            ]
        );
        // Both tcp/80 bindings share one ACCEPT rule (Insert is a no-op for an existing rule).
        assert_eq!(out.matches("--dport 80 -j ACCEPT").count(), 1);
        roundtrip(&out);
    }

    #[test]
    fn binding_order_before_27_is_host_port_descending() {
        // dockerd 20.10.24: -p 8080:80 -p 8443:443/tcp -p 5353:53/udp programs 443, 80, 53.
        let mut ports = vec![
            port(None, 8080, 80, PortProto::Tcp),
            port(None, 8443, 443, PortProto::Tcp),
            port(None, 5353, 53, PortProto::Udp),
        ];
        sort_bindings(v("20.10"), &mut ports);
        let order: Vec<u16> = ports.iter().map(|p| p.container_port).collect();
        assert_eq!(order, [443, 80, 53]);
        sort_bindings(v("28.5"), &mut ports);
        let order: Vec<u16> = ports.iter().map(|p| p.container_port).collect();
        assert_eq!(order, [53, 80, 443]);
    }

    #[test]
    fn dns_rules_match_reference() {
        // Reference §2 listing, plus the builtin nat chain declarations.
        let expected = format!(
            "{NAT_HEAD}
            :DOCKER_OUTPUT - [0:0]
            :DOCKER_POSTROUTING - [0:0]
            -A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT
            -A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING
            -A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:40215
            -A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:51034
            -A DOCKER_POSTROUTING -s 127.0.0.11/32 -p tcp -m tcp --sport 40215 -j SNAT --to-source :53
            -A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 51034 -j SNAT --to-source :53
            COMMIT"
        );
        assert_lines(&dns_rules(40215, 51034), &expected);
    }

    #[test]
    fn engine_version_parse_display_order() {
        assert_eq!(v("28.2"), EngineVersion::new(28, 2));
        assert_eq!(v("28.5.2"), EngineVersion::new(28, 5));
        assert!("28.5.".parse::<EngineVersion>().is_err());
        assert!("28.5.x".parse::<EngineVersion>().is_err());
        assert!(
            v("18.09")
                .check_modelled()
                .unwrap_err()
                .contains("20.10 to 29.7")
        );
        assert!(
            v("30.0")
                .check_modelled()
                .unwrap_err()
                .contains("not modelled yet")
        );
        assert!(v("29.1").check_modelled().is_ok());
        assert!(v("20.10").check_modelled().is_ok());
        assert_eq!(EngineVersion::new(20, 10).to_string(), "20.10");
        assert!(v("20.10") < v("27.5") && v("27.5") < v("28.0") && v("28.2") < v("28.10"));
        for bad in ["", "28", "28.", ".2", "v28.2", "28.x", "-1.2"] {
            let e = bad.parse::<EngineVersion>();
            assert!(
                e.as_ref()
                    .is_err_and(|e| e.text == bad && e.to_string().contains(&format!("`{bad}`"))),
                "{e:?}"
            );
        }
        assert_eq!(v("30.1").modelled(), EngineVersion::new(29, 7));
        assert_eq!(v("19.03").modelled(), EngineVersion::new(20, 10));
        assert_eq!(v("27.5").modelled(), EngineVersion::new(27, 5));
    }

    #[test]
    fn out_of_range_endpoint_is_ignored() {
        let mut inp = one_container("28.5");
        inp.endpoints
            .push(ep(7, [10, 0, 0, 2], vec![port(None, 1, 1, PortProto::Tcp)]));
        assert_eq!(host_rules(&inp), host_rules(&one_container("28.5")));
    }
}

/// Engine 29.x against moby's own iptablesdoc (docker-v29.7.2,
/// integration/network/bridge/iptablesdoc/generated/*.md): the `-N` and `-A` lines of each
/// table's "iptables commands" (the documented daemon started with IPv4 forwarding already
/// on, so its FORWARD policy is ACCEPT where a fresh namespace gets DROP: policies are left
/// out).
#[cfg(test)]
mod iptablesdoc_29 {
    use super::*;

    /// `-N` / `-A` lines of one table of an iptables-save text, as `iptables -S` prints them.
    fn commands(save: &str, table: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = "";
        for line in save.lines().map(str::trim) {
            if let Some(t) = line.strip_prefix('*') {
                current = t;
            } else if current == table {
                if let Some(decl) = line.strip_prefix(':') {
                    let mut w = decl.split_whitespace();
                    if let (Some(chain), Some("-")) = (w.next(), w.next()) {
                        out.push(format!("-N {chain}"));
                    }
                } else if line.starts_with("-A ") {
                    out.push(line.to_string());
                }
            }
        }
        out
    }

    fn doc(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("-N ") || l.starts_with("-A "))
            .map(str::to_string)
            .collect()
    }

    fn bridge1() -> BridgeNetwork {
        let subnet: Ipv4Net = "192.0.2.0/24".parse().expect("subnet");
        BridgeNetwork {
            bridge: "bridge1".into(),
            subnet,
            gateway: Ipv4Addr::new(192, 0, 2, 1),
            default_bridge: false,
            internal: false,
            icc: true,
            ip_masquerade: true,
            host_ipv4: None,
        }
    }

    fn docker0() -> BridgeNetwork {
        BridgeNetwork {
            bridge: "docker0".into(),
            subnet: "172.17.0.0/16".parse().expect("subnet"),
            gateway: Ipv4Addr::new(172, 17, 0, 1),
            default_bridge: true,
            internal: false,
            icc: true,
            ip_masquerade: true,
            host_ipv4: None,
        }
    }

    fn rules(networks: Vec<BridgeNetwork>, endpoints: Vec<Endpoint>) -> String {
        host_rules(&HostRulesInput {
            engine: EngineVersion::new(29, 7),
            userland_proxy: true,
            iptables: true,
            ip_forward: true,
            networks,
            endpoints,
        })
    }

    #[test]
    fn usernet_portmap() {
        let ep = Endpoint {
            network: 1,
            ip: Ipv4Addr::new(192, 0, 2, 2),
            ports: vec![PublishedPort {
                host_ip: None,
                host_port: 8080,
                container_port: 80,
                proto: PortProto::Tcp,
            }],
            created: true,
        };
        let out = rules(vec![docker0(), bridge1()], vec![ep]);
        assert_eq!(
            commands(&out, "filter"),
            doc("
                -N DOCKER
                -N DOCKER-BRIDGE
                -N DOCKER-CT
                -N DOCKER-FORWARD
                -N DOCKER-INTERNAL
                -N DOCKER-USER
                -A FORWARD -j DOCKER-USER
                -A FORWARD -j DOCKER-FORWARD
                -A DOCKER -d 192.0.2.2/32 ! -i bridge1 -o bridge1 -p tcp -m tcp --dport 80 -j ACCEPT
                -A DOCKER ! -i docker0 -o docker0 -j DROP
                -A DOCKER ! -i bridge1 -o bridge1 -j DROP
                -A DOCKER-BRIDGE -o docker0 -j DOCKER
                -A DOCKER-BRIDGE -o bridge1 -j DOCKER
                -A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A DOCKER-CT -o bridge1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A DOCKER-FORWARD -j DOCKER-CT
                -A DOCKER-FORWARD -j DOCKER-INTERNAL
                -A DOCKER-FORWARD -j DOCKER-BRIDGE
                -A DOCKER-FORWARD -i docker0 -j ACCEPT
                -A DOCKER-FORWARD -i bridge1 -j ACCEPT
            ")
        );
        assert_eq!(
            commands(&out, "nat"),
            doc("
                -N DOCKER
                -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
                -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
                -A POSTROUTING -s 192.0.2.0/24 ! -o bridge1 -j MASQUERADE
                -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
                -A DOCKER ! -i bridge1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80
            ")
        );
        assert_eq!(
            commands(&out, "raw"),
            doc("-A PREROUTING -d 192.0.2.2/32 ! -i bridge1 -j DROP")
        );
    }

    #[test]
    fn usernet_internal() {
        let mut icc = bridge1();
        icc.bridge = "bridgeICC".into();
        icc.internal = true;
        let mut noicc = bridge1();
        noicc.bridge = "bridgeNoICC".into();
        noicc.subnet = "198.51.100.0/24".parse().expect("subnet");
        noicc.internal = true;
        noicc.icc = false;
        let out = rules(vec![docker0(), icc, noicc], Vec::new());
        assert_eq!(
            commands(&out, "filter"),
            doc("
                -N DOCKER
                -N DOCKER-BRIDGE
                -N DOCKER-CT
                -N DOCKER-FORWARD
                -N DOCKER-INTERNAL
                -N DOCKER-USER
                -A FORWARD -j DOCKER-USER
                -A FORWARD -j DOCKER-FORWARD
                -A DOCKER ! -i docker0 -o docker0 -j DROP
                -A DOCKER-BRIDGE -o docker0 -j DOCKER
                -A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A DOCKER-FORWARD -j DOCKER-CT
                -A DOCKER-FORWARD -j DOCKER-INTERNAL
                -A DOCKER-FORWARD -j DOCKER-BRIDGE
                -A DOCKER-FORWARD -i docker0 -j ACCEPT
                -A DOCKER-FORWARD -i bridgeICC -o bridgeICC -j ACCEPT
                -A DOCKER-FORWARD -i bridgeNoICC -o bridgeNoICC -j DROP
                -A DOCKER-INTERNAL ! -s 198.51.100.0/24 -o bridgeNoICC -j DROP
                -A DOCKER-INTERNAL ! -d 198.51.100.0/24 -i bridgeNoICC -j DROP
                -A DOCKER-INTERNAL ! -s 192.0.2.0/24 -o bridgeICC -j DROP
                -A DOCKER-INTERNAL ! -d 192.0.2.0/24 -i bridgeICC -j DROP
            ")
        );
    }
}
