//! The history record's size (issue 9: a record was 272 bytes natively, with JSON input and
//! output and a heap block for its evaluations) and what an increment's record holds.

use super::*;
use crate::ops::Register;
use serde_json::json;
#[cfg(target_pointer_width = "64")] // the sizes are native ones
use std::mem::size_of;

/// [`OpRecord`]'s size at most: 176 bytes natively (its input and answer inline in 16 bytes
/// each, its first evaluation inline; its error inline too: boxing it would save 24 bytes a
/// record for more shipped wasm than the core's headroom had).
#[cfg(target_pointer_width = "64")]
const MAX_OP_RECORD_SIZE: usize = 176;

/// The record as it was before issue 9's change, field for field: the negative control.
#[cfg(target_pointer_width = "64")]
#[allow(dead_code)]
struct RecordOfJson {
    id: OpId,
    proposer: ProposerId,
    op: OpKind,
    key: Key,
    input: Json,
    invoke_at: u64,
    return_at: Option<u64>,
    invoke_seq: u64,
    return_seq: Option<u64>,
    outcome: Option<Outcome>,
    output: Option<Json>,
    error: Option<OpError>,
    may_have_applied: bool,
    attempts: u32,
    evaluations: Vec<Evaluation>,
}

#[cfg(target_pointer_width = "64")]
fn small_enough(size: usize) -> Result<(), String> {
    if size <= MAX_OP_RECORD_SIZE {
        Ok(())
    } else {
        Err(format!("a record of {size} bytes is over {MAX_OP_RECORD_SIZE}"))
    }
}

#[test]
#[cfg(target_pointer_width = "64")]
fn a_record_is_small() {
    println!("a record: {} bytes, the record of JSON values: {}", size_of::<OpRecord>(), size_of::<RecordOfJson>());
    small_enough(size_of::<OpRecord>()).unwrap();
    // Negative control: the record of JSON values is caught, by its size.
    let old = size_of::<RecordOfJson>();
    assert_eq!(small_enough(old), Err(format!("a record of {old} bytes is over {MAX_OP_RECORD_SIZE}")));
    assert!(old >= 272, "{old}");
}

fn register(value: Json, version: u64) -> Val {
    Rc::new(Register { value, version, applied: Vec::new() })
}

/// Invokes `op` on key `k` with `input`, evaluates it `evaluations` times, ends it with `result`;
/// returns the history.
fn one_operation(op: OpKind, input: Json, evaluations: u64, result: Result<Json, OpError>) -> History {
    let mut history = History::new(10, Ledger::default());
    let key = Key::from("k");
    crate::sim::records::invoke(&mut history, &mut crate::sim::Stats::default(), 1, (1, &key), op, input);
    for at_ms in 0..evaluations {
        let seen = register(json!(at_ms), at_ms);
        let wrote = Some(register(json!(at_ms + 1), at_ms + 1));
        history.in_flight_mut(0).unwrap().evaluations.push(Evaluation { seen, at_ms, wrote });
    }
    history.finish(0, 9, &result).expect("in flight");
    history
}

/// An increment's record holds its input, its answer and its evaluation inline: no heap block
/// but its own. Controls: a second evaluation is kept, in order; a `put`'s JSON is kept as JSON,
/// input and answer.
#[test]
fn an_increment_record_holds_its_values_inline() {
    let history = one_operation(OpKind::Increment, Json::Null, 1, Ok(json!(1)));
    let record = history.get(0).unwrap();
    assert_eq!((&record.input, &record.output), (&RecordValue::Null, &Some(RecordValue::Unsigned(1))));
    assert!(matches!(&record.evaluations, Evaluations::One(e) if e.at_ms == 0), "{:?}", record.evaluations);

    let retried = one_operation(OpKind::Increment, Json::Null, 2, Ok(json!(2)));
    let record = retried.get(0).unwrap();
    assert!(matches!(&record.evaluations, Evaluations::Many(all) if all.len() == 2), "{:?}", record.evaluations);
    assert_eq!(record.evaluations.iter().map(|e| e.at_ms).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(record.evaluations.last().unwrap().seen.version, 1);

    let payload = json!({ "text": "a user's value" });
    let put = one_operation(OpKind::Put, payload.clone(), 1, Ok(payload.clone()));
    let record = put.get(0).unwrap();
    let (RecordValue::Json(input), Some(RecordValue::Json(output))) = (&record.input, &record.output) else {
        panic!("{record:?}")
    };
    assert_eq!((&**input, &**output), (&payload, &payload));
}

/// A refusal's error is kept, with its message.
#[test]
fn a_refusal_keeps_its_error() {
    let refused = one_operation(OpKind::Write, json!({ "expectedVersion": 2 }), 1, Err(OpError::rejected("full")));
    let record = refused.get(0).unwrap();
    assert_eq!((record.output.as_ref(), record.error.as_ref()), (None, Some(&OpError::rejected("full"))));
}

/// Distinct allocations among the keys of `records`.
fn key_allocations<'a>(records: impl Iterator<Item = &'a OpRecord>) -> usize {
    let mut seen: Vec<*const u8> = records.map(|r| r.key.as_ptr()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// An invocation of a key in use allocates nothing for the key: its record shares the key's one
/// allocation, the runtime's key table's (issue 9: an allocation an operation less). Control: the
/// records with a key made per invocation, as before, are caught.
#[test]
fn invocations_of_a_key_in_use_share_its_allocation() {
    let sim = crate::sim::Sim::new(crate::sim::SimConfig::default()).expect("a valid configuration");
    for key in ["k", "k", "j", "k"] {
        drop(sim.client(1).increment(key));
        sim.run_until_idle(u64::MAX);
    }
    let history = sim.history();
    assert_eq!(history.records().map(|r| &*r.key).collect::<Vec<_>>(), ["k", "k", "j", "k"]);
    assert_eq!(key_allocations(history.records()), 2, "one allocation a key");
    let per_invocation: Vec<OpRecord> =
        history.records().map(|r| OpRecord { key: Key::from(&*r.key), ..r.clone() }).collect();
    assert_eq!(key_allocations(per_invocation.iter()), 4, "the control: a key made per invocation");
}

/// A value `levels` deep: `{ v: { v: … 1 } }`.
fn nested(levels: usize) -> Json {
    (0..levels).fold(json!(1), |v, _| json!({ "v": v }))
}

/// The history says whether it held a value nested deeper than a light start may copy, from an
/// operation's input or its answer, and keeps saying it (the wasm guard's starts prove the full
/// headroom then). Control: values at the limit, or none, leave it light.
#[test]
fn a_history_says_whether_it_held_a_value_nested_past_a_light_start() {
    use crate::limits::MAX_LIGHT_START_DEPTH as LIGHT;
    for (input, answer, nested_values) in [
        (Json::Null, json!(1), false),
        (nested(LIGHT), json!(null), false),
        (json!(null), nested(LIGHT), false),
        (nested(LIGHT + 1), json!(null), true),
        (json!(null), nested(LIGHT + 1), true),
        (json!([[[[[[[[[]]]]]]]]]), json!(null), true),
    ] {
        let history = one_operation(OpKind::Put, input.clone(), 0, Ok(answer.clone()));
        assert_eq!(history.holds_nested_values(), nested_values, "{input} → {answer}");
        assert_eq!(history.clone().holds_nested_values(), nested_values, "a copy (a checkpoint's) says the same");
    }
    let mut history = one_operation(OpKind::Put, nested(LIGHT + 1), 0, Ok(json!(null)));
    let key = Key::from("k");
    for id in 1..30 {
        crate::sim::records::invoke(
            &mut history,
            &mut crate::sim::Stats::default(),
            1,
            (1, &key),
            OpKind::Get,
            json!(null),
        );
        history.finish(id, 10 + id, &Ok(json!(1))).expect("in flight");
    }
    assert!(history.get(0).is_none(), "the nested record left the window");
    assert!(history.holds_nested_values(), "still said after the record went");
}
