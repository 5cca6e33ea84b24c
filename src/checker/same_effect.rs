//! **Same-effect operations, earliest return first**, the fifth exact reduction: completed
//! operations that make the same step from every state are placed earliest-returning first.
//!
//! Two classes: completed `delete`s (each writes `null` at the next version and answers `null`),
//! and, while unread values are merged ([`super::unread`]), completed `put`s of values no read
//! returned (each writes the placeholder at the next version and answers its own input). Within
//! a class, members differ only in their intervals. When the search may place a member, it
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
use super::unread::UnreadValues;
use crate::ops::Op;
use serde_json::Value as Json;

const NO_CLASS: u8 = u8::MAX;

/// The classes of one search's operations.
pub(super) struct SameEffect {
    class: Vec<u8>,
    /// Per class, its members by (return position, index).
    members: [Vec<usize>; 2],
    placed: Vec<bool>,
}

impl SameEffect {
    /// The classes of `ops` (none when not `on`); `unread`: the merging of the same search.
    pub(super) fn new(ops: &[CheckOp], unread: &UnreadValues, on: bool) -> SameEffect {
        let class: Vec<u8> = ops.iter().map(|op| if on { class_of(op, unread) } else { NO_CLASS }).collect();
        let mut members: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for (c, list) in members.iter_mut().enumerate() {
            let mut by_return: Vec<(u64, usize)> = (0..ops.len())
                .filter(|&i| class[i] as usize == c)
                .map(|i| (ops[i].return_seq.unwrap_or(u64::MAX), i))
                .collect();
            crate::sorting::merge_sort(&mut by_return); // the crate's one sort of pairs (see `crate::sorting`)
            list.extend(by_return.into_iter().map(|(_, i)| i));
        }
        SameEffect { class, members, placed: vec![false; ops.len()] }
    }

    /// Whether `x` may be placed now, where `first_return` (computed only for class members) is
    /// the position of the earliest return of an unplaced operation: an operation invoked at or
    /// before it is enabled.
    pub(super) fn may_place(&self, ops: &[CheckOp], x: usize, first_return: impl FnOnce() -> u64) -> bool {
        let Some(members) = self.members.get(self.class[x] as usize) else { return true };
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

/// 0: a completed delete; 1: a completed put of a value no read returned (while merging).
fn class_of(op: &CheckOp, unread: &UnreadValues) -> u8 {
    match (&op.step, &op.expect, op.return_seq) {
        (Step::Builtin { op: Op::Delete, .. }, Expect::Output(Json::Null), Some(_)) => 0,
        (Step::Builtin { op: Op::Put(v), .. }, Expect::Output(answer), Some(_)) if answer == v && unread.merges(v) => 1,
        _ => NO_CLASS,
    }
}
