//! riscv64 (RV64GC, LP64D).
//!
//! Entry: `ecall`, number in `a7`, arguments in `a0`–`a5`, result in `a0`.
//! Syscall numbers are asm-generic.
//!
//! The kernel discards the vector state across a syscall (`v0`–`v31`,
//! `vl`, `vtype`), so the shim declares `v0`–`v31` clobbered: free where
//! there is no vector extension (the compiler never keeps values there),
//! and correct with `V` or an embedded `Zve*` (LLVM already assumes any
//! `asm!` may change `vl`/`vtype`). It is the crate's own, not `sc`'s, for
//! that reason: on stable Rust `cfg(target_feature = "v")` is never set
//! (the feature is unstable) even when `-C target-feature=+v` makes LLVM
//! use vectors, so no compile-time check could pick a vector-safe shim.
//! CI builds with `+v` and `+zve32x`.

#![allow(missing_docs)] // `SYS_X` is the kernel's `__NR_x`

pub use super::generic::numbers::*;
pub use super::generic::values::*;

/// `AUDIT_ARCH_RISCV64`: `EM_RISCV` (243), 64-bit, little-endian.
/// What a seccomp filter sees in `seccomp_data.arch`.
pub const AUDIT_ARCH: u32 = 0xC000_00F3;

super::derived_flags!();

/// Raw entry: `ecall`, number in `a7`, arguments in `a0`–`a5`, result in
/// `a0`; the vector registers clobbered (module docs).
#[cfg(all(target_arch = "riscv64", target_os = "linux"))]
mod entry {
    super::super::asm_syscalls! {
        template: ["ecall"],
        number: "a7",
        result: "a0",
        args: ["a0", "a1", "a2", "a3", "a4", "a5"],
        clobbers: [
            v0_to_v31,
        ],
    }
}
#[cfg(all(target_arch = "riscv64", target_os = "linux"))]
pub(crate) use entry::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

// `_start` for a `bareio::main!` program (feature `rt`). The kernel jumps
// here with `argc` at `sp`: load `gp` from the linker's `__global_pointer$`
// (with relaxation off, or the linker would turn this very load into a
// `gp`-relative one), clear the frame pointer (outermost frame), pass the
// initial `sp` as the first argument, align `sp` to 16 as the psABI wants
// and call the crate's entry, which never returns.
super::start_entry! {
    "riscv64",
    "_start:",
    ".option push",
    ".option norelax",
    "lla gp, __global_pointer$",
    ".option pop",
    "li s0, 0",
    "mv a0, sp",
    "andi sp, a0, -16",
    "call {start}",
    "unimp",
}
