//! `bareio::splice::Transfer` against a model of the byte stream, on real
//! nonblocking unix stream sockets and a real pipe (the kernel judges;
//! `transfer_fake.rs` runs the same operations on a fake kernel, much
//! faster): a feeder writes a known pattern into the source connection, the
//! transfer moves it to the destination connection, a drain reads it out.
//! The operations, the model and the checks are `transfer_model.rs`. Up to 16 operations per input: feed, drain, run
//! (with or without a limit, through copy buffers of 1 byte … 16 KiB — a
//! limit of at most 16 buffers under 1000 bytes —,
//! switching buffers, a `run` with no buffer), lend or take the pipe, set
//! the splice threshold or `short_reads_drain`, end the input.
//!
//! Checked after every run: the bytes reached the drain in order, each
//! exactly once (by position in the pattern); `pending` and `moved` add up
//! with what was fed; each stop means what it says (`LimitReached` at the
//! limit, `Eof` only after the end with everything delivered,
//! `SourceWouldBlock` with nothing pending and nothing left in the source,
//! `DestinationWouldBlock` with bytes pending); a run through another
//! buffer while bytes are in the first is `EINVAL` and changes nothing; no
//! other error. Every input ends by running to the end of what was fed,
//! so the sockets are empty for the next one: they are made once (and the
//! source pair again after an end of input), which keeps the syscalls per
//! input to the operations' own.

#![no_main]

mod transfer_model;

use std::cell::RefCell;

use bareio::fd::{AsFd, BorrowedFd, OwnedFd};
use bareio::splice::Pipe;
use bareio::sys::{read, setsockopt, shutdown, socketpair, write};
use bareio::sys::{AddressFamily, Shutdown, SockOpt, SocketFlags, SocketType};
use bareio::Errno;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use transfer_model::{check_pattern, Ends, Rig};

fn pair() -> (OwnedFd, OwnedFd) {
    let flags = SocketFlags::CLOEXEC | SocketFlags::NONBLOCK;
    let (a, b) = socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, 0).unwrap();
    // Small send buffers: a full destination is reached in tens of KiB.
    setsockopt(&a, SockOpt::SNDBUF, 16384).unwrap();
    setsockopt(&b, SockOpt::SNDBUF, 16384).unwrap();
    (a, b)
}

/// Two real socketpairs: `feed` → `src`, `dst` → `drain`.
struct Sockets {
    feed: OwnedFd,
    src: OwnedFd,
    dst: OwnedFd,
    drain: OwnedFd,
    scratch: Vec<u8>,
}

impl Ends for Sockets {
    fn src(&self) -> BorrowedFd<'_> {
        self.src.as_fd()
    }
    fn dst(&self) -> BorrowedFd<'_> {
        self.dst.as_fd()
    }
    fn feed(&mut self, bytes: &[u8]) -> usize {
        match write(&self.feed, bytes) {
            Ok(k) => k,
            Err(Errno::EAGAIN) => 0,
            Err(e) => panic!("feed: {e}"),
        }
    }
    fn drain(&mut self, at: u64, max: usize) -> usize {
        match read(&self.drain, &mut self.scratch[..max]) {
            Ok(k) => {
                check_pattern(at, &self.scratch[..k]);
                k
            }
            Err(Errno::EAGAIN) => 0,
            Err(e) => panic!("drain: {e}"),
        }
    }
    fn end(&mut self) {
        shutdown(&self.feed, Shutdown::Write).unwrap();
    }
    fn reopen(&mut self) {
        (self.feed, self.src) = pair();
    }
}

thread_local! {
    static RIG: RefCell<Option<Rig<Sockets>>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    RIG.with(|rig| {
        let mut rig = rig.borrow_mut();
        let rig = rig.get_or_insert_with(|| {
            let (feed, src) = pair();
            let (dst, drain) = pair();
            Rig::new(Sockets { feed, src, dst, drain, scratch: vec![0; 65536] }, Pipe::new().unwrap())
        });
        let _ = transfer_model::run(rig, &mut Unstructured::new(data));
    });
});
