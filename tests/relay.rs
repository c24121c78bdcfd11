//! End-to-end tests of the real `bareio-relay` binary (relay/).
//!
//! The binary comes from `BAREIO_RELAY` (a command line, e.g. `qemu-mips
//! /path/bareio-relay`, which scripts/cross-test sets for each target) or,
//! by default, from `scripts/build-relay` for this machine. Every wait is
//! bounded by [`LIMIT`] and fails the test when it runs out; none is a
//! sleep standing in for synchronization.

#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Barrier, OnceLock};
use std::thread;
use std::time::Duration;

use bareio::sys::{kill, SIGINT, SIGTERM};

/// Bound on every wait: generous for qemu-user, short enough to fail.
const LIMIT: Duration = Duration::from_secs(120);

/// The command that runs the relay.
fn relay_command() -> &'static [String] {
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
fn under_qemu() -> bool {
    relay_command()[0].contains("qemu-")
}

/// A running relay, killed when dropped.
struct Relay {
    /// `None` once [`Relay::stop_with`] has reaped it.
    child: Option<Child>,
    addr: SocketAddr,
    /// Its stderr, line by line.
    log: Receiver<String>,
    /// The "listening on …" line it started with.
    banner: String,
}

impl Relay {
    /// Starts the relay on an ephemeral port of `listen`'s IP.
    fn start(listen: &str, upstream: SocketAddr, extra: &[&str]) -> Relay {
        let (program, prefix) = relay_command().split_first().unwrap();
        let mut child = Command::new(program)
            .args(prefix)
            .arg(listen)
            .arg(upstream.to_string())
            .args(extra)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the relay");
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
    fn expect_log(&self, needle: &str) -> String {
        loop {
            match self.log.recv_timeout(LIMIT) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(e) => panic!("no log line with {needle:?}: {e}"),
            }
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connect to the relay");
        stream.set_read_timeout(Some(LIMIT)).unwrap();
        stream.set_write_timeout(Some(LIMIT)).unwrap();
        stream
    }

    /// Whether the process is still running.
    fn is_running(&mut self) -> bool {
        self.child.as_mut().unwrap().try_wait().unwrap().is_none()
    }

    /// Sends `signal`, waits (bounded) for the exit, and returns the exit
    /// status and the log lines not yet read.
    fn stop_with(mut self, signal: i32) -> (ExitStatus, Vec<String>) {
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
fn parse_logged_addr(text: &str) -> SocketAddr {
    text.parse().unwrap_or_else(|_| panic!("bad address in the log: {text}"))
}

/// An upstream that echoes every connection, half-closing after the
/// client's end of input. Each connection's byte count (or error) is
/// reported on the receiver when it ends.
fn echo_upstream() -> (SocketAddr, Receiver<std::io::Result<u64>>) {
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
fn dead_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
    // dropped: connections are refused from here on
}

/// Deterministic pseudo-random bytes (xorshift), distinct per `seed`.
fn payload(seed: u64, len: usize) -> Vec<u8> {
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
fn round_trip(stream: TcpStream, data: &[u8]) -> Vec<u8> {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = stream;
    thread::scope(|s| {
        s.spawn(|| {
            writer.write_all(data).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
        });
        let mut back = Vec::with_capacity(data.len());
        reader.read_to_end(&mut back).unwrap();
        back
    })
}

/// Reads until end of file or a reset: the relay closed this connection.
fn expect_closed(mut stream: TcpStream) {
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

#[test]
fn two_hundred_concurrent_connections_echo_distinct_payloads_intact() {
    const CONNECTIONS: usize = 200;
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &[]);
    let all_connected = Barrier::new(CONNECTIONS);
    let streams: Vec<TcpStream> = (0..CONNECTIONS).map(|_| relay.connect()).collect();
    thread::scope(|s| {
        for (i, stream) in streams.into_iter().enumerate() {
            let all_connected = &all_connected;
            s.spawn(move || {
                // Sizes from 1 byte to ~128 KiB, all different.
                let data = payload(i as u64, 1 + (i * 641) % 131_072);
                all_connected.wait(); // all 200 are open at once
                let back = round_trip(stream, &data);
                assert_eq!(back.len(), data.len(), "connection {i}: length");
                assert!(back == data, "connection {i}: bytes differ");
            });
        }
    });
}

#[test]
fn a_large_transfer_arrives_intact_both_ways() {
    let (upstream, echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &[]);
    let data = payload(7, 8 << 20);
    assert!(round_trip(relay.connect(), &data) == data);
    assert_eq!(echoed.recv_timeout(LIMIT).unwrap().unwrap(), data.len() as u64);
}

#[test]
fn unreachable_upstream_closes_the_client_logs_and_keeps_serving() {
    let relay = Relay::start("127.0.0.1:0", dead_port(), &[]);
    for _ in 0..3 {
        expect_closed(relay.connect());
        let line = relay.expect_log("unreachable: ");
        // qemu-user 7.2 hands the guest the host's SO_ERROR value
        // untranslated (on mips "errno 111", where ECONNREFUSED is 146), so
        // the name is checked only when the relay runs natively.
        if !under_qemu() {
            assert!(line.contains("ECONNREFUSED"), "{line}");
        }
    }
    let (status, _) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(0));
}

#[test]
fn client_leaving_mid_stream_ends_only_its_connection() {
    let (upstream, echoed) = echo_upstream();
    let mut relay = Relay::start("127.0.0.1:0", upstream, &[]);
    {
        let mut stream = relay.connect();
        // Far more than the socket buffers hold, never read back: the
        // relay's writes to this client fail once it is gone.
        let data = payload(1, 4 << 20);
        let _ = stream.write_all(&data[..1 << 20]);
        // Dropped with unread data: the kernel sends a reset.
    }
    // The relay closed the upstream side too: the echo ends (reset or EOF).
    let _ = echoed.recv_timeout(LIMIT).expect("upstream connection never ended");
    assert!(relay.is_running());
    let data = payload(2, 100_000);
    assert!(round_trip(relay.connect(), &data) == data, "the relay still serves");
}

#[test]
fn upstream_leaving_mid_stream_delivers_what_it_sent_then_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    let sent = payload(3, 300_000);
    let to_send = sent.clone();
    let server = thread::spawn(move || {
        // First connection: half the data, then a plain close.
        let (mut a, _) = listener.accept().unwrap();
        a.write_all(&to_send).unwrap();
        drop(a);
        // Second: a reset (SO_LINGER 0) while the client still sends.
        let (b, _) = listener.accept().unwrap();
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: setsockopt reads one `linger` from the pointer given.
        let rc = unsafe {
            libc::setsockopt(
                std::os::fd::AsRawFd::as_raw_fd(&b),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0);
        drop(b);
    });
    let relay = Relay::start("127.0.0.1:0", upstream, &[]);

    let mut client = relay.connect();
    let mut got = Vec::new();
    client.read_to_end(&mut got).unwrap();
    assert!(got == sent, "everything sent before the close arrives, then EOF");

    let mut client = relay.connect();
    let _ = client.write_all(b"hello");
    expect_closed(client);
    server.join().unwrap();
    let (status, _) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(0));
}

#[test]
fn clients_beyond_capacity_are_refused_cleanly_and_served_once_a_slot_frees() {
    let (upstream, echoed) = echo_upstream();
    let mut relay = Relay::start("127.0.0.1:0", upstream, &["--max", "4"]);
    assert!(relay.banner.contains("at most 4 connections"), "{}", relay.banner);
    // Four open connections, each proven relayed.
    let mut open: Vec<TcpStream> = (0..4)
        .map(|i| {
            let mut stream = relay.connect();
            stream.write_all(&[i]).unwrap();
            let mut b = [0u8];
            stream.read_exact(&mut b).unwrap();
            assert_eq!(b[0], i);
            stream
        })
        .collect();
    // The fifth is accepted and closed at once.
    expect_closed(relay.connect());
    relay.expect_log("refused a connection: all 4 slots busy");
    assert!(relay.is_running());

    // Free a slot: end both directions. The relay passes the client's end
    // to the upstream, the echo ends, and the relay passes that end back
    // and frees the slot in the same turn, before it accepts again: once
    // this client reads end of file, the slot is free.
    let leaving = open.pop().unwrap();
    leaving.shutdown(Shutdown::Write).unwrap();
    expect_closed(leaving);
    echoed.recv_timeout(LIMIT).unwrap().unwrap();
    let data = payload(9, 50_000);
    assert!(round_trip(relay.connect(), &data) == data, "the freed slot is reused");
    drop(open);
}

#[test]
fn sigterm_with_active_connections_closes_them_and_exits_zero() {
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &[]);
    let clients: Vec<TcpStream> = (0..3u8)
        .map(|i| {
            let mut stream = relay.connect();
            stream.write_all(&[i]).unwrap();
            let mut b = [0u8];
            stream.read_exact(&mut b).unwrap();
            stream
        })
        .collect();
    let (status, log) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(0), "graceful exit");
    assert!(log.iter().any(|l| l.contains("SIGTERM: closed 3 active connections")), "{log:?}");
    for client in clients {
        expect_closed(client);
    }
}

/// Started with stdin and stderr closed (`relay <&- 2>&-`), the relay must
/// not let its signalfd or sockets take fds 0 and 2 (its log lines would
/// go to a peer): `rt` opens /dev/null on them before `main`.
#[test]
fn closed_stdio_is_reopened_on_dev_null_before_main() {
    if under_qemu() {
        // qemu-user's own files take the closed numbers before the guest runs.
        eprintln!("skipped under qemu-user: run natively and on real kernels (scripts/kernel-test)");
        return;
    }
    use std::os::unix::process::CommandExt;
    let (program, prefix) = relay_command().split_first().unwrap();
    let mut command = Command::new(program);
    command.args(prefix).args(["127.0.0.1:0", &dead_port().to_string()]).stdout(Stdio::piped());
    // SAFETY: close(2) is async-signal-safe; the child then execs.
    unsafe {
        command.pre_exec(|| {
            libc::close(0);
            libc::close(2);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    // The relay is up once its listening socket shows in /proc.
    let fd_target = |fd: u32| std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok();
    let deadline = std::time::Instant::now() + LIMIT;
    while !(0..32).any(|fd| fd_target(fd).is_some_and(|t| t.to_string_lossy().starts_with("socket:"))) {
        assert!(std::time::Instant::now() < deadline, "the relay never opened its listener");
        thread::yield_now();
    }
    let seen: Vec<_> = [0, 2].iter().map(|&fd| fd_target(fd)).collect();
    kill(pid as i32, SIGTERM).unwrap();
    let _ = child.wait();
    for (fd, target) in [0, 2].iter().zip(seen) {
        assert_eq!(target.as_deref(), Some(std::path::Path::new("/dev/null")), "fd {fd} of the relay");
    }
}

#[test]
fn sigint_exits_zero() {
    let relay = Relay::start("127.0.0.1:0", dead_port(), &[]);
    let (status, log) = relay.stop_with(SIGINT);
    assert_eq!(status.code(), Some(0));
    assert!(log.iter().any(|l| l.contains("SIGINT: closed 0 active connections")), "{log:?}");
}

#[test]
fn bad_arguments_print_the_usage_and_exit_2() {
    let (program, prefix) = relay_command().split_first().unwrap();
    let cases: &[&[&str]] = &[
        &[],
        &["127.0.0.1:8000"],
        &["127.0.0.1:8000", "localhost:9000"],
        &["127.0.0.1", "127.0.0.1:9000"],
        &["127.0.0.1:8000", "127.0.0.1:99999"],
        &["256.0.0.1:8000", "127.0.0.1:9000"],
        &["[::1:8000", "127.0.0.1:9000"],
        &["[1:2:3:4:5:6:7:8:9]:80", "127.0.0.1:9000"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--max"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--max", "0"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--max", "257"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--verbose"],
    ];
    for args in cases {
        let out = Command::new(program).args(prefix).args(*args).stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("usage: bareio-relay LISTEN UPSTREAM"), "{args:?}: {stderr}");
    }
}

#[test]
fn ipv6_listen_and_upstream() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    };
    let upstream = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = stream.try_clone().unwrap();
        std::io::copy(&mut reader, &mut stream).unwrap();
    });
    let relay = Relay::start("[::1]:0", upstream, &[]);
    assert!(relay.addr.is_ipv6());
    let data = payload(6, 10_000);
    assert!(round_trip(relay.connect(), &data) == data);
}
