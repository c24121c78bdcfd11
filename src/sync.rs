//! Atomics: core's, or loom's when model-checking (`--cfg loom`).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, Ordering};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, Ordering};
