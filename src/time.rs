//! The monotonic clock: [`Instant`], a point on it that never panics in
//! arithmetic (for deadlines such as [`crate::timer::Timers`]).
//!
//! ```
//! use core::time::Duration;
//! use bareio::time::Instant;
//!
//! let start = Instant::now()?;
//! let deadline = start.saturating_add(Duration::from_secs(10));
//! assert_eq!(deadline.saturating_duration_since(start), Duration::from_secs(10));
//! // Arithmetic saturates instead of panicking:
//! assert_eq!(Instant::from_nanos(u64::MAX).saturating_add(Duration::MAX), Instant::MAX);
//! assert_eq!(start.saturating_duration_since(deadline), Duration::ZERO);
//! # Ok::<(), bareio::Errno>(())
//! ```
//!
//! # What a clock read costs
//!
//! On Linux [`Instant::now`] is a raw `clock_gettime(CLOCK_MONOTONIC)`
//! **syscall**: the vDSO, which lets a C library read the clock without
//! entering the kernel, needs the auxiliary vector and an ELF parser this
//! crate does not have. Measured on the development machine (x86_64, AMD
//! EPYC, a Firecracker VM on Linux 6.18; `benches/timer.rs`, `clock/…`,
//! interleaved medians): **about 200 ns a call, against 21 ns for
//! `std::time::Instant::now`** (glibc's vDSO read): 9.6 times as much. So
//! read it once per event-loop turn, after `Poller::wait` returns, and pass
//! that instant to everything the turn does. On FreeBSD and macOS it is libc's
//! `clock_gettime`.
//!
//! Crate-internal: conversions of timeouts that saturate instead of
//! overflowing, and the deadline helpers a timed wait uses to retry with the
//! time left.

use core::time::Duration;

#[cfg(target_os = "linux")]
use crate::sys::{self, Timespec};
use crate::Errno;

/// A `Duration` as the kernel's `__kernel_timespec`, saturating seconds
/// beyond `i64::MAX` (about 292 billion years).
#[cfg(target_os = "linux")]
pub(crate) fn to_timespec(d: Duration) -> Timespec {
    Timespec { tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX), tv_nsec: i64::from(d.subsec_nanos()) }
}

/// A `Duration` as `epoll_pwait`'s `int` milliseconds: rounded **up** (so
/// 1 ns is 1 ms, never a 0 ms busy poll) and saturated at `i32::MAX`.
#[cfg(target_os = "linux")]
pub(crate) fn to_epoll_millis(d: Duration) -> i32 {
    let millis = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0);
    i32::try_from(millis).unwrap_or(i32::MAX)
}

/// A point on the monotonic clock (`CLOCK_MONOTONIC`), in nanoseconds since
/// an arbitrary start (on Linux, boot: 2^64 ns is about 584 years).
///
/// `Copy`, totally ordered and hashable. Nothing about it panics: sums
/// saturate at [`Instant::MAX`] (or are `None` with `checked_add`), and a
/// duration between two instants in the wrong order is zero. Tests and
/// fuzzers make instants without a clock with [`Instant::from_nanos`].
///
/// Unlike `std::time::Instant` the value is visible (`as_nanos`): it is the
/// clock's own reading, comparable between processes on one machine.
///
/// ```
/// use core::time::Duration;
/// use bareio::time::Instant;
///
/// let t = Instant::from_nanos(1_000);
/// assert_eq!(t.checked_add(Duration::from_nanos(500)), Some(Instant::from_nanos(1_500)));
/// assert_eq!(Instant::MAX.checked_add(Duration::from_nanos(1)), None);
/// assert_eq!(Instant::from_nanos(1_500).saturating_duration_since(t), Duration::from_nanos(500));
/// assert!(t < Instant::from_nanos(1_001));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Instant(u64);

impl Instant {
    /// The earliest instant, the clock's start (nanosecond 0).
    pub const ZERO: Self = Self(0);
    /// The latest instant: `u64::MAX` nanoseconds, where sums saturate.
    pub const MAX: Self = Self(u64::MAX);

    /// Reads the monotonic clock (see [the module docs](self) for the cost).
    ///
    /// ```
    /// let (a, b) = (bareio::time::Instant::now()?, bareio::time::Instant::now()?);
    /// assert!(a <= b);
    /// # Ok::<(), bareio::Errno>(())
    /// ```
    pub fn now() -> Result<Self, Errno> {
        Ok(Self::from_duration(now()?))
    }

    /// The instant `nanos` nanoseconds after the clock's start.
    pub const fn from_nanos(nanos: u64) -> Self {
        Self(nanos)
    }

    /// Nanoseconds since the clock's start.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The instant `since_start` after the clock's start, saturating at
    /// [`Instant::MAX`].
    pub const fn from_duration(since_start: Duration) -> Self {
        Self(saturate_nanos(since_start))
    }

    /// `self + d`, or `None` past [`Instant::MAX`].
    pub const fn checked_add(self, d: Duration) -> Option<Self> {
        let nanos = d.as_nanos();
        if nanos > u64::MAX as u128 {
            return None;
        }
        match self.0.checked_add(nanos as u64) {
            Some(sum) => Some(Self(sum)),
            None => None,
        }
    }

    /// `self + d`, saturating at [`Instant::MAX`]: a deadline "never" is
    /// `now.saturating_add(Duration::MAX)`.
    pub const fn saturating_add(self, d: Duration) -> Self {
        Self(self.0.saturating_add(saturate_nanos(d)))
    }

    /// `self - d`, saturating at [`Instant::ZERO`].
    pub const fn saturating_sub(self, d: Duration) -> Self {
        Self(self.0.saturating_sub(saturate_nanos(d)))
    }

    /// The time from `earlier` to `self`, or `None` if `earlier` is later.
    pub const fn checked_duration_since(self, earlier: Self) -> Option<Duration> {
        match self.0.checked_sub(earlier.0) {
            Some(nanos) => Some(Duration::from_nanos(nanos)),
            None => None,
        }
    }

    /// The time from `earlier` to `self`; zero if `earlier` is later (time
    /// left until a deadline: `deadline.saturating_duration_since(now)`).
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// A duration's nanoseconds, saturating at `u64::MAX`.
const fn saturate_nanos(d: Duration) -> u64 {
    let nanos = d.as_nanos();
    if nanos > u64::MAX as u128 {
        u64::MAX
    } else {
        nanos as u64
    }
}

/// The monotonic clock as a `Duration` since an arbitrary start.
#[cfg(target_os = "linux")]
pub(crate) fn now() -> Result<Duration, Errno> {
    let ts = sys::clock_gettime(sys::ClockId::MONOTONIC)?;
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// The monotonic clock as a `Duration` since an arbitrary start.
#[cfg(not(target_os = "linux"))]
pub(crate) fn now() -> Result<Duration, Errno> {
    crate::libc_sys::monotonic_now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn millis_round_up_and_saturate() {
        assert_eq!(to_epoll_millis(Duration::ZERO), 0);
        assert_eq!(to_epoll_millis(Duration::from_nanos(1)), 1);
        assert_eq!(to_epoll_millis(Duration::from_nanos(999_999)), 1);
        assert_eq!(to_epoll_millis(Duration::from_millis(1)), 1);
        assert_eq!(to_epoll_millis(Duration::from_nanos(1_000_001)), 2);
        assert_eq!(to_epoll_millis(Duration::new(1, 1)), 1001);
        assert_eq!(to_epoll_millis(Duration::from_millis(i32::MAX as u64)), i32::MAX);
        assert_eq!(to_epoll_millis(Duration::from_millis(i32::MAX as u64 + 1)), i32::MAX);
        assert_eq!(to_epoll_millis(Duration::MAX), i32::MAX);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn timespec_keeps_nanoseconds_and_saturates() {
        assert_eq!(to_timespec(Duration::from_nanos(1)), Timespec { tv_sec: 0, tv_nsec: 1 });
        assert_eq!(to_timespec(Duration::new(5, 999_999_999)), Timespec { tv_sec: 5, tv_nsec: 999_999_999 });
        assert_eq!(to_timespec(Duration::MAX), Timespec { tv_sec: i64::MAX, tv_nsec: 999_999_999 });
    }

    #[test]
    fn instants_saturate_at_both_ends() {
        let max = Instant::from_nanos(u64::MAX);
        assert_eq!(max, Instant::MAX);
        assert_eq!(max.saturating_add(Duration::from_nanos(1)), max);
        assert_eq!(max.saturating_add(Duration::MAX), max);
        assert_eq!(max.checked_add(Duration::from_nanos(1)), None);
        assert_eq!(max.checked_add(Duration::ZERO), Some(max));
        assert_eq!(Instant::ZERO.checked_add(Duration::MAX), None);
        assert_eq!(Instant::ZERO.saturating_add(Duration::MAX), max);
        assert_eq!(Instant::ZERO.checked_add(Duration::from_nanos(u64::MAX)), Some(max));
        assert_eq!(Instant::from_nanos(5).saturating_sub(Duration::from_nanos(9)), Instant::ZERO);
        assert_eq!(Instant::from_nanos(5).saturating_sub(Duration::MAX), Instant::ZERO);
        assert_eq!(max.saturating_duration_since(Instant::ZERO), Duration::from_nanos(u64::MAX));
        assert_eq!(Instant::ZERO.saturating_duration_since(max), Duration::ZERO);
        assert_eq!(Instant::ZERO.checked_duration_since(Instant::from_nanos(1)), None);
        assert_eq!(Instant::from_duration(Duration::MAX), max);
        assert_eq!(Instant::from_duration(Duration::new(1, 5)).as_nanos(), 1_000_000_005);
    }

    #[test]
    fn the_clock_is_monotonic_and_matches_the_internal_reading() {
        let before = now().unwrap();
        let a = Instant::now().unwrap();
        let b = Instant::now().unwrap();
        let after = now().unwrap();
        assert!(Instant::from_duration(before) <= a && a <= b && b <= Instant::from_duration(after));
    }
}
