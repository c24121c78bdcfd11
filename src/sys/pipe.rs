//! `pipe2`, `splice` and the pipe-size `fcntl`s.

use super::io::{fcntl_cmd, fcntl_int};
use super::{fd_arg, new_fd_pair};
use crate::arch::current as abi;
use crate::fd::{AsFd, OwnedFd};
use crate::Errno;

flags! {
    /// Flags of [`pipe2`].
    pub struct PipeFlags: u32 {
        /// `O_NONBLOCK` on both ends.
        const NONBLOCK = abi::O_NONBLOCK;
        /// `O_CLOEXEC` on both ends.
        const CLOEXEC = abi::O_CLOEXEC;
    }
}

flags! {
    /// Flags of [`splice`] (`SPLICE_F_*`, the same on every architecture).
    pub struct SpliceFlags: u32 {
        /// Move pages instead of copying, where possible (a hint).
        const MOVE = 1;
        /// Do not block on the pipe (the other fd follows its own mode).
        const NONBLOCK = 2;
        /// More data will follow (like `MSG_MORE`).
        const MORE = 4;
    }
}

/// Creates a pipe: `(read end, write end)`.
pub fn pipe2(flags: PipeFlags) -> Result<(OwnedFd, OwnedFd), Errno> {
    // SAFETY: the kernel writes two new fds into the array.
    unsafe { new_fd_pair(|fds| syscall!(SYS_PIPE2, fds, flags.bits() as usize)) }
}

/// Moves up to `len` bytes from `fd_in` to `fd_out`, one of which must be
/// a pipe, without copying through user space.
///
/// `off_in`/`off_out` are file offsets, read and advanced by the kernel;
/// they must be `None` for pipes and sockets. Returns the bytes moved;
/// `Ok(0)` means end of input (or `len` was 0).
pub fn splice(
    fd_in: impl AsFd,
    off_in: Option<&mut i64>,
    fd_out: impl AsFd,
    off_out: Option<&mut i64>,
    len: usize,
    flags: SpliceFlags,
) -> Result<usize, Errno> {
    let (fd_in, fd_out) = (fd_in.as_fd(), fd_out.as_fd());
    let off_in = off_in.map_or(0, |off| off as *mut i64 as usize);
    let off_out = off_out.map_or(0, |off| off as *mut i64 as usize);
    // SAFETY: the offsets are null or point at `loff_t`s (i64) exclusively
    // borrowed for the call; no other memory is touched.
    Errno::from_ret(unsafe {
        syscall!(SYS_SPLICE, fd_arg(fd_in), off_in, fd_arg(fd_out), off_out, len, flags.bits() as usize)
    })
}

/// `fcntl(F_GETPIPE_SZ)`: the pipe's capacity in bytes.
pub fn pipe_size(fd: impl AsFd) -> Result<usize, Errno> {
    fcntl_int(fd, fcntl_cmd::F_GETPIPE_SZ, 0).map(|size| size as usize)
}

/// `fcntl(F_SETPIPE_SZ)`: asks for a capacity of at least `size` bytes and
/// returns the capacity granted (rounded up to a power-of-two pages).
/// Unprivileged callers are limited by `/proc/sys/fs/pipe-max-size`
/// (`EPERM` above it).
pub fn set_pipe_size(fd: impl AsFd, size: usize) -> Result<usize, Errno> {
    let size = i32::try_from(size).map_err(|_| Errno::EINVAL)?;
    fcntl_int(fd, fcntl_cmd::F_SETPIPE_SZ, size).map(|size| size as usize)
}
