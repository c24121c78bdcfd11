//! The crate's kernel structs against `libc`'s, field by field, with
//! `memoffset`. A unit-test module because the fields are private; it runs
//! per target under qemu-user like every other test.

use core::mem::{align_of, size_of};

use memoffset::offset_of;

use super::epoll::{EpollEvent, Timespec};
use super::io::{IoSlice, IoSliceMut};
use super::net::addr::{SockaddrIn, SockaddrIn6, SockaddrStorage, SockaddrUn};
use super::net::cmsg::Cmsghdr;
use super::net::sockopt::{IpMreq, Linger, Timeval};
use super::net::{Msghdr, RecvMmsg, SendMmsg};
use super::process::CpuSet;
use super::signal::SigSet;
use super::timerfd::Itimerspec;

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

#[test]
fn sockaddr_un_and_storage_match_libc() {
    same_layout!(SockaddrUn, libc::sockaddr_un, family = sun_family, path = sun_path);
    assert_eq!(size_of::<SockaddrStorage>(), size_of::<libc::sockaddr_storage>());
    assert_eq!(align_of::<SockaddrStorage>(), align_of::<libc::sockaddr_storage>());
}

#[test]
fn cmsghdr_matches_libc() {
    // 16 bytes on the 64-bit ABIs, 12 on the 32-bit ones.
    same_layout!(Cmsghdr, libc::cmsghdr, len = cmsg_len, level = cmsg_level, ty = cmsg_type);
}

#[test]
fn mmsghdr_matches_libc() {
    same_layout!(SendMmsg<'static>, libc::mmsghdr, hdr = msg_hdr, len = msg_len);
    same_layout!(RecvMmsg<'static>, libc::mmsghdr, hdr = msg_hdr, len = msg_len);
    // The stride of the array the kernel walks.
    assert_eq!(align_of::<SendMmsg<'static>>(), align_of::<libc::mmsghdr>());
}

#[test]
fn socket_option_structs_match_libc() {
    same_layout!(Linger, libc::linger, onoff = l_onoff, linger = l_linger);
    // `struct timeval` of `SO_RCVTIMEO_OLD`: two `long`s (8 bytes on the
    // 32-bit ABIs, where glibc's timeval is that too, 16 on the 64-bit).
    same_layout!(Timeval, libc::timeval, sec = tv_sec, usec = tv_usec);
    assert_eq!(size_of::<Timeval>(), 2 * size_of::<usize>());
    same_layout!(IpMreq, libc::ip_mreq, multiaddr = imr_multiaddr, interface = imr_interface);
}

#[test]
fn itimerspec_matches_the_kernel() {
    // `__kernel_itimerspec`: four i64 on every ABI.
    assert_eq!(size_of::<Itimerspec>(), 32);
    assert_eq!(offset_of!(Itimerspec, value), 16);
    // glibc's `itimerspec` is the kernel's on the 64-bit ABIs…
    #[cfg(target_pointer_width = "64")]
    same_layout!(Itimerspec, libc::itimerspec, interval = it_interval, value = it_value);
    // …and the 32-bit-time fallback's `old_itimerspec32` on the 32-bit ones.
    #[cfg(target_pointer_width = "32")]
    same_layout!(
        super::timerfd::time32::Itimerspec32,
        libc::itimerspec,
        interval = it_interval,
        value = it_value
    );
    #[cfg(target_pointer_width = "32")]
    same_layout!(super::time::time32::Timespec32, libc::timespec, tv_sec = tv_sec, tv_nsec = tv_nsec);
}

#[test]
fn cpu_set_matches_libc() {
    assert_eq!(size_of::<CpuSet>(), size_of::<libc::cpu_set_t>());
}
