//! [`Buffers`]: a chunk list with exact consumption (Go's `net.Buffers`).

use core::fmt;
use core::iter::FusedIterator;
use core::ops::Deref;

use crate::Errno;

/// A list of byte chunks to be written in order, over caller-owned storage,
/// with what was already written consumed from the front.
///
/// `T` is any chunk that dereferences to bytes: `&[u8]`, `Vec<u8>`,
/// [`IoSlice`](crate::sys::IoSlice), `std::io::IoSlice`, …. The storage is
/// only borrowed and never modified: consumption moves a start index and
/// an offset into the first chunk, so the same chunks can be written again
/// with a new `Buffers`.
///
/// [`advance`](Self::advance) has Go's `Buffers.consume` semantics, plus an
/// error where Go would silently stop: it drops fully consumed chunks and
/// trims the first partly consumed one; empty chunks never count and are
/// never handed to the kernel; advancing past the end changes nothing and
/// returns an [`AdvanceError`].
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::iovec::Buffers;
///
/// let chunks: [&[u8]; 4] = [b"", b"foo", b"", b"bar"];
/// let mut bufs = Buffers::new(&chunks);
/// assert_eq!(bufs.remaining(), 6);
///
/// bufs.advance(4)?; // "foo" and the "b" of "bar"
/// assert_eq!(bufs.chunks().collect::<Vec<_>>(), [b"ar"]);
///
/// assert!(bufs.advance(3).is_err()); // only 2 left: nothing changes
/// assert_eq!(bufs.remaining(), 2);
///
/// bufs.advance(2)?;
/// assert!(bufs.is_empty());
/// # }
/// # Ok::<(), bareio::iovec::AdvanceError>(())
/// ```
pub struct Buffers<'s, T> {
    /// The chunks not yet fully consumed. Kept normalised: when not empty,
    /// the first chunk has bytes past `offset` (for any `T` whose `deref`
    /// is a pure function; nothing here relies on it for soundness or to
    /// avoid panics).
    chunks: &'s [T],
    /// Bytes of `chunks[0]` already consumed.
    offset: usize,
}

impl<'s, T: Deref<Target = [u8]>> Buffers<'s, T> {
    /// A chunk list over `chunks`, nothing consumed yet.
    pub fn new(chunks: &'s [T]) -> Self {
        let mut bufs = Self { chunks, offset: 0 };
        bufs.skip_exhausted();
        bufs
    }

    /// Drops leading chunks with nothing left past `offset`.
    fn skip_exhausted(&mut self) {
        while let Some((first, rest)) = self.chunks.split_first() {
            if first.len() > self.offset {
                break;
            }
            self.chunks = rest;
            self.offset = 0;
        }
    }

    /// The chunks not yet fully consumed and the bytes consumed of the
    /// first one: for the batch builder, which walks them in one pass.
    #[cfg(target_os = "linux")]
    #[inline]
    pub(super) fn parts(&self) -> (&'s [T], usize) {
        (self.chunks, self.offset)
    }

    /// Consumes the first `count` chunks whole (the rest of the first one
    /// included), then the empty ones after them: what a write of every
    /// byte of a batch made from those chunks consumes.
    #[cfg(target_os = "linux")]
    #[inline]
    pub(super) fn consume_chunks(&mut self, count: usize) {
        self.chunks = self.chunks.get(count..).unwrap_or_default();
        self.offset = 0;
        self.skip_exhausted();
    }

    /// Whether every byte has been consumed (or there never were any).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.chunks().next().is_none()
    }

    /// The number of bytes left, saturating at `usize::MAX` (reachable on
    /// 32-bit targets, where the same large slice can be listed many times).
    pub fn remaining(&self) -> usize {
        self.chunks().fold(0, |sum, chunk| sum.saturating_add(chunk.len()))
    }

    /// The number of bytes left, or `None` if it does not fit in a `usize`.
    pub fn checked_remaining(&self) -> Option<usize> {
        self.chunks().try_fold(0usize, |sum, chunk| sum.checked_add(chunk.len()))
    }

    /// The remaining non-empty chunks, the first one trimmed by what was
    /// consumed of it.
    #[inline]
    pub fn chunks(&self) -> Chunks<'s, T> {
        Chunks { rest: self.chunks, offset: self.offset }
    }

    /// Consumes the first `n` bytes: fully consumed chunks are dropped, a
    /// partly consumed one is trimmed, and empty chunks in between or
    /// right after are skipped.
    ///
    /// # Errors
    ///
    /// [`AdvanceError`] when fewer than `n` bytes remain; then nothing is
    /// consumed.
    pub fn advance(&mut self, n: usize) -> Result<(), AdvanceError> {
        let mut chunks = self.chunks;
        let mut offset = self.offset;
        let mut left = n;
        while let Some((first, rest)) = chunks.split_first() {
            let here = first.len().saturating_sub(offset);
            if left < here {
                // `offset + left < offset + here == first.len()`: no overflow.
                offset += left;
                left = 0;
                break;
            }
            // With `left == here` this drops the chunk and then skips the
            // empty ones after it: the loop stops at the first chunk with
            // bytes, keeping the list normalised.
            left -= here;
            chunks = rest;
            offset = 0;
        }
        if left > 0 {
            // Every chunk was walked: `n - left` bytes were all there were.
            return Err(AdvanceError { requested: n, remaining: n - left });
        }
        self.chunks = chunks;
        self.offset = offset;
        Ok(())
    }
}

impl<T> Clone for Buffers<'_, T> {
    fn clone(&self) -> Self {
        Self { chunks: self.chunks, offset: self.offset }
    }
}

impl<T: Deref<Target = [u8]>> fmt::Debug for Buffers<'_, T> {
    /// The remaining non-empty chunks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.chunks()).finish()
    }
}

impl<'s, T: Deref<Target = [u8]>> IntoIterator for &Buffers<'s, T> {
    type Item = &'s [u8];
    type IntoIter = Chunks<'s, T>;

    fn into_iter(self) -> Chunks<'s, T> {
        self.chunks()
    }
}

/// The remaining non-empty chunks of a [`Buffers`], from
/// [`Buffers::chunks`].
pub struct Chunks<'s, T> {
    rest: &'s [T],
    /// Bytes of `rest[0]` already consumed.
    offset: usize,
}

impl<'s, T: Deref<Target = [u8]>> Iterator for Chunks<'s, T> {
    type Item = &'s [u8];

    fn next(&mut self) -> Option<&'s [u8]> {
        loop {
            let (first, rest) = self.rest.split_first()?;
            self.rest = rest;
            let offset = core::mem::take(&mut self.offset);
            match first.get(offset..) {
                Some(bytes) if !bytes.is_empty() => return Some(bytes),
                _ => continue,
            }
        }
    }

    /// At most one chunk per chunk not yet dropped, empty ones included:
    /// the upper bound is exactly that count.
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.rest.len()))
    }
}

impl<T: Deref<Target = [u8]>> FusedIterator for Chunks<'_, T> {}

impl<T> Clone for Chunks<'_, T> {
    fn clone(&self) -> Self {
        Self { rest: self.rest, offset: self.offset }
    }
}

impl<T: Deref<Target = [u8]>> fmt::Debug for Chunks<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// [`Buffers::advance`] was asked for more bytes than remain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AdvanceError {
    requested: usize,
    remaining: usize,
}

impl AdvanceError {
    /// The `n` passed to [`advance`](Buffers::advance).
    pub const fn requested(&self) -> usize {
        self.requested
    }

    /// The bytes that remained (and still remain): fewer than requested.
    pub const fn remaining(&self) -> usize {
        self.remaining
    }
}

impl fmt::Display for AdvanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot advance by {} bytes: only {} remain", self.requested, self.remaining)
    }
}

impl core::error::Error for AdvanceError {}

impl From<AdvanceError> for Errno {
    /// `EINVAL`: an argument out of range.
    fn from(_: AdvanceError) -> Self {
        Errno::EINVAL
    }
}
