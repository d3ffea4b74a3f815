//! The text entry points run on any input, with the invariants that are cheap to state
//! checked: a panic here is a bug. Shared by the cargo-fuzz targets (`fuzz/`) and the test
//! that replays their committed corpus on stable (`tests/fuzz_regressions.rs`).
//!
//! Each function takes raw bytes (as libFuzzer gives them), reads them as UTF-8 (lossily),
//! and panics only when an invariant fails.

use crate::Sim;
use crate::docker::DockerScenario;
use crate::docker_cli as cli;
use crate::load::docker_level;
use crate::netfilter::{DeleteTarget, IptablesCommand, NetfilterError, Ruleset, rule_line};
use crate::scenario::Problem;
use crate::scenario::{ScenarioError, parse_ron};

/// Events a loaded scenario is stepped through: enough to start every flow, bounded so one
/// input stays well under libFuzzer's timeout.
const STEPS: usize = 2_000;

/// The file names the checks load under (they choose kernel RON, Docker RON or compose).
const RON_FILE: &str = "fuzz.ron";
const COMPOSE_FILE: &str = "compose.yaml";

/// A kernel-level scenario: parsed, printed back to RON and re-parsed to the same value,
/// built and stepped.
pub fn scenario_kernel(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match crate::scenario::parse(RON_FILE, &text) {
        Ok(sc) => {
            assert_reparses(&sc);
            run(Sim::from_scenario(&sc).map_err(|p| problems_ok(&p)).ok());
        }
        Err(e) => diagnostics_ok(&e, RON_FILE, &text),
    }
}

/// A Docker-level scenario (`DockerScenario(...)`, its compose text inline or not): parsed,
/// printed back and re-parsed to the same value, compiled, built and stepped.
pub fn scenario_docker(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_ron::<DockerScenario>(RON_FILE, &text) {
        Ok(docker) => {
            assert_reparses(&docker);
            compile_and_run(&docker);
        }
        Err(e) => diagnostics_ok(&e, RON_FILE, &text),
    }
}

/// A compose file, loaded as `docknet run compose.yaml` does (no `.env`).
pub fn compose(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match docker_level(COMPOSE_FILE, &text, &|_| None) {
        Ok(Some(docker)) => compile_and_run(&docker),
        Ok(None) => panic!("a .yaml file was not taken for a compose file"),
        Err(e) => diagnostics_ok(&e, COMPOSE_FILE, &text),
    }
}

/// iptables text: the whole input as an `iptables-save` file (its save re-parses to the same
/// save), and each line as one `iptables` command (a parsed rule, printed, re-parses to the
/// same rule; the ruleset they are applied to stays printable and re-parsable).
pub fn iptables(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut rs = match Ruleset::parse(&text) {
        Ok(rs) => {
            assert_save_round_trips(&rs);
            rs
        }
        Err(e) => {
            netfilter_error_ok(&e, text.lines().count());
            Ruleset::default()
        }
    };
    let mut applied = false;
    for line in text.lines() {
        match IptablesCommand::parse(line) {
            Ok(cmd) => {
                assert_rule_reprints(&cmd);
                applied |= cmd.apply(&mut rs).is_ok();
            }
            Err(e) => netfilter_error_ok(&e, 1),
        }
    }
    if applied {
        assert_save_round_trips(&rs);
    }
}

/// Docker command lines: each parsed (errors point inside the line), then all of them run by
/// the simulated engine as a scenario's `commands`, built and stepped.
pub fn docker_cli(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let commands: Vec<String> = text.lines().map(str::to_string).collect();
    for line in &commands {
        if let Err(e) = cli::parse_command(line) {
            let end = line.chars().count() + 1;
            assert!(
                (1..=end).contains(&e.column),
                "column {} outside 1..={end}: {e:?}",
                e.column
            );
            assert!(!e.message.is_empty(), "an empty message: {e:?}");
        }
    }
    compile_and_run(&DockerScenario {
        commands,
        ..DockerScenario::default()
    });
}

fn compile_and_run(docker: &DockerScenario) {
    match crate::docker::compile(docker) {
        Ok(compiled) => run(Sim::from_scenario(&compiled.scenario)
            .map_err(|p| problems_ok(&p))
            .ok()),
        Err(p) => problems_ok(&p),
    }
}

fn run(sim: Option<Sim>) {
    let Some(mut sim) = sim else { return };
    for _ in 0..STEPS {
        if sim.is_finished() {
            break;
        }
        sim.step();
    }
}

/// A value printed as RON parses back to itself.
fn assert_reparses<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let printed = ron::to_string(value).expect("a parsed scenario prints as RON");
    let back: T = parse_ron(RON_FILE, &printed)
        .unwrap_or_else(|e| panic!("printed RON does not re-parse: {e}\n{printed}"));
    assert_eq!(
        &back, value,
        "printed RON re-parses to another value:\n{printed}"
    );
}

fn assert_save_round_trips(rs: &Ruleset) {
    let save = rs.iptables_save();
    let back = Ruleset::parse(&save)
        .unwrap_or_else(|e| panic!("iptables-save output does not re-parse: {e}\n{save}"));
    assert_eq!(
        back.iptables_save(),
        save,
        "iptables-save is not a fixed point"
    );
}

/// The rule of an `-A`/`-I`/`-D` command, printed as iptables-save does, parses back to it.
fn assert_rule_reprints(cmd: &IptablesCommand) {
    let (table, chain, rule) = match cmd {
        IptablesCommand::Append { table, chain, rule }
        | IptablesCommand::Insert {
            table, chain, rule, ..
        }
        | IptablesCommand::Delete {
            table,
            chain,
            target: DeleteTarget::Rule(rule),
        } => (table, chain, rule),
        _ => return,
    };
    let line = format!("-t {table} {}", rule_line(chain, rule));
    match IptablesCommand::parse(&line) {
        Ok(IptablesCommand::Append { rule: back, .. }) => {
            assert_eq!(&back, rule, "`{line}` re-parses to another rule");
        }
        other => panic!("`{line}` (printed from {cmd:?}) re-parses as {other:?}"),
    }
}

fn netfilter_error_ok(e: &NetfilterError, lines: usize) {
    assert!(
        e.line() >= 1 && e.line() <= lines.max(1) + 1,
        "line {} outside the input's {lines} lines: {e:?}",
        e.line()
    );
    assert!(!e.message().is_empty(), "an empty message: {e:?}");
}

fn diagnostics_ok(e: &ScenarioError, file: &str, text: &str) {
    assert!(!e.diagnostics.is_empty(), "an error without a diagnostic");
    // A lone `\r` ends a line in YAML (and in most editors), not for `str::lines`.
    let lines = text.replace("\r\n", "\n").matches(['\n', '\r']).count() + 1;
    for d in &e.diagnostics {
        assert!(d.line >= 1 && d.column >= 1, "unlocated: {d}");
        if d.file == file {
            assert!(d.line <= lines, "line past the end ({lines} lines): {d}");
        }
        assert!(!d.message.is_empty(), "an empty message at {d}");
    }
}

fn problems_ok(problems: &[Problem]) {
    assert!(!problems.is_empty(), "refused without a problem");
    for p in problems {
        assert!(!p.message.is_empty(), "a problem without a message: {p:?}");
    }
}
