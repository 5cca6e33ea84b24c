//! The `Cluster` contract in real wasm in headless Chromium (`wasm-pack test --headless --chrome`):
//! every method, the seed's 10 x 100 example, JS change functions, every kind of bad input (each
//! followed by a check that the cluster still works), and cross-target determinism.

#![cfg(target_arch = "wasm32")]

use caspaxos_playground::limits::MAX_ACTIONS;
use caspaxos_playground::wasm::{stack_headrooms, Cluster};
use futures::future::join_all;
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod web_common;
use web_common::{assert_error, cluster, describe_error, err, get, js, json, ok, outcome, reference_run, still_works};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn contract_example() {
    let c = cluster("{ acceptors: 3, proposers: 2, seed: 42 }");
    assert_eq!(ok(c.increment("counter".into(), JsValue::UNDEFINED)).await, 1);
    let f = js("x => (x ?? 0) + 10");
    assert_eq!(ok(c.change("counter".into(), f, JsValue::UNDEFINED)).await, 11);
    assert_eq!(c.pending(), 0.0);
    assert!(c.now() > 0.0);
}

#[wasm_bindgen_test]
async fn key_value_versioned_and_lock_operations() {
    let c = cluster("{ seed: 3 }");
    let p2 = || js("{ proposer: 'p2' }");
    let value = js("{ name: 'doc', tags: ['a', 'b'], n: 1.5, nested: { ok: true, none: null } }");
    assert_eq!(json(&ok(c.put("k".into(), value.clone(), JsValue::UNDEFINED)).await), json(&value));
    assert_eq!(json(&ok(c.get("k".into(), p2())).await), json(&value));
    assert!(ok(c.delete("k".into(), JsValue::UNDEFINED)).await.is_undefined());
    assert!(ok(c.get("k".into(), p2())).await.is_null());

    assert_eq!(json(&ok(c.read("d".into(), JsValue::UNDEFINED)).await), r#"{"version":0,"value":null}"#);
    assert_eq!(json(&ok(c.write("d".into(), 0.into(), "v1".into(), JsValue::UNDEFINED)).await), r#"{"version":1}"#);
    let stale = err(c.write("d".into(), 0.into(), "v2".into(), p2())).await;
    assert_error(&stale, "VersionConflict", "expected version 0");
    assert_eq!(json(&ok(c.read("d".into(), p2())).await), r#"{"version":1,"value":"v1"}"#);

    assert_eq!(ok(c.acquire_lock("L".into(), "alice".into(), js("{ ttl: 500 }"))).await, true);
    assert_eq!(ok(c.acquire_lock("L".into(), "bob".into(), p2())).await, false);
    assert_eq!(ok(c.release_lock("L".into(), "bob".into(), JsValue::UNDEFINED)).await, false);
    c.run_for(500.into()).unwrap();
    assert_eq!(ok(c.acquire_lock("L".into(), "bob".into(), p2())).await, true, "alice's ttl expired");
    assert_eq!(ok(c.release_lock("L".into(), "bob".into(), JsValue::UNDEFINED)).await, true);
}

/// The seed's example: 10 concurrent workers x 100 increments = exactly 1000.
#[wasm_bindgen_test]
async fn ten_workers_times_a_hundred_increments() {
    let c = cluster("{ acceptors: 3, proposers: 1, seed: 7 }");
    let workers = (0..10).map(|_| async {
        for _ in 0..100 {
            ok(c.increment("counter".into(), JsValue::UNDEFINED)).await;
        }
    });
    join_all(workers).await;
    assert_eq!(ok(c.get("counter".into(), JsValue::UNDEFINED)).await, 1000);
    let stats = c.stats().unwrap();
    assert_eq!(get(&stats, "ok"), 1001);
    let history = c.history().unwrap();
    assert_eq!(Array::from(&history).length(), 1001);
    assert!(get(&stats, "messagesPerOperation").as_f64().unwrap() < 7.0, "the cache works: {}", json(&stats));
}

#[wasm_bindgen_test]
async fn change_function_errors() {
    let c = cluster("{}");
    ok(c.put("k".into(), 5.into(), JsValue::UNDEFINED)).await;
    let e = err(c.change("k".into(), js("x => { throw new TypeError('nope ' + x) }"), JsValue::UNDEFINED)).await;
    assert_error(&e, "UpdateRejected", "nope 5");
    assert_eq!(describe_error(&get(&e, "cause")), "TypeError: nope 5", "cause is what was thrown");
    let e = err(c.change("k".into(), js("x => { throw 42 }"), JsValue::UNDEFINED)).await;
    assert_eq!(get(&e, "cause"), 42);
    for (f, needle) in [
        ("x => undefined", "undefined"),
        ("x => () => 1", "function"),
        ("x => NaN", "NaN"),
        ("x => 10n", "BigInt"),
        ("x => Symbol('s')", "symbol"),
        ("x => new Map()", "non-plain object"),
        ("x => { const a = {}; a.self = a; return a; }", "deeper than 64"),
        ("x => 'y'.repeat(70000)", "larger than 64 KB"),
    ] {
        let e = err(c.change("k".into(), js(f), JsValue::UNDEFINED)).await;
        assert_error(&e, "InvalidArgument", needle);
    }
    assert_eq!(ok(c.get("k".into(), JsValue::UNDEFINED)).await, 5, "nothing was written");
    still_works(&c).await;
}

#[wasm_bindgen_test]
async fn a_values_levels_count_its_containers_empty_or_not() {
    // Outside tester 19: nested empty arrays passed 65 deep where full ones stopped at 64
    // (`limits.valueDepth`).
    let c = cluster("{}");
    for inner in ["1", ""] {
        let nested = |levels: usize| js(&format!("{}{inner}{}", "[".repeat(levels), "]".repeat(levels)));
        ok(c.put("k".into(), nested(64), JsValue::UNDEFINED)).await;
        let e = err(c.put("k".into(), nested(65), JsValue::UNDEFINED)).await;
        assert_error(&e, "InvalidArgument", "nested deeper than 64 levels");
    }
    let objects = |levels: usize| js(&format!("{}{{}}{}", "{\"a\":".repeat(levels - 1), "}".repeat(levels - 1)));
    ok(c.put("k".into(), objects(64), JsValue::UNDEFINED)).await;
    assert_error(&err(c.put("k".into(), objects(65), JsValue::UNDEFINED)).await, "InvalidArgument", "deeper than 64");
    still_works(&c).await;
}

#[wasm_bindgen_test]
async fn bad_arguments_are_invalid_argument_errors_and_the_cluster_stays_usable() {
    for (opts, needle) in [
        ("'three'", "options must be an object"),
        ("{ acceptors: 0 }", "options.acceptors must be in 1..=15"),
        ("{ acceptors: 16 }", "options.acceptors"),
        ("{ acceptors: 2.5 }", "must be an integer"),
        ("{ acceptors: '3' }", "must be an integer, got the string"),
        ("{ proposers: 10 }", "options.proposers"),
        ("{ seed: -1 }", "options.seed"),
        ("{ seed: 2 ** 53 }", "options.seed"),
        ("{ latency: { min: 10, max: 5 } }", "must not exceed"),
        ("{ latency: { min: 0, max: 60001 } }", "options.latency.max"),
        ("{ latency: 5 }", "options.latency must be an object"),
        ("{ dropRate: 1.5 }", "options.dropRate must be a number in 0..=1"),
        ("{ duplicateRate: NaN }", "options.duplicateRate"),
        ("{ oneRtt: 'yes' }", "options.oneRtt must be a boolean"),
        ("{ acceptor: 3 }", "unknown field \"acceptor\""),
        ("{ get seed() { throw new Error('no') } }", "options could not be read"),
    ] {
        match Cluster::new(js(opts)) {
            Ok(_) => panic!("{opts} should be refused"),
            Err(e) => assert_error(&e, "InvalidArgument", needle),
        }
    }

    let c = cluster("{ acceptors: 3, proposers: 2 }");
    let u = || JsValue::UNDEFINED;
    let rejected: Vec<(Promise, &str)> = vec![
        (c.increment(42.into(), u()), "key must be a string"),
        (c.increment("".into(), u()), "non-empty"),
        (c.increment("k".repeat(257).into(), u()), "at most 256"),
        (c.increment("k".into(), js("{ proposer: 'p3' }")), "unknown node p3"),
        (c.increment("k".into(), js("{ proposer: 'a1' }")), "must be a proposer"),
        (c.increment("k".into(), js("{ proposer: 'x' }")), "node id"),
        (c.increment("k".into(), js("{ proposr: 'p1' }")), "unknown field"),
        (c.increment("k".into(), js("'p1'")), "options must be an object"),
        (c.put("k".into(), js("() => 1"), u()), "function"),
        (c.put("k".into(), js("Infinity"), u()), "Infinity"),
        (c.put("k".into(), js("{ when: new Date() }"), u()), "non-plain"),
        (c.put("k".into(), u(), u()), "undefined"),
        (c.change("k".into(), 5.into(), u()), "fn must be a function"),
        (c.write("k".into(), (-1).into(), 1.into(), u()), "expectedVersion"),
        (c.write("k".into(), 1.5.into(), 1.into(), u()), "expectedVersion must be an integer"),
        (c.acquire_lock("L".into(), 7.into(), u()), "owner must be a string"),
        (c.acquire_lock("L".into(), "o".into(), js("{ ttl: -5 }")), "options.ttl"),
        (c.acquire_lock("".into(), "o".into(), u()), "lock name"),
        (c.release_lock(js("null"), "o".into(), u()), "name must be a string"),
        // Hostile values: a throwing getter, a revoked Proxy, a Proxy whose trap throws.
        (c.put("k".into(), js("{ get x() { throw new Error('boom') } }"), u()), "could not be read"),
        (
            c.put("k".into(), js("(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()"), u()),
            "could not be read",
        ),
        (c.put("k".into(), js("new Proxy({}, { ownKeys() { throw new Error('trap') } })"), u()), "could not be read"),
        (c.increment("k".into(), js("{ get proposer() { throw 1 } }")), "could not be read"),
        (c.change("k".into(), js("x => ({ get y() { throw new Error('late') } })"), u()), "could not be read"),
    ];
    for (p, needle) in rejected {
        assert_error(&err(p).await, "InvalidArgument", needle);
        still_works(&c).await;
    }

    let thrown: Vec<(Result<(), JsValue>, &str)> = vec![
        (c.crash("a4".into()), "unknown node a4"),
        (c.crash("p0".into()), "node id"),
        (c.crash(1.into()), "node must be a string"),
        (c.restart("z1".into()), "node id"),
        (c.wipe("p1".into()), "wipe needs an acceptor"),
        (c.isolate(js("['a1']")), "must be a string"),
        (c.partition("a1".into()), "array of arrays"),
        (c.partition(js("['a1']")), "groups[0] must be an array"),
        (c.partition(js("[['a1'], ['a9']]")), "groups[1][0]"),
        (c.partition(js("[['a1'], ['a1']]")), "more than one partition group"),
        (c.set_drop_rate(2.into()), "rate must be a number in 0..=1"),
        (c.set_drop_rate("0.1".into()), "rate must be a number"),
        (c.set_duplicate_rate((-0.1).into()), "rate"),
        (c.set_latency(20.into(), 10.into()), "must not exceed"),
        (c.set_latency(1.5.into(), 10.into()), "min must be an integer"),
        (c.run_for((-1).into()), "ms must be in"),
        (c.run_for(js("NaN")), "ms must be an integer"),
        (c.run_until_idle("all".into()).map(|_| ()), "maxEvents"),
        (c.events((-1).into(), JsValue::UNDEFINED).map(|_| ()), "since"),
        (c.set_auto_advance(1.into()), "autoAdvance must be a boolean"),
    ];
    for (r, needle) in thrown {
        assert_error(&r.expect_err(needle), "InvalidArgument", needle);
    }
    still_works(&c).await;
    assert!(Array::from(&get(&c.stats().unwrap(), "violations")).length() == 0);
}

#[wasm_bindgen_test]
async fn manual_time_faults_and_observation() {
    let c = cluster("{ acceptors: 3, proposers: 2, seed: 5, autoAdvance: false }");
    assert!(!c.auto_advance());
    let p = c.increment("k".into(), JsValue::UNDEFINED);
    assert_eq!(c.pending(), 1.0);
    assert!(c.step().unwrap());
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(ok(p).await, 1);
    assert!(!c.step().unwrap(), "nothing scheduled");

    // A crashed majority blocks; a restart before the attempts run out lets it complete.
    c.crash("a1".into()).unwrap();
    c.crash("a2".into()).unwrap();
    let blocked = c.increment("k".into(), js("{ proposer: 'p2' }"));
    c.run_for(300.into()).unwrap();
    assert_eq!(c.pending(), 1.0, "no quorum: still retrying");
    let st = c.state().unwrap();
    assert_eq!(get(&st, "acceptors.0.up"), false);
    c.restart("a1".into()).unwrap();
    c.restart("a2".into()).unwrap();
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(ok(blocked).await, 2);

    c.wipe("a3".into()).unwrap();
    c.partition(js("[['a1', 'p1'], ['a2']]")).unwrap();
    assert_eq!(Array::from(&get(&c.state().unwrap(), "network.groups")).length(), 3);
    c.isolate("p2".into()).unwrap();
    c.heal().unwrap();
    c.set_drop_rate(0.2.into()).unwrap();
    c.set_duplicate_rate(0.1.into()).unwrap();
    c.set_latency(1.into(), 3.into()).unwrap();
    c.set_drop_rate(0.into()).unwrap();
    c.set_auto_advance(true.into()).unwrap();
    assert_eq!(ok(c.increment("k".into(), JsValue::UNDEFINED)).await, 3);

    let events = Array::from(&c.events(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap());
    assert_eq!(events.length() as f64, c.event_count());
    let kinds: Vec<String> = events.iter().map(|e| get(&e, "kind").as_string().unwrap()).collect();
    for kind in [
        "invoke",
        "return",
        "send",
        "deliver",
        "timeout",
        "crash",
        "restart",
        "wipe",
        "partition",
        "heal",
        "network",
        "drop",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} event");
    }
    let send = events.iter().find(|e| get(e, "kind") == "send").unwrap();
    assert_eq!(get(&send, "message.type"), "prepare");
    assert_eq!(get(&send, "message.ballot.proposer"), "p1");
    assert_eq!(get(&send, "text"), "0ms p1->a1 prepare k 1.p1");
    let later = Array::from(&c.events(10.into(), 5.into()).unwrap());
    assert_eq!((later.length(), get(&later.get(0), "seq")), (5, JsValue::from(10)));
    assert!(c.event_log().unwrap().lines().count() as f64 == c.event_count());
    let h = Array::from(&c.history().unwrap());
    assert_eq!(get(&h.get(1), "outcome"), "ok");
    assert_eq!(get(&h.get(1), "proposer"), "p2");
    let violations = Array::from(&get(&c.stats().unwrap(), "violations"));
    assert!(violations.length() > 0, "the wipe of a3 is flagged by the oracles");
}

#[wasm_bindgen_test]
async fn unavailable_when_attempts_run_out() {
    let c = cluster("{ maxAttempts: 3 }");
    c.crash("a1".into()).unwrap();
    c.crash("a2".into()).unwrap();
    let e = err(c.increment("k".into(), JsValue::UNDEFINED)).await;
    assert_error(&e, "Unavailable", "3 attempts");
    assert_eq!(get(&e, "indeterminate"), false);
    c.crash("p1".into()).unwrap();
    let e = err(c.get("k".into(), JsValue::UNDEFINED)).await;
    assert_error(&e, "Unavailable", "p1 is down");
}

/// Same seed and actions as `sim::workload::determinism_reference`, through the JS API: the
/// event log hash equals the native one (tests/golden/event_log_hash.txt).
#[wasm_bindgen_test]
fn event_log_hash_matches_native() {
    let c =
        cluster("{ acceptors: 5, proposers: 3, seed: 2024, dropRate: 0.1, duplicateRate: 0.1, autoAdvance: false }");
    reference_run(&c, |i| if i % 2 == 0 { "x" } else { "y" }.to_string());
    assert_eq!(c.event_log_hash(), include_str!("golden/event_log_hash.txt").trim());
}

/// Same seed and actions as `sim::workload::leases_reference` (read leases of 150 ms, clocks up to
/// 5% off), through the JS API: the hash `tests/leases.rs` pins natively (tests/golden/leases_hash.txt).
#[wasm_bindgen_test]
async fn leases_event_log_hash_matches_native() {
    let c = cluster("{ seed: 2024, autoAdvance: false, leases: { duration: 150 }, clockDrift: 0.05 }");
    for i in 0..40 {
        let (key, opts) = (if i % 3 == 0 { "x" } else { "y" }, js(&format!("{{ proposer: 'p{}' }}", i % 2 + 1)));
        let _ = if i % 4 == 0 { c.increment(key.into(), opts) } else { c.get(key.into(), opts) };
        c.run_for(9.into()).unwrap();
    }
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert!(get(&c.stats().unwrap(), "leaseReads").as_f64().unwrap() > 0.0);
    assert_eq!(c.event_log_hash(), include_str!("golden/leases_hash.txt").trim());
}

/// Bad lease options are InvalidArgument naming the field and the rule; setBreak takes trustLeases.
#[wasm_bindgen_test]
async fn bad_lease_options_are_refused_with_the_rule() {
    let cases = [
        ("{ leases: { duration: 0 } }", "options.leases.duration must be in 1..=10000, got 0"),
        ("{ leases: { duration: 1.5 } }", "options.leases.duration must be an integer, got 1.5"),
        ("{ leases: 100 }", "options.leases must be an object"),
        ("{ leases: {} }", "options.leases must be an object { duration }"),
        ("{ leases: { duration: 10, ttl: 1 } }", "ttl"),
        ("{ clockDrift: 0.2 }", "options.clockDrift must be a number in 0..=0.1 with at most 6 decimals"),
        ("{ clockDrift: 1e-9 }", "options.clockDrift must be a number in 0..=0.1 with at most 6 decimals"),
        ("{ clockDrift: -0.01 }", "options.clockDrift must be a number in 0..=0.1"),
        ("{ clockDrift: '0.01' }", "options.clockDrift must be a number, got the string"),
    ];
    for (opts, needle) in cases {
        let e = Cluster::new(js(opts)).err().unwrap_or_else(|| panic!("{opts} was accepted"));
        assert_error(&e, "InvalidArgument", needle);
    }
    // `null` options are none, as `undefined` (the contract has always taken both).
    let defaults = Cluster::new(js("null")).expect("null options are the defaults");
    assert_eq!(ok(defaults.increment("k".into(), JsValue::NULL)).await.as_f64(), Some(1.0));
    let c = cluster("{ leases: { duration: 100 }, clockDrift: 0.01 }");
    assert_error(
        &c.set_break(js("{ trustLeases: 1 }")).unwrap_err(),
        "InvalidArgument",
        "options.trustLeases must be a boolean",
    );
    c.set_break(js("{ trustLeases: true }")).unwrap();
    c.set_break(js("{}")).unwrap();
    still_works(&c).await;
}

/// The same actions with flexible quorums (prepare 2, accept 4 of 5): the hash
/// `tests/quorums.rs` computes natively (tests/golden/quorums_hash.txt).
#[wasm_bindgen_test]
fn flexible_quorums_event_log_hash_matches_native() {
    let c = cluster(
        "{ acceptors: 5, proposers: 3, seed: 2024, dropRate: 0.1, duplicateRate: 0.1, autoAdvance: false, \
         quorums: { prepare: 2, accept: 4 } }",
    );
    reference_run(&c, |i| if i % 2 == 0 { "x" } else { "y" }.to_string());
    assert!(c.membership().is_ok());
    assert_eq!(c.event_log_hash(), include_str!("golden/quorums_hash.txt").trim());
}

/// Same seed and actions as `gc_reference_hash` in tests/gc.rs, through the JS API: deletes
/// collected in the background (`gcDelay`) and by `gc()`; the log hash equals the native one.
#[wasm_bindgen_test]
fn gc_event_log_hash_matches_native() {
    let c = cluster("{ seed: 31, gcDelay: 10, autoAdvance: false }");
    for i in 0..12 {
        let opts = || js(&format!("{{ proposer: 'p{}' }}", i % 2 + 1));
        let key = format!("k{}", i % 3);
        let _ = c.put(key.as_str().into(), JsValue::from(i), opts());
        if i % 4 == 3 {
            let _ = c.delete(key.as_str().into(), opts());
        }
        if i == 6 {
            c.crash("a3".into()).unwrap();
        }
        if i == 9 {
            c.restart("a3".into()).unwrap();
        }
        c.run_for(7.into()).unwrap();
    }
    let _ = c.gc(JsValue::UNDEFINED);
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(c.event_log_hash(), include_str!("golden/gc_event_log_hash.txt").trim());
}

#[wasm_bindgen_test]
async fn gc_resolves_the_erased_keys_and_refuses_bad_input() {
    let c = cluster("{ seed: 3 }");
    ok(c.put("doomed".into(), JsValue::from(42), JsValue::UNDEFINED)).await;
    ok(c.delete("doomed".into(), JsValue::UNDEFINED)).await;
    let done = ok(c.gc(JsValue::UNDEFINED)).await;
    assert_eq!(json(&get(&done, "erased")), r#"["doomed"]"#);
    let read = ok(c.read("doomed".into(), JsValue::UNDEFINED)).await;
    assert_eq!(get(&read, "version"), 0, "a collected key reads as never written");
    for (opts, says) in [
        ("{ key: 7 }", "options.key"),
        ("{ key: '' }", "key"),
        ("{ proposer: 'p9' }", "options.proposer"),
        ("{ proposer: 'a1' }", "acceptor"),
        ("{ keys: 'x' }", "keys"),
    ] {
        let e = err(c.gc(js(opts))).await;
        assert_error(&e, "InvalidArgument", says);
    }
    for bad in ["-1", "60001", "'soon'", "1.5"] {
        let e = c.set_gc_delay(js(bad)).unwrap_err();
        assert_error(&e, "InvalidArgument", "ms");
    }
    assert!(Cluster::new(js("{ gcDelay: -5 }")).is_err());
    c.set_gc_delay(js("25")).unwrap();
    assert_eq!(c.gc_delay(), 25);
    c.set_gc_delay(JsValue::NULL).unwrap();
    assert!(c.gc_delay().is_null());
    ok(c.increment("still".into(), JsValue::UNDEFINED)).await; // the cluster stays usable
}

#[wasm_bindgen_test]
async fn check_break_it_and_fuzz() {
    let c = cluster("{ seed: 9 }");
    for _ in 0..3 {
        ok(c.increment("k".into(), JsValue::UNDEFINED)).await;
    }
    ok(c.get("k".into(), js("{ proposer: 'p2' }"))).await;
    let report = c.check(JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&report, "ok"), true, "{}", json(&report));
    assert_eq!(json(&get(&report, "keys.k.order")), "[0,1,2,3]");
    assert!(get(&report, "violation").is_undefined());

    // Each toggle is checked; a broken cluster under faults is caught within a few seeds.
    for (b, needle) in [
        ("{ quorum: 0 }", "options.quorum must be in 1..=3"),
        ("{ quorum: 2.5 }", "must be an integer"),
        ("{ reuseBallot: 1 }", "options.reuseBallot must be a boolean"),
        ("{ blindretry: true }", "unknown field"),
        ("null", "options must be an object"),
    ] {
        assert_error(&c.set_break(js(b)).expect_err(b), "InvalidArgument", needle);
    }
    c.set_break(js("{ quorum: 1, takeAnyAccepted: true }")).unwrap();
    c.set_break(js("{}")).unwrap();
    still_works(&c).await;

    let mut found = None;
    for seed in 1..=50 {
        let f = Cluster::fuzz(js(&format!("{{ seed: {seed}, break: {{ quorum: 1 }} }}"))).unwrap();
        assert!(!f.auto_advance());
        f.run_until_idle(JsValue::UNDEFINED).unwrap();
        let r = f.check(JsValue::UNDEFINED).unwrap();
        if get(&r, "ok") == false && !get(&r, "violation").is_undefined() {
            found = Some((seed, get(&r, "violation.explanation").as_string().unwrap()));
            break;
        }
    }
    let (seed, explanation) = found.expect("a quorum of 1 is caught within 50 seeds");
    assert!(explanation.contains("fits no linearization"), "seed {seed}: {explanation}");
    let healthy = Cluster::fuzz(js("{ seed: 3, acceptors: 5, proposers: 3 }")).unwrap();
    healthy.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&healthy.check(JsValue::UNDEFINED).unwrap(), "ok"), true);
    assert_eq!(Array::from(&get(&healthy.state().unwrap(), "acceptors")).length(), 5);
    assert_error(&Cluster::fuzz(js("{ seed: -1 }")).err().unwrap(), "InvalidArgument", "options.seed");
}

/// `c.seek()` restores the nearest checkpoint of the run and replays the rest: the same cluster
/// as `fromSession(c.session(), ...)` replaying from the start, at any time or exact point.
#[wasm_bindgen_test]
async fn seek_from_checkpoints_equals_a_replay_from_the_start() {
    let c = cluster("{ seed: 8, proposers: 2, latency: { min: 1, max: 10 }, autoAdvance: false }");
    for i in 0..640 {
        let _ = c.increment(format!("k{}", i % 4).into(), js(if i % 2 == 0 { "{ proposer: 'p1' }" } else { "{}" }));
        if i == 300 {
            c.crash("a3".into()).unwrap();
        }
        c.run_for(((i % 7) as f64).into()).unwrap();
    }
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert!(c.event_count() > 2.0 * 4096.0, "long enough for checkpoints: {}", c.event_count());
    let end = c.now();
    for (i, until) in [1.0, (end / 2.0).floor(), end - 1.0, end + 5.0].into_iter().enumerate() {
        next_task().await; // a long synchronous test would keep the test runner out
        let options = js(&format!("({{ until: {until} }})"));
        let (sought, replayed) =
            (c.seek(options.clone()).unwrap(), Cluster::from_session(c.session().unwrap(), options).unwrap());
        assert_eq!(sought.event_log_hash(), replayed.event_log_hash(), "until {until}");
        assert_eq!((sought.now(), sought.steps()), (replayed.now(), replayed.steps()), "until {until}");
        if i == 1 {
            sought.run_until_idle(JsValue::UNDEFINED).unwrap();
            assert_eq!(sought.event_log_hash(), c.event_log_hash(), "played on from {until}");
        }
    }
    // An exact point where the run stood (a seek's landing) is reached; one it never stood at
    // (100 events before the end, 50 ms before the end: events were due in between) is refused.
    let middle = c.seek(js(&format!("({{ until: {} }})", (end / 2.0).floor()))).unwrap();
    let point = js(&format!("({{ steps: {}, at: {} }})", middle.steps(), middle.now()));
    let landed = c.seek(point).unwrap();
    assert_eq!((landed.steps(), landed.now()), (middle.steps(), middle.now()));
    let never = js(&format!("({{ steps: {}, at: {} }})", c.steps() - 100.0, end - 50.0));
    assert_error(&c.seek(never).err().unwrap(), "InvalidArgument", "is not in the run: event");
    assert_error(&c.seek(js("({ until: 1, steps: 2 })")).err().unwrap(), "InvalidArgument", "give either until");
}

/// A session document with more actions than a session holds is refused before any action is
/// read (outside tester 13: a document of 1,000,001 actions took 160 s to be refused).
#[wasm_bindgen_test]
fn a_document_with_too_many_actions_is_refused_before_any_action_is_read() {
    // `actions` counts the reads of its elements.
    let document = |n: usize| {
        js(&format!(
            r#"(() => {{
                const reads = {{ n: 0 }};
                const actions = new Proxy(new Array({n}).fill({{ steps: 0, at: 0, do: "heal" }}), {{
                    get(t, p) {{ if (typeof p === "string" && /^\d+$/.test(p)) reads.n++; return t[p]; }},
                }});
                return {{ reads, doc: {{ format: "caspaxos-session", version: 2, start: {{}}, actions }} }};
            }})()"#
        ))
    };
    let too_many = document(MAX_ACTIONS + 1);
    let e = Cluster::from_session(get(&too_many, "doc"), JsValue::UNDEFINED).err().expect("refused");
    assert_error(&e, "InvalidArgument", &format!("the session file is malformed: more than {MAX_ACTIONS} actions"));
    assert_eq!(get(&too_many, "reads.n").as_f64(), Some(0.0), "no action was read");
    // The control: a document within the limit has its actions read (the counter counts) and opens.
    let few = document(3);
    let start = get(&Cluster::new(JsValue::UNDEFINED).expect("a cluster").session().expect("a session"), "start");
    Reflect::set(&get(&few, "doc"), &"start".into(), &start).expect("set start");
    let c = Cluster::from_session(get(&few, "doc"), JsValue::UNDEFINED).expect("three heals open");
    assert_eq!(get(&c.session().expect("a session"), "actions.length").as_f64(), Some(3.0));
    assert!(get(&few, "reads.n").as_f64().unwrap() >= 3.0, "the counter counts reads");
}

/// A session document is checked action by action as it is read: a bad action (an unknown
/// operation, a proposer the cluster lacks, a key too long, a point going backwards) is refused
/// with its index, and no action after it is read, let alone replayed (outside tester 13: an
/// unknown operation at action 100,001 was refused after 19.6 s of replay).
#[wasm_bindgen_test]
fn a_bad_action_is_refused_with_its_index_before_the_rest_is_read() {
    const ACTIONS: usize = 2_000;
    const BAD: usize = 1_000;
    // ACTIONS increments at the start, `bad` run on their list (`l`); `reads.last` is the highest
    // index read.
    let document = |bad: &str| {
        js(&format!(
            r#"(() => {{
                const reads = {{ last: -1 }};
                const a = {{ do: "invoke", proposer: "p1", key: "k", op: "increment", input: null, steps: 0, at: 0 }};
                const l = Array.from({{ length: {ACTIONS} }}, () => ({{ ...a }}));
                {bad};
                const actions = new Proxy(l, {{
                    get(t, p) {{ if (typeof p === "string" && /^\d+$/.test(p)) reads.last = Math.max(reads.last, +p); return t[p]; }},
                }});
                const start = {{ acceptors: 3, proposers: 2, seed: 1, latency: {{ min: 5, max: 15 }}, dropRate: 0, duplicateRate: 0, oneRtt: true, maxAttempts: 16 }};
                return {{ reads, doc: {{ format: "caspaxos-session", version: 2, start, end: {{ steps: 0, at: 0 }}, actions }} }};
            }})()"#
        ))
    };
    let cases = [
        ("l[1000].op = 'explode'", "explode with input null is not an operation a session can hold"),
        ("l[1000].proposer = 'p3'", "p3"),
        ("l[1000].key = 'k'.repeat(300)", "key must be at most"),
        ("l[999].at = 1", "it comes before the action recorded ahead of it"),
    ];
    for (bad, says) in cases {
        let d = document(bad);
        let e = Cluster::from_session(get(&d, "doc"), JsValue::UNDEFINED).err().expect("refused");
        assert_error(&e, "InvalidArgument", &format!("the session's action {BAD} "));
        assert_error(&e, "InvalidArgument", says);
        assert_eq!(get(&d, "reads.last").as_f64(), Some(BAD as f64), "{bad}: nothing after action {BAD} was read");
    }
    // The control: the same document with the action as it was opens, every action read.
    let d = document("");
    let c = Cluster::from_session(get(&d, "doc"), JsValue::UNDEFINED).expect("the increments open");
    assert_eq!(get(&d, "reads.last").as_f64(), Some((ACTIONS - 1) as f64));
    assert_eq!(get(&c.session().expect("a session"), "actions.length").as_f64(), Some(ACTIONS as f64));
}

#[wasm_bindgen_test]
async fn sessions_links_seek_and_verify() {
    let c = cluster("{ seed: 21, proposers: 3, dropRate: 0.05, autoAdvance: false }");
    let _ = c.increment("counter".into(), JsValue::UNDEFINED);
    c.run_for(12.into()).unwrap();
    c.crash("a2".into()).unwrap();
    let _ = c.put("doc".into(), js("{ title: 'hi' }"), js("{ proposer: 'p2' }"));
    c.step().unwrap();
    c.partition(js("[['p3', 'a1']]")).unwrap();
    let _ = c.acquire_lock("job".into(), "alice".into(), js("{ ttl: 50 }"));
    c.run_for(40.into()).unwrap();
    c.heal().unwrap();
    c.set_break(js("{ blindRetry: true }")).unwrap();
    let _ = c.increment("counter".into(), js("{ proposer: 'p3' }"));
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert!(c.replayable());
    assert_eq!(get(&c.verify().unwrap(), "ok"), true);

    let link = c.session_link().unwrap();
    assert!(link.len() < 200, "{link}");
    let copy = Cluster::from_session(JsValue::from_str(&format!("#session={link}")), JsValue::UNDEFINED).unwrap();
    copy.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(copy.event_log_hash(), c.event_log_hash(), "the link reproduces the run");
    let from_doc = Cluster::from_session(c.session().unwrap(), JsValue::UNDEFINED).unwrap();
    from_doc.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(from_doc.event_log_hash(), c.event_log_hash(), "the document reproduces the run");

    // Seek: the run up to 30 ms, with only the actions before it.
    let early = Cluster::from_session(c.session().unwrap(), js("{ until: 30 }")).unwrap();
    assert_eq!(early.now(), 30.0);
    let actions = Array::from(&get(&early.session().unwrap(), "actions"));
    assert!(actions.iter().all(|a| get(&a, "at").as_f64().unwrap() <= 30.0));
    assert!(actions.length() >= 3 && actions.length() < 7);
    assert!(get(&early.tape(), "actions").as_f64().unwrap() >= 1.0, "the later actions wait on the tape");
    early.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(early.event_log_hash(), c.event_log_hash(), "playing on after a seek reproduces the run");
    let forked = Cluster::from_session(c.session().unwrap(), js("{ until: 30 }")).unwrap();
    forked.fork().unwrap();
    assert_eq!(get(&forked.tape(), "actions"), 0);
    forked.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_ne!(forked.event_log_hash(), c.event_log_hash(), "a fork drops the future actions");

    for (bad, needle) in [
        ("''", "holds no session"),
        ("'%%%'", "not a link character"),
        ("'AQ'", "truncated"),
        ("'Aze-C0s'", "newer version"), // format 3, sealed by its CRC-32: a real newer link
        ("'Aw'", "neither a session document nor a share link"), // format 3 without its seal
        ("'garbage'", "neither a session document nor a share link"),
        ("'A'.repeat(2 ** 24 + 1)", "too long"),
        ("{ format: 'other' }", "not a CASPaxos playground session"),
        ("42", "session"),
        (
            "JSON.stringify({ format: 'caspaxos-session' })",
            "session is JSON text, not a share link: pass the document itself (JSON.parse(text))",
        ),
        ("({ format: 'caspaxos-session', version: 0, start: {}, actions: [] })", "version must be a positive integer"),
    ] {
        match Cluster::from_session(js(bad), JsValue::UNDEFINED) {
            Ok(_) => panic!("{bad} accepted"),
            Err(e) => assert_error(&e, "InvalidArgument", needle),
        }
    }
    // A change function is code: such a run cannot become a link.
    let d = cluster("{}");
    ok(d.change("k".into(), js("x => 1"), JsValue::UNDEFINED)).await;
    assert!(!d.replayable());
    assert_error(&d.session_link().unwrap_err(), "InvalidArgument", "change function");
    // Nor be replayed: verify and seek say so (not "shared as a link").
    assert_error(&d.verify().unwrap_err(), "InvalidArgument", "it cannot be shared or replayed");
    assert_error(&d.seek(js("{ until: 0 }")).err().unwrap(), "InvalidArgument", "it cannot be shared or replayed");
    // A change function must be synchronous: a Promise is named as such (a Map is still a Map).
    let e = err(d.change("k".into(), js("async () => 1"), JsValue::UNDEFINED)).await;
    assert_error(&e, "InvalidArgument", "returned a Promise: change functions must be synchronous");
    let e = err(d.change("k".into(), js("() => new Map()"), JsValue::UNDEFINED)).await;
    assert_error(&e, "InvalidArgument", "non-plain object (a Map");
    assert_eq!(ok(d.get("k".into(), JsValue::UNDEFINED)).await.as_f64(), Some(1.0), "the cluster stays usable");
}

/// An outside tester's finding: `session()` of a run that used a change function gave a document
/// cut short (its first action only, ending where the change ran), which opened as another run.
/// It refuses as `sessionLink()` does, saying why; `actionsTaken` still counts every action.
/// The control: the same actions with a plain `put` in place of the change give their document.
#[wasm_bindgen_test]
async fn session_refuses_a_run_that_used_a_change_function() {
    for with_function in [true, false] {
        let c = cluster("{ seed: 5, autoAdvance: false }");
        let _ = c.increment("a".into(), JsValue::UNDEFINED);
        c.run_until_idle(JsValue::UNDEFINED).unwrap();
        let _ = match with_function {
            true => c.change("b".into(), js("(x) => (x ?? 0) + 10"), JsValue::UNDEFINED),
            false => c.put("b".into(), js("10"), JsValue::UNDEFINED),
        };
        c.run_until_idle(JsValue::UNDEFINED).unwrap();
        let _ = c.increment("a".into(), JsValue::UNDEFINED);
        c.crash("a1".into()).unwrap();
        let _ = c.put("c".into(), js("1"), JsValue::UNDEFINED);
        c.run_until_idle(JsValue::UNDEFINED).unwrap();
        assert_eq!(c.actions_taken(), 5.0, "every action counts, recorded or not");
        if with_function {
            assert!(!c.replayable());
            let e = c.session().expect_err("a run that used a change function has no document");
            assert_error(&e, "InvalidArgument", "this run used a change function (code), which sessions never carry");
            let link = c.session_link().expect_err("nor a link");
            assert_eq!(get(&e, "message"), get(&link, "message"), "one message, the same for both");
        } else {
            let doc = c.session().expect("a replayable run gives its document");
            assert_eq!(get(&doc, "actions.length").as_f64(), Some(5.0), "actionsTaken is the document's count");
            let copy = Cluster::from_session(doc, JsValue::UNDEFINED).unwrap();
            assert_eq!(copy.event_log_hash(), c.event_log_hash(), "and it replays to the run");
        }
    }
}

/// F7: a session ends where it was taken (time run after its last action included): reopened
/// from its document or its link without a point, and `seek()` without one, land there, with the
/// same state and event log. F6: a link with a changed character is refused by its checksum,
/// before anything replays.
#[wasm_bindgen_test]
fn sessions_end_where_they_were_taken_and_damaged_links_are_refused_up_front() {
    let c = cluster("{ seed: 5, proposers: 2, autoAdvance: false }");
    let _ = c.increment("k".into(), JsValue::UNDEFINED);
    let _ = c.increment("k".into(), js("{ proposer: 'p2' }"));
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    c.run_for(400.into()).unwrap(); // idle: only the clock moves, and that is part of the run
    let (now, steps, hash, state) = (c.now(), c.steps(), c.event_log_hash(), json(&c.state().unwrap()));
    let doc = c.session().unwrap();
    assert_eq!(json(&get(&doc, "end")), format!(r#"{{"steps":{steps},"at":{now}}}"#));
    assert_eq!(json(&c.session_start()), json(&get(&doc, "start")), "sessionStart is session().start");
    let link = c.session_link().unwrap();
    let reopened = [
        ("document", Cluster::from_session(doc.clone(), JsValue::UNDEFINED).unwrap()),
        ("link", Cluster::from_session(JsValue::from_str(&link), JsValue::UNDEFINED).unwrap()),
        ("seek", c.seek(JsValue::UNDEFINED).unwrap()),
        ("seek from 0", c.seek(js("({ until: 0 })")).unwrap().seek(JsValue::UNDEFINED).unwrap()),
    ];
    for (how, back) in reopened {
        assert_eq!((back.now(), back.steps()), (now, steps), "{how}");
        assert_eq!(back.event_log_hash(), hash, "{how}");
        assert_eq!(json(&back.state().unwrap()), state, "{how}");
    }
    // Negative control: the document without its end (format 1) lands at its last action.
    let without_end = c.session().unwrap();
    assert!(Reflect::delete_property(without_end.unchecked_ref::<js_sys::Object>(), &"end".into()).unwrap());
    let old = Cluster::from_session(without_end, JsValue::UNDEFINED).unwrap();
    let last = get(&Array::from(&get(&doc, "actions")).pop(), "at").as_f64().unwrap();
    assert_eq!(old.now(), last);
    assert!(last < now);
    // F6: one changed character in the middle of the link.
    let mut changed = link.clone().into_bytes();
    let i = link.len() / 2;
    changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
    let e = Cluster::from_session(JsValue::from_str(&String::from_utf8(changed).unwrap()), JsValue::UNDEFINED);
    assert_error(&e.err().expect("refused"), "InvalidArgument", "the link is damaged: its checksum does not match");
}

// ---- no answer without a quorum (issues 8 §1, 15), leases (issue 8 §4), through the JS API ----

#[wasm_bindgen_test]
async fn no_refusal_from_a_stale_cache_through_the_js_api() {
    // Issue 8 §1, verbatim: default options, no faults, sequential.
    let c = cluster("{}");
    let p2 = js("{ proposer: 'p2' }");
    ok(c.put("k".into(), "a".into(), JsValue::UNDEFINED)).await;
    assert_eq!(get(&ok(c.write("k".into(), 1.into(), "b".into(), p2)).await, "version"), 2);
    let v = ok(c.write("k".into(), 2.into(), "c".into(), JsValue::UNDEFINED)).await;
    assert_eq!(get(&v, "version"), 3, "p1 must not refuse from its cache");
    let thrower = js("x => { if (typeof x !== 'number') throw new Error('not a number'); return x + 1; }");
    ok(c.put("n".into(), "text".into(), JsValue::UNDEFINED)).await;
    ok(c.put("n".into(), 5.into(), js("{ proposer: 'p2' }"))).await;
    assert_eq!(ok(c.change("n".into(), thrower, JsValue::UNDEFINED)).await, 6, "p1's cache says 'text'");
    assert_eq!(get(&c.check(JsValue::UNDEFINED).unwrap(), "ok"), true);
}

#[wasm_bindgen_test]
async fn a_refusal_writes_back_the_minority_state_through_the_js_api() {
    // Issue 15, verbatim: oneRtt off, manual time, latency 10–10, 3 acceptors, 3 proposers.
    let c = cluster("{ oneRtt: false, autoAdvance: false, latency: { min: 10, max: 10 }, acceptors: 3, proposers: 3 }");
    let via = |p: &str| js(&format!("{{ proposer: '{p}' }}"));
    let first = c.write("k".into(), 0.into(), "v1".into(), via("p1"));
    c.run_for(100.into()).unwrap();
    assert_eq!(get(&ok(first).await, "version"), 1);
    let second = c.write("k".into(), 1.into(), "v2".into(), via("p1"));
    c.run_for(25.into()).unwrap(); // the accept is on the wire
    c.partition(js("[['p1', 'a1']]")).unwrap();
    c.run_for(10.into()).unwrap(); // it lands on a1 only
    c.crash("p1".into()).unwrap();
    c.heal().unwrap();
    assert_eq!(get(&err(second).await, "indeterminate"), true);
    c.partition(js("[['p2', 'a1', 'a2']]")).unwrap();
    let p2 = c.write("k".into(), 1.into(), "p2".into(), via("p2"));
    c.run_for(500.into()).unwrap();
    assert_error(&err(p2).await, "VersionConflict", "version 2");
    c.heal().unwrap();
    c.isolate("a1".into()).unwrap();
    let p3 = c.write("k".into(), 1.into(), "p3".into(), via("p3"));
    c.run_for(500.into()).unwrap();
    assert_error(&err(p3).await, "VersionConflict", "version 2");
    let report = c.check(JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&report, "ok"), true, "{}", json(&report));
}

#[wasm_bindgen_test]
async fn leases_carry_fencing_tokens_and_a_void_lock_grant_is_false() {
    let c = cluster("{ latency: { min: 10, max: 10 } }");
    let lease = ok(c.acquire_lease("job".into(), "alice".into(), js("{ ttl: 1000 }"))).await;
    assert_eq!(
        json(&lease),
        format!(
            r#"{{"acquired":true,"holder":"alice","expiresAt":{},"token":1}}"#,
            get(&lease, "expiresAt").as_f64().unwrap()
        )
    );
    let bob = ok(c.acquire_lease("job".into(), "bob".into(), js("{ proposer: 'p2' }"))).await;
    assert_eq!(
        (get(&bob, "acquired"), get(&bob, "holder"), get(&bob, "token")),
        (false.into(), "alice".into(), 1.into())
    );
    assert_eq!(ok(c.release_lock("job".into(), "alice".into(), JsValue::UNDEFINED)).await, true);
    // A 5 ms TTL lapses before the round that grants it answers (10 ms each way).
    assert_eq!(ok(c.acquire_lock("job".into(), "carol".into(), js("{ ttl: 5 }"))).await, false);
    let dave = ok(c.acquire_lease("job".into(), "dave".into(), JsValue::UNDEFINED)).await;
    assert_eq!(
        (get(&dave, "acquired"), get(&dave, "token")),
        (true.into(), 3.into()),
        "carol's void grant still counted"
    );
    assert_error(&err(c.acquire_lease("job".into(), "".into(), JsValue::UNDEFINED)).await, "InvalidArgument", "owner");
    assert_eq!(get(&c.check(JsValue::UNDEFINED).unwrap(), "ok"), true);
}

// ---- the checker sees what the simulator saw (issue 8 §2) ----

/// `put k 1` returns; in the same virtual millisecond a3 crashes, a1 and a2 are wiped and `get k`
/// through p2 answers null. The history's event sequence orders the get after the put, so
/// `check()` names the stale get; the oracles' findings come with it.
#[wasm_bindgen_test]
async fn check_orders_by_the_event_sequence_not_by_milliseconds() {
    let c = cluster("{}");
    ok(c.put("k".into(), 1.into(), JsValue::UNDEFINED)).await;
    let returned_at = c.now();
    c.crash("a3".into()).unwrap();
    c.wipe("a1".into()).unwrap();
    c.wipe("a2".into()).unwrap();
    assert!(ok(c.get("k".into(), js("{ proposer: 'p2' }"))).await.is_null());
    let h = Array::from(&c.history().unwrap());
    let (put, get_op) = (h.get(0), h.get(1));
    assert_eq!(get(&get_op, "invokeAt").as_f64(), Some(returned_at), "same millisecond");
    let seq = |o: &JsValue, f: &str| get(o, f).as_f64().unwrap();
    assert!(seq(&put, "invokeSeq") < seq(&put, "returnSeq") && seq(&put, "returnSeq") < seq(&get_op, "invokeSeq"));
    let report = c.check(JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&report, "ok"), false);
    assert_eq!(get(&report, "violation.kind"), "linearizability", "{}", json(&report));
    assert_eq!(get(&report, "violation.ops.0"), 1);
    let explanation = get(&report, "violation.explanation").as_string().unwrap();
    assert!(explanation.starts_with("get k → null (#1)"), "{explanation}");
    let oracles = Array::from(&get(&report, "oracles"));
    assert!(oracles.iter().any(|o| get(&o, "kind") == "promise-regressed"), "{}", json(&report));
}

/// "Find a counterexample" in the page's configuration, through `Cluster.fuzz` and `check()`:
/// every break-it switch is found within 500 runs, and the report says what caught it.
#[wasm_bindgen_test]
fn every_break_it_switch_is_found_by_fuzz_and_check_with_its_kind() {
    let search = |options: &str| {
        (1..=500).find_map(|seed| {
            let f =
                Cluster::fuzz(js(&format!("{{ seed: {seed}, acceptors: 3, proposers: 2, oneRtt: true, {options} }}")))
                    .unwrap();
            f.run_until_idle(JsValue::UNDEFINED).unwrap();
            let r = f.check(JsValue::UNDEFINED).unwrap();
            let v = get(&r, "violation");
            (!v.is_undefined()).then(|| {
                assert_eq!(get(&r, "ok"), false);
                (seed, get(&v, "kind").as_string().unwrap(), json(&r))
            })
        })
    };
    for (options, kind) in [
        ("break: { quorum: 1 }", "linearizability"),
        ("break: { reuseBallot: true }", "one-value-per-ballot"),
        ("break: { takeAnyAccepted: true }", "linearizability"),
        ("break: { blindRetry: true }", "linearizability"),
        ("wipes: true", "promise-regressed"),
    ] {
        let (seed, caught, report) = search(options).unwrap_or_else(|| panic!("{options}: nothing in 500 runs"));
        assert_eq!(caught, kind, "{options}, seed {seed}: {report}");
    }
}

// ---- the boundary: hostile values, the stack limit, free(), strings, limits, floats ----
//
// These call the cluster the way a page does, through the JS class (and so through the guard
// `start()` installs), from test expressions with the cluster as `c` and the helpers of
// tests/boundary.js as `h`.

#[wasm_bindgen::prelude::wasm_bindgen(module = "/tests/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = getHelpers)]
    fn helpers() -> JsValue;
    #[wasm_bindgen(js_name = withStackLeft)]
    fn with_stack_left(bytes: f64, f: &JsValue, arg: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = stackProvenBy)]
    fn stack_proven_by(probe: &JsValue) -> f64;
    #[wasm_bindgen(js_name = callsWhileUnwinding)]
    fn calls_while_unwinding(f: &JsValue, arg: &JsValue, every: u32, count: u32) -> Array;
    #[wasm_bindgen(js_name = changeCallingNearTheLimit)]
    fn near_the_limit(cluster: &JsValue, call: &JsValue, bytes: f64, outcomes: &Array) -> JsValue;
}

/// A JS function `c => expr`, with the helpers as `h`.
fn function(expr: &str) -> js_sys::Function {
    let make: js_sys::Function = js(&format!("h => c => ({expr})")).unchecked_into();
    make.call1(&JsValue::NULL, &helpers()).expect("a function").unchecked_into()
}

/// Runs `expr` (JS, with the cluster as `c` and the helpers as `h`).
fn call(c: &JsValue, expr: &str) -> Result<JsValue, JsValue> {
    function(expr).call1(&JsValue::NULL, c)
}

/// A cluster as JS holds it (its methods go through the guard).
fn js_cluster(opts: &str) -> JsValue {
    cluster(opts).into()
}

/// The cluster (through JS) still answers, is not left busy, and is not leaking simulations.
async fn js_still_works(c: &JsValue) {
    assert_eq!(call(c, "c.__entered()").unwrap(), 0, "the cluster was left busy");
    let before = outcome(call(c, "c.get('sanity')")).await.unwrap().as_f64().unwrap_or(0.0);
    let after = outcome(call(c, "c.increment('sanity')")).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    assert_eq!(after.as_f64().unwrap(), before + 1.0);
    assert!(call(c, "c.now").unwrap().as_f64().unwrap() > 0.0);
}

/// Frees the cluster and checks its simulation left memory.
fn free_and_check_released(c: &JsValue) {
    let before = caspaxos_playground::sim::live_simulations();
    call(c, "c.free()").unwrap();
    assert_eq!(caspaxos_playground::sim::live_simulations(), before - 1, "free() released the simulation");
}

#[wasm_bindgen_test]
async fn hostile_arguments_never_wedge_the_cluster() {
    let c = js_cluster("{ seed: 6 }");
    let thrown = [
        ("c.crash(h.revokedProxy())", "node must be a string, got an unreadable object (a revoked Proxy?)"),
        ("c.restart(h.revokedProxy())", "node must be a string, got an unreadable object"),
        ("c.isolate(h.revokedProxy())", "node must be a string"),
        ("c.setDropRate(h.revokedProxy())", "rate must be a number in 0..=1, got an unreadable object"),
        ("c.partition(h.revokedProxy())", "groups could not be read"),
        ("c.partition([h.revokedProxy()])", "groups[0] could not be read"),
        ("c.partition(new Proxy([], { get() { throw new Error('trap') } }))", "groups could not be read"),
        ("c.partition({ length: 1, 0: ['a1'] })", "groups must be an array of arrays of node ids, got an object"),
        ("c.partition(Object.assign(new Array(2 ** 31), { 0: ['a1'] }))", "groups has 2147483648 items, more than 5"),
        ("c.events(h.revokedProxy())", "since must be an integer, got an unreadable object"),
        ("c.runFor(h.revokedProxy())", "ms must be an integer"),
        ("c.setBreak(h.revokedProxy())", "options could not be read"),
        ("c.autoAdvance = h.revokedProxy()", "autoAdvance must be a boolean, got an unreadable object"),
        ("new c.constructor(h.revokedProxy())", "options could not be read"),
        ("c.constructor.fromSession(h.revokedProxy())", "session could not be read"),
        ("c.constructor.fuzz(h.selfRevokingProxy())", "options could not be read"),
    ];
    for (expr, needle) in thrown {
        let e = call(&c, expr).expect_err(expr);
        assert_error(&e, "InvalidArgument", needle);
        js_still_works(&c).await;
    }
    let rejected = [
        ("c.get(h.revokedProxy())", "key must be a string, got an unreadable object (a revoked Proxy?)"),
        ("c.increment('k', { proposer: h.revokedProxy() })", "options.proposer must be a string"),
        ("c.increment('k', h.revokedProxy())", "options could not be read"),
        ("c.put('k', h.selfRevokingProxy())", "value could not be read"),
        ("c.put('k', [1, h.revokedProxy()])", "value could not be read"),
        ("c.change('k', h.revokedProxy())", "fn must be a function, got an unreadable object"),
        ("c.acquireLock(h.revokedProxy(), 'o')", "name must be a string"),
        ("c.acquireLock('L', 'o', { ttl: h.revokedProxy() })", "options.ttl must be an integer"),
        ("c.change('k', x => h.revokedProxy())", "the change function's result could not be read"),
    ];
    for (expr, needle) in rejected {
        let e = outcome(call(&c, expr)).await.expect_err(expr);
        assert_error(&e, "InvalidArgument", needle);
        js_still_works(&c).await;
    }
    // What a change function throws is reported even when reading it throws.
    for (expr, needle) in [
        ("c.change('k', x => { throw h.revokedProxy() })", "the change function threw: an unreadable object"),
        ("c.change('k', x => { throw h.errorWithThrowingMessage() })", "the change function threw: an object"),
    ] {
        let e = outcome(call(&c, expr)).await.expect_err(expr);
        assert_error(&e, "UpdateRejected", needle);
        js_still_works(&c).await;
    }
    // An array whose iterator throws is still an array: it is read by index, and works.
    call(&c, "c.partition(h.arrayWithThrowingIterator([['a1', 'p1'], ['a2']]))").unwrap();
    assert_eq!(json(&get(&call(&c, "c.state()").unwrap(), "network.groups")), r#"[["a1","p1"],["a2"],["a3","p2"]]"#);
    call(&c, "c.heal()").unwrap();
    js_still_works(&c).await;
    free_and_check_released(&c);
}

/// Every kind of call, and what it needs to be warmed up with first. The change function last:
/// after it the run has no `session()`.
const CALLS: [&str; 16] = [
    "c.increment('k')",
    "c.put('deep', h.deep)",
    "c.get('deep')",
    "c.crash('a3')",
    "c.restart('a3')",
    "c.runFor(5)",
    "c.step()",
    "c.events(0)",
    "c.state()",
    "c.history()",
    "c.check()",
    "c.session()",
    "c.now",
    "c.eventLogHash()",
    "c.constructor.fromSession(c.session(), { until: 10 }).free()",
    "c.change('deep', x => x)",
];

/// What a call made by `with_stack_left` threw, or what it returned (a promise awaited).
async fn result_of(r: &JsValue) -> Result<JsValue, JsValue> {
    if get(r, "threw") == true {
        Err(get(r, "error"))
    } else {
        outcome(Ok(get(r, "value"))).await
    }
}

/// Sorts what a call near the stack limit did. Allowed: it worked; it was refused with an
/// `InvalidArgument` by the guard (no `cause`: nothing escaped); or the engine could not even
/// start the test's own call (a RangeError, with almost no stack left).
async fn classify(bytes: f64, expr: &str, r: &JsValue) -> &'static str {
    match result_of(r).await {
        Ok(_) => "ok",
        Err(e) if get(&e, "name") == "RangeError" => {
            assert!(bytes < 16_384.0, "{expr} with {bytes} bytes left: a RangeError came through");
            "no stack to start"
        }
        Err(e) => {
            assert_error(&e, "InvalidArgument", "of JavaScript stack and was called with less");
            let cause = get(&e, "cause");
            let stack = if cause.is_undefined() { JsValue::UNDEFINED } else { get(&cause, "stack") };
            assert!(cause.is_undefined(), "{expr} with {bytes} bytes left: an exception escaped wasm: {stack:?}");
            "refused"
        }
    }
}

/// Stack left for the calls of the sweep: finely near nothing and across the threshold of the
/// call's class and the full one (`stack_headrooms()`, plus the wrapper's frames), coarsely
/// elsewhere, past the full one.
fn headrooms(expr: &str) -> impl Iterator<Item = f64> {
    let [read, start, full] = stack_headrooms().map(f64::from);
    let near_nothing = (0..8).map(|i| i as f64 * 512.0);
    let coarse = (1..8).map(|i| i as f64 * 32_768.0);
    // From about 22 KB below a threshold to 8 KB above it, in 2 KB steps.
    let across = |threshold: f64| (0..16).map(move |i| threshold - 22_144.0 + i as f64 * 2048.0).filter(|b| *b >= 0.0);
    let light = match stack_class(expr) {
        "read" => read,
        "start" => start,
        _ => full,
    };
    let past = (0..4).map(move |i| full + 17_856.0 + i as f64 * 16_384.0);
    let lighter = across(light).filter(move |_| light < full);
    near_nothing.chain(coarse).chain(lighter).chain(across(full)).chain(past)
}

/// The guard's class of a call of [`CALLS`] (src/wasm/stack.rs, `Headroom`).
fn stack_class(expr: &str) -> &'static str {
    if expr == "c.now" {
        "read"
    } else if expr.starts_with("c.increment(") || expr.starts_with("c.get(") {
        "start"
    } else {
        "full"
    }
}

/// Each call is refused below its class's headroom, naming it, and works above it: a getter and
/// an operation's start where every other call is refused. A start that would replay first (the
/// first action after a seek) proves the full headroom from Rust, and leaves the tape as it was.
#[wasm_bindgen_test]
async fn each_call_proves_its_class_of_stack_and_a_start_that_would_replay_proves_all_of_it() {
    let [read, start, full] = stack_headrooms().map(f64::from);
    let c = js_cluster("{ seed: 5 }");
    outcome(call(&c, "c.increment('k')")).await.unwrap();
    // Enough above a threshold for the wrapper's frames (and, from Rust, the start's own).
    let above = 24_576.0;
    for (expr, bytes) in [
        ("c.now", read),
        ("c.increment('k')", start),
        ("c.get('k')", start),
        ("c.put('k', 1)", full),
        ("c.state()", full),
    ] {
        let f = function(expr);
        outcome(f.call1(&JsValue::NULL, &c)).await.unwrap();
        let below = with_stack_left(bytes * 0.75, &f, &c);
        let e = result_of(&below).await.err().unwrap_or_else(|| panic!("{expr} worked below its headroom"));
        let needle = format!("needs about {} KB of JavaScript stack", bytes / 1024.0);
        assert_error(&e, "InvalidArgument", &needle);
        assert_eq!(classify(bytes + above, expr, &with_stack_left(bytes + above, &f, &c)).await, "ok", "{expr}");
        let lightest_heavy = if bytes < full { "ok" } else { "refused" };
        let at_start = classify(start + above, expr, &with_stack_left(start + above, &f, &c)).await;
        assert_eq!(at_start, lightest_heavy, "{expr} with a start's headroom left");
        js_still_works(&c).await;
    }
    // After a seek the tape holds the rest of the run: the next action drops its replay.
    call(&c, "c.runFor(50)").unwrap();
    let sought = call(&c, "c.constructor.fromSession(c.session(), { until: 1 })").unwrap();
    call(&sought, "c.autoAdvance = true").unwrap(); // a sought run is in manual time
    let tape = || get(&call(&sought, "c.tape").unwrap(), "actions").as_f64().unwrap();
    let on_tape = tape();
    assert!(on_tape > 0.0, "the sought run has actions to come");
    let f = function("c.increment('k')");
    let e = result_of(&with_stack_left(start + above, &f, &sought)).await.unwrap_err();
    assert_error(&e, "InvalidArgument", &format!("increment() needs about {} KB", full / 1024.0));
    assert_eq!(tape(), on_tape, "a refused start leaves the tape");
    let r = with_stack_left(full + 4.0 * above, &f, &sought);
    result_of(&r).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    assert_eq!(tape(), 0.0, "the start forked the run");
    // And once forked, a start is light again.
    let r = with_stack_left(start + above, &f, &sought);
    result_of(&r).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    js_still_works(&sought).await;
    free_and_check_released(&sought);
    free_and_check_released(&c);
}

/// A start may copy its key's value (a read lease's answer, a cached state's accept), a
/// recursion a level: in a run that has held a value nested deeper than
/// `MAX_LIGHT_START_DEPTH`, a start proves the full headroom from Rust (`get` of a value nested
/// 64 deep needed more than a start's 12 KB in an `opt-level = 3` build). Control: a value at
/// the limit leaves starts light.
#[wasm_bindgen_test]
async fn a_start_in_a_run_that_held_a_nested_value_proves_the_full_headroom() {
    use caspaxos_playground::limits::MAX_LIGHT_START_DEPTH as LIGHT;
    let [_, start, full] = stack_headrooms().map(f64::from);
    let above = 24_576.0;
    let nested =
        |levels: usize| format!("(() => {{ let v = 1; for (let i = 0; i < {levels}; i++) v = {{ v }}; return v; }})()");
    let c = js_cluster("{ seed: 6 }");
    let f = function("c.get('k')");
    outcome(call(&c, &format!("c.put('k', {})", nested(LIGHT)))).await.unwrap();
    outcome(f.call1(&JsValue::NULL, &c)).await.unwrap();
    assert_eq!(classify(start + above, "c.get('k')", &with_stack_left(start + above, &f, &c)).await, "ok");
    outcome(call(&c, &format!("c.put('other', {})", nested(LIGHT + 1)))).await.unwrap();
    let e = result_of(&with_stack_left(start + above, &f, &c)).await.expect_err("a light start after a nested value");
    assert_error(&e, "InvalidArgument", &format!("get() needs about {} KB", full / 1024.0));
    let r = with_stack_left(full + 4.0 * above, &f, &c);
    result_of(&r).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    js_still_works(&c).await;
    free_and_check_released(&c);
}

/// A start refused by the guard's light probe names what the run needs: in a run that has held
/// a value nested deeper than `MAX_LIGHT_START_DEPTH` the full headroom (Rust would ask for it
/// next: "12 KB" sent the caller to a depth that is refused again), in a light run a start's.
/// Control: the same depth in a run whose values stay at the limit names a start's bytes.
#[wasm_bindgen_test]
async fn a_start_refused_by_its_light_probe_names_the_stack_its_run_needs() {
    use caspaxos_playground::limits::MAX_LIGHT_START_DEPTH as LIGHT;
    let [_, start, full] = stack_headrooms().map(f64::from);
    let nested =
        |levels: usize| format!("(() => {{ let v = 1; for (let i = 0; i < {levels}; i++) v = {{ v }}; return v; }})()");
    for (levels, needs) in [(LIGHT + 1, full), (LIGHT, start)] {
        let c = js_cluster("{ seed: 6 }");
        let f = function("c.get('k')");
        outcome(call(&c, &format!("c.put('k', {})", nested(levels)))).await.unwrap();
        outcome(f.call1(&JsValue::NULL, &c)).await.unwrap(); // the start's light probe from now on
        let below = with_stack_left(start * 0.75, &f, &c);
        let e = result_of(&below).await.expect_err("a start below a start's headroom");
        assert_error(&e, "InvalidArgument", &format!("get() needs about {} KB", needs / 1024.0));
        js_still_works(&c).await;
        free_and_check_released(&c);
    }
}

/// Each class's probe proves at least its bytes, cold and once V8 has optimized it (optimized
/// code checks the height of the frame it may deoptimize to, src/wasm/stack.rs), and not much
/// more. Control: the measurement tells a probe that proves too little (the getters' probe
/// against a start's bytes).
#[wasm_bindgen_test]
fn each_stack_probe_proves_its_bytes_cold_and_optimized() {
    let probes = caspaxos_playground::wasm::stack_probes_for_tests();
    let [read, start, full] = stack_headrooms().map(f64::from);
    let probe = |name: &str| -> js_sys::Function { get(&probes, name).unchecked_into() };
    for calls_before in [0, 1_000, 20_000] {
        for (name, bytes) in [("read", read), ("start", start), ("full", full)] {
            let p = probe(name);
            let warm = if name == "full" { calls_before.min(2_000) } else { calls_before };
            for _ in 0..warm {
                assert_eq!(p.call0(&JsValue::NULL).unwrap(), true, "{name} at a shallow stack");
            }
            let proven = stack_proven_by(&p);
            assert!(
                proven >= bytes,
                "the {name} probe proves {proven} bytes, under its {bytes} (after {calls_before} calls)"
            );
            assert!(proven <= bytes + 16_384.0, "the {name} probe proves {proven} bytes, far over its {bytes}");
        }
    }
    let too_little = stack_proven_by(&probe("read"));
    assert!(too_little < start, "the getters' probe ({too_little} bytes) measured as proving a start's {start}");
}

/// Lets the browser run other tasks (a long chain of resolved promises never does).
async fn next_task() {
    let p = Promise::new(&mut |resolve, _| {
        let set_timeout: js_sys::Function =
            Reflect::get(&js_sys::global(), &"setTimeout".into()).unwrap().unchecked_into();
        set_timeout.call2(&JsValue::NULL, &resolve, &0.into()).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// An async worker awaiting operations under `autoAdvance` (each await steps the simulation from
/// a microtask) while the page drives it with `runUntilIdle()` between macrotasks, and a
/// `free()` while the worker's operation is still pending: nothing panics, the operations end,
/// the cluster is never left busy. An operation that waited while `autoAdvance` was off resumes
/// when it is switched back on (before the fix it waited forever: the final `await worker`).
#[wasm_bindgen_test]
async fn an_awaiting_worker_and_run_until_idle_interleave_without_reentering_the_simulation() {
    let c = js_cluster("{ seed: 12 }");
    let drive: js_sys::Function = js(r#"async (c) => {
        const out = [];
        const tick = () => new Promise((r) => setTimeout(r, 0));
        let stop = false, done = 0;
        const worker = (async () => {
          while (!stop) {
            await c.increment("k");
            if (++done % 20 === 0) await tick();
          }
        })().then(() => "worker ok", (e) => `worker: ${e.name}: ${e.message}`);
        for (let i = 0; i < 10; i++) {
          out.push(typeof c.runUntilIdle());
          c.autoAdvance = i % 2 === 0;
          await tick();
        }
        c.autoAdvance = true;
        stop = true;
        out.push(await worker, c.__entered(), (await c.get("k")) === done);
        return out;
      }"#)
    .unchecked_into();
    let out = outcome(drive.call1(&JsValue::NULL, &c)).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    let ran = r#""number","number","number","number","number","number","number","number","number","number""#;
    let expected = format!(r#"[{ran},"worker ok",0,true]"#);
    assert_eq!(json(&out), expected);
    js_still_works(&c).await;
    // free() while an operation waits for virtual time: it rejects as "maybe applied", no panic.
    call(&c, "c.autoAdvance = false").unwrap();
    let pending = call(&c, "c.increment('k')").unwrap();
    free_and_check_released(&c);
    let e = outcome(Ok(pending)).await.unwrap_err();
    assert_error(&e, "Unavailable", "the cluster was freed");
    let after = outcome(call(&c, "c.increment('k')")).await.unwrap_err();
    assert_error(&after, "InvalidArgument", "this Cluster was freed");
}

#[wasm_bindgen_test]
async fn calls_near_the_stack_limit_are_refused_or_work_and_never_wedge_the_cluster() {
    let c = js_cluster("{ seed: 4 }");
    Reflect::set(
        &helpers(),
        &"deep".into(),
        &js("(() => { let v = 1.5; for (let i = 0; i < 64; i++) v = { v }; return v; })()"),
    )
    .unwrap();
    let mut seen = std::collections::BTreeMap::<(&str, &str), usize>::new();
    for expr in CALLS {
        let f = function(expr);
        outcome(f.call1(&JsValue::NULL, &c)).await.unwrap_or_else(|e| panic!("{expr}: {}", describe_error(&e)));
        for (i, bytes) in headrooms(expr).enumerate() {
            let r = with_stack_left(bytes, &f, &c);
            *seen.entry((expr, classify(bytes, expr, &r).await)).or_default() += 1;
            js_still_works(&c).await;
            // Hands the event loop back every few calls (the webdriver must get its turn).
            if i % 8 == 7 {
                next_task().await;
            }
        }
        next_task().await;
        assert!(seen.contains_key(&(expr, "refused")), "{expr} was never refused near the limit: {seen:?}");
        assert!(seen.contains_key(&(expr, "ok")), "{expr} never worked: {seen:?}");
    }
    wasm_bindgen_test::console_log!("near the stack limit: {seen:?}");
    // Ordinary recursion until the engine throws a RangeError, then calls as it unwinds.
    for expr in ["c.increment('r')", "c.crash('a2')", "c.restart('a2')", "c.state()"] {
        let mut seen = Vec::new();
        for r in calls_while_unwinding(&function(expr), &c, 16, 400).iter() {
            seen.push(classify(0.0, expr, &r).await);
        }
        // From the deepest frame up: too deep to start, then refused, then working; never back.
        let rank = |o: &&str| ["no stack to start", "refused", "ok"].iter().position(|x| x == o);
        assert!(seen.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])), "{expr} while unwinding: {seen:?}");
        assert!(seen.contains(&"refused") && seen.contains(&"ok"), "{expr} while unwinding: {seen:?}");
        js_still_works(&c).await;
    }
    js_still_works(&c).await;
    free_and_check_released(&c);
}

#[wasm_bindgen_test]
async fn change_functions_that_exhaust_the_stack_are_rejected_and_the_cluster_continues() {
    for opts in ["{}", "{ autoAdvance: false }"] {
        let c = js_cluster(opts);
        let p = call(&c, "c.change('k', h.recursingChange())").unwrap();
        if opts.contains("false") {
            call(&c, "c.runUntilIdle()").unwrap(); // the change function runs inside this call
        }
        let e = outcome(Ok(p)).await.unwrap_err();
        assert_error(&e, "UpdateRejected", "the change function threw: Maximum call stack size exceeded");
        assert_eq!(get(&get(&e, "cause"), "name"), "RangeError");
        call(&c, "c.autoAdvance = true").unwrap();
        js_still_works(&c).await;
        // From inside a change function, near the limit: every call is refused, never wedges.
        let outcomes = Array::new();
        for bytes in [0.0, 512.0, 2048.0, 16_384.0, 65_536.0, 300_000.0] {
            for inner in ["c => c.crash('a1')", "c => c.increment('x')", "c => c.now", "c => c.free()", "c => c.step()"]
            {
                let change = near_the_limit(&c, &js(inner), bytes, &outcomes);
                Reflect::set(&helpers(), &"change".into(), &change).unwrap();
                let p = call(&c, "c.change('n', h.change)").unwrap();
                outcome(Ok(p)).await.unwrap_or_else(|e| panic!("{inner} at {bytes}: {}", describe_error(&e)));
                js_still_works(&c).await;
            }
        }
        let mut kinds = std::collections::BTreeSet::new();
        for o in outcomes.iter() {
            let value = get(&o, "value");
            let result = if get(&o, "threw") == true {
                Err(get(&o, "error"))
            } else if value.is_instance_of::<Promise>() {
                JsFuture::from(Promise::from(value)).await
            } else {
                Ok(value)
            };
            match result {
                // Only reading `now` may work from inside a change function.
                Ok(v) => assert!(v.as_f64().is_some(), "{}", json(&o)),
                Err(e) if get(&e, "name") == "RangeError" => {} // the test's own frames did not fit
                Err(e) => {
                    assert_eq!(get(&e, "name"), "InvalidArgument", "{}", describe_error(&e));
                    assert!(get(&e, "cause").is_undefined(), "an exception escaped: {}", describe_error(&e));
                    let message = get(&e, "message").as_string().unwrap();
                    kinds.insert(if message.contains("JavaScript stack") { "no stack" } else { "busy" });
                }
            }
        }
        assert_eq!(kinds.len(), 2, "refused both for want of stack and because the cluster is busy: {kinds:?}");
        free_and_check_released(&c);
    }
}

#[wasm_bindgen_test]
fn check_reports_oracles_and_the_checker_workload_takes_a_shape() {
    let c = Cluster::with_checker_workload(100.into(), js("{ clients: 1, keys: 1 }")).unwrap();
    let report = c.check(JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&report, "ok"), true, "{}", json(&report));
    assert_eq!(Array::from(&get(&report, "oracles")).length(), 0);
    assert_eq!(get(&report, "keys.k0.verdict"), "ok", "one key, k0");
    assert!(get(&report, "keys.k1").is_undefined());
    assert_eq!(c.last_operation_id(), 99.0);
    for (bad, needle) in [
        ("{ clients: 0 }", "options.clients"),
        ("{ keys: 101 }", "options.keys"),
        ("{ shape: 1 }", "unknown field"),
        ("[]", "options must be an object"),
    ] {
        assert_error(&Cluster::with_checker_workload(100.into(), js(bad)).err().expect(bad), "InvalidArgument", needle);
    }
}

#[wasm_bindgen_test]
async fn free_with_operations_pending_rejects_them_and_releases_the_simulation() {
    let before = caspaxos_playground::sim::live_simulations();
    let c = js_cluster("{ autoAdvance: false }");
    assert_eq!(caspaxos_playground::sim::live_simulations(), before + 1);
    let pending: Vec<JsValue> = ["c.increment('a')", "c.change('b', x => 1)", "c.get('a')", "c.acquireLock('L', 'o')"]
        .iter()
        .map(|e| call(&c, e).unwrap())
        .collect();
    call(&c, "c.step()").unwrap();
    assert_eq!(call(&c, "c.pending").unwrap(), 4);
    assert!(call(&c, "c.free()").unwrap().is_undefined());
    assert_eq!(caspaxos_playground::sim::live_simulations(), before, "the simulation was released");
    for p in pending {
        // One step: no accept was sent, so none was applied (outside tester 16, finding 5: each
        // said it may have been).
        let e = outcome(Ok(p)).await.unwrap_err();
        let fate = "the cluster was freed (free() was called) before this operation ended; the change was not applied";
        assert_error(&e, "Unavailable", fate);
        assert_eq!(get(&e, "indeterminate"), false);
    }
    // Control: an increment whose accepts are on the wire (sent at 20 ms, answered at 40 ms).
    let accepting = js_cluster("{ autoAdvance: false, latency: { min: 10, max: 10 } }");
    let p = call(&accepting, "c.increment('a')").unwrap();
    call(&accepting, "c.runFor(25)").unwrap();
    assert_eq!(call(&accepting, "c.pending").unwrap(), 1);
    call(&accepting, "c.free()").unwrap();
    let e = outcome(Ok(p)).await.unwrap_err();
    assert_error(&e, "Unavailable", "before this operation ended; the change may have been applied");
    assert_eq!(get(&e, "indeterminate"), true);
    // An operation that ended before free() gives its answer, even if JS had not collected it
    // yet (outside tester: it was rejected as "may or may not have been applied").
    let done = js_cluster("{ autoAdvance: false }");
    let answered = call(&done, "c.increment('k')").unwrap();
    call(&done, "c.runUntilIdle()").unwrap();
    assert_eq!(call(&done, "c.pending").unwrap(), 0);
    call(&done, "c.free()").unwrap();
    assert_eq!(outcome(Ok(answered)).await.unwrap(), 1, "the answer given before free() is delivered");

    // Afterwards: named errors, and a second free() is a no-op.
    assert_error(&outcome(call(&c, "c.increment('a')")).await.unwrap_err(), "InvalidArgument", "was freed");
    assert_error(&call(&c, "c.crash('a1')").unwrap_err(), "InvalidArgument", "was freed");
    assert_error(&call(&c, "c.now").unwrap_err(), "InvalidArgument", "was freed");
    assert!(call(&c, "c.free()").unwrap().is_undefined());
    assert!(call(&c, "c[Symbol.dispose]?.()").unwrap().is_undefined());

    // Dropping the Rust value (what garbage collection does) releases it too.
    let r = cluster("{ autoAdvance: false }");
    let p = r.increment("a".into(), JsValue::UNDEFINED);
    drop(r);
    assert_eq!(caspaxos_playground::sim::live_simulations(), before);
    assert_error(&err(p).await, "Unavailable", "freed");
}

#[wasm_bindgen_test]
async fn free_inside_a_change_function_is_invalid_argument_and_the_cluster_continues() {
    let tries = "x => { try { c.free(); } catch (e) { return e.name + ': ' + e.message; } return 'not refused'; }";
    for opts in ["{}", "{ autoAdvance: false }"] {
        let c = js_cluster(opts);
        let p = call(&c, &format!("c.change('k', {tries})")).unwrap();
        if opts.contains("false") {
            call(&c, "c.runUntilIdle()").unwrap();
        }
        let said = outcome(Ok(p)).await.unwrap().as_string().unwrap();
        assert!(said.starts_with("InvalidArgument: free() cannot be called from inside a change function"), "{said}");
        // From an argument's getter too (the cluster is reading its arguments).
        let e = outcome(call(&c, "c.increment('k', { get proposer() { c.free(); return 'p1'; } })")).await.unwrap_err();
        assert_error(&e, "InvalidArgument", "options could not be read");
        call(&c, "c.autoAdvance = true").unwrap();
        js_still_works(&c).await;
        free_and_check_released(&c);
    }
}

/// A JS expression that runs `attempt` (a call back into `c`) from inside `place` and keeps what
/// it said in `globalThis.said` ("not refused" if it answered).
fn reentering(place: &str, attempt: &str) -> String {
    let tried = format!("(() => {{ try {{ {attempt}; globalThis.said = 'not refused'; }} catch (e) {{ globalThis.said = e.name + ': ' + e.message; }} }})()");
    place.replace("TRY", &tried)
}

#[wasm_bindgen_test]
async fn a_call_back_into_the_cluster_is_refused_naming_what_the_cluster_was_running() {
    // Outside tester 16, finding 6: a put value's getter calling the cluster was told it was
    // "inside a change function" (there was none). Each place says what it is; the change
    // function's own wording is the contract's.
    let inside_change = "InvalidArgument: the cluster cannot be called from inside a change function";
    let result = "InvalidArgument: the cluster cannot be called from a getter or Proxy trap of a change function's result (the cluster is reading it)";
    let arguments = "InvalidArgument: the cluster cannot be called from a getter or Proxy trap of the arguments of the call in progress (the cluster is reading them: put()'s value, an options object, ...)";
    let cases = [
        ("c.put('k', { get x() { TRY; return 1; } })", "c.step()", arguments),
        ("c.increment('k', { get proposer() { TRY; return 'p1'; } })", "c.crash('a1')", arguments),
        ("c.partition([new Proxy(['a1'], { get: (t, k) => (k === '0' && TRY, t[k]) })])", "c.heal()", arguments),
        ("c.change('k', () => ({ get x() { TRY; return 1; } }))", "c.step()", result),
        ("c.change('k', () => { TRY; return 1; })", "c.step()", inside_change),
        ("c.put('k', { get x() { TRY; return 1; } })", "c.free()", "InvalidArgument: free() cannot be called from a getter or Proxy trap of the arguments of the call in progress (the cluster is reading them: put()'s value, an options object, ...); call it once that call has returned"),
        ("c.change('k', () => ({ get x() { TRY; return 1; } }))", "c.free()", "InvalidArgument: free() cannot be called from a getter or Proxy trap of a change function's result (the cluster is reading it); call it once the operation has ended"),
        ("c.change('k', () => { TRY; return 1; })", "c.free()", "InvalidArgument: free() cannot be called from inside a change function (the cluster is running it); call it once the operation has ended"),
    ];
    for opts in ["{}", "{ autoAdvance: false }"] {
        for (place, attempt, expected) in cases {
            let c = js_cluster(opts);
            call(&c, "globalThis.said = 'never called'").unwrap();
            let p = call(&c, &reentering(place, attempt)).unwrap();
            if opts.contains("false") {
                call(&c, "c.runUntilIdle()").unwrap(); // a change function runs inside this call
            }
            outcome(Ok(p)).await.unwrap_or_else(|e| panic!("{place}: {}", describe_error(&e)));
            let said = js("globalThis.said").as_string().unwrap();
            assert_eq!(said, expected, "{attempt} from {place} ({opts})");
            call(&c, "c.autoAdvance = true").unwrap();
            js_still_works(&c).await;
            free_and_check_released(&c);
        }
    }
    // The control: the same getter on a value the cluster is not reading (read before the call)
    // reaches the cluster, which answers.
    let c = js_cluster("{}");
    let read_first = reentering("(v => c.put('k', { x: v.x }))({ get x() { TRY; return 1; } })", "c.step()");
    outcome(call(&c, &read_first)).await.unwrap();
    assert_eq!(js("globalThis.said"), "not refused");
    free_and_check_released(&c);
}

#[wasm_bindgen_test]
async fn strings_with_lone_surrogates_are_refused_naming_the_argument() {
    let c = js_cluster("{}");
    let rejected = [
        ("c.put('\\uD800', 1)", "key contains a lone surrogate (\\uD800 at index 0)"),
        ("c.put('\\uDC00', 1)", "key contains a lone surrogate (\\uDC00 at index 0)"),
        ("c.get('ab\\uDC00')", "key contains a lone surrogate (\\uDC00 at index 2)"),
        ("c.put('k', '\\uD800')", "value (a string in it) contains a lone surrogate (\\uD800 at index 0)"),
        (
            "c.put('k', { a: ['ok', 'x\\uDBFF'] })",
            "value (a string in it) contains a lone surrogate (\\uDBFF at index 1)",
        ),
        ("c.put('k', { '\\uD800': 1 })", "a field name of value contains a lone surrogate"),
        ("c.write('k', 0, ['\\uDC00'])", "value (a string in it) contains a lone surrogate"),
        ("c.acquireLock('\\uD800', 'o')", "name contains a lone surrogate"),
        ("c.acquireLock('L', 'o\\uDC00')", "owner contains a lone surrogate (\\uDC00 at index 1)"),
        ("c.releaseLock('L', '\\uD800')", "owner contains a lone surrogate"),
        ("c.increment('k', { proposer: 'p1\\uD800' })", "options.proposer contains a lone surrogate"),
        ("c.increment('k', { '\\uD800': 1 })", "a field name of options contains a lone surrogate"),
        ("c.change('k', x => '\\uD800')", "the change function's result (a string in it) contains a lone surrogate"),
    ];
    for (expr, needle) in rejected {
        let e = outcome(call(&c, expr)).await.expect_err(expr);
        assert_error(&e, "InvalidArgument", needle);
    }
    for (expr, needle) in [
        ("c.crash('a1\\uD800')", "node contains a lone surrogate"),
        ("c.partition([['a1', '\\uDC00']])", "groups[0][1] contains a lone surrogate"),
        ("c.constructor.fromSession('\\uD800')", "session contains a lone surrogate"),
        (
            // `sessionStart`: this run used a change function above, and has no `session()`.
            "c.constructor.fromSession({ format: 'caspaxos-session', version: 1, start: c.sessionStart, actions: [{ do: 'invoke', proposer: 'p1', key: '\\uD800', op: 'get', input: null, steps: 0, at: 0 }] })",
            "session.actions[0] (a string in it) contains a lone surrogate",
        ),
    ] {
        let e = call(&c, expr).expect_err(expr);
        assert_error(&e, "InvalidArgument", needle);
    }
    // Nothing was written, and real text (U+FFFD itself, a surrogate pair) stays distinct.
    assert!(outcome(call(&c, "c.get('\\uFFFD')")).await.unwrap().is_null());
    outcome(call(&c, "c.put('\\uFFFD', 'replacement')")).await.unwrap();
    outcome(call(&c, "c.put('\\uD83D\\uDE00', '\\uD83D\\uDE00')")).await.unwrap();
    assert_eq!(outcome(call(&c, "c.get('\\uFFFD')")).await.unwrap(), "replacement");
    assert_eq!(outcome(call(&c, "c.get('😀')")).await.unwrap(), "😀");
    js_still_works(&c).await;
}

#[wasm_bindgen_test]
async fn lock_names_of_256_characters_work_and_longer_ones_are_refused() {
    let c = js_cluster("{}");
    assert_eq!(outcome(call(&c, "c.acquireLock('n'.repeat(256), 'o')")).await.unwrap(), true);
    assert_eq!(outcome(call(&c, "c.releaseLock('n'.repeat(256), 'o')")).await.unwrap(), true);
    assert_eq!(outcome(call(&c, "c.acquireLock('🔒'.repeat(256), 'o'.repeat(256))")).await.unwrap(), true);
    for (expr, needle) in [
        ("c.acquireLock('n'.repeat(257), 'o')", "lock name must be at most 256 characters, got 257"),
        ("c.releaseLock('n'.repeat(257), 'o')", "lock name must be at most 256 characters, got 257"),
        ("c.acquireLock('L', 'o'.repeat(257))", "owner must be at most 256 characters, got 257"),
        ("c.acquireLock('L', '')", "owner must be a non-empty string"),
    ] {
        assert_error(&outcome(call(&c, expr)).await.unwrap_err(), "InvalidArgument", needle);
    }
    // The run with a 256-character lock name still makes a link that replays.
    call(&c, "c.runUntilIdle()").unwrap();
    let link = call(&c, "c.sessionLink()").unwrap();
    let copy = call(&c, &format!("c.constructor.fromSession({})", json(&link))).unwrap();
    call(&copy, "c.runUntilIdle()").unwrap();
    assert_eq!(call(&copy, "c.eventLogHash()").unwrap(), call(&c, "c.eventLogHash()").unwrap());
    assert_eq!(get(&call(&c, "c.constructor.limits").unwrap(), "keyChars"), 256);
}

#[wasm_bindgen_test]
fn session_documents_refuse_integers_beyond_their_limits() {
    let c = js_cluster("{ autoAdvance: false }");
    let _ = call(&c, "c.write('k', 0, 1)").unwrap();
    call(&c, "c.runFor(10)").unwrap();
    for (edit, needle) in [
        // Read as 3 on wasm32 before.
        ("d.start.acceptors = 2 ** 32 + 3", "start.acceptors must be an integer in 1..=15, got 4294967299"),
        ("d.start.maxAttempts = 1000", "start.maxAttempts must be an integer in 1..=100, got 1000"),
        ("d.start.latency.min = -1", "start.latency.min must be an integer in 0..=60000, got -1"),
        ("d.actions[0].steps = 2 ** 53", "actions[0].steps must be an integer in 0..=9007199254740991"),
        ("d.actions[0].input.expectedVersion = 2 ** 53", "write's expectedVersion must be an integer"),
    ] {
        let expr = format!("(() => {{ const d = c.session(); {edit}; return c.constructor.fromSession(d); }})()");
        assert_error(&call(&c, &expr).unwrap_err(), "InvalidArgument", needle);
    }
    assert_error(
        &call(&c, "c.constructor.fromSession(c.session(), { until: 2 ** 53 })").unwrap_err(),
        "InvalidArgument",
        "options.until must be in 0..=9007199254740991",
    );
}

#[wasm_bindgen_test]
fn session_documents_refuse_unknown_fields_like_the_constructors() {
    let c = js_cluster("{ autoAdvance: false }");
    let _ = call(&c, "c.write('k', 0, 1)").unwrap();
    for (edit, needle) in [
        ("d.start.bogus = 1", "start has an unknown field \"bogus\""),
        ("d.start.latency.mn = 1", "start.latency has an unknown field \"mn\""),
        ("d.actions[0].proposr = 'p1'", "actions[0] has an unknown field \"proposr\""),
        ("d.extra = {}", "the document has an unknown field \"extra\""),
    ] {
        let expr = format!("(() => {{ const d = c.session(); {edit}; return c.constructor.fromSession(d); }})()");
        assert_error(&call(&c, &expr).unwrap_err(), "InvalidArgument", needle);
    }
    // The control: the same document unedited, and with the page's `metrics`, opens; `c` still works.
    call(&c, "c.constructor.fromSession({ ...c.session(), metrics: c.metrics() }).free()").unwrap();
    assert_eq!(call(&c, "c.runFor(10), c.now").unwrap().as_f64(), Some(10.0));
}

#[wasm_bindgen_test]
async fn share_links_reproduce_runs_with_any_float() {
    // Math.random() * 1000: about 1 in 10 such values replayed an ulp off before.
    for run in 0..40 {
        let c = js_cluster(&format!("{{ seed: {run}, autoAdvance: false }}"));
        let x = call(&c, "(c.x = Math.random() * 1000)").unwrap();
        call(&c, "c.put('f', c.x), c.runFor(4), c.write('g', 0, [c.x, { y: -c.x / 3 }]), c.setDropRate(Math.random() / 5), c.runUntilIdle()").unwrap();
        let original = call(&c, "c.eventLogHash()").unwrap();
        for source in ["c.sessionLink()", "JSON.parse(JSON.stringify(c.session()))"] {
            let copy = call(&c, &format!("c.constructor.fromSession({source})")).unwrap();
            call(&copy, "c.runUntilIdle(), c.autoAdvance = true").unwrap();
            assert_eq!(call(&copy, "c.eventLogHash()").unwrap(), original, "{source} with {x:?}");
            let back = outcome(call(&copy, "c.get('f')")).await.unwrap();
            assert!(js_sys::Object::is(&back, &x), "{source}: {back:?} is not {x:?}");
            call(&copy, "c.free()").unwrap();
        }
        call(&c, "c.free()").unwrap();
    }
}

// ---- what an outside tester found (issues 8, 15), each through the JS API ----

#[wasm_bindgen_test]
fn the_event_logs_hash_of_a_run_longer_than_its_window_is_the_replays() {
    // Outside tester 12c: past the event log's window (417,428 events here), `eventLogHash()`
    // was "" (its getter held a borrow of the trace across the replay that hashes what the
    // window let go), so comparing two runs' hashes compared nothing.
    let c = js_cluster("{ seed: 1, autoAdvance: false }");
    call(&c, "c.runWorkers({ workers: 100, increments: 200 }), c.runUntilIdle()").unwrap();
    let hash = call(&c, "c.eventLogHash()").unwrap().as_string().unwrap();
    assert_eq!(hash.len(), 16, "a hash, not {hash:?}");
    assert_eq!(call(&c, "c.verify().replayHash").unwrap().as_string().unwrap(), hash, "the replay's");
    // The control: a different run (one more increment) has another hash.
    call(&c, "c.increment('counter'), c.runUntilIdle()").unwrap();
    assert_ne!(call(&c, "c.eventLogHash()").unwrap().as_string().unwrap(), hash);
    call(&c, "c.free()").unwrap();
}

#[wasm_bindgen_test]
async fn outside_tester_findings_stay_fixed() {
    // Every message duplicated: the second copy of a prepare or accept no longer turns the
    // proposer's own round against it.
    let c = cluster("{ seed: 3, duplicateRate: 1 }");
    for i in 1..=3 {
        assert_eq!(ok(c.increment("k".into(), JsValue::UNDEFINED)).await, i);
    }
    // -0 round-trips; an increment JavaScript could not tell from its value is refused.
    let c = cluster("{}");
    let zero = ok(c.put("z".into(), js("-0"), JsValue::UNDEFINED)).await;
    assert!(js_sys::Object::is(&zero, &js("-0")), "put answered {zero:?}");
    assert!(js_sys::Object::is(&ok(c.get("z".into(), JsValue::UNDEFINED)).await, &js("-0")));
    ok(c.put("n".into(), js("2 ** 53 - 2"), JsValue::UNDEFINED)).await;
    assert_eq!(ok(c.increment("n".into(), JsValue::UNDEFINED)).await, js("2 ** 53 - 1"));
    assert_error(&err(c.increment("n".into(), JsValue::UNDEFINED)).await, "UpdateRejected", "would not be exact");
    // A lease that lapsed before it resolved is not held.
    let lease = ok(c.acquire_lease("job".into(), "alice".into(), js("{ ttl: 1 }"))).await;
    assert_eq!(
        (get(&lease, "acquired"), get(&lease, "holder"), get(&lease, "token")),
        (false.into(), JsValue::NULL, 1.into())
    );
    // Virtual time stays an exact JS number.
    assert_error(&c.run_for(js("2 ** 53")).unwrap_err(), "InvalidArgument", "ms must be");
    assert_eq!(get(&c.check(JsValue::UNDEFINED).unwrap(), "ok"), true);
    // A session too long for a link says so, instead of making a link nothing opens.
    // (Links hold 16 Mi characters: 200 puts of 64,000 characters take 17 million.)
    let c = cluster("{ latency: { min: 0, max: 1 } }");
    let big = js("'x'.repeat(64000)");
    for _ in 0..200 {
        ok(c.put("k".into(), big.clone(), JsValue::UNDEFINED)).await;
    }
    assert_error(&c.session_link().unwrap_err(), "InvalidArgument", "too long for a link");
}

/// Manual delivery from JS: messages wait in `inFlight()`, `deliver(id)` / `dropMessage(id)`
/// steer them, bad ids and modes are `InvalidArgument`s, and the choices replay from a link.
#[wasm_bindgen_test]
async fn manual_delivery_steers_messages_and_replays() {
    let c = cluster("{ seed: 4, autoAdvance: false }");
    assert_eq!(c.delivery(), "auto");
    c.set_delivery("manual".into()).unwrap();
    assert_eq!(c.delivery(), "manual");
    let op = c.increment("k".into(), JsValue::UNDEFINED);
    let held = Array::from(&c.in_flight().unwrap());
    assert_eq!(held.length(), 3, "{}", json(&held));
    let first = held.get(0);
    assert_eq!(json(&first), json(&js("{ id: 0, msg: 0, from: 'p1', to: 'a1', sentAt: 0, type: 'prepare', key: 'k', ballot: { counter: 1, proposer: 'p1' }, message: { type: 'prepare', key: 'k', ballot: { counter: 1, proposer: 'p1' } } }")));
    for (bad, needle) in [
        ("7", "no message 7 is waiting to be delivered (waiting: 0, 1, 2)"),
        ("-1", "id must be in 0..="),
        ("1.5", "id must be an integer"),
        ("'0'", "id must be an integer"),
        ("undefined", "id must be an integer"),
    ] {
        assert_error(&c.deliver(js(bad)).unwrap_err(), "InvalidArgument", needle);
        assert_error(&c.drop_message(js(bad)).unwrap_err(), "InvalidArgument", needle);
    }
    assert_error(
        &c.set_delivery(js("'slow'")).unwrap_err(),
        "InvalidArgument",
        "mode must be \"manual\" or \"auto\", got \"slow\"",
    );
    assert_error(&c.set_delivery(js("1")).unwrap_err(), "InvalidArgument", "mode");
    assert_eq!(Array::from(&c.in_flight().unwrap()).length(), 3, "a refused call changes nothing");
    c.drop_message(js("2")).unwrap();
    // Deliver whatever waits first until nothing does: the increment ends without a3.
    while let Some(next) = Array::from(&c.in_flight().unwrap()).iter().next() {
        c.deliver(get(&next, "id")).unwrap();
    }
    assert_eq!(ok(op).await, 1);
    let events = Array::from(&c.events(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap());
    let dropped: Vec<JsValue> = events.iter().filter(|e| get(e, "kind") == "drop").collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(get(&dropped[0], "reason"), "manual");
    assert_eq!(get(&dropped[0], "to"), "a3");
    assert_eq!(get(&c.verify().unwrap(), "ok"), true, "the deliveries replay");
    let link = c.session_link().unwrap();
    let copy = Cluster::from_session(JsValue::from_str(&link), JsValue::UNDEFINED).unwrap();
    copy.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(copy.event_log_hash(), c.event_log_hash(), "the link reproduces the steered run");
    c.set_delivery("auto".into()).unwrap();
    c.set_auto_advance(true.into()).unwrap();
    still_works(&c).await;
}

/// Workers in virtual time from JS: one recorded action, run to idle finishes all of it, bad
/// options are `InvalidArgument`s, and a link replays the whole run.
#[wasm_bindgen_test]
async fn workers_run_in_virtual_time_and_replay() {
    let c = cluster("{ seed: 6, autoAdvance: false }");
    for (bad, needle) in [
        ("{ workers: 0 }", "options.workers must be in 1..=100, got 0"),
        ("{ increments: 1001 }", "options.increments must be in 1..=1000, got 1001"),
        ("{ key: '' }", "key"),
        ("{ workers: 2, speed: 3 }", "speed"),
        ("'ten'", "options must be an object"),
    ] {
        assert_error(&c.run_workers(js(bad)).unwrap_err(), "InvalidArgument", needle);
    }
    assert_eq!(c.run_workers(js("{ workers: 4, increments: 25, key: 'w' }")).unwrap(), 0);
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    let runs = c.workers_runs().unwrap();
    assert_eq!(
        json(&runs),
        json(&js(
            "[{ total: 100, done: 100, failed: 0, before: null, after: 100, finished: true, afterFailed: false }]"
        ))
    );
    assert_eq!(Array::from(&get(&c.session().unwrap(), "actions")).length(), 1, "one action on the tape");
    let copy = Cluster::from_session(JsValue::from_str(&c.session_link().unwrap()), JsValue::UNDEFINED).unwrap();
    copy.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(copy.event_log_hash(), c.event_log_hash(), "the link replays the workers run");
    c.set_auto_advance(true.into()).unwrap();
    still_works(&c).await;
}

/// Same seed and actions as `membership_reference_hash` in tests/membership.rs, through the JS
/// API: an acceptor added among puts and a crash, then one removed; the log hash equals the
/// native one.
#[wasm_bindgen_test]
fn membership_event_log_hash_matches_native() {
    let c = cluster("{ seed: 41, proposers: 2, autoAdvance: false }");
    for i in 0..12 {
        let opts = || js(&format!("{{ proposer: 'p{}' }}", i % 2 + 1));
        let key = format!("k{}", i % 3);
        let _ = c.put(key.as_str().into(), JsValue::from(i), opts());
        if i == 2 {
            let _ = c.add_acceptor(JsValue::UNDEFINED);
        }
        if i == 6 {
            c.crash("a2".into()).unwrap();
        }
        c.run_for(7.into()).unwrap();
    }
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    c.restart("a2".into()).unwrap();
    let _ = c.remove_acceptor("a1".into());
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(c.event_log_hash(), include_str!("golden/membership_event_log_hash.txt").trim());
}

#[wasm_bindgen_test]
async fn membership_changes_resolve_and_refuse_bad_input() {
    // Without autoAdvance, so that the addition is still running when the next calls come.
    let c = cluster("{ seed: 5, autoAdvance: false }");
    let put = c.put("k".into(), JsValue::from(1), JsValue::UNDEFINED);
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    ok(put).await;
    let adding = c.add_acceptor(JsValue::UNDEFINED);
    let again = c.add_acceptor(JsValue::UNDEFINED);
    let removing = c.remove_acceptor("a1".into());
    assert_eq!(json(&get(&c.membership().unwrap(), "changing")), r#""a4""#);
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_error(&err(again).await, "InvalidArgument", "one change at a time");
    assert_error(&err(removing).await, "InvalidArgument", "adding a4");
    assert_eq!(ok(adding).await.as_string().as_deref(), Some("a4"));
    // The share link replays the addition.
    let link = c.session_link().unwrap();
    let copy = Cluster::from_session(link.into(), JsValue::UNDEFINED).expect("the link opens");
    copy.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(json(&get(&copy.membership().unwrap(), "acceptors")), r#"["a1","a2","a3","a4"]"#);
    assert_eq!(copy.event_log_hash(), c.event_log_hash());
    c.set_auto_advance(JsValue::TRUE).unwrap();
    let m = c.membership().unwrap();
    assert_eq!(json(&get(&m, "acceptors")), r#"["a1","a2","a3","a4"]"#);
    assert_eq!(json(&get(&m, "prepare")), r#"{"nodes":["a1","a2","a3","a4"],"quorum":3}"#);
    assert!(get(&m, "step").is_null() && get(&m, "progress").is_null() && get(&m, "changing").is_null());
    for (id, says) in [
        (JsValue::from("p1"), "must be an acceptor id"),
        (JsValue::from("a9"), "unknown node a9"),
        (JsValue::from(2), "id"),
        (JsValue::UNDEFINED, "id"),
    ] {
        assert_error(&err(c.remove_acceptor(id)).await, "InvalidArgument", says);
    }
    still_works(&c).await;
    assert!(ok(c.remove_acceptor("a2".into())).await.is_null());
    let e = err(c.remove_acceptor("a2".into())).await;
    assert_error(&e, "InvalidArgument", "a2 is not an acceptor");
    let events = c.events(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    let steps: Vec<String> = Array::from(&events)
        .iter()
        .filter(|e| get(e, "kind").as_string().as_deref() == Some("membership"))
        .map(|e| get(&e, "step").as_string().unwrap_or_default())
        .collect();
    assert!(steps.contains(&"catch-up rescan".to_owned()) && steps.contains(&"turn off".to_owned()), "{steps:?}");
    assert_eq!(ok(c.get("k".into(), JsValue::UNDEFINED)).await, JsValue::from(1));
    still_works(&c).await;
}

/// Outside tester 14: a re-sealed link that trapped the wasm (`unreachable`) is refused with the
/// action it stops at, and the instance, and a cluster opened before that action, stay usable
/// (finding 1); a missing session or `actions` says what is missing, and a whole page address
/// opens like its `#session=` fragment (finding 7).
#[wasm_bindgen_test]
async fn hand_made_sessions_are_refused_saying_what_is_wrong_and_nothing_breaks() {
    const RESEALED_176: &str = "AgAEAwgFDwAAHRADKJBOAAAAAQUBYQbDvPCfjokBdgZsb2NrOkwBbRsAAA8GAAAAAQADEDIBAQAAAAIBASB7IngiOlsxLCJ5IixudWxsLC0wLjAsMS41ZSszMDBdfREuAgEAAAQCAgGBAQIAAAUAAAYBoI0GAAAHAcCaDAAACAIoAAAGAAAABwAAAAABAQIRaAABAgUAAyJ3IhVpAAEDCAJtZTMTdAABAwcCbWUKIBAMoAESAAAKAQAAAAEEAwABCwEBAAwAAAAKAAAADQMEAXcAAAkAAQAAAAEAACZdCQAAzQLJCPHzRYQ";
    let Err(e) = Cluster::from_session(RESEALED_176.into(), JsValue::UNDEFINED) else { panic!("refused") };
    assert_error(&e, "InvalidArgument", "the session does not replay: action ");
    let early = Cluster::from_session(RESEALED_176.into(), js("{ until: 400 }")).expect("opens before that action");
    let e = early.run_until_idle(JsValue::UNDEFINED).expect_err("refused at that action");
    assert_error(&e, "InvalidArgument", "the run never stood there");
    // A new action forks the run there: the opened cluster plays on.
    let answer = early.increment("after".into(), JsValue::UNDEFINED);
    early.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(ok(answer).await.as_f64(), Some(1.0));
    still_works(&cluster("{}")).await;

    let e = Cluster::from_session(JsValue::UNDEFINED, JsValue::UNDEFINED).err().expect("refused");
    assert_error(&e, "InvalidArgument", "session is missing: pass a share link or a session document");
    let c = cluster("{ seed: 3, autoAdvance: false }");
    let _ = c.increment("k".into(), JsValue::UNDEFINED);
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    let doc = c.session().unwrap();
    Reflect::set(&doc, &"actions".into(), &JsValue::UNDEFINED).unwrap();
    let e = Cluster::from_session(doc, JsValue::UNDEFINED).err().expect("refused");
    assert_error(&e, "InvalidArgument", "the session file is malformed: actions is missing");
    let link = c.session_link().unwrap();
    let address = format!("http://127.0.0.1:8080/?x=1#session={link}&scenario=counter");
    let copy = Cluster::from_session(address.as_str().into(), JsValue::UNDEFINED).expect("a page address opens");
    assert_eq!(copy.event_log_hash(), c.event_log_hash());
    // Control: a changed character in the address's link is still refused by its checksum.
    let changed = format!("{}{}{}", &link[..5], if &link[5..6] == "A" { "B" } else { "A" }, &link[6..]);
    let changed = address.replace(&link, &changed);
    assert_error(
        &Cluster::from_session(changed.as_str().into(), JsValue::UNDEFINED).err().unwrap(),
        "InvalidArgument",
        "damaged",
    );
}
