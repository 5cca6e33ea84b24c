//! Envelopes (issue 14 §2, `envelopes: true`): the messages one node sends to one node in one
//! virtual instant travel as one arrival, with one fate. Checked from the event log: each
//! arrival's parts, their order, and that they share their fate — with negative controls that
//! show what the same checks see without envelopes.

#![cfg(not(target_arch = "wasm32"))]

use caspaxos_playground::ops::Op;
use caspaxos_playground::sim::{EventKind, NetConfig, Node, Sim, SimConfig, Trace};
use std::collections::BTreeMap;

fn config(seed: u64, envelopes: bool, drop_rate: f64) -> SimConfig {
    let net = NetConfig { envelopes, drop_request_rate: drop_rate, drop_reply_rate: drop_rate, ..NetConfig::default() };
    SimConfig { proposers: 1, seed, net, ..SimConfig::default() }
}

/// One proposer increments `keys` keys at once, `rounds` times; the simulation, run to the end.
fn many_keys_at_once(config: SimConfig, keys: usize, rounds: usize) -> Sim {
    let sim = Sim::new(config).unwrap();
    for _ in 0..rounds {
        let handles: Vec<_> = (0..keys).map(|k| sim.invoke(1, &format!("k{k}"), Op::Increment)).collect();
        for h in handles {
            let _ = sim.block_on(h);
        }
    }
    sim.run_until_idle(1_000_000);
    sim
}

/// Every arrival of the log: its parts (message indices), and whether it was delivered.
fn arrivals(trace: &Trace) -> Vec<(Vec<usize>, bool)> {
    trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Deliver { msg } => Some((vec![msg.id], true)),
            EventKind::Drop { msg, .. } => Some((vec![msg.id], false)),
            EventKind::DeliverEnvelope { parts } => Some((parts.iter().map(|m| m.id).collect(), true)),
            EventKind::DropEnvelope { parts, .. } => Some((parts.iter().map(|m| m.id).collect(), false)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_envelope_carries_what_one_node_sent_one_node_in_one_instant_in_order() {
    let sim = many_keys_at_once(config(4, true, 0.0), 4, 3);
    let t = sim.trace();
    let all = arrivals(&t);
    let messages = t.messages();
    assert!(all.iter().all(|(parts, _)| parts.len() == 4), "four keys, so four parts in every envelope");
    for (parts, _) in &all {
        let first = &messages[parts[0]];
        for pair in parts.windows(2) {
            assert!(pair[0] < pair[1], "parts in the order sent: {parts:?}");
        }
        for &p in parts {
            let m = &messages[p];
            assert_eq!(
                (m.from, m.to, m.sent_at),
                (first.from, first.to, first.sent_at),
                "one sender, receiver, instant"
            );
        }
    }
    // Parts are handled in order: an acceptor's replies come back in the order of the requests.
    let first_requests = &all[0].0;
    let request_keys: Vec<_> = first_requests.iter().map(|&p| messages[p].msg.key().to_string()).collect();
    let to = messages[first_requests[0]].to;
    let reply = all.iter().find(|(parts, _)| messages[parts[0]].from == to).expect("a reply envelope");
    let reply_keys: Vec<_> = reply.0.iter().map(|&p| messages[p].msg.key().to_string()).collect();
    assert_eq!(reply_keys, request_keys);
    // The line the log shows for one.
    let line = (0..t.events.len()).map(|s| t.line(s)).find(|l| l.contains("deliver envelope")).unwrap();
    assert!(line.contains("p1->a") && line.contains("deliver envelope of 4: prepare k0 "), "{line}");
}

#[test]
fn negative_control_without_envelopes_every_message_arrives_on_its_own() {
    let sim = many_keys_at_once(config(4, false, 0.0), 4, 3);
    let all = arrivals(&sim.trace());
    assert!(all.iter().all(|(parts, _)| parts.len() == 1));
    assert_eq!(all.len() as u64, sim.stats().messages);
}

/// Messages sent at one instant from one node to one node, grouped, with each one's fate.
fn fates_by_instant(trace: &Trace) -> BTreeMap<(u64, Node, Node), Vec<bool>> {
    let mut fate = BTreeMap::new();
    for (parts, delivered) in arrivals(trace) {
        for p in parts {
            fate.entry(p).or_insert(delivered);
        }
    }
    let mut groups: BTreeMap<_, Vec<bool>> = BTreeMap::new();
    let messages = trace.messages();
    for (p, delivered) in fate {
        let m = &messages[p];
        groups.entry((m.sent_at, m.from, m.to)).or_default().push(delivered);
    }
    groups
}

/// Sent together, lost together: the groups with parts of both fates.
fn split_fates(trace: &Trace) -> usize {
    fates_by_instant(trace).values().filter(|f| f.contains(&true) && f.contains(&false)).count()
}

#[test]
fn an_envelopes_parts_are_lost_together() {
    let sim = many_keys_at_once(config(8, true, 0.3), 5, 10);
    let t = sim.trace();
    let lost = arrivals(&t).into_iter().filter(|(parts, delivered)| !delivered && parts.len() > 1).count();
    assert!(lost > 5, "some envelopes of several parts were lost: {lost}");
    assert_eq!(split_fates(&t), 0, "no envelope delivered some parts and lost others");
}

#[test]
fn negative_control_without_envelopes_messages_sent_together_meet_different_fates() {
    let sim = many_keys_at_once(config(8, false, 0.3), 5, 10);
    assert!(split_fates(&sim.trace()) > 5, "each message draws its own loss");
}

#[test]
fn envelopes_cut_deliveries_not_messages_and_the_answers_stay_the_same() {
    let (off, on) = (many_keys_at_once(config(2, false, 0.0), 8, 5), many_keys_at_once(config(2, true, 0.0), 8, 5));
    let (a, b) = (off.stats(), on.stats());
    assert_eq!(a.ok, 40);
    assert_eq!(b.ok, 40);
    assert_eq!(a.deliveries, a.messages, "without envelopes one arrival per message");
    assert!(
        b.deliveries * 8 == b.messages,
        "eight keys: eight messages per envelope ({} / {})",
        b.messages,
        b.deliveries
    );
    for k in 0..8 {
        assert_eq!(on.block_on(on.invoke(1, &format!("k{k}"), Op::Get)).unwrap(), 5);
    }
}

#[test]
fn with_envelopes_the_same_seed_gives_the_same_log_and_the_golden_hash() {
    let (a, b) = (envelopes_reference(), envelopes_reference());
    assert_eq!(a.trace().render(), b.trace().render());
    let hash = format!("{:016x}", a.trace().hash());
    println!("envelopes hash: {hash}");
    assert!(a.trace().events.len() > 1000);
    assert_eq!(hash, include_str!("golden/envelopes_hash.txt").trim(), "regenerate only for an intended change");
    let plain = caspaxos_playground::sim::workload::determinism_reference();
    assert_ne!(a.trace().hash(), plain.trace().hash(), "envelopes and the bound changed the run");
}

/// `determinism_reference`'s actions on five keys with `pipeline: 2, envelopes: true`: the
/// hash tests/web_pipeline.rs must reproduce in Chromium (tests/golden/envelopes_hash.txt).
fn envelopes_reference() -> Sim {
    use caspaxos_playground::driver::DriverConfig;
    let net = NetConfig {
        drop_request_rate: 0.1,
        drop_reply_rate: 0.1,
        duplicate_rate: 0.1,
        envelopes: true,
        ..NetConfig::default()
    };
    let driver = DriverConfig { pipeline: Some(2), ..DriverConfig::default() };
    let sim =
        Sim::new(SimConfig { acceptors: 5, proposers: 3, seed: 2024, net, driver, ..SimConfig::default() }).unwrap();
    for i in 0..30u8 {
        drop(sim.client(i % 3 + 1).increment(&format!("k{}", i % 5)));
        if i == 10 {
            sim.crash(Node::Acceptor(2)).unwrap();
        }
        if i == 20 {
            sim.restart(Node::Acceptor(2)).unwrap();
        }
        sim.run_for(7);
    }
    sim.run_until_idle(1_000_000);
    sim
}

#[test]
fn an_enveloped_session_round_trips_and_seeks_to_the_same_run() {
    use caspaxos_playground::driver::DriverConfig;
    use caspaxos_playground::session::{decode_link, encode_link, from_json, Recording, Start, UserAction};
    let mut config = config(6, true, 0.1);
    config.driver = DriverConfig { pipeline: Some(3), ..DriverConfig::default() };
    let rec = Recording::new(Start::Config(config)).unwrap();
    rec.set_checkpoint_spacing(16);
    for i in 0..40 {
        let key = format!("k{}", i % 6);
        rec.act(UserAction::Invoke { proposer: 1, key, name: "increment".into(), input: serde_json::Value::Null })
            .unwrap();
        rec.run_for(3).unwrap();
    }
    rec.run_until_idle(1_000_000).unwrap();
    let session = rec.session();
    let doc = session.to_json();
    assert_eq!((doc["start"]["envelopes"].clone(), doc["start"]["pipeline"].clone()), (true.into(), 3.into()));
    assert_eq!(from_json(&doc).unwrap(), session);
    assert_eq!(decode_link(&encode_link(&session)).unwrap(), session);
    let replay = session.replay().unwrap();
    replay.run_until_idle(1_000_000).unwrap();
    assert_eq!(replay.sim().trace().hash(), rec.sim().trace().hash());
    for until in [0, 17, 40, 61, 95, 120] {
        let (sought, replayed) = (rec.seek_until(until).unwrap(), session.replay_until(until).unwrap());
        assert_eq!(sought.sim().trace().hash(), replayed.sim().trace().hash(), "until {until} ms");
        sought.run_until_idle(1_000_000).unwrap();
        assert_eq!(sought.sim().trace().hash(), rec.sim().trace().hash(), "played on from {until} ms");
    }
    let mut bad = doc.clone();
    bad["start"]["envelopes"] = "yes".into();
    let e = from_json(&bad).unwrap_err().to_string();
    assert!(e.contains("start.envelopes must be a boolean"), "{e}");
}
