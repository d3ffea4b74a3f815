//! Packet markers: one entity per packet in the scene, moved every frame, its label (with NAT
//! rewrites struck through and highlighted) rebuilt only when the text changes. Drops are
//! marked where they happened, with the reason.

use crate::palette;
use crate::session::{SessionSet, ViewState};
use crate::topology::{Z_PACKET, world};
use bevy::prelude::*;
use bevy::sprite::Anchor;
use bevy::text::{FontSize, Strikethrough, StrikethroughColor};
use docknet_view::connections::PacketKind;
use docknet_view::scene::{Marker, Place, SpanStyle};
use std::collections::HashMap;

/// A packet on screen.
#[derive(Component, Debug)]
pub struct PacketMarker {
    pub pkt: u64,
    /// Which copy: a flooded frame is on several cables at once under one packet id.
    pub copy: String,
    /// The label as plain text (`~struck~`), to tell when it must be rebuilt.
    pub label: String,
    pub fresh_nat: bool,
}

/// The label's rewritten part, which flashes right after the rewrite.
#[derive(Component)]
pub struct Flash;

#[derive(Component)]
pub struct DropEntity;

/// Labels are drawn for every marker while few are on screen, else for the current one only.
const LABEL_ALL_BELOW: usize = 12;

pub struct PacketsPlugin;

impl Plugin for PacketsPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(
            Update,
            (sync_markers, sync_drops, flash)
                .chain()
                .after(SessionSet::View),
        );
    }
}

fn shape(kind: PacketKind) -> (Vec2, f32) {
    // (size, rotation): ARP a diamond, DNS a tall tag, control a big square, data a small one.
    match kind {
        PacketKind::Arp => (Vec2::splat(14.0), std::f32::consts::FRAC_PI_4),
        PacketKind::Dns => (Vec2::new(12.0, 20.0), 0.0),
        PacketKind::TcpControl => (Vec2::splat(20.0), 0.0),
        PacketKind::TcpData => (Vec2::splat(14.0), 0.0),
        PacketKind::Udp => (Vec2::new(22.0, 12.0), 0.0),
        PacketKind::Icmp => (Vec2::splat(16.0), std::f32::consts::FRAC_PI_4),
    }
}

fn spawn_label(parent: &mut ChildSpawnerCommands, m: &Marker) {
    let chars: usize = m.label.iter().map(|s| s.text.chars().count()).sum();
    let width = chars as f32 * 9.1 + 16.0;
    // Centred above the marker, so labels near an edge stay on screen.
    parent.spawn((
        Sprite::from_color(palette::LABEL_BG, Vec2::new(width, 24.0)),
        Anchor::BOTTOM_CENTER,
        Transform::from_xyz(0.0, 13.0, 0.5),
    ));
    parent
        .spawn((
            Text2d::default(),
            TextFont {
                font_size: FontSize::Px(15.0),
                ..default()
            },
            TextColor(palette::TEXT),
            Anchor::BOTTOM_CENTER,
            Transform::from_xyz(0.0, 16.0, 1.0),
        ))
        .with_children(|t| {
            for s in &m.label {
                let color = match s.style {
                    SpanStyle::Plain => palette::TEXT,
                    SpanStyle::Struck => palette::STRUCK,
                    SpanStyle::Rewritten => palette::REWRITTEN,
                    SpanStyle::What => palette::TEXT_DIM,
                };
                let mut span = t.spawn((TextSpan::new(s.text.clone()), TextColor(color)));
                match s.style {
                    SpanStyle::Struck => {
                        span.insert((Strikethrough, StrikethroughColor(Color::WHITE)));
                    }
                    SpanStyle::Rewritten => {
                        span.insert(Flash);
                    }
                    _ => {}
                }
            }
        });
}

fn sync_markers(
    mut commands: Commands,
    view: Res<ViewState>,
    mut markers: Query<(Entity, &PacketMarker, &mut Transform)>,
) {
    if !view.is_changed() {
        return;
    }
    let wanted: HashMap<(u64, String), &Marker> = view
        .scene
        .markers
        .iter()
        .map(|m| ((m.pkt, copy_of(m)), m))
        .collect();
    let labelled = |m: &Marker| m.current || view.scene.markers.len() < LABEL_ALL_BELOW;
    let mut existing = HashMap::new();
    for (e, pm, mut tf) in &mut markers {
        let Some(m) = wanted.get(&(pm.pkt, pm.copy.clone())) else {
            commands.entity(e).despawn();
            continue;
        };
        tf.translation = world(m.pos).extend(Z_PACKET + if m.current { 1.0 } else { 0.0 });
        let label = if labelled(m) { m.text() } else { String::new() };
        if pm.label != label || pm.fresh_nat != m.fresh_nat {
            // Rebuild: cheaper than diffing spans, and rare (labels change at NAT or a new hop).
            commands.entity(e).despawn();
            continue;
        }
        existing.insert((pm.pkt, pm.copy.clone()), ());
    }
    for m in &view.scene.markers {
        if existing.contains_key(&(m.pkt, copy_of(m))) {
            continue;
        }
        let (size, rot) = shape(m.kind);
        let color = palette::marker(m.kind, m.connection);
        let label = if labelled(m) { m.text() } else { String::new() };
        commands
            .spawn((
                PacketMarker {
                    pkt: m.pkt,
                    copy: copy_of(m),
                    label: label.clone(),
                    fresh_nat: m.fresh_nat,
                },
                Transform::from_translation(
                    world(m.pos).extend(Z_PACKET + if m.current { 1.0 } else { 0.0 }),
                ),
                Visibility::Inherited,
            ))
            .with_children(|p| {
                if m.current {
                    p.spawn((
                        Sprite::from_color(palette::ACTIVE_OUTLINE, size + Vec2::splat(6.0)),
                        Transform::from_rotation(Quat::from_rotation_z(rot))
                            .with_translation(Vec3::new(0.0, 0.0, -0.1)),
                    ));
                }
                p.spawn((
                    Sprite::from_color(color, size),
                    Transform::from_rotation(Quat::from_rotation_z(rot)),
                ));
                if !label.is_empty() {
                    spawn_label(p, m);
                }
            });
    }
}

/// Which copy of a packet a marker is: the cable it is on, or where in the stack.
fn copy_of(m: &Marker) -> String {
    match &m.place {
        Place::Cable { from, to, .. } => format!("{}:{}>{}:{}", from.0, from.1, to.0, to.1),
        other => format!("{other:?}"),
    }
}

fn sync_drops(mut commands: Commands, view: Res<ViewState>, old: Query<Entity, With<DropEntity>>) {
    if !view.is_changed() {
        return;
    }
    for e in &old {
        commands.entity(e).despawn();
    }
    for d in &view.scene.drops {
        let pos = world(d.pos);
        commands
            .spawn((
                DropEntity,
                Transform::from_translation(pos.extend(Z_PACKET + 2.0)),
                Visibility::Inherited,
            ))
            .with_children(|p| {
                for angle in [std::f32::consts::FRAC_PI_4, -std::f32::consts::FRAC_PI_4] {
                    p.spawn((
                        Sprite::from_color(palette::DROP, Vec2::new(26.0, 6.0)),
                        Transform::from_rotation(Quat::from_rotation_z(angle)),
                    ));
                }
                p.spawn((
                    Text2d::new(format!("DROP: {}", d.reason)),
                    TextFont {
                        font_size: FontSize::Px(13.0),
                        ..default()
                    },
                    TextColor(palette::DROP),
                    Anchor::CENTER_RIGHT,
                    Transform::from_xyz(-20.0, 0.0, 1.0),
                ));
            });
    }
}

/// Rewritten addresses pulse for the few records after their NAT step.
fn flash(
    time: Res<Time>,
    capture: Option<Res<crate::capture::CaptureOptions>>,
    markers: Query<(&PacketMarker, &Children)>,
    children: Query<&Children>,
    mut spans: Query<&mut TextColor, With<Flash>>,
) {
    // Unattended runs hold still, so a screenshot does not depend on when it was taken.
    let pulse = match capture {
        Some(c) if c.frames > 0 => 0.0,
        _ => (time.elapsed_secs() * 8.0).sin() * 0.5 + 0.5,
    };
    for (m, kids) in &markers {
        let color = if m.fresh_nat {
            palette::REWRITTEN.mix(&Color::WHITE, pulse)
        } else {
            palette::REWRITTEN
        };
        for k in kids.iter() {
            let Ok(grand) = children.get(k) else { continue };
            for g in grand.iter() {
                if let Ok(mut c) = spans.get_mut(g) {
                    c.0 = color;
                }
            }
        }
    }
}
