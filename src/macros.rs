//! Crate-internal macros.

/// Defines a `Copy` bit-set newtype with named flags, the set operations
/// (`|`, `&`, `-`, `!`, `insert`/`remove`/`set`, `is_empty`, `all`), and `Debug`.
macro_rules! flags {
    (
        $(#[$meta:meta])*
        pub struct $name:ident: $ty:ty {
            $( $(#[$fmeta:meta])* const $flag:ident = $value:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[repr(transparent)]
        pub struct $name($ty);

        // Not every crate-private flag type uses every helper.
        #[allow(dead_code)]
        impl $name {
            $( $(#[$fmeta])* pub const $flag: Self = Self($value as $ty); )*

            /// No flags.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// The raw bits, as passed to the kernel.
            pub const fn bits(self) -> $ty {
                self.0
            }

            /// Wraps raw bits, keeping any the type has no name for.
            pub const fn from_bits_retain(bits: $ty) -> Self {
                Self(bits)
            }

            /// Whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether any flag of `other` is set in `self`.
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }

            /// The flags of both.
            pub const fn union(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// `self` without the flags of `other`.
            pub const fn difference(self, other: Self) -> Self {
                Self(self.0 & !other.0)
            }

            /// The flags in both.
            pub const fn intersection(self, other: Self) -> Self {
                Self(self.0 & other.0)
            }

            /// Every named flag.
            pub const fn all() -> Self {
                Self(0 $(| $value as $ty)*)
            }

            /// No flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// Sets the flags of `other`.
            pub fn insert(&mut self, other: Self) {
                *self = self.union(other);
            }

            /// Clears the flags of `other`.
            pub fn remove(&mut self, other: Self) {
                *self = self.difference(other);
            }

            /// Sets or clears the flags of `other`.
            pub fn set(&mut self, other: Self, value: bool) {
                if value { self.insert(other) } else { self.remove(other) }
            }
        }

        impl core::ops::BitAnd for $name {
            type Output = Self;
            fn bitand(self, other: Self) -> Self {
                self.intersection(other)
            }
        }

        impl core::ops::BitAndAssign for $name {
            fn bitand_assign(&mut self, other: Self) {
                *self = self.intersection(other);
            }
        }

        impl core::ops::Sub for $name {
            type Output = Self;
            fn sub(self, other: Self) -> Self {
                self.difference(other)
            }
        }

        impl core::ops::SubAssign for $name {
            fn sub_assign(&mut self, other: Self) {
                *self = self.difference(other);
            }
        }

        /// The named flags `self` does not have (unnamed bits are dropped).
        impl core::ops::Not for $name {
            type Output = Self;
            fn not(self) -> Self {
                Self::all().difference(self)
            }
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, other: Self) -> Self {
                self.union(other)
            }
        }

        impl core::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, other: Self) {
                *self = self.union(other);
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let mut rest = self.0;
                let mut first = true;
                f.write_str(concat!(stringify!($name), "("))?;
                $(
                    let bits = $value as $ty;
                    if bits != 0 && rest & bits == bits {
                        if !first { f.write_str(" | ")?; }
                        f.write_str(stringify!($flag))?;
                        rest &= !bits;
                        first = false;
                    }
                )*
                if rest != 0 {
                    if !first { f.write_str(" | ")?; }
                    write!(f, "{:#x}", rest)?;
                }
                f.write_str(")")
            }
        }
    };
}
