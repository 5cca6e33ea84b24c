//! Manual delivery in sessions: the user's choices (mode, deliver, drop) are actions on the tape,
//! so a replay, a seek and play on, a share link and a session document all reproduce them.

use super::*;
use crate::ops::Op;
use crate::sim::SimConfig;

/// Dueling proposers steered by hand: p2's prepares first, p1's refused, one dropped, then auto.
fn steered() -> Recording {
    steered_with_checkpoints_every(None)
}

/// [`steered`], taking checkpoints every `spacing` events when given.
fn steered_with_checkpoints_every(spacing: Option<u64>) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 3, ..SimConfig::default() })).unwrap();
    if let Some(events) = spacing {
        rec.set_checkpoint_spacing(events);
    }
    rec.act(UserAction::Delivery(Delivery::Manual)).unwrap();
    for p in [1, 2] {
        let input = Op::Increment.input();
        rec.act(UserAction::Invoke { proposer: p, key: "k".into(), name: "increment".into(), input }).unwrap();
    }
    rec.sim().run_for(3);
    // Held: 0..2 p1's prepares, 3..5 p2's. p2's reach a1 and a2 first, then p1's: refused.
    for id in [3, 0, 4, 1] {
        rec.act(UserAction::Deliver(id)).unwrap();
    }
    rec.act(UserAction::DropMessage(5)).unwrap();
    rec.sim().run_for(4);
    rec.act(UserAction::Delivery(Delivery::Auto)).unwrap();
    rec.run_until_idle(100_000).unwrap();
    rec
}

fn hash(rec: &Recording) -> u64 {
    rec.event_log_hash().unwrap()
}

#[test]
fn the_steered_run_shows_the_conflict_the_user_caused() {
    let rec = steered();
    let log = rec.sim().trace().render();
    assert!(log.contains("a1->p1 conflict k"), "{log}");
    assert!(log.contains("p2->a3 drop (manual) prepare k 1.p2"), "{log}");
    assert_eq!(rec.sim().stats().ok, 2, "both increments end once delivery is automatic again");
}

#[test]
fn a_replay_a_link_and_a_document_reproduce_the_choices() {
    let rec = steered();
    let session = rec.session();
    assert_eq!(session.actions.iter().filter(|r| matches!(r.action, UserAction::Deliver(_))).count(), 4);
    let replayed = session.replay().unwrap();
    replayed.run_until_idle(100_000).unwrap();
    assert_eq!(hash(&replayed), hash(&rec));
    let linked = decode_link(&encode_link(&session)).unwrap();
    assert_eq!(linked, session);
    let document = from_json(&session.to_json()).unwrap();
    assert_eq!(document, session);
}

#[test]
fn seeking_back_and_playing_on_reproduces_the_deliveries() {
    let rec = steered();
    let back = rec.session().replay_until(2).unwrap();
    assert_eq!(back.tape().0, 6, "the four deliveries, the drop and the switch back are still ahead");
    back.run_until_idle(100_000).unwrap();
    assert_eq!(hash(&back), hash(&rec));
}

#[test]
fn seeking_across_a_manual_deliver_from_checkpoints_equals_replaying_and_plays_on_the_same() {
    let rec = steered_with_checkpoints_every(Some(1));
    let whole = rec.session();
    let delivers: Vec<(u64, u64)> = whole
        .actions
        .iter()
        .filter(|r| matches!(r.action, UserAction::Deliver(_)))
        .map(|r| (r.steps, r.at_ms))
        .collect();
    let checkpoints = rec.checkpoint_points();
    let (first, last) = (delivers[0], delivers[delivers.len() - 1]);
    assert!(
        checkpoints.iter().any(|&point| point > first && point < last),
        "a checkpoint between the deliveries, so a seek restores one mid-way: {checkpoints:?}, {delivers:?}"
    );
    let targets = checkpoints.iter().chain(&delivers).flat_map(|&(steps, at)| [(steps, at), (steps + 1, at)]);
    // A point past the run's last event is not in the run (`point_tests.rs`).
    let targets = targets.filter(|&(steps, _)| steps <= rec.sim().steps());
    for (steps, at) in targets {
        let (sought, replayed) = (rec.seek_to_point(steps, at).unwrap(), whole.replay_to_point(steps, at).unwrap());
        let seen = |r: &Recording| (hash(r), r.sim().steps(), r.sim().now(), r.sim().held(), r.tape());
        assert_eq!(seen(&sought), seen(&replayed), "seek to ({steps}, {at} ms)");
        sought.run_until_idle(100_000).unwrap();
        assert_eq!(hash(&sought), hash(&rec), "played on from ({steps}, {at} ms): the same choices, the same run");
    }
}

#[test]
fn a_session_delivering_a_message_that_is_not_waiting_says_so() {
    let mut session = steered().session();
    let first = session.actions.iter().position(|r| matches!(r.action, UserAction::Deliver(_))).unwrap();
    session.actions[first].action = UserAction::Deliver(40);
    let e = session.replay().err().expect("refused");
    assert!(e.message.contains("no message 40 is waiting to be delivered"), "{}", e.message);
}

#[test]
fn links_refuse_an_unknown_action_tag_and_an_unknown_delivery_mode() {
    // Negative controls for the decoder's tags: take a real link and corrupt the tag bytes.
    let session = Session {
        start: Start::Config(SimConfig::default()),
        actions: vec![Recorded { steps: 0, at_ms: 0, action: UserAction::Delivery(Delivery::Manual) }],
        end: None,
    };
    let link = encode_link(&session);
    let bytes = super::link::tests_support::decode_bytes(&link);
    let (tag_at, mode_at) = (bytes.len() - 3, bytes.len() - 2);
    assert_eq!(bytes[tag_at..], [10, 1, 0], "the delivery tag and the manual mode, then no end, end the link");
    for (at, byte, says) in [(tag_at, 120, "unknown action 120"), (mode_at, 2, "unknown delivery mode 2")] {
        let mut bad = bytes.clone();
        bad[at] = byte;
        let e = decode_link(&super::link::tests_support::encode_bytes(&bad)).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
}
