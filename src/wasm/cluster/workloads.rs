//! Benchmark and test workloads for JavaScript: not part of the contract, and not in the shipped
//! wasm. Only the `workloads` cargo feature compiles them (`./build.sh bench` and the wasm tests
//! turn it on; `./build.sh build`, `dist` and `pack` do not).

use super::Cluster;
use crate::session::Recording;
use crate::sim::workload::{CheckerWorkload, IncrementWorkload};
use crate::wasm::js::{integer_arg, options, rate_arg, to_js, value_to_js, JsResult};
use crate::wasm::stack::stack_guard;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Most increments one `benchIncrements` call runs.
const MAX_BENCH_INCREMENTS: f64 = 10_000_000.0;
/// Most operations of one checker workload.
const MAX_CHECKER_OPERATIONS: f64 = 1_000_000.0;
/// Most clients or keys of the checker workload.
const MAX_WORKLOAD_CLIENTS_OR_KEYS: f64 = 100.0;

/// Runs the benchmark workload (the native benchmark's) and returns what it measured.
#[wasm_bindgen(
    js_name = "benchIncrements",
    unchecked_return_type = "{ increments: number, messages: number, events: number, messagesPerOperation: number, runMs: number }"
)]
pub fn bench_increments(increments: JsValue, drop_rate: JsValue) -> JsResult<JsValue> {
    stack_guard("benchIncrements()")?;
    let mut w = IncrementWorkload::default();
    if !increments.is_undefined() {
        w.increments = integer_arg("increments", &increments, 1.0, MAX_BENCH_INCREMENTS)? as usize;
    }
    if !drop_rate.is_undefined() {
        w.drop_rate = rate_arg("dropRate", &drop_rate)?;
    }
    // Timed as the native benchmark times it: from the first step to idle, not building the
    // cluster nor dropping it.
    let sim = w.start();
    let started = js_sys::Date::now();
    let r = IncrementWorkload::finish(&sim);
    let run_ms = js_sys::Date::now() - started;
    drop(sim);
    let ended = r.stats.ok + r.stats.failed + r.stats.unknown;
    Ok(to_js(&serde_json::json!({
        "increments": ended,
        "messages": r.stats.messages,
        "events": r.events,
        "messagesPerOperation": r.stats.messages_per_operation(),
        "runMs": run_ms,
    })))
}

#[wasm_bindgen]
impl Cluster {
    /// A benchmark helper: a finished cluster whose history holds `operations` mixed operations
    /// (the checker's benchmark workload), from `options.clients` concurrent clients over
    /// `options.keys` keys (each default 10; `{ clients: 1, keys: 1 }` is a sequential history).
    #[wasm_bindgen(js_name = "withCheckerWorkload")]
    pub fn with_checker_workload(
        operations: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ clients?: number; keys?: number } | undefined")] options_arg: JsValue,
    ) -> JsResult<Cluster> {
        let n = integer_arg("operations", &operations, 10.0, MAX_CHECKER_OPERATIONS)? as usize;
        let mut workload = CheckerWorkload::concurrent(n);
        for (key, v) in options("options", &options_arg, &["clients", "keys"])? {
            let count = integer_arg(&format!("options.{key}"), &v, 1.0, MAX_WORKLOAD_CLIENTS_OR_KEYS)? as usize;
            match key.as_str() {
                "clients" => workload.clients = count,
                _ => workload.keys = count,
            }
        }
        Ok(Cluster::of(Recording::from_sim(workload.run()), false))
    }
}

/// JSON → JS built object by object with serde-wasm-bindgen's JSON-compatible serializer (maps
/// as plain objects, integers as numbers): the alternative `benchConversion` measures.
fn to_js_objects(v: &impl Serialize) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// Converts the value in `json` (JSON text) to JS `n` times by each path — JSON text parsed by
/// `JSON.parse` (`to_js`), serde-wasm-bindgen's serializer, and what the shipped wasm does for
/// operation values (`value_to_js`) — and returns the milliseconds each took.
#[wasm_bindgen(
    js_name = "benchConversion",
    unchecked_return_type = "{ jsonText: number, objects: number, shipped: number }"
)]
pub fn bench_conversion(json: &str, n: u32) -> JsResult<JsValue> {
    stack_guard("benchConversion()")?;
    let value: serde_json::Value = crate::json_text::parse(json).unwrap_or_default();
    let now = || js_sys::Date::now();
    let time = |convert: &dyn Fn(&serde_json::Value) -> JsValue| {
        let start = now();
        for _ in 0..n {
            convert(&value);
        }
        now() - start
    };
    let json_text = time(&|v| to_js(v));
    let objects = time(&|v| to_js_objects(v));
    let shipped = time(&|v| value_to_js(v));
    Ok(to_js(&serde_json::json!({ "jsonText": json_text, "objects": objects, "shipped": shipped })))
}
