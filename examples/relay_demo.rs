//! The README's first command: the static relay doing its job here.
//!
//! Builds `bareio-relay` (scripts/build-relay), starts a local upstream
//! that checks every byte it receives, runs the relay between them, pushes
//! a known stream through it, and prints the throughput and the binary's
//! size. `cargo run --release --example relay_demo [MiB]` (default 1024).

// The relay is Linux-only; elsewhere this example only says so.
#![cfg_attr(not(target_os = "linux"), allow(unused))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One block of the stream; block `i` is this pattern with `i` stamped
/// into its first 8 bytes, so a lost, repeated or reordered block shows.
const BLOCK: usize = 1 << 20;

fn block(index: u64, pattern: &[u8]) -> Vec<u8> {
    let mut block = pattern.to_vec();
    block[..8].copy_from_slice(&index.to_le_bytes());
    block
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("relay_demo: bareio-relay is a Linux program");
}

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = std::env::args().nth(1).map_or(Ok(1024), |a| a.parse())?;
    let root = env!("CARGO_MANIFEST_DIR");

    println!("building the relay: scripts/build-relay");
    let out = Command::new(format!("{root}/scripts/build-relay")).stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err("scripts/build-relay failed".into());
    }
    let binary = format!("{root}/{}", String::from_utf8(out.stdout)?.lines().last().ok_or("no path")?);
    let size = std::fs::metadata(&binary)?.len();

    // xorshift bytes: not compressible, not all zeros.
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let pattern: Vec<u8> = (0..BLOCK)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();

    // The upstream: reads everything and compares it with what was sent.
    let upstream = TcpListener::bind("127.0.0.1:0")?;
    let upstream_addr = upstream.local_addr()?;
    let checker_pattern = pattern.clone();
    let checker = std::thread::spawn(move || -> std::io::Result<(u64, bool)> {
        let (mut conn, _) = upstream.accept()?;
        let mut buf = vec![0u8; BLOCK];
        let (mut received, mut intact) = (0u64, true);
        for index in 0u64.. {
            let mut filled = 0;
            while filled < BLOCK {
                match conn.read(&mut buf[filled..])? {
                    0 => break,
                    n => filled += n,
                }
            }
            received += filled as u64;
            if filled == 0 {
                break;
            }
            intact &= buf[..filled] == block(index, &checker_pattern)[..filled];
            if filled < BLOCK {
                break;
            }
        }
        Ok((received, intact))
    });

    let mut relay = Command::new(&binary)
        .args(["127.0.0.1:0", &upstream_addr.to_string()])
        .stderr(Stdio::piped())
        .spawn()?;
    let mut log = BufReader::new(relay.stderr.take().ok_or("no stderr")?);
    let mut banner = String::new();
    log.read_line(&mut banner)?;
    print!("{banner}");
    let listen =
        banner.split("listening on ").nth(1).and_then(|s| s.split(", ").next()).ok_or("no address")?;

    let mut client = TcpStream::connect(listen)?;
    let start = Instant::now();
    for index in 0..mib {
        client.write_all(&block(index, &pattern))?;
    }
    client.shutdown(Shutdown::Write)?;
    let (received, intact) = checker.join().map_err(|_| "checker panicked")??;
    let seconds = start.elapsed().as_secs_f64();

    bareio::sys::kill(relay.id() as i32, bareio::sys::SIGTERM)?;
    let status = relay.wait()?;
    let mut rest = String::new();
    log.read_to_string(&mut rest)?;
    print!("{rest}");

    let sent = mib * BLOCK as u64;
    println!(
        "relayed {} MiB client -> relay -> upstream in {seconds:.2} s: {:.0} MiB/s, {}",
        received >> 20,
        received as f64 / seconds / (1 << 20) as f64,
        if intact && received == sent { "every byte intact" } else { "DATA DAMAGED" },
    );
    println!("relay binary: {binary}\n  {size} bytes, static, no libc; exit status on SIGTERM: {status}");
    if !(intact && received == sent && status.success()) {
        return Err("the relay damaged the data or exited badly".into());
    }
    Ok(())
}
