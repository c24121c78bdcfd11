//! `bareio::timer::Timers` against the model of `tests/timers.rs`
//! (`tests/support/timers_model.rs`: an array of deadlines by key and a
//! sorted vector of `(deadline, key)`, allocated once): random
//! sequences of set, cancel, lookup, pop-expired, pop, timeout and clear,
//! on capacities 1, 2, 5, 16, 64 and 300, keys around the capacity (some out
//! of range), deadlines mostly in a small range (ties) and sometimes the
//! extremes or anything.
//!
//! Fast by design: at most 512 operations per input; each one checks its
//! own result, the length and the earliest entry; the whole
//! state (every key) is compared once, at the end, then drained in order.

#![no_main]

#[path = "../../tests/support/timers_model.rs"]
mod model;

use bareio::timer::Timers;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use model::{check_all, drain, step, Model, Op};

const MAX_OPS: usize = 128;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    match u.int_in_range(0..=5u8) {
        Ok(0) => run::<1>(&mut u),
        Ok(1) => run::<2>(&mut u),
        Ok(2) => run::<5>(&mut u),
        Ok(3) => run::<16>(&mut u),
        Ok(4) => run::<64>(&mut u),
        _ => run::<300>(&mut u),
    }
});

/// A deadline or a "now": mostly 0..16, sometimes the extremes or anything.
fn moment(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => [0, u64::MAX, u64::MAX - 1][usize::from(u.int_in_range(0..=2u8)?)],
        1 => u.arbitrary()?,
        _ => u64::from(u.int_in_range(0..=15u8)?),
    })
}

/// A key in `0..n + 2` (two out of range), or now and then `usize::MAX`.
fn key(u: &mut Unstructured<'_>, n: usize) -> Result<usize> {
    let k: u16 = u.arbitrary()?;
    Ok(if k == u16::MAX { usize::MAX } else { usize::from(k) % (n + 2) })
}

fn op(u: &mut Unstructured<'_>, n: usize) -> Result<Op> {
    Ok(match u.int_in_range(0..=99u8)? {
        0..=39 => Op::Set(key(u, n)?, moment(u)?),
        40..=54 => Op::Cancel(key(u, n)?),
        55..=64 => Op::Deadline(key(u, n)?),
        65..=79 => Op::PopExpired(moment(u)?),
        80..=84 => Op::Pop,
        85..=97 => Op::Timeout(moment(u)?),
        _ => Op::Clear,
    })
}

fn run<const N: usize>(u: &mut Unstructured<'_>) {
    let mut timers = Timers::<N>::new();
    let mut model = Model::new(N);
    for _ in 0..MAX_OPS {
        if u.is_empty() {
            break;
        }
        let Ok(op) = op(u, N) else { break };
        step(&mut timers, &mut model, op);
    }
    check_all(&timers, &model);
    drain(&mut timers, &mut model);
}
