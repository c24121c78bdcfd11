//! The crate's kernel structs against `libc`'s, field by field, with
//! `memoffset`. A unit-test module because the fields are private; it runs
//! per target under qemu-user like every other test.

use core::mem::{align_of, size_of};

use memoffset::offset_of;

use super::epoll::{EpollEvent, Timespec};
use super::io::{IoSlice, IoSliceMut};
use super::net::{Msghdr, SockaddrIn, SockaddrIn6};
use super::signal::SigSet;

macro_rules! same_layout {
    ($ours:ty, $theirs:ty, $($field:ident = $libc_field:ident),* $(,)?) => {{
        assert_eq!(size_of::<$ours>(), size_of::<$theirs>(), "size of {}", stringify!($ours));
        $(
            assert_eq!(
                offset_of!($ours, $field),
                offset_of!($theirs, $libc_field),
                "offset of {}.{}", stringify!($ours), stringify!($field)
            );
        )*
    }};
}

#[test]
fn epoll_event_matches_libc() {
    same_layout!(EpollEvent, libc::epoll_event, events = events, data = u64);
    // Alignment may differ harmlessly: libc packs the struct on x86 too,
    // where `u64`'s 4-byte alignment gives the same layout unpacked.
    #[cfg(not(target_arch = "x86"))]
    assert_eq!(align_of::<EpollEvent>(), align_of::<libc::epoll_event>());
}

#[test]
fn iovec_matches_libc() {
    same_layout!(IoSlice<'static>, libc::iovec, base = iov_base, len = iov_len);
    same_layout!(IoSliceMut<'static>, libc::iovec, base = iov_base, len = iov_len);
}

#[test]
fn sockaddr_in_matches_libc() {
    same_layout!(SockaddrIn, libc::sockaddr_in, family = sin_family, port = sin_port, addr = sin_addr);
    same_layout!(
        SockaddrIn6,
        libc::sockaddr_in6,
        family = sin6_family,
        port = sin6_port,
        flowinfo = sin6_flowinfo,
        addr = sin6_addr,
        scope_id = sin6_scope_id,
    );
}

#[test]
fn msghdr_matches_the_kernel() {
    // glibc's msghdr has the kernel's size_t lengths (musl's does not).
    same_layout!(
        Msghdr,
        libc::msghdr,
        name = msg_name,
        namelen = msg_namelen,
        iov = msg_iov,
        iovlen = msg_iovlen,
        control = msg_control,
        controllen = msg_controllen,
        flags = msg_flags,
    );
}

#[test]
fn kernel_timespec_is_two_i64_everywhere() {
    assert_eq!(size_of::<Timespec>(), 16);
    assert_eq!(offset_of!(Timespec, tv_nsec), 8);
}

#[test]
fn sigset_is_the_kernel_size_not_glibcs() {
    // glibc's sigset_t is 128 bytes; the kernel's is _NSIG / 8.
    assert_eq!(size_of::<SigSet>(), crate::arch::current::SIGSET_SIZE);
    assert!(size_of::<SigSet>() < size_of::<libc::sigset_t>());
}
