//! Manual delivery: messages wait; the user's order decides the run (dueling proposers steered
//! by hand); unknown ids are refused; drops are logged; back to auto, the run finishes.

use super::*;
use crate::ops::Op;
use crate::sim::{SimConfig, Trace};
use futures::FutureExt;

fn manual_sim() -> Sim {
    let sim = Sim::new(SimConfig::default()).unwrap();
    sim.set_delivery(Delivery::Manual);
    sim
}

/// `(id, from, to, type)` of each held message.
fn waiting(sim: &Sim) -> Vec<(u64, String, String, &'static str)> {
    sim.held().iter().map(|m| (m.id, m.from.to_string(), m.to.to_string(), m.msg.kind())).collect()
}

/// The ids of the held messages from `from` to `to` of type `kind`.
fn ids(sim: &Sim, from: &str, to: &str, kind: &str) -> Vec<u64> {
    waiting(sim).into_iter().filter(|m| m.1 == from && m.2 == to && m.3 == kind).map(|m| m.0).collect()
}

fn only(sim: &Sim, from: &str, to: &str, kind: &str) -> u64 {
    let found = ids(sim, from, to, kind);
    assert_eq!(found.len(), 1, "one {kind} {from}->{to} waiting: {:?}", waiting(sim));
    found[0]
}

#[test]
fn messages_wait_and_one_delivery_is_one_event() {
    let sim = manual_sim();
    let mut op = sim.invoke(1, "k", Op::Increment);
    let held = waiting(&sim);
    assert_eq!(held.len(), 3, "p1's three prepares wait: {held:?}");
    assert!(held.iter().all(|m| m.1 == "p1" && m.3 == "prepare"));
    assert_eq!(held.iter().map(|m| m.0).collect::<Vec<_>>(), vec![0, 1, 2], "numbered in send order");
    sim.run_for(5);
    assert_eq!(sim.held().len(), 3, "time alone delivers nothing");
    let steps = sim.steps();
    sim.deliver(only(&sim, "p1", "a2", "prepare")).unwrap();
    assert_eq!(sim.steps(), steps + 1, "a delivery is one event");
    assert_eq!(only(&sim, "a2", "p1", "promise"), 3, "a2's promise waits in turn");
    for (from, to, kind) in [("a2", "p1", "promise"), ("p1", "a1", "prepare"), ("a1", "p1", "promise")] {
        sim.deliver(only(&sim, from, to, kind)).unwrap();
    }
    // A quorum of promises: p1 sends its accepts.
    assert_eq!(ids(&sim, "p1", "a1", "accept").len() + ids(&sim, "p1", "a2", "accept").len(), 2);
    for to in ["a1", "a2"] {
        sim.deliver(only(&sim, "p1", to, "accept")).unwrap();
        sim.deliver(only(&sim, to, "p1", "accepted")).unwrap();
    }
    assert_eq!((&mut op).now_or_never().map(|r| r.unwrap()), Some(serde_json::json!(1)));
    assert_eq!(only(&sim, "p1", "a3", "prepare"), 2, "the prepare nobody delivered still waits");
}

/// Dueling proposers, steered: whichever prepares reach the acceptors last win the promises.
#[test]
fn the_order_of_deliveries_decides_who_is_refused() {
    let sim = manual_sim();
    let _p1 = sim.invoke(1, "k", Op::Increment);
    let _p2 = sim.invoke(2, "k", Op::Increment);
    // Both prepare with counter 1; 1.p2 outranks 1.p1. Deliver p2's first: p1's are refused.
    for a in ["a1", "a2", "a3"] {
        sim.deliver(only(&sim, "p2", a, "prepare")).unwrap();
        sim.deliver(only(&sim, "p1", a, "prepare")).unwrap();
    }
    for a in ["a1", "a2", "a3"] {
        assert_eq!(ids(&sim, a, "p1", "conflict").len(), 1, "{a} refuses p1: {:?}", waiting(&sim));
        assert_eq!(ids(&sim, a, "p2", "promise").len(), 1, "{a} promises p2");
    }
    // The same two operations with p1's prepares delivered first: nobody is refused (p2's 1.p2
    // is greater than 1.p1, so the acceptors promise p2 too).
    let other = manual_sim();
    let _q1 = other.invoke(1, "k", Op::Increment);
    let _q2 = other.invoke(2, "k", Op::Increment);
    for a in ["a1", "a2", "a3"] {
        other.deliver(only(&other, "p1", a, "prepare")).unwrap();
        other.deliver(only(&other, "p2", a, "prepare")).unwrap();
    }
    assert!(ids(&other, "a1", "p1", "conflict").is_empty(), "{:?}", waiting(&other));
    assert_eq!(ids(&other, "a1", "p1", "promise").len(), 1);
}

#[test]
fn unknown_or_already_delivered_ids_are_refused_with_the_waiting_ids() {
    let sim = manual_sim();
    let _op = sim.invoke(1, "k", Op::Increment);
    let e = sim.deliver(7).unwrap_err();
    assert_eq!(e.name(), "InvalidArgument");
    assert_eq!(e.message, "no message 7 is waiting to be delivered (waiting: 0, 1, 2)");
    sim.deliver(1).unwrap();
    assert!(sim.deliver(1).unwrap_err().message.starts_with("no message 1 is waiting"));
    assert!(sim.drop_message(1).unwrap_err().message.starts_with("no message 1 is waiting"));
    let idle = manual_sim();
    assert_eq!(idle.drop_message(0).unwrap_err().message, "no message 0 is waiting to be delivered (none is)");
}

#[test]
fn a_dropped_message_never_arrives_and_is_logged() {
    let sim = manual_sim();
    let _op = sim.invoke(1, "k", Op::Increment);
    sim.drop_message(0).unwrap();
    assert_eq!(sim.stats().dropped, 1);
    assert_eq!(sim.trace().line(sim.trace().events.len() - 1), "0ms p1->a1 drop (manual) prepare k 1.p1");
    assert_eq!(ids(&sim, "p1", "a1", "prepare"), Vec::<u64>::new());
    sim.run_for(1000);
    assert!(
        sim.trace().events.iter().all(|e| !matches!(e.kind, EventKind::Deliver { ref msg } if msg.id == 0)),
        "never delivered"
    );
}

#[test]
fn partitions_and_crashes_still_apply_when_a_held_message_arrives() {
    let sim = manual_sim();
    let _op = sim.invoke(1, "k", Op::Increment);
    sim.isolate_for_test(Node::Acceptor(1));
    sim.crash(Node::Acceptor(2)).unwrap();
    sim.deliver(0).unwrap();
    sim.deliver(1).unwrap();
    let lines = last_lines(&sim.trace(), 2);
    assert_eq!(lines, ["0ms p1->a1 drop (partition) prepare k 1.p1", "0ms p1->a2 drop (down) prepare k 1.p1"]);
}

#[test]
fn back_to_auto_the_held_messages_arrive_and_the_run_finishes() {
    let sim = manual_sim();
    let op = sim.invoke(1, "k", Op::Increment);
    let _other = sim.invoke(2, "k", Op::Increment);
    assert_eq!(sim.held().len(), 6);
    sim.set_delivery(Delivery::Auto);
    assert!(sim.held().is_empty());
    assert!(sim.block_on(op).is_ok());
    sim.run_until_idle(100_000);
    assert_eq!(sim.stats().ok, 2, "both increments end");
    assert!(sim.violations().is_empty());
}

#[test]
fn held_ids_and_the_run_are_deterministic() {
    let run = || {
        let sim = manual_sim();
        let _a = sim.invoke(1, "k", Op::Increment);
        let _b = sim.invoke(2, "k", Op::Increment);
        for id in [4, 0, 5, 1] {
            sim.deliver(id).unwrap();
        }
        sim.drop_message(2).unwrap();
        sim.run_for(500);
        let hash = sim.trace().hash();
        (waiting(&sim), hash)
    };
    assert_eq!(run(), run());
}

fn last_lines(t: &Trace, n: usize) -> Vec<String> {
    (t.events.len() - n..t.events.len()).map(|i| t.line(i)).collect()
}

impl Sim {
    fn isolate_for_test(&self, node: Node) {
        self.partition(vec![vec![node]]).unwrap();
    }
}

/// An operation cut off by dropping its simulation is marked abandoned (not told apart by its
/// message); one that ended before the drop keeps its own answer, unmarked.
#[test]
fn dropping_the_simulation_abandons_only_the_operations_that_had_not_ended() {
    let sim = Sim::new(SimConfig::default()).unwrap();
    let mut ended = sim.invoke(1, "a", Op::Get);
    sim.run_until_idle(10_000);
    let mut cut_off = sim.invoke(1, "b", Op::Increment);
    drop(sim);
    assert_eq!((&mut ended).now_or_never().map(|r| r.is_ok()), Some(true), "the answer given before the drop");
    assert!(!ended.abandoned());
    let r = (&mut cut_off).now_or_never().expect("answered by the drop");
    // Dropped before it sent an accept: it was not applied (outside tester 16, finding 5).
    let not_applied = crate::ops::OpError::unanswered(false, crate::client::DROPPED_WITH_THE_SIMULATION);
    assert_eq!(r.unwrap_err(), not_applied);
    assert!(cut_off.abandoned());
}
