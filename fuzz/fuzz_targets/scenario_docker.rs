//! cargo-fuzz target: see `docknet_sim::fuzzing::scenario_docker`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docknet_sim::fuzzing::scenario_docker(data));
