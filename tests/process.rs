//! Processes through the crate's own syscalls: `fork` (`clone` with the
//! table's argument order) and `wait4` with the status decoded, `getppid`,
//! `PR_SET_PDEATHSIG`, `sched_getaffinity`.
//!
//! This test binary has several threads (the harness runs tests in
//! parallel), so every child here does only raw syscalls and ends with
//! `exit_group`: no allocation, no panic, no assertion (`fork`'s safety
//! contract). A child reports what it saw in its exit status. Each parent
//! waits for its own children by pid (other tests fork too).

#![cfg(target_os = "linux")]

use core::time::Duration;

use bareio::sys::*;
use bareio::Errno;

/// Forks a child that runs `child` and exits with its result; returns its
/// pid. `child` must do only async-signal-safe work (see the module).
/// In this process `child` is dropped uncalled: a `move` closure closes
/// this process's copies of the fds it took.
fn spawn(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child runs `child`, which by this function's contract
    // does only raw syscalls, then exits.
    match unsafe { fork() }.unwrap() {
        Fork::Child => exit_group(child()),
        Fork::Parent(pid) => pid,
    }
}

fn wait_for(pid: i32) -> WaitStatus {
    loop {
        match wait4(pid, WaitFlags::empty()) {
            Ok(Some((got, status))) => {
                assert_eq!(got, pid);
                return status;
            }
            Err(Errno::EINTR) => continue,
            other => panic!("wait4({pid}): {other:?}"),
        }
    }
}

#[test]
fn a_forked_child_exits_with_a_status_the_parent_collects() {
    let pid = spawn(|| 42);
    assert!(pid > 0 && pid != getpid());
    assert_eq!(wait_for(pid), WaitStatus::Exited(42));
    // Reaped: it is gone.
    assert_eq!(wait4(pid, WaitFlags::NOHANG), Err(Errno::ECHILD));
}

#[test]
fn the_child_is_a_separate_process_with_this_one_as_parent() {
    let parent = getpid();
    let (reader, writer) = pipe2(PipeFlags::CLOEXEC).unwrap();
    let pid = spawn(move || {
        // Its own pid, this process as the parent, the pipe inherited.
        let me = getpid();
        if me == parent || getppid() != parent {
            return 1;
        }
        match write(&writer, &me.to_ne_bytes()) {
            Ok(4) => 0,
            _ => 2,
        }
    });
    let mut buf = [0u8; 4];
    assert_eq!(read(&reader, &mut buf), Ok(4));
    assert_eq!(i32::from_ne_bytes(buf), pid, "the child's getpid is the pid fork returned");
    assert_eq!(wait_for(pid), WaitStatus::Exited(0));
}

#[test]
fn a_child_ended_by_a_signal_is_reported_signalled() {
    let pid = spawn(|| {
        let _ = kill(getpid(), SIGKILL);
        3 // not reached
    });
    assert_eq!(wait_for(pid), WaitStatus::Signaled { signal: SIGKILL, core_dumped: false });
    let pid = spawn(|| {
        let _ = kill(getpid(), SIGTERM);
        3
    });
    assert_eq!(wait_for(pid), WaitStatus::Signaled { signal: SIGTERM, core_dumped: false });
}

#[test]
fn wnohang_returns_none_while_the_child_runs() {
    let (reader, writer) = pipe2(PipeFlags::CLOEXEC).unwrap();
    // The child blocks on the pipe until the parent writes (or closes it).
    let pid = spawn(move || match read(&reader, &mut [0u8; 1]) {
        Ok(1) => 5,
        _ => 6,
    });
    assert_eq!(wait4(pid, WaitFlags::NOHANG), Ok(None));
    write(&writer, b"go").unwrap();
    assert_eq!(wait_for(pid), WaitStatus::Exited(5));
}

#[test]
fn wait4_without_such_a_child_is_echild() {
    assert_eq!(wait4(getpid(), WaitFlags::NOHANG), Err(Errno::ECHILD));
}

/// `PR_SET_CHILD_SUBREAPER`: orphans below this process come back to it.
const PR_SET_CHILD_SUBREAPER: i32 = 36;

#[test]
fn the_parent_death_signal_comes_when_the_parent_exits() {
    // This process becomes a subreaper, so the grandchild, orphaned by its
    // parent's exit, is reparented here and can be waited for.
    // SAFETY: prctl with integer arguments.
    assert_eq!(unsafe { libc::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }, 0);
    let pair = || socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    // middle -> test: the grandchild's pid.
    let (test_end, middle_end) = pair();
    // grandchild -> middle: "my death signal is set".
    let (ready_r, ready_w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    // The grandchild blocks reading `held` (`hold` stays open here, so no
    // end of file comes), with a receive timeout: a missing signal fails
    // the test after 60 s instead of hanging it.
    let (hold, held) = pair();
    // Each closure takes its fds: the forking process closes its copies
    // when `spawn` returns (the closure is dropped there, uncalled).
    let middle = spawn(move || {
        let parent = getpid();
        let grandchild = spawn(move || {
            if set_parent_death_signal(Some(SIGKILL)).is_err() || getppid() != parent {
                return 10;
            }
            if set_timeout(&held, Timeout::Recv, Some(Duration::from_secs(60))).is_err() {
                return 11;
            }
            if write(&ready_w, b"!") != Ok(1) {
                return 12;
            }
            let _ = read(&held, &mut [0u8; 1]); // killed here
            13
        });
        if read(&ready_r, &mut [0u8; 1]) != Ok(1) {
            return 1;
        }
        if write(&middle_end, &grandchild.to_ne_bytes()) != Ok(4) {
            return 2;
        }
        0 // exits: the parent death
    });
    let mut pid = [0u8; 4];
    assert_eq!(read(&test_end, &mut pid), Ok(4));
    let grandchild = i32::from_ne_bytes(pid);
    assert_eq!(wait_for(middle), WaitStatus::Exited(0));
    assert_eq!(wait_for(grandchild), WaitStatus::Signaled { signal: SIGKILL, core_dumped: false });
    drop(hold);
}

#[test]
fn sched_getaffinity_matches_libc() {
    let ours = sched_getaffinity(0).unwrap();
    // SAFETY: a zeroed cpu_set_t is valid; the call writes into it.
    let theirs = unsafe {
        let mut set: libc::cpu_set_t = core::mem::zeroed();
        assert_eq!(libc::sched_getaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &mut set), 0);
        set
    };
    // SAFETY: reads the set.
    assert_eq!(ours.count(), unsafe { libc::CPU_COUNT(&theirs) } as usize);
    for cpu in 0..CpuSet::CAPACITY {
        // SAFETY: `cpu` is below CPU_SETSIZE.
        assert_eq!(ours.contains(cpu), unsafe { libc::CPU_ISSET(cpu, &theirs) }, "cpu {cpu}");
    }
    assert!(ours.count() >= 1);
    assert!(!ours.contains(CpuSet::CAPACITY), "out of range is not a member");
    assert_eq!(sched_getaffinity(getpid()).unwrap(), ours);
    assert_eq!(sched_getaffinity(-1).unwrap_err(), Errno::ESRCH);
}
