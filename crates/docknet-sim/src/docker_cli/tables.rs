//! Each command's flags: applied, accepted and ignored, or refused as not simulated.

use super::*;

pub(super) const RUN_FLAGS: &[FlagSpec] = &[
    boolean("detach", Some('d')),
    value("name", None, "web"),
    value("network", None, "mynet").alias("net"),
    value("publish", Some('p'), "8080:80"),
    boolean("publish-all", Some('P')),
    value("expose", None, "80"),
    value("network-alias", None, "db").alias("net-alias"),
    value("ip", None, "172.20.0.10"),
    value("dns", None, "8.8.8.8"),
    value("hostname", Some('h'), "web"),
    value("add-host", None, "db.local:10.0.0.5"),
    value("env", Some('e'), "KEY=value").ignored(),
    value("env-file", None, "app.env").ignored(),
    value("volume", Some('v'), "/data:/data").ignored(),
    value("mount", None, "type=volume,src=data,dst=/data").ignored(),
    boolean("rm", None),
    boolean("interactive", Some('i')).ignored(),
    boolean("tty", Some('t')).ignored(),
    boolean("init", None).ignored(),
    boolean("privileged", None).ignored(),
    boolean("read-only", None).ignored(),
    value("restart", None, "unless-stopped").ignored(),
    value("label", Some('l'), "team=web").ignored(),
    value("workdir", Some('w'), "/app").ignored(),
    value("user", Some('u'), "1000").ignored(),
    value("entrypoint", None, "sh").ignored(),
    value("cpus", None, "1.5").ignored(),
    value("memory", Some('m'), "512m").ignored(),
    value("platform", None, "linux/amd64").ignored(),
    value("pull", None, "missing").ignored(),
    value("cap-add", None, "NET_ADMIN").ignored(),
    value("cap-drop", None, "ALL").ignored(),
    value("log-driver", None, "json-file").ignored(),
    value("log-opt", None, "max-size=10m").ignored(),
    value("ip6", None, "").unsimulated(IPV6),
    value("mac-address", None, "")
        .unsimulated("the simulator generates MAC addresses itself; drop --mac-address"),
    value("link", None, "").unsimulated(
        "legacy links are not simulated; put both containers on a user-defined network and \
         use the container name",
    ),
    value("link-local-ip", None, "").unsimulated("link-local addresses are not simulated yet"),
    value("dns-search", None, "").unsimulated("resolver search domains are not simulated yet"),
    value("dns-option", None, "")
        .alias("dns-opt")
        .unsimulated("resolver options are not simulated yet"),
    value("domainname", None, "").unsimulated("domain names are not simulated yet"),
    value("sysctl", None, "net.ipv4.tcp_syn_retries=2"),
];

pub(super) const RUN: CmdSpec = CmdSpec {
    name: "docker run",
    usage: "docker run [OPTIONS] IMAGE [COMMAND] [ARG...]",
    flags: RUN_FLAGS,
    interspersed: false,
    h_is_help: false,
    words_as_flags: false,
};

pub(super) const CREATE_FLAGS: &[FlagSpec] = &[
    value("driver", Some('d'), "bridge"),
    value("subnet", None, "172.20.0.0/16"),
    value("gateway", None, "172.20.0.1"),
    value("ip-range", None, "172.20.5.0/24"),
    boolean("internal", None),
    boolean("attachable", None),
    value("label", None, "team=net"),
    value("opt", Some('o'), "com.docker.network.bridge.name=br-lab"),
    boolean("ipv6", None).unsimulated(IPV6),
    boolean("ipv4", None).unsimulated("IPv4 is always enabled in the simulator; drop --ipv4"),
    value("aux-address", None, "").unsimulated("auxiliary addresses are not simulated yet"),
    value("ipam-driver", None, "").unsimulated("only the default IPAM driver is simulated"),
    value("ipam-opt", None, "").unsimulated("IPAM driver options are not simulated yet"),
    value("scope", None, "").unsimulated("only local-scope networks are simulated"),
    value("config-from", None, "").unsimulated("config-only networks are not simulated yet"),
    boolean("config-only", None).unsimulated("config-only networks are not simulated yet"),
    boolean("ingress", None).unsimulated("swarm ingress networks are not simulated"),
];

pub(super) const NETWORK_CREATE: CmdSpec = CmdSpec {
    name: "docker network create",
    usage: "docker network create [OPTIONS] NETWORK",
    flags: CREATE_FLAGS,
    interspersed: true,
    h_is_help: true,
    words_as_flags: false,
};

pub(super) const CONNECT_FLAGS: &[FlagSpec] = &[
    value("alias", None, "db"),
    value("ip", None, "172.20.0.10"),
    value("ip6", None, "").unsimulated(IPV6),
    value("link", None, "").unsimulated(
        "legacy links are not simulated; containers on a user-defined network reach each \
         other by name",
    ),
    value("link-local-ip", None, "").unsimulated("link-local addresses are not simulated yet"),
    value("driver-opt", None, "").unsimulated("endpoint driver options are not simulated yet"),
    value("gw-priority", None, "10"),
];

pub(super) const NETWORK_CONNECT: CmdSpec = CmdSpec {
    name: "docker network connect",
    usage: "docker network connect [OPTIONS] NETWORK CONTAINER",
    flags: CONNECT_FLAGS,
    interspersed: true,
    h_is_help: true,
    words_as_flags: false,
};

pub(super) const DISCONNECT_FLAGS: &[FlagSpec] = &[boolean("force", Some('f')).ignored()];

pub(super) const NETWORK_DISCONNECT: CmdSpec = CmdSpec {
    name: "docker network disconnect",
    usage: "docker network disconnect [OPTIONS] NETWORK CONTAINER",
    flags: DISCONNECT_FLAGS,
    interspersed: true,
    h_is_help: true,
    words_as_flags: false,
};

pub(super) const STOP_FLAGS: &[FlagSpec] = &[
    value("time", Some('t'), "10").ignored(),
    value("timeout", None, "10").ignored(),
    value("signal", Some('s'), "SIGTERM").ignored(),
];
pub(super) const KILL_FLAGS: &[FlagSpec] = &[value("signal", Some('s'), "SIGKILL").ignored()];
pub(super) const START_FLAGS: &[FlagSpec] = &[
    boolean("attach", Some('a')).ignored(),
    boolean("interactive", Some('i')).ignored(),
    value("detach-keys", None, "ctrl-p,ctrl-q").ignored(),
];
pub(super) const RM_FLAGS: &[FlagSpec] = &[
    boolean("force", Some('f')),
    boolean("volumes", Some('v')).ignored(),
    boolean("link", Some('l')).unsimulated("legacy links are not simulated"),
];

pub(super) const fn lifecycle_cmd(
    name: &'static str,
    usage: &'static str,
    flags: &'static [FlagSpec],
) -> CmdSpec {
    CmdSpec {
        name,
        usage,
        flags,
        interspersed: true,
        h_is_help: true,
        words_as_flags: false,
    }
}

/// The container lifecycle commands, by verb.
pub(super) fn lifecycle_spec(verb: &str) -> Option<(CmdSpec, Option<ContainerAction>)> {
    Some(match verb {
        "stop" => (
            lifecycle_cmd(
                "docker stop",
                "docker stop [OPTIONS] CONTAINER [CONTAINER...]",
                STOP_FLAGS,
            ),
            Some(ContainerAction::Stop),
        ),
        // `kill`'s action depends on `-s`, read after the flags.
        "kill" => (
            lifecycle_cmd(
                "docker kill",
                "docker kill [OPTIONS] CONTAINER [CONTAINER...]",
                KILL_FLAGS,
            ),
            None,
        ),
        "start" => (
            lifecycle_cmd(
                "docker start",
                "docker start [OPTIONS] CONTAINER [CONTAINER...]",
                START_FLAGS,
            ),
            Some(ContainerAction::Start),
        ),
        "restart" => (
            lifecycle_cmd(
                "docker restart",
                "docker restart [OPTIONS] CONTAINER [CONTAINER...]",
                STOP_FLAGS,
            ),
            Some(ContainerAction::Restart),
        ),
        // `rm`'s action depends on `-f`, read after the flags.
        "rm" => (
            lifecycle_cmd(
                "docker rm",
                "docker rm [OPTIONS] CONTAINER [CONTAINER...]",
                RM_FLAGS,
            ),
            None,
        ),
        _ => return None,
    })
}

pub(super) const DAEMON_FLAGS: &[FlagSpec] = &[
    boolean("userland-proxy", None),
    boolean("icc", None),
    boolean("ip-forward", None),
    boolean("iptables", None),
    value("bip", None, "10.200.0.1/24"),
    value("default-address-pool", None, "base=10.10.0.0/16,size=24").alias("default-address-pools"),
    boolean("debug", Some('D')).ignored(),
    boolean("experimental", None).ignored(),
    boolean("live-restore", None).ignored(),
    value("log-level", Some('l'), "info").ignored(),
    value("log-driver", None, "json-file").ignored(),
    value("log-opt", None, "max-size=10m")
        .alias("log-opts")
        .ignored(),
    value("storage-driver", None, "overlay2").ignored(),
    value("data-root", None, "/var/lib/docker").ignored(),
    value("registry-mirror", None, "https://mirror.example")
        .alias("registry-mirrors")
        .ignored(),
    value("insecure-registry", None, "registry.local:5000")
        .alias("insecure-registries")
        .ignored(),
    value("host", Some('H'), "unix:///var/run/docker.sock")
        .alias("hosts")
        .ignored(),
    value("group", Some('G'), "docker").ignored(),
    value("exec-opt", None, "native.cgroupdriver=systemd")
        .alias("exec-opts")
        .ignored(),
    value("userland-proxy-path", None, "/usr/bin/docker-proxy").ignored(),
    boolean("ip-masq", None).unsimulated(
        "turning off masquerading daemon-wide is not simulated yet; use -o \
         com.docker.network.bridge.enable_ip_masquerade=false on a network",
    ),
    boolean("ipv6", None).unsimulated(IPV6),
    boolean("ip6tables", None).unsimulated(IPV6),
    value("fixed-cidr", None, "").unsimulated("--fixed-cidr is not simulated yet; use --bip"),
    value("fixed-cidr-v6", None, "").unsimulated(IPV6),
    value("default-gateway", None, "").unsimulated("--default-gateway is not simulated yet"),
    value("default-gateway-v6", None, "").unsimulated(IPV6),
    value("mtu", None, "").unsimulated("a daemon-wide MTU is not simulated yet"),
    value("ip", None, "").unsimulated(
        "a daemon-wide default binding IP is not simulated yet; use -p IP:HOST:CONTAINER or \
         -o com.docker.network.bridge.host_binding_ipv4 on a network",
    ),
    value("bridge", Some('b'), "")
        .unsimulated("attaching docker0 to another bridge is not simulated"),
    value("dns", None, "")
        .alias("dns-opt")
        .unsimulated("daemon-wide DNS options are not simulated yet"),
    value("dns-search", None, "").unsimulated("daemon-wide DNS options are not simulated yet"),
    boolean("ip-forward-no-drop", None).unsimulated("--ip-forward-no-drop is not simulated yet"),
    boolean("allow-direct-routing", None)
        .unsimulated("--allow-direct-routing is not simulated yet"),
    value("default-network-opt", None, "")
        .alias("default-network-opts")
        .unsimulated("default network driver options are not simulated yet"),
];

pub(super) const DAEMON: CmdSpec = CmdSpec {
    name: "dockerd",
    usage: "dockerd [OPTIONS]",
    flags: DAEMON_FLAGS,
    interspersed: true,
    h_is_help: true,
    words_as_flags: true,
};
