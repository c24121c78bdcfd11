//! timerfd through the crate's own syscalls: a timer firing in the
//! `Poller`, its setting read back, periodic expiry counts, absolute
//! times, disarming. (The 32-bit ABIs' fallback to the 32-bit-time calls
//! is in tests/faults.rs, with the time64 calls failed by seccomp.)
//!
//! No assertion depends on how long anything took: every wait is bounded
//! only as a guard against a hang.

#![cfg(target_os = "linux")]

use core::time::Duration;

use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::sys::*;
use bareio::Errno;

const GUARD: Option<Duration> = Some(Duration::from_secs(60));

fn timer(flags: TimerfdFlags) -> bareio::fd::OwnedFd {
    timerfd_create(ClockId::MONOTONIC, flags | TimerfdFlags::CLOEXEC).unwrap()
}

#[test]
fn a_timer_fires_in_the_poller() {
    let poller = Poller::new().unwrap();
    let t = timer(TimerfdFlags::NONBLOCK);
    poller.register(&t, 9, Interest::READABLE, Mode::Edge).unwrap();
    let mut events = Events::<4>::new();
    // Not armed: nothing to report.
    assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)), Ok(0));
    assert_eq!(timerfd_read(&t), Err(Errno::EAGAIN));

    let old = timerfd_settime(&t, TimerFlags::empty(), &Itimerspec::once(Duration::from_millis(5))).unwrap();
    assert_eq!(old, Itimerspec::DISARMED);
    assert_eq!(poller.wait(&mut events, GUARD), Ok(1), "the timer fired before the guard");
    let event = events.iter().next().unwrap();
    assert_eq!((event.token(), event.is_readable()), (9, true));
    assert_eq!(timerfd_read(&t), Ok(1));
    // A one-shot timer is disarmed once it fired.
    assert_eq!(timerfd_gettime(&t), Ok(Itimerspec::DISARMED));
    assert_eq!(timerfd_read(&t), Err(Errno::EAGAIN));
}

#[test]
fn the_setting_reads_back_and_is_replaced() {
    let t = timer(TimerfdFlags::NONBLOCK);
    let setting = Itimerspec {
        interval: Timespec { tv_sec: 7, tv_nsec: 250_000_000 },
        value: Timespec { tv_sec: 3600, tv_nsec: 0 },
    };
    assert_eq!(timerfd_settime(&t, TimerFlags::empty(), &setting), Ok(Itimerspec::DISARMED));
    let now = timerfd_gettime(&t).unwrap();
    assert_eq!(now.interval, setting.interval, "the period reads back exactly");
    // The time left: at most the hour set, and (this test does not take
    // an hour) more than a second of it. Both fields checked: a swapped
    // or 32-bit-truncated layout would not give this.
    assert!(now.value.tv_sec <= 3600 && now.value.tv_sec > 3599 - 60, "{now:?}");
    assert!((0..1_000_000_000).contains(&now.value.tv_nsec));
    let replaced = timerfd_settime(&t, TimerFlags::empty(), &Itimerspec::DISARMED).unwrap();
    assert_eq!(replaced.interval, setting.interval);
    assert_eq!(timerfd_gettime(&t), Ok(Itimerspec::DISARMED));
    // Invalid nanoseconds are refused by the kernel.
    let bad =
        Itimerspec { interval: Timespec::default(), value: Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 } };
    assert_eq!(timerfd_settime(&t, TimerFlags::empty(), &bad), Err(Errno::EINVAL));
}

#[test]
fn a_periodic_timer_counts_its_expiries() {
    let t = timer(TimerfdFlags::empty()); // blocking reads
    timerfd_settime(&t, TimerFlags::empty(), &Itimerspec::every(Duration::from_millis(1))).unwrap();
    // Each read blocks until at least one more expiry: the counts add up.
    let mut total = 0;
    for _ in 0..3 {
        let n = timerfd_read(&t).unwrap();
        assert!(n >= 1);
        total += n;
    }
    assert!(total >= 3);
    assert_eq!(timerfd_gettime(&t).unwrap().interval, Timespec { tv_sec: 0, tv_nsec: 1_000_000 });
}

#[test]
fn an_absolute_time_in_the_past_fires_at_once() {
    let poller = Poller::new().unwrap();
    let t = timer(TimerfdFlags::NONBLOCK);
    poller.register(&t, 1, Interest::READABLE, Mode::Level).unwrap();
    let now = clock_gettime(ClockId::MONOTONIC).unwrap();
    let past =
        Itimerspec { interval: Timespec::default(), value: Timespec { tv_sec: now.tv_sec - 1, ..now } };
    timerfd_settime(&t, TimerFlags::ABSTIME, &past).unwrap();
    let mut events = Events::<2>::new();
    assert_eq!(poller.wait(&mut events, GUARD), Ok(1));
    assert_eq!(timerfd_read(&t), Ok(1));
    // An absolute time an hour ahead is left to run.
    let ahead = Itimerspec {
        interval: Timespec::default(),
        value: Timespec { tv_sec: now.tv_sec + 3600, tv_nsec: 0 },
    };
    timerfd_settime(&t, TimerFlags::ABSTIME, &ahead).unwrap();
    assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)), Ok(0));
}

#[test]
fn zero_once_fires_at_once_rather_than_disarming() {
    let t = timer(TimerfdFlags::empty());
    timerfd_settime(&t, TimerFlags::empty(), &Itimerspec::once(Duration::ZERO)).unwrap();
    assert_eq!(timerfd_read(&t), Ok(1));
}

#[test]
fn timerfd_errors_are_typed() {
    assert_eq!(timerfd_create(ClockId::from_raw(-1), TimerfdFlags::CLOEXEC).unwrap_err(), Errno::EINVAL);
    let (r, _w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    assert_eq!(timerfd_gettime(&r), Err(Errno::EINVAL));
}
