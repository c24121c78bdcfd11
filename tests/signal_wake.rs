//! A signal handler ends a blocking `Poller::wait` by calling `wake()`,
//! which is async-signal-safe (an atomic swap and at most a `write`): the
//! way to interrupt `wait(None)`, which retries `EINTR` by design.
//!
//! Its own test binary, for the reason tests/eintr.rs gives (qemu-i386 and
//! signals in multi-threaded test processes): here too the signalled
//! waiter is the newest thread.

#![cfg(target_os = "linux")]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

use bareio::poll::{Events, Poller};

static POLLER: OnceLock<Poller> = OnceLock::new();
static HANDLED: AtomicUsize = AtomicUsize::new(0);

/// The handler: async-signal-safe work only.
extern "C" fn wake_the_poller(_: libc::c_int) {
    if let Some(poller) = POLLER.get() {
        let _ = poller.wake();
    }
    HANDLED.fetch_add(1, SeqCst);
}

#[test]
fn a_signal_handler_that_calls_wake_ends_a_blocking_wait() {
    let poller = POLLER.get_or_init(|| Poller::new().unwrap());
    // SAFETY: a plain sigaction (no SA_RESTART) with an async-signal-safe
    // handler.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = wake_the_poller as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()), 0);
    }
    let (started_tx, started_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        // SAFETY: pthread_self has no preconditions.
        started_tx.send(unsafe { libc::pthread_self() }).unwrap();
        let mut events = Events::<2>::new();
        let result = poller.wait(&mut events, None);
        done_tx.send((result, events.is_woken())).unwrap();
    });
    let thread = started_rx.recv().unwrap();
    // Signal until the wait has ended: a signal that lands before the
    // thread is inside `epoll_wait` still leaves the wakeup pending.
    let outcome = loop {
        // SAFETY: the thread is alive until it is joined below.
        unsafe { libc::pthread_kill(thread, libc::SIGUSR2) };
        match done_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(outcome) => break outcome,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                assert!(HANDLED.load(SeqCst) < 300, "300 signals handled and the wait still blocks");
            }
            Err(e) => panic!("{e}"),
        }
    };
    waiter.join().unwrap();
    assert_eq!(outcome, (Ok(0), true), "the wait ends, woken");
}
