//! The upstream: a single-threaded, edge-triggered echo server.
//!
//! Each connection's input is written back as it comes; what the socket
//! does not take at once waits in a buffer of that connection (allocated
//! only then), and reading that connection stops until it has drained.
//! At the end of the client's input, once everything is echoed, the server
//! closes: the client sees the end of its stream (the half-close the relay
//! has to pass on).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;

use crate::sys::{self, Epoll, Ready};
use crate::{read_some, write_some};

const LISTENER: u64 = u64::MAX;
/// The shared read buffer.
const BUFFER: usize = 256 * 1024;

struct Conn {
    stream: TcpStream,
    /// Bytes read but not yet echoed, from `pending_from` on.
    pending: Vec<u8>,
    pending_from: usize,
    /// The client's input has ended.
    ended: bool,
}

/// What is left to do for a connection after serving it.
enum Next {
    Wait,
    Close,
}

impl Conn {
    /// Echoes what can be echoed now; `hangup`: the event that woke us
    /// reported the peer's end (or an error).
    fn serve(&mut self, buf: &mut [u8], hangup: bool) -> Next {
        loop {
            while self.pending_from < self.pending.len() {
                match write_some(&mut self.stream, &self.pending[self.pending_from..]) {
                    Ok(Some(n)) => self.pending_from += n,
                    Ok(None) => return Next::Wait,
                    Err(_) => return Next::Close,
                }
            }
            self.pending.clear();
            self.pending_from = 0;
            if self.ended {
                return Next::Close;
            }
            let n = match read_some(&mut self.stream, buf) {
                Ok(Some(0)) => {
                    self.ended = true;
                    continue;
                }
                Ok(Some(n)) => n,
                Ok(None) => return Next::Wait,
                Err(_) => return Next::Close,
            };
            let mut written = 0;
            while written < n {
                match write_some(&mut self.stream, &buf[written..n]) {
                    Ok(Some(w)) => written += w,
                    Ok(None) => break,
                    Err(_) => return Next::Close,
                }
            }
            if written < n {
                self.pending.extend_from_slice(&buf[written..n]);
                return Next::Wait; // until writable
            }
            // A read shorter than the buffer took all that was queued, and
            // what arrives later raises a new edge (tcp_recvmsg leaves what
            // comes in while it runs to the backlog, whose processing wakes
            // the poller) -- except the end of the stream: a read stops
            // short at a FIN and consumes it, and the FIN's wakeup may be
            // the one that woke us, so after a hang-up read to the end.
            if n < buf.len() && !hangup {
                return Next::Wait;
            }
        }
    }
}

/// Binds `addr` (backlog 4096) and returns the listener.
pub fn bind(addr: &SocketAddr) -> io::Result<TcpListener> {
    sys::listen(addr, 4096)
}

/// Serves `listener` for ever (until the process is killed).
pub fn serve(listener: TcpListener) -> io::Result<()> {
    let epoll = Epoll::new()?;
    epoll.add_listener(&listener, LISTENER)?;
    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut buf = vec![0u8; BUFFER];
    let mut ready: Vec<Ready> = Vec::new();
    loop {
        epoll.wait(&mut ready, -1)?;
        for event in ready.iter() {
            if event.token == LISTENER {
                accept_all(&listener, &epoll, &mut conns, &mut free);
                continue;
            }
            let index = event.token as usize;
            let Some(conn) = conns.get_mut(index).and_then(Option::as_mut) else { continue };
            if let Next::Close = conn.serve(&mut buf, event.bits & sys::HANGUP != 0) {
                conns[index] = None; // closes the socket
                free.push(index);
            }
        }
    }
}

fn accept_all(listener: &TcpListener, epoll: &Epoll, conns: &mut Vec<Option<Conn>>, free: &mut Vec<usize>) {
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) || e.raw_os_error() == Some(libc::ENFILE) => {
                eprintln!("echo: accept: {e}");
                return;
            }
            Err(_) => continue,
        };
        if stream.set_nonblocking(true).is_err() || stream.set_nodelay(true).is_err() {
            continue;
        }
        let index = free.pop().unwrap_or_else(|| {
            conns.push(None);
            conns.len() - 1
        });
        if epoll.add(&stream, index as u64).is_err() {
            eprintln!("echo: epoll_ctl failed for fd {}", stream.as_raw_fd());
            free.push(index);
            continue;
        }
        conns[index] = Some(Conn { stream, pending: Vec::new(), pending_from: 0, ended: false });
    }
}
