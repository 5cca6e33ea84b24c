//! `./build.sh bench` (native part): the increment workload of record, wall-clock timed.
//! Run: `cargo bench --bench throughput`.

use caspaxos_playground::sim::workload::IncrementWorkload;
use std::time::Instant;

fn main() {
    increments();
}

fn increments() {
    let runs = [
        ("no faults", IncrementWorkload::default()),
        ("5% loss", IncrementWorkload { drop_rate: 0.05, ..IncrementWorkload::default() }),
        ("no faults, oracles on", IncrementWorkload { check_invariants: true, ..IncrementWorkload::default() }),
        ("no faults, event log off", IncrementWorkload { log_events: false, ..IncrementWorkload::default() }),
    ];
    println!("workload: 3 acceptors, 3 proposers, 10 keys, 30 clients, 100000 increments, latency 1-10 ms");
    for (name, w) in runs {
        let _ = w.run(); // warm up allocator and caches
        let mut best = f64::MAX;
        let mut result = None;
        for _ in 0..3 {
            let t = Instant::now();
            let r = w.run();
            best = best.min(t.elapsed().as_secs_f64());
            result = Some(r);
        }
        let r = result.expect("ran");
        assert_eq!(r.clients_finished, w.clients, "every client finished");
        let ops = r.stats.ok + r.stats.failed + r.stats.unknown;
        println!(
            "native {name:<26} {:>10.0} increments/s  {:>11.0} messages/s  {:.2} messages/op  {} ok {} unknown {} failed  {} events  {:.3} s",
            ops as f64 / best,
            r.stats.messages as f64 / best,
            r.stats.messages_per_operation(),
            r.stats.ok,
            r.stats.unknown,
            r.stats.failed,
            r.events,
            best
        );
    }
}
