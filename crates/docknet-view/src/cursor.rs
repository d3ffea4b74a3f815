//! Everything shown about the cursor besides the moving packets: the caption, the conntrack
//! tables and learned MACs, the netfilter view with its rule line, and the inspected packet.
//! Computed from the records the player holds around the cursor and the kernel state
//! rewound to it, so it is the same whether the cursor got there forwards or back.

use crate::connections::Connections;
use crate::inspector::{self, Inspection};
use crate::layout::Layout;
use crate::live::{self, CtTable, FdbNote};
use crate::netfilter::{self, NetfilterView};
use crate::player::Player;
use crate::stack::CONNTRACK_ROWS;

/// The kernel side of the picture at the cursor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CursorView {
    /// The narrated sentence for the current step.
    pub caption: String,
    pub conntrack: Vec<CtTable>,
    /// What bridge ports have learned.
    pub fdb: Vec<FdbNote>,
    pub netfilter: Option<NetfilterView>,
    /// The rule that decided at the current station: (namespace, short text).
    pub rule_line: Option<(String, String)>,
    /// The pinned packet, else the last shown record's; its hops' `record`s are absolute.
    pub inspection: Option<Inspection>,
}

/// The view at `p`'s cursor; `pinned` is the packet the learner chose to inspect.
pub fn at(p: &mut Player, layout: &Layout, conns: &Connections, pinned: Option<u64>) -> CursorView {
    let state_net = p.state().net.clone();
    let shown = p.shown();
    let later = p.later();
    let at = live::AtCursor {
        state: &state_net,
        now: p.clock(),
        last: shown.last(),
        later,
    };
    let in_stack = shown.last().is_some_and(|r| {
        matches!(
            r.event.kind(),
            "hook" | "rule" | "nat" | "route" | "conntrack" | "log" | "drop"
        )
    });
    let netfilter = if in_stack {
        netfilter::view(shown, later, &state_net)
    } else {
        None
    };
    let rule_line = netfilter
        .as_ref()
        .and_then(|v| live::rule_line(v).map(|t| (v.ns.clone(), t)));
    let pkt = pinned.or_else(|| shown.iter().rev().find_map(|r| r.pkt).map(|p| p.get()));
    let inspection = pkt.map(|pkt| {
        let mut ins = inspector::inspect(p.shown_timed(), pkt, |o| {
            conns.of(o).is_some() && conns.of(o) == conns.of(pkt)
        });
        for h in &mut ins.hops {
            h.record += p.shown_start();
        }
        ins
    });
    CursorView {
        caption: live::caption(shown),
        conntrack: live::conntrack_tables(layout, at, CONNTRACK_ROWS),
        fdb: live::fdb_notes(layout, at),
        netfilter,
        rule_line,
        inspection,
    }
}
