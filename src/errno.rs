//! [`Errno`]: the error of every syscall, typed and named.

use core::fmt;

// The errno values: the Linux architecture's table, or the C library's on
// FreeBSD, macOS and DragonFly (`EAGAIN` is 35 there, 11 on Linux).
#[cfg(target_os = "linux")]
use crate::arch::current as abi;
#[cfg(any(target_os = "freebsd", target_os = "macos", target_os = "dragonfly"))]
use libc as abi;

/// An error number returned by a syscall (Linux) or the C library (the
/// kqueue systems).
///
/// The value is the target's own (`ECONNRESET` is 104 on x86_64 Linux, 131
/// on mips Linux, 54 on FreeBSD and macOS): compare with the named
/// constants, never with literals.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use bareio::Errno;
/// assert_eq!(Errno::EAGAIN.name(), Some("EAGAIN"));
/// assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
/// assert_eq!(Errno::from_raw(Errno::EPIPE.raw()), Errno::EPIPE);
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Errno(u16);

/// Largest errno the kernel returns: results in `-4095..=-1` are errors.
const MAX_ERRNO: usize = 4095;

impl Errno {
    /// Wraps a raw positive errno value, as read from `errno` or `SO_ERROR`.
    ///
    /// Values outside `1..=4095` are not errnos; they are clamped into that
    /// range (0 becomes 4095), so an `Errno` never claims success.
    #[inline]
    pub const fn from_raw(raw: i32) -> Self {
        if raw >= 1 && raw <= MAX_ERRNO as i32 {
            Self(raw as u16)
        } else {
            Self(MAX_ERRNO as u16)
        }
    }

    /// The raw positive errno value, as the C `errno` would hold it.
    #[inline]
    pub const fn raw(self) -> i32 {
        self.0 as i32
    }

    /// Splits a raw syscall return value by the Linux convention: a value in
    /// `-4095..=-1` is a negated errno, everything else is the result.
    #[cfg(target_os = "linux")]
    #[inline]
    pub(crate) const fn from_ret(ret: usize) -> Result<usize, Self> {
        if ret > usize::MAX - MAX_ERRNO {
            Err(Self(ret.wrapping_neg() as u16))
        } else {
            Ok(ret)
        }
    }
}

/// Defines the named constants, `name()` and `description()` from one list.
///
/// The names and descriptions are kept packed (all the text end to end,
/// and a table of where each entry ends), not as a `match` returning a
/// `&str` per arm: a static binary that logs errno names pays about 1 KiB
/// for them instead of about 2.2 KiB.
macro_rules! errnos {
    ($($name:ident: $desc:literal,)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "`: ", $desc, ".")]
                pub const $name: Self = Self(abi::$name as u16);
            )*
        }

        /// Every named errno's value, in the list's order.
        const VALUES: &[u16] = &[$(abi::$name as u16,)*];
        const NAMES: PackedText<{ VALUES.len() }> = PackedText::new(
            concat!($(stringify!($name),)*),
            [$(stringify!($name).len(),)*],
        );
        const DESCRIPTIONS: PackedText<{ VALUES.len() }> =
            PackedText::new(concat!($($desc,)*), [$($desc.len(),)*]);

        /// The list as written, for the tests of the packed tables.
        #[cfg(test)]
        const LISTED: &[(Errno, &str, &str)] = &[$((Errno::$name, stringify!($name), $desc),)*];
    };
}

/// `N` strings stored end to end, with the offset where each ends.
struct PackedText<const N: usize> {
    text: &'static str,
    ends: [u16; N],
}

impl<const N: usize> PackedText<N> {
    const fn new(text: &'static str, lengths: [usize; N]) -> Self {
        let mut ends = [0u16; N];
        let mut end = 0;
        let mut i = 0;
        while i < N {
            end += lengths[i];
            ends[i] = end as u16;
            i += 1;
        }
        assert!(end == text.len() && end <= u16::MAX as usize);
        Self { text, ends }
    }

    /// The `i`th string.
    fn get(&self, i: usize) -> Option<&'static str> {
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)?,
        };
        self.text.get(usize::from(start)..usize::from(*self.ends.get(i)?))
    }
}

impl Errno {
    /// Where this errno is in the list of named ones (the first entry, for
    /// values two names share).
    fn index(self) -> Option<usize> {
        VALUES.iter().position(|&value| value == self.0)
    }

    /// The symbolic name (`"EAGAIN"`), if this is an errno the crate
    /// names; `None` for the rarer ones.
    pub fn name(self) -> Option<&'static str> {
        NAMES.get(self.index()?)
    }

    /// A short English description, as `strerror` would give.
    pub fn description(self) -> Option<&'static str> {
        DESCRIPTIONS.get(self.index()?)
    }
}

errnos! {
    EPERM: "Operation not permitted",
    ENOENT: "No such file or directory",
    ESRCH: "No such process",
    EINTR: "Interrupted system call",
    EIO: "Input/output error",
    ENXIO: "No such device or address",
    E2BIG: "Argument list too long",
    ENOEXEC: "Exec format error",
    EBADF: "Bad file descriptor",
    ECHILD: "No child processes",
    EAGAIN: "Resource temporarily unavailable",
    ENOMEM: "Cannot allocate memory",
    EACCES: "Permission denied",
    EFAULT: "Bad address",
    ENOTBLK: "Block device required",
    EBUSY: "Device or resource busy",
    EEXIST: "File exists",
    EXDEV: "Invalid cross-device link",
    ENODEV: "No such device",
    ENOTDIR: "Not a directory",
    EISDIR: "Is a directory",
    EINVAL: "Invalid argument",
    ENFILE: "Too many open files in system",
    EMFILE: "Too many open files",
    ENOTTY: "Inappropriate ioctl for device",
    ETXTBSY: "Text file busy",
    EFBIG: "File too large",
    ENOSPC: "No space left on device",
    ESPIPE: "Illegal seek",
    EROFS: "Read-only file system",
    EMLINK: "Too many links",
    EPIPE: "Broken pipe",
    EDOM: "Numerical argument out of domain",
    ERANGE: "Numerical result out of range",
    EDEADLK: "Resource deadlock avoided",
    ENAMETOOLONG: "File name too long",
    ENOLCK: "No locks available",
    ENOSYS: "Function not implemented",
    ENOTEMPTY: "Directory not empty",
    ELOOP: "Too many levels of symbolic links",
    EOVERFLOW: "Value too large for defined data type",
    ENOTSOCK: "Socket operation on non-socket",
    EDESTADDRREQ: "Destination address required",
    EMSGSIZE: "Message too long",
    EPROTOTYPE: "Protocol wrong type for socket",
    ENOPROTOOPT: "Protocol not available",
    EPROTONOSUPPORT: "Protocol not supported",
    ESOCKTNOSUPPORT: "Socket type not supported",
    EOPNOTSUPP: "Operation not supported",
    EPFNOSUPPORT: "Protocol family not supported",
    EAFNOSUPPORT: "Address family not supported by protocol",
    EADDRINUSE: "Address already in use",
    EADDRNOTAVAIL: "Cannot assign requested address",
    ENETDOWN: "Network is down",
    ENETUNREACH: "Network is unreachable",
    ENETRESET: "Network dropped connection on reset",
    ECONNABORTED: "Software caused connection abort",
    ECONNRESET: "Connection reset by peer",
    ENOBUFS: "No buffer space available",
    EISCONN: "Transport endpoint is already connected",
    ENOTCONN: "Transport endpoint is not connected",
    ESHUTDOWN: "Cannot send after transport endpoint shutdown",
    ETOOMANYREFS: "Too many references: cannot splice",
    ETIMEDOUT: "Connection timed out",
    ECONNREFUSED: "Connection refused",
    EHOSTDOWN: "Host is down",
    EHOSTUNREACH: "No route to host",
    EALREADY: "Operation already in progress",
    EINPROGRESS: "Operation now in progress",
    ECANCELED: "Operation canceled",
}

impl Errno {
    /// `EWOULDBLOCK`, the same value as [`Errno::EAGAIN`] on every
    /// supported system.
    pub const EWOULDBLOCK: Self = Self(abi::EWOULDBLOCK as u16);
    /// `ENOTSUP`: the same value as [`Errno::EOPNOTSUPP`] on Linux and
    /// FreeBSD; a distinct one on macOS (45, where `EOPNOTSUPP` is 102),
    /// which [`name`](Self::name) does not name.
    pub const ENOTSUP: Self = Self(abi::ENOTSUP as u16);
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

/// `EAGAIN: Resource temporarily unavailable (os error 11)`.
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name(), self.description()) {
            (Some(name), Some(desc)) => write!(f, "{name}: {desc} (os error {})", self.0),
            _ => write!(f, "unknown error (os error {})", self.0),
        }
    }
}

impl core::error::Error for Errno {}

#[cfg(feature = "std")]
impl Errno {
    /// The `std::io::ErrorKind` std gives this error number (with `std`):
    /// `EAGAIN` is `WouldBlock`, `EINTR` `Interrupted`, `ECONNRESET`
    /// `ConnectionReset`, … (std's own table for this target, so mips'
    /// numbers map as x86_64's do).
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use std::io::ErrorKind;
    /// use bareio::Errno;
    ///
    /// assert_eq!(Errno::EAGAIN.kind(), ErrorKind::WouldBlock);
    /// assert_eq!(Errno::ECONNREFUSED.kind(), ErrorKind::ConnectionRefused);
    /// assert_eq!(Errno::EPIPE.kind(), ErrorKind::BrokenPipe);
    /// # }
    /// ```
    pub fn kind(self) -> std::io::ErrorKind {
        std::io::Error::from_raw_os_error(self.raw()).kind()
    }
}

#[cfg(feature = "std")]
impl From<Errno> for std::io::Error {
    /// Keeps the OS code: `raw_os_error()` gives back [`Errno::raw`].
    fn from(errno: Errno) -> Self {
        std::io::Error::from_raw_os_error(errno.raw())
    }
}

#[cfg(feature = "std")]
impl TryFrom<&std::io::Error> for Errno {
    type Error = ();

    /// The errno of an OS error; `Err(())` for errors that carry none.
    fn try_from(err: &std::io::Error) -> Result<Self, ()> {
        err.raw_os_error().map(Self::from_raw).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packed tables give back the list as written: each errno its
    /// own name and description (for a value two names share, the first).
    #[test]
    fn every_listed_errno_has_its_name_and_description() {
        for (i, &(errno, name, desc)) in LISTED.iter().enumerate() {
            let first = LISTED.iter().position(|(other, ..)| *other == errno).unwrap();
            let (name, desc) = if first == i { (name, desc) } else { (LISTED[first].1, LISTED[first].2) };
            assert_eq!(errno.name(), Some(name), "entry {i}");
            assert_eq!(errno.description(), Some(desc), "entry {i}");
        }
        assert_eq!(Errno::from_raw(4095).name(), None);
        assert_eq!(Errno::from_raw(4095).description(), None);
    }
}
