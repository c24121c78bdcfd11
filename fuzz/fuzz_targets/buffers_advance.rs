//! Random chunk lists and random advances, checked differentially against
//! a model (the position in the concatenation) and against std's
//! `IoSlice::advance_slices`, with `Buffers` over `&[u8]` and over std's
//! `IoSlice` in lockstep.
//!
//! After every step, the whole state of both `Buffers` is checked against
//! the model by address (`Model::assert_at`), and std's first remaining
//! slice against theirs; the counts (`remaining`, `checked_remaining`) and
//! the walk over every chunk are checked at the end, and at up to
//! `FULL_CHECKS` steps the input chooses.

#![no_main]

mod common;

use std::io::IoSlice;

use bareio::iovec::Buffers;
use common::{amount, chunk_lengths, op, Model, MAX_OPS};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let model = Model::new(&chunk_lengths(u)?);
    let total = model.total();
    let std_chunks: Vec<IoSlice<'_>> = model.chunks.iter().map(|c| IoSlice::new(c)).collect();
    let mut std_copy = std_chunks.clone();
    let mut std_view: &mut [IoSlice<'_>] = &mut std_copy;

    let mut bufs = Buffers::new(&model.chunks);
    let mut over_std = Buffers::new(&std_chunks);
    let mut pos = 0;
    let mut full_checks = 0;
    let mut advanced = false;
    check(&model, &bufs, &over_std, std_view, pos, advanced);
    for _ in 0..MAX_OPS {
        if u.is_empty() {
            break;
        }
        let remaining = total - pos;
        let (kind, full) = op(u, 8, &mut full_checks)?;
        let n = amount(u, kind, remaining)?;
        let (a, b) = (bufs.advance(n), over_std.advance(n));
        assert_eq!(a, b);
        if n <= remaining {
            assert_eq!(a, Ok(()));
            pos += n;
            IoSlice::advance_slices(&mut std_view, n);
            advanced = true;
        } else {
            let err = a.unwrap_err();
            assert_eq!((err.requested(), err.remaining()), (n, remaining));
            // Nothing changed: `check` below finds the state of `pos`.
        }
        check(&model, &bufs, &over_std, std_view, pos, advanced);
        if full {
            check_all(&model, &bufs, &over_std, pos);
        }
    }
    check_all(&model, &bufs, &over_std, pos);
    Ok(())
}

/// The state after `pos` bytes, in O(log chunks): both `Buffers` exactly
/// as the model says, and std's view starting where they do.
fn check(
    model: &Model,
    bufs: &Buffers<'_, &[u8]>,
    over_std: &Buffers<'_, IoSlice<'_>>,
    std_view: &[IoSlice<'_>],
    pos: usize,
    advanced: bool,
) {
    model.assert_at(bufs.chunks(), pos);
    model.assert_at(over_std.chunks(), pos);
    assert_eq!(bufs.is_empty(), pos == model.total());
    // After any `advance_slices`, std's first slice is its first non-empty
    // one (it drops every leading slice that `n` covers, empty ones too);
    // std keeps the empty slices after it, which `Buffers` skips.
    if advanced {
        let ours = bufs.chunks().next().map(|c| (c.as_ptr(), c.len()));
        let theirs = std_view.first().map(|s| (s.as_ptr(), s.len()));
        assert_eq!(ours, theirs, "disagrees with IoSlice::advance_slices");
    }
}

/// Everything, in O(chunks): every chunk tiles the rest, the counts agree,
/// and the two chunk types yield the same chunks.
fn check_all(model: &Model, bufs: &Buffers<'_, &[u8]>, over_std: &Buffers<'_, IoSlice<'_>>, pos: usize) {
    let remaining = model.total() - pos;
    model.assert_all(bufs.chunks(), pos);
    assert_eq!(bufs.remaining(), remaining);
    assert_eq!(bufs.checked_remaining(), Some(remaining));
    assert_eq!(over_std.remaining(), remaining);
    assert!(bufs.chunks().eq(over_std.chunks()), "the two chunk types disagree");
}
