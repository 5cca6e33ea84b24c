//! Same seed and same actions, same event log — byte for byte.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run, Scenario};

fn log_of(seed: u64) -> (String, u64) {
    use caspaxos_playground::sim::{NetConfig, Node, Sim, SimConfig};
    let net = NetConfig { drop_request_rate: 0.1, drop_reply_rate: 0.1, duplicate_rate: 0.1, ..NetConfig::default() };
    let s = Sim::new(SimConfig { seed, net, proposers: 3, ..SimConfig::default() }).unwrap();
    for p in 1..=3 {
        let c = s.client(p);
        s.spawn(async move {
            for _ in 0..20 {
                let _ = c.increment("k").await;
            }
        });
    }
    s.run_for(100);
    s.crash(Node::Acceptor(2)).unwrap();
    s.run_for(100);
    s.restart(Node::Acceptor(2)).unwrap();
    s.run_until_idle(u64::MAX);
    let t = s.trace();
    (t.render(), t.hash())
}

#[test]
fn same_seed_and_actions_give_the_same_event_log() {
    let (a, ha) = log_of(11);
    let (b, hb) = log_of(11);
    assert_eq!(a, b);
    assert_eq!(ha, hb);
    let (c, hc) = log_of(12);
    assert_ne!(a, c, "another seed, another run");
    assert_ne!(ha, hc);
    assert!(a.lines().count() > 500);
}

#[test]
fn fault_scenarios_replay_identically() {
    for seed in [3, 99, 1234] {
        let (x, y) = (run(&Scenario::new(seed)), run(&Scenario::new(seed)));
        assert_eq!(format!("{x:?}"), format!("{y:?}"), "seed {seed}");
    }
}

/// The hash the wasm build must reproduce (tests/web.rs checks the same constant in Chromium).
const REFERENCE_HASH: &str = include_str!("golden/event_log_hash.txt");

#[test]
fn the_reference_run_has_the_golden_event_log_hash() {
    let sim = caspaxos_playground::sim::workload::determinism_reference();
    let hash = format!("{:016x}", sim.trace().hash());
    assert!(sim.trace().events.len() > 1000);
    assert_eq!(
        hash,
        REFERENCE_HASH.trim(),
        "if the protocol changed on purpose, update tests/golden/event_log_hash.txt"
    );
}
