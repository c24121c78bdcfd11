//! `rr`: N connections doing request/response round trips of S bytes, one
//! outstanding request per connection, every response checked against its
//! request. Each connection first makes one round trip that is not counted
//! (a forking relay starts its process then, a lazy one allocates); the
//! clock starts when all have, and stops after a duration or once every
//! connection has made its share of a total count. Then each connection
//! ends its output and must see the end of the stream with no byte more.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::pattern::{Cursor, Pattern};
use crate::sys::{self, Epoll, Ready};
use crate::{grouped, read_some, write_some, Failures};

/// When the measured part ends.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    /// After this long: round trips completed by then are counted.
    After(Duration),
    /// After this many round trips in all, spread evenly over the connections.
    Count(u64),
}

/// A request/response workload.
#[derive(Clone, Debug)]
pub struct Rr {
    pub target: SocketAddr,
    pub conns: usize,
    /// Bytes of each request and of its response.
    pub size: usize,
    pub stop: Stop,
    /// A run with no progress for this long fails.
    pub stall: Duration,
}

/// What a request/response run did.
#[derive(Debug)]
pub struct RrReport {
    /// The measured time: the duration, or (count) until the last round trip.
    pub seconds: f64,
    /// Round trips completed in the measured time.
    pub trips: u64,
    /// Each counted round trip's time, microseconds, sorted.
    pub latencies_us: Vec<u32>,
    pub failures: Failures,
}

impl RrReport {
    /// The latency at quantile `q` (0 … 1), microseconds.
    pub fn latency(&self, q: f64) -> u32 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        let at = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        self.latencies_us[at]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Writing the request: bytes of it written.
    Writing(usize),
    /// Reading the response: bytes of it read.
    Reading(usize),
    /// Warm-up round trip done: waiting for the clock to start.
    Parked,
    /// Output ended: waiting for the end of the stream.
    Closing,
}

struct Conn {
    stream: TcpStream,
    /// The current request's first byte.
    at: Cursor,
    phase: Phase,
    /// Counted round trips, and how many to make (count mode).
    trips: u64,
    quota: u64,
    started: Instant,
}

/// What a connection's turn came to.
enum Turn {
    Moved,
    Idle,
    /// Its warm-up round trip is done.
    Parked,
    /// Its stream ended cleanly after its last round trip.
    Finished,
}

/// State shared by a run's connections.
struct Clock {
    /// When the measured part started (None: still warming up).
    start: Option<Instant>,
    deadline: Option<Instant>,
    trips: u64,
    latencies: Vec<u32>,
    last_trip: Option<Instant>,
}

impl Conn {
    fn step(
        &mut self,
        pattern: &Pattern,
        buf: &mut [u8],
        size: usize,
        clock: &mut Clock,
    ) -> Result<Turn, String> {
        let mut moved = false;
        loop {
            match self.phase {
                Phase::Writing(done) => {
                    match write_some(&mut self.stream, &pattern.slice(self.at, size)[done..]) {
                        // The response raises a new edge when it comes: no
                        // read until then.
                        Ok(Some(n)) if done + n == size => {
                            self.phase = Phase::Reading(0);
                            return Ok(Turn::Moved);
                        }
                        Ok(Some(n)) => self.phase = Phase::Writing(done + n),
                        Ok(None) => return Ok(if moved { Turn::Moved } else { Turn::Idle }),
                        Err(e) => return Err(format!("write of request {}: {e}", self.trips)),
                    }
                    moved = true;
                }
                Phase::Reading(done) => {
                    let mut at = self.at;
                    at.advance(done);
                    match read_some(&mut self.stream, &mut buf[..size - done]) {
                        Ok(Some(0)) => {
                            return Err(format!(
                                "lost data: the stream ended {} bytes into response {} of {} bytes",
                                grouped(done as u64),
                                self.trips,
                                grouped(size as u64)
                            ))
                        }
                        Ok(Some(n)) => {
                            if let Err(off) = pattern.check(at, &buf[..n]) {
                                return Err(format!(
                                    "corrupt data: byte {} of the stream is not the one sent",
                                    grouped(off)
                                ));
                            }
                            moved = true;
                            if done + n < size {
                                self.phase = Phase::Reading(done + n);
                                continue;
                            }
                            // A whole response: no more bytes can be due
                            // until the next request, so no read to EAGAIN.
                            self.at.advance(size);
                            let now = Instant::now();
                            if clock.start.is_none() {
                                self.phase = Phase::Parked;
                                return Ok(Turn::Parked);
                            }
                            if clock.deadline.is_some_and(|d| now > d) {
                                self.shut()?;
                                continue;
                            }
                            self.trips += 1;
                            clock.trips += 1;
                            clock.last_trip = Some(now);
                            clock.latencies.push(
                                now.duration_since(self.started).as_micros().min(u32::MAX as u128) as u32,
                            );
                            if clock.deadline.is_none() && self.trips >= self.quota {
                                self.shut()?;
                                continue;
                            }
                            self.send(now);
                        }
                        Ok(None) => return Ok(if moved { Turn::Moved } else { Turn::Idle }),
                        Err(e) => return Err(format!("read of response {}: {e}", self.trips)),
                    }
                }
                Phase::Parked => return Ok(Turn::Idle),
                Phase::Closing => match read_some(&mut self.stream, buf) {
                    Ok(Some(0)) => return Ok(Turn::Finished),
                    Ok(Some(n)) => return Err(format!("{n} bytes came back after the last response")),
                    Ok(None) => return Ok(if moved { Turn::Moved } else { Turn::Idle }),
                    Err(e) => return Err(format!("read at the end: {e}")),
                },
            }
        }
    }

    /// Starts the next request.
    fn send(&mut self, now: Instant) {
        self.started = now;
        self.phase = Phase::Writing(0);
    }

    /// Ends the output; the end of the stream is expected next (and may
    /// be in already, with no edge to come: the caller reads on).
    fn shut(&mut self) -> Result<(), String> {
        self.stream.shutdown(Shutdown::Write).map_err(|e| format!("shutdown: {e}"))?;
        self.phase = Phase::Closing;
        Ok(())
    }
}

/// Runs `rr`.
pub fn run(rr: &Rr, pattern: &Pattern) -> io::Result<RrReport> {
    assert!(rr.size > 0 && rr.size <= crate::pattern::MAX_SPAN, "request size out of range");
    let epoll = Epoll::new()?;
    let mut failures = Failures::default();
    let mut conns: Vec<Option<Conn>> = Vec::with_capacity(rr.conns);
    let total = match rr.stop {
        Stop::Count(k) => k,
        Stop::After(_) => 0,
    };
    let now = Instant::now();
    for i in 0..rr.conns {
        let quota = total / rr.conns as u64 + u64::from((i as u64) < total % rr.conns as u64);
        match sys::connect(&rr.target) {
            Ok(stream) => {
                epoll.add(&stream, i as u64)?;
                let phase = Phase::Writing(0);
                conns.push(Some(Conn { stream, at: Cursor::start(i), phase, trips: 0, quota, started: now }));
            }
            Err(e) => {
                failures.add(i, &format!("connect: {e}"));
                conns.push(None);
            }
        }
    }
    let mut clock = Clock { start: None, deadline: None, trips: 0, latencies: Vec::new(), last_trip: None };
    let mut open = conns.iter().filter(|c| c.is_some()).count();
    let mut parked = 0;
    let mut buf = vec![0u8; rr.size.max(4096)];
    let mut ready: Vec<Ready> = Vec::new();
    let mut last_progress = Instant::now();
    // Each connection's first request is written when it becomes writable
    // (its first event), like every later one when its response is in.
    while open > 0 {
        epoll.wait(&mut ready, 100)?;
        if ready.is_empty() && last_progress.elapsed() > rr.stall {
            for (i, conn) in conns.iter().enumerate() {
                if let Some(c) = conn.as_ref().filter(|c| c.phase != Phase::Parked) {
                    let what = format!(
                        "stalled: no progress for {:?} ({:?}, after {} round trips)",
                        rr.stall, c.phase, c.trips
                    );
                    failures.add(i, &what);
                }
            }
            break;
        }
        for event in &ready {
            let index = event.token as usize;
            let Some(conn) = conns[index].as_mut() else { continue };
            match conn.step(pattern, &mut buf, rr.size, &mut clock) {
                Ok(Turn::Idle) => {}
                Ok(Turn::Moved) => last_progress = Instant::now(),
                Ok(Turn::Parked) => {
                    last_progress = Instant::now();
                    parked += 1;
                }
                Ok(Turn::Finished) => {
                    last_progress = Instant::now();
                    conns[index] = None;
                    open -= 1;
                }
                Err(what) => {
                    failures.add(index, &what);
                    let was_parked = conn.phase == Phase::Parked;
                    conns[index] = None;
                    open -= 1;
                    parked -= usize::from(was_parked);
                }
            }
        }
        if clock.start.is_none() && open > 0 && parked == open {
            start_clock(rr, &mut clock, &mut conns, pattern, &mut buf, &mut failures, &mut open);
            parked = 0;
        }
    }
    let end = match (clock.start, rr.stop) {
        (Some(start), Stop::After(d)) => start + d,
        (Some(_), Stop::Count(_)) => clock.last_trip.unwrap_or_else(Instant::now),
        (None, _) => Instant::now(),
    };
    let seconds = clock.start.map_or(0.0, |s| end.duration_since(s).as_secs_f64());
    clock.latencies.sort_unstable();
    Ok(RrReport { seconds, trips: clock.trips, latencies_us: clock.latencies, failures })
}

/// Every connection has made its warm-up round trip: start the clock and
/// send each its first counted request.
fn start_clock(
    rr: &Rr,
    clock: &mut Clock,
    conns: &mut [Option<Conn>],
    pattern: &Pattern,
    buf: &mut [u8],
    failures: &mut Failures,
    open: &mut usize,
) {
    let start = Instant::now();
    clock.start = Some(start);
    if let Stop::After(d) = rr.stop {
        clock.deadline = Some(start + d);
    }
    for (i, slot) in conns.iter_mut().enumerate() {
        let Some(conn) = slot.as_mut() else { continue };
        let step = if conn.quota == 0 && clock.deadline.is_none() {
            conn.shut()
        } else {
            conn.send(start);
            Ok(())
        }
        .and_then(|()| conn.step(pattern, buf, rr.size, clock));
        match step {
            Ok(Turn::Finished) => {
                *slot = None;
                *open -= 1;
            }
            Ok(_) => {}
            Err(what) => {
                failures.add(i, &what);
                *slot = None;
                *open -= 1;
            }
        }
    }
}
