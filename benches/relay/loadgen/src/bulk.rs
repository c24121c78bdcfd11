//! `bulk`: N connections, each sending M bytes, ending its output
//! (`shutdown(SHUT_WR)`) and reading the M bytes back, all at once on one
//! thread. Every byte that comes back is checked; the rate is the bytes
//! moved both ways over the time from the first connect to the last end of
//! stream.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::pattern::{Cursor, Pattern, MAX_SPAN};
use crate::sys::{self, Epoll, Ready};
use crate::{grouped, read_some, write_some, Failures};

/// A bulk workload.
#[derive(Clone, Debug)]
pub struct Bulk {
    pub target: SocketAddr,
    pub conns: usize,
    /// Bytes each connection sends (and expects back).
    pub bytes: u64,
    /// A run with no progress for this long fails.
    pub stall: Duration,
}

/// What a bulk run did.
#[derive(Debug)]
pub struct BulkReport {
    pub seconds: f64,
    /// Connections that got all their bytes back, intact, then the end.
    pub complete: usize,
    /// Verified bytes, both ways: 2 × bytes × complete connections.
    pub moved: u64,
    pub failures: Failures,
}

struct Conn {
    stream: TcpStream,
    sent: Cursor,
    got: Cursor,
    shut: bool,
    done: bool,
}

impl Conn {
    /// Sends and receives what can be moved now; `Ok(true)` if anything moved.
    fn step(&mut self, pattern: &Pattern, buf: &mut [u8], bytes: u64) -> Result<bool, String> {
        let mut progress = false;
        // A failed connect shows as the error of the first write or read.
        while self.sent.offset < bytes {
            let len = (bytes - self.sent.offset).min(MAX_SPAN as u64) as usize;
            match write_some(&mut self.stream, pattern.slice(self.sent, len)) {
                Ok(Some(n)) => {
                    self.sent.advance(n);
                    progress = true;
                }
                Ok(None) => break,
                Err(e) => return Err(format!("write after {} bytes: {e}", grouped(self.sent.offset))),
            }
        }
        if self.sent.offset == bytes && !self.shut {
            self.stream.shutdown(Shutdown::Write).map_err(|e| format!("shutdown: {e}"))?;
            self.shut = true;
        }
        loop {
            match read_some(&mut self.stream, buf) {
                Ok(Some(0)) if self.got.offset == bytes => {
                    self.done = true;
                    return Ok(true);
                }
                Ok(Some(0)) => {
                    return Err(format!(
                        "lost data: {} of {} bytes came back, then the end of the stream ({} sent)",
                        grouped(self.got.offset),
                        grouped(bytes),
                        grouped(self.sent.offset)
                    ))
                }
                Ok(Some(n)) => {
                    if self.got.offset + n as u64 > bytes {
                        return Err(format!(
                            "{} bytes came back, more than the {} sent",
                            grouped(self.got.offset + n as u64),
                            grouped(bytes)
                        ));
                    }
                    if let Err(at) = pattern.check(self.got, &buf[..n]) {
                        return Err(format!(
                            "corrupt data: byte {} of the stream is not the one sent",
                            grouped(at)
                        ));
                    }
                    self.got.advance(n);
                    progress = true;
                }
                Ok(None) => return Ok(progress),
                Err(e) => {
                    return Err(format!(
                        "read after {} of {} bytes came back: {e}",
                        grouped(self.got.offset),
                        grouped(bytes)
                    ))
                }
            }
        }
    }
}

/// Runs `bulk`.
pub fn run(bulk: &Bulk, pattern: &Pattern) -> io::Result<BulkReport> {
    let epoll = Epoll::new()?;
    let mut failures = Failures::default();
    let start = Instant::now();
    let mut conns = Vec::with_capacity(bulk.conns);
    for i in 0..bulk.conns {
        match sys::connect(&bulk.target) {
            Ok(stream) => {
                epoll.add(&stream, i as u64)?;
                conns.push(Some(Conn {
                    stream,
                    sent: Cursor::start(i),
                    got: Cursor::start(i),
                    shut: false,
                    done: false,
                }));
            }
            Err(e) => {
                failures.add(i, &format!("connect: {e}"));
                conns.push(None);
            }
        }
    }
    let mut open = conns.iter().filter(|c| c.is_some()).count();
    let mut complete = 0;
    let mut buf = vec![0u8; MAX_SPAN];
    let mut ready: Vec<Ready> = Vec::new();
    let mut last_progress = Instant::now();
    while open > 0 {
        epoll.wait(&mut ready, 100)?;
        if ready.is_empty() && last_progress.elapsed() > bulk.stall {
            for (i, conn) in conns.iter().enumerate() {
                if let Some(c) = conn.as_ref().filter(|c| !c.done) {
                    let what = format!(
                        "stalled: no progress for {:?}, {} of {} bytes sent, {} back",
                        bulk.stall,
                        grouped(c.sent.offset),
                        grouped(bulk.bytes),
                        grouped(c.got.offset)
                    );
                    failures.add(i, &what);
                }
            }
            break;
        }
        for event in &ready {
            let index = event.token as usize;
            let Some(conn) = conns[index].as_mut() else { continue };
            match conn.step(pattern, &mut buf, bulk.bytes) {
                Ok(moved) => {
                    if moved {
                        last_progress = Instant::now();
                    }
                    if conn.done {
                        conns[index] = None;
                        open -= 1;
                        complete += 1;
                    }
                }
                Err(what) => {
                    failures.add(index, &what);
                    conns[index] = None;
                    open -= 1;
                }
            }
        }
    }
    Ok(BulkReport {
        seconds: start.elapsed().as_secs_f64(),
        complete,
        moved: 2 * bulk.bytes * complete as u64,
        failures,
    })
}
