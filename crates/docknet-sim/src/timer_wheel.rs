//! When a kernel timer really fires. Linux keeps `timer_list` timers (neighbour, TCP
//! retransmit and delayed-ACK timers) in a hierarchical wheel (kernel/time/timer.c) that
//! counts in jiffies and never fires early: it rounds a timer's expiry up to the granularity
//! of the wheel level its delay falls in. At HZ=250 (this lab's kernel) a 5 s neighbour
//! timer lands in level 2 and fires 4 to 256 ms late, measured as 44 to 222 ms in the lab.
//! Where the rounding falls depends on the jiffies counter at boot, which the simulator
//! draws from the scenario's seed.

use crate::time::{SimDuration, SimTime};

/// Timer interrupts per second (`CONFIG_HZ` of the reference kernel).
pub const HZ: u64 = 250;
const JIFFY_NS: u64 = 1_000_000_000 / HZ;
/// Each level is 8 times coarser than the one below (`LVL_CLK_SHIFT`).
const LVL_CLK_SHIFT: u32 = 3;
/// Slots per level (`LVL_BITS`).
const LVL_BITS: u32 = 6;
/// Levels of the wheel with HZ > 100 (`LVL_DEPTH`).
const LVL_DEPTH: u32 = 9;

/// The kernel's jiffies clock, offset from simulated time by a phase fixed at boot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Jiffies {
    phase_ns: u64,
}

impl Jiffies {
    /// A clock whose jiffy boundaries and wheel levels are shifted by `phase_ns`.
    pub fn with_phase(phase_ns: u64) -> Jiffies {
        Jiffies { phase_ns }
    }

    /// The jiffies count at `t`.
    pub fn at(&self, t: SimTime) -> u64 {
        (t.as_nanos() + self.phase_ns) / JIFFY_NS
    }

    /// `msecs_to_jiffies`-style conversion (rounds up).
    pub fn of(d: SimDuration) -> u64 {
        d.as_nanos().div_ceil(JIFFY_NS)
    }

    /// When a timer armed at `now` for `after` fires: `jiffies + after` rounded up to the
    /// granularity of its wheel level (`calc_wheel_index`).
    pub fn expiry(&self, now: SimTime, after: SimDuration) -> SimTime {
        let delta = Self::of(after);
        let expires = self.at(now) + delta;
        let level = (1..LVL_DEPTH)
            .find(|&lvl| delta < level_start(lvl))
            .map_or(LVL_DEPTH - 1, |lvl| lvl - 1);
        let shift = level * LVL_CLK_SHIFT;
        let bucket = ((expires >> shift) + 1) << shift;
        let at = (bucket * JIFFY_NS).saturating_sub(self.phase_ns);
        SimTime(at.max(now.as_nanos()))
    }
}

/// The first delay (in jiffies) that level `lvl` holds (`LVL_START`).
fn level_start(lvl: u32) -> u64 {
    ((1u64 << LVL_BITS) - 1) << ((lvl - 1) * LVL_CLK_SHIFT)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn fire_delay(phase_ms: u64, now_ms: u64, after_ms: u64) -> u64 {
        let j = Jiffies::with_phase(phase_ms * MS);
        let now = SimTime(now_ms * MS);
        (j.expiry(now, SimDuration(after_ms * MS)) - now).as_nanos() / MS
    }

    #[test]
    fn short_timers_fire_one_jiffy_late_at_most() {
        // 40 ms = 10 jiffies, level 0: fires on the next jiffy after expiry.
        for phase in [0, 1, 2, 3] {
            let d = fire_delay(phase, 1000, 40);
            assert!((41..=44).contains(&d), "phase {phase}: {d} ms");
        }
    }

    #[test]
    fn a_five_second_timer_fires_up_to_256_ms_late() {
        let delays: Vec<u64> = (0..64).map(|p| fire_delay(p * 4, 1000, 5000)).collect();
        assert!(
            delays.iter().all(|d| (5000..=5256).contains(d)),
            "{delays:?}"
        );
        assert!(delays.iter().min() < Some(&5020));
        assert!(delays.iter().max() > Some(&5230));
    }

    #[test]
    fn a_one_second_timer_rounds_to_32_ms() {
        let delays: Vec<u64> = (0..8).map(|p| fire_delay(p * 4, 0, 1000)).collect();
        assert!(
            delays.iter().all(|d| (1000..=1032).contains(d)),
            "{delays:?}"
        );
    }
}
