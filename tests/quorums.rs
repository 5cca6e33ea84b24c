//! Flexible quorums (paper §2.3; Howard et al., "Flexible Paxos"): any prepare and accept quorum
//! sizes with `prepare + accept > N` are safe — fault sweeps over several shapes find no
//! violation — and the deliberately wrong "quorums that do not intersect" (`prepare + accept = N`)
//! is caught by the checker with a lost write.
//!
//! More seeds: `CASPAXOS_SEEDS=5000 cargo test --release --test quorums`; one seed:
//! `CASPAXOS_SEED=17 ...`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use caspaxos_playground::checker::{check_run, ViolationKind, DEFAULT_STEP_BUDGET};
use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::ops::ErrorKind;
use caspaxos_playground::protocol::Quorums;
use caspaxos_playground::session::{decode_link, encode_link, from_json, Breaks, Session, Start, UserAction};
use caspaxos_playground::sim::fuzz::{FuzzOptions, FuzzRun};
use caspaxos_playground::sim::{Sim, SimConfig};
use common::seeds;

/// `(acceptors, prepare, accept)`: every shape intersects; the extremes (read one / write all,
/// and the reverse) and the §2.3.1 shape of an even cluster (2F+2 acceptors, accept F+2, prepare F+1).
const SHAPES: [(usize, usize, usize); 7] =
    [(3, 1, 3), (3, 3, 1), (3, 2, 2), (4, 2, 3), (4, 3, 2), (5, 2, 4), (5, 1, 5)];

fn run(seed: u64, acceptors: usize, driver: DriverConfig) -> FuzzRun {
    let options = FuzzOptions { acceptors: Some(acceptors), proposers: Some(2), driver, ..FuzzOptions::new(seed) };
    let run = FuzzRun::new(&options).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    run.sim.run_until_idle(1_000_000);
    run
}

#[test]
fn every_intersecting_shape_is_linearizable_under_faults() {
    let seeds = seeds(2000);
    let mut ops = 0;
    for &seed in &seeds {
        let (acceptors, prepare, accept) = SHAPES[seed as usize % SHAPES.len()];
        let quorums = Quorums { prepare, accept };
        let run = run(seed, acceptors, DriverConfig { quorums: Some(quorums), ..DriverConfig::default() });
        let replay = format!("CASPAXOS_SEED={seed} cargo test --release --test quorums");
        if let Some(v) = check_run(&run.sim, DEFAULT_STEP_BUDGET).violation {
            panic!("{quorums:?} of {acceptors}, seed {seed}: {}: {}\nreplay: {replay}", v.kind.as_str(), v.explanation);
        }
        assert_eq!(run.sim.pending(), 0, "{quorums:?} of {acceptors}, seed {seed}: every operation ended; {replay}");
        ops += run.sim.history().len();
    }
    println!("{} seeds over {} shapes, {ops} operations, no violation", seeds.len(), SHAPES.len());
}

#[test]
fn quorums_that_do_not_intersect_lose_a_write_the_checker_explains() {
    // The page's search: 3 acceptors, 2 proposers, the switch on (prepare 1, accept 2).
    let broken = DriverConfig { break_disjoint_quorums: true, ..DriverConfig::default() };
    let found = (1..=500).find_map(|seed| {
        let run = run(seed, 3, broken.clone());
        check_run(&run.sim, DEFAULT_STEP_BUDGET).violation.map(|v| (seed, v))
    });
    let (seed, v) = found.expect("disjoint quorums: no counterexample in 500 runs");
    println!("disjoint quorums: seed {seed}, key {}: {}", v.key, v.explanation);
    assert_eq!(v.kind, ViolationKind::Linearizability, "seed {seed}: {v:?}");
    assert!(v.explanation.contains("fits no linearization"), "seed {seed}: {}", v.explanation);
    assert!(!v.key.is_empty() && !v.ops.is_empty(), "the violation names the key and the operation: {v:?}");
    // Negative control: the same seed with intersecting quorums is linearizable.
    let healthy = run(seed, 3, DriverConfig::default());
    assert!(check_run(&healthy.sim, DEFAULT_STEP_BUDGET).violation.is_none(), "seed {seed} healthy");
}

#[test]
fn the_switch_shrinks_the_prepare_quorum_to_n_minus_accept() {
    let broken = DriverConfig { break_disjoint_quorums: true, ..DriverConfig::default() };
    assert_eq!(broken.quorums(3), Quorums { prepare: 1, accept: 2 });
    assert_eq!(broken.quorums(5), Quorums { prepare: 2, accept: 3 });
    let flexible = DriverConfig { quorums: Some(Quorums { prepare: 1, accept: 3 }), ..broken };
    assert_eq!(flexible.quorums(3), Quorums { prepare: 1, accept: 2 }, "accept at most N - 1");
    assert_eq!(DriverConfig::default().quorums(4), Quorums { prepare: 3, accept: 3 });
}

#[test]
fn a_cluster_refuses_quorums_that_break_the_rule_naming_it() {
    let with = |acceptors, prepare, accept| {
        let driver = DriverConfig { quorums: Some(Quorums { prepare, accept }), ..DriverConfig::default() };
        Sim::new(SimConfig { acceptors, driver, ..SimConfig::default() }).err()
    };
    let e = with(3, 1, 2).expect("1 + 2 <= 3 is refused");
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("prepare + accept must exceed the number of acceptors, got 1 + 2 <= 3"), "{e}");
    let e = with(3, 4, 2).expect("a quorum above N is refused");
    assert!(e.message.contains("quorums.prepare must be an integer in 1..=3, got 4"), "{e}");
    let e = with(5, 3, 0).expect("an empty quorum is refused");
    assert!(e.message.contains("quorums.accept must be an integer in 1..=5, got 0"), "{e}");
    assert!(with(5, 2, 4).is_none() && with(1, 1, 1).is_none());
}

#[test]
fn sessions_carry_quorums_and_the_switch_through_links_and_documents() {
    let driver = DriverConfig { quorums: Some(Quorums { prepare: 2, accept: 4 }), ..DriverConfig::default() };
    let start = Start::Config(SimConfig { acceptors: 5, driver, ..SimConfig::default() });
    let session = Session {
        start,
        actions: vec![caspaxos_playground::session::Recorded {
            steps: 3,
            at_ms: 7,
            action: UserAction::Break(Breaks { disjoint_quorums: true, ..Breaks::default() }),
        }],
        end: None,
    };
    assert_eq!(decode_link(&encode_link(&session)).unwrap(), session, "through a link");
    let doc = session.to_json();
    assert_eq!(doc["start"]["quorums"], serde_json::json!({ "prepare": 2, "accept": 4 }));
    assert_eq!(from_json(&doc).unwrap(), session, "through a document");
    // A session without quorums has no such field (documents from before stay as they were).
    let plain = Session { start: Start::Config(SimConfig::default()), actions: vec![], end: None };
    assert!(plain.to_json()["start"].get("quorums").is_none());
    assert_eq!(decode_link(&encode_link(&plain)).unwrap(), plain);
    // A document whose quorums do not intersect is refused when it is replayed, naming the rule.
    let mut bad = doc.clone();
    bad["start"]["quorums"]["prepare"] = 1.into();
    let e = from_json(&bad).and_then(|s| s.replay().map(|_| ())).unwrap_err();
    assert!(e.message.contains("quorums must intersect"), "{e}");
}

#[test]
fn each_phase_waits_for_its_own_quorum() {
    // Reference: §2.3 — with a3 down, "write all" (accept 3) cannot finish an accept and "read all"
    // (prepare 3) cannot finish a prepare; a majority of both does both.
    let put_with_a3_down = |prepare, accept| {
        let driver =
            DriverConfig { quorums: Some(Quorums { prepare, accept }), max_attempts: 2, ..DriverConfig::default() };
        let sim = Sim::new(SimConfig { acceptors: 3, driver, ..SimConfig::default() }).unwrap();
        sim.crash(caspaxos_playground::sim::Node::Acceptor(3)).unwrap();
        sim.block_on(sim.client(1).put("k", serde_json::json!(1)))
    };
    let e = put_with_a3_down(1, 3).expect_err("the accept needs all three");
    assert!(e.name() == "Unavailable" && e.indeterminate(), "an accept was sent: {e}");
    let e = put_with_a3_down(3, 1).expect_err("the prepare needs all three");
    assert!(e.name() == "Unavailable" && !e.indeterminate(), "no accept was sent: {e}");
    assert_eq!(put_with_a3_down(2, 2).unwrap(), serde_json::json!(1));
}

/// `determinism_reference`'s actions on a cluster with flexible quorums (prepare 2, accept 4 of 5):
/// the hash tests/web.rs must reproduce in Chromium (tests/golden/quorums_hash.txt).
#[test]
fn flexible_quorums_have_the_golden_event_log_hash() {
    use caspaxos_playground::sim::{NetConfig, Node};
    let net = NetConfig { drop_request_rate: 0.1, drop_reply_rate: 0.1, duplicate_rate: 0.1, ..NetConfig::default() };
    let driver = DriverConfig { quorums: Some(Quorums { prepare: 2, accept: 4 }), ..DriverConfig::default() };
    let sim =
        Sim::new(SimConfig { acceptors: 5, proposers: 3, seed: 2024, net, driver, ..SimConfig::default() }).unwrap();
    for i in 0..30u8 {
        drop(sim.client(i % 3 + 1).increment(if i % 2 == 0 { "x" } else { "y" }));
        if i == 10 {
            sim.crash(Node::Acceptor(2)).unwrap();
        }
        if i == 20 {
            sim.restart(Node::Acceptor(2)).unwrap();
        }
        sim.run_for(7);
    }
    sim.run_until_idle(1_000_000);
    let hash = format!("{:016x}", sim.trace().hash());
    println!("flexible quorums hash: {hash}");
    assert!(sim.trace().events.len() > 1000);
    assert_eq!(hash, include_str!("golden/quorums_hash.txt").trim(), "regenerate only for an intended change");
    let majority = caspaxos_playground::sim::workload::determinism_reference();
    assert_ne!(sim.trace().hash(), majority.trace().hash(), "the quorums changed the run");
}
