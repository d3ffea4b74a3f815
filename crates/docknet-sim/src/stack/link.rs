//! Frames on links: transmit with the four link timestamps, receive, and bridge forwarding
//! with FDB learning and flooding.

use super::{LOOPBACK_DELAY, Prerouted};
use crate::engine::{Event, Sim};
use crate::ids::{IfaceId, PacketId};
use crate::model::IfaceKind;
use crate::time::SimDuration;
use crate::trace::{BridgeAction, Dir, TraceEvent};
use crate::wire::{Frame, FramePayload};

impl Sim {
    /// Send a frame out of an interface: capture, then across its link (or into a bridge).
    pub(crate) fn transmit(&mut self, iface: IfaceId, frame: Frame, pkt: PacketId) {
        self.capture(iface, Dir::Out, &frame, pkt);
        let i = self.net.iface(iface);
        match i.kind {
            IfaceKind::Loopback => {
                self.schedule_in(LOOPBACK_DELAY, Event::Arrive { iface, frame, pkt });
            }
            IfaceKind::Bridge(_) => self.bridge_forward(iface, None, frame, pkt, None),
            IfaceKind::Veth | IfaceKind::Nic => self.send_on_link(iface, frame, pkt),
        }
    }

    fn send_on_link(&mut self, iface: IfaceId, frame: Frame, pkt: PacketId) {
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
        let (rx_start, rx_end) = (tx_start + lat, tx_end + lat);
        let (from, to) = (self.net.iface(iface), self.net.iface(peer));
        let ev = TraceEvent::Link {
            from_ns: self.net.ns(from.ns).name.clone(),
            from_iface: from.name.clone(),
            to_ns: self.net.ns(to.ns).name.clone(),
            to_iface: to.name.clone(),
            tx_start,
            tx_end,
            rx_start,
            rx_end,
        };
        self.emit(Some(pkt), ev);
        self.schedule(
            rx_end,
            Event::Arrive {
                iface: peer,
                frame,
                pkt,
            },
        );
    }

    /// Record what tcpdump on `iface` would see.
    pub(crate) fn capture(&mut self, iface: IfaceId, dir: Dir, frame: &Frame, pkt: PacketId) {
        let i = self.net.iface(iface);
        let ev = TraceEvent::Capture {
            ns: self.net.ns(i.ns).name.clone(),
            iface: i.name.clone(),
            dir,
            frame: frame.clone(),
        };
        self.emit(Some(pkt), ev);
    }

    /// A frame arrived at an interface: a bridge port hands it to its bridge, anything else
    /// to the namespace's L2 input.
    pub(crate) fn receive(&mut self, iface: IfaceId, frame: Frame, pkt: PacketId) {
        // tcpdump on lo shows a looped packet once, on the way out.
        if !matches!(self.net.iface(iface).kind, IfaceKind::Loopback) {
            self.capture(iface, Dir::In, &frame, pkt);
        }
        match self.net.iface(iface).master {
            Some(bridge) => self.bridge_input(bridge, iface, frame, pkt),
            None => self.l2_input(iface, frame, pkt, None),
        }
    }

    /// Accept frames for our MAC, broadcast or multicast; others are silently ignored, as
    /// the kernel does with PACKET_OTHERHOST. `pre`: PREROUTING already ran in the bridge.
    fn l2_input(&mut self, iface: IfaceId, frame: Frame, pkt: PacketId, pre: Option<Prerouted>) {
        let i = self.net.iface(iface);
        let for_us =
            frame.dst == i.mac || frame.dst.is_multicast() || matches!(i.kind, IfaceKind::Loopback);
        if !for_us {
            let reason = format!(
                "frame for {} is not for {} ({}): ignored",
                frame.dst, i.name, i.mac
            );
            self.drop_pkt(i.ns, pkt, reason);
            return;
        }
        match frame.payload {
            FramePayload::Arp(arp) => self.arp_input(iface, arp, pkt),
            FramePayload::Ipv4(ip) => match pre {
                Some(Prerouted { ct, mark }) => {
                    let mut skb = super::Skb::new(pkt, ip, Some(iface));
                    skb.ct = ct;
                    skb.mark = mark;
                    self.ip_rcv_finish(iface, skb);
                }
                None => self.ip_rcv(iface, ip, pkt),
            },
        }
    }

    fn bridge_input(&mut self, bridge: IfaceId, port: IfaceId, mut frame: Frame, pkt: PacketId) {
        let now = self.now();
        let IfaceKind::Bridge(state) = &mut self.net.iface_mut(bridge).kind else {
            return;
        };
        if state.learn(frame.src, port, now) {
            let ev = TraceEvent::FdbLearn {
                ns: self.ns_name(self.net.iface(bridge).ns),
                bridge: self.net.iface(bridge).name.clone(),
                mac: frame.src.to_string(),
                port: self.net.iface(port).name.clone(),
            };
            self.emit(Some(pkt), ev);
        }
        let Ok(pre) = self.bridge_prerouting(bridge, &mut frame, pkt) else {
            return;
        };
        self.bridge_forward(bridge, Some(port), frame, pkt, pre);
    }

    /// The bridge's forwarding decision for a frame from `in_port` (None: from the bridge's
    /// own IP stack). `pre`: the frame crossed PREROUTING at the bridge's ingress.
    fn bridge_forward(
        &mut self,
        bridge: IfaceId,
        in_port: Option<IfaceId>,
        frame: Frame,
        pkt: PacketId,
        mut pre: Option<Prerouted>,
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
        let ports: Vec<IfaceId> = match known {
            Some(p) if Some(p) == in_port && !self.net.iface(p).hairpin => Vec::new(),
            Some(p) => vec![p],
            None if frame.dst == br.mac && in_port.is_some() => Vec::new(),
            None => state
                .ports
                .iter()
                .copied()
                .filter(|&p| Some(p) != in_port || self.net.iface(p).hairpin)
                .collect(),
        };
        let action = if to_local && ports.is_empty() {
            BridgeAction::Local
        } else if known.is_some() && ports.is_empty() {
            BridgeAction::Filtered
        } else if known.is_some() {
            BridgeAction::Forward {
                port: self.net.iface(ports[0]).name.clone(),
            }
        } else {
            BridgeAction::Flood {
                ports: ports
                    .iter()
                    .map(|&p| self.net.iface(p).name.clone())
                    .collect(),
            }
        };
        let in_name = in_port
            .map(|p| self.net.iface(p).name.clone())
            .unwrap_or_else(|| br.name.clone());
        let ev = TraceEvent::Bridge {
            ns: self.ns_name(br.ns),
            bridge: br.name.clone(),
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
                self.transmit(p, out.clone(), pkt);
            }
        }
        // A capture on the bridge puts it in promiscuous mode, and a promiscuous bridge passes
        // every frame from its ports up (br_handle_frame_finish): tcpdump on docker0 sees the
        // traffic between containers too. The stack ignores the frames not addressed to it.
        if in_port.is_some() {
            self.capture(bridge, Dir::In, &frame, pkt);
        }
        if to_local {
            self.l2_input(bridge, frame, pkt, pre);
        }
    }
}
