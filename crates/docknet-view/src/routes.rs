//! Cable routes that stay visible: a cable's straight route (one elbow) is kept unless it runs
//! through a bridge bar, another port, a box's title or along another cable; then it goes
//! round, down from its ports, across below the boxes (or above them) and back, each such
//! detour in a channel of its own so two never overlap.
//!
//! Every route is a polyline of horizontal and vertical segments.

use crate::labels::LabelKind;
use crate::layout::{Layout, Point, Port, Rect, Side};

/// The side of a port's square as drawn.
pub const PORT_SIZE: f32 = 12.0;
/// Distance between parallel detour channels, and from the boxes to the first.
const CHANNEL: f32 = 18.0;
/// How far a detour leaves an edge port before it turns.
const STUB: f32 = 20.0;

/// How bad a route is: what it must not cross (bars, ports, titles, other cables run along),
/// then other text it crosses.
type Cost = (usize, usize);

/// Which way a detour goes round.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    Below,
    Above,
}

/// The route of every link `(a, b)`, in order: straight where that is clear, else a detour.
pub fn route(layout: &Layout, links: &[(&Port, &Port)]) -> Vec<Vec<Point>> {
    let mut routes: Vec<Vec<Point>> = links.iter().map(|(a, b)| straight(a, b)).collect();
    let others = |routes: &[Vec<Point>], k: usize| -> Vec<Vec<Point>> {
        (0..routes.len())
            .filter(|&o| o != k)
            .map(|o| routes[o].clone())
            .collect()
    };
    let mut order: Vec<usize> = (0..links.len())
        .filter(|&k| cost(layout, links[k], &routes[k], &others(&routes, k)).0 > 0)
        .collect();
    // Narrow detours inside wide ones, so they nest rather than cross.
    order.sort_by(|&i, &j| span(links[i]).total_cmp(&span(links[j])).then(i.cmp(&j)));
    let mut channels = [0usize; 2];
    for k in order {
        let others = others(&routes, k);
        // A detour must cross fewer of what must not be crossed; between two, less text.
        let now = cost(layout, links[k], &routes[k], &others).0;
        let mut best: Option<(Cost, usize, Vec<Point>)> = None;
        for (w, way) in [Way::Below, Way::Above].into_iter().enumerate() {
            let r = detour(layout, links[k], way, channels[w] + 1);
            let c = cost(layout, links[k], &r, &others);
            if c.0 < now && best.as_ref().is_none_or(|(b, _, _)| c < *b) {
                best = Some((c, w, r));
            }
        }
        if let Some((_, w, r)) = best {
            channels[w] += 1;
            routes[k] = r;
        }
    }
    routes
}

/// One elbow: across between two edge ports, else along the vertical first.
fn straight(a: &Port, b: &Port) -> Vec<Point> {
    let horizontal = |s: Side| matches!(s, Side::Left | Side::Right);
    let (s, e) = (a.pos, b.pos);
    if horizontal(a.side) && horizontal(b.side) {
        let mx = (s[0] + e[0]) / 2.0;
        vec![s, [mx, s[1]], [mx, e[1]], e]
    } else {
        let my = (s[1] + e[1]) / 2.0;
        vec![s, [s[0], my], [e[0], my], e]
    }
}

fn span((a, b): (&Port, &Port)) -> f32 {
    (a.pos[0] - b.pos[0]).abs()
}

/// Out of each port (sideways from an edge port, straight from the others), to channel
/// `channel` below (or above) every box the route passes, across, and back.
fn detour(layout: &Layout, (a, b): (&Port, &Port), way: Way, channel: usize) -> Vec<Point> {
    let exit = |p: &Port| match p.side {
        Side::Left => [p.pos[0] - STUB, p.pos[1]],
        Side::Right => [p.pos[0] + STUB, p.pos[1]],
        _ => p.pos,
    };
    let (sa, sb) = (exit(a), exit(b));
    let (x0, x1) = (sa[0].min(sb[0]), sa[0].max(sb[0]));
    let under = layout
        .boxes
        .iter()
        .map(|b| b.rect)
        .filter(|r| r.x <= x1 && x0 <= r.x + r.w);
    let offset = CHANNEL * channel as f32;
    let y = match way {
        Way::Below => under.map(|r| r.y + r.h).fold(sa[1].max(sb[1]), f32::max) + offset,
        Way::Above => under.map(|r| r.y).fold(sa[1].min(sb[1]), f32::min) - offset,
    };
    let mut points = vec![a.pos, sa, [sa[0], y], [sb[0], y], sb, b.pos];
    points.dedup();
    points
}

/// What `points`, the route of link `ends`, runs through: bars (but its own end's bar where
/// it leaves it straight), other ports, titles, and `others` cables run along; then labels.
fn cost(layout: &Layout, ends: (&Port, &Port), points: &[Point], others: &[Vec<Point>]) -> Cost {
    let own = |p: &Port| {
        p.ns == ends.0.ns && p.iface == ends.0.iface || p.ns == ends.1.ns && p.iface == ends.1.iface
    };
    let mut hard = 0;
    let mut soft = 0;
    for seg in points.windows(2) {
        let seg = [seg[0], seg[1]];
        if seg[0] == seg[1] {
            continue;
        }
        let vertical = seg[0][0] == seg[1][0];
        for bar in &layout.bridges {
            let leaves_own_bar = vertical
                && [ends.0, ends.1].iter().any(|p| {
                    p.side == Side::Bar && bar.rect.contains(p.pos) && seg.contains(&p.pos)
                });
            if !leaves_own_bar && crosses(seg, &bar.rect) {
                hard += 1;
            }
        }
        for p in layout.ports.iter().filter(|p| !own(p)) {
            let square = Rect {
                x: p.pos[0] - PORT_SIZE / 2.0,
                y: p.pos[1] - PORT_SIZE / 2.0,
                w: PORT_SIZE,
                h: PORT_SIZE,
            };
            if crosses(seg, &square) {
                hard += 1;
            }
        }
        for l in &layout.labels {
            if crosses(seg, &l.rect) {
                if l.kind == LabelKind::Title {
                    hard += 1;
                } else {
                    soft += 1;
                }
            }
        }
        for other in others {
            hard += other
                .windows(2)
                .filter(|o| collinear_overlap(seg, [o[0], o[1]]))
                .count();
        }
    }
    (hard, soft)
}

/// Whether an axis-parallel segment runs through the inside of `r` (touching is not).
pub fn crosses(seg: [Point; 2], r: &Rect) -> bool {
    let (x0, x1) = (seg[0][0].min(seg[1][0]), seg[0][0].max(seg[1][0]));
    let (y0, y1) = (seg[0][1].min(seg[1][1]), seg[0][1].max(seg[1][1]));
    let within = |lo: f32, hi: f32, a: f32, len: f32| {
        if lo == hi {
            a < lo && lo < a + len
        } else {
            lo.max(a) < hi.min(a + len)
        }
    };
    within(x0, x1, r.x, r.w) && within(y0, y1, r.y, r.h)
}

/// Whether two axis-parallel segments lie on one line and share a stretch longer than a
/// cable is wide.
pub fn collinear_overlap(a: [Point; 2], b: [Point; 2]) -> bool {
    let axis = |s: [Point; 2]| {
        if s[0][1] == s[1][1] {
            Some(0)
        } else if s[0][0] == s[1][0] {
            Some(1)
        } else {
            None
        }
    };
    let (Some(i), Some(j)) = (axis(a), axis(b)) else {
        return false;
    };
    let other = 1 - i;
    if i != j || (a[0][other] - b[0][other]).abs() > 3.0 {
        return false;
    }
    let lo = a[0][i].min(a[1][i]).max(b[0][i].min(b[1][i]));
    let hi = a[0][i].max(a[1][i]).min(b[0][i].max(b[1][i]));
    hi - lo > 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Cable;

    fn segments(c: &Cable) -> impl Iterator<Item = [Point; 2]> + '_ {
        c.points
            .windows(2)
            .map(|w| [w[0], w[1]])
            .filter(|s| s[0] != s[1])
    }

    /// Whether a segment is the one that leaves a bridge port of `c` straight out of its bar.
    fn leaves_own_port(l: &Layout, c: &Cable, seg: [Point; 2]) -> bool {
        [&c.a, &c.b].into_iter().any(|(ns, iface)| {
            l.port(ns, iface).is_some_and(|p| {
                p.side == Side::Bar && seg.contains(&p.pos) && seg[0][0] == seg[1][0]
            })
        })
    }

    #[test]
    fn both_links_of_the_bridge_loop_are_seen_whole() {
        let (_, built) = crate::layout::tests::every_bundled_scenario()
            .into_iter()
            .find(|(f, _)| f.ends_with("kernel/bridge-loop.ron"))
            .expect("bridge-loop is bundled");
        let l = Layout::of_built(&built);
        assert_eq!(l.cables.len(), 2);
        for c in &l.cables {
            // It joins its two ports with horizontal and vertical segments.
            let (a, b) = (
                l.port(&c.a.0, &c.a.1).unwrap(),
                l.port(&c.b.0, &c.b.1).unwrap(),
            );
            assert_eq!(c.points.first(), Some(&a.pos), "{c:?}");
            assert_eq!(c.points.last(), Some(&b.pos), "{c:?}");
            for s in segments(c) {
                assert!(s[0][0] == s[1][0] || s[0][1] == s[1][1], "{c:?}");
                for bar in &l.bridges {
                    assert!(
                        leaves_own_port(&l, c, s) || !crosses(s, &bar.rect),
                        "{:?}-{:?}: {s:?} lies on {}'s bar {:?}",
                        c.a,
                        c.b,
                        bar.ns,
                        bar.rect
                    );
                }
                for o in l.cables.iter().filter(|o| o.a != c.a) {
                    assert!(
                        !segments(o).any(|t| collinear_overlap(s, t)),
                        "{s:?} on {o:?}"
                    );
                }
                assert!(l.bounds.contains(s[0]) && l.bounds.contains(s[1]));
            }
        }
    }

    /// No cable of any bundled scenario runs along a bar or another cable, or through another
    /// port or a title. (A cable from a host's upper bridge down to a container may still pass
    /// under a lower bridge's bar, crossing it.)
    #[test]
    fn no_cable_runs_along_a_bar_or_a_cable_nor_through_a_port_or_title() {
        for (name, built) in crate::layout::tests::every_bundled_scenario() {
            let l = Layout::of_built(&built);
            for c in &l.cables {
                let end = |p: &Port| {
                    (&p.ns, &p.iface) == (&c.a.0, &c.a.1) || (&p.ns, &p.iface) == (&c.b.0, &c.b.1)
                };
                for s in segments(c) {
                    let horizontal = s[0][1] == s[1][1];
                    for bar in &l.bridges {
                        assert!(
                            !(horizontal && crosses(s, &bar.rect)),
                            "{name}: {:?}-{:?} runs along {}'s bar",
                            c.a,
                            c.b,
                            bar.ns
                        );
                    }
                    for p in l.ports.iter().filter(|p| !end(p)) {
                        assert!(
                            !crosses(
                                s,
                                &Rect {
                                    x: p.pos[0] - PORT_SIZE / 2.0,
                                    y: p.pos[1] - PORT_SIZE / 2.0,
                                    w: PORT_SIZE,
                                    h: PORT_SIZE,
                                }
                            ),
                            "{name}: {:?}-{:?} runs through port {} {}",
                            c.a,
                            c.b,
                            p.ns,
                            p.iface
                        );
                    }
                    for t in l.labels.iter().filter(|t| t.kind == LabelKind::Title) {
                        assert!(
                            !crosses(s, &t.rect),
                            "{name}: {c:?} through title {}",
                            t.text
                        );
                    }
                    for o in l.cables.iter().filter(|o| o.a != c.a || o.b != c.b) {
                        assert!(
                            !segments(o).any(|t| collinear_overlap(s, t)),
                            "{name}: {c:?} along {o:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn segments_cross_a_rectangle_only_through_its_inside() {
        let r = Rect {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        assert!(crosses([[-5.0, 5.0], [15.0, 5.0]], &r));
        assert!(crosses([[5.0, -5.0], [5.0, 3.0]], &r));
        assert!(!crosses([[-5.0, 10.0], [15.0, 10.0]], &r), "along an edge");
        assert!(!crosses([[-5.0, 5.0], [0.0, 5.0]], &r), "up to an edge");
        assert!(collinear_overlap(
            [[0.0, 1.0], [10.0, 1.0]],
            [[5.0, 2.0], [20.0, 2.0]]
        ));
        assert!(!collinear_overlap(
            [[0.0, 1.0], [10.0, 1.0]],
            [[5.0, 20.0], [20.0, 20.0]]
        ));
        assert!(!collinear_overlap(
            [[0.0, 1.0], [10.0, 1.0]],
            [[10.0, 1.0], [20.0, 1.0]]
        ));
        assert!(!collinear_overlap(
            [[5.0, 0.0], [5.0, 10.0]],
            [[0.0, 5.0], [10.0, 5.0]]
        ));
    }
}
