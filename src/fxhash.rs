//! A small, fast, deterministic hasher for the simulator's maps keyed by short strings and
//! integers (the multiply-rotate scheme of rustc's FxHash). Not DoS-resistant, which a simulation
//! of its own keys does not need; unlike `RandomState` it never asks the OS for a seed.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let tail = chunks.remainder();
        self.add(little_endian_word(tail) ^ tail.len() as u64);
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The word `bytes` (fewer than 8) make, little-endian, zero-padded: what copying them into an
/// 8-byte buffer gives, without the variable-length copy (a `memcpy` call per key hashed, about
/// a fifth of a short key's lookup on the workload of record).
#[inline]
fn little_endian_word(bytes: &[u8]) -> u64 {
    debug_assert!(bytes.len() < 8);
    bytes.iter().rev().fold(0, |word, &b| (word << 8) | u64::from(b))
}

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_work_and_hashes_are_stable() {
        let mut m: FxHashMap<std::rc::Rc<str>, u32> = FxHashMap::default();
        for (i, k) in ["a", "counter", "a-much-longer-key-than-eight-bytes"].iter().enumerate() {
            m.insert((*k).into(), i as u32);
        }
        assert_eq!(m.get("counter"), Some(&1));
        let h = |s: &str| {
            let mut x = FxHasher::default();
            x.write(s.as_bytes());
            x.finish()
        };
        assert_eq!(h("counter"), h("counter"));
        assert_ne!(h("counter"), h("counteR"));
    }

    /// The tail of a key hashes as the zero-padded copy did (every map's order, so every run's
    /// log, depends on it): every tail length, with bytes that differ per position.
    #[test]
    fn the_tail_word_is_the_zero_padded_copy() {
        let padded = |tail: &[u8]| {
            let mut rest = [0u8; 8];
            rest[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(rest)
        };
        let bytes: Vec<u8> = (1..=7).map(|i| 0x80 | (i * 17)).collect();
        for len in 0..8 {
            assert_eq!(little_endian_word(&bytes[..len]), padded(&bytes[..len]), "{len} bytes");
        }
        // Negative control: folding without reversing (big-endian) is another word, caught here.
        let big_endian = |tail: &[u8]| tail.iter().fold(0, |word, &b| (word << 8) | u64::from(b));
        assert_ne!(big_endian(&bytes[..3]), padded(&bytes[..3]));
    }
}
