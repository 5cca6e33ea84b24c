//! `./build.sh bench` (native part): the linearizability checker, wall-clock timed.
//! Run: `cargo bench --bench checker`.
//!
//! Each history is checked several times; min / median / max are reported, with the search
//! steps and the time per step (roughly constant: every step costs O(1) amortized, so the step
//! budget bounds wall time).

use caspaxos_playground::checker::{check, Report, DEFAULT_STEP_BUDGET};
use caspaxos_playground::sim::workload::CheckerWorkload;
use std::time::Instant;

const RUNS: usize = 7;

fn main() {
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
        times_ms.sort_by(f64::total_cmp);
        let (min, median, max) = (times_ms[0], times_ms[RUNS / 2], times_ms[RUNS - 1]);
        println!(
            "native checker {name:<20} {:>7} operations checked in min {min:.1} / median {median:.1} / max {max:.1} ms  ({} search steps, {:.0} ns/step)",
            history.ops.len(),
            r.steps,
            median * 1e6 / r.steps as f64,
        );
    }
}
