//! Tests of the netfilter module. Files under `testdata/` were produced by the real tool
//! (iptables v1.8.9 nf_tables, in a scratch network namespace): `X.in` was fed to
//! `iptables-restore`, `X.save` is what `iptables-save` then printed (without the
//! `# Generated` lines), `X.T.list` is `iptables -t T -L -n -v`.

use super::*;
use crate::wire::IpProto;
use std::net::Ipv4Addr;

fn parse(text: &str) -> Ruleset {
    match Ruleset::parse(text) {
        Ok(r) => r,
        Err(e) => panic!("parse failed: {e}\n{text}"),
    }
}

fn canon(spec: &str) -> String {
    match spec.parse::<Rule>() {
        Ok(r) => r.to_string(),
        Err(e) => panic!("`{spec}`: {e}"),
    }
}

const DOCKER: &str = "*filter
:FORWARD DROP [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
COMMIT
*nat
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
COMMIT
*raw
-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP
-A PREROUTING -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8080 -j DROP
COMMIT
";

const DNS: &str = "*nat
:DOCKER_OUTPUT - [0:0]
:DOCKER_POSTROUTING - [0:0]
-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT
-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING
-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:40215
-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:51034
-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p tcp -m tcp --sport 40215 -j SNAT --to-source :53
-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 51034 -j SNAT --to-source :53
COMMIT
";

fn rule_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("-A")).collect()
}

/// Rule lines grouped per table, in input order within each chain group.
fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

#[test]
fn docker_listings_round_trip() {
    for text in [DOCKER, DNS] {
        let out = parse(text).iptables_save();
        assert_eq!(sorted(rule_lines(text)), sorted(rule_lines(&out)), "{out}");
        // The printed text is a fixed point.
        assert_eq!(parse(&out).iptables_save(), out);
    }
    // Every rule line on its own is canonical.
    for line in rule_lines(DOCKER).into_iter().chain(rule_lines(DNS)) {
        let spec = line.splitn(3, ' ').nth(2).unwrap_or("");
        assert_eq!(canon(spec), spec);
    }
}

#[test]
fn matches_real_iptables_save() {
    for (input, expected) in [
        (
            include_str!("testdata/docker_all.in"),
            include_str!("testdata/docker_all.save"),
        ),
        (
            include_str!("testdata/misc.in"),
            include_str!("testdata/misc.save"),
        ),
    ] {
        let rs = parse(input);
        let out = if expected.starts_with("*filter\n:INPUT ACCEPT [10") {
            rs.iptables_save_with_counters()
        } else {
            rs.iptables_save()
        };
        assert_eq!(out, expected);
    }
}

#[test]
fn matches_real_iptables_list() {
    let rs = parse(include_str!("testdata/docker_all.in"));
    assert_eq!(
        rs.list_verbose(TableName::Filter),
        include_str!("testdata/docker_all.filter.list")
    );
    assert_eq!(
        rs.list_verbose(TableName::Nat),
        include_str!("testdata/docker_all.nat.list")
    );
    let rs = parse(include_str!("testdata/misc.in"));
    assert_eq!(
        rs.list_verbose(TableName::Filter),
        include_str!("testdata/misc.filter.list")
    );
}

#[test]
fn canonicalisation() {
    let cases = [
        (
            "-p tcp --dport 80 -j ACCEPT",
            "-p tcp -m tcp --dport 80 -j ACCEPT",
        ),
        (
            "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
            "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        ),
        (
            "-m conntrack --ctstate untracked,new,invalid",
            "-m conntrack --ctstate INVALID,NEW,UNTRACKED",
        ),
        ("-d 172.17.0.2 -j DROP", "-d 172.17.0.2/32 -j DROP"),
        ("-s 10.1.2.3/8 -j DROP", "-s 10.0.0.0/8 -j DROP"),
        ("-s 0.0.0.0/0 -j DROP", "-j DROP"),
        ("-p 6 -j DROP", "-p tcp -j DROP"),
        ("-p all -j DROP", "-j DROP"),
        ("-p 47 -j DROP", "-p gre -j DROP"),
        ("-p 253 -j DROP", "-p 253 -j DROP"),
        ("-j REJECT", "-j REJECT --reject-with icmp-port-unreachable"),
        (
            "-j REJECT --reject-with host-prohib",
            "-j REJECT --reject-with icmp-host-prohibited",
        ),
        ("-j MARK --set-mark 1", "-j MARK --set-xmark 0x1/0xffffffff"),
        ("-j MARK --set-mark 0x5/0xf", "-j MARK --set-xmark 0x5/0xf"),
        (
            "-j MARK --and-mark 0xf0",
            "-j MARK --set-xmark 0x0/0xffffff0f",
        ),
        ("-j MARK --or-mark 3", "-j MARK --set-xmark 0x3/0x3"),
        ("-j MARK --xor-mark 3", "-j MARK --set-xmark 0x3/0x0"),
        ("-m mark --mark 1", "-m mark --mark 0x1"),
        ("-m mark ! --mark 0x1/0xff", "-m mark ! --mark 0x1/0xff"),
        ("-m mark --mark 0x10/0xffffffff", "-m mark --mark 0x10"),
        (
            "-m comment --comment \"hello world\" -j ACCEPT",
            "-m comment --comment \"hello world\" -j ACCEPT",
        ),
        ("-m comment --comment simple", "-m comment --comment simple"),
        (
            "-m comment --comment \"a.b\"",
            "-m comment --comment \"a.b\"",
        ),
        (
            "-m comment --comment \"it's\"",
            "-m comment --comment \"it\\'s\"",
        ),
        (
            "-j LOG --log-prefix \"DROP: \"",
            "-j LOG --log-prefix \"DROP: \"",
        ),
        (
            "-j LOG --log-prefix X --log-level 4",
            "-j LOG --log-prefix X",
        ),
        ("-j LOG --log-level debug", "-j LOG --log-level 7"),
        (
            "-j SNAT --to-source :53 -p udp",
            "-p udp -j SNAT --to-source :53",
        ),
        (
            "-p tcp --syn",
            "-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN",
        ),
        (
            "-p tcp ! --syn",
            "-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN",
        ),
        (
            "-p tcp --tcp-flags ALL NONE",
            "-p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE",
        ),
        ("-p tcp --dport 80:80", "-p tcp -m tcp --dport 80"),
        ("-p tcp --dport :1000", "-p tcp -m tcp --dport 0:1000"),
        (
            "-p tcp --dport 22 --sport 1000:",
            "-p tcp -m tcp --sport 1000:65535 --dport 22",
        ),
        ("-p udp -m udp ! --dport 53", "-p udp -m udp ! --dport 53"),
        (
            "-p icmp --icmp-type echo-request",
            "-p icmp -m icmp --icmp-type 8",
        ),
        (
            "-p icmp --icmp-type port-unreachable",
            "-p icmp -m icmp --icmp-type 3/3",
        ),
        (
            "-p icmp -m icmp ! --icmp-type any",
            "-p icmp -m icmp ! --icmp-type any",
        ),
        (
            "-m addrtype --dst-type BROADCAST,local",
            "-m addrtype --dst-type LOCAL,BROADCAST",
        ),
        (
            "-m addrtype ! --src-type LOCAL --limit-iface-in",
            "-m addrtype ! --src-type LOCAL --limit-iface-in",
        ),
        (
            "-m state --state ESTABLISHED,NEW",
            "-m state --state NEW,ESTABLISHED",
        ),
        (
            "-p tcp -m multiport --dports 80,443,1000:2000",
            "-p tcp -m multiport --dports 80,443,1000:2000",
        ),
        (
            "-p udp -m multiport ! --sports 53",
            "-p udp -m multiport ! --sports 53",
        ),
        (
            "! -s 10.0.0.1 ! -d 10.0.0.0/255.255.0.0 ! -i eth0 ! -o eth+ ! -p tcp -j DROP",
            "! -s 10.0.0.1/32 ! -d 10.0.0.0/16 ! -i eth0 ! -o eth+ ! -p tcp -j DROP",
        ),
        (
            "-j DOCKER -p tcp -o docker0 -d 1.2.3.4",
            "-d 1.2.3.4/32 -o docker0 -p tcp -j DOCKER",
        ),
        ("-g DOCKER", "-g DOCKER"),
        ("", ""),
        (
            "-p tcp -m comment --comment x --dport 80",
            "-p tcp -m comment --comment x -m tcp --dport 80",
        ),
        (
            "-p tcp -m tcp --dport 80 -m comment --comment x --sport 5",
            "-p tcp -m tcp --sport 5 --dport 80 -m comment --comment x",
        ),
        (
            "-p tcp -j MASQUERADE --to-ports 1000-2000",
            "-p tcp -j MASQUERADE --to-ports 1000-2000",
        ),
        (
            "--source 1.2.3.4 --protocol udp --jump ACCEPT",
            "-s 1.2.3.4/32 -p udp -j ACCEPT",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(canon(input), want, "input: {input}");
        assert_eq!(canon(want), want, "not a fixed point: {want}");
    }
}

fn err(text: &str) -> NetfilterError {
    match Ruleset::parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn errors_carry_position_and_help() {
    let e = err("*filter\n-A INPUT -p tcp --dprot 80 -j ACCEPT\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::UnknownOption(_)));
    assert_eq!((e.line(), e.column(), e.token()), (2, 17, "--dprot"));
    assert!(e.message().contains("did you mean `--dport`?"), "{e}");

    let e = err("*filter\n:DOCKER - [0:0]\n-A FORWARD -o docker0 -j DOCKR\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::UnknownChain(_)));
    assert_eq!((e.line(), e.column(), e.token()), (3, 26, "DOCKR"));
    assert!(e.message().contains("did you mean `DOCKER`"), "{e}");

    let e = err("*filter\n-A FORWARD -j NOPE\nCOMMIT\n");
    assert!(e.message().contains(":NOPE - [0:0]"), "{e}");

    let e = err("*nat\n-A POSTROUTING -j MASQUERADE\n");
    assert!(matches!(e, NetfilterError::MissingCommit(_)));
    assert!(e.message().contains("missing COMMIT for table nat"), "{e}");
    assert_eq!(e.line(), 2);

    let e = err("*nat\n*filter\nCOMMIT\n");
    assert_eq!((e.line(), e.column()), (2, 1));

    let e = err("*filter\n-A INPUT -j DNAT --to-destination 1.2.3.4\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::NotAllowed(_)));
    assert_eq!((e.line(), e.column(), e.token()), (2, 13, "DNAT"));

    let e = err("*nat\n-A POSTROUTING -j DNAT --to-destination 1.2.3.4\nCOMMIT\n");
    assert!(e.message().contains("PREROUTING/OUTPUT"), "{e}");

    let e = err("*nat\n-A PREROUTING -j MASQUERADE\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::NotAllowed(_)));

    let e = err("*filter\n:DOCKER ACCEPT [0:0]\nCOMMIT\n");
    assert_eq!((e.line(), e.column(), e.token()), (2, 9, "ACCEPT"));

    let e = err("*filter\n-A INPUT -o eth0 -j DROP\nCOMMIT\n");
    assert_eq!((e.line(), e.column(), e.token()), (2, 10, "-o"));

    let e = err("*filtre\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::UnknownTable(_)));
    assert_eq!((e.line(), e.column()), (1, 1));

    let e = err("-A INPUT -j DROP\n");
    assert_eq!(e.line(), 1);

    let e = err("*filter\n-A INPUT -s 300.1.1.1 -j DROP\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::InvalidValue(_)));
    assert_eq!((e.column(), e.token()), (13, "300.1.1.1"));

    let e = err("*filter\n-A INPUT -m comment --comment \"open -j DROP\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::Syntax(_)));
    assert_eq!(e.column(), 31);

    let e = err("*filter\n-A INPUT --dport 80 -j DROP\nCOMMIT\n");
    assert!(e.message().contains("-p tcp"), "{e}");

    let e = err("*filter\n-A INPUT -m tcp --dport 80\nCOMMIT\n");
    assert!(e.message().contains("add `-p tcp`"), "{e}");

    let e = err("*filter\n-A INPUT -p udp -j REJECT --reject-with tcp-reset\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::NotAllowed(_)));

    let e = err("*filter\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A B -j A\nCOMMIT\n");
    assert!(e.message().contains("loop"), "{e}");
    assert_eq!(e.line(), 5);

    let e = err("*filter\n-A INPUT -m foo\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::UnknownOption(_)));
    let e = err("*filter\n-A INPUT -m conntrack --ctstate NEW,BOGUS\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::InvalidValue(_)));
    let e = err("*filter\n-A INPUT -j DROP -j ACCEPT\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::Syntax(_)));

    // iptables 1.8.9 refuses these: "Invalid target name `a b'", "Invalid chain name `a b'".
    let e = err("*filter\n-A INPUT -j \"a b\"\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::InvalidValue(_)), "{e}");
    assert!(e.message().contains("spaces"), "{e}");
    let e = "-j \"a b\"".parse::<Rule>().unwrap_err();
    assert!(matches!(e, NetfilterError::InvalidValue(_)), "{e}");
    let e = IptablesCommand::parse("iptables -N \"a b\"").unwrap_err();
    assert!(e.message().contains("spaces"), "{e}");
    let e = err("*filter\n:!x - [0:0]\nCOMMIT\n");
    assert!(matches!(e, NetfilterError::InvalidValue(_)), "{e}");
    // iptables counts bytes: 15 two-byte letters are 30 bytes, over the 28 allowed.
    let e = IptablesCommand::parse(&format!("iptables -N {}", "é".repeat(15))).unwrap_err();
    assert!(e.message().contains("28 bytes"), "{e}");
}

#[test]
fn whole_file_features() {
    let text =
        "# comment\n\n*filter\n:INPUT DROP [3:120]\n:X - [0:0]\n[7:420] -A INPUT -j X\nCOMMIT\n";
    let rs = parse(text);
    let f = rs
        .table(TableName::Filter)
        .unwrap_or_else(|| panic!("filter"));
    let input = f.chain("INPUT").unwrap_or_else(|| panic!("INPUT"));
    assert_eq!(input.policy(), Some(Policy::Drop));
    assert_eq!(
        input.policy_counters(),
        Counters {
            packets: 3,
            bytes: 120
        }
    );
    assert_eq!(
        input.rules()[0].counters,
        Counters {
            packets: 7,
            bytes: 420
        }
    );
    assert_eq!(
        rs.iptables_save_with_counters(),
        "*filter\n:INPUT DROP [3:120]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n[7:420] -A INPUT -j X\nCOMMIT\n"
    );
    assert_eq!(parse("").iptables_save(), "");
    assert_eq!(
        parse("*nat\nCOMMIT\n*mangle\nCOMMIT\n")
            .iptables_save()
            .lines()
            .next(),
        Some("*mangle")
    );
}

fn ctx(src: &str, dst: &str, proto: IpProto) -> MatchCtx<'static> {
    let a = |s: &str| s.parse::<Ipv4Addr>().unwrap_or(Ipv4Addr::UNSPECIFIED);
    let mut c = MatchCtx::new(a(src), a(dst), proto);
    c.len = 100;
    c
}

fn actions(t: &Traversal) -> Vec<String> {
    t.steps
        .iter()
        .map(|s| match s {
            TraversalStep::RuleMatched {
                chain, rule_num, ..
            } => format!("{chain}#{rule_num}"),
            TraversalStep::ChainEnd { chain } => format!("end {chain}"),
            TraversalStep::Policy { chain, policy } => {
                format!("policy {chain} {}", policy.as_str())
            }
            TraversalStep::Log { prefix, .. } => format!("log {prefix}"),
        })
        .collect()
}

#[test]
fn docker_forward_traversal() {
    let mut rs = parse(DOCKER);
    // A new connection from outside to the published container port.
    let mut c = ctx("10.0.0.5", "172.17.0.2", IpProto::Tcp);
    c.dport = Some(80);
    c.sport = Some(40000);
    c.in_iface = Some("eth0");
    c.out_iface = Some("docker0");
    let t = rs.traverse(TableName::Filter, Hook::Forward, &mut c);
    assert_eq!(
        actions(&t),
        [
            "FORWARD#1",
            "DOCKER-USER#1",
            "FORWARD#2",
            "DOCKER-ISOLATION-STAGE-1#2",
            "FORWARD#4",
            "DOCKER#1"
        ]
    );
    assert_eq!(t.verdict, Verdict::Accept);
    if let Some(TraversalStep::RuleMatched { rule, .. }) = t.steps.last() {
        assert_eq!(
            rule,
            "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT"
        );
    }
    // Another port: falls off DOCKER, back to FORWARD, then the policy DROP.
    c.dport = Some(81);
    let t = rs.traverse(TableName::Filter, Hook::Forward, &mut c);
    assert_eq!(t.verdict, Verdict::Drop);
    assert_eq!(
        actions(&t).last().map(String::as_str),
        Some("policy FORWARD DROP")
    );
    assert!(actions(&t).contains(&"end DOCKER".to_string()));
    let f = rs
        .table(TableName::Filter)
        .unwrap_or_else(|| panic!("filter"));
    let fwd = f.chain("FORWARD").unwrap_or_else(|| panic!("FORWARD"));
    assert_eq!(
        fwd.rules()[0].counters,
        Counters {
            packets: 2,
            bytes: 200
        }
    );
    assert_eq!(
        fwd.policy_counters(),
        Counters {
            packets: 1,
            bytes: 100
        }
    );
    assert_eq!(
        f.chain("DOCKER").map(|c| c.rules()[0].counters.packets),
        Some(1)
    );
    // Established reply traffic.
    let mut r = ctx("172.17.0.2", "10.0.0.5", IpProto::Tcp);
    r.ctstate = CtState::Established;
    r.in_iface = Some("eth0");
    r.out_iface = Some("docker0");
    assert_eq!(
        actions(&rs.traverse(TableName::Filter, Hook::Forward, &mut r))
            .last()
            .map(String::as_str),
        Some("FORWARD#3")
    );
    // Container to container on another bridge gets isolated.
    let mut x = ctx("172.17.0.2", "172.18.0.2", IpProto::Udp);
    x.in_iface = Some("docker0");
    x.out_iface = Some("br-1234");
    let t = rs.traverse(TableName::Filter, Hook::Forward, &mut x);
    assert_eq!(t.verdict, Verdict::Accept);
    assert!(actions(&t).contains(&"DOCKER-ISOLATION-STAGE-2#2".to_string()));
}

#[test]
fn dnat_and_masquerade_verdicts() {
    let mut rs = parse(DOCKER);
    let mut c = ctx("10.0.0.5", "192.168.1.10", IpProto::Tcp);
    c.dport = Some(8080);
    c.in_iface = Some("eth0");
    c.dst_type = AddrType::Local;
    let t = rs.traverse(TableName::Nat, Hook::Prerouting, &mut c);
    assert_eq!(
        t.verdict,
        Verdict::Dnat(NatRange {
            addr: Some(Ipv4Addr::new(172, 17, 0, 2)),
            ports: Some((80, 80))
        })
    );
    // Not local: no DOCKER jump, nat policy ACCEPT.
    c.dst_type = AddrType::Unicast;
    let t = rs.traverse(TableName::Nat, Hook::Prerouting, &mut c);
    assert_eq!(
        (t.verdict.clone(), actions(&t)),
        (
            Verdict::Accept,
            vec!["policy PREROUTING ACCEPT".to_string()]
        )
    );
    // From docker0: RETURN in DOCKER.
    c.dst_type = AddrType::Local;
    c.in_iface = Some("docker0");
    let t = rs.traverse(TableName::Nat, Hook::Prerouting, &mut c);
    assert_eq!(
        actions(&t),
        ["PREROUTING#1", "DOCKER#1", "policy PREROUTING ACCEPT"]
    );
    let mut m = ctx("172.17.0.2", "8.8.8.8", IpProto::Udp);
    m.out_iface = Some("eth0");
    assert_eq!(
        rs.traverse(TableName::Nat, Hook::Postrouting, &mut m)
            .verdict,
        Verdict::Masquerade(None)
    );
    m.out_iface = Some("docker0");
    assert_eq!(
        rs.traverse(TableName::Nat, Hook::Postrouting, &mut m)
            .verdict,
        Verdict::Accept
    );
    // Absent table: accept, no steps.
    let t = rs.traverse(TableName::Mangle, Hook::Prerouting, &mut m);
    assert_eq!((t.verdict, t.steps.len()), (Verdict::Accept, 0));
}

#[test]
fn goto_return_mark_log() {
    let text = "*mangle
:A - [0:0]
:B - [0:0]
:C - [0:0]
-A PREROUTING -j A
-A PREROUTING -j MARK --set-mark 7
-A PREROUTING -m mark --mark 0x7 -j LOG --log-prefix \"seven \"
-A PREROUTING
-A A -g B
-A A -j MARK --set-mark 99
-A B -j C
-A B -j RETURN
-A B -j MARK --set-mark 98
-A C -i veth+ -j MARK --or-mark 0x100
COMMIT
";
    let mut rs = parse(text);
    let mut c = ctx("1.1.1.1", "2.2.2.2", IpProto::Icmp);
    c.in_iface = Some("veth12");
    let t = rs.traverse(TableName::Mangle, Hook::Prerouting, &mut c);
    // -g B replaces A's frame: RETURN in B goes back to PREROUTING, skipping A#2.
    assert_eq!(
        actions(&t),
        [
            "PREROUTING#1",
            "A#1",
            "B#1",
            "C#1",
            "end C",
            "B#2",
            "PREROUTING#2",
            "PREROUTING#3",
            "log seven ",
            "PREROUTING#4",
            "policy PREROUTING ACCEPT"
        ]
    );
    assert_eq!(c.mark, 7);
    assert!(matches!(
        &t.steps[3],
        TraversalStep::RuleMatched {
            action: StepAction::SetMark(0x100),
            ..
        }
    ));
    // Interface wildcard does not match `eth0`.
    c.in_iface = Some("eth0");
    c.mark = 0;
    let t = rs.traverse(TableName::Mangle, Hook::Prerouting, &mut c);
    assert!(!actions(&t).contains(&"C#1".to_string()));
}

#[test]
fn matches_evaluate() {
    let r = |s: &str| s.parse::<Rule>().unwrap_or_else(|e| panic!("{s}: {e}"));
    let mut c = ctx("10.1.2.3", "172.17.0.2", IpProto::Tcp);
    c.sport = Some(5555);
    c.dport = Some(443);
    c.tcp_flags = Some(0x02);
    c.ctstate = CtState::New;
    c.mark = 0x1f;
    c.src_type = AddrType::Unicast;
    c.dst_type = AddrType::Local;
    c.in_iface = Some("eth0");
    let yes = [
        "-s 10.0.0.0/8",
        "! -s 11.0.0.0/8",
        "-d 172.17.0.2",
        "-i eth+",
        "! -i eth1",
        "! -o docker0",
        "-p tcp --dport 400:500",
        "-p tcp ! --sport 80",
        "-p tcp --syn",
        "-p tcp --tcp-flags SYN,ACK SYN",
        "-m conntrack --ctstate NEW,ESTABLISHED",
        "-m conntrack ! --ctstate INVALID",
        "-m state --state NEW",
        "-m mark --mark 0xf/0xf",
        "-m mark ! --mark 0x1",
        "-m addrtype --dst-type LOCAL,BROADCAST",
        "-m addrtype ! --src-type LOCAL",
        "-p tcp -m multiport --dports 80,443",
        "-p tcp -m multiport --ports 5555",
        "-m comment --comment x",
        "! -p udp",
    ];
    for s in yes {
        assert!(rule_matches(&r(s), &c), "should match: {s}");
    }
    let no = [
        "-s 11.0.0.0/8",
        "-i docker0",
        "-o docker0",
        "-p udp",
        "-p tcp --dport 80",
        "-p tcp ! --syn",
        "-m conntrack --ctstate RELATED,ESTABLISHED",
        "-m mark --mark 0x1",
        "-m addrtype --src-type LOCAL",
        "-p tcp -m multiport ! --dports 443",
    ];
    for s in no {
        assert!(!rule_matches(&r(s), &c), "should not match: {s}");
    }
    let mut i = ctx("1.1.1.1", "2.2.2.2", IpProto::Icmp);
    i.icmp_type_code = Some((3, 3));
    assert!(rule_matches(
        &r("-p icmp --icmp-type destination-unreachable"),
        &i
    ));
    assert!(rule_matches(&r("-p icmp --icmp-type port-unreachable"), &i));
    assert!(!rule_matches(&r("-p icmp --icmp-type 3/1"), &i));
    assert!(rule_matches(&r("-p icmp ! --icmp-type echo-request"), &i));
    assert!(rule_matches(&r("-p icmp --icmp-type any"), &i));
}

#[test]
fn loop_guard_on_hand_built_rulesets() {
    let mut rs = Ruleset::default();
    let t = rs.ensure_table(TableName::Filter);
    t.add_user_chain("L");
    if let Some(c) = t.chain_mut("L") {
        c.rules.push(RuleEntry {
            rule: Rule {
                target: Target::Jump("L".into()),
                ..Rule::default()
            },
            counters: Counters::default(),
        });
    }
    if let Some(c) = t.chain_mut("INPUT") {
        c.rules.push(RuleEntry {
            rule: Rule {
                target: Target::Goto("L".into()),
                ..Rule::default()
            },
            counters: Counters::default(),
        });
    }
    let mut c = ctx("1.1.1.1", "2.2.2.2", IpProto::Udp);
    let tr = rs.traverse(TableName::Filter, Hook::Input, &mut c);
    assert_eq!(tr.verdict, Verdict::Drop);
    assert!(
        matches!(tr.steps.last(), Some(TraversalStep::Log { prefix, .. }) if prefix.starts_with("docknet:"))
    );
    // A goto loop does not grow the stack; the visit limit stops it.
    if let Some(c) = rs.ensure_table(TableName::Filter).chain_mut("L") {
        c.rules[0].rule.target = Target::Goto("L".into());
    }
    assert_eq!(
        rs.traverse(TableName::Filter, Hook::Input, &mut c).verdict,
        Verdict::Drop
    );
}

#[test]
fn commands() {
    let mut rs = Ruleset::default();
    let ok = |rs: &mut Ruleset, s: &str| rs.run_command(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    ok(&mut rs, "iptables -N DOCKER");
    ok(&mut rs, "iptables -A FORWARD -o docker0 -j DOCKER");
    ok(&mut rs, "iptables -t nat -N DOCKER");
    ok(
        &mut rs,
        "iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
    );
    ok(
        &mut rs,
        "iptables -A DOCKER -d 172.17.0.2 -p tcp --dport 80 -j ACCEPT",
    );
    ok(
        &mut rs,
        "iptables -I FORWARD -j ACCEPT -m comment --comment first",
    );
    ok(&mut rs, "iptables -I FORWARD 2 -j DROP");
    ok(&mut rs, "iptables -P FORWARD DROP");
    ok(&mut rs, "-A INPUT -t filter -j ACCEPT");
    assert_eq!(
        rs.iptables_save(),
        "*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
-A INPUT -j ACCEPT
-A FORWARD -m comment --comment first -j ACCEPT
-A FORWARD -j DROP
-A FORWARD -o docker0 -j DOCKER
-A DOCKER -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
COMMIT
"
    );
    ok(&mut rs, "iptables -D FORWARD 2");
    ok(
        &mut rs,
        "iptables -D FORWARD -m comment --comment first -j ACCEPT",
    );
    assert_eq!(
        rs.table(TableName::Filter)
            .and_then(|t| t.chain("FORWARD"))
            .map(|c| c.rules().len()),
        Some(1)
    );
    // Refusals.
    assert!(rs.run_command("iptables -X DOCKER").is_err()); // referenced
    assert!(rs.run_command("iptables -P DOCKER DROP").is_err());
    assert!(rs.run_command("iptables -N DOCKER").is_err());
    assert!(rs.run_command("iptables -A DOCKER -j FORWARD").is_err());
    assert!(rs.run_command("iptables -A DOCKER -j DOCKER").is_err());
    assert!(rs.run_command("iptables -D FORWARD 9").is_err());
    assert!(rs.run_command("iptables -I FORWARD 9 -j DROP").is_err());
    assert!(rs.run_command("iptables -A NOPE -j DROP").is_err());
    assert!(
        rs.run_command("iptables -t nat -A FORWARD -j DROP")
            .is_err()
    );
    let e = rs.run_command("iptables -Q INPUT").err();
    assert_eq!(
        e.map(|e| (e.column(), e.token().to_string())),
        Some((10, "-Q".to_string()))
    );
    ok(&mut rs, "iptables -F");
    ok(&mut rs, "iptables -X");
    assert_eq!(
        rs.table(TableName::Filter).map(|t| t.chains().count()),
        Some(3)
    );
    assert!(matches!(
        IptablesCommand::parse("iptables -t nat -D POSTROUTING 1"),
        Ok(IptablesCommand::Delete {
            table: TableName::Nat,
            target: DeleteTarget::Index(1),
            ..
        })
    ));
}

#[test]
fn list_small_table() {
    let mut rs = parse(
        "*filter\n:INPUT DROP [0:0]\n:X - [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j X\n-A X -j RETURN\nCOMMIT\n",
    );
    let mut c = ctx("1.1.1.1", "2.2.2.2", IpProto::Tcp);
    c.dport = Some(22);
    c.len = 60;
    rs.traverse(TableName::Filter, Hook::Input, &mut c);
    assert_eq!(
        rs.list_verbose(TableName::Filter),
        "Chain INPUT (policy DROP 1 packets, 60 bytes)
 pkts bytes target     prot opt in     out     source               destination         
    0     0 ACCEPT     0    --  lo     *       0.0.0.0/0            0.0.0.0/0           
    1    60 X          6    --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:22

Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)
 pkts bytes target     prot opt in     out     source               destination         

Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)
 pkts bytes target     prot opt in     out     source               destination         

Chain X (1 references)
 pkts bytes target     prot opt in     out     source               destination         
    1    60 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0           
"
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "-A",
        "INPUT",
        "FORWARD",
        "DOCKER",
        "-j",
        "-g",
        "ACCEPT",
        "DROP",
        "RETURN",
        "REJECT",
        "DNAT",
        "SNAT",
        "MASQUERADE",
        "MARK",
        "LOG",
        "-p",
        "tcp",
        "udp",
        "icmp",
        "all",
        "-m",
        "conntrack",
        "--ctstate",
        "NEW,ESTABLISHED",
        "-s",
        "-d",
        "10.0.0.0/8",
        "1.2.3.4",
        "-i",
        "-o",
        "eth+",
        "!",
        "--dport",
        "--sport",
        "80",
        "1:2",
        ":",
        "--tcp-flags",
        "SYN",
        "--syn",
        "--icmp-type",
        "8",
        "any",
        "-m",
        "addrtype",
        "--dst-type",
        "LOCAL",
        "--limit-iface-in",
        "mark",
        "--mark",
        "0x1/0xff",
        "comment",
        "--comment",
        "\"a b\"",
        "\"",
        "multiport",
        "--dports",
        "1,2,3",
        "--to-destination",
        "--to-source",
        ":53",
        "--to-ports",
        "1-2",
        "--set-mark",
        "--log-prefix",
        "--log-level",
        "9",
        "--reject-with",
        "tcp-reset",
        "*filter",
        "*nat",
        ":DOCKER",
        "-",
        "[0:0]",
        "[1:2]",
        "COMMIT",
        "\n",
        "\n",
        "\n",
        "#",
        "-t",
        "-N",
        "-X",
        "-P",
        "-F",
        "-I",
        "-D",
        "1",
        "0",
        "state",
        "--state",
        "",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_text_never_panics(s in "\\PC{0,200}") {
            let _ = Ruleset::parse(&s);
            let _ = IptablesCommand::parse(&s);
            let _ = s.parse::<Rule>();
        }

        #[test]
        fn token_soup_never_panics(idx in proptest::collection::vec(0..WORDS.len(), 0..40)) {
            let words: Vec<&str> = idx.iter().map(|i| WORDS[*i]).collect();
            let text = words.join(" ");
            if let Ok(rs) = Ruleset::parse(&text) {
                // Whatever parses prints, and printing is a fixed point.
                let out = rs.iptables_save();
                prop_assert_eq!(Ruleset::parse(&out).map(|r| r.iptables_save()), Ok(out));
                for t in TableName::SAVE_ORDER { let _ = rs.list_verbose(t); }
            }
            let mut rs = Ruleset::default();
            let _ = rs.run_command(&text);
            let _ = rs.run_command("iptables -N DOCKER");
            let _ = rs.run_command(&text);
            let mut c = MatchCtx::new(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, IpProto::Tcp);
            for h in Hook::ALL { let _ = rs.traverse(TableName::Filter, h, &mut c); }
            for line in text.lines() {
                if let Ok(r) = line.parse::<Rule>() {
                    prop_assert_eq!(r.to_string().parse::<Rule>(), Ok(r));
                }
            }
        }

        #[test]
        fn spec_soup_on_filter(idx in proptest::collection::vec(0..WORDS.len(), 0..20)) {
            let words: Vec<&str> = idx.iter().map(|i| WORDS[*i]).filter(|w| *w != "\n").collect();
            let text = format!("*filter\n:DOCKER - [0:0]\n-A INPUT {}\nCOMMIT\n", words.join(" "));
            if let Ok(rs) = Ruleset::parse(&text) {
                let out = rs.iptables_save();
                prop_assert_eq!(Ruleset::parse(&out).map(|r| r.iptables_save()), Ok(out));
            }
        }
    }
}
