//! [`IoVecs`]: the next batch of a [`Buffers`] as kernel `iovec`s.

use core::ops::Deref;

use super::{Buffers, IOV_MAX};
use crate::sys::IoSlice;

/// Up to `min(N, IOV_MAX)` kernel `iovec`s ([`IoSlice`], checked against
/// `libc::iovec` field by field in the crate's layout tests), built from
/// the front of a [`Buffers`] with no allocation.
///
/// Every entry is non-empty, and together they are a prefix of the
/// remaining bytes, made of whole chunks except the first, which starts
/// where the consumed part of it ends. `N` is the room reserved (inline,
/// `N` × 16 bytes on 64-bit targets); more than [`IOV_MAX`] is allowed but
/// never used, since the kernel rejects longer vectors. `N` must be at
/// least 1 (checked at compile time).
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::iovec::{Buffers, IoVecs};
///
/// let chunks: [&[u8]; 5] = [b"ab", b"", b"cd", b"ef", b"gh"];
/// let mut bufs = Buffers::new(&chunks);
/// bufs.advance(1)?;
///
/// let mut iov = IoVecs::<3>::new();
/// assert_eq!(iov.fill(&bufs), 5); // "b", "cd", "ef": 3 entries, 5 bytes
/// let entries: Vec<&[u8]> = iov.as_slice().iter().map(|e| e.as_slice()).collect();
/// assert_eq!(entries, [&b"b"[..], b"cd", b"ef"]);
/// // `bareio::sys::writev(fd, iov.as_slice())` would write them, and then
/// // `bufs.advance(written)` consumes exactly what it wrote.
/// # }
/// # Ok::<(), bareio::iovec::AdvanceError>(())
/// ```
///
/// No room is a compile-time error:
///
/// ```compile_fail
/// let iov = bareio::iovec::IoVecs::<0>::new(); // "IoVecs<N> needs N > 0"
/// # drop(iov);
/// ```
#[derive(Clone, Debug)]
pub struct IoVecs<'a, const N: usize> {
    entries: heapless::Vec<IoSlice<'a>, N>,
}

impl<'a, const N: usize> IoVecs<'a, N> {
    const NONZERO: () = assert!(N > 0, "IoVecs<N> needs N > 0");

    /// The most entries one [`fill`](Self::fill) makes: `min(N, IOV_MAX)`.
    pub const CAPACITY: usize = if N < IOV_MAX { N } else { IOV_MAX };

    /// No entries (a const, so it can live in a `static`).
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::NONZERO;
        Self { entries: heapless::Vec::new() }
    }

    /// An `IoVecs` filled from `bufs`: see [`fill`](Self::fill).
    pub fn from_buffers<T: Deref<Target = [u8]>>(bufs: &Buffers<'a, T>) -> Self {
        let mut iov = Self::new();
        iov.fill(bufs);
        iov
    }

    /// Replaces the entries with the next remaining non-empty chunks of
    /// `bufs`, at most [`CAPACITY`](Self::CAPACITY) of them; returns the
    /// bytes they describe (saturating at `usize::MAX`). `bufs` is not
    /// changed: [`advance`](Buffers::advance) it by what the I/O took.
    pub fn fill<T: Deref<Target = [u8]>>(&mut self, bufs: &Buffers<'a, T>) -> usize {
        self.entries.clear();
        let mut bytes = 0usize;
        for chunk in bufs.chunks().take(Self::CAPACITY) {
            if self.entries.push(IoSlice::new(chunk)).is_err() {
                break; // unreachable: `CAPACITY <= N`
            }
            bytes = bytes.saturating_add(chunk.len());
        }
        bytes
    }

    /// The entries, ready for `writev`, `sendmsg` or
    /// [`IoSlice`]-taking APIs.
    #[inline]
    pub fn as_slice(&self) -> &[IoSlice<'a>] {
        &self.entries
    }

    /// The number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries: nothing remained in the last [`fill`](Self::fill).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// [`CAPACITY`](Self::CAPACITY): `min(N, IOV_MAX)`.
    #[inline]
    pub const fn capacity(&self) -> usize {
        Self::CAPACITY
    }

    /// The bytes the entries describe, saturating at `usize::MAX`.
    pub fn byte_len(&self) -> usize {
        self.entries.iter().fold(0, |sum, e| sum.saturating_add(e.len()))
    }

    /// Removes every entry.
    #[inline]
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<const N: usize> Default for IoVecs<'_, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, const N: usize> Deref for IoVecs<'a, N> {
    type Target = [IoSlice<'a>];

    #[inline]
    fn deref(&self) -> &[IoSlice<'a>] {
        self.as_slice()
    }
}
