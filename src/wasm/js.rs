//! Reading JavaScript arguments and building JavaScript values and errors. Every check names the
//! argument and what was expected; nothing here panics.

use crate::ops::{ErrorKind, OpError};
use crate::sim::Node;
use js_sys::{Array, Object, Reflect};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use wasm_bindgen::{JsCast, JsValue};

/// Deepest nesting of a value.
pub const MAX_DEPTH: usize = 64;
/// Largest value, JSON-encoded.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

pub type JsResult<T> = Result<T, JsValue>;

/// An `Error` whose `name` is the contract's error name.
pub fn error(e: &OpError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name(e.name());
    if let ErrorKind::Unavailable { indeterminate } = e.kind {
        let _ = Reflect::set(&err, &"indeterminate".into(), &indeterminate.into());
    }
    err.into()
}

pub fn invalid(message: impl Into<String>) -> JsValue {
    error(&OpError::invalid(message))
}

/// The own enumerable string-keyed properties of an object, read through `Reflect` so that a
/// throwing getter or Proxy trap becomes an error here instead of an exception unwinding through
/// the wasm frames (which would leave the cluster marked busy).
fn entries(what: &str, v: &JsValue) -> Result<Vec<(String, JsValue)>, OpError> {
    let unreadable = |_| OpError::invalid(format!("{what} could not be read (a getter or Proxy threw)"));
    let keys = Reflect::own_keys(v).map_err(unreadable)?;
    let mut out = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let Some(name) = key.as_string() else { continue }; // symbol keys are not JSON
        let descriptor = Reflect::get_own_property_descriptor(v.unchecked_ref::<Object>(), &key).map_err(unreadable)?;
        let enumerable = Reflect::get(&descriptor, &"enumerable".into()).map_err(unreadable)?;
        if enumerable.as_bool() != Some(true) {
            continue;
        }
        out.push((name, Reflect::get(v, &key).map_err(unreadable)?));
    }
    Ok(out)
}

/// A short description of a JS value for error messages.
pub fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        return "undefined".into();
    }
    if v.is_null() {
        return "null".into();
    }
    if let Some(s) = v.as_string() {
        let short: String = s.chars().take(40).collect();
        return format!("the string {short:?}");
    }
    if let Some(n) = v.as_f64() {
        return format!("the number {}", number_text(n));
    }
    if Array::is_array(v) {
        return "an array".into();
    }
    format!("a {}", v.js_typeof().as_string().unwrap_or_default())
}

/// JSON → JS: plain objects, arrays and numbers. Serialized to text and parsed by the engine's
/// `JSON.parse`, which for large results (10,000 events) is an order of magnitude faster than
/// building the objects one call at a time across the boundary.
pub fn to_js(v: &impl Serialize) -> JsValue {
    match serde_json::to_string(v) {
        Ok(text) => js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    }
}

/// JS → JSON, refusing anything that is not JSON: `undefined`, functions, symbols, BigInt,
/// non-finite numbers, non-plain objects (Map, Date, class instances), cycles (as too deep),
/// more than [`MAX_DEPTH`] levels or [`MAX_VALUE_BYTES`] encoded.
pub fn to_json(what: &str, v: &JsValue) -> Result<Json, OpError> {
    let mut budget = MAX_VALUE_BYTES;
    let json = convert(what, v, 0, &mut budget)?;
    Ok(json)
}

fn charge(what: &str, budget: &mut usize, bytes: usize) -> Result<(), OpError> {
    *budget = budget.checked_sub(bytes).ok_or_else(|| {
        OpError::invalid(format!("{what} is larger than {} KB encoded as JSON", MAX_VALUE_BYTES / 1024))
    })?;
    Ok(())
}

fn convert(what: &str, v: &JsValue, depth: usize, budget: &mut usize) -> Result<Json, OpError> {
    if depth > MAX_DEPTH {
        return Err(OpError::invalid(format!("{what} is nested deeper than {MAX_DEPTH} levels (or is cyclic)")));
    }
    if v.is_null() {
        charge(what, budget, 4)?;
        return Ok(Json::Null);
    }
    if let Some(b) = v.as_bool() {
        charge(what, budget, 5)?;
        return Ok(Json::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        charge(what, budget, 8)?;
        return json_number(n)
            .ok_or_else(|| OpError::invalid(format!("{what} contains {}, which JSON cannot hold", number_text(n))));
    }
    if let Some(s) = v.as_string() {
        charge(what, budget, s.len() + 2)?;
        return Ok(Json::String(s));
    }
    if v.is_object() && !v.is_function() {
        let unreadable = |_| OpError::invalid(format!("{what} could not be read (a getter or Proxy threw)"));
        // Reading the keys first refuses a revoked Proxy, on which `Array.isArray` would throw.
        Reflect::own_keys(v).map_err(unreadable)?;
        if Array::is_array(v) {
            let len = Reflect::get(v, &"length".into()).map_err(unreadable)?.as_f64().unwrap_or(0.0) as u32;
            let mut out = Vec::with_capacity(len.min(1 << 16) as usize);
            for i in 0..len {
                charge(what, budget, 1)?;
                let item = Reflect::get_u32(v, i).map_err(unreadable)?;
                out.push(convert(what, &item, depth + 1, budget)?);
            }
            return Ok(Json::Array(out));
        }
        let proto = Reflect::get_prototype_of(v).map_err(unreadable)?;
        let plain = proto.is_null() || JsValue::from(proto) == JsValue::from(Object::get_prototype_of(&Object::new()));
        if !plain {
            return Err(OpError::invalid(format!(
                "{what} contains a non-plain object (a Map, Date, class instance...): only null, booleans, finite numbers, strings, arrays and plain objects are JSON"
            )));
        }
        let mut out = Map::new();
        for (key, value) in entries(what, v)? {
            charge(what, budget, key.len() + 4)?;
            let value = convert(what, &value, depth + 1, budget)?;
            out.insert(key, value);
        }
        return Ok(Json::Object(out));
    }
    let kind = if v.is_undefined() {
        "undefined".to_owned()
    } else if v.is_bigint() {
        "a BigInt".to_owned()
    } else {
        format!("a {}", v.js_typeof().as_string().unwrap_or_default())
    };
    Err(OpError::invalid(format!("{what} contains {kind}, which is not a JSON value")))
}

/// A number as JavaScript prints it (`NaN`, `Infinity`).
fn number_text(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        n.to_string()
    }
}

/// Integers stay integers; other finite numbers are floats; NaN and ±Infinity are refused.
fn json_number(n: f64) -> Option<Json> {
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
        return Some(Json::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(Json::Number)
}

/// A non-empty string argument.
pub fn string_arg(name: &str, v: &JsValue) -> JsResult<String> {
    v.as_string().ok_or_else(|| invalid(format!("{name} must be a string, got {}", describe(v))))
}

/// An integer in `min..=max`.
pub fn integer_arg(name: &str, v: &JsValue, min: f64, max: f64) -> JsResult<u64> {
    let n = v.as_f64().ok_or_else(|| invalid(format!("{name} must be an integer, got {}", describe(v))))?;
    if n.fract() != 0.0 || !n.is_finite() {
        return Err(invalid(format!("{name} must be an integer, got {}", number_text(n))));
    }
    if n < min || n > max {
        return Err(invalid(format!("{name} must be in {min}..={max}, got {n}")));
    }
    Ok(n as u64)
}

/// A probability.
pub fn rate_arg(name: &str, v: &JsValue) -> JsResult<f64> {
    let n = v.as_f64().ok_or_else(|| invalid(format!("{name} must be a number in 0..=1, got {}", describe(v))))?;
    if !(0.0..=1.0).contains(&n) {
        return Err(invalid(format!("{name} must be a number in 0..=1, got {}", number_text(n))));
    }
    Ok(n)
}

pub fn bool_arg(name: &str, v: &JsValue) -> JsResult<bool> {
    v.as_bool().ok_or_else(|| invalid(format!("{name} must be a boolean, got {}", describe(v))))
}

/// A node id (`"a1"`, `"p2"`); the caller checks it exists.
pub fn node_arg(name: &str, v: &JsValue) -> JsResult<Node> {
    let s = string_arg(name, v)?;
    Node::parse(&s).ok_or_else(|| invalid(format!("{name} must be a node id like \"a1\" or \"p1\", got {s:?}")))
}

/// An options object: `undefined`/`null` for none, otherwise a plain object whose keys are all in
/// `known`. Returns its entries.
pub fn options(name: &str, v: &JsValue, known: &[&str]) -> JsResult<Vec<(String, JsValue)>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !v.is_object() || v.is_function() {
        return Err(invalid(format!("{name} must be an object, got {}", describe(v))));
    }
    let fields = entries(name, v).map_err(|e| error(&e))?;
    if Array::is_array(v) {
        return Err(invalid(format!("{name} must be an object, got an array")));
    }
    let mut out = Vec::new();
    for (key, value) in fields {
        if !known.contains(&key.as_str()) {
            return Err(invalid(format!("{name} has an unknown field {key:?}; known fields: {}", known.join(", "))));
        }
        if !value.is_undefined() {
            out.push((key, value));
        }
    }
    Ok(out)
}
