//! "No answer without a quorum": the regressions of issues 8 and 15, each a sequence that once
//! gave an answer no quorum had confirmed. Every answer here — ok or refusal — must come from a
//! state a quorum accepted in that operation, and the checker must agree.

#![cfg(not(target_arch = "wasm32"))]

use caspaxos_playground::checker::{check, DEFAULT_STEP_BUDGET};
use caspaxos_playground::client::Versioned;
use caspaxos_playground::driver::{DriverConfig, Outcome};
use caspaxos_playground::ops::{ErrorKind, OpError};
use caspaxos_playground::sim::{NetConfig, Node, Sim, SimConfig};
use serde_json::json;

fn cluster(proposers: usize, one_rtt: bool) -> Sim {
    let net = NetConfig { latency_ms_min: 10, latency_ms_max: 10, ..NetConfig::default() };
    let driver = DriverConfig { one_rtt, ..DriverConfig::default() };
    Sim::new(SimConfig { acceptors: 3, proposers, seed: 1, net, driver, ..SimConfig::default() }).unwrap()
}

fn assert_linearizable(s: &Sim) {
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let report = check(&s.history(), DEFAULT_STEP_BUDGET);
    assert!(report.ok, "{:?}", report.violation);
}

#[test]
fn no_version_conflict_from_a_stale_cache() {
    // Issue 8 §1: p1 caches k at version 1; p2 moves it to version 2; p1's write expecting 2 was
    // refused from the cache with "the key is at version 1", without sending a message.
    let s = cluster(2, true);
    let (p1, p2) = (s.client(1), s.client(2));
    s.block_on(p1.put("k", json!("a"))).unwrap();
    assert_eq!(s.block_on(p2.write("k", 1, json!("b"))).unwrap(), 2);
    assert_eq!(s.block_on(p1.write("k", 2, json!("c"))).unwrap(), 3, "p1 must see version 2");
    assert_eq!(s.block_on(p1.read("k")).unwrap(), Versioned { version: 3, value: json!("c") });
    assert_linearizable(&s);
}

#[test]
fn no_update_rejected_from_a_stale_cache() {
    // A change function that throws on the cached value ("a") while the register holds a number.
    let s = cluster(2, true);
    let (p1, p2) = (s.client(1), s.client(2));
    s.block_on(p1.put("k", json!("a"))).unwrap();
    s.block_on(p2.put("k", json!(5))).unwrap();
    let doubled = s.block_on(p1.change("k", |x| match x.as_i64() {
        Some(n) => Ok(json!(n * 2)),
        None => Err(OpError::rejected(format!("not a number: {x}"))),
    }));
    assert_eq!(doubled.unwrap(), json!(10));
    assert_eq!(s.block_on(p1.increment("k")).unwrap(), 11, "increment sees the number too");
    assert_linearizable(&s);
}

#[test]
fn no_lock_refusal_from_a_stale_cached_holder() {
    let s = cluster(2, true);
    let (p1, p2) = (s.client(1), s.client(2));
    assert!(s.block_on(p1.acquire_lock("job", "alice", None)).unwrap());
    assert!(s.block_on(p2.release_lock("job", "alice")).unwrap());
    assert!(s.block_on(p1.acquire_lock("job", "bob", None)).unwrap(), "p1's cache still shows alice");
    assert_linearizable(&s);
}

#[test]
fn a_refusal_writes_back_the_minority_state_it_saw() {
    // Issue 15, step by step, without the cache: p1's second write reaches a1 only; p2 (seeing a1
    // and a2) refuses a write because a1 holds version 2 — which only a minority accepted. Once p2
    // answered, version 2 must be chosen: p3, seeing only a2 and a3, must find it too.
    let s = cluster(3, false);
    let (p1, p2, p3) = (s.client(1), s.client(2), s.client(3));
    assert_eq!(s.block_on(p1.write("k", 0, json!("v1"))).unwrap(), 1);

    let uncertain = p1.write("k", 1, json!("v2"));
    s.run_for(25); // prepares out (10 ms), promises back (20 ms), accepts on the wire
    s.partition(vec![vec![Node::Proposer(1), Node::Acceptor(1)]]).unwrap();
    s.run_for(10); // the accept arrives at a1 only
    s.crash(Node::Proposer(1)).unwrap();
    s.heal();
    let e = s.block_on(uncertain).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable { indeterminate: true }, "{e}");
    assert_eq!(s.registers(1)[0].1.accepted.as_ref().unwrap().1.version, 2, "a1 holds version 2");
    assert_eq!(s.registers(2)[0].1.accepted.as_ref().unwrap().1.version, 1, "a2 does not");

    s.partition(vec![vec![Node::Proposer(2), Node::Acceptor(1), Node::Acceptor(2)]]).unwrap();
    let refused = s.block_on(p2.write("k", 1, json!("p2"))).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::VersionConflict);
    assert!(refused.message.contains("version 2"), "{refused}");
    assert_eq!(s.registers(2)[0].1.accepted.as_ref().unwrap().1.version, 2, "p2 wrote version 2 back to a2");

    s.heal();
    s.isolate(Node::Acceptor(1)).unwrap();
    let p3_write = s.block_on(p3.write("k", 1, json!("p3")));
    let e = p3_write.expect_err("version 2 was chosen when p2 refused: p3 must not write at version 1");
    assert_eq!(e.kind, ErrorKind::VersionConflict, "{e}");
    let h = s.history();
    assert_eq!(
        h.records().map(|o| o.outcome.unwrap()).collect::<Vec<_>>(),
        [Outcome::Ok, Outcome::Unknown, Outcome::Failed, Outcome::Failed]
    );
    drop(h);
    assert_linearizable(&s);
}

#[test]
fn a_lock_grant_that_expired_before_the_answer_is_no_grant() {
    // Issue 8 §4: the grant is evaluated when the proposer has the state (after the prepare), but
    // answered a round trip later: with a 5 ms TTL and 10 ms one-way latency it has lapsed by then.
    let s = cluster(2, false);
    let p1 = s.client(1);
    assert!(!s.block_on(p1.acquire_lock("job", "alice", Some(5))).unwrap(), "void at resolution");
    let lease = s.block_on(s.client(2).acquire_lease("job", "bob", Some(1_000))).unwrap();
    assert!(lease.acquired && lease.holder.as_deref() == Some("bob"), "{lease:?}");
    assert_eq!(lease.token, 2, "alice's void grant still counted");
    assert!(!s.block_on(p1.acquire_lock("job", "alice", Some(1_000))).unwrap(), "bob holds it");
    assert_linearizable(&s);
}

#[test]
fn fencing_tokens_grow_with_every_grant_and_survive_release() {
    let s = cluster(2, true);
    let (p1, p2) = (s.client(1), s.client(2));
    let alice = s.block_on(p1.acquire_lease("job", "alice", Some(1_000))).unwrap();
    assert_eq!((alice.acquired, alice.token), (true, 1));
    let bob = s.block_on(p2.acquire_lease("job", "bob", None)).unwrap();
    assert_eq!((bob.acquired, bob.holder.as_deref(), bob.token), (false, Some("alice"), 1), "alice holds it");
    assert_eq!(bob.expires_at_ms, alice.expires_at_ms);
    s.run_for(1_000);
    let bob = s.block_on(p2.acquire_lease("job", "bob", None)).unwrap();
    assert_eq!((bob.acquired, bob.expires_at_ms, bob.token), (true, None, 2), "alice's lease lapsed");
    assert!(s.block_on(p2.release_lock("job", "bob")).unwrap());
    let carol = s.block_on(p1.acquire_lease("job", "carol", Some(50))).unwrap();
    assert_eq!((carol.acquired, carol.token), (true, 3), "a release keeps the counter");
    assert_linearizable(&s);
}
