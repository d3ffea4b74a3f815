//! Packets the kernel itself sends: ICMP errors, echo replies, REJECT answers.

use super::Skb;
use super::{Kernel, KernelEvent};
use crate::ids::NsId;
use crate::netfilter::RejectWith;
use crate::trace::TraceEvent;
use crate::wire::{IcmpMessage, Ipv4Packet, L4, TcpFlags, TcpSegment};
use std::net::Ipv4Addr;

impl<E: From<KernelEvent>> Kernel<'_, E> {
    /// Destination unreachable back to the sender of `skb` (never about an ICMP error, a
    /// broadcast, or a packet from nowhere).
    pub(crate) fn icmp_dest_unreachable(&mut self, ns: NsId, skb: &Skb, code: u8) {
        let msg = IcmpMessage::DestUnreachable {
            code,
            original: Box::new(skb.ip.clone()),
        };
        self.send_icmp_error(ns, skb, msg);
    }

    pub(crate) fn icmp_time_exceeded(&mut self, ns: NsId, skb: &Skb) {
        let msg = IcmpMessage::TimeExceeded {
            code: 0,
            original: Box::new(skb.ip.clone()),
        };
        self.send_icmp_error(ns, skb, msg);
    }

    fn send_icmp_error(&mut self, ns: NsId, skb: &Skb, msg: IcmpMessage) {
        let about = &skb.ip;
        let to_group = matches!(
            self.net.addr_type(ns, about.dst),
            crate::netfilter::AddrType::Broadcast | crate::netfilter::AddrType::Multicast
        );
        if matches!(&about.l4, L4::Icmp(m) if m.is_error())
            || about.src.is_unspecified()
            || to_group
        {
            return;
        }
        // icmp_send: the address the offender was sent to when it is ours, else the address
        // routing picks towards the sender (icmp_errors_use_inbound_ifaddr=0).
        let src = if self.net.is_local(ns, about.dst) {
            Some(about.dst)
        } else {
            self.select_source(ns, about.src)
        };
        let Some(src) = src else {
            return;
        };
        let ip = Ipv4Packet {
            src,
            dst: about.src,
            ttl: 64,
            ident: self.next_ip_id(ns),
            dont_frag: false,
            l4: L4::Icmp(msg),
        };
        let pkt = self.new_packet_id();
        self.ip_local_out(ns, ip, pkt);
    }

    /// What a REJECT target sends back.
    pub(crate) fn send_reject(&mut self, ns: NsId, skb: &Skb, with: RejectWith) {
        let code = match with {
            RejectWith::TcpReset => {
                if let L4::Tcp(t) = &skb.ip.l4 {
                    let (src, dst) = (skb.ip.dst, skb.ip.src);
                    self.send_rst(ns, src, dst, t);
                }
                return;
            }
            RejectWith::IcmpNetUnreachable => 0,
            RejectWith::IcmpHostUnreachable => 1,
            RejectWith::IcmpProtoUnreachable => 2,
            RejectWith::IcmpPortUnreachable => 3,
            RejectWith::IcmpNetProhibited => 9,
            RejectWith::IcmpHostProhibited => 10,
            RejectWith::IcmpAdminProhibited => 13,
        };
        self.icmp_dest_unreachable(ns, skb, code);
    }

    /// An RST answering segment `t` (tcp_v4_send_reset): RST with seq=ack when the segment
    /// had ACK, else RST|ACK acknowledging it. The source is the address it was sent to.
    pub(crate) fn send_rst(&mut self, ns: NsId, src: Ipv4Addr, dst: Ipv4Addr, t: &TcpSegment) {
        if t.flags.has(TcpFlags::RST) {
            return;
        }
        let seg_len = t.payload_len
            + u32::from(t.flags.has(TcpFlags::SYN))
            + u32::from(t.flags.has(TcpFlags::FIN));
        let (seq, ack, flags) = if t.flags.has(TcpFlags::ACK) {
            (t.ack, 0, TcpFlags::RST)
        } else {
            (
                0,
                t.seq.wrapping_add(seg_len),
                TcpFlags::RST.with(TcpFlags::ACK),
            )
        };
        let rst = TcpSegment {
            sport: t.dport,
            dport: t.sport,
            seq,
            ack,
            flags,
            window: 0,
            payload_len: 0,
            // `tcp_v4_send_reset` writes no options (no socket, no timestamps).
            options: Default::default(),
        };
        let ip = Ipv4Packet {
            src,
            dst,
            ttl: 64,
            ident: 0,
            dont_frag: true,
            l4: L4::Tcp(rst),
        };
        let pkt = self.new_packet_id();
        self.ip_local_out(ns, ip, pkt);
    }

    /// The kernel answers echo requests to any local address.
    pub(crate) fn icmp_echo_reply(
        &mut self,
        ns: NsId,
        skb: &Skb,
        id: u16,
        seq: u16,
        payload_len: u32,
    ) {
        let ip = Ipv4Packet {
            src: skb.ip.dst,
            dst: skb.ip.src,
            ttl: 64,
            ident: self.next_ip_id(ns),
            dont_frag: false,
            l4: L4::Icmp(IcmpMessage::EchoReply {
                id,
                seq,
                payload_len,
            }),
        };
        let pkt = self.new_packet_id();
        self.ip_local_out(ns, ip, pkt);
    }

    /// A local send failed before leaving (no route): tell the sending process.
    pub(crate) fn local_error(&mut self, ns: NsId, ip: &Ipv4Packet, text: &str) {
        let what = format!("send to {} failed: {text}", ip.dst);
        let ev = TraceEvent::Socket {
            ns: self.ns_name(ns),
            process: "kernel".into(),
            what: what.into(),
        };
        self.emit(None, ev);
    }
}
