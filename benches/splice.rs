//! Splice vs copy on loopback TCP: moving N bytes from one connection to
//! another, as a relay does, for N = 1 KiB … 1 MiB.
//!
//! Three relays get the same workload (a feeder thread writes N-byte
//! messages into connection A, a drain thread reads connection B; only the
//! relay's own loop is timed) and the same 16 KiB buffer where they have one:
//!
//! - `copy`: a plain `read`/`write` loop through a 16 KiB buffer, the anchor;
//! - `splice`: `splice(2)` through a pipe for every byte;
//! - `transfer`: `bareio::splice::Transfer`, which copies until a read fills
//!   its buffer and splices from then on (the policy this bench justifies).
//!
//! The 1 KiB workloads ([`WORKLOADS`]) also run in interleaved mode, and
//! their instruction-count cases ([`CASES`]) are the same relays on this
//! thread alone: each operation writes one message into connection A,
//! relays it, and reads it from connection B, the write and the read left
//! out of the count (`common::unmeasured`), so a case counts the relay's
//! own user-space instructions per message.
//!
//! Run with `cargo bench --bench splice`.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use bareio::fd::OwnedFd;
use bareio::splice::{Stop, Transfer};
use bareio::sys::*;
use criterion::{BenchmarkId, Criterion, Throughput};
use support::tcp_pair;

mod common;
#[path = "../tests/support/mod.rs"]
mod support;

const BUF: usize = 16 * 1024;

/// Moves exactly `len` bytes from `src` to `dst`.
trait Relay {
    fn relay(&mut self, src: &OwnedFd, dst: &OwnedFd, len: usize);
}

struct CopyLoop(Box<[u8; BUF]>);

impl Relay for CopyLoop {
    fn relay(&mut self, src: &OwnedFd, dst: &OwnedFd, mut len: usize) {
        while len > 0 {
            let n = read(src, &mut self.0[..len.min(BUF)]).unwrap();
            assert!(n > 0, "early end of input");
            let mut sent = 0;
            while sent < n {
                sent += write(dst, &self.0[sent..n]).unwrap();
            }
            len -= n;
        }
    }
}

/// A blocking pipe `(read end, write end)` of the size `Transfer` uses.
struct SpliceLoop(OwnedFd, OwnedFd);

impl SpliceLoop {
    fn new() -> Self {
        let (r, w) = pipe2(PipeFlags::CLOEXEC).unwrap();
        let _ = set_pipe_size(&w, bareio::splice::DEFAULT_PIPE_CAPACITY);
        Self(r, w)
    }
}

impl Relay for SpliceLoop {
    fn relay(&mut self, src: &OwnedFd, dst: &OwnedFd, mut len: usize) {
        let flags = SpliceFlags::MOVE;
        while len > 0 {
            let n = splice(src, None, &self.1, None, len, flags).unwrap();
            assert!(n > 0, "early end of input");
            let mut sent = 0;
            while sent < n {
                sent += splice(&self.0, None, dst, None, n - sent, flags).unwrap();
            }
            len -= n;
        }
    }
}

impl<const COPY: usize> Relay for Transfer<COPY> {
    fn relay(&mut self, src: &OwnedFd, dst: &OwnedFd, len: usize) {
        let progress = self.run(src, dst, Some(len)).unwrap();
        assert_eq!((progress.moved, progress.stop), (len, Stop::LimitReached));
    }
}

/// Times `iters` relays of `len` bytes each, with a fresh connection pair
/// fed and drained by helper threads.
fn time_relay(relay: &mut dyn Relay, len: usize, iters: u64) -> Duration {
    let (feed, src) = tcp_pair();
    let (dst, drain) = tcp_pair();
    let total = len as u64 * iters;
    // The clock starts when both helpers are running, not while they spawn.
    let start_line = Barrier::new(3);
    std::thread::scope(|s| {
        s.spawn(|| {
            let chunk = vec![0x5a_u8; len];
            start_line.wait();
            for _ in 0..iters {
                let mut sent = 0;
                while sent < len {
                    sent += write(&feed, &chunk[sent..]).unwrap();
                }
            }
        });
        s.spawn(|| {
            let mut buf = vec![0u8; 256 * 1024];
            start_line.wait();
            let mut got = 0u64;
            while got < total {
                let n = read(&drain, &mut buf).unwrap();
                assert!(n > 0);
                got += n as u64;
            }
        });
        start_line.wait();
        let start = Instant::now();
        for _ in 0..iters {
            relay.relay(&src, &dst, len);
        }
        start.elapsed()
    })
}

/// Relays `ops` messages of `len` bytes on this thread: each one written
/// into the source connection, relayed, and read from the destination's
/// other end, with only the relay counted. Returns `ops`.
fn relay_here(relay: &mut dyn Relay, len: usize, ops: u64) -> u64 {
    let (feed, src) = tcp_pair();
    let (dst, drain) = tcp_pair();
    let message = vec![0x5a_u8; len];
    let mut sink = vec![0u8; len];
    for _ in 0..ops {
        common::unmeasured(|| {
            let mut sent = 0;
            while sent < len {
                sent += write(&feed, &message[sent..]).unwrap();
            }
        });
        relay.relay(&src, &dst, len);
        common::unmeasured(|| {
            let mut got = 0;
            while got < len {
                got += read(&drain, &mut sink[got..]).unwrap();
            }
        });
    }
    ops
}

const SMALL: usize = 1 << 10;

fn copy_loop() -> CopyLoop {
    CopyLoop(Box::new([0; BUF]))
}

/// A fresh transfer per connection, as a relay has: it starts by copying
/// and switches to splice on a full read.
fn transfer() -> Box<Transfer<BUF>> {
    Box::new(Transfer::<BUF>::new().unwrap())
}

const WORKLOADS: &[common::Workload] = &[
    ("relay/copy/1024", |iters| time_relay(&mut copy_loop(), SMALL, iters)),
    ("relay/splice/1024", |iters| time_relay(&mut SpliceLoop::new(), SMALL, iters)),
    ("relay/transfer/1024", |iters| time_relay(&mut *transfer(), SMALL, iters)),
];

/// One operation is one message relayed.
const CASES: &[common::Case] = &[
    ("relay/copy/1024", 200, |ops| relay_here(&mut copy_loop(), SMALL, ops)),
    ("relay/splice/1024", 200, |ops| relay_here(&mut SpliceLoop::new(), SMALL, ops)),
    ("relay/transfer/1024", 200, |ops| relay_here(&mut *transfer(), SMALL, ops)),
];

fn splice_vs_copy(c: &mut Criterion) {
    let mut group = c.benchmark_group("relay");
    for len in [1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20] {
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::new("copy", len), &len, |b, &len| {
            let mut relay = copy_loop();
            b.iter_custom(|iters| time_relay(&mut relay, len, iters));
        });
        group.bench_with_input(BenchmarkId::new("splice", len), &len, |b, &len| {
            let mut relay = SpliceLoop::new();
            b.iter_custom(|iters| time_relay(&mut relay, len, iters));
        });
        group.bench_with_input(BenchmarkId::new("transfer", len), &len, |b, &len| {
            b.iter_custom(|iters| time_relay(&mut *transfer(), len, iters));
        });
    }
    group.finish();
}

fn main() {
    common::main(WORKLOADS, CASES, splice_vs_copy);
}
