//! `session()` of a long session, in real wasm in headless Chromium: its text goes to JS a piece
//! at a time as it is written (src/session/document_text.rs), so exporting 100,000 actions five
//! times does not grow wasm memory by the text (9 MB: writing it whole took the memory from 40
//! to 60 MB, which wasm never gives back). Its own file: the memory it reads is this instance's
//! alone. Run optimized.

#![cfg(target_arch = "wasm32")]

mod web_common;
use web_common::{get, js, wasm_memory, yield_to_browser};

use caspaxos_playground::wasm::Cluster;

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ACTIONS: u32 = 100_000;
const EXPORTS: usize = 5;
const MB: f64 = 1024.0 * 1024.0;

/// A session of `ACTIONS` increments at point 0, one `put` of a small value in every hundred.
fn long_session() -> Cluster {
    let doc = Cluster::new(js("{ seed: 3, proposers: 3 }")).unwrap().session().unwrap();
    let actions = js(&format!(
        "Array.from({{ length: {ACTIONS} }}, (_, i) => ({{ do: 'invoke', proposer: 'p' + (1 + i % 3), \
         key: 'k' + (i % 10), op: i % 100 === 99 ? 'put' : 'increment', \
         input: i % 100 === 99 ? {{ i, s: 'é \"q\"\\n' }} : null, steps: 0, at: 0 }}))"
    ));
    js_sys::Reflect::set(&doc, &"actions".into(), &actions).unwrap();
    Cluster::from_session(doc, JsValue::UNDEFINED).expect("the document opens")
}

/// Five exports of 100,000 actions grow wasm memory by less than an eighth of the text, and
/// the memory after the last is the memory after the first. Control: the same text held in wasm
/// memory (what writing it whole did) does grow it by at least half its size: the gauge sees it.
#[wasm_bindgen_test]
#[cfg_attr(debug_assertions, ignore = "run optimized: ./build.sh test runs it with --release")]
async fn exporting_a_long_session_does_not_grow_wasm_memory_by_its_text() {
    let c = long_session();
    yield_to_browser().await;
    let before = wasm_memory();
    let (mut after, mut text) = (Vec::new(), js_sys::JsString::from(""));
    for i in 0..EXPORTS {
        let doc = c.session().expect("the session exports");
        after.push(wasm_memory());
        assert_eq!(get(&doc, "actions.length").as_f64(), Some(f64::from(ACTIONS)), "export {i}");
        if i == 0 {
            text = js_sys::JSON::stringify(&doc).unwrap(); // a JS string: nothing in wasm memory
        }
        yield_to_browser().await;
    }
    let bytes = f64::from(text.length()); // UTF-16 units: the text's bytes, give or take its few "é"
    console_log!(
        "{ACTIONS} actions, a {:.1} MB text: wasm memory {:.1} MB before, after each export {:?} MB",
        bytes / MB,
        before / MB,
        after.iter().map(|m| (m / MB * 10.0).round() / 10.0).collect::<Vec<_>>()
    );
    assert!(bytes > 8.0 * MB, "a long text: {bytes} bytes");
    let grown = after[EXPORTS - 1] - before;
    assert!(grown < bytes / 8.0, "{EXPORTS} exports grew wasm memory by {:.1} MB", grown / MB);
    assert!(after[EXPORTS - 1] <= after[0] * 1.03, "exports after the first grew it: {after:?}");
    // Control: the text held in wasm memory (a String the size of the document).
    let held = String::from(&text);
    let with_text = wasm_memory();
    assert!(with_text - before >= bytes / 2.0, "the text held grew it by {:.1} MB", (with_text - before) / MB);
    assert!(held.starts_with("{\"format\":\"caspaxos-session\""), "the document's text");
}
