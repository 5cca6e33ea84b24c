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
            0 | 1 | 2 => invoke(i, "increment", json!(null)),
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
