//! Colours: one place so the picture, the markers and the panels agree.

use bevy::prelude::Color;
use docknet_sim::scenario::NsRole;
use docknet_view::connections::PacketKind;

pub const BACKGROUND: Color = Color::srgb(0.09, 0.10, 0.12);
pub const CABLE_VETH: Color = Color::srgb(0.35, 0.75, 0.85);
pub const CABLE_WIRE: Color = Color::srgb(0.62, 0.62, 0.66);
pub const BRIDGE: Color = Color::srgb(0.92, 0.68, 0.25);
pub const PORT: Color = Color::srgb(0.85, 0.88, 0.92);
pub const TEXT: Color = Color::srgb(0.90, 0.92, 0.95);
pub const TEXT_DIM: Color = Color::srgb(0.62, 0.66, 0.72);
pub const STRUCK: Color = Color::srgb(0.95, 0.40, 0.40);
pub const REWRITTEN: Color = Color::srgb(0.45, 0.95, 0.45);
pub const DROP: Color = Color::srgb(0.95, 0.25, 0.25);
pub const LABEL_BG: Color = Color::srgba(0.04, 0.05, 0.06, 0.88);
pub const ACTIVE_OUTLINE: Color = Color::srgb(1.0, 0.85, 0.3);
/// A netfilter station not on the current packet's path, its frame, and one it passed.
pub const STATION: Color = Color::srgb(0.13, 0.15, 0.19);
pub const STATION_EDGE: Color = Color::srgb(0.38, 0.42, 0.50);
pub const STATION_PASSED: Color = Color::srgb(0.20, 0.34, 0.52);
/// The station (and table) the packet is at now.
pub const STATION_NOW: Color = Color::srgb(0.93, 0.72, 0.20);
pub const TABLE_TAG: Color = Color::srgb(0.22, 0.25, 0.31);
pub const ARROW: Color = Color::srgb(0.36, 0.40, 0.47);
pub const ARROW_PASSED: Color = Color::srgb(0.45, 0.70, 1.0);
/// A user-space process (Docker Desktop's forwarder).
pub const PROCESS: Color = Color::srgb(0.30, 0.24, 0.40);
/// A conntrack row just created, and one a reply is un-NATed by.
pub const CT_NEW: Color = Color::srgb(0.45, 0.95, 0.45);
pub const CT_LOOKUP: Color = Color::srgb(0.45, 0.80, 1.0);

/// Fill and outline of a namespace box by what it stands for (darker when nested deeper).
pub fn ns_fill(role: NsRole, depth: usize) -> (Color, Color) {
    let (r, g, b) = match role {
        NsRole::Host => (0.16, 0.20, 0.28),
        NsRole::Vm => (0.22, 0.18, 0.30),
        NsRole::Container => (0.12, 0.26, 0.26),
        NsRole::Router => (0.24, 0.24, 0.16),
        NsRole::External => (0.22, 0.19, 0.17),
    };
    let k = 1.0 + 0.12 * depth as f32;
    (
        Color::srgb(r * k, g * k, b * k),
        Color::srgb((r * 2.2).min(1.0), (g * 2.2).min(1.0), (b * 2.2).min(1.0)),
    )
}

/// Eight well-separated hues for connections.
const CONNECTION: [(f32, f32, f32); 8] = [
    (0.30, 0.65, 1.00),
    (1.00, 0.55, 0.20),
    (0.70, 0.45, 1.00),
    (0.95, 0.35, 0.65),
    (0.35, 0.85, 0.55),
    (0.95, 0.85, 0.30),
    (0.40, 0.90, 0.90),
    (0.85, 0.60, 0.45),
];

/// A marker's colour: ARP grey, DNS violet, otherwise its connection's hue.
pub fn marker(kind: PacketKind, connection: Option<usize>) -> Color {
    match kind {
        PacketKind::Arp => Color::srgb(0.75, 0.75, 0.75),
        PacketKind::Dns => Color::srgb(0.80, 0.50, 0.95),
        _ => {
            let (r, g, b) = CONNECTION[connection.unwrap_or(0) % CONNECTION.len()];
            Color::srgb(r, g, b)
        }
    }
}

/// The same colour for egui.
pub fn egui(c: Color) -> bevy_egui::egui::Color32 {
    let s = c.to_srgba();
    bevy_egui::egui::Color32::from_rgba_unmultiplied(
        (s.red * 255.0) as u8,
        (s.green * 255.0) as u8,
        (s.blue * 255.0) as u8,
        (s.alpha * 255.0) as u8,
    )
}
