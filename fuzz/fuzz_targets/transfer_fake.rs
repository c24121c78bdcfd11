//! `bareio::splice::Transfer`'s state machine on a fake kernel
//! (`bareio::splice::fake`, compiled in under cargo-fuzz's `cfg(fuzzing)`):
//! the operations, the model and the checks of `transfer.rs`
//! (`transfer_model.rs`), with no syscall in the transfer's reads, writes
//! and splices, so it runs at the fuzzer's full speed. The fake is a byte
//! queue per connection and one for the pipe, with the kernel's rules for
//! what a transfer relies on: a read takes everything queued up to the
//! length asked (what `set_short_reads_drain` trusts), an empty source
//! answers `EAGAIN` and an ended one 0, a full destination or pipe
//! `EAGAIN`. Beyond the real kernel of `transfer.rs`, the input's last
//! bytes make it misbehave as a kernel may: `EINTR` (never twice in a row),
//! writes and splices that take fewer bytes than they could, destinations
//! of 1 to 64 KiB, and splices refused with `EINVAL` from some call on
//! (the transfer must copy what the pipe holds and lose nothing).
//!
//! The fds are real (a socketpair stands for the two connections, so that
//! `fcntl(F_GETFL)` reads them as nonblocking; the pipe is a `Pipe`), and
//! never read or written. At the end of every input the fake's pipe and
//! source are empty, as the transfer's counts say.

#![no_main]

mod transfer_model;

use std::cell::RefCell;

use bareio::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use bareio::splice::{fake, Pipe};
use bareio::sys::{socketpair, AddressFamily, SocketFlags, SocketType};
use bareio::Errno;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use transfer_model::{check_pattern, pattern, Ends, Rig};

/// What the source connection holds at most (a socket's receive queue).
const SOURCE_CAPACITY: usize = 256 * 1024;
/// The destination's capacities an input may pick.
const DESTINATION_CAPACITIES: [usize; 4] = [1024, 4096, 16384, 65536];
/// Bytes at the end of the input that steer the fake's misbehaviour.
const CHAOS: usize = 8;

/// The fake kernel's state. Every byte is the pattern's byte at its stream
/// position (`transfer_model::pattern`), so the queues are ranges of
/// positions, not bytes: what a read returns is the pattern there, and
/// what the transfer writes is checked against the pattern where the
/// destination's stream stands (a lost, repeated or reordered byte fails
/// there, at the write).
struct State {
    src: RawFd,
    dst: RawFd,
    /// Bytes fed into the source, and taken from it by the transfer.
    fed: u64,
    taken: u64,
    ended: bool,
    /// The pipe holds the positions `pipe_head..pipe_head + pipe_len`.
    pipe_head: u64,
    pipe_len: usize,
    pipe_capacity: usize,
    /// The destination holds `drained..delivered`.
    drained: u64,
    delivered: u64,
    destination_capacity: usize,
    /// Splices answer `EINVAL` from now on (this input).
    refused: bool,
    chaos: Vec<u8>,
    calls: usize,
    last_was_eintr: bool,
}

impl State {
    /// An empty stream between `src` and `dst`.
    fn new(
        src: RawFd,
        dst: RawFd,
        pipe_capacity: usize,
        destination_capacity: usize,
        chaos: Vec<u8>,
    ) -> Self {
        Self {
            src,
            dst,
            fed: 0,
            taken: 0,
            ended: false,
            pipe_head: 0,
            pipe_len: 0,
            pipe_capacity,
            drained: 0,
            delivered: 0,
            destination_capacity,
            refused: false,
            chaos,
            calls: 0,
            last_was_eintr: false,
        }
    }

    /// The next steering byte (0xFF, no misbehaviour, when there are none).
    fn roll(&mut self) -> u8 {
        self.calls += 1;
        match self.chaos.len() {
            0 => 0xFF,
            n => self.chaos[self.calls % n].wrapping_add((self.calls / n) as u8),
        }
    }

    /// `EINTR` for about one call in 32, never twice in a row (a transfer
    /// retries it, so a fake that always interrupted would never finish).
    fn interrupt(&mut self, roll: u8) -> Result<(), Errno> {
        let now = roll < 8 && !self.last_was_eintr;
        self.last_was_eintr = now;
        if now {
            return Err(Errno::EINTR);
        }
        Ok(())
    }

    /// How much of `n` a write or splice takes: all, or (one call in four)
    /// fewer, at least one byte.
    fn take(roll: u8, n: usize) -> usize {
        if roll % 4 == 1 && n > 1 {
            1 + usize::from(roll) % n
        } else {
            n
        }
    }

    fn queued(&self) -> usize {
        (self.fed - self.taken) as usize
    }

    fn destination_room(&self) -> usize {
        self.destination_capacity - (self.delivered - self.drained) as usize
    }
}

struct Fake(RefCell<State>);

impl fake::Kernel for Fake {
    fn read(&self, fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
        let state = &mut *self.0.borrow_mut();
        let roll = state.roll();
        state.interrupt(roll)?;
        // Everything queued, up to the length asked: a short read means
        // the queue is empty, as a socket's and a pipe's do.
        let at = if fd == state.src {
            let n = buf.len().min(state.queued());
            if n == 0 {
                return if state.ended || buf.is_empty() { Ok(0) } else { Err(Errno::EAGAIN) };
            }
            state.taken += n as u64;
            (state.taken - n as u64, n)
        } else {
            assert_ne!(fd, state.dst, "a read of the destination");
            let n = buf.len().min(state.pipe_len);
            if n == 0 {
                return Err(Errno::EAGAIN);
            }
            state.pipe_head += n as u64;
            state.pipe_len -= n;
            (state.pipe_head - n as u64, n)
        };
        buf[..at.1].copy_from_slice(pattern(at.0, at.1));
        Ok(at.1)
    }

    fn write(&self, fd: RawFd, buf: &[u8]) -> Result<usize, Errno> {
        let state = &mut *self.0.borrow_mut();
        assert_eq!(fd, state.dst, "a write to another fd than the destination");
        let roll = state.roll();
        state.interrupt(roll)?;
        let room = state.destination_room();
        if room == 0 {
            return Err(Errno::EAGAIN);
        }
        let n = State::take(roll, buf.len().min(room));
        check_pattern(state.delivered, &buf[..n]);
        state.delivered += n as u64;
        Ok(n)
    }

    fn splice(&self, from: RawFd, to: RawFd, len: usize) -> Result<usize, Errno> {
        let state = &mut *self.0.borrow_mut();
        let roll = state.roll();
        state.interrupt(roll)?;
        if roll == 0xFE {
            state.refused = true;
        }
        if state.refused {
            return Err(Errno::EINVAL);
        }
        if from == state.src {
            // Source → pipe: the pipe's bytes follow what it holds.
            assert_ne!(to, state.dst, "a splice from source to destination");
            let room = state.pipe_capacity - state.pipe_len;
            if room == 0 {
                return Err(Errno::EAGAIN);
            }
            if state.queued() == 0 {
                return if state.ended { Ok(0) } else { Err(Errno::EAGAIN) };
            }
            if state.pipe_len == 0 {
                state.pipe_head = state.taken;
            }
            assert_eq!(
                state.pipe_head + state.pipe_len as u64,
                state.taken,
                "the pipe's bytes are not the source's next"
            );
            let n = State::take(roll, len.min(state.queued()).min(room));
            state.taken += n as u64;
            state.pipe_len += n;
            Ok(n)
        } else {
            // Pipe → destination: the pipe's bytes must be the stream's next.
            assert_eq!(to, state.dst, "a splice from the pipe to another fd than the destination");
            assert!(len <= state.pipe_len, "a splice of {len} bytes from a pipe holding {}", state.pipe_len);
            let room = state.destination_room();
            if room == 0 {
                return Err(Errno::EAGAIN);
            }
            assert_eq!(state.pipe_head, state.delivered, "the pipe's bytes are not the stream's next");
            let n = State::take(roll, len.min(room));
            state.pipe_head += n as u64;
            state.pipe_len -= n;
            state.delivered += n as u64;
            Ok(n)
        }
    }
}

/// The two connections as the fake sees them, and the real fds that stand
/// for them.
struct FakeEnds {
    kernel: &'static Fake,
    src: OwnedFd,
    dst: OwnedFd,
}

impl Ends for FakeEnds {
    fn src(&self) -> BorrowedFd<'_> {
        self.src.as_fd()
    }
    fn dst(&self) -> BorrowedFd<'_> {
        self.dst.as_fd()
    }
    fn feed(&mut self, bytes: &[u8]) -> usize {
        // The bytes are the pattern from `fed` on (transfer_model feeds so).
        let state = &mut *self.kernel.0.borrow_mut();
        let n = bytes.len().min(SOURCE_CAPACITY - state.queued());
        state.fed += n as u64;
        n
    }
    fn drain(&mut self, at: u64, max: usize) -> usize {
        // The bytes were checked as they were written (`Fake::write`).
        let state = &mut *self.kernel.0.borrow_mut();
        assert_eq!(at, state.drained);
        let n = max.min((state.delivered - state.drained) as usize);
        state.drained += n as u64;
        n
    }
    fn end(&mut self) {
        self.kernel.0.borrow_mut().ended = true;
    }
    fn reopen(&mut self) {
        self.kernel.0.borrow_mut().ended = false;
    }
}

thread_local! {
    static RIG: RefCell<Option<Rig<FakeEnds>>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    RIG.with(|rig| {
        let mut rig = rig.borrow_mut();
        let rig = rig.get_or_insert_with(|| {
            let flags = SocketFlags::CLOEXEC | SocketFlags::NONBLOCK;
            let (src, dst) = socketpair(AddressFamily::UNIX, SocketType::STREAM, flags, 0).unwrap();
            let pipe = Pipe::new().unwrap();
            let state = State::new(src.as_raw_fd(), dst.as_raw_fd(), pipe.capacity(), 0, Vec::new());
            let kernel: &'static Fake = Box::leak(Box::new(Fake(RefCell::new(state))));
            fake::install(Some(kernel));
            Rig::new(FakeEnds { kernel, src, dst }, pipe)
        });
        let (ops, chaos) = data.split_at(data.len().saturating_sub(CHAOS));
        let mut u = Unstructured::new(ops);
        {
            // Each input's stream starts at position 0, as the model's does.
            let state = &mut *rig.ends.kernel.0.borrow_mut();
            let pick = u.int_in_range(0..=3u8).unwrap_or(3);
            let capacity = DESTINATION_CAPACITIES[usize::from(pick)];
            *state = State::new(state.src, state.dst, state.pipe_capacity, capacity, chaos.to_vec());
        }
        let _ = transfer_model::run(rig, &mut u);
        // Everything fed went through and was drained (the model checked the
        // counts; here the fake's own).
        let state = rig.ends.kernel.0.borrow();
        assert_eq!(
            (state.taken, state.delivered, state.drained, state.pipe_len),
            (state.fed, state.fed, state.fed, 0)
        );
    });
});
