//! The randomized fault scenario shared by the fault sweep, the linearizability sweep and their
//! negative controls: a [`FuzzRun`] run to the end, then the end-of-run checks.
#![allow(dead_code)]

use caspaxos_playground::checker::{check_run, DEFAULT_STEP_BUDGET};
use caspaxos_playground::driver::{DriverConfig, Outcome};
use caspaxos_playground::ops::{Op, OpKind};
use caspaxos_playground::sim::fuzz::{FuzzOptions, FuzzRun, COUNTER_KEYS};
use caspaxos_playground::sim::loops::FuzzClient;
use caspaxos_playground::sim::{ClientLoop, OracleKind, Rng, Sim};
use std::collections::BTreeSet;
use std::fmt;

/// Which end-of-run check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caught {
    /// The scenario could not be built.
    Setup,
    Liveness,
    /// A counter lost an acknowledged increment, or applied one twice.
    Counter,
    Oracle(OracleKind),
}

/// A failed check: what caught it, and what it saw.
#[derive(Debug)]
pub struct Failure(pub Caught, pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.1)
    }
}

/// One randomized run: sizes, network, workload and faults all drawn from `seed`.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub seed: u64,
    pub driver: DriverConfig,
    /// Also wipe acceptors (outside the fault model: a negative control).
    pub wipes: bool,
}

impl Scenario {
    pub fn new(seed: u64) -> Self {
        Scenario { seed, driver: DriverConfig::default(), wipes: false }
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
pub fn run(s: &Scenario) -> Result<Summary, Failure> {
    let (sim, clients_done) = simulate(s).map_err(|e| Failure(Caught::Setup, e))?;
    verify(&sim, clients_done)
}

/// Runs the workload under faults until the faults stop and nothing is scheduled. Returns the
/// simulation and whether every client finished.
pub fn simulate(s: &Scenario) -> Result<(Sim, bool), String> {
    let options = FuzzOptions { driver: s.driver.clone(), wipes: s.wipes, ..FuzzOptions::new(s.seed) };
    let run = FuzzRun::new(&options).map_err(|e| e.to_string())?;
    run.sim.run_until_idle(5_000_000);
    let done = run.clients_done();
    Ok((run.sim, done))
}

/// The end-of-run checks: liveness, counters, and the step oracles' findings.
pub fn verify(sim: &Sim, clients_done: bool) -> Result<Summary, Failure> {
    let liveness = |text| Failure(Caught::Liveness, text);
    let counter = |text| Failure(Caught::Counter, text);
    if sim.pending() != 0 || !clients_done {
        return Err(liveness(format!("liveness: {} operations pending after the faults stopped", sim.pending())));
    }

    // No acknowledged increment lost, none applied twice.
    for key in COUNTER_KEYS {
        let value = match sim.block_on(sim.invoke(sim.first_proposer(), key, Op::Get)) {
            Ok(v) => v.as_i64().unwrap_or(0),
            Err(e) => return Err(liveness(format!("liveness: final get of {key} failed: {e}"))),
        };
        let h = sim.history();
        let incs = h.records().filter(|o| o.key.as_ref() == key && o.op == OpKind::Increment);
        let (mut ok, mut unknown, mut outputs) = (0i64, 0i64, BTreeSet::new());
        for o in incs {
            match o.outcome {
                Some(Outcome::Ok) => {
                    ok += 1;
                    let out = o.output.as_ref().and_then(|v| v.to_json().as_i64()).unwrap_or(-1);
                    if !outputs.insert(out) || out > value {
                        return Err(counter(format!(
                            "{key}: increment #{} answered {out}: duplicate or above the final {value}",
                            o.id
                        )));
                    }
                }
                Some(Outcome::Unknown) => unknown += 1,
                _ => {}
            }
        }
        if value < ok || value > ok + unknown {
            return Err(counter(format!("{key}: final value {value} outside [ok={ok}, ok+unknown={}]", ok + unknown)));
        }
    }
    if let Some(f) = sim.oracle_findings().first() {
        return Err(Failure(Caught::Oracle(f.kind), format!("oracle: {f}")));
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

/// A fault run with `extra_per_proposer` more fuzz clients on each proposer than the run's own
/// two, so that operations queue on one key (batches form) and several keys of one proposer are
/// busy at once (the pipeline bound binds); run to the end. The extra clients' random streams
/// are `seed * salt.0 + salt.1 + c`. Returns the simulation and whether every client finished.
pub fn crowded_fault_run(options: &FuzzOptions, extra_per_proposer: usize, salt: (u64, u64)) -> (Sim, bool) {
    let mut run = FuzzRun::new(options).expect("a valid fuzz run");
    let proposers = run.sim.config().proposers;
    for c in 0..proposers * extra_per_proposer {
        run.sim.start_loop(ClientLoop::Fuzz(FuzzClient {
            proposer: (c % proposers) as u8 + 1,
            rng: Rng::new(options.seed.wrapping_mul(salt.0).wrapping_add(salt.1 + c as u64)),
            owner: format!("x{c}"),
            seen_version: 0,
            left: options.ops_per_client,
            reading: None,
        }));
    }
    run.clients += proposers * extra_per_proposer;
    run.sim.run_until_idle(5_000_000);
    let done = run.clients_done();
    (run.sim, done)
}

/// The linearizability checker over the whole run, with its default step budget.
pub fn linearizable(sim: &Sim) -> Result<(), Failure> {
    match check_run(sim, DEFAULT_STEP_BUDGET).violation {
        Some(v) => Err(Failure(Caught::Setup, format!("{}: {}", v.kind.as_str(), v.explanation))),
        None => Ok(()),
    }
}

/// What caught a broken twin's lost write in a finished run, if anything did: an acknowledged
/// increment above the counter's final value, or a history no linearization fits. Any other
/// failed check panics (the twin must be caught as a lost write, not as something else).
pub fn lost_write(sim: &Sim, clients_done: bool, seed: u64, name: &str) -> Option<String> {
    let caught = match verify(sim, clients_done) {
        Err(Failure(Caught::Counter, why)) => Some(why),
        Err(e) => panic!("seed {seed}: {name} caught by another check than a lost write: {e}"),
        Ok(_) => check_run(sim, DEFAULT_STEP_BUDGET).violation.map(|v| v.explanation),
    };
    if let Some(why) = &caught {
        assert!(why.contains("above the final") || why.contains("fits no linearization"), "seed {seed}: {why}");
    }
    caught
}
