//! Same scenario and seed, same trace: in one process, and after step-back by replay.

mod common;
use common::{run_file, scenario_files};
use docknet_sim::format::jsonl;
use docknet_sim::format::tcpdump::Tcpdump;

#[test]
fn every_scenario_gives_identical_jsonl_twice() {
    for f in scenario_files("") {
        let a = jsonl::lines(run_file(&f).timed_trace());
        let b = jsonl::lines(run_file(&f).timed_trace());
        assert!(!a.is_empty());
        assert_eq!(a, b, "{} is not deterministic", f.display());
    }
}

#[test]
fn rewind_reproduces_the_state_reached_going_forward() {
    let path = common::scenarios_dir().join("kernel/dnat-port-forward.ron");
    let text = std::fs::read_to_string(&path).unwrap();
    let (_, mut sim) = docknet_sim::load("dnat.ron", &text).unwrap();
    let mut checkpoints = Vec::new();
    while !sim.is_finished() {
        sim.step();
        checkpoints.push((
            sim.events_done(),
            sim.trace().len(),
            jsonl::lines(sim.timed_trace()),
        ));
    }
    let total = sim.events_done();
    assert!(total > 20);
    for &k in &[1, total / 3, total / 2, total - 1] {
        sim.rewind_to(k);
        let (events, len, ref text) = checkpoints[k - 1];
        assert_eq!(sim.events_done(), events);
        assert_eq!(sim.trace().len(), len);
        assert_eq!(
            &jsonl::lines(sim.timed_trace()),
            text,
            "state after rewinding to event {k}"
        );
    }
    sim.rewind_to(total);
    assert!(sim.is_finished());
}

#[test]
fn rewinding_through_snapshots_matches_a_fresh_run_at_every_point_tried() {
    use docknet_sim::engine::CHECKPOINT_EVERY;
    let path = common::scenarios_dir().join("kernel/veth-pair.ron");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("count: 1)", "count: 3000)");
    let (_, fresh) = docknet_sim::load("long.ron", &text).unwrap();
    let at = |k: usize| {
        let mut s = fresh.clone();
        while s.events_done() < k {
            s.step();
        }
        (jsonl::lines(s.timed_trace()), format!("{:?}", s.net))
    };
    let mut sim = fresh.clone();
    sim.rewind_to(usize::MAX);
    let total = sim.events_done();
    assert!(
        total > 3 * CHECKPOINT_EVERY,
        "long enough for several snapshots: {total} events"
    );
    assert_eq!(sim.snapshots(), total / CHECKPOINT_EVERY);
    // Backwards across snapshots, just before and after one, then forwards again.
    for k in [
        total - 1,
        2 * CHECKPOINT_EVERY + 1,
        2 * CHECKPOINT_EVERY,
        2 * CHECKPOINT_EVERY - 1,
        7,
        CHECKPOINT_EVERY + 5,
        total / 2,
        0,
    ] {
        sim.rewind_to(k);
        assert_eq!(sim.events_done(), k);
        let (trace, net) = at(k);
        assert!(
            jsonl::lines(sim.timed_trace()) == trace,
            "trace after rewinding to {k}"
        );
        assert!(
            format!("{:?}", sim.net) == net,
            "kernel state after rewinding to {k}"
        );
    }
}

#[test]
fn a_different_seed_changes_random_choices_only() {
    let path = common::scenarios_dir().join("kernel/veth-pair.ron");
    let text = std::fs::read_to_string(&path).unwrap();
    let other = text.replace("seed: 1,", "seed: 99,");
    let (_, mut a) = docknet_sim::load("a.ron", &text).unwrap();
    let (_, mut b) = docknet_sim::load("b.ron", &other).unwrap();
    a.run_to_end();
    b.run_to_end();
    assert_eq!(
        a.trace().len(),
        b.trace().len(),
        "same path, same number of steps"
    );
    let dump = |s: &docknet_sim::Sim| Tcpdump::lines(s.timed_trace(), None);
    assert_ne!(dump(&a), dump(&b), "ISNs and ping ids differ");
}
