//! The benchmark workload, shared by the native benchmark and the wasm one so both run exactly
//! the same simulation.

use super::{ClientLoop, NetConfig, Rng, Sim, SimConfig, Stats};
use crate::ops::Op;

/// Parameters of the increment workload.
#[derive(Clone, Debug)]
pub struct IncrementWorkload {
    pub seed: u64,
    pub acceptors: usize,
    pub proposers: usize,
    pub keys: usize,
    /// Concurrent clients: client `c` increments key `c % keys` through the proposer that owns
    /// that key (`key % proposers`), so keys are not contended and the cache (§2.2.1) applies.
    pub clients: usize,
    /// Contention instead: client `c` goes through proposer `c % proposers`, so every key is
    /// changed by several proposers, whose ballots collide.
    pub shared_keys: bool,
    /// Increments in total, split evenly over the clients.
    pub increments: usize,
    pub drop_rate: f64,
    pub log_events: bool,
    pub check_invariants: bool,
}

impl Default for IncrementWorkload {
    /// The benchmark of record: 3 acceptors, 3 proposers, 10 keys, 30 clients, 100,000
    /// increments, latency 1–10 ms, no loss, event log on.
    fn default() -> Self {
        IncrementWorkload {
            seed: 1,
            acceptors: 3,
            proposers: 3,
            keys: 10,
            clients: 30,
            shared_keys: false,
            increments: 100_000,
            drop_rate: 0.0,
            log_events: true,
            check_invariants: false,
        }
    }
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct WorkloadResult {
    pub stats: Stats,
    pub events: usize,
    pub virtual_ms: u64,
    /// Increments that ended `ok` / that each client finished.
    pub clients_finished: usize,
}

impl IncrementWorkload {
    /// Runs it to completion.
    pub fn run(&self) -> WorkloadResult {
        self.run_with(|_| ())
    }

    /// Runs it to completion, then hands the simulation to `inspect` (e.g. to hash its log).
    pub fn run_with(&self, inspect: impl FnOnce(&Sim)) -> WorkloadResult {
        let sim = self.start();
        let result = Self::finish(&sim);
        inspect(&sim);
        result
    }

    /// The cluster with every client started (the first operations in flight).
    pub fn start(&self) -> Sim {
        let net = NetConfig {
            latency_ms_min: 1,
            latency_ms_max: 10,
            drop_request_rate: self.drop_rate,
            drop_reply_rate: self.drop_rate,
            duplicate_rate: 0.0,
            envelopes: false,
        };
        let sim = Sim::new(SimConfig {
            acceptors: self.acceptors,
            proposers: self.proposers,
            seed: self.seed,
            net,
            log_events: self.log_events,
            check_invariants: self.check_invariants,
            ..SimConfig::default()
        })
        .expect("a valid workload");
        // Every increment asked for is issued: the first `increments % clients` clients do one more.
        let clients = self.clients.max(1);
        for c in 0..self.clients {
            let left = self.increments / clients + usize::from(c < self.increments % clients);
            let key_index = c % self.keys.max(1);
            let via = if self.shared_keys { c } else { key_index };
            let proposer = (via % self.proposers) as u8 + 1;
            sim.start_loop(ClientLoop::Increments { proposer, key: format!("k{key_index}").into(), left });
        }
        sim
    }

    /// Runs a started workload to its end.
    pub fn finish(sim: &Sim) -> WorkloadResult {
        sim.run_until_idle(u64::MAX);
        let events = sim.trace().events.len();
        WorkloadResult { stats: sim.stats(), events, virtual_ms: sim.now(), clients_finished: sim.loops_done() }
    }
}

/// The action list behind the cross-target determinism check: the same calls through
/// [`Sim`] natively and through `Cluster` in wasm must give this event log.
pub fn determinism_reference() -> Sim {
    let net = NetConfig { drop_request_rate: 0.1, drop_reply_rate: 0.1, duplicate_rate: 0.1, ..NetConfig::default() };
    let sim = Sim::new(SimConfig { acceptors: 5, proposers: 3, seed: 2024, net, ..SimConfig::default() })
        .expect("a valid configuration");
    for i in 0..30u8 {
        let p = i % 3 + 1;
        drop(sim.client(p).increment(if i % 2 == 0 { "x" } else { "y" }));
        if i == 10 {
            sim.crash(super::Node::Acceptor(2)).expect("a2 exists");
        }
        if i == 20 {
            sim.restart(super::Node::Acceptor(2)).expect("a2 exists");
        }
        sim.run_for(7);
    }
    sim.run_until_idle(1_000_000);
    sim
}

/// The run whose event log hash pins read leases on drifting clocks (native and wasm must agree):
/// two proposers read and increment two keys, a lease of 150 ms, clocks up to 5% off.
pub fn leases_reference() -> Sim {
    let driver = crate::driver::DriverConfig { lease_ms: Some(150), clock_drift_ppm: 50_000, ..Default::default() };
    let sim = Sim::new(SimConfig { seed: 2024, driver, ..SimConfig::default() }).expect("a valid configuration");
    for i in 0..40u8 {
        let key = if i % 3 == 0 { "x" } else { "y" };
        let op = if i % 4 == 0 { Op::Increment } else { Op::Get };
        drop(sim.invoke(i % 2 + 1, key, op));
        sim.run_for(9);
    }
    sim.run_until_idle(1_000_000);
    sim
}

/// The shape of a checker benchmark history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckerWorkload {
    /// Operations in total, split evenly over the clients.
    pub operations: usize,
    /// Concurrent clients (1: a sequential history).
    pub clients: usize,
    pub keys: usize,
    pub seed: u64,
}

impl CheckerWorkload {
    /// The concurrent benchmark: 10 clients over 10 keys.
    pub fn concurrent(operations: usize) -> Self {
        CheckerWorkload { operations, clients: 10, keys: 10, seed: 1 }
    }

    /// The sequential benchmark: one client, one key.
    pub fn sequential(operations: usize) -> Self {
        CheckerWorkload { operations, clients: 1, keys: 1, seed: 1 }
    }

    /// Runs it: mixed operations (increments, gets, versioned reads) from the clients through 3
    /// proposers and 3 acceptors, with 2 % loss (so some operations retry or end `unknown`),
    /// the event log off (only the history matters). Returns the finished simulation.
    pub fn run(&self) -> Sim {
        self.run_recording(super::History::default())
    }

    /// [`CheckerWorkload::run`], recording into `history` (e.g. one that keeps every record).
    pub fn run_recording(&self, history: super::History) -> Sim {
        let net = NetConfig { drop_request_rate: 0.02, drop_reply_rate: 0.02, ..NetConfig::default() };
        let config = SimConfig {
            acceptors: 3,
            proposers: 3,
            seed: self.seed,
            net,
            log_events: false,
            check_invariants: false,
            ..SimConfig::default()
        };
        let sim = Sim::new(config).expect("a valid workload");
        sim.set_history(history);
        let (clients, keys) = (self.clients.max(1), self.keys.max(1) as u64);
        for c in 0..clients {
            let rng = Rng::new(self.seed.wrapping_mul(7919).wrapping_add(c as u64));
            let (proposer, left) = ((c % 3) as u8 + 1, self.operations / clients);
            sim.start_loop(ClientLoop::Mixed { proposer, keys, rng, left });
        }
        sim.run_until_idle(u64::MAX);
        sim
    }
}
