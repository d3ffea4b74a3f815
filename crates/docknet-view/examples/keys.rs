//! Print every exercise's answer key for a seed: `cargo run -p docknet-view --example keys [SEED]`.
use docknet_view::exercise::{Exercise, grade};

fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/exercises");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        println!("== {}", f.display());
        let ex = match Exercise::parse(&f.display().to_string(), &text) {
            Ok(e) => e,
            Err(e) => {
                println!("{e}");
                continue;
            }
        };
        for p in grade::validate(&ex) {
            println!("  PROBLEM {p}");
        }
        match grade::Key::compute(&ex, seed) {
            Ok(k) => {
                for t in &k.tasks {
                    println!("  {}: {:?} options {:?}", t.id, t.expected, t.options);
                }
            }
            Err(e) => println!("  KEY ERROR {e}"),
        }
    }
}
