//! The event list, in the style of Packet Tracer's simulation panel: one row per trace record
//! (time, where, what), filterable by protocol, namespace and kind. The index grows with the
//! trace, so a frame only pays for the records added since the last one.

use crate::connections::{self, PacketKind};
use docknet_sim::format::explain;
use docknet_sim::time::SimTime;
use docknet_sim::trace::{TraceEvent, TraceRecord};
use std::collections::{BTreeSet, HashMap};

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
    rows: Vec<Row>,
    /// A packet's kind, from its first capture.
    kinds: HashMap<u64, PacketKind>,
    namespaces: BTreeSet<String>,
}

impl EventIndex {
    /// Take in the records added to `trace` since the last call.
    pub fn update(&mut self, trace: &[TraceRecord]) {
        for (index, r) in trace.iter().enumerate().skip(self.rows.len()) {
            if let (Some(p), TraceEvent::Capture { frame, .. }) = (r.pkt, &r.event) {
                self.kinds
                    .entry(p.get())
                    .or_insert_with(|| PacketKind::of(frame));
            }
            // A stopped run's record concerns no namespace: nothing to filter by.
            if !r.event.ns().is_empty() {
                self.namespaces.insert(r.event.ns().to_string());
            }
            self.rows.push(row(index, r));
        }
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

    /// Rows among the first `limit` that pass the filter.
    pub fn filtered<'a>(
        &'a self,
        filter: &'a Filter,
        limit: usize,
    ) -> impl Iterator<Item = &'a Row> + 'a {
        self.rows[..limit.min(self.rows.len())]
            .iter()
            .filter(move |r| {
                (filter.kinds.is_empty() || filter.kinds.contains(r.kind))
                    && (filter.namespaces.is_empty() || filter.namespaces.contains(&r.ns))
                    && (filter.protocols.is_empty()
                        || self
                            .protocol(r)
                            .is_some_and(|p| filter.protocols.contains(p)))
            })
    }
}

fn row(index: usize, r: &TraceRecord) -> Row {
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
        t: r.t_ns,
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
        idx.update(&p.trace()[..10]);
        idx.update(p.trace());
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
