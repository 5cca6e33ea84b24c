//! A linearizability checker for the client history (Wing & Gong's search with Lowe's
//! memoization), per key (P-compositionality: a history is linearizable iff each key's is).
//!
//! Real-time order is the simulator's own: operation A precedes B iff A's return comes before
//! B's invocation in the history's one event sequence (never by comparing milliseconds, so a
//! click, its result and the next click in one virtual millisecond are still ordered).
//!
//! Operations that ended `unknown` (or are still in flight) may take effect at most once, at any
//! point after their invocation, or never. Refusals are observations: a `VersionConflict` or an
//! `UpdateRejected` saw a state that justifies it, and is placed like a read. Operations that
//! certainly did not apply and observed nothing are left out. Built-in operations are recomputed
//! by [`crate::ops::Op::apply`]; a `change` with an arbitrary function is checked through the
//! state it saw and the value it wrote (or the state it refused on: its last evaluation).
//! The search is bounded by a step budget and answers "unknown" rather than running away; each
//! step costs O(1) amortized, so the budget bounds wall time (see `search.rs`).
//!
//! [`check_run`] gives one verdict for a whole simulation: this checker and the simulator's step
//! oracles ([`crate::sim::Oracle`]) together.

mod model;
mod search;

pub use model::{CheckOp, Expect, Next, State, Step};
pub use search::{check_key, KeyResult};

use crate::sim::{Finding, History, OracleKind, Sim};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// Default search budget per key, in search steps.
pub const DEFAULT_STEP_BUDGET: u64 = 2_000_000;

/// What caught a violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// A key's history fits no linearization.
    Linearizability,
    /// One of the simulator's step oracles fired.
    Oracle(OracleKind),
}

impl ViolationKind {
    /// `linearizability`, or the oracle's name (`one-value-per-ballot`, `promise-regressed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::Linearizability => "linearizability",
            ViolationKind::Oracle(kind) => kind.as_str(),
        }
    }
}

/// Why a run is not correct: a key's history is not linearizable, or an oracle fired.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub key: String,
    /// The operations involved: the one that cannot be placed, and the last write before it
    /// (empty for an oracle's finding).
    pub ops: Vec<u64>,
    /// The longest partial linearization found (operation ids, in order; empty for an oracle's
    /// finding).
    pub longest: Vec<u64>,
    /// One sentence a person can read.
    pub explanation: String,
}

impl Violation {
    fn of_finding(f: &Finding) -> Violation {
        Violation {
            kind: ViolationKind::Oracle(f.kind),
            key: f.key.to_string(),
            ops: Vec::new(),
            longest: Vec::new(),
            explanation: f.text.clone(),
        }
    }
}

/// The verdict on a whole history (and, from [`check_run`], on the oracles of its run).
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// True when every key is linearizable (none violated, none ran out of budget) and no
    /// oracle fired.
    pub ok: bool,
    pub keys: BTreeMap<String, KeyResult>,
    /// The first linearizability violation, by key order; else the first oracle finding.
    pub violation: Option<Violation>,
    /// Every oracle finding of the run, in order.
    pub oracles: Vec<Finding>,
    /// Search steps used in all.
    pub steps: u64,
}

/// One verdict for a simulation: its history checked for linearizability, and its step
/// oracles' findings (one value per ballot, monotonic promises).
pub fn check_run(sim: &Sim, step_budget: u64) -> Report {
    check(&sim.history(), step_budget).with_oracles(sim.oracle_findings())
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
    Report { ok, keys, violation, oracles: Vec::new(), steps }
}

impl Report {
    /// Adds the step oracles' findings: any finding makes the verdict not ok, and is the
    /// violation when the histories are linearizable.
    pub fn with_oracles(mut self, findings: Vec<Finding>) -> Report {
        if let Some(first) = findings.first() {
            self.ok = false;
            self.violation.get_or_insert_with(|| Violation::of_finding(first));
        }
        self.oracles = findings;
        self
    }

    /// `{ ok, keys: { [key]: { verdict, order? } }, violation?, oracles, steps }` for JavaScript.
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
        let oracles: Vec<Json> = self
            .oracles
            .iter()
            .map(|f| json!({ "kind": f.kind.as_str(), "key": f.key.to_string(), "at": f.at_ms, "text": f.text }))
            .collect();
        let mut out = json!({ "ok": self.ok, "keys": keys, "oracles": oracles, "steps": self.steps });
        if let Some(v) = &self.violation {
            out["violation"] = json!({
                "kind": v.kind.as_str(),
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
