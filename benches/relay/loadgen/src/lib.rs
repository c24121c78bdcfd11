//! The load generator of the side-by-side relay benchmark
//! (`benches/relay/README.md`): an upstream echo server and three client
//! workloads that verify every byte they get back.
//!
//! - [`echo`]: the upstream. Echoes each connection's bytes and ends its
//!   output (close) once the client's input has ended and all was echoed.
//! - [`bulk`]: N connections each send M bytes, half-close, and read the M
//!   bytes back; rate = bytes both ways ÷ time.
//! - [`rr`]: N connections do request/response round trips of S bytes for a
//!   duration or a count; round trips per second and latencies.
//! - [`idle`]: N connections opened (each proven end to end by a one-byte
//!   echo) and held while the relay's memory is sampled.
//!
//! Nothing is counted that was not verified: a byte lost, corrupted or
//! extra, a reset, an early end or a stall is a failure with its connection
//! and offset, and a run with a failure has no rate.

pub mod bulk;
pub mod echo;
pub mod idle;
pub mod json;
pub mod pattern;
pub mod procs;
pub mod rr;
pub mod sys;

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;

/// The connections that failed, and what the first of them saw.
#[derive(Debug, Default)]
pub struct Failures {
    pub count: usize,
    pub first: Option<String>,
}

impl Failures {
    /// Records that connection `conn` failed with `what`.
    pub fn add(&mut self, conn: usize, what: &str) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(format!("connection {conn}: {what}"));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// One nonblocking read: `Ok(None)` when it would block.
pub fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        match stream.read(buf) {
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// One nonblocking write: `Ok(None)` when it would block.
pub fn write_some(stream: &mut TcpStream, buf: &[u8]) -> io::Result<Option<usize>> {
    loop {
        match stream.write(buf) {
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// `n` with thousands separators: the failure messages name byte counts.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
