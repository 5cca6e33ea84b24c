//! A linearizability checker for the client history (Wing & Gong's search with Lowe's
//! memoization), per key (P-compositionality: a history is linearizable iff each key's is).
//!
//! Operations that ended `unknown` (or are still in flight) may take effect at most once, at any
//! point after their invocation, or never. Operations that certainly did not apply and observed
//! nothing are left out. Built-in operations are recomputed by [`crate::ops::Op::apply`]; a
//! `change` with an arbitrary function is checked through the state it saw and the value it wrote.
//! The search is bounded by a step budget and answers "unknown" rather than running away.

mod model;
mod search;

pub use model::{CheckOp, Expect, State, Step};
pub use search::{check_key, KeyResult};

use crate::sim::History;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// Default search budget per key, in search steps.
pub const DEFAULT_STEP_BUDGET: u64 = 2_000_000;

/// Why a key's history is not linearizable.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub key: String,
    /// The operations involved: the one that cannot be placed, and the last write before it.
    pub ops: Vec<u64>,
    /// The longest partial linearization found (operation ids, in order).
    pub longest: Vec<u64>,
    /// One sentence a person can read.
    pub explanation: String,
}

/// The verdict on a whole history.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// True when every key is linearizable (none violated, none ran out of budget).
    pub ok: bool,
    pub keys: BTreeMap<String, KeyResult>,
    /// The first violation, by key order.
    pub violation: Option<Violation>,
    /// Search steps used in all.
    pub steps: u64,
}

/// Checks a history, key by key.
pub fn check(history: &History, step_budget: u64) -> Report {
    let mut by_key: BTreeMap<String, Vec<CheckOp>> = BTreeMap::new();
    for record in &history.ops {
        if let Some(op) = CheckOp::from_record(record) {
            by_key.entry(op.key.clone()).or_default().push(op);
        }
    }
    let mut keys = BTreeMap::new();
    let mut violation = None;
    let mut steps = 0;
    for (key, ops) in by_key {
        let (result, used) = check_key(&ops, step_budget);
        steps += used;
        if let KeyResult::Violation(v) = &result {
            if violation.is_none() {
                violation = Some(v.clone());
            }
        }
        keys.insert(key, result);
    }
    let ok = keys.values().all(|r| matches!(r, KeyResult::Linearizable(_)));
    Report { ok, keys, violation, steps }
}

impl Report {
    /// `{ ok, keys: { [key]: { verdict, order? } }, violation?, steps }` for JavaScript.
    pub fn to_json(&self) -> Json {
        let keys: serde_json::Map<String, Json> = self
            .keys
            .iter()
            .map(|(k, r)| {
                let v = match r {
                    KeyResult::Linearizable(order) => json!({ "verdict": "ok", "order": order }),
                    KeyResult::Violation(_) => json!({ "verdict": "violation" }),
                    KeyResult::Unknown => json!({ "verdict": "unknown" }),
                };
                (k.clone(), v)
            })
            .collect();
        let mut out = json!({ "ok": self.ok, "keys": keys, "steps": self.steps });
        if let Some(v) = &self.violation {
            out["violation"] = json!({
                "key": v.key,
                "ops": v.ops,
                "longest": v.longest,
                "explanation": v.explanation,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests;
