//! powerpc64 little-endian (ELFv2).
//!
//! Entry: `sc`, number in `r0`, arguments in `r3`–`r8`, result in `r3`;
//! an error is flagged by `cr0.SO` with the positive errno in `r3`, which
//! the shim negates into the crate-wide convention.

#![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`

pub use super::generic::values::*;

/// `O_LARGEFILE` is 0o200000 on powerpc (0o100000 in asm-generic).
pub const O_LARGEFILE: u32 = 0o200000;

/// `SO_RCVLOWAT` (powerpc renumbers 16–21).
pub const SO_RCVLOWAT: i32 = 16;
/// `SO_SNDLOWAT`.
pub const SO_SNDLOWAT: i32 = 17;
/// `MAP_NORESERVE` (0x4000 elsewhere).
pub const MAP_NORESERVE: u32 = 0x40;
/// `SO_RCVTIMEO` (`_OLD`).
pub const SO_RCVTIMEO: i32 = 18;
/// `SO_SNDTIMEO` (`_OLD`).
pub const SO_SNDTIMEO: i32 = 19;

pub const SYS_READ: usize = 3;
pub const SYS_WRITE: usize = 4;
pub const SYS_CLOSE: usize = 6;
pub const SYS_GETPID: usize = 20;
pub const SYS_CLOCK_GETTIME: usize = 246;
pub const SYS_KILL: usize = 37;
pub const SYS_FCNTL: usize = 55;
pub const SYS_READV: usize = 145;
pub const SYS_WRITEV: usize = 146;
pub const SYS_RT_SIGPROCMASK: usize = 174;
pub const SYS_EXIT_GROUP: usize = 234;
pub const SYS_EPOLL_CTL: usize = 237;
pub const SYS_SPLICE: usize = 283;
pub const SYS_EPOLL_PWAIT: usize = 303;
pub const SYS_EVENTFD2: usize = 314;
pub const SYS_SIGNALFD4: usize = 313;
pub const SYS_EPOLL_CREATE1: usize = 315;
pub const SYS_PIPE2: usize = 317;
pub const SYS_PRLIMIT64: usize = 325;
pub const SYS_SOCKET: usize = 326;
pub const SYS_BIND: usize = 327;
pub const SYS_CONNECT: usize = 328;
pub const SYS_LISTEN: usize = 329;
pub const SYS_GETSOCKNAME: usize = 331;
pub const SYS_SOCKETPAIR: usize = 333;
pub const SYS_SHUTDOWN: usize = 338;
pub const SYS_SETSOCKOPT: usize = 339;
pub const SYS_GETSOCKOPT: usize = 340;
pub const SYS_SENDMSG: usize = 341;
pub const SYS_RECVMSG: usize = 342;
pub const SYS_ACCEPT4: usize = 344;
pub const SYS_EPOLL_PWAIT2: usize = 441;
pub const SYS_IOCTL: usize = 54;
pub const SYS_PRCTL: usize = 171;
pub const SYS_SECCOMP: usize = 358;
pub const SYS_OPENAT: usize = 286;
/// `mmap`.
pub const SYS_MMAP: usize = 90;
pub const SYS_SENDTO: usize = 335;
pub const SYS_RECVFROM: usize = 337;
pub const SYS_SENDMMSG: usize = 349;
/// `recvmmsg`, always called with a null timeout (so no time64 variant is needed).
pub const SYS_RECVMMSG: usize = 343;
pub const SYS_GETPEERNAME: usize = 332;
pub const SYS_DUP: usize = 41;
pub const SYS_DUP3: usize = 316;
pub const SYS_TIMERFD_CREATE: usize = 306;
pub const SYS_TIMERFD_SETTIME: usize = 311;
pub const SYS_TIMERFD_GETTIME: usize = 312;
pub const SYS_PREAD64: usize = 179;
pub const SYS_PWRITE64: usize = 180;
/// `ftruncate`: its length is already 64 bits on a 64-bit ABI.
pub const SYS_FTRUNCATE64: usize = 93;
pub const SYS_CLONE: usize = 120;
pub const SYS_WAIT4: usize = 114;
pub const SYS_GETPPID: usize = 64;
pub const SYS_SCHED_GETAFFINITY: usize = 223;

/// `AUDIT_ARCH_PPC64LE`: `EM_PPC64` (21), 64-bit, little-endian.
/// What a seccomp filter sees in `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = 0xC000_0015;

super::derived_flags!();

/// Raw entry: `sc` with the number in `r0` and arguments in `r3`–`r8`.
///
/// On return `cr0.SO` is the error flag: set, `r3` holds the positive errno,
/// which `neg` turns into the crate-wide `-errno`; clear, `r3` is the result.
///
/// Clobbers follow `Documentation/powerpc/syscall64-abi.rst` ("register
/// preservation rules match the ELF ABI" except as listed): the volatile
/// `r0`, `r3`–`r12`, `ctr`, `xer` and `cr0` (the flag itself); `cr1`,
/// `cr5`–`cr7`, `lr` and all floating-point and vector registers survive.
/// (nolibc, musl and rustix omit `ctr`/`xer`; listing them costs nothing.)
/// `r3`–`r8` are `lateout` clobbers even when they carry an argument, so
/// the compiler never assumes an argument survives. No `preserves_flags`:
/// `cr0` is written. The kernel does not touch the caller's stack. Only
/// `sc` is used, not `scv 0` (which returns `-errno` but needs a HWCAP2
/// check and clobbers more).
#[cfg(all(target_arch = "powerpc64", target_os = "linux"))]
mod entry {
    super::super::asm_syscalls! {
        template: [
            "sc",
            "bns+ 1f",  // cr0.SO clear: r3 is the result
            "neg 3, 3", // cr0.SO set: r3 = -errno
            "1:",
        ],
        number: "r0",
        result: "r3",
        args: ["r3", "r4", "r5", "r6", "r7", "r8"],
        clobbers: [
            lateout("r4") _,
            lateout("r5") _,
            lateout("r6") _,
            lateout("r7") _,
            lateout("r8") _,
            lateout("r9") _,
            lateout("r10") _,
            lateout("r11") _,
            lateout("r12") _,
            lateout("cr0") _,
            lateout("ctr") _,
            lateout("xer") _,
        ],
    }
}
#[cfg(all(target_arch = "powerpc64", target_os = "linux"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`, ELFv2). The kernel
// jumps here with `argc` at `r1` and the entry address in `r12`: derive the
// TOC pointer `r2` from `r12`, pass the initial `r1` as the first argument,
// align `r1` to 16, push the 32-byte minimum frame with a back chain of 0
// and a cleared link register (outermost frame) and call the crate's
// entry, which never returns (the `nop` is the slot the linker may use for
// a TOC restore).
super::start_entry! {
    "powerpc64",
    "_start:",
    "addis 2, 12, .TOC.-_start@ha",
    "addi 2, 2, .TOC.-_start@l",
    "mr 3, 1",
    "clrrdi 1, 1, 4",
    "li 0, 0",
    "stdu 0, -32(1)",
    "mtlr 0",
    "bl {start}",
    "nop",
    "trap",
}
