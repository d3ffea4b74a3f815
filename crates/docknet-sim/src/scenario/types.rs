//! The kernel-level scenario: what a teacher (or the Docker compiler) writes in RON.
//!
//! It names namespaces with their interfaces, addresses, routes (in `ip route` syntax),
//! sysctls and iptables rules (in `iptables-save` syntax), the links between interfaces, the
//! processes listening or relaying, and the traffic to send.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole kernel-level scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    pub title: String,
    /// A short text for learners: what to watch for.
    pub description: String,
    /// Seed for every random choice (ephemeral ports, MACs, ISNs).
    pub seed: u64,
    pub namespaces: Vec<NamespaceSpec>,
    pub links: Vec<LinkSpec>,
    pub traffic: Vec<TrafficSpec>,
    /// Capture points `ns:iface` that lessons and the conformance harness observe.
    pub observe: Vec<String>,
    /// The run's event budget and simulated-time limit, when not the defaults.
    #[serde(skip_serializing_if = "LimitsSpec::is_default")]
    pub limits: LimitsSpec,
}

/// `limits: (max_events: 500000, max_time_ms: 7200000)`: how far a run may go before it is
/// stopped with a message (defaults in [`crate::limits`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSpec {
    pub max_events: Option<u64>,
    pub max_time_ms: Option<u64>,
}

impl LimitsSpec {
    pub fn is_default(&self) -> bool {
        *self == LimitsSpec::default()
    }

    /// These limits over `base`: what is given here wins.
    pub fn over(&self, base: crate::limits::Limits) -> crate::limits::Limits {
        crate::limits::Limits {
            max_events: self.max_events.unwrap_or(base.max_events),
            max_time: self
                .max_time_ms
                .map_or(base.max_time, crate::time::SimTime::from_millis),
        }
    }
}

/// One network namespace: a host, a container, a VM's namespace or an external peer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NamespaceSpec {
    pub name: String,
    /// What the namespace stands for, shown by viewers (`Host`, `Container`, ...).
    pub role: NsRole,
    pub interfaces: Vec<IfaceSpec>,
    /// Routes in `ip route` syntax: `default via 10.0.0.1`, `10.1.0.0/16 dev eth1`.
    pub routes: Vec<String>,
    /// Sysctls by their full name, e.g. `net.ipv4.ip_forward: 1`.
    pub sysctls: BTreeMap<String, i64>,
    /// Rules in `iptables-save` format (as `iptables-restore` reads them).
    pub iptables: String,
    pub processes: Vec<ProcessSpec>,
    /// `nameserver` of the namespace's resolv.conf (e.g. `127.0.0.11`); none: names fail.
    pub nameserver: Option<String>,
    /// `/etc/hosts` entries: name -> address, consulted before DNS.
    pub hosts: BTreeMap<String, String>,
}

impl NamespaceSpec {
    /// Whether the namespace has iptables rules of its own.
    pub fn has_rules(&self) -> bool {
        !self.iptables.trim().is_empty()
    }
}

/// What a namespace represents; only viewers and the Docker compiler care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NsRole {
    #[default]
    Host,
    Container,
    Vm,
    Router,
    External,
}

/// An interface inside a namespace. Its kind comes from the links that name it
/// (a `Veth` link makes a veth, a `Wire` link a NIC) or is `Bridge`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IfaceSpec {
    pub name: String,
    pub bridge: bool,
    /// The bridge this interface is a port of (`master br0`).
    pub master: Option<String>,
    /// A fixed MAC; otherwise one is drawn from the seed (locally administered).
    pub mac: Option<String>,
    /// Addresses with prefix, e.g. `10.0.0.1/24`; the first is the primary.
    pub addrs: Vec<String>,
    /// Hairpin mode on a bridge port (frames may leave by the port they came in on).
    pub hairpin: bool,
    /// `ip link set mtu`; default 1500. TCP's MSS follows the route's device MTU.
    pub mtu: Option<u32>,
    /// A user-space network stack takes every packet arriving here, whatever its destination
    /// (Docker Desktop's vpnkit with the VM's frames; on Linux, TPROXY-style `ip rule iif IF
    /// lookup 100` with `local 0.0.0.0/0 dev lo table 100`): the packet is delivered to local
    /// sockets, never forwarded, and a relay with `to: "*"` re-makes the connection.
    pub transparent: bool,
}

/// A link between two interfaces, written `ns:iface`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LinkSpec {
    /// Both ends of one veth pair.
    Veth {
        a: String,
        b: String,
        #[serde(default)]
        latency_us: Option<u64>,
    },
    /// A cable between two NICs (or a NIC and a switch port).
    Wire {
        a: String,
        b: String,
        #[serde(default)]
        latency_us: Option<u64>,
        /// Link speed; default 1000 Mbit/s.
        #[serde(default)]
        mbps: Option<u64>,
    },
}

impl LinkSpec {
    pub fn ends(&self) -> (&str, &str) {
        match self {
            LinkSpec::Veth { a, b, .. } | LinkSpec::Wire { a, b, .. } => (a, b),
        }
    }
}

/// Transport protocols a process or flow uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Proto {
    Tcp,
    Udp,
}

fn tcp() -> Proto {
    Proto::Tcp
}

/// A user-space process with a socket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ProcessSpec {
    /// A server: accepts on `port` (any address unless `addr` is set) and answers each
    /// request with `reply` bytes (UDP: one datagram back per datagram received).
    Listen {
        proto: Proto,
        port: u16,
        #[serde(default)]
        addr: Option<String>,
        #[serde(default)]
        reply: u32,
        /// Name shown in traces (e.g. `nginx`, `docker-proxy`).
        #[serde(default)]
        name: Option<String>,
    },
    /// A relay (docker-proxy, Docker Desktop's forwarder): TCP accepts on `port` and, per
    /// accepted connection, opens a second connection to `to` and copies bytes both ways;
    /// UDP gives each client a socket of its own towards `to` and passes datagrams both ways.
    /// `to: "*"` with `port: 0` (TCP) relays every connection a `transparent` interface
    /// delivers to its original destination, from this namespace's own address.
    Relay {
        #[serde(default = "tcp")]
        proto: Proto,
        port: u16,
        #[serde(default)]
        addr: Option<String>,
        to: String,
        #[serde(default)]
        name: Option<String>,
    },
    /// A DNS server answering A queries from `records` (name -> address); other names are
    /// forwarded to `upstream` when set, else answered NXDOMAIN. Docker's embedded resolver
    /// is one of these on 127.0.0.11, forwarding to the host's nameserver.
    Dns {
        #[serde(default = "default_dns_port")]
        port: u16,
        #[serde(default)]
        addr: Option<String>,
        /// Name -> address, or several comma-separated (`"172.18.0.3,172.18.0.4"`): the
        /// answer lists them in a random order (round-robin DNS).
        records: BTreeMap<String, String>,
        #[serde(default)]
        upstream: Option<String>,
        #[serde(default)]
        name: Option<String>,
    },
}

fn default_dns_port() -> u16 {
    53
}

/// Traffic a namespace starts. `to` is `address:port` or `name:port`; a name is looked up in
/// the namespace's hosts entries, then by a DNS query to its nameserver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TrafficSpec {
    /// Connect, send `send` bytes, read the reply, close.
    Tcp {
        from: String,
        to: String,
        #[serde(default)]
        sport: Option<u16>,
        #[serde(default)]
        at_ms: u64,
        #[serde(default = "default_send")]
        send: u32,
    },
    /// Send `count` datagrams of `send` bytes, one per `interval_ms`.
    Udp {
        from: String,
        to: String,
        #[serde(default)]
        sport: Option<u16>,
        #[serde(default)]
        at_ms: u64,
        #[serde(default = "default_send")]
        send: u32,
        #[serde(default = "default_count")]
        count: u32,
        #[serde(default = "default_interval")]
        interval_ms: u64,
    },
    /// `ping -c count` with 56 bytes of payload.
    Ping {
        from: String,
        to: String,
        #[serde(default)]
        at_ms: u64,
        #[serde(default = "default_count")]
        count: u32,
        #[serde(default = "default_interval")]
        interval_ms: u64,
        #[serde(default)]
        ttl: Option<u8>,
    },
}

fn default_send() -> u32 {
    64
}
fn default_count() -> u32 {
    1
}
fn default_interval() -> u64 {
    1000
}

impl TrafficSpec {
    pub fn from_mut(&mut self) -> &mut String {
        match self {
            TrafficSpec::Tcp { from, .. }
            | TrafficSpec::Udp { from, .. }
            | TrafficSpec::Ping { from, .. } => from,
        }
    }

    pub fn from(&self) -> &str {
        match self {
            TrafficSpec::Tcp { from, .. }
            | TrafficSpec::Udp { from, .. }
            | TrafficSpec::Ping { from, .. } => from,
        }
    }

    pub fn to(&self) -> &str {
        match self {
            TrafficSpec::Tcp { to, .. }
            | TrafficSpec::Udp { to, .. }
            | TrafficSpec::Ping { to, .. } => to,
        }
    }

    pub fn at_ms(&self) -> u64 {
        match self {
            TrafficSpec::Tcp { at_ms, .. }
            | TrafficSpec::Udp { at_ms, .. }
            | TrafficSpec::Ping { at_ms, .. } => *at_ms,
        }
    }
}
