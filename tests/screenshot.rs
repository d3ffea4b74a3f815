//! The real app in a window: under Xvfb with Mesa's software Vulkan (lavapipe), each bundled
//! scenario is opened at its most telling moment (`--seek auto`: the first DNAT, else NAT,
//! else a drop), rendered at 1280x720 and at 1920x1080, and saved as a PNG. The default
//! lesson is checked region by region at both sizes, with the regions found from the layout
//! and the camera the app reports beside each PNG: at the DNAT step the nat PREROUTING station
//! is lit and the marker sits in it, the rewritten and struck addresses are on its card, the
//! lit rule is in the netfilter panel; at the conntrack step the new entry is in the host's
//! conntrack table. The others must not be blank.
//!
//! Needs `xvfb-run` and a Vulkan driver (apt: xvfb mesa-vulkan-drivers); without them each
//! trial is reported as ignored with the reason. `DOCKNET_UPDATE_SCREENSHOTS=1` also copies
//! the lessons' images to docs/screenshots/ for the README (they were then reduced to 128
//! colours to keep the repository small).

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The window sizes every scenario is shot at.
const SIZES: [(usize, usize); 2] = [(1280, 720), (1920, 1080)];

fn missing_tools() -> Option<String> {
    let has = |cmd: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {cmd}"))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("xvfb-run") {
        return Some("xvfb-run not found (apt-get install xvfb)".into());
    }
    let icds = std::fs::read_dir("/usr/share/vulkan/icd.d")
        .map(|d| d.count())
        .unwrap_or(0);
    if icds == 0 {
        return Some(
            "no Vulkan driver in /usr/share/vulkan/icd.d (apt-get install mesa-vulkan-drivers)"
                .into(),
        );
    }
    None
}

struct Image {
    rgba: Vec<u8>,
    width: usize,
    height: usize,
}

impl Image {
    fn load(path: &Path) -> Result<Image, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let decoder = png::Decoder::new(std::io::BufReader::new(file));
        let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
        let mut buf = vec![0; reader.output_buffer_size().ok_or("image too large")?];
        let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
        let channels = info.color_type.samples();
        let rgba = buf[..info.buffer_size()]
            .chunks(channels)
            .flat_map(|p| [p[0], p[1], p[2], if channels == 4 { p[3] } else { 255 }])
            .collect();
        Ok(Image {
            rgba,
            width: info.width as usize,
            height: info.height as usize,
        })
    }

    /// Pixels within `tol` per channel of `rgb` inside the rectangle.
    fn count(
        &self,
        (x0, y0, x1, y1): (usize, usize, usize, usize),
        rgb: [u8; 3],
        tol: u8,
    ) -> usize {
        let mut n = 0;
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                let p = &self.rgba[(y * self.width + x) * 4..][..3];
                if p.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= tol) {
                    n += 1;
                }
            }
        }
        n
    }

    fn distinct_colours(&self) -> usize {
        let mut set: Vec<[u8; 3]> = self
            .rgba
            .chunks(4)
            .map(|p| [p[0] & 0xf0, p[1] & 0xf0, p[2] & 0xf0])
            .collect();
        set.sort_unstable();
        set.dedup();
        set.len()
    }
}

fn shoot(name: &str, (w, h): (usize, usize), seek: &str, out: &Path) -> Result<(), String> {
    let bin = env!("CARGO_BIN_EXE_docknet-app");
    let output = Command::new("timeout")
        .args([
            "180",
            "xvfb-run",
            "-a",
            "-s",
            &format!("-screen 0 {w}x{h}x24"),
            bin,
            name,
        ])
        .args(["--size", &format!("{w}x{h}")])
        .args(["--seek", seek, "--frames", "60", "--screenshot"])
        .arg(out)
        .env("WGPU_BACKEND", "vulkan")
        .output()
        .map_err(|e| format!("cannot run xvfb-run: {e}"))?;
    if !output.status.success() || !out.exists() {
        return Err(format!(
            "docknet-app {name} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// Where the picture's camera looked (written by the app beside the PNG).
struct View {
    origin: (f32, f32),
    size: (f32, f32),
    scale: f32,
    center: (f32, f32),
}

impl View {
    fn load(png: &Path) -> Result<View, String> {
        let path = png.with_extension("json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let f = |p: &str| v.pointer(p).and_then(|x| x.as_f64()).map(|x| x as f32);
        let get = |p: &str| f(p).ok_or(format!("{}: no {p}", path.display()));
        Ok(View {
            origin: (get("/viewport/0")?, get("/viewport/1")?),
            size: (get("/viewport/2")?, get("/viewport/3")?),
            scale: get("/scale")?,
            center: (get("/center/0")?, get("/center/1")?),
        })
    }

    /// A layout rectangle (y down) in window pixels.
    fn pixels(&self, r: &docknet_view::layout::Rect) -> (usize, usize, usize, usize) {
        let x = |lx: f32| self.origin.0 + self.size.0 / 2.0 + (lx - self.center.0) / self.scale;
        let y = |ly: f32| self.origin.1 + self.size.1 / 2.0 + (ly + self.center.1) / self.scale;
        let c = |v: f32| v.max(0.0) as usize;
        (c(x(r.x)), c(y(r.y)), c(x(r.x + r.w)), c(y(r.y + r.h)))
    }
}

fn default_layout() -> docknet_view::Layout {
    let b = docknet_app::bundled::find("default").unwrap();
    let (_, built) = docknet_view::Document::load(b.name, b.text).unwrap();
    docknet_view::Layout::of_built(&built)
}

fn basic(name: &str, (w, h): (usize, usize), img: &Image) -> Result<(), String> {
    if (img.width, img.height) != (w, h) {
        return Err(format!(
            "{name}: {}x{} instead of {w}x{h}",
            img.width, img.height
        ));
    }
    let colours = img.distinct_colours();
    if colours < 40 {
        return Err(format!("{name}: looks blank ({colours} distinct colours)"));
    }
    Ok(())
}

/// Each check: what, pixels found, at least.
fn report(name: &str, checks: &[(String, usize, usize)]) -> Result<(), String> {
    for (what, n, min) in checks {
        eprintln!("{name}: {what}: {n} pixels (at least {min})");
    }
    let failed: Vec<String> = checks
        .iter()
        .filter(|(_, n, min)| n < min)
        .map(|(what, n, min)| format!("{what}: {n} pixels, expected at least {min}"))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

/// The default lesson at its DNAT step.
fn check_dnat(name: &str, img: &Image, view: &View) -> Result<(), String> {
    use docknet_view::stack::Station;
    let l = default_layout();
    let strip = l
        .ns_box("host")
        .and_then(|b| b.stack.as_ref())
        .ok_or("no host strip")?;
    let pre = view.pixels(&strip.station(Station::Prerouting).rect);
    let area = (pre.2 - pre.0) * (pre.3 - pre.1);
    let picture = (
        view.origin.0 as usize,
        view.origin.1 as usize,
        (view.origin.0 + view.size.0) as usize,
        (view.origin.1 + view.size.1) as usize,
    );
    let right = (picture.2, picture.1, img.width, picture.3);
    let bar = view.pixels(&l.bridge("host", "docker0").ok_or("no docker0")?.rect);
    report(
        name,
        &[
            (
                "nat PREROUTING station lit (amber)".into(),
                img.count(pre, [140, 102, 20], 24),
                area / 4,
            ),
            (
                "the SYN's marker (blue) inside nat PREROUTING".into(),
                img.count(pre, [77, 166, 255], 30),
                40,
            ),
            (
                "docker0's bridge bar".into(),
                img.count(bar, [235, 173, 64], 30),
                (bar.2 - bar.0) * (bar.3 - bar.1) / 2,
            ),
            (
                "the rewritten (green) address on the card".into(),
                img.count(picture, [115, 242, 115], 60),
                15,
            ),
            (
                "the struck (red) old address on the card".into(),
                img.count(picture, [242, 102, 102], 60),
                15,
            ),
            (
                "the lit DNAT rule in the netfilter panel".into(),
                img.count(right, [250, 210, 80], 25),
                300,
            ),
        ],
    )
}

/// The default lesson when the host's conntrack confirms the SYN's entry.
fn check_conntrack(name: &str, img: &Image, view: &View) -> Result<(), String> {
    let l = default_layout();
    let strip = l
        .ns_box("host")
        .and_then(|b| b.stack.as_ref())
        .ok_or("no host strip")?;
    let table = view.pixels(&strip.conntrack);
    report(
        name,
        &[(
            "the new entry (green) in the host's conntrack table".into(),
            img.count(table, [115, 242, 115], 60),
            60,
        )],
    )
}

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    dir
}

fn main() {
    let args = Arguments::from_args();
    let skip = missing_tools();
    let mut trials = Vec::new();
    for &(w, h) in &SIZES {
        for b in docknet_app::bundled::SCENARIOS {
            let name = b.name;
            let shots: &[(&str, &str)] = if name == "default" {
                &[("auto", ""), ("dnat", "-dnat"), ("conntrack", "-conntrack")]
            } else {
                &[("auto", "")]
            };
            for &(seek, suffix) in shots {
                let trial = Trial::test(
                    format!("screenshot::{w}x{h}::{name}{suffix}"),
                    move || -> Result<(), Failed> {
                        let stem = format!("{}{suffix}-{w}x{h}", name.replace('/', "_"));
                        let file = out_dir().join(format!("{stem}.png"));
                        let _ = std::fs::remove_file(&file);
                        shoot(name, (w, h), seek, &file)?;
                        let img = Image::load(&file)?;
                        basic(name, (w, h), &img)?;
                        match seek {
                            "dnat" => check_dnat(name, &img, &View::load(&file)?)?,
                            "conntrack" => check_conntrack(name, &img, &View::load(&file)?)?,
                            _ => {}
                        }
                        let lesson = !name.starts_with("conformance/")
                            && !name.starts_with("exercises/")
                            && suffix.is_empty();
                        if lesson && std::env::var_os("DOCKNET_UPDATE_SCREENSHOTS").is_some() {
                            let docs =
                                Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
                            std::fs::create_dir_all(&docs).map_err(|e| e.to_string())?;
                            std::fs::copy(&file, docs.join(file.file_name().unwrap()))
                                .map_err(|e| e.to_string())?;
                        }
                        Ok(())
                    },
                );
                trials.push(match &skip {
                    Some(why) => trial.with_ignored_flag(true).with_kind(why.clone()),
                    None => trial,
                });
            }
        }
    }
    if let Some(why) = &skip {
        eprintln!("screenshot tests ignored: {why}");
    }
    libtest_mimic::run(&args, trials).exit();
}
