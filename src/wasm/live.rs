//! The `LiveCluster` class for JavaScript (issue 13): [`crate::live::LiveCluster`] on the
//! browser's own executor (wasm-bindgen-futures) and timers (the global `setTimeout`, called
//! through `Reflect`: no web-sys), with the clock `Date.now()`. Argument checking, conversion
//! and errors only, with the same names and messages as `Cluster`'s; what cannot apply to a
//! run in real time (seek, sessions, links, stepping, `autoAdvance`) is absent.

use super::js::{bool_arg, describe, error, integer_arg, invalid, node_arg, options, rate_arg, to_js, JsResult};
use super::shared::{
    break_arg, clamp, js_change, json_arg, latency_arg, lock_op, node_array, settled, Shape, Target, ThrownSlot,
    MAX_SEED,
};
use super::stack::stack_guard;
use crate::limits::MAX_ATTEMPTS;
use crate::live::{Host, LiveCluster as Core, LiveConfig, Task};
use crate::ops::Op;
use crate::sim::{Node, MAX_ACCEPTORS, MAX_LATENCY_MS, MAX_PROPOSERS};
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

/// Builds an operation from its options (after `proposer`).
type MakeOp<'a> = dyn Fn(&[(String, JsValue)]) -> JsResult<Op> + 'a;

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
    busy: Rc<Cell<bool>>,
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
        self.busy.get()
    }

    // ---- operations (as `Cluster`'s) ----

    #[wasm_bindgen(unchecked_return_type = "Promise<JsonValue>")]
    pub fn change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(js_name = "fn", unchecked_param_type = "(current: JsonValue) => JsonValue")] f: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
    ) -> Promise {
        let Some(f) = f.dyn_ref::<Function>().cloned() else {
            return Promise::reject(&invalid(format!("fn must be a function, got {}", describe(&f))));
        };
        let thrown: ThrownSlot = Rc::default();
        let change = js_change(f, thrown.clone(), self.busy.clone());
        self.start(Target::Key(&key), &opts, &[], Shape::Value, Some(thrown), &|_| Ok(Op::Change(change.clone())))
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<JsonValue>")]
    pub fn put(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "JsonValue")] value: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.start(Target::Key(&key), &opts, &[], Shape::Value, None, &|_| Ok(Op::Put(json_arg("value", &value)?)))
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<JsonValue>")]
    pub fn get(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.start(Target::Key(&key), &opts, &[], Shape::Value, None, &|_| Ok(Op::Get))
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn delete(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.start(Target::Key(&key), &opts, &[], Shape::Undefined, None, &|_| Ok(Op::Delete))
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn increment(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.start(Target::Key(&key), &opts, &[], Shape::Value, None, &|_| Ok(Op::Increment))
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<Versioned>")]
    pub fn read(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.start(Target::Key(&key), &opts, &[], Shape::Value, None, &|_| Ok(Op::Read))
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<{ version: number }>")]
    pub fn write(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(js_name = "expectedVersion", unchecked_param_type = "number")] expected_version: JsValue,
        #[wasm_bindgen(unchecked_param_type = "JsonValue")] value: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.start(Target::Key(&key), &opts, &[], Shape::Value, None, &|_| {
            let expected = integer_arg("expectedVersion", &expected_version, 0.0, MAX_SEED)?;
            Ok(Op::Write { expected, value: json_arg("value", &value)? })
        })
    }

    /// `opts.ttl`: real ms until the lock expires.
    #[wasm_bindgen(js_name = "acquireLock", unchecked_return_type = "Promise<boolean>")]
    pub fn acquire_lock(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] owner: JsValue,
        #[wasm_bindgen(unchecked_param_type = "LockOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.lock_operation(&name, &owner, &opts, Shape::Boolean, |owner, ttl_ms| Op::AcquireLock { owner, ttl_ms })
    }

    #[wasm_bindgen(js_name = "acquireLease", unchecked_return_type = "Promise<Lease>")]
    pub fn acquire_lease(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] owner: JsValue,
        #[wasm_bindgen(unchecked_param_type = "LockOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.lock_operation(&name, &owner, &opts, Shape::Value, |owner, ttl_ms| Op::AcquireLease { owner, ttl_ms })
    }

    #[wasm_bindgen(js_name = "releaseLock", unchecked_return_type = "Promise<boolean>")]
    pub fn release_lock(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] owner: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
    ) -> Promise {
        self.lock_operation(&name, &owner, &opts, Shape::Boolean, |owner, _| Op::ReleaseLock { owner })
    }

    // ---- faults ----

    pub fn crash(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] node: JsValue) -> JsResult<()> {
        self.act(|core| core.crash(self.node("node", &node)?).map_err(|e| error(&e)))
    }

    pub fn restart(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] node: JsValue) -> JsResult<()> {
        self.act(|core| core.restart(self.node("node", &node)?).map_err(|e| error(&e)))
    }

    pub fn wipe(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] acceptor: JsValue) -> JsResult<()> {
        self.act(|core| match self.node("acceptor", &acceptor)? {
            Node::Acceptor(a) => core.wipe(a).map_err(|e| error(&e)),
            Node::Proposer(p) => Err(invalid(format!(
                "wipe needs an acceptor (a1..a{}), got the proposer \"p{p}\"",
                core.config().acceptors
            ))),
        })
    }

    pub fn partition(&self, #[wasm_bindgen(unchecked_param_type = "string[][]")] groups: JsValue) -> JsResult<()> {
        self.act(|core| {
            let nodes = core.config().acceptors + core.config().proposers;
            let groups = node_array("groups", &groups, nodes, "an array of arrays of node ids")?;
            let mut parsed = Vec::new();
            for (i, group) in groups.iter().enumerate() {
                let name = format!("groups[{i}]");
                let mut members = Vec::new();
                for (j, id) in node_array(&name, group, nodes, "an array of node ids")?.iter().enumerate() {
                    members.push(self.node(&format!("{name}[{j}]"), id)?);
                }
                parsed.push(members);
            }
            core.partition(parsed).map_err(|e| error(&e))
        })
    }

    pub fn isolate(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] node: JsValue) -> JsResult<()> {
        self.act(|core| core.partition(vec![vec![self.node("node", &node)?]]).map_err(|e| error(&e)))
    }

    pub fn heal(&self) -> JsResult<()> {
        self.act(|core| {
            core.heal();
            Ok(())
        })
    }

    #[wasm_bindgen(js_name = "setDropRate")]
    pub fn set_drop_rate(&self, #[wasm_bindgen(unchecked_param_type = "number")] rate: JsValue) -> JsResult<()> {
        self.act(|core| core.set_drop_rate(rate_arg("rate", &rate)?).map_err(|e| error(&e)))
    }

    #[wasm_bindgen(js_name = "setDuplicateRate")]
    pub fn set_duplicate_rate(&self, #[wasm_bindgen(unchecked_param_type = "number")] rate: JsValue) -> JsResult<()> {
        self.act(|core| core.set_duplicate_rate(rate_arg("rate", &rate)?).map_err(|e| error(&e)))
    }

    /// One-way delay range in real ms.
    #[wasm_bindgen(js_name = "setLatency")]
    pub fn set_latency(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] min: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] max: JsValue,
    ) -> JsResult<()> {
        self.act(|core| {
            let min = integer_arg("min", &min, 0.0, MAX_LATENCY_MS as f64)?;
            let max = integer_arg("max", &max, 0.0, MAX_LATENCY_MS as f64)?;
            core.set_latency(min, max).map_err(|e| error(&e))
        })
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
        if self.busy.get() {
            return Err(invalid("the cluster cannot be called from inside a change function"));
        }
        f(&self.core)
    }

    /// A node id that exists in this cluster.
    fn node(&self, name: &str, v: &JsValue) -> JsResult<Node> {
        let node = node_arg(name, v)?;
        self.core.check_node(node).map_err(|e| invalid(format!("{name}: {}", e.message)))?;
        Ok(node)
    }

    /// Checks the key and options, starts the operation on the browser's executor, and returns
    /// its promise. Bad input rejects it with `InvalidArgument`; nothing is recorded.
    fn start(
        &self,
        target: Target,
        opts: &JsValue,
        extra_options: &[&str],
        shape: Shape,
        thrown: Option<ThrownSlot>,
        make: &MakeOp<'_>,
    ) -> Promise {
        let started = self.act(|core| {
            let key = target.register_key()?;
            let mut known = vec!["proposer"];
            known.extend_from_slice(extra_options);
            let opts = options("options", opts, &known)?;
            let mut proposer = 1;
            for (k, v) in &opts {
                if k == "proposer" {
                    proposer = match self.node("options.proposer", v)? {
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

    fn lock_operation(
        &self,
        name: &JsValue,
        owner: &JsValue,
        opts: &JsValue,
        shape: Shape,
        make: fn(String, Option<u64>) -> Op,
    ) -> Promise {
        self.start(Target::Lock(name), opts, &["ttl"], shape, None, &|opts| lock_op(owner, opts, make))
    }
}

#[wasm_bindgen(typescript_custom_section)]
const LIVE_TS_TYPES: &'static str = r#"
/** Options of `new LiveCluster()`: `ClusterOptions` without what only a simulation has (seed, autoAdvance). Latency in real ms. */
export type LiveClusterOptions = Omit<ClusterOptions, "seed" | "autoAdvance">;
"#;
