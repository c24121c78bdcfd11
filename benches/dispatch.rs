//! Event dispatch: 64 unix socketpairs with one byte ping-ponging on each,
//! one thread, edge-triggered readable interest on all 128 ends; each event
//! is one read of the byte and one write of it to the other end. bareio's
//! `Poller` against `mio::Poll` and `polling::Poller` (`PollMode::Edge`),
//! each with a 64-event buffer. The read and the write are the same for all
//! three (`read(2)`/`write(2)` through `bareio::sys`, [`pass_on`]), so only
//! the event loop differs: std's `UnixStream`, which mio's wraps, would
//! use `recvfrom`/`sendto` instead.
//!
//! One criterion iteration is one event: events per second = 1e9 / ns.
//! The instruction-count cases ([`CASES`]) are the same loops (they run on
//! one thread already), one operation per event.
//!
//! Run with `cargo bench --bench dispatch`.

use std::io::Write;
use std::num::NonZeroUsize;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use bareio::fd::{AsFd, BorrowedFd};
use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::sys::{read, socketpair, write, AddressFamily, SocketFlags, SocketType};
use criterion::{Criterion, Throughput};

mod common;

/// Socket pairs, each with one byte in flight.
const PAIRS: usize = 64;
/// The event buffer of every poller.
const EVENTS: usize = 64;

/// Reads the byte that arrived on fd `i` and writes it to its peer, fd
/// `i ^ 1`: the work of one event, the same for every subject.
fn pass_on(fds: &[BorrowedFd<'_>], i: usize) {
    let mut buf = [0u8; 16];
    let n = read(fds[i], &mut buf).unwrap();
    write(fds[i ^ 1], &buf[..n]).unwrap();
}

/// The fds of std-typed sockets, for [`pass_on`].
fn borrow_all<T: AsRawFd>(sockets: &[T]) -> Vec<BorrowedFd<'_>> {
    // SAFETY: the sockets outlive the borrows (the slice's lifetime).
    sockets.iter().map(|s| unsafe { BorrowedFd::borrow_raw(s.as_raw_fd()) }).collect()
}

/// Fd `i`'s peer is `i ^ 1`; the token of fd `i` is `i`. The byte starts
/// on the even end's side: written into it, so the odd end is readable.
/// Each of these runs until at least `iters` events are handled; returns
/// the time of the loop and the events handled.
fn bareio_dispatch(iters: u64) -> (Duration, u64) {
    let poller = Poller::new().unwrap();
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let mut fds = Vec::with_capacity(2 * PAIRS);
    for _ in 0..PAIRS {
        let (a, b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, 0).unwrap();
        fds.extend([a, b]);
    }
    for (i, fd) in fds.iter().enumerate() {
        poller.register(fd, i as u64, Interest::READABLE, Mode::Edge).unwrap();
    }
    for pair in fds.chunks(2) {
        write(&pair[0], b"x").unwrap();
    }
    let fds: Vec<_> = fds.iter().map(|fd| fd.as_fd()).collect();
    let mut events = Events::<EVENTS>::new();
    let mut handled = 0;
    let start = Instant::now();
    while handled < iters {
        poller.wait(&mut events, None).unwrap();
        for event in events.iter() {
            pass_on(&fds, event.token() as usize);
            handled += 1;
        }
    }
    (start.elapsed(), handled)
}

fn mio_dispatch(iters: u64) -> (Duration, u64) {
    let mut poll = mio::Poll::new().unwrap();
    let mut fds = Vec::with_capacity(2 * PAIRS);
    for _ in 0..PAIRS {
        let (a, b) = mio::net::UnixStream::pair().unwrap();
        fds.extend([a, b]);
    }
    for (i, fd) in fds.iter_mut().enumerate() {
        poll.registry().register(fd, mio::Token(i), mio::Interest::READABLE).unwrap();
    }
    for pair in fds.chunks(2) {
        (&pair[0]).write_all(b"x").unwrap();
    }
    let fds = borrow_all(&fds);
    let mut events = mio::Events::with_capacity(EVENTS);
    let mut handled = 0;
    let start = Instant::now();
    while handled < iters {
        poll.poll(&mut events, None).unwrap();
        for event in events.iter() {
            pass_on(&fds, event.token().0);
            handled += 1;
        }
    }
    (start.elapsed(), handled)
}

fn polling_dispatch(iters: u64) -> (Duration, u64) {
    let poller = polling::Poller::new().unwrap();
    let mut fds = Vec::with_capacity(2 * PAIRS);
    for _ in 0..PAIRS {
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        fds.extend([a, b]);
    }
    for (i, fd) in fds.iter().enumerate() {
        let event = polling::Event::readable(i);
        // SAFETY: every fd is deregistered (closed) after the poller is
        // done: `fds` is dropped after the loop, and the poller with it.
        unsafe { poller.add_with_mode(fd, event, polling::PollMode::Edge).unwrap() };
    }
    for pair in fds.chunks(2) {
        (&pair[0]).write_all(b"x").unwrap();
    }
    let fds = borrow_all(&fds);
    let mut events = polling::Events::with_capacity(NonZeroUsize::new(EVENTS).unwrap());
    let mut handled = 0;
    let start = Instant::now();
    while handled < iters {
        events.clear(); // polling appends
        poller.wait(&mut events, None).unwrap();
        for event in events.iter() {
            pass_on(&fds, event.key);
            handled += 1;
        }
    }
    (start.elapsed(), handled)
}

const WORKLOADS: &[common::Workload] = &[
    ("dispatch/bareio", |iters| bareio_dispatch(iters).0),
    ("dispatch/mio", |iters| mio_dispatch(iters).0),
    ("dispatch/polling", |iters| polling_dispatch(iters).0),
];

/// One operation is one event (the loop ends after a whole batch: the
/// events handled are counted, not asked for).
const CASES: &[common::Case] = &[
    ("dispatch/bareio", 640, |ops| bareio_dispatch(ops).1),
    ("dispatch/mio", 640, |ops| mio_dispatch(ops).1),
    ("dispatch/polling", 640, |ops| polling_dispatch(ops).1),
];

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch");
    group.throughput(Throughput::Elements(1));
    for &(name, run) in WORKLOADS {
        group.bench_function(name.trim_start_matches("dispatch/"), |b| b.iter_custom(run));
    }
    group.finish();
}

fn main() {
    common::main(WORKLOADS, CASES, benches);
}
