//! x86_64 (the 64-bit ABI, not x32).
//!
//! Entry: `syscall`, number in `rax`, arguments in `rdi rsi rdx r10 r8 r9`,
//! result in `rax`; the instruction clobbers `rcx` and `r11`. The raw entry
//! is the `sc` crate's. `struct epoll_event` is packed here.

#![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`

pub use super::generic::values::*;

/// `clone`'s arguments in the default order (no `CLONE_BACKWARDS`).
pub const CLONE_ORDER: super::CloneOrder = super::CloneOrder::Default;

/// `struct epoll_event` is `__attribute__((packed))` on x86_64 (12 bytes).
pub const EPOLL_EVENT_PACKED: bool = true;

pub const SYS_READ: usize = 0;
pub const SYS_WRITE: usize = 1;
pub const SYS_CLOSE: usize = 3;
pub const SYS_RT_SIGPROCMASK: usize = 14;
pub const SYS_READV: usize = 19;
pub const SYS_WRITEV: usize = 20;
pub const SYS_GETPID: usize = 39;
pub const SYS_CLOCK_GETTIME: usize = 228;
pub const SYS_SOCKET: usize = 41;
pub const SYS_CONNECT: usize = 42;
pub const SYS_SENDMSG: usize = 46;
pub const SYS_RECVMSG: usize = 47;
pub const SYS_SHUTDOWN: usize = 48;
pub const SYS_BIND: usize = 49;
pub const SYS_LISTEN: usize = 50;
pub const SYS_GETSOCKNAME: usize = 51;
pub const SYS_SOCKETPAIR: usize = 53;
pub const SYS_SETSOCKOPT: usize = 54;
pub const SYS_GETSOCKOPT: usize = 55;
pub const SYS_KILL: usize = 62;
pub const SYS_FCNTL: usize = 72;
pub const SYS_EXIT_GROUP: usize = 231;
pub const SYS_EPOLL_CTL: usize = 233;
pub const SYS_SPLICE: usize = 275;
pub const SYS_EPOLL_PWAIT: usize = 281;
pub const SYS_ACCEPT4: usize = 288;
pub const SYS_EVENTFD2: usize = 290;
pub const SYS_SIGNALFD4: usize = 289;
pub const SYS_EPOLL_CREATE1: usize = 291;
pub const SYS_PIPE2: usize = 293;
pub const SYS_PRLIMIT64: usize = 302;
pub const SYS_EPOLL_PWAIT2: usize = 441;
pub const SYS_IOCTL: usize = 16;
pub const SYS_PRCTL: usize = 157;
pub const SYS_SECCOMP: usize = 317;
pub const SYS_OPENAT: usize = 257;
/// `mmap`.
pub const SYS_MMAP: usize = 9;
pub const SYS_SENDTO: usize = 44;
pub const SYS_RECVFROM: usize = 45;
pub const SYS_SENDMMSG: usize = 307;
/// `recvmmsg`, always called with a null timeout (so no time64 variant is needed).
pub const SYS_RECVMMSG: usize = 299;
pub const SYS_GETPEERNAME: usize = 52;
pub const SYS_DUP: usize = 32;
pub const SYS_DUP3: usize = 292;
pub const SYS_TIMERFD_CREATE: usize = 283;
pub const SYS_TIMERFD_SETTIME: usize = 286;
pub const SYS_TIMERFD_GETTIME: usize = 287;
pub const SYS_PREAD64: usize = 17;
pub const SYS_PWRITE64: usize = 18;
/// `ftruncate`: its length is already 64 bits on a 64-bit ABI.
pub const SYS_FTRUNCATE64: usize = 77;
pub const SYS_CLONE: usize = 56;
pub const SYS_WAIT4: usize = 61;
pub const SYS_GETPPID: usize = 110;
pub const SYS_SCHED_GETAFFINITY: usize = 204;

/// `AUDIT_ARCH_X86_64`: `EM_X86_64` (62), 64-bit, little-endian.
/// What a seccomp filter sees in `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = 0xC000_003E;

super::derived_flags!();

/// Raw entry: the `sc` crate's x86_64 shims (`syscall` with `rcx`/`r11`
/// clobbered), which already follow the crate-wide convention.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) use sc::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`). The kernel jumps
// here with `argc` at `rsp` and no return address: pass that pointer as the
// first argument, clear the frame pointer (outermost frame), align the
// stack to 16 as the ABI wants at a call, and call the crate's entry, which
// never returns.
super::start_entry! {
    "x86_64",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {start}",
    "ud2",
}
