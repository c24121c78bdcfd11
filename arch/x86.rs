//! x86 (i686, the i386 ABI).
//!
//! Entry: `int 0x80`, number in `eax`, arguments in `ebx ecx edx esi edi ebp`,
//! result in `eax`. The socket calls are the direct ones (Linux 4.3+), not
//! `socketcall(2)`.

#![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`

pub use super::generic::values::*;

pub const SYS_READ: usize = 3;
pub const SYS_WRITE: usize = 4;
pub const SYS_CLOSE: usize = 6;
pub const SYS_GETPID: usize = 20;
/// `clock_gettime64`: 64-bit `time_t` on this 32-bit ABI (Linux 5.1+).
pub const SYS_CLOCK_GETTIME: usize = 403;
/// `clock_gettime` with a 32-bit `time_t`: the fallback where `clock_gettime64`
/// is missing (Linux before 5.1, or a seccomp profile that lacks it).
pub const SYS_CLOCK_GETTIME32: usize = 265;
pub const SYS_KILL: usize = 37;
pub const SYS_FCNTL: usize = 55;
pub const SYS_READV: usize = 145;
pub const SYS_WRITEV: usize = 146;
pub const SYS_RT_SIGPROCMASK: usize = 175;
pub const SYS_EXIT_GROUP: usize = 252;
pub const SYS_EPOLL_CTL: usize = 255;
pub const SYS_SPLICE: usize = 313;
pub const SYS_EPOLL_PWAIT: usize = 319;
pub const SYS_EVENTFD2: usize = 328;
pub const SYS_SIGNALFD4: usize = 327;
pub const SYS_EPOLL_CREATE1: usize = 329;
pub const SYS_PIPE2: usize = 331;
pub const SYS_PRLIMIT64: usize = 340;
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
pub const SYS_SECCOMP: usize = 354;
pub const SYS_OPENAT: usize = 295;
/// `mmap2` (offset in pages; `mmap`, 90, takes its arguments in memory).
pub const SYS_MMAP: usize = 192;
pub const SYS_SENDTO: usize = 369;
pub const SYS_RECVFROM: usize = 371;
pub const SYS_SENDMMSG: usize = 345;
/// `recvmmsg`, always called with a null timeout (so no time64 variant is needed).
pub const SYS_RECVMMSG: usize = 337;
pub const SYS_GETPEERNAME: usize = 368;
pub const SYS_DUP: usize = 41;
pub const SYS_DUP3: usize = 330;
pub const SYS_TIMERFD_CREATE: usize = 322;
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
pub const SYS_TIMERFD_SETTIME32: usize = 325;
pub const SYS_TIMERFD_GETTIME32: usize = 326;

/// A 64-bit argument is two consecutive registers, low word first (the
/// kernel's `ia32` wrappers take `lo, hi`).
pub const U64_ARG: super::U64Arg = super::U64Arg::Pair;

/// `AUDIT_ARCH_I386`: `EM_386` (3), little-endian.
/// What a seccomp filter sees in `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = 0x4000_0003;

super::derived_flags!();

/// Raw entry: `int 0x80`.
///
/// - the number goes in `eax`, arguments 1-6 in `ebx ecx edx esi edi ebp`;
/// - the result comes back in `eax`, a negated errno on failure;
/// - the kernel saves and restores every other register.
///
/// `asm!` cannot name two of those registers: `esi`, which LLVM may reserve
/// as the base pointer of a realigned frame, and `ebp`, the frame pointer.
/// (`ebx` may be named on 32-bit x86; only x86_64 reserves `rbx`.) So:
/// - argument 4 sits in any free register and is `xchg`ed into `esi` around
///   the `int` (if the compiler picked `esi` itself, the `xchg` is a no-op).
///   That register must be `inout`, not `in`: the compiler may hand one
///   register to two `in` operands holding the same value, e.g. `ebx` for
///   arguments 1 and 4 both 0, and the `xchg` would then corrupt argument 1
///   (seen with `--release`). `inout` keeps the register to itself;
/// - with six arguments all seven general registers are needed, so arguments
///   4 and 6 travel in memory: `eax` points at `[nr, a4, a6]`, the asm saves
///   `esi` and `ebp` on the stack, loads both, then overwrites `eax` with the
///   number, and restores them afterwards (hence no `nostack` there).
///
/// No `preserves_flags`: the flags are declared clobbered, as in nolibc.
#[cfg(all(target_arch = "x86", target_os = "linux"))]
mod entry {
    use core::arch::asm;

    /// Defines `$name(nr, args…)` for the arities whose arguments all sit in
    /// registers `asm!` may name (`; $a4 via esi` adds the `xchg` for
    /// argument 4; what follows it is the optional argument 5 in `edi`).
    macro_rules! int80 {
        ($name:ident($($a:ident in $reg:tt),*)) => {
            /// # Safety
            /// The caller upholds the contract of the system call `nr` for
            /// these arguments (valid pointers and lengths, fd ownership).
            #[inline(always)]
            pub(crate) unsafe fn $name(nr: usize $(, $a: usize)*) -> usize {
                let ret: usize;
                // SAFETY: `int 0x80` changes only `eax`; memory effects are
                // the caller's contract, which `asm!` without `nomem` allows.
                unsafe {
                    asm!(
                        "int 0x80",
                        inlateout("eax") nr => ret,
                        $(in($reg) $a,)*
                        options(nostack),
                    );
                }
                ret
            }
        };
        ($name:ident($($a:ident in $reg:tt),*; $a4:ident via esi $(, $a5:ident in $reg5:tt)?)) => {
            /// # Safety
            /// The caller upholds the contract of the system call `nr` for
            /// these arguments (valid pointers and lengths, fd ownership).
            #[inline(always)]
            pub(crate) unsafe fn $name(nr: usize $(, $a: usize)*, $a4: usize $(, $a5: usize)?) -> usize {
                let ret: usize;
                // SAFETY: as above; the second `xchg` puts `esi` back, and
                // `{a4}` is `inout` (see the module) so that no other
                // operand shares the register the first `xchg` overwrites.
                unsafe {
                    asm!(
                        "xchg esi, {a4}",
                        "int 0x80",
                        "xchg esi, {a4}",
                        a4 = inout(reg) $a4 => _,
                        inlateout("eax") nr => ret,
                        $(in($reg) $a,)*
                        $(in($reg5) $a5,)?
                        options(nostack),
                    );
                }
                ret
            }
        };
    }

    int80!(syscall0());
    int80!(syscall1(a1 in "ebx"));
    int80!(syscall2(a1 in "ebx", a2 in "ecx"));
    int80!(syscall3(a1 in "ebx", a2 in "ecx", a3 in "edx"));
    int80!(syscall4(a1 in "ebx", a2 in "ecx", a3 in "edx"; a4 via esi));
    int80!(syscall5(a1 in "ebx", a2 in "ecx", a3 in "edx"; a4 via esi, a5 in "edi"));

    /// Six arguments: `esi` and `ebp` loaded from memory (see the module).
    ///
    /// # Safety
    /// The caller upholds the contract of the system call `nr` for these
    /// arguments (valid pointers and lengths, fd ownership).
    #[inline(always)]
    pub(crate) unsafe fn syscall6(
        nr: usize,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
        a6: usize,
    ) -> usize {
        let rest = [nr, a4, a6];
        let ret: usize;
        // SAFETY: `eax` points at `rest`, live across the asm; `esi` and
        // `ebp` are pushed first and popped last, so only `eax` changes.
        unsafe {
            asm!(
                "push ebp",
                "push esi",
                "mov esi, [eax + 4]",
                "mov ebp, [eax + 8]",
                "mov eax, [eax]",
                "int 0x80",
                "pop esi",
                "pop ebp",
                inlateout("eax") rest.as_ptr() as usize => ret,
                in("ebx") a1,
                in("ecx") a2,
                in("edx") a3,
                in("edi") a5,
            );
        }
        ret
    }
}
#[cfg(all(target_arch = "x86", target_os = "linux"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`). The kernel jumps
// here with `argc` at `esp` and no return address: clear the frame pointer
// (outermost frame), align the stack to 16 so that, after the argument is
// pushed, `esp` is 16-aligned at the call as the i386 ABI (and the SSE code
// the compiler emits) wants, pass the initial `esp` on the stack (cdecl)
// and call the crate's entry, which never returns.
super::start_entry! {
    "x86",
    "_start:",
    "xor ebp, ebp",
    "mov eax, esp",
    "and esp, -16",
    "sub esp, 12",
    "push eax",
    "call {start}",
    "ud2",
}
