//! End-to-end tests of the real `bareio-relay` binary (relay/), driven
//! through tests/support/relay.rs (where the binary comes from, and how
//! every wait is bounded without sleeping). tests/relay_scale.rs has the
//! tests of scale: connections, workers, the pipe pool.

#![cfg(target_os = "linux")]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use bareio::sys::{kill, SIGINT, SIGTERM};

mod support;

use support::relay::*;

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

    drop(client); // the first connection ends both ways
    let mut client = relay.connect();
    let _ = client.write_all(b"hello");
    expect_closed(client);
    server.join().unwrap();
    let (status, _) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(0));
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

/// The IPv6 form of the log lines, with groups of one to four hex digits:
/// a relay listening on an IPv4-mapped address (`::ffff:127.0.0.1`, which
/// an IPv6 socket may bind where `bindv6only` is 0, the default) logs it
/// as eight groups, and serves on it.
#[test]
fn ipv6_addresses_are_logged_in_eight_hex_groups() {
    if TcpListener::bind("[::ffff:127.0.0.1]:0").is_err() {
        eprintln!("skipped: this machine binds no IPv4-mapped IPv6 address");
        return;
    }
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start("[::ffff:7f00:1]:0", upstream, &[]);
    let port = relay.addr.port();
    assert!(
        relay.banner.contains(&format!("listening on [0:0:0:0:0:ffff:7f00:1]:{port}, ")),
        "banner: {}",
        relay.banner
    );
    let data = payload(7, 10_000);
    assert!(round_trip(relay.connect(), &data) == data);
}

// ---- Issue 15: the relay an operator can put in front of clients -------

/// Starts a relay, proves one echo through it, and returns both.
fn echoing_relay(extra: &[&str]) -> (Relay, Receiver<std::io::Result<u64>>) {
    let (upstream, echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, extra);
    let mut stream = relay.connect();
    stream.write_all(b"ping").unwrap();
    let mut back = [0u8; 4];
    stream.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"ping");
    drop(stream);
    // Closed (the echo passes the end back): the relay holds nothing now.
    relay.expect_log("closed after");
    (relay, echoed)
}

/// The relay's CPU time so far (user + system), from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap().split_whitespace().collect();
    // After the command: state(0) … utime(11) stime(12), in clock ticks.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / hz)
}

/// Sets a resource limit in a child before it execs the relay.
fn limit_in_child(command: &mut Command, resource: libc::__rlimit_resource_t, value: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; the child then execs.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
            if libc::setrlimit(resource, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

/// Reads from `stream` until the relay closes it; returns how long that
/// took. Fails past `guard`.
fn time_until_closed(mut stream: TcpStream, guard: Duration) -> Duration {
    stream.set_read_timeout(Some(guard)).unwrap();
    let start = std::time::Instant::now();
    let mut buf = [0u8; 64];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return start.elapsed(),
            Err(e) => panic!("the relay did not close the connection within {guard:?}: {e}"),
        }
    }
}

/// (With a connect timeout far longer than the idle one: the connect's
/// completion brings the deadline closer, and the relay must look again.)
#[test]
fn idle_connections_are_closed_by_the_idle_timeout_and_free_their_slots() {
    let (relay, _echoed) =
        echoing_relay(&["--max", "2", "--idle-timeout", "1", "--connect-timeout", "99999"]);
    // Two silent clients take both slots...
    let start = std::time::Instant::now();
    let silent: Vec<TcpStream> = (0..2).map(|_| relay.connect()).collect();
    for stream in silent {
        time_until_closed(stream, LIMIT);
    }
    assert!(start.elapsed() >= Duration::from_millis(900), "closed too early, after {:?}", start.elapsed());
    relay.expect_log("idle timeout");
    // ...and, once the timeout freed them, a third is served.
    let data = payload(15, 10_000);
    assert!(round_trip(relay.connect(), &data) == data);
}

/// An upstream that never answers: a listener whose accept queue is full
/// (backlog 0, one connection queued), so the kernel drops the relay's SYNs.
/// `0` disables a timeout: a deadline that never comes, not one that has
/// passed (which would close the connection at once) nor a wait that
/// overflows (a busy loop). An idle, half-closed connection survives a
/// second with every timeout off, and the relay sleeps meanwhile.
#[test]
fn timeouts_of_0_never_fire() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    let (done, finished) = mpsc::channel::<()>();
    let holder = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink); // the client's end arrives...
        let _ = finished.recv_timeout(LIMIT); // ...and this side ends when the test is done
    });
    let off = ["--connect-timeout", "0", "--idle-timeout", "0", "--fin-timeout", "0"];
    let relay = Relay::start("127.0.0.1:0", upstream, &off);
    let pid = relay.child.as_ref().unwrap().id();
    let mut stream = relay.connect();
    stream.shutdown(Shutdown::Write).unwrap(); // half-closed, and idle
    let before = cpu_time(pid);
    thread::sleep(Duration::from_secs(1));
    assert!(cpu_time(pid) - before < Duration::from_millis(100), "the relay spins with timeouts off");
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let err = stream.read(&mut [0u8; 1]).expect_err("the connection was closed");
    assert!(matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{err}");
    done.send(()).unwrap();
    holder.join().unwrap();
}

#[test]
fn a_black_holed_upstream_hits_the_connect_timeout() {
    let listener = bareio::sys::socket(
        bareio::sys::AddressFamily::INET,
        bareio::sys::SocketType::STREAM,
        bareio::sys::SocketFlags::CLOEXEC,
        0,
    )
    .unwrap();
    bareio::sys::bind(&listener, &"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()).unwrap();
    bareio::sys::listen(&listener, 0).unwrap();
    let upstream = bareio::sys::getsockname(&listener).unwrap().unwrap();
    let _queued = TcpStream::connect(upstream).unwrap(); // fills the queue; never accepted
    let relay = Relay::start("127.0.0.1:0", upstream, &["--connect-timeout", "1"]);
    let waited = time_until_closed(relay.connect(), LIMIT);
    assert!(waited >= Duration::from_millis(500), "closed after {waited:?}: the connect did not hang");
    let line = relay.expect_log("closed after");
    assert!(line.contains("connect timeout"), "{line}");
    drop(listener);
}

/// A client that half-closes while the upstream keeps its side open (and
/// never answers) is closed by the half-closed timeout. The half-close
/// comes in a turn of its own, after a byte has gone through (the other
/// deadlines far off): it brings the deadline closer, and the relay must
/// look again.
#[test]
fn a_half_closed_connection_is_closed_by_the_fin_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    let (arrived, first_byte) = mpsc::channel::<()>();
    let holder = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.read_exact(&mut [0u8; 1]).unwrap();
        arrived.send(()).unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink); // the client's end arrives...
        thread::sleep(Duration::from_secs(30)); // ...and this side never ends (bounded)
    });
    let relay = Relay::start(
        "127.0.0.1:0",
        upstream,
        &["--fin-timeout", "1", "--idle-timeout", "99999", "--connect-timeout", "99999"],
    );
    let mut stream = relay.connect();
    stream.write_all(b"x").unwrap();
    first_byte.recv_timeout(LIMIT).expect("the first byte never arrived");
    stream.shutdown(Shutdown::Write).unwrap();
    let waited = time_until_closed(stream, LIMIT);
    assert!(waited >= Duration::from_millis(500), "closed after {waited:?}");
    let line = relay.expect_log("closed after");
    assert!(line.contains("half-closed timeout"), "{line}");
    drop(holder);
}

/// The half-closed timeout counts from the last byte moved, not from the
/// half-close: a client that sends its request and half-closes, then
/// downloads for longer than the timeout, is not cut while bytes flow
/// (haproxy's `timeout client-fin` is an inactivity timeout too). Here the
/// upstream answers a byte every 100 ms for 3 s against a 2 s timeout; a
/// gap of 2 s between two of them would be needed to fail it wrongly.
#[test]
fn a_half_closed_connection_moving_bytes_outlives_the_fin_timeout() {
    const BYTES: usize = 30;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        stream.read_to_end(&mut request).unwrap(); // the client's end arrives...
        for i in 0..BYTES {
            thread::sleep(Duration::from_millis(100)); // ...and the answer trickles
            if stream.write_all(&[i as u8]).is_err() {
                return i; // cut
            }
        }
        stream.shutdown(Shutdown::Write).unwrap();
        BYTES
    });
    let relay = Relay::start(
        "127.0.0.1:0",
        upstream,
        &["--fin-timeout", "2", "--idle-timeout", "99999", "--connect-timeout", "99999"],
    );
    let mut stream = relay.connect();
    stream.write_all(b"request").unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let written = server.join().unwrap();
    assert!(
        read.is_ok() && answer.len() == BYTES,
        "{read:?}: {} of {BYTES} bytes ({written} written)",
        answer.len()
    );
    assert_eq!(answer, (0..BYTES as u8).collect::<Vec<_>>());
    let line = relay.expect_log("closed after");
    assert!(!line.contains("timeout"), "{line}");
}

/// A request written in two small writes is answered at once: the relay
/// sets TCP_NODELAY on both sockets (without it, Nagle holds the second
/// write until the peer's delayed ACK: about 40 ms).
#[test]
fn two_write_requests_are_answered_without_waiting_on_nagle() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    // An upstream that answers a 20-byte request with a 20-byte response,
    // in two writes as well.
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_nodelay(true).unwrap();
        let mut request = [0u8; 20];
        while stream.read_exact(&mut request).is_ok() {
            stream.write_all(&request[..10]).unwrap();
            stream.write_all(&request[10..]).unwrap();
        }
    });
    let relay = Relay::start("127.0.0.1:0", upstream, &["--quiet"]);
    let mut stream = relay.connect();
    stream.set_nodelay(true).unwrap();
    let mut times = Vec::new();
    for i in 0..21u8 {
        let start = std::time::Instant::now();
        stream.write_all(&[i; 10]).unwrap();
        stream.write_all(&[i; 10]).unwrap();
        let mut response = [0u8; 20];
        stream.read_exact(&mut response).unwrap();
        times.push(start.elapsed());
        assert_eq!(response, [i; 20]);
    }
    times.sort();
    let median = times[times.len() / 2];
    // qemu-user emulates the relay's every instruction: a looser bound,
    // still far below the 40 ms of a delayed ACK.
    let bound = if under_qemu() { Duration::from_millis(20) } else { Duration::from_millis(5) };
    assert!(median < bound, "median round trip {median:?} (bound {bound:?}): Nagle?");
}

/// Out of file descriptors, `accept` fails with EMFILE and the pending
/// connection stays queued: a level-triggered listener would report it
/// again at once. The relay pauses instead (and sheds one client with its
/// reserve fd). The EMFILE is injected with seccomp, in the relay only.
#[test]
fn accept_emfile_does_not_spin() {
    if let Some(errno) = support::faults::unavailable() {
        eprintln!("skipped: seccomp filters cannot be installed here ({errno})");
        return;
    }
    let (upstream, _echoed) = echo_upstream();
    let faults =
        support::faults::Faults::new().fail(bareio::arch::current::SYS_ACCEPT4, bareio::Errno::EMFILE);
    let relay = Relay::start_with("127.0.0.1:0", upstream, &["--quiet"], |command| {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl and seccomp are async-signal-safe syscalls; the
        // program is built before the fork; the child then execs.
        unsafe {
            command
                .pre_exec(move || faults.install().map_err(|e| std::io::Error::from_raw_os_error(e.raw())));
        }
    });
    let pid = relay.child.as_ref().unwrap().id();
    // A client waits in the backlog: every accept answers EMFILE.
    let _waiting = TcpStream::connect(relay.addr).unwrap();
    let first = relay.expect_log("accept: EMFILE");
    let before = cpu_time(pid);
    let start = std::time::Instant::now();
    let mut lines = 1;
    while start.elapsed() < Duration::from_secs(2) {
        if relay.log.recv_timeout(Duration::from_millis(100)).is_ok() {
            lines += 1;
        }
    }
    let used = cpu_time(pid) - before;
    let elapsed = start.elapsed();
    assert!(used < elapsed / 10, "{used:?} of CPU in {elapsed:?}: the accept loop spins ({first})");
    assert!(lines < 60, "{lines} log lines in {elapsed:?}");
}

#[test]
fn an_open_file_limit_too_low_for_one_connection_exits_1_with_a_message() {
    let (program, prefix) = relay_command().split_first().unwrap();
    let mut command = Command::new(program);
    command.args(prefix).args(["127.0.0.1:0", "127.0.0.1:9"]).stdin(Stdio::null());
    limit_in_child(&mut command, libc::RLIMIT_NOFILE, 20);
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("room for no connection"), "{stderr}");
}

/// Standard error is a pipe nobody reads: once it is full, log lines are
/// dropped (and counted), and established connections keep moving.
#[test]
fn an_unread_stderr_pipe_does_not_stop_an_established_echo() {
    let (upstream, _echoed) = echo_upstream();
    let (program, prefix) = relay_command().split_first().unwrap();
    let (stderr_read, stderr_write) = bareio::sys::pipe2(bareio::sys::PipeFlags::CLOEXEC).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // The relay binds it again (SO_REUSEADDR).
    drop(listener);
    let raw = bareio::fd::IntoRawFd::into_raw_fd(stderr_write);
    // SAFETY: the raw fd comes from `into_raw_fd`: owned by nobody else.
    let stderr = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) };
    let mut child = Command::new(program)
        .args(prefix)
        .args([addr.to_string(), upstream.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::from(stderr))
        .spawn()
        .unwrap();
    let connect = || loop {
        match TcpStream::connect(addr) {
            Ok(stream) => return stream,
            Err(_) => thread::yield_now(), // not listening yet
        }
    };
    let mut established = connect();
    established.set_read_timeout(Some(LIMIT)).unwrap();
    // Each short connection writes two log lines: far more than a pipe
    // (64 KiB) holds once 2,000 have come and gone.
    for _ in 0..2000 {
        drop(connect());
    }
    for i in 0..10u8 {
        established.write_all(&[i; 100]).unwrap();
        let mut back = [0u8; 100];
        established.read_exact(&mut back).expect("the echo stopped: the relay is stuck writing its log");
        assert_eq!(back, [i; 100]);
    }
    let _ = child.kill();
    let _ = child.wait();
    drop(stderr_read);
}

/// All state is static: the relay starts and relays with a 256 KiB stack.
#[test]
fn a_256_kib_stack_is_enough() {
    if under_qemu() {
        eprintln!("skipped under qemu-user: the limit would apply to qemu itself");
        return;
    }
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start_with("127.0.0.1:0", upstream, &[], |command| {
        limit_in_child(command, libc::RLIMIT_STACK, 256 * 1024)
    });
    let data = payload(16, 300_000);
    assert!(round_trip(relay.connect(), &data) == data);
}

/// A machine with little memory (here: an address-space limit of 40 MiB):
/// the copy buffers are mapped for `--max` at start, not reserved for the
/// largest `--max` in `.bss` (512 MiB on 64-bit, 64 MiB on 32-bit, which
/// `execve` could not even load), so a small `--max` starts and relays, and
/// a `--max` whose buffers do not fit exits 1 saying so.
#[test]
fn the_buffers_follow_max_on_a_machine_with_little_memory() {
    if under_qemu() {
        eprintln!("skipped under qemu-user: the limit would apply to qemu itself");
        return;
    }
    const LIMIT_AS: u64 = 40 << 20;
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start_with("127.0.0.1:0", upstream, &["--max", "64"], |command| {
        limit_in_child(command, libc::RLIMIT_AS, LIMIT_AS)
    });
    let data = payload(17, 300_000);
    assert!(round_trip(relay.connect(), &data) == data);

    // 1024 connections' buffers are 64 MiB (all 1024 fit under the usual
    // hard fd limit of 4096).
    let (program, prefix) = relay_command().split_first().unwrap();
    let mut command = Command::new(program);
    command
        .args(prefix)
        .args(["127.0.0.1:0", "127.0.0.1:9", "--max", "1024"])
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    limit_in_child(&mut command, libc::RLIMIT_AS, LIMIT_AS);
    let mut child = command.spawn().unwrap();
    let (tx, rx) = mpsc::channel();
    let mut stderr = child.stderr.take().unwrap();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    let Ok(stderr) = rx.recv_timeout(LIMIT) else {
        let _ = child.kill();
        panic!("a relay whose buffers do not fit under the limit did not exit");
    };
    assert_eq!(child.wait().unwrap().code(), Some(1), "{stderr}");
    assert!(stderr.contains("mmap of the buffers: ENOMEM"), "{stderr}");
}

#[test]
fn sighup_logs_the_counters_and_the_relay_serves_on() {
    let (relay, _echoed) = echoing_relay(&[]);
    kill(relay.child.as_ref().unwrap().id() as i32, libc::SIGHUP).unwrap();
    let line = relay.expect_log("SIGHUP: ");
    assert!(line.contains("1 accepted"), "{line}");
    let data = payload(17, 1000);
    assert!(round_trip(relay.connect(), &data) == data, "still serving");
}

/// SIGTERM mid-transfer: the relay stops accepting, the open transfer
/// finishes intact, then the relay exits 0.
#[test]
fn sigterm_drains_a_connection_mid_transfer_intact() {
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &[]);
    let pid = relay.child.as_ref().unwrap().id() as i32;
    let addr = relay.addr;
    let data = payload(18, 8 << 20);
    let mut writer = relay.connect();
    let mut reader = writer.try_clone().unwrap();
    let (first_tx, first_rx) = mpsc::channel();
    let back = thread::scope(|s| {
        let data = &data;
        s.spawn(move || {
            writer.write_all(&data[..1 << 20]).unwrap();
            first_rx.recv().unwrap(); // the signal has been sent
            writer.write_all(&data[1 << 20..]).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
        });
        let mut back = vec![0u8; 1 << 20];
        reader.read_exact(&mut back).unwrap(); // mid-transfer now
        kill(pid, SIGTERM).unwrap();
        relay.expect_log("SIGTERM: stopped accepting, draining 1 connections");
        assert!(TcpStream::connect(addr).is_err(), "a new client was accepted during the drain");
        first_tx.send(()).unwrap();
        reader.read_to_end(&mut back).unwrap();
        back
    });
    assert!(back == data, "the drained transfer lost or changed bytes");
    let (status, log) = relay.stop_with(0); // signal 0: it exits by itself
    assert_eq!(status.code(), Some(0), "{log:?}");
    assert!(log.iter().any(|l| l.contains("exiting: 0 open")), "{log:?}");
}

/// A second signal during the drain closes everything at once: exit 1.
#[test]
fn a_second_signal_cuts_the_drain_short_with_status_1() {
    let (relay, _echoed) = echoing_relay(&[]);
    let idle: Vec<TcpStream> = (0..2).map(|_| relay.connect()).collect();
    relay.expect_log("accepted");
    let pid = relay.child.as_ref().unwrap().id() as i32;
    kill(pid, SIGTERM).unwrap();
    relay.expect_log("draining 2 connections");
    let (status, log) = relay.stop_with(SIGINT);
    assert_eq!(status.code(), Some(1), "{log:?}");
    assert!(log.iter().any(|l| l.contains("SIGINT again")), "{log:?}");
    assert_eq!(log.iter().filter(|l| l.contains("cut by the shutdown")).count(), 2, "{log:?}");
    for stream in idle {
        expect_closed(stream);
    }
}

#[test]
fn the_drain_timeout_cuts_idle_connections_with_status_1() {
    let (relay, _echoed) = echoing_relay(&["--drain-timeout", "1"]);
    let idle = relay.connect();
    relay.expect_log("accepted");
    let (status, log) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(1), "{log:?}");
    assert!(log.iter().any(|l| l.contains("cut by the shutdown")), "{log:?}");
    expect_closed(idle);
}

#[test]
fn sigint_with_no_connection_exits_0() {
    let relay = Relay::start("127.0.0.1:0", dead_port(), &[]);
    let (status, log) = relay.stop_with(SIGINT);
    assert_eq!(status.code(), Some(0));
    assert!(log.iter().any(|l| l.contains("SIGINT: stopped accepting, draining 0 connections")), "{log:?}");
}

/// At capacity the relay stops accepting: the next client waits in the
/// kernel's backlog (its connect succeeds) and is served once a slot frees,
/// instead of being accepted and closed.
#[test]
fn at_capacity_clients_wait_in_the_backlog_until_a_slot_frees() {
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--max", "1"]);
    assert!(relay.banner.contains("at most 1 connections"), "{}", relay.banner);
    let mut first = relay.connect();
    first.write_all(b"a").unwrap();
    first.read_exact(&mut [0u8; 1]).unwrap();
    let mut second = relay.connect(); // in the backlog
    second.write_all(b"b").unwrap();
    drop(first);
    let mut back = [0u8; 1];
    second.read_exact(&mut back).expect("the waiting client was never served");
    assert_eq!(&back, b"b");
    second.shutdown(Shutdown::Write).unwrap();
    expect_closed(second);
    let (status, log) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(0), "{log:?}");
    assert!(!log.iter().any(|l| l.contains("refused")), "{log:?}");
}

/// The client's address on accept; one line per closed connection with
/// the bytes each way, the duration and why; `--quiet` keeps only errors.
#[test]
fn log_lines_name_the_client_the_bytes_the_duration_and_the_reason() {
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &[]);
    let stream = relay.connect();
    let local = stream.local_addr().unwrap();
    let data = payload(19, 1234);
    assert!(round_trip(stream, &data) == data);
    let accepted = relay.expect_log("accepted");
    assert!(accepted.contains(&local.to_string()), "{accepted}");
    let closed = relay.expect_log("closed after");
    assert!(closed.contains(&local.to_string()), "{closed}");
    assert!(closed.contains("1234 B from the client, 1234 B from the upstream: eof"), "{closed}");
    assert!(closed.contains(" s, "), "a duration: {closed}");

    let quiet = Relay::start("127.0.0.1:0", upstream, &["--quiet"]);
    let data = payload(20, 100);
    assert!(round_trip(quiet.connect(), &data) == data);
    let unreachable = Relay::start("127.0.0.1:0", dead_port(), &["--quiet"]);
    expect_closed(unreachable.connect());
    unreachable.expect_log("unreachable");
    let (_, log) = quiet.stop_with(SIGTERM);
    assert!(!log.iter().any(|l| l.ends_with(": accepted") || l.contains("closed after")), "--quiet: {log:?}");
}

/// Urgent data on the splice path: every in-band byte reaches the upstream
/// (the urgent byte itself is not part of the stream, as with std and Go).
#[test]
fn urgent_data_through_the_relay_loses_no_in_band_byte() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    let received = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        got
    });
    let relay = Relay::start("127.0.0.1:0", upstream, &["--quiet"]);
    let stream = relay.connect();
    let head = payload(21, 300_000);
    let tail = payload(22, 100_000);
    let mut writer = stream.try_clone().unwrap();
    writer.write_all(&head).unwrap();
    // SAFETY: sends one byte from a valid buffer on an open socket.
    let sent = unsafe {
        libc::send(std::os::fd::AsRawFd::as_raw_fd(&writer), b"!".as_ptr().cast(), 1, libc::MSG_OOB)
    };
    assert_eq!(sent, 1);
    writer.write_all(&tail).unwrap();
    writer.shutdown(Shutdown::Write).unwrap();
    let got = received.join().unwrap();
    assert_eq!(got.len(), head.len() + tail.len(), "in-band bytes lost");
    assert!(got == [head, tail].concat());
    drop(stream);
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
        &["127.0.0.1:8000", "127.0.0.1:9000", "--max", "8193"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--idle-timeout"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--idle-timeout", "ten"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--connect-timeout", "-1"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--fin-timeout", "100000"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--verbose"],
        &["127.0.0.1:8000", "127.0.0.1:9000", "--quiet", "extra"],
    ];
    for args in cases {
        let out = Command::new(program).args(prefix).args(*args).stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("usage: bareio-relay LISTEN UPSTREAM"), "{args:?}: {stderr}");
    }
}

#[path = "../relay/src/errno_names.rs"]
mod errno_names;

/// The relay's short table of errno names agrees with `Errno::name`, entry
/// by entry, on this architecture's values.
#[test]
fn the_relays_errno_names_are_the_librarys() {
    assert_eq!(errno_names::NAMES.split(|&b| b == b' ').count(), errno_names::NAMED.len());
    for errno in errno_names::NAMED {
        assert_eq!(errno_names::name(errno), errno.name().map(str::as_bytes), "{errno:?}");
    }
    assert_eq!(errno_names::name(bareio::Errno::from_raw(4095)), None);
}
