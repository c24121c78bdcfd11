//! mips64 (the n64 ABI, big-endian).
//!
//! Entry: `syscall`, number in `$2` (`v0`), arguments in `$4`–`$9`; an error
//! is flagged by `$7` (`a3`) != 0 with the positive errno in `v0`, which the
//! shim negates into the crate-wide convention. The uapi values are those of
//! mips o32 ([`super::mips::values`]); only the numbers differ (base 5000).

#![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`

pub use super::mips::values::*;

pub const SYS_READ: usize = 5000;
pub const SYS_WRITE: usize = 5001;
pub const SYS_CLOSE: usize = 5003;
pub const SYS_RT_SIGPROCMASK: usize = 5014;
pub const SYS_READV: usize = 5018;
pub const SYS_WRITEV: usize = 5019;
pub const SYS_GETPID: usize = 5038;
pub const SYS_CLOCK_GETTIME: usize = 5222;
pub const SYS_SOCKET: usize = 5040;
pub const SYS_CONNECT: usize = 5041;
pub const SYS_SENDMSG: usize = 5045;
pub const SYS_RECVMSG: usize = 5046;
pub const SYS_SHUTDOWN: usize = 5047;
pub const SYS_BIND: usize = 5048;
pub const SYS_LISTEN: usize = 5049;
pub const SYS_GETSOCKNAME: usize = 5050;
pub const SYS_SOCKETPAIR: usize = 5052;
pub const SYS_SETSOCKOPT: usize = 5053;
pub const SYS_GETSOCKOPT: usize = 5054;
pub const SYS_KILL: usize = 5060;
pub const SYS_FCNTL: usize = 5070;
pub const SYS_EXIT_GROUP: usize = 5205;
pub const SYS_EPOLL_CTL: usize = 5208;
pub const SYS_SPLICE: usize = 5263;
pub const SYS_EPOLL_PWAIT: usize = 5272;
pub const SYS_EVENTFD2: usize = 5284;
pub const SYS_SIGNALFD4: usize = 5283;
pub const SYS_EPOLL_CREATE1: usize = 5285;
pub const SYS_PIPE2: usize = 5287;
pub const SYS_PRLIMIT64: usize = 5297;
pub const SYS_ACCEPT4: usize = 5293;
pub const SYS_EPOLL_PWAIT2: usize = 5441;
pub const SYS_IOCTL: usize = 5015;
pub const SYS_PRCTL: usize = 5153;
pub const SYS_SECCOMP: usize = 5312;
pub const SYS_OPENAT: usize = 5247;
/// `mmap`.
pub const SYS_MMAP: usize = 5009;
pub const SYS_SENDTO: usize = 5043;
pub const SYS_RECVFROM: usize = 5044;
pub const SYS_SENDMMSG: usize = 5302;
/// `recvmmsg`, always called with a null timeout (so no time64 variant is needed).
pub const SYS_RECVMMSG: usize = 5294;
pub const SYS_GETPEERNAME: usize = 5051;
pub const SYS_DUP: usize = 5031;
pub const SYS_DUP3: usize = 5286;
pub const SYS_TIMERFD_CREATE: usize = 5280;
pub const SYS_TIMERFD_SETTIME: usize = 5282;
pub const SYS_TIMERFD_GETTIME: usize = 5281;
pub const SYS_PREAD64: usize = 5016;
pub const SYS_PWRITE64: usize = 5017;
/// `ftruncate`: its length is already 64 bits on a 64-bit ABI.
pub const SYS_FTRUNCATE64: usize = 5075;
pub const SYS_CLONE: usize = 5055;
pub const SYS_WAIT4: usize = 5059;
pub const SYS_GETPPID: usize = 5108;
pub const SYS_SCHED_GETAFFINITY: usize = 5196;

/// `AUDIT_ARCH_MIPS64` (big-endian) or `…EL` (little-endian): `EM_MIPS`
/// (8), 64-bit, n64; this table serves both byte orders, so the value
/// follows the compiled target's. What a seccomp filter sees in
/// `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = if cfg!(target_endian = "big") { 0x8000_0008 } else { 0xC000_0008 };

/// Raw entry (n64): arguments 1–6 in `$4`–`$9`, no stack. The rest of the
/// convention (error flag, clobbers, saving `$1`/`hi`/`lo`) is o32's: see
/// [`mips_syscall!`](super::mips::mips_syscall).
#[cfg(all(target_arch = "mips64", target_os = "linux"))]
mod entry {
    use crate::arch::mips::mips_syscall;

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
        // SAFETY: as in `syscall0`.
        unsafe {
            mips_syscall!(
                nr, [], [],
                in("$4") a1, in("$5") a2, in("$6") a3, in("$7") a4, in("$8") a5,
                options(nostack)
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
        // SAFETY: as in `syscall0`.
        unsafe {
            mips_syscall!(
                nr, [], [],
                in("$4") a1, in("$5") a2, in("$6") a3, in("$7") a4, in("$8") a5, in("$9") a6,
                options(nostack)
            )
        }
    }
}
#[cfg(all(target_arch = "mips64", target_os = "linux"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`, n64, non-PIC
// static link). The kernel jumps here with `argc` at `$sp`; GNU ld's MIPS
// scripts enter at `__start`, so both names label it. Clear the frame
// pointer (outermost frame), pass the initial `$sp` as the first argument,
// align `$sp` to 16 (n64 has no argument save area) and call the crate's
// entry through `$t9`, from which n64 abicalls code derives `$gp`; it never
// returns. `noreorder`: the delay slot is written out.
//
// The expansion is in the program's crate; `allow_internal_unstable` lets
// it use the (on MIPS unstable) asm without the program opting in.
super::start_entry! {
    #[allow_internal_unstable(asm_experimental_arch)]
    "mips64",
    ".globl __start",
    ".type __start, %function",
    ".set push",
    ".set noreorder",
    "_start:",
    "__start:",
    "move $fp, $zero",
    "move $a0, $sp",
    "daddiu $t0, $zero, -16",
    "and $sp, $sp, $t0",
    "lui $t9, %highest({start})",
    "daddiu $t9, $t9, %higher({start})",
    "dsll $t9, $t9, 16",
    "daddiu $t9, $t9, %hi({start})",
    "dsll $t9, $t9, 16",
    "daddiu $t9, $t9, %lo({start})",
    "jalr $t9",
    "nop",
    "break",
    ".set pop",
}
