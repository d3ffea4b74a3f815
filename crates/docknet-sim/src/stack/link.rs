//! Frames on links: transmit with the four link timestamps, receive, and bridge forwarding
//! with FDB learning and flooding.
//!
//! Linux bridges run without STP unless told (`stp_state` defaults to 0), so two bridges
//! joined twice pass a flooded frame round the loop for ever, as the kernel does. The model
//! lets it circle, then ends it: each copy of a frame remembers the bridge ports it entered
//! since it left an IP stack, and once a packet's copies have come back to such a port more
//! than [`LOOP_LIMIT`] times, the copy is dropped with a reason naming the loop.

use super::{Kernel, KernelEvent};
use super::{LOOPBACK_DELAY, Prerouted};
use crate::ids::{IfaceId, PacketId, Ports};
use crate::model::IfaceKind;
use crate::time::SimDuration;
use crate::trace::{BridgeAction, Dir, Hop, Interned, LinkHop, TraceEvent};
use crate::wire::{Frame, FramePayload, MacAddr};
use std::sync::Arc;

/// How often a packet's copies may come back to a bridge port they already crossed before the
/// flood is ended (a frame that does not loop never comes back at all).
pub const LOOP_LIMIT: u32 = 16;

/// What one copy of a frame carries besides its bytes: the bridge ports it entered since it
/// left an IP stack (for the loop guard), and its packet's `dst_pending_confirm` bit.
#[derive(Clone, Debug, Default)]
pub(crate) struct Carried {
    pub crossed: Ports,
    pub confirm: bool,
}

impl<E: From<KernelEvent>> Kernel<'_, E> {
    /// Send a frame from the IP stack out of an interface: capture, then across its link (or
    /// into a bridge). `confirm`: the packet's `dst_pending_confirm` bit, which every copy
    /// of the frame carries on.
    ///
    /// From here on the frame is shared, not copied: the queued arrival, every flooded copy
    /// and every capture of it in the trace hold the same allocation until a hook rewrites it.
    pub(crate) fn transmit(&mut self, iface: IfaceId, frame: Frame, pkt: PacketId, confirm: bool) {
        let carried = Carried {
            crossed: Ports::new(),
            confirm,
        };
        self.transmit_crossed(iface, Arc::new(frame), pkt, carried);
    }

    /// [`Kernel::transmit`] for a copy that already entered the bridge ports `carried.crossed`.
    fn transmit_crossed(
        &mut self,
        iface: IfaceId,
        frame: Arc<Frame>,
        pkt: PacketId,
        carried: Carried,
    ) {
        self.capture(iface, Dir::Out, &frame, pkt);
        let i = self.net.iface(iface);
        match i.kind {
            IfaceKind::Loopback => {
                let ev = KernelEvent::Arrive {
                    iface,
                    frame,
                    pkt,
                    carried: Carried {
                        crossed: Ports::new(),
                        confirm: carried.confirm,
                    },
                };
                self.schedule_in(LOOPBACK_DELAY, ev);
            }
            IfaceKind::Bridge(_) => self.bridge_forward(iface, None, frame, pkt, None, carried),
            IfaceKind::Veth | IfaceKind::Nic => self.send_on_link(iface, frame, pkt, carried),
        }
    }

    fn send_on_link(
        &mut self,
        iface: IfaceId,
        frame: Arc<Frame>,
        pkt: PacketId,
        Carried { crossed, confirm }: Carried,
    ) {
        let Some((peer, link)) = self.net.peer(iface) else {
            let reason = format!(
                "{} has no carrier (no cable or veth peer)",
                self.net.iface_label(iface)
            );
            let ns = self.net.iface(iface).ns;
            self.drop_pkt(ns, pkt, reason);
            return;
        };
        let bits = u64::from(frame.wire_len()) * 8;
        let ser = SimDuration(bits * 1_000_000_000 / link.bits_per_sec.max(1));
        let tx_start = self.now().max(self.net.iface(iface).tx_busy_until);
        let tx_end = tx_start + ser;
        self.net.iface_mut(iface).tx_busy_until = tx_end;
        let lat = SimDuration(link.latency_ns);
        let rx_end = tx_end + lat;
        // An interface's link has the same two ends every time: the timing is the key.
        let net = &self.net;
        let hop = self.cx.trace_hops.get(iface, &(ser, lat), |&(ser, lat)| {
            let (from, to) = (net.iface(iface), net.iface(peer));
            Interned::new(&Hop {
                from_ns: from.ns_name,
                from_iface: from.name,
                to_ns: to.ns_name,
                to_iface: to.name,
                ser,
                lat,
            })
        });
        let ev = TraceEvent::Link(LinkHop::interned(hop, tx_start));
        self.emit(Some(pkt), ev);
        self.schedule(
            rx_end,
            KernelEvent::Arrive {
                iface: peer,
                frame,
                pkt,
                carried: Carried { crossed, confirm },
            },
        );
    }

    /// Record what tcpdump on `iface` would see (the trace shares the frame).
    pub(crate) fn capture(&mut self, iface: IfaceId, dir: Dir, frame: &Arc<Frame>, pkt: PacketId) {
        self.capture_owned(iface, dir, frame.clone(), pkt);
    }

    /// [`Kernel::capture`] taking the caller's reference to the frame: no count up for a
    /// clone and none down when the caller's reference drops, two atomic operations that a
    /// run would otherwise do millions of times.
    fn capture_owned(&mut self, iface: IfaceId, dir: Dir, frame: Arc<Frame>, pkt: PacketId) {
        let i = self.net.iface(iface);
        let ev = TraceEvent::Capture {
            ns: i.ns_name,
            iface: i.name,
            dir,
            frame,
        };
        self.emit(Some(pkt), ev);
    }

    /// A frame arrived at an interface: a bridge port hands it to its bridge, anything else
    /// to the namespace's L2 input.
    pub(crate) fn receive(
        &mut self,
        iface: IfaceId,
        frame: Arc<Frame>,
        pkt: PacketId,
        carried: Carried,
    ) {
        // tcpdump on lo shows a looped packet once, on the way out.
        let looped = matches!(self.net.iface(iface).kind, IfaceKind::Loopback);
        if let Some(bridge) = self.net.iface(iface).master {
            if !looped {
                self.capture(iface, Dir::In, &frame, pkt);
            }
            self.bridge_input(bridge, iface, frame, pkt, carried);
            return;
        }
        // The stack takes its own copy of what it reads, so the capture keeps the frame.
        let payload = self.l2_accepts(iface, &frame);
        let dst = frame.dst;
        if !looped {
            self.capture_owned(iface, Dir::In, frame, pkt);
        }
        self.l2_input(iface, dst, payload, pkt, None, carried.confirm);
    }

    /// A copy of the frame's payload if `iface` accepts it: frames for its MAC, broadcast or
    /// multicast (and anything on loopback).
    fn l2_accepts(&self, iface: IfaceId, frame: &Frame) -> Option<FramePayload> {
        let i = self.net.iface(iface);
        let for_us =
            frame.dst == i.mac || frame.dst.is_multicast() || matches!(i.kind, IfaceKind::Loopback);
        for_us.then(|| frame.payload.clone())
    }

    /// Hand an accepted frame's payload (from [`Kernel::l2_accepts`]) up; a frame for another
    /// MAC (`None`) is silently ignored, as the kernel does with PACKET_OTHERHOST. `pre`:
    /// PREROUTING already ran in the bridge.
    fn l2_input(
        &mut self,
        iface: IfaceId,
        dst: MacAddr,
        payload: Option<FramePayload>,
        pkt: PacketId,
        pre: Option<Prerouted>,
        confirm: bool,
    ) {
        let Some(payload) = payload else {
            let i = self.net.iface(iface);
            let reason = format!("frame for {dst} is not for {} ({}): ignored", i.name, i.mac);
            self.drop_pkt(i.ns, pkt, reason);
            return;
        };
        match payload {
            FramePayload::Arp(arp) => self.arp_input(iface, arp, pkt),
            FramePayload::Ipv4(ip) => match pre {
                Some(Prerouted { ct, mark }) => {
                    let mut skb = super::Skb::new(pkt, ip, Some(iface));
                    skb.ct = ct;
                    skb.mark = mark;
                    skb.confirm = confirm;
                    self.ip_rcv_finish(iface, skb);
                }
                None => self.ip_rcv(iface, ip, pkt, confirm),
            },
        }
    }

    fn bridge_input(
        &mut self,
        bridge: IfaceId,
        port: IfaceId,
        mut frame: Arc<Frame>,
        pkt: PacketId,
        mut carried: Carried,
    ) {
        if self.loop_guard(port, pkt, &carried.crossed) {
            return;
        }
        carried.crossed.push(port);
        let now = self.now();
        // The bridge's own MAC and its ports' are permanent local entries: a frame coming
        // back with one as its source (round a loop) does not move them (br_fdb_update).
        let own = self.net.bridge_owns_mac(bridge, frame.src);
        let IfaceKind::Bridge(state) = &mut self.net.iface_mut(bridge).kind else {
            return;
        };
        if !own && state.learn(frame.src, port, now) {
            let ev = TraceEvent::FdbLearn {
                ns: self.net.iface(bridge).ns_name,
                bridge: self.net.iface(bridge).name,
                mac: frame.src,
                port: self.net.iface(port).name,
            };
            self.emit(Some(pkt), ev);
        }
        let Ok(pre) = self.bridge_prerouting(bridge, &mut frame, pkt) else {
            return;
        };
        self.bridge_forward(bridge, Some(port), frame, pkt, pre, carried);
    }

    /// Whether this copy, entering `port`, ends here because its packet circles a loop (its
    /// path since the last time it entered `port` is the loop; the path stays short, as a
    /// packet's copies come back at most [`LOOP_LIMIT`] times in all):
    /// the first copy past [`LOOP_LIMIT`] says which loop and why; later ones only that the
    /// flood was stopped.
    fn loop_guard(&mut self, port: IfaceId, pkt: PacketId, crossed: &[IfaceId]) -> bool {
        let ns = self.net.iface(port).ns;
        if self
            .packets
            .looping
            .get(&pkt)
            .is_some_and(|&n| n > LOOP_LIMIT)
        {
            let reason = format!(
                "bridge loop: another copy of this flooded frame, dropped at {} (its flood \
                 was stopped above)",
                self.net.iface_label(port)
            );
            self.drop_pkt(ns, pkt, reason);
            return true;
        }
        let Some(at) = crossed.iter().rposition(|&p| p == port) else {
            return false;
        };
        let n = self.packets.looping.entry(pkt).or_insert(0);
        *n += 1;
        if *n <= LOOP_LIMIT {
            return false;
        }
        let reason = format!(
            "bridge loop: this frame came back to bridge ports it had already crossed more \
             than {LOOP_LIMIT} times, round the loop {}. No STP runs on these bridges (a \
             Linux bridge's stp_state defaults to 0), so no port is ever blocked and the \
             kernel would flood this frame for ever; the simulator ends the flood here. Fix: \
             remove one of the links that close the loop (STP is not modelled)",
            self.describe_loop(&crossed[at..])
        );
        self.drop_pkt(ns, pkt, reason);
        true
    }

    /// A loop of bridge ports entered one after another, as `ns:bridge (in -> out) -> ...`,
    /// ending where it started.
    fn describe_loop(&self, cycle: &[IfaceId]) -> String {
        let net = &self.net;
        let mut parts: Vec<String> = cycle
            .iter()
            .enumerate()
            .map(|(i, &inp)| {
                let next = cycle[(i + 1) % cycle.len()];
                let out = net
                    .peer(next)
                    .map_or("?".into(), |(p, _)| net.iface(p).name);
                let bridge = net.iface(inp).master.map_or(inp, |b| b);
                format!(
                    "{} ({} -> {})",
                    net.iface_label(bridge),
                    net.iface(inp).name,
                    out
                )
            })
            .collect();
        parts.push(format!("back in by {}", net.iface_label(cycle[0])));
        parts.join(" -> ")
    }

    /// The bridge's forwarding decision for a frame from `in_port` (None: from the bridge's
    /// own IP stack). `pre`: the frame crossed PREROUTING at the bridge's ingress.
    fn bridge_forward(
        &mut self,
        bridge: IfaceId,
        in_port: Option<IfaceId>,
        frame: Arc<Frame>,
        pkt: PacketId,
        mut pre: Option<Prerouted>,
        carried: Carried,
    ) {
        let now = self.now();
        let br = self.net.iface(bridge);
        let IfaceKind::Bridge(state) = &br.kind else {
            return;
        };
        let to_local = in_port.is_some() && (frame.dst == br.mac || frame.dst.is_multicast());
        let known = (!frame.dst.is_multicast())
            .then(|| state.lookup(frame.dst, now))
            .flatten();
        let ports: Ports = match known {
            Some(p) if Some(p) == in_port && !self.net.iface(p).hairpin => Ports::new(),
            Some(p) => smallvec::smallvec![p],
            None if frame.dst == br.mac && in_port.is_some() => Ports::new(),
            None => {
                // Sized once: a flood goes to every port but one.
                let mut all = Ports::with_capacity(state.ports.len());
                all.extend(
                    state
                        .ports
                        .iter()
                        .copied()
                        .filter(|&p| Some(p) != in_port || self.net.iface(p).hairpin),
                );
                all
            }
        };
        let action = if to_local && ports.is_empty() {
            BridgeAction::Local
        } else if known.is_some() && ports.is_empty() {
            BridgeAction::Filtered
        } else if known.is_some() {
            BridgeAction::Forward {
                port: self.net.iface(ports[0]).name,
            }
        } else {
            let net = &self.net;
            let ports = self
                .cx
                .trace_floods
                .get(in_port.unwrap_or(bridge), &ports, |ps| {
                    ps.iter().map(|&p| net.iface(p).name).collect()
                });
            BridgeAction::Flood { ports }
        };
        let in_name = in_port
            .map(|p| self.net.iface(p).name)
            .unwrap_or_else(|| br.name);
        let ev = TraceEvent::Bridge {
            ns: br.ns_name,
            bridge: br.name,
            in_port: in_name,
            action,
        };
        self.emit(Some(pkt), ev);
        // br_netfilter's FORWARD and POSTROUTING act on the copy that is forwarded
        // (`deliver_clone`); the frame passed up keeps its post-PREROUTING form.
        let mut forwarded = (!ports.is_empty()).then(|| frame.clone());
        if let (Some(p), Some(out)) = (&pre, forwarded.as_mut()) {
            match self.bridge_netfilter(bridge, out, pkt, p) {
                Some(ct) => {
                    pre = Some(Prerouted { ct, mark: p.mark });
                }
                None => forwarded = None,
            }
        }
        if let Some(out) = forwarded {
            for p in ports {
                self.transmit_crossed(p, out.clone(), pkt, carried.clone());
            }
        }
        // A capture on the bridge puts it in promiscuous mode, and a promiscuous bridge passes
        // every frame from its ports up (br_handle_frame_finish): tcpdump on docker0 sees the
        // traffic between containers too. The stack ignores the frames not addressed to it.
        if in_port.is_some() {
            self.capture(bridge, Dir::In, &frame, pkt);
        }
        if to_local {
            let payload = self.l2_accepts(bridge, &frame);
            self.l2_input(bridge, frame.dst, payload, pkt, pre, carried.confirm);
        }
    }
}
