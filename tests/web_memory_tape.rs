//! Outside tester 13's loop, in real wasm in headless Chromium: 1,000,000 `increment` calls
//! through the JS API on 10 keys (manual time: batches of 2,000, then `runUntilIdle`), every one
//! a recorded action (the session's limit, `Cluster.limits.sessionActions`, is not passed: the
//! run stays replayable and its log keeps its window). The wasm memory stays under 128 MB
//! (before the compact tape, the tape alone took about 135 B a call: 197 MB here). Then seeks
//! to the middle and to the end reproduce the run: the events there and the log's hash equal
//! the run's. Run optimized, like tests/web_memory.rs (a debug build skips it).

#![cfg(target_arch = "wasm32")]

mod web_common;
use web_common::{js, json, wasm_memory, yield_to_browser};

use caspaxos_playground::wasm::Cluster;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The ceiling, bytes of wasm memory.
const CEILING: f64 = 128.0 * 1024.0 * 1024.0;
const CALLS: u32 = 1_000_000;
const BATCH: u32 = 2_000;
const KEYS: u32 = 10;

fn events(c: &Cluster, since: f64, limit: f64) -> String {
    json(&c.events(since.into(), limit.into()).unwrap())
}

#[wasm_bindgen_test]
#[cfg_attr(debug_assertions, ignore = "run optimized: ./build.sh test runs it with --release")]
async fn a_million_recorded_increments_stay_under_128_mb_and_seek_back() {
    let c = Cluster::new(js("{ seed: 2, autoAdvance: false }")).unwrap();
    let start = js_sys::Date::now();
    let (mut curve, mut last) = (Vec::new(), None);
    for b in 0..CALLS / BATCH {
        for i in 0..BATCH {
            last = Some(c.increment(format!("k{}", (b * BATCH + i) % KEYS).into(), JsValue::UNDEFINED));
        }
        c.run_until_idle(JsValue::UNDEFINED).unwrap();
        // Every batch: the driver gives up on a page that keeps it waiting 30 s.
        yield_to_browser().await;
        if b % 50 == 49 {
            curve.push(format!("{}k: {:.1} MB", (b + 1) * BATCH / 1000, wasm_memory() / 1048576.0));
        }
    }
    let peak = wasm_memory();
    let count = c.event_count();
    console_log!(
        "recorded increments: {CALLS} calls, {count} events, {:.1} s; wasm memory {}",
        (js_sys::Date::now() - start) / 1000.0,
        curve.join(", ")
    );
    // Every call answered: the last one's counter is its key's share of the calls.
    let answer = JsFuture::from(last.expect("a call")).await.unwrap();
    assert_eq!(answer.as_f64(), Some(f64::from(CALLS / KEYS)), "the last increment's answer");
    assert!(peak < CEILING, "wasm memory {:.1} MB after {CALLS} recorded calls", peak / 1048576.0);

    // The session replays: to the end (from the nearest checkpoint), the same log; to the middle,
    // the same events as the run's there.
    let at_end = c.seek(JsValue::UNDEFINED).unwrap();
    assert_eq!(at_end.event_count(), count);
    assert_eq!(at_end.event_log_hash(), c.event_log_hash(), "seek to the end: the same run");
    drop(at_end);
    yield_to_browser().await;
    let middle = js(&format!("{{ until: {} }}", (c.now() / 2.0).floor()));
    let at_middle = c.seek(middle).unwrap();
    let k = at_middle.event_count();
    assert!(k > count / 3.0 && k < 2.0 * count / 3.0, "{k} of {count} events at the middle");
    assert_eq!(events(&at_middle, k - 100.0, 100.0), events(&c, k - 100.0, 100.0), "the middle");
    drop(at_middle);
    console_log!("recorded increments: {:.1} MB after the seeks", wasm_memory() / 1048576.0);
}
