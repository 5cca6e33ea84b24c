//! The read-lease rows of `cargo bench --bench optim`: messages per read and read latency with
//! leases off vs on, side by side in one run (min / median / max over the seeds).
//!
//! Workloads (3 acceptors, 2 proposers, latency 5-15 ms, clocks up to 1% off):
//! - "reads": p1 reads one key every 50 ms, 1,000 reads, nobody writes.
//! - "reads + writes": the same reads, and p2 puts the key every 500 ms (one write per ten
//!   reads): with leases on, its writes are refused until p1's lease ends.

use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::ops::Op;
use caspaxos_playground::sim::{Sim, SimConfig};
use serde_json::Value as Json;

const LEASE_MS: u64 = 200;
const DRIFT_PPM: u32 = 10_000;
const READS: u64 = 1_000;
const READ_EVERY_MS: u64 = 50;

struct Measure {
    messages_per_op: f64,
    read_p50: u64,
    read_p99: u64,
    write_p50: Option<u64>,
    write_p99: Option<u64>,
    lease_reads: u64,
}

fn run(seed: u64, leases: bool, write_every: Option<u64>) -> Measure {
    let driver = DriverConfig {
        lease_ms: leases.then_some(LEASE_MS),
        clock_drift_ppm: DRIFT_PPM,
        max_attempts: 100,
        ..DriverConfig::default()
    };
    let config = SimConfig { seed, driver, log_events: false, check_invariants: false, ..SimConfig::default() };
    let sim = Sim::new(config).expect("valid");
    for i in 0..READS {
        drop(sim.invoke(1, "doc", Op::Get));
        if write_every.is_some_and(|every| i % every == 0) {
            drop(sim.invoke(2, "doc", Op::Put(Json::from(i))));
        }
        sim.run_for(READ_EVERY_MS);
    }
    sim.run_until_idle(u64::MAX);
    let stats = sim.stats();
    assert_eq!(stats.ok, stats.operations, "every operation ended ok");
    let metrics = sim.metrics();
    let reads = metrics.latencies("get").expect("reads ended");
    let writes = metrics.latencies("put");
    Measure {
        messages_per_op: stats.messages_per_operation(),
        read_p50: reads.quantile(0.5).expect("some"),
        read_p99: reads.quantile(0.99).expect("some"),
        write_p50: writes.and_then(|w| w.quantile(0.5)),
        write_p99: writes.and_then(|w| w.quantile(0.99)),
        lease_reads: sim.lease_reads(),
    }
}

/// `min / median / max` of `values`.
fn spread<T: Copy + PartialOrd + std::fmt::Display>(mut values: Vec<T>, precision: usize) -> String {
    values.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    let (lo, mid, hi) = (values[0], values[values.len() / 2], values[values.len() - 1]);
    format!("{lo:.precision$} / {mid:.precision$} / {hi:.precision$}")
}

fn report_one(name: &str, seeds: &[u64], write_every: Option<u64>) {
    for leases in [false, true] {
        let ms: Vec<Measure> = seeds.iter().map(|&s| run(s, leases, write_every)).collect();
        let label = if leases { format!("{LEASE_MS} ms") } else { "off".to_owned() };
        let mut line = format!(
            "{name:<22} lease {label:<6} messages/op {}  read p50 ms {}  read p99 ms {}  lease reads {}",
            spread(ms.iter().map(|m| m.messages_per_op).collect(), 2),
            spread(ms.iter().map(|m| m.read_p50).collect(), 0),
            spread(ms.iter().map(|m| m.read_p99).collect(), 0),
            spread(ms.iter().map(|m| m.lease_reads).collect(), 0),
        );
        if write_every.is_some() {
            let p50 = spread(ms.iter().map(|m| m.write_p50.expect("writes ended")).collect(), 0);
            let p99 = spread(ms.iter().map(|m| m.write_p99.expect("writes ended")).collect(), 0);
            line.push_str(&format!("  write p50 ms {p50}  write p99 ms {p99}"));
        }
        println!("{line}");
    }
}

pub fn report(seeds: &[u64]) {
    println!(
        "read leases, off vs on (lease {LEASE_MS} ms, drift {DRIFT_PPM} ppm); min / median / max over {} seeds",
        seeds.len()
    );
    report_one("reads (1 reader)", seeds, None);
    report_one("reads + writes (10:1)", seeds, Some(10));
}
