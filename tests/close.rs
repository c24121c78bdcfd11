//! `close` of an already-closed fd gives `EBADF`, and dropping an `OwnedFd`
//! closes it. Alone in its own test binary (one process, one test) so that
//! no other thread can reuse the fd number between the two closes.

#![cfg(target_os = "linux")]

use bareio::fd::{FromRawFd, IntoRawFd, OwnedFd};
use bareio::sys::{close, fcntl_getfd, pipe2, PipeFlags};
use bareio::Errno;

#[test]
fn close_twice_is_ebadf_and_drop_closes() {
    let (r, w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    let raw = r.into_raw_fd();
    // SAFETY: `raw` came from `into_raw_fd`, so we own it.
    assert_eq!(close(unsafe { OwnedFd::from_raw_fd(raw) }), Ok(()));
    // SAFETY: deliberately wrapping a closed fd to see the kernel refuse it.
    assert_eq!(close(unsafe { OwnedFd::from_raw_fd(raw) }), Err(Errno::EBADF));

    let raw_w = {
        let borrowed = bareio::fd::AsRawFd::as_raw_fd(&w);
        drop(w);
        borrowed
    };
    // SAFETY: as above: the fd was closed by drop, fcntl must see EBADF.
    let closed = unsafe { bareio::fd::BorrowedFd::borrow_raw(raw_w) };
    assert_eq!(fcntl_getfd(closed), Err(Errno::EBADF));
}
