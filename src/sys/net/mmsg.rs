//! Batched datagrams: `sendmmsg` and `recvmmsg`, many messages per
//! syscall, each in caller-owned buffers (nothing allocates).
//!
//! A [`SendMmsg`] / [`RecvMmsg`] is the kernel's `struct mmsghdr` itself,
//! pointing at the buffers (and address) it borrows, so a slice of them is
//! what the kernel reads and writes: no copy, no per-call setup beyond
//! resetting the address room.
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use core::net::{Ipv4Addr, SocketAddr};
//! use bareio::sys::*;
//!
//! let udp = || socket(AddressFamily::INET, SocketType::DGRAM, SocketFlags::CLOEXEC, 0);
//! let (tx, rx) = (udp()?, udp()?);
//! bind(&rx, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
//! let to = SocketAddrAny::from(getsockname(&rx)?.unwrap());
//!
//! let payloads: [&[u8]; 3] = [b"one", b"two", b"three"];
//! let iovs = payloads.map(IoSlice::new);
//! let mut out: Vec<SendMmsg> = iovs.iter().map(|iov| SendMmsg::to(core::slice::from_ref(iov), &to)).collect();
//! assert_eq!(sendmmsg(&tx, &mut out, MsgFlags::empty())?, 3);
//!
//! let mut bufs = [[0u8; 8]; 4];
//! let mut iovs: Vec<IoSliceMut> = bufs.iter_mut().map(|b| IoSliceMut::new(b)).collect();
//! let mut from = [SocketAddrAny::new(); 4];
//! let mut msgs: Vec<RecvMmsg> = iovs
//!     .iter_mut()
//!     .zip(&mut from)
//!     .map(|(iov, from)| RecvMmsg::with_addr(core::slice::from_mut(iov), from))
//!     .collect();
//! // Nonblocking for this call: take what is queued (here, all three).
//! assert_eq!(recvmmsg(&rx, &mut msgs, MsgFlags::DONTWAIT)?, 3);
//! assert_eq!(msgs[2].received(), 5);
//! let sender = msgs[0].addr().unwrap().as_ip().unwrap();
//! assert_eq!(sender.port(), getsockname(&tx)?.unwrap().port()); // tx was autobound
//! drop(msgs);
//! assert_eq!(&bufs[2][..5], b"three");
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```

use core::marker::PhantomData;
use core::mem::size_of;

use super::addr::{SockaddrStorage, SocketAddrAny};
use super::{MsgFlags, Msghdr};
use crate::fd::AsFd;
use crate::sys::{fd_arg, IoSlice, IoSliceMut};
use crate::Errno;

/// The most messages one call takes (`UIO_MAXIOV`); longer slices are
/// cut to it (the kernel would, too).
pub const MAX_MMSG: usize = 1024;

/// One datagram for [`sendmmsg`]: the kernel's `struct mmsghdr`, pointing
/// at the buffers (sent in order, as one datagram) and the destination it
/// borrows.
#[repr(C)]
pub struct SendMmsg<'a> {
    pub(crate) hdr: Msghdr,
    /// `msg_len`: bytes sent, written by the kernel.
    pub(crate) len: u32,
    _borrows: PhantomData<(&'a [IoSlice<'a>], &'a SocketAddrAny)>,
}

impl<'a> SendMmsg<'a> {
    /// A datagram for a connected socket.
    pub fn new(bufs: &'a [IoSlice<'a>]) -> Self {
        Self { hdr: Msghdr::with_iov(bufs.as_ptr() as usize, bufs.len()), len: 0, _borrows: PhantomData }
    }

    /// A datagram to `to`.
    pub fn to(bufs: &'a [IoSlice<'a>], to: &'a SocketAddrAny) -> Self {
        let mut msg = Self::new(bufs);
        let name = to.as_bytes();
        (msg.hdr.name, msg.hdr.namelen) = (name.as_ptr() as usize, name.len() as u32);
        msg
    }

    /// Bytes the last [`sendmmsg`] sent of this datagram.
    pub fn sent(&self) -> usize {
        self.len as usize
    }
}

impl core::fmt::Debug for SendMmsg<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SendMmsg").field("buffers", &self.hdr.iovlen).field("sent", &self.len).finish()
    }
}

/// Sends `msgs`, one datagram each, in one syscall; returns how many were
/// sent (the first ones; [`SendMmsg::sent`] has each one's bytes). An
/// error after at least one datagram went out is not reported (the count
/// is); the next call reports it.
pub fn sendmmsg(fd: impl AsFd, msgs: &mut [SendMmsg<'_>], flags: MsgFlags) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    // SAFETY: each `SendMmsg` is a kernel `mmsghdr` borrowing its buffers
    // and address for the call; the kernel reads them and writes only each
    // `msg_len`, into `msgs`, exclusively borrowed.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_SENDMMSG,
            fd_arg(fd),
            msgs.as_mut_ptr() as usize,
            msgs.len().min(MAX_MMSG),
            flags.bits() as usize
        )
    })
}

/// One datagram for [`recvmmsg`]: the kernel's `struct mmsghdr`, pointing
/// at the buffers (filled in order) and the room for the sender's address
/// it borrows.
#[repr(C)]
pub struct RecvMmsg<'a> {
    pub(crate) hdr: Msghdr,
    /// `msg_len`: bytes received, written by the kernel.
    pub(crate) len: u32,
    _borrows: PhantomData<(&'a mut [IoSliceMut<'a>], &'a mut SocketAddrAny)>,
}

impl<'a> RecvMmsg<'a> {
    /// Room for a datagram, its sender not recorded.
    pub fn new(bufs: &'a mut [IoSliceMut<'a>]) -> Self {
        Self { hdr: Msghdr::with_iov(bufs.as_mut_ptr() as usize, bufs.len()), len: 0, _borrows: PhantomData }
    }

    /// Room for a datagram and its sender's address ([`addr`](Self::addr)).
    pub fn with_addr(bufs: &'a mut [IoSliceMut<'a>], addr: &'a mut SocketAddrAny) -> Self {
        let mut msg = Self::new(bufs);
        // The storage is the first field of the `repr(C)` `SocketAddrAny`:
        // one pointer names both.
        msg.hdr.name = addr as *mut SocketAddrAny as usize;
        msg
    }

    /// Bytes of the datagram the last [`recvmmsg`] put here (with
    /// [`MsgFlags::TRUNC`] given, its real length).
    pub fn received(&self) -> usize {
        self.len as usize
    }

    /// Its flags: [`MsgFlags::TRUNC`] if the datagram was longer than the
    /// buffers.
    pub fn flags(&self) -> MsgFlags {
        MsgFlags::from_bits_retain(self.hdr.flags as u32)
    }

    /// The sender's address, if this has room for one.
    pub fn addr(&self) -> Option<&SocketAddrAny> {
        // SAFETY: a non-null `name` is the `SocketAddrAny` that
        // `with_addr` borrowed exclusively for `'a`; `&self` lends it out
        // shared, no longer than that.
        (self.hdr.name != 0).then(|| unsafe { &*(self.hdr.name as *const SocketAddrAny) })
    }
}

impl core::fmt::Debug for RecvMmsg<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecvMmsg")
            .field("buffers", &self.hdr.iovlen)
            .field("received", &self.len)
            .field("flags", &self.flags())
            .field("addr", &self.addr())
            .finish()
    }
}

/// Receives up to `msgs.len()` datagrams in one syscall (null timeout);
/// returns how many arrived, in `msgs[..n]`.
///
/// On a blocking socket it waits until **every** slot is filled, unless
/// [`MsgFlags::WAITFORONE`] (block for the first, then take what is
/// queued) or [`MsgFlags::DONTWAIT`] (`EAGAIN` if none is queued) is
/// given; on a nonblocking one it takes what is queued. An error after at
/// least one datagram is not reported (the count is); the next call
/// reports it.
pub fn recvmmsg(fd: impl AsFd, msgs: &mut [RecvMmsg<'_>], flags: MsgFlags) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    let count = msgs.len().min(MAX_MMSG);
    let msgs = &mut msgs[..count];
    for msg in msgs.iter_mut() {
        // The room, which the last call overwrote with a sender's length.
        msg.hdr.namelen = if msg.hdr.name != 0 { size_of::<SockaddrStorage>() as u32 } else { 0 };
    }
    // SAFETY: each `RecvMmsg` is a kernel `mmsghdr` borrowing its buffers
    // and address room exclusively for the call; the kernel writes into
    // them and the headers (`msgs`, exclusively borrowed); no timeout.
    let n = Errno::from_ret(unsafe {
        syscall!(SYS_RECVMMSG, fd_arg(fd), msgs.as_mut_ptr() as usize, msgs.len(), flags.bits() as usize, 0)
    })?;
    for msg in &mut msgs[..n] {
        if msg.hdr.name != 0 {
            // SAFETY: as in `addr`, and `&mut msgs` makes the access
            // exclusive: record the length the kernel wrote.
            unsafe { (*(msg.hdr.name as *mut SocketAddrAny)).len = msg.hdr.namelen };
        }
    }
    Ok(n)
}
