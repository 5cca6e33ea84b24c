//! The `Cluster` contract in real wasm in headless Chromium (`wasm-pack test --headless --chrome`):
//! every method, the seed's 10 x 100 example, JS change functions, every kind of bad input (each
//! followed by a check that the cluster still works), and cross-target determinism.

#![cfg(target_arch = "wasm32")]

use caspaxos_playground::wasm::Cluster;
use futures::future::join_all;
use js_sys::{eval, Array, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A JS value from a JS expression.
fn js(expr: &str) -> JsValue {
    eval(&format!("({expr})")).unwrap_or_else(|e| panic!("bad test expression {expr}: {e:?}"))
}

fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |o, k| Reflect::get(&o, &k.into()).unwrap_or(JsValue::UNDEFINED))
}

fn json(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).map(String::from).unwrap_or_else(|_| format!("{v:?}"))
}

fn cluster(opts: &str) -> Cluster {
    Cluster::new(js(opts)).expect("valid options")
}

async fn ok(p: Promise) -> JsValue {
    JsFuture::from(p).await.unwrap_or_else(|e| panic!("rejected: {}", describe_error(&e)))
}

async fn err(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => panic!("expected a rejection, resolved to {}", json(&v)),
        Err(e) => e,
    }
}

fn describe_error(e: &JsValue) -> String {
    format!("{}: {}", get(e, "name").as_string().unwrap_or_default(), get(e, "message").as_string().unwrap_or_default())
}

/// Asserts `e` is a JS Error named `name` whose message contains `needle`.
fn assert_error(e: &JsValue, name: &str, needle: &str) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    let text = describe_error(e);
    assert!(text.starts_with(&format!("{name}:")), "expected {name}, got {text}");
    assert!(text.contains(needle), "{text:?} should mention {needle:?}");
}

/// The cluster still answers after an error.
async fn still_works(c: &Cluster) {
    let before = ok(c.get("sanity".into(), JsValue::UNDEFINED)).await.as_f64().unwrap_or(0.0);
    let after = ok(c.increment("sanity".into(), JsValue::UNDEFINED)).await.as_f64().unwrap();
    assert_eq!(after, before + 1.0);
}

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
    assert!(c.event_log().lines().count() as f64 == c.event_count());
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
    for i in 0..30 {
        let opts = js(&format!("{{ proposer: 'p{}' }}", i % 3 + 1));
        let _ = c.increment(if i % 2 == 0 { "x" } else { "y" }.into(), opts);
        if i == 10 {
            c.crash("a2".into()).unwrap();
        }
        if i == 20 {
            c.restart("a2".into()).unwrap();
        }
        c.run_for(7.into()).unwrap();
    }
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(c.event_log_hash(), include_str!("golden/event_log_hash.txt").trim());
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
        ("'Ag'", "newer version"),
        ("'x'.repeat(20000)", "too long"),
        ("{ format: 'other' }", "not a CASPaxos playground session"),
        ("42", "session"),
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
