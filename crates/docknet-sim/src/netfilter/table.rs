//! Tables and chains with their counters, and the checks iptables and the kernel apply when
//! a rule is added (chain exists, target allowed here, no jump loop).

use super::rule::{Hook, Match, Rule, TableName, Target};
use std::collections::BTreeMap;

/// Packet and byte counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
}

impl Counters {
    pub(crate) fn add(&mut self, len: u32) {
        self.packets = self.packets.saturating_add(1);
        self.bytes = self.bytes.saturating_add(u64::from(len));
    }
}

/// A builtin chain's policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    Accept,
    Drop,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Accept => "ACCEPT",
            Policy::Drop => "DROP",
        }
    }
}

/// A rule in a chain, with its counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleEntry {
    pub rule: Rule,
    pub counters: Counters,
}

/// A chain: builtin (has a policy) or user-defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    name: String,
    policy: Option<Policy>,
    policy_counters: Counters,
    pub(crate) rules: Vec<RuleEntry>,
}

impl Chain {
    fn new(name: &str, policy: Option<Policy>) -> Chain {
        Chain {
            name: name.to_string(),
            policy,
            policy_counters: Counters::default(),
            rules: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `Some` for builtin chains.
    pub fn policy(&self) -> Option<Policy> {
        self.policy
    }

    pub fn is_builtin(&self) -> bool {
        self.policy.is_some()
    }

    /// The rules with their counters, in order (rule numbers are index + 1).
    pub fn rules(&self) -> &[RuleEntry] {
        &self.rules
    }

    /// Packets and bytes that fell through to the policy (always zero for user chains).
    pub fn policy_counters(&self) -> Counters {
        self.policy_counters
    }

    pub(crate) fn policy_counters_mut(&mut self) -> &mut Counters {
        &mut self.policy_counters
    }

    pub(crate) fn set_policy(&mut self, p: Policy, counters: Option<Counters>) {
        self.policy = Some(p);
        if let Some(c) = counters {
            self.policy_counters = c;
        }
    }
}

/// One table: its builtin chains in kernel order and its user chains by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    name: TableName,
    builtin: Vec<Chain>,
    /// Sorted by name (byte order), as iptables-save lists them.
    user: BTreeMap<String, Chain>,
}

impl Table {
    /// A table with its builtin chains, all with policy ACCEPT, and no rules.
    pub fn new(name: TableName) -> Table {
        let builtin = name
            .builtin_hooks()
            .iter()
            .map(|h| Chain::new(h.as_str(), Some(Policy::Accept)))
            .collect();
        Table {
            name,
            builtin,
            user: BTreeMap::new(),
        }
    }

    pub fn name(&self) -> TableName {
        self.name
    }

    /// Builtin chains (kernel order), then user chains sorted by name.
    pub fn chains(&self) -> impl Iterator<Item = &Chain> {
        self.builtin.iter().chain(self.user.values())
    }

    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.builtin
            .iter()
            .find(|c| c.name == name)
            .or_else(|| self.user.get(name))
    }

    pub fn chain_mut(&mut self, name: &str) -> Option<&mut Chain> {
        match self.builtin.iter_mut().find(|c| c.name == name) {
            Some(c) => Some(c),
            None => self.user.get_mut(name),
        }
    }

    /// The builtin chain of `hook`, if this table has one.
    pub fn hook_chain(&self, hook: Hook) -> Option<&Chain> {
        self.builtin.iter().find(|c| c.name == hook.as_str())
    }

    pub fn has_chain(&self, name: &str) -> bool {
        self.chain(name).is_some()
    }

    /// Creates an empty user chain; false if a chain of that name exists.
    pub fn add_user_chain(&mut self, name: &str) -> bool {
        if self.has_chain(name) {
            return false;
        }
        self.user.insert(name.to_string(), Chain::new(name, None));
        true
    }

    pub(crate) fn remove_user_chain(&mut self, name: &str) -> bool {
        self.user.remove(name).is_some()
    }

    pub(crate) fn user_chain_names(&self) -> Vec<String> {
        self.user.keys().cloned().collect()
    }

    /// How many rules jump or go to `chain` (the "references" of `iptables -L`).
    pub fn references(&self, chain: &str) -> usize {
        self.chains()
            .flat_map(|c| &c.rules)
            .filter(|e| e.rule.target.chain() == Some(chain))
            .count()
    }

    /// Whether `to` is reachable from `from` through jumps and gotos (including from == to).
    pub(crate) fn reaches(&self, from: &str, to: &str) -> bool {
        let mut stack = vec![from.to_string()];
        let mut seen: Vec<String> = Vec::new();
        while let Some(c) = stack.pop() {
            if c == to {
                return true;
            }
            if seen.contains(&c) {
                continue;
            }
            if let Some(chain) = self.chain(&c) {
                stack.extend(
                    chain
                        .rules
                        .iter()
                        .filter_map(|e| e.rule.target.chain().map(str::to_string)),
                );
            }
            seen.push(c);
        }
        false
    }
}

/// Which part of a rule a placement problem concerns (to point the error at it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RulePart {
    Target,
    InIface,
    OutIface,
    Match(usize),
}

/// Checks a rule for chain `chain` of `table` the way iptables/the kernel would: the target
/// chain exists and creates no loop, targets and `-i`/`-o` fit the table and builtin chain.
pub(crate) fn check_rule(
    table: &Table,
    chain: &str,
    rule: &Rule,
) -> Result<(), (RulePart, CheckError)> {
    use CheckError::*;
    let hook = Hook::from_name(chain).filter(|_| table.chain(chain).is_some_and(Chain::is_builtin));
    let t = table.name();
    if let Some(target) = rule.target.chain() {
        if !table.has_chain(target) {
            return Err((RulePart::Target, MissingChain(target.to_string())));
        }
        if table.chain(target).is_some_and(Chain::is_builtin) {
            return Err((
                RulePart::Target,
                Refused(format!(
                    "cannot jump to builtin chain `{target}`: only user chains can be called"
                )),
            ));
        }
        if table.reaches(target, chain) {
            return Err((
                RulePart::Target,
                Refused(format!(
                    "jumping to `{target}` would create a loop back to `{chain}`: iptables refuses loops"
                )),
            ));
        }
    }
    let only = |hooks: &[Hook], what: &str| -> Result<(), (RulePart, CheckError)> {
        match hook {
            Some(h) if !hooks.contains(&h) => {
                let names: Vec<&str> = hooks.iter().map(|h| h.as_str()).collect();
                Err((
                    RulePart::Target,
                    Refused(format!(
                        "{what} is only valid in {} (or in user chains called from them), not in {h}",
                        names.join("/")
                    )),
                ))
            }
            _ => Ok(()),
        }
    };
    match &rule.target {
        Target::Dnat { .. } | Target::Snat { .. } | Target::Masquerade { .. }
            if t != TableName::Nat =>
        {
            return Err((
                RulePart::Target,
                Refused(format!(
                    "{} is only valid in the nat table: use `-t nat`",
                    rule.target.name()
                )),
            ));
        }
        Target::Dnat { .. } => only(&[Hook::Prerouting, Hook::Output], "DNAT")?,
        Target::Snat { .. } => only(&[Hook::Postrouting, Hook::Input], "SNAT")?,
        Target::Masquerade { .. } => only(&[Hook::Postrouting], "MASQUERADE")?,
        Target::Reject { .. } => only(&[Hook::Input, Hook::Forward, Hook::Output], "REJECT")?,
        _ => {}
    }
    if let Some(h) = hook {
        if rule.in_iface.is_some() && matches!(h, Hook::Output | Hook::Postrouting) {
            return Err((
                RulePart::InIface,
                Refused(format!(
                    "can't use -i with {h}: locally generated packets have no input interface"
                )),
            ));
        }
        if rule.out_iface.is_some() && matches!(h, Hook::Prerouting | Hook::Input) {
            return Err((
                RulePart::OutIface,
                Refused(format!(
                    "can't use -o with {h}: the output interface is not known yet"
                )),
            ));
        }
        for (i, m) in rule.matches.iter().enumerate() {
            if let Match::AddrType {
                limit_iface_in,
                limit_iface_out,
                ..
            } = m
            {
                if *limit_iface_in && matches!(h, Hook::Output | Hook::Postrouting) {
                    return Err((
                        RulePart::Match(i),
                        Refused(format!("--limit-iface-in cannot be used in {h}")),
                    ));
                }
                if *limit_iface_out && matches!(h, Hook::Prerouting | Hook::Input) {
                    return Err((
                        RulePart::Match(i),
                        Refused(format!("--limit-iface-out cannot be used in {h}")),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Why [`check_rule`] refused a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CheckError {
    MissingChain(String),
    Refused(String),
}
