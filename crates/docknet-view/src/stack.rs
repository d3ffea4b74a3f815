//! A namespace's kernel drawn inside its box: the netfilter hook stations in their real order
//! (PREROUTING, the routing decision, INPUT / FORWARD / OUTPUT with the local process above,
//! POSTROUTING), the tables present at each, a line for the matching rule and a small
//! conntrack table. Also which station a trace record puts a packet at.

use crate::labels::{self, LabelKind};
use crate::layout::{Point, Rect};
use docknet_sim::netfilter::Hook;
use docknet_sim::trace::{Dir, TraceEvent, TraceRecord};

/// A place in the kernel's path a packet can be at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Station {
    Prerouting,
    Routing,
    Input,
    Forward,
    Output,
    Postrouting,
    /// The local process: where INPUT delivers and OUTPUT starts.
    Local,
}

impl Station {
    pub const ALL: [Station; 7] = [
        Station::Prerouting,
        Station::Routing,
        Station::Input,
        Station::Forward,
        Station::Output,
        Station::Postrouting,
        Station::Local,
    ];

    /// The hook's name as iptables spells it, or what the station is.
    pub fn name(self) -> &'static str {
        match self {
            Station::Prerouting => "PREROUTING",
            Station::Routing => "routing",
            Station::Input => "INPUT",
            Station::Forward => "FORWARD",
            Station::Output => "OUTPUT",
            Station::Postrouting => "POSTROUTING",
            Station::Local => "local process",
        }
    }

    pub fn from_hook(hook: &str) -> Option<Station> {
        Some(match hook {
            "PREROUTING" => Station::Prerouting,
            "INPUT" => Station::Input,
            "FORWARD" => Station::Forward,
            "OUTPUT" => Station::Output,
            "POSTROUTING" => Station::Postrouting,
            _ => return None,
        })
    }

    /// The tables a hook runs, in kernel priority order (the netfilter view's pipeline).
    pub fn tables(self) -> &'static [&'static str] {
        crate::netfilter::PIPELINE
            .iter()
            .find(|(hook, _)| *hook == self.name())
            .map_or(&[], |(_, tables)| *tables)
    }
}

/// One station as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct StationBox {
    pub station: Station,
    pub rect: Rect,
    /// The tables this namespace has rules in, among those the hook runs, with their tags.
    pub tables: Vec<(String, Rect)>,
}

impl StationBox {
    pub fn center(&self) -> Point {
        self.rect.center()
    }
}

/// The whole kernel strip of one namespace.
#[derive(Clone, Debug, PartialEq)]
pub struct StackStrip {
    pub ns: String,
    pub rect: Rect,
    pub stations: Vec<StationBox>,
    /// The arrows between stations, in path order.
    pub arrows: Vec<(Station, Station)>,
    /// Where the matching rule is written.
    pub rule_line: Rect,
    /// Where the conntrack table is written (a title line, then [`CONNTRACK_ROWS`] rows).
    pub conntrack: Rect,
}

/// How many characters of `kind` fit on one line across the strip.
pub fn chars_across(kind: LabelKind) -> usize {
    (STRIP_W / (labels::ADVANCE * kind.px())) as usize
}

/// Rows of the conntrack table (the newest entries).
pub const CONNTRACK_ROWS: usize = 3;

const STATION_W: f32 = 106.0;
const STATION_H: f32 = 58.0;
const COL: f32 = 118.0;
/// Width and height of the strip.
pub const STRIP_W: f32 = 4.0 * COL + STATION_W;
const ROW_LOCAL: f32 = 0.0;
const ROW_TOP: f32 = 40.0;
const ROW_MID: f32 = 116.0;
const RULE_Y: f32 = 180.0;
/// The rule line wraps onto a second line.
const RULE_LINES: f32 = 2.0;
const CT_Y: f32 = RULE_Y + RULE_LINES * 15.6 + 6.0;
pub const STRIP_H: f32 = CT_Y + (CONNTRACK_ROWS as f32 + 1.0) * 17.0 + 6.0;

/// The arrows of the kernel's path.
const ARROWS: [(Station, Station); 7] = [
    (Station::Prerouting, Station::Routing),
    (Station::Routing, Station::Forward),
    (Station::Forward, Station::Postrouting),
    (Station::Routing, Station::Input),
    (Station::Input, Station::Local),
    (Station::Local, Station::Output),
    (Station::Output, Station::Postrouting),
];

impl StackStrip {
    /// The strip with its top-left corner at `(x, y)` for a namespace with rules in `present`.
    pub fn new(ns: &str, x: f32, y: f32, present: &[&str]) -> StackStrip {
        let at = |col: f32, row: f32, w: f32, h: f32| Rect {
            x: x + col * COL + (STATION_W - w) / 2.0,
            y: y + row,
            w,
            h,
        };
        let stations = Station::ALL
            .iter()
            .map(|&s| {
                let rect = match s {
                    Station::Prerouting => at(0.0, ROW_MID, STATION_W, STATION_H),
                    Station::Routing => at(1.0, ROW_MID + 8.0, 90.0, 42.0),
                    Station::Input => at(2.0, ROW_TOP, STATION_W, STATION_H),
                    Station::Forward => at(2.5, ROW_MID, STATION_W, STATION_H),
                    Station::Output => at(3.0, ROW_TOP, STATION_W, STATION_H),
                    Station::Postrouting => at(4.0, ROW_MID, STATION_W, STATION_H),
                    Station::Local => at(2.5, ROW_LOCAL, COL + STATION_W, 28.0),
                };
                StationBox {
                    station: s,
                    tables: table_tags(s, rect, present),
                    rect,
                }
            })
            .collect();
        StackStrip {
            ns: ns.into(),
            rect: Rect {
                x,
                y,
                w: STRIP_W,
                h: STRIP_H,
            },
            stations,
            arrows: ARROWS.to_vec(),
            rule_line: Rect {
                x,
                y: y + RULE_Y,
                w: STRIP_W,
                h: RULE_LINES * labels::LINE * LabelKind::Rule.px(),
            },
            conntrack: Rect {
                x,
                y: y + CT_Y,
                w: STRIP_W,
                h: STRIP_H - CT_Y,
            },
        }
    }

    pub fn station(&self, s: Station) -> &StationBox {
        &self.stations[Station::ALL.iter().position(|&x| x == s).unwrap_or(0)]
    }

    /// Where a packet at `s` (in `table`, when given) is drawn: just right of the table's
    /// tag if it has one (the tag stays readable), else the station's centre.
    pub fn marker_pos(&self, s: Station, table: Option<&str>) -> Point {
        let b = self.station(s);
        table
            .and_then(|t| b.tables.iter().find(|(name, _)| name == t))
            .map_or(b.center(), |(_, r)| {
                [
                    (r.x + r.w + 20.0).min(b.rect.x + b.rect.w - 10.0),
                    r.center()[1],
                ]
            })
    }

    /// The rectangles that hold text (station boxes, the rule line, the conntrack table).
    pub fn text_rects(&self) -> Vec<(LabelKind, Rect)> {
        let mut out: Vec<(LabelKind, Rect)> = self
            .stations
            .iter()
            .map(|s| (LabelKind::Station, s.rect))
            .collect();
        out.push((LabelKind::Rule, self.rule_line));
        out.push((LabelKind::Conntrack, self.conntrack));
        out
    }
}

/// The table tags of a station: up to three on a row under the hook's name.
fn table_tags(s: Station, rect: Rect, present: &[&str]) -> Vec<(String, Rect)> {
    let px = LabelKind::Table.px();
    let h = labels::LINE * px;
    let mut out = Vec::new();
    let (mut x, mut y) = (rect.x + 4.0, rect.y + 22.0);
    for t in s.tables().iter().filter(|t| present.contains(t)) {
        let w = labels::text_size(t, px).0 + 6.0;
        if x + w > rect.x + rect.w - 2.0 {
            x = rect.x + 4.0;
            y += h + 2.0;
        }
        out.push((t.to_string(), Rect { x, y, w, h }));
        x += w + 4.0;
    }
    out
}

/// Where a packet is in `ns`'s kernel after the last record of its `visit` (the records of
/// this packet's current visit to the namespace, oldest first), with the table when it is
/// inside one.
pub fn station_of(visit: &[&TraceRecord]) -> Option<(Station, Option<String>)> {
    let last = visit.last()?;
    let last_hook = || {
        visit.iter().rev().find_map(|r| match &r.event {
            TraceEvent::Hook { hook, table, .. } => {
                Station::from_hook(hook.as_str()).map(|s| (s, Some(table.to_string())))
            }
            _ => None,
        })
    };
    // A packet that arrived from outside was routed at the routing decision; one the
    // namespace made itself asks the routing table from the local process.
    let arrived = visit.iter().any(|r| match &r.event {
        TraceEvent::Capture { dir: Dir::In, .. } => true,
        TraceEvent::Hook { hook, .. } => *hook == Hook::Prerouting,
        _ => false,
    });
    match &last.event {
        TraceEvent::Hook { hook, table, .. } | TraceEvent::Rule { hook, table, .. } => {
            Station::from_hook(hook.as_str()).map(|s| (s, Some(table.to_string())))
        }
        TraceEvent::Route { .. } => Some((
            if arrived {
                Station::Routing
            } else {
                Station::Local
            },
            None,
        )),
        TraceEvent::Socket { .. } => Some((Station::Local, None)),
        TraceEvent::Nat { .. } | TraceEvent::Conntrack { .. } | TraceEvent::Log { .. } => {
            last_hook()
        }
        TraceEvent::Drop { .. } => last_hook().or_else(|| {
            visit
                .iter()
                .any(|r| matches!(r.event, TraceEvent::Route { .. }))
                .then_some((Station::Routing, None))
        }),
        _ => None,
    }
}

/// The stations a packet's visit has passed through so far, in order (each once).
pub fn path_of(visit: &[&TraceRecord]) -> Vec<Station> {
    let mut out: Vec<Station> = Vec::new();
    for k in 1..=visit.len() {
        if let Some((s, _)) = station_of(&visit[..k])
            && out.last() != Some(&s)
        {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stations_do_not_overlap_and_tags_stay_inside() {
        let s = StackStrip::new("host", 0.0, 0.0, &["raw", "mangle", "nat", "filter"]);
        for (i, a) in s.stations.iter().enumerate() {
            for b in &s.stations[i + 1..] {
                assert!(
                    !a.rect.intersects(&b.rect),
                    "{:?} / {:?}",
                    a.station,
                    b.station
                );
            }
            for (t, r) in &a.tables {
                assert!(r.inside(&a.rect), "{t} outside {:?}", a.station);
            }
            assert!(a.rect.inside(&s.rect));
        }
        // OUTPUT runs four tables: they wrap onto a second row.
        assert_eq!(s.station(Station::Output).tables.len(), 4);
        assert!(!s.rule_line.intersects(&s.station(Station::Forward).rect));
        assert!(!s.conntrack.intersects(&s.rule_line));
    }

    #[test]
    fn only_present_tables_are_tagged() {
        let s = StackStrip::new("r", 0.0, 0.0, &["nat"]);
        let names = |st| {
            s.station(st)
                .tables
                .iter()
                .map(|(t, _)| t.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Station::Prerouting), ["nat"]);
        assert!(names(Station::Forward).is_empty());
    }
}
