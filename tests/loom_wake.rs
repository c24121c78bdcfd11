//! Loom models of the wake protocol (`bareio::wake::WakeFlag`), run with
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" cargo test --release --test loom_wake
//! ```
//!
//! The protocol code under test is the crate's own `WakeFlag`, the one both
//! `Poller` backends run; only the kernel is modelled, once per backend:
//!
//! - `Kind::Eventfd` (Linux): an edge-triggered eventfd inside an epoll. A
//!   raise adds to a counter (which can be full: `EAGAIN`, then reset) and
//!   queues one edge; a wait takes it.
//! - `Kind::UserEvent` (FreeBSD, macOS): kqueue's `EVFILT_USER` registered
//!   with `EV_CLEAR`. A raise (`NOTE_TRIGGER`) marks it triggered, triggers
//!   before a wait coalesce, and a wait that returns it clears it. No
//!   counter, so never `EAGAIN`.
//!
//! A blocking wait sleeps until there is an event. A lost wakeup is a
//! blocking wait with nothing queued after every other thread has finished,
//! i.e. a sleep nothing can end: the fake kernel asserts that it never
//! happens.
//!
//! Property checked in every interleaving, for both kernels: a `wake()`
//! that happens after the poller's last check of the shared state always
//! ends its next blocking wait, and the number of raises (eventfd writes or
//! `NOTE_TRIGGER` kevents, i.e. syscalls) is at most one per consumed
//! wakeup, plus one pending, plus one per wakeup a non-blocking wait
//! intercepted (the relay, Go's "wrong thread" re-post).
//!
//! Two deliberately broken variants must fail (`should_panic`): a
//! non-blocking wait that consumes the wakeup as a blocking one would, and
//! one that takes the event without relaying it. If either ever passes,
//! the model can no longer detect lost wakeups.

#![cfg(loom)]

use bareio::wake::{WakeFlag, WakeSignal};
use bareio::Errno;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

/// Which kernel signal the model stands for.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Linux: an `EPOLLET` eventfd whose counter is full above `limit`
    /// (real: 2^64 - 2).
    Eventfd { limit: u64 },
    /// FreeBSD / macOS: `EVFILT_USER` with `EV_CLEAR`, raised by
    /// `NOTE_TRIGGER`.
    UserEvent,
}

const EVENTFD: Kind = Kind::Eventfd { limit: u64::MAX - 1 };

/// The wake signal as the poller's kernel queue and the waker see it.
struct FakeKernel {
    kind: Kind,
    state: Mutex<State>,
    queued: Condvar,
    /// Raises: the syscalls the protocol makes.
    raises: AtomicUsize,
}

struct State {
    /// The eventfd's counter (unused for a user event).
    counter: u64,
    /// An event sits in the ready queue: an eventfd edge, or a triggered
    /// user event (either way at most one, taken by the next wait).
    queued: bool,
    /// Threads other than the blocking poller still running.
    others_running: usize,
}

impl FakeKernel {
    fn new(kind: Kind, others: usize) -> Self {
        Self {
            kind,
            state: Mutex::new(State { counter: 0, queued: false, others_running: others }),
            queued: Condvar::new(),
            raises: AtomicUsize::new(0),
        }
    }

    /// `epoll_wait(-1)` / `kevent(NULL timeout)`: sleep until an event is
    /// queued, and take it (for `EV_CLEAR`, taking it clears it).
    /// Panics if it would sleep forever: nothing queued, nobody left to raise.
    fn wait_blocking(&self) {
        let mut state = self.state.lock().unwrap();
        while !state.queued {
            assert!(state.others_running > 0, "lost wakeup: blocking wait with nothing left to wake it");
            state = self.queued.wait(state).unwrap();
        }
        state.queued = false;
    }

    /// A thread other than the blocking poller is done.
    fn finished(&self) {
        self.state.lock().unwrap().others_running -= 1;
        self.queued.notify_all();
    }

    /// A zero-timeout wait: take a queued event if there is one.
    fn wait_nonblocking(&self) -> bool {
        std::mem::take(&mut self.state.lock().unwrap().queued)
    }
}

impl WakeSignal for FakeKernel {
    fn raise(&self) -> Result<(), Errno> {
        self.raises.fetch_add(1, Relaxed);
        let mut state = self.state.lock().unwrap();
        if let Kind::Eventfd { limit } = self.kind {
            if state.counter >= limit {
                return Err(Errno::EAGAIN);
            }
            state.counter += 1;
        }
        state.queued = true;
        self.queued.notify_all();
        Ok(())
    }

    fn reset(&self) -> Result<(), Errno> {
        match self.kind {
            Kind::Eventfd { .. } => self.state.lock().unwrap().counter = 0,
            Kind::UserEvent => unreachable!("a user event never reports EAGAIN, so is never reset"),
        }
        Ok(())
    }
}

/// A signal whose raises do nothing: handed to `observe` by the broken
/// "no relay" variant, it is the relay's `NOTE_TRIGGER` never made.
struct NoRelay;

impl WakeSignal for NoRelay {
    fn raise(&self) -> Result<(), Errno> {
        Ok(())
    }

    fn reset(&self) -> Result<(), Errno> {
        Ok(())
    }
}

/// The poller and wakers' shared world: protocol, kernel, and the state a
/// wakeup announces (`work`, written Relaxed: only the protocol orders it).
struct World {
    flag: WakeFlag,
    kernel: FakeKernel,
    work: AtomicUsize,
    consumed: AtomicUsize,
    intercepted: AtomicUsize,
}

impl World {
    /// `others`: how many threads besides the blocking poller take part.
    fn new(kind: Kind, others: usize) -> Arc<Self> {
        Arc::new(Self {
            flag: WakeFlag::new(),
            kernel: FakeKernel::new(kind, others),
            work: AtomicUsize::new(0),
            consumed: AtomicUsize::new(0),
            intercepted: AtomicUsize::new(0),
        })
    }

    /// A waker: publish work, then wake.
    fn produce(&self) {
        self.work.fetch_add(1, Relaxed);
        self.flag.wake(&self.kernel).unwrap();
        self.kernel.finished();
    }

    /// `Poller::wait(None)`, as the crate does it.
    fn blocking_wait(&self) {
        self.kernel.wait_blocking();
        assert!(self.flag.observe(&self.kernel, true).unwrap());
        self.consumed.fetch_add(1, Relaxed);
    }

    /// `Poller::wait(Some(ZERO))`, as the crate does it.
    fn nonblocking_wait(&self) {
        if self.kernel.wait_nonblocking() {
            assert!(!self.flag.observe(&self.kernel, false).unwrap());
            self.intercepted.fetch_add(1, Relaxed);
        }
    }

    /// A thread that only makes one non-blocking wait.
    fn nonblocking_poller(&self) {
        self.nonblocking_wait();
        self.kernel.finished();
    }

    /// The event loop: check the state, sleep until woken, until all seen.
    fn consume_until(&self, expected: usize) {
        while self.work.load(Relaxed) < expected {
            self.blocking_wait();
        }
    }

    fn assert_syscalls_bounded(&self) {
        let raises = self.kernel.raises.load(Relaxed);
        let bound = self.consumed.load(Relaxed) + 1 + self.intercepted.load(Relaxed);
        assert!(raises <= bound, "{raises} raises for {bound} cycles");
    }
}

/// Runs `f` on `world` in a new thread.
fn spawn(world: &Arc<World>, f: fn(&World)) -> thread::JoinHandle<()> {
    let world = world.clone();
    thread::spawn(move || f(&world))
}

fn model(f: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

fn two_wakers_one_blocking_poller(kind: Kind) {
    model(move || {
        let world = World::new(kind, 2);
        let wakers = [spawn(&world, World::produce), spawn(&world, World::produce)];
        world.consume_until(2);
        for w in wakers {
            w.join().unwrap();
        }
        world.assert_syscalls_bounded();
        assert!(world.kernel.raises.load(Relaxed) <= 2, "at most one syscall per wake() call");
    });
}

/// Go's "wrong thread": a non-blocking poll takes the event while the
/// blocking poller sleeps. The relay (a second raise) must still wake the
/// sleeper.
fn a_nonblocking_wait_on_another_thread_does_not_steal_the_wakeup(kind: Kind) {
    model(move || {
        let world = World::new(kind, 2);
        let waker = spawn(&world, World::produce);
        let poll = spawn(&world, World::nonblocking_poller);
        world.consume_until(1);
        waker.join().unwrap();
        poll.join().unwrap();
        world.assert_syscalls_bounded();
    });
}

fn a_nonblocking_wait_before_a_blocking_one_on_the_same_thread(kind: Kind) {
    model(move || {
        let world = World::new(kind, 1);
        let waker = spawn(&world, World::produce);
        world.nonblocking_wait();
        world.consume_until(1);
        waker.join().unwrap();
        world.assert_syscalls_bounded();
    });
}

#[test]
fn eventfd_two_wakers_one_blocking_poller() {
    two_wakers_one_blocking_poller(EVENTFD);
}

#[test]
fn user_event_two_wakers_one_blocking_poller() {
    two_wakers_one_blocking_poller(Kind::UserEvent);
}

#[test]
fn eventfd_a_nonblocking_wait_on_another_thread_does_not_steal_the_wakeup() {
    a_nonblocking_wait_on_another_thread_does_not_steal_the_wakeup(EVENTFD);
}

#[test]
fn user_event_a_nonblocking_wait_on_another_thread_does_not_steal_the_wakeup() {
    a_nonblocking_wait_on_another_thread_does_not_steal_the_wakeup(Kind::UserEvent);
}

#[test]
fn eventfd_a_nonblocking_wait_before_a_blocking_one_on_the_same_thread() {
    a_nonblocking_wait_before_a_blocking_one_on_the_same_thread(EVENTFD);
}

#[test]
fn user_event_a_nonblocking_wait_before_a_blocking_one_on_the_same_thread() {
    a_nonblocking_wait_before_a_blocking_one_on_the_same_thread(Kind::UserEvent);
}

#[test]
fn eventfd_a_full_counter_is_reset_and_the_wakeup_still_delivered() {
    // limit 1: the second raise finds the counter full (EAGAIN).
    model(|| {
        let world = World::new(Kind::Eventfd { limit: 1 }, 2);
        let wakers = [spawn(&world, World::produce), spawn(&world, World::produce)];
        world.consume_until(2);
        for w in wakers {
            w.join().unwrap();
        }
    });
}

/// The broken variants' harness: a waker, a thread whose non-blocking wait
/// runs `broken_observe` when it takes the event, and the blocking poller.
fn broken_nonblocking_wait(kind: Kind, broken_observe: fn(&World)) {
    model(move || {
        let world = World::new(kind, 2);
        let waker = spawn(&world, World::produce);
        let poll = {
            let world = world.clone();
            thread::spawn(move || {
                if world.kernel.wait_nonblocking() {
                    broken_observe(&world);
                }
                world.kernel.finished();
            })
        };
        world.consume_until(1);
        waker.join().unwrap();
        poll.join().unwrap();
    });
}

/// BUG (on purpose): `blocking = true` on a non-blocking wait, which
/// consumes the wakeup (re-opens the flag) instead of relaying it.
fn consume_as_if_blocking(world: &World) {
    world.flag.observe(&world.kernel, true).unwrap();
}

/// BUG (on purpose): the protocol's non-blocking path, but the relay's
/// raise (`NOTE_TRIGGER` again) is never made.
fn no_relay(world: &World) {
    world.flag.observe(&NoRelay, false).unwrap();
}

#[test]
#[should_panic(expected = "lost wakeup")]
fn broken_eventfd_nonblocking_wait_that_consumes_the_wakeup_is_caught() {
    broken_nonblocking_wait(EVENTFD, consume_as_if_blocking);
}

#[test]
#[should_panic(expected = "lost wakeup")]
fn broken_user_event_nonblocking_wait_that_consumes_the_wakeup_is_caught() {
    broken_nonblocking_wait(Kind::UserEvent, consume_as_if_blocking);
}

#[test]
#[should_panic(expected = "lost wakeup")]
fn broken_user_event_without_relay_is_caught() {
    broken_nonblocking_wait(Kind::UserEvent, no_relay);
}

#[test]
#[should_panic(expected = "lost wakeup")]
fn broken_eventfd_without_relay_is_caught() {
    broken_nonblocking_wait(EVENTFD, no_relay);
}
