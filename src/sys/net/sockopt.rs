//! Socket options: integers ([`SockOpt`], [`setsockopt`], [`getsockopt`])
//! and the struct-valued ones, each with a typed pair of calls:
//! `SO_LINGER` (`struct linger`), `SO_RCVTIMEO`/`SO_SNDTIMEO` (a native
//! `struct timeval`: two `long`s, so 8 bytes on the 32-bit ABIs and 16 on
//! the 64-bit ones) and `IP_ADD_MEMBERSHIP`/`IP_DROP_MEMBERSHIP`
//! (`struct ip_mreq`).

use core::mem::size_of;
use core::net::Ipv4Addr;
use core::time::Duration;

use super::super::{fd_arg, int_arg};
use crate::arch::current as abi;
use crate::fd::AsFd;
use crate::Errno;

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
    /// `SO_TYPE` (read-only): the [`SocketType`](super::SocketType) value.
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

/// `IPPROTO_IP`, the level of the `IP_*` options.
const IPPROTO_IP: i32 = 0;
/// `IP_ADD_MEMBERSHIP` (the same on every architecture).
const IP_ADD_MEMBERSHIP: i32 = 35;
/// `IP_DROP_MEMBERSHIP`.
const IP_DROP_MEMBERSHIP: i32 = 36;

/// An option value the kernel reads and writes as plain bytes.
///
/// # Safety
///
/// The type is `repr(C)` in the kernel's layout, has no padding, and every
/// bit pattern is a valid value (the kernel may write any).
unsafe trait OptValue: Copy {}

// SAFETY: a plain `int`.
unsafe impl OptValue for i32 {}

/// `setsockopt(fd, level, name, &value, sizeof value)`.
fn set<T: OptValue>(fd: impl AsFd, level: i32, name: i32, value: &T) -> Result<(), Errno> {
    let fd = fd.as_fd();
    // SAFETY: the kernel reads `size_of::<T>()` bytes from `value`, a plain
    // value in its layout (`OptValue`).
    Errno::from_ret(unsafe {
        syscall!(
            SYS_SETSOCKOPT,
            fd_arg(fd),
            int_arg(level),
            int_arg(name),
            value as *const T as usize,
            size_of::<T>()
        )
    })
    .map(drop)
}

/// `getsockopt(fd, level, name, &value, &len)`, `value` starting as
/// `init` (what stays of it if the kernel writes fewer bytes).
fn get<T: OptValue>(fd: impl AsFd, level: i32, name: i32, init: T) -> Result<T, Errno> {
    let fd = fd.as_fd();
    let mut value = init;
    let mut len = size_of::<T>() as u32;
    // SAFETY: the kernel writes at most `len` bytes into `value` (any bit
    // pattern is valid: `OptValue`) and the length into `len`, both
    // exclusively borrowed.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_GETSOCKOPT,
            fd_arg(fd),
            int_arg(level),
            int_arg(name),
            &mut value as *mut T as usize,
            &mut len as *mut u32 as usize
        )
    })?;
    Ok(value)
}

/// Sets an integer socket option.
pub fn setsockopt(fd: impl AsFd, opt: SockOpt, value: i32) -> Result<(), Errno> {
    set(fd, opt.level, opt.name, &value)
}

/// Reads an integer socket option.
pub fn getsockopt(fd: impl AsFd, opt: SockOpt) -> Result<i32, Errno> {
    get(fd, opt.level, opt.name, 0i32)
}

/// Reads and clears `SO_ERROR`: `Ok(None)` when no error is pending, e.g.
/// after a nonblocking connect that succeeded.
pub fn take_socket_error(fd: impl AsFd) -> Result<Option<Errno>, Errno> {
    let raw = getsockopt(fd, SockOpt::ERROR)?;
    Ok((raw != 0).then(|| Errno::from_raw(raw)))
}

/// The kernel's `struct linger` (two `int`s on every architecture).
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct Linger {
    pub(crate) onoff: i32,
    pub(crate) linger: i32,
}

// SAFETY: two `int`s, no padding.
unsafe impl OptValue for Linger {}

/// Whole seconds of `d`, rounded up, saturating at `max`.
fn ceil_secs(d: Duration, max: u64) -> u64 {
    let secs = d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0));
    secs.min(max)
}

/// `SO_LINGER`: with `Some(t)`, `close` (and `shutdown`) of a connected
/// stream waits up to `t` for unsent data to go out, and a zero `t`
/// resets the connection (RST) instead of the usual close; with `None`,
/// `close` returns at once and the kernel sends what is left in the
/// background (the default).
///
/// The kernel counts whole seconds: `t` is rounded up (so 500 ms waits
/// one second rather than becoming a reset), and saturates at `i32::MAX`.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use core::time::Duration;
/// use bareio::sys::{linger, set_linger, socket, AddressFamily, SocketFlags, SocketType};
///
/// let tcp = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
/// assert_eq!(linger(&tcp)?, None);
/// set_linger(&tcp, Some(Duration::from_millis(1500)))?;
/// assert_eq!(linger(&tcp)?, Some(Duration::from_secs(2)));
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn set_linger(fd: impl AsFd, linger: Option<Duration>) -> Result<(), Errno> {
    let value = match linger {
        Some(t) => Linger { onoff: 1, linger: ceil_secs(t, i32::MAX as u64) as i32 },
        None => Linger { onoff: 0, linger: 0 },
    };
    set(fd, abi::SOL_SOCKET, abi::SO_LINGER, &value)
}

/// The `SO_LINGER` setting: see [`set_linger`].
pub fn linger(fd: impl AsFd) -> Result<Option<Duration>, Errno> {
    let value = get(fd, abi::SOL_SOCKET, abi::SO_LINGER, Linger { onoff: 0, linger: 0 })?;
    Ok((value.onoff != 0).then(|| Duration::from_secs(value.linger.max(0) as u64)))
}

/// The kernel's `struct timeval` as `SO_RCVTIMEO`/`SO_SNDTIMEO` (the
/// `_OLD` options) take it: two native `long`s, 8 bytes on the 32-bit
/// ABIs and 16 on the 64-bit ones. (A timeout is a duration, not a time
/// of day: 32-bit seconds, 68 years, are no 2038 problem.)
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct Timeval {
    pub(crate) sec: isize,
    pub(crate) usec: isize,
}

// SAFETY: two `long`s, no padding.
unsafe impl OptValue for Timeval {}

/// Which timeout [`set_timeout`] sets.
fn timeout_name(direction: Timeout) -> i32 {
    match direction {
        Timeout::Recv => abi::SO_RCVTIMEO,
        Timeout::Send => abi::SO_SNDTIMEO,
    }
}

/// A direction of a socket's blocking calls, for [`set_timeout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timeout {
    /// `SO_RCVTIMEO`: receives (`read`, `recvmsg`, `accept`, …).
    Recv,
    /// `SO_SNDTIMEO`: sends (`write`, `sendmsg`, `connect`, …).
    Send,
}

/// `SO_RCVTIMEO` / `SO_SNDTIMEO`: a blocking call on `fd` in that
/// direction fails with `EAGAIN` (`EINPROGRESS` for `connect`) after
/// `timeout`; `None` blocks for ever (the default). `Some(ZERO)` is
/// `EINVAL` (the kernel would read it as "for ever", as std refuses it).
///
/// Passed in microseconds, rounded up (1 ns is 1 µs, never "for ever");
/// seconds saturate at the `long` maximum (68 years on 32-bit ABIs). The
/// kernel keeps clock ticks (1/`HZ`, rounded up), so [`timeout`] reads
/// back a whole number of ticks.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use core::time::Duration;
/// use bareio::sys::*;
///
/// let (a, _b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
/// set_timeout(&a, Timeout::Recv, Some(Duration::from_millis(500)))?;
/// assert_eq!(timeout(&a, Timeout::Recv)?, Some(Duration::from_millis(500)));
/// assert_eq!(read(&a, &mut [0u8; 1]), Err(bareio::Errno::EAGAIN)); // after 500 ms
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn set_timeout(fd: impl AsFd, direction: Timeout, timeout: Option<Duration>) -> Result<(), Errno> {
    let value = match timeout {
        Some(t) if t.is_zero() => return Err(Errno::EINVAL),
        Some(t) => {
            let micros = t.subsec_nanos().div_ceil(1000);
            let (carry, usec) = if micros == 1_000_000 { (1, 0) } else { (0, micros) };
            let sec = t.as_secs().saturating_add(carry).min(isize::MAX as u64);
            Timeval { sec: sec as isize, usec: usec as isize }
        }
        None => Timeval { sec: 0, usec: 0 },
    };
    set(fd, abi::SOL_SOCKET, timeout_name(direction), &value)
}

/// The timeout [`set_timeout`] set (`None`: for ever).
pub fn timeout(fd: impl AsFd, direction: Timeout) -> Result<Option<Duration>, Errno> {
    let tv = get(fd, abi::SOL_SOCKET, timeout_name(direction), Timeval { sec: 0, usec: 0 })?;
    let (sec, usec) = (tv.sec.max(0) as u64, tv.usec.clamp(0, 999_999) as u32);
    Ok((sec != 0 || usec != 0).then(|| Duration::new(sec, usec * 1000)))
}

/// The kernel's `struct ip_mreq`: group and local interface addresses,
/// network order.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct IpMreq {
    pub(crate) multiaddr: [u8; 4],
    pub(crate) interface: [u8; 4],
}

// SAFETY: eight bytes.
unsafe impl OptValue for IpMreq {}

/// `IP_ADD_MEMBERSHIP`: receive the datagrams sent to multicast `group`
/// on the interface with address `interface` (`UNSPECIFIED`: the one the
/// routing table picks for the group). `EADDRINUSE` if already a member
/// there, `EINVAL` if `group` is not multicast, `ENODEV` without such an
/// interface (or route).
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use core::net::Ipv4Addr;
/// use bareio::sys::*;
///
/// let udp = socket(AddressFamily::INET, SocketType::DGRAM, SocketFlags::CLOEXEC, 0)?;
/// let group = Ipv4Addr::new(239, 1, 2, 3);
/// join_multicast_v4(&udp, group, Ipv4Addr::LOCALHOST)?;
/// assert_eq!(join_multicast_v4(&udp, group, Ipv4Addr::LOCALHOST), Err(bareio::Errno::EADDRINUSE));
/// leave_multicast_v4(&udp, group, Ipv4Addr::LOCALHOST)?;
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn join_multicast_v4(fd: impl AsFd, group: Ipv4Addr, interface: Ipv4Addr) -> Result<(), Errno> {
    let mreq = IpMreq { multiaddr: group.octets(), interface: interface.octets() };
    set(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq)
}

/// `IP_DROP_MEMBERSHIP`: undoes [`join_multicast_v4`]; `EADDRNOTAVAIL`
/// if not a member.
pub fn leave_multicast_v4(fd: impl AsFd, group: Ipv4Addr, interface: Ipv4Addr) -> Result<(), Errno> {
    let mreq = IpMreq { multiaddr: group.octets(), interface: interface.octets() };
    set(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mreq)
}
