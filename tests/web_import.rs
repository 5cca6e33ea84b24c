//! Opening session documents in real wasm in headless Chromium: a flat action is read in one
//! call (src/wasm/flat_item.rs), any other field by field; either way the document opens to the
//! run it was taken from, and hostile actions are refused with the careful reader's messages.

#![cfg(target_arch = "wasm32")]

mod web_common;
use web_common::{assert_error, call, cluster, get, js};

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A run of `rounds` rounds using the actions and values a document holds: flat ones (an
/// increment, integers, booleans, null, strings with quotes, backslashes and accents) and ones
/// the one-call reader leaves to the careful one (floats, -0, an emoji, a NUL, nested values,
/// partitions, rates).
fn varied_run(opts: &str, rounds: usize) -> JsValue {
    let c: JsValue = cluster(opts).into();
    let run = format!(
        r#"c => {{
            const values = [7, 2 ** 53 - 1, 0, true, false, null, 'say "hi" \\ é€', 0.5, -0, -3, '😀', 'a\0b', {{ a: [1, {{ b: null }}] }}, [2, 3]];
            for (let i = 0; i < {rounds}; i++) {{
                const p = {{ proposer: `p${{1 + (i % 3)}}` }};
                c.increment(`n${{i % 7}}`, p);
                c.put(`v${{i % 5}}`, values[i % values.length], p);
                if (i % 50 === 10) c.crash('a2');
                if (i % 50 === 20) c.restart('a2');
                if (i % 50 === 30) c.partition([['a1', 'p1'], ['a2', 'a3', 'p2', 'p3']]);
                if (i % 50 === 40) c.heal();
                if (i % 100 === 5) c.setDropRate(0.05);
                if (i % 100 === 55) c.setDropRate(0);
                c.runFor(3);
            }}
            c.runUntilIdle();
        }}"#
    );
    let f: js_sys::Function = js(&run).into();
    f.call1(&JsValue::NULL, &c).expect("the run plays");
    c
}

/// A cluster's session document opens to the same run as its share link and as the cluster
/// itself: the same event log (hash) and the same document back. Control: the same document with
/// one flat action changed (a put of 7 made 8) opens to another run.
#[wasm_bindgen_test]
fn a_varied_document_opens_to_its_run() {
    let c = varied_run("{ seed: 5, proposers: 3, latency: { min: 1, max: 5 }, autoAdvance: false }", 400);
    let opens =
        |source: &str| call(&c, &format!("c.constructor.fromSession({source}).eventLogHash() === c.eventLogHash()"));
    assert_eq!(opens("c.session()").unwrap(), JsValue::TRUE, "the document replays the run");
    assert_eq!(opens("c.sessionLink()").unwrap(), JsValue::TRUE, "the link replays the run");
    let back = "JSON.stringify(c.constructor.fromSession(c.session()).session()) === JSON.stringify(c.session())";
    assert_eq!(call(&c, back).unwrap(), JsValue::TRUE, "the document comes back as it was");
    // The control: the first put of 7 made 8 is another run.
    let changed = "(() => { const d = c.session(); d.actions.find(a => a.input === 7).input = 8; return d; })()";
    assert_eq!(opens(changed).unwrap(), JsValue::FALSE, "a changed action changes the run");
    // An increment (read straight into its action, src/wasm/flat_item.rs) with each of its
    // fields changed is another run too: each field is read.
    for edit in ["a.key = 'n6'", "a.proposer = 'p3'", "a.op = 'get'", "a.at += 1"] {
        let changed = format!(
            "(() => {{ const d = c.session(); const a = d.actions.find(a => a.op === 'increment' && a.key === 'n0' && a.proposer === 'p1'); {edit}; return d; }})()"
        );
        match call(&c, &format!("c.constructor.fromSession({changed}).eventLogHash() === c.eventLogHash()")) {
            Ok(same) => assert_eq!(same, JsValue::FALSE, "{edit}: another run"),
            Err(e) => assert_error(&e, "InvalidArgument", "action"), // at + 1: the run was not there then
        }
    }
}

/// A flat action is read in one pass (its keys listed once, by the one-call reader); an action
/// holding a nested value or a float is read again, field by field (its keys listed more often):
/// each action is a Proxy counting its `ownKeys` calls. Both open to the run.
#[wasm_bindgen_test]
fn a_flat_action_is_read_in_one_pass() {
    let c = varied_run("{ seed: 5, proposers: 3, autoAdvance: false }", 14); // every value once
    let r = call(
        &c,
        r#"(() => {
            const d = c.session();
            const counts = d.actions.map(() => 0);
            d.actions = d.actions.map((a, i) => new Proxy(a, { ownKeys(t) { counts[i]++; return Reflect.ownKeys(t); } }));
            const same = c.constructor.fromSession(d).eventLogHash() === c.eventLogHash();
            const flat = (a) => Object.values(a).every(v => v === null || typeof v === "boolean" || typeof v === "string" && !/[\0\uD800-\uDFFF]/.test(v) || Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0));
            const plain = c.session().actions;
            return { same, flat: counts.filter((_, i) => flat(plain[i])), other: counts.filter((_, i) => !flat(plain[i])) };
        })()"#,
    )
    .unwrap();
    assert_eq!(get(&r, "same"), JsValue::TRUE, "the counted document opens to the run");
    let counts =
        |name: &str| -> Vec<f64> { js_sys::Array::from(&get(&r, name)).iter().map(|n| n.as_f64().unwrap()).collect() };
    let (flat, other) = (counts("flat"), counts("other"));
    assert!(flat.len() >= 14 && other.len() >= 8, "both kinds are in the run: {flat:?} {other:?}");
    assert!(flat.iter().all(|&n| n == 1.0), "each flat action's keys are listed once: {flat:?}");
    // The control: the counter sees the field-by-field reader's passes.
    assert!(other.iter().all(|&n| n > 1.0), "each other action is read again: {other:?}");
}

/// Hostile actions where the one-call reader looks first: each is refused with the careful
/// reader's message, and the cluster that called stays usable. Control: the document unchanged
/// opens.
#[wasm_bindgen_test]
fn hostile_actions_are_refused_with_clear_errors() {
    let c = varied_run("{ seed: 5, proposers: 3, autoAdvance: false }", 3);
    let cases = [
        (
            "Object.defineProperty(l[1], 'key', { get() { throw new Error('no'); }, enumerable: true })",
            "session.actions[1] could not be read (its field \"key\": a getter or Proxy threw)",
        ),
        (
            "(() => { const p = Proxy.revocable({}, {}); p.revoke(); l[1] = p.proxy; })()",
            "session.actions[1] could not be read",
        ),
        ("l[1] = new Proxy(l[1], { ownKeys() { throw new Error('trap'); } })", "session.actions[1] could not be read"),
        ("l[1].input = l[1]", "nested deeper than"),
        ("l[1].at = NaN", "session.actions[1] contains NaN, which JSON cannot hold"),
        ("l[1].input = undefined", "session.actions[1] contains undefined, which is not a JSON value"),
        ("l[1].input = new Date(0)", "session.actions[1] contains a non-plain object"),
        ("l[1].key = 'k\\uD800'", "session.actions[1] (a string in it) contains a lone surrogate"),
        ("l[1].at = -1", "actions[1].at must be an integer"),
        ("l[1] = 'heal'", "actions[1] must be an object"),
    ];
    for (edit, says) in cases {
        let expr = format!(
            "(() => {{ const d = c.session(); const l = d.actions; {edit}; return c.constructor.fromSession(d); }})()"
        );
        let e = call(&c, &expr).err().unwrap_or_else(|| panic!("{edit} opened"));
        assert_error(&e, "InvalidArgument", says);
    }
    let same = call(&c, "c.constructor.fromSession(c.session()).eventLogHash() === c.eventLogHash()").unwrap();
    assert_eq!(same, JsValue::TRUE, "the document unchanged opens, after every refusal");
}

/// An `actions.length` that throws or is not an array's length (only a Proxy can say NaN or -1)
/// is refused naming `session.actions.length`, not read as no actions. Control: the same Proxy
/// passing the true length through opens the document to its run.
#[wasm_bindgen_test]
fn an_unreadable_actions_length_is_refused_naming_it() {
    let c = varied_run("{ seed: 5, proposers: 3, autoAdvance: false }", 3);
    let open = |length: &str| {
        let expr = format!(
            "(() => {{ const d = c.session(); d.actions = new Proxy(d.actions, {{ get(t, k) {{ return k === 'length' ? ({length})(t) : Reflect.get(t, k); }} }}); return c.constructor.fromSession(d).eventLogHash() === c.eventLogHash(); }})()"
        );
        call(&c, &expr)
    };
    let cases = [
        ("t => { throw new Error('no'); }", "session.actions.length could not be read (a getter or Proxy threw)"),
        ("t => NaN", "session.actions.length could not be read: it is the number NaN, not an array's length"),
        ("t => -1", "session.actions.length could not be read: it is the number -1, not an array's length"),
        ("t => 1.5", "session.actions.length could not be read: it is the number 1.5"),
        ("t => '3'", "session.actions.length could not be read: it is the string"),
    ];
    for (length, says) in cases {
        let e = open(length).err().unwrap_or_else(|| panic!("a length of {length} opened"));
        assert_error(&e, "InvalidArgument", says);
    }
    assert_eq!(open("t => t.length").unwrap(), JsValue::TRUE, "the true length through the Proxy opens");
}

/// A hole in the actions (`[a, , b]`, or an action deleted) is refused naming its index.
/// Control: the same list with the action in its place opens to the run.
#[wasm_bindgen_test]
fn a_hole_in_the_actions_names_its_index() {
    let c = varied_run("{ seed: 5, proposers: 3, autoAdvance: false }", 3);
    let open = |edit: &str| {
        call(
            &c,
            &format!("(() => {{ const d = c.session(); const l = d.actions; {edit}; return c.constructor.fromSession(d).eventLogHash() === c.eventLogHash(); }})()"),
        )
    };
    for (edit, says) in [
        ("delete l[2]", "session.actions[2] is missing (a hole in the array, or undefined)"),
        ("d.actions = [l[0], , ...l.slice(2)]", "session.actions[1] is missing"),
        ("l[0] = undefined", "session.actions[0] is missing"),
    ] {
        let e = open(edit).err().unwrap_or_else(|| panic!("{edit} opened"));
        assert_error(&e, "InvalidArgument", says);
    }
    assert_eq!(open("d.actions = [l[0], l[1], ...l.slice(2)]").unwrap(), JsValue::TRUE, "the list rebuilt whole opens");
}

/// A getter's error names the action's index and the field, wherever the field is (a flat
/// action, read in one call, or one the careful reader reads). Control: the same getters
/// returning the field's value open the document to its run.
#[wasm_bindgen_test]
fn a_throwing_getter_names_the_action_and_its_field() {
    let c = varied_run("{ seed: 5, proposers: 3, autoAdvance: false }", 14);
    let open = |body: &str| {
        call(
            &c,
            &format!(
                "(() => {{ const d = c.session(); const l = d.actions; for (const i of [1, l.findIndex(a => typeof a.input === 'object' && a.input !== null)]) {{ const v = l[i].proposer; Object.defineProperty(l[i], 'proposer', {{ get() {{ {body} }}, enumerable: true }}); }} return c.constructor.fromSession(d).eventLogHash() === c.eventLogHash(); }})()"
            ),
        )
    };
    let e = open("throw new Error('no');").expect_err("a throwing getter opened");
    assert_error(
        &e,
        "InvalidArgument",
        "session.actions[1] could not be read (its field \"proposer\": a getter or Proxy threw)",
    );
    assert_eq!(open("return v;").unwrap(), JsValue::TRUE, "getters that answer open the document");
    // The other action (nested input: never read in one call) names its own index.
    let nested = call(
        &c,
        "(() => { const d = c.session(); const l = d.actions; const i = l.findIndex(a => typeof a.input === 'object' && a.input !== null); Object.defineProperty(l[i], 'op', { get() { throw new Error('no'); }, enumerable: true }); try { c.constructor.fromSession(d); return 'opened'; } catch (e) { return [i, e.message]; } })()",
    )
    .unwrap();
    let (i, message) = (js_sys::Array::from(&nested).get(0), js_sys::Array::from(&nested).get(1));
    let i = i.as_f64().expect("a nested action in the run");
    assert!(i > 1.0, "the nested action comes after action 1: {i}");
    let message = message.as_string().unwrap();
    let expected = format!("session.actions[{i}] could not be read (its field \"op\": a getter or Proxy threw)");
    assert!(message.contains(&expected), "{message:?} should say {expected:?}");
}
