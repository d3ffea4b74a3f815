//! Unattended runs: `--seek` to a moment, `--frames N` then exit, `--screenshot FILE` saved
//! after those frames, `--frame-stats` printing frame times (for the closing note's figures
//! and the screenshot test under Xvfb).

use crate::session::{Session, SessionSet};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use docknet_sim::trace::{CtChange, NatKind, TraceEvent};
use std::path::PathBuf;

#[derive(Resource, Clone, Debug, Default)]
pub struct CaptureOptions {
    /// Where to go before the first frame: `auto`, `dnat`, `nat`, `drop`, `end` or a record count.
    pub seek: Option<String>,
    pub play: bool,
    /// Frames to render before the screenshot / exit (0: run until closed).
    pub frames: u32,
    pub screenshot: Option<PathBuf>,
    pub frame_stats: bool,
    /// The window's size (logical pixels); None opens it at most of the screen.
    pub window: Option<(u32, u32)>,
    /// Start in presentation mode.
    pub presentation: bool,
}

pub struct CapturePlugin(pub CaptureOptions);

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.0.clone())
            .add_systems(Startup, seek)
            .add_systems(Update, count_frames.after(SessionSet::View));
    }
}

/// The record count a `--seek` value names.
pub fn seek_target(session: &mut Session, spec: &str) -> Result<usize, String> {
    let player = &mut session.player;
    player.run_to_end();
    let len = player.len();
    let mut first =
        |f: &dyn Fn(&TraceEvent) -> bool| player.position(|r| f(&r.event)).map(|i| i + 1);
    let found = match spec {
        "end" => Some(len),
        "dnat" => first(&|e| {
            matches!(
                e,
                TraceEvent::Nat {
                    kind: NatKind::Dnat,
                    ..
                }
            )
        }),
        "nat" => first(&|e| matches!(e, TraceEvent::Nat { .. })),
        "drop" => first(&|e| matches!(e, TraceEvent::Drop { .. })),
        "conntrack" => first(&|e| {
            matches!(
                e,
                TraceEvent::Conntrack {
                    change: CtChange::New,
                    ..
                }
            )
        }),
        // The most telling moment: the first DNAT, else any NAT, else a drop, else halfway.
        "auto" => first(&|e| {
            matches!(
                e,
                TraceEvent::Nat {
                    kind: NatKind::Dnat,
                    ..
                }
            )
        })
        .or_else(|| first(&|e| matches!(e, TraceEvent::Nat { .. })))
        .or_else(|| first(&|e| matches!(e, TraceEvent::Drop { .. })))
        .or(Some(len / 2)),
        n => n.parse::<usize>().ok().map(|n| n.min(len)),
    };
    found.ok_or_else(|| {
        format!(
            "--seek {spec}: no such event in this scenario (auto, dnat, nat, drop, conntrack, end or a number)"
        )
    })
}

fn seek(opts: Res<CaptureOptions>, mut session: ResMut<Session>) {
    if let Some(spec) = &opts.seek {
        match seek_target(&mut session, spec) {
            Ok(n) => session.player.seek(n),
            Err(e) => session.error = Some(e),
        }
    }
    if opts.play {
        session.player.toggle_play();
    }
}

#[allow(clippy::too_many_arguments)]
fn count_frames(
    mut commands: Commands,
    opts: Res<CaptureOptions>,
    time: Res<Time<Real>>,
    mut frame: Local<u32>,
    mut deltas: Local<Vec<f32>>,
    mut exit: MessageWriter<AppExit>,
    view: Res<crate::session::ViewState>,
    camera: Single<(&Camera, &Transform, &Projection), With<crate::camera::WorldCamera>>,
) {
    *frame += 1;
    if opts.frame_stats && *frame > 30 {
        deltas.push(time.delta_secs() * 1000.0);
    }
    if opts.frames == 0 || *frame != opts.frames {
        return;
    }
    if opts.frame_stats && !deltas.is_empty() {
        let mut d = deltas.clone();
        d.sort_by(f32::total_cmp);
        let mean = d.iter().sum::<f32>() / d.len() as f32;
        let pct = |p: f32| d[((d.len() - 1) as f32 * p) as usize];
        println!(
            "frame time over {} frames: mean {mean:.1} ms, median {:.1} ms, 95th {:.1} ms, max {:.1} ms; {} packet markers on screen",
            d.len(),
            pct(0.5),
            pct(0.95),
            d[d.len() - 1],
            view.scene.markers.len()
        );
    }
    match &opts.screenshot {
        Some(path) => {
            let path = path.clone();
            // Beside the picture: where the picture's camera looked, so a test can find a
            // layout rectangle's pixels.
            let (cam, tf, proj) = *camera;
            let scale = match proj {
                Projection::Orthographic(o) => o.scale,
                _ => 1.0,
            };
            if let Some(v) = &cam.viewport {
                let json = format!(
                    "{{\"viewport\": [{}, {}, {}, {}], \"scale\": {scale}, \"center\": [{}, {}]}}\n",
                    v.physical_position.x,
                    v.physical_position.y,
                    v.physical_size.x,
                    v.physical_size.y,
                    tf.translation.x,
                    tf.translation.y
                );
                let _ = std::fs::write(path.with_extension("json"), json);
            }
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(path.clone()))
                .observe(
                    move |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                        println!("saved {}", path.display());
                        exit.write(AppExit::Success);
                    },
                );
        }
        None => {
            exit.write(AppExit::Success);
        }
    }
}
