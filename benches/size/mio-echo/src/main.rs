//! A minimal mio echo server: `mio-echo [ADDR]` (default 127.0.0.1:7000)
//! echoes every byte back on each connection, with a per-connection buffer
//! for what the peer was not ready to take.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

const LISTENER: Token = Token(0);

struct Conn {
    stream: TcpStream,
    pending: Vec<u8>,
}

impl Conn {
    /// Reads what is there and echoes it; `false` when the connection is done.
    fn serve(&mut self) -> bool {
        let mut buf = [0u8; 16 * 1024];
        loop {
            if !self.flush() {
                return false;
            }
            if !self.pending.is_empty() {
                return true; // wait for WRITABLE
            }
            match self.stream.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }

    /// Writes what is pending until done or the socket is full.
    fn flush(&mut self) -> bool {
        while !self.pending.is_empty() {
            match self.stream.write(&self.pending) {
                Ok(0) => return false,
                Ok(n) => drop(self.pending.drain(..n)),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        true
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:7000".into());
    let addr = addr.parse().map_err(|_| std::io::Error::new(ErrorKind::InvalidInput, "bad address"))?;
    let mut listener = TcpListener::bind(addr)?;
    let mut poll = Poll::new()?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut next = 1;
    let mut events = Events::with_capacity(256);
    loop {
        poll.poll(&mut events, None)?;
        for event in &events {
            if event.token() == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            let token = Token(next);
                            next += 1;
                            let interest = Interest::READABLE | Interest::WRITABLE;
                            poll.registry().register(&mut stream, token, interest)?;
                            conns.insert(token, Conn { stream, pending: Vec::new() });
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
            } else if let Some(conn) = conns.get_mut(&event.token()) {
                if !conn.serve() {
                    conns.remove(&event.token());
                }
            }
        }
    }
}
