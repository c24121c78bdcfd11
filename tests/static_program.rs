//! The README's "Writing your own static program": `examples/udp-echo`, a
//! `#![no_main]` program with no libc (`bareio::main!`), built with
//! `scripts/build-static` and run here: datagrams from several clients
//! come back intact through two forked workers (`bareio::rt::fork`),
//! SIGTERM stops it with status 0, a killed worker stops it with status 1,
//! bad arguments give status 2; and the README shows it as it is.
//!
//! Built for this machine only (the other architectures run the library's
//! own tests; this is the example's end-to-end check, as CI runs it).
//! Every wait is bounded by a receive timeout: a failure, never a hang.

#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use bareio::sys::{kill, SIGKILL, SIGTERM};

const LIMIT: Duration = Duration::from_secs(60);

fn binary() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let out = Command::new(format!("{root}/scripts/build-static"))
            .arg("examples/udp-echo")
            .output()
            .expect("run scripts/build-static");
        assert!(out.status.success(), "build-static failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        format!("{root}/{}", stdout.lines().last().expect("no path printed"))
    })
}

/// The server, started on an ephemeral loopback port, with its address
/// from the line it prints.
fn start(workers: &str) -> (Child, SocketAddr) {
    let mut child = Command::new(binary())
        .args(["127.0.0.1:0", workers])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start udp-echo");
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    // "udp-echo: 127.0.0.1:PORT, N workers"
    let addr = line.trim().strip_prefix("udp-echo: ").and_then(|rest| rest.split(',').next()).unwrap_or("");
    let addr = addr.parse().unwrap_or_else(|_| panic!("unexpected first line {line:?}"));
    assert!(line.contains(&format!(", {workers} workers")), "{line:?}");
    (child, addr)
}

/// Waits for the child (in a thread), killing it if it has not ended
/// within `LIMIT`.
fn status_of(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait().unwrap()));
    rx.recv_timeout(LIMIT).unwrap_or_else(|_| {
        let _ = kill(pid, SIGKILL);
        panic!("udp-echo did not exit within {LIMIT:?}");
    })
}

#[test]
fn datagrams_come_back_through_forked_workers_and_sigterm_stops_them() {
    let (child, addr) = start("2");
    let clients: Vec<UdpSocket> = (0..8).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    for client in &clients {
        client.set_read_timeout(Some(LIMIT)).unwrap();
        client.connect(addr).unwrap();
    }
    // Distinct payloads of distinct sizes; each client waits for its echo
    // before sending the next (UDP may drop under load: this never loads).
    for round in 0..20usize {
        for (i, client) in clients.iter().enumerate() {
            let payload: Vec<u8> =
                (0..1 + (round * 37 + i * 101) % 1400).map(|j| (j ^ i ^ round) as u8).collect();
            client.send(&payload).unwrap();
            let mut buf = [0u8; 2048];
            let n = client.recv(&mut buf).expect("an echo before the time limit");
            assert_eq!(&buf[..n], &payload[..], "round {round}, client {i}");
        }
    }
    kill(child.id() as i32, SIGTERM).unwrap();
    assert_eq!(status_of(child).code(), Some(0));
}

#[test]
fn a_worker_killed_stops_the_server_with_status_1() {
    let (child, addr) = start("1");
    // Its only worker is its only child: find it in /proc.
    let children =
        std::fs::read_to_string(format!("/proc/{}/task/{}/children", child.id(), child.id())).unwrap();
    let worker: i32 = children.split_whitespace().next().expect("a worker").parse().unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(LIMIT)).unwrap();
    client.send_to(b"alive?", addr).unwrap();
    assert_eq!(client.recv(&mut [0u8; 16]).unwrap(), 6);
    kill(worker, SIGKILL).unwrap();
    assert_eq!(status_of(child).code(), Some(1));
}

#[test]
fn bad_arguments_print_the_usage_and_exit_2() {
    for args in [&[][..], &["not-an-address"], &["127.0.0.1:0", "many"], &["127.0.0.1:0", "1", "extra"]] {
        let out = Command::new(binary()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("usage: udp-echo"), "{args:?}: {out:?}");
    }
}

#[test]
fn the_readme_shows_the_whole_example_as_it_is() {
    let readme = include_str!("../README.md");
    let program = include_str!("../examples/udp-echo/src/main.rs");
    assert!(readme.contains(program), "README.md's copy of examples/udp-echo/src/main.rs is out of date");
}
