//! Socket addresses in the kernel's layouts: IP (`core::net` types, as
//! `sockaddr_in`/`sockaddr_in6`), unix-domain ([`UnixAddr`]: a path, an
//! abstract name, or unnamed), and [`SocketAddrAny`], which holds any of
//! them as the kernel writes it.
//!
//! Ports and IPv4 addresses are in network byte order, on little- and
//! big-endian machines alike; every parse is bounds-checked against the
//! length the kernel reported.

use core::fmt;
use core::mem::size_of;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use super::AddressFamily;
use crate::Errno;

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

/// Bytes in `sockaddr_un.sun_path`.
const SUN_PATH: usize = 108;

/// The kernel's `sockaddr_un`.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct SockaddrUn {
    pub(crate) family: u16,
    pub(crate) path: [u8; SUN_PATH],
}

/// `offsetof(struct sockaddr_un, sun_path)`: the family's two bytes.
const FAMILY_LEN: usize = size_of::<u16>();

/// Room for any address (`__kernel_sockaddr_storage`: 128 bytes, aligned
/// as a pointer).
#[derive(Clone, Copy)]
#[cfg_attr(target_pointer_width = "64", repr(C, align(8)))]
#[cfg_attr(target_pointer_width = "32", repr(C, align(4)))]
pub(crate) struct SockaddrStorage {
    pub(crate) bytes: [u8; 128],
}

/// A unix-domain socket address (`AF_UNIX`): a filesystem path, an
/// abstract name (Linux: a name in a namespace of its own, no file, gone
/// with the socket), or unnamed (a `socketpair` end, an unbound socket;
/// binding one asks the kernel for a fresh abstract name, "autobind").
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::sys::UnixAddr;
///
/// let path = UnixAddr::new(b"/run/echo.sock")?;
/// assert_eq!(path.path(), Some(&b"/run/echo.sock"[..]));
/// let name = UnixAddr::new_abstract(b"bareio-echo")?;
/// assert_eq!(name.abstract_name(), Some(&b"bareio-echo"[..]));
/// assert!(UnixAddr::unnamed().is_unnamed());
/// assert_eq!(UnixAddr::new(b"a\0b").unwrap_err(), bareio::Errno::EINVAL);
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
#[derive(Clone, Copy)]
pub struct UnixAddr {
    raw: SockaddrUn,
    /// The address length passed to or returned by the kernel:
    /// `FAMILY_LEN..=size_of::<SockaddrUn>()`.
    len: usize,
}

impl UnixAddr {
    /// The longest path: 108 bytes (then without a terminating NUL, which
    /// Linux accepts); the longest abstract name is 107.
    pub const MAX_PATH: usize = SUN_PATH;

    /// A filesystem path. `EINVAL` if empty or holding a NUL byte,
    /// `ENAMETOOLONG` beyond [`MAX_PATH`](Self::MAX_PATH) bytes.
    pub fn new(path: &[u8]) -> Result<Self, Errno> {
        if path.is_empty() || path.contains(&0) {
            return Err(Errno::EINVAL);
        }
        if path.len() > SUN_PATH {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut addr = Self::unnamed();
        addr.raw.path[..path.len()].copy_from_slice(path);
        // With its NUL when there is room for one (the kernel's own length).
        addr.len = FAMILY_LEN + (path.len() + 1).min(SUN_PATH);
        Ok(addr)
    }

    /// An abstract name (any bytes, NULs included; not a file).
    /// `ENAMETOOLONG` beyond 107 bytes.
    pub fn new_abstract(name: &[u8]) -> Result<Self, Errno> {
        if name.len() > SUN_PATH - 1 {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut addr = Self::unnamed();
        addr.raw.path[1..=name.len()].copy_from_slice(name);
        addr.len = FAMILY_LEN + 1 + name.len();
        Ok(addr)
    }

    /// No address: the family alone. [`bind`](super::bind) with it
    /// autobinds (the kernel picks an abstract name).
    pub const fn unnamed() -> Self {
        Self { raw: SockaddrUn { family: AddressFamily::UNIX.raw(), path: [0; SUN_PATH] }, len: FAMILY_LEN }
    }

    /// The bytes after the family, as long as the kernel said.
    fn tail(&self) -> &[u8] {
        &self.raw.path[..self.len - FAMILY_LEN]
    }

    /// The path, without its NUL; `None` for the other kinds.
    pub fn path(&self) -> Option<&[u8]> {
        match self.tail() {
            [] | [0, ..] => None,
            tail => Some(tail.split(|&b| b == 0).next().unwrap_or(tail)),
        }
    }

    /// The abstract name (without the leading NUL that marks it);
    /// `None` for the other kinds.
    pub fn abstract_name(&self) -> Option<&[u8]> {
        match self.tail() {
            [0, name @ ..] => Some(name),
            _ => None,
        }
    }

    /// Whether this is no address at all (family only).
    pub fn is_unnamed(&self) -> bool {
        self.len == FAMILY_LEN
    }

    /// Parses a unix address of `bytes` (what the kernel wrote, its
    /// length already clamped to the buffer); `None` for another family.
    /// A 108-byte path comes back one byte longer, with the NUL the kernel
    /// added: the address ends at the `sockaddr_un`.
    fn parse(bytes: &[u8]) -> Option<Self> {
        let bytes = &bytes[..bytes.len().min(size_of::<SockaddrUn>())];
        if bytes.len() < FAMILY_LEN {
            return None;
        }
        if u16::from_ne_bytes([bytes[0], bytes[1]]) != AddressFamily::UNIX.raw() {
            return None;
        }
        let mut addr = Self::unnamed();
        addr.raw.path[..bytes.len() - FAMILY_LEN].copy_from_slice(&bytes[FAMILY_LEN..]);
        addr.len = bytes.len();
        Some(addr)
    }
}

impl PartialEq for UnixAddr {
    fn eq(&self, other: &Self) -> bool {
        self.tail() == other.tail()
    }
}

impl Eq for UnixAddr {}

impl core::hash::Hash for UnixAddr {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.tail().hash(state);
    }
}

impl fmt::Debug for UnixAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = |f: &mut fmt::Formatter<'_>, b: &[u8]| -> fmt::Result {
            b.iter().try_for_each(|&c| write!(f, "{}", core::ascii::escape_default(c)))
        };
        if let Some(path) = self.path() {
            f.write_str("UnixAddr(\"")?;
            bytes(f, path)?;
            f.write_str("\")")
        } else if let Some(name) = self.abstract_name() {
            f.write_str("UnixAddr(@\"")?;
            bytes(f, name)?;
            f.write_str("\")")
        } else {
            f.write_str("UnixAddr(unnamed)")
        }
    }
}

/// Any socket address, as the kernel writes it (`sockaddr_storage` and
/// the length): what [`recvfrom`](super::recvfrom), [`getpeername_any`](super::getpeername_any),
/// [`accept4_any`](super::accept4_any) and the batched receive return,
/// and, built from an IP or unix address, a destination to send to.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use core::net::SocketAddr;
/// use bareio::sys::{AddressFamily, SocketAddrAny, UnixAddr};
///
/// let ip: SocketAddr = "127.0.0.1:53".parse().unwrap();
/// let any = SocketAddrAny::from(ip);
/// assert_eq!((any.family(), any.as_ip()), (Some(AddressFamily::INET), Some(ip)));
/// let unix = SocketAddrAny::from(UnixAddr::new_abstract(b"x")?);
/// assert_eq!(unix.as_unix().unwrap().abstract_name(), Some(&b"x"[..]));
/// assert_eq!(SocketAddrAny::new().family(), None); // nothing written yet
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
#[derive(Clone, Copy)]
#[repr(C)]
pub struct SocketAddrAny {
    pub(crate) storage: SockaddrStorage,
    /// The kernel's length, which may exceed the storage for a truncated
    /// address; every read clamps it.
    pub(crate) len: u32,
}

impl SocketAddrAny {
    /// Room for an address, empty until the kernel writes one.
    pub const fn new() -> Self {
        Self { storage: SockaddrStorage { bytes: [0; 128] }, len: 0 }
    }

    /// The bytes the kernel wrote (at most the 128 of the storage).
    pub fn as_bytes(&self) -> &[u8] {
        &self.storage.bytes[..(self.len as usize).min(self.storage.bytes.len())]
    }

    /// The address family; `None` if nothing was written (an unconnected
    /// datagram peer, a stream socket's `recvfrom`).
    pub fn family(&self) -> Option<AddressFamily> {
        match self.as_bytes() {
            [a, b, ..] => Some(AddressFamily::from_raw(u16::from_ne_bytes([*a, *b]))),
            _ => None,
        }
    }

    /// The IPv4 or IPv6 address; `None` for other families.
    pub fn as_ip(&self) -> Option<SocketAddr> {
        let b = self.as_bytes();
        let family = self.family()?;
        let port = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
        if family == AddressFamily::INET && b.len() >= size_of::<SockaddrIn>() {
            let ip: [u8; 4] = b[4..8].try_into().ok()?;
            Some(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(ip), port)))
        } else if family == AddressFamily::INET6 && b.len() >= size_of::<SockaddrIn6>() {
            let flowinfo = u32::from_be_bytes(b[4..8].try_into().ok()?);
            let ip: [u8; 16] = b[8..24].try_into().ok()?;
            let scope_id = u32::from_ne_bytes(b[24..28].try_into().ok()?);
            Some(SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(ip), port, flowinfo, scope_id)))
        } else {
            None
        }
    }

    /// The unix-domain address; `None` for other families.
    pub fn as_unix(&self) -> Option<UnixAddr> {
        UnixAddr::parse(self.as_bytes())
    }

    /// The kernel's pointer and length arguments for writing an address
    /// into `self`: `(storage, &mut len)`, `len` set to the room.
    pub(crate) fn out_args(&mut self) -> (usize, usize) {
        self.len = size_of::<SockaddrStorage>() as u32;
        (&mut self.storage as *mut SockaddrStorage as usize, &mut self.len as *mut u32 as usize)
    }

    /// A copy of the `len`-byte sockaddr at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` points at `len` initialised bytes, `len` at most 128.
    unsafe fn from_raw(ptr: usize, len: usize) -> Self {
        let mut any = Self::new();
        // SAFETY: the caller's contract.
        let bytes = unsafe { core::slice::from_raw_parts(ptr as *const u8, len) };
        any.storage.bytes[..len].copy_from_slice(bytes);
        any.len = len as u32;
        any
    }
}

impl Default for SocketAddrAny {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for SocketAddrAny {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SocketAddrAny {}

impl fmt::Debug for SocketAddrAny {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip) = self.as_ip() {
            write!(f, "SocketAddrAny({ip})")
        } else if let Some(unix) = self.as_unix() {
            write!(f, "SocketAddrAny({unix:?})")
        } else {
            write!(f, "SocketAddrAny(family {:?}, {} bytes)", self.family(), self.len)
        }
    }
}

impl From<SocketAddr> for SocketAddrAny {
    fn from(addr: SocketAddr) -> Self {
        // SAFETY: `with_raw` passes a `sockaddr_in` or `sockaddr_in6` (no
        // padding bytes) of that length, live during the call.
        addr.with_raw(|ptr, len| unsafe { Self::from_raw(ptr, len) })
    }
}

impl From<SocketAddrV4> for SocketAddrAny {
    fn from(addr: SocketAddrV4) -> Self {
        SocketAddr::V4(addr).into()
    }
}

impl From<SocketAddrV6> for SocketAddrAny {
    fn from(addr: SocketAddrV6) -> Self {
        SocketAddr::V6(addr).into()
    }
}

impl From<UnixAddr> for SocketAddrAny {
    fn from(addr: UnixAddr) -> Self {
        let mut any = Self::new();
        any.storage.bytes[..FAMILY_LEN].copy_from_slice(&addr.raw.family.to_ne_bytes());
        any.storage.bytes[FAMILY_LEN..addr.len].copy_from_slice(addr.tail());
        any.len = addr.len as u32;
        any
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An address that [`bind`](super::bind), [`connect`](super::connect),
/// [`sendto`](super::sendto) and the batched send take: `core::net`'s
/// `SocketAddr`, `SocketAddrV4` and `SocketAddrV6`, [`UnixAddr`] and
/// [`SocketAddrAny`]. Sealed: the kernel layouts are this crate's.
pub trait SocketAddress: sealed::Sealed {
    /// Calls `f` with the address in the kernel's layout: its pointer (as
    /// a syscall argument) and length, valid during the call.
    #[doc(hidden)]
    fn with_raw<R>(&self, f: impl FnOnce(usize, usize) -> R) -> R;
}

/// An IP socket address in the kernel's layout, ready to pass by pointer.
#[derive(Clone, Copy)]
#[repr(C)]
union SockaddrIp {
    v4: SockaddrIn,
    v6: SockaddrIn6,
}

impl sealed::Sealed for SocketAddr {}
impl SocketAddress for SocketAddr {
    fn with_raw<R>(&self, f: impl FnOnce(usize, usize) -> R) -> R {
        let (raw, len) = match self {
            SocketAddr::V4(a) => (
                SockaddrIp {
                    v4: SockaddrIn {
                        family: AddressFamily::INET.raw(),
                        port: a.port().to_be_bytes(),
                        addr: a.ip().octets(),
                        zero: [0; 8],
                    },
                },
                size_of::<SockaddrIn>(),
            ),
            SocketAddr::V6(a) => (
                SockaddrIp {
                    v6: SockaddrIn6 {
                        family: AddressFamily::INET6.raw(),
                        port: a.port().to_be_bytes(),
                        flowinfo: a.flowinfo().to_be_bytes(),
                        addr: a.ip().octets(),
                        scope_id: a.scope_id(),
                    },
                },
                size_of::<SockaddrIn6>(),
            ),
        };
        f(&raw as *const SockaddrIp as usize, len)
    }
}

impl sealed::Sealed for SocketAddrV4 {}
impl SocketAddress for SocketAddrV4 {
    fn with_raw<R>(&self, f: impl FnOnce(usize, usize) -> R) -> R {
        SocketAddr::V4(*self).with_raw(f)
    }
}

impl sealed::Sealed for SocketAddrV6 {}
impl SocketAddress for SocketAddrV6 {
    fn with_raw<R>(&self, f: impl FnOnce(usize, usize) -> R) -> R {
        SocketAddr::V6(*self).with_raw(f)
    }
}

impl sealed::Sealed for UnixAddr {}
impl SocketAddress for UnixAddr {
    fn with_raw<R>(&self, f: impl FnOnce(usize, usize) -> R) -> R {
        f(&self.raw as *const SockaddrUn as usize, self.len)
    }
}

impl sealed::Sealed for SocketAddrAny {}
impl SocketAddress for SocketAddrAny {
    fn with_raw<R>(&self, f: impl FnOnce(usize, usize) -> R) -> R {
        let bytes = self.as_bytes();
        f(bytes.as_ptr() as usize, bytes.len())
    }
}

impl<T: SocketAddress + ?Sized> sealed::Sealed for &T {}
impl<T: SocketAddress + ?Sized> SocketAddress for &T {
    fn with_raw<R>(&self, f: impl FnOnce(usize, usize) -> R) -> R {
        (**self).with_raw(f)
    }
}
