//! `value_memory` (what every bound on values held counts, src/sim/record_bytes.rs) against an
//! allocator's count, for the shapes of outside tester 20b's finding (`bench/value_shapes.rs`): a
//! value parsed from JSON text, as values arrive, and a clone of it, as copies are made. The
//! estimate must be at least what the allocator counted (the bounds hold at most what they say)
//! and at most twice it (it measures, not guesses). Negative control: a value's JSON size, what
//! the bounds counted before, fails it by far on the many-node shapes, by name.

#![cfg(not(target_arch = "wasm32"))]

use caspaxos_playground::limits::encoded_bytes;
use caspaxos_playground::sim::value_memory;
use serde_json::Value as Json;
use std::sync::atomic::Ordering;

#[path = "bench/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::LIVE;

#[path = "bench/value_shapes.rs"]
mod value_shapes;

/// The value `make()` builds and the bytes it holds by the allocator's count (its node itself,
/// on the stack here, is not allocated: the estimate counts it, where a value lives in a box).
fn counted(make: impl FnOnce() -> Json) -> (Json, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let value = make();
    (value, LIVE.load(Ordering::Relaxed) - before)
}

/// `estimate` holds a value of `counted` bytes: at least them, at most about twice.
fn holds(name: &str, estimate: usize, counted: usize) -> Result<(), String> {
    if estimate < counted {
        return Err(format!("{name}: estimated {estimate} bytes, the allocator counted {counted}"));
    }
    if estimate > 2 * (counted + std::mem::size_of::<Json>()) {
        return Err(format!("{name}: estimated {estimate} bytes, more than twice the {counted} counted"));
    }
    Ok(())
}

/// Small values: scalars, empty and one-item containers, and maps on each side of their hash
/// table's growth (7/8 of a power of two buckets).
fn small_values() -> Vec<String> {
    let maps = [3, 4, 7, 8, 14, 15, 28, 29, 57, 100, 1000]
        .map(|n| format!("{{{}}}", (0..n).map(|i| format!("\"key{i}\":[{i}]")).collect::<Vec<_>>().join(",")));
    ["1", "2.5", "\"x\"", "[]", "{}", "[1]", "{\"a\":1}"].map(String::from).into_iter().chain(maps).collect()
}

/// Every shape and small value, parsed and cloned (the single test of this file: the allocator
/// counts globally, and tests in parallel would count each other's).
#[test]
fn the_memory_estimate_holds_each_shape_and_json_bytes_do_not() {
    let mut caught = Vec::new();
    let shapes = value_shapes::SHAPES.map(|(name, text)| (name.to_owned(), text(7)));
    let small = small_values().into_iter().map(|text| (text.chars().take(24).collect(), text));
    for (name, text) in shapes.into_iter().chain(small) {
        let name = name.as_str();
        let (parsed, parsed_bytes) = counted(|| serde_json::from_str(&text).unwrap());
        let (cloned, cloned_bytes) = counted(|| parsed.clone());
        assert_eq!(parsed, cloned);
        println!(
            "{name}: {} B of JSON; parsed {parsed_bytes} B (estimate {}), cloned {cloned_bytes} B (estimate {})",
            text.len(),
            value_memory(&parsed),
            value_memory(&cloned)
        );
        holds(name, value_memory(&parsed), parsed_bytes).unwrap();
        holds(name, value_memory(&cloned), cloned_bytes).unwrap();
        // Control: the shape's JSON size, what the bounds counted before.
        let shape = value_shapes::SHAPES.iter().any(|s| s.0 == name);
        if let (true, Err(e)) = (shape, holds(name, encoded_bytes(&parsed), parsed_bytes)) {
            caught.push(e);
        }
    }
    let caught: Vec<&str> = caught.iter().map(|e| e.split(':').next().unwrap()).collect();
    assert_eq!(
        caught,
        ["object of 2,500 pairs", "array of 2,500 pairs", "deep object"],
        "the JSON sizes the control rejects"
    );
}
