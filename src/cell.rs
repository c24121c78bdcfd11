//! [`StaticCell`]: large mutable state in a `static`, taken once, with no
//! `unsafe` in the program.
//!
//! A static program (`#![no_std]`, `#![no_main]`, a small stack) keeps its
//! connection table in a `static` rather than on `main`'s stack. A plain
//! `static` cannot be mutated and a `static mut` needs `unsafe` at every
//! use; a `StaticCell` hands out one `&'static mut` to its contents, the
//! first time [`take`](StaticCell::take) is called, and `None` after.
//!
//! ```
//! use bareio::cell::StaticCell;
//! use bareio::slab::Slab;
//! use bareio::timer::Timers;
//!
//! struct State {
//!     conns: Slab<[u8; 4096], 8192>, // 32 MiB of address space, in .bss
//!     timers: Timers<8192>,
//! }
//! static STATE: StaticCell<State> = StaticCell::new(State { conns: Slab::new(), timers: Timers::new() });
//!
//! let state: &'static mut State = STATE.take().unwrap();
//! let key = state.conns.insert([0; 4096]).unwrap();
//! state.timers.set(key, bareio::time::Instant::ZERO).unwrap();
//! assert!(STATE.take().is_none()); // only once
//! ```
//!
//! # The .bss rule
//!
//! A `static` whose initial value is **all zero bytes** is placed in `.bss`:
//! it takes no space in the executable, and the kernel maps it as
//! zero-filled anonymous memory, so each page costs memory only once it is
//! touched. Any non-zero byte moves the whole static to `.data`: its full
//! size in the file, and in memory from the start. `StaticCell::new` adds
//! only a `false` flag (a zero byte), so `StaticCell::new(x)` is in `.bss`
//! exactly when `x` is all zero bytes, as `Slab::new()`, `Timers::new()`,
//! `0`, `false`, `None` of most types and arrays of those are. (Padding
//! does not count; a field like `Some(0)` or `1` does.)
//!
//! Only a `static` that can be written goes to `.bss`: an all-zero `static`
//! with no interior mutability is read-only data (`.rodata`), stored in the
//! file in full. The cell's `UnsafeCell` makes it writable, so it lands in
//! `.bss` (`tests/static_cell.rs` checks the address against the linker's
//! `__bss_start` and `_end`).

use core::cell::UnsafeCell;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

/// A value in a `static` that [`take`](StaticCell::take) lends out, as
/// `&'static mut`, exactly once. See [the module docs](self).
pub struct StaticCell<T> {
    /// Whether `take` has succeeded. `false` is a zero byte.
    taken: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the only access to `value` is the one `&mut T` that `take` hands
// out, to at most one caller (the atomic swap decides which), on whatever
// thread: moving exclusive access to another thread needs `T: Send`, and
// since no `&T` is ever shared between threads, `T: Sync` is not needed.
unsafe impl<T: Send> Sync for StaticCell<T> {}

impl<T> StaticCell<T> {
    /// A cell holding `value`, not yet taken.
    pub const fn new(value: T) -> Self {
        Self { taken: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }

    /// The contents, mutably, for the rest of the program: `Some` the first
    /// time it is called, on any thread, and `None` every time after.
    // `&mut` from `&self` is the point: the atomic flag makes it unique.
    #[allow(clippy::mut_from_ref)]
    pub fn take(&'static self) -> Option<&'static mut T> {
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the swap returned `false` to this call only, so this is
        // the one and only reference to the value, ever; the cell is
        // `'static`, so the value outlives it.
        Some(unsafe { &mut *self.value.get() })
    }

    /// Whether [`take`](StaticCell::take) has already succeeded.
    pub fn is_taken(&self) -> bool {
        self.taken.load(Ordering::Acquire)
    }
}

impl<T> fmt::Debug for StaticCell<T> {
    /// Only whether it was taken: the contents may be borrowed elsewhere.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCell").field("taken", &self.is_taken()).finish_non_exhaustive()
    }
}
