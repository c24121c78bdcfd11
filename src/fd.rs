//! Owned and borrowed file descriptors.
//!
//! The API is std's `std::os::fd`, so code moves between the two without
//! change:
//!
//! - without the `std` feature, this module defines [`OwnedFd`] (closes on
//!   drop), [`BorrowedFd`] (a `Copy` borrow with a lifetime), and the traits
//!   [`AsFd`], [`AsRawFd`], [`FromRawFd`] and [`IntoRawFd`];
//! - with `std`, it re-exports std's own, so a `std::net::TcpStream`, a
//!   `std::fs::File` or a `std::os::fd::OwnedFd` can be passed to every
//!   `bareio` function that takes `impl AsFd`.
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use bareio::fd::{AsFd, AsRawFd};
//! use bareio::sys::{pipe2, PipeFlags};
//!
//! let (reader, writer) = pipe2(PipeFlags::CLOEXEC)?;
//! let borrowed = reader.as_fd();
//! assert!(borrowed.as_raw_fd() >= 0);
//! drop(writer); // closes the write end
//! # }
//! # Ok::<(), bareio::Errno>(())
//! ```

/// A raw file descriptor number, as the kernel sees it.
pub type RawFd = i32;

#[cfg(feature = "std")]
pub use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};

#[cfg(not(feature = "std"))]
pub use self::own::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};

#[cfg(not(feature = "std"))]
mod own {
    use core::fmt;
    use core::marker::PhantomData;
    use core::mem::ManuallyDrop;

    use super::RawFd;

    /// An open file descriptor, closed when dropped.
    ///
    /// Errors from the implicit close are ignored, as std does; on Linux,
    /// call `bareio::sys::close` to see them.
    #[repr(transparent)]
    pub struct OwnedFd {
        fd: RawFd,
    }

    /// A borrowed file descriptor, valid for `'fd`.
    #[derive(Copy, Clone)]
    #[repr(transparent)]
    pub struct BorrowedFd<'fd> {
        fd: RawFd,
        _owner: PhantomData<&'fd OwnedFd>,
    }

    /// Borrows a file descriptor.
    pub trait AsFd {
        /// Borrows the file descriptor.
        fn as_fd(&self) -> BorrowedFd<'_>;
    }

    /// Gives the raw file descriptor number.
    pub trait AsRawFd {
        /// The raw number; the caller must not close it.
        fn as_raw_fd(&self) -> RawFd;
    }

    /// Takes ownership of a raw file descriptor.
    pub trait FromRawFd {
        /// Wraps `fd`.
        ///
        /// # Safety
        ///
        /// `fd` must be open and owned by nobody else: it will be closed
        /// when the result is dropped.
        unsafe fn from_raw_fd(fd: RawFd) -> Self;
    }

    /// Gives up ownership of a file descriptor.
    pub trait IntoRawFd {
        /// The raw number; the caller becomes responsible for closing it.
        fn into_raw_fd(self) -> RawFd;
    }

    impl BorrowedFd<'_> {
        /// Borrows a raw file descriptor.
        ///
        /// # Safety
        ///
        /// `fd` must stay open for the returned lifetime, and must not be -1.
        #[inline]
        pub const unsafe fn borrow_raw(fd: RawFd) -> Self {
            Self { fd, _owner: PhantomData }
        }
    }

    impl Drop for OwnedFd {
        #[inline]
        fn drop(&mut self) {
            #[cfg(target_os = "linux")]
            crate::sys::close_raw_ignoring_errors(self.fd);
            #[cfg(any(target_os = "freebsd", target_os = "macos", target_os = "dragonfly"))]
            crate::libc_sys::close_raw_ignoring_errors(self.fd);
        }
    }

    impl AsFd for OwnedFd {
        #[inline]
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: `self` owns the fd and keeps it open while borrowed.
            unsafe { BorrowedFd::borrow_raw(self.fd) }
        }
    }

    impl AsFd for BorrowedFd<'_> {
        #[inline]
        fn as_fd(&self) -> BorrowedFd<'_> {
            *self
        }
    }

    impl<T: AsFd + ?Sized> AsFd for &T {
        #[inline]
        fn as_fd(&self) -> BorrowedFd<'_> {
            T::as_fd(self)
        }
    }

    impl<T: AsFd + ?Sized> AsFd for &mut T {
        #[inline]
        fn as_fd(&self) -> BorrowedFd<'_> {
            T::as_fd(self)
        }
    }

    impl AsRawFd for OwnedFd {
        #[inline]
        fn as_raw_fd(&self) -> RawFd {
            self.fd
        }
    }

    impl AsRawFd for BorrowedFd<'_> {
        #[inline]
        fn as_raw_fd(&self) -> RawFd {
            self.fd
        }
    }

    impl FromRawFd for OwnedFd {
        #[inline]
        unsafe fn from_raw_fd(fd: RawFd) -> Self {
            Self { fd }
        }
    }

    impl IntoRawFd for OwnedFd {
        #[inline]
        fn into_raw_fd(self) -> RawFd {
            ManuallyDrop::new(self).fd
        }
    }

    impl fmt::Debug for OwnedFd {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("OwnedFd").field("fd", &self.fd).finish()
        }
    }

    impl fmt::Debug for BorrowedFd<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("BorrowedFd").field("fd", &self.fd).finish()
        }
    }
}
