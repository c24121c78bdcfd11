//! The relay at scale, through the real binary (tests/support/relay.rs):
//! 8,192 concurrent connections, the splice pipe pool at its limit,
//! `--workers`, and no file descriptor leaked over 100,000 connections.
//!
//! The scale follows the relay and the machine: the 8,192 connections are
//! the relay's capacity (1,024 on 32-bit targets, whose state is smaller)
//! or what the open-file limit leaves room for, and the 100,000
//! connections are 10,000 where the tests run under full-system emulation
//! (scripts/kernel-test: every architecture but x86), where each costs
//! hundreds of microseconds. Every wait is bounded by [`LIMIT`].

#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;

use bareio::fd::OwnedFd;
use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::sys::{self, AddressFamily, Resource, Rlimit, SocketFlags, SocketType, SIGHUP, SIGKILL, SIGTERM};
use bareio::Errno;

mod support;

use support::relay::*;

/// The relay's `CAPACITY` on this target (relay/src/options.rs).
const CAPACITY: usize = if cfg!(target_pointer_width = "64") { 8192 } else { 1024 };

/// File descriptors the relay keeps besides two per connection
/// (relay/src/relay.rs, `FDS_RESERVED`).
const RELAY_FDS_RESERVED: u64 = 12 + 2 * 64;

/// Held by the tests that open thousands of sockets in this process: one
/// at a time, they fit its open-file limit (each holds two fds per
/// connection, the client's and the upstream's).
static MANY_FDS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Raises this process's soft open-file limit to the hard one (the relay,
/// its child, inherits it and raises its own as far) and returns it.
fn raise_open_file_limit() -> u64 {
    let limit = sys::prlimit(Resource::Nofile, None).unwrap();
    sys::prlimit(Resource::Nofile, Some(&Rlimit { soft: limit.hard, hard: limit.hard })).unwrap();
    limit.hard
}

/// A nonblocking loopback listener on an ephemeral port.
fn listener() -> (OwnedFd, SocketAddr) {
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let listener = sys::socket(AddressFamily::INET, SocketType::STREAM, flags, 0).unwrap();
    sys::bind(&listener, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    sys::listen(&listener, 4096).unwrap();
    let addr = sys::getsockname(&listener).unwrap().unwrap();
    (listener, addr)
}

/// An echo upstream on one thread and one epoll instance, for thousands
/// of connections (a thread each would not do): echoes what arrives,
/// half-closes after the relay's end of input, then closes.
fn epoll_echo_upstream() -> SocketAddr {
    let (listener, addr) = listener();
    thread::spawn(move || {
        /// A connection and the bytes read but not yet written back.
        struct Echo {
            fd: OwnedFd,
            pending: Vec<u8>,
            ended: bool,
        }
        let poller = Poller::new().unwrap();
        poller.register(&listener, 0, Interest::READABLE, Mode::Level).unwrap();
        let mut conns: HashMap<u64, Echo> = HashMap::new();
        let mut next = 1u64;
        let mut events = Events::<256>::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            poller.wait(&mut events, None).unwrap();
            for event in events.iter() {
                let token = event.token();
                if token == 0 {
                    while let Ok((fd, _)) =
                        sys::accept4(&listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC)
                    {
                        poller.register(&fd, next, Interest::BOTH, Mode::Edge).unwrap();
                        conns.insert(next, Echo { fd, pending: Vec::new(), ended: false });
                        next += 1;
                    }
                    continue;
                }
                let Some(echo) = conns.get_mut(&token) else { continue };
                let mut failed = false;
                // Read to EAGAIN (edge-triggered), writing back as we go.
                while !echo.ended && echo.pending.len() < (1 << 20) {
                    match sys::read(&echo.fd, &mut buf) {
                        Ok(0) => echo.ended = true,
                        Ok(n) => echo.pending.extend_from_slice(&buf[..n]),
                        Err(Errno::EAGAIN) => break,
                        Err(_) => {
                            failed = true;
                            break;
                        }
                    }
                }
                while !echo.pending.is_empty() {
                    match sys::write(&echo.fd, &echo.pending) {
                        Ok(n) => {
                            echo.pending.drain(..n);
                        }
                        Err(Errno::EAGAIN) => break,
                        Err(_) => {
                            failed = true;
                            break;
                        }
                    }
                }
                if failed || (echo.ended && echo.pending.is_empty()) {
                    let _ = sys::shutdown(&echo.fd, sys::Shutdown::Write);
                    conns.remove(&token); // closed
                }
            }
        }
    });
    addr
}

/// The `N` of the banner's "at most N connections".
fn capacity_in(banner: &str) -> usize {
    let at_most = banner.split("at most ").nth(1).expect("no capacity in the banner");
    at_most.split(' ').next().unwrap().parse().unwrap()
}

/// The processes whose parent is `pid` (from /proc/*/stat).
fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(child) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else { continue };
        // After the command name in parentheses: state, then the ppid.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        if after.split(' ').nth(1).and_then(|p| p.parse::<u32>().ok()) == Some(pid) {
            children.push(child);
        }
    }
    children.sort();
    children
}

/// Open file descriptors of process `pid` whose link starts with `kind`
/// (`"socket:"`, `"pipe:"`; `""`: all), not counting stdio.
fn fds_of(pid: u32, kind: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter(|entry| {
            entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()).is_some_and(|fd| fd > 2)
        })
        .filter(|entry| {
            std::fs::read_link(entry.path()).is_ok_and(|link| link.to_string_lossy().starts_with(kind))
        })
        .count()
}

/// A connection to `addr` with bounded reads and writes.
fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    stream.set_write_timeout(Some(LIMIT)).unwrap();
    stream
}

/// Sends `data` and reads back exactly as many bytes: the echo.
fn echo_once(stream: &mut TcpStream, data: &[u8]) {
    stream.write_all(data).unwrap();
    let mut back = vec![0u8; data.len()];
    stream.read_exact(&mut back).unwrap();
    assert!(back == data, "the echo differs");
}

/// Waits for the relay's counters (SIGHUP) to report `open` connections
/// open; returns the line.
fn counters(relay: &Relay, pid: u32) -> String {
    sys::kill(pid as i32, SIGHUP).unwrap();
    relay.expect_log("SIGHUP: ")
}

#[test]
fn capacity_many_concurrent_connections_echo_intact() {
    let _one_at_a_time = MANY_FDS.lock().unwrap_or_else(|e| e.into_inner());
    let hard = raise_open_file_limit();
    let upstream = epoll_echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--quiet"]);
    let pid = relay.child.as_ref().unwrap().id();
    let capacity = capacity_in(&relay.banner);
    let fit = (hard.saturating_sub(RELAY_FDS_RESERVED) / 2) as usize;
    assert_eq!(capacity, CAPACITY.min(fit), "the relay's capacity ({hard} fds)");
    // This process holds a client and an upstream socket per connection.
    let connections = capacity.min((hard.saturating_sub(64) / 2) as usize);
    if connections < CAPACITY {
        eprintln!("{connections} connections, not {CAPACITY}: the open-file limit is {hard}");
    }
    let mut streams: Vec<TcpStream> = (0..connections).map(|_| relay.connect()).collect();
    for (i, stream) in streams.iter_mut().enumerate() {
        stream.write_all(&payload(i as u64, 100)).unwrap();
    }
    for (i, stream) in streams.iter_mut().enumerate() {
        let mut back = [0u8; 100];
        stream.read_exact(&mut back).unwrap();
        assert!(back[..] == payload(i as u64, 100)[..], "connection {i}: the echo differs");
    }
    let line = counters(&relay, pid);
    assert!(line.contains(&format!(": {connections} open, {connections} accepted")), "{line}");
    for (i, stream) in streams.iter_mut().enumerate().step_by(7) {
        echo_once(stream, &payload((i as u64 + 1) << 32, 33));
    }
    drop(streams);
}

/// Several connections, each alternating bulk (spliced: reads that fill
/// the copy buffer) and request/response (copied: short reads) both ways,
/// with a pool of one pipe: directions take, fill, empty and give back the
/// pipe in turn, or copy while another holds it.
#[test]
fn a_pool_of_one_pipe_switching_between_splice_and_copy_loses_no_byte() {
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--quiet", "--pipes", "1"]);
    let pid = relay.child.as_ref().unwrap().id();
    let inherited = fds_of(pid, "pipe:"); // e.g. cargo's jobserver
    thread::scope(|s| {
        for c in 0..4u64 {
            let addr = relay.addr;
            s.spawn(move || {
                let mut stream = connect(addr);
                for round in 0..6u64 {
                    let bulk = payload((c << 16) | round, 700 * 1024 + 13 * round as usize);
                    let mut writer = stream.try_clone().unwrap();
                    let sent = thread::scope(|s| {
                        s.spawn(|| writer.write_all(&bulk).unwrap());
                        let mut back = vec![0u8; bulk.len()];
                        stream.read_exact(&mut back).unwrap();
                        back
                    });
                    assert!(sent == bulk, "connection {c} round {round}: bulk differs");
                    for small in 0..20u64 {
                        echo_once(
                            &mut stream,
                            &payload((c << 32) | (round << 8) | small, 1 + small as usize * 50),
                        );
                    }
                }
                stream.shutdown(Shutdown::Write).unwrap();
                assert_eq!(stream.read(&mut [0u8; 1]).unwrap(), 0);
            });
        }
    });
    // One pipe (two fds) was made, and no more.
    assert_eq!(fds_of(pid, "pipe:") - inherited, 2, "the pool of one");
}

/// A pool of none: every bulk direction copies.
#[test]
fn an_empty_pool_copies_everything() {
    let (upstream, _echoed) = echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--pipes", "0"]); // not quiet: a failure shows why it closed
    let pid = relay.child.as_ref().unwrap().id();
    let inherited = fds_of(pid, "pipe:"); // e.g. cargo's jobserver
    let data = payload(5, 8 << 20);
    assert!(round_trip(relay.connect(), &data) == data);
    assert_eq!(fds_of(pid, "pipe:"), inherited, "a pipe was made");
}

/// A pool of one pipe contended by a connection that holds bytes (its
/// upstream does not read until released) and one that moves 4 MiB each
/// way: the second finishes intact, no second pipe is made, and then the
/// first finishes intact.
///
/// Whether the first connection holds *the pipe* (rather than a copy
/// buffer) while the second runs is up to the kernel's segment sizes: a
/// stream read in pieces shorter than the 32 KiB buffer is copied, never
/// spliced, so this test does not claim the pool was spent meanwhile.
/// `an_empty_pool_copies_everything` checks the spent pool's path (the
/// pool lends nothing: every direction copies). Helper threads are not
/// scoped: a failed assertion ends the test instead of waiting on them.
#[test]
fn a_pool_of_one_contended_by_a_held_connection_never_stalls() {
    use std::sync::Arc;
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream_addr = upstream.local_addr().unwrap();
    let relay = Relay::start("127.0.0.1:0", upstream_addr, &["--pipes", "1"]);
    let pid = relay.child.as_ref().unwrap().id();
    let inherited = fds_of(pid, "pipe:"); // e.g. cargo's jobserver
    let (release, released) = mpsc::channel::<()>();
    let hog = Arc::new(payload(1, 16 << 20));
    let data = payload(2, 4 << 20);
    // The upstream tells the two apart by their first byte, not by the
    // order it accepts them in: the relay's two connects may complete in
    // either order.
    assert_ne!(hog[0], data[0]);
    let hog_first = hog[0];
    thread::spawn(move || {
        let echo = |stream: TcpStream| {
            let mut reader = stream.try_clone().unwrap();
            std::io::copy(&mut reader, &mut &stream).unwrap();
            stream.shutdown(Shutdown::Write).unwrap();
        };
        let first_byte = |stream: &TcpStream| {
            let mut byte = [0u8; 1];
            assert_eq!(stream.peek(&mut byte).unwrap(), 1, "an upstream connection ended at once");
            byte[0]
        };
        let (a, _) = upstream.accept().unwrap();
        let (b, _) = upstream.accept().unwrap();
        let (held, second) = if first_byte(&a) == hog_first { (a, b) } else { (b, a) };
        thread::spawn(move || echo(second));
        released.recv_timeout(LIMIT).expect("never released");
        echo(held);
    });
    let first = relay.connect();
    let mut first_writer = first.try_clone().unwrap();
    let all = Arc::clone(&hog);
    thread::spawn(move || {
        first_writer.write_all(&all).unwrap();
        first_writer.shutdown(Shutdown::Write).unwrap();
    });
    assert!(round_trip(relay.connect(), &data) == data, "the second connection");
    assert!(fds_of(pid, "pipe:") - inherited <= 2, "more than the one pipe");
    release.send(()).unwrap();
    let mut back = Vec::new();
    (&first).read_to_end(&mut back).unwrap();
    assert!(back == *hog, "the held connection");
}

/// Worker pids of a relay started with `--workers`, once each has logged
/// its banner (the supervisor's first banner was taken by `start`).
fn workers_of(relay: &Relay, count: usize) -> Vec<u32> {
    for _ in 1..count {
        relay.expect_log("listening on ");
    }
    let workers = children_of(relay.child.as_ref().unwrap().id());
    assert_eq!(workers.len(), count, "{workers:?}");
    workers
}

/// Connections a worker holds: its sockets past `before`, one client and
/// one upstream each.
fn held_by(worker: u32, before: usize) -> usize {
    (fds_of(worker, "socket:") - before) / 2
}

#[test]
fn two_workers_share_the_connections_and_sigterm_drains_both() {
    let upstream = epoll_echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--workers", "2"]);
    let workers = workers_of(&relay, 2);
    let idle: Vec<usize> = workers.iter().map(|&w| fds_of(w, "socket:")).collect();
    let mut streams: Vec<TcpStream> = (0..64).map(|_| relay.connect()).collect();
    for (i, stream) in streams.iter_mut().enumerate() {
        echo_once(stream, &payload(i as u64, 10));
    }
    let held: Vec<usize> = workers.iter().zip(&idle).map(|(&w, &before)| held_by(w, before)).collect();
    assert_eq!(held.iter().sum::<usize>(), 64, "{held:?}");
    assert!(held.iter().all(|&n| n > 0), "connections went to one worker only: {held:?}");
    drop(streams);
    let (status, log) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(0), "{log:?}");
    for worker in workers {
        assert!(log.iter().any(|l| l.contains(&format!("worker {worker} exited with status 0"))), "{log:?}");
    }
}

/// A signal to the whole process group (a terminal's ^C, systemd's stop)
/// reaches the supervisor and every worker: the workers drain once, on the
/// supervisor's word, instead of taking the second signal for "now".
#[test]
fn a_sigterm_to_the_process_group_drains_once() {
    let upstream = epoll_echo_upstream();
    let relay = Relay::start_with("127.0.0.1:0", upstream, &["--workers", "2"], |command| {
        std::os::unix::process::CommandExt::process_group(command, 0);
    });
    let workers = workers_of(&relay, 2);
    let mut open = relay.connect();
    echo_once(&mut open, b"held through the drain");
    let group = relay.child.as_ref().unwrap().id() as i32;
    sys::kill(-group, SIGTERM).unwrap();
    relay.expect_log("draining");
    relay.expect_log("draining");
    // Still served while draining; then its end lets the drain finish.
    echo_once(&mut open, b"still there");
    open.shutdown(Shutdown::Write).unwrap();
    assert_eq!(open.read(&mut [0u8; 1]).unwrap(), 0);
    // Signal 0: only wait. Status 0: no worker cut its drain short (a
    // second signal would have).
    let (status, log) = relay.stop_with(0);
    assert_eq!(status.code(), Some(0), "{log:?}");
    assert!(!log.iter().any(|l| l.contains("again") || l.contains("cut by")), "{log:?}");
    assert_eq!(workers.len(), 2);
}

/// The exit status is the worst of the workers': a second SIGTERM cuts
/// the drain short in every worker, each exits 1 (the one with the open
/// connection because it cut it), and so does the relay.
#[test]
fn a_second_sigterm_ends_the_workers_and_the_relay_exits_1() {
    let upstream = epoll_echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--workers", "2"]);
    workers_of(&relay, 2);
    let mut open = relay.connect();
    echo_once(&mut open, b"an open connection keeps its worker draining");
    let pid = relay.child.as_ref().unwrap().id() as i32;
    sys::kill(pid, SIGTERM).unwrap();
    relay.expect_log("draining");
    relay.expect_log("draining");
    let (status, log) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(1), "{log:?}");
    assert!(log.iter().any(|l| l.contains("cut by the shutdown")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("exited with status 1")), "{log:?}");
}

/// Decided: a worker killed by a signal is started again, and the other
/// workers, and their connections, are not disturbed.
#[test]
fn a_killed_worker_is_restarted_and_the_other_serves_on() {
    let upstream = epoll_echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--workers", "2"]);
    let workers = workers_of(&relay, 2);
    let idle = fds_of(workers[0], "socket:");
    // Connections until one is on the first worker (each is spread by
    // the kernel's hash of its address and port).
    let mut survivor = None;
    let mut others = Vec::new();
    for i in 0..1000 {
        let mut stream = relay.connect();
        echo_once(&mut stream, &payload(i, 10));
        if held_by(workers[0], idle) > 0 {
            survivor = Some(stream);
            break;
        }
        others.push(stream);
    }
    let mut survivor = survivor.expect("no connection reached the first worker");
    drop(others);
    sys::kill(workers[1] as i32, SIGKILL).unwrap();
    relay.expect_log(&format!("worker {} killed by signal 9, restarting", workers[1]));
    relay.expect_log("listening on ");
    echo_once(&mut survivor, b"the first worker serves on");
    let now = children_of(relay.child.as_ref().unwrap().id());
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(now.contains(&workers[0]) && !now.contains(&workers[1]), "{now:?} after {workers:?}");
    let restarted = *now.iter().find(|&&w| w != workers[0]).unwrap();
    let before = fds_of(restarted, "socket:");
    let mut streams: Vec<TcpStream> = (0..64).map(|_| relay.connect()).collect();
    for (i, stream) in streams.iter_mut().enumerate() {
        echo_once(stream, &payload(i as u64, 10));
    }
    assert!(held_by(restarted, before) > 0, "the restarted worker takes no connection");
    drop((streams, survivor));
    let (status, log) = relay.stop_with(SIGTERM);
    assert_eq!(status.code(), Some(0), "{log:?}");
}

/// A worker that dies every time it starts is not forked again for ever:
/// after 5 restarts within a minute the relay stops (the others drain) and
/// exits 1.
#[test]
fn a_worker_dying_again_and_again_stops_the_relay() {
    let upstream = epoll_echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--workers", "2"]);
    let supervisor = relay.child.as_ref().unwrap().id();
    let mut workers = workers_of(&relay, 2);
    for round in 0..5 {
        sys::kill(workers[1] as i32, SIGKILL).unwrap();
        relay.expect_log(&format!("worker {} killed by signal 9, restarting", workers[1]));
        relay.expect_log("listening on ");
        let now = children_of(supervisor);
        let new = now.iter().copied().find(|w| !workers.contains(w));
        workers[1] = new.unwrap_or_else(|| panic!("round {round}: no new worker in {now:?}"));
    }
    sys::kill(workers[1] as i32, SIGKILL).unwrap();
    relay.expect_log("5 worker restarts in 60 s: stopping");
    let (status, log) = relay.stop_with(0);
    assert_eq!(status.code(), Some(1), "{log:?}");
}

#[test]
fn workers_0_starts_one_per_cpu() {
    let cpus = sys::sched_getaffinity(0).unwrap().count();
    let upstream = epoll_echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--workers", "0"]);
    if cpus > 1 {
        workers_of(&relay, cpus);
    } else {
        assert!(children_of(relay.child.as_ref().unwrap().id()).is_empty(), "one CPU: no supervisor");
    }
    let data = payload(3, 1000);
    assert!(round_trip(relay.connect(), &data) == data);
}

#[test]
fn no_fd_is_leaked_over_100000_connections() {
    let _one_at_a_time = MANY_FDS.lock().unwrap_or_else(|e| e.into_inner());
    let connections: u64 =
        if cfg!(any(target_arch = "x86_64", target_arch = "x86")) { 100_000 } else { 10_000 };
    let upstream = epoll_echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--quiet"]);
    let pid = relay.child.as_ref().unwrap().id();
    let one = || {
        let mut stream = relay.connect();
        stream.write_all(b"x").unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut back = Vec::new();
        stream.read_to_end(&mut back).unwrap();
        assert_eq!(back, b"x");
    };
    // Whatever is made once (the reserve fd, …) is there after the first.
    one();
    // The counters are read in a later turn than the one that closed it.
    assert!(counters(&relay, pid).contains(": 0 open, 1 accepted"));
    let before = fds_of(pid, "");
    for _ in 0..connections {
        one();
    }
    let line = counters(&relay, pid);
    assert!(line.contains(&format!(": 0 open, {} accepted", connections + 1)), "{line}");
    assert_eq!(fds_of(pid, ""), before, "open fds before and after {connections} connections");
}

/// The relay's resident memory (`VmRSS`), KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Idle connections, each proven by a small echo, cost memory for their
/// slot, not for copy buffers: 250 fit in 1 MB of resident memory, 8,000
/// in 8 MB (the relay's own pages included). With pages larger than 4 KiB
/// (ppc64le's kernel) the figures are printed, not checked.
#[test]
fn idle_connections_fit_in_1_mb_for_250_and_8_mb_for_8000() {
    let _one_at_a_time = MANY_FDS.lock().unwrap_or_else(|e| e.into_inner());
    let hard = raise_open_file_limit();
    let upstream = epoll_echo_upstream();
    let relay = Relay::start("127.0.0.1:0", upstream, &["--quiet"]);
    let pid = relay.child.as_ref().unwrap().id();
    // Each connection is two fds here (client, and the in-process echo
    // upstream's side); 512 are left to the tests running alongside (a
    // 4,096 hard limit on the kernel-test guests ran out with 64: EMFILE).
    let many = capacity_in(&relay.banner).min(8000).min((hard.saturating_sub(512) / 2) as usize);
    // SAFETY: sysconf has no preconditions.
    let small_pages = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } == 4096;
    let mut streams = Vec::new();
    for (count, limit_kib) in [(250, 1024), (many, 8 * 1024)] {
        while streams.len() < count {
            let mut stream = relay.connect();
            echo_once(&mut stream, &payload(streams.len() as u64, 16));
            streams.push(stream);
        }
        let rss = rss_kib(pid);
        eprintln!("relay VmRSS with {count} idle connections: {rss} KiB");
        if small_pages && count >= 250 {
            assert!(rss <= limit_kib, "{rss} KiB with {count} idle connections, over {limit_kib} KiB");
        }
    }
}
