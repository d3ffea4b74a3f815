//! Bad input gets a diagnostic naming file, line, column and what to do; nothing panics.

use docknet_sim::scenario::ScenarioError;

fn errors(text: &str) -> ScenarioError {
    match docknet_sim::load("bad.ron", text) {
        Ok(_) => panic!("scenario should have been rejected"),
        Err(e) => e,
    }
}

const BASE: &str = r#"Scenario(
    namespaces: [
        (
            name: "a",
            interfaces: [(name: "eth0", addrs: ["10.0.0.1/24"])],
            routes: ROUTES,
            iptables: IPTABLES,
        ),
        (
            name: "b",
            interfaces: [(name: "eth0", addrs: ["ADDR_B"])],
        ),
    ],
    links: [Veth(a: "a:eth0", b: "LINK_B")],
    traffic: [Tcp(from: "FROM", to: "10.0.0.2:80")],
)"#;

fn scenario(routes: &str, iptables: &str, addr_b: &str, link_b: &str, from: &str) -> String {
    BASE.replace("ROUTES", routes)
        .replace("IPTABLES", iptables)
        .replace("ADDR_B", addr_b)
        .replace("LINK_B", link_b)
        .replace("FROM", from)
}

fn good() -> String {
    scenario("[]", "\"\"", "10.0.0.2/24", "b:eth0", "a")
}

#[test]
fn the_base_scenario_is_valid() {
    assert!(docknet_sim::load("ok.ron", &good()).is_ok());
}

#[test]
fn ron_syntax_errors_have_a_position() {
    let e = errors("Scenario(\n  title: \"x\",\n  seed: \"one\",\n)");
    let d = &e.diagnostics[0];
    assert_eq!((d.file.as_str(), d.line), ("bad.ron", 3));
    assert!(d.to_string().starts_with("bad.ron:3:"), "{d}");
}

#[test]
fn unknown_fields_list_what_is_accepted() {
    let e = errors("Scenario(\n  titel: \"x\",\n)");
    let d = &e.diagnostics[0];
    assert_eq!(d.line, 2);
    assert!(d.help.contains("title"), "{}", d.help);
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = scenario(
        "[\"default via 192.168.9.1\"]",
        "\"\"",
        "10.0.0.1/24",
        "c:eth0",
        "nowhere",
    );
    let e = errors(&text);
    let msgs: Vec<String> = e.diagnostics.iter().map(|d| d.to_string()).collect();
    let all = msgs.join("\n");
    assert!(all.contains("unknown namespace `c` in `c:eth0`"), "{all}");
    assert!(all.contains("duplicate address 10.0.0.1"), "{all}");
    assert!(
        all.contains("gateway 192.168.9.1 is not on any directly connected subnet"),
        "{all}"
    );
    assert!(
        all.contains("traffic from unknown namespace `nowhere`"),
        "{all}"
    );
    // Positions point at the offending values.
    let gw = e
        .diagnostics
        .iter()
        .find(|d| d.message.contains("gateway"))
        .unwrap();
    assert_eq!((gw.line, gw.column), (6, 23));
    let link = e
        .diagnostics
        .iter()
        .find(|d| d.message.contains("c:eth0"))
        .unwrap();
    assert_eq!(link.line, 14);
}

#[test]
fn address_outside_its_subnet_role() {
    let e = errors(&scenario("[]", "\"\"", "10.0.0.0/24", "b:eth0", "a"));
    let d = &e.diagnostics[0];
    assert!(d.message.contains("network address"), "{d}");
    assert!(d.help.contains("10.0.0.1"), "{d}");
    assert_eq!(d.line, 11);
}

#[test]
fn unparsable_rules_point_into_the_iptables_block() {
    let rules = "r#\"\n*filter\n-A INPUT -p tcp --dprot 80 -j ACCEPT\nCOMMIT\n\"#";
    let e = errors(&scenario("[]", rules, "10.0.0.2/24", "b:eth0", "a"));
    let d = &e.diagnostics[0];
    assert!(d.message.contains("--dprot"), "{d}");
    assert_eq!(d.line, 9, "{d}");
    assert_eq!(d.column, 17, "{d}");
}

#[test]
fn jump_to_a_missing_chain() {
    let rules = "r#\"\n*filter\n-A FORWARD -j DOCKR\nCOMMIT\n\"#";
    let e = errors(&scenario("[]", rules, "10.0.0.2/24", "b:eth0", "a"));
    let d = &e.diagnostics[0];
    assert!(d.message.contains("DOCKR"), "{d}");
    assert_eq!(d.line, 9, "{d}");
}

#[test]
fn bad_route_syntax_names_the_token() {
    let e = errors(&scenario(
        "[\"10.1.0.0/16 vai 10.0.0.9\"]",
        "\"\"",
        "10.0.0.2/24",
        "b:eth0",
        "a",
    ));
    let d = &e.diagnostics[0];
    assert!(d.message.contains("unknown route keyword `vai`"), "{d}");
    assert_eq!((d.line, d.column), (6, 35));
}
