//! `mmap`: zeroed memory for programs without an allocator.

use crate::arch::current::{MAP_ANONYMOUS, MAP_NORESERVE, MMAP_ARGS_IN_MEMORY};
use crate::Errno;

/// `PROT_READ | PROT_WRITE` and `MAP_PRIVATE`: the same on every
/// architecture.
const PROT_READ_WRITE: usize = 0x3;
const MAP_PRIVATE: u32 = 0x2;

/// Maps `len` bytes of zeroed, private, read-write memory that is never
/// unmapped, and returns it (`mmap(NULL, len, PROT_READ | PROT_WRITE,
/// MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)`).
///
/// This is a large `.bss` sized at run time: the pages cost memory only
/// once written, and `MAP_NORESERVE` keeps the kernel from charging the
/// whole length up front, so a mapping larger than the machine's memory
/// succeeds under the default overcommit policy (a `.bss` that large makes
/// `execve` fail with `ENOMEM`: a 512 MiB one on a 256 MiB machine does).
/// With `vm.overcommit_memory = 2` the kernel charges it anyway and may
/// answer `ENOMEM`. As with any overcommitted memory, a page first written
/// when the machine has none left gets the process killed (the OOM killer),
/// so size it by what the program will really use at most.
///
/// `EINVAL` for a `len` of 0; `ENOMEM` when the address space is short.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// let buffers = bareio::sys::mmap_anonymous(1 << 30)?; // 1 GiB of address space
/// assert!(buffers.iter().step_by(4096).all(|&b| b == 0));
/// buffers[12345] = 7; // one page of memory
/// # }
/// # Ok::<(), bareio::Errno>(())
/// ```
pub fn mmap_anonymous(len: usize) -> Result<&'static mut [u8], Errno> {
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let flags = (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE) as usize;
    let args = [0, len, PROT_READ_WRITE, flags, super::int_arg(-1), 0];
    let ret = if MMAP_ARGS_IN_MEMORY {
        // SAFETY: `old_mmap` reads its six arguments from `args`, which
        // lives across the call; an anonymous mapping at an address the
        // kernel picks touches no existing memory.
        unsafe { syscall!(SYS_MMAP, args.as_ptr() as usize) }
    } else {
        // SAFETY: as above, with the arguments in registers (an offset of
        // 0 is the same in bytes and in pages, for `mmap2`).
        unsafe { syscall!(SYS_MMAP, args[0], args[1], args[2], args[3], args[4], args[5]) }
    };
    let addr = Errno::from_ret(ret)?;
    // SAFETY: the kernel mapped `len` readable, writable, zeroed bytes at
    // `addr`, which nothing else refers to; the mapping is never unmapped,
    // so the only reference to it may live for `'static`.
    Ok(unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len) })
}
