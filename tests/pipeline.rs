//! Pipelining (issue 14 §2): the `pipeline` bound — at most that many keys of one proposer have
//! operations in flight; the rest wait in invocation order.
//!
//! The bound is checked by an oracle that reads only the event log ([`most_keys_in_flight`]), and
//! that oracle has a negative control: the same workload without the bound is caught.
//!
//! Replay one seed of a sweep: `CASPAXOS_SEED=17 cargo test --release --test pipeline`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::ops::Op;
use caspaxos_playground::protocol::ProposerId;
use caspaxos_playground::sim::fuzz::FuzzOptions;
use caspaxos_playground::sim::{ClientLoop, EventKind, Node, Sim, SimConfig, Trace};
use common::{crowded_fault_run, linearizable, seeds, verify, Caught, Failure};
use std::collections::{BTreeMap, BTreeSet};

/// The most keys a proposer had in flight at once, and when that was first reached.
#[derive(Debug, PartialEq, Eq)]
struct Peak {
    proposer: ProposerId,
    keys: usize,
    at_ms: u64,
}

/// Per proposer, the most keys in flight at once, read from the event log alone: a key is in
/// flight at proposer p from p's first message on it until an operation of p on it returns
/// (operations queued on the key, or parked, send nothing yet).
fn most_keys_in_flight(trace: &Trace) -> Vec<Peak> {
    let mut open: BTreeMap<(ProposerId, String), usize> = BTreeMap::new();
    let mut key_of = BTreeMap::new();
    let mut active: BTreeMap<ProposerId, BTreeSet<String>> = BTreeMap::new();
    let mut peaks: BTreeMap<ProposerId, Peak> = BTreeMap::new();
    for e in trace.events.iter() {
        match &e.kind {
            EventKind::Invoke { op, proposer, key, .. } => {
                *open.entry((*proposer, key.to_string())).or_default() += 1;
                key_of.insert(*op, key.to_string());
            }
            EventKind::Return { op, proposer, .. } => {
                let key = key_of[op].clone();
                *open.get_mut(&(*proposer, key.clone())).expect("returns follow invokes") -= 1;
                // The next operation on the key, if any, is in flight again from its first send.
                active.entry(*proposer).or_default().remove(&key);
            }
            EventKind::Send { msg } => {
                let m = msg;
                let Node::Proposer(p) = m.from else { continue };
                let key = m.msg.key().to_string();
                assert!(open.get(&(p, key.clone())).is_some_and(|&n| n > 0), "p{p} sent on {key} with nothing open");
                let keys = active.entry(p).or_default();
                keys.insert(key);
                let peak = peaks.entry(p).or_insert(Peak { proposer: p, keys: 0, at_ms: e.at });
                if keys.len() > peak.keys {
                    (peak.keys, peak.at_ms) = (keys.len(), e.at);
                }
            }
            _ => {}
        }
    }
    peaks.into_values().collect()
}

fn piped(pipeline: Option<usize>) -> DriverConfig {
    DriverConfig { pipeline, ..DriverConfig::default() }
}

/// One proposer, `keys` client loops each incrementing its own key 10 times.
fn many_keys(pipeline: Option<usize>, keys: usize) -> Sim {
    let sim = Sim::new(SimConfig { proposers: 1, seed: 5, driver: piped(pipeline), ..SimConfig::default() }).unwrap();
    for k in 0..keys {
        sim.start_loop(ClientLoop::Increments { proposer: 1, key: format!("k{k}").into(), left: 10 });
    }
    sim.run_until_idle(1_000_000);
    assert_eq!(sim.stats().ok, 10 * keys as u64, "every increment ended ok");
    sim
}

#[test]
fn a_proposer_keeps_at_most_pipeline_keys_in_flight() {
    for bound in [1, 3, 7] {
        let sim = many_keys(Some(bound), 10);
        let peaks = most_keys_in_flight(&sim.trace());
        assert_eq!(peaks.len(), 1);
        assert_eq!(peaks[0].keys, bound, "the bound is reached and never passed: {peaks:?}");
        assert!(sim.parked() > 0, "operations waited for a lane");
        for k in 0..10 {
            assert_eq!(sim.block_on(sim.invoke(1, &format!("k{k}"), Op::Get)).unwrap(), 10);
        }
    }
}

#[test]
fn negative_control_without_the_bound_the_oracle_sees_every_key_in_flight() {
    let sim = many_keys(None, 10);
    let peaks = most_keys_in_flight(&sim.trace());
    assert_eq!(peaks, vec![Peak { proposer: 1, keys: 10, at_ms: 0 }], "all ten keys start at once");
    assert_eq!(sim.parked(), 0);
}

#[test]
fn a_bound_that_never_binds_changes_nothing() {
    let bounded = many_keys(Some(10), 10);
    let unbounded = many_keys(None, 10);
    assert_eq!(bounded.trace().hash(), unbounded.trace().hash());
    assert_eq!(bounded.parked(), 0);
}

/// Invokes `(key)` increments through p1 in order at one instant; returns the keys in the order
/// their operations returned.
fn return_order(pipeline: Option<usize>, keys: &[&str]) -> Vec<String> {
    let sim = Sim::new(SimConfig { proposers: 1, seed: 3, driver: piped(pipeline), ..SimConfig::default() }).unwrap();
    let handles: Vec<_> = keys.iter().map(|k| sim.invoke(1, k, Op::Increment)).collect();
    sim.run_until_idle(100_000);
    drop(handles);
    let h = sim.history();
    let mut ended: Vec<_> = h.records().map(|r| (r.return_seq.expect("ended"), r.key.to_string())).collect();
    ended.sort();
    ended.into_iter().map(|(_, k)| k).collect()
}

#[test]
fn parked_operations_start_in_invocation_order_and_nobody_overtakes_them() {
    // Bound 1: b parks behind a's lane; the second a parks behind b (it may not overtake b by
    // queueing on a's held key), so b runs before it.
    assert_eq!(return_order(Some(1), &["a", "b", "a", "c"]), ["a", "b", "a", "c"]);
    // Negative control: without the bound, a, b and c run at once and the second a waits on a.
    let free = return_order(None, &["a", "b", "a", "c"]);
    assert_eq!(free.iter().filter(|k| *k == "a").count(), 2);
    assert_ne!(free, ["a", "b", "a", "c"], "without the bound the order differs: {free:?}");
}

#[test]
fn a_crashed_proposer_forgets_its_parked_operations_and_starts_afresh() {
    let sim = Sim::new(SimConfig { proposers: 1, seed: 9, driver: piped(Some(1)), ..SimConfig::default() }).unwrap();
    let handles: Vec<_> = ["a", "b", "c"].iter().map(|k| sim.invoke(1, k, Op::Increment)).collect();
    sim.crash(Node::Proposer(1)).unwrap();
    sim.restart(Node::Proposer(1)).unwrap();
    for h in handles {
        assert!(sim.block_on(h).is_err(), "lost in the crash");
    }
    let after: Vec<_> = ["a", "b", "c"].iter().map(|k| sim.invoke(1, k, Op::Increment)).collect();
    for h in after {
        assert!(sim.block_on(h).is_ok(), "the pipeline's lanes were freed by the crash");
    }
    assert_eq!(most_keys_in_flight(&sim.trace())[0].keys, 1);
}

#[test]
fn bad_bounds_are_refused_with_the_rule() {
    for bad in [0, 257] {
        let e = Sim::new(SimConfig { driver: piped(Some(bad)), ..SimConfig::default() }).err().expect("refused");
        assert_eq!(e.to_string(), format!("InvalidArgument: pipeline must be an integer in 1..=256, got {bad}"));
    }
    assert!(Sim::new(SimConfig { driver: piped(Some(256)), ..SimConfig::default() }).is_ok());
}

#[test]
fn a_pipelined_session_round_trips_through_its_document_and_link_and_replays_the_same() {
    use caspaxos_playground::session::{decode_link, encode_link, from_json, Recording, Start, UserAction};
    let config = SimConfig { proposers: 1, driver: piped(Some(2)), ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).unwrap();
    for k in ["a", "b", "c", "a", "d"] {
        let increment =
            UserAction::Invoke { proposer: 1, key: k.into(), name: "increment".into(), input: serde_json::Value::Null };
        rec.act(increment).unwrap();
    }
    rec.run_until_idle(100_000).unwrap();
    assert_eq!(rec.sim().parked(), 3, "c, the second a and d waited for a lane");
    let session = rec.session();
    let doc = session.to_json();
    assert_eq!(doc["start"]["pipeline"], 2);
    assert_eq!(from_json(&doc).unwrap(), session);
    assert_eq!(decode_link(&encode_link(&session)).unwrap(), session);
    let replay = session.replay().unwrap();
    replay.run_until_idle(100_000).unwrap();
    assert_eq!(replay.sim().trace().hash(), rec.sim().trace().hash());
    // Without the bound, documents and links are as before.
    let plain = Recording::new(Start::Config(SimConfig::default())).unwrap().session();
    assert!(plain.to_json()["start"].get("pipeline").is_none());
    // A document with a bound out of range is refused, naming the field and the rule.
    let mut bad = doc.clone();
    bad["start"]["pipeline"] = 0.into();
    let e = from_json(&bad).unwrap_err().to_string();
    assert!(e.contains("start.pipeline must be an integer in 1..=256, got 0"), "{e}");
}

/// Extra fuzz clients per proposer, on top of the run's own two, so that several keys of one
/// proposer are busy at once and the bound binds.
const EXTRA_CLIENTS_PER_PROPOSER: usize = 2;
const SWEEP_PIPELINE: usize = 2;

/// A fault run with more clients, run to the end. Returns the simulation and whether every
/// client finished.
fn fault_run(seed: u64, driver: DriverConfig, envelopes: bool) -> (Sim, bool) {
    let options = FuzzOptions { driver, envelopes, ..FuzzOptions::new(seed) };
    crowded_fault_run(&options, EXTRA_CLIENTS_PER_PROPOSER, (137, 2_000))
}

/// The end-of-run checks (liveness, counters, oracles), the bound, then linearizability.
fn check(sim: &Sim, done: bool, bound: Option<usize>) -> Result<(), Failure> {
    verify(sim, done)?;
    if let Some(b) = bound {
        if let Some(p) = most_keys_in_flight(&sim.trace()).into_iter().find(|p| p.keys > b) {
            return Err(Failure(Caught::Setup, format!("pipeline: {p:?} above the bound {b}")));
        }
    }
    linearizable(sim)
}

/// Sweeps the seeds with `pipeline` and `envelopes`; returns (operations, parked, messages,
/// deliveries) over all runs.
fn sweep(pipeline: Option<usize>, envelopes: bool) -> (u64, u64, u64, u64) {
    let seeds = seeds(1000);
    let (mut ops, mut parked, mut messages, mut deliveries) = (0, 0, 0, 0);
    for &seed in &seeds {
        let (sim, done) = fault_run(seed, piped(pipeline), envelopes);
        if let Err(e) = check(&sim, done, pipeline) {
            panic!(
                "seed {seed} (pipeline {pipeline:?}, envelopes {envelopes}): {e}\n\
                 replay: CASPAXOS_SEED={seed} cargo test --release --test pipeline"
            );
        }
        ops += sim.history().len();
        parked += sim.parked();
        (messages, deliveries) = (messages + sim.stats().messages, deliveries + sim.stats().deliveries);
    }
    println!(
        "{} seeds, pipeline {pipeline:?}, envelopes {envelopes}: {ops} operations ({parked} waited for a lane), \
         {messages} messages in {deliveries} deliveries",
        seeds.len()
    );
    (ops, parked, messages, deliveries)
}

#[test]
fn fault_sweep_with_a_pipeline_bound_keeps_every_safety_property_and_linearizability() {
    let (ops, parked, _, _) = sweep(Some(SWEEP_PIPELINE), false);
    if ops >= 10_000 {
        assert!(parked * 10 >= ops, "the bound should bind: {parked} of {ops} operations waited");
    }
}

#[test]
fn fault_sweep_with_envelopes_keeps_every_safety_property_and_linearizability() {
    let (ops, _, messages, deliveries) = sweep(None, true);
    if ops >= 10_000 {
        assert!(deliveries * 5 < messages * 4, "envelopes should form: {messages} messages, {deliveries} deliveries");
    }
}

#[test]
fn fault_sweep_with_a_pipeline_bound_and_envelopes_keeps_every_safety_property_and_linearizability() {
    let (ops, parked, messages, deliveries) = sweep(Some(SWEEP_PIPELINE), true);
    if ops >= 10_000 {
        assert!(parked * 10 >= ops && deliveries < messages, "both switches act");
    }
}

#[test]
fn negative_control_with_both_switches_on_a_broken_protocol_is_still_caught() {
    // Blind retry: a retry after an uncertain accept applies the change again.
    let driver = DriverConfig { break_blind_retry: true, ..piped(Some(SWEEP_PIPELINE)) };
    let found = (1..=300).find_map(|seed| {
        let (sim, done) = fault_run(seed, driver.clone(), true);
        check(&sim, done, driver.pipeline).err().map(|e| (seed, e))
    });
    let (seed, Failure(caught, text)) = found.expect("blind retries are caught within 300 seeds");
    println!("seed {seed}: {caught:?}: {text}");
    assert!(
        caught == Caught::Counter || text.starts_with("linearizability"),
        "caught as a lost or doubled change, got {caught:?}: {text}"
    );
}
