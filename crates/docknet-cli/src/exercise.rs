//! `docknet grade` and `docknet exercise new|check|key`: the teacher's side of exercises.

use docknet_sim::docker::DockerScenario;
use docknet_view::exercise::grade::{self, Expected, Key, ResultFile};
use docknet_view::exercise::{self, Exercise, Task};
use std::fmt::Write as _;
use std::path::Path;

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn open(path: &Path) -> Result<(String, Exercise), String> {
    let text = read(path)?;
    let ex = Exercise::parse(&path.display().to_string(), &text).map_err(|e| e.to_string())?;
    Ok((text, ex))
}

/// One row per result file: the recomputed score per task, or why the file was rejected.
pub fn grade(
    exercise: &Path,
    answers: &[std::path::PathBuf],
    csv: Option<&Path>,
) -> Result<(), String> {
    let (text, ex) = open(exercise)?;
    let ids: Vec<&str> = ex.tasks.iter().map(Task::id).collect();
    let max: u32 = ex.tasks.iter().map(Task::points).sum();
    let mut rows: Vec<Vec<String>> = vec![
        ["learner", "seed"]
            .into_iter()
            .chain(ids.iter().copied())
            .chain(["total", "status"])
            .map(String::from)
            .collect(),
    ];
    let mut rejected = 0;
    for file in answers {
        let row = match read(file).and_then(|t| ResultFile::from_json(&t)) {
            Ok(r) => match grade::verify(&ex, &text, &r) {
                Ok(scores) => {
                    let mut row = vec![r.learner.clone(), r.seed.to_string()];
                    row.extend(
                        ids.iter()
                            .map(|id| scores.get(*id).copied().unwrap_or(0).to_string()),
                    );
                    row.push(format!("{}/{max}", scores.values().sum::<u32>()));
                    row.push("ok".into());
                    row
                }
                Err(e) => {
                    rejected += 1;
                    let mut row = vec![r.learner.clone(), r.seed.to_string()];
                    row.extend(ids.iter().map(|_| "-".to_string()));
                    row.push("-".into());
                    row.push(format!("REJECTED: {e}"));
                    row
                }
            },
            Err(e) => {
                rejected += 1;
                let mut row = vec![file.display().to_string(), "-".into()];
                row.extend(ids.iter().map(|_| "-".to_string()));
                row.push("-".into());
                row.push(format!("REJECTED: {e}"));
                row
            }
        };
        rows.push(row);
    }
    print!("{}", docknet_view::columns::aligned(&rows, "  "));
    if let Some(path) = csv {
        let body: String = rows
            .iter()
            .map(|r| r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",") + "\n")
            .collect();
        std::fs::write(path, body).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if rejected > 0 {
        Err(format!(
            "{rejected} of {} result file(s) rejected",
            answers.len()
        ))
    } else {
        Ok(())
    }
}

fn csv_cell(c: &str) -> String {
    if c.contains([',', '"', '\n']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_string()
    }
}

/// A new exercise around a Docker-level scenario: a predict task on its first flow's SYN-ACK,
/// a multiple-choice one on the SYN's destination, and its path to order.
pub fn new(scenario: &Path) -> Result<(), String> {
    let text = read(scenario)?;
    if !docknet_sim::scenario::is_docker_level(&text) {
        return Err(format!(
            "{}: exercises are built on Docker-level scenarios (DockerScenario(...))",
            scenario.display()
        ));
    }
    let sc: DockerScenario =
        docknet_sim::scenario::parse_ron(&scenario.display().to_string(), &text)
            .map_err(|e| e.to_string())?;
    let flow = sc
        .traffic
        .first()
        .ok_or("the scenario has no traffic to ask about")?;
    let from = flow.from().to_string();
    let target = sc
        .observe
        .iter()
        .find(|o| !o.starts_with(&format!("{from}:")))
        .or(sc.observe.first())
        .cloned()
        .ok_or("the scenario has no observe points: add the capture points to ask about")?;
    let source = sc
        .observe
        .iter()
        .find(|o| o.starts_with(&format!("{from}:")))
        .cloned()
        .unwrap_or_else(|| format!("{from}:eth0"));
    let body = ron::ser::to_string_pretty(&sc, ron::ser::PrettyConfig::default())
        .map_err(|e| e.to_string())?;
    let vary = vary_for_port(flow.to());
    let out = format!(
        r#"// A new exercise built on {file}: edit the questions, add hints and feedback, then
// `docknet exercise check` it. Answers are computed by the simulator for each learner.
Exercise(
    title: "{title}",
    intro: "{intro}",
    vary: [{vary}],
    scenario: {body},
    tasks: [
        Predict((
            id: "synack-source",
            points: 2,
            question: "What source address:port does {from} see on the SYN-ACK?",
            query: Field(at: "{source}", packet: (proto: "tcp", flags: Some("S."), dir: Some("in")), field: "src"),
            hints: ["Step to the SYN-ACK and look at the inspector."],
            hint_cost: 1,
        )),
        Predict((
            id: "syn-destination",
            points: 1,
            question: "Which destination address:port does the SYN carry at {target}?",
            query: Field(at: "{target}", packet: (proto: "tcp", flags: Some("S")), field: "dst"),
            multiple_choice: true,
        )),
        Explain((
            id: "syn-path",
            points: 2,
            question: "Put the SYN's steps in order.",
            packet: (at: "{source}", packet: (proto: "tcp", flags: Some("S"), dir: Some("out"))),
        )),
    ],
)
"#,
        file = scenario.display(),
        title = sc.title.replace('"', "'"),
        intro = sc.description.replace('"', "'"),
    );
    let ex = Exercise::parse("new exercise", &out)
        .map_err(|e| format!("the scaffold does not parse: {e}"))?;
    print!("{out}");
    for p in grade::validate(&ex) {
        eprintln!("warning: {p}");
    }
    Ok(())
}

/// A `vary` on the first flow's destination port (`10.12.91.17:8080` varies `8080`), so
/// neighbours' answers differ from the start; empty when the flow names no port.
fn vary_for_port(to: &str) -> String {
    let Some(port) = to.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok()) else {
        return String::new();
    };
    let others = [
        port.checked_add(1),
        port.checked_add(1000).or(port.checked_sub(1000)),
    ];
    let choices: Vec<String> = std::iter::once(Some(port))
        .chain(others)
        .flatten()
        .map(|p| format!("\"{p}\""))
        .collect();
    format!("(token: \"{port}\", choices: [{}])", choices.join(", "))
}

pub fn check(paths: &[std::path::PathBuf]) -> Result<(), String> {
    let mut bad = 0;
    for p in paths {
        match open(p) {
            Ok((_, ex)) => {
                let problems = grade::validate(&ex);
                if problems.is_empty() {
                    println!("{}: ok ({} tasks)", p.display(), ex.tasks.len());
                }
                for pr in problems {
                    bad += 1;
                    println!("{}: error: {pr}", p.display());
                }
            }
            Err(e) => {
                bad += 1;
                println!("{e}");
            }
        }
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(format!("{bad} problem(s)"))
    }
}

pub fn key(path: &Path, learner: Option<&str>, seed: Option<u64>) -> Result<(), String> {
    let (_, ex) = open(path)?;
    let seed = seed.or(learner.map(exercise::seed_for)).unwrap_or(0);
    let key = Key::compute(&ex, seed)?;
    let mut out = format!("seed {seed}");
    for (token, to) in &key.variant.choices {
        let _ = write!(out, ", {token} -> {to}");
    }
    out.push('\n');
    for t in &key.tasks {
        let answer = match &t.expected {
            Expected::Text(s) => s.clone(),
            Expected::Goal(g) => format!("(fix) {}", g.describe()),
            Expected::Order(o) => o
                .iter()
                .enumerate()
                .map(|(i, s)| format!("\n    {}. {s}", i + 1))
                .collect(),
        };
        let _ = writeln!(out, "{} ({} pt): {answer}", t.id, t.points);
    }
    print!("{out}");
    Ok(())
}
