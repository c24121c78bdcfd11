//! `bareio::slab::Slab` against a model over random operation sequences
//! (quickcheck), for several capacities, with values that record their
//! drops; then edge cases one by one.
//!
//! The model predicts the exact key of every insert (the most recently
//! freed slot, else the high-water mark) and the high-water mark itself:
//! the slab must never touch a new slot while a released one is free.
//! Every property runs 10,000 cases (`QUICKCHECK_TESTS=n` for more).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use bareio::slab::Slab;
use quickcheck::{Arbitrary, Gen, QuickCheck};

fn cases() -> u64 {
    std::env::var("QUICKCHECK_TESTS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000)
}

/// The ids of the values alive now (created and not yet dropped).
type Live = Rc<RefCell<BTreeSet<u64>>>;

/// A value that removes its id from `live` when dropped; a second drop
/// (or a drop of a value never made) fails.
#[derive(Debug)]
struct Tracked {
    id: u64,
    live: Live,
}

impl Tracked {
    fn new(id: u64, live: &Live) -> Self {
        assert!(live.borrow_mut().insert(id));
        Self { id, live: live.clone() }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert!(self.live.borrow_mut().remove(&self.id), "value {} dropped twice", self.id);
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Insert,
    Remove(usize),
    Get(usize),
    Bump(usize),
    Clear,
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        let key = usize::arbitrary(g);
        match u8::arbitrary(g) % 100 {
            0..=44 => Op::Insert,
            45..=74 => Op::Remove(key),
            75..=84 => Op::Get(key),
            85..=97 => Op::Bump(key),
            _ => Op::Clear,
        }
    }
}

/// The reference: the values by key, the free slots (last freed on top)
/// and the high-water mark.
#[derive(Default)]
struct Model {
    values: BTreeMap<usize, u64>,
    free: Vec<usize>,
    high: usize,
}

fn run<const N: usize>(ops: Vec<Op>) -> bool {
    let live = Live::default();
    let mut slab = Slab::<Tracked, N>::new();
    let mut model = Model::default();
    let mut next_id = 0;
    for op in ops {
        // Keys near the capacity: `0..N + 2`, two out of range.
        let fit = |k: usize| if k == usize::MAX { k } else { k % (N + 2) };
        match op {
            Op::Insert => {
                next_id += 1;
                let expected = model.free.last().copied().or((model.high < N).then_some(model.high));
                assert_eq!(slab.vacant_key(), expected);
                match (slab.insert(Tracked::new(next_id, &live)), expected) {
                    (Ok(key), Some(k)) => {
                        assert_eq!(key, k);
                        if model.free.pop().is_none() {
                            model.high += 1;
                        }
                        model.values.insert(key, next_id);
                    }
                    (Err(back), None) => assert_eq!(back.id, next_id, "full: the same value back"),
                    (got, expected) => panic!("insert: {got:?}, expected {expected:?}"),
                }
            }
            Op::Remove(k) => {
                let k = fit(k);
                let got = slab.remove(k).map(|v| v.id);
                let expected = model.values.remove(&k);
                assert_eq!(got, expected, "remove {k}");
                if expected.is_some() {
                    model.free.push(k);
                }
            }
            Op::Get(k) => {
                let k = fit(k);
                assert_eq!(slab.get(k).map(|v| v.id), model.values.get(&k).copied(), "get {k}");
                assert_eq!(slab.contains(k), model.values.contains_key(&k));
            }
            Op::Bump(k) => {
                let k = fit(k);
                // A new value through `get_mut`: the old one is dropped.
                next_id += 1;
                match (slab.get_mut(k), model.values.get_mut(&k)) {
                    (Some(v), Some(m)) => {
                        *v = Tracked::new(next_id, &live);
                        *m = next_id;
                    }
                    (None, None) => {}
                    (got, expected) => panic!("get_mut {k}: {got:?}, expected {expected:?}"),
                }
            }
            Op::Clear => {
                slab.clear();
                model = Model::default();
            }
        }
        assert_eq!(slab.len(), model.values.len());
        assert_eq!(slab.high_water_mark(), model.high);
        assert_eq!(slab.is_full(), model.values.len() == N);
        // What is alive is exactly what the slab holds.
        assert_eq!(*live.borrow(), model.values.values().copied().collect::<BTreeSet<_>>());
    }
    let held: Vec<(usize, u64)> = slab.iter().map(|(k, v)| (k, v.id)).collect();
    assert_eq!(held, model.values.iter().map(|(&k, &id)| (k, id)).collect::<Vec<_>>());
    for (_, v) in slab.iter_mut() {
        v.id = u64::MAX - v.id; // renamed in place: dropped under the new id
        let mut live = v.live.borrow_mut();
        assert!(live.remove(&(u64::MAX - v.id)) && live.insert(v.id));
    }
    drop(slab);
    assert!(live.borrow().is_empty(), "dropping the slab drops every value");
    true
}

fn check(prop: fn(Vec<Op>) -> bool) {
    let n = cases();
    QuickCheck::new().tests(n).max_tests(n.saturating_mul(10)).gen(Gen::new(200)).quickcheck(prop);
}

#[test]
fn one_slot_behaves_like_the_model() {
    check(run::<1>);
}

#[test]
fn three_slots_behave_like_the_model() {
    check(run::<3>);
}

#[test]
fn forty_slots_behave_like_the_model() {
    check(run::<40>);
}

#[test]
fn full_gives_the_value_back_and_keys_out_of_range_are_vacant() {
    let mut slab = Slab::<String, 2>::new();
    assert_eq!(slab.insert("a".into()), Ok(0));
    assert_eq!(slab.insert("b".into()), Ok(1));
    assert!(slab.is_full());
    assert_eq!(slab.vacant_key(), None);
    assert_eq!(slab.insert("c".into()), Err("c".to_string()));
    for key in [2, 3, usize::MAX] {
        assert_eq!(slab.get(key), None);
        assert_eq!(slab.get_mut(key), None);
        assert_eq!(slab.remove(key), None);
        assert!(!slab.contains(key));
    }
    assert_eq!(slab.remove(0).as_deref(), Some("a"));
    assert_eq!(slab.remove(0), None, "removed once");
    assert_eq!(format!("{slab:?}"), r#"{1: "b"}"#);
}

#[test]
fn released_slots_are_reused_before_new_ones_are_touched() {
    let mut slab = Slab::<u32, 100>::new();
    for i in 0..10 {
        slab.insert(i).unwrap();
    }
    for key in [3, 7, 5] {
        slab.remove(key);
    }
    // Last released first, and the mark does not move while any is free.
    assert_eq!([slab.insert(0), slab.insert(0), slab.insert(0)], [Ok(5), Ok(7), Ok(3)]);
    assert_eq!(slab.high_water_mark(), 10);
    assert_eq!(slab.insert(0), Ok(10));
    assert_eq!(slab.high_water_mark(), 11);
}

#[test]
fn zero_capacity_is_always_full() {
    let mut slab = Slab::<u8, 0>::new();
    assert!(slab.is_full() && slab.is_empty());
    assert_eq!(slab.insert(1), Err(1));
    assert_eq!(slab.iter().count(), 0);
}

/// 32 slots of 12 bytes, 128 bytes of links and three `u32`: every field
/// is 4-aligned, so there is no padding byte to read.
static EMPTY: Slab<[u32; 3], 32> = Slab::new();

#[test]
fn an_empty_slab_is_all_zero_bytes() {
    let size = std::mem::size_of_val(&EMPTY);
    assert_eq!(size, 32 * 12 + 32 * 4 + 3 * 4, "no padding");
    // SAFETY: reads the `size` bytes of a static that lives forever, none
    // of them padding; an empty slab's values are `MaybeUninit::zeroed()`,
    // initialised bytes.
    let bytes =
        unsafe { std::slice::from_raw_parts((&EMPTY as *const Slab<[u32; 3], 32>).cast::<u8>(), size) };
    assert!(bytes.iter().all(|&b| b == 0));
}
