//! PID 1 of the guests `scripts/kernel-test` boots under qemu-system.
//!
//! It mounts `/proc`, `/sys`, `/dev` (devtmpfs, whose `/dev/console`
//! becomes fds 0, 1 and 2) and a tmpfs on `/tmp`, brings `lo` up, prints
//! `uname -a`, runs every executable in `/tests` in name order, and powers
//! the machine off. The environment it was given (the kernel passes
//! `NAME=value` words of its command line to init) is passed on to each
//! test binary, so the host sets `BAREIO_RELAY` and `QUICKCHECK_TESTS`
//! there.
//!
//! Every line meant for the host starts with [`MARK`]:
//!
//! ```text
//! @@kernel-test uname Linux (none) 6.1.0-50-s390x #1 SMP Debian 6.1.176-1 (2025-…) s390x
//! @@kernel-test begin test-splice
//! @@kernel-test end test-splice exit=0
//! @@kernel-test end test-relay timeout
//! @@kernel-test done
//! ```
//!
//! A binary that runs longer than `KERNEL_TEST_BINARY_TIMEOUT` seconds
//! (default 300) is killed and reported as `timeout`; the host also bounds
//! the whole boot, and treats a missing `end` line as a failure.

use std::ffi::CStr;
use std::fs;
use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Prefix of every line the host parses.
const MARK: &str = "@@kernel-test";

fn main() {
    // devtmpfs first: its console becomes stdout, where later errors go.
    let errors = mount(&MOUNTS[..1]);
    console_on_stdio();
    for error in errors.into_iter().chain(mount(&MOUNTS[1..])) {
        say(&error);
    }
    if let Err(e) = loopback_up() {
        say(&format!("error lo up: {e}"));
    }
    say(&format!("uname {}", uname()));
    let limit = binary_timeout();
    match test_binaries() {
        Ok(binaries) => {
            for binary in binaries {
                run(&binary, limit);
            }
        }
        Err(e) => say(&format!("error /tests: {e}")),
    }
    say("done");
    power_off();
}

/// Prints one line for the host, on a line of its own.
fn say(what: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "\n{MARK} {what}");
    let _ = out.flush();
}

/// What the tests and std need mounted: (source, mount point, type).
const MOUNTS: [(&CStr, &CStr, &CStr); 4] = [
    (c"devtmpfs", c"/dev", c"devtmpfs"),
    (c"proc", c"/proc", c"proc"),
    (c"sysfs", c"/sys", c"sysfs"),
    (c"tmpfs", c"/tmp", c"tmpfs"),
];

/// Mounts each; returns the failures as marker lines. The run goes on (a
/// test that needs the mount fails visibly).
fn mount(mounts: &[(&CStr, &CStr, &CStr)]) -> Vec<String> {
    let mut errors = Vec::new();
    for (source, target, fstype) in mounts {
        let _ = fs::create_dir_all(target.to_str().unwrap_or("/"));
        // SAFETY: all pointers are NUL-terminated strings that outlive the
        // call; no data argument.
        let rc =
            unsafe { libc::mount(source.as_ptr(), target.as_ptr(), fstype.as_ptr(), 0, std::ptr::null()) };
        if rc != 0 {
            errors.push(format!("error mount {target:?}: {}", io::Error::last_os_error()));
        }
    }
    errors
}

/// The kernel opens `/dev/console` for init only if the initramfs has it;
/// this one has no device nodes, so fds 0-2 come from devtmpfs' console.
fn console_on_stdio() {
    // SAFETY: a NUL-terminated path; the returned fd is owned here and
    // duplicated onto 0, 1 and 2.
    unsafe {
        let fd = libc::open(c"/dev/console".as_ptr(), libc::O_RDWR);
        if fd >= 0 {
            for target in 0..3 {
                if fd != target {
                    libc::dup2(fd, target);
                }
            }
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
}

/// `ip link set lo up`: SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP.
fn loopback_up() -> io::Result<()> {
    // SAFETY: plain syscalls on a socket owned here; `ifreq` is zeroed and
    // its name is NUL-terminated ("lo").
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(b"lo") {
            *dst = *src as libc::c_char;
        }
        let mut result = Ok(());
        if libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut req) != 0 {
            result = Err(io::Error::last_os_error());
        } else {
            req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            if libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &req) != 0 {
                result = Err(io::Error::last_os_error());
            }
        }
        libc::close(fd);
        result
    }
}

/// `uname -a`'s fields: sysname nodename release version machine.
fn uname() -> String {
    // SAFETY: `utsname` is plain data, filled by the kernel; each field is
    // a NUL-terminated string within its array.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return format!("unknown ({})", io::Error::last_os_error());
        }
        let field = |f: &[libc::c_char]| CStr::from_ptr(f.as_ptr()).to_string_lossy().into_owned();
        [field(&u.sysname), field(&u.nodename), field(&u.release), field(&u.version), field(&u.machine)]
            .join(" ")
    }
}

fn binary_timeout() -> Duration {
    let secs = std::env::var("KERNEL_TEST_BINARY_TIMEOUT").ok().and_then(|s| s.parse().ok());
    Duration::from_secs(secs.unwrap_or(300))
}

/// The files in `/tests`, by name.
fn test_binaries() -> io::Result<Vec<String>> {
    let mut names: Vec<String> = fs::read_dir("/tests")?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Runs one binary from `/tmp`, reports how it ended.
fn run(name: &str, limit: Duration) {
    say(&format!("begin {name}"));
    let spawned =
        Command::new(Path::new("/tests").join(name)).current_dir("/tmp").stdin(Stdio::null()).spawn();
    let outcome = match spawned {
        Ok(child) => match wait_bounded(child, limit) {
            Ok(Some(status)) => describe(status),
            Ok(None) => "timeout".to_string(),
            Err(e) => format!("error wait: {e}"),
        },
        Err(e) => format!("error spawn: {e}"),
    };
    say(&format!("end {name} {outcome}"));
}

/// Waits for `child` at most `limit`; kills it when the time is up.
fn wait_bounded(mut child: Child, limit: Duration) -> io::Result<Option<ExitStatus>> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if start.elapsed() >= limit {
            child.kill()?;
            child.wait()?;
            return Ok(None);
        }
        // A supervisor's poll: this is PID 1 waiting for a test binary.
        thread::sleep(Duration::from_millis(50));
    }
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit={code}"),
        (None, Some(signal)) => format!("signal={signal}"),
        _ => format!("unknown {status}"),
    }
}

/// Flushes and powers off; if that fails, PID 1 returns and the kernel
/// panics (`panic=-1` with qemu's `-no-reboot` ends the VM either way).
fn power_off() {
    // SAFETY: sync and reboot take no pointers.
    unsafe {
        libc::sync();
        libc::reboot(libc::RB_POWER_OFF);
    }
    say(&format!("error power off: {}", io::Error::last_os_error()));
}
