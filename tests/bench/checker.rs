//! `./build.sh bench` (native part): the linearizability checker, wall-clock timed.
//! Run: `cargo bench --bench checker`.
//!
//! Each history is checked several times; min / median / max are reported, with the search
//! steps. The last case spends the whole default step budget and reports the time per step:
//! every step costs O(1) amortized, so the budget bounds wall time.

use caspaxos_playground::checker::{check, check_key, CheckOp, Expect, KeyResult, Report, Step, DEFAULT_STEP_BUDGET};
use caspaxos_playground::ops::Op;
use caspaxos_playground::sim::workload::CheckerWorkload;
use serde_json::json;
use std::time::Instant;

const RUNS: usize = 7;

fn main() {
    histories();
    budget();
}

/// min / median / max of `RUNS` timings, in ms.
fn spread(mut times_ms: Vec<f64>) -> (f64, f64, f64) {
    times_ms.sort_by(f64::total_cmp);
    (times_ms[0], times_ms[times_ms.len() / 2], times_ms[times_ms.len() - 1])
}

fn histories() {
    let workloads = [
        ("sequential, 1 key", CheckerWorkload::sequential(100_000)),
        ("sequential, 1 key", CheckerWorkload::sequential(40_000)),
        ("10 clients, 10 keys", CheckerWorkload::concurrent(10_000)),
    ];
    for (name, w) in workloads {
        let sim = w.run();
        let history = sim.history();
        let mut times_ms = Vec::with_capacity(RUNS);
        let mut report: Option<Report> = None;
        for _ in 0..RUNS {
            let t = Instant::now();
            report = Some(check(&history, DEFAULT_STEP_BUDGET));
            times_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let r = report.expect("ran");
        assert!(r.ok, "the benchmark history is linearizable");
        let (min, median, max) = spread(times_ms);
        println!(
            "native checker {name:<20} {:>7} operations checked in min {min:.1} / median {median:.1} / max {max:.1} ms  ({} search steps)",
            history.len(),
            r.steps,
        );
    }
}

/// A search that cannot finish: 40 overlapping increments of unknown outcome, then a read no
/// subset of them explains. It runs until the default step budget is spent; the time it takes
/// is what the budget bounds.
fn budget() {
    let op = |id: u64, op: Op, at: u64, ret: Option<u64>, expect| CheckOp {
        id,
        name: op.name(),
        key: "k".into(),
        invoke_at: at,
        return_at: ret,
        invoke_seq: at,
        return_seq: ret,
        step: Step::Builtin { op, times: vec![at] },
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
        assert_eq!(r, KeyResult::Unknown);
        steps = used;
    }
    let (min, median, max) = spread(times_ms);
    println!(
        "native checker budget spent (unknown)       {steps} search steps in min {min:.1} / median {median:.1} / max {max:.1} ms  ({:.0} ns/step)",
        median * 1e6 / steps as f64,
    );
}
