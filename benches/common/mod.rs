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

#![allow(dead_code)] // each bench takes what it needs

use std::time::Duration;

use criterion::Criterion;

/// One workload: its name (`group/function[/parameter]`, as criterion
/// names the benchmark) and the function that runs it `iters` times and
/// returns the time of the measured part only.
pub type Workload = (&'static str, fn(u64) -> Duration);

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

/// The bench's `main`: count mode if `BAREIO_BENCH_COUNT` is set,
/// interleaved mode if `BAREIO_BENCH_INTERLEAVE` is, else the criterion run
/// of `benches`.
pub fn main(workloads: &[Workload], benches: fn(&mut Criterion)) {
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
