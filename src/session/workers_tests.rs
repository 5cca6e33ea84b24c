//! A workers run is one action on the tape: its thousand increments are the simulation's doing,
//! so a replay, a seek and play on, a link and a document reproduce them from that one action.

use super::*;
use crate::sim::SimConfig;

fn with_workers() -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 8, ..SimConfig::default() })).unwrap();
    rec.sim().run_for(5);
    let plan = WorkersPlan { workers: 3, increments: 20, key: "w".into() };
    rec.act(UserAction::Workers(plan)).unwrap();
    rec.sim().run_for(40);
    rec.act(UserAction::Crash(Node::Acceptor(2))).unwrap();
    rec.run_until_idle(u64::MAX).unwrap();
    rec
}

#[test]
fn a_workers_run_replays_from_its_one_action() {
    let rec = with_workers();
    let session = rec.session();
    assert_eq!(session.actions.len(), 2, "the run and the crash; the increments are not actions");
    let progress = rec.sim().workers_runs();
    assert_eq!((progress[0].done, progress[0].after.clone()), (60, Some(serde_json::json!(60))));
    let hash = rec.event_log_hash().unwrap();
    for copy in [decode_link(&encode_link(&session)).unwrap(), from_json(&session.to_json()).unwrap()] {
        assert_eq!(copy, session);
        let replayed = copy.replay().unwrap();
        replayed.run_until_idle(u64::MAX).unwrap();
        assert_eq!(replayed.event_log_hash().unwrap(), hash);
    }
    let seeked = session.replay_until(20).unwrap();
    assert!(!seeked.sim().workers_runs()[0].finished, "mid-run at 20 ms");
    seeked.run_until_idle(u64::MAX).unwrap();
    assert_eq!(seeked.event_log_hash().unwrap(), hash, "seek back and play on: the same run");
}

#[test]
fn a_session_with_a_workers_plan_out_of_range_is_refused_before_it_replays() {
    let mut doc = with_workers().session().to_json();
    doc["actions"][0]["workers"] = serde_json::json!(101);
    let e = from_json(&doc).unwrap_err();
    assert!(e.message.contains("workers"), "{}", e.message);
    assert!(e.message.contains("101"), "{}", e.message);
}
