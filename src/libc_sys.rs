//! The C library calls of the kqueue systems (FreeBSD, macOS, DragonFly):
//! `kqueue`, `kevent`, `fcntl(F_SETFD)`, `close`, `clock_gettime`, and
//! `errno`. Crate-private, and with [`crate::sys`] (Linux) the only place
//! the crate has `unsafe` code for these systems.
//!
//! These systems go through libc rather than raw syscalls: on macOS the
//! syscall numbers and conventions are not a stable ABI, and the C library
//! is always there.
//!
//! **Compile-checked only**: there is no FreeBSD or macOS machine in this
//! project's CI (see the `poll` module docs).

use core::time::Duration;

use crate::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use crate::Errno;

/// The calling thread's `errno`, after a C library call reported failure.
fn last_errno() -> Errno {
    #[cfg(any(target_os = "freebsd", target_os = "macos"))]
    // SAFETY: `__error` returns the calling thread's `errno` location,
    // valid for the thread's lifetime; it is only read.
    let raw = unsafe { *libc::__error() };
    #[cfg(target_os = "dragonfly")]
    // SAFETY: as above, DragonFly's name for the same function.
    let raw = unsafe { *libc::__errno_location() };
    Errno::from_raw(raw)
}

/// A C `int` result: `-1` means failure, with the reason in `errno`.
fn check(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret == -1 {
        Err(last_errno())
    } else {
        Ok(ret)
    }
}

/// One `struct kevent`, as the kernel reads and writes it.
///
/// A wrapper only to be `Send` and `Sync` like `EpollEvent` on Linux (so
/// `Events<N>` is the same on every system): the raw `udata` pointer is
/// only ever a token number, never dereferenced.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct KEvent(pub(crate) libc::kevent);

// SAFETY: `udata` carries a plain integer (a token), never a pointer that
// is dereferenced; every other field is an integer.
unsafe impl Send for KEvent {}
// SAFETY: as for `Send`; shared access only reads integers.
unsafe impl Sync for KEvent {}

impl KEvent {
    /// An all-zero event, to fill buffers with.
    // SAFETY: `struct kevent` is integers and one pointer (and on FreeBSD
    // an array of integers): all-zero is a valid value of each.
    pub(crate) const ZERO: Self = Self(unsafe { core::mem::zeroed() });

    /// A change: `filter` on `ident`, with `flags`, `fflags` and a token.
    pub(crate) fn new(ident: usize, filter: i16, flags: u16, fflags: u32, token: usize) -> Self {
        let mut ev = Self::ZERO;
        ev.0.ident = ident;
        ev.0.filter = filter;
        ev.0.flags = flags;
        ev.0.fflags = fflags;
        // A number carried through the kernel, never dereferenced.
        ev.0.udata = token as *mut libc::c_void;
        ev
    }
}

/// `kqueue()`, made close-on-exec with `fcntl` (`kqueue1`/`kqueuex` are not
/// on every supported system). No fork can slip in between and leak it: a
/// kqueue is not inherited by a forked child anyway.
pub(crate) fn kqueue() -> Result<OwnedFd, Errno> {
    // SAFETY: no arguments; returns a new fd or -1.
    let fd = check(unsafe { libc::kqueue() })?;
    // SAFETY: `fd` was just returned by `kqueue` and is owned by no one else.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: `fd` is open (owned above); F_SETFD takes an int argument.
    check(unsafe { libc::fcntl(owned.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
    Ok(owned)
}

/// `kevent(kq, changes, events, timeout)`: applies `changes`, then fills
/// the front of `events`; returns how many it filled. `timeout`: `None`
/// blocks.
pub(crate) fn kevent(
    kq: impl AsFd,
    changes: &[KEvent],
    events: &mut [KEvent],
    timeout: Option<&libc::timespec>,
) -> Result<usize, Errno> {
    let nchanges = libc::c_int::try_from(changes.len()).map_err(|_| Errno::EINVAL)?;
    let nevents = libc::c_int::try_from(events.len()).unwrap_or(libc::c_int::MAX);
    let timeout = timeout.map_or(core::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `KEvent` is `repr(transparent)` over `struct kevent`; kevent
    // reads `nchanges` and writes at most `nevents` entries, within the
    // slices; `timeout` is null or a live timespec; the fd is open.
    let n = check(unsafe {
        libc::kevent(
            kq.as_fd().as_raw_fd(),
            changes.as_ptr().cast(),
            nchanges,
            events.as_mut_ptr().cast(),
            nevents,
            timeout,
        )
    })?;
    // Non-negative and at most `nevents`: the cast is lossless.
    Ok(n as usize)
}

/// Closes `fd`, ignoring errors (for `OwnedFd`'s drop without `std`).
#[cfg(not(feature = "std"))]
pub(crate) fn close_raw_ignoring_errors(fd: crate::fd::RawFd) {
    // SAFETY: called once, by the fd's owner, as it gives the fd up.
    unsafe {
        libc::close(fd);
    }
}

/// `clock_gettime(CLOCK_MONOTONIC)` as a `Duration` since an arbitrary start.
pub(crate) fn monotonic_now() -> Result<Duration, Errno> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    check(unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) })?;
    // A monotonic clock is non-negative, with nanoseconds below 10^9.
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// A `Duration` as `kevent`'s timeout, saturating at `max_secs` seconds.
pub(crate) fn to_timespec(d: Duration, max_secs: u64) -> libc::timespec {
    if d.as_secs() >= max_secs {
        return libc::timespec { tv_sec: max_secs as libc::time_t, tv_nsec: 0 };
    }
    // Below `max_secs` (which fits `time_t`), and nanoseconds below 10^9.
    libc::timespec { tv_sec: d.as_secs() as libc::time_t, tv_nsec: d.subsec_nanos() as libc::c_long }
}
