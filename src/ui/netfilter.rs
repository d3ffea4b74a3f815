//! The netfilter view: the hook pipeline with the current table lit, the current chain's
//! rules in iptables-save text with the matching one highlighted and counted, and the walk.

use super::{Ctx, mono};
use bevy_egui::egui;
use docknet_view::netfilter::Lit;

fn lit_color(l: Lit) -> (egui::Color32, egui::Color32) {
    match l {
        Lit::Current => (egui::Color32::BLACK, egui::Color32::from_rgb(250, 210, 80)),
        Lit::Done => (egui::Color32::BLACK, egui::Color32::from_rgb(110, 190, 120)),
        Lit::Off => (egui::Color32::from_gray(200), egui::Color32::from_gray(55)),
        Lit::Absent => (egui::Color32::from_gray(110), egui::Color32::from_gray(35)),
    }
}

pub fn show(ui: &mut egui::Ui, c: &mut Ctx) {
    ui.heading("Netfilter");
    let Some(v) = &c.view.netfilter else {
        ui.label("No packet is inside a netfilter hook at this event. Step to a hook, rule or NAT event (or break on NAT) to see the chain it walks.");
        return;
    };
    ui.label(format!(
        "packet #{} in {} — {} {} chain {}",
        v.pkt, v.ns, v.table, v.hook, v.chain
    ));
    // The picture draws the hook stations of namespaces with rules; a container's own (the
    // embedded DNS's NAT) are shown here as one column per hook with its tables.
    let in_picture = c
        .session
        .layout
        .ns_box(&v.ns)
        .is_some_and(|b| b.stack.is_some());
    if !in_picture {
        pipeline(ui, v);
    }
    rules(ui, v);
}

fn pipeline(ui: &mut egui::Ui, v: &docknet_view::netfilter::NetfilterView) {
    egui::Grid::new("pipeline")
        .spacing([6.0, 2.0])
        .show(ui, |ui| {
            for s in &v.stages {
                let (fg, bg) = lit_color(s.lit);
                ui.label(
                    egui::RichText::new(s.hook)
                        .small()
                        .strong()
                        .color(fg)
                        .background_color(bg),
                );
            }
            ui.end_row();
            let rows = v.stages.iter().map(|s| s.tables.len()).max().unwrap_or(0);
            for i in 0..rows {
                for s in &v.stages {
                    match s.tables.get(i) {
                        Some((t, l)) => {
                            let (fg, bg) = lit_color(*l);
                            ui.label(
                                egui::RichText::new(*t)
                                    .small()
                                    .color(fg)
                                    .background_color(bg),
                            );
                        }
                        None => {
                            ui.label("");
                        }
                    }
                }
                ui.end_row();
            }
        });
}

fn rules(ui: &mut egui::Ui, v: &docknet_view::netfilter::NetfilterView) {
    ui.add(egui::Label::new(mono(&v.packet, egui::Color32::from_gray(190))).wrap());
    ui.add_space(4.0);
    ui.label(mono(
        format!(
            "{:>5} {:>6}  -t {} chain {}",
            "pkts", "bytes", v.table, v.chain
        ),
        egui::Color32::GRAY,
    ));
    for r in &v.rules {
        let (fg, bg) = if r.matched {
            (egui::Color32::BLACK, egui::Color32::from_rgb(250, 210, 80))
        } else {
            (egui::Color32::from_gray(220), egui::Color32::TRANSPARENT)
        };
        let line = format!("{:>5} {:>6}  {}", r.packets, r.bytes, r.text);
        ui.add(egui::Label::new(mono(line, fg).background_color(bg)).wrap());
    }
    egui::CollapsingHeader::new(format!("walk in {} so far ({} steps)", v.ns, v.walk.len()))
        .default_open(false)
        .show(ui, |ui| {
            for (i, w) in v.walk.iter().enumerate() {
                ui.label(mono(
                    format!("{:>2}. {w}", i + 1),
                    egui::Color32::from_gray(200),
                ));
            }
        });
}
