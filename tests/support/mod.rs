//! Connected socket pairs and stream helpers for tests and benches (`mod support;`, or
//! `#[path = "../tests/support/mod.rs"] mod support;` from `benches/`).

#![allow(dead_code)] // each user takes what it needs

use std::net::{Ipv4Addr, SocketAddr};

use bareio::fd::OwnedFd;
use bareio::sys::{accept4, bind, connect, getsockname, listen, read, socket, socketpair, write};
use bareio::sys::{AddressFamily, SocketFlags, SocketType};

/// Whether the tests run under qemu-user (`scripts/cross-test` sets
/// `BAREIO_QEMU_USER`), which translates some syscalls imperfectly: the
/// few checks it cannot pass say so and run on the real kernels of
/// `scripts/kernel-test` instead.
pub fn qemu_user() -> bool {
    std::env::var_os("BAREIO_QEMU_USER").is_some()
}

/// A connected loopback TCP pair `(client, server)`, both blocking.
pub fn tcp_pair() -> (OwnedFd, OwnedFd) {
    let listener = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    bind(&listener, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    listen(&listener, 8).unwrap();
    let addr = getsockname(&listener).unwrap().unwrap();
    let client = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    connect(&client, &addr).unwrap();
    let (server, _) = accept4(&listener, SocketFlags::CLOEXEC).unwrap();
    (client, server)
}

/// A connected unix stream pair, both blocking.
pub fn unix_pair() -> (OwnedFd, OwnedFd) {
    socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap()
}

/// Deterministic, position-dependent bytes, so a lost, duplicated or
/// reordered chunk shows up.
pub fn pattern(offset: usize, len: usize) -> Vec<u8> {
    (offset..offset + len).map(|i| (i % 251) as u8 ^ (i >> 12) as u8).collect()
}

/// Writes all of `data` (blocking fd).
pub fn write_all(fd: &OwnedFd, mut data: &[u8]) {
    while !data.is_empty() {
        let n = write(fd, data).unwrap();
        data = &data[n..];
    }
}

/// Reads until end of input (blocking fd).
pub fn read_to_end(fd: &OwnedFd) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match read(fd, &mut buf).unwrap() {
            0 => return out,
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

pub mod faults;
pub mod relay;
