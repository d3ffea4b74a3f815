//! User-space processes as sockets: TCP/UDP servers, clients started by the scenario's
//! traffic, ping, and a TCP relay (docker-proxy, Docker Desktop's forwarder) that accepts one
//! connection and opens a second one.

mod procs;
mod tcp_options;
mod udp_relay;

pub(crate) use procs::Procs;

use crate::ids::{NsId, SocketId};
use crate::scenario::Proto;
use crate::stack::{KernelEvent, Skb};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Name, SockText, TraceEvent};
use crate::wire::{
    DnsMessage, IcmpMessage, Ipv4Packet, L4, TcpFlags, TcpSegment, UdpDatagram, UdpPayload,
};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};

/// Time between the kernel waking a process and the process acting (write, close).
pub const APP_DELAY: SimDuration = SimDuration(30_000);
/// Time for a server process to finish after writing its answer and for its connection to
/// be closed (process exit, the parent noticing). Measured with socat in the lab: about
/// 1 ms, long against a LAN round trip.
pub const EXIT_DELAY: SimDuration = SimDuration(1_000_000);
/// Time between a client writing its request and shutting down its sending side (socat
/// seeing EOF on its input): about 1 ms in the lab, after the server's ACK arrives.
pub const SHUTDOWN_DELAY: SimDuration = SimDuration(1_000_000);
/// Time a server takes to answer a request (the lab's socat runs a small program per
/// connection): about 2 ms, so the client's FIN usually arrives first.
pub const THINK_DELAY: SimDuration = SimDuration(2_000_000);
/// Linux's delayed-ACK timer (TCP_DELACK_MIN is 40 ms).
pub const DELAYED_ACK: SimDuration = SimDuration(40_000_000);

/// The process that runs flow `flow` (numbered from 1, as `docknet explain` shows it).
fn client_process(flow: usize) -> Name {
    format!("client{}", flow + 1).as_str().into()
}

/// The wait before SYN retransmission `n` (1-based) with `tcp_syn_linear_timeouts` = `linear`:
/// 1 s for the first `linear + 1` waits, then doubling (capped at TCP_RTO_MAX, 120 s).
/// With the Linux 6.5+ defaults (linear 4) an unanswered SYN goes out again after 1, 1, 1,
/// 1, 1, 2, 4, 8, 16, 32 s, as measured on this machine's kernel (6.18).
pub fn syn_rto(n: u32, linear: u32) -> SimDuration {
    let linear = linear + 1;
    if n <= linear {
        SimDuration::from_secs(1)
    } else {
        SimDuration::from_secs((1u64 << (n - linear).min(7)).min(120))
    }
}

/// How long after its first SYN a connect gives up, whatever the waits were: the kernel's
/// time budget for `tcp_syn_retries` exponential retries (`tcp_model_timeout`), checked each
/// time the retransmit timer fires. Measured: retries 6 gives up at 131 s (budget 127 s),
/// retries 2 at 7 s with linear 0 and at 8 s with linear 1, retries 1 at 3 s with linear 4.
pub fn syn_give_up(retries: u32) -> SimDuration {
    const RTO_MAX_SECS: u64 = 120;
    let thresh = RTO_MAX_SECS.ilog2(); // ilog2(TCP_RTO_MAX / TCP_TIMEOUT_INIT) = 6
    let secs = if retries <= thresh {
        (2u64 << retries) - 1
    } else {
        (2u64 << thresh) - 1 + u64::from(retries - thresh) * RTO_MAX_SECS
    };
    SimDuration::from_secs(secs)
}

/// Where a flow goes: an address, or a name still to look up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Addr(Ipv4Addr, u16),
    Name(String, u16),
}

/// One flow the scenario starts.
#[derive(Clone, Debug)]
pub(crate) enum Flow {
    Tcp {
        ns: NsId,
        to: Target,
        sport: Option<u16>,
        send: u32,
    },
    Udp {
        ns: NsId,
        to: Target,
        sport: Option<u16>,
        send: u32,
        count: u32,
        interval: SimDuration,
    },
    Ping {
        ns: NsId,
        to: Target,
        count: u32,
        interval: SimDuration,
        ttl: u8,
    },
}

impl Flow {
    fn ns_and_target(&mut self) -> (NsId, &mut Target) {
        match self {
            Flow::Tcp { ns, to, .. } | Flow::Udp { ns, to, .. } | Flow::Ping { ns, to, .. } => {
                (*ns, to)
            }
        }
    }
}

/// How long a resolver waits for an answer before retrying (glibc `timeout:5`, `attempts:2`).
pub const DNS_TIMEOUT: SimDuration = SimDuration(5_000_000_000);
pub const DNS_ATTEMPTS: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TcpState {
    SynSent,
    SynRecv,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    LastAck,
    TimeWait,
    Closed,
}

/// What a TCP connection's process does with it.
#[derive(Clone, Debug)]
pub(crate) enum Role {
    /// Sends `send` bytes once connected, closes after the reply (or when idle).
    Client { send: u32 },
    /// Answers the request with `reply` bytes and exits (closing); without an answer to
    /// give, closes when the peer does. `answered` once the answer is on its way.
    Server { reply: u32, answered: bool },
    /// The accepted side of a relay; `back` is the connection it opened.
    RelayFront { back: Option<SocketId> },
    /// The relay's outgoing side.
    RelayBack { front: SocketId },
}

#[derive(Clone, Debug)]
pub(crate) struct TcpConn {
    pub state: TcpState,
    pub snd_nxt: u32,
    pub iss: u32,
    pub rcv_nxt: u32,
    /// The last acknowledgement number sent (to know whether a delayed ACK is owed).
    pub acked: u32,
    pub role: Role,
    /// Bytes a relay end must pass on once its partner is connected.
    pub pending: u32,
    /// The other side of the relay already closed: close once connected and flushed.
    pub pending_fin: bool,
    /// Oldest sequence number not yet acknowledged by the peer.
    pub snd_una: u32,
    /// The peer acknowledged new data since our last segment: the next one confirms the
    /// neighbour (`sk_dst_confirm` on `FLAG_FORWARD_PROGRESS`).
    pub dst_pending_confirm: bool,
    /// When the connection began (the first SYN), for the connect timeout.
    pub opened: SimTime,
    /// Options offered (before the SYN-ACK) or agreed, and our receive window.
    pub agreed: tcp_options::Agreed,
    /// The MSS this end advertises.
    pub mss: u16,
    /// `rcv_wup`: where the advertised window's right edge was last moved; the window left is
    /// the agreed one less what arrived since.
    pub rcv_wup: u32,
}

impl TcpConn {
    fn new(state: TcpState, iss: u32, rcv_nxt: u32, role: Role) -> TcpConn {
        TcpConn {
            state,
            snd_nxt: iss,
            iss,
            rcv_nxt,
            acked: 0,
            role,
            pending: 0,
            pending_fin: false,
            snd_una: iss,
            dst_pending_confirm: false,
            opened: SimTime::ZERO,
            agreed: tcp_options::Agreed::default(),
            mss: 1460,
            rcv_wup: rcv_nxt,
        }
    }

    /// Take an incoming acknowledgement; one that acknowledges something new owes the
    /// neighbour a confirmation.
    fn ack_received(&mut self, ack: u32) {
        let progress = (ack.wrapping_sub(self.snd_una) as i32) > 0
            && (self.snd_nxt.wrapping_sub(ack) as i32) >= 0;
        if progress {
            self.snd_una = ack;
            self.dst_pending_confirm = true;
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum SockKind {
    TcpListen {
        reply: u32,
        relay_to: Option<(Ipv4Addr, u16)>,
    },
    Tcp(TcpConn),
    UdpListen {
        reply: u32,
    },
    /// A UDP relay listening for clients, towards `to`.
    UdpRelay {
        to: (Ipv4Addr, u16),
    },
    /// A UDP relay's socket towards its target for one `client` (answers go back from
    /// `answer_from` and the relay's port).
    UdpRelayBack {
        front: SocketId,
        client: (Ipv4Addr, u16),
        answer_from: Ipv4Addr,
    },
    UdpClient {
        left: u32,
        send: u32,
        interval: SimDuration,
    },
    /// A DNS server answering A queries from its records, forwarding other names upstream.
    DnsServer {
        /// Each name's addresses; several are shuffled per answer (Docker's embedded DNS
        /// shuffles a service's replicas, round-robin DNS).
        records: std::collections::BTreeMap<String, Vec<Ipv4Addr>>,
        upstream: Option<Ipv4Addr>,
    },
    /// A query a DNS server forwarded upstream on behalf of `client` (asking with `client_id`).
    DnsForward {
        server: SocketId,
        client: (Ipv4Addr, u16),
        answer_from: Ipv4Addr,
        client_id: u16,
        id: u16,
    },
    /// A stub resolver looking up a name for flow `flow`.
    DnsClient {
        flow: usize,
        name: String,
        id: u16,
        attempts: u32,
        done: bool,
    },
    Ping {
        id: u16,
        next_seq: u16,
        left: u32,
        interval: SimDuration,
        ttl: u8,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Sock {
    pub ns: NsId,
    /// The process name shown in traces.
    pub process: Name,
    /// Local address (0.0.0.0 for a wildcard listener) and port.
    pub local: (Ipv4Addr, u16),
    pub remote: Option<(Ipv4Addr, u16)>,
    pub kind: SockKind,
}

/// Every process socket and the flows still to start.
#[derive(Clone, Debug, Default)]
pub(crate) struct Apps {
    pub socks: Vec<Sock>,
    /// The scenario's traffic, in order (see [`Apps::push_flow`]).
    flows: Vec<Flow>,
    /// The process that runs each flow, named with the scenario as the listeners are.
    flow_process: Vec<Name>,
    /// Sockets by (namespace, local port), the kernel's port hash.
    by_port: HashMap<(NsId, u16), Vec<SocketId>, crate::intern::FxBuild>,
}

impl Apps {
    /// Add the scenario's next flow, run by `client<N>` (N counting from 1).
    pub fn push_flow(&mut self, flow: Flow) {
        self.flow_process.push(client_process(self.flows.len()));
        self.flows.push(flow);
    }

    /// The process that runs flow `flow`.
    fn process_of(&self, flow: usize) -> Name {
        self.flow_process[flow]
    }

    pub fn add(&mut self, s: Sock) -> SocketId {
        let id = SocketId(self.socks.len() as u32);
        self.by_port.entry((s.ns, s.local.1)).or_default().push(id);
        self.socks.push(s);
        id
    }

    /// Sockets bound to `port` in `ns`, oldest first.
    pub fn on_port(&self, ns: NsId, port: u16) -> impl Iterator<Item = (SocketId, &Sock)> {
        self.by_port
            .get(&(ns, port))
            .into_iter()
            .flatten()
            .map(|&id| (id, &self.socks[id.index()]))
    }
}

/// Application-level events in the queue.
#[derive(Clone, Debug)]
pub(crate) enum AppEvent {
    FlowStart(usize),
    /// Next datagram or echo request of a repeating flow.
    SendNext(SocketId),
    SynRetry(SocketId, u32),
    /// The process writes `n` bytes.
    Write(SocketId, u32),
    Close(SocketId),
    DelayedAck(SocketId),
    /// A UDP server answers `n` bytes to `to`.
    UdpReply {
        sock: SocketId,
        to: (Ipv4Addr, u16),
        from: Ipv4Addr,
        n: u32,
    },
    /// A relay sends a datagram on, as it came.
    UdpForward {
        sock: SocketId,
        to: (Ipv4Addr, u16),
        from: Ipv4Addr,
        payload: UdpPayload,
    },
    /// A DNS server sends its answer.
    DnsReply {
        sock: SocketId,
        to: (Ipv4Addr, u16),
        from: Ipv4Addr,
        answer: Box<DnsMessage>,
    },
    /// No DNS answer yet: retry or give up.
    DnsTimeout(SocketId, u32),
}

impl<E: From<AppEvent> + From<KernelEvent>> Procs<'_, E> {
    pub(crate) fn app_event(&mut self, ev: AppEvent) {
        match ev {
            AppEvent::FlowStart(i) => self.start_flow(i),
            AppEvent::SendNext(s) => self.send_next(s),
            AppEvent::SynRetry(s, n) => self.syn_retry(s, n),
            AppEvent::Write(s, n) => self.tcp_write(s, n),
            AppEvent::Close(s) => self.tcp_close(s),
            AppEvent::DelayedAck(s) => {
                if let Some(c) = self.conn(s)
                    && c.acked != c.rcv_nxt
                    && c.state != TcpState::Closed
                {
                    self.tcp_send(s, TcpFlags::ACK, 0);
                }
            }
            AppEvent::UdpReply { sock, to, from, n } => {
                let port = self.apps.socks[sock.index()].local.1;
                let ns = self.apps.socks[sock.index()].ns;
                self.udp_send(ns, (from, port), to, UdpPayload::Data(n));
            }
            AppEvent::UdpForward {
                sock,
                to,
                from,
                payload,
            } => {
                let port = self.apps.socks[sock.index()].local.1;
                let ns = self.apps.socks[sock.index()].ns;
                self.udp_send(ns, (from, port), to, payload);
            }
            AppEvent::DnsReply {
                sock,
                to,
                from,
                answer,
            } => {
                let port = self.apps.socks[sock.index()].local.1;
                let ns = self.apps.socks[sock.index()].ns;
                self.udp_send(ns, (from, port), to, UdpPayload::Dns(answer));
            }
            AppEvent::DnsTimeout(s, attempt) => self.dns_timeout(s, attempt),
        }
    }

    fn sock_event(&mut self, s: SocketId, what: SockText) {
        let sock = &self.apps.socks[s.index()];
        let ev = TraceEvent::Socket {
            ns: self.ns_name(sock.ns),
            process: sock.process,
            what,
        };
        self.emit(None, ev);
    }

    fn conn(&self, s: SocketId) -> Option<&TcpConn> {
        match &self.apps.socks[s.index()].kind {
            SockKind::Tcp(c) => Some(c),
            _ => None,
        }
    }

    fn conn_mut(&mut self, s: SocketId) -> Option<&mut TcpConn> {
        match &mut self.apps.socks[s.index()].kind {
            SockKind::Tcp(c) => Some(c),
            _ => None,
        }
    }

    /// An ephemeral port from `ip_local_port_range`, not in use in the namespace.
    /// A free port from `ip_local_port_range`, searched from a random start as the kernel's
    /// `__inet_hash_connect` does; when all are taken the connect reuses the start port
    /// (the kernel would fail with EADDRNOTAVAIL; lessons never get near that).
    fn ephemeral_port(&mut self, ns: NsId) -> u16 {
        let (lo, hi) = self.net.ns(ns).sysctl.port_range;
        let hi = hi.max(lo);
        let start = self.random_range(lo, hi);
        let span = u32::from(hi - lo) + 1;
        (0..span)
            .map(|i| lo + ((u32::from(start - lo) + i) % span) as u16)
            .find(|&p| self.apps.on_port(ns, p).next().is_none())
            .unwrap_or(start)
    }

    fn start_flow(&mut self, i: usize) {
        let Some(mut flow) = self.apps.flows.get(i).cloned() else {
            return;
        };
        let (ns, target) = flow.ns_and_target();
        let to = match target.clone() {
            Target::Addr(ip, port) => (ip, port),
            Target::Name(name, port) => {
                if let Some(&ip) = self.net.ns(ns).hosts.get(&name) {
                    *target = Target::Addr(ip, port);
                    self.apps.flows[i] = flow;
                    self.start_flow(i);
                } else {
                    self.dns_lookup(i, ns, name);
                }
                return;
            }
        };
        match flow {
            Flow::Tcp {
                ns, sport, send, ..
            } => {
                self.tcp_connect(
                    ns,
                    self.apps.process_of(i),
                    to,
                    sport,
                    Role::Client { send },
                );
            }
            Flow::Udp {
                ns,
                sport,
                send,
                count,
                interval,
                ..
            } => {
                let Some(src) = self.select_source(ns, to.0) else {
                    self.local_error(
                        ns,
                        &udp_packet((Ipv4Addr::UNSPECIFIED, 0), to, UdpPayload::Data(send)),
                        "no route",
                    );
                    return;
                };
                let port = sport.unwrap_or_else(|| self.ephemeral_port(ns));
                let kind = SockKind::UdpClient {
                    left: count,
                    send,
                    interval,
                };
                let s = self.apps.add(Sock {
                    ns,
                    process: self.apps.process_of(i),
                    local: (src, port),
                    remote: Some(to),
                    kind,
                });
                self.send_next(s);
            }
            Flow::Ping {
                ns,
                count,
                interval,
                ttl,
                ..
            } => {
                let id = self.random_u32() as u16;
                let src = self
                    .select_source(ns, to.0)
                    .unwrap_or(Ipv4Addr::UNSPECIFIED);
                let kind = SockKind::Ping {
                    id,
                    next_seq: 1,
                    left: count,
                    interval,
                    ttl,
                };
                let s = self.apps.add(Sock {
                    ns,
                    process: format!("ping{}", i + 1).into(),
                    local: (src, id),
                    remote: Some((to.0, 0)),
                    kind,
                });
                self.send_next(s);
            }
        }
    }

    fn send_next(&mut self, s: SocketId) {
        let sock = self.apps.socks[s.index()].clone();
        let Some(remote) = sock.remote else { return };
        match sock.kind {
            SockKind::UdpClient {
                left,
                send,
                interval,
            } if left > 0 => {
                self.udp_send(sock.ns, sock.local, remote, UdpPayload::Data(send));
                if let SockKind::UdpClient { left, .. } = &mut self.apps.socks[s.index()].kind {
                    *left -= 1;
                }
                if left > 1 {
                    self.schedule_in(interval, AppEvent::SendNext(s));
                }
            }
            SockKind::Ping {
                id,
                next_seq,
                left,
                interval,
                ttl,
            } if left > 0 => {
                let src = self.select_source(sock.ns, remote.0);
                let Some(src) = src else {
                    self.sock_event(
                        s,
                        format!("ping: connect: Network is unreachable ({})", remote.0).into(),
                    );
                    return;
                };
                let ip = Ipv4Packet {
                    src,
                    dst: remote.0,
                    ttl,
                    ident: self.next_ip_id(sock.ns),
                    dont_frag: true,
                    l4: L4::Icmp(IcmpMessage::EchoRequest {
                        id,
                        seq: next_seq,
                        payload_len: 56,
                    }),
                };
                if let SockKind::Ping { next_seq, left, .. } = &mut self.apps.socks[s.index()].kind
                {
                    // icmp_seq is 16 bits on the wire: ping's count goes on, the field wraps.
                    *next_seq = next_seq.wrapping_add(1);
                    *left -= 1;
                }
                let pkt = self.new_packet_id();
                self.ip_local_out(sock.ns, ip, pkt);
                if left > 1 {
                    self.schedule_in(interval, AppEvent::SendNext(s));
                }
            }
            _ => {}
        }
    }

    fn udp_send(
        &mut self,
        ns: NsId,
        from: (Ipv4Addr, u16),
        to: (Ipv4Addr, u16),
        payload: UdpPayload,
    ) {
        let mut ip = udp_packet(from, to, payload);
        ip.ident = self.next_ip_id(ns);
        let pkt = self.new_packet_id();
        self.ip_local_out(ns, ip, pkt);
    }

    /// Open a TCP connection: pick the source by route, send SYN, arm the retransmit timer.
    pub(crate) fn tcp_connect(
        &mut self,
        ns: NsId,
        process: Name,
        to: (Ipv4Addr, u16),
        sport: Option<u16>,
        role: Role,
    ) -> Option<SocketId> {
        let Some(src) = self.select_source(ns, to.0) else {
            let ev = TraceEvent::Socket {
                ns: self.ns_name(ns),
                process,
                what: format!("connect to {}:{}: Network is unreachable", to.0, to.1).into(),
            };
            self.emit(None, ev);
            return None;
        };
        let port = sport.unwrap_or_else(|| self.ephemeral_port(ns));
        let iss = self.random_u32();
        let mut conn = TcpConn::new(TcpState::SynSent, iss, 0, role);
        conn.opened = self.now();
        conn.mss = self.advmss(ns, to.0);
        conn.agreed = tcp_options::offer(&self.net.ns(ns).sysctl, conn.mss);
        let linear = self.net.ns(ns).sysctl.tcp_syn_linear_timeouts;
        let s = self.apps.add(Sock {
            ns,
            process,
            local: (src, port),
            remote: Some(to),
            kind: SockKind::Tcp(conn),
        });
        self.sock_event(
            s,
            format!("connect {src}:{port} -> {}:{}", to.0, to.1).into(),
        );
        self.tcp_send(s, TcpFlags::SYN, 0);
        self.schedule_kernel_timer(syn_rto(1, linear), AppEvent::SynRetry(s, 1));
        Some(s)
    }

    fn syn_retry(&mut self, s: SocketId, n: u32) {
        let Some(c) = self.conn(s) else { return };
        if c.state != TcpState::SynSent {
            return;
        }
        let opened = c.opened;
        let sysctl = &self.net.ns(self.apps.socks[s.index()].ns).sysctl;
        let (retries, linear) = (sysctl.tcp_syn_retries, sysctl.tcp_syn_linear_timeouts);
        if self.now() - opened >= syn_give_up(retries) {
            self.set_state(s, TcpState::Closed);
            self.sock_event(s, "connect: Connection timed out (no answer to SYN)".into());
            return;
        }
        if let Some(c) = self.conn_mut(s) {
            c.snd_nxt = c.iss;
        }
        self.sock_event(s, format!("SYN retransmission #{n}").into());
        self.tcp_send(s, TcpFlags::SYN, 0);
        self.schedule_kernel_timer(syn_rto(n + 1, linear), AppEvent::SynRetry(s, n + 1));
    }

    fn set_state(&mut self, s: SocketId, st: TcpState) {
        if let Some(c) = self.conn_mut(s) {
            c.state = st;
        }
    }

    /// Emit a segment from connection `s` with its current sequence numbers.
    fn tcp_send(&mut self, s: SocketId, flags: TcpFlags, payload_len: u32) {
        let sock = &self.apps.socks[s.index()];
        let (ns, local, Some(remote)) = (sock.ns, sock.local, sock.remote) else {
            return;
        };
        let Some(c) = self.conn_mut(s) else { return };
        let seq = c.snd_nxt;
        let ack = if flags.has(TcpFlags::ACK) {
            c.rcv_nxt
        } else {
            0
        };
        c.snd_nxt = c.snd_nxt.wrapping_add(
            payload_len + u32::from(flags.has(TcpFlags::SYN)) + u32::from(flags.has(TcpFlags::FIN)),
        );
        if flags.has(TcpFlags::ACK) {
            c.acked = c.rcv_nxt;
        }
        let confirm_neigh = std::mem::take(&mut c.dst_pending_confirm);
        // A receiver whose process reads at once opens the window again once a full
        // segment's worth of space is free, or half the window on lo, whose MSS is about
        // the whole window (flows here are mostly under one MSS).
        if c.rcv_nxt.wrapping_sub(c.rcv_wup) >= u32::from(c.mss).min(c.agreed.rcv_wnd / 2) {
            c.rcv_wup = c.rcv_nxt;
        }
        let consumed = c.rcv_nxt.wrapping_sub(c.rcv_wup);
        let (agreed, mss) = (c.agreed, c.mss);
        let per_pair = self.net.ns(ns).sysctl.tcp_ts_per_pair_offset;
        let pair = per_pair.then_some((local.0, remote.0));
        let tsval = tcp_options::ts_val(self.cx.ts_secret(), pair, self.now().as_millis());
        let (options, window) = tcp_options::outgoing(
            &agreed,
            mss,
            flags.has(TcpFlags::SYN),
            flags.has(TcpFlags::ACK),
            tsval,
            consumed,
        );
        let seg = TcpSegment {
            sport: local.1,
            dport: remote.1,
            seq,
            ack,
            flags,
            window,
            payload_len,
            options,
        };
        let ip = Ipv4Packet {
            src: local.0,
            dst: remote.0,
            ttl: 64,
            ident: 0,
            dont_frag: true,
            l4: L4::Tcp(seg),
        };
        let mut ip = ip;
        ip.ident = self.next_ip_id(ns);
        let pkt = self.new_packet_id();
        self.ip_local_out_confirming(ns, ip, pkt, confirm_neigh);
    }

    fn tcp_write(&mut self, s: SocketId, n: u32) {
        if matches!(
            self.conn(s).map(|c| c.state),
            Some(TcpState::Established | TcpState::CloseWait)
        ) && n > 0
        {
            self.sock_event(s, SockText::Write(n));
            self.tcp_send(s, TcpFlags::PSH.with(TcpFlags::ACK), n);
        }
    }

    fn tcp_close(&mut self, s: SocketId) {
        let Some(state) = self.conn(s).map(|c| c.state) else {
            return;
        };
        let next = match state {
            TcpState::Established => TcpState::FinWait1,
            TcpState::CloseWait => TcpState::LastAck,
            _ => return,
        };
        self.set_state(s, next);
        self.sock_event(s, "close".into());
        self.tcp_send(s, TcpFlags::FIN.with(TcpFlags::ACK), 0);
    }

    /// Hand a locally delivered packet to the socket layer.
    pub(crate) fn socket_deliver(&mut self, ns: NsId, skb: Skb) {
        match skb.ip.l4.clone() {
            L4::Tcp(seg) => self.tcp_deliver(ns, &skb, seg),
            L4::Udp(d) => self.udp_deliver(ns, &skb, d),
            L4::Icmp(m) => self.icmp_deliver(ns, &skb, m),
        }
    }

    fn find_conn(
        &self,
        ns: NsId,
        local: (Ipv4Addr, u16),
        remote: (Ipv4Addr, u16),
        tcp: bool,
    ) -> Option<SocketId> {
        self.apps
            .on_port(ns, local.1)
            .find(|(_, s)| {
                s.local == local
                    && s.remote == Some(remote)
                    && matches!(&s.kind, SockKind::Tcp(c) if c.state != TcpState::Closed) == tcp
                    && (tcp
                        || matches!(
                            s.kind,
                            SockKind::UdpClient { .. }
                                | SockKind::DnsClient { .. }
                                | SockKind::DnsForward { .. }
                                | SockKind::UdpRelayBack { .. }
                        ))
            })
            .map(|(id, _)| id)
    }

    fn find_listener(&self, ns: NsId, addr: Ipv4Addr, port: u16, tcp: bool) -> Option<SocketId> {
        self.apps
            .on_port(ns, port)
            .find(|(_, s)| {
                (s.local.0.is_unspecified() || s.local.0 == addr)
                    && if tcp {
                        matches!(s.kind, SockKind::TcpListen { .. })
                    } else {
                        matches!(
                            s.kind,
                            SockKind::UdpListen { .. }
                                | SockKind::DnsServer { .. }
                                | SockKind::UdpRelay { .. }
                        )
                    }
            })
            .map(|(id, _)| id)
            // A connection to somewhere else, taken by a user-space stack: its relay.
            .or_else(|| {
                (tcp && !self.net.is_local(ns, addr))
                    .then(|| self.transparent_relay(ns))
                    .flatten()
            })
    }

    /// The relay that re-makes connections to their original destination (`to: "*"`).
    fn transparent_relay(&self, ns: NsId) -> Option<SocketId> {
        self.apps
            .on_port(ns, 0)
            .find(|(_, s)| {
                matches!(s.kind, SockKind::TcpListen { relay_to: Some((ip, 0)), .. } if ip.is_unspecified())
            })
            .map(|(id, _)| id)
    }

    fn tcp_deliver(&mut self, ns: NsId, skb: &Skb, seg: TcpSegment) {
        let local = (skb.ip.dst, seg.dport);
        let remote = (skb.ip.src, seg.sport);
        if let Some(s) = self.find_conn(ns, local, remote, true) {
            self.tcp_input(s, seg);
            return;
        }
        let is_syn = seg.flags.has(TcpFlags::SYN) && !seg.flags.has(TcpFlags::ACK);
        match self.find_listener(ns, local.0, local.1, true) {
            Some(l) if is_syn => self.tcp_accept(l, local, remote, seg),
            _ => {
                let reason = format!("no listener on {}:{} -> RST", local.0, local.1);
                self.drop_pkt(ns, skb.pkt, reason);
                self.send_rst(ns, local.0, remote.0, &seg);
            }
        }
    }

    /// SYN to a listener: a new connection in SYN_RECV answers SYN-ACK.
    fn tcp_accept(
        &mut self,
        listener: SocketId,
        local: (Ipv4Addr, u16),
        remote: (Ipv4Addr, u16),
        seg: TcpSegment,
    ) {
        let l = self.apps.socks[listener.index()].clone();
        let SockKind::TcpListen { reply, relay_to } = l.kind else {
            return;
        };
        let role = match relay_to {
            Some(_) => Role::RelayFront { back: None },
            None => Role::Server {
                reply,
                answered: false,
            },
        };
        let iss = self.random_u32();
        let rcv = seg.seq.wrapping_add(1);
        let mut conn = TcpConn::new(TcpState::SynRecv, iss, rcv, role);
        conn.mss = self.advmss(l.ns, remote.0);
        conn.agreed = tcp_options::answer(&self.net.ns(l.ns).sysctl, &seg.options, conn.mss);
        let s = self.apps.add(Sock {
            ns: l.ns,
            process: l.process,
            local,
            remote: Some(remote),
            kind: SockKind::Tcp(conn),
        });
        self.tcp_send(s, TcpFlags::SYN.with(TcpFlags::ACK), 0);
    }

    fn tcp_input(&mut self, s: SocketId, seg: TcpSegment) {
        let Some(c) = self.conn(s).cloned() else {
            return;
        };
        if seg.flags.has(TcpFlags::RST) {
            self.set_state(s, TcpState::Closed);
            let what = if c.state == TcpState::SynSent {
                "connect: Connection refused (RST)"
            } else {
                "connection reset by peer"
            };
            self.sock_event(s, what.into());
            if let Role::RelayBack { front } = c.role {
                self.tcp_abort(front);
            }
            return;
        }
        if seg.flags.has(TcpFlags::ACK)
            && let Some(c) = self.conn_mut(s)
        {
            c.ack_received(seg.ack);
        }
        if let (Some((tsval, _)), Some(c)) = (seg.options.timestamps, self.conn_mut(s))
            && c.agreed.timestamps
        {
            c.agreed.ts_recent = tsval;
        }
        match c.state {
            TcpState::SynSent if seg.flags.has(TcpFlags::SYN) && seg.flags.has(TcpFlags::ACK) => {
                if let Some(c) = self.conn_mut(s) {
                    c.rcv_nxt = seg.seq.wrapping_add(1);
                    c.rcv_wup = c.rcv_nxt;
                    c.state = TcpState::Established;
                    tcp_options::take_syn_ack(&mut c.agreed, &seg.options);
                }
                self.tcp_send(s, TcpFlags::ACK, 0);
                self.sock_event(s, "connected".into());
                self.on_established(s, c.role);
            }
            TcpState::SynRecv if seg.flags.has(TcpFlags::ACK) => {
                self.set_state(s, TcpState::Established);
                let remote = self.apps.socks[s.index()]
                    .remote
                    .unwrap_or((Ipv4Addr::UNSPECIFIED, 0));
                self.sock_event(
                    s,
                    format!("accept connection from {}:{}", remote.0, remote.1).into(),
                );
                self.on_established(s, c.role.clone());
                self.tcp_data(s, seg);
            }
            TcpState::Established
            | TcpState::FinWait1
            | TcpState::FinWait2
            | TcpState::CloseWait
            | TcpState::LastAck => self.tcp_data(s, seg),
            _ => {}
        }
    }

    /// What each role does once its connection is up.
    fn on_established(&mut self, s: SocketId, role: Role) {
        match role {
            Role::Client { send } => {
                // Like `socat -` fed a request: write it, then shut down the sending side.
                self.schedule_in(APP_DELAY, AppEvent::Write(s, send));
                self.schedule_in(APP_DELAY + SHUTDOWN_DELAY, AppEvent::Close(s));
            }
            Role::RelayFront { .. } => {
                let sock = self.apps.socks[s.index()].clone();
                let listener = self
                    .apps
                    .on_port(sock.ns, sock.local.1)
                    .find(|(_, l)| {
                        matches!(
                            l.kind,
                            SockKind::TcpListen {
                                relay_to: Some(_),
                                ..
                            }
                        )
                    })
                    .map(|(_, l)| l.kind.clone())
                    .or_else(|| {
                        let id = self.transparent_relay(sock.ns)?;
                        Some(self.apps.socks[id.index()].kind.clone())
                    });
                let Some(SockKind::TcpListen {
                    relay_to: Some(to), ..
                }) = listener
                else {
                    return;
                };
                // A transparent relay connects to where the connection was going.
                let to = if to.0.is_unspecified() {
                    sock.local
                } else {
                    to
                };
                let back = self.tcp_connect(
                    sock.ns,
                    sock.process,
                    to,
                    None,
                    Role::RelayBack { front: s },
                );
                if let Some(Role::RelayFront { back: b }) = self.conn_mut(s).map(|c| &mut c.role) {
                    *b = back;
                }
            }
            Role::RelayBack { .. } => {
                let (pending, fin) = self
                    .conn(s)
                    .map_or((0, false), |c| (c.pending, c.pending_fin));
                if let Some(c) = self.conn_mut(s) {
                    c.pending = 0;
                }
                if pending > 0 {
                    self.schedule_in(APP_DELAY, AppEvent::Write(s, pending));
                }
                if fin {
                    self.schedule_in(APP_DELAY + APP_DELAY, AppEvent::Close(s));
                }
            }
            Role::Server { .. } => {}
        }
    }

    /// ACK processing, data and FIN for an open connection.
    fn tcp_data(&mut self, s: SocketId, seg: TcpSegment) {
        let Some(c) = self.conn(s).cloned() else {
            return;
        };
        let our_fin_acked = seg.flags.has(TcpFlags::ACK) && seg.ack == c.snd_nxt;
        match c.state {
            TcpState::FinWait1 if our_fin_acked => self.set_state(s, TcpState::FinWait2),
            TcpState::LastAck if our_fin_acked => {
                self.set_state(s, TcpState::Closed);
                self.sock_event(s, "connection closed".into());
                return;
            }
            _ => {}
        }
        if seg.payload_len > 0 {
            if let Some(c) = self.conn_mut(s) {
                c.rcv_nxt = c.rcv_nxt.wrapping_add(seg.payload_len);
            }
            // Early in a connection Linux is in quickack mode: data is acknowledged at once.
            if !seg.flags.has(TcpFlags::FIN) {
                self.tcp_send(s, TcpFlags::ACK, 0);
            }
            self.sock_event(s, SockText::Read(seg.payload_len));
            self.on_data(s, c.role.clone(), seg.payload_len);
        }
        if seg.flags.has(TcpFlags::FIN) {
            if let Some(c) = self.conn_mut(s) {
                c.rcv_nxt = c.rcv_nxt.wrapping_add(1);
            }
            let state = self.conn(s).map(|c| c.state);
            match state {
                Some(TcpState::Established) => {
                    // tcp_fin() enters pingpong mode: the ACK waits (delayed ACK) so it can
                    // ride on the process's answer or FIN.
                    self.set_state(s, TcpState::CloseWait);
                    self.schedule_kernel_timer(DELAYED_ACK, AppEvent::DelayedAck(s));
                    self.sock_event(s, "peer closed (EOF)".into());
                    self.on_peer_closed(s, c.role, true);
                }
                Some(TcpState::FinWait1 | TcpState::FinWait2) => {
                    // The ACK that ends in TIME_WAIT keeps the window from before the FIN
                    // (seen in the lab: `ack 302, win 63940` after 300 bytes and a FIN).
                    if let Some(c) = self.conn_mut(s) {
                        c.rcv_wup = c.rcv_wup.wrapping_add(1);
                    }
                    self.tcp_send(s, TcpFlags::ACK, 0);
                    self.set_state(s, TcpState::TimeWait);
                    self.sock_event(s, "connection closed (TIME_WAIT)".into());
                    self.on_peer_closed(s, c.role, false);
                }
                _ => {}
            }
        }
    }

    fn on_data(&mut self, s: SocketId, role: Role, n: u32) {
        match role {
            Role::Server {
                reply,
                answered: false,
            } if reply > 0 => {
                // Answer the request once, then exit (closing the connection).
                if let Some(Role::Server { answered, .. }) = self.conn_mut(s).map(|c| &mut c.role) {
                    *answered = true;
                }
                self.schedule_in(THINK_DELAY, AppEvent::Write(s, reply));
                self.schedule_in(THINK_DELAY + EXIT_DELAY, AppEvent::Close(s));
            }
            Role::RelayFront { back: Some(b) } => self.relay_pass(b, n),
            Role::RelayBack { front } => self.relay_pass(front, n),
            Role::Client { .. } | Role::Server { .. } | Role::RelayFront { back: None } => {}
        }
    }

    /// A relay copies bytes to its other end (or keeps them until that end is connected).
    fn relay_pass(&mut self, to: SocketId, n: u32) {
        match self.conn(to).map(|c| c.state) {
            Some(TcpState::Established | TcpState::CloseWait) => {
                self.schedule_in(APP_DELAY, AppEvent::Write(to, n))
            }
            Some(TcpState::SynSent) => {
                if let Some(c) = self.conn_mut(to) {
                    c.pending += n;
                }
            }
            _ => {}
        }
    }

    /// The peer sent FIN. A relay passes the half-close on to its other connection (and
    /// closes this one once both directions are done); other processes close on EOF.
    fn on_peer_closed(&mut self, s: SocketId, role: Role, still_open: bool) {
        let (partner, close_self) = match role {
            Role::RelayFront { back } => (back, false),
            Role::RelayBack { front } => (Some(front), still_open),
            Role::Server { answered: true, .. } => (None, false),
            Role::Client { .. } | Role::Server { .. } => (None, still_open),
        };
        if let Some(p) = partner {
            match self.conn_mut(p) {
                // Still connecting: pass the close on once connected and flushed.
                Some(c) if c.state == TcpState::SynSent => c.pending_fin = true,
                _ => self.schedule_in(APP_DELAY, AppEvent::Close(p)),
            }
        }
        if close_self {
            self.schedule_in(APP_DELAY, AppEvent::Close(s));
        }
    }

    /// The relay's other side failed: reset the client's connection.
    fn tcp_abort(&mut self, s: SocketId) {
        if self.conn(s).is_some_and(|c| c.state != TcpState::Closed) {
            self.tcp_send(s, TcpFlags::RST.with(TcpFlags::ACK), 0);
            self.set_state(s, TcpState::Closed);
            self.sock_event(s, "reset (backend refused)".into());
        }
    }

    fn udp_deliver(&mut self, ns: NsId, skb: &Skb, d: UdpDatagram) {
        /// A datagram's socket text.
        fn received(n: u32, (ip, port): (Ipv4Addr, u16), relayed: bool) -> SockText {
            SockText::Received {
                n,
                from: SocketAddrV4::new(ip, port),
                relayed,
            }
        }

        let local = (skb.ip.dst, d.dport);
        let remote = (skb.ip.src, d.sport);
        let n = d.payload_len();
        if let Some(s) = self.find_conn(ns, local, remote, false) {
            match (&self.apps.socks[s.index()].kind, &d.payload) {
                (SockKind::DnsClient { .. }, UdpPayload::Dns(m)) if m.is_response => {
                    self.dns_answer(s, (**m).clone())
                }
                (SockKind::DnsForward { .. }, UdpPayload::Dns(m)) if m.is_response => {
                    self.dns_forwarded_answer(s, (**m).clone())
                }
                (SockKind::UdpRelayBack { .. }, payload) => {
                    self.sock_event(s, received(n, remote, true));
                    self.udp_relay_out(s, payload.clone())
                }
                _ => self.sock_event(s, received(n, remote, false)),
            }
            return;
        }
        match self.find_listener(ns, local.0, local.1, false) {
            Some(l) if matches!(self.apps.socks[l.index()].kind, SockKind::DnsServer { .. }) => {
                if let UdpPayload::Dns(q) = &d.payload {
                    self.dns_serve(l, q, remote, local.0);
                }
            }
            Some(l) if matches!(self.apps.socks[l.index()].kind, SockKind::UdpRelay { .. }) => {
                if let SockKind::UdpRelay { to } = self.apps.socks[l.index()].kind {
                    self.udp_relay_in(l, to, remote, local.0, d.payload.clone());
                }
            }
            Some(l) => {
                self.sock_event(l, received(n, remote, false));
                if let SockKind::UdpListen { reply } = self.apps.socks[l.index()].kind
                    && reply > 0
                {
                    let ev = AppEvent::UdpReply {
                        sock: l,
                        to: remote,
                        from: local.0,
                        n: reply,
                    };
                    self.schedule_in(APP_DELAY, ev);
                }
            }
            None => {
                let reason = format!(
                    "no socket on udp {}:{} -> ICMP port unreachable",
                    local.0, local.1
                );
                self.drop_pkt(ns, skb.pkt, reason);
                self.icmp_dest_unreachable(ns, skb, IcmpMessage::PORT_UNREACHABLE);
            }
        }
    }

    fn icmp_deliver(&mut self, ns: NsId, skb: &Skb, m: IcmpMessage) {
        match m {
            IcmpMessage::EchoRequest {
                id,
                seq,
                payload_len,
            } => self.icmp_echo_reply(ns, skb, id, seq, payload_len),
            IcmpMessage::EchoReply {
                id,
                seq,
                payload_len,
            } => {
                let found = self
                    .apps
                    .on_port(ns, id)
                    .find(|(_, s)| matches!(s.kind, SockKind::Ping { .. }))
                    .map(|(i, _)| i);
                if let Some(s) = found {
                    let what = format!(
                        "{} bytes from {}: icmp_seq={seq} ttl={}",
                        payload_len + 8,
                        skb.ip.src,
                        skb.ip.ttl
                    );
                    self.sock_event(s, what.into());
                }
            }
            IcmpMessage::DestUnreachable { code, original }
            | IcmpMessage::TimeExceeded { code, original } => {
                let what = icmp_error_text(&skb.ip, code);
                let local = (original.src, original.ports().map_or(0, |p| p.0));
                let remote = (original.dst, original.ports().map_or(0, |p| p.1));
                let port = match &original.l4 {
                    L4::Icmp(i) => i.echo_id().unwrap_or(0),
                    _ => local.1,
                };
                let by_flow = self
                    .apps
                    .on_port(ns, port)
                    .find(|(_, s)| match &original.l4 {
                        L4::Icmp(_) => matches!(s.kind, SockKind::Ping { .. }),
                        _ => s.local == local && s.remote == Some(remote),
                    });
                if let Some((s, _)) = by_flow {
                    self.sock_event(s, what.into());
                    // tcp_v4_err: an ICMP error while connecting (unreachable, TTL exceeded)
                    // aborts the connect with ECONNREFUSED, EHOSTUNREACH, ...
                    if self.conn(s).is_some_and(|c| c.state == TcpState::SynSent) {
                        self.set_state(s, TcpState::Closed);
                        self.sock_event(s, "connect failed: aborted by the ICMP error".into());
                    }
                }
            }
        }
    }
}

fn udp_packet(from: (Ipv4Addr, u16), to: (Ipv4Addr, u16), payload: UdpPayload) -> Ipv4Packet {
    Ipv4Packet {
        src: from.0,
        dst: to.0,
        ttl: 64,
        ident: 0,
        dont_frag: true,
        l4: L4::Udp(UdpDatagram {
            sport: from.1,
            dport: to.1,
            payload,
        }),
    }
}

/// How `ping` and socket errors word an ICMP error.
fn icmp_error_text(outer: &Ipv4Packet, code: u8) -> String {
    let kind = match &outer.l4 {
        L4::Icmp(IcmpMessage::TimeExceeded { .. }) => "Time to live exceeded".to_string(),
        _ => match code {
            0 => "Destination Net Unreachable".into(),
            1 => "Destination Host Unreachable".into(),
            3 => "Destination Port Unreachable (Connection refused)".into(),
            9 | 10 | 13 => "Communication administratively prohibited".into(),
            c => format!("Destination Unreachable (code {c})"),
        },
    };
    format!("From {}: {kind}", outer.src)
}

impl Proto {
    pub fn is_tcp(self) -> bool {
        self == Proto::Tcp
    }
}

impl<E: From<AppEvent> + From<KernelEvent>> Procs<'_, E> {
    /// Send an A query for `name` to the namespace's nameserver on behalf of flow `flow`.
    fn dns_lookup(&mut self, flow: usize, ns: NsId, name: String) {
        let Some(server) = self.net.ns(ns).nameserver else {
            let what = format!("could not resolve host {name}: no nameserver and no hosts entry");
            let ev = TraceEvent::Socket {
                ns: self.ns_name(ns),
                process: self.apps.process_of(flow),
                what: what.into(),
            };
            self.emit(None, ev);
            return;
        };
        let Some(src) = self.select_source(ns, server) else {
            let what = format!("could not resolve host {name}: no route to nameserver {server}");
            let ev = TraceEvent::Socket {
                ns: self.ns_name(ns),
                process: self.apps.process_of(flow),
                what: what.into(),
            };
            self.emit(None, ev);
            return;
        };
        let port = self.ephemeral_port(ns);
        let id = self.random_u32() as u16;
        let kind = SockKind::DnsClient {
            flow,
            name: name.clone(),
            id,
            attempts: 1,
            done: false,
        };
        let process = self.apps.process_of(flow);
        let s = self.apps.add(Sock {
            ns,
            process,
            local: (src, port),
            remote: Some((server, 53)),
            kind,
        });
        self.sock_event(s, format!("resolve {name}: query A? to {server}:53").into());
        self.dns_query(s);
    }

    fn dns_query(&mut self, s: SocketId) {
        let sock = self.apps.socks[s.index()].clone();
        let (SockKind::DnsClient { name, id, .. }, Some(remote)) = (&sock.kind, sock.remote) else {
            return;
        };
        let q = DnsMessage {
            id: *id,
            is_response: false,
            name: name.clone(),
            answers: Vec::new(),
            nxdomain: false,
        };
        let attempt = match sock.kind {
            SockKind::DnsClient { attempts, .. } => attempts,
            _ => 1,
        };
        self.udp_send(sock.ns, sock.local, remote, UdpPayload::Dns(Box::new(q)));
        self.schedule_in(DNS_TIMEOUT, AppEvent::DnsTimeout(s, attempt));
    }

    fn dns_timeout(&mut self, s: SocketId, attempt: u32) {
        let SockKind::DnsClient {
            done: false,
            attempts,
            name,
            ..
        } = &mut self.apps.socks[s.index()].kind
        else {
            return;
        };
        if *attempts != attempt {
            return;
        }
        if *attempts >= DNS_ATTEMPTS {
            let what =
                format!("could not resolve host {name}: no answer from the nameserver (timed out)");
            if let SockKind::DnsClient { done, .. } = &mut self.apps.socks[s.index()].kind {
                *done = true;
            }
            self.sock_event(s, what.into());
            return;
        }
        *attempts += 1;
        self.dns_query(s);
    }

    /// The answer to our query: start the waiting flow at the address, or report NXDOMAIN.
    fn dns_answer(&mut self, s: SocketId, m: DnsMessage) {
        let SockKind::DnsClient {
            flow,
            name,
            id,
            done: false,
            ..
        } = self.apps.socks[s.index()].kind.clone()
        else {
            return;
        };
        if m.id != id {
            return;
        }
        if let SockKind::DnsClient { done, .. } = &mut self.apps.socks[s.index()].kind {
            *done = true;
        }
        let Some(&ip) = m.answers.first() else {
            self.sock_event(s, format!("could not resolve host {name}: NXDOMAIN").into());
            return;
        };
        self.sock_event(s, format!("resolved {name} -> {ip}").into());
        let Some(f) = self.apps.flows.get_mut(flow) else {
            return;
        };
        let (_, target) = f.ns_and_target();
        if let Target::Name(_, port) = *target {
            *target = Target::Addr(ip, port);
        }
        self.start_flow(flow);
    }

    /// A DNS server answers from its records (NXDOMAIN for unknown names).
    fn dns_serve(&mut self, server: SocketId, q: &DnsMessage, to: (Ipv4Addr, u16), from: Ipv4Addr) {
        if q.is_response {
            return;
        }
        let SockKind::DnsServer { records, upstream } = &self.apps.socks[server.index()].kind
        else {
            return;
        };
        let key = q.name.trim_end_matches('.').to_ascii_lowercase();
        let mut answers: Vec<Ipv4Addr> = records.get(&key).cloned().unwrap_or_default();
        let upstream = *upstream;
        // libnetwork's resolver shuffles the addresses of a name with several (shuffleAddr).
        for i in (1..answers.len()).rev() {
            let j = self.random_u32() as usize % (i + 1);
            answers.swap(i, j);
        }
        if let (true, Some(up)) = (answers.is_empty(), upstream) {
            self.dns_forward(server, q, to, from, up);
            return;
        }
        let answer = DnsMessage {
            id: q.id,
            is_response: true,
            name: q.name.clone(),
            nxdomain: answers.is_empty(),
            answers,
        };
        let what = match answer.answers.first() {
            Some(ip) => format!("query A? {key} from {}:{}: answer {ip}", to.0, to.1),
            None => format!("query A? {key} from {}:{}: NXDOMAIN", to.0, to.1),
        };
        self.sock_event(server, what.into());
        self.schedule_in(
            APP_DELAY,
            AppEvent::DnsReply {
                sock: server,
                to,
                from,
                answer: Box::new(answer),
            },
        );
    }

    /// Forward a query the server cannot answer, from the server's own namespace.
    fn dns_forward(
        &mut self,
        server: SocketId,
        q: &DnsMessage,
        client: (Ipv4Addr, u16),
        answer_from: Ipv4Addr,
        up: Ipv4Addr,
    ) {
        let ns = self.apps.socks[server.index()].ns;
        let Some(src) = self.select_source(ns, up) else {
            self.sock_event(
                server,
                format!("cannot forward A? {} to {up}: no route", q.name).into(),
            );
            return;
        };
        let port = self.ephemeral_port(ns);
        let id = self.random_u32() as u16;
        let process = self.apps.socks[server.index()].process;
        let kind = SockKind::DnsForward {
            server,
            client,
            answer_from,
            client_id: q.id,
            id,
        };
        let s = self.apps.add(Sock {
            ns,
            process,
            local: (src, port),
            remote: Some((up, 53)),
            kind,
        });
        self.sock_event(
            s,
            format!(
                "query A? {} from {}:{}: not ours, forwarded to {up}:53",
                q.name, client.0, client.1
            )
            .into(),
        );
        let fwd = DnsMessage {
            id,
            is_response: false,
            name: q.name.clone(),
            answers: Vec::new(),
            nxdomain: false,
        };
        self.udp_send(ns, (src, port), (up, 53), UdpPayload::Dns(Box::new(fwd)));
    }

    /// The upstream answered a forwarded query: pass the answer back to the client.
    fn dns_forwarded_answer(&mut self, s: SocketId, m: DnsMessage) {
        let SockKind::DnsForward {
            server,
            client,
            answer_from,
            client_id,
            id,
        } = self.apps.socks[s.index()].kind.clone()
        else {
            return;
        };
        if m.id != id {
            return;
        }
        let answer = DnsMessage { id: client_id, ..m };
        self.schedule_in(
            APP_DELAY,
            AppEvent::DnsReply {
                sock: server,
                to: client,
                from: answer_from,
                answer: Box::new(answer),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SYN send times (s) and the give-up time for `retries` and `linear`, timer by timer
    /// as the kernel decides: retransmit while the budget is not used up.
    fn schedule(retries: u32, linear: u32) -> (Vec<u64>, u64) {
        let budget = syn_give_up(retries).as_nanos() / 1_000_000_000;
        let (mut t, mut sent) = (0, vec![0]);
        for n in 1.. {
            t += syn_rto(n, linear).as_nanos() / 1_000_000_000;
            if t >= budget {
                return (sent, t);
            }
            sent.push(t);
        }
        unreachable!()
    }

    #[test]
    fn syn_retransmissions_follow_linux_6_timing() {
        // Captured with the defaults: SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s, giving
        // up at 131 s.
        assert_eq!(
            schedule(6, 4),
            (vec![0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67], 131)
        );
        // Captured with the sysctls changed (socat's "Connection timed out" at the end).
        assert_eq!(schedule(2, 0), (vec![0, 1, 3], 7));
        assert_eq!(schedule(2, 1), (vec![0, 1, 2, 4], 8));
        assert_eq!(schedule(1, 4), (vec![0, 1, 2], 3));
    }
}
