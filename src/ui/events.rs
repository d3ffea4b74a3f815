//! The event list (Packet Tracer's simulation panel): time, where, what; filters by protocol,
//! namespace and kind; a click jumps there.

use super::{Ctx, mono};
use crate::session::UiCommand;
use bevy_egui::egui;
use docknet_view::connections::PROTOCOLS;
use docknet_view::events::{Filter, KINDS};
use std::collections::BTreeSet;

fn chips(ui: &mut egui::Ui, label: &str, options: &[String], chosen: &mut BTreeSet<String>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(label);
        if ui.selectable_label(chosen.is_empty(), "all").clicked() {
            chosen.clear();
        }
        for o in options {
            let on = chosen.contains(o);
            if ui.selectable_label(on, o).clicked() {
                if on {
                    chosen.remove(o);
                } else {
                    chosen.insert(o.clone());
                }
            }
        }
    });
}

pub fn show(ui: &mut egui::Ui, c: &mut Ctx, filter: &mut Filter) {
    ui.heading("Events");
    let protocols: Vec<String> = PROTOCOLS.iter().map(|s| s.to_string()).collect();
    chips(ui, "protocol", &protocols, &mut filter.protocols);
    let namespaces: Vec<String> = c.session.events.namespaces().iter().cloned().collect();
    chips(ui, "namespace", &namespaces, &mut filter.namespaces);
    egui::CollapsingHeader::new("kinds")
        .default_open(false)
        .show(ui, |ui| {
            let kinds: Vec<String> = KINDS.iter().map(|s| s.to_string()).collect();
            chips(ui, "", &kinds, &mut filter.kinds);
        });
    ui.horizontal(|ui| {
        ui.checkbox(&mut c.ui.show_future, "list events not reached yet");
        let page = c.session.events.page();
        if page.start > 0 && ui.button("◀ earlier").clicked() {
            c.out.push(UiCommand::EventsPage { later: false });
        }
        if page.end < c.session.player.len() && ui.button("later ▶").clicked() {
            c.out.push(UiCommand::EventsPage { later: true });
        }
    });
    ui.separator();
    let p = &c.session.player;
    let limit = if c.ui.show_future {
        usize::MAX
    } else {
        p.cursor()
    };
    let rows: Vec<_> = c.session.events.filtered(filter, limit).collect();
    let cursor = p.cursor();
    let row_h = 18.0;
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .stick_to_bottom(p.playing)
        .show_rows(ui, row_h, rows.len(), |ui, range| {
            for r in &rows[range] {
                let current = r.index + 1 == cursor;
                let future = r.index >= cursor;
                let color = if future {
                    egui::Color32::from_gray(110)
                } else if r.kind == "drop" {
                    egui::Color32::from_rgb(240, 90, 90)
                } else if r.kind == "nat" {
                    egui::Color32::from_rgb(120, 230, 120)
                } else {
                    egui::Color32::from_gray(220)
                };
                let text = format!("{} {}: {}", r.t, r.at, r.what);
                let resp = ui
                    .selectable_label(current, mono(text, color))
                    .on_hover_text(&r.what);
                if resp.clicked() {
                    c.out.push(UiCommand::JumpTo(r.index));
                    if let Some(pkt) = r.pkt {
                        c.out.push(UiCommand::Inspect(Some(pkt)));
                    }
                }
            }
        });
}
