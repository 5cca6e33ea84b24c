//! Manual delivery for JavaScript: `setDelivery("manual" | "auto")`, `delivery`, `inFlight()`,
//! `deliver(id)`, `dropMessage(id)`. Each choice is a recorded action, so seeking, share links and
//! `verify()` reproduce it.

use super::Cluster;
use crate::limits::{quoted, MAX_SAFE_INTEGER};
use crate::session::UserAction;
use crate::sim::{Delivery, Sim};
use crate::view;
use crate::wasm::js::{error, integer_arg, invalid, string_arg, to_js, JsResult};
use wasm_bindgen::prelude::*;

/// A held message's id from JS: an integer naming a message that is waiting.
fn waiting_id(sim: &Sim, v: &JsValue) -> JsResult<u64> {
    let id = integer_arg("id", v, 0.0, MAX_SAFE_INTEGER as f64)?;
    sim.check_held(id).map_err(|e| error(&e))?;
    Ok(id)
}

#[wasm_bindgen]
impl Cluster {
    /// `"manual"`: every message waits in `inFlight()` until `deliver(id)` or `dropMessage(id)`;
    /// `"auto"` (the default): the network delivers them, and the waiting ones arrive now.
    #[wasm_bindgen(js_name = "setDelivery")]
    pub fn set_delivery(&self, #[wasm_bindgen(unchecked_param_type = "DeliveryMode")] mode: JsValue) -> JsResult<()> {
        self.inner.act(|_| {
            let text = string_arg("mode", &mode)?;
            let mode = Delivery::parse(&text)
                .ok_or_else(|| invalid(format!("mode must be \"manual\" or \"auto\", got {}", quoted(&text))))?;
            Ok(UserAction::Delivery(mode))
        })
    }

    /// `"manual"` or `"auto"`.
    #[wasm_bindgen(getter, unchecked_return_type = "DeliveryMode")]
    pub fn delivery(&self) -> String {
        self.inner.peek(|rec| rec.sim().delivery().as_str().to_owned())
    }

    /// The messages waiting (manual delivery), in the order they were sent:
    /// `[{ id, msg, from, to, sentAt, type, key, ballot, message }]`.
    #[wasm_bindgen(js_name = "inFlight", unchecked_return_type = "HeldMessage[]")]
    pub fn in_flight(&self) -> JsResult<JsValue> {
        self.inner.enter(|sim| Ok(to_js(&view::HeldView(sim))))
    }

    /// Delivers waiting message `id` now, before anything else; what it causes follows.
    pub fn deliver(&self, #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue) -> JsResult<()> {
        self.inner.act(|sim| Ok(UserAction::Deliver(waiting_id(sim, &id)?)))
    }

    /// Drops waiting message `id`: it never arrives.
    #[wasm_bindgen(js_name = "dropMessage")]
    pub fn drop_message(&self, #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue) -> JsResult<()> {
        self.inner.act(|sim| Ok(UserAction::DropMessage(waiting_id(sim, &id)?)))
    }
}
