//! Handles interned lately, remembered per interface: the next record about an interface
//! most often needs one of the last two again (the hop of a data frame and of an ARP frame
//! out of one port, the flood list of a bridge for frames from one port), and finds it by
//! comparing keys instead of hashing the value.

use crate::ids::IfaceId;

/// The last two (key, handle) pairs of each interface, most recent first.
#[derive(Clone, Debug)]
pub(crate) struct IfaceMemo<K, T> {
    last: Vec<[Option<(K, T)>; 2]>,
}

impl<K, T> Default for IfaceMemo<K, T> {
    fn default() -> Self {
        IfaceMemo { last: Vec::new() }
    }
}

impl<K: PartialEq + Clone, T: Copy> IfaceMemo<K, T> {
    /// The handle for `key` at `iface`: remembered, or made by `make` (which interns it).
    pub(crate) fn get(&mut self, iface: IfaceId, key: &K, make: impl FnOnce(&K) -> T) -> T {
        let i = iface.index();
        if i >= self.last.len() {
            self.last.resize_with(i + 1, || [None, None]);
        }
        let slots = &mut self.last[i];
        match slots {
            [Some((k, t)), _] if k == key => *t,
            [_, Some((k, t))] if k == key => {
                let t = *t;
                slots.swap(0, 1);
                t
            }
            _ => {
                let t = make(key);
                slots[1] = slots[0].take();
                slots[0] = Some((key.clone(), t));
                t
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_last_two_keys_per_interface() {
        let mut m: IfaceMemo<u32, u32> = IfaceMemo::default();
        let made = std::cell::Cell::new(0);
        let mut get = |iface: u32, key: u32| {
            m.get(IfaceId(iface), &key, |k| {
                made.set(made.get() + 1);
                k * 10
            })
        };
        assert_eq!(get(3, 1), 10);
        assert_eq!(get(3, 2), 20);
        assert_eq!(get(3, 1), 10);
        assert_eq!(get(3, 2), 20);
        assert_eq!(get(0, 2), 20, "another interface has its own");
        assert_eq!(get(3, 5), 50);
        assert_eq!(get(3, 2), 20, "the second most recent stays");
        assert_eq!(get(3, 1), 10, "the oldest was forgotten");
        assert_eq!(made.get(), 5);
    }
}
