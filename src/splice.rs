//! Zero-copy transfer from one fd to another through a reused pipe, with a
//! copy path for small transfers and for fds the kernel will not splice.
//!
//! [`Transfer`] moves the bytes of one direction (say client → upstream) of
//! a connection. Each [`run`](Transfer::run) moves as much as it can and
//! says why it stopped: end of input, a side that would block, or the byte
//! limit. Bytes taken from the source but not yet delivered stay inside the
//! `Transfer` (in its pipe or its copy buffer), are reported as
//! [`pending`](Transfer::pending), and go out first on the next call, so
//! nothing is lost or duplicated across `EAGAIN`, and nothing is dropped
//! silently when the destination fails.
//!
//! # Policy: copy small, splice bulk
//!
//! `splice` costs two syscalls per chunk (source → pipe → destination),
//! the same as `read` + `write`, and saves the copies through user space;
//! for small chunks that saving is smaller than splice's fixed cost (Go
//! measured splice at 0.95× a plain copy for 1 KiB). So a `Transfer` starts
//! by copying through its buffer of `COPY` bytes, switches to splice when a
//! read brings [`SPLICE_THRESHOLD`] bytes or a full buffer (the source has
//! bulk data waiting), and goes back to copying when a splice brings less
//! than that. Short exchanges cost what a copy loop costs; bulk streams are
//! spliced. `benches/splice.rs` measures copy, splice and `Transfer` at
//! 1 KiB … 1 MiB on loopback TCP; [`SPLICE_THRESHOLD`] gives the figures.
//!
//! Where the kernel refuses to splice an fd (`EINVAL`: not a pipe, socket
//! or file that supports it, or an `O_APPEND` destination) the transfer
//! falls back to copying for good, draining whatever the pipe already holds
//! first. Where `splice` itself is unavailable (`ENOSYS`, or `EPERM` from a
//! seccomp profile that does not list it), every transfer of the process
//! copies from then on: the first refusal decides, no later call retries.
//!
//! [`Transfer`]'s docs say what it guarantees: no lost byte, end of input
//! only at the real end (TCP urgent data included), blocking fds that block.
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use bareio::splice::{Stop, Transfer};
//! use bareio::sys::{shutdown, socketpair, write, AddressFamily, Shutdown, SocketFlags, SocketType};
//!
//! let (client, source) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
//! let (destination, server) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
//! write(&client, b"hello")?;
//! shutdown(&client, Shutdown::Write)?;
//!
//! let mut transfer = Transfer::<4096>::new()?;
//! let progress = transfer.run(&source, &destination, None)?;
//! assert_eq!((progress.moved, progress.stop), (5, Stop::Eof));
//! let mut buf = [0u8; 8];
//! assert_eq!(bareio::sys::read(&server, &mut buf)?, 5);
//! # }
//! # Ok::<(), bareio::splice::TransferError>(())
//! ```

use crate::fd::{AsFd, BorrowedFd, OwnedFd};
use crate::sys::{self, OFlags, PipeFlags, SpliceFlags};
use crate::Errno;

/// The pipe capacity [`Pipe::new`] asks for: 256 KiB, four times the
/// default, so one splice moves up to that much. Best effort: the kernel
/// may refuse (`pipe-max-size`, per-user pipe limits), and then the pipe
/// keeps the capacity it has.
pub const DEFAULT_PIPE_CAPACITY: usize = 256 * 1024;

/// Chunks of at least this many bytes are spliced, smaller ones copied.
///
/// Measured with `cargo bench --bench splice` (x86_64, 2 cores, loopback
/// TCP, a 16 KiB copy buffer; time per transfer, splice relative to a
/// `read`/`write` loop): 1 KiB 0.76× (splice slower), 4 KiB 1.18×,
/// 16 KiB 1.31×, 64 KiB 1.38×, 256 KiB 1.99×, 1 MiB 1.49×. The crossover
/// lies between 1 and 4 KiB, so 4 KiB is where splicing starts to pay.
pub const SPLICE_THRESHOLD: usize = 4096;

/// A nonblocking, close-on-exec pipe used as a splice buffer, which knows
/// how many bytes it holds.
///
/// Owned by one [`Transfer`] and reused by every call: a pipe that still
/// holds bytes stays with the transfer those bytes belong to.
#[derive(Debug)]
pub struct Pipe {
    reader: OwnedFd,
    writer: OwnedFd,
    held: usize,
    capacity: usize,
}

impl Pipe {
    /// A pipe with (at best) [`DEFAULT_PIPE_CAPACITY`].
    pub fn new() -> Result<Self, Errno> {
        Self::with_capacity(DEFAULT_PIPE_CAPACITY)
    }

    /// A pipe, enlarged towards `capacity` bytes if the kernel allows.
    pub fn with_capacity(capacity: usize) -> Result<Self, Errno> {
        let (reader, writer) = sys::pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC)?;
        // Best effort: EPERM past the limits leaves the default size.
        let _ = sys::set_pipe_size(&writer, capacity);
        let capacity = sys::pipe_size(&writer)?;
        Ok(Self { reader, writer, held: 0, capacity })
    }

    /// Bytes in the pipe, taken from a source and not yet delivered.
    pub const fn held(&self) -> usize {
        self.held
    }

    /// The pipe's capacity as the kernel reports it.
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Source → pipe: at most `len` bytes.
    fn fill(&mut self, src: BorrowedFd<'_>, len: usize) -> Result<usize, Errno> {
        let n = io::splice(src, self.writer.as_fd(), len)?;
        self.held += n;
        Ok(n)
    }

    /// Pipe → destination: at most `len` of the held bytes.
    fn drain(&mut self, dst: BorrowedFd<'_>, len: usize) -> Result<usize, Errno> {
        let len = len.min(self.held);
        let n = io::splice(self.reader.as_fd(), dst, len)?;
        self.held -= n;
        Ok(n)
    }

    /// Pipe → memory, for the copy fallback.
    fn read_into(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        let n = io::read(self.reader.as_fd(), buf)?;
        self.held -= n;
        Ok(n)
    }
}

/// Why [`Transfer::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stop {
    /// The source reached end of input and everything was delivered.
    Eof,
    /// The source has nothing now (`EAGAIN`): wait until it is readable.
    SourceWouldBlock,
    /// The destination is full (`EAGAIN`): wait until it is writable. The
    /// bytes not yet delivered are [`Transfer::pending`].
    DestinationWouldBlock,
    /// This call delivered the `limit` it was given.
    LimitReached,
}

/// What one [`Transfer::run`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Bytes delivered to the destination by this call.
    pub moved: usize,
    /// Bytes taken from the source and not yet delivered (they go first
    /// on the next call).
    pub pending: usize,
    /// Why the call returned.
    pub stop: Stop,
}

/// A failed [`Transfer::run`]: the error, and where the bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransferError {
    /// The error from the source or the destination.
    pub errno: Errno,
    /// Bytes delivered by this call before the error.
    pub moved: usize,
    /// Bytes taken from the source and never delivered: still held in the
    /// transfer's pipe or buffer, never silently dropped.
    pub pending: usize,
}

impl From<Errno> for TransferError {
    fn from(errno: Errno) -> Self {
        Self { errno, moved: 0, pending: 0 }
    }
}

impl core::fmt::Display for TransferError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} after {} bytes, {} bytes pending", self.errno, self.moved, self.pending)
    }
}

impl core::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.errno)
    }
}

#[cfg(feature = "std")]
impl From<TransferError> for std::io::Error {
    fn from(e: TransferError) -> Self {
        e.errno.into()
    }
}

/// How the bytes currently move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// Through the buffer; switches to splice on the first full read.
    Copy,
    /// Through the pipe (through the buffer while the transfer has none:
    /// [`Transfer::wants_pipe`]).
    Splice,
    /// Through the buffer for good: the kernel refused to splice.
    CopyOnly,
}

/// `splice`: where it is missing (`ENOSYS`, or `EPERM` from a seccomp
/// profile that forbids it), every transfer in the process copies.
static SPLICE: sys::Optional = sys::Optional::new();

/// Whether `splice` is known not to work in this process.
fn splice_unavailable() -> bool {
    !SPLICE.is_available()
}

/// One direction of a connection: moves bytes from a source fd to a
/// destination fd, spliced through a pipe or copied through a buffer of
/// `COPY` bytes, keeping what it could not deliver yet.
///
/// No allocation. The pipe is made once by [`new`](Transfer::new), or lent
/// and taken back ([`without_pipe`](Transfer::without_pipe),
/// [`lend_pipe`](Transfer::lend_pipe), [`take_pipe`](Transfer::take_pipe))
/// so that many transfers can share a small pool of pipes. The copy buffer
/// is inline (a `Transfer<COPY>` is `COPY` bytes large), or, for a
/// `Transfer<0>`, the caller's, passed to each
/// [`run_with`](Transfer::run_with): a program with thousands of
/// connections keeps their buffers in static storage, whose pages the
/// kernel only provides once a buffer is first written.
///
/// # What it guarantees
///
/// - No byte is lost or duplicated: what was taken from the source and not
///   yet delivered stays here ([`pending`](Transfer::pending)) across
///   `EAGAIN`, errors and calls, and goes out first.
/// - [`Stop::Eof`] only at the source's real end of input: the kernel's
///   splice read also returns 0 (or `EAGAIN`) at a TCP urgent mark with data
///   still queued behind it, so a splice that brings nothing is confirmed by
///   a `read`, which steps over the mark.
/// - With both fds blocking, [`run`](Transfer::run) returns only at end of
///   input, at the limit or on an error, even for unix sockets and pipes,
///   where the kernel applies the transfer's own nonblocking pipe to the
///   other side too.
///
/// # Urgent (out-of-band) TCP data
///
/// As with std and Go, the urgent byte of a `send(MSG_OOB)` is **not** part
/// of the stream: the kernel keeps it aside (read it with `recv(MSG_OOB)`),
/// and the transfer delivers every in-band byte around it. With
/// `SO_OOBINLINE` set on the source the urgent byte stays in the stream and
/// is delivered in place.
///
/// # Costs
///
/// One extra syscall (the confirming `read`) each time a splice finds the
/// source empty, and one `fcntl(F_GETFL)` each time a splice finds the
/// destination full (to tell a nonblocking destination from a blocking pipe
/// the kernel saw as nonblocking). Both happen once per burst of bulk data,
/// not per chunk. The copy path costs what a `read`/`write` loop does, plus
/// the `read` that finds the source empty; an edge-triggered caller saves
/// that one with [`set_short_reads_drain`](Transfer::set_short_reads_drain).
#[derive(Debug)]
pub struct Transfer<const COPY: usize = 16384> {
    state: State,
    buf: [u8; COPY],
}

/// A [`Transfer`] but for its inline buffer.
#[derive(Debug)]
struct State {
    /// The splice buffer, while the transfer has one.
    pipe: Option<Pipe>,
    /// `buf[start..end]` was read from the source and not yet written.
    start: usize,
    end: usize,
    /// Where those bytes are, while there are any: the address of the copy
    /// buffer they were read into (so that `run_with` can refuse another).
    held_in: usize,
    path: Path,
    /// Reads of at least this many bytes switch to splicing (0: the
    /// default, `min(SPLICE_THRESHOLD, buffer length)`).
    splice_from: usize,
    /// A read shorter than asked means the source is empty for now.
    short_reads_drain: bool,
    /// This call's read came up short: the source is empty until its next
    /// readiness event.
    drained: bool,
    /// Bytes delivered through the pipe, and through the buffer.
    spliced: u64,
    copied: u64,
}

impl<const COPY: usize> Transfer<COPY> {
    /// A transfer with a pipe of [`DEFAULT_PIPE_CAPACITY`] (best effort).
    pub fn new() -> Result<Self, Errno> {
        Self::with_pipe(Pipe::new()?)
    }

    /// A transfer using `pipe`, which must be empty (`EINVAL` otherwise:
    /// its bytes belong to another transfer).
    pub fn with_pipe(pipe: Pipe) -> Result<Self, Errno> {
        let mut transfer = Self::without_pipe();
        transfer.lend_pipe(pipe).map_err(|_| Errno::EINVAL)?;
        Ok(transfer)
    }

    /// A transfer with no pipe: it copies, and once the traffic is bulk
    /// ([`wants_pipe`](Self::wants_pipe)) splices as soon as it is lent one
    /// ([`lend_pipe`](Self::lend_pipe)). Makes no syscall, cannot fail.
    pub const fn without_pipe() -> Self {
        let state = State {
            pipe: None,
            start: 0,
            end: 0,
            held_in: 0,
            path: Path::Copy,
            splice_from: 0,
            short_reads_drain: false,
            drained: false,
            spliced: 0,
            copied: 0,
        };
        Self { state, buf: [0; COPY] }
    }

    /// Bytes taken from the source and not yet delivered.
    pub const fn pending(&self) -> usize {
        let held = match &self.state.pipe {
            Some(pipe) => pipe.held,
            None => 0,
        };
        held + self.buffered()
    }

    /// The pending bytes that sit in the copy buffer (the rest are in the
    /// pipe). For a `Transfer<0>`, while this is not 0 the same buffer must
    /// be passed to [`run_with`](Self::run_with) again.
    pub const fn buffered(&self) -> usize {
        self.state.end - self.state.start
    }

    /// Whether bytes now go through the pipe (bulk data) rather than the
    /// copy buffer.
    pub const fn is_splicing(&self) -> bool {
        matches!(self.state.path, Path::Splice) && self.state.pipe.is_some()
    }

    /// Whether the traffic is bulk and the transfer would splice it if it
    /// had a pipe: the moment to [`lend_pipe`](Self::lend_pipe) one.
    pub fn wants_pipe(&self) -> bool {
        self.state.path == Path::Splice && self.state.pipe.is_none() && !splice_unavailable()
    }

    /// Whether the kernel refused to splice these fds (`EINVAL`), or splice
    /// is unavailable in this process (`ENOSYS`, `EPERM`), so this transfer
    /// copies for good.
    pub const fn splice_refused(&self) -> bool {
        matches!(self.state.path, Path::CopyOnly)
    }

    /// Bytes delivered through the pipe so far, over all calls.
    pub const fn bytes_spliced(&self) -> u64 {
        self.state.spliced
    }

    /// Bytes delivered through the copy buffer so far, over all calls.
    pub const fn bytes_copied(&self) -> u64 {
        self.state.copied
    }

    /// The pipe, if the transfer has one, e.g. to read its capacity.
    pub const fn pipe(&self) -> Option<&Pipe> {
        self.state.pipe.as_ref()
    }

    /// Gives the transfer a pipe to splice through. Refused (the pipe comes
    /// back) if the transfer already has one, or if `pipe` holds bytes:
    /// those belong to another transfer.
    pub fn lend_pipe(&mut self, pipe: Pipe) -> Result<(), Pipe> {
        if self.state.pipe.is_some() || pipe.held != 0 {
            return Err(pipe);
        }
        self.state.pipe = Some(pipe);
        Ok(())
    }

    /// Takes the pipe back (for another transfer, say) if it holds nothing.
    /// A pipe with bytes in it stays: those bytes belong to this direction
    /// and go out first on the next call. The transfer then copies until it
    /// is lent a pipe again.
    pub fn take_pipe(&mut self) -> Option<Pipe> {
        match &self.state.pipe {
            Some(pipe) if pipe.held == 0 => self.state.pipe.take(),
            _ => None,
        }
    }

    /// Takes the pipe back for reuse by another transfer (of another
    /// connection, say), if nothing is pending. A transfer that still holds
    /// bytes, or has no pipe, is returned unchanged: those bytes belong to
    /// this direction and are never handed to another.
    pub fn into_pipe(mut self) -> Result<Pipe, Self> {
        if self.pending() != 0 {
            return Err(self);
        }
        self.take_pipe().ok_or(self)
    }

    /// Reads of at least `bytes` switch the transfer to splicing what
    /// follows (default: [`SPLICE_THRESHOLD`], or the buffer's length if
    /// smaller); a splice that brings less switches back. A program
    /// relaying request/response traffic of up to its buffer's size sets
    /// the buffer's length: only a read that fills the buffer (more is
    /// waiting) means bulk.
    pub fn set_splice_from(&mut self, bytes: usize) {
        self.state.splice_from = bytes;
    }

    /// For an edge-triggered caller (`Mode::Edge`) of stream sockets and
    /// pipes: a read shorter than asked means the source's queue was empty
    /// when read (TCP, unix streams and pipes read everything queued up to
    /// the length asked), and the next arrival raises a new edge. With this
    /// on, `run` then stops with [`Stop::SourceWouldBlock`] instead of
    /// making the `read` that would answer `EAGAIN`: one syscall less per
    /// message. Reset by nothing; harmless with level-triggered waits (the
    /// next wait reports the readiness anyway).
    ///
    /// Turn it off for a call whose event says either of two things:
    ///
    /// - the peer ended its side ([`is_read_hangup`](crate::poll::Event::is_read_hangup),
    ///   with [`Interest::READ_HANGUP`](crate::poll::Interest::READ_HANGUP)):
    ///   a short read may return the last bytes and leave the end of input
    ///   unread, and the FIN raises no edge of its own after that;
    /// - TCP urgent data is pending ([`is_priority`](crate::poll::Event::is_priority),
    ///   with [`Interest::PRIORITY`](crate::poll::Interest::PRIORITY)): a
    ///   read stops short at the urgent mark with data behind it.
    ///
    /// `tests/edges.rs` checks both, and the rule itself, on every
    /// architecture. Splices are never taken as proof (a pipe's slots can
    /// fill first).
    pub fn set_short_reads_drain(&mut self, on: bool) {
        self.state.short_reads_drain = on;
    }

    /// Moves bytes from `src` to `dst` until the source ends, a side would
    /// block, or `limit` bytes (if given) were delivered by this call.
    ///
    /// Pending bytes from an earlier call go first. `EINTR` is retried.
    /// Blocking fds block as usual: with both blocking, this returns only
    /// at end of input, at the limit, or on an error.
    ///
    /// On error, [`TransferError::pending`] says how many bytes were taken
    /// from the source and not delivered; they stay here, and a later call
    /// (with the same or another destination) delivers them first.
    ///
    /// Like `write(2)`, writing to a socket whose peer has gone raises
    /// `SIGPIPE`, which kills the process unless it is ignored or blocked
    /// (Rust's std runtime ignores it; a `no_main` program must do so
    /// itself). With it ignored, the error is `EPIPE`.
    ///
    /// A `Transfer<0>` has no buffer of its own: this is `EINVAL`; use
    /// [`run_with`](Self::run_with).
    pub fn run(
        &mut self,
        src: impl AsFd,
        dst: impl AsFd,
        limit: Option<usize>,
    ) -> Result<Progress, TransferError> {
        self.state.run(src.as_fd(), dst.as_fd(), limit, &mut self.buf)
    }

    /// [`run`](Self::run), copying through `buf` instead of the inline
    /// buffer (for a `Transfer<0>`, whose buffer lives elsewhere).
    ///
    /// While [`buffered`](Self::buffered) is not 0, the pending bytes are
    /// in `buf`: the same buffer, unchanged, must be passed again (another
    /// one, or this one cut short of them, is refused with `EINVAL`,
    /// nothing moved). Once `buffered` is 0
    /// any buffer will do, so one buffer can serve every transfer that is
    /// not holding bytes.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use bareio::splice::{Stop, Transfer};
    /// use bareio::sys::{socketpair, write, AddressFamily, SocketFlags, SocketType};
    ///
    /// let pair = || socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0);
    /// let ((client, src), (dst, _server)) = (pair()?, pair()?);
    /// write(&client, b"hello")?;
    /// drop(client);
    ///
    /// let mut buffer = [0u8; 4096]; // in a real program: static storage, per connection
    /// let mut transfer = Transfer::<0>::without_pipe();
    /// let progress = transfer.run_with(&src, &dst, None, &mut buffer)?;
    /// assert_eq!((progress.moved, progress.stop), (5, Stop::Eof));
    /// # }
    /// # Ok::<(), bareio::splice::TransferError>(())
    /// ```
    pub fn run_with(
        &mut self,
        src: impl AsFd,
        dst: impl AsFd,
        limit: Option<usize>,
        buf: &mut [u8],
    ) -> Result<Progress, TransferError> {
        self.state.run(src.as_fd(), dst.as_fd(), limit, buf)
    }
}

impl State {
    /// Bytes taken from the source and not yet delivered.
    fn pending(&self) -> usize {
        self.end - self.start + self.pipe.as_ref().map_or(0, |pipe| pipe.held)
    }

    fn run(
        &mut self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        limit: Option<usize>,
        buf: &mut [u8],
    ) -> Result<Progress, TransferError> {
        let holds = self.end > self.start;
        if buf.is_empty() || (holds && (self.held_in != buf.as_ptr() as usize || buf.len() < self.end)) {
            return Err(TransferError { errno: Errno::EINVAL, moved: 0, pending: self.pending() });
        }
        let limit = limit.unwrap_or(usize::MAX);
        let mut moved = 0;
        if limit == 0 {
            return Ok(Progress { moved, pending: self.pending(), stop: Stop::LimitReached });
        }
        // A new readiness event may have come: the source is worth a read.
        self.drained = false;
        let stop = loop {
            match self.step(src, dst, limit - moved, buf) {
                Ok(Some(0)) => {} // a path switch, nothing moved
                Ok(Some(n)) => {
                    moved += n;
                    if moved == limit {
                        break Stop::LimitReached;
                    }
                }
                Ok(None) => break Stop::Eof,
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) if self.pending() > 0 => break Stop::DestinationWouldBlock,
                Err(Errno::EAGAIN) => break Stop::SourceWouldBlock,
                Err(errno) => return Err(TransferError { errno, moved, pending: self.pending() }),
            }
        };
        Ok(Progress { moved, pending: self.pending(), stop })
    }

    /// One move: delivers pending bytes (returns how many, at most `left`,
    /// which is not 0), or takes more from the source and, on the copy
    /// path, delivers it in the same step; `Some(0)` when nothing reached
    /// the destination (source → pipe, pipe → buffer, a path switch),
    /// `None` at the source's end. On the copy path a message is one step:
    /// its `read`, then its `write`; the pipe's work is out of line.
    fn step(
        &mut self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        left: usize,
        buf: &mut [u8],
    ) -> Result<Option<usize>, Errno> {
        if self.start == self.end {
            // Nothing in the copy buffer: deliver from the pipe, or take
            // more from the source, never more than `left`.
            if self.pipe.as_ref().is_some_and(|pipe| pipe.held > 0) {
                return self.deliver_pipe(dst, left, buf);
            }
            if self.drained {
                return Err(Errno::EAGAIN); // a short read emptied it (`short_reads_drain`)
            }
            if self.path == Path::Splice && self.pipe.is_some() && self.splice_in(src, left, buf.len())? {
                return Ok(Some(0));
            }
            let len = left.min(buf.len());
            let n = io::read(src, &mut buf[..len])?;
            self.drained = self.short_reads_drain && n < len;
            if n == 0 {
                return Ok(None);
            }
            self.end = n;
            self.held_in = buf.as_ptr() as usize;
            if self.path != Path::CopyOnly {
                // Bulk data (a large read): splice what follows.
                self.path = if n >= self.splice_from(buf.len()) { Path::Splice } else { Path::Copy };
            }
        }
        // Deliver the copy buffer: what an earlier step left, or what this
        // one just read.
        let (start, end) = (self.start, self.end);
        let n = io::write(dst, &buf[start..start + (end - start).min(left)])?;
        if n == 0 {
            return Err(Errno::EIO); // a zero write would loop forever
        }
        self.start += n;
        self.copied += n as u64;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        Ok(Some(n))
    }

    /// Reads of at least this many bytes switch to splicing, with a copy
    /// buffer of `buf_len` bytes.
    fn splice_from(&self, buf_len: usize) -> usize {
        match self.splice_from {
            0 => SPLICE_THRESHOLD.min(buf_len),
            n => n,
        }
    }

    /// [`step`](Self::step) with the copy buffer empty and bytes in the
    /// pipe: delivers them, or moves them into the buffer where the pipe
    /// cannot. Out of line, as is [`splice_in`](Self::splice_in): the copy
    /// path never comes here.
    #[inline(never)]
    fn deliver_pipe(
        &mut self,
        dst: BorrowedFd<'_>,
        left: usize,
        buf: &mut [u8],
    ) -> Result<Option<usize>, Errno> {
        let Some(pipe) = self.pipe.as_mut() else {
            return Ok(Some(0)); // unreachable: `step` saw bytes in the pipe
        };
        if self.path == Path::CopyOnly {
            // Splice was refused with bytes in the pipe: copy them out.
            self.end = pipe.read_into(buf)?;
            self.held_in = buf.as_ptr() as usize;
            return Ok(Some(0));
        }
        match pipe.drain(dst, left) {
            Ok(n) => {
                self.spliced += n as u64;
                Ok(Some(n))
            }
            Err(errno @ (Errno::EINVAL | Errno::ENOSYS | Errno::EPERM)) => {
                self.refuse(errno);
                Ok(Some(0))
            }
            // A full destination. If it is a blocking one (a pipe: the
            // kernel made the pipe-to-pipe splice nonblocking because ours
            // is), copy through the buffer, where `write` blocks.
            Err(Errno::EAGAIN) if !sys::fcntl_getfl(dst)?.contains(OFlags::NONBLOCK) => {
                self.end = pipe.read_into(buf)?;
                self.held_in = buf.as_ptr() as usize;
                Ok(Some(0))
            }
            Err(errno) => Err(errno),
        }
    }

    /// Source → pipe, on the splice path with nothing pending: whether the
    /// pipe now holds bytes. `false` leaves the source to a `read`.
    #[inline(never)]
    fn splice_in(&mut self, src: BorrowedFd<'_>, left: usize, buf_len: usize) -> Result<bool, Errno> {
        let splice_from = self.splice_from(buf_len);
        let Some(pipe) = self.pipe.as_mut().filter(|_| !splice_unavailable()) else {
            return Ok(false);
        };
        let len = left.min(pipe.capacity);
        match pipe.fill(src, len) {
            Ok(n) if n > 0 => {
                if n < len && n < splice_from {
                    self.path = Path::Copy; // the source ran short: small messages again
                }
                Ok(true)
            }
            // Nothing: the source is empty, or at its end, or stopped at a
            // TCP urgent mark with data queued behind it, or a blocking unix
            // socket or pipe the kernel read as nonblocking. The read tells
            // which: it steps over the mark, blocks on a blocking fd, and its
            // 0 is the real end of input.
            Ok(_) | Err(Errno::EAGAIN) => Ok(false),
            Err(errno @ (Errno::EINVAL | Errno::ENOSYS | Errno::EPERM)) => {
                self.refuse(errno);
                Ok(false)
            }
            Err(errno) => Err(errno),
        }
    }

    /// The kernel will not splice: `EINVAL` for these fds, `ENOSYS`/`EPERM`
    /// for the whole process. Copy from now on.
    fn refuse(&mut self, errno: Errno) {
        self.path = Path::CopyOnly;
        let _ = SPLICE.is_missing_after(errno);
    }
}

/// The syscalls a transfer makes on its fds, in one place: the kernel's,
/// or, in a build for fuzzing (`cfg(fuzzing)`, which cargo-fuzz sets), a
/// fake kernel's while a fuzz target has installed one ([`fake`]).
/// (`fcntl(F_GETFL)` on a full destination is always the kernel's.)
mod io {
    use super::{sys, BorrowedFd, Errno, SpliceFlags};
    #[cfg(fuzzing)]
    use crate::fd::AsRawFd;

    #[inline(always)]
    pub(super) fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        #[cfg(fuzzing)]
        if let Some(kernel) = super::fake::installed() {
            return kernel.read(fd.as_raw_fd(), buf);
        }
        sys::read(fd, buf)
    }

    #[inline(always)]
    pub(super) fn write(fd: BorrowedFd<'_>, buf: &[u8]) -> Result<usize, Errno> {
        #[cfg(fuzzing)]
        if let Some(kernel) = super::fake::installed() {
            return kernel.write(fd.as_raw_fd(), buf);
        }
        sys::write(fd, buf)
    }

    /// Up to `len` bytes from `from` to `to`, one of them a pipe, moving
    /// pages where it can, nonblocking.
    #[inline(always)]
    pub(super) fn splice(from: BorrowedFd<'_>, to: BorrowedFd<'_>, len: usize) -> Result<usize, Errno> {
        #[cfg(fuzzing)]
        if let Some(kernel) = super::fake::installed() {
            return kernel.splice(from.as_raw_fd(), to.as_raw_fd(), len);
        }
        sys::splice(from, None, to, None, len, SpliceFlags::MOVE | SpliceFlags::NONBLOCK)
    }
}

/// A fake kernel for fuzzing `Transfer`'s state machine without syscalls
/// (`fuzz/fuzz_targets/transfer_fake.rs`): only in builds with
/// `cfg(fuzzing)`, and only on the thread that installed one. Its fds are
/// real (the transfer's pipe and whatever the target passes as source and
/// destination); their reads, writes and splices go to the fake instead.
#[cfg(fuzzing)]
pub mod fake {
    extern crate std;

    use crate::fd::RawFd;
    use crate::Errno;
    use core::cell::Cell;

    /// What a transfer asks of the kernel, by raw fd.
    pub trait Kernel {
        /// `read(2)` into `buf`.
        fn read(&self, fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno>;
        /// `write(2)` from `buf`.
        fn write(&self, fd: RawFd, buf: &[u8]) -> Result<usize, Errno>;
        /// `splice(2)` from `from` to `to`, at most `len` bytes.
        fn splice(&self, from: RawFd, to: RawFd, len: usize) -> Result<usize, Errno>;
    }

    std::thread_local! {
        static INSTALLED: Cell<Option<&'static dyn Kernel>> = const { Cell::new(None) };
    }

    /// Sends this thread's transfers to `kernel` (`None`: to the real one).
    pub fn install(kernel: Option<&'static dyn Kernel>) {
        INSTALLED.with(|cell| cell.set(kernel));
    }

    pub(super) fn installed() -> Option<&'static dyn Kernel> {
        INSTALLED.with(Cell::get)
    }
}
