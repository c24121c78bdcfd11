//! Process entry for `#![no_std]`, `#![no_main]` programs with no libc
//! (feature `rt`).
//!
//! A static program that links no C library has no `crt1.o` to start it and
//! no `memcpy` for the compiler to call. With the `rt` feature this crate
//! supplies both, so the whole program is safe Rust over the crate's API:
//!
//! - `_start`, one small trampoline per architecture (in [`crate::arch`],
//!   like nolibc's `arch-*.h`), emitted by [`crate::main!`]: it hands the kernel's initial stack pointer
//!   to the crate, which reads `argc`/`argv`, calls your `main` and passes
//!   its return value to `exit_group`;
//! - [`Args`], the command line as byte strings;
//! - `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`, which the compiler
//!   emits calls to, also emitted by [`crate::main!`] (so only the program
//!   with no C library defines them). They are short byte loops: programs
//!   built this way move bulk data with the kernel (`splice`,
//!   `read`/`write`), not in userspace;
//! - before `main`, fds 0–2 that the process started without are opened
//!   on `/dev/null` (as std does), so that the first sockets never become
//!   "standard error";
//! - [`fork`], safe here (one thread, no C library): worker processes.
//!
//! Not with the `std` feature (a compile error: `rt` is for programs with
//! no C library, `std` for programs with one), and not in a static PIE
//! (`+crt-static`, refused by `main!`).
//!
//! You write the `#[panic_handler]` (it must not return; [`crate::sys::exit_group`]
//! is the usual body) and name your `main` with [`crate::main!`]. Build with
//! `panic = "abort"` and link with `-nostartfiles -nostdlib -static` (see
//! `relay/` and `scripts/build-relay` for a complete program and its flags).
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! bareio::main!(main);
//!
//! fn main(args: bareio::rt::Args) -> i32 {
//!     let out = bareio::rt::stdout();
//!     for arg in args.skip(1) {
//!         let _ = bareio::sys::write(out, arg);
//!         let _ = bareio::sys::write(out, b"\n");
//!     }
//!     0
//! }
//!
//! #[panic_handler]
//! fn panic(_: &core::panic::PanicInfo) -> ! {
//!     bareio::sys::exit_group(101)
//! }
//! ```
//!
//! Architectures: x86_64, x86, aarch64, arm, riscv64, s390x, mips, mips64
//! and powerpc64le (loongarch64 has no `_start` yet: `main!` does not
//! compile there).

use core::marker::PhantomData;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::fd::BorrowedFd;
use crate::sys::Fork;
use crate::Errno;

/// Set by [`__start`]: this process began at bareio's `_start`, so no C
/// library runs in it and it started with one thread.
static STARTED_HERE: AtomicBool = AtomicBool::new(false);

/// Starts a child process, a copy of this one: [`sys::fork`](crate::sys::fork)
/// made safe by what a [`main!`](crate::main) program is. It has no C
/// library, and one thread: the crate has no way to start another, so
/// one exists only if the program made it with its own `unsafe` code
/// (raw `clone`), which then takes on `sys::fork`'s contract. In such a
/// process the child may do anything the parent may.
///
/// The child shares the open files: a listener (each worker of a
/// `SO_REUSEPORT` server makes its own, or all accept on one), and any
/// epoll instance (make each process's [`Poller`](crate::poll::Poller)
/// after the fork). [`crate::sys::wait4`] collects the child's end,
/// [`crate::sys::set_parent_death_signal`] ties it to the parent's.
///
/// `EINVAL` in a process that did not start at bareio's `_start` (the
/// `rt` feature on in a program with a C library, which has its own entry
/// and maybe threads): there, use `sys::fork` and its contract.
///
/// ```ignore
/// match bareio::rt::fork()? {
///     Fork::Child => serve(listener), // a worker: its own Poller, its own loop
///     Fork::Parent(pid) => workers.push(pid),
/// }
/// ```
pub fn fork() -> Result<Fork, Errno> {
    if !STARTED_HERE.load(Ordering::Relaxed) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the process started at bareio's `_start`: no C library, and
    // no thread but those the program made with its own unsafe code, whose
    // contract then covers this (see above).
    unsafe { crate::sys::fork() }
}

/// File descriptor 0, as the process started with it.
pub fn stdin() -> BorrowedFd<'static> {
    // SAFETY: a program using `rt` owns the process; fds 0-2 are the ones it
    // was started with and it does not close them (a write to a closed one
    // fails with `EBADF`, no memory is at stake).
    unsafe { BorrowedFd::borrow_raw(0) }
}

/// File descriptor 1, as the process started with it.
pub fn stdout() -> BorrowedFd<'static> {
    // SAFETY: as for `stdin`.
    unsafe { BorrowedFd::borrow_raw(1) }
}

/// File descriptor 2, as the process started with it.
pub fn stderr() -> BorrowedFd<'static> {
    // SAFETY: as for `stdin`.
    unsafe { BorrowedFd::borrow_raw(2) }
}

/// The command-line arguments, `argv[0]` first, each a byte string without
/// its terminating NUL.
///
/// The strings live in the kernel-prepared area above the initial stack,
/// which is never freed, hence `'static`.
#[derive(Clone, Debug)]
pub struct Args {
    /// The next `argv` entry to yield.
    next: *const *const u8,
    /// Entries left.
    left: usize,
    /// `argv` is read-only process-wide data, but not `Send`-worthy.
    _not_send: PhantomData<*const u8>,
}

impl Iterator for Args {
    type Item = &'static [u8];

    fn next(&mut self) -> Option<&'static [u8]> {
        if self.left == 0 {
            return None;
        }
        // SAFETY: `start` built `self` from the kernel's `argv`, which holds
        // `argc` (= the initial `left`) valid pointers to NUL-terminated
        // strings that live, unmodified, for the whole process.
        let arg = unsafe {
            let ptr = *self.next;
            let mut len = 0;
            // Volatile: a plain loop may be compiled to a `strlen` call,
            // and there is no C library to provide one.
            while core::ptr::read_volatile(ptr.add(len)) != 0 {
                len += 1;
            }
            core::slice::from_raw_parts(ptr, len)
        };
        // SAFETY: at most `argc` steps along `argv` (the NULL ends it).
        self.next = unsafe { self.next.add(1) };
        self.left -= 1;
        Some(arg)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Args {}

/// Names the program's `main`, a `fn(Args) -> i32` whose result becomes the
/// exit status. Invoke it once, at the top level of the binary crate.
///
/// It emits this architecture's `_start`, and `memcpy`, `memmove`,
/// `memset`, `memcmp` and `bcmp` (which the compiler calls and no C
/// library provides here): only the program that has no C library gets
/// them. Building with `-C target-feature=+crt-static` is refused: that
/// makes a static PIE, which `_start` cannot relocate (it would crash on
/// its first use of an absolute address); link static and non-PIE instead
/// (`-C relocation-model=static`, `-C link-arg=-static`, see
/// `scripts/build-relay`).
#[macro_export]
macro_rules! main {
    ($main:path) => {
        #[cfg(target_feature = "crt-static")]
        ::core::compile_error!(
            "bareio::main!: +crt-static builds a static PIE, which bareio's _start cannot relocate; \
             build with -C relocation-model=static and link with -C link-arg=-static (see scripts/build-relay)"
        );

        $crate::__bareio_entry!();
        $crate::__bareio_mem_functions!();

        // The precompiled `core` of the stable targets refers to the
        // unwinder's personality routine; with `panic = "abort"` nothing
        // ever calls it (and release builds drop the reference).
        #[no_mangle]
        extern "C" fn rust_eh_personality() {}

        #[no_mangle]
        extern "Rust" fn __bareio_main(args: $crate::rt::Args) -> i32 {
            let main: fn($crate::rt::Args) -> i32 = $main;
            main(args)
        }
    };
}

/// Opens `/dev/null` on each of fds 0–2 that the process started without
/// (`prog 2>&-`), as std does: otherwise the program's first sockets would
/// take those numbers, and its log lines go to a peer. Exits with status
/// 127 if `/dev/null` cannot be opened (std aborts then).
fn open_closed_stdio() {
    for fd in 0..3 {
        // SAFETY: only asks whether the number is open; nothing is closed.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        if crate::sys::fcntl_getfd(borrowed) == Err(crate::Errno::EBADF) {
            // The lowest free number is `fd`: the earlier ones are open.
            match crate::sys::open(c"/dev/null", crate::sys::Access::ReadWrite, crate::sys::OFlags::empty()) {
                Ok(null) => core::mem::forget(null), // stays open as `fd`
                Err(_) => crate::sys::exit_group(127),
            }
        }
    }
}

extern "Rust" {
    /// Defined by [`crate::main!`] in the program.
    fn __bareio_main(args: Args) -> i32;
}

/// Called by the architecture's `_start` (emitted by [`crate::main!`]) with
/// the initial stack pointer. Not for direct use.
///
/// # Safety
///
/// `sp` must be the stack pointer the kernel started the process with:
/// `argc`, then `argc` pointers to strings, then NULL.
#[doc(hidden)]
pub unsafe extern "C" fn __start(sp: *const usize) -> ! {
    // SAFETY: per the contract, `sp` points at `argc` and `argv` follows.
    let args = unsafe { Args { left: *sp, next: sp.add(1).cast(), _not_send: PhantomData } };
    STARTED_HERE.store(true, Ordering::Relaxed);
    open_closed_stdio();
    // SAFETY: `main!` defines `__bareio_main` with exactly this signature.
    let status = unsafe { __bareio_main(args) };
    crate::sys::exit_group(status)
}

// The functions the compiler calls for copies, fills and comparisons,
// emitted (unmangled) by `main!` in the program only, as thin wrappers of
// the `mem` functions below. Their loops use volatile accesses, which the
// optimizer never rewrites: an ordinary loop here could be "recognised" as
// a call to the very function it implements. (`#![no_builtins]` would do
// the same for the whole crate, but such a crate is kept out of LTO, which
// breaks the link.)

/// Emits `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp` in the program
/// (from [`crate::main!`]). Not for direct use.
#[doc(hidden)]
#[macro_export]
macro_rules! __bareio_mem_functions {
    () => {
        /// `memcpy` (bareio `rt`).
        ///
        /// # Safety
        /// `dest` and `src` valid for `n` bytes, not overlapping.
        #[no_mangle]
        pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
            // SAFETY: the caller's contract, forwarded.
            unsafe { $crate::rt::mem::copy(dest, src, n, false) }
        }

        /// `memmove` (bareio `rt`).
        ///
        /// # Safety
        /// `dest` and `src` valid for `n` bytes.
        #[no_mangle]
        pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
            // SAFETY: the caller's contract, forwarded. Copying backwards
            // when `dest` is above `src` reads each byte before it is
            // overwritten.
            unsafe { $crate::rt::mem::copy(dest, src, n, (dest as usize) > (src as usize)) }
        }

        /// `memset` (bareio `rt`).
        ///
        /// # Safety
        /// `dest` valid for `n` bytes.
        #[no_mangle]
        pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
            // SAFETY: the caller's contract, forwarded.
            unsafe { $crate::rt::mem::fill(dest, c as u8, n) }
        }

        /// `memcmp` (bareio `rt`).
        ///
        /// # Safety
        /// `a` and `b` valid for `n` bytes.
        #[no_mangle]
        pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
            // SAFETY: the caller's contract, forwarded.
            unsafe { $crate::rt::mem::compare(a, b, n) }
        }

        /// `bcmp` (bareio `rt`).
        ///
        /// # Safety
        /// `a` and `b` valid for `n` bytes.
        #[no_mangle]
        pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
            // SAFETY: the caller's contract, forwarded.
            unsafe { $crate::rt::mem::compare(a, b, n) }
        }
    };
}

/// The bodies of the mem functions [`crate::main!`] emits. Not for direct
/// use.
#[doc(hidden)]
pub mod mem {
    use core::ptr::{read_volatile, write_volatile};

    /// Copies `n` bytes forwards or backwards; returns `dest`.
    ///
    /// # Safety
    ///
    /// `dest` and `src` valid for `n` bytes.
    pub unsafe fn copy(dest: *mut u8, src: *const u8, n: usize, backwards: bool) -> *mut u8 {
        for step in 0..n {
            let i = if backwards { n - 1 - step } else { step };
            // SAFETY: `i < n`; the caller's contract covers it.
            unsafe { write_volatile(dest.add(i), read_volatile(src.add(i))) };
        }
        dest
    }

    /// Fills `n` bytes with `byte`; returns `dest`.
    ///
    /// # Safety
    ///
    /// `dest` valid for `n` bytes.
    pub unsafe fn fill(dest: *mut u8, byte: u8, n: usize) -> *mut u8 {
        for i in 0..n {
            // SAFETY: `i < n`; the caller's contract covers it.
            unsafe { write_volatile(dest.add(i), byte) };
        }
        dest
    }

    /// Compares `n` bytes as unsigned, returning <0, 0 or >0.
    ///
    /// # Safety
    ///
    /// `a` and `b` valid for `n` bytes.
    pub unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
        for i in 0..n {
            // SAFETY: `i < n`; the caller's contract covers it.
            let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
            if x != y {
                return i32::from(x) - i32::from(y);
            }
        }
        0
    }
}
