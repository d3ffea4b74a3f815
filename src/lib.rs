//! The docknet app: Bevy draws the picture (boxes, cables, packet markers), egui the panels.
//! Everything shown comes from the simulator's trace through `docknet-view`; the app only
//! sends commands (play, step, seek, console lines, edits) and draws the result.
//!
//! One plugin per file: [`session`] (the open scenario and timeline), [`topology`] (the static
//! picture), [`kernel`] (the stations, rule line and conntrack tables as the cursor moves),
//! [`packets`] (markers and their header cards), [`camera`] (pan, zoom, selection),
//! [`shortcuts`], [`window`] (size and resizing), [`ui`] (egui panels), [`capture`]
//! (screenshots and frame statistics).

pub mod bundled;
pub mod camera;
pub mod capture;
pub mod egui_shader;
pub mod flat;
pub mod kernel;
pub mod packets;
pub mod palette;
pub mod results;
pub mod session;
pub mod shortcuts;
pub mod topology;
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod window;

use bevy::prelude::*;

/// The scenario to open: a file name for diagnostics and its text.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub file: String,
    pub text: String,
}

impl Scenario {
    /// A bundled lesson by name (`default`, `modes/bridge`), else a file on disk.
    pub fn resolve(arg: &str) -> Result<Scenario, String> {
        if let Some(n) = arg.strip_prefix("stress:").and_then(|n| n.parse().ok()) {
            // Pings every 2 ms over 3 ms veths: about six packets per container on the wires.
            return Ok(Scenario {
                file: arg.into(),
                text: docknet_view::stress::scenario(n, 2, 3000),
            });
        }
        if let Some(b) = bundled::find(arg) {
            return Ok(Scenario {
                file: b.name.into(),
                text: b.text.into(),
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            std::fs::read_to_string(arg)
                .map(|text| Scenario {
                    file: arg.into(),
                    text,
                })
                .map_err(|e| format!("cannot read {arg}: {e}"))
        }
        #[cfg(target_arch = "wasm32")]
        Err(format!("no bundled scenario named {arg}"))
    }
}

/// The plugins that need no window: the session, the picture and the markers. Headless tests
/// run these under `MinimalPlugins`.
pub fn core_plugins(app: &mut App, scenario: &Scenario) {
    app.add_plugins((
        session::SessionPlugin {
            file: scenario.file.clone(),
            text: scenario.text.clone(),
        },
        topology::TopologyPlugin,
        kernel::KernelPlugin,
        packets::PacketsPlugin,
    ));
}

/// Where the font and icons are read from: `assets/` of this source tree when it is there (a
/// `cargo run` or a test from anywhere), else `assets/` beside the program (an installed
/// copy) or, in the browser, under the page.
fn assets_dir() -> String {
    let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/assets");
    #[cfg(not(target_arch = "wasm32"))]
    if std::path::Path::new(tree).is_dir() {
        return tree.to_string();
    }
    let _ = tree;
    "assets".to_string()
}

/// The whole app in a window.
pub fn app(scenario: &Scenario, capture: capture::CaptureOptions) -> App {
    let mut app = App::new();
    let (w, h) = capture.window.unwrap_or((1280, 720));
    let unattended = capture.frames > 0;
    let presentation = capture.presentation;
    app.insert_resource(ClearColor(palette::BACKGROUND))
        .add_plugins(
            DefaultPlugins
                .set(WindowPlugin {
                    primary_window: Some(Window {
                        title: "docknet — Docker networking, packet by packet".into(),
                        resolution: (w, h).into(),
                        resizable: true,
                        // The web page's canvas; Bevy sizes it to its parent.
                        canvas: Some("#docknet-canvas".into()),
                        fit_canvas_to_parent: true,
                        ..default()
                    }),
                    ..default()
                })
                .set(AssetPlugin {
                    file_path: assets_dir(),
                    // No .meta files: the browser would ask the server for each one.
                    meta_check: bevy::asset::AssetMetaCheck::Never,
                    ..default()
                }),
        );
    app.add_plugins(bevy_egui::EguiPlugin::default());
    app.add_plugins((egui_shader::EguiShaderPlugin, flat::FlatPlugin));
    core_plugins(&mut app, scenario);
    app.insert_resource(packets::Easing(!unattended));
    app.add_plugins((
        camera::CameraPlugin,
        shortcuts::ShortcutsPlugin,
        window::WindowSizePlugin {
            fit_screen: capture.window.is_none(),
        },
        ui::UiPlugin { presentation },
        capture::CapturePlugin(capture),
    ));
    app
}
