//! Membership changes through the JS API in real wasm in headless Chromium: the proposer changes'
//! reference run has the native golden hash, and every bad input of `addAcceptor`,
//! `removeAcceptor`, `addProposer` and `removeProposer` is a named JS Error after which the
//! cluster still works. (A file of its own: tests/web.rs's suite is long already.)

#![cfg(target_arch = "wasm32")]

use caspaxos_playground::wasm::Cluster;
use js_sys::{eval, Array, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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

fn via(p: &str) -> JsValue {
    js(&format!("{{ proposer: '{p}' }}"))
}

/// Same seed and actions as `proposer_changes_reference_hash` in tests/membership.rs.
#[wasm_bindgen_test]
fn proposer_changes_event_log_hash_matches_native() {
    let c = cluster("{ seed: 43, proposers: 2, autoAdvance: false }");
    for i in 0..12u8 {
        let proposer = i % 2 + if i < 7 { 1 } else { 2 };
        let _ = c.put(format!("k{}", i % 3).into(), JsValue::from(i), via(&format!("p{proposer}")));
        match i {
            2 => drop(c.add_proposer()),
            4 => drop(c.add_acceptor()),
            6 => drop(c.remove_proposer("p1".into())),
            8 => c.crash("p3".into()).unwrap(),
            10 => c.restart("p3".into()).unwrap(),
            _ => {}
        }
        c.run_for(7.into()).unwrap();
    }
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(json(&get(&c.membership().unwrap(), "proposers")), r#"["p2","p3"]"#);
    assert_eq!(c.event_log_hash(), include_str!("golden/proposer_changes_event_log_hash.txt").trim());
}

#[wasm_bindgen_test]
async fn proposers_come_and_go_and_bad_input_is_refused_by_name() {
    let c = cluster("{ seed: 5, proposers: 2 }");
    assert_eq!(ok(c.add_proposer()).await.as_string().as_deref(), Some("p3"));
    assert_eq!(json(&get(&c.membership().unwrap(), "proposers")), r#"["p1","p2","p3"]"#);
    let ids: Vec<String> = Array::from(&get(&c.state().unwrap(), "proposers"))
        .iter()
        .map(|p| get(&p, "id").as_string().unwrap())
        .collect();
    assert_eq!(ids, ["p1", "p2", "p3"], "state() lists the new proposer");
    assert_eq!(ok(c.put("k".into(), JsValue::from(1), via("p3"))).await, JsValue::from(1));
    // A put in flight on p2 when p2 is removed rejects at once; it never hangs.
    c.set_auto_advance(JsValue::FALSE).unwrap();
    let in_flight = c.put("j".into(), JsValue::from(2), via("p2"));
    assert!(ok(c.remove_proposer("p2".into())).await.is_null());
    assert_error(&err(in_flight).await, "Unavailable", "proposer p2 was removed; the change");
    c.set_auto_advance(JsValue::TRUE).unwrap();
    assert_eq!(json(&get(&c.membership().unwrap(), "proposers")), r#"["p1","p3"]"#);
    let events = c.events(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    let steps: Vec<String> = Array::from(&events)
        .iter()
        .filter(|e| get(e, "proposer").as_string().is_some())
        .map(|e| format!("{} {}", get(&e, "proposer").as_string().unwrap(), get(&e, "step").as_string().unwrap()))
        .collect();
    assert_eq!(steps, ["p3 turn on", "p3 done", "p2 turn off", "p2 done"]);
    for (id, says) in [
        (JsValue::from("p2"), "p2 is not a proposer (it was removed)"),
        (JsValue::from("a1"), "id must be a proposer id, got the acceptor \"a1\""),
        (JsValue::from("p9"), "unknown node p9"),
        (JsValue::from(2), "id must be a string"),
        (JsValue::from(""), "id must be a node id like \"a1\" or \"p1\", got \"\""),
        (JsValue::NULL, "id must be a string"),
        (JsValue::UNDEFINED, "id must be a string"),
        (js("{ id: 'p1' }"), "id must be a string"),
    ] {
        assert_error(&err(c.remove_proposer(id)).await, "InvalidArgument", says);
        still_works(&c).await;
    }
    // Operations and collections through the removed proposer name it.
    let e = err(c.put("k".into(), JsValue::from(3), via("p2"))).await;
    assert_error(&e, "InvalidArgument", "options.proposer: p2 was removed from the cluster");
    let e = err(c.gc(js("{ proposer: 'p2' }"))).await;
    assert_error(&e, "InvalidArgument", "p2 was removed from the cluster");
    // The default proposer is the lowest one left.
    assert!(ok(c.remove_proposer("p1".into())).await.is_null());
    assert_eq!(ok(c.get("k".into(), JsValue::UNDEFINED)).await, JsValue::from(1));
    assert_error(&err(c.remove_proposer("p3".into())).await, "InvalidArgument", "the last proposer cannot be removed");
    still_works(&c).await;
    // The share link replays the changes.
    let copy = Cluster::from_session(c.session_link().unwrap().into(), JsValue::UNDEFINED).expect("the link opens");
    copy.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(json(&get(&copy.membership().unwrap(), "proposers")), r#"["p3"]"#);
}

#[wasm_bindgen_test]
async fn proposer_ids_run_out_at_the_limit_and_are_never_reused() {
    let c = cluster("{ proposers: 8 }");
    assert_eq!(ok(c.add_proposer()).await.as_string().as_deref(), Some("p9"));
    let limit = "no proposer id left: ids p1..p9 are all taken (a removed proposer's id is never reused)";
    assert_error(&err(c.add_proposer()).await, "InvalidArgument", limit);
    assert!(ok(c.remove_proposer("p9".into())).await.is_null());
    assert_error(&err(c.add_proposer()).await, "InvalidArgument", limit);
    still_works(&c).await;
}

#[wasm_bindgen_test]
async fn acceptor_changes_refuse_every_bad_input_by_name() {
    let c = cluster("{ seed: 6 }");
    for (id, says) in [
        (JsValue::from("p1"), "id must be an acceptor id, got the proposer \"p1\""),
        (JsValue::from("a4"), "unknown node a4"),
        (JsValue::from("a0"), "id must be a node id like \"a1\" or \"p1\", got \"a0\""),
        (JsValue::from(1), "id must be a string"),
        (JsValue::NULL, "id must be a string"),
        (JsValue::UNDEFINED, "id must be a string"),
        (js("['a1']"), "id must be a string"),
    ] {
        assert_error(&err(c.remove_acceptor(id)).await, "InvalidArgument", says);
        still_works(&c).await;
    }
    // A second change while one runs; a proposer may come meanwhile.
    c.set_auto_advance(JsValue::FALSE).unwrap();
    let adding = c.add_acceptor();
    assert_error(&err(c.add_acceptor()).await, "InvalidArgument", "one change at a time");
    assert_error(&err(c.remove_acceptor("a1".into())).await, "InvalidArgument", "(adding a4) is running");
    assert_eq!(ok(c.add_proposer()).await.as_string().as_deref(), Some("p3"));
    c.set_auto_advance(JsValue::TRUE).unwrap();
    assert_eq!(ok(adding).await.as_string().as_deref(), Some("a4"));
    still_works(&c).await;
    let one = cluster("{ acceptors: 1 }");
    assert_error(
        &err(one.remove_acceptor("a1".into())).await,
        "InvalidArgument",
        "the last acceptor cannot be removed",
    );
    still_works(&one).await;
    let full = cluster("{ acceptors: 15 }");
    assert_error(&err(full.add_acceptor()).await, "InvalidArgument", "no acceptor id left: ids a1..a15 are all taken");
    still_works(&full).await;
    let flexible = cluster("{ acceptors: 4, quorums: { prepare: 2, accept: 3 } }");
    assert_error(&err(flexible.add_acceptor()).await, "InvalidArgument", "starts from majority quorums");
    still_works(&flexible).await;
}
