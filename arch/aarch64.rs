//! aarch64 (AArch64 Linux, LP64).
//!
//! Entry: `svc 0`, number in `x8`, arguments in `x0`–`x5`, result in `x0`.
//! The raw entry is the `sc` crate's. Syscall numbers are asm-generic.

pub use super::generic::numbers::*;
pub use super::generic::values::*;

super::derived_flags!();

/// Raw entry: the `sc` crate's aarch64 shims (`svc 0`).
#[cfg(all(target_arch = "aarch64", target_os = "linux"))]
pub(crate) use sc::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

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
