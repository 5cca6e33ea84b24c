//! Reading JavaScript arguments and building JavaScript values and errors. Every check names the
//! argument and what was expected; nothing here panics.
//!
//! **Nothing here lets a JS exception unwind through the wasm frames.** On wasm32 such an
//! exception runs no destructors: a `RefCell` borrow, a busy flag or wasm-bindgen's own borrow of
//! the object would stay set, and the cluster would be wedged. So every call into JS that can throw
//! is a `catch` import (`Reflect.*`, `Array.isArray` below, `Function.prototype.call`,
//! `JSON.parse`), whose exception becomes an `Err` here; the rest are engine intrinsics that cannot
//! throw (`typeof` checks, `===`, reading a primitive string or number, `instanceof`, which the
//! generated glue wraps in `try`). The other way an exception appears inside wasm, the stack
//! running out, is kept out by the guard installed in `start()` (see `mod.rs`).

use crate::limits::{byte_size, check_value_size, number_text, quoted, MAX_DEPTH, MAX_SAFE_INTEGER, MAX_VALUE_BYTES};
use crate::ops::{ErrorKind, OpError};
use crate::sim::Node;
use js_sys::{JsString, Object, Reflect};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    /// `Array.isArray`, which throws for a revoked Proxy.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn array_is_array(v: &JsValue) -> Result<bool, JsValue>;
}

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

fn unreadable(what: &str) -> impl Fn(JsValue) -> OpError + '_ {
    move |_| OpError::invalid(format!("{what} could not be read (a getter or Proxy threw)"))
}

/// The `length` of the array `what`: an integer in `0..2^32`. One that throws (a getter or Proxy
/// trap) or is anything else (NaN, -1, 1.5: only a Proxy can say so) is refused, never read as
/// no items.
#[cfg(feature = "cluster")]
pub fn array_length(what: &str, v: &JsValue) -> Result<u32, OpError> {
    let length = Reflect::get(v, &"length".into()).map_err(unreadable(&format!("{what}.length")))?;
    let n = length.as_f64().filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n));
    n.map(|n| n as u32).ok_or_else(|| {
        OpError::invalid(format!("{what}.length could not be read: it is {}, not an array's length", describe(&length)))
    })
}

/// `Array.isArray`, with a revoked Proxy (on which it throws) reported as unreadable.
pub fn is_array(what: &str, v: &JsValue) -> Result<bool, OpError> {
    array_is_array(v).map_err(unreadable(what))
}

/// The items of an array, at most `max`, read by index through `Reflect` (never through its
/// iterator, which user code may replace with one that throws).
pub fn array_items(what: &str, v: &JsValue, max: usize) -> Result<Vec<JsValue>, OpError> {
    let length = Reflect::get(v, &"length".into()).map_err(unreadable(what))?.as_f64().unwrap_or(0.0);
    if length > max as f64 {
        return Err(OpError::invalid(format!("{what} has {} items, more than {max}", number_text(length))));
    }
    (0..length as u32).map(|i| Reflect::get_u32(v, i).map_err(unreadable(what))).collect()
}

/// The own enumerable string-keyed properties of an object, read through `Reflect` so that a
/// throwing getter or Proxy trap becomes an error here instead of an exception unwinding through
/// the wasm frames (which would leave the cluster marked busy). Read in one call into JS
/// ([`own_entries`]): field by field, an options object took about ten.
fn entries(what: &str, v: &JsValue) -> Result<Vec<(String, JsValue)>, OpError> {
    let read = own_entries(v);
    if read.is_null() {
        return Err(unreadable(what)(read));
    }
    let read = array_items(what, &read, usize::MAX)?;
    let mut out = Vec::with_capacity(read.len() / 2);
    for field in read.chunks(2) {
        let Some(name) = text_named(&|| format!("a field name of {what}"), &field[0])? else { continue };
        let [_, value] = field else {
            // The field whose descriptor or value threw.
            return Err(OpError::invalid(format!(
                "{what} could not be read (its field {}: a getter or Proxy threw)",
                quoted(&name)
            )));
        };
        out.push((name, value.clone()));
    }
    Ok(out)
}

#[wasm_bindgen(inline_js = r#"
const { ownKeys, getOwnPropertyDescriptor, get } = Reflect;
export function ownEntries(v) {
  let keys;
  try {
    keys = ownKeys(v);
  } catch (_) {
    return null;
  }
  const out = [];
  let n = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== "string") continue;
    try {
      if (get(getOwnPropertyDescriptor(v, key), "enumerable") !== true) continue;
      const value = get(v, key);
      out[n++] = key;
      out[n++] = value;
    } catch (_) {
      out[n++] = key;
      break;
    }
  }
  return out;
}
"#)]
extern "C" {
    /// The own enumerable string-keyed fields of `v` in `Reflect.ownKeys` order, as
    /// `[name, value, name, value, ...]` (symbols skipped: they are not JSON); when reading a
    /// field's descriptor or value throws, the array ends with that field's name alone. `null`
    /// when the keys cannot be read. Never throws: every read that can is in a `try`.
    #[wasm_bindgen(js_name = ownEntries)]
    fn own_entries(v: &JsValue) -> JsValue;
}

/// A JS string as Rust text; `None` if `v` is not a string. A string holding a lone surrogate (a
/// UTF-16 half that is not part of a pair, such as `"\uD800"`) is refused: Rust text cannot hold
/// it, and the lossy conversion would turn `"\uD800"` and `"\uDC00"` into the same U+FFFD.
pub fn text(what: &str, v: &JsValue) -> Result<Option<String>, OpError> {
    text_named(&|| what.to_owned(), v)
}

/// [`text`], naming what it reads only if it is refused: a document's reader reads millions of
/// strings, and writing each one's name took a tenth of its time.
fn text_named(what: &dyn Fn() -> String, v: &JsValue) -> Result<Option<String>, OpError> {
    let Some(s) = v.as_string() else { return Ok(None) };
    // The conversion writes U+FFFD for a lone surrogate: only then is the original worth a look.
    // Searched as bytes: `str::contains` brings the two-way string searcher and the panic
    // message for slicing off a character boundary (with `char`'s `Debug` and the Unicode
    // printable tables): 1.1 KB of the gzipped core wasm, 1.1 KB of the live one (README, "wasm size").
    if s.as_bytes().windows(REPLACEMENT_CHARACTER.len()).any(|w| w == REPLACEMENT_CHARACTER) {
        if let Some(at) = lone_surrogate(v.unchecked_ref::<JsString>()) {
            let what = what();
            return Err(OpError::invalid(format!(
                "{what} contains a lone surrogate (\\u{:04X} at index {at}), which is not Unicode text",
                v.unchecked_ref::<JsString>().char_code_at(at as u32) as u32
            )));
        }
    }
    Ok(Some(s))
}

/// U+FFFD in UTF-8.
const REPLACEMENT_CHARACTER: &[u8] = "\u{FFFD}".as_bytes();

/// The UTF-16 index of the first lone surrogate in `s`, if any.
fn lone_surrogate(s: &JsString) -> Option<usize> {
    let mut index = 0;
    for unit in char::decode_utf16(s.iter()) {
        match unit {
            Ok(c) => index += c.len_utf16(),
            Err(_) => return Some(index),
        }
    }
    None
}

/// A short description of a JS value for error messages. Never throws.
pub fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        return "undefined".into();
    }
    if v.is_null() {
        return "null".into();
    }
    if let Some(s) = v.as_string() {
        return format!("the string {}", crate::limits::cut(&quoted(&s)));
    }
    if let Some(n) = v.as_f64() {
        return format!("the number {}", number_text(n));
    }
    match array_is_array(v) {
        Ok(true) => "an array".into(),
        Ok(false) => type_name(v),
        Err(_) => "an unreadable object (a revoked Proxy?)".into(),
    }
}

/// "an object", "a function", "a symbol"... from `typeof`.
fn type_name(v: &JsValue) -> String {
    let t = v.js_typeof().as_string().unwrap_or_default();
    let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {t}")
}

/// What a JS function threw, for a message: an `Error`'s message (read through `Reflect`: its
/// getter may throw too), or a description of anything else.
pub fn thrown_message(e: &JsValue) -> String {
    if e.is_instance_of::<js_sys::Error>() {
        if let Ok(Some(message)) = Reflect::get(e, &"message".into()).map(|m| m.as_string()) {
            return message;
        }
    }
    describe(e)
}

/// JSON → JS: plain objects, arrays and numbers. Serialized to text and parsed by the engine's
/// `JSON.parse`, which for large results (10,000 events) is an order of magnitude faster than
/// building the objects one call at a time across the boundary.
pub fn to_js(v: &impl Serialize) -> JsValue {
    match serde_json::to_string(v) {
        Ok(text) => text_to_js(&text),
        Err(_) => JsValue::NULL,
    }
}

/// JSON text this crate wrote → JS, by the engine's `JSON.parse`.
pub fn text_to_js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
}

#[cfg(feature = "cluster")]
#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS string (js_sys's takes Rust text).
    #[wasm_bindgen(catch, js_namespace = JSON, js_name = parse)]
    fn parse_js_text(text: &JsString) -> Result<JsValue, JsValue>;
}

/// JSON text handed to JS piece by piece, each piece a JS string as it is written, so the whole
/// text never sits in wasm memory (a session document: [`crate::session::PIECE`]); parsed once
/// joined, like [`text_to_js`].
#[cfg(feature = "cluster")]
pub struct JsPieces(js_sys::Array);

#[cfg(feature = "cluster")]
impl JsPieces {
    pub fn new() -> JsPieces {
        JsPieces(js_sys::Array::new())
    }

    pub fn push(&self, piece: &str) {
        self.0.push(&JsValue::from_str(piece));
    }

    /// The value the pieces' text holds (`null` if it is not JSON).
    pub fn parse(&self) -> JsValue {
        parse_js_text(&self.0.join("")).unwrap_or(JsValue::NULL)
    }
}

/// A JSON value (an operation's result, the value a change function gets) → JS: a scalar
/// directly (an increment's number in 0.1 µs instead of 0.8 µs through text), anything else
/// through [`to_js`]'s JSON text, which beats building it object by object from about three
/// fields up (see the README, "How values cross").
pub fn value_to_js(v: &Json) -> JsValue {
    match v {
        Json::Null => JsValue::NULL,
        Json::Bool(b) => JsValue::from_bool(*b),
        Json::Number(n) => n.as_f64().map_or(JsValue::NULL, JsValue::from_f64),
        Json::String(s) => JsValue::from_str(s),
        _ => to_js(v),
    }
}

/// JS → JSON, refusing anything that is not JSON: `undefined`, functions, symbols, BigInt,
/// non-finite numbers, non-plain objects (Map, Date, class instances), strings with lone
/// surrogates, cycles (as too deep), more than [`MAX_DEPTH`] levels or [`MAX_VALUE_BYTES`] encoded.
pub fn to_json(what: &str, v: &JsValue) -> Result<Json, OpError> {
    let json = to_json_within(what, v, MAX_DEPTH, MAX_VALUE_BYTES)?;
    check_value_size(what, &json)?;
    Ok(json)
}

/// JS → JSON within other bounds (a session document holds many values, each checked later).
pub fn to_json_within(what: &str, v: &JsValue, max_depth: usize, max_bytes: usize) -> Result<Json, OpError> {
    convert(&mut Budget { what, whole: what, max_depth, max_bytes, left: max_bytes }, v, 0)
}

/// Bounds on one conversion. The byte count is a lower bound of the encoded size, so it stops a
/// huge input early without refusing any value the exact check after it would accept.
struct Budget<'a> {
    /// What a value's errors name: the whole, or the part of it being read.
    what: &'a str,
    /// What the byte bound's error names: the whole.
    whole: &'a str,
    max_depth: usize,
    max_bytes: usize,
    left: usize,
}

impl Budget<'_> {
    fn charge(&mut self, bytes: usize) -> Result<(), OpError> {
        self.left = self.left.checked_sub(bytes).ok_or_else(|| {
            OpError::invalid(format!("{} is larger than {} encoded as JSON", self.whole, byte_size(self.max_bytes)))
        })?;
        Ok(())
    }
}

fn too_deep(b: &Budget) -> OpError {
    OpError::invalid(format!("{} is nested deeper than {} levels (or is cyclic)", b.what, b.max_depth))
}

fn convert(b: &mut Budget, v: &JsValue, depth: usize) -> Result<Json, OpError> {
    let what = b.what;
    if v.is_null() {
        b.charge(4)?;
        return Ok(Json::Null);
    }
    if let Some(x) = v.as_bool() {
        b.charge(4)?;
        return Ok(Json::Bool(x));
    }
    if let Some(n) = v.as_f64() {
        b.charge(1)?;
        return json_number(n)
            .ok_or_else(|| OpError::invalid(format!("{what} contains {}, which JSON cannot hold", number_text(n))));
    }
    if let Some(s) = text_named(&|| format!("{what} (a string in it)"), v)? {
        b.charge(s.len() + 2)?;
        return Ok(Json::String(s));
    }
    if v.is_object() && !v.is_function() {
        // An array or object `depth` down is level `depth + 1`, empty or not (`limits::depth`).
        if depth >= b.max_depth {
            return Err(too_deep(b));
        }
        // Reading the keys first refuses a revoked Proxy.
        Reflect::own_keys(v).map_err(unreadable(what))?;
        if is_array(what, v)? {
            b.charge(2)?;
            let length = Reflect::get(v, &"length".into()).map_err(unreadable(what))?.as_f64().unwrap_or(0.0);
            let mut out = Vec::new();
            for i in 0..length as u32 {
                b.charge(1)?; // before reading: a length of 2^32 - 1 stops at the budget
                let item = Reflect::get_u32(v, i).map_err(unreadable(what))?;
                out.push(convert(b, &item, depth + 1)?);
            }
            return Ok(Json::Array(out));
        }
        return Ok(Json::Object(object_fields(b, v, depth, None)?.0));
    }
    let kind = if v.is_undefined() {
        "undefined".to_owned()
    } else if v.is_bigint() {
        "a BigInt".to_owned()
    } else {
        type_name(v)
    };
    Err(OpError::invalid(format!("{what} contains {kind}, which is not a JSON value")))
}

/// A plain object's fields as JSON (the object `depth` levels down), except `skip`'s value, which
/// comes back as it is, unread (`undefined` if there is none).
fn object_fields(
    b: &mut Budget,
    v: &JsValue,
    depth: usize,
    skip: Option<&str>,
) -> Result<(Map<String, Json>, JsValue), OpError> {
    let what = b.what;
    let proto = Reflect::get_prototype_of(v).map_err(unreadable(what))?;
    let plain = proto.is_null() || JsValue::from(proto) == JsValue::from(Object::get_prototype_of(&Object::new()));
    if !plain {
        return Err(OpError::invalid(format!(
            "{what} contains a non-plain object (a Map, Date, class instance...): only null, booleans, finite numbers, strings, arrays and plain objects are JSON"
        )));
    }
    b.charge(2)?;
    let (mut out, mut skipped) = (Map::new(), JsValue::UNDEFINED);
    for (key, value) in entries(what, v)? {
        b.charge(key.len() + 4)?;
        if Some(key.as_str()) == skip {
            skipped = value;
            continue;
        }
        let value = convert(b, &value, depth + 1)?;
        out.insert(key, value);
    }
    Ok((out, skipped))
}

/// JS → JSON in parts within one bound of depth and bytes ([`to_json_within`]'s): a document
/// read field by field and its long list item by item, each item converted, used and dropped
/// before the next (a million actions' JSON tree at once took wasm memory to GBs, and every
/// page of it grown one at a time made the reading quadratic: README, "Measured").
#[cfg(feature = "cluster")]
pub struct JsonReader<'a> {
    budget: Budget<'a>,
}

#[cfg(feature = "cluster")]
impl<'a> JsonReader<'a> {
    pub fn new(what: &'a str, max_depth: usize, max_bytes: usize) -> Self {
        JsonReader { budget: Budget { what, whole: what, max_depth, max_bytes, left: max_bytes } }
    }

    /// `v`, found `depth` levels down the whole, as JSON.
    pub fn read(&mut self, v: &JsValue, depth: usize) -> Result<Json, OpError> {
        convert(&mut self.budget, v, depth)
    }

    /// The plain object `v`'s fields as JSON, except `field`, whose value comes back unread.
    pub fn object_without(&mut self, v: &JsValue, field: &str) -> Result<(Json, JsValue), OpError> {
        let what = self.budget.what;
        // Anything else comes back whole, for its reader to say what it is.
        if !v.is_object() || v.is_function() {
            return Ok((self.read(v, 0)?, JsValue::UNDEFINED));
        }
        Reflect::own_keys(v).map_err(unreadable(what))?; // refuses a revoked Proxy
        if is_array(what, v)? {
            return Ok((self.read(v, 0)?, JsValue::UNDEFINED));
        }
        let (fields, skipped) = object_fields(&mut self.budget, v, 0, Some(field))?;
        Ok((Json::Object(fields), skipped))
    }

    /// Item `i` of the array `list` (found `depth` levels down the whole, and named by `name`):
    /// a flat object of plain values in one call ([`super::flat_item`]; an invocation without
    /// an input straight into its action, any other as JSON), anything else as JSON field by field, its errors naming the item (a getter that threw, in the one call too: the
    /// careful reader calls it again and names its field; a hole).
    pub fn item(&mut self, list: &JsValue, i: u32, depth: usize, name: impl Fn() -> String) -> Result<Item, OpError> {
        self.budget.charge(1)?;
        if let Some(packed) = super::flat_item::packed_item(list, i).ok().and_then(|p| p.as_string()) {
            if let Some((invocation, bytes)) = super::flat_item::invocation(&packed) {
                self.budget.charge(bytes)?;
                return Ok(Item::Invocation(invocation));
            }
            let (json, bytes) = super::flat_item::unpack(&packed);
            self.budget.charge(bytes)?;
            return Ok(Item::Json(json));
        }
        let what = name();
        let item = Reflect::get_u32(list, i).map_err(unreadable(&what))?;
        if item.is_undefined() {
            return Err(OpError::invalid(format!("{what} is missing (a hole in the array, or undefined)")));
        }
        let mut budget = Budget { what: &what, ..self.budget };
        let json = convert(&mut budget, &item, depth);
        self.budget.left = budget.left;
        json.map(Item::Json)
    }
}

/// An item of a session document's actions, as [`JsonReader::item`] read it.
#[cfg(feature = "cluster")]
pub enum Item {
    /// An invocation of an operation without an input, read straight from its fields.
    Invocation(crate::session::Recorded),
    /// Anything else, for the document's reader.
    Json(Json),
}

/// Integers stay integers; other finite numbers are floats; NaN and ±Infinity are refused.
fn json_number(n: f64) -> Option<Json> {
    if !n.is_finite() {
        return None;
    }
    // -0 stays a float: as an integer it would come back as +0.
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER as f64 && !(n == 0.0 && n.is_sign_negative()) {
        return Some(Json::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(Json::Number)
}

/// A string argument (Unicode text: no lone surrogates).
pub fn string_arg(name: &str, v: &JsValue) -> JsResult<String> {
    text(name, v)
        .map_err(|e| error(&e))?
        .ok_or_else(|| invalid(format!("{name} must be a string, got {}", describe(v))))
}

/// An integer in `min..=max`.
pub fn integer_arg(name: &str, v: &JsValue, min: f64, max: f64) -> JsResult<u64> {
    let n = v.as_f64().ok_or_else(|| invalid(format!("{name} must be an integer, got {}", describe(v))))?;
    if n.fract() != 0.0 || !n.is_finite() {
        return Err(invalid(format!("{name} must be an integer, got {}", number_text(n))));
    }
    if n < min || n > max {
        return Err(invalid(format!(
            "{name} must be in {}..={}, got {}",
            number_text(min),
            number_text(max),
            number_text(n)
        )));
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
    Node::parse(&s)
        .ok_or_else(|| invalid(format!("{name} must be a node id like \"a1\" or \"p1\", got {}", quoted(&s))))
}

/// An options object: `undefined` or `null` for none (the contract has always taken both: outside
/// code passes either), otherwise a plain object whose keys are all in `known`. Returns its entries.
pub fn options(name: &str, v: &JsValue, known: &[&str]) -> JsResult<Vec<(String, JsValue)>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !v.is_object() || v.is_function() {
        return Err(invalid(format!("{name} must be an object, got {}", describe(v))));
    }
    let fields = entries(name, v).map_err(|e| error(&e))?;
    if is_array(name, v).map_err(|e| error(&e))? {
        return Err(invalid(format!("{name} must be an object, got an array")));
    }
    let mut out = Vec::new();
    for (key, value) in fields {
        if !known.contains(&key.as_str()) {
            return Err(invalid(format!(
                "{name} has an unknown field {}; known fields: {}",
                quoted(&key),
                known.join(", ")
            )));
        }
        if !value.is_undefined() {
            out.push((key, value));
        }
    }
    Ok(out)
}
