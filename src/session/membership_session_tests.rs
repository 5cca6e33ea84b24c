//! Membership changes on the tape: `addAcceptor` / `removeAcceptor` are recorded actions, so a
//! replay, a seek and play on, a link and a document reproduce the changes and what ran among
//! them; the break switches `skipRescan` / `rescanOneKey` travel too.

use super::*;
use crate::sim::{EventKind, SimConfig};
use serde_json::json;

fn invoke(rec: &Recording, proposer: u8, key: &str, name: &str, input: Json) {
    rec.act(UserAction::Invoke { proposer, key: key.into(), name: name.into(), input }).unwrap();
}

fn with_changes() -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 9, proposers: 2, ..SimConfig::default() })).unwrap();
    for i in 0..4 {
        invoke(&rec, 1 + i % 2, &format!("k{i}"), "put", json!(i));
    }
    rec.act(UserAction::AddAcceptor).unwrap();
    invoke(&rec, 2, "k0", "increment", Json::Null); // among the change's steps
    rec.sim().run_for(40);
    invoke(&rec, 1, "k1", "delete", Json::Null);
    rec.run_until_idle(u64::MAX).unwrap();
    rec.act(UserAction::Crash(Node::Acceptor(4))).unwrap(); // a node that did not exist at the start
    rec.act(UserAction::RemoveAcceptor(2)).unwrap();
    rec.sim().run_for(30);
    rec.act(UserAction::Restart(Node::Acceptor(4))).unwrap();
    rec.run_until_idle(u64::MAX).unwrap();
    rec
}

#[test]
fn membership_changes_replay_from_their_actions() {
    let rec = with_changes();
    let trace = rec.sim().trace();
    let done = (0..trace.events.len())
        .filter(|&i| matches!(&trace.events[i].kind, EventKind::Membership { step: "done", .. }))
        .count();
    drop(trace);
    assert_eq!(done, 2, "both changes finished");
    assert_eq!(rec.sim().acceptor_ids(), vec![1, 3, 4]);
    let session = rec.session();
    let doc = session.to_json();
    let actions = doc["actions"].as_array().unwrap();
    assert!(actions.iter().any(|a| a["do"] == "removeAcceptor" && a["node"] == "a2"), "{doc}");
    assert!(actions.iter().any(|a| a["do"] == "addAcceptor"), "{doc}");
    let hash = rec.event_log_hash().unwrap();
    for copy in [decode_link(&encode_link(&session)).unwrap(), from_json(&doc).unwrap()] {
        assert_eq!(copy, session);
        let replayed = copy.replay().unwrap();
        replayed.run_until_idle(u64::MAX).unwrap();
        assert_eq!(replayed.event_log_hash().unwrap(), hash);
    }
    for at in [0, 30, 200] {
        let seeked = session.replay_until(at).unwrap();
        seeked.run_until_idle(u64::MAX).unwrap();
        assert_eq!(seeked.event_log_hash().unwrap(), hash, "seek to {at} ms and play on: the same run");
    }
}

#[test]
fn the_membership_break_switches_travel_in_links_and_documents() {
    let rec = Recording::new(Start::Config(SimConfig::default())).unwrap();
    for breaks in [
        Breaks { skip_rescan: true, ..Breaks::default() },
        Breaks { rescan_one_key: true, erase_without_gc: true, ..Breaks::default() },
    ] {
        rec.act(UserAction::Break(breaks)).unwrap();
    }
    let session = rec.session();
    let doc = session.to_json();
    assert_eq!(doc["actions"][0]["break"]["skipRescan"], json!(true));
    assert_eq!(doc["actions"][1]["break"]["rescanOneKey"], json!(true));
    assert!(doc["actions"][0]["break"].get("rescanOneKey").is_none(), "only when on: {doc}");
    for copy in [decode_link(&encode_link(&session)).unwrap(), from_json(&doc).unwrap()] {
        assert_eq!(copy, session);
    }
}

#[test]
fn bad_membership_actions_are_refused_by_their_path() {
    let mut doc = with_changes().session().to_json();
    let remove = doc["actions"].as_array().unwrap().iter().position(|a| a["do"] == "removeAcceptor").unwrap();
    doc["actions"][remove]["node"] = json!("p1");
    let e = from_json(&doc).unwrap_err();
    assert!(e.message.contains("must be an acceptor"), "{}", e.message);
    doc["actions"][remove]["node"] = json!("a9");
    let e = from_json(&doc).unwrap_err();
    assert!(e.message.contains("unknown node a9: this cluster has a1..a4"), "{}", e.message);
    // A node added by the session is known after its addition only.
    let mut doc = with_changes().session().to_json();
    let add = doc["actions"].as_array().unwrap().iter().position(|a| a["do"] == "addAcceptor").unwrap();
    let (steps, at) = (doc["actions"][add]["steps"].clone(), doc["actions"][add]["at"].clone());
    doc["actions"][add] = json!({ "do": "crash", "node": "a4", "steps": steps, "at": at });
    let e = from_json(&doc).unwrap_err();
    assert!(e.message.contains("unknown node a4: this cluster has a1..a3"), "{}", e.message);
}

/// Proposers added and removed (§2.3.4) among operations, one of them in flight on the removed
/// proposer, and a crash of the added one.
fn with_proposer_changes() -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 13, proposers: 2, ..SimConfig::default() })).unwrap();
    invoke(&rec, 1, "k", "put", json!(1));
    rec.act(UserAction::AddProposer).unwrap();
    invoke(&rec, 3, "k", "increment", Json::Null);
    invoke(&rec, 1, "j", "put", json!(2));
    rec.act(UserAction::RemoveProposer(1)).unwrap(); // its put of j ends at once
    rec.sim().run_for(25);
    rec.act(UserAction::Crash(Node::Proposer(3))).unwrap();
    invoke(&rec, 2, "k", "increment", Json::Null);
    rec.sim().run_for(25);
    rec.act(UserAction::Restart(Node::Proposer(3))).unwrap();
    rec.act(UserAction::AddAcceptor).unwrap();
    invoke(&rec, 3, "j", "get", Json::Null);
    rec.run_until_idle(u64::MAX).unwrap();
    rec
}

#[test]
fn proposer_changes_replay_from_their_actions() {
    let rec = with_proposer_changes();
    assert_eq!(rec.sim().proposer_ids(), vec![2, 3]);
    let session = rec.session();
    let doc = session.to_json();
    let actions = doc["actions"].as_array().unwrap();
    assert!(actions.iter().any(|a| a["do"] == "addProposer"), "{doc}");
    assert!(actions.iter().any(|a| a["do"] == "removeProposer" && a["node"] == "p1"), "{doc}");
    let hash = rec.event_log_hash().unwrap();
    for copy in [decode_link(&encode_link(&session)).unwrap(), from_json(&doc).unwrap()] {
        assert_eq!(copy, session);
        let replayed = copy.replay().unwrap();
        replayed.run_until_idle(u64::MAX).unwrap();
        assert_eq!(replayed.event_log_hash().unwrap(), hash);
        assert_eq!(replayed.sim().proposer_ids(), vec![2, 3]);
    }
    for at in [0, 10, 40, 300] {
        let seeked = session.replay_until(at).unwrap();
        seeked.run_until_idle(u64::MAX).unwrap();
        assert_eq!(seeked.event_log_hash().unwrap(), hash, "seek to {at} ms and play on: the same run");
    }
}

#[test]
fn bad_proposer_actions_are_refused_by_their_path() {
    let doc = with_proposer_changes().session().to_json();
    let at = |what: &str| doc["actions"].as_array().unwrap().iter().position(|a| a["do"] == what).unwrap();
    let mut bad = doc.clone();
    bad["actions"][at("removeProposer")]["node"] = json!("a1");
    let e = from_json(&bad).unwrap_err();
    assert!(e.message.contains("must be a proposer"), "{}", e.message);
    // p3 is known after its addition only.
    let mut bad = doc.clone();
    let add = at("addProposer");
    let (steps, time) = (bad["actions"][add]["steps"].clone(), bad["actions"][add]["at"].clone());
    bad["actions"][add] = json!({ "do": "heal", "steps": steps, "at": time });
    let e = from_json(&bad).unwrap_err();
    assert!(e.message.contains("unknown node p3: this cluster has p1..p2"), "{}", e.message);
}
