//! A long run watched in a player with a bounded budget: stepped to the end, then scrubbed
//! back to the start and to scattered points, it shows exactly what it showed going forward
//! (and what a player holding the whole run shows), while holding at most its budget of
//! records and a bounded number of snapshots.

use docknet_view::connections::Connections;
use docknet_view::player::MIN_BUDGET;
use docknet_view::{Document, Layout, Player, cursor, scene};
use std::collections::BTreeMap;

/// The router lesson with a long ping through its MASQUERADE rule added.
fn long_run() -> docknet_sim::Sim {
    let path = format!(
        "{}/../../scenarios/kernel/router-masquerade.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "traffic: [",
        "traffic: [Ping(from: \"client\", to: \"203.0.113.10\", count: 20000, interval_ms: 1), ",
    );
    Document::load("long.ron", &text).unwrap().1.sim
}

/// Everything the picture shows at the cursor, as text.
fn view(p: &mut Player, layout: &Layout) -> String {
    let conns = Connections::from_trace(p.shown());
    let at = cursor::at(p, layout, &conns, None);
    let s = scene::compute(layout, p.shown(), p.clock(), &conns, true);
    let tail = &p.shown()[p.shown().len().saturating_sub(20)..];
    format!(
        "{} {:?} {:?}\n{tail:?}\n{:?}\n{at:?}\n{s:?}",
        p.cursor(),
        p.clock(),
        p.event_records(),
        p.later()
    )
}

fn check_bounds(p: &Player) {
    assert!(p.records_held() <= MIN_BUDGET, "{} held", p.records_held());
    assert!(
        p.snapshots_held() <= 3 * docknet_sim::replay::MAX_SNAPSHOTS,
        "{} snapshots",
        p.snapshots_held()
    );
}

#[test]
fn scrubbing_a_long_run_shows_what_going_forward_showed_in_bounded_memory() {
    let sim = long_run();
    let mut whole = Player::with_budget(sim.clone(), usize::MAX / 2);
    whole.run_to_end();
    let total = whole.len();
    assert!(total > 3 * MIN_BUDGET, "long enough: {total} records");
    let layout = Layout::compute(&sim.net, &BTreeMap::new());

    let mut p = Player::with_budget(sim, MIN_BUDGET);
    let mut points: Vec<usize> = (0..24).map(|k| (k * 7919 * 13) % total).collect();
    points.extend([0, 1, 2, total / 2, total - 1, total]);
    points.sort_unstable();
    points.dedup();
    // Forwards, as a learner stepping through it.
    let mut forward = BTreeMap::new();
    for &at in &points {
        while p.cursor() < at {
            p.step_forward();
        }
        assert_eq!(p.cursor(), at);
        forward.insert(at, view(&mut p, &layout));
        check_bounds(&p);
    }
    assert!(p.complete());
    assert!(p.held(0..1).is_none(), "the start was let go");
    // Back to the start, then scattered points in a shuffled order.
    p.seek(0);
    assert_eq!(view(&mut p, &layout), forward[&0]);
    let mut order = points.clone();
    let n = order.len();
    for k in 0..n {
        order.swap(k, (k * 31 + 7) % n);
    }
    for &at in &order {
        p.seek(at);
        let got = view(&mut p, &layout);
        assert!(got == forward[&at], "at {at}: scrubbed back differs");
        whole.seek(at);
        assert!(
            view(&mut whole, &layout) == got,
            "at {at}: differs from the whole run"
        );
        check_bounds(&p);
    }
    // Records read anywhere are the run's.
    for at in [5, total / 3, total - 10] {
        let got = p.records(at..at + 10).to_vec();
        assert_eq!(got, whole.records(at..at + 10));
    }
}

#[test]
fn the_event_list_pages_through_a_long_run() {
    use docknet_view::events::{EventIndex, Filter, PAGE};
    let sim = long_run();
    let mut whole = Player::with_budget(sim.clone(), usize::MAX / 2);
    whole.run_to_end();
    let mut p = Player::with_budget(sim, MIN_BUDGET);
    p.run_to_end();
    let mut idx = EventIndex::default();
    let mut reference = EventIndex::default();
    let rows_of = |idx: &EventIndex| {
        idx.filtered(&Filter::default(), usize::MAX)
            .cloned()
            .collect::<Vec<_>>()
    };
    for at in [p.len(), p.len() / 3, 10] {
        p.seek(at);
        idx.follow(&mut p);
        let page = idx.page();
        assert!(page.contains(&at) || page.end == at, "{page:?} holds {at}");
        assert!(idx.rows().len() <= PAGE);
        reference.take(page.start, whole.timed_records(page.clone()));
        assert_eq!(rows_of(&idx), rows_of(&reference), "page {page:?}");
        idx.turn_page(&mut p, false);
        let earlier = idx.page();
        assert_eq!(earlier.start, page.start.saturating_sub(PAGE));
        assert_eq!(earlier.len(), PAGE);
        assert!(
            idx.rows()
                .iter()
                .enumerate()
                .all(|(k, r)| r.index == earlier.start + k)
        );
    }
}
