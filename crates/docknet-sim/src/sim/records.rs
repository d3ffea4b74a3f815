//! A watched run's trace in bounded memory: the window the engine holds
//! ([`crate::replay::TraceWindow`]), and records before it made again from the nearest
//! snapshot.

use super::Sim;
use crate::engine::{self, Replay};
use crate::replay::TraceWindow;
use crate::trace::TraceRecord;
use std::ops::Range;

impl Sim {
    /// The records held and where they sit in the run.
    pub fn trace_window(&self) -> &TraceWindow {
        self.engine.trace_window()
    }

    /// Hold at most `records` records (the app and the web page use
    /// [`crate::replay::DEFAULT_BUDGET`]; a new `Sim` holds the whole run). Records dropped
    /// can be made again ([`Sim::records`]).
    pub fn set_trace_budget(&mut self, records: usize) {
        self.engine.trace_window_mut().set_budget(records);
    }

    /// How many records the run has produced up to its current state.
    pub fn records_done(&self) -> usize {
        self.engine.trace_len()
    }

    /// Records `range` (absolute indices), made again from the nearest snapshot when they are
    /// not held, then by running on; clipped where the run ends before `range.end`. A range
    /// longer than half the budget yields only its first half-budget. Leaves the `Sim` in the
    /// state after the last record held, so that reading on extends the window cheaply.
    pub fn records(&mut self, range: Range<usize>) -> &[TraceRecord] {
        let end = range
            .end
            .min(range.start.saturating_add(self.trace_window().budget() / 2));
        let want = range.start..end;
        if !self.trace_window().covers(&want) {
            self.regenerate(&want);
        }
        self.trace_window().clipped(want.start, want.end)
    }

    /// Make the window hold `want` (a range no longer than half the budget).
    fn regenerate(&mut self, want: &Range<usize>) {
        let w = self.trace_window();
        let extend = w.start() <= want.start && want.start <= w.end();
        // The record to resume making records from: the window's end when extending it, else
        // a quarter-budget before `want` (so that stepping back a little stays held).
        let resume = if extend {
            w.end()
        } else {
            want.start - (w.budget() / 4).min(want.start)
        };
        let here = self.records_done();
        let snapshot = self
            .snapshots
            .last_where(|c| c.trace_len <= resume)
            .filter(|c| here > resume || c.trace_len > here)
            .cloned();
        if let Some(cp) = snapshot {
            self.restore(&cp);
        }
        if !extend {
            self.engine.trace_window_mut().reset(resume);
        }
        while self.trace_window().end() < want.end && !self.is_finished() {
            self.step();
            engine::note_snapshot(self);
        }
    }
}
