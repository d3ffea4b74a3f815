//! The top bar: the lesson picker, opening a file, the quick switches (a container's network
//! mode, Linux vs Docker Desktop) with a side-by-side comparison, and the help and error
//! windows.

use super::{Ctx, mono};
use crate::session::UiCommand;
use crate::shortcuts;
use bevy_egui::egui;
use docknet_view::Document;
use std::sync::OnceLock;

/// Bundled scenarios in course order: (heading, name, title, what it teaches and its
/// learner text), parsed once.
type Listed = (&'static str, &'static str, String, String);

fn catalogue() -> &'static [Listed] {
    static CAT: OnceLock<Vec<Listed>> = OnceLock::new();
    CAT.get_or_init(|| {
        docknet_view::course::entries()
            .filter_map(|(heading, entry)| {
                let b = crate::bundled::find(entry.name)?;
                let (title, desc) = if docknet_view::exercise::is_exercise(b.text) {
                    match docknet_view::exercise::Exercise::parse(b.name, b.text) {
                        Ok(e) => (format!("Exercise: {}", e.title), e.intro),
                        Err(e) => (format!("{} (does not open)", b.name), e.to_string()),
                    }
                } else {
                    match Document::open(b.name, b.text) {
                        Ok(d) => (d.title().to_string(), d.description().to_string()),
                        Err(e) => (format!("{} (does not open)", b.name), e.to_string()),
                    }
                };
                Some((
                    heading,
                    b.name,
                    title,
                    format!("{}\n\n{desc}", entry.teaches),
                ))
            })
            .collect()
    })
}

/// The same request under two setups, narrated side by side.
pub struct Comparison {
    pub left: (String, String),
    pub right: (String, String),
}

/// Run a document to the end and narrate it.
fn narrate(doc: &Document) -> String {
    match doc.build() {
        Ok(mut b) => {
            b.sim.run_to_end();
            docknet_sim::format::explain::text(b.sim.timed_trace())
        }
        Err(e) => e.to_string(),
    }
}

fn compare(
    doc: &Document,
    label: &str,
    change: impl FnOnce(&mut Document) -> Result<(), String>,
) -> Comparison {
    let mut other = doc.clone();
    let right = match change(&mut other) {
        Ok(()) => narrate(&other),
        Err(e) => e,
    };
    Comparison {
        left: ("as loaded".into(), narrate(doc)),
        right: (label.to_string(), right),
    }
}

pub fn show(ui: &mut egui::Ui, c: &mut Ctx) {
    let doc = &c.session.doc;
    ui.horizontal_wrapped(|ui| {
        ui.strong("docknet");
        let title: String = doc.title().chars().take(44).collect();
        let title = if title.chars().count() < doc.title().chars().count() {
            format!("{title}…")
        } else {
            title
        };
        egui::ComboBox::from_id_salt("lesson")
            .width(340.0)
            .selected_text(title)
            .show_ui(ui, |ui| {
                let mut heading = "";
                for (section, name, title, desc) in catalogue() {
                    if *section != heading {
                        heading = *section;
                        ui.separator();
                        ui.strong(*section);
                    }
                    let open = doc.file == *name || doc.file.starts_with(&format!("{name} ("));
                    let r = ui.selectable_label(open, format!("{title}  ({name})"));
                    if r.on_hover_text(desc.as_str()).clicked()
                        && let Some(b) = crate::bundled::find(name)
                    {
                        c.out.push(UiCommand::Open {
                            file: b.name.into(),
                            text: b.text.into(),
                            side: Vec::new(),
                        });
                    }
                }
            });
        #[cfg(target_arch = "wasm32")]
        if ui
            .button("Open file")
            .on_hover_text("a scenario or exercise (.ron) or a compose file (.yaml, with its .env) from this computer; files can also be dropped on the page")
            .clicked()
        {
            crate::web::pick_file();
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            ui.add(
                egui::TextEdit::singleline(&mut c.ui.open_path)
                    .desired_width(150.0)
                    .hint_text("scenario.ron or compose.yaml"),
            );
            if ui.button("Open file").clicked() {
                match std::fs::read_to_string(c.ui.open_path.trim()) {
                    Ok(text) => c.out.push(UiCommand::Open {
                        file: c.ui.open_path.trim().into(),
                        text,
                        side: Vec::new(),
                    }),
                    Err(e) => c.out.push(UiCommand::Problem(Some(format!(
                        "cannot read {}: {e}",
                        c.ui.open_path.trim()
                    )))),
                }
            }
        }
        // In an exercise the setup changes only through the console (they are the answer).
        // Only the running ones: a removed or stopped container has nothing to switch.
        let running = |n: &String| {
            c.session
                .built
                .inventory
                .as_ref()
                .is_none_or(|i| i.containers.iter().any(|ct| ct.name == *n))
        };
        let containers: Vec<String> = if c.session.attempt.is_some() {
            Vec::new()
        } else {
            doc.containers().into_iter().filter(running).collect()
        };
        if !containers.is_empty() {
            ui.menu_button("switches…", |ui| switches(ui, c, containers));
        }
        #[cfg(target_arch = "wasm32")]
        if ui
            .button("Share link")
            .on_hover_text("a link that opens this scenario, edits included")
            .clicked()
        {
            let link = format!(
                "{}#{}",
                crate::web::page_base(),
                crate::web::share_fragment()
            );
            crate::web::copy_share_link(&link);
        }
        ui.separator();
        for (on, name) in c.ui.panels.iter_mut().zip(super::PANEL_NAMES) {
            ui.toggle_value(on, name);
        }
        if ui
            .button("present")
            .on_hover_text("only the picture, the controls and the caption, in large type (P)")
            .clicked()
        {
            c.ui.presentation = true;
        }
        if ui.button("?").on_hover_text("shortcuts").clicked() {
            c.ui.help = !c.ui.help;
        }
    });
}

/// The lesson's title, platform and learner text (the detail panel's first section).
pub fn about(ui: &mut egui::Ui, c: &mut Ctx) {
    let doc = &c.session.doc;
    let platform = &c.session.built.platform;
    egui::CollapsingHeader::new("About this lesson")
        .default_open(true)
        .show(ui, |ui| {
            ui.strong(doc.title());
            if !platform.is_empty() {
                ui.label(egui::RichText::new(platform.as_str()).weak());
            }
            ui.label(doc.description());
            if doc.edited {
                ui.colored_label(
                    egui::Color32::from_rgb(250, 210, 80),
                    "edited in this session (console commands or switches)",
                );
            }
        });
}

/// The quick switches: a container's network mode, Linux or Docker Desktop, side by side.
fn switches(ui: &mut egui::Ui, c: &mut Ctx, containers: Vec<String>) {
    let doc = &c.session.doc;
    ui.horizontal(|ui| {
        let target =
            c.ui.mode_target
                .clone()
                .filter(|t| containers.contains(t))
                .unwrap_or_else(|| containers[0].clone());
        let mut chosen = target.clone();
        egui::ComboBox::from_id_salt("mode-target")
            .selected_text(chosen.clone())
            .show_ui(ui, |ui| {
                for n in &containers {
                    ui.selectable_value(&mut chosen, n.clone(), n);
                }
            });
        c.ui.mode_target = Some(chosen.clone());
        let mode = c
            .session
            .built
            .inventory
            .as_ref()
            .and_then(|i| i.containers.iter().find(|x| x.name == chosen))
            .map(|x| x.mode.clone())
            .unwrap_or_default();
        for m in ["bridge", "host", "none"] {
            if ui
                .selectable_label(mode == m, m)
                .on_hover_text(format!("re-run {chosen} with --network {m} and replay"))
                .clicked()
                && mode != m
            {
                c.out.push(UiCommand::SetMode {
                    container: chosen.clone(),
                    mode: m.into(),
                });
            }
        }
        if ui
            .button("compare…")
            .on_hover_text("the same traffic with this container in the other mode, side by side")
            .clicked()
        {
            let other = if mode == "host" { "bridge" } else { "host" };
            let (who, m) = (chosen.clone(), other.to_string());
            c.ui.compare = Some(compare(doc, &format!("{who} with --network {m}"), |d| {
                d.set_network_mode(&who, &m).map(|_| ())
            }));
        }
        ui.separator();
        let desktop = doc.is_desktop();
        if ui.selectable_label(!desktop, "Linux").clicked() && desktop {
            c.out.push(UiCommand::SetDesktop(false));
        }
        if ui
            .selectable_label(desktop, "Docker Desktop (Mac)")
            .clicked()
            && !desktop
        {
            c.out.push(UiCommand::SetDesktop(true));
        }
        if ui.button("compare platforms…").clicked() {
            let label = if desktop {
                "on Linux"
            } else {
                "on Docker Desktop for Mac"
            };
            c.ui.compare = Some(compare(doc, label, |d| {
                d.set_platform(!desktop).map(|_| ())
            }));
        }
    });
}

pub fn windows(ctx: &egui::Context, c: &mut Ctx) {
    if let Some(err) = &c.session.error {
        egui::Window::new("Problem")
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(mono(err, egui::Color32::from_rgb(255, 140, 140)));
                if ui.button("dismiss").clicked() {
                    c.out.push(UiCommand::Problem(None));
                }
            });
    }
    if let Some(n) = &c.session.notice {
        egui::Window::new("Handed in")
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(n);
                if ui.button("ok").clicked() {
                    c.out.push(UiCommand::DismissNotice);
                }
            });
    }
    let mut open = c.ui.help;
    egui::Window::new("Shortcuts")
        .open(&mut open)
        .show(ctx, |ui| {
            egui::Grid::new("keys").show(ui, |ui| {
                for (k, what) in shortcuts::HELP {
                    ui.strong(*k);
                    ui.label(*what);
                    ui.end_row();
                }
            });
            ui.label("Click a box to open its console; click a packet to inspect it.");
        });
    c.ui.help = open;
    let mut keep = c.ui.compare.is_some();
    if let Some(cmp) = &c.ui.compare {
        egui::Window::new("Side by side")
            .open(&mut keep)
            .default_size([900.0, 520.0])
            .show(ctx, |ui| {
                ui.columns(2, |cols| {
                    for (col, (title, text)) in cols.iter_mut().zip([&cmp.left, &cmp.right]) {
                        col.strong(title);
                        egui::ScrollArea::vertical()
                            .id_salt(title.as_str())
                            .show(col, |ui| {
                                ui.label(mono(text, egui::Color32::from_gray(225)));
                            });
                    }
                });
            });
    }
    if !keep {
        c.ui.compare = None;
    }
}
