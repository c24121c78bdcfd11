//! Parsing `a.b.c.d:port` and `[v6]:port` without `core::net`'s parser,
//! which is ~3 KiB of code (a fifth of the binary).

use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Parses `1.2.3.4:80` or `[::1]:80` (IPv6 in hex groups, one `::`
/// allowed; no embedded IPv4 form, no scope id).
pub fn parse(arg: &[u8]) -> Option<SocketAddr> {
    if let Some(rest) = arg.strip_prefix(b"[") {
        let close = rest.iter().position(|&b| b == b']')?;
        let port = rest[close + 1..].strip_prefix(b":")?;
        let ip = ipv6(&rest[..close])?;
        Some(SocketAddr::V6(SocketAddrV6::new(ip, number(port, 10, u16::MAX.into())? as u16, 0, 0)))
    } else {
        let colon = arg.iter().rposition(|&b| b == b':')?;
        let mut octets = [0u8; 4];
        let mut parts = arg[..colon].split(|&b| b == b'.');
        for octet in &mut octets {
            *octet = number(parts.next()?, 10, 255)? as u8;
        }
        if parts.next().is_some() {
            return None;
        }
        let port = number(&arg[colon + 1..], 10, u16::MAX.into())? as u16;
        Some(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(octets), port)))
    }
}

/// A number of 1 to 5 digits in `radix` (10 or 16), at most `max`.
pub fn number(digits: &[u8], radix: u32, max: u32) -> Option<u32> {
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let mut value = 0u32;
    for &d in digits {
        value = value * radix + char::from(d).to_digit(radix)?;
    }
    (value <= max).then_some(value)
}

/// Eight hex groups separated by `:`, or fewer around one `::`.
fn ipv6(text: &[u8]) -> Option<Ipv6Addr> {
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (front, back) = match text.windows(2).position(|w| w == b"::") {
        Some(at) => (&text[..at], Some(&text[at + 2..])),
        None => (text, None),
    };
    let n_head = groups(front, &mut head)?;
    let n_tail = match back {
        Some(back) => groups(back, &mut tail)?,
        None if n_head == 8 => 0,
        None => return None,
    };
    if n_head + n_tail > if back.is_some() { 7 } else { 8 } {
        return None;
    }
    head[8 - n_tail..].copy_from_slice(&tail[..n_tail]);
    Some(Ipv6Addr::from(head))
}

/// Parses `:`-separated hex groups into `out`; empty text is no groups.
fn groups(text: &[u8], out: &mut [u16; 8]) -> Option<usize> {
    if text.is_empty() {
        return Some(0);
    }
    let mut n = 0;
    for group in text.split(|&b| b == b':') {
        *out.get_mut(n)? = number(group, 16, 0xffff)? as u16;
        n += 1;
    }
    Some(n)
}
