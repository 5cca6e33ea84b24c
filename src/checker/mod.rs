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

// Native only (the wasm's gates have no room for it: see `KeyLedger::try_fold`).
#[cfg(not(target_arch = "wasm32"))]
mod big_values;
mod collections;
mod frontier;
// Native only: 2.5 KB of gzipped wasm, measured; the wasm folds the same through the search.
#[cfg(not(target_arch = "wasm32"))]
mod increment_fold;
mod key_verdicts;
mod ledger;
mod model;
mod prune;
mod same_effect;
mod search;
mod unread;

pub use key_verdicts::KeyVerdicts;
pub use ledger::{
    Ledger, Verdicts, FOLD_EVERY, MAX_FRONTIER_STATES, MAX_SEGMENT_OPS, UNFOLDED_OP_BYTES, UNKNOWN_HORIZON,
};
pub use model::{CheckOp, Expect, Next, State, Step, Times};
pub use search::{check_key, check_key_from, check_key_or_earlier, end_states, Config, KeyResult, Undecided};

use crate::json_object::object;
use crate::sim::{Finding, History, OpRecord, OracleKind, Sim};
use serde_json::Value as Json;
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
    /// The completed operation that gave the answer `ops[0]` gave, when that answer can be given
    /// once only (an increment's: see `search/chain.rs`); the explanation's last clause names it.
    pub answered_same: Option<u64>,
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
            answered_same: None,
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
    pub keys: KeyVerdicts,
    /// The first linearizability violation, by key order; else the first oracle finding.
    pub violation: Option<Violation>,
    /// Every oracle finding of the run, in order.
    pub oracles: Vec<Finding>,
    /// Search steps used in all.
    pub steps: u64,
    /// Operations folded away by the incremental checker (their keys' verdicts include them).
    pub folded: u64,
    /// Of those, operations of unknown outcome, folded as "applied before a deadline, or never".
    pub folded_unknowns: u64,
}

/// One verdict for a simulation: its history checked for linearizability, and its step
/// oracles' findings (one value per ballot, monotonic promises).
pub fn check_run(sim: &Sim, step_budget: u64) -> Report {
    check(&sim.history(), step_budget).with_oracles(sim.oracle_findings())
}

/// Checks a history, key by key, incrementally: the prefixes the history folded away as they
/// settled (see [`Ledger`]), then the operations after them.
pub fn check(history: &History, step_budget: u64) -> Report {
    Report::of(history.ledger().verdicts(history.pending(), step_budget))
}

/// Checks every operation of `records` at once, key by key, from the empty register: the full
/// search, no folding (the reference the incremental checker is tested against).
pub fn check_records<'a>(records: impl IntoIterator<Item = &'a OpRecord>, step_budget: u64) -> Report {
    let mut by_key: BTreeMap<String, Vec<CheckOp>> = BTreeMap::new();
    for record in records {
        if let Some(op) = CheckOp::from_record(record) {
            by_key.entry(op.key.to_string()).or_default().push(op);
        }
    }
    let mut steps = 0;
    let mut keys = Vec::with_capacity(by_key.len());
    for (key, ops) in by_key {
        let (result, used) = check_key(&ops, step_budget);
        steps += used;
        keys.push((key, result));
    }
    Report::of(Verdicts { keys: KeyVerdicts::of_unsorted(keys), steps, folded: 0, folded_unknowns: 0 })
}

/// Checks `records` (a whole run's, in any order) as the incremental checker sees them live:
/// their invocations and returns are replayed in sequence order into `ledger` (fresh).
pub fn check_incrementally(records: &[OpRecord], mut ledger: Ledger, step_budget: u64) -> Report {
    let mut events: Vec<(u64, usize)> = Vec::with_capacity(records.len() * 2);
    for (i, r) in records.iter().enumerate() {
        events.push((r.invoke_seq, i));
        events.extend(r.return_seq.map(|s| (s, i)));
    }
    crate::sorting::merge_sort(&mut events);
    for (seq, i) in events {
        let r = &records[i];
        if seq == r.invoke_seq {
            ledger.invoked(r);
        } else {
            ledger.finished(r);
        }
    }
    Report::of(ledger.verdicts(records.iter().filter(|r| r.return_seq.is_none()), step_budget))
}

impl Report {
    fn of(v: Verdicts) -> Report {
        let violation = v.keys.values().find_map(|r| match r {
            KeyResult::Violation(v) => Some(v.clone()),
            _ => None,
        });
        let ok = v.keys.values().all(|r| matches!(r, KeyResult::Linearizable(_)));
        Report {
            ok,
            keys: v.keys,
            violation,
            oracles: Vec::new(),
            steps: v.steps,
            folded: v.folded,
            folded_unknowns: v.folded_unknowns,
        }
    }

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

    /// `{ ok, keys: { [key]: { verdict, order?, reason? } }, violation?, oracles, steps }` for JavaScript.
    pub fn to_json(&self) -> Json {
        let keys: serde_json::Map<String, Json> = self
            .keys
            .iter()
            .map(|(k, r)| {
                let v = match r {
                    KeyResult::Linearizable(order) => object! { "verdict": "ok", "order": order.clone() },
                    KeyResult::Violation(_) => object! { "verdict": "violation" },
                    KeyResult::Unknown(why) => object! { "verdict": "unknown", "reason": why.reason() },
                };
                (k.clone(), v)
            })
            .collect();
        let oracles: Vec<Json> = self
            .oracles
            .iter()
            .map(|f| object! { "kind": f.kind.as_str(), "key": f.key.to_string(), "at": f.at_ms, "text": f.text.clone() })
            .collect();
        let mut out =
            object! { "ok": self.ok, "keys": keys, "oracles": oracles, "steps": self.steps, "folded": self.folded };
        if let Some(v) = &self.violation {
            let violation = object! {
                "kind": v.kind.as_str(),
                "key": v.key.clone(),
                "ops": v.ops.clone(),
                "longest": v.longest.clone(),
                "explanation": v.explanation.clone(),
            };
            crate::json_object::set_field(&mut out, "violation", violation);
        }
        out
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod collections_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod gc_fold_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod longest_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod mixed_unknown_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod pile_up_tests;
#[cfg(test)]
mod regression_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod sticky_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod sweep_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod unknown_batch_tests;
