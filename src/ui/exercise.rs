//! The exercise panel: the learner's name (which picks their variant), the tasks with their
//! answer widgets, hints, immediate feedback, the running score, and Submit.

use super::{Ctx, mono};
use crate::session::UiCommand;
use bevy_egui::egui;
use docknet_view::exercise::Task;
use docknet_view::exercise::grade::{Answer, Mark};
use std::collections::BTreeMap;

/// Answers being typed, per task (kept between frames).
#[derive(Default)]
pub struct Drafts {
    /// The attempt these drafts belong to (file, learner): another one starts afresh.
    pub owner: (String, String),
    pub learner: String,
    pub text: BTreeMap<String, String>,
    pub order: BTreeMap<String, Vec<String>>,
}

fn mark_line(ui: &mut egui::Ui, m: &Mark) {
    let color = if m.correct {
        egui::Color32::from_rgb(120, 230, 120)
    } else {
        egui::Color32::from_rgb(240, 120, 120)
    };
    ui.colored_label(color, format!("{} — {}/{} pt", m.feedback, m.points, m.max));
}

pub fn window(ctx: &egui::Context, c: &mut Ctx) {
    let Some(a) = &c.session.attempt else { return };
    let owner = (a.file.clone(), a.learner.clone());
    if c.ui.drafts.owner != owner {
        c.ui.drafts = Drafts {
            owner,
            learner: a.learner.clone(),
            ..Drafts::default()
        };
    }
    let (got, max) = a.score();
    egui::Window::new(format!("Exercise — {got}/{max} points"))
        .default_pos([ctx.viewport_rect().right() - 480.0, 200.0])
        .default_size([460.0, 460.0])
        .show(ctx, |ui| {
            ui.strong(&a.exercise.title);
            ui.label(&a.exercise.intro);
            ui.horizontal(|ui| {
                ui.label("Your name:");
                ui.add(egui::TextEdit::singleline(&mut c.ui.drafts.learner).desired_width(160.0));
                if c.ui.drafts.learner.trim() != a.learner
                    && ui.button("start as this learner").clicked()
                {
                    c.out
                        .push(UiCommand::Learner(c.ui.drafts.learner.trim().to_string()));
                }
            });
            ui.label(
                egui::RichText::new(
                    "Your name picks your variant: your neighbours' addresses and ports differ.",
                )
                .small(),
            );
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(360.0)
                .show(ui, |ui| {
                    for (n, t) in a.tasks().iter().enumerate() {
                        let id = t.id().to_string();
                        let head = format!("{}. {} ({} pt)", n + 1, t.prompt(), t.points());
                        egui::CollapsingHeader::new(head)
                            .id_salt(&id)
                            .default_open(n == 0)
                            .show(ui, |ui| {
                                task(ui, c, t, &id);
                            });
                    }
                });
            ui.separator();
            ui.horizontal(|ui| {
                ui.strong(format!("Score: {got}/{max}"));
                if ui
                    .button("Submit")
                    .on_hover_text("write the result file for your teacher")
                    .clicked()
                {
                    c.out.push(UiCommand::Submit);
                }
            });
        });
}

fn task(ui: &mut egui::Ui, c: &mut Ctx, t: &Task, id: &str) {
    let Some(a) = &c.session.attempt else { return };
    let key = a.key.task(id);
    for h in a.shown_hints(id) {
        ui.label(egui::RichText::new(format!("Hint: {h}")).italics());
    }
    let left = t.hints().len() - a.shown_hints(id).len();
    if left > 0 {
        let cost = if t.hint_cost() > 0 {
            format!(" (−{} pt)", t.hint_cost())
        } else {
            String::new()
        };
        if ui.small_button(format!("hint{cost}")).clicked() {
            c.out.push(UiCommand::Hint(id.to_string()));
        }
    }
    match t {
        Task::Predict(_) => {
            let options = key.map(|k| k.options.clone()).unwrap_or_default();
            let draft = c.ui.drafts.text.entry(id.to_string()).or_default();
            if options.is_empty() {
                ui.add(
                    egui::TextEdit::singleline(draft)
                        .desired_width(f32::INFINITY)
                        .hint_text("your answer"),
                );
            } else {
                for o in &options {
                    ui.radio_value(draft, o.clone(), mono(o, egui::Color32::from_gray(225)));
                }
            }
            if ui.button("check").clicked() && !draft.trim().is_empty() {
                c.out.push(UiCommand::Answer {
                    id: id.to_string(),
                    answer: Answer::Text(draft.clone()),
                });
            }
        }
        Task::Fix(f) => {
            ui.label(format!("Goal: {}", f.goal.describe()));
            for k in &f.keep {
                ui.label(format!("and still: {}", k.describe()));
            }
            ui.label("Change the setup in the console (docker ..., iptables ... on the host), then check.");
            if a.commands.is_empty() {
                ui.label(egui::RichText::new("No commands run yet.").small());
            }
            for cmd in &a.commands {
                ui.label(mono(cmd, egui::Color32::from_rgb(130, 220, 130)));
            }
            if ui.button("check the goal").clicked() {
                c.out.push(UiCommand::Answer {
                    id: id.to_string(),
                    answer: Answer::Commands(a.commands.clone()),
                });
            }
        }
        Task::Explain(_) => {
            let steps =
                c.ui.drafts
                    .order
                    .entry(id.to_string())
                    .or_insert_with(|| key.map(|k| k.options.clone()).unwrap_or_default());
            ui.label("Drag the steps into order (or use the arrows):");
            let mut moved: Option<(usize, usize)> = None;
            for (i, s) in steps.iter().enumerate() {
                let item_id = egui::Id::new((id, "step", i));
                let row = ui.horizontal(|ui| {
                    if ui.small_button("↑").clicked() && i > 0 {
                        moved = Some((i, i - 1));
                    }
                    if ui.small_button("↓").clicked() && i + 1 < steps.len() {
                        moved = Some((i, i + 1));
                    }
                    ui.dnd_drag_source(item_id, i, |ui| {
                        ui.label(mono(
                            format!("{}. {s}", i + 1),
                            egui::Color32::from_gray(230),
                        ));
                    });
                });
                if let Some(from) = row.response.dnd_release_payload::<usize>() {
                    moved = Some((*from, i));
                }
            }
            if let Some((from, to)) = moved {
                let s = steps.remove(from);
                steps.insert(to.min(steps.len()), s);
            }
            if ui.button("check the order").clicked() {
                c.out.push(UiCommand::Answer {
                    id: id.to_string(),
                    answer: Answer::Order(steps.clone()),
                });
            }
        }
    }
    if let Some(m) = a.marks.get(id) {
        mark_line(ui, m);
    }
}
