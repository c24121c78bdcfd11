//! Seccomp filters: `prctl(PR_SET_NO_NEW_PRIVS)`, `seccomp(2)` and user
//! notification.
//!
//! A filter is a classic BPF program run on every syscall of the thread that
//! installs it (and of the threads and processes it starts later): it looks
//! at the [`SeccompData`] of the call and returns what to do ([`ret`]):
//! allow it, fail it with an errno, kill, or ask a supervisor
//! ([`ret::USER_NOTIF`]), which answers through the listener fd with
//! [`receive_notification`] and [`respond`]. Filters stack and cannot be
//! removed; an unprivileged thread must first set `no_new_privs`.
//!
//! The crate's own tests use this to inject faults into real syscalls
//! (`tests/support/faults.rs`): `epoll_pwait2` answering `EPERM` as older
//! container profiles do, `splice` refused, `EMFILE`, `EINTR` storms.
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use bareio::sys::seccomp::{self, bpf, data, ret, SockFilter};
//! use bareio::sys::{getpid, write};
//! use bareio::Errno;
//!
//! // In a new thread: the filter stays with it, and ends with it.
//! let outcome = std::thread::spawn(|| -> Result<_, Errno> {
//!     // Writes to fd 1000 fail with EPERM; everything else is allowed.
//!     let program = [
//!         SockFilter::stmt(bpf::LD | bpf::W | bpf::ABS, data::ARCH),
//!         SockFilter::jump(bpf::JMP | bpf::JEQ | bpf::K, seccomp::AUDIT_ARCH, 1, 0),
//!         SockFilter::stmt(bpf::RET | bpf::K, ret::KILL_PROCESS),
//!         SockFilter::stmt(bpf::LD | bpf::W | bpf::ABS, data::NR),
//!         SockFilter::jump(bpf::JMP | bpf::JEQ | bpf::K, bareio::arch::current::SYS_WRITE as u32, 0, 3),
//!         SockFilter::stmt(bpf::LD | bpf::W | bpf::ABS, data::arg_low(0)),
//!         SockFilter::jump(bpf::JMP | bpf::JEQ | bpf::K, 1000, 0, 1),
//!         SockFilter::stmt(bpf::RET | bpf::K, ret::errno(Errno::EPERM)),
//!         SockFilter::stmt(bpf::RET | bpf::K, ret::ALLOW),
//!     ];
//!     seccomp::set_no_new_privs()?;
//!     match seccomp::set_filter(&program) {
//!         // No seccomp here (qemu-user refuses it): nothing to show.
//!         Err(Errno::ENOSYS | Errno::EINVAL) => return Ok(None),
//!         other => other?,
//!     }
//!     // SAFETY: fd 1000 is only named, never used: the filter answers.
//!     let fd = unsafe { bareio::fd::BorrowedFd::borrow_raw(1000) };
//!     Ok(Some((write(fd, b"x"), getpid() > 0)))
//! })
//! .join()
//! .unwrap()?;
//! if let Some(outcome) = outcome {
//!     assert_eq!(outcome, (Err(Errno::EPERM), true));
//! }
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```

use core::mem::size_of;

use super::{fd_arg, new_fd};
use crate::arch::current as abi;
use crate::fd::{AsFd, OwnedFd};
use crate::Errno;

/// This architecture's `AUDIT_ARCH_*` value: what `seccomp_data.arch`
/// holds for its native syscalls. A filter checks it first, since the same
/// number means different syscalls under another ABI.
pub const AUDIT_ARCH: u32 = abi::AUDIT_ARCH;

/// The most instructions a filter may have (`BPF_MAXINSNS`).
pub const MAX_INSTRUCTIONS: usize = 4096;

/// One classic BPF instruction (`struct sock_filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct SockFilter {
    /// The opcode: a class ([`bpf::LD`], [`bpf::JMP`], [`bpf::RET`]) with
    /// its mode bits.
    pub code: u16,
    /// Instructions to skip when a jump's condition holds.
    pub jt: u8,
    /// Instructions to skip when it does not.
    pub jf: u8,
    /// The constant operand: an offset into [`SeccompData`] ([`data`]), a
    /// value to compare with, or a return value ([`ret`]).
    pub k: u32,
}

impl SockFilter {
    /// A statement: load, or return.
    pub const fn stmt(code: u16, k: u32) -> Self {
        Self { code, jt: 0, jf: 0, k }
    }

    /// A conditional jump: skip `jt` instructions if the accumulator
    /// compares true with `k`, `jf` otherwise.
    pub const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Self {
        Self { code, jt, jf, k }
    }
}

/// Classic BPF opcode parts (`linux/bpf_common.h`), the ones a seccomp
/// filter needs.
pub mod bpf {
    /// Class: load into the accumulator.
    pub const LD: u16 = 0x00;
    /// Class: jump.
    pub const JMP: u16 = 0x05;
    /// Class: return.
    pub const RET: u16 = 0x06;
    /// Class: arithmetic on the accumulator.
    pub const ALU: u16 = 0x04;
    /// Load size: a 32-bit word (the only one seccomp allows).
    pub const W: u16 = 0x00;
    /// Load mode: from an absolute offset of the [`SeccompData`](super::SeccompData).
    pub const ABS: u16 = 0x20;
    /// Jump: always.
    pub const JA: u16 = 0x00;
    /// Jump: if equal.
    pub const JEQ: u16 = 0x10;
    /// Jump: if greater.
    pub const JGT: u16 = 0x20;
    /// Jump: if greater or equal.
    pub const JGE: u16 = 0x30;
    /// Jump: if any bit of `k` is set.
    pub const JSET: u16 = 0x40;
    /// ALU: bitwise and.
    pub const AND: u16 = 0x50;
    /// Operand: the constant `k`.
    pub const K: u16 = 0x00;
}

/// Offsets into [`SeccompData`] for [`bpf::ABS`] loads (32 bits each).
pub mod data {
    /// The syscall number.
    pub const NR: u32 = 0;
    /// The `AUDIT_ARCH_*` value of the calling convention.
    pub const ARCH: u32 = 4;

    /// The low 32 bits of argument `index` (0–5): where they sit depends on
    /// the byte order.
    pub const fn arg_low(index: u32) -> u32 {
        16 + 8 * index + if cfg!(target_endian = "big") { 4 } else { 0 }
    }

    /// The high 32 bits of argument `index` (0–5).
    pub const fn arg_high(index: u32) -> u32 {
        16 + 8 * index + if cfg!(target_endian = "big") { 0 } else { 4 }
    }
}

/// What a filter returns (`SECCOMP_RET_*`).
pub mod ret {
    use crate::Errno;

    /// Run the syscall.
    pub const ALLOW: u32 = 0x7fff_0000;
    /// Kill the whole process (as by `SIGSYS`).
    pub const KILL_PROCESS: u32 = 0x8000_0000;
    /// Kill the calling thread.
    pub const KILL_THREAD: u32 = 0x0000_0000;
    /// Send `SIGSYS` to the calling thread.
    pub const TRAP: u32 = 0x0003_0000;
    /// Ask the supervisor holding the listener fd (Linux 5.0+).
    pub const USER_NOTIF: u32 = 0x7fc0_0000;
    /// Run the syscall and log it.
    pub const LOG: u32 = 0x7ffc_0000;

    /// Fail the syscall with `errno`, without running it.
    pub const fn errno(errno: Errno) -> u32 {
        0x0005_0000 | (errno.raw() as u32 & 0xffff)
    }
}

/// The kernel's `struct seccomp_data`: the syscall a filter or a supervisor
/// decides about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct SeccompData {
    /// The syscall number.
    pub nr: i32,
    /// The `AUDIT_ARCH_*` value of its calling convention.
    pub arch: u32,
    /// Where the syscall instruction is.
    pub instruction_pointer: u64,
    /// The six arguments, zero-extended.
    pub args: [u64; 6],
}

/// A syscall waiting for the supervisor (`struct seccomp_notif`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Notification {
    /// Names this call in the [`respond`].
    pub id: u64,
    /// The calling thread's id.
    pub pid: u32,
    /// Unused by the kernel so far.
    pub flags: u32,
    /// The call.
    pub data: SeccompData,
}

/// The supervisor's answer (`struct seccomp_notif_resp`).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
struct NotificationResponse {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

/// What the supervisor makes of a notified syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Response {
    /// It fails with this errno.
    Fail(Errno),
    /// It returns this value, without running.
    Return(i64),
    /// It runs as if there were no filter (Linux 5.5+).
    Continue,
}

const PR_SET_NO_NEW_PRIVS: usize = 38;
const SECCOMP_SET_MODE_FILTER: usize = 1;
const SECCOMP_FILTER_FLAG_NEW_LISTENER: usize = 1 << 3;
const SECCOMP_USER_NOTIF_FLAG_CONTINUE: u32 = 1;
/// `_IOWR('!', 0, struct seccomp_notif)`: the same value on every
/// architecture (read|write is bits 30–31 in the generic encoding and
/// 29–31 on mips and powerpc, which comes to the same number).
pub(crate) const SECCOMP_IOCTL_NOTIF_RECV: usize = 0xc000_0000 | (size_of::<Notification>() << 16) | 0x2100;
/// `_IOWR('!', 1, struct seccomp_notif_resp)`.
pub(crate) const SECCOMP_IOCTL_NOTIF_SEND: usize =
    0xc000_0000 | (size_of::<NotificationResponse>() << 16) | 0x2101;

/// `prctl(PR_SET_NO_NEW_PRIVS, 1)`: this thread and its children can
/// never gain privileges (by `execve` of a set-uid program, say), which
/// lets an unprivileged thread install a filter. Irreversible.
pub fn set_no_new_privs() -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments only; touches no memory.
    Errno::from_ret(unsafe { syscall!(SYS_PRCTL, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }).map(drop)
}

/// The kernel's `struct sock_fprog`.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

/// `program` as a `sock_fprog`; `EINVAL` for an empty or too long one.
fn fprog(program: &[SockFilter]) -> Result<SockFprog, Errno> {
    if program.is_empty() || program.len() > MAX_INSTRUCTIONS {
        return Err(Errno::EINVAL);
    }
    Ok(SockFprog { len: program.len() as u16, filter: program.as_ptr() })
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)`: the raw result.
fn install(prog: &SockFprog, flags: usize) -> usize {
    // SAFETY: `prog` points at a program the kernel copies during the call
    // (it keeps no pointer into it).
    unsafe { syscall!(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, flags, prog as *const SockFprog as usize) }
}

/// Installs `program` on the calling thread (and what it starts later).
/// Needs [`set_no_new_privs`] first, or `CAP_SYS_ADMIN` (`EACCES`
/// otherwise). `EINVAL` for an empty program, one longer than
/// [`MAX_INSTRUCTIONS`], or one the kernel rejects; `ENOSYS` without
/// seccomp (and under qemu-user, which refuses to install filters).
pub fn set_filter(program: &[SockFilter]) -> Result<(), Errno> {
    Errno::from_ret(install(&fprog(program)?, 0)).map(drop)
}

/// Like [`set_filter`], and returns the listener fd on which the syscalls
/// the program answers with [`ret::USER_NOTIF`] are handed to a supervisor
/// (a thread that does not run under this filter): [`receive_notification`],
/// then [`respond`]. Linux 5.0+.
pub fn set_filter_with_listener(program: &[SockFilter]) -> Result<OwnedFd, Errno> {
    let prog = fprog(program)?;
    // SAFETY: with `NEW_LISTENER`, success returns a new fd nobody else owns.
    unsafe { new_fd(install(&prog, SECCOMP_FILTER_FLAG_NEW_LISTENER)) }
}

/// Takes the next notified syscall from `listener` (blocks until there is
/// one; `listener` can be watched by a `Poller` for readability).
/// `ENOENT` if the caller went away before it was received.
pub fn receive_notification(listener: impl AsFd) -> Result<Notification, Errno> {
    let listener = listener.as_fd();
    // The kernel wants it zeroed (`EINVAL` otherwise).
    let mut notification = Notification::default();
    // SAFETY: the kernel writes one `struct seccomp_notif` (the layout of
    // `Notification`, checked against libc) into `notification`.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_IOCTL,
            fd_arg(listener),
            SECCOMP_IOCTL_NOTIF_RECV,
            &mut notification as *mut Notification as usize
        )
    })?;
    Ok(notification)
}

/// Answers the notified syscall `id`. `ENOENT` if its caller went away (a
/// signal interrupted it, say) in the meantime.
pub fn respond(listener: impl AsFd, id: u64, response: Response) -> Result<(), Errno> {
    let listener = listener.as_fd();
    let (val, error, flags) = match response {
        Response::Fail(errno) => (0, -errno.raw(), 0),
        Response::Return(value) => (value, 0, 0),
        Response::Continue => (0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE),
    };
    let answer = NotificationResponse { id, val, error, flags };
    // SAFETY: the kernel reads one `struct seccomp_notif_resp` (the layout
    // of `NotificationResponse`) from `answer`.
    Errno::from_ret(unsafe {
        syscall!(
            SYS_IOCTL,
            fd_arg(listener),
            SECCOMP_IOCTL_NOTIF_SEND,
            &answer as *const NotificationResponse as usize
        )
    })
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // libc's types differ per target: casts that are no-ops here are not
    // everywhere.
    #[allow(clippy::unnecessary_cast)]
    fn layouts_and_ioctl_numbers_match_libc() {
        assert_eq!(size_of::<SockFilter>(), size_of::<libc::sock_filter>());
        assert_eq!(size_of::<SeccompData>(), size_of::<libc::seccomp_data>());
        assert_eq!(size_of::<Notification>(), size_of::<libc::seccomp_notif>());
        assert_eq!(size_of::<NotificationResponse>(), size_of::<libc::seccomp_notif_resp>());
        assert_eq!(
            memoffset::offset_of!(Notification, data),
            memoffset::offset_of!(libc::seccomp_notif, data)
        );
        assert_eq!(
            memoffset::offset_of!(NotificationResponse, error),
            memoffset::offset_of!(libc::seccomp_notif_resp, error)
        );
        assert_eq!(SECCOMP_IOCTL_NOTIF_RECV as u64, libc::SECCOMP_IOCTL_NOTIF_RECV as u64);
        assert_eq!(SECCOMP_IOCTL_NOTIF_SEND as u64, libc::SECCOMP_IOCTL_NOTIF_SEND as u64);
        assert_eq!(ret::USER_NOTIF, libc::SECCOMP_RET_USER_NOTIF);
        assert_eq!(ret::ALLOW, libc::SECCOMP_RET_ALLOW);
        assert_eq!(ret::KILL_PROCESS, libc::SECCOMP_RET_KILL_PROCESS);
        assert_eq!(ret::errno(Errno::EPERM), libc::SECCOMP_RET_ERRNO | libc::EPERM as u32);
        assert_eq!(PR_SET_NO_NEW_PRIVS as i32, libc::PR_SET_NO_NEW_PRIVS);
        assert_eq!(SECCOMP_FILTER_FLAG_NEW_LISTENER as u64, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER as u64);
        assert_eq!(
            memoffset::offset_of!(SeccompData, args) as u32,
            memoffset::offset_of!(libc::seccomp_data, args) as u32
        );
    }

    #[test]
    fn programs_of_no_or_too_many_instructions_are_refused_before_the_kernel() {
        assert_eq!(set_filter(&[]), Err(Errno::EINVAL));
        let long = [SockFilter::stmt(bpf::RET | bpf::K, ret::ALLOW); MAX_INSTRUCTIONS + 1];
        assert_eq!(set_filter(&long), Err(Errno::EINVAL));
    }
}
