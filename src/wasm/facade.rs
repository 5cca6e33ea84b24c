//! The method shells `Cluster` and `LiveCluster` share (issue 12's D1: they were written twice):
//! the ten operations and the eight faults, generated for each class by [`operation_and_fault_methods!`]
//! from one text. A class says how it starts an operation and applies a fault ([`Facade`]); the
//! shells only read the arguments. Each class is in its own wasm module, so each module still
//! holds one copy of these shells, and no more.

use super::js::{describe, integer_arg, invalid, node_arg, rate_arg, JsResult};
use super::shared::{lock_op, node_array, ChangeRunning, Shape, Target, ThrownSlot};
use crate::ops::{Op, OpError};
use crate::protocol::AcceptorId;
use crate::sim::{Node, MAX_LATENCY_MS};
use js_sys::Promise;
use wasm_bindgen::JsValue;

/// The options every operation reads.
pub(super) const OPERATION_OPTIONS: &[&str] = &["proposer"];
/// The options a lock operation reads: an operation's and its `ttl`.
pub(super) const LOCK_OPTIONS: &[&str] = &["proposer", "ttl"];

/// Builds an operation from its options (what is left after `proposer`).
pub(super) type MakeOp<'a> = dyn Fn(&[(String, JsValue)]) -> JsResult<Op> + 'a;

/// A fault a reader injects, with its arguments checked against the cluster's nodes.
pub(super) enum Fault {
    Crash(Node),
    Restart(Node),
    Wipe(AcceptorId),
    Partition(Vec<Vec<Node>>),
    Heal,
    DropRate(f64),
    DuplicateRate(f64),
    Latency(u64, u64),
}

/// What a fault's argument reader needs to know of a cluster.
pub(super) trait Nodes {
    /// `Ok` if `node` names a node of the cluster.
    fn check_node(&self, node: Node) -> Result<(), OpError>;
    /// Node ids ever given out: the longest partition list that can make sense.
    fn node_ids(&self) -> usize;
    /// The acceptor ids, for the message naming them (`a1..a3`, `a2, a4`).
    fn acceptor_names(&self) -> String;
}

/// Reads a fault's arguments against a cluster's nodes.
pub(super) type ReadFault<'a> = dyn Fn(&dyn Nodes) -> JsResult<Fault> + 'a;

/// What a class supplies to the shared shells.
pub(super) trait Facade {
    /// Checks the key and options (`known_options`: the fields it reads), starts the operation,
    /// and returns its promise. Bad input rejects the promise with `InvalidArgument`; nothing is
    /// started.
    fn start(
        &self,
        target: Target,
        opts: &JsValue,
        known_options: &[&str],
        shape: Shape,
        thrown: Option<ThrownSlot>,
        make: &MakeOp<'_>,
    ) -> Promise;

    /// Reads the fault's arguments (`read`, unless the cluster cannot be called now) and applies
    /// it. One body for every fault (`read` is a trait object, as `make` is): generic, both
    /// modules were larger (README, "wasm size").
    fn fault(&self, read: &ReadFault<'_>) -> JsResult<()>;

    /// Which of a change's JavaScript runs now, if the class refuses calls from inside it.
    fn change_running(&self) -> ChangeRunning;

    /// `acquireLock`, `acquireLease`, `releaseLock`: the lock's name, its owner and `ttl`.
    fn lock_operation(
        &self,
        name: &JsValue,
        owner: &JsValue,
        opts: &JsValue,
        shape: Shape,
        make: fn(String, Option<u64>) -> Op,
    ) -> Promise {
        self.start(Target::Lock(name), opts, LOCK_OPTIONS, shape, None, &|opts| lock_op(owner, opts, make))
    }
}

/// A node id that exists in this cluster.
pub(super) fn existing_node(nodes: &dyn Nodes, name: &str, v: &JsValue) -> JsResult<Node> {
    let node = node_arg(name, v)?;
    nodes.check_node(node).map_err(|e| invalid(format!("{name}: {}", e.message)))?;
    Ok(node)
}

/// `wipe(acceptor)`: an acceptor of this cluster.
pub(super) fn wipe_fault(nodes: &dyn Nodes, v: &JsValue) -> JsResult<Fault> {
    match existing_node(nodes, "acceptor", v)? {
        Node::Acceptor(a) => Ok(Fault::Wipe(a)),
        Node::Proposer(p) => {
            Err(invalid(format!("wipe needs an acceptor ({}), got the proposer \"p{p}\"", nodes.acceptor_names())))
        }
    }
}

/// `partition(groups)`: arrays of node ids of this cluster.
pub(super) fn partition_fault(nodes: &dyn Nodes, groups: &JsValue) -> JsResult<Fault> {
    let ids = nodes.node_ids();
    let groups = node_array("groups", groups, ids, "an array of arrays of node ids")?;
    let mut parsed = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let name = format!("groups[{i}]");
        let mut members = Vec::new();
        for (j, id) in node_array(&name, group, ids, "an array of node ids")?.iter().enumerate() {
            members.push(existing_node(nodes, &format!("{name}[{j}]"), id)?);
        }
        parsed.push(members);
    }
    Ok(Fault::Partition(parsed))
}

/// `setLatency(min, max)`: each an integer of ms within the latency limit.
pub(super) fn latency_fault(min: &JsValue, max: &JsValue) -> JsResult<Fault> {
    let min = integer_arg("min", min, 0.0, MAX_LATENCY_MS as f64)?;
    let max = integer_arg("max", max, 0.0, MAX_LATENCY_MS as f64)?;
    Ok(Fault::Latency(min, max))
}

/// `setDropRate(rate)` and `setDuplicateRate(rate)`: a probability.
pub(super) fn rate_fault(rate: &JsValue, fault: fn(f64) -> Fault) -> JsResult<Fault> {
    Ok(fault(rate_arg("rate", rate)?))
}

/// `change(key, fn)`'s `fn`, if it is a function.
pub(super) fn change_function(f: &JsValue) -> Result<js_sys::Function, Promise> {
    use wasm_bindgen::JsCast;
    f.dyn_ref::<js_sys::Function>()
        .cloned()
        .ok_or_else(|| Promise::reject(&invalid(format!("fn must be a function, got {}", describe(f)))))
}

/// The ten operations and eight faults of DESIGN.md section 3 as `#[wasm_bindgen]` methods of
/// `$class`, which implements [`Facade`]. Times (`ttl`, latency) are in the class's ms: virtual
/// for `Cluster`, wall-clock for `LiveCluster`.
macro_rules! operation_and_fault_methods {
    ($class:ident) => {
        #[wasm_bindgen]
        impl $class {
            /// Applies `fn(current)` (current is `null` for an empty key) and resolves to the new
            /// value. `fn` may run once per attempt; if it throws, the promise rejects with
            /// `UpdateRejected`.
            #[wasm_bindgen(unchecked_return_type = "Promise<JsonValue>")]
            pub fn change(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
                #[wasm_bindgen(js_name = "fn", unchecked_param_type = "(current: JsonValue) => JsonValue")] f: JsValue,
                #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::{Facade, OPERATION_OPTIONS as OPTIONS};
                use $crate::wasm::shared::{Shape, Target, ThrownSlot};
                let f = match $crate::wasm::facade::change_function(&f) {
                    Ok(f) => f,
                    Err(rejected) => return rejected,
                };
                let thrown: ThrownSlot = ::std::rc::Rc::default();
                let change = $crate::wasm::shared::js_change(f, thrown.clone(), self.change_running());
                self.start(Target::Key(&key), &opts, OPTIONS, Shape::Value, Some(thrown), &|_| {
                    Ok($crate::ops::Op::Change(change.clone()))
                })
            }

            #[wasm_bindgen(unchecked_return_type = "Promise<JsonValue>")]
            pub fn put(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
                #[wasm_bindgen(unchecked_param_type = "JsonValue")] value: JsValue,
                #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::{Facade, OPERATION_OPTIONS as OPTIONS};
                use $crate::wasm::shared::{json_arg, Shape, Target};
                self.start(Target::Key(&key), &opts, OPTIONS, Shape::Value, None, &|_| {
                    Ok($crate::ops::Op::Put(json_arg("value", &value)?))
                })
            }

            /// A linearizable read: a full round.
            #[wasm_bindgen(unchecked_return_type = "Promise<JsonValue>")]
            pub fn get(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
                #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::{Facade, OPERATION_OPTIONS as OPTIONS};
                use $crate::wasm::shared::{Shape, Target};
                self.start(Target::Key(&key), &opts, OPTIONS, Shape::Value, None, &|_| Ok($crate::ops::Op::Get))
            }

            #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
            pub fn delete(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
                #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::{Facade, OPERATION_OPTIONS as OPTIONS};
                use $crate::wasm::shared::{Shape, Target};
                self.start(Target::Key(&key), &opts, OPTIONS, Shape::Undefined, None, &|_| Ok($crate::ops::Op::Delete))
            }

            /// Adds 1 (an empty key counts as 0); resolves to the new number.
            #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
            pub fn increment(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
                #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::{Facade, OPERATION_OPTIONS as OPTIONS};
                use $crate::wasm::shared::{Shape, Target};
                self.start(Target::Key(&key), &opts, OPTIONS, Shape::Value, None, &|_| Ok($crate::ops::Op::Increment))
            }

            /// `{ version, value }`; version 0 for an empty key.
            #[wasm_bindgen(unchecked_return_type = "Promise<Versioned>")]
            pub fn read(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
                #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::{Facade, OPERATION_OPTIONS as OPTIONS};
                use $crate::wasm::shared::{Shape, Target};
                self.start(Target::Key(&key), &opts, OPTIONS, Shape::Value, None, &|_| Ok($crate::ops::Op::Read))
            }

            /// Writes if the key is at `expectedVersion`; resolves to `{ version }` or rejects
            /// with `VersionConflict`.
            #[wasm_bindgen(unchecked_return_type = "Promise<{ version: number }>")]
            pub fn write(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
                #[wasm_bindgen(js_name = "expectedVersion", unchecked_param_type = "number")] expected_version: JsValue,
                #[wasm_bindgen(unchecked_param_type = "JsonValue")] value: JsValue,
                #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::{Facade, OPERATION_OPTIONS as OPTIONS};
                use $crate::wasm::shared::{json_arg, Shape, Target, MAX_SEED};
                self.start(Target::Key(&key), &opts, OPTIONS, Shape::Value, None, &|_| {
                    let expected = $crate::wasm::js::integer_arg("expectedVersion", &expected_version, 0.0, MAX_SEED)?;
                    Ok($crate::ops::Op::Write { expected, value: json_arg("value", &value)? })
                })
            }

            /// Takes lock `name` for `owner` (`opts.ttl`: ms until it expires, virtual in `Cluster`,
            /// wall-clock in `LiveCluster`). Resolves to false when another owner holds it.
            #[wasm_bindgen(js_name = "acquireLock", unchecked_return_type = "Promise<boolean>")]
            pub fn acquire_lock(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
                #[wasm_bindgen(unchecked_param_type = "string")] owner: JsValue,
                #[wasm_bindgen(unchecked_param_type = "LockOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::Facade;
                self.lock_operation(&name, &owner, &opts, $crate::wasm::shared::Shape::Boolean, |owner, ttl_ms| {
                    $crate::ops::Op::AcquireLock { owner, ttl_ms }
                })
            }

            /// Takes lock `name` for `owner` like `acquireLock`, and resolves to the lease:
            /// `{ acquired, holder, expiresAt, token }`. `token` grows with every grant of this
            /// lock (a fencing token): hand it to whatever the lock protects, which refuses older
            /// tokens.
            #[wasm_bindgen(js_name = "acquireLease", unchecked_return_type = "Promise<Lease>")]
            pub fn acquire_lease(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
                #[wasm_bindgen(unchecked_param_type = "string")] owner: JsValue,
                #[wasm_bindgen(unchecked_param_type = "LockOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::Facade;
                self.lock_operation(&name, &owner, &opts, $crate::wasm::shared::Shape::Value, |owner, ttl_ms| {
                    $crate::ops::Op::AcquireLease { owner, ttl_ms }
                })
            }

            /// Releases lock `name`; resolves to true if `owner` held it.
            #[wasm_bindgen(js_name = "releaseLock", unchecked_return_type = "Promise<boolean>")]
            pub fn release_lock(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
                #[wasm_bindgen(unchecked_param_type = "string")] owner: JsValue,
                #[wasm_bindgen(unchecked_param_type = "OperationOptions | undefined")] opts: JsValue,
            ) -> js_sys::Promise {
                use $crate::wasm::facade::Facade;
                self.lock_operation(&name, &owner, &opts, $crate::wasm::shared::Shape::Boolean, |owner, _| {
                    $crate::ops::Op::ReleaseLock { owner }
                })
            }

            // ---- faults ----

            /// Crashes a node (`"a1"`, `"p2"`).
            pub fn crash(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] node: JsValue) -> JsResult<()> {
                use $crate::wasm::facade::{existing_node, Facade, Fault};
                self.fault(&|nodes| Ok(Fault::Crash(existing_node(nodes, "node", &node)?)))
            }

            /// Restarts a crashed node; an acceptor keeps its durable state.
            pub fn restart(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] node: JsValue) -> JsResult<()> {
                use $crate::wasm::facade::{existing_node, Facade, Fault};
                self.fault(&|nodes| Ok(Fault::Restart(existing_node(nodes, "node", &node)?)))
            }

            /// Restarts an acceptor with empty storage (outside CASPaxos's fault model).
            pub fn wipe(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] acceptor: JsValue) -> JsResult<()> {
                use $crate::wasm::facade::Facade;
                self.fault(&|nodes| $crate::wasm::facade::wipe_fault(nodes, &acceptor))
            }

            /// `partition([["a1", "p1"], ["a2"]])`: nodes in different groups cannot talk;
            /// unlisted nodes form one more group.
            pub fn partition(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string[][]")] groups: JsValue,
            ) -> JsResult<()> {
                use $crate::wasm::facade::Facade;
                self.fault(&|nodes| $crate::wasm::facade::partition_fault(nodes, &groups))
            }

            /// Cuts one node off from all others.
            pub fn isolate(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] node: JsValue) -> JsResult<()> {
                use $crate::wasm::facade::{existing_node, Facade, Fault};
                self.fault(&|nodes| Ok(Fault::Partition(vec![vec![existing_node(nodes, "node", &node)?]])))
            }

            /// Removes every partition.
            pub fn heal(&self) -> JsResult<()> {
                use $crate::wasm::facade::{Facade, Fault};
                self.fault(&|_| Ok(Fault::Heal))
            }

            /// Chance each message (request or reply) is lost.
            #[wasm_bindgen(js_name = "setDropRate")]
            pub fn set_drop_rate(
                &self,
                #[wasm_bindgen(unchecked_param_type = "number")] rate: JsValue,
            ) -> JsResult<()> {
                use $crate::wasm::facade::{rate_fault, Facade, Fault};
                self.fault(&|_| rate_fault(&rate, Fault::DropRate))
            }

            /// Chance each message is delivered twice.
            #[wasm_bindgen(js_name = "setDuplicateRate")]
            pub fn set_duplicate_rate(
                &self,
                #[wasm_bindgen(unchecked_param_type = "number")] rate: JsValue,
            ) -> JsResult<()> {
                use $crate::wasm::facade::{rate_fault, Facade, Fault};
                self.fault(&|_| rate_fault(&rate, Fault::DuplicateRate))
            }

            /// One-way delay range in ms (virtual in `Cluster`, wall-clock in `LiveCluster`).
            #[wasm_bindgen(js_name = "setLatency")]
            pub fn set_latency(
                &self,
                #[wasm_bindgen(unchecked_param_type = "number")] min: JsValue,
                #[wasm_bindgen(unchecked_param_type = "number")] max: JsValue,
            ) -> JsResult<()> {
                use $crate::wasm::facade::Facade;
                self.fault(&|_| $crate::wasm::facade::latency_fault(&min, &max))
            }
        }
    };
}
pub(super) use operation_and_fault_methods;
