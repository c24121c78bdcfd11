//! What the benches share (`mod common;` in each `benches/*.rs`): the
//! criterion configuration, and a count mode that runs one workload a fixed
//! number of times with no criterion at all, for `strace -c` to count its
//! syscalls (`scripts/bench-report` does this).
//!
//! ```sh
//! BAREIO_BENCH_COUNT=wake_burst/bareio BAREIO_BENCH_ITERS=10000 \
//!     strace -f -c -e trace=write target/release/deps/wake-<hash>
//! ```
//!
//! A count-mode run prints nothing, so every `write` it makes is the
//! workload's own.
//!
//! Interleaved mode runs every workload whose name contains a string in
//! turn, round after round, and prints each one's median time per
//! iteration: on a shared machine a load change then hits every subject
//! alike, where criterion measures one subject after the other.
//!
//! ```sh
//! BAREIO_BENCH_INTERLEAVE=wake_round_trip/ BAREIO_BENCH_ITERS=2000 BAREIO_BENCH_ROUNDS=41 \
//!     target/release/deps/wake-<hash>
//! # wake_round_trip/bareio<TAB>median ns per iteration<TAB>lowest<TAB>highest
//! ```
//!
//! Instruction mode runs one [`Case`] (a single-threaded version of a
//! workload, named like it) a given number of times and prints the
//! operations it did, for `valgrind --tool=callgrind` to count the
//! user-space instructions: `scripts/bench-report` runs every case for two
//! counts K1 < K2 and takes (instructions at K2 − at K1) ÷ (operations at
//! K2 − at K1), so the setup, the same in both runs, drops out.
//! `BAREIO_BENCH_INSNS=list` prints each case's name and K1.
//!
//! ```sh
//! BAREIO_BENCH_INSNS=dispatch/bareio BAREIO_BENCH_ITERS=6400 \
//!     valgrind --tool=callgrind --toggle-collect='*common::measured*' target/release/deps/dispatch-<hash>
//! # 6400
//! ```

#![allow(dead_code)] // each bench takes what it needs

use std::time::Duration;

use criterion::Criterion;

/// One workload: its name (`group/function[/parameter]`, as criterion
/// names the benchmark) and the function that runs it `iters` times and
/// returns the time of the measured part only.
pub type Workload = (&'static str, fn(u64) -> Duration);

/// One instruction-count case: its name (that of the workload it counts),
/// the smaller of the two operation counts `scripts/bench-report` runs it
/// for (K1; K2 is twice that: enough operations that the difference is
/// the operation's, few enough for callgrind's speed), and the function
/// that does its setup and then its operation `ops` times, on this thread
/// only (callgrind counts every thread, and another thread's share would
/// depend on the scheduling), and returns the operations done.
pub type Case = (&'static str, u64, fn(u64) -> u64);

/// The default criterion settings of every bench; the command line
/// (`--warm-up-time`, `--measurement-time`, `--sample-size`) overrides them.
pub fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3))
}

/// The number in environment variable `name`, or `default`.
fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(n) => n.parse().unwrap_or_else(|_| panic!("{name}: a number")),
        Err(_) => default,
    }
}

/// Interleaved mode: see the module docs.
fn interleave(workloads: &[Workload], pattern: &str) {
    let iters = env_number("BAREIO_BENCH_ITERS", 1000);
    let rounds = env_number("BAREIO_BENCH_ROUNDS", 21) as usize;
    let chosen: Vec<_> = workloads.iter().filter(|(n, _)| n.contains(pattern)).collect();
    assert!(!chosen.is_empty(), "BAREIO_BENCH_INTERLEAVE={pattern}: no workload");
    let mut times = vec![Vec::with_capacity(rounds); chosen.len()];
    for round in 0..rounds {
        // A different subject first in each round: no fixed order.
        for k in 0..chosen.len() {
            let i = (round + k) % chosen.len();
            times[i].push(chosen[i].1(iters).as_nanos() as f64 / iters as f64);
        }
    }
    for ((name, _), mut t) in chosen.into_iter().zip(times) {
        t.sort_by(f64::total_cmp);
        println!("{name}\t{}\t{}\t{}", t[t.len() / 2], t[0], t[t.len() - 1]);
    }
}

/// Runs `case` `ops` times: the only function callgrind counts in
/// (`--toggle-collect`), so the process's start and end are left out.
#[inline(never)]
fn measured(case: fn(u64) -> u64, ops: u64) -> u64 {
    case(std::hint::black_box(ops))
}

/// Runs `f` uncounted inside a case: `scripts/bench-report` also toggles
/// callgrind's collection on this function, so a case's per-operation
/// work that is not the subject's (feeding and draining its sockets)
/// drops out.
#[inline(never)]
pub fn unmeasured<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Instruction mode: see the module docs.
fn insns(cases: &[Case], name: &str) {
    if name == "list" {
        cases.iter().for_each(|(n, k1, _)| println!("{n}\t{k1}"));
        return;
    }
    let ops = env_number("BAREIO_BENCH_ITERS", 1000);
    match cases.iter().find(|(n, _, _)| *n == name) {
        Some((_, _, case)) => println!("{}", measured(*case, ops)),
        None => {
            let names: Vec<_> = cases.iter().map(|(n, _, _)| *n).collect();
            panic!("BAREIO_BENCH_INSNS={name}: not one of {names:?}");
        }
    }
}

/// The bench's `main`: count mode if `BAREIO_BENCH_COUNT` is set,
/// interleaved mode if `BAREIO_BENCH_INTERLEAVE` is, instruction mode (of
/// `cases`) if `BAREIO_BENCH_INSNS` is, else the criterion run of `benches`.
pub fn main(workloads: &[Workload], cases: &[Case], benches: fn(&mut Criterion)) {
    if let Ok(name) = std::env::var("BAREIO_BENCH_INSNS") {
        insns(cases, &name);
        return;
    }
    if let Ok(pattern) = std::env::var("BAREIO_BENCH_INTERLEAVE") {
        interleave(workloads, &pattern);
        return;
    }
    if let Ok(name) = std::env::var("BAREIO_BENCH_COUNT") {
        let iters = env_number("BAREIO_BENCH_ITERS", 1000);
        match workloads.iter().find(|(n, _)| *n == name) {
            Some((_, run)) => drop(run(iters)),
            None => {
                let names: Vec<_> = workloads.iter().map(|(n, _)| *n).collect();
                panic!("BAREIO_BENCH_COUNT={name}: not one of {names:?}");
            }
        }
        return;
    }
    let mut criterion = config().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
