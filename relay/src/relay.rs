//! The event loop: accepting, relaying, timeouts, signals and the drain.
//!
//! Everything it keeps lives in one `static` ([`State`], in `.bss`): the
//! connection slots, the pool of copy buffers, one deadline per
//! connection, the pipe pool and the queue of connections to run again.
//! Pages of it cost memory only once used, so memory follows the most
//! connections open at once, not `CAPACITY`, and the stack stays small.

use core::net::{Ipv4Addr, SocketAddr};
use core::time::Duration;

use bareio::cell::StaticCell;
use bareio::fd::OwnedFd;
use bareio::poll::{Event, Events, Interest, Mode, Poller};
use bareio::slab::Slab;
use bareio::sys::{
    self, Access, AddressFamily, OFlags, Resource, Rlimit, SigSet, SigmaskHow, SignalfdFlags, SockOpt,
    SocketFlags, SocketType,
};
use bareio::time::Instant;
use bareio::timer::Timers;
use bareio::Errno;

use crate::conn::{Buffers, Conn, Failure, Next, Pipes, Ready, Side, POOL};
use crate::line::{self, Line};
use crate::{Config, CAPACITY};

/// Tokens below this are not connections; a connection's is
/// `generation << 32 | (FIRST_CONN + 2 * slot + side)`.
const LISTENER: u64 = 0;
const SIGNALS: u64 = 1;
const FIRST_CONN: u64 = 2;

/// Timer keys past the connections'.
const RESUME_ACCEPT: usize = CAPACITY;
const DRAIN_END: usize = CAPACITY + 1;

/// Connections accepted per listener event: a flood of clients cannot
/// starve the established connections of their turns.
const ACCEPT_BATCH: usize = 64;

/// How long accepting pauses after an error that accepting again at once
/// would only repeat (out of fds, out of memory).
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// File descriptors besides the connections' two sockets each: stdio,
/// listener, epoll, eventfd, signalfd, the reserve, the pipe pool, spares.
const FDS_RESERVED: u64 = 12 + 2 * POOL as u64;

/// `SIGHUP` (1 on every architecture).
const SIGHUP: i32 = 1;

/// Everything the loop keeps, in static storage.
struct State {
    conns: Slab<Conn, CAPACITY>,
    /// The copy buffers (two per connection slot), written only when lent:
    /// untouched pages are no memory.
    buffers: Buffers,
    /// One deadline per connection slot, then `RESUME_ACCEPT` and
    /// `DRAIN_END`.
    timers: Timers<{ CAPACITY + 2 }>,
    pipes: Pipes,
    again: Again,
    /// Of the next connection (never 0: `Again` uses 0 for "not queued").
    generation: u32,
    stats: Stats,
}

static STATE: StaticCell<State> = StaticCell::new(State {
    conns: Slab::new(),
    buffers: Buffers::new(),
    timers: Timers::new(),
    pipes: Pipes::new(),
    again: Again { ring: [0; CAPACITY], queued: [0; CAPACITY], head: 0, len: 0 },
    generation: 0,
    stats: Stats { accepted: 0, shed: 0, failed: 0, timeouts: 0, bytes: 0 },
});

/// Counters, logged on SIGHUP and at exit.
struct Stats {
    accepted: u64,
    /// Connections accepted and closed at once: out of file descriptors.
    shed: u64,
    /// Connections the upstream refused or never answered.
    failed: u64,
    /// Connections closed by a timeout.
    timeouts: u64,
    bytes: u64,
}

/// Connections whose last turn ended with bytes still to move (FIFO),
/// each at most once.
struct Again {
    ring: [u32; CAPACITY],
    /// The generation a slot was queued with; 0: not queued.
    queued: [u32; CAPACITY],
    head: usize,
    len: usize,
}

impl Again {
    fn push(&mut self, key: usize, generation: u32) {
        if self.queued[key] == 0 {
            self.queued[key] = generation;
            self.ring[(self.head + self.len) % CAPACITY] = key as u32;
            self.len += 1;
        }
    }

    /// The next queued slot and the generation it was queued for.
    fn pop(&mut self) -> Option<(usize, u32)> {
        if self.len == 0 {
            return None;
        }
        let key = self.ring[self.head] as usize;
        self.head = (self.head + 1) % CAPACITY;
        self.len -= 1;
        Some((key, core::mem::take(&mut self.queued[key])))
    }
}

/// Why a connection ended, as logged.
#[derive(Clone, Copy)]
enum Reason {
    Eof,
    Failed(Failure),
    ConnectTimeout,
    IdleTimeout,
    FinTimeout,
    /// Cut by the drain timeout or a second signal.
    Shutdown,
}

/// When `conn` times out, and why, if it can.
fn due(config: &Config, conn: &Conn) -> Option<(Instant, Reason)> {
    let after =
        |from: Instant, timeout: Option<Duration>, reason| timeout.map(|t| (from.saturating_add(t), reason));
    if !conn.is_connected() {
        return after(conn.opened, config.connect_timeout, Reason::ConnectTimeout);
    }
    let idle = after(conn.last_active, config.idle_timeout, Reason::IdleTimeout);
    let fin = conn.half_closed.and_then(|at| after(at, config.fin_timeout, Reason::FinTimeout));
    match (idle, fin) {
        (Some(idle), Some(fin)) => Some(if fin.0 < idle.0 { fin } else { idle }),
        (one, other) => one.or(other),
    }
}

/// What the loop does next.
enum Exit {
    /// Keep serving.
    Serve,
    /// Every connection is done: exit with this status.
    Status(i32),
}

/// The parts of the relay that are not in static storage: small.
struct Relay<'a> {
    config: &'a Config,
    /// `config.max`, or fewer if file descriptors are short.
    max: usize,
    poller: Poller,
    /// `None` once closed by a shutdown signal.
    listener: Option<OwnedFd>,
    /// Whether the listener is registered (not paused, not at capacity).
    accepting: bool,
    signals: OwnedFd,
    /// An open `/dev/null`, closed to accept (and shed) one connection when
    /// the fds run out, then reopened.
    reserve: Option<OwnedFd>,
    /// Set by the first SIGTERM/SIGINT.
    draining: bool,
    /// A connection was cut by the drain: exit 1.
    cut: bool,
    state: &'static mut State,
}

/// Runs the relay; returns the exit status.
pub fn run(config: &Config) -> i32 {
    let Some(state) = STATE.take() else { return 1 };
    let mut relay = match Relay::start(config, state) {
        Ok(relay) => relay,
        Err((what, errno)) => {
            Line::new().text(what).text(b": ").errno(errno).log();
            return 1;
        }
    };
    if relay.max == 0 {
        Line::new().text(b"the open-file limit leaves room for no connection: raise it (ulimit -n)").log();
        return 1;
    }
    match relay.serve() {
        Ok(status) => status,
        Err(errno) => {
            Line::new().text(b"event loop failed: ").errno(errno).log();
            1
        }
    }
}

/// A socket of `addr`'s family, nonblocking and close-on-exec.
pub fn tcp_socket(addr: &SocketAddr) -> Result<OwnedFd, Errno> {
    sys::socket(AddressFamily::of(addr), SocketType::STREAM, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC, 0)
}

/// `TCP_NODELAY` (a request in two writes must not wait on Nagle and the
/// peer's delayed ACK) and `SO_KEEPALIVE` (a vanished peer is found).
fn tune(socket: &OwnedFd) {
    let _ = sys::setsockopt(socket, SockOpt::TCP_NODELAY, 1);
    let _ = sys::setsockopt(socket, SockOpt::KEEPALIVE, 1);
}

fn open_null() -> Option<OwnedFd> {
    sys::open(c"/dev/null", Access::Read, OFlags::CLOEXEC).ok()
}

/// Raises the soft open-file limit towards what `max` connections need and
/// returns how many connections fit under the limit obtained.
fn reserve_fds(max: usize) -> usize {
    let need = 2 * max as u64 + FDS_RESERVED;
    let Ok(limit) = sys::prlimit(Resource::Nofile, None) else { return max };
    let mut soft = limit.soft;
    if soft < need {
        let wanted = Rlimit { soft: need.min(limit.hard), hard: limit.hard };
        if sys::prlimit(Resource::Nofile, Some(&wanted)).is_ok() {
            soft = wanted.soft;
        }
    }
    let fit = (soft.saturating_sub(FDS_RESERVED) / 2) as usize;
    if fit < max {
        Line::new()
            .text(b"open-file limit ")
            .num(soft)
            .text(b": at most ")
            .num(fit as u64)
            .text(b" connections")
            .log();
    }
    fit.min(max)
}

impl<'a> Relay<'a> {
    fn start(config: &'a Config, state: &'static mut State) -> Result<Self, (&'static [u8], Errno)> {
        // No handlers: SIGPIPE is blocked (a write to a gone peer is then
        // EPIPE), SIGINT/SIGTERM/SIGHUP are blocked and read from a
        // signalfd.
        let mut watched = SigSet::empty();
        for signal in [sys::SIGINT, sys::SIGTERM, SIGHUP, crate::workers::DRAIN] {
            let _ = watched.add(signal);
        }
        let mut blocked = watched;
        let _ = blocked.add(sys::SIGPIPE);
        sys::sigprocmask(SigmaskHow::Block, Some(&blocked)).map_err(|e| (&b"sigprocmask"[..], e))?;
        let signals = sys::signalfd(&watched, SignalfdFlags::NONBLOCK | SignalfdFlags::CLOEXEC)
            .map_err(|e| (&b"signalfd"[..], e))?;

        let max = reserve_fds(config.max);
        state.pipes.limit = config.pipes;
        let listener = tcp_socket(&config.listen).map_err(|e| (&b"socket"[..], e))?;
        sys::setsockopt(&listener, SockOpt::REUSEADDR, 1).map_err(|e| (&b"SO_REUSEADDR"[..], e))?;
        if config.supervisor != 0 {
            // If refused, the bind below fails (EADDRINUSE) and says so.
            let _ = sys::setsockopt(&listener, SockOpt::REUSEPORT, 1);
        }
        sys::bind(&listener, &config.listen).map_err(|e| (&b"bind"[..], e))?;
        sys::listen(&listener, 1024).map_err(|e| (&b"listen"[..], e))?;
        let bound = sys::getsockname(&listener).ok().flatten().unwrap_or(config.listen);

        let poller = Poller::new().map_err(|e| (&b"epoll"[..], e))?;
        poller
            .register(&signals, SIGNALS, Interest::READABLE, Mode::Level)
            .map_err(|e| (&b"epoll_ctl"[..], e))?;
        let mut relay = Relay {
            config,
            max,
            poller,
            listener: Some(listener),
            accepting: false,
            signals,
            reserve: open_null(),
            draining: false,
            cut: false,
            state,
        };
        relay.resume_accepting().map_err(|e| (&b"epoll_ctl"[..], e))?;
        Line::new()
            .text(b"listening on ")
            .addr(&bound)
            .text(b", relaying to ")
            .addr(&config.upstream)
            .text(b", at most ")
            .num(max as u64)
            .text(b" connections")
            .log();
        Ok(relay)
    }

    /// Serves until the drain after SIGTERM/SIGINT ends; returns the exit
    /// status.
    fn serve(&mut self) -> Result<i32, Errno> {
        let mut events = Events::<64>::new();
        let mut now = Instant::now()?;
        loop {
            // Connections with bytes left from their turn go first: poll.
            let deadline = if self.state.again.len > 0 {
                Some(now)
            } else {
                self.state.timers.earliest().map(|(_, at)| at)
            };
            self.poller.wait_until(&mut events, deadline, now)?;
            // One clock read per turn: the activity stamps and timers.
            now = Instant::now()?;
            for event in events.iter() {
                let exit = match event.token() {
                    LISTENER => self.accept_some(now),
                    SIGNALS => self.on_signals(now),
                    token => self.on_conn_event(token, event, now),
                };
                if let Exit::Status(status) = exit {
                    return Ok(status);
                }
            }
            for _ in 0..self.state.again.len {
                let Some((key, generation)) = self.state.again.pop() else { break };
                let state = &mut *self.state;
                let result = match state.conns.get_mut(key) {
                    Some(conn) if conn.generation == generation => {
                        // A turn cut short by its limit: read until `EAGAIN`.
                        let all = Ready { readable: true, writable: true, unsure: true };
                        Some(conn.run(true, true, all, &mut state.buffers, &mut state.pipes, now))
                    }
                    _ => None,
                };
                if let Exit::Status(status) = self.after_turn(key, result, now) {
                    return Ok(status);
                }
            }
            while let Some((key, _)) = self.state.timers.pop_expired(now) {
                if let Exit::Status(status) = self.on_timer(key, now) {
                    return Ok(status);
                }
            }
        }
    }

    /// Readiness of a connection's socket.
    fn on_conn_event(&mut self, token: u64, event: Event, now: Instant) -> Exit {
        let low = u64::from(token as u32) - FIRST_CONN;
        let (key, side) = ((low / 2) as usize, if low % 2 == 0 { Side::Client } else { Side::Upstream });
        let generation = (token >> 32) as u32;
        let unsure = event.is_priority() || event.is_read_hangup();
        let ready = Ready { readable: event.is_readable(), writable: event.is_writable(), unsure };
        let state = &mut *self.state;
        let result = match state.conns.get_mut(key) {
            Some(conn) if conn.generation == generation => {
                Some(conn.on_event(side, ready, &mut state.buffers, &mut state.pipes, now))
            }
            _ => None, // an event of a connection closed earlier in this batch
        };
        self.after_turn(key, result, now)
    }

    /// Acts on the outcome of connection `key`'s turn, if it had one.
    fn after_turn(&mut self, key: usize, result: Option<Result<Next, Failure>>, now: Instant) -> Exit {
        match result {
            None => Exit::Serve,
            Some(Ok(Next::Done)) => self.close(key, Reason::Eof, now),
            Some(Err(failure)) => self.close(key, Reason::Failed(failure), now),
            Some(Ok(next)) => {
                let state = &mut *self.state;
                let Some(conn) = state.conns.get(key) else { return Exit::Serve };
                if next == Next::Again {
                    state.again.push(key, conn.generation);
                }
                // Deadlines only move later with activity (checked when
                // they fire); a half-close can bring one closer.
                if let Some((at, _)) = due(self.config, conn) {
                    if state.timers.deadline(key).map_or(true, |current| current > at) {
                        let _ = state.timers.set(key, at);
                    }
                }
                Exit::Serve
            }
        }
    }

    fn on_timer(&mut self, key: usize, now: Instant) -> Exit {
        match key {
            RESUME_ACCEPT => {
                if let Err(errno) = self.resume_accepting() {
                    Line::new().text(b"epoll_ctl: ").errno(errno).log();
                }
                Exit::Serve
            }
            DRAIN_END => self.cut_all(now),
            _ => {
                let Some(conn) = self.state.conns.get(key) else { return Exit::Serve };
                match due(self.config, conn) {
                    Some((at, reason)) if at <= now => self.close(key, reason, now),
                    // Activity since: the deadline moved later.
                    Some((at, _)) => {
                        let _ = self.state.timers.set(key, at);
                        Exit::Serve
                    }
                    None => Exit::Serve,
                }
            }
        }
    }

    /// Closes connection `key`, logs why, and accepts again if it was at
    /// capacity.
    fn close(&mut self, key: usize, reason: Reason, now: Instant) -> Exit {
        let state = &mut *self.state;
        let Some(conn) = state.conns.remove(key) else { return Exit::Serve };
        let _ = state.timers.cancel(key);
        let (out, back) = conn.bytes();
        state.stats.bytes += out + back;
        match reason {
            Reason::Failed(Failure::Connect(_)) | Reason::ConnectTimeout => state.stats.failed += 1,
            _ => {}
        }
        if let Reason::ConnectTimeout | Reason::IdleTimeout | Reason::FinTimeout = reason {
            state.stats.timeouts += 1;
        }
        // Errors are logged even when quiet; ordinary ends are not.
        let error = matches!(reason, Reason::Failed(Failure::Connect(_)) | Reason::ConnectTimeout);
        if error || !self.config.quiet {
            let mut line = Line::new();
            line.addr(&conn.peer)
                .text(b": closed after ")
                .secs(now.saturating_duration_since(conn.opened))
                .text(b", ")
                .num(out)
                .text(b" B from the client, ")
                .num(back)
                .text(b" B from the upstream: ");
            match reason {
                Reason::Eof => line.text(b"eof"),
                Reason::Failed(Failure::Connect(errno)) => {
                    line.text(b"upstream ").addr(&self.config.upstream).text(b" unreachable: ").errno(errno)
                }
                Reason::Failed(Failure::Transfer { outbound, errno }) => {
                    line.text(match errno {
                        Errno::ECONNRESET | Errno::EPIPE => b"reset",
                        _ => b"error",
                    });
                    line.text(if outbound { b" (client to upstream: " } else { b" (upstream to client: " });
                    line.errno(errno).text(b")")
                }
                Reason::ConnectTimeout => line.text(b"connect timeout"),
                Reason::IdleTimeout => line.text(b"idle timeout"),
                Reason::FinTimeout => line.text(b"half-closed timeout"),
                Reason::Shutdown => line.text(b"cut by the shutdown"),
            };
            line.log();
        }
        conn.close(&mut state.pipes, &mut state.buffers);
        if self.draining {
            if state.conns.is_empty() {
                return self.exit(now);
            }
        } else if !self.accepting && !state.timers.contains(RESUME_ACCEPT) {
            if let Err(errno) = self.resume_accepting() {
                Line::new().text(b"epoll_ctl: ").errno(errno).log();
            }
        }
        Exit::Serve
    }

    /// Registers the listener again (after a pause, at capacity no more).
    fn resume_accepting(&mut self) -> Result<(), Errno> {
        if let Some(listener) = &self.listener {
            if !self.accepting && self.state.conns.len() < self.max {
                self.poller.register(listener, LISTENER, Interest::READABLE, Mode::Level)?;
                self.accepting = true;
            }
        }
        Ok(())
    }

    /// Stops accepting: the kernel's backlog holds new clients meanwhile.
    /// With `pause`, for that long (an error that would repeat at once).
    fn stop_accepting(&mut self, pause: Option<Duration>, now: Instant) {
        if let (Some(listener), true) = (&self.listener, self.accepting) {
            let _ = self.poller.deregister(listener);
            self.accepting = false;
        }
        if let Some(pause) = pause {
            let _ = self.state.timers.set(RESUME_ACCEPT, now.saturating_add(pause));
        }
    }

    /// Accepts up to `ACCEPT_BATCH` pending connections.
    fn accept_some(&mut self, now: Instant) -> Exit {
        for _ in 0..ACCEPT_BATCH {
            if self.state.conns.len() >= self.max {
                self.stop_accepting(None, now);
                return Exit::Serve;
            }
            let Some(listener) = &self.listener else { return Exit::Serve };
            match sys::accept4(listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC) {
                Ok((client, peer)) => {
                    let peer = peer.unwrap_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)));
                    self.open(client, peer, now);
                }
                Err(Errno::EAGAIN) => return Exit::Serve,
                // The connection died in the queue, or a signal: next one.
                Err(Errno::ECONNABORTED | Errno::EINTR | Errno::ENETDOWN | Errno::EHOSTUNREACH) => {}
                // Out of fds: shed the oldest waiting client with the
                // reserve fd rather than leave it (and a busy loop) in the
                // backlog, then pause.
                Err(errno @ (Errno::EMFILE | Errno::ENFILE)) => {
                    let shed = self.shed_one();
                    Line::new()
                        .text(b"accept: ")
                        .errno(errno)
                        .text(if shed { b": refused a connection, pausing" } else { b": pausing" })
                        .log();
                    self.stop_accepting(Some(ACCEPT_PAUSE), now);
                    return Exit::Serve;
                }
                Err(errno) => {
                    Line::new().text(b"accept: ").errno(errno).text(b": pausing").log();
                    self.stop_accepting(Some(ACCEPT_PAUSE), now);
                    return Exit::Serve;
                }
            }
        }
        Exit::Serve
    }

    /// Accepts one connection with the reserve fd and closes it at once.
    fn shed_one(&mut self) -> bool {
        let Some(listener) = &self.listener else { return false };
        self.reserve = None;
        let shed = sys::accept4(listener, SocketFlags::CLOEXEC).is_ok();
        self.state.stats.shed += u64::from(shed);
        self.reserve = open_null();
        shed
    }

    /// Starts relaying `client`: a slot, a nonblocking connect.
    fn open(&mut self, client: OwnedFd, peer: SocketAddr, now: Instant) {
        let state = &mut *self.state;
        state.stats.accepted += 1;
        let upstream = &self.config.upstream;
        let socket = match tcp_socket(upstream) {
            Ok(socket) => socket,
            Err(errno) => {
                Line::new().addr(&peer).text(b": local error: socket: ").errno(errno).log();
                return; // `client` is closed here
            }
        };
        tune(&client);
        tune(&socket);
        // Done at once or under way: either way the upstream's first edge
        // (its registration reports a connected socket at once) finishes it.
        if let Err(errno) =
            sys::connect(&socket, upstream).or_else(|e| if e == Errno::EINPROGRESS { Ok(()) } else { Err(e) })
        {
            state.stats.failed += 1;
            Line::new()
                .addr(&peer)
                .text(b": upstream ")
                .addr(upstream)
                .text(b" unreachable: ")
                .errno(errno)
                .log();
            return;
        }
        let Some(key) = state.conns.vacant_key() else { return };
        state.generation = state.generation.wrapping_add(1).max(1);
        let generation = state.generation;
        let token = |side: u64| (u64::from(generation) << 32) | (FIRST_CONN + 2 * key as u64 + side);
        // Edge-triggered: a turn moves each direction until it would block.
        let interest = Interest::BOTH | Interest::READ_HANGUP | Interest::PRIORITY;
        let registered = self
            .poller
            .register(&client, token(0), interest, Mode::Edge)
            .and_then(|()| self.poller.register(&socket, token(1), interest, Mode::Edge));
        if let Err(errno) = registered {
            Line::new().addr(&peer).text(b": local error: epoll_ctl: ").errno(errno).log();
            return;
        }
        if !self.config.quiet {
            Line::new().addr(&peer).text(b": accepted").log();
        }
        let conn = Conn::new(client, socket, peer, generation, now);
        let deadline = due(self.config, &conn);
        if state.conns.insert(conn).is_ok() {
            if let Some((at, _)) = deadline {
                let _ = state.timers.set(key, at);
            }
        }
    }

    /// Reads the pending signals.
    fn on_signals(&mut self, now: Instant) -> Exit {
        while let Ok(info) = sys::read_signal(&self.signals) {
            let signo = info.signo as i32;
            if signo == SIGHUP {
                self.log_counters(b"SIGHUP");
                continue;
            }
            // A worker drains when its supervisor says so (once, however
            // many processes a signal to the group reached).
            if self.config.supervisor != 0 && info.pid as i32 != self.config.supervisor {
                continue;
            }
            let name: &[u8] = if signo == sys::SIGINT { b"SIGINT" } else { b"SIGTERM" };
            if self.draining {
                Line::new().text(name).text(b" again: closing every connection now").log();
                return self.cut_all(now);
            }
            return self.drain(name, now);
        }
        Exit::Serve
    }

    /// Stops accepting and lets the open connections finish, for up to the
    /// drain timeout.
    fn drain(&mut self, name: &[u8], now: Instant) -> Exit {
        self.draining = true;
        self.stop_accepting(None, now);
        self.listener = None;
        let _ = self.state.timers.cancel(RESUME_ACCEPT);
        let open = self.state.conns.len();
        Line::new()
            .text(name)
            .text(b": stopped accepting, draining ")
            .num(open as u64)
            .text(b" connections")
            .log();
        if open == 0 {
            return self.exit(now);
        }
        match self.config.drain_timeout {
            Some(timeout) => {
                let _ = self.state.timers.set(DRAIN_END, now.saturating_add(timeout));
                Exit::Serve
            }
            None => self.cut_all(now),
        }
    }

    /// Closes every open connection (the drain is over); exits 1.
    fn cut_all(&mut self, now: Instant) -> Exit {
        self.cut = true;
        let keys = self.state.conns.high_water_mark();
        for key in 0..keys {
            if let Exit::Status(status) = self.close(key, Reason::Shutdown, now) {
                return Exit::Status(status);
            }
        }
        self.exit(now)
    }

    fn exit(&mut self, _now: Instant) -> Exit {
        self.log_counters(b"exiting");
        Exit::Status(i32::from(self.cut))
    }

    fn log_counters(&self, what: &[u8]) {
        let stats = &self.state.stats;
        Line::new()
            .text(what)
            .text(b": ")
            .num(self.state.conns.len() as u64)
            .text(b" open, ")
            .num(stats.accepted)
            .text(b" accepted, ")
            .num(stats.shed)
            .text(b" shed, ")
            .num(stats.failed)
            .text(b" upstream failures, ")
            .num(stats.timeouts)
            .text(b" timeouts, ")
            .num(stats.bytes)
            .text(b" bytes, ")
            .num(line::dropped() as u64)
            .text(b" log lines dropped")
            .log();
    }
}
