//! `openat`: opening a path (relative to the current directory).

use core::ffi::CStr;

use super::{int_arg, ret_fd, OFlags};
use crate::fd::{FromRawFd, OwnedFd};
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

/// Opens an existing file (`openat(AT_FDCWD, path, access | flags)`).
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
    // read without `O_CREAT`, which `OFlags` cannot express.
    let fd = Errno::from_ret(unsafe {
        syscall!(
            SYS_OPENAT,
            int_arg(AT_FDCWD),
            path.as_ptr() as usize,
            (access as u32 | flags.bits()) as usize,
            0
        )
    })?;
    // SAFETY: on success the fd is new and owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(ret_fd(fd)) })
}
