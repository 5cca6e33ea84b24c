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

use crate::session::{Recorded, UserAction};
use crate::sim::Node;
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
    let (mut out, mut bytes) = (Map::with_capacity(FIELDS), 2);
    for (key, kind, text) in fields(packed) {
        let json = match kind {
            b's' => Json::String(text.to_owned()),
            b'n' => Json::from(decimal(text)),
            b't' => Json::Bool(true),
            b'f' => Json::Bool(false),
            _ => Json::Null,
        };
        bytes += field_bytes(key, kind, text);
        out.insert(key.to_owned(), json);
    }
    (Json::Object(out), bytes)
}

/// The fields of an invocation in a session document.
const FIELDS: usize = 7;

/// The invocation `packed` holds when it is one of an operation without an input as a document
/// holds it (`{ do: "invoke", proposer, key, op, input: null, steps, at }`, in any order), read
/// straight into the action the document's reader makes of that object (no JSON map between:
/// building and hashing one took a third of the reading), with [`unpack`]'s bytes. `None` for
/// anything else, which [`unpack`] and the document's reader read (and word its errors).
pub fn invocation(packed: &str) -> Option<(Recorded, usize)> {
    let (mut proposer, mut key, mut op, mut steps, mut at) = (None, None, None, None, None);
    let (mut invoke, mut no_input, mut bytes, mut count) = (false, false, 2, 0);
    for (name, kind, text) in fields(packed) {
        match (name, kind) {
            ("do", b's') if text == "invoke" => invoke = true,
            ("proposer", b's') => proposer = Some(Node::parse(text)?),
            ("key", b's') => key = Some(text),
            ("op", b's') => op = Some(text),
            ("input", b'z') => no_input = true,
            ("steps", b'n') => steps = Some(decimal(text)),
            ("at", b'n') => at = Some(decimal(text)),
            _ => return None,
        }
        bytes += field_bytes(name, kind, text);
        count += 1;
    }
    let Some(Node::Proposer(proposer)) = proposer else { return None };
    if !(invoke && no_input && count == FIELDS) {
        return None;
    }
    let action = UserAction::Invoke { proposer, key: key?.to_owned(), name: op?.to_owned(), input: Json::Null };
    Some((Recorded { steps: steps?, at_ms: at?, action }, bytes))
}

/// The packed fields: name, kind letter and text of each.
fn fields(packed: &str) -> impl Iterator<Item = (&str, u8, &str)> {
    let mut rest = packed;
    std::iter::from_fn(move || {
        let (name, value) = (next_part(&mut rest)?, next_part(&mut rest)?);
        Some((name, *value.as_bytes().first()?, value.get(1..).unwrap_or_default()))
    })
}

/// What the careful reader charges for a field: its name quoted and a separator, and its value
/// as JSON text at least (a number: one digit).
fn field_bytes(name: &str, kind: u8, text: &str) -> usize {
    name.len()
        + 4
        + match kind {
            b's' => text.len() + 2,
            b'n' => 1,
            _ => 4,
        }
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
