//! The kernel's live parts in the picture, recoloured and rewritten when the cursor moves: the
//! stations and arrows the current packet has passed (and the one it is at, with its table),
//! the matching rule beside the stations, each conntrack table, and what bridge ports learned.

use crate::palette;
use crate::session::{SessionSet, ViewState};
use crate::topology::{ArrowSegment, LiveText, StationFill, TableTag};
use bevy::prelude::*;
use docknet_view::scene::Place;
use docknet_view::stack::Station;

pub struct KernelPlugin;

impl Plugin for KernelPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(
            Update,
            (light_path, write_live_text).after(SessionSet::View),
        );
    }
}

/// The current station (namespace, station, table) and the stations passed before it.
fn where_now(view: &ViewState) -> Option<(&str, Station, Option<&str>, &[Station])> {
    let (ns, path) = view.scene.path.as_ref()?;
    let m = view.scene.markers.iter().find(|m| m.current)?;
    match &m.place {
        Place::Station {
            ns: n,
            station,
            table,
        } if n == ns => Some((ns, *station, table.as_deref(), path)),
        _ => None,
    }
}

/// The station fill for a station: the current one amber, passed ones blue.
pub const STATION_NOW_FILL: Color = Color::srgb(0.55, 0.40, 0.08);
const TABLE_NOW: Color = Color::srgb(0.80, 0.56, 0.10);

#[allow(clippy::type_complexity)]
fn light_path(
    view: Res<ViewState>,
    added: Query<(), Added<StationFill>>,
    mut stations: Query<(&StationFill, &mut Sprite), (Without<TableTag>, Without<ArrowSegment>)>,
    mut tags: Query<(&TableTag, &mut Sprite), (Without<StationFill>, Without<ArrowSegment>)>,
    mut arrows: Query<(&ArrowSegment, &mut Sprite), (Without<StationFill>, Without<TableTag>)>,
) {
    if !view.is_changed() && added.is_empty() {
        return;
    }
    let now = where_now(&view);
    let passed =
        |ns: &str, s: Station| now.is_some_and(|(n, _, _, path)| n == ns && path.contains(&s));
    let is_now = |ns: &str, s: Station| now.is_some_and(|(n, st, _, _)| n == ns && st == s);
    for (f, mut sprite) in &mut stations {
        sprite.color = if is_now(&f.ns, f.station) {
            STATION_NOW_FILL
        } else if passed(&f.ns, f.station) {
            palette::STATION_PASSED
        } else {
            palette::STATION
        };
    }
    for (t, mut sprite) in &mut tags {
        let current = now.is_some_and(|(n, st, table, _)| {
            n == t.ns && st == t.station && table == Some(t.table.as_str())
        });
        sprite.color = if current {
            TABLE_NOW
        } else {
            palette::TABLE_TAG
        };
    }
    for (a, mut sprite) in &mut arrows {
        let on_path = now.is_some_and(|(n, _, _, path)| {
            n == a.ns && path.windows(2).any(|w| w[0] == a.from && w[1] == a.to)
        });
        sprite.color = if on_path {
            palette::ARROW_PASSED
        } else {
            palette::ARROW
        };
    }
}

fn write_live_text(
    view: Res<ViewState>,
    added: Query<(), Added<LiveText>>,
    mut texts: Query<(&LiveText, &mut Text2d, &mut TextColor)>,
) {
    if !view.is_changed() && added.is_empty() {
        return;
    }
    for (live, mut text, mut color) in &mut texts {
        let (s, c) = match live {
            LiveText::Rule { ns } => (
                view.rule_line
                    .as_ref()
                    .filter(|(n, _)| n == ns)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default(),
                palette::STATION_NOW,
            ),
            LiveText::ConntrackTitle { ns } => {
                let total = view
                    .conntrack
                    .iter()
                    .find(|t| &t.ns == ns)
                    .map_or(0, |t| t.total);
                let s = match total {
                    0 => "conntrack: no entries".to_string(),
                    1 => "conntrack: 1 entry".to_string(),
                    n => format!("conntrack: {n} entries (newest)"),
                };
                (s, palette::TEXT_DIM)
            }
            LiveText::ConntrackRow { ns, row } => {
                match view
                    .conntrack
                    .iter()
                    .find(|t| &t.ns == ns)
                    .and_then(|t| t.rows.get(*row))
                {
                    Some(r) if r.fresh => (format!("new  {}", r.text), palette::CT_NEW),
                    Some(r) if r.looked_up => (format!("hit  {}", r.text), palette::CT_LOOKUP),
                    Some(r) => (format!("     {}", r.text), palette::TEXT),
                    None => (String::new(), palette::TEXT),
                }
            }
            LiveText::Fdb { ns, port } => {
                match view.fdb.iter().find(|n| &n.ns == ns && &n.port == port) {
                    Some(n) => (
                        n.text.clone(),
                        if n.fresh {
                            palette::CT_NEW
                        } else {
                            palette::TEXT_DIM
                        },
                    ),
                    None => (String::new(), palette::TEXT_DIM),
                }
            }
        };
        if text.0 != s {
            text.0 = s;
        }
        if color.0 != c {
            color.0 = c;
        }
    }
}
