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
