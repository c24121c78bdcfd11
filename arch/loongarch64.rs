//! loongarch64 (LP64D).
//!
//! Entry: `syscall 0`, number in `$a7`, arguments in `$a0`–`$a5`, result in
//! `$a0`; the kernel clobbers `$t0`–`$t8`. Syscall numbers are asm-generic.
//! Built (not run) by the cross harness: no cross linker or qemu here.

pub use super::generic::numbers::*;
pub use super::generic::values::*;

/// `clone`'s arguments in the default order (no `CLONE_BACKWARDS`).
pub const CLONE_ORDER: super::CloneOrder = super::CloneOrder::Default;

/// `AUDIT_ARCH_LOONGARCH64`: `EM_LOONGARCH` (258), 64-bit, little-endian.
/// What a seccomp filter sees in `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = 0xC000_0102;

super::derived_flags!();

/// Raw entry: `syscall 0` with the number in `$a7` and arguments in
/// `$a0`–`$a5`; the result or `-errno` comes back in `$a0`.
///
/// Clobbers: `$a0` (the result) and the temporaries `$t0`–`$t8`, which the
/// kernel does not restore (nolibc's list). `$a1`–`$a7`, the saved registers
/// and the floating-point state survive. The kernel does not touch the
/// caller's stack.
#[cfg(all(target_arch = "loongarch64", target_os = "linux"))]
mod entry {
    use core::arch::asm;

    macro_rules! define_syscalls {
        ($($name:ident($($arg:ident: $reg:tt),*);)*) => {$(
            /// Issues syscall `nr` with the given arguments; returns the
            /// result, or `-errno` (as `usize`) on failure.
            ///
            /// # Safety
            ///
            /// `nr` and its arguments must form a system call whose effects
            /// (memory written through pointer arguments, descriptors
            /// closed, …) are sound for the caller.
            #[inline(always)]
            pub(crate) unsafe fn $name(nr: usize $(, $arg: usize)*) -> usize {
                let ret;
                // SAFETY: the caller upholds the syscall's contract; every
                // register the kernel may change is declared an output.
                unsafe {
                    asm!(
                        "syscall 0",
                        in("$a7") nr,
                        $(in($reg) $arg,)*
                        lateout("$a0") ret,
                        lateout("$t0") _,
                        lateout("$t1") _,
                        lateout("$t2") _,
                        lateout("$t3") _,
                        lateout("$t4") _,
                        lateout("$t5") _,
                        lateout("$t6") _,
                        lateout("$t7") _,
                        lateout("$t8") _,
                        options(nostack),
                    );
                }
                ret
            }
        )*};
    }

    define_syscalls! {
        syscall0();
        syscall1(a1: "$a0");
        syscall2(a1: "$a0", a2: "$a1");
        syscall3(a1: "$a0", a2: "$a1", a3: "$a2");
        syscall4(a1: "$a0", a2: "$a1", a3: "$a2", a4: "$a3");
        syscall5(a1: "$a0", a2: "$a1", a3: "$a2", a4: "$a3", a5: "$a4");
        syscall6(a1: "$a0", a2: "$a1", a3: "$a2", a4: "$a3", a5: "$a4", a6: "$a5");
    }
}
#[cfg(all(target_arch = "loongarch64", target_os = "linux"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// No `_start` yet: there is no loongarch64 linker here to test one. A
// `bareio::main!` program says so instead of "macro not found".
#[cfg(all(feature = "rt", target_arch = "loongarch64", target_os = "linux"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __bareio_entry {
    () => {
        ::core::compile_error!(
            "bareio::main!: no _start for loongarch64 yet (rt supports x86_64, x86, aarch64, arm, \
             riscv64, s390x, mips, mips64 and powerpc64le)"
        );
    };
}
