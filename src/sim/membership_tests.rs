//! Membership change run in the simulator (paper §2.3.1–§2.3.3), and its two break-it twins.

use super::*;
use crate::checker::{check_run, ViolationKind, DEFAULT_STEP_BUDGET};
use crate::driver::DriverConfig;
use crate::sim::{ClientLoop, SimConfig};
use serde_json::json;

fn cluster(driver: DriverConfig) -> Sim {
    Sim::new(SimConfig { acceptors: 3, proposers: 2, seed: 7, driver, ..SimConfig::default() }).unwrap()
}

/// `(acceptor, step)` of every membership event, in order.
fn steps(sim: &Sim) -> Vec<(AcceptorId, String)> {
    let trace = sim.trace();
    (0..trace.events.len())
        .filter_map(|i| match &trace.events[i].kind {
            EventKind::Membership { node: Node::Acceptor(a), step, .. } => Some((*a, (*step).to_owned())),
            _ => None,
        })
        .collect()
}

fn holds(sim: &Sim, a: AcceptorId, key: &str) -> Option<Json> {
    let slot = sim.registers(a).into_iter().find(|(k, _)| &**k == key)?.1;
    slot.accepted.map(|(_, v)| v.value.clone())
}

/// The error of a call that must be refused before it starts.
fn refused(started: Result<crate::client::OpHandle, crate::ops::OpError>) -> crate::ops::OpError {
    started.err().expect("refused")
}

fn assert_linearizable(sim: &Sim) {
    let report = check_run(sim, DEFAULT_STEP_BUDGET);
    assert!(report.violation.is_none() && report.oracles.is_empty(), "{report:?}");
}

#[test]
fn growing_3_to_4_to_5_under_load_runs_every_step_and_loses_nothing() {
    // §2.3.1 (2F+1 → 2F+2) then §2.3.2 (2F+2 → 2F+3): turn on, accept quorum change, catch-up
    // rescan, prepare quorum change; client increments run throughout.
    let sim = cluster(DriverConfig::default());
    for (i, key) in ["c0", "c1", "c2"].into_iter().enumerate() {
        let proposer = 1 + (i % 2) as ProposerId;
        sim.start_loop(ClientLoop::Increments { proposer, key: key.into(), left: 40 });
    }
    sim.run_for(50);
    let first = sim.add_acceptor().unwrap();
    let again = refused(sim.add_acceptor());
    assert!(again.message.contains("one change at a time") && again.message.contains("adding a4"), "{again}");
    let mut saw_step = None;
    while saw_step.is_none() {
        sim.step();
        saw_step = sim.membership_step().filter(|s| s.progress.is_some());
    }
    assert_eq!(saw_step.unwrap().name, "catch-up rescan");
    assert_eq!(sim.block_on(first).unwrap(), json!("a4"));
    assert!(sim.pending() > 0, "the change ran among client operations");
    assert_eq!(sim.block_on(sim.add_acceptor().unwrap()).unwrap(), json!("a5"));
    sim.run_until_idle(1_000_000);
    assert_eq!(sim.loops_done(), 3);
    let names: Vec<String> = steps(&sim).into_iter().filter(|(a, _)| *a == 4).map(|(_, s)| s).collect();
    let expected = [
        "turn on",
        "turn on",
        "accept quorum change",
        "accept quorum change",
        "catch-up rescan",
        "catch-up rescan",
        "prepare quorum change",
        "prepare quorum change",
        "done",
    ];
    assert_eq!(names, expected, "each step starts and ends, in the plan's order");
    let config = sim.phase_sets();
    assert_eq!((config.prepare.nodes, config.prepare.quorum), (vec![1, 2, 3, 4, 5], 3));
    assert_eq!((config.accept.nodes, config.accept.quorum), (vec![1, 2, 3, 4, 5], 3));
    assert_eq!(sim.acceptor_ids(), vec![1, 2, 3, 4, 5]);
    assert!(sim.membership_step().is_none());
    for a in [4, 5] {
        assert!(holds(&sim, a, "c0").is_some(), "the rescan (or a later write) brought c0 to a{a}");
    }
    for key in ["c0", "c1", "c2"] {
        assert_eq!(sim.block_on(sim.client(1).get(key)).unwrap(), json!(40), "no acknowledged increment of {key} lost");
    }
    assert_linearizable(&sim);
}

#[test]
fn removing_an_acceptor_turns_it_off_for_good_and_ids_are_never_reused() {
    // §2.3.2 backwards: prepare leaves it, accept quorum change, rescan, prepare quorum, turn off.
    let sim = cluster(DriverConfig::default());
    sim.block_on(sim.client(1).put("k", json!(1))).unwrap();
    assert_eq!(sim.block_on(sim.remove_acceptor(2).unwrap()).unwrap(), json!(null));
    let names: Vec<String> = steps(&sim).into_iter().map(|(_, s)| s).collect();
    assert_eq!(names.first().map(String::as_str), Some("prepare quorum change"), "{names:?}");
    assert_eq!(names.last().map(String::as_str), Some("done"));
    assert!(names.contains(&"turn off".to_owned()) && names.contains(&"catch-up rescan".to_owned()));
    assert_eq!(sim.acceptor_ids(), vec![1, 3]);
    assert!(!sim.is_up(Node::Acceptor(2)));
    sim.restart(Node::Acceptor(2)).unwrap();
    assert!(!sim.is_up(Node::Acceptor(2)), "a removed acceptor never comes back");
    let config = sim.phase_sets();
    assert_eq!((config.prepare.nodes, config.prepare.quorum, config.accept.quorum), (vec![1, 3], 2, 2));
    assert_eq!(sim.block_on(sim.add_acceptor().unwrap()).unwrap(), json!("a4"), "a2's id is not reused");
    assert_eq!(sim.block_on(sim.client(2).get("k")).unwrap(), json!(1));
    let e = refused(sim.remove_acceptor(2));
    assert_eq!(e.message, "cannot change the membership: a2 is not an acceptor");
    // Messages name the members now, not the range of ids ever given out.
    let message = |r: Result<(), crate::ops::OpError>| r.unwrap_err().message;
    assert_eq!(message(sim.crash(Node::Acceptor(9))), "unknown node a9: this cluster has a1, a3, a4");
    assert_eq!(message(sim.wipe(2)), "a2 was removed from the cluster, which has a1, a3, a4");
    assert_eq!(sim.acceptor_names(), "a1, a3, a4");
    assert_eq!(message(sim.crash(Node::Proposer(7))), "unknown node p7: this cluster has p1..p2");
    assert_linearizable(&sim);
}

#[test]
fn changes_that_cannot_be_planned_are_invalid_arguments() {
    let flexible =
        DriverConfig { quorums: Some(crate::protocol::Quorums { prepare: 2, accept: 3 }), ..DriverConfig::default() };
    let sim = Sim::new(SimConfig { acceptors: 4, driver: flexible, ..SimConfig::default() }).unwrap();
    let e = refused(sim.add_acceptor());
    assert_eq!(e.kind, crate::ops::ErrorKind::InvalidArgument);
    assert!(e.message.contains("starts from majority quorums"), "{e}");
    let one = Sim::new(SimConfig { acceptors: 1, ..SimConfig::default() }).unwrap();
    assert!(refused(one.remove_acceptor(1)).message.contains("the last acceptor cannot be removed"));
    let full = Sim::new(SimConfig { acceptors: 15, ..SimConfig::default() }).unwrap();
    let e = refused(full.add_acceptor());
    assert!(e.message.contains("no acceptor id left: ids a1..a15 are all taken"), "{e}");
    assert!(!full.is_idle() || full.membership_step().is_none(), "a refused change starts nothing");
}

#[test]
fn a_rescan_without_quorum_stops_unavailable_in_a_safe_state_and_the_same_call_resumes_it() {
    // The rescan of a 3 → 4 growth writes with an accept quorum of 3 of 4: with a1 and a2 down
    // no read finishes. After maxAttempts failed reads the change rejects `Unavailable` and the
    // proposers keep the sets of the last completed step (accept to 4 with 3, prepare to 3 with
    // 2: every prepare quorum meets every accept quorum). Calling it again finishes it.
    let driver = DriverConfig { max_attempts: 2, ..DriverConfig::default() };
    let sim = cluster(driver);
    sim.block_on(sim.client(1).put("k", json!(5))).unwrap();
    sim.crash(Node::Acceptor(1)).unwrap();
    sim.crash(Node::Acceptor(2)).unwrap();
    let e = sim.block_on(sim.add_acceptor().unwrap()).unwrap_err();
    assert!(matches!(e.kind, crate::ops::ErrorKind::Unavailable { .. }), "{e:?}");
    assert!(e.message.contains("stopped at its step 'catch-up rescan' after 2 failed attempts"), "{e}");
    let config = sim.phase_sets();
    assert_eq!((config.accept.nodes.len(), config.accept.quorum), (4, 3));
    assert_eq!((config.prepare.nodes.len(), config.prepare.quorum), (3, 2));
    assert!(crate::membership::plan::disjoint_quorums(&config.prepare, &config.accept).is_none());
    let stopped = sim.membership_stopped().expect("the stopped change is shown");
    assert_eq!((stopped.kind, stopped.step), (ChangeKind::Add(4), "catch-up rescan"));
    assert_eq!(stopped.reason, "no quorum after 2 failed attempts");
    assert_eq!(sim.membership_step(), None, "nothing runs");
    let e = refused(sim.remove_acceptor(3));
    assert!(e.message.contains("call addAcceptor() again to finish it first"), "{e}");
    sim.restart(Node::Acceptor(1)).unwrap();
    sim.restart(Node::Acceptor(2)).unwrap();
    let resumed = sim.add_acceptor().unwrap();
    assert_eq!(sim.membership_stopped(), None, "resumed: no longer stopped");
    assert_eq!(sim.membership_step().map(|s| s.name), Some("catch-up rescan"), "it resumes where it stopped");
    assert_eq!(sim.block_on(resumed).unwrap(), json!("a4"), "resumed, same id");
    assert_eq!(holds(&sim, 4, "k"), Some(json!(5)));
    assert_eq!(sim.phase_sets().prepare.quorum, 3);
    assert_linearizable(&sim);
}

/// The paper's scenario (§2.3.3): `k` is written to exactly F+1 = 2 of 3 acceptors (a3 is cut
/// off), `a` everywhere; then the cluster grows to 4 and a1 is removed. Without the rescan
/// (or rescanning only the first key, `a`), `k` sits on a2 alone among {a2, a3, a4}, whose
/// prepare quorum is 2: a prepare of a3 and a4 misses it.
fn grow_and_shrink_after_a_write_to_f_plus_1(driver: DriverConfig) -> Sim {
    let sim = cluster(driver);
    sim.block_on(sim.client(1).put("a", json!("everywhere"))).unwrap();
    sim.isolate(Node::Acceptor(3)).unwrap();
    sim.block_on(sim.client(1).put("k", json!(42))).unwrap();
    sim.run_for(100);
    sim.heal();
    assert_eq!(
        (holds(&sim, 1, "k"), holds(&sim, 2, "k"), holds(&sim, 3, "k")),
        (Some(json!(42)), Some(json!(42)), None)
    );
    assert_eq!(sim.block_on(sim.add_acceptor().unwrap()).unwrap(), json!("a4"));
    assert_eq!(sim.block_on(sim.remove_acceptor(1).unwrap()).unwrap(), json!(null));
    sim.crash(Node::Acceptor(2)).unwrap(); // the next prepare quorum is a3 + a4
    sim
}

fn lost_write(driver: DriverConfig) {
    let sim = grow_and_shrink_after_a_write_to_f_plus_1(driver);
    assert_eq!(sim.block_on(sim.client(2).get("k")).unwrap(), json!(null), "the acknowledged 42 is gone");
    let v = check_run(&sim, DEFAULT_STEP_BUDGET).violation.expect("the checker catches the lost write");
    assert_eq!((v.kind, v.key.as_str()), (ViolationKind::Linearizability, "k"), "{v:?}");
    assert!(v.explanation.contains("put k 42") && v.explanation.contains("get k → null"), "{}", v.explanation);
}

#[test]
fn the_correct_change_keeps_a_write_that_sat_on_f_plus_1_acceptors() {
    let sim = grow_and_shrink_after_a_write_to_f_plus_1(DriverConfig::default());
    assert_eq!(sim.block_on(sim.client(2).get("k")).unwrap(), json!(42));
    assert_linearizable(&sim);
}

#[test]
fn skipping_the_catch_up_rescan_loses_the_write_and_the_checker_names_it() {
    lost_write(DriverConfig { break_skip_rescan: true, ..DriverConfig::default() });
}

#[test]
fn rescanning_one_key_only_loses_the_write_and_the_checker_names_it() {
    lost_write(DriverConfig { break_rescan_one_key: true, ..DriverConfig::default() });
}
