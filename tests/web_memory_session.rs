//! `session()` refuses a document `fromSession` would refuse (outside tester 18), in real wasm in
//! headless Chromium. Its own file: the wasm memory it takes (a 128 MB document, written and
//! read back) would count against tests/web_memory_values.rs's ceiling in the same instance.
//! Run optimized.

#![cfg(target_arch = "wasm32")]

mod web_common;
use web_common::{assert_error, js, yield_to_browser};

use caspaxos_playground::wasm::Cluster;

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const BATCH: usize = 50;
const VALUE_BYTES: usize = 60_000;

/// `session()` refuses a document `fromSession` would refuse (outside tester 18: a 130.4 MB
/// document was written, then refused on import). Values 256 KB under the limit export, and the
/// document opens as the same run (control); 4,000 more actions of a short value push the
/// document past the limit while the run stays replayable: `session()` says so.
#[wasm_bindgen_test]
#[cfg_attr(debug_assertions, ignore = "run optimized: ./build.sh test runs it with --release")]
async fn session_refuses_a_document_past_the_limit_and_one_under_it_opens() {
    let c = Cluster::new(js("{ seed: 5, autoAdvance: false }")).unwrap();
    let under = 128 * 1024 * 1024 - 256 * 1024;
    let (mut i, mut bytes) = (0, 0);
    while bytes < under {
        let size = VALUE_BYTES.min(under - bytes).max(14);
        let v = JsValue::from_str(&format!("{}{i:012}", "x".repeat(size - 14)));
        drop(c.put(format!("k{}", i % 10).into(), v, JsValue::UNDEFINED));
        (i, bytes) = (i + 1, bytes + size);
        if i % BATCH == 0 {
            c.run_until_idle(JsValue::UNDEFINED).unwrap();
            yield_to_browser().await;
        }
    }
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    let doc = c.session().expect("a session under the limit exports");
    yield_to_browser().await;
    let opened = Cluster::from_session(doc, JsValue::UNDEFINED).expect("and opens");
    yield_to_browser().await;
    assert_eq!(opened.event_log_hash(), c.event_log_hash(), "the same run");
    drop(opened);
    for j in 0..4_000 {
        drop(c.put(format!("k{}", j % 10).into(), JsValue::from_str("x"), JsValue::UNDEFINED));
    }
    c.run_until_idle(JsValue::UNDEFINED).unwrap();
    assert!(c.replayable());
    let e = c.session().unwrap_err();
    assert_error(&e, "InvalidArgument", "the session is larger than 128 MB encoded as JSON");
    assert_error(&e, "InvalidArgument", "fromSession would refuse it");
}
