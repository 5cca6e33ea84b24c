//! Pipelining's rows of `cargo bench --bench optim` (issue 14 §2): messages and deliveries per
//! increment with the `pipeline` bound and `envelopes` off and on, side by side.
//!
//! Workload "10 x 100, many keys": 10 workers, 100 increments each, worker w on its own key
//! `w{w}` through proposer w mod 2 + 1 (3 acceptors, 2 proposers, latency 5-15 ms): each
//! proposer has five keys busy at once, so its messages to one acceptor can share envelopes.

use super::spread;
use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::sim::loops::ClientLoop;
use caspaxos_playground::sim::{NetConfig, Sim, SimConfig};

const WORKERS: usize = 10;
const INCREMENTS: usize = 100;

/// The switches of one row.
struct Switches {
    label: &'static str,
    pipeline: Option<usize>,
    envelopes: bool,
}

const ROWS: [Switches; 4] = [
    Switches { label: "off", pipeline: None, envelopes: false },
    Switches { label: "pipeline 2", pipeline: Some(2), envelopes: false },
    Switches { label: "envelopes", pipeline: None, envelopes: true },
    Switches { label: "pipeline 2 + envelopes", pipeline: Some(2), envelopes: true },
];

/// One run: messages and deliveries per increment, latency p50 (virtual ms), run length.
struct Measure {
    messages_per_op: f64,
    deliveries_per_op: f64,
    p50: u64,
    virtual_ms: u64,
}

fn many_keys(seed: u64, s: &Switches) -> Measure {
    let net = NetConfig { latency_ms_min: 5, latency_ms_max: 15, envelopes: s.envelopes, ..NetConfig::default() };
    let sim = Sim::new(SimConfig {
        proposers: 2,
        seed,
        net,
        driver: DriverConfig { pipeline: s.pipeline, ..DriverConfig::default() },
        log_events: false,
        check_invariants: false,
        ..SimConfig::default()
    })
    .expect("valid");
    for w in 0..WORKERS {
        let proposer = (w % 2) as u8 + 1;
        sim.start_loop(ClientLoop::Increments { proposer, key: format!("w{w}").into(), left: INCREMENTS });
    }
    sim.run_until_idle(u64::MAX);
    let stats = sim.stats();
    let ops = (WORKERS * INCREMENTS) as u64;
    assert_eq!(stats.ok, ops, "every increment ended ok");
    let p50 = sim.metrics().latencies("increment").and_then(|l| l.quantile(0.5)).expect("some");
    Measure {
        messages_per_op: stats.messages as f64 / ops as f64,
        deliveries_per_op: stats.deliveries as f64 / ops as f64,
        p50,
        virtual_ms: sim.now(),
    }
}

pub fn report(seeds: &[u64]) {
    println!("pipelining, off vs on; 10 x 100 on 10 keys; min / median / max over {} seeds", seeds.len());
    for row in &ROWS {
        let ms: Vec<Measure> = seeds.iter().map(|&s| many_keys(s, row)).collect();
        println!(
            "{:<24} messages/op {}  deliveries/op {}  p50 ms {}  run ms {}",
            row.label,
            spread(&mut ms.iter().map(|m| m.messages_per_op).collect::<Vec<_>>(), 2),
            spread(&mut ms.iter().map(|m| m.deliveries_per_op).collect::<Vec<_>>(), 2),
            spread(&mut ms.iter().map(|m| m.p50).collect::<Vec<_>>(), 0),
            spread(&mut ms.iter().map(|m| m.virtual_ms).collect::<Vec<_>>(), 0),
        );
    }
}
