//! Membership changes through the JS API in real wasm in headless Chromium: the proposer changes'
//! reference run has the native golden hash, and every bad input of `addAcceptor`,
//! `removeAcceptor`, `addProposer` and `removeProposer` is a named JS Error after which the
//! cluster still works. (A file of its own: tests/web.rs's suite is long already.)

#![cfg(target_arch = "wasm32")]

use caspaxos_playground::wasm::Cluster;
use js_sys::Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod web_common;
use web_common::{assert_error, call, cluster, err, get, js, json, ok, outcome, still_works};

wasm_bindgen_test_configure!(run_in_browser);

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
            2 => drop(c.add_proposer(JsValue::UNDEFINED)),
            4 => drop(c.add_acceptor(JsValue::UNDEFINED)),
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
    assert_eq!(ok(c.add_proposer(JsValue::UNDEFINED)).await.as_string().as_deref(), Some("p3"));
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
    assert_eq!(ok(c.add_proposer(JsValue::UNDEFINED)).await.as_string().as_deref(), Some("p9"));
    let limit = "no proposer id left: ids p1..p9 are all taken (a removed proposer's id is never reused)";
    assert_error(&err(c.add_proposer(JsValue::UNDEFINED)).await, "InvalidArgument", limit);
    assert!(ok(c.remove_proposer("p9".into())).await.is_null());
    assert_error(&err(c.add_proposer(JsValue::UNDEFINED)).await, "InvalidArgument", limit);
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
    let adding = c.add_acceptor(JsValue::UNDEFINED);
    assert_error(&err(c.add_acceptor(JsValue::UNDEFINED)).await, "InvalidArgument", "one change at a time");
    assert_error(&err(c.remove_acceptor("a1".into())).await, "InvalidArgument", "(adding a4) is running");
    assert_eq!(ok(c.add_proposer(JsValue::UNDEFINED)).await.as_string().as_deref(), Some("p3"));
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
    assert_error(
        &err(full.add_acceptor(JsValue::UNDEFINED)).await,
        "InvalidArgument",
        "no acceptor id left: ids a1..a15 are all taken",
    );
    still_works(&full).await;
    let flexible = cluster("{ acceptors: 4, quorums: { prepare: 2, accept: 3 } }");
    assert_error(
        &err(flexible.add_acceptor(JsValue::UNDEFINED)).await,
        "InvalidArgument",
        "starts from majority quorums",
    );
    still_works(&flexible).await;
}

#[wasm_bindgen_test]
async fn add_acceptor_and_add_proposer_refuse_an_argument_by_name() {
    // Through the JS glue, as a page calls them: `addAcceptor('a4')` used to ignore its argument.
    let c: JsValue = cluster("{ seed: 8 }").into();
    let cases = [
        ("c.addAcceptor('a4')", "addAcceptor() takes no arguments, got the string \"a4\""),
        ("c.addAcceptor(4)", "addAcceptor() takes no arguments, got the number 4"),
        ("c.addAcceptor(null)", "addAcceptor() takes no arguments, got null"),
        ("c.addProposer('p3')", "addProposer() takes no arguments, got the string \"p3\""),
        ("c.addProposer({})", "addProposer() takes no arguments, got an object"),
    ];
    let members = "[c.membership().acceptors, c.membership().proposers]";
    for (i, (expr, says)) in cases.into_iter().enumerate() {
        let e = outcome(call(&c, expr)).await.expect_err(expr);
        assert_error(&e, "InvalidArgument", says);
        assert_eq!(json(&call(&c, members).unwrap()), r#"[["a1","a2","a3"],["p1","p2"]]"#, "{expr} changed nothing");
        let count = outcome(call(&c, "c.increment('sanity')")).await.expect("the cluster still works");
        assert_eq!(count.as_f64(), Some(i as f64 + 1.0));
    }
    // No argument, or an explicit undefined, is the call as documented.
    assert_eq!(outcome(call(&c, "c.addAcceptor(undefined)")).await.unwrap().as_string().as_deref(), Some("a4"));
    assert_eq!(outcome(call(&c, "c.addProposer()")).await.unwrap().as_string().as_deref(), Some("p3"));
}

#[wasm_bindgen_test]
async fn a_stopped_change_shows_in_membership_until_the_same_call_resumes_it() {
    let c = cluster("{ seed: 9, maxAttempts: 1 }");
    assert!(get(&c.membership().unwrap(), "stopped").is_null());
    ok(c.put("k".into(), JsValue::from(5), JsValue::UNDEFINED)).await;
    c.crash("a1".into()).unwrap();
    c.crash("a2".into()).unwrap();
    assert_error(&err(c.add_acceptor(JsValue::UNDEFINED)).await, "Unavailable", "after 1 failed attempt (no quorum)");
    let stopped = get(&c.membership().unwrap(), "stopped");
    let fields: Vec<String> =
        ["kind", "node", "step", "reason"].iter().map(|f| get(&stopped, f).as_string().unwrap()).collect();
    assert_eq!(fields, ["add", "a4", "catch-up rescan", "no quorum after 1 failed attempt"]);
    c.restart("a1".into()).unwrap();
    c.restart("a2".into()).unwrap();
    assert_eq!(ok(c.add_acceptor(JsValue::UNDEFINED)).await.as_string().as_deref(), Some("a4"));
    assert!(get(&c.membership().unwrap(), "stopped").is_null());
}
