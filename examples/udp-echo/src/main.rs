//! A UDP echo server with no libc, no allocator and no runtime: every
//! datagram goes back to its sender. `udp-echo ADDR [WORKERS]` (0: one
//! worker per CPU; default 1). Up to 32 datagrams per syscall each way
//! (`recvmmsg`, `sendmmsg`); the workers are forked processes sharing the
//! socket; SIGINT or SIGTERM stops them all (exit status 0), a worker
//! that dies stops the rest (status 1).
#![no_std]
#![no_main]

use core::fmt::Write;
use core::net::SocketAddr;

use bareio::fd::OwnedFd;
use bareio::rt::{self, Args};
use bareio::sys::*;

bareio::main!(main);

const BATCH: usize = 32;
const WORKERS_MAX: usize = 64;

fn main(mut args: Args) -> i32 {
    let addr = args.nth(1).and_then(parse);
    let workers = args.next().map_or(Some(1), parse);
    let (Some(addr), Some(workers), None) = (addr, workers, args.next()) else {
        let _ = write(rt::stderr(), b"usage: udp-echo ADDR [WORKERS]\n");
        return 2;
    };
    let workers = match workers {
        0 => sched_getaffinity(0).map_or(1, |cpus| cpus.count()),
        n => n,
    }
    .min(WORKERS_MAX);
    match serve(addr, workers) {
        Ok(status) => status,
        Err(errno) => {
            let _ = writeln!(Stderr, "udp-echo: {errno}");
            1
        }
    }
}

/// Binds, forks the workers and supervises them.
fn serve(addr: SocketAddr, workers: usize) -> Result<i32, bareio::Errno> {
    let family = AddressFamily::of(&addr);
    let sock = socket(family, SocketType::DGRAM, SocketFlags::CLOEXEC, 0)?;
    bind(&sock, &addr)?;
    // The supervisor reads these signals from a signalfd; the workers
    // unblock them again.
    let mut signals = SigSet::empty();
    for signal in [SIGINT, SIGTERM, SIGCHLD] {
        signals.add(signal)?;
    }
    sigprocmask(SigmaskHow::Block, Some(&signals))?;
    let mut pids = [0i32; WORKERS_MAX];
    for pid in &mut pids[..workers] {
        match rt::fork()? {
            Fork::Child => {
                sigprocmask(SigmaskHow::SetMask, Some(&SigSet::empty()))?;
                set_parent_death_signal(Some(SIGTERM))?;
                echo(&sock)?;
            }
            Fork::Parent(child) => *pid = child,
        }
    }
    let bound = getsockname(&sock)?.unwrap_or(addr);
    let _ = writeln!(Stderr, "udp-echo: {bound}, {workers} workers");
    let signalfd = signalfd(&signals, SignalfdFlags::CLOEXEC)?;
    let status = match read_signal(&signalfd)?.signo as i32 {
        SIGCHLD => 1, // a worker died
        _ => 0,       // SIGINT, SIGTERM
    };
    for &pid in &pids[..workers] {
        let _ = kill(pid, SIGTERM);
    }
    for &pid in &pids[..workers] {
        while let Err(bareio::Errno::EINTR) = wait4(pid, WaitFlags::empty()) {}
    }
    Ok(status)
}

/// A worker: echoes batches of datagrams, for ever.
fn echo(sock: &OwnedFd) -> Result<core::convert::Infallible, bareio::Errno> {
    let mut bufs = [[0u8; 2048]; BATCH];
    let mut from = [SocketAddrAny::new(); BATCH];
    loop {
        let mut iovs = bufs.each_mut().map(|buf| IoSliceMut::new(buf));
        let mut msgs: [RecvMmsg; BATCH] = {
            let mut slots = iovs.iter_mut().zip(from.iter_mut());
            core::array::from_fn(|_| {
                let (iov, from) = slots.next().unwrap();
                RecvMmsg::with_addr(core::slice::from_mut(iov), from)
            })
        };
        // Blocks for the first datagram, then takes what is queued.
        let n = recvmmsg(sock, &mut msgs, MsgFlags::WAITFORONE)?;
        let lens: [usize; BATCH] = core::array::from_fn(|i| msgs[i].received());
        let replies = core::array::from_fn::<_, BATCH, _>(|i| IoSlice::new(&bufs[i][..lens[i]]));
        let mut out: [SendMmsg; BATCH] =
            core::array::from_fn(|i| SendMmsg::to(core::slice::from_ref(&replies[i]), &from[i]));
        // A full send buffer loses datagrams, as UDP may.
        let _ = sendmmsg(sock, &mut out[..n], MsgFlags::empty());
    }
}

/// An address or a number from the command line.
fn parse<T: core::str::FromStr>(arg: &[u8]) -> Option<T> {
    core::str::from_utf8(arg).ok()?.parse().ok()
}

/// `write!` to fd 2, unbuffered.
struct Stderr;

impl Write for Stderr {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        write(rt::stderr(), s.as_bytes()).map(drop).map_err(|_| core::fmt::Error)
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    let _ = write(rt::stderr(), b"udp-echo: internal error\n");
    exit_group(101)
}
