//! The Linux backend: epoll, and an edge-triggered eventfd as the wake
//! signal. Raw syscalls through [`crate::sys`]; no `unsafe` here.

use core::time::Duration;

use super::{Event, Interest, Mode, WAKER_TOKEN};
use crate::fd::{AsFd, BorrowedFd, OwnedFd};
use crate::sys::{self, EpollCreateFlags, EpollEvent, EpollFlags, EventfdFlags, Timespec};
use crate::time::{to_epoll_millis, to_timespec};
use crate::wake::WakeSignal;
use crate::Errno;

/// What `epoll_pwait` fills: the kernel's `struct epoll_event`.
pub(super) type RawEvent = EpollEvent;
/// What an [`Event`] keeps: the epoll bits as returned.
pub(super) type ReadyFlags = EpollFlags;

// `Interest` is the epoll bits themselves.
pub(super) const READABLE: u32 = EpollFlags::IN.bits();
pub(super) const WRITABLE: u32 = EpollFlags::OUT.bits();
pub(super) const READ_HANGUP: u32 = EpollFlags::RDHUP.bits();
pub(super) const PRIORITY: u32 = EpollFlags::PRI.bits();

pub(super) fn to_event(ev: &EpollEvent) -> Event {
    Event { token: ev.data, flags: ev.events }
}

pub(super) fn is_waker(ev: &EpollEvent) -> bool {
    ev.data == WAKER_TOKEN
}

// What each `Event` accessor looks for.
pub(super) const fn is_readable(f: EpollFlags) -> bool {
    f.intersects(EpollFlags::IN.union(EpollFlags::HUP).union(EpollFlags::ERR))
}
pub(super) const fn is_writable(f: EpollFlags) -> bool {
    f.intersects(EpollFlags::OUT.union(EpollFlags::ERR))
}
pub(super) const fn is_read_hangup(f: EpollFlags) -> bool {
    f.contains(EpollFlags::HUP) || f.contains(EpollFlags::IN.union(EpollFlags::RDHUP))
}
pub(super) const fn is_write_hangup(f: EpollFlags) -> bool {
    f.intersects(EpollFlags::HUP.union(EpollFlags::ERR))
}
pub(super) const fn is_hangup(f: EpollFlags) -> bool {
    f.contains(EpollFlags::HUP)
}
pub(super) const fn is_error(f: EpollFlags) -> bool {
    f.contains(EpollFlags::ERR)
}
pub(super) const fn is_priority(f: EpollFlags) -> bool {
    f.contains(EpollFlags::PRI)
}

fn mode_flags(mode: Mode) -> EpollFlags {
    match mode {
        Mode::Level => EpollFlags::empty(),
        Mode::Edge => EpollFlags::ET,
        Mode::Oneshot => EpollFlags::ONESHOT,
        Mode::EdgeOneshot => EpollFlags::ET.union(EpollFlags::ONESHOT),
    }
}

fn event(token: u64, interest: Interest, mode: Mode) -> EpollEvent {
    EpollEvent::new(EpollFlags::from_bits_retain(interest.bits()) | mode_flags(mode), token)
}

/// An epoll instance and the eventfd it is woken through.
#[derive(Debug)]
pub(super) struct Selector {
    epoll: OwnedFd,
    eventfd: OwnedFd,
}

/// `epoll_pwait2` (Linux 5.11+): where it is missing, every wait of every
/// poller uses `epoll_pwait`. (`epoll_pwait2` itself never fails with
/// `EPERM`: that is a seccomp profile's answer.)
static PWAIT2: sys::Optional = sys::Optional::new();

impl Selector {
    pub(super) fn new() -> Result<Self, Errno> {
        let epoll = sys::epoll_create1(EpollCreateFlags::CLOEXEC)?;
        let eventfd = sys::eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        // Edge-triggered: each raise is one event and nothing needs draining.
        sys::epoll_add(&epoll, &eventfd, EpollEvent::new(EpollFlags::IN | EpollFlags::ET, WAKER_TOKEN))?;
        Ok(Self { epoll, eventfd })
    }

    pub(super) fn register(
        &self,
        fd: BorrowedFd<'_>,
        token: u64,
        interest: Interest,
        mode: Mode,
    ) -> Result<(), Errno> {
        match sys::epoll_add(&self.epoll, fd, event(token, interest, mode)) {
            Err(Errno::EEXIST) => sys::epoll_modify(&self.epoll, fd, event(token, interest, mode)),
            other => other,
        }
    }

    pub(super) fn modify(
        &self,
        fd: BorrowedFd<'_>,
        token: u64,
        interest: Interest,
        mode: Mode,
    ) -> Result<(), Errno> {
        sys::epoll_modify(&self.epoll, fd, event(token, interest, mode))
    }

    pub(super) fn deregister(&self, fd: BorrowedFd<'_>) -> Result<(), Errno> {
        sys::epoll_delete(&self.epoll, fd)
    }

    /// One `epoll_pwait2`, or `epoll_pwait` where the kernel lacks it.
    pub(super) fn select(&self, buf: &mut [EpollEvent], timeout: Option<Duration>) -> Result<usize, Errno> {
        if PWAIT2.is_available() {
            let ts: Option<Timespec> = timeout.map(to_timespec);
            match sys::epoll_pwait2(&self.epoll, buf, ts.as_ref(), None) {
                Err(errno) if PWAIT2.is_missing_after(errno) => {}
                other => return other,
            }
        }
        sys::epoll_pwait(&self.epoll, buf, timeout.map_or(-1, to_epoll_millis), None)
    }

    pub(super) fn as_fd(&self) -> BorrowedFd<'_> {
        self.epoll.as_fd()
    }
}

/// The eventfd behind the waker, as the wake protocol's signal.
impl WakeSignal for Selector {
    fn raise(&self) -> Result<(), Errno> {
        sys::write(&self.eventfd, &1u64.to_ne_bytes()).map(drop)
    }

    fn reset(&self) -> Result<(), Errno> {
        let mut count = [0u8; 8];
        match sys::read(&self.eventfd, &mut count) {
            Ok(_) | Err(Errno::EAGAIN) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::{Events, Poller};

    #[test]
    fn a_full_eventfd_counter_is_reset_and_the_wake_delivered() {
        let poller = Poller::new().unwrap();
        sys::write(&poller.selector.eventfd, &(u64::MAX - 1).to_ne_bytes()).unwrap();
        let mut events = Events::<4>::new();
        // The fill itself raised an edge: consume it first.
        poller.wait(&mut events, None).unwrap();
        // The next write of 1 would overflow: EAGAIN, reset, raise.
        poller.wake().unwrap();
        poller.wait(&mut events, None).unwrap();
        assert!(events.is_woken());
    }
}
