//! One relayed connection: a client socket, an upstream socket being or
//! already connected, and a splice transfer for each direction.

use bareio::fd::OwnedFd;
use bareio::splice::{Pipe, Stop, Transfer};
use bareio::sys::{self, Shutdown};
use bareio::Errno;

/// Bytes of the copy buffer of each direction. Splice takes over from the
/// first read this large; smaller exchanges are copied, which is faster for
/// them (see the crate's `SPLICE_THRESHOLD`).
pub const COPY: usize = 4096;

/// Bytes one direction may move per turn before the event loop serves the
/// other connections (fairness under a bulk transfer).
const TURN: usize = 256 * 1024;

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
    /// A read, write or splice failed (reset, broken pipe…).
    Transfer,
}

/// Which of a connection's sockets an event is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Upstream,
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
    transfer: Transfer<COPY>,
    from: Side,
    waiting: Waiting,
    ended: bool,
}

impl Direction {
    fn new(pipe: Pipe, from: Side) -> Result<Self, Errno> {
        Ok(Self { transfer: Transfer::with_pipe(pipe)?, from, waiting: Waiting::Source, ended: false })
    }

    /// Whether readiness of `side` lets this direction move: an edge
    /// (readable or writable) on the one socket it is waiting for. Other
    /// edges would only buy a syscall that answers `EAGAIN`.
    fn wants(&self, side: Side, readable: bool, writable: bool) -> bool {
        !self.ended
            && match self.waiting {
                Waiting::Source => readable && side == self.from,
                Waiting::Destination => writable && side != self.from,
            }
    }

    /// Moves what can move now from `src` to `dst`; at end of input, closes
    /// `dst`'s writing side so the peer sees the end too.
    fn pump(&mut self, src: &OwnedFd, dst: &OwnedFd) -> Result<Next, Errno> {
        if self.ended {
            return Ok(Next::Wait);
        }
        let progress = self.transfer.run(src, dst, Some(TURN)).map_err(|e| e.errno)?;
        Ok(match progress.stop {
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
        })
    }
}

/// A client and its upstream.
pub struct Conn {
    pub client: OwnedFd,
    pub upstream: OwnedFd,
    /// Tells this connection's events from a closed predecessor's in the
    /// same slot.
    pub generation: u32,
    connected: bool,
    /// Client → upstream.
    outbound: Direction,
    /// Upstream → client.
    inbound: Direction,
}

impl Conn {
    /// A connection whose upstream connect is under way (or done, if
    /// `connected`), moving bytes through the two given empty pipes.
    pub fn new(
        client: OwnedFd,
        upstream: OwnedFd,
        connected: bool,
        generation: u32,
        pipes: [Pipe; 2],
    ) -> Result<Self, Errno> {
        let [outbound, inbound] = pipes;
        Ok(Self {
            client,
            upstream,
            generation,
            connected,
            outbound: Direction::new(outbound, Side::Client)?,
            inbound: Direction::new(inbound, Side::Upstream)?,
        })
    }

    /// Handles readiness of one socket: finishes the connect, then moves
    /// bytes in the directions that edge can unblock, as far as they go.
    pub fn on_event(&mut self, side: Side, readable: bool, writable: bool) -> Result<Next, Failure> {
        if !self.connected {
            // The client's bytes wait in its socket until the upstream is
            // there; only the upstream's readiness ends the connect.
            if side == Side::Client {
                return Ok(Next::Wait);
            }
            match sys::take_socket_error(&self.upstream) {
                Ok(None) => self.connected = true,
                // EINPROGRESS/EALREADY cannot be pending here, but a
                // spurious wakeup must not be taken for success.
                Ok(Some(Errno::EINPROGRESS | Errno::EALREADY)) => return Ok(Next::Wait),
                Ok(Some(errno)) | Err(errno) => return Err(Failure::Connect(errno)),
            }
            return self.run(true, true);
        }
        let outbound = self.outbound.wants(side, readable, writable);
        let inbound = self.inbound.wants(side, readable, writable);
        self.run(outbound, inbound)
    }

    /// Runs the chosen directions until they would block, end, or use up
    /// their turn.
    pub fn run(&mut self, outbound: bool, inbound: bool) -> Result<Next, Failure> {
        if !self.connected {
            return Ok(Next::Wait); // a stale rerun of the slot's previous connection
        }
        let mut next = Next::Wait;
        if outbound {
            next = self.outbound.pump(&self.client, &self.upstream).map_err(|_| Failure::Transfer)?;
        }
        if inbound
            && self.inbound.pump(&self.upstream, &self.client).map_err(|_| Failure::Transfer)? == Next::Again
        {
            next = Next::Again;
        }
        Ok(if self.outbound.ended && self.inbound.ended { Next::Done } else { next })
    }

    /// Bytes relayed both ways.
    pub fn bytes(&self) -> u64 {
        let total = |t: &Transfer<COPY>| t.bytes_spliced() + t.bytes_copied();
        total(&self.outbound.transfer) + total(&self.inbound.transfer)
    }

    /// Closes both sockets and gives back the pipes that hold nothing
    /// (a pipe with bytes in it is closed with its connection).
    pub fn close(self) -> [Option<Pipe>; 2] {
        [self.outbound.transfer.into_pipe().ok(), self.inbound.transfer.into_pipe().ok()]
    }
}
