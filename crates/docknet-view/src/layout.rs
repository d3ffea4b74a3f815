//! Where everything is drawn, computed from the topology alone so any scenario reads well
//! without hand placement.
//!
//! Machines are nested boxes: a container (or a Docker Desktop VM) sits inside the namespace
//! its veth leads to (the Linux host, the VM, the Mac). Top-level boxes are placed in columns by
//! their distance over links from the largest box, alternating left and right of it, so the
//! laptop ends up left of the host and the containers below its bridges. Coordinates are in
//! world units with y growing downwards; the app flips y.

use crate::labels::{self, Label, LabelKind};
use crate::stack::StackStrip;
use docknet_sim::model::{IfaceKind, Net};
use docknet_sim::netfilter::TableName;
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
    /// Whether the two rectangles share any area (touching edges do not).
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
    /// Whether `self` lies within `outer`.
    pub fn inside(&self, outer: &Rect) -> bool {
        self.x >= outer.x
            && self.y >= outer.y
            && self.x + self.w <= outer.x + outer.w
            && self.y + self.h <= outer.y + outer.h
    }
    /// The smallest rectangle holding both.
    pub fn union(&self, o: &Rect) -> Rect {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        Rect {
            x,
            y,
            w: (self.x + self.w).max(o.x + o.w) - x,
            h: (self.y + self.h).max(o.y + o.h) - y,
        }
    }
    /// Grown by `d` on every side.
    pub fn grown(&self, d: f32) -> Rect {
        Rect {
            x: self.x - d,
            y: self.y - d,
            w: self.w + 2.0 * d,
            h: self.h + 2.0 * d,
        }
    }
}

/// The icon drawn beside a box's title (files in `assets/icons/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Icon {
    LinuxHost,
    /// The Mac or PC that runs Docker Desktop.
    Desktop,
    Vm,
    Container,
    Laptop,
    Server,
    Router,
}

impl Icon {
    /// The file under `assets/`.
    pub fn file(self) -> &'static str {
        match self {
            Icon::LinuxHost => "icons/linux-host.png",
            Icon::Desktop => "icons/desktop.png",
            Icon::Vm => "icons/vm.png",
            Icon::Container => "icons/container.png",
            Icon::Laptop => "icons/laptop.png",
            Icon::Server => "icons/server.png",
            Icon::Router => "icons/router.png",
        }
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
    pub icon: Icon,
    /// The kernel's stations, for a namespace with rules that is not a container.
    pub stack: Option<StackStrip>,
    /// User-space processes drawn inside the box (Docker Desktop's forwarder on the Mac).
    pub processes: Vec<(String, Rect)>,
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
    /// Where the label is written.
    pub label_rect: Rect,
    /// Where the MAC is written (shown with `M`).
    pub mac_rect: Rect,
    /// Where a bridge port's learned MACs are written.
    pub fdb_rect: Option<Rect>,
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
    /// Every piece of text (and icon) in the static picture, with its rectangle.
    pub labels: Vec<Label>,
    pub bounds: Rect,
}

const LEAF_W: f32 = 240.0;
const CONTAINER_W: f32 = 280.0;
const LEAF_H: f32 = 120.0;
const NOTE_H: f32 = 18.0;
const HEADER_H: f32 = 56.0;
const BAR_PITCH: f32 = 76.0;
const BAR_H: f32 = 14.0;
const CHILD_GAP: f32 = 50.0;
const CABLE_DROP: f32 = 88.0;
const PAD: f32 = 24.0;
/// Room between top-level boxes: edge ports write their labels there, above the cable.
const COLUMN_GAP: f32 = 190.0;
const ROW_GAP: f32 = 70.0;
/// Wider than this many times its height, a row of machines wraps.
const WRAP_ASPECT: f32 = 4.0;
const PER_ROW: usize = 4;
/// Spacing of bridge ports that lead out of the box rather than to a child: room for the
/// `MAC ..` line right of each (21 characters at the MAC size, 8 from the port) and a gap.
const BAR_PORT_PITCH: f32 = 176.0;
/// How far from each end of the bar the first of those ports sits.
const BAR_PORT_END: f32 = 14.0;
/// The kernel strip's height in a box, with the gap under it.
const STACK_SPACE: f32 = crate::stack::STRIP_H + 20.0;
/// A user-space process line (Docker Desktop's forwarder).
const PROCESS_H: f32 = 30.0;
const ICON: f32 = 28.0;
/// Room kept around the picture when it is fitted to the window.
pub const FIT_MARGIN: f32 = 30.0;

impl Layout {
    /// Lay out `net`. `guests` lists, per namespace, the containers that run in it without
    /// their own namespace (`--network host`, `container:X`), as labels.
    pub fn compute(net: &Net, guests: &BTreeMap<String, Vec<String>>) -> Layout {
        Builder::new(net, guests).build()
    }

    /// The layout of a built scenario, with the containers that share another's namespace
    /// written in that namespace's box.
    pub fn of_built(built: &crate::document::Built) -> Layout {
        let mut guests: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(inv) = &built.inventory {
            for c in &inv.containers {
                if c.namespace != c.name {
                    guests
                        .entry(c.namespace.clone())
                        .or_default()
                        .push(format!("runs {} (--network {})", c.name, c.mode));
                }
            }
        }
        Layout::compute(&built.sim.net, &guests)
    }

    /// The scale (world units per pixel) that fits the whole picture into a viewport.
    pub fn fit_scale(&self, viewport: (f32, f32)) -> f32 {
        ((self.bounds.w + 2.0 * FIT_MARGIN) / viewport.0)
            .max((self.bounds.h + 2.0 * FIT_MARGIN) / viewport.1)
    }

    /// How tall (in pixels) the smallest text is when the picture is fitted to `viewport`.
    pub fn smallest_text_px(&self, viewport: (f32, f32)) -> f32 {
        let smallest = self
            .labels
            .iter()
            .filter(|l| !matches!(l.kind, LabelKind::Icon | LabelKind::Mac))
            .map(|l| match l.kind {
                LabelKind::Station => LabelKind::Table.px(),
                k => k.px(),
            })
            .fold(f32::MAX, f32::min);
        smallest / self.fit_scale(viewport).max(f32::EPSILON)
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
        let mut notes = self
            .guests
            .get(n.name.as_str())
            .cloned()
            .unwrap_or_default();
        if n.ifaces.len() <= 1 {
            notes.push("only lo (127.0.0.1/8): no network".into());
        }
        notes
    }

    /// Where the port of `child`'s link `iface` to its parent sits on the child's top edge:
    /// up-links in interface order, right of centre for one, from the centre 70 px apart for
    /// several. The parent's bridge port goes straight above it, so a cable never runs
    /// through another bridge's port.
    fn up_port_x(&self, child: usize, iface: docknet_sim::ids::IfaceId) -> f32 {
        let r = self.rect[child];
        let j = self.net.namespaces[child]
            .ifaces
            .iter()
            .filter(|&&i| {
                self.net
                    .peer(i)
                    .is_some_and(|(p, _)| Some(self.net.iface(p).ns.index()) == self.parent[child])
            })
            .position(|&i| i == iface)
            .unwrap_or(0);
        let base = if self.up_links(child) > 1 { 0.5 } else { 0.62 };
        r.x + r.w * base + 70.0 * j as f32
    }

    /// How many veths lead from `ns` to its parent box.
    fn up_links(&self, ns: usize) -> usize {
        self.veth_neighbours(ns)
            .into_iter()
            .filter(|&p| Some(p) == self.parent[ns])
            .count()
    }

    /// Docker Desktop's Mac/PC: the machine that runs the VM. Its forwarding is a user-space
    /// process, not netfilter.
    fn runs_vm(&self, ns: usize) -> bool {
        self.children[ns]
            .iter()
            .any(|&k| self.net.namespaces[k].role == NsRole::Vm)
    }

    /// The tables a namespace has rules in, when its kernel is drawn as stations: a namespace
    /// with rules that is not a container (the Docker host, Desktop's VM, a router).
    fn stack_tables(&self, ns: usize) -> Option<Vec<&'static str>> {
        let n = &self.net.namespaces[ns];
        if n.role == NsRole::Container || self.runs_vm(ns) {
            return None;
        }
        let present: Vec<&'static str> = TableName::SAVE_ORDER
            .iter()
            .filter(|t| n.rules.table(**t).is_some())
            .map(|t| t.as_str())
            .collect();
        (!present.is_empty()).then_some(present)
    }

    fn processes(&self, ns: usize) -> Vec<String> {
        if self.runs_vm(ns) {
            vec!["com.docker.backend (vpnkit): a user-space forwarder, not netfilter".to_string()]
        } else {
            Vec::new()
        }
    }

    /// Height of what sits between the header and the bridges: notes, processes, the strip.
    fn upper_h(&self, ns: usize) -> f32 {
        self.notes(ns).len() as f32 * NOTE_H
            + self.processes(ns).len() as f32 * PROCESS_H
            + if self.stack_tables(ns).is_some() {
                STACK_SPACE
            } else {
                0.0
            }
    }

    fn min_w(&self, ns: usize) -> f32 {
        let process = self
            .processes(ns)
            .iter()
            .map(|p| labels::text_size(p, LabelKind::Process.px()).0 + 24.0)
            .fold(0.0, f32::max);
        let strip = if self.stack_tables(ns).is_some() {
            crate::stack::STRIP_W
        } else {
            0.0
        };
        (strip.max(process) + 2.0 * PAD).max(LEAF_W)
    }

    /// For each bridge of the namespace, the namespace each of its ports leads to (`None`
    /// for a port without a peer).
    fn bar_peers(&self, ns: usize) -> impl Iterator<Item = Vec<Option<usize>>> + '_ {
        self.bridges_of(ns).into_iter().map(|b| {
            self.net
                .ifaces
                .iter()
                .filter(|i| i.master == Some(b))
                .map(|i| {
                    self.net
                        .peer(i.id)
                        .map(|(p, _)| self.net.iface(p).ns.index())
                })
                .collect()
        })
    }

    /// The ports of the namespace's busiest bridge when two of them lead to the same other
    /// namespace (two bridges joined twice: a loop), else 0. Those ports are spaced
    /// [`BAR_PORT_PITCH`] apart along the bar, which must be long enough for all of them.
    fn doubly_linked_bar_ports(&self, ns: usize) -> usize {
        self.bar_peers(ns)
            .map(|peers| {
                let doubled = peers
                    .iter()
                    .flatten()
                    .any(|p| peers.iter().filter(|&&q| q == Some(*p)).count() > 1);
                if doubled { peers.len() } else { 0 }
            })
            .max()
            .unwrap_or(0)
    }

    /// The most ports one of the namespace's bridges has towards namespaces other than its
    /// children (those ports are placed from the bar's ends, not above a child).
    fn outer_bar_ports(&self, ns: usize) -> usize {
        self.bar_peers(ns)
            .map(|peers| {
                peers
                    .into_iter()
                    .flatten()
                    .filter(|&p| self.parent[p] != Some(ns))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    fn measure(&mut self, ns: usize) -> (f32, f32) {
        let notes = self.upper_h(ns);
        let kids = self.children[ns].clone();
        let bars = self.bridges_of(ns).len() as f32 * BAR_PITCH;
        let size = if kids.is_empty() {
            let w = if bars > 0.0 { LEAF_W + 80.0 } else { LEAF_W };
            // Containers sit side by side under a bridge with labels beside their cables.
            let w = if self.net.namespaces[ns].role == NsRole::Container {
                w.max(CONTAINER_W + 150.0 * self.up_links(ns).saturating_sub(1) as f32)
            } else {
                w
            };
            // Ports on both edges write their labels towards each other.
            let edge_labels: Vec<f32> = self.net.namespaces[ns]
                .ifaces
                .iter()
                .map(|&i| self.net.iface(i))
                .filter(|i| !matches!(i.kind, IfaceKind::Loopback | IfaceKind::Bridge(_)))
                .map(|i| labels::text_size(&iface_label(i), LabelKind::Port.px()).0)
                .collect();
            let w = if edge_labels.len() >= 2 {
                w.max(2.0 * edge_labels.iter().fold(0.0, |a: f32, b| a.max(*b)) + 60.0)
            } else {
                w
            };
            (w.max(self.min_w(ns)), LEAF_H + notes + bars)
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
                (content_w + 2.0 * PAD)
                    .max(LEAF_W + 120.0)
                    .max(self.min_w(ns)),
                HEADER_H + notes + bars + content_h + PAD,
            )
        };
        let ports = self.doubly_linked_bar_ports(ns);
        let size = if ports > 0 {
            let bar = 60.0 + BAR_PORT_PITCH * ports as f32;
            (size.0.max(bar + 2.0 * PAD), size.1)
        } else {
            size
        };
        // Ports to namespaces other than children are spread from both ends of the bar, a
        // pitch apart: the bar must be long enough that the two groups do not meet.
        let outer = self.outer_bar_ports(ns);
        let size = if outer >= 2 {
            let bar = 2.0 * BAR_PORT_END + BAR_PORT_PITCH * (outer - 1) as f32;
            (size.0.max(bar + 2.0 * PAD), size.1)
        } else {
            size
        };
        self.size[ns] = size;
        size
    }

    fn place(&mut self, ns: usize, x: f32, y: f32) {
        let (w, h) = self.size[ns];
        self.rect[ns] = Rect { x, y, w, h };
        let top = y + HEADER_H + self.upper_h(ns) + self.bridges_of(ns).len() as f32 * BAR_PITCH;
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
        let col_w = |c: &Vec<usize>| c.iter().map(|&r| size[r].0).fold(0.0, f32::max);
        let total_w: f32 = cols.values().map(|c| col_w(c) + COLUMN_GAP).sum();
        // A long chain of machines wraps onto a second row rather than shrinking to fit a
        // window of ordinary shape.
        let rows = if cols.len() > 3 && total_w > WRAP_ASPECT * tallest {
            2
        } else {
            1
        };
        let (mut x, mut y0, mut row) = (0.0, 0.0, 0);
        let mut acc = 0.0;
        for members in cols.values() {
            let width = col_w(members);
            if rows > 1 && row == 0 && acc > total_w / 2.0 {
                row = 1;
                x = 0.0;
                y0 = tallest + 2.0 * ROW_GAP;
            }
            acc += width + COLUMN_GAP;
            let mut y = y0 + (tallest - col_h(members)) / 2.0;
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
        layout.labels = static_labels(&layout);
        self.cables(&mut layout);
        let mut bounds = layout.boxes.first().map(|b| b.rect).unwrap_or_default();
        let cable_points = layout.cables.iter().flat_map(|c| &c.points).map(|p| Rect {
            x: p[0],
            y: p[1],
            w: 0.0,
            h: 0.0,
        });
        for r in layout
            .boxes
            .iter()
            .map(|b| b.rect)
            .chain(layout.labels.iter().map(|l| l.rect))
            .chain(cable_points)
        {
            bounds = bounds.union(&r);
        }
        layout.bounds = bounds.grown(8.0);
        layout
    }

    fn boxes(&self, roots: &[usize], layout: &mut Layout) {
        let mut todo: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
        while let Some((ns, depth)) = todo.pop() {
            let n = &self.net.namespaces[ns];
            let r = self.rect[ns];
            let notes = self.notes(ns);
            let mut y = r.y + HEADER_H + notes.len() as f32 * NOTE_H;
            let processes = self
                .processes(ns)
                .into_iter()
                .map(|p| {
                    let w = labels::text_size(&p, LabelKind::Process.px()).0 + 16.0;
                    let rect = Rect {
                        x: r.x + PAD,
                        y,
                        w,
                        h: PROCESS_H - 6.0,
                    };
                    y += PROCESS_H;
                    (p, rect)
                })
                .collect();
            let stack = self.stack_tables(ns).map(|present| {
                let x = r.x + (r.w - crate::stack::STRIP_W) / 2.0;
                StackStrip::new(&n.name, x, y + 4.0, &present)
            });
            layout.boxes.push(NsBox {
                ns: n.name.to_string(),
                role: n.role,
                rect: r,
                depth,
                parent: self.parent[ns].map(|p| self.net.namespaces[p].name.to_string()),
                notes,
                icon: self.icon(ns),
                stack,
                processes,
            });
            for &k in self.children[ns].iter().rev() {
                todo.push((k, depth + 1));
            }
        }
    }

    fn icon(&self, ns: usize) -> Icon {
        let n = &self.net.namespaces[ns];
        match n.role {
            NsRole::Host if self.runs_vm(ns) => Icon::Desktop,
            NsRole::Host => Icon::LinuxHost,
            NsRole::Vm => Icon::Vm,
            NsRole::Container => Icon::Container,
            NsRole::Router => Icon::Router,
            NsRole::External => {
                let name = n.name.to_lowercase();
                let personal = ["laptop", "client", "pc", "browser", "user", "desk"];
                if personal.iter().any(|p| name.contains(p)) {
                    Icon::Laptop
                } else {
                    Icon::Server
                }
            }
        }
    }

    fn bridges(&self, layout: &mut Layout) {
        for (ns, n) in self.net.namespaces.iter().enumerate() {
            let r = self.rect[ns];
            let top = r.y + HEADER_H + self.upper_h(ns);
            for (k, id) in self.bridges_of(ns).into_iter().enumerate() {
                let i = self.net.iface(id);
                layout.bridges.push(BridgeBar {
                    ns: n.name.to_string(),
                    name: i.name.to_string(),
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
                let mut slot = 0;
                let (side, pos) = if let Some(bar) = bar {
                    let y = bar.rect.y + bar.rect.h / 2.0;
                    let x = match (is_child, self.net.peer(id)) {
                        // Above the child's port on its top edge, so the cable drops straight.
                        (true, Some((p, _))) => self.up_port_x(self.net.iface(p).ns.index(), p),
                        _ => {
                            // Counted from each end: ports towards the left from the left
                            // end, the others from the right end.
                            let end = if towards_left { "<" } else { ">" };
                            let k = bump(&mut used, Side::Bar, Some(format!("{}{end}", bar.name)));
                            if towards_left {
                                bar.rect.x + BAR_PORT_END + BAR_PORT_PITCH * k as f32
                            } else {
                                bar.rect.x + bar.rect.w - BAR_PORT_END - BAR_PORT_PITCH * k as f32
                            }
                        }
                    };
                    (Side::Bar, [x, y])
                } else if is_parent {
                    // Right of centre, so the label under it clears the box's title.
                    slot = bump(&mut used, Side::Top, None);
                    (Side::Top, [self.up_port_x(ns, id), r.y])
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
                    // Beside the stations a packet meets first (PREROUTING) or last.
                    let y0 = match layout.boxes.iter().find(|b| b.ns == n.name) {
                        Some(NsBox {
                            stack: Some(strip), ..
                        }) => strip.station(crate::stack::Station::Prerouting).center()[1],
                        _ => r.y + HEADER_H + 8.0,
                    };
                    (side, [x, y0 + 46.0 * k])
                };
                let label = iface_label(i);
                let mac = i.mac.to_string();
                let inside_edge = self.children[ns].is_empty() && self.stack_tables(ns).is_none();
                let child_bar_port = side == Side::Bar && is_child;
                let (label_rect, mac_rect) =
                    port_label_rects(side, pos, &label, &mac, inside_edge, slot, child_bar_port);
                let fdb_rect = (side == Side::Bar).then(|| {
                    let below = if child_bar_port { label_rect } else { mac_rect };
                    labels::rect_at(
                        pos[0] + 8.0,
                        below.y + below.h + 1.0,
                        "MAC 00:00:00:00:00:00",
                        LabelKind::Fdb.px(),
                    )
                });
                layout.ports.push(Port {
                    ns: n.name.to_string(),
                    iface: i.name.to_string(),
                    pos,
                    side,
                    label,
                    mac,
                    kind: i.kind.name(),
                    label_rect,
                    mac_rect,
                    fdb_rect,
                });
            }
        }
    }

    fn cables(&self, layout: &mut Layout) {
        let mut links = Vec::new();
        for i in &self.net.ifaces {
            let Some((p, _)) = self.net.peer(i.id) else {
                continue;
            };
            if p.index() < i.id.index() {
                continue;
            }
            let pi = self.net.iface(p);
            let a = (self.net.ns(i.ns).name.to_string(), i.name.to_string());
            let b = (self.net.ns(pi.ns).name.to_string(), pi.name.to_string());
            if layout.port(&a.0, &a.1).is_some() && layout.port(&b.0, &b.1).is_some() {
                links.push((a, b, matches!(i.kind, IfaceKind::Veth)));
            }
        }
        let ends: Vec<(&Port, &Port)> = links
            .iter()
            .filter_map(|(a, b, _)| Some((layout.port(&a.0, &a.1)?, layout.port(&b.0, &b.1)?)))
            .collect();
        let routes = crate::routes::route(layout, &ends);
        layout.cables = links
            .into_iter()
            .zip(routes)
            .map(|((a, b, veth), points)| Cable { a, b, points, veth })
            .collect();
    }
}

/// Where a port's label and MAC are written. Edge ports of a box that holds nothing else write
/// inside it; others write outside the box, above their cable; veth ends beside the cable.
fn port_label_rects(
    side: Side,
    pos: Point,
    label: &str,
    mac: &str,
    inside_edge: bool,
    slot: usize,
    child_bar_port: bool,
) -> (Rect, Rect) {
    let (lp, mp) = (LabelKind::Port.px(), LabelKind::Mac.px());
    let (lw, lh) = labels::text_size(label, lp);
    let (mw, mh) = labels::text_size(mac, mp);
    let [x, y] = pos;
    let rects = |lx: f32, ly: f32, mx: f32, my: f32| {
        (
            Rect {
                x: lx,
                y: ly,
                w: lw,
                h: lh,
            },
            Rect {
                x: mx,
                y: my,
                w: mw,
                h: mh,
            },
        )
    };
    match side {
        Side::Left if inside_edge => rects(x + 10.0, y + 4.0, x + 10.0, y + 4.0 + lh),
        Side::Right if inside_edge => rects(x - 10.0 - lw, y + 4.0, x - 10.0 - mw, y + 4.0 + lh),
        // Outside the box: above the cable on the left, below it on the right, so two boxes'
        // labels in the gap between them never meet.
        Side::Left => rects(x - 8.0 - lw, y - 4.0 - lh, x - 8.0 - mw, y - 4.0 - lh - mh),
        Side::Right => rects(x + 8.0, y + 4.0, x + 8.0, y + 4.0 + lh),
        // A container's end of its veth: right of the cable, just above the box; a second
        // veth's label one row higher.
        Side::Top => {
            let row = slot as f32;
            rects(
                x + 8.0,
                y - 4.0 - lh - row * (lh + 2.0),
                x - 8.0 - mw,
                y - 4.0 - mh - row * (lh + 2.0),
            )
        }
        // A bridge port: right of the cable, under the bar (towards a child its MAC left of
        // the cable; elsewhere under the label).
        Side::Bar if child_bar_port => rects(
            x + 8.0,
            y + BAR_H / 2.0 + 3.0,
            x - 8.0 - mw,
            y + BAR_H / 2.0 + 3.0,
        ),
        Side::Bar => rects(
            x + 8.0,
            y + BAR_H / 2.0 + 3.0,
            x + 8.0,
            y + BAR_H / 2.0 + 3.0 + lh,
        ),
        Side::Bottom => rects(x + 8.0, y - lh / 2.0, x - 8.0 - mw, y - mh / 2.0),
    }
}

/// `eth0 172.17.0.2/16`; further addresses as `+N` (the console's `ip addr` lists them).
fn iface_label(i: &docknet_sim::model::Interface) -> String {
    match i.addrs.as_slice() {
        [] => i.name.to_string(),
        [a] => format!("{} {a}", i.name),
        [a, rest @ ..] => format!("{} {a} +{}", i.name, rest.len()),
    }
}

/// Every piece of text of the static picture with the rectangle it takes.
fn static_labels(l: &Layout) -> Vec<Label> {
    let mut out = Vec::new();
    let mut push = |kind: LabelKind, text: &str, rect: Rect, ns: &str| {
        out.push(Label {
            kind,
            text: text.to_string(),
            rect,
            ns: ns.to_string(),
        })
    };
    for b in &l.boxes {
        let (x, y) = (b.rect.x + 10.0, b.rect.y + 8.0);
        push(
            LabelKind::Icon,
            "",
            Rect {
                x,
                y,
                w: ICON,
                h: ICON,
            },
            &b.ns,
        );
        let tx = x + ICON + 8.0;
        push(
            LabelKind::Title,
            &b.ns,
            labels::rect_at(tx, y, &b.ns, LabelKind::Title.px()),
            &b.ns,
        );
        let role = role_name(b.role);
        push(
            LabelKind::Role,
            role,
            labels::rect_at(tx, y + 28.0, role, LabelKind::Role.px()),
            &b.ns,
        );
        for (i, note) in b.notes.iter().enumerate() {
            push(
                LabelKind::Note,
                note,
                labels::rect_at(
                    b.rect.x + 12.0,
                    b.rect.y + HEADER_H + NOTE_H * i as f32,
                    note,
                    LabelKind::Note.px(),
                ),
                &b.ns,
            );
        }
        for (p, r) in &b.processes {
            push(LabelKind::Process, p, *r, &b.ns);
        }
        if let Some(strip) = &b.stack {
            for (kind, r) in strip.text_rects() {
                push(kind, "", r, &b.ns);
            }
        }
    }
    for bar in &l.bridges {
        let text = format!("bridge {}", bar.label);
        let (w, h) = labels::text_size(&text, LabelKind::Bridge.px());
        push(
            LabelKind::Bridge,
            &text,
            Rect {
                x: bar.rect.x,
                y: bar.rect.y - 4.0 - h,
                w,
                h,
            },
            &bar.ns,
        );
    }
    for p in &l.ports {
        push(LabelKind::Port, &p.label, p.label_rect, &p.ns);
        push(LabelKind::Mac, &p.mac, p.mac_rect, &p.ns);
        if let Some(r) = p.fdb_rect {
            push(LabelKind::Fdb, "", r, &p.ns);
        }
    }
    out
}

/// What a box stands for, under its title.
pub fn role_name(role: NsRole) -> &'static str {
    match role {
        NsRole::Host => "host",
        NsRole::Vm => "VM",
        NsRole::Container => "container",
        NsRole::Router => "router",
        NsRole::External => "external",
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
pub(crate) mod tests {
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
        let all = every_bundled_scenario();
        assert!(all.len() > 30);
        for (f, built) in &all {
            let l = Layout::of_built(built);
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
                    assert!(nested || apart, "{}: {} overlaps {}", f, a.ns, b.ns);
                }
            }
            // Every link has a drawn cable.
            let links = built.sim.net.graph.edge_count();
            assert_eq!(l.cables.len(), links, "{f}");
        }
    }

    /// Every bundled lesson (compose files too) and exercise (an exercise as its default
    /// learner's variant).
    pub(crate) fn every_bundled_scenario() -> Vec<(String, crate::document::Built)> {
        let root = format!("{}/../../scenarios", env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(root)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "ron" || x == "yaml") {
                    files.push(p);
                }
            }
        }
        files.sort();
        files
            .into_iter()
            .map(|f| {
                let name = f.display().to_string();
                let text = std::fs::read_to_string(&f).unwrap();
                let built = if crate::exercise::is_exercise(&text) {
                    let (_, doc) =
                        crate::exercise::session::Attempt::start(&name, &text, "learner").unwrap();
                    doc.build().unwrap()
                } else {
                    Document::load(&name, &text).unwrap().1
                };
                (name, built)
            })
            .collect()
    }

    #[test]
    fn every_port_sits_on_its_own_box_apart_from_the_others() {
        for (name, built) in every_bundled_scenario() {
            let l = Layout::of_built(&built);
            for (i, p) in l.ports.iter().enumerate() {
                for q in &l.ports[i + 1..] {
                    let d = (p.pos[0] - q.pos[0]).hypot(p.pos[1] - q.pos[1]);
                    assert!(
                        d >= 12.0,
                        "{name}: {}:{} and {}:{} share a place",
                        p.ns,
                        p.iface,
                        q.ns,
                        q.iface
                    );
                }
                let b = l.ns_box(&p.ns).unwrap().rect.grown(1.0);
                let [x, y] = p.pos;
                assert!(
                    x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h,
                    "{name}: {}:{} at {:?} is outside its box {:?}",
                    p.ns,
                    p.iface,
                    p.pos,
                    b
                );
            }
        }
    }

    #[test]
    fn no_two_labels_overlap_and_all_fit_the_picture_at_both_window_sizes() {
        let all = every_bundled_scenario();
        assert!(all.len() > 30);
        if std::env::var("LAYOUT_REPORT").is_ok() {
            for (name, built) in &all {
                let l = Layout::of_built(built);
                let o = labels::first_overlap(&l.labels)
                    .map(|(a, b)| format!("{:?} {:?} / {:?} {:?}", a.kind, a.text, b.kind, b.text));
                eprintln!(
                    "{name}: {:.1} px, {:.0}x{:.0} {o:?}",
                    l.smallest_text_px(crate::labels::picture_viewport((1280.0, 720.0), false)),
                    l.bounds.w,
                    l.bounds.h
                );
            }
        }
        for (name, built) in &all {
            let l = Layout::of_built(built);
            if let Some((a, b)) = labels::first_overlap(&l.labels) {
                panic!(
                    "{name}: {:?} {:?} at {:?} overlaps {:?} {:?} at {:?}",
                    a.kind, a.text, a.rect, b.kind, b.text, b.rect
                );
            }
            for lab in &l.labels {
                assert!(lab.rect.inside(&l.bounds), "{name}: {lab:?} outside");
            }
            // Boxes' titles never sit under another box's title or label.
            for size in [(1280.0, 720.0), (1920.0, 1080.0)] {
                let view = crate::labels::picture_viewport(size, false);
                let px = l.smallest_text_px(view) * 1280.0 / size.0;
                assert!(
                    px >= crate::labels::MIN_READABLE_PX,
                    "{name} at {size:?}: smallest text {px:.1} px"
                );
            }
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
