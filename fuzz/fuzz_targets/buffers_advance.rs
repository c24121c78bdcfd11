//! Random chunk lists and random advances, checked differentially against
//! a model (the position in the concatenation) and against std's
//! `IoSlice::advance_slices`, with `Buffers` over `&[u8]` and over std's
//! `IoSlice` in lockstep.

#![no_main]

mod common;

use std::io::IoSlice;

use bareio::iovec::Buffers;
use common::{amount, assert_tiles, chunk_lengths, pattern, split};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let lens = chunk_lengths(u)?;
    let backing = pattern(lens.iter().sum());
    let chunks = split(&backing, &lens);
    let std_chunks: Vec<IoSlice<'_>> = chunks.iter().map(|c| IoSlice::new(c)).collect();
    let mut std_copy = std_chunks.clone();
    let mut std_view: &mut [IoSlice<'_>] = &mut std_copy;

    let mut bufs = Buffers::new(&chunks);
    let mut over_std = Buffers::new(&std_chunks);
    let mut pos = 0;
    check(&bufs, &over_std, std_view, &backing, pos);
    for _ in 0..64 {
        if u.is_empty() {
            break;
        }
        let remaining = backing.len() - pos;
        let n = amount(u, remaining)?;
        let (a, b) = (bufs.advance(n), over_std.advance(n));
        assert_eq!(a, b);
        if n <= remaining {
            assert_eq!(a, Ok(()));
            pos += n;
            IoSlice::advance_slices(&mut std_view, n);
        } else {
            let err = a.unwrap_err();
            assert_eq!((err.requested(), err.remaining()), (n, remaining));
        }
        check(&bufs, &over_std, std_view, &backing, pos);
    }
    let rest: Vec<u8> = bufs.chunks().flatten().copied().collect();
    assert_eq!(rest, backing[pos..]);
    Ok(())
}

fn check(
    bufs: &Buffers<'_, &[u8]>,
    over_std: &Buffers<'_, IoSlice<'_>>,
    std_view: &[IoSlice<'_>],
    backing: &[u8],
    pos: usize,
) {
    let remaining = backing.len() - pos;
    assert_tiles(bufs.chunks(), backing, pos);
    assert_eq!(bufs.remaining(), remaining);
    assert_eq!(bufs.checked_remaining(), Some(remaining));
    assert_eq!(bufs.is_empty(), remaining == 0);
    assert!(bufs.chunks().eq(over_std.chunks()), "the two chunk types disagree");
    // std keeps empty slices after the first; the non-empty ones must match.
    let theirs = std_view.iter().map(|s| &**s).filter(|s| !s.is_empty());
    assert!(bufs.chunks().eq(theirs), "disagrees with IoSlice::advance_slices");
}
