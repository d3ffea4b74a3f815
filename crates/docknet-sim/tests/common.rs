//! Helpers shared by the integration tests.
#![allow(dead_code)]

use docknet_sim::Sim;
use docknet_sim::format::jsonl;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The repository's `scenarios/` directory.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// Every scenario `.ron` (and compose `.yaml`) under `scenarios/<sub>` (recursively; `""`
/// for all; not the exercises), sorted.
pub fn scenario_files(sub: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("scenarios directory exists") {
            let path = entry.expect("dir entry").path();
            // Exercises wrap a scenario; they have tests of their own (docknet-view).
            if path.is_dir() && !path.ends_with("exercises") {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "ron" || e == "yaml") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&scenarios_dir().join(sub), &mut files);
    files.sort();
    files
}

/// A file's path under `scenarios/` with `/` replaced, for snapshot names.
pub fn lesson_id(path: &Path) -> String {
    let rel = path.strip_prefix(scenarios_dir()).unwrap_or(path);
    rel.with_extension("")
        .to_string_lossy()
        .replace(['/', '\\'], "__")
}

/// Load a scenario, not run yet.
pub fn load_file(path: &Path) -> Sim {
    let text = std::fs::read_to_string(path).expect("readable scenario");
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let beside = move |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let (_, sim) = docknet_sim::load_with(&path.display().to_string(), &text, &beside)
        .unwrap_or_else(|e| panic!("{e}"));
    sim
}

/// Load and run a scenario to the end.
pub fn run_file(path: &Path) -> Sim {
    let mut sim = load_file(path);
    sim.run_to_end();
    sim
}

pub fn run_lesson(rel: &str) -> Sim {
    run_file(&scenarios_dir().join(rel))
}

/// The trace as parsed JSONL objects.
pub fn events(sim: &Sim) -> Vec<Value> {
    sim.timed_trace()
        .map(|(t, r)| jsonl::record(t, r))
        .collect()
}

/// Events of one kind whose string fields equal the given values.
pub fn select<'a>(events: &'a [Value], event: &str, fields: &[(&str, &str)]) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"] == event && fields.iter().all(|(k, v)| e[*k].as_str() == Some(*v)))
        .collect()
}
