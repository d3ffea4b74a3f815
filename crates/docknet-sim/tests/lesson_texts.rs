//! A lesson's text may only name what its own run shows: every address, every netfilter
//! chain and every iptables rule (`-A ...`, or a fragment ending in `-j TARGET`) it mentions
//! must occur in its `explain` narration or in a namespace's `show` output (addresses,
//! routes, iptables-save, neighbours). And no two shipped lessons run the same story.

mod common;
use common::{lesson_id, scenario_files};
use docknet_sim::format::explain;
use docknet_sim::format::show::{View, view};

/// The run's narration and every namespace's state at the end, one text to search.
fn evidence(sim: &docknet_sim::Sim) -> String {
    let mut out = explain::text(sim.trace());
    for ns in &sim.net.namespaces {
        for v in [View::Addr, View::Route, View::IptablesSave, View::Neigh] {
            out.push_str(&view(&sim.net, ns.id, v, sim.now()));
            out.push('\n');
        }
    }
    out
}

/// Punctuation that ends a word in prose but is no part of an address or a rule.
fn bare(word: &str) -> &str {
    let punct = |c: char| matches!(c, ',' | ';' | ':' | '(' | ')' | '`' | '"' | '\'' | '.');
    let mut w = word.trim_start_matches(punct);
    while let Some(c) = w.chars().next_back().filter(|&c| punct(c)) {
        if w.ends_with("...") {
            break;
        }
        w = &w[..w.len() - c.len_utf8()];
    }
    w
}

/// IPv4 addresses, with their prefix length when written (`172.18.0.0/16`).
fn addresses(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '/'))
        .map(|w| w.trim_matches('.').trim_end_matches('/'))
        .filter(|w| {
            let ip = w.split('/').next().unwrap_or_default();
            ip.parse::<std::net::Ipv4Addr>().is_ok()
        })
        .map(String::from)
        .collect()
}

const NETFILTER_WORDS: &[&str] = &[
    "PREROUTING",
    "POSTROUTING",
    "INPUT",
    "OUTPUT",
    "FORWARD",
    "MASQUERADE",
    "DNAT",
    "SNAT",
];

/// Chain and target names: the built-in ones and Docker's (`DOCKER-USER`, ...).
fn chains(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| NETFILTER_WORDS.contains(w) || w.starts_with("DOCKER"))
        .map(String::from)
        .collect()
}

/// iptables rule fragments: from `-A CHAIN` or from the first option of a run of options
/// that ends in `-j TARGET`. `...` in an argument stands for a part the text leaves out.
fn rules(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut frag: Vec<&str> = Vec::new();
        let mut j = i;
        let mut ends_in_target = false;
        while j < words.len() {
            let w = words[j].trim_start_matches(['(', '`', '"']);
            if w == "!" {
                frag.push(w);
                j += 1;
            } else if w.starts_with('-') && w.len() > 1 && j + 1 < words.len() {
                let arg = bare(words[j + 1]);
                frag.push(w);
                frag.push(arg);
                j += 2;
                if w == "-j" {
                    ends_in_target = true;
                    break;
                }
                // The argument closed the fragment (`-d 172.18.0.2/32)`).
                if arg.len() != words[j - 1].len() && !words[j - 1].ends_with("...") {
                    break;
                }
            } else {
                break;
            }
        }
        let options = frag.iter().filter(|w| w.starts_with('-')).count();
        if options >= 2 && (frag.first() == Some(&"-A") || ends_in_target) {
            out.push(frag.join(" "));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether one line of the evidence holds every `...`-separated piece of the fragment, in
/// order (iptables-save's `-m tcp` before `--dport` may sit between two pieces).
fn rule_occurs(frag: &str, evidence: &str) -> bool {
    let frag = frag.replace(" -m tcp ", " ").replace(" -m udp ", " ");
    let pieces: Vec<&str> = frag
        .split("...")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    evidence.lines().any(|line| {
        let line = line.replace(" -m tcp ", " ").replace(" -m udp ", " ");
        let mut rest = line.as_str();
        pieces.iter().all(|p| match rest.find(p) {
            Some(k) => {
                rest = &rest[k + p.len()..];
                true
            }
            None => false,
        })
    })
}

#[test]
fn the_extractors_find_what_a_lesson_names() {
    let text = "raw PREROUTING's rule -d 172.18.0.2/32 ! -i br-... -j DROP drops it; DOCKER-USER \
                sees 172.17.0.2:80 (-A DOCKER-USER -s 10.12.91.66 -j DROP). Use -p 8080:80.";
    assert_eq!(
        addresses(text),
        ["172.18.0.2/32", "172.17.0.2", "10.12.91.66"]
    );
    assert_eq!(chains(text), ["PREROUTING", "DOCKER-USER", "DOCKER-USER"]);
    assert_eq!(
        rules(text),
        [
            "-d 172.18.0.2/32 ! -i br-... -j DROP",
            "-A DOCKER-USER -s 10.12.91.66 -j DROP"
        ]
    );
    let shown = "-A PREROUTING -d 172.18.0.2/32 ! -i br-1a2b -j DROP\n";
    assert!(rule_occurs("-d 172.18.0.2/32 ! -i br-... -j DROP", shown));
    assert!(!rule_occurs("-d 172.18.0.3/32 ! -i br-... -j DROP", shown));
    assert!(rule_occurs(
        "-p tcp --dport 80 -j ACCEPT",
        "-A DOCKER -p tcp -m tcp --dport 80 -j ACCEPT"
    ));
}

#[test]
fn every_lesson_names_only_what_its_run_shows() {
    let mut problems = Vec::new();
    for f in scenario_files("") {
        let name = lesson_id(&f);
        let text = std::fs::read_to_string(&f).unwrap();
        let (scenario, mut sim) = docknet_sim::load(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        sim.run_to_end();
        let seen = evidence(&sim);
        let said = &scenario.description;
        // 0.0.0.0 is a bind address ("every address"), never on a packet or in a table.
        for a in addresses(said).into_iter().filter(|a| a != "0.0.0.0") {
            if !seen.contains(&a) {
                problems.push(format!(
                    "{name}: the text names {a}, which its run never shows"
                ));
            }
        }
        for c in chains(said) {
            if !seen.contains(&c) {
                problems.push(format!(
                    "{name}: the text names chain {c}, absent from its run"
                ));
            }
        }
        for r in rules(said) {
            if !rule_occurs(&r, &seen) {
                problems.push(format!(
                    "{name}: the text quotes rule `{r}`, absent from its run"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_two_lessons_tell_the_same_story() {
    let mut seen: Vec<(String, String)> = Vec::new();
    for f in scenario_files("") {
        let name = lesson_id(&f);
        let story = explain::text(common::run_file(&f).trace());
        if let Some((other, _)) = seen.iter().find(|(_, s)| *s == story) {
            panic!("{name} and {other} run the same story: keep one");
        }
        seen.push((name, story));
    }
}
