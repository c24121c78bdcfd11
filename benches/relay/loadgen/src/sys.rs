//! The few system calls std does not offer: epoll, a nonblocking connect,
//! a listener with a chosen backlog, the open-file limit and the clock tick.
//! Every `unsafe` block of the crate is here.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Readiness bits (`EPOLLIN` …) as epoll reports them.
pub const READABLE: u32 = libc::EPOLLIN as u32;
/// The peer ended its output, hung up, or the socket has an error.
pub const HANGUP: u32 = (libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32;
/// Edge-triggered, read and write, peer hang-up: every registration here.
const EDGE_BOTH: u32 = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32;

/// Fails with the calling thread's errno when `ret` is -1.
fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// An epoll instance.
pub struct Epoll {
    fd: OwnedFd,
}

/// One reported event: its token and readiness bits.
#[derive(Clone, Copy)]
pub struct Ready {
    pub token: u64,
    pub bits: u32,
}

impl Epoll {
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: no pointer arguments; a returned fd is owned by us alone.
        let fd = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` was just created and is not owned elsewhere.
        Ok(Epoll { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, token: u64, bits: u32) -> io::Result<()> {
        let mut event = libc::epoll_event { events: bits, u64: token };
        // SAFETY: `event` is a valid epoll_event for the duration of the call.
        check(unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut event) }).map(drop)
    }

    /// Registers `fd` edge-triggered for reading, writing and hang-up.
    pub fn add(&self, fd: &impl AsRawFd, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd.as_raw_fd(), token, EDGE_BOTH)
    }

    /// Registers a listener level-triggered for reading.
    pub fn add_listener(&self, fd: &impl AsRawFd, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd.as_raw_fd(), token, READABLE)
    }

    /// Waits up to `timeout_ms` and fills `out` with what is ready.
    pub fn wait(&self, out: &mut Vec<Ready>, timeout_ms: i32) -> io::Result<()> {
        const MAX: usize = 256;
        let mut raw = [libc::epoll_event { events: 0, u64: 0 }; MAX];
        out.clear();
        // SAFETY: `raw` holds MAX writable epoll_events.
        let n = match check(unsafe {
            libc::epoll_wait(self.fd.as_raw_fd(), raw.as_mut_ptr(), MAX as i32, timeout_ms)
        }) {
            Ok(n) => n as usize,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        out.extend(raw[..n].iter().map(|e| Ready { token: e.u64, bits: e.events }));
        Ok(())
    }
}

/// The sockaddr of `addr` and its length.
fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from(*a.ip()).to_be() },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// A nonblocking, close-on-exec TCP socket of `addr`'s family.
fn tcp_socket(addr: &SocketAddr) -> io::Result<OwnedFd> {
    let family = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: no pointer arguments; a returned fd is owned by us alone.
    let fd = check(unsafe { libc::socket(family, kind, 0) })?;
    // SAFETY: `fd` was just created and is not owned elsewhere.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Starts a nonblocking connect to `addr` with `TCP_NODELAY` set; the
/// connection is complete when the socket turns writable
/// ([`TcpStream::take_error`] then says how it went).
pub fn connect(addr: &SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::from(tcp_socket(addr)?);
    stream.set_nodelay(true)?;
    let (storage, len) = sockaddr(addr);
    // SAFETY: `storage` holds a valid sockaddr of `len` bytes.
    match check(unsafe {
        libc::connect(stream.as_raw_fd(), &storage as *const _ as *const libc::sockaddr, len)
    }) {
        Ok(_) => Ok(stream),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(stream),
        Err(e) => Err(e),
    }
}

/// A nonblocking listener on `addr` (`SO_REUSEADDR`) with a backlog of
/// `backlog` (std's is 128: too short for thousands of connections at once).
pub fn listen(addr: &SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let listener = TcpListener::from(tcp_socket(addr)?);
    let one: libc::c_int = 1;
    // SAFETY: `one` is a c_int that outlives the call.
    check(unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            &one as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })?;
    let (storage, len) = sockaddr(addr);
    // SAFETY: `storage` holds a valid sockaddr of `len` bytes.
    check(unsafe { libc::bind(listener.as_raw_fd(), &storage as *const _ as *const libc::sockaddr, len) })?;
    // SAFETY: no pointer arguments.
    check(unsafe { libc::listen(listener.as_raw_fd(), backlog) })?;
    Ok(listener)
}

/// Raises the soft open-file limit to the hard one; returns the new soft limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `limit` is a writable rlimit.
    check(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) })?;
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: `limit` is a valid rlimit.
    check(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) })?;
    Ok(limit.rlim_cur)
}

/// Clock ticks per second of `/proc/PID/stat`'s times.
pub fn clock_ticks() -> u64 {
    // SAFETY: sysconf takes no pointers.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as u64
    } else {
        100
    }
}

/// User plus system CPU seconds of this process so far (all its threads).
pub fn own_cpu_seconds() -> f64 {
    // SAFETY: an all-zero rusage is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a writable rusage.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
