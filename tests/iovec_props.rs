//! Properties of the iovec consumption logic, checked with quickcheck
//! against a model: the plain concatenation of the chunks (`Vec<u8>`).
//!
//! Every property runs 10,000 cases (`QUICKCHECK_TESTS=n` for more).
//! Chunk lists are mostly short with many empty chunks; one case in 50
//! is a long list (1,000 to 2,200 chunks of 0 to 3 bytes, one in 3, in 8,
//! in 300 or none of them empty) so that fills meet the 1024-entry
//! `IOV_MAX` cap from both sides, through long runs of non-empty chunks
//! too (tests/iovecs.rs has the exact 1023/1024/1025 boundaries).

#![cfg(target_os = "linux")]

use bareio::iovec::{Buffers, IoVecs, IOV_MAX};
use bareio::sys::IoSlice;
use bareio::Errno;
use quickcheck::{Arbitrary, Gen, QuickCheck, Testable};

fn cases() -> u64 {
    std::env::var("QUICKCHECK_TESTS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000)
}

fn check<A: Testable>(prop: A) {
    let n = cases();
    QuickCheck::new().tests(n).max_tests(n.saturating_mul(10)).gen(Gen::new(32)).quickcheck(prop);
}

/// A random number in `0..k` (`k > 0`).
fn below(g: &mut Gen, k: usize) -> usize {
    usize::arbitrary(g) % k
}

/// A chunk list: many empty chunks, many 1-byte ones, sometimes very long.
#[derive(Clone, Debug)]
struct ChunkList(Vec<Vec<u8>>);

impl Arbitrary for ChunkList {
    fn arbitrary(g: &mut Gen) -> Self {
        if below(g, 50) == 0 {
            // Long: one random number per chunk (generation is the slow
            // part in a debug build), one chunk in 3, in 8, in 300 or none
            // empty (the fill copies runs of non-empty chunks apart).
            let count = 1000 + below(g, 1201);
            let empty_one_in = [3, 8, 300, 0][below(g, 4)];
            let chunks = (0..count)
                .map(|_| {
                    let r = u64::arbitrary(g).to_le_bytes();
                    let draw = u16::from_le_bytes([r[0], r[1]]);
                    let empty = empty_one_in != 0 && draw % empty_one_in == 0;
                    let len = if empty { 0 } else { 1 + usize::from(r[2]) % 3 };
                    r[3..3 + len].to_vec()
                })
                .collect();
            return Self(chunks);
        }
        let count = below(g, 24);
        let chunks = (0..count)
            .map(|_| {
                let len = if below(g, 3) == 0 { 0 } else { below(g, 13) };
                (0..len).map(|_| u8::arbitrary(g)).collect()
            })
            .collect();
        Self(chunks)
    }

    /// Long lists shrink by halves first (the element-wise shrink of a
    /// 2,000-chunk list would take minutes), short ones element-wise.
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let chunks = &self.0;
        if chunks.len() <= 32 {
            return Box::new(chunks.shrink().map(Self));
        }
        let half = chunks.len() / 2;
        let mut candidates = vec![
            Self(chunks[..half].to_vec()),
            Self(chunks[half..].to_vec()),
            Self(chunks.iter().step_by(2).cloned().collect()),
        ];
        let at_most_one_byte: Vec<Vec<u8>> =
            chunks.iter().map(|c| c.iter().take(1).copied().collect()).collect();
        if at_most_one_byte != *chunks {
            candidates.push(Self(at_most_one_byte));
        }
        Box::new(candidates.into_iter())
    }
}

impl ChunkList {
    fn slices(&self) -> Vec<&[u8]> {
        self.0.iter().map(Vec::as_slice).collect()
    }

    fn concat(&self) -> Vec<u8> {
        self.0.concat()
    }
}

fn bytes_of(bufs: &Buffers<'_, &[u8]>) -> Vec<u8> {
    bufs.chunks().flatten().copied().collect()
}

fn chunks_of<'s>(bufs: &Buffers<'s, &[u8]>) -> Vec<&'s [u8]> {
    bufs.chunks().collect()
}

/// Every invariant of one fill from `bufs`, for capacity `N`.
fn fill_invariants<const N: usize>(bufs: &Buffers<'_, &[u8]>) -> Result<(), String> {
    let cap = N.min(IOV_MAX);
    let remaining = bytes_of(bufs);
    let nonempty = bufs.chunks().count();
    let mut iov = IoVecs::<N>::new();
    let bytes = iov.fill(bufs);
    let emitted: Vec<u8> = iov.as_slice().iter().flat_map(|e| e.as_slice()).copied().collect();
    if iov.capacity() != cap {
        return Err(format!("N = {N}: capacity {} != {cap}", iov.capacity()));
    }
    if iov.as_slice().iter().any(|e| e.is_empty()) {
        return Err(format!("N = {N}: an empty iovec was emitted"));
    }
    if iov.len() > cap || iov.len() != nonempty.min(cap) {
        return Err(format!("N = {N}: {} entries for {nonempty} non-empty chunks", iov.len()));
    }
    if bytes != emitted.len() || iov.byte_len() != bytes {
        return Err(format!("N = {N}: fill said {bytes} bytes, entries hold {}", emitted.len()));
    }
    if !remaining.starts_with(&emitted) {
        return Err(format!("N = {N}: the entries are not a prefix of the remaining bytes"));
    }
    // Whole chunks: the entries are exactly the first non-empty chunks.
    if iov.as_slice().iter().map(|e| e.as_slice()).ne(bufs.chunks().take(cap)) {
        return Err(format!("N = {N}: the entries are not the first remaining chunks"));
    }
    Ok(())
}

fn ok_or_report(result: Result<(), String>) -> bool {
    result.map_err(|e| eprintln!("{e}")).is_ok()
}

#[test]
fn remaining_bytes_are_the_concatenation_minus_the_first_n() {
    fn prop(list: ChunkList, n: usize) -> bool {
        let slices = list.slices();
        let model = list.concat();
        let n = n % (model.len() + 1);
        let mut bufs = Buffers::new(&slices);
        bufs.advance(n).is_ok()
            && bytes_of(&bufs) == model[n..]
            && bufs.remaining() == model.len() - n
            && bufs.checked_remaining() == Some(model.len() - n)
            && bufs.is_empty() == (n == model.len())
            && bufs.chunks().all(|c| !c.is_empty())
    }
    check(prop as fn(ChunkList, usize) -> bool);
}

#[test]
fn advancing_by_the_total_empties() {
    fn prop(list: ChunkList, pre: usize) -> bool {
        let slices = list.slices();
        let total = list.concat().len();
        let mut bufs = Buffers::new(&slices);
        if bufs.advance(pre % (total + 1)).is_err() {
            return false;
        }
        let rest = bufs.remaining();
        bufs.advance(rest).is_ok()
            && bufs.is_empty()
            && bufs.remaining() == 0
            && bufs.chunks().next().is_none()
            && bufs.advance(0).is_ok()
            && bufs.advance(1).is_err()
            && IoVecs::<8>::from_buffers(&bufs).is_empty()
    }
    check(prop as fn(ChunkList, usize) -> bool);
}

#[test]
fn advancing_past_the_end_errors_and_changes_nothing() {
    fn prop(list: ChunkList, pre: usize, extra: usize) -> bool {
        let slices = list.slices();
        let total = list.concat().len();
        let mut bufs = Buffers::new(&slices);
        if bufs.advance(pre % (total + 1)).is_err() {
            return false;
        }
        let before = chunks_of(&bufs);
        let rest = bufs.remaining();
        // Just past the end, a little further, and as far as can be.
        let too_far =
            [rest + 1, rest + 1 + extra % 4096, usize::MAX, rest.saturating_add(extra).max(rest + 1)];
        too_far.iter().all(|&n| match bufs.advance(n) {
            Err(e) => e.requested() == n && e.remaining() == rest && Errno::from(e) == Errno::EINVAL,
            Ok(()) => false,
        }) && chunks_of(&bufs) == before
            && bufs.remaining() == rest
    }
    check(prop as fn(ChunkList, usize, usize) -> bool);
}

#[test]
fn no_empty_iovec_is_ever_emitted() {
    fn prop(list: ChunkList, steps: Vec<usize>) -> bool {
        let slices = list.slices();
        let mut bufs = Buffers::new(&slices);
        // Fill at every point of a random consumption, small N and large.
        for step in steps.into_iter().take(8).chain([usize::MAX]) {
            for iov in
                [IoVecs::<1>::from_buffers(&bufs).as_slice(), IoVecs::<7>::from_buffers(&bufs).as_slice()]
            {
                if iov.iter().any(|e| e.is_empty()) {
                    return false;
                }
            }
            if IoVecs::<2048>::from_buffers(&bufs).iter().any(|e| e.is_empty()) {
                return false;
            }
            let rest = bufs.remaining();
            if bufs.advance(step % (rest + 1)).is_err() {
                return false;
            }
        }
        true
    }
    check(prop as fn(ChunkList, Vec<usize>) -> bool);
}

#[test]
fn entries_per_fill_are_at_most_min_n_1024() {
    fn prop(list: ChunkList, pre: usize) -> bool {
        let slices = list.slices();
        let total = list.concat().len();
        let mut bufs = Buffers::new(&slices);
        if bufs.advance(pre % (total + 1)).is_err() {
            return false;
        }
        ok_or_report(
            fill_invariants::<1>(&bufs)
                .and_then(|()| fill_invariants::<3>(&bufs))
                .and_then(|()| fill_invariants::<64>(&bufs))
                .and_then(|()| fill_invariants::<1023>(&bufs))
                .and_then(|()| fill_invariants::<1024>(&bufs))
                .and_then(|()| fill_invariants::<1025>(&bufs))
                .and_then(|()| fill_invariants::<2048>(&bufs)),
        )
    }
    check(prop as fn(ChunkList, usize) -> bool);
}

#[test]
fn consuming_in_random_steps_equals_consuming_at_once() {
    fn prop(list: ChunkList, steps: Vec<usize>) -> bool {
        let slices = list.slices();
        let model = list.concat();
        let mut stepwise = Buffers::new(&slices);
        let mut consumed = 0;
        for step in steps {
            let step = step % (stepwise.remaining() + 1);
            if stepwise.advance(step).is_err() {
                return false;
            }
            consumed += step;
        }
        let mut at_once = Buffers::new(&slices);
        at_once.advance(consumed).is_ok()
            && chunks_of(&stepwise) == chunks_of(&at_once)
            && bytes_of(&stepwise) == model[consumed..]
    }
    check(prop as fn(ChunkList, Vec<usize>) -> bool);
}

/// What a fake writer does on each call, in turn; once the script runs
/// out it takes the whole batch.
#[derive(Clone, Debug)]
struct Script(Vec<u32>);

impl Arbitrary for Script {
    fn arbitrary(g: &mut Gen) -> Self {
        Self(Vec::arbitrary(g))
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Self))
    }
}

/// Writes everything with `write_all_with::<N>` through a writer that
/// takes random amounts, and fails with `EINTR` (retried inside) and
/// `EAGAIN` (returned: called again, as after a wait for writability).
fn write_through_script<const N: usize>(list: &ChunkList, script: &Script) -> Result<(), String> {
    let slices = list.slices();
    let model = list.concat();
    let mut bufs = Buffers::new(&slices);
    let mut out = Vec::new();
    let mut ops = script.0.iter().copied();
    let mut calls = 0usize;
    let cap = N.min(IOV_MAX);
    let mut written = 0;
    let mut write = |iov: &[IoSlice<'_>]| -> Result<usize, Errno> {
        calls += 1;
        let batch: Vec<u8> = iov.iter().flat_map(|e| e.as_slice()).copied().collect();
        assert!(iov.len() <= cap && iov.iter().all(|e| !e.is_empty()), "bad batch: {iov:?}");
        assert!(model[written..].starts_with(&batch), "the batch is not the next bytes");
        let took = match ops.next() {
            Some(op) if op % 8 == 0 => return Err(Errno::EINTR),
            Some(op) if op % 8 == 1 => return Err(Errno::EAGAIN),
            Some(op) => 1 + (op as usize / 8) % batch.len(),
            None => batch.len(),
        };
        out.extend_from_slice(&batch[..took]);
        written += took;
        Ok(took)
    };
    let mut eagains = 0;
    loop {
        match bufs.write_all_with::<N>(&mut write) {
            Ok(()) => break,
            Err(Errno::EAGAIN) => eagains += 1,
            Err(e) => return Err(format!("N = {N}: unexpected {e}")),
        }
        if eagains > script.0.len() {
            return Err(format!("N = {N}: more EAGAINs than scripted"));
        }
    }
    if out != model {
        return Err(format!(
            "N = {N}: wrote {} bytes, not the {} of the concatenation",
            out.len(),
            model.len()
        ));
    }
    if !bufs.is_empty() {
        return Err(format!("N = {N}: done but not empty"));
    }
    // With no faults and full writes, one call per `cap` non-empty chunks.
    let nonempty = list.0.iter().filter(|c| !c.is_empty()).count();
    if script.0.is_empty() && calls != nonempty.div_ceil(cap) {
        return Err(format!("N = {N}: {calls} calls for {nonempty} chunks"));
    }
    Ok(())
}

#[test]
fn building_and_writing_in_random_steps_writes_the_concatenation_exactly() {
    fn prop(list: ChunkList, script: Script) -> bool {
        ok_or_report(
            write_through_script::<1>(&list, &script)
                .and_then(|()| write_through_script::<5>(&list, &script))
                .and_then(|()| write_through_script::<1024>(&list, &script))
                .and_then(|()| write_through_script::<2048>(&list, &Script(Vec::new()))),
        )
    }
    check(prop as fn(ChunkList, Script) -> bool);
}

#[test]
fn agrees_with_std_advance_slices() {
    fn prop(list: ChunkList, n: usize) -> bool {
        let model = list.concat();
        let n = n % (model.len() + 1);
        let mut std_slices: Vec<std::io::IoSlice<'_>> =
            list.0.iter().map(|c| std::io::IoSlice::new(c)).collect();
        let mut std_view = &mut std_slices[..];
        std::io::IoSlice::advance_slices(&mut std_view, n);
        let theirs: Vec<&[u8]> = std_view.iter().map(|s| &**s).filter(|s| !s.is_empty()).collect();
        // A chunk list of std's own IoSlices, as they are.
        let originals: Vec<std::io::IoSlice<'_>> = list.0.iter().map(|c| std::io::IoSlice::new(c)).collect();
        let mut bufs = Buffers::new(&originals);
        bufs.advance(n).is_ok() && bufs.chunks().eq(theirs.iter().copied())
    }
    check(prop as fn(ChunkList, usize) -> bool);
}
