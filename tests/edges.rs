//! What `Transfer::set_short_reads_drain` relies on, checked against each
//! architecture's kernel (this file runs under qemu-user and on real
//! kernels): on an edge-triggered registration of a TCP socket, a unix
//! stream socket or a pipe, a read shorter than asked took everything that
//! was queued, and data that arrives after it raises a new edge. (In the
//! kernel: `tcp_recvmsg` and `unix_stream_read_generic` copy queued data up
//! to the length asked and stop only when the queue is empty, at a TCP
//! urgent mark, or on a signal; every arrival then calls `sk_data_ready`,
//! which wakes the epoll entry; a write to an empty pipe wakes its reader.)
//! A missed edge would leave a bounded wait to time out: a failure, never a
//! hang.
//!
//! Also how many reads a `Transfer` makes per message with and without
//! the option, counted by seccomp where it is available.

#![cfg(target_os = "linux")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use bareio::arch::current as abi;
use bareio::fd::{AsRawFd, OwnedFd};
use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::splice::{Stop, Transfer};
use bareio::sys::seccomp::Response;
use bareio::sys::*;
use support::faults::Faults;
use support::{tcp_pair, unix_pair, write_all};

/// 2,000 rounds: write a message of 1 to 3,000 bytes, wait for the edge,
/// read it with one read of 64 KiB (short: everything queued), and check
/// the next message raises a new edge.
fn short_read_then_new_edge(writer: &OwnedFd, reader: &OwnedFd) {
    set_nonblocking(reader, true).unwrap();
    let poller = Poller::new().unwrap();
    poller.register(reader, 1, Interest::READABLE, Mode::Edge).unwrap();
    let mut events = Events::<2>::new();
    let mut buf = vec![0u8; 65536];
    for round in 0..2000usize {
        let len = 1 + round * 7 % 3000;
        let message: Vec<u8> = (0..len).map(|i| (i + round) as u8).collect();
        write_all(writer, &message);
        let mut got = 0;
        while got < len {
            // Bounded: a missed edge fails here instead of hanging.
            assert_eq!(
                poller.wait(&mut events, Some(Duration::from_secs(30))),
                Ok(1),
                "round {round}: no edge"
            );
            loop {
                match read(reader, &mut buf) {
                    Ok(n) => {
                        assert!(buf[..n] == message[got..got + n], "round {round}: bytes differ");
                        got += n;
                        // Short: everything queued was taken; wait for the next edge.
                        if n < buf.len() {
                            break;
                        }
                    }
                    Err(bareio::Errno::EAGAIN) => break,
                    Err(e) => panic!("round {round}: {e}"),
                }
            }
        }
        assert_eq!(got, len);
    }
}

#[test]
fn tcp_short_read_takes_everything_and_the_next_arrival_is_a_new_edge() {
    let (writer, reader) = tcp_pair();
    setsockopt(&writer, SockOpt::TCP_NODELAY, 1).unwrap();
    short_read_then_new_edge(&writer, &reader);
}

#[test]
fn unix_short_read_takes_everything_and_the_next_arrival_is_a_new_edge() {
    let (writer, reader) = unix_pair();
    short_read_then_new_edge(&writer, &reader);
}

#[test]
fn pipe_short_read_takes_everything_and_the_next_arrival_is_a_new_edge() {
    let (reader, writer) = pipe2(PipeFlags::CLOEXEC).unwrap();
    short_read_then_new_edge(&writer, &reader);
}

/// Reads of the transfer's source per 1 KiB message: 2 (the data, then
/// `EAGAIN`) by default, 1 with `set_short_reads_drain`. Counted by a
/// seccomp rule that lets every read on the source through.
#[test]
fn with_short_reads_drain_a_message_costs_one_read() {
    skip_without_seccomp!();
    for (drain, expected) in [(false, 2), (true, 1)] {
        let ((into, from), (to, out)) = (unix_pair(), unix_pair());
        set_nonblocking(&from, true).unwrap();
        let reads = Arc::new(AtomicUsize::new(0));
        let counter = reads.clone();
        let faults = Faults::new().ask(abi::SYS_READ, Some((0, from.as_raw_fd() as u32)), move |_, _| {
            counter.fetch_add(1, SeqCst);
            Response::Continue
        });
        let outcome = faults.run(|| {
            let poller = Poller::new().unwrap();
            poller.register(&from, 1, Interest::READABLE, Mode::Edge).unwrap();
            let mut events = Events::<2>::new();
            let mut buffer = vec![0u8; 16384];
            let mut transfer = Transfer::<0>::without_pipe();
            transfer.set_short_reads_drain(drain);
            transfer.set_splice_from(buffer.len());
            for i in 0..100u8 {
                write_all(&into, &[i; 1024]);
                assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(30))), Ok(1));
                let progress = transfer.run_with(&from, &to, None, &mut buffer).unwrap();
                assert_eq!((progress.moved, progress.stop), (1024, Stop::SourceWouldBlock));
                let mut got = [0u8; 2048];
                assert_eq!(read(&out, &mut got), Ok(1024));
                assert!(got[..1024].iter().all(|&b| b == i));
            }
        });
        outcome.unwrap();
        let per_message = reads.load(SeqCst) as f64 / 100.0;
        assert_eq!(
            per_message, expected as f64,
            "short_reads_drain {drain}: {per_message} reads per message"
        );
    }
}

/// A `Transfer<0>` keeps its pending bytes in the caller's buffer: another
/// buffer, or the same one cut short of them, is refused while they are
/// there, any buffer serves once they are gone.
#[test]
fn a_transfer_with_the_callers_buffer_keeps_its_bytes_there() {
    let ((into, from), (to, out)) = (unix_pair(), unix_pair());
    for fd in [&into, &from, &to, &out] {
        set_nonblocking(fd, true).unwrap();
    }
    setsockopt(&to, SockOpt::SNDBUF, 1).unwrap();
    let data: Vec<u8> = (0..200_000).map(|i| (i % 253) as u8).collect();
    let mut transfer = Transfer::<0>::without_pipe();
    let (mut mine, mut other) = (vec![0u8; 8192], vec![0u8; 8192]);
    assert_eq!(transfer.run(&from, &to, None).unwrap_err().errno, bareio::Errno::EINVAL, "no inline buffer");
    let mut received = Vec::new();
    let mut sent = 0;
    while received.len() < data.len() {
        if sent < data.len() {
            sent += write(&into, &data[sent..]).unwrap_or(0);
        }
        let progress = transfer.run_with(&from, &to, None, &mut mine).unwrap();
        if transfer.buffered() > 0 {
            assert_eq!(progress.stop, Stop::DestinationWouldBlock);
            let error = transfer.run_with(&from, &to, None, &mut other).unwrap_err();
            assert_eq!(
                (error.errno, error.moved),
                (bareio::Errno::EINVAL, 0),
                "another buffer while bytes are held"
            );
            // The same buffer cut short of the bytes it holds (found by
            // fuzz/fuzz_targets/transfer.rs: this panicked on a slice index).
            if transfer.buffered() > 1 {
                let pending = transfer.pending();
                let short = &mut mine[..transfer.buffered() - 1];
                let error = transfer.run_with(&from, &to, None, short).unwrap_err();
                assert_eq!(
                    (error.errno, error.moved, error.pending),
                    (bareio::Errno::EINVAL, 0, pending),
                    "the buffer cut short while bytes are held"
                );
            }
        }
        let mut chunk = [0u8; 65536];
        while let Ok(n) = read(&out, &mut chunk) {
            received.extend_from_slice(&chunk[..n]);
        }
        if transfer.buffered() == 0 {
            std::mem::swap(&mut mine, &mut other); // any buffer will do now
        }
    }
    assert!(received == data, "bytes lost or reordered");
}

/// Why a short read proves nothing once the peer has ended its side: the
/// bytes and the FIN arrive, one edge reports both (with `READ_HANGUP`), a
/// read takes the bytes and stops short before the end of input, and no
/// new edge follows. A caller that trusted that short read would never see
/// the end. (`Transfer::set_short_reads_drain` is to be turned off for such
/// an event; so does the relay.)
#[test]
fn after_the_fin_a_short_read_leaves_the_end_unread_and_no_edge_follows() {
    for (writer, reader) in [tcp_pair(), unix_pair()] {
        set_nonblocking(&reader, true).unwrap();
        let poller = Poller::new().unwrap();
        poller.register(&reader, 1, Interest::READABLE | Interest::READ_HANGUP, Mode::Edge).unwrap();
        write_all(&writer, b"last words");
        shutdown(&writer, Shutdown::Write).unwrap();
        let mut events = Events::<2>::new();
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(30))), Ok(1));
        let event = events.iter().next().unwrap();
        // Both have arrived by now for a unix socket; over TCP the FIN may
        // trail the bytes, so wait for the hang-up's own edge if needed.
        if !event.is_read_hangup() {
            assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(30))), Ok(1));
            assert!(events.iter().next().unwrap().is_read_hangup());
        }
        let mut buf = [0u8; 64];
        assert_eq!(read(&reader, &mut buf), Ok(10), "a short read: the bytes, not the end");
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)), Ok(0), "no edge for the end");
        assert_eq!(read(&reader, &mut buf), Ok(0), "the end was there, unread");
    }
}
