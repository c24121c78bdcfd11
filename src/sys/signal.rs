//! Signals without handlers: [`SigSet`], `rt_sigprocmask` and `signalfd4`.
//!
//! Block a signal with [`sigprocmask`] and it is never delivered as an
//! interrupt; read it instead, as data, from a [`signalfd`] that an epoll
//! instance can watch. A blocked `SIGPIPE` is simply not delivered: a write
//! to a closed peer fails with `EPIPE`. No handler, no restorer trampoline.
//!
//! The mask is per thread: block signals before starting threads so that
//! they inherit it, or a process-directed signal may go to a thread that
//! does not block it.

use core::mem::size_of;

use super::{fd_arg, int_arg, new_fd};
use crate::arch::current as abi;
use crate::fd::{AsFd, OwnedFd};
use crate::Errno;

/// The kernel's `sigset_t`: `SIGSET_SIZE` bytes (8, or 16 on mips) as an
/// array of native `unsigned long`s, bit `n - 1` for signal `n`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
#[repr(C)]
pub struct SigSet {
    words: [usize; abi::SIGSET_SIZE / size_of::<usize>()],
}

const _: () = assert!(size_of::<SigSet>() == abi::SIGSET_SIZE);

impl SigSet {
    /// The empty set.
    pub const fn empty() -> Self {
        Self { words: [0; abi::SIGSET_SIZE / size_of::<usize>()] }
    }

    /// Number of signals the set can hold (64, or 128 on mips).
    pub const CAPACITY: i32 = (abi::SIGSET_SIZE * 8) as i32;

    /// The signals the C libraries keep for themselves: glibc's
    /// `SIGCANCEL` (32) and `SIGSETXID` (33), musl's `SIGTIMER`,
    /// `SIGCANCEL` and `SIGSYNCCALL` (32–34). Blocking one of them in a
    /// thread of a libc process makes `setuid`, `pthread_cancel` or timers
    /// hang, so a `SigSet` never holds them (as rustix refuses them). The
    /// first real-time signal left to applications is 35 (`SIGRTMIN` in
    /// those C libraries).
    pub const RESERVED: core::ops::RangeInclusive<i32> = 32..=34;

    /// The word and bit of `signal`; `None` outside `1..=CAPACITY` and for
    /// the [`RESERVED`](Self::RESERVED) signals. (`const`, for
    /// [`with`](Self::with); written with comparisons, as `contains` is not.)
    const fn position(signal: i32) -> Option<(usize, usize)> {
        let reserved = signal >= *Self::RESERVED.start() && signal <= *Self::RESERVED.end();
        if signal < 1 || signal > Self::CAPACITY || reserved {
            return None;
        }
        let bit = (signal - 1) as usize;
        Some((bit / usize::BITS as usize, bit % usize::BITS as usize))
    }

    /// The set with `signal` added: for sets known at compile time, which
    /// then cost no code at all.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use bareio::sys::{SigSet, SIGINT, SIGTERM};
    ///
    /// const STOP: SigSet = SigSet::empty().with(SIGINT).with(SIGTERM);
    /// assert!(STOP.contains(SIGINT) && STOP.contains(SIGTERM));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Outside `1..=CAPACITY` and for the [`RESERVED`](Self::RESERVED)
    /// signals, where [`add`](Self::add) returns `EINVAL`; in a `const`,
    /// that is a compile-time error:
    ///
    /// ```compile_fail
    /// const BAD: bareio::sys::SigSet = bareio::sys::SigSet::empty().with(33);
    /// ```
    pub const fn with(mut self, signal: i32) -> Self {
        let Some((word, bit)) = Self::position(signal) else {
            panic!("SigSet::with: no such signal, or a reserved one");
        };
        self.words[word] |= 1 << bit;
        self
    }

    /// Adds `signal`; `EINVAL` outside `1..=CAPACITY` and for the
    /// [`RESERVED`](Self::RESERVED) signals.
    pub fn add(&mut self, signal: i32) -> Result<(), Errno> {
        let (word, bit) = Self::position(signal).ok_or(Errno::EINVAL)?;
        self.words[word] |= 1 << bit;
        Ok(())
    }

    /// Removes `signal`; `EINVAL` outside `1..=CAPACITY` and for the
    /// [`RESERVED`](Self::RESERVED) signals.
    pub fn remove(&mut self, signal: i32) -> Result<(), Errno> {
        let (word, bit) = Self::position(signal).ok_or(Errno::EINVAL)?;
        self.words[word] &= !(1 << bit);
        Ok(())
    }

    /// Whether `signal` is in the set (`false` outside `1..=CAPACITY` and
    /// for the [`RESERVED`](Self::RESERVED) signals).
    pub fn contains(&self, signal: i32) -> bool {
        Self::position(signal).is_some_and(|(word, bit)| self.words[word] & (1 << bit) != 0)
    }
}

/// `SIGHUP` (1 everywhere): the terminal hung up; by convention, "reload".
pub const SIGHUP: i32 = abi::SIGHUP;
/// `SIGINT` (2 everywhere): interrupt from the terminal.
pub const SIGINT: i32 = abi::SIGINT;
/// `SIGKILL` (9 everywhere): ends the process; cannot be caught or blocked.
pub const SIGKILL: i32 = abi::SIGKILL;
/// `SIGPIPE` (13 everywhere): write to a pipe or socket with no reader.
pub const SIGPIPE: i32 = abi::SIGPIPE;
/// `SIGTERM` (15 everywhere): polite termination request.
pub const SIGTERM: i32 = abi::SIGTERM;
/// `SIGUSR1` (10; 16 on mips): user-defined.
pub const SIGUSR1: i32 = abi::SIGUSR1;
/// `SIGCHLD` (17; 18 on mips): a child stopped or ended. Blocked and read
/// from a [`signalfd`], it tells a supervisor when to call
/// [`wait4`](super::wait4).
pub const SIGCHLD: i32 = abi::SIGCHLD;

/// What [`sigprocmask`] does with the given set (`SIG_*`, 0/1/2; 1/2/3 on
/// mips).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum SigmaskHow {
    /// `SIG_BLOCK`: add the set to the mask.
    Block = abi::SIG_BLOCK,
    /// `SIG_UNBLOCK`: remove the set from the mask.
    Unblock = abi::SIG_UNBLOCK,
    /// `SIG_SETMASK`: make the set the mask.
    SetMask = abi::SIG_SETMASK,
}

/// Changes the calling thread's signal mask and returns the previous one.
///
/// With `set` `None`, `how` is ignored and the mask is only read. `SIGKILL`
/// and `SIGSTOP` cannot be blocked (the kernel silently drops them from the
/// set).
pub fn sigprocmask(how: SigmaskHow, set: Option<&SigSet>) -> Result<SigSet, Errno> {
    let mut old = SigSet::empty();
    let set = set.map_or(0, |set| set as *const SigSet as usize);
    // SAFETY: `set` is null or a `SigSet` of exactly `SIGSET_SIZE` bytes,
    // only read; the kernel writes `SIGSET_SIZE` bytes into `old`, which is
    // exclusively borrowed.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_RT_SIGPROCMASK,
            int_arg(how as i32),
            set,
            &mut old as *mut SigSet as usize,
            abi::SIGSET_SIZE
        )
    })?;
    Ok(old)
}

flags! {
    /// Flags of [`signalfd`] (`SFD_*`; `NONBLOCK` is 0x80 on mips).
    pub struct SignalfdFlags: u32 {
        /// `SFD_CLOEXEC`.
        const CLOEXEC = abi::SFD_CLOEXEC;
        /// `SFD_NONBLOCK`: reads with no signal pending give `EAGAIN`.
        const NONBLOCK = abi::SFD_NONBLOCK;
    }
}

/// Creates a signalfd that reports the signals of `mask` (`signalfd4` with
/// fd -1).
///
/// The signals must also be blocked ([`sigprocmask`]), or they are
/// delivered the usual way before the fd sees them. Read them with
/// [`read_signal`].
pub fn signalfd(mask: &SigSet, flags: SignalfdFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: the kernel reads `SIGSET_SIZE` bytes from `mask`; with fd -1,
    // success returns a new fd.
    unsafe {
        new_fd(syscall!(
            SYS_SIGNALFD4,
            int_arg(-1),
            mask as *const SigSet as usize,
            abi::SIGSET_SIZE,
            flags.bits() as usize
        ))
    }
}

/// Replaces the set of signals an existing signalfd reports.
pub fn signalfd_set_mask(fd: impl AsFd, mask: &SigSet) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: the kernel reads `SIGSET_SIZE` bytes from `mask`.
    Errno::from_ret(unsafe {
        syscall!(SYS_SIGNALFD4, fd_arg(fd), mask as *const SigSet as usize, abi::SIGSET_SIZE, 0)
    })
    .map(drop)
}

/// The leading fields of the kernel's `struct signalfd_siginfo` (128 bytes,
/// the same layout on every architecture).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalInfo {
    /// `ssi_signo`: the signal number.
    pub signo: u32,
    /// `ssi_errno`.
    pub errno: i32,
    /// `ssi_code`: how it was sent (`SI_USER` 0 for `kill`, `SI_TKILL` -6).
    pub code: i32,
    /// `ssi_pid`: the sender's process id.
    pub pid: u32,
    /// `ssi_uid`: the sender's real user id.
    pub uid: u32,
}

/// Size of `struct signalfd_siginfo`.
pub const SIGNALFD_SIGINFO_SIZE: usize = 128;

/// Reads one signal from a signalfd (one `read` of 128 bytes).
///
/// `EAGAIN` on a nonblocking signalfd with nothing pending.
pub fn read_signal(fd: impl AsFd) -> Result<SignalInfo, Errno> {
    let mut raw = [0u8; SIGNALFD_SIGINFO_SIZE];
    let n = super::read(fd, &mut raw)?;
    if n != SIGNALFD_SIGINFO_SIZE {
        return Err(Errno::EIO); // not a signalfd: it always returns whole records
    }
    let word = |i: usize| [raw[4 * i], raw[4 * i + 1], raw[4 * i + 2], raw[4 * i + 3]];
    Ok(SignalInfo {
        signo: u32::from_ne_bytes(word(0)),
        errno: i32::from_ne_bytes(word(1)),
        code: i32::from_ne_bytes(word(2)),
        pid: u32::from_ne_bytes(word(3)),
        uid: u32::from_ne_bytes(word(4)),
    })
}
