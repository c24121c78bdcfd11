//! Thin, safe wrappers over the raw Linux syscalls.
//!
//! Each function makes exactly one syscall (none retries or loops; the
//! higher layers decide about `EINTR` and `EAGAIN`), takes typed arguments
//! (fds as [`AsFd`](crate::fd::AsFd), flags as small bit-set types whose
//! values come from the architecture's table in [`crate::arch`]) and returns
//! `Result<_, Errno>`. This module and `arch/` are the only places in the
//! crate with `unsafe` code.
//!
//! | module | syscalls |
//! |---|---|
//! | [`io`](self::io) | `read`, `write`, `readv`, `writev`, `close`, `fcntl` |
//! | [`pipe`](self::pipe) | `pipe2`, `splice`, `F_{GET,SET}PIPE_SZ` |
//! | [`eventfd`](self::eventfd) | `eventfd2` |
//! | [`epoll`](self::epoll) | `epoll_create1`, `epoll_ctl`, `epoll_pwait`, `epoll_pwait2` |
//! | [`net`](self::net) | `socket`, `socketpair`, `bind`, `listen`, `connect`, `accept4`, `getsockname`, `setsockopt`, `getsockopt`, `shutdown`, `sendmsg`, `recvmsg` |
//! | [`process`](self::process) | `getpid`, `kill`, `exit_group` |
//!
//! Everything is also re-exported here, flat: `bareio::sys::read`.

/// Makes a raw syscall by its table name: `syscall!(SYS_READ, a1, a2, a3)`.
///
/// Expands to the current architecture's `syscallN` and yields the raw
/// return value; callers pass it to `Errno::from_ret`. Must be used inside
/// an `unsafe` block whose `// SAFETY:` line justifies the arguments.
macro_rules! syscall {
    ($nr:ident) => {
        $crate::arch::current::syscall0($crate::arch::current::$nr)
    };
    ($nr:ident, $a1:expr) => {
        $crate::arch::current::syscall1($crate::arch::current::$nr, $a1)
    };
    ($nr:ident, $a1:expr, $a2:expr) => {
        $crate::arch::current::syscall2($crate::arch::current::$nr, $a1, $a2)
    };
    ($nr:ident, $a1:expr, $a2:expr, $a3:expr) => {
        $crate::arch::current::syscall3($crate::arch::current::$nr, $a1, $a2, $a3)
    };
    ($nr:ident, $a1:expr, $a2:expr, $a3:expr, $a4:expr) => {
        $crate::arch::current::syscall4($crate::arch::current::$nr, $a1, $a2, $a3, $a4)
    };
    ($nr:ident, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr) => {
        $crate::arch::current::syscall5($crate::arch::current::$nr, $a1, $a2, $a3, $a4, $a5)
    };
    ($nr:ident, $a1:expr, $a2:expr, $a3:expr, $a4:expr, $a5:expr, $a6:expr) => {
        $crate::arch::current::syscall6($crate::arch::current::$nr, $a1, $a2, $a3, $a4, $a5, $a6)
    };
}

/// Defines a `Copy` bit-set newtype with named flags, `|`, and `Debug`.
macro_rules! flags {
    (
        $(#[$meta:meta])*
        pub struct $name:ident: $ty:ty {
            $( $(#[$fmeta:meta])* const $flag:ident = $value:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[repr(transparent)]
        pub struct $name($ty);

        impl $name {
            $( $(#[$fmeta])* pub const $flag: Self = Self($value as $ty); )*

            /// No flags.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// The raw bits, as passed to the kernel.
            pub const fn bits(self) -> $ty {
                self.0
            }

            /// Wraps raw bits, keeping any the type has no name for.
            pub const fn from_bits_retain(bits: $ty) -> Self {
                Self(bits)
            }

            /// Whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether any flag of `other` is set in `self`.
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }

            /// The flags of both.
            pub const fn union(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// `self` without the flags of `other`.
            pub const fn difference(self, other: Self) -> Self {
                Self(self.0 & !other.0)
            }
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, other: Self) -> Self {
                self.union(other)
            }
        }

        impl core::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, other: Self) {
                *self = self.union(other);
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let mut rest = self.0;
                let mut first = true;
                f.write_str(concat!(stringify!($name), "("))?;
                $(
                    let bits = $value as $ty;
                    if bits != 0 && rest & bits == bits {
                        if !first { f.write_str(" | ")?; }
                        f.write_str(stringify!($flag))?;
                        rest &= !bits;
                        first = false;
                    }
                )*
                if rest != 0 {
                    if !first { f.write_str(" | ")?; }
                    write!(f, "{:#x}", rest)?;
                }
                f.write_str(")")
            }
        }
    };
}

pub mod epoll;
pub mod eventfd;
pub mod io;
pub mod net;
pub mod pipe;
pub mod process;

#[cfg(test)]
mod layout_tests;

pub use self::epoll::*;
pub use self::eventfd::*;
pub use self::io::*;
pub use self::net::*;
pub use self::pipe::*;
pub use self::process::*;

use crate::fd::{AsRawFd, BorrowedFd, RawFd};

/// A file descriptor as a syscall argument: sign-extended, as the kernel
/// expects an `int` in a register.
#[inline(always)]
fn fd_arg(fd: BorrowedFd<'_>) -> usize {
    int_arg(fd.as_raw_fd())
}

/// An `int` syscall argument, sign-extended to the register width (so -1
/// stays -1 on 64-bit architectures).
#[inline(always)]
const fn int_arg(value: i32) -> usize {
    value as isize as usize
}

/// The fd a successful fd-returning syscall gave back.
#[inline(always)]
fn ret_fd(ret: usize) -> RawFd {
    // File descriptors are non-negative `int`s: the cast is lossless.
    ret as RawFd
}

#[cfg(not(feature = "std"))]
pub(crate) use self::io::close_raw_ignoring_errors;
