//! Scenario -> model: validate every part of a kernel-level scenario and build the `Sim`.
//! All problems are collected and reported together, each located in the file.

use crate::apps::{Apps, Flow, Sock, SockKind, Target};
use crate::ids::{IfaceId, NsId};
use crate::model::route::{Route, RouteType, parse_route};
use crate::model::{IfaceKind, Link, Net, Sysctls};
use crate::netfilter::Ruleset;
use crate::scenario::{
    LinkSpec, Loc, NamespaceSpec, Problem, ProcessSpec, Proto, Scenario, TrafficSpec,
};
use crate::sim::{Event, Sim};
use crate::time::{SimDuration, SimTime};
use crate::wire::MacAddr;
use ipnet::Ipv4Net;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Default one-way latency of a veth pair and of a cable, and a cable's speed.
pub const VETH_LATENCY_US: u64 = 10;
pub const WIRE_LATENCY_US: u64 = 100;
pub const WIRE_MBPS: u64 = 1000;
const VETH_BITS_PER_SEC: u64 = 10_000_000_000;

impl Sim {
    /// Build a simulation from a scenario, or every problem found in it.
    pub fn from_scenario(sc: &Scenario) -> Result<Sim, Vec<Problem>> {
        let mut b = Builder {
            net: Net::default(),
            problems: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(sc.seed ^ 0x6d61_6373),
        };
        b.namespaces(sc);
        b.links(sc);
        b.masters(sc);
        b.addresses_unique(sc);
        b.routes(sc);
        b.observe(sc);
        b.limits(sc);
        let apps = b.apps(sc);
        if !b.problems.is_empty() {
            return Err(b.problems);
        }
        let mut sim = Sim::new(b.net, apps, sc.seed);
        sim.set_limits(sc.limits.over(crate::limits::Limits::default()));
        for (i, t) in sc.traffic.iter().enumerate() {
            sim.schedule(
                SimTime::from_millis(t.at_ms()),
                Event::App(crate::apps::AppEvent::FlowStart(i)),
            );
        }
        sim.seal();
        Ok(sim)
    }
}

struct Builder {
    net: Net,
    problems: Vec<Problem>,
    rng: ChaCha8Rng,
}

impl Builder {
    fn problem(
        &mut self,
        anchor: Option<&str>,
        value: &str,
        message: String,
        help: impl Into<String>,
    ) {
        self.problems
            .push(Problem::at(anchor, value, message, help));
    }

    fn random_mac(&mut self) -> MacAddr {
        let mut b: [u8; 6] = self.rng.random();
        b[0] = (b[0] & 0xfe) | 0x02;
        MacAddr(b)
    }

    fn namespaces(&mut self, sc: &Scenario) {
        for spec in &sc.namespaces {
            let n = spec.name.as_str();
            if n.is_empty() || n.contains(':') || n.contains(char::is_whitespace) {
                self.problem(
                    Some(n),
                    n,
                    format!("namespace name `{n}` is not usable"),
                    "use a short name without spaces or `:`, e.g. \"web\"",
                );
                continue;
            }
            if self.net.ns_by_name(n).is_some() {
                self.problem(
                    Some(n),
                    n,
                    format!("namespace `{n}` is declared twice"),
                    "give each namespace a unique name",
                );
                continue;
            }
            let rules = self.ruleset(spec);
            let sysctl = self.sysctls(spec);
            let id = self.net.add_namespace(n, spec.role, sysctl, rules);
            self.resolver(id, spec);
            let lo_net = Ipv4Net::new(Ipv4Addr::LOCALHOST, 8).expect("valid prefix");
            self.net
                .add_iface(id, "lo", IfaceKind::Loopback, MacAddr::ZERO, vec![lo_net]);
            self.interfaces(id, spec);
        }
    }

    /// resolv.conf and /etc/hosts of a namespace.
    fn resolver(&mut self, ns: NsId, spec: &NamespaceSpec) {
        if let Some(text) = &spec.nameserver {
            match text.parse::<Ipv4Addr>() {
                Ok(ip) => self.net.ns_mut(ns).nameserver = Some(ip),
                Err(_) => self.problem(
                    Some(&spec.name),
                    text,
                    format!("nameserver `{text}` is not an IPv4 address"),
                    "write e.g. \"127.0.0.11\"",
                ),
            }
        }
        for (name, addr) in &spec.hosts {
            match (valid_hostname(name), addr.parse::<Ipv4Addr>()) {
                (true, Ok(ip)) => {
                    self.net
                        .ns_mut(ns)
                        .hosts
                        .insert(name.to_ascii_lowercase(), ip);
                }
                (false, _) => self.problem(
                    Some(&spec.name),
                    name,
                    format!("`{name}` is not a host name"),
                    "use letters, digits, `-` and `.`",
                ),
                (_, Err(_)) => self.problem(
                    Some(&spec.name),
                    addr,
                    format!("hosts entry `{addr}` is not an IPv4 address"),
                    "write e.g. \"192.168.65.254\"",
                ),
            }
        }
    }

    fn ruleset(&mut self, spec: &NamespaceSpec) -> Ruleset {
        match Ruleset::parse(&spec.iptables) {
            Ok(r) => r,
            Err(e) => {
                self.problems.push(Problem {
                    loc: Loc::Embedded { anchor: Some(spec.name.clone()), text: spec.iptables.clone(), line: e.line(), column: e.column() },
                    message: format!("iptables rules of `{}`: {e}", spec.name),
                    help: "rules use iptables-save syntax: `*table`, `:CHAIN POLICY [0:0]`, `-A CHAIN ...`, `COMMIT`".into(),
                });
                Ruleset::default()
            }
        }
    }

    fn sysctls(&mut self, spec: &NamespaceSpec) -> Sysctls {
        let mut s = Sysctls::new();
        for (key, &value) in &spec.sysctls {
            if let Some(range) = Sysctls::valid_range(key)
                && !range.contains(&value)
            {
                self.problem(
                    Some(&spec.name),
                    key,
                    format!("{key} = {value} is out of range"),
                    format!(
                        "the kernel accepts {} to {} (it answers EINVAL otherwise)",
                        range.start(),
                        range.end()
                    ),
                );
                continue;
            }
            let on = value != 0;
            match key.as_str() {
                "net.ipv4.ip_forward" => s.ip_forward = on,
                "net.bridge.bridge-nf-call-iptables" => s.bridge_nf_call_iptables = on,
                "net.ipv4.conf.all.route_localnet" => s.route_localnet_all = on,
                "net.ipv4.ip_local_port_range.min" => s.port_range.0 = value.clamp(1, 65535) as u16,
                "net.ipv4.ip_local_port_range.max" => s.port_range.1 = value.clamp(1, 65535) as u16,
                // In range: checked above.
                "net.ipv4.tcp_syn_retries" => s.tcp_syn_retries = value as u32,
                "net.ipv4.tcp_syn_linear_timeouts" => s.tcp_syn_linear_timeouts = value as u32,
                "net.ipv4.tcp_timestamps" => {
                    s.tcp_timestamps = on;
                    s.tcp_ts_per_pair_offset = value == 1;
                }
                "net.ipv4.tcp_sack" => s.tcp_sack = on,
                "net.ipv4.tcp_window_scaling" => s.tcp_window_scaling = on,
                k if route_localnet_iface(k).is_some() => {
                    if let (true, Some(iface)) = (on, route_localnet_iface(k)) {
                        s.route_localnet.push(iface.to_string());
                    }
                }
                other => self.problem(
                    Some(&spec.name),
                    other,
                    format!("unknown sysctl `{other}`"),
                    format!("the model knows: {}", Sysctls::KNOWN.join(", ")),
                ),
            }
        }
        if s.port_range.0 > s.port_range.1 {
            self.problem(
                Some(&spec.name),
                "net.ipv4.ip_local_port_range.min",
                format!(
                    "ip_local_port_range {}-{} is empty",
                    s.port_range.0, s.port_range.1
                ),
                "the minimum must not be above the maximum (the kernel rejects it with EINVAL)",
            );
        }
        s
    }

    fn interfaces(&mut self, ns: NsId, spec: &NamespaceSpec) {
        for i in &spec.interfaces {
            if self.net.iface_by_name(ns, &i.name).is_some() {
                self.problem(
                    Some(&spec.name),
                    &i.name,
                    format!(
                        "interface `{}` is declared twice in `{}`",
                        i.name, spec.name
                    ),
                    "interface names are unique within a namespace",
                );
                continue;
            }
            let mac = match &i.mac {
                Some(m) => match m.parse() {
                    Ok(m) => m,
                    Err(e) => {
                        self.problem(
                            Some(&spec.name),
                            m,
                            format!("{e}"),
                            "write a MAC like 02:42:ac:11:00:02",
                        );
                        MacAddr::ZERO
                    }
                },
                None => self.random_mac(),
            };
            let mut addrs = Vec::new();
            for a in &i.addrs {
                match a.parse::<Ipv4Net>() {
                    Ok(net)
                        if net.prefix_len() < 31
                            && (net.addr() == net.network() || net.addr() == net.broadcast()) =>
                    {
                        let what = if net.addr() == net.network() {
                            "network"
                        } else {
                            "broadcast"
                        };
                        self.problem(
                            Some(&spec.name),
                            a,
                            format!("`{a}` is the {what} address of its subnet {}", net.trunc()),
                            format!(
                                "pick a host address inside {}, e.g. {}",
                                net.trunc(),
                                first_host(net)
                            ),
                        );
                    }
                    Ok(net) if addrs.iter().any(|x: &Ipv4Net| x.addr() == net.addr()) => {
                        self.problem(
                            Some(&spec.name),
                            a,
                            format!("address {} is given twice on `{}`", net.addr(), i.name),
                            "remove the duplicate",
                        );
                    }
                    Ok(net) => addrs.push(net),
                    Err(_) => self.problem(
                        Some(&spec.name),
                        a,
                        format!("`{a}` is not an IPv4 address with prefix"),
                        "write it like 10.0.0.1/24",
                    ),
                }
            }
            let kind = if i.bridge {
                IfaceKind::Bridge(Default::default())
            } else {
                IfaceKind::Nic
            };
            let id = self.net.add_iface(ns, &i.name, kind, mac, addrs);
            self.net.iface_mut(id).hairpin = i.hairpin;
            self.net.iface_mut(id).transparent = i.transparent;
            match i.mtu {
                // Linux's limits for an Ethernet device (IPv4 needs 68).
                Some(m) if !(68..=65535).contains(&m) => self.problem(
                    Some(&spec.name),
                    &i.name,
                    format!("mtu {m} on `{}` is out of range", i.name),
                    "IPv4 over Ethernet takes 68 to 65535",
                ),
                Some(m) => self.net.iface_mut(id).mtu = m,
                None => {}
            }
        }
    }

    /// Resolve `ns:iface`, reporting what is missing.
    fn endpoint(&mut self, text: &str) -> Option<IfaceId> {
        let Some((ns, iface)) = text.split_once(':') else {
            self.problem(
                None,
                text,
                format!("`{text}` is not `namespace:interface`"),
                "write both names, e.g. \"host:eth0\"",
            );
            return None;
        };
        let Some(n) = self.net.ns_by_name(ns) else {
            self.problem(
                None,
                text,
                format!("unknown namespace `{ns}` in `{text}`"),
                self.ns_help(),
            );
            return None;
        };
        let found = self.net.iface_by_name(n, iface);
        if found.is_none() {
            let names: Vec<String> = self
                .net
                .ns(n)
                .ifaces
                .iter()
                .map(|&i| self.net.iface(i).name.to_string())
                .collect();
            self.problem(
                None,
                text,
                format!("namespace `{ns}` has no interface `{iface}`"),
                format!(
                    "declare it in `{ns}`'s interfaces (it has: {})",
                    names.join(", ")
                ),
            );
        }
        found
    }

    fn ns_help(&self) -> String {
        let names: Vec<&str> = self
            .net
            .namespaces
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        format!("declared namespaces: {}", names.join(", "))
    }

    fn links(&mut self, sc: &Scenario) {
        for l in &sc.links {
            let (a, b) = l.ends();
            let (Some(ia), Some(ib)) = (self.endpoint(a), self.endpoint(b)) else {
                continue;
            };
            let mut ok = true;
            for (id, text) in [(ia, a), (ib, b)] {
                let i = self.net.iface(id);
                if self.net.peer(id).is_some()
                    || matches!(i.kind, IfaceKind::Loopback | IfaceKind::Bridge(_))
                {
                    self.problem(None, text, format!("`{text}` cannot take this link (already linked, or a bridge/loopback)"), "each veth end or NIC joins exactly one link; attach veths to bridges with `master`");
                    ok = false;
                }
            }
            if !ok || ia == ib {
                continue;
            }
            let link = match l {
                LinkSpec::Veth { latency_us, .. } => {
                    self.net.iface_mut(ia).kind = IfaceKind::Veth;
                    self.net.iface_mut(ib).kind = IfaceKind::Veth;
                    Link {
                        latency_ns: latency_us.unwrap_or(VETH_LATENCY_US) * 1000,
                        bits_per_sec: VETH_BITS_PER_SEC,
                        veth: true,
                    }
                }
                LinkSpec::Wire {
                    latency_us, mbps, ..
                } => Link {
                    latency_ns: latency_us.unwrap_or(WIRE_LATENCY_US) * 1000,
                    bits_per_sec: mbps.unwrap_or(WIRE_MBPS).max(1) * 1_000_000,
                    veth: false,
                },
            };
            self.net.connect(ia, ib, link);
        }
    }

    fn masters(&mut self, sc: &Scenario) {
        for spec in &sc.namespaces {
            let Some(ns) = self.net.ns_by_name(&spec.name) else {
                continue;
            };
            for i in &spec.interfaces {
                let Some(master) = &i.master else { continue };
                let (Some(port), found) = (
                    self.net.iface_by_name(ns, &i.name),
                    self.net.iface_by_name(ns, master),
                ) else {
                    continue;
                };
                match found {
                    Some(br) if self.net.iface(br).is_bridge() && br != port => {
                        self.net.iface_mut(port).master = Some(br);
                        let mac = self.net.iface(port).mac;
                        if let IfaceKind::Bridge(state) = &mut self.net.iface_mut(br).kind {
                            state.add_port(port, mac);
                        }
                    }
                    _ => self.problem(
                        Some(&spec.name),
                        master,
                        format!(
                            "`{}` names master `{master}`, which is not a bridge in `{}`",
                            i.name, spec.name
                        ),
                        "declare the bridge with `bridge: true` in the same namespace",
                    ),
                }
            }
        }
    }

    fn addresses_unique(&mut self, sc: &Scenario) {
        let mut seen: BTreeMap<Ipv4Addr, String> = BTreeMap::new();
        for iface in &self.net.ifaces {
            for a in iface.addrs() {
                if a.addr().is_loopback() {
                    continue;
                }
                let here = self.net.ns(iface.ns).name.to_string();
                if let Some(other) = seen.insert(a.addr(), here.clone()) {
                    self.problems.push(Problem::at(
                        Some(&here),
                        &a.to_string(),
                        format!("duplicate address {}: also used in `{other}`", a.addr()),
                        "every namespace needs its own address; pick a free one in the subnet",
                    ));
                }
            }
        }
        let _ = sc;
    }

    fn routes(&mut self, sc: &Scenario) {
        for ns in 0..self.net.namespaces.len() {
            let id = NsId(ns as u32);
            // Connected routes, as the kernel adds them with each address.
            let ifaces = self.net.ns(id).ifaces.clone();
            for i in ifaces {
                let iface = self.net.iface(i);
                if matches!(iface.kind, IfaceKind::Loopback) || iface.master.is_some() {
                    continue;
                }
                for a in iface.addrs().to_vec() {
                    let r = Route {
                        dst: a.trunc(),
                        via: None,
                        dev: Some(i),
                        src: Some(a.addr()),
                        kind: RouteType::Unicast,
                        connected: true,
                    };
                    self.net.ns_mut(id).routes.add(r);
                }
            }
        }
        for spec in &sc.namespaces {
            let Some(ns) = self.net.ns_by_name(&spec.name) else {
                continue;
            };
            for text in &spec.routes {
                let r = match parse_route(text) {
                    Ok(r) => r,
                    Err(e) => {
                        let value = if e.token.is_empty() {
                            text.as_str()
                        } else {
                            e.token.as_str()
                        };
                        self.problem(
                            Some(&spec.name),
                            value,
                            format!("route `{text}`: {e}"),
                            "routes use `ip route` syntax, e.g. \"default via 10.0.0.1\"",
                        );
                        continue;
                    }
                };
                let dev = match &r.dev {
                    Some(d) => match self.net.iface_by_name(ns, d) {
                        Some(i) => Some(i),
                        None => {
                            self.problem(
                                Some(&spec.name),
                                text,
                                format!("route `{text}`: no interface `{d}` in `{}`", spec.name),
                                "name one of the namespace's interfaces",
                            );
                            continue;
                        }
                    },
                    None => None,
                };
                let dev = match (r.via, dev) {
                    (Some(gw), d) => {
                        let connected = self.net.ns(ns).routes.routes.iter().find(|c| {
                            c.connected && c.dst.contains(&gw) && d.is_none_or(|d| c.dev == Some(d))
                        });
                        match connected {
                            Some(c) => c.dev,
                            None => {
                                self.problem(Some(&spec.name), text, format!("route `{text}`: gateway {gw} is not on any directly connected subnet of `{}`", spec.name), "add an address in the gateway's subnet, or route to the gateway first");
                                continue;
                            }
                        }
                    }
                    (None, d) => d,
                };
                let route = Route {
                    dst: r.dst,
                    via: r.via,
                    dev,
                    src: r.src,
                    kind: r.kind,
                    connected: false,
                };
                self.net.ns_mut(ns).routes.add(route);
            }
        }
    }

    /// A limit of zero would stop the run before its first event.
    fn limits(&mut self, sc: &Scenario) {
        let l = &sc.limits;
        for (field, value) in [("max_events", l.max_events), ("max_time_ms", l.max_time_ms)] {
            if value == Some(0) {
                self.problem(
                    Some("limits"),
                    field,
                    format!("limits: {field} is 0, so the run would stop before it starts"),
                    "give a positive number, or leave the field out for the default",
                );
            }
        }
    }

    fn observe(&mut self, sc: &Scenario) {
        for o in &sc.observe {
            self.endpoint(o);
        }
    }

    fn apps(&mut self, sc: &Scenario) -> Apps {
        let mut apps = Apps::default();
        for spec in &sc.namespaces {
            let Some(ns) = self.net.ns_by_name(&spec.name) else {
                continue;
            };
            for p in &spec.processes {
                let (proto, port, addr, kind, name) = match p {
                    ProcessSpec::Listen {
                        proto,
                        port,
                        addr,
                        reply,
                        name,
                    } => {
                        let kind = if proto.is_tcp() {
                            SockKind::TcpListen {
                                reply: *reply,
                                relay_to: None,
                            }
                        } else {
                            SockKind::UdpListen { reply: *reply }
                        };
                        (
                            *proto,
                            *port,
                            addr,
                            kind,
                            name.clone()
                                .unwrap_or_else(|| format!("{}/{port}", proto_name(*proto))),
                        )
                    }
                    ProcessSpec::Relay {
                        proto,
                        port,
                        addr,
                        to,
                        name,
                    } => {
                        if *proto == Proto::Udp && to == "*" {
                            self.problem(
                                Some(&spec.name),
                                to,
                                "a UDP relay needs a target address".into(),
                                "write `to: \"address:port\"` (only TCP relays take `*`)",
                            );
                            continue;
                        }
                        let target = if to == "*" {
                            // The original destination of each connection.
                            Some(Target::Addr(Ipv4Addr::UNSPECIFIED, 0))
                        } else {
                            self.target(&spec.name, to, true)
                        };
                        let Some(Target::Addr(ip, p)) = target else {
                            if !to.is_empty()
                                && to
                                    .split_once(':')
                                    .is_some_and(|(h, _)| h.parse::<Ipv4Addr>().is_err())
                            {
                                self.problem(
                                    Some(&spec.name),
                                    to,
                                    format!("relay target `{to}` must be an address"),
                                    "relays connect to `address:port`",
                                );
                            }
                            continue;
                        };
                        let kind = match proto {
                            Proto::Tcp => SockKind::TcpListen {
                                reply: 0,
                                relay_to: Some((ip, p)),
                            },
                            Proto::Udp => SockKind::UdpRelay { to: (ip, p) },
                        };
                        (
                            *proto,
                            *port,
                            addr,
                            kind,
                            name.clone().unwrap_or_else(|| format!("relay/{port}")),
                        )
                    }
                    ProcessSpec::Dns {
                        port,
                        addr,
                        records,
                        upstream,
                        name,
                    } => {
                        let upstream = match upstream.as_deref().map(str::parse::<Ipv4Addr>) {
                            None => None,
                            Some(Ok(ip)) => Some(ip),
                            Some(Err(_)) => {
                                let text = upstream.as_deref().unwrap_or_default();
                                self.problem(
                                    Some(&spec.name),
                                    text,
                                    format!("DNS upstream `{text}` is not an IPv4 address"),
                                    "write e.g. \"10.12.91.1\"",
                                );
                                None
                            }
                        };
                        let mut table = BTreeMap::new();
                        for (host, ips) in records {
                            // Several addresses for one name: "172.18.0.3,172.18.0.4".
                            let parsed: Result<Vec<Ipv4Addr>, _> = ips
                                .split(',')
                                .map(|ip| ip.trim().parse::<Ipv4Addr>())
                                .collect();
                            match (valid_hostname(host), parsed) {
                                (true, Ok(list)) => {
                                    table.insert(host.to_ascii_lowercase(), list);
                                }
                                (false, _) => self.problem(
                                    Some(&spec.name),
                                    host,
                                    format!("`{host}` is not a host name"),
                                    "use letters, digits, `-` and `.`",
                                ),
                                (_, Err(_)) => self.problem(
                                    Some(&spec.name),
                                    ips,
                                    format!("DNS record `{ips}` is not an IPv4 address (or a comma-separated list of them)"),
                                    "write e.g. \"172.18.0.2\" or \"172.18.0.2,172.18.0.3\"",
                                ),
                            }
                        }
                        (
                            Proto::Udp,
                            *port,
                            addr,
                            SockKind::DnsServer {
                                records: table,
                                upstream,
                            },
                            name.clone().unwrap_or_else(|| "dns".into()),
                        )
                    }
                };
                let bind = match addr {
                    None => Ipv4Addr::UNSPECIFIED,
                    Some(a) => match a.parse::<Ipv4Addr>() {
                        Ok(ip) if ip.is_unspecified() || self.net.is_local(ns, ip) => ip,
                        Ok(ip) => {
                            self.problem(Some(&spec.name), a, format!("`{}` cannot listen on {ip}: not an address of this namespace", spec.name), "listen on one of its own addresses, or leave `addr` out for 0.0.0.0");
                            continue;
                        }
                        Err(_) => {
                            self.problem(
                                Some(&spec.name),
                                a,
                                format!("`{a}` is not an IPv4 address"),
                                "write e.g. \"127.0.0.1\"",
                            );
                            continue;
                        }
                    },
                };
                let clash = apps.on_port(ns, port).any(|(_, s)| {
                    matches!(
                        (&s.kind, proto),
                        (SockKind::TcpListen { .. }, Proto::Tcp)
                            | (
                                SockKind::UdpListen { .. } | SockKind::DnsServer { .. },
                                Proto::Udp
                            )
                    ) && (s.local.0 == bind || s.local.0.is_unspecified() || bind.is_unspecified())
                });
                if clash {
                    self.problem(Some(&spec.name), &port.to_string(), format!("port {}/{port} is already in use in `{}`", proto_name(proto), spec.name), "a second listener on the same port fails with EADDRINUSE: pick another port");
                    continue;
                }
                apps.add(Sock {
                    ns,
                    process: name.into(),
                    local: (bind, port),
                    remote: None,
                    kind,
                });
            }
        }
        for t in &sc.traffic {
            let Some(ns) = self.net.ns_by_name(t.from()) else {
                self.problem(
                    None,
                    t.from(),
                    format!("traffic from unknown namespace `{}`", t.from()),
                    self.ns_help(),
                );
                continue;
            };
            let flow = match t {
                TrafficSpec::Tcp {
                    to, sport, send, ..
                } => self.target(t.from(), to, true).map(|to| Flow::Tcp {
                    ns,
                    to,
                    sport: *sport,
                    send: *send,
                }),
                TrafficSpec::Udp {
                    to,
                    sport,
                    send,
                    count,
                    interval_ms,
                    ..
                } => self.target(t.from(), to, true).map(|to| Flow::Udp {
                    ns,
                    to,
                    sport: *sport,
                    send: *send,
                    count: *count,
                    interval: SimDuration::from_millis(*interval_ms),
                }),
                TrafficSpec::Ping {
                    to,
                    count,
                    interval_ms,
                    ttl,
                    ..
                } => self.target(t.from(), to, false).map(|to| Flow::Ping {
                    ns,
                    to,
                    count: *count,
                    interval: SimDuration::from_millis(*interval_ms),
                    ttl: ttl.unwrap_or(64),
                }),
            };
            // Keep flow indices aligned with the scenario's traffic list.
            let idle = Flow::Ping {
                ns,
                to: Target::Addr(Ipv4Addr::UNSPECIFIED, 0),
                count: 0,
                interval: SimDuration::ZERO,
                ttl: 64,
            };
            apps.push_flow(flow.unwrap_or(idle));
        }
        apps
    }

    /// `address:port` / `name:port` (or a bare address or name without `with_port`).
    fn target(&mut self, anchor: &str, text: &str, with_port: bool) -> Option<Target> {
        let (host, port) = if with_port {
            match text.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>())) {
                Some((h, Ok(p))) if p > 0 => (h, p),
                _ => {
                    self.problem(
                        Some(anchor),
                        text,
                        format!("`{text}` is not `address:port` or `name:port`"),
                        "write e.g. \"10.12.91.17:8080\" or \"db:5432\"",
                    );
                    return None;
                }
            }
        } else {
            (text, 0)
        };
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            return Some(Target::Addr(ip, port));
        }
        if valid_hostname(host) {
            return Some(Target::Name(host.to_ascii_lowercase(), port));
        }
        self.problem(
            Some(anchor),
            text,
            format!("`{host}` is neither an IPv4 address nor a host name"),
            "write e.g. \"10.0.0.2\" or \"web\"",
        );
        None
    }
}

/// The interface of a `net.ipv4.conf.<iface>.route_localnet` key.
fn route_localnet_iface(key: &str) -> Option<&str> {
    let iface = key
        .strip_prefix("net.ipv4.conf.")?
        .strip_suffix(".route_localnet")?;
    (!iface.is_empty()).then_some(iface)
}

/// Letters, digits, `-`, `_` and dots; not starting with a digit-only label that parses as
/// an address (those are addresses).
fn valid_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn proto_name(p: Proto) -> &'static str {
    if p.is_tcp() { "tcp" } else { "udp" }
}

fn first_host(net: Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()) + 1)
}
