//! Seeded fault sweep: loss of requests and replies, duplication, reordering, crashes of a
//! minority of acceptors and of proposers, partitions that heal — every safety oracle checked
//! after every step, liveness once the faults stop. Then the negative controls: deliberately
//! broken variants the oracles must catch.
//!
//! Replay one seed: `CASPAXOS_SEED=17 cargo test --test faults`. More seeds:
//! `CASPAXOS_SEEDS=5000 cargo test --release --test faults`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::sim::OracleKind;
use common::{run, seeds, Caught, Failure, Scenario};

#[test]
fn fault_sweep_keeps_every_safety_property() {
    let seeds = seeds(500);
    let (mut ok, mut unknown, mut failed, mut events) = (0, 0, 0, 0);
    for &seed in &seeds {
        match run(&Scenario::new(seed)) {
            Ok(s) => {
                ok += s.ok;
                unknown += s.unknown;
                failed += s.failed;
                events += s.events;
            }
            Err(e) => panic!("seed {seed}: {e}\nreplay: CASPAXOS_SEED={seed} cargo test --test faults fault_sweep"),
        }
    }
    println!("{} seeds: {ok} ok, {failed} failed, {unknown} unknown operations; {events} events", seeds.len());
    assert!(ok > unknown + failed, "the sweep should mostly succeed: {ok} ok, {failed} failed, {unknown} unknown");
    assert!(unknown > 0 && failed > 0, "the faults should bite: {failed} failed, {unknown} unknown");
}

/// Sweeps seeds of a broken variant until an oracle objects; returns the seed and the finding.
fn first_caught(scenario: impl Fn(u64) -> Scenario, max_seeds: u64) -> Option<(u64, Failure)> {
    (1..=max_seeds).find_map(|seed| run(&scenario(seed)).err().map(|e| (seed, e)))
}

#[test]
fn negative_control_quorum_of_one_is_caught() {
    let broken = DriverConfig { break_quorum: Some(1), ..DriverConfig::default() };
    let found = first_caught(|seed| Scenario { driver: broken.clone(), ..Scenario::new(seed) }, 200);
    let (seed, finding) = found.expect("a quorum of 1 must lose an acknowledged write within 200 seeds");
    assert_eq!(finding.0, Caught::Counter, "seed {seed}: {finding}");
    println!("quorum 1: caught at seed {seed}: {finding}");
}

#[test]
fn negative_control_wiping_an_acceptor_is_caught() {
    let found = first_caught(|seed| Scenario { wipes: true, ..Scenario::new(seed) }, 200);
    let (seed, finding) = found.expect("wiping acceptors must be caught within 200 seeds");
    assert_eq!(finding.0, Caught::Oracle(OracleKind::PromiseRegressed), "seed {seed}: {finding}");
    println!("wipe: caught at seed {seed}: {finding}");
}

#[test]
fn negative_control_reusing_a_ballot_after_a_failed_accept_is_caught() {
    let broken = DriverConfig { break_reuse_ballot: true, ..DriverConfig::default() };
    let found = first_caught(|seed| Scenario { driver: broken.clone(), ..Scenario::new(seed) }, 300);
    let (seed, finding) = found.expect("reusing a ballot must put two values under one ballot within 300 seeds");
    assert_eq!(finding.0, Caught::Oracle(OracleKind::OneValuePerBallot), "seed {seed}: {finding}");
    assert!(finding.1.contains("two values accepted under ballot"), "seed {seed}: {finding}");
    println!("reuse ballot: caught at seed {seed}: {finding}");
}
