//! docknet-view: everything the app shows, as plain data computed from a scenario and the
//! simulator's trace. No Bevy here, so it is tested fast and reused by the desktop and web
//! builds alike; the app turns these values into entities and egui panels.
//!
//! - [`document`]: the open scenario (Docker- or kernel-level), edits, rebuilds.
//! - [`layout`]: boxes, ports, bridges and cables placed from the topology; [`routes`]: cables
//!   routed round bars, ports and titles.
//! - [`player`]: the timeline (cursor over trace records, play/step/back/scrub, breakpoints).
//! - [`scene`]: the packets to draw at the current moment, with NAT-rewritten labels.
//! - [`netfilter`]: the hook pipeline and the current chain's rules.
//! - [`inspector`]: a packet's headers at every hop, with what changed.
//! - [`events`]: the event list with its filters.
//! - [`console`]: a namespace's shell (`ip`, `iptables`, `conntrack`, `ping`, `docker ...`).
//! - [`exercise`]: classroom exercises whose answers the simulation computes, and grading.
//! - [`course`]: the lesson picker's order, headings and one-sentence summaries.
//! - [`share`]: scenarios packed into links; [`stress`]: a generated scenario for measuring.

pub mod columns;
pub mod connections;
pub mod console;
pub mod course;
pub mod cursor;
pub mod document;
pub mod events;
pub mod exercise;
pub mod inspector;
pub mod labels;
pub mod layout;
pub mod live;
pub mod netfilter;
pub mod player;
pub mod routes;
pub mod scene;
pub mod share;
pub mod stack;
pub mod stress;

pub use document::Document;
pub use layout::Layout;
pub use player::Player;
