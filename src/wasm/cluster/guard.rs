//! The guard around every call from JavaScript into the simulation: nothing may throw through
//! the wasm frames (see below), so every call is checked for stack headroom first, and any
//! exception that still escapes leaves the cluster usable.

use super::{Cluster, Inner};
use crate::ops::OpKind;
use crate::wasm::shared::async_method_names;
use crate::wasm::stack::{ensure_headroom, stack_headrooms, stack_probes};
use js_sys::{Array, Reflect};
use std::cell::Cell;
use wasm_bindgen::prelude::*;

// The guard around every call from JavaScript into the simulation.
//
// A JS exception that unwinds through wasm frames runs no Rust destructors: a busy flag, a
// `RefCell` borrow, wasm-bindgen's borrow of the object or its table of JS values, even the
// allocator's state, stays as the exception found it, and the shadow stack pointer is not
// restored. Nothing can repair that afterwards, so the design keeps exceptions out:
//
// 1. Rust never calls into JS in a way that can throw (see `js.rs`): a getter, a Proxy trap, an
//    iterator or a change function that throws becomes an `Err` at the call site.
// 2. The one exception left is the stack running out, which can happen at any wasm function
//    entry, including inside wasm-bindgen's argument handling before our code runs. So before
//    JavaScript enters wasm, this wrapper asks the stack probe (`crate::wasm::stack`, shared with
//    `LiveCluster`) whether the call's headroom of stack is left, and otherwise refuses with an
//    `InvalidArgument` (a rejected promise for the operations). The headroom is the call's class
//    (`Headroom`): the getters of `READ_GETTERS` and the operations of `START_OPERATIONS` prove
//    less than the rest, but only once they have run once (a first call may compile glue
//    lazily, which needs about 40 KB of stack) and after the warm-up below ran their refusals.
// 3. Last line: if an exception still comes out of a call (a function's lazy compilation in the
//    glue needing stack, or a bug), the wrapper puts the cluster's entry depth back to what it
//    was before the call, so the cluster is never left "busy", and reports a RangeError as the
//    same `InvalidArgument` (its `cause` the original).
//
// It wraps every method, getter and setter of the prototype and every static method, once, at
// start-up, so a method added later is guarded too. The class constructor cannot be wrapped
// from here (the module's binding is fixed): `new Cluster()` and the free functions probe the
// stack as the first thing their Rust code does (`stack_guard`), which leaves only
// wasm-bindgen's argument handling before it unguarded.
//
// `free()` releases the simulation (`__release`: its memory goes at once, pending operations
// reject), refusing while the cluster is running (from inside a change function); it never calls
// wasm-bindgen's own `free()`, so the small handle stays valid until the garbage collector takes
// it (wasm-bindgen's FinalizationRegistry frees it then). A freed Cluster is remembered here, so
// calls on it are an `InvalidArgument` and a second `free()` a no-op; Rust refuses them too
// (its simulation is gone). The guard uses only wasm-bindgen's public surface: no private field,
// so the exact version pin is there for the CLI match alone. A `this` that is not a Cluster
// (`Cluster.prototype.step.call({})`) is refused here; an object made by
// `Object.create(Cluster.prototype)` passes `instanceof` and meets wasm-bindgen's own check
// ("null pointer passed to rust").
#[wasm_bindgen(inline_js = r#"
export function installGuard(cls, asyncNames, readNames, startNames, read, start, full, probes, warmUp) {
  const proto = cls.prototype;
  const light = { read: readNames, start: startNames };
  const headrooms = { read, start, full };
  const original = (name) => Object.getOwnPropertyDescriptor(proto, name).value;
  const [entered, leave, release, startHeadroom] = ["__entered", "__leave", "__release", "__startHeadroom"].map(original);
  const invalid = (message, cause) => {
    const e = new Error(message, cause === undefined ? undefined : { cause });
    e.name = "InvalidArgument";
    return e;
  };
  const released = new WeakSet();
  const freed = () => invalid("this Cluster was freed (free() was called); create a new Cluster");
  const noStack = (what, bytes, cause) =>
    invalid(
      `${what} needs about ${bytes / 1024} KB of JavaScript stack and was called with less ` +
        "(from deep recursion?); call it from a shallower stack",
      cause,
    );
  const fail = (isAsync, e) => {
    if (isAsync) return Promise.reject(e);
    throw e;
  };
  const isCluster = (self) => self instanceof cls;
  // What a start refused by its light probe needs: the run's class, asked from Rust (a start in a
  // run that held a deeply nested value, or that would replay, proves the full headroom there)
  // when a getter's headroom is left to ask with; else the full one, which holds for any start.
  const startNeeds = (self) => (probes.read() ? startHeadroom.call(self) : full);

  // A light call proves its class's headroom once it has returned once; until then, the full one.
  const guarded = (what, f, isAsync, headroom) => {
    const [lightProbe, lightBytes] = [probes[headroom], headrooms[headroom]];
    let [probe, bytes] = [probes.full, headrooms.full];
    return function (...args) {
      if (!isCluster(this)) return fail(isAsync, invalid(`${what} must be called on a Cluster`));
      if (released.has(this)) return fail(isAsync, freed());
      if (!probe()) {
        const lightStart = headroom === "start" && probe === lightProbe;
        return fail(isAsync, noStack(what, lightStart ? startNeeds(this) : bytes));
      }
      const depth = entered.call(this);
      try {
        const result = f.apply(this, args);
        probe = lightProbe;
        bytes = lightBytes;
        return result;
      } catch (e) {
        // A contract error comes back from Rust with the depth restored: putting it back is then
        // a no-op.
        try {
          leave.call(this, depth);
        } catch (_) {}
        return fail(isAsync, e instanceof RangeError ? noStack(what, bytes, e) : e);
      }
    };
  };

  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === "constructor" || name.startsWith("__")) continue;
    const d = Object.getOwnPropertyDescriptor(proto, name);
    const isAsync = asyncNames.includes(name);
    if (typeof d.value === "function") {
      d.value = guarded(`${name}()`, d.value, isAsync, light.start.includes(name) ? "start" : "full");
    }
    if (typeof d.get === "function") d.get = guarded(name, d.get, false, light.read.includes(name) ? "read" : "full");
    if (typeof d.set === "function") d.set = guarded(name, d.set, false, "full");
    Object.defineProperty(proto, name, d);
  }
  proto.free = function () {
    if (!isCluster(this)) throw invalid("free() must be called on a Cluster");
    if (released.has(this)) return;
    if (!probes.full()) throw noStack("free()", headrooms.full);
    release.call(this);
    released.add(this);
  };
  if (typeof Symbol.dispose === "symbol") proto[Symbol.dispose] = proto.free;

  for (const name of Object.getOwnPropertyNames(cls)) {
    const d = Object.getOwnPropertyDescriptor(cls, name);
    if (["length", "name", "prototype"].includes(name) || name.startsWith("__") || !d.configurable) continue;
    const wrap = (f) =>
      function (...args) {
        if (!probes.full()) throw noStack(`Cluster.${name}`, headrooms.full);
        try {
          return f.apply(this, args);
        } catch (e) {
          throw e instanceof RangeError ? noStack(`Cluster.${name}`, headrooms.full, e) : e;
        }
      };
    if (typeof d.value === "function") d.value = wrap(d.value);
    if (typeof d.get === "function") d.get = wrap(d.get);
    Object.defineProperty(cls, name, d);
  }

  // Compile the refusal paths now, at a shallow stack: compiling a function lazily needs about
  // 40 KB of stack, which is what a refused call does not have.
  freed();
  noStack("warm-up", 0, null);
  fail(true, invalid("warm-up")).catch(() => {});
  try {
    fail(false, invalid("warm-up"));
  } catch (_) {}
  // And the light calls' paths, on a cluster of their own: each getter, and each start with
  // arguments it accepts and with each kind it refuses (the glue of Rust's errors); a static and
  // free() (their wrappers). Nothing here throws; if it did, the calls would stay on the full
  // headroom, which is safe.
  try {
    const c = new cls({ autoAdvance: false });
    for (const name of light.read) void c[name];
    const refused = [[5], ["k", 5], ["k", { unknown: 1 }], ["k", { proposer: "p9" }], ["k", { proposer: 5 }], ["x".repeat(300)]];
    for (const name of light.start) {
      for (const args of [["k", { proposer: "p1" }], ...refused]) c[name](...args).catch(() => {});
    }
    noStack("warm-up", startNeeds(c));
    c.free();
    void cls.limits;
  } catch (_) {}
  warmUp.free();
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = "installGuard")]
    fn install_guard(
        class: &JsValue,
        async_names: &JsValue,
        read_names: &Array,
        start_names: &Array,
        read: u32,
        start: u32,
        full: u32,
        probes: &JsValue,
        warm_up: &JsValue,
    );
}

thread_local! {
    static GUARD_INSTALLED: Cell<bool> = const { Cell::new(false) };
}

/// The getters that read a number or a boolean (`Headroom::Read`).
const READ_GETTERS: [&str; 7] =
    ["now", "pending", "autoAdvance", "eventCount", "lastOperationId", "replayable", "steps"];

/// The operations whose start is light (`Headroom::Start`): a key and options, no value.
const START_OPERATIONS: [OpKind; 4] = [OpKind::Get, OpKind::Delete, OpKind::Increment, OpKind::Read];

/// Installs the guard once, on the class reached through a probe: a Cluster handle without a
/// simulation (wasm-bindgen gives inline JS no other way to the class; the warm-up frees it). At
/// start-up, or with the first Cluster when the host does not run the start function (the wasm
/// test runner does not). What the install costs is its warm-up's own Cluster (bench-guard.mjs).
pub(in crate::wasm) fn ensure_guard() {
    if GUARD_INSTALLED.with(|g| g.replace(true)) {
        return;
    }
    // A Cluster without a simulation (as if freed): enough to reach the class.
    let probe = JsValue::from(Cluster { inner: Inner::released() });
    let proto = js_sys::Object::get_prototype_of(&probe);
    let Ok(class) = Reflect::get(&proto, &"constructor".into()) else { return };
    ensure_headroom();
    let light_starts = START_OPERATIONS.map(OpKind::name);
    let [read, start, full] = stack_headrooms();
    install_guard(
        &class,
        &async_method_names(),
        &names(&READ_GETTERS),
        &names(&light_starts),
        read,
        start,
        full,
        &stack_probes(),
        &probe,
    );
}

/// `list` as a JS array of strings.
fn names(list: &[&str]) -> Array {
    list.iter().map(|n| JsValue::from_str(n)).collect()
}
