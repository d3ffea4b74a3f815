//! The closed vocabularies of trace records: each prints (`name()`, `Display`) and
//! serializes as exactly the word the trace has always shown.

use crate::conntrack::TcpCtState;
use crate::intern::Name;
use crate::netfilter::{Hook, Policy, StepAction, TableName};
use serde::{Serialize, Serializer};
use std::fmt;
use std::net::Ipv4Addr;

/// `Display` and `Serialize` from a `name()`.
macro_rules! named {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
    )*};
}

named!(CtChange, NudState, NatField);

/// What happened to a conntrack entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CtChange {
    /// Confirmed: inserted into the table as its first packet left the hooks.
    New,
    /// Its printed state changed.
    Update,
    /// Expired or killed.
    Destroy,
}

impl CtChange {
    pub fn name(self) -> &'static str {
        match self {
            CtChange::New => "new",
            CtChange::Update => "update",
            CtChange::Destroy => "destroy",
        }
    }
}

/// A neighbour entry's state as `ip neigh` prints it (the kernel's NUD_* states).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NudState {
    Incomplete,
    Reachable,
    Stale,
    Delay,
    Probe,
    Failed,
}

impl NudState {
    pub fn name(self) -> &'static str {
        match self {
            NudState::Incomplete => "INCOMPLETE",
            NudState::Reachable => "REACHABLE",
            NudState::Stale => "STALE",
            NudState::Delay => "DELAY",
            NudState::Probe => "PROBE",
            NudState::Failed => "FAILED",
        }
    }
}

/// Which end of a packet a NAT rewrite changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NatField {
    Src,
    Dst,
}

impl NatField {
    pub fn name(self) -> &'static str {
        match self {
            NatField::Src => "src",
            NatField::Dst => "dst",
        }
    }
}

/// The routing decision for a packet, printed in `ip route get` shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteChoice {
    /// Delivered locally.
    Local,
    /// Sent out `dev`, to `to` itself (on link) or through the gateway `via`.
    Out {
        to: Ipv4Addr,
        via: Option<Ipv4Addr>,
        dev: Name,
    },
    /// No usable route: why.
    Fail(Name),
}

impl fmt::Display for RouteChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteChoice::Local => f.write_str("local"),
            RouteChoice::Out { to, via: None, dev } => write!(f, "{to} dev {dev}"),
            RouteChoice::Out {
                to,
                via: Some(gw),
                dev,
            } => write!(f, "{to} via {gw} dev {dev}"),
            RouteChoice::Fail(why) => f.write_str(why),
        }
    }
}

impl Serialize for RouteChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What decided a packet in a chain: a rule that matched, the end of a user chain, or the
/// builtin chain's policy. Displays as the trace's rule text (`policy DROP` for a policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleHit {
    /// Rule `num` (1-based) matched and did `action`; `text` is its iptables-save line.
    Matched {
        num: usize,
        text: Name,
        action: StepAction,
    },
    /// Fell off the end of a user chain: back to the caller.
    ChainEnd,
    /// Fell off the end of a builtin chain: its policy applied.
    Policy(Policy),
}

impl RuleHit {
    /// The rule's 1-based position in its chain; 0 for a chain end or a policy.
    pub fn num(&self) -> usize {
        match self {
            RuleHit::Matched { num, .. } => *num,
            RuleHit::ChainEnd | RuleHit::Policy(_) => 0,
        }
    }

    /// The matched rule's text (none for a chain end or a policy).
    pub fn rule(&self) -> Option<&str> {
        match self {
            RuleHit::Matched { text, .. } => Some(text.as_str()),
            RuleHit::ChainEnd | RuleHit::Policy(_) => None,
        }
    }

    /// The policy that applied, if this is one.
    pub fn policy(&self) -> Option<Policy> {
        match self {
            RuleHit::Policy(p) => Some(*p),
            _ => None,
        }
    }

    /// DROP or REJECT, by a rule or a policy.
    pub fn drops(&self) -> bool {
        matches!(
            self,
            RuleHit::Matched {
                action: StepAction::Drop | StepAction::Reject(_),
                ..
            } | RuleHit::Policy(Policy::Drop)
        )
    }

    /// The verdict as the trace words it: the target (`ACCEPT`, `DNAT to 10.0.0.2:80`,
    /// `jump DOCKER`...), `return` at a chain end, the policy's word.
    pub fn verdict(&self) -> String {
        match self {
            RuleHit::Matched { action, .. } => action.to_string(),
            RuleHit::ChainEnd => "return".into(),
            RuleHit::Policy(p) => p.as_str().into(),
        }
    }
}

impl fmt::Display for RuleHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleHit::Matched { text, .. } => f.write_str(text),
            RuleHit::ChainEnd => Ok(()),
            RuleHit::Policy(p) => write!(f, "policy {}", p.as_str()),
        }
    }
}

/// Flattened into a Rule record as its `rule`, `rule_num` and `verdict` fields.
impl Serialize for RuleHit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("rule", &self.to_string())?;
        m.serialize_entry("rule_num", &self.num())?;
        m.serialize_entry("verdict", &self.verdict())?;
        m.end()
    }
}

/// A conntrack entry's TCP state word, empty for other protocols.
pub(crate) fn ct_state_word<S: Serializer>(
    state: &Option<TcpCtState>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(state.map_or("", TcpCtState::name))
}

/// A shared value serializes as the value.
pub(crate) fn shared<S: Serializer, T: Serialize>(
    v: &std::sync::Arc<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    (**v).serialize(s)
}

/// Hooks and tables serialize as their names.
macro_rules! as_str_serialize {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}

as_str_serialize!(Hook, TableName);

#[cfg(test)]
mod tests;
