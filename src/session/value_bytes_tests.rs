//! The tape is bounded in bytes (outside tester 18: puts of 60 KB values grew it without bound
//! until the wasm trapped): past [`MAX_SESSION_BYTES`] of recorded values the run becomes
//! unreplayable (`Unreplayable::TooLarge`) and the tape stops growing. Control: a run just under
//! the limit stays replayable, exports, and its session replays to the same run.

use super::*;
use crate::limits::encoded_bytes;
use crate::sim::SimConfig;
use serde_json::json;

/// A value of `bytes` JSON-encoded, distinct for each `i`.
fn value(i: usize, bytes: usize) -> Json {
    json!(format!("{}{i:012}", "x".repeat(bytes - 14)))
}

fn put(rec: &Recording, i: usize, bytes: usize) {
    let action =
        UserAction::Invoke { proposer: 1, key: format!("k{}", i % 10), name: "put".into(), input: value(i, bytes) };
    rec.act(action).unwrap();
    if i % 50 == 49 {
        rec.run_until_idle(IDLE_EVENTS_FOR_TESTS).unwrap();
    }
}

const IDLE_EVENTS_FOR_TESTS: u64 = 1_000_000;
const VALUE: usize = 60_000;

/// Puts enough values to bring the recorded bytes to `total` (a last, smaller one fills it).
fn run_to(total: usize) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig::default())).unwrap();
    let (mut i, mut bytes) = (0, 0);
    while bytes < total {
        let size = VALUE.min(total - bytes).max(14);
        put(&rec, i, size);
        (i, bytes) = (i + 1, bytes + size);
    }
    rec.run_until_idle(IDLE_EVENTS_FOR_TESTS).unwrap();
    rec
}

#[test]
fn values_past_the_session_limit_make_the_run_unreplayable_and_stop_the_tape() {
    assert_eq!(encoded_bytes(&value(7, VALUE)), VALUE);
    let rec = run_to(MAX_SESSION_BYTES + 3 * VALUE);
    assert_eq!(rec.unreplayable(), Some(Unreplayable::TooLarge));
    // The put that passed the limit and those after it are not on the tape.
    let recorded = rec.actions.borrow().len() as u64;
    assert!(recorded < rec.actions_taken(), "{recorded} of {} recorded", rec.actions_taken());
    assert!(rec.value_bytes.get() <= MAX_SESSION_BYTES);
    assert_eq!(rec.actions.borrow().value_bytes(), rec.value_bytes.get());
    let err = rec.seek_until(0).err().expect("a seek is refused");
    assert!(err.message.contains("values pass 128 MB encoded as JSON"), "{}", err.message);
    // The run goes on: its checker and history still answer.
    assert!(rec.sim().history().len() > 2_000);
}

#[test]
fn control_a_run_just_under_the_limit_exports_and_replays() {
    let rec = run_to(MAX_SESSION_BYTES - 1024);
    assert_eq!(rec.unreplayable(), None);
    assert_eq!(rec.value_bytes.get(), MAX_SESSION_BYTES - 1024);
    let session = rec.session();
    let replay = session.replay().unwrap();
    assert_eq!(replay.unreplayable(), None, "its session replays");
    assert_eq!(replay.value_bytes.get(), rec.value_bytes.get(), "a replay counts the same bytes");
    assert_eq!(replay.event_log_hash().unwrap(), rec.event_log_hash().unwrap());
    // A seek's recording counts the bytes of the actions before its point.
    let half = rec.seek_until(rec.sim().now() / 2).unwrap();
    assert_eq!(half.value_bytes.get(), half.actions.borrow().value_bytes());
    assert!(half.value_bytes.get() < rec.value_bytes.get());
}

/// The bytes of values the history's records hold ([`crate::sim::record_bytes::record_bytes`]),
/// and how many there are.
fn history_bytes(rec: &Recording) -> (usize, usize) {
    let history = rec.sim().history();
    let bytes = history.records().map(crate::sim::record_bytes::record_bytes).sum();
    let records = history.records().len();
    (bytes, records)
}

/// `ops` changes to 60 KB values on 10 keys: by function (unreplayable from the first) or as
/// recorded `put`s.
fn changes(ops: usize, by_function: bool) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig::default())).unwrap();
    for i in 0..ops {
        if by_function {
            let v = value(i, VALUE);
            let f: crate::ops::ChangeFn = std::rc::Rc::new(move |_| Ok(v.clone()));
            rec.invoke_unrecorded(1, &format!("k{}", i % 10), crate::ops::Op::Change(f));
            if i % 50 == 49 {
                rec.run_until_idle(IDLE_EVENTS_FOR_TESTS).unwrap();
            }
        } else {
            put(&rec, i, VALUE);
        }
    }
    rec.run_until_idle(IDLE_EVENTS_FOR_TESTS).unwrap();
    rec
}

#[test]
fn an_unreplayable_runs_history_keeps_its_records_within_the_byte_bound() {
    let rec = changes(1_500, true);
    assert_eq!(rec.unreplayable(), Some(Unreplayable::ChangeFunction));
    let (bytes, records) = history_bytes(&rec);
    assert!(bytes <= crate::limits::MAX_HISTORY_BYTES, "{bytes} bytes in {records} records");
    assert!(records > 100 && records < 1_500, "{records} records");
    assert_eq!(rec.sim().history().len(), 1_500, "every operation was recorded, the oldest let go");
}

#[test]
fn control_a_replayable_runs_history_is_bounded_by_count_only() {
    // What the byte bound catches: the same values, recorded, keep every record (the count-only
    // window: its copies and replays keep the same records).
    let rec = changes(1_500, false);
    assert_eq!(rec.unreplayable(), None);
    let (bytes, records) = history_bytes(&rec);
    assert_eq!(records, 1_500);
    assert!(bytes > 3 * crate::limits::MAX_HISTORY_BYTES, "{bytes} bytes");
}
