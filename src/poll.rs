//! [`Poller`]: epoll with a fixed-capacity event buffer and a built-in,
//! deduplicated eventfd wakeup.
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use core::time::Duration;
//! use bareio::poll::{Events, Interest, Mode, Poller};
//! use bareio::sys::{pipe2, write, PipeFlags};
//!
//! let poller = Poller::new()?;
//! let (reader, writer) = pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC)?;
//! poller.register(&reader, 7, Interest::READABLE, Mode::Level)?;
//!
//! let mut events = Events::<16>::new();
//! poller.wait(&mut events, Some(Duration::ZERO))?;
//! assert!(events.is_empty());
//!
//! write(&writer, b"x")?;
//! poller.wait(&mut events, None)?;
//! let event = events.iter().next().unwrap();
//! assert_eq!(event.token(), 7);
//! assert!(event.is_readable());
//!
//! // From any thread holding `&poller` (no `Arc` needed, e.g. scoped threads):
//! poller.wake()?;
//! poller.wait(&mut events, None)?;
//! assert!(events.is_woken());
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```

use core::time::Duration;

use crate::fd::{AsFd, OwnedFd};
use crate::sync::{AtomicBool, Ordering};
use crate::sys::{self, EpollCreateFlags, EpollEvent, EpollFlags, EventfdFlags, Timespec};
use crate::time::{deadline_after, remaining_until, to_epoll_millis, to_timespec};
use crate::wake::{WakeFlag, WakeSignal};
use crate::Errno;

/// The token the waker's eventfd is registered with; refused for user fds.
pub const WAKER_TOKEN: u64 = u64::MAX;

flags! {
    /// What readiness to be told about.
    pub struct Interest: u32 {
        /// Readable (`EPOLLIN`): data, end of file, or a pending connection.
        const READABLE = EpollFlags::IN.bits();
        /// Writable (`EPOLLOUT`).
        const WRITABLE = EpollFlags::OUT.bits();
        /// The peer shut down its writing side (`EPOLLRDHUP`).
        const READ_HANGUP = EpollFlags::RDHUP.bits();
    }
}

impl Interest {
    /// Readable and writable.
    pub const BOTH: Self = Self::READABLE.union(Self::WRITABLE);
}

/// When an fd's readiness is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Every wait while the fd is ready (level-triggered).
    Level,
    /// Once per change to ready (`EPOLLET`): read or write until `EAGAIN`.
    Edge,
    /// Once, then disabled until re-armed with [`Poller::modify`]
    /// (`EPOLLONESHOT`).
    Oneshot,
}

impl Mode {
    fn flags(self) -> EpollFlags {
        match self {
            Self::Level => EpollFlags::empty(),
            Self::Edge => EpollFlags::ET,
            Self::Oneshot => EpollFlags::ONESHOT,
        }
    }
}

/// One readiness event: the token the fd was registered with, and what
/// it is ready for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Event {
    token: u64,
    flags: EpollFlags,
}

impl Event {
    /// The token given to [`Poller::register`].
    pub const fn token(&self) -> u64 {
        self.token
    }

    /// Readable (`EPOLLIN`), or hung up / in error, where a read will not
    /// block either: it returns end of file or the error.
    pub const fn is_readable(&self) -> bool {
        self.flags.intersects(EpollFlags::IN.union(EpollFlags::HUP).union(EpollFlags::ERR))
    }

    /// Writable (`EPOLLOUT`), or in error, where a write will not block.
    pub const fn is_writable(&self) -> bool {
        self.flags.intersects(EpollFlags::OUT.union(EpollFlags::ERR))
    }

    /// The peer shut down its writing side (`EPOLLRDHUP`, if registered).
    pub const fn is_read_hangup(&self) -> bool {
        self.flags.contains(EpollFlags::RDHUP)
    }

    /// Both directions are closed (`EPOLLHUP`).
    pub const fn is_hangup(&self) -> bool {
        self.flags.contains(EpollFlags::HUP)
    }

    /// An error is pending (`EPOLLERR`): read it with
    /// [`take_socket_error`](crate::sys::take_socket_error).
    pub const fn is_error(&self) -> bool {
        self.flags.contains(EpollFlags::ERR)
    }

    /// The raw epoll bits.
    pub const fn flags(&self) -> EpollFlags {
        self.flags
    }
}

impl core::fmt::Debug for Event {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Event").field("token", &self.token).field("flags", &self.flags).finish()
    }
}

/// A fixed-capacity buffer of up to `N` events, filled by [`Poller::wait`].
///
/// When more fds are ready than `N`, the kernel keeps the rest queued and
/// the next waits deliver them (level-triggered fds rotate to the back of
/// the ready list, so every one is reported in turn).
pub struct Events<const N: usize> {
    buf: [EpollEvent; N],
    len: usize,
    woken: bool,
}

impl<const N: usize> Events<N> {
    const NONZERO: () = assert!(N > 0, "Events<N> needs N > 0");

    /// An empty buffer (a const, so it can live in a `static`).
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::NONZERO;
        Self { buf: [EpollEvent::ZERO; N], len: 0, woken: false }
    }

    /// Number of events.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// No events (a wakeup alone leaves the buffer empty).
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The buffer's capacity, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Whether the last wait consumed a [`Poller::wake`].
    pub const fn is_woken(&self) -> bool {
        self.woken
    }

    /// The events of the last wait.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Event> + '_ {
        self.buf[..self.len].iter().map(|ev| Event { token: ev.data, flags: ev.events })
    }

    fn clear(&mut self) {
        self.len = 0;
        self.woken = false;
    }
}

impl<const N: usize> Default for Events<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::fmt::Debug for Events<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Events").field("woken", &self.woken).field("events", &Iter(self)).finish()
    }
}

struct Iter<'a, const N: usize>(&'a Events<N>);

impl<const N: usize> core::fmt::Debug for Iter<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

/// The eventfd behind the waker, as the wake protocol's signal.
#[derive(Debug)]
struct EventfdSignal(OwnedFd);

impl WakeSignal for EventfdSignal {
    fn raise(&self) -> Result<(), Errno> {
        sys::write(&self.0, &1u64.to_ne_bytes()).map(drop)
    }

    fn reset(&self) -> Result<(), Errno> {
        let mut count = [0u8; 8];
        match sys::read(&self.0, &mut count) {
            Ok(_) | Err(Errno::EAGAIN) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// An epoll instance with a built-in waker.
///
/// All methods take `&self`: one thread can [`wait`](Poller::wait) while
/// others register fds or call [`wake`](Poller::wake). Nothing allocates.
#[derive(Debug)]
pub struct Poller {
    epoll: OwnedFd,
    signal: EventfdSignal,
    wake_flag: WakeFlag,
    /// Cleared on the first `ENOSYS` from `epoll_pwait2` (Linux < 5.11).
    has_pwait2: AtomicBool,
}

impl Poller {
    /// Creates the epoll instance and its eventfd waker (both `CLOEXEC`).
    pub fn new() -> Result<Self, Errno> {
        let epoll = sys::epoll_create1(EpollCreateFlags::CLOEXEC)?;
        let eventfd = sys::eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        // Edge-triggered: each raise is one event and nothing needs draining.
        sys::epoll_add(&epoll, &eventfd, EpollEvent::new(EpollFlags::IN | EpollFlags::ET, WAKER_TOKEN))?;
        Ok(Self {
            epoll,
            signal: EventfdSignal(eventfd),
            wake_flag: WakeFlag::new(),
            has_pwait2: AtomicBool::new(true),
        })
    }

    /// Starts watching `fd`, reporting its events with `token`.
    ///
    /// Errors: `EEXIST` if `fd` is already registered, `EBADF` if it is not
    /// open, `EPERM` for fds epoll cannot watch (regular files), `EINVAL`
    /// for [`WAKER_TOKEN`], which is reserved.
    pub fn register(&self, fd: impl AsFd, token: u64, interest: Interest, mode: Mode) -> Result<(), Errno> {
        sys::epoll_add(&self.epoll, fd, Self::event(token, interest, mode)?)
    }

    /// Changes the token, interest or mode of a registered `fd`, and
    /// re-arms a [`Mode::Oneshot`] registration. `ENOENT` if not registered.
    pub fn modify(&self, fd: impl AsFd, token: u64, interest: Interest, mode: Mode) -> Result<(), Errno> {
        sys::epoll_modify(&self.epoll, fd, Self::event(token, interest, mode)?)
    }

    /// Stops watching `fd`. `ENOENT` if not registered.
    ///
    /// Closing an fd removes it too, unless it was duplicated: epoll
    /// watches the open file, not the number.
    pub fn deregister(&self, fd: impl AsFd) -> Result<(), Errno> {
        sys::epoll_delete(&self.epoll, fd)
    }

    fn event(token: u64, interest: Interest, mode: Mode) -> Result<EpollEvent, Errno> {
        if token == WAKER_TOKEN {
            return Err(Errno::EINVAL);
        }
        Ok(EpollEvent::new(EpollFlags::from_bits_retain(interest.bits()) | mode.flags(), token))
    }

    /// Makes the current or next [`wait`](Poller::wait) return, from any
    /// thread. Deduplicated: until a wait consumes the wakeup, further
    /// calls make no syscall.
    pub fn wake(&self) -> Result<(), Errno> {
        self.wake_flag.wake(&self.signal)
    }

    /// A handle that can only wake this poller, to give to other threads.
    pub fn waker(&self) -> Waker<'_> {
        Waker { poller: self }
    }

    /// Waits for events and fills `events` (up to `N`); returns how many.
    ///
    /// `timeout`: `None` blocks until an event or a wakeup; `Some(ZERO)`
    /// polls without blocking; otherwise waits at most that long, with
    /// nanosecond precision on Linux 5.11+ (`epoll_pwait2`) and whole
    /// milliseconds, rounded up, before (so 1 ns waits 1 ms, never 0).
    /// Durations too long for the kernel saturate (about 292 years with
    /// `epoll_pwait2`, 24.8 days with `epoll_pwait`).
    ///
    /// A signal interrupting the wait (`EINTR`) does not end it: a blocking
    /// wait is retried, a timed one retried with the time left.
    ///
    /// Returns with zero events on timeout, or when woken:
    /// [`Events::is_woken`] tells.
    pub fn wait<const N: usize>(
        &self,
        events: &mut Events<N>,
        timeout: Option<Duration>,
    ) -> Result<usize, Errno> {
        events.clear();
        let blocking = timeout != Some(Duration::ZERO);
        let deadline = match timeout {
            Some(t) if !t.is_zero() => Some(deadline_after(t)?),
            _ => None,
        };
        let mut left = timeout;
        let n = loop {
            match self.epoll_wait(&mut events.buf, left) {
                Err(Errno::EINTR) => {
                    if let Some(deadline) = deadline {
                        left = Some(remaining_until(deadline)?);
                    }
                }
                other => break other?,
            }
        };
        events.len = self.take_wakeup(&mut events.buf[..n], blocking, &mut events.woken)?;
        Ok(events.len)
    }

    /// One `epoll_pwait2`, or `epoll_pwait` where the kernel lacks it.
    fn epoll_wait(&self, buf: &mut [EpollEvent], timeout: Option<Duration>) -> Result<usize, Errno> {
        if self.has_pwait2.load(Ordering::Relaxed) {
            let ts: Option<Timespec> = timeout.map(to_timespec);
            match sys::epoll_pwait2(&self.epoll, buf, ts.as_ref(), None) {
                Err(Errno::ENOSYS) => self.has_pwait2.store(false, Ordering::Relaxed),
                other => return other,
            }
        }
        sys::epoll_pwait(&self.epoll, buf, timeout.map_or(-1, to_epoll_millis), None)
    }

    /// Removes the waker's event from the `n` returned, if present, and
    /// runs the wake protocol on it. Returns the count of the others.
    fn take_wakeup(
        &self,
        returned: &mut [EpollEvent],
        blocking: bool,
        woken: &mut bool,
    ) -> Result<usize, Errno> {
        let mut n = returned.len();
        if let Some(i) = returned.iter().position(|ev| ev.data == WAKER_TOKEN) {
            // Keep the kernel's order of the rest: shift them down by one.
            returned.copy_within(i + 1.., i);
            n -= 1;
            *woken = self.wake_flag.observe(&self.signal, blocking)?;
        }
        Ok(n)
    }

    /// Registers the waker's eventfd counter as full (test hook).
    #[cfg(test)]
    fn fill_wake_counter(&self) {
        sys::write(&self.signal.0, &(u64::MAX - 1).to_ne_bytes()).unwrap();
    }
}

impl AsFd for Poller {
    /// The epoll fd, e.g. to nest this poller in another one.
    fn as_fd(&self) -> crate::fd::BorrowedFd<'_> {
        self.epoll.as_fd()
    }
}

/// A borrowed handle that wakes a [`Poller`]; `Copy`, `Send` and `Sync`.
#[derive(Clone, Copy, Debug)]
pub struct Waker<'p> {
    poller: &'p Poller,
}

impl Waker<'_> {
    /// See [`Poller::wake`].
    pub fn wake(&self) -> Result<(), Errno> {
        self.poller.wake()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_eventfd_counter_is_reset_and_the_wake_delivered() {
        let poller = Poller::new().unwrap();
        poller.fill_wake_counter();
        let mut events = Events::<4>::new();
        // The fill itself raised an edge: consume it first.
        poller.wait(&mut events, None).unwrap();
        // The next write of 1 would overflow: EAGAIN, reset, raise.
        poller.wake().unwrap();
        poller.wait(&mut events, None).unwrap();
        assert!(events.is_woken());
    }

    /// The `epoll_pwait` path (kernels before 5.11): a 1 ns timeout must
    /// sleep a whole millisecond, not turn into a 0 ms busy poll. A lower
    /// bound only: the kernel never ends a timed wait early.
    #[test]
    fn without_pwait2_a_nanosecond_wait_sleeps_at_least_a_millisecond() {
        let poller = Poller::new().unwrap();
        poller.has_pwait2.store(false, Ordering::Relaxed);
        let mut events = Events::<4>::new();
        for _ in 0..3 {
            let start = crate::time::now().unwrap();
            assert_eq!(poller.wait(&mut events, Some(Duration::from_nanos(1))), Ok(0));
            let slept = crate::time::now().unwrap() - start;
            assert!(slept >= Duration::from_millis(1), "slept {slept:?}");
        }
        // Events and wakeups still arrive through `epoll_pwait`.
        poller.wake().unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(3600))), Ok(0));
        assert!(events.is_woken());
        assert!(!poller.has_pwait2.load(Ordering::Relaxed));
    }
}
