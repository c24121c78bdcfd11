//! Hostile input to every public entry that takes outside data: fds that
//! were never open, a million empty chunks, advances past the end, the
//! largest timeouts, ports and addresses at their limits, a source that
//! resets mid-transfer, the smallest socket buffers. Every case must be an
//! error value or a correct result: no panic, no lost byte.

#![cfg(target_os = "linux")]

mod support;

use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::time::Duration;

use bareio::fd::{AsRawFd, BorrowedFd, OwnedFd};
use bareio::iovec::{read_vectored, write_vectored_all, Buffers, IoVecs};
use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::splice::{Stop, Transfer};
use bareio::sys::seccomp;
use bareio::sys::*;
use bareio::Errno;
use support::{pattern, tcp_pair, unix_pair};

/// A number far above any open fd (`RLIMIT_NOFILE` is lower): every
/// syscall on it is `EBADF`.
fn never_open() -> BorrowedFd<'static> {
    // SAFETY: never used to reach a file: the kernel refuses the number.
    unsafe { BorrowedFd::borrow_raw(1 << 24) }
}

#[test]
fn every_fd_taking_call_refuses_an_fd_that_is_not_open() {
    let bad = never_open();
    let v4: SocketAddr = (Ipv4Addr::LOCALHOST, 9).into();
    let mut buf = [0u8; 8];
    let checks: Vec<(&str, Result<(), Errno>)> = vec![
        ("read", read(bad, &mut buf).map(drop)),
        ("write", write(bad, b"x").map(drop)),
        ("readv", readv(bad, &mut [IoSliceMut::new(&mut buf)]).map(drop)),
        ("writev", writev(bad, &[IoSlice::new(b"x")]).map(drop)),
        ("fcntl_getfl", fcntl_getfl(bad).map(drop)),
        ("fcntl_getfd", fcntl_getfd(bad).map(drop)),
        ("set_nonblocking", set_nonblocking(bad, true)),
        ("pipe_size", pipe_size(bad).map(drop)),
        ("splice", splice(bad, None, bad, None, 1, SpliceFlags::NONBLOCK).map(drop)),
        ("bind", bind(bad, &v4)),
        ("listen", listen(bad, 1)),
        ("connect", connect(bad, &v4)),
        ("accept4", accept4(bad, SocketFlags::CLOEXEC).map(drop)),
        ("getsockname", getsockname(bad).map(drop)),
        ("setsockopt", setsockopt(bad, SockOpt::REUSEADDR, 1)),
        ("getsockopt", getsockopt(bad, SockOpt::TYPE).map(drop)),
        ("take_socket_error", take_socket_error(bad).map(drop)),
        ("shutdown", shutdown(bad, Shutdown::Both)),
        ("sendmsg", sendmsg(bad, &[IoSlice::new(b"x")], MsgFlags::NOSIGNAL).map(drop)),
        ("recvmsg", recvmsg(bad, &mut [IoSliceMut::new(&mut buf)], MsgFlags::DONTWAIT).map(drop)),
        ("signalfd_set_mask", signalfd_set_mask(bad, &SigSet::empty())),
        ("read_signal", read_signal(bad).map(drop)),
        ("read_vectored", read_vectored(bad, &mut [IoSliceMut::new(&mut buf)]).map(drop)),
        ("write_vectored_all", write_vectored_all::<4>(bad, &mut Buffers::new(&[&b"x"[..]]))),
        ("seccomp::receive_notification", seccomp::receive_notification(bad).map(drop)),
        ("seccomp::respond", seccomp::respond(bad, 1, seccomp::Response::Continue)),
        ("sendto", sendto(bad, b"x", MsgFlags::NOSIGNAL, &v4).map(drop)),
        ("recvfrom", recvfrom(bad, &mut buf, MsgFlags::DONTWAIT).map(drop)),
        (
            "sendmmsg",
            sendmmsg(bad, &mut [SendMmsg::new(&[IoSlice::new(b"x")])], MsgFlags::NOSIGNAL).map(drop),
        ),
        (
            "recvmmsg",
            recvmmsg(bad, &mut [RecvMmsg::new(&mut [IoSliceMut::new(&mut buf)])], MsgFlags::DONTWAIT)
                .map(drop),
        ),
        ("getpeername", getpeername(bad).map(drop)),
        ("getsockname_any", getsockname_any(bad).map(drop)),
        ("accept4_any", accept4_any(bad, SocketFlags::CLOEXEC).map(drop)),
        ("send_fds", send_fds(bad, &[IoSlice::new(b"x")], &[], MsgFlags::NOSIGNAL).map(drop)),
        (
            "recvmsg_control",
            recvmsg_control(bad, &mut [IoSliceMut::new(&mut buf)], &mut [0u8; 64], MsgFlags::DONTWAIT)
                .map(drop),
        ),
        ("set_linger", set_linger(bad, None)),
        ("linger", linger(bad).map(drop)),
        ("set_timeout", set_timeout(bad, Timeout::Recv, None)),
        ("timeout", timeout(bad, Timeout::Send).map(drop)),
        ("join_multicast_v4", join_multicast_v4(bad, Ipv4Addr::new(239, 0, 0, 1), Ipv4Addr::UNSPECIFIED)),
        ("dup", dup(bad).map(drop)),
        ("fcntl_dupfd_cloexec", fcntl_dupfd_cloexec(bad, 0).map(drop)),
        ("pread", pread(bad, &mut buf, 1 << 33).map(drop)),
        ("pwrite", pwrite(bad, b"x", 1 << 33).map(drop)),
        ("ftruncate", ftruncate(bad, 1 << 33)),
        ("timerfd_settime", timerfd_settime(bad, TimerFlags::empty(), &Itimerspec::DISARMED).map(drop)),
        ("timerfd_gettime", timerfd_gettime(bad).map(drop)),
        ("timerfd_read", timerfd_read(bad).map(drop)),
    ];
    // qemu-user answers ioctls it does not know with ENOTTY, fd or not.
    let qemu_enotty = |name: &str, result: &Result<(), Errno>| {
        support::qemu_user() && name.starts_with("seccomp::") && *result == Err(Errno::ENOTTY)
    };
    let wrong: Vec<String> = checks
        .into_iter()
        .filter(|(name, result)| *result != Err(Errno::EBADF) && !qemu_enotty(name, result))
        .map(|(name, result)| format!("{name}: {result:?}"))
        .collect();
    assert!(wrong.is_empty(), "not EBADF:\n{}", wrong.join("\n"));

    let poller = Poller::new().unwrap();
    assert_eq!(poller.register(bad, 1, Interest::READABLE, Mode::Level), Err(Errno::EBADF));
    assert_eq!(poller.modify(bad, 1, Interest::READABLE, Mode::Level), Err(Errno::EBADF));
    assert_eq!(poller.deregister(bad), Err(Errno::EBADF));
    let error = Transfer::<64>::new().unwrap().run(bad, bad, None).unwrap_err();
    assert_eq!((error.errno, error.moved, error.pending), (Errno::EBADF, 0, 0));
}

/// A pipe's read end handed to calls that want something else: typed
/// errors, never a panic.
#[test]
fn fds_of_the_wrong_kind_are_refused() {
    let (r, w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    assert_eq!(listen(&r, 1), Err(Errno::ENOTSOCK));
    assert_eq!(accept4(&r, SocketFlags::CLOEXEC).map(drop), Err(Errno::ENOTSOCK));
    assert_eq!(getsockname(&r).map(drop), Err(Errno::ENOTSOCK));
    assert_eq!(read_signal(&w), Err(Errno::EBADF), "a write end cannot be read");
    let poller = Poller::new().unwrap();
    let file = std::fs::File::open("/proc/self/stat").unwrap();
    // SAFETY: `file` outlives the borrow.
    let file = unsafe { BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(&file)) };
    assert_eq!(poller.register(file, 1, Interest::READABLE, Mode::Level), Err(Errno::EPERM));
    // The poller's own fd cannot watch itself.
    assert_eq!(poller.register(&poller, 1, Interest::READABLE, Mode::Level), Err(Errno::EINVAL));
}

/// A million empty chunks: nothing to write, no entry made, no syscall,
/// one pass over the list per call (not one per chunk per call).
#[test]
fn a_million_empty_chunks_are_nothing_to_write() {
    let empty: Vec<&[u8]> = vec![&[]; 1_000_000];
    let mut bufs = Buffers::new(&empty);
    assert!(bufs.is_empty());
    assert_eq!(bufs.remaining(), 0);
    assert_eq!(IoVecs::<64>::from_buffers(&bufs).len(), 0);
    assert!(bufs.advance(0).is_ok());
    let error = bufs.advance(1).unwrap_err();
    assert_eq!((error.requested(), error.remaining()), (1, 0));
    // No fd is touched when there is nothing to write.
    assert_eq!(write_vectored_all::<1024>(never_open(), &mut bufs), Ok(()));

    // One byte after them is found and written.
    let mut chunks = empty.clone();
    chunks.push(b"z");
    let mut bufs = Buffers::new(&chunks);
    assert_eq!(bufs.remaining(), 1);
    let (w, r) = unix_pair();
    write_vectored_all::<1024>(&w, &mut bufs).unwrap();
    assert!(bufs.is_empty());
    assert_eq!(read(&r, &mut [0u8; 4]), Ok(1));
}

#[test]
fn advancing_by_usize_max_is_an_error_that_changes_nothing() {
    let chunks: [&[u8]; 3] = [b"ab", b"", b"cde"];
    let mut bufs = Buffers::new(&chunks);
    bufs.advance(1).unwrap();
    let error = bufs.advance(usize::MAX).unwrap_err();
    assert_eq!((error.requested(), error.remaining()), (usize::MAX, 4));
    assert_eq!(bufs.chunks().collect::<Vec<_>>(), [&b"b"[..], b"cde"]);
    assert_eq!(Errno::from(error), Errno::EINVAL);
}

#[test]
fn the_largest_timeouts_saturate_for_waits_instants_and_timers() {
    let poller = Poller::new().unwrap();
    let mut events = Events::<1>::new();
    for timeout in
        [Duration::MAX, Duration::new(u64::MAX, 999_999_999), Duration::from_secs(i64::MAX as u64 + 1)]
    {
        poller.wake().unwrap();
        assert_eq!(poller.wait(&mut events, Some(timeout)), Ok(0));
        assert!(events.is_woken());
    }
    let now = bareio::time::Instant::now().unwrap();
    assert_eq!(now.saturating_add(Duration::MAX), bareio::time::Instant::from_nanos(u64::MAX));
    assert_eq!(now.checked_add(Duration::MAX), None);
    let mut timers = bareio::timer::Timers::<4>::new();
    timers.set(3, now.saturating_add(Duration::MAX)).unwrap();
    assert!(timers.set(4, now).is_err(), "key out of range is an error");
    assert!(timers.timeout(now).unwrap() > Duration::from_secs(500 * 365 * 86_400), "about 584 years");
}

/// Ports 0 and 65535, the unspecified and the broadcast addresses, IPv6
/// flow and scope ids: what goes in comes back out, and what the kernel
/// refuses is a typed error.
#[test]
fn addresses_and_ports_at_their_limits() {
    let tcp = || socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    // Port 0 binds an ephemeral port, reported back.
    let s = tcp();
    bind(&s, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    let SocketAddr::V4(bound) = getsockname(&s).unwrap().unwrap() else { panic!("not IPv4") };
    assert!(bound.port() > 0 && *bound.ip() == Ipv4Addr::LOCALHOST);
    // Port 65535 (if free) round-trips; byte order is right on every arch.
    let s = tcp();
    match bind(&s, &SocketAddr::from((Ipv4Addr::LOCALHOST, 65535))) {
        Ok(()) => assert_eq!(getsockname(&s).unwrap().unwrap().port(), 65535),
        Err(e) => assert_eq!(e, Errno::EADDRINUSE),
    }
    // The unspecified address binds every interface.
    let s = tcp();
    bind(&s, &SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))).unwrap();
    assert_eq!(getsockname(&s).unwrap().unwrap().ip(), Ipv4Addr::UNSPECIFIED);
    // Nothing listens on port 0; the broadcast address is no TCP peer.
    assert_eq!(connect(tcp(), &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))), Err(Errno::ECONNREFUSED));
    assert!(connect(tcp(), &SocketAddr::from((Ipv4Addr::BROADCAST, 80))).is_err());
    // Binding twice is EINVAL, an address not on this machine EADDRNOTAVAIL.
    assert_eq!(bind(&s, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))), Err(Errno::EINVAL));
    assert_eq!(bind(tcp(), &SocketAddr::from((Ipv4Addr::new(192, 0, 2, 1), 0))), Err(Errno::EADDRNOTAVAIL));
    // IPv6: the flow id goes to the kernel and back in network order.
    let Ok(s6) = socket(AddressFamily::INET6, SocketType::STREAM, SocketFlags::CLOEXEC, 0) else {
        eprintln!("no IPv6 here: the IPv6 cases are skipped");
        return;
    };
    let any6 = SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0);
    bind(&s6, &any6).unwrap();
    let SocketAddr::V6(bound6) = getsockname(&s6).unwrap().unwrap() else { panic!("not IPv6") };
    assert!(bound6.port() > 0 && bound6.ip().is_unspecified());
    // A link-local address needs a scope: without one, EINVAL.
    let link_local = SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, 0);
    let s6 = socket(AddressFamily::INET6, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    assert_eq!(bind(&s6, &link_local), Err(Errno::EINVAL));
    // An IPv4 address on an IPv6 socket: the kernel's error, not a panic.
    let s6 = socket(AddressFamily::INET6, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    assert_eq!(bind(&s6, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))), Err(Errno::EINVAL));
}

/// Sets `SO_LINGER` to 0: closing sends a reset.
fn linger_zero(fd: &OwnedFd) {
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: setsockopt reads one `linger` from the pointer given.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0);
}

/// The source's peer resets the connection mid-transfer (bulk: spliced):
/// the error comes back as `ECONNRESET`, and every byte the transfer
/// delivered before it is the start of the stream, in order.
#[test]
fn a_source_reset_mid_splice_is_an_error_and_loses_nothing_taken() {
    let ((into, from), (to, out)) = (tcp_pair(), unix_pair());
    set_nonblocking(&from, true).unwrap();
    set_nonblocking(&to, true).unwrap();
    let sent = 256 * 1024;
    let mut transfer = Transfer::<4096>::new().unwrap();
    let poller = Poller::new().unwrap();
    poller.register(&from, 1, Interest::READABLE, Mode::Level).unwrap();
    poller.register(&to, 2, Interest::WRITABLE, Mode::Level).unwrap();
    let mut events = Events::<2>::new();
    std::thread::scope(|s| {
        let (from, to) = (from, to); // dropped by a failure's unwind: the threads end
        s.spawn(move || {
            let data = pattern(0, sent);
            let mut at = 0;
            while at < sent {
                at += write(&into, &data[at..]).unwrap();
            }
            linger_zero(&into);
            drop(into); // a reset
        });
        let reader = s.spawn(move || {
            let (mut got, mut buf) = (Vec::new(), vec![0u8; 65536]);
            loop {
                match read(&out, &mut buf).unwrap() {
                    0 => return got,
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
        });
        let mut delivered = 0;
        let error = loop {
            match transfer.run(&from, &to, None) {
                Ok(progress) => {
                    delivered += progress.moved;
                    assert_ne!(progress.stop, Stop::Eof, "a reset source ends in an error, not end of input");
                    poller.wait(&mut events, Some(Duration::from_secs(30))).unwrap();
                    assert!(!events.is_empty(), "no progress for 30 s at {delivered} bytes");
                }
                Err(error) => break error,
            }
        };
        assert_eq!(error.errno, Errno::ECONNRESET, "{error}");
        delivered += error.moved;
        assert_eq!(error.pending, transfer.pending());
        // What is pending is still delivered, then the stream ends.
        while transfer.pending() > 0 {
            delivered += transfer.run(&from, &to, None).map(|p| p.moved).unwrap_or(0);
        }
        drop(to);
        let got = reader.join().unwrap();
        assert_eq!(got.len(), delivered, "delivered count and bytes received differ");
        assert!(got == pattern(0, delivered), "the bytes before the reset differ");
    });
}

/// The smallest buffers the kernel allows (1 is raised to its minimum):
/// every transfer is many partial reads and writes, and nothing is lost.
#[test]
fn one_byte_socket_buffers_move_everything_through_a_transfer() {
    // A unix socket into the transfer, TCP out of it, with the smallest
    // buffers on every side but TCP's receiver (a TCP receive window this
    // small crawls on delayed ACKs and window probes, about 4 KiB a
    // second: that measures TCP, not the transfer).
    let ((into, from), (to, out)) = (unix_pair(), tcp_pair());
    for (fd, opt) in [(&into, SockOpt::SNDBUF), (&from, SockOpt::RCVBUF), (&to, SockOpt::SNDBUF)] {
        setsockopt(fd, opt, 1).unwrap();
    }
    set_nonblocking(&from, true).unwrap();
    set_nonblocking(&to, true).unwrap();
    let total = 1 << 20;
    let poller = Poller::new().unwrap();
    poller.register(&from, 1, Interest::READABLE, Mode::Edge).unwrap();
    poller.register(&to, 2, Interest::WRITABLE, Mode::Edge).unwrap();
    let mut transfer = Transfer::<4096>::new().unwrap();
    std::thread::scope(|s| {
        let (from, to) = (from, to);
        s.spawn(move || {
            for offset in (0..total).step_by(65536) {
                let chunk = pattern(offset, 65536);
                let mut at = 0;
                while at < chunk.len() {
                    at += write(&into, &chunk[at..]).unwrap();
                }
            }
        });
        // The reader starts once the destination has been full: until then
        // TCP's receive buffer (no reader) and the 1-byte send buffer fill
        // for certain, whatever the threads' speeds.
        let (go, start_reading) = std::sync::mpsc::channel::<()>();
        let reader = s.spawn(move || {
            let _ = start_reading.recv();
            let (mut got, mut buf) = (Vec::new(), vec![0u8; 65536]);
            loop {
                match read(&out, &mut buf).unwrap() {
                    0 => return got,
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
        });
        let mut events = Events::<4>::new();
        let (mut moved, mut full) = (0, 0);
        loop {
            let progress = transfer.run(&from, &to, None).unwrap();
            moved += progress.moved;
            full += usize::from(progress.stop == Stop::DestinationWouldBlock);
            if full == 1 {
                let _ = go.send(());
            }
            if progress.stop == Stop::Eof {
                break;
            }
            poller.wait(&mut events, Some(Duration::from_secs(60))).unwrap();
            assert!(!events.is_empty(), "no progress for 60 s at {moved} bytes");
        }
        let _ = go.send(()); // (if it never filled: the assert below says so)
        assert_eq!(moved, total);
        assert!(full > 0, "the tiny send buffer never filled");
        drop(to);
        assert!(reader.join().unwrap() == pattern(0, total), "bytes lost or reordered");
    });
}
