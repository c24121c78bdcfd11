//! Event-driven I/O on Linux with no libc, no allocator and no runtime.
//!
//! `bareio` is the layer Go's runtime network poller is built from, as a
//! `#![no_std]` library: per-architecture syscall tables and raw entries
//! ([`arch`]), a typed [`Errno`], owned and borrowed file descriptors
//! ([`fd`]), and thin, safe syscall wrappers ([`sys`]).
//!
//! It runs the same on x86_64, x86, aarch64, arm, riscv64, loongarch64,
//! mips, mips64, powerpc64le and s390x; every table is tested against the
//! `syscalls` and `libc` crates, and the test suite runs under qemu-user on
//! each of those architectures.
//!
//! # Example
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use bareio::sys::{eventfd, EventfdFlags};
//! use bareio::Errno;
//!
//! let efd = eventfd(0, EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC)?;
//! let mut buf = [0u8; 8];
//! // Nothing was written yet: a nonblocking read says "try again".
//! assert_eq!(bareio::sys::read(&efd, &mut buf), Err(Errno::EAGAIN));
//! bareio::sys::write(&efd, &1u64.to_ne_bytes())?;
//! assert_eq!(bareio::sys::read(&efd, &mut buf), Ok(8));
//! assert_eq!(u64::from_ne_bytes(buf), 1);
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```
//!
//! # Features
//!
//! - `std` (off by default): interop only. [`fd`] re-exports std's
//!   `OwnedFd`/`BorrowedFd`/`AsFd` so std sockets pass straight in, and
//!   [`Errno`] converts to `std::io::Error` keeping the OS code.
//! - `rt` (off by default): process entry for `#![no_main]` static programs
//!   with no libc: `_start`, the arguments, `memcpy` & co. See `rt`.

#![no_std]
// Inline asm is unstable on MIPS (nightly only); `rt`'s `_start` macro
// lends that permission to the program it expands in.
#![cfg_attr(
    any(target_arch = "mips", target_arch = "mips64"),
    feature(asm_experimental_arch, allow_internal_unstable),
    allow(internal_features)
)]
#![warn(missing_docs, unsafe_op_in_unsafe_fn)]

#[cfg(feature = "std")]
extern crate std;

#[macro_use]
mod macros;

#[path = "../arch/mod.rs"]
pub mod arch;

mod errno;
pub mod fd;
#[cfg(target_os = "linux")]
pub mod iovec;
#[cfg(target_os = "linux")]
pub mod poll;
#[cfg(all(feature = "rt", target_os = "linux"))]
pub mod rt;
#[cfg(target_os = "linux")]
pub mod splice;
mod sync;
#[cfg(target_os = "linux")]
pub mod sys;
#[cfg(target_os = "linux")]
mod time;
pub mod wake;

pub use errno::Errno;

/// The README's Rust examples, compiled and run as doc-tests.
#[cfg(all(doctest, target_os = "linux"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
