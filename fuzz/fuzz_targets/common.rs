//! Shared by the fuzz targets: chunk lists decoded from the fuzzer's bytes.
//!
//! Every chunk is a sub-slice of one backing buffer (`pattern`), in order,
//! so "the remaining chunks concatenate to the model's bytes" can be checked
//! by pointers: they must tile `backing[pos..]` exactly, in O(chunks).

#![allow(dead_code)]

use libfuzzer_sys::arbitrary::{Result, Unstructured};

/// Bytes that differ from their neighbours.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Chunk lengths in groups of one shape, so that a few input bytes can
/// describe thousands of chunks (past `IOV_MAX`); many are empty.
pub fn chunk_lengths(u: &mut Unstructured<'_>) -> Result<Vec<usize>> {
    const MAX_CHUNKS: usize = 2600;
    const MAX_BYTES: usize = 32 * 1024;
    let mut lens = Vec::new();
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

/// Cuts `backing` into chunks of `lens` (which sum to at most its length).
pub fn split<'a>(backing: &'a [u8], lens: &[usize]) -> Vec<&'a [u8]> {
    let mut at = 0;
    lens.iter()
        .map(|&len| {
            let chunk = &backing[at..at + len];
            at += len;
            chunk
        })
        .collect()
}

/// An amount to advance by: in range mostly, sometimes exactly all,
/// just past the end, or far past it.
pub fn amount(u: &mut Unstructured<'_>, remaining: usize) -> Result<usize> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => 0,
        1 => remaining,
        2 => remaining + 1,
        3 => remaining + 1 + usize::from(u.arbitrary::<u16>()?),
        4 => usize::MAX,
        5 => u.int_in_range(0..=remaining.min(8))?,
        _ => u.int_in_range(0..=remaining)?,
    })
}

/// Asserts that `chunks` are non-empty and tile `backing[pos..]` exactly.
pub fn assert_tiles<'a>(chunks: impl Iterator<Item = &'a [u8]>, backing: &[u8], pos: usize) {
    let mut at = pos;
    for chunk in chunks {
        assert!(!chunk.is_empty(), "an empty chunk was yielded");
        assert_eq!(chunk.as_ptr(), backing[at..].as_ptr(), "chunk does not start at byte {at}");
        at += chunk.len();
    }
    assert_eq!(at, backing.len(), "the chunks end at {at}, not at {}", backing.len());
}
