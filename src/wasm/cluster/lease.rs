//! The read-lease options of `new Cluster()`: `leases: { duration }` and `clockDrift`
//! ([`crate::protocol::lease`], [`crate::sim::Clocks`]).

use crate::limits::{clock_drift_ppm, MAX_LEASE_MS};
use crate::wasm::js::{describe, error, integer_arg, invalid, options, JsResult};
use wasm_bindgen::JsValue;

/// `{ duration }`: a read lease's length in virtual ms, `1..=MAX_LEASE_MS`.
pub(super) fn leases_arg(name: &str, v: &JsValue) -> JsResult<u64> {
    integer_field_arg(name, v, "duration", MAX_LEASE_MS)
}

/// An object with one integer field `field` in `1..=max` (`batch: { max }`, `leases: { duration }`).
pub(super) fn integer_field_arg(name: &str, v: &JsValue, field: &str, max: u64) -> JsResult<u64> {
    let fields = options(name, v, &[field])?;
    match fields.into_iter().find(|(k, _)| k == field) {
        Some((_, x)) => integer_arg(&format!("{name}.{field}"), &x, 1.0, max as f64),
        None => Err(invalid(format!("{name} must be an object {{ {field} }}, got {}", describe(v)))),
    }
}

/// A clock rate error in `0..=0.1`, in whole parts per million; the ppm.
pub(super) fn clock_drift_arg(name: &str, v: &JsValue) -> JsResult<u32> {
    let Some(drift) = v.as_f64() else {
        return Err(invalid(format!("{name} must be a number, got {}", describe(v))));
    };
    clock_drift_ppm(name, drift).map_err(|e| error(&e))
}
