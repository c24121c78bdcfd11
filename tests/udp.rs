//! UDP through the crate's own syscalls: `sendto`/`recvfrom`, the batched
//! `sendmmsg`/`recvmmsg` (several datagrams per call, each with its
//! sender), and the struct-valued socket options (`SO_LINGER`,
//! `SO_RCVTIMEO`/`SO_SNDTIMEO`, `IP_ADD_MEMBERSHIP`), whose layouts and
//! numbers differ per architecture.

#![cfg(target_os = "linux")]

use core::net::{Ipv4Addr, SocketAddr};
use core::time::Duration;

use bareio::fd::OwnedFd;
use bareio::sys::*;
use bareio::Errno;

fn udp(flags: SocketFlags) -> OwnedFd {
    socket(AddressFamily::INET, SocketType::DGRAM, flags | SocketFlags::CLOEXEC, 0).unwrap()
}

/// A UDP socket bound to an ephemeral loopback port, and its address.
fn bound(flags: SocketFlags) -> (OwnedFd, SocketAddr) {
    let sock = udp(flags);
    bind(&sock, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    let addr = getsockname(&sock).unwrap().unwrap();
    (sock, addr)
}

#[test]
fn sendto_and_recvfrom_round_trip_with_the_senders_address() {
    let (server, server_addr) = bound(SocketFlags::empty());
    let (client, client_addr) = bound(SocketFlags::empty());
    assert_eq!(sendto(&client, b"hello", MsgFlags::empty(), &server_addr), Ok(5));
    let mut buf = [0u8; 64];
    let (n, from) = recvfrom(&server, &mut buf, MsgFlags::empty()).unwrap();
    assert_eq!(
        (&buf[..n], from.family(), from.as_ip()),
        (&b"hello"[..], Some(AddressFamily::INET), Some(client_addr))
    );
    // Echo back to where it came from, as a SocketAddrAny.
    assert_eq!(sendto(&server, &buf[..n], MsgFlags::empty(), &from), Ok(5));
    let (n, from) = recvfrom(&client, &mut buf, MsgFlags::empty()).unwrap();
    assert_eq!((&buf[..n], from.as_ip()), (&b"hello"[..], Some(server_addr)));
}

#[test]
fn recvfrom_cuts_a_long_datagram_and_trunc_reports_its_length() {
    let (server, server_addr) = bound(SocketFlags::empty());
    let client = udp(SocketFlags::empty());
    sendto(&client, b"0123456789", MsgFlags::empty(), &server_addr).unwrap();
    sendto(&client, b"0123456789", MsgFlags::empty(), &server_addr).unwrap();
    let mut small = [0u8; 4];
    assert_eq!(recvfrom(&server, &mut small, MsgFlags::empty()).unwrap().0, 4);
    assert_eq!(&small, b"0123");
    assert_eq!(recvfrom(&server, &mut small, MsgFlags::TRUNC).unwrap().0, 10);
    assert_eq!(recvfrom(&server, &mut small, MsgFlags::DONTWAIT).unwrap_err(), Errno::EAGAIN);
}

#[test]
fn a_connected_udp_socket_has_a_peer() {
    let (server, server_addr) = bound(SocketFlags::empty());
    let client = udp(SocketFlags::empty());
    assert_eq!(getpeername(&client), Err(Errno::ENOTCONN));
    connect(&client, &server_addr).unwrap();
    assert_eq!(getpeername(&client), Ok(Some(server_addr)));
    assert_eq!(getpeername_any(&client).unwrap().as_ip(), Some(server_addr));
    write(&client, b"x").unwrap();
    assert_eq!(read(&server, &mut [0u8; 4]), Ok(1));
}

#[test]
fn ipv6_sendto_and_recvfrom_when_available() {
    let Ok(server) = socket(AddressFamily::INET6, SocketType::DGRAM, SocketFlags::CLOEXEC, 0) else {
        return; // no IPv6 in this sandbox: EAFNOSUPPORT
    };
    if bind(&server, &"[::1]:0".parse::<SocketAddr>().unwrap()) == Err(Errno::EADDRNOTAVAIL) {
        return; // IPv6 disabled on lo
    }
    let server_addr = getsockname(&server).unwrap().unwrap();
    let client = socket(AddressFamily::INET6, SocketType::DGRAM, SocketFlags::CLOEXEC, 0).unwrap();
    sendto(&client, b"six", MsgFlags::empty(), &server_addr).unwrap();
    let mut buf = [0u8; 8];
    let (n, from) = recvfrom(&server, &mut buf, MsgFlags::empty()).unwrap();
    assert_eq!(&buf[..n], b"six");
    let from = from.as_ip().unwrap();
    assert!(from.is_ipv6() && from.ip().is_loopback(), "{from}");
    // The client was autobound to [::]:port by the send.
    assert_eq!(from.port(), getsockname(&client).unwrap().unwrap().port());
}

/// Datagram `i` of a batch: distinct lengths and contents.
fn payload(i: usize) -> Vec<u8> {
    (0..3 + i * 7).map(|j| (i * 31 + j) as u8).collect()
}

#[test]
fn sendmmsg_then_recvmmsg_moves_several_datagrams_per_call() {
    let (server, server_addr) = bound(SocketFlags::NONBLOCK);
    let (client, client_addr) = bound(SocketFlags::empty());
    let to = SocketAddrAny::from(server_addr);

    const N: usize = 6;
    let payloads: Vec<Vec<u8>> = (0..N).map(payload).collect();
    let iovs: Vec<IoSlice> = payloads.iter().map(|p| IoSlice::new(p)).collect();
    let mut out: Vec<SendMmsg> =
        iovs.iter().map(|iov| SendMmsg::to(std::slice::from_ref(iov), &to)).collect();
    assert_eq!(sendmmsg(&client, &mut out, MsgFlags::empty()), Ok(N));
    for (msg, p) in out.iter().zip(&payloads) {
        assert_eq!(msg.sent(), p.len());
    }

    // Two rounds into the same slots: the address room is reset each call.
    let mut bufs = vec![[0u8; 64]; N + 2];
    let mut from = vec![SocketAddrAny::new(); N + 2];
    for round in 0..2 {
        if round == 1 {
            let mut again: Vec<SendMmsg> =
                iovs.iter().map(|iov| SendMmsg::to(std::slice::from_ref(iov), &to)).collect();
            assert_eq!(sendmmsg(&client, &mut again, MsgFlags::empty()), Ok(N));
        }
        let mut iovs_in: Vec<IoSliceMut> = bufs.iter_mut().map(|b| IoSliceMut::new(b)).collect();
        let mut msgs: Vec<RecvMmsg> = iovs_in
            .iter_mut()
            .zip(from.iter_mut())
            .map(|(iov, from)| RecvMmsg::with_addr(std::slice::from_mut(iov), from))
            .collect();
        // The socket is nonblocking: the call takes what is queued, all N
        // (loopback delivers synchronously), and leaves the last slots.
        let n = recvmmsg(&server, &mut msgs, MsgFlags::empty()).unwrap();
        assert_eq!(n, N, "round {round}");
        for (i, msg) in msgs[..n].iter().enumerate() {
            assert_eq!(msg.received(), payloads[i].len(), "round {round}, datagram {i}");
            assert_eq!(msg.flags(), MsgFlags::empty());
            assert_eq!(msg.addr().and_then(SocketAddrAny::as_ip), Some(client_addr));
        }
        drop(msgs);
        for (i, buf) in bufs[..N].iter().enumerate() {
            assert_eq!(&buf[..payloads[i].len()], &payloads[i][..], "round {round}, datagram {i}");
        }
        assert_eq!(from[N].family(), None, "an unused slot stays empty");
    }
    // Nothing left: EAGAIN.
    let mut buf = [0u8; 4];
    let mut iov = [IoSliceMut::new(&mut buf)];
    assert_eq!(recvmmsg(&server, &mut [RecvMmsg::new(&mut iov)], MsgFlags::empty()), Err(Errno::EAGAIN));
}

#[test]
fn recvmmsg_flags_truncation_and_waitforone_returns_what_is_queued() {
    let (server, server_addr) = bound(SocketFlags::empty()); // blocking
    let client = udp(SocketFlags::empty());
    connect(&client, &server_addr).unwrap();
    let long = [7u8; 100];
    let iovs = [IoSlice::new(b"ab"), IoSlice::new(&long)];
    // Connected: no destination in the messages.
    let mut out = [SendMmsg::new(&iovs[..1]), SendMmsg::new(&iovs[1..])];
    assert_eq!(sendmmsg(&client, &mut out, MsgFlags::empty()), Ok(2));

    let mut bufs = [[0u8; 16]; 4];
    let mut iovs_in: Vec<IoSliceMut> = bufs.iter_mut().map(|b| IoSliceMut::new(b)).collect();
    let mut msgs: Vec<RecvMmsg> =
        iovs_in.iter_mut().map(|iov| RecvMmsg::new(std::slice::from_mut(iov))).collect();
    // Blocking socket, 4 slots, 2 queued: WAITFORONE returns with 2
    // instead of waiting for the other 2.
    assert_eq!(recvmmsg(&server, &mut msgs, MsgFlags::WAITFORONE), Ok(2));
    assert_eq!((msgs[0].received(), msgs[0].flags()), (2, MsgFlags::empty()));
    assert_eq!(msgs[1].received(), 16);
    assert!(msgs[1].flags().contains(MsgFlags::TRUNC), "{:?}", msgs[1]);
    assert!(msgs[1].addr().is_none());
}

#[test]
fn linger_round_trips_and_rounds_up_to_whole_seconds() {
    let tcp = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    assert_eq!(linger(&tcp), Ok(None));
    set_linger(&tcp, Some(Duration::from_secs(3))).unwrap();
    assert_eq!(linger(&tcp), Ok(Some(Duration::from_secs(3))));
    set_linger(&tcp, Some(Duration::from_millis(1))).unwrap();
    assert_eq!(linger(&tcp), Ok(Some(Duration::from_secs(1))), "not 0 s, which would reset");
    set_linger(&tcp, Some(Duration::ZERO)).unwrap();
    assert_eq!(linger(&tcp), Ok(Some(Duration::ZERO)));
    set_linger(&tcp, None).unwrap();
    assert_eq!(linger(&tcp), Ok(None));
    // The raw option, as an int, is a different size: the kernel refuses
    // a linger that short (a wrong SO_LINGER number would not).
    assert_eq!(
        setsockopt(
            &tcp,
            SockOpt::new(bareio::arch::current::SOL_SOCKET, bareio::arch::current::SO_LINGER),
            1
        ),
        Err(Errno::EINVAL)
    );
}

#[test]
fn a_zero_linger_close_resets_the_connection() {
    let listener = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    bind(&listener, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    listen(&listener, 1).unwrap();
    let client = socket(AddressFamily::INET, SocketType::STREAM, SocketFlags::CLOEXEC, 0).unwrap();
    connect(&client, &getsockname(&listener).unwrap().unwrap()).unwrap();
    let (server, _) = accept4(&listener, SocketFlags::CLOEXEC).unwrap();
    set_linger(&client, Some(Duration::ZERO)).unwrap();
    drop(client);
    // An RST, not a FIN: the read fails instead of returning 0.
    assert_eq!(read(&server, &mut [0u8; 1]), Err(Errno::ECONNRESET));
}

#[test]
fn timeouts_round_trip_in_microseconds_and_expire() {
    let (server, _) = bound(SocketFlags::empty());
    for direction in [Timeout::Recv, Timeout::Send] {
        assert_eq!(timeout(&server, direction), Ok(None));
        set_timeout(&server, direction, Some(Duration::new(2, 500_000_000))).unwrap();
        assert_eq!(timeout(&server, direction), Ok(Some(Duration::new(2, 500_000_000))));
        // Below a microsecond rounds up, never to 0 (= for ever); the
        // kernel keeps clock ticks (1/HZ, rounded up): one tick.
        set_timeout(&server, direction, Some(Duration::from_nanos(1))).unwrap();
        let tick = timeout(&server, direction).unwrap().expect("not for ever");
        assert!(tick > Duration::ZERO && tick <= Duration::from_millis(10), "{tick:?}");
        set_timeout(&server, direction, Some(Duration::new(0, 999_999_001))).unwrap();
        assert_eq!(timeout(&server, direction), Ok(Some(Duration::from_secs(1))));
        assert_eq!(set_timeout(&server, direction, Some(Duration::ZERO)), Err(Errno::EINVAL));
        set_timeout(&server, direction, None).unwrap();
        assert_eq!(timeout(&server, direction), Ok(None));
    }
    // Receive and send timeouts are distinct options.
    set_timeout(&server, Timeout::Recv, Some(Duration::from_millis(30))).unwrap();
    assert_eq!(timeout(&server, Timeout::Send), Ok(None));
    // A blocking receive with nothing to read gives up (a bound, not a
    // measurement: no timing is asserted).
    assert_eq!(recvfrom(&server, &mut [0u8; 4], MsgFlags::empty()).unwrap_err(), Errno::EAGAIN);
}

#[test]
fn multicast_membership_is_joined_once_and_left() {
    let sock = udp(SocketFlags::empty());
    let group = Ipv4Addr::new(239, 255, 42, 99);
    join_multicast_v4(&sock, group, Ipv4Addr::LOCALHOST).unwrap();
    // The kernel parsed the group and interface: a second join of the same
    // pair is refused, and a different group on it is not.
    assert_eq!(join_multicast_v4(&sock, group, Ipv4Addr::LOCALHOST), Err(Errno::EADDRINUSE));
    join_multicast_v4(&sock, Ipv4Addr::new(239, 255, 42, 100), Ipv4Addr::LOCALHOST).unwrap();
    leave_multicast_v4(&sock, group, Ipv4Addr::LOCALHOST).unwrap();
    assert_eq!(leave_multicast_v4(&sock, group, Ipv4Addr::LOCALHOST), Err(Errno::EADDRNOTAVAIL));
    // Not a multicast group.
    assert_eq!(join_multicast_v4(&sock, Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::LOCALHOST), Err(Errno::EINVAL));
}
