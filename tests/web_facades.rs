//! `Cluster` and `LiveCluster` share one text of their operation and fault methods
//! (`src/wasm/facade.rs`, issue 12's D1): each bad argument gets the same error from both, and
//! each fault does the same thing in both (the same events, in order).

#![cfg(target_arch = "wasm32")]

use caspaxos_playground::wasm::{Cluster, LiveCluster};
use js_sys::Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod web_common;
use web_common::{call, describe_error, js, outcome};

wasm_bindgen_test_configure!(run_in_browser);

/// Both classes with the same options (`Cluster` with `autoAdvance`, as the page has it).
fn both(opts: &str) -> [(&'static str, JsValue); 2] {
    [
        ("Cluster", Cluster::new(js(opts)).expect("valid options").into()),
        ("LiveCluster", LiveCluster::new(js(opts)).expect("valid options").into()),
    ]
}

/// `"Name: message"` of what `expr` threw or rejected with, or `"ok"`.
async fn result_of(c: &JsValue, expr: &str) -> String {
    match outcome(call(c, expr)).await {
        Ok(_) => "ok".into(),
        Err(e) => describe_error(&e),
    }
}

/// One bad argument of each shared method, with what its message must say.
const REFUSED: [(&str, &str); 18] = [
    ("c.change('k', 5)", "InvalidArgument: fn must be a function, got the number 5"),
    ("c.put('k', () => 1)", "InvalidArgument: value"),
    ("c.get(7)", "InvalidArgument: key"),
    ("c.delete('k', { nope: 1 })", "nope"),
    ("c.increment('k', { proposer: 'a1' })", "options.proposer must be a proposer id, got the acceptor \"a1\""),
    ("c.read('k', { proposer: 'p9' })", "options.proposer"),
    ("c.write('k', -1, 1)", "InvalidArgument: expectedVersion"),
    ("c.acquireLock('l', 'o', { ttl: 0 })", "InvalidArgument: options.ttl"),
    ("c.acquireLease('l', 7)", "InvalidArgument: owner"),
    ("c.releaseLock('', 'o')", "InvalidArgument: "),
    ("c.crash('a9')", "InvalidArgument: node: unknown node a9"),
    ("c.restart('x1')", "InvalidArgument: node"),
    ("c.wipe('p1')", "InvalidArgument: wipe needs an acceptor (a1..a3), got the proposer \"p1\""),
    ("c.partition([['a1'], ['q']])", "InvalidArgument: groups[1][0]"),
    ("c.isolate(3)", "InvalidArgument: node"),
    ("c.setDropRate(2)", "InvalidArgument: rate"),
    ("c.setDuplicateRate('x')", "InvalidArgument: rate"),
    ("c.setLatency(5, 1)", "InvalidArgument: "),
];

#[wasm_bindgen_test]
async fn each_bad_argument_gets_the_same_error_from_both_classes() {
    let [(_, sim), (_, live)] = both("{ latency: { min: 0, max: 2 } }");
    for (expr, needle) in REFUSED {
        let (from_sim, from_live) = (result_of(&sim, expr).await, result_of(&live, expr).await);
        assert!(from_sim.contains(needle), "Cluster: {expr} gave {from_sim:?}, which should say {needle:?}");
        assert_eq!(from_sim, from_live, "{expr}: the two classes disagree");
    }
    // Negative control: the comparison sees the cluster behind the shells. With five acceptors
    // the same bad `wipe` names a different range, in both classes alike.
    let [(_, sim5), (_, live5)] = both("{ acceptors: 5 }");
    let wipe = "c.wipe('p1')";
    let (five, three) = (result_of(&sim5, wipe).await, result_of(&sim, wipe).await);
    assert!(five.contains("(a1..a5)"), "{five}");
    assert_ne!(five, three, "the message depends on the cluster");
    assert_eq!(five, result_of(&live5, wipe).await);
    // Nothing refused was started, and both still work.
    for c in [&sim, &live] {
        assert_eq!(call(c, "c.history().length").unwrap(), 0, "refused operations are not started");
        assert_eq!(outcome(call(c, "c.increment('n')")).await.unwrap(), 1, "still usable");
    }
}

/// Every fault, valid, in an order where each changes something.
const FAULTS: &str = "c.crash('a1'), c.restart('a1'), c.wipe('a2'), c.partition([['a1', 'p1'], ['a3']]), \
    c.heal(), c.isolate('p2'), c.heal(), c.setDropRate(0.25), c.setDuplicateRate(0.5), c.setLatency(1, 4), 'done'";

/// Each event's kind, with the node, the groups or the network setting it names.
fn fault_events(c: &JsValue) -> Vec<String> {
    let described = "c.events().map(e => [e.kind, e.node ?? e.setting ?? e.groups ?? ''].map(String).join(' '))";
    Array::from(&call(c, described).unwrap()).iter().map(|e| e.as_string().unwrap()).collect()
}

#[wasm_bindgen_test]
async fn each_fault_does_the_same_in_both_classes() {
    let mut logs = Vec::new();
    for (class, c) in both("{ proposers: 2, latency: { min: 0, max: 2 } }") {
        assert_eq!(call(&c, FAULTS).unwrap(), "done", "{class}");
        logs.push((class, fault_events(&c)));
    }
    let (sim, live) = (&logs[0].1, &logs[1].1);
    assert_eq!(sim, live, "the same faults, the same events");
    // What each fault logged, in order: a fault mapped to the wrong action would show here.
    let kinds: Vec<&str> = sim.iter().map(|e| e.split(' ').next().unwrap()).collect();
    assert_eq!(kinds.len(), 10, "one event per fault: {sim:?}");
    for (kind, expected) in kinds.iter().zip(["crash", "restart", "wipe", "partition", "heal", "partition", "heal"]) {
        assert_eq!(kind, &expected, "{sim:?}");
    }
    assert!(sim[0].ends_with("a1") && sim[2].ends_with("a2"), "{sim:?}");
}
