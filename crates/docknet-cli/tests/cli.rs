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
    assert_eq!(a, docknet_sim::format::jsonl::lines(sim.trace()));
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
