//! **Interchangeable collections**, the third exact reduction (after [`super::prune`]'s two):
//! a key's garbage collections are placed earliest-invoked first.
//!
//! A *floating* collection is a [`Step::Erase`] that has not returned for the checker
//! ([`Expect::Maybe`], no return position: its reset may be decided after the collection
//! answered, see [`Step::Erase`]). Any two floating collections of a key are interchangeable
//! except for where they were invoked: from every state they have the same successors (a
//! tombstone is reset to the empty register; any other state, an already empty or collected
//! register included, allows none, so a collection that would change nothing is no step at
//! all), they answered nothing the search must match, and no return entry forces either of
//! them. So when the search may place one, it places only the earliest-invoked one not placed
//! yet (by the search's own entry order: invocation position, then index) — one choice instead
//! of one per collection, and one placed set per number of collections placed instead of one
//! per subset.
//!
//! **Why it cannot hide a violation** (nor a linearization): take any linearization, with the
//! floating collections it places at positions p1 < p2 < … < pm. Replace them one by one, from
//! p1 on, by the earliest-invoked floating collection not used yet. At pi the i collections
//! the linearization had placed at p1..pi were all invoked before pi, and the replacements so
//! far used only i − 1 of those invoked before pi, so one invoked before pi is left: it is
//! enabled at pi (invoked before every return the original was invoked before), it makes the
//! same step from the same state, and it has no return to respect, so every later operation
//! sees the same states. The result is a linearization the reduced search explores. Hence some
//! linearization exists iff one in earliest-first form exists: the verdict is unchanged, and a
//! "linearizable" answer still comes with an order checked step by step.
//!
//! **Only for one verdict, not for folds.** A fold ([`super::end_states`]) hands its end
//! configurations to a later search, where the collections still floating get deadlines
//! ([`Expect::AppliedOrNot`], see [`super::Ledger`]) that can differ: then they are no longer
//! interchangeable, and which one a configuration left unplaced matters. So folds keep every
//! configuration, and collections with a deadline are never chained.

use super::model::{CheckOp, Expect, Step};

const NOT_CHAINED: u32 = u32::MAX;

/// The floating collections of one search, in entry order, and which is next.
pub(super) struct Collections {
    /// Each operation's place in `chain`, or [`NOT_CHAINED`].
    rank: Vec<u32>,
    /// The floating collections' indices, earliest-invoked first.
    chain: Vec<usize>,
    placed: Vec<bool>,
    /// The first unplaced one in `chain` (`chain.len()`: none left).
    next: usize,
}

impl Collections {
    /// The chain of `ops`' floating collections, or (`on` false) none: every operation may be
    /// placed whenever the search allows it.
    pub(super) fn new(ops: &[CheckOp], on: bool) -> Collections {
        let mut chain: Vec<(u64, usize)> =
            (0..ops.len()).filter(|&i| on && is_floating(&ops[i])).map(|i| (ops[i].invoke_seq, i)).collect();
        crate::sorting::merge_sort(&mut chain); // the search's entry order: position, then index
        let mut rank = vec![NOT_CHAINED; ops.len()];
        for (r, &(_, i)) in chain.iter().enumerate() {
            rank[i] = r as u32;
        }
        Collections {
            rank,
            chain: chain.into_iter().map(|(_, i)| i).collect(),
            placed: vec![false; ops.len()],
            next: 0,
        }
    }

    /// Whether the search may place `op` now: any operation but a floating collection, or the
    /// earliest-invoked floating collection not placed yet.
    pub(super) fn may_place(&self, op: usize) -> bool {
        let rank = self.rank[op];
        rank == NOT_CHAINED || rank as usize == self.next
    }

    /// Whether `op` is a floating collection (in the chain).
    pub(super) fn is_chained(&self, op: usize) -> bool {
        self.rank[op] != NOT_CHAINED
    }

    /// Whether a floating collection is left to place.
    pub(super) fn any_left(&self) -> bool {
        self.next < self.chain.len()
    }

    /// `op` was placed (by the search, or by a configuration it starts from, in any order).
    pub(super) fn place(&mut self, op: usize) {
        self.placed[op] = true;
        while self.next < self.chain.len() && self.placed[self.chain[self.next]] {
            self.next += 1;
        }
    }

    pub(super) fn unplace(&mut self, op: usize) {
        self.placed[op] = false;
        if self.rank[op] != NOT_CHAINED {
            self.next = self.next.min(self.rank[op] as usize);
        }
    }
}

/// A collection whose reset may come at any time after its invocation, or never.
fn is_floating(op: &CheckOp) -> bool {
    matches!(op.step, Step::Erase) && op.expect == Expect::Maybe && op.return_seq.is_none()
}
