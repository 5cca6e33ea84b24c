//! **Unread values are one value**, the fourth exact reduction: in a history of plain register
//! operations, the search merges the states whose values no read answered.
//!
//! Applies when every operation of the search is a `put`, `get`, `read`, `delete`, versioned
//! `write` or a collection (what a register history with background collections holds). Let R
//! be `null` and every value a completed `get` or `read` answered. Two states of one version
//! whose values are both outside R are interchangeable: every such operation leads from them to
//! the same states, with the same answers. A `put`, `delete` or `write` writes what its input
//! says whatever the value was (a `write` compares versions only; its refusal message names
//! versions only); a `get` or `read` fits only a state holding the value it answered, which is
//! in R, so it fits neither; a collection resets only `null`, which is in R. So the search
//! replaces every value outside R by one placeholder (a string outside R) as states are made:
//! a history that wrote eight values no one read while others overlapped explores one state
//! per version instead of one per value and version.
//!
//! **Why it cannot hide a violation** (nor a linearization): the relation "equal, or same
//! version and both values outside R" is a bisimulation of the operations' steps (above), so an
//! order of operations fits from a state iff it fits from any state related to it, and each
//! step leads to related states. The merged search explores exactly the orders the full one
//! does, and a "linearizable" answer still comes with its order, whose operations and answers
//! are the history's own. Only the register value a violation's explanation may print can be
//! the placeholder, which says what it stands for.
//!
//! **Only for one verdict, not for folds**: a fold's end states go to a later search whose
//! reads may ask for a value this one never saw read.

use super::model::{CheckOp, Expect, State, Step};
use super::search::hash_json;
use crate::fxhash::FxHasher;
use crate::ops::Op;
use serde_json::Value as Json;
use std::hash::Hasher;

/// The placeholder's text (made unique by appending `'` while a read answered it).
const PLACEHOLDER: &str = "(a value no read returned)";

/// The values reads answered, and the placeholder for the others; none when the reduction does
/// not apply.
pub(super) struct UnreadValues {
    /// (fingerprint, index into `values`) of every value in R, by fingerprint.
    read: Vec<(u64, usize)>,
    values: Vec<Json>,
    placeholder: Option<Json>,
}

impl UnreadValues {
    /// The reduction for `ops` when `on` and every operation is one it covers (module doc).
    pub(super) fn new(ops: &[CheckOp], on: bool) -> UnreadValues {
        let none = UnreadValues { read: Vec::new(), values: Vec::new(), placeholder: None };
        if !on || !ops.iter().all(covered) {
            return none;
        }
        let mut values: Vec<Json> = vec![Json::Null];
        for op in ops.iter().filter(|op| op.completed()) {
            let answered = match (&op.step, &op.expect) {
                (Step::Builtin { op: Op::Get, .. }, Expect::Output(v)) => v,
                (Step::Builtin { op: Op::Read, .. }, Expect::Output(v)) => v.get("value").unwrap_or(&Json::Null),
                _ => continue,
            };
            values.push(answered.clone());
        }
        let mut read: Vec<(u64, usize)> = values.iter().enumerate().map(|(i, v)| (print(v), i)).collect();
        crate::sorting::merge_sort(&mut read); // the crate's one sort of pairs (see `crate::sorting`)
        let mut values = UnreadValues { read, values, placeholder: None };
        let mut text = PLACEHOLDER.to_owned();
        while values.was_read(&Json::String(text.clone())) {
            text.push('\'');
        }
        values.placeholder = Some(Json::String(text));
        values
    }

    /// `s`, with its value replaced by the placeholder when no read answered it.
    pub(super) fn merged(&self, s: State) -> State {
        match &self.placeholder {
            Some(p) if !self.was_read(&s.value) => State { value: p.clone(), ..s },
            _ => s,
        }
    }

    /// Whether `v` is merged into the placeholder (no read answered it, and merging applies).
    pub(super) fn merges(&self, v: &Json) -> bool {
        self.placeholder.is_some() && !self.was_read(v)
    }

    fn was_read(&self, v: &Json) -> bool {
        let p = print(v);
        let from = self.read.partition_point(|(q, _)| *q < p);
        self.read[from..].iter().take_while(|(q, _)| *q == p).any(|&(_, i)| self.values[i] == *v)
    }
}

/// An operation whose steps depend on the register's value only through equality with what a
/// read answered, or with `null` (module doc).
pub(super) fn covered(op: &CheckOp) -> bool {
    match &op.step {
        Step::Erase => true,
        Step::Builtin { op, .. } => {
            matches!(op, Op::Put(_) | Op::Get | Op::Read | Op::Delete | Op::Write { .. })
        }
        Step::Transitions(_) | Step::RefusedOn(_) => false,
    }
}

fn print(v: &Json) -> u64 {
    let mut h = FxHasher::default();
    hash_json(v, &mut h);
    h.finish()
}
