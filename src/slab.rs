//! Fixed-capacity slot storage: [`Slab`], values addressed by a small
//! integer key (a connection's slot index), no allocation.
//!
//! Made for large static tables (thousands of connections of a few KiB
//! each): `Slab::new()` is all zero bytes, so a `static` holding it lands in
//! `.bss` (see [`crate::cell::StaticCell`]), and a slot's memory is first
//! written when a value is first put there. Slots are handed out from a
//! free list of released slots first (most recently released first: its
//! pages are warm) and only then from above a high-water mark, so the
//! memory a program touches is that of the most slots it held at once, not
//! the capacity.
//!
//! ```
//! use bareio::slab::Slab;
//!
//! let mut conns = Slab::<[u8; 16], 1024>::new();
//! let a = conns.insert([1; 16]).unwrap();
//! let b = conns.insert([2; 16]).unwrap();
//! assert_eq!((a, b), (0, 1));
//! conns.get_mut(a).unwrap()[0] = 9;
//! assert_eq!(conns.remove(a).map(|v| v[0]), Some(9));
//! assert_eq!(conns.insert([3; 16]), Ok(a)); // the released slot again
//! assert_eq!(conns.high_water_mark(), 2); // slots 2.. never touched
//! ```

use core::fmt;
use core::mem::MaybeUninit;

/// `links` value of an occupied slot (vacant ones hold the next free slot
/// plus one, or 0 at the end of the free list).
const OCCUPIED: u32 = u32::MAX;

/// Up to `N` values of type `T`, each at a key in `0..N` that stays the same
/// until it is removed.
///
/// `insert` gives back the value when the slab is full; lookups of keys
/// out of range or vacant are `None`; nothing panics. Dropping the slab
/// drops the values it holds. `N` must be below `u32::MAX` (checked when
/// the program is built).
///
/// Slots at or above [`high_water_mark`](Slab::high_water_mark) have never
/// been written or read.
///
/// ```
/// use bareio::slab::Slab;
///
/// let mut slab = Slab::<&str, 2>::new();
/// assert_eq!(slab.insert("a"), Ok(0));
/// assert_eq!(slab.insert("b"), Ok(1));
/// assert_eq!(slab.insert("c"), Err("c")); // full: the value comes back
/// assert_eq!(slab.get(1), Some(&"b"));
/// assert_eq!(slab.get(7), None);
/// assert_eq!(slab.iter().collect::<Vec<_>>(), [(0, &"a"), (1, &"b")]);
/// ```
pub struct Slab<T, const N: usize> {
    /// The values; `values[i]` is initialised exactly when `i < high` and
    /// `links[i] == OCCUPIED`.
    values: [MaybeUninit<T>; N],
    /// For `i < high`: `OCCUPIED`, or (vacant) the next free slot plus one,
    /// 0 ending the free list. Above `high`: never read or written.
    links: [u32; N],
    /// The first free slot plus one; 0 when the free list is empty.
    free: u32,
    /// Slots `0..high` have been used; the rest never.
    high: u32,
    /// Occupied slots.
    len: u32,
}

impl<T, const N: usize> Slab<T, N> {
    /// Keys plus one and `OCCUPIED` must be distinct `u32` values.
    const N_FITS_U32: () = assert!(N < u32::MAX as usize, "Slab<T, N>: N must be below u32::MAX");

    /// An empty slab. All zero bytes: in a `static` it takes no file space
    /// and no memory until used. (On the stack it is `N` slots big: keep
    /// large ones in a `static`.)
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)] // evaluates the build-time check
        let () = Self::N_FITS_U32;
        Self { values: [const { MaybeUninit::zeroed() }; N], links: [0; N], free: 0, high: 0, len: 0 }
    }

    /// The number of slots, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Occupied slots.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether no slot is occupied.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether every slot is occupied.
    pub const fn is_full(&self) -> bool {
        self.len as usize == N
    }

    /// How many slots have ever been used: `0..high_water_mark()` (the
    /// memory the slab has touched); the others were never written.
    pub const fn high_water_mark(&self) -> usize {
        self.high as usize
    }

    /// The key the next [`insert`](Slab::insert) will use, `None` if full.
    ///
    /// ```
    /// let mut slab = bareio::slab::Slab::<u8, 4>::new();
    /// let key = slab.vacant_key().unwrap();
    /// assert_eq!(slab.insert(5), Ok(key));
    /// ```
    pub fn vacant_key(&self) -> Option<usize> {
        match self.free.checked_sub(1) {
            Some(key) => Some(key as usize),
            None => ((self.high as usize) < N).then_some(self.high as usize),
        }
    }

    /// Stores `value` in a vacant slot and returns its key, or gives the
    /// value back when every slot is occupied.
    pub fn insert(&mut self, value: T) -> Result<usize, T> {
        let Some(key) = self.vacant_key() else {
            return Err(value);
        };
        if self.free != 0 {
            self.free = self.links[key];
        } else {
            self.high += 1;
        }
        self.values[key].write(value);
        self.links[key] = OCCUPIED;
        self.len += 1;
        Ok(key)
    }

    /// Whether `key` holds a value.
    #[inline]
    pub fn contains(&self, key: usize) -> bool {
        key < self.high as usize && self.links.get(key) == Some(&OCCUPIED)
    }

    /// The value at `key`, if any.
    #[inline]
    pub fn get(&self, key: usize) -> Option<&T> {
        // SAFETY: an occupied slot below `high` holds an initialised value.
        self.contains(key).then(|| unsafe { self.values[key].assume_init_ref() })
    }

    /// The value at `key`, if any, mutably.
    #[inline(always)]
    pub fn get_mut(&mut self, key: usize) -> Option<&mut T> {
        if !self.contains(key) {
            return None;
        }
        // SAFETY: an occupied slot below `high` holds an initialised value.
        Some(unsafe { self.values[key].assume_init_mut() })
    }

    /// Takes the value out of `key`, freeing the slot for the next insert.
    pub fn remove(&mut self, key: usize) -> Option<T> {
        if !self.contains(key) {
            return None;
        }
        self.links[key] = self.free;
        self.free = key as u32 + 1;
        self.len -= 1;
        // SAFETY: the slot was occupied, so initialised; it is now marked
        // vacant, so this value is read out once and never dropped in place.
        Some(unsafe { self.values[key].assume_init_read() })
    }

    /// Drops every value; the slab is empty and its high-water mark 0.
    pub fn clear(&mut self) {
        let high = self.high as usize;
        // Empty first: should a value's drop panic, the rest leak, none is
        // dropped twice.
        (self.free, self.high, self.len) = (0, 0, 0);
        for (value, &link) in self.values[..high].iter_mut().zip(&self.links[..high]) {
            if link == OCCUPIED {
                // SAFETY: occupied below the old `high`: initialised; the slab
                // no longer counts it, so it is dropped exactly once.
                unsafe { value.assume_init_drop() };
            }
        }
    }

    /// The occupied slots, as `(key, &value)` in ascending key order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &T)> + '_ {
        let used = &self.links[..self.high as usize];
        self.values.iter().zip(used).enumerate().filter(|(_, (_, &link))| link == OCCUPIED).map(
            |(key, (value, _))| {
                // SAFETY: occupied below `high`: initialised.
                (key, unsafe { value.assume_init_ref() })
            },
        )
    }

    /// The occupied slots, as `(key, &mut value)` in ascending key order.
    ///
    /// ```
    /// let mut slab = bareio::slab::Slab::<u32, 8>::new();
    /// for v in [10, 20, 30] {
    ///     slab.insert(v).unwrap();
    /// }
    /// slab.remove(1);
    /// for (_, v) in slab.iter_mut() {
    ///     *v += 1;
    /// }
    /// assert_eq!(slab.iter().map(|(k, &v)| (k, v)).collect::<Vec<_>>(), [(0, 11), (2, 31)]);
    /// ```
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut T)> + '_ {
        let used = &self.links[..self.high as usize];
        self.values.iter_mut().zip(used).enumerate().filter(|(_, (_, &link))| link == OCCUPIED).map(
            |(key, (value, _))| {
                // SAFETY: occupied below `high`: initialised.
                (key, unsafe { value.assume_init_mut() })
            },
        )
    }
}

impl<T, const N: usize> Drop for Slab<T, N> {
    fn drop(&mut self) {
        self.clear();
    }
}

impl<T, const N: usize> Default for Slab<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for Slab<T, N> {
    /// The occupied slots as a map from key to value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
