//! Hand-written histories (linearizable and not, with unknown operations and overlap) and a
//! property test against brute-force enumeration.

use super::*;
use crate::ops::Op;
use serde_json::json;

fn op(id: u64, op: Op, invoke_at: u64, return_at: Option<u64>, expect: Expect) -> CheckOp {
    CheckOp {
        id,
        name: op.name(),
        key: "k".into(),
        invoke_at,
        return_at,
        step: Step::Builtin { op, times: vec![invoke_at] },
        expect,
    }
}
fn ok(v: serde_json::Value) -> Expect {
    Expect::Output(v)
}
fn verdict(ops: &[CheckOp]) -> KeyResult {
    check_key(ops, DEFAULT_STEP_BUDGET).0
}

#[test]
fn sequential_increments_and_reads() {
    let h = [
        op(0, Op::Increment, 0, Some(10), ok(json!(1))),
        op(1, Op::Increment, 20, Some(30), ok(json!(2))),
        op(2, Op::Get, 40, Some(50), ok(json!(2))),
    ];
    assert_eq!(verdict(&h), KeyResult::Linearizable(vec![0, 1, 2]));
}

#[test]
fn a_stale_read_is_a_violation_with_a_readable_explanation() {
    let h = [op(0, Op::Increment, 200, Some(250), ok(json!(1))), op(1, Op::Get, 310, Some(330), ok(json!(0)))];
    let KeyResult::Violation(v) = verdict(&h) else { panic!("stale read accepted") };
    assert_eq!(v.ops, vec![1, 0]);
    assert_eq!(v.longest, vec![0]);
    assert_eq!(
        v.explanation,
        "get k → 0 (#1) at 310–330ms fits no linearization: the longest consistent order (1 operations) \
         leaves the register at 1 (version 1), last written by increment k → 1 (#0) (completed at 250ms)"
    );
}

#[test]
fn overlapping_operations_may_take_either_order() {
    // The get overlaps the increment: both 0 and 1 are fine.
    for seen in [json!(null), json!(1)] {
        let h = [op(0, Op::Increment, 0, Some(100), ok(json!(1))), op(1, Op::Get, 50, Some(60), ok(seen.clone()))];
        assert!(matches!(verdict(&h), KeyResult::Linearizable(_)), "get → {seen}");
    }
    // Two overlapping puts and a later read of either value.
    for last in ["a", "b"] {
        let h = [
            op(0, Op::Put(json!("a")), 0, Some(100), ok(json!("a"))),
            op(1, Op::Put(json!("b")), 10, Some(90), ok(json!("b"))),
            op(2, Op::Get, 200, Some(210), ok(json!(last))),
        ];
        assert!(matches!(verdict(&h), KeyResult::Linearizable(_)));
    }
}

#[test]
fn unknown_operations_take_effect_at_most_once_or_never() {
    let unknown_inc = || op(0, Op::Increment, 0, None, Expect::Maybe);
    for (seen, linearizable) in [(json!(null), true), (json!(1), true), (json!(2), false)] {
        let h = [unknown_inc(), op(1, Op::Get, 500, Some(510), ok(seen.clone()))];
        assert_eq!(matches!(verdict(&h), KeyResult::Linearizable(_)), linearizable, "get → {seen}");
    }
    // Once it was seen applied, it cannot be unapplied.
    let h =
        [unknown_inc(), op(1, Op::Get, 100, Some(110), ok(json!(1))), op(2, Op::Get, 200, Some(210), ok(json!(null)))];
    assert!(matches!(verdict(&h), KeyResult::Violation(_)));
    // It takes effect after its invocation only.
    let h = [op(0, Op::Get, 0, Some(10), ok(json!(1))), op(1, Op::Increment, 20, None, Expect::Maybe)];
    assert!(matches!(verdict(&h), KeyResult::Violation(_)));
}

#[test]
fn refusals_are_observations() {
    let write = |id, expected, at, expect| op(id, Op::Write { expected, value: json!("x") }, at, Some(at + 10), expect);
    let h = [write(0, 0, 0, ok(json!({"version": 1}))), write(1, 0, 20, Expect::Refusal("VersionConflict"))];
    assert!(matches!(verdict(&h), KeyResult::Linearizable(_)));
    let h = [write(0, 0, 0, Expect::Refusal("VersionConflict"))];
    assert!(matches!(verdict(&h), KeyResult::Violation(_)), "version 0 matched: no conflict possible");
}

#[test]
fn change_functions_are_checked_through_what_they_saw_and_wrote() {
    let st = |v: serde_json::Value, version| State { value: v, version };
    let change = |id, at, seen: State, wrote: State| CheckOp {
        id,
        name: "change",
        key: "k".into(),
        invoke_at: at,
        return_at: Some(at + 10),
        expect: Expect::Output(wrote.value.clone()),
        step: Step::Transitions(vec![(seen, wrote)]),
    };
    let h =
        [change(0, 0, st(json!(null), 0), st(json!([1]), 1)), change(1, 20, st(json!([1]), 1), st(json!([1, 2]), 2))];
    assert!(matches!(verdict(&h), KeyResult::Linearizable(_)));
    // A lost update: the second change saw the state before the first one.
    let h = [change(0, 0, st(json!(null), 0), st(json!([1]), 1)), change(1, 20, st(json!(null), 0), st(json!([2]), 1))];
    assert!(matches!(verdict(&h), KeyResult::Violation(_)));
}

#[test]
fn locks_follow_virtual_time() {
    let acquire = |id, owner: &str, ttl, at, expect| {
        let mut o = op(id, Op::AcquireLock { owner: owner.into(), ttl_ms: ttl }, at, Some(at + 10), expect);
        o.key = "lock:job".into();
        o
    };
    let h = [acquire(0, "alice", Some(100), 0, ok(json!(true))), acquire(1, "bob", None, 50, ok(json!(false)))];
    assert!(matches!(verdict(&h), KeyResult::Linearizable(_)));
    let h = [acquire(0, "alice", Some(100), 0, ok(json!(true))), acquire(1, "bob", None, 50, ok(json!(true)))];
    assert!(matches!(verdict(&h), KeyResult::Violation(_)), "two owners at once");
    let h = [acquire(0, "alice", Some(100), 0, ok(json!(true))), acquire(1, "bob", None, 150, ok(json!(true)))];
    assert!(matches!(verdict(&h), KeyResult::Linearizable(_)), "after expiry");
}

#[test]
fn the_search_is_bounded() {
    // Many overlapping unknown increments and an impossible read: exponential without a bound.
    let mut h: Vec<CheckOp> = (0..40).map(|i| op(i, Op::Increment, i, None, Expect::Maybe)).collect();
    h.push(op(40, Op::Put(json!("x")), 0, Some(1_000), ok(json!("x"))));
    h.push(op(41, Op::Get, 2_000, Some(2_010), ok(json!(-1))));
    let (r, steps) = check_key(&h, 10_000);
    assert_eq!(r, KeyResult::Unknown);
    assert!(steps > 10_000);
}

#[test]
fn real_runs_check_per_key_through_the_history() {
    use crate::sim::{Sim, SimConfig};
    let sim = Sim::new(SimConfig { proposers: 2, ..SimConfig::default() }).unwrap();
    for i in 0..5 {
        let c = sim.client(i % 2 + 1);
        sim.spawn(async move {
            for _ in 0..10 {
                let _ = c.increment(if i % 2 == 0 { "a" } else { "b" }).await;
                let _ = c.change("doc", |x| Ok(json!(x.as_i64().unwrap_or(0) + 100))).await;
            }
        });
    }
    sim.run_until_idle(u64::MAX);
    let report = check(&sim.history(), DEFAULT_STEP_BUDGET);
    assert!(report.ok, "{report:?}");
    assert_eq!(report.keys.keys().collect::<Vec<_>>(), ["a", "b", "doc"]);
    let KeyResult::Linearizable(order) = &report.keys["doc"] else { panic!() };
    assert_eq!(order.len(), 50);
    assert_eq!(report.to_json()["keys"]["a"]["verdict"], "ok");
}

#[cfg(not(target_arch = "wasm32"))]
mod brute_force {
    //! A brute-force checker on small histories: try every order consistent with real time, with
    //! every subset of the unknown operations. The search must agree with it.
    use super::*;
    use proptest::prelude::*;

    fn brute(ops: &[CheckOp]) -> bool {
        fn go(ops: &[CheckOp], used: &mut Vec<bool>, state: &State, placed_max_invoke: u64) -> bool {
            let _ = placed_max_invoke;
            // Done when every completed operation is placed.
            if ops.iter().zip(used.iter()).all(|(o, u)| *u || o.return_at.is_none()) {
                return true;
            }
            for i in 0..ops.len() {
                if used[i] {
                    continue;
                }
                // Real time: i may go next only if no unplaced completed op returned before i was invoked.
                let blocked = ops
                    .iter()
                    .enumerate()
                    .any(|(j, o)| !used[j] && j != i && o.return_at.is_some_and(|r| r < ops[i].invoke_at));
                if blocked {
                    continue;
                }
                for next in ops[i].apply(state) {
                    used[i] = true;
                    if go(ops, used, &next, 0) {
                        used[i] = false;
                        return true;
                    }
                    used[i] = false;
                }
            }
            false
        }
        go(ops, &mut vec![false; ops.len()], &State::default(), 0)
    }

    fn arb_history() -> impl Strategy<Value = Vec<CheckOp>> {
        let one = (0u8..3, 0u64..40, 1u64..30, 0i64..4, 0u8..6).prop_map(|(kind, at, len, value, fate)| {
            let (o, out) = match kind {
                0 => (Op::Increment, json!(value)),
                1 => (Op::Get, if value == 0 { json!(null) } else { json!(value) }),
                _ => (Op::Put(json!(value)), json!(value)),
            };
            let unknown = fate == 0 && kind != 1;
            (o, at, len, out, unknown)
        });
        proptest::collection::vec(one, 1..7).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (o, at, len, out, unknown))| {
                    let (ret, expect) =
                        if unknown { (None, Expect::Maybe) } else { (Some(at + len), Expect::Output(out)) };
                    op(i as u64, o, at, ret, expect)
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]
        #[test]
        fn the_search_agrees_with_brute_force(h in arb_history()) {
            let fast = matches!(verdict(&h), KeyResult::Linearizable(_));
            prop_assert_eq!(fast, brute(&h), "{:#?}", h);
        }
    }

    #[test]
    fn both_verdicts_occur_in_the_generated_histories() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let (mut yes, mut no) = (0, 0);
        for _ in 0..500 {
            let h = arb_history().new_tree(&mut runner).unwrap().current();
            if brute(&h) {
                yes += 1
            } else {
                no += 1
            }
        }
        assert!(yes > 50 && no > 50, "{yes} linearizable, {no} not");
    }
}
