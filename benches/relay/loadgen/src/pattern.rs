//! The bytes every connection sends, and the check of what comes back.
//!
//! Connection `c` sends byte `p` of its stream from a pseudo-random
//! sequence of period [`PERIOD`] (a prime: no power-of-two chunk or buffer
//! lines up with it), starting at its own phase, so bytes that come back
//! lost, duplicated, reordered or from another connection do not match.

/// Period of the sequence: the largest prime below 64 Ki.
pub const PERIOD: usize = 65_521;
/// The longest slice [`Pattern::slice`] hands out.
pub const MAX_SPAN: usize = 256 * 1024;

/// The sequence, stored `PERIOD + MAX_SPAN` long so that any span of up
/// to `MAX_SPAN` bytes from any position is one contiguous slice.
pub struct Pattern {
    bytes: Vec<u8>,
}

/// Where a stream is in the sequence.
#[derive(Clone, Copy, Debug)]
pub struct Cursor {
    index: usize,
    /// Bytes of the stream before this position.
    pub offset: u64,
}

impl Cursor {
    /// The start of connection `conn`'s stream.
    pub fn start(conn: usize) -> Cursor {
        Cursor { index: (conn.wrapping_mul(7_919).wrapping_add(1)) % PERIOD, offset: 0 }
    }

    /// Moves `n` bytes on.
    pub fn advance(&mut self, n: usize) {
        self.index = (self.index + n % PERIOD) % PERIOD;
        self.offset += n as u64;
    }
}

impl Default for Pattern {
    fn default() -> Self {
        Pattern::new()
    }
}

impl Pattern {
    pub fn new() -> Pattern {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut base = Vec::with_capacity(PERIOD);
        while base.len() < PERIOD {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            base.push((state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8);
        }
        let bytes = base.iter().copied().cycle().take(PERIOD + MAX_SPAN).collect();
        Pattern { bytes }
    }

    /// The next `len` (at most [`MAX_SPAN`]) bytes of the stream at `at`.
    pub fn slice(&self, at: Cursor, len: usize) -> &[u8] {
        let len = len.min(MAX_SPAN);
        &self.bytes[at.index..at.index + len]
    }

    /// Checks that `got` is the stream's next bytes at `at`; on a mismatch,
    /// the stream offset of the first wrong byte.
    pub fn check(&self, at: Cursor, got: &[u8]) -> Result<(), u64> {
        let mut at = at;
        for chunk in got.chunks(MAX_SPAN) {
            let want = self.slice(at, chunk.len());
            if want != chunk {
                let first = want.iter().zip(chunk).position(|(a, b)| a != b).unwrap_or(0);
                return Err(at.offset + first as u64);
            }
            at.advance(chunk.len());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_or_foreign_stream_does_not_match() {
        let pattern = Pattern::new();
        let mut at = Cursor::start(3);
        let sent = pattern.slice(at, 100_000).to_vec();
        assert_eq!(pattern.check(at, &sent), Ok(()));
        // One byte lost at 5,000: everything after it is shifted.
        let mut lost = sent.clone();
        lost.remove(5_000);
        assert!(pattern.check(at, &lost[..99_000]).unwrap_err() >= 5_000);
        // Another connection's bytes.
        assert!(pattern.check(Cursor::start(4), &sent).is_err());
        // Wrapping past the period keeps the sequence.
        at.advance(PERIOD - 10);
        let tail = pattern.slice(at, 20).to_vec();
        at.advance(0);
        assert_eq!(pattern.check(at, &tail), Ok(()));
    }
}
