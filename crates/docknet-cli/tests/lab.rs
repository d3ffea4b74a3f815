//! `docknet lab`: every scenario gives valid bash that stays inside its own namespaces, and
//! (as root, with socat, tcpdump and conntrack) the script really builds a lesson, captures
//! what the lesson promises and leaves no namespace behind; the pcap `docknet pcap` writes
//! opens in tcpdump. A trial whose root or tools are missing is reported as ignored (never as
//! passed) and the reason is printed; a tool that is there but fails is a failure.

use libtest_mimic::{Arguments, Trial};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// Every scenario `.ron` under `dir`, recursively (not the exercises), sorted.
fn ron_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("scenarios/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() && !path.ends_with("exercises") {
            out.extend(ron_files(&path));
        } else if path.extension().is_some_and(|e| e == "ron") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `docknet lab FILE [--prefix P]`, which must succeed.
fn lab_script(path: &Path, prefix: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docknet"));
    cmd.arg("lab").arg(path);
    if let Some(p) = prefix {
        cmd.args(["--prefix", p]);
    }
    let out = cmd.output().expect("docknet runs");
    assert!(
        out.status.success(),
        "docknet lab {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 script")
}

/// `bash -n` on the script text: the parser's complaint, if any.
fn bash_syntax(script: &str) -> Result<(), String> {
    let mut child = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("write script");
    let out = child.wait_with_output().expect("bash -n finishes");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Commands that would act on the root namespace if run where they appear: they must only
/// ever run after `ip netns exec NS` (which puts them in argument position).
const NAMESPACED_ONLY: &[&str] = &[
    "iptables",
    "iptables-restore",
    "iptables-save",
    "sysctl",
    "conntrack",
    "tcpdump",
    "socat",
    "ping",
    "nc",
];

/// Tokens after which the next word is a command.
const COMMAND_STARTERS: &[&str] = &[
    "|", "||", "&&", ";", "&", "then", "do", "else", "if", "while", "until", "!", "{", "(",
];

/// A simple line scan for commands that would touch the root namespace: `ip`/`bridge`
/// without `-n`/`netns`, and namespaced-only tools in command position. Comments and heredoc
/// bodies (iptables rules) are skipped. Returns the offending lines.
fn root_namespace_commands(script: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let mut heredoc: Option<String> = None;
    for line in script.lines() {
        if let Some(tag) = &heredoc {
            if line.trim() == tag {
                heredoc = None;
            }
            continue;
        }
        if let Some((_, rest)) = line.split_once("<<'") {
            heredoc = rest.split('\'').next().map(str::to_string);
        }
        let code = line.trim();
        if code.starts_with('#') {
            continue;
        }
        if line_touches_root(code) {
            bad.push(line.to_string());
        }
    }
    bad
}

fn line_touches_root(code: &str) -> bool {
    let tokens: Vec<&str> = code.split_whitespace().collect();
    let mut at_command = true;
    for (i, raw) in tokens.iter().enumerate() {
        // `got=$(head ...`: the word after `$(` is a command.
        let (word, in_subst) = match raw.rfind("$(") {
            Some(k) => (&raw[k + 2..], true),
            None => (raw.trim_start_matches(['(', '{']), false),
        };
        let is_command = at_command || in_subst;
        let next = tokens.get(i + 1).copied().unwrap_or("");
        if is_command {
            let ok = match word {
                "ip" => next == "-n" || next == "netns",
                "bridge" => next == "-n",
                w => !NAMESPACED_ONLY.contains(&w),
            };
            if !ok {
                return true;
            }
        }
        let assignment = is_command && word.contains('=') && !word.starts_with('=');
        at_command = COMMAND_STARTERS.contains(raw)
            || raw.ends_with(';')
            || (assignment && !raw.contains("$("));
    }
    false
}

fn the_line_scan_catches_root_namespace_commands() {
    for bad in [
        "ip link add x type dummy",
        "sysctl -w net.ipv4.ip_forward=1",
        "iptables -t nat -F",
        "true && iptables-restore < rules",
        "got=$(conntrack -L)",
        "bridge link set dev x hairpin on",
        "x=1 tcpdump -i eth0",
    ] {
        assert!(line_touches_root(bad), "not caught: {bad}");
    }
    for good in [
        "ip -n \"${P}a\" link set lo up",
        "ip netns exec \"${P}a\" sysctl -qw net.ipv4.ip_forward=1",
        "ip netns exec \"$2\" ping -n -c 1 10.0.0.2 | sed 's/^/x/' || true",
        "need iptables-restore iptables",
        "got=$(head -c 1 /dev/zero | ip netns exec \"$2\" socat - TCP4:1.2.3.4:80 | wc -c)",
    ] {
        assert!(!line_touches_root(good), "false alarm: {good}");
    }
}

fn every_scenario_gives_valid_bash_that_stays_in_its_namespaces() {
    let files = ron_files(&scenarios_dir());
    assert!(files.len() >= 10, "found only {files:?}");
    for f in files {
        for prefix in [None, Some("dntest-")] {
            let script = lab_script(&f, prefix);
            let name = f.display();
            if let Err(e) = bash_syntax(&script) {
                panic!("{name}: bash -n failed:\n{e}\n{script}");
            }
            assert!(script.starts_with("#!/usr/bin/env bash\n"), "{name}");
            assert!(script.contains("set -euo pipefail"), "{name}");
            assert!(script.contains("trap cleanup EXIT"), "{name}");
            assert!(script.contains("ip netns add \"${P}"), "{name}");
            let bad = root_namespace_commands(&script);
            assert!(
                bad.is_empty(),
                "{name}: commands that would touch the root namespace:\n{}",
                bad.join("\n")
            );
        }
    }
}

fn docker_desktop_scripts_say_what_is_approximated() {
    let f = scenarios_dir().join("host-access/desktop-mac-host-docker-internal.ron");
    let script = lab_script(&f, None);
    assert!(script.contains("P=\"dn$$-\""), "default prefix is per run");
    for needle in [
        "Docker Desktop",
        "vpnkit / com.docker.backend",
        "socat relay",
        "DNS servers are not reproduced",
        "com.docker.backend: TCP relay 192.168.65.254:5432 -> 127.0.0.1:5432",
    ] {
        assert!(script.contains(needle), "missing `{needle}`:\n{script}");
    }
}

fn a_bad_prefix_is_refused() {
    let f = scenarios_dir().join("kernel/veth-pair.ron");
    let out = Command::new(env!("CARGO_BIN_EXE_docknet"))
        .args(["lab", f.to_str().unwrap(), "--prefix", "x; rm -rf /"])
        .output()
        .expect("docknet runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable namespace prefix"));
}

// ----- real runs (root only) -----

/// The first of `tools` that is not on PATH.
fn missing_tool(tools: &[&str]) -> Option<String> {
    tools
        .iter()
        .find(|tool| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|tool| format!("`{tool}` is not installed"))
}

/// Why a real run (root, `tools`, a network namespace) cannot happen here, if it cannot.
fn cannot_run_for_real(tag: &str, tools: &[&str]) -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not running as root (docknet lab needs root)".into());
    }
    if let Some(why) = missing_tool(tools) {
        return Some(why);
    }
    let probe = format!("dnprobe{}{tag}", std::process::id());
    let added = Command::new("ip").args(["netns", "add", &probe]).output();
    match added {
        Ok(o) if o.status.success() => {
            let _ = Command::new("ip").args(["netns", "del", &probe]).output();
            None
        }
        Ok(o) => Some(format!(
            "`ip netns add` failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("`ip netns add` cannot run: {e}")),
    }
}

/// A lab run's results directory and the script's output.
struct Run {
    out_dir: PathBuf,
    work: PathBuf,
    output: Output,
}

/// Write the script for `rel` with `prefix`, run it with DOCKNET_LAB_OUT set.
fn run_lab(rel: &str, prefix: &str) -> Run {
    let work = std::env::temp_dir().join(format!("docknet-lab-test-{prefix}"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("temp dir");
    let script = work.join("lab.sh");
    std::fs::write(
        &script,
        lab_script(&scenarios_dir().join(rel), Some(prefix)),
    )
    .expect("write script");
    let out_dir = work.join("out");
    let output = Command::new("timeout")
        .arg("120")
        .arg("bash")
        .arg(&script)
        .env("DOCKNET_LAB_OUT", &out_dir)
        .output()
        .expect("bash runs");
    Run {
        out_dir,
        work,
        output,
    }
}

impl Run {
    fn assert_ok(&self) {
        assert!(
            self.output.status.success(),
            "lab script failed ({}):\nstdout:\n{}\nstderr:\n{}",
            self.output.status,
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        );
    }

    /// `tcpdump -n -r` of one capture.
    fn pcap(&self, name: &str) -> String {
        let file = self.out_dir.join(format!("{name}.pcap"));
        assert!(file.exists(), "{} was not written", file.display());
        let out = Command::new("tcpdump")
            .arg("-n")
            .arg("-r")
            .arg(&file)
            .output()
            .expect("tcpdump runs");
        assert!(out.status.success(), "tcpdump -r {}", file.display());
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.out_dir.join(name)).unwrap_or_default()
    }
}

/// Namespaces with `prefix` still present.
fn leftover_namespaces(prefix: &str) -> Vec<String> {
    let out = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

fn assert_has(text: &str, needle: &str, what: &str) {
    assert!(text.contains(needle), "{what}: no `{needle}` in:\n{text}");
}

fn veth_pair_for_real() {
    let prefix = format!("dnt{}v-", std::process::id());
    let run = run_lab("kernel/veth-pair.ron", &prefix);
    assert!(leftover_namespaces(&prefix).is_empty(), "namespaces left");
    run.assert_ok();
    let stdout = String::from_utf8_lossy(&run.output.stdout);
    assert_has(&stdout, "sent 100 bytes, received 200 bytes", "client");
    for at in ["a_eth0", "b_eth0"] {
        let seen = run.pcap(at);
        assert_has(&seen, "ARP, Request who-has 10.0.0.2 tell 10.0.0.1", at);
        assert_has(&seen, "ARP, Reply 10.0.0.2 is-at 02:00:0a:00:00:02", at);
        assert_has(&seen, "10.0.0.1 > 10.0.0.2: ICMP echo request", at);
        assert_has(&seen, "10.0.0.2 > 10.0.0.1: ICMP echo reply", at);
        assert_has(&seen, "10.0.0.1.40000 > 10.0.0.2.80: Flags [S]", at);
        assert_has(&seen, "10.0.0.2.80 > 10.0.0.1.40000: Flags [S.]", at);
        assert_has(&seen, "10.0.0.2.80 > 10.0.0.1.40000: Flags [F.]", at);
        assert!(!seen.contains("IP6"), "{at}: IPv6 is off:\n{seen}");
    }
    let _ = std::fs::remove_dir_all(&run.work);
}

fn router_masquerade_for_real() {
    let prefix = format!("dnt{}m-", std::process::id());
    let run = run_lab("kernel/router-masquerade.ron", &prefix);
    assert!(leftover_namespaces(&prefix).is_empty(), "namespaces left");
    run.assert_ok();
    let inside = run.pcap("r_eth0");
    assert_has(
        &inside,
        "192.168.1.10.45000 > 203.0.113.10.80: Flags [S]",
        "r:eth0",
    );
    assert_has(
        &inside,
        "203.0.113.10.80 > 192.168.1.10.45000: Flags [S.]",
        "r:eth0",
    );
    for at in ["r_eth1", "server_eth0"] {
        let outside = run.pcap(at);
        assert_has(
            &outside,
            "203.0.113.2.45000 > 203.0.113.10.80: Flags [S]",
            at,
        );
        assert_has(
            &outside,
            "203.0.113.10.80 > 203.0.113.2.45000: Flags [S.]",
            at,
        );
        assert!(
            !outside.contains("192.168.1.10"),
            "{at}: not masqueraded:\n{outside}"
        );
    }
    assert_has(
        &run.text("iptables_r.txt"),
        "-A POSTROUTING -s 192.168.1.0/24 -o eth1 -j MASQUERADE",
        "iptables-save -c",
    );
    assert_has(
        &run.text("conntrack_r.txt"),
        "src=192.168.1.10 dst=203.0.113.10 sport=45000 dport=80 src=203.0.113.10 dst=203.0.113.2",
        "conntrack",
    );
    let _ = std::fs::remove_dir_all(&run.work);
}

/// The pcap `docknet pcap` writes opens in tcpdump, which shows the lesson's packets.
fn pcap_opens_in_tcpdump() {
    let dir = std::env::temp_dir().join(format!("docknet-lab-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.pcap");
    let out = Command::new(env!("CARGO_BIN_EXE_docknet"))
        .arg("pcap")
        .arg(scenarios_dir().join("kernel/veth-pair.ron"))
        .args(["--at", "b:eth0", "-o"])
        .arg(&file)
        .output()
        .expect("docknet runs");
    assert!(out.status.success(), "{out:?}");
    let read = Command::new("tcpdump")
        .arg("-n")
        .arg("-r")
        .arg(&file)
        .output()
        .expect("tcpdump runs");
    assert!(
        read.status.success(),
        "tcpdump -r {}: {read:?}",
        file.display()
    );
    let text = String::from_utf8_lossy(&read.stdout);
    assert_has(
        &text,
        "ARP, Request who-has 10.0.0.2 tell 10.0.0.1",
        "b:eth0",
    );
    assert_has(&text, "10.0.0.1.40000 > 10.0.0.2.80: Flags [S]", "b:eth0");
    std::fs::remove_dir_all(&dir).ok();
}

/// Why a trial cannot run here, or None.
type Unavailable = Option<String>;

/// Every test as a trial; the ones whose root or tools are missing are ignored with the
/// reason printed.
fn main() {
    let args = Arguments::from_args();
    let lab = ["ip", "socat", "tcpdump", "iptables-restore"];
    let tests: [(&str, fn(), Unavailable); 7] = [
        (
            "the_line_scan_catches_root_namespace_commands",
            the_line_scan_catches_root_namespace_commands,
            None,
        ),
        (
            "every_scenario_gives_valid_bash_that_stays_in_its_namespaces",
            every_scenario_gives_valid_bash_that_stays_in_its_namespaces,
            None,
        ),
        (
            "docker_desktop_scripts_say_what_is_approximated",
            docker_desktop_scripts_say_what_is_approximated,
            None,
        ),
        ("a_bad_prefix_is_refused", a_bad_prefix_is_refused, None),
        (
            "pcap_opens_in_tcpdump",
            pcap_opens_in_tcpdump,
            missing_tool(&["tcpdump"]),
        ),
        (
            "veth_pair_for_real",
            veth_pair_for_real,
            cannot_run_for_real("v", &lab),
        ),
        (
            "router_masquerade_for_real",
            router_masquerade_for_real,
            cannot_run_for_real("m", &[&lab[..], &["conntrack"]].concat()),
        ),
    ];
    let trials = tests
        .into_iter()
        .map(|(name, f, why)| {
            if let Some(why) = &why {
                eprintln!("{name} ignored: {why}");
            }
            Trial::test(name, move || {
                f();
                Ok(())
            })
            .with_ignored_flag(why.is_some())
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
