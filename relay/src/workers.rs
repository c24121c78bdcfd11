//! `--workers N`: N relay processes on one port, and their supervisor.
//!
//! The supervisor binds the listening address once (so that port 0 names
//! one port for all, and the port stays taken while a worker restarts),
//! then forks the workers with the crate's own `clone`. Each worker binds
//! its own `SO_REUSEPORT` listener there (the kernel spreads new
//! connections over them) and runs the whole relay, poller and static
//! state included, on its own: no memory is shared, and untouched `.bss`
//! stays untouched in every copy.
//!
//! The supervisor waits on a signalfd only:
//! - a worker killed by a signal (a crash, the OOM killer, `kill -9`) is
//!   started again, the others serve on (at most 5 times a minute: past
//!   that the relay stops); a worker that exits by itself (an error) stops
//!   the relay: the others drain;
//! - SIGTERM/SIGINT: each worker drains, a second signal cuts the drain
//!   short, as in one process: the supervisor passes each on as [`DRAIN`],
//!   a real-time signal (queued, never merged with a pending one), and
//!   workers take SIGTERM/SIGINT only from the supervisor, so a signal to
//!   the whole process group (a terminal's ^C, systemd's stop) drains once;
//! - SIGHUP is passed on (each worker logs its counters);
//! - the exit status is the worst of the workers' (a worker ended by a
//!   signal counts as 1).
//!
//! Workers die with the supervisor (`PR_SET_PDEATHSIG`).

use core::time::Duration;

use bareio::fd::OwnedFd;
use bareio::sys::{self, Fork, SigSet, SigmaskHow, SignalfdFlags, SockOpt, WaitFlags, WaitStatus};
use bareio::time::Instant;
use bareio::Errno;

use crate::line::{log, Arg};
use crate::options::{Config, MAX_WORKERS};
use crate::{relay, DRAIN};

/// Runs the relay in `config.workers` processes (0: one per CPU this
/// process may run on), or in this one if that is 1; returns the exit
/// status.
pub fn run(config: &mut Config) -> i32 {
    let count = match config.workers {
        0 => sys::sched_getaffinity(0).map_or(1, |cpus| cpus.count().min(MAX_WORKERS)),
        n => n,
    };
    if count == 1 {
        return relay::run(config);
    }
    match supervise(config, count) {
        Ok(Role::Worker) => relay::run(config),
        Ok(Role::Done(status)) => status,
        Err((what, errno)) => {
            log(b"%: %", &[Arg::Text(what), Arg::Errno(errno)]);
            1
        }
    }
}

/// Restarts allowed in a window: a worker that dies at once, every time,
/// is not forked again for ever (the relay stops instead, status 1).
const MAX_RESTARTS: u32 = 5;
const RESTART_WINDOW: Duration = Duration::from_secs(60);

/// The restarts of the current window.
struct Restarts {
    since: Instant,
    count: u32,
}

impl Restarts {
    /// Counts a restart; whether it is allowed.
    fn allow(&mut self) -> bool {
        let now = Instant::now().unwrap_or(self.since);
        if now.saturating_duration_since(self.since) > RESTART_WINDOW {
            (self.since, self.count) = (now, 0);
        }
        self.count += 1;
        self.count <= MAX_RESTARTS
    }
}

/// Which process `supervise` returned in.
enum Role {
    /// A new worker: run the relay.
    Worker,
    /// The supervisor, once every worker has ended: exit with this status.
    Done(i32),
}

/// Starts `count` workers and supervises them until all have ended.
fn supervise(config: &mut Config, count: usize) -> Result<Role, (&'static [u8], Errno)> {
    const WATCHED: SigSet =
        SigSet::empty().with(sys::SIGINT).with(sys::SIGTERM).with(sys::SIGHUP).with(sys::SIGCHLD);
    sys::sigprocmask(SigmaskHow::Block, Some(&WATCHED)).map_err(|e| (&b"sigprocmask"[..], e))?;
    let signals = sys::signalfd(&WATCHED, SignalfdFlags::CLOEXEC).map_err(|e| (&b"signalfd"[..], e))?;
    let _port = reserve_port(config).map_err(|e| (&b"bind"[..], e))?;
    let supervisor = sys::getpid();
    config.supervisor = supervisor;

    let mut pids = [0i32; MAX_WORKERS];
    let mut alive = 0;
    for pid in &mut pids[..count] {
        match start_worker(supervisor).map_err(|e| (&b"fork"[..], e))? {
            Some(child) => *pid = child,
            None => return Ok(Role::Worker),
        }
        alive += 1;
    }
    let mut draining = false;
    let mut status = 0;
    let mut restarts = Restarts { since: Instant::now().map_err(|e| (&b"clock"[..], e))?, count: 0 };
    while alive > 0 {
        let signo = match sys::read_signal(&signals) {
            Ok(info) => info.signo as i32,
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err((b"signalfd", errno)),
        };
        if signo == sys::SIGHUP {
            signal_all(&pids, sys::SIGHUP);
            continue;
        }
        if signo != sys::SIGCHLD {
            signal_all(&pids, DRAIN);
            draining = true;
            continue;
        }
        // SIGCHLD: reap every worker that ended (several may share one).
        while let Ok(Some((child, ended))) = sys::wait4(-1, WaitFlags::NOHANG) {
            let Some(slot) = pids.iter_mut().find(|pid| **pid == child) else { continue };
            let code = match ended {
                WaitStatus::Exited(code) => {
                    log(b"worker % exited with status %", &[Arg::Num(child as u64), Arg::Num(code as u64)]);
                    code
                }
                WaitStatus::Signaled { signal, .. } if !draining && restarts.allow() => {
                    log(
                        b"worker % killed by signal %, restarting",
                        &[Arg::Num(child as u64), Arg::Num(signal as u64)],
                    );
                    match start_worker(supervisor) {
                        Ok(Some(pid)) => *slot = pid,
                        Ok(None) => return Ok(Role::Worker),
                        Err(errno) => {
                            log(b"fork: %", &[Arg::Errno(errno)]);
                            *slot = 0;
                            alive -= 1;
                            status = 1;
                        }
                    }
                    continue;
                }
                WaitStatus::Signaled { signal, .. } => {
                    log(b"worker % killed by signal %", &[Arg::Num(child as u64), Arg::Num(signal as u64)]);
                    if !draining {
                        log(
                            b"% worker restarts in % s: stopping",
                            &[Arg::Num(MAX_RESTARTS.into()), Arg::Num(RESTART_WINDOW.as_secs())],
                        );
                    }
                    1
                }
                _ => continue, // stopped or continued: not an end
            };
            *slot = 0;
            alive -= 1;
            status = status.max(code);
            // A worker that gave up by itself: the relay stops.
            if !draining {
                draining = true;
                signal_all(&pids, DRAIN);
            }
        }
    }
    Ok(Role::Done(status))
}

/// Binds the listening address in the supervisor (not listening: the
/// kernel hands connections only to the workers' listeners) and makes
/// `config.listen` the bound address: port 0 becomes the port chosen.
fn reserve_port(config: &mut Config) -> Result<OwnedFd, Errno> {
    let socket = relay::tcp_socket(&config.listen)?;
    sys::setsockopt(&socket, SockOpt::REUSEADDR, 1)?;
    sys::setsockopt(&socket, SockOpt::REUSEPORT, 1)?;
    sys::bind(&socket, &config.listen)?;
    if let Ok(Some(bound)) = sys::getsockname(&socket) {
        config.listen = bound;
    }
    Ok(socket)
}

/// Forks a worker: its pid in the supervisor, `None` in the worker, which
/// is set to die with the supervisor.
fn start_worker(supervisor: i32) -> Result<Option<i32>, Errno> {
    match bareio::rt::fork()? {
        Fork::Parent(pid) => Ok(Some(pid)),
        Fork::Child => {
            // If the supervisor died before the death signal was set, no
            // signal will come: leave now.
            if sys::set_parent_death_signal(Some(sys::SIGKILL)).is_err() || sys::getppid() != supervisor {
                sys::exit_group(1);
            }
            Ok(None)
        }
    }
}

/// Sends `signal` to every running worker.
fn signal_all(pids: &[i32], signal: i32) {
    for &pid in pids.iter().filter(|&&pid| pid > 0) {
        let _ = sys::kill(pid, signal);
    }
}
