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
//! Properties checked in every interleaving, for both kernels:
//!
//! - a `wake()` that happens after the poller's last check of the shared
//!   state always ends its next blocking wait;
//! - a `wake()` that happens before a wait of any kind, a zero-timeout one
//!   included, is reported by that wait or (if they raced) by the next one;
//! - the number of raises (eventfd writes or `NOTE_TRIGGER` kevents, i.e.
//!   syscalls) is at most one per consumed wakeup, plus one pending.
//!
//! Deliberately broken variants must fail (`should_panic`): a zero-timeout
//! wait that takes the event and re-posts it instead of reporting it (the
//! crate's rule before this model), and a wait that takes the event without
//! re-opening the flag (so later wakes are deduplicated away). If either
//! ever passes, the model can no longer detect what it is for.

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

/// The poller and wakers' shared world: protocol, kernel, and the state a
/// wakeup announces (`work`, written Relaxed: only the protocol orders it).
struct World {
    flag: WakeFlag,
    kernel: FakeKernel,
    work: AtomicUsize,
    consumed: AtomicUsize,
}

impl World {
    /// `others`: how many threads besides the blocking poller take part.
    fn new(kind: Kind, others: usize) -> Arc<Self> {
        Arc::new(Self {
            flag: WakeFlag::new(),
            kernel: FakeKernel::new(kind, others),
            work: AtomicUsize::new(0),
            consumed: AtomicUsize::new(0),
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
        self.flag.observe();
        self.consumed.fetch_add(1, Relaxed);
    }

    /// `Poller::wait(Some(ZERO))`, as the crate does it; returns whether it
    /// reported a wakeup (`Events::is_woken`).
    fn nonblocking_wait(&self) -> bool {
        let took = self.kernel.wait_nonblocking();
        if took {
            self.flag.observe();
            self.consumed.fetch_add(1, Relaxed);
        }
        took
    }

    /// The event loop: check the state, sleep until woken, until all seen.
    fn consume_until(&self, expected: usize) {
        while self.work.load(Relaxed) < expected {
            self.blocking_wait();
        }
    }

    fn assert_syscalls_bounded(&self) {
        let raises = self.kernel.raises.load(Relaxed);
        let bound = self.consumed.load(Relaxed) + 1;
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

/// A loop that only polls with a zero timeout: a `wake()` that happened
/// before a wait is reported by that wait or an earlier one. `wait` is the
/// zero-timeout wait under test.
fn zero_timeout_waits_report_every_wakeup(kind: Kind, wait: fn(&World) -> bool) {
    model(move || {
        let world = World::new(kind, 1);
        let waker = spawn(&world, World::produce);
        let mut reported = wait(&world);
        waker.join().unwrap();
        // `wake()` has returned: the raise is made, so this wait sees it
        // unless an earlier one already reported it.
        reported |= wait(&world);
        assert!(reported, "a zero-timeout wait never reported a wake() that happened before it");
        // The wakeup came with its work, and was reported once.
        assert_eq!(world.work.load(Relaxed), 1);
        assert!(!wait(&world), "one wake() reported twice");
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
fn eventfd_zero_timeout_waits_report_every_wakeup() {
    zero_timeout_waits_report_every_wakeup(EVENTFD, World::nonblocking_wait);
}

#[test]
fn user_event_zero_timeout_waits_report_every_wakeup() {
    zero_timeout_waits_report_every_wakeup(Kind::UserEvent, World::nonblocking_wait);
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

/// BUG (on purpose): the crate's rule before this model: a zero-timeout
/// wait that takes the event re-posts it (for a blocking wait elsewhere)
/// and reports nothing.
fn relay_instead_of_report(world: &World) -> bool {
    if world.kernel.wait_nonblocking() {
        world.kernel.raise().unwrap();
    }
    false
}

/// BUG (on purpose): the wait takes the event but never re-opens the flag,
/// so every later `wake()` is deduplicated against a consumed wakeup.
fn blocking_wait_without_observe(world: &World) {
    world.kernel.wait_blocking();
}

#[test]
#[should_panic(expected = "never reported")]
fn broken_eventfd_zero_timeout_wait_that_relays_instead_of_reporting_is_caught() {
    zero_timeout_waits_report_every_wakeup(EVENTFD, relay_instead_of_report);
}

#[test]
#[should_panic(expected = "never reported")]
fn broken_user_event_zero_timeout_wait_that_relays_instead_of_reporting_is_caught() {
    zero_timeout_waits_report_every_wakeup(Kind::UserEvent, relay_instead_of_report);
}

fn broken_flag_never_reopened(kind: Kind) {
    model(move || {
        let world = World::new(kind, 2);
        let wakers = [spawn(&world, World::produce), spawn(&world, World::produce)];
        while world.work.load(Relaxed) < 2 {
            blocking_wait_without_observe(&world);
        }
        for w in wakers {
            w.join().unwrap();
        }
    });
}

#[test]
#[should_panic(expected = "lost wakeup")]
fn broken_eventfd_flag_never_reopened_is_caught() {
    broken_flag_never_reopened(EVENTFD);
}

#[test]
#[should_panic(expected = "lost wakeup")]
fn broken_user_event_flag_never_reopened_is_caught() {
    broken_flag_never_reopened(Kind::UserEvent);
}
