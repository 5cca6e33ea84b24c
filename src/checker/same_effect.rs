//! **Same-effect operations, earliest return first**, the fifth exact reduction: completed
//! operations that make the same step from every state are placed earliest-returning first.
//!
//! The classes: completed `delete`s (each writes `null` at the next version and answers `null`);
//! while unread values are merged ([`super::unread`]), completed `put`s of values no read
//! returned (each writes the placeholder at the next version and answers its own input);
//! completed `put`s of one value (each writes it at the next version and answers it); and
//! completed increments that answered one number (from every state each either has no step or
//! writes that number at the next version: outside16's mixed histories answered 2, 4, 5, 6 and 7
//! twice each between deletes). Within a class, members differ only in their intervals. When the search may place a member, it
//! places it only if no other unplaced member that is enabled too (invoked before every
//! unplaced operation's return) returns before it (ties: by index).
//!
//! **Why it cannot hide a violation** (nor a linearization): this is earliest-deadline-first,
//! and the exchange argument holds. Take a linearization that places member x at position p
//! while member y, enabled at p and returning earlier, comes later, at q. Swap them. y at p: it
//! was enabled there, so nothing unplaced at p must precede it; nothing between p and q must
//! follow it (such an operation was invoked after y returned, and came before y at q). x at q:
//! nothing between p and q must precede x (it would have had to precede x at p), and whatever
//! must follow x (invoked after x returned) was invoked after y returned too, so it came after
//! q. Both make the same step from the same states, and their answers are their own, so every
//! state along the order is unchanged. Repeating this left to right gives a linearization in
//! the form the search explores; the other reductions keep their arguments, which never
//! depend on which member of a class sits where. So the verdict is unchanged.
//!
//! Only for one verdict, with [`super::unread`]'s merging (a fold keeps its own search).

use super::model::{CheckOp, Expect, Step};
use super::search::hash_json;
use super::unread::UnreadValues;
use crate::fxhash::{FxHashMap, FxHasher};
use crate::ops::Op;
use serde_json::Value as Json;
use std::hash::Hasher;

const NO_CLASS: u32 = u32::MAX;

/// The classes of one search's operations.
pub(super) struct SameEffect {
    class: Vec<u32>,
    /// Per class, its members by (return position, index).
    members: Vec<Vec<usize>>,
    placed: Vec<bool>,
}

impl SameEffect {
    /// The classes of `ops` (none when not `on`); `unread`: the merging of the same search.
    pub(super) fn new(ops: &[CheckOp], unread: &UnreadValues, on: bool) -> SameEffect {
        // Fingerprint of (kind, value) → the newest class with it; older ones are chained through
        // `same_print` (the map type the search's tables use: no other instance in the wasm).
        let mut by_print: FxHashMap<u64, usize> = FxHashMap::default();
        let mut same_print: Vec<usize> = Vec::new();
        let mut of_class: Vec<(u8, &Json)> = Vec::new();
        let mut by_return: Vec<Vec<(u64, usize)>> = Vec::new();
        let mut class = vec![NO_CLASS; ops.len()];
        for (i, op) in ops.iter().enumerate().filter(|_| on) {
            let Some((kind, value)) = class_of(op, unread) else { continue };
            let mut h = FxHasher::default();
            h.write_u8(kind);
            hash_json(value, &mut h);
            let print = h.finish();
            let newest = by_print.get(&print).copied().unwrap_or(usize::MAX);
            let mut c = newest;
            while c != usize::MAX && of_class[c] != (kind, value) {
                c = same_print[c];
            }
            if c == usize::MAX {
                c = by_return.len();
                by_return.push(Vec::new());
                of_class.push((kind, value));
                same_print.push(newest);
                by_print.insert(print, c);
            }
            class[i] = c as u32;
            by_return[c].push((op.return_seq.unwrap_or(u64::MAX), i));
        }
        let members = by_return
            .into_iter()
            .map(|mut list| {
                crate::sorting::merge_sort(&mut list); // the crate's one sort of pairs (see `crate::sorting`)
                list.into_iter().map(|(_, i)| i).collect()
            })
            .collect();
        SameEffect { class, members, placed: vec![false; ops.len()] }
    }

    /// Whether `x` may be placed now, where `first_return` (computed only for class members) is
    /// the position of the earliest return of an unplaced operation: an operation invoked at or
    /// before it is enabled.
    pub(super) fn may_place(&self, ops: &[CheckOp], x: usize, first_return: impl FnOnce() -> u64) -> bool {
        let Some(members) = self.members.get(self.class[x] as usize) else { return true };
        if members.len() == 1 {
            return true;
        }
        let first_return = first_return();
        for &y in members {
            if y == x {
                return true;
            }
            if !self.placed[y] && ops[y].invoke_seq <= first_return {
                return false; // enabled, and returns first
            }
        }
        true // not reached: `x` is a member of its class
    }

    pub(super) fn place(&mut self, op: usize) {
        self.placed[op] = true;
    }

    pub(super) fn unplace(&mut self, op: usize) {
        self.placed[op] = false;
    }
}

/// The class of a completed operation with the same step as others from every state, as a
/// kind and a value: 0, a delete; 1, a put of a value no read returned (while merging); 2, a
/// put of this value; 3, an increment that answered this number.
fn class_of<'a>(op: &'a CheckOp, unread: &UnreadValues) -> Option<(u8, &'a Json)> {
    const NULL: &Json = &Json::Null;
    match (&op.step, &op.expect, op.return_seq) {
        (Step::Builtin { op: Op::Delete, .. }, Expect::Output(Json::Null), Some(_)) => Some((0, NULL)),
        (Step::Builtin { op: Op::Put(v), .. }, Expect::Output(answer), Some(_)) if answer == v && unread.merges(v) => {
            Some((1, NULL))
        }
        (Step::Builtin { op: Op::Put(v), .. }, Expect::Output(answer), Some(_)) if answer == v => Some((2, v)),
        (Step::Builtin { op: Op::Increment, .. }, Expect::Output(a), Some(_)) if a.is_number() => Some((3, a)),
        _ => None,
    }
}
