//! Prints this architecture's ABI table and makes a few real syscalls
//! through bareio's own entry: eventfd, pipe2, epoll and a loopback TCP
//! connection. `cargo run --example abi` (or under qemu with `--target`).
//! Linux only: elsewhere (the kqueue systems) it says so and exits.

#[cfg(target_os = "linux")]
use std::net::{Ipv4Addr, SocketAddr};

#[cfg(target_os = "linux")]
use bareio::arch::current as abi;
#[cfg(target_os = "linux")]
use bareio::sys::*;
#[cfg(target_os = "linux")]
use bareio::Errno;

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the abi example shows bareio's Linux syscall tables and raw syscalls: run it on Linux");
}

#[cfg(target_os = "linux")]
fn main() -> Result<(), Errno> {
    println!(
        "bareio on {} ({}-endian)",
        std::env::consts::ARCH,
        if cfg!(target_endian = "big") { "big" } else { "little" }
    );
    println!(
        "  syscalls: read={} write={} eventfd2={} epoll_pwait={} splice={} accept4={}",
        abi::SYS_READ,
        abi::SYS_WRITE,
        abi::SYS_EVENTFD2,
        abi::SYS_EPOLL_PWAIT,
        abi::SYS_SPLICE,
        abi::SYS_ACCEPT4
    );
    println!(
        "  flags:    O_NONBLOCK={:#x} O_CLOEXEC={:#x} SOCK_STREAM={} SOL_SOCKET={:#x} SO_ERROR={:#x}",
        abi::O_NONBLOCK,
        abi::O_CLOEXEC,
        abi::SOCK_STREAM,
        abi::SOL_SOCKET,
        abi::SO_ERROR
    );
    println!(
        "  errno:    EAGAIN={} ENOSYS={} ECONNRESET={} EINPROGRESS={}",
        abi::EAGAIN,
        abi::ENOSYS,
        abi::ECONNRESET,
        abi::EINPROGRESS
    );
    println!(
        "  calls:    clone args {:?}, 64-bit args {:?}, SIGCHLD={}, SO_RCVTIMEO={:#x}",
        abi::CLONE_ORDER,
        abi::U64_ARG,
        abi::SIGCHLD,
        abi::SO_RCVTIMEO
    );
    println!(
        "  layout:   sigset {} bytes, epoll_event {} bytes{}",
        abi::SIGSET_SIZE,
        size_of::<EpollEvent>(),
        if abi::EPOLL_EVENT_PACKED { " (packed)" } else { "" }
    );

    // An eventfd as a wakeup, seen by epoll.
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC)?;
    let efd = eventfd(0, EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC)?;
    let mut word = [0u8; 8];
    println!("eventfd:  read of a zero counter -> {}", read(&efd, &mut word).unwrap_err());
    epoll_add(&ep, &efd, EpollEvent::new(EpollFlags::IN | EpollFlags::ET, 42))?;
    write(&efd, &1u64.to_ne_bytes())?;
    let mut events = [EpollEvent::ZERO; 8];
    let n = epoll_pwait(&ep, &mut events, -1, None)?;
    println!("epoll:    {n} event, token {}, {:?}", { events[0].data }, { events[0].events });

    // A pipe round trip, with a splice between two pipes.
    let (r1, w1) = pipe2(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
    let (r2, w2) = pipe2(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
    write(&w1, b"through two pipes")?;
    let moved = splice(&r1, None, &w2, None, 64, SpliceFlags::NONBLOCK)?;
    let mut buf = [0u8; 64];
    let got = read(&r2, &mut buf)?;
    println!("splice:   moved {moved} bytes: {:?}", String::from_utf8_lossy(&buf[..got]));

    // Loopback TCP.
    let listener = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
    bind(&listener, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    listen(&listener, 1)?;
    let addr = getsockname(&listener)?.expect("IPv4");
    let client = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0)?;
    connect(&client, &addr)?;
    let (server, peer) = accept4(&listener, SocketFlags::CLOEXEC)?;
    sendmsg(&client, &[IoSlice::new(b"hello, "), IoSlice::new(b"kernel")], MsgFlags::NOSIGNAL)?;
    let got = read(&server, &mut buf)?;
    println!("tcp:      {} -> {addr}: {:?}", peer.expect("IPv4"), String::from_utf8_lossy(&buf[..got]));
    println!("pid {}: every syscall above went through bareio's own entry, not libc", getpid());
    Ok(())
}
