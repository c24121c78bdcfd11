//! The event loop: accepting, relaying, timeouts, signals and the drain.
//!
//! Everything it keeps lives in one `static` ([`State`], in `.bss`): the
//! connection slots, one timer per connection, the pipe pool and the pool
//! of copy buffers, whose memory is one mapping sized by `--max` at start
//! (`sys::mmap_anonymous`: a `.bss` of 512 MiB would make `execve` fail on
//! a machine with less memory than that). Pages of either cost memory only
//! once used, so memory follows the bytes in flight, not `--max`, and the
//! stack stays small.
//!
//! A connection's timer is when it is looked at next: at once, after a
//! turn cut short by its byte limit, or at its deadline.

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

use crate::conn::{Buffers, Conn, Failure, Next, Pipes, Ready, Side};
use crate::line::{self, log, Arg};
use crate::options::{Config, CAPACITY, POOL};

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
    /// One deadline per connection slot, then `RESUME_ACCEPT` and
    /// `DRAIN_END`.
    timers: Timers<{ CAPACITY + 2 }>,
    pipes: Pipes,
    buffers: Buffers,
    /// Of the next connection.
    generation: u32,
    stats: Stats,
}

static STATE: StaticCell<State> = StaticCell::new(State {
    conns: Slab::new(),
    timers: Timers::new(),
    pipes: Pipes::new(),
    buffers: Buffers::new(),
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

/// When `conn` times out, and why (a disabled timeout saturates: never).
fn due(config: &Config, conn: &Conn) -> (Instant, Reason) {
    if !conn.is_connected() {
        return (conn.opened.saturating_add(config.connect_timeout), Reason::ConnectTimeout);
    }
    let idle = (conn.last_active.saturating_add(config.idle_timeout), Reason::IdleTimeout);
    // Half-closed, the shorter timeout counts from the last activity too:
    // a download after a half-close is not cut while its bytes flow.
    let fin = |at: Instant| at.max(conn.last_active).saturating_add(config.fin_timeout);
    match conn.half_closed.map(fin) {
        Some(fin) if fin < idle.0 => (fin, Reason::FinTimeout),
        _ => idle,
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
            log(b"%: %", &[Arg::Text(what), Arg::Errno(errno)]);
            return 1;
        }
    };
    if relay.max == 0 {
        log(b"the open-file limit leaves room for no connection: raise it (ulimit -n)", &[]);
        return 1;
    }
    match relay.serve() {
        Ok(status) => status,
        Err(errno) => {
            log(b"event loop failed: %", &[Arg::Errno(errno)]);
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

/// Logs a failure of this machine's, not the upstream's, while opening
/// the connection from `peer`.
#[inline(never)]
fn local_error(peer: &SocketAddr, what: &[u8], errno: Errno) {
    log(b"%: local error: %: %", &[Arg::Addr(peer), Arg::Text(what), Arg::Errno(errno)]);
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
        log(b"open-file limit %: at most % connections", &[Arg::Num(soft), Arg::Num(fit as u64)]);
    }
    fit.min(max)
}

impl<'a> Relay<'a> {
    fn start(config: &'a Config, state: &'static mut State) -> Result<Self, (&'static [u8], Errno)> {
        // No handlers: SIGPIPE is blocked (a write to a gone peer is then
        // EPIPE), SIGINT/SIGTERM/SIGHUP are blocked and read from a
        // signalfd.
        const WATCHED: SigSet =
            SigSet::empty().with(sys::SIGINT).with(sys::SIGTERM).with(SIGHUP).with(crate::DRAIN);
        const BLOCKED: SigSet = WATCHED.with(sys::SIGPIPE);
        sys::sigprocmask(SigmaskHow::Block, Some(&BLOCKED)).map_err(|e| (&b"sigprocmask"[..], e))?;
        let signals = sys::signalfd(&WATCHED, SignalfdFlags::NONBLOCK | SignalfdFlags::CLOEXEC)
            .map_err(|e| (&b"signalfd"[..], e))?;

        let max = reserve_fds(config.max);
        // (At least one slot's: `run` reports a `max` of 0 itself.)
        state.buffers.map(max.max(1)).map_err(|e| (&b"mmap of the buffers"[..], e))?;
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
        log(
            b"listening on %, relaying to %, at most % connections",
            &[Arg::Addr(&bound), Arg::Addr(&config.upstream), Arg::Num(max as u64)],
        );
        Ok(relay)
    }

    /// Serves until the drain after SIGTERM/SIGINT ends; returns the exit
    /// status.
    fn serve(&mut self) -> Result<i32, Errno> {
        let mut events = Events::<64>::new();
        let mut now = Instant::now()?;
        loop {
            // A connection with bytes left from its turn has a timer of
            // `now`: the wait only polls.
            let deadline = self.state.timers.earliest().map(|(_, at)| at);
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
                let Some(conn) = state.conns.get_mut(key) else { return Exit::Serve };
                // A turn cut short goes on at once (after the other
                // connections' events). Deadlines only move later with
                // activity (checked when they fire): one is worked out
                // again only when it may have come closer, or when there
                // is none (it fired).
                let at = if next == Next::Again {
                    now
                } else if core::mem::take(&mut conn.closer) || !state.timers.contains(key) {
                    due(self.config, conn).0
                } else {
                    return Exit::Serve;
                };
                if state.timers.deadline(key).map_or(true, |current| current > at) {
                    let _ = state.timers.set(key, at);
                }
                Exit::Serve
            }
        }
    }

    fn on_timer(&mut self, key: usize, now: Instant) -> Exit {
        match key {
            RESUME_ACCEPT => {
                if let Err(errno) = self.resume_accepting() {
                    log(b"epoll_ctl: %", &[Arg::Errno(errno)]);
                }
                Exit::Serve
            }
            DRAIN_END => self.cut_all(now),
            _ => {
                let state = &mut *self.state;
                let Some(conn) = state.conns.get_mut(key) else { return Exit::Serve };
                let (at, reason) = due(self.config, conn);
                if at <= now {
                    return self.close(key, reason, now);
                }
                // A turn cut short, or a deadline that activity moved
                // later: a turn reading until `EAGAIN` (at most two reads
                // that find nothing, once per deadline), and the timer set
                // again after it.
                let all = Ready { readable: true, writable: true, unsure: true };
                let result = conn.run(true, true, all, &mut state.buffers, &mut state.pipes, now);
                self.after_turn(key, Some(result), now)
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
            // The reason: a template of its own, and its values.
            let (why, a, b): (&[u8], _, _) = match reason {
                Reason::Eof => (b"eof", Arg::Text(b""), Arg::Text(b"")),
                Reason::Failed(Failure::Connect(errno)) => {
                    (b"upstream % unreachable: %", Arg::Addr(&self.config.upstream), Arg::Errno(errno))
                }
                Reason::Failed(Failure::Transfer { outbound, errno }) => (
                    match errno {
                        Errno::ECONNRESET | Errno::EPIPE => b"reset (%: %)",
                        _ => b"error (%: %)",
                    },
                    Arg::Text(if outbound { b"client to upstream" } else { b"upstream to client" }),
                    Arg::Errno(errno),
                ),
                Reason::ConnectTimeout => (b"connect timeout", Arg::Text(b""), Arg::Text(b"")),
                Reason::IdleTimeout => (b"idle timeout", Arg::Text(b""), Arg::Text(b"")),
                Reason::FinTimeout => (b"half-closed timeout", Arg::Text(b""), Arg::Text(b"")),
                Reason::Shutdown => (b"cut by the shutdown", Arg::Text(b""), Arg::Text(b"")),
            };
            log(
                b"%: closed after %, % B from the client, % B from the upstream: %",
                &[
                    Arg::Addr(&conn.peer),
                    Arg::Secs(now.saturating_duration_since(conn.opened)),
                    Arg::Num(out),
                    Arg::Num(back),
                    Arg::Template(why, &[a, b]),
                ],
            );
        }
        conn.close(&mut state.pipes, &mut state.buffers);
        if self.draining {
            if state.conns.is_empty() {
                return self.exit(now);
            }
        } else if !self.accepting && !state.timers.contains(RESUME_ACCEPT) {
            if let Err(errno) = self.resume_accepting() {
                log(b"epoll_ctl: %", &[Arg::Errno(errno)]);
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
                    let what: &[u8] = if shed { b"refused a connection, " } else { b"" };
                    log(b"accept: %: %pausing", &[Arg::Errno(errno), Arg::Text(what)]);
                    self.stop_accepting(Some(ACCEPT_PAUSE), now);
                    return Exit::Serve;
                }
                Err(errno) => {
                    log(b"accept: %: pausing", &[Arg::Errno(errno)]);
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
            Err(errno) => return local_error(&peer, b"socket", errno), // closes `client`
        };
        tune(&client);
        tune(&socket);
        // Done at once or under way: either way the upstream's first edge
        // (its registration reports a connected socket at once) finishes it.
        if let Err(errno) =
            sys::connect(&socket, upstream).or_else(|e| if e == Errno::EINPROGRESS { Ok(()) } else { Err(e) })
        {
            state.stats.failed += 1;
            log(b"%: upstream % unreachable: %", &[Arg::Addr(&peer), Arg::Addr(upstream), Arg::Errno(errno)]);
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
            return local_error(&peer, b"epoll_ctl", errno);
        }
        if !self.config.quiet {
            log(b"%: accepted", &[Arg::Addr(&peer)]);
        }
        let conn = Conn::new(client, socket, peer, generation, now);
        let (deadline, _) = due(self.config, &conn);
        if state.conns.insert(conn).is_ok() {
            let _ = state.timers.set(key, deadline);
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
                log(b"% again: closing every connection now", &[Arg::Text(name)]);
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
        log(b"%: stopped accepting, draining % connections", &[Arg::Text(name), Arg::Num(open as u64)]);
        if open == 0 {
            return self.exit(now);
        }
        let _ = self.state.timers.set(DRAIN_END, now.saturating_add(self.config.drain_timeout));
        Exit::Serve
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
        log(
            b"%: % open, % accepted, % shed, % upstream failures, % timeouts, % bytes, % log lines dropped",
            &[
                Arg::Text(what),
                Arg::Num(self.state.conns.len() as u64),
                Arg::Num(stats.accepted),
                Arg::Num(stats.shed),
                Arg::Num(stats.failed),
                Arg::Num(stats.timeouts),
                Arg::Num(stats.bytes),
                Arg::Num(line::dropped() as u64),
            ],
        );
    }
}
