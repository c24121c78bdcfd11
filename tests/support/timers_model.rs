//! The model `bareio::timer::Timers` is checked against, shared by
//! `tests/timers.rs` (quickcheck) and `fuzz/fuzz_targets/timers.rs`
//! (`#[path]`-included): each key's deadline in a plain array, and every
//! `(deadline, key)` pair in a sorted vector, whose first element is the
//! earliest. Both are allocated once: no allocation per operation (which
//! keeps the fuzz target fast under AddressSanitizer).
//!
//! [`step`] applies one [`Op`] to both and asserts the results agree;
//! [`check_all`] compares the whole state (O(N): call it at the end, or
//! every so often).

#![allow(dead_code)] // each user takes what it needs

use std::time::Duration;

use bareio::time::Instant;
use bareio::timer::Timers;

/// One operation on a `Timers`. Keys may be out of range on purpose.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Set(usize, u64),
    Cancel(usize),
    Deadline(usize),
    PopExpired(u64),
    Pop,
    Timeout(u64),
    Clear,
}

/// The reference: what `Timers` of capacity `by_key.len()` must behave like.
#[derive(Debug)]
pub struct Model {
    by_key: Vec<Option<u64>>,
    /// Ascending: earliest deadline first, ties by key.
    order: Vec<(u64, usize)>,
}

/// An error as `(key, capacity)`.
type ModelResult = Result<Option<Instant>, (usize, usize)>;

impl Model {
    pub fn new(capacity: usize) -> Self {
        Self { by_key: vec![None; capacity], order: Vec::with_capacity(capacity) }
    }

    fn unlink(&mut self, entry: (u64, usize)) {
        let pos = self.order.binary_search(&entry).expect("in order");
        self.order.remove(pos);
    }

    fn set(&mut self, key: usize, at: u64) -> ModelResult {
        let capacity = self.by_key.len();
        let slot = self.by_key.get_mut(key).ok_or((key, capacity))?;
        let previous = slot.replace(at);
        if let Some(p) = previous {
            self.unlink((p, key));
        }
        let pos = self.order.binary_search(&(at, key)).unwrap_err();
        self.order.insert(pos, (at, key));
        Ok(previous.map(Instant::from_nanos))
    }

    fn cancel(&mut self, key: usize) -> ModelResult {
        let capacity = self.by_key.len();
        let previous = self.by_key.get_mut(key).ok_or((key, capacity))?.take();
        if let Some(p) = previous {
            self.unlink((p, key));
        }
        Ok(previous.map(Instant::from_nanos))
    }

    fn deadline(&self, key: usize) -> Option<Instant> {
        self.by_key.get(key).copied().flatten().map(Instant::from_nanos)
    }

    fn earliest(&self) -> Option<(usize, Instant)> {
        self.order.first().map(|&(at, key)| (key, Instant::from_nanos(at)))
    }

    fn pop(&mut self) -> Option<(usize, Instant)> {
        let first = self.earliest()?;
        self.order.remove(0);
        self.by_key[first.0] = None;
        Some(first)
    }

    fn clear(&mut self) {
        self.by_key.fill(None);
        self.order.clear();
    }
}

/// `Timers`' result with its error as `(key, capacity)`.
fn plain(r: Result<Option<Instant>, bareio::timer::KeyOutOfRange>) -> ModelResult {
    r.map_err(|e| (e.key(), e.capacity()))
}

/// Applies `op` to both and asserts they agree on its result, on the
/// length and on the earliest entry.
pub fn step<const N: usize>(timers: &mut Timers<N>, model: &mut Model, op: Op) {
    match op {
        Op::Set(key, at) => {
            assert_eq!(plain(timers.set(key, Instant::from_nanos(at))), model.set(key, at), "{op:?}")
        }
        Op::Cancel(key) => assert_eq!(plain(timers.cancel(key)), model.cancel(key), "{op:?}"),
        Op::Deadline(key) => {
            let expected = model.deadline(key);
            assert_eq!(timers.deadline(key), expected, "{op:?}");
            assert_eq!(timers.contains(key), expected.is_some(), "{op:?}");
        }
        Op::PopExpired(now) => {
            let expected = match model.earliest() {
                Some((_, at)) if at.as_nanos() <= now => model.pop(),
                _ => None,
            };
            assert_eq!(timers.pop_expired(Instant::from_nanos(now)), expected, "{op:?}");
        }
        Op::Pop => assert_eq!(timers.pop(), model.pop(), "{op:?}"),
        Op::Timeout(now) => {
            let expected =
                model.earliest().map(|(_, at)| Duration::from_nanos(at.as_nanos().saturating_sub(now)));
            assert_eq!(timers.timeout(Instant::from_nanos(now)), expected, "{op:?}");
        }
        Op::Clear => {
            timers.clear();
            model.clear();
        }
    }
    assert_eq!(timers.len(), model.order.len(), "len after {op:?}");
    assert_eq!(timers.is_empty(), model.order.is_empty());
    assert_eq!(timers.earliest(), model.earliest(), "earliest after {op:?}");
}

/// Asserts the whole state agrees: every key's deadline, and the entries.
pub fn check_all<const N: usize>(timers: &Timers<N>, model: &Model) {
    assert_eq!((timers.capacity(), model.by_key.len()), (N, N));
    for key in 0..N + 2 {
        assert_eq!(timers.deadline(key), model.deadline(key), "key {key}");
    }
    let mut entries: Vec<(u64, usize)> = timers.iter().map(|(key, at)| (at.as_nanos(), key)).collect();
    entries.sort_unstable();
    assert_eq!(entries, model.order);
}

/// Pops everything from both, asserting the same order (ascending
/// deadline, ties by key), and that both end empty.
pub fn drain<const N: usize>(timers: &mut Timers<N>, model: &mut Model) {
    while let Some(expected) = model.pop() {
        assert_eq!(timers.pop(), Some(expected));
    }
    assert_eq!(timers.pop(), None);
    assert!(timers.is_empty());
}
