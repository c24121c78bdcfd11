//! Per-architecture ABI tables and raw syscall entries.
//!
//! One module per architecture, each a small file in the spirit of the
//! kernel's `tools/include/nolibc/arch-*.h`: the syscall numbers, the flag,
//! errno and layout values that differ between architectures, and (compiled
//! only on that architecture) the raw `syscall0` … `syscall6` entry.
//!
//! Values shared by most architectures live once in [`generic`]; an
//! architecture file glob-imports them and overrides only what differs (a
//! local item shadows a glob import). Every table compiles on every host, so
//! one host test run checks all ten against the `syscalls` crate; the
//! per-target run under qemu-user checks the compiled one against `libc`.
//!
//! On Linux, `current` names the table of the architecture being compiled
//! for. These are Linux ABI tables: on FreeBSD and macOS they still compile
//! (as data, for host-side tests) but `current` does not exist and nothing
//! in the crate uses them; the kqueue backend takes its values from `libc`.
//!
//! # The raw entry convention
//!
//! Every architecture exposes, crate-internally, `syscall0(nr)` …
//! `syscall6(nr, a1, …, a6)`, all `unsafe fn(usize, …) -> usize`, returning
//! the kernel's Linux-wide convention: a value in `-4095..=-1` (as `usize`)
//! is a negated errno, anything else is the result. Architectures that flag
//! errors out of band (mips: `$a3`, powerpc64: `cr0.SO`) convert to this
//! convention in their shim, so the rest of the crate has one rule.

#![allow(clippy::unreadable_literal)]

pub mod generic;

pub mod aarch64;
pub mod arm;
pub mod loongarch64;
pub mod mips;
pub mod mips64;
pub mod powerpc64;
pub mod riscv64;
pub mod s390x;
pub mod x86;
pub mod x86_64;

/// The order of `clone`'s arguments, which the kernel lets each
/// architecture choose (`CONFIG_CLONE_BACKWARDS*` in `kernel/fork.c`).
///
/// A table's `CLONE_ORDER` names its architecture's; [`CloneOrder::args`]
/// places the five arguments accordingly, so the wrapper is written once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloneOrder {
    /// `flags, newsp, parent_tid, child_tid, tls` (x86_64, loongarch64).
    Default,
    /// `flags, newsp, parent_tid, tls, child_tid` (`CLONE_BACKWARDS`: x86,
    /// aarch64, arm, riscv64, mips, mips64, powerpc64).
    Backwards,
    /// `newsp, flags, parent_tid, child_tid, tls` (`CLONE_BACKWARDS2`:
    /// s390x).
    Backwards2,
}

impl CloneOrder {
    /// The five register arguments of `clone(flags, newsp, parent_tid,
    /// child_tid, tls)` in this order.
    pub const fn args(
        self,
        flags: usize,
        newsp: usize,
        parent_tid: usize,
        child_tid: usize,
        tls: usize,
    ) -> [usize; 5] {
        match self {
            Self::Default => [flags, newsp, parent_tid, child_tid, tls],
            Self::Backwards => [flags, newsp, parent_tid, tls, child_tid],
            Self::Backwards2 => [newsp, flags, parent_tid, child_tid, tls],
        }
    }
}

/// How a 64-bit syscall argument (a file offset or length: `pread64`,
/// `pwrite64`, `ftruncate64`) travels, which depends on the register width
/// and the ABI's rules for 64-bit values (the kernel's `arg_u32p` /
/// `merge_64` wrappers, musl's `__SYSCALL_LL_E` / `__SYSCALL_LL_O`).
///
/// A table's `U64_ARG` names its architecture's rule; [`U64Arg::place`]
/// lays out the registers once for every wrapper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum U64Arg {
    /// One register (the 64-bit ABIs).
    OneRegister,
    /// Two consecutive registers, the halves in memory order (i386:
    /// low word first; musl's `__SYSCALL_LL_O` is `__SYSCALL_LL_E` there).
    Pair,
    /// Two registers starting at an even argument index (a zero pad before
    /// when the preceding arguments are odd in number), the halves in
    /// memory order: arm EABI and mips o32 align 64-bit values to an even
    /// register pair (musl's `__SYSCALL_LL_O` is `0, __SYSCALL_LL_E`).
    AlignedPair,
}

/// The registers of one syscall: up to six arguments, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallArgs {
    /// The arguments; only the first `len` count.
    pub regs: [usize; 6],
    /// How many arguments the call takes.
    pub len: usize,
}

impl U64Arg {
    /// The arguments of a call whose `N` leading word-sized arguments are
    /// followed by the 64-bit `value` (the last argument).
    ///
    /// ```
    /// use bareio::arch::{SyscallArgs, U64Arg};
    /// // pread64(fd 3, buf 0x1000, count 8, offset 0x1_0000_0002):
    /// let offset = 0x1_0000_0002u64;
    /// let args = U64Arg::AlignedPair.place([3, 0x1000, 8], offset);
    /// // arm EABI / mips o32: a pad, then the halves (here little-endian).
    /// # if cfg!(target_endian = "little") {
    /// assert_eq!(&args.regs[..args.len], &[3, 0x1000, 8, 0, 2, 1]);
    /// assert_eq!(&U64Arg::Pair.place([3, 0x1000, 8], offset).regs[..5], &[3, 0x1000, 8, 2, 1]);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// (At compile time where evaluated in a constant.) If the arguments
    /// do not fit six registers.
    pub const fn place<const N: usize>(self, leading: [usize; N], value: u64) -> SyscallArgs {
        let mut regs = [0usize; 6];
        let mut len = 0;
        while len < N {
            regs[len] = leading[len];
            len += 1;
        }
        let (lo, hi) = (value as u32 as usize, (value >> 32) as u32 as usize);
        let halves = if cfg!(target_endian = "big") { [hi, lo] } else { [lo, hi] };
        match self {
            Self::OneRegister => {
                regs[len] = value as usize;
                len += 1;
            }
            Self::Pair | Self::AlignedPair => {
                if matches!(self, Self::AlignedPair) && len % 2 == 1 {
                    len += 1; // the pad register, already 0
                }
                regs[len] = halves[0];
                regs[len + 1] = halves[1];
                len += 2;
            }
        }
        SyscallArgs { regs, len }
    }
}

/// Defines the values every architecture derives from its base values:
/// `EFD_NONBLOCK`, `SOCK_NONBLOCK` and `EPOLL_CLOEXEC` are, by the kernel's
/// definition, `O_NONBLOCK` / `O_CLOEXEC` of the same architecture.
///
/// Invoked at the end of each architecture file, so the aliases always
/// follow that file's own (possibly overridden) `O_NONBLOCK` and `O_CLOEXEC`.
macro_rules! derived_flags {
    () => {
        /// `eventfd2` flag: same bit as this architecture's `O_NONBLOCK`.
        pub const EFD_NONBLOCK: u32 = O_NONBLOCK;
        /// `eventfd2` flag: same bit as `O_CLOEXEC`.
        pub const EFD_CLOEXEC: u32 = O_CLOEXEC;
        /// `socket`/`accept4` type flag: same bit as `O_NONBLOCK`.
        pub const SOCK_NONBLOCK: u32 = O_NONBLOCK;
        /// `socket`/`accept4` type flag: same bit as `O_CLOEXEC`.
        pub const SOCK_CLOEXEC: u32 = O_CLOEXEC;
        /// `signalfd4` flag: same bit as `O_NONBLOCK`.
        pub const SFD_NONBLOCK: u32 = O_NONBLOCK;
        /// `signalfd4` flag: same bit as `O_CLOEXEC`.
        pub const SFD_CLOEXEC: u32 = O_CLOEXEC;
        /// `epoll_create1` flag: same bit as `O_CLOEXEC`.
        pub const EPOLL_CLOEXEC: u32 = O_CLOEXEC;
        /// `ENOTSUP` is `EOPNOTSUPP` on Linux.
        pub const ENOTSUP: i32 = EOPNOTSUPP;
        /// `EWOULDBLOCK` is `EAGAIN` on Linux.
        pub const EWOULDBLOCK: i32 = EAGAIN;
    };
}
use derived_flags;

/// Defines the raw entry `syscall0` … `syscall6` of an architecture whose
/// convention fits registers only: the number in register `number`
/// (declared clobbered), arguments in the six `args` registers, the result
/// (already in the crate-wide `-errno` convention once `template` has run)
/// in `result`, which is also the first argument's. `clobbers` lists the
/// further registers the kernel may change, as `asm!` operands (each
/// followed by a comma); a first entry `v0_to_v31,` stands for the 32
/// vector registers `v0`–`v31` (aarch64 with SVE, riscv64).
///
/// Used by the architectures whose shims are one `asm!` shape (s390x,
/// powerpc64, riscv64, aarch64 with SVE); mips (stack arguments) and x86 /
/// arm (registers `asm!` cannot name) write theirs out.
#[allow(unused_macros)] // each architecture uses it only when compiled for itself
macro_rules! asm_syscalls {
    (
        template: [$($line:literal),+ $(,)?],
        number: $nr:tt,
        result: $ret:tt,
        args: [$($reg:tt),+ $(,)?],
        clobbers: [v0_to_v31, $($clobber:tt)*] $(,)?
    ) => {
        $crate::arch::asm_syscalls! {
            template: [$($line),+],
            number: $nr,
            result: $ret,
            args: [$($reg),+],
            clobbers: [
                out("v0") _, out("v1") _, out("v2") _, out("v3") _,
                out("v4") _, out("v5") _, out("v6") _, out("v7") _,
                out("v8") _, out("v9") _, out("v10") _, out("v11") _,
                out("v12") _, out("v13") _, out("v14") _, out("v15") _,
                out("v16") _, out("v17") _, out("v18") _, out("v19") _,
                out("v20") _, out("v21") _, out("v22") _, out("v23") _,
                out("v24") _, out("v25") _, out("v26") _, out("v27") _,
                out("v28") _, out("v29") _, out("v30") _, out("v31") _,
                $($clobber)*
            ],
        }
    };
    (
        template: [$($line:literal),+ $(,)?],
        number: $nr:tt,
        result: $ret:tt,
        args: [$r1:tt, $r2:tt, $r3:tt, $r4:tt, $r5:tt, $r6:tt $(,)?],
        clobbers: [$($clobber:tt)*] $(,)?
    ) => {
        $crate::arch::asm_syscalls!(@fn syscall0, [$($line),+], $nr, $ret, [], [$($clobber)*]);
        $crate::arch::asm_syscalls!(@fn syscall1, [$($line),+], $nr, $ret, [a1: $r1], [$($clobber)*]);
        $crate::arch::asm_syscalls!(@fn syscall2, [$($line),+], $nr, $ret, [a1: $r1, a2: $r2], [$($clobber)*]);
        $crate::arch::asm_syscalls!(
            @fn syscall3, [$($line),+], $nr, $ret, [a1: $r1, a2: $r2, a3: $r3], [$($clobber)*]
        );
        $crate::arch::asm_syscalls!(
            @fn syscall4, [$($line),+], $nr, $ret, [a1: $r1, a2: $r2, a3: $r3, a4: $r4], [$($clobber)*]
        );
        $crate::arch::asm_syscalls!(
            @fn syscall5, [$($line),+], $nr, $ret,
            [a1: $r1, a2: $r2, a3: $r3, a4: $r4, a5: $r5], [$($clobber)*]
        );
        $crate::arch::asm_syscalls!(
            @fn syscall6, [$($line),+], $nr, $ret,
            [a1: $r1, a2: $r2, a3: $r3, a4: $r4, a5: $r5, a6: $r6], [$($clobber)*]
        );
    };
    (@fn $name:ident, [$($line:literal),+], $nr:tt, $ret:tt, [$($arg:ident: $reg:tt),*], [$($clobber:tt)*]) => {
        /// Issues syscall `nr` with the given arguments; returns the
        /// result, or `-errno` (as `usize`) on failure.
        ///
        /// # Safety
        ///
        /// `nr` and its arguments must form a system call whose effects
        /// (memory written through pointer arguments, descriptors closed,
        /// …) are sound for the caller.
        #[inline(always)]
        pub(crate) unsafe fn $name(nr: usize $(, $arg: usize)*) -> usize {
            let ret;
            // SAFETY: the caller upholds the syscall's contract; every
            // register the kernel may change is declared an output.
            unsafe {
                core::arch::asm!(
                    $($line,)+
                    inlateout($nr) nr => _,
                    $(in($reg) $arg,)*
                    lateout($ret) ret,
                    $($clobber)*
                    options(nostack),
                );
            }
            ret
        }
    };
}
#[allow(unused_imports)]
pub(crate) use asm_syscalls;

/// Defines `__bareio_entry!()` for architecture `$arch` (feature `rt`):
/// [`crate::main!`] expands it in the program, where it emits the process
/// entry `_start` as a `global_asm!` of the given lines (which place the
/// `_start:` label themselves, after any mode directive) followed by the
/// common parts: global, typed as a function, in `.text`, and `{start}`
/// naming [`crate::rt::__start`], which the lines call with the initial
/// stack pointer as its argument.
///
/// Invoked once at the end of each architecture file that has an entry.
macro_rules! start_entry {
    ($(#[$attr:meta])* $arch:literal, $($line:literal),* $(,)?) => {
        #[cfg(all(feature = "rt", target_arch = $arch, target_os = "linux"))]
        #[doc(hidden)]
        #[macro_export]
        $(#[$attr])*
        macro_rules! __bareio_entry {
            () => {
                ::core::arch::global_asm!(
                    ".text",
                    ".globl _start",
                    ".type _start, %function",
                    $($line,)*
                    start = sym $crate::rt::__start,
                );
            };
        }
    };
}
use start_entry;

#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
pub use self::aarch64 as current;
#[cfg(all(target_os = "linux", target_arch = "arm"))]
pub use self::arm as current;
#[cfg(all(target_os = "linux", target_arch = "loongarch64"))]
pub use self::loongarch64 as current;
#[cfg(all(target_os = "linux", target_arch = "mips"))]
pub use self::mips as current;
#[cfg(all(target_os = "linux", target_arch = "mips64"))]
pub use self::mips64 as current;
#[cfg(all(target_os = "linux", target_arch = "powerpc64"))]
pub use self::powerpc64 as current;
#[cfg(all(target_os = "linux", target_arch = "riscv64"))]
pub use self::riscv64 as current;
#[cfg(all(target_os = "linux", target_arch = "s390x"))]
pub use self::s390x as current;
#[cfg(all(target_os = "linux", target_arch = "x86"))]
pub use self::x86 as current;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub use self::x86_64 as current;

#[cfg(all(
    target_os = "linux",
    not(any(
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "loongarch64",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "powerpc64",
        target_arch = "riscv64",
        target_arch = "s390x",
        target_arch = "x86",
        target_arch = "x86_64",
    ))
))]
compile_error!("bareio: this Linux architecture has no table in arch/ yet");

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    target_pointer_width = "32"
))]
compile_error!(
    "bareio: ILP32 ABIs (x86_64 x32, aarch64 ilp32) are not supported: they have their own syscall \
     numbers and 32-bit pointers, and the 64-bit tables here would be silently wrong"
);

#[cfg(all(target_arch = "powerpc64", target_endian = "big", target_os = "linux"))]
compile_error!("bareio: powerpc64 big-endian (ELFv1) is not supported; only powerpc64le");
