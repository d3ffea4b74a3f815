//! The parts of the picture that change with the cursor besides the packets: the caption (the
//! narrated sentence for the current step), the matching rule written beside its station,
//! each kernel's conntrack table, and what each bridge port has learned.

use crate::layout::Layout;
use crate::netfilter::NetfilterView;
use crate::scene::short_rule;
use docknet_sim::conntrack::{CtEntry, Tuple};
use docknet_sim::model::{IfaceKind, Net};
use docknet_sim::time::SimTime;
use docknet_sim::trace::{CtChange, NatKind, TraceEvent, TraceRecord};

/// The sentence `docknet explain` says for the last shown record (the last one it narrates),
/// prefixed with the packet it is about.
pub fn caption(shown: &[TraceRecord]) -> String {
    let Some((r, line)) = shown
        .iter()
        .rev()
        .take(64)
        .find_map(|r| docknet_sim::format::explain::describe(&r.event).map(|line| (r, line)))
    else {
        return if shown.is_empty() {
            "Press play (Space) or step (Right arrow) to watch the first packet.".into()
        } else {
            String::new()
        };
    };
    match r.pkt {
        Some(p) => format!("Packet #{}: {line}", p.0),
        None => line,
    }
}

/// The rule that decided, as written beside its station: `nat DOCKER: ! -i docker0 -p tcp
/// --dport 8080 -j DNAT --to-destination 172.17.0.2:80   [1 pkt, 60 B]`.
pub fn rule_line(view: &NetfilterView) -> Option<String> {
    let row = view.rules.iter().find(|r| r.matched)?;
    let rule = match row.text.strip_prefix("policy ") {
        Some(policy) => format!("policy {policy} (no rule matched)"),
        None => short_rule(&row.text, &view.chain),
    };
    let pkts = if row.packets == 1 { "pkt" } else { "pkts" };
    // The counter stays in one piece when the line wraps.
    let line = format!(
        "{} {}: {rule}   [{}\u{a0}{pkts},\u{a0}{}\u{a0}B]",
        view.table, view.chain, row.packets, row.bytes
    );
    Some(crate::labels::wrap(
        &line,
        crate::stack::chars_across(crate::labels::LabelKind::Rule),
        2,
    ))
}

/// One line of a kernel's conntrack table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtRow {
    /// `tcp 10.12.91.1:40000 -> 10.12.91.17:8080  DNAT 172.17.0.2:80  ESTABLISHED`.
    pub text: String,
    /// Created by the last shown record.
    pub fresh: bool,
    /// The last shown record un-NATs a reply with this entry.
    pub looked_up: bool,
}

/// A kernel's conntrack table as drawn: a title and its newest entries (the highlighted ones
/// kept in view).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CtTable {
    pub ns: String,
    pub total: usize,
    pub rows: Vec<CtRow>,
}

/// The kernel state at the cursor as the picture needs it: `state` is the kernel after the
/// event of the last shown record, `later` that event's records after the cursor (whose
/// effects `state` already holds and the picture must not show yet).
#[derive(Clone, Copy)]
pub struct AtCursor<'a> {
    pub state: &'a Net,
    pub now: SimTime,
    pub last: Option<&'a TraceRecord>,
    pub later: &'a [TraceRecord],
}

/// The conntrack tables of the namespaces drawn with stations, `rows` entries each.
pub fn conntrack_tables(layout: &Layout, at: AtCursor, rows: usize) -> Vec<CtTable> {
    let AtCursor {
        state,
        now,
        last,
        later,
    } = at;
    layout
        .boxes
        .iter()
        .filter(|b| b.stack.is_some())
        .filter_map(|b| {
            let n = state.ns(state.ns_by_name(&b.ns)?);
            let mut all: Vec<&CtEntry> = n
                .conntrack()
                .entries()
                .filter(|e| e.expires > now)
                .filter(|e| !later.iter().any(|r| created_by(r, &b.ns, e)))
                .collect();
            all.sort_by_key(|e| e.created);
            let width = crate::stack::chars_across(crate::labels::LabelKind::Conntrack) - 5;
            let mut out: Vec<CtRow> = all
                .iter()
                .map(|e| CtRow {
                    text: crate::labels::wrap(&row_text(e), width, 1),
                    fresh: last.is_some_and(|r| created_by(r, &b.ns, e)),
                    looked_up: last.is_some_and(|r| un_nat_by(r, &b.ns, e)),
                })
                .collect();
            let total = out.len();
            // Keep the highlighted row in view, then the newest.
            let keep = out.iter().rposition(|r| r.fresh || r.looked_up);
            let start = match keep {
                Some(k) if k + rows < total => k.saturating_sub(rows - 1),
                _ => total.saturating_sub(rows),
            };
            out = out.into_iter().skip(start).take(rows).collect();
            Some(CtTable {
                ns: b.ns.clone(),
                total,
                rows: out,
            })
        })
        .collect()
}

fn endpoint(t: &Tuple, src: bool) -> docknet_sim::trace::Endpoint {
    if src {
        Tuple::endpoint(t.src, t.sport, t.proto)
    } else {
        Tuple::endpoint(t.dst, t.dport, t.proto)
    }
}

fn row_text(e: &CtEntry) -> String {
    let proto = format!("{:?}", e.orig.proto).to_lowercase();
    let mut text = format!(
        "{proto} {} -> {}",
        endpoint(&e.orig, true),
        endpoint(&e.orig, false)
    );
    // The reply comes from the real destination and goes to the real source.
    if e.reply.src != e.orig.dst || e.reply.sport != e.orig.dport {
        text += &format!("  DNAT {}", endpoint(&e.reply, true));
    }
    if e.reply.dst != e.orig.src || e.reply.dport != e.orig.sport {
        text += &format!("  SNAT {}", endpoint(&e.reply, false));
    }
    text += &format!("  {}", e.state_name());
    text
}

fn created_by(r: &TraceRecord, ns: &str, e: &CtEntry) -> bool {
    matches!(&r.event, TraceEvent::Conntrack { ns: n, change, entry, .. }
        if n == ns && *change == CtChange::New && entry.contains(&e.orig.conntrack_text()))
}

fn un_nat_by(r: &TraceRecord, ns: &str, e: &CtEntry) -> bool {
    let TraceEvent::Nat {
        ns: n,
        kind,
        before,
        ..
    } = &r.event
    else {
        return false;
    };
    n == ns
        && match kind {
            NatKind::UnDnat => *before == endpoint(&e.reply, true),
            NatKind::UnSnat => *before == endpoint(&e.reply, false),
            _ => false,
        }
}

/// What a bridge port has learned, written under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdbNote {
    pub ns: String,
    pub port: String,
    /// `MAC 3e:4d:36:34:89:c4`.
    pub text: String,
    /// Learned by the last shown record.
    pub fresh: bool,
}

/// The notes for every bridge port in the layout with a live FDB entry behind it.
pub fn fdb_notes(layout: &Layout, at: AtCursor) -> Vec<FdbNote> {
    let AtCursor {
        state,
        now,
        last,
        later,
    } = at;
    let learned_later = |ns: &str, mac: &str| {
        later.iter().any(|r| {
            matches!(&r.event, TraceEvent::FdbLearn { ns: n, mac: m, .. } if n == ns && m.to_string() == mac)
        })
    };
    let mut out = Vec::new();
    for i in state.ifaces() {
        let IfaceKind::Bridge(b) = i.kind() else {
            continue;
        };
        let ns = state.ns(i.ns()).name();
        for (mac, entry) in b.fdb() {
            if b.lookup(*mac, now) != Some(entry.port()) {
                continue;
            }
            let port = state.iface(entry.port()).name();
            if learned_later(ns, &mac.to_string()) {
                continue;
            }
            if layout.port(ns, port).is_none_or(|p| p.fdb_rect.is_none()) {
                continue;
            }
            let fresh = last.is_some_and(|r| {
                matches!(&r.event, TraceEvent::FdbLearn { ns: n, port: p, mac: m, .. }
                    if n == ns && p == port && m == mac)
            });
            // One line per port: the newest MAC wins.
            out.retain(|n: &FdbNote| !(n.ns == ns && n.port == port));
            out.push(FdbNote {
                ns: ns.to_string(),
                port: port.to_string(),
                text: format!("MAC {mac}"),
                fresh,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::Connections;
    use docknet_sim::trace::NatKind;

    /// The live parts at the player's cursor.
    fn at_cursor(p: &mut crate::Player, layout: &Layout) -> (Vec<CtTable>, Vec<FdbNote>) {
        let later = p.trace()[p.cursor()..p.event_records().end].to_vec();
        let last = p.shown().last().cloned();
        let now = p.clock();
        let state = p.state().net.clone();
        let at = AtCursor {
            state: &state,
            now,
            last: last.as_ref(),
            later: &later,
        };
        (conntrack_tables(layout, at, 3), fdb_notes(layout, at))
    }

    fn default_run() -> (crate::Player, Layout) {
        let mut p = crate::player::tests::default_player();
        p.run_to_end();
        let layout = Layout::compute(&p.sim().net, &Default::default());
        (p, layout)
    }

    #[test]
    fn the_caption_narrates_the_step_and_follows_back() {
        let (mut p, _) = default_run();
        p.seek(0);
        assert!(caption(p.shown()).starts_with("Press play"));
        let (dnat, _) = crate::player::tests::first_nat(&p, NatKind::Dnat);
        p.jump_to(dnat);
        let at = caption(p.shown());
        assert!(at.starts_with("Packet #"), "{at}");
        assert!(at.contains("DNAT"), "{at}");
        p.step_forward();
        let next = caption(p.shown());
        p.step_back();
        assert_eq!(caption(p.shown()), at);
        assert_ne!(next, at);
    }

    #[test]
    fn the_dnat_rule_and_the_new_conntrack_entry_are_shown_where_they_happen() {
        let (mut p, layout) = default_run();
        let _ = Connections::from_trace(p.trace());
        let (dnat, _) = crate::player::tests::first_nat(&p, NatKind::Dnat);
        p.jump_to(dnat);
        let later = p.trace()[p.cursor()..p.event_records().end].to_vec();
        let shown = p.shown().to_vec();
        let state = p.state().net.clone();
        let view = crate::netfilter::view(&shown, &later, &state).unwrap();
        let line = rule_line(&view).unwrap();
        assert_eq!(
            line.replace(['\n', '\u{a0}'], " "),
            "nat DOCKER: ! -i docker0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80   [1 pkt, 60 B]"
        );
        assert_eq!(line.lines().count(), 2);
        // The entry appears at its confirmation, flagged new.
        let new = p
            .trace()
            .iter()
            .position(|r| matches!(&r.event, TraceEvent::Conntrack { ns, change: CtChange::New, .. } if ns == "host"))
            .unwrap();
        p.jump_to(new - 1);
        let (before, _) = at_cursor(&mut p, &layout);
        assert_eq!(before[0].total, 0);
        p.jump_to(new);
        let (tables, _) = at_cursor(&mut p, &layout);
        let host = tables.iter().find(|t| t.ns == "host").unwrap();
        assert_eq!(host.total, 1);
        assert!(host.rows[0].fresh);
        assert!(
            host.rows[0]
                .text
                .starts_with("tcp 10.12.91.1:40000 -> 10.12.91.17:8080  DNAT 172.17.0.2:80"),
            "{}",
            host.rows[0].text
        );
        // The SYN-ACK's un-DNAT looks the entry up.
        let (undnat, _) = crate::player::tests::first_nat(&p, NatKind::UnDnat);
        p.jump_to(undnat);
        let (tables, _) = at_cursor(&mut p, &layout);
        let host = tables.iter().find(|t| t.ns == "host").unwrap();
        assert!(host.rows.iter().any(|r| r.looked_up), "{host:?}");
    }

    #[test]
    fn bridge_ports_show_what_they_learned() {
        let (mut p, layout) = default_run();
        let learn = p
            .trace()
            .iter()
            .position(|r| matches!(&r.event, TraceEvent::FdbLearn { .. }))
            .unwrap();
        p.jump_to(learn - 1);
        assert!(at_cursor(&mut p, &layout).1.is_empty());
        p.jump_to(learn);
        let (_, notes) = at_cursor(&mut p, &layout);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].fresh);
        assert!(notes[0].text.starts_with("MAC "));
    }
}
