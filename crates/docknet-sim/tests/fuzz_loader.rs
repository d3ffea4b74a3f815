//! The scenario loader never panics: arbitrary text, and real scenarios with random edits
//! (bytes deleted, duplicated or replaced), all end in Ok or a located diagnostic.

mod common;
use proptest::prelude::*;

fn corpus() -> Vec<String> {
    common::scenario_files("")
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

fn check_no_panic(text: &str) {
    match docknet_sim::load("fuzz.ron", text) {
        Ok((_, mut sim)) => {
            // A valid scenario must also run without panicking (bounded).
            for _ in 0..20_000 {
                if sim.is_finished() {
                    break;
                }
                sim.step();
            }
        }
        Err(e) => {
            for d in &e.diagnostics {
                assert!(d.line >= 1 && d.column >= 1);
                assert!(!d.message.is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(text in "\\PC{0,400}") {
        check_no_panic(&text);
    }

    #[test]
    fn mutated_lessons(which in 0usize..64, edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, "[a-z0-9 :.\"/,()\\[\\]#*-]{0,6}"), 1..6)) {
        let corpus = corpus();
        let mut text = corpus[which % corpus.len()].clone();
        for (at, kind, insert) in edits {
            if text.is_empty() { break; }
            let mut i = at.index(text.len());
            while !text.is_char_boundary(i) { i -= 1; }
            let end = (i + insert.len().max(1)).min(text.len());
            let end = (end..=text.len()).find(|&e| text.is_char_boundary(e)).unwrap_or(text.len());
            match kind {
                0 => text.replace_range(i..end, ""),
                1 => text.insert_str(i, &insert),
                _ => text.replace_range(i..end, &insert),
            }
        }
        check_no_panic(&text);
    }
}
