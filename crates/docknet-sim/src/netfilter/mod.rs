//! Netfilter: iptables rules as data, parsed from and printed back to iptables-save syntax,
//! `iptables -L -n -v` listings, single iptables commands, and chain traversal with counters.
//!
//! Canonical text follows iptables v1.8.9 (nf_tables backend), checked against the real
//! tool: `Ruleset::parse(text)?.iptables_save()` gives back what `iptables-restore` +
//! `iptables-save` would print. Nothing here panics on any input.
//!
//! - [`rule`]: types ([`Rule`], [`Match`], [`Target`]...) and their iptables-save `Display`.
//! - [`Ruleset`]: tables and chains, `parse`, `iptables_save`, `list_verbose`, `traverse`.
//! - [`IptablesCommand`]: `iptables [-t T] -A/-I/-D/-N/-X/-P/-F ...` lines.

mod command;
mod error;
mod eval;
mod lex;
mod listing;
pub mod rule;
mod ruleset;
mod spec;
mod table;
mod values;

#[cfg(test)]
mod tests;

pub use command::{DeleteTarget, IptablesCommand};
pub use error::{ErrorSite, NetfilterError};
pub use eval::{
    MAX_JUMP_DEPTH, MatchCtx, StepAction, Traversal, TraversalStep, Verdict, rule_matches,
};
pub use rule::{
    AddrMatch, AddrType, AddrTypes, CtState, CtStates, Hook, IcmpTypeMatch, IfaceMatch, Match,
    MultiportDir, NatRange, PortMatch, PortRange, ProtoMatch, RejectWith, Rule, TableName, Target,
    TcpFlagsMatch, proto_name,
};
pub use ruleset::{Ruleset, rule_line};
pub use table::{Chain, Counters, Policy, RuleEntry, Table};

impl std::str::FromStr for Rule {
    type Err = NetfilterError;
    /// Parses a rule spec (without `-A CHAIN`), e.g. `-p tcp --dport 80 -j ACCEPT`. Only
    /// chain-independent checks are made.
    fn from_str(s: &str) -> Result<Rule, NetfilterError> {
        let toks = lex::tokenize(s)?;
        Ok(spec::parse_spec(&toks, false)?.rule)
    }
}
