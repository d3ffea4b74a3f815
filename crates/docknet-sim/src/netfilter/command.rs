//! Single iptables command lines (`iptables -t nat -A POSTROUTING ...`) for a console, and
//! applying them to a [`Ruleset`] with the checks iptables makes.

use super::error::{ErrorSite, NetfilterError, site};
use super::lex::{Token, tokenize};
use super::rule::{Hook, Rule, TableName};
use super::ruleset::{Ruleset, check_parsed, missing_chain};
use super::spec::{ParsedSpec, chain_name_problem, parse_spec};
use super::table::{Counters, Policy, RuleEntry, Table};

/// `-D CHAIN n` or `-D CHAIN spec`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteTarget {
    /// 1-based rule number.
    Index(usize),
    Rule(Rule),
}

/// One parsed `iptables` command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IptablesCommand {
    Append {
        table: TableName,
        chain: String,
        rule: Rule,
    },
    /// `-I CHAIN [n]`: insert before rule `n` (1-based, default 1).
    Insert {
        table: TableName,
        chain: String,
        index: usize,
        rule: Rule,
    },
    Delete {
        table: TableName,
        chain: String,
        target: DeleteTarget,
    },
    NewChain {
        table: TableName,
        chain: String,
    },
    /// `-X [CHAIN]`: delete one user chain, or every user chain.
    DeleteChain {
        table: TableName,
        chain: Option<String>,
    },
    SetPolicy {
        table: TableName,
        chain: String,
        policy: Policy,
    },
    /// `-F [CHAIN]`: remove the rules of one chain, or of every chain.
    Flush {
        table: TableName,
        chain: Option<String>,
    },
}

fn syntax(t: &Token, msg: impl Into<String>) -> NetfilterError {
    NetfilterError::Syntax(site(t.col, &t.text, msg))
}

/// An error about the whole command (column 0).
fn refused(kind: fn(ErrorSite) -> NetfilterError, token: &str, msg: String) -> NetfilterError {
    kind(ErrorSite {
        line: 1,
        column: 0,
        token: token.to_string(),
        message: msg,
    })
}

const COMMANDS: [&str; 14] = [
    "-A",
    "--append",
    "-I",
    "--insert",
    "-D",
    "--delete",
    "-N",
    "--new-chain",
    "-X",
    "--delete-chain",
    "-P",
    "--policy",
    "-F",
    "--flush",
];

/// The chain-name token, or why no chain can have that name.
fn checked_chain(t: &Token) -> Result<&Token, NetfilterError> {
    match chain_name_problem(&t.text) {
        Some(problem) => Err(NetfilterError::InvalidValue(site(t.col, &t.text, problem))),
        None => Ok(t),
    }
}

impl IptablesCommand {
    /// Parses one command line; the leading `iptables` is optional.
    pub fn parse(line: &str) -> Result<IptablesCommand, NetfilterError> {
        let toks = tokenize(line)?;
        let mut rest: &[Token] = &toks;
        if rest.first().is_some_and(|t| t.text == "iptables") {
            rest = &rest[1..];
        }
        let mut table = TableName::Filter;
        let mut table_tok: Option<&Token> = None;
        while let Some(t) = rest.first() {
            if t.text == "-t" || t.text == "--table" {
                let v = rest.get(1).ok_or_else(|| {
                    syntax(t, "`-t` needs a table name: raw, mangle, nat or filter")
                })?;
                table = v
                    .text
                    .parse()
                    .map_err(|m| NetfilterError::UnknownTable(site(v.col, &v.text, m)))?;
                table_tok = Some(v);
                rest = &rest[2..];
            } else {
                break;
            }
        }
        let end = || ErrorSite {
            line: 1,
            column: line.chars().count() + 1,
            token: String::new(),
            message: String::new(),
        };
        let Some(cmd) = rest.first() else {
            let mut s = end();
            s.message = "missing command: use -A, -I, -D, -N, -X, -P or -F".into();
            return Err(NetfilterError::Syntax(s));
        };
        if !COMMANDS.contains(&cmd.text.as_str()) {
            return Err(NetfilterError::UnknownOption(site(
                cmd.col,
                &cmd.text,
                format!(
                    "unknown command `{}`: use -A, -I, -D, -N, -X, -P or -F (listing is not a command here)",
                    cmd.text
                ),
            )));
        }
        // A chain name iptables could never have created (empty, spaced, `-x`) is refused
        // here, for every command: it could not be printed back as a rule line.
        let chain_tok = rest.get(1).map(checked_chain).transpose()?;
        let need_chain =
            || chain_tok.ok_or_else(|| syntax(cmd, format!("`{}` needs a chain name", cmd.text)));
        let spec = |toks: &[Token]| -> Result<ParsedSpec, NetfilterError> {
            let p = parse_spec(toks, true)?;
            if let (Some((_, t)), Some(_)) = (&p.table, table_tok) {
                return Err(syntax(t, "`-t` given twice"));
            }
            Ok(p)
        };
        let args = rest.get(2..).unwrap_or(&[]);
        let no_more = |toks: &[Token]| match toks.first() {
            Some(t) => Err(syntax(
                t,
                format!("unexpected `{}` after `{}`", t.text, cmd.text),
            )),
            None => Ok(()),
        };
        let with_table = |p: &ParsedSpec| p.table.as_ref().map_or(table, |(t, _)| *t);
        Ok(match cmd.text.as_str() {
            "-A" | "--append" => {
                let chain = need_chain()?.text.clone();
                let p = spec(args)?;
                IptablesCommand::Append {
                    table: with_table(&p),
                    chain,
                    rule: p.rule,
                }
            }
            "-I" | "--insert" => {
                let chain = need_chain()?.text.clone();
                let (index, args) = match args
                    .first()
                    .and_then(|t| t.text.parse::<usize>().ok().map(|n| (n, t)))
                {
                    Some((0, t)) => return Err(syntax(t, "rule numbers start at 1")),
                    Some((n, _)) => (n, &args[1..]),
                    None => (1, args),
                };
                let p = spec(args)?;
                IptablesCommand::Insert {
                    table: with_table(&p),
                    chain,
                    index,
                    rule: p.rule,
                }
            }
            "-D" | "--delete" => {
                let chain = need_chain()?.text.clone();
                match args.first().map(|t| (t, t.text.parse::<usize>())) {
                    Some((t, Ok(n))) => {
                        no_more(&args[1..])?;
                        if n == 0 {
                            return Err(syntax(t, "rule numbers start at 1"));
                        }
                        IptablesCommand::Delete {
                            table,
                            chain,
                            target: DeleteTarget::Index(n),
                        }
                    }
                    None => {
                        return Err(syntax(
                            cmd,
                            "`-D CHAIN` needs a rule number or the rule spec to delete",
                        ));
                    }
                    Some(_) => {
                        let p = spec(args)?;
                        IptablesCommand::Delete {
                            table: with_table(&p),
                            chain,
                            target: DeleteTarget::Rule(p.rule),
                        }
                    }
                }
            }
            "-N" | "--new-chain" => {
                let c = need_chain()?;
                no_more(args)?;
                IptablesCommand::NewChain {
                    table,
                    chain: c.text.clone(),
                }
            }
            "-X" | "--delete-chain" => {
                no_more(args)?;
                IptablesCommand::DeleteChain {
                    table,
                    chain: chain_tok.map(|t| t.text.clone()),
                }
            }
            "-F" | "--flush" => {
                no_more(args)?;
                IptablesCommand::Flush {
                    table,
                    chain: chain_tok.map(|t| t.text.clone()),
                }
            }
            _ => {
                let chain = need_chain()?.text.clone();
                let pol = args
                    .first()
                    .ok_or_else(|| syntax(cmd, "`-P CHAIN` needs a policy: ACCEPT or DROP"))?;
                no_more(&args[1..])?;
                let policy = match pol.text.as_str() {
                    "ACCEPT" => Policy::Accept,
                    "DROP" => Policy::Drop,
                    _ => {
                        return Err(NetfilterError::InvalidValue(site(
                            pol.col,
                            &pol.text,
                            "a policy is ACCEPT or DROP",
                        )));
                    }
                };
                IptablesCommand::SetPolicy {
                    table,
                    chain,
                    policy,
                }
            }
        })
    }

    /// Applies the command. Errors refer to the command as a whole (line 1, column 0) or,
    /// for rule checks, to the offending part of the rule as re-printed by iptables-save.
    pub fn apply(&self, rs: &mut Ruleset) -> Result<(), NetfilterError> {
        use IptablesCommand::*;
        let (table, chain) = match self {
            Append { table, chain, .. }
            | Insert { table, chain, .. }
            | Delete { table, chain, .. }
            | NewChain { table, chain }
            | SetPolicy { table, chain, .. } => (*table, Some(chain.as_str())),
            DeleteChain { table, chain } | Flush { table, chain } => (*table, chain.as_deref()),
        };
        let t = rs.ensure_table(table);
        let chain_exists = |t: &Table, c: &str| -> Result<(), NetfilterError> {
            if t.has_chain(c) {
                Ok(())
            } else {
                let at = Token {
                    text: c.to_string(),
                    col: 0,
                };
                Err(missing_chain(t, &at, c, false))
            }
        };
        match self {
            Append { rule, chain, .. } | Insert { rule, chain, .. } => {
                chain_exists(t, chain)?;
                check_rule_for(t, chain, rule)?;
                let len = t.chain(chain).map_or(0, |c| c.rules().len());
                let at = match self {
                    Insert { index, .. } if *index > len + 1 => {
                        return Err(refused(
                            NetfilterError::InvalidValue,
                            chain,
                            format!("index of insertion too big: chain {chain} has {len} rules"),
                        ));
                    }
                    Insert { index, .. } => index - 1,
                    _ => len,
                };
                if let Some(c) = t.chain_mut(chain) {
                    c.rules.insert(
                        at,
                        RuleEntry {
                            rule: rule.clone(),
                            counters: Counters::default(),
                        },
                    );
                }
            }
            Delete { chain, target, .. } => {
                chain_exists(t, chain)?;
                let Some(c) = t.chain_mut(chain) else {
                    return Ok(());
                };
                let i = match target {
                    DeleteTarget::Index(n) if *n <= c.rules.len() => n - 1,
                    DeleteTarget::Index(n) => {
                        return Err(refused(
                            NetfilterError::InvalidValue,
                            chain,
                            format!("chain {chain} has no rule {n} (it has {})", c.rules.len()),
                        ));
                    }
                    DeleteTarget::Rule(r) => {
                        c.rules.iter().position(|e| &e.rule == r).ok_or_else(|| {
                            refused(
                                NetfilterError::InvalidValue,
                                chain,
                                format!(
                                    "no rule in {chain} matches `{r}`: check it with iptables-save"
                                ),
                            )
                        })?
                    }
                };
                c.rules.remove(i);
            }
            NewChain { chain, .. } => {
                if Hook::from_name(chain).is_some() || !t.add_user_chain(chain) {
                    return Err(refused(
                        NetfilterError::NotAllowed,
                        chain,
                        format!("chain `{chain}` already exists"),
                    ));
                }
            }
            DeleteChain { chain, .. } => {
                let names = match chain {
                    Some(c) => {
                        chain_exists(t, c)?;
                        vec![c.clone()]
                    }
                    None => t.user_chain_names(),
                };
                for c in &names {
                    if t.chain(c).is_some_and(|c| c.is_builtin()) {
                        return Err(refused(
                            NetfilterError::NotAllowed,
                            c,
                            format!("`{c}` is a builtin chain and cannot be deleted"),
                        ));
                    }
                    // References from chains that are deleted too do not count.
                    let refs = t
                        .chains()
                        .filter(|ch| !names.iter().any(|n| n == ch.name()))
                        .flat_map(|ch| ch.rules())
                        .filter(|e| e.rule.target.chain() == Some(c))
                        .count();
                    if refs > 0 {
                        return Err(refused(
                            NetfilterError::NotAllowed,
                            c,
                            format!(
                                "chain `{c}` is still referenced by {refs} rule(s): delete them first"
                            ),
                        ));
                    }
                    if chain.is_some() && t.chain(c).is_some_and(|ch| !ch.rules().is_empty()) {
                        return Err(refused(
                            NetfilterError::NotAllowed,
                            c,
                            format!("chain `{c}` is not empty: flush it first with `-F {c}`"),
                        ));
                    }
                }
                for c in &names {
                    t.remove_user_chain(c);
                }
            }
            SetPolicy { chain, policy, .. } => {
                chain_exists(t, chain)?;
                match t.chain_mut(chain) {
                    Some(c) if c.is_builtin() => c.set_policy(*policy, None),
                    _ => {
                        return Err(refused(
                            NetfilterError::NotAllowed,
                            chain,
                            format!("only builtin chains have a policy; `{chain}` is a user chain"),
                        ));
                    }
                }
            }
            Flush { chain, .. } => {
                let names: Vec<String> = match chain {
                    Some(c) => {
                        chain_exists(t, c)?;
                        vec![c.clone()]
                    }
                    None => t.chains().map(|c| c.name().to_string()).collect(),
                };
                for n in names {
                    if let Some(c) = t.chain_mut(&n) {
                        c.rules.clear();
                    }
                }
            }
        }
        let _ = chain;
        Ok(())
    }
}

fn check_rule_for(t: &Table, chain: &str, rule: &Rule) -> Result<(), NetfilterError> {
    // Re-tokenise the canonical text so errors can point at a column of it.
    let text = rule.to_string();
    let toks = tokenize(&text)?;
    let parsed = match parse_spec(&toks, false) {
        Ok(p) if &p.rule == rule => p,
        _ => ParsedSpec {
            rule: rule.clone(),
            pos: Default::default(),
            table: None,
        },
    };
    check_parsed(
        t,
        &Token {
            text: chain.to_string(),
            col: 0,
        },
        &parsed,
    )
}

impl Ruleset {
    /// Parses and applies one iptables command line.
    pub fn run_command(&mut self, line: &str) -> Result<(), NetfilterError> {
        IptablesCommand::parse(line)?.apply(self)
    }
}
