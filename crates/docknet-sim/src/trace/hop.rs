//! A frame crossing a link: the ends and the link's timing interned once, the start inline.

use crate::intern::{Interned, Name, internable};
use crate::time::{SimDuration, SimTime};
use serde::ser::{Serialize, SerializeStruct, Serializer};

/// The two ends of a link and how long a frame of one size takes on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hop {
    pub from_ns: Name,
    pub from_iface: Name,
    pub to_ns: Name,
    pub to_iface: Name,
    /// Serialization time: `tx_end - tx_start`.
    pub ser: SimDuration,
    /// Propagation latency: `rx_start - tx_start`.
    pub lat: SimDuration,
}

internable!(Hop);

/// One crossing: serialized as `from_ns`, `from_iface`, `to_ns`, `to_iface` and the four
/// times `tx_start`, `tx_end`, `rx_start`, `rx_end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkHop {
    hop: Interned<Hop>,
    tx_start: SimTime,
}

impl LinkHop {
    pub fn new(hop: &Hop, tx_start: SimTime) -> Self {
        LinkHop {
            hop: Interned::new(hop),
            tx_start,
        }
    }

    /// A crossing of an already interned hop.
    pub(crate) fn interned(hop: Interned<Hop>, tx_start: SimTime) -> Self {
        LinkHop { hop, tx_start }
    }

    pub fn hop(&self) -> &'static Hop {
        self.hop.get()
    }
    pub fn from_ns(&self) -> Name {
        self.hop().from_ns
    }
    pub fn from_iface(&self) -> Name {
        self.hop().from_iface
    }
    pub fn to_ns(&self) -> Name {
        self.hop().to_ns
    }
    pub fn to_iface(&self) -> Name {
        self.hop().to_iface
    }
    pub fn tx_start(&self) -> SimTime {
        self.tx_start
    }
    pub fn tx_end(&self) -> SimTime {
        self.tx_start + self.hop().ser
    }
    pub fn rx_start(&self) -> SimTime {
        self.tx_start + self.hop().lat
    }
    pub fn rx_end(&self) -> SimTime {
        self.tx_end() + self.hop().lat
    }
}

impl Serialize for LinkHop {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.hop();
        let mut m = s.serialize_struct("Link", 8)?;
        m.serialize_field("from_ns", &h.from_ns)?;
        m.serialize_field("from_iface", &h.from_iface)?;
        m.serialize_field("to_ns", &h.to_ns)?;
        m.serialize_field("to_iface", &h.to_iface)?;
        m.serialize_field("tx_start", &self.tx_start)?;
        m.serialize_field("tx_end", &self.tx_end())?;
        m.serialize_field("rx_start", &self.rx_start())?;
        m.serialize_field("rx_end", &self.rx_end())?;
        m.end()
    }
}
