//! Log lines without `core::fmt`: a fixed buffer written with one
//! `write(2)` to a non-blocking standard error, so concurrent lines never
//! interleave, a stalled reader never stops the relay (a line that does not
//! fit is dropped and counted), and the formatting machinery (several KiB)
//! stays out of the binary.

use core::net::SocketAddr;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;

use bareio::sys::{self, OFlags};
use bareio::Errno;

use crate::errno_names;

/// Lines dropped because standard error was full (or gone).
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Makes standard error non-blocking, returning its flags before, to be
/// put back at exit ([`restore_stderr`]): a terminal or pipe is shared
/// with the processes that started the relay.
pub fn nonblocking_stderr() -> Option<OFlags> {
    let stderr = bareio::rt::stderr();
    let flags = sys::fcntl_getfl(stderr).ok()?;
    sys::fcntl_setfl(stderr, flags | OFlags::NONBLOCK).ok()?;
    Some(flags)
}

/// Puts back the flags [`nonblocking_stderr`] found.
pub fn restore_stderr(flags: Option<OFlags>) {
    if let Some(flags) = flags {
        let _ = sys::fcntl_setfl(bareio::rt::stderr(), flags);
    }
}

/// Lines dropped so far.
pub fn dropped() -> usize {
    DROPPED.load(Ordering::Relaxed)
}

/// A value for a `%` in a log line's template.
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    /// In decimal.
    Num(u64),
    /// As seconds with milliseconds: `12.345 s`.
    Secs(Duration),
    /// `1.2.3.4:80`, or `[0:0:0:0:0:0:0:1]:80` (IPv6 groups in hex,
    /// uncompressed).
    Addr(&'a SocketAddr),
    /// By name (`ECONNREFUSED`), or `errno N` for the unnamed ones.
    Errno(Errno),
    Text(&'a [u8]),
    /// A template of its own, with its values.
    Template(&'a [u8], &'a [Arg<'a>]),
}

/// Writes `bareio-relay: `, then `template` with each `%` replaced by the
/// next of `args` (a `%` past the last is dropped), then a newline, to
/// standard error in one `write`. A line that does not fit (a full pipe
/// nobody reads, `EAGAIN`) or cannot be written is dropped and counted,
/// never waited for.
///
/// One template and one call per line, not a call per piece: the relay
/// logs from about thirty places, and each piece of text cost a call.
pub fn log(template: &[u8], args: &[Arg<'_>]) {
    let mut line = Line { buf: [0; 240], len: 0 };
    line.text(b"bareio-relay: ").template(template, args).end();
}

/// One line being built; longer text is cut, never overflowed.
struct Line {
    buf: [u8; 240],
    len: usize,
}

impl Line {
    fn template(&mut self, template: &[u8], args: &[Arg<'_>]) -> &mut Self {
        let mut args = args.iter();
        for (i, piece) in template.split(|&b| b == b'%').enumerate() {
            if i > 0 {
                match args.next() {
                    Some(Arg::Num(n)) => self.num(*n),
                    Some(Arg::Secs(d)) => self.secs(*d),
                    Some(Arg::Addr(addr)) => self.addr(addr),
                    Some(Arg::Errno(errno)) => self.errno(*errno),
                    Some(Arg::Text(text)) => self.text(text),
                    Some(Arg::Template(template, args)) => self.template(template, args),
                    None => self,
                };
            }
            self.text(piece);
        }
        self
    }

    fn text(&mut self, text: &[u8]) -> &mut Self {
        let n = text.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&text[..n]);
        self.len += n;
        self
    }

    fn num(&mut self, mut value: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.text(&digits[at..])
    }

    fn secs(&mut self, d: Duration) -> &mut Self {
        let millis = d.subsec_millis();
        self.num(d.as_secs()).text(b".");
        self.text(&[
            b'0' + (millis / 100) as u8,
            b'0' + (millis / 10 % 10) as u8,
            b'0' + (millis % 10) as u8,
        ]);
        self.text(b" s")
    }

    fn addr(&mut self, addr: &SocketAddr) -> &mut Self {
        match addr {
            SocketAddr::V4(a) => {
                for (i, octet) in a.ip().octets().iter().enumerate() {
                    if i > 0 {
                        self.text(b".");
                    }
                    self.num(u64::from(*octet));
                }
            }
            SocketAddr::V6(a) => {
                self.text(b"[");
                for (i, group) in a.ip().octets().chunks_exact(2).enumerate() {
                    if i > 0 {
                        self.text(b":");
                    }
                    self.hex(u16::from(group[0]) << 8 | u16::from(group[1]));
                }
                self.text(b"]");
            }
        }
        self.text(b":").num(u64::from(addr.port()))
    }

    fn errno(&mut self, errno: Errno) -> &mut Self {
        match errno_names::name(errno) {
            Some(name) => self.text(name),
            None => self.text(b"errno ").num(errno.raw() as u64),
        }
    }

    fn hex(&mut self, value: u16) -> &mut Self {
        // The digits from the highest that is not 0 (the last one always).
        let digits = (16 - (value | 1).leading_zeros()).div_ceil(4);
        for at in (0..digits).rev() {
            self.text(&[b"0123456789abcdef"[usize::from(value >> (4 * at) & 0xf)]]);
        }
        self
    }

    fn end(&mut self) {
        if self.len == self.buf.len() {
            self.len -= 1;
        }
        self.buf[self.len] = b'\n';
        match sys::write(bareio::rt::stderr(), &self.buf[..=self.len]) {
            Ok(n) if n == self.len + 1 => {}
            _ => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
