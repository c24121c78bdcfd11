//! [`Poller`]: the readiness poller, with a fixed-capacity event buffer
//! and a built-in, deduplicated wakeup. One API, two backends:
//!
//! | system | backend | wakeup | tested |
//! |---|---|---|---|
//! | Linux | `epoll` (raw syscalls, `epoll.rs`) | an edge-triggered `eventfd` | by running: unit, integration and doc tests, on ten architectures under qemu |
//! | FreeBSD, macOS, DragonFly | `kqueue` (through libc, `kqueue.rs`) | `EVFILT_USER` with `EV_CLEAR`, raised with `NOTE_TRIGGER` | **compile-checked only** (`cargo check` for x86_64-unknown-freebsd, aarch64-apple-darwin and x86_64-apple-darwin; no such machine in CI), plus the loom model of the wake protocol, which is the same code on both |
//!
//! The wake protocol itself ([`crate::wake`]: deduplication, and which wait
//! reports a wakeup) is shared: each backend only supplies the kernel
//! signal.
//!
//! # One semantics on every backend
//!
//! - [`Poller::register`] of an fd already registered replaces its
//!   registration; [`Poller::modify`] and [`Poller::deregister`] give
//!   `ENOENT` for an fd not registered. An empty [`Interest`] is `EINVAL`.
//! - [`Mode::Oneshot`]: after one event the fd stays registered but
//!   disabled, until [`Poller::modify`] re-arms it.
//! - A wakeup is reported ([`Events::is_woken`]) by the wait that receives
//!   it, whatever its timeout: a zero-timeout poll sees it too.
//! - [`Event::is_read_hangup`] / [`Event::is_write_hangup`] follow mio's
//!   `is_read_closed` / `is_write_closed`.
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
//!
//! # Where kqueue differs
//!
//! The API and its types are the same; what the kernel reports differs:
//!
//! - kqueue watches reading and writing with two filters (`EVFILT_READ`,
//!   `EVFILT_WRITE`), each its own kernel event: an fd ready both ways may
//!   come back as **two [`Event`]s with the same token**, one readable,
//!   one writable. Each event answers the accessors for its filter.
//! - End of input is `EV_EOF` on the read filter: reported as readable and
//!   [`is_read_hangup`](Event::is_read_hangup) whether or not
//!   [`Interest::READ_HANGUP`] was asked for (asking for it alone watches
//!   the read filter). `EV_EOF` on the write filter is
//!   [`is_hangup`](Event::is_hangup); an error code with `EV_EOF` is
//!   [`is_error`](Event::is_error).
//! - [`Poller::register`] of an fd already registered updates it (no
//!   `EEXIST`), and regular files are accepted (always ready; epoll refuses
//!   them with `EPERM`). [`Poller::modify`] and [`Poller::deregister`]
//!   give `ENOENT` for an fd not registered, as on Linux.
//! - Timeouts have nanosecond precision and saturate at 10^6 s (about
//!   11.6 days; macOS rejects too long ones, and Go's runtime caps at the
//!   same value), after which a wait returns with no events.

use core::time::Duration;

use crate::fd::{AsFd, BorrowedFd};
use crate::time::Instant;
use crate::wake::WakeFlag;
use crate::Errno;

#[cfg(target_os = "linux")]
mod epoll;
#[cfg(target_os = "linux")]
use self::epoll as backend;

#[cfg(any(target_os = "freebsd", target_os = "macos", target_os = "dragonfly"))]
mod kqueue;
#[cfg(any(target_os = "freebsd", target_os = "macos", target_os = "dragonfly"))]
use self::kqueue as backend;

use self::backend::{RawEvent, ReadyFlags, Selector};

/// The token the waker is registered with; refused for user fds.
pub const WAKER_TOKEN: u64 = u64::MAX;

// The same auto traits on every backend (checked by each target's build).
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Poller>();
    send_sync::<Waker<'static>>();
    send_sync::<Events<1>>();
    send_sync::<Event>();
};

flags! {
    /// What readiness to be told about.
    ///
    /// A set: combine with `|` or [`add`](Self::add), take away with `-`
    /// or [`remove`](Self::remove) (in place), test with
    /// [`contains`](Self::contains), [`intersects`](Self::intersects) and
    /// [`is_empty`](Self::is_empty); `&` intersects, `!` complements
    /// within the named interests, [`all`](Self::all) is every one. (mio's
    /// `Interest::remove` returns `Option<Interest>`, `None` for an empty
    /// result; here the set may become empty, and registering an empty one
    /// is `EINVAL`.)
    ///
    /// ```
    /// use bareio::poll::Interest;
    ///
    /// let mut interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert_eq!(interest, Interest::BOTH);
    /// interest.remove(Interest::WRITABLE); // e.g. nothing left to write
    /// assert_eq!(interest, Interest::READABLE);
    /// assert_eq!(Interest::BOTH - Interest::READABLE, Interest::WRITABLE);
    /// assert_eq!(Interest::BOTH & Interest::WRITABLE, Interest::WRITABLE);
    /// assert!((!Interest::all()).is_empty());
    /// assert!((!Interest::READABLE).contains(Interest::WRITABLE | Interest::PRIORITY));
    /// interest.insert(Interest::READ_HANGUP);
    /// assert!(interest.contains(Interest::READABLE) && interest.intersects(Interest::READ_HANGUP));
    /// ```
    pub struct Interest: u32 {
        /// Readable (`EPOLLIN`; kqueue: `EVFILT_READ`): data, end of file,
        /// or a pending connection.
        const READABLE = backend::READABLE;
        /// Writable (`EPOLLOUT`; kqueue: `EVFILT_WRITE`).
        const WRITABLE = backend::WRITABLE;
        /// The peer shut down its writing side (`EPOLLRDHUP`; kqueue:
        /// `EV_EOF` on `EVFILT_READ`, always reported there).
        const READ_HANGUP = backend::READ_HANGUP;
        /// Priority data (`EPOLLPRI`): TCP urgent data, say. kqueue: accepted
        /// and never reported.
        const PRIORITY = backend::PRIORITY;
    }
}

impl Interest {
    /// Readable and writable.
    pub const BOTH: Self = Self::READABLE.union(Self::WRITABLE);

    /// `self` and `other` (mio's name for `|`, usable in a `const`).
    pub const fn add(self, other: Self) -> Self {
        self.union(other)
    }
}

/// When an fd's readiness is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Every wait while the fd is ready (level-triggered; kqueue: no
    /// `EV_CLEAR`).
    Level,
    /// Once per change to ready (`EPOLLET`; kqueue: `EV_CLEAR`): read or
    /// write until `EAGAIN`.
    Edge,
    /// Once, then disabled (still registered) until re-armed with
    /// [`Poller::modify`] (`EPOLLONESHOT`; kqueue: `EV_DISPATCH`, per
    /// filter).
    Oneshot,
    /// Edge-triggered and one-shot (`EPOLLET | EPOLLONESHOT`; kqueue:
    /// `EV_CLEAR | EV_DISPATCH`): one event per arm, then disabled until
    /// [`Poller::modify`] re-arms it, like [`Oneshot`](Self::Oneshot);
    /// re-arming reports readiness already there at that moment (epoll's
    /// `MOD` and kqueue's re-add both check it). For threads sharing one
    /// poller, where each event must go to one of them.
    EdgeOneshot,
}

/// One readiness event: the token the fd was registered with, and what
/// it is ready for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Event {
    token: u64,
    flags: ReadyFlags,
}

impl Event {
    /// The token given to [`Poller::register`].
    pub const fn token(&self) -> u64 {
        self.token
    }

    /// Readable (`EPOLLIN`; kqueue: `EVFILT_READ`), or hung up / in error,
    /// where a read will not block either: it returns end of file or the
    /// error.
    pub const fn is_readable(&self) -> bool {
        backend::is_readable(self.flags)
    }

    /// Writable (`EPOLLOUT`; kqueue: `EVFILT_WRITE`), or in error, where a
    /// write will not block: it writes, or fails. A write to a hung-up
    /// socket ([`is_write_hangup`](Self::is_write_hangup)) is reported
    /// writable too, and fails with `EPIPE`.
    pub const fn is_writable(&self) -> bool {
        backend::is_writable(self.flags)
    }

    /// The read side is closed: reads return end of file (or an error).
    ///
    /// As mio's `is_read_closed`: the peer shut down its writing side
    /// (`EPOLLRDHUP` with `EPOLLIN`, reported only for
    /// [`Interest::READ_HANGUP`]), or the connection hung up entirely
    /// (`EPOLLHUP`, always reported). kqueue: `EV_EOF` on `EVFILT_READ`.
    pub const fn is_read_hangup(&self) -> bool {
        backend::is_read_hangup(self.flags)
    }

    /// The write side is closed: writes fail (`EPIPE`, or the pending
    /// error). As mio's `is_write_closed`: `EPOLLHUP`, or `EPOLLERR`.
    /// kqueue: `EV_EOF` on `EVFILT_WRITE`, or an error.
    pub const fn is_write_hangup(&self) -> bool {
        backend::is_write_hangup(self.flags)
    }

    /// Both directions are closed (`EPOLLHUP`; kqueue: `EV_EOF` on
    /// `EVFILT_WRITE`, the writing side is closed).
    pub const fn is_hangup(&self) -> bool {
        backend::is_hangup(self.flags)
    }

    /// An error is pending (`EPOLLERR`; kqueue: `EV_EOF` with an error
    /// code): on Linux, read it with `bareio::sys::take_socket_error`.
    pub const fn is_error(&self) -> bool {
        backend::is_error(self.flags)
    }

    /// Priority data is pending (`EPOLLPRI`, reported for
    /// [`Interest::PRIORITY`]): TCP urgent data, an exceptional condition
    /// on a pseudo-terminal or a sysfs/cgroup file. kqueue: never (FreeBSD
    /// has no exception filter).
    pub const fn is_priority(&self) -> bool {
        backend::is_priority(self.flags)
    }

    /// The raw epoll bits (Linux only).
    #[cfg(target_os = "linux")]
    pub const fn flags(&self) -> crate::sys::EpollFlags {
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
    buf: [RawEvent; N],
    len: usize,
    woken: bool,
}

impl<const N: usize> Events<N> {
    const NONZERO: () = assert!(N > 0, "Events<N> needs N > 0");

    /// An empty buffer (a const, so it can live in a `static`).
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::NONZERO;
        Self { buf: [RawEvent::ZERO; N], len: 0, woken: false }
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

    /// The events of the last wait (also `for event in &events`).
    pub fn iter(&self) -> EventsIter<'_> {
        EventsIter { inner: self.buf[..self.len].iter() }
    }

    /// Empties the buffer and forgets the wakeup, as each wait does before
    /// it fills it (so events handled already are not seen twice when an
    /// event loop passes the buffer around).
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use bareio::poll::{Events, Poller};
    ///
    /// let poller = Poller::new()?;
    /// let mut events = Events::<4>::new();
    /// poller.wake()?;
    /// poller.wait(&mut events, None)?;
    /// assert!(events.is_woken());
    /// events.clear();
    /// assert!(!events.is_woken() && events.is_empty());
    /// # }
    /// # Ok::<(), bareio::Errno>(())
    /// ```
    pub fn clear(&mut self) {
        self.len = 0;
        self.woken = false;
    }
}

/// `for event in &events`: the events of the last wait, as
/// [`Events::iter`].
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::poll::{Events, Interest, Mode, Poller};
/// use bareio::sys::{pipe2, write, PipeFlags};
///
/// let poller = Poller::new()?;
/// let (r, w) = pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC)?;
/// poller.register(&r, 3, Interest::READABLE, Mode::Edge)?;
/// write(&w, b"!")?;
/// let mut events = Events::<8>::new();
/// poller.wait(&mut events, None)?;
/// for event in &events {
///     assert_eq!((event.token(), event.is_readable()), (3, true));
/// }
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
impl<'a, const N: usize> IntoIterator for &'a Events<N> {
    type Item = Event;
    type IntoIter = EventsIter<'a>;

    fn into_iter(self) -> EventsIter<'a> {
        self.iter()
    }
}

/// The iterator of [`Events::iter`] and `&Events`.
#[derive(Clone)]
pub struct EventsIter<'a> {
    inner: core::slice::Iter<'a, RawEvent>,
}

impl Iterator for EventsIter<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.inner.next().map(backend::to_event)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for EventsIter<'_> {
    fn next_back(&mut self) -> Option<Event> {
        self.inner.next_back().map(backend::to_event)
    }
}

impl ExactSizeIterator for EventsIter<'_> {}

impl core::iter::FusedIterator for EventsIter<'_> {}

impl core::fmt::Debug for EventsIter<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<const N: usize> Default for Events<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::fmt::Debug for Events<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Events").field("woken", &self.woken).field("events", &self.iter()).finish()
    }
}

/// A readiness poller (epoll or kqueue) with a built-in waker.
///
/// All methods take `&self`: one thread can [`wait`](Poller::wait) while
/// others register fds or call [`wake`](Poller::wake). Nothing allocates.
#[derive(Debug)]
pub struct Poller {
    /// The backend: the kernel queue, and the wake signal inside it.
    selector: Selector,
    wake_flag: WakeFlag,
}

impl Poller {
    /// Creates the kernel queue (epoll, or kqueue) and its waker (an
    /// eventfd, or an `EVFILT_USER` event), all `CLOEXEC`.
    pub fn new() -> Result<Self, Errno> {
        Ok(Self { selector: Selector::new()?, wake_flag: WakeFlag::new() })
    }

    /// Starts watching `fd`, reporting its events with `token`; for an fd
    /// already registered, replaces its token, interest and mode (as
    /// [`modify`](Self::modify) does), on every backend.
    ///
    /// Errors: `EBADF` if `fd` is not open, `EPERM` for fds epoll cannot
    /// watch (regular files), `EINVAL` for an empty `interest` (nothing to
    /// watch) and for [`WAKER_TOKEN`], which is reserved. Tokens are 64
    /// bits; on 32-bit FreeBSD and macOS, where kqueue keeps a pointer,
    /// those above `u32::MAX` are `EINVAL`.
    pub fn register(&self, fd: impl AsFd, token: u64, interest: Interest, mode: Mode) -> Result<(), Errno> {
        self.selector.register(fd.as_fd(), user_token(token)?, watched(interest)?, mode)
    }

    /// Changes the token, interest or mode of a registered `fd`, and
    /// re-arms a [`Mode::Oneshot`] registration that fired (it stays
    /// registered, disabled, until then). `ENOENT` if not registered;
    /// otherwise the errors of [`register`](Self::register).
    pub fn modify(&self, fd: impl AsFd, token: u64, interest: Interest, mode: Mode) -> Result<(), Errno> {
        self.selector.modify(fd.as_fd(), user_token(token)?, watched(interest)?, mode)
    }

    /// Stops watching `fd`. `ENOENT` if not registered.
    ///
    /// Closing an fd removes it too, unless it was duplicated: epoll
    /// watches the open file, not the number (kqueue removes it on the
    /// close of that number).
    pub fn deregister(&self, fd: impl AsFd) -> Result<(), Errno> {
        self.selector.deregister(fd.as_fd())
    }

    /// Makes the current or next [`wait`](Poller::wait) return, from any
    /// thread. Deduplicated: until a wait consumes the wakeup, further
    /// calls make no syscall.
    ///
    /// Async-signal-safe (an atomic swap and at most a `write`/`kevent`, no
    /// lock, no allocation): a signal handler calls it to end a blocking
    /// wait, which a signal alone does not (`EINTR` is retried; see
    /// `tests/signal_wake.rs`).
    pub fn wake(&self) -> Result<(), Errno> {
        self.wake_flag.wake(&self.selector)
    }

    /// A handle that can only wake this poller, to give to other threads.
    pub fn waker(&self) -> Waker<'_> {
        Waker { poller: self }
    }

    /// Waits for events and fills `events` (up to `N`); returns how many.
    ///
    /// `timeout`: `None` blocks until an event or a wakeup; `Some(ZERO)`
    /// polls without blocking; otherwise waits at most that long. On Linux
    /// with nanosecond precision on 5.11+ (`epoll_pwait2`) and whole
    /// milliseconds, rounded up, before (so 1 ns waits 1 ms, never 0);
    /// durations too long for the kernel saturate (about 292 years with
    /// `epoll_pwait2`, 24.8 days with `epoll_pwait`). With kqueue: with
    /// nanosecond precision, saturating at 10^6 s.
    ///
    /// A signal interrupting the wait (`EINTR`) does not end it: a blocking
    /// wait is retried, a timed one retried with the time left. To end a
    /// wait from a signal handler, call [`wake`](Self::wake) in it.
    ///
    /// Returns with zero events on timeout, or when woken:
    /// [`Events::is_woken`] tells.
    pub fn wait<const N: usize>(
        &self,
        events: &mut Events<N>,
        timeout: Option<Duration>,
    ) -> Result<usize, Errno> {
        match timeout {
            Some(t) if !t.is_zero() => {
                let now = Instant::now()?;
                self.wait_until(events, Some(now.saturating_add(t)), now)
            }
            _ => self.select_retrying(events, timeout, None),
        }
    }

    /// Like [`wait`](Self::wait), until `deadline` (`None`: no deadline;
    /// one at or before `now` polls), where `now` is the caller's reading
    /// of the clock ([`Instant::now`]). An event loop that reads the clock
    /// once per turn (for its timers, say) passes that reading, and the
    /// wait reads the clock only if a signal interrupts it, to retry with
    /// the time left. (`wait` with a timeout reads it once more.)
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use core::time::Duration;
    /// use bareio::poll::{Events, Poller};
    /// use bareio::time::Instant;
    ///
    /// let poller = Poller::new()?;
    /// let mut events = Events::<8>::new();
    /// let now = Instant::now()?;
    /// let deadline = now.saturating_add(Duration::from_millis(5));
    /// assert_eq!(poller.wait_until(&mut events, Some(deadline), now)?, 0);
    /// assert!(Instant::now()? >= deadline);
    /// # }
    /// # Ok::<(), bareio::Errno>(())
    /// ```
    pub fn wait_until<const N: usize>(
        &self,
        events: &mut Events<N>,
        deadline: Option<Instant>,
        now: Instant,
    ) -> Result<usize, Errno> {
        let timeout = deadline.map(|deadline| deadline.saturating_duration_since(now));
        self.select_retrying(events, timeout, deadline.filter(|_| timeout != Some(Duration::ZERO)))
    }

    /// One wait for `timeout`, retried on `EINTR` (until `deadline`, if
    /// given, with the time left), and the wakeup taken out.
    fn select_retrying<const N: usize>(
        &self,
        events: &mut Events<N>,
        timeout: Option<Duration>,
        deadline: Option<Instant>,
    ) -> Result<usize, Errno> {
        events.clear();
        let mut left = timeout;
        let n = loop {
            match self.selector.select(&mut events.buf, left) {
                Err(Errno::EINTR) => {
                    if let Some(deadline) = deadline {
                        left = Some(deadline.saturating_duration_since(Instant::now()?));
                    }
                }
                other => break other?,
            }
        };
        events.len = self.take_wakeup(&mut events.buf[..n], &mut events.woken);
        Ok(events.len)
    }

    /// Removes the waker's event from the `n` returned, if present, and
    /// consumes the wakeup. Returns the count of the others.
    fn take_wakeup(&self, returned: &mut [RawEvent], woken: &mut bool) -> usize {
        let mut n = returned.len();
        // First whether the waker is there at all, in a loop with no early
        // exit (no branch per event; the optimiser unrolls it), since it
        // mostly is not; then where.
        let any = returned.iter().fold(false, |any, ev| any | backend::is_waker(ev));
        let at = if any { returned.iter().position(backend::is_waker) } else { None };
        if let Some(i) = at {
            // Keep the kernel's order of the rest: shift them down by one
            // (no call when the waker's event is the last).
            if i + 1 < n {
                returned.copy_within(i + 1.., i);
            }
            n -= 1;
            self.wake_flag.observe();
            *woken = true;
        }
        n
    }
}

/// `interest`, unless it watches nothing (`EINVAL`).
fn watched(interest: Interest) -> Result<Interest, Errno> {
    if interest.is_empty() {
        Err(Errno::EINVAL)
    } else {
        Ok(interest)
    }
}

/// `token`, unless it is the reserved [`WAKER_TOKEN`] (`EINVAL`).
fn user_token(token: u64) -> Result<u64, Errno> {
    if token == WAKER_TOKEN {
        Err(Errno::EINVAL)
    } else {
        Ok(token)
    }
}

impl AsFd for Poller {
    /// The epoll or kqueue fd, e.g. to nest this poller in another one.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.selector.as_fd()
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
