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

use super::frontier::{Frontier, WORD_BITS};
use super::model::{CheckOp, Expect, State, Step};
#[cfg(test)]
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

/// What the forced walk stops at when a fold would allow more than `max_ends` configurations
/// or take more steps than its budget: the search's `OutOfBudget`, after as many steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Exceeded;

/// An end of the walk: its starting configuration, its integer, and how many operations (in
/// answer order) it placed.
type End = (usize, i64, usize);

/// The fold's operations in answer order (indices into `ops`, each answer once) and, from each
/// position on, the earliest return among the completed operations.
struct Order {
    by_answer: Vec<(i64, usize)>,
    earliest: Vec<u64>,
}

impl Order {
    /// `None` when an answer repeats.
    fn of(ops: &[Answered]) -> Option<Order> {
        let mut by_answer: Vec<(i64, usize)> = ops.iter().enumerate().map(|(i, op)| (op.answer, i)).collect();
        crate::sorting::merge_sort(&mut by_answer);
        if by_answer.windows(2).any(|w| w[0].0 == w[1].0) {
            return None;
        }
        let mut earliest = vec![u64::MAX; by_answer.len() + 1];
        for p in (0..by_answer.len()).rev() {
            earliest[p] = earliest[p + 1].min(ops[by_answer[p].1].return_seq.unwrap_or(u64::MAX));
        }
        Some(Order { by_answer, earliest })
    }
}

/// Every configuration the fold of `ops` from `initial` can end in, or [`Exceeded`] where the
/// forced walk runs out of budget or ends, and the steps the forced walk takes; `None` when the
/// walk is not the one of the module's documentation or finds no end (a violation to explain).
/// The reference [`fold_compact`] is checked against (tests).
#[cfg(test)]
pub(super) fn fold(
    ops: &[Answered],
    initial: &[Config],
    max_ends: usize,
    step_budget: u64,
) -> Option<(Result<Vec<Config>, Exceeded>, u64)> {
    let order = Order::of(ops)?;
    let starts = starts(ops, &order.by_answer, initial)?;
    let (ends, steps) = walk(ops, &order, &starts, max_ends, step_budget)?;
    let built = ends.map(|ends| {
        ends.iter().map(|&(c, v, p)| end(ops, &order.by_answer[..p], &initial[c], v - starts[c].0)).collect()
    });
    Some((built, steps))
}

/// [`fold`] from and to a compact [`Frontier`], without a list of ids for any configuration
/// (a key with a thousand operations spanning its cut has a thousand configurations, each
/// placing up to all of them: the lists were n²/2 ids to build, sort and compare at every
/// fold). Each starting configuration's bitset is compared with the one its integer implies,
/// and each end's built, in order of how many operations they placed: a prefix in answer order
/// grows by a few bits from one to the next. Gives exactly [`Frontier::new`] of what [`fold`]
/// gives (asserted at every fold in tests, and by `increment_fold_tests.rs`).
pub(super) fn fold_compact(
    ops: &[Answered],
    initial: &Frontier,
    max_ends: usize,
    step_budget: u64,
) -> Option<(Result<Frontier, Exceeded>, u64)> {
    let order = Order::of(ops)?;
    let starts = compact_starts(ops, &order.by_answer, initial)?;
    let (ends, steps) = walk(ops, &order, &starts, max_ends, step_budget)?;
    let built = ends.map(|ends| compact_ends(ops, &order.by_answer, initial, &starts, &ends));
    #[cfg(test)]
    {
        let lists = fold(ops, &initial.configs(), max_ends, step_budget);
        let expected = lists.map(|(ends, steps)| (ends.map(|e| Frontier::new(&e)), steps));
        assert_eq!(expected.as_ref(), Some(&(built.clone(), steps)), "the compact fold differs from the lists'");
    }
    Some((built, steps))
}

/// The forced walk from each of `starts` in turn (each configuration's integer and how many
/// operations it placed): its ends, in the walk's order, and its steps.
fn walk(
    ops: &[Answered],
    order: &Order,
    starts: &[(i64, usize)],
    max_ends: usize,
    step_budget: u64,
) -> Option<(Result<Vec<End>, Exceeded>, u64)> {
    let Order { by_answer, earliest } = order;
    let last_completed = by_answer.iter().rev().find(|&&(_, i)| ops[i].return_seq.is_some()).map(|&(a, _)| a);
    let low = starts.iter().map(|&(v, _)| v).min()?;
    let high = by_answer.last().map_or(low, |&(a, _)| a).max(starts.iter().map(|&(v, _)| v).max()?);
    // Every integer the walks can visit, each once (Lowe's memo); far apart: the usual fold.
    let span = usize::try_from(high - low).ok().filter(|&s| s <= 2 * (ops.len() + starts.len()))?;
    let mut visited = vec![false; span + 1];
    let (mut ends, mut steps): (Vec<End>, u64) = (Vec::new(), 0);
    for (c, &(start, mut p)) in starts.iter().enumerate() {
        let first_here = ends.len();
        let mut v = start;
        loop {
            steps += 1;
            if steps > step_budget {
                return Some((Err(Exceeded), steps));
            }
            let seen = &mut visited[(v - low) as usize];
            if std::mem::replace(seen, true) {
                break;
            }
            if last_completed.is_none_or(|a| a <= v) {
                ends.push((c, v, p));
            }
            match by_answer.get(p) {
                Some(&(a, i)) if a == v + 1 && ops[i].invoke_seq <= earliest[p] => (v, p) = (a, p + 1),
                _ => break,
            }
        }
        ends[first_here..].reverse();
        if ends.len() > max_ends {
            return Some((Err(Exceeded), steps));
        }
    }
    (!ends.is_empty()).then_some((Ok(ends), steps))
}

/// Each configuration's integer and how many operations (in answer order) it placed, as
/// [`starts`] gives them, from a compact frontier: `None` unless each configuration's bitset
/// is that of the operations that answered at most its integer.
fn compact_starts(ops: &[Answered], by_answer: &[(i64, usize)], initial: &Frontier) -> Option<Vec<(i64, usize)>> {
    let mut out = Vec::with_capacity(initial.len());
    let mut offset = None;
    for i in 0..initial.len() {
        let v = start_integer(initial.config(i).0, initial.len(), &mut offset)?;
        out.push((v, by_answer.partition_point(|&(a, _)| a <= v)));
    }
    let mut by_placed: Vec<(usize, usize)> = out.iter().enumerate().map(|(i, &(_, p))| (p, i)).collect();
    crate::sorting::merge_sort(&mut by_placed);
    let spanning = initial.spanning();
    let mut expected = vec![0u64; spanning.len().div_ceil(WORD_BITS)];
    let mut k = 0;
    for (p, i) in by_placed {
        for &(_, op) in &by_answer[k..p] {
            let j = spanning.binary_search(&ops[op].id).ok()?; // placed by no configuration
            expected[j / WORD_BITS] |= 1 << (j % WORD_BITS);
        }
        k = p;
        if initial.config(i).1 != expected {
            return None;
        }
    }
    Some(out)
}

/// The frontier of `ends` ([`Frontier::new`] of [`end`]'s configurations): an end placed the
/// operations before its `p` in answer order, and keeps those that had not returned.
fn compact_ends(
    ops: &[Answered],
    by_answer: &[(i64, usize)],
    initial: &Frontier,
    starts: &[(i64, usize)],
    ends: &[End],
) -> Frontier {
    let furthest = ends.iter().map(|e| e.2).max().unwrap_or(0);
    let open = |&(_, i): &(i64, usize)| ops[i].return_seq.is_none();
    let mut spanning: Vec<u64> = by_answer[..furthest].iter().filter(|o| open(o)).map(|&(_, i)| ops[i].id).collect();
    crate::sorting::merge_sort(&mut spanning);
    let words = spanning.len().div_ceil(WORD_BITS);
    let mut placed = vec![0u64; ends.len() * words];
    let mut by_placed: Vec<(usize, usize)> = ends.iter().enumerate().map(|(e, &(_, _, p))| (p, e)).collect();
    crate::sorting::merge_sort(&mut by_placed);
    let (mut bits, mut k) = (vec![0u64; words], 0);
    for (p, e) in by_placed {
        for &(_, op) in by_answer[k..p].iter().filter(|o| open(o)) {
            let j = spanning.binary_search(&ops[op].id).expect("an open operation of a prefix spans");
            bits[j / WORD_BITS] |= 1 << (j % WORD_BITS);
        }
        k = p;
        placed[e * words..(e + 1) * words].copy_from_slice(&bits);
    }
    let mut states = Vec::with_capacity(ends.len());
    for &(c, v, p) in ends {
        let start = initial.config(c).0;
        states.push(match v - starts[c].0 {
            0 => start.clone(),
            moved => State {
                value: Json::from(by_answer[p - 1].0),
                version: start.version + moved as u64,
                applied: Vec::new(),
            },
        });
    }
    Frontier::from_parts(states, spanning, placed)
}

/// A starting configuration's integer (`null`: 0, when it is the only one); `None` unless it
/// holds an integer JavaScript counts exactly, applied nothing else, and its version is its
/// integer moved by the same `offset` as the others'.
fn start_integer(state: &State, configs: usize, offset: &mut Option<i128>) -> Option<i64> {
    let State { value, version, applied } = state;
    let v = match value {
        Json::Null if configs == 1 => 0,
        Json::Number(n) => n.as_i64().filter(|v| v.unsigned_abs() < MAX_SAFE_INTEGER)?,
        _ => return None,
    };
    let off = i128::from(*version) - i128::from(v);
    (applied.is_empty() && *offset.get_or_insert(off) == off).then_some(v)
}

/// Each starting configuration's integer and how many operations (in answer order) it placed;
/// `None` unless each placed exactly those that answered at most its integer, and one integer
/// means one state (one configuration with `null`, or only integers; the same version offset).
#[cfg(test)]
fn starts(ops: &[Answered], by_answer: &[(i64, usize)], initial: &[Config]) -> Option<Vec<(i64, usize)>> {
    let mut out = Vec::with_capacity(initial.len());
    let mut offset = None;
    for config in initial {
        let v = start_integer(&config.state, initial.len(), &mut offset)?;
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
#[cfg(test)]
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
