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
    let mut targets: Vec<(String, u64)> =
        [("start", 0), ("middle", end / 2), ("end", end)].iter().map(|&(n, t)| (n.to_string(), t)).collect();
    targets.extend((0..20).map(|_| ("random".to_string(), rng.below(end + 1))));
    let (mut all, mut replayed) = (Vec::new(), Vec::new());
    for (name, until) in &targets {
        let mut ms = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let sought = rec.seek_until(*until).expect("a recorded run seeks");
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            let from = points.iter().rev().find(|p| p.0 <= sought.sim().steps() && p.1 <= *until).map_or(0, |p| p.0);
            replayed.push((sought.sim().steps() - from) as f64);
        }
        if name != "random" {
            println!("  seek to the {name:<6} ({until} ms): {} ms", stats(ms.clone()));
        }
        all.extend(ms);
    }
    println!(
        "  seek, all {} (3 each): {} ms; steps replayed from the checkpoint: {}",
        targets.len(),
        stats(all),
        stats(replayed)
    );
}
