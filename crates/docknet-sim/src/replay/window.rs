//! [`TraceWindow`]: the part of a run's trace a `Sim` holds, at most a budget of records,
//! each known by its absolute index in the run.

use crate::trace::TraceRecord;
use std::ops::Range;

/// The records the app and the web page hold by default: a few tens of MB of records, far
/// more than any view looks back (see `docknet_view::player`).
pub const DEFAULT_BUDGET: usize = 1 << 17;

/// Bytes a window's buffers grow by at least once they take a few MB (see [`grow`]). A
/// browser commits memory as soon as it is reserved, so there they grow as needed.
#[cfg(not(target_arch = "wasm32"))]
const MAPPED_BYTES: usize = 32 << 20;
#[cfg(target_arch = "wasm32")]
const MAPPED_BYTES: usize = 0;

/// Make room in a full `v` for at least one more item, never past `bound` items: double, and
/// once it takes an eighth of [`MAPPED_BYTES`], grow by at least that much. An allocation that
/// large is mapped from the system (glibc maps any of 32 MiB or more, musl smaller ones), so
/// its pages are provided only as items are written into them, and it grows by remapping:
/// the items already held are never copied. (Below that, glibc may serve the buffer from its
/// heap and copy it at each doubling, touching fresh pages twice.)
#[cold]
fn grow<T>(v: &mut Vec<T>, bound: usize) {
    let cap = v.capacity();
    let size = size_of::<T>().max(1);
    let mut more = cap.max(64);
    if MAPPED_BYTES > 0 && cap * size >= MAPPED_BYTES / 8 {
        more = more.max(MAPPED_BYTES / size);
    }
    v.reserve_exact(more.min(bound.saturating_sub(cap)).max(1));
}

/// A contiguous stretch `start()..end()` of a run's trace. Pushing past the budget drops the
/// older half, so the records held never exceed it and pushes stay amortised O(1).
#[derive(Clone, Debug)]
pub struct TraceWindow {
    records: Vec<TraceRecord>,
    /// Which event (counting from 1) produced each held record, run-length coded: one
    /// `(first record, event)` pair (absolute index) per event that emitted records, in
    /// order; the first pair may start before `start`.
    events: Vec<(usize, usize)>,
    start: usize,
    budget: usize,
}

impl Default for TraceWindow {
    /// Unbounded: a run that is read as a whole (the CLI's formats, the tests).
    fn default() -> Self {
        TraceWindow::with_budget(usize::MAX)
    }
}

impl TraceWindow {
    /// An empty window at the start of the run that holds at most `budget` records.
    pub fn with_budget(budget: usize) -> TraceWindow {
        TraceWindow {
            records: Vec::new(),
            events: Vec::new(),
            start: 0,
            budget,
        }
    }

    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Change the budget, dropping the oldest records held beyond it.
    pub fn set_budget(&mut self, budget: usize) {
        self.budget = budget;
        self.drop_front(self.held().saturating_sub(budget));
    }

    /// The absolute index of the first record held.
    pub fn start(&self) -> usize {
        self.start
    }

    /// One past the absolute index of the last record held.
    pub fn end(&self) -> usize {
        self.start + self.records.len()
    }

    /// How many records are held (never more than the budget).
    pub fn held(&self) -> usize {
        self.records.len()
    }

    /// Whether every index in `range` is held.
    pub fn covers(&self, range: &Range<usize>) -> bool {
        range.is_empty() || (self.start <= range.start && range.end <= self.end())
    }

    /// Record `i` (absolute), if held.
    pub fn get(&self, i: usize) -> Option<&TraceRecord> {
        self.records.get(i.checked_sub(self.start)?)
    }

    /// The event that produced record `i` (1 for the first event), if held.
    pub fn event_of(&self, i: usize) -> Option<usize> {
        if !(self.start..self.end()).contains(&i) {
            return None;
        }
        let run = self.events.partition_point(|&(first, _)| first <= i);
        Some(self.events[run - 1].1)
    }

    /// Records `range` (absolute), if all are held.
    pub fn slice(&self, range: Range<usize>) -> Option<&[TraceRecord]> {
        if range.is_empty() {
            return Some(&[]);
        }
        self.covers(&range)
            .then(|| &self.records[range.start - self.start..range.end - self.start])
    }

    /// The held records from `from` (absolute) up to `to`, clipped to the window.
    pub fn clipped(&self, from: usize, to: usize) -> &[TraceRecord] {
        let a = from.clamp(self.start, self.end());
        let b = to.clamp(a, self.end());
        &self.records[a - self.start..b - self.start]
    }

    /// Append the record with index `end()`, produced by event `event`.
    #[inline]
    pub(crate) fn push(&mut self, record: TraceRecord, event: usize) {
        if self.budget == 0 {
            self.start += 1;
            return;
        }
        if self.held() >= self.budget {
            self.drop_front((self.held() / 2).max(self.held() + 1 - self.budget));
        }
        if self.events.last().is_none_or(|&(_, e)| e != event) {
            self.events.push((self.end(), event));
        }
        if self.records.len() == self.records.capacity() {
            grow(&mut self.records, self.budget);
        }
        self.records.push(record);
    }

    /// Hold nothing, the next record pushed being record `at`.
    pub(crate) fn reset(&mut self, at: usize) {
        self.records.clear();
        self.events.clear();
        self.start = at;
    }

    /// Take out the held records before `to` (absolute).
    pub(crate) fn drain_to(&mut self, to: usize) -> std::vec::Drain<'_, TraceRecord> {
        let n = to.clamp(self.start, self.end()) - self.start;
        self.advance_start(n);
        self.records.drain(..n)
    }

    fn drop_front(&mut self, n: usize) {
        let n = n.min(self.held());
        self.records.drain(..n);
        self.advance_start(n);
    }

    /// Move `start` on by `n` (the caller drops those records), keeping only the event runs
    /// that still cover held records.
    fn advance_start(&mut self, n: usize) {
        self.start += n;
        let covering = self
            .events
            .partition_point(|&(first, _)| first <= self.start);
        self.events.drain(..covering.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;
    use crate::trace::TraceEvent;

    fn rec(i: u64) -> TraceRecord {
        TraceRecord {
            t_ns: SimTime(i),
            pkt: None,
            event: TraceEvent::Stopped {
                limit: crate::limits::Limit::Events,
                reason: "".into(),
            },
        }
    }

    #[test]
    fn holds_at_most_its_budget_and_knows_absolute_indices() {
        let mut w = TraceWindow::with_budget(10);
        for i in 0..95 {
            w.push(rec(i), i as usize / 3 + 1);
            assert!(w.held() <= 10);
            assert_eq!(w.end(), i as usize + 1);
            for j in w.start()..w.end() {
                assert_eq!(w.event_of(j), Some(j / 3 + 1), "record {j}");
            }
            assert_eq!(w.event_of(w.end()), None);
        }
        assert!(w.start() >= 85, "{}", w.start());
        assert_eq!(w.get(94).unwrap().t_ns, SimTime(94));
        assert_eq!(w.event_of(94), Some(32));
        assert!(w.get(w.start() - 1).is_none());
        assert_eq!(w.slice(90..95).unwrap()[0].t_ns, SimTime(90));
        assert!(w.slice(0..95).is_none());
        w.set_budget(2);
        assert_eq!((w.start(), w.end()), (93, 95));
        w.reset(40);
        assert_eq!((w.start(), w.end(), w.held()), (40, 40, 0));
    }

    #[test]
    fn a_zero_budget_holds_nothing_but_counts() {
        let mut w = TraceWindow::with_budget(0);
        w.push(rec(0), 1);
        w.push(rec(1), 1);
        assert_eq!((w.start(), w.end(), w.held()), (2, 2, 0));
    }
}
