//! The command line, `LISTEN UPSTREAM [options]`, parsed into a [`Config`]
//! (or refused: the caller prints [`USAGE`]), and the limits it is checked
//! against. No `bareio` here, only `core` and `addr.rs`: the fuzz target
//! `relay_args` includes both files by path.

use core::net::SocketAddr;
use core::time::Duration;

use crate::addr;

/// The most connections relayed at once (`--max` may lower it). Their
/// buffers are address space (`.bss`) until used; 32-bit targets get less
/// of it.
pub const CAPACITY: usize = if cfg!(target_pointer_width = "64") { 8192 } else { 1024 };

/// The most `--workers`: 1 without the `workers` feature.
pub const MAX_WORKERS: usize = if cfg!(feature = "workers") { 256 } else { 1 };

/// The most pipes in the splice pool (each is two fds; directions past
/// that copy): `--pipes`' default and largest value.
pub const POOL: usize = 64;

/// The options in one screen; the README's relay section says more.
pub const USAGE: &[u8] =
    b"usage: bareio-relay LISTEN UPSTREAM [--max N] [--connect-timeout S] [--idle-timeout S]
  [--fin-timeout S] [--drain-timeout S] [--quiet] [--workers N] [--pipes N]
LISTEN, UPSTREAM: a.b.c.d:port or [v6]:port. Defaults: --max 8192 (1024 on 32-bit),
timeouts 10, 600, 60, 10 s (0: none; drain: cut), --workers 1 (0: per CPU), --pipes 64.
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
    #[cfg_attr(not(feature = "workers"), allow(dead_code))]
    pub workers: usize,
    /// Most pipes in the splice pool.
    pub pipes: usize,
    /// In a worker: the supervisor's pid, the only sender whose SIGTERM
    /// or SIGINT counts; 0 otherwise.
    pub supervisor: i32,
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

/// `argv` (its first item is the program's name) as a [`Config`], or
/// `None` for anything [`USAGE`] does not allow: a missing or malformed
/// address, an unknown option, a value missing, not 1 to 5 decimal digits,
/// or out of range. An option given twice takes its last value.
pub fn parse<'a>(mut args: impl Iterator<Item = &'a [u8]>) -> Option<Config> {
    args.next()?; // argv[0]
    let listen = addr::parse(args.next()?)?;
    let upstream = addr::parse(args.next()?)?;
    // The defaults, in `OPTIONS` order.
    let mut values = [CAPACITY as u32, 10, 600, 60, 10, 1, POOL as u32];
    let mut quiet = false;
    while let Some(arg) = args.next() {
        match OPTIONS.iter().position(|option| *option == arg)? {
            7 => quiet = true,
            i => values[i] = addr::number(args.next()?, 10, 99_999)?,
        }
    }
    let [max, connect, idle, fin, drain, workers, pipes] = values.map(|value| value as usize);
    if workers > MAX_WORKERS || pipes > POOL {
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
