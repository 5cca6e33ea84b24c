//! Message records allocated in blocks: a logged message's record (see [`super::trace`]) lives in
//! a block of [`BLOCK`] records that is allocated once and freed at once, when the last reference
//! to any of its records goes — not one allocation and one free per message. A windowed log lets
//! its old events go in order, so a block is freed as a whole soon after the events that named its
//! records; a message still in flight or held for manual delivery keeps its block (at most a block
//! per such message).

use super::trace::MessageRecord;
use std::cell::OnceCell;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

/// Records per block.
pub const BLOCK: usize = 1024;

/// Where new records go: the block being filled, and its next free slot.
#[derive(Debug, Default)]
pub struct MessageArena {
    open: Option<(Rc<[OnceCell<MessageRecord>]>, usize)>,
}

impl Clone for MessageArena {
    /// A copy (a checkpoint's log, a log restored from one) starts a block of its own: a block's
    /// slots are written by one log only.
    fn clone(&self) -> Self {
        MessageArena::default()
    }
}

impl MessageArena {
    /// Stores `record` and returns the reference the events about it share.
    pub fn add(&mut self, record: MessageRecord) -> MsgRef {
        let (block, next) = match self.open.take() {
            Some((block, next)) if next < block.len() => (block, next),
            _ => (empty_block(BLOCK), 0),
        };
        let reference = MsgRef::place(block.clone(), next, record);
        self.open = Some((block, next + 1));
        reference
    }
}

fn empty_block(records: usize) -> Rc<[OnceCell<MessageRecord>]> {
    (0..records).map(|_| OnceCell::new()).collect()
}

/// A logged message, shared by the events about it (and by its copy in flight): its record in a
/// block of records.
#[derive(Clone)]
pub struct MsgRef {
    block: Rc<[OnceCell<MessageRecord>]>,
    slot: u32,
}

impl MsgRef {
    /// A record of its own (a block of one), for records made outside a log.
    pub fn new(record: MessageRecord) -> MsgRef {
        MsgRef::place(empty_block(1), 0, record)
    }

    /// Writes `record` into the empty slot `slot` of `block`.
    fn place(block: Rc<[OnceCell<MessageRecord>]>, slot: usize, record: MessageRecord) -> MsgRef {
        assert!(block[slot].set(record).is_ok(), "a block's slot is written once");
        MsgRef { block, slot: slot as u32 }
    }
}

impl Deref for MsgRef {
    type Target = MessageRecord;

    fn deref(&self) -> &MessageRecord {
        // A reference exists only to a slot `place` wrote.
        self.block[self.slot as usize].get().expect("a referenced slot holds its record")
    }
}

/// The records a copy of a log keeps, moved out of the run's blocks (issue 9: a checkpoint's
/// events and messages in flight would each pin a whole block of [`BLOCK`] records, which is the
/// copy's alone once the run lets its events go: about half a MB a copy, found by an allocator).
/// Each distinct record is copied once into a block of its own size, and every reference to it in
/// the copy shares that one.
#[derive(Default)]
pub struct Rehomed {
    copies: crate::fxhash::FxHashMap<(*const OnceCell<MessageRecord>, u32), MsgRef>,
}

impl Rehomed {
    /// The copy's reference to `record`'s record (copied the first time it is seen).
    pub fn record(&mut self, record: &MsgRef) -> MsgRef {
        let at = (record.block.as_ptr(), record.slot);
        self.copies.entry(at).or_insert_with(|| MsgRef::new((**record).clone())).clone()
    }

    /// The copy's references to an envelope's parts.
    pub fn parts(&mut self, parts: &std::rc::Rc<[MsgRef]>) -> std::rc::Rc<[MsgRef]> {
        parts.iter().map(|r| self.record(r)).collect()
    }

    /// Records copied so far.
    pub fn len(&self) -> usize {
        self.copies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
    }
}

/// What a copied record holds ([`Rehomed`]): its block of one and its slot (the message's own
/// values, shared `Rc`s, are not counted).
pub const REHOMED_RECORD_BYTES: usize =
    2 * std::mem::size_of::<usize>() + std::mem::size_of::<OnceCell<MessageRecord>>();

impl PartialEq for MsgRef {
    fn eq(&self, other: &MsgRef) -> bool {
        **self == **other
    }
}

impl fmt::Debug for MsgRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Ballot, Request};
    use crate::sim::{Msg, Node};

    fn record(id: usize) -> MessageRecord {
        let msg = Msg::Request(Request::Prepare { key: "k".into(), ballot: Ballot::new(1, 1) });
        MessageRecord { id, from: Node::Proposer(1), to: Node::Acceptor(1), sent_at: id as u64, msg }
    }

    #[test]
    fn records_share_a_block_until_it_is_full_and_it_goes_with_its_last_reference() {
        let mut arena = MessageArena::default();
        let refs: Vec<MsgRef> = (0..BLOCK + 1).map(|id| arena.add(record(id))).collect();
        assert!(refs.iter().enumerate().all(|(id, r)| r.id == id && r.sent_at == id as u64));
        assert!(Rc::ptr_eq(&refs[0].block, &refs[BLOCK - 1].block), "one block for the first BLOCK");
        assert!(!Rc::ptr_eq(&refs[0].block, &refs[BLOCK].block), "then a new one");
        let first_block = Rc::downgrade(&refs[0].block);
        let last_of_first = refs[BLOCK - 1].clone();
        drop(refs);
        assert!(first_block.upgrade().is_some(), "a reference left keeps its block");
        assert_eq!(last_of_first.id, BLOCK - 1);
        drop(last_of_first);
        assert!(first_block.upgrade().is_none(), "freed with its last reference");
        assert_eq!(MsgRef::new(record(7)), arena.add(record(7)), "equal records compare equal");
        let mut copy = arena.clone();
        let (theirs, ours) = (copy.add(record(9)), arena.add(record(9)));
        assert!(!Rc::ptr_eq(&theirs.block, &ours.block), "a copy of the arena fills a block of its own");
    }
}
