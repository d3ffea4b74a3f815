//! Where everything is drawn, computed from the topology alone so any scenario reads well
//! without hand placement.
//!
//! Machines are nested boxes: a container (or a Docker Desktop VM) sits inside the namespace
//! its veth leads to (the Linux host, the VM, the Mac). Top-level boxes are placed in columns by
//! their distance over links from the largest box, alternating left and right of it, so the
//! laptop ends up left of the host and the containers below its bridges. Coordinates are in
//! world units with y growing downwards; the app flips y.

use docknet_sim::model::{IfaceKind, Net};
use docknet_sim::scenario::NsRole;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// A point in layout space (y down).
pub type Point = [f32; 2];

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn center(&self) -> Point {
        [self.x + self.w / 2.0, self.y + self.h / 2.0]
    }
    pub fn contains(&self, p: Point) -> bool {
        p[0] >= self.x && p[0] <= self.x + self.w && p[1] >= self.y && p[1] <= self.y + self.h
    }
}

/// A namespace drawn as a box.
#[derive(Clone, Debug, PartialEq)]
pub struct NsBox {
    pub ns: String,
    pub role: NsRole,
    pub rect: Rect,
    /// Nesting depth: 0 for top-level machines.
    pub depth: usize,
    pub parent: Option<String>,
    /// Extra lines inside the box: containers sharing this namespace, `lo` only.
    pub notes: Vec<String>,
}

/// Which edge of its box a port sits on (or its bridge bar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Left,
    Right,
    Top,
    Bottom,
    Bar,
}

/// An interface drawn as a port.
#[derive(Clone, Debug, PartialEq)]
pub struct Port {
    pub ns: String,
    pub iface: String,
    pub pos: Point,
    pub side: Side,
    /// `eth0 172.17.0.2/16`.
    pub label: String,
    pub mac: String,
    /// `veth` or `ether`.
    pub kind: &'static str,
}

/// A bridge drawn as a bar across its namespace's box.
#[derive(Clone, Debug, PartialEq)]
pub struct BridgeBar {
    pub ns: String,
    pub name: String,
    pub rect: Rect,
    /// `docker0 172.17.0.1/16`.
    pub label: String,
    pub mac: String,
}

/// A veth pair or a cable: its two ends and the polyline between them.
#[derive(Clone, Debug, PartialEq)]
pub struct Cable {
    pub a: (String, String),
    pub b: (String, String),
    pub points: Vec<Point>,
    pub veth: bool,
}

impl Cable {
    /// The point `frac` (0..=1) of the way along, from `a` (or from `b` when `reversed`).
    pub fn point_at(&self, frac: f32, reversed: bool) -> Point {
        let frac = frac.clamp(0.0, 1.0);
        let frac = if reversed { 1.0 - frac } else { frac };
        let seg_len =
            |w: &[Point]| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
        let total: f32 = self.points.windows(2).map(seg_len).sum();
        let mut left = total * frac;
        for w in self.points.windows(2) {
            let l = seg_len(w);
            if left <= l && l > 0.0 {
                let t = left / l;
                return [
                    w[0][0] + (w[1][0] - w[0][0]) * t,
                    w[0][1] + (w[1][1] - w[0][1]) * t,
                ];
            }
            left -= l;
        }
        *self.points.last().unwrap_or(&[0.0, 0.0])
    }
}

/// The whole picture.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Parents before children, so drawing in order nests correctly.
    pub boxes: Vec<NsBox>,
    pub bridges: Vec<BridgeBar>,
    pub ports: Vec<Port>,
    pub cables: Vec<Cable>,
    pub bounds: Rect,
}

const LEAF_W: f32 = 280.0;
const LEAF_H: f32 = 120.0;
const NOTE_H: f32 = 18.0;
const HEADER_H: f32 = 56.0;
const BAR_PITCH: f32 = 64.0;
const BAR_H: f32 = 14.0;
const CHILD_GAP: f32 = 36.0;
const CABLE_DROP: f32 = 70.0;
const PAD: f32 = 24.0;
const COLUMN_GAP: f32 = 170.0;
const ROW_GAP: f32 = 70.0;
const PER_ROW: usize = 4;

impl Layout {
    /// Lay out `net`. `guests` lists, per namespace, the containers that run in it without
    /// their own namespace (`--network host`, `container:X`), as labels.
    pub fn compute(net: &Net, guests: &BTreeMap<String, Vec<String>>) -> Layout {
        Builder::new(net, guests).build()
    }

    pub fn ns_box(&self, ns: &str) -> Option<&NsBox> {
        self.boxes.iter().find(|b| b.ns == ns)
    }

    pub fn port(&self, ns: &str, iface: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.ns == ns && p.iface == iface)
    }

    pub fn bridge(&self, ns: &str, name: &str) -> Option<&BridgeBar> {
        self.bridges.iter().find(|b| b.ns == ns && b.name == name)
    }

    /// The cable from `from` to `to`, and whether it runs the other way round.
    pub fn cable(&self, from: (&str, &str), to: (&str, &str)) -> Option<(&Cable, bool)> {
        let same = |e: &(String, String), (n, i): (&str, &str)| e.0 == n && e.1 == i;
        self.cables.iter().find_map(|c| {
            if same(&c.a, from) && same(&c.b, to) {
                Some((c, false))
            } else if same(&c.a, to) && same(&c.b, from) {
                Some((c, true))
            } else {
                None
            }
        })
    }

    /// The innermost box under a point.
    pub fn box_at(&self, p: Point) -> Option<&NsBox> {
        self.boxes
            .iter()
            .filter(|b| b.rect.contains(p))
            .max_by_key(|b| b.depth)
    }
}

struct Builder<'a> {
    net: &'a Net,
    guests: &'a BTreeMap<String, Vec<String>>,
    /// Namespace index -> parent namespace index.
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    size: Vec<(f32, f32)>,
    rect: Vec<Rect>,
}

impl<'a> Builder<'a> {
    fn new(net: &'a Net, guests: &'a BTreeMap<String, Vec<String>>) -> Self {
        let n = net.namespaces.len();
        let mut b = Builder {
            net,
            guests,
            parent: vec![None; n],
            children: vec![Vec::new(); n],
            size: vec![(0.0, 0.0); n],
            rect: vec![Rect::default(); n],
        };
        for i in 0..n {
            b.parent[i] = b.find_parent(i);
        }
        for i in 0..n {
            if let Some(p) = b.parent[i] {
                b.children[p].push(i);
            }
        }
        b
    }

    /// Namespaces linked by veth to `ns`.
    fn veth_neighbours(&self, ns: usize) -> Vec<usize> {
        self.net.namespaces[ns]
            .ifaces
            .iter()
            .filter(|&&i| matches!(self.net.iface(i).kind, IfaceKind::Veth))
            .filter_map(|&i| self.net.peer(i))
            .map(|(p, _)| self.net.iface(p).ns.index())
            .collect()
    }

    /// A container lives in the host or VM its veth leads to; a VM in the machine running it.
    fn find_parent(&self, ns: usize) -> Option<usize> {
        let role = self.net.namespaces[ns].role;
        let wanted: &[NsRole] = match role {
            NsRole::Container => &[NsRole::Host, NsRole::Vm],
            NsRole::Vm => &[NsRole::Host],
            _ => return None,
        };
        self.veth_neighbours(ns)
            .into_iter()
            .find(|&p| p != ns && wanted.contains(&self.net.namespaces[p].role))
    }

    fn bridges_of(&self, ns: usize) -> Vec<docknet_sim::ids::IfaceId> {
        self.net.namespaces[ns]
            .ifaces
            .iter()
            .copied()
            .filter(|&i| self.net.iface(i).is_bridge())
            .collect()
    }

    fn notes(&self, ns: usize) -> Vec<String> {
        let n = &self.net.namespaces[ns];
        let mut notes = self.guests.get(&n.name).cloned().unwrap_or_default();
        if n.ifaces.len() <= 1 {
            notes.push("only lo (127.0.0.1/8): no network".into());
        }
        notes
    }

    fn measure(&mut self, ns: usize) -> (f32, f32) {
        let notes = self.notes(ns).len() as f32 * NOTE_H;
        let kids = self.children[ns].clone();
        let bars = self.bridges_of(ns).len() as f32 * BAR_PITCH;
        let size = if kids.is_empty() {
            let w = if bars > 0.0 { LEAF_W + 80.0 } else { LEAF_W };
            (w, LEAF_H + notes + bars)
        } else {
            let sizes: Vec<(f32, f32)> = kids.iter().map(|&k| self.measure(k)).collect();
            let rows: Vec<&[(f32, f32)]> = sizes.chunks(PER_ROW).collect();
            let row_w = |r: &[(f32, f32)]| {
                r.iter().map(|s| s.0).sum::<f32>() + CHILD_GAP * (r.len() as f32 - 1.0)
            };
            let content_w = rows.iter().map(|r| row_w(r)).fold(0.0, f32::max);
            let content_h: f32 = rows
                .iter()
                .map(|r| r.iter().map(|s| s.1).fold(0.0, f32::max) + CABLE_DROP)
                .sum();
            (
                (content_w + 2.0 * PAD).max(LEAF_W + 120.0),
                HEADER_H + notes + bars + content_h + PAD,
            )
        };
        self.size[ns] = size;
        size
    }

    fn place(&mut self, ns: usize, x: f32, y: f32) {
        let (w, h) = self.size[ns];
        self.rect[ns] = Rect { x, y, w, h };
        let top = y
            + HEADER_H
            + self.notes(ns).len() as f32 * NOTE_H
            + self.bridges_of(ns).len() as f32 * BAR_PITCH;
        let kids = self.children[ns].clone();
        let mut row_y = top + CABLE_DROP;
        for row in kids.chunks(PER_ROW) {
            let row_w: f32 = row.iter().map(|&k| self.size[k].0).sum::<f32>()
                + CHILD_GAP * (row.len() as f32 - 1.0);
            let mut cx = x + (w - row_w) / 2.0;
            let mut row_h: f32 = 0.0;
            for &k in row {
                self.place(k, cx, row_y);
                cx += self.size[k].0 + CHILD_GAP;
                row_h = row_h.max(self.size[k].1);
            }
            row_y += row_h + CABLE_DROP;
        }
    }

    /// The top-level ancestor of a namespace.
    fn root_of(&self, mut ns: usize) -> usize {
        while let Some(p) = self.parent[ns] {
            ns = p;
        }
        ns
    }

    /// Columns for top-level boxes: BFS from the largest, neighbours alternating sides.
    fn columns(&self, roots: &[usize]) -> HashMap<usize, i32> {
        let mut adj: HashMap<usize, Vec<usize>> = HashMap::new();
        for iface in &self.net.ifaces {
            if let Some((p, _)) = self.net.peer(iface.id) {
                let a = self.root_of(iface.ns.index());
                let b = self.root_of(self.net.iface(p).ns.index());
                if a != b {
                    adj.entry(a).or_default().push(b);
                }
            }
        }
        for v in adj.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        let mut col = HashMap::new();
        let area = |r: usize| self.size[r].0 * self.size[r].1;
        let mut pending: Vec<usize> = roots.to_vec();
        while !pending.is_empty() {
            let start = pending
                .iter()
                .copied()
                .max_by(|&a, &b| area(a).total_cmp(&area(b)).then(b.cmp(&a)))
                .unwrap_or(pending[0]);
            let base = col.values().copied().max().map_or(0, |m: i32| m + 2);
            col.insert(start, base);
            let mut queue = VecDeque::from([(start, 0i32)]);
            let mut flip = -1;
            while let Some((n, side)) = queue.pop_front() {
                for &m in adj.get(&n).into_iter().flatten() {
                    if col.contains_key(&m) {
                        continue;
                    }
                    let s = if side == 0 {
                        flip = -flip;
                        -flip
                    } else {
                        side
                    };
                    col.insert(m, col[&n] + s);
                    queue.push_back((m, s));
                }
            }
            pending.retain(|r| !col.contains_key(r));
        }
        col
    }

    fn build(mut self) -> Layout {
        let n = self.net.namespaces.len();
        let roots: Vec<usize> = (0..n).filter(|&i| self.parent[i].is_none()).collect();
        for &r in &roots {
            self.measure(r);
        }
        let col = self.columns(&roots);
        let mut cols: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for &r in &roots {
            cols.entry(col[&r]).or_default().push(r);
        }
        let size = self.size.clone();
        let col_h = |c: &Vec<usize>| {
            c.iter().map(|&r| size[r].1).sum::<f32>() + ROW_GAP * (c.len() as f32 - 1.0)
        };
        let tallest = cols.values().map(col_h).fold(0.0, f32::max);
        let mut x = 0.0;
        for members in cols.values() {
            let width = members.iter().map(|&r| size[r].0).fold(0.0, f32::max);
            let mut y = (tallest - col_h(members)) / 2.0;
            for &r in members {
                let rx = x + (width - self.size[r].0) / 2.0;
                self.place(r, rx, y);
                y += self.size[r].1 + ROW_GAP;
            }
            x += width + COLUMN_GAP;
        }
        let mut layout = Layout::default();
        self.boxes(&roots, &mut layout);
        self.bridges(&mut layout);
        self.ports(&mut layout);
        self.cables(&mut layout);
        let (mut x0, mut y0, mut x1, mut y1) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for b in &layout.boxes {
            x0 = x0.min(b.rect.x);
            y0 = y0.min(b.rect.y);
            x1 = x1.max(b.rect.x + b.rect.w);
            y1 = y1.max(b.rect.y + b.rect.h);
        }
        layout.bounds = Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        };
        layout
    }

    fn boxes(&self, roots: &[usize], layout: &mut Layout) {
        let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
        while let Some((ns, depth)) = stack.pop() {
            let n = &self.net.namespaces[ns];
            layout.boxes.push(NsBox {
                ns: n.name.clone(),
                role: n.role,
                rect: self.rect[ns],
                depth,
                parent: self.parent[ns].map(|p| self.net.namespaces[p].name.clone()),
                notes: self.notes(ns),
            });
            for &k in self.children[ns].iter().rev() {
                stack.push((k, depth + 1));
            }
        }
    }

    fn bridges(&self, layout: &mut Layout) {
        for (ns, n) in self.net.namespaces.iter().enumerate() {
            let r = self.rect[ns];
            let top = r.y + HEADER_H + self.notes(ns).len() as f32 * NOTE_H;
            for (k, id) in self.bridges_of(ns).into_iter().enumerate() {
                let i = self.net.iface(id);
                layout.bridges.push(BridgeBar {
                    ns: n.name.clone(),
                    name: i.name.clone(),
                    rect: Rect {
                        x: r.x + PAD,
                        y: top + k as f32 * BAR_PITCH + BAR_PITCH / 2.0,
                        w: r.w - 2.0 * PAD,
                        h: BAR_H,
                    },
                    label: iface_label(i),
                    mac: i.mac.to_string(),
                });
            }
        }
    }

    fn ports(&self, layout: &mut Layout) {
        for (ns, n) in self.net.namespaces.iter().enumerate() {
            let r = self.rect[ns];
            let mut used: HashMap<(Side, Option<String>), usize> = HashMap::new();
            let mut ids: Vec<_> = n.ifaces.clone();
            // Bridge ports towards children first, in the children's order.
            ids.sort_by_key(|&id| {
                self.net
                    .peer(id)
                    .map(|(p, _)| self.rect[self.net.iface(p).ns.index()].x as i64)
                    .unwrap_or(i64::MAX)
            });
            for id in ids {
                let i = self.net.iface(id);
                if matches!(i.kind, IfaceKind::Loopback | IfaceKind::Bridge(_)) {
                    continue;
                }
                let peer = self.net.peer(id).map(|(p, _)| self.net.iface(p).ns.index());
                let peer_rect = peer.map(|p| self.rect[p]);
                let is_child = peer.is_some_and(|p| self.parent[p] == Some(ns));
                let is_parent = peer.is_some_and(|p| self.parent[ns] == Some(p));
                let towards_left = peer_rect.is_some_and(|pr| pr.center()[0] < r.center()[0]);
                let bar = i.master.and_then(|m| {
                    let name = &self.net.iface(m).name;
                    layout
                        .bridges
                        .iter()
                        .find(|b| b.ns == n.name && &b.name == name)
                });
                let (side, pos) = if let Some(bar) = bar {
                    let y = bar.rect.y + bar.rect.h / 2.0;
                    let x = match (is_child, peer_rect) {
                        // Above the child's port on its top edge, so the cable drops straight.
                        (true, Some(pr)) => pr.x + pr.w * 0.62,
                        _ => {
                            let k = bump(&mut used, Side::Bar, Some(bar.name.clone()));
                            if towards_left {
                                bar.rect.x + 30.0 + 90.0 * k as f32
                            } else {
                                bar.rect.x + bar.rect.w - 30.0 - 90.0 * k as f32
                            }
                        }
                    };
                    (Side::Bar, [x, y])
                } else if is_parent {
                    // Right of centre, so the label under it clears the box's title.
                    let k = bump(&mut used, Side::Top, None) as f32;
                    (Side::Top, [r.x + r.w * 0.62 + 70.0 * k, r.y])
                } else if is_child {
                    let pr = peer_rect.unwrap_or_default();
                    (Side::Bottom, [pr.center()[0], pr.y - CABLE_DROP / 2.0])
                } else {
                    let side = if towards_left {
                        Side::Left
                    } else {
                        Side::Right
                    };
                    let k = bump(&mut used, side, None) as f32;
                    let x = if towards_left { r.x } else { r.x + r.w };
                    (side, [x, r.y + HEADER_H + 8.0 + 46.0 * k])
                };
                layout.ports.push(Port {
                    ns: n.name.clone(),
                    iface: i.name.clone(),
                    pos,
                    side,
                    label: iface_label(i),
                    mac: i.mac.to_string(),
                    kind: i.kind.name(),
                });
            }
        }
    }

    fn cables(&self, layout: &mut Layout) {
        for i in &self.net.ifaces {
            let Some((p, _)) = self.net.peer(i.id) else {
                continue;
            };
            if p.index() < i.id.index() {
                continue;
            }
            let pi = self.net.iface(p);
            let a = (self.net.ns(i.ns).name.clone(), i.name.clone());
            let b = (self.net.ns(pi.ns).name.clone(), pi.name.clone());
            let (Some(pa), Some(pb)) = (layout.port(&a.0, &a.1), layout.port(&b.0, &b.1)) else {
                continue;
            };
            let horizontal = |s: Side| matches!(s, Side::Left | Side::Right);
            let (s, e) = (pa.pos, pb.pos);
            let points = if horizontal(pa.side) && horizontal(pb.side) {
                let mx = (s[0] + e[0]) / 2.0;
                vec![s, [mx, s[1]], [mx, e[1]], e]
            } else {
                let my = (s[1] + e[1]) / 2.0;
                vec![s, [s[0], my], [e[0], my], e]
            };
            layout.cables.push(Cable {
                a,
                b,
                points,
                veth: matches!(i.kind, IfaceKind::Veth),
            });
        }
    }
}

/// `eth0 172.17.0.2/16`; further addresses as `+N` (the console's `ip addr` lists them).
fn iface_label(i: &docknet_sim::model::Interface) -> String {
    match i.addrs.as_slice() {
        [] => i.name.clone(),
        [a] => format!("{} {a}", i.name),
        [a, rest @ ..] => format!("{} {a} +{}", i.name, rest.len()),
    }
}

/// The next free slot on a side (0, 1, 2, ...).
fn bump(
    used: &mut HashMap<(Side, Option<String>), usize>,
    side: Side,
    key: Option<String>,
) -> usize {
    let n = used.entry((side, key)).or_insert(0);
    *n += 1;
    *n - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Document;

    fn layout_of(path: &str) -> Layout {
        let file = format!("{}/../../scenarios/{path}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&file).unwrap();
        let (_, built) = Document::load(&file, &text).unwrap();
        Layout::compute(&built.sim.net, &BTreeMap::new())
    }

    fn inside(inner: Rect, outer: Rect) -> bool {
        inner.x >= outer.x
            && inner.y >= outer.y
            && inner.x + inner.w <= outer.x + outer.w
            && inner.y + inner.h <= outer.y + outer.h
    }

    #[test]
    fn containers_nest_inside_the_host_below_its_bridge() {
        let l = layout_of("default.ron");
        let host = l.ns_box("host").unwrap();
        let web = l.ns_box("web").unwrap();
        assert_eq!(web.parent.as_deref(), Some("host"));
        assert!(inside(web.rect, host.rect));
        let bar = l.bridge("host", "docker0").unwrap();
        assert!(bar.rect.y < web.rect.y);
        // The laptop is outside the host, to its left.
        let laptop = l.ns_box("laptop").unwrap();
        assert_eq!(laptop.depth, 0);
        assert!(laptop.rect.x + laptop.rect.w < host.rect.x);
        // The veth's two ends are one cable from the bar down to the container's top edge.
        let eth0 = l.port("web", "eth0").unwrap();
        assert_eq!(eth0.side, Side::Top);
        assert!(eth0.label.contains("172.17.0.2/16"), "{}", eth0.label);
        let veth = l
            .ports
            .iter()
            .find(|p| p.ns == "host" && p.side == Side::Bar)
            .unwrap();
        let (cable, _) = l.cable(("web", "eth0"), (&veth.ns, &veth.iface)).unwrap();
        assert!(cable.veth);
    }

    #[test]
    fn desktop_nests_mac_vm_containers() {
        let l = layout_of("host-access/desktop-mac-host-docker-internal.ron");
        let deepest = l.boxes.iter().map(|b| b.depth).max().unwrap();
        assert_eq!(
            deepest,
            2,
            "{:#?}",
            l.boxes.iter().map(|b| (&b.ns, b.depth)).collect::<Vec<_>>()
        );
        for b in &l.boxes {
            if let Some(p) = &b.parent {
                assert!(
                    inside(b.rect, l.ns_box(p).unwrap().rect),
                    "{} outside {p}",
                    b.ns
                );
            }
        }
    }

    #[test]
    fn every_shipped_scenario_lays_out_without_overlap() {
        let root = format!("{}/../../scenarios", env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(root)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() && !p.ends_with("exercises") {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "ron") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 20);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let (_, built) = Document::load(&f.display().to_string(), &text).unwrap();
            let l = Layout::compute(&built.sim.net, &BTreeMap::new());
            assert_eq!(l.boxes.len(), built.sim.net.namespaces.len());
            for (i, a) in l.boxes.iter().enumerate() {
                for b in &l.boxes[i + 1..] {
                    let nested = a.parent.as_deref() == Some(&b.ns)
                        || b.parent.as_deref() == Some(&a.ns)
                        || inside(a.rect, b.rect)
                        || inside(b.rect, a.rect);
                    let apart = a.rect.x + a.rect.w <= b.rect.x
                        || b.rect.x + b.rect.w <= a.rect.x
                        || a.rect.y + a.rect.h <= b.rect.y
                        || b.rect.y + b.rect.h <= a.rect.y;
                    assert!(
                        nested || apart,
                        "{}: {} overlaps {}",
                        f.display(),
                        a.ns,
                        b.ns
                    );
                }
            }
            // Every link has a drawn cable.
            let links = built.sim.net.graph.edge_count();
            assert_eq!(l.cables.len(), links, "{}", f.display());
        }
    }

    #[test]
    fn a_point_along_a_cable_runs_either_way() {
        let c = Cable {
            a: ("a".into(), "x".into()),
            b: ("b".into(), "y".into()),
            points: vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]],
            veth: true,
        };
        assert_eq!(c.point_at(0.5, false), [10.0, 0.0]);
        assert_eq!(c.point_at(0.25, true), [10.0, 5.0]);
        assert_eq!(c.point_at(1.0, false), [10.0, 10.0]);
    }
}
