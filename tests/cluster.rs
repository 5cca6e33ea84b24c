//! The seed's API and examples through the simulated cluster, and the proposer's guarantees
//! (exactly once, fresh ballots, 1RTT) in hand-built scenarios.

#![cfg(not(target_arch = "wasm32"))]

use caspaxos_playground::client::Versioned;
use caspaxos_playground::driver::{DriverConfig, Outcome};
use caspaxos_playground::ops::{ErrorKind, Op, OpError};
use caspaxos_playground::sim::{EventKind, Msg, NetConfig, Node, Sim, SimConfig};
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;

fn sim(acceptors: usize, proposers: usize, seed: u64) -> Sim {
    Sim::new(SimConfig { acceptors, proposers, seed, ..SimConfig::default() }).unwrap()
}

/// Latency fixed at 10 ms, so a test can act between a message's send and its arrival.
fn fixed_latency(acceptors: usize, proposers: usize, driver: DriverConfig) -> Sim {
    let net = NetConfig { latency_ms_min: 10, latency_ms_max: 10, ..NetConfig::default() };
    Sim::new(SimConfig { acceptors, proposers, seed: 7, net, driver, ..SimConfig::default() }).unwrap()
}

#[test]
fn key_value_store_put_get_delete() {
    let s = sim(3, 2, 1);
    let (p1, p2) = (s.client(1), s.client(2));
    assert_eq!(s.block_on(p1.get("k")).unwrap(), json!(null));
    assert_eq!(s.block_on(p1.put("k", json!({"a": [1, 2]}))).unwrap(), json!({"a": [1, 2]}));
    assert_eq!(s.block_on(p2.get("k")).unwrap(), json!({"a": [1, 2]}), "another proposer reads it");
    s.block_on(p2.delete("k")).unwrap();
    assert_eq!(s.block_on(p1.get("k")).unwrap(), json!(null));
    assert!(s.violations().is_empty());
}

#[test]
fn versioned_reads_and_writes() {
    let s = sim(3, 2, 2);
    let (p1, p2) = (s.client(1), s.client(2));
    assert_eq!(s.block_on(p1.read("doc")).unwrap(), Versioned { version: 0, value: json!(null) });
    assert_eq!(s.block_on(p1.write("doc", 0, json!("v1"))).unwrap(), 1);
    assert_eq!(s.block_on(p2.write("doc", 1, json!("v2"))).unwrap(), 2);
    let stale = s.block_on(p1.write("doc", 1, json!("lost"))).unwrap_err();
    assert_eq!(stale.kind, ErrorKind::VersionConflict, "{stale}");
    assert_eq!(s.block_on(p1.read("doc")).unwrap(), Versioned { version: 2, value: json!("v2") });
    assert_eq!(s.block_on(p1.increment("n")).unwrap(), 1);
    assert_eq!(s.block_on(p2.increment("n")).unwrap(), 2);
    assert_eq!(s.block_on(p1.read("n")).unwrap(), Versioned { version: 2, value: json!(2) });
    let h = s.history();
    let conflict =
        h.records().find(|o| o.error.as_ref().is_some_and(|e| e.kind == ErrorKind::VersionConflict)).unwrap();
    assert_eq!(conflict.outcome, Some(Outcome::Failed));
}

#[test]
fn distributed_lock_with_owner_and_ttl() {
    let s = sim(3, 2, 3);
    let (p1, p2) = (s.client(1), s.client(2));
    assert!(s.block_on(p1.acquire_lock("job", "alice", Some(1_000))).unwrap());
    assert!(!s.block_on(p2.acquire_lock("job", "bob", None)).unwrap(), "held by alice");
    assert!(!s.block_on(p2.release_lock("job", "bob")).unwrap(), "bob does not hold it");
    s.run_for(1_000);
    assert!(s.block_on(p2.acquire_lock("job", "bob", None)).unwrap(), "alice's lease expired in virtual time");
    assert!(!s.block_on(p1.release_lock("job", "alice")).unwrap());
    assert!(s.block_on(p2.release_lock("job", "bob")).unwrap());
    assert!(s.block_on(p1.acquire_lock("job", "alice", None)).unwrap());
    assert_eq!(s.registers(1).iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(), vec!["lock:job"]);
}

#[test]
fn a_change_function_that_refuses_writes_the_state_back_unchanged() {
    // A refusal observed a state: like a read, it is answered only after a quorum accepted that
    // state unchanged (DESIGN: "no answer without a completed round").
    let s = sim(3, 1, 4);
    let p1 = s.client(1);
    s.block_on(p1.put("k", json!(5))).unwrap();
    let sends_before = s.stats().messages;
    let err = s.block_on(p1.change("k", |_| Err(OpError::rejected("no thanks")))).unwrap_err();
    assert_eq!(err.kind, ErrorKind::UpdateRejected);
    let trace = s.trace();
    let accepted: Vec<_> = (trace.messages().iter().skip(sends_before as usize))
        .filter_map(|m| match &m.msg {
            Msg::Request(caspaxos_playground::protocol::Request::Accept { value, .. }) => Some(value.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(accepted.len(), 3, "the unchanged state is written back to every acceptor");
    assert!(accepted.iter().all(|v| v.value == json!(5) && v.version == 1), "nothing new was written: {accepted:?}");
    drop(trace);
    assert_eq!(s.block_on(p1.read("k")).unwrap(), Versioned { version: 1, value: json!(5) });
    assert_eq!(s.history().get(1).unwrap().outcome, Some(Outcome::Failed));
}

#[test]
fn invalid_arguments_are_refused_before_anything_runs() {
    let s = sim(3, 2, 5);
    for (proposer, key) in [(0u8, "k"), (3, "k"), (1, ""), (1, &"x".repeat(257) as &str)] {
        let err = s.block_on(s.invoke(proposer, key, Op::Get)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument, "p{proposer} {key:?}: {err}");
    }
    assert!(s.history().is_empty());
    assert!(s.crash(Node::Acceptor(4)).unwrap_err().message.contains("a1..a3"));
    assert!(s.partition(vec![vec![Node::Acceptor(1)], vec![Node::Acceptor(1)]]).is_err());
    assert!(s.set_latency(10, 5).is_err() && s.set_drop_rate(1.5).is_err());
    assert!(Sim::new(SimConfig { acceptors: 16, ..SimConfig::default() }).is_err());
    assert_eq!(s.block_on(s.client(1).increment("k")).unwrap(), 1, "still usable");
}

/// The seed's example: 10 concurrent workers x 100 increments through one proposer = exactly 1000.
#[test]
fn ten_workers_times_a_hundred_increments_is_exactly_a_thousand() {
    let s = sim(3, 1, 42);
    let finished = Rc::new(Cell::new(0));
    for _ in 0..10 {
        let (client, finished) = (s.client(1), finished.clone());
        s.spawn(async move {
            for _ in 0..100 {
                client.increment("counter").await.expect("no faults: every increment succeeds");
            }
            finished.set(finished.get() + 1);
        });
    }
    s.run_until_idle(u64::MAX);
    assert_eq!(finished.get(), 10);
    assert_eq!(s.block_on(s.client(1).get("counter")).unwrap(), json!(1000));
    let stats = s.stats();
    assert_eq!((stats.ok, stats.failed, stats.unknown), (1001, 0, 0));
    // Concurrent callers queue on the proposer's per-key lock, so with the cache every increment
    // after the first is one round trip: 3 accepts + 3 accepted.
    assert!(stats.messages_per_operation() < 6.1, "{stats:?}");
}

/// Three proposers contend on one key with no faults: all increments succeed, none applied twice.
#[test]
fn three_contending_proposers_lose_no_increment_and_apply_none_twice() {
    for seed in 1..=20 {
        let s = sim(3, 3, seed);
        for p in 1..=3u8 {
            for _ in 0..3 {
                let client = s.client(p);
                s.spawn(async move {
                    for _ in 0..20 {
                        client.increment("hot").await.expect("retries resolve contention");
                    }
                });
            }
        }
        s.run_until_idle(u64::MAX);
        let h = s.history();
        assert_eq!(h.count(Outcome::Ok), 180, "seed {seed}");
        let mut outputs: Vec<i64> =
            h.records().map(|o| o.output.as_ref().unwrap().to_json().as_i64().unwrap()).collect();
        drop(h);
        outputs.sort();
        assert_eq!(outputs, (1..=180).collect::<Vec<_>>(), "seed {seed}: each increment saw a distinct value");
        assert_eq!(s.block_on(s.client(1).get("hot")).unwrap(), json!(180));
        assert!(s.stats().conflicts > 0, "seed {seed}: the proposers really contended");
        assert!(s.violations().is_empty(), "seed {seed}: {:?}", s.violations());
    }
}

fn accepts_sent_by(s: &Sim, proposer: u8) -> Vec<String> {
    let t = s.trace();
    t.messages()
        .iter()
        .filter(|m| m.from == Node::Proposer(proposer) && matches!(m.msg, Msg::Request(_)))
        .map(|m| m.msg.to_string())
        .collect()
}

/// Reference: §2.2.1 — with the cache, a second change on a key skips the prepare phase.
#[test]
fn one_round_trip_with_the_cache_two_without() {
    for (one_rtt, messages_for_second) in [(true, 6), (false, 12)] {
        let s = fixed_latency(3, 1, DriverConfig { one_rtt, ..DriverConfig::default() });
        s.block_on(s.client(1).increment("k")).unwrap();
        let before = s.stats().messages;
        let t0 = s.now();
        s.block_on(s.client(1).increment("k")).unwrap();
        assert_eq!(s.stats().messages - before, messages_for_second, "one_rtt={one_rtt}");
        assert_eq!(s.now() - t0, if one_rtt { 20 } else { 40 }, "round trips of 20 ms");
    }
}

/// Exactly once: an accept lands on the acceptors but every reply is lost; the retry finds its
/// own marker in the state and writes it back instead of incrementing again.
#[test]
fn a_retry_after_lost_accept_replies_does_not_apply_twice() {
    for blind_retry in [false, true] {
        let s = fixed_latency(3, 1, DriverConfig { break_blind_retry: blind_retry, ..DriverConfig::default() });
        let h = s.client(1).increment("k");
        // prepare 0→10, promises →20, accept 20→30, accepted replies 30→40: cut p1 off at 35.
        s.run_for(35);
        s.isolate(Node::Proposer(1)).unwrap();
        s.run_for(10);
        s.heal();
        let answer = s.block_on(h).unwrap();
        let value = s.block_on(s.client(1).get("k")).unwrap();
        if blind_retry {
            assert_eq!((answer, value), (2, json!(2)), "the broken variant applies twice");
        } else {
            assert_eq!((answer, value), (1, json!(1)));
            assert!(s.stats().timeouts >= 1 && s.stats().retries >= 1);
        }
    }
}

/// Exactly once when a minority accept is adopted by another proposer's round.
#[test]
fn a_minority_accept_adopted_later_counts_once() {
    for seed in 1..=30 {
        let net = NetConfig { latency_ms_min: 10, latency_ms_max: 10, ..NetConfig::default() };
        let s = Sim::new(SimConfig { acceptors: 3, proposers: 2, seed, net, ..SimConfig::default() }).unwrap();
        let h1 = s.client(1).increment("k");
        s.run_for(25); // the accept is on the wire; only a1 will get it
        s.crash(Node::Acceptor(2)).unwrap();
        s.crash(Node::Acceptor(3)).unwrap();
        s.run_for(10);
        s.restart(Node::Acceptor(2)).unwrap();
        s.restart(Node::Acceptor(3)).unwrap();
        let h2 = s.client(2).increment("k");
        let (r1, r2) = (s.block_on(h1), s.block_on(h2));
        let value = s.block_on(s.client(2).get("k")).unwrap().as_i64().unwrap();
        let ok = [&r1, &r2].iter().filter(|r| r.is_ok()).count() as i64;
        assert_eq!(value, ok, "seed {seed}: {r1:?} {r2:?}");
        assert!(s.violations().is_empty());
    }
}

#[test]
fn a_crashed_majority_blocks_until_restart_and_then_fails_cleanly() {
    let s = sim(3, 1, 9);
    s.block_on(s.client(1).increment("k")).unwrap();
    s.crash(Node::Acceptor(1)).unwrap();
    s.block_on(s.client(1).increment("k")).expect("a crashed minority keeps working");
    s.crash(Node::Acceptor(2)).unwrap();
    let blocked = s.client(1).increment("k");
    s.run_for(150);
    assert_eq!(s.pending(), 1, "no quorum: still retrying");
    s.restart(Node::Acceptor(2)).unwrap();
    assert_eq!(s.block_on(blocked).unwrap(), 3, "completes once the majority is back");
    s.crash(Node::Acceptor(2)).unwrap();
    s.set_driver_config(DriverConfig { one_rtt: false, ..DriverConfig::default() });
    let err = s.block_on(s.client(1).increment("k")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable { indeterminate: false }, "{err}");
    assert_eq!(s.history().records().last().unwrap().outcome, Some(Outcome::Failed));
}

#[test]
fn a_crashed_proposer_loses_its_operations_but_never_reuses_a_ballot() {
    let s = fixed_latency(3, 2, DriverConfig::default());
    s.block_on(s.client(1).increment("k")).unwrap();
    let counter_before = s.proposer(1).ballot_counter();
    let in_flight = s.client(1).increment("k");
    let queued = s.client(1).increment("k");
    s.run_for(5); // the cached round's accept is on the wire
    s.crash(Node::Proposer(1)).unwrap();
    let (a, b) = (s.block_on(in_flight).unwrap_err(), s.block_on(queued).unwrap_err());
    assert!(a.indeterminate() && !b.indeterminate(), "{a} / {b}");
    let outcomes: Vec<_> = s.history().records().map(|o| o.outcome).collect();
    assert_eq!(outcomes[1..], [Some(Outcome::Unknown), Some(Outcome::Failed)]);
    assert_eq!(s.block_on(s.client(1).get("k")).unwrap_err().kind, ErrorKind::Unavailable { indeterminate: false });
    s.restart(Node::Proposer(1)).unwrap();
    assert!(s.proposer(1).cached().is_empty(), "the cache is lost");
    assert_eq!(s.block_on(s.client(1).increment("k")).unwrap(), 3, "the unknown increment landed");
    assert!(s.proposer(1).ballot_counter() > counter_before + 2);
    // Every accept round used a fresh ballot: one value per ballot, and more than one round.
    let mut rounds: Vec<(String, String)> = accepts_sent_by(&s, 1)
        .iter()
        .filter(|m| m.starts_with("accept"))
        .map(|m| {
            let parts: Vec<&str> = m.split(' ').collect();
            (parts[2].to_owned(), parts[3].to_owned())
        })
        .collect();
    rounds.dedup();
    let mut ballots: Vec<&String> = rounds.iter().map(|(b, _)| b).collect();
    ballots.sort();
    ballots.dedup();
    assert_eq!(ballots.len(), rounds.len(), "{rounds:?}");
    assert!(rounds.len() >= 3);
}

#[test]
fn event_log_reads_like_a_trace() {
    let s = fixed_latency(3, 1, DriverConfig::default());
    s.block_on(s.client(1).increment("k")).unwrap();
    s.run_until_idle(100);
    let log = s.trace().render();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines[0], "0ms p1 invoke #0 increment k");
    assert_eq!(lines[1], "0ms p1->a1 prepare k 1.p1");
    assert!(lines.contains(&"10ms p1->a2 deliver prepare k 1.p1"), "{log}");
    assert!(lines.contains(&"20ms p1->a3 accept k 1.p1 =1 next 2.p1"), "{log}");
    assert_eq!(lines[lines.len() - 2], "40ms p1 return #0 ok");
    assert_eq!(lines[lines.len() - 1], "40ms a3->p1 deliver accepted k 1.p1", "the third reply comes after");
    let kinds: Vec<&str> = s.trace().events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "deliver").count(), 12);
    assert!(matches!(s.trace().events[0].kind, EventKind::Invoke { .. }));
}

/// The README's Rust example, kept compiling and true.
#[test]
fn readme_example() -> Result<(), OpError> {
    let sim = Sim::new(SimConfig { acceptors: 3, proposers: 2, seed: 42, ..SimConfig::default() })?;
    let (p1, p2) = (sim.client(1), sim.client(2));
    assert_eq!(sim.block_on(p1.increment("counter"))?, 1);
    sim.block_on(p2.put("user:1", serde_json::json!({ "name": "Ada" })))?;
    let doc = sim.block_on(p1.read("user:1"))?;
    assert_eq!(doc.version, 1);
    sim.block_on(p2.write("user:1", doc.version, serde_json::json!("v2")))?;
    assert!(sim.block_on(p1.acquire_lock("job", "alice", Some(1_000)))?);
    sim.crash(Node::Acceptor(3))?;
    assert_eq!(sim.block_on(p1.change("counter", |x| Ok((x.as_i64().unwrap_or(0) * 2).into())))?, json!(2));
    assert!(sim.trace().render().starts_with("0ms p1 invoke #0 increment counter\n0ms p1->a1 prepare counter 1.p1\n"));
    Ok(())
}

#[test]
fn duplicated_messages_never_stop_progress() {
    // Found by an outside tester: with every message duplicated, the second copy of a prepare or
    // accept drew a conflict against the proposer's own ballot and the operation gave up. An equal
    // ballot is the same round (§2.1, §2.2: a conflict only for a greater ballot).
    for duplicate_rate in [0.5, 0.9, 1.0] {
        for seed in 1..=20 {
            let net = NetConfig { duplicate_rate, ..NetConfig::default() };
            let s = Sim::new(SimConfig { seed, net, ..SimConfig::default() }).unwrap();
            for i in 1..=5 {
                let got = s.block_on(s.client(1 + (i % 2) as u8).increment("k"));
                assert_eq!(got, Ok(i), "duplicate rate {duplicate_rate}, seed {seed}, increment {i}");
            }
            assert!(s.stats().duplicated > 0);
            assert!(s.violations().is_empty(), "{:?}", s.violations());
        }
    }
}
