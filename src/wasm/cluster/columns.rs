//! `Cluster.eventColumns(since, limit)`: the events in columns ([`crate::event_columns`]), for a
//! timeline's intake of a long run without one object per event.

use super::{event_window, Cluster};
use crate::event_columns::EventColumns;
use crate::view::ColumnsView;
use crate::wasm::js::{to_js, JsResult};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Cluster {
    /// Events `since..since + limit` (as `events(since, limit)` gives them) in columns:
    /// `{ since, count, stride, fields, rows, strings, rare }` (`EventColumns`).
    #[wasm_bindgen(js_name = "eventColumns", unchecked_return_type = "EventColumns")]
    pub fn event_columns(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] since: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] limit: JsValue,
    ) -> JsResult<JsValue> {
        self.inner.enter_rec(|rec| {
            let (first, events) = event_window(rec, &since, &limit)?;
            Ok(to_js(&ColumnsView { first, events: &events, columns: &EventColumns::of(&events) }))
        })
    }
}
