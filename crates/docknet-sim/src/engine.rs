//! The discrete-event engine: a queue ordered by (time, insertion sequence), a seeded RNG,
//! and the step API (`step`, `step_until`, `run_to_end`, `rewind_to`).
//!
//! Step-back is done by replay: a `Sim` keeps a snapshot of its initial state, and
//! [`Sim::rewind_to`] restores the latest snapshot at or before the requested event index and
//! replays from there. While it replays forward it takes a snapshot every
//! [`CHECKPOINT_EVERY`] events, so moving to any point already reached replays at most that
//! many. The model is deterministic, so the state reached is exactly the one seen going
//! forward; records already produced once are kept and only re-counted when replayed.

use crate::apps::{AppEvent, Apps};
use crate::ids::{IfaceId, NsId, PacketId};
use crate::limits::{Halt, Limits};
use crate::model::Net;
use crate::time::{SimDuration, SimTime};
use crate::timer_wheel::Jiffies;
use crate::trace::{FrameShare, Name, TraceEvent, TraceRecord};
use crate::wire::Frame;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

/// Events between the snapshots [`Sim::rewind_to`] takes as it replays forward.
pub const CHECKPOINT_EVERY: usize = 2048;

/// The per-packet state (`confirming_packets`, `looping`) a run holds before it first drops
/// the entries of packets that are gone.
const PRUNE_MIN: usize = 1024;

/// A state to rewind to: the simulation without its trace (the trace up to this point is
/// a prefix of the rewinding simulation's own, by determinism) and that trace's length.
#[derive(Debug)]
struct Checkpoint {
    sim: Sim,
    trace_len: usize,
}

/// Something scheduled to happen at a point in simulated time.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    /// A frame has fully arrived at an interface. `crossed`: the bridge ports this copy of
    /// the frame entered since it left an IP stack (see [`crate::stack`]'s loop guard).
    Arrive {
        iface: IfaceId,
        frame: Frame,
        pkt: PacketId,
        crossed: Vec<IfaceId>,
    },
    /// An application-level event (flow start, timer, wake-up after reading).
    App(AppEvent),
    /// A packet looped back through `lo`, still carrying its conntrack reference.
    Looped {
        iface: IfaceId,
        ip: crate::wire::Ipv4Packet,
        pkt: PacketId,
        ct: Option<crate::conntrack::CtRef>,
    },
    /// Time to re-send an ARP request (or give up) for an unresolved neighbour.
    ArpRetry { iface: IfaceId, ip: Ipv4Addr },
}

#[derive(Clone, Debug)]
struct Queued {
    at: SimTime,
    seq: u64,
    /// Boxed: the heap moves its entries at every push and pop, and an event carries a frame.
    event: Box<Event>,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    /// Reversed so the max-heap pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A running simulation.
#[derive(Clone, Debug)]
pub struct Sim {
    pub net: Net,
    pub(crate) apps: Apps,
    queue: BinaryHeap<Queued>,
    now: SimTime,
    seq: u64,
    pub(crate) rng: ChaCha8Rng,
    /// The kernel's jiffies clock, for timers that the timer wheel rounds.
    pub(crate) jiffies: Jiffies,
    /// Packets whose skb carries `dst_pending_confirm`. The bit survives veth pairs and
    /// forwarding, so such a packet confirms the next-hop neighbour in every namespace it
    /// leaves, routers included (seen in the lab: a router's DELAY entry for a client turned
    /// REACHABLE, unprobed, while a server's TCP replies passed through it).
    pub(crate) confirming_packets: HashSet<PacketId>,
    next_pkt: u64,
    /// The secret behind TCP timestamp offsets (`secure_tcp_ts_off`), from the seed.
    pub(crate) ts_secret: u64,
    /// Every record produced so far (since the last [`Sim::drain_trace`]); after a rewind,
    /// the ones past `trace_shown` are the (deterministic) future, re-counted rather than
    /// pushed again as replay reaches them.
    trace: Vec<TraceRecord>,
    /// How many of `trace`'s records belong to the current state.
    trace_shown: usize,
    /// The frames of recent captures, for the next capture of the same frame to share.
    pub(crate) trace_frames: FrameShare,
    events_done: usize,
    /// The run's event budget and time limit, and why it stopped, once it has.
    limits: Limits,
    halt: Option<Halt>,
    /// Packets caught in a bridge loop: how often their copies came back to a bridge port
    /// they had already crossed (only looping packets get an entry).
    pub(crate) looping: BTreeMap<PacketId, u32>,
    /// When `confirming_packets` and `looping` together pass this size, the entries of
    /// packets that are gone are dropped (see [`Sim::prune_packet_state`]).
    prune_at: usize,
    /// The state before the first event, for `rewind_to`.
    initial: Option<Arc<Checkpoint>>,
    /// Later states `rewind_to` passed, by increasing event index; shared by clones.
    checkpoints: Vec<Arc<Checkpoint>>,
}

/// The jiffies phase at boot, drawn from its own stream so that it does not shift the
/// values (MACs, sequence numbers, ports) drawn from the main generator.
fn boot_jiffies(seed: u64) -> Jiffies {
    /// Covers the granularity of every wheel level a scenario's timers reach.
    const PHASE_RANGE_NS: u64 = 1 << 40;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6a69_6666_6965_7321);
    Jiffies::with_phase(rng.random::<u64>() % PHASE_RANGE_NS)
}

impl Sim {
    /// A simulation over `net` and `apps`, seeded; call [`Sim::seal`] once the initial
    /// events are scheduled.
    pub(crate) fn new(net: Net, apps: Apps, seed: u64) -> Sim {
        Sim {
            net,
            apps,
            queue: BinaryHeap::new(),
            now: SimTime::ZERO,
            seq: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            jiffies: boot_jiffies(seed),
            confirming_packets: HashSet::new(),
            next_pkt: 1,
            ts_secret: ChaCha8Rng::seed_from_u64(seed ^ 0x7473_5f6f_6666_7365).random(),
            trace: Vec::new(),
            trace_shown: 0,
            trace_frames: FrameShare::default(),
            events_done: 0,
            limits: Limits::default(),
            halt: None,
            looping: BTreeMap::new(),
            prune_at: PRUNE_MIN,
            initial: None,
            checkpoints: Vec::new(),
        }
    }

    /// Remember the current state as the start for `rewind_to`.
    pub(crate) fn seal(&mut self) {
        self.initial = Some(Arc::new(self.checkpoint()));
    }

    /// This state without its trace or snapshots.
    fn checkpoint(&self) -> Checkpoint {
        let sim = Sim {
            net: self.net.clone(),
            apps: self.apps.clone(),
            queue: self.queue.clone(),
            now: self.now,
            seq: self.seq,
            rng: self.rng.clone(),
            jiffies: self.jiffies,
            confirming_packets: self.confirming_packets.clone(),
            next_pkt: self.next_pkt,
            ts_secret: self.ts_secret,
            trace: Vec::new(),
            trace_shown: 0,
            trace_frames: FrameShare::default(),
            events_done: self.events_done,
            limits: self.limits,
            halt: self.halt.clone(),
            looping: self.looping.clone(),
            prune_at: self.prune_at,
            initial: None,
            checkpoints: Vec::new(),
        };
        Checkpoint {
            sim,
            trace_len: self.trace_shown,
        }
    }

    /// Move to `cp` (back, or forward to a point this simulation reached before), keeping
    /// its snapshots and every record it has produced.
    fn restore(&mut self, cp: &Checkpoint) {
        debug_assert!(cp.trace_len <= self.trace.len(), "a snapshot of this run");
        let trace = std::mem::take(&mut self.trace);
        let initial = self.initial.take();
        let checkpoints = std::mem::take(&mut self.checkpoints);
        let mut sim = Sim {
            trace,
            trace_shown: cp.trace_len,
            limits: self.limits,
            initial,
            checkpoints,
            ..cp.sim.clone()
        };
        std::mem::swap(self, &mut sim);
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Every trace record emitted so far (since the last [`Sim::drain_trace`]).
    pub fn trace(&self) -> &[TraceRecord] {
        &self.trace[..self.trace_shown]
    }

    /// Take out the records produced since the last drain: the `Sim` keeps none of them, so
    /// a run written out as it goes holds only what one step produces. A drained run cannot
    /// step back: its snapshots are dropped with the records they index, and
    /// [`Sim::rewind_to`] afterwards only moves forward.
    pub fn drain_trace(&mut self) -> std::vec::Drain<'_, TraceRecord> {
        self.initial = None;
        self.checkpoints.clear();
        let shown = std::mem::take(&mut self.trace_shown);
        self.trace.drain(..shown)
    }

    /// The packets that still exist somewhere: in flight on a link or through `lo`, or
    /// waiting for ARP. A packet not among them is gone for good (ids are never reused).
    pub fn live_packets(&self) -> HashSet<PacketId> {
        let queued = self.queue.iter().filter_map(|q| match &*q.event {
            Event::Arrive { pkt, .. } | Event::Looped { pkt, .. } => Some(*pkt),
            Event::App(_) | Event::ArpRetry { .. } => None,
        });
        let waiting = self.net.namespaces.iter().flat_map(|ns| {
            ns.neigh.entries.values().flat_map(|e| match &e.state {
                crate::model::neigh::NeighState::Incomplete { queue, .. } => {
                    queue.iter().map(|(_, p)| *p).collect()
                }
                _ => Vec::new(),
            })
        });
        queued.chain(waiting).collect()
    }

    /// Drop the per-packet state of packets that are gone, so that it stays as small as the
    /// traffic in flight however long the run; amortised by doubling the size that triggers
    /// the next pruning.
    fn prune_packet_state(&mut self) {
        if self.packet_state_len() < self.prune_at {
            return;
        }
        let live = self.live_packets();
        self.confirming_packets.retain(|p| live.contains(p));
        self.looping.retain(|p, _| live.contains(p));
        self.prune_at = (2 * self.packet_state_len()).max(PRUNE_MIN);
    }

    /// How many per-packet entries (neighbour-confirming packets, looping packets) the run
    /// holds: bounded by the packets in flight, not by the packets sent.
    pub fn packet_state_len(&self) -> usize {
        self.confirming_packets.len() + self.looping.len()
    }

    /// How many queued events have been processed.
    pub fn events_done(&self) -> usize {
        self.events_done
    }

    /// The run's event budget and simulated-time limit.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Set the budget (the scenario's `limits`, the CLI's flags), best before the first
    /// step. It is a setting of the run, not state: rewinding keeps it.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Why the run stopped early, if a limit stopped it.
    pub fn halted(&self) -> Option<&Halt> {
        self.halt.as_ref()
    }

    /// How many snapshots [`Sim::rewind_to`] has taken to step back from.
    pub fn snapshots(&self) -> usize {
        self.checkpoints.len()
    }

    /// When the next event is due, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek().map(|q| q.at)
    }

    pub fn is_finished(&self) -> bool {
        self.queue.is_empty()
    }

    /// Process one event; returns the trace records it produced (empty when finished).
    /// The event that would pass a limit is not processed: the run stops there, with a
    /// `stopped` record, and the queue is emptied (this counts as the last event).
    pub fn step(&mut self) -> &[TraceRecord] {
        let start = self.trace_shown;
        if let Some(q) = self.queue.peek() {
            let done = self.events_done as u64;
            match self.limits.check(done, q.at, self.queue.len()) {
                Some(halt) => self.stop(halt),
                None => {
                    let q = self.queue.pop().expect("peeked");
                    self.now = q.at;
                    self.events_done += 1;
                    self.dispatch(*q.event);
                    self.prune_packet_state();
                }
            }
        }
        &self.trace[start..self.trace_shown]
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

    /// Process every event due at or before `t`, then set the clock to `t`.
    pub fn step_until(&mut self, t: SimTime) {
        while self.next_event_time().is_some_and(|at| at <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Run until the queue is empty.
    pub fn run_to_end(&mut self) {
        while !self.queue.is_empty() {
            self.step();
        }
    }

    /// Rebuild the state right after `events` events had been processed: from the latest
    /// snapshot at or before it (when that is behind now, or ahead of now), then by replay,
    /// taking snapshots on the way.
    pub fn rewind_to(&mut self, events: usize) {
        let from = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.sim.events_done <= events)
            .or(self.initial.as_ref())
            .filter(|c| events < self.events_done || c.sim.events_done > self.events_done)
            .cloned();
        if let Some(cp) = from {
            self.restore(&cp);
        }
        while self.events_done < events && !self.queue.is_empty() {
            self.step();
            let due = self.events_done.is_multiple_of(CHECKPOINT_EVERY)
                && self
                    .checkpoints
                    .last()
                    .is_none_or(|c| c.sim.events_done < self.events_done);
            if due && self.initial.is_some() {
                self.checkpoints.push(Arc::new(self.checkpoint()));
            }
        }
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Arrive {
                iface,
                frame,
                pkt,
                crossed,
            } => self.receive(iface, frame, pkt, crossed),
            Event::App(ev) => self.app_event(ev),
            Event::ArpRetry { iface, ip } => self.arp_retry(iface, ip),
            Event::Looped { iface, ip, pkt, ct } => self.ip_rcv_tracked(iface, ip, pkt, ct),
        }
    }

    pub(crate) fn schedule(&mut self, at: SimTime, event: Event) {
        let seq = self.seq;
        self.seq += 1;
        let event = Box::new(event);
        self.queue.push(Queued { at, seq, event });
    }

    pub(crate) fn schedule_in(&mut self, after: SimDuration, event: Event) {
        self.schedule(self.now + after, event);
    }

    /// Arm a kernel `timer_list` timer: it fires when the timer wheel gets to it, a little
    /// after `after` (see [`crate::timer_wheel`]).
    pub(crate) fn schedule_kernel_timer(&mut self, after: SimDuration, event: Event) {
        let at = self.jiffies.expiry(self.now, after);
        self.schedule(at, event);
    }

    pub(crate) fn emit(&mut self, pkt: Option<PacketId>, event: TraceEvent) {
        let record = TraceRecord {
            t_ns: self.now,
            pkt,
            event,
        };
        if self.trace_shown < self.trace.len() {
            // Replaying after a rewind: this record was produced before, identically.
            debug_assert_eq!(self.trace[self.trace_shown], record, "replay diverged");
        } else {
            self.trace.push(record);
        }
        self.trace_shown += 1;
    }

    pub(crate) fn new_packet_id(&mut self) -> PacketId {
        let id = PacketId::new(self.next_pkt).expect("packets are numbered from 1");
        self.next_pkt += 1;
        id
    }

    pub(crate) fn ns_name(&self, ns: NsId) -> Name {
        self.net.ns(ns).name
    }

    pub(crate) fn random_u32(&mut self) -> u32 {
        self.rng.random()
    }

    pub(crate) fn random_range(&mut self, lo: u16, hi: u16) -> u16 {
        self.rng.random_range(lo..=hi)
    }

    /// Drop a packet with a reason a learner understands.
    pub(crate) fn drop_pkt(&mut self, ns: NsId, pkt: PacketId, reason: String) {
        let ns = self.ns_name(ns);
        let reason = reason.into();
        self.emit(Some(pkt), TraceEvent::Drop { ns, reason });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_orders_by_time_then_insertion() {
        let mut heap = BinaryHeap::new();
        let ev = || Event::ArpRetry {
            iface: IfaceId(0),
            ip: Ipv4Addr::LOCALHOST,
        };
        heap.push(Queued {
            at: SimTime(5),
            seq: 0,
            event: Box::new(ev()),
        });
        heap.push(Queued {
            at: SimTime(1),
            seq: 1,
            event: Box::new(ev()),
        });
        heap.push(Queued {
            at: SimTime(5),
            seq: 2,
            event: Box::new(ev()),
        });
        heap.push(Queued {
            at: SimTime(1),
            seq: 3,
            event: Box::new(ev()),
        });
        let order: Vec<(u64, u64)> = std::iter::from_fn(|| heap.pop())
            .map(|q| (q.at.0, q.seq))
            .collect();
        assert_eq!(order, vec![(1, 1), (1, 3), (5, 0), (5, 2)]);
    }
}
