//! `getpid`, `kill`, `exit_group` and `prlimit64`.

use super::int_arg;
use crate::arch::current as abi;
use crate::Errno;

/// The calling process's id.
pub fn getpid() -> i32 {
    // SAFETY: getpid takes no arguments, touches no memory, cannot fail.
    unsafe { syscall!(SYS_GETPID) as i32 }
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
