//! **Big values by name** in a fold's search (bigslow: puts of 60 KB values ran ~1.7x slower
//! once the checker folded every 4 MB of a key's values; the fold's search cloned, hashed and
//! compared the whole value at each of its ~60 steps an operation, 3/4 of the run's time).
//!
//! Applies to the folds whose operations the unread-values reduction covers (`unread.rs`:
//! `put`, `get`, `read`, `delete`, versioned `write`, collections): those see a register's
//! value only through equality, with each other's values and with `null`. Renaming each
//! distinct big value (at least [`BIG_VALUE_BYTES`], by `json_bytes`) to a short name (an array
//! of a marker and a number), the same everywhere it appears (the register's states, a `put`'s or `write`'s input, a `get`'s
//! answer, a `read`'s answered `value`), is then a bijection of the values that fixes `null`
//! and every small one — no small value is a name, or nothing is renamed — so the search
//! explores the same configurations, renamed, and finds the same end states, named back. A
//! violation is searched again without names, for an explanation that shows the values.

use super::model::{CheckOp, Expect, Step};
use super::search::{end_states, hash_json, Config, KeyResult};
use super::unread::covered;
use crate::fxhash::FxHasher;
use crate::ops::Op;
use crate::sim::record_bytes::json_bytes;
use serde_json::Value as Json;
use std::hash::Hasher;

/// Values of at least this many bytes (`json_bytes`) are searched by name.
const BIG_VALUE_BYTES: usize = 1024;
/// A name: this string and the value's number, in an array.
const NAME: &str = "\u{0}big value";

/// [`end_states`] of `ops` from `initial`, big values searched by name (module doc).
pub(super) fn end_states_by_name(
    mut ops: Vec<CheckOp>,
    mut initial: Vec<Config>,
    max_ends: usize,
    step_budget: u64,
) -> (Result<Vec<Config>, KeyResult>, u64) {
    let Some(names) = Names::take(&mut ops, &mut initial) else {
        return end_states(&ops, &initial, max_ends, step_budget);
    };
    match end_states(&ops, &initial, max_ends, step_budget) {
        (Ok(mut ends), steps) => {
            for c in &mut ends {
                names.restore(&mut c.state.value);
            }
            (Ok(ends), steps)
        }
        (Err(KeyResult::Violation(_)), _) => {
            // Rare: searched again with the values, for the explanation.
            for_each_value(&mut ops, &mut initial, &mut |v| names.restore(v));
            end_states(&ops, &initial, max_ends, step_budget)
        }
        other => other,
    }
}

/// Every value slot of `ops` and `initial` the renaming covers (module doc).
fn for_each_value(ops: &mut [CheckOp], initial: &mut [Config], f: &mut dyn FnMut(&mut Json)) {
    for config in initial {
        f(&mut config.state.value);
    }
    for op in ops {
        let Step::Builtin { op: builtin, .. } = &mut op.step else { continue };
        let read = matches!(builtin, Op::Read);
        let written = matches!(builtin, Op::Get | Op::Put(_));
        if let Op::Put(v) | Op::Write { value: v, .. } = builtin {
            f(v);
        }
        match &mut op.expect {
            Expect::Output(out) if written => f(out),
            Expect::Output(Json::Object(out)) if read => out.values_mut().for_each(&mut *f),
            _ => {}
        }
    }
}

/// The big values renamed, by number, with their fingerprints.
#[derive(Default)]
struct Names {
    values: Vec<(u64, Json)>,
}

impl Names {
    /// Renames the big values of `ops` and `initial`; `None` (nothing renamed) when an operation
    /// is not covered or a small value could be taken for a name.
    fn take(ops: &mut [CheckOp], initial: &mut [Config]) -> Option<Names> {
        let mut clash = !ops.iter().all(covered);
        for_each_value(ops, initial, &mut |v| clash |= Names::number(v).is_some());
        (!clash).then(|| Names::rename_all(ops, initial))
    }

    /// Renames the big values, unguarded (the tests' control calls it on a clash).
    fn rename_all(ops: &mut [CheckOp], initial: &mut [Config]) -> Names {
        let mut names = Names::default();
        for_each_value(ops, initial, &mut |v| names.rename(v));
        names
    }

    fn rename(&mut self, v: &mut Json) {
        if json_bytes(v) < BIG_VALUE_BYTES {
            return;
        }
        let mut h = FxHasher::default();
        hash_json(v, &mut h);
        let print = h.finish();
        let number = match self.values.iter().position(|(p, x)| *p == print && x == v) {
            Some(n) => n,
            None => {
                self.values.push((print, std::mem::take(v)));
                self.values.len() - 1
            }
        };
        *v = Json::Array(vec![NAME.into(), number.into()]);
    }

    /// The number `v` names, if it is a name.
    fn number(v: &Json) -> Option<usize> {
        match v.as_array()?.as_slice() {
            [name, number] if name.as_str() == Some(NAME) => Some(number.as_u64()? as usize),
            _ => None,
        }
    }

    /// The value `v` names, if it is a name.
    fn restore(&self, v: &mut Json) {
        if let Some(n) = Names::number(v) {
            *v = self.values[n].1.clone();
        }
    }
}

#[cfg(test)]
#[path = "big_values_tests.rs"]
mod tests;
