//! The incremental checker on hand-written histories of one key: what a fold remembers, what it
//! drops, and what the unknown horizon gives up (against the full search).

use super::*;
use crate::checker::{check_incrementally, check_records, Report, ViolationKind, DEFAULT_STEP_BUDGET};
use crate::ops::{OpError, OpKind};
use serde_json::{json, Value as Json};

/// Builds one key's history: operations invoked and returned at consecutive positions.
#[derive(Default)]
struct Script {
    records: Vec<OpRecord>,
    seq: u64,
}

impl Script {
    /// Invokes `name` (ending later with [`Script::end`]); returns its id.
    fn invoke(&mut self, name: &'static str, input: Json) -> u64 {
        self.seq += 1;
        let id = self.records.len() as u64;
        self.records.push(OpRecord {
            id,
            proposer: 1,
            op: OpKind::parse(name).expect("a test names a known operation"),
            key: "k".into(),
            input: input.into(),
            invoke_at: self.seq,
            return_at: None,
            invoke_seq: self.seq,
            return_seq: None,
            outcome: None,
            output: None,
            error: None,
            may_have_applied: true,
            attempts: 1,
            evaluations: Default::default(),
        });
        id
    }

    fn end(&mut self, id: u64, result: Result<Json, OpError>) {
        self.seq += 1;
        let r = &mut self.records[id as usize];
        (r.return_at, r.return_seq, r.outcome) =
            (Some(self.seq), Some(self.seq), Some(crate::driver::outcome_of(&result)));
        match result {
            Ok(v) => r.output = Some(v.into()),
            Err(e) => r.error = Some(e),
        }
    }

    /// An operation invoked and answered `output` before the next one is invoked.
    fn done(&mut self, name: &'static str, output: Json) -> u64 {
        let id = self.invoke(name, Json::Null);
        self.end(id, Ok(output));
        id
    }

    /// Both checkers: folding at every cut with `horizon`, and the full search.
    fn verdicts(&self, horizon: u32) -> (Report, Report) {
        let incremental = check_incrementally(&self.records, Ledger::new(1, horizon), DEFAULT_STEP_BUDGET);
        (incremental, check_records(&self.records, DEFAULT_STEP_BUDGET))
    }
}

#[test]
fn a_violation_in_a_folded_prefix_is_remembered_with_its_explanation() {
    let mut h = Script::default();
    h.done("increment", json!(1));
    let stale = h.done("get", json!(0));
    for i in 2..200 {
        h.done("increment", json!(i));
    }
    let ledger = {
        let mut ledger = Ledger::new(1, UNKNOWN_HORIZON);
        for r in &h.records {
            ledger.invoked(r);
            ledger.finished(r);
        }
        ledger
    };
    assert_eq!(ledger.retained(), (0, 0), "a settled verdict keeps nothing");
    let v = ledger.verdicts(std::iter::empty(), DEFAULT_STEP_BUDGET);
    assert_eq!(v.folded, 200);
    let Some(KeyResult::Violation(violation)) = v.keys.get("k") else { panic!("{v:?}") };
    assert_eq!((violation.kind, violation.ops[0]), (ViolationKind::Linearizability, stale));
    assert!(
        violation.explanation.starts_with("get k → 0 (#1) at 3–4ms fits no linearization"),
        "{}",
        violation.explanation
    );
    // The full search also names the last write before it; the fold no longer holds it.
    let (incremental, full) = h.verdicts(UNKNOWN_HORIZON);
    assert_eq!(incremental.violation.map(|v| v.ops), Some(vec![stale]));
    assert_eq!(full.violation.map(|v| v.ops), Some(vec![stale, 0]));
}

#[test]
fn a_linearizable_history_folds_to_its_last_state_and_keeps_checking() {
    let mut h = Script::default();
    for i in 1..=100 {
        h.done("increment", json!(i));
    }
    // Two overlapping increments across the next cut: either order is fine.
    let a = h.invoke("increment", Json::Null);
    let b = h.invoke("increment", Json::Null);
    h.end(a, Ok(json!(102)));
    h.end(b, Ok(json!(101)));
    let get = h.done("get", json!(102));
    let (incremental, full) = h.verdicts(UNKNOWN_HORIZON);
    assert!(incremental.ok && full.ok);
    assert_eq!(incremental.folded, 103);
    // The negative control: the same history with a lost increment is caught by both.
    h.records[get as usize].output = Some(json!(101).into());
    let (incremental, full) = h.verdicts(UNKNOWN_HORIZON);
    assert_eq!(incremental.violation.map(|v| v.ops[0]), Some(get));
    assert_eq!(full.violation.map(|v| v.ops[0]), Some(get));
}

/// An unknown increment, then completed gets. With horizon 2 it is folded as "applied before
/// the second get returned, or never".
fn unknown_then_gets(gets: &[i64]) -> Script {
    let mut h = Script::default();
    h.done("increment", json!(1));
    let unknown = h.invoke("increment", Json::Null);
    h.end(unknown, Err(OpError::unavailable(true, "proposer p1 crashed; the change may have been applied")));
    for &g in gets {
        h.done("get", json!(g));
    }
    h
}

#[test]
fn an_unknown_operation_folds_as_applied_or_not() {
    for gets in [&[1, 1, 1, 1][..], &[2, 2, 2, 2], &[1, 2, 2, 2]] {
        let (incremental, full) = unknown_then_gets(gets).verdicts(2);
        assert!(incremental.ok && full.ok, "{gets:?}");
        assert_eq!((incremental.folded, incremental.folded_unknowns), (6, 1), "{gets:?}");
    }
    // Applied, then not: no linearization, with the horizon or without.
    let (incremental, full) = unknown_then_gets(&[2, 1]).verdicts(2);
    assert_eq!(incremental.violation.map(|v| v.ops[0]), Some(3));
    assert_eq!(full.violation.map(|v| v.ops[0]), Some(3));
}

/// What the horizon gives up: an unknown operation that takes effect only after its key's
/// horizon of completed operations is reported, where the full search (which lets it float
/// forever) accepts it. In the cluster simulated, a later completed round decides it first.
#[test]
fn an_unknown_operation_applied_past_its_horizon_is_reported() {
    let h = unknown_then_gets(&[1, 1, 1, 2]);
    let (incremental, full) = h.verdicts(2);
    assert!(full.ok, "the full search lets it apply at any time");
    let v = incremental.violation.expect("past the horizon");
    assert_eq!(v.ops[0], 5, "{}", v.explanation);
    assert!(v.explanation.starts_with("get k → 2 (#5)"), "{}", v.explanation);
    // With the default horizon, it is still floating.
    assert!(h.verdicts(UNKNOWN_HORIZON).0.ok);
}

/// A fold past [`MAX_FRONTIER_STATES`] configurations is tried again at a later cut, so the
/// verdict agrees with the full search; a key whose folds keep failing until it holds the
/// ledger's most operations is `unknown`: never a violation that is not one.
#[test]
fn too_many_configurations_defer_the_fold_then_make_the_verdict_unknown_not_wrong() {
    // 12 unknown puts within their horizon span every cut: each subset of them placed or not
    // is a configuration (4,096 of them).
    let mut h = Script::default();
    for i in 0..12 {
        let id = h.invoke("put", json!(i));
        h.end(id, Err(OpError::unavailable(true, "lost")));
    }
    for _ in 0..20 {
        h.done("get", Json::Null);
    }
    let (incremental, full) = h.verdicts(UNKNOWN_HORIZON);
    assert!(full.ok);
    assert!(incremental.ok, "the fold was retried, not given up: {:?}", incremental.keys);
    assert_eq!(incremental.folded, 0, "no fold could finish");
    // A ledger holding at most 24 operations gives up, without a violation.
    let small = Ledger::new(1, UNKNOWN_HORIZON).with_max_segment(24);
    let incremental = check_incrementally(&h.records, small.clone(), DEFAULT_STEP_BUDGET);
    assert_eq!(incremental.keys.get("k"), Some(&KeyResult::Unknown(Undecided::Unfoldable)), "at the cap, and says so");
    assert!(!incremental.ok && incremental.violation.is_none());
    let key = &incremental.to_json()["keys"]["k"];
    assert_eq!(key["verdict"], "unknown");
    let reason = key["reason"].as_str().expect("a reason");
    assert!(reason.contains(&format!("held {} settled operations", crate::limits::MAX_SEGMENT_OPS)), "{reason}");
    // Control: the same history out of step budget is unknown for that reason, not the cap's.
    let starved = check_incrementally(&h.records, Ledger::new(1, UNKNOWN_HORIZON), 1);
    assert_eq!(starved.keys.get("k"), Some(&KeyResult::Unknown(Undecided::OutOfBudget)));
    assert_eq!(starved.to_json()["keys"]["k"]["reason"], "the search ran out of budget");
    // Control: a key with a verdict has no reason.
    assert!(full.to_json()["keys"]["k"].get("reason").is_none(), "ok: no reason");
    // With 4 unknown puts the fold keeps them all, folds, and agrees.
    h.records.drain(4..12);
    let incremental = check_incrementally(&h.records, small, DEFAULT_STEP_BUDGET);
    assert!(incremental.ok && incremental.folded > 0, "{incremental:?}");
}

/// A collection blocked for long (a crashed acceptor) while the key goes on: increments
/// `1..=n` in sequence around it, the `wrong`-th (if any) answering one too many.
fn around_a_collection_in_flight(blocked: &'static str, n: u64, wrong: Option<u64>) -> Script {
    let mut h = Script::default();
    h.done("increment", json!(1));
    h.invoke(blocked, Json::Null); // never ends
    for i in 2..=n {
        h.done("increment", json!(if Some(i) == wrong { i + 1 } else { i }));
    }
    h
}

#[test]
fn a_collection_in_flight_does_not_hold_the_cut_back() {
    let (incremental, full) = around_a_collection_in_flight("gc", 50, None).verdicts(UNKNOWN_HORIZON);
    assert!(incremental.ok && full.ok, "{incremental:?}");
    assert_eq!(incremental.folded, 50, "every increment folded past the collection's invocation");
    // Control: an increment in flight there does hold it back (its answer is still to come).
    let (held, _) = around_a_collection_in_flight("increment", 50, None).verdicts(UNKNOWN_HORIZON);
    assert!(held.ok);
    assert_eq!(held.folded, 1, "only what returned before the increment in flight was invoked");
    // Negative control: the fold past the collection still catches a wrong answer after it.
    let (incremental, full) = around_a_collection_in_flight("gc", 50, Some(30)).verdicts(UNKNOWN_HORIZON);
    let caught = incremental.violation.expect("a violation");
    assert_eq!(caught.ops[0], 30, "increment #30 answered 31: {}", caught.explanation);
    assert_eq!(full.violation.map(|v| v.ops[0]), Some(30));
}
