//! `getpid`, `kill` and `exit_group`.

use super::int_arg;
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
