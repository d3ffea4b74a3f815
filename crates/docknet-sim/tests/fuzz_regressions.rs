//! What the fuzzers (`fuzz/`) found, and their committed corpus, replayed through the same
//! checks (`docknet_sim::fuzzing`) on stable, so `cargo test -p docknet-sim` covers them
//! without cargo-fuzz. Crash reproducers live in `tests/fuzz-regressions/<target>/`.

use docknet_sim::fuzzing;
use docknet_sim::netfilter::{IptablesCommand, NetfilterError};
use std::panic::catch_unwind;
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Every file of the target's corpus and regressions through `check`; the files that panic
/// are named in the failure. The corpus must be there: an empty replay checks nothing.
fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = files(&root.join("../../fuzz/corpus").join(target));
    assert!(!corpus.is_empty(), "fuzz/corpus/{target} is empty");
    let regressions = root.join("tests/fuzz-regressions").join(target);
    let mut all = corpus;
    if regressions.is_dir() {
        all.extend(files(&regressions));
    }
    let failed: Vec<String> = all
        .iter()
        .filter(|p| {
            let data = std::fs::read(p).unwrap();
            catch_unwind(|| check(&data)).is_err()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} inputs panicked:\n{}",
        failed.len(),
        all.len(),
        failed.join("\n")
    );
}

#[test]
fn scenario_kernel_corpus() {
    replay("scenario_kernel", fuzzing::scenario_kernel);
}

#[test]
fn scenario_docker_corpus() {
    replay("scenario_docker", fuzzing::scenario_docker);
}

#[test]
fn compose_corpus() {
    replay("compose", fuzzing::compose);
}

#[test]
fn iptables_corpus() {
    replay("iptables", fuzzing::iptables);
}

#[test]
fn docker_cli_corpus() {
    replay("docker_cli", fuzzing::docker_cli);
}

/// `-A ""` parsed to a rule in a chain named "" that printed as `-A ` and did not re-parse; a
/// chain or target name with a `"` or a Unicode space printed bare and did not read back.
#[test]
fn iptables_chain_names_are_checked_for_every_command() {
    for (line, column, message) in [
        ("-A \"\" -j ACCEPT", 4, "a chain name cannot be empty"),
        ("-I \"my chain\"", 4, "chain names cannot contain spaces"),
        (
            "-t nat -F -x",
            11,
            "chain names do not start with `-` or `!`",
        ),
        ("-P \"\" DROP", 4, "a chain name cannot be empty"),
        (
            "-A \"\\\"\"",
            4,
            "chain names cannot contain a double quote",
        ),
        (
            "-A INPUT -j \"\\\\hi\\\"\"",
            13,
            "invalid target name: chain names cannot contain a double quote",
        ),
        ("-N \"a\u{3000}b\"", 4, "chain names cannot contain spaces"),
    ] {
        match IptablesCommand::parse(line) {
            Err(NetfilterError::InvalidValue(site)) => {
                assert_eq!(
                    (site.column, site.message.as_str()),
                    (column, message),
                    "{line}"
                );
            }
            other => panic!("{line}: {other:?}"),
        }
    }
}

/// An error, or a node, at the end of a compose file without a final line break was placed on
/// a line past the last one (saphyr's end-of-input marker); it is now at the end of the file.
#[test]
fn compose_errors_at_the_end_stay_in_the_file() {
    for (text, at) in [
        ("services:\n  web:\n    image: nginx\nfo", (4, 3)),
        // `?` (an explicit key) with no key: the empty key was placed on line 3.
        ("?\r#", (2, 2)),
    ] {
        let e = docknet_sim::load::docker_level("compose.yaml", text, &|_| None).unwrap_err();
        let d = &e.diagnostics[0];
        assert_eq!((d.line, d.column), at, "{text:?}: {d}");
    }
}

/// `-p 1001-31000:1001-31000` publishes 30000 ports (and `-P` with `--expose` a range as
/// many): every binding was checked against every port published before it, and every rule
/// against its whole chain, so this took minutes.
/// Linear now; the bound is loose (a debug build on a busy machine), the old cost was not.
#[test]
fn publishing_thousands_of_ports_is_fast() {
    let started = std::time::Instant::now();
    let docker = docknet_sim::docker::DockerScenario {
        commands: vec!["docker run -d --name many -p 1001-31000:1001-31000 nginx".into()],
        ..Default::default()
    };
    let compiled = docknet_sim::docker::compile(&docker).unwrap();
    let dnat: usize = (compiled.scenario.namespaces.iter())
        .map(|ns| ns.iptables.matches("-j DNAT").count())
        .sum();
    assert_eq!(dnat, 30_000);
    let took = started.elapsed();
    assert!(took.as_secs() < 5, "30000 published ports took {took:?}");
}

/// An interface name with a `"` printed bare (`-i "`) and did not read back.
#[test]
fn iptables_interface_names_with_a_quote_are_refused() {
    match IptablesCommand::parse("-A INPUT -i \"a\\\"b\" -j DROP") {
        Err(NetfilterError::InvalidValue(site)) => {
            assert_eq!(site.column, 13);
            assert!(site.message.contains("double quote"), "{}", site.message);
        }
        other => panic!("{other:?}"),
    }
}
