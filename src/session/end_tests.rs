//! A session's end (format 2): where the run stood when it was taken. Time run after the last
//! action is part of the run, so a session reopened without a point lands where it was taken —
//! not at its last action (outside tester's F7) — through a document and a link alike; sessions
//! of format 1 (no end) still end at their last action.

use super::*;
use crate::sim::SimConfig;
use serde_json::json;

fn increment(proposer: ProposerId, key: &str) -> UserAction {
    UserAction::Invoke { proposer, key: key.into(), name: "increment".into(), input: json!(null) }
}

/// A run whose clock went on well past its last action (500 ms idle after its operations), with
/// three actions at one point in the middle.
fn run_past_its_last_action() -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { seed: 11, proposers: 2, ..SimConfig::default() })).unwrap();
    rec.act(increment(1, "a")).unwrap();
    rec.run_for(20).unwrap();
    for action in [increment(2, "b"), UserAction::DropRate(0.25), increment(1, "a")] {
        rec.act(action).unwrap();
    }
    rec.run_until_idle(1_000_000).unwrap();
    rec.run_for(500).unwrap();
    rec
}

fn last_action_point(s: &Session) -> Point {
    let last = s.actions.last().expect("actions");
    Point { steps: last.steps, at_ms: last.at_ms }
}

#[test]
fn a_session_ends_where_it_was_taken_through_a_document_and_a_link() {
    let rec = run_past_its_last_action();
    let session = rec.session();
    let here = rec.point();
    assert_eq!(session.end, Some(here));
    assert!(here.at_ms >= last_action_point(&session).at_ms + 500, "{here:?}");
    let text = rec.session_text();
    assert!(text.contains(&format!(r#""end":{{"steps":{},"at":{}}}"#, here.steps, here.at_ms)), "{text}");
    let hash = rec.event_log_hash().unwrap();
    let state = crate::view::state(rec.sim());
    let from_document = from_json(&crate::json_text::parse(&text).unwrap()).unwrap();
    let from_link = decode_link(&encode_link(&session)).unwrap();
    for (how, reopened) in [("document", from_document), ("link", from_link)] {
        assert_eq!(reopened, session, "{how}");
        let replay = reopened.replay().unwrap();
        assert_eq!(replay.point(), here, "{how}: reopened without a point, it lands where it was taken");
        assert_eq!(replay.event_log_hash().unwrap(), hash, "{how}");
        assert_eq!(crate::view::state(replay.sim()), state, "{how}");
    }
    // Negative control: without its end (a session of format 1) it lands at its last action, a
    // point these checks tell apart from where the run was taken.
    let old = Session { end: None, ..session.clone() };
    let replay = old.replay().unwrap();
    assert_eq!(replay.point(), last_action_point(&session));
    assert_ne!(replay.point(), here);
    assert_ne!(replay.event_log_hash().unwrap(), hash);
}

#[test]
fn seek_without_a_point_lands_at_the_whole_runs_end() {
    let rec = run_past_its_last_action();
    let here = rec.point();
    assert_eq!(rec.seek_until(u64::MAX).unwrap().point(), here, "the run itself: here");
    // A cluster sought back, its actions still on its tape, knows where the run ended.
    let back = rec.seek_until(5).unwrap();
    assert!(back.tape().0 > 0);
    assert_eq!(back.seek_until(u64::MAX).unwrap().point(), here);
    // Replayed from its document to 0 ms: the same.
    let opened = rec.session().replay_until(0).unwrap();
    assert_eq!(opened.seek_until(u64::MAX).unwrap().point(), here);
    // A fork goes its own way: its end is wherever it stands.
    opened.act(UserAction::Heal).unwrap();
    assert_eq!(opened.seek_until(u64::MAX).unwrap().point(), opened.point());
    // Negative control: a session of format 1 opened with its actions on the tape ends at its
    // last action.
    let old = Session { end: None, ..rec.session() };
    let opened = old.replay_until(0).unwrap();
    assert_eq!(opened.seek_until(u64::MAX).unwrap().point(), last_action_point(&old));
}

/// Several actions at one point: the point stands after all of them (they happened between the
/// same two events at the same time), so seeking to it applies every one.
#[test]
fn a_point_several_actions_share_stands_after_all_of_them() {
    let rec = run_past_its_last_action();
    let session = rec.session();
    let shared = &session.actions[1];
    let at_it: Vec<_> = session.actions.iter().filter(|a| (a.steps, a.at_ms) == (shared.steps, shared.at_ms)).collect();
    assert_eq!(at_it.len(), 3, "three actions share the point");
    let sought = rec.seek_to_point(shared.steps, shared.at_ms).unwrap();
    assert_eq!(sought.session().actions.len(), 4, "every action at the point is applied");
    assert_eq!(sought.tape().0, 0);
}

#[test]
fn an_end_before_the_last_action_is_refused() {
    let session = run_past_its_last_action().session();
    let last = last_action_point(&session);
    for end in [Point { steps: last.steps - 1, ..last }, Point { at_ms: last.at_ms - 1, ..last }] {
        let bad = Session { end: Some(end), ..session.clone() };
        let e = from_json(&bad.to_json()).unwrap_err().message;
        assert!(e.contains("the session's end") && e.contains("is before its last action"), "{e}");
        // A link holds the end as a distance after the last action: it cannot say one before it.
        let end = decode_link(&encode_link(&bad)).unwrap().end.unwrap();
        assert!(end.steps >= last.steps && end.at_ms >= last.at_ms, "{end:?}");
    }
    // Control: at the last action itself, it opens.
    let at_last = Session { end: Some(last), ..session };
    assert_eq!(from_json(&at_last.to_json()).unwrap(), at_last);
}

#[test]
fn a_document_end_is_checked_like_every_field() {
    let mut doc = run_past_its_last_action().session().to_json();
    for (end, says) in [
        (json!({ "steps": -1, "at": 0 }), "end.steps must be an integer"),
        (json!({ "steps": 1e16, "at": 0 }), "end.steps must be an integer"),
        (json!({ "steps": 9, "at": 0, "extra": 1 }), "end has an unknown field \"extra\""),
        (json!({ "steps": 9 }), "end.at is missing"),
        (json!(3), "end must be an object"),
    ] {
        doc["end"] = end.clone();
        let e = from_json(&doc).unwrap_err().message;
        assert!(e.contains(says), "{end}: {e}");
    }
    // Control: without an end (format 1's documents), it opens.
    doc.as_object_mut().unwrap().remove("end");
    assert_eq!(from_json(&doc).unwrap().end, None);
}
