//! The 2D camera: fits the picture when a scenario is (re)built, pans with a drag, zooms with
//! the wheel around the pointer (and with +/-), and turns a click into a selection: a packet
//! marker pins the inspector, a box picks the console's namespace.

use crate::packets::PacketMarker;
use crate::session::{Session, UiCommand};
use crate::topology::world;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::input::egui_wants_any_pointer_input;

pub struct CameraPlugin;

/// Zoom limits as orthographic scale (world units per pixel).
const MIN_SCALE: f32 = 0.15;
const MAX_SCALE: f32 = 12.0;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, spawn_camera).add_systems(
            Update,
            (
                fit_on_rebuild,
                (pan_zoom, click_select).run_if(not(egui_wants_any_pointer_input)),
            ),
        );
    }
}

/// The camera that draws the picture (its viewport is the space the panels leave).
#[derive(Component)]
pub struct WorldCamera;

fn spawn_camera(mut commands: Commands) {
    commands.spawn((
        WorldCamera,
        Camera2d,
        Msaa::Off,
        // No screen-space dither in every sprite fragment (a software renderer pays per pixel;
        // the flat fills have no gradients to band).
        bevy::core_pipeline::tonemapping::DebandDither::Disabled,
        // The panels' camera writes the shared texture out (see `ui::spawn_ui_camera`).
        Camera {
            output_mode: bevy::camera::CameraOutputMode::Skip,
            ..default()
        },
    ));
}

/// Scale and centre so the whole layout fits the camera's viewport.
fn fit_on_rebuild(
    session: Res<Session>,
    mut fitted: Local<Option<(u64, UVec2)>>,
    mut camera: Single<(&Camera, &mut Transform, &mut Projection), With<WorldCamera>>,
) {
    let (cam, tf, proj) = &mut *camera;
    let Some(size) = cam.logical_viewport_size() else {
        return;
    };
    let key = (session.generation, size.as_uvec2());
    if *fitted == Some(key) {
        return;
    }
    *fitted = Some(key);
    let b = session.layout.bounds;
    let scale = session
        .layout
        .fit_scale((size.x, size.y))
        .clamp(MIN_SCALE, MAX_SCALE);
    let center = world(b.center());
    tf.translation = center.extend(tf.translation.z);
    if let Projection::Orthographic(o) = &mut **proj {
        o.scale = scale;
    }
}

fn pan_zoom(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    keys: Res<ButtonInput<KeyCode>>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<
        (&Camera, &GlobalTransform, &mut Transform, &mut Projection),
        With<WorldCamera>,
    >,
) {
    let (cam, gt, tf, proj) = &mut *camera;
    let Projection::Orthographic(o) = &mut **proj else {
        return;
    };
    if buttons.pressed(MouseButton::Left)
        || buttons.pressed(MouseButton::Middle)
        || buttons.pressed(MouseButton::Right)
    {
        tf.translation.x -= motion.delta.x * o.scale;
        tf.translation.y += motion.delta.y * o.scale;
    }
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
    };
    let mut factor = 0.88f32.powf(lines);
    if keys.just_pressed(KeyCode::Equal) || keys.just_pressed(KeyCode::NumpadAdd) {
        factor *= 0.8;
    }
    if keys.just_pressed(KeyCode::Minus) || keys.just_pressed(KeyCode::NumpadSubtract) {
        factor *= 1.25;
    }
    if (factor - 1.0).abs() > f32::EPSILON {
        let new_scale = (o.scale * factor).clamp(MIN_SCALE, MAX_SCALE);
        // Keep the point under the pointer still.
        if let Some(p) = window.cursor_position()
            && let Ok(before) = cam.viewport_to_world_2d(gt, p)
        {
            let k = new_scale / o.scale;
            let c = tf.translation.truncate();
            tf.translation = (before + (c - before) * k).extend(tf.translation.z);
        }
        o.scale = new_scale;
    }
}

fn click_select(
    buttons: Res<ButtonInput<MouseButton>>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform), With<WorldCamera>>,
    markers: Query<(&PacketMarker, &GlobalTransform)>,
    session: Res<Session>,
    mut press: Local<Option<Vec2>>,
    mut out: MessageWriter<UiCommand>,
) {
    let Some(p) = window.cursor_position() else {
        return;
    };
    if buttons.just_pressed(MouseButton::Left) {
        *press = Some(p);
    }
    if !buttons.just_released(MouseButton::Left) {
        return;
    }
    // A drag pans; only a click selects.
    if press.take().is_none_or(|start| start.distance(p) > 4.0) {
        return;
    }
    let (cam, gt) = *camera;
    let Ok(w) = cam.viewport_to_world_2d(gt, p) else {
        return;
    };
    if let Some((m, _)) = markers
        .iter()
        .map(|(m, t)| (m, t.translation().truncate().distance(w)))
        .filter(|(_, d)| *d < 16.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
    {
        out.write(UiCommand::Inspect(Some(m.pkt)));
        return;
    }
    if let Some(b) = session.layout.box_at([w.x, -w.y]) {
        out.write(UiCommand::SelectNs(b.ns.clone()));
    }
}
