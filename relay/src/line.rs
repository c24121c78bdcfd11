//! Log lines without `core::fmt`: a fixed buffer written with one
//! `write(2)`, so concurrent lines never interleave and the formatting
//! machinery (several KiB) stays out of the binary.

use core::net::SocketAddr;

use bareio::fd::BorrowedFd;
use bareio::Errno;

/// One line being built; longer text is cut, never overflowed.
pub struct Line {
    buf: [u8; 200],
    len: usize,
}

impl Line {
    /// A line starting with the program's name.
    pub fn new() -> Self {
        let mut line = Self { buf: [0; 200], len: 0 };
        line.text(b"bareio-relay: ");
        line
    }

    /// Appends bytes.
    pub fn text(&mut self, text: &[u8]) -> &mut Self {
        let n = text.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&text[..n]);
        self.len += n;
        self
    }

    /// Appends a number in decimal.
    pub fn num(&mut self, mut value: u64) -> &mut Self {
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

    /// Appends an address: `1.2.3.4:80`, or `[0:0:0:0:0:0:0:1]:80`
    /// (IPv6 groups in hex, uncompressed).
    pub fn addr(&mut self, addr: &SocketAddr) -> &mut Self {
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
                for (i, group) in a.ip().segments().iter().enumerate() {
                    if i > 0 {
                        self.text(b":");
                    }
                    self.hex(*group);
                }
                self.text(b"]");
            }
        }
        self.text(b":").num(u64::from(addr.port()))
    }

    /// Appends an errno by name (`ECONNREFUSED`), or its number.
    pub fn errno(&mut self, errno: Errno) -> &mut Self {
        match errno.name() {
            Some(name) => self.text(name.as_bytes()),
            None => self.text(b"errno ").num(errno.raw() as u64),
        }
    }

    fn hex(&mut self, value: u16) -> &mut Self {
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let digit = (value >> shift) & 0xf;
            if digit != 0 || started || shift == 0 {
                started = true;
                self.text(&[b"0123456789abcdef"[usize::from(digit)]]);
            }
        }
        self
    }

    /// Writes the line and a newline to `fd` (errors ignored: a log line is
    /// not worth failing for).
    pub fn write_to(&mut self, fd: BorrowedFd<'_>) {
        if self.len == self.buf.len() {
            self.len -= 1;
        }
        self.buf[self.len] = b'\n';
        let _ = bareio::sys::write(fd, &self.buf[..=self.len]);
    }

    /// Writes the line to standard error.
    pub fn log(&mut self) {
        self.write_to(bareio::rt::stderr());
    }
}
