//! `clock_gettime` (the 64-bit-time `clock_gettime64` on 32-bit targets,
//! with a fallback to the 32-bit-time call where it is missing), and the
//! fallback rule itself, which `timerfd` shares.

use super::int_arg;
use super::Timespec;
use crate::Errno;

/// A clock for [`clock_gettime`] and [`timerfd_create`](super::timerfd_create)
/// (`CLOCK_*`, the same on every arch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClockId(i32);

impl ClockId {
    /// `CLOCK_REALTIME`: wall-clock time, can jump.
    pub const REALTIME: Self = Self(0);
    /// `CLOCK_MONOTONIC`: never jumps, stops during suspend.
    pub const MONOTONIC: Self = Self(1);
    /// `CLOCK_BOOTTIME`: monotonic, counting suspend.
    pub const BOOTTIME: Self = Self(7);

    /// Any clock by its raw value.
    pub const fn from_raw(raw: i32) -> Self {
        Self(raw)
    }

    /// The raw value.
    pub const fn raw(self) -> i32 {
        self.0
    }
}

/// The process-wide choice between a family of time64 syscalls
/// (`clock_gettime64`, `timerfd_settime64` …: Linux 5.1+ on the 32-bit
/// ABIs) and their 32-bit-time predecessors: the first `ENOSYS` (an older
/// kernel) or `EPERM` (a seccomp profile that predates them, as older
/// Docker and podman defaults) switches the family to the fallback, once
/// and for good. On the 64-bit ABIs there is nothing to choose: the
/// "time64" numbers are the only ones.
pub(crate) struct Time64 {
    #[cfg(target_pointer_width = "32")]
    family: super::Optional,
}

impl Time64 {
    /// The family, assumed present until a call says otherwise.
    pub(crate) const fn new() -> Self {
        Self {
            #[cfg(target_pointer_width = "32")]
            family: super::Optional::new(),
        }
    }

    /// `time64()`, or `time32()` where the family is missing (see above).
    /// On the 64-bit ABIs `time32` is never called: write it with
    /// [`time32_only!`].
    #[inline(always)]
    pub(crate) fn call<T>(
        &self,
        time64: impl FnOnce() -> Result<T, Errno>,
        time32: impl FnOnce() -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        #[cfg(target_pointer_width = "32")]
        {
            self.family.call(time64, time32)
        }
        #[cfg(not(target_pointer_width = "32"))]
        {
            let _ = time32;
            time64()
        }
    }
}

/// A [`Time64::call`] fallback: the expression on the 32-bit ABIs (where
/// the `SYS_*32` numbers exist), never evaluated on the 64-bit ones.
macro_rules! time32_only {
    ($fallback:expr) => {{
        #[cfg(target_pointer_width = "32")]
        let fallback = || $fallback;
        #[cfg(not(target_pointer_width = "32"))]
        let fallback =
            || -> Result<_, $crate::Errno> { unreachable!("no 32-bit-time syscalls on a 64-bit ABI") };
        fallback()
    }};
}
pub(crate) use time32_only;

/// Whether `clock_gettime64` works (32-bit ABIs).
static CLOCK_TIME64: Time64 = Time64::new();

/// Reads `clock`. A raw syscall (there is no vDSO without libc): about
/// 200 ns here, against 20 ns for std's vDSO read (see `time::Instant`).
///
/// On 32-bit architectures this is `clock_gettime64` (Linux 5.1+); where
/// that answers `ENOSYS` (an older kernel) or `EPERM` (a seccomp profile
/// that predates it), the process falls back, once and for good, to the
/// 32-bit-time `clock_gettime`, whose seconds run out in 2038.
pub fn clock_gettime(clock: ClockId) -> Result<Timespec, Errno> {
    CLOCK_TIME64.call(
        || {
            let mut ts = Timespec::default();
            // SAFETY: the kernel writes one `__kernel_timespec` (two i64)
            // into `ts`.
            Errno::from_ret(unsafe {
                syscall!(SYS_CLOCK_GETTIME, int_arg(clock.0), &mut ts as *mut Timespec as usize)
            })?;
            Ok(ts)
        },
        || time32_only!(time32::clock_gettime32(clock)),
    )
}

/// The 32-bit-time calls and layouts of the 32-bit architectures.
#[cfg(target_pointer_width = "32")]
pub(crate) mod time32 {
    use super::{int_arg, ClockId, Timespec};
    use crate::Errno;

    /// The kernel's `struct old_timespec32`.
    #[derive(Clone, Copy, Default)]
    #[repr(C)]
    pub(crate) struct Timespec32 {
        pub(crate) tv_sec: i32,
        pub(crate) tv_nsec: i32,
    }

    impl Timespec32 {
        /// `EOVERFLOW` for seconds past 2038 (nanoseconds are in range).
        pub(crate) fn from_timespec(ts: &Timespec) -> Result<Self, Errno> {
            let tv_sec = i32::try_from(ts.tv_sec).map_err(|_| Errno::EOVERFLOW)?;
            Ok(Self { tv_sec, tv_nsec: ts.tv_nsec as i32 })
        }

        pub(crate) fn to_timespec(self) -> Timespec {
            Timespec { tv_sec: i64::from(self.tv_sec), tv_nsec: i64::from(self.tv_nsec) }
        }
    }

    pub(crate) fn clock_gettime32(clock: ClockId) -> Result<Timespec, Errno> {
        let mut ts = Timespec32::default();
        // SAFETY: the kernel writes one `old_timespec32` (two i32) into `ts`.
        Errno::from_ret(unsafe {
            syscall!(SYS_CLOCK_GETTIME32, int_arg(clock.0), &mut ts as *mut Timespec32 as usize)
        })?;
        Ok(ts.to_timespec())
    }
}
