//! Netfilter hooks as the kernel orders them, with conntrack and NAT in between.
//!
//! PREROUTING: raw, conntrack, mangle, nat(DNAT). INPUT: mangle, filter, nat(SNAT), confirm.
//! FORWARD: mangle, filter. OUTPUT: raw, conntrack, mangle, nat(DNAT), filter.
//! POSTROUTING: mangle, nat(SNAT), confirm. The nat table sees only a connection's first
//! packet; later packets and replies are rewritten from the conntrack entry.

use super::ip::RouteDecision;
use super::{Kernel, KernelEvent};
use super::{Prerouted, Skb};
use crate::conntrack::{CtDir, CtEntry, CtRef, Tuple};
use crate::ids::{IfaceId, NsId};
use crate::netfilter::{CtState, Hook, MatchCtx, NatRange, TableName, TraversalStep, Verdict};
use crate::trace::{CtChange, HookPacket, Name, NatField, NatKind, NftPacket, RuleHit, TraceEvent};
use crate::wire::{Frame, FramePayload, IcmpMessage, IpProto, Ipv4Packet, L4, TcpFlags};
use std::sync::Arc;

fn tables_for(hook: Hook) -> &'static [TableName] {
    use TableName::*;
    match hook {
        Hook::Prerouting => &[Raw, Mangle, Nat],
        Hook::Input => &[Mangle, Filter, Nat],
        Hook::Forward => &[Mangle, Filter],
        Hook::Output => &[Raw, Mangle, Nat, Filter],
        Hook::Postrouting => &[Mangle, Nat],
    }
}

impl<E: From<KernelEvent>> Kernel<'_, E> {
    pub(crate) fn prerouting(&mut self, ns: NsId, skb: &mut Skb) -> bool {
        self.run_hook(ns, Hook::Prerouting, skb)
    }

    /// Run every table registered at `hook` in priority order. False when the packet died.
    pub(crate) fn run_hook(&mut self, ns: NsId, hook: Hook, skb: &mut Skb) -> bool {
        for &table in tables_for(hook) {
            if table == TableName::Mangle && matches!(hook, Hook::Prerouting | Hook::Output) {
                // conntrack (-200) runs between raw (-300) and mangle (-150).
                self.ct_in(ns, skb);
            }
            if table == TableName::Nat {
                if !self.nat_hook(ns, hook, skb) {
                    return false;
                }
                continue;
            }
            if let Verdict::Drop | Verdict::Reject(_) = self.run_table(ns, hook, table, skb) {
                return false;
            }
        }
        true
    }

    /// Traverse one table at one hook, trace it, and act on DROP/REJECT.
    fn run_table(&mut self, ns: NsId, hook: Hook, table: TableName, skb: &mut Skb) -> Verdict {
        if self.net.ns(ns).rules.table(table).is_none() {
            return Verdict::Accept;
        }
        let in_name = skb.in_iface.map(|i| self.net.iface(i).name);
        let out_name = skb.out_iface.map(|i| self.net.iface(i).name);
        let (sport, dport) = skb
            .ip
            .ports()
            .map_or((None, None), |(s, d)| (Some(s), Some(d)));
        let tcp_flags = match &skb.ip.l4 {
            L4::Tcp(t) => Some(t.flags.0),
            _ => None,
        };
        let icmp_type_code = match &skb.ip.l4 {
            L4::Icmp(i) => Some(i.type_code()),
            _ => None,
        };
        let mut ctx = MatchCtx {
            src: skb.ip.src,
            dst: skb.ip.dst,
            proto: skb.ip.proto(),
            sport,
            dport,
            tcp_flags,
            icmp_type_code,
            in_iface: in_name.as_deref(),
            out_iface: out_name.as_deref(),
            ctstate: self.ct_state(ns, skb),
            mark: skb.mark,
            src_type: self.net.addr_type(ns, skb.ip.src),
            dst_type: self.net.addr_type(ns, skb.ip.dst),
            len: skb.ip.total_len(),
        };
        let traversal = self.net.ns_mut(ns).rules.traverse(table, hook, &mut ctx);
        skb.mark = ctx.mark;
        let ns_name = self.ns_name(ns);
        let hook_ev = TraceEvent::Hook {
            ns: ns_name,
            hook,
            table,
            chain: hook.chain(),
            packet: Box::new(HookPacket {
                iif: in_name.unwrap_or_default(),
                oif: out_name.unwrap_or_default(),
                packet: NftPacket::of(&skb.ip),
            }),
        };
        self.emit(Some(skb.pkt), hook_ev);
        let mut last_rule = None;
        for step in traversal.steps {
            let (chain, hit) = match step {
                TraversalStep::RuleMatched {
                    chain,
                    rule_num,
                    rule,
                    action,
                } => (
                    chain,
                    RuleHit::Matched {
                        num: rule_num,
                        text: rule,
                        action,
                    },
                ),
                TraversalStep::ChainEnd { chain } => (chain, RuleHit::ChainEnd),
                TraversalStep::Policy { chain, policy } => (chain, RuleHit::Policy(policy)),
                TraversalStep::Log { chain, prefix } => {
                    let ev = TraceEvent::Log {
                        ns: ns_name,
                        prefix,
                        chain,
                    };
                    self.emit(Some(skb.pkt), ev);
                    continue;
                }
            };
            if hit != RuleHit::ChainEnd {
                last_rule = Some((chain, hit.clone()));
            }
            let ev = TraceEvent::Rule {
                ns: ns_name,
                hook,
                table,
                chain,
                hit: Box::new(hit),
            };
            self.emit(Some(skb.pkt), ev);
        }
        let verdict = traversal.verdict;
        let (chain, hit) = last_rule.unwrap_or((Name::default(), RuleHit::ChainEnd));
        match &verdict {
            Verdict::Drop => {
                let how = if hit.policy().is_some() {
                    hit.to_string()
                } else {
                    format!("rule `{hit}`")
                };
                self.drop_pkt(ns, skb.pkt, format!("dropped by {table} {chain} {how}"));
            }
            Verdict::Reject(with) => {
                self.drop_pkt(
                    ns,
                    skb.pkt,
                    format!("rejected by {table} {chain} rule `{hit}`"),
                );
                self.send_reject(ns, skb, *with);
            }
            _ => {}
        }
        verdict
    }

    /// The state `-m conntrack --ctstate` sees for this packet.
    fn ct_state(&self, ns: NsId, skb: &Skb) -> CtState {
        match &skb.ct {
            None if self.net.ns(ns).conntrack_on => CtState::Invalid,
            None => CtState::Untracked,
            Some(CtRef::Unconfirmed(_)) => CtState::New,
            Some(CtRef::Related(..)) => CtState::Related,
            // Only a reply (an RST answering the first packet) kills an entry.
            Some(CtRef::Confirmed(_, CtDir::Reply) | CtRef::Killed(..)) => CtState::Established,
            Some(CtRef::Confirmed(id, CtDir::Original)) => match self.net.ns(ns).conntrack.get(*id)
            {
                Some(e) if e.seen_reply => CtState::Established,
                _ => CtState::New,
            },
        }
    }

    /// nf_conntrack_in: find or create the packet's entry and account the packet.
    pub(crate) fn ct_in(&mut self, ns: NsId, skb: &mut Skb) {
        if !self.net.ns(ns).conntrack_on || skb.ct.is_some() {
            return;
        }
        let now = self.now();
        for dead in self.net.ns_mut(ns).conntrack.expire(now) {
            self.trace_ct(ns, None, CtChange::Destroy, &dead);
        }
        if let L4::Icmp(
            IcmpMessage::DestUnreachable { original, .. }
            | IcmpMessage::TimeExceeded { original, .. },
        ) = &skb.ip.l4
        {
            let found = Tuple::of(original)
                .and_then(|t| self.net.ns(ns).conntrack.lookup(&t.invert(), now));
            skb.ct = found.map(|(id, dir)| CtRef::Related(id, dir));
            return;
        }
        let Some(tuple) = Tuple::of(&skb.ip) else {
            return;
        };
        let flags = match &skb.ip.l4 {
            L4::Tcp(t) => Some(t.flags),
            _ => None,
        };
        let found = self.net.ns(ns).conntrack.lookup(&tuple, now);
        match found {
            Some((id, dir)) => {
                skb.ct = Some(CtRef::Confirmed(id, dir));
                let ct = &mut self.net.ns_mut(ns).conntrack;
                let Some(entry) = ct.get_mut(id) else { return };
                let rst = flags.is_some_and(|f| f.has(TcpFlags::RST));
                if dir == CtDir::Reply && rst && !entry.seen_reply {
                    // tcp_packet: an RST answering the first packet kills the entry at once.
                    if let Some(dead) = ct.kill(id) {
                        self.trace_ct(ns, Some(skb.pkt), CtChange::Destroy, &dead);
                        skb.ct = Some(CtRef::Killed(Box::new(dead), dir));
                    }
                    return;
                }
                if entry.on_packet(dir, flags, now) {
                    let entry = entry.clone();
                    self.trace_ct(ns, Some(skb.pkt), CtChange::Update, &entry);
                }
            }
            None => {
                // tcp_new picks up a connection in progress only from a plain ACK (loose
                // tracking); a stray SYN|ACK, FIN or RST, or an echo reply with no request,
                // is INVALID and stays untracked.
                let starts = match (&skb.ip.l4, flags) {
                    (L4::Tcp(_), Some(f)) => {
                        f.has(TcpFlags::SYN) && !f.has(TcpFlags::ACK)
                            || f == TcpFlags::ACK
                            || f == TcpFlags::ACK.with(TcpFlags::PSH)
                    }
                    (L4::Icmp(IcmpMessage::EchoReply { .. }), _) => false,
                    _ => true,
                };
                if !starts {
                    return;
                }
                let mut entry = CtEntry::new(tuple, now);
                if let (Some(f), Some(_)) = (flags, entry.tcp)
                    && !f.has(TcpFlags::SYN)
                {
                    entry.tcp = Some(crate::conntrack::TcpCtState::Established);
                    entry.expires = now + entry.timeout();
                }
                skb.ct = Some(CtRef::Unconfirmed(Box::new(entry)));
            }
        }
    }

    /// Insert a new entry into the table as the packet leaves the namespace's hooks.
    pub(crate) fn ct_confirm(&mut self, ns: NsId, skb: &mut Skb) {
        let Some(CtRef::Unconfirmed(entry)) = &skb.ct else {
            return;
        };
        let entry = (**entry).clone();
        let id = self.net.ns_mut(ns).conntrack.confirm(entry.clone());
        self.trace_ct(ns, Some(skb.pkt), CtChange::New, &entry);
        skb.ct = Some(CtRef::Confirmed(id, CtDir::Original));
    }

    fn trace_ct(
        &mut self,
        ns: NsId,
        pkt: Option<crate::ids::PacketId>,
        change: CtChange,
        e: &CtEntry,
    ) {
        let ev = TraceEvent::Conntrack {
            ns: self.ns_name(ns),
            change,
            entry: e.conntrack_line(self.now()).into(),
            state: e.tcp,
        };
        self.emit(pkt, ev);
    }

    /// A nat hook: decide the binding for a new connection, then rewrite the packet from
    /// the entry (first packet, later packets and replies alike).
    fn nat_hook(&mut self, ns: NsId, hook: Hook, skb: &mut Skb) -> bool {
        let manip = if matches!(hook, Hook::Prerouting | Hook::Output) {
            NatField::Dst
        } else {
            NatField::Src
        };
        let needs_binding = match &skb.ct {
            Some(CtRef::Unconfirmed(e)) => {
                if manip == NatField::Dst {
                    !e.dst_nat_done
                } else {
                    !e.src_nat_done
                }
            }
            _ => false,
        };
        if needs_binding {
            let verdict = self.run_table(ns, hook, TableName::Nat, skb);
            if matches!(verdict, Verdict::Drop | Verdict::Reject(_)) {
                return false;
            }
            if !self.bind_nat(ns, manip, verdict, skb) {
                return false;
            }
        }
        self.nat_rewrite(ns, manip, skb);
        true
    }

    /// Record the rule's NAT choice in the entry's reply tuple (a null binding otherwise).
    fn bind_nat(&mut self, ns: NsId, manip: NatField, verdict: Verdict, skb: &mut Skb) -> bool {
        let now = self.now();
        let out = skb.out_iface;
        let nexthop = skb.nexthop;
        let masq_src = out
            .zip(nexthop)
            .and_then(|(o, n)| self.net.iface(o).source_for(n));
        let Some(CtRef::Unconfirmed(entry)) = &mut skb.ct else {
            return true;
        };
        match manip {
            NatField::Dst => entry.dst_nat_done = true,
            NatField::Src => entry.src_nat_done = true,
        }
        match verdict {
            Verdict::Dnat(NatRange { addr, ports }) => {
                if let Some(a) = addr {
                    entry.reply.src = a;
                }
                if let Some((lo, _)) = ports {
                    entry.reply.sport = lo;
                }
            }
            Verdict::Snat(range) => {
                if let Some(a) = range.addr {
                    entry.reply.dst = a;
                }
                let wanted = range.ports;
                let entry = entry.clone();
                let port = self.pick_nat_port(ns, &entry, wanted, now);
                if let Some(CtRef::Unconfirmed(e)) = &mut skb.ct {
                    e.reply.dport = port;
                }
            }
            Verdict::Masquerade(ports) => {
                let Some(src) = masq_src else {
                    let dev = out.map(|o| self.net.iface_label(o)).unwrap_or_default();
                    self.drop_pkt(
                        ns,
                        skb.pkt,
                        format!("MASQUERADE: {dev} has no IPv4 address"),
                    );
                    return false;
                };
                entry.reply.dst = src;
                entry.masquerade = true;
                let entry = entry.clone();
                let port = self.pick_nat_port(ns, &entry, ports, now);
                if let Some(CtRef::Unconfirmed(e)) = &mut skb.ct {
                    e.reply.dport = port;
                }
            }
            _ => {}
        }
        true
    }

    /// Keep the source port unless the reply tuple is taken (or a range excludes it); then
    /// search the port's class (1-511, 600-1023, 1024-65535) from a seeded offset.
    fn pick_nat_port(
        &mut self,
        ns: NsId,
        entry: &CtEntry,
        range: Option<(u16, u16)>,
        now: crate::time::SimTime,
    ) -> u16 {
        let current = entry.reply.dport;
        if !matches!(entry.orig.proto, IpProto::Tcp | IpProto::Udp) {
            return current;
        }
        let (lo, hi) = range.unwrap_or(match current {
            0..=511 => (1, 511),
            512..=1023 => (600, 1023),
            _ => (1024, 65535),
        });
        let taken = |k: &Self, port: u16| {
            let mut t = entry.reply;
            t.dport = port;
            k.net.ns(ns).conntrack.reply_taken(&t, now)
        };
        if (lo..=hi).contains(&current) && !taken(self, current) {
            return current;
        }
        let span = u32::from(hi - lo) + 1;
        let offset = self.random_u32() % span;
        (0..span)
            .map(|i| lo + ((offset + i) % span) as u16)
            .find(|&p| !taken(self, p))
            .unwrap_or(current)
    }

    /// Rewrite the packet from its entry: a packet travelling in direction `d` must end up
    /// with the inverse of the other direction's tuple (nf_nat_manip_pkt).
    fn nat_rewrite(&mut self, ns: NsId, manip: NatField, skb: &mut Skb) {
        let (entry, dir, related) = match &skb.ct {
            Some(CtRef::Unconfirmed(e)) => ((**e).clone(), CtDir::Original, false),
            Some(CtRef::Confirmed(id, d)) => match self.net.ns(ns).conntrack.get(*id) {
                Some(e) => (e.clone(), *d, false),
                None => return,
            },
            Some(CtRef::Related(id, d)) => match self.net.ns(ns).conntrack.get(*id) {
                Some(e) => (e.clone(), *d, true),
                None => return,
            },
            Some(CtRef::Killed(e, d)) => ((**e).clone(), *d, false),
            None => return,
        };
        let other = if dir == CtDir::Original {
            entry.reply
        } else {
            entry.orig
        };
        // Only the NAT the connection has (the status bits nf_nat_packet checks): an ICMP error
        // from a router in between keeps that router's address as its source.
        let bound = match (manip, dir) {
            (NatField::Dst, CtDir::Original) | (NatField::Src, CtDir::Reply) => entry.is_dnat(),
            (NatField::Src, CtDir::Original) | (NatField::Dst, CtDir::Reply) => entry.is_snat(),
        };
        if !bound {
            return;
        }
        let target = other.invert();
        let before = skb.ip.clone();
        let ports = matches!(entry.orig.proto, IpProto::Tcp | IpProto::Udp);
        match manip {
            NatField::Dst => set_dst(&mut skb.ip, target.dst, ports.then_some(target.dport)),
            NatField::Src => set_src(&mut skb.ip, target.src, ports.then_some(target.sport)),
        }
        if related {
            // The quoted packet travelled the other way: fix its opposite end to match.
            if let L4::Icmp(
                IcmpMessage::DestUnreachable { original, .. }
                | IcmpMessage::TimeExceeded { original, .. },
            ) = &mut skb.ip.l4
            {
                match manip {
                    NatField::Dst => set_src(original, other.src, ports.then_some(other.sport)),
                    NatField::Src => set_dst(original, other.dst, ports.then_some(other.dport)),
                }
            }
        }
        if before == skb.ip {
            return;
        }
        let kind = match (manip, dir) {
            (NatField::Dst, CtDir::Original) => NatKind::Dnat,
            (NatField::Dst, CtDir::Reply) => NatKind::UnSnat,
            (NatField::Src, CtDir::Original) if entry.masquerade => NatKind::Masquerade,
            (NatField::Src, CtDir::Original) => NatKind::Snat,
            (NatField::Src, CtDir::Reply) => NatKind::UnDnat,
        };
        let proto = entry.orig.proto;
        let (b, a, field) = match manip {
            NatField::Dst => (
                Tuple::endpoint(before.dst, before.ports().map_or(0, |p| p.1), proto),
                Tuple::endpoint(skb.ip.dst, skb.ip.ports().map_or(0, |p| p.1), proto),
                NatField::Dst,
            ),
            NatField::Src => (
                Tuple::endpoint(before.src, before.ports().map_or(0, |p| p.0), proto),
                Tuple::endpoint(skb.ip.src, skb.ip.ports().map_or(0, |p| p.0), proto),
                NatField::Src,
            ),
        };
        let ev = TraceEvent::Nat {
            ns: self.ns_name(ns),
            kind,
            before: b,
            after: a,
            field,
        };
        self.emit(Some(skb.pkt), ev);
    }

    /// br_netfilter at a bridge's ingress (`br_nf_pre_routing`): every IPv4 frame from a
    /// port crosses PREROUTING with the bridge as `-i`, before the bridge decides where it
    /// goes, so tcpdump on the bridge already sees the rewritten packet. When DNAT changed
    /// the destination, the frame is re-addressed from the route (`br_nf_pre_routing_finish`):
    /// back out of the bridge to the new destination's MAC (bridged DNAT, e.g. hairpin), or
    /// up to the bridge's own stack. `Ok(None)`: br_netfilter is off or the frame is not IPv4;
    /// `Err`: a rule dropped it.
    pub(crate) fn bridge_prerouting(
        &mut self,
        bridge: IfaceId,
        frame: &mut Arc<Frame>,
        pkt: crate::ids::PacketId,
    ) -> Result<Option<Prerouted>, ()> {
        let ns = self.net.iface(bridge).ns;
        if !self.net.ns(ns).sysctl.bridge_nf_call_iptables {
            return Ok(None);
        }
        let Some(ip) = frame.ipv4() else {
            return Ok(None);
        };
        let dst_before = ip.dst;
        let mut skb = Skb::new(pkt, ip.clone(), Some(bridge));
        if !self.run_hook(ns, Hook::Prerouting, &mut skb) {
            return Err(());
        }
        if skb.ip.dst != dst_before {
            // Only the destination MAC changes; the frame keeps its sender's source MAC.
            // An unresolved new destination goes up to the stack, which resolves and routes
            // it (the kernel would queue it on the neighbour and still bridge it).
            let neigh_mac = match self.route_lookup(ns, skb.ip.dst) {
                RouteDecision::Out { iface, nexthop, .. } if iface == bridge => self
                    .net
                    .ns(ns)
                    .neigh
                    .get(bridge, nexthop)
                    .and_then(|e| e.mac()),
                _ => None,
            };
            let dst = neigh_mac.unwrap_or(self.net.iface(bridge).mac);
            if frame.dst != dst {
                Arc::make_mut(frame).dst = dst;
            }
        }
        set_ipv4(frame, skb.ip);
        Ok(Some(Prerouted {
            ct: skb.ct,
            mark: skb.mark,
        }))
    }

    /// br_netfilter for a bridged frame (port to port), after PREROUTING at the ingress:
    /// FORWARD and POSTROUTING with the bridge as both `-i` and `-o`; the frame leaves as
    /// the hooks rewrote it. The packet's conntrack reference afterwards (confirmed), or
    /// `None` when a rule dropped it.
    pub(crate) fn bridge_netfilter(
        &mut self,
        bridge: IfaceId,
        frame: &mut Arc<Frame>,
        pkt: crate::ids::PacketId,
        pre: &Prerouted,
    ) -> Option<Option<CtRef>> {
        let ns = self.net.iface(bridge).ns;
        let Some(ip) = frame.ipv4() else {
            return Some(pre.ct.clone());
        };
        let mut skb = Skb::new(pkt, ip.clone(), Some(bridge));
        skb.out_iface = Some(bridge);
        // br_netfilter's fake route: the next hop is the destination itself.
        skb.nexthop = Some(skb.ip.dst);
        skb.ct = pre.ct.clone();
        skb.mark = pre.mark;
        if !self.run_hook(ns, Hook::Forward, &mut skb)
            || !self.run_hook(ns, Hook::Postrouting, &mut skb)
        {
            return None;
        }
        self.ct_confirm(ns, &mut skb);
        set_ipv4(frame, skb.ip);
        Some(skb.ct)
    }
}

/// Put the hooks' version of the packet into a shared frame: a copy of the frame only if the
/// hooks changed it, so that an unchanged frame stays shared with the trace's captures.
fn set_ipv4(frame: &mut Arc<Frame>, ip: Ipv4Packet) {
    if frame.ipv4() != Some(&ip) {
        Arc::make_mut(frame).payload = FramePayload::Ipv4(ip);
    }
}

fn set_dst(p: &mut Ipv4Packet, addr: std::net::Ipv4Addr, port: Option<u16>) {
    p.dst = addr;
    if let Some(port) = port {
        match &mut p.l4 {
            L4::Tcp(t) => t.dport = port,
            L4::Udp(u) => u.dport = port,
            L4::Icmp(_) => {}
        }
    }
}

fn set_src(p: &mut Ipv4Packet, addr: std::net::Ipv4Addr, port: Option<u16>) {
    p.src = addr;
    if let Some(port) = port {
        match &mut p.l4 {
            L4::Tcp(t) => t.sport = port,
            L4::Udp(u) => u.sport = port,
            L4::Icmp(_) => {}
        }
    }
}
