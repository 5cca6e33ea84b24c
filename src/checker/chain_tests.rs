//! The forced-chain fast path against the general search (the same search without it), on
//! random batches of increments: atomic counters with every operation's effect inside its
//! interval, a third of them broken (an answer duplicated, two answers swapped, one answer
//! skipped ahead), some operations of unknown outcome (the fast path steps aside), whole
//! histories and folds at random cuts from the configurations an earlier fold left.

use super::super::{search, Config, Found, Goal};
use super::forced;
use crate::checker::model::{CheckOp, Expect, Step, Times};
use crate::checker::DEFAULT_STEP_BUDGET;
use crate::ops::Op;
use crate::sim::Rng;
use serde_json::json;

/// `n` increments of one key: invoked, taking effect and returning at random times (each
/// effect inside its operation's interval), answering the counter at their effect; one in
/// `unknown_one_in` of unknown outcome (applied or not); with `broken`, one answer changed.
fn batch(rng: &mut Rng, n: usize, broken: bool, unknown_one_in: u64) -> Vec<CheckOp> {
    let spread = 1 + rng.below(199);
    let mut ops: Vec<(u64, u64, u64, bool)> = (0..n)
        .map(|_| {
            let invoke = rng.below(spread);
            let effect = invoke + (1 + rng.below(39));
            (invoke, effect, effect + (1 + rng.below(39)), rng.below(unknown_one_in) == 0)
        })
        .collect();
    ops.sort_by_key(|o| o.1);
    let mut counter = 0;
    let mut out = Vec::new();
    for (i, &(invoke, _, ret, unknown)) in ops.iter().enumerate() {
        let applied = !unknown || rng.below(2) == 0;
        counter += u64::from(applied);
        // Distinct positions: calls and returns never tie, as in a real history.
        let (invoke_seq, return_seq) = (invoke * 2 * n as u64 + i as u64, ret * 2 * n as u64 + (n + i) as u64);
        out.push(CheckOp {
            id: i as u64,
            kind: crate::ops::OpKind::Increment,
            key: "k".into(),
            invoke_at: invoke,
            return_at: (!unknown).then_some(ret),
            invoke_seq,
            return_seq: (!unknown).then_some(return_seq),
            step: Step::Builtin { op: Op::Increment, times: Times::One(invoke) },
            expect: if unknown { Expect::Maybe } else { Expect::Output(json!(counter)) },
        });
    }
    if broken {
        let answered: Vec<usize> = (0..n).filter(|&i| matches!(out[i].expect, Expect::Output(_))).collect();
        if answered.len() >= 2 {
            let (a, b) = (answered[rng.below(answered.len() as u64) as usize], answered[0]);
            match rng.below(3) {
                0 => out[a].expect = out[b].expect.clone(),
                1 => (out[a].expect, out[b].expect) = (out[b].expect.clone(), out[a].expect.clone()),
                _ => {
                    let Expect::Output(v) = &out[a].expect else { unreachable!() };
                    out[a].expect = Expect::Output(json!(v.as_u64().unwrap() + 1));
                }
            }
        }
    }
    out
}

/// The operations a fold at position `cut` sees: those invoked before it, the ones returning
/// after it (or never) as not returned.
fn prefix(ops: &[CheckOp], cut: u64) -> Vec<CheckOp> {
    ops.iter()
        .filter(|op| op.invoke_seq < cut)
        .map(|op| match op.return_seq {
            Some(r) if r < cut => op.clone(),
            _ => CheckOp { return_seq: None, ..op.clone() },
        })
        .collect()
}

/// A verdict, comparable: the order's kind (its operations are checked apart), the end
/// configurations as a sorted set, `violation` or `unknown`.
fn shape(found: &Found) -> String {
    match found {
        Found::Order(_) => "linearizable".to_owned(),
        Found::Ends(ends) => {
            let mut ends: Vec<String> =
                ends.iter().map(|c| format!("{}@{} {:?}", c.state.value, c.state.version, c.placed)).collect();
            ends.sort();
            format!("ends {ends:?}")
        }
        Found::Violation(_) => "violation".to_owned(),
        Found::OutOfBudget => "unknown".to_owned(),
    }
}

/// Whether `order` is a linearization of `ops` from the empty register: every completed
/// operation once, each answering what it computes, none before one that returned before it
/// was invoked.
fn is_linearization(ops: &[CheckOp], order: &[u64]) -> bool {
    let complete = ops.iter().filter(|op| op.completed()).all(|op| order.contains(&op.id));
    complete && is_consistent_order(ops, order)
}

/// Whether `order` begins a linearization of `ops` from the empty register: each operation
/// answering what it computes, none after one that returned before it was invoked, and none
/// left out that returned before one in it was invoked.
fn is_consistent_order(ops: &[CheckOp], order: &[u64]) -> bool {
    let mut state = crate::checker::State::default();
    let placed: Vec<&CheckOp> =
        order.iter().map(|id| ops.iter().find(|op| op.id == *id).expect("an id of ops")).collect();
    let left_out = || ops.iter().filter(|op| !order.contains(&op.id));
    let real_time = placed.iter().enumerate().all(|(i, a)| {
        let after = placed[i + 1..].iter().copied().chain(left_out());
        after.filter_map(|b| b.return_seq).all(|r| r > a.invoke_seq)
    });
    let answers = placed.iter().all(|op| {
        let mut nexts = Vec::new();
        op.successors(&state, &mut nexts);
        match nexts.into_iter().next().map(|n| match n {
            crate::checker::Next::New(s) => s,
            crate::checker::Next::Same => state.clone(), // a get
        }) {
            Some(next) => {
                state = next;
                true
            }
            None => false,
        }
    });
    real_time && answers
}

#[test]
fn forced_chains_give_what_the_general_search_gives() {
    let (mut applied, mut violations, mut linearizable, mut stepped_aside, mut multi) = (0, 0, 0, 0, 0);
    let (mut with_unknowns, mut unknown_violations, mut from_ends) = (0, 0, 0);
    for seed in 0..3_000u64 {
        let mut rng = Rng::new(seed);
        let n = (2 + rng.below(11)) as usize;
        let ops = batch(&mut rng, n, seed % 3 == 0, [10, 4, 2][(seed / 3 % 3) as usize]);
        let replay = format!("seed {seed}: {ops:#?}");
        let unknowns = ops.iter().any(|op| op.expect == Expect::Maybe);
        // The whole history, one verdict.
        let general = search(&ops, &[Config::default()], Goal::OneLinearization, DEFAULT_STEP_BUDGET, true).0;
        match forced(&ops, &[Config::default()], Goal::OneLinearization, DEFAULT_STEP_BUDGET) {
            None => panic!("{replay}: increments that returned or float are always forced for one verdict"),
            Some((fast, _)) => {
                applied += 1;
                with_unknowns += usize::from(unknowns);
                assert_eq!(shape(&fast), shape(&general), "{replay}");
                match fast {
                    Found::Order(order) => {
                        assert!(is_linearization(&ops, &order), "{replay}: {order:?} is not a linearization");
                        linearizable += 1;
                    }
                    Found::Violation(v) => {
                        assert!(v.explanation.contains("fits no linearization") && !v.ops.is_empty(), "{replay}");
                        assert_told_from_the_longest_order(&ops, &v, &replay);
                        violations += 1;
                        unknown_violations += usize::from(unknowns);
                    }
                    _ => {}
                }
            }
        }
        // Two folds: the first from the empty register (general), the second from its ends.
        let last = ops.iter().filter_map(|op| op.return_seq).max().unwrap_or(0) + 1;
        let (cut1, cut2) = (rng.below(last), rng.below(last));
        let (cut1, cut2) = (cut1.min(cut2), cut1.max(cut2));
        let every = Goal::EveryEndState { max_ends: crate::limits::MAX_FRONTIER_STATES };
        let first = prefix(&ops, cut1);
        let Found::Ends(ends) = search(&first, &[Config::default()], every, DEFAULT_STEP_BUDGET, true).0 else {
            continue;
        };
        // The ledger keeps what ended at or after the first cut (or never).
        let kept: Vec<CheckOp> = ops.iter().filter(|op| op.return_seq.is_none_or(|r| r >= cut1)).cloned().collect();
        // The rest's one verdict from those ends (as the ledger's last check).
        let one = Goal::OneLinearization;
        let general = search(&kept, &ends, one, DEFAULT_STEP_BUDGET, true).0;
        if let Some((fast, _)) = forced(&kept, &ends, one, DEFAULT_STEP_BUDGET) {
            assert_eq!(shape(&fast), shape(&general), "{replay}\ncut {cut1}, from {ends:?}");
            from_ends += usize::from(unknowns && ends.len() > 1);
        }
        let second = prefix(&kept, cut2);
        let general = search(&second, &ends, every, DEFAULT_STEP_BUDGET, true).0;
        match forced(&second, &ends, every, DEFAULT_STEP_BUDGET) {
            Some((fast, _)) => {
                assert_eq!(shape(&fast), shape(&general), "{replay}\ncuts {cut1} {cut2}, from {ends:?}");
                multi += usize::from(ends.len() > 1 && matches!(fast, Found::Ends(ref e) if e.len() > 1));
            }
            None => stepped_aside += 1,
        }
    }
    println!("{applied} forced ({linearizable} linearizable, {violations} violations; {with_unknowns} with unknown outcomes, {unknown_violations} of them violations; {from_ends} from several configurations), {stepped_aside} folds left to the search, {multi} folds from and to several configurations");
    // The sweep reaches every case it claims to check.
    assert!(applied >= 1_000 && linearizable >= 500 && violations >= 200, "{applied} {linearizable} {violations}");
    assert!(
        with_unknowns >= 1_000 && unknown_violations >= 200 && from_ends >= 100,
        "{with_unknowns} {unknown_violations} {from_ends}"
    );
    assert!(stepped_aside >= 100 && multi >= 100, "{stepped_aside} {multi}");
}

/// The length of the longest consistent order the plain search (no reductions, no fast path)
/// finds in a history that is not linearizable: the one an explanation must count.
fn longest_plainly(ops: &[CheckOp]) -> usize {
    match search(ops, &[Config::default()], Goal::OneLinearization, DEFAULT_STEP_BUDGET, false).0 {
        Found::Violation(v) => v.longest.len(),
        found => panic!("the plain search found {}", shape(&found)),
    }
}

/// The violation's order is consistent and as long as the plain search's longest.
fn assert_told_from_the_longest_order(ops: &[CheckOp], v: &crate::checker::Violation, replay: &str) {
    assert!(is_consistent_order(ops, &v.longest), "{replay}: {}", v.explanation);
    assert_eq!(v.longest.len(), longest_plainly(ops), "{replay}: {}", v.explanation);
}

/// Negative control: a batch answered out of real-time order is a violation, told from the
/// longest order (the increment answering 2 returned before the one answering 1 was invoked).
#[test]
fn a_batch_answered_against_real_time_is_a_violation_naming_the_operation() {
    let op = answered;
    let mut ops: Vec<CheckOp> = (0..100).map(|i| op(i, i, 1_000 + i, i + 3)).collect();
    ops.push(op(100, 100, 101, 2)); // answers 2, returns before #101 is invoked
    ops.push(op(101, 102, 2_000, 1));
    let (found, steps) =
        forced(&ops, &[Config::default()], Goal::OneLinearization, DEFAULT_STEP_BUDGET).expect("forced");
    let Found::Violation(v) = found else { panic!("not a violation: {}", shape(&found)) };
    assert!(steps < 10, "{steps} steps");
    assert_eq!((v.ops[0], v.longest.len()), (100, 0), "{}", v.explanation);
    assert!(v.explanation.starts_with("increment k → 2 (#100)"), "{}", v.explanation);
    // Control: answered the other way round, it is linearizable.
    (ops[100].expect, ops[101].expect) = (Expect::Output(json!(1)), Expect::Output(json!(2)));
    let (found, _) = forced(&ops, &[Config::default()], Goal::OneLinearization, DEFAULT_STEP_BUDGET).expect("forced");
    assert!(matches!(found, Found::Order(ref o) if is_linearization(&ops, o)), "{}", shape(&found));
}

/// Increment `#id` invoked at `invoke`, returned at `ret` answering `answer`.
fn answered(id: u64, invoke: u64, ret: u64, answer: u64) -> CheckOp {
    CheckOp {
        id,
        kind: crate::ops::OpKind::Increment,
        key: "k".into(),
        invoke_at: invoke,
        return_at: Some(ret),
        invoke_seq: invoke,
        return_seq: Some(ret),
        step: Step::Builtin { op: Op::Increment, times: Times::One(invoke) },
        expect: Expect::Output(json!(answer)),
    }
}

/// Increment `#id` invoked at `invoke`, of unknown outcome.
fn floating(id: u64, invoke: u64) -> CheckOp {
    CheckOp { return_at: None, return_seq: None, expect: Expect::Maybe, ..answered(id, invoke, 0, 0) }
}

/// Negative control: no increment answered 2, and the only unknown one was invoked after the
/// one answering 3 returned: nothing can take the register from 1 to 2 in time. Invoked
/// before, it does (and the order places it there).
#[test]
fn a_gap_no_unknown_increment_fills_in_real_time_is_a_violation_naming_the_operation() {
    let mut ops = vec![answered(0, 0, 10, 1), answered(1, 1, 20, 3), floating(2, 25), floating(3, 30)];
    let one = Goal::OneLinearization;
    let (found, steps) = forced(&ops, &[Config::default()], one, DEFAULT_STEP_BUDGET).expect("forced");
    let Found::Violation(v) = found else { panic!("not a violation: {}", shape(&found)) };
    assert!(steps < 10, "{steps} steps");
    assert_eq!((v.ops[0], v.longest.clone()), (1, vec![0]), "{}", v.explanation);
    assert!(v.explanation.starts_with("increment k → 3 (#1)"), "{}", v.explanation);
    let general = search(&ops, &[Config::default()], one, DEFAULT_STEP_BUDGET, true).0;
    assert_eq!(shape(&general), "violation");
    // Control: invoked before #1 returned, the unknown increment fills the gap.
    ops[2].invoke_seq = 15;
    let (found, _) = forced(&ops, &[Config::default()], one, DEFAULT_STEP_BUDGET).expect("forced");
    assert!(matches!(found, Found::Order(ref o) if *o == [0, 2, 1] && is_linearization(&ops, o)), "{}", shape(&found));
}

/// Negative control: two increments answered 1; unknown increments invoked early cannot help
/// (both must be placed where the register holds 0). The one returning last is named (the
/// history before its return is linearizable, with #2 floating), and the other one too; the
/// longest consistent order goes on past the duplicate: #1, then both unknown increments.
#[test]
fn a_duplicated_answer_among_unknown_increments_is_a_violation_naming_the_operation() {
    let ops = vec![floating(0, 0), answered(1, 1, 10, 1), answered(2, 2, 12, 1), floating(3, 3)];
    let (found, _) = forced(&ops, &[Config::default()], Goal::OneLinearization, DEFAULT_STEP_BUDGET).expect("forced");
    let Found::Violation(v) = found else { panic!("not a violation: {}", shape(&found)) };
    assert_eq!((v.ops[0], v.longest.clone()), (2, vec![1, 0, 3]), "{}", v.explanation);
    assert_eq!(v.longest.len(), longest_plainly(&ops));
    assert!(v.explanation.starts_with("increment k → 1 (#2)"), "{}", v.explanation);
    assert!(v.explanation.ends_with(", and increment k → 1 (#1) answered the same"), "{}", v.explanation);
    // Control: the history just before #2 returned (#2 floating) is linearizable.
    let before: Vec<CheckOp> = ops.iter().map(|op| if op.id == 2 { floating(2, 2) } else { op.clone() }).collect();
    let (found, _) =
        forced(&before, &[Config::default()], Goal::OneLinearization, DEFAULT_STEP_BUDGET).expect("forced");
    assert!(matches!(found, Found::Order(ref o) if is_linearization(&before, o)), "{}", shape(&found));
}

/// The outside tester's duplicate (round 18, `viol-expl18.mjs 1`): #0 and #4 both answered 1,
/// and the increments answering 2, 3 and 4 were invoked before #4 returned. The longest
/// consistent order places #0 (it returned first) and goes on through them: 4 operations, not
/// the 0 the walk counted when it stopped at the duplicate (caught here); #4, which returned
/// last, is named, as is #0.
#[test]
fn a_duplicated_answer_is_told_from_the_longest_order_past_it() {
    let ops = vec![
        answered(0, 1, 19, 1),
        answered(4, 5, 37, 1),
        answered(15, 16, 39, 2),
        answered(22, 24, 50, 3),
        answered(33, 35, 62, 4),
        answered(40, 41, 70, 5), // invoked after #4 returned: the order ends before it
    ];
    let (found, _) = forced(&ops, &[Config::default()], Goal::OneLinearization, DEFAULT_STEP_BUDGET).expect("forced");
    let Found::Violation(v) = found else { panic!("not a violation: {}", shape(&found)) };
    assert_eq!((v.ops.clone(), v.longest.clone()), (vec![4, 33], vec![0, 15, 22, 33]), "{}", v.explanation);
    assert_eq!(v.longest.len(), longest_plainly(&ops));
    assert_eq!(
        v.explanation,
        "increment k → 1 (#4) at 5–37ms fits no linearization: the longest consistent order (4 operations) \
         leaves the register at 4 (version 4), last written by increment k → 4 (#33) (completed at 62ms), \
         and increment k → 1 (#0) answered the same"
    );
}

/// A `get` of `#id` invoked at `invoke`, returned at `ret` answering `answer`.
fn got(id: u64, invoke: u64, ret: u64, answer: u64) -> CheckOp {
    CheckOp {
        kind: crate::ops::OpKind::Get,
        step: Step::Builtin { op: Op::Get, times: Times::One(invoke) },
        ..answered(id, invoke, ret, answer)
    }
}

/// Gets among the batches: each spans a completed increment and answers its answer (so it fits
/// right after it), or, in a third of the batches, a random value (often a violation). The fast
/// path decides every batch (one verdict) as the general search does.
#[test]
fn observers_in_a_batch_give_what_the_general_search_gives() {
    let (mut linearizable, mut violations) = (0, 0);
    for seed in 0..2_000u64 {
        let mut rng = Rng::new(seed);
        let n = (2 + rng.below(11)) as usize;
        let mut ops = batch(&mut rng, n, seed % 5 == 0, [10, 4, 2][(seed / 3 % 3) as usize]);
        for i in 0..n {
            let Expect::Output(a) = ops[i].expect.clone() else { continue };
            if rng.below(2) == 0 {
                let answer = if seed % 3 == 0 { rng.below(n as u64 + 1) } else { a.as_u64().unwrap() };
                let (invoke, ret) = (ops[i].invoke_seq, ops[i].return_seq.unwrap() + 1);
                ops.push(CheckOp { invoke_seq: invoke + 1, ..got(100 + i as u64, invoke + 1, ret, answer) });
            }
        }
        let replay = format!("seed {seed}: {ops:#?}");
        let one = Goal::OneLinearization;
        let general = search(&ops, &[Config::default()], one, DEFAULT_STEP_BUDGET, true).0;
        let (fast, _) = forced(&ops, &[Config::default()], one, DEFAULT_STEP_BUDGET).expect("forced with gets");
        assert_eq!(shape(&fast), shape(&general), "{replay}");
        match fast {
            Found::Order(order) => {
                assert!(is_linearization(&ops, &order), "{replay}: {order:?} is not a linearization");
                linearizable += 1;
            }
            Found::Violation(v) => {
                assert_told_from_the_longest_order(&ops, &v, &replay);
                violations += 1;
            }
            found => panic!("{replay}: {}", shape(&found)),
        }
    }
    assert!(linearizable >= 500 && violations >= 300, "{linearizable} {violations}");
}

/// Negative control: a `get` answering a value the register left before it was invoked is a
/// violation; answering the value it held, it is placed (after the increment it saw).
#[test]
fn a_stale_get_is_a_violation_and_a_fresh_one_is_placed() {
    let mut ops = vec![answered(0, 0, 10, 1), answered(1, 11, 20, 2), got(2, 21, 30, 1)];
    let one = Goal::OneLinearization;
    let (found, _) = forced(&ops, &[Config::default()], one, DEFAULT_STEP_BUDGET).expect("forced");
    let Found::Violation(v) = found else { panic!("not a violation: {}", shape(&found)) };
    assert!(v.explanation.starts_with("get k → 1 (#2)"), "{}", v.explanation);
    ops[2] = got(2, 21, 30, 2);
    let (found, _) = forced(&ops, &[Config::default()], one, DEFAULT_STEP_BUDGET).expect("forced");
    assert!(matches!(found, Found::Order(ref o) if *o == [0, 1, 2] && is_linearization(&ops, o)), "{}", shape(&found));
}
