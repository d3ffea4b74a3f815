//! iptables rules as data, and their canonical iptables-save text (`Display`).
//!
//! Parsing normalises everything the way iptables does (`-p 6` is `-p tcp`, host bits are
//! masked, `--syn` becomes `--tcp-flags FIN,SYN,RST,ACK SYN`, `--set-mark` becomes
//! `--set-xmark v/m`...), so printing a parsed rule gives exactly what iptables-save prints
//! (checked against iptables v1.8.9, nf_tables backend).

use crate::wire::IpProto;
use ipnet::Ipv4Net;
use std::fmt::{self, Write as _};
use std::net::Ipv4Addr;
use std::str::FromStr;

/// The four iptables tables docknet models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableName {
    Raw,
    Mangle,
    Nat,
    Filter,
}

impl TableName {
    /// The order iptables-save (nf_tables backend) prints tables in, whatever the order
    /// they were created in: mangle, raw, filter, nat.
    pub const SAVE_ORDER: [TableName; 4] = [
        TableName::Mangle,
        TableName::Raw,
        TableName::Filter,
        TableName::Nat,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TableName::Raw => "raw",
            TableName::Mangle => "mangle",
            TableName::Nat => "nat",
            TableName::Filter => "filter",
        }
    }

    /// The builtin chains of this table in kernel order.
    pub fn builtin_hooks(self) -> &'static [Hook] {
        use Hook::*;
        match self {
            TableName::Raw => &[Prerouting, Output],
            TableName::Mangle => &[Prerouting, Input, Forward, Output, Postrouting],
            TableName::Nat => &[Prerouting, Input, Output, Postrouting],
            TableName::Filter => &[Input, Forward, Output],
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TableName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "raw" => Ok(TableName::Raw),
            "mangle" => Ok(TableName::Mangle),
            "nat" => Ok(TableName::Nat),
            "filter" => Ok(TableName::Filter),
            _ => Err(format!(
                "unknown table `{s}`: use raw, mangle, nat or filter"
            )),
        }
    }
}

/// A netfilter hook; also the name of the builtin chain attached to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hook {
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

impl Hook {
    pub const ALL: [Hook; 5] = [
        Hook::Prerouting,
        Hook::Input,
        Hook::Forward,
        Hook::Output,
        Hook::Postrouting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Hook::Prerouting => "PREROUTING",
            Hook::Input => "INPUT",
            Hook::Forward => "FORWARD",
            Hook::Output => "OUTPUT",
            Hook::Postrouting => "POSTROUTING",
        }
    }

    /// The builtin chain's name, interned once.
    pub fn chain(self) -> crate::intern::Name {
        static NAMES: std::sync::OnceLock<[crate::intern::Name; 5]> = std::sync::OnceLock::new();
        NAMES.get_or_init(|| Hook::ALL.map(|h| h.as_str().into()))
            [Hook::ALL.iter().position(|&h| h == self).unwrap_or(0)]
    }

    pub fn from_name(s: &str) -> Option<Hook> {
        Hook::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Conntrack state as `-m conntrack --ctstate` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CtState {
    Invalid,
    New,
    Established,
    Related,
    Untracked,
}

impl CtState {
    /// The order iptables prints state lists in.
    pub const PRINT_ORDER: [CtState; 5] = [
        CtState::Invalid,
        CtState::New,
        CtState::Related,
        CtState::Established,
        CtState::Untracked,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CtState::Invalid => "INVALID",
            CtState::New => "NEW",
            CtState::Established => "ESTABLISHED",
            CtState::Related => "RELATED",
            CtState::Untracked => "UNTRACKED",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of conntrack states (printed in [`CtState::PRINT_ORDER`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct CtStates(u8);

impl CtStates {
    pub fn contains(self, s: CtState) -> bool {
        self.0 & s.bit() != 0
    }
    pub fn insert(&mut self, s: CtState) {
        self.0 |= s.bit();
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for CtStates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = CtState::PRINT_ORDER
            .iter()
            .filter(|s| self.contains(**s))
            .map(|s| s.name())
            .collect();
        f.write_str(&names.join(","))
    }
}

/// Route type of an address, as `-m addrtype` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddrType {
    Unspec,
    Unicast,
    Local,
    Broadcast,
    Anycast,
    Multicast,
    Blackhole,
    Unreachable,
    Prohibit,
}

impl AddrType {
    pub const ALL: [AddrType; 9] = [
        AddrType::Unspec,
        AddrType::Unicast,
        AddrType::Local,
        AddrType::Broadcast,
        AddrType::Anycast,
        AddrType::Multicast,
        AddrType::Blackhole,
        AddrType::Unreachable,
        AddrType::Prohibit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AddrType::Unspec => "UNSPEC",
            AddrType::Unicast => "UNICAST",
            AddrType::Local => "LOCAL",
            AddrType::Broadcast => "BROADCAST",
            AddrType::Anycast => "ANYCAST",
            AddrType::Multicast => "MULTICAST",
            AddrType::Blackhole => "BLACKHOLE",
            AddrType::Unreachable => "UNREACHABLE",
            AddrType::Prohibit => "PROHIBIT",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of address types (printed in kernel RTN order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct AddrTypes(u16);

impl AddrTypes {
    pub fn contains(self, t: AddrType) -> bool {
        self.0 & t.bit() != 0
    }
    pub fn insert(&mut self, t: AddrType) {
        self.0 |= t.bit();
    }
}

impl fmt::Display for AddrTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = AddrType::ALL
            .iter()
            .filter(|t| self.contains(**t))
            .map(|t| t.name())
            .collect();
        f.write_str(&names.join(","))
    }
}

/// `-s`/`-d`: a network (host bits already masked), possibly negated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddrMatch {
    pub net: Ipv4Net,
    pub negated: bool,
}

/// `-i`/`-o`: an interface name; a trailing `+` matches every name with that prefix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IfaceMatch {
    pub name: String,
    pub negated: bool,
}

/// `-p`: a protocol (never `all`: `-p all` is the same as no `-p`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProtoMatch {
    pub proto: IpProto,
    pub negated: bool,
}

/// An inclusive port range (a single port has `lo == hi`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortRange {
    pub lo: u16,
    pub hi: u16,
}

impl PortRange {
    pub fn contains(self, p: u16) -> bool {
        self.lo <= p && p <= self.hi
    }
}

impl fmt::Display for PortRange {
    /// `80` or `1000:2000`, as `--dport` and `--dports` print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}:{}", self.lo, self.hi)
        }
    }
}

/// A possibly negated port range (`! --dport 80`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortMatch {
    pub range: PortRange,
    pub negated: bool,
}

/// `--tcp-flags MASK COMP`: `(flags & mask) == comp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TcpFlagsMatch {
    pub mask: u8,
    pub comp: u8,
    pub negated: bool,
}

/// `--icmp-type`: a type (255 = `any`) and optionally one code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IcmpTypeMatch {
    pub icmp_type: u8,
    pub code: Option<u8>,
    pub negated: bool,
}

/// Which ports `-m multiport` looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MultiportDir {
    Source,
    Destination,
    Either,
}

/// One `-m module ...` block of a rule. Modules keep the order they were given in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Match {
    Tcp {
        sport: Option<PortMatch>,
        dport: Option<PortMatch>,
        flags: Option<TcpFlagsMatch>,
    },
    Udp {
        sport: Option<PortMatch>,
        dport: Option<PortMatch>,
    },
    Icmp {
        icmp_type: Option<IcmpTypeMatch>,
    },
    AddrType {
        src: Option<(AddrTypes, bool)>,
        dst: Option<(AddrTypes, bool)>,
        limit_iface_in: bool,
        limit_iface_out: bool,
    },
    Conntrack {
        states: CtStates,
        negated: bool,
    },
    State {
        states: CtStates,
        negated: bool,
    },
    Mark {
        value: u32,
        mask: u32,
        negated: bool,
    },
    Comment(String),
    Multiport {
        dir: MultiportDir,
        ports: Vec<PortRange>,
        negated: bool,
    },
}

impl Match {
    /// The module name after `-m`.
    pub fn module(&self) -> &'static str {
        match self {
            Match::Tcp { .. } => "tcp",
            Match::Udp { .. } => "udp",
            Match::Icmp { .. } => "icmp",
            Match::AddrType { .. } => "addrtype",
            Match::Conntrack { .. } => "conntrack",
            Match::State { .. } => "state",
            Match::Mark { .. } => "mark",
            Match::Comment(_) => "comment",
            Match::Multiport { .. } => "multiport",
        }
    }
}

/// `--reject-with`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectWith {
    IcmpPortUnreachable,
    IcmpNetUnreachable,
    IcmpHostUnreachable,
    IcmpProtoUnreachable,
    IcmpNetProhibited,
    IcmpHostProhibited,
    IcmpAdminProhibited,
    TcpReset,
}

impl RejectWith {
    pub const ALL: [RejectWith; 8] = [
        RejectWith::IcmpNetUnreachable,
        RejectWith::IcmpHostUnreachable,
        RejectWith::IcmpPortUnreachable,
        RejectWith::IcmpProtoUnreachable,
        RejectWith::IcmpNetProhibited,
        RejectWith::IcmpHostProhibited,
        RejectWith::IcmpAdminProhibited,
        RejectWith::TcpReset,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RejectWith::IcmpPortUnreachable => "icmp-port-unreachable",
            RejectWith::IcmpNetUnreachable => "icmp-net-unreachable",
            RejectWith::IcmpHostUnreachable => "icmp-host-unreachable",
            RejectWith::IcmpProtoUnreachable => "icmp-proto-unreachable",
            RejectWith::IcmpNetProhibited => "icmp-net-prohibited",
            RejectWith::IcmpHostProhibited => "icmp-host-prohibited",
            RejectWith::IcmpAdminProhibited => "icmp-admin-prohibited",
            RejectWith::TcpReset => "tcp-reset",
        }
    }

    /// The short aliases iptables also accepts (`port-unreach`, `tcp-rst`...).
    pub(crate) fn alias(self) -> &'static str {
        match self {
            RejectWith::IcmpPortUnreachable => "port-unreach",
            RejectWith::IcmpNetUnreachable => "net-unreach",
            RejectWith::IcmpHostUnreachable => "host-unreach",
            RejectWith::IcmpProtoUnreachable => "proto-unreach",
            RejectWith::IcmpNetProhibited => "net-prohib",
            RejectWith::IcmpHostProhibited => "host-prohib",
            RejectWith::IcmpAdminProhibited => "admin-prohib",
            RejectWith::TcpReset => "tcp-rst",
        }
    }
}

/// DNAT `--to-destination` / SNAT `--to-source`: `1.2.3.4`, `1.2.3.4:80`, `:53`,
/// `1.2.3.4:1000-2000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NatRange {
    pub addr: Option<Ipv4Addr>,
    pub ports: Option<(u16, u16)>,
}

impl fmt::Display for NatRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(a) = self.addr {
            write!(f, "{a}")?;
        }
        if let Some(p) = self.ports {
            write!(f, ":{}", PortSpan(p))?;
        }
        Ok(())
    }
}

/// `a` or `a-b` (NAT and MASQUERADE port ranges use `-`).
pub(crate) struct PortSpan(pub (u16, u16));

impl fmt::Display for PortSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (lo, hi) = self.0;
        if lo == hi {
            write!(f, "{lo}")
        } else {
            write!(f, "{lo}-{hi}")
        }
    }
}

/// The kernel's default LOG level (warning); iptables-save omits it.
pub const LOG_DEFAULT_LEVEL: u8 = 4;

/// What a rule does when it matches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Accept,
    Drop,
    Return,
    Reject {
        with: RejectWith,
    },
    /// `-j CHAIN`: call a user chain.
    Jump(String),
    /// `-g CHAIN`: continue in a user chain; its end returns to our caller.
    Goto(String),
    Dnat {
        to: NatRange,
    },
    Snat {
        to: NatRange,
    },
    Masquerade {
        to_ports: Option<(u16, u16)>,
    },
    /// `mark = (mark & !mask) ^ value` (every MARK option is stored in this xmark form).
    Mark {
        value: u32,
        mask: u32,
    },
    /// `level` is `None` for the default level 4.
    Log {
        prefix: Option<String>,
        level: Option<u8>,
    },
    /// No `-j`: the rule only counts.
    None,
}

impl Target {
    /// The name shown in the `target` column of `iptables -L` (empty for no target).
    pub fn name(&self) -> &str {
        match self {
            Target::Accept => "ACCEPT",
            Target::Drop => "DROP",
            Target::Return => "RETURN",
            Target::Reject { .. } => "REJECT",
            Target::Jump(c) | Target::Goto(c) => c,
            Target::Dnat { .. } => "DNAT",
            Target::Snat { .. } => "SNAT",
            Target::Masquerade { .. } => "MASQUERADE",
            Target::Mark { .. } => "MARK",
            Target::Log { .. } => "LOG",
            Target::None => "",
        }
    }

    /// The user chain this target calls, if any.
    pub fn chain(&self) -> Option<&str> {
        match self {
            Target::Jump(c) | Target::Goto(c) => Some(c),
            _ => None,
        }
    }
}

/// One iptables rule (without its chain).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    pub src: Option<AddrMatch>,
    pub dst: Option<AddrMatch>,
    pub in_iface: Option<IfaceMatch>,
    pub out_iface: Option<IfaceMatch>,
    pub proto: Option<ProtoMatch>,
    pub matches: Vec<Match>,
    pub target: Target,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            src: None,
            dst: None,
            in_iface: None,
            out_iface: None,
            proto: None,
            matches: Vec::new(),
            target: Target::None,
        }
    }
}

/// Protocol names iptables prints (its builtin list, then the usual /etc/protocols names).
const PROTO_NAMES: &[(u8, &str)] = &[
    (1, "icmp"),
    (2, "igmp"),
    (4, "ipencap"),
    (6, "tcp"),
    (8, "egp"),
    (17, "udp"),
    (33, "dccp"),
    (41, "ipv6"),
    (47, "gre"),
    (50, "esp"),
    (51, "ah"),
    (58, "ipv6-icmp"),
    (89, "ospf"),
    (94, "ipip"),
    (103, "pim"),
    (112, "vrrp"),
    (115, "l2tp"),
    (132, "sctp"),
    (135, "mh"),
    (136, "udplite"),
];

/// The name iptables-save prints for a protocol (`tcp`, `gre`, or the number).
pub fn proto_name(p: IpProto) -> String {
    let n = p.number();
    PROTO_NAMES
        .iter()
        .find(|(num, _)| *num == n)
        .map_or_else(|| n.to_string(), |(_, name)| (*name).to_string())
}

/// Parses a protocol name or number; `Ok(None)` for `all`/`0`.
pub(crate) fn parse_proto(s: &str) -> Option<Option<IpProto>> {
    let lower = s.to_ascii_lowercase();
    if lower == "all" {
        return Some(None);
    }
    if let Ok(n) = lower.parse::<u8>() {
        return Some((n != 0).then(|| IpProto::from_number(n)));
    }
    if lower == "mobility-header" {
        return Some(Some(IpProto::Other(135)));
    }
    PROTO_NAMES
        .iter()
        .find(|(_, name)| *name == lower)
        .map(|(n, _)| Some(IpProto::from_number(*n)))
}

/// Quotes a string the way xtables_save_string does: bare when it is non-empty and only
/// `[A-Za-z0-9_-]`, else in double quotes with `"`, `\` and `'` backslash-escaped.
pub(crate) fn save_string(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `FIN,SYN,RST,ACK` as iptables prints a TCP flag mask (`NONE` for 0).
pub(crate) fn tcp_flag_list(flags: u8) -> String {
    const NAMES: [(u8, &str); 6] = [
        (0x01, "FIN"),
        (0x02, "SYN"),
        (0x04, "RST"),
        (0x08, "PSH"),
        (0x10, "ACK"),
        (0x20, "URG"),
    ];
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(b, _)| flags & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "NONE".into()
    } else {
        names.join(",")
    }
}

fn neg(n: bool) -> &'static str {
    if n { "! " } else { "" }
}

fn write_ports(out: &mut String, sport: &Option<PortMatch>, dport: &Option<PortMatch>) {
    for (opt, p) in [("--sport", sport), ("--dport", dport)] {
        if let Some(p) = p {
            let _ = write!(out, " {}{opt} {}", neg(p.negated), p.range);
        }
    }
}

impl fmt::Display for Match {
    /// `-m module options` exactly as iptables-save prints it (no leading space).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = format!("-m {}", self.module());
        match self {
            Match::Tcp {
                sport,
                dport,
                flags,
            } => {
                write_ports(&mut s, sport, dport);
                if let Some(fl) = flags {
                    let _ = write!(
                        s,
                        " {}--tcp-flags {} {}",
                        neg(fl.negated),
                        tcp_flag_list(fl.mask),
                        tcp_flag_list(fl.comp)
                    );
                }
            }
            Match::Udp { sport, dport } => write_ports(&mut s, sport, dport),
            Match::Icmp { icmp_type } => {
                if let Some(t) = icmp_type {
                    let _ = write!(s, " {}--icmp-type ", neg(t.negated));
                    if t.icmp_type == 255 {
                        s.push_str("any");
                    } else {
                        let _ = write!(s, "{}", t.icmp_type);
                        if let Some(c) = t.code {
                            let _ = write!(s, "/{c}");
                        }
                    }
                }
            }
            Match::AddrType {
                src,
                dst,
                limit_iface_in,
                limit_iface_out,
            } => {
                for (opt, v) in [("--src-type", src), ("--dst-type", dst)] {
                    if let Some((types, n)) = v {
                        let _ = write!(s, " {}{opt} {types}", neg(*n));
                    }
                }
                if *limit_iface_in {
                    s.push_str(" --limit-iface-in");
                }
                if *limit_iface_out {
                    s.push_str(" --limit-iface-out");
                }
            }
            Match::Conntrack { states, negated } => {
                let _ = write!(s, " {}--ctstate {states}", neg(*negated));
            }
            Match::State { states, negated } => {
                let _ = write!(s, " {}--state {states}", neg(*negated));
            }
            Match::Mark {
                value,
                mask,
                negated,
            } => {
                let _ = write!(s, " {}--mark {value:#x}", neg(*negated));
                if *mask != u32::MAX {
                    let _ = write!(s, "/{mask:#x}");
                }
            }
            Match::Comment(c) => {
                let _ = write!(s, " --comment {}", save_string(c));
            }
            Match::Multiport {
                dir,
                ports,
                negated,
            } => {
                let opt = match dir {
                    MultiportDir::Source => "--sports",
                    MultiportDir::Destination => "--dports",
                    MultiportDir::Either => "--ports",
                };
                let list: Vec<String> = ports.iter().map(ToString::to_string).collect();
                let _ = write!(s, " {}{opt} {}", neg(*negated), list.join(","));
            }
        }
        f.write_str(&s)
    }
}

impl fmt::Display for Target {
    /// `-j TARGET options` (or `-g CHAIN`); empty for [`Target::None`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::None => Ok(()),
            Target::Goto(c) => write!(f, "-g {c}"),
            Target::Reject { with } => write!(f, "-j REJECT --reject-with {}", with.name()),
            Target::Dnat { to } => write!(f, "-j DNAT --to-destination {to}"),
            Target::Snat { to } => write!(f, "-j SNAT --to-source {to}"),
            Target::Masquerade { to_ports } => {
                f.write_str("-j MASQUERADE")?;
                if let Some(p) = to_ports {
                    write!(f, " --to-ports {}", PortSpan(*p))?;
                }
                Ok(())
            }
            Target::Mark { value, mask } => write!(f, "-j MARK --set-xmark {value:#x}/{mask:#x}"),
            Target::Log { prefix, level } => {
                f.write_str("-j LOG")?;
                if let Some(p) = prefix {
                    write!(f, " --log-prefix {}", save_string(p))?;
                }
                if let Some(l) = level {
                    write!(f, " --log-level {l}")?;
                }
                Ok(())
            }
            t => write!(f, "-j {}", t.name()),
        }
    }
}

impl fmt::Display for Rule {
    /// The rule spec as iptables-save prints it after `-A CHAIN` (no leading space).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        for (opt, a) in [("-s", &self.src), ("-d", &self.dst)] {
            if let Some(a) = a {
                parts.push(format!("{}{opt} {}", neg(a.negated), a.net));
            }
        }
        for (opt, i) in [("-i", &self.in_iface), ("-o", &self.out_iface)] {
            if let Some(i) = i {
                parts.push(format!("{}{opt} {}", neg(i.negated), i.name));
            }
        }
        if let Some(p) = &self.proto {
            parts.push(format!("{}-p {}", neg(p.negated), proto_name(p.proto)));
        }
        parts.extend(self.matches.iter().map(ToString::to_string));
        let t = self.target.to_string();
        if !t.is_empty() {
            parts.push(t);
        }
        f.write_str(&parts.join(" "))
    }
}
