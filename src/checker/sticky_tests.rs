//! A violation stays a violation once more operations complete (outside tester, round 17:
//! twin clusters' `violation` turned `unknown` after one `get`, `put` or `delete` per key), and
//! the operation a violation names is one whose return the history cannot take.

use super::model::{CheckOp, Expect, Step, Times};
use super::search::{as_before, check_key_plain};
use super::{check_key_from, check_key_or_earlier, Config, KeyResult};
use crate::ops::{Op, OpKind};
use crate::sim::Rng;
use serde_json::json;

/// `n` increments of one key, each overlapping the next, answering a counter at their effect;
/// one in `unknown_one_in` of unknown outcome (applied or not). Positions: 10 a millisecond.
fn counter(rng: &mut Rng, n: u64, unknown_one_in: u64) -> Vec<CheckOp> {
    let mut count = 0;
    (0..n)
        .map(|i| {
            let unknown = rng.below(unknown_one_in) == 0;
            count += u64::from(!unknown || rng.below(2) == 0);
            let (invoke, ret) = (10 * i, 10 * i + 15 + rng.below(20));
            CheckOp {
                id: i,
                kind: OpKind::Increment,
                key: "k".into(),
                invoke_at: invoke,
                return_at: (!unknown).then_some(ret),
                invoke_seq: invoke,
                return_seq: (!unknown).then_some(ret),
                step: Step::Builtin { op: Op::Increment, times: Times::One(invoke) },
                expect: if unknown { Expect::Maybe } else { Expect::Output(json!(count)) },
            }
        })
        .collect()
}

/// One more operation of the key, invoked after every other one returned.
fn appended(ops: &[CheckOp], op: Op, kind: OpKind, answer: Expect) -> CheckOp {
    let at = ops.iter().map(|o| o.return_seq.unwrap_or(o.invoke_seq)).max().unwrap_or(0) + 1;
    CheckOp {
        id: ops.len() as u64,
        kind,
        key: "k".into(),
        invoke_at: at,
        return_at: Some(at + 1),
        invoke_seq: at,
        return_seq: Some(at + 1),
        step: Step::Builtin { op, times: Times::One(at) },
        expect: answer,
    }
}

/// The tester's healthy form: ~850 increments with ~200 unknown outcomes, then one `get` of
/// what the register holds, is `ok` in a few thousand steps (the forced chains take the get;
/// before, it sent the whole key to the general search, out of budget at 50 M steps).
/// Control: a `get` of a value the register held long before is a violation.
#[test]
fn a_get_after_many_unknown_increments_keeps_the_verdict_ok() {
    let mut rng = Rng::new(17);
    let mut ops = counter(&mut rng, 850, 4);
    let (alone, _) = check_key_from(&ops, &[Config::default()], 100_000);
    assert!(matches!(alone, KeyResult::Linearizable(_)), "the batch alone: {alone:?}");
    let read = |ops: &[CheckOp], v: u64| appended(ops, Op::Get, OpKind::Get, Expect::Output(json!(v)));
    let unknowns = ops.iter().filter(|o| o.expect == Expect::Maybe).count();
    assert!((150..250).contains(&unknowns), "{unknowns} unknown increments");
    // What the register holds at the end: the last answer, plus any unknown increment after it.
    let last_answer = ops.iter().filter_map(|o| match &o.expect {
        Expect::Output(a) => a.as_u64(),
        _ => None,
    });
    let last = last_answer.max().expect("answers");
    ops.push(read(&ops, last));
    let (result, steps) = check_key_from(&ops, &[Config::default()], 100_000);
    assert!(matches!(result, KeyResult::Linearizable(_)), "{result:?} after {steps} steps");
    assert!(steps < 10_000, "{steps} steps");
    ops.pop();
    ops.push(read(&ops, 3));
    let (result, _) = check_key_from(&ops, &[Config::default()], 100_000);
    assert!(matches!(result, KeyResult::Violation(ref v) if v.ops[0] == 850), "{result:?}");
}

/// The tester's broken form: an increment late in the batch answers what an early one answered
/// (quorum 1), then one `put` (which the forced chains cannot take) is appended: the whole key
/// runs out of budget, and the history before the put, a violation, is the verdict, naming the
/// late increment. Controls: the search alone gives `unknown`; the same history unbroken is not
/// a violation. The whole history's plain search, given the walk's steps and the budget's rest
/// to tell it, runs out too: the order told is the part of the walk's whose operations had
/// returned before the put, not called the longest (outside tester 20).
#[test]
fn a_violation_stays_a_violation_after_a_put_is_appended() {
    let mut rng = Rng::new(8);
    let mut ops = counter(&mut rng, 850, 4);
    let early = ops.iter().position(|o| o.expect == Expect::Output(json!(5))).expect("an answer 5");
    let late = ops.iter().rposition(|o| o.completed()).expect("a completed increment");
    let healthy = ops.clone();
    ops[late].expect = ops[early].expect.clone();
    let put = |ops: &[CheckOp]| appended(ops, Op::Put(json!(1)), OpKind::Put, Expect::Output(json!(null)));
    ops.push(put(&ops));
    let budget = 20_000;
    let (alone, _) = check_key_from(&ops, &[Config::default()], budget);
    assert!(matches!(alone, KeyResult::Unknown(_)), "the search alone: {alone:?}");
    let (result, steps) = check_key_or_earlier(&ops, &[Config::default()], 0, budget);
    let KeyResult::Violation(v) = result else { panic!("not sticky: {result:?}") };
    // The history before the put is walked first (one step per configuration): the whole key's
    // reduced search, out of budget, is not run (it was, first: `budget` steps and more); only
    // the plain search telling it, within the budget.
    assert!(steps <= ops.len() as u64 + budget + 1, "{steps} steps");
    assert_eq!(v.ops[0], late as u64, "{}", v.explanation);
    assert!(v.explanation.ends_with(&format!("(#{early}) answered the same")), "{}", v.explanation);
    let told = format!("a consistent order ({}), and", crate::ops::counted(v.longest.len() as u32, "operation"));
    assert!(v.explanation.contains(&told) && !v.explanation.contains("longest"), "{}", v.explanation);
    let put_at = ops.last().expect("the put").invoke_seq;
    let returned_before = |id: &u64| ops[*id as usize].return_seq.is_some_and(|r| r < put_at);
    assert!(!v.longest.is_empty() && v.longest.iter().all(returned_before), "{:?}", v.longest);
    let mut healthy = healthy;
    healthy.push(put(&healthy));
    let (result, _) = check_key_or_earlier(&healthy, &[Config::default()], 0, budget);
    assert!(!matches!(result, KeyResult::Violation(_)), "{result:?}");
}

/// On small broken batches, the operation a violation of the forced chains names is one whose
/// return the history cannot take: the history as it stood just after that return is a
/// violation for the plain search (the reference). Control: the other operation answering the
/// same (the one named before) often is not such an operation.
#[test]
fn the_named_operation_is_one_whose_return_breaks_the_history() {
    let (mut named, mut other_fits) = (0, 0);
    for seed in 0..600u64 {
        let mut rng = Rng::new(seed);
        let n = 4 + rng.below(9);
        let mut ops = counter(&mut rng, n, 5);
        let answered: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].completed()).collect();
        if answered.len() < 2 {
            continue;
        }
        let (a, b) = (answered[rng.below(answered.len() as u64) as usize], answered[0]);
        ops[a].expect = ops[b].expect.clone();
        let (result, _) = check_key_from(&ops, &[Config::default()], 1_000_000);
        let KeyResult::Violation(v) = result else { continue };
        let Some((_, first)) = v.explanation.rsplit_once(", and ") else { continue };
        let culprit = &ops[v.ops[0] as usize];
        let just_after = as_before(&ops, culprit.return_seq.expect("completed") + 1);
        let (reference, _) = check_key_plain(&just_after, 1_000_000);
        assert!(matches!(reference, KeyResult::Violation(_)), "seed {seed}: {}", v.explanation);
        named += 1;
        let other = ops.iter().find(|o| first.contains(&format!("(#{})", o.id))).expect("the other one named");
        let (reference, _) = check_key_plain(&as_before(&ops, other.return_seq.expect("completed") + 1), 1_000_000);
        other_fits += usize::from(matches!(reference, KeyResult::Linearizable(_)));
    }
    assert!(named >= 100 && other_fits >= 30, "{named} named, {other_fits} where the other one fits");
}
