//! Cluster membership for JavaScript (paper §2.3): the `quorums` option (flexible quorums) and
//! `membership()`.

use super::Cluster;
use crate::protocol::Quorums;
use crate::wasm::js::{integer_arg, options, to_js, JsResult};
use wasm_bindgen::prelude::*;

/// `{ prepare?, accept? }` among `acceptors`: each an integer in `1..=acceptors`, a majority when
/// omitted. Whether they intersect is checked where the cluster is built ([`Quorums::check`]).
pub(super) fn quorums_arg(name: &str, v: &JsValue, acceptors: usize) -> JsResult<Quorums> {
    let mut q = Quorums::majority(acceptors);
    for (key, x) in options(name, v, &["prepare", "accept"])? {
        let size = integer_arg(&format!("{name}.{key}"), &x, 1.0, acceptors as f64)? as usize;
        match key.as_str() {
            "prepare" => q.prepare = size,
            _ => q.accept = size,
        }
    }
    Ok(q)
}

#[wasm_bindgen]
impl Cluster {
    /// `{ acceptors, prepare: { nodes, quorum }, accept: { nodes, quorum }, step }`: which
    /// acceptors each phase asks and how many make its quorum (broken quorums included); `step`
    /// is `null` while no membership change runs.
    #[wasm_bindgen(unchecked_return_type = "Membership")]
    pub fn membership(&self) -> JsResult<JsValue> {
        self.inner.enter(|sim| Ok(to_js(&crate::membership::view(sim))))
    }
}
