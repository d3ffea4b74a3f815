//! The egui panels around the picture: the lesson picker and the transport row on top, the
//! caption line under the picture, the lesson text with the netfilter view and inspector on
//! the right, the event list (left) and console (bottom) when opened. Presentation mode keeps
//! only the transport row and the caption, in large type. One system draws them, then gives
//! the camera the space left.

mod console;
mod events;
mod exercise;
mod fonts;
mod inspector;
mod netfilter;
mod picker;
mod timeline;

use crate::palette;
use crate::session::{Selection, Session, UiCommand, ViewState};
use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPrimaryContextPass, PrimaryEguiContext, egui,
};

/// State that only the panels need.
#[derive(Resource)]
pub struct UiState {
    /// Which panels are open (closing them gives the picture the room).
    pub panels: [bool; 3],
    pub open_path: String,
    pub console_input: String,
    pub show_future: bool,
    pub help: bool,
    pub compare: Option<picker::Comparison>,
    pub mode_target: Option<String>,
    pub drafts: exercise::Drafts,
    /// Only the picture, the transport controls and the caption, in projector-sized type.
    pub presentation: bool,
}

impl Default for UiState {
    fn default() -> Self {
        UiState {
            // The picture first: the event list and console open on demand.
            panels: [false, true, false],
            open_path: String::new(),
            console_input: String::new(),
            show_future: false,
            help: false,
            compare: None,
            mode_target: None,
            drafts: exercise::Drafts::default(),
            presentation: false,
        }
    }
}

pub const PANEL_NAMES: [&str; 3] = ["events", "details", "console"];

/// Text size of the caption line (and of everything in presentation mode).
const CAPTION_PX: f32 = 17.0;
const PRESENT_PX: f32 = 30.0;

pub struct UiPlugin {
    /// Start in presentation mode.
    pub presentation: bool,
}

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(UiState {
            presentation: self.presentation,
            ..default()
        })
        .add_systems(Startup, spawn_ui_camera)
        .add_systems(EguiPrimaryContextPass, draw);
    }
}

/// egui gets its own camera over the whole window, drawn after the picture's camera, so the
/// picture's camera can be confined to the space between the panels. Both draw into the same
/// main texture (same window, no MSAA, no HDR): the picture's camera does not write it out,
/// this one keeps what the picture drew and writes the whole once (a full-window clear and
/// blended copy fewer per frame for a software renderer).
fn spawn_ui_camera(mut commands: Commands, mut settings: ResMut<EguiGlobalSettings>) {
    settings.auto_create_primary_context = false;
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        Msaa::Off,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: None,
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::None,
            ..default()
        },
    ));
}

/// Everything a panel may read or ask for.
pub struct Ctx<'a> {
    pub session: &'a Session,
    pub view: &'a ViewState,
    pub selection: &'a Selection,
    pub ui: &'a mut UiState,
    pub out: Vec<UiCommand>,
}

#[allow(clippy::too_many_arguments)]
fn draw(
    mut contexts: EguiContexts,
    session: Res<Session>,
    view: Res<ViewState>,
    mut selection: ResMut<Selection>,
    mut state: ResMut<UiState>,
    mut out: MessageWriter<UiCommand>,
    mut camera: Single<&mut Camera, With<crate::camera::WorldCamera>>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut fonts_installed: Local<bool>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    if !*fonts_installed {
        // egui has no fonts until ours arrive (at the next pass): draw nothing this one.
        fonts::install(&ctx);
        *fonts_installed = true;
        return Ok(());
    }
    // Bigger windows get bigger type.
    let zoom = docknet_view::labels::ui_zoom(window.width());
    if (ctx.zoom_factor() - zoom).abs() > 0.01 {
        ctx.set_zoom_factor(zoom);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "docknet-root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let mut filter = selection.filter.clone();
    let mut c = Ctx {
        session: &session,
        view: &view,
        selection: &selection,
        ui: &mut state,
        out: Vec::new(),
    };
    let width = ctx.viewport_rect().width();
    if c.ui.presentation {
        present(&ctx, &mut root, &mut c);
    } else {
        egui::Panel::top("top").show(&mut root, |ui| {
            picker::show(ui, &mut c);
            timeline::show(ui, &mut c, true);
        });
        let [events_on, detail_on, console_on] = c.ui.panels;
        if console_on {
            egui::Panel::bottom("console")
                .resizable(true)
                .default_size(150.0)
                .show(&mut root, |ui| {
                    console::show(ui, &mut c);
                });
        }
        egui::Panel::bottom("caption").show(&mut root, |ui| {
            caption(ui, &c, CAPTION_PX);
        });
        if events_on {
            egui::Panel::left("events")
                .resizable(true)
                .default_size(270.0)
                .size_range(160.0..=560.0)
                .show(&mut root, |ui| {
                    events::show(ui, &mut c, &mut filter);
                });
        }
        if detail_on {
            egui::Panel::right("detail")
                .resizable(true)
                .default_size(docknet_view::labels::detail_panel_width(width))
                .size_range(220.0..=720.0)
                .show(&mut root, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        picker::about(ui, &mut c);
                        ui.separator();
                        netfilter::show(ui, &mut c);
                        ui.separator();
                        // The hops side by side scroll sideways rather than widen the panel.
                        egui::ScrollArea::horizontal()
                            .id_salt("inspector")
                            .show(ui, |ui| inspector::show(ui, &mut c));
                    });
                });
        }
    }
    picker::windows(&ctx, &mut c);
    exercise::window(&ctx, &mut c);
    let rest = root.available_rect_before_wrap();
    let commands = std::mem::take(&mut c.out);
    selection.filter = filter;
    for cmd in commands {
        out.write(cmd);
    }
    // The picture gets what the panels left.
    let scale = ctx.pixels_per_point();
    let pos = (rest.min.to_vec2() * scale).max(egui::Vec2::ZERO);
    let size = (rest.size() * scale).max(egui::vec2(1.0, 1.0));
    let phys = UVec2::new(window.physical_width(), window.physical_height());
    let position = UVec2::new(pos.x as u32, pos.y as u32).min(phys.saturating_sub(UVec2::ONE));
    let size = UVec2::new(size.x as u32, size.y as u32)
        .min(phys - position)
        .max(UVec2::ONE);
    let viewport = Viewport {
        physical_position: position,
        physical_size: size,
        ..default()
    };
    if camera
        .viewport
        .as_ref()
        .is_none_or(|v| v.physical_position != position || v.physical_size != size)
    {
        camera.viewport = Some(viewport);
    }
    Ok(())
}

/// Presentation mode: the transport row on top, the caption under the picture, large type.
fn present(ctx: &egui::Context, root: &mut egui::Ui, c: &mut Ctx) {
    let mut style = (*ctx.global_style()).clone();
    for (_, font) in style.text_styles.iter_mut() {
        font.size = PRESENT_PX * 0.7;
    }
    egui::Panel::top("present-top").show(root, |ui| {
        ui.set_style(style.clone());
        ui.horizontal(|ui| {
            if ui.button("exit presentation (P)").clicked() {
                c.ui.presentation = false;
            }
            ui.label(egui::RichText::new(c.session.doc.title()).strong());
        });
        timeline::show(ui, c, false);
    });
    egui::Panel::bottom("present-caption").show(root, |ui| {
        caption(ui, c, PRESENT_PX);
    });
}

/// The narrated sentence for the current step, like subtitles.
fn caption(ui: &mut egui::Ui, c: &Ctx, px: f32) {
    ui.add_space(4.0);
    // A run that hit its event budget or time limit (a storm, a runaway count) says so for as
    // long as it is loaded, wherever the cursor is (the caption narrates it at the end).
    if let Some(why) = c.session.player.run_stopped()
        && !c.view.caption.contains(why)
    {
        let mut why = why.to_string();
        if let Some(first) = why.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        ui.add(
            egui::Label::new(
                egui::RichText::new(why)
                    .size(px * 0.8)
                    .color(palette::egui(palette::DROP)),
            )
            .wrap(),
        );
    }
    ui.add(
        egui::Label::new(
            egui::RichText::new(&c.view.caption)
                .size(px)
                .color(egui::Color32::from_gray(240)),
        )
        .wrap(),
    );
    ui.add_space(4.0);
}

/// Monospace text in a given colour.
pub fn mono(text: impl Into<String>, color: egui::Color32) -> egui::RichText {
    egui::RichText::new(text).monospace().color(color)
}
