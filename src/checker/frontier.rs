//! A key's frontier, compact: the configurations a folded prefix allows ([`super::ledger`]), with
//! the operations they placed listed once for all of them and each configuration's share a
//! bitset over that list.
//!
//! **Why.** A configuration names the operations spanning the cut it already placed. When
//! thousands of operations queue behind a key, thousands span its cut, and the fold's
//! configurations are nested: the page's own queued run (100,000 actions, 2 proposers) ends
//! with 899–1,022 configurations a key, the `j`-th placing `j` of the 898–1,021 spanning
//! operations (an increment's answer fixes its place), none placed by all: n²/2 ids, 3.2–4.2 MB a
//! key as `Vec<u64>` lists, 24.6 MB for the run's seven keys, in every checkpoint taken before
//! the next fold. As bitsets over the spanning list: n²/8 bytes, 0.1 MB a key.
//!
//! The search takes and gives [`Config`]s; a frontier converts at a fold (from the search's
//! ends) and at a check (to its starting configurations), exactly: [`Frontier::configs`]
//! gives back the configurations it was made from, in their order, each one's ids ascending.

use super::model::State;
use super::search::Config;

/// Bits in a word of a configuration's bitset.
pub(super) const WORD_BITS: usize = u64::BITS as usize;

/// The configurations a folded prefix allows, compact (see the module's documentation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frontier {
    /// Each configuration's state, in the search's order.
    states: Vec<State>,
    /// The operations some configuration placed: ids, ascending, each once.
    spanning: Vec<u64>,
    /// Configuration `i`'s bitset is `placed[i * w..(i + 1) * w]` (`w`: [`Frontier::words`]):
    /// bit `j` set when it placed `spanning[j]`.
    placed: Vec<u64>,
}

impl Frontier {
    /// `configs` (each one's ids ascending, as the search gives them), compact.
    /// Plain loops, not iterator chains: less wasm.
    pub fn new(configs: &[Config]) -> Frontier {
        let mut spanning = Vec::new();
        for c in configs {
            spanning = merged(&spanning, &c.placed);
        }
        let words = spanning.len().div_ceil(WORD_BITS);
        let mut placed = vec![0u64; configs.len() * words];
        let mut states = Vec::with_capacity(configs.len());
        for (i, c) in configs.iter().enumerate() {
            let mut j = 0; // ids ascending: each is found after the one before
            for &id in &c.placed {
                while spanning[j] != id {
                    j += 1;
                }
                placed[i * words + j / WORD_BITS] |= 1 << (j % WORD_BITS);
            }
            states.push(c.state.clone());
        }
        let frontier = Frontier { states, spanning, placed };
        debug_assert_eq!(frontier.validate(), Ok(()));
        frontier
    }

    /// The empty register, before any fold.
    pub fn start() -> Frontier {
        Frontier { states: vec![State::default()], ..Frontier::default() }
    }

    /// The configurations, as [`Frontier::new`] was given them.
    pub fn configs(&self) -> Vec<Config> {
        let words = self.words();
        let mut out = Vec::with_capacity(self.states.len());
        for (i, state) in self.states.iter().enumerate() {
            let mut placed = Vec::new();
            for (j, &id) in self.spanning.iter().enumerate() {
                if self.placed[i * words + j / WORD_BITS] >> (j % WORD_BITS) & 1 == 1 {
                    placed.push(id);
                }
            }
            out.push(Config { state: state.clone(), placed });
        }
        out
    }

    /// Made from its parts (`increment_fold.rs` builds one without the lists of ids): each
    /// configuration's state, the spanning ids ascending, and the bitsets, one after another.
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn from_parts(states: Vec<State>, spanning: Vec<u64>, placed: Vec<u64>) -> Frontier {
        let frontier = Frontier { states, spanning, placed };
        debug_assert_eq!(frontier.validate(), Ok(()));
        frontier
    }

    /// Configuration `i`'s state, and its bitset over [`Frontier::spanning`].
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn config(&self, i: usize) -> (&State, &[u64]) {
        let words = self.words();
        (&self.states[i], &self.placed[i * words..(i + 1) * words])
    }

    /// The operations some configuration placed: ids, ascending.
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn spanning(&self) -> &[u64] {
        &self.spanning
    }

    /// Configurations.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// About the bytes it holds: each configuration's state and bitset, and the spanning list.
    pub fn bytes(&self) -> usize {
        use std::mem::size_of;
        size_of::<Frontier>()
            + self.states.len() * size_of::<State>()
            + (self.spanning.len() + self.placed.len()) * size_of::<u64>()
    }

    /// Words in a configuration's bitset.
    fn words(&self) -> usize {
        self.spanning.len().div_ceil(WORD_BITS)
    }

    /// Its invariants, or the first one broken, named: the spanning list ascending without
    /// repeats, each of its operations placed by some configuration, no bit past its end, and a
    /// bitset for each configuration.
    pub fn validate(&self) -> Result<(), String> {
        let words = self.words();
        if self.placed.len() != self.states.len() * words {
            return Err(format!("{} bitset words for {} configurations of {words}", self.placed.len(), self.len()));
        }
        if let Some(j) = (1..self.spanning.len()).find(|&j| self.spanning[j - 1] >= self.spanning[j]) {
            return Err(format!("the spanning list is not ascending at {j}: {:?}", &self.spanning[j - 1..=j]));
        }
        let mut any = vec![0u64; words];
        for (i, bits) in self.placed.chunks(words.max(1)).enumerate() {
            let past = bits.last().map_or(0, |w| w >> (self.spanning.len() % WORD_BITS));
            if self.spanning.len() % WORD_BITS != 0 && past != 0 {
                return Err(format!(
                    "configuration {i} places bits past the {} spanning operations",
                    self.spanning.len()
                ));
            }
            any.iter_mut().zip(bits).for_each(|(a, b)| *a |= b);
        }
        match (0..self.spanning.len()).find(|&j| any[j / WORD_BITS] >> (j % WORD_BITS) & 1 == 0) {
            Some(j) => Err(format!("spanning operation #{} is placed by no configuration", self.spanning[j])),
            None => Ok(()),
        }
    }

    /// Negative controls: configuration `i`'s bit `j` flipped.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn corrupt_bit(&mut self, i: usize, j: usize) {
        let words = self.words();
        self.placed[i * words + j / WORD_BITS] ^= 1 << (j % WORD_BITS);
    }

    /// Negative controls: the spanning list's entry `j` replaced by `id`.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn corrupt_spanning(&mut self, j: usize, id: u64) {
        self.spanning[j] = id;
    }
}

/// The ids of two ascending lists, ascending, each once.
fn merged(a: &[u64], b: &[u64]) -> Vec<u64> {
    let (mut out, mut i, mut j) = (Vec::with_capacity(a.len().max(b.len())), 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out.push(x.min(y));
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// The first difference between `decoded` and `original` configurations, named.
#[cfg(test)]
pub fn first_difference(decoded: &[Config], original: &[Config]) -> Option<String> {
    if decoded.len() != original.len() {
        return Some(format!("{} configurations, not {}", decoded.len(), original.len()));
    }
    let (i, (d, o)) = decoded.iter().zip(original).enumerate().find(|(_, (d, o))| d != o)?;
    if d.state != o.state {
        return Some(format!("configuration {i}: state {:?}, not {:?}", d.state, o.state));
    }
    let extra = d.placed.iter().find(|id| !o.placed.contains(id));
    let missing = o.placed.iter().find(|id| !d.placed.contains(id));
    Some(match (extra, missing) {
        (Some(id), _) => format!("configuration {i}: places #{id}, which the original does not"),
        (None, Some(id)) => format!("configuration {i}: does not place #{id}, which the original does"),
        (None, None) => format!("configuration {i}: places {:?}, not {:?} (order)", d.placed, o.placed),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "frontier_tests.rs"]
mod tests;
