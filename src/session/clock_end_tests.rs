//! The end of time ([`MAX_CLOCK_MS`]): a run sought there (what the element's `seek(1e300)`
//! does) answers an operation, stays there, and its document and link reopen where it was taken
//! (outside tester 17: the clock ran past 2^53 - 1 and no reader accepted the run).

use super::*;
use crate::limits::MAX_CLOCK_MS;
use crate::sim::{Node, SimConfig};
use serde_json::json;

fn increment(key: &str) -> UserAction {
    UserAction::Invoke { proposer: 1, key: key.into(), name: "increment".into(), input: json!(null) }
}

/// A run with one increment, sought to `until`, then one more increment run to idle.
fn increment_at(until: u64) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 1, ..SimConfig::default() })).unwrap();
    rec.act(increment("a")).unwrap();
    rec.run_until_idle(1_000_000).unwrap();
    let rec = rec.seek_until(until).unwrap();
    assert_eq!(rec.sim().now(), until);
    rec.act(increment("zz")).unwrap();
    rec.run_until_idle(1_000_000).unwrap();
    rec
}

/// When the last operation started and ended.
fn last_operation(rec: &Recording) -> (u64, Option<u64>, Option<crate::driver::Outcome>) {
    let history = rec.sim().history();
    let last = history.records().next_back().expect("an operation");
    (last.invoke_at, last.return_at, last.outcome)
}

#[test]
fn a_run_at_the_end_of_time_answers_stays_there_and_reopens() {
    let rec = increment_at(MAX_CLOCK_MS);
    let (invoked, returned, outcome) = last_operation(&rec);
    assert_eq!((invoked, returned), (MAX_CLOCK_MS, Some(MAX_CLOCK_MS)), "{outcome:?}");
    assert!(outcome.is_some());
    assert_eq!(rec.sim().pending(), 0);
    // Time asked for past the end stops at it.
    rec.run_for(10).unwrap();
    rec.run_for(u64::MAX).unwrap();
    assert_eq!(rec.sim().now(), MAX_CLOCK_MS);
    let (session, hash, here) = (rec.session(), rec.event_log_hash().unwrap(), rec.point());
    assert_eq!(here.at_ms, MAX_CLOCK_MS);
    let document = from_json(&crate::json_text::parse(&rec.session_text()).unwrap()).unwrap();
    let link = decode_link(&encode_link(&session)).unwrap();
    for (how, reopened) in [("document", document), ("link", link)] {
        let replay = reopened.replay().unwrap();
        assert_eq!(replay.point(), here, "{how}");
        assert_eq!(replay.event_log_hash().unwrap(), hash, "{how}");
    }
    // Negative control: the readers refuse a time past the end (what the unclamped clock wrote:
    // 9007199254741048), so the checks above are the clamp's doing.
    let mut text = crate::json_text::parse(&rec.session_text()).unwrap();
    text["end"]["at"] = json!(MAX_CLOCK_MS + 57);
    let e = from_json(&text).unwrap_err();
    assert!(e.message.contains("end.at must be an integer in 0..=9007199254740991"), "{e}");
}

#[test]
fn before_the_end_time_runs_as_ever() {
    // Control: a minute before the end the operation takes its round trips of virtual time, so
    // the run above answering in one instant is the end's doing.
    let until = MAX_CLOCK_MS - 60_000;
    let rec = increment_at(until);
    let (invoked, returned, _) = last_operation(&rec);
    assert_eq!(invoked, until);
    assert!(returned.is_some_and(|at| at > until && at < MAX_CLOCK_MS), "{returned:?}");
}

fn invoke(proposer: u8, key: &str, name: &str, input: serde_json::Value) -> UserAction {
    UserAction::Invoke { proposer, key: key.into(), name: name.into(), input }
}

/// A run sought to `until` where `actions` are taken, then run until nothing is pending (or a
/// bounded number of steps, if something never ends).
fn at(until: u64, actions: Vec<UserAction>) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 3, ..SimConfig::default() })).unwrap();
    let rec = rec.seek_until(until).unwrap();
    for action in actions {
        rec.act(action).unwrap();
    }
    rec.run_until_idle(1_000_000).unwrap();
    rec
}

#[test]
fn operations_whose_timers_lie_past_the_end_still_end_there() {
    // Outside tester 18: an operation that had to wait on a timer (a phase timeout, a backoff)
    // stayed pending forever at the end of time: its deadline lay past the end, the timer fired
    // at the end, before it. Contention from two proposers, and a majority of acceptors down.
    let contended = (0..9u8).map(|i| invoke(1 + i % 2, "a", "increment", json!(null))).collect();
    let crashed = vec![UserAction::Crash(Node::Acceptor(1)), UserAction::Crash(Node::Acceptor(2)), increment("a")];
    for (case, actions) in [("contended", contended), ("majority down", crashed)] {
        let rec = at(MAX_CLOCK_MS, actions);
        assert_eq!(rec.sim().pending(), 0, "{case}: every operation ended");
        assert_eq!(rec.sim().now(), MAX_CLOCK_MS, "{case}");
        let outcomes: Vec<_> = rec.sim().history().records().map(|r| (r.return_at, r.outcome)).collect();
        assert!(outcomes.iter().all(|(at, o)| *at == Some(MAX_CLOCK_MS) && o.is_some()), "{case}: {outcomes:?}");
        if case == "majority down" {
            assert_eq!(outcomes[0].1, Some(crate::driver::Outcome::Failed), "{case}: no quorum, no answer");
        }
    }
}

#[test]
fn a_grant_that_lapses_as_it_is_made_is_no_grant() {
    // Outside tester 18: at the end of time a ttl's expiry is the end itself, so the grant lapsed
    // as it was made — yet alice and bob were both answered `true`, and acquireLease
    // `{ acquired: true, holder: null }`.
    let lock = |owner: &str, ttl: u64| invoke(1, "lock:job", "acquireLock", json!({ "owner": owner, "ttl": ttl }));
    let lease = |owner: &str| invoke(2, "lock:job", "acquireLease", json!({ "owner": owner, "ttl": 100 }));
    let answers = |rec: &Recording| -> Vec<serde_json::Value> {
        rec.sim()
            .history()
            .records()
            .map(|r| r.output.as_ref().map_or(json!(r.outcome.map(|o| format!("{o:?}"))), |o| o.to_json()))
            .collect()
    };
    let end = at(MAX_CLOCK_MS, vec![lock("alice", 100)]);
    end.act(lease("carol")).unwrap();
    end.run_until_idle(1_000_000).unwrap();
    let end = answers(&end);
    assert_eq!(end[0], json!(false), "{end:?}");
    assert_eq!(end[1]["acquired"], json!(false), "{end:?}");
    assert_eq!(end[1]["holder"], json!(null), "{end:?}");
    // Control: a minute before the end, alice gets the lock and carol is told alice holds it.
    let before = at(MAX_CLOCK_MS - 60_000, vec![lock("alice", 100_000)]);
    before.act(lease("carol")).unwrap();
    before.run_until_idle(1_000_000).unwrap();
    let before = answers(&before);
    assert_eq!(before[0], json!(true), "{before:?}");
    assert_eq!((&before[1]["acquired"], &before[1]["holder"]), (&json!(false), &json!("alice")), "{before:?}");
}
