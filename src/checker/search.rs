//! The search for one key: Wing & Gong's algorithm over a linked list of call/return entries,
//! with Lowe's cache of (linearized set, state) configurations already explored.
//!
//! **Cost.** Each search step does O(1) work (amortized) on top of applying one operation to
//! the model, which touches only that operation's own values (bounded by the contract's value
//! size): the linearized set is a 128-bit Zobrist hash updated by one XOR per lift or backtrack,
//! never a copied bit set; states are numbered once when an operation creates them, so the memo
//! and the stack hold numbers and a read or refusal reuses its state's number; and the longest
//! partial linearization is snapshotted lazily and incrementally (see [`Longest`]). So the step
//! budget bounds the search's wall time: time ∝ steps. Before the search, sorting the history's
//! entries costs O(n log n) once. A sequential history of n operations takes n + 1 steps.

#[path = "chain.rs"]
mod chain;
// Native only: 4.4 KB of gzipped wasm, measured (past the dist gate); the wasm folds through the search.
#[cfg(not(target_arch = "wasm32"))]
#[path = "range_fold.rs"]
mod range_fold;

use super::model::{CheckOp, Expect, Next, State};
use super::prune::Pruning;
use super::unread::UnreadValues;
use super::{Violation, ViolationKind};
use crate::fxhash::{FxHashMap, FxHasher};
use serde_json::Value as Json;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The verdict on one key.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyResult {
    /// A linearization: operation ids in order (unknown operations that never took effect are
    /// left out).
    Linearizable(Vec<u64>),
    Violation(Violation),
    /// No verdict, and why.
    Unknown(Undecided),
}

/// Why a key has no verdict (`check()`'s `keys[key].reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Undecided {
    /// The search's step budget ran out first.
    OutOfBudget,
    /// The incremental checker held [`MAX_SEGMENT_OPS`] settled operations of the key that no
    /// fold could drop, and stopped checking it: the verdict stays for the rest of the run (see
    /// [`super::Ledger`]).
    ///
    /// [`MAX_SEGMENT_OPS`]: crate::limits::MAX_SEGMENT_OPS
    Unfoldable,
}

impl Undecided {
    /// One sentence a person can read.
    pub fn reason(self) -> String {
        match self {
            Undecided::OutOfBudget => "the search ran out of budget".to_owned(),
            Undecided::Unfoldable => format!(
                "the checker gave up on this key for the rest of the run: it held {} settled operations that no fold could drop",
                crate::limits::MAX_SEGMENT_OPS
            ),
        }
    }
}

/// Checks one key's operations from the empty register; returns the verdict and the search
/// steps used.
pub fn check_key(ops: &[CheckOp], step_budget: u64) -> (KeyResult, u64) {
    check_key_from(ops, &[Config::default()], step_budget)
}

/// [`check_key_from`], and when its budget runs out, the verdict on the history as it stood just
/// before the first operation invoked at or after `from` that the forced chains cannot take
/// (outside tester, round 17: a `get` or `put` appended to a broken batch turned `violation`
/// into `unknown`). A violation there is one of the whole history: linearizability is
/// prefix-closed, and every operation that returned before that instant stays returned before
/// it (`from`: the key's last cut, before which every folded operation returned).
///
/// That earlier history is checked first when the forced chains take all of it (a walk of one
/// step per configuration): a violation there is the answer without the whole key's search,
/// which spent its whole budget first (outside tester 17: 14.5 s in wasm after a `put`).
pub fn check_key_or_earlier(ops: &[CheckOp], initial: &[Config], from: u64, step_budget: u64) -> (KeyResult, u64) {
    let first_unchained =
        ops.iter().filter(|op| op.invoke_seq >= from && !chain::chained(op)).map(|op| op.invoke_seq).min();
    let Some(instant) = first_unchained else { return check_key_from(ops, initial, step_budget) };
    let before = as_before(ops, instant);
    // A read the configurations placed, in flight then, is left out: it changed no state.
    let in_flight = |op: &&CheckOp| op.invoke_seq < instant && op.return_seq.is_none_or(|r| r >= instant);
    let left_out: Vec<u64> = ops.iter().filter(in_flight).filter(|op| op.kind.is_read_only()).map(|op| op.id).collect();
    let mut from_configs = initial.to_vec();
    for c in &mut from_configs {
        c.placed.retain(|id| !left_out.contains(id));
    }
    let mut steps = 0;
    if let Some((found, walked)) = chain::forced(&before, &from_configs, Goal::OneLinearization, step_budget) {
        if let Found::Violation(v) = found {
            let (told, more) = told_whole(ops, initial, (&before, v), walked, step_budget);
            return (KeyResult::Violation(told), walked + more);
        }
        steps = walked;
    }
    let (result, more) = check_key_from(ops, initial, step_budget);
    if steps > 0 || !matches!(result, KeyResult::Unknown(_)) {
        return (result, steps + more);
    }
    let (earlier, again) = check_key_from(&before, &from_configs, step_budget);
    match earlier {
        KeyResult::Violation(v) => {
            let (told, most) = told_whole(ops, initial, (&before, v), again, step_budget);
            (KeyResult::Violation(told), more + again + most)
        }
        _ => (result, more + again),
    }
}

/// A violation proved on the history as it stood earlier (operations then in flight floating,
/// their answers and returns unchecked: `proved`, in `spent` steps), told from the plain search
/// of the whole history `ops`, whose longest consistent order replays every operation with its
/// real answer and return (outside tester 20: the earlier order placed an increment that had
/// answered 3 where it made 1, and called it "outcome unknown"). The plain search gets the
/// proof's steps plus [`EXPLANATION_STEPS`]; past them the violation is told from the earlier
/// order's operations that had returned then (in `earlier`), the part of it the whole history
/// replays alike, as a consistent order only (not the longest). (Never inlined: two callers.)
#[inline(never)]
fn told_whole(
    ops: &[CheckOp],
    initial: &[Config],
    (earlier, proved): (&[CheckOp], Violation),
    spent: u64,
    step_budget: u64,
) -> (Violation, u64) {
    let telling = EXPLANATION_STEPS.max(EXPLANATION_STEPS_PER_OP * ops.len() as u64);
    let (plain, steps) = search(ops, initial, Goal::OneLinearization, (spent + telling).min(step_budget), false);
    if let Found::Violation(v) = plain {
        return (v, steps);
    }
    // Linear scans, not a map (less wasm): once per violated key, after a search that ran out of
    // its budget, which costs far more.
    let returned_then = |id: &u64| earlier.iter().any(|op| op.id == *id && op.return_seq.is_some());
    let mut told = proved;
    let kept = told.longest.iter().take_while(|id| returned_then(id)).count();
    told.longest.truncate(kept);
    // The answered-same clause holds in the whole history too: kept (as data, `answered_same`).
    told.explanation = told_from_a_consistent_order(ops, &told);
    (told, steps)
}

/// The sentence of violation `v` told from its `longest`, a consistent order of `ops` that is
/// not known to be the longest: what it says is `v`'s data (its stuck operation, its order's
/// length, the operation that answered the same), found in `ops`.
pub(super) fn told_from_a_consistent_order(ops: &[CheckOp], v: &Violation) -> String {
    let op = |id: u64| ops.iter().find(|op| op.id == id).expect("an operation of the key");
    sentence(op(v.ops[0]), "a", v.longest.len(), "", v.answered_same.map(op))
}

/// The operations as they stood just before position `instant`: those invoked before it, and of
/// them the ones returning at or after it in flight (a write floats as one of unknown outcome,
/// a read is left out, as [`CheckOp::from_record`] makes them).
pub(super) fn as_before(ops: &[CheckOp], instant: u64) -> Vec<CheckOp> {
    let mut out = Vec::new();
    for op in ops.iter().filter(|op| op.invoke_seq < instant) {
        if op.return_seq.is_some_and(|r| r < instant) {
            out.push(op.clone());
        } else if !op.kind.is_read_only() {
            out.push(CheckOp { return_at: None, return_seq: None, expect: Expect::Maybe, ..op.clone() });
        }
    }
    out
}

/// A configuration a search starts from or ends in: the register's state, and the operations of
/// the search placed before it that had not returned at its point (ids, ascending).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub state: State,
    pub placed: Vec<u64>,
}

/// Checks one key's operations from any of `initial` (what a folded prefix allows; not empty):
/// linearizable if some linearization starts from one of them.
pub fn check_key_from(ops: &[CheckOp], initial: &[Config], step_budget: u64) -> (KeyResult, u64) {
    let (found, steps) = search_explained(ops, initial, Goal::OneLinearization, step_budget);
    let result = match found {
        Found::Order(order) => KeyResult::Linearizable(order),
        Found::Ends(_) => unreachable!("one linearization was asked for"),
        Found::Violation(v) => KeyResult::Violation(v),
        Found::OutOfBudget => KeyResult::Unknown(Undecided::OutOfBudget),
    };
    (result, steps)
}

/// The plain search (no reductions) from the empty register, for the sweeps' comparisons (native only).
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(super) fn check_key_plain(ops: &[CheckOp], step_budget: u64) -> (KeyResult, u64) {
    match search(ops, &[Config::default()], Goal::OneLinearization, step_budget, false) {
        (Found::Order(order), steps) => (KeyResult::Linearizable(order), steps),
        (Found::Violation(v), steps) => (KeyResult::Violation(v), steps),
        (_, steps) => (KeyResult::Unknown(Undecided::OutOfBudget), steps),
    }
}

/// Every configuration a linearization of `ops` from one of `initial` can end in, once every
/// completed operation is placed (operations that have not returned: placed or not), each once;
/// or why there is none (`Unknown`: the budget ran out, or there are more than `max_ends`).
/// Explores every configuration (linearized set, state) once.
pub fn end_states(
    ops: &[CheckOp],
    initial: &[Config],
    max_ends: usize,
    step_budget: u64,
) -> (Result<Vec<Config>, KeyResult>, u64) {
    let (found, steps) = search_explained(ops, initial, Goal::EveryEndState { max_ends }, step_budget);
    let result = match found {
        Found::Ends(ends) => Ok(ends),
        Found::Order(_) => unreachable!("every end state was asked for"),
        Found::Violation(v) => Err(KeyResult::Violation(v)),
        Found::OutOfBudget => Err(KeyResult::Unknown(Undecided::OutOfBudget)),
    };
    (result, steps)
}

/// [`end_states`] for a prefix of increments, some of unknown outcome, cut where no completed
/// operation spans the cut (`range_fold.rs`): its ends up to dominance, walked; `None` when the
/// walk does not apply. `ended`: where each operation ended.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn unknown_increment_ends(
    ops: &[CheckOp],
    ended: &[u64],
    initial: &[Config],
    max_ends: usize,
    step_budget: u64,
) -> Option<(Result<Vec<Config>, KeyResult>, u64)> {
    let (found, steps) = range_fold::fold(ops, ended, initial, max_ends, step_budget)?;
    let result = match found {
        Found::Ends(ends) => Ok(ends),
        Found::Violation(v) => Err(KeyResult::Violation(v)),
        _ => Err(KeyResult::Unknown(Undecided::OutOfBudget)),
    };
    Some((result, steps))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Goal {
    /// Stop at the first linearization.
    OneLinearization,
    /// Explore them all, collecting the configurations they end in (giving up past `max_ends`).
    EveryEndState { max_ends: usize },
}

enum Found {
    Order(Vec<u64>),
    Ends(Vec<Config>),
    Violation(Violation),
    OutOfBudget,
}

/// Steps the plain search may take to tell a violation, beyond those the proof took: this many,
/// or this many per operation if more (a proof can take a step where the plain search walks the
/// whole history: a completed read or increment no operation left can serve).
const EXPLANATION_STEPS: u64 = 100_000;
const EXPLANATION_STEPS_PER_OP: u64 = 8;

/// The search with the reductions of [`Pruning`]; a violation it proves is then told from the
/// plain search's longest consistent order, which the reductions cut short (a starved read
/// ends the search where it starves, possibly before anything is placed), when the plain search
/// finishes within the proof's steps plus [`EXPLANATION_STEPS`] (so at most doubling the cost).
fn search_explained(ops: &[CheckOp], initial: &[Config], goal: Goal, step_budget: u64) -> (Found, u64) {
    if let Some(forced) = chain::forced(ops, initial, goal, step_budget) {
        return forced;
    }
    let (found, steps) = search(ops, initial, goal, step_budget, true);
    let Found::Violation(proved) = found else { return (found, steps) };
    let telling = EXPLANATION_STEPS.max(EXPLANATION_STEPS_PER_OP * ops.len() as u64);
    let budget = (steps + telling).min(step_budget);
    let (plain, more) = search(ops, initial, goal, budget, false);
    debug_assert!(matches!(plain, Found::Violation(_) | Found::OutOfBudget), "the reductions are exact");
    let told = if let Found::Violation(v) = plain { v } else { proved };
    (Found::Violation(told), steps + more)
}

/// Wing & Gong's search from each initial configuration in turn, sharing Lowe's memo (a
/// configuration determines its future, whichever initial one it came from), with the
/// reductions of [`Pruning`] when `reduced`.
fn search(ops: &[CheckOp], initial: &[Config], goal: Goal, step_budget: u64, reduced: bool) -> (Found, u64) {
    assert!(!initial.is_empty(), "a search starts from at least one configuration");
    let mut entries = Entries::new(ops);
    let one_verdict = reduced && goal == Goal::OneLinearization;
    let unread = UnreadValues::new(ops, one_verdict);
    let mut pruning = Pruning::new(ops, reduced, one_verdict, &unread);
    let index_of: FxHashMap<u64, usize> = ops.iter().enumerate().map(|(i, op)| (op.id, i)).collect();
    let zobrist: Vec<u128> = (0..ops.len()).map(zobrist_key).collect();
    let mut states = States::default();
    let mut explored: HashSet<(u128, usize), BuildHasherDefault<FxHasher>> = HashSet::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut longest = Longest::default();
    let mut ends: Vec<(usize, Vec<u64>)> = Vec::new();
    let mut ended: HashSet<(usize, Vec<u64>), BuildHasherDefault<FxHasher>> = HashSet::default();
    let mut nexts: Vec<Next> = Vec::new();
    let mut steps = 0u64;
    let order = |stack: &[Frame], entries: &Entries| stack.iter().map(|f| ops[entries.op(f.call)].id).collect();

    for (n, config) in initial.iter().enumerate() {
        let start = states.id(unread.merged(config.state.clone()));
        if n == 0 {
            longest.state = start;
        }
        let placed = config.placed.iter().map(|id| *index_of.get(id).expect("a placed operation is searched"));
        let mut linearized: u128 = placed.clone().fold(0, |h, i| h ^ zobrist[i]); // Zobrist hash
        if !explored.insert((linearized, start)) {
            continue; // met before
        }
        for i in placed {
            stack.push(Frame {
                call: entries.call_of[i],
                before: start,
                taken: usize::MAX,
                forced: false,
                late: false,
            });
            entries.lift(entries.call_of[i]);
            pruning.place(i);
        }
        let base = stack.len();
        let mut state = start;
        let mut entry = entries.first();
        // The successor index to try next at `entry`.
        let mut resume_from = 0usize;
        // A configuration just reached (looked at by `settle` first), and one found to have no way on.
        let mut arrived = true;
        let mut dead_below = false;
        // Scanning for the floating collection, the others tried (see `Frame::late`).
        let mut late = false;
        loop {
            steps += 1;
            if steps > step_budget {
                return (Found::OutOfBudget, steps);
            }
            let mut dead = std::mem::take(&mut dead_below);
            let mut starved = false;
            if arrived {
                arrived = false;
                match settle(ops, &mut entries, &mut pruning, &mut states, state, &mut nexts, &mut steps) {
                    Arrival::Open => {}
                    Arrival::Starved => (dead, starved) = (true, true),
                    Arrival::Observer(call) => {
                        // Placed without branching: if it leads nowhere, neither does this configuration.
                        let with_op = linearized ^ zobrist[entries.op(call)];
                        if explored.insert((with_op, state)) {
                            stack.push(Frame { call, before: state, taken: 0, forced: true, late: false });
                            linearized = with_op;
                            entries.lift(call);
                            pruning.place(entries.op(call));
                            entry = entries.first();
                            arrived = true;
                            continue;
                        }
                        dead = true;
                    }
                }
            }
            // Every completed operation is placed at the end of the list, or when only operations
            // that have not returned are left (they may take effect later, or never).
            let at_end =
                !dead && (entry == NIL || (!entries.list[entry].is_call && !ops[entries.op(entry)].completed()));
            if at_end && goal == Goal::OneLinearization {
                return (Found::Order(order(&stack, &entries)), steps);
            }
            if at_end {
                let mut open: Vec<u64> = stack
                    .iter()
                    .map(|f| &ops[entries.op(f.call)])
                    .filter(|op| !op.completed())
                    .map(|op| op.id)
                    .collect();
                crate::sorting::sort_short(&mut open);
                if ended.insert((state, open.clone())) {
                    ends.push((state, open));
                }
                if let Goal::EveryEndState { max_ends } = goal {
                    if ends.len() > max_ends {
                        return (Found::OutOfBudget, steps);
                    }
                }
            }
            if !dead && !at_end && entries.list[entry].is_call {
                let e = entries.list[entry];
                if pruning.is_deferred(e.op) != late || !pruning.may_place(ops, e.op, || entries.first_return_seq(ops))
                {
                    entry = e.next; // another interchangeable operation goes first
                    resume_from = 0;
                    continue;
                }
                nexts.clear();
                ops[e.op].successors(states.get(state), &mut nexts);
                let with_op = linearized ^ zobrist[e.op];
                let mut lifted = false;
                for (t, next) in nexts.drain(..).enumerate().skip(resume_from) {
                    let next = match next {
                        Next::Same => state,
                        Next::New(s) => states.id(unread.merged(s)),
                    };
                    if explored.insert((with_op, next)) {
                        stack.push(Frame { call: entry, before: state, taken: t, forced: false, late });
                        late = false;
                        state = next;
                        linearized = with_op;
                        entries.lift(entry);
                        pruning.place(e.op);
                        entry = entries.first();
                        arrived = true;
                        lifted = true;
                        break;
                    }
                }
                resume_from = 0;
                if !lifted {
                    entry = e.next;
                }
                continue;
            }
            // The other operations were tried here: now the floating collection, if one is left.
            if !dead && !late && pruning.deferred_left() {
                late = true;
                entry = entries.first();
                resume_from = 0;
                continue;
            }
            // A completed operation's return with the operation not placed, the end of the list
            // while collecting end states, or a configuration found dead: backtrack.
            longest.backtracking_from(&stack, state, &entries, || {
                if starved {
                    pruning.starved_read(ops, state, states.get(state))
                } else {
                    None
                }
            });
            if stack.len() == base {
                break;
            }
            let frame = stack.pop().expect("above the configuration's placed operations");
            longest.popped_to(stack.len());
            linearized ^= zobrist[entries.op(frame.call)];
            state = frame.before;
            entries.unlift(frame.call);
            pruning.unplace(entries.op(frame.call));
            entry = frame.call;
            resume_from = frame.taken + 1;
            late = frame.late;
            // A forced frame: the configuration below had one way on, and it failed.
            dead_below = frame.forced;
        }
        while let Some(frame) = stack.pop() {
            entries.unlift(frame.call); // the configuration's placed operations, last first
            pruning.unplace(entries.op(frame.call));
        }
        longest.popped_to(0);
    }
    if ends.is_empty() {
        return (Found::Violation(explain(ops, &longest, states.get(longest.state))), steps);
    }
    let ends = ends.into_iter().map(|(s, placed)| Config { state: states.get(s).clone(), placed }).collect();
    (Found::Ends(ends), steps)
}

/// What a configuration just reached allows before branching.
enum Arrival {
    /// Branch over the enabled operations.
    Open,
    /// A completed read can no longer be placed ([`Pruning::starving`]).
    Starved,
    /// This enabled observer (its call entry) fits the state: place it first.
    Observer(usize),
}

/// Looks at a configuration just reached (state number `state`): dead, or an observer to place
/// first, or neither. Counts the entries it visits as search steps.
fn settle(
    ops: &[CheckOp],
    entries: &mut Entries,
    pruning: &mut Pruning,
    states: &mut States,
    state: usize,
    nexts: &mut Vec<Next>,
    steps: &mut u64,
) -> Arrival {
    if pruning.starving(state, states.get(state)) {
        return Arrival::Starved;
    }
    if !pruning.observers_left() {
        return Arrival::Open;
    }
    let mut entry = entries.first();
    while entry != NIL && entries.list[entry].is_call {
        *steps += 1;
        let op = entries.op(entry);
        if pruning.is_observer(op) {
            nexts.clear();
            ops[op].successors(states.get(state), nexts);
            if nexts.contains(&Next::Same) {
                return Arrival::Observer(entry);
            }
        }
        entry = entries.list[entry].next;
    }
    Arrival::Open
}

/// One linearized operation on the search stack.
struct Frame {
    /// Its call entry.
    call: usize,
    /// The state before it.
    before: usize,
    /// Which of its successors was taken.
    taken: usize,
    /// Placed first as an observer that fits ([`Pruning`]): the configuration below it has no
    /// other way on.
    forced: bool,
    /// Placed in the configuration's second scan: **floating collections last**. A configuration
    /// is scanned first for every other operation, then for the floating collection the chain
    /// allows ([`super::collections`]). Only the order in which the search tries a
    /// configuration's successors changes, never which ones it tries, so the verdict (and a
    /// fold's end configurations) cannot: the memoized search is exhaustive either way. It finds
    /// a linearization sooner when resets are not needed, and a reset tried first is usually a
    /// large dead subtree (issue 9's seed 5: a register's version is read, and a reset makes
    /// every later version read out of reach only after many more writes).
    late: bool,
}

#[derive(Clone, Copy)]
struct Entry {
    op: usize,
    is_call: bool,
    /// For a call: the index of its return entry.
    partner: usize,
    prev: usize,
    next: usize,
}

const NIL: usize = usize::MAX;

/// The call and return entries of one key's operations in real-time order, as a doubly linked
/// list from which a linearized operation's two entries are lifted (and put back when the search
/// backtracks).
struct Entries {
    list: Vec<Entry>,
    /// Each operation's call entry.
    call_of: Vec<usize>,
    /// A sentinel before the first entry.
    head: usize,
}

impl Entries {
    fn new(ops: &[CheckOp]) -> Entries {
        // Ordered by position in the event sequence. Real histories never tie; hand-written ones
        // may, and then calls come first, so operations that touch count as concurrent. Unknown
        // operations return "at infinity". Each event is (position, tiebreak): a call's tiebreak is
        // its operation's index, a return's is offset by `ops.len()` so that it sorts after every
        // call at the same position (plain pairs: the sort `crate::sorting` keeps few copies of).
        let returns = ops.len();
        let mut events: Vec<(u64, usize)> = Vec::with_capacity(ops.len() * 2);
        for (i, op) in ops.iter().enumerate() {
            events.push((op.invoke_seq, i));
            events.push((op.return_seq.unwrap_or(u64::MAX), returns + i));
        }
        crate::sorting::merge_sort(&mut events);
        let head = events.len();
        let mut list: Vec<Entry> = Vec::with_capacity(events.len() + 1);
        let mut call_of = vec![NIL; ops.len()];
        for (i, &(_, tiebreak)) in events.iter().enumerate() {
            let (is_return, op) = if tiebreak >= returns { (true, tiebreak - returns) } else { (false, tiebreak) };
            let prev = if i == 0 { head } else { i - 1 };
            list.push(Entry { op, is_call: !is_return, partner: NIL, prev, next: i + 1 });
            if is_return {
                list[call_of[op]].partner = i;
            } else {
                call_of[op] = i;
            }
        }
        if let Some(last) = list.last_mut() {
            last.next = NIL;
        }
        let first = if events.is_empty() { NIL } else { 0 };
        list.push(Entry { op: NIL, is_call: false, partner: NIL, prev: NIL, next: first });
        Entries { list, call_of, head }
    }

    fn first(&self) -> usize {
        self.list[self.head].next
    }

    /// The position of the earliest return entry left (`u64::MAX`: none, or only those of
    /// operations that never returned).
    fn first_return_seq(&self, ops: &[CheckOp]) -> u64 {
        let mut entry = self.first();
        while entry != NIL && self.list[entry].is_call {
            entry = self.list[entry].next;
        }
        if entry == NIL {
            return u64::MAX;
        }
        ops[self.list[entry].op].return_seq.unwrap_or(u64::MAX)
    }

    fn op(&self, entry: usize) -> usize {
        self.list[entry].op
    }

    fn lift(&mut self, call: usize) {
        for e in [call, self.list[call].partner] {
            let Entry { prev, next, .. } = self.list[e];
            self.list[prev].next = next;
            if next != NIL {
                self.list[next].prev = prev;
            }
        }
    }

    fn unlift(&mut self, call: usize) {
        for e in [self.list[call].partner, call] {
            let Entry { prev, next, .. } = self.list[e];
            self.list[prev].next = e;
            if next != NIL {
                self.list[next].prev = e;
            }
        }
    }
}

/// Operation `i`'s random 128-bit key: the hash of a set of operations is the XOR of its
/// members' keys (Zobrist hashing), updated in O(1) as the search lifts and backtracks.
///
/// Collisions. For two different sets, the XOR of their hashes is the XOR of the keys of a
/// non-empty set of operations; with independent uniform keys it is uniform over 2^128 values,
/// so any one pair collides with probability 2^-128. The memo holds at most one configuration
/// per search step; even 2^32 of them (far more memory than a browser gives) make fewer than
/// 2^63 pairs, so the chance of any collision is below 2^-65. A collision can only prune an
/// unexplored branch, i.e. at worst report a violation that is not one — never the reverse: a
/// "linearizable" verdict always comes with the order it found, which is checked step by step.
/// Keys come from SplitMix64 with a fixed seed, so verdicts are deterministic.
fn zobrist_key(i: usize) -> u128 {
    let word = |n: u64| {
        let mut z = n.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(0x632b_e59b_d9b4_e019);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let i = i as u64;
    (u128::from(word(2 * i)) << 64) | u128::from(word(2 * i + 1))
}

const NONE: usize = usize::MAX;

/// Every distinct state the search met, numbered. A state is fingerprinted and compared only
/// when an operation creates it; the memo and the stack hold its number.
#[derive(Default)]
struct States {
    all: Vec<State>,
    /// Fingerprint → the newest state with it; older ones are chained through `same_print`.
    by_print: FxHashMap<u64, usize>,
    same_print: Vec<usize>,
}

impl States {
    fn id(&mut self, s: State) -> usize {
        let print = fingerprint(&s);
        let newest = self.by_print.get(&print).copied().unwrap_or(NONE);
        let mut candidate = newest;
        while candidate != NONE {
            if self.all[candidate] == s {
                return candidate;
            }
            candidate = self.same_print[candidate];
        }
        let id = self.all.len();
        self.all.push(s);
        self.same_print.push(newest);
        self.by_print.insert(print, id);
        id
    }

    fn get(&self, id: usize) -> &State {
        &self.all[id]
    }
}

/// A hash of a state consistent with its equality (object keys in any order, -0 and 0 alike);
/// states with one fingerprint are then compared in full, so collisions cost time, not answers.
fn fingerprint(s: &State) -> u64 {
    let mut h = FxHasher::default();
    s.version.hash(&mut h);
    hash_json(&s.value, &mut h);
    h.finish()
}

pub(super) fn hash_json(v: &Json, h: &mut FxHasher) {
    match v {
        Json::Null => 0u8.hash(h),
        Json::Bool(b) => (1u8, *b).hash(h),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => (2u8, u).hash(h),
            (None, Some(i)) => (3u8, i).hash(h),
            // serde_json compares floats by value: 0.0 == -0.0.
            _ => (4u8, (n.as_f64().unwrap_or(0.0) + 0.0).to_bits()).hash(h),
        },
        Json::String(s) => (5u8, s).hash(h),
        Json::Array(a) => {
            (6u8, a.len()).hash(h);
            for x in a {
                hash_json(x, h);
            }
        }
        Json::Object(m) => {
            // Maps are equal whatever their order: combine the entries' hashes commutatively.
            let entries = m.iter().fold(0u64, |sum, (k, x)| {
                let mut e = FxHasher::default();
                k.hash(&mut e);
                hash_json(x, &mut e);
                sum.wrapping_add(e.finish())
            });
            (7u8, m.len(), entries).hash(h);
        }
    }
}

/// The longest partial linearization found, for the explanation of a violation.
///
/// Snapshotted lazily: only when the search backtracks from a stack longer than any before (the
/// stack then is the first one that reached that length, as if recorded when it grew). And
/// incrementally: `ops[..common]` always equals the stack's bottom, so a snapshot copies only
/// the frames pushed since the stack last shrank below them — each push is copied at most once,
/// O(1) amortized per step.
#[derive(Default)]
struct Longest {
    /// Operations (indices into the key's operations), in order.
    ops: Vec<usize>,
    /// Whether each changed the register.
    wrote: Vec<bool>,
    /// The state after them.
    state: usize,
    common: usize,
    /// The completed read that could no longer be placed after them, when that is why the
    /// search turned back there ([`Pruning::starved_read`]).
    starved: Option<usize>,
    /// The completed operation that gave the answer `starved` gave, when that answer can be
    /// given once only ([`chain`], `range_fold.rs`): the violation's [`Violation::answered_same`].
    answered_same: Option<usize>,
    /// Whether anything was snapshotted yet (an empty order, too, may be the longest).
    recorded: bool,
}

impl Longest {
    fn backtracking_from(
        &mut self,
        stack: &[Frame],
        state: usize,
        entries: &Entries,
        starved: impl FnOnce() -> Option<usize>,
    ) {
        if self.recorded && stack.len() <= self.ops.len() {
            return;
        }
        self.recorded = true;
        self.starved = starved();
        self.ops.truncate(self.common);
        self.wrote.truncate(self.common);
        for (i, frame) in stack.iter().enumerate().skip(self.common) {
            let after = stack.get(i + 1).map_or(state, |f| f.before);
            self.ops.push(entries.op(frame.call));
            self.wrote.push(after != frame.before);
        }
        self.common = stack.len();
        self.state = state;
    }

    fn popped_to(&mut self, len: usize) {
        self.common = self.common.min(len);
    }
}

/// The violation, told from the longest partial linearization: the earliest-returning completed
/// operation not in it could not be placed after it. (Never inlined: two callers, the search
/// and [`chain`], share its formatting code in the wasm.)
#[inline(never)]
fn explain(ops: &[CheckOp], longest: &Longest, state: &State) -> Violation {
    let mut placed = vec![false; ops.len()];
    for &i in &longest.ops {
        placed[i] = true;
    }
    let stuck = longest.starved.unwrap_or_else(|| {
        (0..ops.len())
            .filter(|&i| !placed[i] && ops[i].completed())
            .min_by_key(|&i| (ops[i].return_seq, ops[i].invoke_seq))
            .unwrap_or(0)
    });
    let s = &ops[stuck];
    let writer = longest.ops.iter().zip(&longest.wrote).rev().find(|(_, wrote)| **wrote).map(|(i, _)| *i);
    let mut order = " leaves the register at ".to_owned();
    if state.version == 0 {
        order.push_str("its initial empty state");
    } else {
        order.push_str(&format!("{} (version {})", state.value, state.version));
    }
    if let Some(w) = writer {
        let (when, at) = ops[w].return_at.map_or(("invoked", ops[w].invoke_at), |t| ("completed", t));
        order.push_str(&format!(", last written by {} ({when} at {at}ms)", ops[w].describe()));
    }
    let same = longest.answered_same.map(|i| &ops[i]);
    let explanation = sentence(s, "the longest", longest.ops.len(), &order, same);
    let mut involved = vec![s.id];
    involved.extend(writer.map(|w| ops[w].id));
    Violation {
        kind: ViolationKind::Linearizability,
        key: s.key.to_string(),
        ops: involved,
        longest: longest.ops.iter().map(|i| ops[*i].id).collect(),
        answered_same: same.map(|op| op.id),
        explanation,
    }
}

/// A violation's sentence, built here only: `stuck` fits no linearization; `which` consistent
/// order (of `placed` operations, then `told`) it was told from; and, last, the operation that
/// gave the same answer as `stuck` when there is one ([`Violation::answered_same`]).
fn sentence(stuck: &CheckOp, which: &str, placed: usize, told: &str, same: Option<&CheckOp>) -> String {
    let mut text = format!(
        "{} at {}–{}ms fits no linearization: {which} consistent order ({}){told}",
        stuck.describe(),
        stuck.invoke_at,
        stuck.return_at.unwrap_or(u64::MAX),
        crate::ops::counted(placed as u32, "operation"),
    );
    if let Some(op) = same {
        text.push_str(&format!(", and {} answered the same", op.describe()));
    }
    text
}
