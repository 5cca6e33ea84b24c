//! The compact tape gives back exactly the actions it was given, whatever they are; copies share
//! chunks and never see each other's writes.

use super::tape::{Tape, CHUNK};
use super::{Recorded, UserAction};
use crate::sim::Node;
use serde_json::json;
use std::mem::size_of;

fn invoke(i: u64, name: &str, input: serde_json::Value) -> Recorded {
    let action =
        UserAction::Invoke { proposer: 1 + (i % 3) as u8, key: format!("k{}", i % 13), name: name.into(), input };
    Recorded { steps: 14 * i, at_ms: i / 10, action }
}

/// Every kind of entry, over several chunks: increments, puts (an input), a name no operation
/// has, faults, a jump of steps past a chunk's deltas, and a point before the previous one.
fn mixed(n: u64) -> Vec<Recorded> {
    (0..n)
        .map(|i| match i % 7 {
            0..=2 => invoke(i, "increment", json!(null)),
            3 => invoke(i, "put", json!({ "v": i })),
            4 => invoke(i, "no such operation", json!(null)),
            5 if i % 2 == 0 => Recorded { steps: 14 * i, at_ms: i / 10, action: UserAction::Crash(Node::Acceptor(2)) },
            5 => Recorded { steps: 14 * i + (1 << 33), at_ms: i / 10, action: UserAction::Heal },
            _ => Recorded { steps: 3, at_ms: 1, ..invoke(i, "get", json!(null)) },
        })
        .collect()
}

fn tape_of(actions: &[Recorded]) -> Tape {
    let mut tape = Tape::default();
    actions.iter().for_each(|r| tape.push(r));
    tape
}

#[test]
fn an_entry_is_twelve_bytes() {
    assert_eq!(size_of::<super::tape::Entry>(), 12);
}

#[test]
fn every_action_comes_back_as_it_was_recorded() {
    let actions = mixed(3 * CHUNK as u64 + 17);
    let tape = tape_of(&actions);
    assert_eq!(tape.len(), actions.len());
    assert_eq!(tape.iter().collect::<Vec<_>>(), actions);
    for (i, r) in actions.iter().enumerate() {
        assert_eq!(tape.point(i), (r.steps, r.at_ms), "action {i}");
    }
    // Negative control: the comparison sees one changed input.
    let mut other = actions.clone();
    other[3] = invoke(3, "put", json!({ "v": 4 }));
    assert_ne!(tape_of(&other).iter().collect::<Vec<_>>(), actions);
}

#[test]
fn copies_share_chunks_and_writes_to_one_leave_the_other_alone() {
    let actions = mixed(2 * CHUNK as u64 + 100);
    let whole = tape_of(&actions);
    let cut = CHUNK + 50;
    let (mut head, rest) = (whole.truncated(cut), whole.from(cut));
    assert_eq!((head.len(), rest.len(), rest.first()), (cut, actions.len() - cut, cut));
    assert_eq!(rest.iter().collect::<Vec<_>>(), actions[cut..]);
    // A fork: the head goes its own way from `cut`.
    let fork = invoke(1, "delete", json!(null));
    head.push(&fork);
    assert_eq!(head.get(cut), fork);
    assert_eq!(whole.get(cut), actions[cut], "the chunk was copied, not written");
    assert_eq!(whole.iter().collect::<Vec<_>>(), actions);
    // Playing the rest back onto a cut shares its chunks: the same numbers, the same chunks.
    let mut played = whole.truncated(cut);
    played.extend_from(&rest, cut, whole.len());
    assert!(played.shares_chunks_with(&whole), "played back without copies");
    assert_eq!(played.iter().collect::<Vec<_>>(), actions);
    // Negative control: appended at other numbers, the actions are copied (still equal).
    let mut shifted = whole.truncated(cut - 1);
    shifted.extend_from(&rest, cut, whole.len());
    assert!(!shifted.shares_chunks_with(&whole));
    assert_eq!(shifted.iter().collect::<Vec<_>>(), [&actions[..cut - 1], &actions[cut..]].concat());
}

#[test]
fn a_tape_taken_off_its_front_keeps_its_numbers() {
    let actions = mixed(CHUNK as u64 + 3);
    let mut tape = tape_of(&actions);
    for (i, r) in actions.iter().enumerate().take(CHUNK + 1) {
        assert_eq!(tape.front_point(), Some((r.steps, r.at_ms)));
        assert_eq!(tape.pop_front(), Some(i));
        assert_eq!(tape.get(i), *r, "an action taken off is still readable");
    }
    assert_eq!(tape.len(), 2);
    let last = actions.last().unwrap();
    assert_eq!(tape.back_point(), Some((last.steps, last.at_ms)));
}

/// A session of several chunks of increments and a few rare actions between them.
#[cfg(not(target_arch = "wasm32"))]
fn long_recording() -> super::Recording {
    use super::{Recording, Start};
    let config = crate::sim::SimConfig { proposers: 3, ..Default::default() };
    let rec = Recording::new(Start::Config(config)).unwrap();
    rec.set_checkpoint_spacing(4_096);
    for part in 0..4 {
        super::test_workload::play_increments(&rec, CHUNK as u64 + 300, |i| 5 + i % 7);
        let put = UserAction::Invoke { proposer: 2, key: "p".into(), name: "put".into(), input: json!(part) };
        rec.act(put).unwrap();
        rec.act(UserAction::Latency(1, 3 + part)).unwrap();
    }
    rec.run_until_idle(u64::MAX).unwrap();
    rec
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_long_session_exports_replays_and_seeks_to_the_same_run() {
    let rec = long_recording();
    let (session, hash) = (rec.session(), rec.event_log_hash().unwrap());
    assert_eq!(session.actions.len(), 4 * (CHUNK + 300 + 2));
    // Export and import: the same actions; a link too.
    let text = rec.session_text();
    assert_eq!(super::from_json(&serde_json::from_str(&text).unwrap()).unwrap(), session);
    assert_eq!(super::decode_link(&super::encode_link(&session)).unwrap(), session);
    // Replayed, and sought at a few points then played on: the same log.
    assert_eq!(session.replay().unwrap().event_log_hash().unwrap(), hash);
    let end_ms = rec.sim().now();
    for until in [0, end_ms / 3, end_ms / 2, 2 * end_ms / 3, u64::MAX] {
        let sought = rec.seek_until(until).unwrap();
        sought.run_until_idle(u64::MAX).unwrap();
        assert_eq!(sought.event_log_hash().unwrap(), hash, "sought to {until} ms and played on");
        assert_eq!(sought.session(), session, "its session");
    }
    // Negative control: one action moved to another key is another run (whose later actions no
    // longer replay at their points, or replay to another log).
    let mut other = session.clone();
    if let UserAction::Invoke { key, .. } = &mut other.actions[CHUNK + 5].action {
        *key = "elsewhere".into();
    }
    let other_hash = other.replay().and_then(|r| r.event_log_hash());
    assert!(!matches!(other_hash, Ok(h) if h == hash), "another run: {other_hash:?}");
}
