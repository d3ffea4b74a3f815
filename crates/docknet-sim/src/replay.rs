//! Bounded memory for a run that is watched rather than streamed: the trace is held in a
//! [`TraceWindow`] of at most a budget of records, the states to rewind to in a list
//! thinned as the run grows ([`Thinned`]), and records before the window are made again,
//! exactly, by restoring the nearest snapshot and replaying (the model is deterministic:
//! `Sim::records`).

mod growth;
mod snapshots;
mod steps;
mod window;

pub use snapshots::{CHECKPOINT_EVERY, MAX_SNAPSHOTS, Thinned};
pub use window::{DEFAULT_BUDGET, Drained, Timed, TraceWindow};
