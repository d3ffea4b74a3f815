//! The browser build, end to end: `web/build.sh` builds the site (wasm32, wasm-bindgen,
//! wasm-opt), then `web/test.mjs` serves it on 127.0.0.1 and drives headless Chromium through
//! it (first frame, clean console, play advances the event index, `?scenario=` and `#s=` links).
//! Screenshots land in the target directory's `tmp/browser/`.
//!
//! Needs `chromium`, `node`/`npm` (apt) and network access to crates.io and npm the first time
//! (build.sh installs wasm-bindgen-cli and binaryen); without chromium or node the trial is
//! reported as ignored with the reason. The nested build uses its own target directory, since
//! `cargo test` holds the outer one.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;

fn has(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

fn missing_tools() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} not found (apt-get install chromium)"));
    }
    ["node", "npm", "rustup"]
        .into_iter()
        .find(|t| !has(t))
        .map(|t| format!("{t} not found"))
}

fn run(cmd: &mut Command, what: &str) -> Result<String, Failed> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(stdout)
}

fn browser_test() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let target = tmp.parent().unwrap_or(&tmp).join("web-build");
    let built = run(
        Command::new("bash")
            .arg(root.join("web/build.sh"))
            .env("CARGO_TARGET_DIR", &target),
        "web/build.sh",
    )?;
    eprintln!("{}", built.lines().last().unwrap_or_default());
    let shots = tmp.join("browser");
    let report = run(
        Command::new("node")
            .arg(root.join("web/test.mjs"))
            .arg(&shots),
        "web/test.mjs",
    )?;
    eprintln!("browser: {}", report.trim());
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let trial = Trial::test("browser::site_in_headless_chromium", browser_test);
    let trial = match missing_tools() {
        Some(why) => {
            eprintln!("browser test ignored: {why}");
            trial.with_ignored_flag(true).with_kind(why)
        }
        None => trial,
    };
    libtest_mimic::run(&args, vec![trial]).exit();
}
