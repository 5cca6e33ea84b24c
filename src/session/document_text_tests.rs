//! The session document's text writer ([`super::document_text`]) against the serde_json tree it
//! replaced (kept here as the oracle, as it was on main 195ef54): byte for byte the same text on
//! every kind of start and action, unicode and control characters in keys and values, big values,
//! any float, any point; written from a recording's tape as from a session; and the same text
//! handed out in pieces as whole.

use super::document_text::{document_text, write_document};
use super::tape::Written;
use super::*;
use crate::json_object::{object, set_field};
use crate::sim::fuzz::FuzzOptions;
use crate::sim::{Delivery, Node, Rng, SimConfig, WorkersPlan};
use serde_json::json;

/// The document as serde_json printed it: the oracle.
pub(super) fn serde_text(s: &Session) -> String {
    document(start_json(&s.start), s.end, s.actions.iter().map(recorded_json).collect()).to_string()
}

/// Where two texts first differ, if they do.
fn first_difference(a: &str, b: &str) -> Option<usize> {
    let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    (same < a.len().max(b.len())).then_some(same)
}

/// Asserts the writer's text of `s` is the oracle's, showing where it is not.
fn assert_written_as_serde_wrote(s: &Session, what: &str) {
    let (new, old) = (s.to_text(), serde_text(s));
    if let Some(i) = first_difference(&new, &old) {
        let around = |t: &str| t.get(i.saturating_sub(40)..(i + 40).min(t.len())).map(str::to_owned);
        panic!("{what}: the texts differ at byte {i}: writer {:?}, serde {:?}", around(&new), around(&old));
    }
}

/// Keys and strings with everything JSON escapes (each control character, quote, backslash),
/// what it does not (DEL, U+2028, non-ASCII, astral), and empty.
const STRINGS: [&str; 10] = [
    "k",
    "",
    "κλειδί/ключ/鍵",
    "quote \" backslash \\ slash /",
    "\u{0}\u{1}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{e}\u{1b}\u{1f} ",
    "\u{7f}\u{80}\u{2028}\u{2029}\u{fffd}",
    "emoji 🦀👩‍💻",
    "lock:job",
    "\\u0041 is not unescaped",
    "end\\",
];

fn node(rng: &mut Rng) -> Node {
    match rng.below(2) {
        0 => Node::Acceptor(1 + rng.below(9) as u8),
        _ => Node::Proposer(1 + rng.below(9) as u8),
    }
}

fn text(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(4) {
        s.push_str(STRINGS[rng.below(STRINGS.len() as u64) as usize]);
        if rng.chance(0.3) {
            s.push(char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('x'));
        }
    }
    s
}

/// A float as documents hold rates: thirds, tenths, tiny, whole, extremes.
fn float(rng: &mut Rng) -> f64 {
    match rng.below(6) {
        0 => 0.0,
        1 => 1.0,
        2 => 1.0 / (1 + rng.below(1000)) as f64,
        3 => rng.below(1 << 53) as f64 / (1u64 << 53) as f64,
        4 => 1e-7 * rng.below(100) as f64,
        _ => rng.below(10) as f64 / 10.0,
    }
}

/// A JSON value: nested, any strings as keys and values, numbers of every kind, now and then big.
fn value(rng: &mut Rng, depth: u32) -> Json {
    match rng.below(if depth > 3 { 5 } else { 7 }) {
        0 => Json::Null,
        1 => Json::Bool(rng.chance(0.5)),
        2 => json!(rng.below(u64::MAX)),
        3 => json!(-(rng.below(1 << 53) as i64) + 7),
        4 => json!(float(rng) * 1e3 - 500.0),
        5 => (0..rng.below(4)).map(|_| value(rng, depth + 1)).collect(),
        _ => Json::Object((0..rng.below(4)).map(|_| (text(rng), value(rng, depth + 1))).collect()),
    }
}

fn breaks(rng: &mut Rng) -> Breaks {
    let mut on = || rng.chance(0.5);
    Breaks {
        quorum: None,
        reuse_ballot: on(),
        take_any_accepted: on(),
        blind_retry: on(),
        disjoint_quorums: on(),
        trust_leases: on(),
        erase_without_gc: on(),
        skip_rescan: on(),
        rescan_one_key: on(),
    }
    .with_quorum(rng)
}

impl Breaks {
    fn with_quorum(mut self, rng: &mut Rng) -> Breaks {
        self.quorum = rng.chance(0.5).then(|| 1 + rng.below(5) as u8);
        self
    }
}

/// Action kind `kind` (the match lists every kind: a new one fails to compile here).
fn action(kind: u64, rng: &mut Rng) -> UserAction {
    let p = 1 + rng.below(9) as u8;
    match kind {
        0 => UserAction::Invoke { proposer: p, key: text(rng), name: text(rng), input: value(rng, 0) },
        1 => UserAction::Crash(node(rng)),
        2 => UserAction::Restart(node(rng)),
        3 => UserAction::Wipe(p),
        4 => UserAction::Partition((0..rng.below(4)).map(|_| (0..rng.below(4)).map(|_| node(rng)).collect()).collect()),
        5 => UserAction::Heal,
        6 => UserAction::DropRate(float(rng)),
        7 => UserAction::DuplicateRate(float(rng)),
        8 => UserAction::Latency(rng.below(1 << 40), rng.below(u64::MAX)),
        9 => UserAction::Break(breaks(rng)),
        10 => UserAction::Delivery(if rng.chance(0.5) { Delivery::Auto } else { Delivery::Manual }),
        11 => UserAction::Deliver(rng.below(u64::MAX)),
        12 => UserAction::DropMessage(rng.below(u64::MAX)),
        13 => UserAction::Workers(WorkersPlan {
            workers: 1 + rng.below(64) as usize,
            increments: rng.below(1 << 20) as usize,
            key: text(rng),
        }),
        14 => UserAction::Gc { proposer: p, key: rng.chance(0.5).then(|| text(rng)) },
        15 => UserAction::GcDelay(rng.chance(0.5).then(|| rng.below(1 << 50))),
        16 => UserAction::AddAcceptor,
        17 => UserAction::RemoveAcceptor(p),
        18 => UserAction::AddProposer,
        _ => UserAction::RemoveProposer(p),
    }
}
const KINDS: u64 = 20;

fn start(rng: &mut Rng) -> Start {
    if rng.chance(0.25) {
        let mut o = FuzzOptions::new(rng.below(1 << 53));
        o.acceptors = rng.chance(0.5).then(|| 1 + rng.below(7) as usize);
        o.proposers = rng.chance(0.5).then(|| 1 + rng.below(5) as usize);
        o.driver = breaks(rng).onto(o.driver);
        o.driver.one_rtt = rng.chance(0.5);
        o.wipes = rng.chance(0.5);
        o.ops_per_client = 1 + rng.below(100) as usize;
        return Start::Fuzz(o);
    }
    let mut c = SimConfig {
        acceptors: 1 + rng.below(7) as usize,
        proposers: 1 + rng.below(5) as usize,
        seed: rng.below(1 << 53),
        ..SimConfig::default()
    };
    c.net.latency_ms_min = rng.below(100);
    c.net.latency_ms_max = c.net.latency_ms_min + rng.below(1000);
    c.net.drop_request_rate = float(rng);
    c.net.duplicate_rate = float(rng);
    c.net.envelopes = rng.chance(0.5);
    c.driver = breaks(rng).onto(c.driver);
    c.driver.one_rtt = rng.chance(0.5);
    c.driver.max_attempts = 1 + rng.below(100) as u32;
    c.driver.quorums = rng
        .chance(0.5)
        .then(|| crate::protocol::Quorums { prepare: 1 + rng.below(4) as usize, accept: 1 + rng.below(4) as usize });
    c.driver.batch_max = 1 + rng.below(3) as usize;
    c.driver.lease_ms = rng.chance(0.5).then(|| 1 + rng.below(1000));
    c.driver.clock_drift_ppm = if rng.chance(0.5) { rng.below(100_000) as u32 } else { 0 };
    c.driver.pipeline = rng.chance(0.5).then(|| 1 + rng.below(8) as usize);
    Start::Config(c)
}

/// A session of random starts and actions: the writer does not replay it, so any will do.
fn random_session(seed: u64) -> Session {
    let mut rng = Rng::new(seed);
    let start = start(&mut rng);
    let actions = (0..rng.below(60))
        .map(|_| {
            let kind = rng.below(KINDS);
            Recorded { steps: rng.below(u64::MAX), at_ms: rng.below(1 << 53), action: action(kind, &mut rng) }
        })
        .collect();
    let end = rng.chance(0.7).then(|| Point { steps: rng.below(u64::MAX), at_ms: rng.below(1 << 53) });
    Session { start, actions, end }
}

#[test]
fn random_sessions_are_written_as_serde_wrote_them() {
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 0..2_000 {
        let session = random_session(seed);
        kinds.extend(session.actions.iter().map(|r| super::document::action_name(&r.action)));
        assert_written_as_serde_wrote(&session, &format!("seed {seed}"));
    }
    assert_eq!(kinds.len(), KINDS as usize, "every kind of action was written: {kinds:?}");
}

#[test]
fn every_escape_and_a_big_value_are_written_as_serde_wrote_them() {
    let big = json!({ "text": "x\u{1}\"é".repeat(20_000), "list": (0..5_000).collect::<Vec<u32>>(), "f": [0.1, 1e-7, 1e300, -0.0, 2.5] });
    let mut actions: Vec<Recorded> = STRINGS
        .iter()
        .enumerate()
        .map(|(i, s)| Recorded {
            steps: i as u64,
            at_ms: i as u64,
            action: UserAction::Invoke { proposer: 1, key: (*s).into(), name: (*s).into(), input: json!({ *s: s }) },
        })
        .collect();
    actions.push(Recorded {
        steps: 99,
        at_ms: 99,
        action: UserAction::Invoke { proposer: 2, key: "big".into(), name: "put".into(), input: big },
    });
    for c in (0..=0x7f_u8).map(char::from) {
        let key = format!("{c}");
        actions.push(Recorded {
            steps: 100,
            at_ms: 100,
            action: UserAction::Workers(WorkersPlan { workers: 1, increments: 1, key }),
        });
    }
    let session = Session { start: Start::Config(SimConfig::default()), actions, end: None };
    assert_written_as_serde_wrote(&session, "escapes and a 60 KB value");
    assert!(session.to_text().len() > 100_000, "the value is big");
}

#[test]
fn a_recordings_tape_is_written_as_serde_wrote_its_session() {
    // Compact entries (increments on unicode keys, past one chunk), whole ones (a put's value,
    // faults) and a point that does not fit an entry's deltas.
    let rec = Recording::new(Start::Config(SimConfig { seed: 11, proposers: 3, ..SimConfig::default() })).unwrap();
    for i in 0..2_500u32 {
        let key = STRINGS[i as usize % STRINGS.len()].to_owned();
        let (key, name, input) = match i % 50 {
            7 => (key, "put", json!({ "i": i, "s": "é\n\"" })),
            _ => (format!("{key}{}", i % 13), ["increment", "get", "delete"][i as usize % 3], Json::Null),
        };
        rec.act(UserAction::Invoke { proposer: 1 + (i % 3) as u8, key, name: name.into(), input }).unwrap();
        if i % 500 == 250 {
            rec.act(UserAction::DropRate(1.0 / 3.0)).unwrap();
        }
        rec.sim().run_for(u64::from(i % 3));
    }
    rec.sim().run_for(5_000_000_000);
    rec.act(UserAction::Heal).unwrap();
    let session = rec.session();
    assert!(session.actions.len() > 2_500);
    assert_eq!(rec.session_text(), serde_text(&session), "the tape written as the session");
    assert_written_as_serde_wrote(&session, "the recorded session");
}

#[test]
fn a_one_character_difference_is_caught() {
    let session = random_session(5);
    let text = session.to_text();
    assert_eq!(first_difference(&text, &serde_text(&session)), None);
    // Negative controls: each byte changed (one character), a byte dropped, a byte added.
    for i in (0..text.len()).step_by(7).filter(|&i| text.as_bytes()[i].is_ascii()) {
        let mut bytes = text.clone().into_bytes();
        bytes[i] = if bytes[i] == b'x' { b'y' } else { b'x' };
        let changed = String::from_utf8(bytes).expect("an ASCII byte changed");
        assert_eq!(first_difference(&changed, &text), Some(i), "byte {i} changed");
    }
    assert_eq!(first_difference(&text[..text.len() - 1], &text), Some(text.len() - 1), "the last byte dropped");
    assert_eq!(first_difference(&format!("{text} "), &text), Some(text.len()), "a byte added");
}

#[test]
fn pieces_join_into_the_whole_text() {
    let session = random_session(9);
    let whole = session.to_text();
    for piece in [1, 100, 4096] {
        let mut pieces = Vec::new();
        let bytes =
            write_document(&session.start, session.end, session.actions.iter().map(Written::Whole), piece, &mut |p| {
                pieces.push(p.to_owned())
            });
        assert_eq!((pieces.concat(), bytes), (whole.clone(), whole.len()), "pieces of {piece} bytes");
        // Each piece ends at the first action past the size (a piece is never a whole text's).
        let longest_action = session
            .actions
            .iter()
            .map(|r| Session { actions: vec![r.clone()], ..session.clone() }.to_text().len())
            .max()
            .unwrap();
        assert!(
            pieces.iter().all(|p| p.len() < piece + longest_action + whole.len().min(1024)),
            "pieces of {piece} bytes"
        );
        assert!(pieces.len() > 1, "handed out in pieces");
        // Control: a piece lost is a different text.
        pieces.remove(pieces.len() / 2);
        assert_ne!(pieces.concat(), whole);
    }
    assert_eq!(document_text(&session.start, session.end, session.actions.iter().map(Written::Whole)), whole);
}

// ---- the serde_json writer session() used until this change: the oracle ----

fn document(start: Json, end: Option<Point>, actions: Vec<Json>) -> Json {
    let mut doc = object! { "format": SESSION_FORMAT, "version": SESSION_VERSION, "start": start };
    if let Some(end) = end {
        set_field(&mut doc, "end", object! { "steps": end.steps, "at": end.at_ms });
    }
    set_field(&mut doc, "actions", actions.into());
    doc
}

/// An action as the document writes it: what was done, then its point.
fn recorded_json(r: &Recorded) -> Json {
    let mut a = action_json(&r.action);
    set_field(&mut a, "steps", r.steps.into());
    set_field(&mut a, "at", r.at_ms.into());
    a
}

/// The document's `start`: the configuration, and the options only when they are set (documents
/// made before an option stay as they were).
fn start_json(start: &Start) -> Json {
    let mut json = match start {
        Start::Config(c) => with_quorums(
            c,
            object! {
                "acceptors": c.acceptors,
                "proposers": c.proposers,
                "seed": c.seed,
                "latency": object! { "min": c.net.latency_ms_min, "max": c.net.latency_ms_max },
                "dropRate": c.net.drop_request_rate,
                "duplicateRate": c.net.duplicate_rate,
                "oneRtt": c.driver.one_rtt,
                "maxAttempts": c.driver.max_attempts,
                "break": breaks_json(&Breaks::of(&c.driver)),
            },
        ),
        Start::Fuzz(o) => object! {
            "fuzz": object! {
                "seed": o.seed,
                "acceptors": o.acceptors,
                "proposers": o.proposers,
                "oneRtt": o.driver.one_rtt,
                "break": breaks_json(&Breaks::of(&o.driver)),
                "wipes": o.wipes,
                "opsPerClient": o.ops_per_client,
            }
        },
    };
    if let Start::Config(c) = start {
        if c.driver.batch_max > 1 {
            set_field(&mut json, "batch", object! { "max": c.driver.batch_max });
        }
        if let Some(duration) = c.driver.lease_ms {
            set_field(&mut json, "leases", object! { "duration": duration });
        }
        if c.driver.clock_drift_ppm > 0 {
            set_field(&mut json, "clockDrift", (f64::from(c.driver.clock_drift_ppm) / 1e6).into());
        }
        if let Some(n) = c.driver.pipeline {
            set_field(&mut json, "pipeline", n.into());
        }
        if c.net.envelopes {
            set_field(&mut json, "envelopes", true.into());
        }
    }
    json
}

/// Adds `quorums` to a config start when they are set (documents without it stay as they were).
fn with_quorums(c: &SimConfig, mut start: Json) -> Json {
    if let Some(q) = c.driver.quorums {
        set_field(&mut start, "quorums", object! { "prepare": q.prepare, "accept": q.accept });
    }
    start
}

fn breaks_json(b: &Breaks) -> Json {
    let mut j = object! { "quorum": b.quorum, "reuseBallot": b.reuse_ballot, "takeAnyAccepted": b.take_any_accepted, "blindRetry": b.blind_retry, "disjointQuorums": b.disjoint_quorums };
    // The later switches only when on: documents made before them are unchanged.
    let later = [
        (b.trust_leases, "trustLeases"),
        (b.erase_without_gc, "eraseWithoutGc"),
        (b.skip_rescan, "skipRescan"),
        (b.rescan_one_key, "rescanOneKey"),
    ];
    for (_, name) in later.into_iter().filter(|(on, _)| *on) {
        set_field(&mut j, name, true.into());
    }
    j
}

fn action_json(a: &UserAction) -> Json {
    let node = |n: &Node| Json::from(n.to_string());
    match a {
        UserAction::Invoke { proposer, key, name, input } => {
            object! { "do": "invoke", "proposer": format!("p{proposer}"), "key": key.as_str(), "op": name.as_str(), "input": input.clone() }
        }
        UserAction::Crash(n) => object! { "do": "crash", "node": node(n) },
        UserAction::Restart(n) => object! { "do": "restart", "node": node(n) },
        UserAction::Wipe(a) => object! { "do": "wipe", "node": format!("a{a}") },
        UserAction::Partition(g) => {
            let groups: Vec<Vec<Json>> = g.iter().map(|x| x.iter().map(node).collect()).collect();
            object! { "do": "partition", "groups": groups }
        }
        UserAction::Heal => object! { "do": "heal" },
        UserAction::DropRate(r) => object! { "do": "dropRate", "rate": *r },
        UserAction::DuplicateRate(r) => object! { "do": "duplicateRate", "rate": *r },
        UserAction::Latency(min, max) => object! { "do": "latency", "min": *min, "max": *max },
        UserAction::Break(b) => object! { "do": "break", "break": breaks_json(b) },
        UserAction::Delivery(mode) => object! { "do": "delivery", "mode": mode.as_str() },
        UserAction::Deliver(id) => object! { "do": "deliver", "message": *id },
        UserAction::DropMessage(id) => object! { "do": "dropMessage", "message": *id },
        UserAction::Workers(p) => {
            object! { "do": "workers", "workers": p.workers, "increments": p.increments, "key": p.key.as_str() }
        }
        UserAction::Gc { proposer, key } => {
            object! { "do": "gc", "proposer": format!("p{proposer}"), "key": key.clone() }
        }
        UserAction::GcDelay(ms) => object! { "do": "gcDelay", "ms": *ms },
        UserAction::AddAcceptor => object! { "do": "addAcceptor" },
        UserAction::RemoveAcceptor(a) => object! { "do": "removeAcceptor", "node": format!("a{a}") },
        UserAction::AddProposer => object! { "do": "addProposer" },
        UserAction::RemoveProposer(p) => object! { "do": "removeProposer", "node": format!("p{p}") },
    }
}
