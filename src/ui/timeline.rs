//! Play, pause, step, speed, the scrubber and the breakpoints.

use super::Ctx;
use crate::session::UiCommand;
use bevy_egui::egui;
use docknet_view::player::SPEEDS;

/// The transport row: buttons, speed, time and position, and the scrubber filling the rest;
/// the breakpoints in a menu (`full`) or left out (presentation mode).
pub fn show(ui: &mut egui::Ui, c: &mut Ctx, full: bool) {
    let p = &c.session.player;
    let total = p.len();
    ui.horizontal(|ui| {
        if ui.button("⏮").on_hover_text("start (Home)").clicked() {
            c.out.push(UiCommand::Seek(0));
        }
        if ui
            .button("◀")
            .on_hover_text("one event back (Left arrow)")
            .clicked()
        {
            c.out.push(UiCommand::StepBack);
        }
        let play = if p.playing { "⏸ pause" } else { "▶ play" };
        if ui.button(play).on_hover_text("Space").clicked() {
            c.out.push(UiCommand::TogglePlay);
        }
        if ui
            .button("▶|")
            .on_hover_text("one event forward (Right arrow)")
            .clicked()
        {
            c.out.push(UiCommand::StepForward);
        }
        if ui.button("⏭").on_hover_text("end (End)").clicked() {
            c.out.push(UiCommand::Seek(total));
        }
        let mut speed = p.speed;
        egui::ComboBox::from_id_salt("speed")
            .selected_text(format!("speed {}", SPEEDS[speed].label))
            .show_ui(ui, |ui| {
                for (i, s) in SPEEDS.iter().enumerate() {
                    ui.selectable_value(&mut speed, i, format!("{} ({})", s.label, i + 1));
                }
            });
        if speed != p.speed {
            c.out.push(UiCommand::Speed(speed));
        }
        ui.label(format!("t = {}", p.clock()));
        ui.label(format!(
            "event {} / {}{}",
            p.cursor(),
            total,
            if p.complete() { "" } else { "+" }
        ));
        if full {
            ui.menu_button("break on…", |ui| breakpoints(ui, c));
        }
        if let Some(why) = &c.session.player.stopped_by {
            ui.colored_label(egui::Color32::YELLOW, format!("stopped: {why}"));
        }
        let mut at = c.session.player.cursor();
        let width = ui.available_width() - 10.0;
        ui.spacing_mut().slider_width = width.max(80.0);
        let r = ui.add(egui::Slider::new(&mut at, 0..=total.max(1)).show_value(false));
        if r.changed() {
            c.out.push(UiCommand::Seek(at));
        }
    });
}

fn breakpoints(ui: &mut egui::Ui, c: &mut Ctx) {
    let p = &c.session.player;
    ui.vertical(|ui| {
        let mut bp = p.breakpoints.clone();
        ui.checkbox(&mut bp.nat, "NAT rewrite");
        ui.checkbox(&mut bp.drop, "drop");
        ui.checkbox(&mut bp.new_conntrack, "new conntrack entry");
        ui.label("rule containing");
        ui.add(
            egui::TextEdit::singleline(&mut bp.rule)
                .desired_width(160.0)
                .hint_text("-j DNAT"),
        );
        if bp != p.breakpoints {
            c.out.push(UiCommand::Breakpoints(bp));
        }
    });
}
