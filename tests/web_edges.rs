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

/// What `c.increment('k', <opts>)` settles with.
async fn increment_with(opts: &str) -> String {
    let c: JsValue = cluster("{ seed: 4 }").into();
    settled(call(&c, &format!("c.increment('k', {opts})")).expect("an operation never throws")).await
}

#[wasm_bindgen_test]
async fn an_options_object_read_in_one_call_keeps_every_refusal_and_skip() {
    // A field whose descriptor cannot be read is named (a trap that throws; a key listed by
    // `ownKeys` with no descriptor), as when each read was its own call.
    let named = "InvalidArgument: options could not be read (its field \"proposer\": a getter or Proxy threw)";
    let trap = "new Proxy({ proposer: 'p1' }, { getOwnPropertyDescriptor() { throw new Error('trap') } })";
    assert_eq!(increment_with(trap).await, named);
    let no_descriptor = "new Proxy({}, { ownKeys: () => ['proposer'], getOwnPropertyDescriptor: () => undefined })";
    assert_eq!(increment_with(no_descriptor).await, named);
    assert_eq!(increment_with("{ get proposer() { throw 1 } }").await, named);
    // Keys that cannot be read at all.
    assert_eq!(
        increment_with("new Proxy({}, { ownKeys() { throw new Error('trap') } })").await,
        "InvalidArgument: options could not be read (a getter or Proxy threw)"
    );
    // Symbols and non-enumerable fields are skipped: the bad proposer below is never read.
    let hidden = "Object.defineProperty({ [Symbol('s')]: 1 }, 'proposer', { value: 'zz', enumerable: false })";
    assert_eq!(increment_with(hidden).await, "ok 1");
    // Control: the same field enumerable is read, and refused.
    let shown = increment_with("Object.defineProperty({}, 'proposer', { value: 'zz', enumerable: true })").await;
    assert!(shown.starts_with("InvalidArgument: options.proposer must be a node id"), "{shown}");
    // Fields are refused in their order: a name with a lone surrogate before a throwing getter is
    // what is reported; control: without it, the getter is.
    let surrogate = increment_with("{ '\\uD800': 1, get proposer() { throw 1 } }").await;
    assert!(surrogate.starts_with("InvalidArgument: a field name of options contains a lone surrogate"), "{surrogate}");
    assert_eq!(increment_with("{ x: 1, get proposer() { throw 1 } }").await, named);
}

#[wasm_bindgen_test]
async fn promises_that_settle_together_settle_in_start_order_with_each_answers_shape() {
    // Operations on three keys through three proposers, with random latency: they end in another
    // order than they started (the control below), and settle in one call (runUntilIdle).
    let c: JsValue = cluster("{ seed: 7, proposers: 3, autoAdvance: false, latency: { min: 1, max: 10 } }").into();
    let script = "(async () => {
        const log = [];
        const ops = [
            () => c.increment('a', { proposer: 'p1' }),
            () => c.put('b', { x: [1, 'y'] }, { proposer: 'p2' }),
            () => c.write('c', 5, 'v', { proposer: 'p3' }),
            () => c.read('a', { proposer: 'p2' }),
            () => c.delete('b', { proposer: 'p3' }),
            () => c.change('e', () => { throw new Error('no'); }, { proposer: 'p1' }),
            () => c.increment('d', { proposer: 'p2' }),
        ];
        const all = ops.map((op, i) => op().then((v) => log.push([i, 'ok', v]), (e) => log.push([i, e.name])));
        c.runUntilIdle();
        await Promise.all(all);
        const ended = c.history().slice().sort((x, y) => x.returnSeq - y.returnSeq).map((h) => h.id);
        return { log, ended, started: c.history().slice().sort((x, y) => x.invokeSeq - y.invokeSeq).map((h) => h.id) };
    })()";
    let got = json(&wasm_bindgen_futures::JsFuture::from(Promise::from(call(&c, script).unwrap())).await.unwrap());
    let want_log = r#"[[0,"ok",1],[1,"ok",{"x":[1,"y"]}],[2,"VersionConflict"],[3,"ok",{"version":0,"value":null}],[4,"ok",null],[5,"UpdateRejected"],[6,"ok",1]]"#;
    assert!(got.starts_with(&format!("{{\"log\":{want_log}")), "{got}");
    // Control: the virtual-time order of their ends is not the start order, so the log's order is
    // the settling's doing.
    let v: JsValue = js_sys::JSON::parse(&got).unwrap();
    assert_ne!(json(&web_common::get(&v, "ended")), json(&web_common::get(&v, "started")), "{got}");
}
