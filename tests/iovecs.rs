//! `bareio::iovec` against Go's `TestBuffers_consume` cases and real fds:
//! exact writev counts at the `IOV_MAX` boundary, partial writes to a
//! tiny send buffer completed through the Poller, `EPIPE` (not `SIGPIPE`)
//! on the sendmsg path, vectored reads, and injected faults. Nothing waits
//! on time: every wait is for a readiness the test itself creates.

#![cfg(target_os = "linux")]

use std::time::Duration;

use bareio::fd::OwnedFd;
use bareio::iovec::{
    read_vectored, send_vectored, send_vectored_all, write_vectored, write_vectored_all, AdvanceError,
    Buffers, IoVecs, IOV_MAX,
};
use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::sys::*;
use bareio::Errno;

fn stream_pair(flags: SocketFlags) -> (OwnedFd, OwnedFd) {
    socketpair(AddressFamily::UNIX, SocketType::STREAM, flags | SocketFlags::CLOEXEC, 0).unwrap()
}

/// `len` bytes that differ from their neighbours, so a lost, duplicated
/// or reordered byte shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Reads exactly `len` bytes from a blocking fd.
fn read_exactly(fd: &OwnedFd, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    let mut got = 0;
    while got < len {
        let n = read(fd, &mut out[got..]).unwrap();
        assert!(n > 0, "end of file after {got} of {len} bytes");
        got += n;
    }
    out
}

fn collect<'s>(bufs: &Buffers<'s, &[u8]>) -> Vec<&'s [u8]> {
    bufs.chunks().collect()
}

// --- Go's TestBuffers_consume -------------------------------------------

/// Input chunks, bytes to consume, the chunks that must remain.
type ConsumeCase = (Vec<&'static [u8]>, usize, Vec<&'static [u8]>);

#[test]
fn go_buffers_consume_cases() {
    let empty: &[u8] = &[];
    let cases: [ConsumeCase; 7] = [
        (vec![b"foo", b"bar"], 0, vec![b"foo", b"bar"]),
        (vec![b"foo", b"bar"], 2, vec![b"o", b"bar"]),
        (vec![b"foo", b"bar"], 3, vec![b"bar"]),
        (vec![b"foo", b"bar"], 4, vec![b"ar"]),
        (vec![empty, empty, empty, b"bar"], 1, vec![b"ar"]),
        (vec![empty, empty, empty, b"foo"], 0, vec![b"foo"]),
        (vec![empty, empty, empty], 0, vec![]),
    ];
    for (i, (input, consume, want)) in cases.iter().enumerate() {
        let mut bufs = Buffers::new(input);
        bufs.advance(*consume).unwrap();
        assert_eq!(collect(&bufs), *want, "case {i}: {input:?} consume {consume}");
        assert_eq!(bufs.remaining(), want.iter().map(|c| c.len()).sum::<usize>(), "case {i}");
        assert_eq!(bufs.is_empty(), want.is_empty(), "case {i}");
    }
}

#[test]
fn all_empty_lists_are_empty_and_emit_nothing() {
    let none: [&[u8]; 0] = [];
    let empties: [&[u8]; 5] = [b"", b"", b"", b"", b""];
    for list in [&none[..], &empties[..]] {
        let mut bufs = Buffers::new(list);
        assert!(bufs.is_empty());
        assert_eq!(bufs.remaining(), 0);
        assert_eq!(bufs.checked_remaining(), Some(0));
        assert!(IoVecs::<4>::from_buffers(&bufs).is_empty());
        assert_eq!(bufs.advance(0), Ok(()));
        let err = bufs.advance(1).unwrap_err();
        assert_eq!((err.requested(), err.remaining()), (1, 0));
        // Nothing to write, so no syscall: one on this shut-down socket
        // would fail with EPIPE.
        let (a, _b) = stream_pair(SocketFlags::empty());
        shutdown(&a, Shutdown::Write).unwrap();
        assert_eq!(write_vectored::<4>(&a, &mut bufs), Ok(0));
        assert_eq!(write_vectored_all::<4>(&a, &mut bufs), Ok(()));
    }
}

#[test]
fn advancing_past_the_end_is_an_error_that_changes_nothing() {
    let chunks: [&[u8]; 3] = [b"foo", b"", b"bar"];
    let mut bufs = Buffers::new(&chunks);
    bufs.advance(2).unwrap();
    for n in [5, 100, usize::MAX] {
        let err: AdvanceError = bufs.advance(n).unwrap_err();
        assert_eq!((err.requested(), err.remaining()), (n, 4));
        assert_eq!(collect(&bufs), [&b"o"[..], b"bar"]);
    }
    assert_eq!(bufs.advance(5).unwrap_err().to_string(), "cannot advance by 5 bytes: only 4 remain");
    assert_eq!(Errno::from(bufs.advance(5).unwrap_err()), Errno::EINVAL);
    assert_eq!(format!("{bufs:?}"), "[[111], [98, 97, 114]]");
}

#[test]
fn the_storage_is_not_modified_and_can_be_written_again() {
    let chunks: [&[u8]; 2] = [b"abc", b"def"];
    let mut first = Buffers::new(&chunks);
    let snapshot = first.clone();
    first.advance(4).unwrap();
    assert_eq!(collect(&first), [b"ef"]);
    assert_eq!(collect(&snapshot), [b"abc", b"def"]);
    assert_eq!(collect(&Buffers::new(&chunks)), [b"abc", b"def"]);
    assert_eq!(chunks, [b"abc", b"def"]);
}

#[test]
fn any_chunk_that_derefs_to_bytes_works() {
    let owned: Vec<Vec<u8>> = vec![b"ab".to_vec(), Vec::new(), b"cde".to_vec()];
    let mut bufs = Buffers::new(&owned);
    bufs.advance(3).unwrap();
    assert_eq!(bufs.chunks().collect::<Vec<_>>(), [b"de"]);

    let ours = [IoSlice::new(b"xy"), IoSlice::new(b""), IoSlice::new(b"z")];
    let mut bufs = Buffers::new(&ours);
    bufs.advance(1).unwrap();
    assert_eq!(bufs.chunks().collect::<Vec<_>>(), [&b"y"[..], b"z"]);

    // std's IoSlice as it is: no conversion, no copy.
    let std_slices = [std::io::IoSlice::new(b"12"), std::io::IoSlice::new(b"345")];
    let mut bufs = Buffers::new(&std_slices);
    bufs.advance(2).unwrap();
    assert_eq!(bufs.chunks().collect::<Vec<_>>(), [b"345"]);
}

/// The kernel's limits: `UIO_MAXIOV` entries per call.
#[test]
fn iov_max_is_the_kernels_limit() {
    // SAFETY: sysconf only reads a constant.
    let libc_iov_max = unsafe { libc::sysconf(libc::_SC_IOV_MAX) };
    assert_eq!(libc_iov_max, IOV_MAX as libc::c_long);
    let (a, b) = stream_pair(SocketFlags::empty());
    let byte = [1u8];
    let iov = vec![IoSlice::new(&byte); IOV_MAX + 1];
    assert_eq!(writev(&a, &iov), Err(Errno::EINVAL), "the kernel refuses IOV_MAX + 1");
    assert_eq!(writev(&a, &iov[..IOV_MAX]), Ok(IOV_MAX));
    assert_eq!(read_exactly(&b, IOV_MAX), vec![1u8; IOV_MAX]);
}

#[test]
fn iovecs_are_the_kernels_iovec() {
    // Field offsets are checked against `libc::iovec` with memoffset in
    // src/sys/layout_tests.rs; here, what the builder emits reads back
    // through libc's type.
    let chunks: [&[u8]; 3] = [b"hello", b"", b"world!"];
    let bufs = Buffers::new(&chunks);
    let iov = IoVecs::<4>::from_buffers(&bufs);
    assert_eq!(size_of::<IoSlice<'_>>(), size_of::<libc::iovec>());
    assert_eq!(align_of::<IoSlice<'_>>(), align_of::<libc::iovec>());
    // SAFETY: same size and alignment (checked above) and the same fields
    // (layout_tests.rs); both are plain pointer + length.
    let raw: &[libc::iovec] = unsafe { std::slice::from_raw_parts(iov.as_ptr().cast(), iov.len()) };
    assert_eq!(raw.len(), 2);
    assert_eq!((raw[0].iov_base as *const u8, raw[0].iov_len), (chunks[0].as_ptr(), 5));
    assert_eq!((raw[1].iov_base as *const u8, raw[1].iov_len), (chunks[2].as_ptr(), 6));
}

#[test]
fn builder_caps_at_min_n_iov_max() {
    let data = pattern(3000);
    let chunks: Vec<&[u8]> = data.chunks(1).collect();
    let bufs = Buffers::new(&chunks);
    assert_eq!(IoVecs::<1>::from_buffers(&bufs).len(), 1);
    assert_eq!(IoVecs::<1023>::from_buffers(&bufs).len(), 1023);
    assert_eq!(IoVecs::<1024>::from_buffers(&bufs).len(), 1024);
    assert_eq!(IoVecs::<1025>::from_buffers(&bufs).len(), 1024);
    let mut big = IoVecs::<2048>::new();
    assert_eq!((big.capacity(), IoVecs::<2048>::CAPACITY), (1024, 1024));
    assert_eq!(big.fill(&bufs), 1024);
    assert_eq!(big.byte_len(), 1024);
    big.clear();
    assert!(big.is_empty());
}

// --- writev counts --------------------------------------------------------

/// Writes `n` one-byte chunks with `write_all_with::<N>` around a real
/// `writev`, counting the syscalls; the reader gets every byte in order.
fn one_byte_chunks<const N: usize>(n: usize) -> usize {
    let (a, b) = stream_pair(SocketFlags::empty());
    let data = pattern(n);
    let chunks: Vec<&[u8]> = data.chunks(1).collect();
    let mut bufs = Buffers::new(&chunks);
    let mut calls = 0;
    bufs.write_all_with::<N>(|iov| {
        calls += 1;
        writev(&a, iov)
    })
    .unwrap();
    assert!(bufs.is_empty());
    assert_eq!(read_exactly(&b, n), data, "N = {N}, n = {n}");
    calls
}

#[test]
fn one_byte_chunks_take_ceil_n_over_1024_writevs() {
    for n in [0usize, 10, 1023, 1024, 1025, 2048, 2049] {
        let want = n.div_ceil(1024);
        assert_eq!(one_byte_chunks::<1024>(n), want, "N = 1024, n = {n}");
        assert_eq!(one_byte_chunks::<2048>(n), want, "N = 2048 is capped at IOV_MAX, n = {n}");
        assert_eq!(one_byte_chunks::<16>(n), n.div_ceil(16), "N = 16, n = {n}");
    }
}

#[test]
fn the_public_step_and_loop_make_the_same_calls() {
    for n in [0usize, 10, 1023, 1024, 1025] {
        // The step, called by hand until it reports nothing left.
        let (a, b) = stream_pair(SocketFlags::empty());
        let data = pattern(n);
        let chunks: Vec<&[u8]> = data.chunks(1).collect();
        let mut bufs = Buffers::new(&chunks);
        let mut steps = 0;
        while write_vectored::<1024>(&a, &mut bufs).unwrap() > 0 {
            steps += 1;
        }
        assert_eq!(steps, n.div_ceil(1024));
        assert_eq!(read_exactly(&b, n), data);

        // The loops, over writev and over sendmsg.
        let mut bufs = Buffers::new(&chunks);
        write_vectored_all::<1024>(&a, &mut bufs).unwrap();
        assert_eq!(read_exactly(&b, n), data);
        let mut bufs = Buffers::new(&chunks);
        send_vectored_all::<1024>(&a, &mut bufs).unwrap();
        assert_eq!(read_exactly(&b, n), data);
        let mut bufs = Buffers::new(&chunks);
        let mut sends = 0;
        while send_vectored::<1024>(&a, &mut bufs).unwrap() > 0 {
            sends += 1;
        }
        assert_eq!(sends, n.div_ceil(1024));
        assert_eq!(read_exactly(&b, n), data);
    }
}

// --- partial writes through the Poller -------------------------------------

/// Deterministic xorshift, for chunk sizes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// About `total` bytes cut into chunks of 0 to 9,000 bytes, many tiny.
fn varied_chunks(data: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut rng = Rng(seed);
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let len = match rng.next() % 4 {
            0 => 0,
            1 => 1 + (rng.next() % 3) as usize,
            2 => (rng.next() % 600) as usize,
            _ => (rng.next() % 9000) as usize,
        };
        let end = (at + len).min(data.len());
        chunks.push(&data[at..end]);
        at = end;
    }
    chunks
}

/// A nonblocking socketpair whose writer has the smallest send buffer.
fn tiny_buffer_pair() -> (OwnedFd, OwnedFd) {
    let (w, r) = stream_pair(SocketFlags::NONBLOCK);
    setsockopt(&w, SockOpt::SNDBUF, 1).unwrap(); // the kernel's minimum (a few KiB)
    setsockopt(&r, SockOpt::RCVBUF, 1).unwrap();
    (w, r)
}

fn drain(fd: &OwnedFd, out: &mut Vec<u8>) {
    let mut buf = [0u8; 4096];
    loop {
        match read(fd, &mut buf) {
            Ok(0) | Err(Errno::EAGAIN) => return,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read: {e}"),
        }
    }
}

#[test]
fn partial_writes_to_a_tiny_send_buffer_complete_through_the_poller() {
    let data = pattern(300 * 1024);
    let chunks = varied_chunks(&data, 0x9E37_79B9_7F4A_7C15);
    assert!(chunks.len() > 200 && chunks.iter().any(|c| c.is_empty()));
    let (w, r) = tiny_buffer_pair();
    let poller = Poller::new().unwrap();
    poller.register(&w, 1, Interest::WRITABLE, Mode::Level).unwrap();
    let mut events = Events::<4>::new();

    let mut bufs = Buffers::new(&chunks);
    let (mut received, mut eagains, mut short_writes) = (Vec::new(), 0, 0);
    loop {
        let result = bufs.write_all_with::<64>(|iov| {
            let asked: usize = iov.iter().map(|e| e.len()).sum();
            let written = writev(&w, iov)?;
            short_writes += usize::from(written < asked);
            Ok(written)
        });
        match result {
            Ok(()) => break,
            Err(Errno::EAGAIN) => eagains += 1,
            Err(e) => panic!("write: {e}"),
        }
        // What the kernel took is consumed: what was received plus what
        // is left is exactly the data, before the reader even looks.
        drain(&r, &mut received);
        assert_eq!(received.len() + bufs.remaining(), data.len());
        // Drained, so the writer is writable again: this returns at once
        // (the timeout only turns a bug into a failure instead of a hang).
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(30))), Ok(1));
        assert!(events.iter().next().unwrap().is_writable());
    }
    drain(&r, &mut received);
    assert!(eagains > 5, "the send buffer never filled ({eagains} EAGAINs)");
    assert!(short_writes > 5, "no partial writes ({short_writes})");
    assert_eq!(received.len(), data.len());
    assert!(received == data, "the bytes differ");
}

#[test]
fn write_vectored_all_resumes_after_eagain_with_a_reader_thread() {
    let data = pattern(400 * 1024 + 17);
    let chunks = varied_chunks(&data, 42);
    let (w, r) = tiny_buffer_pair();
    set_nonblocking(&r, false).unwrap(); // the reader blocks; the writer polls
                                         // The reader starts only once the writer has met a full buffer: then
                                         // the writer surely resumes after EAGAIN, however fast the reader is.
    let (full_tx, full_rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        let full_tx = full_tx;
        let reader = s.spawn(move || {
            let _ = full_rx.recv();
            let mut out = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match read(&r, &mut buf).unwrap() {
                    0 => return out,
                    n => out.extend_from_slice(&buf[..n]),
                }
            }
        });
        let poller = Poller::new().unwrap();
        poller.register(&w, 7, Interest::WRITABLE, Mode::Edge).unwrap();
        let mut events = Events::<4>::new();
        let mut bufs = Buffers::new(&chunks);
        let mut eagains = 0;
        loop {
            match write_vectored_all::<32>(&w, &mut bufs) {
                Ok(()) => break,
                Err(Errno::EAGAIN) => {
                    eagains += 1;
                    let _ = full_tx.send(());
                    assert_eq!(
                        poller.wait(&mut events, Some(Duration::from_secs(60))),
                        Ok(1),
                        "never writable"
                    );
                }
                Err(e) => panic!("write: {e}"),
            }
        }
        drop(w); // end of file for the reader
        drop(full_tx); // (had it never filled, the reader starts now)
        let received = reader.join().unwrap();
        assert!(eagains > 0, "the send buffer never filled");
        assert_eq!(received.len(), data.len());
        assert!(received == data, "the bytes differ");
    });
}

// --- EPIPE, not SIGPIPE ----------------------------------------------------

/// Forks; the child restores the default SIGPIPE action (Rust ignores
/// SIGPIPE before `main`, which would hide the signal), writes to a
/// socket whose peer is closed, and exits 0 if the write failed with
/// `EPIPE` having consumed nothing. Returns the raw wait status.
fn write_to_closed_peer_in_a_child(send: bool) -> i32 {
    let (a, b) = stream_pair(SocketFlags::empty());
    drop(b);
    let chunks: [&[u8]; 3] = [b"hello", b"", b"world"];
    // SAFETY: the child makes raw syscalls only (no allocation, no lock
    // that another thread of the test harness could hold) and `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: setting a signal's action to its default is always valid.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let mut bufs = Buffers::new(&chunks);
        let result =
            if send { send_vectored_all::<4>(&a, &mut bufs) } else { write_vectored_all::<4>(&a, &mut bufs) };
        let code = if result == Err(Errno::EPIPE) && bufs.remaining() == 10 { 0 } else { 1 };
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for our own child, writing its status into `status`.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    status
}

#[test]
fn a_closed_peer_gives_epipe_through_sendmsg_not_sigpipe() {
    let status = write_to_closed_peer_in_a_child(true);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "send_vectored_all to a closed peer: wait status {status:#x}"
    );
    // The control: plain writev is killed by SIGPIPE in the same set-up,
    // so the test above would see it if MSG_NOSIGNAL were missing.
    let status = write_to_closed_peer_in_a_child(false);
    assert!(
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGPIPE,
        "writev to a closed peer was not killed by SIGPIPE: wait status {status:#x}"
    );
}

// --- reads ------------------------------------------------------------------

#[test]
fn read_vectored_fills_several_buffers_in_order() {
    let (a, b) = stream_pair(SocketFlags::NONBLOCK);
    assert_eq!(write(&a, b"0123456789abc"), Ok(13));
    let (mut one, mut none, mut two, mut three) = ([0u8; 3], [0u8; 0], [0u8; 4], [0u8; 16]);
    let n = read_vectored(
        &b,
        &mut [
            IoSliceMut::new(&mut one),
            IoSliceMut::new(&mut none),
            IoSliceMut::new(&mut two),
            IoSliceMut::new(&mut three),
        ],
    )
    .unwrap();
    assert_eq!(n, 13);
    assert_eq!((&one, &two, &three[..6]), (b"012", b"3456", &b"789abc"[..]));
    assert_eq!(read_vectored(&b, &mut [IoSliceMut::new(&mut one)]), Err(Errno::EAGAIN));
    drop(a);
    assert_eq!(read_vectored(&b, &mut [IoSliceMut::new(&mut one)]), Ok(0), "end of file");
}

#[test]
fn read_vectored_uses_at_most_iov_max_buffers() {
    let (a, b) = stream_pair(SocketFlags::NONBLOCK);
    let data = pattern(1500);
    assert_eq!(write(&a, &data), Ok(1500));
    let mut storage = vec![0u8; 1500];
    let mut bufs: Vec<IoSliceMut<'_>> = storage.chunks_mut(1).map(IoSliceMut::new).collect();
    // 1500 buffers would be EINVAL from the kernel: only the first 1024 go.
    assert_eq!(read_vectored(&b, &mut bufs), Ok(IOV_MAX));
    assert_eq!(read_vectored(&b, &mut bufs[IOV_MAX..]), Ok(1500 - IOV_MAX));
    drop(bufs);
    assert_eq!(storage, data);
}

// --- the loop's error handling, with injected faults ------------------------

#[test]
fn eintr_is_retried_and_eagain_keeps_the_progress() {
    let chunks: [&[u8]; 4] = [b"abc", b"", b"defg", b"hi"];
    let mut bufs = Buffers::new(&chunks);
    let mut out = Vec::new();
    let mut script = [Ok(2), Err(Errno::EINTR), Err(Errno::EINTR), Ok(3), Err(Errno::EAGAIN)].into_iter();
    let result = bufs.write_all_with::<8>(|iov| {
        let n = script.next().unwrap_or(Ok(usize::MAX))?;
        let batch: Vec<u8> = iov.iter().flat_map(|e| e.as_slice()).copied().collect();
        let n = n.min(batch.len());
        out.extend_from_slice(&batch[..n]);
        Ok(n)
    });
    assert_eq!(result, Err(Errno::EAGAIN));
    assert_eq!(out, b"abcde");
    assert_eq!(bufs.chunks().collect::<Vec<_>>(), [&b"fg"[..], b"hi"]);
}

#[test]
fn a_zero_byte_write_is_eio_and_consumes_nothing() {
    let chunks: [&[u8]; 2] = [b"ab", b"cd"];
    let mut bufs = Buffers::new(&chunks);
    assert_eq!(bufs.write_with::<4>(|_| Ok(0)), Err(Errno::EIO));
    assert_eq!(bufs.write_all_with::<4>(|_| Ok(0)), Err(Errno::EIO));
    assert_eq!(bufs.remaining(), 4);
}

#[test]
fn a_write_claiming_more_than_the_batch_is_eio_and_consumes_nothing() {
    let chunks: [&[u8]; 3] = [b"ab", b"cd", b"ef"];
    let mut bufs = Buffers::new(&chunks);
    // The batch is 2 entries (4 bytes) although 6 bytes remain.
    assert_eq!(bufs.write_with::<2>(|_| Ok(5)), Err(Errno::EIO));
    assert_eq!(bufs.remaining(), 6);
    assert_eq!(bufs.write_with::<2>(|_| Ok(4)), Ok(4));
    assert_eq!(bufs.chunks().collect::<Vec<_>>(), [b"ef"]);
}

#[test]
fn other_errors_end_the_loop_with_the_progress_kept() {
    let chunks: [&[u8]; 2] = [b"abc", b"def"];
    let mut bufs = Buffers::new(&chunks);
    let mut calls = 0;
    let result = bufs.write_all_with::<1>(|_| {
        calls += 1;
        if calls == 1 {
            Ok(3)
        } else {
            Err(Errno::ECONNRESET)
        }
    });
    assert_eq!((result, calls), (Err(Errno::ECONNRESET), 2));
    assert_eq!(bufs.chunks().collect::<Vec<_>>(), [b"def"]);
}

// --- 32-bit: more bytes than a usize counts ---------------------------------

#[cfg(target_pointer_width = "32")]
#[test]
fn remaining_saturates_instead_of_overflowing() {
    let mib = vec![0u8; 1 << 20];
    let chunks: Vec<&[u8]> = vec![&mib; 4097]; // 4097 MiB > u32::MAX
    let mut bufs = Buffers::new(&chunks);
    assert_eq!(bufs.remaining(), usize::MAX);
    assert_eq!(bufs.checked_remaining(), None);
    assert_eq!(IoVecs::<1024>::from_buffers(&bufs).byte_len(), 1 << 30);
    bufs.advance(usize::MAX).unwrap();
    // 4097 MiB - (4 GiB - 1) = 1 MiB + 1.
    assert_eq!(bufs.checked_remaining(), Some((1 << 20) + 1));
}

#[cfg(target_pointer_width = "32")]
#[test]
fn a_batch_of_more_than_a_usize_saturates_and_a_full_claim_consumes_only_that() {
    let big = vec![0u8; 8 << 20];
    let chunks: Vec<&[u8]> = vec![&big; 600]; // 4800 MiB > u32::MAX
    let mut bufs = Buffers::new(&chunks);
    assert_eq!(IoVecs::<1024>::new().fill(&bufs), usize::MAX);
    // A writer claiming `usize::MAX` bytes (the saturated batch) wrote
    // that many, not every chunk of the batch.
    assert_eq!(bufs.write_with::<1024>(|_| Ok(usize::MAX)), Ok(usize::MAX));
    let left = 600 * (8u64 << 20) - u64::from(u32::MAX);
    assert_eq!(bufs.checked_remaining().map(|n| n as u64), Some(left));
}

// --- std interop ------------------------------------------------------------

#[cfg(feature = "std")]
#[test]
fn io_slices_convert_to_and_from_std() {
    use std::io::Write;

    let ours = IoSlice::new(b"abc");
    let theirs: std::io::IoSlice<'_> = ours.into();
    assert_eq!(&*theirs, b"abc");
    let back: IoSlice<'_> = theirs.into();
    assert_eq!((back.as_slice().as_ptr(), back.len()), (ours.as_slice().as_ptr(), 3));

    // A batch built here, written by std's `Write::write_vectored`.
    let chunks: [&[u8]; 3] = [b"one ", b"", b"two"];
    let bufs = Buffers::new(&chunks);
    let iov = IoVecs::<4>::from_buffers(&bufs);
    let std_iov: Vec<std::io::IoSlice<'_>> = iov.iter().map(|&e| e.into()).collect();
    let mut sink = Vec::new();
    assert_eq!(sink.write_vectored(&std_iov).unwrap(), 7);
    assert_eq!(sink, b"one two");

    let mut storage = [0u8; 4];
    let theirs = std::io::IoSliceMut::new(&mut storage);
    let mut ours: IoSliceMut<'_> = theirs.into();
    ours.copy_from_slice(b"wxyz");
    let mut theirs: std::io::IoSliceMut<'_> = ours.into();
    theirs[0] = b'W';
    assert_eq!(&storage, b"Wxyz");
}
