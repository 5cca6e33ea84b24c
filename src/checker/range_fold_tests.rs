//! The fold of increments with unknown outcomes (`range_fold.rs`) in the incremental checker:
//! the outside tester's big batches (outside16, `batch.mjs 3000 40 --big`), and random batches
//! against the same checker folding with the general search, the full search and the plain one.

use crate::checker::test_support::{invoked, replayed};
use crate::checker::{check_incrementally, check_records, check_run, KeyResult, Ledger, Report};
use crate::checker::{ViolationKind, DEFAULT_STEP_BUDGET, UNKNOWN_HORIZON};
use crate::driver::Outcome;
use crate::ops::OpKind;
use crate::sim::{OpRecord, Rng};
use serde_json::json;

const BATCH_3017: &str = include_str!("fixtures/outside16-batch-3017-big.json");
const BATCH_3029: &str = include_str!("fixtures/outside16-batch-3029-big.json");

fn big_batch(doc: &str, seed: u64) -> Report {
    let rec = replayed(doc);
    let t = std::time::Instant::now();
    let report = check_run(rec.sim(), DEFAULT_STEP_BUDGET);
    let unknown = rec.sim().history().records().filter(|o| o.outcome == Some(Outcome::Unknown)).count();
    println!("batch {seed}: {unknown} unknown, {} steps, {:?}, folded {}", report.steps, t.elapsed(), report.folded);
    report
}

#[test]
fn the_testers_big_batch_3017_is_linearizable_and_caught_by_an_oracle() {
    let report = big_batch(BATCH_3017, 3017);
    // reuseBallot: the step oracles catch the run, the key's history is linearizable.
    assert!(matches!(report.keys.get("k"), Some(KeyResult::Linearizable(_))), "{:?}", report.keys);
    assert!(report.violation.is_some_and(|v| v.kind != ViolationKind::Linearizability));
    assert!(report.folded > 2_000, "folded {}", report.folded);
}

#[test]
fn the_testers_big_batch_3029_is_a_violation_naming_the_increment() {
    let report = big_batch(BATCH_3029, 3029);
    let v = report.violation.expect("caught");
    println!("{}", v.explanation);
    assert_eq!((v.kind, v.key.as_str()), (ViolationKind::Linearizability, "k"));
    // Quorum 1: #1 and #11 both answered 4; #1 returned last (at 92 ms), its return breaks it.
    assert_eq!(v.ops[0], 1, "{}", v.explanation);
    assert!(v.explanation.starts_with("increment k → 4 (#1)"), "{}", v.explanation);
    assert!(v.explanation.ends_with("and increment k → 4 (#11) answered the same"), "{}", v.explanation);
}

/// Rounds of increments of one key: each round a batch invoked before any returns (or, with
/// `stagger`, returns mixed in), every effect inside its operation's interval (an unknown one's
/// effect, if any, anywhere after its invocation); one in `unknown_one_in` unknown; `broken`:
/// one answer changed.
fn batches(rng: &mut Rng, rounds: usize, per_round: usize, unknown_one_in: u64, broken: bool) -> Vec<OpRecord> {
    let mut records: Vec<OpRecord> = Vec::new();
    let mut events: Vec<(u64, u8, usize)> = Vec::new(); // (time, 0 invoke / 1 effect / 2 return, record)
    let mut time = 0;
    for _ in 0..rounds {
        let stagger = rng.below(2) == 0;
        let n = 1 + rng.below(per_round as u64) as usize;
        for _ in 0..n {
            let i = records.len();
            let invoke = time + if stagger { rng.below(4 * n as u64) } else { rng.below(n as u64) };
            let effect = invoke + 1 + rng.below(3 * n as u64);
            let ret = effect + 1 + rng.below(3 * n as u64);
            let unknown = rng.below(unknown_one_in) == 0;
            events.push((invoke, 0, i));
            if !unknown || rng.below(2) == 0 {
                let late = if unknown { rng.below(8 * n as u64) } else { 0 };
                events.push((effect + late, 1, i));
            }
            events.push((ret, 2, i));
            let mut r = invoked(i as u64, "k", OpKind::Increment, json!(null), 0);
            r.outcome = Some(if unknown { Outcome::Unknown } else { Outcome::Ok });
            records.push(r);
        }
        time = events.iter().map(|e| e.0).max().unwrap_or(time) + 1;
    }
    events.sort_unstable();
    let mut counter = 0;
    for (seq, &(_, kind, i)) in events.iter().enumerate() {
        let r = &mut records[i];
        match kind {
            0 => (r.invoke_seq, r.invoke_at) = (seq as u64, seq as u64),
            1 => {
                counter += 1;
                if r.outcome == Some(Outcome::Ok) {
                    r.output = Some(json!(counter).into());
                }
            }
            _ => (r.return_seq, r.return_at) = (Some(seq as u64), Some(seq as u64)),
        }
    }
    if broken {
        let answered: Vec<usize> = (0..records.len()).filter(|&i| records[i].output.is_some()).collect();
        if answered.len() >= 2 {
            let (a, b) = (
                answered[rng.below(answered.len() as u64) as usize],
                answered[rng.below(answered.len() as u64) as usize],
            );
            let wrong = if a == b {
                json!(counter + 1)
            } else {
                records[b].output.as_ref().expect("answered").as_json().into_owned()
            };
            records[a].output = Some(wrong.into());
        }
    }
    records
}

fn verdict(report: &Report) -> &'static str {
    match report.keys.get("k") {
        Some(KeyResult::Linearizable(_)) | None => "ok",
        Some(KeyResult::Violation(_)) => "violation",
        Some(KeyResult::Unknown(_)) => "unknown",
    }
}

/// The incremental checker folding at every cut, with the walk or (`general`) without it.
fn incremental(records: &[OpRecord], horizon: u32, general: bool) -> Report {
    crate::checker::ledger::without_range_fold(general, || {
        check_incrementally(records, Ledger::new(1, horizon), DEFAULT_STEP_BUDGET)
    })
}

#[test]
fn random_batches_with_unknown_outcomes_give_what_the_general_fold_and_the_full_search_give() {
    let (mut violations, mut compared_general, mut walked) = (0, 0, 0);
    for seed in 0..1_200u64 {
        let mut rng = Rng::new(seed);
        let small = seed % 3 != 0;
        let (rounds, per_round) = if small { (2 + seed as usize % 3, 4) } else { (3, 16) };
        let unknown_one_in = [2, 3, 5][seed as usize % 3];
        let records = batches(&mut rng, rounds, per_round, unknown_one_in, seed % 4 == 1);
        // With no horizon, unknown increments float: the full search (forced chains) is exact.
        let full = check_records(&records, DEFAULT_STEP_BUDGET);
        let floating = incremental(&records, u32::MAX, false);
        assert_eq!(verdict(&floating), verdict(&full), "seed {seed}: floating vs full {:?}", floating.keys);
        if small {
            let (plain, _) = crate::checker::search::check_key_plain(&ops(&records), DEFAULT_STEP_BUDGET);
            let plain = if matches!(plain, KeyResult::Violation(_)) { "violation" } else { "ok" };
            assert_eq!(verdict(&full), plain, "seed {seed}: full vs plain");
        }
        // With a horizon, the walk against the general fold.
        for horizon in [1, 2, UNKNOWN_HORIZON] {
            let walk = incremental(&records, horizon, false);
            assert_ne!(verdict(&walk), "unknown", "seed {seed} horizon {horizon}: {:?}", walk.keys);
            walked += u64::from(walk.folded_unknowns > 0);
            violations += u64::from(verdict(&walk) == "violation");
            if small {
                let general = incremental(&records, horizon, true);
                assert_eq!(verdict(&walk), verdict(&general), "seed {seed} horizon {horizon}: {:?}", walk.keys);
                compared_general += 1;
            }
        }
    }
    println!("range fold sweep: {walked} folded unknowns, {violations} violations, {compared_general} against the general fold");
    assert!(walked > 1_000 && violations > 100, "{walked} {violations}");
}

fn ops(records: &[OpRecord]) -> Vec<crate::checker::CheckOp> {
    records.iter().filter_map(crate::checker::CheckOp::from_record).collect()
}

/// Increment `#id` invoked at `invoke`, returned at `ret` answering `answer`.
fn answered(id: u64, invoke: u64, ret: u64, answer: u64) -> crate::checker::CheckOp {
    use crate::checker::model::{Expect, Step, Times};
    crate::checker::CheckOp {
        id,
        kind: OpKind::Increment,
        key: "k".into(),
        invoke_at: invoke,
        return_at: Some(ret),
        invoke_seq: invoke,
        return_seq: Some(ret),
        step: Step::Builtin { op: crate::ops::Op::Increment, times: Times::One(invoke) },
        expect: Expect::Output(json!(answer)),
    }
}

/// Increment `#id` invoked at `invoke` of unknown outcome: folded with `deadline`, or floating.
fn unknown(id: u64, invoke: u64, deadline: Option<u64>) -> crate::checker::CheckOp {
    use crate::checker::model::Expect;
    let expect = if deadline.is_some() { Expect::AppliedOrNot } else { Expect::Maybe };
    crate::checker::CheckOp { return_at: deadline, return_seq: deadline, expect, ..answered(id, invoke, 0, 0) }
}

fn walked(ops: &[crate::checker::CheckOp]) -> super::super::Found {
    let ended: Vec<u64> = ops.iter().map(|o| o.return_seq.unwrap_or(o.invoke_seq)).collect();
    super::fold(ops, &ended, &[crate::checker::Config::default()], 1_024, DEFAULT_STEP_BUDGET).expect("walked").0
}

fn end_values(found: &super::super::Found) -> Vec<(serde_json::Value, Vec<u64>)> {
    let super::super::Found::Ends(ends) = found else { panic!("no ends") };
    ends.iter().map(|c| (c.state.value.clone(), c.placed.clone())).collect()
}

/// A gap (no increment answered 2) only an unknown increment can fill, and only one invoked
/// before the increment answering 3 returned (at 20): invoked at 25, with a deadline or
/// floating, it cannot, and the walk names the increment answering 3. Controls: invoked at 5 it
/// fills the gap; and a deadline unused gives an end with it applied and one without, while a
/// floating one applied at the end is left to later (the end without it can apply it first).
#[test]
fn a_gap_no_unknown_increment_fills_in_time_is_a_violation_naming_the_increment() {
    for deadline in [Some(40), None] {
        let late = [answered(0, 0, 10, 1), answered(1, 1, 20, 3), unknown(2, 25, deadline)];
        let super::super::Found::Violation(v) = walked(&late) else { panic!("not caught") };
        assert_eq!(v.ops[0], 1, "{}", v.explanation);
        let early = [answered(0, 0, 10, 1), answered(1, 1, 20, 3), unknown(2, 5, deadline)];
        let placed = if deadline.is_some() { vec![] } else { vec![2] };
        assert_eq!(end_values(&walked(&early)), vec![(json!(3), placed)]);
    }
    let unused = [answered(0, 0, 10, 1), unknown(1, 2, Some(30))];
    assert_eq!(end_values(&walked(&unused)), vec![(json!(1), vec![]), (json!(2), vec![])]);
    let floating = [answered(0, 0, 10, 1), unknown(1, 2, None)];
    assert_eq!(end_values(&walked(&floating)), vec![(json!(1), vec![])]);
}

/// Two increments answered 2: the walk names the one that returned last (the history before its
/// return may be linearizable), and the other. Control: answering 2 and 3, it is not broken.
#[test]
fn a_duplicated_answer_beside_unknown_increments_names_the_increment_returning_last() {
    let ops = [answered(0, 0, 10, 1), unknown(1, 1, Some(50)), answered(2, 2, 30, 2), answered(3, 3, 20, 2)];
    let super::super::Found::Violation(v) = walked(&ops) else { panic!("not caught") };
    assert_eq!(v.ops[0], 2, "{}", v.explanation);
    assert!(v.explanation.ends_with("and increment k → 2 (#3) answered the same"), "{}", v.explanation);
    let ops = [answered(0, 0, 10, 1), unknown(1, 1, Some(50)), answered(2, 2, 30, 3), answered(3, 3, 20, 2)];
    assert!(matches!(walked(&ops), super::super::Found::Ends(_)));
}

/// The budget stops a walk: 2,000 increments, every other one of unknown outcome, walked with
/// 100 steps say "out of budget" at once (not a hang, not a verdict). Control: the default
/// budget walks them to their ends.
#[test]
fn the_budget_stops_a_long_walk() {
    let ops: Vec<_> = (0..2_000u64)
        .map(|i| if i % 2 == 0 { answered(i, i, 5_000 + i, 1 + i / 2) } else { unknown(i, i, Some(9_000 + i)) })
        .collect();
    let ended: Vec<u64> = ops.iter().map(|o| o.return_seq.unwrap_or(o.invoke_seq)).collect();
    let initial = [crate::checker::Config::default()];
    let (found, steps) = super::fold(&ops, &ended, &initial, 1_024, 100).expect("walked");
    assert!(matches!(found, super::super::Found::OutOfBudget) && steps <= 101, "{steps} steps");
    let (found, steps) = super::fold(&ops, &ended, &initial, 1_024, DEFAULT_STEP_BUDGET).expect("walked");
    assert_eq!(end_values(&found).len(), 1_001, "{steps} steps");
}
