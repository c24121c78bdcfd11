//! `bareio-relay LISTEN UPSTREAM [--max N]`: a TCP port forwarder in a
//! static binary with no libc, built only on bareio's public API.
//!
//! It accepts connections on LISTEN, connects each to UPSTREAM without
//! blocking, and relays bytes both ways with splice (copying small
//! exchanges), half-closing each direction as its source ends. At most N
//! connections are relayed at once (default and ceiling: [`CAPACITY`]);
//! more are accepted and closed at once. SIGINT or SIGTERM closes
//! everything and exits 0; bad arguments print the usage and exit 2.
//!
//! Everything lives on the stack of `main`: no allocator, no globals.

#![no_std]
#![no_main]

mod addr;
mod conn;
mod line;

use core::net::SocketAddr;

use bareio::fd::OwnedFd;
use bareio::poll::{Event, Events, Interest, Mode, Poller};
use bareio::rt::Args;
use bareio::splice::Pipe;
use bareio::sys::{
    self, AddressFamily, Resource, Rlimit, SigSet, SigmaskHow, SignalfdFlags, SockOpt, SocketFlags,
    SocketType,
};
use bareio::Errno;

use conn::{Conn, Failure, Next, Side};
use line::Line;

bareio::main!(main);

/// The most connections relayed at once (`--max` may lower it).
const CAPACITY: usize = 256;

/// Kernel pipe capacity asked for per direction: the default 64 KiB, so
/// that `CAPACITY` connections stay within the per-user pipe budget.
const PIPE_CAPACITY: usize = 64 * 1024;

/// File descriptors per connection: two sockets and two pipes.
const FDS_PER_CONN: u64 = 6;
/// Descriptors besides the connections': stdio, listener, epoll, eventfd,
/// signalfd, one being accepted, and spare pipes.
const FDS_RESERVED: u64 = 16;

/// Tokens below this are not connections.
const LISTENER: u64 = 0;
const SIGNALS: u64 = 1;
const FIRST_CONN: u64 = 2;

const USAGE: &[u8] = b"usage: bareio-relay LISTEN UPSTREAM [--max N]
  LISTEN, UPSTREAM: IPv4 a.b.c.d:port or IPv6 [addr]:port
  --max N: relay at most N connections at once (1-256, default 256)
  example: bareio-relay 127.0.0.1:8000 127.0.0.1:9000
";

struct Config {
    listen: SocketAddr,
    upstream: SocketAddr,
    max: usize,
}

fn main(args: Args) -> i32 {
    let Some(config) = parse(args) else {
        let _ = sys::write(bareio::rt::stderr(), USAGE);
        return 2;
    };
    match Relay::start(&config) {
        Ok(mut relay) => match relay.run() {
            Ok(()) => 0,
            Err(errno) => {
                Line::new().text(b"event loop failed: ").errno(errno).log();
                1
            }
        },
        Err((what, errno)) => {
            Line::new().text(what).text(b": ").errno(errno).log();
            1
        }
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    let _ = sys::write(bareio::rt::stderr(), b"bareio-relay: internal error\n");
    sys::exit_group(101)
}

fn parse(mut args: Args) -> Option<Config> {
    args.next()?; // argv[0]
    let listen = addr::parse(args.next()?)?;
    let upstream = addr::parse(args.next()?)?;
    let mut max = CAPACITY;
    while let Some(arg) = args.next() {
        match arg {
            b"--max" => {
                max = addr::number(args.next()?, 10, CAPACITY as u32)? as usize;
                if max == 0 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(Config { listen, upstream, max })
}

/// A socket of `addr`'s family, nonblocking and close-on-exec.
fn tcp_socket(addr: &SocketAddr) -> Result<OwnedFd, Errno> {
    sys::socket(AddressFamily::of(addr), SocketType::STREAM, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC, 0)
}

/// Raises the soft open-file limit towards what `max` connections need and
/// returns how many connections fit under the limit obtained.
fn reserve_fds(max: usize) -> usize {
    let need = FDS_PER_CONN * max as u64 + FDS_RESERVED;
    let Ok(limit) = sys::prlimit(Resource::Nofile, None) else { return max };
    let mut soft = limit.soft;
    if soft < need {
        let wanted = Rlimit { soft: need.min(limit.hard), hard: limit.hard };
        if sys::prlimit(Resource::Nofile, Some(&wanted)).is_ok() {
            soft = wanted.soft;
        }
    }
    let fit = (soft.saturating_sub(FDS_RESERVED) / FDS_PER_CONN) as usize;
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

struct Relay<'a> {
    config: &'a Config,
    /// Connections allowed at once (`--max`, or fewer if fds are short).
    max: usize,
    poller: Poller,
    listener: OwnedFd,
    signals: OwnedFd,
}

/// Counters reported at exit.
#[derive(Default)]
struct Stats {
    accepted: u64,
    refused: u64,
    unreachable: u64,
    bytes: u64,
}

/// Connections whose last turn ended with bytes still to move, to be run
/// again before the next blocking wait.
struct Again {
    slots: [bool; CAPACITY],
    /// How many of `slots` are set.
    count: usize,
}

impl Again {
    fn mark(&mut self, index: usize) {
        if !core::mem::replace(&mut self.slots[index], true) {
            self.count += 1;
        }
    }
}

/// The connection slots, and empty pipes kept for the next connections.
struct Slots {
    conns: [Option<Conn>; CAPACITY],
    /// Bumped per slot each time it is reused.
    generations: [u32; CAPACITY],
    active: usize,
    spare_pipes: [Option<Pipe>; 8],
}

impl Relay<'_> {
    fn start(config: &Config) -> Result<Relay<'_>, (&'static [u8], Errno)> {
        // No handlers: SIGPIPE is blocked (a write to a gone peer is then
        // EPIPE), SIGINT/SIGTERM are blocked and read from a signalfd.
        let mut stop = SigSet::empty();
        let _ = stop.add(sys::SIGINT);
        let _ = stop.add(sys::SIGTERM);
        let mut blocked = stop;
        let _ = blocked.add(sys::SIGPIPE);
        sys::sigprocmask(SigmaskHow::Block, Some(&blocked)).map_err(|e| (&b"sigprocmask"[..], e))?;
        let signals = sys::signalfd(&stop, SignalfdFlags::NONBLOCK | SignalfdFlags::CLOEXEC)
            .map_err(|e| (&b"signalfd"[..], e))?;

        let max = reserve_fds(config.max);
        let listener = tcp_socket(&config.listen).map_err(|e| (&b"socket"[..], e))?;
        sys::setsockopt(&listener, SockOpt::REUSEADDR, 1).map_err(|e| (&b"SO_REUSEADDR"[..], e))?;
        sys::bind(&listener, &config.listen).map_err(|e| (&b"bind"[..], e))?;
        sys::listen(&listener, 1024).map_err(|e| (&b"listen"[..], e))?;
        let bound = sys::getsockname(&listener).ok().flatten().unwrap_or(config.listen);

        let poller = Poller::new().map_err(|e| (&b"epoll"[..], e))?;
        poller
            .register(&listener, LISTENER, Interest::READABLE, Mode::Level)
            .map_err(|e| (&b"epoll_ctl"[..], e))?;
        poller
            .register(&signals, SIGNALS, Interest::READABLE, Mode::Level)
            .map_err(|e| (&b"epoll_ctl"[..], e))?;

        Line::new()
            .text(b"listening on ")
            .addr(&bound)
            .text(b", relaying to ")
            .addr(&config.upstream)
            .text(b", at most ")
            .num(max as u64)
            .text(b" connections")
            .log();
        Ok(Relay { config, max, poller, listener, signals })
    }

    /// Serves until SIGINT or SIGTERM.
    fn run(&mut self) -> Result<(), Errno> {
        let mut slots = Slots {
            conns: [const { None }; CAPACITY],
            generations: [0; CAPACITY],
            active: 0,
            spare_pipes: [const { None }; 8],
        };
        let mut stats = Stats::default();
        let mut events = Events::<64>::new();
        // Connections whose last turn ended with bytes still to move.
        let mut again = Again { slots: [false; CAPACITY], count: 0 };
        loop {
            let timeout = if again.count > 0 { Some(core::time::Duration::ZERO) } else { None };
            self.poller.wait(&mut events, timeout)?;
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept_all(&mut slots, &mut stats),
                    SIGNALS => {
                        if let Ok(info) = sys::read_signal(&self.signals) {
                            self.shut_down(info.signo, &mut slots, &stats);
                            return Ok(());
                        }
                    }
                    token => self.on_conn_event(&mut slots, &mut stats, &mut again, token, event),
                }
            }
            if again.count > 0 {
                again.count = 0;
                for slot in 0..CAPACITY {
                    if core::mem::take(&mut again.slots[slot]) {
                        let result = slots.conns[slot].as_mut().map(|conn| conn.run(true, true));
                        self.after_turn(&mut slots, &mut stats, &mut again, slot, result);
                    }
                }
            }
        }
    }

    /// Readiness of a connection's socket: token = generation << 32 |
    /// (FIRST_CONN + 2 * slot + side).
    fn on_conn_event(
        &self,
        slots: &mut Slots,
        stats: &mut Stats,
        again: &mut Again,
        token: u64,
        event: Event,
    ) {
        let low = u64::from(token as u32) - FIRST_CONN;
        let (index, side) = ((low / 2) as usize, if low % 2 == 0 { Side::Client } else { Side::Upstream });
        let generation = (token >> 32) as u32;
        let result = match slots.conns.get_mut(index) {
            Some(Some(conn)) if conn.generation == generation => {
                Some(conn.on_event(side, event.is_readable(), event.is_writable()))
            }
            _ => None, // an event of a connection closed earlier in this batch
        };
        self.after_turn(slots, stats, again, index, result);
    }

    /// Acts on the outcome of connection `index`'s turn, if it had one.
    fn after_turn(
        &self,
        slots: &mut Slots,
        stats: &mut Stats,
        again: &mut Again,
        index: usize,
        result: Option<Result<Next, Failure>>,
    ) {
        match result {
            None | Some(Ok(Next::Wait)) => {}
            Some(Ok(Next::Again)) => again.mark(index),
            Some(Ok(Next::Done)) => self.close(slots, stats, index),
            Some(Err(Failure::Connect(errno))) => {
                self.log_unreachable(stats, errno);
                self.close(slots, stats, index);
            }
            // A reset or broken pipe ends the connection; that is the
            // peers' business, not worth a log line each.
            Some(Err(Failure::Transfer)) => self.close(slots, stats, index),
        }
    }

    fn log_unreachable(&self, stats: &mut Stats, errno: Errno) {
        stats.unreachable += 1;
        Line::new().text(b"upstream ").addr(&self.config.upstream).text(b" unreachable: ").errno(errno).log();
    }

    fn close(&self, slots: &mut Slots, stats: &mut Stats, index: usize) {
        if let Some(conn) = slots.conns[index].take() {
            stats.bytes += conn.bytes();
            slots.active -= 1;
            for pipe in conn.close().into_iter().flatten() {
                if let Some(spare) = slots.spare_pipes.iter_mut().find(|p| p.is_none()) {
                    *spare = Some(pipe);
                }
            }
        }
    }

    /// Accepts every pending connection.
    fn accept_all(&self, slots: &mut Slots, stats: &mut Stats) {
        loop {
            let client = match sys::accept4(&self.listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC) {
                Ok((client, _)) => client,
                Err(Errno::EAGAIN) => return,
                // The connection died in the queue, or a signal: next one.
                Err(Errno::ECONNABORTED | Errno::EINTR) => continue,
                Err(errno) => {
                    Line::new().text(b"accept: ").errno(errno).log();
                    return;
                }
            };
            if slots.active >= self.max {
                stats.refused += 1;
                Line::new()
                    .text(b"refused a connection: all ")
                    .num(self.max as u64)
                    .text(b" slots busy")
                    .log();
                continue; // `client` is closed here
            }
            stats.accepted += 1;
            if let Err(errno) = self.open(slots, client) {
                self.log_unreachable(stats, errno);
            }
        }
    }

    /// Starts relaying `client`: a slot, two pipes, a nonblocking connect.
    fn open(&self, slots: &mut Slots, client: OwnedFd) -> Result<(), Errno> {
        let index = slots.conns.iter().position(Option::is_none).ok_or(Errno::EMFILE)?;
        let upstream = tcp_socket(&self.config.upstream)?;
        let connected = match sys::connect(&upstream, &self.config.upstream) {
            Ok(()) => true,
            Err(Errno::EINPROGRESS) => false,
            Err(errno) => return Err(errno),
        };
        let mut pipe = || match slots.spare_pipes.iter_mut().find_map(Option::take) {
            Some(pipe) => Ok(pipe),
            None => Pipe::with_capacity(PIPE_CAPACITY),
        };
        let pipes = [pipe()?, pipe()?];
        let generation = slots.generations[index].wrapping_add(1);
        slots.generations[index] = generation;
        let token = |side: u64| (u64::from(generation) << 32) | (FIRST_CONN + 2 * index as u64 + side);
        // Edge-triggered: an event runs the directions it can unblock
        // until they would block again.
        let interest = Interest::BOTH | Interest::READ_HANGUP;
        self.poller.register(&client, token(0), interest, Mode::Edge)?;
        self.poller.register(&upstream, token(1), interest, Mode::Edge)?;
        let conn = Conn::new(client, upstream, connected, generation, pipes)?;
        slots.conns[index] = Some(conn);
        slots.active += 1;
        Ok(())
    }

    /// Closes every connection (the slots are large: borrowed, not moved)
    /// and logs the totals.
    fn shut_down(&self, signo: u32, slots: &mut Slots, stats: &Stats) {
        let mut closed = 0u64;
        let mut bytes = stats.bytes;
        for conn in slots.conns.iter_mut().filter_map(Option::take) {
            closed += 1;
            bytes += conn.bytes();
        }
        Line::new()
            .text(if signo == sys::SIGINT as u32 { b"SIGINT" } else { b"SIGTERM" })
            .text(b": closed ")
            .num(closed)
            .text(b" active connections; ")
            .num(stats.accepted)
            .text(b" accepted, ")
            .num(stats.refused)
            .text(b" refused, ")
            .num(stats.unreachable)
            .text(b" upstream failures, ")
            .num(bytes)
            .text(b" bytes relayed")
            .log();
    }
}
