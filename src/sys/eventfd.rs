//! `eventfd2`: a kernel counter usable as a wakeup.

use super::new_fd;
use crate::arch::current as abi;
use crate::fd::OwnedFd;
use crate::Errno;

flags! {
    /// Flags of [`eventfd`] (`EFD_*`; `NONBLOCK` is 0x80 on mips).
    pub struct EventfdFlags: u32 {
        /// `EFD_CLOEXEC`.
        const CLOEXEC = abi::EFD_CLOEXEC;
        /// `EFD_NONBLOCK`: reads of a zero counter give `EAGAIN`.
        const NONBLOCK = abi::EFD_NONBLOCK;
        /// `EFD_SEMAPHORE`: each read decrements the counter by one.
        const SEMAPHORE = 1;
    }
}

/// Creates an eventfd with counter `initval`.
///
/// Read and write it with 8-byte native-endian `u64`s ([`crate::sys::read`],
/// [`crate::sys::write`]): a write adds, a read returns and resets the
/// counter (or decrements it by one with [`EventfdFlags::SEMAPHORE`]).
pub fn eventfd(initval: u32, flags: EventfdFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: eventfd2 takes two integers and touches no memory; on
    // success it returns a new fd.
    unsafe { new_fd(syscall!(SYS_EVENTFD2, initval as usize, flags.bits() as usize)) }
}
