//! The Poller against real fds: readiness, level/edge/oneshot, more ready
//! fds than the buffer holds, timeouts, EINTR, wakeups from many threads,
//! and errors. No assertion depends on timing except lower bounds that a
//! correct implementation always meets (a timed wait never ends early).

#![cfg(target_os = "linux")]

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use bareio::fd::{BorrowedFd, OwnedFd};
use bareio::poll::{Events, Interest, Mode, Poller, WAKER_TOKEN};
use bareio::sys::*;
use bareio::Errno;

fn pipe() -> (OwnedFd, OwnedFd) {
    pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC).unwrap()
}

fn stream_pair() -> (OwnedFd, OwnedFd) {
    socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC, 0)
        .unwrap()
}

fn tokens<const N: usize>(events: &Events<N>) -> Vec<u64> {
    events.iter().map(|e| e.token()).collect()
}

const NOW: Option<Duration> = Some(Duration::ZERO);

#[test]
fn socketpair_readiness() {
    let poller = Poller::new().unwrap();
    let (a, b) = stream_pair();
    poller.register(&a, 1, Interest::BOTH, Mode::Level).unwrap();
    let mut events = Events::<8>::new();
    assert_eq!(poller.wait(&mut events, NOW), Ok(1));
    let ev = events.iter().next().unwrap();
    assert!(ev.is_writable() && !ev.is_readable(), "{ev:?}");

    write(&b, b"hi").unwrap();
    poller.wait(&mut events, NOW).unwrap();
    let ev = events.iter().next().unwrap();
    assert!(ev.is_readable() && ev.is_writable(), "{ev:?}");
}

#[test]
fn read_hangup_is_reported_when_the_peer_shuts_down() {
    let poller = Poller::new().unwrap();
    let (a, b) = stream_pair();
    poller.register(&a, 1, Interest::READABLE | Interest::READ_HANGUP, Mode::Level).unwrap();
    shutdown(&b, Shutdown::Write).unwrap();
    let mut events = Events::<8>::new();
    assert_eq!(poller.wait(&mut events, None), Ok(1));
    let ev = events.iter().next().unwrap();
    assert!(ev.is_read_hangup() && ev.is_readable() && !ev.is_hangup(), "{ev:?}");
    drop(b);
    poller.wait(&mut events, None).unwrap();
    assert!(events.iter().next().unwrap().is_hangup());
}

/// mio's rule: a read side is closed when the peer hung up entirely (HUP)
/// or shut down its writing side (RDHUP with IN), whether or not
/// `READ_HANGUP` was asked for; code ported from mio relies on it.
#[test]
fn a_full_close_is_a_read_hangup_without_asking_for_it() {
    let poller = Poller::new().unwrap();
    let (a, b) = stream_pair();
    poller.register(&a, 1, Interest::READABLE, Mode::Level).unwrap();
    drop(b);
    let mut events = Events::<8>::new();
    assert_eq!(poller.wait(&mut events, NOW), Ok(1));
    let ev = events.iter().next().unwrap();
    assert!(ev.is_readable() && ev.is_hangup(), "{ev:?}");
    assert!(ev.is_read_hangup(), "a full close is a closed read side: {ev:?}");
    assert!(ev.is_write_hangup(), "and a closed write side: {ev:?}");
}

#[test]
fn a_half_close_is_a_read_hangup_only() {
    let poller = Poller::new().unwrap();
    let (a, b) = stream_pair();
    poller.register(&a, 1, Interest::BOTH | Interest::READ_HANGUP, Mode::Level).unwrap();
    shutdown(&b, Shutdown::Write).unwrap();
    let mut events = Events::<8>::new();
    assert_eq!(poller.wait(&mut events, NOW), Ok(1));
    let ev = events.iter().next().unwrap();
    assert!(ev.is_read_hangup() && ev.is_writable(), "{ev:?}");
    assert!(!ev.is_hangup() && !ev.is_write_hangup(), "the write side is still open: {ev:?}");
}

/// TCP urgent data is `EPOLLPRI`: `Interest::PRIORITY` / `is_priority`.
#[test]
fn urgent_data_is_a_priority_event() {
    let (client, server) = support::tcp_pair();
    let poller = Poller::new().unwrap();
    poller.register(&server, 1, Interest::PRIORITY, Mode::Edge).unwrap();
    let mut events = Events::<8>::new();
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
    // SAFETY: sends one byte from a valid buffer on an open socket.
    let sent = unsafe {
        libc::send(bareio::fd::AsRawFd::as_raw_fd(&client), b"!".as_ptr().cast(), 1, libc::MSG_OOB)
    };
    assert_eq!(sent, 1);
    assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(30))), Ok(1));
    let ev = events.iter().next().unwrap();
    assert!(ev.is_priority(), "{ev:?}");
}

#[test]
fn level_reports_until_drained_edge_reports_once_per_change() {
    let poller = Poller::new().unwrap();
    let (lr, lw) = pipe();
    let (er, ew) = pipe();
    poller.register(&lr, 10, Interest::READABLE, Mode::Level).unwrap();
    poller.register(&er, 20, Interest::READABLE, Mode::Edge).unwrap();
    write(&lw, b"x").unwrap();
    write(&ew, b"x").unwrap();
    let mut events = Events::<8>::new();

    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(tokens(&events).into_iter().collect::<BTreeSet<_>>(), [10, 20].into());
    // Nothing was read: level reports again, edge does not.
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(tokens(&events), [10]);
    // New data is a new edge.
    write(&ew, b"y").unwrap();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(tokens(&events).into_iter().collect::<BTreeSet<_>>(), [10, 20].into());
    // Drained: level stops too.
    let mut buf = [0u8; 8];
    read(&lr, &mut buf).unwrap();
    poller.wait(&mut events, NOW).unwrap();
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn oneshot_fires_once_until_rearmed() {
    let poller = Poller::new().unwrap();
    let (r, w) = pipe();
    poller.register(&r, 5, Interest::READABLE, Mode::Oneshot).unwrap();
    write(&w, b"x").unwrap();
    let mut events = Events::<4>::new();
    assert_eq!(poller.wait(&mut events, NOW), Ok(1));
    assert_eq!(poller.wait(&mut events, NOW), Ok(0), "disabled after one event");
    write(&w, b"y").unwrap();
    assert_eq!(poller.wait(&mut events, NOW), Ok(0), "still disabled");
    poller.modify(&r, 6, Interest::READABLE, Mode::Oneshot).unwrap();
    assert_eq!(poller.wait(&mut events, NOW), Ok(1));
    assert_eq!(tokens(&events), [6], "re-armed with the new token");
}

/// A poller watching ten pipes, tokens 0..10, each with a byte to read.
fn ten_readable_pipes(mode: Mode) -> (Poller, Vec<(OwnedFd, OwnedFd)>) {
    let poller = Poller::new().unwrap();
    let pipes: Vec<_> = (0..10).map(|_| pipe()).collect();
    for (i, (r, w)) in pipes.iter().enumerate() {
        poller.register(r, i as u64, Interest::READABLE, mode).unwrap();
        write(w, b"x").unwrap();
    }
    (poller, pipes)
}

#[test]
fn more_ready_fds_than_capacity_level_rotates_through_all() {
    let (poller, _pipes) = ten_readable_pipes(Mode::Level);
    let mut events = Events::<3>::new();
    let mut seen = BTreeSet::new();
    for _ in 0..4 {
        assert_eq!(poller.wait(&mut events, NOW), Ok(3));
        seen.extend(tokens(&events));
    }
    // ceil(10 / 3) = 4 waits: level-triggered fds go to the back of the
    // ready list after being reported, so every fd comes up.
    assert_eq!(seen, (0..10).collect());
}

#[test]
fn more_ready_fds_than_capacity_edge_delivers_each_exactly_once() {
    let (poller, _pipes) = ten_readable_pipes(Mode::Edge);
    let mut events = Events::<3>::new();
    let mut all = Vec::new();
    loop {
        let n = poller.wait(&mut events, NOW).unwrap();
        if n == 0 {
            break;
        }
        all.extend(tokens(&events));
        assert!(all.len() <= 10, "duplicates: {all:?}");
    }
    all.sort_unstable();
    assert_eq!(all, (0..10).collect::<Vec<_>>());
}

#[test]
fn timeouts_never_end_early() {
    let poller = Poller::new().unwrap();
    let mut events = Events::<1>::new();
    for timeout in [Duration::from_nanos(1), Duration::from_micros(1500), Duration::from_millis(20)] {
        let start = Instant::now();
        assert_eq!(poller.wait(&mut events, Some(timeout)), Ok(0));
        assert!(!events.is_woken());
        assert!(start.elapsed() >= timeout, "{timeout:?} returned after {:?}", start.elapsed());
    }
}

#[test]
fn huge_timeouts_saturate_instead_of_overflowing() {
    let poller = Poller::new().unwrap();
    let mut events = Events::<1>::new();
    // Ready at once, so the huge timeout is accepted, not waited out.
    poller.wake().unwrap();
    assert_eq!(poller.wait(&mut events, Some(Duration::MAX)), Ok(0));
    assert!(events.is_woken());
    poller.wake().unwrap();
    assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(u64::MAX / 2))), Ok(0));
    assert!(events.is_woken());
}

// Deduplication, and the relay of a wakeup a non-blocking wait took, are
// tested in tests/poller_portable.rs (the same tests for every backend).

#[test]
fn wakeups_from_four_threads_are_never_lost() {
    const THREADS: usize = 4;
    const WAKES: usize = 10_000;
    let poller = Poller::new().unwrap();
    let produced = AtomicUsize::new(0);
    let mut woken_waits = 0;
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            let waker = poller.waker();
            let produced = &produced;
            s.spawn(move || {
                for _ in 0..WAKES {
                    produced.fetch_add(1, SeqCst);
                    waker.wake().unwrap();
                }
            });
        }
        let mut events = Events::<4>::new();
        // Wait first, then check: the first wake always leaves an edge
        // queued, and whenever the check still sees work unproduced, a
        // wake comes after this wait consumed the last one. So every wait
        // here must end woken. A lost wakeup would leave one to time out;
        // 30 s is only the bound that turns a hang into a failure, never
        // reached by a correct poller.
        loop {
            poller.wait(&mut events, Some(Duration::from_secs(30))).unwrap();
            assert!(events.is_woken(), "a wait ended without a wakeup: lost wakeup");
            woken_waits += 1;
            if produced.load(SeqCst) == THREADS * WAKES {
                break;
            }
        }
    });
    assert!((1..=THREADS * WAKES).contains(&woken_waits));
}

#[test]
fn wake_round_trips_through_a_waker_handle() {
    // Each wake happens after the poller's last check: every one must end
    // a blocking wait (no deduplication against a consumed wakeup).
    let poller = Poller::new().unwrap();
    let turn = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let waker = poller.waker();
        let turn = &turn;
        s.spawn(move || {
            for i in 0..1000 {
                while turn.load(SeqCst) != 2 * i {
                    std::hint::spin_loop();
                    std::thread::yield_now();
                }
                turn.store(2 * i + 1, SeqCst);
                waker.wake().unwrap();
            }
        });
        let mut events = Events::<2>::new();
        for i in 0..1000 {
            while turn.load(SeqCst) != 2 * i + 1 {
                poller.wait(&mut events, None).unwrap();
            }
            turn.store(2 * i + 2, SeqCst);
        }
    });
}

#[test]
fn errors_are_errnos_not_panics() {
    let poller = Poller::new().unwrap();
    let (r, _w) = pipe();
    poller.register(&r, 1, Interest::READABLE, Mode::Level).unwrap();
    // Registering again replaces the registration (tests/poller_portable.rs).
    assert_eq!(poller.register(&r, 1, Interest::READABLE, Mode::Level), Ok(()));
    let (other, _w2) = pipe();
    assert_eq!(poller.modify(&other, 1, Interest::READABLE, Mode::Level), Err(Errno::ENOENT));
    assert_eq!(poller.deregister(&other), Err(Errno::ENOENT));
    assert_eq!(poller.register(&other, WAKER_TOKEN, Interest::READABLE, Mode::Level), Err(Errno::EINVAL));
    // An fd number far above any open one: EBADF, as for a closed fd.
    // SAFETY: never used for I/O, only passed to epoll_ctl, which rejects it.
    let closed = unsafe { BorrowedFd::borrow_raw(1 << 20) };
    assert_eq!(poller.register(closed, 2, Interest::READABLE, Mode::Level), Err(Errno::EBADF));
    assert_eq!(poller.deregister(closed), Err(Errno::EBADF));
    // epoll cannot watch regular files.
    let file = std::fs::File::open("/proc/self/stat").unwrap();
    // SAFETY: `file` outlives the borrow.
    let file_fd = unsafe { BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(&file)) };
    assert_eq!(poller.register(file_fd, 3, Interest::READABLE, Mode::Level), Err(Errno::EPERM));
    poller.deregister(&r).unwrap();
}

#[test]
fn closing_a_registered_fd_removes_it() {
    let poller = Poller::new().unwrap();
    let (r, w) = pipe();
    poller.register(&r, 1, Interest::READABLE, Mode::Level).unwrap();
    write(&w, b"x").unwrap();
    drop(r);
    let mut events = Events::<2>::new();
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
}
