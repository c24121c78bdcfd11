//! Sockets: `socket`, `socketpair`, `bind`, `listen`, `connect`, `accept4`,
//! `getsockname`, `setsockopt`, `getsockopt`, `shutdown`, `sendmsg`,
//! `recvmsg`.
//!
//! Addresses are `core::net` types, converted to and from the kernel's
//! `sockaddr_in`/`sockaddr_in6` here (ports and IPv4 addresses in network
//! byte order, on little- and big-endian machines alike).

use core::mem::size_of;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use super::io::{IoSlice, IoSliceMut};
use super::{fd_arg, int_arg, ret_fd};
use crate::arch::current as abi;
use crate::fd::{AsFd, FromRawFd, OwnedFd};
use crate::Errno;

/// An address family (`AF_*`, the same on every architecture).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct AddressFamily(u16);

impl AddressFamily {
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
    /// Flags of [`sendmsg`] and [`recvmsg`] (`MSG_*`, the same everywhere).
    pub struct MsgFlags: u32 {
        /// `MSG_PEEK`: read without consuming.
        const PEEK = 0x2;
        /// `MSG_DONTWAIT`: nonblocking for this call only.
        const DONTWAIT = 0x40;
        /// `MSG_WAITALL`: wait for the full request.
        const WAITALL = 0x100;
        /// `MSG_NOSIGNAL`: `EPIPE` instead of `SIGPIPE` on a closed peer.
        const NOSIGNAL = 0x4000;
        /// `MSG_MORE`: more data will follow.
        const MORE = 0x8000;
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

/// An integer socket option: level and name (values from the table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SockOpt {
    level: i32,
    name: i32,
}

impl SockOpt {
    /// `SO_REUSEADDR`.
    pub const REUSEADDR: Self = Self::socket(abi::SO_REUSEADDR);
    /// `SO_REUSEPORT`.
    pub const REUSEPORT: Self = Self::socket(abi::SO_REUSEPORT);
    /// `SO_TYPE` (read-only): the [`SocketType`] value.
    pub const TYPE: Self = Self::socket(abi::SO_TYPE);
    /// `SO_ERROR` (read-only, cleared by reading): the pending error, e.g.
    /// the result of a nonblocking connect. See [`take_socket_error`].
    pub const ERROR: Self = Self::socket(abi::SO_ERROR);
    /// `SO_SNDBUF`: send buffer size (the kernel doubles what is set).
    pub const SNDBUF: Self = Self::socket(abi::SO_SNDBUF);
    /// `SO_RCVBUF`: receive buffer size (the kernel doubles what is set).
    pub const RCVBUF: Self = Self::socket(abi::SO_RCVBUF);
    /// `SO_KEEPALIVE`.
    pub const KEEPALIVE: Self = Self::socket(abi::SO_KEEPALIVE);
    /// `SO_RCVLOWAT`.
    pub const RCVLOWAT: Self = Self::socket(abi::SO_RCVLOWAT);
    /// `TCP_NODELAY` (level `IPPROTO_TCP`): disable Nagle's algorithm.
    pub const TCP_NODELAY: Self = Self { level: 6, name: 1 };

    const fn socket(name: i32) -> Self {
        Self { level: abi::SOL_SOCKET, name }
    }

    /// Any integer option by raw level and name.
    pub const fn new(level: i32, name: i32) -> Self {
        Self { level, name }
    }
}

/// The kernel's `sockaddr_in`; byte arrays keep network order explicit.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct SockaddrIn {
    pub(crate) family: u16,
    pub(crate) port: [u8; 2],
    pub(crate) addr: [u8; 4],
    pub(crate) zero: [u8; 8],
}

/// The kernel's `sockaddr_in6`.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct SockaddrIn6 {
    pub(crate) family: u16,
    pub(crate) port: [u8; 2],
    pub(crate) flowinfo: [u8; 4],
    pub(crate) addr: [u8; 16],
    pub(crate) scope_id: u32,
}

/// Room for any address the kernel returns (`sockaddr_storage`).
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct SockaddrStorage {
    bytes: [u8; 128],
}

/// An IP socket address in the kernel's layout, ready to pass by pointer.
#[derive(Clone, Copy)]
#[repr(C)]
union SockaddrIp {
    v4: SockaddrIn,
    v6: SockaddrIn6,
}

impl SockaddrIp {
    fn new(addr: &SocketAddr) -> (Self, usize) {
        match addr {
            SocketAddr::V4(a) => (
                Self {
                    v4: SockaddrIn {
                        family: AddressFamily::INET.0,
                        port: a.port().to_be_bytes(),
                        addr: a.ip().octets(),
                        zero: [0; 8],
                    },
                },
                size_of::<SockaddrIn>(),
            ),
            SocketAddr::V6(a) => (
                Self {
                    v6: SockaddrIn6 {
                        family: AddressFamily::INET6.0,
                        port: a.port().to_be_bytes(),
                        flowinfo: a.flowinfo().to_be_bytes(),
                        addr: a.ip().octets(),
                        scope_id: a.scope_id(),
                    },
                },
                size_of::<SockaddrIn6>(),
            ),
        }
    }
}

impl SockaddrStorage {
    const fn new() -> Self {
        Self { bytes: [0; 128] }
    }

    /// Parses what the kernel wrote (`len` bytes); `None` for families
    /// other than IPv4/IPv6 (e.g. unix sockets).
    fn parse(&self, len: usize) -> Option<SocketAddr> {
        let b = &self.bytes[..len.min(self.bytes.len())];
        let family = u16::from_ne_bytes([*b.first()?, *b.get(1)?]);
        let port = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
        if family == AddressFamily::INET.0 && b.len() >= size_of::<SockaddrIn>() {
            let ip: [u8; 4] = b[4..8].try_into().ok()?;
            Some(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(ip), port)))
        } else if family == AddressFamily::INET6.0 && b.len() >= size_of::<SockaddrIn6>() {
            let flowinfo = u32::from_be_bytes(b[4..8].try_into().ok()?);
            let ip: [u8; 16] = b[8..24].try_into().ok()?;
            let scope_id = u32::from_ne_bytes(b[24..28].try_into().ok()?);
            Some(SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(ip), port, flowinfo, scope_id)))
        } else {
            None
        }
    }
}

/// Creates a socket. `protocol` 0 picks the default for the type.
pub fn socket(
    family: AddressFamily,
    ty: SocketType,
    flags: SocketFlags,
    protocol: i32,
) -> Result<OwnedFd, Errno> {
    // SAFETY: socket takes integers and touches no memory.
    let fd = Errno::from_ret(unsafe {
        syscall!(SYS_SOCKET, family.0 as usize, (ty.0 | flags.bits()) as usize, int_arg(protocol))
    })?;
    // SAFETY: on success the fd is new and owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(ret_fd(fd)) })
}

/// Creates a pair of connected sockets (`AF_UNIX` only, on Linux).
pub fn socketpair(
    family: AddressFamily,
    ty: SocketType,
    flags: SocketFlags,
    protocol: i32,
) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [-1i32; 2];
    // SAFETY: the kernel writes two `int`s into `fds`.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_SOCKETPAIR,
            family.0 as usize,
            (ty.0 | flags.bits()) as usize,
            int_arg(protocol),
            fds.as_mut_ptr() as usize
        )
    })?;
    // SAFETY: on success both fds are new and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Binds `fd` to `addr`.
pub fn bind(fd: impl AsFd, addr: &SocketAddr) -> Result<(), Errno> {
    let fd = fd.as_fd();
    let (raw, len) = SockaddrIp::new(addr);
    // SAFETY: `raw` holds a `len`-byte sockaddr the kernel only reads.
    Errno::from_ret(unsafe { syscall!(SYS_BIND, fd_arg(fd), &raw as *const SockaddrIp as usize, len) })
        .map(drop)
}

/// Marks `fd` as accepting connections, with a queue of `backlog`.
pub fn listen(fd: impl AsFd, backlog: i32) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: listen takes integers and touches no memory.
    Errno::from_ret(unsafe { syscall!(SYS_LISTEN, fd_arg(fd), int_arg(backlog)) }).map(drop)
}

/// Connects `fd` to `addr`. On a nonblocking socket, `Err(EINPROGRESS)`
/// means "started": wait for writability, then read [`take_socket_error`].
pub fn connect(fd: impl AsFd, addr: &SocketAddr) -> Result<(), Errno> {
    let fd = fd.as_fd();
    let (raw, len) = SockaddrIp::new(addr);
    // SAFETY: `raw` holds a `len`-byte sockaddr the kernel only reads.
    Errno::from_ret(unsafe { syscall!(SYS_CONNECT, fd_arg(fd), &raw as *const SockaddrIp as usize, len) })
        .map(drop)
}

/// Accepts a connection: the new socket and the peer's address (`None`
/// for non-IP families such as unix sockets).
pub fn accept4(fd: impl AsFd, flags: SocketFlags) -> Result<(OwnedFd, Option<SocketAddr>), Errno> {
    let fd = fd.as_fd();
    let mut storage = SockaddrStorage::new();
    let mut len = size_of::<SockaddrStorage>() as u32;
    // SAFETY: the kernel writes at most `len` bytes into `storage` and the
    // actual length into `len`, both exclusively borrowed.
    let new = Errno::from_ret(unsafe {
        syscall!(
            SYS_ACCEPT4,
            fd_arg(fd),
            &mut storage as *mut SockaddrStorage as usize,
            &mut len as *mut u32 as usize,
            flags.bits() as usize
        )
    })?;
    // SAFETY: on success the fd is new and owned by nobody else.
    let new = unsafe { OwnedFd::from_raw_fd(ret_fd(new)) };
    Ok((new, storage.parse(len as usize)))
}

/// The address `fd` is bound to (`None` for non-IP families).
pub fn getsockname(fd: impl AsFd) -> Result<Option<SocketAddr>, Errno> {
    let fd = fd.as_fd();
    let mut storage = SockaddrStorage::new();
    let mut len = size_of::<SockaddrStorage>() as u32;
    // SAFETY: as in `accept4`.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_GETSOCKNAME,
            fd_arg(fd),
            &mut storage as *mut SockaddrStorage as usize,
            &mut len as *mut u32 as usize
        )
    })?;
    Ok(storage.parse(len as usize))
}

/// Sets an integer socket option.
pub fn setsockopt(fd: impl AsFd, opt: SockOpt, value: i32) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: the kernel reads `size_of::<i32>()` bytes from `value`.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_SETSOCKOPT,
            fd_arg(fd),
            int_arg(opt.level),
            int_arg(opt.name),
            &value as *const i32 as usize,
            size_of::<i32>()
        )
    })
    .map(drop)
}

/// Reads an integer socket option.
pub fn getsockopt(fd: impl AsFd, opt: SockOpt) -> Result<i32, Errno> {
    let fd = fd.as_fd();
    let mut value = 0i32;
    let mut len = size_of::<i32>() as u32;
    // SAFETY: the kernel writes at most `len` bytes into `value` and the
    // length into `len`, both exclusively borrowed.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_GETSOCKOPT,
            fd_arg(fd),
            int_arg(opt.level),
            int_arg(opt.name),
            &mut value as *mut i32 as usize,
            &mut len as *mut u32 as usize
        )
    })?;
    Ok(value)
}

/// Reads and clears `SO_ERROR`: `Ok(None)` when no error is pending, e.g.
/// after a nonblocking connect that succeeded.
pub fn take_socket_error(fd: impl AsFd) -> Result<Option<Errno>, Errno> {
    let raw = getsockopt(fd, SockOpt::ERROR)?;
    Ok((raw != 0).then(|| Errno::from_raw(raw)))
}

/// Shuts down one or both directions of a connection.
pub fn shutdown(fd: impl AsFd, how: Shutdown) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: shutdown takes integers and touches no memory.
    Errno::from_ret(unsafe { syscall!(SYS_SHUTDOWN, fd_arg(fd), how as usize) }).map(drop)
}

/// The kernel's `struct msghdr` (`size_t` lengths; no name, no control).
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

/// Sends the buffers in order on a connected socket. With
/// [`MsgFlags::NOSIGNAL`], a closed peer gives `EPIPE` instead of `SIGPIPE`.
pub fn sendmsg(fd: impl AsFd, bufs: &[IoSlice<'_>], flags: MsgFlags) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    let msg = Msghdr::with_iov(bufs.as_ptr() as usize, bufs.len());
    // SAFETY: `msg` points at `bufs` (kernel `iovec` layout, borrowed for
    // the call); the kernel only reads `msg` and the buffers.
    Errno::from_ret(unsafe {
        syscall!(SYS_SENDMSG, fd_arg(fd), &msg as *const Msghdr as usize, flags.bits() as usize)
    })
}

/// Receives into the buffers in order from a connected socket.
pub fn recvmsg(fd: impl AsFd, bufs: &mut [IoSliceMut<'_>], flags: MsgFlags) -> Result<usize, Errno> {
    let fd = fd.as_fd();
    let mut msg = Msghdr::with_iov(bufs.as_mut_ptr() as usize, bufs.len());
    // SAFETY: `msg` points at `bufs`, whose buffers are exclusively borrowed
    // for the call; the kernel writes into them and updates `msg.flags`.
    Errno::from_ret(unsafe {
        syscall!(SYS_RECVMSG, fd_arg(fd), &mut msg as *mut Msghdr as usize, flags.bits() as usize)
    })
}
