//! The static picture: namespace boxes with their icons, the kernel's stations inside the
//! boxes that have rules, bridge bars, ports and cables, respawned from the layout whenever the
//! scenario is rebuilt. Every text is drawn where the layout's label rectangles say, so what the
//! layout test proves (no overlaps) is what the window shows. Layout space has y down; the
//! world has y up.

use crate::flat::flat;
use crate::palette;
use crate::session::{Session, SessionSet};
use bevy::prelude::*;
use bevy::sprite::Anchor;
use docknet_view::labels::LabelKind;
use docknet_view::layout::{Point, Rect};
use docknet_view::stack::{StackStrip, Station};

/// Everything drawn for the current layout (despawned on rebuild).
#[derive(Component)]
pub struct TopologyEntity;

/// A namespace's box; `ns` is its name.
#[derive(Component, Debug)]
pub struct NsBoxEntity {
    pub ns: String,
}

/// The box outline shown while the last record happened in that namespace.
#[derive(Component)]
pub struct ActiveOutline {
    pub ns: String,
}

/// A port's MAC line (toggled with `M`).
#[derive(Component)]
pub struct MacLabel;

/// Whether port labels show MAC addresses.
#[derive(Resource, Default)]
pub struct ShowMacs(pub bool);

/// The picture's font: Hack from `assets/fonts/`, whose metrics the layout measures with
/// (Bevy's built-in font until it is loaded, and in headless tests).
#[derive(Resource, Default, Clone)]
pub struct PictureFont(pub Handle<Font>);

/// Icons by box kind, loaded from `assets/icons/`.
#[derive(Resource, Default, Clone)]
pub struct Icons(pub Vec<(docknet_view::layout::Icon, Handle<Image>)>);

/// A station's fill, recoloured as the packet passes (see [`crate::kernel`]).
#[derive(Component)]
pub struct StationFill {
    pub ns: String,
    pub station: Station,
}

/// A table's tag at a station.
#[derive(Component)]
pub struct TableTag {
    pub ns: String,
    pub station: Station,
    pub table: String,
}

/// A segment of an arrow between two stations.
#[derive(Component)]
pub struct ArrowSegment {
    pub ns: String,
    pub from: Station,
    pub to: Station,
}

/// A line of text that changes with the cursor: the rule line, conntrack rows, FDB notes.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub enum LiveText {
    Rule { ns: String },
    ConntrackTitle { ns: String },
    ConntrackRow { ns: String, row: usize },
    Fdb { ns: String, port: String },
}

/// Layer depths: boxes by nesting, then the stations, cables, ports, labels, packets.
pub const Z_STATION: f32 = 15.0;
pub const Z_CABLE: f32 = 20.0;
pub const Z_PORT: f32 = 21.0;
pub const Z_LABEL: f32 = 22.0;
pub const Z_PACKET: f32 = 30.0;

pub fn world(p: Point) -> Vec2 {
    Vec2::new(p[0], -p[1])
}

/// The world centre of a layout rectangle.
pub fn center(r: &Rect) -> Vec2 {
    world(r.center())
}

pub struct TopologyPlugin;

impl Plugin for TopologyPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ShowMacs>()
            .init_resource::<PictureFont>()
            .init_resource::<Icons>()
            .add_systems(Startup, load_assets)
            .add_systems(
                Update,
                (respawn_on_rebuild, highlight_active, toggle_macs).after(SessionSet::View),
            );
    }
}

/// The font and icons, through the asset server when there is one (not in headless tests).
fn load_assets(
    assets: Option<Res<AssetServer>>,
    mut font: ResMut<PictureFont>,
    mut icons: ResMut<Icons>,
) {
    use docknet_view::layout::Icon;
    let Some(assets) = assets else { return };
    font.0 = assets.load("fonts/Hack-Regular.ttf");
    icons.0 = [
        Icon::LinuxHost,
        Icon::Desktop,
        Icon::Vm,
        Icon::Container,
        Icon::Laptop,
        Icon::Server,
        Icon::Router,
    ]
    .into_iter()
    .map(|i| (i, assets.load(i.file())))
    .collect();
}

/// A text at `px` in the picture's font, anchored at its top-left corner.
pub fn text(font: &PictureFont, s: impl Into<String>, px: f32, color: Color) -> impl Bundle {
    (
        Text2d::new(s.into()),
        TextFont {
            font: font.0.clone().into(),
            font_size: bevy::text::FontSize::Px(px),
            ..default()
        },
        TextColor(color),
        Anchor::TOP_LEFT,
    )
}

/// A text placed at a layout rectangle's top-left corner.
pub fn text_at(
    font: &PictureFont,
    s: impl Into<String>,
    kind: LabelKind,
    color: Color,
    r: &Rect,
) -> impl Bundle {
    (
        text(font, s, kind.px(), color),
        Transform::from_translation(world([r.x, r.y]).extend(Z_LABEL)),
    )
}

/// A thin sprite from `a` to `b` (world coordinates).
pub fn segment(a: Vec2, b: Vec2, width: f32, color: Color, z: f32) -> impl Bundle {
    let d = b - a;
    (
        flat(color, Vec2::new(d.length() + width, width)),
        Transform::from_translation(((a + b) / 2.0).extend(z))
            .with_rotation(Quat::from_rotation_z(d.y.atan2(d.x))),
    )
}

/// A rectangle's outline, `width` thick just inside `r` grown by `grow`: four thin sprites
/// under one parent (a software renderer pays for every pixel a sprite covers, so outlines
/// are not drawn as a full rectangle under the fill).
fn outline(
    commands: &mut Commands,
    r: &Rect,
    grow: f32,
    width: f32,
    color: Color,
    z: f32,
) -> Entity {
    let r = r.grown(grow);
    let c = center(&r);
    let (hw, hh) = (r.w / 2.0, r.h / 2.0);
    commands
        .spawn((
            TopologyEntity,
            Transform::from_translation(c.extend(z)),
            Visibility::Inherited,
        ))
        .with_children(|p| {
            for (offset, size) in [
                (Vec2::new(0.0, hh - width / 2.0), Vec2::new(r.w, width)),
                (Vec2::new(0.0, -hh + width / 2.0), Vec2::new(r.w, width)),
                (Vec2::new(-hw + width / 2.0, 0.0), Vec2::new(width, r.h)),
                (Vec2::new(hw - width / 2.0, 0.0), Vec2::new(width, r.h)),
            ] {
                p.spawn((
                    flat(color, size),
                    Transform::from_translation(offset.extend(0.0)),
                ));
            }
        })
        .id()
}

/// A filled rectangle with a thin outline; returns the fill (its colour may change).
fn framed(commands: &mut Commands, r: &Rect, fill: Color, edge: Color, z: f32) -> Entity {
    outline(commands, r, 0.0, 1.5, edge, z + 0.1);
    commands
        .spawn((
            TopologyEntity,
            flat(fill, Vec2::new(r.w, r.h)),
            Transform::from_translation(center(r).extend(z)),
        ))
        .id()
}

fn label_color(kind: LabelKind) -> Color {
    match kind {
        LabelKind::Role | LabelKind::Mac | LabelKind::Fdb => palette::TEXT_DIM,
        LabelKind::Note => palette::REWRITTEN,
        LabelKind::Bridge => palette::BRIDGE,
        _ => palette::TEXT,
    }
}

#[allow(clippy::too_many_arguments)]
fn respawn_on_rebuild(
    mut commands: Commands,
    session: Res<Session>,
    old: Query<Entity, With<TopologyEntity>>,
    mut drawn: Local<Option<u64>>,
    show_macs: Res<ShowMacs>,
    font: Res<PictureFont>,
    icons: Res<Icons>,
) {
    if *drawn == Some(session.generation) {
        return;
    }
    *drawn = Some(session.generation);
    for e in &old {
        commands.entity(e).despawn();
    }
    let l = &session.layout;
    for b in &l.boxes {
        let (fill, edge) = palette::ns_fill(b.role, b.depth);
        let z = b.depth as f32 * 2.0;
        let size = Vec2::new(b.rect.w, b.rect.h);
        commands.spawn((
            TopologyEntity,
            NsBoxEntity { ns: b.ns.clone() },
            flat(fill, size),
            Transform::from_translation(center(&b.rect).extend(z)),
        ));
        outline(&mut commands, &b.rect, 0.0, 2.0, edge, z + 0.5);
        let active = outline(
            &mut commands,
            &b.rect.grown(4.0),
            0.0,
            4.0,
            palette::ACTIVE_OUTLINE,
            z + 0.6,
        );
        commands
            .entity(active)
            .insert((ActiveOutline { ns: b.ns.clone() }, Visibility::Hidden));
        for (p, r) in &b.processes {
            framed(
                &mut commands,
                r,
                palette::PROCESS,
                palette::STATION_EDGE,
                Z_STATION,
            );
            let at = Rect {
                x: r.x + 8.0,
                y: r.y + (r.h - LabelKind::Process.px() * 1.2) / 2.0,
                ..*r
            };
            commands.spawn((
                TopologyEntity,
                text_at(&font, p, LabelKind::Process, palette::TEXT, &at),
            ));
        }
        if let Some(strip) = &b.stack {
            spawn_strip(&mut commands, &font, strip);
        }
    }
    for lab in &l.labels {
        match lab.kind {
            LabelKind::Icon => {
                let Some(b) = l.ns_box(&lab.ns) else { continue };
                if let Some((_, h)) = icons.0.iter().find(|(i, _)| *i == b.icon) {
                    commands.spawn((
                        TopologyEntity,
                        Sprite {
                            image: h.clone(),
                            custom_size: Some(Vec2::new(lab.rect.w, lab.rect.h)),
                            ..default()
                        },
                        Transform::from_translation(center(&lab.rect).extend(Z_LABEL)),
                    ));
                }
            }
            LabelKind::Mac => {
                commands.spawn((
                    TopologyEntity,
                    MacLabel,
                    text_at(&font, &lab.text, lab.kind, label_color(lab.kind), &lab.rect),
                    if show_macs.0 {
                        Visibility::Inherited
                    } else {
                        Visibility::Hidden
                    },
                ));
            }
            LabelKind::Fdb => {
                let port = l
                    .ports
                    .iter()
                    .find(|p| p.ns == lab.ns && p.fdb_rect == Some(lab.rect))
                    .map(|p| p.iface.clone())
                    .unwrap_or_default();
                commands.spawn((
                    TopologyEntity,
                    LiveText::Fdb {
                        ns: lab.ns.clone(),
                        port,
                    },
                    text_at(&font, "", lab.kind, palette::TEXT_DIM, &lab.rect),
                ));
            }
            // Stations, the rule line and conntrack are drawn with their strip.
            LabelKind::Station | LabelKind::Rule | LabelKind::Conntrack | LabelKind::Process => {}
            _ => {
                commands.spawn((
                    TopologyEntity,
                    text_at(&font, &lab.text, lab.kind, label_color(lab.kind), &lab.rect),
                ));
            }
        }
    }
    for bar in &l.bridges {
        commands.spawn((
            TopologyEntity,
            flat(palette::BRIDGE, Vec2::new(bar.rect.w, bar.rect.h)),
            Transform::from_translation(center(&bar.rect).extend(Z_CABLE + 0.5)),
        ));
    }
    for c in &l.cables {
        let color = if c.veth {
            palette::CABLE_VETH
        } else {
            palette::CABLE_WIRE
        };
        for w in c.points.windows(2) {
            commands.spawn((
                TopologyEntity,
                segment(world(w[0]), world(w[1]), 3.0, color, Z_CABLE),
            ));
        }
    }
    for p in &l.ports {
        commands.spawn((
            TopologyEntity,
            flat(palette::PORT, Vec2::splat(12.0)),
            Transform::from_translation(world(p.pos).extend(Z_PORT)),
        ));
    }
}

/// A namespace's kernel: stations with their table tags, the arrows of the path, and the
/// (empty until the view fills them) rule line and conntrack table.
fn spawn_strip(commands: &mut Commands, font: &PictureFont, strip: &StackStrip) {
    let ns = &strip.ns;
    for (from, to) in &strip.arrows {
        let (a, b) = (strip.station(*from).rect, strip.station(*to).rect);
        for (p, q) in arrow_points(&a, &b) {
            commands.spawn((
                TopologyEntity,
                ArrowSegment {
                    ns: ns.clone(),
                    from: *from,
                    to: *to,
                },
                segment(world(p), world(q), 3.0, palette::ARROW, Z_STATION - 0.5),
            ));
        }
    }
    for s in &strip.stations {
        let fill = framed(
            commands,
            &s.rect,
            palette::STATION,
            palette::STATION_EDGE,
            Z_STATION,
        );
        commands.entity(fill).insert(StationFill {
            ns: ns.clone(),
            station: s.station,
        });
        let name = s.station.name();
        let px = LabelKind::Station.px();
        let w = docknet_view::labels::text_size(name, px).0;
        let at = Rect {
            x: s.rect.x + (s.rect.w - w) / 2.0,
            y: s.rect.y
                + if s.tables.is_empty() {
                    (s.rect.h - px * 1.2) / 2.0
                } else {
                    3.0
                },
            ..s.rect
        };
        commands.spawn((
            TopologyEntity,
            text_at(font, name, LabelKind::Station, palette::TEXT, &at),
        ));
        for (t, r) in &s.tables {
            commands.spawn((
                TopologyEntity,
                TableTag {
                    ns: ns.clone(),
                    station: s.station,
                    table: t.clone(),
                },
                flat(palette::TABLE_TAG, Vec2::new(r.w, r.h)),
                Transform::from_translation(center(r).extend(Z_STATION + 0.3)),
            ));
            let at = Rect { x: r.x + 3.0, ..*r };
            let mut e = commands.spawn((
                TopologyEntity,
                text_at(font, t, LabelKind::Table, palette::TEXT, &at),
            ));
            e.insert(Transform::from_translation(
                world([at.x, at.y]).extend(Z_STATION + 0.5),
            ));
        }
    }
    commands.spawn((
        TopologyEntity,
        LiveText::Rule { ns: ns.clone() },
        text_at(
            font,
            "",
            LabelKind::Rule,
            palette::STATION_NOW,
            &strip.rule_line,
        ),
    ));
    let row_h = 17.0;
    commands.spawn((
        TopologyEntity,
        LiveText::ConntrackTitle { ns: ns.clone() },
        text_at(
            font,
            "conntrack",
            LabelKind::Conntrack,
            palette::TEXT_DIM,
            &strip.conntrack,
        ),
    ));
    for row in 0..docknet_view::stack::CONNTRACK_ROWS {
        let r = Rect {
            y: strip.conntrack.y + row_h * (row as f32 + 1.0),
            ..strip.conntrack
        };
        commands.spawn((
            TopologyEntity,
            LiveText::ConntrackRow {
                ns: ns.clone(),
                row,
            },
            text_at(font, "", LabelKind::Conntrack, palette::TEXT, &r),
        ));
    }
}

/// The segments of the arrow from station `a` to station `b`: straight when they share a row,
/// else up or down from the nearer edge.
fn arrow_points(a: &Rect, b: &Rect) -> Vec<(Point, Point)> {
    let (ac, bc) = (a.center(), b.center());
    if (ac[1] - bc[1]).abs() < 1.0 {
        let (x0, x1) = if bc[0] > ac[0] {
            (a.x + a.w, b.x)
        } else {
            (a.x, b.x + b.w)
        };
        return vec![([x0, ac[1]], [x1, bc[1]])];
    }
    let up = bc[1] < ac[1];
    let y0 = if up { a.y } else { a.y + a.h };
    // Boxes above one another: straight up or down where they overlap.
    let (lo, hi) = (a.x.max(b.x), (a.x + a.w).min(b.x + b.w));
    if hi - lo >= 16.0 {
        let x = (lo + hi) / 2.0;
        let y1 = if up { b.y + b.h } else { b.y };
        return vec![([x, y0], [x, y1])];
    }
    // Else up or down from `a`, then across into `b`'s side.
    let x1 = if bc[0] > ac[0] { b.x } else { b.x + b.w };
    vec![([ac[0], y0], [ac[0], bc[1]]), ([ac[0], bc[1]], [x1, bc[1]])]
}

fn highlight_active(
    view: Res<crate::session::ViewState>,
    added: Query<(), Added<ActiveOutline>>,
    mut outlines: Query<(&ActiveOutline, &mut Visibility)>,
) {
    // After a rebuild the new outlines need their state even if the view did not move.
    if !view.is_changed() && added.is_empty() {
        return;
    }
    let active = view.scene.active_ns.as_deref();
    for (o, mut v) in &mut outlines {
        let want = if Some(o.ns.as_str()) == active {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        v.set_if_neq(want);
    }
}

fn toggle_macs(show: Res<ShowMacs>, mut labels: Query<&mut Visibility, With<MacLabel>>) {
    if !show.is_changed() {
        return;
    }
    for mut v in &mut labels {
        v.set_if_neq(if show.0 {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
    }
}
