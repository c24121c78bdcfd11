//! arm (ARMv7, EABI, hard or soft float).
//!
//! Entry: `svc 0`, number in `r7`, arguments in `r0`–`r5`, result in `r0`.
//! Only the EABI numbering (no OABI `0x900000` offset).

#![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`

pub use super::generic::values::*;

/// `O_LARGEFILE` is 0o400000 on arm (0o100000 in asm-generic).
pub const O_LARGEFILE: u32 = 0o400000;

pub const SYS_READ: usize = 3;
pub const SYS_WRITE: usize = 4;
pub const SYS_CLOSE: usize = 6;
pub const SYS_GETPID: usize = 20;
/// `clock_gettime64`: 64-bit `time_t` on this 32-bit ABI (Linux 5.1+).
pub const SYS_CLOCK_GETTIME: usize = 403;
/// `clock_gettime` with a 32-bit `time_t`: the fallback where `clock_gettime64`
/// is missing (Linux before 5.1, or a seccomp profile that lacks it).
pub const SYS_CLOCK_GETTIME32: usize = 263;
pub const SYS_KILL: usize = 37;
pub const SYS_FCNTL: usize = 55;
pub const SYS_READV: usize = 145;
pub const SYS_WRITEV: usize = 146;
pub const SYS_RT_SIGPROCMASK: usize = 175;
pub const SYS_EXIT_GROUP: usize = 248;
pub const SYS_EPOLL_CTL: usize = 251;
pub const SYS_SOCKET: usize = 281;
pub const SYS_BIND: usize = 282;
pub const SYS_CONNECT: usize = 283;
pub const SYS_LISTEN: usize = 284;
pub const SYS_GETSOCKNAME: usize = 286;
pub const SYS_SOCKETPAIR: usize = 288;
pub const SYS_SHUTDOWN: usize = 293;
pub const SYS_SETSOCKOPT: usize = 294;
pub const SYS_GETSOCKOPT: usize = 295;
pub const SYS_SENDMSG: usize = 296;
pub const SYS_RECVMSG: usize = 297;
pub const SYS_SPLICE: usize = 340;
pub const SYS_EPOLL_PWAIT: usize = 346;
pub const SYS_EVENTFD2: usize = 356;
pub const SYS_SIGNALFD4: usize = 355;
pub const SYS_EPOLL_CREATE1: usize = 357;
pub const SYS_PIPE2: usize = 359;
pub const SYS_PRLIMIT64: usize = 369;
pub const SYS_ACCEPT4: usize = 366;
pub const SYS_EPOLL_PWAIT2: usize = 441;
pub const SYS_IOCTL: usize = 54;
pub const SYS_PRCTL: usize = 172;
pub const SYS_SECCOMP: usize = 383;
pub const SYS_OPENAT: usize = 322;
/// `mmap2` (offset in pages; arm EABI has no `mmap`).
pub const SYS_MMAP: usize = 192;
pub const SYS_SENDTO: usize = 290;
pub const SYS_RECVFROM: usize = 292;
pub const SYS_SENDMMSG: usize = 374;
/// `recvmmsg`, always called with a null timeout (so no time64 variant is needed).
pub const SYS_RECVMMSG: usize = 365;
pub const SYS_GETPEERNAME: usize = 287;
pub const SYS_DUP: usize = 41;
pub const SYS_DUP3: usize = 358;
pub const SYS_TIMERFD_CREATE: usize = 350;
/// `timerfd_settime64`/`timerfd_gettime64`: 64-bit `time_t` (Linux 5.1+).
pub const SYS_TIMERFD_SETTIME: usize = 411;
pub const SYS_TIMERFD_GETTIME: usize = 410;
/// `pread64`/`pwrite64`: the offset as a 64-bit pair (`U64_ARG`).
pub const SYS_PREAD64: usize = 180;
pub const SYS_PWRITE64: usize = 181;
/// `ftruncate64`: the length as a 64-bit pair (`U64_ARG`).
pub const SYS_FTRUNCATE64: usize = 194;
pub const SYS_CLONE: usize = 120;
pub const SYS_WAIT4: usize = 114;
pub const SYS_GETPPID: usize = 64;
pub const SYS_SCHED_GETAFFINITY: usize = 242;
/// `timerfd_settime`/`timerfd_gettime` with a 32-bit `time_t`: the fallback
/// where the time64 calls are missing (as `SYS_CLOCK_GETTIME32`).
pub const SYS_TIMERFD_SETTIME32: usize = 353;
pub const SYS_TIMERFD_GETTIME32: usize = 354;

/// A 64-bit argument is an even/odd register pair (EABI), padded to
/// start at an even argument index: `pread64(fd, buf, count, 0, lo, hi)`.
pub const U64_ARG: super::U64Arg = super::U64Arg::AlignedPair;

/// `AUDIT_ARCH_ARM`: `EM_ARM` (40), little-endian (the only arm supported).
/// What a seccomp filter sees in `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = 0x4000_0028;

super::derived_flags!();

/// Raw entry: `svc 0` (EABI).
///
/// - the number goes in `r7`, arguments 1-6 in `r0`-`r5`;
/// - the result comes back in `r0`, a negated errno on failure;
/// - the kernel saves and restores every other register. nolibc still
///   declares `lr` clobbered; so do we, which costs at most a push of `lr`.
///
/// `r7` is the frame pointer in Thumb code (`r11` in A32 code), and `asm!`
/// refuses to name the frame pointer. The `armv7-*` targets compile to A32 by
/// default, but `thumbv7neon-*`, `-C target-feature=+thumb-mode` and
/// `#[instruction_set(arm::t32)]` functions are Thumb-2, and an inlined
/// shim takes on its caller's mode. So, as musl does for Thumb, the number
/// is passed in any register and moved into `r7` inside the asm, with the
/// old `r7` kept in a scratch register and put back right after the `svc`.
/// A frame-pointer unwinder interrupted between those moves sees a bad
/// frame; the kernel does not care.
///
/// No `preserves_flags`: the flags are declared clobbered, as in nolibc.
#[cfg(all(target_arch = "arm", target_os = "linux"))]
mod entry {
    use core::arch::asm;

    /// Defines `$name(nr, args…)`, each argument in the register named
    /// beside it.
    macro_rules! svc0 {
        ($name:ident($($a:ident in $reg:tt),*)) => {
            /// # Safety
            /// The caller upholds the contract of the system call `nr` for
            /// these arguments (valid pointers and lengths, fd ownership).
            #[inline(always)]
            pub(crate) unsafe fn $name(nr: usize $(, $a: usize)*) -> usize {
                let ret: usize;
                // SAFETY: `svc 0` changes only `r0` (and `lr`, declared); `r7` is
                // restored from `{saved}`, an output sharing no register with the
                // inputs. Memory effects are the caller's contract.
                unsafe {
                    asm!(
                        "mov {saved}, r7",
                        "mov r7, {nr}",
                        "svc 0",
                        "mov r7, {saved}",
                        nr = in(reg) nr,
                        saved = out(reg) _,
                        $(in($reg) $a,)*
                        lateout("r0") ret,
                        out("lr") _,
                        options(nostack),
                    );
                }
                ret
            }
        };
    }

    svc0!(syscall0());
    svc0!(syscall1(a1 in "r0"));
    svc0!(syscall2(a1 in "r0", a2 in "r1"));
    svc0!(syscall3(a1 in "r0", a2 in "r1", a3 in "r2"));
    svc0!(syscall4(a1 in "r0", a2 in "r1", a3 in "r2", a4 in "r3"));
    svc0!(syscall5(a1 in "r0", a2 in "r1", a3 in "r2", a4 in "r3", a5 in "r4"));
    svc0!(syscall6(a1 in "r0", a2 in "r1", a3 in "r2", a4 in "r3", a5 in "r4", a6 in "r5"));
}
#[cfg(all(target_arch = "arm", target_os = "linux"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`, A32 code). The
// kernel jumps here with `argc` at `sp`: pass that pointer as the first
// argument, clear the frame pointer and link register (outermost frame),
// align `sp` to 8 as the EABI wants at a public call (`sp` cannot be the
// target of `and`, hence `ip`) and call the crate's entry, which never
// returns.
super::start_entry! {
    "arm",
    ".arm",
    "_start:",
    "mov fp, #0",
    "mov lr, #0",
    "mov r0, sp",
    "bic ip, r0, #7",
    "mov sp, ip",
    "bl {start}",
    "udf #0",
    // Every function's `.ARM.exidx` entry names an EHABI personality
    // routine, normally from libgcc, which such a program does not
    // link. Nothing unwinds (`panic = "abort"`): weak stand-ins that
    // answer `_URC_FAILURE` (9) if ever asked.
    ".weak __aeabi_unwind_cpp_pr0",
    ".weak __aeabi_unwind_cpp_pr1",
    ".weak __aeabi_unwind_cpp_pr2",
    ".type __aeabi_unwind_cpp_pr0, %function",
    ".type __aeabi_unwind_cpp_pr1, %function",
    ".type __aeabi_unwind_cpp_pr2, %function",
    "__aeabi_unwind_cpp_pr0:",
    "__aeabi_unwind_cpp_pr1:",
    "__aeabi_unwind_cpp_pr2:",
    "mov r0, #9",
    "bx lr",
}
