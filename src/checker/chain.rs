//! **Forced chains**: the search's fast path for a key whose operations are all increments that
//! answered an integer (issue 9: the common JavaScript pattern invokes a whole batch of
//! increments on a key before any returns, and the general search scans every enabled call at
//! each of the batch's places: n²/2 steps, past the budget at about 2,000 a batch, so the
//! incremental checker could not fold the key and gave up on it).
//!
//! **Why the order is forced.** An increment that answered `a` can take effect only where the
//! register holds the number `a - 1` ([`CheckOp::successors`]: its answer must equal what it
//! computes). Every operation here is such an increment, so each placement adds exactly 1 to
//! an integer register (an integer answer is reached only from the integer before it): from a
//! configuration, the only operations that can be placed next are the unplaced ones that
//! answered the register's value plus 1, and the values a path visits never repeat. So:
//! - one such operation: placing it (if enabled: invoked before every unplaced completed
//!   operation's return) is the only way on; if it is not enabled, nothing else can move the
//!   register, and the path ends there;
//! - none: the path ends there;
//! - two or more, two of them completed: only one of them can ever be placed (the value they
//!   need is never held again), and every completed operation must be: no linearization goes
//!   through this configuration;
//! - two or more, at most one completed: a real choice (which of the operations not yet
//!   returned took effect); the fast path does not apply and the general search runs.
//!
//! So from each starting configuration the search's tree is one path, and walking it gives
//! exactly what the general search gives: every configuration on it with every completed
//! operation placed is an end (deepest first, as the depth-first search records them), a
//! configuration met before (Lowe's memo) ends the walk, and when no path reaches an end the
//! violation is told from the longest path, as the general search tells it. Steps: one per
//! configuration walked, so a batch of n costs n steps, not n²/2.
//!
//! **Unknown increments** (outcome unknown, [`Expect::Maybe`]: each takes effect once, any time
//! after its invocation, or never; an outside tester's batches with a few of them were
//! `unknown` past the budget). For one verdict ([`Goal::OneLinearization`]), when every other
//! operation is an increment that returned an integer, the walk is still one path: from a
//! configuration whose register holds the integer `a - 1` with completed operations left,
//! - an operation answered `a` is placed as above (an unknown increment placed instead moves
//!   the register past `a - 1` for good, and that operation must be placed);
//! - none did (a *gap*): only an unknown increment can move the register, and the walk places
//!   the unplaced one invoked first, if it is enabled; if it is not, none is, and the path ends.
//!   Any enabled one will do (an exchange): take a linearization that places enabled unknown
//!   `w` here, and put `u` in its place (and `w` where `u` was, if it was placed at all). Both
//!   add 1, and neither returns, so every other operation keeps its place and its constraints;
//!   `w` stays enabled where `u` was because the earliest return among the unplaced completed
//!   operations only grows as operations are placed. (So each value the answers skip needs an
//!   unknown increment invoked before every operation answering more returned: Hall's
//!   condition on nested sets, which this greedy walk decides.)
//!
//! **Observers** (a completed `get` or `read`): the register never holds a state twice on a path,
//! so one must be placed while it holds what the observer answered; an enabled one that fits is
//! placed at once (an exchange: moved earlier within that stretch, it changes no state, and the
//! earliest unplaced return only grows), and one that never fits leaves a completed operation
//! unplaced (no end). Without them a `get` appended to a batch sent the whole batch to the
//! general search (outside tester, round 17: `ok` turned `unknown`).
//!
//! The walk from a configuration depends on the configuration only, so Lowe's memo still holds.
//! Folds (every end configuration: which unknown increments took effect is part of each) are
//! left to the general search.

use super::{explain, zobrist_key, Config, Found, Goal, Longest, States};
use crate::checker::model::{CheckOp, Expect, Next, State, Step};
use crate::fxhash::{FxHashMap, FxHasher};
use crate::ops::Op;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// The search's answer when every operation is an increment that answered an integer and no
/// configuration offers a real choice; `None` otherwise (the general search decides).
pub(super) fn forced(ops: &[CheckOp], initial: &[Config], goal: Goal, step_budget: u64) -> Option<(Found, u64)> {
    if ops.iter().all(observer) || !ops.iter().all(chained) {
        return None;
    }
    // Unknown increments: for one verdict on operations that all returned or float (see the
    // module's documentation); a fold's end configurations are the general search's.
    let floating = ops.iter().any(unknown_increment);
    if floating && (goal != Goal::OneLinearization || ops.iter().any(|op| !op.completed() && !unknown_increment(op))) {
        return None;
    }
    let chains = Chains::new(ops);
    let mut walk = Walk::default();
    // Lowe's memo, as the search keeps it (the same types: no more wasm for another map).
    let mut states = States::default();
    let mut visited: HashSet<(u128, usize), BuildHasherDefault<FxHasher>> = HashSet::default();
    for config in initial {
        let placed = config.placed.iter().map(|id| *chains.index_of.get(id).expect("a placed operation is searched"));
        let mut path: Vec<usize> = placed.collect();
        let mut placed_flag = vec![false; ops.len()];
        path.iter().for_each(|&i| placed_flag[i] = true);
        let start = path.len();
        let mut set: u128 = path.iter().fold(0, |h, &i| h ^ zobrist_key(i));
        let mut state = config.state.clone();
        let mut returns = chains.unplaced_returns(&placed_flag);
        let mut found_here: Vec<(State, Vec<u64>)> = Vec::new();
        let (mut doomed, mut stuck) = (false, None);
        loop {
            walk.steps += 1;
            if walk.steps > step_budget {
                return Some((Found::OutOfBudget, walk.steps));
            }
            if !visited.insert((set, states.id(state.clone()))) {
                break; // met before: its ends are recorded
            }
            if returns.left == 0 {
                debug_assert!(!doomed, "an operation that can never be placed is left");
                if goal == Goal::OneLinearization {
                    return Some((Found::Order(path.iter().map(|&i| ops[i].id).collect()), walk.steps));
                }
                let mut open: Vec<u64> =
                    path.iter().map(|&i| &ops[i]).filter(|op| !op.completed()).map(|op| op.id).collect();
                crate::sorting::sort_short(&mut open);
                found_here.push((state.clone(), open));
            }
            let (i, next) = match chains.next(ops, &state, &placed_flag, &returns, (&mut doomed, &mut stuck)) {
                Next1::Place(i, next) => (i, next),
                Next1::End => break,
                Next1::Choice => return None,
            };
            path.push(i);
            placed_flag[i] = true;
            set ^= zobrist_key(i);
            returns.placed(ops, i, &placed_flag, &chains);
            state = next;
        }
        walk.record_longest(&path, start, &state, stuck);
        walk.ends.extend(found_here.into_iter().rev());
        if let Goal::EveryEndState { max_ends } = goal {
            if walk.ends.len() > max_ends {
                return Some((Found::OutOfBudget, walk.steps));
            }
        }
    }
    if walk.ends.is_empty() {
        let steps = walk.steps;
        return Some((walk.violation(ops), steps));
    }
    let ends = walk.ends.into_iter().map(|(state, placed)| Config { state, placed }).collect();
    Some((Found::Ends(ends), walk.steps))
}

/// An operation the forced chains take.
pub(super) fn chained(op: &CheckOp) -> bool {
    answered_integer_increment(op) || unknown_increment(op) || observer(op)
}

/// An increment that answered an integer (completed, or in a fold not returned by its cut).
fn answered_integer_increment(op: &CheckOp) -> bool {
    matches!((&op.step, &op.expect), (Step::Builtin { op: Op::Increment, .. }, Expect::Output(a)) if a.is_i64())
}

/// A completed `get` or `read` (it changes nothing: placed where the register holds what it
/// answered, see the module's documentation).
fn observer(op: &CheckOp) -> bool {
    matches!((&op.step, &op.expect), (Step::Builtin { op: Op::Get | Op::Read, .. }, Expect::Output(_)))
}

/// An increment of unknown outcome that floats: it may take effect once, any time after its
/// invocation, or never (not one folded with a deadline, [`Expect::AppliedOrNot`]).
fn unknown_increment(op: &CheckOp) -> bool {
    matches!((&op.step, &op.expect), (Step::Builtin { op: Op::Increment, .. }, Expect::Maybe)) && !op.completed()
}

/// What the walk found over every starting configuration.
#[derive(Default)]
struct Walk {
    steps: u64,
    ends: Vec<(State, Vec<u64>)>,
    /// The longest path (operation indices), the first to reach its length (as the general
    /// search snapshots it); how many of it its configuration placed; the state after it.
    longest: Option<(Vec<usize>, usize, State)>,
    /// Where the longest path ends on an answer given twice: the completed operation that
    /// returned last with it (the history before its return may be linearizable; with it, not),
    /// and the one that returned first.
    stuck: Option<(usize, usize)>,
}

impl Walk {
    fn record_longest(&mut self, path: &[usize], start: usize, state: &State, stuck: Option<(usize, usize)>) {
        if self.longest.as_ref().is_none_or(|(l, _, _)| path.len() > l.len()) {
            self.longest = Some((path.to_vec(), start, state.clone()));
            self.stuck = stuck;
        }
    }

    /// The violation no path escapes, told from the longest path.
    fn violation(self, ops: &[CheckOp]) -> Found {
        let (path, start, state) = self.longest.expect("a configuration was walked");
        // A configuration's placed operations changed nothing in this search; the rest but the
        // observers wrote.
        let wrote = path.iter().enumerate().map(|(n, &i)| n >= start && !observer(&ops[i])).collect();
        let (starved, answered_same) = (self.stuck.map(|(last, _)| last), self.stuck.map(|(_, first)| first));
        let longest = Longest { ops: path, wrote, recorded: true, starved, answered_same, ..Longest::default() };
        Found::Violation(explain(ops, &longest, &state))
    }
}

/// The operations by their answer, and their positions in real time.
struct Chains {
    index_of: FxHashMap<u64, usize>,
    /// (the integer answered, as [`ordered`]; operation index), ascending: plain pairs, sorted
    /// by the sort the search uses already.
    by_answer: Vec<(u64, usize)>,
    /// Completed operations by return position (ties: by index), ascending.
    by_return: Vec<(u64, usize)>,
    /// Unknown increments by invocation position (ties: by index), ascending.
    by_invocation: Vec<(u64, usize)>,
    /// Completed gets and reads, by index.
    observers: Vec<usize>,
    /// An increment.
    increment: usize,
}

/// The earliest return among the unplaced completed operations, and how many are left; and
/// the earliest invoked unplaced unknown increment.
struct Returns {
    /// Index into [`Chains::by_return`] of the earliest unplaced one.
    first: usize,
    left: usize,
    /// Index into [`Chains::by_invocation`] of the earliest unplaced one.
    first_unknown: usize,
}

enum Next1 {
    /// The one operation that can go next, and the state after it.
    Place(usize, State),
    /// No way on from here.
    End,
    /// More than one operation could go next: the general search decides.
    Choice,
}

impl Chains {
    fn new(ops: &[CheckOp]) -> Chains {
        let (mut by_answer, mut by_return, mut by_invocation, mut observers) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, op) in ops.iter().enumerate() {
            match &op.expect {
                _ if observer(op) => observers.push(i),
                Expect::Output(a) => by_answer.push((ordered(a.as_i64().expect("an integer answer")), i)),
                _ => by_invocation.push((op.invoke_seq, i)),
            }
            if let Some(r) = op.return_seq {
                by_return.push((r, i));
            }
        }
        crate::sorting::merge_sort(&mut by_answer);
        crate::sorting::merge_sort(&mut by_return);
        crate::sorting::merge_sort(&mut by_invocation);
        let index_of = ops.iter().enumerate().map(|(i, op)| (op.id, i)).collect();
        let increment = ops.iter().position(|op| !observer(op)).expect("an increment");
        Chains { index_of, by_answer, by_return, by_invocation, observers, increment }
    }

    fn unplaced_returns(&self, placed: &[bool]) -> Returns {
        let left = self.by_return.iter().filter(|&&(_, i)| !placed[i]).count();
        let mut returns = Returns { first: 0, left, first_unknown: 0 };
        returns.skip_placed(self, placed);
        returns
    }

    /// The way on from `state` (see the module's documentation). Once a completed operation
    /// that answered the next value can never be placed, no end is reachable: `doom` is set
    /// (whether, and the operations that answered it twice, if they did: the one that returned
    /// last, the one that returned first), and the walk goes on for the longest consistent order
    /// only ([`Chains::longest_way_on`]).
    fn next(
        &self,
        ops: &[CheckOp],
        state: &State,
        placed: &[bool],
        returns: &Returns,
        doom: (&mut bool, &mut Option<(usize, usize)>),
    ) -> Next1 {
        let earliest = self.by_return.get(returns.first).map_or(u64::MAX, |&(r, _)| r);
        // An enabled observer that fits goes first: the register never holds this state again.
        let mut same = Vec::new();
        for &i in self.observers.iter().filter(|&&i| !placed[i] && ops[i].invoke_seq <= earliest) {
            same.clear();
            ops[i].successors(state, &mut same);
            if same.contains(&Next::Same) {
                return Next1::Place(i, state.clone());
            }
        }
        // The operations' own increment, not a constant one: no copy of `Op::apply` specialized
        // for it in the wasm.
        let Step::Builtin { op: increment, .. } = &ops[self.increment].step else { unreachable!("an increment") };
        let Ok(effect) = increment.apply(state, 0) else { return Next1::End };
        let Some(a) = effect.output.as_i64().map(ordered) else { return Next1::End };
        let from = self.by_answer.partition_point(|&(b, _)| b < a);
        let answered_a = self.by_answer[from..].iter().take_while(|&&(b, _)| b == a);
        let candidates: Vec<usize> = answered_a.map(|&(_, i)| i).filter(|&i| !placed[i]).collect();
        let (doomed, twice) = doom;
        if !*doomed {
            let completed = || candidates.iter().copied().filter(|&i| ops[i].completed());
            match candidates[..] {
                // A gap: the earliest invoked unknown increment fills it, if any can (exchange
                // argument in the module's documentation).
                [] => {
                    return match self.by_invocation.get(returns.first_unknown) {
                        Some(&(_, u)) => place(ops, u, state, earliest),
                        None => Next1::End,
                    }
                }
                // Placing anything else moves the register past `a - 1` for good.
                [i] if ops[i].invoke_seq <= earliest => return place(ops, i, state, earliest),
                [_] => {} // not enabled: it never will be
                _ if completed().count() >= 2 => {
                    let last = completed().max_by_key(|&i| ops[i].return_seq).expect("two completed");
                    *twice = Some((last, completed().min_by_key(|&i| ops[i].return_seq).expect("two completed")));
                }
                _ => return Next1::Choice,
            }
            *doomed = true;
        }
        self.longest_way_on(ops, &candidates, state, earliest, returns)
    }

    /// Where the longest consistent order goes on once no end is reachable. Of the operations
    /// that answered the next value (at most one of them can ever be placed: the register never
    /// holds the value before it again), the enabled one that returned first (or one not
    /// returned): the others' returns, no earlier than its own, bound what may be placed later
    /// no more than its own would, and an unknown increment placed instead would be one less
    /// for a later gap. Else the gap's filler, as in [`Chains::next`]. Whatever any other
    /// choice lets the walk place later, this one lets it place too: no other choice gives a
    /// longer order.
    fn longest_way_on(
        &self,
        ops: &[CheckOp],
        candidates: &[usize],
        state: &State,
        earliest: u64,
        returns: &Returns,
    ) -> Next1 {
        let enabled = candidates.iter().copied().filter(|&i| ops[i].invoke_seq <= earliest);
        let answered = enabled.min_by_key(|&i| ops[i].return_seq.unwrap_or(u64::MAX));
        let unknown = || self.by_invocation.get(returns.first_unknown).map(|&(_, u)| u);
        match answered.or_else(unknown).map(|i| place(ops, i, state, earliest)) {
            Some(placed @ Next1::Place(..)) => placed,
            _ => Next1::End, // none enabled, or not an increment this module assumes
        }
    }
}

/// Places operation `i` next if it is enabled (invoked before the `earliest` return of an
/// unplaced completed operation); the path ends if not.
fn place(ops: &[CheckOp], i: usize, state: &State, earliest: u64) -> Next1 {
    if ops[i].invoke_seq > earliest {
        return Next1::End; // not enabled, and nothing else moves the register
    }
    let mut nexts = Vec::new();
    ops[i].successors(state, &mut nexts);
    match nexts.pop() {
        Some(Next::New(next)) if nexts.is_empty() => Next1::Place(i, next),
        _ => Next1::Choice, // not the increment this module assumes: let the search decide
    }
}

impl Returns {
    /// Operation `i` was placed.
    fn placed(&mut self, ops: &[CheckOp], i: usize, placed: &[bool], chains: &Chains) {
        self.left -= usize::from(ops[i].completed());
        self.skip_placed(chains, placed);
    }

    fn skip_placed(&mut self, chains: &Chains, placed: &[bool]) {
        for (first, sorted) in [(&mut self.first, &chains.by_return), (&mut self.first_unknown, &chains.by_invocation)]
        {
            while sorted.get(*first).is_some_and(|&(_, i)| placed[i]) {
                *first += 1;
            }
        }
    }
}

/// An integer as a `u64` in the same order.
fn ordered(a: i64) -> u64 {
    (a as u64) ^ (1 << 63)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "chain_tests.rs"]
mod tests;
