//! The outside tester's small mixed one-key histories (outside16, `mixed.mjs` with NMAX=25:
//! increments, gets, puts and deletes on `k`, with faults and break-it switches) that the
//! checker answered `unknown` at the default budget: seed 5070 (linearizable: 9,416,462 steps
//! before), 7036 and 7056 (violations: 7,539,979 and 14,406,999 steps before). Each is now
//! decided within the default budget.

use super::test_support::{records_of, replayed};
use super::*;
use crate::sim::OpRecord;

const MIXED_5070: &str = include_str!("fixtures/outside16-mixed-5070.json");
const MIXED_7036: &str = include_str!("fixtures/outside16-mixed-7036.json");
const MIXED_7056: &str = include_str!("fixtures/outside16-mixed-7056.json");

/// The run's verdict on `k` at the default budget, whole and incrementally, as `check()` gives it.
fn checked(doc: &str) -> (Vec<OpRecord>, Report) {
    let rec = replayed(doc);
    let report = check_run(rec.sim(), DEFAULT_STEP_BUDGET);
    println!("{} steps: {:?}", report.steps, report.violation.as_ref().map(|v| &v.explanation));
    (records_of(&rec, "k"), report)
}

#[test]
fn the_testers_seed_5070_is_linearizable_within_the_budget() {
    let (k, report) = checked(MIXED_5070);
    assert_eq!(k.len(), 71);
    let Some(KeyResult::Linearizable(order)) = report.keys.get("k") else { panic!("{:?}", report.keys) };
    assert!(report.ok && !order.is_empty());
    // Negative control: its first successful get (answered 5) answering a value never written.
    let mut broken = k.clone();
    let last = broken.iter().position(|o| o.op == crate::ops::OpKind::Get && o.output.is_some()).unwrap();
    broken[last].output = Some(serde_json::json!("never written").into());
    let full = check_records(&broken, DEFAULT_STEP_BUDGET);
    let v = full.violation.expect("a changed answer is caught");
    assert_eq!(v.ops[0], broken[last].id, "{}", v.explanation);
}

#[test]
fn the_testers_seeds_7036_and_7056_are_violations_naming_the_increment() {
    for (doc, stuck, answer) in [(MIXED_7036, 41, "→ 5"), (MIXED_7056, 44, "→ 14")] {
        let (_, report) = checked(doc);
        assert!(!report.ok && matches!(report.keys.get("k"), Some(KeyResult::Violation(_))), "{:?}", report.keys);
        let v = report.violation.expect("the violation's witness");
        assert_eq!((v.kind, v.ops[0]), (ViolationKind::Linearizability, stuck), "{}", v.explanation);
        assert!(v.explanation.starts_with(&format!("increment k {answer} (#{stuck})")), "{}", v.explanation);
        assert!(report.steps <= DEFAULT_STEP_BUDGET, "{} steps", report.steps);
    }
}
