//! With the `rt` feature, the mem functions (`memcpy` & co.) come only from
//! `bareio::main!`, in the `#![no_main]` program that has no C library: a
//! program that links libc (this test binary, built with `--features rt`)
//! must keep libc's fast ones. Before, the crate exported its byte loops
//! to every program with `rt` on: a 4 × 64 MiB copy took 123 ms instead of
//! 51 ms (the outside review's figure). Checked by reading this
//! executable's symbol table with `nm`.
//!
//! Runs only with the feature: `cargo test --features rt --test rt_link`
//! (in `.ci/run`).

#![cfg(all(feature = "rt", target_os = "linux"))]

#[test]
fn a_libc_program_with_rt_keeps_libcs_mem_functions() {
    // Make the crate part of the link, as any user of it would.
    assert!(bareio::sys::getpid() > 0);
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("nm").arg("--defined-only").arg(&exe).output().expect("run nm");
    assert!(out.status.success(), "nm failed: {}", String::from_utf8_lossy(&out.stderr));
    let symbols = String::from_utf8_lossy(&out.stdout);
    let defined: Vec<&str> = symbols
        .lines()
        .filter_map(|line| line.split_whitespace().nth(2))
        .filter(|name| ["memcpy", "memmove", "memset", "memcmp", "bcmp"].contains(name))
        .collect();
    assert!(defined.is_empty(), "this libc program defines {defined:?} itself (bareio's byte loops)");
}
