use super::*;

fn run(line: &str) -> RunSpec {
    match parse_command(line) {
        Ok(DockerCommand::Run(r)) => r,
        other => panic!("{line}: expected a run, got {other:?}"),
    }
}

fn create(line: &str) -> NetworkCreate {
    match parse_command(line) {
        Ok(DockerCommand::NetworkCreate(n)) => n,
        other => panic!("{line}: expected a network create, got {other:?}"),
    }
}

fn fail(line: &str) -> CliError {
    match parse_command(line) {
        Err(e) => e,
        Ok(c) => panic!("{line}: expected an error, got {c:?}"),
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().expect("test ip")
}

#[test]
fn lifecycle_commands() {
    let lc = |line: &str| match parse_command(line) {
        Ok(DockerCommand::Lifecycle { action, containers }) => (action, containers),
        other => panic!("{line}: expected a lifecycle command, got {other:?}"),
    };
    assert_eq!(
        lc("docker container rm -f web db"),
        (
            ContainerAction::Remove { force: true },
            vec!["web".to_string(), "db".to_string()]
        )
    );
    assert_eq!(
        lc("docker rm web").0,
        ContainerAction::Remove { force: false }
    );
    assert_eq!(
        lc("docker kill web").0,
        ContainerAction::Kill { stops: true }
    );
    assert_eq!(
        lc("docker kill -s sighup web").0,
        ContainerAction::Kill { stops: false },
        "an nginx reload"
    );
    assert_eq!(
        lc("docker container remove web").0,
        ContainerAction::Remove { force: false }
    );
    assert!(parse_command("docker remove web").is_err());
    assert_eq!(lc("docker stop -t 0 web").0, ContainerAction::Stop);
    assert_eq!(lc("docker restart web").0, ContainerAction::Restart);
    assert_eq!(lc("sudo docker start -a web").0, ContainerAction::Start);
    let e = fail("docker rm --link web");
    assert!(e.help.contains("legacy links"), "{e}");
    let e = fail("docker stpo web");
    assert!(e.help.contains("docker stop"), "{e}");
}

fn net(s: &str) -> Ipv4Net {
    s.parse().expect("test net")
}

fn pb(
    host_ip: Option<&str>,
    host_port: Option<u16>,
    container_port: u16,
    proto: PortProto,
) -> PortBinding {
    PortBinding {
        host_ip: host_ip.map(ip),
        host_port,
        container_port,
        proto,
    }
}

use PortProto::{Tcp, Udp};

#[test]
fn minimal_run() {
    let r = run("docker run nginx");
    assert_eq!(r, RunSpec::new("nginx"));
    assert_eq!(run("run nginx"), r);
    assert_eq!(run("sudo docker run nginx"), r);
    assert_eq!(run("docker container run nginx"), r);
}

#[test]
fn run_flag_forms() {
    let r = run("docker run -d --name web --network mynet -p 8080:80 nginx:1.27-alpine");
    assert!(r.detach);
    assert_eq!(r.name.as_deref(), Some("web"));
    assert_eq!(r.network, NetworkMode::Named("mynet".into()));
    assert_eq!(r.publish, vec![pb(None, Some(8080), 80, Tcp)]);
    assert_eq!(r.image, "nginx:1.27-alpine");
    assert!(r.command.is_empty());

    let r2 = run("docker run --detach --name=web --net=mynet --publish=8080:80 nginx:1.27-alpine");
    assert_eq!(r, r2);
    let r3 = run("docker run -d --name web --network=mynet -p8080:80 nginx:1.27-alpine");
    assert_eq!(r, r3);
    let r4 = run("docker run -dp 8080:80 --name web --net mynet nginx:1.27-alpine");
    assert_eq!(r, r4);
    let r5 = run("docker run -dp8080:80 --name web --net mynet nginx:1.27-alpine");
    assert_eq!(r, r5);
    let r6 = run("docker run -d -p=8080:80 --name web --net mynet nginx:1.27-alpine");
    assert_eq!(r, r6);
}

#[test]
fn combined_short_booleans_and_ignored_flags() {
    let r = run(
        "docker run -dit --rm -e A=1 --env=B=2 -v /a:/b --volume /c:/d --restart always \
         -l x=y --label z=w -w /app --user 1000 -u 0 --entrypoint sh --cpus 1 -m 512m --memory=1g \
         alpine sh -c 'echo hi'",
    );
    assert!(r.detach);
    assert_eq!(r.image, "alpine");
    assert_eq!(r.command, vec!["sh", "-c", "echo hi"]);
    let r = run("docker run -it busybox");
    assert!(!r.detach);
    let r = run("docker run --detach=false nginx");
    assert!(!r.detach);
    let r = run("docker run -d=false nginx");
    assert!(!r.detach);
}

#[test]
fn command_after_image_is_not_parsed() {
    let r = run("docker run --name c1 busybox ping -c 3 --name x 10.0.0.1");
    assert_eq!(r.name.as_deref(), Some("c1"));
    assert_eq!(
        r.command,
        vec!["ping", "-c", "3", "--name", "x", "10.0.0.1"]
    );
    let r = run("docker run -- busybox -x");
    assert_eq!(r.image, "busybox");
    assert_eq!(r.command, vec!["-x"]);
}

#[test]
fn publish_forms() {
    assert_eq!(
        run("docker run -p 127.0.0.1:8080:80/udp nginx").publish,
        vec![pb(Some("127.0.0.1"), Some(8080), 80, Udp)]
    );
    assert_eq!(
        run("docker run -p 8000-8001:80-81 nginx").publish,
        vec![pb(None, Some(8000), 80, Tcp), pb(None, Some(8001), 81, Tcp)]
    );
    assert_eq!(
        run("docker run -p 53:53/udp coredns/coredns").publish,
        vec![pb(None, Some(53), 53, Udp)]
    );
    assert_eq!(
        run("docker run -p 80 nginx").publish,
        vec![pb(None, None, 80, Tcp)]
    );
    assert_eq!(
        run("docker run -p 127.0.0.1::80 nginx").publish,
        vec![pb(Some("127.0.0.1"), None, 80, Tcp)]
    );
    assert_eq!(
        run("docker run -p 0.0.0.0:80:80/TCP nginx").publish,
        vec![pb(Some("0.0.0.0"), Some(80), 80, Tcp)]
    );
    assert_eq!(
        run("docker run -p 80-81/udp nginx").publish,
        vec![pb(None, None, 80, Udp), pb(None, None, 81, Udp)]
    );
    let r = run("docker run -p 80:80 -p 443:443 --publish 53:53/udp nginx");
    assert_eq!(r.publish.len(), 3);
    let r = run("docker run -P nginx");
    assert!(r.publish_all);
    let r = run("docker run --publish-all --expose 8080 --expose 53/udp --expose 7000-7001 nginx");
    assert!(r.publish_all);
    assert_eq!(
        r.expose,
        vec![(8080, Tcp), (53, Udp), (7000, Tcp), (7001, Tcp)]
    );
}

#[test]
fn network_modes() {
    assert_eq!(run("docker run nginx").network, NetworkMode::Bridge);
    assert_eq!(
        run("docker run --network bridge nginx").network,
        NetworkMode::Bridge
    );
    assert_eq!(
        run("docker run --network=default nginx").network,
        NetworkMode::Bridge
    );
    assert_eq!(
        run("docker run --net host nginx").network,
        NetworkMode::Host
    );
    assert_eq!(
        run("docker run --network none nginx").network,
        NetworkMode::None
    );
    assert_eq!(
        run("docker run --network=container:web busybox").network,
        NetworkMode::Container("web".into())
    );
    assert_eq!(
        run("docker run --net=lab_net.1 nginx").network,
        NetworkMode::Named("lab_net.1".into())
    );
}

#[test]
fn run_sysctls() {
    let r = run("docker run --sysctl net.ipv4.tcp_syn_retries=2 \
         --sysctl=net.ipv4.tcp_syn_linear_timeouts=0 redis");
    assert_eq!(
        r.sysctls,
        vec![
            ("net.ipv4.tcp_syn_retries".into(), 2),
            ("net.ipv4.tcp_syn_linear_timeouts".into(), 0)
        ]
    );
    let e = fail("docker run --sysctl kernel.shmmax=1 redis");
    assert!(
        e.message.contains("kernel.shmmax is not simulated"),
        "{e:?}"
    );
    assert_eq!(e.token, "kernel.shmmax=1");
    let e = fail("docker run --sysctl net.ipv4.tcp_syn_retries=0 redis");
    assert!(e.message.contains("out of range"), "{e:?}");
    let e = fail("docker run --sysctl net.ipv4.tcp_syn_retries=two redis");
    assert!(e.message.contains("needs a number"), "{e:?}");
    let e = fail("docker run --network host --sysctl net.ipv4.tcp_syn_retries=2 redis");
    assert!(e.message.contains("not allowed"), "{e:?}");
    assert_eq!(e.token, "--sysctl");
}

#[test]
fn run_network_details() {
    let r = run(
        "docker run --network lab --network-alias db --net-alias database --ip 172.20.0.10 \
         --dns 8.8.8.8 --dns=1.1.1.1 -h dbhost --add-host api.local:10.0.0.5 \
         --add-host=cache=10.0.0.6 postgres",
    );
    assert_eq!(r.aliases, vec!["db", "database"]);
    assert_eq!(r.ip, Some(ip("172.20.0.10")));
    assert_eq!(r.dns, vec![ip("8.8.8.8"), ip("1.1.1.1")]);
    assert_eq!(r.hostname.as_deref(), Some("dbhost"));
    assert_eq!(
        r.add_hosts,
        vec![
            ("api.local".into(), HostAddr::Ip(ip("10.0.0.5"))),
            ("cache".into(), HostAddr::Ip(ip("10.0.0.6")))
        ]
    );
    assert_eq!(
        run("docker run --hostname web nginx").hostname.as_deref(),
        Some("web")
    );
}

#[test]
fn quoting() {
    let r = run(r#"docker run --name "web" alpine sh -c "echo \"a b\"" '' it\'s"#);
    assert_eq!(r.name.as_deref(), Some("web"));
    assert_eq!(r.command, vec!["sh", "-c", "echo \"a b\"", "", "it's"]);
    let r = run("docker run \\\n  --name web \\\n  nginx # the web server");
    assert_eq!(r.name.as_deref(), Some("web"));
    assert!(r.command.is_empty());
}

#[test]
fn network_create() {
    let n = create("docker network create mynet");
    assert_eq!(n, NetworkCreate::new("mynet"));
    assert_eq!(create("network create mynet"), n);
    let n = create(
        "docker network create --driver bridge --subnet 172.20.0.0/16 --gateway=172.20.0.1 \
         --ip-range 172.20.5.0/24 --internal --attachable --label team=net --label solo \
         -o com.docker.network.bridge.name=br-lab \
         --opt com.docker.network.bridge.enable_icc=false \
         -o=com.docker.network.bridge.enable_ip_masquerade=false \
         -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 \
         -o com.docker.network.bridge.gateway_mode_ipv4=routed \
         -o com.docker.network.driver.mtu=1450 \
         -o com.docker.network.host_ipv4=192.168.1.10 lab",
    );
    assert_eq!(n.name, "lab");
    assert_eq!(n.subnet, Some(net("172.20.0.0/16")));
    assert_eq!(n.gateway, Some(ip("172.20.0.1")));
    assert_eq!(n.ip_range, Some(net("172.20.5.0/24")));
    assert!(n.internal);
    assert_eq!(n.bridge_name.as_deref(), Some("br-lab"));
    assert!(!n.icc);
    assert!(!n.ip_masquerade);
    assert_eq!(n.host_binding_ipv4, Some(ip("127.0.0.1")));
    assert_eq!(n.gateway_mode.as_deref(), Some("routed"));
    assert_eq!(n.mtu, Some(1450));
    assert_eq!(n.host_ipv4, Some(ip("192.168.1.10")));
    assert_eq!(
        n.labels,
        vec![
            ("team".into(), "net".into()),
            ("solo".into(), String::new())
        ]
    );
    // Flags after the name, and -d.
    let n = create("docker network create lab -d bridge --subnet=10.1.0.0/24");
    assert_eq!(n.subnet, Some(net("10.1.0.0/24")));
}

#[test]
fn connect_and_disconnect() {
    assert_eq!(
        parse_command("docker network connect --alias db --alias pg --ip 172.20.0.9 lab web"),
        Ok(DockerCommand::NetworkConnect(NetworkConnect {
            network: "lab".into(),
            container: "web".into(),
            aliases: vec!["db".into(), "pg".into()],
            ip: Some(ip("172.20.0.9")),
            gw_priority: 0,
        }))
    );
    assert_eq!(
        parse_command("network connect lab web --alias=db"),
        Ok(DockerCommand::NetworkConnect(NetworkConnect {
            network: "lab".into(),
            container: "web".into(),
            aliases: vec!["db".into()],
            ip: None,
            gw_priority: 0,
        }))
    );
    assert_eq!(
        parse_command("docker network connect --gw-priority -5 lab web"),
        Ok(DockerCommand::NetworkConnect(NetworkConnect {
            network: "lab".into(),
            container: "web".into(),
            aliases: vec![],
            ip: None,
            gw_priority: -5,
        }))
    );
    assert_eq!(
        parse_command("docker network disconnect -f lab web"),
        Ok(DockerCommand::NetworkDisconnect {
            network: "lab".into(),
            container: "web".into()
        })
    );
}

#[test]
fn daemon_args() {
    let o = parse_daemon_args(
        "--userland-proxy=false --icc=false --ip-forward=true --iptables=true --bip 10.200.0.1/24 \
         --default-address-pool base=10.10.0.0/16,size=24",
    )
    .expect("valid");
    assert!(!o.userland_proxy);
    assert!(!o.icc);
    assert!(o.ip_forward);
    assert!(o.iptables);
    assert_eq!(o.bip, Some(net("10.200.0.1/24")));
    assert_eq!(o.default_pools, vec![(net("10.10.0.0/16"), 24)]);

    assert_eq!(parse_daemon_args(""), Ok(DaemonOptions::default()));
    assert_eq!(DaemonOptions::default().default_pools.len(), 7);
    let o = parse_daemon_args("sudo dockerd --icc false --iptables").expect("valid");
    assert!(!o.icc && o.iptables);
    let o = parse_daemon_args("userland-proxy=false icc: false bip:10.1.0.1/16").expect("valid");
    assert!(!o.userland_proxy && !o.icc);
    assert_eq!(o.bip, Some(net("10.1.0.1/16")));
    let o = parse_daemon_args(
        r#"{"icc": false, "userland-proxy": false, "bip": "10.9.0.1/24", "log-driver": "json-file",
           "default-address-pools": [{"base": "10.20.0.0/16", "size": 26}]}"#,
    )
    .expect("valid");
    assert!(!o.icc && !o.userland_proxy);
    assert_eq!(o.bip, Some(net("10.9.0.1/24")));
    assert_eq!(o.default_pools, vec![(net("10.20.0.0/16"), 26)]);
}

#[test]
fn daemon_errors() {
    let e = parse_daemon_args("--icc=false --ip-masq=false").expect_err("unsimulated");
    assert_eq!((e.column, e.token.as_str()), (13, "--ip-masq=false"));
    assert!(e.message.contains("not simulated"), "{e}");
    let e = parse_daemon_args("--icx=false").expect_err("typo");
    assert_eq!(e.message, "unknown flag: --icx");
    assert_eq!(e.help, "did you mean --icc?");
    let e = parse_daemon_args("--default-address-pool base=10.10.0.0/16,size=8").expect_err("size");
    assert_eq!(e.column, 47);
    let e = parse_daemon_args("--bip nonsense").expect_err("bip");
    assert_eq!((e.column, e.token.as_str()), (7, "nonsense"));
    let e = parse_daemon_args(r#"{"icc": "no"}"#).expect_err("json type");
    assert_eq!(e.column, 2);
    assert!(parse_daemon_args("{\"icc\": ").is_err());
}

#[test]
fn error_unknown_flag_with_suggestion() {
    let e = fail("docker run --publsh 80:80 nginx");
    assert_eq!(e.message, "unknown flag: --publsh");
    assert_eq!(e.help, "did you mean --publish?");
    assert_eq!((e.column, e.token.as_str()), (12, "--publsh"));
    let e = fail("docker run -x nginx");
    assert_eq!(e.message, "unknown shorthand flag: 'x' in -x");
    let e = fail("docker run -name web nginx");
    assert_eq!(e.help, "did you mean --name? long flags take two dashes");
    let e = fail("docker network create --subnt 10.0.0.0/24 n");
    assert_eq!(e.help, "did you mean --subnet?");
}

#[test]
fn error_missing_value_and_image() {
    let e = fail("docker run --name");
    assert_eq!(e.message, "flag needs an argument: --name");
    assert_eq!((e.column, e.token.as_str()), (12, "--name"));
    let e = fail("docker run --name -d nginx");
    assert_eq!(e.message, "flag needs an argument: --name");
    let e = fail("docker run -d -p");
    assert_eq!(e.message, "flag needs an argument: 'p' in -p");
    assert_eq!(e.column, 15);
    let e = fail("docker run -d --name web");
    assert_eq!(
        e.message,
        "\"docker run\" requires at least 1 argument: the image"
    );
    assert_eq!((e.column, e.token.as_str()), (25, ""));
    // A quoted value may start with a dash.
    assert!(parse_command("docker run --entrypoint '-x' busybox").is_ok());
}

#[test]
fn error_columns_inside_values() {
    let e = fail("docker run -p 8080:99999 nginx");
    assert_eq!((e.column, e.token.as_str()), (20, "99999"));
    let e = fail("docker run -p 127.0.0.300:80:80 nginx");
    assert_eq!((e.column, e.token.as_str()), (15, "127.0.0.300"));
    let e = fail("docker run -p 8000-8002:80-81 nginx");
    assert!(e.message.starts_with("invalid ranges"), "{e}");
    let e = fail("docker run -p 80:80/sctp nginx");
    assert_eq!((e.column, e.token.as_str()), (21, "sctp"));
    let e = fail("docker run --publish=8080:0 nginx");
    assert_eq!((e.column, e.token.as_str()), (27, "0"));
    let e = fail("docker run -p 81-80 nginx");
    assert!(e.message.contains("end is before the start"), "{e}");
    let e = fail("docker run --dns 8.8.8 nginx");
    assert_eq!((e.column, e.token.as_str()), (18, "8.8.8"));
    let r = run("docker run --add-host host.docker.internal:host-gateway nginx");
    assert_eq!(
        r.add_hosts,
        [("host.docker.internal".to_string(), HostAddr::HostGateway)]
    );
}

#[test]
fn error_quotes_and_commands() {
    let e = fail("docker run --name 'web nginx");
    assert_eq!((e.column, e.token.as_str()), (19, "'"));
    assert_eq!(e.message, "unterminated single quote");
    let e = fail("docker run \"nginx");
    assert_eq!(e.column, 12);
    let e = fail("docker rnu nginx");
    assert_eq!((e.column, e.token.as_str()), (8, "rnu"));
    assert!(e.message.contains("docker rnu"));
    assert!(e.help.contains("did you mean `docker run`?"), "{}", e.help);
    assert!(e.help.contains("docker network connect"));
    let e = fail("docker ps");
    assert!(e.message.contains("not supported"));
    let e = fail("docker network craete x");
    assert!(e.help.contains("docker network create"));
    let e = fail("");
    assert_eq!(e.column, 1);
    let e = fail("docker run nginx && docker ps");
    assert_eq!((e.column, e.token.as_str()), (18, "&&"));
    let e = fail("docker run --help");
    assert!(e.message.starts_with("usage: docker run"));
}

#[test]
fn error_network_create() {
    let e = fail("docker network create -d overlay ov");
    assert_eq!(e.message, "network driver \"overlay\" is not simulated yet");
    assert_eq!((e.column, e.token.as_str()), (26, "overlay"));
    let e = fail("docker network create -o com.docker.network.bridge.nam=x n");
    assert_eq!(e.token, "com.docker.network.bridge.nam");
    assert_eq!(e.help, "did you mean com.docker.network.bridge.name?");
    let e = fail("docker network create --subnet 172.20.0.1/16 n");
    assert_eq!(
        e.message,
        "invalid subnet 172.20.0.1/16: it should be 172.20.0.0/16"
    );
    let e = fail("docker network create --gateway 172.20.0.1 n");
    assert_eq!(
        e.message,
        "every ip-range or gateway must have a corresponding subnet"
    );
    let e = fail("docker network create --subnet 10.0.0.0/24 --gateway 10.0.1.1 n");
    assert_eq!(e.message, "no matching subnet for gateway 10.0.1.1");
    let e = fail("docker network create --subnet 10.0.0.0/24 --ip-range 10.0.0.0/16 n");
    assert!(e.message.starts_with("no matching subnet for range"));
    let e = fail("docker network create");
    assert_eq!(
        e.message,
        "\"docker network create\" requires exactly 1 argument"
    );
    let e = fail("docker network create a b");
    assert_eq!((e.column, e.token.as_str()), (25, "b"));
    let e = fail("docker network create host");
    assert_eq!(
        e.message,
        "host is a pre-defined network and cannot be created"
    );
    let e = fail("docker network create --ipv6 n");
    assert!(e.message.contains("not simulated"));
    let e = fail("docker network create -o com.docker.network.driver.mtu=20 n");
    assert_eq!(e.token, "20");
    let e = fail("docker network create -o com.docker.network.bridge.enable_icc=nope n");
    assert_eq!(e.token, "nope");
}

#[test]
fn error_run_semantics() {
    let e = fail("docker run --network container:web -p 80:80 nginx");
    assert_eq!(
        e.message,
        "conflicting options: port publishing and the container type network mode"
    );
    assert_eq!((e.column, e.token.as_str()), (36, "-p"));
    let e = fail("docker run --ip 172.17.0.5 nginx");
    assert_eq!(
        e.message,
        "user specified IP address is supported on user defined networks only"
    );
    let e = fail("docker run --network-alias x nginx");
    assert!(e.message.starts_with("network-scoped alias"));
    let e = fail("docker run --name a nginx");
    assert!(e.message.starts_with("Invalid container name (a)"));
    let e = fail("docker run Nginx");
    assert!(e.message.contains("must be lowercase"));
    let e = fail("docker run --network a --network b nginx");
    assert_eq!(e.column, 24);
    let e = fail("docker run --network=container: nginx");
    assert!(e.message.contains("container:<name|id>"));
    let e = fail("docker run --link db nginx");
    assert!(e.message.contains("not simulated"));
}

#[test]
fn error_connect() {
    let e = fail("docker network connect lab");
    assert_eq!(
        e.message,
        "\"docker network connect\" requires exactly 2 arguments"
    );
    assert!(e.help.contains("missing the container"));
    let e = fail("docker network disconnect a b c");
    assert_eq!(e.token, "c");
    let e = fail("docker network connect --ip 1.2.3 lab web");
    assert_eq!(e.token, "1.2.3");
}

#[test]
fn more_edge_cases() {
    let e = fail("docker run -p 8000-8010:80 nginx");
    assert!(e.message.contains("not simulated yet"), "{e}");
    assert_eq!(e.token, "8000-8010");
    let e = fail("docker run -p 127.0.0.1:80 nginx");
    assert!(e.help.contains("127.0.0.1::80"), "{}", e.help);
    let e = fail("docker run -p [::1]:80:80 nginx");
    assert!(e.message.contains("IPv6"), "{e}");
    let e = fail("docker network create --help");
    assert!(e.message.starts_with("usage: docker network create"));
    let e = fail("docker network create -h");
    assert!(e.message.starts_with("usage: docker network create"));
    let e = fail("docker run -h");
    assert_eq!(e.message, "flag needs an argument: 'h' in -h");
    let e = fail("docker run --name= nginx");
    assert_eq!((e.column, e.token.as_str()), (19, ""));
    let e = fail("docker run --network 'my net' nginx");
    assert_eq!((e.column, e.token.as_str()), (22, "my net"));
    let e = fail("docker run registry.example.com:5000/Team/app");
    assert!(e.message.contains("must be lowercase"), "{e}");
    assert!(parse_command("docker run registry.example.com:5000/team/app:V1@sha256:ab").is_ok());
    let e = fail("docker run ünï --name");
    assert_eq!(e.column, 12);
    let e = fail("docker network create --subnet 2001:db8::/64 n");
    assert!(e.message.contains("IPv6"), "{e}");
    let o = parse_daemon_args(
        "--default-address-pool base=10.10.0.0/16,size=24 \
         --default-address-pool=base=10.20.0.0/16,size=28",
    )
    .expect("valid");
    assert_eq!(
        o.default_pools,
        vec![(net("10.10.0.0/16"), 24), (net("10.20.0.0/16"), 28)]
    );
}

#[test]
fn display_has_message_and_help() {
    let e = fail("docker run --publsh 80 nginx");
    assert_eq!(
        e.to_string(),
        "unknown flag: --publsh\nhelp: did you mean --publish?"
    );
}

#[test]
fn image_ports_cases() {
    assert_eq!(image_ports("nginx"), vec![(80, Tcp)]);
    assert_eq!(image_ports("library/nginx:1.27-alpine"), vec![(80, Tcp)]);
    assert_eq!(
        image_ports("docker.io/library/redis@sha256:abcdef"),
        vec![(6379, Tcp)]
    );
    assert_eq!(image_ports("localhost:5000/postgres:16"), vec![(5432, Tcp)]);
    assert_eq!(image_ports("mariadb"), vec![(3306, Tcp)]);
    assert_eq!(image_ports("mysql:8"), vec![(3306, Tcp)]);
    assert_eq!(image_ports("mongo"), vec![(27017, Tcp)]);
    assert_eq!(image_ports("memcached"), vec![(11211, Tcp)]);
    assert_eq!(image_ports("rabbitmq:3-management"), vec![(5672, Tcp)]);
    assert_eq!(image_ports("traefik:v3"), vec![(80, Tcp)]);
    assert_eq!(image_ports("httpd"), vec![(80, Tcp)]);
    assert_eq!(image_ports("caddy"), vec![(80, Tcp)]);
    assert_eq!(
        image_ports("coredns/coredns:1.11"),
        vec![(53, Udp), (53, Tcp)]
    );
    assert!(image_ports("busybox").is_empty());
    assert!(image_ports("alpine:3.20").is_empty());
    assert!(image_ports("ubuntu").is_empty());
    assert!(image_ports("debian").is_empty());
    assert!(image_ports("").is_empty());
}

#[test]
fn serde_round_trip() {
    let c = parse_command("docker run -p 127.0.0.1:8080:80/udp --network container:x busybox").ok();
    let json = serde_json::to_string(&c).expect("serialize");
    let back: Option<DockerCommand> = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, c);
}

mod props {
    use super::super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "docker",
        "sudo",
        "run",
        "network",
        "create",
        "connect",
        "disconnect",
        "container",
        "-d",
        "-dit",
        "-p",
        "-P",
        "-p8080:80",
        "--publish",
        "--publish=",
        "--name",
        "--name=",
        "--network",
        "--net=host",
        "container:",
        "container:web",
        "--ip",
        "--dns",
        "-h",
        "--add-host",
        "--expose",
        "--alias",
        "-o",
        "--opt",
        "--subnet",
        "--gateway",
        "--ip-range",
        "--internal",
        "--driver",
        "bridge",
        "overlay",
        "80",
        "8080:80",
        "127.0.0.1::80",
        "1-65535:1-65535",
        "53/udp",
        "0",
        "65536",
        "10.0.0.0/8",
        "10.0.0.1",
        "::1",
        "[::1]:80:80",
        "nginx",
        "Nginx",
        "--",
        "-",
        "=",
        "'",
        "\"",
        "\\",
        "''",
        "#",
        "&&",
        "--icc",
        "false",
        "--bip",
        "--default-address-pool",
        "base=10.0.0.0/8,size=24",
        "size=99",
        "{",
        "}",
        "é",
        "--help",
        "-o=com.docker.network.driver.mtu=9000",
        "com.docker.network.bridge.name=",
    ];

    fn soup() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(WORDS), 0..12).prop_map(|w| w.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn token_soup_never_panics(line in soup()) {
            let _ = parse_command(&line);
            let _ = parse_daemon_args(&line);
        }

        #[test]
        fn random_strings_never_panic(line in any::<String>()) {
            let _ = parse_command(&line);
            let _ = parse_daemon_args(&line);
            let _ = image_ports(&line);
        }

        #[test]
        fn error_columns_are_in_range(line in soup()) {
            if let Err(e) = parse_command(&line) {
                prop_assert!(e.column >= 1 && e.column <= line.chars().count() + 1);
            }
        }
    }
}
