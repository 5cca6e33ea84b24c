//! A session document's action read in one call across the boundary. Reading an action field by
//! field through `Reflect` took about 60 calls (the keys, each one's descriptor, its value, each
//! value's type), 38 µs an action in Chromium (README, "Measured"). Most actions are flat objects
//! of plain values (`{ do, proposer, key, op, input: null, steps, at }`): the page's own script
//! below reads such an item and packs its fields into one string, and [`unpack`] makes the same
//! JSON the careful reader ([`super::js::JsonReader`]) would. Anything else (a nested value, a
//! float, `-0`, a string with a NUL or a surrogate, a non-plain object, an array, `undefined`) is
//! left to the careful reader, which gives its exact value or error: this is only a shortcut.
//!
//! Why not JSON text: serde_json's parser is kept out of the shipped wasm (`json_text.rs`: 7 KB
//! gzipped), and `JSON.stringify` would quietly turn what the careful reader refuses (`undefined`,
//! `NaN`, a `Date`, a `Map`) into JSON.

use serde_json::{Map, Value as Json};
use wasm_bindgen::prelude::*;

// The packed fields: `name NUL value NUL` for each own enumerable field, in `Object.keys` order
// (the careful reader's `Reflect.ownKeys` order, symbols and non-enumerables left out as there),
// each value a kind letter and its text: `s` a string, `n` a non-negative safe integer, `t`
// true, `f` false, `z` null. A getter or Proxy trap that throws throws out of the call, which the
// `catch` import returns as an error (never unwinding through the wasm frames).
#[wasm_bindgen(inline_js = r#"
const SPECIAL = /[\0\uD800-\uDFFF]/;
function field(v) {
  if (typeof v === "string") return SPECIAL.test(v) ? undefined : "s" + v;
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0) ? "n" + v : undefined;
  return v === null ? "z" : v === true ? "t" : v === false ? "f" : undefined;
}
export function packedItem(list, i) {
  const a = list[i];
  if (typeof a !== "object" || a === null || Array.isArray(a)) return undefined;
  const proto = Object.getPrototypeOf(a);
  if (proto !== Object.prototype && proto !== null) return undefined;
  let out = "";
  for (const k of Object.keys(a)) {
    const f = field(a[k]);
    if (f === undefined || SPECIAL.test(k)) return undefined;
    out += k + "\0" + f + "\0";
  }
  return out;
}
"#)]
extern "C" {
    /// Item `i` of `list` packed, or `undefined` when it is not a flat plain object of plain values.
    #[wasm_bindgen(catch, js_name = packedItem)]
    pub fn packed_item(list: &JsValue, i: u32) -> Result<JsValue, JsValue>;
}

/// The JSON object `packed` holds, and the bytes the careful reader charges against the
/// document's size bound for it (so the bound is the same either way).
pub fn unpack(packed: &str) -> (Json, usize) {
    let (mut out, mut rest, mut bytes) = (Map::new(), packed, 2);
    while let (Some(key), Some(value)) = (next_part(&mut rest), next_part(&mut rest)) {
        let text = value.get(1..).unwrap_or_default();
        let (json, value_bytes) = match value.as_bytes().first() {
            Some(b's') => (Json::String(text.to_owned()), text.len() + 2),
            Some(b'n') => (Json::from(decimal(text)), 1),
            Some(b't') => (Json::Bool(true), 4),
            Some(b'f') => (Json::Bool(false), 4),
            _ => (Json::Null, 4),
        };
        bytes += key.len() + 4 + value_bytes;
        out.insert(key.to_owned(), json);
    }
    (Json::Object(out), bytes)
}

/// The text of `rest` up to its next NUL, which it then starts after. (By hand, as bytes: a
/// `str` pattern search brings its searcher into the wasm.)
fn next_part<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let end = rest.bytes().position(|b| b == 0)?;
    let part = rest.get(..end)?;
    *rest = rest.get(end + 1..)?;
    Some(part)
}

/// The digits of a safe integer (the script wrote them) as a number.
fn decimal(digits: &str) -> u64 {
    digits.bytes().fold(0, |n: u64, d| n.wrapping_mul(10).wrapping_add(u64::from(d.wrapping_sub(b'0'))))
}
