//! Kernel state in the text formats of `ip addr`, `ip route`, `ip neigh`, `bridge fdb`,
//! `iptables-save` and `conntrack -L`.

use crate::ids::{IfaceId, NsId};
use crate::model::route::RouteType;
use crate::model::{IfaceKind, Net};
use crate::time::SimTime;
use std::fmt::Write as _;

/// The views `docknet show` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Addr,
    Route,
    IptablesSave,
    /// `iptables -t T -L -n -v` for every table in use: per-rule counters.
    IptablesList,
    Conntrack,
    Neigh,
    Fdb,
}

impl View {
    pub const NAMES: &'static [&'static str] = &[
        "addr",
        "route",
        "iptables-save",
        "iptables-L",
        "conntrack",
        "neigh",
        "fdb",
    ];

    pub fn parse(s: &str) -> Option<View> {
        Some(match s {
            "addr" => View::Addr,
            "route" => View::Route,
            "iptables-save" => View::IptablesSave,
            "iptables-L" => View::IptablesList,
            "conntrack" => View::Conntrack,
            "neigh" => View::Neigh,
            "fdb" => View::Fdb,
            _ => return None,
        })
    }
}

pub fn view(net: &Net, ns: NsId, v: View, now: SimTime) -> String {
    match v {
        View::Addr => addr(net, ns),
        View::Route => route(net, ns),
        View::IptablesSave => net.ns(ns).rules.iptables_save(),
        View::IptablesList => {
            let rules = &net.ns(ns).rules;
            let lists: Vec<String> = rules
                .tables()
                .map(|t| {
                    format!(
                        "# iptables -t {} -L -n -v\n{}",
                        t.name(),
                        rules.list_verbose(t.name())
                    )
                })
                .collect();
            lists.join("\n")
        }
        View::Conntrack => net.ns(ns).conntrack.list(now),
        View::Neigh => neigh(net, ns, now),
        View::Fdb => fdb(net, ns, now),
    }
}

/// Interface index within its namespace (lo is 1), as `ip link` numbers them.
fn ifindex(net: &Net, id: IfaceId) -> usize {
    let i = net.iface(id);
    net.ns(i.ns)
        .ifaces
        .iter()
        .position(|&x| x == id)
        .map_or(0, |p| p + 1)
}

pub fn addr(net: &Net, ns: NsId) -> String {
    let mut s = String::new();
    for &id in &net.ns(ns).ifaces {
        let i = net.iface(id);
        let idx = ifindex(net, id);
        let (flags, mtu, state) = match i.kind {
            IfaceKind::Loopback => ("LOOPBACK,UP,LOWER_UP", 65536, "UNKNOWN"),
            _ => ("BROADCAST,MULTICAST,UP,LOWER_UP", i.mtu, "UP"),
        };
        let peer = match (&i.kind, net.peer(id)) {
            (IfaceKind::Veth, Some((p, _))) => format!("@if{}", ifindex(net, p)),
            _ => String::new(),
        };
        let master = i
            .master
            .map(|m| format!(" master {}", net.iface(m).name))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{idx}: {}{peer}: <{flags}> mtu {mtu} qdisc noqueue{master} state {state} group default qlen 1000",
            i.name
        );
        match i.kind {
            IfaceKind::Loopback => {
                let _ = writeln!(
                    s,
                    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
                );
            }
            _ => {
                let _ = writeln!(s, "    link/ether {} brd ff:ff:ff:ff:ff:ff", i.mac);
            }
        }
        for a in i.addrs() {
            let scope = if a.addr().is_loopback() {
                "host"
            } else {
                "global"
            };
            let brd = if a.prefix_len() < 31 && !a.addr().is_loopback() {
                format!(" brd {}", a.broadcast())
            } else {
                String::new()
            };
            let _ = writeln!(s, "    inet {a}{brd} scope {scope} {}", i.name);
            let _ = writeln!(s, "       valid_lft forever preferred_lft forever");
        }
    }
    s
}

pub fn route(net: &Net, ns: NsId) -> String {
    let mut routes: Vec<_> = net.ns(ns).routes.routes.iter().collect();
    // `ip route` lists the default route first, then by prefix.
    routes.sort_by_key(|r| {
        (
            r.dst.prefix_len() != 0,
            u32::from(r.dst.network()),
            r.dst.prefix_len(),
        )
    });
    let mut s = String::new();
    for r in routes {
        let dst = if r.dst.prefix_len() == 0 {
            "default".to_string()
        } else {
            r.dst.to_string()
        };
        let kind = match r.kind {
            RouteType::Unicast => "",
            RouteType::Blackhole => "blackhole ",
            RouteType::Unreachable => "unreachable ",
            RouteType::Prohibit => "prohibit ",
        };
        let mut line = format!("{kind}{dst} ");
        if let Some(v) = r.via {
            let _ = write!(line, "via {v} ");
        }
        if let Some(d) = r.dev {
            let _ = write!(line, "dev {} ", net.iface(d).name);
        }
        if r.connected {
            line.push_str("proto kernel scope link ");
        }
        if let Some(src) = r.src {
            let _ = write!(line, "src {src} ");
        }
        s.push_str(&line);
        s.push('\n');
    }
    s
}

pub fn neigh(net: &Net, ns: NsId, now: SimTime) -> String {
    let mut s = String::new();
    for ((iface, ip), e) in &net.ns(ns).neigh.entries {
        let dev = &net.iface(*iface).name;
        match e.mac() {
            Some(mac) => {
                let _ = writeln!(s, "{ip} dev {dev} lladdr {mac} {}", e.state_name(now));
            }
            None => {
                let _ = writeln!(s, "{ip} dev {dev}  {}", e.state_name(now));
            }
        }
    }
    s
}

/// `bridge fdb show`: learned entries, then each port's own MAC as permanent.
pub fn fdb(net: &Net, ns: NsId, now: SimTime) -> String {
    let mut s = String::new();
    for &id in &net.ns(ns).ifaces {
        let br = net.iface(id);
        let IfaceKind::Bridge(state) = &br.kind else {
            continue;
        };
        for (mac, e) in &state.fdb {
            if state.lookup(*mac, now).is_some() && !state.is_port_mac(*mac) {
                let _ = writeln!(
                    s,
                    "{mac} dev {} master {} ",
                    net.iface(e.port).name,
                    br.name
                );
            }
        }
        for &p in &state.ports {
            let _ = writeln!(
                s,
                "{} dev {} master {} permanent",
                net.iface(p).mac,
                net.iface(p).name,
                br.name
            );
        }
    }
    s
}
