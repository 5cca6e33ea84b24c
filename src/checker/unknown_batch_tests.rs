//! The outside tester's batch of increments with unknown outcomes (outside15, finding 6:
//! `tests/outside15/batch.mjs`, seed 9: 5 acceptors, 3 proposers, 42 increments of `k` in two
//! batches, 35 answered, 7 unknown). It was `unknown` at the default budget (the general search
//! needed 4,485,309 steps to say ok); the forced chains now walk it (see `chain.rs`).

use super::test_support::{records_of, replayed};
use super::*;
use crate::sim::OpRecord;

const BATCH_9: &str = include_str!("fixtures/outside15-batch-9.json");

/// Steps the check of the whole run takes at most: one per configuration walked, 42 operations.
const BATCH_9_STEPS_AT_MOST: u64 = 100;

fn is_unknown(o: &OpRecord) -> bool {
    o.outcome == Some(crate::driver::Outcome::Unknown)
}

#[test]
fn the_testers_batch_9_is_linearizable_in_a_few_steps() {
    let rec = replayed(BATCH_9);
    let k = records_of(&rec, "k");
    assert_eq!((k.len(), k.iter().filter(|o| is_unknown(o)).count()), (42, 7));
    assert!(k.iter().all(|o| o.op == crate::ops::OpKind::Increment));
    let report = check_run(rec.sim(), DEFAULT_STEP_BUDGET);
    println!("batch 9: {} steps", report.steps);
    assert!(report.ok && report.steps <= BATCH_9_STEPS_AT_MOST, "{} steps, {:?}", report.steps, report.keys);
    let full = check_records(&k, DEFAULT_STEP_BUDGET);
    assert!(full.ok && full.steps <= BATCH_9_STEPS_AT_MOST, "the full search: {} steps", full.steps);
}

/// Checks `records` in full (the forced chains) and incrementally (folding at every cut: the
/// general search folds what has unknown increments): both must catch it, and the full check
/// must name `id`. (A fold tells its violation from its own longest order, which may name
/// another increment of the key.)
fn assert_violation_naming(records: &[OpRecord], id: u64) {
    let full = check_records(records, DEFAULT_STEP_BUDGET);
    let incremental = check_incrementally(records, Ledger::new(1, UNKNOWN_HORIZON), DEFAULT_STEP_BUDGET);
    for (which, report) in [("full", full), ("incremental", incremental)] {
        let v = report.violation.unwrap_or_else(|| panic!("{which}: not caught: {:?}", report.keys.get("k")));
        assert_eq!(v.kind, ViolationKind::Linearizability, "{which}: {}", v.explanation);
        assert!(v.explanation.starts_with("increment k → "), "{which}: {}", v.explanation);
        assert!(which == "incremental" || v.ops[0] == id, "{which}: {}", v.explanation);
    }
}

/// The ok increment answering `answer`.
fn answering(k: &[OpRecord], answer: i64) -> usize {
    k.iter().position(|o| o.output.as_ref().and_then(|a| a.as_json().as_i64()) == Some(answer)).expect("an answer")
}

#[test]
fn a_gap_no_unknown_increment_can_fill_in_real_time_is_a_violation_naming_the_increment() {
    // No ok increment answered 9: one of the unknown ones took effect there, and it must have
    // been invoked before the increment answering 10 returned (nothing else moves the register
    // from 8 to 9). Invoked after it instead, none can.
    let k = records_of(&replayed(BATCH_9), "k");
    let ten = &k[answering(&k, 10)];
    let (ten_id, ten_returned) = (ten.id, ten.return_seq.expect("returned"));
    let mut late = k.clone();
    let last = late.iter().filter_map(|o| o.return_seq).max().expect("returns");
    let early: Vec<u64> = late.iter().filter(|o| is_unknown(o) && o.invoke_seq < ten_returned).map(|o| o.id).collect();
    assert!(!early.is_empty(), "the fixture fills the gap in time");
    for (j, o) in late.iter_mut().filter(|o| early.contains(&o.id)).enumerate() {
        (o.invoke_seq, o.return_seq) = (ten_returned + 1 + j as u64, Some(last + 1 + o.id));
    }
    assert_violation_naming(&late, ten_id);
    // Control: invoked just before it returned, they fill it.
    for (j, o) in late.iter_mut().filter(|o| early.contains(&o.id)).enumerate() {
        o.invoke_seq = ten_returned - 1 - j as u64;
    }
    let full = check_records(&late, DEFAULT_STEP_BUDGET);
    assert!(full.ok && full.steps <= BATCH_9_STEPS_AT_MOST, "{} steps, {:?}", full.steps, full.keys);
}

#[test]
fn a_duplicated_answer_among_unknown_increments_is_a_violation_naming_the_increment() {
    let k = records_of(&replayed(BATCH_9), "k");
    let (max, second) = (answering(&k, 38), answering(&k, 36));
    let mut dup = k.clone();
    dup[max].output = Some(serde_json::json!(36).into());
    // Both must be placed where the register holds 35; the one returning last is named (its
    // return is the one the history cannot take).
    let named = [max, second].into_iter().max_by_key(|&i| k[i].return_seq).map(|i| k[i].id).expect("two");
    assert_violation_naming(&dup, named);
}
