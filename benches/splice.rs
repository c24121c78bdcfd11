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

fn splice_vs_copy(c: &mut Criterion) {
    let mut group = c.benchmark_group("relay");
    for len in [1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20] {
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::new("copy", len), &len, |b, &len| {
            let mut relay = CopyLoop(Box::new([0; BUF]));
            b.iter_custom(|iters| time_relay(&mut relay, len, iters));
        });
        group.bench_with_input(BenchmarkId::new("splice", len), &len, |b, &len| {
            let mut relay = SpliceLoop::new();
            b.iter_custom(|iters| time_relay(&mut relay, len, iters));
        });
        group.bench_with_input(BenchmarkId::new("transfer", len), &len, |b, &len| {
            b.iter_custom(|iters| {
                // A fresh transfer per connection, as a relay has: it starts
                // by copying and switches to splice on a full read.
                let mut relay = Box::new(Transfer::<BUF>::new().unwrap());
                time_relay(&mut *relay, len, iters)
            });
        });
    }
    group.finish();
}

fn main() {
    common::main(&[], &[], splice_vs_copy);
}
