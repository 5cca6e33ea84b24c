//! Two reductions that keep the search from exploring orders that cannot succeed, both exact
//! (they change how fast a verdict comes, never which one, nor the configurations a fold ends
//! in), and the owner of a third, [`super::collections`] (collections placed earliest first):
//!
//! - **Observers first.** An *observer* is a completed operation that never changes the register
//!   (a read, a refusal). When one is enabled (invoked before every unplaced operation's return)
//!   and fits the current state, placing it right now is as good as any later place: it changes
//!   nothing, and nothing unplaced must precede it. So the search places it without branching.
//! - **Starved reads.** A completed read (`get`, `read`) that is not placed yet needs the register
//!   to hold its value at some point. Its possible *sources* are the operations that may write
//!   that value, were invoked before the read returned (or at once: ties are concurrent), and do not precede (in real time) an
//!   operation that precedes the read and certainly left another value (a completed read of
//!   another value, a completed `put` or `delete` of one): such an operation sits between them
//!   in every linearization. When the register does not hold the read's value now and no
//!   unplaced source is left, no order from here succeeds: the search backtracks at once
//!   instead of at the read's return, after every order of the operations in between.
//!   **And its version** (issue 9): a starved `read` (which answered a version too) needs the
//!   register to hold its value *at its version* right now. Why: the last write placed before
//!   the read must be one of its sources (a write of its value placed later than every fixer
//!   that separates the others from it; a write of another value, or no write at all, leaves
//!   the wrong value), and none is left unplaced; so no write may come between now and the
//!   read, and the state it sees is the state now. Every operation that may change the state
//!   writes known values (else the test is off, as above), a collection included (`null`).
//!   Without this a source placed at the wrong version left its reads to fail at their
//!   returns, after every order of what overlapped them (issue 9's seed 5 with a read's
//!   version changed: `unknown`).
//!
//! Without them a register history of 30 overlapping operations (puts, deletes, collections)
//! took tens of millions of steps; see the checker's section of the README.

use super::collections::Collections;
use super::model::{CheckOp, Expect, State, Step};
use super::same_effect::SameEffect;
use super::search::hash_json;
use super::unread::UnreadValues;
use crate::fxhash::{FxHashMap, FxHasher};
use crate::ops::Op;
use serde_json::Value as Json;
use std::hash::Hasher;

const NO_VALUE: u32 = u32::MAX;

/// What an operation writes, for the starved-read test.
#[derive(Clone, Debug, PartialEq)]
enum Writes {
    /// Nothing, whatever the state (an observer, a refused change).
    Nothing,
    /// One of these read values (numbered), or values no read asks for.
    Known(Vec<u32>),
    /// Values computed from the state (an increment, a lock): any value, as far as this knows.
    Any,
}

/// A source serves at most this many reads: the counts it updates when placed. Reads served by
/// one that would serve more are not tracked (never starved: the search finds out late).
const MAX_SERVED: usize = 64;

/// Per search: which operations are observers, and the counts behind the starved-read test,
/// updated in O(1) per operation placed or put back (at most [`MAX_SERVED`] counts each).
pub(super) struct Pruning {
    observer: Vec<bool>,
    /// The value each tracked completed read needs (numbered), else `NO_VALUE`.
    needs: Vec<u32>,
    /// The version it needs with that value (a `read`'s answer; `None` for a `get`).
    need_version: Vec<Option<u64>>,
    /// The tracked reads each operation is a possible source of.
    serves: Vec<Vec<u32>>,
    /// Operations that may write values computed from the state (an increment, a lock).
    wild: Vec<bool>,
    placed: Vec<bool>,
    /// Per read: its unplaced sources.
    sources_left: Vec<u32>,
    /// Starved reads (unplaced, no source left), in all and per value needed.
    starved: u32,
    starved_needing: Vec<u32>,
    /// Of those, the starved reads that need a version too, in all and per version (asked only
    /// when every starved read needs the value held, so the version alone tells them apart; a
    /// map the search has already: fewer wasm bytes).
    starved_versioned: u32,
    starved_at_version: FxHashMap<u64, usize>,
    /// Unplaced operations that may write anything.
    wild_writers: u32,
    /// Unplaced observers.
    observers_left: u32,
    values: ValueTable,
    /// Each search state's read value (by state number), filled as states appear.
    state_values: Vec<u32>,
    collections: Collections,
    same_effect: SameEffect,
}

impl Pruning {
    /// The reductions for `ops`, or (`on` false) none: the plain search. `one_verdict`: also
    /// place interchangeable collections earliest invoked first and same-effect operations
    /// earliest returning first (a search for one verdict, not a fold: see
    /// [`super::collections`] and [`super::same_effect`]; `unread`: that search's merging).
    pub(super) fn new(ops: &[CheckOp], on: bool, one_verdict: bool, unread: &UnreadValues) -> Pruning {
        let mut values = ValueTable::default();
        let mut needs: Vec<u32> =
            ops.iter().map(|op| needed_value(op).filter(|_| on).map_or(NO_VALUE, |v| values.number(&v))).collect();
        let writes: Vec<Writes> = ops.iter().map(|op| written_values(op, &values)).collect();
        let serves = sources(ops, &mut needs, &writes, &values);
        let observer: Vec<bool> = ops.iter().map(|op| on && is_observer(op)).collect();
        let mut sources_left = vec![0u32; ops.len()];
        for &r in serves.iter().flatten() {
            sources_left[r as usize] += 1;
        }
        let mut p = Pruning {
            observers_left: observer.iter().filter(|o| **o).count() as u32,
            observer,
            wild: writes.iter().map(|w| *w == Writes::Any).collect(),
            wild_writers: writes.iter().filter(|w| **w == Writes::Any).count() as u32,
            starved: 0,
            starved_needing: vec![0; values.len()],
            starved_versioned: 0,
            starved_at_version: FxHashMap::default(),
            need_version: ops.iter().map(read_version).collect(),
            needs,
            serves,
            placed: vec![false; ops.len()],
            sources_left,
            values,
            state_values: Vec::new(),
            collections: Collections::new(ops, on && one_verdict),
            same_effect: SameEffect::new(ops, unread, on && one_verdict),
        };
        for r in 0..ops.len() {
            if p.is_starved(r) {
                p.starve(r, 1);
            }
        }
        p
    }

    pub(super) fn is_observer(&self, op: usize) -> bool {
        self.observer[op]
    }

    /// Whether any observer is left to place (else looking for one is wasted).
    pub(super) fn observers_left(&self) -> bool {
        self.observers_left > 0
    }

    /// Whether the search may place `op` now: a collection only after those invoked before it,
    /// a same-effect operation only before the enabled ones returning after it (`first_return`:
    /// the earliest return of an unplaced operation, computed when needed).
    pub(super) fn may_place(&self, ops: &[CheckOp], op: usize, first_return: impl FnOnce() -> u64) -> bool {
        self.collections.may_place(op) && self.same_effect.may_place(ops, op, first_return)
    }

    /// Whether `op` is a floating collection the search tries last ([`super::collections`]).
    pub(super) fn is_deferred(&self, op: usize) -> bool {
        self.collections.is_chained(op)
    }

    /// Whether a floating collection is left to try once the other operations were tried.
    pub(super) fn deferred_left(&self) -> bool {
        self.collections.any_left()
    }

    pub(super) fn place(&mut self, op: usize) {
        debug_assert!(!self.placed[op], "placed once");
        self.collections.place(op);
        self.same_effect.place(op);
        if self.is_starved(op) {
            self.starve(op, -1);
        }
        self.placed[op] = true;
        self.count(op, -1);
    }

    pub(super) fn unplace(&mut self, op: usize) {
        debug_assert!(self.placed[op], "put back after being placed");
        self.placed[op] = false;
        self.collections.unplace(op);
        self.same_effect.unplace(op);
        self.count(op, 1);
        if self.is_starved(op) {
            self.starve(op, 1);
        }
    }

    /// True when no order from here can place every completed read: one needs a value (or, a
    /// `read`, a value at a version) the register (in state number `state`) does not hold and
    /// has no unplaced source left.
    pub(super) fn starving(&mut self, state: usize, s: &State) -> bool {
        if self.starved == 0 || self.wild_writers > 0 {
            return false;
        }
        let held = self.value_of(state, s);
        if held == NO_VALUE || self.starved > self.starved_needing[held as usize] {
            return true;
        }
        // Every starved read needs the value held: those that need another version starve.
        let at_version = self.starved_at_version.get(&s.version).copied().unwrap_or(0);
        self.starved_versioned as usize > at_version
    }

    /// The starved read to blame (the first to return), when [`Pruning::starving`] holds.
    pub(super) fn starved_read(&mut self, ops: &[CheckOp], state: usize, s: &State) -> Option<usize> {
        let held = self.value_of(state, s);
        (0..ops.len())
            .filter(|&r| {
                self.is_starved(r) && (self.needs[r] != held || self.need_version[r].is_some_and(|v| v != s.version))
            })
            .min_by_key(|&r| (ops[r].return_seq, ops[r].invoke_seq))
    }

    fn is_starved(&self, r: usize) -> bool {
        self.needs[r] != NO_VALUE && !self.placed[r] && self.sources_left[r] == 0
    }

    fn starve(&mut self, r: usize, delta: i32) {
        self.starved = self.starved.wrapping_add_signed(delta);
        let value = self.needs[r];
        let n = &mut self.starved_needing[value as usize];
        *n = n.wrapping_add_signed(delta);
        if let Some(version) = self.need_version[r] {
            self.starved_versioned = self.starved_versioned.wrapping_add_signed(delta);
            let at = self.starved_at_version.get(&version).copied().unwrap_or(0);
            self.starved_at_version.insert(version, at.wrapping_add_signed(delta as isize));
        }
    }

    fn value_of(&mut self, state: usize, s: &State) -> u32 {
        while self.state_values.len() <= state {
            self.state_values.push(NO_VALUE - 1); // not looked up yet
        }
        if self.state_values[state] == NO_VALUE - 1 {
            self.state_values[state] = self.values.find(&s.value);
        }
        self.state_values[state]
    }

    /// Adds `delta` (±1) of operation `op`, placed or put back, to the counts.
    fn count(&mut self, op: usize, delta: i32) {
        for i in 0..self.serves[op].len() {
            let r = self.serves[op][i] as usize;
            let before = self.is_starved(r);
            self.sources_left[r] = self.sources_left[r].wrapping_add_signed(delta);
            let after = self.is_starved(r);
            if before != after {
                self.starve(r, if after { 1 } else { -1 });
            }
        }
        if self.wild[op] {
            self.wild_writers = self.wild_writers.wrapping_add_signed(delta);
        }
        if self.observer[op] {
            self.observers_left = self.observers_left.wrapping_add_signed(delta);
        }
    }
}

/// Each operation's reads it is a possible source of (see the module's doc). Reads that a
/// source with more than [`MAX_SERVED`] of them serves are untracked (`needs` set to `NO_VALUE`).
fn sources(ops: &[CheckOp], needs: &mut [u32], writes: &[Writes], values: &ValueTable) -> Vec<Vec<u32>> {
    let between = Fixers::new(ops, needs, values);
    let mut serves: Vec<Vec<u32>> = vec![Vec::new(); ops.len()];
    let reads: Vec<usize> = (0..ops.len()).filter(|&r| needs[r] != NO_VALUE).collect();
    for (w, written) in writes.iter().enumerate() {
        let Writes::Known(vs) = written else { continue };
        for &x in vs {
            // After w, the earliest return of an operation that left a value other than x.
            let overwritten_by = ops[w].return_seq.map_or(u64::MAX, |t| between.first_return_after(t, x));
            for &r in reads.iter().filter(|&&r| needs[r] == x && r != w) {
                let (r_invoke, r_return) = (ops[r].invoke_seq, ops[r].return_seq.unwrap_or(u64::MAX));
                if ops[w].invoke_seq <= r_return && overwritten_by >= r_invoke {
                    serves[w].push(r as u32);
                }
            }
        }
    }
    for served in &mut serves {
        if served.len() > MAX_SERVED {
            for r in std::mem::take(served) {
                needs[r as usize] = NO_VALUE;
            }
        }
    }
    for list in &mut serves {
        list.retain(|&r| needs[r as usize] != NO_VALUE);
    }
    serves
}

/// The completed operations that certainly left the register holding a known value (a read's,
/// a `put`'s or a `delete`'s), by invocation: for any position, the earliest return among those
/// invoked after it, and the earliest with another value than that one.
struct Fixers {
    invokes: Vec<u64>,
    /// Over `[i..]`: (return, value) earliest, and earliest with another value.
    best: Vec<[(u64, u32); 2]>,
}

impl Fixers {
    fn new(ops: &[CheckOp], needs: &[u32], values: &ValueTable) -> Fixers {
        let mut found: Vec<(u64, u32)> = Vec::new(); // (return, value) by operation
        let mut order: Vec<(u64, usize)> = Vec::new(); // (invocation, index into `found`)
        for (i, op) in ops.iter().enumerate() {
            let Some(ret) = op.return_seq else { continue };
            let value = match (&op.step, &op.expect) {
                (Step::Builtin { op: Op::Increment, .. }, Expect::Output(a)) => values.find(a),
                _ if needs[i] != NO_VALUE => needs[i],
                (Step::Builtin { op: Op::Put(v), .. }, Expect::Output(_)) => values.find(v),
                (Step::Builtin { op: Op::Delete, .. }, Expect::Output(_)) => values.find(&Json::Null),
                _ => continue,
            };
            order.push((op.invoke_seq, found.len()));
            found.push((ret, value));
        }
        crate::sorting::merge_sort(&mut order); // the crate's one sort of pairs (see `crate::sorting`)
        let none = (u64::MAX, NO_VALUE);
        let mut best = vec![[none, none]; order.len() + 1];
        for i in (0..order.len()).rev() {
            let (ret, value) = found[order[i].1];
            let [mut b1, mut b2] = best[i + 1];
            if ret < b1.0 {
                if value != b1.1 {
                    b2 = b1;
                }
                b1 = (ret, value);
            } else if value != b1.1 && ret < b2.0 {
                b2 = (ret, value);
            }
            best[i] = [b1, b2];
        }
        Fixers { invokes: order.iter().map(|f| f.0).collect(), best }
    }

    /// The earliest return of an operation invoked after position `t` that left a value other
    /// than `x`, a value some read needs (`NO_VALUE`, a value no read needs, counts as another;
    /// two of them as one value, which only makes the answer later, never earlier).
    fn first_return_after(&self, t: u64, x: u32) -> u64 {
        let i = self.invokes.partition_point(|&inv| inv <= t);
        let [b1, b2] = self.best[i];
        if b1.1 != x {
            b1.0
        } else {
            b2.0
        }
    }
}

/// A completed operation that never changes the register: a read, or a refusal.
fn is_observer(op: &CheckOp) -> bool {
    if !op.completed() {
        return false;
    }
    match (&op.step, &op.expect) {
        (_, Expect::Refusal(_) | Expect::RefusalSaying(..)) => true,
        (Step::Builtin { op: builtin, .. }, Expect::Output(_)) => builtin.is_read_only(),
        _ => false,
    }
}

/// The register value a completed operation must have seen: what a read answered, or the
/// integer before the one an increment answered (an integer answer comes only from the
/// integer before it, or, answering 1, from an empty register: not tracked).
fn needed_value(op: &CheckOp) -> Option<Json> {
    match (&op.step, &op.expect, op.completed()) {
        (Step::Builtin { op: Op::Get, .. }, Expect::Output(v), true) => Some(v.clone()),
        (Step::Builtin { op: Op::Read, .. }, Expect::Output(v), true) => v.get("value").cloned(),
        (Step::Builtin { op: Op::Increment, .. }, Expect::Output(a), true) => {
            a.as_i64().filter(|&a| a != 1).and_then(|a| a.checked_sub(1)).map(Json::from)
        }
        _ => None,
    }
}

/// The version a completed `read` answered with its value.
fn read_version(op: &CheckOp) -> Option<u64> {
    match (&op.step, &op.expect, op.completed()) {
        (Step::Builtin { op: Op::Read, .. }, Expect::Output(v), true) => v.get("version")?.as_u64(),
        _ => None,
    }
}

fn written_values(op: &CheckOp, values: &ValueTable) -> Writes {
    let known =
        |vs: Vec<&Json>| Writes::Known(vs.into_iter().map(|v| values.find(v)).filter(|&n| n != NO_VALUE).collect());
    if is_observer(op) {
        return Writes::Nothing;
    }
    match &op.step {
        Step::Builtin { op: Op::Put(v), .. } | Step::Builtin { op: Op::Write { value: v, .. }, .. } => known(vec![v]),
        Step::Builtin { op: Op::Delete, .. } | Step::Erase => known(vec![&Json::Null]),
        // An increment that answered writes its answer; one of unknown outcome, some number.
        Step::Builtin { op: Op::Increment, .. } => match &op.expect {
            Expect::Output(a) => known(vec![a]),
            _ => Writes::Known(values.numbers()),
        },
        Step::Builtin { .. } => Writes::Any,
        Step::Transitions(ts) => known(ts.iter().map(|(_, wrote)| &wrote.value).collect()),
        Step::RefusedOn(_) => Writes::Nothing,
    }
}

/// The values completed reads answered with, numbered.
#[derive(Default)]
struct ValueTable {
    all: Vec<Json>,
    /// Fingerprint → the newest value with it; older ones are chained through `same_print`.
    by_print: FxHashMap<u64, usize>,
    same_print: Vec<u32>,
}

impl ValueTable {
    fn len(&self) -> usize {
        self.all.len()
    }

    /// The numbered values that are numbers.
    fn numbers(&self) -> Vec<u32> {
        (0..self.all.len() as u32).filter(|&n| self.all[n as usize].is_number()).collect()
    }

    fn print(v: &Json) -> u64 {
        let mut h = FxHasher::default();
        hash_json(v, &mut h);
        h.finish()
    }

    fn find(&self, v: &Json) -> u32 {
        let mut n = self.by_print.get(&Self::print(v)).map_or(NO_VALUE, |&n| n as u32);
        while n != NO_VALUE && self.all[n as usize] != *v {
            n = self.same_print[n as usize];
        }
        n
    }

    fn number(&mut self, v: &Json) -> u32 {
        let found = self.find(v);
        if found != NO_VALUE {
            return found;
        }
        let n = self.all.len();
        self.all.push(v.clone());
        let older = self.by_print.insert(Self::print(v), n);
        self.same_print.push(older.map_or(NO_VALUE, |o| o as u32));
        n as u32
    }
}
