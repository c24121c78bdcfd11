//! `bareio::splice::Transfer` against a model of the byte stream, on real
//! nonblocking unix stream sockets (`Transfer` takes fds, so there is no
//! fake layer to give it): a feeder writes a known pattern into the source
//! connection, the transfer moves it to the destination connection, a
//! drain reads it out. Up to 16 operations per input: feed, drain, run
//! (with or without a limit, through copy buffers of 1 byte … 16 KiB — a
//! limit of at most 16 buffers under 1000 bytes —,
//! switching buffers, a `run` with no buffer), lend or take the pipe, set
//! the splice threshold or `short_reads_drain`, end the input.
//!
//! Checked after every run: the bytes reached the drain in order, each
//! exactly once (by position in the pattern); `pending` and `moved` add up
//! with what was fed; each stop means what it says (`LimitReached` at the
//! limit, `Eof` only after the end with everything delivered,
//! `SourceWouldBlock` with nothing pending and nothing left in the source,
//! `DestinationWouldBlock` with bytes pending); a run through another
//! buffer while bytes are in the first is `EINVAL` and changes nothing; no
//! other error. Every input ends by running to the end of what was fed,
//! so the sockets are empty for the next one: they are made once (and the
//! source pair again after an end of input), which keeps the syscalls per
//! input to the operations' own.

#![no_main]

use std::cell::RefCell;

use bareio::fd::OwnedFd;
use bareio::splice::{Pipe, Progress, Stop, Transfer, TransferError};
use bareio::sys::{read, setsockopt, shutdown, socketpair, write};
use bareio::sys::{AddressFamily, Shutdown, SockOpt, SocketFlags, SocketType};
use bareio::Errno;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const MAX_OPS: usize = 16;
/// The copy buffer sizes a run may use.
const BUFFERS: [usize; 6] = [1, 3, 64, 1000, 4096, 16384];

/// The pattern: the byte at stream position `at` is `at % 251`.
const PERIOD: u64 = 251;

/// The pattern's bytes from stream position `at` on, `len` of them (at
/// most 64 KiB): a slice of one buffer made once, so that feeding and
/// checking are a copy and a comparison.
fn pattern(at: u64, len: usize) -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let bytes = BYTES.get_or_init(|| (0..65536 + PERIOD).map(|i| (i % PERIOD) as u8).collect());
    let from = (at % PERIOD) as usize;
    &bytes[from..from + len]
}

fn pair() -> (OwnedFd, OwnedFd) {
    let flags = SocketFlags::CLOEXEC | SocketFlags::NONBLOCK;
    let (a, b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, 0).unwrap();
    // Small send buffers: a full destination is reached in tens of KiB.
    setsockopt(&a, SockOpt::SNDBUF, 16384).unwrap();
    setsockopt(&b, SockOpt::SNDBUF, 16384).unwrap();
    (a, b)
}

/// The sockets and the pipe, kept from one input to the next (all empty
/// between inputs).
struct Rig {
    feed: OwnedFd,
    src: OwnedFd,
    dst: OwnedFd,
    drain: OwnedFd,
    pipe: Option<Pipe>,
    bufs: [Vec<u8>; 2],
    scratch: Vec<u8>,
}

thread_local! {
    static RIG: RefCell<Option<Rig>> = const { RefCell::new(None) };
}

/// The stream as the model sees it.
#[derive(Default)]
struct Model {
    /// Bytes written into the source connection.
    fed: u64,
    /// Bytes the transfer said it delivered (the sum of `moved`).
    delivered: u64,
    /// Bytes read out of the destination connection.
    received: u64,
    /// The source's write side was shut down.
    ended: bool,
}

fuzz_target!(|data: &[u8]| {
    RIG.with(|rig| {
        let mut rig = rig.borrow_mut();
        let rig = rig.get_or_insert_with(|| {
            let (feed, src) = pair();
            let (dst, drain) = pair();
            Rig {
                feed,
                src,
                dst,
                drain,
                pipe: Some(Pipe::new().unwrap()),
                bufs: [vec![0; 16384], vec![0; 16384]],
                scratch: vec![0; 65536],
            }
        });
        let _ = run(rig, &mut Unstructured::new(data));
    });
});

fn run(rig: &mut Rig, u: &mut Unstructured<'_>) -> Result<()> {
    let mut model = Model::default();
    let mut transfer = Transfer::<0>::without_pipe();
    if u.arbitrary()? {
        let pipe = rig.pipe.take().unwrap();
        assert!(transfer.lend_pipe(pipe).is_ok());
    }
    // Which of the two buffers, and how much of it.
    let (mut which, mut len) = (0usize, 16384usize);
    let outcome = (|| -> Result<()> {
        for _ in 0..MAX_OPS {
            match u.int_in_range(0..=99u8)? {
                0..=24 => {
                    let n = size(u)?;
                    feed(rig, &mut model, n);
                }
                25..=39 => {
                    let n = size(u)?;
                    drain(rig, &mut model, n);
                }
                40..=79 => {
                    let limit = match u.int_in_range(0..=3u8)? {
                        0 => Some(size(u)?),
                        1 => Some(0),
                        _ => None,
                    };
                    let before = (which, len);
                    if u.ratio(1, 8)? {
                        // Another buffer, or this one cut to another length:
                        // refused while bytes are in this one and do not fit.
                        which ^= usize::from(u.arbitrary::<bool>()?);
                        len = BUFFERS[usize::from(u.int_in_range(0..=5u8)?)];
                    }
                    // Small buffers move a byte or a few per syscall: a
                    // limit keeps the input's work bounded.
                    let limit =
                        if len < 1000 { Some(limit.unwrap_or(usize::MAX).min(16 * len)) } else { limit };
                    let buffered = transfer.buffered();
                    let pending = transfer.pending();
                    let (src, dst) = (&rig.src, &rig.dst);
                    let result = transfer.run_with(src, dst, limit, &mut rig.bufs[which][..len]);
                    if buffered > 0 && (which, len) != before {
                        if let Err(error) = result {
                            // Refused: nothing moved, nothing changed. Back to
                            // the buffer the bytes are in.
                            assert_eq!(error, TransferError { errno: Errno::EINVAL, moved: 0, pending });
                            assert_eq!(transfer.pending(), pending);
                            (which, len) = before;
                            continue;
                        }
                        assert_eq!(which, before.0, "another buffer taken while bytes were held");
                    }
                    check_run(&transfer, &mut model, limit, result);
                }
                80..=84 => {
                    // No buffer of its own: EINVAL, nothing moved.
                    let pending = transfer.pending();
                    let result = transfer.run(&rig.src, &rig.dst, None);
                    assert_eq!(result, Err(TransferError { errno: Errno::EINVAL, moved: 0, pending }));
                }
                85..=89 => match transfer.take_pipe() {
                    Some(pipe) => {
                        assert_eq!(transfer.pending(), transfer.buffered(), "a pipe with bytes was taken");
                        rig.pipe = Some(pipe);
                    }
                    None => {
                        if let Some(pipe) = rig.pipe.take() {
                            assert!(transfer.lend_pipe(pipe).is_ok());
                        }
                    }
                },
                90..=93 => transfer.set_splice_from(usize::from(u.int_in_range(0..=5u8)?) * 1024),
                94..=97 => transfer.set_short_reads_drain(u.arbitrary()?),
                _ => {
                    if !model.ended {
                        shutdown(&rig.feed, Shutdown::Write).unwrap();
                        model.ended = true;
                    }
                }
            }
        }
        Ok(())
    })();
    finish(rig, &mut model, &mut transfer, which, len);
    outcome
}

/// A feed or drain size: mostly small, sometimes up to 64 KiB.
fn size(u: &mut Unstructured<'_>) -> Result<usize> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => usize::from(u.arbitrary::<u16>()?),
        1 => 4096 + usize::from(u.int_in_range(0..=8u16)?) * 1024,
        _ => usize::from(u.int_in_range(1..=1500u16)?),
    })
}

/// Writes up to `n` more bytes of the pattern into the source connection.
fn feed(rig: &mut Rig, model: &mut Model, n: usize) {
    if model.ended || n == 0 {
        return;
    }
    match write(&rig.feed, pattern(model.fed, n)) {
        Ok(k) => model.fed += k as u64,
        Err(Errno::EAGAIN) => {}
        Err(e) => panic!("feed: {e}"),
    }
}

/// Reads up to `n` bytes from the destination connection and checks them
/// against the pattern; returns how many it read.
fn drain(rig: &mut Rig, model: &mut Model, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    match read(&rig.drain, &mut rig.scratch[..n]) {
        Ok(k) => {
            let (got, want) = (&rig.scratch[..k], pattern(model.received, k));
            if got != want {
                let i = got.iter().zip(want).position(|(a, b)| a != b).unwrap();
                panic!("byte {} of the stream: {} for {}", model.received + i as u64, got[i], want[i]);
            }
            model.received += k as u64;
            assert!(model.received <= model.delivered, "more bytes arrived than were reported delivered");
            k
        }
        Err(Errno::EAGAIN) => 0,
        Err(e) => panic!("drain: {e}"),
    }
}

/// The checks of one run's result against the model.
fn check_run(
    transfer: &Transfer<0>,
    model: &mut Model,
    limit: Option<usize>,
    result: core::result::Result<Progress, TransferError>,
) {
    let progress = result.unwrap_or_else(|e| panic!("run: {e}"));
    model.delivered += progress.moved as u64;
    assert_eq!(progress.pending, transfer.pending());
    let pending = progress.pending as u64;
    assert!(model.delivered + pending <= model.fed, "more taken than fed");
    if let Some(limit) = limit {
        assert!(progress.moved <= limit);
    }
    match progress.stop {
        Stop::LimitReached => assert_eq!(Some(progress.moved), limit),
        Stop::Eof => {
            assert!(model.ended, "end of input before the end");
            assert_eq!((model.delivered, pending), (model.fed, 0), "end of input with bytes left");
        }
        Stop::SourceWouldBlock => {
            assert_eq!(pending, 0);
            assert_eq!(model.delivered, model.fed, "the source was not empty");
        }
        Stop::DestinationWouldBlock => assert!(pending > 0),
    }
}

/// Runs to the end of what was fed (draining the destination), checks
/// that every byte arrived, and leaves the sockets empty and the pipe in
/// the rig for the next input.
fn finish(rig: &mut Rig, model: &mut Model, transfer: &mut Transfer<0>, which: usize, mut len: usize) {
    for round in 0.. {
        assert!(round < 10_000, "no progress: fed {}, delivered {}", model.fed, model.delivered);
        while drain(rig, model, 65536) > 0 {}
        let done = model.received == model.fed && transfer.pending() == 0;
        if done && !model.ended {
            break;
        }
        // Once nothing is in the buffer, any buffer will do: the largest.
        // Until then, only what it holds (a small buffer would go on a
        // byte or a few at a time).
        let limit = match transfer.buffered() {
            0 => {
                len = 16384;
                None
            }
            held => Some(held),
        };
        let (src, dst) = (&rig.src, &rig.dst);
        let result = transfer.run_with(src, dst, limit, &mut rig.bufs[which][..len]);
        let stop = result.map(|p| p.stop);
        check_run(transfer, model, limit, result);
        if model.ended && stop == Ok(Stop::Eof) {
            while drain(rig, model, 65536) > 0 {}
            break;
        }
    }
    assert_eq!((model.received, model.delivered), (model.fed, model.fed));
    if let Some(pipe) = transfer.take_pipe() {
        rig.pipe = Some(pipe);
    }
    assert!(rig.pipe.is_some());
    if model.ended {
        (rig.feed, rig.src) = pair();
    }
}
