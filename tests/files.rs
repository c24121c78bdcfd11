//! File I/O at 64-bit offsets and descriptor duplication, through the
//! crate's own syscalls.
//!
//! `pread64` above 4 GiB in a sparse file is the test that proves each
//! architecture's convention for a 64-bit argument (`U64_ARG` in its
//! table): one register on the 64-bit ABIs, a pair on i386, an
//! even-aligned pair on arm EABI and mips o32, halves in memory order.
//! A dropped high half lands 4 GiB lower (and reads zeros there), swapped
//! halves are far beyond any file (`EINVAL`/`EFBIG`), a missing pad
//! shifts every argument.

#![cfg(target_os = "linux")]

mod support;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicUsize, Ordering};

use bareio::fd::{AsRawFd, OwnedFd};
use bareio::sys::*;
use bareio::Errno;

/// A new empty file in the temporary directory, removed on drop.
struct TempFile {
    path: std::path::PathBuf,
    fd: OwnedFd,
}

impl TempFile {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("bareio-files-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        std::fs::File::create(&path).unwrap();
        let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
        let fd = open(&c_path, Access::ReadWrite, OFlags::CLOEXEC).unwrap();
        Self { path, fd }
    }

    fn len(&self) -> u64 {
        std::fs::metadata(&self.path).unwrap().len()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// 5 GiB and a bit: both halves non-zero, the low half alone is a valid,
/// different offset.
const HIGH: u64 = (5 << 30) + 0x1234;
const LOW_HALF: u64 = HIGH & 0xffff_ffff;

#[test]
fn pread64_and_pwrite64_above_4_gib_in_a_sparse_file() {
    let file = TempFile::new();
    assert_eq!(pwrite(&file.fd, b"above 4 GiB", HIGH), Ok(11));
    assert_eq!(file.len(), HIGH + 11, "the file ends where the write did");
    let mut buf = [0xffu8; 16];
    assert_eq!(pread(&file.fd, &mut buf, HIGH), Ok(11));
    assert_eq!(&buf[..11], b"above 4 GiB");
    // 4 GiB lower is the hole: zeros, not the bytes.
    let mut low = [0xffu8; 11];
    assert_eq!(pread(&file.fd, &mut low, LOW_HALF), Ok(11));
    assert_eq!(low, [0; 11]);
    // Partial reads at the end, and end of file.
    assert_eq!(pread(&file.fd, &mut buf, HIGH + 6), Ok(5));
    assert_eq!(&buf[..5], b"4 GiB");
    assert_eq!(pread(&file.fd, &mut buf, HIGH + 11), Ok(0));
    assert_eq!(pread(&file.fd, &mut buf, u64::MAX >> 2), Ok(0), "far past the end");
    // The file position never moved: a plain read starts at 0.
    assert_eq!(read(&file.fd, &mut buf[..4]), Ok(4));
    assert_eq!(&buf[..4], &[0; 4]);
    // Offsets that are negative as a `loff_t`.
    assert_eq!(pread(&file.fd, &mut buf, 1 << 63), Err(Errno::EINVAL));
    assert_eq!(pwrite(&file.fd, b"x", u64::MAX), Err(Errno::EINVAL));
}

#[test]
fn ftruncate64_cuts_and_extends_beyond_4_gib() {
    let file = TempFile::new();
    pwrite(&file.fd, b"above 4 GiB", HIGH).unwrap();
    ftruncate(&file.fd, HIGH + 5).unwrap();
    assert_eq!(file.len(), HIGH + 5);
    let mut buf = [0u8; 16];
    assert_eq!(pread(&file.fd, &mut buf, HIGH), Ok(5));
    assert_eq!(&buf[..5], b"above");
    // Extend with a hole to 6 GiB (not 2 GiB: the high half counts).
    ftruncate(&file.fd, 6 << 30).unwrap();
    assert_eq!(file.len(), 6 << 30);
    assert_eq!(pread(&file.fd, &mut buf, (6 << 30) - 1), Ok(1));
    ftruncate(&file.fd, 0).unwrap();
    assert_eq!(file.len(), 0);
    assert_eq!(ftruncate(&file.fd, 1 << 63), Err(Errno::EINVAL));
}

#[test]
fn open_sets_this_architectures_o_largefile() {
    // 32-bit ABIs: `open` passed it (without it, the writes above 4 GiB
    // fail with EFBIG); 64-bit: the kernel forced it, with its own value,
    // which must be the table's.
    if support::qemu_user() {
        // qemu 7.2 reports its host's value on aarch64 (0x8000, not the
        // arm64 kernel's 0o400000): the real kernels of kernel-test say.
        eprintln!("skipped under qemu-user: it does not translate O_LARGEFILE for every target");
        return;
    }
    let file = TempFile::new();
    let flags = fcntl_getfl(&file.fd).unwrap();
    assert!(
        flags.contains(OFlags::LARGEFILE),
        "{flags:?}, table O_LARGEFILE {:#x}",
        OFlags::LARGEFILE.bits()
    );
}

#[test]
fn positional_io_needs_a_seekable_file() {
    let (r, w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    assert_eq!(pwrite(&w, b"x", 0), Err(Errno::ESPIPE));
    assert_eq!(pread(&r, &mut [0u8; 1], 0), Err(Errno::ESPIPE));
    assert_eq!(ftruncate(&w, 0), Err(Errno::EINVAL));
}

#[test]
fn dup_shares_the_open_file_without_cloexec() {
    let (r, w) = pipe2(PipeFlags::CLOEXEC).unwrap();
    let copy = dup(&w).unwrap();
    assert_ne!(copy.as_raw_fd(), w.as_raw_fd());
    assert!(!fcntl_getfd(&copy).unwrap().contains(FdFlags::CLOEXEC), "dup clears FD_CLOEXEC");
    // Status flags belong to the open file: set on one, seen on the other.
    set_nonblocking(&copy, true).unwrap();
    assert!(fcntl_getfl(&w).unwrap().contains(OFlags::NONBLOCK));
    drop(w);
    write(&copy, b"d").unwrap();
    assert_eq!(read(&r, &mut [0u8; 2]), Ok(1));
    drop(copy);
    assert_eq!(read(&r, &mut [0u8; 2]), Ok(0), "every write end closed");
}

#[test]
fn fcntl_dupfd_cloexec_picks_a_number_at_least_min() {
    let (r, _w) = pipe2(PipeFlags::empty()).unwrap();
    let copy = fcntl_dupfd_cloexec(&r, 200).unwrap();
    assert!(copy.as_raw_fd() >= 200);
    assert!(fcntl_getfd(&copy).unwrap().contains(FdFlags::CLOEXEC));
    assert_eq!(fcntl_dupfd_cloexec(&r, -1).unwrap_err(), Errno::EINVAL);
}

#[test]
fn dup3_replaces_the_file_behind_a_number() {
    let (r1, w1) = pipe2(PipeFlags::CLOEXEC).unwrap();
    let (mut r2, w2) = pipe2(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap();
    let number = r2.as_raw_fd();
    dup3(&r1, &mut r2, DupFlags::empty()).unwrap();
    assert_eq!(r2.as_raw_fd(), number, "the same number");
    assert!(!fcntl_getfd(&r2).unwrap().contains(FdFlags::CLOEXEC));
    assert!(!fcntl_getfl(&r2).unwrap().contains(OFlags::NONBLOCK), "now r1's file, blocking");
    write(&w1, b"1").unwrap();
    assert_eq!(read(&r2, &mut [0u8; 1]), Ok(1));
    // The pipe r2 had is closed: its writer has no reader left.
    assert_eq!(write(&w2, b"2"), Err(Errno::EPIPE));
    dup3(&r1, &mut r2, DupFlags::CLOEXEC).unwrap();
    assert!(fcntl_getfd(&r2).unwrap().contains(FdFlags::CLOEXEC));
    // The same number on both sides.
    let same = r2.as_raw_fd();
    // SAFETY: only borrowed for the call; `r2` stays the owner.
    let borrowed = unsafe { bareio::fd::BorrowedFd::borrow_raw(same) };
    assert_eq!(dup3(borrowed, &mut r2, DupFlags::empty()), Err(Errno::EINVAL));
}
