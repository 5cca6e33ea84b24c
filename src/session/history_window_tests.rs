//! A sought run's history window, put back on demand (history_window.rs), is the window a
//! replay from the start holds: at random points, at each checkpoint's point and the
//! millisecond after it, played on from there, and past a whole window of operations (where the
//! records let go are trimmed away as the run goes on). Negative control: a record shared with
//! the run it was sought from, corrupted there, is caught and named.

use super::test_workload::play_increments;
use super::*;
use crate::sim::{Rng, SimConfig, HISTORY_WINDOW};

/// Increments on 7 keys through 2 proposers, faster than the cluster answers (operations queue
/// up behind their keys, as in the page's scale run), checkpoints every 512 events.
fn queued_run(actions: u64) -> Recording {
    let config = SimConfig { proposers: 2, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).unwrap();
    rec.set_checkpoint_spacing(512);
    play_increments(&rec, actions, |i| if i % 1000 < 500 { 10 } else { 40 });
    rec
}

/// The history as the views read it, once complete, with the point: (folded, length, records).
fn history_view(rec: &Recording) -> (u64, u64, serde_json::Value) {
    rec.complete_history().unwrap();
    let sim = rec.sim();
    assert!(sim.history().is_complete());
    let h = sim.history();
    (h.folded(), h.len(), crate::view::history(sim))
}

/// The first record where two history views differ, or what else does.
fn first_difference(a: &(u64, u64, serde_json::Value), b: &(u64, u64, serde_json::Value)) -> String {
    let (x, y) = (a.2.as_array().unwrap(), b.2.as_array().unwrap());
    match x.iter().zip(y).position(|(p, q)| p != q) {
        Some(i) => format!("record {}: {} vs {}", x[i]["id"], x[i], y[i]),
        None => format!("folded {} vs {}, length {} vs {}, records {} vs {}", a.0, b.0, a.1, b.1, x.len(), y.len()),
    }
}

#[test]
fn a_sought_history_put_back_equals_a_replays_at_random_points_and_checkpoint_edges() {
    let rec = queued_run(4_000);
    let points = rec.checkpoint_points();
    assert!(points.len() >= 8, "checkpoints to seek from: {}", points.len());
    let whole = rec.whole_session();
    let end = rec.sim().now();
    let mut rng = Rng::new(23);
    let mut targets: Vec<u64> = points.iter().flat_map(|&(_, t)| [t, t + 1]).collect();
    while targets.len() < points.len() * 2 + 60 {
        targets.push(rng.below(end + 1));
    }
    for until in targets {
        // (The run holds its whole history here: the records come back from it.)
        let sought = rec.seek_until(until).unwrap();
        let (a, b) = (history_view(&sought), history_view(&whole.replay_until(until).unwrap()));
        assert!(a == b, "seek to {until} ms: {}", first_difference(&a, &b));
    }
}

#[test]
fn a_run_played_on_past_a_window_from_a_checkpoint_that_let_records_go_equals_the_run() {
    let rec = queued_run(26_000);
    assert!(rec.sim().history().len() > HISTORY_WINDOW as u64 + 4_000, "more than a window of operations");
    let whole = rec.whole_session();
    let end = rec.sim().now();
    let mut rng = Rng::new(5);
    let (mut incomplete, mut replays) = (0, 0);
    for i in 0..16 {
        let until = rng.below(end + 1);
        let sought = rec.seek_until(until).unwrap();
        // (The run holds only its last window: records before it come back from a replay.)
        incomplete += usize::from(!sought.sim().history().is_complete());
        let (a, b) = (history_view(&sought), history_view(&whole.replay_until(until).unwrap()));
        replays += sought.history_replays();
        assert!(a == b, "seek to {until} ms: {}", first_difference(&a, &b));
        if i % 4 == 0 {
            // Played on without being put back first: the records let go are trimmed away as
            // the window moves on, as the run's were.
            let played = rec.seek_until(until).unwrap();
            played.run_until_idle(u64::MAX).unwrap();
            assert_eq!(played.event_log_hash().unwrap(), rec.event_log_hash().unwrap());
            let (a, b) = (history_view(&played), history_view(&rec));
            assert!(a == b, "played on from {until} ms: {}", first_difference(&a, &b));
        }
    }
    assert!(incomplete >= 4, "checkpoints let records go: {incomplete} seeks had some missing");
    assert!(replays >= 4, "and replays put them back: {replays}");
}

#[test]
fn a_corrupted_shared_record_is_caught_by_the_history_oracle() {
    let rec = queued_run(3_000);
    let whole = rec.whole_session();
    // A seek near the end takes the records its checkpoint let go from the run (which still
    // holds them) instead of replaying; corrupt one of those there.
    let &(steps, at) = rec.checkpoint_points().last().unwrap();
    let sought = rec.seek_to_point(steps, at).unwrap();
    assert_eq!(sought.history_replays(), 0, "shared from the run, not replayed");
    let sought_first = sought.sim().history().folded();
    let corrupted = rec.sim().corrupt_history_record(sought_first + 3);
    assert!(corrupted, "the run holds that record, ended");
    let again = rec.seek_to_point(steps, at).unwrap();
    let (a, b) = (history_view(&again), history_view(&whole.replay_to_point(steps, at).unwrap()));
    assert!(a != b, "a corrupted shared record must be caught");
    let found = first_difference(&a, &b);
    assert!(found.starts_with(&format!("record {}", sought_first + 3)), "named: {found}");
}

/// Operation `id` as `operation(id)` shows it.
fn operation_view(rec: &Recording, id: u64) -> serde_json::Value {
    crate::view::record_by_id(&rec.sim().history(), id as usize)
}

#[test]
fn the_newest_records_put_back_alone_equal_a_replays_and_one_short_is_caught() {
    let rec = queued_run(26_000);
    let whole = rec.whole_session();
    let end = rec.sim().now();
    let mut rng = Rng::new(41);
    let (mut partial, mut caught, mut folded_asked) = (0, 0, 0);
    for _ in 0..20 {
        let until = rng.below(end + 1);
        let replay = whole.replay_until(until).unwrap();
        let len = replay.sim().history().len();
        // The page's results list: the 200 newest operations.
        let newest = len.saturating_sub(200);
        let sought = rec.seek_until(until).unwrap();
        let folded = sought.sim().history().folded();
        if folded > 0 {
            // A record folded away before the window: nothing to put back, none there or in the replay.
            sought.complete_record(folded - 1).unwrap();
            assert_eq!(sought.history_replays(), 0, "seek to {until} ms: a folded record replays nothing");
            assert!(operation_view(&sought, folded - 1).is_null() && operation_view(&replay, folded - 1).is_null());
            folded_asked += 1;
        }
        let was_let_go = !sought.sim().history().let_go_ids(newest).is_empty();
        sought.complete_record(newest).unwrap();
        partial += usize::from(!sought.sim().history().is_complete());
        for id in newest..len {
            assert_eq!(operation_view(&sought, id), operation_view(&replay, id), "seek to {until} ms: operation {id}");
        }
        let (a, b) = (history_view(&sought), history_view(&replay));
        assert!(a == b, "seek to {until} ms, then put back whole: {}", first_difference(&a, &b));
        if was_let_go {
            // Negative control: put back from one record later, operation `newest` is missing.
            let short = rec.seek_until(until).unwrap();
            short.complete_history_from(newest + 1).unwrap();
            let (got, want) = (operation_view(&short, newest), operation_view(&replay, newest));
            assert!(got != want, "one record short must be caught at operation {newest}");
            assert!(got.is_null() && want["id"] == newest, "operation {newest}: {got} vs {want}");
            caught += 1;
        }
    }
    assert!(partial >= 3, "the newest put back alone left older ones let go: {partial} seeks");
    assert!(caught >= 3, "seeks where the newest were let go: {caught}");
    assert!(folded_asked >= 3, "seeks past a window, asked for a folded record: {folded_asked}");
}
