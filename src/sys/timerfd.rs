//! `timerfd_create`, `timerfd_settime`, `timerfd_gettime`: timers as file
//! descriptors, readable when they expire, so a [`Poller`](crate::poll::Poller)
//! waits for them like for any socket.
//!
//! On the 32-bit ABIs the set and get calls are the time64 ones
//! (`timerfd_settime64`, Linux 5.1+), falling back once per process to
//! the 32-bit-time calls where they are missing, as
//! [`clock_gettime`](super::clock_gettime) does.
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use core::time::Duration;
//! use bareio::sys::*;
//!
//! let timer = timerfd_create(ClockId::MONOTONIC, TimerfdFlags::CLOEXEC | TimerfdFlags::NONBLOCK)?;
//! assert_eq!(timerfd_read(&timer), Err(bareio::Errno::EAGAIN)); // not armed
//! timerfd_settime(&timer, TimerFlags::empty(), &Itimerspec::once(Duration::from_millis(1)))?;
//! let armed = timerfd_gettime(&timer)?;
//! assert!(armed.value != Timespec::default() && armed.interval == Timespec::default());
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```

use core::time::Duration;

use super::time::{time32_only, Time64};
use super::{fd_arg, int_arg, new_fd, ClockId, Timespec};
use crate::arch::current as abi;
use crate::fd::{AsFd, OwnedFd};
use crate::Errno;

flags! {
    /// Flags of [`timerfd_create`] (`TFD_*`; `NONBLOCK` is 0x80 on mips).
    pub struct TimerfdFlags: u32 {
        /// `TFD_CLOEXEC`.
        const CLOEXEC = abi::O_CLOEXEC;
        /// `TFD_NONBLOCK`: a read before expiry gives `EAGAIN`.
        const NONBLOCK = abi::O_NONBLOCK;
    }
}

flags! {
    /// Flags of [`timerfd_settime`] (the same on every architecture).
    pub struct TimerFlags: u32 {
        /// `TFD_TIMER_ABSTIME`: `value` is a time on the timer's clock,
        /// not a delay from now.
        const ABSTIME = 1;
        /// `TFD_TIMER_CANCEL_ON_SET` (with `ABSTIME` on a `REALTIME`
        /// clock): a read gives `ECANCELED` when the clock is set.
        const CANCEL_ON_SET = 2;
    }
}

/// The kernel's `struct __kernel_itimerspec`: when the timer fires first,
/// and then how often (two 64-bit-time [`Timespec`]s on every ABI).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Itimerspec {
    /// The period after the first expiry; zero: fire once.
    pub interval: Timespec,
    /// The first expiry (a delay, or a time with
    /// [`TimerFlags::ABSTIME`]); zero disarms the timer.
    pub value: Timespec,
}

impl Itimerspec {
    /// Disarmed: both zero.
    pub const DISARMED: Self =
        Self { interval: Timespec { tv_sec: 0, tv_nsec: 0 }, value: Timespec { tv_sec: 0, tv_nsec: 0 } };

    /// Fires once, `after` from now. A zero `after` is 1 ns (zero would
    /// disarm): the timer fires at once.
    pub fn once(after: Duration) -> Self {
        Self {
            interval: Timespec::default(),
            value: crate::time::to_timespec(after.max(Duration::from_nanos(1))),
        }
    }

    /// Fires every `period` (at least 1 ns), the first time one period from
    /// now.
    pub fn every(period: Duration) -> Self {
        let period = crate::time::to_timespec(period.max(Duration::from_nanos(1)));
        Self { interval: period, value: period }
    }
}

/// Whether the time64 timerfd calls work (32-bit ABIs).
static TIMERFD_TIME64: Time64 = Time64::new();

/// Creates a timer on `clock` (`MONOTONIC` for timeouts, `REALTIME` for
/// wall-clock alarms, `BOOTTIME` to count suspend), disarmed.
pub fn timerfd_create(clock: ClockId, flags: TimerfdFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: timerfd_create takes integers and touches no memory; on
    // success it returns a new fd.
    unsafe { new_fd(syscall!(SYS_TIMERFD_CREATE, int_arg(clock.raw()), flags.bits() as usize)) }
}

/// Arms (or with [`Itimerspec::DISARMED`], disarms) the timer; returns the
/// setting it replaces. On the 32-bit-time fallback, times past 2038 are
/// `EOVERFLOW`.
pub fn timerfd_settime(fd: impl AsFd, flags: TimerFlags, new: &Itimerspec) -> Result<Itimerspec, Errno> {
    let fd = fd.as_fd();
    TIMERFD_TIME64.call(
        || {
            let mut old = Itimerspec::default();
            // SAFETY: the kernel reads one `__kernel_itimerspec` from `new`
            // and writes one into `old`, exclusively borrowed.
            Errno::from_ret(unsafe {
                syscall!(
                    SYS_TIMERFD_SETTIME,
                    fd_arg(fd),
                    flags.bits() as usize,
                    new as *const Itimerspec as usize,
                    &mut old as *mut Itimerspec as usize
                )
            })?;
            Ok(old)
        },
        || time32_only!(time32::timerfd_settime32(fd, flags, new)),
    )
}

/// The timer's setting: `value` is the time left to the next expiry
/// (zero: disarmed), `interval` the period.
pub fn timerfd_gettime(fd: impl AsFd) -> Result<Itimerspec, Errno> {
    let fd = fd.as_fd();
    TIMERFD_TIME64.call(
        || {
            let mut now = Itimerspec::default();
            // SAFETY: the kernel writes one `__kernel_itimerspec` into
            // `now`, exclusively borrowed.
            Errno::from_ret(unsafe {
                syscall!(SYS_TIMERFD_GETTIME, fd_arg(fd), &mut now as *mut Itimerspec as usize)
            })?;
            Ok(now)
        },
        || time32_only!(time32::timerfd_gettime32(fd)),
    )
}

/// Reads the timer: how many times it expired since the last read (at
/// least 1). Blocks until it has, or `EAGAIN` with
/// [`TimerfdFlags::NONBLOCK`]; `ECANCELED` for a
/// [`TimerFlags::CANCEL_ON_SET`] timer whose clock was set.
pub fn timerfd_read(fd: impl AsFd) -> Result<u64, Errno> {
    let mut count = [0u8; 8];
    match super::read(fd, &mut count)? {
        8 => Ok(u64::from_ne_bytes(count)),
        _ => Err(Errno::EIO), // not a timerfd: it always returns 8 bytes
    }
}

/// The 32-bit-time calls of the 32-bit ABIs.
#[cfg(target_pointer_width = "32")]
pub(crate) mod time32 {
    use super::{fd_arg, Itimerspec, TimerFlags};
    use crate::fd::BorrowedFd;
    use crate::sys::time::time32::Timespec32;
    use crate::Errno;

    /// The kernel's `struct old_itimerspec32`.
    #[derive(Clone, Copy, Default)]
    #[repr(C)]
    pub(crate) struct Itimerspec32 {
        pub(crate) interval: Timespec32,
        pub(crate) value: Timespec32,
    }

    impl Itimerspec32 {
        fn to_itimerspec(self) -> Itimerspec {
            Itimerspec { interval: self.interval.to_timespec(), value: self.value.to_timespec() }
        }
    }

    pub(super) fn timerfd_settime32(
        fd: BorrowedFd<'_>,
        flags: TimerFlags,
        new: &Itimerspec,
    ) -> Result<Itimerspec, Errno> {
        let new = Itimerspec32 {
            interval: Timespec32::from_timespec(&new.interval)?,
            value: Timespec32::from_timespec(&new.value)?,
        };
        let mut old = Itimerspec32::default();
        // SAFETY: the kernel reads one `old_itimerspec32` from `new` and
        // writes one into `old`, exclusively borrowed.
        Errno::from_ret(unsafe {
            syscall!(
                SYS_TIMERFD_SETTIME32,
                fd_arg(fd),
                flags.bits() as usize,
                &new as *const Itimerspec32 as usize,
                &mut old as *mut Itimerspec32 as usize
            )
        })?;
        Ok(old.to_itimerspec())
    }

    pub(super) fn timerfd_gettime32(fd: BorrowedFd<'_>) -> Result<Itimerspec, Errno> {
        let mut now = Itimerspec32::default();
        // SAFETY: the kernel writes one `old_itimerspec32` into `now`.
        Errno::from_ret(unsafe {
            syscall!(SYS_TIMERFD_GETTIME32, fd_arg(fd), &mut now as *mut Itimerspec32 as usize)
        })?;
        Ok(now.to_itimerspec())
    }
}
