//! s390x (z/Architecture, 64-bit, big-endian).
//!
//! Entry: `svc 0`, number in `r1`, arguments in `r2`–`r7`, result in `r2`
//! (negated errno). The socket calls are the direct ones (Linux 4.3+), not
//! `socketcall(2)`.

#![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`

pub use super::generic::values::*;

/// `mmap` is `old_mmap` here: its six arguments in memory, a pointer to
/// them in `r2` (s390x has no six-register `mmap`).
pub const MMAP_ARGS_IN_MEMORY: bool = true;
/// `clone(newsp, flags, …)`: the first two swapped (`CLONE_BACKWARDS2`).
pub const CLONE_ORDER: super::CloneOrder = super::CloneOrder::Backwards2;

pub const SYS_READ: usize = 3;
pub const SYS_WRITE: usize = 4;
pub const SYS_CLOSE: usize = 6;
pub const SYS_GETPID: usize = 20;
pub const SYS_CLOCK_GETTIME: usize = 260;
pub const SYS_KILL: usize = 37;
pub const SYS_FCNTL: usize = 55;
pub const SYS_READV: usize = 145;
pub const SYS_WRITEV: usize = 146;
pub const SYS_RT_SIGPROCMASK: usize = 175;
pub const SYS_EXIT_GROUP: usize = 248;
pub const SYS_EPOLL_CTL: usize = 250;
pub const SYS_SPLICE: usize = 306;
pub const SYS_EPOLL_PWAIT: usize = 312;
pub const SYS_EVENTFD2: usize = 323;
pub const SYS_SIGNALFD4: usize = 322;
pub const SYS_PIPE2: usize = 325;
pub const SYS_PRLIMIT64: usize = 334;
pub const SYS_EPOLL_CREATE1: usize = 327;
pub const SYS_SOCKET: usize = 359;
pub const SYS_SOCKETPAIR: usize = 360;
pub const SYS_BIND: usize = 361;
pub const SYS_CONNECT: usize = 362;
pub const SYS_LISTEN: usize = 363;
pub const SYS_ACCEPT4: usize = 364;
pub const SYS_GETSOCKOPT: usize = 365;
pub const SYS_SETSOCKOPT: usize = 366;
pub const SYS_GETSOCKNAME: usize = 367;
pub const SYS_SENDMSG: usize = 370;
pub const SYS_RECVMSG: usize = 372;
pub const SYS_SHUTDOWN: usize = 373;
pub const SYS_EPOLL_PWAIT2: usize = 441;
pub const SYS_IOCTL: usize = 54;
pub const SYS_PRCTL: usize = 172;
pub const SYS_SECCOMP: usize = 348;
pub const SYS_OPENAT: usize = 288;
/// `mmap` (`old_mmap`: see `MMAP_ARGS_IN_MEMORY`).
pub const SYS_MMAP: usize = 90;
pub const SYS_SENDTO: usize = 369;
pub const SYS_RECVFROM: usize = 371;
pub const SYS_SENDMMSG: usize = 358;
/// `recvmmsg`, always called with a null timeout (so no time64 variant is needed).
pub const SYS_RECVMMSG: usize = 357;
pub const SYS_GETPEERNAME: usize = 368;
pub const SYS_DUP: usize = 41;
pub const SYS_DUP3: usize = 326;
pub const SYS_TIMERFD_CREATE: usize = 319;
pub const SYS_TIMERFD_SETTIME: usize = 320;
pub const SYS_TIMERFD_GETTIME: usize = 321;
pub const SYS_PREAD64: usize = 180;
pub const SYS_PWRITE64: usize = 181;
/// `ftruncate`: its length is already 64 bits on a 64-bit ABI.
pub const SYS_FTRUNCATE64: usize = 93;
pub const SYS_CLONE: usize = 120;
pub const SYS_WAIT4: usize = 114;
pub const SYS_GETPPID: usize = 64;
pub const SYS_SCHED_GETAFFINITY: usize = 240;

/// `AUDIT_ARCH_S390X`: `EM_S390` (22), 64-bit, big-endian.
/// What a seccomp filter sees in `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = 0x8000_0016;

super::derived_flags!();

/// Raw entry: `svc 0` with the number in `r1` (`svc 0` means "number in
/// `r1`", which reaches every syscall, not only those below 256) and
/// arguments in `r2`–`r7`; the result or `-errno` comes back in `r2`.
///
/// Clobbers: `r2` (the result) and the condition code, hence no
/// `preserves_flags`. `r1` is declared clobbered too: nolibc's notes say
/// "r1 and r2 are clobbered" (its asm and rustix's treat `r1` as input
/// only), and the caution costs nothing. `r3`–`r7` and every floating-point,
/// vector and access register (`a0`/`a1` hold the thread pointer) survive.
/// The kernel does not touch the caller's stack.
#[cfg(all(target_arch = "s390x", target_os = "linux"))]
mod entry {
    super::super::asm_syscalls! {
        template: ["svc 0"],
        number: "r1",
        result: "r2",
        args: ["r2", "r3", "r4", "r5", "r6", "r7"],
        clobbers: [],
    }
}
#[cfg(all(target_arch = "s390x", target_os = "linux"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`). The kernel jumps
// here with `argc` at `r15` (8-aligned): pass that pointer as the first
// argument, allocate the 160-byte register save area every callee may
// write into, zero its back chain (outermost frame) and call the crate's
// entry, which never returns.
super::start_entry! {
    "s390x",
    "_start:",
    "lgr %r2, %r15",
    "aghi %r15, -160",
    "xc 0(8,%r15), 0(%r15)",
    "brasl %r14, {start}",
    ".word 0",
}
