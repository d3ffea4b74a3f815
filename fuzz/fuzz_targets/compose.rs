//! cargo-fuzz target: see `docknet_sim::fuzzing::compose`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docknet_sim::fuzzing::compose(data));
