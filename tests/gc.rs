//! Deletion with garbage collection (paper §3.1) under faults: deletes and background
//! collections among the fuzz workload's client operations, with crashes, loss, duplication and
//! partitions. Every run must stay linearizable with every oracle quiet (a collected tombstone
//! never resurrects a value), and once the faults stop, collecting every deleted key must finish
//! and leave no tombstone behind. Then the negative control: the twin that erases without the
//! protocol is caught.
//!
//! More seeds: `CASPAXOS_SEEDS=5000 cargo test --release --test gc`; one: `CASPAXOS_SEED=17 ...`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use caspaxos_playground::checker::{check_run, ViolationKind, DEFAULT_STEP_BUDGET};
use caspaxos_playground::driver::{DriverConfig, Outcome};
use caspaxos_playground::sim::fuzz::{FuzzOptions, FuzzRun, DOC_KEYS};
use caspaxos_playground::sim::{EventKind, Sim, GC_OP};
use common::{seeds, verify};

/// The fuzz workload with a collection `1..=40` virtual ms after every delete.
fn run_with_gc(seed: u64, driver: DriverConfig) -> (Sim, bool) {
    let delay = 1 + seed % 40;
    let options = FuzzOptions { driver, gc_delay_ms: Some(delay), ..FuzzOptions::new(seed) };
    let run = FuzzRun::new(&options).expect("a valid configuration");
    run.sim.run_until_idle(5_000_000);
    let done = run.clients_done();
    (run.sim, done)
}

/// After the faults: collect every document key; each collection must end ok, and leave the
/// key either erased on every acceptor or not a tombstone (its newest accepted value is not
/// `null`: written again). Returns how many acceptors erased a register.
fn collect_the_rest(sim: &Sim, seed: u64) -> u64 {
    let mut erased = 0;
    for key in DOC_KEYS {
        let result = sim.block_on(sim.gc(key, 1).expect("valid arguments"));
        let result = result.unwrap_or_else(|e| panic!("seed {seed}: collecting {key} after the faults: {e}"));
        let n = result["erased"].as_u64().expect("erased is a count");
        let held: Vec<_> = (1..=sim.config().acceptors as u8)
            .filter_map(|a| sim.registers(a).into_iter().find(|(k, _)| &**k == key).map(|(_, s)| (a, s)))
            .collect();
        if n > 0 {
            assert!(held.is_empty(), "seed {seed}: {key} collected, yet still held: {held:?}");
        } else {
            let newest = held.iter().filter_map(|(_, s)| s.accepted.as_ref()).max_by_key(|(b, _)| *b);
            assert!(newest.is_none_or(|(_, v)| !v.value.is_null()), "seed {seed}: {key}'s tombstone stayed: {held:?}");
        }
        erased += n;
    }
    erased
}

#[test]
fn fault_sweep_with_deletes_and_collections() {
    let seeds = seeds(2000);
    let (mut collections, mut gave_up, mut retries, mut erased, mut final_erased) = (0, 0, 0, 0u64, 0);
    for &seed in &seeds {
        if std::env::var("CASPAXOS_TRACE_SEEDS").is_ok() {
            eprintln!("seed {seed}");
        }
        let (sim, done) = run_with_gc(seed, DriverConfig::default());
        if std::env::var("CASPAXOS_TRACE_SEEDS").is_ok() {
            eprintln!("ran, now {} ms, {} pending, {} gc running", sim.now(), sim.pending(), sim.gc_running());
        }
        let replay = format!("replay: CASPAXOS_SEED={seed} cargo test --release --test gc");
        verify(&sim, done).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{replay}"));
        assert_eq!(sim.gc_running(), 0, "seed {seed}: every collection ended once the faults stopped\n{replay}");
        final_erased += collect_the_rest(&sim, seed);
        if std::env::var("CASPAXOS_TRACE_SEEDS").is_ok() {
            eprintln!("collected");
        }
        let report = check_run(&sim, DEFAULT_STEP_BUDGET);
        if let Some(v) = &report.violation {
            panic!("seed {seed}: {}: {}\n{replay}", v.kind.as_str(), v.explanation);
        }
        let history = sim.history();
        for o in history.records().filter(|o| o.op == GC_OP) {
            collections += 1;
            match o.outcome {
                Some(Outcome::Ok) => {
                    erased += o.output.as_ref().and_then(|v| v.to_json()["erased"].as_u64()).unwrap_or(0)
                }
                _ => gave_up += 1,
            }
        }
        let trace = sim.trace();
        retries += (0..trace.events.len())
            .filter(|&i| matches!(&trace.events[i].kind, EventKind::Gc { step, .. } if step.as_str() == "retry"))
            .count();
    }
    println!(
        "{} seeds: {collections} collections ({gave_up} gave up under faults, {retries} steps retried), \
         {erased} registers erased during the runs, {final_erased} after the faults",
        seeds.len()
    );
    if seeds.len() >= 100 {
        assert!(erased > 0, "collections must erase registers during the runs");
        assert!(retries > 0, "the faults must block some collection steps");
    }
}

#[test]
fn erasing_without_the_protocol_is_caught() {
    // Negative control: the twin erases tombstones where it finds them. The checker must find a
    // resurrected (or otherwise impossible) value, and say which key.
    let broken = DriverConfig { break_erase_without_gc: true, ..DriverConfig::default() };
    for seed in 1..=500 {
        let (sim, _) = run_with_gc(seed, broken.clone());
        if let Some(v) = check_run(&sim, DEFAULT_STEP_BUDGET).violation {
            assert_eq!(v.kind, ViolationKind::Linearizability, "seed {seed}: {v:?}");
            assert!(DOC_KEYS.contains(&v.key.as_str()), "seed {seed}: a deleted key: {v:?}");
            println!("erase without gc: caught at seed {seed}: {}", v.explanation);
            return;
        }
    }
    panic!("erasing without the GC protocol was not caught in 500 seeds");
}

/// The reference run of collections for determinism: the same seed and actions through the JS
/// API in wasm (`tests/web.rs`, `gc_event_log_hash_matches_native`) give this log hash.
pub fn gc_reference_hash() -> String {
    use caspaxos_playground::ops::Op;
    use caspaxos_playground::sim::{Node, SimConfig};
    use serde_json::json;
    let sim = Sim::new(SimConfig { seed: 31, gc_delay_ms: Some(10), ..SimConfig::default() }).unwrap();
    for i in 0..12u8 {
        let (proposer, key) = (i % 2 + 1, format!("k{}", i % 3));
        drop(sim.invoke(proposer, &key, Op::Put(json!(i))));
        if i % 4 == 3 {
            drop(sim.invoke(proposer, &key, Op::Delete));
        }
        if i == 6 {
            sim.crash(Node::Acceptor(3)).unwrap();
        }
        if i == 9 {
            sim.restart(Node::Acceptor(3)).unwrap();
        }
        sim.run_for(7);
    }
    drop(sim.gc_deleted(1).unwrap());
    sim.run_until_idle(1_000_000);
    let trace = sim.trace();
    let gc_events = (0..trace.events.len()).filter(|&i| matches!(trace.events[i].kind, EventKind::Gc { .. })).count();
    assert!(gc_events > 10, "the reference run collects: {gc_events} gc events");
    format!("{:016x}", trace.hash())
}

#[test]
fn the_reference_run_of_collections_has_the_golden_hash() {
    let golden = include_str!("golden/gc_event_log_hash.txt").trim();
    assert_eq!(
        gc_reference_hash(),
        golden,
        "if collection changed on purpose, update tests/golden/gc_event_log_hash.txt"
    );
}
