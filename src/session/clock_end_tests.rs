//! The end of time ([`MAX_CLOCK_MS`]): a run sought there (what the element's `seek(1e300)`
//! does) answers an operation, stays there, and its document and link reopen where it was taken
//! (outside tester 17: the clock ran past 2^53 - 1 and no reader accepted the run).

use super::*;
use crate::limits::MAX_CLOCK_MS;
use crate::sim::SimConfig;
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
