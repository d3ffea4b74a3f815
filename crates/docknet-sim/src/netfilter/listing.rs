//! `iptables -t T -L -n -v`, column for column as iptables v1.8.9 prints it (protocols as
//! numbers under `-n`, counters shortened with K/M/G/T, trailing spaces included).

use super::rule::{Match, MultiportDir, NatRange, PortMatch, PortSpan, Rule, TableName, Target};
use super::ruleset::Ruleset;
use super::table::{Chain, Table};
use ipnet::Ipv4Net;
use std::fmt::Write as _;

/// xtables_print_num: exact up to 99999, then rounded K, M, G, T. `padded` is the table
/// layout (`%5llu `), else the chain header's (`%llu `).
fn num(n: u64, padded: bool) -> String {
    if n <= 99_999 {
        return if padded {
            format!("{n:>5} ")
        } else {
            format!("{n} ")
        };
    }
    let mut v = n;
    for unit in ['K', 'M', 'G'] {
        v = v.saturating_add(500) / 1000;
        if v <= 9999 {
            return if padded {
                format!("{v:>4}{unit} ")
            } else {
                format!("{v}{unit} ")
            };
        }
    }
    v = v.saturating_add(500) / 1000;
    if padded {
        format!("{v:>4}T ")
    } else {
        format!("{v}T ")
    }
}

const HEADER: &str =
    " pkts bytes target     prot opt in     out     source               destination         \n";

impl Ruleset {
    /// The text of `iptables -t TABLE -L -n -v`. An absent table lists its builtin chains
    /// empty with policy ACCEPT, as the kernel would show it.
    pub fn list_verbose(&self, table: TableName) -> String {
        let empty;
        let t = match self.table(table) {
            Some(t) => t,
            None => {
                empty = Table::new(table);
                &empty
            }
        };
        let mut out = String::new();
        for (i, c) in t.chains().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            list_chain(&mut out, t, c);
        }
        out
    }
}

fn list_chain(out: &mut String, t: &Table, c: &Chain) {
    match c.policy() {
        Some(p) => {
            let pc = c.policy_counters();
            let _ = writeln!(
                out,
                "Chain {} (policy {} {}packets, {}bytes)",
                c.name(),
                p.as_str(),
                num(pc.packets, false),
                num(pc.bytes, false)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Chain {} ({} references)",
                c.name(),
                t.references(c.name())
            );
        }
    }
    out.push_str(HEADER);
    for e in c.rules() {
        out.push_str(&num(e.counters.packets, true));
        out.push_str(&num(e.counters.bytes, true));
        out.push_str(&rule_columns(&e.rule));
        out.push('\n');
    }
}

fn addr(a: Option<(Ipv4Net, bool)>) -> String {
    let (text, negated) = match a {
        None => ("0.0.0.0/0".to_string(), false),
        Some((n, neg)) if n.prefix_len() == 32 => (n.addr().to_string(), neg),
        Some((n, neg)) => (n.to_string(), neg),
    };
    format!("{}{text:<19} ", if negated { "!" } else { " " })
}

fn iface(i: &Option<super::rule::IfaceMatch>) -> String {
    match i {
        None => "*".into(),
        Some(i) => format!("{}{}", if i.negated { "!" } else { "" }, i.name),
    }
}

/// Everything after the two counter columns.
fn rule_columns(r: &Rule) -> String {
    let mut s = format!("{:<9} ", r.target.name());
    match r.proto {
        Some(p) => {
            let _ = write!(
                s,
                "{}{:<5}",
                if p.negated { "!" } else { " " },
                p.proto.number()
            );
        }
        None => s.push_str(" 0    "),
    }
    s.push_str("-- ");
    let _ = write!(s, " {:<6} ", iface(&r.in_iface));
    let _ = write!(s, "{:<6} ", iface(&r.out_iface));
    s.push_str(&addr(r.src.map(|a| (a.net, a.negated))));
    s.push_str(&addr(r.dst.map(|a| (a.net, a.negated))));
    if let Target::Goto(_) = r.target {
        s.push_str("[goto] ");
    }
    for m in &r.matches {
        s.push_str(&match_text(m));
    }
    s.push_str(&target_text(&r.target));
    s
}

fn ports(name: &str, p: &Option<PortMatch>) -> String {
    match p {
        None => String::new(),
        Some(p) => {
            let inv = if p.negated { "!" } else { "" };
            if p.range.lo == p.range.hi {
                format!(" {name}:{inv}{}", p.range.lo)
            } else {
                format!(" {name}s:{inv}{}:{}", p.range.lo, p.range.hi)
            }
        }
    }
}

/// A match as `iptables -L -n` prints it (each part with a leading space).
fn match_text(m: &Match) -> String {
    match m {
        Match::Tcp {
            sport,
            dport,
            flags,
        } => {
            let mut s = format!(" tcp{}{}", ports("spt", sport), ports("dpt", dport));
            if let Some(f) = flags {
                let _ = write!(
                    s,
                    " flags:{}0x{:02X}/0x{:02X}",
                    if f.negated { "!" } else { "" },
                    f.mask,
                    f.comp
                );
            }
            s
        }
        Match::Udp { sport, dport } => {
            format!(" udp{}{}", ports("spt", sport), ports("dpt", dport))
        }
        Match::Icmp { icmp_type } => {
            let mut s = " icmp".to_string();
            if let Some(t) = icmp_type {
                if t.negated {
                    s.push_str(" !");
                }
                let _ = write!(s, "type {}", t.icmp_type);
                if let Some(c) = t.code {
                    let _ = write!(s, " code {c}");
                }
            }
            s
        }
        Match::AddrType {
            src,
            dst,
            limit_iface_in,
            limit_iface_out,
        } => {
            let mut s = " ADDRTYPE match".to_string();
            for (name, v) in [("src-type", src), ("dst-type", dst)] {
                if let Some((types, n)) = v {
                    let _ = write!(s, " {name} {}{types}", if *n { "!" } else { "" });
                }
            }
            if *limit_iface_in {
                s.push_str(" limit-in");
            }
            if *limit_iface_out {
                s.push_str(" limit-out");
            }
            s
        }
        Match::Conntrack { states, negated } => {
            format!("{} ctstate {states}", if *negated { " !" } else { "" })
        }
        Match::State { states, negated } => {
            format!("{} state {states}", if *negated { " !" } else { "" })
        }
        Match::Mark {
            value,
            mask,
            negated,
        } => {
            let mut s = format!(" mark match{} {value:#x}", if *negated { " !" } else { "" });
            if *mask != u32::MAX {
                let _ = write!(s, "/{mask:#x}");
            }
            s
        }
        Match::Comment(c) => format!(" /* {c} */"),
        Match::Multiport {
            dir,
            ports,
            negated,
        } => {
            let d = match dir {
                MultiportDir::Source => "sports",
                MultiportDir::Destination => "dports",
                MultiportDir::Either => "ports",
            };
            let list: Vec<String> = ports.iter().map(ToString::to_string).collect();
            format!(
                " multiport {d} {}{}",
                if *negated { " !" } else { "" },
                list.join(",")
            )
        }
    }
}

fn nat(r: &NatRange) -> String {
    format!(" to:{r}")
}

/// A target's options as `iptables -L -n` prints them.
fn target_text(t: &Target) -> String {
    match t {
        Target::Reject { with } => format!(" reject-with {}", with.name()),
        Target::Dnat { to } | Target::Snat { to } => nat(to),
        Target::Masquerade { to_ports: Some(p) } => format!(" masq ports: {}", PortSpan(*p)),
        Target::Mark { value, mask } => {
            if *value == 0 {
                format!(" MARK and {:#x}", !mask)
            } else if value == mask {
                format!(" MARK or {value:#x}")
            } else if *mask == 0 {
                format!(" MARK xor {value:#x}")
            } else if *mask == u32::MAX {
                format!(" MARK set {value:#x}")
            } else {
                format!(" MARK xset {value:#x}/{mask:#x}")
            }
        }
        Target::Log { prefix, level } => {
            let mut s = format!(
                " LOG flags 0 level {}",
                level.unwrap_or(super::rule::LOG_DEFAULT_LEVEL)
            );
            if let Some(p) = prefix {
                let _ = write!(s, " prefix \"{p}\"");
            }
            s
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_format() {
        assert_eq!(num(0, true), "    0 ");
        assert_eq!(num(99_999, true), "99999 ");
        assert_eq!(num(123_456, true), " 123K ");
        assert_eq!(num(98_765_432, true), "  99M ");
        assert_eq!(num(10_000_000, false), "10M ");
        assert_eq!(num(u64::MAX, true), "18446744T ");
        assert_eq!(num(1_000_000_000_000_000, false), "1000T ");
    }
}
