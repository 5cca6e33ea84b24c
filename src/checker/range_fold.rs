//! **A fold of increments with unknown outcomes, walked** (outside tester, round 16: batches of
//! thousands of increments, a third of them `unknown`, ended `unknown` with "held 4096 settled
//! operations that no fold could drop": the general search enumerates which unknown increments
//! took effect, a set of configurations exponential in them).
//!
//! The ledger calls it for a prefix of increments only, cut where no completed operation spans
//! the cut (so each operation is: completed, answering an integer; of unknown outcome folded
//! with a deadline, [`Expect::AppliedOrNot`]; or of unknown outcome floating, [`Expect::Maybe`],
//! invoked before the cut). It returns every configuration the prefix can end in *up to
//! dominance*, each one reachable: for every end of the general search, one returned here has
//! the same state and leaves a set of floating increments at least as usable later. So a later
//! search from these finds a linearization exactly when it would from the general search's.
//!
//! **The walk** from a configuration holding the integer `v` (as in `chain.rs`: an increment
//! answering `a` fits only where the register holds `a - 1`, each placement adds 1):
//! - one completed increment answered `v + 1`: it goes next if enabled (invoked before every
//!   unplaced completed operation's return). If not, and the earliest such return is an unknown
//!   one's deadline, that one is placed as never applied (applying it would move the register
//!   past `v` for good); otherwise the path ends;
//! - two did: the path ends (only one can be placed where the register holds `v`);
//! - none (a gap): an unknown increment fills it, the enabled one with the earliest deadline
//!   (floating ones last, the one that ended first among them). An exchange: a linearization
//!   filling the gap with another enabled `w` can swap `w` and this `u` (placed later, or left
//!   out); both add 1, `w` stays enabled later, and `u`'s deadline is no later than `w`'s, so
//!   `w` may take `u`'s place (or stay unplaced, usable later: the ledger gives floating
//!   increments deadlines in the order they ended, `ledger.rs`).
//! - with no completed increment left: the ends. The unknown increments with a deadline may still
//!   take effect, each at most once: `r` of them give `r + 1` ends (in deadline order each is
//!   enabled in turn). A floating one applied now is never needed: a later search may apply it
//!   first thing, from the end without it.
//!
//! Steps: one per configuration walked. A path that ends without placing every completed
//! increment gives no end; with no end from any configuration the prefix is not linearizable,
//! told from the longest path as the general search tells it.

use super::{explain, Config, Found, Longest};
use crate::checker::model::{CheckOp, Expect, Next, State, Step};
use crate::ops::Op;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The fold's ends (or its violation); `None` when an operation is not one the walk takes, or
/// none is of unknown outcome (the other folds decide). `ended`: where each operation ended (a
/// floating one: the order deadlines will come in).
pub(super) fn fold(
    ops: &[CheckOp],
    ended: &[u64],
    initial: &[Config],
    max_ends: usize,
    step_budget: u64,
) -> Option<(Found, u64)> {
    let mut by_answer = Vec::new();
    let mut by_return = Vec::new();
    let mut unknowns = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let Step::Builtin { op: Op::Increment, .. } = op.step else { return None };
        match (&op.expect, op.return_seq) {
            (Expect::Output(a), Some(_)) => by_answer.push((a.as_i64()?, i)),
            (Expect::AppliedOrNot, Some(_)) | (Expect::Maybe, None) => unknowns.push((op.invoke_seq, i)),
            _ => return None,
        }
        by_return.extend(op.return_seq.map(|r| (r, i)));
    }
    if unknowns.is_empty() {
        return None;
    }
    crate::sorting::merge_sort(&mut by_answer);
    crate::sorting::merge_sort(&mut by_return);
    crate::sorting::merge_sort(&mut unknowns);
    let walker = Walker { ops, ended, by_answer, by_return, unknowns };
    let (mut ends, mut steps): (Vec<Config>, u64) = (Vec::new(), 0);
    let mut longest: Option<Path> = None;
    for config in initial {
        let path = walker.walk(config, step_budget - steps.min(step_budget))?;
        steps += path.steps;
        if steps > step_budget {
            return Some((Found::OutOfBudget, steps));
        }
        for end in walker.ends(&path) {
            if !ends.contains(&end) {
                ends.push(end);
            }
        }
        if ends.len() > max_ends {
            return Some((Found::OutOfBudget, steps));
        }
        if longest.as_ref().is_none_or(|l| path.order.len() > l.order.len()) {
            longest = Some(path);
        }
    }
    if !ends.is_empty() {
        return Some((Found::Ends(ends), steps));
    }
    let path = longest?;
    let wrote = path.order.iter().map(|&(_, wrote)| wrote).collect();
    let longest_ops = path.order.iter().map(|&(i, _)| i).collect();
    let (starved, answered_same) = (path.twice.map(|(last, _)| last), path.twice.map(|(_, first)| first));
    let told = Longest { ops: longest_ops, wrote, recorded: true, starved, answered_same, ..Longest::default() };
    Some((Found::Violation(explain(ops, &told, &path.state)), steps))
}

struct Walker<'a> {
    ops: &'a [CheckOp],
    ended: &'a [u64],
    /// Completed increments: (answer, index), ascending.
    by_answer: Vec<(i64, usize)>,
    /// Completed operations (deadlines included): (return, index), ascending.
    by_return: Vec<(u64, usize)>,
    /// Unknown increments: (invocation, index), ascending.
    unknowns: Vec<(u64, usize)>,
}

/// One walk: the operations placed (index; whether it took effect), the state after them, and
/// whether every completed increment is among them.
struct Path {
    order: Vec<(usize, bool)>,
    placed: Vec<bool>,
    state: State,
    complete: bool,
    /// Where it ended on an answer given twice: the one returning last, the one returning first.
    twice: Option<(usize, usize)>,
    steps: u64,
}

impl Walker<'_> {
    /// The order an enabled unknown increment is taken in: earliest deadline, floating last, the
    /// one that ended first.
    fn priority(&self, i: usize) -> Reverse<(u64, u64, u64, usize)> {
        let op = &self.ops[i];
        Reverse((op.return_seq.unwrap_or(u64::MAX), self.ended[i], op.id, i))
    }

    fn walk(&self, config: &Config, step_budget: u64) -> Option<Path> {
        let ops = self.ops;
        let mut placed = vec![false; ops.len()];
        for id in &config.placed {
            placed[ops.iter().position(|op| op.id == *id)?] = true;
        }
        let mut path =
            Path { order: Vec::new(), placed, state: config.state.clone(), complete: false, twice: None, steps: 0 };
        let left = |path: &Path| self.by_answer.iter().filter(|&&(_, i)| !path.placed[i]).count();
        let mut answered_left = left(&path);
        let (mut first_return, mut next_unknown) = (0, 0);
        let mut enabled = BinaryHeap::new();
        loop {
            path.steps += 1;
            if path.steps > step_budget {
                return Some(path);
            }
            while self.by_return.get(first_return).is_some_and(|&(_, i)| path.placed[i]) {
                first_return += 1;
            }
            let earliest = self.by_return.get(first_return).map_or(u64::MAX, |&(r, _)| r);
            while let Some(&(_, u)) = self.unknowns.get(next_unknown).filter(|&&(inv, _)| inv <= earliest) {
                enabled.push(self.priority(u));
                next_unknown += 1;
            }
            if answered_left == 0 {
                path.complete = true;
                return Some(path);
            }
            let Some(a) = next_answer(ops, &path.state) else { return Some(path) };
            let from = self.by_answer.partition_point(|&(b, _)| b < a);
            let answered_a = self.by_answer[from..].iter().take_while(|&&(b, _)| b == a).map(|&(_, i)| i);
            let candidates: Vec<usize> = answered_a.filter(|&i| !path.placed[i]).collect();
            let (i, applied) = match candidates[..] {
                [i] if ops[i].invoke_seq <= earliest => (i, true),
                // Not enabled: the deadline before its invocation passes unused.
                [_] => match self.by_return.get(first_return) {
                    Some(&(_, u)) if ops[u].expect == Expect::AppliedOrNot => (u, false),
                    _ => return Some(path),
                },
                [] => {
                    while enabled.peek().is_some_and(|Reverse(p)| path.placed[p.3]) {
                        enabled.pop();
                    }
                    let Some(Reverse(p)) = enabled.pop() else { return Some(path) };
                    (p.3, true)
                }
                _ => {
                    let by_return = |&i: &usize| ops[i].return_seq;
                    let last = candidates.iter().copied().max_by_key(by_return).expect("two");
                    path.twice = Some((last, candidates.iter().copied().min_by_key(by_return).expect("two")));
                    return Some(path);
                }
            };
            if applied {
                path.state = applied_to(&ops[i], &path.state)?;
            }
            answered_left -= usize::from(matches!(ops[i].expect, Expect::Output(_)));
            path.placed[i] = true;
            path.order.push((i, applied));
        }
    }

    /// The ends of a complete path: as it is, then with each unknown increment left that has a
    /// deadline applied in turn, in deadline order.
    fn ends(&self, path: &Path) -> Vec<Config> {
        if !path.complete {
            return Vec::new();
        }
        let floating_placed = |placed: &[bool]| -> Vec<u64> {
            let mut ids: Vec<u64> = self
                .ops
                .iter()
                .zip(placed)
                .filter(|(op, &p)| p && op.return_seq.is_none())
                .map(|(op, _)| op.id)
                .collect();
            crate::sorting::sort_short(&mut ids);
            ids
        };
        let placed = floating_placed(&path.placed);
        let mut ends = vec![Config { state: path.state.clone(), placed: placed.clone() }];
        let left: Vec<(u64, usize)> = self
            .by_return
            .iter()
            .filter(|&&(_, i)| !path.placed[i] && self.ops[i].expect == Expect::AppliedOrNot)
            .copied()
            .collect();
        let mut state = path.state.clone();
        for (_, u) in left {
            let Some(next) = applied_to(&self.ops[u], &state) else { break };
            state = next;
            ends.push(Config { state: state.clone(), placed: placed.clone() });
        }
        ends
    }
}

/// The answer an increment gives from `state` (`None`: not an integer register).
fn next_answer(ops: &[CheckOp], state: &State) -> Option<i64> {
    let Step::Builtin { op, .. } = &ops.first()?.step else { return None };
    op.apply(state, 0).ok()?.output.as_i64()
}

/// The state after increment `op` takes effect from `state`, if it fits there.
fn applied_to(op: &CheckOp, state: &State) -> Option<State> {
    let mut nexts = Vec::new();
    op.successors(state, &mut nexts);
    nexts.into_iter().find_map(|n| match n {
        Next::New(s) => Some(s),
        Next::Same => None,
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "range_fold_tests.rs"]
mod tests;
