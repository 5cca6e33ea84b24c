//! The client history: every operation with its invocation, its return and how it ended — the
//! input of the linearizability checker, which folds settled operations away as they come
//! ([`crate::checker::Ledger`]); the most recent operations stay as records for the history view.

use super::record_bytes::record_bytes;
use super::RecordValue;
use crate::checker::Ledger;
use crate::driver::{outcome_of, Outcome};
use crate::limits::{depth, MAX_HISTORY_BYTES, MAX_LIGHT_START_DEPTH};
use crate::ops::{OpError, OpId, OpKind, Val};
use crate::protocol::{Key, ProposerId};
use crate::unshared::unshared;
use serde_json::Value as Json;
use std::collections::VecDeque;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub struct OpRecord {
    pub id: OpId,
    pub proposer: ProposerId,
    /// The operation's kind (its contract name: `increment`, `put`, ...).
    pub op: OpKind,
    pub key: Key,
    pub input: RecordValue,
    /// Virtual time of the invocation (for display and lock expiry; not for ordering).
    pub invoke_at: u64,
    /// `None` while in flight.
    pub return_at: Option<u64>,
    /// The invocation's position in the simulation's one sequence of invocations and returns
    /// (`History::next_seq`). Real-time order comes from these positions, not from
    /// milliseconds: operation A precedes B iff `A.return_seq < B.invoke_seq`, even when both
    /// happen in the same virtual millisecond.
    pub invoke_seq: u64,
    /// The return's position in that sequence; `None` while in flight.
    pub return_seq: Option<u64>,
    /// `None` while in flight.
    pub outcome: Option<Outcome>,
    /// The answer of an `ok` operation.
    pub output: Option<RecordValue>,
    pub error: Option<OpError>,
    /// An accept carrying this operation's change was sent: if it did not end `ok`, it may still
    /// have been applied.
    pub may_have_applied: bool,
    /// Attempts started so far (1 + retries).
    pub attempts: u32,
    /// Every evaluation that decided what to write (or, with `wrote: None`, to write back before
    /// answering a read or a refusal), in order; the last one is the one the answer came from.
    /// The checker needs them for `change` (an opaque function) and locks (virtual time); other
    /// operations it recomputes from their input.
    pub evaluations: Evaluations,
}

impl OpRecord {
    /// Real-time order: this operation returned before `later` was invoked.
    pub fn precedes(&self, later: &OpRecord) -> bool {
        self.return_seq.is_some_and(|r| r < later.invoke_seq)
    }
}

/// One evaluation of an operation: on the register `seen`, at `at_ms`, it decided to write
/// `wrote` (`None`: nothing new, or it refused on `seen`). The last evaluation of a refused
/// operation is the state it refused on.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub seen: Val,
    pub at_ms: u64,
    pub wrote: Option<Val>,
}

/// An operation's evaluations, in order: the first held inline (nearly every operation is
/// evaluated once, and its record then needs no heap block for them).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Evaluations {
    #[default]
    None,
    One(Evaluation),
    Many(Vec<Evaluation>),
}

impl Evaluations {
    pub fn push(&mut self, evaluation: Evaluation) {
        *self = match std::mem::take(self) {
            Evaluations::None => Evaluations::One(evaluation),
            Evaluations::One(first) => Evaluations::Many(vec![first, evaluation]),
            Evaluations::Many(mut all) => {
                all.push(evaluation);
                Evaluations::Many(all)
            }
        };
    }
}

impl std::ops::Deref for Evaluations {
    type Target = [Evaluation];

    fn deref(&self) -> &[Evaluation] {
        match self {
            Evaluations::None => &[],
            Evaluations::One(evaluation) => std::slice::from_ref(evaluation),
            Evaluations::Many(all) => all,
        }
    }
}

impl From<Vec<Evaluation>> for Evaluations {
    fn from(all: Vec<Evaluation>) -> Evaluations {
        all.into_iter().fold(Evaluations::None, |mut held, e| {
            held.push(e);
            held
        })
    }
}

/// Operations [`History::records`] keeps at least: the most recent ones (older ones are
/// folded away, except any still in flight).
pub const HISTORY_WINDOW: usize = 10_000;

/// The client history: the most recent operations as records, and every operation's settled
/// part folded into the incremental checker's [`Ledger`]. Memory follows the window and the
/// operations in flight, not the length of the run.
#[derive(Clone, Debug)]
pub struct History {
    /// Operations `first_id..`, in id order: the window, extended back to the oldest operation
    /// still in flight. Shared with copies of this history (checkpoints): a record is copied
    /// only when one side changes it, which only an operation in flight does.
    window: VecDeque<Rc<OpRecord>>,
    first_id: OpId,
    /// Records of the window before `first_id` that this copy let go ([`History::let_go_of_ended`]:
    /// a checkpoint holds only what its run still needs); they all ended. The window starts at
    /// `first_id - let_go`, as the run's does; [`History::take_let_go_from`] puts them back.
    let_go: u64,
    window_len: usize,
    /// Ids of the operations in flight, ascending (the oldest usually ends first: a deque
    /// removes it without moving the others).
    in_flight: VecDeque<OpId>,
    /// The incremental checker, fed every invocation and return; `None` in a scratch replay that
    /// only regenerates events or records ([`History::stop_checking`]).
    ledger: Option<Ledger>,
    /// Invocations and returns recorded so far: the next position in their one sequence.
    seq: u64,
    /// The bytes of values ([`record_bytes`]) of each record of the window, those let go
    /// included (from id `first_id - let_go` on; 0 while in flight): what a copy that let a
    /// record go still knows of it, so that every copy and replay of a run drops the records it
    /// drops (outside tester 20b: bounded by count only, a replayable run's window held 10,000
    /// records of 3 MB each).
    record_bytes: VecDeque<u32>,
    /// Their sum, and the most it may be ([`MAX_HISTORY_BYTES`]; tests set less): past it the
    /// oldest ended records go.
    held_bytes: usize,
    max_bytes: usize,
    /// Some operation's input or answer was nested deeper than [`MAX_LIGHT_START_DEPTH`].
    nested_values: bool,
}

impl Default for History {
    fn default() -> Self {
        History::new(HISTORY_WINDOW, Ledger::default())
    }
}

impl History {
    /// A history keeping the `window_len` most recent records, checking with `ledger`.
    pub fn new(window_len: usize, ledger: Ledger) -> History {
        History {
            window: VecDeque::new(),
            first_id: 0,
            let_go: 0,
            window_len,
            in_flight: VecDeque::new(),
            ledger: Some(ledger),
            seq: 0,
            record_bytes: VecDeque::new(),
            held_bytes: 0,
            max_bytes: MAX_HISTORY_BYTES,
            nested_values: false,
        }
    }

    /// Drops this history part by part (see [`super::Checkpoint::drop_measured`]).
    pub(crate) fn drop_measured(self, live: &dyn Fn() -> usize) -> Vec<super::checkpoint_parts::PartBytes> {
        use super::checkpoint_parts::freed;
        let History { window, in_flight, ledger, .. } = self;
        let mut out = vec![freed(live, "history records", window), freed(live, "history in flight", in_flight)];
        out.extend(ledger.map(|l| l.drop_measured(live)).unwrap_or_default());
        out
    }

    /// The position of the next invocation or return, in the one sequence shared by every
    /// operation of the simulation (strictly increasing).
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Operations recorded so far (ids `0..len`).
    pub fn len(&self) -> u64 {
        self.first_id + self.window.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Operations no longer kept as records (ids `0..folded`).
    pub fn folded(&self) -> u64 {
        self.first_id - self.let_go
    }

    /// The window's records are all held (none let go by a copy: see
    /// [`History::let_go_of_ended`]); the views read only a complete history.
    pub fn is_complete(&self) -> bool {
        self.let_go == 0
    }

    /// The records held, oldest first: at least the [`HISTORY_WINDOW`] most recent when
    /// [`History::is_complete`], else the window's from the oldest operation in flight on.
    pub fn records(&self) -> impl DoubleEndedIterator<Item = &OpRecord> + ExactSizeIterator {
        self.window.iter().map(|r| &**r)
    }

    /// Operation `id`'s record, if still kept.
    pub fn get(&self, id: OpId) -> Option<&OpRecord> {
        self.window.get(usize::try_from(id.checked_sub(self.first_id)?).ok()?).map(|r| &**r)
    }

    /// Operation `id`'s record while it is in flight (`None` once it has ended: its record is
    /// final, the checker has it).
    pub(crate) fn in_flight_mut(&mut self, id: OpId) -> Option<&mut OpRecord> {
        let index = usize::try_from(id.checked_sub(self.first_id)?).ok()?;
        self.window.get_mut(index).filter(|r| r.outcome.is_none()).map(unshared)
    }

    /// Records an invocation; `record.id` must be [`History::len`], its position from
    /// [`History::next_seq`].
    pub(crate) fn invoked(&mut self, record: OpRecord) {
        assert_eq!(record.id, self.len(), "operation ids are consecutive");
        assert!(record.outcome.is_none(), "an invocation has not ended");
        if let Some(ledger) = &mut self.ledger {
            ledger.invoked(&record);
        }
        if let RecordValue::Json(input) = &record.input {
            self.note_nesting(input);
        }
        self.in_flight.push_back(record.id);
        self.window.push_back(Rc::new(record));
        self.record_bytes.push_back(0);
        self.trim();
    }

    /// Records how operation `id` ended: the record becomes final and goes to the checker.
    /// Returns the operation's proposer, or `None` if it had already ended.
    pub(crate) fn finish(&mut self, id: OpId, at: u64, result: &Result<Json, OpError>) -> Option<ProposerId> {
        let position = self.in_flight.binary_search(&id).ok()?;
        self.in_flight.remove(position);
        if let Ok(v) = result {
            self.note_nesting(v);
        }
        let return_seq = self.next_seq();
        let index = (id - self.first_id) as usize;
        let record = unshared(&mut self.window[index]);
        record.return_at = Some(at);
        record.return_seq = Some(return_seq);
        record.outcome = Some(outcome_of(result));
        match result {
            Ok(v) => record.output = Some(RecordValue::from(v.clone())),
            Err(e) => record.error = Some(e.clone()),
        }
        let proposer = record.proposer;
        let bytes = record_bytes(record);
        self.held_bytes += bytes;
        let slot = (id - self.folded()) as usize;
        self.record_bytes[slot] = u32::try_from(bytes).unwrap_or(u32::MAX);
        if let Some(ledger) = &mut self.ledger {
            ledger.finished(&self.window[index]);
        }
        self.trim();
        Some(proposer)
    }

    /// Whether some operation's input or answer was nested deeper than
    /// [`MAX_LIGHT_START_DEPTH`]: an operation's start may then copy such a value (src/wasm/stack.rs).
    pub fn holds_nested_values(&self) -> bool {
        self.nested_values
    }

    /// (Only the simulated `Cluster`'s guard asks: `LiveCluster`'s calls all prove the full one.)
    fn note_nesting(&mut self, value: &Json) {
        if cfg!(feature = "cluster") && !self.nested_values && matches!(value, Json::Array(_) | Json::Object(_)) {
            self.nested_values = depth(value) > MAX_LIGHT_START_DEPTH;
        }
    }

    /// Drops the oldest records past the window's count, or while the ended ones hold more than
    /// `max_bytes` of values, up to the oldest operation in flight (those let go first: they
    /// are the oldest, and ended).
    fn trim(&mut self) {
        while (self.window.len() as u64 + self.let_go > self.window_len as u64 || self.held_bytes > self.max_bytes)
            && self.drop_oldest()
        {}
    }

    /// Drops the oldest record, let go or held, if it ended; whether it did.
    fn drop_oldest(&mut self) -> bool {
        if self.let_go > 0 {
            self.let_go -= 1;
        } else if self.window.front().is_some_and(|r| r.outcome.is_some()) {
            self.window.pop_front();
            self.first_id += 1;
        } else {
            return false;
        }
        let bytes = self.record_bytes.pop_front().expect("the bytes of every record of the window");
        self.held_bytes -= bytes as usize;
        true
    }

    /// From now on the window's ended records hold at most about `max` bytes of values
    /// ([`record_bytes`]) besides at most [`HISTORY_WINDOW`] records (tests: less than
    /// [`MAX_HISTORY_BYTES`]). Every run is bounded so, replayable or not (outside tester 18:
    /// 60 KB values kept 240 KB a record, 2.4 GB in a window of 10,000; outside tester 20b: 45 KB
    /// objects 3 MB a record): a copy knows the bytes of the records it let go
    /// (`record_bytes`), so it drops the records the run drops.
    pub(crate) fn bound_bytes(&mut self, max: usize) {
        self.max_bytes = max;
        self.trim();
    }

    /// Lets go of the window's records up to the oldest operation in flight (all ended; the run
    /// that made this copy holds them, a replay regenerates them): what a checkpoint does, so
    /// that copies far apart do not each keep a window of the run's records.
    pub(crate) fn let_go_of_ended(&mut self) {
        while self.window.front().is_some_and(|r| r.outcome.is_some()) {
            self.window.pop_front();
            self.first_id += 1;
            self.let_go += 1;
        }
        // A copy's pointers to the records it let go would otherwise keep their room.
        self.window.shrink_to_fit();
    }

    /// The records this history let go from record `from` on, shared from `other` (the same
    /// run, at or after this point) if it holds them all, ended (`from` 0: all of them, which
    /// makes the history complete). Returns whether every record of the window from `from` on
    /// is held now.
    pub(crate) fn take_let_go_from(&mut self, other: &History, from: OpId) -> bool {
        let wanted = self.let_go_ids(from);
        let held = other.kept_ids();
        let ended = other.in_flight.front().is_none_or(|&oldest| oldest >= wanted.end);
        if wanted.is_empty() || held.start > wanted.start || held.end < wanted.end || !ended {
            return wanted.is_empty();
        }
        let taken = wanted.end - wanted.start;
        for id in wanted.rev() {
            let record = &other.window[(id - held.start) as usize];
            debug_assert!(record.id == id && record.outcome.is_some(), "an ended record of the same run");
            self.window.push_front(Rc::clone(record));
        }
        self.first_id -= taken;
        self.let_go -= taken;
        true
    }

    /// The ids of the records this copy let go from record `from` on (the window's before
    /// [`History::kept_ids`]; see [`History::let_go_of_ended`]).
    pub fn let_go_ids(&self, from: OpId) -> std::ops::Range<OpId> {
        from.max(self.folded()).min(self.first_id)..self.first_id
    }

    /// Operations not yet ended.
    pub fn pending(&self) -> impl Iterator<Item = &OpRecord> {
        self.in_flight.iter().map(|&id| self.get(id).expect("operations in flight are kept"))
    }

    /// Operations kept as records that ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.records().filter(|o| o.outcome == Some(outcome)).count()
    }

    /// Records held, in all: the records kept and what the ledger retains (operations and
    /// configurations). Bounded by the window, the operations in flight and the ledger's unfolded
    /// segments, not by the length of the run; what a copy of this history costs.
    pub fn retained(&self) -> usize {
        self.window.len() + self.retained_beyond_window()
    }

    /// What [`History::retained`] counts besides the window's records: the ledger's operations
    /// and configurations. (A copy of this history shares the window's records with it until
    /// they change; only the records of operations in flight do.)
    pub fn retained_beyond_window(&self) -> usize {
        let (ops, states) = self.ledger.as_ref().map_or((0, 0), Ledger::retained);
        ops + states
    }

    /// Operations the checker holds unfolded (see [`History::retained_beyond_window`]).
    pub fn checker_ops(&self) -> usize {
        self.ledger.as_ref().map_or(0, |l| l.retained().0)
    }

    /// The checker's frontiers: (address, bytes) each (see [`Ledger::frontiers`]).
    pub fn checker_frontiers(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.ledger.iter().flat_map(Ledger::frontiers)
    }

    /// The ids of the records held (the window, with the operations in flight; see
    /// [`History::is_complete`]).
    pub fn kept_ids(&self) -> std::ops::Range<OpId> {
        self.first_id..self.len()
    }

    /// Negative controls: operation `id`'s ended record answers something else (in this history
    /// and every copy that shares it from now on). False if it is not held, or in flight.
    #[cfg(test)]
    pub(crate) fn corrupt(&mut self, id: OpId) -> bool {
        let Some(index) = id.checked_sub(self.first_id).filter(|&i| i < self.window.len() as u64) else { return false };
        let record = &mut self.window[index as usize];
        if record.outcome.is_none() {
            return false;
        }
        let corrupted = Rc::new(OpRecord { output: Some(Json::from("corrupted").into()), ..OpRecord::clone(record) });
        *record = corrupted;
        true
    }

    /// From now on the checker is not fed: for a scratch replay whose events or records are all
    /// it is for (issue 9: the checker's folds were most of a replay that regenerates events).
    /// Nothing the simulation does depends on the checker, so its events and records stay the
    /// run's; its ledger may not be read any more.
    pub(crate) fn stop_checking(&mut self) {
        self.ledger = None;
    }

    /// Whether the checker is fed (see [`History::stop_checking`]).
    pub fn checks(&self) -> bool {
        self.ledger.is_some()
    }

    /// Negative controls (checkpoints): the ledger, to corrupt.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn ledger_mut(&mut self) -> &mut Ledger {
        self.ledger.as_mut().expect("a checked history")
    }

    /// The incremental checker's state (not of a history that [stopped checking](History::stop_checking)).
    pub fn ledger(&self) -> &Ledger {
        let Some(ledger) = &self.ledger else { panic!("the checker of a replay that stopped checking was read") };
        ledger
    }
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
