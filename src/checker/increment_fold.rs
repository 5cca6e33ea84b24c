//! **A fold of answered increments, without the search** (issue 9: the incremental checker was a
//! fifth of the native workload of record's instructions, nearly all of it in the fold's search
//! set-up and its per-configuration states and memo).
//!
//! The ledger's usual fold ([`super::search::end_states`]) takes the forced-chain walk
//! (`search/chain.rs`) whenever every operation is an increment that answered an integer. That
//! walk, on the shape the workload of record gives — every operation of the prefix such an
//! increment, each answer given once, and each starting configuration holding an integer `v`
//! having placed exactly the prefix's operations that answered at most `v` — only ever visits
//! configurations of one form: "the register holds `v` (its version moved as much), and the
//! operations that answered at most `v` are placed". So a configuration is known by its integer
//! and the walk needs no state, no memo of states and no copy of the operations:
//! - from `v`, the one operation that can go next is the one that answered `v + 1`, if it is
//!   enabled: invoked no later than the earliest return of an unplaced completed operation (all
//!   of which answered more than `v`: a suffix of the operations in answer order); with none, or
//!   not enabled, the path ends;
//! - a configuration with no completed operation left unplaced (every completed one answered at
//!   most `v`) is an end; its placed operations that have not returned are the spanning ones
//!   that answered at most `v`;
//! - a configuration met before ends the walk (Lowe's memo, by integer: the placed set follows).
//!
//! [`fold`] gives exactly what the forced walk gives — the same ends in the same order and the
//! same step count — or `None` when the shape differs or the walk would not end in `Ok` (no end:
//! a violation to explain; past the budget or `max_ends`), and the ledger runs the usual fold.
//! `increment_fold_tests.rs` compares the two on random histories, with a negative control.

use super::model::{CheckOp, Expect, State, Step};
use super::search::Config;
use crate::limits::MAX_SAFE_INTEGER;
use crate::ops::Op;
use serde_json::Value as Json;

/// One operation of a fold, as [`fold`] needs it: an increment that answered `answer`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Answered {
    pub id: u64,
    pub answer: i64,
    pub invoke_seq: u64,
    /// `None`: it spans the cut (placed or not, as the walk finds).
    pub return_seq: Option<u64>,
}

impl Answered {
    /// `op` if it is a built-in increment that answered an integer JavaScript counts exactly.
    pub fn of(op: &CheckOp) -> Option<Answered> {
        let (Step::Builtin { op: Op::Increment, .. }, Expect::Output(answer)) = (&op.step, &op.expect) else {
            return None;
        };
        let answer = answer.as_i64().filter(|a| a.unsigned_abs() <= MAX_SAFE_INTEGER)?;
        Some(Answered { id: op.id, answer, invoke_seq: op.invoke_seq, return_seq: op.return_seq })
    }
}

/// Every configuration the fold of `ops` from `initial` can end in, and the steps the forced
/// walk takes to find them; `None` when the walk is not the one of the module's documentation.
pub(super) fn fold(
    ops: &[Answered],
    initial: &[Config],
    max_ends: usize,
    step_budget: u64,
) -> Option<(Vec<Config>, u64)> {
    // Operation indices by answer, each answer once.
    let mut by_answer: Vec<(i64, usize)> = ops.iter().enumerate().map(|(i, op)| (op.answer, i)).collect();
    crate::sorting::merge_sort(&mut by_answer);
    if by_answer.windows(2).any(|w| w[0].0 == w[1].0) {
        return None;
    }
    // `earliest[p]`: the earliest return among the completed operations from position `p` on.
    let mut earliest = vec![u64::MAX; by_answer.len() + 1];
    for p in (0..by_answer.len()).rev() {
        earliest[p] = earliest[p + 1].min(ops[by_answer[p].1].return_seq.unwrap_or(u64::MAX));
    }
    let last_completed = by_answer.iter().rev().find(|&&(_, i)| ops[i].return_seq.is_some()).map(|&(a, _)| a);
    let starts = starts(ops, &by_answer, initial)?;
    let low = starts.iter().map(|&(v, _)| v).min()?;
    let high = by_answer.last().map_or(low, |&(a, _)| a).max(starts.iter().map(|&(v, _)| v).max()?);
    // Every integer the walks can visit, each once (Lowe's memo); far apart: the usual fold.
    let span = usize::try_from(high - low).ok().filter(|&s| s <= 2 * (ops.len() + initial.len()))?;
    let mut visited = vec![false; span + 1];
    let (mut ends, mut steps) = (Vec::new(), 0u64);
    for (config, &(start, mut p)) in initial.iter().zip(&starts) {
        let mut here: Vec<Config> = Vec::new();
        let mut v = start;
        loop {
            steps += 1;
            if steps > step_budget {
                return None;
            }
            let seen = &mut visited[(v - low) as usize];
            if std::mem::replace(seen, true) {
                break;
            }
            if last_completed.is_none_or(|a| a <= v) {
                here.push(end(ops, &by_answer[..p], config, v - start));
            }
            match by_answer.get(p) {
                Some(&(a, i)) if a == v + 1 && ops[i].invoke_seq <= earliest[p] => (v, p) = (a, p + 1),
                _ => break,
            }
        }
        ends.extend(here.into_iter().rev());
        if ends.len() > max_ends {
            return None;
        }
    }
    (!ends.is_empty()).then_some((ends, steps))
}

/// Each starting configuration's integer and how many operations (in answer order) it placed;
/// `None` unless each placed exactly those that answered at most its integer, and one integer
/// means one state (one configuration with `null`, or only integers; the same version offset).
fn starts(ops: &[Answered], by_answer: &[(i64, usize)], initial: &[Config]) -> Option<Vec<(i64, usize)>> {
    let mut out = Vec::with_capacity(initial.len());
    let mut offset = None;
    for config in initial {
        let State { value, version, applied } = &config.state;
        let v = match value {
            Json::Null if initial.len() == 1 => 0,
            Json::Number(n) => n.as_i64().filter(|v| v.unsigned_abs() < MAX_SAFE_INTEGER)?,
            _ => return None,
        };
        let off = i128::from(*version) - i128::from(v);
        if !applied.is_empty() || *offset.get_or_insert(off) != off {
            return None;
        }
        let p = by_answer.partition_point(|&(a, _)| a <= v);
        let mut placed: Vec<u64> = by_answer[..p].iter().map(|&(_, i)| ops[i].id).collect();
        crate::sorting::sort_short(&mut placed);
        if placed != config.placed {
            return None;
        }
        out.push((v, p));
    }
    Some(out)
}

/// The end at `moved` increments past `config`, having placed `placed` (in answer order).
fn end(ops: &[Answered], placed: &[(i64, usize)], config: &Config, moved: i64) -> Config {
    let state = match moved {
        0 => config.state.clone(),
        _ => {
            let value = Json::from(placed.last().expect("moved past the start").0);
            State { value, version: config.state.version + moved as u64, applied: Vec::new() }
        }
    };
    let mut open: Vec<u64> =
        placed.iter().map(|&(_, i)| &ops[i]).filter(|op| op.return_seq.is_none()).map(|op| op.id).collect();
    crate::sorting::sort_short(&mut open);
    Config { state, placed: open }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "increment_fold_tests.rs"]
mod tests;
