//! Control-message parsing and fd ownership (`bareio::sys` `cmsg`) on
//! untrusted bytes: a peer's message, as the kernel wrote it or worse.
//!
//! Each input describes a control buffer: messages whose recorded length
//! is exact, short of a header, cut by the end of the buffer, far beyond
//! it or `usize::MAX`; levels and types, `SCM_RIGHTS` among them; any
//! bytes in between, and a control length that may end mid-header. Then:
//!
//! 1. `ControlMessages` must walk it exactly as the model below does
//!    (written from glibc's `CMSG_NXTHDR` rule, in `u128` so nothing can
//!    overflow): the same messages, the same data ranges, all inside the
//!    buffer. Out-of-bounds reads and overflows would panic (bounds and
//!    overflow checks stay on).
//! 2. Every fd slot of every `SCM_RIGHTS` message the model finds gets a
//!    real, fresh fd (a `dup` of one eventfd; at most 24 per input) or a
//!    negative number, and the buffer is handed to `ReceivedControl`, as
//!    `recvmsg_control` does with what the kernel installed. The input
//!    takes some fds (in bursts, through fresh `take_fds` iterators), then
//!    drops it. Every fd must be handed out at most once, in slot order,
//!    and be open until its `OwnedFd` goes; every one not handed out must
//!    be closed by the drop (`fcntl` says `EBADF`), and no negative slot
//!    is ever "handed out". This runs single-threaded, so a number
//!    checked closed is not reused in between.
//! 3. `ControlBuilder` output parses back to what was pushed.

#![no_main]

use bareio::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd};
use bareio::sys::{
    eventfd, fcntl_dupfd_cloexec, fcntl_getfd, ControlBuilder, ControlMessages, EventfdFlags,
    ReceivedControl, SCM_RIGHTS,
};
use bareio::Errno;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const WORD: usize = core::mem::size_of::<usize>();
/// `sizeof(struct cmsghdr)`: a `size_t` and two `int`s.
const HDR: usize = WORD + 8;
const SOL_SOCKET: i32 = bareio::arch::current::SOL_SOCKET;
const MAX_BUF: usize = 1024;
const MAX_REAL_FDS: usize = 24;

/// One message as the model sees it: level, type, data range.
#[derive(Debug, PartialEq, Eq)]
struct Msg {
    level: i32,
    ty: i32,
    data: core::ops::Range<usize>,
}

/// The walk, from the rule: a header must fit in what is left; a length
/// below a header's ends the walk; data runs to the recorded length or
/// the end, whichever is first; the next header is at the length rounded
/// up to a `size_t`, or the end.
fn model(buf: &[u8]) -> Vec<Msg> {
    let end = buf.len() as u128;
    let mut at: u128 = 0;
    let mut out = Vec::new();
    while end - at >= HDR as u128 {
        let a = at as usize;
        let len = usize::from_ne_bytes(buf[a..a + WORD].try_into().unwrap()) as u128;
        if len < HDR as u128 {
            break;
        }
        let level = i32::from_ne_bytes(buf[a + WORD..a + WORD + 4].try_into().unwrap());
        let ty = i32::from_ne_bytes(buf[a + WORD + 4..a + HDR].try_into().unwrap());
        let data_end = (at + len).min(end);
        out.push(Msg { level, ty, data: a + HDR..data_end as usize });
        let step = len.div_ceil(WORD as u128) * WORD as u128;
        at = (at + step).min(end);
    }
    out
}

/// The eventfd every fd of the inputs is a duplicate of.
fn base() -> BorrowedFd<'static> {
    static BASE: OnceLock<OwnedFd> = OnceLock::new();
    BASE.get_or_init(|| eventfd(0, EventfdFlags::CLOEXEC).unwrap()).as_fd()
}

fn is_open(fd: i32) -> bool {
    // SAFETY: only asks whether the number is open.
    match fcntl_getfd(unsafe { BorrowedFd::borrow_raw(fd) }) {
        Ok(_) => true,
        Err(Errno::EBADF) => false,
        Err(e) => panic!("fcntl({fd}): {e}"),
    }
}

/// Appends one message header (and its data bytes) to `buf`.
fn message(u: &mut Unstructured<'_>, buf: &mut Vec<u8>) -> Result<()> {
    let data_len = usize::from(u.int_in_range(0..=64u8)?);
    let recorded = match u.int_in_range(0..=9u8)? {
        0 => u.int_in_range(0..=HDR)?,                       // shorter than a header
        1 => usize::MAX - usize::from(u.arbitrary::<u8>()?), // overflows any sum
        2 => HDR + data_len + usize::from(u.int_in_range(1..=200u8)?), // past what follows
        3 => u.arbitrary()?,
        _ => HDR + data_len,
    };
    let (level, ty) = match u.int_in_range(0..=5u8)? {
        0 => (u.arbitrary()?, u.arbitrary()?),
        1 => (SOL_SOCKET, u.arbitrary()?),
        2 => (u.arbitrary()?, SCM_RIGHTS),
        _ => (SOL_SOCKET, SCM_RIGHTS),
    };
    buf.extend_from_slice(&recorded.to_ne_bytes());
    buf.extend_from_slice(&level.to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    for _ in 0..data_len {
        buf.push(u.arbitrary()?);
    }
    // Padding, sometimes missing or extra.
    let pad = match u.int_in_range(0..=3u8)? {
        0 => 0,
        1 => usize::from(u.int_in_range(0..=15u8)?),
        _ => (WORD - data_len % WORD) % WORD,
    };
    buf.extend(std::iter::repeat_n(0, pad));
    Ok(())
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let mut buf = Vec::with_capacity(MAX_BUF);
    while buf.len() < MAX_BUF - 100 && u.arbitrary::<bool>()? {
        if u.int_in_range(0..=7u8)? == 0 {
            for _ in 0..u.int_in_range(1..=8u8)? {
                buf.push(u.arbitrary()?); // garbage between messages
            }
        } else {
            message(u, &mut buf)?;
        }
    }
    // The control length: all, or cut anywhere (mid-header too).
    let len = if u.arbitrary()? { buf.len() } else { u.int_in_range(0..=buf.len())? };
    buf.truncate(len);

    // 1. The walk.
    let expected = model(&buf);
    let got: Vec<Msg> = ControlMessages::new(&buf)
        .map(|m| {
            let start = m.data.as_ptr() as usize - buf.as_ptr() as usize;
            Msg { level: m.level, ty: m.ty, data: start..start + m.data.len() }
        })
        .collect();
    assert_eq!(got, expected, "walk of {buf:?}");

    // 2. Ownership: real fds (or negative numbers) in every rights slot.
    let mut slots = Vec::new(); // (offset, value), in walk order
    let mut real = 0;
    for msg in expected.iter().filter(|m| m.level == SOL_SOCKET && m.ty == SCM_RIGHTS) {
        let mut at = msg.data.start;
        while msg.data.end - at >= 4 {
            let value = if real < MAX_REAL_FDS && u.int_in_range(0..=3u8)? != 0 {
                real += 1;
                fcntl_dupfd_cloexec(base(), 0).unwrap().into_raw_fd()
            } else {
                -i32::from(u.int_in_range(1..=3u8)?)
            };
            buf[at..at + 4].copy_from_slice(&value.to_ne_bytes());
            slots.push(value);
            at += 4;
        }
    }
    let fds: Vec<i32> = slots.iter().copied().filter(|&fd| fd >= 0).collect();
    let mut taken: Vec<OwnedFd> = Vec::new();
    {
        // SAFETY: every non-negative number in a rights slot is an fd just
        // made here and owned by nothing else.
        let mut control = unsafe { ReceivedControl::from_raw_parts(&mut buf, len) };
        let numbers: Vec<i32> = control.messages().filter_map(|m| m.rights()).flatten().collect();
        assert_eq!(numbers, slots, "the rights the view reports");
        while u.arbitrary::<bool>()? {
            let burst = usize::from(u.int_in_range(0..=4u8)?);
            taken.extend(control.take_fds().take(burst));
        }
        let taken_numbers: Vec<i32> = taken.iter().map(|fd| fd.as_raw_fd()).collect();
        assert_eq!(taken_numbers, fds[..taken.len()], "handed out in slot order, each once");
        assert!(taken_numbers.iter().all(|&fd| is_open(fd)));
        // The view now shows the taken ones as -1.
        let after: Vec<i32> =
            control.messages().filter_map(|m| m.rights()).flatten().filter(|&fd| fd >= 0).collect();
        assert_eq!(after, fds[taken.len()..]);
    }
    // Dropped: every fd not handed out is closed, the handed-out ones not.
    for (i, &fd) in fds.iter().enumerate() {
        assert_eq!(is_open(fd), i < taken.len(), "fd {fd} (slot {i}; {} taken)", taken.len());
    }
    drop(taken);
    assert!(fds.iter().all(|&fd| !is_open(fd)));

    // 3. The builder's output parses back.
    let mut out = [0u8; 512];
    let mut builder = ControlBuilder::new(&mut out);
    let mut pushed: Vec<(i32, i32, Vec<u8>)> = Vec::new();
    while u.arbitrary::<bool>()? {
        if u.arbitrary()? {
            let level: i32 = u.arbitrary()?;
            let ty: i32 = u.arbitrary()?;
            let n = usize::from(u.int_in_range(0..=40u8)?);
            let data = u.bytes(n)?.to_vec();
            match builder.push(level, ty, &data) {
                Ok(()) => pushed.push((level, ty, data)),
                Err(e) => assert!(e == Errno::ENOBUFS || (level == SOL_SOCKET && ty == SCM_RIGHTS)),
            }
        } else {
            let n = usize::from(u.int_in_range(0..=8u8)?);
            let fds = vec![base(); n];
            if builder.push_rights(&fds).is_ok() {
                let data = fds.iter().flat_map(|fd| fd.as_raw_fd().to_ne_bytes()).collect();
                pushed.push((SOL_SOCKET, SCM_RIGHTS, data));
            }
        }
    }
    let parsed: Vec<(i32, i32, Vec<u8>)> =
        ControlMessages::new(builder.as_bytes()).map(|m| (m.level, m.ty, m.data.to_vec())).collect();
    assert_eq!(parsed, pushed);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
