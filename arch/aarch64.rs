//! aarch64 (AArch64 Linux, LP64).
//!
//! Entry: `svc 0`, number in `x8`, arguments in `x0`–`x5`, result in `x0`.
//! The raw entry is the `sc` crate's. Syscall numbers are asm-generic.

pub use super::generic::numbers::*;
pub use super::generic::values::*;

/// `O_LARGEFILE` is 0o400000 on arm64 (0o100000 in asm-generic).
pub const O_LARGEFILE: u32 = 0o400000;

/// `AUDIT_ARCH_AARCH64`: `EM_AARCH64` (183), 64-bit, little-endian.
/// What a seccomp filter sees in `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = 0xC000_00B7;

super::derived_flags!();

/// Raw entry: the `sc` crate's aarch64 shims (`svc 0`), which clobber no
/// vector state: right for the base ABI, where a syscall preserves the
/// FP/SIMD registers.
#[cfg(all(target_arch = "aarch64", target_os = "linux", not(target_feature = "sve")))]
pub(crate) use sc::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

/// Raw entry with SVE enabled (`+sve`, or a `target-cpu` that has it):
/// the kernel zeroes the bits of `z0`–`z31` above 127, `p0`–`p15` and
/// `ffr` on every syscall, and the compiler may keep vectors there, so this
/// shim declares `v0`–`v31` (whose clobber covers the `z` registers they
/// are the low halves of) and `p0`–`p15` clobbered. (SME's streaming mode
/// needs function attributes Rust has not stabilised; SME without SVE
/// puts nothing in those registers outside it.) CI builds the library and
/// the tests with `-C target-feature=+sve`.
#[cfg(all(target_arch = "aarch64", target_os = "linux", target_feature = "sve"))]
mod entry {
    super::super::asm_syscalls! {
        template: ["svc 0"],
        number: "x8",
        result: "x0",
        args: ["x0", "x1", "x2", "x3", "x4", "x5"],
        // The `z` registers, through the `v` registers they extend, and
        // the predicates. (`ffr` is never allocated: LLVM reserves it, so
        // nothing lives there.)
        clobbers: [
            v0_to_v31,
            out("p0") _, out("p1") _, out("p2") _, out("p3") _,
            out("p4") _, out("p5") _, out("p6") _, out("p7") _,
            out("p8") _, out("p9") _, out("p10") _, out("p11") _,
            out("p12") _, out("p13") _, out("p14") _, out("p15") _,
        ],
    }
}
#[cfg(all(target_arch = "aarch64", target_os = "linux", target_feature = "sve"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`). The kernel jumps
// here with `argc` at `sp`: pass that pointer as the first argument, clear
// the frame pointer and link register (outermost frame), keep `sp` 16-aligned
// (the kernel already does; the hardware faults otherwise) and call the
// crate's entry, which never returns.
super::start_entry! {
    "aarch64",
    "_start:",
    "mov x29, #0",
    "mov x30, #0",
    "mov x0, sp",
    "and sp, x0, #-16",
    "bl {start}",
    "brk #0",
    // compiler-builtins' outline-atomics and CPU-feature
    // constructors reference libc's `getauxval`. Those constructors
    // never run here (nothing walks `.init_array`), so the atomics
    // stay on the LL/SC path every ARMv8 core has; a weak stand-in
    // reporting no capabilities satisfies the link.
    ".weak getauxval",
    ".type getauxval, %function",
    "getauxval:",
    "mov x0, #0",
    "ret",
}
