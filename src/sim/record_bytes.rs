//! About the heap bytes a history record holds in values (outside tester 18: puts of 60 KB
//! values kept about four copies each in the history's records: the input, the answer, and the
//! register written with its exactly-once marker's answer). What bounds the records of a run
//! by bytes as well as by count ([`super::History`]), the event window's values and the
//! checker's segments: every bound on values held counts them by [`value_memory`], what they
//! take in memory (outside tester 20b: an object of 2,500 two-element arrays is 45 KB of JSON
//! but about 700 KB in memory, so bounds by its JSON size held 10–60 times what they said).

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
        RecordValue::Json(json) => value_memory(json),
        _ => 0,
    }
}

/// A register's value and its markers' answers.
pub(super) fn register_bytes(register: &Register) -> usize {
    value_memory(&register.value) + register.applied.iter().map(|a| value_bytes(&a.output)).sum::<usize>()
}

/// A JSON value's nodes and the bytes of its strings: a measure of its size that does not
/// depend on how it was built (what the checker's search calls a big value; native only, as
/// that search is).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn json_bytes(value: &Json) -> usize {
    sum_over_nodes(value, |v| {
        size_of::<Json>()
            + match v {
                Json::String(s) => s.len(),
                Json::Object(fields) => fields.keys().map(|k| k.len() + size_of::<String>()).sum(),
                _ => 0,
            }
    })
}

/// At least the bytes `value` takes in memory, the allocator's overhead included: its own node
/// and every heap block under it (a string's bytes, an array's slots by capacity, an object's
/// entries and hash table and its keys' bytes), each block as a `malloc` rounds it. Checked
/// against an allocator's count in `tests/value_memory.rs`.
pub fn value_memory(value: &Json) -> usize {
    size_of::<Json>()
        + sum_over_nodes(value, |v| match v {
            Json::String(s) => block(s.capacity()),
            Json::Array(items) => block(items.capacity() * size_of::<Json>()),
            Json::Object(fields) => {
                fields.keys().map(|k| block(k.capacity())).sum::<usize>() + map_blocks(fields.len())
            }
            _ => 0,
        })
}

/// At most the heap an object of `len` fields holds besides its keys and values' own blocks:
/// serde_json's map (`preserve_order`: an `IndexMap`) keeps its entries (hash, key, value) in a
/// vector and their indices in a hashbrown table, and grows the vector to the table's capacity
/// (`reserve_entries`); the table has `len * 8 / 7` buckets rounded up to a power of two, each a
/// `usize` and a control byte, and a group of control bytes more.
fn map_blocks(len: usize) -> usize {
    /// hashbrown's widest group of control bytes (SSE2's).
    const GROUP_WIDTH: usize = 16;
    if len == 0 {
        return 0;
    }
    let buckets = if len < 4 {
        4
    } else if len < 8 {
        8
    } else {
        (len * 8).div_ceil(7).next_power_of_two()
    };
    let capacity = if buckets < 8 { buckets - 1 } else { buckets / 8 * 7 };
    let entry = size_of::<usize>() + size_of::<String>() + size_of::<Json>();
    block(capacity * entry) + block(buckets * (size_of::<usize>() + 1) + GROUP_WIDTH)
}

/// The bytes a heap block of `bytes` takes: none for none, else a header word more, rounded up
/// to two words, at least four (dlmalloc's chunks in wasm, glibc's natively).
fn block(bytes: usize) -> usize {
    const WORD: usize = size_of::<usize>();
    match bytes {
        0 => 0,
        b => (b + WORD).next_multiple_of(2 * WORD).max(4 * WORD),
    }
}

/// `per_node` summed over `value`'s nodes, without recursion.
fn sum_over_nodes(value: &Json, per_node: impl Fn(&Json) -> usize) -> usize {
    let mut bytes = 0;
    // Allocated only for an array's or an object's items: a scalar is counted without a `malloc`.
    let mut stack = Vec::new();
    let mut next = Some(value);
    while let Some(v) = next.take().or_else(|| stack.pop()) {
        bytes += per_node(v);
        match v {
            Json::Array(items) => stack.extend(items),
            Json::Object(fields) => stack.extend(fields.values()),
            _ => {}
        }
    }
    bytes
}
