//! `idle`: open N connections and hold them. Each is proven end to end
//! before it counts (one byte sent and the same byte back, so the relay has
//! its upstream connection too); at most `window` are being set up at once.
//! With all of them held, a caller's function runs (it samples the relay's
//! memory); then every connection is closed.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::pattern::{Cursor, Pattern};
use crate::sys::{self, Epoll, Ready};
use crate::{read_some, write_some, Failures};

/// An idle workload.
#[derive(Clone, Debug)]
pub struct Idle {
    pub target: SocketAddr,
    pub conns: usize,
    /// Connections being set up at once, at most.
    pub window: usize,
    /// Connections not proven by then fail.
    pub timeout: Duration,
}

/// What an idle run did.
#[derive(Debug)]
pub struct IdleReport {
    /// Connections proven and held.
    pub established: usize,
    /// Time to establish them.
    pub seconds: f64,
    pub failures: Failures,
}

#[derive(PartialEq, Eq)]
enum State {
    /// The probe byte is not written yet.
    Connecting,
    /// Written, waiting for it to come back.
    Echoing,
    Held,
}

struct Conn {
    stream: TcpStream,
    at: Cursor,
    state: State,
}

impl Conn {
    /// Moves the probe on; `Ok(true)` once the connection is held.
    fn step(&mut self, pattern: &Pattern) -> Result<bool, String> {
        if self.state == State::Connecting {
            match write_some(&mut self.stream, pattern.slice(self.at, 1)) {
                Ok(Some(_)) => self.state = State::Echoing,
                Ok(None) => return Ok(false),
                Err(e) => return Err(format!("connect or write: {e}")),
            }
        }
        let mut byte = [0u8; 1];
        match read_some(&mut self.stream, &mut byte) {
            Ok(Some(0)) => Err("closed before its byte came back".into()),
            Ok(Some(_)) if pattern.check(self.at, &byte).is_err() => {
                Err("corrupt data: the byte that came back is not the one sent".into())
            }
            Ok(Some(_)) => {
                self.state = State::Held;
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => Err(format!("read: {e}")),
        }
    }
}

/// Runs `idle`; `hold` is called with all established connections open.
pub fn run(idle: &Idle, pattern: &Pattern, hold: impl FnOnce(usize)) -> io::Result<IdleReport> {
    let epoll = Epoll::new()?;
    let mut failures = Failures::default();
    let mut conns: Vec<Option<Conn>> = Vec::with_capacity(idle.conns);
    let start = Instant::now();
    let deadline = start + idle.timeout;
    let (mut pending, mut established) = (0usize, 0usize);
    let mut ready: Vec<Ready> = Vec::new();
    while conns.len() < idle.conns || pending > 0 {
        while pending < idle.window && conns.len() < idle.conns {
            let i = conns.len();
            match sys::connect(&idle.target) {
                Ok(stream) => {
                    epoll.add(&stream, i as u64)?;
                    conns.push(Some(Conn { stream, at: Cursor::start(i), state: State::Connecting }));
                    pending += 1;
                }
                Err(e) => {
                    failures.add(i, &format!("connect: {e}"));
                    conns.push(None);
                }
            }
        }
        if Instant::now() > deadline {
            for (i, conn) in conns.iter_mut().enumerate() {
                if conn.as_ref().is_some_and(|c| c.state != State::Held) {
                    failures.add(i, &format!("not established within {:?}", idle.timeout));
                    *conn = None;
                }
            }
            let never = idle.conns - conns.len();
            if never > 0 {
                failures.count += never;
            }
            break;
        }
        epoll.wait(&mut ready, 100)?;
        for event in &ready {
            let index = event.token as usize;
            let Some(conn) = conns[index].as_mut().filter(|c| c.state != State::Held) else { continue };
            match conn.step(pattern) {
                Ok(true) => {
                    pending -= 1;
                    established += 1;
                }
                Ok(false) => {}
                Err(what) => {
                    failures.add(index, &what);
                    conns[index] = None;
                    pending -= 1;
                }
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    hold(established);
    drop(conns);
    Ok(IdleReport { established, seconds, failures })
}
