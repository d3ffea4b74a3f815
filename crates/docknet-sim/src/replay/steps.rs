//! [`Steps`]: when a window's records happened, kept once per step (the records one event
//! produced at one time) in 16 bytes rather than in every record.
//!
//! A step's first record and its event are stored as 32-bit offsets from an *epoch*, the
//! absolute values of the first step stored since the offsets last overflowed. A run starts
//! one epoch and stays in it unless its window spans more than 2^32 records or events, so the
//! common lookups find the only epoch at once.

use super::growth::grow;
use crate::time::SimTime;

/// Where the records of one step start, the event that produced them and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Step {
    /// The absolute index of the step's first record.
    pub first: usize,
    /// The event that produced it, counting from 1 (0: before the first event).
    pub event: usize,
    pub t: SimTime,
}

/// A step as stored: its first record and event as offsets from its epoch.
#[derive(Clone, Copy, Debug)]
struct Packed {
    first: u32,
    event: u32,
    t: SimTime,
}

/// The absolute first record and event the steps from `at` on are offsets from.
#[derive(Clone, Copy, Debug)]
struct Epoch {
    /// The index of the epoch's first step.
    at: usize,
    first: usize,
    event: usize,
}

/// Steps in the order their records were produced: each has at least one record, so their
/// first records strictly increase.
#[derive(Clone, Debug, Default)]
pub(super) struct Steps {
    packed: Vec<Packed>,
    /// Ordered by `at` and by `first`; the first has `at` 0. Empty when `packed` is.
    epochs: Vec<Epoch>,
}

// The layout the window's memory figures rely on.
const _: () = assert!(size_of::<Packed>() == 16);

impl Steps {
    pub fn len(&self) -> usize {
        self.packed.len()
    }

    /// Bytes held (the index in [`crate::trace::Footprint`]).
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(self.packed.as_slice())
            + std::mem::size_of_val(self.epochs.as_slice())
    }

    /// Step `k`. Panics past the end, as indexing does.
    #[inline]
    pub fn get(&self, k: usize) -> Step {
        let p = self.packed[k];
        let e = match self.epochs.as_slice() {
            [only] => only,
            all => &all[all.partition_point(|e| e.at <= k) - 1],
        };
        Step {
            first: e.first + p.first as usize,
            event: e.event + p.event as usize,
            t: p.t,
        }
    }

    /// Whether the last step is the one of `event` at `t` (a record of it extends it).
    #[inline]
    pub fn last_is(&self, event: usize, t: SimTime) -> bool {
        match (self.packed.last(), self.epochs.last()) {
            (Some(p), Some(e)) => p.t == t && e.event + p.event as usize == event,
            _ => false,
        }
    }

    /// Append `step`, whose first record is after every held step's, holding at most `bound`
    /// steps' room.
    #[inline]
    pub fn push(&mut self, step: Step, bound: usize) {
        let offsets = self.epochs.last().and_then(|e| {
            let first = u32::try_from(step.first.checked_sub(e.first)?).ok()?;
            let event = u32::try_from(step.event.checked_sub(e.event)?).ok()?;
            Some((first, event))
        });
        let (first, event) = offsets.unwrap_or_else(|| {
            self.epochs.push(Epoch {
                at: self.packed.len(),
                first: step.first,
                event: step.event,
            });
            (0, 0)
        });
        if self.packed.len() == self.packed.capacity() {
            grow(&mut self.packed, bound);
        }
        self.packed.push(Packed {
            first,
            event,
            t: step.t,
        });
    }

    /// How many steps start at or before record `i`: the step dating record `i` is the one
    /// before (when `i` is held).
    pub fn starting_by(&self, i: usize) -> usize {
        let ep = self.epochs.partition_point(|e| e.first <= i);
        let Some(e) = ep.checked_sub(1).map(|k| self.epochs[k]) else {
            return 0;
        };
        let end = self
            .epochs
            .get(ep)
            .map_or(self.packed.len(), |next| next.at);
        let within = &self.packed[e.at..end];
        e.at + match u32::try_from(i - e.first) {
            Ok(rel) => within.partition_point(|p| p.first <= rel),
            Err(_) => within.len(),
        }
    }

    /// How many steps start before record `i`.
    pub fn starting_before(&self, i: usize) -> usize {
        i.checked_sub(1).map_or(0, |i| self.starting_by(i))
    }

    /// Drop the first `n` steps.
    pub fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len());
        self.packed.drain(..n);
        // The epoch of the first step kept stays (its offsets are from it), moved to 0.
        let kept = self.epochs.partition_point(|e| e.at <= n).saturating_sub(1);
        self.epochs.drain(..kept);
        for e in &mut self.epochs {
            e.at = e.at.saturating_sub(n);
        }
        if self.packed.is_empty() {
            self.epochs.clear();
        }
    }

    pub fn clear(&mut self) {
        self.packed.clear();
        self.epochs.clear();
    }
}

/// Steps read by index: a window's, or a copy taken out with drained records.
pub(super) trait StepList {
    fn count(&self) -> usize;
    fn step(&self, k: usize) -> Step;
}

impl StepList for Steps {
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn step(&self, k: usize) -> Step {
        self.get(k)
    }
}

impl StepList for [Step] {
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn step(&self, k: usize) -> Step {
        self[k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(first: usize, event: usize) -> Step {
        Step {
            first,
            event,
            t: SimTime(event as u64 * 7),
        }
    }

    /// Steps far apart in records and events (past 2^32) start new epochs and read back
    /// exactly, through searches, dropping from the front and clearing.
    #[test]
    fn offsets_past_32_bits_start_epochs_and_read_back_exactly() {
        let big = 1usize << 33;
        let want = [
            step(0, 0),
            step(3, 1),
            step(big, 2),
            step(big + 1, 2 + big),
            step(big + 5, 3 + big),
            step(3 * big, 4 + big),
        ];
        let mut s = Steps::default();
        for w in want {
            s.push(w, usize::MAX);
        }
        assert_eq!(s.epochs.len(), 4, "{:?}", s.epochs);
        assert_eq!((0..s.len()).map(|k| s.get(k)).collect::<Vec<_>>(), want);
        assert!(s.last_is(4 + big, SimTime((4 + big) as u64 * 7)));
        assert!(!s.last_is(4, SimTime((4 + big) as u64 * 7)));
        for (i, n) in [
            (0, 1),
            (2, 1),
            (3, 2),
            (big - 1, 2),
            (big, 3),
            (big + 4, 4),
            (big + 5, 5),
            (3 * big - 1, 5),
            (3 * big, 6),
            (usize::MAX, 6),
        ] {
            assert_eq!(s.starting_by(i), n, "record {i}");
            if let Some(next) = i.checked_add(1) {
                assert_eq!(s.starting_before(next), n, "before {next}");
            }
        }
        for n in 0..=want.len() {
            let mut d = s.clone();
            d.drop_front(n);
            let got: Vec<Step> = (0..d.len()).map(|k| d.get(k)).collect();
            assert_eq!(got, want[n..], "after dropping {n}");
            for (k, w) in want[n..].iter().enumerate() {
                assert_eq!(d.starting_by(w.first), k + 1, "after dropping {n}");
            }
        }
        s.clear();
        assert_eq!((s.len(), s.bytes(), s.starting_by(5)), (0, 0, 0));
    }
}
