//! What a text (a lesson's description, an exercise's intro) names that a run must show:
//! IPv4 addresses, netfilter chains and targets, and iptables rule fragments (`-A ...`, or a
//! run of options ending in `-j TARGET`, where `...` stands for a part left out). Tests use
//! it to keep every lesson's text true to its own simulation.

use super::explain;
use super::show::{View, view};
use crate::model::Net;
use crate::time::SimTime;
use crate::trace::TraceRecord;

/// A run's narration (`trace`) and every namespace's state at its end (`net` at `now`), one
/// text to search.
pub fn evidence<'a>(
    trace: impl IntoIterator<Item = (SimTime, &'a TraceRecord)>,
    net: &Net,
    now: SimTime,
) -> String {
    let mut out = explain::text(trace);
    for ns in &net.namespaces {
        for v in [View::Addr, View::Route, View::IptablesSave, View::Neigh] {
            out.push_str(&view(net, ns.id, v, now));
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
pub fn addresses(text: &str) -> Vec<String> {
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
pub fn chains(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| NETFILTER_WORDS.contains(w) || w.starts_with("DOCKER"))
        .map(String::from)
        .collect()
}

/// iptables rule fragments: from `-A CHAIN` or from the first option of a run of options
/// that ends in `-j TARGET`. `...` in an argument stands for a part the text leaves out.
pub fn rules(text: &str) -> Vec<String> {
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
pub fn rule_occurs(frag: &str, evidence: &str) -> bool {
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

/// Every address, chain and rule `text` names that `evidence` does not show. `0.0.0.0` (a
/// bind address, "every address") is never on a packet or in a table, so it is not asked for.
pub fn unshown(text: &str, evidence: &str) -> Vec<String> {
    let mut out = Vec::new();
    for a in addresses(text).into_iter().filter(|a| a != "0.0.0.0") {
        if !evidence.contains(&a) {
            out.push(format!("address {a}"));
        }
    }
    for c in chains(text) {
        if !evidence.contains(&c) {
            out.push(format!("chain {c}"));
        }
    }
    for r in rules(text) {
        if !rule_occurs(&r, evidence) {
            out.push(format!("rule `{r}`"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
