//! Every shipped scenario's `explain` and `tcpdump` output, snapshotted: any change in
//! behaviour shows up in review as a snapshot diff (`cargo insta review`).

mod common;
use common::{lesson_id, run_file, scenario_files};
use docknet_sim::format::{explain, tcpdump::Tcpdump};

#[test]
fn every_shipped_scenario() {
    let files = scenario_files("");
    assert!(
        files.len() >= 16,
        "the kernel and Docker lessons are shipped"
    );
    for f in files {
        let name = lesson_id(&f);
        let sim = run_file(&f);
        insta::assert_snapshot!(format!("{name}.explain"), explain::text(sim.timed_trace()));
        insta::assert_snapshot!(
            format!("{name}.tcpdump"),
            Tcpdump::lines(sim.timed_trace(), None).join("\n")
        );
    }
}
