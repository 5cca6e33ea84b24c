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

/// What the oracles remember of one key.
#[derive(Clone, Default)]
struct KeyWatch {
    /// The highest ballot each acceptor promised or accepted (index: acceptor id − 1; `None`:
    /// never seen to hold the key).
    high_water: Vec<Option<Ballot>>,
    /// The value accepted under each ballot that some acceptor may still accept under: ballots
    /// below every acceptor's high water are dropped, since no acceptor accepts under them again
    /// (unless its promise regresses, which oracle 2 reports). This keeps the oracle's memory
    /// bounded by the ballots in play, not by the length of the run. Sorted by ballot, each
    /// ballot once: a few entries, where a `Vec` is as fast as a `BTreeMap` and its code is
    /// shared (a `BTreeMap` of this type was 5 KB of wasm: README, "wasm size").
    accepted: Vec<(Ballot, Val)>,
}

impl KeyWatch {
    /// The lowest high water across `acceptors` acceptors (`ZERO` while one has not held the key).
    fn floor(&self, acceptors: usize) -> Ballot {
        if self.high_water.len() < acceptors {
            return Ballot::ZERO;
        }
        self.high_water.iter().map(|h| h.unwrap_or(Ballot::ZERO)).min().unwrap_or(Ballot::ZERO)
    }

    /// Forgets the values of ballots below `floor`.
    fn drop_below(&mut self, floor: Ballot) {
        let below = self.accepted.partition_point(|(b, _)| *b < floor);
        self.accepted.drain(..below);
    }
}

#[derive(Clone, Default)]
pub struct Oracle {
    keys: HashMap<Key, KeyWatch>,
    /// Every violation seen, in order.
    pub findings: Vec<Finding>,
}

impl Oracle {
    /// Entries held (what a copy of it costs).
    pub fn entries(&self) -> usize {
        self.keys.values().map(|w| 1 + w.accepted.len()).sum::<usize>() + self.findings.len()
    }

    /// Checks acceptor `acceptor`'s slot for `key` (`None` when it holds nothing, e.g. wiped), in
    /// a cluster of `acceptors` acceptors.
    pub fn observe(&mut self, at_ms: u64, acceptor: AcceptorId, key: &Key, slot: Option<&Slot<Val>>, acceptors: usize) {
        let watch = match self.keys.get_mut(key) {
            Some(w) => w,
            None => self.keys.entry(key.clone()).or_default(),
        };
        let index = acceptor as usize - 1;
        if watch.high_water.len() <= index {
            watch.high_water.resize(index + 1, None);
        }
        let high = slot.map_or(Ballot::ZERO, Slot::high_water);
        let last = watch.high_water[index].unwrap_or(Ballot::ZERO);
        if high < last {
            let text = format!(
                "{at_ms}ms a{acceptor} key {key}: highest promised/accepted ballot went back from {last} to {high}"
            );
            self.findings.push(Finding { kind: OracleKind::PromiseRegressed, key: key.clone(), at_ms, text });
        }
        watch.high_water[index] = Some(high);
        if let Some((ballot, value)) = slot.and_then(|s| s.accepted.as_ref()) {
            match watch.accepted.binary_search_by_key(ballot, |(b, _)| *b) {
                Ok(i) if !Rc::ptr_eq(&watch.accepted[i].1, value) && *watch.accepted[i].1 != **value => {
                    let seen = &watch.accepted[i].1;
                    let text =
                        format!("{at_ms}ms a{acceptor} key {key}: two values accepted under ballot {ballot}: {seen} and {value}");
                    self.findings.push(Finding { kind: OracleKind::OneValuePerBallot, key: key.clone(), at_ms, text });
                }
                Ok(_) => {}
                Err(i) => watch.accepted.insert(i, (*ballot, value.clone())),
            }
        }
        let floor = watch.floor(acceptors);
        watch.drop_below(floor);
    }

    /// Keys acceptor `acceptor` was seen to hold (to re-check after a wipe).
    pub fn keys_of(&self, acceptor: AcceptorId) -> Vec<Key> {
        let index = acceptor as usize - 1;
        let keys: Vec<Key> = self
            .keys
            .iter()
            .filter(|(_, w)| w.high_water.get(index).is_some_and(Option::is_some))
            .map(|(k, _)| k.clone())
            .collect();
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
        o.observe(1, 1, &k, Some(&Slot { promise: None, accepted: Some((b, val(1))), lease: None }), 3);
        o.observe(2, 2, &k, Some(&Slot { promise: None, accepted: Some((b, val(1))), lease: None }), 3);
        assert!(o.findings.is_empty(), "equal values are fine");
        o.observe(3, 3, &k, Some(&Slot { promise: None, accepted: Some((b, val(2))), lease: None }), 3);
        assert_eq!(o.findings.len(), 1, "{:?}", o.findings);
        assert_eq!(o.findings[0].kind, OracleKind::OneValuePerBallot);
    }

    #[test]
    fn catches_a_promise_going_back() {
        let mut o = Oracle::default();
        let k: Key = "k".into();
        o.observe(1, 1, &k, Some(&Slot { promise: Some(Ballot::new(5, 1)), accepted: None, lease: None }), 3);
        o.observe(2, 1, &k, Some(&Slot { promise: Some(Ballot::new(6, 1)), accepted: None, lease: None }), 3);
        assert!(o.findings.is_empty());
        o.observe(3, 1, &k, None, 3);
        assert_eq!(o.findings[0].kind, OracleKind::PromiseRegressed);
        assert!(o.findings[0].text.contains("went back from 6.p1 to 0.p0"), "{:?}", o.findings);
        assert_eq!(o.keys_of(1), vec![k]);
    }

    #[test]
    fn forgets_ballots_no_acceptor_can_accept_under_and_still_catches_a_second_value() {
        let mut o = Oracle::default();
        let k: Key = "k".into();
        let accept = |b: Ballot, v: i64| Slot { promise: None, accepted: Some((b, val(v))), lease: None };
        for round in 1..=1000u64 {
            for a in 1..=3 {
                o.observe(round, a, &k, Some(&accept(Ballot::new(round, 1), round as i64)), 3);
            }
        }
        assert!(o.findings.is_empty());
        assert_eq!(o.entries(), 2, "one key and the latest ballot's value, not 1,000 values");
        // Two acceptors move on; the third still holds ballot 1000 and may accept under it: a
        // different value under 1000 is still caught.
        for a in 1..=2 {
            o.observe(1001, a, &k, Some(&Slot { promise: Some(Ballot::new(1001, 2)), accepted: None, lease: None }), 3);
        }
        o.observe(1002, 3, &k, Some(&accept(Ballot::new(1000, 1), -1)), 3);
        assert_eq!(o.findings.len(), 1, "{:?}", o.findings);
        assert_eq!(o.findings[0].kind, OracleKind::OneValuePerBallot);
        assert!(o.findings[0].text.contains("two values accepted under ballot 1000.p1"), "{:?}", o.findings);
    }

    #[test]
    fn keeps_every_value_while_an_acceptor_has_not_held_the_key() {
        let mut o = Oracle::default();
        let k: Key = "k".into();
        for round in 1..=10u64 {
            for a in 1..=2 {
                o.observe(
                    round,
                    a,
                    &k,
                    Some(&Slot { promise: None, accepted: Some((Ballot::new(round, 1), val(1))), lease: None }),
                    3,
                );
            }
        }
        assert_eq!(o.entries(), 11, "a3 may still accept under any of them");
    }
}
