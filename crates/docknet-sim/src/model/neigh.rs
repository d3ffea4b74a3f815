//! The neighbour (ARP) cache of a namespace, as `ip neigh` shows it.

use crate::ids::IfaceId;
use crate::ids::PacketId;
use crate::time::{SimDuration, SimTime};
use crate::trace::NudState;
use crate::wire::{Frame, MacAddr};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// How long a confirmed entry stays REACHABLE before it reads STALE (base_reachable_time).
pub const REACHABLE_TIME: SimDuration = SimDuration(30_000_000_000);
/// Gap between ARP requests for an unresolved neighbour (retrans_time).
pub const RETRANS_TIME: SimDuration = SimDuration(1_000_000_000);
/// Requests sent before an entry becomes FAILED (mcast_solicit).
pub const MAX_PROBES: u32 = 3;
/// `delay_first_probe_time`: how long a used STALE entry waits before it is probed.
pub const DELAY_FIRST_PROBE: SimDuration = SimDuration(5_000_000_000);
/// `ucast_solicit`: unicast probes of a DELAY entry before it becomes FAILED.
pub const UCAST_PROBES: u32 = 3;

#[derive(Clone, Debug)]
pub enum NeighState {
    /// Resolving: frames wait here until the reply comes.
    Incomplete {
        probes: u32,
        /// The frames waiting, with their packet and its `dst_pending_confirm` bit.
        queue: Vec<(Frame, PacketId, bool)>,
    },
    /// Resolved and confirmed (see [`NeighEntry::confirmed`]).
    Reachable {
        mac: MacAddr,
    },
    /// Learned from a request addressed to us: usable but never confirmed.
    Stale {
        mac: MacAddr,
    },
    /// A STALE entry was used: wait `DELAY_FIRST_PROBE` for a confirmation, then probe.
    Delay {
        mac: MacAddr,
    },
    /// Unicast ARP requests to the cached MAC, `probes` sent so far.
    Probe {
        mac: MacAddr,
        probes: u32,
    },
    Failed,
}

#[derive(Clone, Debug)]
pub struct NeighEntry {
    pub(crate) iface: IfaceId,
    pub(crate) state: NeighState,
    /// When the peer last proved itself (`neigh->confirmed`): an ARP reply, or a packet sent
    /// towards it that carries a TCP socket's `dst_pending_confirm`. `None`: never.
    pub(crate) confirmed: Option<SimTime>,
}

/// Read access for code outside the core.
impl NeighEntry {
    /// The interface the neighbour is on.
    pub fn iface(&self) -> IfaceId {
        self.iface
    }
}

impl NeighEntry {
    pub fn mac(&self) -> Option<MacAddr> {
        match self.state {
            NeighState::Reachable { mac, .. }
            | NeighState::Stale { mac }
            | NeighState::Delay { mac }
            | NeighState::Probe { mac, .. } => Some(mac),
            _ => None,
        }
    }

    /// The state word `ip neigh` prints at time `now`.
    pub fn state_name(&self, now: SimTime) -> &'static str {
        self.nud_state(now).name()
    }

    /// The state `ip neigh` shows at `now` (a reachable entry goes stale unconfirmed).
    pub fn nud_state(&self, now: SimTime) -> NudState {
        match &self.state {
            NeighState::Incomplete { .. } => NudState::Incomplete,
            NeighState::Reachable { .. } if self.confirmed_within(now, REACHABLE_TIME) => {
                NudState::Reachable
            }
            NeighState::Reachable { .. } | NeighState::Stale { .. } => NudState::Stale,
            NeighState::Delay { .. } => NudState::Delay,
            NeighState::Probe { .. } => NudState::Probe,
            NeighState::Failed => NudState::Failed,
        }
    }

    /// Whether the entry was confirmed no longer than `window` before `now`.
    pub fn confirmed_within(&self, now: SimTime, window: SimDuration) -> bool {
        self.confirmed.is_some_and(|c| now - c <= window)
    }
}

/// Keyed by (interface, neighbour address), as the kernel's table is.
#[derive(Clone, Debug, Default)]
pub struct NeighTable {
    pub(crate) entries: BTreeMap<(IfaceId, Ipv4Addr), NeighEntry>,
}

impl NeighTable {
    pub fn get(&self, iface: IfaceId, ip: Ipv4Addr) -> Option<&NeighEntry> {
        self.entries.get(&(iface, ip))
    }

    pub fn get_mut(&mut self, iface: IfaceId, ip: Ipv4Addr) -> Option<&mut NeighEntry> {
        self.entries.get_mut(&(iface, ip))
    }
}
