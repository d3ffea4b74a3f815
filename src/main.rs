//! `docknet-app [SCENARIO] [--seek WHERE] [--play] [--frames N] [--screenshot FILE.png]
//! [--frame-stats] [--stress N] [--size WxH] [--present]`: opens `scenarios/default.ron`
//! (bundled) unless told otherwise; `--stress N` opens a generated scenario with N namespaces
//! and a few hundred packets in flight; `--size` fixes the window's size (else it opens at
//! most of the screen); `--present` starts in presentation mode.

// The browser build takes its scenario from the address, not from arguments.
#![cfg_attr(target_arch = "wasm32", allow(dead_code, unused_imports))]

use docknet_app::Scenario;
use docknet_app::capture::CaptureOptions;

const USAGE: &str = "usage: docknet-app [SCENARIO.ron | compose.yaml | bundled-name] [--seek auto|dnat|nat|drop|conntrack|end|N] [--play] [--frames N] [--screenshot FILE.png] [--frame-stats] [--stress N] [--size WxH] [--present]";

fn parse(args: &[String]) -> Result<(Scenario, CaptureOptions), String> {
    let mut opts = CaptureOptions::default();
    let mut scenario = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or(format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--seek" => opts.seek = Some(value("--seek")?),
            "--play" => opts.play = true,
            "--frames" => {
                opts.frames = value("--frames")?
                    .parse()
                    .map_err(|_| format!("--frames needs a number\n{USAGE}"))?
            }
            "--screenshot" => opts.screenshot = Some(value("--screenshot")?.into()),
            "--frame-stats" => opts.frame_stats = true,
            "--present" => opts.presentation = true,
            "--size" => {
                let v = value("--size")?;
                let parsed = v
                    .split_once('x')
                    .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
                    .filter(|&(w, h): &(u32, u32)| {
                        (320..=8192).contains(&w) && (240..=8192).contains(&h)
                    });
                opts.window = Some(parsed.ok_or(format!(
                    "--size {v}: give the window's width and height in pixels, like 1280x720\n{USAGE}"
                ))?);
            }
            "--stress" => {
                let n: usize = value("--stress")?
                    .parse()
                    .map_err(|_| format!("--stress needs a namespace count\n{USAGE}"))?;
                scenario = Some(format!("stress:{n}"));
            }
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            s => scenario = Some(s.to_string()),
        }
    }
    if opts.screenshot.is_some() && opts.frames == 0 {
        opts.frames = 30;
    }
    let scenario = Scenario::resolve(scenario.as_deref().unwrap_or(docknet_app::bundled::DEFAULT))?;
    Ok((scenario, opts))
}

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    let (scenario, problem) = docknet_app::web::initial_scenario();
    let mut app = docknet_app::app(&scenario, CaptureOptions::default());
    app.add_plugins(docknet_app::web::WebPlugin { problem });
    app.run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok((scenario, opts)) => {
            docknet_app::app(&scenario, opts).run();
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
