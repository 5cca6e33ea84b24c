//! The fold without the search against the ledger's usual fold ([`end_states`]), on random
//! concurrent increments of one key (a third of them broken: an answer duplicated, two swapped,
//! one skipped ahead): a first fold from the empty register, a second from the configurations
//! it left, each at a random cut. Wherever the fast fold answers, it answers exactly what the
//! usual one does: the same ends, in the same order, in the same steps.

use super::{fold, fold_compact, Answered, Exceeded};
use crate::checker::frontier::Frontier;
use crate::checker::model::{CheckOp, Expect, Step, Times};
use crate::checker::{end_states, Config, KeyResult, Undecided, DEFAULT_STEP_BUDGET, MAX_FRONTIER_STATES};
use crate::ops::Op;
use crate::sim::Rng;
use serde_json::json;

/// `n` increments of one key, each taking effect inside its interval and answering the counter
/// there; with `broken`, one answer changed. Positions are distinct, as in a real history.
fn batch(rng: &mut Rng, n: usize, broken: bool) -> Vec<CheckOp> {
    let spread = 1 + rng.below(199);
    let mut ops: Vec<(u64, u64, u64)> = (0..n)
        .map(|_| {
            let invoke = rng.below(spread);
            let effect = invoke + 1 + rng.below(39);
            (invoke, effect, effect + 1 + rng.below(39))
        })
        .collect();
    ops.sort_by_key(|o| o.1);
    let mut out: Vec<CheckOp> = ops
        .iter()
        .enumerate()
        .map(|(i, &(invoke, _, ret))| {
            let (invoke_seq, return_seq) = (invoke * 2 * n as u64 + i as u64, ret * 2 * n as u64 + (n + i) as u64);
            increment(i as u64, invoke_seq, return_seq, i as u64 + 1)
        })
        .collect();
    if broken {
        let (a, b) = (rng.below(n as u64) as usize, 0);
        match rng.below(3) {
            0 => out[a].expect = out[b].expect.clone(),
            1 => (out[a].expect, out[b].expect) = (out[b].expect.clone(), out[a].expect.clone()),
            _ => out[a].expect = Expect::Output(json!(n + 5)),
        }
    }
    out
}

fn increment(id: u64, invoke_seq: u64, return_seq: u64, answer: u64) -> CheckOp {
    CheckOp {
        id,
        kind: crate::ops::OpKind::Increment,
        key: "k".into(),
        invoke_at: invoke_seq,
        return_at: Some(return_seq),
        invoke_seq,
        return_seq: Some(return_seq),
        step: Step::Builtin { op: Op::Increment, times: Times::One(invoke_seq) },
        expect: Expect::Output(json!(answer)),
    }
}

/// What a fold at `cut` sees (as the ledger gives it): the operations that returned before it,
/// then those invoked before it that had not, as not returned.
fn prefix(ops: &[CheckOp], cut: u64) -> Vec<CheckOp> {
    let ended = ops.iter().filter(|op| op.return_seq.is_some_and(|r| r < cut)).cloned();
    let spanning = ops.iter().filter(|op| op.invoke_seq < cut && op.return_seq.is_none_or(|r| r >= cut));
    ended.chain(spanning.map(|op| CheckOp { return_seq: None, ..op.clone() })).collect()
}

/// Where the fast fold (given the operations through `convert`) and the usual one differ, told;
/// `Ok(true)` when they agree and the fast one answered, `Ok(false)` when it stepped aside.
fn compare(ops: &[CheckOp], initial: &[Config], convert: fn(&CheckOp) -> Option<Answered>) -> Result<bool, String> {
    let bounds = (MAX_FRONTIER_STATES, DEFAULT_STEP_BUDGET);
    compare_within(ops, initial, convert, bounds, bounds)
}

/// [`compare`] with the folds' `(max_ends, step budget)` (the usual one's, the fast one's:
/// the same but in a negative control): where the fast fold stops at [`Exceeded`], the usual
/// one must end out of budget in as many steps.
fn compare_within(
    ops: &[CheckOp],
    initial: &[Config],
    convert: fn(&CheckOp) -> Option<Answered>,
    (max_ends, budget): (usize, u64),
    fast_bounds: (usize, u64),
) -> Result<bool, String> {
    let (usual, usual_steps) = end_states(ops, initial, max_ends, budget);
    let answered: Option<Vec<Answered>> = ops.iter().map(convert).collect();
    let Some((fast, steps)) = answered.and_then(|a| fold(&a, initial, fast_bounds.0, fast_bounds.1)) else {
        return Ok(false);
    };
    match (fast, usual) {
        (Ok(ends), Ok(usual)) if usual == ends && usual_steps == steps => Ok(true),
        (Err(Exceeded), Err(KeyResult::Unknown(Undecided::OutOfBudget))) if usual_steps == steps => Ok(true),
        (fast, Ok(usual)) => Err(format!("fast {fast:?} in {steps} steps, usual {usual:?} in {usual_steps}")),
        (fast, Err(verdict)) => {
            Err(format!("fast {fast:?} in {steps} steps, usual {} in {usual_steps}", verdict_name(&verdict)))
        }
    }
}

/// Where the compact fold (from `given`) and the lists' one (from `initial`, its ends made a
/// [`Frontier`]) differ, told; `Ok(true)` when they agree and answered.
fn compare_compact(ops: &[CheckOp], given: &Frontier, initial: &[Config]) -> Result<bool, String> {
    let Some(answered) = ops.iter().map(Answered::of).collect::<Option<Vec<Answered>>>() else {
        return Ok(false);
    };
    let (max_ends, budget) = (MAX_FRONTIER_STATES, DEFAULT_STEP_BUDGET);
    let lists = fold(&answered, initial, max_ends, budget).map(|(e, s)| (e.map(|e| Frontier::new(&e)), s));
    let compact = fold_compact(&answered, given, max_ends, budget);
    let told = |f: &Option<(Result<Frontier, Exceeded>, u64)>| match f {
        None => "steps aside".to_string(),
        Some((Ok(ends), steps)) => format!("{} ends in {steps} steps", ends.len()),
        Some((Err(Exceeded), steps)) => format!("exceeded in {steps} steps"),
    };
    match compact == lists {
        true => Ok(compact.is_some()),
        false => Err(format!("compact {}, lists {}", told(&compact), told(&lists))),
    }
}

fn verdict_name(verdict: &KeyResult) -> &'static str {
    match verdict {
        KeyResult::Linearizable(_) => "linearizable",
        KeyResult::Violation(_) => "a violation",
        KeyResult::Unknown(_) => "unknown",
    }
}

#[test]
fn the_fast_fold_gives_what_the_usual_fold_gives() {
    let (mut first, mut second, mut several, mut aside, mut compact_agreed) = (0, 0, 0, 0, 0);
    for seed in 0..3_000u64 {
        let mut rng = Rng::new(seed);
        let n = (2 + rng.below(30)) as usize;
        let ops = batch(&mut rng, n, seed % 3 == 0);
        let last = ops.iter().filter_map(|op| op.return_seq).max().unwrap_or(0) + 1;
        let (a, b) = (rng.below(last), rng.below(last));
        let (cut1, cut2) = (a.min(b), a.max(b));
        let at_first = prefix(&ops, cut1);
        let replay = format!("seed {seed}, cuts {cut1} {cut2}: {ops:#?}");
        first += usize::from(compare(&at_first, &[Config::default()], Answered::of).expect(&replay));
        let Ok(ends) = end_states(&at_first, &[Config::default()], MAX_FRONTIER_STATES, DEFAULT_STEP_BUDGET).0 else {
            continue;
        };
        // The ledger keeps what ended at or after the first cut.
        let kept: Vec<CheckOp> = ops.iter().filter(|op| op.return_seq.is_none_or(|r| r >= cut1)).cloned().collect();
        let second_fold = compare(&prefix(&kept, cut2), &ends, Answered::of);
        let compact = compare_compact(&prefix(&kept, cut2), &Frontier::new(&ends), &ends);
        compact_agreed +=
            usize::from(compact.unwrap_or_else(|e| panic!("{replay}\nfrom {ends:?}: {e}")) && ends.len() > 1);
        match second_fold.unwrap_or_else(|e| panic!("{replay}\nfrom {ends:?}: {e}")) {
            true if ends.len() > 1 => several += 1,
            true => second += 1,
            false => aside += 1,
        }
    }
    println!("fast folds: {first} first, {second} second from one configuration, {several} from several; {aside} left to the usual fold");
    // The sweep reaches every case it claims to check, the workload's (several) included.
    assert!(first >= 1_000 && second >= 300 && several >= 300 && aside >= 100, "{first} {second} {several} {aside}");
    assert!(compact_agreed >= 300, "the compact fold from several configurations: {compact_agreed}");
}

/// Negative control: the comparison catches a fast fold that ignores real time (every
/// operation as if invoked at the start): #1 answered 2 and returned before #0, answering 1,
/// was invoked; the usual fold finds the violation, the broken fast fold an end.
#[test]
fn a_fast_fold_ignoring_real_time_is_caught() {
    let ops = vec![increment(0, 10, 11, 1), increment(1, 0, 1, 2)];
    assert_eq!(compare(&ops, &[Config::default()], Answered::of), Ok(false), "the real one steps aside");
    let blind = |op: &CheckOp| Answered::of(op).map(|a| Answered { invoke_seq: 0, ..a });
    let caught = compare(&ops, &[Config::default()], blind).expect_err("the blind one is caught");
    assert!(caught.contains("usual a violation") && caught.contains("Number(2)"), "{caught}");
    // Control: answered the other way round, both agree on the end 2.
    let ops = vec![increment(0, 10, 11, 2), increment(1, 0, 1, 1)];
    assert_eq!(compare(&ops, &[Config::default()], Answered::of), Ok(true));
}

/// A fold past its bounds: with few ends allowed or a small step budget, wherever the fast fold
/// stops at [`Exceeded`] the usual fold ends out of budget in the same steps (the ledger then
/// skips the usual fold), and wherever it finishes both agree as above.
#[test]
fn a_fast_fold_past_its_bounds_stops_where_the_usual_fold_does() {
    let (mut exceeded, mut finished) = (0, 0);
    for seed in 0..2_000u64 {
        let mut rng = Rng::new(seed);
        let n = (2 + rng.below(30)) as usize;
        let ops = batch(&mut rng, n, seed % 3 == 0);
        let last = ops.iter().filter_map(|op| op.return_seq).max().unwrap_or(0) + 1;
        let cut = rng.below(last);
        let bounds = (1 + rng.below(4) as usize, 1 + rng.below(2 * n as u64));
        let answered: Option<Vec<Answered>> = prefix(&ops, cut).iter().map(Answered::of).collect();
        let fast = answered.and_then(|a| fold(&a, &[Config::default()], bounds.0, bounds.1));
        let agreed = compare_within(&prefix(&ops, cut), &[Config::default()], Answered::of, bounds, bounds);
        match (agreed.unwrap_or_else(|e| panic!("seed {seed}, cut {cut}, bounds {bounds:?}: {e}")), fast) {
            (true, Some((Err(Exceeded), _))) => exceeded += 1,
            (true, _) => finished += 1,
            (false, _) => {}
        }
    }
    assert!(exceeded >= 300 && finished >= 300, "{exceeded} exceeded, {finished} finished");
}

/// Negative control: a fast fold that gives up a step early (its budget one less) is caught,
/// by its steps; with the same budget both stop at step 4 of four increments in a row.
#[test]
fn a_fast_fold_stopping_at_another_step_is_caught() {
    let ops: Vec<CheckOp> = (0..4).map(|i| increment(i, 10 * i, 10 * i + 5, i + 1)).collect();
    let start = [Config::default()];
    assert_eq!(compare_within(&ops, &start, Answered::of, (4, 3), (4, 3)), Ok(true), "both stop at step 4");
    let caught = compare_within(&ops, &start, Answered::of, (4, 3), (4, 2)).expect_err("a step early is caught");
    assert_eq!(caught, "fast Err(Exceeded) in 3 steps, usual unknown in 4");
}

/// Negative control: a compact fold from a frontier with one bit flipped (a configuration
/// placing one operation more or less than its integer says) is caught: it steps aside where
/// the lists' fold from the true configurations answers.
#[test]
fn a_compact_fold_from_a_corrupted_frontier_is_caught() {
    for seed in 0..200u64 {
        let mut rng = Rng::new(seed);
        let ops = batch(&mut rng, 20, false);
        let last = ops.iter().filter_map(|op| op.return_seq).max().unwrap_or(0) + 1;
        let cut1 = rng.below(last);
        let Ok(ends) =
            end_states(&prefix(&ops, cut1), &[Config::default()], MAX_FRONTIER_STATES, DEFAULT_STEP_BUDGET).0
        else {
            continue;
        };
        let kept: Vec<CheckOp> = ops.iter().filter(|op| op.return_seq.is_none_or(|r| r >= cut1)).cloned().collect();
        let second = prefix(&kept, last);
        let mut frontier = Frontier::new(&ends);
        if ends.len() < 2 || frontier.spanning().is_empty() || compare_compact(&second, &frontier, &ends) != Ok(true) {
            continue;
        }
        frontier.corrupt_bit(0, 0);
        let caught = compare_compact(&second, &frontier, &ends).expect_err("a flipped bit is caught");
        assert!(caught.starts_with("compact steps aside, lists ") && caught.ends_with(" steps"), "{caught}");
        return;
    }
    panic!("no seed folded twice from several configurations");
}
