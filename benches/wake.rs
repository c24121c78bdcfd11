//! Wakeups: bareio's `Poller::wake` against `mio::Waker::wake` and
//! `polling::Poller::notify`, in the same run, with the same threads.
//!
//! - `wake_burst`: 8 threads each call wake() `iters` times while one
//!   thread waits and drains; the time is from the first waker's start
//!   until the last waker is done. One criterion iteration is 8 wakes (one per
//!   thread), so ns per wake is the reported time / 8. The number of
//!   eventfd writes behind those wakes is counted by `scripts/bench-report`
//!   (count mode, `strace -c -e trace=write`).
//! - `wake_round_trip`: two threads, each with its own poller, ping-pong
//!   through their wakers; one iteration is one round trip.
//!
//! All three subjects wake through an eventfd: bareio and polling skip the
//! write while a wakeup is pending (an atomic flag), mio writes every time.
//!
//! The instruction-count cases ([`CASES`]) are the same calls on one
//! thread: `wake_burst` is one wake with a wakeup already pending (what
//! almost every wake of the burst is), `wake_round_trip` one round trip
//! with each wake made before the wait it ends, so no wait blocks.
//!
//! Run with `cargo bench --bench wake`.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

mod common;

/// The threads calling wake() in `wake_burst`.
const WAKERS: usize = 8;

/// What other threads call.
trait Wake: Sync {
    fn wake(&self);
}

/// What the waiting thread owns.
trait Wait: Send {
    /// Blocks until a wakeup (one raised since the last return) arrives.
    fn wait_woken(&mut self);
}

impl Wake for bareio::poll::Poller {
    fn wake(&self) {
        bareio::poll::Poller::wake(self).unwrap();
    }
}

struct BareioWaiter<'p>(&'p bareio::poll::Poller, bareio::poll::Events<8>);

impl Wait for BareioWaiter<'_> {
    fn wait_woken(&mut self) {
        loop {
            self.0.wait(&mut self.1, None).unwrap();
            if self.1.is_woken() {
                return;
            }
        }
    }
}

impl Wake for mio::Waker {
    fn wake(&self) {
        mio::Waker::wake(self).unwrap();
    }
}

const MIO_WAKER: mio::Token = mio::Token(0);

struct MioWaiter(mio::Poll, mio::Events);

impl Wait for MioWaiter {
    fn wait_woken(&mut self) {
        loop {
            self.0.poll(&mut self.1, None).unwrap();
            if self.1.iter().any(|ev| ev.token() == MIO_WAKER) {
                return;
            }
        }
    }
}

impl Wake for polling::Poller {
    fn wake(&self) {
        self.notify().unwrap();
    }
}

struct PollingWaiter<'p>(&'p polling::Poller, polling::Events);

impl Wait for PollingWaiter<'_> {
    fn wait_woken(&mut self) {
        // No sources are registered: a blocking wait returns on a notify
        // only. polling appends to `Events`: clear them first.
        self.1.clear();
        self.0.wait(&mut self.1, None).unwrap();
    }
}

fn polling_events() -> polling::Events {
    polling::Events::with_capacity(NonZeroUsize::new(8).unwrap())
}

/// Runs `f` with a fresh subject of each kind.
macro_rules! with_subject {
    (bareio, |$waker:ident, $waiter:ident| $body:expr) => {{
        let poller = bareio::poll::Poller::new().unwrap();
        let ($waker, $waiter) = (&poller, BareioWaiter(&poller, bareio::poll::Events::new()));
        $body
    }};
    (mio, |$waker:ident, $waiter:ident| $body:expr) => {{
        let poll = mio::Poll::new().unwrap();
        let waker = mio::Waker::new(poll.registry(), MIO_WAKER).unwrap();
        let ($waker, $waiter) = (&waker, MioWaiter(poll, mio::Events::with_capacity(8)));
        $body
    }};
    (polling, |$waker:ident, $waiter:ident| $body:expr) => {{
        let poller = polling::Poller::new().unwrap();
        let ($waker, $waiter) = (&poller, PollingWaiter(&poller, polling_events()));
        $body
    }};
}

/// `WAKERS` threads call `wake` `iters` times each while `waiter` drains;
/// returns the time from the first waker's start until the last one is
/// done (each waker clocks itself: the spawning thread may run late).
fn burst(waker: &impl Wake, mut waiter: impl Wait, iters: u64) -> Duration {
    let done = AtomicBool::new(false);
    let start_line = Barrier::new(WAKERS + 1);
    std::thread::scope(|s| {
        let done = &done;
        s.spawn(move || {
            while !done.load(Ordering::Acquire) {
                waiter.wait_woken();
            }
        });
        let wakers: Vec<_> = (0..WAKERS)
            .map(|_| {
                s.spawn(|| {
                    start_line.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        waker.wake();
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        start_line.wait();
        let spans: Vec<_> = wakers.into_iter().map(|w| w.join().unwrap()).collect();
        let first = spans.iter().map(|s| s.0).min().unwrap();
        let elapsed = spans.iter().map(|s| s.1).max().unwrap() - first;
        done.store(true, Ordering::Release);
        waker.wake(); // the waiter's last wait returns
        elapsed
    })
}

/// Two threads ping-pong `iters` times: this one wakes `b`, waits for its
/// own wakeup; the other waits, then wakes `a`.
fn round_trip(a: (&impl Wake, impl Wait), b: (&impl Wake, impl Wait), iters: u64) -> Duration {
    let ((a_waker, mut a_waiter), (b_waker, mut b_waiter)) = (a, b);
    std::thread::scope(|s| {
        s.spawn(move || {
            for _ in 0..iters {
                b_waiter.wait_woken();
                a_waker.wake();
            }
        });
        let start = Instant::now();
        for _ in 0..iters {
            b_waker.wake();
            a_waiter.wait_woken();
        }
        start.elapsed()
    })
}

macro_rules! burst_of {
    ($kind:ident) => {
        |iters| with_subject!($kind, |waker, waiter| burst(waker, waiter, iters))
    };
}

macro_rules! round_trip_of {
    ($kind:ident) => {
        |iters| {
            with_subject!($kind, |a_waker, a_waiter| {
                with_subject!($kind, |b_waker, b_waiter| {
                    round_trip((a_waker, a_waiter), (b_waker, b_waiter), iters)
                })
            })
        }
    };
}

/// `ops` wakes after a first one, so each finds a wakeup pending.
fn pending_wakes(waker: &impl Wake, ops: u64) -> u64 {
    waker.wake();
    (0..ops).for_each(|_| waker.wake());
    ops
}

/// `ops` round trips on this thread: wake `b`, its wait returns at once;
/// wake `a`, likewise.
fn round_trips(a: (&impl Wake, impl Wait), b: (&impl Wake, impl Wait), ops: u64) -> u64 {
    let ((a_waker, mut a_waiter), (b_waker, mut b_waiter)) = (a, b);
    for _ in 0..ops {
        b_waker.wake();
        b_waiter.wait_woken();
        a_waker.wake();
        a_waiter.wait_woken();
    }
    ops
}

macro_rules! pending_wakes_of {
    ($kind:ident) => {
        |ops| with_subject!($kind, |waker, _waiter| pending_wakes(waker, ops))
    };
}

macro_rules! round_trips_of {
    ($kind:ident) => {
        |ops| {
            with_subject!($kind, |a_waker, a_waiter| {
                with_subject!($kind, |b_waker, b_waiter| round_trips(
                    (a_waker, a_waiter),
                    (b_waker, b_waiter),
                    ops
                ))
            })
        }
    };
}

/// One operation: one wake (`wake_burst`), one round trip.
const CASES: &[common::Case] = &[
    ("wake_burst/bareio", 2000, pending_wakes_of!(bareio)),
    ("wake_burst/mio", 2000, pending_wakes_of!(mio)),
    ("wake_burst/polling", 2000, pending_wakes_of!(polling)),
    ("wake_round_trip/bareio", 200, round_trips_of!(bareio)),
    ("wake_round_trip/mio", 200, round_trips_of!(mio)),
    ("wake_round_trip/polling", 200, round_trips_of!(polling)),
];

const WORKLOADS: &[common::Workload] = &[
    ("wake_burst/bareio", burst_of!(bareio)),
    ("wake_burst/mio", burst_of!(mio)),
    ("wake_burst/polling", burst_of!(polling)),
    ("wake_round_trip/bareio", round_trip_of!(bareio)),
    ("wake_round_trip/mio", round_trip_of!(mio)),
    ("wake_round_trip/polling", round_trip_of!(polling)),
];

fn benches(c: &mut Criterion) {
    for group_name in ["wake_burst", "wake_round_trip"] {
        let mut group = c.benchmark_group(group_name);
        if group_name == "wake_burst" {
            group.throughput(Throughput::Elements(WAKERS as u64));
        }
        for &(name, run) in WORKLOADS {
            if let Some(function) = name.strip_prefix(group_name).and_then(|n| n.strip_prefix('/')) {
                group.bench_function(function, |b| b.iter_custom(run));
            }
        }
        group.finish();
    }
}

fn main() {
    common::main(WORKLOADS, CASES, benches);
}
