//! The verdicts of one check, one per key, in key order: a `Vec` sorted once, not a `BTreeMap`
//! (the only `BTreeMap` left in the shipped wasm was this one: its insert, search, clone and drop
//! code; README, "wasm size").

use super::KeyResult;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyVerdicts(Vec<(String, KeyResult)>);

impl KeyVerdicts {
    /// The verdicts of `pairs`, given in any order, each key once.
    pub fn of_unsorted(pairs: Vec<(String, KeyResult)>) -> KeyVerdicts {
        KeyVerdicts(crate::sorting::sorted_by_unique_key(pairs, |(key, _)| key))
    }

    pub fn get(&self, key: &str) -> Option<&KeyResult> {
        let at = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        Some(&self.0[at].1)
    }

    /// (key, verdict) in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &KeyResult)> {
        self.0.iter().map(|(key, result)| (key, result))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(key, _)| key)
    }

    pub fn values(&self) -> impl Iterator<Item = &KeyResult> {
        self.0.iter().map(|(_, result)| result)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Index<&str> for KeyVerdicts {
    type Output = KeyResult;

    fn index(&self, key: &str) -> &KeyResult {
        self.get(key).expect("a key the check has a verdict for")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::Undecided;

    #[test]
    fn sorted_by_key_and_found_by_key() {
        let v = KeyVerdicts::of_unsorted(vec![
            ("b".into(), KeyResult::Unknown(Undecided::OutOfBudget)),
            ("a".into(), KeyResult::Linearizable(vec![1])),
            ("c".into(), KeyResult::Unknown(Undecided::Unfoldable)),
        ]);
        assert_eq!(v.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(v.get("a"), Some(&KeyResult::Linearizable(vec![1])));
        assert_eq!(v["c"], KeyResult::Unknown(Undecided::Unfoldable));
        assert_eq!(v.get("d"), None, "a key with no verdict is not found");
        assert_eq!(v.get(""), None);
        assert_eq!((v.len(), KeyVerdicts::default().is_empty()), (3, true));
    }
}
