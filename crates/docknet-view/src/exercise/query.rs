//! Observations an exercise asks about, computed from a run of the (variant) scenario.

use crate::connections;
use crate::document::Built;
use docknet_sim::docker::DockerScenario;
use docknet_sim::scenario::TrafficSpec;
use docknet_sim::trace::{Dir, TraceEvent, TraceRecord};
use docknet_sim::wire::{Frame, FramePayload, L4, UdpPayload};
use serde::{Deserialize, Serialize};

/// Which packet: the `nth` (1-based) of a protocol, optionally with TCP flags in tcpdump's
/// notation (`S`, `S.`, `P.`, `R.`, `F.`) and a direction, as seen at a capture point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sel {
    /// `tcp`, `udp`, `dns`, `icmp` or `arp`.
    pub proto: String,
    #[serde(default)]
    pub flags: Option<String>,
    /// `in` or `out`.
    #[serde(default)]
    pub dir: Option<String>,
    #[serde(default = "first")]
    pub nth: usize,
}

fn first() -> usize {
    1
}

/// A packet picked at a capture point (`name:iface`, names as the scenario writes them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketRef {
    pub at: String,
    pub packet: Sel,
}

/// What a Predict task asks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Query {
    /// A header field of a packet at a capture point: `src`, `dst` (address:port), `src_ip`,
    /// `dst_ip`, `sport`, `dport`, `ttl`, `smac`, `dmac`, `flags`.
    Field {
        at: String,
        packet: Sel,
        field: String,
    },
    /// Which `table chain` drops the packet (`filter FORWARD`), or `not dropped`.
    DroppedBy { packet: PacketRef },
    /// The iptables rule (iptables-save text) that rewrites the packet's `dst` or `src`.
    RewrittenBy { packet: PacketRef, field: String },
    /// Whether `from` can resolve `name`: `yes` or `no`.
    Resolves { from: String, name: String },
    /// Whether `from` can open a TCP connection to `to` (`name:port` or `address:port`).
    Reaches { from: String, to: String },
}

/// What a Fix task must achieve, checked by a probe connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Goal {
    Reach { from: String, to: String },
    Isolated { from: String, to: String },
}

impl Goal {
    /// Whether the goal holds for a scenario.
    pub fn holds(&self, sc: &DockerScenario) -> Result<bool, String> {
        match self {
            Goal::Reach { from, to } => probe_connect(sc, from, to),
            Goal::Isolated { from, to } => probe_connect(sc, from, to).map(|ok| !ok),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Goal::Reach { from, to } => format!("{from} must reach {to}"),
            Goal::Isolated { from, to } => format!("{from} must not reach {to}"),
        }
    }
}

/// A finished run of a scenario with its Docker names, for answering queries.
pub struct Run {
    pub built: Built,
    pub scenario: DockerScenario,
}

impl Run {
    pub fn new(sc: &DockerScenario) -> Result<Run, String> {
        let doc = crate::Document::from_docker("exercise", sc.clone());
        let mut built = doc.build().map_err(|e| e.to_string())?;
        built.sim.run_to_end();
        Ok(Run {
            built,
            scenario: sc.clone(),
        })
    }

    pub fn trace(&self) -> &[TraceRecord] {
        self.built.sim.trace()
    }

    /// `laptop:eth0` with the Docker name replaced by its namespace.
    fn point(&self, at: &str) -> Result<(String, String), String> {
        let (name, iface) = at
            .split_once(':')
            .ok_or_else(|| format!("capture point `{at}`: write NAME:IFACE, e.g. laptop:eth0"))?;
        let ns = self
            .built
            .names
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string());
        let net = &self.built.sim.net;
        let id = net.ns_by_name(&ns).ok_or_else(|| {
            format!("capture point `{at}`: nothing called `{name}` in the scenario")
        })?;
        if net.iface_by_name(id, iface).is_none() {
            let names: Vec<String> = net
                .ns(id)
                .ifaces()
                .iter()
                .map(|&i| net.iface(i).name().to_string())
                .collect();
            return Err(format!(
                "capture point `{at}`: `{name}` has no interface `{iface}` (it has: {})",
                names.join(", ")
            ));
        }
        Ok((ns, iface.to_string()))
    }

    /// The record index and frame of the selected packet at a capture point.
    pub fn find(&self, at: &str, sel: &Sel) -> Result<(usize, u64, &Frame), String> {
        let (ns, iface) = self.point(at)?;
        let mut n = 0;
        for (i, r) in self.trace().iter().enumerate() {
            let TraceEvent::Capture {
                ns: cns,
                iface: ci,
                dir,
                frame,
            } = &r.event
            else {
                continue;
            };
            if *cns != ns || *ci != iface || !sel.matches(*dir, frame) {
                continue;
            }
            n += 1;
            if n == sel.nth {
                return Ok((i, r.pkt.map_or(0, |p| p.get()), frame));
            }
        }
        Err(format!(
            "no {} packet number {} at {at} in this run",
            sel.describe(),
            sel.nth
        ))
    }

    /// The answer to a query, as text.
    pub fn answer(&self, q: &Query) -> Result<String, String> {
        match q {
            Query::Field { at, packet, field } => {
                let (_, _, frame) = self.find(at, packet)?;
                field_value(frame, field)
            }
            Query::DroppedBy { packet } => {
                let (i, pkt, _) = self.find(&packet.at, &packet.packet)?;
                Ok(self
                    .dropped_by(i, pkt)
                    .unwrap_or_else(|| "not dropped".into()))
            }
            Query::RewrittenBy { packet, field } => {
                let (i, pkt, _) = self.find(&packet.at, &packet.packet)?;
                Ok(self
                    .rewritten_by(i, pkt, field)
                    .unwrap_or_else(|| "not rewritten".into()))
            }
            Query::Resolves { from, name } => {
                probe_resolves(&self.scenario, from, name).map(yes_no)
            }
            Query::Reaches { from, to } => probe_connect(&self.scenario, from, to).map(yes_no),
        }
    }

    /// Other values of the same kind seen in the run, for multiple-choice distractors.
    pub fn alternatives(&self, q: &Query) -> Vec<String> {
        let mut out: Vec<String> = match q {
            Query::Field { packet, field, .. } => self
                .trace()
                .iter()
                .filter_map(|r| match &r.event {
                    TraceEvent::Capture { frame, .. } if packet.matches_proto(frame) => {
                        field_value(frame, field).ok()
                    }
                    _ => None,
                })
                .collect(),
            Query::DroppedBy { .. } => {
                let mut v: Vec<String> = self
                    .trace()
                    .iter()
                    .filter_map(|r| match &r.event {
                        TraceEvent::Rule { table, chain, .. } => Some(format!("{table} {chain}")),
                        _ => None,
                    })
                    .collect();
                v.push("not dropped".into());
                v
            }
            Query::RewrittenBy { .. } => self
                .trace()
                .iter()
                .filter_map(|r| match &r.event {
                    TraceEvent::Rule { hit, .. } => {
                        hit.rule().filter(|t| !t.is_empty()).map(String::from)
                    }
                    _ => None,
                })
                .chain(["not rewritten".to_string()])
                .collect(),
            Query::Resolves { .. } | Query::Reaches { .. } => vec!["yes".into(), "no".into()],
        };
        // Addresses: every interface's, so a question always has plausible distractors.
        if let Query::Field { field, .. } = q
            && (field.ends_with("_ip") || field == "answer")
        {
            let net = &self.built.sim.net;
            out.extend(
                net.ifaces()
                    .iter()
                    .flat_map(|i| i.addrs().iter().map(|a| a.addr().to_string())),
            );
        }
        out.retain(|o| !o.trim().is_empty());
        out.sort();
        out.dedup();
        out
    }

    /// `table chain` of the rule or policy that dropped `pkt` (searching from record `i`).
    fn dropped_by(&self, i: usize, pkt: u64) -> Option<String> {
        self.trace()[i..]
            .iter()
            .filter(|r| r.pkt.map(|p| p.get()) == Some(pkt))
            .find_map(|r| match &r.event {
                TraceEvent::Rule {
                    table, chain, hit, ..
                } if hit.drops() => Some(format!("{table} {chain}")),
                _ => None,
            })
    }

    /// The rule whose verdict led to the packet's NAT rewrite of `field`.
    fn rewritten_by(&self, i: usize, pkt: u64, field: &str) -> Option<String> {
        let mine: Vec<&TraceRecord> = self.trace()[i..]
            .iter()
            .filter(|r| r.pkt.map(|p| p.get()) == Some(pkt))
            .collect();
        let nat = mine.iter().position(
            |r| matches!(&r.event, TraceEvent::Nat { field: f, .. } if f.name() == field),
        )?;
        mine[..nat].iter().rev().find_map(|r| match &r.event {
            TraceEvent::Rule { hit, .. } => hit.rule().map(String::from),
            _ => None,
        })
    }

    /// The steps of a packet's path: captures at the scenario's observe points and NAT
    /// rewrites, in the order they happen.
    pub fn path(&self, p: &PacketRef) -> Result<Vec<String>, String> {
        let (i, pkt, _) = self.find(&p.at, &p.packet)?;
        let observed: Vec<(String, String)> = self
            .built
            .scenario
            .observe
            .iter()
            .filter_map(|o| {
                o.split_once(':')
                    .map(|(n, f)| (n.to_string(), f.to_string()))
            })
            .collect();
        // From the packet's first capture anywhere, not only from where it is selected.
        let start = self.trace()[..i]
            .iter()
            .position(|r| r.pkt.map(|q| q.get()) == Some(pkt))
            .unwrap_or(i);
        let names = |ns: &str| {
            self.built
                .names
                .iter()
                .find(|(n, s)| s.as_str() == ns && n.as_str() == ns)
                .or_else(|| self.built.names.iter().find(|(_, s)| s.as_str() == ns))
                .map_or(ns.to_string(), |(n, _)| n.clone())
        };
        let mut steps = Vec::new();
        for r in self.trace()[start..]
            .iter()
            .filter(|r| r.pkt.map(|q| q.get()) == Some(pkt))
        {
            match &r.event {
                TraceEvent::Capture { ns, iface, dir, .. }
                    if observed.iter().any(|(n, f)| n == ns && f == iface) =>
                {
                    let verb = if *dir == Dir::Out {
                        "leaves"
                    } else {
                        "arrives at"
                    };
                    steps.push(format!("{verb} {}:{iface}", names(ns)));
                }
                TraceEvent::Nat {
                    ns,
                    kind,
                    before,
                    after,
                    ..
                } => {
                    let kind = serde_json::to_value(kind)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default();
                    steps.push(format!("{kind} in {}: {before} -> {after}", names(ns)));
                }
                TraceEvent::Drop { ns, reason } => {
                    steps.push(format!("dropped in {}: {reason}", names(ns)))
                }
                _ => {}
            }
        }
        steps.dedup();
        Ok(steps)
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

impl Sel {
    fn matches_proto(&self, frame: &Frame) -> bool {
        let kind = crate::connections::PacketKind::of(frame);
        match self.proto.to_lowercase().as_str() {
            "tcp" => kind.protocol() == "TCP",
            "udp" => matches!(kind.protocol(), "UDP" | "DNS"),
            "dns" => kind.protocol() == "DNS",
            "icmp" => kind.protocol() == "ICMP",
            "arp" => kind.protocol() == "ARP",
            _ => false,
        }
    }

    fn matches(&self, dir: Dir, frame: &Frame) -> bool {
        if !self.matches_proto(frame) {
            return false;
        }
        if let Some(d) = &self.dir
            && !d.eq_ignore_ascii_case(dir.name())
        {
            return false;
        }
        match (&self.flags, frame.ipv4().map(|p| &p.l4)) {
            (None, _) => true,
            (Some(f), Some(L4::Tcp(t))) => t.flags.tcpdump() == *f,
            (Some(_), _) => false,
        }
    }

    fn describe(&self) -> String {
        match &self.flags {
            Some(f) => format!("{} [{f}]", self.proto),
            None => self.proto.clone(),
        }
    }
}

/// A header field as a learner writes it.
pub fn field_value(frame: &Frame, field: &str) -> Result<String, String> {
    let ip = frame.ipv4();
    let ports = ip.and_then(|p| p.ports());
    let need_ip = || ip.ok_or_else(|| format!("`{field}`: this packet has no IP header"));
    Ok(match field {
        "smac" => frame.src.to_string(),
        "dmac" => frame.dst.to_string(),
        "src" => connections::ends(need_ip()?).0,
        "dst" => connections::ends(need_ip()?).1,
        "src_ip" => need_ip()?.src.to_string(),
        "dst_ip" => need_ip()?.dst.to_string(),
        "sport" => ports.map(|p| p.0.to_string()).ok_or("`sport`: no ports")?,
        "dport" => ports.map(|p| p.1.to_string()).ok_or("`dport`: no ports")?,
        "ttl" => need_ip()?.ttl.to_string(),
        "flags" => match ip.map(|p| &p.l4) {
            Some(L4::Tcp(t)) => t.flags.tcpdump(),
            _ => return Err("`flags`: not a TCP packet".into()),
        },
        "answer" => match (&frame.payload, ip.map(|p| &p.l4)) {
            (FramePayload::Ipv4(_), Some(L4::Udp(u))) => match &u.payload {
                UdpPayload::Dns(d) => d
                    .answers
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => return Err("`answer`: not a DNS packet".into()),
            },
            _ => return Err("`answer`: not a DNS packet".into()),
        },
        other => {
            return Err(format!(
                "unknown field `{other}`: use src, dst, src_ip, dst_ip, sport, dport, ttl, smac, dmac, flags or answer"
            ));
        }
    })
}

/// Run only a probe flow (the scenario's own traffic removed) and report its socket events.
fn probe(sc: &DockerScenario, flow: TrafficSpec) -> Result<Vec<String>, String> {
    let mut sc = sc.clone();
    sc.traffic = vec![flow];
    sc.observe.clear();
    let run = Run::new(&sc)?;
    Ok(run
        .trace()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Socket { process, what, .. } if process.starts_with("client") => {
                Some(what.to_string())
            }
            _ => None,
        })
        .collect())
}

fn probe_connect(sc: &DockerScenario, from: &str, to: &str) -> Result<bool, String> {
    if !to.contains(':') {
        return Err(format!("`{to}`: write NAME:PORT or ADDRESS:PORT"));
    }
    let events = probe(
        sc,
        TrafficSpec::Tcp {
            from: from.into(),
            to: to.into(),
            sport: None,
            at_ms: 0,
            send: 16,
        },
    )?;
    Ok(events.iter().any(|e| e == "connected"))
}

fn probe_resolves(sc: &DockerScenario, from: &str, name: &str) -> Result<bool, String> {
    let events = probe(
        sc,
        TrafficSpec::Tcp {
            from: from.into(),
            to: format!("{name}:80"),
            sport: None,
            at_ms: 0,
            send: 16,
        },
    )?;
    Ok(events
        .iter()
        .any(|e| e.starts_with(&format!("resolved {name} ->"))))
}
