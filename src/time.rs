//! Timeouts: conversions that saturate instead of overflowing, and the
//! monotonic clock used to retry a timed wait with the time left.

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

/// The moment `timeout` from now, saturating.
pub(crate) fn deadline_after(timeout: Duration) -> Result<Duration, Errno> {
    Ok(now()?.saturating_add(timeout))
}

/// Time left until `deadline`; zero once it has passed.
pub(crate) fn remaining_until(deadline: Duration) -> Result<Duration, Errno> {
    Ok(deadline.saturating_sub(now()?))
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
    fn deadlines_saturate_and_count_down() {
        let far = deadline_after(Duration::MAX).unwrap();
        assert_eq!(far, Duration::MAX);
        let soon = deadline_after(Duration::ZERO).unwrap();
        assert_eq!(remaining_until(soon).unwrap(), Duration::ZERO);
        assert!(remaining_until(far).unwrap() > Duration::from_secs(1 << 40));
    }
}
