//! What the two `Transfer` targets share: the operations an input
//! decodes into, the model of the byte stream they are checked against,
//! and the run to the end that leaves the rig empty for the next input.
//! `transfer.rs` runs them on real unix socketpairs and a real pipe (the
//! kernel judges); `transfer_fake.rs` on a fake kernel that also injects
//! `EINTR`, short writes and splice refusals (the state machine at full
//! speed). Included by each as a module.

use bareio::fd::BorrowedFd;
use bareio::splice::{Pipe, Progress, Stop, Transfer, TransferError};
use bareio::Errno;
use libfuzzer_sys::arbitrary::{Result, Unstructured};

/// The two connections around a transfer: its source, whose other end is
/// fed, and its destination, whose other end is drained.
pub trait Ends {
    fn src(&self) -> BorrowedFd<'_>;
    fn dst(&self) -> BorrowedFd<'_>;
    /// Writes `bytes` into the source connection; how many it took (0 when
    /// it is full).
    fn feed(&mut self, bytes: &[u8]) -> usize;
    /// Reads up to `max` bytes of what arrived at the destination, checks
    /// that they are the pattern's from stream position `at` on (panics
    /// where one is not); how many it read (0 when nothing is there).
    fn drain(&mut self, at: u64, max: usize) -> usize;
    /// Ends the source's input (its writer half-closes).
    fn end(&mut self);
    /// A new, open source connection, after an end of input.
    fn reopen(&mut self);
}

/// The connections, the pipe and the buffers, kept from one input to the
/// next (all empty between inputs).
pub struct Rig<E> {
    pub ends: E,
    pub pipe: Option<Pipe>,
    pub bufs: [Vec<u8>; 2],
}

impl<E> Rig<E> {
    pub fn new(ends: E, pipe: Pipe) -> Self {
        Self { ends, pipe: Some(pipe), bufs: [vec![0; 16384], vec![0; 16384]] }
    }
}

const MAX_OPS: usize = 16;
/// The copy buffer sizes a run may use.
const BUFFERS: [usize; 6] = [1, 3, 64, 1000, 4096, 16384];

/// The pattern: the byte at stream position `at` is `at % 251`.
const PERIOD: u64 = 251;

/// The pattern's bytes from stream position `at` on, `len` of them (at
/// most 64 KiB): a slice of one buffer made once, so that feeding and
/// checking are a copy and a comparison.
pub fn pattern(at: u64, len: usize) -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let bytes = BYTES.get_or_init(|| (0..65536 + PERIOD).map(|i| (i % PERIOD) as u8).collect());
    let from = (at % PERIOD) as usize;
    &bytes[from..from + len]
}

/// Checks that `got` is the pattern from stream position `at` on.
pub fn check_pattern(at: u64, got: &[u8]) {
    let want = pattern(at, got.len());
    if got != want {
        let i = got.iter().zip(want).position(|(a, b)| a != b).unwrap();
        panic!("byte {} of the stream: {} for {}", at + i as u64, got[i], want[i]);
    }
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

pub fn run<E: Ends>(rig: &mut Rig<E>, u: &mut Unstructured<'_>) -> Result<()> {
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
                    let (src, dst) = (rig.ends.src(), rig.ends.dst());
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
                    let result = transfer.run(rig.ends.src(), rig.ends.dst(), None);
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
                        rig.ends.end();
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
fn feed<E: Ends>(rig: &mut Rig<E>, model: &mut Model, n: usize) {
    if model.ended || n == 0 {
        return;
    }
    model.fed += rig.ends.feed(pattern(model.fed, n)) as u64;
}

/// Reads up to `n` bytes from the destination connection, checked against
/// the pattern; returns how many it read.
fn drain<E: Ends>(rig: &mut Rig<E>, model: &mut Model, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let k = rig.ends.drain(model.received, n);
    model.received += k as u64;
    assert!(model.received <= model.delivered, "more bytes arrived than were reported delivered");
    k
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
fn finish<E: Ends>(
    rig: &mut Rig<E>,
    model: &mut Model,
    transfer: &mut Transfer<0>,
    which: usize,
    mut len: usize,
) {
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
        let (src, dst) = (rig.ends.src(), rig.ends.dst());
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
        rig.ends.reopen();
    }
}
