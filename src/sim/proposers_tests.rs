//! Adding and removing proposers (paper §2.3.4).

use super::*;
use crate::checker::{check_run, DEFAULT_STEP_BUDGET};
use crate::driver::{DriverConfig, Outcome};
use crate::ops::{ErrorKind, Op};
use crate::sim::{ClientLoop, SimConfig};
use serde_json::json;

fn cluster(proposers: usize, driver: DriverConfig) -> Sim {
    Sim::new(SimConfig { acceptors: 3, proposers, seed: 11, driver, ..SimConfig::default() }).unwrap()
}

fn assert_linearizable(sim: &Sim) {
    let report = check_run(sim, DEFAULT_STEP_BUDGET);
    assert!(report.violation.is_none() && report.oracles.is_empty(), "{report:?}");
}

/// `(node, step)` of every membership event naming a proposer, in order.
fn proposer_steps(sim: &Sim) -> Vec<(ProposerId, &'static str)> {
    let trace = sim.trace();
    (0..trace.events.len())
        .filter_map(|i| match &trace.events[i].kind {
            EventKind::Membership { node: Node::Proposer(p), step, .. } => Some((*p, *step)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_new_proposer_starts_at_once_past_every_ballot_with_the_others_configuration() {
    let driver = DriverConfig { one_rtt: true, ..DriverConfig::default() };
    let sim = cluster(2, driver.clone());
    for i in 0..5 {
        sim.block_on(sim.client(1).put("k", json!(i))).unwrap();
    }
    let highest = sim.proposer(1).ballot_counter().max(sim.proposer(2).ballot_counter());
    assert!(highest > 0);
    assert_eq!(sim.add_proposer(), Ok(3));
    assert_eq!(proposer_steps(&sim), vec![(3, "turn on"), (3, "done")]);
    let p3 = sim.proposer(3);
    assert_eq!(p3.ballot_counter(), highest, "no younger than any proposer");
    assert_eq!(p3.config(), driver, "the others' configuration");
    assert!(p3.cached().is_empty(), "an empty cache");
    assert_eq!(sim.proposer_ids(), vec![1, 2, 3]);
    // Its first round on k is not refused as too old (with a counter of 0 it would be).
    let conflicts = sim.stats().conflicts;
    assert_eq!(sim.block_on(sim.client(3).get("k")).unwrap(), json!(4));
    assert_eq!(sim.stats().conflicts, conflicts, "the first round of p3 went through");
    assert!(sim.is_up(Node::Proposer(3)) && sim.check_member(Node::Proposer(3)).is_ok());
    assert_linearizable(&sim);
}

#[test]
fn ids_are_handed_out_in_order_never_reused_up_to_the_limit() {
    let sim = cluster(MAX_PROPOSERS - 1, DriverConfig::default());
    assert_eq!(sim.add_proposer(), Ok(MAX_PROPOSERS as ProposerId));
    sim.remove_proposer(MAX_PROPOSERS as ProposerId).unwrap();
    let e = sim.add_proposer().unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert_eq!(e.message, "no proposer id left: ids p1..p9 are all taken (a removed proposer's id is never reused)");
    assert_eq!(sim.proposer_ids(), (1..MAX_PROPOSERS as ProposerId).collect::<Vec<_>>());
}

#[test]
fn removal_ends_operations_in_flight_and_later_ones_are_refused_by_name() {
    let sim = cluster(2, DriverConfig::default());
    sim.block_on(sim.client(1).put("k", json!(1))).unwrap();
    // One put whose accept is on the wire, one that has not reached its accept yet.
    let sent = sim.invoke(2, "k", Op::Put(json!(2)));
    while !sim.history().records().any(|r| r.proposer == 2 && r.may_have_applied) {
        assert!(sim.step());
    }
    let queued = sim.invoke(2, "other", Op::Put(json!(3)));
    sim.remove_proposer(2).unwrap();
    let e = sim.block_on(sent).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable { indeterminate: true });
    assert_eq!(e.message, "proposer p2 was removed; the change may have been applied");
    let e = sim.block_on(queued).unwrap_err();
    assert_eq!(e.message, "proposer p2 was removed; the change was not applied");
    let outcomes: Vec<_> = sim.history().records().filter(|r| r.proposer == 2).map(|r| r.outcome).collect();
    assert_eq!(outcomes, vec![Some(Outcome::Unknown), Some(Outcome::Failed)]);
    assert_eq!(proposer_steps(&sim), vec![(2, "turn off"), (2, "done")]);
    let trace = sim.trace();
    let said = "p2 leaves the network for good; its 2 operations in flight end";
    assert!((0..trace.events.len()).any(|i| trace.line(i).contains(said)), "the turn off event says why");
    drop(trace);
    // Gone for good: operations and collections naming it are refused; a restart changes nothing.
    let e = sim.block_on(sim.invoke(2, "k", Op::Get)).unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::InvalidArgument, "p2 was removed from the cluster, which has p1")
    );
    assert_eq!(sim.gc("k", 2).err().map(|e| e.message), Some("p2 was removed from the cluster, which has p1".into()));
    sim.restart(Node::Proposer(2)).unwrap();
    sim.apply(crate::sim::Action::EndFaults).unwrap();
    assert!(!sim.is_up(Node::Proposer(2)), "a removed proposer never comes back");
    assert_eq!(sim.proposer_ids(), vec![1]);
    assert_eq!(sim.first_proposer(), 1);
    // The late accept of the removed proposer may land: whatever it did, the history explains it.
    sim.run_until_idle(100_000);
    sim.block_on(sim.client(1).get("k")).unwrap();
    assert_linearizable(&sim);
}

#[test]
fn removals_the_cluster_cannot_take_are_invalid_arguments() {
    let sim = cluster(2, DriverConfig::default());
    sim.remove_proposer(1).unwrap();
    assert_eq!(sim.first_proposer(), 2, "the lowest proposer left");
    let invalid = |r: Result<(), OpError>| r.unwrap_err().message;
    assert_eq!(invalid(sim.remove_proposer(1)), "p1 is not a proposer (it was removed)");
    assert_eq!(invalid(sim.remove_proposer(2)), "the last proposer cannot be removed");
    assert_eq!(invalid(sim.remove_proposer(3)), "unknown node p3: this cluster has p2");
    assert_eq!(sim.proposer_ids(), vec![2], "a refused removal changes nothing");
    assert_eq!(sim.block_on(sim.client(2).put("k", json!(1))).unwrap(), json!(1));
}

#[test]
fn removing_the_rescan_coordinator_hands_its_reads_to_the_next_one() {
    // Two attempts: were the four reads the removal ended counted as failed attempts, the change
    // would stop `Unavailable` at once (2 failures in a row).
    let sim = cluster(2, DriverConfig { max_attempts: 2, ..DriverConfig::default() });
    for k in ["a", "b", "c", "d"] {
        sim.block_on(sim.client(1).put(k, json!(k))).unwrap();
    }
    let adding = sim.add_acceptor().unwrap();
    let rescanning = |sim: &Sim| sim.membership_step().is_some_and(|s| s.progress.is_some_and(|(done, _)| done == 0));
    while !rescanning(&sim) {
        assert!(sim.step());
    }
    assert!(sim.history().records().any(|r| r.proposer == 1 && r.outcome.is_none()), "p1 reads");
    sim.remove_proposer(1).unwrap();
    assert_eq!(sim.block_on(adding).unwrap(), json!("a4"));
    let reread = sim.history().records().filter(|r| r.proposer == 2 && r.op == crate::ops::OpKind::Get).count();
    assert_eq!(reread, 4, "p2 read every key again");
    assert_eq!(sim.phase_sets().prepare.nodes, vec![1, 2, 3, 4]);
    assert_linearizable(&sim);
}

#[test]
fn proposers_come_and_go_while_an_acceptor_change_runs_and_clients_keep_going() {
    let sim = cluster(2, DriverConfig::default());
    sim.start_loop(ClientLoop::Increments { proposer: 1, key: "c".into(), left: 30 });
    sim.run_for(30);
    let adding = sim.add_acceptor().unwrap();
    sim.run_for(5);
    assert!(sim.membership_step().is_some(), "the acceptor change runs");
    assert_eq!(sim.add_proposer(), Ok(3));
    let through_new = sim.client(3).increment("c");
    sim.remove_proposer(2).unwrap();
    assert_eq!(sim.block_on(adding).unwrap(), json!("a4"));
    assert!(sim.block_on(through_new).is_ok(), "the new proposer follows the change");
    sim.run_until_idle(1_000_000);
    assert_eq!(sim.loops_done(), 1);
    assert_eq!(sim.block_on(sim.client(3).get("c")).unwrap(), json!(31));
    assert_linearizable(&sim);
}

#[test]
fn a_background_collection_of_a_removed_proposer_runs_on_the_lowest_one_left() {
    // gcDelay schedules the collection on the deleting proposer's node; p2 is gone by then.
    let sim = Sim::new(SimConfig { proposers: 2, gc_delay_ms: Some(20), ..SimConfig::default() }).unwrap();
    sim.block_on(sim.client(2).put("k", json!(1))).unwrap();
    sim.block_on(sim.client(2).delete("k")).unwrap();
    sim.remove_proposer(2).unwrap();
    sim.run_until_idle(100_000);
    let h = sim.history();
    let gc = h.records().find(|r| r.op == crate::ops::OpKind::Gc).expect("the collection ran");
    assert_eq!((gc.proposer, gc.outcome), (1, Some(Outcome::Ok)), "{gc:?}");
    drop(h);
    assert!((1..=3).all(|a| sim.registers(a).is_empty()), "k was erased everywhere");
}
