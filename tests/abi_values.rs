//! The compiled architecture's table (`bareio::arch::current`) against the
//! `libc` crate for the same target: flags, socket values, errno and the
//! syscall numbers. Run on the host by `cargo test`, and on each foreign
//! architecture under qemu-user by `scripts/cross-test`.

#![cfg(target_os = "linux")]
// The libc types differ per target (c_long, c_int, u32): the casts that are
// no-ops on one target are needed on another.
#![allow(clippy::unnecessary_cast)]

use bareio::arch::current as t;

/// Compares a list of `(name, ours, libc's)` and reports every mismatch.
fn check(what: &str, pairs: &[(&str, i64, i64)]) {
    let wrong: Vec<String> = pairs
        .iter()
        .filter(|(_, ours, theirs)| ours != theirs)
        .map(|(name, ours, theirs)| format!("{name}: ours {ours:#x}, libc {theirs:#x}"))
        .collect();
    assert!(wrong.is_empty(), "{what} differ from libc:\n{}", wrong.join("\n"));
}

macro_rules! pairs {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), t::$name as i64, libc::$name as i64)),*]
    };
}

#[test]
fn flags_match_libc() {
    check(
        "flags",
        pairs!(
            O_NONBLOCK,
            O_CLOEXEC,
            EFD_NONBLOCK,
            EFD_CLOEXEC,
            SOCK_NONBLOCK,
            SOCK_CLOEXEC,
            EPOLL_CLOEXEC,
            SFD_NONBLOCK,
            SFD_CLOEXEC,
            MAP_ANONYMOUS,
            MAP_NORESERVE,
        ),
    );
    // C libraries define `O_LARGEFILE` as 0 on the 64-bit ABIs (the kernel
    // forces it there); tests/files.rs checks the kernel's value on each.
    #[cfg(target_pointer_width = "32")]
    check("flags", pairs!(O_LARGEFILE));
}

#[test]
fn signal_values_match_libc() {
    check(
        "signal values",
        pairs!(
            SIG_BLOCK,
            SIG_UNBLOCK,
            SIG_SETMASK,
            SIGHUP,
            SIGINT,
            SIGKILL,
            SIGPIPE,
            SIGTERM,
            SIGUSR1,
            SIGCHLD
        ),
    );
    let pairs: &[(&str, i64, i64)] = &[
        ("SigmaskHow::Block", bareio::sys::SigmaskHow::Block as i64, libc::SIG_BLOCK as i64),
        ("SigmaskHow::Unblock", bareio::sys::SigmaskHow::Unblock as i64, libc::SIG_UNBLOCK as i64),
        ("SigmaskHow::SetMask", bareio::sys::SigmaskHow::SetMask as i64, libc::SIG_SETMASK as i64),
        (
            "sizeof(signalfd_siginfo)",
            bareio::sys::SIGNALFD_SIGINFO_SIZE as i64,
            core::mem::size_of::<libc::signalfd_siginfo>() as i64,
        ),
    ];
    check("signal types", pairs);
}

#[test]
fn resource_values_match_libc() {
    check(
        "resources",
        &[
            ("RLIMIT_NOFILE", t::RLIMIT_NOFILE as i64, libc::RLIMIT_NOFILE as i64),
            ("Resource::Nofile", bareio::sys::Resource::Nofile as i64, libc::RLIMIT_NOFILE as i64),
            ("sizeof(rlimit64)", size_of::<bareio::sys::Rlimit>() as i64, size_of::<libc::rlimit64>() as i64),
            ("RLIM64_INFINITY", bareio::sys::Rlimit::INFINITY as i64, libc::RLIM64_INFINITY as i64),
        ],
    );
}

#[test]
fn socket_values_match_libc() {
    check(
        "socket values",
        pairs!(
            SOCK_STREAM,
            SOCK_DGRAM,
            SOL_SOCKET,
            SO_REUSEADDR,
            SO_TYPE,
            SO_ERROR,
            SO_SNDBUF,
            SO_RCVBUF,
            SO_KEEPALIVE,
            SO_REUSEPORT,
            SO_RCVLOWAT,
            SO_SNDLOWAT,
            SO_LINGER,
            SO_RCVTIMEO,
            SO_SNDTIMEO,
        ),
    );
}

#[test]
fn errno_values_match_libc() {
    check(
        "errno values",
        pairs!(
            EPERM,
            ENOENT,
            ESRCH,
            EINTR,
            EIO,
            ENXIO,
            E2BIG,
            ENOEXEC,
            EBADF,
            ECHILD,
            EAGAIN,
            ENOMEM,
            EACCES,
            EFAULT,
            ENOTBLK,
            EBUSY,
            EEXIST,
            EXDEV,
            ENODEV,
            ENOTDIR,
            EISDIR,
            EINVAL,
            ENFILE,
            EMFILE,
            ENOTTY,
            ETXTBSY,
            EFBIG,
            ENOSPC,
            ESPIPE,
            EROFS,
            EMLINK,
            EPIPE,
            EDOM,
            ERANGE,
            EDEADLK,
            ENAMETOOLONG,
            ENOLCK,
            ENOSYS,
            ENOTEMPTY,
            ELOOP,
            EOVERFLOW,
            ENOTSOCK,
            EDESTADDRREQ,
            EMSGSIZE,
            EPROTOTYPE,
            ENOPROTOOPT,
            EPROTONOSUPPORT,
            ESOCKTNOSUPPORT,
            EOPNOTSUPP,
            EPFNOSUPPORT,
            EAFNOSUPPORT,
            EADDRINUSE,
            EADDRNOTAVAIL,
            ENETDOWN,
            ENETUNREACH,
            ENETRESET,
            ECONNABORTED,
            ECONNRESET,
            ENOBUFS,
            EISCONN,
            ENOTCONN,
            ESHUTDOWN,
            ETOOMANYREFS,
            ETIMEDOUT,
            ECONNREFUSED,
            EHOSTDOWN,
            EHOSTUNREACH,
            EALREADY,
            EINPROGRESS,
            ECANCELED,
            ENOTSUP,
            EWOULDBLOCK,
        ),
    );
}

#[test]
fn errno_type_uses_this_architectures_values() {
    use bareio::Errno;
    let pairs: &[(&str, i64, i64)] = &[
        ("EAGAIN", Errno::EAGAIN.raw().into(), libc::EAGAIN.into()),
        ("ENOSYS", Errno::ENOSYS.raw().into(), libc::ENOSYS.into()),
        ("ECONNRESET", Errno::ECONNRESET.raw().into(), libc::ECONNRESET.into()),
        ("EINPROGRESS", Errno::EINPROGRESS.raw().into(), libc::EINPROGRESS.into()),
        ("EADDRINUSE", Errno::EADDRINUSE.raw().into(), libc::EADDRINUSE.into()),
        ("ECONNREFUSED", Errno::ECONNREFUSED.raw().into(), libc::ECONNREFUSED.into()),
    ];
    check("Errno constants", pairs);
}

#[test]
fn syscall_numbers_match_libc() {
    let pairs: &[(&str, i64, i64)] = &[
        ("read", t::SYS_READ as i64, libc::SYS_read as i64),
        ("write", t::SYS_WRITE as i64, libc::SYS_write as i64),
        ("readv", t::SYS_READV as i64, libc::SYS_readv as i64),
        ("writev", t::SYS_WRITEV as i64, libc::SYS_writev as i64),
        ("close", t::SYS_CLOSE as i64, libc::SYS_close as i64),
        ("fcntl", t::SYS_FCNTL as i64, libc::SYS_fcntl as i64),
        ("pipe2", t::SYS_PIPE2 as i64, libc::SYS_pipe2 as i64),
        ("splice", t::SYS_SPLICE as i64, libc::SYS_splice as i64),
        ("eventfd2", t::SYS_EVENTFD2 as i64, libc::SYS_eventfd2 as i64),
        ("epoll_create1", t::SYS_EPOLL_CREATE1 as i64, libc::SYS_epoll_create1 as i64),
        ("epoll_ctl", t::SYS_EPOLL_CTL as i64, libc::SYS_epoll_ctl as i64),
        ("epoll_pwait", t::SYS_EPOLL_PWAIT as i64, libc::SYS_epoll_pwait as i64),
        ("epoll_pwait2", t::SYS_EPOLL_PWAIT2 as i64, libc::SYS_epoll_pwait2 as i64),
        ("socket", t::SYS_SOCKET as i64, libc::SYS_socket as i64),
        ("socketpair", t::SYS_SOCKETPAIR as i64, libc::SYS_socketpair as i64),
        ("bind", t::SYS_BIND as i64, libc::SYS_bind as i64),
        ("listen", t::SYS_LISTEN as i64, libc::SYS_listen as i64),
        ("connect", t::SYS_CONNECT as i64, libc::SYS_connect as i64),
        ("accept4", t::SYS_ACCEPT4 as i64, libc::SYS_accept4 as i64),
        ("setsockopt", t::SYS_SETSOCKOPT as i64, libc::SYS_setsockopt as i64),
        ("getsockopt", t::SYS_GETSOCKOPT as i64, libc::SYS_getsockopt as i64),
        ("getsockname", t::SYS_GETSOCKNAME as i64, libc::SYS_getsockname as i64),
        ("shutdown", t::SYS_SHUTDOWN as i64, libc::SYS_shutdown as i64),
        ("sendmsg", t::SYS_SENDMSG as i64, libc::SYS_sendmsg as i64),
        ("recvmsg", t::SYS_RECVMSG as i64, libc::SYS_recvmsg as i64),
        ("exit_group", t::SYS_EXIT_GROUP as i64, libc::SYS_exit_group as i64),
        ("getpid", t::SYS_GETPID as i64, libc::SYS_getpid as i64),
        ("kill", t::SYS_KILL as i64, libc::SYS_kill as i64),
        ("rt_sigprocmask", t::SYS_RT_SIGPROCMASK as i64, libc::SYS_rt_sigprocmask as i64),
        ("signalfd4", t::SYS_SIGNALFD4 as i64, libc::SYS_signalfd4 as i64),
        ("prlimit64", t::SYS_PRLIMIT64 as i64, libc::SYS_prlimit64 as i64),
        ("ioctl", t::SYS_IOCTL as i64, libc::SYS_ioctl as i64),
        ("prctl", t::SYS_PRCTL as i64, libc::SYS_prctl as i64),
        ("seccomp", t::SYS_SECCOMP as i64, libc::SYS_seccomp as i64),
        ("openat", t::SYS_OPENAT as i64, libc::SYS_openat as i64),
        ("sendto", t::SYS_SENDTO as i64, libc::SYS_sendto as i64),
        ("recvfrom", t::SYS_RECVFROM as i64, libc::SYS_recvfrom as i64),
        ("sendmmsg", t::SYS_SENDMMSG as i64, libc::SYS_sendmmsg as i64),
        ("recvmmsg", t::SYS_RECVMMSG as i64, libc::SYS_recvmmsg as i64),
        ("getpeername", t::SYS_GETPEERNAME as i64, libc::SYS_getpeername as i64),
        ("dup", t::SYS_DUP as i64, libc::SYS_dup as i64),
        ("dup3", t::SYS_DUP3 as i64, libc::SYS_dup3 as i64),
        ("timerfd_create", t::SYS_TIMERFD_CREATE as i64, libc::SYS_timerfd_create as i64),
        ("pread64", t::SYS_PREAD64 as i64, libc::SYS_pread64 as i64),
        ("pwrite64", t::SYS_PWRITE64 as i64, libc::SYS_pwrite64 as i64),
        ("clone", t::SYS_CLONE as i64, libc::SYS_clone as i64),
        ("wait4", t::SYS_WAIT4 as i64, libc::SYS_wait4 as i64),
        ("getppid", t::SYS_GETPPID as i64, libc::SYS_getppid as i64),
        ("sched_getaffinity", t::SYS_SCHED_GETAFFINITY as i64, libc::SYS_sched_getaffinity as i64),
        // The 32-bit ABIs' time64 calls are checked against `syscalls`
        // (tests/syscall_numbers.rs); `libc` has their fallbacks.
        #[cfg(target_pointer_width = "32")]
        ("timerfd_settime (32-bit time)", t::SYS_TIMERFD_SETTIME32 as i64, libc::SYS_timerfd_settime as i64),
        #[cfg(target_pointer_width = "32")]
        ("timerfd_gettime (32-bit time)", t::SYS_TIMERFD_GETTIME32 as i64, libc::SYS_timerfd_gettime as i64),
        #[cfg(target_pointer_width = "32")]
        ("ftruncate64", t::SYS_FTRUNCATE64 as i64, libc::SYS_ftruncate64 as i64),
        #[cfg(target_pointer_width = "64")]
        ("timerfd_settime", t::SYS_TIMERFD_SETTIME as i64, libc::SYS_timerfd_settime as i64),
        #[cfg(target_pointer_width = "64")]
        ("timerfd_gettime", t::SYS_TIMERFD_GETTIME as i64, libc::SYS_timerfd_gettime as i64),
        #[cfg(target_pointer_width = "64")]
        ("ftruncate", t::SYS_FTRUNCATE64 as i64, libc::SYS_ftruncate as i64),
        #[cfg(target_pointer_width = "32")]
        ("mmap2", t::SYS_MMAP as i64, libc::SYS_mmap2 as i64),
        #[cfg(target_pointer_width = "64")]
        ("mmap", t::SYS_MMAP as i64, libc::SYS_mmap as i64),
        #[cfg(target_pointer_width = "32")]
        ("clock_gettime (32-bit time)", t::SYS_CLOCK_GETTIME32 as i64, libc::SYS_clock_gettime as i64),
        // 32-bit ABIs use `clock_gettime64`, which `libc` names only for
        // riscv32; tests/syscall_numbers.rs checks it against `syscalls`.
        #[cfg(target_pointer_width = "64")]
        ("clock_gettime", t::SYS_CLOCK_GETTIME as i64, libc::SYS_clock_gettime as i64),
    ];
    check("syscall numbers", pairs);
}

#[test]
fn epoll_event_packing_matches_libc() {
    // What packing changes is where `data` sits: offset 4 (12-byte struct)
    // when packed, 8 (16 bytes) when not. libc packs it on x86_64 like the
    // kernel, and also on x86, where the i386 ABI aligns `u64` to 4 so the
    // unpacked kernel struct has that same 12-byte layout.
    let libc_data_at_4 = memoffset::offset_of!(libc::epoll_event, u64) == 4;
    let i386_alignment = cfg!(target_arch = "x86");
    assert_eq!(t::EPOLL_EVENT_PACKED || i386_alignment, libc_data_at_4);
    assert_eq!(core::mem::size_of::<bareio::sys::EpollEvent>(), core::mem::size_of::<libc::epoll_event>());
}

#[test]
fn epoll_bits_match_libc() {
    use bareio::sys::EpollFlags as F;
    let pairs: &[(&str, i64, i64)] = &[
        ("EPOLLIN", F::IN.bits().into(), (libc::EPOLLIN as u32).into()),
        ("EPOLLPRI", F::PRI.bits().into(), (libc::EPOLLPRI as u32).into()),
        ("EPOLLOUT", F::OUT.bits().into(), (libc::EPOLLOUT as u32).into()),
        ("EPOLLERR", F::ERR.bits().into(), (libc::EPOLLERR as u32).into()),
        ("EPOLLHUP", F::HUP.bits().into(), (libc::EPOLLHUP as u32).into()),
        ("EPOLLRDHUP", F::RDHUP.bits().into(), (libc::EPOLLRDHUP as u32).into()),
        ("EPOLLEXCLUSIVE", F::EXCLUSIVE.bits().into(), (libc::EPOLLEXCLUSIVE as u32).into()),
        ("EPOLLWAKEUP", F::WAKEUP.bits().into(), (libc::EPOLLWAKEUP as u32).into()),
        ("EPOLLONESHOT", F::ONESHOT.bits().into(), (libc::EPOLLONESHOT as u32).into()),
        ("EPOLLET", F::ET.bits().into(), (libc::EPOLLET as u32).into()),
    ];
    check("epoll bits", pairs);
}

#[test]
fn other_shared_values_match_libc() {
    use bareio::sys::{
        AddressFamily, CpuSet, DupFlags, MsgFlags, SpliceFlags, TimerFlags, TimerfdFlags, WaitFlags,
    };
    let pairs: &[(&str, i64, i64)] = &[
        ("MSG_NOSIGNAL", MsgFlags::NOSIGNAL.bits().into(), libc::MSG_NOSIGNAL.into()),
        ("MSG_DONTWAIT", MsgFlags::DONTWAIT.bits().into(), libc::MSG_DONTWAIT.into()),
        ("MSG_PEEK", MsgFlags::PEEK.bits().into(), libc::MSG_PEEK.into()),
        ("MSG_WAITALL", MsgFlags::WAITALL.bits().into(), libc::MSG_WAITALL.into()),
        ("MSG_MORE", MsgFlags::MORE.bits().into(), libc::MSG_MORE.into()),
        ("SPLICE_F_MOVE", SpliceFlags::MOVE.bits().into(), libc::SPLICE_F_MOVE.into()),
        ("SPLICE_F_NONBLOCK", SpliceFlags::NONBLOCK.bits().into(), libc::SPLICE_F_NONBLOCK.into()),
        ("SPLICE_F_MORE", SpliceFlags::MORE.bits().into(), libc::SPLICE_F_MORE.into()),
        ("EFD_SEMAPHORE", bareio::sys::EventfdFlags::SEMAPHORE.bits().into(), libc::EFD_SEMAPHORE.into()),
        ("MSG_CTRUNC", MsgFlags::CTRUNC.bits().into(), libc::MSG_CTRUNC.into()),
        ("MSG_TRUNC", MsgFlags::TRUNC.bits().into(), libc::MSG_TRUNC.into()),
        ("MSG_WAITFORONE", MsgFlags::WAITFORONE.bits().into(), libc::MSG_WAITFORONE.into()),
        ("MSG_CMSG_CLOEXEC", MsgFlags::CMSG_CLOEXEC.bits().into(), libc::MSG_CMSG_CLOEXEC.into()),
        ("AF_UNSPEC", AddressFamily::UNSPEC.raw().into(), libc::AF_UNSPEC.into()),
        ("AF_UNIX", AddressFamily::UNIX.raw().into(), libc::AF_UNIX.into()),
        ("AF_INET", AddressFamily::INET.raw().into(), libc::AF_INET.into()),
        ("AF_INET6", AddressFamily::INET6.raw().into(), libc::AF_INET6.into()),
        ("SCM_RIGHTS", bareio::sys::SCM_RIGHTS.into(), libc::SCM_RIGHTS.into()),
        ("UIO_MAXIOV", bareio::sys::MAX_MMSG as i64, libc::UIO_MAXIOV as i64),
        ("O_CLOEXEC (dup3)", DupFlags::CLOEXEC.bits().into(), libc::O_CLOEXEC.into()),
        ("TFD_CLOEXEC", TimerfdFlags::CLOEXEC.bits().into(), libc::TFD_CLOEXEC.into()),
        ("TFD_NONBLOCK", TimerfdFlags::NONBLOCK.bits().into(), libc::TFD_NONBLOCK.into()),
        ("TFD_TIMER_ABSTIME", TimerFlags::ABSTIME.bits().into(), libc::TFD_TIMER_ABSTIME.into()),
        (
            "TFD_TIMER_CANCEL_ON_SET",
            TimerFlags::CANCEL_ON_SET.bits().into(),
            libc::TFD_TIMER_CANCEL_ON_SET.into(),
        ),
        ("WNOHANG", WaitFlags::NOHANG.bits().into(), libc::WNOHANG.into()),
        ("WUNTRACED", WaitFlags::UNTRACED.bits().into(), libc::WUNTRACED.into()),
        ("WCONTINUED", WaitFlags::CONTINUED.bits().into(), libc::WCONTINUED.into()),
        ("__WALL", WaitFlags::ALL.bits().into(), (libc::__WALL as u32).into()),
        ("sizeof(cpu_set_t)", size_of::<CpuSet>() as i64, size_of::<libc::cpu_set_t>() as i64),
        ("CpuSet::CAPACITY", CpuSet::CAPACITY as i64, libc::CPU_SETSIZE as i64),
    ];
    check("shared values", pairs);
}

#[test]
fn control_message_sizes_match_libc() {
    use bareio::sys::{cmsg_len, cmsg_space, rights_space};
    for data in [0usize, 1, 3, 4, 5, 8, 12, 17, 4 * 253] {
        // SAFETY: CMSG_SPACE and CMSG_LEN are arithmetic on their argument.
        let (space, len) = unsafe { (libc::CMSG_SPACE(data as u32), libc::CMSG_LEN(data as u32)) };
        assert_eq!(cmsg_space(data), space as usize, "CMSG_SPACE({data})");
        assert_eq!(cmsg_len(data), len as usize, "CMSG_LEN({data})");
    }
    // SAFETY: as above.
    assert_eq!(rights_space(3), unsafe { libc::CMSG_SPACE(3 * 4) } as usize);
}

#[test]
fn wait_status_decoding_matches_libc() {
    use bareio::sys::WaitStatus;
    // Statuses of every kind, decoded by libc's macros and by ours.
    for raw in [0, 1 << 8, 255 << 8, 9, 15, 0x86, 0x8b, (19 << 8) | 0x7f, (5 << 8) | 0x7f, 0xffff] {
        let expected = if libc::WIFEXITED(raw) {
            WaitStatus::Exited(libc::WEXITSTATUS(raw))
        } else if libc::WIFSIGNALED(raw) {
            WaitStatus::Signaled { signal: libc::WTERMSIG(raw), core_dumped: libc::WCOREDUMP(raw) }
        } else if libc::WIFSTOPPED(raw) {
            WaitStatus::Stopped(libc::WSTOPSIG(raw))
        } else {
            assert!(libc::WIFCONTINUED(raw), "{raw:#x}");
            WaitStatus::Continued
        };
        assert_eq!(WaitStatus::from_raw(raw), expected, "status {raw:#x}");
    }
}
