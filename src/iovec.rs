//! Vectored I/O with no allocation: a chunk list that consumes exactly what
//! each (partial) write wrote, and a fixed-capacity `iovec` builder.
//!
//! On FreeBSD and macOS only [`Buffers`] (the pure consumption logic, no
//! syscall) is here; `IoVecs` and the vectored I/O calls are Linux-only.
//!
//! This is Go's `net.Buffers` in three parts:
//!
//! | item | what |
//! |---|---|
//! | [`Buffers`] | the chunk list over caller-owned storage: [`advance`](Buffers::advance) drops fully written chunks and trims a partly written one; empty chunks are skipped; advancing past the end is an [`AdvanceError`], with nothing changed |
//! | [`IoVecs`] | up to `min(N, IOV_MAX)` non-empty kernel `iovec`s (a fixed array of [`IoSlice`], filled in one pass) built from the front of a [`Buffers`] |
//! | [`write_vectored`], [`send_vectored`] | one `writev` / `sendmsg(MSG_NOSIGNAL)` of the next batch, then advance by what the kernel took |
//! | [`write_vectored_all`], [`send_vectored_all`] | loop the step until done, retry `EINTR`; `EAGAIN` returns with all progress kept |
//! | [`read_vectored`] | one `readv` into caller buffers (at most [`IOV_MAX`] of them), `EINTR` retried |
//!
//! The loops are [`Buffers::write_all_with`] around [`Buffers::write_with`],
//! which take the syscall as a closure: the same code drives `writev`,
//! `sendmsg`, or a test's counting or fault-injecting writer.
//!
//! A chunk is anything that dereferences to bytes: `&[u8]`, `Vec<u8>`,
//! [`IoSlice`], or with `std`, `std::io::IoSlice` (so a slice of those is a
//! chunk list as it is, no conversion, no copy).
//!
//! # Example
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use bareio::iovec::{write_vectored_all, Buffers};
//! use bareio::sys::{read, socketpair, AddressFamily, SocketFlags, SocketType};
//!
//! let (a, b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
//! let header = *b"GET / HTTP/1.1\r\n";
//! let chunks: [&[u8]; 4] = [&header, b"Host: x\r\n", b"", b"\r\n"];
//! let mut bufs = Buffers::new(&chunks);
//! // Up to 16 iovecs per writev; on a nonblocking fd an `Err(EAGAIN)` keeps
//! // the progress in `bufs`: wait for writability and call again.
//! write_vectored_all::<16>(&a, &mut bufs)?;
//! assert!(bufs.is_empty());
//!
//! let mut got = [0u8; 64];
//! let n = read(&b, &mut got)?;
//! assert_eq!(&got[..n], b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```
//!
//! # Resuming after `EAGAIN`
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use bareio::iovec::{write_vectored_all, Buffers};
//! use bareio::poll::{Events, Interest, Mode, Poller};
//! use bareio::sys::{read, socketpair, AddressFamily, SocketFlags, SocketType};
//! use bareio::Errno;
//!
//! let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
//! let (w, r) = socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, 0)?;
//! let data = [7u8; 100_000];
//! let chunks: [&[u8]; 4] = [&data[..1], &data[1..50_000], &data[50_000..], b"end"];
//! let mut bufs = Buffers::new(&chunks);
//!
//! let poller = Poller::new()?;
//! poller.register(&w, 1, Interest::WRITABLE, Mode::Level)?;
//! let mut events = Events::<4>::new();
//! let (mut received, mut sink) = (0, [0u8; 65536]);
//! loop {
//!     match write_vectored_all::<64>(&w, &mut bufs) {
//!         Ok(()) => break,
//!         Err(Errno::EAGAIN) => {
//!             // Full: here the peer is drained in the same thread; an event
//!             // loop would wait for WRITABLE and serve other fds meanwhile.
//!             while let Ok(n) = read(&r, &mut sink) {
//!                 received += n;
//!             }
//!             poller.wait(&mut events, None)?;
//!         }
//!         Err(e) => return Err(e),
//!     }
//! }
//! while let Ok(n) = read(&r, &mut sink) {
//!     received += n;
//! }
//! assert_eq!(received, 100_003);
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```

mod buffers;
#[cfg(target_os = "linux")]
mod builder;
#[cfg(target_os = "linux")]
mod io;

pub use self::buffers::{AdvanceError, Buffers, Chunks};
#[cfg(target_os = "linux")]
pub use self::builder::IoVecs;
#[cfg(target_os = "linux")]
pub use self::io::{read_vectored, send_vectored, send_vectored_all, write_vectored, write_vectored_all};

#[cfg(target_os = "linux")]
#[doc(no_inline)]
pub use crate::sys::{IoSlice, IoSliceMut};

/// The most `iovec`s one `readv`/`writev`/`sendmsg` accepts: the kernel's
/// `UIO_MAXIOV`, 1024 on every architecture (glibc's `IOV_MAX`). More
/// give `EINVAL`, so nothing here ever passes more.
pub const IOV_MAX: usize = 1024;
