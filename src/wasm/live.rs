//! The `LiveCluster` class for JavaScript (issue 13): [`crate::live::LiveCluster`] on the
//! browser's own executor (wasm-bindgen-futures) and timers (the global `setTimeout`, called
//! through `Reflect`: no web-sys), with the clock `Date.now()`. Argument checking, conversion
//! and errors only, with the same names and messages as `Cluster`'s; what cannot apply to a
//! run in real time (seek, sessions, links, stepping, `autoAdvance`) is absent.

use super::facade::{existing_node, operation_and_fault_methods, Facade, Fault, MakeOp, Nodes, ReadFault};
use super::js::{bool_arg, error, integer_arg, invalid, options, rate_arg, to_js, JsResult};
use super::shared::{break_arg, clamp, latency_arg, settled, ChangeRunning, Shape, Target, ThrownSlot, MAX_SEED};
use super::stack::stack_guard;
use crate::limits::MAX_ATTEMPTS;
use crate::live::{Host, LiveCluster as Core, LiveConfig, Task};
use crate::ops::OpError;
use crate::sim::{Node, MAX_ACCEPTORS, MAX_PROPOSERS};
use crate::view;
use js_sys::{Function, Promise, Reflect};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

/// The browser as a [`Host`].
pub(super) struct Browser {
    set_timeout: Function,
    /// The clock never goes back, even if the system clock does.
    last_ms: Cell<u64>,
}

impl Browser {
    pub(super) fn new() -> JsResult<Browser> {
        let set_timeout = Reflect::get(&js_sys::global(), &"setTimeout".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .ok_or_else(|| invalid("LiveCluster needs the global setTimeout"))?;
        Ok(Browser { set_timeout, last_ms: Cell::new(0) })
    }
}

impl Host for Browser {
    fn now_ms(&self) -> u64 {
        let now = (js_sys::Date::now() as u64).max(self.last_ms.get());
        self.last_ms.set(now);
        now
    }
    fn after(&self, delay_ms: u64, task: Box<dyn FnOnce()>) {
        let callback = Closure::once_into_js(task);
        // setTimeout does not throw for a function and a number.
        let _ = self.set_timeout.call2(&JsValue::UNDEFINED, &callback, &(delay_ms as f64).into());
    }
    fn spawn(&self, task: Task) {
        wasm_bindgen_futures::spawn_local(task);
    }
}

/// A `LiveCluster`'s configuration from `new LiveCluster(options)`'s (or `LiveCluster.join`'s)
/// options.
pub(super) fn live_config(opts: &JsValue) -> JsResult<LiveConfig> {
    let known = ["acceptors", "proposers", "latency", "dropRate", "duplicateRate", "oneRtt", "maxAttempts", "break"];
    let mut config = LiveConfig { seed: (js_sys::Math::random() * MAX_SEED) as u64, ..LiveConfig::default() };
    let mut breaks = None;
    for (key, v) in options("options", opts, &known)? {
        let name = format!("options.{key}");
        match key.as_str() {
            "acceptors" => config.acceptors = integer_arg(&name, &v, 1.0, MAX_ACCEPTORS as f64)? as usize,
            "proposers" => config.proposers = integer_arg(&name, &v, 1.0, MAX_PROPOSERS as f64)? as usize,
            "latency" => {
                let (min, max) = latency_arg(&name, &v, &config.net)?;
                (config.net.latency_ms_min, config.net.latency_ms_max) = (min, max);
            }
            "dropRate" => {
                let r = rate_arg(&name, &v)?;
                (config.net.drop_request_rate, config.net.drop_reply_rate) = (r, r);
            }
            "duplicateRate" => config.net.duplicate_rate = rate_arg(&name, &v)?,
            "oneRtt" => config.driver.one_rtt = bool_arg(&name, &v)?,
            "maxAttempts" => config.driver.max_attempts = integer_arg(&name, &v, 1.0, MAX_ATTEMPTS as f64)? as u32,
            _ => breaks = Some(v),
        }
    }
    if let Some(b) = breaks {
        config.driver = break_arg("options.break", &b, config.driver, config.acceptors)?;
    }
    Ok(config)
}

/// A CASPaxos cluster running in real time in this page.
#[wasm_bindgen]
pub struct LiveCluster {
    core: Rc<Core>,
    /// A change function is running (inside the cluster): calls into the cluster are refused.
    busy: ChangeRunning,
}

impl LiveCluster {
    pub(super) fn of(core: Core) -> LiveCluster {
        LiveCluster { core: Rc::new(core), busy: Rc::default() }
    }

    pub(super) fn core(&self) -> &Core {
        &self.core
    }
}

#[wasm_bindgen]
impl LiveCluster {
    /// `new LiveCluster({ acceptors, proposers, latency: {min, max}, dropRate, duplicateRate,
    /// oneRtt, maxAttempts, break })`, every field optional; latency in real ms.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "LiveClusterOptions | undefined")] opts: JsValue,
    ) -> JsResult<LiveCluster> {
        stack_guard("new LiveCluster()")?;
        let config = live_config(&opts)?;
        super::live_guard::ensure_live_guard();
        let core = Core::new(Rc::new(Browser::new()?), config).map_err(|e| error(&e))?;
        Ok(LiveCluster::of(core))
    }

    /// Whether a change function is running (the guard refuses `free()` then).
    #[wasm_bindgen(skip_typescript, js_name = "__busy")]
    pub fn busy_now(&self) -> bool {
        self.busy.get().is_some()
    }

    // ---- observation (the shapes of `Cluster`'s) ----

    /// Wall-clock ms since the cluster was made.
    #[wasm_bindgen(getter)]
    pub fn now(&self) -> f64 {
        self.core.now() as f64
    }

    /// Client operations in flight. (This and the other counters may be read from inside a
    /// change function: they read only the record of the run.)
    #[wasm_bindgen(getter)]
    pub fn pending(&self) -> f64 {
        self.core.pending() as f64
    }

    #[wasm_bindgen(unchecked_return_type = "ClusterEvent[]")]
    pub fn events(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] since: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] limit: JsValue,
    ) -> JsResult<JsValue> {
        self.act(|core| {
            let since = if since.is_undefined() { 0 } else { integer_arg("since", &since, 0.0, MAX_SEED)? };
            let limit = if limit.is_undefined() { u64::MAX } else { integer_arg("limit", &limit, 0.0, MAX_SEED)? };
            Ok(to_js(&view::EventsView::new(&core.trace(), clamp(since), clamp(limit))))
        })
    }

    #[wasm_bindgen(getter, js_name = "eventCount")]
    pub fn event_count(&self) -> f64 {
        self.core.trace().events.len() as f64
    }

    /// The event log as text, one line per event (times in wall-clock ms).
    #[wasm_bindgen(js_name = "eventLog")]
    pub fn event_log(&self) -> JsResult<String> {
        self.act(|core| Ok(core.trace().render()))
    }

    #[wasm_bindgen(unchecked_return_type = "ClusterState")]
    pub fn state(&self) -> JsResult<JsValue> {
        self.act(|core| Ok(to_js(&core.state())))
    }

    #[wasm_bindgen(unchecked_return_type = "HistoryEntry[]")]
    pub fn history(&self) -> JsResult<JsValue> {
        self.act(|core| Ok(to_js(&view::records(&core.history()))))
    }

    #[wasm_bindgen(unchecked_return_type = "HistoryEntry | null")]
    pub fn operation(&self, #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue) -> JsResult<JsValue> {
        self.act(|core| {
            let id = integer_arg("id", &id, 0.0, MAX_SEED)?;
            Ok(to_js(&view::record_by_id(&core.history(), clamp(id))))
        })
    }

    /// Id of the most recently invoked operation, or -1.
    #[wasm_bindgen(getter, js_name = "lastOperationId")]
    pub fn last_operation_id(&self) -> f64 {
        self.core.history().len() as f64 - 1.0
    }

    #[wasm_bindgen(unchecked_return_type = "ClusterStats")]
    pub fn stats(&self) -> JsResult<JsValue> {
        self.act(|core| Ok(to_js(&core.stats_json())))
    }

    /// Latency percentiles per operation kind, throughput, conflicts and retries over wall-clock
    /// ms, as `Cluster.metrics()` over virtual ms.
    #[wasm_bindgen(unchecked_return_type = "ClusterMetrics")]
    pub fn metrics(&self) -> JsResult<JsValue> {
        self.act(|core| Ok(to_js(&core.metrics_json())))
    }

    /// The checker and the oracles on the run so far, as `Cluster.check()`.
    #[wasm_bindgen(unchecked_return_type = "CheckReport")]
    pub fn check(
        &self,
        #[wasm_bindgen(js_name = "stepBudget", unchecked_param_type = "number | undefined")] step_budget: JsValue,
    ) -> JsResult<JsValue> {
        self.act(|core| {
            let budget = if step_budget.is_undefined() {
                crate::checker::DEFAULT_STEP_BUDGET
            } else {
                integer_arg("stepBudget", &step_budget, 1.0, MAX_SEED)?
            };
            Ok(to_js(&core.check(budget).to_json()))
        })
    }
}

impl LiveCluster {
    /// Runs `f` unless a change function is running inside the cluster, or the JavaScript stack
    /// left is less than `Cluster`'s calls need (the same probe).
    fn act<T>(&self, f: impl FnOnce(&Core) -> JsResult<T>) -> JsResult<T> {
        stack_guard("a LiveCluster call")?;
        if self.busy.get().is_some() {
            return Err(invalid("the cluster cannot be called from inside a change function"));
        }
        f(&self.core)
    }
}

operation_and_fault_methods!(LiveCluster);

impl Facade for LiveCluster {
    /// Checks the key and options, starts the operation on the browser's executor, and returns
    /// its promise. Bad input rejects it with `InvalidArgument`; nothing is recorded.
    fn start(
        &self,
        target: Target,
        opts: &JsValue,
        known_options: &[&str],
        shape: Shape,
        thrown: Option<ThrownSlot>,
        make: &MakeOp<'_>,
    ) -> Promise {
        let started = self.act(|core| {
            let key = target.register_key()?;
            let opts = options("options", opts, known_options)?;
            let mut proposer = 1;
            for (k, v) in &opts {
                if k == "proposer" {
                    proposer = match existing_node(core, "options.proposer", v)? {
                        Node::Proposer(p) => p,
                        Node::Acceptor(a) => {
                            return Err(invalid(format!(
                                "options.proposer must be a proposer id, got the acceptor \"a{a}\""
                            )))
                        }
                    };
                }
            }
            let op = make(&opts)?;
            core.invoke(proposer, &key, op).map_err(|e| error(&e))
        });
        let outcome = match started {
            Ok((_, outcome)) => outcome,
            Err(e) => return Promise::reject(&e),
        };
        future_to_promise(async move { settled(outcome.await, shape, thrown) })
    }

    /// Checks the arguments, then applies the fault to the running cluster.
    fn fault(&self, read: &ReadFault<'_>) -> JsResult<()> {
        self.act(|core| {
            let applied = match read(core)? {
                Fault::Crash(node) => core.crash(node),
                Fault::Restart(node) => core.restart(node),
                Fault::Wipe(a) => core.wipe(a),
                Fault::Partition(groups) => core.partition(groups),
                Fault::Heal => {
                    core.heal();
                    Ok(())
                }
                Fault::DropRate(rate) => core.set_drop_rate(rate),
                Fault::DuplicateRate(rate) => core.set_duplicate_rate(rate),
                Fault::Latency(min, max) => core.set_latency(min, max),
            };
            applied.map_err(|e| error(&e))
        })
    }

    fn change_running(&self) -> ChangeRunning {
        self.busy.clone()
    }
}

impl Nodes for Core {
    fn check_node(&self, node: Node) -> Result<(), OpError> {
        Core::check_node(self, node)
    }
    fn node_ids(&self) -> usize {
        self.config().acceptors + self.config().proposers
    }
    fn acceptor_names(&self) -> String {
        format!("a1..a{}", self.config().acceptors)
    }
}

#[wasm_bindgen(typescript_custom_section)]
const LIVE_TS_TYPES: &'static str = r#"
/** Options of `new LiveCluster()`: `ClusterOptions` without what only a simulation has (seed, autoAdvance). Latency in real ms. */
export type LiveClusterOptions = Omit<ClusterOptions, "seed" | "autoAdvance">;
"#;
