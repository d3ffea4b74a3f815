//! The inspector: the packet's headers at every hop (changed fields highlighted) and its
//! connection's conntrack entry.

use super::{Ctx, mono};
use crate::session::UiCommand;
use bevy_egui::egui;

pub fn show(ui: &mut egui::Ui, c: &mut Ctx) {
    ui.horizontal(|ui| {
        ui.heading("Inspector");
        if c.selection.pinned_pkt.is_some() && ui.button("follow the current packet").clicked() {
            c.out.push(UiCommand::Inspect(None));
        }
    });
    let Some(ins) = &c.view.inspection else {
        ui.label("Click a packet (or an event) to inspect it.");
        return;
    };
    ui.label(format!(
        "packet #{}{}",
        ins.pkt,
        if c.selection.pinned_pkt.is_some() {
            " (pinned)"
        } else {
            ""
        }
    ));
    if let Some(ct) = &ins.conntrack {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(format!("conntrack in {}: {} {}", ct.ns, ct.head, ct.flags));
            ui.label(mono(
                format!("original: {}", ct.original),
                egui::Color32::from_rgb(150, 200, 255),
            ));
            ui.label(mono(
                format!("reply:    {}", ct.reply),
                egui::Color32::from_rgb(255, 190, 140),
            ));
        });
    }
    if ins.hops.is_empty() {
        ui.label("Not captured anywhere yet.");
        return;
    }
    egui::ScrollArea::horizontal()
        .id_salt("hops")
        .show(ui, |ui| {
            egui::Grid::new("hops-grid").striped(true).show(ui, |ui| {
                ui.label("");
                for h in &ins.hops {
                    let resp = ui.add(egui::Button::new(mono(&h.at, egui::Color32::WHITE)).small());
                    if resp
                        .on_hover_text(format!("at {}: jump here", h.t))
                        .clicked()
                    {
                        c.out.push(UiCommand::JumpTo(h.record));
                    }
                }
                ui.end_row();
                for (i, f) in ins.hops[0].fields.iter().enumerate() {
                    ui.label(mono(format!("{} {}", f.layer, f.name), egui::Color32::GRAY));
                    for h in &ins.hops {
                        match h.fields.get(i) {
                            Some(g) if g.changed => {
                                ui.label(
                                    mono(&g.value, egui::Color32::BLACK)
                                        .background_color(egui::Color32::from_rgb(250, 210, 80)),
                                );
                            }
                            Some(g) => {
                                ui.label(mono(&g.value, egui::Color32::from_gray(220)));
                            }
                            None => {
                                ui.label("");
                            }
                        }
                    }
                    ui.end_row();
                }
            });
        });
}
