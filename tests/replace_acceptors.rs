//! Replacing every acceptor one by one (paper §2.3.2): add a4, remove a1, add a5, remove a2,
//! add a6, remove a3 — at the end the cluster shares no acceptor with the one it started as, and
//! every acknowledged write must still be there. First the scripted run the page's scenario
//! "Replace every acceptor one by one" draws (a key written to exactly F+1 acceptors survives, and
//! each break-it twin loses it on the same script), then a sweep of the replacement under the
//! fuzz workload and its faults, with both twins caught on that shape.
//!
//! More seeds: `CASPAXOS_SEEDS=2000 cargo test --release --test replace_acceptors`; one:
//! `CASPAXOS_SEED=17 ...`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use caspaxos_playground::checker::{check_run, ViolationKind, DEFAULT_STEP_BUDGET};
use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::ops::{ErrorKind, OpError};
use caspaxos_playground::sim::fuzz::{FuzzOptions, FuzzRun};
use caspaxos_playground::sim::{ClientLoop, Node, Sim, SimConfig};
use common::{lost_write, seeds, verify};
use serde_json::{json, Value as Json};

/// The replacement of a1..a3, in order.
#[derive(Clone, Copy, Debug)]
enum Change {
    Add,
    Remove(u8),
}

const REPLACE_EVERY_ACCEPTOR: [Change; 6] =
    [Change::Add, Change::Remove(1), Change::Add, Change::Remove(2), Change::Add, Change::Remove(3)];

fn start(sim: &Sim, change: Change) -> Result<caspaxos_playground::client::OpHandle, OpError> {
    match change {
        Change::Add => sim.add_acceptor(),
        Change::Remove(a) => sim.remove_acceptor(a),
    }
}

/// What acceptor `a` holds for `key`.
fn holds(sim: &Sim, a: u8, key: &str) -> Option<Json> {
    let slot = sim.registers(a).into_iter().find(|(k, _)| &**k == key)?.1;
    slot.accepted.map(|(_, v)| v.value.clone())
}

/// The script: `a` written everywhere, `k` written with a3 cut off (so it sits on exactly F+1 = 2
/// acceptors, a1 and a2), an increment loop on `c` through p2 running all along; then every
/// acceptor is replaced. Returns the simulation once every change finished.
fn replace_after_a_write_to_f_plus_1(driver: DriverConfig) -> Sim {
    let sim = Sim::new(SimConfig { seed: 3, proposers: 2, driver, ..SimConfig::default() }).unwrap();
    sim.block_on(sim.client(1).put("a", json!("everywhere"))).unwrap();
    sim.isolate(Node::Acceptor(3)).unwrap();
    sim.block_on(sim.client(1).put("k", json!(42))).unwrap();
    sim.run_for(100);
    sim.heal();
    assert_eq!(
        (holds(&sim, 1, "k"), holds(&sim, 2, "k"), holds(&sim, 3, "k")),
        (Some(json!(42)), Some(json!(42)), None)
    );
    sim.start_loop(ClientLoop::Increments { proposer: 2, key: "c".into(), left: 60 });
    for change in REPLACE_EVERY_ACCEPTOR {
        sim.block_on(start(&sim, change).unwrap()).unwrap();
    }
    sim
}

#[test]
fn replacing_every_acceptor_keeps_a_write_that_sat_on_f_plus_1() {
    let sim = replace_after_a_write_to_f_plus_1(DriverConfig::default());
    assert_eq!(sim.acceptor_ids(), vec![4, 5, 6], "no acceptor of the start is left");
    assert!(sim.pending() > 0, "the increments ran among the changes");
    sim.run_until_idle(1_000_000);
    assert_eq!(sim.block_on(sim.client(1).get("k")).unwrap(), json!(42));
    assert_eq!(sim.block_on(sim.client(1).get("c")).unwrap(), json!(60));
    let membership = caspaxos_playground::membership::view(&sim);
    assert_eq!(membership["prepare"], json!({ "nodes": ["a4", "a5", "a6"], "quorum": 2 }));
    let report = check_run(&sim, DEFAULT_STEP_BUDGET);
    assert!(report.violation.is_none() && report.oracles.is_empty(), "{report:?}");
}

/// Negative controls on the same script: each twin loses `k` (nothing re-wrote it onto the new
/// acceptors), and the checker names the lost write.
fn loses_the_write(driver: DriverConfig) {
    let sim = replace_after_a_write_to_f_plus_1(driver);
    sim.run_until_idle(1_000_000);
    assert!((4..=6).all(|a| holds(&sim, a, "k").is_none()), "k never reached a4..a6");
    assert_eq!(sim.block_on(sim.client(1).get("k")).unwrap(), json!(null), "the acknowledged 42 is gone");
    let v = check_run(&sim, DEFAULT_STEP_BUDGET).violation.expect("the checker catches the lost write");
    assert_eq!((v.kind, v.key.as_str()), (ViolationKind::Linearizability, "k"), "{v:?}");
    assert!(v.explanation.contains("put k 42") && v.explanation.contains("get k → null"), "{}", v.explanation);
}

#[test]
fn skipping_the_rescan_loses_the_write_when_every_acceptor_is_replaced() {
    loses_the_write(DriverConfig { break_skip_rescan: true, ..DriverConfig::default() });
}

#[test]
fn rescanning_one_key_loses_the_write_when_every_acceptor_is_replaced() {
    // The first key is `a`: the rescan re-writes it and leaves `k` behind.
    loses_the_write(DriverConfig { break_rescan_one_key: true, ..DriverConfig::default() });
}

/// The replacement among the fuzz workload (3 acceptors, 2 or 3 proposers, 24 operations per
/// client) and 30 fault events (crashes of a minority of a1..a3, proposer crashes, loss,
/// duplication, partitions); a change that stops `Unavailable` is called again after the
/// faults stop. Returns the simulation, whether every client finished, and the changes that
/// stopped.
fn replace_under_faults(seed: u64, driver: &DriverConfig) -> Result<(Sim, bool, usize), String> {
    let mut options = FuzzOptions {
        acceptors: Some(3),
        faults: 30,
        ops_per_client: 24,
        driver: driver.clone(),
        ..FuzzOptions::new(seed)
    };
    // Every fourth seed with 3 attempts per operation, so that the faults stop a change now and
    // then (the `Unavailable` path and its resumption).
    if seed % 4 == 0 {
        options.driver.max_attempts = 3;
    }
    let run = FuzzRun::new(&options).map_err(|e| e.to_string())?;
    let sim = &run.sim;
    let mut stopped = 0;
    sim.run_for(seed % 40);
    for change in REPLACE_EVERY_ACCEPTOR {
        let handle = start(sim, change).map_err(|e| format!("{change:?} refused: {e}"))?;
        match sim.block_on(handle) {
            Ok(_) => {}
            Err(e) if matches!(e.kind, ErrorKind::Unavailable { .. }) => {
                stopped += 1;
                sim.run_for(run.faults_end_ms.saturating_sub(sim.now()));
                let again = start(sim, change).map_err(|e| format!("{change:?} refused on resuming: {e}"))?;
                sim.block_on(again).map_err(|e| format!("{change:?} did not finish after the faults: {e}"))?;
            }
            Err(e) => return Err(format!("{change:?}: {e}")),
        }
        sim.run_for(seed % 25);
    }
    sim.run_until_idle(5_000_000);
    let done = run.clients_done();
    Ok((run.sim, done, stopped))
}

#[test]
fn replacing_every_acceptor_under_faults_loses_nothing() {
    let seeds = seeds(2000);
    let mut stopped = 0;
    for &seed in &seeds {
        let replay = format!("replay: CASPAXOS_SEED={seed} cargo test --release --test replace_acceptors");
        let (sim, done, s) = replace_under_faults(seed, &DriverConfig::default())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{replay}"));
        verify(&sim, done).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{replay}"));
        if let Some(v) = check_run(&sim, DEFAULT_STEP_BUDGET).violation {
            panic!("seed {seed}: {}: {}\n{replay}", v.kind.as_str(), v.explanation);
        }
        assert_eq!(sim.acceptor_ids(), vec![4, 5, 6], "seed {seed}\n{replay}");
        assert_eq!(sim.phase_sets().prepare.nodes, vec![4, 5, 6], "seed {seed}: settled on the new acceptors");
        stopped += s;
    }
    if seeds.len() >= 100 {
        assert!(stopped > 0, "the faults must stop some change (else the Unavailable path is untested here)");
    }
    println!("{} seeds: {} replacements of every acceptor, {stopped} changes stopped Unavailable under the faults and finished after them", seeds.len(), seeds.len());
}

/// Negative control: each twin, on the same shape, loses an acknowledged write within 500 seeds.
fn caught_within(driver: DriverConfig, name: &str) {
    for seed in 1..=500 {
        let Ok((sim, done, _)) = replace_under_faults(seed, &driver) else { continue };
        if let Some(why) = lost_write(&sim, done, seed, name) {
            println!("{name}: caught at seed {seed}: {why}");
            return;
        }
    }
    panic!("{name} was not caught in 500 seeds");
}

#[test]
fn the_twins_are_caught_when_every_acceptor_is_replaced_under_faults() {
    caught_within(DriverConfig { break_skip_rescan: true, ..DriverConfig::default() }, "skipRescan");
    caught_within(DriverConfig { break_rescan_one_key: true, ..DriverConfig::default() }, "rescanOneKey");
}
