//! The `docknet` binary end to end: determinism across processes, formats, exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn scenario(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(rel)
}

fn docknet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docknet"))
        .args(args)
        .output()
        .expect("docknet runs")
}

fn stdout(args: &[&str]) -> String {
    let out = docknet(args);
    assert!(
        out.status.success(),
        "docknet {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn jsonl_is_identical_across_processes_and_matches_the_library() {
    let path = scenario("kernel/dnat-port-forward.ron");
    let p = path.to_str().unwrap();
    let a = stdout(&["trace", p, "--format", "jsonl"]);
    let b = stdout(&["trace", p, "--format", "jsonl"]);
    assert_eq!(a, b);
    let text = std::fs::read_to_string(&path).unwrap();
    let (_, mut sim) = docknet_sim::load(p, &text).unwrap();
    sim.run_to_end();
    assert_eq!(a, docknet_sim::format::jsonl::lines(sim.timed_trace()));
    for line in a.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(v["t_ns"].is_u64() && v["event"].is_string());
    }
}

#[test]
fn tcpdump_at_one_interface() {
    let p = scenario("kernel/dnat-port-forward.ron");
    let out = stdout(&[
        "trace",
        p.to_str().unwrap(),
        "--format",
        "tcpdump",
        "--at",
        "web:eth0",
    ]);
    assert!(
        out.contains("10.12.91.1.40000 > 172.17.0.2.80: Flags [S]"),
        "{out}"
    );
    assert!(
        !out.contains("10.12.91.17.8080"),
        "inside the container the DNAT already happened"
    );
}

#[test]
fn nft_trace_shows_the_chain_walk() {
    let p = scenario("kernel/firewall-established.ron");
    let out = stdout(&["trace", p.to_str().unwrap(), "--format", "nft"]);
    assert!(out.contains("ip filter FORWARD policy drop"), "{out}");
    assert!(out.contains("ip filter FORWARD rule -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT (verdict accept)"), "{out}");
}

#[test]
fn show_prints_kernel_state() {
    let p = scenario("kernel/router-masquerade.ron");
    let p = p.to_str().unwrap();
    let route = stdout(&["show", p, "--ns", "client", "route"]);
    assert_eq!(
        route,
        "default via 192.168.1.1 dev eth0 \n192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.10 \n"
    );
    let rules = stdout(&["show", p, "--ns", "r", "iptables-save"]);
    assert!(
        rules.contains("-A POSTROUTING -s 192.168.1.0/24 -o eth1 -j MASQUERADE"),
        "{rules}"
    );
    let early = stdout(&["show", p, "--ns", "r", "conntrack", "--at-time", "0"]);
    assert_eq!(early, "", "nothing tracked before the first packet");
    let list = stdout(&["show", p, "--ns", "r", "iptables-L"]);
    assert!(
        list.starts_with(
            // A SYN with Linux's options is 60 bytes (mss, sackOK, TS, wscale).
            "# iptables -t nat -L -n -v\nChain PREROUTING (policy ACCEPT 1 packets, 60 bytes)"
        ),
        "{list}"
    );
    assert!(
        list.contains(
            "    1    60 MASQUERADE  0    --  *      eth1    192.168.1.0/24       0.0.0.0/0"
        ),
        "{list}"
    );
    assert!(
        list.contains("Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)"),
        "only the first packet sees nat: {list}"
    );
    let addr = stdout(&["show", p, "--ns", "r", "addr"]);
    assert!(
        addr.contains("inet 203.0.113.2/24 brd 203.0.113.255 scope global eth1"),
        "{addr}"
    );
}

#[test]
fn check_reports_problems_and_fails() {
    let dir = std::env::temp_dir().join(format!("docknet-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.ron");
    std::fs::write(&bad, "Scenario(\n  namespaces: [(name: \"a\")],\n  traffic: [Ping(from: \"b\", to: \"10.0.0.1\")],\n)").unwrap();
    let out = docknet(&["check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.ron:3:"), "{err}");
    assert!(err.contains("traffic from unknown namespace `b`"), "{err}");
    let good = scenario("kernel/veth-pair.ron");
    let ok = stdout(&["check", good.to_str().unwrap()]);
    assert!(ok.ends_with(": ok\n"));
    std::fs::remove_dir_all(&dir).ok();
}

/// `docknet pcap` writes a classic pcap file (tests/lab.rs reads it back with tcpdump).
#[test]
fn pcap_writes_a_classic_capture() {
    let dir = std::env::temp_dir().join(format!("docknet-cli-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.pcap");
    let p = scenario("kernel/veth-pair.ron");
    let out = docknet(&[
        "pcap",
        p.to_str().unwrap(),
        "--at",
        "b:eth0",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(
        &bytes[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "classic little-endian pcap magic"
    );
    assert!(bytes.len() > 24, "a header and no packet");
    std::fs::remove_dir_all(&dir).ok();
}

/// `docknet grade`: honest files are scored from a fresh simulation, a tampered one is
/// rejected (and the exit status says so), the CSV has one row per file.
#[test]
fn grade_verifies_result_files_and_writes_csv() {
    use docknet_view::exercise::Exercise;
    use docknet_view::exercise::grade::{Answer, Expected, Key, ResultFile};
    use std::collections::BTreeMap;

    let path = scenario("exercises/masquerade-out.ron");
    let text = std::fs::read_to_string(&path).unwrap();
    let ex = Exercise::parse("masquerade-out.ron", &text).unwrap();
    let dir = std::env::temp_dir().join(format!("docknet-grade-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, right: bool| {
        let key = Key::compute(&ex, docknet_view::exercise::seed_for(name)).unwrap();
        let answers: BTreeMap<String, Answer> = key
            .tasks
            .iter()
            .map(|t| {
                let Expected::Text(s) = &t.expected else {
                    unreachable!()
                };
                let a = if right {
                    s.clone()
                } else {
                    "192.0.2.99".into()
                };
                (t.id.clone(), Answer::Text(a))
            })
            .collect();
        let r = ResultFile::new(&ex, &text, &key, name, answers, BTreeMap::new());
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, r.to_json()).unwrap();
        (file, r)
    };
    let (ada, ada_r) = write("ada", true);
    let (bob, _) = write("bob", false);
    let csv = dir.join("grades.csv");
    let out = stdout(&[
        "grade",
        path.to_str().unwrap(),
        "--answers",
        ada.to_str().unwrap(),
        bob.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("learner") && lines[0].contains("server-sees"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("ada")
            && lines[1].contains(&format!("{}/{}", ada_r.max, ada_r.max))
            && lines[1].ends_with("ok"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("bob") && lines[2].contains(&format!("0/{}", ada_r.max)),
        "{out}"
    );
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(csv_text.lines().count(), 3, "{csv_text}");

    // Raise bob's total by hand: rejected, and the exit status says so.
    let forged = std::fs::read_to_string(&bob)
        .unwrap()
        .replace("\"total\": 0", "\"total\": 5");
    std::fs::write(&bob, forged).unwrap();
    let out = docknet(&[
        "grade",
        path.to_str().unwrap(),
        "--answers",
        bob.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let text_out = String::from_utf8_lossy(&out.stdout);
    assert!(
        text_out.contains("REJECTED: checksum mismatch"),
        "{text_out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `docknet exercise new` writes an exercise that parses and checks.
#[test]
fn exercise_new_scaffolds_a_valid_exercise() {
    let out = stdout(&["exercise", "new", scenario("default.ron").to_str().unwrap()]);
    let ex = docknet_view::exercise::Exercise::parse("new.ron", &out).unwrap();
    assert_eq!(ex.tasks.len(), 3);
    assert!(docknet_view::exercise::grade::validate(&ex).is_empty());
}

/// A scratch scenario file: a ping from a to b with the given fields, and optional limits.
fn runaway_file(tag: &str, ping: &str, limits: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("docknet-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("runaway.ron");
    std::fs::write(
        &file,
        format!(
            "Scenario(\n  namespaces: [\n    (name: \"a\", interfaces: [(name: \"eth0\", addrs: [\"10.0.0.1/24\"])]),\n    (name: \"b\", interfaces: [(name: \"eth0\", addrs: [\"10.0.0.2/24\"])]),\n  ],\n  links: [Veth(a: \"a:eth0\", b: \"b:eth0\")],\n  traffic: [Ping(from: \"a\", to: \"10.0.0.2\", {ping})],\n  {limits}\n)"
        ),
    )
    .unwrap();
    (dir, file)
}

#[test]
fn check_warns_about_the_bridge_loop_before_running() {
    let p = scenario("kernel/bridge-loop.ron");
    let out = stdout(&["check", p.to_str().unwrap()]);
    assert!(
        out.contains("bridge-loop.ron: ok, with 1 warning\n"),
        "{out}"
    );
    assert!(out.contains("bridge-loop.ron:"), "{out}");
    assert!(
        out.contains(": warning: bridge loop: s1:br0 and s2:br0"),
        "{out}"
    );
    assert!(out.contains("stp_state defaults to 0"), "{out}");
    assert!(out.contains("help: remove one of these links"), "{out}");
    // Its run ends by itself, the storm stopped.
    let story = stdout(&["explain", p.to_str().unwrap()]);
    assert!(
        story.contains("DROPPED: bridge loop: this frame came back"),
        "{story}"
    );
    // A lesson without a loop has no warning.
    let ok = stdout(&[
        "check",
        scenario("kernel/bridge-three.ron").to_str().unwrap(),
    ]);
    assert!(ok.ends_with("bridge-three.ron: ok\n"), "{ok}");
}

#[test]
fn a_runaway_ping_is_reported_by_check_and_stopped_by_the_budget() {
    let (dir, file) = runaway_file("runaway", "count: 4000000000, interval_ms: 0", "");
    let f = file.to_str().unwrap();
    let out = stdout(&["check", f]);
    assert!(
        out.contains("warning: Ping from a sends 4000000000 times"),
        "{out}"
    );
    assert!(out.contains("runaway.ron:7:"), "{out}");
    let run = docknet(&["trace", f, "--max-events", "400"]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("run stopped: the event budget of 400 events"),
        "{err}"
    );
    let lines = String::from_utf8(run.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "stopped");
    assert_eq!(last["limit"], "events");
    // The default budget stops it too.
    let run = docknet(&["explain", f]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("event budget of 200000 events"), "{err}");
    assert!(String::from_utf8_lossy(&run.stdout).contains("RUN STOPPED: run stopped"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn limits_come_from_the_scenario_and_the_command_line_wins() {
    let (dir, file) = runaway_file(
        "limits",
        "count: 20, interval_ms: 1000",
        "limits: (max_events: 100000, max_time_ms: 4500),",
    );
    let f = file.to_str().unwrap();
    let check = stdout(&["check", f]);
    assert!(
        check.contains("past the simulated-time limit of 4.5 s"),
        "{check}"
    );
    let run = docknet(&["trace", f, "--format", "tcpdump", "--at", "b:eth0"]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("simulated-time limit of 4.500000 s"), "{err}");
    let requests = String::from_utf8_lossy(&run.stdout)
        .matches("echo request")
        .count();
    assert_eq!(requests, 5, "pings at 0..4 s");
    // The command line's limit over the scenario's.
    let run = docknet(&["trace", f, "--max-time", "30s"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let run = docknet(&["trace", f, "--max-time", "30s", "--max-events", "10"]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("event budget of 10 events"));
    let run = docknet(&["show", f, "--ns", "a", "neigh", "--max-events", "0"]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("--max-events 0"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A run of over 20,000 steps (past several of the streaming CLI's checks for packets that
/// are gone): datagrams delivered, pings dropped in OUTPUT before any capture, and datagrams
/// waiting for an ARP answer that never comes.
const LONG_RUN: &str = r#"Scenario(
    title: "long run", description: "", seed: 5,
    namespaces: [
        (name: "a", interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])],
         iptables: "*filter\n-A OUTPUT -p icmp -j DROP\nCOMMIT\n"),
        (name: "b", interfaces: [(name: "eth0", addrs: ["10.0.0.2/24"])],
         processes: [Listen(proto: Udp, port: 53, reply: 0)]),
    ],
    links: [Veth(a: "a:eth0", b: "b:eth0")],
    traffic: [
        Udp(from: "a", to: "10.0.0.2:53", count: 9000, send: 40, interval_ms: 1),
        Ping(from: "a", to: "10.0.0.2", count: 3000, interval_ms: 3),
        Udp(from: "a", to: "10.0.0.9:53", count: 2000, send: 40, interval_ms: 4),
    ],
    limits: (max_events: 1000000),
)"#;

#[test]
fn streamed_output_of_a_long_run_matches_the_library_on_the_whole_trace() {
    let path = std::env::temp_dir().join(format!("docknet-long-{}.ron", std::process::id()));
    std::fs::write(&path, LONG_RUN).unwrap();
    let p = path.to_str().unwrap();
    let (_, mut sim) = docknet_sim::load(p, LONG_RUN).unwrap();
    sim.run_to_end();
    assert!(sim.events_done() > 20_000, "{} steps", sim.events_done());
    let trace = || sim.timed_trace();
    use docknet_sim::format::{explain, jsonl, nft, tcpdump::Tcpdump};
    let lines = |v: Vec<String>| v.join("\n") + "\n";
    assert_eq!(stdout(&["explain", p]), explain::text(trace()));
    assert_eq!(stdout(&["trace", p]), jsonl::lines(trace()));
    assert_eq!(
        stdout(&["trace", p, "--format", "tcpdump"]),
        lines(Tcpdump::lines(trace(), None))
    );
    assert_eq!(
        stdout(&["trace", p, "--format", "nft"]),
        lines(nft::lines(sim.trace()))
    );
    let _ = std::fs::remove_file(&path);
}
