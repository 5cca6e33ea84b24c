//! Outside tester 18's loop, in real wasm in headless Chromium: `put`s of distinct 60 KB values
//! (the limit is 64 KB) on 10 keys, `runUntilIdle` every 50. Each put kept about seven copies of
//! its value (420 KB), bounded only by counts, so the wasm trapped near 10,000 puts (1,700 MB at
//! 4,000). Now the tape stops at the session's limit (`Cluster.limits.sessionBytes` of values:
//! the run becomes unreplayable, saying why) and the history of a run that cannot be replayed is
//! bounded in bytes too: 4,000 puts stay under [`CEILING`] (control: main's 420 KB a put would
//! pass it before 3,300 puts), the session and its link are refused with the reason, and the
//! cluster goes on answering. Past the warm-up memory is flat (bigmem: the event window, the
//! checker's folds and the checkpoints bounded by values): the last 1,000 puts grow it by at most
//! [`FLAT`] (control: main 19e5578, bounded by counts, grew 13% from 3,000 puts to 4,000). Run
//! optimized, like tests/web_memory.rs.

#![cfg(target_arch = "wasm32")]

mod web_common;
use web_common::{assert_error, js, wasm_memory, yield_to_browser};

use caspaxos_playground::wasm::Cluster;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The ceiling, bytes of wasm memory.
const CEILING: f64 = 1_250.0 * 1024.0 * 1024.0;
/// How much the last 1,000 puts may grow wasm memory, as a fraction of it at 3,000 puts.
const FLAT: f64 = 0.05;
/// Wasm memory after 3,000 and 4,000 puts on main 19e5578, MB (`bigvalues18.mjs`, README).
const FORMER_MB_AT: [f64; 2] = [949.0, 1_072.0];
const PUTS: u32 = 4_000;
const BATCH: u32 = 50;
const VALUE_BYTES: usize = 60_000;
/// What one put kept before (outside tester 18's measure on main 00891ce).
const FORMER_BYTES_A_PUT: f64 = 420.0 * 1024.0;

/// A distinct value of `VALUE_BYTES` as JSON (with its quotes).
fn value(i: u32) -> JsValue {
    JsValue::from_str(&format!("{}{i:012}", "x".repeat(VALUE_BYTES - 14)))
}

#[wasm_bindgen_test]
#[cfg_attr(debug_assertions, ignore = "run optimized: ./build.sh test runs it with --release")]
async fn four_thousand_puts_of_60_kb_stay_under_the_ceiling_and_the_session_says_why() {
    let c = Cluster::new(js("{ seed: 4, autoAdvance: false }")).unwrap();
    let (mut curve, mut last, mut at_3000) = (Vec::new(), None, 0.0);
    for i in 0..PUTS {
        last = Some(c.put(format!("k{}", i % 10).into(), value(i), JsValue::UNDEFINED));
        if i % BATCH == BATCH - 1 {
            c.run_until_idle(JsValue::UNDEFINED).unwrap();
            yield_to_browser().await;
        }
        if i % 500 == 499 {
            curve.push(format!("{}: {:.0} MB", i + 1, wasm_memory() / 1048576.0));
        }
        if i + 1 == PUTS - 1_000 {
            at_3000 = wasm_memory();
        }
    }
    let peak = wasm_memory();
    console_log!("puts of 60 KB: wasm memory {}", curve.join(", "));
    let answer = JsFuture::from(last.expect("a put")).await.unwrap();
    assert_eq!(answer, value(PUTS - 1), "the last put's answer");
    assert!(peak < CEILING, "wasm memory {:.0} MB after {PUTS} puts", peak / 1048576.0);
    // Control: what the ceiling catches — the former 420 KB a put passes it well before the end.
    assert!(FORMER_BYTES_A_PUT * f64::from(PUTS) > 1.15 * CEILING);
    assert!(peak <= (1.0 + FLAT) * at_3000, "wasm memory grew from {:.0} MB at 3,000 puts", at_3000 / 1048576.0);
    // Control: what flatness catches — main 19e5578's growth over the same puts.
    const { assert!(FORMER_MB_AT[1] > (1.0 + 2.0 * FLAT) * FORMER_MB_AT[0]) };

    assert!(!c.replayable());
    let why = "values pass 128 MB encoded as JSON, more than a session holds";
    assert_error(&c.session().unwrap_err(), "InvalidArgument", why);
    assert_error(&c.session_link().unwrap_err(), "InvalidArgument", why);
    assert_error(&c.seek(js("{ until: 0 }")).err().expect("a seek is refused"), "InvalidArgument", why);
    // The cluster goes on: a check answers, and so does another put.
    assert!(c.check(JsValue::UNDEFINED).is_ok());
    let more = c.put("k0".into(), value(PUTS), JsValue::UNDEFINED);
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert_eq!(JsFuture::from(more).await.unwrap(), value(PUTS));
}
