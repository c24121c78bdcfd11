//! `StaticCell` with a large `Slab` and `Timers` in it: the `static` is in
//! `.bss`, none of its pages is resident before use, and after a few
//! inserts only the used slots' pages are (`mincore(2)`); `take` succeeds
//! once, across threads.
//!
//! Portable across the qemu targets: the page size comes from `sysconf`,
//! and each slot is 64 KiB, so it spans at least one whole page on every
//! page size up to that.

#![cfg(target_os = "linux")]

use bareio::cell::StaticCell;
use bareio::slab::Slab;
use bareio::time::Instant;
use bareio::timer::Timers;

const SLOT: usize = 64 * 1024;
const SLOTS: usize = 64;
const KEYS: usize = 8192;

/// One connection's worth of state, big enough to cover whole pages.
struct Block([u8; SLOT]);

/// 4 MiB of slots and 128 KiB of timers.
struct State {
    conns: Slab<Block, SLOTS>,
    timers: Timers<KEYS>,
}

static STATE: StaticCell<State> = StaticCell::new(State { conns: Slab::new(), timers: Timers::new() });

extern "C" {
    // Defined by GNU ld and lld: the start and end of `.bss` (and of the
    // whole image) in this executable.
    static __bss_start: u8;
    static _end: u8;
}

fn page_size() -> usize {
    // SAFETY: sysconf reads a constant; no memory is involved.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).expect("sysconf(_SC_PAGESIZE)")
}

/// The address range of `value`.
fn range_of<T>(value: &T) -> std::ops::Range<usize> {
    let start = value as *const T as usize;
    start..start + std::mem::size_of::<T>()
}

/// The pages lying wholly inside `range`, as a page-aligned range.
fn whole_pages(range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let page = page_size();
    let start = range.start.next_multiple_of(page);
    start..(range.end / page * page).max(start)
}

/// Resident pages among the pages lying wholly inside `range`.
fn resident_pages(range: std::ops::Range<usize>) -> usize {
    let page = page_size();
    let std::ops::Range { start, end } = whole_pages(range);
    if end == start {
        return 0;
    }
    // One byte per page; more than enough should the kernel's pages be
    // smaller than the reported size.
    let mut vec = vec![0u8; (end - start) / 4096 + 1];
    // SAFETY: `start` is page-aligned, `start..end` is mapped (it is inside
    // a static), and `vec` has room for one byte per page of it.
    let ret = unsafe { libc::mincore(start as *mut libc::c_void, end - start, vec.as_mut_ptr().cast()) };
    assert_eq!(ret, 0, "mincore: {}", std::io::Error::last_os_error());
    vec[..(end - start) / page].iter().filter(|&&b| b & 1 == 1).count()
}

#[test]
fn a_large_static_is_in_bss_and_only_used_slots_become_resident() {
    // Transparent huge pages would back a 2 MiB-aligned stretch of `.bss`
    // with one huge page at the first touch (`enabled=always`): off for
    // this process, so that what is counted is the slab's own touching.
    // SAFETY: PR_SET_THP_DISABLE takes an integer; no memory involved.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };

    let range = range_of(&STATE);
    // SAFETY: only the addresses of the linker's symbols are taken; they
    // are never read. (Needs `unsafe` before Rust 1.82.)
    #[allow(unused_unsafe)]
    let bss = unsafe { std::ptr::addr_of!(__bss_start) as usize..std::ptr::addr_of!(_end) as usize };
    assert!(
        bss.start <= range.start && range.end <= bss.end,
        "STATE at {range:#x?} is not in .bss {bss:#x?}: its initial value is not all zero bytes"
    );

    let page = page_size();
    let slot_pages = SLOT / page;
    let total = resident_pages(range.clone());
    assert_eq!(total, 0, "{total} pages of the untouched static are resident");

    let state = STATE.take().expect("first take");
    assert!(STATE.take().is_none(), "only once");
    assert!(STATE.is_taken());

    const USED: usize = 3;
    for i in 0..USED {
        let key = state.conns.insert(Block([i as u8 + 1; SLOT])).ok().unwrap();
        assert_eq!(key, i);
        state.timers.set(key, Instant::from_nanos(1000 - key as u64)).unwrap();
    }
    for key in 0..USED {
        let block = state.conns.get(key).unwrap();
        assert_eq!(block.0[SLOT - 1], key as u8 + 1);
        let pages = whole_pages(range_of(block)).len() / page;
        assert!(pages >= slot_pages - 1);
        assert_eq!(resident_pages(range_of(block)), pages, "slot {key} is resident");
    }
    // The used slots, plus at most a few pages of links, timers and
    // counters (the first page of each array and the header).
    let after = resident_pages(range.clone());
    let most = USED * slot_pages + 6;
    assert!(after >= USED * slot_pages && after <= most, "{after} pages resident, expected at most {most}");

    // A released slot is reused: no new page.
    assert!(state.conns.remove(1).is_some_and(|b| b.0[0] == 2));
    assert_eq!(state.conns.insert(Block([9; SLOT])).ok(), Some(1));
    assert_eq!(resident_pages(range), after);
    assert_eq!(state.conns.high_water_mark(), USED);
    assert_eq!(state.timers.pop(), Some((2, Instant::from_nanos(998))));
}

#[test]
fn take_succeeds_once_across_threads() {
    static COUNTER: StaticCell<u64> = StaticCell::new(0);
    let winners: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| match COUNTER.take() {
                    Some(n) => {
                        *n += 1;
                        1
                    }
                    None => 0,
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(winners, 1);
    assert!(COUNTER.take().is_none());
    assert_eq!(format!("{COUNTER:?}"), "StaticCell { taken: true, .. }");
}
