//! How a window's buffers grow: in large steps that the system maps lazily, so held items
//! are never copied and untouched room costs nothing.

/// Bytes a window's buffers grow by at least once they take a few MB (see [`grow`]). A
/// browser commits memory as soon as it is reserved, so there they grow as needed.
#[cfg(not(target_arch = "wasm32"))]
const MAPPED_BYTES: usize = 32 << 20;
#[cfg(target_arch = "wasm32")]
const MAPPED_BYTES: usize = 0;

/// Make room in a full `v` for at least one more item, never past `bound` items: double, and
/// once it takes an eighth of [`MAPPED_BYTES`], grow by at least that much. An allocation that
/// large is mapped from the system (glibc maps any of 32 MiB or more, musl smaller ones), so
/// its pages are provided only as items are written into them, and it grows by remapping:
/// the items already held are never copied. (Below that, glibc may serve the buffer from its
/// heap and copy it at each doubling, touching fresh pages twice.)
#[cold]
pub(super) fn grow<T>(v: &mut Vec<T>, bound: usize) {
    let cap = v.capacity();
    let size = size_of::<T>().max(1);
    let mut more = cap.max(64);
    if MAPPED_BYTES > 0 && cap * size >= MAPPED_BYTES / 8 {
        more = more.max(MAPPED_BYTES / size);
    }
    v.reserve_exact(more.min(bound.saturating_sub(cap)).max(1));
}
