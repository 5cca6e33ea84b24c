//! Messages about bad input quote at most a short prefix of it, numbers as JavaScript prints
//! them, and name what they are about (outside tester 14, findings 6 and 7).

use super::*;
use crate::limits::{shown, QUOTED_CHARS};
use serde_json::json;

/// A session document: an increment at 0 ms, a crash of a1 at 3 ms, run to idle.
fn document() -> Json {
    let rec = Recording::new(Start::Config(SimConfig { seed: 1, ..SimConfig::default() })).unwrap();
    rec.act(UserAction::Invoke { proposer: 1, key: "a".into(), name: "increment".into(), input: Json::Null }).unwrap();
    rec.run_for(3).unwrap();
    rec.act(UserAction::Crash(Node::Acceptor(1))).unwrap();
    rec.run_until_idle(1_000_000).unwrap();
    rec.session().to_json()
}

fn refusal(doc: &Json) -> String {
    match from_json(doc).and_then(|s| s.replay().map(drop)) {
        Ok(()) => panic!("the document opened"),
        Err(e) => e.message,
    }
}

#[test]
fn a_quoted_value_is_cut_to_a_short_prefix_with_its_length() {
    let doc = document();
    let mut big_seed = doc.clone();
    big_seed["start"]["seed"] = Json::from("z".repeat(1_000_000));
    let mut big_end = doc.clone();
    big_end["end"] = Json::from(vec![1; 100_000]);
    for (what, bad, total) in [
        ("an array document", Json::Array(vec![doc.clone(); 50]), Json::Array(vec![doc.clone(); 50]).to_string().len()),
        ("a 1 MB seed", big_seed, 1_000_002),
        ("a 100,000-number end", big_end, 200_001),
    ] {
        let e = refusal(&bad);
        println!("{what}: {e}");
        assert!(e.len() < 300, "{what}: {} characters", e.len());
        assert!(e.contains(&format!("… ({total} characters)")), "{what}: {e}");
    }
    // Control: a short value is quoted whole, without a cut.
    let mut short_seed = doc.clone();
    short_seed["start"]["seed"] = Json::from("zz");
    assert!(refusal(&short_seed).ends_with("got \"zz\""), "{}", refusal(&short_seed));
    assert_eq!(shown(&Json::from("y".repeat(QUOTED_CHARS - 2))).chars().count(), QUOTED_CHARS);
}

#[test]
fn numbers_are_quoted_as_javascript_prints_them_and_minus_zero_is_zero() {
    let doc = document();
    let mut big = doc.clone();
    big["start"]["acceptors"] = Json::from(9_007_199_254_740_992.0_f64); // 2**53 read from JS: a float
    let e = refusal(&big);
    assert!(e.ends_with("got 9007199254740992"), "{e}");
    let mut negative = doc.clone();
    negative["start"]["acceptors"] = Json::from(-1.5_f64);
    assert!(refusal(&negative).ends_with("got -1.5"), "{}", refusal(&negative));
    // `at: -0` (JSON.stringify(-0) is "0") opens as `at: 0`.
    let mut minus_zero = doc.clone();
    minus_zero["actions"][0]["at"] = Json::from(-0.0_f64);
    assert_eq!(from_json(&minus_zero).unwrap(), from_json(&doc).unwrap());
    // Control: -0.5 is not an integer.
    minus_zero["actions"][0]["at"] = Json::from(-0.5_f64);
    assert!(refusal(&minus_zero).ends_with("got -0.5"), "{}", refusal(&minus_zero));
}

#[test]
fn a_documents_own_end_not_in_the_run_says_it_is_the_sessions_end() {
    let doc = document();
    let mut far = doc.clone();
    far["end"]["steps"] = json!(1_000_081);
    let e = refusal(&far);
    assert!(e.starts_with("the session's own end { steps: 1000081, at: "), "{e}");
    // Control: an explicit point not in the run is "the point".
    let e = from_json(&doc).unwrap().replay_to_point(1_000_081, 0).map(drop).unwrap_err().message;
    assert!(e.starts_with("the point { steps: 1000081, at: 0 } is not in the run"), "{e}");
}

#[test]
fn a_links_latency_min_above_max_is_malformed() {
    let start = |min, max| {
        let mut c = SimConfig::default();
        c.net.latency_ms_min = min;
        c.net.latency_ms_max = max;
        Start::Config(c)
    };
    let e = decode_link(&encode_link(&Session { start: start(10, 1), actions: vec![], end: None })).unwrap_err();
    assert_eq!(e.to_string(), "the link is malformed: latency min must not exceed max");
    let action = Recorded { steps: 0, at_ms: 0, action: UserAction::Latency(9, 3) };
    let e = decode_link(&encode_link(&Session { start: start(1, 1), actions: vec![action], end: None })).unwrap_err();
    assert_eq!(e.to_string(), "the link is malformed: latency min must not exceed max");
    // Control: min equal to max is a link.
    assert!(decode_link(&encode_link(&Session { start: start(4, 4), actions: vec![], end: None })).is_ok());
}
