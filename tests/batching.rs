//! Batching (`batch: { max }`) under the fault sweep: every safety property and linearizability
//! hold with batches on, and exactly once holds for every operation of a batch. The fuzz
//! workload gets four clients per proposer (instead of two) so that operations queue on one key
//! and batches form; the sweep asserts they did.
//!
//! Replay one seed: `CASPAXOS_SEED=17 cargo test --release --test batching`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::sim::fuzz::FuzzOptions;
use caspaxos_playground::sim::Sim;
use common::{crowded_fault_run, linearizable, seeds, verify, Caught, Failure};

/// Extra fuzz clients per proposer, on top of the run's own two.
const EXTRA_CLIENTS_PER_PROPOSER: usize = 2;
const BATCH_MAX: usize = 4;

/// A fault run with batching on and more clients; run to the end. Returns the simulation and
/// whether every client finished.
fn batched_run(seed: u64, driver: DriverConfig) -> (Sim, bool) {
    crowded_fault_run(&FuzzOptions { driver, ..FuzzOptions::new(seed) }, EXTRA_CLIENTS_PER_PROPOSER, (131, 1_000))
}

/// The end-of-run checks, then the linearizability checker.
fn check(sim: &Sim, done: bool) -> Result<(), Failure> {
    verify(sim, done)?;
    linearizable(sim)
}

fn batching(max: usize) -> DriverConfig {
    DriverConfig { batch_max: max, ..DriverConfig::default() }
}

#[test]
fn fault_sweep_with_batching_keeps_every_safety_property_and_linearizability() {
    let seeds = seeds(1000);
    let (mut batched, mut ops) = (0, 0);
    for &seed in &seeds {
        let (sim, done) = batched_run(seed, batching(BATCH_MAX));
        if let Err(e) = check(&sim, done) {
            panic!("seed {seed}: {e}\nreplay: CASPAXOS_SEED={seed} cargo test --release --test batching");
        }
        batched += sim.batched();
        ops += sim.history().len();
    }
    println!("{} seeds with batch max {BATCH_MAX}: {ops} operations, {batched} rode along in a batch", seeds.len());
    if seeds.len() >= 100 {
        assert!(batched * 40 >= ops, "batches should form: {batched} of {ops} operations rode along");
    }
}

#[test]
fn without_the_switch_nothing_is_batched() {
    let (sim, done) = batched_run(7, DriverConfig::default());
    check(&sim, done).unwrap();
    assert_eq!(sim.batched(), 0);
}

#[test]
fn negative_control_a_batch_that_ignores_its_marker_applies_changes_twice_and_is_caught() {
    // Blind retry with batches: a retry after an uncertain accept re-applies the whole batch.
    let driver = DriverConfig { break_blind_retry: true, ..batching(BATCH_MAX) };
    let found = (1..=300).find_map(|seed| {
        let (sim, done) = batched_run(seed, driver.clone());
        check(&sim, done).err().map(|e| (seed, e, sim.batched()))
    });
    let (seed, Failure(caught, text), batched) = found.expect("blind retries of batches are caught within 300 seeds");
    println!("seed {seed} ({batched} batched): {caught:?}: {text}");
    assert!(
        caught == Caught::Counter || text.starts_with("linearizability"),
        "caught as a lost or doubled change, got {caught:?}: {text}"
    );
}

#[test]
fn a_batched_session_round_trips_through_its_document_and_its_link_and_replays_the_same() {
    use caspaxos_playground::session::{decode_link, encode_link, from_json, Recording, Start, UserAction};
    use caspaxos_playground::sim::SimConfig;
    let config = SimConfig { driver: batching(BATCH_MAX), ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).unwrap();
    for _ in 0..6 {
        let increment = UserAction::Invoke {
            proposer: 1,
            key: "hot".into(),
            name: "increment".into(),
            input: serde_json::Value::Null,
        };
        rec.act(increment).unwrap();
    }
    rec.run_until_idle(100_000).unwrap();
    assert_eq!(rec.sim().batched(), 3, "the first runs alone, three ride with the second, the sixth runs alone");
    let session = rec.session();
    let doc = session.to_json();
    assert_eq!(doc["start"]["batch"]["max"], BATCH_MAX);
    assert_eq!(from_json(&doc).unwrap(), session);
    assert_eq!(decode_link(&encode_link(&session)).unwrap(), session);
    let replay = session.replay().unwrap();
    replay.run_until_idle(100_000).unwrap();
    assert_eq!(replay.sim().stats(), rec.sim().stats());
    assert_eq!(replay.sim().batched(), rec.sim().batched());
    // Off, the document has no `batch` (documents made before batching are unchanged).
    let plain = Recording::new(Start::Config(SimConfig::default())).unwrap().session();
    assert!(plain.to_json()["start"].get("batch").is_none());
}
