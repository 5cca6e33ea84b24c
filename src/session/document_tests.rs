//! Session documents refuse fields the format does not have, in every object of the document,
//! like the JS constructors refuse unknown options: a misspelt `start.dropRte` is an error that
//! names it, never a default silently used instead.

use super::*;
use serde_json::json;

/// A config start with every optional object, and actions with objects of their own.
fn config_document() -> Json {
    json!({
        "format": "caspaxos-session",
        "version": 1,
        "start": {
            "acceptors": 5, "proposers": 2, "seed": 7,
            "latency": { "min": 1, "max": 9 },
            "dropRate": 0.1, "duplicateRate": 0, "oneRtt": false, "maxAttempts": 10,
            "break": { "quorum": null, "reuseBallot": false, "takeAnyAccepted": false, "blindRetry": false,
                       "disjointQuorums": false, "trustLeases": true },
            "quorums": { "prepare": 3, "accept": 3 },
            "batch": { "max": 4 },
            "leases": { "duration": 50 },
            "pipeline": 2,
        },
        "actions": [
            { "do": "invoke", "proposer": "p1", "key": "k", "op": "put", "input": { "nested": { "any": 1 } },
              "steps": 0, "at": 0 },
            { "do": "partition", "groups": [["a1", "a2"], ["a3"]], "steps": 5, "at": 3 },
            { "do": "break", "break": { "quorum": 2, "reuseBallot": true }, "steps": 9, "at": 4 },
            { "do": "heal", "steps": 12, "at": 6 },
        ],
    })
}

fn fuzz_document() -> Json {
    json!({
        "format": "caspaxos-session",
        "version": 1,
        "start": { "fuzz": { "seed": 3, "acceptors": 3, "proposers": null, "oneRtt": false,
                             "break": { "blindRetry": true }, "wipes": false, "opsPerClient": 2 } },
        "actions": [],
    })
}

/// Every object of `doc` that the format defines (not the values operations take: `input`),
/// with the path its errors name it by.
fn object_paths(doc: &Json) -> Vec<(String, String)> {
    fn walk(v: &Json, pointer: String, path: String, out: &mut Vec<(String, String)>) {
        match v {
            Json::Object(fields) => {
                out.push((pointer.clone(), path.clone()));
                for (k, v) in fields.iter().filter(|(k, _)| k.as_str() != "input") {
                    let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    walk(v, format!("{pointer}/{k}"), sub, out);
                }
            }
            Json::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{pointer}/{i}"), format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, String::new(), String::new(), &mut out);
    out
}

fn with_bogus_field(doc: &Json, pointer: &str) -> Json {
    let mut doc = doc.clone();
    let object = doc.pointer_mut(pointer).and_then(Json::as_object_mut).expect("an object");
    object.insert("bogus".into(), json!(1));
    doc
}

#[test]
fn the_documents_without_unknown_fields_are_read() {
    // The negative control: everything below is refused for its added field only.
    for doc in [config_document(), fuzz_document()] {
        let session = from_json(&doc).unwrap_or_else(|e| panic!("{}: {doc}", e.message));
        assert_eq!(from_json(&session.to_json()).unwrap(), session, "the written document reads back");
    }
}

#[test]
fn an_unknown_field_in_any_object_of_the_document_is_refused_by_its_path() {
    let mut named = Vec::new();
    for doc in [config_document(), fuzz_document()] {
        for (pointer, path) in object_paths(&doc) {
            let e = from_json(&with_bogus_field(&doc, &pointer)).err().unwrap_or_else(|| panic!("{path}.bogus read"));
            let name = if path.is_empty() { "the document" } else { path.as_str() };
            assert_eq!(e.name(), "InvalidArgument");
            assert_eq!(e.message, format!("the session file is malformed: {name} has an unknown field \"bogus\""));
            named.push(path);
        }
    }
    // The walk reached every kind of object the format has.
    let expected = [
        "",
        "start",
        "start.latency",
        "start.break",
        "start.quorums",
        "start.batch",
        "start.leases",
        "actions[0]",
        "actions[1]",
        "actions[2]",
        "actions[2].break",
        "actions[3]",
        "",
        "start",
        "start.fuzz",
        "start.fuzz.break",
    ];
    assert_eq!(named, expected);
}

#[test]
fn the_fields_a_document_may_carry_for_its_reader_or_its_values_are_not_unknown() {
    // The page's export adds `metrics`; an operation's input is a value of any shape.
    let mut doc = config_document();
    doc["metrics"] = json!({ "series": [] });
    doc["actions"][0]["input"]["bogus"] = json!(1);
    assert!(from_json(&doc).is_ok());
    // A config field beside a fuzz start is not read, so it is refused rather than ignored.
    let mut mixed = fuzz_document();
    mixed["start"]["acceptors"] = json!(3);
    assert_eq!(
        from_json(&mixed).unwrap_err().message,
        "the session file is malformed: start has an unknown field \"acceptors\""
    );
}

/// Each action is checked as it is read: the first bad action is the one refused, whatever is
/// wrong with it, before any later one is read (outside tester 13: an unknown operation at the
/// end of a long document was refused only after every action was converted).
#[test]
fn the_first_bad_action_is_refused_before_a_later_one_is_read() {
    let mut doc = config_document();
    doc["actions"][1]["groups"] = json!([["a9"]]); // a node the cluster lacks: a check's error
    doc["actions"][3]["bogus"] = json!(1); // a field the format lacks: a reading's error
    let e = from_json(&doc).unwrap_err().message;
    assert!(e.starts_with("the session's action 1 (at 3ms, after 5 events): "), "{e}");
    // The control: without the first, the later one is read, and refused.
    doc["actions"][1]["groups"] = json!([["a1"]]);
    let e = from_json(&doc).unwrap_err().message;
    assert_eq!(e, "the session file is malformed: actions[3] has an unknown field \"bogus\"");
}
