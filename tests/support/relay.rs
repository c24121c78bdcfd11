//! The real `bareio-relay` binary under test (tests/relay.rs,
//! tests/relay_scale.rs): started on an ephemeral port, its log read line
//! by line, and the upstreams and payloads the tests drive it with.
//!
//! The binary comes from `BAREIO_RELAY` (a command line, e.g. `qemu-mips
//! /path/bareio-relay`, which scripts/cross-test sets for each target) or,
//! by default, from `scripts/build-relay` for this machine. Every wait is
//! bounded by [`LIMIT`] and fails the test when it runs out; none is a
//! sleep standing in for synchronization.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use bareio::sys::kill;

/// Bound on every wait: generous for qemu-user, short enough to fail.
pub const LIMIT: Duration = Duration::from_secs(120);

/// The command that runs the relay.
pub fn relay_command() -> &'static [String] {
    static COMMAND: OnceLock<Vec<String>> = OnceLock::new();
    COMMAND.get_or_init(|| {
        if let Ok(command) = std::env::var("BAREIO_RELAY") {
            return command.split_whitespace().map(String::from).collect();
        }
        let root = env!("CARGO_MANIFEST_DIR");
        let out =
            Command::new(format!("{root}/scripts/build-relay")).output().expect("run scripts/build-relay");
        assert!(out.status.success(), "build-relay failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        vec![format!("{root}/{}", stdout.lines().last().expect("build-relay printed no path"))]
    })
}

/// Whether the relay runs under qemu-user (set by scripts/cross-test).
pub fn under_qemu() -> bool {
    relay_command()[0].contains("qemu-")
}

/// A running relay, killed when dropped.
pub struct Relay {
    /// `None` once [`Relay::stop_with`] has reaped it.
    pub child: Option<Child>,
    pub addr: SocketAddr,
    /// Its stderr, line by line.
    pub log: Receiver<String>,
    /// The "listening on …" line it started with.
    pub banner: String,
}

impl Relay {
    /// Starts the relay on an ephemeral port of `listen`'s IP.
    pub fn start(listen: &str, upstream: SocketAddr, extra: &[&str]) -> Relay {
        Self::start_with(listen, upstream, extra, |_| {})
    }

    /// [`start`](Self::start), with `tweak` applied to the command first
    /// (resource limits, a seccomp filter in `pre_exec`).
    pub fn start_with(
        listen: &str,
        upstream: SocketAddr,
        extra: &[&str],
        tweak: impl FnOnce(&mut Command),
    ) -> Relay {
        let (program, prefix) = relay_command().split_first().unwrap();
        let mut command = Command::new(program);
        command.args(prefix).arg(listen).arg(upstream.to_string()).args(extra);
        command.stdin(Stdio::null()).stderr(Stdio::piped());
        tweak(&mut command);
        let mut child = command.spawn().expect("spawn the relay");
        let (tx, log) = mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("relay| {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut relay = Relay { child: Some(child), addr: upstream, log, banner: String::new() };
        relay.banner = relay.expect_log("listening on ");
        let bound = relay.banner.split("listening on ").nth(1).unwrap().split(", ").next().unwrap();
        relay.addr = parse_logged_addr(bound);
        relay
    }

    /// Waits for a log line containing `needle`, skipping others.
    pub fn expect_log(&self, needle: &str) -> String {
        loop {
            match self.log.recv_timeout(LIMIT) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(e) => panic!("no log line with {needle:?}: {e}"),
            }
        }
    }

    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connect to the relay");
        stream.set_read_timeout(Some(LIMIT)).unwrap();
        stream.set_write_timeout(Some(LIMIT)).unwrap();
        stream
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().unwrap().try_wait().unwrap().is_none()
    }

    /// Sends `signal`, waits (bounded) for the exit, and returns the exit
    /// status and the log lines not yet read.
    pub fn stop_with(mut self, signal: i32) -> (ExitStatus, Vec<String>) {
        let mut child = self.child.take().unwrap();
        kill(child.id() as i32, signal).unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || tx.send(child.wait()));
        let status = rx.recv_timeout(LIMIT).expect("relay did not exit").unwrap();
        // The reader thread ends at the end of the relay's stderr.
        let mut rest = Vec::new();
        loop {
            match self.log.recv_timeout(LIMIT) {
                Ok(line) => rest.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("relay's stderr stayed open after exit"),
            }
        }
        (status, rest)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads back `127.0.0.1:80` or `[0:0:0:0:0:0:0:1]:80` as logged.
pub fn parse_logged_addr(text: &str) -> SocketAddr {
    text.parse().unwrap_or_else(|_| panic!("bad address in the log: {text}"))
}

/// An upstream that echoes every connection, half-closing after the
/// client's end of input. Each connection's byte count (or error) is
/// reported on the receiver when it ends.
pub fn echo_upstream() -> (SocketAddr, Receiver<std::io::Result<u64>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let tx = tx.clone();
            thread::spawn(move || {
                let mut reader = stream.try_clone().unwrap();
                let result = std::io::copy(&mut reader, &mut stream);
                let _ = stream.shutdown(Shutdown::Write);
                let _ = tx.send(result);
            });
        }
    });
    (addr, rx)
}

/// A port with nothing listening on it.
pub fn dead_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
    // dropped: connections are refused from here on
}

/// Deterministic pseudo-random bytes (xorshift), distinct per `seed`.
pub fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Sends `data` through `stream` from a second thread, half-closes, and
/// returns everything read back until end of file.
pub fn round_trip(stream: TcpStream, data: &[u8]) -> Vec<u8> {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = stream;
    thread::scope(|s| {
        s.spawn(|| {
            writer.write_all(data).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
        });
        let mut back = Vec::with_capacity(data.len());
        let start = std::time::Instant::now();
        if let Err(e) = reader.read_to_end(&mut back) {
            let (got, of, after) = (back.len(), data.len(), start.elapsed());
            panic!("read back {got} of {of} bytes, then {e:?} ({e}) after {after:?}");
        }
        back
    })
}

/// Reads until end of file or a reset: the relay closed this connection.
pub fn expect_closed(mut stream: TcpStream) {
    let mut buf = [0u8; 64];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
            Err(e) => panic!("expected the relay to close the connection, got {e}"),
        }
    }
}
