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
use bareio::Errno;
use common::{amount, chunk_lengths, op, Model, MAX_OPS, WORK};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

/// The capacities `N` the operations use (the `with_n!` table).
const CAPS: [usize; 9] = [1, 2, 3, 7, 64, 1023, 1024, 1025, 1024];

struct State<'a> {
    model: &'a Model,
    /// Whether this operation checks every entry of its batches.
    full: bool,
    /// Bytes consumed (the model): those the fake writer took, in order
    /// (each batch it gets must start here), and those skipped by hand.
    pos: usize,
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let model = Model::new(&chunk_lengths(u)?);
    let mut bufs = Buffers::new(&model.chunks);
    let mut st = State { model: &model, full: false, pos: 0 };
    let mut full_checks = 0;
    let mut work = WORK;
    for _ in 0..MAX_OPS {
        if u.is_empty() {
            break;
        }
        let (kind, full) = op(u, 4, &mut full_checks)?;
        st.full = full;
        let n_index = u.int_in_range(0..=8u8)?;
        // What the operation walks at most: its batch, or for the write
        // loop every chunk left.
        let chunks = model.chunks_at(st.pos);
        let cost = match kind {
            0 => 1,
            1 | 2 => chunks.min(CAPS[usize::from(n_index)]).max(1),
            _ => chunks.max(1),
        };
        let Some(left) = work.checked_sub(cost) else {
            break;
        };
        work = left;
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
        match kind {
            0 => {
                let remaining = model.total() - st.pos;
                let kind = u.int_in_range(0..=7u8)?;
                let n = amount(u, kind, remaining)?;
                if bufs.advance(n).is_ok() {
                    assert!(n <= remaining);
                    // Skipped by hand: the writer never sees these bytes.
                    st.pos += n;
                } else {
                    assert!(n > remaining);
                }
            }
            1 => with_n!(fill)?,
            2 => with_n!(step)?,
            _ => with_n!(write_all)?,
        }
        model.assert_at(bufs.chunks(), st.pos);
        if st.full {
            model.assert_all(bufs.chunks(), st.pos);
        }
    }
    model.assert_all(bufs.chunks(), st.pos);
    assert_eq!(bufs.remaining(), model.total() - st.pos);
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
    assert_eq!(bytes, st.model.assert_batch(&iov, cap, st.pos, st.full));
    if st.full {
        assert_eq!(bytes, iov.byte_len());
    }
    Ok(())
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
        let batch = st.model.assert_batch(iov, cap, st.pos, st.full);
        let r = writer_result(u, batch).map_err(|e| decode_error = Some(e)).unwrap_or(Ok(batch));
        called = Some((batch, r));
        if let Ok(n) = r {
            if n > 0 && n <= batch {
                st.pos += n;
            }
        }
        r
    });
    match called {
        None => {
            assert_eq!(result, Ok(0));
            assert_eq!(st.pos, st.model.total(), "no call although bytes remain");
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
        let batch = st.model.assert_batch(iov, cap, st.pos, st.full);
        // Out of input: take everything, so the loop always ends.
        let r = if calls > 64 { Ok(batch) } else { writer_result(u, batch).unwrap_or(Ok(batch)) };
        last = Some(r);
        if let Ok(n) = r {
            if n > 0 && n <= batch {
                st.pos += n;
            }
        }
        r
    });
    match result {
        Ok(()) => assert_eq!(st.pos, st.model.total()),
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
