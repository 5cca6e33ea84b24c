//! A sought run's checker is the un-sought run's: `check()` after a seek (restored from a
//! checkpoint, its ledger copied with it, then replayed) gives the same report — verdicts,
//! violation, oracles, search steps counted, operations folded — as a replay from the start to
//! the same point, at every checkpoint and 1 ms either side, at the edges of the event window
//! and at random points, in a queued run whose keys fold thousands of operations and in a
//! broken run with a violation. Negative control: a checkpoint whose ledger counts one search
//! step more is caught, and named.

use super::test_workload::play_increments;
use super::*;
use crate::checker::{check_run, Report, DEFAULT_STEP_BUDGET};
use crate::sim::{Rng, SimConfig};

/// What the sought run and the replay must agree on: the log's hash, the point, and the report.
fn checked(rec: &Recording) -> (u64, u64, u64, Report) {
    let sim = rec.sim();
    (rec.event_log_hash().unwrap(), sim.steps(), sim.now(), check_run(sim, DEFAULT_STEP_BUDGET))
}

/// Ten increments every 10 ms on 7 keys through 2 proposers (faster than the cluster answers:
/// operations queue, keys fold often), `breaks` applied first; a window of two chunks, so the
/// window's edges fall inside the run; checkpoints every 256 steps.
fn run(actions: u64, breaks: Option<Breaks>) -> Recording {
    let config = SimConfig { proposers: 2, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).unwrap();
    rec.set_event_window(Some(2 * 4096));
    rec.set_checkpoint_spacing(256);
    if let Some(b) = breaks {
        rec.act(UserAction::Break(b)).unwrap();
        rec.act(UserAction::DropRate(0.2)).unwrap();
    }
    play_increments(&rec, actions, |i| if i % 200 < 100 { 10 } else { 1 });
    rec
}

/// The points to seek to: each checkpoint's time and 1 ms either side, the times of the events
/// on either side of the window's left edge, and random times.
fn points(rec: &Recording, seed: u64) -> Vec<u64> {
    let mut out: Vec<u64> =
        rec.checkpoint_points().iter().flat_map(|&(_, t)| [t.saturating_sub(1), t, t + 1]).collect();
    let edge = rec.sim().trace().first_held();
    assert!(edge > 0, "the window's edge is inside the run");
    out.extend(rec.events(edge - 1, 2).unwrap().iter().map(|e| e.at));
    let (end, mut rng) = (rec.sim().now(), Rng::new(seed));
    out.extend((0..40).map(|_| rng.below(end + 1)));
    out
}

/// Seeks to every point of [`points`] and compares with a replay from the start; returns the
/// first difference, if any.
fn first_difference(rec: &Recording, seed: u64) -> Option<String> {
    let whole = rec.whole_session();
    for until in points(rec, seed) {
        let (a, b) = (checked(&rec.seek_until(until).unwrap()), checked(&whole.replay_until(until).unwrap()));
        if a != b {
            let field = if a.3.steps != b.3.steps {
                format!("search steps {} vs {}", a.3.steps, b.3.steps)
            } else {
                format!("{a:?} vs {b:?}")
            };
            return Some(format!("at {until} ms: {field}"));
        }
    }
    None
}

#[test]
fn a_sought_runs_check_equals_the_unsought_runs_at_checkpoints_window_edges_and_random_points() {
    let rec = run(3_000, None);
    let report = check_run(rec.sim(), DEFAULT_STEP_BUDGET);
    assert!(report.folded > 400 && report.steps > 0, "keys folded as the run went: {} {}", report.folded, report.steps);
    assert!(rec.checkpoint_points().len() >= 8, "{:?}", rec.checkpoint_points());
    assert_eq!(first_difference(&rec, 3), None);
}

#[test]
fn a_broken_runs_violation_is_the_same_after_a_seek() {
    let rec = run(2_000, Some(Breaks { quorum: Some(1), ..Breaks::default() }));
    let report = check_run(rec.sim(), DEFAULT_STEP_BUDGET);
    assert!(!report.ok && report.violation.is_some(), "the broken run is caught: {report:?}");
    assert_eq!(first_difference(&rec, 5), None);
}

#[test]
fn a_checkpoint_whose_checker_counts_a_step_more_is_caught() {
    let rec = run(1_500, None);
    let (_, at) = rec.checkpoints.borrow_mut().corrupt_checker().expect("a checkpoint");
    let until = at + 1;
    let (a, b) = (checked(&rec.seek_until(until).unwrap()), checked(&rec.whole_session().replay_until(until).unwrap()));
    assert_eq!((a.0, a.1, a.2), (b.0, b.1, b.2), "the same run otherwise");
    assert_eq!(a.3.steps, b.3.steps + 1, "the extra step is what differs");
    let found = first_difference(&rec, 7).expect("the comparison catches it");
    assert!(found.contains("search steps"), "named: {found}");
}
