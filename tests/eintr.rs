//! EINTR: a signal interrupting `Poller::wait` does not end it. A blocking
//! wait is retried; a timed wait is retried with the time left.
//!
//! Alone in its own test binary on purpose: under qemu-i386, handling a
//! signal in one thread while the test harness ran other tests in parallel
//! threads corrupted another thread's thread-local storage (seen as
//! "cannot access a Thread Local Storage value during or after destruction"
//! and a hung run), most likely because qemu-user keeps one emulated GDT
//! for all threads, so a `sigreturn` that reloads `%gs` picks up the TLS
//! descriptor of the newest thread. Here the signalled waiter is always the
//! newest thread. Real kernels are not affected.

#![cfg(target_os = "linux")]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use bareio::poll::{Events, Poller};

static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_: libc::c_int) {
    SIGNALS.fetch_add(1, SeqCst);
}

/// Installs a SIGUSR1 handler without SA_RESTART: epoll_wait returns EINTR.
fn install_sigusr1_handler() {
    // SAFETY: a plain sigaction with an async-signal-safe handler.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut action.sa_mask);
        action.sa_flags = 0;
        assert_eq!(libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()), 0);
    }
}

#[test]
fn eintr_is_retried_for_blocking_and_timed_waits() {
    install_sigusr1_handler();
    let poller = Poller::new().unwrap();
    // 0: timed wait running, 1: blocking wait running, 2: blocking wait done.
    let phase = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            // SAFETY: pthread_self has no preconditions.
            tx.send(unsafe { libc::pthread_self() }).unwrap();
            let mut events = Events::<2>::new();
            // Timed: interrupted waits resume with the time left.
            let start = Instant::now();
            let timeout = Duration::from_millis(50);
            assert_eq!(poller.wait(&mut events, Some(timeout)), Ok(0));
            assert!(!events.is_woken());
            let timed_elapsed = start.elapsed();
            phase.store(1, SeqCst);
            // Blocking: only the wake ends it, never a signal.
            let result = poller.wait(&mut events, None);
            phase.store(2, SeqCst);
            (timed_elapsed, result, events.is_woken())
        });
        let pthread = rx.recv().unwrap();
        let signal = || {
            // SAFETY: the thread is alive until it is joined below, and
            // SIGUSR1 has a handler.
            unsafe { libc::pthread_kill(pthread, libc::SIGUSR1) };
            std::thread::yield_now();
        };
        // Stop signalling if the waiter ended (e.g. an assertion failed on
        // an EINTR it should have retried): the join below reports it.
        while phase.load(SeqCst) == 0 && !waiter.is_finished() {
            signal();
        }
        let before = SIGNALS.load(SeqCst);
        while SIGNALS.load(SeqCst) < before + 20 && !waiter.is_finished() {
            signal();
        }
        assert_eq!(phase.load(SeqCst), 1, "a signal ended the blocking wait");
        poller.wake().unwrap();
        let (timed_elapsed, result, woken) = waiter.join().unwrap();
        assert!(timed_elapsed >= Duration::from_millis(50), "timed wait ended early: {timed_elapsed:?}");
        assert_eq!(result, Ok(0));
        assert!(woken);
    });
}
