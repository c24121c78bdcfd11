//! Connected socket pairs for tests and benches (`mod support;`, or
//! `#[path = "../tests/support/mod.rs"] mod support;` from `benches/`).

#![allow(dead_code)] // each user takes what it needs

use std::net::{Ipv4Addr, SocketAddr};

use bareio::fd::OwnedFd;
use bareio::sys::{accept4, bind, connect, getsockname, listen, socket, socketpair};
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
pub mod faults;
pub mod relay;
