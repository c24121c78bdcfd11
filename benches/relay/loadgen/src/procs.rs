//! What a process and its descendants use, from `/proc`: CPU time, resident
//! memory now and at its peak, and (on request) proportional set size.
//!
//! A forking relay (socat: one process per connection) is a tree: the sums
//! are over every process alive in it at the moment of the sample, and the
//! CPU time of children that have exited and been reaped is in their
//! parent's `cutime`/`cstime`, which are counted too.

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::sys;

/// One sample of a process tree.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// Processes in the tree.
    pub processes: u64,
    /// User + system time, children reaped included, in clock ticks.
    pub cpu_ticks: u64,
    /// Sum of `VmRSS`, KiB.
    pub rss_kib: u64,
    /// Sum of `VmHWM` (each process's peak RSS), KiB.
    pub hwm_kib: u64,
    /// Sum of `Pss` (`smaps_rollup`; shared pages split among their users),
    /// KiB, when asked for.
    pub pss_kib: u64,
}

/// `pid` and all its descendants alive now (through every thread's
/// `children` list).
pub fn tree(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut next = 0;
    while next < all.len() {
        let parent = all[next];
        next += 1;
        let Ok(tasks) = fs::read_dir(format!("/proc/{parent}/task")) else { continue };
        for task in tasks.flatten() {
            let Ok(children) = fs::read_to_string(task.path().join("children")) else { continue };
            all.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    all
}

/// The `(utime + stime + cutime + cstime)` of `/proc/PID/stat`.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces), from field 3.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    Some(field(14)? + field(15)? + field(16)? + field(17)?)
}

/// The value in KiB of the `name:` line of a `/proc` status-like file.
fn kib(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Samples the tree rooted at `pid`; `None` when `pid` is gone.
pub fn sample(pid: u32, with_pss: bool) -> Option<Usage> {
    let mut usage = Usage::default();
    for (i, p) in tree(pid).into_iter().enumerate() {
        let Some(ticks) = cpu_ticks(p) else {
            if i == 0 {
                return None;
            }
            continue; // exited meanwhile
        };
        let status = fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
        usage.processes += 1;
        usage.cpu_ticks += ticks;
        usage.rss_kib += kib(&status, "VmRSS");
        usage.hwm_kib += kib(&status, "VmHWM");
        if with_pss {
            usage.pss_kib +=
                kib(&fs::read_to_string(format!("/proc/{p}/smaps_rollup")).unwrap_or_default(), "Pss");
        }
    }
    Some(usage)
}

/// Seconds in `ticks` clock ticks.
pub fn seconds(ticks: u64) -> f64 {
    ticks as f64 / sys::clock_ticks() as f64
}

/// What a [`Monitor`] saw over a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Observed {
    /// CPU seconds spent during the run.
    pub cpu_seconds: f64,
    /// The peak resident memory, KiB: the larger of the highest summed
    /// `VmRSS` sampled during the run and the summed `VmHWM` at its end
    /// (exact for one process; for a forking peer, the sampled peak).
    pub peak_rss_kib: u64,
    /// The most processes seen at once.
    pub max_processes: u64,
}

/// Samples a process tree on a thread of its own, from `start` until
/// `finish`: every `INTERVAL`, or less often when a sample takes long (a
/// tree of thousands of processes), so that sampling takes at most a tenth
/// of a core from the machine the relay runs on.
pub struct Monitor {
    pid: u32,
    first: Usage,
    stop: Arc<AtomicBool>,
    peak: Arc<Mutex<(u64, u64)>>,
    thread: Option<thread::JoinHandle<()>>,
}

const INTERVAL: Duration = Duration::from_millis(100);

impl Monitor {
    /// Starts watching `pid`; `None` if it is not running.
    pub fn start(pid: u32) -> Option<Monitor> {
        let first = sample(pid, false)?;
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(Mutex::new((first.rss_kib, first.processes)));
        let thread = {
            let (stop, peak) = (stop.clone(), peak.clone());
            thread::spawn(move || {
                let mut pause = INTERVAL;
                while !stop.load(Ordering::Relaxed) {
                    thread::sleep(pause);
                    let began = Instant::now();
                    if let Some(now) = sample(pid, false) {
                        let mut peak = peak.lock().unwrap();
                        *peak = (peak.0.max(now.rss_kib), peak.1.max(now.processes));
                    }
                    pause = INTERVAL.max(began.elapsed() * 10);
                }
            })
        };
        Some(Monitor { pid, first, stop, peak, thread: Some(thread) })
    }

    /// Stops sampling and sums up; `None` if the process is gone.
    pub fn finish(mut self) -> Option<Observed> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let last = sample(self.pid, false)?;
        let (rss, processes) = *self.peak.lock().unwrap();
        Some(Observed {
            cpu_seconds: seconds(last.cpu_ticks.saturating_sub(self.first.cpu_ticks)),
            peak_rss_kib: rss.max(last.rss_kib).max(last.hwm_kib),
            max_processes: processes.max(last.processes),
        })
    }
}
