//! The simulator against the real kernel: `docknet conform` over every shipped scenario the
//! lab reproduces faithfully. Needs root, network namespaces, tcpdump and socat; without
//! them the test says SKIPPED loudly instead of passing.

use std::path::PathBuf;
use std::process::Command;

/// Scenarios whose captures and conntrack tables match the kernel exactly.
const MATCHING: &[&str] = &[
    "kernel/veth-pair.ron",
    "kernel/bridge-three.ron",
    "kernel/router-masquerade.ron",
    "kernel/dnat-port-forward.ron",
    "nat/outside-to-container-dnat.ron",
    "nat/container-to-outside-snat.ron",
    "modes/none.ron",
    "modes/bridge.ron",
    "modes/host.ron",
    "modes/container.ron",
    "host-access/linux-docker0-gateway.ron",
    "host-access/linux-host-mode.ron",
    "default.ron",
];

fn lab_unavailable() -> Option<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_docknet"))
        .args(["conform", "--help"])
        .output()
        .ok()?;
    if !out.status.success() {
        return Some("docknet conform is missing".into());
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if uid.as_deref() != Some("0") {
        return Some("not running as root".into());
    }
    for tool in ["tcpdump", "socat", "iptables-restore", "ping"] {
        if !Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .status()
            .is_ok_and(|s| s.success())
        {
            return Some(format!("{tool} is not installed"));
        }
    }
    let probe = format!("dnconfprobe{}", std::process::id());
    let ok = Command::new("ip")
        .args(["netns", "add", &probe])
        .status()
        .is_ok_and(|s| s.success());
    let _ = Command::new("ip").args(["netns", "del", &probe]).status();
    (!ok).then(|| "cannot create network namespaces".into())
}

#[test]
fn shipped_scenarios_match_the_kernel() {
    if let Some(why) = lab_unavailable() {
        eprintln!("SKIPPED: the kernel conformance test needs a lab: {why}");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut failures = Vec::new();
    for rel in MATCHING {
        let out = Command::new(env!("CARGO_BIN_EXE_docknet"))
            .arg("conform")
            .arg(root.join(rel))
            .output()
            .expect("docknet runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("{rel}:\n{text}");
        if !out.status.success() {
            failures.push(format!("{rel}:\n{text}"));
        }
    }
    assert!(
        failures.is_empty(),
        "the simulator disagrees with the kernel:\n{}",
        failures.join("\n")
    );
}
