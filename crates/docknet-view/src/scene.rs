//! The packets to draw at one moment of the timeline, computed from the shown records and the
//! clock: frames on cables (positioned by the link's transmit and receive times), the packet the
//! last record is about inside its namespace's stack or on a bridge, and recent drops.

use crate::connections::{self, Connections, PacketKind};
use crate::labels::{self, LabelKind};
use crate::layout::{Layout, Point, Rect};
use crate::stack::{self, Station};
use docknet_sim::time::SimTime;
use docknet_sim::trace::{BridgeAction, Dir, NatField, TraceEvent, TraceRecord};
use docknet_sim::wire::Frame;

/// How far back (in records) the scene looks for frames on the wire and recent drops.
const WINDOW: usize = 5000;
/// A drop stays marked for this many records after it happened.
const DROP_VISIBLE: usize = 40;
/// A NAT rewrite counts as just happened for this many records (the app flashes it).
const NAT_FRESH: usize = 3;

/// How one part of a label is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanStyle {
    Plain,
    /// The address before a NAT rewrite, struck through.
    Struck,
    /// The address a NAT rewrite wrote, highlighted.
    Rewritten,
    /// What the packet is (`TCP [S]`), after the addresses.
    What,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: SpanStyle,
}

fn span(text: impl Into<String>, style: SpanStyle) -> Span {
    Span {
        text: text.into(),
        style,
    }
}

/// Where a packet is.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    /// On a cable between two interfaces, `frac` of the way.
    Cable {
        from: (String, String),
        to: (String, String),
        frac: f32,
    },
    /// Being processed by a namespace's stack (routing, netfilter, sockets).
    Stack { ns: String },
    /// At one of the kernel's stations drawn in the namespace's box (in `table` when given).
    Station {
        ns: String,
        station: Station,
        table: Option<String>,
    },
    /// Crossing a bridge.
    Bridge { ns: String, bridge: String },
    /// Seen by a capture at an interface.
    Port { ns: String, iface: String },
}

/// A packet marker.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub pkt: u64,
    pub pos: Point,
    pub place: Place,
    pub kind: PacketKind,
    pub connection: Option<usize>,
    pub label: Vec<Span>,
    /// The packet the last shown record is about.
    pub current: bool,
    /// A NAT rewrite of this packet is among the last few records.
    pub fresh_nat: bool,
    /// Where its header card is drawn (free space, joined to the marker by a leader line);
    /// None when it is not labelled.
    pub card: Option<Rect>,
}

impl Marker {
    /// The label as plain text (`~old~` for struck parts), for tests and tooltips.
    pub fn text(&self) -> String {
        self.label
            .iter()
            .map(|s| match s.style {
                SpanStyle::Struck => format!("~{}~", s.text),
                _ => s.text.clone(),
            })
            .collect()
    }
}

/// A drop, marked where it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct DropMark {
    pub ns: String,
    pub reason: String,
    pub pos: Point,
    pub record: usize,
    /// The rule that dropped it, in short form, when a rule did.
    pub rule: Option<String>,
    /// Where the reason is written.
    pub card: Rect,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    pub markers: Vec<Marker>,
    pub drops: Vec<DropMark>,
    /// The namespace the last record happened in.
    pub active_ns: Option<String>,
    /// The stations the current packet has passed in its current namespace, in order.
    pub path: Option<(String, Vec<Station>)>,
}

/// Markers whose header card is drawn: the current packet's, and every one while few are
/// on screen.
pub const LABEL_ALL_BELOW: usize = 12;

/// The scene after `shown` records at `clock`. While `stepping` (paused), a frame whose link
/// record is the last one shown is drawn halfway along its cable rather than at its start.
pub fn compute(
    layout: &Layout,
    shown: &[TraceRecord],
    clock: SimTime,
    conns: &Connections,
    stepping: bool,
) -> Scene {
    let mut scene = Scene {
        active_ns: shown.last().map(|r| r.event.ns().to_string()),
        ..Scene::default()
    };
    let start = shown.len().saturating_sub(WINDOW);
    let current_pkt = shown.last().and_then(|r| r.pkt).map(|p| p.get());
    let mut on_cable = Vec::new();
    for i in start..shown.len() {
        let r = &shown[i];
        let TraceEvent::Link(hop) = &r.event else {
            continue;
        };
        let (from_ns, from_iface) = (hop.from_ns().as_str(), hop.from_iface().as_str());
        let (to_ns, to_iface) = (hop.to_ns().as_str(), hop.to_iface().as_str());
        let (tx_start, rx_end) = (hop.tx_start(), hop.rx_end());
        if rx_end <= clock {
            continue;
        }
        let Some(pkt) = r.pkt.map(|p| p.get()) else {
            continue;
        };
        let Some((cable, reversed)) = layout.cable((from_ns, from_iface), (to_ns, to_iface)) else {
            continue;
        };
        let span_ns = rx_end.0.saturating_sub(tx_start.0).max(1) as f64;
        let mut frac = (clock.0.saturating_sub(tx_start.0) as f64 / span_ns) as f32;
        if stepping && i + 1 == shown.len() {
            frac = frac.max(0.5);
        }
        let Some(frame) = frame_before(shown, i, pkt, Some((from_ns, from_iface))) else {
            continue;
        };
        on_cable.push(pkt);
        let (label, fresh_nat) = label_with_nat(shown, i, pkt, from_ns, &Desc::of_frame(frame));
        scene.markers.push(Marker {
            pkt,
            pos: cable.point_at(frac, reversed),
            place: Place::Cable {
                from: (from_ns.to_string(), from_iface.to_string()),
                to: (to_ns.to_string(), to_iface.to_string()),
                frac,
            },
            kind: PacketKind::of(frame),
            connection: conns.of(pkt),
            label,
            current: current_pkt == Some(pkt),
            fresh_nat,
            card: None,
        });
    }
    if let (Some(pkt), Some(last)) = (current_pkt, shown.last())
        && !on_cable.contains(&pkt)
        && let Some(m) = stack_marker(layout, shown, pkt, last, conns)
    {
        scene.markers.push(m);
    }
    if let (Some(pkt), Some(last)) = (current_pkt, shown.last()) {
        let ns = last.event.ns();
        if layout.ns_box(ns).is_some_and(|b| b.stack.is_some()) {
            let visit = crate::netfilter::visit(shown, pkt, ns);
            let path = stack::path_of(&visit);
            if !path.is_empty() {
                scene.path = Some((ns.to_string(), path));
            }
        }
    }
    let mut taken: Vec<Rect> = Vec::new();
    for (i, r) in shown
        .iter()
        .enumerate()
        .skip(shown.len().saturating_sub(DROP_VISIBLE))
    {
        if let TraceEvent::Drop { ns, reason } = &r.event
            && let Some(b) = layout.ns_box(ns)
        {
            let pkt = r.pkt.map(|p| p.get());
            let visit = pkt.map_or(Vec::new(), |p| crate::netfilter::visit(&shown[..=i], p, ns));
            let pos = match (&b.stack, stack::station_of(&visit)) {
                (Some(strip), Some((st, table))) => strip.marker_pos(st, table.as_deref()),
                _ => [b.rect.x + b.rect.w - 40.0, b.rect.y + 20.0],
            };
            let rule = visit.iter().rev().find_map(|r| match &r.event {
                TraceEvent::Rule {
                    table, chain, hit, ..
                } if hit.drops() => Some(format!(
                    "{table} {chain}: {}",
                    short_rule(&hit.to_string(), chain)
                )),
                _ => None,
            });
            let text = drop_text(reason, rule.as_deref());
            let card = place_card(layout, &taken, pos, &text, LabelKind::Packet.px());
            taken.push(card);
            scene.drops.push(DropMark {
                ns: ns.to_string(),
                reason: reason.to_string(),
                pos,
                record: i,
                rule,
                card,
            });
        }
    }
    // Header cards: the current packet first, then the others while few are shown.
    let few = scene.markers.len() < LABEL_ALL_BELOW;
    let mut order: Vec<usize> = (0..scene.markers.len()).collect();
    order.sort_by_key(|&k| !scene.markers[k].current);
    for k in order {
        let m = &scene.markers[k];
        if !(m.current || few) {
            continue;
        }
        let card = place_card(layout, &taken, m.pos, &m.text(), LabelKind::Packet.px());
        taken.push(card);
        scene.markers[k].card = Some(card);
    }
    scene
}

/// A drop card's longest line, in characters, and its most lines (the last cut with `…`).
pub const DROP_CARD_COLUMNS: usize = 70;
pub const DROP_CARD_LINES: usize = 5;

/// What a drop's card says, wrapped to the card's width: the rule that dropped it, else the
/// reason (the caption has both in full).
pub fn drop_text(reason: &str, rule: Option<&str>) -> String {
    let text = match rule {
        Some(r) => format!("DROP by {r}"),
        None => format!("DROP: {reason}"),
    };
    labels::wrap(&text, DROP_CARD_COLUMNS, DROP_CARD_LINES)
}

/// A rule without its `-A CHAIN` and the `-m tcp` that iptables-save adds.
pub fn short_rule(rule: &str, chain: &str) -> String {
    let r = rule
        .strip_prefix(&format!("-A {chain} "))
        .unwrap_or(rule)
        .replace(" -m tcp", "")
        .replace(" -m udp", "");
    r.trim().to_string()
}

/// How far (world units) beyond its own size a card may be placed from its marker.
const SEARCH: f32 = 420.0;

/// Padding around a card's text.
pub const CARD_PAD: f32 = 6.0;

/// A rectangle for a card of `text` near `pos` that covers no text of the picture nor another
/// card and stays inside the picture: the nearest free place around the marker, else the
/// nearest free place anywhere in the picture (a grid search), else the least covering one.
fn place_card(layout: &Layout, taken: &[Rect], pos: Point, text: &str, px: f32) -> Rect {
    let (w, h) = labels::text_size(text, px);
    let (w, h) = (w + 2.0 * CARD_PAD, h + 2.0 * CARD_PAD);
    // Inside what the fitted camera shows, and not too far from the marker.
    let area = layout.bounds.grown(crate::layout::FIT_MARGIN - 4.0);
    let near = Rect {
        x: pos[0] - w - SEARCH,
        y: pos[1] - h - SEARCH,
        w: 2.0 * (w + SEARCH),
        h: 2.0 * (h + SEARCH),
    };
    let nearby: Vec<&Rect> = layout
        .labels
        .iter()
        .map(|l| &l.rect)
        .chain(taken)
        .filter(|r| r.intersects(&near))
        .collect();
    let covered =
        |r: &Rect| nearby.iter().filter(|l| l.intersects(r)).count() + usize::from(r.contains(pos));
    let mut best: Option<(usize, f32, Rect)> = None;
    let consider = |best: &mut Option<(usize, f32, Rect)>, r: Rect| {
        if !r.inside(&area) {
            return;
        }
        let c = covered(&r);
        let d = distance(pos, &r);
        if best.is_none_or(|(bc, bd, _)| (c, d) < (bc, bd)) {
            *best = Some((c, d, r));
        }
    };
    for d in [24.0f32, 44.0] {
        for [x, y] in [
            [pos[0] - w / 2.0, pos[1] - d - h],
            [pos[0] - w / 2.0, pos[1] + d],
            [pos[0] + d, pos[1] - h / 2.0],
            [pos[0] - d - w, pos[1] - h / 2.0],
        ] {
            consider(&mut best, Rect { x, y, w, h });
        }
    }
    if best.is_none_or(|(c, _, _)| c > 0) {
        let step = 16.0;
        let (x0, y0) = (area.x.max(near.x), area.y.max(near.y));
        let (x1, y1) = (
            (area.x + area.w).min(near.x + near.w),
            (area.y + area.h).min(near.y + near.h),
        );
        let mut y = y0;
        while y + h <= y1 {
            let mut x = x0;
            while x + w <= x1 {
                consider(&mut best, Rect { x, y, w, h });
                x += step;
            }
            y += step;
        }
    }
    best.map_or(
        Rect {
            x: pos[0] - w / 2.0,
            y: pos[1] - 36.0 - h,
            w,
            h,
        },
        |(_, _, r)| r,
    )
}

/// How far a point is from a rectangle (0 inside).
fn distance(p: Point, r: &Rect) -> f32 {
    let dx = (r.x - p[0]).max(p[0] - (r.x + r.w)).max(0.0);
    let dy = (r.y - p[1]).max(p[1] - (r.y + r.h)).max(0.0);
    (dx * dx + dy * dy).sqrt()
}

/// The marker for the packet the last record is about, where that record puts it.
fn stack_marker(
    layout: &Layout,
    shown: &[TraceRecord],
    pkt: u64,
    last: &TraceRecord,
    conns: &Connections,
) -> Option<Marker> {
    let ns = last.event.ns().to_string();
    let (place, pos) = match &last.event {
        TraceEvent::Capture { ns, iface, .. } => {
            let p = layout.port(ns, iface)?;
            (
                Place::Port {
                    ns: ns.to_string(),
                    iface: iface.to_string(),
                },
                p.pos,
            )
        }
        TraceEvent::Bridge {
            ns,
            bridge,
            in_port,
            action,
        } => {
            let bar = layout.bridge(ns, bridge)?;
            let port_x = |name: &str| layout.port(ns, name).map(|p| p.pos[0]);
            let x = match action {
                BridgeAction::Forward { port } => {
                    (port_x(in_port).unwrap_or(bar.rect.x) + port_x(port).unwrap_or(bar.rect.x))
                        / 2.0
                }
                _ => port_x(in_port).unwrap_or(bar.rect.center()[0]),
            };
            (
                Place::Bridge {
                    ns: ns.to_string(),
                    bridge: bridge.to_string(),
                },
                [x, bar.rect.center()[1]],
            )
        }
        TraceEvent::FdbLearn {
            ns, bridge, port, ..
        } => {
            let bar = layout.bridge(ns, bridge)?;
            let x = layout
                .port(ns, port)
                .map_or(bar.rect.center()[0], |p| p.pos[0]);
            (
                Place::Bridge {
                    ns: ns.to_string(),
                    bridge: bridge.to_string(),
                },
                [x, bar.rect.center()[1]],
            )
        }
        TraceEvent::Link { .. } => return None,
        _ => {
            let b = layout.ns_box(&ns)?;
            let visit = crate::netfilter::visit(shown, pkt, &ns);
            match (&b.stack, stack::station_of(&visit)) {
                (Some(strip), Some((station, table))) => (
                    Place::Station {
                        ns: ns.clone(),
                        station,
                        table: table.clone(),
                    },
                    strip.marker_pos(station, table.as_deref()),
                ),
                // A namespace drawn without stations: the packet sits right of the title.
                _ => (
                    Place::Stack { ns: ns.clone() },
                    [b.rect.x + b.rect.w - 30.0, b.rect.y + 30.0],
                ),
            }
        }
    };
    let desc = match frame_before(shown, shown.len(), pkt, None) {
        Some(frame) => Desc::of_frame(frame),
        None => shown
            .iter()
            .rev()
            .take(WINDOW)
            .find_map(|r| match &r.event {
                TraceEvent::Hook { packet, .. } if r.pkt.map(|p| p.get()) == Some(pkt) => {
                    Some(Desc::of_hook(&packet.packet.to_string()))
                }
                _ => None,
            })?,
    };
    let (label, fresh_nat) = label_with_nat(shown, shown.len(), pkt, &ns, &desc);
    Some(Marker {
        pkt,
        pos,
        place,
        kind: desc.kind,
        connection: conns.of(pkt),
        label,
        current: true,
        fresh_nat,
        card: None,
    })
}

/// The last frame captured for `pkt` before record `i` (at `at` when given).
fn frame_before<'a>(
    shown: &'a [TraceRecord],
    i: usize,
    pkt: u64,
    at: Option<(&str, &str)>,
) -> Option<&'a Frame> {
    shown[..i]
        .iter()
        .rev()
        .take(WINDOW)
        .find_map(|r| match &r.event {
            TraceEvent::Capture {
                ns, iface, frame, ..
            } if r.pkt.map(|p| p.get()) == Some(pkt)
                && at.is_none_or(|(n, f)| n == ns && f == iface) =>
            {
                Some(&**frame)
            }
            _ => None,
        })
}

/// What a label says about a packet: its two ends (none for ARP) and what it is.
struct Desc {
    ends: Option<(String, String)>,
    what: String,
    kind: PacketKind,
}

impl Desc {
    fn of_frame(frame: &Frame) -> Desc {
        Desc {
            ends: frame.ipv4().map(connections::ends),
            what: connections::what(frame),
            kind: PacketKind::of(frame),
        }
    }

    /// From a hook record's `ip saddr A ip daddr B ... tcp sport X tcp dport Y tcp flags == syn`,
    /// for a locally generated packet not captured anywhere yet.
    fn of_hook(packet: &str) -> Desc {
        let words: Vec<&str> = packet.split_whitespace().collect();
        let after = |key: &str| {
            words
                .iter()
                .position(|w| *w == key)
                .and_then(|i| words.get(i + 1))
                .copied()
        };
        let proto = after("protocol").unwrap_or("ip");
        let with_port = |ip: Option<&str>, port: Option<&str>| match (ip, port) {
            (Some(ip), Some(p)) => format!("{ip}:{p}"),
            (Some(ip), None) => ip.to_string(),
            _ => "?".into(),
        };
        let (sport, dport) = (after("sport"), after("dport"));
        let flags = words
            .iter()
            .position(|w| *w == "flags")
            .and_then(|i| words.get(i + 2))
            .copied();
        let (kind, what) = match proto {
            "tcp" => {
                let control = flags
                    .is_some_and(|f| f.contains("syn") || f.contains("fin") || f.contains("rst"));
                let kind = if control {
                    PacketKind::TcpControl
                } else {
                    PacketKind::TcpData
                };
                (
                    kind,
                    format!("TCP {}", flags.unwrap_or(""))
                        .trim_end()
                        .to_string(),
                )
            }
            "udp" if dport == Some("53") => (PacketKind::Dns, "DNS query".to_string()),
            "udp" => (PacketKind::Udp, "UDP".to_string()),
            _ => (PacketKind::Icmp, proto.to_uppercase()),
        };
        Desc {
            ends: Some((
                with_port(after("saddr"), sport),
                with_port(after("daddr"), dport),
            )),
            what,
            kind,
        }
    }
}

/// The packet's label with the NAT rewrites of its visit to `ns` shown (old struck, new
/// highlighted). The visit runs back from record `i` to where the packet entered `ns`.
fn label_with_nat(
    shown: &[TraceRecord],
    i: usize,
    pkt: u64,
    ns: &str,
    desc: &Desc,
) -> (Vec<Span>, bool) {
    let mut src_nat = None;
    let mut dst_nat = None;
    let mut fresh = false;
    for (k, r) in shown[..i].iter().enumerate().rev().take(WINDOW) {
        if r.pkt.map(|p| p.get()) != Some(pkt) {
            continue;
        }
        match &r.event {
            TraceEvent::Nat {
                ns: n,
                before,
                after,
                field,
                ..
            } if n == ns => {
                let slot = if *field == NatField::Src {
                    &mut src_nat
                } else {
                    &mut dst_nat
                };
                if slot.is_none() {
                    *slot = Some((before.to_string(), after.to_string()));
                }
                fresh |= shown.len() - k <= NAT_FRESH;
            }
            TraceEvent::Capture {
                ns: n,
                dir: Dir::In,
                ..
            } if n == ns => break,
            TraceEvent::Link(hop) if hop.to_ns() == ns => break,
            _ => {}
        }
    }
    let Some((src, dst)) = desc.ends.clone() else {
        return (vec![span(desc.what.clone(), SpanStyle::What)], false);
    };
    let mut out = Vec::new();
    let end = |out: &mut Vec<Span>, current: String, nat: Option<(String, String)>| match nat {
        Some((before, after)) => {
            out.push(span(before, SpanStyle::Struck));
            out.push(span(" ", SpanStyle::Plain));
            out.push(span(after, SpanStyle::Rewritten));
        }
        None => out.push(span(current, SpanStyle::Plain)),
    };
    end(&mut out, src, src_nat);
    out.push(span(" -> ", SpanStyle::Plain));
    end(&mut out, dst, dst_nat);
    out.push(span(format!("  {}", desc.what), SpanStyle::What));
    (out, fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::tests::{default_player, first_nat};
    use std::collections::BTreeMap;

    #[test]
    fn after_dnat_the_label_shows_the_rewrite_and_the_marker_crosses_docker0() {
        let mut p = default_player();
        p.run_to_end();
        let layout = Layout::compute(&p.sim().net, &BTreeMap::new());
        let conns = Connections::from_trace(p.trace());
        let (dnat, _) = first_nat(&p, docknet_sim::trace::NatKind::Dnat);
        p.jump_to(dnat);
        let s = compute(&layout, p.shown(), p.clock(), &conns, true);
        let m = s.markers.iter().find(|m| m.current).unwrap();
        assert_eq!(
            m.place,
            Place::Station {
                ns: "host".into(),
                station: Station::Prerouting,
                table: Some("nat".into())
            }
        );
        let strip = layout.ns_box("host").unwrap().stack.as_ref().unwrap();
        assert_eq!(m.pos, strip.marker_pos(Station::Prerouting, Some("nat")));
        assert!(m.fresh_nat);
        assert_eq!(
            m.text(),
            "10.12.91.1:40000 -> ~10.12.91.17:8080~ 172.17.0.2:80  TCP [S]"
        );

        // Step on until the SYN is on the veth towards web: still labelled with the rewrite.
        while !s_on_cable_to(&layout, &p, &conns, "web") {
            assert!(p.step_forward());
        }
        let s = compute(&layout, p.shown(), p.clock(), &conns, true);
        let m = s
            .markers
            .iter()
            .find(|m| {
                m.kind == PacketKind::TcpControl
                    && matches!(&m.place, Place::Cable { to, .. } if to.0 == "web")
            })
            .unwrap();
        assert!(
            m.text().contains("~10.12.91.17:8080~ 172.17.0.2:80"),
            "{}",
            m.text()
        );
        let Place::Cable { frac, .. } = m.place else {
            unreachable!()
        };
        assert!((0.5..=1.0).contains(&frac));
    }

    #[test]
    fn a_locally_generated_packet_is_labelled_from_its_hook_before_any_capture() {
        let file = format!(
            "{}/../../scenarios/modes/user-defined.ron",
            env!("CARGO_MANIFEST_DIR")
        );
        let (_, built) =
            crate::Document::load(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut p = crate::Player::new(built.sim);
        p.run_to_end();
        let layout = Layout::compute(&p.sim().net, &BTreeMap::new());
        let conns = Connections::from_trace(p.trace());
        let nat = p
            .trace()
            .iter()
            .position(|r| matches!(r.event, TraceEvent::Nat { .. }))
            .unwrap();
        p.jump_to(nat);
        let s = compute(&layout, p.shown(), p.clock(), &conns, true);
        let m = s
            .markers
            .iter()
            .find(|m| m.current)
            .expect("a marker in api's stack");
        assert_eq!(m.kind, PacketKind::Dns);
        assert!(m.text().starts_with("127.0.0.1:"), "{}", m.text());
        assert!(
            m.text().contains("~127.0.0.11:53~ 127.0.0.11:"),
            "{}",
            m.text()
        );
    }

    /// The places the current marker of `pkt` takes while stepping through `p` from the
    /// start, consecutive repeats merged, with the record index of each.
    fn places_of(p: &mut crate::Player, layout: &Layout, pkt: u64) -> Vec<(usize, Place)> {
        let conns = Connections::from_trace(p.trace());
        let mut out: Vec<(usize, Place)> = Vec::new();
        p.seek(0);
        while p.step_forward() {
            let s = compute(layout, p.shown(), p.clock(), &conns, true);
            if let Some(m) = s.markers.iter().find(|m| m.current && m.pkt == pkt)
                && out.last().is_none_or(|(_, pl)| *pl != m.place)
            {
                out.push((p.cursor(), m.place.clone()));
            }
        }
        out
    }

    fn stations_in(places: &[(usize, Place)], ns: &str) -> Vec<(Station, Option<String>)> {
        let mut out: Vec<(Station, Option<String>)> = Vec::new();
        for (_, pl) in places {
            if let Place::Station {
                ns: n,
                station,
                table,
            } = pl
                && n == ns
            {
                out.push((*station, table.clone()));
            }
        }
        out
    }

    fn lesson(path: &str) -> (crate::Player, Layout) {
        let file = format!("{}/../../scenarios/{path}", env!("CARGO_MANIFEST_DIR"));
        let (_, built) =
            crate::Document::load(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
        let layout = Layout::of_built(&built);
        let mut p = crate::Player::new(built.sim);
        p.run_to_end();
        (p, layout)
    }

    #[test]
    fn the_syn_walks_the_hosts_stations_in_the_kernels_order_then_the_bridge() {
        let (mut p, layout) = lesson("default.ron");
        let (dnat_at, syn) = first_nat(&p, docknet_sim::trace::NatKind::Dnat);
        let places = places_of(&mut p, &layout, syn);
        let hops = stations_in(&places, "host");
        let order: Vec<Station> = hops.iter().map(|(s, _)| *s).fold(Vec::new(), |mut v, s| {
            if v.last() != Some(&s) {
                v.push(s);
            }
            v
        });
        assert_eq!(
            order,
            [
                Station::Prerouting,
                Station::Routing,
                Station::Forward,
                Station::Postrouting
            ],
            "{places:#?}"
        );
        // The DNAT happens with the marker on nat PREROUTING.
        let at_dnat = places
            .iter()
            .rev()
            .find(|(i, _)| *i <= dnat_at + 1)
            .map(|(_, pl)| pl.clone())
            .unwrap();
        assert_eq!(
            at_dnat,
            Place::Station {
                ns: "host".into(),
                station: Station::Prerouting,
                table: Some("nat".into())
            }
        );
        assert!(hops.contains(&(Station::Forward, Some("filter".into()))));
        // After POSTROUTING the frame crosses docker0.
        let post = places
            .iter()
            .position(|(_, pl)| {
                matches!(
                    pl,
                    Place::Station {
                        station: Station::Postrouting,
                        ..
                    }
                )
            })
            .unwrap();
        assert!(
            places[post..]
                .iter()
                .any(|(_, pl)| matches!(pl, Place::Bridge { bridge, .. } if bridge == "docker0")),
            "{places:#?}"
        );

        // Stepping back shows exactly the places stepping forward showed, in reverse.
        let conns = Connections::from_trace(p.trace());
        let mut back = Vec::new();
        p.seek(places.last().unwrap().0);
        loop {
            let s = compute(&layout, p.shown(), p.clock(), &conns, true);
            if let Some(m) = s.markers.iter().find(|m| m.current && m.pkt == syn)
                && back.last() != Some(&m.place)
            {
                back.push(m.place.clone());
            }
            if p.cursor() <= places[0].0 || !p.step_back() {
                break;
            }
        }
        back.reverse();
        let forward: Vec<Place> = places.iter().map(|(_, pl)| pl.clone()).collect();
        assert_eq!(back, forward);
    }

    #[test]
    fn masquerade_happens_at_nat_postrouting() {
        let (mut p, layout) = lesson("nat/container-to-outside-snat.ron");
        let (at, pkt) = first_nat(&p, docknet_sim::trace::NatKind::Masquerade);
        let conns = Connections::from_trace(p.trace());
        p.jump_to(at);
        let s = compute(&layout, p.shown(), p.clock(), &conns, true);
        let m = s
            .markers
            .iter()
            .find(|m| m.current && m.pkt == pkt)
            .unwrap();
        assert!(
            matches!(&m.place, Place::Station { station: Station::Postrouting, table, .. } if table.as_deref() == Some("nat")),
            "{:?}",
            m.place
        );
        assert!(m.text().contains('~'), "{}", m.text());
    }

    #[test]
    fn a_locally_delivered_packet_goes_prerouting_routing_input_to_the_process() {
        let (mut p, layout) = lesson("host-access/linux-docker0-gateway.ron");
        // The first packet from outside (captured coming in on a NIC) that reaches INPUT.
        let from_outside: Vec<u64> = p
            .trace()
            .iter()
            .filter_map(|r| match &r.event {
                TraceEvent::Capture {
                    ns,
                    iface,
                    dir: Dir::In,
                    ..
                } if ns == "host" && iface != "lo" => r.pkt.map(|p| p.get()),
                _ => None,
            })
            .collect();
        let pkt = p
            .trace()
            .iter()
            .find_map(|r| match &r.event {
                TraceEvent::Hook {
                    ns,
                    hook: docknet_sim::netfilter::Hook::Input,
                    ..
                } if ns == "host" => r.pkt.map(|p| p.get()).filter(|p| from_outside.contains(p)),
                _ => None,
            })
            .unwrap();
        let places = places_of(&mut p, &layout, pkt);
        let order: Vec<Station> = stations_in(&places, "host")
            .into_iter()
            .map(|(s, _)| s)
            .fold(Vec::new(), |mut v, s| {
                if v.last() != Some(&s) {
                    v.push(s);
                }
                v
            });
        assert_eq!(
            &order[..3],
            [Station::Prerouting, Station::Routing, Station::Input],
            "{places:#?}"
        );
    }

    #[test]
    fn header_cards_cover_no_text_of_the_picture() {
        let (mut p, layout) = lesson("default.ron");
        let conns = Connections::from_trace(p.trace());
        p.seek(0);
        let mut checked = 0;
        while p.step_forward() {
            let s = compute(&layout, p.shown(), p.clock(), &conns, true);
            for m in &s.markers {
                let Some(card) = m.card else { continue };
                checked += 1;
                for l in &layout.labels {
                    assert!(
                        !card.intersects(&l.rect),
                        "record {}: card {:?} of {} covers {:?} {:?}",
                        p.cursor(),
                        card,
                        m.text(),
                        l.kind,
                        l.text
                    );
                }
            }
        }
        assert!(checked > 100);
    }

    #[test]
    fn the_bridge_loops_drop_card_is_wrapped_and_inside_the_picture() {
        let (mut p, layout) = lesson("kernel/bridge-loop.ron");
        let conns = Connections::from_trace(p.trace());
        // The drop that names the loop, the longest reason.
        let reason_len = |r: &TraceRecord| match &r.event {
            TraceEvent::Drop { reason, .. } => reason.len(),
            _ => 0,
        };
        let last = (0..p.trace().len())
            .max_by_key(|&i| reason_len(&p.trace()[i]))
            .expect("a trace");
        p.seek(last + 1);
        let s = compute(&layout, p.shown(), p.clock(), &conns, false);
        let drop = s.drops.last().expect("the drop is shown");
        assert_eq!(drop.record, last);
        assert!(drop.reason.len() > 200, "{}", drop.reason);
        assert!(drop.reason.contains("loop"), "{}", drop.reason);
        let text = drop_text(&drop.reason, drop.rule.as_deref());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() > 1 && lines.len() <= DROP_CARD_LINES, "{text}");
        assert!(lines.iter().all(|l| l.chars().count() <= DROP_CARD_COLUMNS));
        // The card holds all of the text and lies inside what the fitted camera shows.
        let (w, h) = labels::text_size(&text, LabelKind::Packet.px());
        assert!(drop.card.w >= w && drop.card.h >= h, "{:?}", drop.card);
        let view = layout.bounds.grown(crate::layout::FIT_MARGIN);
        assert!(drop.card.inside(&view), "{:?} outside {view:?}", drop.card);
    }

    fn s_on_cable_to(layout: &Layout, p: &crate::Player, conns: &Connections, ns: &str) -> bool {
        compute(layout, p.shown(), p.clock(), conns, true)
            .markers
            .iter()
            .any(|m| {
                m.kind == PacketKind::TcpControl
                    && matches!(&m.place, Place::Cable { to, .. } if to.0 == ns)
            })
    }

    #[test]
    fn markers_move_along_a_cable_with_the_clock() {
        let mut p = default_player();
        p.run_to_end();
        let layout = Layout::compute(&p.sim().net, &BTreeMap::new());
        let conns = Connections::from_trace(p.trace());
        let link = p
            .trace()
            .iter()
            .position(|r| matches!(r.event, TraceEvent::Link { .. }))
            .unwrap();
        let TraceEvent::Link(hop) = &p.trace()[link].event else {
            unreachable!()
        };
        let (tx_start, rx_end) = (hop.tx_start(), hop.rx_end());
        let at = |t: u64| {
            let s = compute(&layout, &p.trace()[..=link], SimTime(t), &conns, false);
            s.markers[0].pos
        };
        let (a, b) = (at(tx_start.0), at((tx_start.0 + rx_end.0) / 2));
        assert_ne!(a, b);
        let gone = compute(&layout, &p.trace()[..=link], rx_end, &conns, false);
        assert!(
            gone.markers
                .iter()
                .all(|m| !matches!(m.place, Place::Cable { .. }))
        );
    }
}
