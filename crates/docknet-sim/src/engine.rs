//! The discrete-event engine: a queue ordered by (time, insertion sequence), the clock, the
//! seeded RNG streams, the trace sink, the run's limits, and step-back by snapshots. It knows
//! nothing of the network or the processes: it is generic over the event type `E`, and the
//! state it snapshots is whatever implements [`Replay`] (the top-level `Sim`).
//!
//! Step-back is done by replay: a simulation keeps a snapshot of its initial state, and
//! [`rewind_to`] restores the latest snapshot at or before the requested event index and
//! replays from there. While it replays forward it takes snapshots (at most
//! [`crate::replay::MAX_SNAPSHOTS`], evenly spaced: see [`crate::replay`]), so moving to any
//! point already reached replays a bounded stretch. The model is deterministic, so the state
//! reached is exactly the one seen going forward; records already produced once and still
//! held in the trace window are only re-counted when replayed.

mod queue;

use crate::ids::{PacketId, Ports};
use crate::limits::{Halt, Limits};
use crate::replay::{Drained, Thinned, Timed, TraceWindow};
use crate::time::{SimDuration, SimTime};
use crate::timer_wheel::Jiffies;
use crate::trace::{Hop, IfaceMemo, Interned, Name, TraceEvent, TraceRecord};
use queue::Queue;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

pub use crate::replay::CHECKPOINT_EVERY;

/// A state to rewind to: the simulation without its trace (the trace up to this point is
/// a prefix of the rewinding simulation's own, by determinism) and that trace's length.
#[derive(Debug)]
pub(crate) struct Checkpoint<S> {
    pub state: S,
    pub trace_len: usize,
    pub events_done: usize,
}

/// The snapshots of one run: its initial state and later states [`rewind_to`] passed, by
/// increasing event index, thinned to a bounded number; shared by clones.
#[derive(Debug)]
pub(crate) struct Snapshots<S> {
    initial: Option<Arc<Checkpoint<S>>>,
    taken: Thinned<Arc<Checkpoint<S>>>,
}

impl<S> Default for Snapshots<S> {
    fn default() -> Self {
        Snapshots {
            initial: None,
            taken: Thinned::default(),
        }
    }
}

impl<S> Clone for Snapshots<S> {
    fn clone(&self) -> Self {
        Snapshots {
            initial: self.initial.clone(),
            taken: self.taken.clone(),
        }
    }
}

impl<S> Snapshots<S> {
    /// Remember `cp` as the start for [`rewind_to`].
    pub fn seal(&mut self, cp: Checkpoint<S>) {
        self.initial = Some(Arc::new(cp));
    }

    /// Forget every snapshot (the trace they index is gone).
    pub fn clear(&mut self) {
        self.initial = None;
        self.taken.clear();
    }

    /// How many snapshots are kept past the initial one.
    pub fn len(&self) -> usize {
        self.taken.len()
    }

    /// The latest snapshot that satisfies `ok` (which holds for a prefix of them, as
    /// "taken at or before" does), else the initial state.
    pub fn last_where(&self, ok: impl Fn(&Checkpoint<S>) -> bool) -> Option<&Arc<Checkpoint<S>>> {
        self.taken.last_where(|c| ok(c)).or(self.initial.as_ref())
    }
}

/// A simulation the engine can step back: it steps, and it saves and restores its state
/// (without the trace, which restoring keeps).
pub(crate) trait Replay: Sized {
    fn events_done(&self) -> usize;
    fn is_finished(&self) -> bool;
    fn step_once(&mut self);
    fn checkpoint(&self) -> Checkpoint<Self>;
    fn restore(&mut self, cp: &Checkpoint<Self>);
    fn snapshots(&mut self) -> &mut Snapshots<Self>;
}

/// Rebuild the state right after `events` events had been processed: from the latest
/// snapshot at or before it (when that is behind now, or ahead of now), then by replay,
/// taking snapshots on the way.
pub(crate) fn rewind_to<S: Replay>(sim: &mut S, events: usize) {
    let done = sim.events_done();
    let snaps = sim.snapshots();
    let from = snaps
        .last_where(|c| c.events_done <= events)
        .filter(|c| events < done || c.events_done > done)
        .cloned();
    if let Some(cp) = from {
        sim.restore(&cp);
    }
    while sim.events_done() < events && !sim.is_finished() {
        sim.step_once();
        note_snapshot(sim);
    }
}

/// Keep a snapshot of the current state if one is due (while replaying or reading on).
pub(crate) fn note_snapshot<S: Replay>(sim: &mut S) {
    let done = sim.events_done();
    let snaps = sim.snapshots();
    if snaps.initial.is_some() && snaps.taken.due(done) {
        let cp = Arc::new(sim.checkpoint());
        sim.snapshots().taken.push(done, cp);
    }
}

/// The queue, clock, RNG streams and trace of a run: the context every part of the model
/// (kernel, sockets) acts through.
#[derive(Clone, Debug)]
pub struct Engine<E> {
    queue: Queue<E>,
    now: SimTime,
    seq: u64,
    rng: ChaCha8Rng,
    /// The kernel's jiffies clock, for timers that the timer wheel rounds.
    jiffies: Jiffies,
    next_pkt: u64,
    /// The secret behind TCP timestamp offsets (`secure_tcp_ts_off`), from the seed.
    ts_secret: u64,
    /// The records held (all of them unless a budget is set, none before the last
    /// [`Engine::drain_trace`]); after a rewind, the ones past `trace_shown` are the
    /// (deterministic) future, re-counted rather than pushed again as replay reaches them.
    trace: TraceWindow,
    /// How many records the run has produced up to the current state (an absolute index).
    trace_shown: usize,
    /// The link hops last sent on each interface, by their timing (serialization, latency),
    /// for the next crossing to reuse.
    pub(crate) trace_hops: IfaceMemo<(SimDuration, SimDuration), Interned<Hop>>,
    /// The ports bridges last flooded to, by ingress port, for the next flood to reuse.
    pub(crate) trace_floods: IfaceMemo<Ports, Interned<[Name]>>,
    events_done: usize,
    /// The run's event budget and time limit, and why it stopped, once it has.
    limits: Limits,
    halt: Option<Halt>,
}

/// The jiffies phase at boot, drawn from its own stream so that it does not shift the
/// values (MACs, sequence numbers, ports) drawn from the main generator.
fn boot_jiffies(seed: u64) -> Jiffies {
    /// Covers the granularity of every wheel level a scenario's timers reach.
    const PHASE_RANGE_NS: u64 = 1 << 40;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6a69_6666_6965_7321);
    Jiffies::with_phase(rng.random::<u64>() % PHASE_RANGE_NS)
}

impl<E> Engine<E> {
    /// An engine at time zero with an empty queue, its streams seeded from `seed`.
    pub(crate) fn new(seed: u64) -> Engine<E> {
        Engine {
            queue: Queue::default(),
            now: SimTime::ZERO,
            seq: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            jiffies: boot_jiffies(seed),
            next_pkt: 1,
            ts_secret: ChaCha8Rng::seed_from_u64(seed ^ 0x7473_5f6f_6666_7365).random(),
            trace: TraceWindow::default(),
            trace_shown: 0,
            trace_hops: IfaceMemo::default(),
            trace_floods: IfaceMemo::default(),
            events_done: 0,
            limits: Limits::default(),
            halt: None,
        }
    }

    /// This state without its trace, for a snapshot.
    pub(crate) fn snapshot(&self) -> Engine<E>
    where
        E: Clone,
    {
        Engine {
            queue: self.queue.clone(),
            now: self.now,
            seq: self.seq,
            rng: self.rng.clone(),
            jiffies: self.jiffies,
            next_pkt: self.next_pkt,
            ts_secret: self.ts_secret,
            trace: TraceWindow::with_budget(0),
            trace_shown: 0,
            trace_hops: IfaceMemo::default(),
            trace_floods: IfaceMemo::default(),
            events_done: self.events_done,
            limits: self.limits,
            halt: self.halt.clone(),
        }
    }

    /// Move to `snap` (a [`Engine::snapshot`] of this run taken when its trace was
    /// `trace_len` long), keeping the records held and the limits.
    pub(crate) fn restore(&mut self, snap: &Engine<E>, trace_len: usize)
    where
        E: Clone,
    {
        let trace = std::mem::take(&mut self.trace);
        *self = Engine {
            trace,
            trace_shown: trace_len,
            limits: self.limits,
            ..snap.snapshot()
        };
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The records held up to the current state (see [`crate::Sim::trace`]).
    pub fn trace(&self) -> &[TraceRecord] {
        self.trace.clipped(0, self.trace_shown)
    }

    /// [`Engine::trace`] with each record's time.
    pub fn timed_trace(&self) -> Timed<'_> {
        self.trace.timed(0, self.trace_shown)
    }

    /// The records held and where they sit in the run.
    pub(crate) fn trace_window(&self) -> &TraceWindow {
        &self.trace
    }

    /// The records held, to change the budget or start again at a record.
    pub(crate) fn trace_window_mut(&mut self) -> &mut TraceWindow {
        &mut self.trace
    }

    /// How many records the run has produced up to the current state (where the next step's
    /// records start).
    pub(crate) fn trace_len(&self) -> usize {
        self.trace_shown
    }

    /// The records held from `start` (a [`Engine::trace_len`]) to now.
    pub(crate) fn trace_since(&self, start: usize) -> &[TraceRecord] {
        self.trace.clipped(start, self.trace_shown)
    }

    /// Take out the records produced since the last drain.
    pub(crate) fn drain_trace(&mut self) -> Drained<'_> {
        self.trace.drain_to(self.trace_shown)
    }

    /// The events waiting in the queue, in no particular order.
    pub(crate) fn queued(&self) -> impl Iterator<Item = &E> {
        self.queue.iter()
    }

    /// How many queued events have been processed.
    pub fn events_done(&self) -> usize {
        self.events_done
    }

    /// The run's event budget and simulated-time limit.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub(crate) fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Why the run stopped early, if a limit stopped it.
    pub fn halted(&self) -> Option<&Halt> {
        self.halt.as_ref()
    }

    /// When the next event is due, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_at()
    }

    pub fn is_finished(&self) -> bool {
        self.queue.is_empty()
    }

    /// The next event to process, with the clock moved to it. The event that would pass a
    /// limit is not handed out: the run stops there, with a `stopped` record, and the queue
    /// is emptied (this counts as the last event).
    pub(crate) fn next_event(&mut self) -> Option<E> {
        let at = self.queue.peek_at()?;
        let done = self.events_done as u64;
        match self.limits.check(done, at, self.queue.len()) {
            Some(halt) => {
                self.stop(halt);
                None
            }
            None => {
                let (at, event) = self.queue.pop().expect("peeked");
                self.now = at;
                self.events_done += 1;
                Some(event)
            }
        }
    }

    /// End the run at a limit: say why in the trace and drop everything still queued.
    fn stop(&mut self, halt: Halt) {
        self.events_done += 1;
        self.queue.clear();
        let ev = TraceEvent::Stopped {
            limit: halt.limit,
            reason: halt.message.as_str().into(),
        };
        self.halt = Some(halt);
        self.emit(None, ev);
    }

    /// Move the clock to `t` if it is later (nothing is due before it).
    pub(crate) fn advance_to(&mut self, t: SimTime) {
        self.now = self.now.max(t);
    }

    pub(crate) fn schedule(&mut self, at: SimTime, event: impl Into<E>) {
        let seq = self.seq;
        self.seq += 1;
        let event = event.into();
        self.queue.push(at, seq, event);
    }

    pub(crate) fn schedule_in(&mut self, after: SimDuration, event: impl Into<E>) {
        self.schedule(self.now + after, event);
    }

    /// Arm a kernel `timer_list` timer: it fires when the timer wheel gets to it, a little
    /// after `after` (see [`crate::timer_wheel`]).
    pub(crate) fn schedule_kernel_timer(&mut self, after: SimDuration, event: impl Into<E>) {
        let at = self.jiffies.expiry(self.now, after);
        self.schedule(at, event);
    }

    /// The kernel's jiffies clock.
    pub(crate) fn jiffies(&self) -> Jiffies {
        self.jiffies
    }

    /// The secret behind TCP timestamp offsets.
    pub(crate) fn ts_secret(&self) -> u64 {
        self.ts_secret
    }

    /// Record a step of the model. Inlined, so that the record is built where it is stored:
    /// a run writes millions of them.
    #[inline]
    pub(crate) fn emit(&mut self, pkt: Option<PacketId>, event: TraceEvent) {
        let record = TraceRecord { pkt, event };
        let i = self.trace_shown;
        self.trace_shown += 1;
        if i == self.trace.end() {
            self.trace.push(record, self.events_done, self.now);
        } else {
            self.emit_again(i, record);
        }
    }

    /// [`Engine::emit`] of record `i` when it is not the next one the window holds: replaying
    /// before the window, replaying what it holds, or restored past it.
    #[cold]
    fn emit_again(&mut self, i: usize, record: TraceRecord) {
        if i < self.trace.start() {
            // Replaying towards a later point: a record before the window is not kept.
        } else if i < self.trace.end() {
            // Replaying after a rewind: this record was produced before, identically.
            debug_assert_eq!(self.trace.get(i), Some(&record), "replay diverged");
            debug_assert_eq!(self.trace.time_of(i), Some(self.now), "replay diverged");
        } else {
            // The state is past the records held (restored ahead): start again here.
            self.trace.reset(i);
            self.trace.push(record, self.events_done, self.now);
        }
    }

    pub(crate) fn new_packet_id(&mut self) -> PacketId {
        let id = PacketId::new(self.next_pkt).expect("packets are numbered from 1");
        self.next_pkt += 1;
        id
    }

    pub(crate) fn random_u32(&mut self) -> u32 {
        self.rng.random()
    }

    pub(crate) fn random_range(&mut self, lo: u16, hi: u16) -> u16 {
        self.rng.random_range(lo..=hi)
    }
}
