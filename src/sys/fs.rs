//! Files: `openat` (a path relative to the current directory), and I/O
//! at a 64-bit offset: `pread64`, `pwrite64`, `ftruncate64`.

use core::ffi::CStr;

use super::{fd_arg, int_arg, new_fd, syscall_args, OFlags};
use crate::arch::current as abi;
use crate::fd::{AsFd, OwnedFd};
use crate::Errno;

/// `AT_FDCWD`: paths relative to the current directory.
const AT_FDCWD: i32 = -100;

/// How a file is opened for I/O (`O_RDONLY`, `O_WRONLY`, `O_RDWR`: the same
/// values on every architecture).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Access {
    /// `O_RDONLY`.
    Read = 0,
    /// `O_WRONLY`.
    Write = 1,
    /// `O_RDWR`.
    ReadWrite = 2,
}

/// Opens an existing file (`openat(AT_FDCWD, path, access | flags |
/// O_LARGEFILE)`: `O_LARGEFILE` always, or a 32-bit ABI could not go past
/// 2 GiB with [`pwrite`] and [`ftruncate`], `EFBIG`).
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::sys::{open, read, write, Access, OFlags};
///
/// let null = open(c"/dev/null", Access::ReadWrite, OFlags::CLOEXEC)?;
/// assert_eq!(write(&null, b"gone")?, 4);
/// assert_eq!(read(&null, &mut [0u8; 8])?, 0);
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn open(path: &CStr, access: Access, flags: OFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: `path` is NUL-terminated and only read; no mode argument is
    // read without `O_CREAT`, which `OFlags` cannot express. On success
    // the fd is new.
    unsafe {
        new_fd(syscall!(
            SYS_OPENAT,
            int_arg(AT_FDCWD),
            path.as_ptr() as usize,
            (access as u32 | flags.bits() | abi::O_LARGEFILE) as usize,
            0
        ))
    }
}

/// Reads into `buf` from file offset `offset`, leaving the file position
/// alone (`pread64`); `Ok(0)` at or past the end. `ESPIPE` for pipes and
/// sockets; offsets of 2^63 and up are `EINVAL`.
///
/// The offset is 64-bit on every architecture: on the 32-bit ABIs it
/// travels as a register pair, laid out by the table's
/// [`U64_ARG`](crate::arch::U64Arg) (aligned to an even register on arm
/// and mips o32).
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::sys::{open, pread, Access, OFlags};
///
/// let zero = open(c"/dev/zero", Access::Read, OFlags::CLOEXEC)?;
/// let mut buf = [1u8; 4];
/// assert_eq!(pread(&zero, &mut buf, 5 << 30)?, 4); // above 4 GiB
/// assert_eq!(buf, [0; 4]);
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
#[doc(alias = "pread64")]
pub fn pread(fd: impl AsFd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    let args = abi::U64_ARG.place([fd_arg(fd), buf.as_mut_ptr() as usize, buf.len()], offset);
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which
    // is valid and exclusively borrowed for the call.
    Errno::from_ret(unsafe { syscall_args(abi::SYS_PREAD64, args) })
}

/// Writes `buf` at file offset `offset`, leaving the file position alone
/// (`pwrite64`; but on a file opened with `O_APPEND`, Linux appends);
/// returns the bytes written. Writing past the end extends the file (the
/// gap reads as zeros, and takes no space on most file systems).
#[doc(alias = "pwrite64")]
pub fn pwrite(fd: impl AsFd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    let args = abi::U64_ARG.place([fd_arg(fd), buf.as_ptr() as usize, buf.len()], offset);
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
    Errno::from_ret(unsafe { syscall_args(abi::SYS_PWRITE64, args) })
}

/// Sets the size of the file open for writing at `fd` to `len` bytes
/// (`ftruncate64`; `ftruncate` on the 64-bit ABIs): cut, or extended with
/// zeros (a hole).
#[doc(alias = "ftruncate64")]
pub fn ftruncate(fd: impl AsFd, len: u64) -> Result<(), Errno> {
    let fd = fd.as_fd();
    let args = abi::U64_ARG.place([fd_arg(fd)], len);
    // SAFETY: ftruncate takes integers and touches no memory.
    Errno::from_ret(unsafe { syscall_args(abi::SYS_FTRUNCATE64, args) }).map(drop)
}
