//! Read leases (`leases: { duration }`) on drifting clocks (`clockDrift`): safe under the fault
//! sweep, answered with no message, and the "trust leases beyond the drift bound" twin caught.
//!
//! Replay one seed: `CASPAXOS_SEED=17 cargo test --release --test leases`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use caspaxos_playground::checker::{check_run, ViolationKind, DEFAULT_STEP_BUDGET};
use caspaxos_playground::driver::DriverConfig;
use caspaxos_playground::ops::Op;
use caspaxos_playground::sim::{EventKind, Node, Sim, SimConfig};
use common::{seeds, simulate, verify, Caught, Failure, Scenario};
use serde_json::json;

/// The fault sweep's lease and drift: leases shorter than a writer's attempts' backoff, clocks
/// up to 5% off.
const SWEEP_LEASE_MS: u64 = 200;
const SWEEP_DRIFT_PPM: u32 = 50_000;

fn leases(lease_ms: u64, drift_ppm: u32) -> DriverConfig {
    DriverConfig { lease_ms: Some(lease_ms), clock_drift_ppm: drift_ppm, ..DriverConfig::default() }
}

/// The end-of-run checks, then the linearizability checker.
fn check(sim: &Sim, done: bool) -> Result<(), Failure> {
    verify(sim, done)?;
    match check_run(sim, DEFAULT_STEP_BUDGET).violation {
        Some(v) => Err(Failure(Caught::Setup, format!("{}: {}", v.kind.as_str(), v.explanation))),
        None => Ok(()),
    }
}

#[test]
fn fault_sweep_with_leases_and_drift_keeps_every_safety_property_and_linearizability() {
    let seeds = seeds(1000);
    let (mut lease_reads, mut ops) = (0, 0);
    for &seed in &seeds {
        let scenario = Scenario { driver: leases(SWEEP_LEASE_MS, SWEEP_DRIFT_PPM), ..Scenario::new(seed) };
        let (sim, done) = simulate(&scenario).expect("a valid fuzz run");
        if let Err(e) = check(&sim, done) {
            panic!("seed {seed}: {e}\nreplay: CASPAXOS_SEED={seed} cargo test --release --test leases");
        }
        lease_reads += sim.lease_reads();
        ops += sim.history().len();
    }
    println!("{} seeds, lease {SWEEP_LEASE_MS} ms, drift {SWEEP_DRIFT_PPM} ppm: {ops} operations, {lease_reads} reads answered from a lease", seeds.len());
    if seeds.len() >= 100 {
        assert!(lease_reads * 100 >= ops, "leases should serve reads: {lease_reads} of {ops} operations");
    }
}

#[test]
fn without_leases_no_read_is_answered_locally() {
    let (sim, done) = simulate(&Scenario {
        driver: DriverConfig { clock_drift_ppm: SWEEP_DRIFT_PPM, ..DriverConfig::default() },
        ..Scenario::new(5)
    })
    .unwrap();
    check(&sim, done).unwrap();
    assert_eq!(sim.lease_reads(), 0);
}

fn cluster(seed: u64, driver: DriverConfig) -> Sim {
    Sim::new(SimConfig { seed, driver, ..SimConfig::default() }).expect("a valid configuration")
}

#[test]
fn a_read_under_a_lease_sends_no_message_and_another_proposers_write_waits_for_its_end() {
    let lease_ms = 500;
    let sim = cluster(3, leases(lease_ms, 0));
    sim.block_on(sim.invoke(1, "k", Op::Put(json!(1)))).unwrap();
    let before_lease = sim.stats().messages;
    assert_eq!(sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap(), json!(1));
    assert!(sim.stats().messages > before_lease, "the first read is a round: it takes the lease");
    let took = sim.now();
    let lease_until = sim.trace().events.iter().find_map(|e| match &e.kind {
        EventKind::Lease { proposer: 1, key, until } if &**key == "k" => Some(*until),
        _ => None,
    });
    let lease_until = lease_until.expect("a lease event for p1 on k");
    let get_at = sim.history().get(1).expect("the get is #1").invoke_at;
    assert_eq!(lease_until, get_at + lease_ms - 2, "the cached round's accept went out at once; D - 2 ms of slack");

    let messages = sim.stats().messages;
    for _ in 0..3 {
        assert_eq!(sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap(), json!(1));
        assert_eq!(sim.block_on(sim.invoke(1, "k", Op::Read)).unwrap(), json!({ "version": 1, "value": 1 }));
    }
    assert_eq!(sim.stats().messages, messages, "reads under the lease send nothing");
    assert_eq!(sim.lease_reads(), 6);
    assert_eq!(sim.history().records().last().map(|r| (r.invoke_at, r.return_at)), Some((took, Some(took))));

    // p2's write is refused by the acceptors until their leases end, then goes through.
    let put = sim.invoke(2, "k", Op::Put(json!(2)));
    let result = sim.block_on(put);
    assert_eq!(result.unwrap(), json!(2));
    assert!(sim.now() >= took + lease_ms - 20, "p2 waited for the lease (took {took}, now {})", sim.now());
    assert!(sim.stats().conflicts > 0, "refusals are conflicts");
    // p1's lease is over by its own clock: its next read is a round and sees p2's write.
    assert_eq!(sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap(), json!(2));
    assert!(check_run(&sim, DEFAULT_STEP_BUDGET).ok);
}

#[test]
fn a_write_of_the_holder_ends_its_local_reads() {
    let sim = cluster(4, leases(1_000, 0));
    sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap();
    sim.block_on(sim.invoke(1, "k", Op::Put(json!("new")))).unwrap();
    let messages = sim.stats().messages;
    assert_eq!(sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap(), json!("new"));
    assert!(sim.stats().messages > messages, "after its own write the holder reads with a round");
    assert_eq!(sim.lease_reads(), 0);
}

#[test]
fn a_crashed_proposer_forgets_its_lease() {
    let sim = cluster(4, leases(1_000, 0));
    sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap();
    sim.crash(Node::Proposer(1)).unwrap();
    sim.restart(Node::Proposer(1)).unwrap();
    let messages = sim.stats().messages;
    sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap();
    assert!(sim.stats().messages > messages);
    assert_eq!(sim.lease_reads(), 0);
}

#[test]
fn acceptors_grant_on_their_own_clocks_and_refuse_others_until_then() {
    let sim = cluster(9, leases(400, 100_000));
    sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap();
    let clocks = sim.clocks();
    for a in 1..=3 {
        let grant = sim.acceptor_lease(a, "k").expect("every acceptor granted");
        assert_eq!(grant.holder, 1);
        let ends_at = clocks.true_ms(Node::Acceptor(a), grant.until_ms);
        assert!(ends_at > sim.now(), "a{a}'s lease runs past now");
    }
}

/// p1 takes a lease of 2 s on clocks up to 10% off, p2 writes (refused until the acceptors'
/// leases end), and p1 reads every 10 ms until p2's write is long done.
fn stale_read_script(seed: u64, trust_beyond_bound: bool) -> Sim {
    let driver = DriverConfig { max_attempts: 100, break_trust_lease: trust_beyond_bound, ..leases(2_000, 100_000) };
    let sim = cluster(seed, driver);
    sim.block_on(sim.invoke(1, "k", Op::Put(json!("old")))).unwrap();
    sim.block_on(sim.invoke(1, "k", Op::Get)).unwrap();
    let write = sim.invoke(2, "k", Op::Put(json!("new")));
    for _ in 0..400 {
        sim.run_for(10);
        let _ = sim.block_on(sim.invoke(1, "k", Op::Get));
    }
    sim.run_until_idle(1_000_000);
    drop(write);
    sim
}

const SCRIPT_SEEDS: u64 = 40;

#[test]
fn negative_control_trusting_leases_beyond_the_drift_bound_yields_a_stale_read_the_checker_names() {
    let found = (1..=SCRIPT_SEEDS).find_map(|seed| {
        let sim = stale_read_script(seed, true);
        check_run(&sim, DEFAULT_STEP_BUDGET).violation.map(|v| (seed, v, sim))
    });
    let (seed, v, sim) = found.expect("the twin yields a stale read within the scripted seeds");
    println!("seed {seed}: {}", v.explanation);
    assert_eq!(v.kind, ViolationKind::Linearizability);
    let stale = v.ops[0];
    let h = sim.history();
    let record = h.get(stale).expect("the stale operation is in the history");
    assert_eq!(
        (record.proposer, record.op.name(), record.output.clone()),
        (1, "get", Some(json!("old").into())),
        "a stale read by p1"
    );
    assert_eq!(Some(record.invoke_at), record.return_at, "answered from the lease, with no round");
    assert!(v.explanation.starts_with(&format!("get k → \"old\" (#{stale})")), "{}", v.explanation);
    let writer = h.records().find(|r| r.proposer == 2 && r.op.name() == "put").expect("p2's write");
    assert!(writer.return_at.is_some_and(|t| t <= record.invoke_at), "p2's write ended before the stale read began");
    assert!(v.explanation.contains("\"new\""), "the explanation names the newer value: {}", v.explanation);
}

#[test]
fn shortened_by_the_drift_bound_the_same_scripts_stay_linearizable() {
    for seed in 1..=SCRIPT_SEEDS {
        let sim = stale_read_script(seed, false);
        let report = check_run(&sim, DEFAULT_STEP_BUDGET);
        assert!(report.ok, "seed {seed}: {:?}", report.violation);
        assert!(sim.lease_reads() > 50, "seed {seed}: the reads were served from leases");
        assert!(
            sim.history().records().any(|r| r.proposer == 2 && r.output == Some(json!("new").into())),
            "seed {seed}"
        );
    }
}

#[test]
fn the_same_seed_with_leases_gives_the_same_event_log() {
    let run = || {
        let s = Scenario { driver: leases(SWEEP_LEASE_MS, SWEEP_DRIFT_PPM), ..Scenario::new(77) };
        let (sim, _) = simulate(&s).unwrap();
        let hash = sim.trace().hash();
        (hash, sim.lease_reads())
    };
    let (a, reads) = run();
    assert_eq!(run(), (a, reads));
    assert!(reads > 0);
    let other = Scenario { driver: leases(SWEEP_LEASE_MS, SWEEP_DRIFT_PPM), ..Scenario::new(78) };
    assert_ne!(simulate(&other).unwrap().0.trace().hash(), a);
}

/// The hash the wasm build must reproduce (tests/web.rs checks it in Chromium).
const LEASES_HASH: &str = include_str!("golden/leases_hash.txt");

#[test]
fn the_lease_reference_run_has_the_golden_event_log_hash() {
    let sim = caspaxos_playground::sim::workload::leases_reference();
    assert!(sim.lease_reads() > 0);
    assert_eq!(format!("{:016x}", sim.trace().hash()), LEASES_HASH.trim());
}

#[test]
fn bad_lease_and_drift_settings_are_refused_with_the_rule() {
    let bad = |driver: DriverConfig| Sim::new(SimConfig { driver, ..SimConfig::default() }).err().unwrap().message;
    assert_eq!(bad(leases(0, 0)), "leases.duration must be an integer in 1..=10000, got 0");
    assert_eq!(bad(leases(10_001, 0)), "leases.duration must be an integer in 1..=10000, got 10001");
    assert_eq!(
        bad(DriverConfig { clock_drift_ppm: 100_001, ..DriverConfig::default() }),
        "clockDrift in parts per million must be an integer in 0..=100000, got 100001"
    );
}

#[test]
fn a_leased_session_round_trips_through_its_document_and_its_link_and_replays_the_same() {
    use caspaxos_playground::session::{decode_link, encode_link, from_json, Breaks, Recording, Start, UserAction};
    let config = SimConfig { seed: 12, driver: leases(300, 20_000), ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).unwrap();
    let invoke = |proposer: u8, name: &str| UserAction::Invoke {
        proposer,
        key: "k".into(),
        name: name.into(),
        input: serde_json::Value::Null,
    };
    rec.act(invoke(1, "increment")).unwrap();
    rec.run_until_idle(100_000).unwrap();
    for _ in 0..3 {
        rec.act(invoke(1, "get")).unwrap();
        rec.run_for(40).unwrap();
    }
    rec.act(UserAction::Break(Breaks { trust_leases: true, ..Breaks::default() })).unwrap();
    rec.act(invoke(2, "increment")).unwrap();
    rec.act(invoke(1, "get")).unwrap();
    rec.run_until_idle(100_000).unwrap();
    assert!(rec.sim().lease_reads() >= 2, "reads were answered from the lease");
    let session = rec.session();
    let doc = session.to_json();
    assert_eq!(doc["start"]["leases"]["duration"], 300);
    assert_eq!(doc["start"]["clockDrift"], 0.02);
    assert!(doc["actions"].as_array().unwrap().iter().any(|a| a["break"]["trustLeases"] == true));
    assert_eq!(from_json(&doc).unwrap(), session);
    assert_eq!(decode_link(&encode_link(&session)).unwrap(), session);
    let replay = session.replay().unwrap();
    replay.run_until_idle(100_000).unwrap();
    assert_eq!(replay.sim().trace().hash(), rec.sim().trace().hash());
    assert_eq!(replay.sim().lease_reads(), rec.sim().lease_reads());
    // Seek: replayed to the middle of the run (a lease held there), then played on, the same run.
    let middle = rec.sim().now() / 2;
    let sought = session.replay_until(middle).unwrap();
    assert_eq!(sought.sim().now(), middle);
    sought.run_until_idle(100_000).unwrap();
    assert_eq!(sought.sim().trace().hash(), rec.sim().trace().hash(), "seek then play reproduces the run");
    assert_eq!(sought.sim().lease_reads(), rec.sim().lease_reads());
    // Off, the document has neither field (documents made before leases are unchanged).
    let plain = Recording::new(Start::Config(SimConfig::default())).unwrap().session().to_json();
    assert!(plain["start"].get("leases").is_none() && plain["start"].get("clockDrift").is_none());
    let mut bad = doc.clone();
    bad["start"]["leases"]["duration"] = 0.into();
    assert!(from_json(&bad).unwrap_err().message.contains("start.leases.duration"), "names the field");
    let mut bad = doc.clone();
    bad["start"]["clockDrift"] = 0.5.into();
    assert!(from_json(&bad).unwrap_err().message.contains("start.clockDrift must be a number in 0..=0.1"));
}
