//! `./build.sh bench` (native part): opening a session document, `from_json` of its parsed JSON
//! and the replay to its end (what `Cluster.fromSession` runs after reading it from JS), at
//! 100,000, 300,000 and 1,000,000 actions: increments all at point 0 (a script's loop: each still
//! pending when the run is opened) and spread over time (ten every 10 ms, at the points a run
//! made them). Three rounds each: min / median / max, and the time per action (linear: the same
//! at every size). The wasm side, where opening was quadratic, is `tests/e2e/bench-import.mjs`.
//! Run: `cargo bench --bench import [-- sizes]` (sizes: comma-separated action counts).

use caspaxos_playground::session::{from_json, Recording, Start, UserAction};
use caspaxos_playground::sim::{NetConfig, SimConfig};
use std::time::Instant;

const ROUNDS: usize = 3;

/// The document of a run of `actions` increments, ten every 10 ms (10 keys, 3 proposers).
fn spread(actions: usize) -> String {
    let net = NetConfig { latency_ms_min: 1, latency_ms_max: 5, ..NetConfig::default() };
    let rec = Recording::new(Start::Config(SimConfig { proposers: 3, net, ..SimConfig::default() })).expect("valid");
    for i in 0..actions {
        let key = i % 10;
        let proposer = 1 + (key % 3) as u8;
        let increment = UserAction::Invoke {
            proposer,
            key: format!("k{key}"),
            name: "increment".into(),
            input: serde_json::Value::Null,
        };
        rec.act(increment).expect("a valid action");
        if i % 10 == 9 {
            rec.run_for(10).expect("the run plays");
        }
    }
    rec.run_until_idle(u64::MAX).expect("the run plays");
    rec.session_text()
}

/// The document of `actions` increments of one key, all at point 0.
fn at_zero(actions: usize) -> String {
    let rec = Recording::new(Start::Config(SimConfig::default())).expect("valid");
    let head = rec.session_text();
    let head = head.strip_suffix("[]}").expect("actions come last");
    let a = r#"{"do":"invoke","proposer":"p1","key":"k","op":"increment","input":null,"steps":0,"at":0}"#;
    format!("{head}[{}]}}", vec![a; actions].join(","))
}

fn stats(mut xs: Vec<f64>) -> String {
    xs.sort_by(f64::total_cmp);
    format!("{:.0} / {:.0} / {:.0}", xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or(vec![100_000, 300_000, 1_000_000], |s| s.split(',').map(|n| n.parse().expect("a size")).collect());
    for (name, make) in [("all at point 0", at_zero as fn(usize) -> String), ("ten every 10 ms", spread)] {
        for &n in &sizes {
            let text = make(n);
            let (mut read, mut replay, mut per_action) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                let t = Instant::now();
                let session = from_json(&doc).expect("a valid document");
                drop(doc);
                let r = t.elapsed().as_secs_f64() * 1e3;
                let t = Instant::now();
                let rec = session.into_replay_until(u64::MAX).expect("it replays");
                let p = t.elapsed().as_secs_f64() * 1e3;
                assert_eq!(rec.session().actions.len(), n);
                read.push(r);
                replay.push(p);
                per_action.push((r + p) * 1e3 / n as f64);
            }
            println!(
                "open {n} increments {name}: from_json {} ms, replay {} ms, together {} µs per action (min / median / max of {ROUNDS})",
                stats(read),
                stats(replay),
                stats(per_action)
            );
        }
    }
}
