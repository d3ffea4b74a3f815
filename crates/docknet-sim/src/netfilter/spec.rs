//! The rule-spec parser: tokens like `-s 10.0.0.0/8 -p tcp --dport 80 -j ACCEPT` to a
//! [`Rule`], normalised the way iptables normalises it.
//!
//! Option dispatch follows iptables: a module option goes to the most recent `-m` module
//! that knows it; an option no loaded module knows, with `-p tcp|udp|icmp` given, loads the
//! protocol's module implicitly (so `-p tcp --dport 80` prints `-p tcp -m tcp --dport 80`).
//! Target options go to the `-j` target.

use super::error::{NetfilterError, did_you_mean, site};
use super::lex::Token;
use super::rule::*;
use super::values::*;
use crate::wire::IpProto;

/// Where the parts of a rule were written, for errors found after parsing (placement
/// checks, missing chains).
#[derive(Clone, Debug, Default)]
pub(crate) struct RulePositions {
    pub target: Option<Token>,
    pub in_iface: Option<Token>,
    pub out_iface: Option<Token>,
    /// One per entry of `Rule::matches`.
    pub matches: Vec<Token>,
}

/// A parsed rule spec.
#[derive(Clone, Debug)]
pub(crate) struct ParsedSpec {
    pub rule: Rule,
    pub pos: RulePositions,
    /// `-t table` found among the tokens (only when the caller allows it).
    pub table: Option<(TableName, Token)>,
}

const MODULES: [&str; 9] = [
    "tcp",
    "udp",
    "icmp",
    "addrtype",
    "conntrack",
    "state",
    "mark",
    "comment",
    "multiport",
];

/// Options each match module accepts (long aliases included).
fn module_options(m: &Match) -> &'static [&'static str] {
    match m {
        Match::Tcp { .. } => &[
            "--sport",
            "--source-port",
            "--dport",
            "--destination-port",
            "--tcp-flags",
            "--syn",
        ],
        Match::Udp { .. } => &["--sport", "--source-port", "--dport", "--destination-port"],
        Match::Icmp { .. } => &["--icmp-type"],
        Match::AddrType { .. } => &[
            "--src-type",
            "--dst-type",
            "--limit-iface-in",
            "--limit-iface-out",
        ],
        Match::Conntrack { .. } => &["--ctstate"],
        Match::State { .. } => &["--state"],
        Match::Mark { .. } => &["--mark"],
        Match::Comment(_) => &["--comment"],
        Match::Multiport { .. } => &[
            "--sports",
            "--source-ports",
            "--dports",
            "--destination-ports",
            "--ports",
        ],
    }
}

fn target_options(t: &Target) -> &'static [&'static str] {
    match t {
        Target::Reject { .. } => &["--reject-with"],
        Target::Dnat { .. } => &["--to-destination", "--to"],
        Target::Snat { .. } => &["--to-source", "--to"],
        Target::Masquerade { .. } => &["--to-ports"],
        Target::Mark { .. } => &[
            "--set-xmark",
            "--set-mark",
            "--and-mark",
            "--or-mark",
            "--xor-mark",
        ],
        Target::Log { .. } => &["--log-prefix", "--log-level"],
        _ => &[],
    }
}

const GENERIC_OPTIONS: [&str; 20] = [
    "-s",
    "--source",
    "--src",
    "-d",
    "--destination",
    "--dst",
    "-i",
    "--in-interface",
    "-o",
    "--out-interface",
    "-p",
    "--protocol",
    "-m",
    "--match",
    "-j",
    "--jump",
    "-g",
    "--goto",
    "-t",
    "--table",
];

fn new_match(name: &str) -> Option<Match> {
    Some(match name {
        "tcp" => Match::Tcp {
            sport: None,
            dport: None,
            flags: None,
        },
        "udp" => Match::Udp {
            sport: None,
            dport: None,
        },
        "icmp" => Match::Icmp { icmp_type: None },
        "addrtype" => Match::AddrType {
            src: None,
            dst: None,
            limit_iface_in: false,
            limit_iface_out: false,
        },
        "conntrack" => Match::Conntrack {
            states: CtStates::default(),
            negated: false,
        },
        "state" => Match::State {
            states: CtStates::default(),
            negated: false,
        },
        "mark" => Match::Mark {
            value: 0,
            mask: u32::MAX,
            negated: false,
        },
        "comment" => Match::Comment(String::new()),
        "multiport" => Match::Multiport {
            dir: MultiportDir::Destination,
            ports: Vec::new(),
            negated: false,
        },
        _ => return None,
    })
}

fn new_target(name: &str, goto: bool) -> Target {
    if goto {
        return Target::Goto(name.to_string());
    }
    match name {
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "RETURN" => Target::Return,
        "REJECT" => Target::Reject {
            with: RejectWith::IcmpPortUnreachable,
        },
        "DNAT" => Target::Dnat {
            to: NatRange {
                addr: None,
                ports: None,
            },
        },
        "SNAT" => Target::Snat {
            to: NatRange {
                addr: None,
                ports: None,
            },
        },
        "MASQUERADE" => Target::Masquerade { to_ports: None },
        "MARK" => Target::Mark { value: 0, mask: 0 },
        "LOG" => Target::Log {
            prefix: None,
            level: None,
        },
        other => Target::Jump(other.to_string()),
    }
}

/// Why iptables would refuse `name` as a chain or target name, if it would:
/// at most 28 bytes, not starting with `-` or `!`, no C `isspace` character
/// (checked against iptables 1.8.9: "Invalid chain name `a b'").
pub(crate) fn chain_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("a chain name cannot be empty")
    } else if name.starts_with('-') || name.starts_with('!') {
        Some("chain names do not start with `-` or `!`")
    } else if name.len() > 28 {
        Some("chain names are at most 28 bytes")
    } else if name.chars().any(char::is_whitespace) {
        // (Any Unicode space too: iptables-save prints chain names bare, and the lexer splits
        // on them.)
        Some("chain names cannot contain spaces")
    } else if name.contains('"') {
        // Printed bare, a quote would open a quoted string when the line is read back.
        Some("chain names cannot contain a double quote")
    } else {
        None
    }
}

/// Names that are targets, not chains.
pub(crate) const TARGET_NAMES: [&str; 9] = [
    "ACCEPT",
    "DROP",
    "RETURN",
    "REJECT",
    "DNAT",
    "SNAT",
    "MASQUERADE",
    "MARK",
    "LOG",
];

fn syntax(t: &Token, msg: impl Into<String>) -> NetfilterError {
    NetfilterError::Syntax(site(t.col, &t.text, msg))
}
fn invalid(t: &Token, msg: impl Into<String>) -> NetfilterError {
    NetfilterError::InvalidValue(site(t.col, &t.text, msg))
}
fn unknown(t: &Token, msg: impl Into<String>) -> NetfilterError {
    NetfilterError::UnknownOption(site(t.col, &t.text, msg))
}
fn not_allowed(t: &Token, msg: impl Into<String>) -> NetfilterError {
    NetfilterError::NotAllowed(site(t.col, &t.text, msg))
}

struct Parser<'t> {
    toks: &'t [Token],
    i: usize,
    out: ParsedSpec,
    /// Options already given, per match (for duplicates and required options).
    seen: Vec<Vec<&'static str>>,
    target_seen: Vec<&'static str>,
    allow_table: bool,
}

/// Parses a rule spec. `allow_table` accepts `-t table` among the tokens (command lines).
pub(crate) fn parse_spec(toks: &[Token], allow_table: bool) -> Result<ParsedSpec, NetfilterError> {
    let mut p = Parser {
        toks,
        i: 0,
        out: ParsedSpec {
            rule: Rule::default(),
            pos: RulePositions::default(),
            table: None,
        },
        seen: Vec::new(),
        target_seen: Vec::new(),
        allow_table,
    };
    while p.i < toks.len() {
        p.step()?;
    }
    p.finish()?;
    Ok(p.out)
}

impl<'t> Parser<'t> {
    /// The value after option token `opt`.
    fn value(&mut self, opt: &Token) -> Result<&'t Token, NetfilterError> {
        let v = self
            .toks
            .get(self.i)
            .ok_or_else(|| syntax(opt, format!("option `{}` needs a value", opt.text)))?;
        self.i += 1;
        Ok(v)
    }

    fn step(&mut self) -> Result<(), NetfilterError> {
        let toks = self.toks;
        let mut tok = &toks[self.i];
        self.i += 1;
        let mut negated = false;
        if tok.text == "!" {
            let next = toks.get(self.i).ok_or_else(|| {
                syntax(
                    tok,
                    "`!` must be followed by an option, e.g. `! -i docker0`",
                )
            })?;
            if next.text == "!" {
                return Err(syntax(next, "double negation: write a single `!`"));
            }
            self.i += 1;
            negated = true;
            tok = next;
        }
        if !tok.text.starts_with('-') || tok.text == "-" {
            return Err(syntax(
                tok,
                format!(
                    "unexpected `{}`: expected an option like -p, -m or -j (quote values that contain spaces)",
                    tok.text
                ),
            ));
        }
        match tok.text.as_str() {
            "-s" | "--source" | "--src" | "-d" | "--destination" | "--dst" => {
                let v = self.value(tok)?;
                let net = parse_net(&v.text).map_err(|m| invalid(v, m))?;
                let slot = if tok.text.starts_with("-s") || tok.text.starts_with("--s") {
                    &mut self.out.rule.src
                } else {
                    &mut self.out.rule.dst
                };
                if slot.is_some() {
                    return Err(syntax(
                        tok,
                        format!(
                            "`{}` given twice: a rule has one source and one destination",
                            tok.text
                        ),
                    ));
                }
                // `-s 0.0.0.0/0` matches everything; iptables-save drops it.
                if net.prefix_len() > 0 || negated {
                    *slot = Some(AddrMatch { net, negated });
                }
            }
            "-i" | "--in-interface" | "-o" | "--out-interface" => {
                let v = self.value(tok)?;
                let name = parse_iface(&v.text).map_err(|m| invalid(v, m))?;
                let input = tok.text == "-i" || tok.text == "--in-interface";
                let (slot, pos) = if input {
                    (&mut self.out.rule.in_iface, &mut self.out.pos.in_iface)
                } else {
                    (&mut self.out.rule.out_iface, &mut self.out.pos.out_iface)
                };
                if slot.is_some() {
                    return Err(syntax(tok, format!("`{}` given twice", tok.text)));
                }
                *slot = Some(IfaceMatch { name, negated });
                *pos = Some(tok.clone());
            }
            "-p" | "--protocol" => {
                let v = self.value(tok)?;
                if self.out.rule.proto.is_some() {
                    return Err(syntax(tok, "`-p` given twice"));
                }
                let proto = parse_proto(&v.text).ok_or_else(|| {
                    invalid(
                        v,
                        format!(
                            "unknown protocol `{}`: use tcp, udp, icmp, all or a number 0-255",
                            v.text
                        ),
                    )
                })?;
                match proto {
                    Some(proto) => self.out.rule.proto = Some(ProtoMatch { proto, negated }),
                    None if negated => {
                        return Err(not_allowed(
                            v,
                            "`! -p all` matches nothing: remove the rule or the `!`",
                        ));
                    }
                    None => {}
                }
            }
            "-m" | "--match" => {
                self.no_neg(negated, tok)?;
                let v = self.value(tok)?;
                let m = new_match(&v.text).ok_or_else(|| {
                    unknown(
                        v,
                        format!(
                            "unknown match module `{}`{}; docknet supports {}",
                            v.text,
                            did_you_mean(&v.text, MODULES),
                            MODULES.join(", ")
                        ),
                    )
                })?;
                self.push_match(m, v.clone());
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                self.no_neg(negated, tok)?;
                let v = self.value(tok)?;
                if self.out.pos.target.is_some() {
                    return Err(syntax(
                        tok,
                        "a rule has one target: remove the second -j/-g",
                    ));
                }
                let goto = tok.text.starts_with("-g") || tok.text == "--goto";
                if v.text.is_empty() || v.text.starts_with('-') {
                    return Err(syntax(
                        v,
                        format!("`{}` needs a target or chain name", tok.text),
                    ));
                }
                if let Some(problem) = chain_name_problem(&v.text) {
                    return Err(invalid(v, format!("invalid target name: {problem}")));
                }
                if goto && TARGET_NAMES.contains(&v.text.as_str()) {
                    return Err(not_allowed(
                        v,
                        format!(
                            "`-g` needs a user chain, not `{}`: use `-j {}`",
                            v.text, v.text
                        ),
                    ));
                }
                self.out.rule.target = new_target(&v.text, goto);
                self.out.pos.target = Some(v.clone());
            }
            "-t" | "--table" if self.allow_table => {
                let v = self.value(tok)?;
                let t = v
                    .text
                    .parse::<TableName>()
                    .map_err(|m| NetfilterError::UnknownTable(site(v.col, &v.text, m)))?;
                self.out.table = Some((t, v.clone()));
            }
            _ => self.module_or_target_option(tok, negated)?,
        }
        Ok(())
    }

    fn no_neg(&self, negated: bool, tok: &Token) -> Result<(), NetfilterError> {
        if negated {
            return Err(not_allowed(
                tok,
                format!("`!` cannot be used before `{}`", tok.text),
            ));
        }
        Ok(())
    }

    fn push_match(&mut self, m: Match, at: Token) {
        self.out.rule.matches.push(m);
        self.out.pos.matches.push(at);
        self.seen.push(Vec::new());
    }

    fn module_or_target_option(
        &mut self,
        tok: &'t Token,
        negated: bool,
    ) -> Result<(), NetfilterError> {
        let name = tok.text.as_str();
        if let Some(opt) = target_options(&self.out.rule.target)
            .iter()
            .find(|o| **o == name)
        {
            self.no_neg(negated, tok)?;
            return self.target_option(opt, tok);
        }
        let idx = self
            .out
            .rule
            .matches
            .iter()
            .rposition(|m| module_options(m).contains(&name));
        let idx = match idx {
            Some(i) => i,
            None => {
                let implicit = match self.out.rule.proto {
                    Some(ProtoMatch {
                        proto: IpProto::Tcp,
                        negated: false,
                    }) => "tcp",
                    Some(ProtoMatch {
                        proto: IpProto::Udp,
                        negated: false,
                    }) => "udp",
                    Some(ProtoMatch {
                        proto: IpProto::Icmp,
                        negated: false,
                    }) => "icmp",
                    _ => "",
                };
                match new_match(implicit) {
                    Some(m) if module_options(&m).contains(&name) => {
                        self.push_match(m, tok.clone());
                        self.out.rule.matches.len() - 1
                    }
                    _ => return Err(self.unknown_option(tok)),
                }
            }
        };
        let opt = module_options(&self.out.rule.matches[idx])
            .iter()
            .copied()
            .find(|o| *o == name)
            .unwrap_or("");
        let canonical = match opt {
            "--source-port" => "--sport",
            "--destination-port" => "--dport",
            "--source-ports" => "--sports",
            "--destination-ports" | "--ports" => "--dports",
            "--syn" => "--tcp-flags",
            o => o,
        };
        if self.seen[idx].contains(&canonical) {
            return Err(syntax(
                tok,
                format!(
                    "`{name}` given twice for one `-m {}`",
                    self.out.rule.matches[idx].module()
                ),
            ));
        }
        self.seen[idx].push(canonical);
        self.match_option(idx, opt, tok, negated)
    }

    fn unknown_option(&self, tok: &Token) -> NetfilterError {
        let name = tok.text.as_str();
        let mut known: Vec<&str> = GENERIC_OPTIONS.to_vec();
        for m in &self.out.rule.matches {
            known.extend_from_slice(module_options(m));
        }
        known.extend_from_slice(target_options(&self.out.rule.target));
        if let Some(m) = self
            .out
            .rule
            .proto
            .filter(|p| !p.negated)
            .and_then(|p| new_match(&p.proto.name()))
        {
            known.extend_from_slice(module_options(&m));
        }
        let hint = did_you_mean(name, known.iter().copied());
        if !hint.is_empty() {
            return unknown(tok, format!("unknown option `{name}`{hint}"));
        }
        // Which module would have known it?
        for module in MODULES {
            if let Some(m) = new_match(module)
                && module_options(&m).contains(&name)
            {
                let how = if matches!(module, "tcp" | "udp" | "icmp") {
                    format!("`-p {module}` (or `-p {module} -m {module}`)")
                } else {
                    format!("`-m {module}`")
                };
                return unknown(
                    tok,
                    format!("option `{name}` belongs to the {module} match: put {how} before it"),
                );
            }
        }
        let all = MODULES
            .iter()
            .filter_map(|m| new_match(m))
            .flat_map(|m| module_options(&m).iter().copied());
        let hint = did_you_mean(name, all);
        if !hint.is_empty() {
            return unknown(
                tok,
                format!("unknown option `{name}`{hint} (load its module with -m first)"),
            );
        }
        for t in TARGET_NAMES {
            if target_options(&new_target(t, false)).contains(&name) {
                return unknown(
                    tok,
                    format!("option `{name}` belongs to the {t} target: put `-j {t}` before it"),
                );
            }
        }
        unknown(
            tok,
            format!(
                "unknown option `{name}`: docknet does not model it (see `iptables -h` for what it means)"
            ),
        )
    }

    fn match_option(
        &mut self,
        idx: usize,
        opt: &str,
        tok: &'t Token,
        negated: bool,
    ) -> Result<(), NetfilterError> {
        let takes_no_value = matches!(opt, "--syn" | "--limit-iface-in" | "--limit-iface-out");
        let v = if takes_no_value {
            tok
        } else {
            self.value(tok)?
        };
        let bad = |m: String| invalid(v, m);
        let m = &mut self.out.rule.matches[idx];
        match (m, opt) {
            (Match::Tcp { sport, .. } | Match::Udp { sport, .. }, "--sport" | "--source-port") => {
                *sport = Some(PortMatch {
                    range: parse_port_range(&v.text).map_err(bad)?,
                    negated,
                });
            }
            (
                Match::Tcp { dport, .. } | Match::Udp { dport, .. },
                "--dport" | "--destination-port",
            ) => {
                *dport = Some(PortMatch {
                    range: parse_port_range(&v.text).map_err(bad)?,
                    negated,
                });
            }
            (Match::Tcp { flags, .. }, "--syn") => {
                *flags = Some(TcpFlagsMatch {
                    mask: 0x17,
                    comp: 0x02,
                    negated,
                });
            }
            (Match::Tcp { flags, .. }, "--tcp-flags") => {
                let mask = parse_tcp_flags(&v.text).map_err(bad)?;
                let c = self.toks.get(self.i).ok_or_else(|| {
                    syntax(tok, "`--tcp-flags` needs two lists: the flags to examine and the ones that must be set, e.g. `--tcp-flags SYN,ACK SYN`")
                })?;
                self.i += 1;
                let comp = parse_tcp_flags(&c.text).map_err(|m| invalid(c, m))?;
                *flags = Some(TcpFlagsMatch {
                    mask,
                    comp,
                    negated,
                });
            }
            (Match::Icmp { icmp_type }, _) => {
                let (t, code) = parse_icmp_type(&v.text).map_err(bad)?;
                *icmp_type = Some(IcmpTypeMatch {
                    icmp_type: t,
                    code,
                    negated,
                });
            }
            (
                Match::AddrType {
                    src,
                    dst,
                    limit_iface_in,
                    limit_iface_out,
                },
                o,
            ) => match o {
                "--src-type" => *src = Some((parse_addr_types(&v.text).map_err(bad)?, negated)),
                "--dst-type" => *dst = Some((parse_addr_types(&v.text).map_err(bad)?, negated)),
                _ => {
                    if negated {
                        return Err(not_allowed(tok, format!("`!` cannot be used before `{o}`")));
                    }
                    if o == "--limit-iface-in" {
                        *limit_iface_in = true;
                    } else {
                        *limit_iface_out = true;
                    }
                    if *limit_iface_in && *limit_iface_out {
                        return Err(not_allowed(
                            tok,
                            "`--limit-iface-in` and `--limit-iface-out` cannot be combined",
                        ));
                    }
                }
            },
            (Match::Conntrack { states, negated: n } | Match::State { states, negated: n }, _) => {
                *states = parse_states(&v.text).map_err(bad)?;
                *n = negated;
            }
            (
                Match::Mark {
                    value,
                    mask,
                    negated: n,
                },
                _,
            ) => {
                (*value, *mask) = parse_mark(&v.text).map_err(bad)?;
                *n = negated;
            }
            (Match::Comment(c), _) => {
                if negated {
                    return Err(not_allowed(tok, "`!` cannot be used before `--comment`"));
                }
                if v.text.chars().count() > 255 {
                    return Err(invalid(v, "comment is longer than 255 characters"));
                }
                *c = v.text.clone();
            }
            (
                Match::Multiport {
                    dir,
                    ports,
                    negated: n,
                },
                o,
            ) => {
                if !ports.is_empty() {
                    return Err(syntax(
                        tok,
                        "a `-m multiport` takes one of --sports, --dports or --ports",
                    ));
                }
                *dir = match o {
                    "--sports" | "--source-ports" => MultiportDir::Source,
                    "--ports" => MultiportDir::Either,
                    _ => MultiportDir::Destination,
                };
                *ports = parse_port_list(&v.text).map_err(bad)?;
                *n = negated;
            }
            _ => return Err(self.unknown_option(tok)),
        }
        Ok(())
    }

    fn target_option(&mut self, opt: &'static str, tok: &'t Token) -> Result<(), NetfilterError> {
        let canonical = match opt {
            "--set-mark" | "--and-mark" | "--or-mark" | "--xor-mark" => "--set-xmark",
            "--to" => "--to-destination",
            "--to-source" => "--to-destination",
            o => o,
        };
        if self.target_seen.contains(&canonical) {
            return Err(syntax(
                tok,
                format!("`{opt}` given twice (or combined with an equivalent option)"),
            ));
        }
        self.target_seen.push(canonical);
        let v = self.value(tok)?;
        let bad = |m: String| invalid(v, m);
        match (&mut self.out.rule.target, opt) {
            (Target::Reject { with }, _) => *with = parse_reject_with(&v.text).map_err(bad)?,
            (Target::Dnat { to } | Target::Snat { to }, _) => {
                *to = parse_nat_range(&v.text).map_err(bad)?
            }
            (Target::Masquerade { to_ports }, _) => {
                *to_ports = Some(parse_port_span(&v.text).map_err(bad)?)
            }
            (Target::Mark { value, mask }, o) => {
                let (val, m) = parse_mark(&v.text).map_err(bad)?;
                (*value, *mask) = match o {
                    "--set-xmark" => (val, m),
                    "--set-mark" => (val, val | m),
                    "--and-mark" => (0, !val),
                    "--or-mark" => (val, val),
                    _ => (val, 0),
                };
            }
            (Target::Log { prefix, .. }, "--log-prefix") => {
                if v.text.chars().count() > 29 {
                    return Err(invalid(
                        v,
                        "log prefix is longer than 29 characters: shorten it",
                    ));
                }
                *prefix = (!v.text.is_empty()).then(|| v.text.clone());
            }
            (Target::Log { level, .. }, _) => {
                let l = parse_log_level(&v.text).map_err(bad)?;
                *level = (l != LOG_DEFAULT_LEVEL).then_some(l);
            }
            _ => return Err(self.unknown_option(tok)),
        }
        Ok(())
    }

    /// Checks that need the whole rule: required options, protocol requirements.
    fn finish(&self) -> Result<(), NetfilterError> {
        let rule = &self.out.rule;
        let proto = rule.proto.filter(|p| !p.negated).map(|p| p.proto);
        for ((m, at), seen) in rule
            .matches
            .iter()
            .zip(&self.out.pos.matches)
            .zip(&self.seen)
        {
            let need_proto = match m {
                Match::Tcp { .. } => Some(IpProto::Tcp),
                Match::Udp { .. } => Some(IpProto::Udp),
                Match::Icmp { .. } => Some(IpProto::Icmp),
                _ => None,
            };
            if let Some(need) = need_proto
                && proto != Some(need)
            {
                let n = need.name();
                return Err(not_allowed(
                    at,
                    format!("the {n} match only works on {n} packets: add `-p {n}` to the rule"),
                ));
            }
            if let Match::Multiport { .. } = m
                && !matches!(
                    proto,
                    Some(IpProto::Tcp | IpProto::Udp | IpProto::Other(33 | 132 | 136))
                )
            {
                return Err(not_allowed(
                    at,
                    "multiport needs `-p tcp` or `-p udp` (or sctp, dccp, udplite)",
                ));
            }
            let required: &[&str] = match m {
                Match::AddrType { .. }
                    if !seen.contains(&"--src-type") && !seen.contains(&"--dst-type") =>
                {
                    &["--src-type or --dst-type"]
                }
                Match::Conntrack { .. } if seen.is_empty() => &["--ctstate"],
                Match::State { .. } if seen.is_empty() => &["--state"],
                Match::Mark { .. } if seen.is_empty() => &["--mark"],
                Match::Comment(_) if seen.is_empty() => &["--comment"],
                Match::Multiport { .. } if seen.is_empty() => &["--dports, --sports or --ports"],
                _ => &[],
            };
            if let Some(r) = required.first() {
                return Err(syntax(at, format!("`-m {}` needs {r}", m.module())));
            }
        }
        let Some(at) = &self.out.pos.target else {
            return Ok(());
        };
        let ports_ok = matches!(
            proto,
            Some(IpProto::Tcp | IpProto::Udp | IpProto::Other(33 | 132 | 136))
        );
        match &rule.target {
            Target::Dnat { .. } | Target::Snat { .. } if self.target_seen.is_empty() => {
                let opt = if matches!(rule.target, Target::Dnat { .. }) {
                    "--to-destination"
                } else {
                    "--to-source"
                };
                Err(syntax(
                    at,
                    format!("{} needs {opt}, e.g. `{opt} 172.17.0.2:80`", at.text),
                ))
            }
            Target::Dnat { to } | Target::Snat { to } if to.ports.is_some() && !ports_ok => Err(
                not_allowed(at, "a NAT port needs `-p tcp` or `-p udp` in the rule"),
            ),
            Target::Masquerade { to_ports: Some(_) } if !ports_ok => Err(not_allowed(
                at,
                "`--to-ports` needs `-p tcp` or `-p udp` in the rule",
            )),
            Target::Mark { .. } if self.target_seen.is_empty() => Err(syntax(
                at,
                "MARK needs --set-xmark, --set-mark, --and-mark, --or-mark or --xor-mark",
            )),
            Target::Reject {
                with: RejectWith::TcpReset,
            } if proto != Some(IpProto::Tcp) => Err(not_allowed(
                at,
                "`--reject-with tcp-reset` only works with `-p tcp`",
            )),
            _ => Ok(()),
        }
    }
}
