//! Chain walks: each packet's way through the netfilter chains of one namespace, as
//! `nft monitor trace` logs it on the kernel side and as the simulator's hook and rule
//! events record it. Both reduce to the same [`Walk`] so they can be compared.
//!
//! What the kernel's trace shows and so what a walk holds: every rule that matched with its
//! verdict (`nat DOCKER accept`, `filter FORWARD jump DOCKER-USER`), and a base chain's
//! policy when the packet reached its end. Rules that did not match and the implicit return
//! at the end of a user chain print nothing.

use docknet_sim::format::nft::nft_verdict;
use docknet_sim::netfilter::Hook;
use docknet_sim::trace::{RuleHit, TraceEvent, TraceRecord};
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// The nft table the lab adds to mark every packet for tracing; its own lines are skipped.
pub const TRACE_TABLE: &str = "docknet_trace";

/// One packet's walk through one namespace's chains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    pub packet: PacketKey,
    /// `table chain verdict`, in order.
    pub steps: Vec<String>,
}

/// The fields that identify a traced packet in a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketKey {
    pub proto: &'static str,
    pub src: Option<Ipv4Addr>,
    pub dst: Option<Ipv4Addr>,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    /// The IP id when the description has one (the kernel's does): NAT never changes it, so
    /// it ties a walk's continuation under a new trace id to its start.
    pub ip_id: Option<u16>,
}

impl PacketKey {
    /// From nft's packet description (`ip saddr A ip daddr B ... tcp sport P tcp dport Q ...`),
    /// in the kernel's words or the simulator's.
    pub fn parse(words: &[&str]) -> PacketKey {
        let after = |a: &str, b: &str| {
            words
                .windows(3)
                .find(|w| w[0] == a && w[1] == b)
                .map(|w| w[2])
        };
        let proto = ["tcp", "udp", "icmp"]
            .into_iter()
            .find(|p| words.windows(2).any(|w| w[0] == *p && w[1] != "flags"))
            .unwrap_or("ip");
        let port = |which: &str| {
            matches!(proto, "tcp" | "udp")
                .then(|| after(proto, which).and_then(|p| p.parse().ok()))
                .flatten()
        };
        PacketKey {
            proto,
            src: after("ip", "saddr").and_then(|a| a.parse().ok()),
            dst: after("ip", "daddr").and_then(|a| a.parse().ok()),
            sport: port("sport"),
            dport: port("dport"),
            ip_id: after("ip", "id").and_then(|i| i.parse().ok()),
        }
    }

    fn render(&self, fixed: &BTreeSet<u16>) -> String {
        let addr = |a: Option<Ipv4Addr>| a.map_or("?".to_string(), |a| a.to_string());
        let port = |p: Option<u16>| match p {
            Some(p) if p >= 1024 && !fixed.contains(&p) => ":E".to_string(),
            Some(p) => format!(":{p}"),
            None => String::new(),
        };
        format!(
            "{} {}{} > {}{}",
            self.proto,
            addr(self.src),
            port(self.sport),
            addr(self.dst),
            port(self.dport)
        )
    }
}

impl Walk {
    /// One line for a side-by-side diff; ports the kernel chose are normalized to `E`.
    pub fn render(&self, fixed: &BTreeSet<u16>) -> String {
        format!("{}: {}", self.packet.render(fixed), self.steps.join(", "))
    }
}

/// The walks in one namespace's `nft monitor trace` log, in the order packets entered its
/// stack. A walk starts where the lab's trace table first sees the packet (PREROUTING or
/// OUTPUT); trace ids are reused, so a new start for an id opens a new walk. An id never
/// started is a packet already seen, under a new skb: with br_netfilter, PREROUTING runs in
/// the bridge, and when tcpdump holds the frame `ip_rcv` clones it before INPUT, so the rest
/// of the walk comes under another id (itself reused from packet to packet). It joins the
/// oldest recent walk with the same IP id and protocol not yet continued (packets leave the
/// bridge in order). Walks that touched no rule and no policy are left out.
pub fn parse_nft_trace(text: &str) -> Vec<Walk> {
    /// How far back a continuation looks for its start.
    const RECENT: usize = 32;
    let mut walks: Vec<Reading> = Vec::new();
    let mut open: HashMap<&str, usize> = HashMap::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 7 || w[..2] != ["trace", "id"] || w[3] != "ip" {
            continue;
        }
        let (id, table, chain, rest) = (w[2], w[4], w[5], &w[6..]);
        if table == TRACE_TABLE {
            if rest[0] == "packet:" {
                walks.push(Reading::new(PacketKey::parse(&rest[1..]), false));
                open.insert(id, walks.len() - 1);
            }
            continue;
        }
        let key = (rest[0] == "packet:").then(|| PacketKey::parse(&rest[1..]));
        // A packet line whose IP id is not that of the id's open walk: the id was reused
        // by another skb, so this is a continuation too.
        let known = open.get(id).copied().filter(|&i| {
            key.as_ref()
                .is_none_or(|k| k.ip_id.is_none() || k.ip_id == walks[i].started.ip_id)
        });
        let i = match (known, &key) {
            (Some(i), _) => i,
            (None, Some(k)) => {
                let from = walks.len().saturating_sub(RECENT);
                let joined = (from..walks.len()).find(|&i| walks[i].continues_as(k));
                let i = joined.unwrap_or_else(|| {
                    // No start to join: keep it as a walk of its own, so a diff shows it.
                    walks.push(Reading::new(k.clone(), true));
                    walks.len() - 1
                });
                walks[i].continued = true;
                open.insert(id, i);
                i
            }
            (None, None) => continue,
        };
        // The key shown is the packet as the first real table saw it, as on the simulator's
        // side (after the trace table, before this namespace's NAT if it has a raw table).
        if let Some(k) = key
            && !walks[i].keyed
        {
            walks[i].walk.packet = k;
            walks[i].keyed = true;
        }
        let step = match rest[0] {
            "policy" => rest.get(1).map(|p| format!("{table} {chain} policy {p}")),
            "verdict" => {
                let v = rest[1..].join(" ");
                (v != "continue" && v != "return").then(|| format!("{table} {chain} {v}"))
            }
            "rule" => rule_verdict(rest).map(|v| format!("{table} {chain} {v}")),
            _ => None,
        };
        walks[i].walk.steps.extend(step);
    }
    walks
        .into_iter()
        .map(|r| r.walk)
        .filter(|w| !w.steps.is_empty())
        .collect()
}

/// A walk being read from the kernel's log, with what a continuation needs to find it.
struct Reading {
    walk: Walk,
    /// The packet as the trace table first saw it.
    started: PacketKey,
    /// A continuation under another trace id has joined it.
    continued: bool,
    /// Its key is from a real table's packet line already.
    keyed: bool,
}

impl Reading {
    fn new(key: PacketKey, keyed: bool) -> Reading {
        Reading {
            walk: Walk {
                packet: key.clone(),
                steps: Vec::new(),
            },
            started: key,
            continued: false,
            keyed,
        }
    }

    /// Whether the packet `k`, seen under an unknown trace id, is this walk's continuation.
    fn continues_as(&self, k: &PacketKey) -> bool {
        !self.continued && self.started.ip_id == k.ip_id && self.started.proto == k.proto
    }
}

/// The verdict at the end of a `rule ... (verdict jump DOCKER)` line.
fn rule_verdict(rest: &[&str]) -> Option<String> {
    let at = rest.iter().rposition(|w| *w == "(verdict")?;
    let v = rest[at + 1..].join(" ");
    Some(v.trim_end_matches(')').to_string())
}

/// Whether a packet at hook `last` can reach hook `next` on the same pass through a stack.
fn follows(last: Hook, next: Hook) -> bool {
    use Hook::*;
    last == next
        || matches!(
            (last, next),
            (Prerouting, Input | Forward | Postrouting) | (Forward | Output, Postrouting)
        )
}

/// The simulator's walks in namespace `ns`, in the same shape: a walk starts when a packet
/// enters the namespace's stack (its first hook with a table there).
pub fn sim_walks(records: &[TraceRecord], ns: &str) -> Vec<Walk> {
    let mut walks: Vec<Walk> = Vec::new();
    // Per packet: the hook it was last seen at, and its open walk.
    let mut open: HashMap<u64, (Hook, usize)> = HashMap::new();
    for r in records {
        let Some(pkt) = r.pkt.map(|p| p.get()) else {
            continue;
        };
        match &r.event {
            TraceEvent::Hook {
                ns: n,
                hook,
                packet,
                ..
            } if n == ns => {
                // A hook that cannot follow the last one means the packet entered the stack
                // again, e.g. through `lo`.
                let entering = open
                    .get(&pkt)
                    .is_none_or(|(last, _)| !follows(*last, *hook));
                if entering {
                    let packet = packet.packet.to_string();
                    let words: Vec<&str> = packet.split_whitespace().collect();
                    walks.push(Walk {
                        packet: PacketKey::parse(&words),
                        steps: Vec::new(),
                    });
                    open.insert(pkt, (*hook, walks.len() - 1));
                } else if let Some(entry) = open.get_mut(&pkt) {
                    entry.0 = *hook;
                }
            }
            TraceEvent::Rule {
                ns: n,
                table,
                chain,
                hit,
                ..
            } if n == ns => {
                let Some((_, i)) = open.get(&pkt) else {
                    continue;
                };
                let step = match &**hit {
                    RuleHit::Policy(p) => {
                        format!("{table} {chain} policy {}", p.as_str().to_lowercase())
                    }
                    // The implicit return of a user chain: nft prints nothing.
                    RuleHit::ChainEnd => continue,
                    RuleHit::Matched { action, .. } => {
                        format!("{table} {chain} {}", nft_verdict(action))
                    }
                };
                walks[*i].steps.push(step);
            }
            _ => {}
        }
    }
    walks.retain(|w| !w.steps.is_empty());
    walks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as `nft monitor trace` printed them in the lab (shortened packet fields).
    const KERNEL: &str = r#"trace id 5d87ee1b ip docknet_trace pre packet: iif "eth0" ip saddr 10.0.1.2 ip daddr 10.0.1.1 ip ttl 64 tcp sport 40000 tcp dport 8080 tcp flags == syn
trace id 5d87ee1b ip docknet_trace pre rule meta nftrace set 1 (verdict continue)
trace id 5d87ee1b ip docknet_trace pre policy accept 
trace id 5d87ee1b ip nat PREROUTING packet: iif "eth0" ip saddr 10.0.1.2 ip daddr 10.0.1.1 tcp sport 40000 tcp dport 8080 tcp flags == syn
trace id 5d87ee1b ip nat PREROUTING rule ip daddr 10.0.1.1 counter packets 0 bytes 0 jump DOCKER (verdict jump DOCKER)
trace id 5d87ee1b ip nat DOCKER rule tcp dport 8080 counter packets 0 bytes 0 dnat to 10.0.2.2:80 (verdict accept)
trace id 5d87ee1b ip filter FORWARD rule tcp dport 80 counter packets 0 bytes 0 accept (verdict accept)
trace id 5d87ee1b ip nat POSTROUTING rule oifname "eth1" counter packets 0 bytes 0 masquerade (verdict accept)
trace id 63ff32fb ip docknet_trace pre packet: iif "eth1" ip saddr 10.0.2.2 ip daddr 10.0.2.1 tcp sport 80 tcp dport 40000 tcp flags == 0x12
trace id 63ff32fb ip filter FORWARD rule ct state related,established counter packets 0 bytes 0 accept (verdict accept)
trace id 5d87ee1b ip docknet_trace pre packet: iif "eth0" ip saddr 10.0.1.2 ip daddr 10.0.1.1 icmp type echo-request
trace id 5d87ee1b ip raw PREROUTING packet: iif "eth0" ip saddr 10.0.1.2 ip daddr 10.0.1.1 icmp type echo-request
trace id 5d87ee1b ip raw PREROUTING policy accept 
trace id 3ecb60bb ip docknet_trace pre packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 172.17.0.1 ip id 7 tcp sport 80 tcp dport 40000
trace id 3ecb60bb ip raw PREROUTING packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 172.17.0.1 ip id 7 tcp sport 80 tcp dport 40000
trace id 3ecb60bb ip raw PREROUTING policy accept 
trace id 4ecb60bb ip docknet_trace pre packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 172.17.0.1 ip id 8 udp sport 53 udp dport 40000
trace id 4ecb60bb ip raw PREROUTING packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 172.17.0.1 ip id 8 udp sport 53 udp dport 40000
trace id 4ecb60bb ip raw PREROUTING policy accept 
trace id a3be4f14 ip filter INPUT packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 127.0.0.1 ip id 7 tcp sport 80 tcp dport 40000
trace id a3be4f14 ip filter INPUT policy accept 
trace id b3be4f14 ip filter INPUT packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 127.0.0.1 ip id 8 udp sport 53 udp dport 40000
trace id b3be4f14 ip filter INPUT rule udp sport 53 counter packets 0 bytes 0 drop (verdict drop)
trace id 3ecb60bb ip docknet_trace pre packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 172.17.0.1 ip id 9 tcp sport 80 tcp dport 40000
trace id 3ecb60bb ip raw PREROUTING packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 172.17.0.1 ip id 9 tcp sport 80 tcp dport 40000
trace id 3ecb60bb ip raw PREROUTING policy accept 
trace id a3be4f14 ip filter INPUT packet: iif "docker0" ip saddr 172.17.0.2 ip daddr 127.0.0.1 ip id 9 tcp sport 80 tcp dport 40000
trace id a3be4f14 ip filter INPUT policy accept 
trace id 77777777 ip docknet_trace out packet: oif "eth1" ip saddr 10.0.2.1 ip daddr 10.0.2.2 udp sport 5353 udp dport 53
"#;

    #[test]
    fn kernel_trace_splits_into_walks_per_packet() {
        let walks = parse_nft_trace(KERNEL);
        let fixed = BTreeSet::from([40000, 8080]);
        let lines: Vec<String> = walks.iter().map(|w| w.render(&fixed)).collect();
        assert_eq!(
            lines,
            [
                "tcp 10.0.1.2:40000 > 10.0.1.1:8080: nat PREROUTING jump DOCKER, nat DOCKER accept, \
                 filter FORWARD accept, nat POSTROUTING accept",
                "tcp 10.0.2.2:80 > 10.0.2.1:40000: filter FORWARD accept",
                // A reused trace id starts a new walk; the packet with no table left out.
                "icmp 10.0.1.2 > 10.0.1.1: raw PREROUTING policy accept",
                // A packet under a cloned skb's new id continues its own walk, found by IP
                // id even when another packet's walk started in between.
                "tcp 172.17.0.2:80 > 172.17.0.1:40000: raw PREROUTING policy accept, \
                 filter INPUT policy accept",
                "udp 172.17.0.2:53 > 172.17.0.1:40000: raw PREROUTING policy accept, \
                 filter INPUT drop",
                // The clone's id reused by the next packet: still that packet's own walk.
                "tcp 172.17.0.2:80 > 172.17.0.1:40000: raw PREROUTING policy accept, \
                 filter INPUT policy accept",
            ]
        );
    }

    #[test]
    fn ephemeral_ports_are_normalized_in_the_rendering() {
        let w = &parse_nft_trace(KERNEL)[0];
        assert!(
            w.render(&BTreeSet::new())
                .starts_with("tcp 10.0.1.2:E > 10.0.1.1:E:")
        );
    }

    #[test]
    fn the_simulators_walks_have_the_kernels_shape() {
        let (_, mut sim) = docknet_sim::load(
            "walks.ron",
            r#"Scenario(
                namespaces: [
                    (name: "a", interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])]),
                    (name: "b", interfaces: [(name: "eth0", addrs: ["10.0.0.2/24"])],
                     processes: [Listen(proto: Tcp, port: 80)],
                     iptables: "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:CHECK - [0:0]\n-A INPUT -j CHECK\n-A INPUT -p tcp --dport 80 -j ACCEPT\nCOMMIT\n"),
                ],
                links: [Wire(a: "a:eth0", b: "b:eth0")],
                traffic: [Tcp(from: "a", to: "10.0.0.2:80", sport: 40000)],
            )"#,
        )
        .expect("valid scenario");
        sim.run_to_end();
        let walks = sim_walks(sim.trace(), "b");
        let fixed = BTreeSet::from([40000, 80]);
        assert_eq!(
            walks[0].render(&fixed),
            "tcp 10.0.0.1:40000 > 10.0.0.2:80: filter INPUT jump CHECK, filter INPUT accept",
            "the empty CHECK chain's return prints nothing"
        );
        assert_eq!(
            walks[1].render(&fixed),
            "tcp 10.0.0.2:80 > 10.0.0.1:40000: filter OUTPUT policy accept"
        );
        assert!(sim_walks(sim.trace(), "a").is_empty(), "a has no rules");
    }
}
