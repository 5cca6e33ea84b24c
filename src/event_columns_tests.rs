//! Every row of the columns equals the same fields of the object `events()` gives for that
//! event, over a run with workers, drops, duplicates, a crash, a wipe, a partition and setting
//! changes; a column shifted by one row is caught and named.

use super::*;
use crate::session::{Recording, Start, UserAction};
use crate::sim::{NetConfig, SimConfig, WorkersPlan};
use crate::view::EventsView;
use serde_json::{json, Value as Json};

fn faulty_run() -> Recording {
    let net = NetConfig {
        latency_ms_min: 1,
        latency_ms_max: 10,
        drop_request_rate: 0.05,
        duplicate_rate: 0.05,
        ..NetConfig::default()
    };
    let rec = Recording::new(Start::Config(SimConfig { seed: 7, net, proposers: 3, ..SimConfig::default() })).unwrap();
    let act = |a: UserAction| drop(rec.act(a).expect("a valid action"));
    for round in 0..6 {
        act(UserAction::Workers(WorkersPlan { workers: 5, increments: 20, key: format!("k{}", round % 2) }));
        match round {
            1 => act(UserAction::Crash(Node::Acceptor(2))),
            2 => act(UserAction::Restart(Node::Acceptor(2))),
            3 => act(UserAction::Partition(vec![vec![Node::Proposer(3), Node::Acceptor(1)]])),
            4 => act(UserAction::Heal),
            5 => act(UserAction::Latency(2, 20)),
            _ => {}
        }
        rec.run_for(300).unwrap();
    }
    rec.run_until_idle(10_000_000).unwrap();
    rec
}

/// Row `i` as the fields of an `events()` object it carries (`{ rare }` for an event given whole).
fn decode(c: &EventColumns, i: usize) -> Json {
    let row = &c.rows[i * STRIDE..(i + 1) * STRIDE];
    let text = |f: usize| (row[f] >= 0).then(|| c.strings[row[f] as usize].clone());
    let num = |f: usize| (row[f] >= 0).then_some(row[f] as u64);
    let ballot = |(counter, proposer): (usize, usize)| {
        num(counter).map(|n| json!({ "counter": n, "proposer": format!("p{}", row[proposer]) }))
    };
    let kind = text(KIND).unwrap();
    if row[RARE] >= 0 {
        return json!({ "rare": c.rare[row[RARE] as usize] });
    }
    match kind.as_str() {
        "invoke" => {
            json!({ "at": num(AT), "kind": kind, "op": num(ID), "node": text(NODE), "name": text(WHAT), "key": text(KEY) })
        }
        "return" => json!({ "at": num(AT), "kind": kind, "op": num(ID), "node": text(NODE), "outcome": text(WHAT) }),
        "timeout" => {
            json!({ "at": num(AT), "kind": kind, "node": text(NODE), "phase": text(WHAT), "key": text(KEY), "ballot": ballot(BALLOT) })
        }
        _ => {
            let mut message = json!({ "type": text(WHAT), "key": text(KEY), "ballot": ballot(BALLOT) });
            let other = ballot(OTHER_BALLOT);
            match message["type"].as_str() {
                Some("promise") => message["accepted"] = json!(other.map(|b| json!({ "ballot": b }))),
                Some("conflict") => message["blocking"] = json!(other),
                _ => assert!(other.is_none(), "row {i}: another ballot on a {kind}"),
            }
            let mut out = json!({ "at": num(AT), "kind": kind, "msg": num(ID), "from": text(NODE), "to": text(TO), "sentAt": num(SENT_AT), "message": message });
            if let Some(reason) = text(REASON) {
                out["reason"] = json!(reason);
            }
            out
        }
    }
}

/// The same fields of an `events()` object (`{ rare }`: its index, for the kinds given whole).
fn project(e: &Json, index: usize) -> Json {
    let pick = |o: &Json, names: &[&str]| Json::Object(names.iter().map(|n| (n.to_string(), o[n].clone())).collect());
    match e["kind"].as_str().unwrap() {
        "invoke" => pick(e, &["at", "kind", "op", "node", "name", "key"]),
        "return" => pick(e, &["at", "kind", "op", "node", "outcome"]),
        "timeout" => pick(e, &["at", "kind", "node", "phase", "key", "ballot"]),
        "send" | "duplicate" | "deliver" | "drop" if e.get("parts").is_none() => {
            let mut out = pick(e, &["at", "kind", "msg", "from", "to", "sentAt"]);
            if let Some(reason) = e.get("reason") {
                out["reason"] = reason.clone();
            }
            let m = &e["message"];
            let mut message = pick(m, &["type", "key", "ballot"]);
            match m["type"].as_str() {
                Some("promise") => {
                    message["accepted"] = json!(m["accepted"].get("ballot").map(|b| json!({ "ballot": b })))
                }
                Some("conflict") => message["blocking"] = m["blocking"].clone(),
                _ => {}
            }
            out["message"] = message;
            out
        }
        _ => json!({ "rare": index }),
    }
}

/// The first row that differs from `events()`'s object, named by its seq and both forms.
fn first_difference(c: &EventColumns, objects: &[Json]) -> Option<String> {
    assert_eq!(c.rows.len(), objects.len() * STRIDE, "a row per event");
    (0..objects.len()).find_map(|i| {
        let (got, want) = (decode(c, i), project(&objects[i], i));
        (got != want).then(|| format!("event {i}: columns {got} != events() {want}"))
    })
}

#[test]
fn rows_carry_what_events_returns() {
    let rec = faulty_run();
    let events = rec.events(0, usize::MAX).unwrap();
    let objects = serde_json::to_value(EventsView::of(0, &events)).unwrap();
    let objects = objects.as_array().unwrap();
    let c = EventColumns::of(&events);
    assert_eq!(first_difference(&c, objects), None);
    // The run has what the columns describe and what they give whole.
    let kinds = |rare: bool| {
        let mut k: Vec<&str> = (0..events.len())
            .filter(|&i| (c.rows[i * STRIDE + RARE] >= 0) == rare)
            .map(|i| events[i].kind.name())
            .collect();
        k.sort_unstable();
        k.dedup();
        k
    };
    assert_eq!(kinds(false), ["deliver", "drop", "duplicate", "invoke", "return", "send", "timeout"]);
    assert_eq!(kinds(true), ["crash", "heal", "network", "partition", "restart"]);
    assert!(c.strings.len() < 40, "each string once: {:?}", c.strings);
}

#[test]
fn a_column_shifted_by_one_row_is_caught() {
    let rec = faulty_run();
    let events = rec.events(0, usize::MAX).unwrap();
    let objects = serde_json::to_value(EventsView::of(0, &events)).unwrap();
    let mut c = EventColumns::of(&events);
    // The `sentAt` column one row up: the first message event whose next row has another
    // sentAt is named.
    let n = events.len();
    for i in 0..n - 1 {
        c.rows[i * STRIDE + SENT_AT] = c.rows[(i + 1) * STRIDE + SENT_AT];
    }
    let found = first_difference(&c, objects.as_array().unwrap()).expect("a shifted column differs");
    let first = (0..n - 1)
        .find(|&i| {
            events[i].kind.messages().is_some_and(|m| m.len() == 1) && objects[i]["sentAt"] != objects[i + 1]["sentAt"]
        })
        .unwrap();
    assert!(found.starts_with(&format!("event {first}:")), "{found} (expected event {first})");
    assert_eq!(decode(&c, first)["sentAt"], objects[first + 1]["sentAt"], "the row holds the next event's sentAt");
}

/// A timeout's phase, key and ballot and a drop's reason are carried (outside tester 14: they
/// were -1): a row without them differs from `events()`, and is named.
#[test]
fn timeout_and_drop_rows_carry_their_phase_key_ballot_and_reason() {
    let rec = faulty_run();
    let events = rec.events(0, usize::MAX).unwrap();
    let objects = serde_json::to_value(EventsView::of(0, &events)).unwrap();
    let objects = objects.as_array().unwrap();
    let first =
        |kind: &str| (0..events.len()).find(|&i| objects[i]["kind"] == kind && objects[i].get("parts").is_none());
    for (kind, field, column) in [
        ("timeout", "phase", WHAT),
        ("timeout", "key", KEY),
        ("timeout", "ballot", COUNTER),
        ("drop", "reason", REASON),
    ] {
        let i = first(kind).unwrap_or_else(|| panic!("the run has a {kind}"));
        let mut c = EventColumns::of(&events);
        assert!(decode(&c, i).get(field).is_some_and(|v| !v.is_null()), "{kind} {i} carries its {field}");
        c.rows[i * STRIDE + column] = NONE;
        let found = first_difference(&c, objects).expect("a row without it differs");
        assert!(found.starts_with(&format!("event {i}:")), "{kind} {field}: {found}");
    }
}
