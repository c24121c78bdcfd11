//! Deadlines keyed by the caller's token: [`Timers`], a fixed-capacity
//! indexed min-heap, no allocation.
//!
//! This is Go's netpoll deadline (`SetDeadline`) as a building block: each
//! key (a connection's slot index, say) has at most one deadline; setting
//! it again moves it, cancelling removes it, and the event loop asks for the
//! earliest one to bound its wait and takes the expired ones in order.
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use core::time::Duration;
//! use bareio::poll::{Events, Poller};
//! use bareio::time::Instant;
//! use bareio::timer::Timers;
//!
//! const IDLE: Duration = Duration::from_millis(1);
//! let poller = Poller::new()?;
//! let mut events = Events::<16>::new();
//! let mut timers = Timers::<64>::new();
//!
//! let now = Instant::now()?;
//! timers.set(7, now.saturating_add(IDLE)).unwrap(); // connection 7 opened
//! timers.set(3, now.saturating_add(IDLE * 2)).unwrap(); // connection 3 opened
//! let mut closed = Vec::new();
//! while !timers.is_empty() {
//!     // One wait, bounded by the earliest deadline; one clock read per turn.
//!     poller.wait(&mut events, timers.timeout(Instant::now()?))?;
//!     let now = Instant::now()?;
//!     // (activity on a connection would `set` its deadline again here)
//!     while let Some((key, _deadline)) = timers.pop_expired(now) {
//!         closed.push(key); // idle for too long: close it
//!     }
//! }
//! assert_eq!(closed, [7, 3]);
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```
//!
//! # Cost and memory
//!
//! Setting, moving and cancelling a deadline are O(log n) (an 8-ary heap:
//! a third of the depth of a binary one, and the eight children's
//! deadlines fit in a 64-byte cache line); the earliest deadline is O(1). A `Timers<N>` is 16 bytes
//! per key plus one word, and `Timers::new()` is **all zero bytes**, so a
//! `static` holding one lands in `.bss` (see [`crate::cell::StaticCell`]):
//! no file size, and no memory until its pages are touched; the heap part
//! is touched only as far as the number of deadlines set at once.

use core::fmt;
use core::time::Duration;

use crate::time::Instant;

/// Children per heap node. Measured in `benches/timer.rs` (ns per relay
/// step, 8,192 keys): 2: 19.2, 4: 14.4, 8: 11.8, 16: 11.6. 8 it is: the
/// eight children's deadlines are one 64-byte line, and a pop or cancel
/// compares 7 children a level where 16 would compare 15.
const ARITY: usize = 8;

/// A key given to [`Timers`] was not below its capacity `N`.
///
/// ```
/// use bareio::time::Instant;
/// use bareio::timer::Timers;
///
/// let mut timers = Timers::<4>::new();
/// let err = timers.set(4, Instant::ZERO).unwrap_err();
/// assert_eq!((err.key(), err.capacity()), (4, 4));
/// assert_eq!(err.to_string(), "timer key 4 out of range (capacity 4)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyOutOfRange {
    key: usize,
    capacity: usize,
}

impl KeyOutOfRange {
    /// The key that was given.
    pub fn key(&self) -> usize {
        self.key
    }

    /// The capacity it was not below.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl fmt::Display for KeyOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timer key {} out of range (capacity {})", self.key, self.capacity)
    }
}

impl core::error::Error for KeyOutOfRange {}

/// At most one deadline for each key in `0..N`; the earliest first.
///
/// Expired means *reached*: a deadline `d` has expired at `now` when
/// `d <= now`. Entries come out in ascending deadline order, equal
/// deadlines by ascending key. Keys out of range are an error
/// ([`KeyOutOfRange`]) where they change something, and have no deadline
/// where they are only looked up; nothing panics. See [the module
/// docs](self) for an event loop.
///
/// `N` must fit in a `u32` (checked when the program is built).
///
/// ```
/// use core::time::Duration;
/// use bareio::time::Instant;
/// use bareio::timer::Timers;
///
/// let at = Instant::from_nanos;
/// let mut timers = Timers::<8>::new();
/// assert_eq!(timers.set(5, at(300)), Ok(None));
/// assert_eq!(timers.set(2, at(100)), Ok(None));
/// assert_eq!(timers.set(6, at(100)), Ok(None));
/// assert_eq!(timers.set(5, at(50)), Ok(Some(at(300)))); // moved earlier
/// assert_eq!(timers.cancel(6), Ok(Some(at(100))));
/// assert_eq!(timers.earliest(), Some((5, at(50))));
/// assert_eq!(timers.timeout(at(20)), Some(Duration::from_nanos(30)));
/// assert_eq!(timers.pop_expired(at(100)), Some((5, at(50))));
/// assert_eq!(timers.pop_expired(at(100)), Some((2, at(100))));
/// assert_eq!(timers.pop_expired(at(100)), None);
/// assert!(timers.is_empty());
/// ```
#[derive(Clone)]
pub struct Timers<const N: usize> {
    /// The heap's deadlines (nanoseconds), in heap order: `deadlines[i]` is
    /// no later than its children's, `ARITY * i + 1 ..= ARITY * i + ARITY`.
    deadlines: [u64; N],
    /// The key of each heap entry, parallel to `deadlines`.
    keys: [u32; N],
    /// For each key: its heap position plus one, or 0 when it has no
    /// deadline (so that the empty set is all zero bytes).
    positions: [u32; N],
    /// Heap entries in use: `deadlines[..len]`, `keys[..len]`.
    len: usize,
}

impl<const N: usize> Timers<N> {
    /// Positions plus one and keys are `u32`: refuse, at build time, an `N`
    /// they cannot hold.
    const N_FITS_U32: () = assert!(N <= u32::MAX as usize, "Timers<N>: N must fit in a u32");

    /// No deadlines. All zero bytes: in a `static` it takes no file space
    /// and no memory until used. (On the stack it is 16 bytes a key: keep
    /// large ones in a `static`, see [`crate::cell::StaticCell`].)
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)] // evaluates the build-time check
        let () = Self::N_FITS_U32;
        Self { deadlines: [0; N], keys: [0; N], positions: [0; N], len: 0 }
    }

    /// The number of keys, `N`: keys are `0..N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Keys that have a deadline.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no key has a deadline.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets `key`'s deadline, moving it if it had one; returns the previous
    /// one.
    pub fn set(&mut self, key: usize, deadline: Instant) -> Result<Option<Instant>, KeyOutOfRange> {
        let at = deadline.as_nanos();
        match self.position(key)? {
            Some(pos) => {
                let previous = self.deadlines[pos];
                self.deadlines[pos] = at;
                if at < previous {
                    self.sift_up(pos);
                } else {
                    self.sift_down(pos);
                }
                Ok(Some(Instant::from_nanos(previous)))
            }
            None => {
                // A key below N has a free heap entry: at most N keys are in.
                let pos = self.len;
                self.len += 1;
                self.put(pos, (at, key as u32));
                self.sift_up(pos);
                Ok(None)
            }
        }
    }

    /// Removes `key`'s deadline; returns it (`None` if it had none).
    pub fn cancel(&mut self, key: usize) -> Result<Option<Instant>, KeyOutOfRange> {
        Ok(self.position(key)?.map(|pos| self.remove_at(pos)))
    }

    /// `key`'s deadline; `None` if it has none (or is out of range).
    pub fn deadline(&self, key: usize) -> Option<Instant> {
        let pos = self.positions.get(key).copied().unwrap_or(0);
        pos.checked_sub(1).map(|pos| Instant::from_nanos(self.deadlines[pos as usize]))
    }

    /// Whether `key` has a deadline.
    pub fn contains(&self, key: usize) -> bool {
        self.positions.get(key).is_some_and(|&pos| pos != 0)
    }

    /// The earliest deadline and its key (the lowest key among equal
    /// deadlines), in O(1).
    pub fn earliest(&self) -> Option<(usize, Instant)> {
        (self.len > 0).then(|| self.entry(0))
    }

    /// The wait until the earliest deadline, ready for `Poller::wait`:
    /// `None` when there are no deadlines (block), zero when one has
    /// already expired at `now` (poll, then take it with `pop_expired`).
    pub fn timeout(&self, now: Instant) -> Option<Duration> {
        self.earliest().map(|(_, deadline)| deadline.saturating_duration_since(now))
    }

    /// Removes and returns the earliest entry if it has expired at `now`
    /// (`deadline <= now`). Call until `None` to take every expired one, in
    /// order.
    pub fn pop_expired(&mut self, now: Instant) -> Option<(usize, Instant)> {
        match self.earliest() {
            Some((_, deadline)) if deadline <= now => self.pop(),
            _ => None,
        }
    }

    /// Removes and returns the earliest entry, expired or not.
    pub fn pop(&mut self) -> Option<(usize, Instant)> {
        let first = self.earliest()?;
        self.remove_at(0);
        Some(first)
    }

    /// Removes every deadline, in O(len): pages of keys without one are not
    /// touched.
    pub fn clear(&mut self) {
        for &key in &self.keys[..self.len] {
            self.positions[key as usize] = 0;
        }
        self.len = 0;
    }

    /// The deadlines and their keys, in no particular order.
    ///
    /// ```
    /// use bareio::time::Instant;
    /// let mut timers = bareio::timer::Timers::<4>::new();
    /// timers.set(1, Instant::from_nanos(9)).unwrap();
    /// assert_eq!(timers.iter().collect::<Vec<_>>(), [(1, Instant::from_nanos(9))]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (usize, Instant)> + '_ {
        (0..self.len).map(|pos| self.entry(pos))
    }

    /// `key`'s heap position, if it has a deadline.
    fn position(&self, key: usize) -> Result<Option<usize>, KeyOutOfRange> {
        match self.positions.get(key) {
            Some(&pos) => Ok(pos.checked_sub(1).map(|pos| pos as usize)),
            None => Err(KeyOutOfRange { key, capacity: N }),
        }
    }

    /// The heap entry at `pos`, as `(key, deadline)`.
    fn entry(&self, pos: usize) -> (usize, Instant) {
        (self.keys[pos] as usize, Instant::from_nanos(self.deadlines[pos]))
    }

    /// Whether the entry at `a` comes before the one at `b`: earlier
    /// deadline, then lower key (keys are distinct: a total order).
    fn before(&self, a: usize, b: usize) -> bool {
        (self.deadlines[a], self.keys[a]) < (self.deadlines[b], self.keys[b])
    }

    /// Removes the entry at `pos`; returns its deadline.
    fn remove_at(&mut self, pos: usize) -> Instant {
        let removed = Instant::from_nanos(self.deadlines[pos]);
        self.positions[self.keys[pos] as usize] = 0;
        self.len -= 1;
        let last = self.len;
        if pos != last {
            // The last entry fills the hole, then moves whichever way it must.
            self.move_entry(last, pos);
            if pos > 0 && self.before(pos, (pos - 1) / ARITY) {
                self.sift_up(pos);
            } else {
                self.sift_down(pos);
            }
        }
        removed
    }

    /// Records in `positions` that the entry at `pos` is there.
    fn place(&mut self, pos: usize) {
        self.positions[self.keys[pos] as usize] = pos as u32 + 1;
    }

    /// Moves the entry at `from` to `to` (overwriting it) and records it.
    fn move_entry(&mut self, from: usize, to: usize) {
        self.deadlines[to] = self.deadlines[from];
        self.keys[to] = self.keys[from];
        self.place(to);
    }

    /// Puts `(deadline, key)` at `pos` and records it.
    fn put(&mut self, pos: usize, (deadline, key): (u64, u32)) {
        self.deadlines[pos] = deadline;
        self.keys[pos] = key;
        self.place(pos);
    }

    /// Moves the entry at `pos` towards the root while it comes before its
    /// parent (the parents it passes move down into the hole).
    fn sift_up(&mut self, mut pos: usize) {
        let moving = (self.deadlines[pos], self.keys[pos]);
        while pos > 0 {
            let parent = (pos - 1) / ARITY;
            if moving >= (self.deadlines[parent], self.keys[parent]) {
                break;
            }
            self.move_entry(parent, pos);
            pos = parent;
        }
        self.put(pos, moving);
    }

    /// The position of the least of the children starting at `first`
    /// (which must exist).
    fn least_child(&self, first: usize) -> usize {
        let end = (first + ARITY).min(self.len);
        let mut least = (self.deadlines[first], self.keys[first], first);
        let rest = self.deadlines[first + 1..end].iter().zip(&self.keys[first + 1..end]);
        for (child, (&deadline, &key)) in (first + 1..).zip(rest) {
            if (deadline, key) < (least.0, least.1) {
                least = (deadline, key, child);
            }
        }
        least.2
    }

    /// Moves the entry at `pos` towards the leaves while a child comes
    /// before it (the least child moves up into the hole).
    fn sift_down(&mut self, mut pos: usize) {
        let moving = (self.deadlines[pos], self.keys[pos]);
        loop {
            let first = ARITY * pos + 1;
            if first >= self.len {
                break;
            }
            let least = self.least_child(first);
            if (self.deadlines[least], self.keys[least]) >= moving {
                break;
            }
            self.move_entry(least, pos);
            pos = least;
        }
        self.put(pos, moving);
    }
}

impl<const N: usize> Default for Timers<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for Timers<N> {
    /// The capacity and the number of deadlines (not all `N` entries).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timers").field("capacity", &N).field("len", &self.len).finish_non_exhaustive()
    }
}
