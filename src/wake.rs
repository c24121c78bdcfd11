//! The wake protocol: Go's `netpollWakeSig`, generic over the kernel signal.
//!
//! A [`WakeFlag`] deduplicates wakeups: of many [`wake`](WakeFlag::wake)
//! calls made before the poller runs, only the first raises the kernel
//! signal (one syscall); the poller [`observe`](WakeFlag::observe)s the
//! signal and re-opens the flag for the next cycle.
//!
//! The signal is abstracted by [`WakeSignal`] so the same code drives the
//! eventfd on Linux, `EVFILT_USER` on FreeBSD and macOS, and the loom
//! models in `tests/loom_wake.rs` (one fake kernel per backend), which
//! check this very code rather than a copy.
//!
//! # The protocol, and why it is one syscall per cycle
//!
//! The signal is edge-triggered (an `EPOLLET` eventfd, or a user event with
//! `EV_CLEAR`): a raise queues one event, and the poller never needs to
//! read (drain) or re-enable it. So a cycle is:
//!
//! 1. `wake()`: `pending` false → true, raise (write 1 to the eventfd, or
//!    `kevent` with `NOTE_TRIGGER`); later `wake()`s see `pending` true and
//!    return with no syscall;
//! 2. a wait returns the event; `observe()` sets `pending` back to false, so
//!    the next `wake()` raises again, and the wait reports the wakeup.
//!
//! Any wait that receives the event reports it, whatever its timeout: a
//! loop that polls with a zero timeout while it has work sees a wakeup as
//! promptly as one that blocks (as mio and polling do). A `wake()` that
//! happens before a wait starts is reported by that wait, or, if it raced
//! with it (the flag was set but the raise not yet made), by the next one.
//! When several threads wait on one poller at once, each wakeup ends one of
//! those waits: the one that receives the event.
//!
//! A signal that cannot be raised because its counter is full (an eventfd
//! at `u64::MAX - 1`, `EAGAIN`) is reset and raised again. (A user event
//! has no counter: it never reports `EAGAIN`.)
//!
//! `wake()` is async-signal-safe: an atomic swap and, at most, a `write`
//! (or `kevent`) and a `read`; no lock, no allocation. A signal handler may
//! call it to end a blocking wait, which a signal alone never does (the
//! poller retries `EINTR`).

use crate::sync::{AtomicBool, Ordering};
use crate::Errno;

/// The kernel object a wakeup is delivered through.
pub trait WakeSignal {
    /// Raises the signal: the poller's next (or current) wait returns an
    /// event for it. `Err(EAGAIN)` means it is full and must be
    /// [`reset`](WakeSignal::reset) first.
    fn raise(&self) -> Result<(), Errno>;

    /// Clears the signal's stored count (after `raise` reported `EAGAIN`).
    fn reset(&self) -> Result<(), Errno>;
}

/// The deduplicating wake flag (`netpollWakeSig`).
#[derive(Debug, Default)]
pub struct WakeFlag {
    /// A wakeup has been raised and not yet consumed by a blocking wait.
    pending: AtomicBool,
}

impl WakeFlag {
    /// A flag with no wakeup pending.
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self { pending: AtomicBool::new(false) }
    }

    /// A flag with no wakeup pending.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self { pending: AtomicBool::new(false) }
    }

    /// Makes the poller's current or next wait return.
    ///
    /// Raises `signal` only if no wakeup is already pending; otherwise the
    /// pending one serves this call too. If raising fails, the flag is
    /// released so that a later `wake` tries again, and the error returned.
    pub fn wake(&self, signal: &impl WakeSignal) -> Result<(), Errno> {
        // AcqRel: the caller's writes before `wake` happen-before the
        // poller's `observe` that swaps the flag back (a release sequence).
        if self.pending.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let raised = raise(signal);
        if raised.is_err() {
            self.pending.store(false, Ordering::Release);
        }
        raised
    }

    /// A wait received the signal's event: the wakeup is consumed (the
    /// wait reports it), and the flag re-opens for the next `wake`.
    pub fn observe(&self) {
        // AcqRel: see `wake`; a swap, not a store, so that a `wake`
        // deduplicated against this cycle is visible to the caller.
        self.pending.swap(false, Ordering::AcqRel);
    }

    /// Whether a wakeup is raised and not yet consumed.
    pub fn is_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }
}

/// Raises `signal`, resetting it first if it is full.
fn raise(signal: &impl WakeSignal) -> Result<(), Errno> {
    match signal.raise() {
        Err(Errno::EAGAIN) => {
            signal.reset()?;
            signal.raise()
        }
        other => other,
    }
}
