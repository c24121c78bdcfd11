//! Thin, safe wrappers over the raw Linux syscalls.
//!
//! Each function makes exactly one syscall (none retries or loops; the
//! higher layers decide about `EINTR` and `EAGAIN`), takes typed arguments
//! (fds as [`AsFd`](crate::fd::AsFd), flags as small bit-set types whose
//! values come from the architecture's table in [`crate::arch`]) and returns
//! `Result<_, Errno>`. This module and `arch/` are the only places in the
//! crate with `unsafe` code on Linux (on the kqueue systems, a private
//! module of libc calls is).
//!
//! | module | syscalls |
//! |---|---|
//! | [`io`] | `read`, `write`, `readv`, `writev`, `close`, `fcntl` |
//! | [`fs`] | `openat` |
//! | [`pipe`] | `pipe2`, `splice`, `F_{GET,SET}PIPE_SZ` |
//! | [`eventfd`](mod@self::eventfd) | `eventfd2` |
//! | [`epoll`] | `epoll_create1`, `epoll_ctl`, `epoll_pwait`, `epoll_pwait2` |
//! | [`net`] | `socket`, `socketpair`, `bind`, `listen`, `connect`, `accept4`, `getsockname`, `setsockopt`, `getsockopt`, `shutdown`, `sendmsg`, `recvmsg` |
//! | [`process`] | `getpid`, `getppid`, `kill`, `exit_group`, `prlimit64`, `clone` ([`fork`]), `wait4`, `prctl(PR_SET_PDEATHSIG)`, `sched_getaffinity` |
//! | [`signal`] | `SigSet`, `rt_sigprocmask`, `signalfd4` |
//! | [`time`] | `clock_gettime` (`clock_gettime64` on 32-bit) |
//! | [`seccomp`] | `prctl(PR_SET_NO_NEW_PRIVS)`, `seccomp`, the user-notification `ioctl`s (not re-exported flat: `sys::seccomp::…`) |
//!
//! Everything is also re-exported here, flat: `bareio::sys::read`.

/// Makes a raw syscall by its table name: `syscall!(SYS_READ, a1, a2, a3)`.
///
/// Expands to the current architecture's `syscallN` and yields the raw
/// return value; callers pass it to `Errno::from_ret`. Must be used inside
/// an `unsafe` block whose `// SAFETY:` line justifies the arguments.
macro_rules! syscall {
    ($nr:ident) => {
        $crate::arch::current::syscall0($crate::arch::current::$nr)
    };
    ($nr:ident, $a1:expr) => {
        $crate::arch::current::syscall1($crate::arch::current::$nr, $a1)
    };
    ($nr:ident, $a1:expr, $a2:expr) => {
        $crate::arch::current::syscall2($crate::arch::current::$nr, $a1, $a2)
    };
    ($nr:ident, $a1:expr, $a2:expr, $a3:expr) => {
        $crate::arch::current::syscall3($crate::arch::current::$nr, $a1, $a2, $a3)
    };
    ($nr:ident, $a1:expr, $a2:expr, $a3:expr, $a4:expr) => {
        $crate::arch::current::syscall4($crate::arch::current::$nr, $a1, $a2, $a3, $a4)
    };
    ($nr:ident, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr) => {
        $crate::arch::current::syscall5($crate::arch::current::$nr, $a1, $a2, $a3, $a4, $a5)
    };
    ($nr:ident, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr, $a6:expr) => {
        $crate::arch::current::syscall6($crate::arch::current::$nr, $a1, $a2, $a3, $a4, $a5, $a6)
    };
}

pub mod epoll;
pub mod eventfd;
pub mod fs;
pub mod io;
pub mod net;
pub mod pipe;
pub mod process;
pub mod seccomp;
pub mod signal;
pub mod time;

#[cfg(test)]
mod layout_tests;

pub use self::epoll::*;
pub use self::eventfd::*;
pub use self::fs::*;
pub use self::io::*;
pub use self::net::*;
pub use self::pipe::*;
pub use self::process::*;
pub use self::signal::*;
pub use self::time::*;

use crate::fd::{AsRawFd, BorrowedFd, RawFd};

/// A file descriptor as a syscall argument: sign-extended, as the kernel
/// expects an `int` in a register.
#[inline(always)]
fn fd_arg(fd: BorrowedFd<'_>) -> usize {
    int_arg(fd.as_raw_fd())
}

/// An `int` syscall argument, sign-extended to the register width (so -1
/// stays -1 on 64-bit architectures).
#[inline(always)]
const fn int_arg(value: i32) -> usize {
    value as isize as usize
}

/// The fd a successful fd-returning syscall gave back.
#[inline(always)]
fn ret_fd(ret: usize) -> RawFd {
    // File descriptors are non-negative `int`s: the cast is lossless.
    ret as RawFd
}

#[cfg(not(feature = "std"))]
pub(crate) use self::io::close_raw_ignoring_errors;
