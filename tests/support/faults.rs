//! Fault injection into real syscalls with seccomp, written with the
//! crate's own syscalls (`bareio::sys::seccomp`, no libc).
//!
//! A [`Faults`] is a list of rules, each for one syscall number: fail every
//! call with an errno, fail only calls whose argument has a given value, or
//! ask a decider for each call (the Nth call, an `EINTR` storm): that one
//! goes through seccomp's user notification, answered by a supervisor
//! thread of this process. [`Faults::run`] runs a closure in a new thread
//! under the filter (threads it starts inherit it; the filter ends with
//! them); [`Faults::install`] puts the errno rules on the calling thread,
//! e.g. in a child process before `exec`.
//!
//! [`isolated`] runs a test body in a child process of its own, so that a
//! process-wide decision it causes (the crate's "epoll_pwait2 is missing,
//! use epoll_pwait from now on") cannot leak into other tests.
//!
//! Seccomp is unavailable under qemu-user (it refuses to install filters,
//! which would apply to its own host syscalls): there [`Faults::run`]
//! returns the errno and the tests skip, saying so. `scripts/kernel-test`
//! runs them on each architecture's real kernel.

#![allow(dead_code)] // each test file takes what it needs

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use bareio::fd::OwnedFd;
use bareio::poll::{Events, Interest, Mode, Poller};
use bareio::sys::seccomp::{self, bpf, data, ret, Response, SeccompData, SockFilter};
use bareio::sys::{eventfd, read, write, EventfdFlags};
use bareio::Errno;

/// Decides about the `n`th call (from 1) of a notified syscall.
pub type Decider = Box<dyn Fn(u64, &SeccompData) -> Response + Send + Sync>;

enum Action {
    Fail(Errno),
    Ask(Decider),
}

struct Rule {
    nr: usize,
    /// Only calls whose argument `.0` has `.1` in its low 32 bits.
    arg: Option<(u32, u32)>,
    action: Action,
    calls: AtomicUsize,
}

/// A set of syscall faults; see the module docs.
#[derive(Default)]
pub struct Faults {
    rules: Vec<Rule>,
}

impl Faults {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every call of syscall `nr` fails with `errno`.
    pub fn fail(mut self, nr: usize, errno: Errno) -> Self {
        self.rules.push(Rule { nr, arg: None, action: Action::Fail(errno), calls: AtomicUsize::new(0) });
        self
    }

    /// Calls of `nr` whose argument `index` (0-5) is `value` (low 32 bits,
    /// e.g. an fd) fail with `errno`.
    pub fn fail_if_arg(mut self, nr: usize, index: u32, value: u32, errno: Errno) -> Self {
        let arg = Some((index, value));
        self.rules.push(Rule { nr, arg, action: Action::Fail(errno), calls: AtomicUsize::new(0) });
        self
    }

    /// Each call of `nr` (whose argument `index` is `value`, if given) is
    /// answered by `decide(n, call)`, `n` counting from 1.
    pub fn ask(
        mut self,
        nr: usize,
        arg: Option<(u32, u32)>,
        decide: impl Fn(u64, &SeccompData) -> Response + Send + Sync + 'static,
    ) -> Self {
        self.rules.push(Rule { nr, arg, action: Action::Ask(Box::new(decide)), calls: AtomicUsize::new(0) });
        self
    }

    /// How many calls rule `index` (in the order added) has seen, for the
    /// rules that ask.
    pub fn calls(&self, index: usize) -> u64 {
        self.rules[index].calls.load(Ordering::SeqCst) as u64
    }

    fn asks(&self) -> bool {
        self.rules.iter().any(|r| matches!(r.action, Action::Ask(_)))
    }

    /// The BPF program: check the architecture (a mismatch kills: the
    /// table's `AUDIT_ARCH` is wrong), then one block per rule, then allow.
    pub fn program(&self) -> Vec<SockFilter> {
        let ld = |offset| SockFilter::stmt(bpf::LD | bpf::W | bpf::ABS, offset);
        let jeq = |k, jt, jf| SockFilter::jump(bpf::JMP | bpf::JEQ | bpf::K, k, jt, jf);
        let ret = |value| SockFilter::stmt(bpf::RET | bpf::K, value);
        let mut p = vec![ld(data::ARCH), jeq(seccomp::AUDIT_ARCH, 1, 0), ret(ret::KILL_PROCESS)];
        for rule in &self.rules {
            let action = match rule.action {
                Action::Fail(errno) => ret::errno(errno),
                Action::Ask(_) => ret::USER_NOTIF,
            };
            p.push(ld(data::NR));
            match rule.arg {
                None => p.extend([jeq(rule.nr as u32, 0, 1), ret(action)]),
                Some((index, value)) => p.extend([
                    jeq(rule.nr as u32, 0, 3),
                    ld(data::arg_low(index)),
                    jeq(value, 0, 1),
                    ret(action),
                ]),
            }
        }
        p.push(ret(ret::ALLOW));
        p
    }

    /// Installs the rules on the calling thread (`no_new_privs`, then the
    /// filter). Only rules that fail: nobody would answer the others.
    pub fn install(&self) -> Result<(), Errno> {
        assert!(!self.asks(), "rules that ask need `run`, which supervises them");
        seccomp::set_no_new_privs()?;
        seccomp::set_filter(&self.program())
    }

    /// Runs `f` in a new thread under the rules and returns its result, or
    /// the errno that kept the filter from being installed (`ENOSYS` or
    /// `EINVAL` where seccomp is unavailable, as under qemu-user).
    pub fn run<R: Send>(self, f: impl FnOnce() -> R + Send) -> Result<R, Errno> {
        let faults = Arc::new(self);
        let stop = eventfd(0, EventfdFlags::CLOEXEC).unwrap();
        let (listener_tx, listener_rx) = mpsc::channel::<OwnedFd>();
        std::thread::scope(|s| {
            let supervisor = faults.asks().then(|| {
                let faults = faults.clone();
                let stop = &stop;
                s.spawn(move || {
                    if let Ok(listener) = listener_rx.recv() {
                        supervise(&faults, &listener, stop);
                    }
                })
            });
            let worker = s.spawn(|| -> Result<R, Errno> {
                seccomp::set_no_new_privs()?;
                let program = faults.program();
                if faults.asks() {
                    let listener = seccomp::set_filter_with_listener(&program)?;
                    listener_tx.send(listener).unwrap();
                } else {
                    drop(listener_tx);
                    seccomp::set_filter(&program)?;
                }
                Ok(f())
            });
            let result = worker.join();
            write(&stop, &1u64.to_ne_bytes()).unwrap();
            if let Some(supervisor) = supervisor {
                supervisor.join().unwrap();
            }
            match result {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

/// Answers notified syscalls until `stop` is written.
fn supervise(faults: &Faults, listener: &OwnedFd, stop: &OwnedFd) {
    const LISTENER: u64 = 1;
    const STOP: u64 = 2;
    let poller = Poller::new().unwrap();
    poller.register(listener, LISTENER, Interest::READABLE, Mode::Level).unwrap();
    poller.register(stop, STOP, Interest::READABLE, Mode::Level).unwrap();
    let mut events = Events::<4>::new();
    loop {
        poller.wait(&mut events, None).unwrap();
        for event in events.iter() {
            // Every thread under the filter is gone (Linux 5.8+ reports it
            // as a hangup): nothing more will come, and a receive would
            // wait for ever.
            if event.token() == STOP || event.is_hangup() {
                let _ = read(stop, &mut [0u8; 8]);
                return;
            }
            let call = match seccomp::receive_notification(listener) {
                Ok(call) => call,
                // The caller went away (interrupted), or the filter has no
                // users left: nothing to answer.
                Err(Errno::ENOENT) => continue,
                Err(e) => panic!("seccomp notification: {e}"),
            };
            let response = answer(faults, &call.data);
            match seccomp::respond(listener, call.id, response) {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(e) => panic!("seccomp response: {e}"),
            }
        }
    }
}

/// The first asking rule that matches `call` decides.
fn answer(faults: &Faults, call: &SeccompData) -> Response {
    for rule in &faults.rules {
        let Action::Ask(decide) = &rule.action else { continue };
        let arg_matches = rule.arg.map_or(true, |(index, value)| call.args[index as usize] as u32 == value);
        if call.nr as usize == rule.nr && arg_matches {
            let n = rule.calls.fetch_add(1, Ordering::SeqCst) as u64 + 1;
            return decide(n, call);
        }
    }
    Response::Continue
}

/// Whether seccomp filters can be installed here; the reason if not.
pub fn unavailable() -> Option<Errno> {
    Faults::new().run(|| ()).err()
}

/// Runs `body` in a child process that runs only the test `name` (this
/// binary, `--exact name`), so process-wide state it changes stays there;
/// in that child, runs `body` itself. Fails if the child fails.
pub fn isolated(name: &str, body: impl FnOnce()) {
    const CHILD: &str = "BAREIO_ISOLATED_TEST";
    if std::env::var(CHILD).is_ok_and(|test| test == name) {
        body();
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .output()
        .expect("run the test in a child process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(out.status.success(), "{name} failed in its child process: {}", out.status);
    assert!(stdout.contains("1 passed"), "{name} did not run in its child process");
}

/// Returns early from a test, saying why, where seccomp is unavailable.
#[macro_export]
macro_rules! skip_without_seccomp {
    () => {
        if let Some(errno) = support::faults::unavailable() {
            eprintln!("skipped: seccomp filters cannot be installed here ({errno}; qemu-user refuses them)");
            return;
        }
    };
}
