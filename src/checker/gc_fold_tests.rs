//! The outside tester's issue-9 run (`tests/ot9b/unknown2.mjs`, seed 5, 600 operations): one
//! register `r` with puts, deletes, reads and background collections (gcDelay 5), a3 crashing:
//! while it is down every collection of `r` blocks, and ~150 operations of `r` pile up
//! concurrently (invoked at positions 312..424, returned at 1,000..1,110).

use super::*;
use crate::session::{from_json, Recording};
use crate::sim::OpRecord;

const SEED_5_N_600: &str = include_str!("fixtures/outside9b-unknown2-5-600.json");

/// The session replayed, then run until idle (as the tester's script ends).
fn replayed(doc: &str) -> Recording {
    let doc: serde_json::Value = serde_json::from_str(doc).expect("a session document");
    let rec = from_json(&doc).expect("a valid session").replay().expect("it replays");
    rec.run_until_idle(100_000_000).expect("it runs to idle");
    rec
}

fn records_of_r(rec: &Recording) -> Vec<OpRecord> {
    let history = rec.sim().history();
    assert!(history.is_complete() && history.folded() == 0, "the whole history is held");
    history.records().filter(|o| &*o.key == "r").cloned().collect()
}

/// Still open (see the README, checker): the pile-up needs ~14M steps, more than the default
/// budget, so `check()` says `unknown` for `r` at its default budget; with 2e7 it decides.
const PILE_UP_BUDGET: u64 = 20_000_000;

#[test]
fn the_testers_seed_5_run_is_linearizable_with_a_larger_budget() {
    let rec = replayed(SEED_5_N_600);
    let r = records_of_r(&rec);
    assert_eq!((r.len(), r.iter().filter(|o| o.op == crate::sim::GC_OP).count()), (290, 54));
    let report = check_run(rec.sim(), PILE_UP_BUDGET);
    assert!(report.ok, "{:?}", report.keys.get("r"));
    let at_default = check_run(rec.sim(), DEFAULT_STEP_BUDGET);
    assert_eq!(at_default.keys.get("r"), Some(&KeyResult::Unknown), "still open: if this fails, it was fixed");
}

#[test]
fn a_corrupted_read_in_the_testers_run_is_named() {
    let rec = replayed(SEED_5_N_600);
    let mut r = records_of_r(&rec);
    let read = r.iter_mut().rev().find(|o| o.op.name() == "read" && o.output.is_some()).expect("a read");
    let id = read.id;
    read.output = Some(serde_json::json!({ "version": 12345, "value": 777 }));
    let report = check_incrementally(&r, Ledger::default(), PILE_UP_BUDGET);
    let v = report.violation.expect("a violation");
    assert_eq!(v.ops[0], id, "{}", v.explanation);
}
