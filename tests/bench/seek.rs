//! `./build.sh bench` (native part): `Recording::seek_until` (what `Cluster.seek` runs) in the
//! page's 100,000-action session (10 keys, 3 proposers, each key through one, latency 1–5 ms, ten
//! increments then 10 ms), to the start, the middle, the end and random points: min / median /
//! max, and how far each replays from its checkpoint. Run: `cargo bench --bench seek`.

use caspaxos_playground::session::{Recording, Start, UserAction};
use caspaxos_playground::sim::{NetConfig, Rng, SimConfig};
use std::time::Instant;

/// Actions in the session, as the page's scale tests make them.
const ACTIONS: u64 = 100_000;

fn page_session() -> Recording {
    let net = NetConfig { latency_ms_min: 1, latency_ms_max: 5, ..NetConfig::default() };
    let config = SimConfig { proposers: 3, net, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    for i in 0..ACTIONS {
        let key = i % 10;
        let invoke = UserAction::Invoke {
            proposer: 1 + (key % 3) as u8,
            key: format!("k{key}"),
            name: "increment".into(),
            input: serde_json::Value::Null,
        };
        rec.act(invoke).expect("a valid action");
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
    let t = Instant::now();
    let rec = page_session();
    let (end, steps) = (rec.sim().now(), rec.sim().steps());
    let points = rec.checkpoint_points();
    println!(
        "seek: a {ACTIONS}-action session, {} events, {steps} steps, {end} ms, built in {:.1} s; {} checkpoints, the last at step {}",
        rec.sim().event_count(),
        t.elapsed().as_secs_f64(),
        points.len(),
        points.last().map_or(0, |p| p.0)
    );
    let mut rng = Rng::new(5);
    let mut targets: Vec<(&str, u64)> = vec![("start", 0), ("middle", end / 2), ("end", end)];
    targets.extend((0..20).map(|_| ("random", rng.below(end + 1))));
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
        "  seek, {} points (start, middle, end, 20 random): the first {} ms; again {} ms",
        targets.len(),
        stats(first),
        stats(again)
    );
    // A slider dragged: 40 seeks 0.25 % of the run apart, forward then back, from a random point
    // in a fresh session (no checkpoint left by an earlier seek).
    let rec = page_session();
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
