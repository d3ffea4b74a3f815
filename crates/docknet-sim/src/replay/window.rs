//! [`TraceWindow`]: the part of a run's trace a `Sim` holds, at most a budget of records,
//! each known by its absolute index in the run, with the event and the time that produced it.

use super::growth::grow;
use super::steps::{Step, StepList, Steps};
use crate::time::SimTime;
use crate::trace::{Footprint, TraceRecord, footprint};
use std::ops::Range;

/// The records the app and the web page hold by default: a few tens of MB of records, far
/// more than any view looks back (see `docknet_view::player`).
pub const DEFAULT_BUDGET: usize = 1 << 17;

/// A contiguous stretch `start()..end()` of a run's trace. Pushing past the budget drops the
/// older half, so the records held never exceed it and pushes stay amortised O(1).
#[derive(Clone, Debug)]
pub struct TraceWindow {
    records: Vec<TraceRecord>,
    /// The steps that produced the held records, in order; the first may start before
    /// `start`. The records of an event share its time, so it is kept once per step rather
    /// than in every record.
    steps: Steps,
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
            steps: Steps::default(),
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

    /// The step that produced record `i`, if held.
    fn step_of(&self, i: usize) -> Option<Step> {
        if !(self.start..self.end()).contains(&i) {
            return None;
        }
        Some(self.steps.get(self.steps.starting_by(i) - 1))
    }

    /// The event that produced record `i` (1 for the first event), if held.
    pub fn event_of(&self, i: usize) -> Option<usize> {
        self.step_of(i).map(|s| s.event)
    }

    /// When record `i` happened, if held.
    pub fn time_of(&self, i: usize) -> Option<SimTime> {
        self.step_of(i).map(|s| s.t)
    }

    /// The held records from `from` (absolute) up to `to`, clipped to the window, each with
    /// its time.
    pub fn timed(&self, from: usize, to: usize) -> Timed<'_> {
        let first = from.clamp(self.start, self.end());
        let records = self.clipped(from, to);
        Timed {
            records: records.iter(),
            steps: &self.steps,
            dater: Dater {
                at: first,
                next: self.steps.starting_by(first).saturating_sub(1),
            },
        }
    }

    /// Memory held: the records ([`footprint`]) and the steps that date them.
    pub fn footprint(&self) -> Footprint {
        Footprint {
            index_bytes: self.steps.bytes(),
            ..footprint(&self.records)
        }
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

    /// Append the record with index `end()`, produced by event `event` at `t`.
    #[inline]
    pub(crate) fn push(&mut self, record: TraceRecord, event: usize, t: SimTime) {
        if self.budget == 0 {
            self.start += 1;
            return;
        }
        if self.held() >= self.budget {
            self.drop_front((self.held() / 2).max(self.held() + 1 - self.budget));
        }
        if !self.steps.last_is(event, t) {
            let first = self.end();
            self.steps.push(Step { first, event, t }, self.budget);
        }
        if self.records.len() == self.records.capacity() {
            grow(&mut self.records, self.budget);
        }
        self.records.push(record);
    }

    /// Hold nothing, the next record pushed being record `at`.
    pub(crate) fn reset(&mut self, at: usize) {
        self.records.clear();
        self.steps.clear();
        self.start = at;
    }

    /// Take out the held records before `to` (absolute), each with its time.
    pub(crate) fn drain_to(&mut self, to: usize) -> Drained<'_> {
        let n = to.clamp(self.start, self.end()) - self.start;
        let at = self.start;
        // The steps dating the drained records (most often one), kept before they go.
        let from = self.steps.starting_by(at).max(1) - 1;
        let upto = self.steps.starting_before(at + n);
        let steps = (from..upto).map(|k| self.steps.get(k)).collect();
        self.advance_start(n);
        Drained {
            records: self.records.drain(..n),
            steps,
            dater: Dater { at, next: 0 },
        }
    }

    fn drop_front(&mut self, n: usize) {
        let n = n.min(self.held());
        self.records.drain(..n);
        self.advance_start(n);
    }

    /// Move `start` on by `n` (the caller drops those records), keeping only the steps that
    /// still date held records.
    fn advance_start(&mut self, n: usize) {
        self.start += n;
        let covering = self.steps.starting_by(self.start);
        self.steps.drop_front(covering.saturating_sub(1));
    }
}

/// Dates records read in order against the steps that cover them.
#[derive(Clone, Copy, Debug)]
struct Dater {
    /// The absolute index of the next record.
    at: usize,
    /// Which of the steps dates it.
    next: usize,
}

impl Dater {
    /// The next record's time, among `steps` (step `next` dates it or an earlier one).
    #[inline]
    fn next_time<S: StepList + ?Sized>(&mut self, steps: &S) -> SimTime {
        while self.next + 1 < steps.count() && steps.step(self.next + 1).first <= self.at {
            self.next += 1;
        }
        self.at += 1;
        steps.step(self.next).t
    }

    /// Pass over `n` records of a window's steps without dating them (a search, not a walk).
    fn skip(&mut self, steps: &Steps, n: usize) {
        self.at += n;
        self.next = self.next.max(steps.starting_by(self.at).saturating_sub(1));
    }
}

/// Held records with their times, in order ([`TraceWindow::timed`]).
#[derive(Clone, Debug)]
pub struct Timed<'a> {
    records: std::slice::Iter<'a, TraceRecord>,
    /// The window's steps (the dater starts at the one dating the first record).
    steps: &'a Steps,
    dater: Dater,
}

impl<'a> Timed<'a> {
    /// The records still to come, without their times.
    pub fn records(&self) -> &'a [TraceRecord] {
        self.records.as_slice()
    }
}

impl<'a> Iterator for Timed<'a> {
    type Item = (SimTime, &'a TraceRecord);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let r = self.records.next()?;
        Some((self.dater.next_time(self.steps), r))
    }

    /// Skips without walking the steps, as a slice's iterator does (the views skip to the
    /// last stretch of what is shown).
    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        if n > 0 {
            self.records.nth(n - 1)?;
            self.dater.skip(self.steps, n);
        }
        self.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}

impl ExactSizeIterator for Timed<'_> {}

/// Records taken out of a window with their times ([`TraceWindow::drain_to`]).
#[derive(Debug)]
pub struct Drained<'a> {
    records: std::vec::Drain<'a, TraceRecord>,
    /// The steps dating the drained records.
    steps: smallvec::SmallVec<[Step; 2]>,
    dater: Dater,
}

impl Iterator for Drained<'_> {
    type Item = (SimTime, TraceRecord);

    fn next(&mut self) -> Option<Self::Item> {
        let r = self.records.next()?;
        Some((self.dater.next_time(self.steps.as_slice()), r))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}

impl ExactSizeIterator for Drained<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::TraceEvent;

    /// Record `i` names its index (in the drop reason) and belongs to event `i / 3 + 1`, at
    /// time `(i / 3) * 10` except that each event's last record comes one tick later.
    fn rec(i: usize) -> (TraceRecord, usize, SimTime) {
        let r = TraceRecord {
            pkt: None,
            event: TraceEvent::Drop {
                ns: crate::trace::Name::new("ns"),
                reason: i.to_string().into(),
            },
        };
        (r, i / 3 + 1, time(i))
    }

    fn time(i: usize) -> SimTime {
        SimTime((i / 3) as u64 * 10 + u64::from(i % 3 == 2))
    }

    fn index(r: &TraceRecord) -> usize {
        match &r.event {
            TraceEvent::Drop { reason, .. } => reason.parse().unwrap(),
            other => panic!("{other:?}"),
        }
    }

    fn push(w: &mut TraceWindow, i: usize) {
        let (r, event, t) = rec(i);
        w.push(r, event, t);
    }

    #[test]
    fn holds_at_most_its_budget_and_knows_absolute_indices_events_and_times() {
        let mut w = TraceWindow::with_budget(10);
        for i in 0..95 {
            push(&mut w, i);
            assert!(w.held() <= 10);
            assert_eq!(w.end(), i + 1);
            for j in w.start()..w.end() {
                assert_eq!(w.event_of(j), Some(j / 3 + 1), "record {j}");
                assert_eq!(w.time_of(j), Some(time(j)), "record {j}");
            }
            assert_eq!(w.event_of(w.end()), None);
            assert_eq!(w.time_of(w.end()), None);
        }
        assert!(w.start() >= 85, "{}", w.start());
        assert_eq!(index(w.get(94).unwrap()), 94);
        assert_eq!(w.event_of(94), Some(32));
        assert!(w.get(w.start() - 1).is_none());
        assert_eq!(index(&w.slice(90..95).unwrap()[0]), 90);
        assert!(w.slice(0..95).is_none());
        w.set_budget(2);
        assert_eq!((w.start(), w.end()), (93, 95));
        w.reset(40);
        assert_eq!((w.start(), w.end(), w.held()), (40, 40, 0));
    }

    #[test]
    fn timed_pairs_each_held_record_with_its_time_from_any_start() {
        let mut w = TraceWindow::default();
        for i in 0..40 {
            push(&mut w, i);
        }
        for from in 0..=40 {
            let got: Vec<(SimTime, usize)> =
                w.timed(from, 37).map(|(t, r)| (t, index(r))).collect();
            let want: Vec<(SimTime, usize)> = (from.min(37)..37).map(|i| (time(i), i)).collect();
            assert_eq!(got, want, "from {from}");
            for k in 0..want.len() + 2 {
                let mut it = w.timed(from, 37);
                let nth = it.nth(k).map(|(t, r)| (t, index(r)));
                assert_eq!(nth, want.get(k).copied(), "from {from}, item {k}");
                let rest: Vec<(SimTime, usize)> = it.map(|(t, r)| (t, index(r))).collect();
                assert_eq!(
                    rest,
                    want.get(k + 1..).unwrap_or_default(),
                    "from {from}, after {k}"
                );
            }
        }
    }

    #[test]
    fn draining_yields_records_with_their_times_and_keeps_the_rest_dated() {
        let mut w = TraceWindow::default();
        let mut out = Vec::new();
        let mut next = 0;
        // Drains of every size, ending inside events and on their boundaries.
        for (pushed, to) in [(5, 1), (5, 5), (12, 7), (20, 19), (30, 30)] {
            while next < pushed {
                push(&mut w, next);
                next += 1;
            }
            out.extend(w.drain_to(to).map(|(t, r)| (t, index(&r))));
            assert_eq!(w.start(), to);
            for j in w.start()..w.end() {
                assert_eq!(
                    w.time_of(j),
                    Some(time(j)),
                    "record {j} after draining to {to}"
                );
            }
        }
        let want: Vec<(SimTime, usize)> = (0..30).map(|i| (time(i), i)).collect();
        assert_eq!(out, want);
    }

    /// Events numbered more than 2^32 apart (steps kept as 32-bit offsets start a new
    /// epoch): every read still gives each record its event and time.
    #[test]
    fn events_far_apart_keep_their_numbers_and_times() {
        let gap = 3usize << 31;
        let event = |i: usize| 1 + (i / 2) * gap;
        let at = |i: usize| SimTime((i / 2) as u64 * 1_000);
        let mut w = TraceWindow::with_budget(8);
        for i in 0..20 {
            w.push(rec(i).0, event(i), at(i));
            for j in w.start()..w.end() {
                assert_eq!(w.event_of(j), Some(event(j)), "record {j} after {i}");
                assert_eq!(w.time_of(j), Some(at(j)), "record {j} after {i}");
            }
            let timed: Vec<(SimTime, usize)> =
                w.timed(0, usize::MAX).map(|(t, r)| (t, index(r))).collect();
            let want: Vec<(SimTime, usize)> = (w.start()..w.end()).map(|j| (at(j), j)).collect();
            assert_eq!(timed, want, "after {i}");
        }
        let from = w.start();
        let drained: Vec<(SimTime, usize)> = w.drain_to(17).map(|(t, r)| (t, index(&r))).collect();
        assert_eq!(drained, (from..17).map(|j| (at(j), j)).collect::<Vec<_>>());
        assert!(from < 17, "{from}");
        assert_eq!(w.event_of(17), Some(event(17)));
    }

    #[test]
    fn a_zero_budget_holds_nothing_but_counts() {
        let mut w = TraceWindow::with_budget(0);
        push(&mut w, 0);
        push(&mut w, 1);
        assert_eq!((w.start(), w.end(), w.held()), (2, 2, 0));
    }
}
