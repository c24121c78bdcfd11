//! Zero allocations: a counting global allocator watches the crate's hot
//! paths. Only allocations made while a thread has counting switched on
//! are counted, on that thread, so the test harness, thread spawning and
//! tests running in parallel do not blur the figure; the crate itself has no allocator to call, and this proves
//! nothing sneaks in through a dependency or a std-only path.

#![cfg(target_os = "linux")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::sys::{pipe2, read, write, PipeFlags};

struct CountingAlloc;

thread_local! {
    // `const` initialisers: using them never allocates. Per thread, so
    // tests running in parallel do not count each other's allocations.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: forwards every call to `System` unchanged; counting has no effect
// on the memory handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Runs `f` with this thread's allocations counted; returns how many.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    let result = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.with(Cell::get) - before, result)
}

#[test]
fn the_counter_sees_an_allocation() {
    // Proves the harness can fail: a Box is counted.
    let (n, boxed) = allocations_in(|| Box::new(7u64));
    assert_eq!(*boxed, 7);
    assert!(n >= 1, "the counting allocator missed a Box");
}

#[test]
fn poller_register_wait_wake_deregister_allocate_nothing() {
    let (reader, writer) = pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC).unwrap();
    let poller = Poller::new().unwrap();
    let mut events = Events::<8>::new();

    let (n, ()) = allocations_in(|| {
        // Set-up and teardown too: a Poller is built and dropped in here.
        let inner = Poller::new().unwrap();
        inner.register(&reader, 1, Interest::READABLE, Mode::Level).unwrap();
        inner.wake().unwrap();
        inner.wait(&mut events, None).unwrap();
        assert!(events.is_woken());
        drop(inner);

        for round in 0..100u64 {
            poller.register(&reader, round, Interest::READABLE, Mode::Oneshot).unwrap();
            write(&writer, b"x").unwrap();
            assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(60))), Ok(1));
            assert_eq!(events.iter().next().unwrap().token(), round);
            poller.modify(&reader, round, Interest::BOTH, Mode::Edge).unwrap();
            assert_eq!(read(&reader, &mut [0u8; 4]), Ok(1));
            poller.wake().unwrap();
            poller.wake().unwrap();
            poller.wait(&mut events, Some(Duration::ZERO)).unwrap();
            assert!(events.is_woken());
            poller.wake().unwrap();
            poller.wait(&mut events, Some(Duration::from_secs(60))).unwrap();
            assert!(events.is_woken());
            poller.deregister(&reader).unwrap();
        }
        // Errors are values, not allocated messages.
        assert!(poller.deregister(&reader).is_err());
    });
    assert_eq!(n, 0, "the poller allocated {n} times");
}

#[test]
fn wakes_from_another_thread_allocate_nothing() {
    let poller = Poller::new().unwrap();
    let waker = poller.waker();
    std::thread::scope(|s| {
        s.spawn(|| {
            let (n, ()) = allocations_in(|| {
                for _ in 0..1000 {
                    waker.wake().unwrap();
                }
            });
            assert_eq!(n, 0, "wake allocated {n} times");
        });
        let mut events = Events::<4>::new();
        let (n, ()) = allocations_in(|| {
            for _ in 0..10 {
                poller.wait(&mut events, Some(Duration::from_millis(1))).unwrap();
            }
        });
        assert_eq!(n, 0, "wait allocated {n} times");
    });
}

#[test]
fn iovec_build_advance_and_vectored_io_allocate_nothing() {
    use bareio::iovec::{
        read_vectored, send_vectored_all, write_vectored, write_vectored_all, Buffers, IoVecs,
    };
    use bareio::sys::{socketpair, AddressFamily, IoSliceMut, SocketFlags, SocketType};
    use bareio::Errno;

    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let (a, b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, 0).unwrap();
    // Prepared outside: 1500 one-byte chunks (two batches of IOV_MAX), some empty.
    let data: Vec<u8> = (0..1500u32).map(|i| i as u8).collect();
    let chunks: Vec<&[u8]> = data.chunks(1).flat_map(|c| [c, &[][..]]).collect();
    let mut sink = vec![0u8; 4096];

    let (n, ()) = allocations_in(|| {
        let mut bufs = Buffers::new(&chunks);
        assert_eq!(bufs.remaining(), 1500);
        let iov = IoVecs::<2048>::from_buffers(&bufs);
        assert_eq!(iov.len(), 1024);
        bufs.advance(3).unwrap();
        assert!(bufs.advance(usize::MAX).is_err());
        assert_eq!(write_vectored::<8>(&a, &mut bufs), Ok(8));
        write_vectored_all::<1024>(&a, &mut bufs).unwrap();
        assert!(bufs.is_empty());
        let mut bufs = Buffers::new(&chunks);
        send_vectored_all::<64>(&a, &mut bufs).unwrap();
        let (head, tail) = sink.split_at_mut(100);
        let mut total = 0;
        loop {
            match read_vectored(&b, &mut [IoSliceMut::new(head), IoSliceMut::new(tail)]) {
                Ok(n) => total += n,
                Err(Errno::EAGAIN) => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(total, 1497 + 1500);
    });
    assert_eq!(n, 0, "the iovec paths allocated {n} times");
}

#[test]
fn splice_transfers_allocate_nothing() {
    use bareio::splice::{Stop, Transfer};
    use bareio::sys::{socketpair, write, AddressFamily, SocketFlags, SocketType};

    let flags = SocketFlags::CLOEXEC | SocketFlags::NONBLOCK;
    let pair = || socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, 0).unwrap();
    let ((feed, src), (dst, drain)) = (pair(), pair());
    let data = vec![7u8; 200_000];
    let mut sink = vec![0u8; 64 * 1024];
    let mut transfer = Box::new(Transfer::<4096>::new().unwrap());
    let (n, ()) = allocations_in(|| {
        for round in 0..20 {
            // Small rounds copy, large ones switch to splice; every fd is
            // nonblocking, so each pass feeds, moves and drains what it can.
            let len = if round < 10 { 100 } else { data.len() };
            let mut fed = 0;
            let mut got = 0;
            while got < len {
                if fed < len {
                    fed += write(&feed, &data[fed..len]).unwrap_or(0);
                }
                let progress = transfer.run(&src, &dst, Some(len - got)).unwrap();
                got += progress.moved;
                assert_ne!(progress.stop, Stop::Eof);
                while bareio::sys::read(&drain, &mut sink).is_ok_and(|n| n > 0) {}
            }
        }
    });
    assert!(transfer.bytes_spliced() > 0 && transfer.bytes_copied() > 0, "both paths ran");
    assert_eq!(n, 0, "splice transfers allocated {n} times");
}

#[test]
fn timers_slab_and_the_clock_allocate_nothing() {
    use bareio::slab::Slab;
    use bareio::time::Instant;
    use bareio::timer::Timers;

    // Built outside (large values; a `Box` is an allocation).
    let mut timers = Box::new(Timers::<1024>::new());
    let mut slab = Box::new(Slab::<[u64; 8], 1024>::new());
    let (n, ()) = allocations_in(|| {
        let start = Instant::now().unwrap();
        for round in 0..4096u64 {
            let key = match slab.insert([round; 8]) {
                Ok(key) => key,
                Err(_) => {
                    let (key, _) = timers.pop().unwrap();
                    slab.remove(key).unwrap();
                    continue;
                }
            };
            let deadline = start.saturating_add(Duration::from_nanos(round * 7919 % 1000));
            assert_eq!(timers.set(key, deadline), Ok(None));
            if round % 3 == 0 {
                timers.set(key, deadline.saturating_add(Duration::from_secs(1))).unwrap();
            }
            if round % 5 == 0 {
                timers.cancel(key).unwrap();
                slab.remove(key).unwrap();
            }
            while let Some((key, _)) =
                timers.pop_expired(start.saturating_add(Duration::from_nanos(round % 700)))
            {
                slab.get_mut(key).unwrap()[0] += 1;
                slab.remove(key).unwrap();
            }
            assert!(timers.timeout(Instant::now().unwrap()).is_some() || timers.is_empty());
        }
        assert!(timers.set(usize::MAX, start).is_err(), "errors are values");
        assert_eq!(slab.iter().count(), slab.len());
        timers.clear();
        slab.clear();
    });
    assert_eq!(n, 0, "timers and slab allocated {n} times");
}

#[test]
fn datagrams_fd_passing_addresses_and_timers_allocate_nothing() {
    use bareio::fd::AsFd;
    use bareio::sys::*;
    use core::net::{Ipv4Addr, SocketAddr};

    // Sockets and buffers made outside the count.
    let udp = || socket(AddressFamily::INET, SocketType::DGRAM, SocketFlags::CLOEXEC, 0).unwrap();
    let (tx, rx) = (udp(), udp());
    bind(&rx, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    let (a, b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    let (reader, writer) = pipe2(PipeFlags::CLOEXEC).unwrap();
    let timer = timerfd_create(ClockId::MONOTONIC, TimerfdFlags::CLOEXEC).unwrap();
    let (n, ()) = allocations_in(|| {
        let to = SocketAddrAny::from(getsockname(&rx).unwrap().unwrap());
        let payloads: [&[u8]; 4] = [b"a", b"bb", b"ccc", b"dddd"];
        let iovs = payloads.map(IoSlice::new);
        let mut out: [SendMmsg; 4] =
            core::array::from_fn(|i| SendMmsg::to(core::slice::from_ref(&iovs[i]), &to));
        assert_eq!(sendmmsg(&tx, &mut out, MsgFlags::empty()), Ok(4));
        let mut bufs = [[0u8; 8]; 4];
        let mut from = [SocketAddrAny::new(); 4];
        let mut iovs_in = bufs.each_mut().map(|b| IoSliceMut::new(b));
        let mut slots = iovs_in.iter_mut().zip(from.iter_mut());
        let mut msgs: [RecvMmsg; 4] = core::array::from_fn(|_| {
            let (iov, from) = slots.next().unwrap();
            RecvMmsg::with_addr(core::slice::from_mut(iov), from)
        });
        assert_eq!(recvmmsg(&rx, &mut msgs, MsgFlags::DONTWAIT), Ok(4));
        assert!(msgs[3].addr().and_then(SocketAddrAny::as_ip).is_some());
        sendto(&tx, b"e", MsgFlags::empty(), &to).unwrap();
        let (_, sender) = recvfrom(&rx, &mut [0u8; 4], MsgFlags::empty()).unwrap();
        assert_eq!(sender.family(), Some(AddressFamily::INET));

        send_fds(&a, &[IoSlice::new(b"f")], &[writer.as_fd()], MsgFlags::NOSIGNAL).unwrap();
        let mut data = [0u8; 1];
        let mut control = [0u8; rights_space(2)];
        let mut got =
            recvmsg_control(&b, &mut [IoSliceMut::new(&mut data)], &mut control, MsgFlags::empty()).unwrap();
        let passed = got.control.take_fds().next().unwrap();
        write(&passed, b"g").unwrap();
        read(&reader, &mut [0u8; 1]).unwrap();
        let _ = UnixAddr::new_abstract(b"bareio-no-alloc").unwrap();

        timerfd_settime(&timer, TimerFlags::empty(), &Itimerspec::once(Duration::from_micros(10))).unwrap();
        assert_eq!(timerfd_read(&timer), Ok(1));
        let _ = timerfd_gettime(&timer).unwrap();
        assert!(sched_getaffinity(0).unwrap().count() >= 1);
        let _ = pread(&reader, &mut [0u8; 1], 1 << 33);
    });
    assert_eq!(n, 0, "datagrams, fd passing, addresses and timers allocated {n} times");
}
