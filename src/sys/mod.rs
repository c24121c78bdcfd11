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
//! | [`io`] | `read`, `write`, `readv`, `writev`, `close`, `fcntl` (`F_DUPFD_CLOEXEC` …), `dup`, `dup3` |
//! | [`fs`] | `openat`, `pread64`, `pwrite64`, `ftruncate64` (64-bit offsets on every ABI) |
//! | [`mem`] | `mmap` (`mmap2` on 32-bit) of anonymous memory |
//! | [`pipe`] | `pipe2`, `splice`, `F_{GET,SET}PIPE_SZ` |
//! | [`eventfd`](mod@self::eventfd) | `eventfd2` |
//! | [`epoll`] | `epoll_create1`, `epoll_ctl`, `epoll_pwait`, `epoll_pwait2` |
//! | [`net`] | `socket`, `socketpair`, `bind`, `listen`, `connect`, `accept4`, `getsockname`, `getpeername`, `shutdown`, `sendmsg`, `recvmsg`, `sendto`, `recvfrom`; IP and unix-domain addresses ([`net::addr`]); `setsockopt`/`getsockopt` with integers, `SO_LINGER`, `SO_RCVTIMEO`/`SO_SNDTIMEO`, `IP_ADD_MEMBERSHIP` ([`net::sockopt`]); control messages and `SCM_RIGHTS` fd passing ([`net::cmsg`]); `sendmmsg`, `recvmmsg` ([`net::mmsg`]) |
//! | [`process`] | `getpid`, `getppid`, `kill`, `exit_group`, `prlimit64`, `clone` ([`fork`]), `wait4`, `prctl(PR_SET_PDEATHSIG)`, `sched_getaffinity` |
//! | [`signal`] | `SigSet`, `rt_sigprocmask`, `signalfd4` |
//! | [`time`] | `clock_gettime` (`clock_gettime64` on 32-bit) |
//! | [`timerfd`](mod@self::timerfd) | `timerfd_create`, `timerfd_settime`, `timerfd_gettime` (the time64 ones on 32-bit) |
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
pub mod mem;
pub mod net;
pub mod pipe;
pub mod process;
pub mod seccomp;
pub mod signal;
pub mod time;
pub mod timerfd;

#[cfg(test)]
mod layout_tests;

pub use self::epoll::*;
pub use self::eventfd::*;
pub use self::fs::*;
pub use self::io::*;
pub use self::mem::*;
pub use self::net::*;
pub use self::pipe::*;
pub use self::process::*;
pub use self::signal::*;
pub use self::time::*;
pub use self::timerfd::*;

use crate::arch::SyscallArgs;
use crate::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use crate::Errno;

/// A syscall a kernel or a seccomp profile may lack (`epoll_pwait2`,
/// `splice`, the time64 calls), decided once per process: the first
/// `ENOSYS` (an older kernel) or `EPERM` (a seccomp profile that predates
/// it, as older Docker and podman defaults, which answer unknown syscalls
/// with `EPERM`) marks it missing, and every later call, in any thread,
/// goes to the fallback without trying again.
pub(crate) struct Optional {
    available: core::sync::atomic::AtomicBool,
}

impl Optional {
    /// Assumed present until a call says otherwise.
    pub(crate) const fn new() -> Self {
        Self { available: core::sync::atomic::AtomicBool::new(true) }
    }

    /// Whether no call has found it missing yet.
    #[inline(always)]
    pub(crate) fn is_available(&self) -> bool {
        self.available.load(core::sync::atomic::Ordering::Relaxed)
    }

    /// Records a call's error: whether it says the syscall is missing
    /// (`ENOSYS`, `EPERM`), from now on.
    pub(crate) fn is_missing_after(&self, errno: Errno) -> bool {
        let missing = matches!(errno, Errno::ENOSYS | Errno::EPERM);
        if missing {
            self.available.store(false, core::sync::atomic::Ordering::Relaxed);
        }
        missing
    }

    /// `primary()`, or `fallback()` where the syscall is missing (the
    /// first time: after `primary` said so). (The time64 family's shape;
    /// callers whose two calls borrow the same buffer use the two methods
    /// above.)
    #[cfg(target_pointer_width = "32")]
    #[inline(always)]
    pub(crate) fn call<T>(
        &self,
        primary: impl FnOnce() -> Result<T, Errno>,
        fallback: impl FnOnce() -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        if self.is_available() {
            match primary() {
                Err(errno) if self.is_missing_after(errno) => {}
                result => return result,
            }
        }
        fallback()
    }
}

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

/// The result of a syscall that returns a new file descriptor
/// (`socket`, `accept4`, `eventfd2`, `dup`, …), owned.
///
/// # Safety
///
/// `ret` is the raw return value of a syscall that, on success, returns a
/// file descriptor it has just created and that nobody else owns.
#[inline(always)]
unsafe fn new_fd(ret: usize) -> Result<OwnedFd, Errno> {
    let fd = Errno::from_ret(ret)?;
    // SAFETY: on success the fd is new and owned by nobody else (the
    // caller's contract).
    Ok(unsafe { OwnedFd::from_raw_fd(ret_fd(fd)) })
}

/// The two new file descriptors of a syscall that writes them into an
/// `int[2]` (`pipe2`, `socketpair`), owned: `call` makes the syscall with
/// the array's address and returns its raw result.
///
/// # Safety
///
/// `call` makes a syscall that, on success, has written into the array two
/// file descriptors it has just created and that nobody else owns.
#[inline(always)]
unsafe fn new_fd_pair(call: impl FnOnce(usize) -> usize) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [-1i32; 2];
    Errno::from_ret(call(fds.as_mut_ptr() as usize))?;
    // SAFETY: on success both fds are new and owned by nobody else (the
    // caller's contract).
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Issues syscall `nr` (a table value) with `args`, as laid out by
/// [`U64Arg::place`](crate::arch::U64Arg::place): the arity is the
/// layout's, a constant once inlined.
///
/// # Safety
///
/// As for the `syscall!` it expands to: `nr` and the arguments must form
/// a system call that is sound for the caller.
#[inline(always)]
unsafe fn syscall_args(nr: usize, args: SyscallArgs) -> usize {
    use crate::arch::current::{syscall3, syscall4, syscall5, syscall6};
    let a = args.regs;
    // SAFETY: the caller's contract; only the first `len` arguments are
    // passed, as the layout says.
    unsafe {
        match args.len {
            0..=3 => syscall3(nr, a[0], a[1], a[2]),
            4 => syscall4(nr, a[0], a[1], a[2], a[3]),
            5 => syscall5(nr, a[0], a[1], a[2], a[3], a[4]),
            _ => syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]),
        }
    }
}

#[cfg(not(feature = "std"))]
pub(crate) use self::io::close_raw_ignoring_errors;
