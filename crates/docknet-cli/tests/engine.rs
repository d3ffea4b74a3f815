//! The Docker compiler against a real dockerd: `docknet engine-check` over every command
//! script in `tests/engine/`, one trial per script, and every compose file there brought up
//! with Compose v1 (`docker-compose`). Needs root, Debian's `docker.io` and
//! `busybox-static`, and a dockerd that starts in a namespace; without them every trial is
//! reported as ignored (never as passed) and the reason is printed.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;

fn docknet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_docknet"))
}

/// Why no dockerd can run here, or None when one started and stopped.
fn dockerd_unavailable() -> Option<String> {
    let prefix = format!("dkp{}-", std::process::id());
    match docknet()
        .args(["engine-check", "--probe", "--prefix", &prefix])
        .output()
    {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(String::from_utf8_lossy(&o.stderr).trim().to_string()),
        Err(e) => Some(format!("cannot run docknet: {e}")),
    }
}

/// Why Docker Compose v1 (Debian's `docker-compose`) cannot run here, if it cannot.
fn compose_v1_unavailable() -> Option<String> {
    let found = Command::new("sh")
        .args(["-c", "command -v docker-compose"])
        .output()
        .is_ok_and(|o| o.status.success());
    (!found).then(|| "docker-compose is not installed (apt-get install docker-compose)".into())
}

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    // Command scripts (`.ron`) and compose files (`.yaml`, brought up with Compose v1).
    v.retain(|p| p.extension().is_some_and(|e| e == "ron" || e == "yaml"));
    v.sort();
    v
}

/// Runs per script before it counts as a disagreement: with traffic, the kernel's own timing
/// is not deterministic (whether a neighbour confirmation lands before a DELAY timer fires
/// depends on where the timer wheel rounds that timer), as for `docknet conform`.
const ATTEMPTS: usize = 2;

fn check(script: &Path, n: usize) -> Result<(), Failed> {
    let mut last = Ok(());
    for attempt in 0..ATTEMPTS {
        last = check_once(script, n * ATTEMPTS + attempt);
        if last.is_ok() {
            break;
        }
    }
    last
}

fn check_once(script: &Path, n: usize) -> Result<(), Failed> {
    let prefix = format!("dk{}x{n}-", std::process::id());
    let out = docknet()
        .arg("engine-check")
        .arg(script)
        .args(["--prefix", &prefix])
        .output()
        .map_err(|e| format!("cannot run docknet: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let scripts = scripts();
    assert!(!scripts.is_empty(), "no command scripts in tests/engine/");
    // Probing starts a dockerd: only when some trial will run.
    let wanted = scripts.iter().any(|p| {
        let name = p.file_stem().unwrap_or_default().to_string_lossy();
        args.filter.as_deref().is_none_or(|f| name.contains(f)) && !args.list
    });
    let unavailable = if wanted { dockerd_unavailable() } else { None };
    if let Some(why) = &unavailable {
        eprintln!("engine-check trials ignored: {why}");
    }
    let compose_unavailable = compose_v1_unavailable();
    if let Some(why) = &compose_unavailable {
        eprintln!("compose trials ignored: {why}");
    }
    let trials = scripts
        .into_iter()
        .enumerate()
        .map(|(n, path)| {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let compose = path.extension().is_some_and(|e| e == "yaml");
            let ignored = unavailable.is_some() || (compose && compose_unavailable.is_some());
            Trial::test(name, move || check(&path, n)).with_ignored_flag(ignored)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
