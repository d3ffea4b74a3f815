//! Kernel state: namespaces, interfaces and their links, routes, neighbours, bridges.

pub mod bridge;
pub mod neigh;
pub mod route;

use crate::conntrack::Conntrack;
use crate::ids::{IfaceId, NsId};
use crate::intern::Name;
use crate::netfilter::{AddrType, Ruleset};
use crate::scenario::NsRole;
use crate::time::SimTime;
use crate::wire::MacAddr;
use bridge::BridgeState;
use ipnet::Ipv4Net;
use neigh::NeighTable;
use route::RouteTable;
use std::net::Ipv4Addr;

/// What kind of device an interface is.
#[derive(Clone, Debug)]
pub enum IfaceKind {
    Loopback,
    /// One end of a veth pair.
    Veth,
    /// A physical NIC (a cable end).
    Nic,
    Bridge(BridgeState),
}

impl IfaceKind {
    pub fn name(&self) -> &'static str {
        match self {
            IfaceKind::Loopback => "loopback",
            IfaceKind::Veth => "veth",
            IfaceKind::Nic => "ether",
            IfaceKind::Bridge(_) => "bridge",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Interface {
    pub(crate) id: IfaceId,
    pub(crate) ns: NsId,
    /// Its namespace's name (never changed once built), so that a trace record about the
    /// interface need not read the namespace.
    pub(crate) ns_name: Name,
    pub(crate) name: Name,
    pub(crate) kind: IfaceKind,
    pub(crate) mac: MacAddr,
    /// Addresses with prefix; the first is the primary. Set by [`Net::add_iface`] only, which
    /// indexes the interface in its namespace's `addressed` list.
    addrs: Vec<Ipv4Net>,
    /// The bridge this interface is enslaved to.
    pub(crate) master: Option<IfaceId>,
    pub(crate) hairpin: bool,
    /// A user-space stack takes every packet arriving here (see `IfaceSpec::transparent`).
    pub(crate) transparent: bool,
    /// The other end of its link and the link (set by [`Net::connect`]), read on every
    /// frame sent.
    peer: Option<(IfaceId, Link)>,
    /// When the transmitter is free again (frames queue behind each other).
    pub(crate) tx_busy_until: SimTime,
    pub(crate) mtu: u32,
}

/// Read access for code outside the core.
impl Interface {
    /// Its id.
    pub fn id(&self) -> IfaceId {
        self.id
    }

    /// The namespace it lives in.
    pub fn ns(&self) -> NsId {
        self.ns
    }

    /// Its name (`eth0`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What kind of device it is.
    pub fn kind(&self) -> &IfaceKind {
        &self.kind
    }

    /// Its MAC address.
    pub fn mac(&self) -> MacAddr {
        self.mac
    }

    /// Addresses with prefix; the first is the primary.
    pub fn addrs(&self) -> &[Ipv4Net] {
        &self.addrs
    }

    /// The bridge it is enslaved to.
    pub fn master(&self) -> Option<IfaceId> {
        self.master
    }
}

impl Interface {
    /// The primary address to use towards `peer`: one whose subnet contains it, else the first.
    pub fn source_for(&self, peer: Ipv4Addr) -> Option<Ipv4Addr> {
        self.addrs
            .iter()
            .find(|a| a.contains(&peer))
            .or(self.addrs.first())
            .map(|a| a.addr())
    }

    pub fn is_bridge(&self) -> bool {
        matches!(self.kind, IfaceKind::Bridge(_))
    }
}

/// A cable or veth pair between two interfaces.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    pub(crate) latency_ns: u64,
    pub(crate) bits_per_sec: u64,
    pub(crate) veth: bool,
}

/// Read access for code outside the core.
impl Link {
    /// A veth pair (else a cable).
    pub fn veth(&self) -> bool {
        self.veth
    }
}

/// The sysctls the model honours.
#[derive(Clone, Debug)]
pub struct Sysctls {
    pub(crate) ip_forward: bool,
    pub(crate) bridge_nf_call_iptables: bool,
    /// Interfaces with `route_localnet=1` (`all` sets it everywhere).
    pub(crate) route_localnet: Vec<String>,
    pub(crate) route_localnet_all: bool,
    /// `net.ipv4.ip_local_port_range`.
    pub(crate) port_range: (u16, u16),
    /// `net.ipv4.tcp_syn_retries`: how long a connect may wait (see `apps::syn_give_up`).
    pub(crate) tcp_syn_retries: u32,
    /// `net.ipv4.tcp_syn_linear_timeouts`: SYN retransmissions after a 1 s wait before the
    /// waits start doubling.
    pub(crate) tcp_syn_linear_timeouts: u32,
    /// `net.ipv4.tcp_timestamps`, `tcp_sack`, `tcp_window_scaling`: which TCP options a
    /// SYN offers (all on by default).
    pub(crate) tcp_timestamps: bool,
    /// `tcp_timestamps=1` offsets TSval per address pair; `2` does not.
    pub(crate) tcp_ts_per_pair_offset: bool,
    pub(crate) tcp_sack: bool,
    pub(crate) tcp_window_scaling: bool,
}

impl Default for Sysctls {
    fn default() -> Self {
        Self::new()
    }
}

impl Sysctls {
    /// The values the kernel accepts for a bounded sysctl (it answers EINVAL otherwise).
    pub fn valid_range(key: &str) -> Option<std::ops::RangeInclusive<i64>> {
        match key {
            "net.ipv4.tcp_syn_retries" => Some(1..=127),
            "net.ipv4.tcp_syn_linear_timeouts" => Some(0..=10),
            "net.ipv4.tcp_timestamps" => Some(0..=2),
            "net.ipv4.tcp_sack" | "net.ipv4.tcp_window_scaling" => Some(0..=1),
            _ => None,
        }
    }

    pub fn new() -> Self {
        Sysctls {
            ip_forward: false,
            bridge_nf_call_iptables: false,
            route_localnet: Vec::new(),
            route_localnet_all: false,
            port_range: (32768, 60999),
            tcp_syn_retries: 6,
            tcp_syn_linear_timeouts: 4,
            tcp_timestamps: true,
            tcp_ts_per_pair_offset: true,
            tcp_sack: true,
            tcp_window_scaling: true,
        }
    }

    /// The sysctl names a scenario may set, with what each controls.
    pub const KNOWN: &'static [&'static str] = &[
        "net.ipv4.ip_forward",
        "net.bridge.bridge-nf-call-iptables",
        "net.ipv4.conf.all.route_localnet",
        "net.ipv4.conf.<iface>.route_localnet",
        "net.ipv4.ip_local_port_range.min",
        "net.ipv4.ip_local_port_range.max",
        "net.ipv4.tcp_syn_retries",
        "net.ipv4.tcp_syn_linear_timeouts",
        "net.ipv4.tcp_timestamps",
        "net.ipv4.tcp_sack",
        "net.ipv4.tcp_window_scaling",
    ];
}

/// One network namespace.
#[derive(Clone, Debug)]
pub struct Namespace {
    pub(crate) id: NsId,
    pub(crate) name: Name,
    pub(crate) role: NsRole,
    pub(crate) ifaces: Vec<IfaceId>,
    /// The interfaces of `ifaces` that have addresses, in the same order (the lookups of a
    /// local address scan these, not the ports of a bridge with a thousand of them).
    pub(crate) addressed: Vec<IfaceId>,
    pub(crate) routes: RouteTable,
    pub(crate) neigh: NeighTable,
    pub(crate) sysctl: Sysctls,
    pub(crate) rules: Ruleset,
    pub(crate) conntrack: Conntrack,
    /// Whether conntrack is loaded here: the nat table or a state match needs it.
    pub(crate) conntrack_on: bool,
    /// The resolv.conf nameserver, if any.
    pub(crate) nameserver: Option<Ipv4Addr>,
    /// /etc/hosts entries (lowercase names).
    pub(crate) hosts: std::collections::BTreeMap<String, Ipv4Addr>,
    /// Next IP identification value (per namespace, simplified from per-destination).
    pub(crate) next_ip_id: u16,
}

/// Read access for code outside the core.
impl Namespace {
    /// Its id.
    pub fn id(&self) -> NsId {
        self.id
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it represents (host, container, peer, ...).
    pub fn role(&self) -> NsRole {
        self.role
    }

    /// Its interfaces, in creation order.
    pub fn ifaces(&self) -> &[IfaceId] {
        &self.ifaces
    }

    /// Its iptables rules and counters.
    pub fn rules(&self) -> &Ruleset {
        &self.rules
    }

    /// Its connection tracking table.
    pub fn conntrack(&self) -> &Conntrack {
        &self.conntrack
    }
}

/// The whole kernel-level world: every namespace and interface; each interface knows the
/// other end of its link.
#[derive(Clone, Debug, Default)]
pub struct Net {
    pub(crate) namespaces: Vec<Namespace>,
    pub(crate) ifaces: Vec<Interface>,
}

/// Read access for code outside the core.
impl Net {
    /// Every namespace, indexed by [`NsId`].
    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }

    /// Every interface, indexed by [`IfaceId`].
    pub fn ifaces(&self) -> &[Interface] {
        &self.ifaces
    }

    /// How many links (veth pairs and cables) join the interfaces.
    pub fn link_count(&self) -> usize {
        // Each link has two ends, both linked.
        self.ifaces.iter().filter(|i| i.peer.is_some()).count() / 2
    }
}

impl Net {
    /// The packets waiting in neighbour queues for ARP to resolve.
    pub fn waiting_packets(&self) -> impl Iterator<Item = crate::ids::PacketId> + '_ {
        self.namespaces.iter().flat_map(|ns| {
            ns.neigh.entries.values().flat_map(|e| match &e.state {
                neigh::NeighState::Incomplete { queue, .. } => {
                    queue.iter().map(|(_, p, _)| *p).collect()
                }
                _ => Vec::new(),
            })
        })
    }

    pub fn ns(&self, id: NsId) -> &Namespace {
        &self.namespaces[id.index()]
    }

    pub fn ns_mut(&mut self, id: NsId) -> &mut Namespace {
        &mut self.namespaces[id.index()]
    }

    pub fn iface(&self, id: IfaceId) -> &Interface {
        &self.ifaces[id.index()]
    }

    pub fn iface_mut(&mut self, id: IfaceId) -> &mut Interface {
        &mut self.ifaces[id.index()]
    }

    /// Add a namespace with no interfaces yet, its sysctls and its iptables rules;
    /// conntrack is loaded there when the rules need it.
    pub(crate) fn add_namespace(
        &mut self,
        name: &str,
        role: NsRole,
        sysctl: Sysctls,
        rules: Ruleset,
    ) -> NsId {
        let id = NsId(self.namespaces.len() as u32);
        let conntrack_on = needs_conntrack(&rules);
        self.namespaces.push(Namespace {
            id,
            name: name.into(),
            role,
            ifaces: Vec::new(),
            addressed: Vec::new(),
            routes: Default::default(),
            neigh: NeighTable::default(),
            sysctl,
            rules,
            conntrack: Conntrack::default(),
            conntrack_on,
            nameserver: None,
            hosts: std::collections::BTreeMap::new(),
            next_ip_id: 0,
        });
        id
    }

    /// Add an interface to `ns` (not enslaved, not yet linked) with its addresses.
    pub(crate) fn add_iface(
        &mut self,
        ns: NsId,
        name: &str,
        kind: IfaceKind,
        mac: MacAddr,
        addrs: Vec<Ipv4Net>,
    ) -> IfaceId {
        let id = IfaceId(self.ifaces.len() as u32);
        let addressed = !addrs.is_empty();
        let ns_name = self.ns(ns).name;
        self.ifaces.push(Interface {
            id,
            ns,
            ns_name,
            name: name.into(),
            kind,
            mac,
            addrs,
            master: None,
            hairpin: false,
            transparent: false,
            peer: None,
            tx_busy_until: SimTime::ZERO,
            mtu: 1500,
        });
        let n = self.ns_mut(ns);
        n.ifaces.push(id);
        if addressed {
            n.addressed.push(id);
        }
        id
    }

    /// Whether `mac` is the bridge's own or one of its ports' (its permanent local FDB
    /// entries).
    pub fn bridge_owns_mac(&self, bridge: IfaceId, mac: MacAddr) -> bool {
        let br = self.iface(bridge);
        br.mac == mac
            || matches!(&br.kind, IfaceKind::Bridge(s)
                if s.is_port_mac(mac))
    }

    pub fn ns_by_name(&self, name: &str) -> Option<NsId> {
        self.namespaces
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.id)
    }

    pub fn iface_by_name(&self, ns: NsId, name: &str) -> Option<IfaceId> {
        self.ns(ns)
            .ifaces
            .iter()
            .copied()
            .find(|&i| self.iface(i).name == name)
    }

    /// `ns:iface` for messages.
    pub fn iface_label(&self, id: IfaceId) -> String {
        let i = self.iface(id);
        format!("{}:{}", self.ns(i.ns).name, i.name)
    }

    /// The interface at the other end of this interface's link, with the link.
    pub fn peer(&self, id: IfaceId) -> Option<(IfaceId, Link)> {
        self.iface(id).peer
    }

    /// Join `a` and `b` (two interfaces not yet linked) by `link`, a veth pair or a cable.
    pub(crate) fn connect(&mut self, a: IfaceId, b: IfaceId, link: Link) {
        self.iface_mut(a).peer = Some((b, link));
        self.iface_mut(b).peer = Some((a, link));
    }

    /// The interface in `ns` that owns `ip`, if any.
    pub fn local_iface_for(&self, ns: NsId, ip: Ipv4Addr) -> Option<IfaceId> {
        self.ns(ns)
            .addressed
            .iter()
            .copied()
            .find(|&i| self.iface(i).addrs.iter().any(|a| a.addr() == ip))
    }

    /// Is `ip` one of the namespace's own addresses (the local table's `local` routes)?
    pub fn is_local(&self, ns: NsId, ip: Ipv4Addr) -> bool {
        ip.is_loopback() || self.local_iface_for(ns, ip).is_some()
    }

    /// The address type `-m addrtype` sees: LOCAL, BROADCAST, MULTICAST or UNICAST.
    pub fn addr_type(&self, ns: NsId, ip: Ipv4Addr) -> AddrType {
        if self.is_local(ns, ip) {
            AddrType::Local
        } else if ip.is_broadcast() || self.is_subnet_broadcast(ns, ip) {
            AddrType::Broadcast
        } else if ip.is_multicast() {
            AddrType::Multicast
        } else if ip.is_unspecified() {
            AddrType::Unspec
        } else {
            AddrType::Unicast
        }
    }

    fn is_subnet_broadcast(&self, ns: NsId, ip: Ipv4Addr) -> bool {
        self.ns(ns)
            .addressed
            .iter()
            .flat_map(|&i| self.iface(i).addrs.iter())
            .any(|a| a.prefix_len() < 31 && a.broadcast() == ip)
    }

    /// Is `route_localnet` on for this interface?
    pub fn route_localnet(&self, iface: IfaceId) -> bool {
        let i = self.iface(iface);
        let s = &self.ns(i.ns).sysctl;
        s.route_localnet_all || s.route_localnet.iter().any(|n| *n == i.name)
    }
}

/// Conntrack is loaded in a namespace once the nat table exists or a rule matches on state.
fn needs_conntrack(rules: &Ruleset) -> bool {
    let text = rules.iptables_save();
    text.contains("*nat") || text.contains("--ctstate") || text.contains("--state ")
}
