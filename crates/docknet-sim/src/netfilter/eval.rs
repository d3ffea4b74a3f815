//! Match evaluation and chain traversal, following the kernel's ipt_do_table: rules in
//! order, counters on every matching rule, a return stack for `-j CHAIN`, `-g` replacing the
//! current frame, implicit RETURN at the end of user chains, the policy at the end of (or on
//! RETURN from) the builtin chain.

use super::rule::{
    AddrMatch, AddrType, CtState, Hook, IfaceMatch, Match, MultiportDir, NatRange, PortMatch,
    RejectWith, Rule, TableName, Target,
};
use super::ruleset::{Ruleset, rule_line};
use super::table::Policy;
use crate::intern::Name;
use crate::wire::IpProto;
use std::net::Ipv4Addr;

/// What the rules can see of a packet. Address types are computed by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchCtx<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: IpProto,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    pub tcp_flags: Option<u8>,
    pub icmp_type_code: Option<(u8, u8)>,
    pub in_iface: Option<&'a str>,
    pub out_iface: Option<&'a str>,
    pub ctstate: CtState,
    /// The packet mark; MARK rules update it.
    pub mark: u32,
    pub src_type: AddrType,
    pub dst_type: AddrType,
    /// Bytes, for the counters.
    pub len: u32,
}

impl<'a> MatchCtx<'a> {
    /// A context with no ports, interfaces or mark, state NEW, both addresses UNICAST.
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr, proto: IpProto) -> MatchCtx<'a> {
        MatchCtx {
            src,
            dst,
            proto,
            sport: None,
            dport: None,
            tcp_flags: None,
            icmp_type_code: None,
            in_iface: None,
            out_iface: None,
            ctstate: CtState::New,
            mark: 0,
            src_type: AddrType::Unicast,
            dst_type: AddrType::Unicast,
            len: 0,
        }
    }
}

/// The outcome of running one table at one hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traversal {
    pub steps: Vec<TraversalStep>,
    pub verdict: Verdict,
}

/// One thing that happened during a traversal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraversalStep {
    /// A rule matched (`rule_num` is 1-based, `rule` is its `-A CHAIN spec` text).
    RuleMatched {
        chain: Name,
        rule_num: usize,
        rule: Name,
        action: StepAction,
    },
    /// Fell off the end of a user chain (implicit return).
    ChainEnd { chain: Name },
    /// Fell off the end of (or returned from) a builtin chain: its policy applies.
    Policy { chain: Name, policy: Policy },
    /// A LOG rule fired. Also used, with a prefix starting `docknet:`, when the traversal
    /// had to be aborted (loop or missing chain); the verdict is then Drop.
    Log { chain: Name, prefix: Name },
}

/// What a matched rule did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepAction {
    Accept,
    Drop,
    Reject(RejectWith),
    Return,
    Jump(String),
    Goto(String),
    Dnat(NatRange),
    Snat(NatRange),
    Masquerade(Option<(u16, u16)>),
    SetMark(u32),
    Log,
    /// A rule without target: counted, then the next rule.
    Continue,
}

/// The verdict word of a matched rule, as traces show it (`DNAT to 172.17.0.2:80`).
impl std::fmt::Display for StepAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepAction::Accept => f.write_str("ACCEPT"),
            StepAction::Drop => f.write_str("DROP"),
            StepAction::Reject(_) => f.write_str("REJECT"),
            StepAction::Return => f.write_str("RETURN"),
            StepAction::Jump(c) => write!(f, "jump {c}"),
            StepAction::Goto(c) => write!(f, "goto {c}"),
            StepAction::Dnat(r) => write!(f, "DNAT to {r}"),
            StepAction::Snat(r) => write!(f, "SNAT to {r}"),
            StepAction::Masquerade(_) => f.write_str("MASQUERADE"),
            StepAction::SetMark(m) => write!(f, "MARK set {m:#x}"),
            StepAction::Log => f.write_str("LOG"),
            StepAction::Continue => f.write_str("continue"),
        }
    }
}

/// The table's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
    Reject(RejectWith),
    Dnat(NatRange),
    Snat(NatRange),
    Masquerade(Option<(u16, u16)>),
}

/// Deepest chain call stack allowed (the kernel refuses loops at load time; this guards
/// rulesets built by hand).
pub const MAX_JUMP_DEPTH: usize = 64;
/// Most rules evaluated in one traversal (guards `-g` loops, which do not grow the stack).
const MAX_RULE_VISITS: usize = 100_000;

fn iface_matches(m: &Option<IfaceMatch>, name: Option<&str>) -> bool {
    let Some(m) = m else { return true };
    let name = name.unwrap_or("");
    let hit = match m.name.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => name == m.name,
    };
    hit != m.negated
}

fn addr_matches(m: &Option<AddrMatch>, a: Ipv4Addr) -> bool {
    m.is_none_or(|m| m.net.contains(&a) != m.negated)
}

fn port_matches(m: &Option<PortMatch>, p: Option<u16>) -> bool {
    match (m, p) {
        (None, _) => true,
        (Some(m), Some(p)) => m.range.contains(p) != m.negated,
        // No L4 header to look at: the kernel's tcp/udp match does not match.
        (Some(_), None) => false,
    }
}

fn match_matches(m: &Match, ctx: &MatchCtx) -> bool {
    match m {
        Match::Tcp {
            sport,
            dport,
            flags,
        } => {
            ctx.proto == IpProto::Tcp
                && port_matches(sport, ctx.sport)
                && port_matches(dport, ctx.dport)
                && flags
                    .is_none_or(|f| ((ctx.tcp_flags.unwrap_or(0) & f.mask) == f.comp) != f.negated)
        }
        Match::Udp { sport, dport } => {
            ctx.proto == IpProto::Udp
                && port_matches(sport, ctx.sport)
                && port_matches(dport, ctx.dport)
        }
        Match::Icmp { icmp_type } => {
            ctx.proto == IpProto::Icmp
                && icmp_type.is_none_or(|t| {
                    let hit = t.icmp_type == 255
                        || ctx.icmp_type_code.is_some_and(|(ty, code)| {
                            ty == t.icmp_type && t.code.is_none_or(|c| c == code)
                        });
                    hit != t.negated
                })
        }
        Match::AddrType { src, dst, .. } => {
            src.is_none_or(|(set, neg)| set.contains(ctx.src_type) != neg)
                && dst.is_none_or(|(set, neg)| set.contains(ctx.dst_type) != neg)
        }
        Match::Conntrack { states, negated } | Match::State { states, negated } => {
            states.contains(ctx.ctstate) != *negated
        }
        Match::Mark {
            value,
            mask,
            negated,
        } => ((ctx.mark & mask) == *value) != *negated,
        Match::Comment(_) => true,
        Match::Multiport {
            dir,
            ports,
            negated,
        } => {
            let hit = |p: Option<u16>| p.is_some_and(|p| ports.iter().any(|r| r.contains(p)));
            let any = match dir {
                MultiportDir::Source => hit(ctx.sport),
                MultiportDir::Destination => hit(ctx.dport),
                MultiportDir::Either => hit(ctx.sport) || hit(ctx.dport),
            };
            (ctx.sport.is_some() || ctx.dport.is_some()) && any != *negated
        }
    }
}

/// Whether `rule`'s matches all hold for the packet.
pub fn rule_matches(rule: &Rule, ctx: &MatchCtx) -> bool {
    addr_matches(&rule.src, ctx.src)
        && addr_matches(&rule.dst, ctx.dst)
        && iface_matches(&rule.in_iface, ctx.in_iface)
        && iface_matches(&rule.out_iface, ctx.out_iface)
        && rule
            .proto
            .is_none_or(|p| (p.proto == ctx.proto) != p.negated)
        && rule.matches.iter().all(|m| match_matches(m, ctx))
}

impl Ruleset {
    /// Runs `table`'s chain for `hook` on the packet, updating counters and `ctx.mark`.
    /// An absent table (or a table without that hook) accepts with no steps.
    pub fn traverse(&mut self, table: TableName, hook: Hook, ctx: &mut MatchCtx) -> Traversal {
        let mut steps = Vec::new();
        let verdict = match self.table_mut(table) {
            Some(t) if t.hook_chain(hook).is_some() => run(t, hook, ctx, &mut steps),
            _ => Verdict::Accept,
        };
        Traversal { steps, verdict }
    }
}

fn abort(steps: &mut Vec<TraversalStep>, chain: &str, why: String) -> Verdict {
    steps.push(TraversalStep::Log {
        chain: chain.into(),
        prefix: format!("docknet: {why}; packet dropped").into(),
    });
    Verdict::Drop
}

fn run(
    t: &mut super::table::Table,
    hook: Hook,
    ctx: &mut MatchCtx,
    steps: &mut Vec<TraversalStep>,
) -> Verdict {
    let base = hook.as_str().to_string();
    // Return addresses: (chain, index of the next rule).
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut cur = base.clone();
    let mut idx = 0usize;
    let mut visits = 0usize;
    loop {
        let Some(chain) = t.chain_mut(&cur) else {
            return abort(steps, &cur, format!("chain `{cur}` does not exist"));
        };
        let Some(entry) = chain.rules.get_mut(idx) else {
            // End of chain: builtin → policy; user chain → implicit return.
            if cur == base {
                return policy(t, &base, ctx, steps);
            }
            steps.push(TraversalStep::ChainEnd {
                chain: cur.as_str().into(),
            });
            match stack.pop() {
                Some((c, i)) => (cur, idx) = (c, i),
                None => return policy(t, &base, ctx, steps),
            }
            continue;
        };
        visits += 1;
        if visits > MAX_RULE_VISITS {
            return abort(
                steps,
                &cur,
                format!("more than {MAX_RULE_VISITS} rules evaluated (goto loop?)"),
            );
        }
        idx += 1;
        if !rule_matches(&entry.rule, ctx) {
            continue;
        }
        entry.counters.add(ctx.len);
        let text = Name::from(rule_line(&cur, &entry.rule));
        let chain_name = Name::new(&cur);
        let target = entry.rule.target.clone();
        let mut matched = |action: StepAction| {
            steps.push(TraversalStep::RuleMatched {
                chain: chain_name,
                rule_num: idx,
                rule: text,
                action,
            });
        };
        match target {
            Target::Accept => {
                matched(StepAction::Accept);
                return Verdict::Accept;
            }
            Target::Drop => {
                matched(StepAction::Drop);
                return Verdict::Drop;
            }
            Target::Reject { with } => {
                matched(StepAction::Reject(with));
                return Verdict::Reject(with);
            }
            Target::Dnat { to } => {
                matched(StepAction::Dnat(to));
                return Verdict::Dnat(to);
            }
            Target::Snat { to } => {
                matched(StepAction::Snat(to));
                return Verdict::Snat(to);
            }
            Target::Masquerade { to_ports } => {
                matched(StepAction::Masquerade(to_ports));
                return Verdict::Masquerade(to_ports);
            }
            Target::Mark { value, mask } => {
                ctx.mark = (ctx.mark & !mask) ^ value;
                matched(StepAction::SetMark(ctx.mark));
            }
            Target::Log { prefix, .. } => {
                matched(StepAction::Log);
                steps.push(TraversalStep::Log {
                    chain: chain_name,
                    prefix: prefix.unwrap_or_default().into(),
                });
            }
            Target::None => matched(StepAction::Continue),
            Target::Return => {
                matched(StepAction::Return);
                match stack.pop() {
                    Some((c, i)) if cur != base => (cur, idx) = (c, i),
                    _ => return policy(t, &base, ctx, steps),
                }
            }
            Target::Jump(c) => {
                matched(StepAction::Jump(c.clone()));
                if stack.len() >= MAX_JUMP_DEPTH {
                    return abort(
                        steps,
                        &cur,
                        format!("jump depth limit {MAX_JUMP_DEPTH} exceeded (loop?)"),
                    );
                }
                stack.push((std::mem::replace(&mut cur, c), idx));
                idx = 0;
            }
            Target::Goto(c) => {
                matched(StepAction::Goto(c.clone()));
                (cur, idx) = (c, 0);
            }
        }
    }
}

fn policy(
    t: &mut super::table::Table,
    base: &str,
    ctx: &MatchCtx,
    steps: &mut Vec<TraversalStep>,
) -> Verdict {
    let Some(chain) = t.chain_mut(base) else {
        return Verdict::Accept;
    };
    let p = chain.policy().unwrap_or(Policy::Accept);
    chain.policy_counters_mut().add(ctx.len);
    steps.push(TraversalStep::Policy {
        chain: base.into(),
        policy: p,
    });
    match p {
        Policy::Accept => Verdict::Accept,
        Policy::Drop => Verdict::Drop,
    }
}
