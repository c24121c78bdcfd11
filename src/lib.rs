//! Event-driven I/O on Linux with no libc, no allocator and no runtime
//! (and a kqueue `Poller` on FreeBSD and macOS, through libc).
//!
//! `bareio` is the layer Go's runtime network poller is built from, as a
//! `#![no_std]` library: per-architecture syscall tables and raw entries
//! ([`arch`]), a typed [`Errno`], owned and borrowed file descriptors
//! ([`fd`]), and thin, safe syscall wrappers ([`sys`]).
//!
//! For event loops that keep their state in static storage (no allocator,
//! a small stack): [`time::Instant`] (the monotonic clock),
//! [`timer::Timers`] (deadlines keyed by a slot index, Go's `SetDeadline`
//! as a building block), [`slab::Slab`] (fixed-capacity slots whose
//! memory is touched only when used) and [`cell::StaticCell`] (a `static`
//! taken once as `&'static mut`, with no `unsafe` in the program). All
//! four work on every supported system and are all zero bytes when empty,
//! so a `static` of them lands in `.bss`.
//!
//! It runs the same on x86_64, x86, aarch64, arm, riscv64, loongarch64,
//! mips, mips64, powerpc64le and s390x; every table is tested against the
//! `syscalls` and `libc` crates, and the test suite runs under qemu-user on
//! each of those architectures.
//!
//! # FreeBSD, macOS and DragonFly
//!
//! The same [`poll::Poller`], [`poll::Waker`], [`poll::Events`] and
//! [`wake`] protocol, backed by kqueue (`EVFILT_USER` wakeups, Go's
//! scheme), with [`Errno`] (the system's own values), [`fd`],
//! [`iovec::Buffers`], [`time`], [`timer`], [`slab`] and [`cell`]. There the crate calls the C library through the
//! `libc` crate (raw syscalls are no stable ABI on macOS); on Linux it
//! never links libc. `sys`, `splice`, the vectored I/O calls and the
//! per-architecture tables' `current` are Linux-only.
//!
//! **What is tested how**: Linux by running (unit, integration, doc tests,
//! under qemu on ten architectures). The kqueue backend is
//! **compile-checked only** (`cargo check` and clippy for
//! x86_64-unknown-freebsd, aarch64-apple-darwin, x86_64-apple-darwin; no
//! such machine in CI), plus the loom model of its wake protocol, which is
//! the same code as Linux's with an `EVFILT_USER` model of the kernel.
//! DragonFly (tier 3, no prebuilt standard library) is compile-checked
//! with nightly `-Zbuild-std`: the library in CI.
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
// The docs are written for Linux and link its items (`sys`, `IoVecs`, …);
// built for a kqueue system, those links have no target.
#![cfg_attr(not(target_os = "linux"), allow(rustdoc::broken_intra_doc_links))]

#[cfg(feature = "std")]
extern crate std;

#[cfg(all(feature = "rt", feature = "std"))]
compile_error!(
    "bareio: the `rt` feature (process entry and mem functions for programs with no C library) \
     cannot be combined with `std` (programs with one); enable only one of them"
);

#[macro_use]
mod macros;

#[path = "../arch/mod.rs"]
pub mod arch;

#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "macos", target_os = "dragonfly")))]
compile_error!("bareio supports Linux (epoll), and FreeBSD, macOS and DragonFly (kqueue)");

pub mod cell;
mod errno;
pub mod fd;
pub mod iovec;
#[cfg(any(target_os = "freebsd", target_os = "macos", target_os = "dragonfly"))]
mod libc_sys;
pub mod poll;
#[cfg(all(feature = "rt", target_os = "linux"))]
pub mod rt;
pub mod slab;
#[cfg(target_os = "linux")]
pub mod splice;
mod sync;
#[cfg(target_os = "linux")]
pub mod sys;
pub mod time;
pub mod timer;
pub mod wake;

pub use errno::Errno;

/// The README's Rust examples, compiled and run as doc-tests.
#[cfg(all(doctest, target_os = "linux"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
