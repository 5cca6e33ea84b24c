//! The hand-written line writer ([`super::trace_text`]) writes what the `fmt` writer it replaced
//! wrote, byte for byte (the golden hashes are of that text): random events of every hot kind,
//! with any integers and any JSON values, against that writer kept here as the reference.

use super::line_text;
use crate::driver::{Outcome, Phase};
use crate::ops::{Register, Val};
use crate::protocol::{Ballot, Reply, Request};
use crate::sim::trace::{DropReason, Event, EventKind, MessageRecord, Msg, MsgRef, Node};
use proptest::prelude::*;
use serde_json::{json, Value as Json};
use std::fmt::{self, Write as _};
use std::rc::Rc;

/// The `fmt` writer the hand-written one replaced (verbatim, for the hot kinds).
fn reference_line(e: &Event) -> String {
    let mut out = String::new();
    let node = |n: Node| match n {
        Node::Acceptor(i) => format!("a{i}"),
        Node::Proposer(i) => format!("p{i}"),
    };
    let msg = |m: &Msg| {
        let mut f = format!("{} {} {}", m.kind(), m.key(), ballot(m.ballot()));
        match m {
            Msg::Request(Request::Accept { value, next_promise, lease_ms, .. }) => {
                write!(f, " ={}", value.value).unwrap();
                if let Some(n) = next_promise {
                    write!(f, " next {}", ballot(*n)).unwrap();
                }
                if let Some(ms) = lease_ms {
                    write!(f, " lease {ms}ms").unwrap();
                }
            }
            Msg::Reply(Reply::Leased { .. }) => f.push_str(" leased"),
            Msg::Reply(Reply::Promise { accepted: Some((b, v)), .. }) => {
                write!(f, " accepted {}={}", ballot(*b), v.value).unwrap()
            }
            Msg::Reply(Reply::Conflict { blocking, .. }) => write!(f, " by {}", ballot(*blocking)).unwrap(),
            _ => {}
        }
        f
    };
    let arrow = |m: &MessageRecord, what: &str| format!("{}->{} {what}{}", node(m.from), node(m.to), msg(&m.msg));
    let envelope = |parts: &[MsgRef], what: &str| {
        let texts: Vec<String> = parts.iter().map(|m| msg(&m.msg)).collect();
        format!(
            "{}->{} {what} envelope of {}: {}",
            node(parts[0].from),
            node(parts[0].to),
            parts.len(),
            texts.join("; ")
        )
    };
    write!(out, "{}ms ", e.at).unwrap();
    let rest = match &e.kind {
        EventKind::Invoke { op, proposer, name, key } => format!("p{proposer} invoke #{op} {name} {key}"),
        EventKind::Return { op, proposer, outcome } => format!("p{proposer} return #{op} {}", outcome.as_str()),
        EventKind::Send { msg } => arrow(msg, ""),
        EventKind::Duplicate { msg } => arrow(msg, "duplicate "),
        EventKind::Deliver { msg } => arrow(msg, "deliver "),
        EventKind::Drop { msg, reason } => arrow(msg, &format!("drop ({}) ", reason.as_str())),
        EventKind::DeliverEnvelope { parts } => envelope(parts, "deliver"),
        EventKind::DropEnvelope { parts, reason } => envelope(parts, &format!("drop ({})", reason.as_str())),
        EventKind::Timeout { proposer, key, ballot: b, phase } => {
            let phase = if *phase == Phase::Prepare { "prepare" } else { "accept" };
            format!("p{proposer} timeout {phase} {key} {}", ballot(*b))
        }
        EventKind::Lease { proposer, key, until } => format!("p{proposer} lease {key} until {until}ms"),
        other => panic!("not a hot kind: {}", other.name()),
    };
    out + &rest
}

fn ballot(b: Ballot) -> impl fmt::Display {
    format!("{}.p{}", b.counter, b.proposer)
}

/// The first event whose lines by `a` and `b` differ: its index and both lines.
fn first_difference(
    events: &[Event],
    a: impl Fn(&Event) -> String,
    b: impl Fn(&Event) -> String,
) -> Option<(usize, String, String)> {
    events.iter().enumerate().map(|(i, e)| (i, a(e), b(e))).find(|(_, x, y)| x != y)
}

fn written(e: &Event) -> String {
    line_text(e)
}

fn any_json() -> impl Strategy<Value = Json> {
    prop_oneof![
        any::<u64>().prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(f64::from_bits).prop_filter("finite", |x| x.is_finite()).prop_map(|x| json!(x)),
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        ".{0,6}".prop_map(Json::String),
        (".{0,3}", any::<i32>()).prop_map(|(k, v)| json!({ k: v, "list": [v, null] })),
    ]
}

fn any_value() -> impl Strategy<Value = Val> {
    any_json().prop_map(|value| Rc::new(Register { value, ..Register::default() }))
}

fn any_ballot() -> impl Strategy<Value = Ballot> {
    (any::<u64>(), any::<u8>()).prop_map(|(c, p)| Ballot::new(c, p))
}

fn any_node() -> impl Strategy<Value = Node> {
    prop_oneof![any::<u8>().prop_map(Node::Acceptor), any::<u8>().prop_map(Node::Proposer)]
}

fn any_msg() -> impl Strategy<Value = Msg> {
    let key = || ".{1,5}".prop_map(|k: String| Rc::from(k.as_str()));
    let lease = proptest::option::of(any::<u64>());
    prop_oneof![
        (key(), any_ballot()).prop_map(|(key, ballot)| Msg::Request(Request::Prepare { key, ballot })),
        (key(), any_ballot(), any_value(), proptest::option::of(any_ballot()), lease).prop_map(
            |(key, ballot, value, next_promise, lease_ms)| {
                Msg::Request(Request::Accept { key, ballot, value, next_promise, lease_ms })
            }
        ),
        (key(), any_ballot(), proptest::option::of((any_ballot(), any_value())))
            .prop_map(|(key, ballot, accepted)| Msg::Reply(Reply::Promise { key, ballot, accepted })),
        (key(), any_ballot()).prop_map(|(key, ballot)| Msg::Reply(Reply::Accepted { key, ballot })),
        (key(), any_ballot()).prop_map(|(key, ballot)| Msg::Reply(Reply::Leased { key, ballot })),
        (key(), any_ballot(), any_ballot()).prop_map(|(key, ballot, blocking)| Msg::Reply(Reply::Conflict {
            key,
            ballot,
            blocking
        })),
    ]
}

fn any_record() -> impl Strategy<Value = MsgRef> {
    (any::<usize>(), any_node(), any_node(), any::<u64>(), any_msg())
        .prop_map(|(id, from, to, sent_at, msg)| MsgRef::new(MessageRecord { id, from, to, sent_at, msg }))
}

fn any_reason() -> impl Strategy<Value = DropReason> {
    prop_oneof![Just(DropReason::Lost), Just(DropReason::Partition), Just(DropReason::Down), Just(DropReason::Manual)]
}

fn any_hot_kind() -> impl Strategy<Value = EventKind> {
    let key = || ".{1,5}".prop_map(|k: String| Rc::from(k.as_str()));
    let outcome = prop_oneof![Just(Outcome::Ok), Just(Outcome::Failed), Just(Outcome::Unknown)];
    let phase = prop_oneof![Just(Phase::Prepare), Just(Phase::Accept)];
    let parts = || proptest::collection::vec(any_record(), 1..4).prop_map(Rc::<[MsgRef]>::from);
    prop_oneof![
        (any::<u64>(), any::<u8>(), key()).prop_map(|(op, proposer, key)| EventKind::Invoke {
            op,
            proposer,
            name: "increment",
            key
        }),
        (any::<u64>(), any::<u8>(), outcome).prop_map(|(op, proposer, outcome)| EventKind::Return {
            op,
            proposer,
            outcome
        }),
        any_record().prop_map(|msg| EventKind::Send { msg }),
        any_record().prop_map(|msg| EventKind::Duplicate { msg }),
        any_record().prop_map(|msg| EventKind::Deliver { msg }),
        (any_record(), any_reason()).prop_map(|(msg, reason)| EventKind::Drop { msg, reason }),
        parts().prop_map(|parts| EventKind::DeliverEnvelope { parts }),
        (parts(), any_reason()).prop_map(|(parts, reason)| EventKind::DropEnvelope { parts, reason }),
        (any::<u8>(), key(), any_ballot(), phase).prop_map(|(proposer, key, ballot, phase)| EventKind::Timeout {
            proposer,
            key,
            ballot,
            phase
        }),
        (any::<u8>(), key(), any::<u64>()).prop_map(|(proposer, key, until)| EventKind::Lease { proposer, key, until }),
    ]
}

fn any_event() -> impl Strategy<Value = Event> {
    (any::<u64>(), any_hot_kind()).prop_map(|(at, kind)| Event { at, kind })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5000, failure_persistence: None, rng_seed: proptest::test_runner::RngSeed::Fixed(crate::PROPTEST_SEED), ..ProptestConfig::default() })]

    #[test]
    fn the_hand_written_line_is_the_fmt_line(events in proptest::collection::vec(any_event(), 1..8)) {
        prop_assert_eq!(first_difference(&events, written, reference_line), None);
    }
}

fn accept(value: Json) -> Event {
    let value = Rc::new(Register { value, ..Register::default() });
    let msg = Msg::Request(Request::Accept {
        key: "k".into(),
        ballot: Ballot::new(3, 1),
        value,
        next_promise: Some(Ballot::new(4, 1)),
        lease_ms: Some(0),
    });
    let record = MessageRecord { id: 0, from: Node::Proposer(1), to: Node::Acceptor(2), sent_at: 0, msg };
    Event { at: 12, kind: EventKind::Deliver { msg: MsgRef::new(record) } }
}

#[test]
fn lines_read_as_the_contract_shows_them() {
    assert_eq!(written(&accept(json!(5))), "12ms p1->a2 deliver accept k 3.p1 =5 next 4.p1 lease 0ms");
    assert_eq!(
        written(&accept(json!(u64::MAX))),
        format!("12ms p1->a2 deliver accept k 3.p1 ={} next 4.p1 lease 0ms", u64::MAX)
    );
    assert_eq!(written(&accept(json!(-1.5))), "12ms p1->a2 deliver accept k 3.p1 =-1.5 next 4.p1 lease 0ms");
    assert_eq!(written(&accept(json!("a\"b"))), r#"12ms p1->a2 deliver accept k 3.p1 ="a\"b" next 4.p1 lease 0ms"#);
    let ret = Event { at: 0, kind: EventKind::Return { op: 10, proposer: 2, outcome: Outcome::Unknown } };
    assert_eq!(written(&ret), "0ms p2 return #10 unknown");
}

#[test]
fn numbers_read_as_display_writes_them_at_every_digit_boundary() {
    let mut edges = vec![0, u64::MAX];
    for digits in 1..20 {
        let p = 10u64.pow(digits);
        edges.extend([p - 1, p, p + 1]);
    }
    for n in edges {
        let ret = Event { at: n, kind: EventKind::Return { op: n, proposer: 1, outcome: Outcome::Ok } };
        assert_eq!(written(&ret), format!("{n}ms p1 return #{n} ok"));
    }
}

/// Negative control: the comparison names the first event a writer gets wrong, with both lines
/// (here a writer that drops a ballot's dot, so the first line with a ballot).
#[test]
fn the_comparison_names_the_first_line_a_writer_gets_wrong() {
    let ret = Event { at: 0, kind: EventKind::Return { op: 10, proposer: 2, outcome: Outcome::Ok } };
    let events = [ret.clone(), accept(json!(5)), ret];
    let dotless = |e: &Event| written(e).replacen("3.p1", "3p1", 1);
    let (index, got, want) = first_difference(&events, dotless, reference_line).expect("a difference");
    assert_eq!(index, 1);
    assert_eq!(got, "12ms p1->a2 deliver accept k 3p1 =5 next 4.p1 lease 0ms");
    assert_eq!(want, "12ms p1->a2 deliver accept k 3.p1 =5 next 4.p1 lease 0ms");
}
