//! Checkpoints kept within a byte budget (checkpoints.rs): in a run whose copies are large
//! (thousands of operations queued behind their keys, as the page makes when actions come faster
//! than the cluster answers), the budget thins them, they stay spread over the run, and a seek
//! from any of them equals a replay from the start, events and all. Negative control: a
//! checkpoint that says one action fewer was recorded before it is caught, and named.

use super::test_workload::play_increments;
use super::*;
use crate::sim::{Event, Rng, SimConfig};

/// Ten increments every 10 ms on 7 keys through 2 proposers (one round trip each): faster than
/// the cluster answers, so operations queue up behind their keys (the page's scale run, small).
/// A window of two chunks, so older events are regenerated; checkpoints every 256 events within
/// `budget` bytes.
fn queued_run(actions: u64, budget: usize) -> Recording {
    let config = SimConfig { proposers: 2, ..SimConfig::default() }; // one round trip by default
    let rec = Recording::new(Start::Config(config)).unwrap();
    rec.set_event_window(Some(2 * 4096));
    rec.set_checkpoint_spacing(256);
    rec.checkpoints.borrow_mut().set_budget(budget);
    play_increments(&rec, actions, |_| 10);
    rec
}

/// What a seek and a replay must agree on: the whole log's hash, the point, the history's
/// length, the tape, and the last events before the point (regenerated or held).
type Fingerprint = (u64, u64, u64, u64, (usize, Option<u64>), Vec<Event>);

fn fingerprint(rec: &Recording) -> Fingerprint {
    let sim = rec.sim();
    let count = sim.event_count();
    let last = rec.events(count.saturating_sub(40), 40).unwrap();
    (rec.event_log_hash().unwrap(), sim.steps(), sim.now(), sim.history().len(), rec.tape(), last)
}

/// The first of the last events where two fingerprints differ, or the field that does.
fn first_difference(a: &Fingerprint, b: &Fingerprint) -> String {
    match a.5.iter().zip(&b.5).position(|(x, y)| x != y) {
        Some(i) => format!("event {}: {} vs {}", i, crate::sim::line(&a.5[i]), crate::sim::line(&b.5[i])),
        None => format!("hash {} vs {}, steps {} vs {}", a.0, b.0, a.1, b.1),
    }
}

#[test]
fn a_byte_budget_thins_large_checkpoints_and_seeks_from_them_equal_replays() {
    let budget = 8 << 20;
    let rec = queued_run(3_000, budget);
    let points = rec.checkpoint_points();
    let (bytes, steps) = (rec.checkpoint_bytes(), rec.sim().steps());
    assert!(rec.sim().history().len() > 2_000, "a queued run");
    assert!(bytes <= budget, "{bytes} bytes in {} checkpoints", points.len());
    assert!(
        points.len() >= 4 && points.len() < MAX_CHECKPOINTS,
        "thinned by the budget, not the count: {}",
        points.len()
    );
    // Evenly spread: no gap wider than twice the narrowest, the last one near the end.
    let gaps: Vec<u64> = points.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let (narrow, wide) = (gaps.iter().min().unwrap(), gaps.iter().max().unwrap());
    assert!(wide <= &(2 * narrow + 64), "spread evenly: {gaps:?}");
    assert!(steps - points.last().unwrap().0 <= 2 * wide, "a recent one stays: {points:?} of {steps}");

    let whole = rec.whole_session();
    let end = rec.sim().now();
    let mut rng = Rng::new(17);
    let mut targets: Vec<u64> = points.iter().flat_map(|&(_, t)| [t, t + 1]).collect();
    while targets.len() < 100 {
        targets.push(rng.below(end + 1));
    }
    for until in targets {
        let (sought, replayed) = (rec.seek_until(until).unwrap(), whole.replay_until(until).unwrap());
        let (a, b) = (fingerprint(&sought), fingerprint(&replayed));
        assert!(a == b, "seek to {until} ms differs from a replay: {}", first_difference(&a, &b));
    }
}

#[test]
fn a_corrupted_checkpoint_is_caught_by_the_seek_oracle() {
    let rec = queued_run(1_500, BYTE_BUDGET);
    let recorded = rec.session().actions.len();
    let corrupted = rec.checkpoints.borrow_mut().corrupt(recorded);
    let (index, (_, at)) = corrupted.expect("a checkpoint taken while actions were still coming");
    assert!(index >= 1, "one sound checkpoint before it");
    // From the corrupted checkpoint (the next one, if any, is past the skipped action's time).
    let until = at + 1;
    let (a, b) =
        (fingerprint(&rec.seek_until(until).unwrap()), fingerprint(&rec.whole_session().replay_until(until).unwrap()));
    assert!(a != b, "a seek from a checkpoint that skips an action must differ");
    let found = first_difference(&a, &b);
    assert!(found.starts_with("event") || found.starts_with("hash"), "named: {found}");
    // A seek before it starts from a sound checkpoint, and agrees.
    let (_, before) = rec.checkpoint_points()[index - 1];
    let (a, b) = (
        fingerprint(&rec.seek_until(before).unwrap()),
        fingerprint(&rec.whole_session().replay_until(before).unwrap()),
    );
    assert!(a == b, "before the corruption: {}", first_difference(&a, &b));
}
