//! Keys interned once: an operation's key string is hashed when it is invoked; a reply, which
//! names its key with the table's own allocation (its request was sent with it), is found by that
//! allocation's address; everything else indexes by a small integer.

use crate::fxhash::FxHashMap;
use crate::protocol::Key;

/// A key's index in its [`KeyTable`].
pub type KeyId = u32;

/// Every key seen, each with one id for the life of the table.
#[derive(Clone, Debug, Default)]
pub struct KeyTable {
    ids: FxHashMap<Key, KeyId>,
    /// The same ids by the address of the table's own allocation of each key. Sound: `keys` holds
    /// every such allocation for the life of the table (and of its copies, which share them), so
    /// no other key can be at that address.
    by_address: FxHashMap<usize, KeyId>,
    keys: Vec<Key>,
}

/// Where `key`'s characters are: the identity of its allocation.
fn address(key: &Key) -> usize {
    key.as_ptr() as usize
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
        self.by_address.insert(address(key), id);
        id
    }

    /// The id of `key` if it was ever interned: by address when it is the table's own allocation
    /// (a reply's key: no string hashed nor compared), else by its characters.
    pub fn id_of(&self, key: &Key) -> Option<KeyId> {
        self.by_address.get(&address(key)).copied().or_else(|| self.get(key))
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
    use std::rc::Rc;

    #[test]
    fn a_key_keeps_its_id() {
        let mut t = KeyTable::default();
        let (a, b): (Key, Key) = ("a".into(), "b".into());
        assert_eq!((t.intern(&a), t.intern(&b), t.intern(&"a".into())), (0, 1, 0));
        assert_eq!((t.get("b"), t.get("c")), (Some(1), None));
        assert_eq!(&**t.key(1), "b");
    }

    /// A key found by its allocation is the one interned there; an equal key in another
    /// allocation is found by its characters. Negative control: a key never interned, at an
    /// address the table does not hold, is not found.
    #[test]
    fn a_key_is_found_by_its_allocation_or_its_characters() {
        let mut t = KeyTable::default();
        let (a, b): (Key, Key) = ("a".into(), "b".into());
        t.intern(&a);
        t.intern(&b);
        let own = t.key(1).clone();
        assert!(Rc::ptr_eq(&own, &b) && t.by_address.get(&address(&own)) == Some(&1), "by address");
        assert_eq!(t.id_of(&own), Some(1));
        let elsewhere: Key = "b".into();
        assert!(!t.by_address.contains_key(&address(&elsewhere)), "another allocation");
        assert_eq!(t.id_of(&elsewhere), Some(1), "by characters");
        assert_eq!(t.id_of(&"c".into()), None);
        let copy = t.clone();
        assert_eq!(copy.id_of(&own), Some(1), "a copy shares the allocations");
    }
}
