//! The relay's command line (`relay/src/options.rs` and the `addr.rs` it
//! uses, included by path as they are) against a model written here with
//! std: the same `Config` where the model accepts, `None` where it
//! refuses, and no panic on any `argv`.
//!
//! The input is `argv` after the program's name, one item per
//! NUL-separated piece. A piece whose first byte is below
//! `WORDS.len()` stands for that word (the options, addresses, numbers at
//! the edges of their ranges), so that most inputs reach the values and
//! not only the first unknown option.

#![no_main]

#[path = "../../relay/src/addr.rs"]
#[allow(dead_code)]
mod addr;
#[path = "../../relay/src/options.rs"]
#[allow(dead_code)] // USAGE
mod options;

use std::net::SocketAddr;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;

const WORDS: [&[u8]; 20] = [
    b"--max",
    b"--connect-timeout",
    b"--idle-timeout",
    b"--fin-timeout",
    b"--drain-timeout",
    b"--workers",
    b"--pipes",
    b"--quiet",
    b"127.0.0.1:8080",
    b"[::1]:9",
    b"0",
    b"1",
    b"64",
    b"65",
    b"256",
    b"257",
    b"8192",
    b"8193",
    b"99999",
    b"100000",
];

fuzz_target!(|data: &[u8]| {
    if data.len() > 512 {
        return;
    }
    let mut argv: Vec<&[u8]> = vec![b"bareio-relay"];
    argv.extend(data.split(|&b| b == 0).map(|piece| match piece {
        [w] if usize::from(*w) < WORDS.len() => WORDS[usize::from(*w)],
        _ => piece,
    }));
    let ours = options::parse(argv.iter().copied());
    let shown: Vec<_> = argv.iter().map(|arg| String::from_utf8_lossy(arg)).collect();
    match (ours, model(&argv[1..])) {
        (None, None) => {}
        (Some(c), Some(m)) => {
            let got = Model {
                listen: c.listen,
                upstream: c.upstream,
                max: c.max,
                timeouts: [c.connect_timeout, c.idle_timeout, c.fin_timeout, c.drain_timeout],
                quiet: c.quiet,
                workers: c.workers,
                pipes: c.pipes,
            };
            assert_eq!(got, m, "{shown:?}");
            assert_eq!(c.supervisor, 0);
        }
        (ours, model) => panic!(
            "parse {} and the model {}: {shown:?}",
            if ours.is_some() { "accepted" } else { "refused" },
            if model.is_some() { "accepted" } else { "refused" },
        ),
    }
});

#[derive(Debug, PartialEq)]
struct Model {
    listen: SocketAddr,
    upstream: SocketAddr,
    max: usize,
    /// connect, idle, fin, drain.
    timeouts: [Duration; 4],
    quiet: bool,
    workers: usize,
    pipes: usize,
}

/// What the README's relay section and `USAGE` promise, written
/// independently: two addresses (their parser is `relay_addr`'s
/// subject), then options in any order, each known, each number 1 to 5
/// decimal digits, the last one given counting; `--max` 1 to CAPACITY,
/// `--workers` at most MAX_WORKERS, `--pipes` at most POOL; a timeout of
/// 0 is none (`Duration::MAX`) but for the drain's, which is 0 s.
fn model(args: &[&[u8]]) -> Option<Model> {
    let [listen, upstream, rest @ ..] = args else { return None };
    let mut m = Model {
        listen: addr::parse(listen)?,
        upstream: addr::parse(upstream)?,
        max: options::CAPACITY,
        timeouts: [10, 600, 60, 10].map(Duration::from_secs),
        quiet: false,
        workers: 1,
        pipes: options::POOL,
    };
    let mut rest = rest.iter();
    while let Some(&name) = rest.next() {
        let name = std::str::from_utf8(name).ok()?;
        if name == "--quiet" {
            m.quiet = true;
            continue;
        }
        let value = rest.next()?;
        if value.is_empty() || value.len() > 5 || !value.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n: u64 = std::str::from_utf8(value).ok()?.parse().ok()?;
        let timeout = if n == 0 { Duration::MAX } else { Duration::from_secs(n) };
        match name {
            "--max" => m.max = n as usize,
            "--connect-timeout" => m.timeouts[0] = timeout,
            "--idle-timeout" => m.timeouts[1] = timeout,
            "--fin-timeout" => m.timeouts[2] = timeout,
            "--drain-timeout" => m.timeouts[3] = Duration::from_secs(n),
            "--workers" => m.workers = n as usize,
            "--pipes" => m.pipes = n as usize,
            _ => return None,
        }
    }
    let ok = (1..=options::CAPACITY).contains(&m.max)
        && m.workers <= options::MAX_WORKERS
        && m.pipes <= options::POOL;
    ok.then_some(m)
}
