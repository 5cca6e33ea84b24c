//! Garbage collection on the tape: `gc` (one key, or every deleted key) and the collection delay
//! are recorded actions, so a replay, a seek and play on, a link and a document reproduce the
//! collections they started.

use super::*;
use crate::sim::{EventKind, SimConfig};
use serde_json::json;

fn invoke(rec: &Recording, proposer: u8, key: &str, name: &str, input: Json) {
    rec.act(UserAction::Invoke { proposer, key: key.into(), name: name.into(), input }).unwrap();
}

fn with_collections() -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 6, ..SimConfig::default() })).unwrap();
    rec.act(UserAction::GcDelay(Some(15))).unwrap();
    invoke(&rec, 1, "a", "put", json!(1));
    invoke(&rec, 2, "b", "put", json!(2));
    rec.sim().run_for(60);
    invoke(&rec, 1, "a", "delete", Json::Null); // collected by the delay
    rec.sim().run_for(150);
    rec.act(UserAction::GcDelay(None)).unwrap();
    invoke(&rec, 2, "b", "delete", Json::Null);
    rec.act(UserAction::Crash(Node::Acceptor(3))).unwrap();
    rec.sim().run_for(60);
    let started = rec.gc(2, None).unwrap(); // "b": blocked until a3 is back
    assert_eq!(started.len(), 1);
    rec.sim().run_for(100);
    rec.act(UserAction::Restart(Node::Acceptor(3))).unwrap();
    rec.gc(1, Some("a".into())).unwrap(); // already erased: nothing to collect
    rec.run_until_idle(u64::MAX).unwrap();
    rec
}

fn gc_steps(rec: &Recording) -> Vec<&'static str> {
    let trace = rec.sim().trace();
    (0..trace.events.len())
        .filter_map(|i| match &trace.events[i].kind {
            EventKind::Gc { step, .. } => Some(step.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn collections_replay_from_their_actions() {
    let rec = with_collections();
    let steps = gc_steps(&rec);
    assert_eq!(steps.iter().filter(|s| **s == "start").count(), 3, "{steps:?}");
    assert!(steps.contains(&"retry") && steps.contains(&"invalidate"), "{steps:?}");
    // (The last collection's prepare found "a" erased: it leaves only its promise behind.)
    let held = |a| rec.sim().registers(a).into_iter().filter(|(_, s)| s.accepted.is_some()).count();
    assert!((1..=3).all(|a| held(a) == 0), "both keys erased everywhere");
    let session = rec.session();
    let hash = rec.event_log_hash().unwrap();
    for copy in [decode_link(&encode_link(&session)).unwrap(), from_json(&session.to_json()).unwrap()] {
        assert_eq!(copy, session);
        let replayed = copy.replay().unwrap();
        replayed.run_until_idle(u64::MAX).unwrap();
        assert_eq!(replayed.event_log_hash().unwrap(), hash);
    }
    let seeked = session.replay_until(100).unwrap();
    seeked.run_until_idle(u64::MAX).unwrap();
    assert_eq!(seeked.event_log_hash().unwrap(), hash, "seek back and play on: the same run");
}

#[test]
fn the_erase_without_gc_switch_travels_in_links_and_documents() {
    let rec = Recording::new(Start::Config(SimConfig::default())).unwrap();
    let breaks = Breaks { erase_without_gc: true, ..Breaks::default() };
    rec.act(UserAction::Break(breaks.clone())).unwrap();
    let session = rec.session();
    assert_eq!(session.to_json()["actions"][0]["break"]["eraseWithoutGc"], json!(true));
    for copy in [decode_link(&encode_link(&session)).unwrap(), from_json(&session.to_json()).unwrap()] {
        assert_eq!(copy.actions[0].action, UserAction::Break(breaks.clone()));
    }
}

#[test]
fn bad_gc_actions_in_a_document_are_refused_by_their_path() {
    let mut doc = with_collections().session().to_json();
    let gc = doc["actions"].as_array().unwrap().iter().position(|a| a["do"] == "gc").unwrap();
    doc["actions"][gc]["proposer"] = json!("p7");
    let e = from_json(&doc).unwrap_err();
    assert!(e.message.contains("p7"), "{}", e.message);
    let mut doc = with_collections().session().to_json();
    doc["actions"][0]["ms"] = json!(60_001);
    let e = from_json(&doc).unwrap_err();
    assert!(e.message.contains("60001"), "{}", e.message);
}
