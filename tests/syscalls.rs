//! Real syscalls through the crate's own entry (sc on x86_64/aarch64/riscv64,
//! the hand-written shims elsewhere): every wrapper at least once, with the
//! 5- and 6-argument calls (splice, epoll_pwait, getsockopt) checked for
//! arguments that would give a wrong result if dropped.

#![cfg(target_os = "linux")]

use core::net::{Ipv4Addr, SocketAddr};

use bareio::fd::{AsFd, AsRawFd, OwnedFd};
use bareio::sys::*;
use bareio::Errno;

fn nonblocking_pipe() -> (OwnedFd, OwnedFd) {
    pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC).expect("pipe2")
}

fn unix_stream_pair() -> (OwnedFd, OwnedFd) {
    socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0).expect("socketpair")
}

#[test]
fn eventfd_nonblocking_read_of_zero_counter_is_eagain() {
    let efd = eventfd(0, EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(read(&efd, &mut buf), Err(Errno::EAGAIN));
}

#[test]
fn eventfd_counter_adds_and_resets() {
    let efd = eventfd(5, EventfdFlags::NONBLOCK).unwrap();
    assert_eq!(write(&efd, &7u64.to_ne_bytes()), Ok(8));
    let mut buf = [0u8; 8];
    assert_eq!(read(&efd, &mut buf), Ok(8));
    // Native-endian u64: this is what breaks on s390x/mips if bytes are swapped.
    assert_eq!(u64::from_ne_bytes(buf), 12);
    assert_eq!(read(&efd, &mut buf), Err(Errno::EAGAIN));
    // A short buffer is refused by the kernel.
    assert_eq!(read(&efd, &mut buf[..4]), Err(Errno::EINVAL));
}

#[test]
fn eventfd_semaphore_reads_one_at_a_time() {
    let efd = eventfd(2, EventfdFlags::NONBLOCK | EventfdFlags::SEMAPHORE).unwrap();
    let mut buf = [0u8; 8];
    for _ in 0..2 {
        assert_eq!(read(&efd, &mut buf), Ok(8));
        assert_eq!(u64::from_ne_bytes(buf), 1);
    }
    assert_eq!(read(&efd, &mut buf), Err(Errno::EAGAIN));
}

#[test]
fn pipe2_round_trip_and_flags() {
    let (r, w) = nonblocking_pipe();
    assert!(fcntl_getfl(&r).unwrap().contains(OFlags::NONBLOCK));
    assert!(fcntl_getfd(&w).unwrap().contains(FdFlags::CLOEXEC));
    assert_eq!(write(&w, b"hello"), Ok(5));
    let mut buf = [0u8; 16];
    assert_eq!(read(&r, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    assert_eq!(read(&r, &mut buf), Err(Errno::EAGAIN));
    drop(w);
    assert_eq!(read(&r, &mut buf), Ok(0), "EOF once the write end is closed");
}

#[test]
fn fcntl_toggles_nonblocking_and_cloexec() {
    let (r, _w) = pipe2(PipeFlags::empty()).unwrap();
    assert!(!fcntl_getfl(&r).unwrap().contains(OFlags::NONBLOCK));
    assert!(!fcntl_getfd(&r).unwrap().contains(FdFlags::CLOEXEC));
    set_nonblocking(&r, true).unwrap();
    assert!(fcntl_getfl(&r).unwrap().contains(OFlags::NONBLOCK));
    let mut buf = [0u8; 1];
    assert_eq!(read(&r, &mut buf), Err(Errno::EAGAIN));
    set_nonblocking(&r, false).unwrap();
    assert!(!fcntl_getfl(&r).unwrap().contains(OFlags::NONBLOCK));
    fcntl_setfd(&r, FdFlags::CLOEXEC).unwrap();
    assert!(fcntl_getfd(&r).unwrap().contains(FdFlags::CLOEXEC));
}

#[test]
fn pipe_size_can_be_read_and_grown() {
    let (r, _w) = nonblocking_pipe();
    let before = pipe_size(&r).unwrap();
    assert!(before >= 4096);
    let granted = set_pipe_size(&r, before * 2).unwrap();
    assert!(granted >= before * 2);
    assert_eq!(pipe_size(&r).unwrap(), granted);
    assert_eq!(set_pipe_size(&r, usize::MAX), Err(Errno::EINVAL));
}

#[test]
fn readv_and_writev_keep_order() {
    let (r, w) = nonblocking_pipe();
    let bufs = [IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cde")];
    assert_eq!(writev(&w, &bufs), Ok(5));
    let (mut x, mut y) = ([0u8; 3], [0u8; 3]);
    let mut out = [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)];
    assert_eq!(readv(&r, &mut out), Ok(5));
    assert_eq!((&x, &y[..2]), (b"abc", &b"de"[..]));
}

#[test]
fn writev_of_more_than_iov_max_is_einval() {
    let (_r, w) = nonblocking_pipe();
    let bufs = vec![IoSlice::new(b"x"); 1025];
    assert_eq!(writev(&w, &bufs), Err(Errno::EINVAL));
    assert_eq!(writev(&w, &bufs[..1024]), Ok(1024));
}

#[test]
fn splice_moves_bytes_between_pipes_with_all_six_arguments() {
    let (r1, w1) = nonblocking_pipe();
    let (r2, w2) = nonblocking_pipe();
    assert_eq!(write(&w1, b"0123456789"), Ok(10));
    // len (arg 5) limits the move: a dropped or garbled len would move all 10.
    assert_eq!(splice(&r1, None, &w2, None, 4, SpliceFlags::NONBLOCK), Ok(4));
    let mut buf = [0u8; 16];
    assert_eq!(read(&r2, &mut buf), Ok(4));
    assert_eq!(&buf[..4], b"0123");
    // flags (arg 6): without SPLICE_F_NONBLOCK this would block on an empty pipe.
    assert_eq!(read(&r1, &mut buf), Ok(6));
    assert_eq!(splice(&r1, None, &w2, None, 4, SpliceFlags::NONBLOCK), Err(Errno::EAGAIN));
    // An offset on a pipe is refused (arg 2 reaches the kernel).
    let mut off = 0i64;
    assert_eq!(splice(&r1, Some(&mut off), &w2, None, 4, SpliceFlags::NONBLOCK), Err(Errno::ESPIPE));
}

#[test]
fn splice_needs_a_pipe_on_one_side() {
    let (a, _b) = unix_stream_pair();
    let (c, _d) = unix_stream_pair();
    assert_eq!(splice(&a, None, &c, None, 1, SpliceFlags::NONBLOCK), Err(Errno::EINVAL));
}

fn epoll_with_readable_pipe(token: u64) -> (OwnedFd, OwnedFd, OwnedFd) {
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
    let (r, w) = nonblocking_pipe();
    epoll_add(&ep, &r, EpollEvent::new(EpollFlags::IN, token)).unwrap();
    assert_eq!(write(&w, b"x"), Ok(1));
    (ep, r, w)
}

#[test]
fn epoll_reports_readiness_with_the_token() {
    let (ep, r, _w) = epoll_with_readable_pipe(0xdead_beef_cafe_f00d);
    let mut events = [EpollEvent::ZERO; 4];
    assert_eq!(epoll_pwait(&ep, &mut events, 0, None), Ok(1));
    let EpollEvent { events: bits, data } = events[0];
    assert_eq!(data, 0xdead_beef_cafe_f00d, "all 64 bits of data survive");
    assert!(bits.contains(EpollFlags::IN));
    assert!(!bits.contains(EpollFlags::OUT));
    epoll_delete(&ep, &r).unwrap();
    assert_eq!(epoll_pwait(&ep, &mut events, 0, None), Ok(0));
}

#[test]
fn epoll_ctl_errors() {
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
    let (r, _w) = nonblocking_pipe();
    let ev = EpollEvent::new(EpollFlags::IN, 1);
    assert_eq!(epoll_modify(&ep, &r, ev), Err(Errno::ENOENT));
    assert_eq!(epoll_delete(&ep, &r), Err(Errno::ENOENT));
    epoll_add(&ep, &r, ev).unwrap();
    assert_eq!(epoll_add(&ep, &r, ev), Err(Errno::EEXIST));
    epoll_modify(&ep, &r, EpollEvent::new(EpollFlags::IN | EpollFlags::ET, 2)).unwrap();
    // An epoll fd cannot watch itself.
    assert_eq!(epoll_add(&ep, &ep, ev), Err(Errno::EINVAL));
    let mut none: [EpollEvent; 0] = [];
    assert_eq!(epoll_pwait(&ep, &mut none, 0, None), Err(Errno::EINVAL));
}

#[test]
fn epoll_pwait_with_a_sigmask_checks_this_architectures_sigset_size() {
    // With a non-null mask the kernel checks sigsetsize (arg 6): a wrong
    // SIGSET_SIZE in the table (8 vs 16 on mips) gives EINVAL here.
    let (ep, _r, _w) = epoll_with_readable_pipe(7);
    let mut events = [EpollEvent::ZERO; 2];
    let mut mask = SigSet::empty();
    mask.add(10).unwrap();
    assert_eq!(epoll_pwait(&ep, &mut events, 0, Some(&mask)), Ok(1));
    assert_eq!({ events[0].data }, 7);
}

#[test]
fn epoll_pwait_with_maxevents_one_returns_one() {
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
    let pipes: Vec<_> = (0..3).map(|_| nonblocking_pipe()).collect();
    for (i, (r, w)) in pipes.iter().enumerate() {
        epoll_add(&ep, r, EpollEvent::new(EpollFlags::IN, i as u64)).unwrap();
        write(w, b"x").unwrap();
    }
    let mut events = [EpollEvent::ZERO; 8];
    // maxevents (arg 3) reaches the kernel: only one slot offered, one filled.
    assert_eq!(epoll_pwait(&ep, &mut events[..1], 0, None), Ok(1));
    assert_eq!(epoll_pwait(&ep, &mut events, 0, None), Ok(3));
}

#[test]
fn epoll_pwait2_zero_timeout_polls() {
    let (ep, _r, _w) = epoll_with_readable_pipe(3);
    let mut events = [EpollEvent::ZERO; 2];
    let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
    match epoll_pwait2(&ep, &mut events, Some(&zero), None) {
        Ok(n) => {
            assert_eq!(n, 1);
            assert_eq!({ events[0].data }, 3);
            let bad = Timespec { tv_sec: 0, tv_nsec: 2_000_000_000 };
            assert_eq!(epoll_pwait2(&ep, &mut events, Some(&bad), None), Err(Errno::EINVAL));
        }
        // Kernels before 5.11 (and older qemu-user) do not have it.
        Err(e) => assert_eq!(e, Errno::ENOSYS),
    }
}

#[test]
fn epoll_with_an_empty_set_times_out() {
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
    let mut events = [EpollEvent::ZERO; 1];
    assert_eq!(epoll_pwait(&ep, &mut events, 1, None), Ok(0));
}

fn loopback_listener() -> (OwnedFd, SocketAddr) {
    let listener = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    setsockopt(&listener, SockOpt::REUSEADDR, 1).unwrap();
    assert_eq!(getsockopt(&listener, SockOpt::REUSEADDR), Ok(1));
    bind(&listener, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    listen(&listener, 16).unwrap();
    let addr = getsockname(&listener).unwrap().expect("an IPv4 address");
    assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
    assert_ne!(addr.port(), 0);
    (listener, addr)
}

#[test]
fn loopback_tcp_connect_accept_and_shutdown() {
    let (listener, addr) = loopback_listener();
    let client = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    assert_eq!(getsockopt(&client, SockOpt::TYPE), Ok(SocketType::STREAM.raw() as i32));
    connect(&client, &addr).unwrap();
    let (server, peer) = accept4(&listener, SocketFlags::CLOEXEC | SocketFlags::NONBLOCK).unwrap();
    assert_eq!(peer, getsockname(&client).unwrap());
    assert!(fcntl_getfl(&server).unwrap().contains(OFlags::NONBLOCK));
    setsockopt(&client, SockOpt::TCP_NODELAY, 1).unwrap();

    assert_eq!(write(&client, b"ping"), Ok(4));
    let mut buf = [0u8; 8];
    let mut got = 0;
    while got < 4 {
        match read(&server, &mut buf[got..]) {
            Ok(n) => got += n,
            Err(Errno::EAGAIN) => wait_readable(&server),
            Err(e) => panic!("read: {e}"),
        }
    }
    assert_eq!(&buf[..4], b"ping");

    shutdown(&client, Shutdown::Write).unwrap();
    loop {
        match read(&server, &mut buf) {
            Ok(0) => break,
            Ok(n) => panic!("unexpected {n} bytes"),
            Err(Errno::EAGAIN) => wait_readable(&server),
            Err(e) => panic!("read: {e}"),
        }
    }
    assert_eq!(take_socket_error(&server), Ok(None));
}

/// Blocks until `fd` is readable, with the crate's own epoll.
fn wait_readable(fd: impl AsFd) {
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
    epoll_add(&ep, &fd, EpollEvent::new(EpollFlags::IN | EpollFlags::RDHUP, 0)).unwrap();
    let mut events = [EpollEvent::ZERO; 1];
    assert_eq!(epoll_pwait(&ep, &mut events, -1, None), Ok(1));
}

#[test]
fn nonblocking_connect_is_in_progress_then_succeeds() {
    let (listener, addr) = loopback_listener();
    let client =
        socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC, 0)
            .unwrap();
    match connect(&client, &addr) {
        Ok(()) => {}
        Err(e) => assert_eq!(e, Errno::EINPROGRESS),
    }
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC).unwrap();
    epoll_add(&ep, &client, EpollEvent::new(EpollFlags::OUT, 1)).unwrap();
    let mut events = [EpollEvent::ZERO; 1];
    assert_eq!(epoll_pwait(&ep, &mut events, -1, None), Ok(1));
    assert_eq!(take_socket_error(&client), Ok(None));
    let _ = accept4(&listener, SocketFlags::CLOEXEC).unwrap();
}

#[test]
fn connect_to_a_closed_port_is_refused() {
    let (listener, addr) = loopback_listener();
    drop(listener);
    let client = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    assert_eq!(connect(&client, &addr), Err(Errno::ECONNREFUSED));
}

#[test]
fn bind_to_a_used_port_is_eaddrinuse() {
    let (_listener, addr) = loopback_listener();
    let other = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    assert_eq!(bind(&other, &addr), Err(Errno::EADDRINUSE));
}

#[test]
fn ipv6_loopback_addresses_round_trip_when_available() {
    let Ok(sock) = socket(AddressFamily::INET6, SocketType::STREAM, SocketFlags::CLOEXEC, 0) else {
        return; // no IPv6 in this sandbox: EAFNOSUPPORT
    };
    match bind(&sock, &"[::1]:0".parse::<SocketAddr>().unwrap()) {
        Ok(()) => {
            let addr = getsockname(&sock).unwrap().unwrap();
            assert!(addr.is_ipv6() && addr.ip().is_loopback() && addr.port() != 0);
        }
        Err(e) => assert_eq!(e, Errno::EADDRNOTAVAIL), // IPv6 disabled on lo
    }
}

#[test]
fn sendmsg_and_recvmsg_over_a_socketpair() {
    let (a, b) = unix_stream_pair();
    let parts = [IoSlice::new(b"he"), IoSlice::new(b"llo")];
    assert_eq!(sendmsg(&a, &parts, MsgFlags::NOSIGNAL), Ok(5));
    let (mut x, mut y) = ([0u8; 2], [0u8; 8]);
    {
        let mut bufs = [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)];
        assert_eq!(recvmsg(&b, &mut bufs, MsgFlags::empty()), Ok(5));
        assert_eq!(recvmsg(&b, &mut bufs, MsgFlags::DONTWAIT), Err(Errno::EAGAIN));
    }
    assert_eq!((&x, &y[..3]), (b"he", &b"llo"[..]));
}

#[test]
fn sendmsg_to_a_closed_peer_is_epipe_not_sigpipe() {
    let (a, b) = unix_stream_pair();
    drop(b);
    // The Rust runtime ignores SIGPIPE, so this checks the error only;
    // tests/iovecs.rs shows, in a child with SIGPIPE's default action, that
    // MSG_NOSIGNAL is what keeps the process alive.
    assert_eq!(sendmsg(&a, &[IoSlice::new(b"x")], MsgFlags::NOSIGNAL), Err(Errno::EPIPE));
}

#[test]
fn socket_options_use_this_architectures_numbers() {
    let (a, _b) = unix_stream_pair();
    setsockopt(&a, SockOpt::SNDBUF, 8192).unwrap();
    // Linux doubles the requested size; a wrong SO_SNDBUF number would
    // either fail (ENOPROTOOPT) or read back an unrelated option.
    assert_eq!(getsockopt(&a, SockOpt::SNDBUF), Ok(16384));
    setsockopt(&a, SockOpt::KEEPALIVE, 1).unwrap();
    assert_eq!(getsockopt(&a, SockOpt::KEEPALIVE), Ok(1));
    assert_eq!(
        getsockopt(&a, SockOpt::new(bareio::arch::current::SOL_SOCKET, 9999)),
        Err(Errno::ENOPROTOOPT)
    );
}

#[test]
fn socket_errors_are_typed() {
    assert_eq!(
        socket(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 99).err(),
        Some(Errno::EPROTONOSUPPORT)
    );
    let (r, _w) = nonblocking_pipe();
    assert_eq!(listen(&r, 1), Err(Errno::ENOTSOCK));
    assert_eq!(getsockname(&r), Err(Errno::ENOTSOCK));
}

#[test]
fn getpid_and_kill_with_signal_zero() {
    let pid = getpid();
    assert!(pid > 0);
    assert_eq!(kill(pid, 0), Ok(()));
    assert_eq!(kill(pid, -1), Err(Errno::EINVAL));
}

#[test]
fn fds_are_real_numbers_and_close_reports_success() {
    let (r, w) = nonblocking_pipe();
    assert!(r.as_raw_fd() >= 0 && w.as_raw_fd() >= 0 && r.as_raw_fd() != w.as_raw_fd());
    assert_eq!(close(r), Ok(()));
    assert_eq!(close(w), Ok(()));
}

/// Sends `signal` to the calling thread only (`tgkill` through libc): a
/// process-directed `kill` could be delivered to another test thread that
/// does not block it, and kill the test binary.
fn raise_in_this_thread(signal: i32) {
    // SAFETY: raise has no memory preconditions; the signal is blocked in
    // this thread, so it stays pending instead of running a handler.
    assert_eq!(unsafe { libc::raise(signal) }, 0);
}

fn signal_set(signals: &[i32]) -> SigSet {
    let mut set = SigSet::empty();
    for &signal in signals {
        set.add(signal).unwrap();
    }
    set
}

#[test]
fn sigprocmask_blocks_unblocks_and_returns_the_old_mask() {
    let usr1 = signal_set(&[SIGUSR1]);
    let original = sigprocmask(SigmaskHow::Block, Some(&usr1)).unwrap();
    assert!(!original.contains(SIGUSR1));
    // `None` only reads the mask.
    let now = sigprocmask(SigmaskHow::Block, None).unwrap();
    assert!(now.contains(SIGUSR1));
    let before_unblock = sigprocmask(SigmaskHow::Unblock, Some(&usr1)).unwrap();
    assert!(before_unblock.contains(SIGUSR1));
    assert!(!sigprocmask(SigmaskHow::Block, None).unwrap().contains(SIGUSR1));
    // SetMask replaces the whole mask.
    sigprocmask(SigmaskHow::SetMask, Some(&signal_set(&[SIGUSR1, SIGTERM]))).unwrap();
    let set = sigprocmask(SigmaskHow::SetMask, Some(&original)).unwrap();
    assert!(set.contains(SIGUSR1) && set.contains(SIGTERM) && !set.contains(SIGINT));
    assert_eq!(sigprocmask(SigmaskHow::Block, None).unwrap(), original);
}

#[test]
fn signalfd_reads_a_blocked_signal_and_wakes_the_poller() {
    use bareio::poll::{Events, Interest, Mode, Poller};
    let usr1 = signal_set(&[SIGUSR1]);
    let original = sigprocmask(SigmaskHow::Block, Some(&usr1)).unwrap();
    let sfd = signalfd(&usr1, SignalfdFlags::NONBLOCK | SignalfdFlags::CLOEXEC).unwrap();
    assert!(fcntl_getfl(&sfd).unwrap().contains(OFlags::NONBLOCK));
    assert!(fcntl_getfd(&sfd).unwrap().contains(FdFlags::CLOEXEC));
    assert_eq!(read_signal(&sfd), Err(Errno::EAGAIN));

    let poller = Poller::new().unwrap();
    poller.register(&sfd, 3, Interest::READABLE, Mode::Level).unwrap();
    let mut events = Events::<4>::new();
    assert_eq!(poller.wait(&mut events, Some(core::time::Duration::ZERO)), Ok(0));

    raise_in_this_thread(SIGUSR1);
    assert_eq!(poller.wait(&mut events, Some(core::time::Duration::from_secs(10))), Ok(1));
    let event = events.iter().next().unwrap();
    assert!(event.token() == 3 && event.is_readable());
    let info = read_signal(&sfd).unwrap();
    assert_eq!(info.signo, SIGUSR1 as u32);
    assert_eq!(info.pid, getpid() as u32);
    assert_eq!(info.code, -6, "SI_TKILL: sent by tgkill");
    assert_eq!(read_signal(&sfd), Err(Errno::EAGAIN), "consumed");

    // A new mask for the same fd: SIGUSR1 is no longer reported.
    signalfd_set_mask(&sfd, &signal_set(&[SIGTERM])).unwrap();
    sigprocmask(SigmaskHow::SetMask, Some(&original)).unwrap();
}

#[test]
fn a_blocked_sigpipe_turns_into_epipe_and_stays_readable_from_a_signalfd() {
    let pipe_set = signal_set(&[SIGPIPE]);
    let original = sigprocmask(SigmaskHow::Block, Some(&pipe_set)).unwrap();
    let (a, b) = unix_stream_pair();
    drop(b);
    assert_eq!(write(&a, b"x"), Err(Errno::EPIPE));
    // The SIGPIPE is pending on this thread: take it before unblocking.
    let sfd = signalfd(&pipe_set, SignalfdFlags::NONBLOCK | SignalfdFlags::CLOEXEC).unwrap();
    assert_eq!(read_signal(&sfd).map(|info| info.signo), Ok(SIGPIPE as u32));
    sigprocmask(SigmaskHow::SetMask, Some(&original)).unwrap();
}

#[test]
fn signal_wrappers_refuse_bad_arguments() {
    let (r, _w) = nonblocking_pipe();
    assert_eq!(signalfd_set_mask(&r, &SigSet::empty()), Err(Errno::EINVAL));
    let (x, y) = unix_stream_pair();
    write(&x, b"short").unwrap();
    assert_eq!(read_signal(&y), Err(Errno::EIO), "not a whole signalfd_siginfo");
}

/// 32, 33 (glibc: SIGCANCEL, SIGSETXID) and 34 (musl's SIGSYNCCALL) are
/// the C libraries' own: blocking them in one thread makes `setuid` or
/// `pthread_cancel` in a libc process hang, so a `SigSet` refuses them
/// (as rustix does); the first application real-time signal is 35.
#[test]
fn sigsets_refuse_the_c_librarys_reserved_signals() {
    let mut set = SigSet::empty();
    for reserved in 32..=34 {
        assert_eq!(set.add(reserved), Err(Errno::EINVAL), "signal {reserved}");
        assert!(!set.contains(reserved));
    }
    assert_eq!(set.add(35), Ok(()));
    assert_eq!(set.add(31), Ok(()));
    assert!(set.contains(35) && set.contains(31));
    // Blocking "everything" the set can express leaves them deliverable.
    let mut all = SigSet::empty();
    for signal in 1..=SigSet::CAPACITY {
        let _ = all.add(signal);
    }
    let original = sigprocmask(SigmaskHow::Block, Some(&all)).unwrap();
    let blocked = sigprocmask(SigmaskHow::SetMask, Some(&original)).unwrap();
    assert!(blocked.contains(SIGTERM) && !blocked.contains(32) && !blocked.contains(33));
}

/// `SigSet::with` (for sets built at compile time) is `add`: the same bit
/// for every signal `add` takes, and a panic (in a `const`, a compile
/// error) for every one it refuses, the reserved ones and the edges.
#[test]
fn sigset_with_builds_the_set_add_builds_and_refuses_what_add_refuses() {
    const STOP: SigSet = SigSet::empty().with(SIGINT).with(SIGTERM).with(35);
    assert_eq!(STOP, signal_set(&[SIGINT, SIGTERM, 35]));
    for signal in
        [-1, 0, SigSet::CAPACITY + 1, i32::MIN, i32::MAX].into_iter().chain(0..=SigSet::CAPACITY + 1)
    {
        let mut added = SigSet::empty();
        match added.add(signal) {
            Ok(()) => assert_eq!(SigSet::empty().with(signal), added, "signal {signal}"),
            Err(errno) => {
                assert_eq!(errno, Errno::EINVAL);
                let with = std::panic::catch_unwind(|| SigSet::empty().with(signal));
                assert!(with.is_err(), "with({signal}) took a signal add refuses");
            }
        }
    }
}

#[test]
fn prlimit_reads_what_libc_reads_and_refuses_soft_above_hard() {
    let ours = prlimit(Resource::Nofile, None).unwrap();
    let mut theirs = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one `rlimit` into `theirs`.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut theirs) }, 0);
    #[allow(clippy::unnecessary_cast)] // `rlim_t` is 32-bit on 32-bit glibc
    let theirs = (theirs.rlim_cur as u64, theirs.rlim_max as u64);
    assert_eq!((ours.soft, ours.hard), theirs);
    // Setting the same limit changes nothing and returns it.
    assert_eq!(prlimit(Resource::Nofile, Some(&ours)), Ok(ours));
    assert_eq!(prlimit(Resource::Nofile, None), Ok(ours));
    if ours.hard != Rlimit::INFINITY {
        let bad = Rlimit { soft: ours.hard + 1, hard: ours.hard };
        assert_eq!(prlimit(Resource::Nofile, Some(&bad)), Err(Errno::EINVAL));
        assert_eq!(prlimit(Resource::Nofile, None), Ok(ours), "unchanged after the refusal");
    }
}

/// More address space than this machine has memory and swap (64 GiB on
/// 64-bit; 1 GiB on 32-bit, more than the 256 MiB malta machines of
/// scripts/kernel-test have), mapped at once: `MAP_NORESERVE` keeps the
/// kernel from refusing it as an obvious overcommit. Pages read as zero
/// and cost memory only when written.
#[test]
fn mmap_anonymous_maps_more_than_memory_lazily_and_zeroed() {
    let len: usize = if cfg!(target_pointer_width = "64") { 64 << 30 } else { 1 << 30 };
    let memory = mmap_anonymous(len).expect("mmap_anonymous of more than the machine's memory");
    assert_eq!(memory.len(), len);
    let page = 4096;
    for at in [0, page, len / 2, len - 1] {
        assert_eq!(memory[at], 0, "byte {at}");
        memory[at] = 0xa5;
        assert_eq!(memory[at], 0xa5);
    }
    assert_eq!(memory[len / 2 + 1], 0);
    assert_eq!(mmap_anonymous(0).err(), Some(Errno::EINVAL));
    assert_eq!(mmap_anonymous(usize::MAX - 4095).err(), Some(Errno::ENOMEM));
}
