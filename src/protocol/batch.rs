//! Batching: operations queued on one key of one proposer go out as one round. The proposer
//! applies them in queue order to the state it read — each on the state the one before left —
//! and accepts the result once; each operation keeps its own answer.
//!
//! Exactly once, per operation: the register the batch writes carries one marker of the
//! proposer holding every answer of the batch (`Applied::batch`). Since the batch is written in
//! one accept, a register either reflects all its changes or none; a retry that finds the
//! marker writes the register back and answers what the batch answered (rule 4 of
//! [`super::operation`]), so no change is applied twice. Rule 3 holds unchanged: every answer,
//! a refusal included, waits for a quorum to accept the batch's state.

use super::ballot::ProposerId;
use super::operation::Note;
use crate::ops::{BatchAnswers, Op, OpError, OpId, Val};
use crate::sim::RecordValue;
use serde_json::Value as Json;
use std::rc::Rc;

/// What a batch decided: the register to accept and each operation's answer, in order.
pub struct BatchPlan {
    pub value: Val,
    /// Changes `value` makes on top of the state read (one per operation that writes).
    pub writes: u64,
    pub answers: Vec<Result<Json, OpError>>,
    /// `Evaluated` for each operation evaluated, `MayApply` for each that writes.
    pub notes: Vec<Note>,
}

/// Operation `op_id` of `proposer` on `current` at `now_ms`: the register it writes (`None`:
/// nothing new) and its answer. One function for single operations and batches, so the wasm
/// carries one copy of every operation's code.
#[inline(never)]
pub fn evaluate(
    proposer: ProposerId,
    op_id: OpId,
    op: &Op,
    current: &Val,
    now_ms: u64,
) -> (Option<Val>, Result<Json, OpError>) {
    match op.apply(current, now_ms) {
        Ok(effect) => match effect.write {
            Some(v) => {
                let marker = RecordValue::from(effect.output.clone());
                let next = Rc::new(current.changed(v, proposer, op_id, marker));
                (Some(next), Ok(effect.output))
            }
            None => (None, Ok(effect.output)),
        },
        // Rule 3: a refusal observed `current`; it is answered only once a quorum accepted it.
        Err(e) => (None, Err(e)),
    }
}

/// Plans the batch `ops` (id, operation; in queue order) of `proposer` on `current` at `now_ms`.
/// `blind`: the "blind retry" break — ignore the marker of an earlier attempt.
pub fn plan(proposer: ProposerId, ops: &[(OpId, &Op)], current: &Val, now_ms: u64, blind: bool) -> BatchPlan {
    assert!(ops.len() >= 2, "a batch has at least two operations");
    let earlier = if blind { None } else { current.applied_batch(proposer, ops[0].0) };
    if let Some(answers) = earlier {
        // An earlier attempt of this batch was accepted (maybe by a minority only): write it back.
        assert!(ops.iter().zip(answers.iter()).all(|((a, _), (b, _))| a == b), "a batch is retried whole");
        let answers = answers.iter().map(|(_, answer)| answer.clone()).collect();
        return BatchPlan { value: current.clone(), writes: 0, answers, notes: Vec::new() };
    }
    let mut state = current.clone();
    let (mut writes, mut answers, mut notes) = (0, Vec::with_capacity(ops.len()), Vec::new());
    for &(op_id, op) in ops {
        let (wrote, answer) = evaluate(proposer, op_id, op, &state, now_ms);
        notes.push(Note::Evaluated { op: op_id, seen: state.clone(), at_ms: now_ms, wrote: wrote.clone() });
        if let Some(next) = wrote {
            notes.push(Note::MayApply { op: op_id });
            writes += 1;
            state = next;
        }
        answers.push(answer);
    }
    if writes > 0 {
        let marked: BatchAnswers = Rc::new(ops.iter().map(|(id, _)| *id).zip(answers.iter().cloned()).collect());
        state = Rc::new((*state).clone().marked_batch(proposer, marked));
    }
    assert_eq!(state.version, current.version + writes, "one version per change");
    BatchPlan { value: state, writes, answers, notes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Register;
    use serde_json::json;

    /// An increment's exactly-once marker holds its answer inline (issue 9: no allocation of its
    /// own); a float counter's or a lease's answer is shared JSON, and every marker answers a
    /// retry exactly what was answered. Negative control: the float is not taken for a counter.
    #[test]
    fn an_increments_marker_holds_its_counter_inline() {
        let marker_of = |op: &Op, value: Json| {
            let current = Rc::new(Register { value, ..Register::default() });
            let (wrote, answer) = evaluate(2, 7, op, &current, 0);
            let next = wrote.expect("it writes");
            assert_eq!(next.applied_output(2, 7), Some(answer.expect("it answers")), "a retry's answer");
            next.applied[0].output.clone()
        };
        assert_eq!(marker_of(&Op::Increment, json!(4)), RecordValue::Unsigned(5));
        assert_eq!(marker_of(&Op::Increment, json!(1.5)), RecordValue::Json(Rc::new(json!(2.5))));
        let lease = Op::AcquireLease { owner: "a".into(), ttl_ms: None };
        assert!(matches!(marker_of(&lease, Json::Null), RecordValue::Json(_)));
    }

    fn ops() -> Vec<(OpId, Op)> {
        vec![
            (10, Op::Increment),
            (11, Op::Get),
            (12, Op::Write { expected: 0, value: json!("x") }),
            (13, Op::Increment),
        ]
    }

    fn planned(current: &Val) -> BatchPlan {
        let ops = ops();
        let refs: Vec<(OpId, &Op)> = ops.iter().map(|(id, op)| (*id, op)).collect();
        plan(2, &refs, current, 0, false)
    }

    #[test]
    fn each_operation_applies_on_the_state_the_one_before_left_and_keeps_its_answer() {
        let p = planned(&Val::default());
        assert_eq!(p.answers[0], Ok(json!(1)));
        assert_eq!(p.answers[1], Ok(json!(1)), "the get sees the first increment");
        let refused = p.answers[2].as_ref().unwrap_err();
        assert_eq!(
            refused.message, "expected version 0, but the key is at version 1",
            "refused on the state before it"
        );
        assert_eq!(p.answers[3], Ok(json!(2)));
        assert_eq!((p.value.value.clone(), p.value.version, p.writes), (json!(2), 2, 2));
        let evaluated = p.notes.iter().filter(|n| matches!(n, Note::Evaluated { .. })).count();
        assert_eq!(evaluated, 4, "every operation is evaluated once");
    }

    #[test]
    fn a_retry_that_finds_the_batch_applied_writes_it_back_and_answers_the_same() {
        let first = planned(&Val::default());
        let again = planned(&first.value);
        assert_eq!(again.answers, first.answers);
        assert_eq!(again.writes, 0);
        assert!(Rc::ptr_eq(&again.value, &first.value), "nothing applied twice");
        // Negative control: without the marker (blind), the batch applies again.
        let ops = ops();
        let refs: Vec<(OpId, &Op)> = ops.iter().map(|(id, op)| (*id, op)).collect();
        let blind = plan(2, &refs, &first.value, 0, true);
        assert_eq!(blind.value.value, json!(4), "applied twice: 2 increments more");
    }

    #[test]
    fn a_batch_of_reads_writes_nothing_and_leaves_no_marker() {
        let ops = [(1, Op::Get), (2, Op::Read)];
        let refs: Vec<(OpId, &Op)> = ops.iter().map(|(id, op)| (*id, op)).collect();
        let current: Val = Rc::new(Register { value: json!(5), version: 3, applied: Vec::new() });
        let p = plan(1, &refs, &current, 0, false);
        assert!(Rc::ptr_eq(&p.value, &current));
        assert_eq!(p.answers, vec![Ok(json!(5)), Ok(json!({ "version": 3, "value": 5 }))]);
    }
}
