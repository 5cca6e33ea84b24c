//! The outside tester's register histories (issue 11) that ran the search out of its budget:
//! 31 and 29 overlapping operations on one key with deletes and collections. Written down from
//! its seeds 233 and 755 (`history()` of key `r`; positions are the history's `invokeSeq` and
//! `returnSeq`), so they stay fixed whatever the simulator does next.

use super::*;
use crate::driver::Outcome;
use crate::ops::{OpError, OpKind};
use crate::sim::OpRecord;
use serde_json::{json, Value as Json};

/// `id op input invokeSeq returnSeq outcome answer`: `-` is `null`; a put's answer is its input,
/// a collection's is `{ erased: 0 }`; `failed` is an `Unavailable` that certainly did not apply.
const SEED_233: &str = "
2 get - 3 92 ok v9 | 4 put v1 5 19 failed - | 7 get - 8 93 ok v9 | 8 delete - 9 61 ok - |
9 put v2 10 54 ok v2 | 10 delete - 11 56 ok - | 11 put v3 12 62 ok v3 | 13 delete - 14 79 ok - |
14 put v4 15 81 ok v4 | 15 put v5 16 60 ok v5 | 16 put v6 17 84 ok v6 | 17 get - 18 67 ok v3 |
21 put v7 25 68 ok v7 | 22 delete - 26 85 ok - | 24 get - 28 86 ok - | 28 put v8 32 94 ok v8 |
29 get - 33 69 ok v7 | 30 delete - 34 88 ok - | 31 put v9 35 89 ok v9 | 32 put v10 36 70 ok v10 |
35 put v11 39 95 ok v11 | 40 delete - 44 71 ok - | 41 put v12 45 47 ok v12 | 43 gc - 58 59 ok - |
44 gc - 63 64 ok - | 45 gc - 73 102 ok - | 46 gc - 82 83 ok - | 47 gc - 87 96 ok - |
48 gc - 90 91 ok - | 51 get - 100 104 ok v11 | 54 get - 109 110 ok v11";

const SEED_755: &str = "
1 put v1 2 8 ok v1 | 2 put v2 4 6 ok v2 | 3 put v3 5 30 failed - | 4 get - 7 51 ok v1 |
5 delete - 9 55 ok - | 8 get - 12 70 ok v11 | 10 put v4 14 33 failed - | 12 put v5 16 71 ok v5 |
13 delete - 17 34 failed - | 14 get - 18 72 ok v5 | 16 put v6 20 35 failed - | 17 put v7 21 36 failed - |
18 put v8 22 57 ok v8 | 19 put v9 23 73 ok v9 | 20 get - 24 62 ok v15 | 21 delete - 25 37 failed - |
22 get - 26 38 failed - | 23 put v10 27 63 ok v10 | 26 delete - 39 64 ok - | 27 put v11 40 65 ok v11 |
28 get - 41 74 ok v9 | 29 gc - 42 79 ok - | 30 put v12 43 75 ok v12 | 32 get - 45 66 ok v11 |
33 put v13 46 58 ok v13 | 35 put v14 48 60 ok v14 | 37 put v15 50 61 ok v15 | 40 get - 54 77 ok v12 |
43 get - 87 88 ok v12";

fn value(token: &str) -> Json {
    if token == "-" {
        Json::Null
    } else {
        json!(token)
    }
}

/// The records of a written-down history.
fn records(table: &str) -> Vec<OpRecord> {
    table
        .split('|')
        .map(|row| {
            let f: Vec<&str> = row.split_whitespace().collect();
            let [id, op, input, invoke, ret, outcome, answer] = f[..] else { panic!("row {row:?}") };
            let op = OpKind::parse(op).expect("a known operation");
            let seq = |s: &str| s.parse::<u64>().expect("a position");
            let failed = outcome == "failed";
            let output = if op == crate::sim::GC_OP { json!({ "erased": 0 }) } else { value(answer) };
            OpRecord {
                id: seq(id),
                proposer: 1,
                op,
                key: "r".into(),
                input: value(input).into(),
                invoke_at: seq(invoke),
                return_at: Some(seq(ret)),
                invoke_seq: seq(invoke),
                return_seq: Some(seq(ret)),
                outcome: Some(if failed { Outcome::Failed } else { Outcome::Ok }),
                output: (!failed).then(|| output.into()),
                error: failed.then(|| OpError::unavailable(false, "the change was not applied")),
                may_have_applied: false,
                attempts: 1,
                evaluations: Default::default(),
            }
        })
        .collect()
}

/// Search steps the plain Wing & Gong search (no reductions) took on these two histories with
/// the default budget raised: 17,667,723 and 5,650,041. With them (`prune.rs`): 321 and 254.
const STEPS_NOW_AT_MOST: u64 = 2_000;

#[test]
fn the_outside_testers_histories_are_linearizable_and_decided_quickly() {
    for (seed, table) in [(233, SEED_233), (755, SEED_755)] {
        let records = records(table);
        let full = check_records(&records, DEFAULT_STEP_BUDGET);
        assert!(full.ok, "seed {seed}: {:?}", full.keys);
        assert!(full.steps <= STEPS_NOW_AT_MOST, "seed {seed}: {} steps", full.steps);
        // The incremental checker, folding at every cut, agrees.
        let incremental = check_incrementally(&records, Ledger::new(1, UNKNOWN_HORIZON), DEFAULT_STEP_BUDGET);
        assert!(incremental.ok, "seed {seed}: {:?}", incremental.keys);
    }
}

#[test]
fn the_same_histories_with_a_read_of_a_value_never_written_are_violations_naming_that_read() {
    // Negative controls: one read answers a value no put wrote.
    for (seed, table, read) in [(233, SEED_233, 17), (755, SEED_755, 14)] {
        let mut records = records(table);
        let r = records.iter_mut().find(|r| r.id == read).expect("the read is in the history");
        r.output = Some(json!("never-written").into());
        let prefix = format!("get r → \"never-written\" (#{read}) at ");
        let full = check_records(&records, DEFAULT_STEP_BUDGET);
        let incremental = check_incrementally(&records, Ledger::new(1, UNKNOWN_HORIZON), DEFAULT_STEP_BUDGET);
        for (which, report) in [("full", full), ("incremental", incremental)] {
            let v = report.violation.unwrap_or_else(|| panic!("seed {seed} ({which}): not caught"));
            assert_eq!(v.kind, ViolationKind::Linearizability, "seed {seed} ({which})");
            assert_eq!(v.ops[0], read, "seed {seed} ({which}): {}", v.explanation);
            assert!(v.explanation.starts_with(&prefix), "seed {seed} ({which}): {}", v.explanation);
            assert!(v.explanation.contains("fits no linearization"), "seed {seed} ({which}): {}", v.explanation);
        }
    }
}

#[test]
fn a_read_of_a_value_overwritten_before_it_was_invoked_is_a_violation_naming_it() {
    // Negative control for the starved-read reduction in the middle of a search: seed 233's
    // final reads answer v11; one answering v12 (overwritten long before) fits nowhere.
    let mut records = records(SEED_233);
    let r = records.iter_mut().find(|r| r.id == 54).expect("the last read");
    r.output = Some(json!("v12").into());
    let report = check_records(&records, DEFAULT_STEP_BUDGET);
    let v = report.violation.expect("a stale read is caught");
    assert_eq!(v.ops[0], 54, "{}", v.explanation);
    assert!(v.explanation.starts_with("get r → \"v12\" (#54) at 109–110ms fits no linearization"), "{}", v.explanation);
}
