//! A Linux bridge's forwarding database.

use crate::ids::IfaceId;
use crate::time::{SimDuration, SimTime};
use crate::wire::MacAddr;
use std::collections::BTreeMap;

/// Default `ageing_time` of a Linux bridge: 300 s.
pub const FDB_AGEING: SimDuration = SimDuration(300_000_000_000);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdbEntry {
    pub(crate) port: IfaceId,
    pub(crate) updated: SimTime,
}

/// Read access for code outside the core.
impl FdbEntry {
    /// The port the MAC was last seen behind.
    pub fn port(&self) -> IfaceId {
        self.port
    }
}

/// State of one bridge device: its ports and learned MACs.
#[derive(Clone, Debug, Default)]
pub struct BridgeState {
    pub(crate) ports: Vec<IfaceId>,
    /// The ports' MACs (permanent local FDB entries), in the order of `ports`.
    port_macs: Vec<MacAddr>,
    pub(crate) fdb: BTreeMap<MacAddr, FdbEntry>,
}

/// Read access for code outside the core.
impl BridgeState {
    /// The learned MACs (aged entries included until relearned).
    pub fn fdb(&self) -> &BTreeMap<MacAddr, FdbEntry> {
        &self.fdb
    }
}

impl BridgeState {
    /// Enslave `port`, whose MAC is `mac`.
    pub(crate) fn add_port(&mut self, port: IfaceId, mac: MacAddr) {
        self.ports.push(port);
        self.port_macs.push(mac);
    }

    /// Whether `mac` is one of the ports' own.
    pub(crate) fn is_port_mac(&self, mac: MacAddr) -> bool {
        self.port_macs.contains(&mac)
    }

    /// Learn `mac` behind `port`; true when the entry is new or moved.
    pub fn learn(&mut self, mac: MacAddr, port: IfaceId, now: SimTime) -> bool {
        if mac.is_multicast() {
            return false;
        }
        match self.fdb.get_mut(&mac) {
            Some(e) => {
                let moved = e.port != port;
                *e = FdbEntry { port, updated: now };
                moved
            }
            None => {
                self.fdb.insert(mac, FdbEntry { port, updated: now });
                true
            }
        }
    }

    /// The port behind which `mac` was seen, unless the entry has aged out.
    pub fn lookup(&self, mac: MacAddr, now: SimTime) -> Option<IfaceId> {
        self.fdb
            .get(&mac)
            .filter(|e| now - e.updated < FDB_AGEING)
            .map(|e| e.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_moves_and_ages() {
        let mut b = BridgeState::default();
        let m = MacAddr([2, 0, 0, 0, 0, 1]);
        assert!(b.learn(m, IfaceId(1), SimTime(0)));
        assert!(!b.learn(m, IfaceId(1), SimTime(5)));
        assert!(b.learn(m, IfaceId(2), SimTime(6)));
        assert_eq!(b.lookup(m, SimTime(7)), Some(IfaceId(2)));
        assert_eq!(b.lookup(m, SimTime(6) + FDB_AGEING), None);
        assert!(!b.learn(MacAddr::BROADCAST, IfaceId(1), SimTime(0)));
    }

    #[test]
    fn knows_its_ports_macs_in_any_order() {
        let mut b = BridgeState::default();
        let mac = |n| MacAddr([2, 0, 0, 0, 0, n]);
        for (port, n) in [(1, 9), (2, 3), (3, 7), (4, 1)] {
            b.add_port(IfaceId(port), mac(n));
        }
        assert_eq!(b.ports, [IfaceId(1), IfaceId(2), IfaceId(3), IfaceId(4)]);
        assert!([9, 3, 7, 1].into_iter().all(|n| b.is_port_mac(mac(n))));
        assert!(![0, 2, 8, 10].into_iter().any(|n| b.is_port_mac(mac(n))));
    }
}
