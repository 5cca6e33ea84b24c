//! A randomized fault scenario shared by the fault sweep and its negative controls.
#![allow(dead_code)]

use caspaxos_playground::driver::{DriverConfig, Outcome};
use caspaxos_playground::ops::{Op, OpError};
use caspaxos_playground::sim::{NetConfig, Node, Rng, Sim, SimConfig};
use serde_json::json;
use std::collections::BTreeSet;

pub const COUNTER_KEYS: [&str; 2] = ["c0", "c1"];
pub const DOC_KEYS: [&str; 2] = ["k0", "k1"];

/// One randomized run: sizes, network, workload and faults all drawn from `seed`.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub seed: u64,
    pub driver: DriverConfig,
    /// Also wipe acceptors (outside the fault model: a negative control).
    pub wipes: bool,
    pub ops_per_client: usize,
}

impl Scenario {
    pub fn new(seed: u64) -> Self {
        Scenario { seed, driver: DriverConfig::default(), wipes: false, ops_per_client: 12 }
    }
}

/// What a passing run saw.
#[derive(Debug, Default)]
pub struct Summary {
    pub ok: usize,
    pub failed: usize,
    pub unknown: usize,
    pub events: usize,
}

/// Runs the scenario; `Err` names the first safety or liveness violation.
pub fn run(s: &Scenario) -> Result<Summary, String> {
    let (sim, clients_done) = simulate(s)?;
    verify(&sim, clients_done)
}

/// Builds the cluster, runs the workload under faults, then stops the faults and runs until idle.
/// Returns the simulation and whether every client finished.
pub fn simulate(s: &Scenario) -> Result<(Sim, bool), String> {
    let mut rng = Rng::new(s.seed ^ 0x5eed_5eed);
    let acceptors = [3usize, 3, 5][rng.below(3) as usize];
    let proposers = 2 + rng.below(2) as usize;
    let pct = |rng: &mut Rng, max: u64| rng.below(max + 1) as f64 / 100.0;
    let net = NetConfig {
        latency_ms_min: 1,
        latency_ms_max: 2 + rng.below(15),
        drop_request_rate: pct(&mut rng, 30),
        drop_reply_rate: pct(&mut rng, 30),
        duplicate_rate: pct(&mut rng, 20),
    };
    let sim = Sim::new(SimConfig {
        acceptors,
        proposers,
        seed: s.seed,
        net,
        driver: s.driver.clone(),
        log_events: true,
        check_invariants: true,
    })
    .map_err(|e| e.to_string())?;

    // Two clients per proposer, each issuing a random sequence of operations one after another.
    let done = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let clients = proposers * 2;
    for c in 0..clients {
        let client = sim.client((c % proposers) as u8 + 1);
        let mut rng = Rng::new(s.seed.wrapping_mul(31).wrapping_add(c as u64));
        let (n, done) = (s.ops_per_client, done.clone());
        sim.spawn(async move {
            for _ in 0..n {
                let doc = DOC_KEYS[rng.below(2) as usize];
                let _ = match rng.below(10) {
                    0..=4 => client.increment(COUNTER_KEYS[rng.below(2) as usize]).await.map(|_| ()),
                    5 => client.put(doc, json!(rng.below(100))).await.map(|_| ()),
                    6 => match client.read(doc).await {
                        Ok(v) => client.write(doc, v.version, json!({ "from": c })).await.map(|_| ()),
                        Err(e) => Err(e),
                    },
                    7 => client.get(doc).await.map(|_| ()),
                    8 => client
                        .change(doc, |x| match x {
                            serde_json::Value::Array(a) if a.len() > 3 => Err(OpError::rejected("full")),
                            serde_json::Value::Array(a) => Ok(json!([a.len(), a])),
                            _ => Ok(json!([])),
                        })
                        .await
                        .map(|_| ()),
                    _ => client.read(doc).await.map(|_| ()),
                };
            }
            done.set(done.get() + 1);
        });
    }

    // Faults: at most a minority of acceptors down at once, proposer crashes, partitions, loss.
    let minority = (acceptors - 1) / 2;
    for _ in 0..10 {
        sim.run_for(5 + rng.below(60));
        let a = 1 + rng.below(acceptors as u64) as u8;
        let p = 1 + rng.below(proposers as u64) as u8;
        match rng.below(if s.wipes { 9 } else { 8 }) {
            0 | 1 => {
                let down = (1..=acceptors as u8).filter(|&i| !sim.is_up(Node::Acceptor(i))).count();
                if down < minority {
                    sim.crash(Node::Acceptor(a)).unwrap();
                }
            }
            2 => sim.restart(Node::Acceptor(a)).unwrap(),
            3 => sim.crash(Node::Proposer(p)).unwrap(),
            4 => sim.restart(Node::Proposer(p)).unwrap(),
            5 => {
                let side: Vec<Node> = (1..=acceptors as u8)
                    .map(Node::Acceptor)
                    .chain((1..=proposers as u8).map(Node::Proposer))
                    .filter(|_| rng.below(2) == 0)
                    .collect();
                sim.partition(vec![side]).unwrap();
            }
            6 => sim.heal(),
            7 => {
                let r = pct(&mut rng, 30);
                sim.set_drop_rates(r, pct(&mut rng, 30)).unwrap();
            }
            _ => sim.wipe(a).unwrap(),
        }
    }

    // Faults stop: everything pending must complete.
    sim.heal();
    sim.set_drop_rate(0.0).unwrap();
    sim.set_duplicate_rate(0.0).unwrap();
    for i in 1..=acceptors as u8 {
        sim.restart(Node::Acceptor(i)).unwrap();
    }
    for i in 1..=proposers as u8 {
        sim.restart(Node::Proposer(i)).unwrap();
    }
    sim.run_until_idle(5_000_000);
    Ok((sim, done.get() == clients))
}

/// The end-of-run checks: liveness, counters, and the step oracles' findings.
pub fn verify(sim: &Sim, clients_done: bool) -> Result<Summary, String> {
    if sim.pending() != 0 || !clients_done {
        return Err(format!("liveness: {} operations pending after the faults stopped", sim.pending()));
    }

    // No acknowledged increment lost, none applied twice.
    for key in COUNTER_KEYS {
        let value = match sim.block_on(sim.invoke(1, key, Op::Get)) {
            Ok(v) => v.as_i64().unwrap_or(0),
            Err(e) => return Err(format!("liveness: final get of {key} failed: {e}")),
        };
        let h = sim.history();
        let incs = h.ops.iter().filter(|o| o.key.as_ref() == key && o.op == "increment");
        let (mut ok, mut unknown, mut outputs) = (0i64, 0i64, BTreeSet::new());
        for o in incs {
            match o.outcome {
                Some(Outcome::Ok) => {
                    ok += 1;
                    let out = o.output.as_ref().and_then(|v| v.as_i64()).unwrap_or(-1);
                    if !outputs.insert(out) || out > value {
                        return Err(format!(
                            "{key}: increment #{} answered {out}: duplicate or above the final {value}",
                            o.id
                        ));
                    }
                }
                Some(Outcome::Unknown) => unknown += 1,
                _ => {}
            }
        }
        if value < ok || value > ok + unknown {
            return Err(format!("{key}: final value {value} outside [ok={ok}, ok+unknown={}]", ok + unknown));
        }
    }
    if let Some(v) = sim.violations().first() {
        return Err(format!("oracle: {v}"));
    }
    let events = sim.trace().events.len();
    let h = sim.history();
    let summary = Summary {
        ok: h.count(Outcome::Ok),
        failed: h.count(Outcome::Failed),
        unknown: h.count(Outcome::Unknown),
        events,
    };
    Ok(summary)
}

/// Seeds to sweep: `CASPAXOS_SEEDS` (default `default`), or just `CASPAXOS_SEED` to replay one.
pub fn seeds(default: u64) -> Vec<u64> {
    if let Ok(one) = std::env::var("CASPAXOS_SEED") {
        return vec![one.parse().expect("CASPAXOS_SEED must be an integer")];
    }
    let n = std::env::var("CASPAXOS_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    (1..=n).collect()
}
