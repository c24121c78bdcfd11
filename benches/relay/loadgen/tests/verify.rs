//! The load generator against the echo server, directly and through small
//! faulty proxies: whatever a relay does wrong (loses the rest of a stream
//! at a half-close as rinetd does, drops or flips bytes, closes at once)
//! must come out as a failure, never as a rate.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use relay_loadgen::bulk::{self, Bulk};
use relay_loadgen::echo;
use relay_loadgen::idle::{self, Idle};
use relay_loadgen::pattern::Pattern;
use relay_loadgen::rr::{self, Rr, Stop};

const STALL: Duration = Duration::from_secs(3);

fn echo_server() -> SocketAddr {
    let listener = echo::bind(&"127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || echo::serve(listener));
    addr
}

/// What a faulty proxy does to the client's bytes on their way upstream.
#[derive(Clone, Copy)]
enum Fault {
    /// At the client's end of input, close both sockets at once (no
    /// half-close: what is still on its way back is lost).
    CloseAtEof,
    /// Flip the bits of the byte at this stream offset.
    Flip(u64),
    /// Drop this many bytes at this stream offset.
    Drop(u64, u64),
}

/// A thread-per-direction proxy to `upstream` with `fault`.
fn proxy(upstream: SocketAddr, fault: Fault) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for client in listener.incoming() {
            let client = client.unwrap();
            let server = TcpStream::connect(upstream).unwrap();
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            thread::spawn(move || forward(client, server, Some(fault)));
            thread::spawn(move || forward(s2, c2, None));
        }
    });
    addr
}

fn forward(mut from: TcpStream, mut to: TcpStream, fault: Option<Fault>) {
    let mut buf = [0u8; 16 * 1024];
    let mut offset = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let (start, end) = (offset, offset + n as u64);
        offset = end;
        let mut chunk = buf[..n].to_vec();
        match fault {
            Some(Fault::Flip(at)) if (start..end).contains(&at) => chunk[(at - start) as usize] ^= 0xff,
            Some(Fault::Drop(at, len)) if (start..end).contains(&at) => {
                let from = (at - start) as usize;
                chunk.drain(from..(from + len as usize).min(n));
            }
            _ => {}
        }
        if to.write_all(&chunk).is_err() {
            break;
        }
    }
    if let Some(Fault::CloseAtEof) = fault {
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    } else {
        let _ = to.shutdown(Shutdown::Write);
    }
}

fn bulk_through(target: SocketAddr, conns: usize, bytes: u64) -> bulk::BulkReport {
    bulk::run(&Bulk { target, conns, bytes, stall: STALL }, &Pattern::new()).unwrap()
}

#[test]
fn bulk_direct_moves_every_byte_both_ways() {
    let report = bulk_through(echo_server(), 4, 3 << 20);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!((report.complete, report.moved), (4, 2 * 4 * (3 << 20)));
}

#[test]
fn bulk_direct_with_many_connections_sees_every_end_of_stream() {
    // The echo server once stopped reading at a short read that had
    // consumed the client's FIN, and never closed: most connections stalled.
    let report = bulk_through(echo_server(), 64, 4 << 20);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.complete, 64);
}

#[test]
fn bulk_through_a_relay_without_half_close_reports_lost_data() {
    let report = bulk_through(proxy(echo_server(), Fault::CloseAtEof), 2, 8 << 20);
    assert_eq!(report.failures.count, 2, "{:?}", report.failures);
    let first = report.failures.first.unwrap();
    assert!(first.contains("lost data") || first.contains("reset"), "{first}");
    assert_eq!(report.moved, 0);
}

#[test]
fn bulk_reports_a_flipped_byte_with_its_offset() {
    let report = bulk_through(proxy(echo_server(), Fault::Flip(1_000_003)), 1, 4 << 20);
    let first = report.failures.first.expect("a corrupt byte went unnoticed");
    assert!(first.contains("corrupt data: byte 1,000,003 "), "{first}");
}

#[test]
fn bulk_reports_dropped_bytes() {
    let report = bulk_through(proxy(echo_server(), Fault::Drop(70_000, 4096)), 1, 1 << 20);
    let first = report.failures.first.expect("dropped bytes went unnoticed");
    assert!(first.contains("corrupt data") || first.contains("lost data"), "{first}");
}

fn rr_through(target: SocketAddr, conns: usize, size: usize, stop: Stop) -> rr::RrReport {
    rr::run(&Rr { target, conns, size, stop, stall: STALL }, &Pattern::new()).unwrap()
}

#[test]
fn rr_count_mode_makes_exactly_the_round_trips_asked() {
    for size in [1, 1024, 16 * 1024] {
        let report = rr_through(echo_server(), 7, size, Stop::Count(1000));
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!((report.trips, report.latencies_us.len()), (1000, 1000));
    }
}

#[test]
fn rr_duration_mode_counts_round_trips_for_that_long() {
    let report = rr_through(echo_server(), 3, 100, Stop::After(Duration::from_millis(300)));
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.trips > 0);
    assert!((report.seconds - 0.3).abs() < 1e-6, "{}", report.seconds);
}

#[test]
fn rr_reports_a_corrupt_response() {
    let report = rr_through(proxy(echo_server(), Fault::Flip(5000)), 1, 1024, Stop::Count(100));
    let first = report.failures.first.expect("a corrupt response went unnoticed");
    assert!(first.contains("corrupt data: byte 5,000 "), "{first}");
}

#[test]
fn rr_reports_a_lost_byte() {
    // The response is one byte short: the round trip can never complete.
    let report = rr_through(proxy(echo_server(), Fault::Drop(2048 + 7, 1)), 1, 1024, Stop::Count(10));
    let first = report.failures.first.expect("a lost byte went unnoticed");
    assert!(
        first.contains("corrupt data") || first.contains("stalled") || first.contains("lost data"),
        "{first}"
    );
}

#[test]
fn idle_holds_every_connection_proven_end_to_end() {
    let idle = Idle { target: echo_server(), conns: 300, window: 64, timeout: Duration::from_secs(20) };
    let mut held = 0;
    let report = idle::run(&idle, &Pattern::new(), |n| held = n).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!((report.established, held), (300, 300));
}

#[test]
fn idle_counts_connections_a_relay_closes_at_once_as_failed() {
    // A relay at capacity that accepts and closes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap();
    thread::spawn(move || {
        for client in listener.incoming() {
            drop(client);
        }
    });
    let idle = Idle { target, conns: 20, window: 8, timeout: Duration::from_secs(20) };
    let report = idle::run(&idle, &Pattern::new(), |_| {}).unwrap();
    assert_eq!((report.established, report.failures.count), (0, 20));
}
