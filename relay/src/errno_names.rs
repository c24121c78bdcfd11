//! The names of the errnos a relay meets (connects, transfers, accepts,
//! its own start); the log gives others as `errno N`. `Errno::name` knows
//! every name, but its table is 1 KiB of this binary. (No dependency but
//! `Errno`: tests/relay.rs includes this file to check each name.)

use bareio::Errno;

/// The named errnos, in the order of [`NAMES`].
pub const NAMED: [Errno; 22] = [
    Errno::ECONNREFUSED,
    Errno::ECONNRESET,
    Errno::ECONNABORTED,
    Errno::ETIMEDOUT,
    Errno::EHOSTUNREACH,
    Errno::ENETUNREACH,
    Errno::ENETDOWN,
    Errno::EPIPE,
    Errno::EACCES,
    Errno::EPERM,
    Errno::EADDRINUSE,
    Errno::EADDRNOTAVAIL,
    Errno::EAFNOSUPPORT,
    Errno::EMFILE,
    Errno::ENFILE,
    Errno::ENOBUFS,
    Errno::ENOMEM,
    Errno::ENOSPC,
    Errno::EINVAL,
    Errno::ENOSYS,
    Errno::EBADF,
    Errno::EINTR,
];
pub const NAMES: &[u8] = b"ECONNREFUSED ECONNRESET ECONNABORTED ETIMEDOUT EHOSTUNREACH ENETUNREACH ENETDOWN EPIPE \
EACCES EPERM EADDRINUSE EADDRNOTAVAIL EAFNOSUPPORT EMFILE ENFILE ENOBUFS ENOMEM ENOSPC EINVAL ENOSYS EBADF EINTR";

/// `errno`'s name, if it is one of [`NAMED`].
pub fn name(errno: Errno) -> Option<&'static [u8]> {
    let i = NAMED.iter().position(|&named| named == errno)?;
    NAMES.split(|&b| b == b' ').nth(i)
}
