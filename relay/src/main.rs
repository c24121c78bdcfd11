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
mod options;
mod relay;
#[cfg(feature = "workers")]
mod workers;

use bareio::rt::Args;
use bareio::sys;

bareio::main!(main);

/// The signal by which a supervisor tells its workers that SIGTERM or
/// SIGINT came (`workers.rs`): the first real-time signal the C libraries
/// leave alone (`SigSet::RESERVED`), 35 on every architecture.
pub const DRAIN: i32 = 35;

fn main(args: Args) -> i32 {
    let Some(config) = options::parse(args) else {
        let _ = sys::write(bareio::rt::stderr(), options::USAGE);
        return 2;
    };
    let stderr_flags = line::nonblocking_stderr();
    #[cfg(feature = "workers")]
    let status = workers::run(&mut { config });
    #[cfg(not(feature = "workers"))]
    let status = relay::run(&config);
    line::restore_stderr(stderr_flags);
    status
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    line::log(b"internal error", &[]);
    sys::exit_group(101)
}
