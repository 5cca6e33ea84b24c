//! `./build.sh bench` (native part): what batching (`batch: { max }`) and pipelining
//! (`pipeline`, `envelopes`: [`pipelining`]) do, off vs on, side by side in one run. Everything is virtual, so the numbers are exact per seed; each line gives
//! min / median / max over the seeds.
//! Run: `cargo bench --bench optim` (`-- --quick` for fewer seeds).
//!
//! Workloads:
//! - "10 x 100": the seed's example as `runWorkers` runs it — 10 workers, 100 increments each,
//!   on one key, worker w through proposer w mod 2 + 1 (3 acceptors, 2 proposers, latency 5-15 ms).
//! - "hot key, 1 proposer": 30 clients increment one key through one proposer, 3,000 increments
//!   (3 acceptors, latency 1-10 ms): all queueing, no competing proposer.

#[path = "optim_leases.rs"]
mod optim_leases;
mod pipelining;

use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::sim::loops::ClientLoop;
use caspaxos_playground::sim::WorkersPlan;
use caspaxos_playground::sim::{NetConfig, Sim, SimConfig};

const BATCH_MAX: usize = 8;

/// One run's measures: messages per ended increment, and its latency percentiles (virtual ms).
struct Measure {
    messages_per_op: f64,
    p50: u64,
    p99: u64,
    virtual_ms: u64,
    batched: u64,
}

fn measure(sim: &Sim) -> Measure {
    sim.run_until_idle(u64::MAX);
    let stats = sim.stats();
    let metrics = sim.metrics();
    let increments = metrics.latencies("increment").expect("increments ended");
    Measure {
        messages_per_op: stats.messages_per_operation(),
        p50: increments.quantile(0.5).expect("some"),
        p99: increments.quantile(0.99).expect("some"),
        virtual_ms: sim.now(),
        batched: sim.batched(),
    }
}

fn config(seed: u64, batch_max: usize, proposers: usize, latency: (u64, u64)) -> SimConfig {
    SimConfig {
        proposers,
        seed,
        net: NetConfig { latency_ms_min: latency.0, latency_ms_max: latency.1, ..NetConfig::default() },
        driver: DriverConfig { batch_max, ..DriverConfig::default() },
        log_events: false,
        check_invariants: false,
        ..SimConfig::default()
    }
}

fn ten_by_hundred(seed: u64, batch_max: usize) -> Measure {
    let sim = Sim::new(config(seed, batch_max, 2, (5, 15))).expect("valid");
    sim.run_workers(&WorkersPlan { workers: 10, increments: 100, key: "workers".into() }).expect("valid");
    let m = measure(&sim);
    let run = &sim.workers_runs()[0];
    assert_eq!((run.done, run.failed), (1000, 0), "every increment ended ok");
    m
}

fn hot_key(seed: u64, batch_max: usize) -> Measure {
    let sim = Sim::new(config(seed, batch_max, 1, (1, 10))).expect("valid");
    for _ in 0..30 {
        sim.start_loop(ClientLoop::Increments { proposer: 1, key: "hot".into(), left: 100 });
    }
    let m = measure(&sim);
    assert_eq!(sim.stats().ok, 3000, "every increment ended ok");
    m
}

/// `min / median / max` of `values`.
fn spread<T: Copy + PartialOrd + std::fmt::Display>(values: &mut [T], precision: usize) -> String {
    values.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    let (lo, mid, hi) = (values[0], values[values.len() / 2], values[values.len() - 1]);
    format!("{lo:.precision$} / {mid:.precision$} / {hi:.precision$}")
}

fn report(name: &str, seeds: &[u64], run: impl Fn(u64, usize) -> Measure) {
    for batch_max in [1, BATCH_MAX] {
        let ms: Vec<Measure> = seeds.iter().map(|&s| run(s, batch_max)).collect();
        let label = if batch_max == 1 { "off".to_owned() } else { format!("max {batch_max}") };
        println!(
            "{name:<22} batch {label:<6} messages/op {}  p50 ms {}  p99 ms {}  run ms {}  batched {}",
            spread(&mut ms.iter().map(|m| m.messages_per_op).collect::<Vec<_>>(), 2),
            spread(&mut ms.iter().map(|m| m.p50).collect::<Vec<_>>(), 0),
            spread(&mut ms.iter().map(|m| m.p99).collect::<Vec<_>>(), 0),
            spread(&mut ms.iter().map(|m| m.virtual_ms).collect::<Vec<_>>(), 0),
            spread(&mut ms.iter().map(|m| m.batched).collect::<Vec<_>>(), 0),
        );
    }
}

fn main() {
    let n = if std::env::args().any(|a| a == "--quick") { 3 } else { 7 };
    let seeds: Vec<u64> = (1..=n).collect();
    println!("batching, off vs on; min / median / max over {n} seeds; latency = virtual ms per increment");
    report("10 x 100 (workers)", &seeds, ten_by_hundred);
    report("hot key, 1 proposer", &seeds, hot_key);
    optim_leases::report(&seeds);
    pipelining::report(&seeds);
}
