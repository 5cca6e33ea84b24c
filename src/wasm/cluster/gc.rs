//! Garbage collection of deleted keys for JavaScript (paper §3.1): `gc({ key?, proposer? })`
//! runs the collection now and resolves `{ erased }`; `setGcDelay(ms | null)` (and the
//! constructor's `gcDelay`) collects every deleted key that long after its delete. Both are
//! recorded actions: sessions, links, seek and verify replay them.

use super::promises::Answer;
use super::{Cluster, Settle};
use crate::limits::MAX_LATENCY_MS;
use crate::protocol::ProposerId;
use crate::session::UserAction;
use crate::wasm::js::{describe, error, integer_arg, invalid, options, string_arg, JsResult};
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

/// `ms` (an integer in 0..=MAX_LATENCY_MS) or `null`/`undefined` (off).
pub(super) fn gc_delay_arg(name: &str, v: &JsValue) -> JsResult<Option<u64>> {
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    if v.as_f64().is_none() {
        return Err(invalid(format!("{name} must be a number of virtual ms or null, got {}", describe(v))));
    }
    integer_arg(name, v, 0.0, MAX_LATENCY_MS as f64).map(Some)
}

#[wasm_bindgen]
impl Cluster {
    /// Garbage-collects now (§3.1): `key`, or every key deleted since its last collection, from
    /// `proposer`'s node (default: the lowest-numbered proposer in the cluster, `"p1"` unless
    /// removed). Resolves `{ erased }`: the keys the acceptors erased.
    /// Rejects with `Unavailable` when a collection could not finish (its step is retried within
    /// the attempts, and nothing resurrectable is left behind).
    #[wasm_bindgen(unchecked_return_type = "Promise<{ erased: string[] }>")]
    pub fn gc(&self, #[wasm_bindgen(unchecked_param_type = "GcOptions | undefined")] opts: JsValue) -> Promise {
        let started = self.inner.enter_rec(|rec| {
            let (mut proposer, mut key): (ProposerId, Option<String>) = (rec.sim().first_proposer(), None);
            for (k, v) in options("options", &opts, &["key", "proposer"])? {
                if k == "key" {
                    let name = string_arg("options.key", &v)?;
                    crate::sim::check_key(&name).map_err(|e| error(&e))?;
                    key = Some(name);
                } else {
                    proposer = super::proposer_option(rec.sim(), &v)?;
                }
            }
            rec.gc(proposer, key).map_err(|e| error(&e))
        });
        let handles = match started {
            Ok(h) => h,
            Err(e) => return Promise::reject(&e),
        };
        let settles: Vec<_> =
            handles.into_iter().map(|(key, handle)| (key, Settle::new(&self.inner, handle))).collect();
        self.inner.promise(Box::pin(async move {
            let erased = Array::new();
            for (key, settle) in settles {
                let result = settle.await.map_err(|e| error(&e))?;
                if result["erased"].as_u64().unwrap_or(0) > 0 {
                    erased.push(&JsValue::from_str(&key));
                }
            }
            let out = Object::new();
            Reflect::set(&out, &"erased".into(), &erased)?;
            Ok(Answer::Value(out.into()))
        }))
    }

    /// Collects each deleted key `ms` virtual ms after its delete ends; `null` turns it off.
    #[wasm_bindgen(js_name = "setGcDelay")]
    pub fn set_gc_delay(&self, #[wasm_bindgen(unchecked_param_type = "number | null")] ms: JsValue) -> JsResult<()> {
        self.inner.act(|_| Ok(UserAction::GcDelay(gc_delay_arg("ms", &ms)?)))
    }

    /// The collection delay (`null`: off).
    #[wasm_bindgen(getter, js_name = "gcDelay", unchecked_return_type = "number | null")]
    pub fn gc_delay(&self) -> JsValue {
        self.inner.peek(|rec| rec.sim().gc_delay()).map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64))
    }
}
