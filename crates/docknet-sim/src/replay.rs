//! Bounded memory for a run that is watched rather than streamed: the trace is held in a
//! [`TraceWindow`] of at most a budget of records, the states to rewind to in a thinned list
//! of [`Snapshots`], and records before the window are made again, exactly, by restoring the
//! nearest snapshot and replaying (the model is deterministic).

mod snapshots;
mod window;

pub use snapshots::{CHECKPOINT_EVERY, MAX_SNAPSHOTS, Snapshots};
pub use window::{DEFAULT_BUDGET, TraceWindow};

use crate::Sim;
use crate::trace::TraceRecord;
use std::ops::Range;
use std::sync::Arc;

impl Sim {
    /// The records held and where they sit in the run.
    pub fn trace_window(&self) -> &TraceWindow {
        &self.trace
    }

    /// Hold at most `records` records (the app and the web page use [`DEFAULT_BUDGET`]; a
    /// new `Sim` holds the whole run). Records dropped can be made again
    /// ([`Sim::records`]).
    pub fn set_trace_budget(&mut self, records: usize) {
        self.trace.set_budget(records);
    }

    /// How many records the run has produced up to its current state.
    pub fn records_done(&self) -> usize {
        self.trace_shown
    }

    /// Records `range` (absolute indices), made again from the nearest snapshot when they are
    /// not held, then by running on; clipped where the run ends before `range.end`. A range
    /// longer than half the budget yields only its first half-budget. Leaves the `Sim` in the
    /// state after the last record held, so that reading on extends the window cheaply.
    pub fn records(&mut self, range: Range<usize>) -> &[TraceRecord] {
        let end = range
            .end
            .min(range.start.saturating_add(self.trace.budget() / 2));
        let want = range.start..end;
        if !self.trace.covers(&want) {
            self.regenerate(&want);
        }
        self.trace.clipped(want.start, want.end)
    }

    /// Make the window hold `want` (a range no longer than half the budget).
    fn regenerate(&mut self, want: &Range<usize>) {
        let w = &self.trace;
        let extend = w.start() <= want.start && want.start <= w.end();
        // The record to resume making records from: the window's end when extending it, else
        // a quarter-budget before `want` (so that stepping back a little stays held).
        let resume = if extend {
            w.end()
        } else {
            want.start - (w.budget() / 4).min(want.start)
        };
        let here_ok = self.trace_shown <= resume;
        let snapshot = self
            .checkpoints
            .last_where(|c| c.trace_len <= resume)
            .or(self.initial.as_ref())
            .filter(|c| !here_ok || c.trace_len > self.trace_shown)
            .cloned();
        if let Some(cp) = snapshot {
            self.restore(&cp);
        }
        if !extend {
            self.trace.reset(resume);
        }
        while self.trace.end() < want.end && !self.is_finished() {
            self.step();
            self.note_snapshot();
        }
    }

    /// Keep a snapshot of the current state if one is due (while replaying or reading on).
    pub(crate) fn note_snapshot(&mut self) {
        if self.initial.is_some() && self.checkpoints.due(self.events_done()) {
            let cp = Arc::new(self.checkpoint());
            self.checkpoints.push(self.events_done(), cp);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Sim;

    fn long_ping(count: u32) -> Sim {
        let text = format!(
            r#"Scenario(
    namespaces: [
        (name: "a", interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])]),
        (name: "b", interfaces: [(name: "eth0", addrs: ["10.0.0.2/24"])]),
    ],
    links: [Veth(a: "a:eth0", b: "b:eth0")],
    traffic: [Ping(from: "a", to: "10.0.0.2", count: {count}, interval_ms: 1)],
)"#
        );
        crate::load("long.ron", &text).unwrap().1
    }

    #[test]
    fn records_before_the_window_are_made_again_exactly() {
        let mut whole = long_ping(3000);
        whole.run_to_end();
        let all = whole.trace().to_vec();
        assert!(all.len() > 20_000, "{}", all.len());
        let mut sim = long_ping(3000);
        sim.set_trace_budget(1000);
        sim.run_to_end();
        assert_eq!(sim.trace_window().end(), all.len());
        assert!(sim.trace_window().held() <= 1000);
        for start in [
            0,
            17,
            all.len() - 300,
            12_345,
            12_000,
            12_400,
            5,
            all.len() / 2,
        ] {
            let got = sim.records(start..start + 300).to_vec();
            assert_eq!(got, all[start..(start + 300).min(all.len())], "at {start}");
            assert!(sim.trace_window().held() <= 1000);
            assert!(sim.snapshots() <= crate::replay::MAX_SNAPSHOTS);
        }
        // Past the end: clipped.
        assert!(sim.records(all.len()..all.len() + 5).is_empty());
        // Longer than half the budget: the first half-budget.
        assert_eq!(sim.records(100..5000).len(), 500);
    }
}
