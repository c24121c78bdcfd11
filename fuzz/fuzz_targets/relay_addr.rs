//! The relay's address parser (`relay/src/addr.rs`, included by path as it
//! is) against std's `SocketAddr` parser, on the input as text, and on
//! addresses written out from the input (every IPv6 one in its full eight
//! groups, and in std's compressed `::` form where that has no dotted
//! IPv4 part).
//!
//! What they must agree on: where both parse, the same address; where
//! only std parses, the text uses what `addr.rs` documents it leaves out
//! (a dotted IPv4 part or a `%` scope id in IPv6, or a number of more than
//! five digits); where only `addr.rs` parses, the text has a number with a
//! leading zero (which std refuses in IPv4 octets and beyond four digits
//! in IPv6 groups). And nothing panics.

#![no_main]

#[path = "../../relay/src/addr.rs"]
#[allow(dead_code)]
mod addr;

use std::net::{Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((0, rest)) if rest.len() >= 18 => written_out(rest),
        _ => as_text(data),
    }
});

/// The input itself, as the relay's command line would give it.
fn as_text(text: &[u8]) {
    if text.len() > 64 {
        return; // the longest address is 47 bytes
    }
    let ours = addr::parse(text);
    let std = std::str::from_utf8(text).ok().and_then(|s| SocketAddr::from_str(s).ok());
    match (ours, std) {
        (Some(a), Some(b)) => assert_eq!(a, b, "{:?}", String::from_utf8_lossy(text)),
        (None, Some(b)) => assert!(
            left_out(text),
            "std parses {:?} as {b}, addr.rs refuses it",
            String::from_utf8_lossy(text)
        ),
        (Some(a), None) => assert!(
            leading_zero(text),
            "addr.rs parses {:?} as {a}, std refuses it",
            String::from_utf8_lossy(text)
        ),
        (None, None) => {}
    }
}

/// What `addr.rs` documents that it does not take: an IPv6 address with a
/// dotted IPv4 part or a scope id, or a number of more than five digits.
fn left_out(text: &[u8]) -> bool {
    let in_brackets = text.starts_with(b"[") && text.iter().any(|&b| b == b'.' || b == b'%');
    in_brackets || runs(text).any(|run| run.len() > 5)
}

/// Whether a number of `text` (a run of hex digits) starts with a 0 and
/// has another digit after it.
fn leading_zero(text: &[u8]) -> bool {
    runs(text).any(|run| run.len() > 1 && run[0] == b'0')
}

/// The runs of hex digits of `text`.
fn runs(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|b| !b.is_ascii_hexdigit()).filter(|run| !run.is_empty())
}

/// An address from the input's bytes, written out and parsed back.
fn written_out(bytes: &[u8]) {
    let port = u16::from_le_bytes([bytes[0], bytes[1]]);
    let v6: [u8; 16] = bytes[2..18].try_into().unwrap();
    let v4 = SocketAddr::V4(SocketAddrV4::new([v6[0], v6[1], v6[2], v6[3]].into(), port));
    let text = v4.to_string();
    assert_eq!(addr::parse(text.as_bytes()), Some(v4), "{text}");

    let ip = Ipv6Addr::from(v6);
    let v6 = SocketAddr::V6(SocketAddrV6::new(ip, port, 0, 0));
    let g = ip.segments();
    let full = format!(
        "[{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}]:{port}",
        g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]
    );
    assert_eq!(addr::parse(full.as_bytes()), Some(v6), "{full}");
    let short = v6.to_string(); // std's compressed form
    if !short.contains('.') {
        assert_eq!(addr::parse(short.as_bytes()), Some(v6), "{short}");
    }
}
