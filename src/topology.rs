//! The static picture: namespace boxes, bridge bars, ports and cables, respawned from the
//! layout whenever the scenario is rebuilt. Layout space has y down; the world has y up.

use crate::palette;
use crate::session::{Session, SessionSet};
use bevy::prelude::*;
use bevy::sprite::Anchor;
use docknet_view::layout::{Point, Side};

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

/// A port's label (its MAC line is toggled separately).
#[derive(Component)]
pub struct MacLabel;

/// Whether port labels show MAC addresses.
#[derive(Resource, Default)]
pub struct ShowMacs(pub bool);

/// Layer depths: boxes by nesting, then cables, ports, labels, packets.
pub const Z_CABLE: f32 = 20.0;
pub const Z_PORT: f32 = 21.0;
pub const Z_LABEL: f32 = 22.0;
pub const Z_PACKET: f32 = 30.0;

pub fn world(p: Point) -> Vec2 {
    Vec2::new(p[0], -p[1])
}

pub struct TopologyPlugin;

impl Plugin for TopologyPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ShowMacs>().add_systems(
            Update,
            (respawn_on_rebuild, highlight_active, toggle_macs).after(SessionSet::View),
        );
    }
}

fn text(s: impl Into<String>, size: f32, color: Color) -> impl Bundle {
    (
        Text2d::new(s.into()),
        TextFont {
            font_size: bevy::text::FontSize::Px(size),
            ..default()
        },
        TextColor(color),
    )
}

/// A thin sprite from `a` to `b` (world coordinates).
pub fn segment(a: Vec2, b: Vec2, width: f32, color: Color, z: f32) -> impl Bundle {
    let d = b - a;
    (
        Sprite::from_color(color, Vec2::new(d.length() + width, width)),
        Transform::from_translation(((a + b) / 2.0).extend(z))
            .with_rotation(Quat::from_rotation_z(d.y.atan2(d.x))),
    )
}

fn respawn_on_rebuild(
    mut commands: Commands,
    session: Res<Session>,
    old: Query<Entity, With<TopologyEntity>>,
    mut drawn: Local<Option<u64>>,
    show_macs: Res<ShowMacs>,
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
        let center = world(b.rect.center());
        let size = Vec2::new(b.rect.w, b.rect.h);
        commands.spawn((
            TopologyEntity,
            NsBoxEntity { ns: b.ns.clone() },
            Sprite::from_color(edge, size),
            Transform::from_translation(center.extend(z)),
        ));
        commands.spawn((
            TopologyEntity,
            Sprite::from_color(fill, size - Vec2::splat(4.0)),
            Transform::from_translation(center.extend(z + 0.5)),
        ));
        commands.spawn((
            TopologyEntity,
            ActiveOutline { ns: b.ns.clone() },
            Sprite::from_color(palette::ACTIVE_OUTLINE, size + Vec2::splat(8.0)),
            Transform::from_translation(center.extend(z - 0.4)),
            Visibility::Hidden,
        ));
        let top_left = world([b.rect.x + 12.0, b.rect.y + 10.0]);
        commands.spawn((
            TopologyEntity,
            text(&b.ns, 22.0, palette::TEXT),
            Anchor::TOP_LEFT,
            Transform::from_translation(top_left.extend(Z_LABEL)),
        ));
        commands.spawn((
            TopologyEntity,
            text(palette::role_name(b.role), 13.0, palette::TEXT_DIM),
            Anchor::TOP_LEFT,
            Transform::from_translation((top_left + Vec2::new(0.0, -24.0)).extend(Z_LABEL)),
        ));
        for (i, note) in b.notes.iter().enumerate() {
            commands.spawn((
                TopologyEntity,
                text(note, 15.0, palette::REWRITTEN),
                Anchor::TOP_LEFT,
                Transform::from_translation(
                    (top_left + Vec2::new(0.0, -44.0 - 18.0 * i as f32)).extend(Z_LABEL),
                ),
            ));
        }
    }
    for bar in &l.bridges {
        let center = world(bar.rect.center());
        commands.spawn((
            TopologyEntity,
            Sprite::from_color(palette::BRIDGE, Vec2::new(bar.rect.w, bar.rect.h)),
            Transform::from_translation(center.extend(Z_CABLE + 0.5)),
        ));
        commands.spawn((
            TopologyEntity,
            text(format!("bridge {}", bar.label), 16.0, palette::BRIDGE),
            Anchor::BOTTOM_LEFT,
            Transform::from_translation(world([bar.rect.x, bar.rect.y - 4.0]).extend(Z_LABEL)),
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
        let pos = world(p.pos);
        commands.spawn((
            TopologyEntity,
            Sprite::from_color(palette::PORT, Vec2::splat(12.0)),
            Transform::from_translation(pos.extend(Z_PORT)),
        ));
        // Labels sit inside the box for edge ports, beside the port on bars.
        let (offset, anchor) = match p.side {
            Side::Left => (Vec2::new(10.0, 4.0), Anchor::BOTTOM_LEFT),
            Side::Right => (Vec2::new(-10.0, 4.0), Anchor::BOTTOM_RIGHT),
            Side::Top => (Vec2::new(0.0, -10.0), Anchor::TOP_CENTER),
            Side::Bottom | Side::Bar => (Vec2::new(8.0, -10.0), Anchor::TOP_LEFT),
        };
        commands.spawn((
            TopologyEntity,
            text(&p.label, 15.0, palette::TEXT),
            anchor,
            Transform::from_translation((pos + offset).extend(Z_LABEL)),
        ));
        commands.spawn((
            TopologyEntity,
            MacLabel,
            text(&p.mac, 11.0, palette::TEXT_DIM),
            anchor,
            Transform::from_translation(
                (pos + offset
                    + Vec2::new(
                        0.0,
                        if anchor == Anchor::BOTTOM_LEFT || anchor == Anchor::BOTTOM_RIGHT {
                            16.0
                        } else {
                            -16.0
                        },
                    ))
                .extend(Z_LABEL),
            ),
            if show_macs.0 {
                Visibility::Inherited
            } else {
                Visibility::Hidden
            },
        ));
    }
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
