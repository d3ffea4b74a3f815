//! Packet markers: one entity per packet in the scene, moved every frame, its label (with NAT
//! rewrites struck through and highlighted) rebuilt only when the text changes. Drops are
//! marked where they happened, with the reason.

use crate::flat::flat;
use crate::palette;
use crate::session::{SessionSet, ViewState};
use crate::topology::{PictureFont, Z_PACKET, center, segment, world};
use bevy::prelude::*;
use bevy::sprite::Anchor;
use bevy::text::{FontSize, Strikethrough, StrikethroughColor};
use docknet_view::connections::PacketKind;
use docknet_view::labels::LabelKind;
use docknet_view::layout::{Point, Rect};
use docknet_view::scene::{CARD_PAD, Marker, Place, SpanStyle};
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
    /// Where the marker is going (it glides there when [`Easing`] is on).
    pub target: Vec3,
}

/// Markers glide to their new place instead of jumping (off in headless tests and unattended
/// captures, so positions are exact).
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct Easing(pub bool);

/// A part of a marker's header card (children of the marker).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Card {
    Background,
    Leader,
    Text,
}

/// The label's rewritten part, which flashes right after the rewrite.
#[derive(Component)]
pub struct Flash;

#[derive(Component)]
pub struct DropEntity;

pub struct PacketsPlugin;

impl Plugin for PacketsPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(
            Update,
            (sync_markers, place_cards, ease, sync_drops, flash)
                .chain()
                .after(SessionSet::View),
        );
    }
}

fn shape(kind: PacketKind) -> (Vec2, f32) {
    // (size, rotation): ARP a diamond, DNS a tall tag, control a big square, data a small one.
    // Big enough to see across a classroom and to click.
    match kind {
        PacketKind::Arp => (Vec2::splat(20.0), std::f32::consts::FRAC_PI_4),
        PacketKind::Dns => (Vec2::new(18.0, 28.0), 0.0),
        PacketKind::TcpControl => (Vec2::splat(28.0), 0.0),
        PacketKind::TcpData => (Vec2::splat(22.0), 0.0),
        PacketKind::Udp => (Vec2::new(32.0, 18.0), 0.0),
        PacketKind::Icmp => (Vec2::splat(22.0), std::f32::consts::FRAC_PI_4),
    }
}

/// The card's background and text, placed relative to the marker; the leader line from the
/// marker to the card's nearest edge.
fn spawn_card(parent: &mut ChildSpawnerCommands, font: &PictureFont, m: &Marker, card: &Rect) {
    let offset = center(card) - world(m.pos);
    parent.spawn((
        Card::Background,
        flat(palette::LABEL_BG, Vec2::new(card.w, card.h)),
        Transform::from_translation(offset.extend(0.5)),
    ));
    let (a, b) = leader(m.pos, card);
    parent.spawn((
        Card::Leader,
        segment(
            a - world(m.pos),
            b - world(m.pos),
            2.0,
            palette::TEXT_DIM,
            0.4,
        ),
    ));
    let top_left = world([card.x + CARD_PAD, card.y + CARD_PAD]) - world(m.pos);
    // Spans do not inherit their parent's font: each gets the card's.
    let card_font = TextFont {
        font: font.0.clone().into(),
        font_size: FontSize::Px(LabelKind::Packet.px()),
        ..default()
    };
    parent
        .spawn((
            Card::Text,
            Text2d::default(),
            card_font.clone(),
            TextColor(palette::TEXT),
            Anchor::TOP_LEFT,
            Transform::from_translation(top_left.extend(1.0)),
        ))
        .with_children(|t| {
            for s in &m.label {
                let color = match s.style {
                    SpanStyle::Plain => palette::TEXT,
                    SpanStyle::Struck => palette::STRUCK,
                    SpanStyle::Rewritten => palette::REWRITTEN,
                    SpanStyle::What => palette::TEXT_DIM,
                };
                let mut span = t.spawn((
                    TextSpan::new(s.text.clone()),
                    card_font.clone(),
                    TextColor(color),
                ));
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

/// The leader line from a marker at `p` to the nearest point of its card (world coordinates).
fn leader(p: Point, card: &Rect) -> (Vec2, Vec2) {
    let q = [
        p[0].clamp(card.x, card.x + card.w),
        p[1].clamp(card.y, card.y + card.h),
    ];
    (world(p), world(q))
}

fn sync_markers(
    mut commands: Commands,
    view: Res<ViewState>,
    font: Res<PictureFont>,
    mut markers: Query<(Entity, &mut PacketMarker)>,
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
    let mut existing = HashMap::new();
    for (e, mut pm) in &mut markers {
        let Some(m) = wanted.get(&(pm.pkt, pm.copy.clone())) else {
            commands.entity(e).despawn();
            continue;
        };
        pm.target = world(m.pos).extend(Z_PACKET + if m.current { 1.0 } else { 0.0 });
        let label = if m.card.is_some() {
            m.text()
        } else {
            String::new()
        };
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
        // At a station the marker sits beside the table's tag, under the hook's name: smaller
        // there (the station and the tag light up as well).
        let size = if matches!(m.place, Place::Station { .. }) {
            size * 0.7
        } else {
            size
        };
        let color = palette::marker(m.kind, m.connection);
        let label = if m.card.is_some() {
            m.text()
        } else {
            String::new()
        };
        let target = world(m.pos).extend(Z_PACKET + if m.current { 1.0 } else { 0.0 });
        commands
            .spawn((
                PacketMarker {
                    pkt: m.pkt,
                    copy: copy_of(m),
                    label: label.clone(),
                    fresh_nat: m.fresh_nat,
                    target,
                },
                Transform::from_translation(target),
                Visibility::Inherited,
            ))
            .with_children(|p| {
                if m.current {
                    p.spawn((
                        flat(palette::ACTIVE_OUTLINE, size + Vec2::splat(8.0)),
                        Transform::from_rotation(Quat::from_rotation_z(rot))
                            .with_translation(Vec3::new(0.0, 0.0, -0.1)),
                    ));
                }
                p.spawn((
                    flat(color, size),
                    Transform::from_rotation(Quat::from_rotation_z(rot)),
                ));
                if let Some(card) = &m.card {
                    spawn_card(p, &font, m, card);
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

/// Cards follow the scene's placement (it moves them clear of text as the marker travels).
fn place_cards(
    view: Res<ViewState>,
    markers: Query<(&PacketMarker, &Children)>,
    mut parts: Query<(&Card, &mut Transform, Option<&mut Sprite>)>,
) {
    if !view.is_changed() {
        return;
    }
    for (pm, kids) in &markers {
        let Some(m) = view
            .scene
            .markers
            .iter()
            .find(|m| m.pkt == pm.pkt && copy_of(m) == pm.copy)
        else {
            continue;
        };
        let Some(card) = m.card else { continue };
        let origin = world(m.pos);
        for k in kids.iter() {
            let Ok((part, mut t, sprite)) = parts.get_mut(k) else {
                continue;
            };
            match part {
                Card::Background => t.translation = (center(&card) - origin).extend(0.5),
                Card::Text => {
                    t.translation =
                        (world([card.x + CARD_PAD, card.y + CARD_PAD]) - origin).extend(1.0)
                }
                Card::Leader => {
                    let (a, b) = leader(m.pos, &card);
                    let (a, b) = (a - origin, b - origin);
                    let d = b - a;
                    *t = Transform::from_translation(((a + b) / 2.0).extend(0.4))
                        .with_rotation(Quat::from_rotation_z(d.y.atan2(d.x)));
                    if let Some(mut s) = sprite {
                        s.custom_size = Some(Vec2::new(d.length(), 2.0));
                    }
                }
            }
        }
    }
}

/// Markers glide to their targets (or jump when easing is off).
fn ease(
    time: Res<Time>,
    easing: Option<Res<Easing>>,
    mut markers: Query<(&PacketMarker, &mut Transform), Without<Card>>,
) {
    let on = easing.is_some_and(|e| e.0);
    let k = 1.0 - (-time.delta_secs() * 18.0).exp();
    for (pm, mut tf) in &mut markers {
        tf.translation = if on {
            tf.translation.lerp(pm.target, k)
        } else {
            pm.target
        };
    }
}

fn sync_drops(
    mut commands: Commands,
    view: Res<ViewState>,
    font: Res<PictureFont>,
    old: Query<Entity, With<DropEntity>>,
) {
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
                        flat(palette::DROP, Vec2::new(40.0, 8.0)),
                        Transform::from_rotation(Quat::from_rotation_z(angle)),
                    ));
                }
                let (a, b) = leader(d.pos, &d.card);
                p.spawn(segment(a - pos, b - pos, 2.0, palette::DROP, 0.4));
                p.spawn((
                    flat(palette::LABEL_BG, Vec2::new(d.card.w, d.card.h)),
                    Transform::from_translation((center(&d.card) - pos).extend(0.5)),
                ));
                p.spawn((
                    Text2d::new(docknet_view::scene::drop_text(&d.reason, d.rule.as_deref())),
                    TextFont {
                        font: font.0.clone().into(),
                        font_size: FontSize::Px(LabelKind::Packet.px()),
                        ..default()
                    },
                    TextColor(palette::DROP),
                    Anchor::TOP_LEFT,
                    Transform::from_translation(
                        (world([d.card.x + CARD_PAD, d.card.y + CARD_PAD]) - pos).extend(1.0),
                    ),
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
