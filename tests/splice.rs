//! `bareio::splice::Transfer` over real loopback TCP and unix sockets:
//! sizes from 128 B to 64 MiB, blocking and nonblocking fds, end of input,
//! a destination that fails mid-transfer (and the pending bytes recovered),
//! a pair the kernel refuses to splice, and a bidirectional proxy with an
//! early close. Every test checks the bytes, not just the counts; none
//! depends on timing.

#![cfg(target_os = "linux")]

use std::io::Read;
use std::os::fd::AsRawFd;
use std::time::Duration;

use bareio::fd::{BorrowedFd, OwnedFd};
use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::splice::{Pipe, Stop, Transfer};
use bareio::sys::*;
use bareio::Errno;
use support::{pattern, read_to_end, tcp_pair, unix_pair, write_all};

mod support;

/// Sends `total` pattern bytes in `chunk`-sized writes into `into`, then
/// closes it; meanwhile `transfer` runs blocking from `from` to `to`, and
/// the bytes arriving at `out` are returned.
fn blocking_run<const COPY: usize>(
    transfer: &mut Transfer<COPY>,
    (into, from): (OwnedFd, OwnedFd),
    (to, out): (OwnedFd, OwnedFd),
    total: usize,
    chunk: usize,
) -> Vec<u8> {
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut offset = 0;
            while offset < total {
                let len = chunk.min(total - offset);
                write_all(&into, &pattern(offset, len));
                offset += len;
            }
        });
        let reader = s.spawn(move || read_to_end(&out));
        let mut moved = 0;
        loop {
            let progress = transfer.run(&from, &to, None).unwrap();
            moved += progress.moved;
            if progress.stop == Stop::Eof {
                break;
            }
        }
        assert_eq!(moved, total);
        assert_eq!(transfer.pending(), 0);
        drop(to); // end of input for the reader
        reader.join().unwrap()
    })
}

#[test]
fn small_transfer_128_bytes_over_tcp_is_copied() {
    let mut transfer = Transfer::<16384>::new().unwrap();
    let got = blocking_run(&mut transfer, tcp_pair(), tcp_pair(), 128, 128);
    assert_eq!(got, pattern(0, 128));
    assert_eq!((transfer.bytes_copied(), transfer.bytes_spliced()), (128, 0), "128 bytes are copied");
}

#[test]
fn one_mib_in_4_kib_chunks_over_tcp() {
    let mut transfer = Transfer::<4096>::new().unwrap();
    let got = blocking_run(&mut transfer, tcp_pair(), tcp_pair(), 1 << 20, 4096);
    assert!(got == pattern(0, 1 << 20), "1 MiB corrupted ({} bytes arrived)", got.len());
}

#[test]
fn unix_stream_to_tcp() {
    let mut transfer = Transfer::<1024>::new().unwrap();
    let got = blocking_run(&mut transfer, unix_pair(), tcp_pair(), 3 << 20, 65536);
    assert!(got == pattern(0, 3 << 20), "corrupted ({} bytes arrived)", got.len());
    assert!(transfer.bytes_spliced() > 0, "3 MiB in 64 KiB writes must be spliced");
    assert_eq!(transfer.bytes_spliced() + transfer.bytes_copied(), 3 << 20);
}

#[test]
fn sixty_four_mib_nonblocking_through_the_poller() {
    const TOTAL: usize = 64 << 20;
    let (into, from) = tcp_pair();
    let (to, out) = tcp_pair();
    set_nonblocking(&from, true).unwrap();
    set_nonblocking(&to, true).unwrap();
    let poller = Poller::new().unwrap();
    poller.register(&from, 1, Interest::READABLE, Mode::Oneshot).unwrap();
    poller.register(&to, 2, Interest::WRITABLE, Mode::Oneshot).unwrap();
    let mut transfer = Transfer::<16384>::new().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || {
            let chunk = 1 << 20;
            for offset in (0..TOTAL).step_by(chunk) {
                write_all(&into, &pattern(offset, chunk));
            }
        });
        let checker = s.spawn(move || {
            // Verify as it arrives rather than keeping 64 MiB twice.
            let mut offset = 0;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                match read(&out, &mut buf).unwrap() {
                    0 => return offset,
                    n => {
                        assert!(buf[..n] == pattern(offset, n)[..], "corrupted at byte {offset}");
                        offset += n;
                    }
                }
            }
        });
        let mut events = Events::<4>::new();
        let mut moved = 0;
        loop {
            let progress = transfer.run(&from, &to, None).unwrap();
            moved += progress.moved;
            match progress.stop {
                Stop::Eof => break,
                Stop::SourceWouldBlock => poller.modify(&from, 1, Interest::READABLE, Mode::Oneshot).unwrap(),
                Stop::DestinationWouldBlock => {
                    poller.modify(&to, 2, Interest::WRITABLE, Mode::Oneshot).unwrap()
                }
                Stop::LimitReached => unreachable!("no limit given"),
            }
            poller.wait(&mut events, Some(Duration::from_secs(60))).unwrap();
            assert!(!events.is_empty(), "no progress for 60 s");
        }
        assert_eq!(moved, TOTAL);
        drop(to);
        assert_eq!(checker.join().unwrap(), TOTAL);
        assert!(transfer.bytes_spliced() > TOTAL as u64 / 2, "bulk data is mostly spliced");
    });
}

#[test]
fn source_closed_early_is_eof_with_everything_delivered() {
    let (into, from) = unix_pair();
    let (to, out) = unix_pair();
    write_all(&into, b"only this");
    drop(into);
    let mut transfer = Transfer::<16384>::new().unwrap();
    let progress = transfer.run(&from, &to, None).unwrap();
    assert_eq!((progress.moved, progress.pending, progress.stop), (9, 0, Stop::Eof));
    // End of input is sticky.
    assert_eq!(transfer.run(&from, &to, None).unwrap().stop, Stop::Eof);
    drop(to);
    assert_eq!(read_to_end(&out), b"only this");
}

#[test]
fn a_limit_stops_exactly_there_and_resumes() {
    let (into, from) = unix_pair();
    let (to, out) = unix_pair();
    write_all(&into, &pattern(0, 100_000));
    drop(into);
    let mut transfer = Transfer::<4096>::new().unwrap();
    let mut moved = 0;
    for limit in [1, 0, 4095, 4096, 4097, 30_000, 50_000] {
        let progress = transfer.run(&from, &to, Some(limit)).unwrap();
        assert_eq!((progress.moved, progress.stop), (limit, Stop::LimitReached));
        moved += limit;
    }
    let progress = transfer.run(&from, &to, None).unwrap();
    assert_eq!(progress.stop, Stop::Eof);
    assert_eq!(moved + progress.moved, 100_000);
    drop(to);
    assert!(read_to_end(&out) == pattern(0, 100_000));
}

/// The destination's peer disappears mid-transfer: the error comes back
/// with the count of bytes held, and they are not lost: a second
/// destination receives them first, then the rest of the source.
#[test]
fn destination_reset_mid_transfer_reports_and_keeps_the_pending_bytes() {
    const TOTAL: usize = 8 << 20;
    let (into, from) = tcp_pair();
    let (to, out) = tcp_pair();
    set_nonblocking(&to, true).unwrap();
    let poller = Poller::new().unwrap();
    poller.register(&to, 2, Interest::WRITABLE, Mode::Oneshot).unwrap();
    let mut events = Events::<2>::new();
    let mut transfer = Transfer::<4096>::new().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || write_all(&into, &pattern(0, TOTAL)));

        // Fill the destination until it would block, check what arrived
        // so far is right, then close it with data unread: a reset.
        let mut delivered = transfer.run(&from, &to, None).unwrap().moved;
        let mut head = vec![0u8; 4096];
        let n = read(&out, &mut head).unwrap();
        assert_eq!(head[..n], pattern(0, n)[..]);
        drop(out);

        let error = loop {
            match transfer.run(&from, &to, None) {
                Ok(progress) => {
                    delivered += progress.moved;
                    assert_eq!(progress.stop, Stop::DestinationWouldBlock);
                    poller.modify(&to, 2, Interest::WRITABLE, Mode::Oneshot).unwrap();
                    poller.wait(&mut events, Some(Duration::from_secs(60))).unwrap();
                }
                Err(e) => break e,
            }
        };
        assert!(matches!(error.errno, Errno::EPIPE | Errno::ECONNRESET), "{error}");
        assert_eq!(error.pending, transfer.pending());
        assert!(error.pending > 0, "a bulk transfer holds bytes when the write fails");
        delivered += error.moved;
        // Its pipe is not handed out while it holds those bytes.
        let mut transfer = transfer.into_pipe().expect_err("pipe with bytes handed out");

        // Recovery: the held bytes go first to a new destination.
        let (to2, out2) = unix_pair();
        let rest = s.spawn(move || read_to_end(&out2));
        let progress = transfer.run(&from, &to2, None).unwrap();
        assert_eq!(progress.stop, Stop::Eof);
        assert_eq!(delivered + progress.moved, TOTAL);
        drop(to2);
        let rest = rest.join().unwrap();
        assert!(rest == pattern(delivered, TOTAL - delivered), "bytes lost or duplicated after the reset");
        // Now empty, the pipe can serve another transfer.
        let pipe = transfer.into_pipe().expect("an empty transfer gives its pipe back");
        assert_eq!(pipe.held(), 0);
        assert!(Transfer::<64>::with_pipe(pipe).is_ok());
    });
}

/// The kernel refuses to splice into an `O_APPEND` file (`EINVAL`): the
/// transfer falls back to copying, including the bytes already in the pipe.
#[test]
fn a_refused_pair_falls_back_to_copying_with_data_intact() {
    const TOTAL: usize = 1 << 20;
    let dir = std::env::temp_dir().join(format!("bareio-splice-{}", std::process::id()));
    std::fs::File::create(&dir).unwrap();
    let file = std::fs::OpenOptions::new().append(true).open(&dir).unwrap();
    // SAFETY: `file` stays open for the rest of the test.
    let dst = unsafe { BorrowedFd::borrow_raw(file.as_raw_fd()) };
    let (into, from) = unix_pair();
    let mut transfer = Transfer::<4096>::new().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || write_all(&into, &pattern(0, TOTAL)));
        let mut moved = 0;
        loop {
            let progress = transfer.run(&from, dst, None).unwrap();
            moved += progress.moved;
            if progress.stop == Stop::Eof {
                break;
            }
        }
        assert_eq!(moved, TOTAL);
    });
    assert!(transfer.splice_refused(), "the O_APPEND file refuses splice");
    assert_eq!(transfer.bytes_copied(), TOTAL as u64);
    let mut written = Vec::new();
    std::fs::File::open(&dir).unwrap().read_to_end(&mut written).unwrap();
    std::fs::remove_file(&dir).unwrap();
    assert!(written == pattern(0, TOTAL), "file content differs ({} bytes)", written.len());
}

#[test]
fn pipes_are_enlarged_best_effort() {
    let pipe = Pipe::new().unwrap();
    assert!(pipe.capacity() >= 4096);
    assert_eq!(pipe.held(), 0);
    // Far beyond /proc/sys/fs/pipe-max-size: refused, the pipe still works.
    let huge = Pipe::with_capacity(1 << 30).unwrap();
    assert!(huge.capacity() >= 4096);
}

/// A proxy between two socket pairs, both directions through the same
/// poller with nonblocking fds; the client half-closes early, the server
/// answers after end of input and closes. Half-closes are forwarded.
#[test]
fn bidirectional_proxy_with_an_early_close() {
    let (client, proxy_a) = tcp_pair();
    let (proxy_b, server) = tcp_pair();
    for fd in [&proxy_a, &proxy_b] {
        set_nonblocking(fd, true).unwrap();
    }
    let request = pattern(7, 300_000);
    let response = pattern(1 << 20, 2 << 20);
    let poller = Poller::new().unwrap();
    poller.register(&proxy_a, 0, Interest::BOTH, Mode::Edge).unwrap();
    poller.register(&proxy_b, 1, Interest::BOTH, Mode::Edge).unwrap();
    std::thread::scope(|s| {
        let request = &request;
        let response = &response;
        s.spawn(move || {
            write_all(&client, &request[..1000]);
            shutdown(&client, Shutdown::Write).unwrap(); // the early close
            assert!(read_to_end(&client) == *response, "client got a wrong response");
        });
        s.spawn(move || {
            assert_eq!(read_to_end(&server), request[..1000]);
            write_all(&server, response);
            // Dropping `server` closes it: end of input for the proxy.
        });
        let mut up = Transfer::<16384>::new().unwrap();
        let mut down = Transfer::<16384>::new().unwrap();
        let (mut up_done, mut down_done) = (false, false);
        let mut events = Events::<4>::new();
        while !(up_done && down_done) {
            if !up_done && up.run(&proxy_a, &proxy_b, None).unwrap().stop == Stop::Eof {
                shutdown(&proxy_b, Shutdown::Write).unwrap();
                up_done = true;
            }
            if !down_done && down.run(&proxy_b, &proxy_a, None).unwrap().stop == Stop::Eof {
                shutdown(&proxy_a, Shutdown::Write).unwrap();
                down_done = true;
            }
            if !(up_done && down_done) {
                poller.wait(&mut events, Some(Duration::from_secs(60))).unwrap();
                assert!(!events.is_empty(), "no progress for 60 s");
            }
        }
    });
}

/// Bulk data switches to splice, a short message after it switches back.
#[test]
fn the_path_follows_the_traffic() {
    let flags = SocketFlags::CLOEXEC | SocketFlags::NONBLOCK;
    let pair = || socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, 0).unwrap();
    let ((into, from), (to, out)) = (pair(), pair());
    let mut transfer = Transfer::<4096>::new().unwrap();
    let mut sink = vec![0u8; 1 << 20];
    let mut run = |data: &[u8]| {
        write_all(&into, data);
        let progress = transfer.run(&from, &to, None).unwrap();
        assert_eq!((progress.moved, progress.stop), (data.len(), Stop::SourceWouldBlock));
        assert_eq!(read(&out, &mut sink).unwrap(), data.len());
        (transfer.bytes_copied(), transfer.bytes_spliced(), transfer.is_splicing())
    };
    assert_eq!(run(&[1; 100]), (100, 0, false), "small: copied");
    let (copied, spliced, splicing) = run(&pattern(0, 60_000));
    assert!(splicing && spliced > 0 && copied + spliced == 60_100, "bulk: spliced");
    assert_eq!(run(&[2; 100]), (copied, spliced + 100, false), "short splice: back to copying");
    assert_eq!(run(&[3; 100]), (copied + 100, spliced + 100, false), "small again: copied");
}

// ---- Urgent (out-of-band) TCP data -------------------------------------
//
// The kernel stops both a `read` and a `splice` at the urgent mark. A read
// at the mark skips the urgent byte (it is not part of the stream unless
// SO_OOBINLINE) and goes on; a splice there returns EAGAIN (or 0 after the
// peer's FIN) with the rest still queued. A Transfer must deliver every
// in-band byte either way, and say `Eof` only at the real end.

/// Sends `before` bytes, one urgent byte `!` (`MSG_OOB`) and `after`
/// bytes into `into`; then, once `fin` says so, ends the stream. Returns
/// the in-band bytes.
fn send_with_urgent_byte(into: &OwnedFd, before: usize, after: usize, fin: impl FnOnce()) -> Vec<u8> {
    let head = pattern(0, before);
    let tail = pattern(before, after);
    write_all(into, &head);
    // SAFETY: sends one byte from a valid buffer on an open socket.
    let sent =
        unsafe { libc::send(bareio::fd::AsRawFd::as_raw_fd(into), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
    assert_eq!(sent, 1, "send(MSG_OOB)");
    write_all(into, &tail);
    fin();
    shutdown(into, Shutdown::Write).unwrap();
    [head, tail].concat()
}

/// When the sender of [`urgent_data_case`] ends its stream.
#[derive(Clone, Copy, Debug)]
enum Fin {
    /// Right after the data: the FIN is queued behind it.
    Early,
    /// Only after every in-band byte arrived: until then a transfer stuck
    /// at the mark has nothing to wake it.
    AfterDelivery,
}

/// Runs `transfer` from a nonblocking TCP source with urgent data to a
/// unix socket, waiting on the poller in `mode`, and checks every in-band
/// byte arrives and `Eof` comes only at the end.
fn urgent_data_case(before: usize, after: usize, mode: Mode, fin: Fin) -> Transfer<4096> {
    let expected_len = before + after;
    let (into, from) = tcp_pair();
    let (to, out) = unix_pair();
    set_nonblocking(&from, true).unwrap();
    let (delivered_tx, delivered_rx) = std::sync::mpsc::channel::<()>();
    // More than the socket buffers hold: written from another thread.
    let sender = std::thread::spawn(move || {
        send_with_urgent_byte(&into, before, after, || {
            if let Fin::AfterDelivery = fin {
                // Bounded: a stalled transfer ends the test first.
                let _ = delivered_rx.recv_timeout(Duration::from_secs(30));
            }
        })
    });
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match read(&out, &mut buf).unwrap() {
                0 => return got,
                n => got.extend_from_slice(&buf[..n]),
            }
            if got.len() == expected_len {
                let _ = delivered_tx.send(());
            }
        }
    });
    let poller = Poller::new().unwrap();
    poller.register(&from, 1, Interest::READABLE, mode).unwrap();
    let mut transfer = Transfer::<4096>::new().unwrap();
    let mut events = Events::<4>::new();
    let mut moved = 0;
    // A correct transfer needs a few turns per 64 KiB; a level-triggered
    // busy loop on a stuck source would need forever.
    for _turn in 0..10_000 {
        let progress = transfer.run(&from, &to, None).unwrap();
        moved += progress.moved;
        match progress.stop {
            Stop::Eof => {
                assert_eq!(moved, expected_len, "Eof with {moved} of {expected_len} in-band bytes");
                drop(to);
                let expected = sender.join().unwrap();
                let got = reader.join().unwrap();
                assert!(got == expected, "in-band bytes differ ({} arrived)", got.len());
                return transfer;
            }
            Stop::SourceWouldBlock => {
                poller.wait(&mut events, Some(Duration::from_secs(10))).unwrap();
                // On failure `from` and `to` are dropped by the unwind: the
                // sender and reader threads then end too.
                assert!(
                    !events.is_empty(),
                    "stalled: SourceWouldBlock after {moved} of {expected_len} bytes with the rest queued"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("no end after 10,000 turns: {moved} of {expected_len} bytes (a busy loop)");
}

#[test]
fn urgent_data_on_the_splice_path_loses_no_in_band_byte_edge_triggered() {
    for fin in [Fin::AfterDelivery, Fin::Early] {
        let transfer = urgent_data_case(256 * 1024, 64 * 1024, Mode::Edge, fin);
        assert!(transfer.bytes_spliced() > 0, "the bulk before the mark is spliced");
    }
}

#[test]
fn urgent_data_on_the_splice_path_loses_no_in_band_byte_level_triggered() {
    for fin in [Fin::AfterDelivery, Fin::Early] {
        urgent_data_case(256 * 1024, 64 * 1024, Mode::Level, fin);
    }
}

#[test]
fn urgent_data_on_the_copy_path_loses_no_in_band_byte() {
    for (mode, fin) in [(Mode::Edge, Fin::Early), (Mode::Level, Fin::AfterDelivery)] {
        let transfer = urgent_data_case(100, 100, mode, fin);
        assert_eq!(transfer.bytes_spliced(), 0, "small messages are copied");
    }
}

/// With SO_OOBINLINE the urgent byte is part of the stream: it arrives in
/// place.
#[test]
fn urgent_data_with_oobinline_arrives_in_place() {
    let (into, from) = tcp_pair();
    let (to, out) = unix_pair();
    setsockopt(&from, SockOpt::new(libc::SOL_SOCKET, libc::SO_OOBINLINE), 1).unwrap();
    // More than small socket buffers hold: written and read by other threads.
    let sender = std::thread::spawn(move || send_with_urgent_byte(&into, 200_000, 1000, || {}));
    let reader = std::thread::spawn(move || read_to_end(&out));
    let mut transfer = Transfer::<4096>::new().unwrap();
    let progress = transfer.run(&from, &to, None).unwrap();
    assert_eq!(progress.stop, Stop::Eof);
    drop(to);
    let in_band = sender.join().unwrap();
    let got = reader.join().unwrap();
    let expected = [&in_band[..200_000], b"!", &in_band[200_000..]].concat();
    assert!(got == expected, "{} bytes arrived, {} expected", got.len(), expected.len());
}

// ---- Blocking fds --------------------------------------------------------
//
// With both fds blocking, `run` returns only at end of input, at the limit
// or on an error. The transfer's own pipe is nonblocking, and the kernel
// applies SPLICE_F_NONBLOCK to the other side too for unix sockets and
// pipe-to-pipe splices: that must not leak out as a would-block.

/// Feeds `total` bytes in `chunk`s into `into`, each only after the
/// previous one was read at the far end (so the source is momentarily empty
/// between chunks, whatever the timing), and checks that one blocking `run`
/// moves everything and ends with `Eof`.
fn one_blocking_run(
    (into, from): (OwnedFd, OwnedFd),
    (to, out): (OwnedFd, OwnedFd),
    total: usize,
    chunk: usize,
) -> Transfer<4096> {
    let (arrived_tx, arrived_rx) = std::sync::mpsc::channel::<usize>();
    let mut transfer = Transfer::<4096>::new().unwrap();
    std::thread::scope(|s| {
        // Owned by this closure: a failed assertion drops them while
        // unwinding, which ends the writer and reader threads too.
        let (from, to) = (from, to);
        let arrived_rx = arrived_rx;
        s.spawn(move || {
            let mut offset = 0;
            while offset < total {
                let len = chunk.min(total - offset);
                write_all(&into, &pattern(offset, len));
                offset += len;
                // Wait until the reader has it all: the source is empty now.
                while arrived_rx.recv_timeout(Duration::from_secs(60)).expect("reader stalled") < offset {}
            }
        });
        let reader = s.spawn(move || {
            let mut got = Vec::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                match read(&out, &mut buf).unwrap() {
                    0 => return got,
                    n => {
                        got.extend_from_slice(&buf[..n]);
                        let _ = arrived_tx.send(got.len());
                    }
                }
            }
        });
        let progress = transfer.run(&from, &to, None).unwrap();
        assert_eq!(
            (progress.stop, progress.moved, progress.pending),
            (Stop::Eof, total, 0),
            "a blocking run returned before the end"
        );
        drop(to);
        let got = reader.join().unwrap();
        assert!(got == pattern(0, total), "bytes differ ({} arrived)", got.len());
    });
    transfer
}

fn blocking_pipe() -> (OwnedFd, OwnedFd) {
    let (r, w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    (w, r) // (write end, read end): `into` first, like the socket pairs
}

#[test]
fn blocking_unix_source_momentarily_empty_runs_to_the_end() {
    let transfer = one_blocking_run(unix_pair(), tcp_pair(), 1 << 20, 64 * 1024);
    assert!(transfer.bytes_spliced() > 0, "64 KiB chunks are spliced");
}

#[test]
fn blocking_pipe_source_momentarily_empty_runs_to_the_end() {
    let transfer = one_blocking_run(blocking_pipe(), tcp_pair(), 1 << 20, 64 * 1024);
    assert!(transfer.bytes_spliced() > 0, "64 KiB chunks are spliced");
}

/// A blocking pipe destination that fills up: its reader drains it only
/// after the writer has filled it (the pipe is 64 KiB, each chunk 256 KiB).
#[test]
fn blocking_full_pipe_destination_runs_to_the_end() {
    let (into, from) = tcp_pair();
    let (r, w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    let total = 4 << 20;
    let mut transfer = Transfer::<4096>::new().unwrap();
    std::thread::scope(|s| {
        let (from, w) = (from, w); // dropped by a failure's unwind: the threads end
        s.spawn(move || {
            for offset in (0..total).step_by(256 * 1024) {
                write_all(&into, &pattern(offset, 256 * 1024));
            }
        });
        let reader = s.spawn(move || read_to_end(&r));
        let progress = transfer.run(&from, &w, None).unwrap();
        assert_eq!((progress.stop, progress.moved), (Stop::Eof, total), "a blocking run returned early");
        drop(w);
        assert!(reader.join().unwrap() == pattern(0, total));
    });
    assert!(transfer.bytes_spliced() > 0);
}
