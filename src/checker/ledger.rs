//! The incremental checker: each key's operations are checked as they settle, and a settled
//! prefix of a key's history is folded into the set of states it allows, so memory follows the
//! operations in flight, not the length of the run.
//!
//! **Folding.** A key's *cut* is the invocation of its oldest operation in flight (or the end of
//! its history when none is). Every operation that returned before the cut precedes every
//! operation invoked after it, so any linearization of the whole history begins with those
//! operations, interleaved with some of the operations *spanning* the cut (invoked before it,
//! returned after it): a linearization of the key is a linearization of that prefix, ending in
//! a *configuration* (the register's state, and which spanning operations it already placed),
//! followed by a linearization of the rest from that configuration (Just-in-time
//! linearization; P-compositionality in time). A fold computes every configuration the prefix
//! can end in — exactly, with [`super::search::end_states`] from the configurations of the
//! previous fold — and drops the operations that returned before the cut; the spanning ones
//! stay until a later cut passes them. A violation (or an exhausted budget) found in a fold is
//! the key's verdict for good, with its explanation; the key's later operations are only
//! counted.
//!
//! **Unknown operations** (outcome `unknown`) may take effect at any later time, so strictly
//! they span every later cut. Here one is given a *deadline*: the invocation of the
//! [`UNKNOWN_HORIZON`]-th completed operation of its key invoked after it ended. Until then it
//! floats exactly as in the full checker; from then on it may be folded as "took effect once
//! before its deadline, or never" ([`Expect::AppliedOrNot`]). In the CASPaxos this simulates, an
//! unknown change is decided by the first completed round on its key after its last message
//! lands (a later quorum either adopts its value or overwrites it under a higher ballot), so
//! the horizon only narrows what a correct cluster can do when its messages outlive that many
//! completed operations. A broken protocol could apply one later; the fold would then report a
//! violation the full checker would not.
//!
//! **Bounds.** A key keeps the operations that ended after its cut (they span it or were
//! invoked after it) and the configurations the fold allows: at most [`MAX_FRONTIER_STATES`].
//! A fold that would allow more (or runs out of budget) is tried again at a later cut, where
//! fewer operations span it; a key whose folds keep failing until it holds
//! [`MAX_SEGMENT_OPS`] operations gets the verdict `unknown`. Both follow the operations in flight and the
//! unknown ones within their horizon, not the length of the run. A fold is tried once a key
//! holds `fold_every` settled operations, and again each time as many more have settled, so
//! its cost is amortized over the operations it folds.

#[cfg(not(target_arch = "wasm32"))]
use super::big_values::end_states_by_name;
use super::frontier::Frontier;
#[cfg(not(target_arch = "wasm32"))]
use super::increment_fold::{self, Answered};
use super::model::{CheckOp, Expect};
#[cfg(not(target_arch = "wasm32"))]
use super::search::unknown_increment_ends;
use super::search::{check_key_or_earlier, KeyResult, Undecided};
use super::KeyVerdicts;
use super::DEFAULT_STEP_BUDGET;
use crate::driver::Outcome;
use crate::fxhash::FxHashMap;
use crate::protocol::Key;
use crate::sim::OpRecord;
use std::collections::VecDeque;
use std::rc::Rc;

/// Default: completed operations of a key, invoked after an unknown operation ended, before
/// that unknown operation may be folded as "applied before then, or never".
pub const UNKNOWN_HORIZON: u32 = 32;
/// Default: a fold is tried once a key holds this many settled operations, and again each time
/// it has grown by as many since.
pub const FOLD_EVERY: usize = 256;
pub use crate::limits::{MAX_FRONTIER_STATES, MAX_SEGMENT_OPS, MAX_SEGMENT_VALUE_BYTES};

/// Every key's incremental check.
#[derive(Clone, Debug)]
pub struct Ledger {
    keys: FxHashMap<Key, KeyLedger>,
    fold_every: usize,
    unknown_horizon: u32,
    /// A key's verdict is `unknown` once it holds this many settled operations none of which a
    /// fold could drop ([`MAX_SEGMENT_OPS`] unless set).
    max_segment: usize,
    /// Search steps spent folding.
    steps: u64,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::new(FOLD_EVERY, UNKNOWN_HORIZON)
    }
}

/// The verdicts of every key with at least one operation the checker considers.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdicts {
    pub keys: KeyVerdicts,
    /// Search steps, folds included.
    pub steps: u64,
    /// Operations folded away, in all.
    pub folded: u64,
    /// Of those, unknown operations folded as "applied before their deadline, or never".
    pub folded_unknowns: u64,
}

impl Ledger {
    /// A ledger that tries to fold a key once it holds `fold_every` settled operations (1: at
    /// every cut), and folds an unknown operation after `unknown_horizon` completed operations
    /// of its key were invoked after it ended.
    pub fn new(fold_every: usize, unknown_horizon: u32) -> Ledger {
        assert!(fold_every >= 1 && unknown_horizon >= 1, "a fold needs at least one operation");
        Ledger { keys: FxHashMap::default(), fold_every, unknown_horizon, max_segment: MAX_SEGMENT_OPS, steps: 0 }
    }

    /// The same ledger, giving a key the verdict `unknown` once it holds `ops` settled operations
    /// that no fold could drop (tests reach the bound with few operations).
    pub fn with_max_segment(mut self, ops: usize) -> Ledger {
        self.max_segment = ops;
        self
    }

    /// Drops this ledger part by part (see [`crate::sim::Checkpoint::drop_measured`]): the
    /// keys' frontiers, their segments' operations, and the rest.
    #[doc(hidden)]
    pub fn drop_measured(mut self, live: &dyn Fn() -> usize) -> Vec<(&'static str, usize)> {
        let measure = |name, f: &mut dyn FnMut()| {
            let before = live();
            f();
            (name, before.saturating_sub(live()))
        };
        let keys = &mut self.keys;
        vec![
            measure("checker frontiers", &mut || keys.values_mut().for_each(|k| k.frontier = Rc::default())),
            measure("checker segments", &mut || keys.values_mut().for_each(|k| k.segment = Vec::new())),
            measure("checker rest", &mut || drop(std::mem::take(keys))),
        ]
    }

    /// An operation was invoked (`record` as at its invocation; positions only grow).
    ///
    /// **A collection joins the key's segment at once** and never holds its cut back. Its
    /// [`CheckOp`] does not depend on how, or whether, it ends ([`CheckOp::from_record`]: an
    /// [`super::Step::Erase`] with [`Expect::Maybe`] and no return position; its answer, how many
    /// acceptors erased, is not checked), so in flight it is already the operation the checker
    /// will see: one spanning every cut until it has ended and got its deadline (counted from
    /// its end, as for any operation settled unknown). The fold's argument needs only that each
    /// operation it places as ended returned before the cut and each operation it leaves out
    /// was invoked after it; a collection in flight is in the fold as a spanning operation, so
    /// the cut may pass its invocation and the fold stays exact. (Before, a collection blocked
    /// by a crashed acceptor pinned the cut at its invocation for as long as the crash lasted,
    /// and nothing after it could fold: issue 9's outside tester, seed 5.)
    pub fn invoked(&mut self, record: &OpRecord) {
        let fold_every = self.fold_every;
        let k = self.keys.entry(record.key.clone()).or_insert_with(|| KeyLedger::new(fold_every));
        if record.op == crate::sim::GC_OP {
            let op = CheckOp::from_record(record).expect("a collection is always checked");
            k.settle(op, None, self.unknown_horizon);
            return;
        }
        let invoke_seq = record.invoke_seq;
        debug_assert!(k.in_flight.back().is_none_or(|&last| last < invoke_seq), "invocations in sequence order");
        k.in_flight.push_back(invoke_seq);
    }

    /// An operation invoked through [`Ledger::invoked`] ended; `record` is final.
    pub fn finished(&mut self, record: &OpRecord) {
        let Some(k) = self.keys.get_mut(&record.key) else {
            panic!("operation #{} finished without being invoked", record.id);
        };
        if record.op == crate::sim::GC_OP {
            k.collection_ended(record);
        } else {
            let Some(i) = k.in_flight.iter().position(|&s| s == record.invoke_seq) else {
                panic!("operation #{} finished twice", record.id);
            };
            k.in_flight.remove(i);
            if let Some(op) = CheckOp::from_record(record) {
                let ended_seq = record.return_seq.expect("an ended operation has a return position");
                let unknown = (record.outcome == Some(Outcome::Unknown)).then_some(ended_seq);
                k.settle(op, unknown, self.unknown_horizon);
                k.bytes_since_try += crate::sim::record_bytes::record_bytes(record);
            }
        }
        if k.segment.len() >= k.next_fold_at || k.bytes_since_try >= MAX_SEGMENT_VALUE_BYTES {
            self.steps += k.try_fold(self.fold_every, self.max_segment);
        }
    }

    /// Every key's verdict: the folded prefixes' verdicts, and the operations after them (with
    /// `in_flight`, the operations still running, as unknowns) checked from the states those
    /// prefixes allow, each with `step_budget`.
    pub fn verdicts<'a>(&self, in_flight: impl Iterator<Item = &'a OpRecord>, step_budget: u64) -> Verdicts {
        let mut running: FxHashMap<&str, Vec<CheckOp>> = FxHashMap::default();
        // Collections in flight are in their key's segment already (see `invoked`).
        for op in in_flight.filter(|r| r.op != crate::sim::GC_OP).filter_map(CheckOp::from_record) {
            let key = self.keys.get_key_value(&op.key).map(|(k, _)| &**k).expect("invoked");
            running.entry(key).or_default().push(op);
        }
        let mut out = Verdicts { keys: KeyVerdicts::default(), steps: self.steps, folded: 0, folded_unknowns: 0 };
        let mut keys = Vec::new();
        for (key, k) in &self.keys {
            let mut tail: Vec<CheckOp> = k.segment.iter().map(|s| s.op.clone()).collect();
            tail.extend(running.remove(&**key).unwrap_or_default());
            out.folded += k.folded;
            out.folded_unknowns += k.folded_unknowns;
            if tail.is_empty() && k.folded == 0 {
                continue; // nothing the checker considers
            }
            let result = match &k.verdict {
                Some(settled) => settled.clone(),
                None => {
                    let (result, steps) = check_key_or_earlier(&tail, &k.frontier.configs(), k.cut, step_budget);
                    out.steps += steps;
                    result
                }
            };
            keys.push((key.to_string(), result));
        }
        out.keys = KeyVerdicts::of_unsorted(keys);
        out
    }

    /// Operations and configurations held, in all: what the ledger's memory follows.
    pub fn retained(&self) -> (usize, usize) {
        self.keys.values().fold((0, 0), |(ops, states), k| (ops + k.segment.len(), states + k.frontier.len()))
    }

    /// Negative controls: one search step more than was spent.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn corrupt_steps(&mut self) {
        self.steps += 1;
    }

    /// Each key's frontier: its allocation's address (copies of this ledger share it until a
    /// fold replaces it) and about the bytes it holds ([`Frontier::bytes`]: a bit per
    /// configuration and operation spanning the cut, thousands of each when thousands of
    /// operations queue behind the key).
    pub fn frontiers(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.keys.values().map(|k| (Rc::as_ptr(&k.frontier) as usize, k.frontier.bytes()))
    }

    /// Each key's frontier as this ledger holds it, and as the search gave it (tests: the
    /// compact form against the one it replaced).
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn frontiers_and_folds(&self) -> impl Iterator<Item = (&Frontier, &[super::Config])> + '_ {
        self.keys.values().map(|k| (&*k.frontier, &*k.folded_to))
    }
}

/// One key's incremental check.
#[derive(Clone, Debug)]
struct KeyLedger {
    /// The configurations the folded prefix allows (the empty register before any fold): a
    /// state, and which of the operations spanning the cut it already placed. Replaced whole by
    /// each fold, never edited: copies of this ledger (checkpoints) share it.
    frontier: Rc<Frontier>,
    /// Tests: the configurations the last fold's search gave, as it gave them.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    folded_to: Rc<[super::Config]>,
    /// Operations folded away (or counted after the verdict was settled).
    folded: u64,
    /// Unknown operations folded with a deadline.
    folded_unknowns: u64,
    /// Settled operations after the last cut. Shared with copies of this ledger (checkpoints):
    /// an operation is copied only when one side changes it (an unknown one's deadline).
    segment: Vec<Rc<Settled>>,
    /// Unknown operations in `segment` without a deadline yet.
    open_unknowns: usize,
    /// Invocation positions of the key's operations in flight, ascending (the oldest usually
    /// ends first: a deque removes it without moving the others).
    in_flight: VecDeque<u64>,
    /// A verdict a fold reached that no later operation can change (a violation, or out of
    /// budget).
    verdict: Option<KeyResult>,
    /// The segment length at which the next fold is tried.
    next_fold_at: usize,
    /// Bytes of values settled since the last fold was tried: one is tried past
    /// [`MAX_SEGMENT_VALUE_BYTES`] too (big values: a count alone held 300 MB of 60 KB puts).
    bytes_since_try: usize,
    /// The last fold's cut (0 before any): every folded operation returned before it.
    cut: u64,
    /// The latest deadline given so far: deadlines never decrease in the order unknown
    /// operations ended (`range_fold.rs` relies on it).
    last_deadline: u64,
}

/// A settled operation of a key.
#[derive(Clone, Debug)]
struct Settled {
    op: CheckOp,
    /// For an unknown operation: where it ended.
    unknown: Option<UnknownEnd>,
}

/// What one operation a key holds unfolded takes: its shared box, with nothing else on the heap
/// for the common operations (an increment; a `put`'s value or a refusal's message add their
/// own). A checkpoint holds it alone once the run folds its key ([`crate::sim::Checkpoint::bytes`]).
pub const UNFOLDED_OP_BYTES: usize = std::mem::size_of::<Settled>() + 2 * std::mem::size_of::<usize>();

/// The end of a collection still in flight: no completed operation counts towards its deadline.
const NOT_ENDED: u64 = u64::MAX;

#[derive(Clone, Copy, Debug)]
struct UnknownEnd {
    ended_seq: u64,
    /// Completed operations of the key invoked after `ended_seq`, up to the horizon.
    later: u32,
    /// Where it is folded as "applied before, or never", once `later` reached the horizon.
    deadline: Option<u64>,
}

impl Settled {
    /// Where it ends for the purpose of a cut (`u64::MAX`: an unknown operation without a
    /// deadline yet, which spans every cut).
    fn end(&self) -> u64 {
        match self.unknown {
            Some(u) => u.deadline.unwrap_or(u64::MAX),
            None => self.op.return_seq.expect("a settled operation that is not unknown has returned"),
        }
    }

    /// The operation as a fold places it.
    fn into_folded(self) -> CheckOp {
        match self.unknown {
            Some(u) => CheckOp { expect: Expect::AppliedOrNot, return_seq: u.deadline, ..self.op },
            None => self.op,
        }
    }
}

impl KeyLedger {
    fn new(fold_every: usize) -> KeyLedger {
        KeyLedger {
            frontier: Rc::new(Frontier::start()),
            #[cfg(all(test, not(target_arch = "wasm32")))]
            folded_to: Rc::from([super::Config::default()]),
            folded: 0,
            folded_unknowns: 0,
            segment: Vec::new(),
            open_unknowns: 0,
            in_flight: VecDeque::new(),
            verdict: None,
            next_fold_at: fold_every,
            bytes_since_try: 0,
            cut: 0,
            last_deadline: 0,
        }
    }

    /// Adds `op` to the segment; `unknown`: where an operation of unknown outcome ended
    /// (`None` with a collection: it joins when invoked, and its end comes later).
    fn settle(&mut self, op: CheckOp, unknown: Option<u64>, unknown_horizon: u32) {
        if self.verdict.is_some() {
            self.folded += 1;
            return;
        }
        if op.completed() && self.open_unknowns > 0 {
            self.count_towards_deadlines(op.invoke_seq, unknown_horizon);
        }
        let collection = matches!(op.step, super::model::Step::Erase);
        let unknown = (unknown.is_some() || collection).then(|| {
            self.open_unknowns += 1;
            UnknownEnd { ended_seq: unknown.unwrap_or(NOT_ENDED), later: 0, deadline: None }
        });
        self.segment.push(Rc::new(Settled { op, unknown }));
    }

    /// A collection (in the segment since its invocation, or counted folded with the key's
    /// verdict) ended: from now on completed operations count towards its deadline.
    fn collection_ended(&mut self, record: &OpRecord) {
        if self.verdict.is_some() {
            return; // counted when it was invoked
        }
        let ended_seq = record.return_seq.expect("an ended operation has a return position");
        let Some(s) = self.segment.iter_mut().find(|s| s.op.id == record.id) else {
            panic!("collection #{} ended without being invoked", record.id);
        };
        let u = Rc::make_mut(s).unknown.as_mut().expect("a collection floats");
        assert_eq!(u.ended_seq, NOT_ENDED, "collection #{} ended twice", record.id);
        u.ended_seq = ended_seq;
    }

    /// A completed operation invoked at `invoke_seq` counts towards the deadline of every
    /// unknown operation that ended before it.
    fn count_towards_deadlines(&mut self, invoke_seq: u64, unknown_horizon: u32) {
        let counts = |s: &&mut Rc<Settled>| s.unknown.is_some_and(|u| u.deadline.is_none() && u.ended_seq < invoke_seq);
        for s in self.segment.iter_mut().filter(counts) {
            let u = Rc::make_mut(s).unknown.as_mut().expect("only unknown operations count");
            u.later += 1;
            if u.later == unknown_horizon {
                // An operation settling later may have been invoked earlier: not before the last.
                self.last_deadline = self.last_deadline.max(invoke_seq);
                u.deadline = Some(self.last_deadline);
                self.open_unknowns -= 1;
            }
        }
    }

    /// Folds every operation that ended before the key's oldest operation in flight was invoked
    /// (the cut); returns the search steps spent. A fold that cannot finish (more than
    /// [`MAX_FRONTIER_STATES`] configurations, or out of budget: many operations spanning this
    /// cut) changes nothing and is tried again at a later cut, after the segment doubled; once
    /// the segment holds `max_segment` operations, the key's verdict is `unknown`.
    fn try_fold(&mut self, fold_every: usize, max_segment: usize) -> u64 {
        let cut = self.in_flight.front().copied().unwrap_or(u64::MAX);
        self.next_fold_at = self.segment.len() + fold_every;
        self.bytes_since_try = 0;
        let ended = self.segment.iter().filter(|s| s.end() < cut).count();
        if ended == 0 {
            return 0;
        }
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(steps) = self.try_native_folds(cut, fold_every, max_segment, ended as u64) {
            return steps;
        }
        let initial = self.frontier.configs();
        // The ended operations, then those spanning the cut (placed before it or not, as the search
        // finds). Plain loops, not an iterator chain: 0.5 KB less gzipped wasm.
        let mut prefix: Vec<CheckOp> = Vec::new();
        for s in self.segment.iter().filter(|s| s.end() < cut) {
            prefix.push(Settled::clone(s).into_folded());
        }
        for s in self.segment.iter().filter(|s| s.end() >= cut && s.op.invoke_seq < cut) {
            prefix.push(CheckOp { return_seq: None, ..s.op.clone() });
        }
        let unknowns = prefix.iter().filter(|op| op.expect == Expect::AppliedOrNot).count() as u64;
        let completed = prefix[..ended].iter().filter(|op| op.completed()).count() as u64;
        // Native only, like the other fast folds: the wasm folds with the values (renaming cost
        // the core +0.9 to +1.35 KB gzipped, measured on two merges: no room under its gate).
        #[cfg(not(target_arch = "wasm32"))]
        let (result, steps) = end_states_by_name(prefix, initial, MAX_FRONTIER_STATES, DEFAULT_STEP_BUDGET);
        #[cfg(target_arch = "wasm32")]
        let (result, steps) = super::search::end_states(&prefix, &initial, MAX_FRONTIER_STATES, DEFAULT_STEP_BUDGET);
        match result {
            Ok(ends) => {
                self.commit_fold(ends, cut, fold_every, completed, unknowns);
            }
            Err(KeyResult::Unknown(_)) if self.segment.len() < max_segment => {
                self.next_fold_at = self.next_fold_at.max((2 * self.segment.len()).min(max_segment));
            }
            Err(KeyResult::Unknown(_)) => {
                self.folded_unknowns += unknowns;
                self.settle_verdict(KeyResult::Unknown(Undecided::Unfoldable));
            }
            Err(verdict) => {
                self.folded_unknowns += unknowns;
                self.settle_verdict(verdict);
            }
        }
        steps
    }

    /// The folds compiled natively only, before the usual one: the walk of `range_fold.rs`, then
    /// the increment fold on the compact frontier (`increment_fold.rs`; `ended` operations
    /// returned before `cut`); `None` when neither applies.
    #[cfg(not(target_arch = "wasm32"))]
    fn try_native_folds(&mut self, cut: u64, fold_every: usize, max_segment: usize, ended: u64) -> Option<u64> {
        if let Some(steps) = self.try_unknown_increment_fold(cut, fold_every) {
            return Some(steps);
        }
        let answered = self.answered_increments(cut)?;
        match increment_fold::fold_compact(&answered, &self.frontier, MAX_FRONTIER_STATES, DEFAULT_STEP_BUDGET)? {
            (Ok(frontier), steps) => {
                #[cfg(test)]
                {
                    self.folded_to = frontier.configs().into();
                }
                self.commit_frontier(frontier, cut, fold_every, ended, 0);
                Some(steps)
            }
            // The usual fold's forced walk stops there too, out of budget, in as many steps: as
            // in its `Err(KeyResult::Unknown(_))` arms (no unknown operation in this fold).
            (Err(increment_fold::Exceeded), steps) if self.segment.len() < max_segment => {
                self.next_fold_at = self.next_fold_at.max((2 * self.segment.len()).min(max_segment));
                Some(steps)
            }
            (Err(increment_fold::Exceeded), steps) => {
                self.settle_verdict(KeyResult::Unknown(Undecided::Unfoldable));
                Some(steps)
            }
        }
    }

    /// The walk of `range_fold.rs` for a segment of increments with unknown outcomes, at the
    /// latest cut before `cut` that no completed operation spans (a batch's start: inside a
    /// batch every answered increment spans the cut, a choice for each end); `None` when it
    /// does not apply or cannot finish (the general fold is tried then). Native only, as
    /// `range_fold.rs`.
    #[cfg(not(target_arch = "wasm32"))]
    fn try_unknown_increment_fold(&mut self, cut: u64, fold_every: usize) -> Option<u64> {
        use super::model::Step;
        use crate::ops::Op;
        #[cfg(test)]
        if GENERAL_FOLD_ONLY.get() {
            return None;
        }
        let increment = |s: &Rc<Settled>| matches!(s.op.step, Step::Builtin { op: Op::Increment, .. });
        if !self.segment.iter().all(increment) || !self.segment.iter().any(|s| s.unknown.is_some()) {
            return None;
        }
        let mut cut = cut;
        let spans = |s: &&Rc<Settled>, cut: u64| s.unknown.is_none() && s.op.invoke_seq < cut && s.end() >= cut;
        while let Some(earlier) = self.segment.iter().filter(|s| spans(s, cut)).map(|s| s.op.invoke_seq).min() {
            cut = earlier;
        }
        let (mut prefix, mut ended) = (Vec::new(), Vec::new());
        for s in self.segment.iter().filter(|s| s.end() < cut) {
            ended.push(s.unknown.map_or(s.end(), |u| u.ended_seq));
            prefix.push(Settled::clone(s).into_folded());
        }
        let completed = prefix.len() as u64;
        let unknowns = prefix.iter().filter(|op| op.expect == Expect::AppliedOrNot).count() as u64;
        if prefix.is_empty() {
            return None;
        }
        for s in self.segment.iter().filter(|s| s.end() >= cut && s.op.invoke_seq < cut) {
            ended.push(s.unknown.map_or(u64::MAX, |u| u.ended_seq));
            prefix.push(CheckOp { return_seq: None, ..s.op.clone() });
        }
        let (result, steps) = unknown_increment_ends(
            &prefix,
            &ended,
            &self.frontier.configs(),
            MAX_FRONTIER_STATES,
            DEFAULT_STEP_BUDGET,
        )?;
        match result {
            Ok(ends) => self.commit_fold(ends, cut, fold_every, completed, unknowns),
            Err(KeyResult::Unknown(_)) => return None,
            Err(verdict) => {
                self.folded_unknowns += unknowns;
                self.settle_verdict(verdict);
            }
        }
        Some(steps)
    }

    /// The fold's operations (ended before `cut`, then spanning it) when every one is an
    /// increment that answered an integer ([`increment_fold`]); `None` otherwise.
    #[cfg(not(target_arch = "wasm32"))]
    fn answered_increments(&self, cut: u64) -> Option<Vec<Answered>> {
        let mut out = Vec::with_capacity(self.segment.len());
        for s in self.segment.iter().filter(|s| s.end() < cut) {
            out.push(Answered::of(&s.op).filter(|_| s.unknown.is_none())?);
        }
        for s in self.segment.iter().filter(|s| s.end() >= cut && s.op.invoke_seq < cut) {
            out.push(Answered { return_seq: None, ..Answered::of(&s.op)? });
        }
        Some(out)
    }

    /// A fold to `ends` at `cut` succeeded: the operations that ended before it go; `completed`
    /// of them were completed, `unknowns` were folded with a deadline.
    fn commit_fold(&mut self, ends: Vec<super::Config>, cut: u64, fold_every: usize, completed: u64, unknowns: u64) {
        self.frontier = Rc::new(Frontier::new(&ends));
        #[cfg(test)]
        {
            let decoded = self.frontier.configs();
            let difference = super::frontier::first_difference(&decoded, &ends);
            assert!(difference.is_none(), "the compact frontier differs: {difference:?}");
        }
        #[cfg(all(test, not(target_arch = "wasm32")))]
        {
            self.folded_to = ends.into();
        }
        self.segment.retain(|s| s.end() >= cut);
        self.cut = cut;
        self.next_fold_at = self.segment.len() + fold_every;
        self.folded += completed;
        self.folded_unknowns += unknowns;
    }

    /// [`KeyLedger::commit_fold`] with the ends' frontier built (`increment_fold.rs`).
    #[cfg(not(target_arch = "wasm32"))]
    fn commit_frontier(&mut self, frontier: Frontier, cut: u64, fold_every: usize, completed: u64, unknowns: u64) {
        self.frontier = Rc::new(frontier);
        self.segment.retain(|s| s.end() >= cut);
        self.cut = cut;
        self.next_fold_at = self.segment.len() + fold_every;
        self.folded += completed;
        self.folded_unknowns += unknowns;
    }

    /// The key's verdict is `verdict` whatever comes next: its retained operations go.
    fn settle_verdict(&mut self, verdict: KeyResult) {
        self.folded += self.segment.len() as u64;
        self.segment = Vec::new();
        self.frontier = Rc::default();
        #[cfg(all(test, not(target_arch = "wasm32")))]
        {
            self.folded_to = Rc::from([]);
        }
        self.open_unknowns = 0;
        self.verdict = Some(verdict);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
thread_local! {
    static GENERAL_FOLD_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the ledger's folds left to the general search when `general` (tests: the walk
/// of `range_fold.rs` against it).
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn without_range_fold<T>(general: bool, f: impl FnOnce() -> T) -> T {
    GENERAL_FOLD_ONLY.set(general);
    let out = f();
    GENERAL_FOLD_ONLY.set(false);
    out
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
