//! A checkpoint's own copies of the message records it refers to (`Rehomed`, src/sim/
//! message_arena.rs: its open chunk's events and its messages in flight no longer pin the run's
//! blocks of records): a seek from it logs the same lines as the run. Negative control: a copied
//! record corrupted in a checkpoint is caught by the log's hash, and the differing line names
//! the message.

use super::test_workload::play_increments;
use super::*;
use crate::sim::SimConfig;

/// Increments on 10 keys through 3 proposers, ten every 10 ms: a windowed log (two chunks, so
/// checkpoints hold an open chunk and the run lets its old blocks go), checkpoints every 2,048
/// events.
fn run(actions: u64) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { proposers: 3, ..SimConfig::default() })).unwrap();
    rec.set_event_window(Some(2 * 4096));
    rec.set_checkpoint_spacing(2048);
    play_increments(&rec, actions, |_| 10);
    rec
}

/// The first line where two logs differ (`None`: the same).
fn first_different_line(a: &Recording, b: &Recording) -> Option<(usize, String, String)> {
    let (a, b) = (a.event_log().unwrap(), b.event_log().unwrap());
    let mut lines = a.lines().zip(b.lines()).enumerate();
    lines.find(|(_, (x, y))| x != y).map(|(i, (x, y))| (i, x.to_string(), y.to_string()))
}

#[test]
fn seeks_from_checkpoints_with_their_own_message_records_log_the_runs_lines() {
    let rec = run(2_000);
    let points = rec.checkpoint_points();
    assert!(points.len() >= 4, "checkpoints taken: {points:?}");
    let whole = rec.whole_session();
    for &(_, at) in points.iter().rev().take(4) {
        let (sought, replayed) = (rec.seek_until(at + 1).unwrap(), whole.replay_until(at + 1).unwrap());
        assert_eq!(sought.event_log_hash().unwrap(), replayed.event_log_hash().unwrap(), "seek to {} ms", at + 1);
        assert_eq!(first_different_line(&sought, &replayed), None, "seek to {} ms", at + 1);
    }
}

#[test]
fn a_corrupted_message_record_in_a_checkpoint_is_caught_and_named() {
    let rec = run(2_000);
    let message = rec.checkpoints.borrow_mut().corrupt_message().expect("a message in flight at the checkpoint");
    let (_, at) = *rec.checkpoint_points().last().unwrap();
    // A millisecond before where the run stands (a seek to its own point copies the run).
    let until = rec.sim().now() - 1;
    let (sought, replayed) = (rec.seek_until(until).unwrap(), rec.whole_session().replay_until(until).unwrap());
    assert!(at < until, "the seek replays from the corrupted checkpoint");
    assert_ne!(sought.event_log_hash().unwrap(), replayed.event_log_hash().unwrap(), "the log's hash catches it");
    let (line, ours, theirs) = first_different_line(&sought, &replayed).expect("a line differs");
    // The corrupted record has its ends swapped: `a1->p2 deliver ...` where the run logged
    // `p2->a1 deliver ...` (its number is not on the line; the ends and the message are).
    let ends = |l: &str| l.split_whitespace().find(|w| w.contains("->")).map(|w| w.to_string());
    let (e1, e2) = (ends(&ours).expect("a message line"), ends(&theirs).expect("a message line"));
    let swapped: Vec<&str> = e2.split("->").collect();
    assert_eq!(e1, format!("{}->{}", swapped[1], swapped[0]), "message {message}, line {line}: {ours} vs {theirs}");
}
