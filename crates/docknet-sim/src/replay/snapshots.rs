//! [`Thinned`]: the states a run can rewind to, at most a fixed number however long the run.
//! They are taken every `every` events; when there are too many, every other one is
//! dropped and `every` doubles, so they stay evenly spaced over the run so far.

/// Events between snapshots at the start of a run.
pub const CHECKPOINT_EVERY: usize = 2048;

/// The most snapshots a run keeps (besides its initial state).
pub const MAX_SNAPSHOTS: usize = 64;

/// States by increasing event index.
#[derive(Clone, Debug)]
pub struct Thinned<T> {
    list: Vec<(usize, T)>,
    every: usize,
    max: usize,
}

impl<T> Default for Thinned<T> {
    fn default() -> Self {
        Thinned {
            list: Vec::new(),
            every: CHECKPOINT_EVERY,
            max: MAX_SNAPSHOTS,
        }
    }
}

impl<T> Thinned<T> {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Events between the snapshots kept now.
    pub fn every(&self) -> usize {
        self.every
    }

    /// Whether a snapshot is due after `events` events: on the spacing, and past the last.
    pub fn due(&self, events: usize) -> bool {
        events.is_multiple_of(self.every) && self.list.last().is_none_or(|(e, _)| *e < events)
    }

    /// Keep `state`, taken after `events` events (past the last one kept).
    pub fn push(&mut self, events: usize, state: T) {
        debug_assert!(self.list.last().is_none_or(|(e, _)| *e < events));
        self.list.push((events, state));
        while self.list.len() > self.max {
            self.every *= 2;
            let every = self.every;
            self.list.retain(|(e, _)| e.is_multiple_of(every));
        }
    }

    /// The latest snapshot that satisfies `ok` (which holds for a prefix of the list).
    pub fn last_where(&self, ok: impl Fn(&T) -> bool) -> Option<&T> {
        let n = self.list.partition_point(|(_, s)| ok(s));
        n.checked_sub(1).map(|i| &self.list[i].1)
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stay_bounded_and_evenly_spaced_over_a_long_run() {
        let mut s = Thinned::default();
        let mut pushed = 0;
        for events in 1..=1_000_000 * CHECKPOINT_EVERY / 1000 {
            if s.due(events) {
                s.push(events, events);
                pushed += 1;
            }
            assert!(s.len() <= MAX_SNAPSHOTS);
        }
        assert!(pushed > MAX_SNAPSHOTS);
        let kept: Vec<usize> = s.list.iter().map(|(e, _)| *e).collect();
        assert!(
            kept.windows(2).all(|w| w[1] - w[0] == s.every()),
            "{kept:?}"
        );
        assert!(kept.len() >= MAX_SNAPSHOTS / 2);
        assert_eq!(
            s.last_where(|&e| e <= 5 * s.every() + 1),
            Some(&(5 * s.every()))
        );
        assert_eq!(s.last_where(|&e| e < s.every()), None);
    }
}
