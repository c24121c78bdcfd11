//! Every syscall number of all ten tables equals the `syscalls` crate's,
//! architecture by architecture. Pure data: runs the same on any host.
//! (Not built for s390x and powerpc64, where the `syscalls` crate needs
//! nightly; the host run checks their tables.)

#![cfg(not(any(target_arch = "s390x", target_arch = "powerpc64")))]

/// One `#[test]` per architecture, comparing the whole list below.
macro_rules! numbers_match_syscalls_crate {
    ($($arch:ident),* $(,)?) => {$(
        #[test]
        fn $arch() {
            use bareio::arch::$arch as table;
            use syscalls::$arch::Sysno;
            let pairs: &[(&str, usize, usize)] = &[
                ("read", table::SYS_READ, Sysno::read as usize),
                ("write", table::SYS_WRITE, Sysno::write as usize),
                ("readv", table::SYS_READV, Sysno::readv as usize),
                ("writev", table::SYS_WRITEV, Sysno::writev as usize),
                ("close", table::SYS_CLOSE, Sysno::close as usize),
                ("fcntl", table::SYS_FCNTL, Sysno::fcntl as usize),
                ("pipe2", table::SYS_PIPE2, Sysno::pipe2 as usize),
                ("splice", table::SYS_SPLICE, Sysno::splice as usize),
                ("eventfd2", table::SYS_EVENTFD2, Sysno::eventfd2 as usize),
                ("epoll_create1", table::SYS_EPOLL_CREATE1, Sysno::epoll_create1 as usize),
                ("epoll_ctl", table::SYS_EPOLL_CTL, Sysno::epoll_ctl as usize),
                ("epoll_pwait", table::SYS_EPOLL_PWAIT, Sysno::epoll_pwait as usize),
                ("epoll_pwait2", table::SYS_EPOLL_PWAIT2, Sysno::epoll_pwait2 as usize),
                ("socket", table::SYS_SOCKET, Sysno::socket as usize),
                ("socketpair", table::SYS_SOCKETPAIR, Sysno::socketpair as usize),
                ("bind", table::SYS_BIND, Sysno::bind as usize),
                ("listen", table::SYS_LISTEN, Sysno::listen as usize),
                ("connect", table::SYS_CONNECT, Sysno::connect as usize),
                ("accept4", table::SYS_ACCEPT4, Sysno::accept4 as usize),
                ("setsockopt", table::SYS_SETSOCKOPT, Sysno::setsockopt as usize),
                ("getsockopt", table::SYS_GETSOCKOPT, Sysno::getsockopt as usize),
                ("getsockname", table::SYS_GETSOCKNAME, Sysno::getsockname as usize),
                ("shutdown", table::SYS_SHUTDOWN, Sysno::shutdown as usize),
                ("sendmsg", table::SYS_SENDMSG, Sysno::sendmsg as usize),
                ("recvmsg", table::SYS_RECVMSG, Sysno::recvmsg as usize),
                ("exit_group", table::SYS_EXIT_GROUP, Sysno::exit_group as usize),
                ("getpid", table::SYS_GETPID, Sysno::getpid as usize),
                ("kill", table::SYS_KILL, Sysno::kill as usize),
                ("rt_sigprocmask", table::SYS_RT_SIGPROCMASK, Sysno::rt_sigprocmask as usize),
                ("signalfd4", table::SYS_SIGNALFD4, Sysno::signalfd4 as usize),
                ("prlimit64", table::SYS_PRLIMIT64, Sysno::prlimit64 as usize),
                ("ioctl", table::SYS_IOCTL, Sysno::ioctl as usize),
                ("prctl", table::SYS_PRCTL, Sysno::prctl as usize),
                ("seccomp", table::SYS_SECCOMP, Sysno::seccomp as usize),
                ("openat", table::SYS_OPENAT, Sysno::openat as usize),
                ("sendto", table::SYS_SENDTO, Sysno::sendto as usize),
                ("recvfrom", table::SYS_RECVFROM, Sysno::recvfrom as usize),
                ("sendmmsg", table::SYS_SENDMMSG, Sysno::sendmmsg as usize),
                ("recvmmsg", table::SYS_RECVMMSG, Sysno::recvmmsg as usize),
                ("getpeername", table::SYS_GETPEERNAME, Sysno::getpeername as usize),
                ("dup", table::SYS_DUP, Sysno::dup as usize),
                ("dup3", table::SYS_DUP3, Sysno::dup3 as usize),
                ("timerfd_create", table::SYS_TIMERFD_CREATE, Sysno::timerfd_create as usize),
                ("pread64", table::SYS_PREAD64, Sysno::pread64 as usize),
                ("pwrite64", table::SYS_PWRITE64, Sysno::pwrite64 as usize),
                ("clone", table::SYS_CLONE, Sysno::clone as usize),
                ("wait4", table::SYS_WAIT4, Sysno::wait4 as usize),
                ("getppid", table::SYS_GETPPID, Sysno::getppid as usize),
                ("sched_getaffinity", table::SYS_SCHED_GETAFFINITY, Sysno::sched_getaffinity as usize),
            ];
            let wrong: Vec<String> = pairs
                .iter()
                .filter(|(_, ours, theirs)| ours != theirs)
                .map(|(name, ours, theirs)| format!("{name}: ours {ours}, syscalls crate {theirs}"))
                .collect();
            assert!(wrong.is_empty(), "{} table is wrong:\n{}", stringify!($arch), wrong.join("\n"));
        }
    )*};
}

numbers_match_syscalls_crate!(
    x86_64,
    x86,
    aarch64,
    arm,
    riscv64,
    loongarch64,
    mips,
    mips64,
    powerpc64,
    s390x,
);

/// `SYS_CLOCK_GETTIME` is the 64-bit-time call: `clock_gettime64` on the
/// 32-bit ABIs (whose `clock_gettime` takes a 32-bit `time_t`).
#[test]
fn clock_gettime_is_the_64_bit_time_variant() {
    use bareio::arch;
    let pairs = [
        ("x86_64", arch::x86_64::SYS_CLOCK_GETTIME, syscalls::x86_64::Sysno::clock_gettime as usize),
        ("x86", arch::x86::SYS_CLOCK_GETTIME, syscalls::x86::Sysno::clock_gettime64 as usize),
        ("aarch64", arch::aarch64::SYS_CLOCK_GETTIME, syscalls::aarch64::Sysno::clock_gettime as usize),
        ("arm", arch::arm::SYS_CLOCK_GETTIME, syscalls::arm::Sysno::clock_gettime64 as usize),
        ("riscv64", arch::riscv64::SYS_CLOCK_GETTIME, syscalls::riscv64::Sysno::clock_gettime as usize),
        (
            "loongarch64",
            arch::loongarch64::SYS_CLOCK_GETTIME,
            syscalls::loongarch64::Sysno::clock_gettime as usize,
        ),
        ("mips", arch::mips::SYS_CLOCK_GETTIME, syscalls::mips::Sysno::clock_gettime64 as usize),
        ("mips64", arch::mips64::SYS_CLOCK_GETTIME, syscalls::mips64::Sysno::clock_gettime as usize),
        ("powerpc64", arch::powerpc64::SYS_CLOCK_GETTIME, syscalls::powerpc64::Sysno::clock_gettime as usize),
        ("s390x", arch::s390x::SYS_CLOCK_GETTIME, syscalls::s390x::Sysno::clock_gettime as usize),
    ];
    for (name, ours, theirs) in pairs {
        assert_eq!(ours, theirs, "{name}: SYS_CLOCK_GETTIME");
    }
}

/// `SYS_MMAP` is the six-argument call: `mmap2` on the 32-bit ABIs (whose
/// `mmap` is `old_mmap` on x86, absent on arm EABI), `mmap` elsewhere
/// (`old_mmap` on s390x, flagged by `MMAP_ARGS_IN_MEMORY`).
#[test]
fn mmap_is_the_six_argument_variant() {
    use bareio::arch;
    let pairs = [
        ("x86_64", arch::x86_64::SYS_MMAP, syscalls::x86_64::Sysno::mmap as usize),
        ("x86", arch::x86::SYS_MMAP, syscalls::x86::Sysno::mmap2 as usize),
        ("aarch64", arch::aarch64::SYS_MMAP, syscalls::aarch64::Sysno::mmap as usize),
        ("arm", arch::arm::SYS_MMAP, syscalls::arm::Sysno::mmap2 as usize),
        ("riscv64", arch::riscv64::SYS_MMAP, syscalls::riscv64::Sysno::mmap as usize),
        ("loongarch64", arch::loongarch64::SYS_MMAP, syscalls::loongarch64::Sysno::mmap as usize),
        ("mips", arch::mips::SYS_MMAP, syscalls::mips::Sysno::mmap2 as usize),
        ("mips64", arch::mips64::SYS_MMAP, syscalls::mips64::Sysno::mmap as usize),
        ("powerpc64", arch::powerpc64::SYS_MMAP, syscalls::powerpc64::Sysno::mmap as usize),
        ("s390x", arch::s390x::SYS_MMAP, syscalls::s390x::Sysno::mmap as usize),
    ];
    for (name, ours, theirs) in pairs {
        assert_eq!(ours, theirs, "{name}: SYS_MMAP");
    }
    let in_memory = [
        arch::x86_64::MMAP_ARGS_IN_MEMORY,
        arch::x86::MMAP_ARGS_IN_MEMORY,
        arch::aarch64::MMAP_ARGS_IN_MEMORY,
        arch::arm::MMAP_ARGS_IN_MEMORY,
        arch::riscv64::MMAP_ARGS_IN_MEMORY,
        arch::loongarch64::MMAP_ARGS_IN_MEMORY,
        arch::mips::MMAP_ARGS_IN_MEMORY,
        arch::mips64::MMAP_ARGS_IN_MEMORY,
        arch::powerpc64::MMAP_ARGS_IN_MEMORY,
    ];
    assert!(in_memory.iter().all(|&flag| !flag) && arch::s390x::MMAP_ARGS_IN_MEMORY);
}

/// The calls whose number depends on the ABI's width: on the 32-bit ABIs,
/// `SYS_TIMERFD_{SET,GET}TIME` are the time64 calls (their fallbacks the
/// 32-bit-time ones) and `SYS_FTRUNCATE64` is `ftruncate64`; on the 64-bit
/// ones, the plain calls (already 64-bit).
#[test]
fn width_dependent_numbers() {
    macro_rules! wide {
        ($($arch:ident),*) => {$({
            use bareio::arch::$arch as t;
            use syscalls::$arch::Sysno;
            assert_eq!(t::SYS_TIMERFD_SETTIME, Sysno::timerfd_settime as usize, "{}: timerfd_settime", stringify!($arch));
            assert_eq!(t::SYS_TIMERFD_GETTIME, Sysno::timerfd_gettime as usize, "{}: timerfd_gettime", stringify!($arch));
            assert_eq!(t::SYS_FTRUNCATE64, Sysno::ftruncate as usize, "{}: ftruncate", stringify!($arch));
        })*};
    }
    macro_rules! narrow {
        ($($arch:ident),*) => {$({
            use bareio::arch::$arch as t;
            use syscalls::$arch::Sysno;
            let pairs = [
                ("timerfd_settime64", t::SYS_TIMERFD_SETTIME, Sysno::timerfd_settime64 as usize),
                ("timerfd_gettime64", t::SYS_TIMERFD_GETTIME, Sysno::timerfd_gettime64 as usize),
                ("timerfd_settime (32-bit time)", t::SYS_TIMERFD_SETTIME32, Sysno::timerfd_settime as usize),
                ("timerfd_gettime (32-bit time)", t::SYS_TIMERFD_GETTIME32, Sysno::timerfd_gettime as usize),
                ("ftruncate64", t::SYS_FTRUNCATE64, Sysno::ftruncate64 as usize),
            ];
            for (name, ours, theirs) in pairs {
                assert_eq!(ours, theirs, "{}: {name}", stringify!($arch));
            }
        })*};
    }
    wide!(x86_64, aarch64, riscv64, loongarch64, mips64, powerpc64, s390x);
    narrow!(x86, arm, mips);
}

/// What differs in `clone`'s argument order and in how a 64-bit argument
/// travels, per table (the kernel's `CONFIG_CLONE_BACKWARDS*` selections,
/// and the 32-bit ABIs' register pairs). `tests/process.rs` and
/// `tests/files.rs` prove them against each real kernel.
#[test]
fn argument_conventions() {
    use bareio::arch::{self, CloneOrder, U64Arg};
    let clone = [
        ("x86_64", arch::x86_64::CLONE_ORDER, CloneOrder::Default),
        ("loongarch64", arch::loongarch64::CLONE_ORDER, CloneOrder::Default),
        ("x86", arch::x86::CLONE_ORDER, CloneOrder::Backwards),
        ("aarch64", arch::aarch64::CLONE_ORDER, CloneOrder::Backwards),
        ("arm", arch::arm::CLONE_ORDER, CloneOrder::Backwards),
        ("riscv64", arch::riscv64::CLONE_ORDER, CloneOrder::Backwards),
        ("mips", arch::mips::CLONE_ORDER, CloneOrder::Backwards),
        ("mips64", arch::mips64::CLONE_ORDER, CloneOrder::Backwards),
        ("powerpc64", arch::powerpc64::CLONE_ORDER, CloneOrder::Backwards),
        ("s390x", arch::s390x::CLONE_ORDER, CloneOrder::Backwards2),
    ];
    for (name, ours, kernel) in clone {
        assert_eq!(ours, kernel, "{name}: CLONE_ORDER");
    }
    let u64_arg = [
        ("x86", arch::x86::U64_ARG, U64Arg::Pair),
        ("arm", arch::arm::U64_ARG, U64Arg::AlignedPair),
        ("mips", arch::mips::U64_ARG, U64Arg::AlignedPair),
        ("x86_64", arch::x86_64::U64_ARG, U64Arg::OneRegister),
        ("aarch64", arch::aarch64::U64_ARG, U64Arg::OneRegister),
        ("riscv64", arch::riscv64::U64_ARG, U64Arg::OneRegister),
        ("loongarch64", arch::loongarch64::U64_ARG, U64Arg::OneRegister),
        ("mips64", arch::mips64::U64_ARG, U64Arg::OneRegister),
        ("powerpc64", arch::powerpc64::U64_ARG, U64Arg::OneRegister),
        ("s390x", arch::s390x::U64_ARG, U64Arg::OneRegister),
    ];
    for (name, ours, abi) in u64_arg {
        assert_eq!(ours, abi, "{name}: U64_ARG");
    }
    // The layouts, as musl's __SYSCALL_LL_O / the kernel's wrappers have
    // them (halves in this host's memory order).
    let (first, second) =
        if cfg!(target_endian = "little") { (0x89ab_cdef, 0x0123_4567) } else { (0x0123_4567, 0x89ab_cdef) };
    let value = 0x0123_4567_89ab_cdef_u64;
    let pread = |rule: U64Arg| {
        let args = rule.place([3, 0x1000, 8], value);
        args.regs[..args.len].to_vec()
    };
    assert_eq!(pread(U64Arg::Pair), [3, 0x1000, 8, first, second]);
    assert_eq!(pread(U64Arg::AlignedPair), [3, 0x1000, 8, 0, first, second]);
    let ftruncate = |rule: U64Arg| {
        let args = rule.place([3], value);
        args.regs[..args.len].to_vec()
    };
    assert_eq!(ftruncate(U64Arg::Pair), [3, first, second]);
    assert_eq!(ftruncate(U64Arg::AlignedPair), [3, 0, first, second]);
    if cfg!(target_pointer_width = "64") {
        assert_eq!(ftruncate(U64Arg::OneRegister), [3, value as usize]);
        assert_eq!(pread(U64Arg::OneRegister), [3, 0x1000, 8, value as usize]);
    }
    // An even number of leading arguments needs no pad.
    let two = U64Arg::AlignedPair.place([3, 4], value);
    assert_eq!(&two.regs[..two.len], &[3, 4, first, second]);
    // clone(flags, newsp, ptid, ctid, tls) in each order.
    assert_eq!(CloneOrder::Default.args(1, 2, 3, 4, 5), [1, 2, 3, 4, 5]);
    assert_eq!(CloneOrder::Backwards.args(1, 2, 3, 4, 5), [1, 2, 3, 5, 4]);
    assert_eq!(CloneOrder::Backwards2.args(1, 2, 3, 4, 5), [2, 1, 3, 4, 5]);
}

/// The 32-bit ABIs' fallback is the 32-bit-time `clock_gettime`.
#[test]
fn clock_gettime32_is_the_32_bit_time_call() {
    use bareio::arch;
    assert_eq!(arch::x86::SYS_CLOCK_GETTIME32, syscalls::x86::Sysno::clock_gettime as usize);
    assert_eq!(arch::arm::SYS_CLOCK_GETTIME32, syscalls::arm::Sysno::clock_gettime as usize);
    assert_eq!(arch::mips::SYS_CLOCK_GETTIME32, syscalls::mips::Sysno::clock_gettime as usize);
}

/// `AUDIT_ARCH_*`: `EM_*` machine number, 64-bit and little-endian bits
/// (linux/audit.h). The kernel's own answer is checked by
/// tests/faults.rs on each real kernel.
#[test]
fn audit_arch_values() {
    use bareio::arch;
    const BIT64: u32 = 0x8000_0000;
    const LE: u32 = 0x4000_0000;
    let pairs = [
        ("x86_64", arch::x86_64::AUDIT_ARCH, 62 | BIT64 | LE),
        ("x86", arch::x86::AUDIT_ARCH, 3 | LE),
        ("aarch64", arch::aarch64::AUDIT_ARCH, 183 | BIT64 | LE),
        ("arm", arch::arm::AUDIT_ARCH, 40 | LE),
        ("riscv64", arch::riscv64::AUDIT_ARCH, 243 | BIT64 | LE),
        ("loongarch64", arch::loongarch64::AUDIT_ARCH, 258 | BIT64 | LE),
        ("powerpc64 (le)", arch::powerpc64::AUDIT_ARCH, 21 | BIT64 | LE),
        ("s390x", arch::s390x::AUDIT_ARCH, 22 | BIT64),
        (
            "mips (host order)",
            arch::mips::AUDIT_ARCH,
            8 | if cfg!(target_endian = "little") { LE } else { 0 },
        ),
        (
            "mips64 (host order)",
            arch::mips64::AUDIT_ARCH,
            8 | BIT64 | if cfg!(target_endian = "little") { LE } else { 0 },
        ),
    ];
    for (name, ours, expected) in pairs {
        assert_eq!(ours, expected, "{name}: AUDIT_ARCH {ours:#x}, expected {expected:#x}");
    }
}

/// The tables must not all be the same list: catches a glob import that
/// silently gave one architecture another's numbers.
#[test]
fn tables_differ_where_the_kernel_does() {
    use bareio::arch;
    assert_eq!(arch::x86_64::SYS_EVENTFD2, 290);
    assert_eq!(arch::aarch64::SYS_EVENTFD2, 19);
    assert_eq!(arch::mips::SYS_EVENTFD2, 4325);
    assert_eq!(arch::s390x::SYS_EVENTFD2, 323);
    assert_eq!(arch::mips::EFD_NONBLOCK, 0x80);
    assert_eq!(arch::mips64::EFD_NONBLOCK, 0x80);
    assert_eq!(arch::x86_64::EFD_NONBLOCK, 0x800);
    assert_eq!(arch::powerpc64::SO_RCVLOWAT, 16);
    assert_eq!((arch::x86_64::SIG_BLOCK, arch::x86_64::SIG_SETMASK), (0, 2));
    assert_eq!((arch::mips::SIG_BLOCK, arch::mips::SIG_SETMASK), (1, 3));
    assert_eq!((arch::mips64::SIG_BLOCK, arch::mips64::SIGUSR1), (1, 16));
    assert_eq!(arch::aarch64::SIGUSR1, 10);
    assert_eq!(arch::mips::SFD_NONBLOCK, 0x80);
    assert_eq!(arch::s390x::SFD_NONBLOCK, 0x800);
    assert_eq!((arch::mips::RLIMIT_NOFILE, arch::mips64::RLIMIT_NOFILE, arch::arm::RLIMIT_NOFILE), (5, 5, 7));
    assert_eq!(
        (arch::mips::SIGCHLD, arch::mips64::SIGCHLD, arch::x86_64::SIGCHLD, arch::s390x::SIGCHLD),
        (18, 18, 17, 17)
    );
    assert_eq!((arch::mips::SO_LINGER, arch::x86::SO_LINGER), (0x80, 13));
    assert_eq!(
        [
            arch::x86::O_LARGEFILE,
            arch::arm::O_LARGEFILE,
            arch::aarch64::O_LARGEFILE,
            arch::mips64::O_LARGEFILE
        ],
        [0o100000, 0o400000, 0o400000, 0x2000]
    );
    assert_eq!((arch::powerpc64::O_LARGEFILE, arch::s390x::O_LARGEFILE), (0o200000, 0o100000));
    assert_eq!(
        (arch::powerpc64::SO_RCVTIMEO, arch::mips64::SO_RCVTIMEO, arch::aarch64::SO_RCVTIMEO),
        (18, 0x1006, 20)
    );
    assert_eq!(
        (arch::powerpc64::SO_SNDTIMEO, arch::mips::SO_SNDTIMEO, arch::arm::SO_SNDTIMEO),
        (19, 0x1005, 21)
    );
}
