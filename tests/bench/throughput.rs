//! `./build.sh bench` (native part): the increment workload of record, wall-clock timed.
//! Run: `cargo bench --bench throughput` (`-- --quick` for fewer runs).
//!
//! Timed: the run from the first step to idle. Not timed: building the cluster and starting its
//! clients, and dropping the simulation afterwards (freeing memory is not the workload's work).

use caspaxos_playground::sim::workload::{IncrementWorkload, WorkloadResult};
use std::time::Instant;

fn main() {
    let runs = if std::env::args().any(|a| a == "--quick") { 3 } else { 7 };
    let record = IncrementWorkload::default();
    let variants = [
        ("no faults (of record)", record.clone()),
        ("contention: keys shared", IncrementWorkload { shared_keys: true, ..record.clone() }),
        ("5% loss", IncrementWorkload { drop_rate: 0.05, ..record.clone() }),
        ("no faults, oracles on", IncrementWorkload { check_invariants: true, ..record.clone() }),
        ("no faults, event log off", IncrementWorkload { log_events: false, ..record.clone() }),
    ];
    println!(
        "workload: 3 acceptors, 3 proposers, 10 keys, 30 clients, {} increments, latency 1-10 ms; {runs} runs each",
        record.increments
    );
    for (name, w) in variants {
        let (rates, r) = measure(&w, runs);
        assert_eq!(r.clients_finished, w.clients, "every client finished");
        let ops = (r.stats.ok + r.stats.failed + r.stats.unknown) as f64;
        println!(
            "native {name:<26} increments/s min {:>9.0} median {:>9.0} max {:>9.0}  {:.2} messages/op  {:.3} conflicts/op  {} ok {} unknown {} failed  {} events",
            rates[0],
            rates[rates.len() / 2],
            rates[rates.len() - 1],
            r.stats.messages_per_operation(),
            r.stats.conflicts as f64 / ops,
            r.stats.ok,
            r.stats.unknown,
            r.stats.failed,
            r.events,
        );
    }
}

/// Increments per second of `runs` timed runs, sorted, and the last run's result.
fn measure(w: &IncrementWorkload, runs: usize) -> (Vec<f64>, WorkloadResult) {
    let _ = IncrementWorkload::finish(&w.start()); // warm up the allocator and caches
    let mut rates = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let sim = w.start();
        let t = Instant::now();
        let r = IncrementWorkload::finish(&sim);
        let seconds = t.elapsed().as_secs_f64();
        drop(sim);
        rates.push((r.stats.ok + r.stats.failed + r.stats.unknown) as f64 / seconds);
        last = Some(r);
    }
    rates.sort_by(f64::total_cmp);
    (rates, last.expect("at least one run"))
}
