//! `clock_gettime` (the 64-bit-time `clock_gettime64` on 32-bit targets).

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

/// Reads `clock`. A raw syscall (there is no vDSO without libc); the
/// poller reads it once per timed wait, to retry with the time left if a
/// signal interrupts the wait.
pub fn clock_gettime(clock: ClockId) -> Result<Timespec, Errno> {
    let mut ts = Timespec::default();
    // SAFETY: the kernel writes one `__kernel_timespec` (two i64) into `ts`.
    Errno::from_ret(unsafe {
        syscall!(SYS_CLOCK_GETTIME, int_arg(clock.0), &mut ts as *mut Timespec as usize)
    })?;
    Ok(ts)
}
