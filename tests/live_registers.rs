//! Values the compiler keeps in registers across a syscall survive it.
//!
//! Each shim's `asm!` lists the registers the kernel may change on the way
//! back. Inlined, that `asm!` is no call: the compiler keeps live values in
//! every register the list leaves out, caller-saved ones included. A
//! register missing from the list therefore corrupts the caller's values,
//! but only on a real kernel that returns with its own values in that
//! register: qemu-user writes back only the result registers, and a debug
//! build keeps values on the stack. `scripts/kernel-test` runs this
//! optimised, on each architecture's own kernel.

#![cfg(target_os = "linux")]

use core::hint::black_box;

use bareio::sys::{eventfd, read, write, EventfdFlags};
use bareio::Errno;

/// The `i`th value of round `seed`: distinct per register and per round.
fn value(seed: usize, i: usize) -> usize {
    seed.wrapping_mul(0x9E37_79B9).rotate_left(i as u32) ^ i.wrapping_mul(0x0101_0101)
}

/// Makes 32 opaque values (so each must be kept, not recomputed), runs
/// `$call` while they are live, then checks every one. More values than any
/// architecture has registers: every register the `asm!` does not declare
/// clobbered ends up holding one.
macro_rules! around_live_values {
    ($seed:expr, $call:expr $(,)?) => {
        around_live_values!(
            @ $seed, $call,
            v0 v1 v2 v3 v4 v5 v6 v7 v8 v9 v10 v11 v12 v13 v14 v15
            v16 v17 v18 v19 v20 v21 v22 v23 v24 v25 v26 v27 v28 v29 v30 v31
        )
    };
    (@ $seed:expr, $call:expr, $($name:ident)*) => {{
        let seed: usize = $seed;
        let mut index = 0;
        $(
            let $name = black_box(value(seed, index));
            index += 1;
        )*
        let _ = index;
        let result = $call;
        let mut index = 0;
        $(
            // No values in the message: the copy it would format may be
            // the intact one on the stack.
            assert!(
                $name == value(seed, index),
                concat!(
                    "`", stringify!($name), "` (value {} of round {}) changed across the syscall: ",
                    "a register the kernel changes is missing from the shim's clobbers"
                ),
                index,
                seed,
            );
            index += 1;
        )*
        let _ = index;
        result
    }};
}

#[test]
fn values_in_registers_survive_syscalls() {
    let efd = eventfd(0, EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC).unwrap();
    let one = 1u64.to_ne_bytes();
    let mut buf = [0u8; 8];
    for round in 0..200 {
        // A write and a read that succeed, and one that fails (the error
        // path of each shim), each with 32 values live around it.
        let wrote = around_live_values!(round, write(&efd, &one));
        assert_eq!(wrote, Ok(8));
        let got = around_live_values!(round + 1, read(&efd, &mut buf));
        assert_eq!((got, u64::from_ne_bytes(buf)), (Ok(8), 1));
        let empty = around_live_values!(round + 2, read(&efd, &mut buf));
        assert_eq!(empty, Err(Errno::EAGAIN));
    }
}
