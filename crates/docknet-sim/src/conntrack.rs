//! Connection tracking: tuples, states, timeouts and NAT bindings, per namespace.
//!
//! As in the kernel, an entry is created unconfirmed with the first packet, travels with it
//! through the hooks (where NAT may rewrite its reply tuple) and is inserted into the table
//! ("confirmed") only when the packet leaves POSTROUTING or INPUT.

use crate::ids::ConnId;
use crate::intern::FxBuild;
use crate::time::{SimDuration, SimTime};
use crate::wire::{IpProto, Ipv4Packet, L4, TcpFlags};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// A connection tuple. For ICMP, `sport`/`dport` hold the echo id and `icmp_type` the type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tuple {
    pub proto: IpProto,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub sport: u16,
    pub dport: u16,
    pub icmp_type: u8,
}

impl Tuple {
    /// The tuple of a packet, or None for ICMP errors (they relate to another entry).
    pub fn of(p: &Ipv4Packet) -> Option<Tuple> {
        let (sport, dport, icmp_type) = match &p.l4 {
            L4::Tcp(t) => (t.sport, t.dport, 0),
            L4::Udp(u) => (u.sport, u.dport, 0),
            L4::Icmp(i) if i.is_error() => return None,
            L4::Icmp(i) => {
                let id = i.echo_id().unwrap_or(0);
                (id, id, i.type_code().0)
            }
        };
        Some(Tuple {
            proto: p.proto(),
            src: p.src,
            dst: p.dst,
            sport,
            dport,
            icmp_type,
        })
    }

    /// The tuple a reply would carry (echo request 8 is answered by echo reply 0).
    pub fn invert(&self) -> Tuple {
        let icmp_type = match (self.proto, self.icmp_type) {
            (IpProto::Icmp, 8) => 0,
            (IpProto::Icmp, 0) => 8,
            (_, t) => t,
        };
        Tuple {
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
            icmp_type,
            ..*self
        }
    }

    /// `src=.. dst=.. sport=.. dport=..` (or `type= code= id=`) as conntrack prints it.
    pub fn conntrack_text(&self) -> String {
        match self.proto {
            IpProto::Tcp | IpProto::Udp => {
                format!(
                    "src={} dst={} sport={} dport={}",
                    self.src, self.dst, self.sport, self.dport
                )
            }
            _ => format!(
                "src={} dst={} type={} code=0 id={}",
                self.src, self.dst, self.icmp_type, self.sport
            ),
        }
    }

    /// `ip:port` of either end, for NAT trace records.
    pub fn endpoint(addr: Ipv4Addr, port: u16, proto: IpProto) -> Endpoint {
        Endpoint::new(addr, port, proto)
    }
}

/// One end of a NAT rewrite: `addr:port` for TCP and UDP, the address alone otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub addr: Ipv4Addr,
    pub port: Option<u16>,
}

impl Endpoint {
    /// The end of a `proto` packet at `addr` and `port` (the port only counts for TCP/UDP).
    pub fn new(addr: Ipv4Addr, port: u16, proto: IpProto) -> Self {
        let port = matches!(proto, IpProto::Tcp | IpProto::Udp).then_some(port);
        Endpoint { addr, port }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.addr),
            None => write!(f, "{}", self.addr),
        }
    }
}

impl Serialize for Endpoint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Which way a packet travels relative to its connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtDir {
    Original,
    Reply,
}

/// TCP states as `conntrack -L` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpCtState {
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,
}

impl TcpCtState {
    pub fn name(self) -> &'static str {
        match self {
            TcpCtState::SynSent => "SYN_SENT",
            TcpCtState::SynRecv => "SYN_RECV",
            TcpCtState::Established => "ESTABLISHED",
            TcpCtState::FinWait => "FIN_WAIT",
            TcpCtState::CloseWait => "CLOSE_WAIT",
            TcpCtState::LastAck => "LAST_ACK",
            TcpCtState::TimeWait => "TIME_WAIT",
            TcpCtState::Close => "CLOSE",
        }
    }

    /// Default `nf_conntrack_tcp_timeout_*` values.
    pub fn timeout(self) -> SimDuration {
        SimDuration::from_secs(match self {
            TcpCtState::SynSent => 120,
            TcpCtState::SynRecv => 60,
            TcpCtState::Established => 432_000,
            TcpCtState::FinWait => 120,
            TcpCtState::CloseWait => 60,
            TcpCtState::LastAck => 30,
            TcpCtState::TimeWait => 120,
            TcpCtState::Close => 10,
        })
    }

    /// The next state for a segment with `flags` travelling in `dir` (a condensed form of
    /// nf_conntrack_proto_tcp's state table for well-behaved peers).
    pub fn next(self, dir: CtDir, flags: TcpFlags, fin_dir: Option<CtDir>) -> TcpCtState {
        use TcpCtState::*;
        if flags.has(TcpFlags::RST) {
            return Close;
        }
        match self {
            SynSent
                if dir == CtDir::Reply && flags.has(TcpFlags::SYN) && flags.has(TcpFlags::ACK) =>
            {
                SynRecv
            }
            SynRecv
                if dir == CtDir::Original
                    && flags.has(TcpFlags::ACK)
                    && !flags.has(TcpFlags::SYN) =>
            {
                if flags.has(TcpFlags::FIN) {
                    FinWait
                } else {
                    Established
                }
            }
            Established if flags.has(TcpFlags::FIN) => FinWait,
            FinWait | CloseWait if flags.has(TcpFlags::FIN) && Some(dir) != fin_dir => LastAck,
            FinWait if flags.has(TcpFlags::ACK) && Some(dir) != fin_dir => CloseWait,
            LastAck if flags.has(TcpFlags::ACK) && Some(dir) == fin_dir => TimeWait,
            s => s,
        }
    }
}

/// Default UDP and ICMP timeouts (`nf_conntrack_udp_timeout`, `nf_conntrack_icmp_timeout`).
pub const UDP_TIMEOUT: SimDuration = SimDuration(30_000_000_000);
/// `nf_conntrack_udp_timeout_stream`: a UDP entry still active 2 s after it began.
pub const UDP_STREAM_TIMEOUT: SimDuration = SimDuration(120_000_000_000);
/// How long after its first packet a replied UDP entry counts as a stream (`stream_ts`).
pub const UDP_STREAM_AFTER: SimDuration = SimDuration(2_000_000_000);
pub const ICMP_TIMEOUT: SimDuration = SimDuration(30_000_000_000);

/// One conntrack entry.
#[derive(Clone, Debug, PartialEq)]
pub struct CtEntry {
    pub orig: Tuple,
    pub reply: Tuple,
    pub tcp: Option<TcpCtState>,
    /// Which direction sent the first FIN (to drive the closing states).
    pub fin_dir: Option<CtDir>,
    pub seen_reply: bool,
    pub assured: bool,
    /// NAT decided for the source (POSTROUTING/INPUT) and destination (PREROUTING/OUTPUT).
    pub src_nat_done: bool,
    pub dst_nat_done: bool,
    /// The source rewrite came from MASQUERADE (for trace wording).
    pub masquerade: bool,
    pub expires: SimTime,
    pub mark: u32,
    /// When the first packet was seen (UDP's stream detection).
    pub created: SimTime,
}

impl CtEntry {
    pub fn new(orig: Tuple, now: SimTime) -> CtEntry {
        let tcp = (orig.proto == IpProto::Tcp).then_some(TcpCtState::SynSent);
        let mut e = CtEntry {
            orig,
            reply: orig.invert(),
            tcp,
            fin_dir: None,
            seen_reply: false,
            assured: false,
            src_nat_done: false,
            dst_nat_done: false,
            masquerade: false,
            expires: now,
            mark: 0,
            created: now,
        };
        e.expires = now + e.timeout();
        e
    }

    pub fn timeout(&self) -> SimDuration {
        match (self.tcp, self.orig.proto) {
            (Some(s), _) => s.timeout(),
            (None, IpProto::Udp) => UDP_TIMEOUT,
            _ => ICMP_TIMEOUT,
        }
    }

    /// The state word conntrack prints (only TCP has one).
    pub fn state_name(&self) -> &'static str {
        self.tcp.map(TcpCtState::name).unwrap_or("")
    }

    /// The destination was rewritten (DNAT): the reply comes from another address.
    pub fn is_dnat(&self) -> bool {
        self.reply.src != self.orig.dst || self.reply.sport != self.orig.dport
    }

    /// The source was rewritten (SNAT/MASQUERADE).
    pub fn is_snat(&self) -> bool {
        self.reply.dst != self.orig.src || self.reply.dport != self.orig.sport
    }

    /// Account a packet: TCP state machine, SEEN_REPLY, ASSURED and the timeout.
    /// Returns true when the printed state changed.
    pub fn on_packet(&mut self, dir: CtDir, flags: Option<TcpFlags>, now: SimTime) -> bool {
        let before = (self.tcp, self.seen_reply, self.assured);
        let replied_before = self.seen_reply;
        if dir == CtDir::Reply {
            self.seen_reply = true;
        }
        if self.orig.proto == IpProto::Udp {
            // nf_conntrack_udp_packet runs before SEEN_REPLY is set for this packet: once a
            // reply was seen, a packet more than 2 s after the first makes it a stream
            // (ASSURED, 120 s); until then every packet refreshes the 30 s timeout.
            let stream = replied_before && now - self.created > UDP_STREAM_AFTER;
            self.assured |= stream;
            let timeout = if stream {
                UDP_STREAM_TIMEOUT
            } else {
                UDP_TIMEOUT
            };
            self.expires = now + timeout;
            return before != (self.tcp, self.seen_reply, self.assured);
        }
        if let (Some(state), Some(flags)) = (self.tcp, flags) {
            if flags.has(TcpFlags::FIN) && self.fin_dir.is_none() {
                self.fin_dir = Some(dir);
            }
            let next = state.next(dir, flags, self.fin_dir);
            if next == TcpCtState::Established {
                self.assured = true;
            }
            self.tcp = Some(next);
        }
        self.expires = now + self.timeout();
        before != (self.tcp, self.seen_reply, self.assured)
    }

    /// The line `conntrack -L` prints at time `now`.
    pub fn conntrack_line(&self, now: SimTime) -> String {
        let secs = (self.expires - now).as_nanos() / 1_000_000_000;
        let mut s = format!(
            "{:<8} {} {} ",
            self.orig.proto.name(),
            self.orig.proto.number(),
            secs
        );
        if let Some(t) = self.tcp {
            let _ = write!(s, "{} ", t.name());
        }
        s.push_str(&self.orig.conntrack_text());
        if !self.seen_reply {
            s.push_str(" [UNREPLIED]");
        }
        s.push(' ');
        s.push_str(&self.reply.conntrack_text());
        if self.assured {
            s.push_str(" [ASSURED]");
        }
        let _ = write!(s, " mark={} use=1", self.mark);
        s
    }
}

/// A packet's link to its conntrack entry while it crosses one namespace.
#[derive(Clone, Debug, PartialEq)]
pub enum CtRef {
    /// In the table already.
    Confirmed(ConnId, CtDir),
    /// Created by this packet; inserted at confirm unless the packet is dropped first.
    Unconfirmed(Box<CtEntry>),
    /// An ICMP error quoting a packet of this connection.
    Related(ConnId, CtDir),
    /// Removed from the table by this very packet (an RST answering the first packet). The
    /// packet keeps its reference, as an skb keeps `_nfct`, so NAT still rewrites it.
    Killed(Box<CtEntry>, CtDir),
}

/// A namespace's conntrack table. Iteration is in creation order, so output is stable.
#[derive(Clone, Debug, Default)]
pub struct Conntrack {
    entries: BTreeMap<ConnId, CtEntry>,
    /// Both tuples of every entry (looked up, never iterated: hashed).
    index: HashMap<Tuple, (ConnId, CtDir), FxBuild>,
    next_id: u32,
    /// No entry expires before this: `expire` skips its scan until then.
    quiet_until: SimTime,
    /// The latest time `expire` was asked about.
    clock: SimTime,
}

/// The shortest timeout any entry gets (TCP CLOSE); an entry refreshed through
/// [`Conntrack::get_mut`] expires no sooner than this after the table's clock.
pub const MIN_TIMEOUT: SimDuration = SimDuration(10_000_000_000);

impl Conntrack {
    /// Find the live entry a tuple belongs to and the direction it travels.
    pub fn lookup(&self, t: &Tuple, now: SimTime) -> Option<(ConnId, CtDir)> {
        let (id, dir) = *self.index.get(t)?;
        let e = self.entries.get(&id)?;
        (e.expires > now).then_some((id, dir))
    }

    /// Is any live entry using `t` as its reply tuple (so a NAT choice would clash)?
    pub fn reply_taken(&self, t: &Tuple, now: SimTime) -> bool {
        self.lookup(t, now).is_some()
    }

    /// Insert a confirmed entry; returns its id.
    pub fn confirm(&mut self, entry: CtEntry) -> ConnId {
        let id = ConnId(self.next_id);
        self.next_id += 1;
        self.index.insert(entry.orig, (id, CtDir::Original));
        self.index.insert(entry.reply, (id, CtDir::Reply));
        self.quiet_until = self.quiet_until.min(entry.expires);
        self.entries.insert(id, entry);
        id
    }

    pub fn get(&self, id: ConnId) -> Option<&CtEntry> {
        self.entries.get(&id)
    }

    /// An entry to update with [`CtEntry::on_packet`] (which sets its expiry at least
    /// [`MIN_TIMEOUT`] past the time it is given).
    pub fn get_mut(&mut self, id: ConnId) -> Option<&mut CtEntry> {
        self.quiet_until = self.quiet_until.min(self.clock + MIN_TIMEOUT);
        self.entries.get_mut(&id)
    }

    /// Every entry, live or expired but not yet removed, in creation order.
    pub fn entries(&self) -> impl Iterator<Item = &CtEntry> {
        self.entries.values()
    }

    /// Remove entries that expired before `now`, returning them (for DESTROY events).
    pub fn expire(&mut self, now: SimTime) -> Vec<CtEntry> {
        self.clock = self.clock.max(now);
        if now < self.quiet_until {
            return Vec::new();
        }
        let dead: Vec<ConnId> = self
            .entries
            .iter()
            .filter(|(_, e)| e.expires <= now)
            .map(|(id, _)| *id)
            .collect();
        let dead = dead.into_iter().filter_map(|id| self.remove(id)).collect();
        self.quiet_until = self
            .entries
            .values()
            .map(|e| e.expires)
            .min()
            .unwrap_or(SimTime(u64::MAX));
        dead
    }

    fn remove(&mut self, id: ConnId) -> Option<CtEntry> {
        let e = self.entries.remove(&id)?;
        for t in [e.orig, e.reply] {
            if self.index.get(&t).is_some_and(|(owner, _)| *owner == id) {
                self.index.remove(&t);
            }
        }
        Some(e)
    }

    /// Delete an entry now (an RST answering a connection's first packet), returning it.
    pub fn kill(&mut self, id: ConnId) -> Option<CtEntry> {
        self.remove(id)
    }

    /// `conntrack -L` at time `now` (live entries only).
    pub fn list(&self, now: SimTime) -> String {
        let mut out = String::new();
        for e in self.entries.values().filter(|e| e.expires > now) {
            out.push_str(&e.conntrack_line(now));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_tuple() -> Tuple {
        Tuple {
            proto: IpProto::Tcp,
            src: Ipv4Addr::new(10, 12, 91, 1),
            dst: Ipv4Addr::new(10, 12, 91, 17),
            sport: 40000,
            dport: 8080,
            icmp_type: 0,
        }
    }

    fn udp_tuple() -> Tuple {
        Tuple {
            proto: IpProto::Udp,
            ..tcp_tuple()
        }
    }

    #[test]
    fn udp_becomes_an_assured_stream_only_after_two_seconds_with_replies() {
        let ms = |m: u64| SimTime(m * 1_000_000);
        let mut e = CtEntry::new(udp_tuple(), ms(0));
        e.on_packet(CtDir::Reply, None, ms(1));
        assert!(e.seen_reply && !e.assured);
        assert_eq!(e.expires, ms(1) + UDP_TIMEOUT);
        e.on_packet(CtDir::Original, None, ms(1500));
        assert!(!e.assured, "still inside the first two seconds");
        assert_eq!(e.expires, ms(1500) + UDP_TIMEOUT);
        e.on_packet(CtDir::Original, None, ms(2100));
        assert!(e.assured);
        assert_eq!(e.expires, ms(2100) + UDP_STREAM_TIMEOUT);
        // Unreplied traffic never becomes a stream, however long it lasts.
        let mut quiet = CtEntry::new(udp_tuple(), ms(0));
        quiet.on_packet(CtDir::Original, None, ms(5000));
        assert!(!quiet.assured);
        assert_eq!(quiet.expires, ms(5000) + UDP_TIMEOUT);
    }

    #[test]
    fn tcp_handshake_and_close_walk_the_states() {
        let t0 = SimTime(0);
        let mut e = CtEntry::new(tcp_tuple(), t0);
        assert_eq!(e.tcp, Some(TcpCtState::SynSent));
        let sa = TcpFlags::SYN.with(TcpFlags::ACK);
        let fa = TcpFlags::FIN.with(TcpFlags::ACK);
        e.on_packet(CtDir::Reply, Some(sa), t0);
        assert_eq!(e.tcp, Some(TcpCtState::SynRecv));
        e.on_packet(CtDir::Original, Some(TcpFlags::ACK), t0);
        assert_eq!(e.tcp, Some(TcpCtState::Established));
        assert!(e.assured);
        e.on_packet(CtDir::Original, Some(fa), t0);
        assert_eq!(e.tcp, Some(TcpCtState::FinWait));
        e.on_packet(CtDir::Reply, Some(fa), t0);
        assert_eq!(e.tcp, Some(TcpCtState::LastAck));
        e.on_packet(CtDir::Original, Some(TcpFlags::ACK), t0);
        assert_eq!(e.tcp, Some(TcpCtState::TimeWait));
        assert_eq!(e.expires, t0 + SimDuration::from_secs(120));
    }

    #[test]
    fn prints_like_conntrack_l() {
        let mut e = CtEntry::new(tcp_tuple(), SimTime(0));
        e.reply.src = Ipv4Addr::new(172, 17, 0, 2);
        e.reply.sport = 80;
        assert_eq!(
            e.conntrack_line(SimTime(0)),
            "tcp      6 120 SYN_SENT src=10.12.91.1 dst=10.12.91.17 sport=40000 dport=8080 [UNREPLIED] \
             src=172.17.0.2 dst=10.12.91.1 sport=80 dport=40000 mark=0 use=1"
        );
        assert!(e.is_dnat());
        assert!(!e.is_snat());
    }

    #[test]
    fn invert_swaps_ends_and_echo_types_only_for_icmp() {
        let t = tcp_tuple();
        assert_eq!(t.invert().invert(), t);
        assert_eq!(t.invert().icmp_type, 0);
        let echo = Tuple {
            proto: IpProto::Icmp,
            sport: 7,
            dport: 7,
            icmp_type: 8,
            ..t
        };
        assert_eq!(echo.invert().icmp_type, 0);
        assert_eq!(echo.invert().src, t.dst);
    }

    #[test]
    fn lookup_finds_both_directions_and_expires() {
        let mut ct = Conntrack::default();
        let e = CtEntry::new(tcp_tuple(), SimTime(0));
        let reply = e.reply;
        let id = ct.confirm(e);
        assert_eq!(
            ct.lookup(&tcp_tuple(), SimTime(1)),
            Some((id, CtDir::Original))
        );
        assert_eq!(ct.lookup(&reply, SimTime(1)), Some((id, CtDir::Reply)));
        let late = SimTime(0) + SimDuration::from_secs(121);
        assert_eq!(ct.lookup(&tcp_tuple(), late), None);
        assert_eq!(ct.expire(late).len(), 1);
        assert!(ct.entries.is_empty());
    }

    #[test]
    fn every_timeout_is_at_least_the_minimum() {
        use TcpCtState::*;
        let tcp = [
            SynSent,
            SynRecv,
            Established,
            FinWait,
            CloseWait,
            LastAck,
            TimeWait,
            Close,
        ];
        assert!(tcp.iter().all(|s| s.timeout() >= MIN_TIMEOUT));
        assert!(
            [UDP_TIMEOUT, UDP_STREAM_TIMEOUT, ICMP_TIMEOUT]
                .iter()
                .all(|t| *t >= MIN_TIMEOUT)
        );
        assert_eq!(
            Close.timeout(),
            MIN_TIMEOUT,
            "the minimum is a real timeout"
        );
    }

    #[test]
    fn an_entry_shortened_through_get_mut_still_expires_on_time() {
        let mut ct = Conntrack::default();
        let t0 = SimTime(0);
        let id = ct.confirm(CtEntry::new(tcp_tuple(), t0));
        let reply = ct.get(id).unwrap().reply;
        // Established (5 days), then an RST: CLOSE, 10 s.
        let syn_ack = TcpFlags::SYN.with(TcpFlags::ACK);
        let t1 = t0 + SimDuration::from_secs(1);
        assert!(ct.expire(t1).is_empty());
        ct.get_mut(id)
            .unwrap()
            .on_packet(CtDir::Reply, Some(syn_ack), t1);
        ct.get_mut(id)
            .unwrap()
            .on_packet(CtDir::Original, Some(TcpFlags::ACK), t1);
        assert!(ct.expire(t1 + SimDuration::from_secs(200)).is_empty());
        let t2 = t1 + SimDuration::from_secs(200);
        ct.get_mut(id)
            .unwrap()
            .on_packet(CtDir::Reply, Some(TcpFlags::RST), t2);
        assert!(ct.expire(t2 + SimDuration::from_secs(9)).is_empty());
        assert_eq!(ct.expire(t2 + SimDuration::from_secs(10)).len(), 1);
        assert_eq!(ct.lookup(&reply, t2 + SimDuration::from_secs(10)), None);
    }
}
