//! Garbage collection of deleted keys, step by step (paper §3.1), and its break-it twin.

use super::*;
use crate::checker::{check_run, ViolationKind, DEFAULT_STEP_BUDGET};
use crate::driver::DriverConfig;
use crate::sim::SimConfig;
use serde_json::json;

fn cluster(driver: DriverConfig) -> Sim {
    Sim::new(SimConfig { acceptors: 3, proposers: 2, seed: 11, driver, ..SimConfig::default() }).unwrap()
}

/// The paper's counterexample, set up: `put k 42` reaches every acceptor, then `delete k` only
/// a2 and a3 (a1 is cut off): A(42), B(∅), C(∅).
fn tombstone_on_two_of_three(sim: &Sim) {
    sim.block_on(sim.client(1).put("k", json!(42))).unwrap();
    sim.run_for(100); // every acceptor has the 42
    sim.isolate(Node::Acceptor(1)).unwrap();
    sim.block_on(sim.client(1).delete("k")).unwrap();
    let held = |a| sim.registers(a).into_iter().find(|(k, _)| &**k == "k").and_then(|(_, s)| s.accepted);
    assert_eq!(held(1).unwrap().1.value, json!(42), "a1 missed the delete");
    assert!(held(2).unwrap().1.value.is_null() && held(3).unwrap().1.value.is_null(), "a2, a3 hold the tombstone");
}

fn gc_events(sim: &Sim) -> Vec<(String, String)> {
    let trace = sim.trace();
    (0..trace.events.len())
        .filter_map(|i| match &trace.events[i].kind {
            EventKind::Gc { step, text, .. } => Some((step.as_str().to_owned(), text.clone())),
            _ => None,
        })
        .collect()
}

fn gc_steps(sim: &Sim) -> Vec<String> {
    gc_events(sim).into_iter().map(|(step, _)| step).collect()
}

#[test]
fn the_collector_waits_for_the_full_quorum_then_erases_everywhere() {
    // §3.1 (a): the tombstone must reach *every* acceptor before any erases it. While a1 is cut
    // off, step (a) cannot finish and nothing is erased; once it heals, a1 gets the tombstone too.
    let sim = cluster(DriverConfig::default());
    tombstone_on_two_of_three(&sim);
    let handle = sim.gc("k", 1).unwrap();
    sim.run_for(200);
    assert!(gc_steps(&sim).contains(&"retry".to_owned()), "blocked while a1 is cut off: {:?}", gc_steps(&sim));
    assert!((1..=3).all(|a| !sim.registers(a).is_empty()), "nothing erased before the full quorum");
    sim.heal();
    assert_eq!(sim.block_on(handle).unwrap(), json!({ "erased": 3 }));
    let steps = gc_steps(&sim);
    for step in ["start", "replicate", "invalidate", "done"] {
        assert!(steps.contains(&step.to_owned()), "missing step {step}: {steps:?}");
    }
    assert!((1..=3).all(|a| sim.registers(a).is_empty()), "every acceptor erased k");
    assert!((1..=2).all(|p| sim.proposer(p).cached().is_empty()), "§3.1 (b): no proposer keeps a cached round");
    // The 42 stays gone, through either proposer, and the key starts over at version 0.
    assert_eq!(sim.block_on(sim.client(2).get("k")).unwrap(), json!(null));
    let read = sim.block_on(sim.client(1).read("k")).unwrap();
    assert_eq!((read.version, read.value), (0, json!(null)), "a never-written register again");
    let report = check_run(&sim, DEFAULT_STEP_BUDGET);
    assert!(report.violation.is_none() && report.oracles.is_empty(), "{report:?}");
}

#[test]
fn a_collection_that_gives_up_leaves_its_key_to_the_next_gc() {
    // An outside tester's finding: a key whose collection ended `Unavailable` was dropped from the
    // to-do list, so `gc()` with no key never tried it again and its tombstone stayed forever.
    let sim = cluster(DriverConfig { max_attempts: 2, ..DriverConfig::default() });
    tombstone_on_two_of_three(&sim);
    assert_eq!(sim.gc_pending(), vec![Key::from("k")]);
    let failed = sim.gc_deleted(1).unwrap();
    sim.run_for(10_000);
    let (key, handle) = failed.into_iter().next().expect("k was on the to-do list");
    let error = sim.block_on(handle).unwrap_err();
    assert_eq!((&*key, error.name()), ("k", "Unavailable"));
    assert!(error.message.ends_with("(2 failed attempts); the change was not applied"), "{error}");
    assert_eq!(sim.gc_pending(), vec![Key::from("k")], "still to collect");
    let attempts = sim.history().records().find(|r| r.op == GC_OP).map(|r| r.attempts);
    assert_eq!(attempts, Some(2), "the history counts the collection's tries");
    sim.heal();
    let again = sim.gc_deleted(1).unwrap();
    assert_eq!(again.len(), 1, "gc() with no key tries k again");
    for (_, handle) in again {
        assert_eq!(sim.block_on(handle).unwrap(), json!({ "erased": 3 }));
    }
    assert!(sim.gc_pending().is_empty());
    assert!((1..=3).all(|a| sim.registers(a).is_empty()), "every acceptor erased k");
}

#[test]
fn a_collection_that_gives_up_after_one_try_says_attempt_in_the_singular() {
    let sim = cluster(DriverConfig { max_attempts: 1, ..DriverConfig::default() });
    tombstone_on_two_of_three(&sim);
    let (_, handle) = sim.gc_deleted(1).unwrap().into_iter().next().expect("k to collect");
    let error = sim.block_on(handle).unwrap_err();
    assert!(error.message.ends_with("(1 failed attempt); the change was not applied"), "{error}");
}

#[test]
fn erasing_without_the_protocol_resurrects_the_value_and_the_checker_says_so() {
    // The break-it twin: erase the tombstones where they are, A(42) B(∅) C(∅) → A(42) B() C().
    let broken = DriverConfig { break_erase_without_gc: true, ..DriverConfig::default() };
    let sim = cluster(broken);
    tombstone_on_two_of_three(&sim);
    assert_eq!(sim.block_on(sim.gc("k", 1).unwrap()).unwrap(), json!({ "erased": 2 }));
    sim.heal();
    sim.crash(Node::Acceptor(3)).unwrap(); // the next quorum is a1 + a2
    assert_eq!(sim.block_on(sim.client(2).get("k")).unwrap(), json!(42), "the deleted 42 is back");
    let report = check_run(&sim, DEFAULT_STEP_BUDGET);
    let v = report.violation.expect("the checker catches the resurrection");
    assert_eq!((v.kind, v.key.as_str()), (ViolationKind::Linearizability, "k"), "{v:?}");
    assert!(
        v.explanation.contains("get k → 42") && v.explanation.contains("fits no linearization"),
        "{}",
        v.explanation
    );
}

#[test]
fn a_key_written_again_is_not_collected() {
    // §3.1 (a) finds the register is no tombstone any more: nothing to erase.
    let sim = cluster(DriverConfig::default());
    sim.block_on(sim.client(1).delete("k")).unwrap();
    sim.block_on(sim.client(2).put("k", json!(7))).unwrap();
    assert_eq!(sim.gc_pending(), vec![Key::from("k")]);
    let collected = sim.gc_deleted(1).unwrap();
    assert_eq!(sim.gc_pending(), Vec::<Key>::new());
    let (key, handle) = collected.into_iter().next().unwrap();
    assert_eq!((&*key, sim.block_on(handle).unwrap()), ("k", json!({ "erased": 0 })));
    assert_eq!(sim.block_on(sim.client(1).get("k")).unwrap(), json!(7));
}

#[test]
fn a_late_accept_from_before_the_erase_is_refused() {
    // The floor (the paper's "age"): after a2 erased k, a round from before the erase must not
    // find an empty register that accepts it.
    let mut a = crate::protocol::Acceptor::<i32>::default();
    let (old, g) = (crate::protocol::Ballot::new(2, 1), crate::protocol::Ballot::new(5, 2));
    a.handle_prepare("k".into(), old);
    a.handle_accept("k".into(), g, 0, Some(crate::protocol::Ballot::new(6, 2)));
    assert!(!a.erase("k", old), "only the register accepted under the collector's ballot is erased");
    assert!(a.erase("k", g));
    assert!(a.slot("k").is_none());
    let refused = a.handle_accept("k".into(), crate::protocol::Ballot::new(6, 2), 42, None);
    assert!(matches!(refused, crate::protocol::Reply::Accepted { .. }), "the promised next round may still accept");
    let late = a.handle_accept("j".into(), crate::protocol::Ballot::new(4, 1), 42, None);
    assert!(matches!(late, crate::protocol::Reply::Conflict { .. }), "{late:?}");
}

#[test]
fn a_collection_waits_for_a_proposer_with_an_operation_on_the_key() {
    // §3.1 (b): a proposer's in-flight operation could find its exactly-once marker in the
    // tombstone; the collector must not erase under it.
    let sim = cluster(DriverConfig::default());
    sim.block_on(sim.client(1).delete("k")).unwrap();
    sim.set_delivery(crate::sim::Delivery::Manual); // the put's messages wait: it stays in flight
    let put = sim.client(2).put("k", json!(1));
    let gc = sim.gc("k", 1).unwrap();
    sim.run_for(300);
    sim.set_delivery(crate::sim::Delivery::Auto);
    let (gc, put) = (sim.block_on(gc), sim.block_on(put));
    assert!(put.is_ok(), "{put:?}");
    assert!(gc.is_ok(), "{gc:?}");
    let waited =
        gc_events(&sim).into_iter().any(|(step, text)| step == "retry" && text.contains("p2 has an operation"));
    assert!(waited, "step (b) waited for p2's put: {:?}", gc_events(&sim));
    assert_eq!(sim.block_on(sim.client(1).get("k")).unwrap(), json!(1));
    let report = check_run(&sim, DEFAULT_STEP_BUDGET);
    assert!(report.violation.is_none(), "{report:?}");
}
