//! `./build.sh bench` (native part): the linearizability checker, wall-clock timed.
//! Run: `cargo bench --bench checker`.
//!
//! Each history is checked several times; min / median / max are reported, with the search
//! steps. The last case spends the whole default step budget and reports the time per step:
//! every step costs O(1) amortized, so the budget bounds wall time.

use caspaxos_playground::checker::{
    check, check_incrementally, check_key, check_records, CheckOp, Expect, KeyResult, Ledger, Report, Step, Times,
    Undecided, DEFAULT_STEP_BUDGET, UNFOLDED_OP_BYTES,
};
use caspaxos_playground::ops::Op;
use caspaxos_playground::sim::workload::CheckerWorkload;
use caspaxos_playground::sim::{History, OpRecord, Sim, SimConfig};
use serde_json::json;
use std::time::Instant;

const RUNS: usize = 7;

/// Every part, or only the one `CASPAXOS_CHECKER_BENCH` names (`histories`, `steady`,
/// `batched`, `budget`).
fn main() {
    let only = std::env::var("CASPAXOS_CHECKER_BENCH").ok();
    let parts: [(&str, fn()); 4] =
        [("histories", histories), ("steady", steady_memory), ("batched", batched), ("budget", budget)];
    for (name, part) in parts {
        if only.as_deref().is_none_or(|o| o == name) {
            part();
        }
    }
}

/// min / median / max of `RUNS` timings, in ms.
fn spread(mut times_ms: Vec<f64>) -> (f64, f64, f64) {
    times_ms.sort_by(f64::total_cmp);
    (times_ms[0], times_ms[times_ms.len() / 2], times_ms[times_ms.len() - 1])
}

/// The full search and the incremental checker on the same finished histories, side by side:
/// `full` checks every record at once; `incremental` replays the run's invocations and returns
/// into a fresh ledger (the folds the live history spreads over the run, then `check()`);
/// `check() at the end` is what the live history's `check()` costs once the run is over.
fn histories() {
    let workloads = [
        ("sequential, 1 key", CheckerWorkload::sequential(100_000)),
        ("sequential, 1 key", CheckerWorkload::sequential(40_000)),
        ("10 clients, 10 keys", CheckerWorkload::concurrent(10_000)),
        ("10 clients, 10 keys", CheckerWorkload::concurrent(100_000)),
    ];
    for (name, w) in workloads {
        let sim = w.run_recording(History::new(usize::MAX, Ledger::default()));
        let history = sim.history();
        let records: Vec<OpRecord> = history.records().cloned().collect();
        let full = timed(|| check_records(&records, DEFAULT_STEP_BUDGET));
        let incremental = timed(|| check_incrementally(&records, Ledger::default(), DEFAULT_STEP_BUDGET));
        let at_end = timed(|| check(&history, DEFAULT_STEP_BUDGET));
        for (how, (report, (min, median, max))) in
            [("full", full), ("incremental", incremental), ("check() at the end", at_end)]
        {
            assert!(report.ok, "the benchmark history is linearizable");
            println!(
                "native checker {name:<20} {:>7} operations, {how:<18} min {min:.1} / median {median:.1} / max {max:.1} ms  ({} search steps, {} folded)",
                records.len(),
                report.steps,
                report.folded,
            );
        }
    }
}

/// `f` run `RUNS` times: its last result, and min / median / max wall time in ms.
fn timed(f: impl Fn() -> Report) -> (Report, (f64, f64, f64)) {
    let mut times_ms = Vec::with_capacity(RUNS);
    let mut report = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        report = Some(f());
        times_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (report.expect("ran"), spread(times_ms))
}

/// Memory on a steady workload: 30 clients incrementing 10 keys, 2,000,000 increments, the
/// event log off. The most operations and configurations the checker holds and records the
/// history keeps, sampled every 100 virtual ms, and the bytes they take at most (the
/// operations' and configurations' own sizes, without the heap their values use).
fn steady_memory() {
    let increments = 2_000_000;
    let clients = 30;
    let sim = Sim::new(SimConfig { seed: 9, log_events: false, ..SimConfig::default() }).expect("valid");
    for c in 0..clients {
        let client = sim.client((c % 2) as u8 + 1);
        let key = format!("k{}", c % 10);
        sim.spawn(async move {
            for _ in 0..increments / clients {
                client.increment(&key).await.expect("no faults");
            }
        });
    }
    let t = Instant::now();
    let (mut ops, mut configs, mut records) = (0, 0, 0);
    let mut samples = 0;
    while sim.pending() > 0 || sim.now() == 0 {
        sim.run_for(100);
        let h = sim.history();
        let (o, c) = h.ledger().retained();
        (ops, configs, records) = (ops.max(o), configs.max(c), records.max(h.records().len()));
        samples += 1;
    }
    let run_s = t.elapsed().as_secs_f64();
    let (report, (min, median, max)) = timed(|| check(&sim.history(), DEFAULT_STEP_BUDGET));
    assert!(report.ok && report.folded as usize + ops >= increments);
    println!(
        "native checker steady {increments} increments (30 clients, 10 keys) in {run_s:.1} s: at most {ops} operations \
         ({} KB) and {configs} configurations held by the checker over {samples} samples, {records} records kept ({} KB); \
         check() at the end min {min:.2} / median {median:.2} / max {max:.2} ms, {} folded",
        ops * std::mem::size_of::<CheckOp>() / 1024,
        records * std::mem::size_of::<OpRecord>() / 1024,
        report.folded,
    );
}

/// The common JavaScript pattern (issue 9): every key's whole batch of increments invoked before
/// any returns (`autoAdvance` off, then `runUntilIdle()`), round after round: 10 keys, 2,000
/// calls a key a round, `CASPAXOS_BATCH_ROUNDS` rounds (100). The most the checker holds
/// (operations, configurations, and their bytes: [`UNFOLDED_OP_BYTES`] an operation and each
/// frontier's [`Ledger::frontiers`] bytes), sampled every 10 virtual ms, the most it holds once a
/// round is over, and every key's verdict at the end.
fn batched() {
    let (keys, batch) = (10, 2_000);
    let rounds: usize = std::env::var("CASPAXOS_BATCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(100);
    let sim = Sim::new(SimConfig { seed: 3, proposers: 2, log_events: false, ..SimConfig::default() }).expect("valid");
    let t = Instant::now();
    let (mut ops, mut configs, mut bytes, mut after_round) = (0, 0, 0, 0);
    for _ in 0..rounds {
        for k in 0..keys {
            for i in 0..batch {
                let client = sim.client((i % 2) as u8 + 1);
                let key = format!("k{k}");
                sim.spawn(async move {
                    client.increment(&key).await.expect("no faults");
                });
            }
        }
        while sim.pending() > 0 {
            sim.run_for(10);
            let h = sim.history();
            let (o, c) = h.ledger().retained();
            let frontier_bytes: usize = h.ledger().frontiers().map(|(_, b)| b).sum();
            (ops, configs) = (ops.max(o), configs.max(c));
            bytes = bytes.max(o * UNFOLDED_OP_BYTES + frontier_bytes);
        }
        let (o, _) = sim.history().ledger().retained();
        after_round = after_round.max(o);
    }
    let run_s = t.elapsed().as_secs_f64();
    let (report, (min, median, max)) = timed(|| check(&sim.history(), DEFAULT_STEP_BUDGET));
    let count = |name: &str| report.keys.values().filter(|r| verdict(r) == name).count();
    println!(
        "native checker batched {keys} keys x {batch} calls x {rounds} rounds in {run_s:.1} s: at most {ops} operations, \
         {configs} configurations, {} KB held by the checker (sampled every 10 virtual ms), {after_round} operations \
         after a round; verdicts {} ok / {} violation / {} unknown; \
         check() at the end min {min:.2} / median {median:.2} / max {max:.2} ms, {} folded, {} search steps",
        bytes / 1024,
        count("ok"),
        count("violation"),
        count("unknown"),
        report.folded,
        report.steps,
    );
}

fn verdict(r: &KeyResult) -> &'static str {
    match r {
        KeyResult::Linearizable(_) => "ok",
        KeyResult::Violation(_) => "violation",
        KeyResult::Unknown(_) => "unknown",
    }
}

/// A search that cannot finish: 40 overlapping increments of unknown outcome, then a read no
/// subset of them explains. It runs until the default step budget is spent; the time it takes
/// is what the budget bounds.
fn budget() {
    let op = |id: u64, op: Op, at: u64, ret: Option<u64>, expect| CheckOp {
        id,
        kind: op.kind(),
        key: "k".into(),
        invoke_at: at,
        return_at: ret,
        invoke_seq: at,
        return_seq: ret,
        step: Step::Builtin { op, times: Times::One(at) },
        expect,
    };
    let mut h: Vec<CheckOp> = (0..40).map(|i| op(i, Op::Increment, i, None, Expect::Maybe)).collect();
    h.push(op(40, Op::Get, 1_000, Some(1_010), Expect::Output(json!(-1))));
    let mut times_ms = Vec::with_capacity(RUNS);
    let mut steps = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let (r, used) = check_key(&h, DEFAULT_STEP_BUDGET);
        times_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r, KeyResult::Unknown(Undecided::OutOfBudget));
        steps = used;
    }
    let (min, median, max) = spread(times_ms);
    println!(
        "native checker budget spent (unknown)       {steps} search steps in min {min:.1} / median {median:.1} / max {max:.1} ms  ({:.0} ns/step)",
        median * 1e6 / steps as f64,
    );
}
