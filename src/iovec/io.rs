//! Vectored writes and reads on fds: one syscall per step, and the loops
//! built on the step.

use core::ops::Deref;

use super::{Buffers, IoVecs, IOV_MAX};
use crate::fd::AsFd;
use crate::sys::{self, IoSlice, IoSliceMut, MsgFlags};
use crate::Errno;

impl<'s, T: Deref<Target = [u8]>> Buffers<'s, T> {
    /// One write step: builds the next batch of up to `min(N, IOV_MAX)`
    /// entries ([`IoVecs<N>`](IoVecs), on the stack), calls `write` with it
    /// once, and consumes the bytes it reports written.
    ///
    /// `write` is the syscall, e.g. `|iov| bareio::sys::writev(fd, iov)`;
    /// [`write_vectored`] and [`send_vectored`] are this with `writev` and
    /// `sendmsg`.
    ///
    /// Returns the bytes written: `Ok(0)` only when nothing remained, in
    /// which case `write` is not called.
    ///
    /// # Errors
    ///
    /// - the error of `write`, unchanged (`EINTR` and `EAGAIN` included):
    ///   nothing is consumed;
    /// - `EIO` when `write` reports 0 bytes for a non-empty batch (a write
    ///   that makes no progress would loop forever; std calls this
    ///   `WriteZero`), or more bytes than the batch holds: nothing is
    ///   consumed.
    pub fn write_with<const N: usize>(
        &mut self,
        write: impl FnOnce(&[IoSlice<'s>]) -> Result<usize, Errno>,
    ) -> Result<usize, Errno> {
        let mut iov = IoVecs::<'s, N>::new();
        let batch = iov.fill_batch(self);
        if iov.is_empty() {
            return Ok(0);
        }
        let written = write(iov.as_slice())?;
        if written == batch.bytes && written != usize::MAX {
            // All of it (and the count did not saturate): the chunks the
            // batch came from are consumed, with no walk over them.
            self.consume_chunks(batch.walked);
            return Ok(written);
        }
        if written == 0 || written > batch.bytes {
            return Err(Errno::EIO);
        }
        // Cannot fail: the batch is a prefix of the remaining bytes.
        self.advance(written).map_err(|_| Errno::EIO)?;
        Ok(written)
    }

    /// Write steps ([`write_with`](Self::write_with)) until nothing
    /// remains, retrying `EINTR`.
    ///
    /// `write` is called once per step, so `N` ≥ the number of non-empty
    /// chunks (up to [`IOV_MAX`]) writes everything in one call when the
    /// fd takes it all.
    ///
    /// # Errors
    ///
    /// The first error other than `EINTR`, with every byte written before
    /// it consumed from `self`. With `EAGAIN` on a nonblocking fd, wait for
    /// writability (e.g. [`Interest::WRITABLE`](crate::poll::Interest) with
    /// a [`Poller`](crate::poll::Poller)) and call again: nothing is lost
    /// or written twice. `EIO` for a write of 0 bytes, as in `write_with`.
    pub fn write_all_with<const N: usize>(
        &mut self,
        mut write: impl FnMut(&[IoSlice<'s>]) -> Result<usize, Errno>,
    ) -> Result<(), Errno> {
        loop {
            match self.write_with::<N>(&mut write) {
                // Nothing remained (not "wrote 0": that is `EIO`).
                Ok(0) => return Ok(()),
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// One `writev` of the next batch of `bufs` (up to `min(N, IOV_MAX)`
/// non-empty chunks), then consumes what it wrote: exactly one syscall, or
/// none when `bufs` is empty (`Ok(0)`).
///
/// `N` sizes the batch, built on the stack (16 bytes per entry on 64-bit).
/// Errors as in [`Buffers::write_with`]: `EINTR` and `EAGAIN` are returned
/// with nothing consumed, a 0-byte write is `EIO`.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::iovec::{write_vectored, Buffers};
/// use bareio::sys::{pipe2, PipeFlags};
///
/// let (_r, w) = pipe2(PipeFlags::CLOEXEC)?;
/// let chunks: [&[u8]; 3] = [b"a", b"b", b"c"];
/// let mut bufs = Buffers::new(&chunks);
/// assert_eq!(write_vectored::<2>(&w, &mut bufs), Ok(2)); // "a", "b"
/// assert_eq!(write_vectored::<2>(&w, &mut bufs), Ok(1)); // "c"
/// assert_eq!(write_vectored::<2>(&w, &mut bufs), Ok(0)); // no syscall
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn write_vectored<const N: usize>(
    fd: impl AsFd,
    bufs: &mut Buffers<'_, impl Deref<Target = [u8]>>,
) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    bufs.write_with::<N>(|iov| sys::writev(fd, iov))
}

/// Writes all of `bufs` with [`write_vectored`] steps, retrying `EINTR`.
///
/// When the fd takes everything, that is `ceil(k / min(N, IOV_MAX))`
/// syscalls for `k` non-empty chunks.
///
/// # Errors
///
/// The first error other than `EINTR`, with all progress consumed from
/// `bufs`: on `EAGAIN`, wait for writability and call again. A 0-byte
/// write is `EIO`. On a socket whose peer may close, use
/// [`send_vectored_all`], which gets `EPIPE` where `writev` raises
/// `SIGPIPE` (fatal unless ignored).
pub fn write_vectored_all<const N: usize>(
    fd: impl AsFd,
    bufs: &mut Buffers<'_, impl Deref<Target = [u8]>>,
) -> Result<(), Errno> {
    let fd = fd.as_fd();
    bufs.write_all_with::<N>(|iov| sys::writev(fd, iov))
}

/// [`write_vectored`] for connected sockets: one
/// `sendmsg(MSG_NOSIGNAL)`, so a closed peer gives `EPIPE` instead of
/// `SIGPIPE`.
pub fn send_vectored<const N: usize>(
    fd: impl AsFd,
    bufs: &mut Buffers<'_, impl Deref<Target = [u8]>>,
) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    bufs.write_with::<N>(|iov| sys::sendmsg(fd, iov, MsgFlags::NOSIGNAL))
}

/// [`write_vectored_all`] for connected sockets, with
/// `sendmsg(MSG_NOSIGNAL)`: a closed peer gives `Err(EPIPE)` (with the
/// progress before it consumed) instead of killing the process with
/// `SIGPIPE`.
pub fn send_vectored_all<const N: usize>(
    fd: impl AsFd,
    bufs: &mut Buffers<'_, impl Deref<Target = [u8]>>,
) -> Result<(), Errno> {
    let fd = fd.as_fd();
    bufs.write_all_with::<N>(|iov| sys::sendmsg(fd, iov, MsgFlags::NOSIGNAL))
}

/// One `readv` into `bufs` in order, retrying `EINTR`; returns the bytes
/// read, `Ok(0)` at end of file (or when every buffer is empty).
///
/// Only the first [`IOV_MAX`] buffers are used (the kernel refuses more),
/// which is just a short read: call again for the rest.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::iovec::read_vectored;
/// use bareio::sys::{pipe2, write, IoSliceMut, PipeFlags};
///
/// let (r, w) = pipe2(PipeFlags::CLOEXEC)?;
/// write(&w, b"headerbody")?;
/// let (mut head, mut body) = ([0u8; 6], [0u8; 16]);
/// let n = read_vectored(&r, &mut [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)])?;
/// assert_eq!((n, &head, &body[..4]), (10, b"header", &b"body"[..]));
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
///
/// # Errors
///
/// The error of `readv` other than `EINTR`, e.g. `EAGAIN` on an empty
/// nonblocking fd.
pub fn read_vectored(fd: impl AsFd, bufs: &mut [IoSliceMut<'_>]) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    let len = bufs.len().min(IOV_MAX);
    let bufs = bufs.get_mut(..len).unwrap_or_default();
    loop {
        match sys::readv(fd, bufs) {
            Err(Errno::EINTR) => {}
            result => return result,
        }
    }
}
