//! Docker-level scenario -> kernel-level scenario, as Docker Engine would build it:
//! networks from the address pools, lowest-free IPs, `br-<id>` and `veth<hex>` names, MACs by
//! engine version, the rules and sysctls of that version, docker-proxy relays, the embedded
//! DNS on user-defined networks, and Docker Desktop's VM with its user-space forwarders.

mod compose_up;
mod desktop;
mod gateway;
mod ipam;
mod lifecycle;
mod ps;

pub use compose_up::ComposeInventory;
use ipam::{Addressing, first_host};

use super::rules::{self, BridgeNetwork, EngineVersion, HostRulesInput, PublishedPort};
use super::scenario::{ContainerSpec, DockerScenario, NetworkSpec, Platform};
use crate::docker_cli::{
    self as cli, DaemonOptions, DockerCommand, NetworkMode, PortBinding, PortProto, RunSpec,
};
use crate::scenario::{IfaceSpec, LinkSpec, NamespaceSpec, NsRole, ProcessSpec, Proto, Scenario};
use crate::scenario::{Loc, Problem};
use crate::wire::MacAddr;
use ipnet::Ipv4Net;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// The compiled scenario and where each Docker-level name lives in it.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub scenario: Scenario,
    /// Container, peer and host names -> the namespace that runs their processes.
    pub namespaces: BTreeMap<String, String>,
    /// What `docker ps` and `docker network inspect` report, for viewers.
    pub inventory: Inventory,
}

/// The engine's view of its containers and networks after the scenario's commands ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    pub containers: Vec<ContainerInfo>,
    pub networks: Vec<NetworkInfo>,
    /// Stopped containers (`docker ps -a`), by the order they stopped in.
    pub stopped: Vec<StoppedInfo>,
    /// The Compose project the scenario brought up, if any (`docker compose ps`).
    pub compose: Option<ComposeInventory>,
}

/// A stopped container as `docker ps -a` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoppedInfo {
    pub name: String,
    /// The 12-hex-digit short id.
    pub id: String,
    pub image: String,
}

/// One running container as `docker ps` / `docker inspect` show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerInfo {
    pub name: String,
    /// The 12-hex-digit short id.
    pub id: String,
    pub image: String,
    /// `bridge`, `host`, `none`, `container:NAME` or the first user network's name.
    pub mode: String,
    /// The namespace that runs its processes.
    pub namespace: String,
    /// (network, address, MAC) per attachment.
    pub endpoints: Vec<(String, Ipv4Addr, String)>,
    /// `0.0.0.0:8080->80/tcp` as `docker ps` prints each published port.
    pub ports: Vec<String>,
}

/// One network as `docker network inspect` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkInfo {
    pub name: String,
    pub bridge: String,
    pub subnet: Ipv4Net,
    /// The bridge's address.
    pub gateway: Ipv4Addr,
    /// The gateway IPAM recorded (inspect's `Gateway`); `None` when Docker leaves it empty.
    pub recorded_gateway: Option<Ipv4Addr>,
    /// `--ip-range` (inspect's `IPRange`).
    pub ip_range: Option<Ipv4Net>,
    pub internal: bool,
    pub icc: bool,
}

/// Docker Desktop's fixed addresses (192.168.65.0/24).
const DESKTOP_VM: Ipv4Addr = Ipv4Addr::new(192, 168, 65, 3);
const DESKTOP_GATEWAY: Ipv4Addr = Ipv4Addr::new(192, 168, 65, 1);
const DESKTOP_DNS: Ipv4Addr = Ipv4Addr::new(192, 168, 65, 7);
/// Docker's fallback nameserver when the host's resolv.conf names none that works in a
/// container (moby's defaultIPv4NSs: 8.8.8.8, then 8.8.4.4; only the first is modelled).
const DEFAULT_NAMESERVER: &str = "8.8.8.8";

/// Whether a nameserver address is a loopback one (`127.0.0.53`, systemd-resolved's stub).
fn is_loopback(ns: &str) -> bool {
    ns.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
}
const DESKTOP_HOST_OLD: Ipv4Addr = Ipv4Addr::new(192, 168, 65, 2);
const DESKTOP_HOST: Ipv4Addr = Ipv4Addr::new(192, 168, 65, 254);

/// The first port `-P` and `-p 80` take (ip_local_port_range's start).
const EPHEMERAL_START: u16 = 32768;

struct Network {
    name: String,
    bridge: String,
    subnet: Ipv4Net,
    /// The bridge's address.
    gateway: Ipv4Addr,
    /// What IPAM recorded as the gateway (`docker network inspect`); `None` prints empty.
    recorded_gateway: Option<Ipv4Addr>,
    /// `--ip-range`: where container addresses come from.
    ip_range: Option<Ipv4Net>,
    internal: bool,
    icc: bool,
    /// `com.docker.network.bridge.enable_ip_masquerade`.
    ip_masquerade: bool,
    /// `com.docker.network.host_ipv4`: SNAT to it instead of MASQUERADE.
    host_ipv4: Option<Ipv4Addr>,
    /// `com.docker.network.bridge.host_binding_ipv4`: the host address `-p` binds by default.
    host_binding_ipv4: Option<Ipv4Addr>,
    default_bridge: bool,
    mac: MacAddr,
    used: BTreeSet<Ipv4Addr>,
    /// `-o com.docker.network.driver.mtu`: on the bridge and both ends of every veth.
    mtu: Option<u32>,
}

/// How a container joins one network (`docker run`, `docker network connect`, or a start that
/// rejoins): what the endpoint keeps besides its address.
#[derive(Clone, Debug, Default)]
struct JoinOptions {
    aliases: Vec<String>,
    /// `--ip`, if given: kept across a stop and start (others may change).
    ip: Option<Ipv4Addr>,
    /// `--gw-priority` (Engine 28+); 0 by default.
    gw_priority: i64,
}

struct Endpoint {
    net: usize,
    /// The interface's name in the container: `eth<N>` by a per-sandbox counter that a
    /// disconnect does not give back up to 27.x (dockerd 20.10: connect, disconnect, connect
    /// -> eth2); from 28.0 the lowest number not in use (eth1 again).
    ifname: String,
    /// When it was created (orders the host's per-endpoint rules).
    created: u64,
    ip: Ipv4Addr,
    mac: MacAddr,
    veth: String,
    /// What it was joined with (`opts.ip` is the address only when it was given).
    opts: JoinOptions,
}

enum Mode {
    Own,
    Host,
    Isolated,
    Shared(String),
}

struct Container {
    name: String,
    id: String,
    image: String,
    mode: Mode,
    endpoints: Vec<Endpoint>,
    ports: Vec<PublishedPort>,
    /// The ports asked for (`-p`, `-P`), published again by `docker start`.
    bindings: Vec<PortBinding>,
    /// The image's EXPOSE ports and `--expose`.
    exposed: Vec<(u16, rules::PortProto)>,
    /// The next `eth<N>` (reset when the container stops: a new sandbox starts at eth0).
    next_if: u32,
    /// The network its published ports are programmed on, and when they were (last).
    ports_net: Option<usize>,
    ports_at: u64,
    /// `--rm`: stopping it removes it.
    remove_on_stop: bool,
    services: Vec<ProcessSpec>,
    add_hosts: Vec<(String, cli::HostAddr)>,
    /// `--dns`: the resolv.conf servers (default bridge) or the embedded DNS's upstreams.
    dns: Vec<Ipv4Addr>,
    /// `--hostname` (default: the short id), in /etc/hosts with the container's address.
    hostname: Option<String>,
    /// The addresses /etc/hosts gives the hostname: one line appended per network joined
    /// since the start (see the disconnect for what removes them); a resolver takes the first.
    hosts_addrs: Vec<Ipv4Addr>,
    sysctls: Vec<(String, i64)>,
}

impl Container {
    /// The 12-hex-digit id `docker ps` shows.
    fn short_id(&self) -> String {
        self.id.chars().take(12).collect()
    }
}

struct Compiler<'a> {
    sc: &'a DockerScenario,
    engine: EngineVersion,
    daemon: DaemonOptions,
    rng: ChaCha8Rng,
    networks: Vec<Network>,
    /// Running containers, in the order they (last) started.
    containers: Vec<Container>,
    /// Stopped containers: their names are taken, they have no namespace.
    stopped: Vec<lifecycle::Stopped>,
    next_port: BTreeMap<PortProto, u16>,
    problems: Vec<Problem>,
    /// Desktop: the Mac/PC namespace name; None on Linux.
    desktop_host: Option<&'static str>,
    host_names: Vec<String>,
    /// Desktop: where the host names point (the release decides).
    desktop_host_addr: Ipv4Addr,
    /// Orders endpoint creation and port programming (see `gateway`).
    seq: u64,
    /// The Compose project brought up, for `docker compose ps`.
    compose_info: Option<ComposeInventory>,
}

/// Compile a Docker-level scenario, or return every problem found.
pub fn compile(sc: &DockerScenario) -> Result<Compiled, Vec<Problem>> {
    let mut c = Compiler::new(sc);
    c.create_default_bridge();
    for n in &sc.networks {
        c.structured_network(n);
    }
    for ct in &sc.containers {
        c.structured_container(ct);
    }
    let compose = c.load_compose();
    let mut compose_pending = compose.is_some();
    // Without a `docker compose up` line the project comes up before the commands, so
    // commands added later (the console's) never move its addresses.
    if let Some(l) = &compose
        && !sc.commands.iter().any(|line| compose_up::is_up_line(line))
    {
        c.compose_up(l);
        compose_pending = false;
    }
    for line in &sc.commands {
        if compose_up::is_up_line(line) {
            match &compose {
                Some(l) if compose_pending => c.compose_up(l),
                Some(_) => c.problems.push(Problem::at(
                    None,
                    line,
                    "the project is already up".into(),
                    "bring it up once",
                )),
                None if sc.compose.is_none() => c.problems.push(Problem::at(
                    None,
                    line,
                    "no configuration file provided: not found".into(),
                    "add `compose: \"compose.yaml\"` to the scenario",
                )),
                None => {}
            }
            compose_pending = false;
            continue;
        }
        c.command(line);
    }
    c.check_stopped_senders();
    let out = c.emit();
    if c.problems.is_empty() {
        Ok(out)
    } else {
        Err(c.problems)
    }
}

impl<'a> Compiler<'a> {
    fn new(sc: &'a DockerScenario) -> Self {
        let mut problems = Vec::new();
        let (engine_text, desktop_host, host_names, host_addr) = match &sc.platform {
            Platform::Linux { engine } => (engine.clone(), None, Vec::new(), DESKTOP_HOST),
            Platform::DesktopMac { release, .. } => desktop(&mut problems, release, "mac"),
            Platform::DesktopWindows { release, .. } => desktop(
                &mut problems,
                release.as_deref().unwrap_or("current"),
                "win",
            ),
        };
        let engine = engine_text
            .parse::<EngineVersion>()
            .map_err(|e| e.to_string())
            .and_then(|v| v.check_modelled().map(|()| v))
            .unwrap_or_else(|e| {
                problems.push(Problem::at(
                    None,
                    &engine_text,
                    format!("engine version `{engine_text}`: {e}"),
                    "write a modelled release, e.g. \"20.10\", \"27.5\", \"28.5\" or \"29.7\"",
                ));
                EngineVersion {
                    major: 28,
                    minor: 5,
                }
            });
        let daemon = cli::parse_daemon_args(&sc.daemon).unwrap_or_else(|e| {
            problems.push(embedded(
                &sc.daemon,
                e.column,
                format!("daemon options: {}", e.message),
                e.help.clone(),
            ));
            DaemonOptions::default()
        });
        Compiler {
            sc,
            engine,
            daemon,
            rng: ChaCha8Rng::seed_from_u64(sc.seed ^ 0x646f_636b),
            networks: Vec::new(),
            containers: Vec::new(),
            stopped: Vec::new(),
            next_port: BTreeMap::new(),
            problems,
            desktop_host,
            host_names,
            desktop_host_addr: host_addr,
            seq: 0,
            compose_info: None,
        }
    }

    fn engine_ns(&self) -> &'static str {
        if self.desktop_host.is_some() {
            "vm"
        } else {
            "host"
        }
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from_digit(self.rng.random_range(0..16u32), 16).unwrap_or('0'))
            .collect()
    }

    fn random_mac(&mut self) -> MacAddr {
        let mut b: [u8; 6] = self.rng.random();
        b[0] = (b[0] & 0xfe) | 0x02;
        MacAddr(b)
    }

    /// 02:42 + the IPv4 address before 28.0; random (locally administered) from 28.0.
    fn container_mac(&mut self, ip: Ipv4Addr) -> MacAddr {
        if self.engine.major < 28 {
            let o = ip.octets();
            MacAddr([0x02, 0x42, o[0], o[1], o[2], o[3]])
        } else {
            self.random_mac()
        }
    }

    fn bridge_mac(&mut self) -> MacAddr {
        if self.engine.major < 28 {
            let r: [u8; 4] = self.rng.random();
            MacAddr([0x02, 0x42, r[0], r[1], r[2], r[3]])
        } else {
            self.random_mac()
        }
    }

    /// Add a bridge network with `addr`essing; `n` carries the per-network options (the
    /// default bridge takes Docker's defaults for them).
    fn add_network(
        &mut self,
        n: &cli::NetworkCreate,
        addr: Addressing,
        icc: bool,
        default_bridge: bool,
    ) {
        let bridge = n
            .bridge_name
            .clone()
            .unwrap_or_else(|| format!("br-{}", self.hex(12)));
        let mac = self.bridge_mac();
        let used = BTreeSet::from([addr.gateway]);
        self.networks.push(Network {
            name: n.name.clone(),
            bridge,
            subnet: addr.subnet,
            gateway: addr.gateway,
            recorded_gateway: addr.recorded_gateway,
            ip_range: addr.ip_range,
            internal: n.internal,
            icc,
            ip_masquerade: n.ip_masquerade,
            host_ipv4: n.host_ipv4,
            host_binding_ipv4: n.host_binding_ipv4,
            default_bridge,
            mac,
            used,
            mtu: n.mtu,
        });
    }

    /// docker0: `--bip` (its address and prefix), else the first free pool.
    fn create_default_bridge(&mut self) {
        let addr = match self.daemon.bip {
            Some(bip) => Addressing {
                subnet: bip.trunc(),
                gateway: bip.addr(),
                recorded_gateway: Some(bip.addr()),
                ip_range: None,
            },
            None => match self.next_pool() {
                Some(p) => Addressing::pooled(p),
                None => {
                    self.problems.push(Problem::at(
                        None,
                        "default-address-pool",
                        "could not find an available, non-overlapping IPv4 address pool for the default bridge".into(),
                        "give --bip, or a --default-address-pool that does not overlap the host's subnets",
                    ));
                    Addressing::pooled(Ipv4Net::new_assert(Ipv4Addr::new(172, 17, 0, 0), 16))
                }
            },
        };
        let spec = cli::NetworkCreate {
            bridge_name: Some("docker0".into()),
            ..cli::NetworkCreate::new("bridge")
        };
        let icc = self.daemon.icc;
        self.add_network(&spec, addr, icc, true);
    }

    fn structured_network(&mut self, n: &NetworkSpec) {
        let mut line = String::from("docker network create");
        if let Some(s) = &n.subnet {
            line += &format!(" --subnet {s}");
        }
        if n.internal {
            line += " --internal";
        }
        if n.icc == Some(false) {
            line += " -o com.docker.network.bridge.enable_icc=false";
        }
        line += &format!(" {}", n.name);
        self.command_at(&line, Some(&n.name));
    }

    fn structured_container(&mut self, c: &ContainerSpec) {
        let mut line = format!("docker run -d --name {}", c.name);
        if let Some(n) = &c.network {
            line += &format!(" --network {n}");
        }
        for p in &c.publish {
            line += &format!(" -p {p}");
        }
        if c.publish_all {
            line += " -P";
        }
        for a in &c.aliases {
            line += &format!(" --network-alias {a}");
        }
        line += &format!(
            " {}",
            if c.image.is_empty() {
                "busybox"
            } else {
                &c.image
            }
        );
        self.command_at(&line, Some(&c.name));
        if let (Some(services), Some(ct)) = (&c.services, self.containers.last_mut()) {
            ct.services = services.clone();
        }
        for n in &c.connect {
            self.command_at(
                &format!("docker network connect {n} {}", c.name),
                Some(&c.name),
            );
        }
    }

    fn command(&mut self, line: &str) {
        self.command_at(line, None);
    }

    /// Run one command; errors point at the offending token (or at the structured item).
    fn command_at(&mut self, line: &str, item: Option<&str>) {
        let cmd = match cli::parse_command(line) {
            Ok(c) => c,
            Err(e) => {
                let p = match item {
                    Some(name) => {
                        Problem::at(Some(name), &e.token, e.message.clone(), e.help.clone())
                    }
                    None => embedded(line, e.column, e.message.clone(), e.help.clone()),
                };
                self.problems.push(p);
                return;
            }
        };
        self.exec(item.unwrap_or(line), cmd);
    }

    /// Run one parsed command; `anchor` locates its errors.
    fn exec(&mut self, anchor: &str, cmd: DockerCommand) {
        match self.by_name(cmd) {
            DockerCommand::NetworkCreate(n) => self.network_create(anchor, n),
            DockerCommand::Run(r) => self.run(anchor, r),
            DockerCommand::Lifecycle { action, containers } => {
                for name in containers {
                    self.lifecycle(anchor, action, &name);
                }
            }
            DockerCommand::NetworkConnect(c) => {
                if self.connect_stopped(anchor, &c) {
                    return;
                }
                let Some(ct) = self.containers.iter().position(|x| x.name == c.container) else {
                    self.fail(
                        anchor,
                        &c.container,
                        format!("No such container: {}", c.container),
                        "start it with `docker run --name` first",
                    );
                    return;
                };
                if !self.gw_priority_supported(anchor, c.gw_priority) {
                    return;
                }
                let opts = JoinOptions {
                    aliases: c.aliases,
                    ip: c.ip,
                    gw_priority: c.gw_priority,
                };
                self.connect(anchor, ct, &c.network, opts);
            }
            DockerCommand::NetworkDisconnect { network, container } => {
                if self.disconnect_stopped(&network, &container) {
                    return;
                }
                let net = self.networks.iter().position(|n| n.name == network);
                let ct = self.containers.iter().position(|x| x.name == container);
                let ep = net.zip(ct).and_then(|(n, c)| {
                    self.containers[c]
                        .endpoints
                        .iter()
                        .position(|e| e.net == n)
                        .map(|e| (n, c, e))
                });
                match ep {
                    Some((n, c, e)) => {
                        // The address goes back to the pool (lowest-free allocation reuses it).
                        let freed = self.containers[c].endpoints.remove(e);
                        self.networks[n].used.remove(&freed.ip);
                        // Leaving a user-defined network deletes every /etc/hosts line with
                        // the hostname (dockerd 20.10.24); leaving the default bridge, none.
                        if !self.networks[n].default_bridge {
                            self.containers[c].hosts_addrs.clear();
                        }
                        self.update_gateway(c);
                    }
                    None => self.fail(
                        anchor,
                        &network,
                        format!("container {container} is not connected to network {network}"),
                        "check both names: the container must be attached to that network",
                    ),
                }
            }
        }
    }

    /// An `--add-host` address: `host-gateway` is the default bridge's gateway on Linux
    /// (the daemon's default host-gateway IP) and the host's address on Docker Desktop.
    fn host_addr(&self, a: cli::HostAddr) -> Ipv4Addr {
        match a {
            cli::HostAddr::Ip(ip) => ip,
            cli::HostAddr::HostGateway if self.desktop_host.is_some() => self.desktop_host_addr,
            cli::HostAddr::HostGateway => self
                .networks
                .iter()
                .find(|n| n.default_bridge)
                .map_or(Ipv4Addr::new(172, 17, 0, 1), |n| n.gateway),
        }
    }

    /// The command with every container it names by id (full, or a unique prefix, as the
    /// engine accepts) named by its name instead.
    fn by_name(&self, cmd: DockerCommand) -> DockerCommand {
        let name = |r: String| self.container_name(&r).unwrap_or(r);
        match cmd {
            DockerCommand::Run(mut r) => {
                if let NetworkMode::Container(x) = r.network {
                    r.network = NetworkMode::Container(name(x));
                }
                DockerCommand::Run(r)
            }
            DockerCommand::Lifecycle { action, containers } => DockerCommand::Lifecycle {
                action,
                containers: containers.into_iter().map(name).collect(),
            },
            DockerCommand::NetworkConnect(mut c) => {
                c.container = name(c.container);
                DockerCommand::NetworkConnect(c)
            }
            DockerCommand::NetworkDisconnect { network, container } => {
                DockerCommand::NetworkDisconnect {
                    network,
                    container: name(container),
                }
            }
            other => other,
        }
    }

    /// The name of the (running or stopped) container `reference` names: by name first, then
    /// by id or an id prefix that only one container's id starts with.
    fn container_name(&self, reference: &str) -> Option<String> {
        let all = self
            .containers
            .iter()
            .chain(self.stopped.iter().map(|s| s.container()));
        let mut by_id = Vec::new();
        for c in all {
            if c.name == reference {
                return Some(c.name.clone());
            }
            if !reference.is_empty() && c.id.starts_with(&reference.to_ascii_lowercase()) {
                by_id.push(c.name.clone());
            }
        }
        match by_id.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    fn fail(&mut self, anchor: &str, value: &str, message: String, help: &str) {
        let anchor_is_value = anchor.contains(' ');
        let p = if anchor_is_value {
            let col = anchor.find(value).map_or(1, |i| i + 1);
            embedded(anchor, col, message, help.to_string())
        } else {
            Problem::at(Some(anchor), value, message, help.to_string())
        };
        self.problems.push(p);
    }

    fn network_create(&mut self, anchor: &str, n: cli::NetworkCreate) {
        if self.networks.iter().any(|x| x.name == n.name) {
            self.fail(
                anchor,
                &n.name,
                format!("network with name {} already exists", n.name),
                "pick another name",
            );
            return;
        }
        if let Some(mode) = n.gateway_mode.as_deref().filter(|m| *m != "nat") {
            self.fail(
                anchor,
                mode,
                format!("gateway_mode_ipv4={mode} is not simulated yet (only the default `nat`)"),
                "leave out -o com.docker.network.bridge.gateway_mode_ipv4, or report which mode your lesson needs",
            );
            return;
        }
        let addr = match n.subnet {
            Some(s) => {
                if let Some(other) = self.overlaps(s.trunc()) {
                    self.fail(anchor, &s.to_string(), format!("invalid pool request: Pool overlaps with other one on this address space ({other})"), "choose a subnet that no other network or host interface uses");
                    return;
                }
                Addressing::requested(s, n.gateway, n.ip_range, self.engine.major >= 29)
            }
            None => match self.next_pool() {
                Some(p) => Addressing::pooled(p),
                None => {
                    self.fail(
                        anchor,
                        &n.name,
                        "could not find an available, non-overlapping IPv4 address pool".into(),
                        "remove a network or give --subnet",
                    );
                    return;
                }
            },
        };
        let icc = n.icc;
        self.add_network(&n, addr, icc, false);
    }

    fn run(&mut self, anchor: &str, r: RunSpec) {
        let name = r.name.clone().unwrap_or_else(|| {
            (self.containers.len() + 1..)
                .map(|n| format!("ctr{n}"))
                .find(|n| !self.name_taken(n))
                .unwrap_or_default()
        });
        if self.name_taken(&name) {
            self.fail(
                anchor,
                &name,
                format!("Conflict. The container name \"/{name}\" is already in use"),
                "give each container its own --name (or `docker rm -f` the old one first)",
            );
            return;
        }
        if !self.gw_priority_supported(anchor, r.gw_priority) {
            return;
        }
        let id = self.hex(64);
        let services: Vec<ProcessSpec> = cli::image_ports(&r.image)
            .into_iter()
            .map(|(port, proto)| ProcessSpec::Listen {
                proto: kernel_proto(proto),
                port,
                addr: None,
                reply: 200,
                name: Some(image_name(&r.image)),
            })
            .collect();
        let mode = match &r.network {
            NetworkMode::Host => Mode::Host,
            NetworkMode::None => Mode::Isolated,
            NetworkMode::Container(x) => {
                if !self.containers.iter().any(|c| c.name == *x) {
                    self.fail(
                        anchor,
                        x,
                        format!("No such container: {x} (named by --network container:{x})"),
                        "start that container first, or fix the name",
                    );
                    return;
                }
                Mode::Shared(x.clone())
            }
            NetworkMode::Bridge | NetworkMode::Named(_) => Mode::Own,
        };
        self.containers.push(Container {
            name: name.clone(),
            id,
            image: r.image.clone(),
            mode,
            endpoints: Vec::new(),
            ports: Vec::new(),
            bindings: requested_bindings(&r),
            exposed: cli::image_ports(&r.image)
                .into_iter()
                .chain(r.expose.iter().copied())
                .map(|(port, proto)| (port, rules_proto(proto)))
                .collect(),
            next_if: 0,
            ports_net: None,
            ports_at: 0,
            remove_on_stop: r.remove_on_stop,
            services,
            add_hosts: r.add_hosts.clone(),
            dns: r.dns.clone(),
            hostname: r.hostname.clone(),
            hosts_addrs: Vec::new(),
            sysctls: r.sysctls.clone(),
        });
        let ct = self.containers.len() - 1;
        if self.host_port_taken(ct) {
            // `docker run` succeeds; the image's server then fails to bind (EADDRINUSE) and
            // the container exits: `docker ps -a` lists it as Exited.
            self.lifecycle(anchor, cli::ContainerAction::Stop, &name);
            return;
        }
        let net = match &r.network {
            NetworkMode::Bridge => Some("bridge".to_string()),
            NetworkMode::Named(n) => Some(n.clone()),
            _ => None,
        };
        if let Some(net) = net {
            let opts = JoinOptions {
                aliases: r.aliases.clone(),
                ip: r.ip,
                gw_priority: r.gw_priority,
            };
            if !self.connect(anchor, ct, &net, opts) {
                self.containers.pop();
                return;
            }
            self.publish(anchor, ct);
        }
    }

    /// Attach container `ct` to network `name`: lowest free address, MAC, veth.
    fn connect(&mut self, anchor: &str, ct: usize, name: &str, opts: JoinOptions) -> bool {
        let c = &self.containers[ct];
        let joined: Vec<&str> = c
            .endpoints
            .iter()
            .map(|e| self.networks[e.net].name.as_str())
            .collect();
        let net = match self.may_join(c, &joined, name) {
            Ok(net) => net,
            Err((message, help)) => {
                self.fail(anchor, name, message, &help);
                return false;
            }
        };
        let n = &self.networks[net];
        let addr = match opts.ip {
            Some(ip) if !n.subnet.contains(&ip) || n.used.contains(&ip) => {
                let msg = format!(
                    "Address {ip} is not available in network {name} ({})",
                    n.subnet
                );
                self.fail(
                    anchor,
                    &ip.to_string(),
                    msg,
                    "pick a free address inside the network's subnet",
                );
                return false;
            }
            Some(ip) => Some(ip),
            None => n.free_address(),
        };
        let Some(addr) = addr else {
            self.fail(
                anchor,
                name,
                format!("no available IPv4 addresses on network {name}"),
                "use a larger --subnet",
            );
            return false;
        };
        self.networks[net].used.insert(addr);
        let mac = self.container_mac(addr);
        let veth = format!("veth{}", self.hex(7));
        let created = self.next_seq();
        let lowest_free = self.engine.major >= 28;
        let c = &mut self.containers[ct];
        c.hosts_addrs.push(addr);
        let ifname = if lowest_free {
            // 28.0+ (osl generateIfaceName): the lowest eth<N> not in use.
            (0..)
                .map(|n| format!("eth{n}"))
                .find(|name| !c.endpoints.iter().any(|e| e.ifname == *name))
                .unwrap_or_default()
        } else {
            format!("eth{}", c.next_if)
        };
        c.next_if += 1;
        c.endpoints.push(Endpoint {
            net,
            ifname,
            created,
            ip: addr,
            mac,
            veth,
            opts,
        });
        self.update_gateway(ct);
        true
    }

    /// The network `name` that container `c`, already on `joined`, may join (its index), or
    /// why not as (message, help): Docker's own refusals, e.g. runconfig's ErrConflict* for
    /// containers without a network namespace of their own.
    fn may_join(
        &self,
        c: &Container,
        joined: &[&str],
        name: &str,
    ) -> Result<usize, (String, String)> {
        let Some(net) = self.networks.iter().position(|n| n.name == name) else {
            let known: Vec<&str> = self.networks.iter().map(|n| n.name.as_str()).collect();
            return Err((
                format!("network {name} not found"),
                format!(
                    "create it first with `docker network create {name}` (known: {})",
                    known.join(", ")
                ),
            ));
        };
        let refusal = match c.mode {
            Mode::Own => None,
            Mode::Host => Some(
                "container cannot be disconnected from host network or connected to host network",
            ),
            Mode::Shared(_) => Some(
                "container sharing network namespace with another container or host cannot be connected to any other network",
            ),
            Mode::Isolated => Some(
                "container cannot be connected to multiple networks with one of the networks in private (none) mode",
            ),
        };
        if let Some(message) = refusal {
            return Err((
                message.to_string(),
                format!("run {} again with --network {name} instead", c.name),
            ));
        }
        if joined.contains(&name) {
            return Err((
                format!("container {} is already attached to network {name}", c.name),
                "connect each network once".to_string(),
            ));
        }
        Ok(net)
    }

    /// Publish container `ct`'s requested ports on the host.
    fn publish(&mut self, anchor: &str, ct: usize) {
        if self.containers[ct].endpoints.is_empty() {
            return;
        }
        // Docker orders the bindings before it picks any ephemeral port (0 = "any" here).
        let key = |b: &PortBinding| PublishedPort {
            host_ip: b.host_ip,
            host_port: b.host_port.unwrap_or(0),
            container_port: b.container_port,
            proto: rules_proto(b.proto),
        };
        let mut bindings = self.containers[ct].bindings.clone();
        bindings.sort_by(|a, b| rules::binding_cmp(self.engine, &key(a), &key(b)));
        let default_ip = self.containers[ct]
            .ports_net
            .and_then(|n| self.networks[n].host_binding_ipv4);
        // Host ports already published, by (proto, port): their addresses (None = all).
        let mut taken: BTreeMap<(rules::PortProto, u16), Vec<Option<Ipv4Addr>>> = BTreeMap::new();
        for p in self.containers.iter().flat_map(|c| c.ports.iter()) {
            taken
                .entry((p.proto, p.host_port))
                .or_default()
                .push(p.host_ip);
        }
        for mut b in bindings {
            // host_binding_ipv4 stands in for a -p without an address.
            b.host_ip = b.host_ip.or(default_ip);
            let host_port = match b.host_port {
                Some(p) => p,
                None => {
                    let next = self.next_port.entry(b.proto).or_insert(EPHEMERAL_START);
                    let p = *next;
                    *next = next.checked_add(1).unwrap_or(EPHEMERAL_START);
                    p
                }
            };
            let on_port = taken.entry((rules_proto(b.proto), host_port)).or_default();
            let clash = on_port
                .iter()
                .any(|ip| ip.is_none() || b.host_ip.is_none() || *ip == b.host_ip);
            if clash {
                let ip = b.host_ip.map_or("0.0.0.0".to_string(), |i| i.to_string());
                self.fail(
                    anchor,
                    &host_port.to_string(),
                    format!("Bind for {ip}:{host_port} failed: port is already allocated"),
                    "publish on another host port",
                );
                continue;
            }
            on_port.push(b.host_ip);
            self.containers[ct].ports.push(PublishedPort {
                host_ip: b.host_ip,
                host_port,
                container_port: b.container_port,
                proto: rules_proto(b.proto),
            });
        }
    }

    /// Whether host-mode container `ct`'s server would listen on a port a host service or
    /// another running host-mode container already holds in the same namespace.
    fn host_port_taken(&self, ct: usize) -> bool {
        let c = &self.containers[ct];
        if !matches!(c.mode, Mode::Host) {
            return false;
        }
        // On Desktop the host's services run on the Mac, not in the VM.
        let host_services = self
            .desktop_host
            .is_none()
            .then_some(&self.sc.host.services);
        let mut taken = host_services.into_iter().flatten().chain(
            self.containers[..ct]
                .iter()
                .filter(|o| matches!(o.mode, Mode::Host))
                .flat_map(|o| o.services.iter()),
        );
        taken.any(|t| c.services.iter().any(|s| same_listener(s, t)))
    }

    /// The namespace that runs a container's processes.
    fn ns_of(&self, c: &Container) -> String {
        match &c.mode {
            Mode::Own | Mode::Isolated => c.name.clone(),
            Mode::Host => self.engine_ns().into(),
            Mode::Shared(x) => self
                .containers
                .iter()
                .find(|o| o.name == *x)
                .map_or(x.clone(), |o| self.ns_of(o)),
        }
    }

    fn emit(&mut self) -> Compiled {
        let mut names = BTreeMap::new();
        let engine = self.engine_ns();
        let mut namespaces = Vec::new();
        let mut links = Vec::new();

        // The engine's namespace: the Linux host, or Desktop's VM.
        let mut eng = NamespaceSpec {
            name: engine.into(),
            role: if self.desktop_host.is_some() {
                NsRole::Vm
            } else {
                NsRole::Host
            },
            ..Default::default()
        };
        let input = self.rules_input();
        eng.iptables = self.with_admin_rules(rules::host_rules(&input));
        eng.sysctls = rules::host_sysctls(&input).into_iter().collect();
        for n in &self.networks {
            eng.interfaces.push(IfaceSpec {
                name: n.bridge.clone(),
                bridge: true,
                mac: Some(n.mac.to_string()),
                addrs: vec![format!("{}/{}", n.gateway, n.subnet.prefix_len())],
                mtu: n.mtu,
                ..Default::default()
            });
        }
        match self.desktop_host {
            None => {
                for nic in &self.sc.host.nics {
                    eng.interfaces.push(IfaceSpec {
                        name: nic.name.clone(),
                        mac: nic.mac.clone(),
                        addrs: vec![nic.addr.clone()],
                        ..Default::default()
                    });
                }
                eng.processes.extend(self.sc.host.services.iter().cloned());
                eng.nameserver = self.sc.host.nameserver.clone();
                if let Some(gw) = &self.sc.host.gateway {
                    eng.routes.push(format!("default via {gw}"));
                }
                names.insert("host".into(), engine.to_string());
            }
            Some(desk) => {
                eng.interfaces.push(IfaceSpec {
                    name: "eth0".into(),
                    addrs: vec![format!("{DESKTOP_VM}/24")],
                    ..Default::default()
                });
                eng.routes.push(format!("default via {DESKTOP_GATEWAY}"));
                eng.nameserver = Some(DESKTOP_DNS.to_string());
                namespaces.push(self.desktop_host_ns(desk));
                links.push(LinkSpec::Veth {
                    a: format!("{desk}:vpnkit0"),
                    b: format!("{engine}:eth0"),
                    latency_us: Some(50),
                });
                names.insert(desk.into(), desk.into());
                names.insert("vm".into(), engine.to_string());
            }
        }
        if self.daemon.userland_proxy {
            for c in &self.containers {
                let Some(ep) = self.ports_endpoint(c).map(|i| &c.endpoints[i]) else {
                    continue;
                };
                // One docker-proxy per published port, UDP ones included.
                for p in &c.ports {
                    eng.processes.push(ProcessSpec::Relay {
                        proto: kernel_proto_of(p.proto),
                        port: p.host_port,
                        addr: p.host_ip.map(|i| i.to_string()),
                        to: format!("{}:{}", ep.ip, p.container_port),
                        name: Some("docker-proxy".into()),
                    });
                }
            }
        }

        // Containers with their own namespace. The embedded DNS listens on random ports.
        let dns_ports: Vec<(u16, u16)> = (0..self.containers.len())
            .map(|_| {
                (
                    self.rng.random_range(32768..61000u16),
                    self.rng.random_range(32768..61000u16),
                )
            })
            .collect();
        let mut shared_services: BTreeMap<String, Vec<ProcessSpec>> = BTreeMap::new();
        for (c, &dns_ports) in self.containers.iter().zip(&dns_ports) {
            let ns = self.ns_of(c);
            names.insert(c.name.clone(), ns.clone());
            if !matches!(c.mode, Mode::Own | Mode::Isolated) {
                shared_services
                    .entry(ns)
                    .or_default()
                    .extend(c.services.iter().cloned());
                continue;
            }
            let mut spec = NamespaceSpec {
                name: c.name.clone(),
                role: NsRole::Container,
                processes: c.services.clone(),
                ..Default::default()
            };
            for ep in &c.endpoints {
                let n = &self.networks[ep.net];
                let ifname = ep.ifname.clone();
                spec.interfaces.push(IfaceSpec {
                    name: ifname.clone(),
                    mac: Some(ep.mac.to_string()),
                    addrs: vec![format!("{}/{}", ep.ip, n.subnet.prefix_len())],
                    mtu: n.mtu,
                    ..Default::default()
                });
                eng.interfaces.push(IfaceSpec {
                    name: ep.veth.clone(),
                    master: Some(n.bridge.clone()),
                    hairpin: !self.daemon.userland_proxy,
                    mtu: n.mtu,
                    ..Default::default()
                });
                links.push(LinkSpec::Veth {
                    a: format!("{engine}:{}", ep.veth),
                    b: format!("{}:{ifname}", c.name),
                    latency_us: None,
                });
            }
            if let Some(gw) = self
                .gateway_endpoint(c)
                .map(|i| self.networks[c.endpoints[i].net].gateway)
            {
                spec.routes.push(format!("default via {gw}"));
            }
            // /etc/hosts: the hostname (and, for a dotted one, its first label) at the first
            // address written for it; 127.0.0.1 without a network (`--network none`); no
            // line at all once a disconnect deleted them.
            let own = match c.hosts_addrs.first() {
                Some(a) => Some(a.to_string()),
                None if c.endpoints.is_empty() => Some("127.0.0.1".to_string()),
                None => None,
            };
            if let Some(own) = own {
                let hostname = c.hostname.clone().unwrap_or_else(|| c.short_id());
                if let Some((label, _)) = hostname.split_once('.') {
                    spec.hosts.insert(label.to_string(), own.clone());
                }
                spec.hosts.insert(hostname, own);
            }
            for (h, addr) in &c.add_hosts {
                spec.hosts
                    .insert(h.clone(), self.host_addr(*addr).to_string());
            }
            for (key, value) in &c.sysctls {
                spec.sysctls.insert(key.clone(), *value);
            }
            self.resolver_for(c, dns_ports, &mut spec);
            namespaces.push(spec);
        }
        for (ns, procs) in shared_services {
            if ns == engine {
                eng.processes.extend(procs);
            } else if let Some(spec) = namespaces.iter_mut().find(|s| s.name == ns) {
                spec.processes.extend(procs);
            }
        }
        namespaces.insert(0, eng);

        // Peers on the LAN of a host NIC (direct cable, or a switch when several share it);
        // peers outside every LAN subnet sit behind the host's gateway, "on the internet".
        let host_side = self.desktop_host.unwrap_or(engine);
        let lan_nic = self
            .sc
            .host
            .nics
            .first()
            .map(|n| n.name.clone())
            .unwrap_or_default();
        let nic_subnet = |nic: &str| {
            self.sc
                .host
                .nics
                .iter()
                .find(|n| n.name == nic)
                .and_then(|n| n.addr.parse::<Ipv4Net>().ok())
        };
        let mut lan: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut internet = Vec::new();
        for p in &self.sc.peers {
            let nic = p.nic.clone().unwrap_or_else(|| lan_nic.clone());
            let on_lan = match (nic_subnet(&nic), p.addr.parse::<Ipv4Net>()) {
                (Some(n), Ok(a)) => n.contains(&a.addr()),
                _ => true,
            };
            names.insert(p.name.clone(), p.name.clone());
            let mut spec = NamespaceSpec {
                name: p.name.clone(),
                role: NsRole::External,
                interfaces: vec![IfaceSpec {
                    name: "eth0".into(),
                    mac: p.mac.clone(),
                    addrs: vec![p.addr.clone()],
                    ..Default::default()
                }],
                processes: p.services.clone(),
                routes: p.routes.clone(),
                ..Default::default()
            };
            if on_lan {
                lan.entry(nic)
                    .or_default()
                    .push((p.name.clone(), "eth0".into()));
            } else if let Ok(a) = p.addr.parse::<Ipv4Net>() {
                spec.routes.push(format!("default via {}", first_host(a)));
                internet.push((p.name.clone(), a));
            }
            namespaces.push(spec);
        }
        if !internet.is_empty() {
            match self.gateway_ns(&internet) {
                Some((gw, gw_links)) => {
                    lan.entry(lan_nic.clone()).or_default().push(("gateway".into(), "eth0".into()));
                    namespaces.push(gw);
                    links.extend(gw_links);
                }
                None => self.problems.push(Problem::at(
                    None,
                    &internet[0].0,
                    format!("peer `{}` is not on the host's LAN and the host has no gateway", internet[0].0),
                    "give the host a `gateway` on its LAN (e.g. gateway: \"10.12.91.1\"), or put the peer in the LAN's subnet",
                )),
            }
        }
        for (nic, members) in lan {
            if let [(ns, iface)] = members.as_slice() {
                links.push(wire(
                    &format!("{host_side}:{nic}"),
                    &format!("{ns}:{iface}"),
                ));
                continue;
            }
            let sw = format!("lan-{nic}");
            let mut s = NamespaceSpec {
                name: sw.clone(),
                role: NsRole::Router,
                ..Default::default()
            };
            s.interfaces.push(IfaceSpec {
                name: "sw0".into(),
                bridge: true,
                ..Default::default()
            });
            s.interfaces.push(IfaceSpec {
                name: "up".into(),
                master: Some("sw0".into()),
                ..Default::default()
            });
            links.push(wire(&format!("{host_side}:{nic}"), &format!("{sw}:up")));
            for (ns, iface) in &members {
                s.interfaces.push(IfaceSpec {
                    name: format!("to-{ns}"),
                    master: Some("sw0".into()),
                    ..Default::default()
                });
                links.push(wire(&format!("{sw}:to-{ns}"), &format!("{ns}:{iface}")));
            }
            namespaces.push(s);
        }

        let traffic = self
            .sc
            .traffic
            .iter()
            .map(|t| retarget(t, &names))
            .collect();
        // A stopped container has no interfaces to capture on: its capture points wait
        // for `docker start`.
        let observe = self
            .sc
            .observe
            .iter()
            .filter(|o| !self.is_stopped(o.split_once(':').map_or(o.as_str(), |(n, _)| n)))
            .map(|o| match o.split_once(':') {
                Some((n, i)) => format!("{}:{i}", names.get(n).map_or(n, |s| s.as_str())),
                None => o.clone(),
            })
            .collect();
        let scenario = Scenario {
            title: self.sc.title.clone(),
            description: self.sc.description.clone(),
            seed: self.sc.seed,
            namespaces,
            links,
            traffic,
            observe,
            limits: self.sc.limits,
        };
        Compiled {
            scenario,
            namespaces: names,
            inventory: self.inventory(),
        }
    }

    /// The engine's rules with the scenario's own `iptables` commands applied on top.
    fn with_admin_rules(&mut self, engine_rules: String) -> String {
        if self.sc.iptables.is_empty() {
            return engine_rules;
        }
        let mut ruleset = match crate::netfilter::Ruleset::parse(&engine_rules) {
            Ok(r) => r,
            Err(e) => {
                self.problems.push(Problem::at(
                    None,
                    "iptables",
                    format!("the engine's rules do not parse: {e}"),
                    "report this as a bug",
                ));
                return engine_rules;
            }
        };
        for line in &self.sc.iptables {
            let cmd = line.trim().strip_prefix("sudo ").unwrap_or(line.trim());
            if let Err(e) = ruleset.run_command(cmd) {
                self.problems.push(Problem::at(
                    Some("iptables"),
                    line,
                    format!("`{line}`: {e}"),
                    "write it as you would type it on the host, e.g. iptables -I DOCKER-USER -s 10.12.91.0/24 -j DROP",
                ));
            }
        }
        ruleset.iptables_save()
    }

    fn inventory(&self) -> Inventory {
        let containers = self
            .containers
            .iter()
            .map(|c| ContainerInfo {
                name: c.name.clone(),
                id: c.short_id(),
                image: c.image.clone(),
                mode: match &c.mode {
                    Mode::Host => "host".into(),
                    Mode::Isolated => "none".into(),
                    Mode::Shared(x) => format!("container:{x}"),
                    Mode::Own => c
                        .endpoints
                        .first()
                        .map_or("none".into(), |e| self.networks[e.net].name.clone()),
                },
                namespace: self.ns_of(c),
                endpoints: c
                    .endpoints
                    .iter()
                    .map(|e| (self.networks[e.net].name.clone(), e.ip, e.mac.to_string()))
                    .collect(),
                // Docker lists the ports of the gateway endpoint: none without one.
                ports: if self.ports_endpoint(c).is_some() {
                    ps::displayable_ports(&c.ports, &c.exposed)
                } else {
                    Vec::new()
                },
            })
            .collect();
        let networks = self
            .networks
            .iter()
            .map(|n| NetworkInfo {
                name: n.name.clone(),
                bridge: n.bridge.clone(),
                subnet: n.subnet,
                gateway: n.gateway,
                recorded_gateway: n.recorded_gateway,
                ip_range: n.ip_range,
                internal: n.internal,
                icc: n.icc,
            })
            .collect();
        Inventory {
            containers,
            networks,
            stopped: self.stopped_info(),
            compose: self.compose_info.clone(),
        }
    }

    /// The LAN's router to "the internet": the host's gateway address on the LAN side, one
    /// address per internet peer's subnet on a WAN bridge, forwarding and NAT like a home router.
    fn gateway_ns(&self, internet: &[(String, Ipv4Net)]) -> Option<(NamespaceSpec, Vec<LinkSpec>)> {
        let gw: Ipv4Addr = self.sc.host.gateway.as_deref()?.parse().ok()?;
        let lan = self
            .sc
            .host
            .nics
            .iter()
            .filter_map(|n| n.addr.parse::<Ipv4Net>().ok())
            .find(|n| n.contains(&gw))?;
        let mut spec = NamespaceSpec {
            name: "gateway".into(),
            role: NsRole::Router,
            ..Default::default()
        };
        spec.interfaces.push(IfaceSpec {
            name: "eth0".into(),
            addrs: vec![format!("{gw}/{}", lan.prefix_len())],
            ..Default::default()
        });
        let mut wan: Vec<String> = internet
            .iter()
            .map(|(_, a)| format!("{}/{}", first_host(*a), a.prefix_len()))
            .collect();
        wan.sort();
        wan.dedup();
        spec.interfaces.push(IfaceSpec {
            name: "wan0".into(),
            bridge: true,
            addrs: wan,
            ..Default::default()
        });
        spec.sysctls.insert("net.ipv4.ip_forward".into(), 1);
        spec.iptables = "*nat\n-A POSTROUTING -o wan0 -j MASQUERADE\nCOMMIT\n".into();
        let mut links = Vec::new();
        for (peer, _) in internet {
            spec.interfaces.push(IfaceSpec {
                name: format!("to-{peer}"),
                master: Some("wan0".into()),
                ..Default::default()
            });
            links.push(wire(&format!("gateway:to-{peer}"), &format!("{peer}:eth0")));
        }
        Some((spec, links))
    }

    /// Desktop: the Mac/PC itself, with its NICs and services, and the user-space network
    /// stack that forwards published ports into the VM and connections out of it.
    fn desktop_host_ns(&self, name: &str) -> NamespaceSpec {
        let mut spec = NamespaceSpec {
            name: name.into(),
            role: NsRole::Host,
            ..Default::default()
        };
        for nic in &self.sc.host.nics {
            spec.interfaces.push(IfaceSpec {
                name: nic.name.clone(),
                mac: nic.mac.clone(),
                addrs: vec![nic.addr.clone()],
                ..Default::default()
            });
        }
        let host_addr = self.desktop_host_addr;
        spec.interfaces.push(IfaceSpec {
            name: "vpnkit0".into(),
            addrs: vec![
                format!("{DESKTOP_GATEWAY}/24"),
                format!("{host_addr}/24"),
                format!("{DESKTOP_DNS}/24"),
            ],
            // macOS has neither iptables nor conntrack here: Docker's user-space stack takes
            // every frame from the VM and re-makes its connections from the Mac itself.
            transparent: true,
            ..Default::default()
        });
        spec.processes.extend(self.sc.host.services.iter().cloned());
        spec.processes.push(ProcessSpec::Relay {
            proto: Proto::Tcp,
            port: 0,
            addr: None,
            to: "*".into(),
            name: Some("com.docker.backend".into()),
        });
        if let Some(gw) = &self.sc.host.gateway {
            spec.routes.push(format!("default via {gw}"));
        }
        spec.nameserver = self.sc.host.nameserver.clone();
        // Connections from containers to the Mac are re-made by the backend from the Mac itself.
        for s in &self.sc.host.services {
            if let ProcessSpec::Listen { proto, port, .. } = s {
                spec.processes.push(ProcessSpec::Relay {
                    proto: *proto,
                    port: *port,
                    addr: Some(host_addr.to_string()),
                    to: format!("127.0.0.1:{port}"),
                    name: Some("com.docker.backend".into()),
                });
            }
        }
        // Published ports: the backend listens on the Mac and connects into the VM.
        for c in &self.containers {
            for p in &c.ports {
                spec.processes.push(ProcessSpec::Relay {
                    proto: kernel_proto_of(p.proto),
                    port: p.host_port,
                    addr: p.host_ip.map(|i| i.to_string()),
                    to: format!("{DESKTOP_VM}:{}", p.host_port),
                    name: Some("com.docker.backend".into()),
                });
            }
        }
        // gateway.docker.internal is the VM's gateway; the others name the host.
        let records = self
            .host_names
            .iter()
            .map(|n| {
                let addr = if n == "gateway.docker.internal" {
                    DESKTOP_GATEWAY
                } else {
                    host_addr
                };
                (n.clone(), addr.to_string())
            })
            .collect();
        spec.processes.push(ProcessSpec::Dns {
            port: 53,
            addr: Some(DESKTOP_DNS.to_string()),
            records,
            upstream: self.sc.host.nameserver.clone(),
            name: Some("desktop DNS".into()),
        });
        spec
    }

    /// resolv.conf and the embedded DNS: 127.0.0.11 on user-defined networks, the host's
    /// (or Desktop VM's) nameserver on the default bridge.
    fn resolver_for(
        &self,
        c: &Container,
        (tcp_port, udp_port): (u16, u16),
        spec: &mut NamespaceSpec,
    ) {
        let mut endpoints: Vec<&Endpoint> = c.endpoints.iter().collect();
        endpoints.sort_by(|a, b| self.endpoint_order(a, b));
        let user_nets: Vec<usize> = endpoints
            .iter()
            .map(|e| e.net)
            .filter(|&n| !self.networks[n].default_bridge)
            .collect();
        // --dns replaces the host's servers: in resolv.conf on the default bridge, as the
        // embedded DNS's upstream on user-defined networks.
        let host_ns = self.sc.host.nameserver.clone();
        let upstream = match (c.dns.first(), self.desktop_host) {
            (Some(d), _) => Some(d.to_string()),
            (None, Some(_)) => Some(DESKTOP_DNS.to_string()),
            (None, None) => host_ns.clone(),
        };
        if user_nets.is_empty() {
            // A container's own --dns is kept as given; the host's list loses its loopback
            // servers (TransformForLegacyNw, FilterResolvDNS up to 24.x).
            spec.nameserver = match c.dns.first() {
                Some(_) => upstream,
                None => upstream.filter(|ns| !is_loopback(ns)),
            }
            .or_else(|| Some(DEFAULT_NAMESERVER.to_string()));
            return;
        }
        // No server at all in the host's resolv.conf: the embedded DNS forwards to the
        // defaults (TransformForIntNS). A loopback one is kept (from 26.0 it is asked from
        // the host's namespace, which is not modelled).
        let upstream = upstream.or_else(|| Some(DEFAULT_NAMESERVER.to_string()));
        // A name answers with every address it has on the first of the container's networks
        // (in endpoint order) that knows it (libnetwork's sandbox ResolveName): an alias or service
        // name shared by replicas gives them all (the resolver shuffles them per answer).
        let mut records: BTreeMap<String, String> = BTreeMap::new();
        for &net in &user_nets {
            let mut on_net: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for other in &self.containers {
                for ep in other.endpoints.iter().filter(|e| e.net == net) {
                    let short_id = other.id[..12].to_string();
                    for n in std::iter::once(&other.name)
                        .chain(ep.opts.aliases.iter())
                        .chain(std::iter::once(&short_id))
                    {
                        let ips = on_net.entry(n.to_ascii_lowercase()).or_default();
                        let ip = ep.ip.to_string();
                        if !ips.contains(&ip) {
                            ips.push(ip);
                        }
                    }
                }
            }
            for (name, ips) in on_net {
                records.entry(name).or_insert_with(|| ips.join(","));
            }
        }
        // Other names go to the upstream (by default the host's resolver; Desktop: the VM's,
        // which knows the host names).
        spec.nameserver = Some("127.0.0.11".into());
        spec.iptables = rules::dns_rules(tcp_port, udp_port);
        spec.processes.push(ProcessSpec::Dns {
            port: udp_port,
            addr: Some("127.0.0.11".into()),
            records,
            upstream,
            name: Some("dockerd-embedded-dns".into()),
        });
    }

    fn rules_input(&self) -> HostRulesInput {
        let networks = self
            .networks
            .iter()
            .map(|n| BridgeNetwork {
                bridge: n.bridge.clone(),
                subnet: n.subnet,
                gateway: n.gateway,
                default_bridge: n.default_bridge,
                internal: n.internal,
                icc: n.icc,
                ip_masquerade: n.ip_masquerade,
                host_ipv4: n.host_ipv4,
            })
            .collect();
        // Endpoints as they were created, and each container's ports where (and when) they
        // were last programmed: the order Docker appended their rules in.
        let mut events: Vec<(u64, rules::Endpoint)> = Vec::new();
        for c in &self.containers {
            for e in &c.endpoints {
                events.push((
                    e.created,
                    rules::Endpoint {
                        network: e.net,
                        ip: e.ip,
                        ports: Vec::new(),
                        created: true,
                    },
                ));
            }
            if let Some(i) = self.ports_endpoint(c).filter(|_| !c.ports.is_empty()) {
                let e = &c.endpoints[i];
                events.push((
                    c.ports_at,
                    rules::Endpoint {
                        network: e.net,
                        ip: e.ip,
                        ports: c.ports.clone(),
                        created: false,
                    },
                ));
            }
        }
        events.sort_by_key(|(at, _)| *at);
        let endpoints = events.into_iter().map(|(_, e)| e).collect();
        HostRulesInput {
            engine: self.engine,
            userland_proxy: self.daemon.userland_proxy,
            iptables: self.daemon.iptables,
            ip_forward: self.daemon.ip_forward,
            networks,
            endpoints,
        }
    }
}

fn wire(a: &str, b: &str) -> LinkSpec {
    LinkSpec::Wire {
        a: a.into(),
        b: b.into(),
        latency_us: None,
        mbps: None,
    }
}

/// A problem at `column` of a command line (found verbatim in the file).
fn embedded(line: &str, column: usize, message: String, help: String) -> Problem {
    Problem {
        loc: Loc::Embedded {
            anchor: None,
            text: line.to_string(),
            line: 1,
            column: column.max(1),
        },
        message,
        help,
    }
}

fn kernel_proto(p: PortProto) -> Proto {
    match p {
        PortProto::Tcp => Proto::Tcp,
        PortProto::Udp => Proto::Udp,
    }
}

fn kernel_proto_of(p: rules::PortProto) -> Proto {
    match p {
        rules::PortProto::Tcp => Proto::Tcp,
        rules::PortProto::Udp => Proto::Udp,
    }
}

fn rules_proto(p: PortProto) -> rules::PortProto {
    match p {
        PortProto::Tcp => rules::PortProto::Tcp,
        PortProto::Udp => rules::PortProto::Udp,
    }
}

/// `nginx:1.27` -> `nginx`, for process names.
/// Whether two processes listen on the same protocol and port with overlapping addresses.
fn same_listener(a: &ProcessSpec, b: &ProcessSpec) -> bool {
    match (a, b) {
        (
            ProcessSpec::Listen {
                proto: pa,
                port: qa,
                addr: aa,
                ..
            },
            ProcessSpec::Listen {
                proto: pb,
                port: qb,
                addr: ab,
                ..
            },
        ) => pa == pb && qa == qb && (aa.is_none() || ab.is_none() || aa == ab),
        _ => false,
    }
}

fn image_name(image: &str) -> String {
    let base = image.rsplit('/').next().unwrap_or(image);
    base.split([':', '@']).next().unwrap_or(base).to_string()
}

/// The names Docker Desktop gives the host, by release (none before 17.06).
/// A Desktop platform's engine, host namespace name, host names and host address (a
/// problem, and the current release's, when the release is not one).
fn desktop(
    problems: &mut Vec<Problem>,
    release: &str,
    os: &'static str,
) -> (String, Option<&'static str>, Vec<String>, Ipv4Addr) {
    let host_ns = if os == "mac" { "mac" } else { "windows" };
    let r = desktop::desktop_release(release, os).unwrap_or_else(|e| {
        problems.push(Problem::at(
            None,
            release,
            e,
            "write a Docker Desktop release such as \"4.36\" or \"current\"",
        ));
        desktop::desktop_release("current", os).expect("current is a release")
    });
    (r.engine.to_string(), Some(host_ns), r.names, r.host)
}

/// The ports `docker run` asks to publish: `-p` as given, then `-P`'s exposed ports not
/// already published.
fn requested_bindings(r: &RunSpec) -> Vec<PortBinding> {
    let mut bindings: Vec<PortBinding> = r.publish.clone();
    if r.publish_all {
        let exposed = cli::image_ports(&r.image)
            .into_iter()
            .chain(r.expose.iter().copied());
        let mut bound: BTreeSet<(u16, PortProto)> = bindings
            .iter()
            .map(|b| (b.container_port, b.proto))
            .collect();
        for (port, proto) in exposed {
            if bound.insert((port, proto)) {
                bindings.push(PortBinding {
                    host_ip: None,
                    host_port: None,
                    container_port: port,
                    proto,
                });
            }
        }
    }
    bindings
}

/// Traffic names -> the namespaces that run them.
fn retarget(
    t: &crate::scenario::TrafficSpec,
    names: &BTreeMap<String, String>,
) -> crate::scenario::TrafficSpec {
    let mut t = t.clone();
    if let Some(ns) = names.get(t.from()) {
        *t.from_mut() = ns.clone();
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_drop_registry_and_tag() {
        assert_eq!(image_name("docker.io/library/nginx:1.27"), "nginx");
        assert_eq!(image_name("redis@sha256:abc"), "redis");
    }
}
