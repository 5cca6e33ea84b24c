//! How an operation's invocation, its notes and its end are recorded in a history and counted in
//! the stats: one place for the simulator's world and the live world ([`crate::live`]). Each
//! returns the event to log (the caller owns the log and its clock).

use super::history::{Evaluation, History, OpRecord};
use super::trace::EventKind;
use super::Stats;
use crate::driver::{outcome_of, Note, Outcome};
use crate::ops::{OpError, OpId, OpKind};
use crate::protocol::{Key, ProposerId};
use serde_json::Value as Json;

/// Records a new operation invoked at `now`; its id, and its invoke event.
pub(crate) fn invoke(
    history: &mut History,
    stats: &mut Stats,
    now: u64,
    (proposer, key): (ProposerId, &Key),
    op: OpKind,
    input: Json,
) -> (OpId, EventKind) {
    let id = history.len();
    let invoke_seq = history.next_seq();
    history.invoked(OpRecord {
        id,
        proposer,
        op,
        key: key.clone(),
        input: input.into(),
        invoke_at: now,
        return_at: None,
        invoke_seq,
        return_seq: None,
        outcome: None,
        output: None,
        error: None,
        may_have_applied: false,
        attempts: 1,
        evaluations: Default::default(),
    });
    stats.operations += 1;
    (id, EventKind::Invoke { op: id, proposer, name: op.name(), key: key.clone() })
}

/// Records how operation `id` ended, at `now`; its return event (`None` if it had already ended).
pub(crate) fn end(
    history: &mut History,
    stats: &mut Stats,
    now: u64,
    id: OpId,
    result: &Result<Json, OpError>,
) -> Option<EventKind> {
    debug_assert!(result.as_ref().err().is_none_or(OpError::says_its_fate), "{result:?}");
    let outcome = outcome_of(result);
    let proposer = history.finish(id, now, result)?;
    match outcome {
        Outcome::Ok => stats.ok += 1,
        Outcome::Failed => stats.failed += 1,
        Outcome::Unknown => stats.unknown += 1,
    }
    Some(EventKind::Return { op: id, proposer, outcome })
}

/// Counts a proposer's note and keeps what the checker needs of it; a timeout's event.
pub(crate) fn note(history: &mut History, stats: &mut Stats, note: Note) -> Option<EventKind> {
    match note {
        Note::Timeout { proposer, key, ballot, phase } => {
            stats.timeouts += 1;
            return Some(EventKind::Timeout { proposer, key, ballot, phase });
        }
        Note::Conflict { .. } => stats.conflicts += 1,
        Note::Retry { op, attempt, .. } => {
            stats.retries += 1;
            if let Some(record) = history.in_flight_mut(op) {
                record.attempts = attempt;
            }
        }
        Note::MayApply { op } => {
            if let Some(record) = history.in_flight_mut(op) {
                record.may_have_applied = true;
            }
        }
        Note::Leased { proposer, key, until_local_ms } => {
            // The caller has put the window's end on the simulator's time line.
            return Some(EventKind::Lease { proposer, key, until: until_local_ms });
        }
        Note::Evaluated { op, seen, at_ms, wrote } => {
            if let Some(record) = history.in_flight_mut(op) {
                record.evaluations.push(Evaluation { seen, at_ms, wrote });
            }
        }
    }
    None
}
