//! Seeking from checkpoints is replaying from the start, only faster: the same run at every
//! point — random times, random recorded points, each checkpoint's own point and the
//! milliseconds around it — and the same run when played on from there.

use super::*;
use crate::sim::{NetConfig, Rng, SimConfig};
use serde_json::json;

/// A run with faults and operations as a user makes them, checkpointed every 16 events (so the
/// store fills and is thinned out), and the points (steps, time) it passed through.
fn recorded_run(seed: u64) -> (Recording, Vec<(u64, u64)>) {
    let net = NetConfig { latency_ms_min: 1, latency_ms_max: 10, drop_request_rate: 0.05, ..NetConfig::default() };
    let config = SimConfig { seed, net, proposers: 2, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    rec.set_checkpoint_spacing(16);
    let mut rng = Rng::new(seed);
    let mut points = Vec::new();
    for i in 0..240u64 {
        let action = match i % 40 {
            7 => UserAction::Crash(Node::Acceptor(2)),
            19 => UserAction::Restart(Node::Acceptor(2)),
            23 => UserAction::Partition(vec![vec![Node::Proposer(2), Node::Acceptor(3)]]),
            31 => UserAction::Heal,
            _ => UserAction::Invoke {
                proposer: 1 + (i % 2) as u8,
                key: format!("k{}", i % 3),
                name: "increment".into(),
                input: json!(null),
            },
        };
        rec.act(action).expect("a valid action");
        rec.run_for(rng.below(25)).expect("a recorded run plays");
        points.push((rec.sim().steps(), rec.sim().now()));
    }
    rec.run_until_idle(1_000_000).expect("a recorded run plays");
    (rec, points)
}

/// What must be equal between a seek and a replay.
fn fingerprint(rec: &Recording) -> (u64, u64, u64, u64, usize, (usize, Option<u64>)) {
    let sim = rec.sim();
    (
        rec.event_log_hash().unwrap(),
        sim.steps(),
        sim.now(),
        sim.history().len(),
        rec.session().actions.len(),
        rec.tape(),
    )
}

#[test]
fn a_thousand_seeks_from_checkpoints_equal_replays_from_the_start() {
    let (rec, points) = recorded_run(7);
    let checkpoints = rec.checkpoint_points();
    assert!(
        (MAX_CHECKPOINTS / 2..=MAX_CHECKPOINTS).contains(&checkpoints.len()),
        "thinned, not emptied: {checkpoints:?}"
    );
    let whole = rec.whole_session();
    let end_ms = rec.sim().now();
    let mut rng = Rng::new(99);
    let mut until_targets: Vec<u64> = checkpoints.iter().flat_map(|&(_, t)| [t.saturating_sub(1), t, t + 1]).collect();
    until_targets.extend([0, end_ms, end_ms + 10, u64::MAX]);
    while until_targets.len() < 700 {
        until_targets.push(rng.below(end_ms + 20));
    }
    for (i, &until) in until_targets.iter().enumerate() {
        let (sought, replayed) = (rec.seek_until(until).unwrap(), whole.replay_until(until).unwrap());
        assert_eq!(fingerprint(&sought), fingerprint(&replayed), "seek to {until} ms");
        if i % 50 == 0 {
            // Playing on from the seek reproduces the rest of the run.
            sought.run_until_idle(1_000_000).unwrap();
            assert_eq!(fingerprint(&sought), fingerprint(&rec), "played on from {until} ms");
        }
    }
    let mut point_targets: Vec<(u64, u64)> = checkpoints.clone();
    while point_targets.len() < 300 {
        point_targets.push(points[rng.below(points.len() as u64) as usize]);
    }
    for (steps, at) in point_targets {
        let (sought, replayed) = (rec.seek_to_point(steps, at).unwrap(), whole.replay_to_point(steps, at).unwrap());
        assert_eq!(fingerprint(&sought), fingerprint(&replayed), "seek to point ({steps}, {at} ms)");
    }
}

#[test]
fn a_seek_starts_from_the_checkpoint_before_it_and_says_so_when_it_cannot() {
    let (rec, _) = recorded_run(3);
    let &(steps, at) = rec.checkpoint_points().last().expect("checkpoints were taken");
    let restored = rec.restore_before((steps, at)).unwrap().expect("a checkpoint at that point");
    assert_eq!((restored.sim().steps(), restored.sim().now()), (steps, at), "restored at the checkpoint itself");
    assert!(rec.restore_before((0, 0)).unwrap().is_none(), "no checkpoint before the first event");
    // A run that cannot be replayed cannot be sought either, and says why.
    rec.invoke_unrecorded(1, "k0", crate::ops::Op::Get);
    let e = rec.seek_until(10).err().expect("refused");
    assert!(e.message.contains("cannot seek"), "{}", e.message);
}

#[test]
fn checkpoints_of_a_long_run_stay_within_the_byte_budget_and_the_latest_stays() {
    let workload =
        crate::sim::workload::IncrementWorkload { increments: 80_000, log_events: false, ..Default::default() };
    let rec = Recording::from_sim(workload.start());
    rec.set_checkpoint_spacing(2_000);
    rec.run_until_idle(u64::MAX).unwrap();
    let (points, bytes) = (rec.checkpoint_points(), rec.checkpoint_bytes());
    assert!(!points.is_empty() && points.len() <= MAX_CHECKPOINTS);
    assert!(bytes <= BYTE_BUDGET, "{bytes} bytes in {} checkpoints", points.len());
    // Thinned by halves from over the budget: more than a quarter of it stays.
    assert!(points.len() >= MAX_CHECKPOINTS / 2 || bytes > BYTE_BUDGET / 4, "the budget is used, not wasted: {bytes}");
    let last = points.last().unwrap().0;
    assert!(rec.sim().steps() - last <= 2 * 2_000 * 128, "a recent checkpoint stays");
}

/// A run of `actions` increments that takes no checkpoints: a seek replays from its start, or
/// copies where it stands.
fn run_without_checkpoints(seed: u64, actions: u64) -> Recording {
    let config = SimConfig { seed, proposers: 2, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    rec.set_checkpoint_spacing(u64::MAX);
    for i in 0..actions {
        let key = format!("k{}", i % 3);
        let invoke =
            UserAction::Invoke { proposer: 1 + (i % 2) as u8, key, name: "increment".into(), input: json!(null) };
        rec.act(invoke).expect("a valid action");
        rec.run_for(5).expect("a recorded run plays");
    }
    rec.run_until_idle(1_000_000).expect("a recorded run plays");
    rec
}

/// The run a fingerprint is of: its log's hash, steps, time, history and actions (not its tape).
fn run_of(rec: &Recording) -> (u64, u64, u64, u64, usize) {
    let f = fingerprint(rec);
    (f.0, f.1, f.2, f.3, f.4)
}

#[test]
fn a_seek_to_where_the_run_stands_or_after_copies_it_instead_of_replaying() {
    let rec = run_without_checkpoints(5, 1000);
    let (whole, end, steps) = (rec.whole_session(), rec.sim().now(), rec.sim().steps());
    assert!(steps / 2 > checkpoints::LANDING_MIN_REPLAY, "a replay to the middle leaves a checkpoint: {steps} events");
    let run = fingerprint(&rec);
    for (until, replayed) in [
        (end, whole.replay_until(end)),
        (end + 10, whole.replay_until(end + 10)),
        (u64::MAX, whole.replay_to_point(steps, end)),
    ] {
        let sought = rec.seek_until(until).unwrap();
        assert_eq!(fingerprint(&sought), fingerprint(&replayed.unwrap()), "seek to {until} ms");
        sought.run_until_idle(1_000_000).unwrap();
        assert_eq!(run_of(&sought).0, run.0, "played on from {until} ms: the same log");
    }
    let sought = rec.seek_to_point(steps, end).unwrap();
    assert_eq!(fingerprint(&sought), fingerprint(&whole.replay_to_point(steps, end).unwrap()), "seek to its point");
    assert_eq!(fingerprint(&rec), run, "the run copied is unchanged");
    assert_eq!(rec.landed_points(), vec![], "no seek replayed: none left a checkpoint");
    // A run opened halfway, the rest of its actions on its tape: a seek to its end copies it
    // there and plays the tape on, to the same run.
    let halfway = whole.replay_until(end / 2).unwrap();
    assert!(halfway.tape().0 > 0, "actions still to play");
    assert_eq!(run_of(&halfway.seek_until(u64::MAX).unwrap()), run_of(&rec), "the opened run sought to its end");
    // Negative control: a seek before where the run stands replays (from the start, here), and
    // the checkpoint it leaves where it lands shows it.
    let back = rec.seek_until(end / 2).unwrap();
    assert_eq!(fingerprint(&back), fingerprint(&halfway), "seek back to the middle");
    assert!(!rec.landed_points().is_empty(), "a replay leaves a checkpoint where it lands");
}
