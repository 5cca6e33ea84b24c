//! What `Cluster`'s and `LiveCluster`'s facades share: the operations' argument readers, how an
//! operation's promise settles, and the TypeScript types of both modules.

use super::js::{
    array_items, bool_arg, describe, error, integer_arg, invalid, is_array, options, string_arg, thrown_message,
    to_json, to_json_within, value_to_js, JsResult,
};
use crate::driver::DriverConfig;
use crate::limits::{check_name, MAX_SAFE_INTEGER};
use crate::ops::{ErrorKind, Op, OpError};
use crate::sim::{NetConfig, MAX_LATENCY_MS};
use js_sys::{Function, Reflect};
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");

/// The methods that return a promise (a freed cluster rejects them rather than throwing): one
/// per operation kind, named as the operation.
pub(super) fn async_method_names() -> js_sys::Array {
    crate::ops::OpKind::ALL.iter().map(|k| JsValue::from_str(k.name())).collect()
}

/// Largest seed, version, ttl or time: an exact JS integer.
pub(super) const MAX_SEED: f64 = MAX_SAFE_INTEGER as f64;

/// What an operation's result becomes in JS.
#[derive(Clone, Copy)]
pub(super) enum Shape {
    Value,
    Undefined,
    Boolean,
}

impl Shape {
    pub(super) fn to_js(self, v: &Json) -> JsValue {
        match self {
            Shape::Value => value_to_js(v),
            Shape::Undefined => JsValue::UNDEFINED,
            Shape::Boolean => JsValue::from_bool(v.as_bool().unwrap_or(false)),
        }
    }
}

pub(super) type ThrownSlot = Rc<RefCell<Option<JsValue>>>;

/// A lock operation from its `owner` and options (`ttl`).
pub(super) fn lock_op(
    owner: &JsValue,
    opts: &[(String, JsValue)],
    make: fn(String, Option<u64>) -> Op,
) -> JsResult<Op> {
    let owner = string_arg("owner", owner)?;
    check_name("owner", &owner).map_err(|e| error(&e))?;
    let mut ttl = None;
    for (k, v) in opts {
        if k == "ttl" {
            ttl = Some(integer_arg("options.ttl", v, 1.0, MAX_SEED)?);
        }
    }
    Ok(make(owner, ttl))
}

/// What JavaScript a class was running when a call came back into it (it is refused, and says
/// which). `LiveCluster` marks only its change functions.
#[derive(Clone, Copy, PartialEq, Debug)]
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(super) enum Busy {
    /// A change function: the contract's original wording.
    ChangeFunction,
    /// A getter or Proxy trap of a change function's result, which the cluster is reading.
    ChangeResult,
    /// A getter or Proxy trap of the arguments of the call in progress (`put()`'s value, an
    /// options object, `partition()`'s groups, ...), which the cluster is reading.
    Arguments,
}

/// Which of a change's JavaScript runs now (`None`: none), shared by a class and the changes it
/// started (a change kept in the simulation holds no reference back to the class).
pub(super) type ChangeRunning = Rc<Cell<Option<Busy>>>;

/// Runs `f` with `running` marked `busy`, then puts back what it was (a change function runs
/// inside the reading of its result).
pub(super) fn marked<T>(running: &ChangeRunning, busy: Busy, f: impl FnOnce() -> T) -> T {
    let before = running.replace(Some(busy));
    let result = f();
    running.set(before);
    result
}

/// A JS change function as the core's change: `running` says so while it runs; what it throws
/// is kept in `thrown` (the rejection's `cause`).
pub(super) fn js_change(f: Function, thrown: ThrownSlot, running: ChangeRunning) -> crate::ops::ChangeFn {
    Rc::new(move |current: &Json| {
        let called = marked(&running, Busy::ChangeFunction, || f.call1(&JsValue::UNDEFINED, &value_to_js(current)));
        match called {
            Ok(next) if next.is_instance_of::<js_sys::Promise>() => Err(OpError::invalid(
                "the change function returned a Promise: change functions must be synchronous (no async, no await)",
            )),
            Ok(next) => to_json("the change function's result", &next),
            Err(e) => {
                let message = thrown_message(&e);
                *thrown.borrow_mut() = Some(e);
                Err(OpError::rejected(format!("the change function threw: {message}")))
            }
        }
    })
}

/// An operation's result as its promise settles: the value in `shape`, or the error (with what
/// the change function threw as its `cause`).
pub(super) fn settled(
    result: Result<Json, OpError>,
    shape: Shape,
    thrown: Option<ThrownSlot>,
) -> Result<JsValue, JsValue> {
    match result {
        Ok(v) => Ok(shape.to_js(&v)),
        Err(e) => {
            let err = error(&e);
            if e.kind == ErrorKind::UpdateRejected {
                if let Some(cause) = thrown.and_then(|t| t.borrow_mut().take()) {
                    let _ = Reflect::set(&err, &"cause".into(), &cause);
                }
            }
            Err(err)
        }
    }
}

/// What an operation addresses, as JS gave it.
pub(super) enum Target<'a> {
    Key(&'a JsValue),
    /// A lock name: its register key is `lock:` + the name, and the key limit applies to the name.
    Lock(&'a JsValue),
}

impl Target<'_> {
    pub(super) fn register_key(&self) -> JsResult<String> {
        match self {
            Target::Key(key) => {
                let key = string_arg("key", key)?;
                crate::sim::check_key(&key).map_err(|e| error(&e))?;
                Ok(key)
            }
            Target::Lock(name) => crate::client::lock_key(&string_arg("name", name)?).map_err(|e| error(&e)),
        }
    }
}

/// An array of at most `max` items (`expected` says what it should hold), read by index.
pub(super) fn node_array(name: &str, v: &JsValue, max: usize, expected: &str) -> JsResult<Vec<JsValue>> {
    if !is_array(name, v).map_err(|e| error(&e))? {
        return Err(invalid(format!("{name} must be {expected}, got {}", describe(v))));
    }
    array_items(name, v, max).map_err(|e| error(&e))
}

pub(super) fn clamp(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// A JS value parsed from JSON text as JSON, within `max_depth` levels (for [`crate::json_text`]:
/// the text's length already bounds its size).
pub(crate) fn json_of_parsed(v: &JsValue, max_depth: usize) -> Result<Json, OpError> {
    to_json_within("a value", v, max_depth, usize::MAX)
}

/// A JSON-compatible argument.
pub(super) fn json_arg(name: &str, v: &JsValue) -> JsResult<Json> {
    to_json(name, v).map_err(|e| error(&e))
}

/// `{ min, max }` latency, each defaulting to the current value.
pub(super) fn latency_arg(name: &str, v: &JsValue, current: &NetConfig) -> JsResult<(u64, u64)> {
    let fields = options(name, v, &["min", "max"])?;
    if v.is_null() || v.is_undefined() {
        return Err(invalid(format!("{name} must be an object {{ min, max }}, got {}", describe(v))));
    }
    let (mut min, mut max) = (current.latency_ms_min, current.latency_ms_max);
    for (k, x) in fields {
        let n = integer_arg(&format!("{name}.{k}"), &x, 0.0, MAX_LATENCY_MS as f64)?;
        if k == "min" {
            min = n;
        } else {
            max = n;
        }
    }
    if min > max {
        return Err(invalid(format!("{name}.min ({min}) must not exceed {name}.max ({max})")));
    }
    Ok((min, max))
}

/// `{ quorum, reuseBallot, takeAnyAccepted, blindRetry, disjointQuorums, trustLeases,
/// eraseWithoutGc, skipRescan, rescanOneKey }` onto `driver`.
pub(super) fn break_arg(name: &str, v: &JsValue, mut driver: DriverConfig, acceptors: usize) -> JsResult<DriverConfig> {
    if v.is_null() || v.is_undefined() {
        return Err(invalid(format!("{name} must be an object, got {}", describe(v))));
    }
    let known = [
        "quorum",
        "reuseBallot",
        "takeAnyAccepted",
        "blindRetry",
        "disjointQuorums",
        "trustLeases",
        "eraseWithoutGc",
        "skipRescan",
        "rescanOneKey",
    ];
    for (key, x) in options(name, v, &known)? {
        let field = format!("{name}.{key}");
        match key.as_str() {
            "quorum" => driver.break_quorum = Some(integer_arg(&field, &x, 1.0, acceptors as f64)? as usize),
            "reuseBallot" => driver.break_reuse_ballot = bool_arg(&field, &x)?,
            "takeAnyAccepted" => driver.break_take_any_accepted = bool_arg(&field, &x)?,
            "blindRetry" => driver.break_blind_retry = bool_arg(&field, &x)?,
            "disjointQuorums" => driver.break_disjoint_quorums = bool_arg(&field, &x)?,
            "trustLeases" => driver.break_trust_lease = bool_arg(&field, &x)?,
            "eraseWithoutGc" => driver.break_erase_without_gc = bool_arg(&field, &x)?,
            "skipRescan" => driver.break_skip_rescan = bool_arg(&field, &x)?,
            "rescanOneKey" => driver.break_rescan_one_key = bool_arg(&field, &x)?,
            _ => {}
        }
    }
    Ok(driver)
}
