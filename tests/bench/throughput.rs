//! `./build.sh bench` (native part): the increment workload of record, wall-clock timed.
//! Run: `cargo bench --bench throughput` (`-- --quick` for fewer runs).
//!
//! Then the page's cluster (`page_cluster.rs`: a recording with checkpoints, oracles and 30
//! contended workers through recorded actions) with the event log's window and keeping every
//! event, at 100,000 increments (`-- --page N` for another size, `-- --page-only` for these rows alone), side by side: the window's
//! cost is folding each event into the log's hash before its chunk is let go.
//!
//! Timed: the run from the first step to idle. Not timed: building the cluster and starting its
//! clients, and dropping the simulation afterwards (freeing memory is not the workload's work).

mod page_cluster;

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
    let page_only = std::env::args().any(|a| a == "--page-only");
    for (name, w) in variants.into_iter().filter(|_| !page_only) {
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
    page_rows(runs);
}

/// The page's cluster with its event window and keeping its whole log, runs interleaved so a
/// noisy machine slows both alike; the ratio of medians is the window's cost.
fn page_rows(runs: usize) {
    let args: Vec<String> = std::env::args().collect();
    let size = args.iter().position(|a| a == "--page").and_then(|i| args.get(i + 1)?.parse().ok());
    let increments = page_cluster::page_increments(size.unwrap_or(100_000));
    // `-- --page-variant window|whole`: one of the two alone (for a profiler).
    let variant = args.iter().position(|a| a == "--page-variant").and_then(|i| args.get(i + 1)).cloned();
    let mut rates = [Vec::new(), Vec::new()];
    let mut events = [0, 0];
    for _ in 0..runs {
        for (i, window) in [true, false].into_iter().enumerate() {
            if variant.as_ref().is_some_and(|v| (v == "window") != window) {
                rates[i].push(f64::NAN);
                continue;
            }
            let t = Instant::now();
            let (rec, n) = page_cluster::run_page_cluster(increments, window);
            rates[i].push(increments as f64 / t.elapsed().as_secs_f64());
            events[i] = n;
            drop(rec);
        }
    }
    for (i, name) in ["page cluster, event window", "page cluster, whole log"].into_iter().enumerate() {
        let r = &mut rates[i];
        r.sort_by(f64::total_cmp);
        println!(
            "native {name:<26} increments/s min {:>9.0} median {:>9.0} max {:>9.0}  {increments} increments  {} events",
            r[0],
            r[r.len() / 2],
            r[r.len() - 1],
            events[i],
        );
    }
    let median = |r: &Vec<f64>| r[r.len() / 2];
    println!("window's cost: whole log / window (medians) = {:.2}x", median(&rates[1]) / median(&rates[0]));
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
