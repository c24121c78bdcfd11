//! Shared by the fuzz targets: chunk lists decoded from the fuzzer's bytes,
//! and the model they are checked against.
//!
//! Every chunk is a sub-slice of one static buffer ([`BACKING`]), in order,
//! so a byte is known by its address: "the remaining chunks are the bytes
//! from position `pos` on" is checked by pointers, never by copying or
//! comparing bytes, and an input allocates no bytes at all.
//!
//! The model is the position `pos` in the concatenation plus the chunk
//! boundaries (prefix sums): from them, the exact state a `Buffers` must be
//! in after consuming `pos` bytes (its first remaining chunk, by address and
//! length, and how many chunks it still holds) is found by a binary search,
//! so the targets check it after every step in O(log chunks). The walk over
//! every remaining chunk ([`Model::assert_all`]) is O(chunks): the targets
//! run it at the end of each input, and where the input asks for it, a few
//! times per input at most (a full walk after each of 64 steps over 2,600
//! chunks is what made these targets a hundred times slower).

#![allow(dead_code)]

use bareio::iovec::Chunks;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use std::ops::Deref;

/// The most chunks and bytes one input describes: enough chunks for two
/// batches of `IOV_MAX` = 1024 with empty ones among them, and no more (a
/// fill costs what its chunks do, and the fuzzer's speed is the point).
pub const MAX_CHUNKS: usize = 1300;
pub const MAX_BYTES: usize = 32 * 1024;

/// The most operations (advances, fills, writes) one input makes.
pub const MAX_OPS: usize = 32;

/// The chunks the operations of one input may walk in all (a fill of `N`
/// walks up to `min(N, 1024)`, a write loop all that remain): three full
/// batches, so that long lists are fuzzed with short sequences and short
/// lists with long ones, at a bounded cost per input.
pub const WORK: usize = 3 * 1024;

/// Full walks ([`Model::assert_all`], full batch checks) an input may ask
/// for, besides the walk at its end.
pub const FULL_CHECKS: u32 = 4;

/// An operation's first byte: its kind, `byte % kinds` (what
/// `int_in_range(0..=kinds - 1)` reads from one byte, so inputs written
/// for that decode the same), and whether it asks for a full check: the
/// top four bits set (one time in 16), within the budget of
/// [`FULL_CHECKS`] (`done` counts them).
pub fn op(u: &mut Unstructured<'_>, kinds: u8, done: &mut u32) -> Result<(u8, bool)> {
    let byte: u8 = u.arbitrary()?;
    let full = byte >= 0xf0 && *done < FULL_CHECKS;
    *done += u32::from(full);
    Ok((byte % kinds, full))
}

/// The storage every chunk is cut from.
pub static BACKING: [u8; MAX_BYTES] = [0; MAX_BYTES];

/// The address of byte `pos` of the concatenation.
pub fn at(pos: usize) -> *const u8 {
    BACKING[pos..].as_ptr()
}

/// Chunk lengths in groups of one shape, so that a few input bytes can
/// describe thousands of chunks (past `IOV_MAX`); many are empty.
pub fn chunk_lengths(u: &mut Unstructured<'_>) -> Result<Vec<usize>> {
    let mut lens = Vec::with_capacity(MAX_CHUNKS);
    let mut bytes = 0usize;
    for _ in 0..u.int_in_range(0..=8u8)? {
        let count: usize = match u.int_in_range(0..=3u8)? {
            0 => u.int_in_range(1..=4)?,
            1 => u.int_in_range(1..=64)?,
            2 => u.int_in_range(1000..=1100)?,
            _ => u.int_in_range(1..=2100)?,
        };
        let max_len: usize = match u.int_in_range(0..=3u8)? {
            0 => 1,
            1 => 4,
            2 => 64,
            _ => 4096,
        };
        let base: u8 = u.arbitrary()?;
        let step: u8 = u.arbitrary()?;
        let empty_mask: u8 = u.arbitrary()?;
        for i in 0..count {
            if lens.len() == MAX_CHUNKS {
                return Ok(lens);
            }
            let len = if (empty_mask >> (i % 8)) & 1 == 1 {
                0
            } else {
                (usize::from(base) + i * usize::from(step)) % (max_len + 1)
            };
            let len = len.min(MAX_BYTES - bytes);
            bytes += len;
            lens.push(len);
        }
    }
    Ok(lens)
}

/// An amount to advance by, of kind `kind` (0 to 7): in range mostly,
/// sometimes exactly all, just past the end, or far past it.
pub fn amount(u: &mut Unstructured<'_>, kind: u8, remaining: usize) -> Result<usize> {
    Ok(match kind {
        0 => 0,
        1 => remaining,
        2 => remaining + 1,
        3 => remaining + 1 + usize::from(u.arbitrary::<u16>()?),
        4 => usize::MAX,
        5 => u.int_in_range(0..=remaining.min(8))?,
        _ => u.int_in_range(0..=remaining)?,
    })
}

/// A chunk list cut from [`BACKING`] and its boundaries.
pub struct Model {
    pub chunks: Vec<&'static [u8]>,
    /// `ends[i]`: where chunk `i` ends in the concatenation.
    ends: Vec<usize>,
    /// `nonempty[i]`: the non-empty chunks among the first `i`.
    nonempty: Vec<usize>,
}

impl Model {
    /// The chunks of `lens` (which sum to at most [`MAX_BYTES`]), in order.
    pub fn new(lens: &[usize]) -> Self {
        let ends: Vec<usize> = lens
            .iter()
            .scan(0, |end, &len| {
                *end += len;
                Some(*end)
            })
            .collect();
        let chunks = lens.iter().zip(&ends).map(|(&len, &end)| &BACKING[end - len..end]).collect();
        let nonempty = std::iter::once(0)
            .chain(lens.iter().scan(0, |count, &len| {
                *count += usize::from(len > 0);
                Some(*count)
            }))
            .collect();
        Self { chunks, ends, nonempty }
    }

    /// The bytes of all chunks.
    pub fn total(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// The index of the first chunk with bytes past `pos`, or the number of
    /// chunks if there is none.
    fn first_at(&self, pos: usize) -> usize {
        self.ends.partition_point(|&end| end <= pos)
    }

    /// The chunks, empty ones included, not yet fully consumed at `pos`.
    pub fn chunks_at(&self, pos: usize) -> usize {
        self.chunks.len() - self.first_at(pos)
    }

    /// The non-empty chunks left at `pos`.
    pub fn nonempty_at(&self, pos: usize) -> usize {
        self.nonempty[self.chunks.len()] - self.nonempty[self.first_at(pos)]
    }

    /// Asserts that `chunks` are the remaining chunks after `pos` bytes were
    /// consumed, in O(log chunks): its first chunk starts at byte `pos` and
    /// ends with the model's chunk, and it holds exactly the model's chunks
    /// from that one on (`size_hint`'s upper bound is the chunks not yet
    /// dropped, see `Chunks`). This is the whole state of a `Buffers`.
    pub fn assert_at<T: Deref<Target = [u8]>>(&self, chunks: Chunks<'_, T>, pos: usize) {
        let first = self.first_at(pos);
        assert_eq!(chunks.size_hint().1, Some(self.chunks.len() - first), "wrong chunks left at byte {pos}");
        match chunks.clone().next() {
            None => assert_eq!(pos, self.total(), "no chunk left at byte {pos}"),
            Some(chunk) => {
                assert_eq!(chunk.as_ptr(), at(pos), "the first chunk does not start at byte {pos}");
                assert_eq!(pos + chunk.len(), self.ends[first], "the first chunk has the wrong end");
            }
        }
    }

    /// Asserts that `chunks` are non-empty and tile the bytes from `pos`
    /// exactly, chunk by chunk: O(chunks).
    pub fn assert_all<'a>(&self, chunks: impl Iterator<Item = &'a [u8]>, pos: usize) {
        let mut at_byte = pos;
        let mut count = 0;
        for chunk in chunks {
            assert!(!chunk.is_empty(), "an empty chunk was yielded");
            assert_eq!(chunk.as_ptr(), at(at_byte), "chunk does not start at byte {at_byte}");
            at_byte += chunk.len();
            count += 1;
        }
        assert_eq!(at_byte, self.total(), "the chunks end at {at_byte}, not at {}", self.total());
        assert_eq!(count, self.nonempty_at(pos), "wrong number of chunks");
    }

    /// Asserts that `entries` are the first `min(cap, non-empty chunks
    /// left)` remaining chunks at `pos`, the first trimmed; returns their
    /// bytes. In O(log chunks): their number, the first and the last entry
    /// by address and length, and where the last one ends. With `full`,
    /// every entry too (O(entries + empty chunks among them)).
    pub fn assert_batch<E: Deref<Target = [u8]>>(
        &self,
        entries: &[E],
        cap: usize,
        pos: usize,
        full: bool,
    ) -> usize {
        let first = self.first_at(pos);
        let count = cap.min(self.nonempty[self.chunks.len()] - self.nonempty[first]);
        assert_eq!(entries.len(), count, "wrong number of entries at byte {pos}");
        let (Some(head), Some(tail)) = (entries.first(), entries.last()) else {
            return 0;
        };
        // The chunk of the last entry: the one that brings the non-empty
        // chunks from `first` on to `count`.
        let last = self.nonempty.partition_point(|&n| n < self.nonempty[first] + count) - 1;
        assert_eq!(head.as_ptr(), at(pos), "the first entry does not start at byte {pos}");
        if count == 1 {
            assert_eq!(pos + head.len(), self.ends[first], "the first entry has the wrong end");
        } else {
            assert_eq!(head.len(), self.ends[first] - pos, "the first entry has the wrong end");
            assert_eq!((tail.as_ptr(), tail.len()), (self.chunks[last].as_ptr(), self.chunks[last].len()));
        }
        if full {
            let mut chunk = first;
            let mut at_byte = pos;
            for entry in entries {
                while self.ends[chunk] == at_byte {
                    chunk += 1; // an empty chunk: never an entry
                }
                assert_eq!(entry.as_ptr(), at(at_byte), "entry does not start at byte {at_byte}");
                assert_eq!(at_byte + entry.len(), self.ends[chunk], "entry is not the rest of chunk {chunk}");
                at_byte = self.ends[chunk];
                chunk += 1;
            }
            assert_eq!(entries.iter().map(|e| e.len()).sum::<usize>(), self.ends[last] - pos);
        }
        self.ends[last] - pos
    }
}
