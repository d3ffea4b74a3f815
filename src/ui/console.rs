//! The namespace console: pick a box (click it in the picture or choose here), type a command.

use super::{Ctx, mono};
use crate::session::UiCommand;
use bevy_egui::egui;

pub fn show(ui: &mut egui::Ui, c: &mut Ctx) {
    let ns = c.selection.ns.clone().unwrap_or_default();
    ui.horizontal(|ui| {
        ui.strong("Console");
        let mut chosen = ns.clone();
        egui::ComboBox::from_id_salt("console-ns")
            .selected_text(format!("in {chosen}"))
            .show_ui(ui, |ui| {
                for b in &c.session.layout.boxes {
                    ui.selectable_value(&mut chosen, b.ns.clone(), &b.ns);
                }
            });
        if chosen != ns {
            c.out.push(UiCommand::SelectNs(chosen));
        }
        ui.label(format!(
            "(state as of t = {}; type help)",
            c.session.player.clock()
        ));
    });
    let input_h = 28.0;
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - input_h).max(40.0))
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show(ui, |ui| {
            for (n, line, out) in &c.session.console {
                ui.label(mono(
                    format!("root@{n}:~# {line}"),
                    egui::Color32::from_rgb(130, 220, 130),
                ));
                if !out.is_empty() {
                    ui.label(mono(out.trim_end(), egui::Color32::from_gray(225)));
                }
            }
        });
    ui.horizontal(|ui| {
        ui.label(mono(format!("root@{ns}:~#"), egui::Color32::from_rgb(130, 220, 130)));
        let r = ui.add(
            egui::TextEdit::singleline(&mut c.ui.console_input)
                .font(egui::TextStyle::Monospace)
                .desired_width(f32::INFINITY)
                .hint_text("ip addr, iptables -t nat -L -n -v, curl http://10.12.91.17:8080, docker ps ..."),
        );
        if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            let line = std::mem::take(&mut c.ui.console_input);
            if !line.trim().is_empty() {
                c.out.push(UiCommand::Console { ns: ns.clone(), line });
            }
            r.request_focus();
        }
    });
}
