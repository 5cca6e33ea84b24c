//! `./build.sh bench` (native part): `Recording::seek_until` (what `Cluster.seek` runs) in two
//! 100,000-action sessions (10 keys, ten increments then 10 ms): the scale tests' (3 proposers,
//! each key through one, latency 1–5 ms) and the page's own cluster's (2 proposers, one round
//! trip, latency 5–15 ms, keys through p1 and p2 only, as `tests/e2e/bench-seek.mjs` drives it:
//! faster than it answers, so up to 31,000 operations queue behind their keys and each
//! checkpoint holds more). Seeks to the start, the middle, the end and 50 random points: min /
//! median / max, first and again; a slider dragged. Run: `cargo bench --bench seek`
//! (`-- --bytes`: also what a checkpoint holds as the page's run grows, by an allocator's count,
//! beside its estimate).

use caspaxos_playground::session::{Recording, Start, UserAction};
use caspaxos_playground::sim::{NetConfig, Rng, SimConfig};
use std::sync::atomic::Ordering;
use std::time::Instant;

mod counting_alloc;
use counting_alloc::LIVE;

/// Actions in the session, as the page's scale tests make them.
const ACTIONS: u64 = 100_000;
/// Random points sought, besides the start, the middle and the end.
const RANDOM_POINTS: usize = 50;

/// The session (`page`: the page's own cluster's); `bytes`: prints what a checkpoint holds as it
/// grows.
fn session(page: bool, bytes: bool) -> Recording {
    let net = if page {
        NetConfig::default()
    } else {
        NetConfig { latency_ms_min: 1, latency_ms_max: 5, ..NetConfig::default() }
    };
    let config = SimConfig { proposers: if page { 2 } else { 3 }, net, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    let mut held = None;
    for i in 0..ACTIONS {
        let key = i % 10;
        let proposer = 1 + (key % 3) as u8;
        if !page || proposer <= 2 {
            let invoke = UserAction::Invoke {
                proposer,
                key: format!("k{key}"),
                name: "increment".into(),
                input: serde_json::Value::Null,
            };
            rec.act(invoke).expect("a valid action");
        }
        if bytes && i % 10_000 == 5_000 {
            let c = rec.sim().checkpoint().expect("no task");
            held = Some((c.bytes(), rec.sim().pending(), rec.sim().event_count(), c));
        }
        if let Some((estimate, in_flight, events, c)) = held.take_if(|_| i % 10_000 == 6_000) {
            let before = LIVE.load(Ordering::Relaxed);
            drop(c);
            let counted = before - LIVE.load(Ordering::Relaxed);
            println!("  a checkpoint at event {events} ({in_flight} in flight): {counted} bytes a thousand actions later (estimate {estimate})");
        }
        if i % 10 == 9 {
            rec.run_for(10).expect("the run plays");
        }
    }
    rec.run_until_idle(u64::MAX).expect("the run plays");
    rec
}

fn stats(mut xs: Vec<f64>) -> String {
    xs.sort_by(f64::total_cmp);
    format!("min {:.1} / median {:.1} / max {:.1}", xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

fn main() {
    let bytes = std::env::args().any(|a| a == "--bytes");
    for (name, page) in [("the scale tests' session", false), ("the page's own cluster's session", true)] {
        bench(name, page, bytes);
    }
}

/// Seeks in one session: each point's first seek (from the run's own checkpoints, or those
/// earlier seeks left) and two more to it; then a slider dragged in a fresh copy of the session.
fn bench(name: &str, page: bool, bytes: bool) {
    let t = Instant::now();
    let rec = session(page, bytes);
    let (end, steps) = (rec.sim().now(), rec.sim().steps());
    let points = rec.checkpoint_points();
    println!(
        "seek in {name}: {ACTIONS} actions, {} events, {steps} steps, {end} ms, built in {:.1} s; {} checkpoints ({:.1} MB estimated), {} events apart at most",
        rec.sim().event_count(),
        t.elapsed().as_secs_f64(),
        points.len(),
        rec.checkpoint_bytes() as f64 / 1e6,
        points.windows(2).map(|w| w[1].0 - w[0].0).max().unwrap_or(0)
    );
    let mut rng = Rng::new(5);
    let mut targets: Vec<(&str, u64)> = vec![("start", 0), ("middle", end / 2), ("end", end)];
    targets.extend((0..RANDOM_POINTS).map(|_| ("random", rng.below(end + 1))));
    let (mut first, mut again) = (Vec::new(), Vec::new());
    for &(name, until) in &targets {
        let mut ms = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            rec.seek_until(until).expect("a recorded run seeks");
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        if name != "random" {
            println!(
                "  seek to the {name:<6} ({until} ms): the first {:.1} ms, again {:.1} and {:.1} ms",
                ms[0], ms[1], ms[2]
            );
        }
        first.push(ms[0]);
        again.extend_from_slice(&ms[1..]);
    }
    println!(
        "  seek, {} points (start, middle, end, {RANDOM_POINTS} random): the first {} ms; again {} ms",
        targets.len(),
        stats(first),
        stats(again)
    );
    // A slider dragged: 40 seeks 0.25 % of the run apart, forward then back, from a random point
    // in a fresh session (no checkpoint left by an earlier seek).
    let rec = session(page, false);
    let start = rng.below(end * 3 / 4);
    let mut drag = Vec::new();
    for k in (0..20).chain((0..20).rev()) {
        let t = Instant::now();
        rec.seek_until(start + k * end / 400).expect("a recorded run seeks");
        drag.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "  a slider dragged from {start} ms, 40 seeks 0.25 % apart: the first {:.1} ms, then {} ms; {} checkpoints left by seeks",
        drag[0],
        stats(drag[1..].to_vec()),
        rec.landed_points().len()
    );
}
