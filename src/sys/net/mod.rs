//! Sockets: `socket`, `socketpair`, `bind`, `listen`, `connect`, `accept4`,
//! `getsockname`, `getpeername`, `shutdown`, `sendmsg`, `recvmsg`,
//! `sendto`, `recvfrom`; socket options ([`sockopt`]),
//! control messages and fd passing ([`cmsg`]), and the batched
//! `sendmmsg`/`recvmmsg` ([`mmsg`]).
//!
//! Addresses ([`addr`]): `core::net` types for IP, converted
//! to and from the kernel's `sockaddr_in`/`sockaddr_in6`; [`UnixAddr`] for
//! unix-domain sockets (paths and abstract names); [`SocketAddrAny`] for
//! whatever the kernel returns. The calls that take an address take any
//! [`SocketAddress`]. Those that return one come in two forms: the IP one
//! (`accept4`, `getsockname`, `getpeername`: `Option<SocketAddr>`, `None`
//! for other families) and the `_any` one (a [`SocketAddrAny`]).

use core::net::SocketAddr;

use super::io::{IoSlice, IoSliceMut};
use super::{fd_arg, int_arg, new_fd, new_fd_pair};
use crate::arch::current as abi;
use crate::fd::{AsFd, OwnedFd};
use crate::Errno;

pub mod addr;
pub mod cmsg;
pub mod mmsg;
pub mod sockopt;

pub use self::addr::{SocketAddrAny, SocketAddress, UnixAddr};
pub use self::cmsg::*;
pub use self::mmsg::*;
pub use self::sockopt::*;

/// An address family (`AF_*`, the same on every architecture).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct AddressFamily(u16);

impl AddressFamily {
    /// `AF_UNSPEC`: no address.
    pub const UNSPEC: Self = Self(0);
    /// `AF_UNIX`: local sockets.
    pub const UNIX: Self = Self(1);
    /// `AF_INET`: IPv4.
    pub const INET: Self = Self(2);
    /// `AF_INET6`: IPv6.
    pub const INET6: Self = Self(10);

    /// The family of `addr`.
    pub const fn of(addr: &SocketAddr) -> Self {
        match addr {
            SocketAddr::V4(_) => Self::INET,
            SocketAddr::V6(_) => Self::INET6,
        }
    }

    /// A family by its raw value.
    pub const fn from_raw(raw: u16) -> Self {
        Self(raw)
    }

    /// The raw value.
    pub const fn raw(self) -> u16 {
        self.0
    }
}

/// A socket type (`SOCK_*`; mips swaps `STREAM` and `DGRAM`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct SocketType(u32);

impl SocketType {
    /// `SOCK_STREAM`: a byte stream (TCP, unix stream).
    pub const STREAM: Self = Self(abi::SOCK_STREAM);
    /// `SOCK_DGRAM`: datagrams (UDP, unix datagram).
    pub const DGRAM: Self = Self(abi::SOCK_DGRAM);

    /// The raw value.
    pub const fn raw(self) -> u32 {
        self.0
    }
}

flags! {
    /// Flags of [`socket`], [`socketpair`] and [`accept4`].
    pub struct SocketFlags: u32 {
        /// `SOCK_NONBLOCK`.
        const NONBLOCK = abi::SOCK_NONBLOCK;
        /// `SOCK_CLOEXEC`.
        const CLOEXEC = abi::SOCK_CLOEXEC;
    }
}

flags! {
    /// Flags of the send and receive calls, given and (in a received
    /// message's header) returned (`MSG_*`, the same everywhere).
    pub struct MsgFlags: u32 {
        /// `MSG_PEEK`: read without consuming.
        const PEEK = 0x2;
        /// `MSG_CTRUNC` (returned): control data did not fit; what did not
        /// fit is gone (received fds among it closed by the kernel).
        const CTRUNC = 0x8;
        /// `MSG_TRUNC`: returned, the datagram was longer than the buffers
        /// (the rest is gone); given to a receive, it returns the real
        /// length.
        const TRUNC = 0x20;
        /// `MSG_DONTWAIT`: nonblocking for this call only.
        const DONTWAIT = 0x40;
        /// `MSG_WAITALL`: wait for the full request.
        const WAITALL = 0x100;
        /// `MSG_NOSIGNAL`: `EPIPE` instead of `SIGPIPE` on a closed peer.
        const NOSIGNAL = 0x4000;
        /// `MSG_MORE`: more data will follow.
        const MORE = 0x8000;
        /// `MSG_WAITFORONE` ([`recvmmsg`]): block for the first message
        /// only, then take what is queued.
        const WAITFORONE = 0x10000;
        /// `MSG_CMSG_CLOEXEC`: received fds are close-on-exec (always set
        /// by [`recvmsg_control`]).
        const CMSG_CLOEXEC = 0x4000_0000;
    }
}

/// Which half of a connection [`shutdown`] closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Shutdown {
    /// `SHUT_RD`.
    Read = 0,
    /// `SHUT_WR`: the peer reads end of file.
    Write = 1,
    /// `SHUT_RDWR`.
    Both = 2,
}

/// Creates a socket. `protocol` 0 picks the default for the type.
pub fn socket(
    family: AddressFamily,
    ty: SocketType,
    flags: SocketFlags,
    protocol: i32,
) -> Result<OwnedFd, Errno> {
    // SAFETY: socket takes integers and touches no memory; on success it
    // returns a new fd.
    unsafe {
        new_fd(syscall!(SYS_SOCKET, family.0 as usize, (ty.0 | flags.bits()) as usize, int_arg(protocol)))
    }
}

/// Creates a pair of connected sockets (`AF_UNIX` only, on Linux).
pub fn socketpair(
    family: AddressFamily,
    ty: SocketType,
    flags: SocketFlags,
    protocol: i32,
) -> Result<(OwnedFd, OwnedFd), Errno> {
    // SAFETY: the kernel writes two new fds into the array.
    unsafe {
        new_fd_pair(|fds| {
            syscall!(
                SYS_SOCKETPAIR,
                family.0 as usize,
                (ty.0 | flags.bits()) as usize,
                int_arg(protocol),
                fds
            )
        })
    }
}

/// Binds `fd` to `addr`: an IP address (`&SocketAddr`), a [`UnixAddr`]
/// (`UnixAddr::unnamed()` autobinds an abstract name) or a
/// [`SocketAddrAny`].
pub fn bind(fd: impl AsFd, addr: &impl SocketAddress) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: `with_raw` passes a sockaddr of `len` bytes, live during the
    // call; the kernel only reads it.
    addr.with_raw(|raw, len| Errno::from_ret(unsafe { syscall!(SYS_BIND, fd_arg(fd), raw, len) }).map(drop))
}

/// Marks `fd` as accepting connections, with a queue of `backlog`.
pub fn listen(fd: impl AsFd, backlog: i32) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: listen takes integers and touches no memory.
    Errno::from_ret(unsafe { syscall!(SYS_LISTEN, fd_arg(fd), int_arg(backlog)) }).map(drop)
}

/// Connects `fd` to `addr` (any [`SocketAddress`]). On a nonblocking
/// socket, `Err(EINPROGRESS)` means "started": wait for writability, then
/// read [`take_socket_error`]. On a datagram socket it sets the default
/// destination and the only source datagrams are received from.
pub fn connect(fd: impl AsFd, addr: &impl SocketAddress) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: as in `bind`.
    addr.with_raw(|raw, len| {
        Errno::from_ret(unsafe { syscall!(SYS_CONNECT, fd_arg(fd), raw, len) }).map(drop)
    })
}

/// Accepts a connection: the new socket and the peer's address, whatever
/// its family.
pub fn accept4_any(fd: impl AsFd, flags: SocketFlags) -> Result<(OwnedFd, SocketAddrAny), Errno> {
    let fd = fd.as_fd();
    let mut peer = SocketAddrAny::new();
    let (storage, len) = peer.out_args();
    // SAFETY: the kernel writes at most `len` bytes into the storage and the
    // actual length into `len`, both exclusively borrowed; on success it
    // returns a new fd.
    let new = unsafe { new_fd(syscall!(SYS_ACCEPT4, fd_arg(fd), storage, len, flags.bits() as usize))? };
    Ok((new, peer))
}

/// Accepts a connection: the new socket and the peer's IP address (`None`
/// for other families, such as unix sockets: see [`accept4_any`]).
pub fn accept4(fd: impl AsFd, flags: SocketFlags) -> Result<(OwnedFd, Option<SocketAddr>), Errno> {
    accept4_any(fd, flags).map(|(new, peer)| (new, peer.as_ip()))
}

/// `getsockname` or `getpeername` of `fd`.
fn name(fd: impl AsFd, nr: usize) -> Result<SocketAddrAny, Errno> {
    let fd = fd.as_fd();
    let mut addr = SocketAddrAny::new();
    let (storage, len) = addr.out_args();
    // SAFETY: `nr` is getsockname or getpeername: the kernel writes at most
    // `len` bytes into the storage and the length into `len`, both
    // exclusively borrowed.
    Errno::from_ret(unsafe { crate::arch::current::syscall3(nr, fd_arg(fd), storage, len) })?;
    Ok(addr)
}

/// The address `fd` is bound to, whatever its family.
pub fn getsockname_any(fd: impl AsFd) -> Result<SocketAddrAny, Errno> {
    name(fd, abi::SYS_GETSOCKNAME)
}

/// The IP address `fd` is bound to (`None` for other families: see
/// [`getsockname_any`]).
pub fn getsockname(fd: impl AsFd) -> Result<Option<SocketAddr>, Errno> {
    getsockname_any(fd).map(|addr| addr.as_ip())
}

/// The address of `fd`'s peer, whatever its family. `ENOTCONN` if not
/// connected.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::sys::{getpeername_any, socketpair, AddressFamily, SocketFlags, SocketType};
///
/// let (a, _b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
/// let peer = getpeername_any(&a)?;
/// assert_eq!(peer.family(), Some(AddressFamily::UNIX));
/// assert!(peer.as_unix().unwrap().is_unnamed());
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn getpeername_any(fd: impl AsFd) -> Result<SocketAddrAny, Errno> {
    name(fd, abi::SYS_GETPEERNAME)
}

/// The IP address of `fd`'s peer (`None` for other families: see
/// [`getpeername_any`]). `ENOTCONN` if not connected.
pub fn getpeername(fd: impl AsFd) -> Result<Option<SocketAddr>, Errno> {
    getpeername_any(fd).map(|addr| addr.as_ip())
}

/// Shuts down one or both directions of a connection.
pub fn shutdown(fd: impl AsFd, how: Shutdown) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: shutdown takes integers and touches no memory.
    Errno::from_ret(unsafe { syscall!(SYS_SHUTDOWN, fd_arg(fd), how as usize) }).map(drop)
}

/// Sends one datagram (or stream bytes) from `buf` to `addr`; returns the
/// bytes sent. On a connected datagram socket `addr` may differ from the
/// peer only if the socket is unconnected (`EISCONN` otherwise, for
/// streams).
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use core::net::{Ipv4Addr, SocketAddr};
/// use bareio::sys::*;
///
/// let udp = || socket(AddressFamily::INET, SocketType::DGRAM, SocketFlags::CLOEXEC, 0);
/// let (a, b) = (udp()?, udp()?);
/// bind(&b, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
/// let to = getsockname(&b)?.unwrap();
/// assert_eq!(sendto(&a, b"ping", MsgFlags::empty(), &to)?, 4);
/// let mut buf = [0u8; 16];
/// let (n, from) = recvfrom(&b, &mut buf, MsgFlags::empty())?;
/// assert_eq!(&buf[..n], b"ping");
/// // The sender's port, which the send bound it to.
/// assert_eq!(from.as_ip().unwrap().port(), getsockname(&a)?.unwrap().port());
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn sendto(fd: impl AsFd, buf: &[u8], flags: MsgFlags, addr: &impl SocketAddress) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    addr.with_raw(|raw, len| {
        // SAFETY: the kernel reads `buf` and the `len`-byte sockaddr at
        // `raw`, both live during the call.
        Errno::from_ret(unsafe {
            syscall!(
                SYS_SENDTO,
                fd_arg(fd),
                buf.as_ptr() as usize,
                buf.len(),
                flags.bits() as usize,
                raw,
                len
            )
        })
    })
}

/// Receives one datagram (or stream bytes) into `buf`: the bytes received
/// and the sender's address (empty, [`SocketAddrAny::family`] `None`,
/// where the socket type has none). A datagram longer than `buf` is cut
/// (pass [`MsgFlags::TRUNC`] to get its real length).
pub fn recvfrom(fd: impl AsFd, buf: &mut [u8], flags: MsgFlags) -> Result<(usize, SocketAddrAny), Errno> {
    let fd = fd.as_fd();
    let mut from = SocketAddrAny::new();
    let (storage, len) = from.out_args();
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf` and at
    // most `len` bytes of address into the storage (its length into
    // `len`), all exclusively borrowed.
    let n = Errno::from_ret(unsafe {
        syscall!(
            SYS_RECVFROM,
            fd_arg(fd),
            buf.as_mut_ptr() as usize,
            buf.len(),
            flags.bits() as usize,
            storage,
            len
        )
    })?;
    Ok((n, from))
}

/// The kernel's `struct msghdr` (`size_t` lengths).
#[repr(C)]
pub(crate) struct Msghdr {
    pub(crate) name: usize,
    pub(crate) namelen: u32,
    pub(crate) iov: usize,
    pub(crate) iovlen: usize,
    pub(crate) control: usize,
    pub(crate) controllen: usize,
    pub(crate) flags: i32,
}

impl Msghdr {
    fn with_iov(iov: usize, iovlen: usize) -> Self {
        Self { name: 0, namelen: 0, iov, iovlen, control: 0, controllen: 0, flags: 0 }
    }
}

/// `sendmsg(fd, msg, flags)`.
///
/// # Safety
///
/// `msg` points at iovecs (and a name and control data, if any) that are
/// valid for reads during the call.
unsafe fn sendmsg_raw(fd: impl AsFd, msg: &Msghdr, flags: MsgFlags) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    // SAFETY: the caller's contract; the kernel only reads `msg` and what
    // it points at.
    Errno::from_ret(unsafe {
        syscall!(SYS_SENDMSG, fd_arg(fd), msg as *const Msghdr as usize, flags.bits() as usize)
    })
}

/// `recvmsg(fd, msg, flags)`.
///
/// # Safety
///
/// `msg` points at iovecs describing buffers (and name and control room,
/// if any) that are valid for writes during the call and not otherwise
/// borrowed.
unsafe fn recvmsg_raw(fd: impl AsFd, msg: &mut Msghdr, flags: MsgFlags) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    // SAFETY: the caller's contract; the kernel writes into what `msg`
    // points at and updates its lengths and flags.
    Errno::from_ret(unsafe {
        syscall!(SYS_RECVMSG, fd_arg(fd), msg as *mut Msghdr as usize, flags.bits() as usize)
    })
}

/// Sends the buffers in order on a connected socket. With
/// [`MsgFlags::NOSIGNAL`], a closed peer gives `EPIPE` instead of `SIGPIPE`.
pub fn sendmsg(fd: impl AsFd, bufs: &[IoSlice<'_>], flags: MsgFlags) -> Result<usize, Errno> {
    // SAFETY: the header points at `bufs` (kernel `iovec` layout), borrowed
    // for the call.
    unsafe { sendmsg_raw(fd, &Msghdr::with_iov(bufs.as_ptr() as usize, bufs.len()), flags) }
}

/// Receives into the buffers in order from a connected socket.
pub fn recvmsg(fd: impl AsFd, bufs: &mut [IoSliceMut<'_>], flags: MsgFlags) -> Result<usize, Errno> {
    // SAFETY: the header points at `bufs`, whose buffers are exclusively
    // borrowed for the call.
    unsafe { recvmsg_raw(fd, &mut Msghdr::with_iov(bufs.as_mut_ptr() as usize, bufs.len()), flags) }
}
