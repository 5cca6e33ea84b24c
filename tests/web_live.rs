//! `LiveCluster` (issue 13) in real wasm in headless Chromium, on the browser's own executor and
//! real `setTimeout` timers: the 10 x 100 increments with an acceptor crash mid-run, the checker
//! on the live history, lost quorums, and bad input with `Cluster`'s named errors.

#![cfg(target_arch = "wasm32")]

use caspaxos_playground::wasm::{AcceptorTab, LiveCluster};
use js_sys::{Array, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod web_common;
use web_common::{assert_error, call, describe_error, get, js, json, outcome};

wasm_bindgen_test_configure!(run_in_browser);

/// A live cluster as JS holds it.
fn live(opts: &str) -> JsValue {
    LiveCluster::new(js(opts)).expect("valid options").into()
}

#[wasm_bindgen_test]
async fn ten_workers_times_a_hundred_increments_on_real_timers_survive_a_crash_and_check() {
    let c = live("{ acceptors: 3, proposers: 2, latency: { min: 1, max: 3 }, maxAttempts: 100 }");
    // Ten workers, each awaiting its increments one after another; a2 crashes after 300.
    let run = call(
        &c,
        "(async () => {
            const values = [];
            let crashedAt = null;
            const worker = async (w) => {
                for (let i = 0; i < 100; i++) {
                    values.push(await c.increment('counter', { proposer: 'p' + (w % 2 + 1) }));
                    if (values.length === 300 && crashedAt === null) { crashedAt = c.now; c.crash('a2'); }
                }
            };
            const started = c.now;
            await Promise.all([...Array(10).keys()].map(worker));
            return { values, crashedAt, started, ended: c.now };
        })()",
    );
    let result = outcome(run).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    let mut values: Vec<i64> =
        Array::from(&get(&result, "values")).iter().map(|v| v.as_f64().expect("a number") as i64).collect();
    values.sort_unstable();
    assert_eq!(values, (1..=1_000).collect::<Vec<_>>(), "each increment applied exactly once");
    let crashed_at = get(&result, "crashedAt").as_f64().expect("a2 crashed mid-run");
    assert!(get(&result, "ended").as_f64().unwrap() > crashed_at, "operations went on after the crash");
    let report = call(&c, "c.check()").unwrap();
    assert_eq!(get(&report, "ok"), true, "{}", json(&report));
    assert_eq!(get(&report, "keys.counter.verdict").as_string().as_deref(), Some("ok"));
    let stats = call(&c, "c.stats()").unwrap();
    assert_eq!((get(&stats, "ok").as_f64(), get(&stats, "pending").as_f64()), (Some(1_000.0), Some(0.0)));
    assert!(get(&stats, "conflicts").as_f64().unwrap() > 0.0, "two proposers on one key collide");
    assert_eq!(call(&c, "c.history().length").unwrap(), 1_000);
    let kinds = call(&c, "c.events().map(e => e.kind).filter(k => k === 'crash' || k === 'return')").unwrap();
    assert_eq!(Array::from(&kinds).iter().filter(|k| k == "crash").count(), 1);
    let drops = call(&c, "c.events().filter(e => e.kind === 'drop' && e.reason === 'down' && e.to === 'a2').length");
    assert!(drops.unwrap().as_f64().unwrap() > 0.0, "requests to the crashed acceptor are dropped, and logged");
    assert_eq!(call(&c, "c.state().acceptors[1].up").unwrap(), false);
    assert_eq!(call(&c, "c.state().acceptors[0].registers.counter.accepted.value").unwrap(), 1_000);
}

#[wasm_bindgen_test]
async fn without_a_quorum_operations_report_unavailable_and_the_cluster_recovers() {
    let c = live("{ latency: { min: 0, max: 2 }, maxAttempts: 2 }");
    call(&c, "(c.crash('a1'), c.crash('a3'))").unwrap();
    let e = outcome(call(&c, "c.increment('k')")).await.unwrap_err();
    assert_error(&e, "Unavailable", "");
    call(&c, "c.restart('a1')").unwrap();
    assert_eq!(outcome(call(&c, "c.increment('k')")).await.unwrap_or_else(|e| panic!("{}", describe_error(&e))), 1);
    assert_eq!(get(&call(&c, "c.check()").unwrap(), "ok"), true);
}

#[wasm_bindgen_test]
async fn a_broken_quorum_is_caught_by_the_checker_on_a_live_history() {
    let c = live("{ latency: { min: 0, max: 2 }, break: { quorum: 1 } }");
    call(&c, "c.partition([['a1', 'p1'], ['a2', 'a3', 'p2']])").unwrap();
    let run = "Promise.all([1, 2].map(p => (async () => {
        for (let i = 0; i < 3; i++) await c.increment('k', { proposer: 'p' + p });
    })()))";
    outcome(call(&c, run)).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    let report = call(&c, "c.check()").unwrap();
    assert_eq!(get(&report, "ok"), false, "both sides count from 0: {}", json(&report));
    assert_eq!(get(&report, "violation.kind").as_string().as_deref(), Some("linearizability"));
}

#[wasm_bindgen_test]
async fn bad_input_gets_the_named_errors_of_cluster_and_the_cluster_stays_usable() {
    let e = LiveCluster::new(js("{ seed: 3 }")).err().expect("a live run has no seed");
    assert_error(&e, "InvalidArgument", "unknown field \"seed\"");
    assert_error(&LiveCluster::new(js("{ acceptors: 0 }")).err().unwrap(), "InvalidArgument", "options.acceptors");
    let c = live("{ latency: { min: 0, max: 2 } }");
    for (expr, needle) in [
        ("c.crash('a9')", "node: unknown node a9"),
        ("c.wipe('p1')", "wipe needs an acceptor"),
        ("c.setDropRate(2)", "rate"),
        ("c.setLatency(5, 1)", "must not exceed"),
        ("c.partition('a1')", "groups must be an array"),
        ("c.events(-1)", "since"),
        ("c.check(0)", "stepBudget"),
    ] {
        assert_error(&call(&c, expr).unwrap_err(), "InvalidArgument", needle);
    }
    for (expr, needle) in [
        ("c.increment('')", "key"),
        ("c.increment('k', { proposer: 'a1' })", "got the acceptor"),
        ("c.put('k', () => 1)", "value"),
        ("c.change('k', 5)", "fn must be a function"),
        ("c.acquireLock('l', 'o', { ttl: 0 })", "options.ttl"),
    ] {
        assert_error(&outcome(call(&c, expr)).await.unwrap_err(), "InvalidArgument", needle);
    }
    assert_eq!(call(&c, "c.history().length").unwrap(), 0, "refused operations are not recorded");
    // From inside a change function every call is refused but the counters, and nothing wedges.
    let inner = "c.change('k', x => { let refused = []; for (const f of [() => c.state(), () => c.crash('a1'), () => c.history()]) { try { f() } catch (e) { refused.push(e.name) } } return { refused, counters: c.now >= 0 && c.pending === 1 && c.eventCount > 0 && c.lastOperationId === 0 } })";
    let v = outcome(call(&c, inner)).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    assert_eq!(json(&v), r#"{"refused":["InvalidArgument","InvalidArgument","InvalidArgument"],"counters":true}"#);
    let thrown = outcome(call(&c, "c.change('k', () => { throw new TypeError('no') })")).await.unwrap_err();
    assert_error(&thrown, "UpdateRejected", "the change function threw");
    assert_eq!(get(&thrown, "cause.name").as_string().as_deref(), Some("TypeError"));
    assert_eq!(outcome(call(&c, "c.increment('n')")).await.unwrap(), 1, "still usable");
    assert_eq!(get(&call(&c, "c.check()").unwrap(), "ok"), true);
}

/// What a tab cluster's `join` resolved to.
async fn joined(p: Promise) -> JsValue {
    JsFuture::from(p).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)))
}

#[wasm_bindgen_test]
async fn a_tab_cluster_in_one_page_keeps_an_acceptors_state_in_indexeddb_across_a_restart() {
    // One page holds the client and the three acceptors (different node ids on one channel: their
    // BroadcastChannel objects talk to each other as separate tabs' would).
    let channel = format!("web-live-{}", js_sys::Math::random());
    let tab = |id: &str, extra: &str| {
        AcceptorTab::join(channel.as_str().into(), js(&format!("{{ acceptors: ['{id}']{extra} }}")))
    };
    let mut acceptors = Vec::new();
    for id in ["a1", "a2", "a3"] {
        acceptors.push(joined(tab(id, "")).await);
    }
    let c = joined(LiveCluster::join(channel.as_str().into(), js("{ acceptors: 3, proposers: 2 }"))).await;
    assert_eq!(call(&c, "c.channel").unwrap().as_string(), Some(channel.clone()));
    let ten =
        "(async () => { const v = []; for (let i = 0; i < 10; i++) v.push(await c.increment('counter')); return v })()";
    let values = outcome(call(&c, ten)).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    assert_eq!(json(&values), "[1,2,3,4,5,6,7,8,9,10]");

    // Restart a2: free it and join again; it reads its registers back from IndexedDB.
    let before = json(&call(&acceptors[1], "c.state()").unwrap());
    assert!(before.contains(r#""value":10"#), "{before}");
    call(&acceptors[1], "c.free()").unwrap();
    let a2 = joined(tab("a2", "")).await;
    assert_eq!(json(&call(&a2, "c.state()").unwrap()), before, "a2's promise and accepted value came back");
    assert_eq!(outcome(call(&c, "c.increment('counter')")).await.unwrap(), 11);
    let writes = call(&acceptors[0], "c.stats().writes").unwrap().as_f64().unwrap();
    assert!(writes >= 11.0, "a1 committed each change before answering: {writes}");

    // wipe() empties a2 and its store: a restart after it finds nothing.
    outcome(call(&a2, "c.wipe('a2')")).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    let empty = r#"{"acceptors":[{"id":"a2","up":true,"registers":{}}]}"#;
    assert_eq!(json(&call(&a2, "c.state()").unwrap()), empty);
    call(&a2, "c.free()").unwrap();
    let a2 = joined(tab("a2", "")).await;
    assert_eq!(json(&call(&a2, "c.state()").unwrap()), empty, "the store was cleared too");

    // Negative control: without storage the restart forgets, and the comparison sees it.
    call(&a2, "c.free()").unwrap();
    let forgetful = joined(tab("a2", ", storage: 'none'")).await;
    outcome(call(&c, "c.increment('other')")).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    // a2 may answer after the majority did: wait (at most 2 s) until it holds the key.
    let mut held = String::new();
    for _ in 0..200 {
        held = json(&call(&forgetful, "c.state()").unwrap());
        if held.contains(r#""other":{"promise""#) {
            break;
        }
        outcome(Ok(js("new Promise(r => setTimeout(r, 10))"))).await.unwrap();
    }
    assert!(held.contains(r#""other":{"promise""#), "a2 answered: {held}");
    call(&forgetful, "c.free()").unwrap();
    let forgetful = joined(tab("a2", ", storage: 'none'")).await;
    assert_eq!(json(&call(&forgetful, "c.state()").unwrap()), empty, "a restart without storage forgot {held}");
    assert_eq!(get(&call(&c, "c.check()").unwrap(), "ok"), true);
    for node in [&c, &forgetful, &acceptors[0], &acceptors[2]] {
        call(node, "c.free()").unwrap();
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/tests/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = withStackLeft)]
    fn with_stack_left(bytes: f64, f: &JsValue, arg: &JsValue) -> JsValue;
}

/// What a call with little stack left did: "ok", "refused" by the stack probe (an
/// `InvalidArgument`), or "no stack to start" (the engine could not begin the test's own call).
async fn near_the_limit(c: &JsValue, expr: &str, bytes: f64) -> &'static str {
    let f = js(&format!("c => ({expr})"));
    let r = with_stack_left(bytes, &f, c);
    let result = if get(&r, "threw") == true { Err(get(&r, "error")) } else { outcome(Ok(get(&r, "value"))).await };
    match result {
        Ok(_) => "ok",
        Err(e) if get(&e, "name") == "RangeError" => {
            assert!(bytes < 16_384.0, "{expr} with {bytes} bytes left: a RangeError came through");
            "no stack to start"
        }
        Err(e) => {
            assert_error(&e, "InvalidArgument", "of JavaScript stack and was called with less");
            "refused"
        }
    }
}

#[wasm_bindgen_test]
async fn live_calls_near_the_stack_limit_are_refused_or_work_and_the_cluster_stays_usable() {
    let c = live("{ latency: { min: 0, max: 2 } }");
    // Finely near nothing, then across the unoptimized build's 256 KB headroom, then past it.
    let near_nothing = (0..4).map(|i| i as f64 * 1024.0);
    let across = (0..12).map(|i| 236_000.0 + i as f64 * 4096.0);
    let past = (0..3).map(|i| 300_000.0 + i as f64 * 32_768.0);
    let bytes: Vec<f64> = near_nothing.chain(across).chain(past).collect();
    for expr in ["c.increment('k')", "c.state()", "c.crash('a2')", "c.restart('a2')", "c.check()"] {
        let mut seen = Vec::new();
        for b in &bytes {
            seen.push(near_the_limit(&c, expr, *b).await);
        }
        assert!(seen.contains(&"refused") && seen.contains(&"ok"), "{expr}: {seen:?}");
        let worked = outcome(call(&c, "c.increment('sanity')")).await;
        assert!(worked.is_ok(), "{expr}: the cluster still answers: {}", describe_error(&worked.unwrap_err()));
    }
    assert_eq!(get(&call(&c, "c.check()").unwrap(), "ok"), true);
}

#[wasm_bindgen_test]
async fn an_acceptor_tab_that_acknowledges_before_the_commit_says_so_and_a_safe_one_never_does() {
    // Negative control of the durability rule (a test build's switch, absent from the shipped wasm).
    let channel = format!("web-early-{}", js_sys::Math::random());
    let tab = |id: &str, extra: &str| {
        AcceptorTab::join(channel.as_str().into(), js(&format!("{{ acceptors: ['{id}']{extra} }}")))
    };
    let early = joined(tab("a1", ", ackBeforeCommit: true")).await;
    let (a2, a3) = (joined(tab("a2", "")).await, joined(tab("a3", "")).await);
    let c = joined(LiveCluster::join(channel.as_str().into(), js("{ acceptors: 3, proposers: 1 }"))).await;
    for _ in 0..3 {
        outcome(call(&c, "c.increment('k')")).await.unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    }
    let early_stats = json(&call(&early, "c.stats()").unwrap());
    let all_early = call(&early, "c.stats().earlyAcks > 0 && c.stats().earlyAcks === c.stats().writes").unwrap();
    assert_eq!(all_early, true, "a1 answered every change before its commit: {early_stats}");
    assert_eq!(call(&a2, "c.stats().earlyAcks").unwrap(), 0, "a2 never did");
    for node in [&c, &early, &a2, &a3] {
        call(node, "c.free()").unwrap();
    }
}
