//! With the `std` feature: std's fd types pass straight into bareio, and
//! `Errno` becomes an `io::Error` with the same OS code. Run by
//! `cargo test --features std` (part of the README's test command).

#![cfg(all(feature = "std", target_os = "linux"))]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};

use bareio::sys::{getsockname, pipe2, read, write, PipeFlags};
use bareio::Errno;

#[test]
fn errno_converts_to_io_error_keeping_the_code() {
    let err: std::io::Error = Errno::ECONNRESET.into();
    assert_eq!(err.raw_os_error(), Some(Errno::ECONNRESET.raw()));
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    assert_eq!(Errno::try_from(&err), Ok(Errno::ECONNRESET));
    let custom = std::io::Error::other("not an OS error");
    assert_eq!(Errno::try_from(&custom), Err(()));
}

#[test]
fn std_sockets_pass_straight_in() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = getsockname(&listener).unwrap().unwrap();
    assert_eq!(addr, listener.local_addr().unwrap());
    let mut client = TcpStream::connect(addr).unwrap();
    let (server, _) = listener.accept().unwrap();
    assert_eq!(write(&server, b"from bareio"), Ok(11));
    let mut buf = [0u8; 11];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"from bareio");
    client.write_all(b"std").unwrap();
    let mut buf = [0u8; 3];
    assert_eq!(read(&server, &mut buf), Ok(3));
    assert_eq!(&buf, b"std");
}

#[test]
fn bareio_fds_are_std_fds() {
    let (r, w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    let raw = r.as_raw_fd();
    let owned: OwnedFd = r; // the same type with `std`
    let mut file = std::fs::File::from(owned);
    assert_eq!(file.as_raw_fd(), raw);
    write(&w, b"ok").unwrap();
    drop(w);
    let mut s = String::new();
    file.read_to_string(&mut s).unwrap();
    assert_eq!(s, "ok");
}

#[test]
fn errno_kind_is_the_io_error_kind() {
    use std::io::ErrorKind as K;
    let expected = [
        (Errno::EAGAIN, K::WouldBlock),
        (Errno::EINTR, K::Interrupted),
        (Errno::ECONNREFUSED, K::ConnectionRefused),
        (Errno::ECONNRESET, K::ConnectionReset),
        (Errno::ECONNABORTED, K::ConnectionAborted),
        (Errno::ENOTCONN, K::NotConnected),
        (Errno::EPIPE, K::BrokenPipe),
        (Errno::ENOENT, K::NotFound),
        (Errno::EACCES, K::PermissionDenied),
        (Errno::EPERM, K::PermissionDenied),
        (Errno::EADDRINUSE, K::AddrInUse),
        (Errno::EADDRNOTAVAIL, K::AddrNotAvailable),
        (Errno::EEXIST, K::AlreadyExists),
        (Errno::EINVAL, K::InvalidInput),
        (Errno::ETIMEDOUT, K::TimedOut),
    ];
    for (errno, kind) in expected {
        assert_eq!(errno.kind(), kind, "{errno:?}");
    }
    // From a real syscall: a nonblocking read of an empty pipe.
    let (r, _w) = pipe2(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC).unwrap();
    assert_eq!(read(&r, &mut [0u8; 1]).unwrap_err().kind(), K::WouldBlock);
}
