//! Bytes per recorded `increment` call, counted by the allocator (outside tester 13: the tape
//! alone held about 135 B a call, so 1,000,000 calls went over the 128 MB ceiling). A session of
//! increments on 10 keys, recorded by a real run (10 calls every 10 ms, 3 proposers), is put on
//! a replay's tape: the bytes it took, less those of a replay of no actions, per action, at
//! 10,000, 100,000 and 1,000,000 calls, stay under [`BOUND`] (the replay's run is the same
//! as one of no actions: it plays none). Controls: the figure the former
//! representation takes (an `Rc<Recorded>` and its strings per call) is over the bound, and a
//! session of `put`s of 100-byte values counts over 100 B a call (the count sees the tape).

#![cfg(not(target_arch = "wasm32"))]

use caspaxos_playground::session::{Recorded, Recording, Session, Start, UserAction};
use caspaxos_playground::sim::SimConfig;
use serde_json::{json, Value as Json};
use std::mem::size_of;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

#[path = "bench/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::LIVE;

/// Bytes a recorded increment may take.
const BOUND: usize = 24;

/// One measurement at a time: the allocator's count is the whole process's.
static SERIAL: Mutex<()> = Mutex::new(());

fn config() -> SimConfig {
    let mut config = SimConfig { proposers: 3, ..SimConfig::default() };
    config.net.latency_ms_min = 1;
    config.net.latency_ms_max = 5;
    config
}

fn invoke(i: u64, name: &str, input: Json) -> UserAction {
    let key = i % 10;
    UserAction::Invoke { proposer: 1 + (key % 3) as u8, key: format!("k{key}"), name: name.into(), input }
}

/// A session of `calls` actions `action(i)` recorded by a real run, ten every 10 ms from 10 ms.
fn recorded(calls: u64, action: impl Fn(u64) -> UserAction) -> Session {
    let rec = Recording::new(Start::Config(config())).unwrap();
    rec.run_for(10).unwrap();
    for i in 0..calls {
        rec.act(action(i)).unwrap();
        if i % 10 == 9 {
            rec.run_for(10).unwrap();
        }
    }
    rec.session()
}

/// The bytes `session`'s actions take on a replay's tape, less a replay of none's, per action.
fn bytes_per_action(session: Session) -> f64 {
    let calls = session.actions.len();
    let empty = Session { actions: Vec::new(), end: None, ..session.clone() };
    let held = |s: &Session| {
        let before = LIVE.load(Ordering::Relaxed);
        // To its start: every action stays on its tape (none is at 0 ms).
        let rec = s.replay_to_point(0, 0).unwrap();
        let bytes = LIVE.load(Ordering::Relaxed) as isize - before as isize;
        drop(rec);
        bytes
    };
    let (none, all) = (held(&empty), held(&session));
    (all - none) as f64 / calls as f64
}

#[test]
fn a_recorded_increment_takes_under_24_bytes_at_10k_100k_and_1m_calls() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut figures = Vec::new();
    for calls in [10_000, 100_000, 1_000_000] {
        let session = recorded(calls, |i| invoke(i, "increment", Json::Null));
        assert_eq!(session.actions.len() as u64, calls);
        figures.push((calls, bytes_per_action(session)));
    }
    let text: Vec<_> = figures.iter().map(|(calls, bytes)| format!("{calls} calls: {bytes:.1} B a call")).collect();
    eprintln!("recorded increments on the tape: {}", text.join(", "));
    assert!(figures.iter().all(|&(_, bytes)| bytes < BOUND as f64), "over {BOUND} B: {text:?}");
}

#[test]
fn negative_control_the_former_tape_takes_more_than_the_bound() {
    // A deque's slot, an `Rc`'s counts and its `Recorded`, the key's and the name's bytes.
    let former = size_of::<usize>() + 2 * size_of::<usize>() + size_of::<Recorded>() + "k0".len() + "increment".len();
    assert!(former > BOUND, "the former representation took {former} B a call");
}

#[test]
fn negative_control_the_count_sees_what_the_tape_holds() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let value = |i: u64| json!(format!("{i:0>100}"));
    let per_call = bytes_per_action(recorded(10_000, |i| invoke(i, "put", value(i))));
    assert!(per_call > 100.0, "a put of 100 bytes took {per_call:.1} B a call");
}
