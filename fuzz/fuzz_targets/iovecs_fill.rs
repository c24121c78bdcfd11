//! The iovec builder and the write loop: random chunk lists, random
//! advances, fills with capacities from 1 to 2048, and write steps through
//! a fake writer that takes random amounts or fails (EINTR, EAGAIN, a
//! 0-byte write, a claim of more than the batch). Invariants: no empty
//! entry, at most min(N, 1024) entries (exactly that many when there are
//! enough chunks), the entries tile the front of the remaining bytes, and
//! what the writer took is exactly the model's bytes, none lost or twice.

#![no_main]

mod common;

use bareio::iovec::{Buffers, IoVecs, IOV_MAX};
use bareio::sys::IoSlice;
use bareio::Errno;
use common::{amount, assert_tiles, chunk_lengths, pattern, split};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

struct State<'a> {
    backing: &'a [u8],
    /// Bytes consumed (the model) = bytes the fake writer took.
    pos: usize,
    written: Vec<u8>,
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let lens = chunk_lengths(u)?;
    let backing = pattern(lens.iter().sum());
    let chunks = split(&backing, &lens);
    let mut bufs = Buffers::new(&chunks);
    let mut st = State { backing: &backing, pos: 0, written: Vec::new() };
    for _ in 0..64 {
        if u.is_empty() {
            break;
        }
        let op = u.int_in_range(0..=3u8)?;
        let n_index = u.int_in_range(0..=8u8)?;
        macro_rules! with_n {
            ($f:ident) => {
                match n_index {
                    0 => $f::<1>(u, &mut bufs, &mut st),
                    1 => $f::<2>(u, &mut bufs, &mut st),
                    2 => $f::<3>(u, &mut bufs, &mut st),
                    3 => $f::<7>(u, &mut bufs, &mut st),
                    4 => $f::<64>(u, &mut bufs, &mut st),
                    5 => $f::<1023>(u, &mut bufs, &mut st),
                    6 => $f::<1024>(u, &mut bufs, &mut st),
                    7 => $f::<1025>(u, &mut bufs, &mut st),
                    _ => $f::<2048>(u, &mut bufs, &mut st),
                }
            };
        }
        match op {
            0 => {
                let remaining = backing.len() - st.pos;
                let n = amount(u, remaining)?;
                if bufs.advance(n).is_ok() {
                    assert!(n <= remaining);
                    // Skipped by hand: the writer never sees these bytes.
                    st.written.extend_from_slice(&backing[st.pos..st.pos + n]);
                    st.pos += n;
                } else {
                    assert!(n > remaining);
                }
            }
            1 => with_n!(fill)?,
            2 => with_n!(step)?,
            _ => with_n!(write_all)?,
        }
        assert_tiles(bufs.chunks(), &backing, st.pos);
        assert_eq!(st.written, backing[..st.pos]);
    }
    Ok(())
}

/// Every invariant of one fill.
fn fill<const N: usize>(
    _: &mut Unstructured<'_>,
    bufs: &mut Buffers<'_, &[u8]>,
    st: &mut State<'_>,
) -> Result<()> {
    let cap = N.min(IOV_MAX);
    let mut iov = IoVecs::<N>::new();
    let bytes = iov.fill(bufs);
    assert_eq!(iov.capacity(), cap);
    assert_eq!(iov.len(), bufs.chunks().count().min(cap));
    assert!(iov.iter().map(|e| e.as_slice()).eq(bufs.chunks().take(cap)));
    assert_eq!(bytes, iov.byte_len());
    check_batch(&iov, cap, st.backing, st.pos);
    Ok(())
}

/// A batch handed to a writer: non-empty entries, at most `cap`, tiling
/// the front of `backing[pos..]`; returns its bytes.
fn check_batch(iov: &[IoSlice<'_>], cap: usize, backing: &[u8], pos: usize) -> usize {
    assert!(iov.len() <= cap, "{} entries > {cap}", iov.len());
    let mut at = pos;
    for e in iov {
        assert!(!e.is_empty(), "an empty iovec");
        assert_eq!(e.as_ptr(), backing[at..].as_ptr(), "entry does not start at byte {at}");
        at += e.len();
    }
    at - pos
}

/// What the fake writer does, from the input.
fn writer_result(u: &mut Unstructured<'_>, batch: usize) -> Result<std::result::Result<usize, Errno>> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => Err(Errno::EINTR),
        1 => Err(Errno::EAGAIN),
        2 => Ok(0),
        3 => Ok(batch + 1),
        4 | 5 => Ok(batch),
        _ => Ok(u.int_in_range(1..=batch)?),
    })
}

/// One `write_with` step: progress on success, nothing consumed on error.
fn step<const N: usize>(
    u: &mut Unstructured<'_>,
    bufs: &mut Buffers<'_, &[u8]>,
    st: &mut State<'_>,
) -> Result<()> {
    let cap = N.min(IOV_MAX);
    let before = st.pos;
    let mut called = None;
    let mut decode_error = None;
    let result = bufs.write_with::<N>(|iov| {
        let batch = check_batch(iov, cap, st.backing, st.pos);
        let r = writer_result(u, batch).map_err(|e| decode_error = Some(e)).unwrap_or(Ok(batch));
        called = Some((batch, r));
        if let Ok(n) = r {
            if n > 0 && n <= batch {
                st.written.extend_from_slice(&st.backing[st.pos..st.pos + n]);
                st.pos += n;
            }
        }
        r
    });
    match called {
        None => {
            assert_eq!(result, Ok(0));
            assert_eq!(st.pos, st.backing.len(), "no call although bytes remain");
        }
        Some((batch, r)) => match r {
            Ok(0) => assert_eq!(result, Err(Errno::EIO)),
            Ok(n) if n > batch => assert_eq!(result, Err(Errno::EIO)),
            Ok(n) => assert_eq!((result, st.pos), (Ok(n), before + n)),
            Err(e) => assert_eq!((result, st.pos), (Err(e), before)),
        },
    }
    decode_error.map_or(Ok(()), Err)
}

/// `write_all_with`: `EINTR` retried inside, any other failure returned
/// with every byte taken before it consumed.
fn write_all<const N: usize>(
    u: &mut Unstructured<'_>,
    bufs: &mut Buffers<'_, &[u8]>,
    st: &mut State<'_>,
) -> Result<()> {
    let cap = N.min(IOV_MAX);
    let mut last = None;
    let mut calls = 0;
    let result = bufs.write_all_with::<N>(|iov| {
        calls += 1;
        let batch = check_batch(iov, cap, st.backing, st.pos);
        // Out of input: take everything, so the loop always ends.
        let r = if calls > 200 { Ok(batch) } else { writer_result(u, batch).unwrap_or(Ok(batch)) };
        last = Some(r);
        if let Ok(n) = r {
            if n > 0 && n <= batch {
                st.written.extend_from_slice(&st.backing[st.pos..st.pos + n]);
                st.pos += n;
            }
        }
        r
    });
    match result {
        Ok(()) => assert_eq!(st.pos, st.backing.len()),
        Err(e) => {
            assert_ne!(e, Errno::EINTR, "EINTR must be retried");
            match last {
                Some(Err(l)) => assert_eq!(e, l),
                Some(Ok(_)) => assert_eq!(e, Errno::EIO),
                None => panic!("an error without a write"),
            }
        }
    }
    Ok(())
}
