//! The engine's event queue, ordered by (time, insertion sequence).
//!
//! The heap orders small keys; the events themselves (a frame and its metadata, over a
//! hundred bytes) stay put in a slab whose freed slots are reused, so sifting moves 24 bytes
//! per level and a run in its steady state allocates nothing to queue an event.
//!
//! Only the events due before a horizon are in the heap; later ones wait, unordered, in
//! buckets of [`BUCKET_NS`] of simulated time (a calendar), and the earliest bucket is
//! heaped when the heap runs dry. A scenario that schedules thousands of flows up front thus
//! sifts through the few events in flight, not through all of them. Every key in the heap
//! is earlier than every key in a bucket, so the order is exactly (time, sequence).

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

/// The span of simulated time one calendar bucket covers (about a millisecond).
const BUCKET_NS: u64 = 1 << 20;

/// The calendar bucket `at` falls in.
fn bucket(at: SimTime) -> u64 {
    at.0 / BUCKET_NS
}

/// Where and when a queued event is: its slot in the slab and its place in the order.
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

/// Events waiting for their time, earliest (time, sequence) first.
#[derive(Clone, Debug)]
pub(crate) struct Queue<E> {
    /// The keys due before `horizon`.
    heap: BinaryHeap<Key>,
    /// The keys due at or after `horizon`, by calendar bucket. Empty when `heap` is.
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
        let key = Key { at, seq, slot };
        self.len += 1;
        if self.heap.is_empty() {
            // Nothing waits in a bucket either: this event's bucket becomes the heap's span.
            self.horizon = SimTime((bucket(at) + 1) * BUCKET_NS);
            self.heap.push(key);
        } else if at < self.horizon {
            self.heap.push(key);
        } else {
            self.later.entry(bucket(at)).or_default().push(key);
        }
    }

    /// When the earliest event is due.
    pub fn peek_at(&self) -> Option<SimTime> {
        self.heap.peek().map(|k| k.at)
    }

    /// Take out the earliest event, with its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let key = self.heap.pop()?;
        self.len -= 1;
        if self.heap.is_empty()
            && let Some((b, keys)) = self.later.pop_first()
        {
            self.horizon = SimTime((b + 1) * BUCKET_NS);
            self.heap = BinaryHeap::from(keys);
        }
        let event = self.slots[key.slot as usize]
            .take()
            .expect("a key's slot holds its event");
        self.free.push(key.slot);
        Some((key.at, event))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub fn clear(&mut self) {
        self.heap.clear();
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
}
