//! The timeline: a cursor over the trace's records plus a visual clock.
//!
//! What the app shows is a pure function of `(cursor, clock)` and the trace, so stepping back
//! or scrubbing reproduces exactly what going forward showed. The simulation runs ahead of the
//! cursor in bounded batches ([`Player::pump`]), so a frame never waits on a long run; the
//! kernel state at the cursor (counters, conntrack, neighbours) comes from a second copy of the
//! simulation rewound by deterministic replay.
//!
//! Memory is bounded however long the run: the player holds at most its budget of records
//! (half the latest ones, half the stretch around the cursor, made again from a snapshot by a
//! third copy when the learner scrubs back), and the views read records by absolute index
//! ([`Player::len`], [`Player::record`], [`Player::records`]) or the last [`LOOKBACK`] before
//! the cursor ([`Player::shown`]), never the whole run.
//!
//! Playing moves the clock at the chosen speed and reveals records at a bounded rate, so the
//! dozen netfilter steps that happen at one instant are still seen one after another; long idle
//! gaps (a SYN retry a second later) are skipped.

use docknet_sim::Sim;
use docknet_sim::replay::{DEFAULT_BUDGET, Timed, TraceWindow};
use docknet_sim::time::SimTime;
use docknet_sim::trace::{CtChange, TraceEvent, TraceRecord};
use std::ops::Range;

/// A playback speed: how much simulated time passes per second, and how many trace records
/// at most are revealed per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Speed {
    pub label: &'static str,
    pub sim_ns_per_s: f64,
    /// `f64::INFINITY` reveals everything due at once.
    pub records_per_s: f64,
}

/// From slow motion (one microsecond of the network per second) to real time.
pub const SPEEDS: [Speed; 7] = [
    Speed {
        label: "1 µs/s",
        sim_ns_per_s: 1e3,
        records_per_s: 3.0,
    },
    Speed {
        label: "10 µs/s",
        sim_ns_per_s: 1e4,
        records_per_s: 6.0,
    },
    Speed {
        label: "100 µs/s",
        sim_ns_per_s: 1e5,
        records_per_s: 15.0,
    },
    Speed {
        label: "1 ms/s",
        sim_ns_per_s: 1e6,
        records_per_s: 40.0,
    },
    Speed {
        label: "10 ms/s",
        sim_ns_per_s: 1e7,
        records_per_s: 150.0,
    },
    Speed {
        label: "100 ms/s",
        sim_ns_per_s: 1e8,
        records_per_s: 1000.0,
    },
    Speed {
        label: "real time",
        sim_ns_per_s: 1e9,
        records_per_s: f64::INFINITY,
    },
];

/// Where to stop while playing, in terms of network meaning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breakpoints {
    /// Any NAT rewrite (DNAT, SNAT, MASQUERADE, and their reversal on replies).
    pub nat: bool,
    pub drop: bool,
    /// A new conntrack entry is confirmed.
    pub new_conntrack: bool,
    /// A rule whose iptables-save text contains this (e.g. `-j DNAT` or `--dport 8080`).
    pub rule: String,
}

impl Breakpoints {
    /// Why this record stops playback, if it does.
    pub fn hit(&self, r: &TraceRecord) -> Option<String> {
        match &r.event {
            TraceEvent::Nat {
                ns, before, after, ..
            } if self.nat => Some(format!("NAT in {ns}: {before} -> {after}")),
            TraceEvent::Drop { ns, reason } if self.drop => Some(format!("drop in {ns}: {reason}")),
            TraceEvent::Conntrack {
                ns, change, entry, ..
            } if self.new_conntrack && *change == CtChange::New => {
                Some(format!("new conntrack entry in {ns}: {entry}"))
            }
            TraceEvent::Rule { ns, hit, .. }
                if !self.rule.trim().is_empty()
                    && hit.rule().is_some_and(|t| t.contains(self.rule.trim())) =>
            {
                Some(format!("rule matched in {ns}: {hit}"))
            }
            _ => None,
        }
    }
}

/// Simulation events processed per [`Player::pump`] call by default (one frame's budget).
pub const PUMP_BUDGET: usize = 4000;

/// Records before the cursor that the views read: the scene looks back twice 5,000 records,
/// the inspector 20,000, the netfilter view 5,000. [`Player::shown`] holds this many.
pub const LOOKBACK: usize = 25_000;

/// Records after the cursor held for playback and the rest of the cursor's event.
pub const AHEAD: usize = 4096;

/// The fewest records a player can hold: both halves of its budget (the simulation running
/// ahead, the one making records again) must hold a view's stretch twice over.
pub const MIN_BUDGET: usize = 4 * (LOOKBACK + AHEAD);

#[derive(Clone, Debug)]
pub struct Player {
    /// Runs ahead of the cursor and holds the latest records (half the budget).
    sim: Sim,
    /// Makes again, from snapshots, the records around the cursor when they are older than
    /// `sim`'s (the other half of the budget).
    reader: Sim,
    /// A copy rewound to the event that produced the record before the cursor; holds no
    /// records.
    state: Sim,
    /// Records shown: `0..cursor`.
    cursor: usize,
    /// The visual clock; between the last shown record's time and the next one's.
    clock: SimTime,
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// Fractional records earned but not yet revealed.
    credit: f64,
    pub breakpoints: Breakpoints,
    /// Why playback last stopped on a breakpoint.
    pub stopped_by: Option<String>,
}

impl Player {
    /// A player at the start of a freshly built simulation, holding at most
    /// [`DEFAULT_BUDGET`] records.
    pub fn new(sim: Sim) -> Player {
        Player::with_budget(sim, DEFAULT_BUDGET)
    }

    /// A player that holds at most `records` trace records (at least [`MIN_BUDGET`]).
    pub fn with_budget(mut sim: Sim, records: usize) -> Player {
        let half = records.max(MIN_BUDGET) / 2;
        let mut state = sim.clone();
        state.set_trace_budget(0);
        sim.set_trace_budget(half);
        let reader = sim.clone();
        Player {
            state,
            reader,
            sim,
            cursor: 0,
            clock: SimTime::ZERO,
            playing: false,
            speed: 2,
            credit: 0.0,
            breakpoints: Breakpoints::default(),
            stopped_by: None,
        }
    }

    /// How many records the simulation has produced so far (it may still be running ahead).
    pub fn len(&self) -> usize {
        self.sim.records_done()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The window that holds `range` now, if one does.
    fn holder(&self, range: &Range<usize>) -> Option<&TraceWindow> {
        [&self.sim, &self.reader]
            .map(Sim::trace_window)
            .into_iter()
            .find(|w| w.covers(range))
    }

    /// Records `range` if they are held now (no work).
    pub fn held(&self, range: Range<usize>) -> Option<&[TraceRecord]> {
        self.holder(&range)?.slice(range)
    }

    /// When record `i` happened, if it is held now (no work).
    pub fn held_time(&self, i: usize) -> Option<SimTime> {
        self.holder(&(i..i + 1))?.time_of(i)
    }

    /// Record `i`, if held now; the records around the cursor always are.
    pub fn record(&self, i: usize) -> Option<&TraceRecord> {
        self.held(i..i + 1).map(|r| &r[0])
    }

    /// Records `range` (clipped to those produced so far), made again from a snapshot when
    /// they are not held. At most a quarter of the budget at once.
    pub fn records(&mut self, range: Range<usize>) -> &[TraceRecord] {
        self.timed_records(range).records()
    }

    /// [`Player::records`] with each record's time.
    pub fn timed_records(&mut self, range: Range<usize>) -> Timed<'_> {
        let range = self.make_held(range);
        self.holder(&range)
            .unwrap_or(self.reader.trace_window())
            .timed(range.start, range.end)
    }

    /// `range` clipped to the records produced so far, held (made again if need be, up to a
    /// quarter of the budget).
    fn make_held(&mut self, range: Range<usize>) -> Range<usize> {
        let range = range.start.min(self.len())..range.end.min(self.len());
        if self.held(range.clone()).is_none() {
            self.reader.records(range.clone());
        }
        range
    }

    /// The records the player holds, at most its budget (for memory reports and tests).
    pub fn records_held(&self) -> usize {
        self.sim.trace_window().held() + self.reader.trace_window().held()
    }

    /// The snapshots the player's simulations hold, at most three times
    /// [`docknet_sim::replay::MAX_SNAPSHOTS`].
    pub fn snapshots_held(&self) -> usize {
        self.sim.snapshots() + self.reader.snapshots() + self.state.snapshots()
    }

    /// The absolute index of [`Player::shown`]'s first record.
    pub fn shown_start(&self) -> usize {
        self.cursor.saturating_sub(LOOKBACK)
    }

    /// The last records revealed: `shown_start()..cursor`, as far back as any view reads
    /// ([`LOOKBACK`]); the whole run so far while the cursor is within that of the start.
    pub fn shown(&self) -> &[TraceRecord] {
        self.shown_timed().records()
    }

    /// [`Player::shown`] with each record's time.
    pub fn shown_timed(&self) -> Timed<'_> {
        let range = self.shown_start()..self.cursor;
        let w = self.holder(&range);
        debug_assert!(w.is_some(), "the records before the cursor are held");
        w.unwrap_or(self.sim.trace_window())
            .timed(range.start, range.end)
    }

    /// The simulation whose window holds the stretch the views read around the cursor.
    fn around_sim(&self) -> &Sim {
        let want = self.shown_start()..self.cursor;
        if self.sim.trace_window().covers(&want) {
            &self.sim
        } else {
            &self.reader
        }
    }

    /// Every record held in the stretch around the cursor: the whole run while it fits the
    /// budget (what the connection colours are grouped over).
    pub fn around(&self) -> &[TraceRecord] {
        let w = self.around_sim().trace_window();
        w.clipped(w.start(), w.end())
    }

    /// The absolute index of [`Player::around`]'s first record.
    pub fn around_start(&self) -> usize {
        self.around_sim().trace_window().start()
    }

    /// Hold the records the views read around the cursor.
    fn cover(&mut self) {
        let want = self.shown_start()..(self.cursor + AHEAD).min(self.len());
        if self.held(want.clone()).is_none() {
            self.reader.records(want);
        }
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn clock(&self) -> SimTime {
        self.clock
    }

    /// Whether the simulation has run out of events (the trace is complete).
    pub fn complete(&self) -> bool {
        self.sim.is_finished()
    }

    /// Why the run was cut short, once the simulation running ahead has got there: its
    /// event budget was spent or its next event was past the time limit (a scenario that
    /// never settles). The sentence to show the learner; the trace's last record (a
    /// `stopped` event, which the caption narrates) says the same.
    pub fn run_stopped(&self) -> Option<&str> {
        self.sim.halted().map(|h| h.message.as_str())
    }

    /// Let the simulation run ahead by up to `budget` events.
    pub fn pump(&mut self, budget: usize) {
        for _ in 0..budget {
            if self.sim.is_finished() {
                break;
            }
            self.sim.step();
        }
        self.cover();
    }

    /// Make record `index` exist if the simulation can produce it (bounded work).
    fn ensure(&mut self, index: usize) -> bool {
        let mut guard = 0;
        while self.len() <= index && !self.sim.is_finished() && guard < 64 {
            self.pump(PUMP_BUDGET);
            guard += 1;
        }
        index < self.len()
    }

    /// Run the simulation to its end (for tools and tests; the app pumps per frame).
    pub fn run_to_end(&mut self) {
        while !self.sim.is_finished() {
            self.pump(PUMP_BUDGET);
        }
    }

    /// The time of record `i` (held, or made again).
    fn time_of(&mut self, i: usize) -> SimTime {
        self.make_held(i..i + 1);
        self.held_time(i).unwrap_or(SimTime::ZERO)
    }

    /// How many records come before time `t` (the first record at or after it), among those
    /// produced so far.
    pub fn index_at(&mut self, t: SimTime) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        let latest = self.sim.trace_window();
        if latest
            .time_of(latest.start())
            .is_some_and(|first| first < t)
        {
            lo = latest.start();
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.time_of(mid) < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The index of the first record produced so far for which `f` holds, reading the run
    /// a chunk at a time (made again where not held).
    pub fn position(&mut self, f: impl Fn(&TraceRecord) -> bool) -> Option<usize> {
        let chunk = self.sim.trace_window().budget() / 4;
        let mut from = 0;
        while from < self.len() {
            let records = self.records(from..from + chunk);
            if let Some(i) = records.iter().position(&f) {
                return Some(from + i);
            }
            from += records.len().max(1);
        }
        None
    }

    /// Show one more record.
    pub fn step_forward(&mut self) -> bool {
        self.playing = false;
        if !self.ensure(self.cursor) {
            return false;
        }
        self.cursor += 1;
        self.cover();
        self.clock = self.time_of(self.cursor - 1);
        true
    }

    /// Show one record fewer.
    pub fn step_back(&mut self) -> bool {
        self.playing = false;
        if self.cursor == 0 {
            return false;
        }
        self.seek(self.cursor - 1);
        true
    }

    /// Show exactly the first `records` records, the clock at the last one's time.
    pub fn seek(&mut self, records: usize) {
        self.ensure(records.saturating_sub(1));
        self.cursor = records.min(self.len());
        self.cover();
        self.clock = match self.cursor {
            0 => SimTime::ZERO,
            n => self.time_of(n - 1),
        };
        self.credit = 0.0;
    }

    /// Jump so that record `index` is the last one shown (clicking an event in the list).
    pub fn jump_to(&mut self, index: usize) {
        self.playing = false;
        self.seek(index + 1);
    }

    pub fn toggle_play(&mut self) {
        if !self.playing && self.complete() && self.cursor >= self.len() {
            self.seek(0);
        }
        self.playing = !self.playing;
        self.stopped_by = None;
    }

    /// Advance playback by `dt` seconds of wall time.
    pub fn advance(&mut self, dt: f64) {
        if !self.playing {
            return;
        }
        let speed = SPEEDS[self.speed.min(SPEEDS.len() - 1)];
        self.credit = (self.credit + dt * speed.records_per_s).min(1e9);
        let mut sim_budget = dt * speed.sim_ns_per_s;
        loop {
            if !self.ensure(self.cursor) {
                if self.complete() {
                    self.playing = false;
                }
                return;
            }
            let next = self.time_of(self.cursor);
            if next <= self.clock {
                if self.credit < 1.0 {
                    return;
                }
                self.credit -= 1.0;
                self.cursor += 1;
                self.cover();
                let hit = self
                    .record(self.cursor - 1)
                    .and_then(|r| self.breakpoints.hit(r));
                if let Some(why) = hit {
                    self.playing = false;
                    self.stopped_by = Some(why);
                    return;
                }
                continue;
            }
            // Nothing due yet: at most one record's worth of credit waits for the clock.
            self.credit = self.credit.min(1.0);
            let gap = (next.0 - self.clock.0) as f64;
            if !self.in_flight() && gap > 0.5 * speed.sim_ns_per_s {
                // Skip the idle part of a long gap, keeping a short approach.
                self.clock = SimTime(next.0 - (0.1 * speed.sim_ns_per_s) as u64);
                continue;
            }
            let step = sim_budget.min(gap);
            self.clock = SimTime(self.clock.0 + step.max(0.0) as u64);
            sim_budget -= step;
            if self.clock < next {
                return;
            }
        }
    }

    /// Whether a frame is on a wire or veth at the clock.
    pub fn in_flight(&self) -> bool {
        self.shown()
            .iter()
            .rev()
            .take(400)
            .any(|r| matches!(&r.event, TraceEvent::Link(hop) if hop.rx_end() > self.clock))
    }

    /// The event (counting from 1) that produced record `i`, if held.
    fn event_of(&self, i: usize) -> Option<usize> {
        let of = |s: &Sim| s.trace_window().event_of(i);
        of(&self.sim).or_else(|| of(&self.reader))
    }

    /// The kernel state right after the event that produced the last shown record.
    pub fn state(&mut self) -> &Sim {
        let events = match self.cursor {
            0 => 0,
            c => self.event_of(c - 1).unwrap_or(0),
        };
        self.state.rewind_to(events);
        &self.state
    }

    /// The records of the simulation event that produced the last shown record: the state
    /// from [`Player::state`] already includes the effects of those after the cursor.
    pub fn event_records(&self) -> Range<usize> {
        let Some(event) = self.cursor.checked_sub(1).and_then(|c| self.event_of(c)) else {
            return 0..0;
        };
        let same = |i: usize| self.event_of(i) == Some(event);
        let mut start = self.cursor - 1;
        while start > 0 && same(start - 1) {
            start -= 1;
        }
        let mut end = self.cursor;
        while same(end) {
            end += 1;
        }
        start..end
    }

    /// The records of the cursor's event after the cursor (see [`Player::event_records`]).
    pub fn later(&self) -> &[TraceRecord] {
        let end = self.event_records().end.max(self.cursor);
        self.held(self.cursor..end).unwrap_or(&[])
    }

    /// The kernel state before the first event (for rendering the topology).
    pub fn sim(&self) -> &Sim {
        &self.sim
    }
}

#[cfg(test)]
impl Player {
    /// Every record produced so far, for tests of runs that fit the budget.
    pub(crate) fn trace(&self) -> &[TraceRecord] {
        assert_eq!(self.sim.trace_window().start(), 0, "the whole run is held");
        self.sim.trace()
    }

    /// [`Player::trace`] with each record's time.
    pub(crate) fn timed_trace(&self) -> Timed<'_> {
        assert_eq!(self.sim.trace_window().start(), 0, "the whole run is held");
        self.sim.timed_trace()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Document;

    pub(crate) fn default_player() -> Player {
        let file = format!("{}/../../scenarios/default.ron", env!("CARGO_MANIFEST_DIR"));
        let (_, built) = Document::load(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
        Player::new(built.sim)
    }

    /// The index and packet of the first NAT rewrite of `kind` in the player's trace.
    pub(crate) fn first_nat(p: &Player, kind: docknet_sim::trace::NatKind) -> (usize, u64) {
        p.trace()
            .iter()
            .enumerate()
            .find_map(|(i, r)| match &r.event {
                TraceEvent::Nat { kind: k, .. } if *k == kind => Some((i, r.pkt?.get())),
                _ => None,
            })
            .expect("the trace has that rewrite")
    }

    #[test]
    fn stepping_back_restores_the_same_kernel_state() {
        let mut p = default_player();
        for _ in 0..40 {
            assert!(p.step_forward());
        }
        let clock = p.clock();
        let conntrack_tables = |p: &mut Player| {
            let net = &p.state().net;
            net.namespaces()
                .iter()
                .map(|n| n.conntrack().list(clock))
                .collect::<Vec<_>>()
        };
        let ct_at_40 = conntrack_tables(&mut p);
        for _ in 0..25 {
            p.step_forward();
        }
        for _ in 0..25 {
            p.step_back();
        }
        assert_eq!(p.cursor(), 40);
        assert_eq!(p.clock(), clock);
        assert_eq!(conntrack_tables(&mut p), ct_at_40);
    }

    #[test]
    fn playing_reveals_records_in_order_and_stops_on_a_nat_breakpoint() {
        let mut p = default_player();
        p.breakpoints.nat = true;
        p.speed = 6;
        p.toggle_play();
        for _ in 0..10_000 {
            p.advance(1.0 / 60.0);
            if !p.playing {
                break;
            }
        }
        let why = p.stopped_by.clone().expect("stopped on a breakpoint");
        assert!(why.contains("10.12.91.17:8080 -> 172.17.0.2:80"), "{why}");
        assert!(matches!(
            p.shown().last().unwrap().event,
            TraceEvent::Nat { .. }
        ));
        let times: Vec<_> = p.shown_timed().map(|(t, _)| t).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn slow_motion_reveals_one_instant_step_by_step() {
        let mut p = default_player();
        p.speed = 2;
        p.toggle_play();
        let mut seen = Vec::new();
        for _ in 0..3000 {
            p.advance(1.0 / 60.0);
            seen.push(p.cursor());
        }
        // Never more than one record per frame at 15 records per second.
        assert!(seen.windows(2).all(|w| w[1] - w[0] <= 1));
        assert!(p.cursor() > 20, "playback moved: {}", p.cursor());
    }

    #[test]
    fn a_run_cut_by_its_budget_says_why() {
        let text = r#"Scenario(
    namespaces: [
        (name: "a", interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])]),
        (name: "b", interfaces: [(name: "eth0", addrs: ["10.0.0.2/24"])]),
    ],
    links: [Veth(a: "a:eth0", b: "b:eth0")],
    traffic: [Ping(from: "a", to: "10.0.0.2", count: 4000000000, interval_ms: 0)],
    limits: (max_events: 2000),
)"#;
        let (_, built) = Document::load("runaway.ron", text).unwrap();
        let mut p = Player::new(built.sim);
        assert_eq!(p.run_stopped(), None);
        p.run_to_end();
        let why = p.run_stopped().expect("stopped by the budget").to_string();
        assert!(why.contains("event budget of 2000"), "{why}");
        p.seek(p.trace().len());
        assert!(crate::live::caption(p.shown()).contains(&why));
        assert_eq!(default_player_finished().run_stopped(), None);
    }

    fn default_player_finished() -> Player {
        let mut p = default_player();
        p.run_to_end();
        p
    }

    #[test]
    fn playing_to_the_end_stops() {
        let mut p = default_player();
        p.speed = 6;
        p.toggle_play();
        for _ in 0..100_000 {
            p.advance(0.1);
            if !p.playing {
                break;
            }
        }
        assert!(!p.playing);
        assert!(p.complete());
        assert_eq!(p.cursor(), p.trace().len());
    }
}
