//! The context processes act through: their sockets, and the kernel below them, reached
//! only through the entry points here (sending, and what sending needs to know). The
//! kernel's state (`net`, the per-packet state, the delivery queue) is lent to the kernel
//! for each call.

use super::{AppEvent, Apps, tcp_options};
use crate::engine::Engine;
use crate::ids::{NsId, PacketId};
use crate::intern::Name;
use crate::model::Net;
use crate::stack::{Delivery, Kernel, KernelEvent, PacketState, Skb};
use crate::time::{SimDuration, SimTime};
use crate::trace::TraceEvent;
use crate::wire::{Ipv4Packet, TcpSegment};
use std::net::Ipv4Addr;

/// The processes acting on their sockets (`apps`) through the kernel. The kernel calls
/// them only by the packets it hands up ([`Procs::socket_deliver`]); they call it only
/// through the entry points below.
pub(crate) struct Procs<'a, E> {
    pub apps: &'a mut Apps,
    pub net: &'a mut Net,
    pub cx: &'a mut Engine<E>,
    pub packets: &'a mut PacketState,
    pub delivered: &'a mut Vec<Delivery>,
}

impl<E: From<AppEvent> + From<KernelEvent>> Procs<'_, E> {
    /// The kernel under these processes.
    fn kernel(&mut self) -> Kernel<'_, E> {
        Kernel {
            net: self.net,
            cx: self.cx,
            packets: self.packets,
            delivered: self.delivered,
        }
    }

    pub(super) fn now(&self) -> SimTime {
        self.cx.now()
    }

    pub(super) fn schedule_in(&mut self, after: SimDuration, event: AppEvent) {
        self.cx.schedule_in(after, event);
    }

    pub(super) fn schedule_kernel_timer(&mut self, after: SimDuration, event: AppEvent) {
        self.cx.schedule_kernel_timer(after, event);
    }

    pub(super) fn emit(&mut self, pkt: Option<PacketId>, event: TraceEvent) {
        self.cx.emit(pkt, event);
    }

    pub(super) fn new_packet_id(&mut self) -> PacketId {
        self.cx.new_packet_id()
    }

    pub(super) fn random_u32(&mut self) -> u32 {
        self.cx.random_u32()
    }

    pub(super) fn random_range(&mut self, lo: u16, hi: u16) -> u16 {
        self.cx.random_range(lo, hi)
    }

    pub(super) fn ns_name(&self, ns: NsId) -> Name {
        self.net.ns(ns).name
    }

    pub(super) fn drop_pkt(&mut self, ns: NsId, pkt: PacketId, reason: String) {
        self.kernel().drop_pkt(ns, pkt, reason);
    }

    // The kernel's entry points for sockets: sending, and what sending needs to know.

    pub(super) fn ip_local_out(&mut self, ns: NsId, ip: Ipv4Packet, pkt: PacketId) {
        self.kernel().ip_local_out(ns, ip, pkt);
    }

    pub(super) fn ip_local_out_confirming(
        &mut self,
        ns: NsId,
        ip: Ipv4Packet,
        pkt: PacketId,
        confirm_neigh: bool,
    ) {
        self.kernel()
            .ip_local_out_confirming(ns, ip, pkt, confirm_neigh);
    }

    pub(super) fn select_source(&mut self, ns: NsId, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        self.kernel().select_source(ns, dst)
    }

    pub(super) fn next_ip_id(&mut self, ns: NsId) -> u16 {
        self.kernel().next_ip_id(ns)
    }

    /// The MSS a socket towards `dst` advertises: its route's MTU less 40.
    pub(super) fn advmss(&mut self, ns: NsId, dst: Ipv4Addr) -> u16 {
        tcp_options::mss_for_mtu(self.kernel().route_mtu(ns, dst))
    }

    pub(super) fn send_rst(&mut self, ns: NsId, src: Ipv4Addr, dst: Ipv4Addr, t: &TcpSegment) {
        self.kernel().send_rst(ns, src, dst, t);
    }

    pub(super) fn icmp_dest_unreachable(&mut self, ns: NsId, skb: &Skb, code: u8) {
        self.kernel().icmp_dest_unreachable(ns, skb, code);
    }

    pub(super) fn icmp_echo_reply(
        &mut self,
        ns: NsId,
        skb: &Skb,
        id: u16,
        seq: u16,
        payload_len: u32,
    ) {
        self.kernel().icmp_echo_reply(ns, skb, id, seq, payload_len);
    }

    pub(super) fn local_error(&mut self, ns: NsId, ip: &Ipv4Packet, text: &str) {
        self.kernel().local_error(ns, ip, text);
    }
}
