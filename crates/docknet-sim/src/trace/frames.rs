//! Captured frames stored once: the captures of a packet that saw its frame unchanged (out of
//! an interface and into the peer, through a bridge and out of its port) share one
//! `Arc<Frame>`.

use crate::ids::PacketId;
use crate::wire::Frame;
use std::sync::Arc;

/// Packets remembered at once: more than a run has in flight at the same moment, usually.
const SLOTS: usize = 256;

/// The last frame captured for each of the recent packets (a direct-mapped cache by packet
/// id: bounded, and a miss only costs a second copy of the frame).
#[derive(Clone, Debug, Default)]
pub(crate) struct FrameShare {
    slots: Vec<Option<(PacketId, Arc<Frame>)>>,
}

impl FrameShare {
    /// `frame` as captured for `pkt`: the same allocation as its last capture if unchanged.
    pub(crate) fn share(&mut self, pkt: PacketId, frame: &Frame) -> Arc<Frame> {
        if self.slots.is_empty() {
            self.slots = vec![None; SLOTS];
        }
        let slot = &mut self.slots[(pkt.get() % SLOTS as u64) as usize];
        if let Some((p, f)) = slot
            && *p == pkt
            && **f == *frame
        {
            return f.clone();
        }
        let f = Arc::new(frame.clone());
        *slot = Some((pkt, f.clone()));
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ArpOp, ArpPacket, FramePayload, MacAddr};

    fn arp(src: u8) -> Frame {
        Frame {
            src: MacAddr([2, 0, 0, 0, 0, src]),
            dst: MacAddr::BROADCAST,
            payload: FramePayload::Arp(ArpPacket {
                op: ArpOp::Request,
                sender_mac: MacAddr([2, 0, 0, 0, 0, src]),
                sender_ip: [10, 0, 0, src].into(),
                target_mac: MacAddr::ZERO,
                target_ip: [10, 0, 0, 9].into(),
            }),
        }
    }

    #[test]
    fn an_unchanged_frame_of_the_same_packet_is_shared() {
        let mut s = FrameShare::default();
        let p = PacketId::new(7).unwrap();
        let a = s.share(p, &arp(1));
        let b = s.share(p, &arp(1));
        assert!(Arc::ptr_eq(&a, &b));
        let c = s.share(p, &arp(2));
        assert!(!Arc::ptr_eq(&a, &c), "a changed frame is a new copy");
        assert_eq!(*c, arp(2));
        let q = PacketId::new(7 + SLOTS as u64).unwrap();
        let d = s.share(q, &arp(2));
        assert!(!Arc::ptr_eq(&c, &d), "another packet never shares");
    }
}
