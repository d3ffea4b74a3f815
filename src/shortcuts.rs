//! Keyboard shortcuts: Space play/pause, Right / Left arrow step one event, Shift for ten,
//! Home / End to the start / end, 1-7 speed, M toggles MAC addresses, P presentation mode.
//! (+/- zoom: camera.)

use crate::session::{Session, UiCommand};
use crate::topology::ShowMacs;
use bevy::prelude::*;
use bevy_egui::input::egui_wants_any_keyboard_input;

pub struct ShortcutsPlugin;

impl Plugin for ShortcutsPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Update, keys.run_if(not(egui_wants_any_keyboard_input)));
    }
}

/// The shortcut list shown in the help window.
pub const HELP: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    ("Right / Left arrow", "one event forward / back"),
    ("Shift + Right / Left", "ten events"),
    ("Home / End", "start / end of the trace"),
    ("1 … 7", "speed, slow motion to real time"),
    ("+ / − / wheel", "zoom; drag to pan"),
    ("M", "show MAC addresses"),
    (
        "P",
        "presentation mode: the picture, the controls and the caption only",
    ),
];

fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    session: Res<Session>,
    mut macs: ResMut<ShowMacs>,
    ui: Option<ResMut<crate::ui::UiState>>,
    mut out: MessageWriter<UiCommand>,
) {
    if keys.just_pressed(KeyCode::KeyP)
        && let Some(mut ui) = ui
    {
        ui.presentation = !ui.presentation;
    }
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    let times = if shift { 10 } else { 1 };
    if keys.just_pressed(KeyCode::Space) {
        out.write(UiCommand::TogglePlay);
    }
    if keys.just_pressed(KeyCode::ArrowRight) {
        for _ in 0..times {
            out.write(UiCommand::StepForward);
        }
    }
    if keys.just_pressed(KeyCode::ArrowLeft) {
        for _ in 0..times {
            out.write(UiCommand::StepBack);
        }
    }
    if keys.just_pressed(KeyCode::Home) {
        out.write(UiCommand::Seek(0));
    }
    if keys.just_pressed(KeyCode::End) {
        out.write(UiCommand::Seek(session.player.len()));
    }
    let digits = [
        KeyCode::Digit1,
        KeyCode::Digit2,
        KeyCode::Digit3,
        KeyCode::Digit4,
        KeyCode::Digit5,
        KeyCode::Digit6,
        KeyCode::Digit7,
    ];
    for (i, d) in digits.iter().enumerate() {
        if keys.just_pressed(*d) {
            out.write(UiCommand::Speed(i));
        }
    }
    if keys.just_pressed(KeyCode::KeyM) {
        macs.0 = !macs.0;
    }
}
