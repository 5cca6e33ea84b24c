//! Exact points (`{ steps, at }`): every point the run stood at can be sought and replayed to (a
//! point names the state after the actions recorded at it, so points are taken after actions);
//! a point the run never stood at is refused, not landed near (the outside tester's issue 9 finding:
//! `seek({ steps: 10, at: 999999 })` made a cluster at a time that never existed, whose next step
//! threw "its actions are out of order"; `{ steps: 1e15, at: 0 }` silently landed at the end).

use super::*;
use crate::sim::{NetConfig, SimConfig};
use serde_json::json;

/// A run steered by hand and by workers, with the points (steps, time) it stood at between actions.
fn run_with_points() -> (Recording, Vec<(u64, u64)>) {
    let net = NetConfig { latency_ms_min: 1, latency_ms_max: 10, drop_request_rate: 0.05, ..NetConfig::default() };
    let rec = Recording::new(Start::Config(SimConfig { seed: 4, net, proposers: 2, ..SimConfig::default() })).unwrap();
    rec.set_checkpoint_spacing(256);
    let mut points = vec![(0, 0)];
    let mut here = |rec: &Recording| points.push((rec.sim().steps(), rec.sim().now()));
    let invoke =
        |key: &str| UserAction::Invoke { proposer: 1, key: key.into(), name: "increment".into(), input: json!(null) };
    rec.act(UserAction::Delivery(Delivery::Manual)).unwrap();
    rec.act(invoke("held")).unwrap();
    rec.run_for(7).unwrap(); // the clock moves; the prepares wait
    rec.act(UserAction::Deliver(0)).unwrap();
    here(&rec);
    rec.act(UserAction::Delivery(Delivery::Auto)).unwrap();
    for round in 0..6 {
        rec.act(UserAction::Workers(WorkersPlan { workers: 4, increments: 20, key: format!("k{}", round % 2) }))
            .unwrap();
        here(&rec);
        rec.run_for(35).unwrap();
        here(&rec);
        rec.step().unwrap();
    }
    rec.run_until_idle(1_000_000).unwrap();
    here(&rec);
    rec.run_for(500).unwrap(); // idle: the clock alone moves
    here(&rec);
    (rec, points)
}

#[test]
fn every_point_the_run_stood_at_is_reached_exactly() {
    let (rec, points) = run_with_points();
    let session = rec.session();
    for &(steps, at) in &points {
        for got in [rec.seek_to_point(steps, at).unwrap(), session.replay_to_point(steps, at).unwrap()] {
            assert_eq!((got.sim().steps(), got.sim().now()), (steps, at), "landed on the point");
            got.run_until_idle(1_000_000).unwrap();
            assert_eq!(got.event_log_hash().unwrap(), rec.event_log_hash().unwrap(), "played on from ({steps}, {at})");
        }
    }
}

#[test]
fn a_point_the_run_never_stood_at_is_refused_with_why() {
    let (rec, points) = run_with_points();
    let (steps, at) = points[4]; // mid-run, events pending
    let end = *points.last().unwrap();
    let next_event = rec.seek_to_point(steps, at).unwrap().sim().next_event_at().expect("a pending event");
    let cases = [
        ((steps, next_event + 1), format!("event {} runs at {next_event} ms, before it", steps + 1)),
        ((steps, 999_999), format!("event {} runs at {next_event} ms", steps + 1)),
        ((end.0 + 1, end.1), format!("it runs {} events", end.0)),
        ((1_000_000_000_000_000, 0), format!("it runs {} events", end.0)),
    ];
    let session = rec.session();
    for ((s, t), why) in cases {
        for result in [rec.seek_to_point(s, t), session.replay_to_point(s, t)] {
            let message = match result {
                Ok(got) => panic!("({s}, {t}) landed at ({}, {})", got.sim().steps(), got.sim().now()),
                Err(e) => e.message,
            };
            assert!(message.contains(&format!("{{ steps: {s}, at: {t} }} is not in the run")), "{message}");
            assert!(message.contains(&why), "({s}, {t}): {message} — expected {why:?}");
        }
    }
    // A time before the clock then is the clock then: where the run stood after those events.
    let got = rec.seek_to_point(steps, 0).unwrap();
    assert_eq!((got.sim().steps(), got.sim().now()), (steps, at), "({steps}, 0) is ({steps}, {at})");
    // The run is untouched and still seeks.
    let got = rec.seek_to_point(steps, at).unwrap();
    assert_eq!((got.sim().steps(), got.sim().now()), (steps, at));
}
