//! The subcommands. Each returns the text to print or an error message for stderr.

use crate::{RunLimits, TraceFormat, stream};
use docknet_lab::lab::{LabOptions, lab_script};
use docknet_sim::Sim;
use docknet_sim::format::show as show_fmt;
use docknet_sim::format::show::View;
use docknet_sim::format::tcpdump::CapturePoint;
use docknet_sim::time::SimTime;
use std::io::Write;
use std::path::Path;

/// A scenario file's text and the name diagnostics show: a file given without a directory
/// is shown with its absolute path, so a compose file's directory names its project.
fn read(path: &Path) -> Result<(String, String), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let in_cwd = path.parent().is_none_or(|d| d.as_os_str().is_empty());
    let shown = match std::fs::canonicalize(path) {
        Ok(abs) if in_cwd => abs.display().to_string(),
        _ => path.display().to_string(),
    };
    Ok((shown, text))
}

/// Reads files named relative to the scenario's directory (its compose file, `.env`).
fn beside(path: &Path) -> impl Fn(&str) -> Option<String> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    move |name: &str| std::fs::read_to_string(dir.join(name)).ok()
}

/// Read, validate and build a scenario (kernel-level, Docker-level or a compose file); the
/// error is the full diagnostic text.
pub(crate) fn load(path: &Path) -> Result<(docknet_sim::scenario::Scenario, Sim), String> {
    let (shown, text) = read(path)?;
    docknet_sim::load_with(&shown, &text, &beside(path)).map_err(|e| e.to_string())
}

/// Load a scenario for a run, with the command line's limits over the scenario's.
fn open(path: &Path, limits: &RunLimits) -> Result<Sim, String> {
    let (_, mut sim) = load(path)?;
    apply(&mut sim, limits)?;
    Ok(sim)
}

/// Put the command line's limits over the ones the scenario set.
fn apply(sim: &mut Sim, limits: &RunLimits) -> Result<(), String> {
    let mut l = sim.limits();
    if let Some(n) = limits.max_events {
        if n == 0 {
            return Err("--max-events 0 would stop the run before it starts: give N > 0".into());
        }
        l.max_events = n;
    }
    if let Some(t) = &limits.max_time {
        l.max_time = parse_time(t)?;
        if l.max_time == SimTime::ZERO {
            return Err("--max-time 0 would stop the run before it starts: give e.g. 90s".into());
        }
    }
    sim.set_limits(l);
    Ok(())
}

/// After the output: a run stopped by a limit is an error (exit status 1), its message on
/// stderr naming the file.
fn finished(path: &Path, sim: &Sim) -> Result<(), String> {
    match sim.halted() {
        Some(h) => Err(format!("{}: {}", path.display(), h.message)),
        None => Ok(()),
    }
}

/// What `docknet check` adds for a compose project: what Compose would warn about and the
/// keys accepted but not simulated.
fn compose_notes(path: &Path) -> Vec<String> {
    let Ok((shown, text)) = read(path) else {
        return Vec::new();
    };
    let Ok(Some(docker)) = docknet_sim::load::docker_level(&shown, &text, &beside(path)) else {
        return Vec::new();
    };
    let Ok(compiled) = docknet_sim::docker::compile(&docker) else {
        return Vec::new();
    };
    let Some(c) = compiled.inventory.compose else {
        return Vec::new();
    };
    let mut notes: Vec<String> = c
        .warnings
        .iter()
        .map(|w| format!("  warning: {w}"))
        .collect();
    if !c.not_simulated.is_empty() {
        notes.push(format!(
            "  project {}: accepted but not simulated: {}",
            c.project,
            c.not_simulated.join(", ")
        ));
    }
    notes
}

fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write output: {e}"))
}

fn capture_point(sim: &Sim, at: &str) -> Result<CapturePoint, String> {
    let p = CapturePoint::parse(at)
        .ok_or_else(|| format!("`{at}` is not NS:IFACE (e.g. host:eth1)"))?;
    let ns = sim
        .net
        .ns_by_name(&p.ns)
        .ok_or_else(|| format!("no namespace `{}` in this scenario", p.ns))?;
    sim.net
        .iface_by_name(ns, &p.iface)
        .ok_or_else(|| format!("namespace `{}` has no interface `{}`", p.ns, p.iface))?;
    Ok(p)
}

/// Print the trace as the run produces it (see [`stream`] for what each format keeps).
pub fn trace(
    path: &Path,
    format: TraceFormat,
    at: Option<&str>,
    limits: &RunLimits,
) -> Result<(), String> {
    let mut sim = open(path, limits)?;
    let out = stream::stdout();
    match format {
        TraceFormat::Jsonl => stream::run(&mut sim, &mut stream::Jsonl(out))?,
        TraceFormat::Tcpdump => {
            let point = at.map(|a| capture_point(&sim, a)).transpose()?;
            stream::run(&mut sim, &mut stream::tcpdump(out, point))?
        }
        TraceFormat::Nft => stream::run(&mut sim, &mut stream::nft(out))?,
    }
    finished(path, &sim)
}

pub fn explain(path: &Path, limits: &RunLimits) -> Result<(), String> {
    let mut sim = open(path, limits)?;
    stream::run(&mut sim, &mut stream::Explain::new(stream::stdout()))?;
    finished(path, &sim)
}

/// Parse `1.5s`, `250ms`, `40us`, `100ns` or a bare number of nanoseconds.
pub fn parse_time(t: &str) -> Result<SimTime, String> {
    let bad = || format!("`{t}` is not a time: write e.g. 1.5s, 250ms, 40us or 1000 (ns)");
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1e6)
    } else if let Some(n) = t.strip_suffix("us") {
        (n, 1e3)
    } else if let Some(n) = t.strip_suffix("ns") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1e9)
    } else {
        (t, 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v < 0.0 {
        return Err(bad());
    }
    Ok(SimTime((v * scale).round() as u64))
}

pub fn show(
    path: &Path,
    ns: &str,
    view: &str,
    at_time: Option<&str>,
    limits: &RunLimits,
) -> Result<(), String> {
    let v = View::parse(view).ok_or_else(|| {
        format!(
            "unknown view `{view}`: use one of {}",
            View::NAMES.join(", ")
        )
    })?;
    let mut sim = open(path, limits)?;
    match at_time {
        Some(t) => sim.step_until(parse_time(t)?),
        None => sim.run_to_end(),
    }
    let id = sim.net.ns_by_name(ns).ok_or_else(|| {
        let names: Vec<&str> = sim.net.namespaces().iter().map(|n| n.name()).collect();
        format!(
            "no namespace `{ns}`: this scenario has {}",
            names.join(", ")
        )
    })?;
    print(&show_fmt::view(&sim.net, id, v, sim.now()))?;
    finished(path, &sim)
}

/// Load a scenario with the command line's limits and locate its warnings in the file.
fn warnings(path: &Path, limits: &RunLimits) -> Result<Vec<String>, String> {
    let (shown, text) = read(path)?;
    let (scenario, mut sim) =
        docknet_sim::load_with(&shown, &text, &beside(path)).map_err(|e| e.to_string())?;
    apply(&mut sim, limits)?;
    let src = docknet_sim::scenario::Source::new(&shown, &text);
    Ok(docknet_sim::lint::warnings(&scenario, &sim)
        .iter()
        .map(|p| p.locate(&src).warning().to_string())
        .collect())
}

pub fn check(paths: &[std::path::PathBuf], limits: &RunLimits) -> Result<(), String> {
    let mut failed = Vec::new();
    for p in paths {
        // Exercise files are checked as exercises (every query computes, fixes make sense).
        let is_exercise =
            std::fs::read_to_string(p).is_ok_and(|t| docknet_view::exercise::is_exercise(&t));
        if is_exercise {
            if let Err(e) = crate::exercise::check(std::slice::from_ref(p)) {
                failed.push(e);
            }
            continue;
        }
        match warnings(p, limits) {
            Ok(warnings) => {
                match warnings.len() {
                    0 => println!("{}: ok", p.display()),
                    1 => println!("{}: ok, with 1 warning", p.display()),
                    n => println!("{}: ok, with {n} warnings", p.display()),
                }
                for w in warnings {
                    println!("{w}");
                }
                for note in compose_notes(p) {
                    println!("{note}");
                }
            }
            Err(e) => failed.push(e),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

pub fn pcap(path: &Path, at: &str, output: &Path, limits: &RunLimits) -> Result<(), String> {
    let mut sim = open(path, limits)?;
    let p = capture_point(&sim, at)?;
    let file = std::fs::File::create(output)
        .map_err(|e| format!("{}: cannot create: {e}", output.display()))?;
    let mut sink = stream::Pcap::new(std::io::BufWriter::new(file), p)?;
    stream::run(&mut sim, &mut sink)?;
    eprintln!("wrote {} frames to {}", sink.written, output.display());
    finished(path, &sim)
}

/// Print the `docknet lab` script. Docker-level files work too: `load` compiles them to the
/// kernel level first.
pub fn lab(path: &Path, prefix: Option<String>) -> Result<(), String> {
    if let Some(p) = &prefix {
        LabOptions::check_prefix(p)?;
    }
    let (scenario, _) = load(path)?;
    print(&lab_script(&scenario, &LabOptions { prefix }))
}

pub fn conform(path: &Path) -> Result<(), String> {
    if let Some(why) = crate::conform::lab_unavailable() {
        return Err(format!("cannot compare with the kernel here: {why}"));
    }
    let (scenario, _) = load(path)?;
    let name = path
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().to_string());
    let dir = crate::conform::workdir(&name);
    let report = crate::conform::compare(&scenario, &dir)?;
    for c in &report.compared {
        println!("compared {c}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    if report.mismatches.is_empty() {
        println!("{}: the simulator matches the kernel", path.display());
        Ok(())
    } else {
        Err(report.mismatches.join("\n"))
    }
}

pub fn engine_check(
    path: Option<&Path>,
    prefix: Option<String>,
    probe: bool,
) -> Result<(), String> {
    let prefix = prefix.unwrap_or_else(|| format!("dk{}-", std::process::id()));
    LabOptions::check_prefix(&prefix)?;
    if probe {
        let version = crate::engine::probe(&prefix)
            .map_err(|why| format!("cannot compare with a real dockerd here: {why}"))?;
        println!("dockerd {version} starts here");
        return Ok(());
    }
    if let Some(why) = crate::engine::unavailable() {
        return Err(format!("cannot compare with a real dockerd here: {why}"));
    }
    let Some(path) = path else {
        return Err("give a Docker-level scenario to compare (or --probe)".into());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let report = crate::engine::check(&path.display().to_string(), &text, &prefix)?;
    for c in &report.compared {
        println!("compared {c}");
    }
    if report.mismatches.is_empty() {
        println!("{}: docknet matches the real dockerd", path.display());
        Ok(())
    } else {
        Err(report.mismatches.join("\n"))
    }
}
