//! mips o32 (32-bit, big- and little-endian).
//!
//! Entry: `syscall`, number in `$2` (`v0`), arguments 1–4 in `$4`–`$7`,
//! arguments 5 and 6 on the stack at `16($sp)` and `20($sp)`; an error is
//! flagged by `$7` (`a3`) != 0 with the positive errno in `v0`, which the
//! shim negates into the crate-wide convention.
//!
//! mips renumbers much of the uapi: `O_NONBLOCK`, the socket types and
//! options, most errno values above 34, and a 128-signal `sigset_t`. Those
//! values live in [`values`], shared with mips64 (n64).

#![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`

pub use self::values::*;

/// The uapi values of mips, the same for o32 and n64.
pub mod values {
    #![allow(missing_docs)] // errno constants are named as in errno(3)

    pub use crate::arch::generic::values::*;

    /// `O_NONBLOCK` is 0x80 on mips (0x800 elsewhere).
    pub const O_NONBLOCK: u32 = 0x80;
    pub const MAP_ANONYMOUS: u32 = 0x800;
    pub const MAP_NORESERVE: u32 = 0x400;
    /// `O_LARGEFILE` is 0x2000 on mips.
    pub const O_LARGEFILE: u32 = 0x2000;

    /// mips swaps `SOCK_STREAM` and `SOCK_DGRAM`.
    pub const SOCK_STREAM: u32 = 2;
    pub const SOCK_DGRAM: u32 = 1;
    pub const SOL_SOCKET: i32 = 0xffff;
    pub const SO_REUSEADDR: i32 = 0x0004;
    pub const SO_KEEPALIVE: i32 = 0x0008;
    pub const SO_REUSEPORT: i32 = 0x0200;
    pub const SO_SNDBUF: i32 = 0x1001;
    pub const SO_RCVBUF: i32 = 0x1002;
    pub const SO_SNDLOWAT: i32 = 0x1003;
    pub const SO_RCVLOWAT: i32 = 0x1004;
    pub const SO_ERROR: i32 = 0x1007;
    pub const SO_TYPE: i32 = 0x1008;
    pub const SO_LINGER: i32 = 0x0080;
    pub const SO_SNDTIMEO: i32 = 0x1005;
    pub const SO_RCVTIMEO: i32 = 0x1006;

    /// `_NSIG` is 128 on mips: a 16-byte `sigset_t`.
    pub const SIGSET_SIZE: usize = 16;
    /// `rt_sigprocmask` `how` values are 1/2/3 on mips (0/1/2 elsewhere).
    pub const SIG_BLOCK: i32 = 1;
    pub const SIG_UNBLOCK: i32 = 2;
    pub const SIG_SETMASK: i32 = 3;
    /// `RLIMIT_NOFILE` is 5 on mips (7 elsewhere).
    pub const RLIMIT_NOFILE: u32 = 5;
    /// `SIGUSR1` is 16 on mips (10 elsewhere).
    pub const SIGUSR1: i32 = 16;
    /// `SIGCHLD` is 18 on mips (17 elsewhere).
    pub const SIGCHLD: i32 = 18;

    // arch/mips/include/uapi/asm/errno.h
    pub const EDEADLK: i32 = 45;
    pub const ENAMETOOLONG: i32 = 78;
    pub const ENOLCK: i32 = 46;
    pub const ENOSYS: i32 = 89;
    pub const ENOTEMPTY: i32 = 93;
    pub const ELOOP: i32 = 90;
    pub const EOVERFLOW: i32 = 79;
    pub const ENOTSOCK: i32 = 95;
    pub const EDESTADDRREQ: i32 = 96;
    pub const EMSGSIZE: i32 = 97;
    pub const EPROTOTYPE: i32 = 98;
    pub const ENOPROTOOPT: i32 = 99;
    pub const EPROTONOSUPPORT: i32 = 120;
    pub const ESOCKTNOSUPPORT: i32 = 121;
    pub const EOPNOTSUPP: i32 = 122;
    pub const EPFNOSUPPORT: i32 = 123;
    pub const EAFNOSUPPORT: i32 = 124;
    pub const EADDRINUSE: i32 = 125;
    pub const EADDRNOTAVAIL: i32 = 126;
    pub const ENETDOWN: i32 = 127;
    pub const ENETUNREACH: i32 = 128;
    pub const ENETRESET: i32 = 129;
    pub const ECONNABORTED: i32 = 130;
    pub const ECONNRESET: i32 = 131;
    pub const ENOBUFS: i32 = 132;
    pub const EISCONN: i32 = 133;
    pub const ENOTCONN: i32 = 134;
    pub const ESHUTDOWN: i32 = 143;
    pub const ETOOMANYREFS: i32 = 144;
    pub const ETIMEDOUT: i32 = 145;
    pub const ECONNREFUSED: i32 = 146;
    pub const EHOSTDOWN: i32 = 147;
    pub const EHOSTUNREACH: i32 = 148;
    pub const EALREADY: i32 = 149;
    pub const EINPROGRESS: i32 = 150;
    pub const ECANCELED: i32 = 158;

    crate::arch::derived_flags!();
}

pub const SYS_EXIT_GROUP: usize = 4246;
pub const SYS_READ: usize = 4003;
pub const SYS_WRITE: usize = 4004;
pub const SYS_CLOSE: usize = 4006;
pub const SYS_GETPID: usize = 4020;
/// `clock_gettime64`: 64-bit `time_t` on this 32-bit ABI (Linux 5.1+).
pub const SYS_CLOCK_GETTIME: usize = 4403;
/// `clock_gettime` with a 32-bit `time_t`: the fallback where `clock_gettime64`
/// is missing (Linux before 5.1, or a seccomp profile that lacks it).
pub const SYS_CLOCK_GETTIME32: usize = 4263;
pub const SYS_KILL: usize = 4037;
pub const SYS_FCNTL: usize = 4055;
pub const SYS_READV: usize = 4145;
pub const SYS_WRITEV: usize = 4146;
pub const SYS_BIND: usize = 4169;
pub const SYS_CONNECT: usize = 4170;
pub const SYS_GETSOCKNAME: usize = 4172;
pub const SYS_GETSOCKOPT: usize = 4173;
pub const SYS_LISTEN: usize = 4174;
pub const SYS_RECVMSG: usize = 4177;
pub const SYS_SENDMSG: usize = 4179;
pub const SYS_SETSOCKOPT: usize = 4181;
pub const SYS_SHUTDOWN: usize = 4182;
pub const SYS_SOCKET: usize = 4183;
pub const SYS_SOCKETPAIR: usize = 4184;
pub const SYS_RT_SIGPROCMASK: usize = 4195;
pub const SYS_EPOLL_CTL: usize = 4249;
pub const SYS_SPLICE: usize = 4304;
pub const SYS_EPOLL_PWAIT: usize = 4313;
pub const SYS_EVENTFD2: usize = 4325;
pub const SYS_SIGNALFD4: usize = 4324;
pub const SYS_EPOLL_CREATE1: usize = 4326;
pub const SYS_PIPE2: usize = 4328;
pub const SYS_PRLIMIT64: usize = 4338;
pub const SYS_ACCEPT4: usize = 4334;
pub const SYS_EPOLL_PWAIT2: usize = 4441;
pub const SYS_IOCTL: usize = 4054;
pub const SYS_PRCTL: usize = 4192;
pub const SYS_SECCOMP: usize = 4352;
pub const SYS_OPENAT: usize = 4288;
/// `mmap2` (offset in pages).
pub const SYS_MMAP: usize = 4210;
pub const SYS_SENDTO: usize = 4180;
pub const SYS_RECVFROM: usize = 4176;
pub const SYS_SENDMMSG: usize = 4343;
/// `recvmmsg`, always called with a null timeout (so no time64 variant is needed).
pub const SYS_RECVMMSG: usize = 4335;
pub const SYS_GETPEERNAME: usize = 4171;
pub const SYS_DUP: usize = 4041;
pub const SYS_DUP3: usize = 4327;
pub const SYS_TIMERFD_CREATE: usize = 4321;
/// `timerfd_settime64`/`timerfd_gettime64`: 64-bit `time_t` (Linux 5.1+).
pub const SYS_TIMERFD_SETTIME: usize = 4411;
pub const SYS_TIMERFD_GETTIME: usize = 4410;
/// `pread64`/`pwrite64`: the offset as a 64-bit pair (`U64_ARG`).
pub const SYS_PREAD64: usize = 4200;
pub const SYS_PWRITE64: usize = 4201;
/// `ftruncate64`: the length as a 64-bit pair (`U64_ARG`).
pub const SYS_FTRUNCATE64: usize = 4212;
pub const SYS_CLONE: usize = 4120;
pub const SYS_WAIT4: usize = 4114;
pub const SYS_GETPPID: usize = 4064;
pub const SYS_SCHED_GETAFFINITY: usize = 4240;
/// `timerfd_settime`/`timerfd_gettime` with a 32-bit `time_t`: the fallback
/// where the time64 calls are missing (as `SYS_CLOCK_GETTIME32`).
pub const SYS_TIMERFD_SETTIME32: usize = 4323;
pub const SYS_TIMERFD_GETTIME32: usize = 4322;

/// A 64-bit argument is an even/odd register pair (o32, in memory order:
/// high word first on big-endian), padded to start at an even argument
/// index: `pread64(fd, buf, count, 0, …)`, the pair on the stack. (n64
/// passes it in one register: the generic value.)
pub const U64_ARG: super::U64Arg = super::U64Arg::AlignedPair;

/// `AUDIT_ARCH_MIPS` (big-endian) or `…EL` (little-endian): `EM_MIPS`
/// (8), o32; this table serves both byte orders, so the value
/// follows the compiled target's. What a seccomp filter sees in
/// `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = if cfg!(target_endian = "big") { 0x0000_0008 } else { 0x4000_0008 };

/// Issues one `syscall` with the register convention o32 and n64 share and
/// evaluates to the crate-wide result (`-errno` as `usize` on failure).
///
/// The number goes in `$2` (`v0`); the caller passes the arguments as
/// `in("$4")`… operands (o32 args 5–6: `in(reg)` plus `$pre`/`$post`
/// template lines that put them on the stack) and the `asm!` options. Out
/// come `v0` and the error flag `$7` (`a3`): if set, `v0` is the positive
/// errno, negated here.
///
/// The kernel's fast return path restores only `$2`–`$7`, `$25`, `$28`,
/// `$29`, `$31` (and `$8`/`$9` on 64-bit kernels); `$1` (`at`), `$8`–`$15`,
/// `$24` and `hi`/`lo` come back as the kernel left them. Rust cannot name
/// `$1`, `hi` or `lo` in an `asm!` (`$1` is reserved, `hi`/`lo` have no
/// register class), yet LLVM allocates `$1` like any other register and can
/// keep values in it across an `asm!`: so they are saved in `$16`–`$18`
/// (`s0`–`s2`, which the kernel preserves) and restored. `$8`/`$9` are
/// declared clobbered on both ABIs (n64 passes args 5–6 in them as inputs).
#[cfg(all(any(target_arch = "mips", target_arch = "mips64"), target_os = "linux"))]
macro_rules! mips_syscall {
    (
        $nr:expr,
        [$($pre:literal),*],
        [$($post:literal),*],
        $($operands:tt)*
    ) => {{
        let ret: usize;
        let err: usize;
        core::arch::asm!(
            ".set push",
            ".set noat",       // `$1` is named on purpose below
            "move $16, $1",
            "mfhi $17",
            "mflo $18",
            $($pre,)*
            "syscall",
            $($post,)*
            "mthi $17",
            "mtlo $18",
            "move $1, $16",
            ".set pop",
            inlateout("$2") $nr => ret,
            lateout("$7") err,
            // Written before `syscall` reads the inputs: early clobbers.
            out("$16") _,
            out("$17") _,
            out("$18") _,
            lateout("$3") _,
            lateout("$8") _,
            lateout("$9") _,
            lateout("$10") _,
            lateout("$11") _,
            lateout("$12") _,
            lateout("$13") _,
            lateout("$14") _,
            lateout("$15") _,
            lateout("$24") _,
            lateout("$25") _,
            $($operands)*
        );
        if err != 0 {
            ret.wrapping_neg()
        } else {
            ret
        }
    }};
}
/// For mips64.rs (mips.rs has it in textual scope).
#[cfg(all(target_arch = "mips64", target_os = "linux"))]
pub(crate) use mips_syscall;

/// Raw entry (o32): arguments 1–4 in `$4`–`$7`; 5 and 6 at `16($sp)` and
/// `20($sp)` of a 32-byte area the caller reserves (the first 16 bytes are
/// the home slots of `$4`–`$7`, unused by the kernel). See
/// [`mips_syscall!`] for the rest.
#[cfg(all(target_arch = "mips", target_os = "linux"))]
mod entry {
    // `mips_syscall!` is in textual scope here (defined above).

    /// # Safety
    /// A raw system call: `nr` and the arguments must make a call that is
    /// sound for this process (valid pointers, fds the caller owns, …).
    #[inline(always)]
    pub(crate) unsafe fn syscall0(nr: usize) -> usize {
        // SAFETY: the caller upholds the syscall's contract; the asm touches
        // only the declared registers.
        unsafe { mips_syscall!(nr, [], [], options(nostack)) }
    }

    /// # Safety
    /// As [`syscall0`].
    #[inline(always)]
    pub(crate) unsafe fn syscall1(nr: usize, a1: usize) -> usize {
        // SAFETY: as in `syscall0`.
        unsafe { mips_syscall!(nr, [], [], in("$4") a1, options(nostack)) }
    }

    /// # Safety
    /// As [`syscall0`].
    #[inline(always)]
    pub(crate) unsafe fn syscall2(nr: usize, a1: usize, a2: usize) -> usize {
        // SAFETY: as in `syscall0`.
        unsafe { mips_syscall!(nr, [], [], in("$4") a1, in("$5") a2, options(nostack)) }
    }

    /// # Safety
    /// As [`syscall0`].
    #[inline(always)]
    pub(crate) unsafe fn syscall3(nr: usize, a1: usize, a2: usize, a3: usize) -> usize {
        // SAFETY: as in `syscall0`.
        unsafe { mips_syscall!(nr, [], [], in("$4") a1, in("$5") a2, in("$6") a3, options(nostack)) }
    }

    /// # Safety
    /// As [`syscall0`].
    #[inline(always)]
    pub(crate) unsafe fn syscall4(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
        // SAFETY: as in `syscall0`.
        unsafe {
            mips_syscall!(
                nr, [], [],
                in("$4") a1, in("$5") a2, in("$6") a3, in("$7") a4,
                options(nostack)
            )
        }
    }

    /// # Safety
    /// As [`syscall0`].
    #[inline(always)]
    pub(crate) unsafe fn syscall5(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
        // SAFETY: as in `syscall0`; the stack area is released before the
        // asm ends (hence no `nostack`).
        unsafe {
            mips_syscall!(
                nr,
                ["addiu $sp, $sp, -32", "sw {a5}, 16($sp)"],
                ["addiu $sp, $sp, 32"],
                in("$4") a1, in("$5") a2, in("$6") a3, in("$7") a4,
                a5 = in(reg) a5,
            )
        }
    }

    /// # Safety
    /// As [`syscall0`].
    #[inline(always)]
    pub(crate) unsafe fn syscall6(
        nr: usize,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
        a6: usize,
    ) -> usize {
        // SAFETY: as in `syscall5`.
        unsafe {
            mips_syscall!(
                nr,
                ["addiu $sp, $sp, -32", "sw {a5}, 16($sp)", "sw {a6}, 20($sp)"],
                ["addiu $sp, $sp, 32"],
                in("$4") a1, in("$5") a2, in("$6") a3, in("$7") a4,
                a5 = in(reg) a5, a6 = in(reg) a6,
            )
        }
    }
}
#[cfg(all(target_arch = "mips", target_os = "linux"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`, o32, non-PIC
// static link). The kernel jumps here with `argc` at `$sp`; GNU ld's MIPS
// scripts enter at `__start`, so both names label it. Point `$gp` at the
// linker's `_gp`, clear the frame pointer (outermost frame), pass the
// initial `$sp` as the first argument, align `$sp` to 8, reserve the
// 16-byte area where the callee may save `$a0`-`$a3`, and call the crate's
// entry through `$t9` (abicalls code derives `$gp` from it), which never
// returns. `noreorder`: the delay slots are written out.
//
// The expansion is in the program's crate; `allow_internal_unstable` lets
// it use the (on MIPS unstable) asm without the program opting in.
super::start_entry! {
    #[allow_internal_unstable(asm_experimental_arch)]
    "mips",
    ".globl __start",
    ".type __start, %function",
    ".set push",
    ".set noreorder",
    "_start:",
    "__start:",
    "lui $gp, %hi(_gp)",
    "addiu $gp, $gp, %lo(_gp)",
    "move $fp, $zero",
    "move $a0, $sp",
    "li $t0, -8",
    "and $sp, $sp, $t0",
    "addiu $sp, $sp, -16",
    "lui $t9, %hi({start})",
    "addiu $t9, $t9, %lo({start})",
    "jalr $t9",
    "nop",
    "break",
    ".set pop",
}
