//! JSON text to a value: serde_json's parser natively; in wasm, the engine's `JSON.parse` read
//! back through the same checked reader as every other JS value. That keeps serde_json's parser
//! (and its exact-float machinery) out of the shipped wasm: about 7 KB gzipped, of a 150 KB
//! budget. Both refuse the same texts that matter here (malformed JSON, lone surrogates) and give
//! the same value for any text serde_json printed.

use serde_json::Value as Json;

/// Nesting serde_json's parser accepts; deeper values are refused later by the value limits.
#[cfg(target_arch = "wasm32")]
const MAX_PARSE_DEPTH: usize = 128;

/// The value `text` holds, or `None` if it is not JSON.
#[cfg(not(target_arch = "wasm32"))]
pub fn parse(text: &str) -> Option<Json> {
    serde_json::from_str(text).ok()
}

/// The value `text` holds, or `None` if it is not JSON.
#[cfg(target_arch = "wasm32")]
pub fn parse(text: &str) -> Option<Json> {
    let value = js_sys::JSON::parse(text).ok()?;
    crate::wasm::json_of_parsed(&value, MAX_PARSE_DEPTH).ok()
}
