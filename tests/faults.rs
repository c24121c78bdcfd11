//! Every fallback and error path, with faults injected into real syscalls
//! by seccomp (`support/faults.rs`): `epoll_pwait2` missing (`ENOSYS`) or
//! forbidden (`EPERM`, as older Docker and podman profiles answer),
//! `splice` refused (`EINVAL`, `ENOSYS`, `EPERM`, also mid-stream with bytes
//! in the pipe), `pipe2` and `eventfd2` failing with `EMFILE`, and `EINTR`
//! storms on `write`, `writev` and the wait.
//!
//! Tests whose fault changes a process-wide decision (the crate remembers
//! that `epoll_pwait2` or `splice` is unavailable) run in a child process
//! of their own (`isolated`). Where seccomp is unavailable (qemu-user) they
//! are skipped with a message; scripts/kernel-test runs them on real
//! kernels.

#![cfg(target_os = "linux")]

mod support;

use std::time::{Duration, Instant};

use bareio::arch::current as abi;
use bareio::fd::{AsRawFd, OwnedFd};
use bareio::iovec::{write_vectored_all, Buffers};
use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::splice::{Stop, Transfer};
use bareio::sys::seccomp::Response;
use bareio::sys::*;
use bareio::Errno;
use support::faults::{isolated, Faults};
use support::{pattern, read_to_end, tcp_pair, unix_pair, write_all};

fn raw(fd: &OwnedFd) -> u32 {
    fd.as_raw_fd() as u32
}

#[test]
fn without_epoll_pwait2_enosys_the_poller_falls_back_once_per_process() {
    skip_without_seccomp!();
    isolated("without_epoll_pwait2_enosys_the_poller_falls_back_once_per_process", || {
        let calls = count_pwait2_calls(Errno::ENOSYS);
        assert_eq!(calls, 1, "epoll_pwait2 tried {calls} times by 5 pollers: decide once per process");
    });
}

#[test]
fn without_epoll_pwait2_eperm_the_poller_falls_back_once_per_process() {
    skip_without_seccomp!();
    isolated("without_epoll_pwait2_eperm_the_poller_falls_back_once_per_process", || {
        let calls = count_pwait2_calls(Errno::EPERM);
        assert_eq!(calls, 1, "epoll_pwait2 tried {calls} times by 5 pollers: decide once per process");
    });
}

/// Five pollers each wait for readiness, a timeout (never ending early)
/// and a wakeup while `epoll_pwait2` fails with `errno`; returns how many
/// times it was called.
fn count_pwait2_calls(errno: Errno) -> usize {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    let faults = Faults::new().ask(abi::SYS_EPOLL_PWAIT2, None, move |_, _| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Response::Fail(errno)
    });
    faults
        .run(|| {
            for _ in 0..5 {
                let poller = Poller::new().unwrap();
                let (r, w) = pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC).unwrap();
                poller.register(&r, 7, Interest::READABLE, Mode::Level).unwrap();
                let mut events = Events::<4>::new();
                let start = Instant::now();
                assert_eq!(poller.wait(&mut events, Some(Duration::from_millis(3))), Ok(0));
                assert!(start.elapsed() >= Duration::from_millis(3), "ended early");
                // epoll_pwait counts whole milliseconds, rounded up: 1 ns
                // sleeps a millisecond, never a 0 ms busy poll.
                let start = Instant::now();
                assert_eq!(poller.wait(&mut events, Some(Duration::from_nanos(1))), Ok(0));
                assert!(start.elapsed() >= Duration::from_millis(1), "1 ns became a busy poll");
                write(&w, b"x").unwrap();
                assert_eq!(poller.wait(&mut events, None), Ok(1));
                assert_eq!(events.iter().next().unwrap().token(), 7);
                read(&r, &mut [0u8; 1]).unwrap();
                poller.wake().unwrap();
                assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)), Ok(0));
                assert!(events.is_woken());
            }
        })
        .unwrap();
    calls.load(std::sync::atomic::Ordering::SeqCst)
}

/// 1 MiB from a unix socket to TCP, written from another thread in 64 KiB
/// chunks (bulk: the transfer wants to splice), blocking fds.
fn one_mib_through(transfer: &mut Transfer<4096>) {
    let ((into, from), (to, out)) = (unix_pair(), tcp_pair());
    let total = 1 << 20;
    std::thread::scope(|s| {
        // Owned by this closure: a failed assertion drops them while
        // unwinding, which ends the writer and reader threads too.
        let (from, to) = (from, to);
        s.spawn(move || {
            for offset in (0..total).step_by(65536) {
                write_all(&into, &pattern(offset, 65536));
            }
        });
        let reader = s.spawn(move || read_to_end(&out));
        let progress = transfer.run(&from, &to, None).unwrap();
        assert_eq!((progress.stop, progress.moved), (Stop::Eof, total));
        drop(to);
        assert!(reader.join().unwrap() == pattern(0, total), "bytes lost or reordered");
    });
}

#[test]
fn splice_refused_with_einval_copies_every_byte() {
    skip_without_seccomp!();
    Faults::new()
        .fail(abi::SYS_SPLICE, Errno::EINVAL)
        .run(|| {
            let mut transfer = Transfer::<4096>::new().unwrap();
            one_mib_through(&mut transfer);
            assert!(transfer.splice_refused());
            assert_eq!(transfer.bytes_spliced(), 0);
        })
        .unwrap();
}

/// `splice` fails with `errno` for the whole process: the first transfer
/// copies every byte, and later ones never try to splice again.
fn splice_unavailable(errno: Errno) {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    Faults::new()
        .ask(abi::SYS_SPLICE, None, move |_, _| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Response::Fail(errno)
        })
        .run(|| {
            let mut transfer = Transfer::<4096>::new().unwrap();
            one_mib_through(&mut transfer);
            assert!(transfer.splice_refused());
            let mut next = Transfer::<4096>::new().unwrap();
            one_mib_through(&mut next);
            assert!(next.splice_refused() || next.bytes_spliced() == 0);
        })
        .unwrap();
    let calls = calls.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(calls, 1, "splice tried {calls} times: decide once per process");
}

#[test]
fn splice_missing_enosys_copies_every_byte_from_then_on() {
    skip_without_seccomp!();
    isolated("splice_missing_enosys_copies_every_byte_from_then_on", || splice_unavailable(Errno::ENOSYS));
}

#[test]
fn splice_forbidden_eperm_copies_every_byte_from_then_on() {
    skip_without_seccomp!();
    isolated("splice_forbidden_eperm_copies_every_byte_from_then_on", || splice_unavailable(Errno::EPERM));
}

/// The fill (source → pipe) works, the drain (pipe → destination) is
/// refused: the bytes already in the pipe are copied out, none lost.
#[test]
fn splice_refused_mid_stream_with_bytes_in_the_pipe_loses_nothing() {
    skip_without_seccomp!();
    let ((into, from), (to, out)) = (unix_pair(), tcp_pair());
    let total = 1 << 20;
    Faults::new()
        .fail_if_arg(abi::SYS_SPLICE, 2, raw(&to), Errno::EINVAL)
        .run(|| {
            let mut transfer = Transfer::<4096>::new().unwrap();
            std::thread::scope(|s| {
                let (from, to) = (&from, to); // see `one_mib_through`
                s.spawn(move || {
                    for offset in (0..total).step_by(65536) {
                        write_all(&into, &pattern(offset, 65536));
                    }
                });
                let reader = s.spawn(move || read_to_end(&out));
                let progress = transfer.run(from, &to, None).unwrap();
                assert_eq!((progress.stop, progress.moved), (Stop::Eof, total));
                drop(to);
                assert!(reader.join().unwrap() == pattern(0, total), "bytes lost in the pipe");
            });
            assert!(transfer.splice_refused());
        })
        .unwrap();
}

#[test]
fn pipe2_emfile_leaves_transfers_that_copy() {
    skip_without_seccomp!();
    Faults::new()
        .fail(abi::SYS_PIPE2, Errno::EMFILE)
        .run(|| {
            assert_eq!(Transfer::<4096>::new().map(drop), Err(Errno::EMFILE));
            let mut transfer = Transfer::<4096>::without_pipe();
            one_mib_through(&mut transfer);
            assert_eq!(transfer.bytes_spliced(), 0);
            // Bulk data waiting: the transfer would splice if lent a pipe.
            let ((into, from), (to, _out)) = (unix_pair(), unix_pair());
            set_nonblocking(&from, true).unwrap();
            write_all(&into, &pattern(0, 8192));
            let mut transfer = Transfer::<4096>::without_pipe();
            assert_eq!(transfer.run(&from, &to, None).unwrap().stop, Stop::SourceWouldBlock);
            assert!(transfer.wants_pipe(), "bulk traffic: it would splice with a pipe");
        })
        .unwrap();
}

/// The open fds, from /proc/self/fd.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn eventfd2_failing_in_poller_new_is_an_error_and_leaks_no_fd() {
    skip_without_seccomp!();
    isolated("eventfd2_failing_in_poller_new_is_an_error_and_leaks_no_fd", || {
        let before = open_fds();
        let result = Faults::new().fail(abi::SYS_EVENTFD2, Errno::EMFILE).run(|| Poller::new().map(drop));
        assert_eq!(result.unwrap(), Err(Errno::EMFILE));
        assert_eq!(open_fds(), before, "the epoll fd was leaked");
    });
}

/// The first `storm` calls fail with `EINTR`, the rest run.
fn eintr_storm(storm: u64) -> impl Fn(u64, &bareio::sys::seccomp::SeccompData) -> Response {
    move |n, _| if n <= storm { Response::Fail(Errno::EINTR) } else { Response::Continue }
}

#[test]
fn a_write_eintr_storm_delays_a_transfer_and_loses_nothing() {
    skip_without_seccomp!();
    let ((into, from), (to, out)) = (unix_pair(), unix_pair());
    write_all(&into, &pattern(0, 3000));
    drop(into);
    let faults = Faults::new().ask(abi::SYS_WRITE, Some((0, raw(&to))), eintr_storm(200));
    faults
        .run(|| {
            let mut transfer = Transfer::<1024>::new().unwrap();
            let progress = transfer.run(&from, &to, None).unwrap();
            assert_eq!((progress.stop, progress.moved), (Stop::Eof, 3000));
        })
        .unwrap();
    drop(to);
    assert!(read_to_end(&out) == pattern(0, 3000));
}

#[test]
fn a_writev_eintr_storm_delays_a_vectored_write_and_loses_nothing() {
    skip_without_seccomp!();
    let (w, r) = unix_pair();
    let data = pattern(0, 10_000);
    let chunks: Vec<&[u8]> = data.chunks(7).collect();
    let faults = Faults::new().ask(abi::SYS_WRITEV, Some((0, raw(&w))), eintr_storm(100));
    faults
        .run(|| {
            let mut bufs = Buffers::new(&chunks);
            write_vectored_all::<64>(&w, &mut bufs).unwrap();
            assert!(bufs.is_empty());
        })
        .unwrap();
    drop(w);
    assert!(read_to_end(&r) == data);
}

/// Interrupted waits are retried: a timed one with the time left (it never
/// ends early, and still sees readiness).
#[test]
fn an_eintr_storm_on_the_wait_is_retried() {
    skip_without_seccomp!();
    for nr in [abi::SYS_EPOLL_PWAIT2, abi::SYS_EPOLL_PWAIT] {
        Faults::new()
            .ask(nr, None, eintr_storm(100))
            .run(|| {
                let poller = Poller::new().unwrap();
                let (r, w) = pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC).unwrap();
                poller.register(&r, 1, Interest::READABLE, Mode::Level).unwrap();
                let mut events = Events::<2>::new();
                let start = Instant::now();
                assert_eq!(poller.wait(&mut events, Some(Duration::from_millis(20))), Ok(0));
                assert!(start.elapsed() >= Duration::from_millis(20));
                write(&w, b"x").unwrap();
                assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(30))), Ok(1));
            })
            .unwrap();
    }
}

/// The filter's architecture check uses the table's `AUDIT_ARCH`; the
/// kernel tells what it really is, in each notified call.
#[test]
fn the_tables_audit_arch_is_what_the_kernel_reports() {
    skip_without_seccomp!();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let record = seen.clone();
    Faults::new()
        .ask(abi::SYS_GETPID, None, move |_, call| {
            *record.lock().unwrap() = Some((call.arch, call.nr));
            Response::Return(4242)
        })
        .run(|| assert_eq!(getpid(), 4242, "the supervisor answered"))
        .unwrap();
    let arch = *seen.lock().unwrap();
    assert_eq!(arch, Some((bareio::sys::seccomp::AUDIT_ARCH, abi::SYS_GETPID as i32)));
}

#[cfg(target_pointer_width = "32")]
#[test]
fn without_clock_gettime64_the_clock_falls_back_to_the_32_bit_call() {
    skip_without_seccomp!();
    isolated("without_clock_gettime64_the_clock_falls_back_to_the_32_bit_call", || {
        Faults::new()
            .fail(abi::SYS_CLOCK_GETTIME, Errno::ENOSYS)
            .run(|| {
                let a = bareio::time::Instant::now().unwrap();
                let b = bareio::time::Instant::now().unwrap();
                assert!(b >= a && a.as_nanos() > 0);
            })
            .unwrap();
    });
}

/// Three timers, each armed, read back and fired in a poller, while the
/// time64 timerfd calls fail with `errno`; returns how many times they
/// were tried.
#[cfg(target_pointer_width = "32")]
fn count_timerfd_time64_calls(errno: Errno) -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    let calls = Arc::new(AtomicUsize::new(0));
    let (set, get) = (calls.clone(), calls.clone());
    Faults::new()
        .ask(abi::SYS_TIMERFD_SETTIME, None, move |_, _| {
            set.fetch_add(1, SeqCst);
            Response::Fail(errno)
        })
        .ask(abi::SYS_TIMERFD_GETTIME, None, move |_, _| {
            get.fetch_add(1, SeqCst);
            Response::Fail(errno)
        })
        .run(|| {
            for _ in 0..3 {
                let poller = Poller::new().unwrap();
                let timer =
                    timerfd_create(ClockId::MONOTONIC, TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC)
                        .unwrap();
                poller.register(&timer, 1, Interest::READABLE, Mode::Level).unwrap();
                let period = Itimerspec {
                    interval: Timespec { tv_sec: 3600, tv_nsec: 5 },
                    value: Timespec { tv_sec: 0, tv_nsec: 1_000_000 },
                };
                assert_eq!(timerfd_settime(&timer, TimerFlags::empty(), &period), Ok(Itimerspec::DISARMED));
                assert_eq!(
                    timerfd_gettime(&timer).unwrap().interval,
                    period.interval,
                    "through the 32-bit call"
                );
                let mut events = Events::<2>::new();
                assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(60))), Ok(1));
                assert_eq!(timerfd_read(&timer), Ok(1));
                // Past 2038 does not fit the 32-bit call.
                let far = Itimerspec {
                    interval: Timespec::default(),
                    value: Timespec { tv_sec: 1 << 40, tv_nsec: 0 },
                };
                assert_eq!(timerfd_settime(&timer, TimerFlags::empty(), &far), Err(Errno::EOVERFLOW));
            }
        })
        .unwrap();
    calls.load(SeqCst)
}

#[cfg(target_pointer_width = "32")]
#[test]
fn without_timerfd_time64_enosys_timers_fall_back_once_per_process() {
    skip_without_seccomp!();
    isolated("without_timerfd_time64_enosys_timers_fall_back_once_per_process", || {
        let calls = count_timerfd_time64_calls(Errno::ENOSYS);
        assert_eq!(calls, 1, "the time64 timerfd calls tried {calls} times: decide once per process");
    });
}

#[cfg(target_pointer_width = "32")]
#[test]
fn without_timerfd_time64_eperm_timers_fall_back_once_per_process() {
    skip_without_seccomp!();
    isolated("without_timerfd_time64_eperm_timers_fall_back_once_per_process", || {
        let calls = count_timerfd_time64_calls(Errno::EPERM);
        assert_eq!(calls, 1, "the time64 timerfd calls tried {calls} times: decide once per process");
    });
}
