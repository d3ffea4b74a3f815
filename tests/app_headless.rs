//! The app without a window: the session, the picture and the markers under MinimalPlugins.
//! Loads the default lesson, moves the cursor with the same commands the UI sends, and checks
//! the entities (boxes, the marker and its label) and the view state (the lit rule).

use bevy::prelude::*;
use docknet_app::capture::seek_target;
use docknet_app::packets::PacketMarker;
use docknet_app::session::{Session, UiCommand, ViewState};
use docknet_app::topology::NsBoxEntity;
use docknet_app::{Scenario, core_plugins};

fn app(name: &str) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    core_plugins(&mut app, &Scenario::resolve(name).unwrap());
    app.update();
    app
}

fn send(app: &mut App, c: UiCommand) {
    app.world_mut().write_message(c);
    app.update();
}

fn markers(app: &mut App) -> Vec<(u64, String, Vec3)> {
    let mut q = app.world_mut().query::<(&PacketMarker, &Transform)>();
    let mut v: Vec<_> = q
        .iter(app.world())
        .map(|(m, t)| (m.pkt, m.label.clone(), t.translation))
        .collect();
    v.sort_by_key(|m| m.0);
    v
}

fn lit_rule(app: &App) -> Option<String> {
    let view = app.world().resource::<ViewState>();
    view.netfilter
        .as_ref()?
        .rules
        .iter()
        .find(|r| r.matched)
        .map(|r| r.text.clone())
}

fn boxes(app: &mut App) -> Vec<String> {
    let mut q = app.world_mut().query::<&NsBoxEntity>();
    let mut names: Vec<String> = q.iter(app.world()).map(|b| b.ns.clone()).collect();
    names.sort();
    names
}

#[test]
fn every_namespace_gets_a_box() {
    let mut app = app("default");
    assert_eq!(boxes(&mut app), ["host", "laptop", "web"]);
}

#[test]
fn at_the_dnat_the_marker_label_rewrites_and_the_rule_is_lit_and_back_restores_it() {
    let mut app = app("default");
    let dnat = seek_target(&mut app.world_mut().resource_mut::<Session>(), "dnat").unwrap();
    send(&mut app, UiCommand::Seek(dnat));
    let at_dnat = markers(&mut app);
    assert_eq!(at_dnat.len(), 1, "{at_dnat:?}");
    assert_eq!(
        at_dnat[0].1,
        "10.12.91.1:40000 -> ~10.12.91.17:8080~ 172.17.0.2:80  TCP [S]"
    );
    let rule = lit_rule(&app).expect("a rule is lit at the DNAT step");
    assert!(
        rule.contains("-j DNAT --to-destination 172.17.0.2:80"),
        "{rule}"
    );

    // Step until the SYN is on the veth to web: its marker sits on that cable, between the
    // bridge port and web's eth0.
    let (eth0, bar_y) = {
        let s = app.world().resource::<Session>();
        let l = &s.layout;
        (
            l.port("web", "eth0").unwrap().pos,
            l.bridge("host", "docker0").unwrap().rect.y,
        )
    };
    let mut steps = 0;
    let syn_on_veth = loop {
        send(&mut app, UiCommand::StepForward);
        steps += 1;
        assert!(steps < 200, "the SYN never reached the veth");
        if let Some(m) = markers(&mut app)
            .into_iter()
            .find(|m| m.1.contains("TCP [S]"))
        {
            let p = m.2;
            if (p.x - eth0[0]).abs() < 1.0 && -p.y > bar_y && -p.y < eth0[1] {
                break m;
            }
        }
    };
    assert!(
        syn_on_veth.1.contains("~10.12.91.17:8080~ 172.17.0.2:80"),
        "{}",
        syn_on_veth.1
    );

    // Back to the DNAT step: the same marker, label and lit rule as going forward.
    for _ in 0..steps {
        send(&mut app, UiCommand::StepBack);
    }
    assert_eq!(app.world().resource::<Session>().player.cursor(), dnat);
    assert_eq!(markers(&mut app), at_dnat);
    assert_eq!(lit_rule(&app), Some(rule));
}

#[test]
fn console_docker_run_adds_a_box_and_a_failing_one_reports() {
    let mut app = app("default");
    send(
        &mut app,
        UiCommand::Console {
            ns: "host".into(),
            line: "docker run -d --name cache redis".into(),
        },
    );
    app.update();
    assert!(boxes(&mut app).contains(&"cache".to_string()));
    send(
        &mut app,
        UiCommand::Console {
            ns: "host".into(),
            line: "docker network connect nosuch cache".into(),
        },
    );
    let s = app.world().resource::<Session>();
    let (_, _, out) = s.console.last().unwrap();
    assert!(out.contains("nosuch"), "{out}");
    assert!(s.doc.edited);
}

#[test]
fn switching_web_to_host_mode_draws_it_inside_the_host() {
    let mut app = app("default");
    send(
        &mut app,
        UiCommand::SetMode {
            container: "web".into(),
            mode: "host".into(),
        },
    );
    app.update();
    let s = app.world().resource::<Session>();
    assert!(s.error.is_none(), "{:?}", s.error);
    assert!(!boxes(&mut app).contains(&"web".to_string()));
    let s = app.world().resource::<Session>();
    let host = s.layout.ns_box("host").unwrap();
    assert!(
        host.notes
            .iter()
            .any(|n| n.contains("web (--network host)")),
        "{:?}",
        host.notes
    );
}

#[test]
fn playing_with_a_nat_breakpoint_stops_there() {
    let mut app = app("default");
    {
        let mut s = app.world_mut().resource_mut::<Session>();
        s.player.breakpoints.nat = true;
        s.player.speed = 6;
    }
    send(&mut app, UiCommand::TogglePlay);
    // MinimalPlugins' clock follows real time: give it frames.
    for _ in 0..2000 {
        app.update();
        if !app.world().resource::<Session>().player.playing {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let s = app.world().resource::<Session>();
    assert!(!s.player.playing);
    assert!(
        s.player
            .stopped_by
            .as_deref()
            .is_some_and(|w| w.starts_with("NAT in host")),
        "{:?}",
        s.player.stopped_by
    );
}

#[test]
fn an_exercise_is_answered_in_the_app_and_handed_in() {
    use docknet_view::exercise::grade::{self, Answer, Expected};
    let mut app = app("exercises/publish-fix");
    send(&mut app, UiCommand::Learner("Ada".into()));
    let (port, flags) = {
        let s = app.world().resource::<Session>();
        let a = s.attempt.as_ref().expect("an exercise is open");
        assert_eq!(a.learner, "Ada");
        let Expected::Text(flags) = &a.key.task("host-answer-to-syn").unwrap().expected else {
            unreachable!()
        };
        (a.key.variant.choices[0].1.clone(), flags.clone())
    };
    send(
        &mut app,
        UiCommand::Answer {
            id: "host-answer-to-syn".into(),
            answer: Answer::Text(flags),
        },
    );
    // The fix is made in the console, as a learner would: the container cannot gain a
    // published port, so it is removed and run again with one.
    for line in [
        "docker rm -f web".to_string(),
        format!("docker run -d --name web -p {port}:80 nginx"),
    ] {
        send(
            &mut app,
            UiCommand::Console {
                ns: "host".into(),
                line,
            },
        );
    }
    let commands = app
        .world()
        .resource::<Session>()
        .attempt
        .as_ref()
        .unwrap()
        .commands
        .clone();
    assert_eq!(commands.len(), 2, "{commands:?}");
    send(
        &mut app,
        UiCommand::Answer {
            id: "publish-nginx".into(),
            answer: Answer::Commands(commands),
        },
    );
    let dir = std::env::temp_dir().join(format!("docknet-results-{}", std::process::id()));
    // SAFETY: set before the app writes and read by this test's thread only.
    unsafe { std::env::set_var("DOCKNET_RESULTS_DIR", &dir) };
    send(&mut app, UiCommand::Submit);
    let s = app.world().resource::<Session>();
    let a = s.attempt.as_ref().unwrap();
    assert_eq!(a.score(), (4, 4));
    assert!(
        s.notice
            .as_deref()
            .is_some_and(|n| n.contains("ada-publish-fix.json")),
        "{:?}",
        s.notice
    );
    let json = std::fs::read_to_string(dir.join("ada-publish-fix.json")).unwrap();
    let r = grade::ResultFile::from_json(&json).unwrap();
    let text = docknet_app::bundled::find("exercises/publish-fix")
        .unwrap()
        .text;
    let ex = docknet_view::exercise::Exercise::parse("publish-fix.ron", text).unwrap();
    assert_eq!(
        grade::verify(&ex, text, &r).unwrap().values().sum::<u32>(),
        4
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_flooded_frame_is_drawn_on_every_cable_it_crosses() {
    let mut app = app("kernel/bridge-three");
    let mut seen = false;
    for _ in 0..200 {
        send(&mut app, UiCommand::StepForward);
        let ms = markers(&mut app);
        let mut by_pkt: std::collections::BTreeMap<u64, Vec<Vec3>> = Default::default();
        for (pkt, _, pos) in ms {
            by_pkt.entry(pkt).or_default().push(pos);
        }
        if let Some(copies) = by_pkt.values().find(|v| v.len() > 1) {
            assert!(
                copies.windows(2).all(|w| w[0] != w[1]),
                "copies at one place: {copies:?}"
            );
            seen = true;
            break;
        }
    }
    assert!(seen, "the ARP broadcast is flooded to two ports");
}

/// The station the SYN's marker entity sits at, by position (None off the stations).
fn station_at(app: &App, pos: Vec3) -> Option<docknet_view::stack::Station> {
    let s = app.world().resource::<Session>();
    let strip = s.layout.ns_box("host")?.stack.as_ref()?;
    strip.stations.iter().find_map(|b| {
        let p = [pos.x, -pos.y];
        b.rect.contains(p).then_some(b.station)
    })
}

#[test]
fn the_syn_marker_visits_the_hosts_stations_in_order_and_back_reverses_them() {
    use docknet_view::stack::Station;
    let mut app = app("default");
    let syn_pos = |app: &mut App| {
        markers(app)
            .into_iter()
            .find(|m| m.1.contains("TCP [S]") && !m.1.contains("[S.]"))
            .map(|m| m.2)
    };
    let mut visited: Vec<(usize, Option<Station>, Vec3)> = Vec::new();
    for _ in 0..120 {
        send(&mut app, UiCommand::StepForward);
        if let Some(p) = syn_pos(&mut app) {
            let at = station_at(&app, p);
            if visited.last().is_none_or(|(_, s, q)| *s != at || *q != p) {
                let cursor = app.world().resource::<Session>().player.cursor();
                visited.push((cursor, at, p));
            }
        }
    }
    let order: Vec<Station> =
        visited
            .iter()
            .filter_map(|(_, s, _)| *s)
            .fold(Vec::new(), |mut v, s| {
                if v.last() != Some(&s) {
                    v.push(s);
                }
                v
            });
    assert_eq!(
        order,
        [
            Station::Prerouting,
            Station::Routing,
            Station::Forward,
            Station::Postrouting
        ]
    );
    // After POSTROUTING the marker is on docker0's bar.
    let bar = app
        .world()
        .resource::<Session>()
        .layout
        .bridge("host", "docker0")
        .unwrap()
        .rect;
    let post = visited
        .iter()
        .position(|(_, s, _)| *s == Some(Station::Postrouting))
        .unwrap();
    assert!(
        visited[post..]
            .iter()
            .any(|(_, _, p)| (-p.y - bar.center()[1]).abs() < 1.0),
        "{visited:?}"
    );
    // Stepping back puts the marker on the same places in reverse.
    let mut back = Vec::new();
    let first = visited[0].0;
    while app.world().resource::<Session>().player.cursor() > first {
        send(&mut app, UiCommand::StepBack);
        let cursor = app.world().resource::<Session>().player.cursor();
        if let Some((_, s, p)) = visited.iter().find(|(c, _, _)| *c == cursor) {
            let now = syn_pos(&mut app).unwrap();
            assert_eq!(now, *p, "at record {cursor}");
            back.push(*s);
        }
    }
    // The loop stepped past the last recorded place: going back meets every one of them.
    let mut forward: Vec<Option<Station>> = visited.iter().map(|(_, s, _)| *s).collect();
    forward.reverse();
    assert_eq!(back, forward);
}

#[test]
fn at_the_dnat_the_nat_prerouting_station_lights_and_conntrack_gets_its_entry_later() {
    use docknet_app::topology::{LiveText, StationFill};
    use docknet_view::stack::Station;
    let mut app = app("default");
    let dnat = seek_target(&mut app.world_mut().resource_mut::<Session>(), "dnat").unwrap();
    send(&mut app, UiCommand::Seek(dnat));
    app.update();
    let mut q = app.world_mut().query::<(&StationFill, &Sprite)>();
    let lit: Vec<Station> = q
        .iter(app.world())
        .filter(|(_, s)| s.color == docknet_app::kernel::STATION_NOW_FILL)
        .map(|(f, _)| f.station)
        .collect();
    assert_eq!(lit, [Station::Prerouting]);
    let row0 = |app: &mut App| {
        let mut q = app.world_mut().query::<(&LiveText, &Text2d)>();
        q.iter(app.world())
            .find(|(l, _)| matches!(l, LiveText::ConntrackRow { row: 0, .. }))
            .map(|(_, t)| t.0.clone())
            .unwrap()
    };
    assert_eq!(row0(&mut app), "", "no entry before the SYN is confirmed");
    for _ in 0..40 {
        send(&mut app, UiCommand::StepForward);
        if !row0(&mut app).is_empty() {
            break;
        }
    }
    let row = row0(&mut app);
    assert!(
        row.starts_with("new  tcp 10.12.91.1:40000 -> 10.12.91.17:8080  DNAT 172.17.0.2:80"),
        "{row}"
    );
}
