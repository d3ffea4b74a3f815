//! Every shipped scenario's `explain` and `tcpdump` output, snapshotted: any change in
//! behaviour shows up in review as a snapshot diff (`cargo insta review`).

mod common;
use common::{run_file, scenario_files};
use docknet_sim::format::{explain, tcpdump::Tcpdump};

#[test]
fn kernel_lessons() {
    let files = scenario_files("kernel");
    assert!(files.len() >= 5, "the five kernel lessons are shipped");
    for f in files {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let sim = run_file(&f);
        insta::assert_snapshot!(format!("{name}.explain"), explain::text(sim.trace()));
        insta::assert_snapshot!(
            format!("{name}.tcpdump"),
            Tcpdump::lines(sim.trace(), None).join("\n")
        );
    }
}
