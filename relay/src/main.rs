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
mod errno_names;
mod line;
mod relay;
mod workers;

use core::net::SocketAddr;
use core::time::Duration;

use bareio::rt::Args;
use bareio::sys;

bareio::main!(main);

/// The most connections relayed at once (`--max` may lower it). Their
/// buffers are address space (`.bss`) until used; 32-bit targets get less
/// of it.
pub const CAPACITY: usize = if cfg!(target_pointer_width = "64") { 8192 } else { 1024 };

/// The options in one screen; the README's relay section says more.
const USAGE: &[u8] = b"usage: bareio-relay LISTEN UPSTREAM [--max N] [--connect-timeout S]
         [--idle-timeout S] [--fin-timeout S] [--drain-timeout S] [--quiet]
         [--workers N] [--pipes N]
LISTEN, UPSTREAM: a.b.c.d:port or [v6]:port. --max: 1 to 8192 (1024 on 32-bit),
the default. Timeouts in seconds: connect 10, idle 600, fin 60 (0: none), drain 10.
--workers: processes (default 1, 0: one per CPU). --pipes: splice pipes (0-64, 64).
";

/// The command line.
pub struct Config {
    pub listen: SocketAddr,
    pub upstream: SocketAddr,
    pub max: usize,
    /// `Duration::MAX` when disabled (`0` on the command line): a deadline
    /// that never comes.
    pub connect_timeout: Duration,
    pub idle_timeout: Duration,
    pub fin_timeout: Duration,
    /// `0`: no drain, every connection is cut at once.
    pub drain_timeout: Duration,
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
    line::log(b"internal error", &[]);
    sys::exit_group(101)
}

/// The options, in the order of [`parse`]'s `values`; all but `--quiet`
/// take a number. (A table, not a `match` on byte strings, which compiles
/// to a compare per character.)
const OPTIONS: [&[u8]; 8] = [
    b"--max",
    b"--connect-timeout",
    b"--idle-timeout",
    b"--fin-timeout",
    b"--drain-timeout",
    b"--workers",
    b"--pipes",
    b"--quiet",
];

fn parse(mut args: Args) -> Option<Config> {
    args.next()?; // argv[0]
    let listen = addr::parse(args.next()?)?;
    let upstream = addr::parse(args.next()?)?;
    // The defaults, in `OPTIONS` order.
    let mut values = [CAPACITY as u32, 10, 600, 60, 10, 1, conn::POOL as u32];
    let mut quiet = false;
    while let Some(arg) = args.next() {
        match OPTIONS.iter().position(|option| *option == arg)? {
            7 => quiet = true,
            i => values[i] = addr::number(args.next()?, 10, 99_999)?,
        }
    }
    let [max, connect, idle, fin, drain, workers, pipes] = values.map(|value| value as usize);
    if workers > workers::MAX_WORKERS || pipes > conn::POOL {
        return None;
    }
    let secs = |n: usize| if n > 0 { Duration::from_secs(n as u64) } else { Duration::MAX };
    (1..=CAPACITY).contains(&max).then(|| Config {
        listen,
        upstream,
        max,
        connect_timeout: secs(connect),
        idle_timeout: secs(idle),
        fin_timeout: secs(fin),
        drain_timeout: Duration::from_secs(drain as u64),
        quiet,
        workers,
        pipes,
        supervisor: 0,
    })
}
