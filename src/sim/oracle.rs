//! Safety oracles checked after every step of a simulation.
//!
//! 1. **One value per ballot**: across all acceptors, at most one value is ever accepted under a
//!    given (key, ballot) (§2.2: a proposer sends one accept per ballot).
//! 2. **Monotonic promises**: on each acceptor, the highest ballot promised or accepted for a key
//!    never decreases (acceptors' state is durable, §2.2).
//!
//! The end-of-run oracle on counters (no acknowledged increment lost) lives with the tests, which
//! know which keys only saw increments.

use crate::fxhash::FxHashMap as HashMap;
use crate::ops::Val;
use crate::protocol::{AcceptorId, Ballot, Key, Slot};
use std::fmt;
use std::rc::Rc;

/// Which oracle fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleKind {
    /// Two different values accepted under one (key, ballot).
    OneValuePerBallot,
    /// An acceptor's highest promised/accepted ballot for a key went back.
    PromiseRegressed,
}

impl OracleKind {
    /// The name reports use (`one-value-per-ballot`, `promise-regressed`).
    pub fn as_str(self) -> &'static str {
        match self {
            OracleKind::OneValuePerBallot => "one-value-per-ballot",
            OracleKind::PromiseRegressed => "promise-regressed",
        }
    }
}

/// One violation an oracle saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub kind: OracleKind,
    pub key: Key,
    pub at_ms: u64,
    /// One sentence a person can read, starting with the time.
    pub text: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[derive(Clone, Default)]
pub struct Oracle {
    accepted: HashMap<(Key, Ballot), Val>,
    high_water: HashMap<(AcceptorId, Key), Ballot>,
    /// Every violation seen, in order.
    pub findings: Vec<Finding>,
}

impl Oracle {
    /// Entries held (what a copy of it costs).
    pub fn entries(&self) -> usize {
        self.accepted.len() + self.high_water.len() + self.findings.len()
    }

    /// Checks acceptor `acceptor`'s slot for `key` (`None` when it holds nothing, e.g. wiped).
    pub fn observe(&mut self, at_ms: u64, acceptor: AcceptorId, key: &Key, slot: Option<&Slot<Val>>) {
        let high = slot.map_or(Ballot::ZERO, Slot::high_water);
        let last = self.high_water.entry((acceptor, key.clone())).or_insert(Ballot::ZERO);
        if high < *last {
            let text = format!(
                "{at_ms}ms a{acceptor} key {key}: highest promised/accepted ballot went back from {last} to {high}"
            );
            self.findings.push(Finding { kind: OracleKind::PromiseRegressed, key: key.clone(), at_ms, text });
        }
        *last = high;
        if let Some((ballot, value)) = slot.and_then(|s| s.accepted.as_ref()) {
            match self.accepted.get(&(key.clone(), *ballot)) {
                Some(seen) if !Rc::ptr_eq(seen, value) && **seen != **value => {
                    let text =
                        format!("{at_ms}ms a{acceptor} key {key}: two values accepted under ballot {ballot}: {seen} and {value}");
                    self.findings.push(Finding { kind: OracleKind::OneValuePerBallot, key: key.clone(), at_ms, text });
                }
                Some(_) => {}
                None => {
                    self.accepted.insert((key.clone(), *ballot), value.clone());
                }
            }
        }
    }

    /// Keys acceptor `acceptor` was seen to hold (to re-check after a wipe).
    pub fn keys_of(&self, acceptor: AcceptorId) -> Vec<Key> {
        let keys: Vec<Key> = self.high_water.keys().filter(|(a, _)| *a == acceptor).map(|(_, k)| k.clone()).collect();
        crate::sorting::sorted_by_unique_key(keys, |k| k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Register;
    use serde_json::json;

    fn val(v: i64) -> Val {
        Rc::new(Register { value: json!(v), version: 1, applied: vec![] })
    }

    #[test]
    fn catches_two_values_under_one_ballot_across_acceptors() {
        let mut o = Oracle::default();
        let k: Key = "k".into();
        let b = Ballot::new(1, 1);
        o.observe(1, 1, &k, Some(&Slot { promise: None, accepted: Some((b, val(1))) }));
        o.observe(2, 2, &k, Some(&Slot { promise: None, accepted: Some((b, val(1))) }));
        assert!(o.findings.is_empty(), "equal values are fine");
        o.observe(3, 3, &k, Some(&Slot { promise: None, accepted: Some((b, val(2))) }));
        assert_eq!(o.findings.len(), 1, "{:?}", o.findings);
        assert_eq!(o.findings[0].kind, OracleKind::OneValuePerBallot);
    }

    #[test]
    fn catches_a_promise_going_back() {
        let mut o = Oracle::default();
        let k: Key = "k".into();
        o.observe(1, 1, &k, Some(&Slot { promise: Some(Ballot::new(5, 1)), accepted: None }));
        o.observe(2, 1, &k, Some(&Slot { promise: Some(Ballot::new(6, 1)), accepted: None }));
        assert!(o.findings.is_empty());
        o.observe(3, 1, &k, None);
        assert_eq!(o.findings[0].kind, OracleKind::PromiseRegressed);
        assert!(o.findings[0].text.contains("went back from 6.p1 to 0.p0"), "{:?}", o.findings);
        assert_eq!(o.keys_of(1), vec![k]);
    }
}
