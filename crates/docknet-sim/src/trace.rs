//! The trace: every step the model takes, as records a viewer can replay without the model.
//!
//! Records are plain data (names, not ids) so the JSONL export, the CLI formats and the app
//! all read the same thing. They are compact: names are interned [`Name`]s, a captured frame
//! is shared by the captures that saw it unchanged, what is rare or big is boxed, and the
//! time is kept once per event by the window that holds the records
//! ([`crate::replay::TraceWindow::timed`]), so a record takes 32 bytes plus its share of the
//! frames.

mod footprint;
mod hop;
mod kinds;
mod memo;
mod packet;
mod sock_text;

pub use crate::intern::{Interned, Name};
pub use footprint::{Footprint, footprint};
pub use hop::{Hop, LinkHop};
pub use kinds::{CtChange, NatField, NudState, RouteChoice, RuleHit};
pub(crate) use memo::IfaceMemo;
pub use packet::{Endpoint, HookPacket, NftL4, NftPacket};
pub use sock_text::SockText;

use crate::conntrack::TcpCtState;
use crate::netfilter::{Hook, TableName};

use crate::ids::PacketId;
use crate::wire::{Frame, MacAddr};
use serde::Serialize;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// One trace record: what happened (when is kept by the window that holds it, once for all
/// the records of one event: see [`crate::Sim::timed_trace`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceRecord {
    /// The packet this step concerns; stable through forwarding and NAT.
    pub pkt: Option<PacketId>,
    #[serde(flatten)]
    pub event: TraceEvent,
}

/// Where a frame was seen by a capture (tcpdump's point of view).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    In,
    Out,
}

impl Dir {
    /// `In` or `Out`, as tcpdump -Q and the viewers name the direction.
    pub fn name(self) -> &'static str {
        match self {
            Dir::In => "In",
            Dir::Out => "Out",
        }
    }
}

/// What the bridge did with a frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum BridgeAction {
    /// The destination MAC was in the FDB: sent out one port.
    Forward { port: Name },
    /// Unknown unicast, broadcast or multicast: copied to every other port.
    Flood { ports: Interned<[Name]> },
    /// Addressed to the bridge itself: passed up to its IP stack.
    Local,
    /// The FDB says the destination is behind the ingress port (and no hairpin): dropped.
    Filtered,
}

/// Kinds of NAT rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NatKind {
    /// Destination rewritten by a DNAT rule (first packet) or its stored binding.
    #[serde(rename = "DNAT")]
    Dnat,
    /// Source rewritten by SNAT.
    #[serde(rename = "SNAT")]
    Snat,
    /// Source rewritten by MASQUERADE.
    #[serde(rename = "MASQUERADE")]
    Masquerade,
    /// A reply's source restored (DNAT undone).
    #[serde(rename = "un-DNAT")]
    UnDnat,
    /// A reply's destination restored (SNAT/MASQUERADE undone).
    #[serde(rename = "un-SNAT")]
    UnSnat,
}

/// One step of the model.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceEvent {
    /// A frame seen at an interface, as tcpdump on it would see it.
    Capture {
        ns: Name,
        iface: Name,
        dir: Dir,
        /// Shared with the other captures of the same frame.
        #[serde(serialize_with = "kinds::shared")]
        frame: Arc<Frame>,
    },
    /// A frame crossing a link, with the four times a renderer needs.
    Link(LinkHop),
    /// A bridge forwarding decision.
    Bridge {
        ns: Name,
        bridge: Name,
        in_port: Name,
        #[serde(flatten)]
        action: BridgeAction,
    },
    /// The bridge learned (or refreshed) where a MAC lives.
    FdbLearn {
        ns: Name,
        bridge: Name,
        mac: MacAddr,
        port: Name,
    },
    /// The routing decision for a packet.
    Route {
        ns: Name,
        dst: Ipv4Addr,
        /// `local`, or the chosen route in `ip route get` shape.
        decision: RouteChoice,
    },
    /// A packet entered a netfilter hook's table (chain = the builtin chain).
    Hook {
        ns: Name,
        hook: Hook,
        table: TableName,
        chain: Name,
        /// Interfaces as rules see them and the packet as the table sees it (serialized as
        /// `iif`, `oif` and `packet`).
        #[serde(flatten)]
        packet: Box<HookPacket>,
    },
    /// A rule matched (or a policy applied) with its verdict.
    Rule {
        ns: Name,
        hook: Hook,
        table: TableName,
        chain: Name,
        /// The rule, chain end or policy; serialized as `rule` (iptables-save text, or
        /// `policy ACCEPT`), `rule_num` (1-based; 0 for a policy) and `verdict`.
        #[serde(flatten)]
        hit: Box<RuleHit>,
    },
    /// A NAT rewrite.
    Nat {
        ns: Name,
        kind: NatKind,
        before: Endpoint,
        after: Endpoint,
        /// `dst` or `src`: which end was rewritten.
        field: NatField,
    },
    /// Conntrack: an entry was created (confirmed), changed state, or destroyed.
    Conntrack {
        ns: Name,
        change: CtChange,
        /// The entry as `conntrack -L` prints it.
        entry: Box<str>,
        /// The TCP state (serialized empty for other protocols).
        #[serde(serialize_with = "kinds::ct_state_word")]
        state: Option<TcpCtState>,
    },
    /// The neighbour cache changed (ARP resolved, entry created from a request, failed).
    Neigh {
        ns: Name,
        ip: Ipv4Addr,
        mac: MacAddr,
        iface: Name,
        state: NudState,
    },
    /// A process's socket event (accepted, connected, data, closed, refused, ...).
    Socket {
        ns: Name,
        process: Name,
        what: SockText,
    },
    /// A LOG target fired (what the kernel log would show).
    Log { ns: Name, prefix: Name, chain: Name },
    /// A packet was dropped.
    Drop { ns: Name, reason: Box<str> },
    /// The run was stopped by its event budget or simulated-time limit (always the last
    /// record; see [`crate::limits`]).
    Stopped {
        limit: crate::limits::Limit,
        reason: Box<str>,
    },
}

// The layout the footprint relies on: 32-byte records.
const _: () = assert!(size_of::<TraceEvent>() <= 24);
const _: () = assert!(size_of::<TraceRecord>() <= 32);

impl TraceEvent {
    /// The snake_case name used in JSONL's `event` field.
    pub fn kind(&self) -> &'static str {
        match self {
            TraceEvent::Capture { .. } => "capture",
            TraceEvent::Link { .. } => "link",
            TraceEvent::Bridge { .. } => "bridge",
            TraceEvent::FdbLearn { .. } => "fdb_learn",
            TraceEvent::Route { .. } => "route",
            TraceEvent::Hook { .. } => "hook",
            TraceEvent::Rule { .. } => "rule",
            TraceEvent::Nat { .. } => "nat",
            TraceEvent::Conntrack { .. } => "conntrack",
            TraceEvent::Neigh { .. } => "neigh",
            TraceEvent::Socket { .. } => "socket",
            TraceEvent::Log { .. } => "log",
            TraceEvent::Drop { .. } => "drop",
            TraceEvent::Stopped { .. } => "stopped",
        }
    }

    /// The namespace the step happened in (for a link, the sending side; empty for a
    /// stopped run, which concerns none).
    pub fn ns(&self) -> &str {
        match self {
            TraceEvent::Link(hop) => hop.from_ns().as_str(),
            TraceEvent::Stopped { .. } => "",
            TraceEvent::Capture { ns, .. }
            | TraceEvent::Bridge { ns, .. }
            | TraceEvent::FdbLearn { ns, .. }
            | TraceEvent::Route { ns, .. }
            | TraceEvent::Hook { ns, .. }
            | TraceEvent::Rule { ns, .. }
            | TraceEvent::Nat { ns, .. }
            | TraceEvent::Conntrack { ns, .. }
            | TraceEvent::Neigh { ns, .. }
            | TraceEvent::Socket { ns, .. }
            | TraceEvent::Log { ns, .. }
            | TraceEvent::Drop { ns, .. } => ns,
        }
    }
}
