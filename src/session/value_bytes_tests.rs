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

/// A replayable run's records are bounded by bytes too (outside tester 20b: bounded by count
/// only, 1,000 puts of 45 KB objects held 3 GB of records natively), and a seek that restores a
/// checkpoint (which let its ended records go, knowing their bytes) and completes its history by
/// replay keeps the same records. Control: the count-only window, as before, keeps all 1,500.
#[test]
fn a_replayable_runs_history_keeps_its_records_within_the_byte_bound_and_so_do_its_seeks() {
    let rec = changes(1_500, false);
    assert_eq!(rec.unreplayable(), None);
    let (bytes, records) = history_bytes(&rec);
    assert!(bytes <= crate::limits::MAX_HISTORY_BYTES, "{bytes} bytes in {records} records");
    assert!(records > 100 && records < 1_500, "{records} records");
    let ids = |rec: &Recording| rec.sim().history().records().map(|r| r.id).collect::<Vec<_>>();
    for at in [rec.sim().now() / 2, rec.sim().now()] {
        let sought = rec.seek_until(at).unwrap();
        sought.complete_history().unwrap();
        let replayed = rec.session().replay_until(at).unwrap();
        assert_eq!(ids(&sought), ids(&replayed), "the records kept at {at} ms");
    }
    let end = rec.seek_until(rec.sim().now()).unwrap();
    end.complete_history().unwrap();
    assert_eq!(ids(&end), ids(&rec), "the records kept at the end");

    let unbounded = Recording::new(Start::Config(SimConfig::default())).unwrap();
    unbounded.sim().bound_history_bytes(usize::MAX);
    (0..1_500).for_each(|i| put(&unbounded, i, VALUE));
    unbounded.run_until_idle(IDLE_EVENTS_FOR_TESTS).unwrap();
    let (bytes, records) = history_bytes(&unbounded);
    assert_eq!(records, 1_500);
    assert!(bytes > 3 * crate::limits::MAX_HISTORY_BYTES, "{bytes} bytes");
}

/// The event window is bounded by the bytes of the values its events carry, not only by their
/// count (`src/sim/window_bytes.rs`): 1,300 puts of 60 KB log about 9,100 events, far fewer
/// than [`crate::limits::EVENT_WINDOW`], and the window keeps only the latest full chunk of them
/// and the open one; what it let go regenerates by replay, so the log and its hash are those of
/// a run that keeps every event. Control: the same puts of 20-byte values keep every event.
#[test]
fn a_window_of_big_values_lets_its_oldest_chunks_go_and_the_log_is_the_same() {
    use crate::sim::CHUNK;
    let held = |rec: &Recording| {
        let trace = rec.sim().trace();
        (trace.events.len(), trace.events.held())
    };
    let run = |bytes: usize, window: Option<usize>| {
        let rec = Recording::new(Start::Config(SimConfig::default())).unwrap();
        rec.set_event_window(window);
        (0..1_300).for_each(|i| put(&rec, i, bytes));
        rec.run_until_idle(IDLE_EVENTS_FOR_TESTS).unwrap();
        rec
    };
    let big = run(VALUE, Some(crate::limits::EVENT_WINDOW));
    let (logged, kept) = held(&big);
    assert!(logged > 2 * CHUNK && logged < crate::limits::EVENT_WINDOW, "{logged} events");
    assert!(kept < 2 * CHUNK, "{kept} of {logged} events held");
    let whole = run(VALUE, None);
    assert_eq!(held(&whole), (logged, logged));
    assert_eq!(big.event_log_hash().unwrap(), whole.event_log_hash().unwrap());
    let since = logged - 3 * CHUNK / 2;
    assert_eq!(big.events(since, 10).unwrap(), whole.events(since, 10).unwrap(), "regenerated as logged");
    // Control: what the byte bound caught — small values, as many events, all held.
    let small = run(20, Some(crate::limits::EVENT_WINDOW));
    let (logged, kept) = held(&small);
    assert!(logged > 2 * CHUNK);
    assert_eq!(kept, logged, "a window of small values keeps every event");
}

/// The checker tries a fold once a key's settled operations gained
/// [`crate::limits::MAX_SEGMENT_VALUE_BYTES`] of values, not only every
/// [`crate::checker::FOLD_EVERY`] operations: 60 KB puts on one key keep a few dozen operations
/// unfolded, and `check()` answers as before. Control: 20-byte puts keep over a hundred.
#[test]
fn big_values_are_folded_every_few_operations() {
    let most_unfolded = |bytes: usize| {
        let rec = Recording::new(Start::Config(SimConfig::default())).unwrap();
        let mut most = 0;
        for i in 0..600 {
            let action =
                UserAction::Invoke { proposer: 1, key: "k".into(), name: "put".into(), input: value(i, bytes) };
            rec.act(action).unwrap();
            rec.run_until_idle(IDLE_EVENTS_FOR_TESTS).unwrap();
            most = most.max(rec.sim().history().checker_ops());
        }
        let history = rec.sim().history();
        let verdicts = history.ledger().verdicts(std::iter::empty(), 1_000_000);
        let linearizable = matches!(verdicts.keys.get("k"), Some(crate::checker::KeyResult::Linearizable(_)));
        (most, linearizable, verdicts.folded)
    };
    let (big, valid, folded) = most_unfolded(VALUE);
    assert!(big < 40, "{big} operations unfolded");
    assert!(valid && folded > 500, "valid {valid}, {folded} folded");
    // Control: what the byte trigger caught — small values wait for the count.
    let (small, valid, _) = most_unfolded(20);
    assert!(small > 200 && valid, "{small} operations unfolded");
}
