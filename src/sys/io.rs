//! `read`, `write`, `readv`, `writev`, `close`, `fcntl`, `dup` and `dup3`.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use super::{fd_arg, int_arg, new_fd};
use crate::arch::current as abi;
use crate::fd::{AsFd, AsRawFd, IntoRawFd, OwnedFd};
use crate::Errno;

/// Reads into `buf`; `Ok(0)` is end of file (or an empty `buf`).
#[inline]
pub fn read(fd: impl AsFd, buf: &mut [u8]) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which
    // is valid and exclusively borrowed for the call.
    Errno::from_ret(unsafe { syscall!(SYS_READ, fd_arg(fd), buf.as_mut_ptr() as usize, buf.len()) })
}

/// Writes from `buf`; returns how many bytes were written (maybe fewer).
#[inline]
pub fn write(fd: impl AsFd, buf: &[u8]) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
    Errno::from_ret(unsafe { syscall!(SYS_WRITE, fd_arg(fd), buf.as_ptr() as usize, buf.len()) })
}

/// Reads into several buffers in order; more than 1024 gives `EINVAL`.
#[inline]
pub fn readv(fd: impl AsFd, bufs: &mut [IoSliceMut<'_>]) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    // SAFETY: `IoSliceMut` has the layout of `struct iovec` and each one
    // describes a buffer exclusively borrowed for the call.
    Errno::from_ret(unsafe { syscall!(SYS_READV, fd_arg(fd), bufs.as_mut_ptr() as usize, bufs.len()) })
}

/// Writes several buffers in order; more than 1024 gives `EINVAL`.
#[inline]
pub fn writev(fd: impl AsFd, bufs: &[IoSlice<'_>]) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    // SAFETY: `IoSlice` has the layout of `struct iovec` and each one
    // describes a buffer borrowed for the call; the kernel only reads them.
    Errno::from_ret(unsafe { syscall!(SYS_WRITEV, fd_arg(fd), bufs.as_ptr() as usize, bufs.len()) })
}

/// Closes `fd` and reports the error that dropping it would ignore.
///
/// Linux releases the descriptor even when close fails (even on `EINTR`),
/// so it must not be closed again whatever the result.
#[inline]
pub fn close(fd: OwnedFd) -> Result<(), Errno> {
    let raw = fd.into_raw_fd();
    // SAFETY: `raw` was owned by `fd`, whose ownership we consumed.
    Errno::from_ret(unsafe { syscall!(SYS_CLOSE, int_arg(raw)) }).map(drop)
}

/// The close behind [`OwnedFd`]'s `Drop`. Out of line: a program drops
/// fds in many places, and a call is smaller than the syscall's register
/// set-up (96 B of the relay), and nothing next to the syscall's cost.
#[cfg(not(feature = "std"))]
#[inline(never)]
pub(crate) fn close_raw_ignoring_errors(fd: crate::fd::RawFd) {
    // SAFETY: only called by `OwnedFd::drop`, which owns `fd`.
    let _ = unsafe { syscall!(SYS_CLOSE, int_arg(fd)) };
}

flags! {
    /// File status flags, as read by [`fcntl_getfl`] (`O_*`).
    pub struct OFlags: u32 {
        /// `O_NONBLOCK`: I/O returns `EAGAIN` instead of blocking.
        const NONBLOCK = abi::O_NONBLOCK;
        /// `O_CLOEXEC` (for [`open`](super::open); `fcntl_getfl` never
        /// reports it: it is a descriptor flag, [`FdFlags::CLOEXEC`]).
        const CLOEXEC = abi::O_CLOEXEC;
        /// `O_LARGEFILE`: offsets past 2 GiB. [`open`](super::open) always
        /// sets it (on the 64-bit ABIs the kernel does), so
        /// [`fcntl_getfl`] reports it for files it opened.
        const LARGEFILE = abi::O_LARGEFILE;
    }
}

flags! {
    /// File descriptor flags (`FD_*`), as read by [`fcntl_getfd`].
    pub struct FdFlags: u32 {
        /// `FD_CLOEXEC`: closed by `execve`.
        const CLOEXEC = 1;
    }
}

/// `fcntl` commands; the same numbers on every Linux architecture.
pub(crate) mod fcntl_cmd {
    pub const F_GETFD: i32 = 1;
    pub const F_SETFD: i32 = 2;
    pub const F_GETFL: i32 = 3;
    pub const F_SETFL: i32 = 4;
    pub const F_DUPFD_CLOEXEC: i32 = 1030;
    pub const F_SETPIPE_SZ: i32 = 1031;
    pub const F_GETPIPE_SZ: i32 = 1032;
}

/// `fcntl(fd, cmd, arg)` for the commands whose argument is an `int` and
/// whose result is an `int`: nothing is read or written through pointers.
#[inline]
pub(crate) fn fcntl_int(fd: impl AsFd, cmd: i32, arg: i32) -> Result<i32, Errno> {
    let fd = fd.as_fd();
    // SAFETY: every `cmd` passed here takes an integer argument (no pointer).
    let ret = Errno::from_ret(unsafe { syscall!(SYS_FCNTL, fd_arg(fd), int_arg(cmd), int_arg(arg)) })?;
    Ok(ret as i32)
}

/// `fcntl(F_GETFL)`: the file status flags (`O_NONBLOCK`, access mode, …).
pub fn fcntl_getfl(fd: impl AsFd) -> Result<OFlags, Errno> {
    fcntl_int(fd, fcntl_cmd::F_GETFL, 0).map(|bits| OFlags::from_bits_retain(bits as u32))
}

/// `fcntl(F_SETFL)`: sets the file status flags (only `O_NONBLOCK`,
/// `O_APPEND`, `O_ASYNC`, `O_DIRECT` and `O_NOATIME` can change).
pub fn fcntl_setfl(fd: impl AsFd, flags: OFlags) -> Result<(), Errno> {
    fcntl_int(fd, fcntl_cmd::F_SETFL, flags.bits() as i32).map(drop)
}

/// `fcntl(F_GETFD)`: the descriptor flags (`FD_CLOEXEC`).
pub fn fcntl_getfd(fd: impl AsFd) -> Result<FdFlags, Errno> {
    fcntl_int(fd, fcntl_cmd::F_GETFD, 0).map(|bits| FdFlags::from_bits_retain(bits as u32))
}

/// `fcntl(F_SETFD)`: sets the descriptor flags.
pub fn fcntl_setfd(fd: impl AsFd, flags: FdFlags) -> Result<(), Errno> {
    fcntl_int(fd, fcntl_cmd::F_SETFD, flags.bits() as i32).map(drop)
}

/// Turns `O_NONBLOCK` on or off, keeping the other status flags.
pub fn set_nonblocking(fd: impl AsFd, nonblocking: bool) -> Result<(), Errno> {
    let fd = fd.as_fd();
    let flags = fcntl_getfl(fd)?;
    let wanted = if nonblocking { flags.union(OFlags::NONBLOCK) } else { flags.difference(OFlags::NONBLOCK) };
    if wanted == flags {
        return Ok(());
    }
    fcntl_setfl(fd, wanted)
}

/// A new fd for the open file of `fd` (`dup`: the lowest free number),
/// **without** close-on-exec; [`fcntl_dupfd_cloexec`] sets it. Both share
/// the file position and status flags (`O_NONBLOCK`: setting it on one
/// sets it on the other).
pub fn dup(fd: impl AsFd) -> Result<OwnedFd, Errno> {
    let fd = fd.as_fd();
    // SAFETY: dup takes an integer and touches no memory; on success it
    // returns a new fd.
    unsafe { new_fd(syscall!(SYS_DUP, fd_arg(fd))) }
}

/// `fcntl(F_DUPFD_CLOEXEC)`: a close-on-exec duplicate of `fd`, at the
/// lowest free number that is at least `min` (`EINVAL` if `min` is
/// negative or above the open-file limit).
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::fd::AsRawFd;
/// use bareio::sys::{fcntl_dupfd_cloexec, fcntl_getfd, pipe2, FdFlags, PipeFlags};
///
/// let (reader, _writer) = pipe2(PipeFlags::empty())?;
/// let copy = fcntl_dupfd_cloexec(&reader, 100)?;
/// assert!(copy.as_raw_fd() >= 100);
/// assert!(fcntl_getfd(&copy)?.contains(FdFlags::CLOEXEC));
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn fcntl_dupfd_cloexec(fd: impl AsFd, min: i32) -> Result<OwnedFd, Errno> {
    let fd = fd.as_fd();
    // SAFETY: F_DUPFD_CLOEXEC takes an integer and touches no memory; on
    // success it returns a new fd.
    unsafe { new_fd(syscall!(SYS_FCNTL, fd_arg(fd), int_arg(fcntl_cmd::F_DUPFD_CLOEXEC), int_arg(min))) }
}

flags! {
    /// Flags of [`dup3`].
    pub struct DupFlags: u32 {
        /// `O_CLOEXEC` on the new fd.
        const CLOEXEC = abi::O_CLOEXEC;
    }
}

/// Makes `new`'s number refer to the open file of `old` (`dup3`): the
/// file `new` had is closed (errors ignored, as the kernel does), and
/// `new` keeps owning the number. `EINVAL` if both are the same number.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::sys::{dup3, pipe2, read, write, DupFlags, PipeFlags};
///
/// let (reader, writer) = pipe2(PipeFlags::CLOEXEC)?;
/// let (mut other, _w) = pipe2(PipeFlags::CLOEXEC)?;
/// dup3(&reader, &mut other, DupFlags::CLOEXEC)?; // `other` now reads `reader`'s pipe
/// write(&writer, b"x")?;
/// assert_eq!(read(&other, &mut [0u8; 1])?, 1);
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn dup3(old: impl AsFd, new: &mut OwnedFd, flags: DupFlags) -> Result<(), Errno> {
    let old = old.as_fd();
    // SAFETY: dup3 takes integers and touches no memory; the number it
    // reuses is `new`'s, owned by `new` before and after (the kernel closes
    // the file it referred to).
    Errno::from_ret(unsafe {
        syscall!(SYS_DUP3, fd_arg(old), int_arg(new.as_raw_fd()), flags.bits() as usize)
    })
    .map(drop)
}

/// One buffer of a vectored write: the kernel's `struct iovec`, borrowing
/// the bytes it points at.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct IoSlice<'a> {
    pub(crate) base: *const u8,
    pub(crate) len: usize,
    _bytes: PhantomData<&'a [u8]>,
}

/// One buffer of a vectored read: the kernel's `struct iovec`, exclusively
/// borrowing the bytes it points at.
#[repr(C)]
pub struct IoSliceMut<'a> {
    pub(crate) base: *mut u8,
    pub(crate) len: usize,
    _bytes: PhantomData<&'a mut [u8]>,
}

// SAFETY: an `IoSlice` is a `&[u8]` in another layout.
unsafe impl Send for IoSlice<'_> {}
// SAFETY: as above.
unsafe impl Sync for IoSlice<'_> {}
// SAFETY: an `IoSliceMut` is a `&mut [u8]` in another layout.
unsafe impl Send for IoSliceMut<'_> {}
// SAFETY: as above.
unsafe impl Sync for IoSliceMut<'_> {}

impl<'a> IoSlice<'a> {
    /// Describes `buf`.
    #[inline]
    pub const fn new(buf: &'a [u8]) -> Self {
        Self { base: buf.as_ptr(), len: buf.len(), _bytes: PhantomData }
    }

    /// The bytes, with the original lifetime.
    #[inline]
    pub const fn as_slice(&self) -> &'a [u8] {
        // SAFETY: `base`/`len` came from a `&'a [u8]` in `new`.
        unsafe { core::slice::from_raw_parts(self.base, self.len) }
    }
}

impl<'a> IoSliceMut<'a> {
    /// Describes `buf`.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { base: buf.as_mut_ptr(), len: buf.len(), _bytes: PhantomData }
    }
}

impl Deref for IoSlice<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Deref for IoSliceMut<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: `base`/`len` came from a `&mut [u8]` borrowed for `'a`.
        unsafe { core::slice::from_raw_parts(self.base, self.len) }
    }
}

impl DerefMut for IoSliceMut<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.base, self.len) }
    }
}

/// With `std`: the same `iovec`, as std's type (for `Write::write_vectored`).
#[cfg(feature = "std")]
impl<'a> From<IoSlice<'a>> for std::io::IoSlice<'a> {
    #[inline]
    fn from(slice: IoSlice<'a>) -> Self {
        std::io::IoSlice::new(slice.as_slice())
    }
}

/// With `std`: std's `iovec` as this crate's (for [`writev`], [`sendmsg`](super::sendmsg)).
#[cfg(feature = "std")]
impl<'a> From<std::io::IoSlice<'a>> for IoSlice<'a> {
    #[inline]
    fn from(slice: std::io::IoSlice<'a>) -> Self {
        // A `std::io::IoSlice<'a>` is made from a `&'a [u8]` and derefs to
        // those bytes (not to memory inside itself): `as_slice`'s invariant.
        Self { base: slice.as_ptr(), len: slice.len(), _bytes: PhantomData }
    }
}

/// With `std`: the same buffer, as std's type (for `Read::read_vectored`).
#[cfg(feature = "std")]
impl<'a> From<IoSliceMut<'a>> for std::io::IoSliceMut<'a> {
    #[inline]
    fn from(slice: IoSliceMut<'a>) -> Self {
        // SAFETY: `base`/`len` describe a `&'a mut [u8]` (from `new` or from
        // std's type below) that `slice` held exclusively and gives up here.
        std::io::IoSliceMut::new(unsafe { core::slice::from_raw_parts_mut(slice.base, slice.len) })
    }
}

/// With `std`: std's buffer as this crate's (for [`readv`], [`recvmsg`](super::recvmsg)).
#[cfg(feature = "std")]
impl<'a> From<std::io::IoSliceMut<'a>> for IoSliceMut<'a> {
    #[inline]
    fn from(mut slice: std::io::IoSliceMut<'a>) -> Self {
        // A `std::io::IoSliceMut<'a>` is made from a `&'a mut [u8]` and
        // derefs to those bytes; consuming it moves the exclusive borrow.
        Self { base: slice.as_mut_ptr(), len: slice.len(), _bytes: PhantomData }
    }
}

impl core::fmt::Debug for IoSlice<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl core::fmt::Debug for IoSliceMut<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&**self, f)
    }
}
