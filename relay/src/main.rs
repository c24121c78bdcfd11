//! `bareio-relay LISTEN UPSTREAM [options]`: a TCP port forwarder in a
//! static binary with no libc, built only on bareio's public API.
//!
//! It accepts connections on LISTEN, connects each to UPSTREAM without
//! blocking, and relays bytes both ways (copying requests and responses,
//! splicing bulk data), half-closing each direction as its source ends.
//! Timeouts close connections that do not connect, go idle, or stay
//! half-closed; SIGTERM or SIGINT stops accepting and drains the open
//! connections; SIGHUP logs the counters. See the README's relay section
//! for the options and the log lines.
//!
//! All state is in static storage (`relay.rs`): the stack holds a few
//! hundred bytes, and memory grows with the connections in use.

#![no_std]
#![no_main]

mod addr;
mod conn;
mod line;
mod relay;
mod workers;

use core::net::SocketAddr;
use core::time::Duration;

use bareio::rt::Args;
use bareio::sys;
use line::Line;

bareio::main!(main);

/// The most connections relayed at once (`--max` may lower it). Their
/// buffers are address space (`.bss`) until used; 32-bit targets get less
/// of it.
pub const CAPACITY: usize = if cfg!(target_pointer_width = "64") { 8192 } else { 1024 };

const USAGE: &[u8] = b"usage: bareio-relay LISTEN UPSTREAM [options]
  LISTEN, UPSTREAM: IPv4 a.b.c.d:port or IPv6 [addr]:port
  --max N              relay at most N connections at once (default and ceiling 8192;
                       1024 on 32-bit); more wait in the kernel's backlog
  --connect-timeout S  give up a connect to UPSTREAM after S seconds (default 10)
  --idle-timeout S     close a connection with no traffic either way for S seconds (default 600)
  --fin-timeout S      close a half-closed connection after S seconds (default 60)
  --drain-timeout S    on SIGTERM/SIGINT, wait up to S seconds for open connections (default 10)
  --quiet              log errors only (no line per connection)
  --workers N          N processes (default 1, 0: one per CPU); --pipes N: pooled pipes (default 64)
  a timeout of 0 disables it
  example: bareio-relay 127.0.0.1:8000 127.0.0.1:9000 --idle-timeout 300
";

/// The command line.
pub struct Config {
    pub listen: SocketAddr,
    pub upstream: SocketAddr,
    pub max: usize,
    /// `None`: disabled (`0` on the command line).
    pub connect_timeout: Option<Duration>,
    pub idle_timeout: Option<Duration>,
    pub fin_timeout: Option<Duration>,
    pub drain_timeout: Option<Duration>,
    pub quiet: bool,
    /// Relay processes (`workers.rs`; 0: one per CPU).
    pub workers: usize,
    /// Most pipes in the splice pool.
    pub pipes: usize,
    /// In a worker: the supervisor's pid, the only sender whose SIGTERM
    /// or SIGINT counts; 0 otherwise.
    pub supervisor: i32,
}

fn main(args: Args) -> i32 {
    let Some(mut config) = parse(args) else {
        let _ = sys::write(bareio::rt::stderr(), USAGE);
        return 2;
    };
    let stderr_flags = line::nonblocking_stderr();
    let status = workers::run(&mut config);
    line::restore_stderr(stderr_flags);
    status
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    Line::new().text(b"internal error").log();
    sys::exit_group(101)
}

fn parse(mut args: Args) -> Option<Config> {
    args.next()?; // argv[0]
    let listen = addr::parse(args.next()?)?;
    let upstream = addr::parse(args.next()?)?;
    let secs = |n: u32| (n > 0).then(|| Duration::from_secs(n.into()));
    let mut config = Config {
        listen,
        upstream,
        max: CAPACITY,
        connect_timeout: secs(10),
        idle_timeout: secs(600),
        fin_timeout: secs(60),
        drain_timeout: secs(10),
        quiet: false,
        workers: 1,
        pipes: conn::POOL,
        supervisor: 0,
    };
    while let Some(arg) = args.next() {
        if arg == b"--quiet" {
            config.quiet = true;
            continue;
        }
        let value = addr::number(args.next()?, 10, 99_999)?;
        match arg {
            b"--max" if (1..=CAPACITY as u32).contains(&value) => config.max = value as usize,
            b"--connect-timeout" => config.connect_timeout = secs(value),
            b"--idle-timeout" => config.idle_timeout = secs(value),
            b"--fin-timeout" => config.fin_timeout = secs(value),
            b"--drain-timeout" => config.drain_timeout = secs(value),
            b"--workers" if value as usize <= workers::MAX_WORKERS => config.workers = value as usize,
            b"--pipes" if value as usize <= conn::POOL => config.pipes = value as usize,
            _ => return None,
        }
    }
    Some(config)
}
