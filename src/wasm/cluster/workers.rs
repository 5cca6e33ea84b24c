//! Concurrent workers for JavaScript: `runWorkers({ workers, increments, key? })` starts a workers
//! run driven by the simulation (a recorded action); `workersRuns()` says how each is going.

use super::Cluster;
use crate::limits::{MAX_INCREMENTS_PER_WORKER, MAX_WORKERS};
use crate::session::UserAction;
use crate::sim::WorkersPlan;
use crate::view;
use crate::wasm::js::{error, integer_arg, options, string_arg, to_js, JsResult};
use wasm_bindgen::prelude::*;

/// The key a workers run increments when none is given.
const DEFAULT_WORKERS_KEY: &str = "workers";

fn plan_arg(v: &JsValue) -> JsResult<WorkersPlan> {
    let mut plan = WorkersPlan { workers: 10, increments: 100, key: DEFAULT_WORKERS_KEY.to_owned() };
    for (key, v) in options("options", v, &["workers", "increments", "key"])? {
        let name = format!("options.{key}");
        match key.as_str() {
            "workers" => plan.workers = integer_arg(&name, &v, 1.0, MAX_WORKERS as f64)? as usize,
            "increments" => plan.increments = integer_arg(&name, &v, 1.0, MAX_INCREMENTS_PER_WORKER as f64)? as usize,
            _ => plan.key = string_arg(&name, &v)?,
        }
    }
    plan.check().map_err(|e| error(&e))?;
    Ok(plan)
}

#[wasm_bindgen]
impl Cluster {
    /// Starts concurrent workers in virtual time: the key is read, `workers` workers (default 10)
    /// each increment it `increments` times (default 100; a worker's next increment starts when
    /// its last one ends; worker w goes through proposer w mod proposers + 1), and the key is read
    /// again. Returns the run's index in `workersRuns()`.
    #[wasm_bindgen(js_name = "runWorkers")]
    pub fn run_workers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WorkersOptions | undefined")] options: JsValue,
    ) -> JsResult<u32> {
        self.inner.act(|_| Ok(UserAction::Workers(plan_arg(&options)?)))?;
        Ok(self.inner.peek(|rec| rec.sim().workers_runs().len().saturating_sub(1)) as u32)
    }

    /// Every workers run: `[{ total, done, failed, before, after, finished }]`.
    #[wasm_bindgen(js_name = "workersRuns", unchecked_return_type = "WorkersProgress[]")]
    pub fn workers_runs(&self) -> JsResult<JsValue> {
        self.inner.enter(|sim| Ok(to_js(&view::workers_runs(sim))))
    }
}
