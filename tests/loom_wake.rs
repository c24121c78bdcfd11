//! Loom models of the wake protocol (`bareio::wake::WakeFlag`), run with
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" cargo test --release --test loom_wake
//! ```
//!
//! The protocol code under test is the crate's own `WakeFlag`; only the
//! kernel is modelled: `FakeEventfd` is an edge-triggered eventfd inside an
//! epoll (a raise queues one edge; a wait takes it; a blocking wait sleeps
//! until there is one). A lost wakeup is a blocking wait with no edge queued
//! after every other thread has finished, i.e. a sleep nothing can end: the
//! fake epoll asserts that it never happens.
//!
//! Property checked in every interleaving: a `wake()` that happens after the
//! poller's last check of the shared state always ends its next blocking
//! wait, and the number of raises (eventfd writes, i.e. syscalls) is at
//! most one per consumed wakeup, plus one pending, plus one per wakeup a
//! non-blocking wait intercepted.

#![cfg(loom)]

use bareio::wake::{WakeFlag, WakeSignal};
use bareio::Errno;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

/// An `EPOLLET` eventfd as epoll and the waker see it.
struct FakeEventfd {
    state: Mutex<State>,
    edge_queued: Condvar,
    /// eventfd writes: the syscalls the protocol makes.
    raises: AtomicUsize,
    /// Largest counter value before a write gives EAGAIN (real: 2^64 - 2).
    limit: u64,
}

struct State {
    counter: u64,
    /// An edge sits in epoll's ready list (ET: at most one at a time).
    edge: bool,
    /// Threads other than the blocking poller still running.
    others_running: usize,
}

impl FakeEventfd {
    fn new(limit: u64, others: usize) -> Self {
        Self {
            state: Mutex::new(State { counter: 0, edge: false, others_running: others }),
            edge_queued: Condvar::new(),
            raises: AtomicUsize::new(0),
            limit,
        }
    }

    /// `epoll_wait(-1)`: sleep until an edge is queued, and take it.
    /// Panics if it would sleep forever: no edge, and nobody left to raise.
    fn wait_blocking(&self) {
        let mut state = self.state.lock().unwrap();
        while !state.edge {
            assert!(state.others_running > 0, "lost wakeup: blocking wait with nothing left to wake it");
            state = self.edge_queued.wait(state).unwrap();
        }
        state.edge = false;
    }

    /// A thread other than the blocking poller is done.
    fn finished(&self) {
        self.state.lock().unwrap().others_running -= 1;
        self.edge_queued.notify_all();
    }

    /// `epoll_wait(0)`: take a queued edge if there is one.
    fn wait_nonblocking(&self) -> bool {
        std::mem::take(&mut self.state.lock().unwrap().edge)
    }
}

impl WakeSignal for FakeEventfd {
    fn raise(&self) -> Result<(), Errno> {
        self.raises.fetch_add(1, Relaxed);
        let mut state = self.state.lock().unwrap();
        if state.counter >= self.limit {
            return Err(Errno::EAGAIN);
        }
        state.counter += 1;
        state.edge = true;
        self.edge_queued.notify_all();
        Ok(())
    }

    fn reset(&self) -> Result<(), Errno> {
        self.state.lock().unwrap().counter = 0;
        Ok(())
    }
}

/// The poller and wakers' shared world: protocol, kernel, and the state a
/// wakeup announces (`work`, written Relaxed: only the protocol orders it).
struct World {
    flag: WakeFlag,
    eventfd: FakeEventfd,
    work: AtomicUsize,
    consumed: AtomicUsize,
    intercepted: AtomicUsize,
}

impl World {
    /// `others`: how many threads besides the blocking poller take part.
    fn new(limit: u64, others: usize) -> Arc<Self> {
        Arc::new(Self {
            flag: WakeFlag::new(),
            eventfd: FakeEventfd::new(limit, others),
            work: AtomicUsize::new(0),
            consumed: AtomicUsize::new(0),
            intercepted: AtomicUsize::new(0),
        })
    }

    /// A waker: publish work, then wake.
    fn produce(&self) {
        self.work.fetch_add(1, Relaxed);
        self.flag.wake(&self.eventfd).unwrap();
        self.eventfd.finished();
    }

    /// `Poller::wait(None)`, as the crate does it.
    fn blocking_wait(&self) {
        self.eventfd.wait_blocking();
        assert!(self.flag.observe(&self.eventfd, true).unwrap());
        self.consumed.fetch_add(1, Relaxed);
    }

    /// `Poller::wait(Some(ZERO))`, as the crate does it.
    fn nonblocking_wait(&self) {
        if self.eventfd.wait_nonblocking() {
            assert!(!self.flag.observe(&self.eventfd, false).unwrap());
            self.intercepted.fetch_add(1, Relaxed);
        }
    }

    /// A thread that only makes one non-blocking wait.
    fn nonblocking_poller(&self) {
        self.nonblocking_wait();
        self.eventfd.finished();
    }

    /// The event loop: check the state, sleep until woken, until all seen.
    fn consume_until(&self, expected: usize) {
        while self.work.load(Relaxed) < expected {
            self.blocking_wait();
        }
    }

    fn assert_syscalls_bounded(&self) {
        let raises = self.eventfd.raises.load(Relaxed);
        let bound = self.consumed.load(Relaxed) + 1 + self.intercepted.load(Relaxed);
        assert!(raises <= bound, "{raises} raises for {bound} cycles");
    }
}

fn model(f: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

#[test]
fn two_wakers_one_blocking_poller() {
    model(|| {
        let world = World::new(u64::MAX - 1, 2);
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let world = world.clone();
                thread::spawn(move || world.produce())
            })
            .collect();
        world.consume_until(2);
        for w in wakers {
            w.join().unwrap();
        }
        world.assert_syscalls_bounded();
        assert!(world.eventfd.raises.load(Relaxed) <= 2, "at most one syscall per wake() call");
    });
}

#[test]
fn a_nonblocking_wait_on_another_thread_does_not_steal_the_wakeup() {
    // Go's "wrong thread": a non-blocking poll takes the edge while the
    // blocking poller sleeps. The re-raise must still wake the sleeper.
    model(|| {
        let world = World::new(u64::MAX - 1, 2);
        let waker = {
            let world = world.clone();
            thread::spawn(move || world.produce())
        };
        let poll = {
            let world = world.clone();
            thread::spawn(move || world.nonblocking_poller())
        };
        world.consume_until(1);
        waker.join().unwrap();
        poll.join().unwrap();
        world.assert_syscalls_bounded();
    });
}

#[test]
fn a_nonblocking_wait_before_a_blocking_one_on_the_same_thread() {
    model(|| {
        let world = World::new(u64::MAX - 1, 1);
        let waker = {
            let world = world.clone();
            thread::spawn(move || world.produce())
        };
        world.nonblocking_wait();
        world.consume_until(1);
        waker.join().unwrap();
        world.assert_syscalls_bounded();
    });
}

#[test]
fn a_full_counter_is_reset_and_the_wakeup_still_delivered() {
    // limit 1: the second raise finds the counter full (EAGAIN).
    model(|| {
        let world = World::new(1, 2);
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let world = world.clone();
                thread::spawn(move || world.produce())
            })
            .collect();
        world.consume_until(2);
        for w in wakers {
            w.join().unwrap();
        }
    });
}

/// The broken variant: a non-blocking wait that consumes the wakeup as a
/// blocking one would (re-opening the flag instead of re-raising). The
/// blocking poller on the other thread then sleeps forever; loom must find
/// that interleaving and fail. If this test ever passes, the model can no
/// longer detect lost wakeups.
#[test]
#[should_panic(expected = "lost wakeup")]
fn broken_nonblocking_wait_that_consumes_the_wakeup_is_caught() {
    model(|| {
        let world = World::new(u64::MAX - 1, 2);
        let waker = {
            let world = world.clone();
            thread::spawn(move || world.produce())
        };
        let poll = {
            let world = world.clone();
            thread::spawn(move || {
                if world.eventfd.wait_nonblocking() {
                    // BUG (on purpose): `blocking = true` on a non-blocking wait.
                    world.flag.observe(&world.eventfd, true).unwrap();
                }
                world.eventfd.finished();
            })
        };
        world.consume_until(1);
        waker.join().unwrap();
        poll.join().unwrap();
    });
}
