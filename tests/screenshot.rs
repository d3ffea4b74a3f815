//! The real app in a window: under Xvfb with Mesa's software Vulkan (lavapipe), each bundled
//! scenario is opened at its most telling moment (`--seek auto`: the first DNAT, else NAT,
//! else a drop), rendered, and saved as a PNG. The default lesson's screenshot (mid-DNAT) is
//! checked region by region: the bridge bar and the rewritten label in the picture, the lit
//! rule in the netfilter panel, text in the event list. The others must not be blank.
//!
//! Needs `xvfb-run` and a Vulkan driver (apt: xvfb mesa-vulkan-drivers); without them each
//! trial is reported as ignored with the reason. `DOCKNET_UPDATE_SCREENSHOTS=1` also copies
//! the lessons' images to docs/screenshots/ for the README (they were then reduced to 128
//! colours to keep the repository small).

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;

const W: usize = 1280;
const H: usize = 720;

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

fn shoot(name: &str, out: &Path) -> Result<(), String> {
    let bin = env!("CARGO_BIN_EXE_docknet-app");
    let output = Command::new("timeout")
        .args([
            "180",
            "xvfb-run",
            "-a",
            "-s",
            &format!("-screen 0 {W}x{H}x24"),
            bin,
            name,
        ])
        .args(["--seek", "auto", "--frames", "60", "--screenshot"])
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

fn check(name: &str, img: &Image) -> Result<(), String> {
    if (img.width, img.height) != (W, H) {
        return Err(format!(
            "{name}: {}x{} instead of {W}x{H}",
            img.width, img.height
        ));
    }
    let colours = img.distinct_colours();
    if colours < 40 {
        return Err(format!("{name}: looks blank ({colours} distinct colours)"));
    }
    if name != "default" {
        return Ok(());
    }
    // The default lesson at its DNAT step. Regions of the 1280x720 window: the event list on
    // the left, the picture in the middle, the netfilter panel on the right.
    let picture = (280, 180, 880, 600);
    let right = (890, 170, W, 600);
    let left = (0, 300, 270, 600);
    let checks = [
        (
            "docker0's bridge bar in the picture",
            img.count(picture, [235, 173, 64], 30),
            300,
        ),
        (
            "the rewritten (green) address on the marker",
            img.count(picture, [115, 242, 115], 60),
            15,
        ),
        (
            "the struck (red) old address on the marker",
            img.count(picture, [242, 102, 102], 60),
            15,
        ),
        (
            "the lit DNAT rule in the netfilter panel",
            img.count(right, [250, 210, 80], 25),
            400,
        ),
        (
            "event rows in the event list",
            img.count(left, [220, 220, 220], 40),
            300,
        ),
    ];
    for (what, n, min) in &checks {
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

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    dir
}

fn main() {
    let args = Arguments::from_args();
    let skip = missing_tools();
    let trials = docknet_app::bundled::SCENARIOS
        .iter()
        .map(|b| {
            let name = b.name;
            let trial = Trial::test(
                format!("screenshot::{name}"),
                move || -> Result<(), Failed> {
                    let file = out_dir().join(format!("{}.png", name.replace('/', "_")));
                    let _ = std::fs::remove_file(&file);
                    shoot(name, &file)?;
                    let img = Image::load(&file)?;
                    check(name, &img)?;
                    let lesson =
                        !name.starts_with("conformance/") && !name.starts_with("exercises/");
                    if lesson && std::env::var_os("DOCKNET_UPDATE_SCREENSHOTS").is_some() {
                        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
                        std::fs::create_dir_all(&docs).map_err(|e| e.to_string())?;
                        std::fs::copy(&file, docs.join(file.file_name().unwrap()))
                            .map_err(|e| e.to_string())?;
                    }
                    Ok(())
                },
            );
            match &skip {
                Some(why) => trial.with_ignored_flag(true).with_kind(why.clone()),
                None => trial,
            }
        })
        .collect();
    if let Some(why) = &skip {
        eprintln!("screenshot tests ignored: {why}");
    }
    libtest_mimic::run(&args, trials).exit();
}
