//! Control messages (ancillary data) and fd passing (`SCM_RIGHTS`) over
//! unix sockets, in caller-owned buffers: nothing allocates.
//!
//! - Sending: a [`ControlBuilder`] writes messages into a byte buffer
//!   (sized with [`cmsg_space`] / [`rights_space`]); [`sendmsg_control`]
//!   sends them with the data. [`send_fds`] does both for fds alone.
//! - Receiving: [`recvmsg_control`] returns a [`Received`], whose
//!   [`ReceivedControl`] owns the fds the kernel installed: take them with
//!   [`ReceivedControl::take_fds`] (each an [`OwnedFd`]); whatever is not
//!   taken is closed when it is dropped, including when the control data
//!   was cut short ([`MsgFlags::CTRUNC`]: the kernel closes the fds that
//!   did not fit, this closes those that did). Received fds are always
//!   close-on-exec (`MSG_CMSG_CLOEXEC`).
//! - Parsing ([`ControlMessages`]) treats the bytes as untrusted: every
//!   read is bounds-checked against the length the kernel reported, a
//!   message longer than what is left is cut to it (whole fds only), a
//!   header shorter than a header ends the walk. It is fuzzed
//!   (`fuzz/fuzz_targets/cmsg.rs`) against an independent model, and so
//!   is the ownership of the fds in it.
//!
//! The layout is the kernel's (`struct cmsghdr`: a `size_t` length, then
//! level and type; data aligned to `size_t`): 16-byte headers on the
//! 64-bit ABIs, 12-byte ones on the 32-bit ABIs (and for 32-bit programs
//! on 64-bit kernels, whose compat layout is the same).
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use bareio::fd::AsFd;
//! use bareio::sys::*;
//!
//! let (a, b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
//! let (reader, writer) = pipe2(PipeFlags::CLOEXEC)?;
//! send_fds(&a, &[IoSlice::new(b"fd")], &[writer.as_fd()], MsgFlags::NOSIGNAL)?;
//! drop(writer); // the peer has its own copy now
//!
//! let mut data = [0u8; 8];
//! let mut control = [0u8; rights_space(4)];
//! let mut received = recvmsg_control(&b, &mut [IoSliceMut::new(&mut data)], &mut control, MsgFlags::empty())?;
//! assert_eq!(received.bytes, 2);
//! let writer = received.control.take_fds().next().expect("one fd");
//! write(&writer, b"through the passed fd")?;
//! assert_eq!(read(&reader, &mut [0u8; 32])?, 21);
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```

use core::marker::PhantomData;
use core::mem::size_of;

use super::addr::SocketAddrAny;
use super::{recvmsg_raw, sendmsg_raw, MsgFlags, Msghdr};
use crate::arch::current as abi;
use crate::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use crate::sys::{IoSlice, IoSliceMut};
use crate::Errno;

/// `SCM_RIGHTS` (level `SOL_SOCKET`): file descriptors, as `int`s.
pub const SCM_RIGHTS: i32 = 1;

/// The most fds one message may carry (`SCM_MAX_FD`); more is `EINVAL`.
pub const MAX_FDS: usize = 253;

/// The kernel's `struct cmsghdr`.
#[repr(C)]
pub(crate) struct Cmsghdr {
    pub(crate) len: usize,
    pub(crate) level: i32,
    pub(crate) ty: i32,
}

/// Bytes of a header.
const HDR: usize = size_of::<Cmsghdr>();
/// Bytes of an fd in `SCM_RIGHTS` data.
const FD: usize = size_of::<RawFd>();

/// `CMSG_ALIGN`: lengths round up to a `size_t`. `None` on overflow.
const fn align(len: usize) -> Option<usize> {
    match len.checked_add(size_of::<usize>() - 1) {
        Some(n) => Some(n & !(size_of::<usize>() - 1)),
        None => None,
    }
}

/// `CMSG_SPACE(data_len)`: the bytes one message with `data_len` bytes of
/// data takes in a control buffer, padding included.
///
/// # Panics
///
/// On overflow (a compile-time error where used for an array length).
pub const fn cmsg_space(data_len: usize) -> usize {
    match align(data_len) {
        Some(data) => HDR + data,
        None => panic!("cmsg_space: overflow"),
    }
}

/// `CMSG_LEN(data_len)`: the length recorded in a message's header.
pub const fn cmsg_len(data_len: usize) -> usize {
    HDR + data_len
}

/// The control buffer size for one `SCM_RIGHTS` message of `fds` fds:
/// `let mut control = [0u8; rights_space(4)];`. (Rounded up to a
/// `size_t`: on the 64-bit ABIs an odd count leaves room for one more,
/// which the kernel fills if the sender sent it; [`cmsg_len`]`(4 * n)`
/// bytes hold exactly `n`.)
pub const fn rights_space(fds: usize) -> usize {
    cmsg_space(fds * FD)
}

/// Reads the native `size_t` at `at` (bounds-checked).
fn read_usize(bytes: &[u8], at: usize) -> Option<usize> {
    let raw = bytes.get(at..at.checked_add(size_of::<usize>())?)?;
    Some(usize::from_ne_bytes(raw.try_into().ok()?))
}

/// Reads the native `int` at `at` (bounds-checked).
fn read_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let raw = bytes.get(at..at.checked_add(FD)?)?;
    Some(i32::from_ne_bytes(raw.try_into().ok()?))
}

/// Where one message sits in the buffer.
#[derive(Clone, Copy)]
struct Span {
    level: i32,
    ty: i32,
    /// Its data: `start..end`, within the buffer.
    start: usize,
    end: usize,
    /// Where the next header would start (at most the buffer's length).
    next: usize,
}

impl Span {
    fn is_rights(&self) -> bool {
        self.level == abi::SOL_SOCKET && self.ty == SCM_RIGHTS
    }
}

/// The message whose header starts at `at` in `bytes`, if a whole header
/// fits there and its length is at least a header's (as glibc's
/// `CMSG_NXTHDR`). Data longer than what is left is cut to it.
fn span_at(bytes: &[u8], at: usize) -> Option<Span> {
    if bytes.len().checked_sub(at)? < HDR {
        return None;
    }
    let len = read_usize(bytes, at)?;
    if len < HDR {
        return None;
    }
    let level = read_i32(bytes, at + size_of::<usize>())?;
    let ty = read_i32(bytes, at + size_of::<usize>() + FD)?;
    let end = at.saturating_add(len).min(bytes.len());
    let next = align(len).and_then(|step| at.checked_add(step)).map_or(bytes.len(), |n| n.min(bytes.len()));
    Some(Span { level, ty, start: at + HDR, end, next })
}

/// One control message of a [`ControlMessages`] walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlMessage<'a> {
    /// `cmsg_level` (`SOL_SOCKET`, `IPPROTO_IP`, …).
    pub level: i32,
    /// `cmsg_type` ([`SCM_RIGHTS`], …).
    pub ty: i32,
    /// The data, cut to what the buffer holds.
    pub data: &'a [u8],
}

impl<'a> ControlMessage<'a> {
    /// For an `SCM_RIGHTS` message, the fd numbers it carries (whole
    /// `int`s only; -1 for those already taken from a
    /// [`ReceivedControl`]). Numbers, not ownership:
    /// [`ReceivedControl::take_fds`] hands them out.
    pub fn rights(&self) -> Option<impl Iterator<Item = RawFd> + 'a> {
        let data = self.data;
        (self.level == abi::SOL_SOCKET && self.ty == SCM_RIGHTS)
            .then(|| data.chunks_exact(FD).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]])))
    }
}

/// A walk over the control messages in a buffer (any bytes: see the
/// module docs for how malformed ones are treated).
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::sys::{cmsg_space, ControlBuilder, ControlMessages};
///
/// let mut buf = [0u8; cmsg_space(3) + cmsg_space(1)];
/// let mut builder = ControlBuilder::new(&mut buf);
/// builder.push(41, 50, b"abc")?;
/// builder.push(0, 8, b"z")?;
/// let kinds: Vec<_> = ControlMessages::new(builder.as_bytes()).map(|m| (m.level, m.ty, m.data)).collect();
/// assert_eq!(kinds, [(41, 50, &b"abc"[..]), (0, 8, &b"z"[..])]);
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
#[derive(Clone, Debug)]
pub struct ControlMessages<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> ControlMessages<'a> {
    /// Walks the messages in `bytes` (the control length the kernel
    /// returned, not the whole buffer).
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }
}

impl<'a> Iterator for ControlMessages<'a> {
    type Item = ControlMessage<'a>;

    fn next(&mut self) -> Option<ControlMessage<'a>> {
        let span = span_at(self.bytes, self.at)?;
        self.at = span.next;
        Some(ControlMessage { level: span.level, ty: span.ty, data: &self.bytes[span.start..span.end] })
    }
}

impl core::iter::FusedIterator for ControlMessages<'_> {}

/// Writes control messages into a caller's buffer, for
/// [`sendmsg_control`]. The fds of [`push_rights`](Self::push_rights)
/// stay borrowed (`'fd`) while the builder lives, so they are still open
/// when sent.
#[derive(Debug)]
pub struct ControlBuilder<'b, 'fd> {
    buf: &'b mut [u8],
    len: usize,
    _fds: PhantomData<BorrowedFd<'fd>>,
}

impl<'b, 'fd> ControlBuilder<'b, 'fd> {
    /// An empty builder writing into `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0, _fds: PhantomData }
    }

    /// Appends one message; `ENOBUFS` if it does not fit (nothing is
    /// written then), `EINVAL` for `SCM_RIGHTS` (use
    /// [`push_rights`](Self::push_rights), which keeps the fds borrowed).
    pub fn push(&mut self, level: i32, ty: i32, data: &[u8]) -> Result<(), Errno> {
        if level == abi::SOL_SOCKET && ty == SCM_RIGHTS {
            return Err(Errno::EINVAL);
        }
        self.append(level, ty, data.len(), |out| out.copy_from_slice(data))
    }

    /// Appends an `SCM_RIGHTS` message carrying `fds` (at most
    /// [`MAX_FDS`], else `EINVAL`); `ENOBUFS` if it does not fit.
    pub fn push_rights(&mut self, fds: &[BorrowedFd<'fd>]) -> Result<(), Errno> {
        if fds.len() > MAX_FDS {
            return Err(Errno::EINVAL);
        }
        self.append(abi::SOL_SOCKET, SCM_RIGHTS, fds.len() * FD, |out| {
            for (slot, fd) in out.chunks_exact_mut(FD).zip(fds) {
                slot.copy_from_slice(&fd.as_raw_fd().to_ne_bytes());
            }
        })
    }

    /// Writes a header for `data_len` bytes, the data (by `fill`) and the
    /// padding after it (zeros).
    fn append(
        &mut self,
        level: i32,
        ty: i32,
        data_len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<(), Errno> {
        let space = align(data_len).and_then(|data| data.checked_add(HDR)).ok_or(Errno::ENOBUFS)?;
        let end = self.len.checked_add(space).filter(|&end| end <= self.buf.len()).ok_or(Errno::ENOBUFS)?;
        let out = &mut self.buf[self.len..end];
        out[..size_of::<usize>()].copy_from_slice(&cmsg_len(data_len).to_ne_bytes());
        out[size_of::<usize>()..size_of::<usize>() + FD].copy_from_slice(&level.to_ne_bytes());
        out[size_of::<usize>() + FD..HDR].copy_from_slice(&ty.to_ne_bytes());
        fill(&mut out[HDR..HDR + data_len]);
        out[HDR + data_len..].fill(0);
        self.len = end;
        Ok(())
    }

    /// The messages written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Sends the buffers with the control messages of `control` on a
/// connected socket (unix sockets for `SCM_RIGHTS`).
pub fn sendmsg_control(
    fd: impl AsFd,
    bufs: &[IoSlice<'_>],
    control: &ControlBuilder<'_, '_>,
    flags: MsgFlags,
) -> Result<usize, Errno> {
    let control = control.as_bytes();
    let mut msg = Msghdr::with_iov(bufs.as_ptr() as usize, bufs.len());
    if !control.is_empty() {
        (msg.control, msg.controllen) = (control.as_ptr() as usize, control.len());
    }
    // SAFETY: the header points at `bufs` and the control bytes, both
    // borrowed for the call (the fds in them borrowed by the builder).
    unsafe { sendmsg_raw(fd, &msg, flags) }
}

/// Sends the buffers and `fds` (one `SCM_RIGHTS` message, at most
/// [`MAX_FDS`]) on a connected unix socket. Linux wants at least one byte
/// of data with them on a stream socket.
pub fn send_fds(
    fd: impl AsFd,
    bufs: &[IoSlice<'_>],
    fds: &[BorrowedFd<'_>],
    flags: MsgFlags,
) -> Result<usize, Errno> {
    let mut buf = [0u8; rights_space(MAX_FDS)];
    let mut control = ControlBuilder::new(&mut buf);
    control.push_rights(fds)?;
    sendmsg_control(fd, bufs, &control, flags)
}

/// The control messages of one receive, and the fds they carry, owned:
/// [`take_fds`](Self::take_fds) hands them out, and dropping this closes
/// every one not taken.
#[derive(Debug)]
pub struct ReceivedControl<'b> {
    /// The buffer, cut to the control length; taken fds are overwritten
    /// with -1 in it.
    buf: &'b mut [u8],
}

impl<'b> ReceivedControl<'b> {
    /// Takes ownership of the fds in the `SCM_RIGHTS` messages of
    /// `buf[..len]` (`len` is cut to `buf`'s length).
    ///
    /// # Safety
    ///
    /// Every non-negative fd number in an `SCM_RIGHTS` message (as
    /// [`ControlMessages`] finds them) is open and owned by the caller, who
    /// gives that ownership up: they will be closed by this value, or by
    /// the `OwnedFd`s it hands out. (What [`recvmsg_control`] guarantees
    /// for what the kernel wrote.)
    pub unsafe fn from_raw_parts(buf: &'b mut [u8], len: usize) -> Self {
        let len = len.min(buf.len());
        Self { buf: &mut buf[..len] }
    }

    /// The messages (the fds in them as numbers, -1 once taken).
    pub fn messages(&self) -> ControlMessages<'_> {
        ControlMessages::new(self.buf)
    }

    /// Whether there are no control messages at all.
    pub fn is_empty(&self) -> bool {
        self.messages().next().is_none()
    }

    /// The fds not taken yet, in order, each an [`OwnedFd`]. Stopping
    /// early leaves the rest to the next call, or to the drop.
    pub fn take_fds(&mut self) -> TakeFds<'_> {
        TakeFds { buf: self.buf, at: 0, slot: 0, end: 0 }
    }
}

impl Drop for ReceivedControl<'_> {
    /// Closes every fd not taken.
    fn drop(&mut self) {
        self.take_fds().for_each(drop);
    }
}

/// The iterator of [`ReceivedControl::take_fds`].
#[derive(Debug)]
pub struct TakeFds<'a> {
    buf: &'a mut [u8],
    /// The next header to look at.
    at: usize,
    /// The next fd slot of the current `SCM_RIGHTS` message, and its end.
    slot: usize,
    end: usize,
}

impl Iterator for TakeFds<'_> {
    type Item = OwnedFd;

    fn next(&mut self) -> Option<OwnedFd> {
        loop {
            if self.end - self.slot >= FD {
                let at = self.slot;
                self.slot += FD;
                let fd = read_i32(self.buf, at)?;
                if fd < 0 {
                    continue; // taken before
                }
                self.buf[at..at + FD].copy_from_slice(&(-1i32).to_ne_bytes());
                // SAFETY: `ReceivedControl` owns the fds in its `SCM_RIGHTS`
                // slots (its constructor's contract); this one is marked
                // taken above, so it is handed out once.
                return Some(unsafe { OwnedFd::from_raw_fd(fd) });
            }
            let span = span_at(self.buf, self.at)?;
            self.at = span.next;
            if span.is_rights() {
                (self.slot, self.end) = (span.start, span.end);
            }
        }
    }
}

impl core::iter::FusedIterator for TakeFds<'_> {}

/// What [`recvmsg_control`] received.
#[derive(Debug)]
pub struct Received<'b> {
    /// Bytes of data received (with [`MsgFlags::TRUNC`] given: the
    /// datagram's real length).
    pub bytes: usize,
    /// The message's flags: [`MsgFlags::TRUNC`] (data cut),
    /// [`MsgFlags::CTRUNC`] (control data cut: fds lost, closed by the
    /// kernel). Without `CMSG_CLOEXEC`, which the call always sets and the
    /// kernel echoes.
    pub flags: MsgFlags,
    /// The sender's address (datagram sockets; empty otherwise).
    pub addr: SocketAddrAny,
    /// The control messages, owning their fds.
    pub control: ReceivedControl<'b>,
}

/// Receives into the buffers, with control messages into `control` and
/// the sender's address: `MSG_CMSG_CLOEXEC` is always added, so received
/// fds are close-on-exec. The fds are owned by the result (see
/// [`ReceivedControl`]).
pub fn recvmsg_control<'b>(
    fd: impl AsFd,
    bufs: &mut [IoSliceMut<'_>],
    control: &'b mut [u8],
    flags: MsgFlags,
) -> Result<Received<'b>, Errno> {
    let mut addr = SocketAddrAny::new();
    let (name, _) = addr.out_args();
    let mut msg = Msghdr::with_iov(bufs.as_mut_ptr() as usize, bufs.len());
    (msg.name, msg.namelen) = (name, addr.len);
    (msg.control, msg.controllen) = (control.as_mut_ptr() as usize, control.len());
    // SAFETY: the header points at `bufs`, the address storage and
    // `control`, all exclusively borrowed for the call.
    let bytes = unsafe { recvmsg_raw(fd, &mut msg, flags | MsgFlags::CMSG_CLOEXEC)? };
    addr.len = msg.namelen;
    let flags = MsgFlags::from_bits_retain(msg.flags as u32) - MsgFlags::CMSG_CLOEXEC;
    // SAFETY: the kernel wrote `controllen` bytes of control messages and
    // installed the fds of their `SCM_RIGHTS` messages in this process,
    // for nobody but this call's caller.
    let control = unsafe { ReceivedControl::from_raw_parts(control, msg.controllen) };
    Ok(Received { bytes, flags, addr, control })
}
