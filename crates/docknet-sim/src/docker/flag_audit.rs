//! Every flag the parser applies changes what the compiler builds: a flag is either modelled
//! (this audit compiles a scenario with and without it and expects a difference), on the
//! explicit list below of flags that do not affect networking, `.ignored()` (accepted and
//! dropped: logging, volumes, resources) or `.unsimulated(..)` (refused with a reason).

use crate::docker::compile::compile;
use crate::docker::scenario::DockerScenario;
use crate::docker_cli::applied_flags;

/// Applied flags with no effect on the network, and why.
const NO_NETWORK_EFFECT: &[(&str, &str, &str)] = &[
    (
        "docker run",
        "detach",
        "foreground or background makes no difference to the network",
    ),
    (
        "docker network create",
        "driver",
        "only `bridge`, the default, is accepted",
    ),
    (
        "docker network create",
        "attachable",
        "only swarm overlay networks use it",
    ),
    ("docker network create", "label", "labels are metadata"),
    (
        "docker network create",
        "com.docker.network.bridge.gateway_mode_ipv4",
        "only `nat`, the default, is accepted",
    ),
];

/// (command, flag or -o key, daemon options, commands without it, commands with it).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const NET: &str = "docker network create --subnet 172.20.0.0/16 appnet";

const CASES: &[Case] = &[
    (
        "docker run",
        "name",
        "",
        &["docker run -d nginx"],
        &["docker run -d --name web nginx"],
    ),
    (
        "docker run",
        "network",
        "",
        &[NET, "docker run -d --name aa nginx"],
        &[NET, "docker run -d --name aa --network appnet nginx"],
    ),
    (
        "docker run",
        "publish",
        "",
        &["docker run -d --name aa nginx"],
        &["docker run -d --name aa -p 8080:80 nginx"],
    ),
    (
        "docker run",
        "publish-all",
        "",
        &["docker run -d --name aa nginx"],
        &["docker run -d --name aa -P nginx"],
    ),
    (
        "docker run",
        "expose",
        "",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa --expose 9000 alpine"],
    ),
    (
        "docker run",
        "network-alias",
        "",
        &[
            NET,
            "docker run -d --name aa --network appnet nginx",
            "docker run -d --name bb --network appnet nginx",
        ],
        &[
            NET,
            "docker run -d --name aa --network appnet --network-alias db nginx",
            "docker run -d --name bb --network appnet nginx",
        ],
    ),
    (
        "docker run",
        "ip",
        "",
        &[NET, "docker run -d --name aa --network appnet nginx"],
        &[
            NET,
            "docker run -d --name aa --network appnet --ip 172.20.0.10 nginx",
        ],
    ),
    (
        "docker run",
        "dns",
        "",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa --dns 9.9.9.9 alpine"],
    ),
    (
        "docker run",
        "hostname",
        "",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa --hostname api alpine"],
    ),
    (
        "docker run",
        "add-host",
        "",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa --add-host db:10.0.0.5 alpine"],
    ),
    (
        "docker run",
        "rm",
        "",
        &["docker run -d --name aa alpine", "docker stop aa"],
        &["docker run -d --rm --name aa alpine", "docker stop aa"],
    ),
    (
        "docker run",
        "sysctl",
        "",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa --sysctl net.ipv4.tcp_syn_retries=2 alpine"],
    ),
    (
        "docker network create",
        "subnet",
        "",
        &["docker network create n"],
        &["docker network create --subnet 10.50.0.0/16 n"],
    ),
    (
        "docker network create",
        "gateway",
        "",
        &["docker network create --subnet 10.50.0.0/16 n"],
        &["docker network create --subnet 10.50.0.0/16 --gateway 10.50.0.254 n"],
    ),
    (
        "docker network create",
        "ip-range",
        "",
        &[
            "docker network create --subnet 10.50.0.0/16 n",
            "docker run -d --name aa --network n alpine",
        ],
        &[
            "docker network create --subnet 10.50.0.0/16 --ip-range 10.50.8.0/24 n",
            "docker run -d --name aa --network n alpine",
        ],
    ),
    (
        "docker network create",
        "internal",
        "",
        &["docker network create n"],
        &["docker network create --internal n"],
    ),
    (
        "docker network create",
        "opt",
        "",
        &["docker network create n"],
        &["docker network create -o com.docker.network.bridge.name=br-lab n"],
    ),
    (
        "docker network create",
        "com.docker.network.bridge.name",
        "",
        &["docker network create n"],
        &["docker network create -o com.docker.network.bridge.name=br-lab n"],
    ),
    (
        "docker network create",
        "com.docker.network.bridge.enable_icc",
        "",
        &["docker network create n"],
        &["docker network create -o com.docker.network.bridge.enable_icc=false n"],
    ),
    (
        "docker network create",
        "com.docker.network.bridge.enable_ip_masquerade",
        "",
        &["docker network create n"],
        &["docker network create -o com.docker.network.bridge.enable_ip_masquerade=false n"],
    ),
    (
        "docker network create",
        "com.docker.network.bridge.host_binding_ipv4",
        "",
        &[
            "docker network create n",
            "docker run -d --name aa --network n -p 8080:80 nginx",
        ],
        &[
            "docker network create -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 n",
            "docker run -d --name aa --network n -p 8080:80 nginx",
        ],
    ),
    (
        "docker network create",
        "com.docker.network.driver.mtu",
        "",
        &["docker network create n"],
        &["docker network create -o com.docker.network.driver.mtu=1400 n"],
    ),
    (
        "docker network create",
        "com.docker.network.host_ipv4",
        "",
        &["docker network create n"],
        &["docker network create -o com.docker.network.host_ipv4=10.12.91.17 n"],
    ),
    (
        "docker network connect",
        "alias",
        "",
        &[
            NET,
            "docker run -d --name aa nginx",
            "docker run -d --name bb --network appnet nginx",
            "docker network connect appnet aa",
        ],
        &[
            NET,
            "docker run -d --name aa nginx",
            "docker run -d --name bb --network appnet nginx",
            "docker network connect --alias db appnet aa",
        ],
    ),
    (
        "docker network connect",
        "ip",
        "",
        &[
            NET,
            "docker run -d --name aa nginx",
            "docker network connect appnet aa",
        ],
        &[
            NET,
            "docker run -d --name aa nginx",
            "docker network connect --ip 172.20.0.10 appnet aa",
        ],
    ),
    (
        "docker network connect",
        "gw-priority",
        "",
        &[
            NET,
            "docker run -d --name aa nginx",
            "docker network connect appnet aa",
        ],
        &[
            NET,
            "docker run -d --name aa nginx",
            "docker network connect --gw-priority -1 appnet aa",
        ],
    ),
    (
        "docker rm",
        "force",
        "",
        &["docker run -d --name aa alpine", "docker rm aa"],
        &["docker run -d --name aa alpine", "docker rm -f aa"],
    ),
    (
        "dockerd",
        "userland-proxy",
        "--userland-proxy=false",
        &["docker run -d --name aa -p 8080:80 nginx"],
        &["docker run -d --name aa -p 8080:80 nginx"],
    ),
    (
        "dockerd",
        "icc",
        "--icc=false",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa alpine"],
    ),
    (
        "dockerd",
        "ip-forward",
        "--ip-forward=false",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa alpine"],
    ),
    (
        "dockerd",
        "iptables",
        "--iptables=false",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa alpine"],
    ),
    (
        "dockerd",
        "bip",
        "--bip 10.99.0.5/24",
        &["docker run -d --name aa alpine"],
        &["docker run -d --name aa alpine"],
    ),
    (
        "dockerd",
        "default-address-pool",
        "--default-address-pool base=10.200.0.0/16,size=24",
        &["docker network create n"],
        &["docker network create n"],
    ),
];

/// The compiled scenario and inventory for these commands as text, or the problems.
fn compiled(daemon: &str, commands: &[&str]) -> String {
    let mut sc: DockerScenario = ron::from_str("DockerScenario()").expect("empty scenario");
    sc.daemon = daemon.to_string();
    sc.commands = commands.iter().map(|c| c.to_string()).collect();
    match compile(&sc) {
        Ok(c) => format!("{:?}\n{:?}", c.scenario, c.inventory),
        Err(p) => format!("refused: {p:?}"),
    }
}

#[test]
fn every_applied_flag_changes_the_compiled_model_or_is_listed() {
    for (command, flag) in applied_flags() {
        let listed = NO_NETWORK_EFFECT
            .iter()
            .any(|(c, f, _)| *c == command && *f == flag);
        let case = CASES.iter().find(|(c, f, ..)| *c == command && *f == flag);
        match (listed, case) {
            (true, None) => {}
            (false, Some((_, _, daemon, without, with))) => {
                let base = if command == "dockerd" { "" } else { daemon };
                let (a, b) = (compiled(base, without), compiled(daemon, with));
                assert!(
                    !b.starts_with("refused"),
                    "`{command}` flag {flag}: the case does not compile: {b}"
                );
                assert!(
                    a != b,
                    "`{command}` flag {flag} changes nothing in the compiled model: model it, \
                     refuse it (.unsimulated) or list it in NO_NETWORK_EFFECT"
                );
            }
            (false, None) => panic!(
                "`{command}` flag {flag} is applied but has no case here: add one showing what \
                 it changes, or list it in NO_NETWORK_EFFECT with the reason"
            ),
            (true, Some(_)) => panic!("`{command}` flag {flag} is both listed and tested"),
        }
    }
}
