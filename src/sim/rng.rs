//! The simulation's one random number generator: xoshiro256++ seeded from a `u64`, with no
//! OS entropy (`getrandom` is never linked). Only `u64` arithmetic, so native and wasm32 runs draw
//! the same numbers.

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

#[derive(Clone, Debug)]
pub struct Rng(Xoshiro256PlusPlus);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// Uniform in `0..bound`; `bound` must be positive. (Lemire's multiply-shift; the bias is
    /// below 2^-40 for the bounds used here.)
    pub fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0);
        ((self.0.next_u64() as u128 * bound as u128) >> 64) as u64
    }

    /// True with probability `p`. Draws nothing when `p` is 0 or 1.
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        ((self.0.next_u64() >> 11) as f64) * (1.0 / (1u64 << 53) as f64) < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        let xs: Vec<u64> = (0..5).map(|_| a.below(1000)).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.below(1000)).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, (0..5).map(|_| Rng::new(43).below(1000)).collect::<Vec<_>>());
        assert!(xs.iter().all(|x| *x < 1000));
    }
}
