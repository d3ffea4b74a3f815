//! The Docker-level scenario: what learners think in. A platform, the host's NICs and
//! services, peers on the LAN, and Docker commands (as literal command lines or structured
//! RON), plus the traffic to send between them by name.

use crate::compose::ComposeFile;
use crate::scenario::{ProcessSpec, TrafficSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerScenario {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub platform: Platform,
    /// dockerd flags, e.g. `--userland-proxy=false --icc=false`.
    #[serde(default)]
    pub daemon: String,
    #[serde(default)]
    pub host: HostSpec,
    /// Other machines on the host's LAN (a laptop, a server).
    #[serde(default)]
    pub peers: Vec<PeerSpec>,
    /// Networks declared as data; created before `commands` run, in this order.
    #[serde(default)]
    pub networks: Vec<NetworkSpec>,
    /// Containers declared as data; started after `networks`, before `commands`.
    #[serde(default)]
    pub containers: Vec<ContainerSpec>,
    /// Docker command lines, run in order: `docker network create`, `docker run`,
    /// `docker network connect`.
    #[serde(default)]
    pub commands: Vec<String>,
    /// iptables commands run on the host (Desktop: in the VM) after the engine has installed
    /// its rules, in order: `iptables -I DOCKER-USER -s 10.12.91.0/24 -j DROP`.
    #[serde(default)]
    pub iptables: Vec<String>,
    /// Traffic by name: `from` is a container, peer, `host` (Linux) or `mac`/`windows`
    /// (Desktop); `to` is `address:port` or `name:port` (resolved by the sender's DNS).
    #[serde(default)]
    pub traffic: Vec<TrafficSpec>,
    /// Capture points `ns:iface`.
    #[serde(default)]
    pub observe: Vec<String>,
    /// The run's event budget and simulated-time limit, passed to the kernel-level scenario.
    #[serde(
        default,
        skip_serializing_if = "crate::scenario::LimitsSpec::is_default"
    )]
    pub limits: crate::scenario::LimitsSpec,
    /// A Compose file (path relative to this scenario) brought up with `docker compose up
    /// -d`: where a `docker compose up` line stands in `commands`, else after `networks` and
    /// `containers`, before the commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose: Option<String>,
    /// Variables for the compose file's `${VAR}`s; they win over its `.env` file.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub compose_env: BTreeMap<String, String>,
    /// The compose file's text (and `.env`), filled in by whoever read the file; a saved or
    /// shared scenario carries it so it opens anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_file: Option<ComposeFile>,
}

/// Where the Docker engine runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Platform {
    /// Docker Engine on a Linux host: the engine's namespace is the host's.
    Linux { engine: String },
    /// Docker Desktop for Mac: the engine lives in a Linux VM.
    DesktopMac {
        /// `17.06`, `17.12`, `18.03` (Docker for Mac), `2.x`, `3.x`, `4.0` ... `4.48` (Docker
        /// Desktop), or `current`: decides the engine, the host names and their address.
        release: String,
        #[serde(default)]
        vm: MacVm,
    },
    /// Docker Desktop for Windows (WSL 2 or Hyper-V backend).
    DesktopWindows {
        #[serde(default)]
        release: Option<String>,
        #[serde(default)]
        backend: WindowsBackend,
    },
}

impl Default for Platform {
    fn default() -> Self {
        Platform::Linux {
            engine: "29.7".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MacVm {
    HyperKit,
    #[default]
    Virtualization,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WindowsBackend {
    #[default]
    Wsl2,
    HyperV,
}

/// The machine Docker runs on (the Linux host, or the Mac/PC for Desktop).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostSpec {
    pub nics: Vec<NicSpec>,
    /// Default gateway of the host, if any.
    pub gateway: Option<String>,
    /// The host's resolv.conf nameserver (copied into default-bridge containers).
    pub nameserver: Option<String>,
    /// Processes listening on the host (a database, a web server).
    pub services: Vec<ProcessSpec>,
}

impl Default for HostSpec {
    /// The seed's host: NIC `eth1` at 10.12.91.17/24.
    fn default() -> Self {
        HostSpec {
            nics: vec![NicSpec {
                name: "eth1".into(),
                addr: "10.12.91.17/24".into(),
                mac: None,
            }],
            gateway: None,
            nameserver: None,
            services: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NicSpec {
    pub name: String,
    pub addr: String,
    pub mac: Option<String>,
}

/// Another machine on the LAN of one of the host's NICs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeerSpec {
    pub name: String,
    pub addr: String,
    /// The host NIC whose LAN the peer is on (default: the first NIC).
    pub nic: Option<String>,
    pub mac: Option<String>,
    pub services: Vec<ProcessSpec>,
    /// Extra routes in `ip route` syntax (`172.17.0.0/16 via 10.12.91.17`): what a learner
    /// adds to reach containers directly.
    pub routes: Vec<String>,
}

/// `docker network create` as data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSpec {
    pub name: String,
    pub subnet: Option<String>,
    pub internal: bool,
    /// `com.docker.network.bridge.enable_icc=false` when set to false.
    pub icc: Option<bool>,
}

/// `docker run` as data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    /// `bridge` (default), `host`, `none`, `container:NAME` or a network name.
    pub network: Option<String>,
    /// `-p` values: `8080:80`, `127.0.0.1:8080:80`, `53:53/udp`, `80`.
    pub publish: Vec<String>,
    pub publish_all: bool,
    pub aliases: Vec<String>,
    /// Further networks joined with `docker network connect`.
    pub connect: Vec<String>,
    /// What the container's processes listen on; by default the image's well-known ports.
    pub services: Option<Vec<ProcessSpec>>,
}
