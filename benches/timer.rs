//! Deadlines of 8,192 connections: `bareio::timer::Timers` against the
//! usual `std::collections::BinaryHeap` with lazy deletion, doing the same
//! relay-like work; and the cost of one clock read, bareio's
//! `Instant::now` (a raw `clock_gettime` syscall) against
//! `std::time::Instant::now` (libc's, through the vDSO).
//!
//! The work (one criterion iteration = one step, on a simulated clock
//! advancing 200 µs a step, so the figures do not depend on the machine's
//! clock): a step picks a connection at random; a closed one opens
//! (connect deadline, 1 s), an open one closes one time in 32 (cancel) and
//! otherwise has activity (idle deadline moved to now + 10 s). Every 64
//! steps, an event-loop turn takes every expired deadline (the connection
//! closes). Both subjects start from the same state after 200,000 warm-up
//! steps and produce the same expirations (checked before timing).
//!
//! The `BinaryHeap` is the textbook way: each set pushes
//! `Reverse((deadline, key, generation))`, cancel bumps the key's
//! generation, stale entries are skipped when they surface, and the heap
//! is compacted (`retain`) when it holds more than twice the live entries
//! plus 1,024.
//!
//! `timers/no_deadlines` runs the same steps with a set that does nothing:
//! the simulation's own cost, to subtract from both.
//!
//! Run with `cargo bench --bench timer`; side by side in one process:
//! `BAREIO_BENCH_INTERLEAVE=timers/ BAREIO_BENCH_ITERS=100000 target/release/deps/timer-<hash>`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bareio::timer::Timers;
use criterion::Criterion;

mod common;

const KEYS: usize = 8192;
const STEP_NS: u64 = 200_000;
const CONNECT_NS: u64 = 1_000_000_000;
const IDLE_NS: u64 = 10_000_000_000;
const TURN: u64 = 64;
const WARM_UP: u64 = 200_000;

/// What the workload needs of a deadline set (times in nanoseconds).
trait Deadlines {
    fn set(&mut self, key: usize, at: u64);
    fn cancel(&mut self, key: usize);
    fn pop_expired(&mut self, now: u64) -> Option<usize>;
}

impl Deadlines for Timers<KEYS> {
    fn set(&mut self, key: usize, at: u64) {
        Timers::set(self, key, bareio::time::Instant::from_nanos(at)).unwrap();
    }
    fn cancel(&mut self, key: usize) {
        Timers::cancel(self, key).unwrap();
    }
    fn pop_expired(&mut self, now: u64) -> Option<usize> {
        Timers::pop_expired(self, bareio::time::Instant::from_nanos(now)).map(|(key, _)| key)
    }
}

/// `BinaryHeap` with lazy deletion by generation, compacted when mostly
/// stale.
struct LazyHeap {
    heap: BinaryHeap<Reverse<(u64, u32, u32)>>,
    generation: Vec<u32>,
    live: Vec<bool>,
    live_count: usize,
}

impl LazyHeap {
    fn new() -> Self {
        Self { heap: BinaryHeap::new(), generation: vec![0; KEYS], live: vec![false; KEYS], live_count: 0 }
    }

    fn is_current(&self, &Reverse((_, key, generation)): &Reverse<(u64, u32, u32)>) -> bool {
        self.live[key as usize] && self.generation[key as usize] == generation
    }
}

impl Deadlines for LazyHeap {
    fn set(&mut self, key: usize, at: u64) {
        self.generation[key] = self.generation[key].wrapping_add(1);
        if !self.live[key] {
            self.live[key] = true;
            self.live_count += 1;
        }
        self.heap.push(Reverse((at, key as u32, self.generation[key])));
        if self.heap.len() > 2 * self.live_count + 1024 {
            let (generation, live) = (&self.generation, &self.live);
            self.heap.retain(|&Reverse((_, k, g))| live[k as usize] && generation[k as usize] == g);
        }
    }
    fn cancel(&mut self, key: usize) {
        if self.live[key] {
            self.live[key] = false;
            self.live_count -= 1;
        }
    }
    fn pop_expired(&mut self, now: u64) -> Option<usize> {
        while let Some(&top) = self.heap.peek() {
            if top.0 .0 > now {
                return None;
            }
            self.heap.pop();
            if self.is_current(&top) {
                let key = top.0 .1 as usize;
                self.live[key] = false;
                self.live_count -= 1;
                return Some(key);
            }
        }
        None
    }
}

/// The simulated relay: which connections are open, the clock, the
/// random source, and a checksum of the expirations seen.
struct Relay {
    open: Vec<bool>,
    now: u64,
    rng: u64,
    steps: u64,
    expired: u64,
}

impl Relay {
    fn new() -> Self {
        Self { open: vec![false; KEYS], now: 1 << 40, rng: 0x2545_f491_4f6c_dd1d, steps: 0, expired: 0 }
    }

    fn step<D: Deadlines>(&mut self, deadlines: &mut D) {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let key = (self.rng % KEYS as u64) as usize;
        if !self.open[key] {
            self.open[key] = true;
            deadlines.set(key, self.now + CONNECT_NS);
        } else if (self.rng >> 32) % 32 == 0 {
            self.open[key] = false;
            deadlines.cancel(key);
        } else {
            deadlines.set(key, self.now + IDLE_NS);
        }
        self.now += STEP_NS;
        self.steps += 1;
        if self.steps % TURN == 0 {
            while let Some(key) = deadlines.pop_expired(self.now) {
                self.open[key] = false;
                self.expired = self.expired.wrapping_mul(31).wrapping_add(key as u64 + 1);
            }
        }
    }
}

/// `iters` steps of `D` after the warm-up; the time of the steps only.
fn run<D: Deadlines>(mut deadlines: D, iters: u64) -> Duration {
    let mut relay = Relay::new();
    for _ in 0..WARM_UP {
        relay.step(&mut deadlines);
    }
    let start = Instant::now();
    for _ in 0..iters {
        relay.step(&mut deadlines);
    }
    let elapsed = start.elapsed();
    black_box(relay.expired);
    elapsed
}

/// Both subjects see the same expirations in the same order.
fn check_same_work() {
    let (mut a, mut b) = (Relay::new(), Relay::new());
    let mut timers = Box::new(Timers::<KEYS>::new());
    let mut heap = LazyHeap::new();
    for _ in 0..WARM_UP {
        a.step(&mut *timers);
        b.step(&mut heap);
    }
    assert_eq!((a.expired, a.open), (b.expired, b.open), "Timers and BinaryHeap disagree");
    assert!(a.expired != 0, "the workload expires deadlines");
}

fn bareio_timers(iters: u64) -> Duration {
    run(Box::new(Timers::<KEYS>::new()), iters)
}

fn binary_heap(iters: u64) -> Duration {
    run(LazyHeap::new(), iters)
}

impl<D: Deadlines + ?Sized> Deadlines for Box<D> {
    fn set(&mut self, key: usize, at: u64) {
        (**self).set(key, at);
    }
    fn cancel(&mut self, key: usize) {
        (**self).cancel(key);
    }
    fn pop_expired(&mut self, now: u64) -> Option<usize> {
        (**self).pop_expired(now)
    }
}

fn bareio_clock(iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(bareio::time::Instant::now().unwrap());
    }
    start.elapsed()
}

fn std_clock(iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(Instant::now());
    }
    start.elapsed()
}

/// No deadlines at all: what the simulation itself costs a step.
struct NoDeadlines;

impl Deadlines for NoDeadlines {
    fn set(&mut self, key: usize, at: u64) {
        black_box((key, at));
    }
    fn cancel(&mut self, key: usize) {
        black_box(key);
    }
    fn pop_expired(&mut self, _now: u64) -> Option<usize> {
        None
    }
}

const WORKLOADS: &[common::Workload] = &[
    ("timers/no_deadlines/8192", |iters| run(NoDeadlines, iters)),
    ("timers/bareio/8192", bareio_timers),
    ("timers/binary_heap/8192", binary_heap),
    ("clock/bareio", bareio_clock),
    ("clock/std", std_clock),
];

fn benches(c: &mut Criterion) {
    for group_name in ["timers", "clock"] {
        let mut group = c.benchmark_group(group_name);
        for &(name, run) in WORKLOADS.iter().filter(|(n, _)| n.starts_with(group_name)) {
            let function = name.split('/').nth(1).unwrap();
            group.bench_function(function, |b| b.iter_custom(run));
        }
        group.finish();
    }
}

/// `ops` relay-like steps with `deadlines` (after the warm-up), for the
/// instruction counts; returns the steps done.
fn steps<D: Deadlines>(mut deadlines: D, ops: u64) -> u64 {
    let mut relay = Relay::new();
    for _ in 0..WARM_UP + ops {
        relay.step(&mut deadlines);
    }
    black_box(relay.expired);
    ops
}

/// One operation: one relay-like step (a reset, and the expiries due).
const CASES: &[common::Case] = &[
    ("timers/no_deadlines/8192", 20_000, |ops| steps(NoDeadlines, ops)),
    ("timers/bareio/8192", 20_000, |ops| steps(Box::new(Timers::<KEYS>::new()), ops)),
    ("timers/binary_heap/8192", 20_000, |ops| steps(LazyHeap::new(), ops)),
];

fn main() {
    check_same_work();
    common::main(WORKLOADS, CASES, benches);
}
