//! A lesson's text may only name what its own run shows: every address, every netfilter
//! chain and every iptables rule it mentions must occur in its `explain` narration or in a
//! namespace's `show` output (see `docknet_sim::format::mentions`). And no two shipped
//! lessons run the same story.

mod common;
use common::{lesson_id, scenario_files};
use docknet_sim::format::{explain, mentions};

#[test]
fn every_lesson_names_only_what_its_run_shows() {
    let mut problems = Vec::new();
    for f in scenario_files("") {
        let name = lesson_id(&f);
        let text = std::fs::read_to_string(&f).unwrap();
        let (scenario, mut sim) = docknet_sim::load(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        sim.run_to_end();
        let seen = mentions::evidence(sim.timed_trace(), &sim.net, sim.now());
        for what in mentions::unshown(&scenario.description, &seen) {
            problems.push(format!(
                "{name}: the text names {what}, which its run never shows"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_two_lessons_tell_the_same_story() {
    let mut seen: Vec<(String, String)> = Vec::new();
    for f in scenario_files("") {
        let name = lesson_id(&f);
        let story = explain::text(common::run_file(&f).timed_trace());
        if let Some((other, _)) = seen.iter().find(|(_, s)| *s == story) {
            panic!("{name} and {other} run the same story: keep one");
        }
        seen.push((name, story));
    }
}
