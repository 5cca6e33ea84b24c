//! What the wasm test files (tests/web*.rs) share: JS values from expressions, reading paths,
//! awaiting promises, and asserting named JS errors.
#![allow(dead_code)]

use caspaxos_playground::wasm::Cluster;
use js_sys::{eval, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A JS value from a JS expression.
pub fn js(expr: &str) -> JsValue {
    eval(&format!("({expr})")).unwrap_or_else(|e| panic!("bad test expression {expr}: {e:?}"))
}

/// `v.a.b.c` for the path `"a.b.c"`; undefined where a step is missing.
pub fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |o, k| Reflect::get(&o, &k.into()).unwrap_or(JsValue::UNDEFINED))
}

/// `JSON.stringify(v)`, or its debug form when that throws.
pub fn json(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).map(String::from).unwrap_or_else(|_| format!("{v:?}"))
}

/// The value `p` resolves to; panics with the error when it rejects.
pub async fn ok(p: Promise) -> JsValue {
    JsFuture::from(p).await.unwrap_or_else(|e| panic!("rejected: {}", describe_error(&e)))
}

/// The error `p` rejects with; panics when it resolves.
pub async fn err(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => panic!("expected a rejection, resolved to {}", json(&v)),
        Err(e) => e,
    }
}

/// `"Name: message"` of a JS error.
pub fn describe_error(e: &JsValue) -> String {
    format!("{}: {}", get(e, "name").as_string().unwrap_or_default(), get(e, "message").as_string().unwrap_or_default())
}

/// Asserts `e` is a JS Error named `name` whose message contains `needle`.
pub fn assert_error(e: &JsValue, name: &str, needle: &str) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    let text = describe_error(e);
    assert!(text.starts_with(&format!("{name}:")), "expected {name}, got {text}");
    assert!(text.contains(needle), "{text:?} should mention {needle:?}");
}

/// Runs the expression `expr` with `c` bound to the given value (as a page would call it).
pub fn call(c: &JsValue, expr: &str) -> Result<JsValue, JsValue> {
    let f: Function = js(&format!("c => ({expr})")).unchecked_into();
    f.call1(&JsValue::NULL, c)
}

/// What a call did: its value (a promise awaited), or its error.
pub async fn outcome(r: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
    match r {
        Ok(v) if v.is_instance_of::<Promise>() => JsFuture::from(Promise::from(v)).await,
        other => other,
    }
}

/// A simulated cluster from JS options (they must be valid).
pub fn cluster(opts: &str) -> Cluster {
    Cluster::new(js(opts)).expect("valid options")
}

/// The cluster still answers after an error: an increment after a read adds one.
pub async fn still_works(c: &Cluster) {
    let before = ok(c.get("sanity".into(), JsValue::UNDEFINED)).await.as_f64().unwrap_or(0.0);
    let after = ok(c.increment("sanity".into(), JsValue::UNDEFINED)).await.as_f64().unwrap();
    assert_eq!(after, before + 1.0);
}

/// The reference run of the golden hashes, through the JS API: 30 increments round-robin over
/// p1..p3 on `key(i)`, a2 crashed at the 11th and restarted at the 21st, 7 ms after each, then
/// run until idle (natively: `sim::workload::determinism_reference` and its variants).
pub fn reference_run(c: &Cluster, key: impl Fn(usize) -> String) {
    for i in 0..30 {
        let opts = js(&format!("{{ proposer: 'p{}' }}", i % 3 + 1));
        let _ = c.increment(key(i).into(), opts);
        if i == 10 {
            c.crash("a2".into()).unwrap();
        }
        if i == 20 {
            c.restart("a2".into()).unwrap();
        }
        c.run_for(7.into()).unwrap();
    }
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
}

/// The wasm instance's memory, in bytes (it only ever grows: this is its peak).
pub fn wasm_memory() -> f64 {
    get(&get(&wasm_bindgen::memory(), "buffer"), "byteLength").as_f64().expect("a byte length")
}

/// Lets the browser run its other tasks (a timer turn: a promise's answer is a microtask, and
/// the test driver needs a task turn now and then).
pub async fn yield_to_browser() {
    JsFuture::from(Promise::from(js("new Promise(r => setTimeout(r, 0))"))).await.unwrap();
}

/// Runs `c` until nothing is due (`runUntilIdle` stops at its step budget: call it again).
pub fn run_to_idle(c: &Cluster) {
    while c.run_until_idle(JsValue::UNDEFINED).unwrap() > 0.0 {}
}

/// A JS error's message, or the value's debug form.
pub fn message(e: &JsValue) -> String {
    get(e, "message").as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// An outside tester's loop, one batch: `count` `increment` calls, call `first + i` on key
/// `k{(first + i) % keys}`, all started (with `autoAdvance` off), run to idle, then awaited.
/// Returns how many answered; panics naming the batch when one rejects.
pub async fn increment_batch(c: &Cluster, first: u32, count: u32, keys: u32) -> u32 {
    let calls = js_sys::Array::new();
    for i in first..first + count {
        calls.push(&c.increment(format!("k{}", i % keys).into(), JsValue::UNDEFINED));
    }
    run_to_idle(c);
    let values = JsFuture::from(Promise::all(&calls)).await.unwrap_or_else(|e| panic!("at {first}: {}", message(&e)));
    js_sys::Array::from(&values).length()
}
