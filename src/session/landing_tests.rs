//! Checkpoints left by seeks (checkpoints.rs): a seek that replays far leaves copies on its way
//! and where it lands, the next seek nearby starts from them, and every seek still equals a
//! replay from the start.

use super::*;
use crate::sim::{NetConfig, Rng, SimConfig};
use serde_json::json;

/// A run of `actions` increments and a few faults, ten actions then 10 ms; checkpoints every
/// `spacing` events.
fn run(actions: u64, spacing: u64) -> Recording {
    let net = NetConfig { latency_ms_min: 1, latency_ms_max: 5, drop_request_rate: 0.02, ..NetConfig::default() };
    let rec = Recording::new(Start::Config(SimConfig { seed: 11, net, proposers: 3, ..SimConfig::default() })).unwrap();
    rec.set_checkpoint_spacing(spacing);
    for i in 0..actions {
        let action = match i % 500 {
            100 => UserAction::Crash(Node::Acceptor(3)),
            300 => UserAction::Restart(Node::Acceptor(3)),
            _ => UserAction::Invoke {
                proposer: 1 + (i % 3) as u8,
                key: format!("k{}", i % 10),
                name: "increment".into(),
                input: json!(null),
            },
        };
        rec.act(action).unwrap();
        if i % 10 == 9 {
            rec.run_for(10).unwrap();
        }
    }
    rec.run_until_idle(u64::MAX).unwrap();
    rec
}

fn fingerprint(rec: &Recording) -> (u64, u64, u64, usize, (usize, Option<u64>)) {
    let sim = rec.sim();
    (rec.event_log_hash().unwrap(), sim.steps(), sim.now(), rec.session().actions.len(), rec.tape())
}

#[test]
fn a_long_replay_leaves_checkpoints_on_its_way_and_where_it_lands() {
    // No checkpoint kept before the end: a seek replays from the start.
    let rec = run(8_000, u64::MAX / 4);
    let end = rec.sim().now();
    assert!(rec.sim().steps() > 3 * LANDING_SPACING, "a run long enough: {} steps", rec.sim().steps());
    assert!(rec.checkpoint_points().is_empty());
    let sought = rec.seek_until(end * 9 / 10).unwrap();
    let landed = rec.landed_points();
    let target = sought.sim().steps();
    assert!(landed.len() >= 3, "copies on the way and at the point: {landed:?}");
    assert_eq!(landed.last().map(|p| p.0), Some(target), "the last is where the seek landed");
    for pair in landed.windows(2) {
        assert!(pair[1].0 - pair[0].0 <= LANDING_SPACING + 64, "every {LANDING_SPACING} events: {landed:?}");
    }
    // The next seek nearby starts from a landing: its restore point is at most a spacing back.
    let restored = rec.restore_before((target + 500, end)).unwrap().expect("a landing before it");
    assert_eq!(restored.sim().steps(), target, "restored from where the last seek landed");
    let earlier = rec.restore_before((target - 1, end)).unwrap().expect("a landing on the way");
    assert!(target - 1 - earlier.sim().steps() <= LANDING_SPACING, "from a copy taken on the way");
}

#[test]
fn seeks_from_landings_equal_replays_from_the_start_and_the_landings_stay_bounded() {
    let rec = run(4_000, 4_096);
    let whole = rec.whole_session();
    let end = rec.sim().now();
    let mut rng = Rng::new(3);
    let mut until = end / 2;
    for i in 0..120 {
        // A random walk (a dragged slider) with a jump now and then.
        until = if i % 15 == 0 { rng.below(end + 1) } else { (until + rng.below(400)).saturating_sub(200).min(end) };
        let (sought, replayed) = (rec.seek_until(until).unwrap(), whole.replay_until(until).unwrap());
        assert_eq!(fingerprint(&sought), fingerprint(&replayed), "seek {i} to {until} ms");
        assert!(rec.landed_points().len() <= MAX_LANDINGS);
        if i % 40 == 0 {
            sought.run_until_idle(u64::MAX).unwrap();
            assert_eq!(fingerprint(&sought), fingerprint(&rec), "played on from {until} ms");
        }
    }
    assert!(!rec.landed_points().is_empty(), "seeks left checkpoints");
    assert!(rec.checkpoint_bytes() <= 5 * BYTE_BUDGET / 4, "{} bytes", rec.checkpoint_bytes());
    // Negative control: the oracle tells apart two points one millisecond apart.
    let (a, b) = (rec.seek_until(end / 3).unwrap(), whole.replay_until(end / 3 + 1).unwrap());
    let (fa, fb) = (fingerprint(&a), fingerprint(&b));
    assert_ne!((fa.0, fa.2), (fb.0, fb.2), "the hash and the clock differ a millisecond later");
}
