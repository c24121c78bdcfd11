//! Vectored writes of many chunks: bareio's `write_vectored_all` against
//! std's `Write::write_vectored` + `IoSlice::advance_slices` loop, into a
//! blocking unix stream socket drained by a reader thread that keeps up.
//!
//! Both start from the same chunk list (`&[&[u8]]`) every call, as an
//! application holding its buffers does: bareio borrows it in a `Buffers`
//! and builds up to 1024 iovecs per `writev` on the stack; std needs a
//! mutable `IoSlice` array to advance, rebuilt from the chunks per call
//! (into a reused `Vec`: no allocation in the loop) and handed to
//! `write_vectored`, which passes at most 1024 of them per `writev`.
//!
//! - `1024x1B`: 1024 one-byte chunks (1 KiB per call);
//! - `1024x1B-1in8empty`: the same with every eighth chunk empty (896 bytes
//!   per call): std hands the 128 empty `IoSlice`s to the kernel, bareio
//!   skips them;
//! - `100000xmixed`: 100,000 chunks of 0 B … 64 KiB (a fixed pseudo-random
//!   mix of 0, 1, 16, 100, 1500, 4096, 16384 and 65536 bytes, about
//!   1.1 GB per call).
//!
//! One criterion iteration is one call writing every chunk. The `writev`
//! syscalls per call are counted by `scripts/bench-report` (count mode).
//!
//! `writev_user_space` times the same calls of the two 1024-chunk lists
//! with the syscall replaced by a function that takes every byte it is
//! given ([`fake_writev`]): each side's user-space work per call alone.
//!
//! The instruction-count cases ([`CASES`], `common::Case`) are the same
//! calls on this thread alone: `writev_user_space/*` as they are, and
//! `writev/*` with the syscall into `/dev/null` (which takes every byte at
//! once) in place of the drained socket.
//!
//! Run with `cargo bench --bench writev`.

use std::fs::File;
use std::hint::black_box;
use std::io::{IoSlice, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use bareio::fd::BorrowedFd;
use bareio::iovec::{write_vectored_all, Buffers, IOV_MAX};
use criterion::{Criterion, SamplingMode, Throughput};

mod common;

/// The storage every chunk is a prefix of.
static DATA: [u8; 65536] = [0x5a; 65536];

/// `n` one-byte chunks.
fn ones(n: usize) -> Vec<&'static [u8]> {
    vec![&DATA[..1]; n]
}

/// `n` one-byte chunks, every eighth one empty.
fn one_in_8_empty(n: usize) -> Vec<&'static [u8]> {
    (0..n).map(|i| &DATA[..usize::from(i % 8 != 7)]).collect()
}

/// `n` chunks of mixed sizes, the same on every call (xorshift from a
/// fixed seed).
fn mixed(n: usize) -> Vec<&'static [u8]> {
    const SIZES: [usize; 8] = [0, 1, 16, 100, 1500, 4096, 16384, 65536];
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            &DATA[..SIZES[(x % 8) as usize]]
        })
        .collect()
}

/// Runs `write_call` `iters` times on a socket drained by a reader thread;
/// returns the time of the calls only.
fn with_drained_socket(iters: u64, mut write_call: impl FnMut(&mut UnixStream)) -> Duration {
    let (mut writer, mut reader) = UnixStream::pair().unwrap();
    // The clock starts when the reader is running, not while it spawns.
    let start_line = Barrier::new(2);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut buf = vec![0u8; 256 * 1024];
            start_line.wait();
            while std::io::Read::read(&mut reader, &mut buf).unwrap() > 0 {}
        });
        start_line.wait();
        let start = Instant::now();
        for _ in 0..iters {
            write_call(&mut writer);
        }
        let elapsed = start.elapsed();
        drop(writer); // end of file for the reader
        elapsed
    })
}

/// One bareio call: every chunk written to `fd`.
fn bareio_call(fd: &impl AsRawFd, chunks: &[&[u8]]) {
    // SAFETY: the caller's fd outlives the call.
    let fd = unsafe { BorrowedFd::borrow_raw(fd.as_raw_fd()) };
    let mut bufs = Buffers::new(chunks);
    write_vectored_all::<IOV_MAX>(fd, &mut bufs).unwrap();
}

/// One std call: `slices` (reused, no allocation) rebuilt from the chunks,
/// then `write_vectored` + `advance_slices` until every byte is written.
fn std_call<'a>(out: &mut impl Write, slices: &mut Vec<IoSlice<'a>>, chunks: &[&'a [u8]]) {
    slices.clear();
    slices.extend(chunks.iter().map(|c| IoSlice::new(c)));
    let mut bufs = &mut slices[..];
    while !bufs.is_empty() {
        let n = out.write_vectored(bufs).unwrap();
        assert!(n > 0, "write_vectored wrote nothing");
        IoSlice::advance_slices(&mut bufs, n);
    }
}

fn bareio_writev(chunks: &[&[u8]], iters: u64) -> Duration {
    with_drained_socket(iters, |socket| bareio_call(socket, chunks))
}

fn std_writev(chunks: &[&[u8]], iters: u64) -> Duration {
    let mut slices = Vec::with_capacity(chunks.len());
    with_drained_socket(iters, |socket| std_call(socket, &mut slices, chunks))
}

/// `/dev/null`, for the instruction counts: a `writev` that takes all.
fn dev_null() -> File {
    File::options().write(true).open("/dev/null").unwrap()
}

fn bareio_dev_null(chunks: &[&[u8]], iters: u64) -> u64 {
    let null = dev_null();
    (0..iters).for_each(|_| bareio_call(&null, black_box(chunks)));
    iters
}

fn std_dev_null(chunks: &[&[u8]], iters: u64) -> u64 {
    let (mut null, mut slices) = (dev_null(), Vec::with_capacity(chunks.len()));
    (0..iters).for_each(|_| std_call(&mut null, &mut slices, black_box(chunks)));
    iters
}

/// A `writev` that takes every byte of the first 1024 iovecs without a
/// syscall: what remains is each side's own user-space work per call.
fn fake_writev<S: std::ops::Deref<Target = [u8]>>(iov: &[S]) -> usize {
    black_box(iov).iter().take(IOV_MAX).map(|s| s.len()).sum()
}

fn bareio_user_space(chunks: &[&[u8]], iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        let mut bufs = Buffers::new(black_box(chunks));
        bufs.write_all_with::<IOV_MAX>(|iov| Ok(fake_writev(iov))).unwrap();
    }
    start.elapsed()
}

fn std_user_space(chunks: &[&[u8]], iters: u64) -> Duration {
    let mut slices = Vec::with_capacity(chunks.len());
    let start = Instant::now();
    for _ in 0..iters {
        slices.clear();
        slices.extend(black_box(chunks).iter().map(|c| IoSlice::new(c)));
        let mut bufs = &mut slices[..];
        while !bufs.is_empty() {
            let n = fake_writev(bufs);
            IoSlice::advance_slices(&mut bufs, n);
        }
    }
    start.elapsed()
}

const ONES: usize = 1024;
const MIXED: usize = 100_000;

const WORKLOADS: &[common::Workload] = &[
    ("writev/bareio/1024x1B", |iters| bareio_writev(&ones(ONES), iters)),
    ("writev/std/1024x1B", |iters| std_writev(&ones(ONES), iters)),
    ("writev/bareio/1024x1B-1in8empty", |iters| bareio_writev(&one_in_8_empty(ONES), iters)),
    ("writev/std/1024x1B-1in8empty", |iters| std_writev(&one_in_8_empty(ONES), iters)),
    ("writev/bareio/100000xmixed", |iters| bareio_writev(&mixed(MIXED), iters)),
    ("writev/std/100000xmixed", |iters| std_writev(&mixed(MIXED), iters)),
    ("writev_user_space/bareio/1024x1B", |iters| bareio_user_space(&ones(ONES), iters)),
    ("writev_user_space/std/1024x1B", |iters| std_user_space(&ones(ONES), iters)),
    ("writev_user_space/bareio/1024x1B-1in8empty", |iters| bareio_user_space(&one_in_8_empty(ONES), iters)),
    ("writev_user_space/std/1024x1B-1in8empty", |iters| std_user_space(&one_in_8_empty(ONES), iters)),
];

/// One operation is one call writing every chunk.
const CASES: &[common::Case] = &[
    ("writev/bareio/1024x1B", 50, |ops| bareio_dev_null(&ones(ONES), ops)),
    ("writev/std/1024x1B", 50, |ops| std_dev_null(&ones(ONES), ops)),
    ("writev/bareio/1024x1B-1in8empty", 50, |ops| bareio_dev_null(&one_in_8_empty(ONES), ops)),
    ("writev/std/1024x1B-1in8empty", 50, |ops| std_dev_null(&one_in_8_empty(ONES), ops)),
    ("writev/bareio/100000xmixed", 2, |ops| bareio_dev_null(&mixed(MIXED), ops)),
    ("writev/std/100000xmixed", 2, |ops| std_dev_null(&mixed(MIXED), ops)),
    ("writev_user_space/bareio/1024x1B", 50, |ops| untimed(bareio_user_space(&ones(ONES), ops), ops)),
    ("writev_user_space/std/1024x1B", 50, |ops| untimed(std_user_space(&ones(ONES), ops), ops)),
    ("writev_user_space/bareio/1024x1B-1in8empty", 50, |ops| {
        untimed(bareio_user_space(&one_in_8_empty(ONES), ops), ops)
    }),
    ("writev_user_space/std/1024x1B-1in8empty", 50, |ops| {
        untimed(std_user_space(&one_in_8_empty(ONES), ops), ops)
    }),
];

/// A timed workload as a case: its `ops` iterations, the time dropped.
fn untimed(_: Duration, ops: u64) -> u64 {
    ops
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("writev");
    let bytes = |chunks: Vec<&[u8]>| chunks.iter().map(|c| c.len()).sum::<usize>();
    for (param, bytes) in [
        ("1024x1B", bytes(ones(ONES))),
        ("1024x1B-1in8empty", bytes(one_in_8_empty(ONES))),
        ("100000xmixed", bytes(mixed(MIXED))),
    ] {
        group.throughput(Throughput::Bytes(bytes as u64));
        if param.ends_with("mixed") {
            // A quarter second a call: a fixed number of calls per sample.
            group.sampling_mode(SamplingMode::Flat).sample_size(10);
        }
        for &(name, run) in
            WORKLOADS.iter().filter(|(name, _)| name.starts_with("writev/") && name.ends_with(param))
        {
            let function = name.split('/').nth(1).unwrap();
            group.bench_function(criterion::BenchmarkId::new(function, param), |b| b.iter_custom(run));
        }
    }
    group.finish();
    let mut group = c.benchmark_group("writev_user_space");
    for &(name, run) in WORKLOADS.iter().filter(|(name, _)| name.starts_with("writev_user_space/")) {
        let (function, param) = name.trim_start_matches("writev_user_space/").split_once('/').unwrap();
        group.bench_function(criterion::BenchmarkId::new(function, param), |b| b.iter_custom(run));
    }
    group.finish();
}

fn main() {
    common::main(WORKLOADS, CASES, benches);
}
