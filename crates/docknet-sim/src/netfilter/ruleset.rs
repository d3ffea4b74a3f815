//! The ruleset of one network namespace: parsing iptables-save text (as iptables-restore
//! does) and printing it back (as iptables-save does).

use super::error::{NetfilterError, did_you_mean, site};
use super::lex::{Token, tokenize};
use super::rule::{Hook, Rule, TableName};
use super::spec::{ParsedSpec, chain_name_problem, parse_spec};
use super::table::{CheckError, Counters, Policy, RuleEntry, RulePart, Table, check_rule};
use std::fmt::Write as _;

/// All tables of a namespace. Absent tables behave as if they had no rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ruleset {
    /// Indexed like [`TableName::SAVE_ORDER`].
    tables: [Option<Table>; 4],
}

fn slot(t: TableName) -> usize {
    TableName::SAVE_ORDER
        .iter()
        .position(|x| *x == t)
        .unwrap_or(0)
}

impl Ruleset {
    /// Parses iptables-save text (`iptables-save -c` counters accepted). Empty text gives an
    /// empty ruleset. A table given twice is replaced, as iptables-restore does.
    pub fn parse(text: &str) -> Result<Ruleset, NetfilterError> {
        let mut rs = Ruleset::default();
        let mut open: Option<Table> = None;
        let mut last_line = 0;
        for (n, raw) in text.lines().enumerate() {
            let line = n + 1;
            last_line = line;
            parse_line(&mut rs, &mut open, raw).map_err(|e| e.at_line(line))?;
        }
        if let Some(t) = open {
            return Err(NetfilterError::MissingCommit(super::error::ErrorSite {
                line: last_line.max(1),
                column: 0,
                token: String::new(),
                message: format!(
                    "missing COMMIT for table {}: end the table with a `COMMIT` line",
                    t.name()
                ),
            }));
        }
        Ok(rs)
    }

    pub fn table(&self, t: TableName) -> Option<&Table> {
        self.tables[slot(t)].as_ref()
    }

    pub fn table_mut(&mut self, t: TableName) -> Option<&mut Table> {
        self.tables[slot(t)].as_mut()
    }

    /// The table, created empty (builtin chains, policy ACCEPT) if absent.
    pub fn ensure_table(&mut self, t: TableName) -> &mut Table {
        self.tables[slot(t)].get_or_insert_with(|| Table::new(t))
    }

    /// Present tables in iptables-save order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().flatten()
    }

    pub(crate) fn set_table(&mut self, t: Table) {
        let i = slot(t.name());
        self.tables[i] = Some(t);
    }

    /// The text `iptables-save` prints (without the `# Generated` comment lines).
    pub fn iptables_save(&self) -> String {
        self.save(false)
    }

    /// The text `iptables-save -c` prints: each rule prefixed with `[packets:bytes]`.
    pub fn iptables_save_with_counters(&self) -> String {
        self.save(true)
    }

    fn save(&self, counters: bool) -> String {
        let mut out = String::new();
        for table in self.tables() {
            let _ = writeln!(out, "*{}", table.name());
            for c in table.chains() {
                match c.policy() {
                    Some(p) => {
                        let pc = c.policy_counters();
                        let _ = writeln!(
                            out,
                            ":{} {} [{}:{}]",
                            c.name(),
                            p.as_str(),
                            pc.packets,
                            pc.bytes
                        );
                    }
                    None => {
                        let _ = writeln!(out, ":{} - [0:0]", c.name());
                    }
                }
            }
            for c in table.chains() {
                for e in c.rules() {
                    if counters {
                        let _ = write!(out, "[{}:{}] ", e.counters.packets, e.counters.bytes);
                    }
                    let _ = writeln!(out, "{}", rule_line(c.name(), &e.rule));
                }
            }
            out.push_str("COMMIT\n");
        }
        out
    }
}

/// `-A CHAIN spec`, as iptables-save prints a rule.
pub fn rule_line(chain: &str, rule: &Rule) -> String {
    let spec = rule.to_string();
    if spec.is_empty() {
        format!("-A {chain}")
    } else {
        format!("-A {chain} {spec}")
    }
}

fn syntax(t: &Token, msg: impl Into<String>) -> NetfilterError {
    NetfilterError::Syntax(site(t.col, &t.text, msg))
}

/// `[packets:bytes]`.
fn parse_counters(t: &Token) -> Result<Counters, NetfilterError> {
    let bad = || {
        NetfilterError::InvalidValue(site(
            t.col,
            &t.text,
            format!(
                "bad counters `{}`: write them as [packets:bytes], e.g. [0:0]",
                t.text
            ),
        ))
    };
    let inner = t
        .text
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or_else(bad)?;
    let (p, b) = inner.split_once(':').ok_or_else(bad)?;
    Ok(Counters {
        packets: p.parse().map_err(|_| bad())?,
        bytes: b.parse().map_err(|_| bad())?,
    })
}

fn parse_line(rs: &mut Ruleset, open: &mut Option<Table>, raw: &str) -> Result<(), NetfilterError> {
    let trimmed = raw.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(());
    }
    let toks = tokenize(raw)?;
    let Some(first) = toks.first() else {
        return Ok(());
    };
    if let Some(name) = first.text.strip_prefix('*') {
        if let Some(t) = open {
            return Err(NetfilterError::MissingCommit(site(
                first.col,
                &first.text,
                format!(
                    "missing COMMIT for table {}: add `COMMIT` before `{}`",
                    t.name(),
                    first.text
                ),
            )));
        }
        let t = name
            .parse::<TableName>()
            .map_err(|m| NetfilterError::UnknownTable(site(first.col, &first.text, m)))?;
        if let Some(extra) = toks.get(1) {
            return Err(syntax(extra, "unexpected text after the table name"));
        }
        *open = Some(Table::new(t));
        return Ok(());
    }
    let Some(table) = open.as_mut() else {
        return Err(syntax(
            first,
            format!(
                "`{}` outside a table: start the table with a line like `*filter`",
                first.text
            ),
        ));
    };
    if first.text == "COMMIT" {
        if let Some(extra) = toks.get(1) {
            return Err(syntax(extra, "unexpected text after COMMIT"));
        }
        if let Some(t) = open.take() {
            rs.set_table(t);
        }
        return Ok(());
    }
    if first.text.starts_with(':') {
        return declare_chain(table, &toks);
    }
    let mut rest = &toks[..];
    let mut counters = Counters::default();
    if first.text.starts_with('[') {
        counters = parse_counters(first)?;
        rest = &toks[1..];
    }
    let Some(cmd) = rest.first() else {
        return Err(syntax(
            first,
            "counters must be followed by a rule: `[0:0] -A CHAIN ...`",
        ));
    };
    if cmd.text != "-A" && cmd.text != "--append" {
        return Err(syntax(
            cmd,
            format!(
                "unexpected `{}`: rule lines start with `-A CHAIN`",
                cmd.text
            ),
        ));
    }
    let chain_tok = rest
        .get(1)
        .ok_or_else(|| syntax(cmd, "`-A` needs a chain name"))?;
    append_parsed(table, chain_tok, &rest[2..], counters)
}

fn declare_chain(table: &mut Table, toks: &[Token]) -> Result<(), NetfilterError> {
    let first = &toks[0];
    let name = &first.text[1..];
    if name.is_empty() {
        return Err(syntax(first, "missing chain name after `:`"));
    }
    if let Some(problem) = chain_name_problem(name) {
        return Err(NetfilterError::InvalidValue(site(
            first.col,
            &first.text,
            problem,
        )));
    }
    let pol = toks.get(1).ok_or_else(|| {
        syntax(
            first,
            format!(
                "missing policy: write `{} ACCEPT [0:0]` or `{} - [0:0]`",
                first.text, first.text
            ),
        )
    })?;
    let counters = toks.get(2).map(parse_counters).transpose()?;
    if let Some(extra) = toks.get(3) {
        return Err(syntax(extra, "unexpected text after the chain counters"));
    }
    let builtin = table.chain(name).is_some_and(|c| c.is_builtin());
    match pol.text.as_str() {
        "-" => {
            if builtin || Hook::from_name(name).is_some() {
                return Err(NetfilterError::NotAllowed(site(
                    first.col,
                    &first.text,
                    format!(
                        "`{name}` is a builtin chain name: give it a policy (`:{name} ACCEPT [0:0]`) or rename the user chain"
                    ),
                )));
            }
            if !table.add_user_chain(name) {
                return Err(NetfilterError::NotAllowed(site(
                    first.col,
                    &first.text,
                    format!("chain `{name}` is declared twice"),
                )));
            }
        }
        "ACCEPT" | "DROP" => {
            if !builtin {
                return Err(NetfilterError::NotAllowed(site(
                    pol.col,
                    &pol.text,
                    format!(
                        "only builtin chains have a policy and table {} has no builtin chain `{name}`: declare a user chain with `:{name} - [0:0]`",
                        table.name()
                    ),
                )));
            }
            let p = if pol.text == "ACCEPT" {
                Policy::Accept
            } else {
                Policy::Drop
            };
            if let Some(c) = table.chain_mut(name) {
                c.set_policy(p, counters);
            }
        }
        _ => {
            return Err(NetfilterError::InvalidValue(site(
                pol.col,
                &pol.text,
                format!(
                    "unknown policy `{}`: use ACCEPT or DROP (or `-` for a user chain)",
                    pol.text
                ),
            )));
        }
    }
    Ok(())
}

/// Error for a chain that does not exist, with a "did you mean".
pub(crate) fn missing_chain(
    table: &Table,
    at: &Token,
    name: &str,
    as_target: bool,
) -> NetfilterError {
    let names: Vec<String> = table.chains().map(|c| c.name().to_string()).collect();
    let hint = did_you_mean(name, names.iter().map(String::as_str));
    let fix = if as_target {
        "or fix the -j target"
    } else {
        "or fix the chain name"
    };
    let msg = if hint.is_empty() {
        format!(
            "chain `{name}` does not exist in table {}: declare it with `:{name} - [0:0]` {fix}",
            table.name()
        )
    } else {
        format!(
            "chain `{name}` does not exist in table {}{hint} (or declare it with `:{name} - [0:0]`)",
            table.name()
        )
    };
    NetfilterError::UnknownChain(site(at.col, &at.text, msg))
}

/// Parses `spec` and checks it for `chain` (see [`check_rule`]).
pub(crate) fn parse_checked(
    table: &Table,
    chain_tok: &Token,
    spec: &[Token],
) -> Result<ParsedSpec, NetfilterError> {
    let chain = chain_tok.text.as_str();
    if !table.has_chain(chain) {
        return Err(missing_chain(table, chain_tok, chain, false));
    }
    let parsed = parse_spec(spec, false)?;
    check_parsed(table, chain_tok, &parsed)?;
    Ok(parsed)
}

pub(crate) fn check_parsed(
    table: &Table,
    chain_tok: &Token,
    parsed: &ParsedSpec,
) -> Result<(), NetfilterError> {
    if let Err((part, err)) = check_rule(table, &chain_tok.text, &parsed.rule) {
        let pos = &parsed.pos;
        let at = match part {
            RulePart::Target => pos.target.as_ref(),
            RulePart::InIface => pos.in_iface.as_ref(),
            RulePart::OutIface => pos.out_iface.as_ref(),
            RulePart::Match(i) => pos.matches.get(i),
        }
        .unwrap_or(chain_tok);
        return Err(match err {
            CheckError::MissingChain(name) => missing_chain(table, at, &name, true),
            CheckError::Refused(msg) => NetfilterError::NotAllowed(site(at.col, &at.text, msg)),
        });
    }
    Ok(())
}

fn append_parsed(
    table: &mut Table,
    chain_tok: &Token,
    spec: &[Token],
    counters: Counters,
) -> Result<(), NetfilterError> {
    let parsed = parse_checked(table, chain_tok, spec)?;
    if let Some(c) = table.chain_mut(&chain_tok.text) {
        c.rules.push(RuleEntry {
            rule: parsed.rule,
            counters,
        });
    }
    Ok(())
}
