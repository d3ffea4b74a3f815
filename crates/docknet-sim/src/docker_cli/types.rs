//! The requests a command line parses into, and the parse error.

use super::*;

/// One parsed `docker` command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DockerCommand {
    /// `docker network create [OPTIONS] NETWORK`.
    NetworkCreate(NetworkCreate),
    /// `docker run [OPTIONS] IMAGE [COMMAND] [ARG...]` (also `docker container run`).
    Run(RunSpec),
    /// `docker network connect [OPTIONS] NETWORK CONTAINER`.
    NetworkConnect(NetworkConnect),
    /// `docker network disconnect [-f] NETWORK CONTAINER`.
    NetworkDisconnect {
        /// Network name or id.
        network: String,
        /// Container name or id.
        container: String,
    },
    /// `docker stop|kill|start|restart|rm CONTAINER...` (also under `docker container`).
    Lifecycle {
        action: ContainerAction,
        /// Container names, in the order given.
        containers: Vec<String>,
    },
}

/// What a lifecycle command does to each container it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContainerAction {
    /// `docker stop`: the endpoints leave their networks (addresses and published ports
    /// are released); the container keeps its name (unless it ran with `--rm`).
    Stop,
    /// `docker kill [-s SIGNAL]`: KILL (the default), TERM, INT and QUIT stop the container;
    /// other signals (HUP for an nginx reload, USR1, ...) leave it running.
    Kill { stops: bool },
    /// `docker start`: a stopped container rejoins its networks and republishes its ports.
    Start,
    /// `docker restart`: stop, then start.
    Restart,
    /// `docker rm`: remove a stopped container; `force` (`-f`) also stops a running one.
    Remove { force: bool },
}

/// `docker network create` for the bridge driver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkCreate {
    /// The network's name.
    pub name: String,
    /// `--subnet`; `None` means Docker picks one from the default address pools.
    pub subnet: Option<Ipv4Net>,
    /// `--gateway`; `None` means the first host address of the subnet.
    pub gateway: Option<Ipv4Addr>,
    /// `--ip-range`: the part of the subnet containers get addresses from.
    pub ip_range: Option<Ipv4Net>,
    /// `--internal`: no route to the outside world.
    pub internal: bool,
    /// `-o com.docker.network.bridge.name`; `None` means `br-<id>`.
    pub bridge_name: Option<String>,
    /// `-o com.docker.network.bridge.enable_icc` (default `true`).
    pub icc: bool,
    /// `-o com.docker.network.bridge.enable_ip_masquerade` (default `true`).
    pub ip_masquerade: bool,
    /// `-o com.docker.network.bridge.host_binding_ipv4`: default host IP for published ports.
    pub host_binding_ipv4: Option<Ipv4Addr>,
    /// `-o com.docker.network.host_ipv4`: source address for masqueraded traffic.
    pub host_ipv4: Option<Ipv4Addr>,
    /// `-o com.docker.network.bridge.gateway_mode_ipv4` (`nat`, `nat-unprotected`, `routed`,
    /// `isolated`).
    pub gateway_mode: Option<String>,
    /// `-o com.docker.network.driver.mtu`.
    pub mtu: Option<u32>,
    /// `--label k=v`, in order.
    pub labels: Vec<(String, String)>,
}

impl NetworkCreate {
    /// A request with Docker's defaults for every option.
    pub fn new(name: impl Into<String>) -> Self {
        NetworkCreate {
            name: name.into(),
            subnet: None,
            gateway: None,
            ip_range: None,
            internal: false,
            bridge_name: None,
            icc: true,
            ip_masquerade: true,
            host_binding_ipv4: None,
            host_ipv4: None,
            gateway_mode: None,
            mtu: None,
            labels: Vec::new(),
        }
    }
}

/// The address of an `--add-host NAME:ADDR` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostAddr {
    Ip(Ipv4Addr),
    /// `host-gateway`: the daemon's host-gateway IP (the default bridge's gateway on Linux).
    HostGateway,
}

/// `docker run --network` mode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NetworkMode {
    /// The default bridge network (`bridge`, `default`, or no `--network`).
    #[default]
    Bridge,
    /// `host`: share the host's network namespace.
    Host,
    /// `none`: loopback only.
    None,
    /// `container:NAME`: share another container's network namespace.
    Container(String),
    /// A user-defined network by name (or id).
    Named(String),
}

/// Transport protocol of a port.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum PortProto {
    /// TCP (the default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl std::fmt::Display for PortProto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PortProto::Tcp => "tcp",
            PortProto::Udp => "udp",
        })
    }
}

/// One published port (`-p`); a range on the command line expands into one binding per port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortBinding {
    /// Host address to bind; `None` means all addresses (or the network's
    /// `host_binding_ipv4`).
    pub host_ip: Option<Ipv4Addr>,
    /// Host port; `None` means an ephemeral port chosen by Docker.
    pub host_port: Option<u16>,
    /// Port inside the container.
    pub container_port: u16,
    /// Protocol.
    pub proto: PortProto,
}

/// `docker run`: the networking-relevant part of the request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// `--name`.
    pub name: Option<String>,
    /// `-d`, `--detach`.
    pub detach: bool,
    /// `--rm`: the container is removed when it stops.
    #[serde(default)]
    pub remove_on_stop: bool,
    /// `--network`, `--net`.
    pub network: NetworkMode,
    /// `-p`, `--publish`, expanded per port.
    pub publish: Vec<PortBinding>,
    /// `-P`, `--publish-all`.
    pub publish_all: bool,
    /// `--expose`, expanded per port.
    pub expose: Vec<(u16, PortProto)>,
    /// `--network-alias`, `--net-alias`.
    pub aliases: Vec<String>,
    /// `--ip`.
    pub ip: Option<Ipv4Addr>,
    /// The gateway priority on that network (Compose's `gw_priority`; the CLI's
    /// `--network name=NET,gw-priority=N` syntax is not simulated).
    #[serde(default)]
    pub gw_priority: i64,
    /// `--dns`.
    pub dns: Vec<Ipv4Addr>,
    /// `-h`, `--hostname`.
    pub hostname: Option<String>,
    /// `--add-host NAME:IP`.
    pub add_hosts: Vec<(String, HostAddr)>,
    /// `--sysctl KEY=VALUE`, for the container's own network namespace.
    pub sysctls: Vec<(String, i64)>,
    /// The image reference as written.
    pub image: String,
    /// Everything after the image.
    pub command: Vec<String>,
}

impl RunSpec {
    /// A request for `docker run IMAGE` with every option at its default.
    pub fn new(image: impl Into<String>) -> Self {
        RunSpec {
            name: None,
            detach: false,
            remove_on_stop: false,
            network: NetworkMode::Bridge,
            publish: Vec::new(),
            publish_all: false,
            expose: Vec::new(),
            aliases: Vec::new(),
            ip: None,
            gw_priority: 0,
            dns: Vec::new(),
            hostname: None,
            add_hosts: Vec::new(),
            sysctls: Vec::new(),
            image: image.into(),
            command: Vec::new(),
        }
    }
}

/// `docker network connect`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkConnect {
    /// Network name or id.
    pub network: String,
    /// Container name or id.
    pub container: String,
    /// `--alias`, in order.
    pub aliases: Vec<String>,
    /// `--ip`.
    pub ip: Option<Ipv4Addr>,
    /// `--gw-priority` (Engine 28+): the endpoint with the highest one becomes the gateway.
    #[serde(default)]
    pub gw_priority: i64,
}

/// Networking options of the Docker daemon (`dockerd` flags or `daemon.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonOptions {
    /// `--userland-proxy` (default `true`).
    pub userland_proxy: bool,
    /// `--icc`: inter-container communication on the default bridge (default `true`).
    pub icc: bool,
    /// `--ip-forward` (default `true`).
    pub ip_forward: bool,
    /// `--iptables` (default `true`).
    pub iptables: bool,
    /// `--bip`: address and prefix of `docker0` (default: derived from the pools,
    /// `172.17.0.1/16`).
    pub bip: Option<Ipv4Net>,
    /// `--default-address-pool base=CIDR,size=N`: where network subnets come from. Giving any
    /// replaces Docker's defaults.
    pub default_pools: Vec<(Ipv4Net, u8)>,
}

impl Default for DaemonOptions {
    /// Docker's defaults, including its built-in local address pools.
    fn default() -> Self {
        DaemonOptions {
            userland_proxy: true,
            icc: true,
            ip_forward: true,
            iptables: true,
            bip: None,
            default_pools: vec![
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 17, 0, 0), 16), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 18, 0, 0), 16), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 19, 0, 0), 16), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 20, 0, 0), 14), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 24, 0, 0), 14), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(172, 28, 0, 0), 14), 16),
                (Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16), 20),
            ],
        }
    }
}

/// A parse error: what is wrong, where, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}{}", help_suffix(.help))]
pub struct CliError {
    /// 1-based column (in characters) of the offending token in the line; one past the end of
    /// the line when something is missing.
    pub column: usize,
    /// The offending token as the shell passes it (quotes removed); empty when something is
    /// missing.
    pub token: String,
    /// What is wrong, in Docker's own words where Docker has some.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

pub(super) fn help_suffix(help: &str) -> String {
    if help.is_empty() {
        String::new()
    } else {
        format!("\nhelp: {help}")
    }
}
