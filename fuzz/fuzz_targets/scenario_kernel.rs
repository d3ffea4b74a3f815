//! cargo-fuzz target: see `docknet_sim::fuzzing::scenario_kernel`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docknet_sim::fuzzing::scenario_kernel(data));
