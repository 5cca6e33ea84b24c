//! Helpers the checker's test modules share.

use super::model::{CheckOp, Next, State};
use crate::driver::{outcome_of, Outcome};
use crate::ops::{OpError, OpKind};
use crate::session::{from_json, Recording};
use crate::sim::OpRecord;
use serde_json::Value as Json;

/// The states `op` can lead to from `s` (a step that changes nothing: `s` itself).
pub(super) fn next_states(op: &CheckOp, s: &State) -> Vec<State> {
    let mut out = Vec::new();
    op.successors(s, &mut out);
    out.into_iter()
        .map(|n| match n {
            Next::Same => s.clone(),
            Next::New(n) => n,
        })
        .collect()
}

/// An outside tester's session kept as a fixture (`fixtures/*.json`), replayed, then run until
/// idle (as the testers' scripts end).
pub(super) fn replayed(doc: &str) -> Recording {
    let doc: serde_json::Value = serde_json::from_str(doc).expect("a session document");
    let rec = from_json(&doc).expect("a valid session").replay().expect("it replays");
    rec.run_until_idle(100_000_000).expect("it runs to idle");
    rec
}

/// The records of `key`, from a history still held whole (nothing folded away).
pub(super) fn records_of(rec: &Recording, key: &str) -> Vec<OpRecord> {
    let history = rec.sim().history();
    assert!(history.is_complete() && history.folded() == 0, "the whole history is held");
    history.records().filter(|o| &*o.key == key).cloned().collect()
}

/// An operation of proposer 1 on `key`, invoked at time and position `at`, not ended yet (so it
/// may have been applied).
pub(super) fn invoked(id: u64, key: &str, op: OpKind, input: Json, at: u64) -> OpRecord {
    OpRecord {
        id,
        proposer: 1,
        op,
        key: key.into(),
        input: input.into(),
        invoke_at: at,
        return_at: None,
        invoke_seq: at,
        return_seq: None,
        outcome: None,
        output: None,
        error: None,
        may_have_applied: true,
        attempts: 1,
        evaluations: Default::default(),
    }
}

/// Operation `invoked` (from [`invoked`]), ended at time and position `at` with `result`: the
/// outcome is the one the simulator's history gives it.
pub(super) fn returned(invoked: OpRecord, (at, seq): (u64, u64), result: Result<Json, OpError>) -> OpRecord {
    let outcome = outcome_of(&result);
    let (output, error) = match result {
        Ok(v) => (Some(v.into()), None),
        Err(e) => (None, Some(e)),
    };
    OpRecord {
        return_at: Some(at),
        return_seq: Some(seq),
        outcome: Some(outcome),
        output,
        error,
        may_have_applied: outcome == Outcome::Unknown,
        ..invoked
    }
}
