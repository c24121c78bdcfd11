//! riscv64 (RV64GC, LP64D).
//!
//! Entry: `ecall`, number in `a7`, arguments in `a0`–`a5`, result in `a0`.
//! The raw entry is the `sc` crate's. Syscall numbers are asm-generic.
//!
//! The kernel discards the vector registers across a syscall; `sc` does not
//! list them as clobbered, which is sound for `riscv64gc` (no `V` extension,
//! so the compiler never keeps values there). Building with
//! `-C target-feature=+v` would need our own shim that clobbers `v0`–`v31`.

pub use super::generic::numbers::*;
pub use super::generic::values::*;

super::derived_flags!();

/// Raw entry: the `sc` crate's riscv64 shims (`ecall`).
#[cfg(all(target_arch = "riscv64", target_os = "linux"))]
pub(crate) use sc::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

#[cfg(all(target_arch = "riscv64", target_feature = "v"))]
compile_error!("bareio: sc's riscv64 entry does not clobber v0-v31; build without +v");

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
