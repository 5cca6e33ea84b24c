//! `Checkpoint::bytes()` (what the checkpoints' memory budget counts, src/session/checkpoints.rs)
//! against an allocator's count: the bytes a checkpoint holds of its own (what dropping it
//! frees), young (3,000 events after it was taken: it still shares the checker's unfolded
//! operations with the run) and old (a run's length later, or after the run finished, alone:
//! `Checkpoint::bytes_alone`, with the checker's frontiers), in a run whose operations queue up
//! behind their keys and in one with few in flight; an old copy that fails names its parts
//! (`Checkpoint::drop_measured`). Negative control: the comparison rejects an estimate a third or
//! three times the truth.

#![cfg(not(target_arch = "wasm32"))]

use caspaxos_playground::session::{Recording, Start, UserAction};
use caspaxos_playground::sim::{PartBytes, SimConfig};
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

/// The run both measurements play (see [`measure`]).
fn recording(queued: bool) -> Recording {
    let mut config = SimConfig { proposers: if queued { 2 } else { 3 }, ..SimConfig::default() };
    if !queued {
        config.net.latency_ms_min = 1;
        config.net.latency_ms_max = 5;
    }
    Recording::new(Start::Config(config)).unwrap()
}

/// Its action `i`: an increment of key `k{i % 10}` through proposer `1 + key % 3` (none for the
/// keys of proposer 3 when `queued`: that cluster has two), and 10 ms after every tenth.
fn play(rec: &Recording, i: u64, queued: bool) {
    let key = i % 10;
    if key % 3 != 2 || !queued {
        let invoke = UserAction::Invoke {
            proposer: 1 + (key % 3) as u8,
            key: format!("k{key}"),
            name: "increment".into(),
            input: serde_json::Value::Null,
        };
        rec.act(invoke).unwrap();
    }
    if i % 10 == 9 {
        rec.run_for(10).unwrap();
    }
}

/// Increments on 10 keys, ten every 10 ms (`queued`: 7 of them, through 2 proposers with one
/// round trip (the default), faster than they answer, so thousands wait for their key; else 3
/// proposers and 1–5 ms messages, so few are in flight). Every 2,000 actions: a checkpoint,
/// compared with the allocator's count once the run went 3,000 events on. Returns the
/// (estimate, counted, in flight) of each.
fn measure(queued: bool, actions: u64) -> Vec<(usize, usize, usize)> {
    let rec = recording(queued);
    let mut out = Vec::new();
    let mut held = None;
    for i in 0..actions {
        play(&rec, i, queued);
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

/// One test: the allocator's count is the process's, and tests run in parallel threads.
#[test]
fn a_checkpoints_estimate_is_close_to_what_it_holds_young_and_old() {
    a_young_checkpoints_estimate_is_not_under_what_it_holds();
    an_old_checkpoints_estimate_is_within_twice_what_it_holds();
}

fn a_young_checkpoints_estimate_is_not_under_what_it_holds() {
    for queued in [true, false] {
        let rows = measure(queued, 20_000);
        println!("queued {queued}: (estimate, counted, in flight) {rows:?}");
        assert!(rows.len() >= 8, "{rows:?}");
        if queued {
            assert!(rows.last().unwrap().2 > 3_000, "operations queued up: {rows:?}");
        }
        // Young, a copy still shares the checker's unfolded operations with the run: the
        // estimate counts what it will hold alone once the run folds them (see the old copies'
        // test), so it may be up to five times what the copy holds yet, never under half.
        for &(estimate, counted, in_flight) in &rows {
            close_enough(estimate, counted)
                .or_else(|e| if estimate <= 5 * counted && estimate > counted { Ok(()) } else { Err(e) })
                .unwrap_or_else(|e| panic!("{e} ({in_flight} in flight, queued run: {queued}); all: {rows:?}"));
        }
    }
    // Negative control: the comparison catches estimates off by three times either way.
    let err = close_enough(1_000, 3_000).unwrap_err();
    assert!(err.contains("estimated 1000 bytes, the allocator counted 3000"), "{err}");
    assert!(close_enough(9_000, 3_000).is_err());
}

/// Old copies, one at a time, in a run that keeps no checkpoints of its own (so nothing but the
/// run shares with the copy): each is taken, held while the run goes `age` actions on (past
/// `run_until_idle` for the last), and dropped part by part. Returns (estimate, counted, parts).
fn measure_old(queued: bool, actions: u64, age: u64) -> Vec<(usize, usize, Vec<PartBytes>)> {
    let rec = recording(queued);
    rec.set_checkpoint_spacing(u64::MAX);
    let live = || LIVE.load(Ordering::Relaxed);
    let (mut out, mut held) = (Vec::new(), None);
    let mut measure = |c: caspaxos_playground::sim::Checkpoint| {
        let estimate = c.bytes_alone();
        let parts = c.drop_measured(&live);
        out.push((estimate, parts.iter().map(|p| p.1).sum(), parts));
    };
    for i in 0..actions {
        play(&rec, i, queued);
        if i % age == age / 2 {
            held.take().map(&mut measure);
            held = Some(rec.sim().checkpoint().expect("no task runs"));
        }
    }
    rec.run_until_idle(u64::MAX).unwrap();
    held.take().map(&mut measure);
    out
}

fn an_old_checkpoints_estimate_is_within_twice_what_it_holds() {
    for queued in [false, true] {
        let rows = measure_old(queued, 40_000, 5_000);
        assert!(rows.len() >= 8, "{rows:?}");
        for (estimate, counted, parts) in &rows {
            println!("queued {queued}: estimate {estimate}, counted {counted}: {parts:?}");
            close_enough(*estimate, *counted)
                .unwrap_or_else(|e| panic!("{e} (queued run: {queued}), part by part: {parts:?}"));
        }
    }
}
