//! The window: opened at most of the screen (unless a size was given), resizable; the camera
//! re-fits the picture whenever the space between the panels changes size.

use bevy::prelude::*;
use bevy::window::{Monitor, PrimaryMonitor, PrimaryWindow, WindowPosition};

pub struct WindowSizePlugin {
    /// Size the window from the screen (no `--size` given).
    pub fit_screen: bool,
}

/// Of the screen, the window takes this much each way.
const SCREEN_FRACTION: f32 = 0.9;

impl Plugin for WindowSizePlugin {
    fn build(&self, app: &mut App) {
        if self.fit_screen {
            app.add_systems(Update, fit_to_screen);
        }
    }
}

/// Once the primary monitor is known, size the window to most of it and centre it.
fn fit_to_screen(
    mut done: Local<bool>,
    monitors: Query<&Monitor, With<PrimaryMonitor>>,
    mut window: Single<&mut Window, With<PrimaryWindow>>,
) {
    if *done {
        return;
    }
    let Some(m) = monitors.iter().next() else {
        return;
    };
    *done = true;
    let scale = m.scale_factor as f32;
    let (w, h) = (
        m.physical_width as f32 / scale * SCREEN_FRACTION,
        m.physical_height as f32 / scale * SCREEN_FRACTION,
    );
    if w >= 320.0 && h >= 240.0 {
        window.resolution.set(w.round(), h.round());
        window.position = WindowPosition::Centered(bevy::window::MonitorSelection::Primary);
    }
}
