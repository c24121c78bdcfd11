//! Values shared by most architectures, written once.
//!
//! [`values`] holds the `asm-generic` uapi flag, socket, errno and signal
//! values: used as-is by x86_64, x86, aarch64, arm, riscv64, loongarch64 and
//! s390x, and with overrides by mips, mips64 and powerpc64.
//!
//! [`numbers`] holds the `asm-generic/unistd.h` syscall numbers of the newer
//! architectures: aarch64, riscv64 and loongarch64 use them unchanged.

/// `asm-generic` values: open flags, socket constants, errno, sigset size.
pub mod values {
    #![allow(missing_docs)] // errno constants are named as in errno(3)
                            // --- open(2)/fcntl(2) flags; eventfd, socket and epoll flags alias them.
    /// `O_NONBLOCK`: 0x800 (mips: 0x80).
    pub const O_NONBLOCK: u32 = 0x800;
    /// `O_CLOEXEC`: 0x80000 on every supported architecture.
    pub const O_CLOEXEC: u32 = 0x80000;
    /// `O_LARGEFILE`, the kernel's value (arm, aarch64: 0o400000; mips:
    /// 0x2000; powerpc64: 0o200000): files past 2 GiB. The 32-bit ABIs
    /// need it passed (`open` always does); the 64-bit kernels set it on
    /// every open themselves (and C libraries define it as 0 there).
    pub const O_LARGEFILE: u32 = 0o100000;

    // --- mmap(2)
    /// `MAP_ANONYMOUS` (mips: 0x800).
    pub const MAP_ANONYMOUS: u32 = 0x20;
    /// `MAP_NORESERVE` (mips: 0x400, powerpc64: 0x40).
    pub const MAP_NORESERVE: u32 = 0x4000;
    /// Whether `SYS_MMAP` takes its six arguments in memory, one pointer to
    /// them in the first register (`old_mmap`: s390x).
    pub const MMAP_ARGS_IN_MEMORY: bool = false;

    // --- sockets
    /// `SOCK_STREAM` (mips swaps STREAM and DGRAM).
    pub const SOCK_STREAM: u32 = 1;
    /// `SOCK_DGRAM`.
    pub const SOCK_DGRAM: u32 = 2;
    /// `SOL_SOCKET`, the level of the `SO_*` options (mips: 0xffff).
    pub const SOL_SOCKET: i32 = 1;
    /// `SO_REUSEADDR`.
    pub const SO_REUSEADDR: i32 = 2;
    /// `SO_TYPE`.
    pub const SO_TYPE: i32 = 3;
    /// `SO_ERROR`: the pending error, e.g. of a nonblocking connect.
    pub const SO_ERROR: i32 = 4;
    /// `SO_SNDBUF`.
    pub const SO_SNDBUF: i32 = 7;
    /// `SO_RCVBUF`.
    pub const SO_RCVBUF: i32 = 8;
    /// `SO_KEEPALIVE`.
    pub const SO_KEEPALIVE: i32 = 9;
    /// `SO_REUSEPORT`.
    pub const SO_REUSEPORT: i32 = 15;
    /// `SO_RCVLOWAT` (powerpc64: 16).
    pub const SO_RCVLOWAT: i32 = 18;
    /// `SO_SNDLOWAT` (powerpc64: 17).
    pub const SO_SNDLOWAT: i32 = 19;
    /// `SO_LINGER`: `struct linger` (mips: 0x80).
    pub const SO_LINGER: i32 = 13;
    /// `SO_RCVTIMEO` (`SO_RCVTIMEO_OLD`): a native `struct timeval`, two
    /// `long`s (powerpc64: 18, mips: 0x1006).
    pub const SO_RCVTIMEO: i32 = 20;
    /// `SO_SNDTIMEO` (`SO_SNDTIMEO_OLD`), as `SO_RCVTIMEO` (powerpc64: 19,
    /// mips: 0x1005).
    pub const SO_SNDTIMEO: i32 = 21;

    // --- syscall argument conventions
    /// The order of `clone`'s arguments: `CLONE_BACKWARDS` on most
    /// architectures (x86_64 and loongarch64: the default order; s390x:
    /// `CLONE_BACKWARDS2`).
    pub const CLONE_ORDER: crate::arch::CloneOrder = crate::arch::CloneOrder::Backwards;
    /// How a 64-bit argument travels: in one register (the 32-bit ABIs
    /// override this: i386 a pair, arm and mips o32 an aligned pair).
    pub const U64_ARG: crate::arch::U64Arg = crate::arch::U64Arg::OneRegister;

    // --- layouts
    /// Whether `struct epoll_event` is `packed` (only on x86_64, where the
    /// kernel declares it `__attribute__((packed))` for i386 compatibility).
    pub const EPOLL_EVENT_PACKED: bool = false;

    // --- resource limits
    /// `RLIMIT_NOFILE`: the open-file limit (mips: 5).
    pub const RLIMIT_NOFILE: u32 = 7;

    // --- signals
    /// Bytes in the kernel's `sigset_t` (`_NSIG / 8`): 8, and 16 on mips.
    pub const SIGSET_SIZE: usize = 8;
    /// `rt_sigprocmask` `how`: add to the mask (mips: 1).
    pub const SIG_BLOCK: i32 = 0;
    /// `rt_sigprocmask` `how`: remove from the mask (mips: 2).
    pub const SIG_UNBLOCK: i32 = 1;
    /// `rt_sigprocmask` `how`: replace the mask (mips: 3).
    pub const SIG_SETMASK: i32 = 2;
    /// `SIGHUP`: 1 on every architecture.
    pub const SIGHUP: i32 = 1;
    /// `SIGINT`: 2 on every architecture.
    pub const SIGINT: i32 = 2;
    /// `SIGKILL`: 9 on every architecture.
    pub const SIGKILL: i32 = 9;
    /// `SIGPIPE`: 13 on every architecture.
    pub const SIGPIPE: i32 = 13;
    /// `SIGTERM`: 15 on every architecture.
    pub const SIGTERM: i32 = 15;
    /// `SIGUSR1`: 10 (mips: 16).
    pub const SIGUSR1: i32 = 10;
    /// `SIGCHLD`: 17 (mips: 18).
    pub const SIGCHLD: i32 = 17;

    // --- errno, asm-generic/errno-base.h: the same on every architecture.
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const ESRCH: i32 = 3;
    pub const EINTR: i32 = 4;
    pub const EIO: i32 = 5;
    pub const ENXIO: i32 = 6;
    pub const E2BIG: i32 = 7;
    pub const ENOEXEC: i32 = 8;
    pub const EBADF: i32 = 9;
    pub const ECHILD: i32 = 10;
    pub const EAGAIN: i32 = 11;
    pub const ENOMEM: i32 = 12;
    pub const EACCES: i32 = 13;
    pub const EFAULT: i32 = 14;
    pub const ENOTBLK: i32 = 15;
    pub const EBUSY: i32 = 16;
    pub const EEXIST: i32 = 17;
    pub const EXDEV: i32 = 18;
    pub const ENODEV: i32 = 19;
    pub const ENOTDIR: i32 = 20;
    pub const EISDIR: i32 = 21;
    pub const EINVAL: i32 = 22;
    pub const ENFILE: i32 = 23;
    pub const EMFILE: i32 = 24;
    pub const ENOTTY: i32 = 25;
    pub const ETXTBSY: i32 = 26;
    pub const EFBIG: i32 = 27;
    pub const ENOSPC: i32 = 28;
    pub const ESPIPE: i32 = 29;
    pub const EROFS: i32 = 30;
    pub const EMLINK: i32 = 31;
    pub const EPIPE: i32 = 32;
    pub const EDOM: i32 = 33;
    pub const ERANGE: i32 = 34;

    // --- errno, asm-generic/errno.h: mips renumbers all of these.
    pub const EDEADLK: i32 = 35;
    pub const ENAMETOOLONG: i32 = 36;
    pub const ENOLCK: i32 = 37;
    pub const ENOSYS: i32 = 38;
    pub const ENOTEMPTY: i32 = 39;
    pub const ELOOP: i32 = 40;
    pub const EOVERFLOW: i32 = 75;
    pub const ENOTSOCK: i32 = 88;
    pub const EDESTADDRREQ: i32 = 89;
    pub const EMSGSIZE: i32 = 90;
    pub const EPROTOTYPE: i32 = 91;
    pub const ENOPROTOOPT: i32 = 92;
    pub const EPROTONOSUPPORT: i32 = 93;
    pub const ESOCKTNOSUPPORT: i32 = 94;
    pub const EOPNOTSUPP: i32 = 95;
    pub const EPFNOSUPPORT: i32 = 96;
    pub const EAFNOSUPPORT: i32 = 97;
    pub const EADDRINUSE: i32 = 98;
    pub const EADDRNOTAVAIL: i32 = 99;
    pub const ENETDOWN: i32 = 100;
    pub const ENETUNREACH: i32 = 101;
    pub const ENETRESET: i32 = 102;
    pub const ECONNABORTED: i32 = 103;
    pub const ECONNRESET: i32 = 104;
    pub const ENOBUFS: i32 = 105;
    pub const EISCONN: i32 = 106;
    pub const ENOTCONN: i32 = 107;
    pub const ESHUTDOWN: i32 = 108;
    pub const ETOOMANYREFS: i32 = 109;
    pub const ETIMEDOUT: i32 = 110;
    pub const ECONNREFUSED: i32 = 111;
    pub const EHOSTDOWN: i32 = 112;
    pub const EHOSTUNREACH: i32 = 113;
    pub const EALREADY: i32 = 114;
    pub const EINPROGRESS: i32 = 115;
    pub const ECANCELED: i32 = 125;
}

/// `asm-generic/unistd.h` syscall numbers (aarch64, riscv64, loongarch64).
///
/// This ABI has no `epoll_wait` or `epoll_create`: only the `*1`/`p*` forms.
pub mod numbers {
    #![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`
    pub const SYS_READ: usize = 63;
    pub const SYS_WRITE: usize = 64;
    pub const SYS_READV: usize = 65;
    pub const SYS_WRITEV: usize = 66;
    pub const SYS_CLOSE: usize = 57;
    pub const SYS_FCNTL: usize = 25;
    pub const SYS_PIPE2: usize = 59;
    pub const SYS_SPLICE: usize = 76;
    pub const SYS_EVENTFD2: usize = 19;
    pub const SYS_SIGNALFD4: usize = 74;
    pub const SYS_EPOLL_CREATE1: usize = 20;
    pub const SYS_EPOLL_CTL: usize = 21;
    pub const SYS_EPOLL_PWAIT: usize = 22;
    pub const SYS_EPOLL_PWAIT2: usize = 441;
    pub const SYS_SOCKET: usize = 198;
    pub const SYS_SOCKETPAIR: usize = 199;
    pub const SYS_BIND: usize = 200;
    pub const SYS_LISTEN: usize = 201;
    pub const SYS_GETSOCKNAME: usize = 204;
    pub const SYS_CONNECT: usize = 203;
    pub const SYS_ACCEPT4: usize = 242;
    pub const SYS_SETSOCKOPT: usize = 208;
    pub const SYS_GETSOCKOPT: usize = 209;
    pub const SYS_SHUTDOWN: usize = 210;
    pub const SYS_SENDMSG: usize = 211;
    pub const SYS_RECVMSG: usize = 212;
    pub const SYS_EXIT_GROUP: usize = 94;
    pub const SYS_GETPID: usize = 172;
    pub const SYS_CLOCK_GETTIME: usize = 113;
    pub const SYS_KILL: usize = 129;
    pub const SYS_RT_SIGPROCMASK: usize = 135;
    pub const SYS_PRLIMIT64: usize = 261;
    pub const SYS_IOCTL: usize = 29;
    pub const SYS_PRCTL: usize = 167;
    pub const SYS_SECCOMP: usize = 277;
    pub const SYS_OPENAT: usize = 56;
    pub const SYS_MMAP: usize = 222;
    pub const SYS_SENDTO: usize = 206;
    pub const SYS_RECVFROM: usize = 207;
    pub const SYS_SENDMMSG: usize = 269;
    /// `recvmmsg`, always called with a null timeout (so the time64
    /// variant of the 32-bit ABIs is never needed).
    pub const SYS_RECVMMSG: usize = 243;
    pub const SYS_GETPEERNAME: usize = 205;
    pub const SYS_DUP: usize = 23;
    pub const SYS_DUP3: usize = 24;
    pub const SYS_TIMERFD_CREATE: usize = 85;
    pub const SYS_TIMERFD_SETTIME: usize = 86;
    pub const SYS_TIMERFD_GETTIME: usize = 87;
    pub const SYS_PREAD64: usize = 67;
    pub const SYS_PWRITE64: usize = 68;
    /// `ftruncate`: its length is already 64 bits on a 64-bit ABI.
    pub const SYS_FTRUNCATE64: usize = 46;
    pub const SYS_CLONE: usize = 220;
    pub const SYS_WAIT4: usize = 260;
    pub const SYS_GETPPID: usize = 173;
    pub const SYS_SCHED_GETAFFINITY: usize = 123;
}
