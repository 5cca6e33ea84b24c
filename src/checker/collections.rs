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
//! **Unknown increments and deletes, too** (outside16's mixed histories: five unknown
//! increments floating over 70 operations multiplied every configuration after them by the
//! subsets placed). An increment or a `delete` of unknown outcome that floats ([`Expect::Maybe`],
//! no return position) is interchangeable with every other floating one of its kind in the
//! same way: from every state they have the same successors (an increment adds 1 to a number or
//! to an empty register, whatever its times; a delete writes `null`), they answered nothing and
//! no return entry forces them. The argument above holds word for word, kind by kind: each kind
//! is its own chain, placed earliest-invoked first. Only collections are tried last.
//!
//! **Only for one verdict, not for folds.** A fold ([`super::end_states`]) hands its end
//! configurations to a later search, where the collections still floating get deadlines
//! ([`Expect::AppliedOrNot`], see [`super::Ledger`]) that can differ: then they are no longer
//! interchangeable, and which one a configuration left unplaced matters. So folds keep every
//! configuration, and collections with a deadline are never chained.

use super::model::{CheckOp, Expect, Step};
use crate::ops::Op;

const NOT_CHAINED: u32 = u32::MAX;

/// The kinds of interchangeable floating operations, each a chain: collections (tried last),
/// increments, deletes.
const KINDS: usize = 3;
const COLLECTIONS: usize = 0;

/// The floating interchangeable operations of one search, kind by kind, in entry order, and
/// which is next in each chain.
pub(super) struct Collections {
    /// Each operation's place in its chain, or [`NOT_CHAINED`].
    rank: Vec<u32>,
    /// Each chained operation's kind.
    kind: Vec<u8>,
    /// Per kind, its floating operations' indices, earliest-invoked first.
    chains: [Vec<usize>; KINDS],
    placed: Vec<bool>,
    /// Per kind, the first unplaced one in its chain (its length: none left).
    next: [usize; KINDS],
}

impl Collections {
    /// The chains of `ops`' floating interchangeable operations, or (`on` false) none: every
    /// operation may be placed whenever the search allows it.
    pub(super) fn new(ops: &[CheckOp], on: bool) -> Collections {
        let mut rank = vec![NOT_CHAINED; ops.len()];
        let mut kind = vec![u8::MAX; ops.len()];
        let chains: [Vec<usize>; KINDS] = std::array::from_fn(|k| {
            let mut chain: Vec<(u64, usize)> = (0..ops.len())
                .filter(|&i| on && floating_kind(&ops[i]) == Some(k))
                .map(|i| (ops[i].invoke_seq, i))
                .collect();
            crate::sorting::merge_sort(&mut chain); // the search's entry order: position, then index
            for (r, &(_, i)) in chain.iter().enumerate() {
                (rank[i], kind[i]) = (r as u32, k as u8);
            }
            chain.into_iter().map(|(_, i)| i).collect()
        });
        Collections { rank, kind, chains, placed: vec![false; ops.len()], next: [0; KINDS] }
    }

    /// Whether the search may place `op` now: any operation but a floating interchangeable
    /// one, or the earliest-invoked one of its kind not placed yet.
    pub(super) fn may_place(&self, op: usize) -> bool {
        let rank = self.rank[op];
        rank == NOT_CHAINED || rank as usize == self.next[self.kind[op] as usize]
    }

    /// Whether `op` is a floating collection (tried last).
    pub(super) fn is_chained(&self, op: usize) -> bool {
        self.rank[op] != NOT_CHAINED && self.kind[op] as usize == COLLECTIONS
    }

    /// Whether a floating collection is left to place.
    pub(super) fn any_left(&self) -> bool {
        self.next[COLLECTIONS] < self.chains[COLLECTIONS].len()
    }

    /// `op` was placed (by the search, or by a configuration it starts from, in any order).
    pub(super) fn place(&mut self, op: usize) {
        self.placed[op] = true;
        if self.rank[op] == NOT_CHAINED {
            return;
        }
        let k = self.kind[op] as usize;
        while self.next[k] < self.chains[k].len() && self.placed[self.chains[k][self.next[k]]] {
            self.next[k] += 1;
        }
    }

    pub(super) fn unplace(&mut self, op: usize) {
        self.placed[op] = false;
        if self.rank[op] != NOT_CHAINED {
            let k = self.kind[op] as usize;
            self.next[k] = self.next[k].min(self.rank[op] as usize);
        }
    }
}

/// The chain of an operation whose effect may come at any time after its invocation, or never,
/// and is the same as every other of its kind's: a collection, an increment, a delete.
fn floating_kind(op: &CheckOp) -> Option<usize> {
    if op.expect != Expect::Maybe || op.return_seq.is_some() {
        return None;
    }
    match &op.step {
        Step::Erase => Some(COLLECTIONS),
        Step::Builtin { op: Op::Increment, .. } => Some(1),
        Step::Builtin { op: Op::Delete, .. } => Some(2),
        _ => None,
    }
}
