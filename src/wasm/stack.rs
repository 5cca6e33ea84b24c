//! The stack probe every call from JavaScript into wasm goes through first, in both modules
//! (`Cluster`'s guard in `cluster/guard.rs`, `LiveCluster`'s in `live.rs`): a JS exception must
//! never unwind through wasm frames, and the one a program cannot rule out is the stack running
//! out. So before entering wasm, a call checks that [`STACK_HEADROOM_BYTES`] of stack are left
//! (more than any call uses, measured by the tests in `tests/web.rs` near the limit), and is
//! refused with an `InvalidArgument` otherwise. The check is `countArgs.apply(null, slots)`:
//! `apply` pushes one 8-byte slot per argument and throws a RangeError before pushing anything
//! if they do not fit.

use super::js::{invalid, JsResult};
use std::cell::Cell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let headroomSlots = null;

function countArgs() {
  return arguments.length;
}

export function setStackHeadroom(bytes) {
  headroomSlots = new Array(Math.ceil(bytes / 8)).fill(0);
}

export function hasStackHeadroom() {
  if (headroomSlots === null) return true;
  try {
    return countArgs.apply(null, headroomSlots) === headroomSlots.length;
  } catch (e) {
    return false;
  }
}

export function stackProbe() {
  return hasStackHeadroom;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = "setStackHeadroom")]
    fn set_stack_headroom(bytes: u32);
    #[wasm_bindgen(catch, js_name = "hasStackHeadroom")]
    fn has_stack_headroom() -> Result<bool, JsValue>;
    /// The probe itself, for a guard written in JavaScript to call.
    #[wasm_bindgen(js_name = "stackProbe")]
    pub(super) fn stack_probe() -> js_sys::Function;
}

/// Stack that must be left for a call into wasm: at least three times the deepest call measured
/// (about 21 KB optimized, 45 KB unoptimized: the wasm tests' builds use larger frames). The
/// probe's cost grows with it (README, Measured).
pub(super) const STACK_HEADROOM_BYTES: u32 = if cfg!(debug_assertions) { 256 * 1024 } else { 64 * 1024 };

thread_local! {
    static HEADROOM_SET: Cell<bool> = const { Cell::new(false) };
}

/// Sets the probe's headroom (once).
pub(super) fn ensure_headroom() {
    if !HEADROOM_SET.with(|s| s.replace(true)) {
        set_stack_headroom(STACK_HEADROOM_BYTES);
    }
}

/// Refuses with an `InvalidArgument` when less than [`STACK_HEADROOM_BYTES`] of stack are left;
/// for the entry points a JavaScript guard cannot wrap (constructors, free functions) and for
/// classes guarded in Rust.
pub(super) fn stack_guard(what: &str) -> JsResult<()> {
    ensure_headroom();
    match has_stack_headroom() {
        Ok(true) => Ok(()),
        _ => Err(invalid(format!(
            "{what} needs about {} KB of JavaScript stack and was called with less (from deep recursion?); call it from a shallower stack",
            STACK_HEADROOM_BYTES / 1024
        ))),
    }
}
