//! `epoll_create1`, `epoll_ctl`, `epoll_pwait` and `epoll_pwait2`.

use core::mem::{align_of, size_of};

use super::{fd_arg, int_arg, new_fd};
use crate::arch::current as abi;
use crate::fd::{AsFd, OwnedFd};
use crate::sys::SigSet;
use crate::Errno;

flags! {
    /// Flags of [`epoll_create1`].
    pub struct EpollCreateFlags: u32 {
        /// `EPOLL_CLOEXEC`.
        const CLOEXEC = abi::EPOLL_CLOEXEC;
    }
}

flags! {
    /// Event bits of an [`EpollEvent`] (`EPOLL*`, the same on every
    /// architecture; unlike `POLL*`, which differ on mips).
    pub struct EpollFlags: u32 {
        /// `EPOLLIN`: readable.
        const IN = 0x001;
        /// `EPOLLPRI`: urgent data.
        const PRI = 0x002;
        /// `EPOLLOUT`: writable.
        const OUT = 0x004;
        /// `EPOLLERR`: error (always reported).
        const ERR = 0x008;
        /// `EPOLLHUP`: hang-up (always reported).
        const HUP = 0x010;
        /// `EPOLLRDHUP`: the peer shut down its write side.
        const RDHUP = 0x2000;
        /// `EPOLLEXCLUSIVE`: wake one of several epolls waiting on the fd.
        const EXCLUSIVE = 1 << 28;
        /// `EPOLLWAKEUP`: hold a wakeup source (needs `CAP_BLOCK_SUSPEND`).
        const WAKEUP = 1 << 29;
        /// `EPOLLONESHOT`: disable after one event until re-armed.
        const ONESHOT = 1 << 30;
        /// `EPOLLET`: edge-triggered.
        const ET = 1 << 31;
    }
}

/// The kernel's `struct epoll_event`: event bits and 64 bits of user data.
///
/// Packed on x86_64 (12 bytes), 12 bytes on x86 by alignment, 16 bytes
/// elsewhere; which one is asserted at compile time against the table's
/// `EPOLL_EVENT_PACKED`. On x86_64 the fields cannot be borrowed (`&ev.data`
/// does not compile); copy them out (`{ ev.data }`).
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(target_arch = "x86_64", repr(C, packed))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
pub struct EpollEvent {
    /// The event bits: interest when registering, readiness when returned.
    pub events: EpollFlags,
    /// The caller's data, returned unchanged with each event.
    pub data: u64,
}

const _: () = assert!(
    (align_of::<EpollEvent>() == 1) == abi::EPOLL_EVENT_PACKED,
    "EpollEvent's repr disagrees with arch/<arch>.rs EPOLL_EVENT_PACKED"
);
const _: () = assert!(size_of::<EpollEvent>() == 4 + 8 + (align_of::<EpollEvent>() == 8) as usize * 4);

impl EpollEvent {
    /// An event with interest `events` and user data `data`.
    #[inline]
    pub const fn new(events: EpollFlags, data: u64) -> Self {
        Self { events, data }
    }

    /// An all-zero event, to fill an output buffer with.
    pub const ZERO: Self = Self { events: EpollFlags::empty(), data: 0 };
}

impl core::fmt::Debug for EpollEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EpollEvent").field("events", &{ self.events }).field("data", &{ self.data }).finish()
    }
}

/// The kernel's `struct __kernel_timespec`: 64-bit seconds and nanoseconds
/// on every architecture (as `epoll_pwait2` takes it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Timespec {
    /// Seconds.
    pub tv_sec: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub tv_nsec: i64,
}

/// Creates an epoll instance.
pub fn epoll_create1(flags: EpollCreateFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: epoll_create1 takes an integer and touches no memory; on
    // success it returns a new fd.
    unsafe { new_fd(syscall!(SYS_EPOLL_CREATE1, flags.bits() as usize)) }
}

const EPOLL_CTL_ADD: i32 = 1;
const EPOLL_CTL_DEL: i32 = 2;
const EPOLL_CTL_MOD: i32 = 3;

fn epoll_ctl(epfd: impl AsFd, op: i32, fd: impl AsFd, event: Option<&EpollEvent>) -> Result<(), Errno> {
    let (epfd, fd) = (epfd.as_fd(), fd.as_fd());
    let event = event.map_or(0, |event| event as *const EpollEvent as usize);
    // SAFETY: `event` is null or points at an `EpollEvent`, the kernel's
    // layout, borrowed for the call; the kernel only reads it.
    Errno::from_ret(unsafe { syscall!(SYS_EPOLL_CTL, fd_arg(epfd), int_arg(op), fd_arg(fd), event) })
        .map(drop)
}

/// `EPOLL_CTL_ADD`: watch `fd` (`EEXIST` if already watched).
pub fn epoll_add(epfd: impl AsFd, fd: impl AsFd, event: EpollEvent) -> Result<(), Errno> {
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, Some(&event))
}

/// `EPOLL_CTL_MOD`: change the interest or data of a watched `fd`
/// (`ENOENT` if not watched); also re-arms an `ONESHOT` registration.
pub fn epoll_modify(epfd: impl AsFd, fd: impl AsFd, event: EpollEvent) -> Result<(), Errno> {
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, Some(&event))
}

/// `EPOLL_CTL_DEL`: stop watching `fd` (`ENOENT` if not watched).
pub fn epoll_delete(epfd: impl AsFd, fd: impl AsFd) -> Result<(), Errno> {
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, None)
}

/// The `maxevents` argument: the buffer length, capped to what an `int`
/// holds. An empty buffer gives `EINVAL` from the kernel.
fn max_events(events: &[EpollEvent]) -> usize {
    events.len().min(i32::MAX as usize)
}

/// Waits for events, filling the front of `events`; returns how many.
///
/// `timeout_ms`: -1 blocks, 0 polls. With `sigmask`, the signal mask is
/// replaced by it for the duration of the wait.
pub fn epoll_pwait(
    epfd: impl AsFd,
    events: &mut [EpollEvent],
    timeout_ms: i32,
    sigmask: Option<&SigSet>,
) -> Result<usize, Errno> {
    let epfd = epfd.as_fd();
    let sigmask = sigmask.map_or(0, |set| set as *const SigSet as usize);
    // SAFETY: the kernel writes at most `max_events(events)` `EpollEvent`s
    // (its own layout) into `events`, exclusively borrowed; `sigmask` is
    // null or a `SigSet` of exactly `SIGSET_SIZE` bytes.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_EPOLL_PWAIT,
            fd_arg(epfd),
            events.as_mut_ptr() as usize,
            max_events(events),
            int_arg(timeout_ms),
            sigmask,
            abi::SIGSET_SIZE
        )
    })
}

/// Like [`epoll_pwait`] with a nanosecond timeout (`None` blocks).
///
/// Linux 5.11+; older kernels answer `ENOSYS`.
pub fn epoll_pwait2(
    epfd: impl AsFd,
    events: &mut [EpollEvent],
    timeout: Option<&Timespec>,
    sigmask: Option<&SigSet>,
) -> Result<usize, Errno> {
    let epfd = epfd.as_fd();
    let timeout = timeout.map_or(0, |ts| ts as *const Timespec as usize);
    let sigmask = sigmask.map_or(0, |set| set as *const SigSet as usize);
    // SAFETY: as in `epoll_pwait`; `timeout` is null or a `Timespec` in the
    // kernel's `__kernel_timespec` layout, only read.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_EPOLL_PWAIT2,
            fd_arg(epfd),
            events.as_mut_ptr() as usize,
            max_events(events),
            timeout,
            sigmask,
            abi::SIGSET_SIZE
        )
    })
}
