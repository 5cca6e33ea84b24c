//! The stack probe every call from JavaScript into wasm goes through first, in both modules
//! (`Cluster`'s guard in `cluster/guard.rs`, `LiveCluster`'s in `live.rs`): a JS exception must
//! never unwind through wasm frames, and the one a program cannot rule out is the stack running
//! out. So before entering wasm, a call checks that enough stack is left for it (more than it
//! uses, measured by the tests in `tests/web.rs` near the limit), and is refused with an
//! `InvalidArgument` otherwise. The check calls a function whose frame is as large as the bytes
//! to prove (V8 checks at a function's entry that its whole frame fits, in every tier: a call's
//! cost whatever the bytes), and pushes the bytes beyond its largest such frame as arguments of
//! `apply` (one 8-byte slot each, a RangeError before pushing anything if they do not fit: its
//! cost grows with them). `tests/web.rs` measures what each probe proves, cold and optimized.
//!
//! The calls are in three classes ([`Headroom`]): a getter that reads a number proves little,
//! an operation's start a little more, every other call (and `LiveCluster`'s)
//! [`STACK_HEADROOM_BYTES`]; the first two fit a frame (in the optimized build).

use super::js::{invalid, JsResult};
use std::cell::Cell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
// A function's frame as V8 runs it holds one 8-byte register for each argument of its calls; every
// tier checks at entry that the whole of it fits (optimized code checks the height of the frame it
// may deoptimize to, without writing it), and throws a RangeError otherwise. So calling one of
// these proves its bytes at the cost of a call. `ignore` is never called (`never` stays false).
let never = false;
const ignore = () => {};
function frame4k() {
  if (never) ignore(
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  );
  return true;
}
function frame12k() {
  if (never) ignore(
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ignore(
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ),
  );
  return true;
}
const frames = [[12288, frame12k], [4096, frame4k], [0, () => true]];

// A probe of `bytes`: the largest frame within them, and for the rest that many arguments pushed
// by `apply` (which throws a RangeError before pushing anything if they do not fit).
function probeOf(bytes) {
  const [frameBytes, frame] = frames.find(([b]) => b <= bytes);
  const rest = new Array(Math.ceil((bytes - frameBytes) / 8)).fill(0);
  const fits = rest.length === 0 ? () => frame() : () => frame.apply(null, rest);
  return () => {
    try {
      return fits();
    } catch (e) {
      return false;
    }
  };
}

const probes = { read: null, start: null, full: null };

export function setStackHeadroom(read, start, full) {
  Object.assign(probes, { read: probeOf(read), start: probeOf(start), full: probeOf(full) });
}

export function hasStackHeadroom() {
  return probes.full === null || probes.full();
}

export function stackProbes() {
  return { read: () => probes.read(), start: () => probes.start(), full: () => probes.full() };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = "setStackHeadroom")]
    fn set_stack_headroom(read: u32, start: u32, full: u32);
    #[wasm_bindgen(catch, js_name = "hasStackHeadroom")]
    fn has_stack_headroom() -> Result<bool, JsValue>;
    /// The probes themselves, `{ read, start, full }`, for a guard written in JavaScript to call.
    #[wasm_bindgen(js_name = "stackProbes")]
    pub(super) fn stack_probes() -> JsValue;
}

/// What a call into wasm does, for the stack it must find left.
#[derive(Clone, Copy)]
pub(super) enum Headroom {
    /// A getter that reads a number or a boolean: no call back into JavaScript, a few frames.
    Read,
    /// An operation's start on a key (`get`, `increment`, `read`, `delete`): its arguments read,
    /// the action recorded, its promise made. A start that would replay (the first action after
    /// a seek drops the tape's replay; the action that fills the session folds the log's hash by
    /// replay), or in a run that has held a value nested deeper than
    /// [`crate::limits::MAX_LIGHT_START_DEPTH`] (a start copies its key's value, a recursion a
    /// level, when its proposer answers from a read lease or sends its cached state's accept: 21
    /// KB did not hold `get` of a value nested 64 deep in an `opt-level = 3` build), proves
    /// [`Headroom::Full`] from Rust first (`cluster/mod.rs`).
    Start,
    /// Everything else.
    Full,
}

/// Stack that must be left for any call into wasm: more than twice the deepest call measured
/// (28 KB optimized, `put` of a deep value), and room for compiling a function lazily (about
/// 40 KB); the wasm tests' unoptimized builds use larger frames.
pub(super) const STACK_HEADROOM_BYTES: u32 = if cfg!(debug_assertions) { 256 * 1024 } else { 64 * 1024 };

impl Headroom {
    /// The bytes this class of call proves: about three times its deepest call measured in the
    /// optimized build (`tests/e2e/stack-need.mjs`: a getter 1.3 KB, a start 4.1 KB, the deepest
    /// call, `put` of a value nested 64 deep, 28 KB); the unoptimized build's frames are larger.
    /// `tests/web.rs` sweeps each threshold.
    pub(super) const fn bytes(self) -> u32 {
        let debug = cfg!(debug_assertions);
        match self {
            Headroom::Read => {
                if debug {
                    32 * 1024
                } else {
                    4 * 1024
                }
            }
            Headroom::Start => {
                if debug {
                    128 * 1024
                } else {
                    12 * 1024
                }
            }
            Headroom::Full => STACK_HEADROOM_BYTES,
        }
    }
}

/// The probes `{ read, start, full }` (each answers whether its class's bytes of stack are left),
/// for the tests that measure what each proves.
#[cfg(feature = "workloads")]
pub fn stack_probes_for_tests() -> JsValue {
    ensure_headroom();
    stack_probes()
}

/// The bytes of each class, `[read, start, full]` (for the tests near the limit).
pub fn stack_headrooms() -> [u32; 3] {
    [Headroom::Read.bytes(), Headroom::Start.bytes(), Headroom::Full.bytes()]
}

thread_local! {
    static HEADROOM_SET: Cell<bool> = const { Cell::new(false) };
}

/// Sets the probes' headroom (once).
pub(super) fn ensure_headroom() {
    if !HEADROOM_SET.with(|s| s.replace(true)) {
        set_stack_headroom(Headroom::Read.bytes(), Headroom::Start.bytes(), Headroom::Full.bytes());
    }
}

/// The probes' headroom set to `bytes` each, for the tests that measure how much stack each
/// call uses (0: no probe; `undefined`: each class's own again). A call that then runs out of
/// stack unwinds through wasm: its module is not to be used afterwards.
#[cfg(feature = "workloads")]
#[wasm_bindgen(js_name = "setStackHeadroomForTests")]
pub fn set_stack_headroom_for_tests(bytes: Option<u32>) {
    ensure_headroom();
    match bytes {
        Some(b) => set_stack_headroom(b, b, b),
        None => set_stack_headroom(Headroom::Read.bytes(), Headroom::Start.bytes(), Headroom::Full.bytes()),
    }
}

/// Refuses with an `InvalidArgument` when less than [`STACK_HEADROOM_BYTES`] of stack are left;
/// for the entry points a JavaScript guard cannot wrap (constructors, free functions), for
/// classes guarded in Rust, and for a light call about to do heavy work.
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
