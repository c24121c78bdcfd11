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

/// The bench's `main`: count mode if `BAREIO_BENCH_COUNT` is set, else the
/// criterion run of `benches`.
pub fn main(workloads: &[Workload], benches: fn(&mut Criterion)) {
    if let Ok(name) = std::env::var("BAREIO_BENCH_COUNT") {
        let iters = match std::env::var("BAREIO_BENCH_ITERS") {
            Ok(n) => n.parse().expect("BAREIO_BENCH_ITERS: a number"),
            Err(_) => 1000,
        };
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
