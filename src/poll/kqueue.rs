//! The FreeBSD / macOS / DragonFly backend: kqueue, with an `EVFILT_USER`
//! event as the wake signal, through the C library ([`crate::libc_sys`]
//! holds the `unsafe` calls; none here).
//!
//! **Compile-checked only**: `cargo check` for x86_64-unknown-freebsd,
//! aarch64-apple-darwin and x86_64-apple-darwin; this project has no
//! FreeBSD or macOS machine to run it on. The wake protocol it plugs into
//! ([`crate::wake`]) is the Linux backend's, model-checked with loom
//! against an `EVFILT_USER` model (`tests/loom_wake.rs`).
//!
//! # The wakeup, as Go's runtime does it
//!
//! The waker is a user event registered once with `EV_ADD | EV_CLEAR` and
//! raised with `NOTE_TRIGGER` (one `kevent` call, no fd of its own).
//! `EV_CLEAR` resets it when a wait returns it, so nothing needs draining
//! and a new trigger is a new event; triggers before that coalesce. The
//! wait that receives it reports it, whatever its timeout (the shared
//! protocol, [`crate::wake`]).
//!
//! # Registrations
//!
//! Each fd is one or two kernel events: `EVFILT_READ` (for
//! [`Interest::READABLE`] or [`Interest::READ_HANGUP`]) and
//! `EVFILT_WRITE`, both with the token as `udata`. [`Mode::Level`] is no
//! flag, [`Mode::Edge`] `EV_CLEAR`, [`Mode::EdgeOneshot`] both,
//! [`Mode::Oneshot`] `EV_DISPATCH` (the
//! event is disabled after delivery but stays registered, as with
//! `EPOLLONESHOT`, so `modify` re-arms it and `deregister` finds it;
//! `EV_ONESHOT` would delete it). [`Interest::PRIORITY`] has no filter here
//! (FreeBSD has no exception filter): it is accepted with another interest
//! and never reported, and alone it is `EINVAL` (nothing to watch).
//!
//! Changes go in one `kevent` call with `EV_RECEIPT`, so each reports its
//! own error. `register` and `modify` both delete both filters then add the
//! wanted ones in that same call: adding an existing kernel event again
//! updates its `udata` but not its `EV_CLEAR`/`EV_DISPATCH` (FreeBSD's
//! `kqueue_register` keeps the old flags), so a new mode needs the delete.
//! `register` ignores the deletes' `ENOENT` (a new fd), which is how it
//! replaces an existing registration, as on Linux; `modify` reports
//! `ENOENT` when neither filter was registered. A re-armed oneshot and a new
//! mode are both re-evaluated at once, as epoll's `MOD` does.

use core::time::Duration;

use super::{Event, Interest, Mode};
use crate::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use crate::libc_sys::{self, KEvent};
use crate::wake::WakeSignal;
use crate::Errno;

/// What `kevent` fills: the kernel's `struct kevent`.
pub(super) type RawEvent = KEvent;

flags! {
    /// What an [`Event`] keeps: one kernel event's filter and flags,
    /// decoded into the answers of the `Event` accessors.
    pub struct ReadyFlags: u8 {
        /// `EVFILT_READ`.
        const READ = 1;
        /// `EVFILT_WRITE`.
        const WRITE = 2;
        /// `EV_EOF` on `EVFILT_READ`.
        const READ_EOF = 4;
        /// `EV_EOF` on `EVFILT_WRITE`.
        const WRITE_EOF = 8;
        /// `EV_ERROR`, or `EV_EOF` with an error code in `fflags`.
        const ERROR = 16;
    }
}

// `Interest` bits: kqueue has no interest mask, these are the crate's.
pub(super) const READABLE: u32 = 1;
pub(super) const WRITABLE: u32 = 2;
pub(super) const READ_HANGUP: u32 = 4;
/// Accepted, never reported: FreeBSD has no exception filter.
pub(super) const PRIORITY: u32 = 8;

/// The `ident` of the waker's `EVFILT_USER` event (user events have their
/// own namespace, not fds').
const WAKER_IDENT: usize = 0x6261_7265;

/// Longest timeout passed to `kevent`: macOS rejects too long ones with
/// `EINVAL`; Go's runtime caps them at 10^6 s for that, and so does this.
const MAX_TIMEOUT_SECS: u64 = 1_000_000;

pub(super) fn to_event(ev: &KEvent) -> Event {
    let ev = &ev.0;
    let eof = ev.flags & libc::EV_EOF != 0;
    let mut flags = ReadyFlags::empty();
    if ev.filter == libc::EVFILT_READ {
        flags |= ReadyFlags::READ;
        if eof {
            flags |= ReadyFlags::READ_EOF;
        }
    } else if ev.filter == libc::EVFILT_WRITE {
        flags |= ReadyFlags::WRITE;
        if eof {
            flags |= ReadyFlags::WRITE_EOF;
        }
    }
    if ev.flags & libc::EV_ERROR != 0 || (eof && ev.fflags != 0) {
        flags |= ReadyFlags::ERROR;
    }
    // Tokens were registered from a `u64` that fit `usize`: lossless.
    Event { token: ev.udata as usize as u64, flags }
}

pub(super) fn is_waker(ev: &KEvent) -> bool {
    ev.0.filter == libc::EVFILT_USER && ev.0.ident == WAKER_IDENT
}

// What each `Event` accessor looks for.
pub(super) const fn is_readable(f: ReadyFlags) -> bool {
    f.intersects(ReadyFlags::READ.union(ReadyFlags::ERROR))
}
pub(super) const fn is_writable(f: ReadyFlags) -> bool {
    f.intersects(ReadyFlags::WRITE.union(ReadyFlags::ERROR))
}
pub(super) const fn is_read_hangup(f: ReadyFlags) -> bool {
    f.contains(ReadyFlags::READ_EOF)
}
pub(super) const fn is_write_hangup(f: ReadyFlags) -> bool {
    f.intersects(ReadyFlags::WRITE_EOF.union(ReadyFlags::ERROR))
}
pub(super) const fn is_hangup(f: ReadyFlags) -> bool {
    f.contains(ReadyFlags::WRITE_EOF)
}
pub(super) const fn is_error(f: ReadyFlags) -> bool {
    f.contains(ReadyFlags::ERROR)
}
pub(super) const fn is_priority(_: ReadyFlags) -> bool {
    false
}

fn mode_flags(mode: Mode) -> u16 {
    match mode {
        Mode::Level => 0,
        Mode::Edge => libc::EV_CLEAR,
        Mode::Oneshot => libc::EV_DISPATCH,
        Mode::EdgeOneshot => libc::EV_CLEAR | libc::EV_DISPATCH,
    }
}

/// Writes into `changes` an `EV_ADD` for each filter `interest` needs:
/// read (for readable or read hangup), write. Returns how many.
fn adds(changes: &mut [KEvent], ident: usize, token: usize, interest: Interest, mode: Mode) -> usize {
    let wanted = [
        (libc::EVFILT_READ, interest.intersects(Interest::READABLE.union(Interest::READ_HANGUP))),
        (libc::EVFILT_WRITE, interest.contains(Interest::WRITABLE)),
    ];
    let mut n = 0;
    for (filter, _) in wanted.into_iter().filter(|&(_, wanted)| wanted) {
        changes[n] = KEvent::new(ident, filter, libc::EV_ADD | mode_flags(mode), 0, token);
        n += 1;
    }
    n
}

/// `EV_DELETE` of both filters of `ident`.
fn deletes(ident: usize) -> [KEvent; 2] {
    [
        KEvent::new(ident, libc::EVFILT_READ, libc::EV_DELETE, 0, 0),
        KEvent::new(ident, libc::EVFILT_WRITE, libc::EV_DELETE, 0, 0),
    ]
}

/// A kqueue and the `EVFILT_USER` event it is woken through.
#[derive(Debug)]
pub(super) struct Selector {
    kq: OwnedFd,
}

impl Selector {
    pub(super) fn new() -> Result<Self, Errno> {
        let selector = Self { kq: libc_sys::kqueue()? };
        let waker = KEvent::new(WAKER_IDENT, libc::EVFILT_USER, libc::EV_ADD | libc::EV_CLEAR, 0, usize::MAX);
        selector.apply(&mut [waker])?;
        Ok(selector)
    }

    pub(super) fn register(
        &self,
        fd: BorrowedFd<'_>,
        token: u64,
        interest: Interest,
        mode: Mode,
    ) -> Result<(), Errno> {
        match self.replace(fd, token, interest, mode) {
            // Neither filter existed: a new registration, as intended.
            Err(Errno::ENOENT) => Ok(()),
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
        match self.replace(fd, token, interest, mode) {
            // Neither filter was registered: the adds went through, undo them.
            Err(Errno::ENOENT) => {
                self.deregister(fd)?;
                Err(Errno::ENOENT)
            }
            other => other,
        }
    }

    /// Deletes both filters of `fd` and adds the wanted ones, in one call.
    /// `ENOENT` (after the adds took effect) if neither filter existed.
    fn replace(&self, fd: BorrowedFd<'_>, token: u64, interest: Interest, mode: Mode) -> Result<(), Errno> {
        let (token, ident) = (udata(token)?, ident(fd)?);
        let mut changes = [KEvent::ZERO; 4];
        changes[..2].copy_from_slice(&deletes(ident));
        let added = adds(&mut changes[2..], ident, token, interest, mode);
        if added == 0 {
            return Err(Errno::EINVAL); // only `PRIORITY`, which has no filter here
        }
        self.apply(&mut changes[..2 + added])
    }

    pub(super) fn deregister(&self, fd: BorrowedFd<'_>) -> Result<(), Errno> {
        self.apply(&mut deletes(ident(fd)?))
    }

    /// Applies `changes` (at most 4) in one `kevent` call with
    /// `EV_RECEIPT` (each change reports its own result, and no pending
    /// event is taken).
    ///
    /// Errors: the first change's error, except `ENOENT` from a delete
    /// (that filter was not registered; `ENOENT` is returned only when no
    /// delete found anything) and `EPIPE` from adding `EVFILT_WRITE` to a
    /// pipe whose reader is gone (older macOS; the write will say so).
    fn apply(&self, changes: &mut [KEvent]) -> Result<(), Errno> {
        for change in changes.iter_mut() {
            change.0.flags |= libc::EV_RECEIPT;
        }
        // One receipt per change, in order. The kernel overwrites a
        // receipt's flags with `EV_ERROR` (so whether it was a delete is
        // read from the change) and puts the errno, or 0, in `data`.
        let mut receipts = [KEvent::ZERO; 4];
        let receipts = &mut receipts[..changes.len()];
        let no_wait = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        let n = libc_sys::kevent(&self.kq, changes, receipts, Some(&no_wait))?;
        let (mut deletes, mut deletes_missing) = (0, 0);
        for (change, receipt) in changes.iter().zip(&receipts[..n]) {
            let delete = change.0.flags & libc::EV_DELETE != 0;
            deletes += usize::from(delete);
            if receipt.0.flags & libc::EV_ERROR == 0 || receipt.0.data == 0 {
                continue;
            }
            // An errno: positive and small.
            match Errno::from_raw(receipt.0.data as i32) {
                Errno::ENOENT if delete => deletes_missing += 1,
                Errno::EPIPE if change.0.filter == libc::EVFILT_WRITE && !delete => {}
                e => return Err(e),
            }
        }
        if deletes > 0 && deletes_missing == deletes {
            return Err(Errno::ENOENT);
        }
        Ok(())
    }

    /// One `kevent` wait: no changes, up to `buf.len()` events.
    pub(super) fn select(&self, buf: &mut [KEvent], timeout: Option<Duration>) -> Result<usize, Errno> {
        let ts = timeout.map(|t| libc_sys::to_timespec(t, MAX_TIMEOUT_SECS));
        libc_sys::kevent(&self.kq, &[], buf, ts.as_ref())
    }

    pub(super) fn as_fd(&self) -> BorrowedFd<'_> {
        self.kq.as_fd()
    }
}

/// The `EVFILT_USER` event behind the waker, as the wake protocol's signal.
impl WakeSignal for Selector {
    /// `NOTE_TRIGGER`: one `kevent` call with no event list, so it never
    /// blocks (as Go's `netpollBreak`).
    fn raise(&self) -> Result<(), Errno> {
        let trigger = KEvent::new(WAKER_IDENT, libc::EVFILT_USER, 0, libc::NOTE_TRIGGER, usize::MAX);
        libc_sys::kevent(&self.kq, &[trigger], &mut [], None).map(drop)
    }

    /// Never needed: a user event has no counter to fill (`raise` never
    /// gives `EAGAIN`), and `EV_CLEAR` resets it when a wait returns it.
    fn reset(&self) -> Result<(), Errno> {
        Ok(())
    }
}

/// A token as `udata`: `EINVAL` if it does not fit a pointer (32-bit).
fn udata(token: u64) -> Result<usize, Errno> {
    usize::try_from(token).map_err(|_| Errno::EINVAL)
}

/// An fd as a kevent `ident`: `EBADF` if negative.
fn ident(fd: BorrowedFd<'_>) -> Result<usize, Errno> {
    usize::try_from(fd.as_raw_fd()).map_err(|_| Errno::EBADF)
}
