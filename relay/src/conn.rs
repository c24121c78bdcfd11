//! One relayed connection: a client socket, an upstream socket being or
//! already connected, and a transfer for each direction.
//!
//! The transfers are `Transfer<0>`: their copy buffers and their pipes come
//! from pools, lent while a direction runs (a pipe: while it splices) and
//! given back as soon as it holds nothing, so memory follows the bytes in
//! flight, not the connections.

use core::net::SocketAddr;

use bareio::fd::OwnedFd;
use bareio::splice::{Pipe, Stop, Transfer};
use bareio::sys::{self, Shutdown};
use bareio::time::Instant;
use bareio::Errno;

use crate::options::{CAPACITY, POOL};

/// Bytes of each direction's copy buffer. Larger than the requests and
/// responses a relay usually carries, so that one of them is one read
/// shorter than the buffer (the source is then known empty: no read that
/// answers `EAGAIN`); a read that fills it means bulk data, which is
/// spliced from then on.
pub const BUFFER: usize = 32 * 1024;

/// Copy buffers, two per connection slot, in one mapping made at start
/// (`sys::mmap_anonymous`: a `.bss` that large would make `execve` fail on
/// a machine with less memory), lent from a stack. A direction holding no
/// bytes gives its buffer back after its turn, so the directions that do
/// not hold bytes all reuse the top one, and the pages touched follow the
/// most directions ever holding bytes at once.
pub struct Buffers {
    /// `len / BUFFER` buffers, end to end, once mapped (`None` keeps the
    /// whole state zero bytes: in `.bss`, not in the file).
    all: Option<&'static mut [u8]>,
    /// Given back, the last on top.
    free: [u16; 2 * CAPACITY],
    free_len: usize,
    /// Buffers from `fresh` on were never lent.
    fresh: usize,
}

impl Buffers {
    pub const fn new() -> Self {
        Self { all: None, free: [0; 2 * CAPACITY], free_len: 0, fresh: 0 }
    }

    /// Maps the buffers of `slots` connections.
    pub fn map(&mut self, slots: usize) -> Result<(), Errno> {
        self.all = Some(sys::mmap_anonymous(slots * 2 * BUFFER)?);
        Ok(())
    }

    /// A buffer's index; one always exists (two per connection).
    fn lend(&mut self) -> usize {
        if self.free_len > 0 {
            self.free_len -= 1;
            return self.free[self.free_len].into();
        }
        self.fresh += 1;
        self.fresh - 1
    }

    fn give_back(&mut self, index: usize) {
        self.free[self.free_len] = index as u16;
        self.free_len += 1;
    }

    /// Buffer `index` (empty before `map`: a transfer refuses it).
    fn get(&mut self, index: usize) -> &mut [u8] {
        let all = self.all.as_deref_mut().unwrap_or_default();
        all.get_mut(index * BUFFER..(index + 1) * BUFFER).unwrap_or_default()
    }
}

/// Bytes one direction may move per turn before the event loop serves the
/// other connections (fairness under a bulk transfer).
const TURN: usize = 256 * 1024;

/// Kernel pipe capacity asked for per pooled pipe: the default 64 KiB, so
/// that a full pool stays within the per-user pipe budget.
const PIPE_CAPACITY: usize = 64 * 1024;

/// Empty pipes for the directions that splice.
pub struct Pipes {
    /// `idle[..len]` are empty pipes ready to lend.
    idle: [Option<Pipe>; POOL],
    len: usize,
    /// Pipes in existence: idle, lent, or holding a closed
    /// connection's bytes until it closes.
    made: usize,
    /// The most made (`--pipes`, at most `POOL`), set at start (0 here
    /// keeps the whole state zero: in `.bss`, not in the file).
    pub limit: usize,
}

impl Pipes {
    pub const fn new() -> Self {
        Self { idle: [const { None }; POOL], len: 0, made: 0, limit: 0 }
    }

    /// An empty pipe: an idle one, or a new one while fewer than `POOL`
    /// exist. `None` when the pool is spent or `pipe2` fails (`EMFILE`):
    /// the direction copies instead.
    fn lend(&mut self) -> Option<Pipe> {
        if self.len > 0 {
            self.len -= 1;
            return self.idle[self.len].take();
        }
        if self.made >= self.limit {
            return None;
        }
        let pipe = Pipe::with_capacity(PIPE_CAPACITY).ok()?;
        self.made += 1;
        Some(pipe)
    }

    /// Takes back a pipe (empty: a transfer only gives back empty ones).
    /// At most `POOL` exist, so there is always room.
    fn give_back(&mut self, pipe: Pipe) {
        if let Some(slot) = self.idle.get_mut(self.len) {
            *slot = Some(pipe);
            self.len += 1;
        }
    }

    /// A pipe closed with a connection (it held bytes of it).
    fn forget(&mut self) {
        self.made -= 1;
    }
}

/// Which of a connection's sockets an event is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Upstream,
}

/// What a socket is ready for, from its event.
#[derive(Clone, Copy)]
pub struct Ready {
    pub readable: bool,
    pub writable: bool,
    /// TCP urgent data is queued (reads stop short at the urgent mark), or
    /// the peer ended its side (a short read may leave the end of input
    /// unread, and no new edge would announce it): either way a short read
    /// proves nothing.
    pub unsure: bool,
}

/// What the event loop should do next with a connection.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait for readiness events.
    Wait,
    /// A direction used up its turn with more to move: run it again soon.
    Again,
    /// Both directions ended: close the connection.
    Done,
}

/// Why a connection ended early.
#[derive(Clone, Copy)]
pub enum Failure {
    /// The upstream connect failed.
    Connect(Errno),
    /// A read, write or splice failed: `outbound` is client → upstream.
    Transfer { outbound: bool, errno: Errno },
}

/// What a direction waits for before it can move more.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// Its source to become readable.
    Source,
    /// Its destination to become writable (bytes are pending).
    Destination,
}

/// One direction: a transfer, the side it reads from, what it waits for,
/// and whether it has delivered end of file.
struct Direction {
    transfer: Transfer<0>,
    /// The lent buffer holding this direction's pending bytes, if any.
    buffer: Option<u16>,
    from: Side,
    waiting: Waiting,
    ended: bool,
}

impl Direction {
    fn new(from: Side) -> Self {
        let mut transfer = Transfer::<0>::without_pipe();
        // Requests and responses up to the buffer's size are copied (a read
        // that fills the buffer means bulk: spliced), and, the sockets being
        // edge-triggered, a short read means the source is empty.
        transfer.set_splice_from(BUFFER);
        transfer.set_short_reads_drain(true);
        Self { transfer, buffer: None, from, waiting: Waiting::Source, ended: false }
    }

    /// Whether `ready` on `side` lets this direction move: an edge on the
    /// one socket it waits for. Other edges would buy a syscall that
    /// answers `EAGAIN`.
    fn wants(&self, side: Side, ready: Ready) -> bool {
        !self.ended
            && match self.waiting {
                Waiting::Source => (ready.readable || ready.unsure) && side == self.from,
                Waiting::Destination => ready.writable && side != self.from,
            }
    }

    /// Moves what can move now from `src` to `dst` through `buffer` and,
    /// for bulk data, a lent pipe; at end of input, closes `dst`'s writing
    /// side so the peer sees the end too. `unsure`: a short read proves
    /// nothing this time (`Ready::unsure`).
    fn pump(
        &mut self,
        src: &OwnedFd,
        dst: &OwnedFd,
        buffers: &mut Buffers,
        pipes: &mut Pipes,
        unsure: bool,
    ) -> Result<(Next, usize), Errno> {
        if self.ended {
            return Ok((Next::Wait, 0));
        }
        if self.transfer.wants_pipe() {
            if let Some(pipe) = pipes.lend() {
                let _ = self.transfer.lend_pipe(pipe);
            }
        }
        self.transfer.set_short_reads_drain(!unsure);
        let buffer = self.buffer.take().map_or_else(|| buffers.lend(), usize::from);
        let result = self.transfer.run_with(src, dst, Some(TURN), buffers.get(buffer));
        // The pending bytes stay in their buffer; an empty one goes back.
        if self.transfer.buffered() > 0 {
            self.buffer = Some(buffer as u16);
        } else {
            buffers.give_back(buffer);
        }
        // Idle directions hold no pipe: an empty one goes back at once.
        if let Some(pipe) = self.transfer.take_pipe() {
            pipes.give_back(pipe);
        }
        let progress = result.map_err(|e| e.errno)?;
        let next = match progress.stop {
            Stop::Eof => {
                self.ended = true;
                // ENOTCONN: the peer is gone already; the other direction
                // will report it.
                match sys::shutdown(dst, Shutdown::Write) {
                    Ok(()) | Err(Errno::ENOTCONN) => Next::Wait,
                    Err(errno) => return Err(errno),
                }
            }
            Stop::LimitReached => Next::Again,
            Stop::SourceWouldBlock => {
                self.waiting = Waiting::Source;
                Next::Wait
            }
            Stop::DestinationWouldBlock => {
                self.waiting = Waiting::Destination;
                Next::Wait
            }
        };
        Ok((next, progress.moved))
    }

    /// Bytes delivered so far.
    fn bytes(&self) -> u64 {
        self.transfer.bytes_spliced() + self.transfer.bytes_copied()
    }

    /// A pipe still holding bytes closes with its connection; a buffer
    /// holding bytes goes back.
    fn close(self, pipes: &mut Pipes, buffers: &mut Buffers) {
        if self.transfer.pipe().is_some() {
            pipes.forget();
        }
        if let Some(buffer) = self.buffer {
            buffers.give_back(buffer.into());
        }
    }
}

/// A client and its upstream.
pub struct Conn {
    pub client: OwnedFd,
    pub upstream: OwnedFd,
    /// The client's address, for the log.
    pub peer: SocketAddr,
    /// Tells this connection's events from a closed predecessor's in the
    /// same slot.
    pub generation: u32,
    pub opened: Instant,
    /// The last time bytes moved either way (or the connect completed).
    pub last_active: Instant,
    /// When the first direction ended (a half-closed connection).
    pub half_closed: Option<Instant>,
    /// The deadline may have come closer (the connect completed, or a
    /// direction ended): the loop looks at it again. Activity only moves
    /// it later, which is checked when it comes.
    pub closer: bool,
    connected: bool,
    /// Client → upstream.
    outbound: Direction,
    /// Upstream → client.
    inbound: Direction,
}

impl Conn {
    /// A connection whose upstream connect is under way (or done, if
    /// `connected`).
    pub fn new(client: OwnedFd, upstream: OwnedFd, peer: SocketAddr, generation: u32, now: Instant) -> Self {
        Self {
            client,
            upstream,
            peer,
            generation,
            opened: now,
            last_active: now,
            half_closed: None,
            closer: false,
            connected: false,
            outbound: Direction::new(Side::Client),
            inbound: Direction::new(Side::Upstream),
        }
    }

    /// Whether the upstream connect has completed.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// Handles readiness of one socket: finishes the connect, then moves
    /// bytes in the directions that edge can unblock, as far as they go.
    pub fn on_event(
        &mut self,
        side: Side,
        ready: Ready,
        buffers: &mut Buffers,
        pipes: &mut Pipes,
        now: Instant,
    ) -> Result<Next, Failure> {
        if !self.connected {
            // The client's bytes wait in its socket until the upstream is
            // there; only the upstream's readiness ends the connect.
            if side == Side::Client {
                return Ok(Next::Wait);
            }
            match sys::take_socket_error(&self.upstream) {
                Ok(None) => {}
                // A spurious wakeup must not be taken for success.
                Ok(Some(Errno::EINPROGRESS | Errno::EALREADY)) => return Ok(Next::Wait),
                Ok(Some(errno)) | Err(errno) => return Err(Failure::Connect(errno)),
            }
            self.connected = true;
            self.closer = true;
            self.last_active = now;
            let all = Ready { readable: true, writable: true, unsure: true };
            return self.run(true, true, all, buffers, pipes, now);
        }
        let outbound = self.outbound.wants(side, ready);
        let inbound = self.inbound.wants(side, ready);
        self.run(outbound, inbound, ready, buffers, pipes, now)
    }

    /// Runs the chosen directions until they would block, end, or use up
    /// their turn. (`ready.unsure` is about the socket the event was for,
    /// the source of at most one of them: it is applied to both.)
    pub fn run(
        &mut self,
        outbound: bool,
        inbound: bool,
        ready: Ready,
        buffers: &mut Buffers,
        pipes: &mut Pipes,
        now: Instant,
    ) -> Result<Next, Failure> {
        if !self.connected {
            return Ok(Next::Wait); // a stale rerun of the slot's previous connection
        }
        let mut next = Next::Wait;
        let mut moved = 0;
        if outbound {
            let (step, n) = self
                .outbound
                .pump(&self.client, &self.upstream, buffers, pipes, ready.unsure)
                .map_err(|errno| Failure::Transfer { outbound: true, errno })?;
            next = step;
            moved += n;
        }
        if inbound {
            let (step, n) = self
                .inbound
                .pump(&self.upstream, &self.client, buffers, pipes, ready.unsure)
                .map_err(|errno| Failure::Transfer { outbound: false, errno })?;
            if step == Next::Again {
                next = Next::Again;
            }
            moved += n;
        }
        if moved > 0 {
            self.last_active = now;
        }
        if self.half_closed.is_none() && (self.outbound.ended || self.inbound.ended) {
            self.half_closed = Some(now);
            self.closer = true;
        }
        Ok(if self.outbound.ended && self.inbound.ended { Next::Done } else { next })
    }

    /// Bytes relayed: (client → upstream, upstream → client).
    pub fn bytes(&self) -> (u64, u64) {
        (self.outbound.bytes(), self.inbound.bytes())
    }

    /// Closes both sockets; pipes holding bytes close with them.
    pub fn close(self, pipes: &mut Pipes, buffers: &mut Buffers) {
        self.outbound.close(pipes, buffers);
        self.inbound.close(pipes, buffers);
    }
}
