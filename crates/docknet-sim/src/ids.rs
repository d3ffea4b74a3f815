//! Typed indices into the model's tables. Plain `Copy` handles, never references.

use serde::{Deserialize, Serialize};
use std::num::NonZeroU64;

/// Bridge ports, held inline when there are few (a frame that does not loop enters one or
/// two bridges; a unicast frame leaves by one port), so copying a frame does not allocate.
pub(crate) type Ports = smallvec::SmallVec<[IfaceId; 4]>;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A network namespace (a host, a container, a VM's namespace, an external peer).
    NsId
);
id_type!(
    /// An interface in some namespace.
    IfaceId
);
id_type!(
    /// A user-space socket (listener, client or relay end).
    SocketId
);
id_type!(
    /// A conntrack entry within one namespace's table.
    ConnId
);

/// A packet's identity, stable through NAT and forwarding; replies and ARP get their own.
/// Numbered from 1, so that `Option<PacketId>` takes 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PacketId(pub NonZeroU64);

impl PacketId {
    /// Packet `n` (none for 0).
    pub fn new(n: u64) -> Option<Self> {
        NonZeroU64::new(n).map(PacketId)
    }

    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl std::fmt::Display for PacketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
