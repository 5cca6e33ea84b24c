//! Edges of the JS API found by the outside tester (round 17): the clock's end (2^53 - 1) and a
//! host whose `queueMicrotask` fails once.

#![cfg(target_arch = "wasm32")]

use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod web_common;
use web_common::{assert_error, call, cluster, describe_error, js, json};

wasm_bindgen_test_configure!(run_in_browser);

/// What `p` settles with within 3 s of real time: `ok <value>`, `<Name>: <message>`, or `hang`.
async fn settled(p: JsValue) -> String {
    let race = js("p => Promise.race([p.then((v) => 'ok ' + JSON.stringify(v), (e) => e.name + ': ' + e.message), new Promise((r) => setTimeout(() => r('hang'), 3000))])");
    let race: js_sys::Function = wasm_bindgen::JsCast::unchecked_into(race);
    let p = Promise::from(race.call1(&JsValue::NULL, &p).unwrap());
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
async fn the_race_reports_a_promise_that_never_settles() {
    // Negative control of `settled`: the "hang" the tests below rule out is what it reports.
    assert_eq!(settled(js("new Promise(() => {})")).await, "hang");
    assert_eq!(settled(js("Promise.reject(new RangeError('x'))")).await, "RangeError: x");
}

#[wasm_bindgen_test]
async fn a_failing_queue_microtask_rejects_with_a_named_error_and_the_next_call_drives_again() {
    let c: JsValue = cluster("{ seed: 4 }").into();
    let saved = js("globalThis.queueMicrotask");
    js_sys::Reflect::set(&js_sys::global(), &"queueMicrotask".into(), &JsValue::UNDEFINED).unwrap();
    let first = call(&c, "c.increment('a')");
    js_sys::Reflect::set(&js_sys::global(), &"queueMicrotask".into(), &saved).unwrap();
    let first = settled(first.expect("the call itself does not throw")).await;
    assert!(
        first.starts_with("Unavailable: autoAdvance could not run virtual time: queueMicrotask failed ("),
        "{first}"
    );
    assert!(first.ends_with("the change may have been applied"), "{first}");
    // The next call schedules again: it answers by itself, and so does the first one's change.
    assert_eq!(settled(call(&c, "c.increment('b')").unwrap()).await, "ok 1");
    assert_eq!(settled(call(&c, "c.get('a')").unwrap()).await, "ok 1");
    // Control: with the host's queueMicrotask in place the same call answers (the rejection
    // above is the failure's doing).
    let c2: JsValue = cluster("{ seed: 4 }").into();
    assert_eq!(settled(call(&c2, "c.increment('a')").unwrap()).await, "ok 1");
}

#[wasm_bindgen_test]
async fn switching_auto_advance_on_says_when_queue_microtask_throws() {
    let c: JsValue = cluster("{ seed: 4, autoAdvance: false }").into();
    let pending = call(&c, "c.increment('a')").unwrap();
    let saved = js("globalThis.queueMicrotask");
    let throwing = js("() => { throw new Error('no microtasks here') }");
    js_sys::Reflect::set(&js_sys::global(), &"queueMicrotask".into(), &throwing).unwrap();
    let e = call(&c, "c.autoAdvance = true").unwrap_err();
    js_sys::Reflect::set(&js_sys::global(), &"queueMicrotask".into(), &saved).unwrap();
    assert_error(&e, "Unavailable", "queueMicrotask failed (no microtasks here)");
    // Switching it on again asks again, and the operation runs.
    call(&c, "c.autoAdvance = true").unwrap();
    assert_eq!(settled(pending).await, "ok 1");
}

/// `c` sought to the end of time (2^53 - 1 ms), as the element's `seek(1e300)` does.
fn at_the_end(auto_advance: bool) -> JsValue {
    let c: JsValue = cluster(&format!("{{ seed: 1, autoAdvance: {auto_advance} }}")).into();
    call(&c, "c.increment('a'), c.runUntilIdle()").unwrap();
    call(&c, "c.seek({ until: 2 ** 53 - 1 })").expect("the end of time is a time to seek")
}

#[wasm_bindgen_test]
async fn the_clock_stops_at_its_end_and_the_run_reopens() {
    let s = at_the_end(false);
    let end = 9_007_199_254_740_991.0;
    assert_eq!(call(&s, "c.now").unwrap().as_f64(), Some(end));
    let p = call(&s, "c.increment('zz')").unwrap();
    call(&s, "c.runUntilIdle(), c.runFor(10)").expect("runFor at the end runs what is due and stops");
    assert_eq!(call(&s, "c.now").unwrap().as_f64(), Some(end));
    assert!(settled(p).await != "hang");
    let hash = call(&s, "c.eventLogHash()").unwrap();
    for how in ["c.session()", "c.sessionLink()"] {
        let reopened = call(&s, &format!("c.constructor.fromSession({how})"))
            .unwrap_or_else(|e| panic!("{how}: {}", describe_error(&e)));
        assert_eq!(call(&reopened, "c.now").unwrap().as_f64(), Some(end), "{how}");
        assert_eq!(json(&call(&reopened, "c.eventLogHash()").unwrap()), json(&hash), "{how}");
    }
    // Control: runFor's own argument is still checked (beyond 2^53 - 1 is refused).
    assert_error(
        &call(&s, "c.runFor(2 ** 53)").unwrap_err(),
        "InvalidArgument",
        "ms must be in 0..=9007199254740991, got 9007199254740992",
    );
}

#[wasm_bindgen_test]
async fn an_awaited_operation_answers_at_the_end_of_time() {
    let s = at_the_end(true);
    call(&s, "c.autoAdvance = true").unwrap();
    let answer = settled(call(&s, "c.increment('q')").unwrap()).await;
    assert_ne!(answer, "hang");
    assert_eq!(call(&s, "c.now").unwrap().as_f64(), Some(9_007_199_254_740_991.0), "{answer}");
}
