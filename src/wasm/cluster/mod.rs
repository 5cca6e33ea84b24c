//! The `Cluster` class for JavaScript (DESIGN.md section 3): argument checking, conversion and
//! errors only. Every operation, fault and view is implemented natively in [`crate::sim`],
//! [`crate::client`] and [`crate::view`]. Built with the `cluster` feature (the default).
//!
//! No input panics: each bad argument becomes a JS `Error` named `InvalidArgument` whose message
//! names the argument, and the cluster stays usable.

mod columns;
mod delivery;
mod extras;
mod gc;
mod guard;
mod lease;
mod membership;
mod promises;
mod workers;
#[cfg(feature = "workloads")]
mod workloads;
use super::facade::{existing_node, operation_and_fault_methods, Facade, Fault, MakeOp, Nodes, ReadFault};
use super::stack::stack_guard;
pub(in crate::wasm) use guard::ensure_guard;

use super::js::{bool_arg, error, integer_arg, invalid, options, rate_arg, to_js, JsResult};
use super::shared::{
    break_arg, clamp, latency_arg, marked, settled, Busy, ChangeRunning, Shape, Target, ThrownSlot, MAX_SEED,
};
use crate::limits::{IDLE_EVENTS, MAX_ATTEMPTS, MAX_SAFE_INTEGER};
use crate::ops::{Op, OpError};
use crate::protocol::ProposerId;
use crate::session::{Recording, Start, UserAction};
use crate::sim::{Node, Sim, SimConfig, MAX_ACCEPTORS, MAX_PROPOSERS};
use crate::view;
use js_sys::Promise;
use promises::{schedule_drive, Promises, Settle};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Waker;
use wasm_bindgen::prelude::*;

/// `events(since, limit)`' and `eventColumns(since, limit)`' arguments: `since` (default 0) and
/// `limit` (default all), whole numbers >= 0.
fn since_and_limit(since: &JsValue, limit: &JsValue) -> JsResult<(usize, usize)> {
    let since = if since.is_undefined() { 0 } else { integer_arg("since", since, 0.0, MAX_SEED)? };
    let limit = if limit.is_undefined() { u64::MAX } else { integer_arg("limit", limit, 0.0, MAX_SEED)? };
    Ok((clamp(since), clamp(limit)))
}

/// Steps an awaited operation may run under `autoAdvance` (an operation always ends well before).
const AUTO_ADVANCE_STEP_LIMIT: u64 = 50_000_000;

struct Inner {
    /// The simulation, recording what the user does (for sessions and share links); `None` once
    /// the cluster is freed. Each call takes its own `Rc` and holds no borrow of this cell while
    /// it runs (it may call into JS, and JS may call back).
    rec: RefCell<Option<Rc<Recording>>>,
    auto_advance: Cell<bool>,
    /// Operations' promises waiting for their operations (`promises.rs`).
    promises: Promises,
    /// Pending operations that asked `promises::drive` to run time for them (`autoAdvance`).
    parked: RefCell<Vec<Waker>>,
    /// A drive is due in a microtask / of every waiting operation / runs now (`promises.rs`).
    drive_due: Cell<bool>,
    drive_all: Cell<bool>,
    driving: Cell<bool>,
    /// Calls into the simulation in progress: 0 or 1 (JavaScript the cluster runs calling back
    /// into it is refused: [`Inner::busy_with`]). The guard restores it if an exception ever
    /// escapes a call.
    depth: Cell<u32>,
    /// Which of a change's JavaScript runs: the change function (`js_change`), or the cluster
    /// running one and reading its result (`Cluster::start`). What a refused call came from.
    change_running: ChangeRunning,
}

impl Busy {
    /// Where the refused call came from, after "cannot be called".
    fn origin(self) -> &'static str {
        match self {
            Busy::ChangeFunction => "from inside a change function",
            Busy::ChangeResult => {
                "from a getter or Proxy trap of a change function's result (the cluster is reading it)"
            }
            Busy::Arguments => {
                "from a getter or Proxy trap of the arguments of the call in progress (the cluster is reading them: put()'s value, an options object, ...)"
            }
        }
    }
}

impl Inner {
    fn new(rec: Recording, auto_advance: bool) -> Rc<Inner> {
        Inner::with(Some(Rc::new(rec)), auto_advance)
    }

    /// An `Inner` whose simulation is already gone (for the guard's probe).
    fn released() -> Rc<Inner> {
        Inner::with(None, false)
    }

    fn with(rec: Option<Rc<Recording>>, auto_advance: bool) -> Rc<Inner> {
        Rc::new(Inner {
            rec: RefCell::new(rec),
            auto_advance: Cell::new(auto_advance),
            depth: Cell::new(0),
            change_running: Rc::default(),
            promises: Promises::default(),
            parked: RefCell::default(),
            drive_due: Cell::new(false),
            drive_all: Cell::new(false),
            driving: Cell::new(false),
        })
    }

    fn recording(&self) -> Option<Rc<Recording>> {
        self.rec.borrow().clone()
    }

    /// Runs `f` unless the cluster is already running (a change function calling back into it)
    /// or was freed.
    fn enter_rec<T>(&self, f: impl FnOnce(&Recording) -> JsResult<T>) -> JsResult<T> {
        let Some(rec) = self.recording() else {
            return Err(invalid("this Cluster was freed (free() was called); create a new Cluster"));
        };
        let depth = self.depth.get();
        if depth > 0 {
            return Err(self.refusal());
        }
        self.depth.set(depth + 1);
        let result = f(&rec);
        self.depth.set(depth);
        drop(rec);
        self.settle();
        result
    }

    /// The error of a call that came back into the cluster while it runs one. Not inlined: every
    /// `enter_rec` is a copy of its own (each formatting the message: 896 B more gzipped wasm).
    #[cold]
    #[inline(never)]
    fn refusal(&self) -> JsValue {
        invalid(format!("the cluster cannot be called {}", self.busy_with().origin()))
    }

    /// What JavaScript the cluster is running while a call is in progress (`depth > 0`).
    fn busy_with(&self) -> Busy {
        self.change_running.get().unwrap_or(Busy::Arguments)
    }

    fn enter<T>(&self, f: impl FnOnce(&Sim) -> JsResult<T>) -> JsResult<T> {
        self.enter_rec(|rec| f(rec.sim()))
    }

    /// [`Inner::enter`], with the history's window complete (a sought run's checkpoint let its
    /// older records go: session/history_window.rs).
    fn enter_complete<T>(&self, f: impl FnOnce(&Sim) -> JsResult<T>) -> JsResult<T> {
        self.enter_rec(|rec| {
            rec.complete_history().map_err(|e| error(&e))?;
            f(rec.sim())
        })
    }

    /// Reads something that cannot call into JS (allowed from inside a change function);
    /// `T::default()` once freed.
    fn peek<T: Default>(&self, f: impl FnOnce(&Recording) -> T) -> T {
        self.recording().map(|rec| f(&rec)).unwrap_or_default()
    }

    /// Checks the arguments (`parse`), then does and records the action.
    fn act(&self, parse: impl FnOnce(&Sim) -> JsResult<UserAction>) -> JsResult<()> {
        self.enter_rec(|rec| {
            let action = parse(rec.sim())?;
            rec.act(action).map(drop).map_err(|e| error(&e))
        })
    }

    /// Drops the simulation (unless a call still runs in it: then when that call ends). Its
    /// pending operations end with it, which wakes their promises to reject.
    fn release(&self) {
        let rec = self.rec.borrow_mut().take();
        drop(rec);
        self.settle();
    }
}

/// A simulated CASPaxos cluster in virtual time.
#[wasm_bindgen]
pub struct Cluster {
    inner: Rc<Inner>,
}

/// Dropped by `free()` or when JS garbage-collects the object: the simulation goes with it, even
/// while operations' promises still hold the rest.
impl Drop for Cluster {
    fn drop(&mut self) {
        self.inner.release();
    }
}

#[wasm_bindgen]
impl Cluster {
    /// `new Cluster({ acceptors, proposers, seed, latency: {min, max}, dropRate, duplicateRate,
    /// oneRtt, autoAdvance, maxAttempts, quorums, break, batch, leases, clockDrift, pipeline,
    /// envelopes, gcDelay })`, every field optional.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClusterOptions | undefined")] opts: JsValue,
    ) -> JsResult<Cluster> {
        stack_guard("new Cluster()")?;
        let known = [
            "acceptors",
            "proposers",
            "seed",
            "latency",
            "dropRate",
            "duplicateRate",
            "oneRtt",
            "autoAdvance",
            "maxAttempts",
            "quorums",
            "break",
            "batch",
            "leases",
            "clockDrift",
            "pipeline",
            "envelopes",
            "gcDelay",
        ];
        let mut config = SimConfig::default();
        let mut auto_advance = true;
        let (mut breaks, mut quorums) = (None, None);
        let mut gc_delay = None;
        for (key, v) in options("options", &opts, &known)? {
            let name = format!("options.{key}");
            match key.as_str() {
                "acceptors" => config.acceptors = integer_arg(&name, &v, 1.0, MAX_ACCEPTORS as f64)? as usize,
                "proposers" => config.proposers = integer_arg(&name, &v, 1.0, MAX_PROPOSERS as f64)? as usize,
                "seed" => config.seed = integer_arg(&name, &v, 0.0, MAX_SEED)?,
                "latency" => {
                    let (min, max) = latency_arg(&name, &v, &config.net)?;
                    config.net.latency_ms_min = min;
                    config.net.latency_ms_max = max;
                }
                "dropRate" => {
                    let r = rate_arg(&name, &v)?;
                    config.net.drop_request_rate = r;
                    config.net.drop_reply_rate = r;
                }
                "duplicateRate" => config.net.duplicate_rate = rate_arg(&name, &v)?,
                "oneRtt" => config.driver.one_rtt = bool_arg(&name, &v)?,
                "autoAdvance" => auto_advance = bool_arg(&name, &v)?,
                "maxAttempts" => config.driver.max_attempts = integer_arg(&name, &v, 1.0, MAX_ATTEMPTS as f64)? as u32,
                "quorums" => quorums = Some(v),
                "break" => breaks = Some(v),
                "batch" => config.driver.batch_max = batch_arg(&name, &v)?,
                "leases" => config.driver.lease_ms = Some(lease::leases_arg(&name, &v)?),
                "clockDrift" => config.driver.clock_drift_ppm = lease::clock_drift_arg(&name, &v)?,
                "pipeline" => {
                    let n = integer_arg(&name, &v, 1.0, crate::limits::MAX_PIPELINE as f64)?;
                    config.driver.pipeline = Some(n as usize);
                }
                "envelopes" => config.net.envelopes = bool_arg(&name, &v)?,
                "gcDelay" => gc_delay = gc::gc_delay_arg(&name, &v)?,
                _ => {}
            }
        }
        if let Some(q) = quorums {
            config.driver.quorums = Some(membership::quorums_arg("options.quorums", &q, config.acceptors)?);
        }
        if let Some(b) = breaks {
            config.driver = break_arg("options.break", &b, config.driver, config.acceptors)?;
        }
        let rec = Recording::new(Start::Config(config)).map_err(|e| error(&e))?;
        if gc_delay.is_some() {
            // A recorded setting (not the start's): sessions and links keep their format.
            rec.act(UserAction::GcDelay(gc_delay)).map_err(|e| error(&e))?;
        }
        Ok(Cluster::of(rec, auto_advance))
    }

    // ---- time ----

    /// Virtual time in ms.
    #[wasm_bindgen(getter)]
    pub fn now(&self) -> f64 {
        self.inner.peek(|rec| rec.sim().now() as f64)
    }

    /// Runs one event; false when nothing is scheduled.
    pub fn step(&self) -> JsResult<bool> {
        self.inner.enter_rec(|rec| rec.step().map_err(|e| error(&e)))
    }

    /// Runs all events in the next `ms` virtual milliseconds; the clock stops at its end
    /// (`Cluster.limits.safeInteger`).
    #[wasm_bindgen(js_name = "runFor")]
    pub fn run_for(&self, #[wasm_bindgen(unchecked_param_type = "number")] ms: JsValue) -> JsResult<()> {
        self.inner
            .enter_rec(|rec| rec.run_for(integer_arg("ms", &ms, 0.0, MAX_SAFE_INTEGER as f64)?).map_err(|e| error(&e)))
    }

    /// Runs until nothing is scheduled, at most `maxEvents` (default 1,000,000) events. Returns
    /// the number of events run.
    #[wasm_bindgen(js_name = "runUntilIdle")]
    pub fn run_until_idle(
        &self,
        #[wasm_bindgen(js_name = "maxEvents", unchecked_param_type = "number | undefined")] max_events: JsValue,
    ) -> JsResult<f64> {
        self.inner.enter_rec(|rec| {
            let max = if max_events.is_undefined() {
                IDLE_EVENTS
            } else {
                integer_arg("maxEvents", &max_events, 0.0, MAX_SEED)?
            };
            Ok(rec.run_until_idle(max).map_err(|e| error(&e))? as f64)
        })
    }

    /// Client operations in flight.
    #[wasm_bindgen(getter)]
    pub fn pending(&self) -> f64 {
        self.inner.peek(|rec| rec.sim().pending() as f64)
    }

    /// Whether awaiting an operation runs virtual time by itself.
    #[wasm_bindgen(getter, js_name = "autoAdvance")]
    pub fn auto_advance(&self) -> bool {
        self.inner.auto_advance.get()
    }

    #[wasm_bindgen(setter, js_name = "autoAdvance")]
    pub fn set_auto_advance(&self, #[wasm_bindgen(unchecked_param_type = "boolean")] on: JsValue) -> JsResult<()> {
        let on = bool_arg("autoAdvance", &on)?;
        self.inner.auto_advance.set(on);
        if on && !self.inner.promises.is_empty() {
            // In a microtask: nothing runs inside this call.
            schedule_drive(&self.inner, true).map_err(|why| error(&OpError::unavailable(false, why)))?;
        }
        Ok(())
    }

    // ---- observation ----

    /// Events from `since` (default 0): `[{ seq, at, kind, ... }]`.
    #[wasm_bindgen(unchecked_return_type = "ClusterEvent[]")]
    pub fn events(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] since: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] limit: JsValue,
    ) -> JsResult<JsValue> {
        self.inner.enter_rec(|rec| {
            let (since, limit) = since_and_limit(&since, &limit)?;
            // Events older than the log's window are regenerated by replay (session/regenerate.rs).
            let events = rec.events(since, limit).map_err(|e| error(&e))?;
            Ok(to_js(&view::EventsView::of(since.min(rec.sim().event_count()), &events)))
        })
    }

    /// Number of events so far.
    #[wasm_bindgen(getter, js_name = "eventCount")]
    pub fn event_count(&self) -> f64 {
        self.inner.peek(|rec| rec.sim().event_count() as f64)
    }

    /// The event log as text, one line per event (`12ms p1->a2 prepare k 3.p1`). An
    /// `InvalidArgument` once a run that cannot be replayed let events go (the message says which
    /// are gone and what can still be read).
    #[wasm_bindgen(js_name = "eventLog")]
    pub fn event_log(&self) -> JsResult<String> {
        let log = self.inner.peek(|rec| {
            let traced = rec.sim().try_trace().is_some();
            traced.then(|| rec.event_log().map_err(|e| error(&e)))
        });
        log.unwrap_or_else(|| Ok(String::new()))
    }

    /// FNV-1a hash of the event log, as 16 hex digits: equal runs, equal hashes, native or wasm.
    #[wasm_bindgen(js_name = "eventLogHash")]
    pub fn event_log_hash(&self) -> String {
        self.inner.peek(|rec| {
            // Not `match rec.sim().try_trace().is_some() { .. }`: a match keeps its scrutinee's
            // temporaries (here a borrow of the trace) to its end, so the replay that hashes
            // what the window let go could not fold, and every long run's hash was "".
            let traced = rec.sim().try_trace().is_some();
            if traced {
                rec.event_log_hash().map(|h| format!("{h:016x}")).unwrap_or_default()
            } else {
                String::new()
            }
        })
    }

    /// Acceptors with their registers, proposers with their caches, the network.
    #[wasm_bindgen(unchecked_return_type = "ClusterState")]
    pub fn state(&self) -> JsResult<JsValue> {
        self.inner.enter(|sim| Ok(to_js(&view::state(sim))))
    }

    /// Client operations: `[{ id, proposer, op, key, input, invokeAt, returnAt, outcome, output }]`.
    #[wasm_bindgen(unchecked_return_type = "HistoryEntry[]")]
    pub fn history(&self) -> JsResult<JsValue> {
        self.inner.enter_complete(|sim| Ok(to_js(&view::history(sim))))
    }

    /// One history entry by id (`null` if there is none); cheaper than `history()` for polling.
    #[wasm_bindgen(unchecked_return_type = "HistoryEntry | null")]
    pub fn operation(&self, #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue) -> JsResult<JsValue> {
        self.inner.enter_rec(|rec| {
            let id = clamp(integer_arg("id", &id, 0.0, MAX_SEED)?);
            // Only the records from this one on (session/history_window.rs).
            rec.complete_record(id as u64).map_err(|e| error(&e))?;
            Ok(to_js(&view::operation_by_id(rec.sim(), id)))
        })
    }

    /// Id of the most recently invoked operation, or -1.
    #[wasm_bindgen(getter, js_name = "lastOperationId")]
    pub fn last_operation_id(&self) -> f64 {
        self.inner.peek(|rec| rec.sim().operation_count() as f64) - 1.0
    }

    /// Counts of operations, messages, conflicts, retries.
    #[wasm_bindgen(unchecked_return_type = "ClusterStats")]
    pub fn stats(&self) -> JsResult<JsValue> {
        self.inner.enter(|sim| Ok(to_js(&view::stats(sim))))
    }

    /// Latency percentiles per operation kind and rates over virtual time, in bounded buckets.
    #[wasm_bindgen(unchecked_return_type = "ClusterMetrics")]
    pub fn metrics(&self) -> JsResult<JsValue> {
        self.inner.enter(|sim| Ok(to_js(&view::metrics(sim))))
    }

    /// Every limit of the contract, as numbers (`Cluster.limits.keyChars` is 256).
    #[wasm_bindgen(getter, unchecked_return_type = "ClusterLimits")]
    pub fn limits() -> JsValue {
        to_js(&crate::limits::to_json())
    }

    // ---- for the guard installed by `start()`; not part of the contract ----

    /// Calls into the simulation in progress (0 or 1).
    #[wasm_bindgen(js_name = "__entered", skip_typescript)]
    pub fn entered(&self) -> u32 {
        self.inner.depth.get()
    }

    /// Puts the entry depth back to `depth` (never raises it) after an exception came out of a
    /// call: a call that had not finished would otherwise leave the cluster busy for good.
    #[wasm_bindgen(js_name = "__leave", skip_typescript)]
    pub fn leave(&self, depth: u32) {
        if depth < self.inner.depth.get() {
            self.inner.depth.set(depth);
            if depth == 0 {
                // What ran when the exception came out is over.
                self.inner.change_running.set(None);
            }
        }
    }

    /// The first half of `free()`: drops the simulation, so pending operations reject and the
    /// memory is released even while their promises are held. Refused while the cluster runs a
    /// change function (which may be the caller).
    #[wasm_bindgen(js_name = "__release", skip_typescript)]
    pub fn release(&self) -> JsResult<()> {
        if self.inner.depth.get() > 0 {
            let busy = self.inner.busy_with();
            let (running, wait) = match busy {
                Busy::ChangeFunction => (" (the cluster is running it)", "the operation has ended"),
                Busy::ChangeResult => ("", "the operation has ended"),
                Busy::Arguments => ("", "that call has returned"),
            };
            return Err(invalid(format!("free() cannot be called {}{running}; call it once {wait}", busy.origin())));
        }
        self.inner.release();
        Ok(())
    }
}

impl Cluster {
    /// A cluster running `rec` (every constructor comes here).
    fn of(rec: Recording, auto_advance: bool) -> Cluster {
        ensure_guard();
        Cluster { inner: Inner::new(rec, auto_advance) }
    }

    /// The promise of a started operation or membership change: it settles when `handle` ends.
    /// One future type for all of them (each distinct future is a copy of its polling code in
    /// the wasm).
    fn promise_of(&self, handle: crate::client::OpHandle, shape: Shape, thrown: Option<ThrownSlot>) -> Promise {
        let settle = Settle::new(&self.inner, handle);
        self.inner.promise(Box::pin(async move { settled(settle.await, shape, thrown) }))
    }
}

operation_and_fault_methods!(Cluster);

impl Facade for Cluster {
    /// Nothing is recorded when the arguments are refused.
    fn start(
        &self,
        target: Target,
        opts: &JsValue,
        extra_options: &[&str],
        shape: Shape,
        thrown: Option<ThrownSlot>,
        make: &MakeOp<'_>,
    ) -> Promise {
        // One body for every operation (`make` is a trait object, not a generic): ten copies of
        // it and of its future would be about 4 KB of the gzipped wasm.
        let started = self.inner.enter_rec(|rec| {
            let sim = rec.sim();
            let key = target.register_key()?;
            let mut known = vec!["proposer"];
            known.extend_from_slice(extra_options);
            let opts = options("options", opts, &known)?;
            let mut proposer = sim.first_proposer();
            for (k, v) in &opts {
                if k == "proposer" {
                    proposer = proposer_option(sim, v)?;
                }
            }
            let op = make(&opts)?;
            if rec.next_action_is_heavy() {
                // The guard proved only a start's headroom (stack.rs, `Headroom::Start`).
                stack_guard(&format!("{}()", op.name()))?;
            }
            if let Op::Change(change) = op {
                let op = Op::Change(marked_while_running(change, self.inner.change_running.clone()));
                return Ok(rec.invoke_unrecorded(proposer, &key, op));
            }
            let action = UserAction::Invoke { proposer, key, name: op.name().to_owned(), input: op.input() };
            rec.act(action).map_err(|e| error(&e))?.ok_or_else(|| invalid("not an operation"))
        });
        let handle = match started {
            Ok(h) => h,
            Err(e) => return Promise::reject(&e),
        };
        self.promise_of(handle, shape, thrown)
    }

    /// Checks the arguments, then does and records the fault.
    fn fault(&self, read: &ReadFault<'_>) -> JsResult<()> {
        self.inner.act(|sim| read(sim).map(UserAction::from))
    }

    /// A change function calling back into the cluster is refused by the entry depth (`Inner`);
    /// this only says what the refused call came from ([`Busy`]).
    fn change_running(&self) -> ChangeRunning {
        self.inner.change_running.clone()
    }
}

impl Nodes for Sim {
    fn check_node(&self, node: Node) -> Result<(), OpError> {
        Sim::check_node(self, node)
    }
    fn node_ids(&self) -> usize {
        Sim::node_ids(self)
    }
    fn acceptor_names(&self) -> String {
        Sim::acceptor_names(self)
    }
}

impl From<Fault> for UserAction {
    fn from(fault: Fault) -> UserAction {
        match fault {
            Fault::Crash(node) => UserAction::Crash(node),
            Fault::Restart(node) => UserAction::Restart(node),
            Fault::Wipe(a) => UserAction::Wipe(a),
            Fault::Partition(groups) => UserAction::Partition(groups),
            Fault::Heal => UserAction::Heal,
            Fault::DropRate(rate) => UserAction::DropRate(rate),
            Fault::DuplicateRate(rate) => UserAction::DuplicateRate(rate),
            Fault::Latency(min, max) => UserAction::Latency(min, max),
        }
    }
}

/// `change` with `running` marked while it runs, its result read included.
fn marked_while_running(change: crate::ops::ChangeFn, running: ChangeRunning) -> crate::ops::ChangeFn {
    Rc::new(move |current| marked(&running, Busy::ChangeResult, || change(current)))
}

/// `options.proposer`: a proposer of the cluster, not removed (`InvalidArgument` naming it).
fn proposer_option(sim: &Sim, v: &JsValue) -> JsResult<ProposerId> {
    let what = "options.proposer";
    match existing_node(sim, what, v)? {
        Node::Proposer(p) => {
            sim.check_member(Node::Proposer(p)).map_err(|e| invalid(format!("{what}: {}", e.message)))?;
            Ok(p)
        }
        Node::Acceptor(a) => Err(invalid(format!("{what} must be a proposer id, got the acceptor \"a{a}\""))),
    }
}

/// `batch: { max }`: operations per batch, `1..=MAX_BATCH` (1: off).
fn batch_arg(name: &str, v: &JsValue) -> JsResult<usize> {
    Ok(lease::integer_field_arg(name, v, "max", crate::limits::MAX_BATCH as u64)? as usize)
}
