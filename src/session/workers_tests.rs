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

/// Outside tester 16, finding 1: a crash of the workers' proposer ends their increments at the
/// crash; the workers' next increments must start then, whatever steps time takes afterwards
/// (the run ran them at the end of the next `run_for`, its replay at the crash: another run).
#[test]
fn workers_go_on_at_the_crash_of_their_proposer_whatever_steps_time_takes() {
    for crash_at in [3, 5, 12, 15, 25] {
        for chunks in [&[4u64, 4][..], &[1, 1, 1, 1, 1]] {
            let mut config = SimConfig { seed: 1, acceptors: 3, proposers: 1, ..SimConfig::default() };
            (config.net.latency_ms_min, config.net.latency_ms_max) = (10, 10);
            let rec = Recording::new(Start::Config(config)).unwrap();
            rec.act(UserAction::Workers(WorkersPlan { workers: 2, increments: 3, key: "w".into() })).unwrap();
            rec.run_for(crash_at).unwrap();
            rec.act(UserAction::Crash(Node::Proposer(1))).unwrap();
            for &ms in chunks {
                rec.run_for(ms).unwrap();
            }
            rec.act(UserAction::Restart(Node::Proposer(1))).unwrap();
            rec.run_until_idle(u64::MAX).unwrap();
            let replayed = rec.session().replay().unwrap();
            replayed.run_until_idle(u64::MAX).unwrap();
            let (run, replay) = (rec.event_log().unwrap(), replayed.event_log().unwrap());
            assert_eq!(run, replay, "crash at {crash_at} ms, time in chunks {chunks:?}");
        }
    }
}
