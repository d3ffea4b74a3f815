//! The engine's event queue, ordered by (time, insertion sequence).
//!
//! The heap orders small keys; the events themselves stay put in a slab whose freed slots
//! are reused, so sifting moves 24 bytes per level and a run in its steady state allocates
//! nothing to queue an event.
//!
//! Events pushed one after another for the same time (the copies of a flooded frame, due
//! together on every port of a bridge; flows started together) form a *run*: one key in the
//! heap stands for the whole run (its time and its first event's sequence number), and its
//! events are taken in order without sifting. No other event of that time can fall between
//! them: one pushed while the run was the last one pushed would have joined it.
//!
//! Only the events due before a horizon are in the heap; later ones wait, unordered, in
//! buckets of [`BUCKET_NS`] of simulated time (a calendar), and the earliest bucket is
//! heaped when the heap runs dry. A scenario that schedules thousands of flows up front thus
//! sifts through the few events in flight, not through all of them. Every key in the heap
//! is earlier than every key in a bucket, so the order is exactly (time, sequence).

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::binary_heap::PeekMut;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

/// The span of simulated time one calendar bucket covers (about a millisecond).
const BUCKET_NS: u64 = 1 << 20;

/// The calendar bucket `at` falls in.
fn bucket(at: SimTime) -> u64 {
    at.0 / BUCKET_NS
}

/// When a queued event (or the first event left of a run) is due, and what it is: an
/// event's slot in the slab (in a bucket) or a run's index (in the heap).
#[derive(Clone, Copy, Debug)]
struct Key {
    at: SimTime,
    seq: u64,
    slot: u32,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    /// Reversed so the max-heap pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Events due at one time, pushed with no other event of that time between them: their
/// slots, in order.
#[derive(Clone, Debug, Default)]
struct Run {
    at: SimTime,
    slots: VecDeque<u32>,
}

/// Events waiting for their time, earliest (time, sequence) first.
#[derive(Clone, Debug)]
pub(crate) struct Queue<E> {
    /// A key per run due before `horizon`: its time and its first event's sequence number.
    heap: BinaryHeap<Key>,
    /// The runs, by index; the empty ones (listed in `free_runs`) keep their buffers.
    runs: Vec<Run>,
    free_runs: Vec<u32>,
    /// The run the last event pushed before `horizon` joined, while it is in the heap.
    tail: Option<u32>,
    /// The events due at or after `horizon`, by calendar bucket. Empty when `heap` is.
    later: BTreeMap<u64, Vec<Key>>,
    /// The end of the heap's span: the start of a bucket.
    horizon: SimTime,
    len: usize,
    /// The events, by slot; `None` in the slots listed in `free`.
    slots: Vec<Option<E>>,
    free: Vec<u32>,
}

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            runs: Vec::new(),
            free_runs: Vec::new(),
            tail: None,
            later: BTreeMap::new(),
            horizon: SimTime::ZERO,
            len: 0,
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<E> Queue<E> {
    /// Queue `event` at `at`; `seq` orders events of the same time (unique, increasing).
    pub fn push(&mut self, at: SimTime, seq: u64, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 queued events")
            }
        };
        self.len += 1;
        if self.heap.is_empty() {
            // Nothing waits in a bucket either: this event's bucket becomes the heap's span.
            self.horizon = SimTime((bucket(at) + 1) * BUCKET_NS);
            self.push_near(Key { at, seq, slot });
        } else if at < self.horizon {
            self.push_near(Key { at, seq, slot });
        } else {
            self.later
                .entry(bucket(at))
                .or_default()
                .push(Key { at, seq, slot });
        }
    }

    /// Put an event due before the horizon in the run it follows, or in a run of its own.
    fn push_near(&mut self, key: Key) {
        if let Some(r) = self.tail {
            let run = &mut self.runs[r as usize];
            if run.at == key.at {
                run.slots.push_back(key.slot);
                return;
            }
        }
        let r = match self.free_runs.pop() {
            Some(r) => r,
            None => {
                self.runs.push(Run::default());
                (self.runs.len() - 1) as u32
            }
        };
        let run = &mut self.runs[r as usize];
        run.at = key.at;
        run.slots.push_back(key.slot);
        self.heap.push(Key { slot: r, ..key });
        self.tail = Some(r);
    }

    /// When the earliest event is due.
    pub fn peek_at(&self) -> Option<SimTime> {
        self.heap.peek().map(|k| k.at)
    }

    /// Take out the earliest event, with its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (at, slot) = {
            let top = self.heap.peek_mut()?;
            let (at, r) = (top.at, top.slot);
            let run = &mut self.runs[r as usize];
            let slot = run.slots.pop_front().expect("a run in the heap has events");
            if run.slots.is_empty() {
                PeekMut::pop(top);
                self.free_runs.push(r);
                if self.tail == Some(r) {
                    self.tail = None;
                }
            }
            // Else the run keeps its place: its key (its first event's) still orders it.
            (at, slot)
        };
        self.len -= 1;
        if self.heap.is_empty()
            && let Some((b, keys)) = self.later.pop_first()
        {
            self.horizon = SimTime((b + 1) * BUCKET_NS);
            self.tail = None;
            for key in keys {
                self.push_near(key);
            }
        }
        let event = self.slots[slot as usize]
            .take()
            .expect("a key's slot holds its event");
        self.free.push(slot);
        Some((at, event))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub fn clear(&mut self) {
        self.heap.clear();
        for run in &mut self.runs {
            run.slots.clear();
        }
        self.free_runs = (0..self.runs.len() as u32).collect();
        self.tail = None;
        self.later.clear();
        self.len = 0;
        self.slots.clear();
        self.free.clear();
    }

    /// The queued events, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &E> {
        self.slots.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pop everything, as (time, payload).
    fn drain(q: &mut Queue<u32>) -> Vec<(u64, u32)> {
        std::iter::from_fn(|| q.pop())
            .map(|(t, e)| (t.0, e))
            .collect()
    }

    #[test]
    fn orders_by_time_then_insertion() {
        let mut q = Queue::default();
        for (seq, (at, e)) in [(5, 0), (1, 1), (5, 2), (1, 3)].into_iter().enumerate() {
            q.push(SimTime(at), seq as u64, e);
        }
        assert_eq!(q.peek_at(), Some(SimTime(1)));
        assert_eq!(drain(&mut q), vec![(1, 1), (1, 3), (5, 0), (5, 2)]);
        assert!(q.is_empty());
    }

    #[test]
    fn reuses_freed_slots_and_keeps_the_order() {
        let mut q = Queue::default();
        q.push(SimTime(3), 0, 30);
        q.push(SimTime(1), 1, 10);
        assert_eq!(q.pop(), Some((SimTime(1), 10)));
        // The freed slot takes the next event, which still sorts by its own key.
        q.push(SimTime(2), 2, 20);
        q.push(SimTime(3), 3, 31);
        assert_eq!(q.slots.len(), 3, "one slot reused");
        assert_eq!(q.len(), 3);
        let mut held: Vec<u32> = q.iter().copied().collect();
        held.sort();
        assert_eq!(held, [20, 30, 31]);
        assert_eq!(drain(&mut q), vec![(2, 20), (3, 30), (3, 31)]);
        q.push(SimTime(9), 4, 90);
        q.clear();
        assert!(q.is_empty() && q.iter().next().is_none() && q.pop().is_none());
    }

    /// Events far apart (in later calendar buckets) and near (in the heap), pushed in a
    /// scrambled order and while popping, come out as a single sorted queue would give them.
    #[test]
    fn buckets_and_heap_pop_in_one_order() {
        let mut q = Queue::default();
        let mut want = Vec::new();
        let mut seq = 0u64;
        let mut push = |q: &mut Queue<u32>, want: &mut Vec<(u64, u64)>, at: u64| {
            q.push(SimTime(at), seq, seq as u32);
            want.push((at, seq));
            seq += 1;
        };
        for i in 0..200u64 {
            // Spread over several buckets, with ties on time.
            push(&mut q, &mut want, (i * 7919) % 13 * (BUCKET_NS / 3));
        }
        let mut got = Vec::new();
        while let Some((at, e)) = q.pop() {
            got.push((at.0, u64::from(e)));
            if got.len() % 5 == 0 && got.len() < 300 {
                // Something new a little later, in this bucket or the next, as a run does.
                push(&mut q, &mut want, at.0 + BUCKET_NS / 4);
                push(&mut q, &mut want, at.0);
            }
            assert_eq!(q.len(), want.len() - got.len());
            assert_eq!(q.iter().count(), q.len());
        }
        want.sort();
        assert_eq!(got, want);
    }

    /// Bursts of events for one time (a flood's copies), pushed while popping, across
    /// buckets and next to single events: they come out as one sorted queue would give them.
    #[test]
    fn runs_of_one_time_pop_in_order_among_the_rest() {
        let mut q = Queue::default();
        let (mut want, mut got) = (Vec::new(), Vec::new());
        let mut seq = 0u64;
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut now = 0u64;
        for round in 0..400 {
            // A burst of 1 to 8 events at one time, a little after now (or in a later bucket).
            let at = now + next() % (3 * BUCKET_NS);
            for _ in 0..1 + next() % 8 {
                q.push(SimTime(at), seq, seq as u32);
                want.push((at, seq));
                seq += 1;
            }
            if round % 3 == 0 {
                // A lone event at a time already used, so runs and singles tie on time.
                let at = want[(next() % want.len() as u64) as usize].0.max(now);
                q.push(SimTime(at), seq, seq as u32);
                want.push((at, seq));
                seq += 1;
            }
            for _ in 0..next() % 6 {
                if let Some((at, e)) = q.pop() {
                    now = at.0;
                    got.push((at.0, u64::from(e)));
                }
            }
            assert_eq!(q.len(), want.len() - got.len());
        }
        while let Some((at, e)) = q.pop() {
            got.push((at.0, u64::from(e)));
        }
        want.sort();
        assert_eq!(got, want);
        assert!(q.is_empty() && q.peek_at().is_none());
    }
}
