//! A sweep of random one-key register histories — `put`, `get`, versioned `read`, `delete`,
//! collections (`gc`), unknown outcomes, up to 30 operations overlapping — generated from a
//! sequential run placed inside the operations' intervals (so linearizable by construction),
//! a third of them with one read's answer changed. The checker must agree with an exhaustive
//! oracle written here, never answer `unknown`, and the incremental checker (folding at every
//! cut) must agree with the full one.

use super::test_support::next_states;
use super::*;
use crate::driver::Outcome;
use crate::ops::{OpError, OpKind};
use crate::sim::{OpRecord, Rng, GC_OP};
use serde_json::{json, Value as Json};
use std::collections::HashSet;

/// Seeds per sweep.
const SEEDS: u64 = 1_000;
/// Most operations in a generated history (and most overlapping).
const MAX_OPS: u64 = 30;
/// Up to this many operations the oracle tries every order without memoization.
const BRUTE_FORCE_OPS: usize = 8;
/// The memoized oracle gives up past this many configurations (the history is then only
/// checked by construction, when it was not changed).
const ORACLE_CONFIGS: usize = 300_000;
/// Up to this many operations no history may be `unknown`; past it, only a changed one (not
/// linearizable by construction) may, when the oracle cannot decide it either.
const ALWAYS_DECIDED_OPS: usize = 20;

struct Generated {
    records: Vec<OpRecord>,
    /// Linearizable by construction (no answer changed).
    by_construction: bool,
}

/// Which operations a history holds.
#[derive(Clone, Copy, PartialEq)]
enum Mix {
    /// Mostly puts and reads, one operation in ten a collection.
    Register,
    /// One in four a delete and one in four a collection (background `gcDelay` collections).
    Collections,
    /// Nearly half increments, then puts of small integers, deletes and reads, like the outside
    /// tester's mixed histories (`mixed_unknown_tests.rs`); one in four a bigger, wider batch.
    Counter,
}

/// One history: operations `i` invoked around `10 * i`, lasting up to `10 * width`, each taking
/// effect at a point inside its interval (unknown ones and collections: or later, or never).
fn generate(seed: u64, max_ops: u64, mix: Mix) -> Generated {
    let mut rng = Rng::new(seed);
    let n = 1 + rng.below(max_ops);
    let width = 1 + rng.below(MAX_OPS);
    let unique_values = mix != Mix::Counter && rng.chance(0.5);
    struct Planned {
        kind: OpKind,
        input: Json,
        invoke: u64,
        ret: u64,
        effect: Option<u64>,
        unknown: bool,
    }
    let mut plan: Vec<Planned> = Vec::new();
    for i in 0..n {
        let invoke = 10 * i + rng.below(10);
        let ret = invoke + 2 + rng.below(10 * width);
        let roll = match (mix, rng.below(20)) {
            (Mix::Register, r) => r,
            // 7 puts, 2 gets, 1 read, 5 deletes and 5 collections in 20 (named as the rolls above).
            (Mix::Collections, r) => match r {
                0..=6 => 0,
                7..=8 => 9,
                9 => 13,
                10..=14 => 15,
                _ => 18,
            },
            // 4 puts, 3 gets, 1 read, 3 deletes and 9 increments in 20.
            (Mix::Counter, r) => match r {
                0..=3 => 0,
                4..=6 => 9,
                7 => 13,
                8..=10 => 15,
                _ => 20,
            },
        };
        let (kind, input) = match roll {
            0..=8 => {
                let v = if unique_values { json!(format!("v{i}")) } else { json!(rng.below(3)) };
                (OpKind::Put, v)
            }
            9..=12 => (OpKind::Get, Json::Null),
            13..=14 => (OpKind::Read, Json::Null),
            15..=17 => (OpKind::Delete, Json::Null),
            20 => (OpKind::Increment, Json::Null),
            _ => (GC_OP, Json::Null),
        };
        let unknown = matches!(kind, OpKind::Put | OpKind::Delete | OpKind::Increment) && rng.chance(0.15);
        let late = kind == GC_OP || unknown;
        let point = invoke + 1 + rng.below(ret - invoke - 1 + if late { 30 } else { 0 });
        let effect = (!late || rng.chance(0.5)).then_some(point);
        plan.push(Planned { kind, input, invoke, ret, effect, unknown });
    }
    // The sequential run, in the order of the effects.
    let mut order: Vec<usize> = (0..plan.len()).filter(|&i| plan[i].effect.is_some()).collect();
    order.sort_by_key(|&i| (plan[i].effect, i));
    let (mut value, mut version) = (Json::Null, 0u64);
    let mut outputs: Vec<Json> = vec![Json::Null; plan.len()];
    for i in order {
        let p = &plan[i];
        outputs[i] = match p.kind {
            OpKind::Put => {
                (value, version) = (p.input.clone(), version + 1);
                value.clone()
            }
            OpKind::Delete => {
                (value, version) = (Json::Null, version + 1);
                Json::Null
            }
            OpKind::Get => value.clone(),
            OpKind::Read => json!({ "version": version, "value": value }),
            OpKind::Increment => {
                (value, version) = (json!(value.as_i64().unwrap_or(0) + 1), version + 1);
                value.clone()
            }
            _ => {
                if value.is_null() && version > 0 {
                    version = 0; // a collection resets a tombstone
                }
                json!({ "erased": 1 })
            }
        };
    }
    // One read (or answered increment) in three answers something else.
    let answered = |p: &Planned| p.kind.is_read_only() || p.kind == OpKind::Increment && !p.unknown;
    let reads: Vec<usize> = (0..plan.len()).filter(|&i| answered(&plan[i])).collect();
    let changed = !reads.is_empty() && rng.chance(1.0 / 3.0);
    if changed {
        let r = reads[rng.below(reads.len() as u64) as usize];
        let other = if rng.chance(0.2) { json!("never written") } else { json!(rng.below(3)) };
        outputs[r] = match plan[r].kind {
            OpKind::Read if rng.chance(0.5) => json!({ "version": rng.below(4), "value": outputs[r]["value"] }),
            OpKind::Read => json!({ "version": outputs[r]["version"], "value": other }),
            _ => other,
        };
    }
    // Positions in one sequence: calls before returns at one instant (they overlap).
    let mut events: Vec<(u64, u8, usize)> = Vec::new();
    for (i, p) in plan.iter().enumerate() {
        events.push((p.invoke, 0, i));
        events.push((p.ret, 1, i));
    }
    events.sort_unstable();
    let mut seqs = vec![(0u64, 0u64); plan.len()];
    for (seq, &(_, is_return, i)) in events.iter().enumerate() {
        if is_return == 1 {
            seqs[i].1 = seq as u64;
        } else {
            seqs[i].0 = seq as u64;
        }
    }
    let records = plan
        .iter()
        .enumerate()
        .map(|(i, p)| OpRecord {
            id: i as u64,
            proposer: 1,
            op: p.kind,
            key: "k".into(),
            input: p.input.clone().into(),
            invoke_at: p.invoke,
            return_at: Some(p.ret),
            invoke_seq: seqs[i].0,
            return_seq: Some(seqs[i].1),
            outcome: Some(if p.unknown { Outcome::Unknown } else { Outcome::Ok }),
            output: (!p.unknown).then(|| outputs[i].clone().into()),
            error: p.unknown.then(|| OpError::unavailable(true, "no quorum answered")),
            may_have_applied: p.unknown,
            attempts: 1,
            evaluations: Default::default(),
        })
        .collect();
    Generated { records, by_construction: !changed }
}

/// May `i` go next with `used` placed: no unplaced completed operation returned before it.
fn may_go_next(ops: &[CheckOp], used: u64, i: usize) -> bool {
    !(0..ops.len()).any(|j| used & (1 << j) == 0 && j != i && ops[j].return_seq.is_some_and(|r| r < ops[i].invoke_seq))
}

/// The oracle: every order consistent with real time, every subset of the operations that may
/// never have taken effect; memoized on (placed, state) when `memo` is given. `None`: too many.
fn oracle(ops: &[CheckOp], memo: Option<&mut HashSet<(u64, String)>>) -> Option<bool> {
    fn go(ops: &[CheckOp], used: u64, s: &State, memo: &mut Option<&mut HashSet<(u64, String)>>) -> Option<bool> {
        if (0..ops.len()).all(|i| used & (1 << i) != 0 || !ops[i].completed()) {
            return Some(true);
        }
        if let Some(seen) = memo.as_deref_mut() {
            if !seen.insert((used, format!("{}@{}", s.value, s.version))) {
                return Some(false);
            }
            if seen.len() > ORACLE_CONFIGS {
                return None;
            }
        }
        for i in (0..ops.len()).filter(|&i| used & (1 << i) == 0 && may_go_next(ops, used, i)) {
            for next in next_states(&ops[i], s) {
                if go(ops, used | (1 << i), &next, memo)? {
                    return Some(true);
                }
            }
        }
        Some(false)
    }
    let mut memo = memo;
    go(ops, 0, &State::default(), &mut memo)
}

/// A linearization the checker gave is one: real time respected, each answer recomputed.
fn is_linearization(ops: &[CheckOp], order: &[u64]) -> bool {
    fn go(ops: &[CheckOp], order: &[usize], used: u64, s: &State) -> bool {
        let Some((&i, rest)) = order.split_first() else {
            return (0..ops.len()).all(|j| used & (1 << j) != 0 || !ops[j].completed());
        };
        used & (1 << i) == 0
            && may_go_next(ops, used, i)
            && next_states(&ops[i], s).iter().any(|n| go(ops, rest, used | (1 << i), n))
    }
    let order: Vec<usize> = order.iter().map(|id| ops.iter().position(|o| o.id == *id).expect("an id")).collect();
    go(ops, &order, 0, &State::default())
}

fn verdict_name(r: &KeyResult) -> &'static str {
    match r {
        KeyResult::Linearizable(_) => "ok",
        KeyResult::Violation(_) => "violation",
        KeyResult::Unknown(_) => "unknown",
    }
}

/// `min/median/max` of `xs`.
fn spread(xs: &mut [u64]) -> String {
    xs.sort_unstable();
    format!("{}/{}/{}", xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

/// Linearizable, violations, unknown, and the search steps of each history.
fn sweep(max_ops: u64, seeds: std::ops::Range<u64>, mix: Mix) -> (u64, u64, u64, Vec<u64>) {
    let (mut linearizable, mut violations, mut unknown, mut steps) = (0, 0, 0, Vec::new());
    for seed in seeds {
        let g = generate(seed, max_ops, mix);
        let ops: Vec<CheckOp> = g.records.iter().filter_map(CheckOp::from_record).collect();
        let full = check_records(&g.records, DEFAULT_STEP_BUDGET);
        let result = full.keys.get("k").cloned().unwrap_or(KeyResult::Linearizable(Vec::new()));
        steps.push(full.steps);
        let expected = if ops.len() <= BRUTE_FORCE_OPS {
            oracle(&ops, None)
        } else if g.by_construction {
            Some(true)
        } else {
            oracle(&ops, Some(&mut HashSet::new()))
        };
        match &result {
            KeyResult::Unknown(_) => {
                // Collection-heavy histories: counted, and bounded by their test (2 of 1,000 today).
                let excused = mix == Mix::Collections
                    || ops.len() > ALWAYS_DECIDED_OPS && !g.by_construction && expected.is_none();
                assert!(excused, "seed {seed}: unknown after {} steps ({} operations)", full.steps, ops.len());
                println!("seed {seed}: unknown ({} operations, changed, the oracle undecided too)", ops.len());
                unknown += 1;
                continue;
            }
            KeyResult::Linearizable(order) => {
                assert!(is_linearization(&ops, order), "seed {seed}: the order given is not one: {order:?}");
                linearizable += 1;
            }
            KeyResult::Violation(v) => {
                assert!(ops.iter().any(|o| o.id == v.ops[0] && o.completed()), "seed {seed}: {}", v.explanation);
                violations += 1;
            }
        }
        if let Some(expected) = expected {
            assert_eq!(full.ok, expected, "seed {seed}: the checker says {}", verdict_name(&result));
        }
        let incremental = check_incrementally(&g.records, Ledger::new(1, UNKNOWN_HORIZON), DEFAULT_STEP_BUDGET);
        let folded = incremental.keys.get("k").map_or("ok", verdict_name);
        assert_eq!(folded, verdict_name(&result), "seed {seed}: the incremental checker disagrees");
    }
    (linearizable, violations, unknown, steps)
}

#[test]
fn small_histories_agree_with_brute_force() {
    let (yes, no, unknown, mut steps) = sweep(BRUTE_FORCE_OPS as u64, 0..SEEDS, Mix::Register);
    // Not vacuous: both verdicts occur often.
    assert!(yes > 300 && no > 100 && unknown == 0, "{yes} linearizable, {no} violations, {unknown} unknown");
    println!("{SEEDS} histories of 1..={BRUTE_FORCE_OPS}: {yes} ok, {no} violations, steps {}", spread(&mut steps));
}

#[test]
fn histories_up_to_30_operations_wide_are_decided_and_agree_with_the_oracle() {
    let (yes, no, unknown, mut steps) = sweep(MAX_OPS, 1_000_000..1_000_000 + SEEDS, Mix::Register);
    assert!(yes > 300 && no > 100 && unknown <= SEEDS / 200, "{yes} linearizable, {no} violations, {unknown} unknown");
    println!(
        "{SEEDS} histories of 1..={MAX_OPS}: {yes} ok, {no} violations, {unknown} unknown, steps {}",
        spread(&mut steps)
    );
}

#[test]
fn collection_heavy_histories_are_decided_and_agree_with_the_oracle() {
    // Interchangeable collections, unread values and same-effect operations (`collections.rs`,
    // `unread.rs`, `same_effect.rs`) on histories like the outside tester's: a quarter deletes,
    // a quarter collections. Without `same_effect.rs`, 2 of these 1,000 were `unknown`.
    let (yes, no, unknown, mut steps) = sweep(MAX_OPS, 2_000_000..2_000_000 + SEEDS, Mix::Collections);
    assert!(yes > 300 && no > 100 && unknown <= SEEDS / 200, "{yes} linearizable, {no} violations, {unknown} unknown");
    println!(
        "{SEEDS} collection-heavy histories of 1..={MAX_OPS}: {yes} ok, {no} violations, {unknown} unknown, steps {}",
        spread(&mut steps)
    );
}

#[test]
fn counter_histories_with_unknown_increments_are_decided_and_agree_with_the_oracle() {
    // Same-answer increments earliest returning first, floating unknown increments and deletes
    // earliest invoked first, increments' starved reads (`same_effect.rs`, `collections.rs`,
    // `prune.rs`), on histories like the outside tester's mixed ones.
    let (yes, no, unknown, mut steps) = sweep(MAX_OPS, 3_000_000..3_000_000 + SEEDS, Mix::Counter);
    assert!(yes > 300 && no > 100 && unknown == 0, "{yes} linearizable, {no} violations, {unknown} unknown");
    println!(
        "{SEEDS} counter histories of 1..={MAX_OPS}: {yes} ok, {no} violations, {unknown} unknown, steps {}",
        spread(&mut steps)
    );
    let (yes, no, unknown, _) = sweep(BRUTE_FORCE_OPS as u64, 4_000_000..4_000_000 + SEEDS, Mix::Counter);
    assert!(yes > 300 && no > 100 && unknown == 0, "small: {yes} linearizable, {no} violations, {unknown} unknown");
}

/// The search without the reductions on the same histories, for the README's before/after
/// (`cargo test --release --lib plain_search_on_the_sweeps -- --ignored --nocapture`).
#[test]
#[ignore]
fn plain_search_on_the_sweeps() {
    for (max_ops, seeds) in [(BRUTE_FORCE_OPS as u64, 0..SEEDS), (MAX_OPS, 1_000_000..1_000_000 + SEEDS)] {
        let (mut plain, mut reduced, mut unknown) = (Vec::new(), Vec::new(), [0u32; 2]);
        for seed in seeds {
            let g = generate(seed, max_ops, Mix::Register);
            let ops: Vec<CheckOp> = g.records.iter().filter_map(CheckOp::from_record).collect();
            for (i, (result, steps)) in
                [super::search::check_key_plain(&ops, DEFAULT_STEP_BUDGET), check_key(&ops, DEFAULT_STEP_BUDGET)]
                    .into_iter()
                    .enumerate()
            {
                unknown[i] += u32::from(matches!(result, KeyResult::Unknown(_)));
                [&mut plain, &mut reduced][i].push(steps);
            }
        }
        println!(
            "1..={max_ops} operations: plain steps {} ({} unknown), reduced {} ({} unknown)",
            spread(&mut plain),
            unknown[0],
            spread(&mut reduced),
            unknown[1]
        );
    }
}
