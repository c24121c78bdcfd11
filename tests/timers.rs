//! `bareio::timer::Timers` against a model (`support/timers_model.rs`: an
//! array of deadlines by key and a sorted vector of `(deadline, key)`) over
//! random operation sequences with quickcheck, for several capacities;
//! then edge cases one by one.
//!
//! Every property runs 10,000 cases (`QUICKCHECK_TESTS=n` for more), each
//! up to 300 operations with keys around the capacity (some out of range),
//! deadlines mostly in a small range (many ties) and sometimes `0`,
//! `u64::MAX` or anywhere.

use std::time::Duration;

use bareio::time::Instant;
use bareio::timer::Timers;
use quickcheck::{Arbitrary, Gen, QuickCheck};

#[path = "support/timers_model.rs"]
mod model;

use model::{check_all, drain, step, Model, Op};

fn cases() -> u64 {
    std::env::var("QUICKCHECK_TESTS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000)
}

/// A random number in `0..k` (`k > 0`).
fn below(g: &mut Gen, k: u64) -> u64 {
    u64::arbitrary(g) % k
}

/// A deadline or a "now": mostly 0..16 (ties, and both sides of each
/// deadline), sometimes the extremes, sometimes anything.
fn moment(g: &mut Gen) -> u64 {
    match below(g, 10) {
        0 => *g.choose(&[0, u64::MAX, u64::MAX - 1]).unwrap(),
        1 | 2 => u64::arbitrary(g),
        _ => below(g, 16),
    }
}

impl Arbitrary for Op {
    /// Keys are raw here (any `usize`); [`fit`] brings most of them near
    /// the capacity under test.
    fn arbitrary(g: &mut Gen) -> Self {
        let key = usize::arbitrary(g);
        match below(g, 100) {
            0..=39 => Op::Set(key, moment(g)),
            40..=54 => Op::Cancel(key),
            55..=64 => Op::Deadline(key),
            65..=79 => Op::PopExpired(moment(g)),
            80..=84 => Op::Pop,
            85..=97 => Op::Timeout(moment(g)),
            _ => Op::Clear,
        }
    }
}

/// `op` with its key in `0..n + 2` (the two above out of range), except
/// that `usize::MAX` stays as it is.
fn fit(op: Op, n: usize) -> Op {
    let key = |k: usize| if k == usize::MAX { k } else { k % (n + 2) };
    match op {
        Op::Set(k, at) => Op::Set(key(k), at),
        Op::Cancel(k) => Op::Cancel(key(k)),
        Op::Deadline(k) => Op::Deadline(key(k)),
        other => other,
    }
}

fn run<const N: usize>(ops: Vec<Op>) -> bool {
    let mut timers = Timers::<N>::new();
    let mut model = Model::new(N);
    for op in ops {
        step(&mut timers, &mut model, fit(op, N));
    }
    check_all(&timers, &model);
    drain(&mut timers, &mut model);
    true
}

fn check(prop: fn(Vec<Op>) -> bool) {
    let n = cases();
    QuickCheck::new().tests(n).max_tests(n.saturating_mul(10)).gen(Gen::new(300)).quickcheck(prop);
}

#[test]
fn one_key_behaves_like_the_model() {
    check(run::<1>);
}

#[test]
fn two_keys_behave_like_the_model() {
    check(run::<2>);
}

#[test]
fn seven_keys_behave_like_the_model() {
    // Two levels of an 8-ary heap, the second one not full.
    check(run::<7>);
}

#[test]
fn sixty_four_keys_behave_like_the_model() {
    // Three levels of an 8-ary heap.
    check(run::<64>);
}

#[test]
fn three_hundred_keys_behave_like_the_model() {
    check(run::<300>);
}

#[test]
fn the_model_check_can_fail() {
    // A wrong expectation must be caught: the checker is not vacuous.
    let caught = std::panic::catch_unwind(|| {
        let mut timers = Timers::<4>::new();
        let mut model = Model::new(4);
        step(&mut timers, &mut model, Op::Set(1, 5));
        timers.set(2, Instant::from_nanos(1)).unwrap(); // behind the model's back
        step(&mut timers, &mut model, Op::Pop);
    });
    assert!(caught.is_err());
}

const fn at(nanos: u64) -> Instant {
    Instant::from_nanos(nanos)
}

#[test]
fn keys_out_of_range_are_errors_and_change_nothing() {
    let mut timers = Timers::<3>::new();
    timers.set(2, at(7)).unwrap();
    for key in [3, 4, usize::MAX] {
        let err = timers.set(key, at(1)).unwrap_err();
        assert_eq!((err.key(), err.capacity()), (key, 3));
        assert_eq!(timers.cancel(key).unwrap_err(), err);
        assert_eq!(timers.deadline(key), None);
        assert!(!timers.contains(key));
    }
    assert_eq!(timers.len(), 1);
    assert_eq!(timers.earliest(), Some((2, at(7))));
    let err = timers.set(3, at(1)).unwrap_err();
    assert_eq!(err.to_string(), "timer key 3 out of range (capacity 3)");
    let _: &dyn std::error::Error = &err;
}

#[test]
fn zero_capacity_has_no_keys() {
    let mut timers = Timers::<0>::new();
    assert_eq!(timers.capacity(), 0);
    assert!(timers.set(0, at(0)).is_err());
    assert_eq!((timers.earliest(), timers.timeout(at(0)), timers.pop()), (None, None, None));
}

#[test]
fn a_single_key_is_set_moved_cancelled_and_popped() {
    let mut timers = Timers::<1>::new();
    assert_eq!(timers.set(0, at(10)), Ok(None));
    assert_eq!(timers.set(0, at(30)), Ok(Some(at(10))));
    assert_eq!(timers.set(0, at(20)), Ok(Some(at(30))));
    assert_eq!(timers.len(), 1);
    assert_eq!(timers.pop_expired(at(19)), None);
    assert_eq!(timers.pop_expired(at(20)), Some((0, at(20))));
    assert_eq!(timers.cancel(0), Ok(None));
    timers.set(0, at(1)).unwrap();
    assert_eq!(timers.cancel(0), Ok(Some(at(1))));
    assert!(timers.is_empty() && !timers.contains(0));
}

#[test]
fn equal_deadlines_come_out_by_ascending_key() {
    let mut timers = Timers::<100>::new();
    for key in (0..100).rev() {
        timers.set(key, at(5)).unwrap();
    }
    timers.set(50, at(4)).unwrap();
    let order: Vec<usize> = std::iter::from_fn(|| timers.pop_expired(at(5)).map(|(k, _)| k)).collect();
    let mut expected = vec![50];
    expected.extend((0..100).filter(|&k| k != 50));
    assert_eq!(order, expected);
}

#[test]
fn timeouts_count_down_to_zero_and_saturate() {
    let mut timers = Timers::<4>::new();
    assert_eq!(timers.timeout(at(0)), None, "no deadlines: block");
    timers.set(3, Instant::MAX).unwrap();
    assert_eq!(timers.timeout(at(0)), Some(Duration::from_nanos(u64::MAX)));
    assert_eq!(timers.pop_expired(at(u64::MAX - 1)), None);
    timers.set(1, at(100)).unwrap();
    assert_eq!(timers.timeout(at(40)), Some(Duration::from_nanos(60)));
    assert_eq!(timers.timeout(at(100)), Some(Duration::ZERO));
    assert_eq!(timers.timeout(at(500)), Some(Duration::ZERO), "already expired");
    assert_eq!(timers.pop_expired(Instant::MAX), Some((1, at(100))));
    assert_eq!(timers.pop_expired(Instant::MAX), Some((3, Instant::MAX)), "u64::MAX expires at u64::MAX");
    // A deadline "never" built from a huge timeout saturates instead of wrapping.
    timers.set(0, at(5).saturating_add(Duration::MAX)).unwrap();
    assert_eq!(timers.deadline(0), Some(Instant::MAX));
}

#[test]
fn clear_removes_everything_and_the_set_is_reusable() {
    let mut timers = Timers::<16>::new();
    for key in 0..16 {
        timers.set(key, at(100 - key as u64)).unwrap();
    }
    timers.clear();
    assert!(timers.is_empty());
    assert!((0..16).all(|k| timers.deadline(k).is_none()));
    timers.set(9, at(1)).unwrap();
    assert_eq!(timers.iter().collect::<Vec<_>>(), [(9, at(1))]);
    assert_eq!(timers.pop(), Some((9, at(1))));
}

#[test]
fn sixteen_bytes_a_key() {
    let word = std::mem::size_of::<usize>();
    let size = std::mem::size_of::<Timers<8192>>();
    assert!(size == 8192 * 16 + word || size == 8192 * 16 + 8, "{size} B");
}

/// 64-bit only: there `Timers` has no padding (on 32-bit targets where a
/// `u64` is 8-aligned, 4 bytes of it are padding, which must not be read;
/// tests/static_cell.rs checks that a `static` of one lands in `.bss` on
/// every target).
#[test]
#[cfg(target_pointer_width = "64")]
fn an_empty_set_is_all_zero_bytes() {
    static EMPTY: Timers<64> = Timers::new();
    assert_eq!(std::mem::size_of_val(&EMPTY), 64 * 16 + 8, "no padding");
    assert!(bytes_of(&EMPTY).iter().all(|&b| b == 0));
    let mut used = Timers::<64>::new();
    used.set(3, at(9)).unwrap();
    assert!(bytes_of(&used).iter().any(|&b| b != 0), "the check sees a change");
}

#[cfg(target_pointer_width = "64")]
/// The bytes of a value that has no padding.
fn bytes_of<T>(value: &T) -> &[u8] {
    // SAFETY: `value` is a valid reference to `size_of::<T>()` bytes, read
    // only while it is borrowed; the caller's type has no padding (so
    // every byte is initialised).
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), std::mem::size_of::<T>()) }
}
