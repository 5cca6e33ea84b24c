//! Pipelining in real wasm (issue 14 §2): the `pipeline` and `envelopes` options, their bad
//! values (each an InvalidArgument naming the rule, with the cluster still usable after), the
//! limit, an envelope as one event with its parts, and the same event log hash as natively.

#![cfg(target_arch = "wasm32")]

use caspaxos_playground::wasm::Cluster;
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod web_common;
use web_common::{assert_error, get, js, reference_run};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn bad_pipeline_options_are_refused_with_the_rule() {
    for (opts, needle) in [
        ("{ pipeline: 0 }", "options.pipeline must be in 1..=256, got 0"),
        ("{ pipeline: 257 }", "options.pipeline must be in 1..=256, got 257"),
        ("{ pipeline: 1.5 }", "options.pipeline must be an integer, got 1.5"),
        ("{ pipeline: '2' }", "options.pipeline must be an integer"),
        ("{ pipeline: null }", "options.pipeline must be an integer"),
        ("{ envelopes: 1 }", "options.envelopes must be a boolean"),
        ("{ envelope: true }", "unknown field \"envelope\""),
    ] {
        match Cluster::new(js(opts)) {
            Ok(_) => panic!("{opts} should be refused"),
            Err(e) => assert_error(&e, "InvalidArgument", needle),
        }
    }
    // A valid cluster with both still answers, and its limits name the bound.
    let c = Cluster::new(js("{ pipeline: 256, envelopes: true }")).expect("valid");
    let v = JsFuture::from(c.increment("k".into(), JsValue::UNDEFINED)).await.expect("answers");
    assert_eq!(v.as_f64(), Some(1.0));
    let c: JsValue = c.into();
    assert_eq!(get(&c, "constructor.limits.pipeline").as_f64(), Some(256.0));
}

#[wasm_bindgen_test]
async fn an_envelope_is_one_deliver_event_with_its_parts() {
    let c = Cluster::new(js("{ proposers: 1, envelopes: true, pipeline: 3 }")).expect("valid");
    let promises = Array::new();
    for k in ["a", "b", "c", "d"] {
        promises.push(&c.increment(k.into(), JsValue::UNDEFINED));
    }
    JsFuture::from(js_sys::Promise::all(&promises)).await.expect("answers");
    let events: Array = c.events(JsValue::UNDEFINED, JsValue::UNDEFINED).expect("events").unchecked_into();
    let delivers: Vec<JsValue> =
        events.iter().filter(|e| get(e, "kind").as_string().as_deref() == Some("deliver")).collect();
    let first = &delivers[0];
    let parts: Array = get(first, "parts").unchecked_into();
    assert_eq!(parts.length(), 3, "three keys in flight (the bound), three prepares to each acceptor");
    assert_eq!(get(first, "msg"), get(&parts.get(0), "msg"), "the event's own fields are its first part's");
    let keys: Vec<String> = parts.iter().map(|p| get(&p, "message.key").as_string().unwrap()).collect();
    assert_eq!(keys, ["a", "b", "c"]);
    let text = get(first, "text").as_string().unwrap();
    assert!(text.contains("deliver envelope of 3: prepare a "), "{text}");
    let stats = c.stats().expect("stats");
    assert!(get(&stats, "deliveries").as_f64() < get(&stats, "messages").as_f64());
    assert_eq!(get(&stats, "parked").as_f64(), Some(1.0), "d waited for a lane");
}

/// The actions of tests/envelopes.rs's reference run: the same hash as natively
/// (tests/golden/envelopes_hash.txt).
#[wasm_bindgen_test]
fn envelopes_event_log_hash_matches_native() {
    let c = Cluster::new(js("{ acceptors: 5, proposers: 3, seed: 2024, dropRate: 0.1, duplicateRate: 0.1, \
         autoAdvance: false, pipeline: 2, envelopes: true }"))
    .expect("valid");
    reference_run(&c, |i| format!("k{}", i % 5));
    assert_eq!(c.event_log_hash(), include_str!("golden/envelopes_hash.txt").trim());
}

/// Outside tester 17's case through the JS API: with envelopes, six runFor(1) stand where one
/// runFor(6) does (6 ms) and make the same run; a runFor(2) from 5 ms stops at 7 ms; fromSession
/// and seek with `until` land at `until`. (Before the fix: 16 ms against 7, two hashes, 9 ms.)
#[wasm_bindgen_test]
fn with_envelopes_time_stops_where_asked() {
    let opts = "{ seed: 11, acceptors: 3, proposers: 1, autoAdvance: false, latency: { min: 1, max: 7 }, \
                oneRtt: false, envelopes: true }";
    let run = |steps: &[u32]| {
        let c = web_common::cluster(opts);
        for _ in 0..2 {
            let _ = c.increment("k".into(), JsValue::UNDEFINED);
        }
        for &k in steps {
            let before = c.now();
            c.run_for(k.into()).unwrap();
            assert_eq!(c.now(), before + f64::from(k), "runFor({k}) from {before} ms, steps {steps:?}");
        }
        c.crash("a1".into()).unwrap();
        web_common::run_to_idle(&c);
        c
    };
    let (one, six) = (run(&[6]), run(&[1; 6]));
    assert_eq!(one.event_log_hash(), six.event_log_hash(), "the same actions at the same time: the same run");
    let stepped = run(&[5, 2, 1, 1, 3]);
    let doc = stepped.session().unwrap();
    for until in [0, 1, 2, 5, 7, 9, 12] {
        let from = Cluster::from_session(doc.clone(), js(&format!("{{ until: {until} }}"))).unwrap();
        let sought = stepped.seek(js(&format!("{{ until: {until} }}"))).unwrap();
        assert_eq!((from.now(), sought.now()), (f64::from(until), f64::from(until)), "fromSession/seek until {until}");
        assert_eq!(from.event_log_hash(), sought.event_log_hash(), "until {until}");
    }
}
