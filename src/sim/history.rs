//! The client history: every operation with its invocation, its return and how it ended — the
//! input of a linearizability checker.

use crate::driver::Outcome;
use crate::ops::{OpError, OpId, Val};
use crate::protocol::{Key, ProposerId};
use serde_json::Value as Json;

#[derive(Clone, Debug, PartialEq)]
pub struct OpRecord {
    pub id: OpId,
    pub proposer: ProposerId,
    /// The contract's operation name (`increment`, `put`, ...).
    pub op: &'static str,
    pub key: Key,
    pub input: Json,
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
    pub output: Option<Json>,
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
    pub evaluations: Vec<Evaluation>,
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

#[derive(Clone, Debug, Default)]
pub struct History {
    pub ops: Vec<OpRecord>,
    /// Invocations and returns recorded so far: the next position in their one sequence.
    seq: u64,
}

impl History {
    /// The position of the next invocation or return, in the one sequence shared by every
    /// operation of the simulation (strictly increasing).
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Operations not yet ended.
    pub fn pending(&self) -> impl Iterator<Item = &OpRecord> {
        self.ops.iter().filter(|o| o.outcome.is_none())
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.ops.iter().filter(|o| o.outcome == Some(outcome)).count()
    }
}
