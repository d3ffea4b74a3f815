//! The event list, in the style of Packet Tracer's simulation panel: one row per trace record
//! (time, where, what), filterable by protocol, namespace and kind. The index holds a page of
//! at most [`PAGE`] rows around the cursor, taken from the player's records and turned by
//! [`EventIndex::turn_page`]; it grows with the trace, so a frame only pays for the records
//! added since the last one.

use crate::Player;
use crate::connections::{self, PacketKind};
use docknet_sim::format::explain;
use docknet_sim::time::SimTime;
use docknet_sim::trace::{TraceEvent, TraceRecord};
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

/// The most rows the event list holds.
pub const PAGE: usize = 5000;

/// The kinds the kind filter offers, as `TraceEvent::kind` names them.
pub const KINDS: [&str; 13] = [
    "capture",
    "link",
    "bridge",
    "fdb_learn",
    "route",
    "hook",
    "rule",
    "nat",
    "conntrack",
    "neigh",
    "socket",
    "log",
    "drop",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub index: usize,
    pub t: SimTime,
    /// `host` or `host:eth1`.
    pub at: String,
    pub ns: String,
    pub kind: &'static str,
    pub pkt: Option<u64>,
    pub what: String,
}

/// What to show. Empty sets mean "all".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub protocols: BTreeSet<String>,
    pub namespaces: BTreeSet<String>,
    pub kinds: BTreeSet<String>,
}

#[derive(Clone, Debug, Default)]
pub struct EventIndex {
    /// Rows for records `first..first + rows.len()`.
    rows: Vec<Row>,
    first: usize,
    /// A packet's kind, from its first capture in the page.
    kinds: HashMap<u64, PacketKind>,
    /// Every namespace seen in the pages so far.
    namespaces: BTreeSet<String>,
    /// The cursor at the last [`EventIndex::follow`]: a page turned by hand stays until the
    /// cursor moves.
    cursor: Option<usize>,
}

impl EventIndex {
    /// Take in the records added to `trace` (the run from its first record) since the last
    /// call.
    pub fn update<'a>(&mut self, trace: impl ExactSizeIterator<Item = (SimTime, &'a TraceRecord)>) {
        self.take(0, trace);
    }

    /// Take in `records`, the run's records from index `first` on: those past the page's end
    /// are added (a page not joined to them starts again there), and the oldest rows beyond
    /// [`PAGE`] are dropped.
    pub fn take<'a>(
        &mut self,
        first: usize,
        records: impl ExactSizeIterator<Item = (SimTime, &'a TraceRecord)>,
    ) {
        let end = self.page().end;
        if first > end || first + records.len() < self.first {
            self.clear_at(first);
        }
        let end = self.page().end;
        for (k, (t, r)) in records.enumerate().skip(end.saturating_sub(first)) {
            if let (Some(p), TraceEvent::Capture { frame, .. }) = (r.pkt, &r.event) {
                self.kinds
                    .entry(p.get())
                    .or_insert_with(|| PacketKind::of(frame));
            }
            // A stopped run's record concerns no namespace: nothing to filter by.
            if !r.event.ns().is_empty() {
                self.namespaces.insert(r.event.ns().to_string());
            }
            self.rows.push(row(first + k, t, r));
        }
        if self.rows.len() > PAGE {
            let cut = self.rows.len() - PAGE;
            self.rows.drain(..cut);
            self.first += cut;
            let live: std::collections::HashSet<u64> =
                self.rows.iter().filter_map(|r| r.pkt).collect();
            self.kinds.retain(|p, _| live.contains(p));
        }
    }

    fn clear_at(&mut self, first: usize) {
        self.rows.clear();
        self.kinds.clear();
        self.first = first;
    }

    /// The records the rows are about.
    pub fn page(&self) -> Range<usize> {
        self.first..self.first + self.rows.len()
    }

    /// Keep the page on the player's cursor: extend it as the run grows (up to half a page
    /// past the cursor), start it again around the cursor when the cursor leaves it.
    pub fn follow(&mut self, p: &mut Player) {
        let (cursor, page) = (p.cursor(), self.page());
        let moved = self.cursor.replace(cursor) != Some(cursor);
        let outside = cursor < page.start || cursor > page.end;
        if outside && !moved {
            return;
        }
        if outside {
            self.load_page(p, cursor.saturating_sub(PAGE / 2));
            return;
        }
        let to = p.len().min(cursor + PAGE / 2);
        if page.end < to {
            let records = p.timed_records(page.end..to);
            self.take(page.end, records);
        }
    }

    /// Show the page before (or after, `later`) this one; the cursor does not move.
    pub fn turn_page(&mut self, p: &mut Player, later: bool) {
        let page = self.page();
        let start = if later {
            page.end.min(p.len().saturating_sub(PAGE / 2))
        } else {
            page.start.saturating_sub(PAGE)
        };
        self.load_page(p, start);
    }

    /// Start the page again at record `start`, with up to [`PAGE`] rows.
    fn load_page(&mut self, p: &mut Player, start: usize) {
        self.clear_at(start);
        let records = p.timed_records(start..start + PAGE);
        self.take(start, records);
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The namespaces seen in the trace, for the namespace filter.
    pub fn namespaces(&self) -> &BTreeSet<String> {
        &self.namespaces
    }

    /// The protocol of a row's packet (`ARP`, `TCP`, `UDP`, `DNS`, `ICMP`).
    pub fn protocol(&self, row: &Row) -> Option<&'static str> {
        row.pkt
            .and_then(|p| self.kinds.get(&p))
            .map(|k| k.protocol())
    }

    /// Rows of records before `limit` that pass the filter.
    pub fn filtered<'a>(
        &'a self,
        filter: &'a Filter,
        limit: usize,
    ) -> impl Iterator<Item = &'a Row> + 'a {
        let n = limit.saturating_sub(self.first).min(self.rows.len());
        self.rows[..n].iter().filter(move |r| {
            (filter.kinds.is_empty() || filter.kinds.contains(r.kind))
                && (filter.namespaces.is_empty() || filter.namespaces.contains(&r.ns))
                && (filter.protocols.is_empty()
                    || self
                        .protocol(r)
                        .is_some_and(|p| filter.protocols.contains(p)))
        })
    }
}

fn row(index: usize, t: SimTime, r: &TraceRecord) -> Row {
    let (at, what) = match &r.event {
        TraceEvent::Capture {
            ns,
            iface,
            dir,
            frame,
        } => (
            format!("{ns}:{iface}"),
            format!(
                "{}: {}",
                dir.name().to_lowercase(),
                connections::label(frame)
            ),
        ),
        TraceEvent::Link(hop) => (
            format!("{}:{}", hop.from_ns(), hop.from_iface()),
            format!(
                "on the wire to {}:{}, arrives at {}",
                hop.to_ns(),
                hop.to_iface(),
                hop.rx_end()
            ),
        ),
        ev => {
            let text = explain::describe(ev).unwrap_or_default();
            let ns = ev.ns();
            let text = text
                .strip_prefix(&format!("{ns}: "))
                .map(str::to_string)
                .unwrap_or(text);
            (ns.to_string(), text)
        }
    };
    Row {
        index,
        t,
        at,
        ns: r.event.ns().to_string(),
        kind: r.event.kind(),
        pkt: r.pkt.map(|p| p.get()),
        what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::tests::default_player;

    #[test]
    fn filters_by_protocol_namespace_and_kind() {
        let mut p = default_player();
        p.run_to_end();
        let mut idx = EventIndex::default();
        idx.update(p.timed_trace().take(10));
        idx.update(p.timed_trace());
        assert_eq!(idx.rows().len(), p.trace().len());
        let mut f = Filter::default();
        f.protocols.insert("ARP".into());
        let arp: Vec<&Row> = idx.filtered(&f, usize::MAX).collect();
        assert!(!arp.is_empty());
        assert!(
            arp.iter()
                .all(|r| r.what.contains("ARP") || r.kind != "capture")
        );
        f.protocols.clear();
        f.kinds.insert("nat".into());
        f.namespaces.insert("host".into());
        let nat: Vec<&Row> = idx.filtered(&f, usize::MAX).collect();
        assert!(
            nat.iter().any(|r| r
                .what
                .contains("DNAT rewrites the dst: 10.12.91.17:8080 -> 172.17.0.2:80")),
            "{nat:?}"
        );
        assert!(nat.iter().all(|r| r.kind == "nat" && r.ns == "host"));
        // The limit hides rows not yet shown.
        assert!(idx.filtered(&f, nat[0].index).next().is_none());
        let first = &idx.rows()[3];
        assert_eq!(first.at, "laptop:eth0");
        assert!(
            first.what.starts_with("out: ARP who-has 10.12.91.17"),
            "{}",
            first.what
        );
    }
}
