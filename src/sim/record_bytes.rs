//! About the heap bytes a history record holds in values (outside tester 18: puts of 60 KB
//! values kept about four copies each in the history's records: the input, the answer, and the
//! register written with its exactly-once marker's answer). What bounds the records of a run
//! that cannot be replayed by bytes as well as by count ([`super::History::bound_bytes`]).

use super::{OpRecord, RecordValue};
use crate::ops::Register;
use serde_json::Value as Json;
use std::mem::size_of;

/// The bytes `record`'s values take, counting shared ones once per record (an estimate: a
/// value shared between records is counted in each).
pub(crate) fn record_bytes(record: &OpRecord) -> usize {
    let written = record.evaluations.iter().filter_map(|e| e.wrote.as_deref()).map(register_bytes).sum::<usize>();
    value_bytes(&record.input) + record.output.as_ref().map_or(0, value_bytes) + written
}

/// A recorded value's bytes (a counter held inline takes none of its own).
fn value_bytes(v: &RecordValue) -> usize {
    match v {
        RecordValue::Json(json) => json_bytes(json),
        _ => 0,
    }
}

/// A register's value and its markers' answers.
pub(super) fn register_bytes(register: &Register) -> usize {
    json_bytes(&register.value) + register.applied.iter().map(|a| value_bytes(&a.output)).sum::<usize>()
}

/// A JSON value's nodes and the bytes of its strings.
pub(crate) fn json_bytes(value: &Json) -> usize {
    let mut bytes = 0;
    // Allocated only for an array's or an object's items: a scalar is counted without a `malloc`.
    let mut stack = Vec::new();
    let mut next = Some(value);
    while let Some(v) = next.take().or_else(|| stack.pop()) {
        bytes += size_of::<Json>();
        match v {
            Json::String(s) => bytes += s.len(),
            Json::Array(items) => stack.extend(items),
            Json::Object(fields) => {
                bytes += fields.keys().map(|k| k.len() + size_of::<String>()).sum::<usize>();
                stack.extend(fields.values());
            }
            _ => {}
        }
    }
    bytes
}
