//! Interned values: namespace, interface and chain names, rule texts and the other small
//! vocabularies the trace repeats in every record, each stored once for the whole process and
//! named by a 4-byte `Copy` handle.
//!
//! The tables only grow: a value lives as long as the process (names come from scenarios, so
//! the set stays small). Reading a value takes no lock; interning a new one takes a mutex.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Mutex, OnceLock};

/// Slots per chunk double: chunk `c` holds `FIRST << c` slots, so 27 chunks cover every u32.
const FIRST_BITS: u32 = 6;
const CHUNKS: usize = 27;

/// A value's 4-byte handle. Equal handles are equal values (interning is canonical).
///
/// Stored as bytes (alignment 1) so that records pack their handles without padding.
pub struct Interned<T: ?Sized + 'static>([u8; 4], PhantomData<&'static T>);

/// A name or text: `Interned<str>`. Derefs, prints and serializes as the string.
pub type Name = Interned<str>;

/// One type's table: the values by handle (lock-free reads) and the handles by value.
pub struct Table<T: ?Sized + 'static> {
    chunks: [OnceLock<Box<[OnceLock<&'static T>]>>; CHUNKS],
    ids: Mutex<Option<HashMap<&'static T, u32, FxBuild>>>,
    /// Bytes the values take (for [`crate::trace::footprint`]).
    bytes: Mutex<usize>,
}

impl<T: ?Sized + 'static> Table<T> {
    pub const fn new() -> Self {
        Table {
            chunks: [const { OnceLock::new() }; CHUNKS],
            ids: Mutex::new(None),
            bytes: Mutex::new(0),
        }
    }
}

impl<T: ?Sized + 'static> Default for Table<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// rustc's FxHash: fast on the short keys interned here (which come from scenarios, so
/// hash flooding is no concern).
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// Slots of the per-thread cache of recently interned values.
const RECENT_SLOTS: usize = 512;

/// A value's type and hash, and its handle.
type Recent = Option<((TypeId, u64), u32)>;

thread_local! {
    /// Recently interned values, in slots by hash.
    static RECENT: RefCell<Vec<Recent>> = RefCell::new(vec![None; RECENT_SLOTS]);
}

/// The chunk and offset of handle `id`.
fn place(id: u32) -> (usize, usize) {
    let k = u64::from(id) + (1 << FIRST_BITS);
    let bit = 63 - k.leading_zeros();
    ((bit - FIRST_BITS) as usize, (k - (1 << bit)) as usize)
}

/// A type with a process-wide table of interned values.
pub trait Internable: Eq + Hash + 'static {
    fn table() -> &'static Table<Self>;
    /// A `'static` copy of the value (it is never freed) and the bytes it takes.
    fn leak(&self) -> (&'static Self, usize);
}

impl<T: ?Sized + Internable> Interned<T> {
    /// The handle of `value`, interning it if it is new. A value interned lately on this
    /// thread is found without the table's lock.
    pub fn new(value: &T) -> Self {
        let mut h = FxHasher::default();
        value.hash(&mut h);
        let key = (TypeId::of::<T>(), h.finish());
        let slot = (key.1 >> 55) as usize % RECENT_SLOTS;
        let seen = RECENT.with(|r| match r.borrow()[slot] {
            Some((k, id)) if k == key => Some(Self::of(id)),
            _ => None,
        });
        if let Some(found) = seen.filter(|f| *f.get() == *value) {
            return found;
        }
        let found = Self::intern(value);
        RECENT.with(|r| r.borrow_mut()[slot] = Some((key, found.id())));
        found
    }

    /// [`Interned::new`] through the table.
    fn intern(value: &T) -> Self {
        let table = T::table();
        let mut ids = table.ids.lock().unwrap_or_else(|e| e.into_inner());
        let ids = ids.get_or_insert_with(HashMap::default);
        if let Some(&id) = ids.get(value) {
            return Self::of(id);
        }
        let id = u32::try_from(ids.len()).expect("fewer than 2^32 interned values");
        let (leaked, bytes) = value.leak();
        let (c, off) = place(id);
        let chunk = table.chunks[c].get_or_init(|| {
            (0..(1usize << (c as u32 + FIRST_BITS)))
                .map(|_| OnceLock::new())
                .collect()
        });
        let _ = chunk[off].set(leaked);
        ids.insert(leaked, id);
        *table.bytes.lock().unwrap_or_else(|e| e.into_inner()) += bytes;
        Self::of(id)
    }

    fn of(id: u32) -> Self {
        Interned(id.to_le_bytes(), PhantomData)
    }

    fn id(self) -> u32 {
        u32::from_le_bytes(self.0)
    }

    /// The value.
    pub fn get(self) -> &'static T {
        let (c, off) = place(self.id());
        T::table().chunks[c]
            .get()
            .and_then(|chunk| chunk[off].get())
            .expect("a handle is made only after its value is stored")
    }
}

impl<T: ?Sized + Internable> Table<T> {
    /// Memory the table holds: its values, its slots and its index.
    pub fn heap_bytes(&self) -> usize {
        let slots: usize = self
            .chunks
            .iter()
            .filter_map(OnceLock::get)
            .map(|c| c.len() * size_of::<OnceLock<&'static T>>())
            .sum();
        let index = self
            .ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map_or(0, |m| m.capacity() * (size_of::<(&'static T, u32)>() + 1));
        let values = *self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        slots + index + values
    }
}

impl Internable for str {
    fn table() -> &'static Table<str> {
        static TABLE: Table<str> = Table::new();
        &TABLE
    }
    fn leak(&self) -> (&'static str, usize) {
        (Box::leak(Box::from(self)), self.len())
    }
}

impl Internable for [Name] {
    fn table() -> &'static Table<[Name]> {
        static TABLE: Table<[Name]> = Table::new();
        &TABLE
    }
    fn leak(&self) -> (&'static [Name], usize) {
        (Box::leak(Box::from(self)), size_of_val(self))
    }
}

/// Implements [`Internable`] for a sized `Clone` type, with a table of its own.
macro_rules! internable {
    ($($t:ty),*) => {$(
        impl $crate::intern::Internable for $t {
            fn table() -> &'static $crate::intern::Table<$t> {
                static TABLE: $crate::intern::Table<$t> = $crate::intern::Table::new();
                &TABLE
            }
            fn leak(&self) -> (&'static $t, usize) {
                (Box::leak(Box::new(self.clone())), size_of::<$t>())
            }
        }
    )*};
}
pub(crate) use internable;

impl Interned<[Name]> {
    /// The names joined with `sep`.
    pub fn join(self, sep: &str) -> String {
        let names: Vec<&str> = self.get().iter().map(|n| n.as_str()).collect();
        names.join(sep)
    }
}

/// A list of names, interned as one value.
impl FromIterator<Name> for Interned<[Name]> {
    fn from_iter<I: IntoIterator<Item = Name>>(iter: I) -> Self {
        let names: Vec<Name> = iter.into_iter().collect();
        Interned::new(&names[..])
    }
}

impl<T: ?Sized> Clone for Interned<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for Interned<T> {}

impl<T: ?Sized> PartialEq for Interned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T: ?Sized> Eq for Interned<T> {}

impl<T: ?Sized> Hash for Interned<T> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u32(u32::from_le_bytes(self.0));
    }
}

impl<T: ?Sized + Internable> Deref for Interned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T: ?Sized + Internable + fmt::Debug> fmt::Debug for Interned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl<T: ?Sized + Internable + fmt::Display> fmt::Display for Interned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl<T: ?Sized + Internable + Serialize> Serialize for Interned<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl<T: ?Sized + Internable + Ord> PartialOrd for Interned<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By value (so sorted names sort as their strings do).
impl<T: ?Sized + Internable + Ord> Ord for Interned<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        self.get().cmp(other.get())
    }
}

impl Name {
    pub fn as_str(self) -> &'static str {
        self.get()
    }
}

impl Default for Name {
    fn default() -> Self {
        Name::new("")
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Name::new(&s))
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name::new(s)
    }
}

impl From<String> for Name {
    fn from(s: String) -> Self {
        Name::new(&s)
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Self {
        Name::new(s)
    }
}

impl From<Name> for String {
    fn from(n: Name) -> Self {
        n.as_str().to_string()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.get()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.get() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.get() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.get() == other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.get()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.get()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self == other.get()
    }
}

#[cfg(test)]
mod tests;
