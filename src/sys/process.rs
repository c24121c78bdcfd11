//! Processes: `getpid`, `getppid`, `kill`, `exit_group`, `prlimit64`,
//! [`fork`] (`clone`), [`wait4`], `prctl(PR_SET_PDEATHSIG)` and
//! `sched_getaffinity`.

use super::int_arg;
use crate::arch::current as abi;
use crate::Errno;

/// The calling process's id.
pub fn getpid() -> i32 {
    // SAFETY: getpid takes no arguments, touches no memory, cannot fail.
    unsafe { syscall!(SYS_GETPID) as i32 }
}

/// The parent's process id (1, or a subreaper's, once the parent died).
pub fn getppid() -> i32 {
    // SAFETY: getppid takes no arguments, touches no memory, cannot fail.
    unsafe { syscall!(SYS_GETPPID) as i32 }
}

/// Sends `signal` to `pid` (signal 0 checks that `pid` exists and may be
/// signalled, sending nothing).
pub fn kill(pid: i32, signal: i32) -> Result<(), Errno> {
    // SAFETY: kill takes integers and touches no memory.
    Errno::from_ret(unsafe { syscall!(SYS_KILL, int_arg(pid), int_arg(signal)) }).map(drop)
}

/// Ends the process (every thread) with `status`, running no destructors.
pub fn exit_group(status: i32) -> ! {
    // SAFETY: exit_group takes an integer and does not return; if it ever
    // did, the loop below keeps the `!` promise.
    unsafe {
        syscall!(SYS_EXIT_GROUP, int_arg(status));
    }
    #[allow(clippy::empty_loop)]
    loop {}
}

/// A resource whose limit [`prlimit`] reads or sets (`RLIMIT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Resource {
    /// `RLIMIT_NOFILE` (7; 5 on mips): one more than the highest fd number
    /// the process may open.
    Nofile = abi::RLIMIT_NOFILE,
}

/// A soft and a hard limit (`struct rlimit64`, the same on every
/// architecture). [`Rlimit::INFINITY`] means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Rlimit {
    /// The limit the kernel enforces; a process may raise it up to `hard`.
    pub soft: u64,
    /// The ceiling for `soft`; only privileged processes may raise it.
    pub hard: u64,
}

impl Rlimit {
    /// `RLIM64_INFINITY`.
    pub const INFINITY: u64 = u64::MAX;
}

/// Reads the calling process's limit for `resource` and, if `new` is given,
/// replaces it (`prlimit64` on pid 0), returning the old limit.
///
/// `EINVAL` if `new.soft > new.hard`; `EPERM` when raising `hard` without
/// the privilege to.
pub fn prlimit(resource: Resource, new: Option<&Rlimit>) -> Result<Rlimit, Errno> {
    let mut old = Rlimit { soft: 0, hard: 0 };
    let new = new.map_or(0, |new| new as *const Rlimit as usize);
    // SAFETY: `new` is null or points to an `Rlimit` (the kernel's
    // `rlimit64`), only read; the kernel writes one into `old`, which is
    // exclusively borrowed.
    Errno::from_ret(unsafe {
        syscall!(SYS_PRLIMIT64, 0, resource as u32 as usize, new, &mut old as *mut Rlimit as usize)
    })?;
    Ok(old)
}

/// Which process [`fork`] returned in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fork {
    /// In the new child process.
    Child,
    /// In the parent: the child's process id.
    Parent(i32),
}

/// Starts a child process, a copy of this one (`clone(SIGCHLD, 0, …)`,
/// with the argument order of the table's `CLONE_ORDER`; the child's end
/// is reported to the parent as `SIGCHLD`, and [`wait4`] collects it).
///
/// The child has a copy of the memory and shares the open files (a
/// listener, an epoll instance: registrations made in one process change
/// the other's, so each process makes its own [`Poller`](crate::poll::Poller)
/// after the fork). Only the calling thread exists in it.
///
/// A `#![no_main]` program started by `bareio::main!` calls the safe
/// `bareio::rt::fork` instead.
///
/// # Safety
///
/// If other threads may exist (any program with a C library: its
/// start-up may have made some, and std's test harness does), the child
/// must, until it calls [`exit_group`] (or `execve`), do only
/// async-signal-safe work: system calls such as this crate's `sys`
/// functions, and no allocation, lock, `println!` or panic, since another
/// thread may have held the allocator's or stdout's lock at the moment of
/// the copy, and holds it for ever in the child. C library functions are
/// out too: this bypasses the C library's `fork` (its `atfork` handlers
/// and the thread id it caches are not updated). In a process with one
/// thread and no C library (a `bareio::main!` program) the child
/// may do anything.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::sys::{exit_group, fork, wait4, Fork, WaitFlags, WaitStatus};
///
/// // SAFETY: the child only makes a system call (this is a multi-threaded test).
/// match unsafe { fork() }? {
///     Fork::Child => exit_group(7),
///     Fork::Parent(child) => {
///         let (pid, status) = wait4(child, WaitFlags::empty())?.unwrap();
///         assert_eq!((pid, status), (child, WaitStatus::Exited(7)));
///     }
/// }
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub unsafe fn fork() -> Result<Fork, Errno> {
    // SAFETY: the caller's contract; the caller knows which process it is in.
    unsafe { clone_process(0, 0) }
}

/// `clone(SIGCHLD | flags, 0, NULL, child_tid, 0)`: a child process (no
/// shared memory; `flags` only adds the `CLONE_*_SETTID` kinds).
///
/// # Safety
///
/// As [`fork`]; `child_tid` is 0 or valid for an `i32` write in the child.
pub(crate) unsafe fn clone_process(flags: usize, child_tid: usize) -> Result<Fork, Errno> {
    let [a1, a2, a3, a4, a5] = abi::CLONE_ORDER.args(abi::SIGCHLD as usize | flags, 0, 0, child_tid, 0);
    // SAFETY: without `CLONE_VM` the child runs on its own copy of the
    // memory and stack, so returning twice (once per process) is sound;
    // the caller's contract covers what the child does then.
    let ret = Errno::from_ret(unsafe { syscall!(SYS_CLONE, a1, a2, a3, a4, a5) })?;
    Ok(if ret == 0 { Fork::Child } else { Fork::Parent(ret as i32) })
}

flags! {
    /// Flags of [`wait4`] (`W*`, the same on every architecture).
    pub struct WaitFlags: u32 {
        /// `WNOHANG`: return `None` at once if no child changed state.
        const NOHANG = 1;
        /// `WUNTRACED`: also report stopped children.
        const UNTRACED = 2;
        /// `WCONTINUED`: also report children continued by `SIGCONT`.
        const CONTINUED = 8;
        /// `__WALL`: wait for every kind of child, also those whose end is
        /// signalled with a signal other than `SIGCHLD`.
        const ALL = 0x4000_0000;
    }
}

/// A child's state change, decoded from the wait status (the same
/// encoding on every architecture).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitStatus {
    /// It exited with this status (0–255).
    Exited(i32),
    /// A signal ended it.
    Signaled {
        /// The signal.
        signal: i32,
        /// Whether it dumped core.
        core_dumped: bool,
    },
    /// A signal stopped it ([`WaitFlags::UNTRACED`]).
    Stopped(i32),
    /// `SIGCONT` continued it ([`WaitFlags::CONTINUED`]).
    Continued,
}

impl WaitStatus {
    /// Decodes a raw status (`WIFEXITED`, `WEXITSTATUS` …).
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use bareio::sys::WaitStatus;
    /// assert_eq!(WaitStatus::from_raw(3 << 8), WaitStatus::Exited(3));
    /// assert_eq!(WaitStatus::from_raw(9), WaitStatus::Signaled { signal: 9, core_dumped: false });
    /// assert_eq!(WaitStatus::from_raw(0x86), WaitStatus::Signaled { signal: 6, core_dumped: true });
    /// assert_eq!(WaitStatus::from_raw((19 << 8) | 0x7f), WaitStatus::Stopped(19));
    /// assert_eq!(WaitStatus::from_raw(0xffff), WaitStatus::Continued);
    /// # }
    /// ```
    pub const fn from_raw(status: i32) -> Self {
        let low = status & 0x7f;
        if status == 0xffff {
            Self::Continued
        } else if low == 0 {
            Self::Exited((status >> 8) & 0xff)
        } else if low == 0x7f {
            Self::Stopped((status >> 8) & 0xff)
        } else {
            Self::Signaled { signal: low, core_dumped: status & 0x80 != 0 }
        }
    }
}

/// Waits for a child to change state (`wait4`, no resource usage):
/// `pid` > 0 is that child, -1 any child, 0 any in this process group,
/// below -1 any in group `-pid`. Returns the child and what happened;
/// `None` with [`WaitFlags::NOHANG`] when nothing has yet. `ECHILD` if
/// there is no such child; `EINTR` if a handled signal came first (call
/// again).
pub fn wait4(pid: i32, flags: WaitFlags) -> Result<Option<(i32, WaitStatus)>, Errno> {
    let mut status = 0i32;
    // SAFETY: the kernel writes one `int` into `status`, exclusively
    // borrowed; the resource-usage pointer is null.
    let child = Errno::from_ret(unsafe {
        syscall!(SYS_WAIT4, int_arg(pid), &mut status as *mut i32 as usize, flags.bits() as usize, 0)
    })?;
    Ok((child != 0).then(|| (child as i32, WaitStatus::from_raw(status))))
}

/// `PR_SET_PDEATHSIG`.
const PR_SET_PDEATHSIG: usize = 1;

/// Asks for `signal` (`None`: nothing, the default) when the parent dies
/// (`prctl(PR_SET_PDEATHSIG)`): a forked worker that must not outlive its
/// supervisor. Not inherited by the children of `fork`, and cleared by
/// `execve` of a set-user-id program.
///
/// Two caveats, from the kernel: the signal comes when the parent
/// *thread* that forked exits, even if the parent process lives on (fork
/// from the thread that stays); and if the parent died before this call,
/// no signal comes, so check [`getppid`] afterwards against the pid the
/// parent had (saved before the fork).
pub fn set_parent_death_signal(signal: Option<i32>) -> Result<(), Errno> {
    // SAFETY: PR_SET_PDEATHSIG takes an integer and touches no memory.
    Errno::from_ret(unsafe { syscall!(SYS_PRCTL, PR_SET_PDEATHSIG, int_arg(signal.unwrap_or(0)), 0, 0, 0) })
        .map(drop)
}

/// A set of CPUs, as `sched_getaffinity` fills it: room for the first
/// [`CAPACITY`](Self::CAPACITY) (1024, as glibc's `cpu_set_t`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct CpuSet {
    words: [usize; 1024 / usize::BITS as usize],
}

impl CpuSet {
    /// How many CPUs the set can hold.
    pub const CAPACITY: usize = 1024;

    /// Whether CPU `cpu` is in the set.
    pub fn contains(&self, cpu: usize) -> bool {
        let bits = usize::BITS as usize;
        self.words.get(cpu / bits).is_some_and(|word| word & (1 << (cpu % bits)) != 0)
    }

    /// How many CPUs are in the set.
    pub fn count(&self) -> usize {
        self.words.iter().map(|word| word.count_ones() as usize).sum()
    }
}

impl core::fmt::Debug for CpuSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set().entries((0..Self::CAPACITY).filter(|&cpu| self.contains(cpu))).finish()
    }
}

/// The CPUs process (or thread) `pid` may run on, 0 for the caller
/// (`sched_getaffinity`). `EINVAL` on a kernel configured for more than
/// [`CpuSet::CAPACITY`] possible CPUs.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// let cpus = bareio::sys::sched_getaffinity(0)?;
/// assert!(cpus.count() >= 1); // e.g. one worker per CPU
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn sched_getaffinity(pid: i32) -> Result<CpuSet, Errno> {
    let mut set = CpuSet { words: [0; 1024 / usize::BITS as usize] };
    // SAFETY: the kernel writes at most `size_of::<CpuSet>()` bytes (a
    // multiple of the word size) into `set`, exclusively borrowed.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_SCHED_GETAFFINITY,
            int_arg(pid),
            core::mem::size_of::<CpuSet>(),
            &mut set as *mut CpuSet as usize
        )
    })?;
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `CLONE_CHILD_SETTID`: the kernel writes the child's id at the
    /// `child_tid` argument, in the child.
    const CLONE_CHILD_SETTID: usize = 0x0100_0000;

    /// The table's `CLONE_ORDER` puts `child_tid` where this kernel reads
    /// it: in the child, the id appears at that address (in the `tls` slot
    /// the kernel would ignore it, and no flag would make it write there).
    /// Swapping the first two arguments (s390x) would make `SIGCHLD` the
    /// stack and no child would be waited for.
    #[test]
    fn clone_passes_child_tid_in_this_architectures_slot() {
        let mut tid: i32 = 0;
        // SAFETY: the child only makes raw syscalls; `tid` is valid for a
        // write in the child's copy of this stack.
        match unsafe { clone_process(CLONE_CHILD_SETTID, &mut tid as *mut i32 as usize) }.unwrap() {
            Fork::Child => {
                // SAFETY: a plain read of a local the kernel wrote.
                let seen = unsafe { core::ptr::read_volatile(&tid) };
                exit_group(if seen == getpid() { 0 } else { 1 })
            }
            Fork::Parent(pid) => {
                assert_eq!(tid, 0, "CLONE_CHILD_SETTID writes only in the child");
                let (got, status) = wait4(pid, WaitFlags::empty()).unwrap().unwrap();
                assert_eq!((got, status), (pid, WaitStatus::Exited(0)), "the child did not see its id");
            }
        }
    }
}
