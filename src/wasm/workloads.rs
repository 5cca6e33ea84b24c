//! Benchmark and test workloads for JavaScript: not part of the contract, and not in the shipped
//! wasm. Only the `workloads` cargo feature compiles them (`./build.sh bench` and the wasm tests
//! turn it on; `./build.sh build`, `dist` and `pack` do not).

use super::js::{integer_arg, options, rate_arg, to_js, JsResult};
use super::{guard::stack_guard, Cluster};
use crate::session::Recording;
use crate::sim::workload::{CheckerWorkload, IncrementWorkload};
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
    unchecked_return_type = "{ increments: number, messages: number, events: number, messagesPerOperation: number }"
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
    let r = w.run();
    let ended = r.stats.ok + r.stats.failed + r.stats.unknown;
    Ok(to_js(&serde_json::json!({
        "increments": ended,
        "messages": r.stats.messages,
        "events": r.events,
        "messagesPerOperation": r.stats.messages_per_operation(),
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
