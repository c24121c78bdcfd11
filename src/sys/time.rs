//! `clock_gettime` (the 64-bit-time `clock_gettime64` on 32-bit targets,
//! with a fallback to the 32-bit-time call where it is missing).

use super::int_arg;
use super::Timespec;
use crate::Errno;

/// A clock for [`clock_gettime`] (`CLOCK_*`, the same on every arch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClockId(i32);

impl ClockId {
    /// `CLOCK_REALTIME`: wall-clock time, can jump.
    pub const REALTIME: Self = Self(0);
    /// `CLOCK_MONOTONIC`: never jumps, stops during suspend.
    pub const MONOTONIC: Self = Self(1);
    /// `CLOCK_BOOTTIME`: monotonic, counting suspend.
    pub const BOOTTIME: Self = Self(7);
}

/// Reads `clock`. A raw syscall (there is no vDSO without libc): about
/// 200 ns here, against 20 ns for std's vDSO read (see `time::Instant`).
///
/// On 32-bit architectures this is `clock_gettime64` (Linux 5.1+); where
/// that answers `ENOSYS` (an older kernel) or `EPERM` (a seccomp profile
/// that predates it), the process falls back, once and for good, to the
/// 32-bit-time `clock_gettime`, whose seconds run out in 2038.
pub fn clock_gettime(clock: ClockId) -> Result<Timespec, Errno> {
    #[cfg(target_pointer_width = "32")]
    if !time64::available() {
        return time64::clock_gettime32(clock);
    }
    let mut ts = Timespec::default();
    // SAFETY: the kernel writes one `__kernel_timespec` (two i64) into `ts`.
    let result = Errno::from_ret(unsafe {
        syscall!(SYS_CLOCK_GETTIME, int_arg(clock.0), &mut ts as *mut Timespec as usize)
    });
    match result {
        Ok(_) => Ok(ts),
        #[cfg(target_pointer_width = "32")]
        Err(Errno::ENOSYS | Errno::EPERM) => {
            time64::mark_unavailable();
            time64::clock_gettime32(clock)
        }
        Err(errno) => Err(errno),
    }
}

/// The 32-bit-time fallback of 32-bit architectures.
#[cfg(target_pointer_width = "32")]
mod time64 {
    use core::sync::atomic::{AtomicBool, Ordering};

    use super::{int_arg, ClockId, Timespec};
    use crate::Errno;

    /// Cleared for the process by the first `ENOSYS`/`EPERM`.
    static TIME64: AtomicBool = AtomicBool::new(true);

    pub(super) fn available() -> bool {
        TIME64.load(Ordering::Relaxed)
    }

    pub(super) fn mark_unavailable() {
        TIME64.store(false, Ordering::Relaxed);
    }

    /// The kernel's `struct old_timespec32`.
    #[repr(C)]
    struct Timespec32 {
        tv_sec: i32,
        tv_nsec: i32,
    }

    pub(super) fn clock_gettime32(clock: ClockId) -> Result<Timespec, Errno> {
        let mut ts = Timespec32 { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: the kernel writes one `old_timespec32` (two i32) into `ts`.
        Errno::from_ret(unsafe {
            syscall!(SYS_CLOCK_GETTIME32, int_arg(clock.0), &mut ts as *mut Timespec32 as usize)
        })?;
        Ok(Timespec { tv_sec: i64::from(ts.tv_sec), tv_nsec: i64::from(ts.tv_nsec) })
    }
}
