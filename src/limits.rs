//! Every limit of the JS contract, in one place. The simulator, sessions, share links and the
//! wasm facade all check against these; JavaScript reads them as `Cluster.limits`.

use crate::json_object::object;
use crate::ops::OpError;
use serde_json::Value as Json;

/// Acceptors in a cluster: `1..=MAX_ACCEPTORS`.
pub const MAX_ACCEPTORS: usize = 15;
/// Proposers in a cluster: `1..=MAX_PROPOSERS`.
pub const MAX_PROPOSERS: usize = 9;
/// Longest key, lock name or lock owner, in characters (for a lock, the name without the `lock:`
/// prefix the register key gets inside).
pub const MAX_KEY_CHARS: usize = 256;
/// Largest one-way latency, in virtual ms.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// Largest integer JavaScript holds exactly (2^53 - 1): seeds, versions, ttls, times, steps.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// The latest virtual time, in ms: the clock stops there, so every time a run records (its
/// actions', its end's, a share link's) is one every reader accepts. What moves the clock past it
/// stops at it: `seek({ until })`, `fromSession(_, { until })` and `runFor` run to it, and a
/// message due later is due at it (the events at the end run in the order they were scheduled);
/// an operation's timer, or a collection's or a membership change's next step, due later runs
/// there once nothing else is due (`World::past_end`). JavaScript sees it as
/// `Cluster.limits.safeInteger`.
pub const MAX_CLOCK_MS: u64 = MAX_SAFE_INTEGER;
/// Most attempts one operation makes.
pub const MAX_ATTEMPTS: u32 = 100;
/// Most operations one batch carries (`batch: { max }`).
pub const MAX_BATCH: usize = 64;
/// Longest read lease (`leases: { duration }`), virtual ms. Other proposers' writes are refused
/// while one runs and retry with backoff, so a lease much longer than their attempts' backoff
/// would make them `Unavailable`.
pub const MAX_LEASE_MS: u64 = 10_000;
/// Largest clock rate error (`clockDrift`), in parts per million: 0.1, a clock 10% off.
pub const MAX_CLOCK_DRIFT_PPM: u32 = 100_000;
/// Most keys one proposer keeps operations in flight on (`pipeline`).
pub const MAX_PIPELINE: usize = 256;
/// Most operations each client of a fuzz run issues.
pub const MAX_OPS_PER_CLIENT: usize = 1000;
/// Most workers one workers run starts ([`crate::sim::WorkersPlan`]).
pub const MAX_WORKERS: usize = 100;
/// Most increments each worker of a workers run issues.
pub const MAX_INCREMENTS_PER_WORKER: usize = 1000;
/// Deepest nesting of a value.
pub const MAX_DEPTH: usize = 64;
/// Deepest nesting of the values a run may hold for an operation's start to stay light (the wasm
/// guard's `Headroom::Start`): a start may copy a key's value (a read lease's answer, a cached
/// state's accept), one recursion a level (`History::holds_nested_values`).
pub const MAX_LIGHT_START_DEPTH: usize = 8;
/// Largest value, JSON-encoded (compact, as a share link carries it).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Most actions a session may hold: ten times what the page's longest scenarios record.
pub const MAX_ACTIONS: usize = 1_000_000;
/// Longest share link, in characters: the crate's link text for [`MAX_ACTIONS`] actions (about
/// 8 bytes each, in base64) fits, and so does the page's compressed form of it.
pub const MAX_LINK_CHARS: usize = 16 * 1024 * 1024;
/// Events a cluster keeps materialized (the most recent; 64 chunks of 4,096): older ones are
/// regenerated from a checkpoint when asked for (`Recording::events`), so memory does not grow
/// with the run (about 100 bytes an event: a window of about 25 MB natively).
pub const EVENT_WINDOW: usize = 64 * 4096;
/// Bytes of values the full chunks of the event window may hold (about, in memory: by
/// `src/sim/window_bytes.rs`'s count, [`crate::sim::value_memory`]), besides its count of events: past them its oldest chunks
/// go (not the latest full one), so 60 KB values keep one or two chunks of events (outside
/// tester 18: the window held 1 GB of them). A counter counts 32 bytes an accept: a window of
/// increments counts about 1 MB.
pub const MAX_WINDOW_VALUE_BYTES: usize = 32 * 1024 * 1024;
/// Events the replay that regenerates older events keeps materialized (a little more than the
/// page fetches at once), so reading back across them replays once, not per call.
pub const REGENERATED_WINDOW: usize = 16 * 4096;
/// Events `runUntilIdle` runs at most when not told (`maxEvents`), and the page's Run to idle
/// runs before it stops and says so.
pub const IDLE_EVENTS: u64 = 1_000_000;
/// Largest session document, JSON-encoded: [`MAX_ACTIONS`] actions of about 100 bytes each.
pub const MAX_SESSION_BYTES: usize = 128 * 1024 * 1024;

/// Bytes of values the history's records hold at most (about, in memory: by
/// [`crate::sim::value_memory`]), besides their count: past them the oldest records go, in a
/// replayable run too (a copy knows the bytes of the records it let go, `src/sim/history.rs`).
pub const MAX_HISTORY_BYTES: usize = 64 * 1024 * 1024;

/// Most configurations a fold of the incremental checker may leave a key in (its frontier);
/// a fold that would allow more is tried again at a later cut (`src/checker/ledger.rs`).
pub const MAX_FRONTIER_STATES: usize = 1024;
/// Most settled operations the incremental checker holds for one key while its folds cannot
/// finish; past that the key's verdict is `unknown` for the rest of the run, and `check()` says
/// why (`keys[key].reason`).
pub const MAX_SEGMENT_OPS: usize = 4096;

/// Bytes of values (about, in memory: by `record_bytes`'s count of their records) a key's settled
/// operations may gain before the incremental checker tries a fold again, besides its count
/// (`src/checker/ledger.rs`): big values are folded every few operations, not every 256.
pub const MAX_SEGMENT_VALUE_BYTES: usize = 4 * 1024 * 1024;

/// The limits as `Cluster.limits` shows them.
pub fn to_json() -> Json {
    object! {
        "acceptors": MAX_ACCEPTORS,
        "proposers": MAX_PROPOSERS,
        "keyChars": MAX_KEY_CHARS,
        "latencyMs": MAX_LATENCY_MS,
        "safeInteger": MAX_SAFE_INTEGER,
        "attempts": MAX_ATTEMPTS,
        "batch": MAX_BATCH,
        "leaseMs": MAX_LEASE_MS,
        "clockDrift": f64::from(MAX_CLOCK_DRIFT_PPM) / 1e6,
        "pipeline": MAX_PIPELINE,
        "opsPerClient": MAX_OPS_PER_CLIENT,
        "workers": MAX_WORKERS,
        "incrementsPerWorker": MAX_INCREMENTS_PER_WORKER,
        "valueDepth": MAX_DEPTH,
        "valueBytes": MAX_VALUE_BYTES,
        "sessionActions": MAX_ACTIONS,
        "linkChars": MAX_LINK_CHARS,
        "sessionBytes": MAX_SESSION_BYTES,
        "idleEvents": IDLE_EVENTS,
    }
}

/// A read lease's duration (`leases.duration`, `1..=MAX_LEASE_MS` ms, or off) and the clock drift
/// bound (`clockDrift`, at most [`MAX_CLOCK_DRIFT_PPM`] ppm).
pub fn check_leases(lease_ms: Option<u64>, drift_ppm: u32) -> Result<(), OpError> {
    if let Some(ms) = lease_ms {
        check_integer("leases.duration", ms, 1, MAX_LEASE_MS)?;
    }
    check_integer("clockDrift in parts per million", u64::from(drift_ppm), 0, u64::from(MAX_CLOCK_DRIFT_PPM))?;
    Ok(())
}

/// `clockDrift` from JavaScript or a session document (`what` names it): a rate error in
/// `0..=0.1` with at most six decimals (it is kept in whole parts per million, so a session
/// replays it exactly); the ppm.
pub fn clock_drift_ppm(what: &str, drift: f64) -> Result<u32, OpError> {
    let bound = f64::from(MAX_CLOCK_DRIFT_PPM) / 1e6;
    let ppm = (drift * 1e6).round();
    if !(0.0..=bound).contains(&drift) || ppm / 1e6 != drift {
        return Err(OpError::invalid(format!(
            "{what} must be a number in 0..={} with at most 6 decimals (a rate error in parts per million), got {}",
            number_text(bound),
            number_text(drift)
        )));
    }
    Ok(ppm as u32)
}

/// A key, lock name or lock owner: non-empty, at most [`MAX_KEY_CHARS`] characters. `what` names
/// the argument in the message.
pub fn check_name(what: &str, name: &str) -> Result<(), OpError> {
    if name.is_empty() {
        return Err(OpError::invalid(format!("{what} must be a non-empty string")));
    }
    let chars = name.chars().count();
    if chars > MAX_KEY_CHARS {
        return Err(OpError::invalid(format!("{what} must be at most {MAX_KEY_CHARS} characters, got {chars}")));
    }
    Ok(())
}

/// An integer in `min..=max`, or an error naming `what`.
pub fn check_integer(what: &str, value: u64, min: u64, max: u64) -> Result<u64, OpError> {
    if !(min..=max).contains(&value) {
        return Err(OpError::invalid(format!("{what} must be an integer in {min}..={max}, got {value}")));
    }
    Ok(value)
}

/// A JSON number as an integer in `min..=max`: fractions, negatives and numbers beyond the range
/// (`2**32 + 3` too, which a 32-bit cast would read as 3) are refused with a message naming `what`.
pub fn integer_in(what: &str, value: &Json, min: u64, max: u64) -> Result<u64, OpError> {
    // JSON's -0 is 0 (JSON.stringify(-0) is "0").
    match value.as_u64().or_else(|| (value.as_f64() == Some(0.0)).then_some(0)) {
        Some(n) => check_integer(what, n, min, max),
        None => Err(OpError::invalid(format!("{what} must be an integer in {min}..={max}, got {}", shown(value)))),
    }
}

/// A value within [`MAX_DEPTH`] levels and [`MAX_VALUE_BYTES`] encoded. `what` names it.
pub fn check_value(what: &str, value: &Json) -> Result<(), OpError> {
    if depth(value) > MAX_DEPTH {
        return Err(OpError::invalid(format!("{what} is nested deeper than {MAX_DEPTH} levels (or is cyclic)")));
    }
    check_value_size(what, value)
}

/// A byte limit as people say it: `64 KB`, `128 MB` (binary units, as the limits are set).
pub fn byte_size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MB", b >> 20),
        b => format!("{} KB", b / 1024),
    }
}

/// A value within [`MAX_VALUE_BYTES`], measured exactly as the compact JSON text links carry.
pub fn check_value_size(what: &str, value: &Json) -> Result<(), OpError> {
    let bytes = encoded_bytes(value);
    if bytes > MAX_VALUE_BYTES {
        return Err(OpError::invalid(format!(
            "{what} is larger than {} encoded as JSON ({bytes} bytes)",
            byte_size(MAX_VALUE_BYTES)
        )));
    }
    Ok(())
}

/// `value`'s length as compact JSON text, as links and session documents carry it.
pub fn encoded_bytes(value: &Json) -> usize {
    serde_json::to_string(value).map_or(usize::MAX, |t| t.len())
}

/// A number as JavaScript prints it (`NaN`, `Infinity`, `3`, `2.5`, `1e+21`), for messages.
/// Rust's `f64` `Display` is never used for this: its formatting code alone is 14 KB of the
/// shipped wasm. Integers print as integers, other numbers through serde_json's shortest
/// round-trip formatter.
pub fn number_text(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if n.fract() == 0.0 && n.abs() < 1e18 {
        (n as i64).to_string()
    } else {
        serde_json::Number::from_f64(n).map_or_else(String::new, |x| x.to_string())
    }
}

/// Characters of an input value a message quotes: a longer value is cut there (see [`shown`]).
pub const QUOTED_CHARS: usize = 60;

/// An input value as a message quotes it: its JSON text with numbers as JavaScript prints them
/// (`-0` is `0`, `2**53` is `9007199254740992`), at most [`QUOTED_CHARS`] characters, then "…"
/// and the whole text's length. Every message that quotes a value it was given goes through it:
/// a megabyte value gives a short message.
pub fn shown(value: &Json) -> String {
    match value {
        Json::Number(n) => number_text(n.as_f64().unwrap_or(f64::NAN)),
        _ => cut(&value.to_string()),
    }
}

/// `text` cut to [`QUOTED_CHARS`] characters, then "…" and its length in characters.
pub fn cut(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.to_owned(),
        // `get`, not `[..end]`: a slice's panic message would bring its formatting into the wasm.
        Some((end, _)) => format!("{}… ({} characters)", text.get(..end).unwrap_or_default(), text.chars().count()),
    }
}

/// `s` in double quotes, escaped as JSON escapes it: how messages quote a string they show.
/// Rust's `{:?}` is not used for this: its escaping code and Unicode tables are about 1 KB of the
/// shipped wasm, and serde_json's escaper is there anyway.
pub fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Levels below the top: a scalar is 0, `[1]` is 1.
/// Levels of a value: arrays and objects nested at its deepest point (`1` has none; `[1]` and
/// `[]` have one: an empty container is a level as a full one is).
pub(crate) fn depth(value: &Json) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1usize)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Json::Array(items) => stack.extend(items.iter().map(|x| (x, d + 1))),
            Json::Object(fields) => stack.extend(fields.values().map(|x| (x, d + 1))),
            _ => continue,
        }
        deepest = deepest.max(d);
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Json {
        (0..levels).fold(json!(1), |v, _| json!([v]))
    }

    #[test]
    fn names_are_limited_in_characters_not_bytes() {
        assert!(check_name("key", &"é".repeat(MAX_KEY_CHARS)).is_ok());
        let e = check_name("lock name", &"x".repeat(MAX_KEY_CHARS + 1)).unwrap_err();
        assert_eq!(e.message, "lock name must be at most 256 characters, got 257");
        assert_eq!(check_name("owner", "").unwrap_err().message, "owner must be a non-empty string");
    }

    #[test]
    fn integers_beyond_the_range_are_refused_not_truncated() {
        assert_eq!(integer_in("acceptors", &json!(3), 1, 15), Ok(3));
        for bad in [json!((1u64 << 32) + 3), json!(0), json!(-1), json!(2.5), json!(1e300), json!("3"), Json::Null] {
            let e = integer_in("start.acceptors", &bad, 1, 15).unwrap_err();
            assert!(e.message.starts_with("start.acceptors must be an integer in 1..=15, got "), "{}", e.message);
            assert!(e.message.ends_with(&bad.to_string()), "{}", e.message);
        }
    }

    #[test]
    fn values_are_measured_exactly() {
        assert!(check_value("value", &nested(MAX_DEPTH)).is_ok());
        let e = check_value("value", &nested(MAX_DEPTH + 1)).unwrap_err();
        assert!(e.message.contains("deeper than 64"), "{}", e.message);
        // Outside tester 19: empty containers passed one level deeper than full ones.
        let empty = |levels: usize| (1..levels).fold(json!([]), |v, _| json!({ "a": v }));
        assert!(check_value("value", &empty(MAX_DEPTH)).is_ok());
        let e = check_value("value", &empty(MAX_DEPTH + 1)).unwrap_err();
        assert!(e.message.contains("deeper than 64"), "{}", e.message);
        // A string that encodes to exactly the limit passes; one byte more does not.
        let fits = Json::String("x".repeat(MAX_VALUE_BYTES - 2));
        assert!(check_value("value", &fits).is_ok());
        let over = Json::String("x".repeat(MAX_VALUE_BYTES - 1));
        let e = check_value("value", &over).unwrap_err();
        assert_eq!(e.message, "value is larger than 64 KB encoded as JSON (65537 bytes)");
        // A session document's limit reads as people say it, not "131072 KB" (outside tester 12c).
        assert_eq!(byte_size(MAX_SESSION_BYTES), "128 MB");
        // Escapes count: 40,000 quotes are 40,002 bytes of text but encode to 80,002.
        assert!(check_value("value", &Json::String("\"".repeat(40_000))).is_err());
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let cases = [(3.0, "3"), (-0.0, "0"), (2.5, "2.5"), (0.1, "0.1"), (-1.5e-7, "-1.5e-7"), (1e21, "1e+21")];
        for (n, text) in cases {
            assert_eq!(number_text(n), text, "{n}");
        }
        assert_eq!(number_text(f64::NAN), "NaN");
        assert_eq!(number_text(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(number_text(9_007_199_254_740_993.0), "9007199254740992");
    }

    #[test]
    fn clock_drift_is_whole_parts_per_million_within_the_bound() {
        assert_eq!(clock_drift_ppm("clockDrift", 0.0), Ok(0));
        assert_eq!(clock_drift_ppm("clockDrift", 0.05), Ok(50_000));
        assert_eq!(clock_drift_ppm("clockDrift", 0.1), Ok(100_000));
        assert_eq!(clock_drift_ppm("clockDrift", 0.000001), Ok(1));
        for bad in [-0.01, 0.11, 0.0000001, f64::NAN, f64::INFINITY] {
            let e = clock_drift_ppm("clockDrift", bad).unwrap_err();
            assert!(
                e.message.starts_with("clockDrift must be a number in 0..=0.1 with at most 6 decimals"),
                "{bad}: {e}"
            );
        }
        assert!(check_leases(Some(0), 0)
            .unwrap_err()
            .message
            .contains("leases.duration must be an integer in 1..=10000"));
        assert!(check_leases(Some(10_001), 0).is_err());
        let e = check_leases(None, 100_001).unwrap_err().message;
        assert_eq!(e, "clockDrift in parts per million must be an integer in 0..=100000, got 100001");
        assert_eq!(check_leases(Some(10_000), 100_000), Ok(()));
    }

    #[test]
    fn limits_are_exported_once() {
        let l = to_json();
        assert_eq!(l["keyChars"], 256);
        assert_eq!(l["safeInteger"], 9_007_199_254_740_991u64);
        assert_eq!(l.as_object().unwrap().len(), 19);
        assert_eq!(l["pipeline"], 256);
        assert_eq!(l["batch"], 64);
        assert_eq!(l["leaseMs"], 10_000);
        assert_eq!(l["clockDrift"], 0.1);
    }
}
