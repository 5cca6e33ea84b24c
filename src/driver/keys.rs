//! Keys interned once: an operation's key string is hashed when it is invoked and when a reply
//! comes back; everything else indexes by a small integer.

use crate::fxhash::FxHashMap;
use crate::protocol::Key;

/// A key's index in its [`KeyTable`].
pub type KeyId = u32;

/// Every key seen, each with one id for the life of the table.
#[derive(Clone, Debug, Default)]
pub struct KeyTable {
    ids: FxHashMap<Key, KeyId>,
    keys: Vec<Key>,
}

impl KeyTable {
    /// The id of `key`, assigned on first sight.
    pub fn intern(&mut self, key: &Key) -> KeyId {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = KeyId::try_from(self.keys.len()).expect("fewer than 2^32 keys");
        self.keys.push(key.clone());
        self.ids.insert(key.clone(), id);
        id
    }

    /// The id of `key`, if it was ever interned.
    pub fn get(&self, key: &str) -> Option<KeyId> {
        self.ids.get(key).copied()
    }

    pub fn key(&self, id: KeyId) -> &Key {
        &self.keys[id as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_keeps_its_id() {
        let mut t = KeyTable::default();
        let (a, b): (Key, Key) = ("a".into(), "b".into());
        assert_eq!((t.intern(&a), t.intern(&b), t.intern(&"a".into())), (0, 1, 0));
        assert_eq!((t.get("b"), t.get("c")), (Some(1), None));
        assert_eq!(&**t.key(1), "b");
    }
}
