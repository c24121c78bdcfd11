//! The Poller through its portable API only, on fds made with std (Unix
//! stream sockets): what holds on every backend. Runs here on Linux
//! (epoll); built for FreeBSD and macOS by `cargo check --tests`, where
//! it would run unchanged against kqueue, but **has not run there** (no
//! such machine in this project's CI).
//!
//! kqueue reports reading and writing as separate kernel events, so the
//! readiness of a token is checked as the union over the events with that
//! token, which is the same on both backends.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use bareio::fd::BorrowedFd;
use bareio::poll::{Events, Interest, Mode, Poller, WAKER_TOKEN};
use bareio::Errno;

const NOW: Option<Duration> = Some(Duration::ZERO);
/// Only the bound that turns a hang into a failure.
const LONG: Option<Duration> = Some(Duration::from_secs(30));

fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

/// A std socket as the crate's `BorrowedFd` (std's own with `std`).
fn fd(s: &UnixStream) -> BorrowedFd<'_> {
    // SAFETY: `s` owns the fd and outlives the borrow.
    unsafe { BorrowedFd::borrow_raw(s.as_raw_fd()) }
}

/// What `token` was reported ready for: (readable, writable, read hangup).
fn ready<const N: usize>(events: &Events<N>, token: u64) -> Option<(bool, bool, bool)> {
    events.iter().filter(|e| e.token() == token).fold(None, |acc, e| {
        let (r, w, h) = acc.unwrap_or_default();
        Some((r || e.is_readable(), w || e.is_writable(), h || e.is_read_hangup()))
    })
}

#[test]
fn readiness_is_reported_with_the_token() {
    let poller = Poller::new().unwrap();
    let (a, mut b) = pair();
    poller.register(fd(&a), 7, Interest::BOTH, Mode::Level).unwrap();
    let mut events = Events::<8>::new();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(ready(&events, 7), Some((false, true, false)), "{events:?}");
    b.write_all(b"hi").unwrap();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(ready(&events, 7), Some((true, true, false)), "{events:?}");
}

#[test]
fn read_hangup_when_the_peer_shuts_down() {
    let poller = Poller::new().unwrap();
    let (a, b) = pair();
    poller.register(fd(&a), 1, Interest::READABLE | Interest::READ_HANGUP, Mode::Level).unwrap();
    b.shutdown(std::net::Shutdown::Write).unwrap();
    let mut events = Events::<8>::new();
    poller.wait(&mut events, LONG).unwrap();
    assert_eq!(ready(&events, 1), Some((true, false, true)), "{events:?}");
}

#[test]
fn level_edge_and_oneshot() {
    let poller = Poller::new().unwrap();
    let (level, mut level_peer) = pair();
    let (edge, mut edge_peer) = pair();
    let (oneshot, mut oneshot_peer) = pair();
    poller.register(fd(&level), 1, Interest::READABLE, Mode::Level).unwrap();
    poller.register(fd(&edge), 2, Interest::READABLE, Mode::Edge).unwrap();
    poller.register(fd(&oneshot), 3, Interest::READABLE, Mode::Oneshot).unwrap();
    for peer in [&mut level_peer, &mut edge_peer, &mut oneshot_peer] {
        peer.write_all(b"x").unwrap();
    }
    let mut events = Events::<8>::new();
    let tokens = |events: &Events<8>| {
        let mut t: Vec<u64> = events.iter().map(|e| e.token()).collect();
        t.sort_unstable();
        t
    };
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(tokens(&events), [1, 2, 3]);
    // Nothing was read: level reports again; edge and oneshot do not.
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(tokens(&events), [1]);
    // New data: a new edge; oneshot stays disabled until re-armed.
    edge_peer.write_all(b"y").unwrap();
    oneshot_peer.write_all(b"y").unwrap();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(tokens(&events), [1, 2]);
    poller.modify(fd(&oneshot), 4, Interest::READABLE, Mode::Oneshot).unwrap();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(tokens(&events), [1, 4], "re-armed with the new token");
    // A mode change by modify: the oneshot fd becomes level-triggered.
    poller.modify(fd(&oneshot), 5, Interest::READABLE, Mode::Level).unwrap();
    for _ in 0..2 {
        poller.wait(&mut events, NOW).unwrap();
        assert_eq!(tokens(&events), [1, 5]);
    }
    // Drained: level stops.
    let mut buf = [0u8; 8];
    let _ = (&level).read(&mut buf).unwrap();
    let _ = (&oneshot).read(&mut buf).unwrap();
    poller.wait(&mut events, NOW).unwrap();
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn modify_changes_the_interest() {
    let poller = Poller::new().unwrap();
    let (a, _b) = pair();
    poller.register(fd(&a), 1, Interest::BOTH, Mode::Level).unwrap();
    let mut events = Events::<8>::new();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(ready(&events, 1), Some((false, true, false)));
    poller.modify(fd(&a), 1, Interest::READABLE, Mode::Level).unwrap();
    poller.wait(&mut events, NOW).unwrap();
    assert!(events.is_empty(), "no longer watched for writing: {events:?}");
}

#[test]
fn deregister_and_errors() {
    let poller = Poller::new().unwrap();
    let (a, mut b) = pair();
    poller.register(fd(&a), 1, Interest::READABLE, Mode::Level).unwrap();
    poller.deregister(fd(&a)).unwrap();
    b.write_all(b"x").unwrap();
    let mut events = Events::<8>::new();
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
    assert_eq!(poller.deregister(fd(&a)), Err(Errno::ENOENT));
    assert_eq!(poller.modify(fd(&a), 1, Interest::READABLE, Mode::Level), Err(Errno::ENOENT));
    // The failed modify left nothing registered.
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
    assert_eq!(poller.register(fd(&a), WAKER_TOKEN, Interest::READABLE, Mode::Level), Err(Errno::EINVAL));
    // SAFETY: never used for I/O, only passed to the poller, which rejects it.
    let closed = unsafe { BorrowedFd::borrow_raw(1 << 20) };
    assert_eq!(poller.register(closed, 2, Interest::READABLE, Mode::Level), Err(Errno::EBADF));
}

/// One semantics on every backend: registering an fd again replaces its
/// registration (token, interest and mode), like `modify`.
#[test]
fn registering_again_replaces_the_registration() {
    let poller = Poller::new().unwrap();
    let (a, mut b) = pair();
    poller.register(fd(&a), 1, Interest::WRITABLE, Mode::Level).unwrap();
    poller.register(fd(&a), 2, Interest::READABLE, Mode::Edge).unwrap();
    b.write_all(b"x").unwrap();
    let mut events = Events::<8>::new();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(ready(&events, 1), None, "the old registration is gone: {events:?}");
    assert_eq!(ready(&events, 2), Some((true, false, false)), "{events:?}");
    // Edge now: not reported again until new data.
    poller.wait(&mut events, NOW).unwrap();
    assert!(events.is_empty(), "{events:?}");
}

/// An interest with nothing to watch is refused on every backend (epoll
/// would watch for errors only, kqueue would register nothing).
#[test]
fn an_empty_interest_is_einval() {
    let poller = Poller::new().unwrap();
    let (a, _b) = pair();
    assert_eq!(poller.register(fd(&a), 1, Interest::empty(), Mode::Level), Err(Errno::EINVAL));
    poller.register(fd(&a), 1, Interest::READABLE, Mode::Level).unwrap();
    assert_eq!(poller.modify(fd(&a), 1, Interest::empty(), Mode::Level), Err(Errno::EINVAL));
}

/// A fired oneshot stays registered (disabled): `modify` re-arms it and
/// `deregister` finds it, on every backend.
#[test]
fn a_fired_oneshot_stays_registered_until_deregistered() {
    let poller = Poller::new().unwrap();
    let (a, mut b) = pair();
    poller.register(fd(&a), 1, Interest::READABLE, Mode::Oneshot).unwrap();
    b.write_all(b"x").unwrap();
    let mut events = Events::<8>::new();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(ready(&events, 1), Some((true, false, false)));
    poller.wait(&mut events, NOW).unwrap();
    assert!(events.is_empty(), "fired: disabled");
    poller.modify(fd(&a), 2, Interest::READABLE, Mode::Oneshot).unwrap();
    poller.wait(&mut events, NOW).unwrap();
    assert_eq!(ready(&events, 2), Some((true, false, false)), "re-armed");
    poller.deregister(fd(&a)).unwrap();
    assert_eq!(poller.deregister(fd(&a)), Err(Errno::ENOENT));
}

#[test]
fn a_zero_timeout_wait_reports_a_wakeup_and_wakes_are_deduplicated() {
    let poller = Poller::new().unwrap();
    let mut events = Events::<4>::new();
    for _ in 0..100 {
        poller.wake().unwrap();
    }
    // A loop polling with a zero timeout sees the wakeup...
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
    assert!(events.is_woken(), "a zero-timeout wait took the wakeup without reporting it");
    // ...once: 100 wakes were one wakeup, nothing is left for later waits.
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
    assert!(!events.is_woken());
    // A new wake is a new wakeup, for a timed wait as for a zero one.
    poller.wake().unwrap();
    assert_eq!(poller.wait(&mut events, LONG), Ok(0));
    assert!(events.is_woken());
    poller.wake().unwrap();
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
    assert!(events.is_woken());
}

/// The wakeup comes with the other events of the same wait.
#[test]
fn a_wakeup_is_reported_alongside_readiness() {
    let poller = Poller::new().unwrap();
    let (a, mut b) = pair();
    poller.register(fd(&a), 3, Interest::READABLE, Mode::Level).unwrap();
    b.write_all(b"x").unwrap();
    poller.wake().unwrap();
    let mut events = Events::<4>::new();
    poller.wait(&mut events, NOW).unwrap();
    assert!(events.is_woken());
    assert_eq!(ready(&events, 3), Some((true, false, false)), "{events:?}");
}

#[test]
fn a_wake_from_another_thread_ends_a_blocking_wait() {
    let poller = Poller::new().unwrap();
    let mut events = Events::<4>::new();
    std::thread::scope(|s| {
        let waker = poller.waker();
        s.spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            waker.wake().unwrap();
        });
        assert_eq!(poller.wait(&mut events, None), Ok(0));
        assert!(events.is_woken());
    });
}

#[test]
fn a_timed_wait_never_ends_early() {
    let poller = Poller::new().unwrap();
    let mut events = Events::<1>::new();
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    assert_eq!(poller.wait(&mut events, Some(timeout)), Ok(0));
    assert!(start.elapsed() >= timeout, "returned after {:?}", start.elapsed());
}

#[test]
fn edge_oneshot_reports_one_event_per_arm() {
    let poller = Poller::new().unwrap();
    let (a, mut b) = pair();
    poller.register(fd(&a), 4, Interest::READABLE, Mode::EdgeOneshot).unwrap();
    let mut events = Events::<8>::new();
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
    b.write_all(b"x").unwrap();
    poller.wait(&mut events, LONG).unwrap();
    assert_eq!(ready(&events, 4), Some((true, false, false)), "{events:?}");
    // Disabled after that one event, even with new data (a new edge).
    b.write_all(b"y").unwrap();
    assert_eq!(poller.wait(&mut events, NOW), Ok(0), "{events:?}");
    // Re-armed: the data there now is reported once, then it is disabled
    // again.
    poller.modify(fd(&a), 5, Interest::READABLE, Mode::EdgeOneshot).unwrap();
    poller.wait(&mut events, LONG).unwrap();
    assert_eq!(ready(&events, 5), Some((true, false, false)), "{events:?}");
    assert_eq!(poller.wait(&mut events, NOW), Ok(0));
}

#[test]
fn events_iterate_by_reference_and_clear() {
    let poller = Poller::new().unwrap();
    let (a, mut b) = pair();
    let (c, mut d) = pair();
    poller.register(fd(&a), 1, Interest::READABLE, Mode::Level).unwrap();
    poller.register(fd(&c), 2, Interest::READABLE, Mode::Level).unwrap();
    b.write_all(b"1").unwrap();
    d.write_all(b"2").unwrap();
    let mut events = Events::<8>::new();
    poller.wake().unwrap();
    poller.wait(&mut events, LONG).unwrap();
    let mut tokens = Vec::new();
    for event in &events {
        tokens.push(event.token());
    }
    tokens.sort_unstable();
    assert_eq!(tokens, [1, 2]);
    assert_eq!(events.iter().len(), 2);
    assert_eq!(events.iter().rev().count(), 2);
    assert!(events.is_woken());
    events.clear();
    assert!(events.is_empty() && !events.is_woken());
    assert_eq!((&events).into_iter().count(), 0);
}

#[test]
fn interest_sets_add_and_remove() {
    let mut interest = Interest::READABLE.add(Interest::WRITABLE);
    assert_eq!(interest, Interest::BOTH);
    interest.remove(Interest::READABLE);
    assert_eq!(interest, Interest::WRITABLE);
    interest.insert(Interest::READ_HANGUP);
    assert!(interest.contains(Interest::WRITABLE | Interest::READ_HANGUP));
    assert_eq!(interest - Interest::WRITABLE, Interest::READ_HANGUP);
    assert_eq!(interest & Interest::BOTH, Interest::WRITABLE);
    assert_eq!(!Interest::BOTH, Interest::READ_HANGUP | Interest::PRIORITY);
    assert!((!Interest::all()).is_empty());
    interest.remove(Interest::all());
    assert!(interest.is_empty());
    // Removing everything leaves nothing to watch: EINVAL, as documented.
    let poller = Poller::new().unwrap();
    let (a, _b) = pair();
    assert_eq!(poller.register(fd(&a), 1, interest, Mode::Level), Err(Errno::EINVAL));
}
