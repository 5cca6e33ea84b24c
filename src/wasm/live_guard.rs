//! The boundary guard for `LiveCluster`, the smaller cousin of `guard.rs`'s for `Cluster`.
//! After `free()` every call is an `InvalidArgument` (an operation's promise rejects) instead of
//! wasm-bindgen's "null pointer passed to rust"; a second `free()` does nothing; `free()` from
//! inside a change function is refused, as `Cluster`'s is. It wraps the class's methods once; the
//! class is reached through a probe instance built on an inert host (no task, no timer), which is
//! freed at once.

use super::live::LiveCluster;
use super::shared::async_method_names;
use crate::live::{Host, LiveCluster as Core, LiveConfig, Task};
use js_sys::{Function, Reflect};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(inline_js = r#"
export function installLiveGuard(cls, asyncNames) {
  const proto = cls.prototype;
  const invalid = (message) => {
    const e = new Error(message);
    e.name = "InvalidArgument";
    return e;
  };
  const released = new WeakSet();
  const freed = () => invalid(`this ${cls.name} was freed (free() was called); create a new ${cls.name}`);
  const original = (name) => Object.getOwnPropertyDescriptor(proto, name).value;
  const [busy, free] = [original("__busy"), original("free")];
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === "constructor" || name === "free" || name.startsWith("__")) continue;
    const d = Object.getOwnPropertyDescriptor(proto, name);
    const isAsync = asyncNames.includes(name);
    const wrap = (f) =>
      function (...args) {
        if (!released.has(this)) return f.apply(this, args);
        if (isAsync) return Promise.reject(freed());
        throw freed();
      };
    if (typeof d.value === "function") d.value = wrap(d.value);
    if (typeof d.get === "function") d.get = wrap(d.get);
    if (typeof d.set === "function") d.set = wrap(d.set);
    Object.defineProperty(proto, name, d);
  }
  proto.free = function () {
    if (released.has(this)) return;
    if (busy.call(this)) {
      throw invalid("free() cannot be called from inside a change function (the cluster is running it); call it once the operation has ended");
    }
    free.call(this);
    released.add(this);
  };
  if (typeof Symbol.dispose === "symbol") proto[Symbol.dispose] = proto.free;
}
"#)]
extern "C" {
    /// Wraps the methods of `class` (a class with `__busy` and `free`); `async_names` reject.
    #[wasm_bindgen(js_name = "installLiveGuard")]
    pub(super) fn install_live_guard(class: &JsValue, async_names: &JsValue);
}

/// A host on which nothing runs: the probe's acceptor tasks are dropped unstarted.
struct Inert;

impl Host for Inert {
    fn now_ms(&self) -> u64 {
        0
    }
    fn after(&self, _delay_ms: u64, _task: Box<dyn FnOnce()>) {}
    fn spawn(&self, _task: Task) {}
}

thread_local! {
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

/// Installs the guard once: at start-up, or with the first `LiveCluster` when the host does not run
/// the start function (the wasm test runner does not).
pub(super) fn ensure_live_guard() {
    if INSTALLED.with(|g| g.replace(true)) {
        return;
    }
    let config = LiveConfig { acceptors: 1, proposers: 1, ..LiveConfig::default() };
    let Ok(core) = Core::new(Rc::new(Inert), config) else { return };
    let probe = JsValue::from(LiveCluster::of(core));
    let proto = js_sys::Object::get_prototype_of(&probe);
    let Ok(class) = Reflect::get(&proto, &"constructor".into()) else { return };
    install_live_guard(&class, &async_method_names());
    if let Ok(free) = Reflect::get(&probe, &"free".into()).and_then(|f| f.dyn_into::<Function>()) {
        let _ = free.call0(&probe);
    }
}
