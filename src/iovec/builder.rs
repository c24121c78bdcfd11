//! [`IoVecs`]: the next batch of a [`Buffers`] as kernel `iovec`s.

use core::fmt;
use core::mem::MaybeUninit;
use core::ops::Deref;

use super::{Buffers, IOV_MAX};
use crate::sys::IoSlice;

/// Up to `min(N, IOV_MAX)` kernel `iovec`s ([`IoSlice`], checked against
/// `libc::iovec` field by field in the crate's layout tests), built from
/// the front of a [`Buffers`] with no allocation.
///
/// Every entry is non-empty, and together they are a prefix of the
/// remaining bytes, made of whole chunks except the first, which starts
/// where the consumed part of it ends (for chunk types whose `deref` gives
/// the same bytes every time, as [`Buffers`] assumes; nothing relies on it
/// for soundness). `N` is the room reserved (inline,
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
#[derive(Clone)]
pub struct IoVecs<'a, const N: usize> {
    /// `entries[..len]` are initialised. Left uninitialised otherwise:
    /// initialising them would write the whole `N` × 16 bytes on every
    /// `new`, more than a fill of short chunks writes.
    entries: [MaybeUninit<IoSlice<'a>>; N],
    /// The number of entries, at most `CAPACITY`.
    len: usize,
}

impl<'a, const N: usize> IoVecs<'a, N> {
    const NONZERO: () = assert!(N > 0, "IoVecs<N> needs N > 0");

    /// The most entries one [`fill`](Self::fill) makes: `min(N, IOV_MAX)`.
    pub const CAPACITY: usize = if N < IOV_MAX { N } else { IOV_MAX };

    /// No entries (a const, so it can live in a `static`).
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::NONZERO;
        Self { entries: [const { MaybeUninit::uninit() }; N], len: 0 }
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
        self.fill_batch(bufs).bytes
    }

    /// [`fill`](Self::fill), also telling how many chunks of `bufs` the
    /// entries came from (the first one trimmed by what was consumed of it,
    /// the others taken whole), so that a write of the whole batch can
    /// consume them without walking them again.
    pub(super) fn fill_batch<T: Deref<Target = [u8]>>(&mut self, bufs: &Buffers<'a, T>) -> Batch {
        let (chunks, offset) = bufs.parts();
        let Some((first, mut rest)) = chunks.split_first() else {
            self.len = 0;
            return Batch { bytes: 0, walked: 0 };
        };
        let head = first.get(offset..).unwrap_or_default();
        self.entries[0] = MaybeUninit::new(IoSlice::new(head));
        let mut len = usize::from(!head.is_empty());
        let mut bytes = head.len();
        // Segments of up to 128 chunks, no more than there is room for (each
        // chunk makes at most one entry). While the chunks are all
        // non-empty, a segment's lengths are summed and checked in one loop
        // and its entries copied in another, both of which the optimiser
        // vectorises. A segment with an empty chunk is packed instead (its
        // non-empty chunks moved to the front, which leaves room for the
        // next segment), and so are the next ones until one has no empty
        // chunk: a list with many empty chunks is not counted twice.
        let mut packing = false;
        loop {
            let take = (Self::CAPACITY - len).min(rest.len()).min(128);
            if take == 0 {
                break;
            }
            let (segment, tail) = rest.split_at(take);
            rest = tail;
            if !packing {
                let lengths = Lengths::of(segment);
                if !lengths.any_empty {
                    let room = &mut self.entries[len..len + take];
                    for (entry, chunk) in room.iter_mut().zip(segment) {
                        *entry = MaybeUninit::new(IoSlice::new(chunk));
                    }
                    bytes = bytes.saturating_add(lengths.bytes);
                    len += take;
                    continue;
                }
            }
            let (end, packed_bytes) = self.pack(len, segment);
            bytes = bytes.saturating_add(packed_bytes);
            packing = end - len < take;
            len = end;
        }
        let walked = chunks.len() - rest.len();
        self.len = len;
        Batch { bytes, walked }
    }

    /// Writes the entries of the non-empty chunks of `segment` from
    /// `entries[len]` on, where there is room for all of `segment`; returns
    /// where they end, and their bytes (saturating at `usize::MAX`).
    ///
    /// Every entry is written, empty or not (the next one overwrites an
    /// empty one): no branch per chunk. Blocks of four chunks go to a block
    /// of four places, so no index needs a bounds check, and their lengths
    /// are added in pairs: two slices of at most `isize::MAX` bytes cannot
    /// overflow a `usize`, so half as many saturating additions.
    fn pack<T: Deref<Target = [u8]>>(&mut self, mut len: usize, segment: &'a [T]) -> (usize, usize) {
        debug_assert!(len + segment.len() <= Self::CAPACITY);
        let (mut rest, mut bytes) = (segment, 0usize);
        // `len + 4 <= CAPACITY` holds while a block is left; checked, it
        // lets the optimiser drop the bounds checks below.
        while len + 4 <= Self::CAPACITY {
            let Some((block, tail)) = rest.split_first_chunk::<4>() else {
                break;
            };
            rest = tail;
            let block: [&'a [u8]; 4] = [&block[0], &block[1], &block[2], &block[3]];
            let places = &mut self.entries[len..len + 4];
            let mut added = 0;
            for chunk in block {
                places[added] = MaybeUninit::new(IoSlice::new(chunk));
                added += usize::from(!chunk.is_empty());
            }
            len += added;
            let [a, b, c, d] = block.map(<[u8]>::len);
            let quad = (a + b).checked_add(c + d);
            bytes = bytes.saturating_add(quad.unwrap_or(usize::MAX));
        }
        for chunk in rest {
            if len == Self::CAPACITY {
                break; // unreachable: there is room for every chunk
            }
            let chunk: &'a [u8] = chunk;
            self.entries[len] = MaybeUninit::new(IoSlice::new(chunk));
            len += usize::from(!chunk.is_empty());
            bytes = bytes.saturating_add(chunk.len());
        }
        (len, bytes)
    }

    /// The entries, ready for `writev`, `sendmsg` or
    /// [`IoSlice`]-taking APIs.
    #[inline]
    pub fn as_slice(&self) -> &[IoSlice<'a>] {
        let init = self.entries.get(..self.len).unwrap_or_default();
        // SAFETY: `entries[..len]` are initialised (every write of `len`
        // follows the writes of the entries below it), and a
        // `MaybeUninit<T>` has the layout of `T`.
        unsafe { &*(init as *const [MaybeUninit<IoSlice<'a>>] as *const [IoSlice<'a>]) }
    }

    /// The number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// No entries: nothing remained in the last [`fill`](Self::fill).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// [`CAPACITY`](Self::CAPACITY): `min(N, IOV_MAX)`.
    #[inline]
    pub const fn capacity(&self) -> usize {
        Self::CAPACITY
    }

    /// The bytes the entries describe, saturating at `usize::MAX`.
    pub fn byte_len(&self) -> usize {
        self.as_slice().iter().fold(0, |sum, e| sum.saturating_add(e.len()))
    }

    /// Removes every entry.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl<const N: usize> fmt::Debug for IoVecs<'_, N> {
    /// The entries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
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

/// The lengths of at most [`IOV_MAX`] chunks, as [`IoVecs::fill_batch`]
/// needs them.
struct Lengths {
    /// Their sum, saturating at `usize::MAX`.
    bytes: usize,
    /// Whether one of them is 0.
    any_empty: bool,
}

impl Lengths {
    /// One pass with no branch and no saturating addition per chunk, which
    /// the optimiser vectorises: a wrapping `u64` sum, exact when every
    /// length is below `2^53` (1024 of them are then below `2^63`; always
    /// so on 32-bit targets), and two ORs: of the lengths (for that check)
    /// and of the lengths minus 1 (whose top bit is set only by a 0, as no
    /// slice is longer than `isize::MAX`).
    fn of<T: Deref<Target = [u8]>>(chunks: &[T]) -> Self {
        let chunks = chunks.get(..IOV_MAX).unwrap_or(chunks);
        let (mut sum, mut all, mut minus_one) = (0u64, 0u64, 0u64);
        for chunk in chunks {
            let len = chunk.len() as u64;
            sum = sum.wrapping_add(len);
            all |= len;
            minus_one |= len.wrapping_sub(1);
        }
        let any_empty = minus_one >> 63 != 0;
        if all < 1 << 53 {
            return Self { bytes: usize::try_from(sum).unwrap_or(usize::MAX), any_empty };
        }
        // A chunk of 8 PiB or more (listed many times over to overflow).
        let bytes = chunks.iter().fold(0usize, |sum, chunk| sum.saturating_add(chunk.len()));
        Self { bytes, any_empty }
    }
}

/// What [`IoVecs::fill_batch`] took from a [`Buffers`].
pub(super) struct Batch {
    /// The bytes of the entries, saturating at `usize::MAX`.
    pub(super) bytes: usize,
    /// The chunks the entries came from, empty ones included: after a
    /// write of all `bytes`, these are consumed.
    pub(super) walked: usize,
}
