//! The simulation: the engine ([`crate::engine`]) stepping the kernel ([`crate::stack`]) over
//! the network state ([`crate::model::Net`]) and the processes' sockets ([`crate::apps`]),
//! as smoltcp's `poll(now, device, sockets)` does. Each kernel event runs to its end; the
//! packets it hands up to local sockets are then routed to the processes, which send through
//! the kernel's output entry points.

mod records;

use crate::apps::{AppEvent, Apps, Procs};
use crate::engine::{self, Checkpoint, Engine, Replay, Snapshots};
use crate::ids::PacketId;
use crate::limits::{Halt, Limits};
use crate::model::Net;
use crate::stack::{Delivery, Kernel, KernelEvent, PacketState};
use crate::time::SimTime;
use crate::trace::TraceRecord;
use std::collections::HashSet;

/// Something scheduled to happen at a point in simulated time.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    /// Something for the kernel: a frame arriving, a looped packet, an ARP timer.
    Kernel(KernelEvent),
    /// An application-level event (flow start, timer, wake-up after reading).
    App(AppEvent),
}

// The queue moves events in and out on every step: big, rare parts (a looped packet, a DNS
// message) are boxed, and a frame on a link is shared, to keep them this small.
const _: () = assert!(size_of::<Event>() <= 64);

impl From<KernelEvent> for Event {
    fn from(ev: KernelEvent) -> Event {
        Event::Kernel(ev)
    }
}

impl From<AppEvent> for Event {
    fn from(ev: AppEvent) -> Event {
        Event::App(ev)
    }
}

/// A running simulation.
#[derive(Clone, Debug)]
pub struct Sim {
    pub net: Net,
    pub(crate) apps: Apps,
    /// The kernel's per-packet state that outlives one event (see [`PacketState`]).
    packets: PacketState,
    /// Packets the kernel handed up to local sockets, waiting to be routed to the processes.
    delivered: Vec<Delivery>,
    engine: Engine<Event>,
    snapshots: Snapshots<Sim>,
}

impl Sim {
    /// A simulation over `net` and `apps`, seeded; call [`Sim::seal`] once the initial
    /// events are scheduled.
    pub(crate) fn new(net: Net, apps: Apps, seed: u64) -> Sim {
        Sim {
            net,
            apps,
            packets: PacketState::default(),
            delivered: Vec::new(),
            engine: Engine::new(seed),
            snapshots: Snapshots::default(),
        }
    }

    /// Remember the current state as the start for `rewind_to`.
    pub(crate) fn seal(&mut self) {
        let cp = self.checkpoint();
        self.snapshots.seal(cp);
    }

    pub(crate) fn schedule(&mut self, at: SimTime, event: Event) {
        self.engine.schedule(at, event);
    }

    pub fn now(&self) -> SimTime {
        self.engine.now()
    }

    /// The records held up to the current state: every record emitted so far (since the
    /// last [`Sim::drain_trace`]) unless a budget bounds the window
    /// ([`Sim::set_trace_budget`]), then at most that many, the latest; the first is record
    /// [`Sim::trace_window`]`().start()` of the run.
    pub fn trace(&self) -> &[TraceRecord] {
        self.engine.trace()
    }

    /// [`Sim::trace`] with each record's time (kept once for the records of an event).
    pub fn timed_trace(&self) -> crate::replay::Timed<'_> {
        self.engine.timed_trace()
    }

    /// Take out the records produced since the last drain: the `Sim` keeps none of them, so
    /// a run written out as it goes holds only what one step produces. A drained run cannot
    /// step back: its snapshots are dropped with the records they index, and
    /// [`Sim::rewind_to`] afterwards only moves forward.
    pub fn drain_trace(&mut self) -> crate::replay::Drained<'_> {
        self.snapshots.clear();
        self.engine.drain_trace()
    }

    /// The packets that still exist somewhere: in flight on a link or through `lo`, or
    /// waiting for ARP. A packet not among them is gone for good (ids are never reused).
    pub fn live_packets(&self) -> HashSet<PacketId> {
        let queued = self.engine.queued().filter_map(|e| match e {
            Event::Kernel(k) => k.packet(),
            Event::App(_) => None,
        });
        queued.chain(self.net.waiting_packets()).collect()
    }

    /// How many per-packet entries (looping packets) the run holds: bounded by the packets
    /// in flight, not by the packets sent.
    pub fn packet_state_len(&self) -> usize {
        self.packets.len()
    }

    /// How many queued events have been processed.
    pub fn events_done(&self) -> usize {
        self.engine.events_done()
    }

    /// The run's event budget and simulated-time limit.
    pub fn limits(&self) -> Limits {
        self.engine.limits()
    }

    /// Set the budget (the scenario's `limits`, the CLI's flags), best before the first
    /// step. It is a setting of the run, not state: rewinding keeps it.
    pub fn set_limits(&mut self, limits: Limits) {
        self.engine.set_limits(limits);
    }

    /// Why the run stopped early, if a limit stopped it.
    pub fn halted(&self) -> Option<&Halt> {
        self.engine.halted()
    }

    /// How many snapshots [`Sim::rewind_to`] keeps to step back from (at most
    /// [`crate::replay::MAX_SNAPSHOTS`]).
    pub fn snapshots(&self) -> usize {
        self.snapshots.len()
    }

    /// When the next event is due, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.engine.next_event_time()
    }

    pub fn is_finished(&self) -> bool {
        self.engine.is_finished()
    }

    /// Process one event; returns the trace records it produced (empty when finished).
    /// The event that would pass a limit is not processed: the run stops there, with a
    /// `stopped` record, and the queue is emptied (this counts as the last event).
    pub fn step(&mut self) -> &[TraceRecord] {
        let start = self.engine.trace_len();
        if let Some(event) = self.engine.next_event() {
            self.dispatch(event);
            if self.packets.prune_due() {
                let live = self.live_packets();
                self.packets.prune(&live);
            }
        }
        self.engine.trace_since(start)
    }

    /// Process every event due at or before `t`, then set the clock to `t`.
    pub fn step_until(&mut self, t: SimTime) {
        while self.next_event_time().is_some_and(|at| at <= t) {
            self.step();
        }
        self.engine.advance_to(t);
    }

    /// Run until the queue is empty.
    pub fn run_to_end(&mut self) {
        while !self.engine.is_finished() {
            self.step();
        }
    }

    /// Rebuild the state right after `events` events had been processed: from the latest
    /// snapshot at or before it (when that is behind now, or ahead of now), then by replay,
    /// taking snapshots on the way.
    pub fn rewind_to(&mut self, events: usize) {
        engine::rewind_to(self, events);
    }

    /// The kernel over this simulation's network and engine.
    fn kernel(&mut self) -> Kernel<'_, Event> {
        Kernel {
            net: &mut self.net,
            cx: &mut self.engine,
            packets: &mut self.packets,
            delivered: &mut self.delivered,
        }
    }

    /// The processes over their sockets, the network and the engine.
    fn procs(&mut self) -> Procs<'_, Event> {
        Procs {
            apps: &mut self.apps,
            net: &mut self.net,
            cx: &mut self.engine,
            packets: &mut self.packets,
            delivered: &mut self.delivered,
        }
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Kernel(ev) => self.kernel().handle(ev),
            Event::App(ev) => self.procs().app_event(ev),
        }
        // Local delivery ends the kernel's handling of a packet, so routing the packets
        // handed up after the kernel returns keeps the order of everything that happens.
        while !self.delivered.is_empty() {
            let mut up = std::mem::take(&mut self.delivered);
            for Delivery { ns, skb } in up.drain(..) {
                self.procs().socket_deliver(ns, skb);
            }
            if self.delivered.is_empty() {
                // Keep the buffer for the next packets (most steps deliver one).
                self.delivered = up;
            }
        }
    }
}

impl Replay for Sim {
    fn events_done(&self) -> usize {
        self.engine.events_done()
    }

    fn is_finished(&self) -> bool {
        self.engine.is_finished()
    }

    fn step_once(&mut self) {
        self.step();
    }

    /// This state without its trace or snapshots.
    fn checkpoint(&self) -> Checkpoint<Sim> {
        let state = Sim {
            net: self.net.clone(),
            apps: self.apps.clone(),
            packets: self.packets.clone(),
            delivered: Vec::new(),
            engine: self.engine.snapshot(),
            snapshots: Snapshots::default(),
        };
        Checkpoint {
            state,
            trace_len: self.engine.trace_len(),
            events_done: self.engine.events_done(),
        }
    }

    /// Move to `cp` (back, or forward to a point this simulation reached before), keeping
    /// its snapshots and the records it holds.
    fn restore(&mut self, cp: &Checkpoint<Sim>) {
        self.net = cp.state.net.clone();
        self.apps = cp.state.apps.clone();
        self.packets = cp.state.packets.clone();
        self.engine.restore(&cp.state.engine, cp.trace_len);
    }

    fn snapshots(&mut self) -> &mut Snapshots<Sim> {
        &mut self.snapshots
    }
}

#[cfg(test)]
mod tests {
    //! TCP between two hand-made namespaces: the processes over the kernel, no scenario.

    use super::*;
    use crate::apps::{Flow, Sock, SockKind, Target};
    use crate::format::tcpdump::Tcpdump;
    use crate::stack::testnet::TestNet;

    /// `a` (10.0.0.1) connects to 10.0.0.2:`port` and sends 100 bytes; `b` listens on 80
    /// and answers 10.
    fn connect(port: u16) -> Sim {
        let mut t = TestNet::new();
        let a = t.ns("a", "");
        let b = t.ns("b", "");
        t.veth((a, "eth0", "10.0.0.1/24"), (b, "eth0", "10.0.0.2/24"));
        let mut apps = Apps::default();
        apps.add(Sock {
            ns: b,
            process: "web".into(),
            local: (std::net::Ipv4Addr::UNSPECIFIED, 80),
            remote: None,
            kind: SockKind::TcpListen {
                reply: 10,
                relay_to: None,
            },
        });
        apps.push_flow(Flow::Tcp {
            ns: a,
            to: Target::Addr("10.0.0.2".parse().unwrap(), port),
            sport: None,
            send: 100,
        });
        let mut sim = Sim::new(t.net, apps, 7);
        sim.schedule(SimTime::ZERO, Event::App(AppEvent::FlowStart(0)));
        sim.seal();
        sim.run_to_end();
        sim
    }

    /// The TCP flags `a` sends (`Out`) and receives (`In`), in order, as `>S` / `<S.`.
    fn flags_at_a(sim: &Sim) -> Vec<String> {
        Tcpdump::lines(sim.timed_trace(), None)
            .iter()
            .filter(|l| l.contains(" a:eth0 ") && l.contains("Flags ["))
            .map(|l| {
                let dir = if l.contains(" a:eth0 Out ") { '>' } else { '<' };
                let flags = l.split("Flags [").nth(1).and_then(|f| f.split(']').next());
                format!("{dir}{}", flags.unwrap_or("?"))
            })
            .collect()
    }

    /// Whether a step of the trace, in words, contains `what`.
    fn said(sim: &Sim, what: &str) -> bool {
        sim.trace()
            .iter()
            .any(|r| crate::format::explain::describe(&r.event).is_some_and(|l| l.contains(what)))
    }

    #[test]
    fn the_three_way_handshake_opens_the_connection_before_data_flows() {
        let sim = connect(80);
        let flags = flags_at_a(&sim);
        assert_eq!(flags[..3], [">S", "<S.", ">."], "{flags:?}");
        assert!(
            flags[3..].iter().any(|f| f == ">P."),
            "then data: {flags:?}"
        );
        assert!(said(&sim, "connected"));
        assert!(said(&sim, "b: web: accept connection from 10.0.0.1:"));
        assert!(sim.halted().is_none());
    }

    #[test]
    fn a_syn_to_a_closed_port_is_answered_by_a_reset() {
        let sim = connect(81);
        assert_eq!(flags_at_a(&sim), [">S", "<R."]);
        assert!(said(&sim, "connect: Connection refused (RST)"));
    }
}
