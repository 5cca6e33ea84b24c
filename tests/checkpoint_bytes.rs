//! `Checkpoint::bytes()` (what the checkpoints' memory budget counts, src/session/checkpoints.rs)
//! against an allocator's count: the bytes a checkpoint still holds of its own after the run has
//! gone on (what dropping it frees), in a run whose operations queue up behind their keys and in
//! one with few in flight. Negative control: the comparison rejects an estimate a third or three
//! times the truth.

#![cfg(not(target_arch = "wasm32"))]

use caspaxos_playground::session::{Recording, Start, UserAction};
use caspaxos_playground::sim::SimConfig;
use std::sync::atomic::Ordering;

#[path = "bench/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::LIVE;

/// The estimate is within a factor of two of what the allocator counted.
fn close_enough(estimate: usize, counted: usize) -> Result<(), String> {
    if estimate <= 2 * counted && counted <= 2 * estimate {
        Ok(())
    } else {
        Err(format!("estimated {estimate} bytes, the allocator counted {counted}"))
    }
}

/// Increments on 10 keys, ten every 10 ms (`queued`: 7 of them, through 2 proposers with one
/// round trip (the default), faster than they answer, so thousands wait for their key; else 3
/// proposers and 1–5 ms messages, so few are in flight). Every 2,000 actions: a checkpoint,
/// compared with the allocator's count once the run went 3,000 events on. Returns the
/// (estimate, counted, in flight) of each.
fn measure(queued: bool, actions: u64) -> Vec<(usize, usize, usize)> {
    let mut config = SimConfig { proposers: if queued { 2 } else { 3 }, ..SimConfig::default() };
    if !queued {
        config.net.latency_ms_min = 1;
        config.net.latency_ms_max = 5;
    }
    let rec = Recording::new(Start::Config(config)).unwrap();
    let mut out = Vec::new();
    let mut held = None;
    for i in 0..actions {
        let key = i % 10;
        if key % 3 != 2 || !queued {
            let proposer = 1 + (key % 3) as u8;
            let invoke = UserAction::Invoke {
                proposer,
                key: format!("k{key}"),
                name: "increment".into(),
                input: serde_json::Value::Null,
            };
            rec.act(invoke).unwrap();
        }
        if i % 10 == 9 {
            rec.run_for(10).unwrap();
        }
        if i % 2_000 == 1_000 {
            let c = rec.sim().checkpoint().expect("no task runs");
            held = Some((c.bytes(), rec.sim().pending(), rec.sim().steps(), c));
        }
        if let Some((estimate, in_flight, steps, c)) = held.take_if(|h| rec.sim().steps() >= h.2 + 3_000) {
            assert!(rec.sim().steps() >= steps + 3_000);
            let before = LIVE.load(Ordering::Relaxed);
            drop(c);
            out.push((estimate, before - LIVE.load(Ordering::Relaxed), in_flight));
        }
    }
    out
}

#[test]
fn a_checkpoints_estimated_bytes_are_within_twice_what_it_holds() {
    for queued in [true, false] {
        let rows = measure(queued, 20_000);
        println!("queued {queued}: (estimate, counted, in flight) {rows:?}");
        assert!(rows.len() >= 8, "{rows:?}");
        if queued {
            assert!(rows.last().unwrap().2 > 3_000, "operations queued up: {rows:?}");
        }
        for &(estimate, counted, in_flight) in &rows {
            close_enough(estimate, counted)
                .unwrap_or_else(|e| panic!("{e} ({in_flight} in flight, queued run: {queued}); all: {rows:?}"));
        }
    }
    // Negative control: the comparison catches estimates off by three times either way.
    let err = close_enough(1_000, 3_000).unwrap_err();
    assert!(err.contains("estimated 1000 bytes, the allocator counted 3000"), "{err}");
    assert!(close_enough(9_000, 3_000).is_err());
}
