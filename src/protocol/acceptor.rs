//! The acceptor (paper §2.2, "Acceptor"), one register per key.

use super::ballot::Ballot;
use super::lease::{self, Grant};
use super::message::{Key, Reply, Request};
use crate::fxhash::FxHashMap;

/// An acceptor's durable state for one key.
///
/// Invariant: `high_water()` — the highest ballot promised or accepted — never decreases while the
/// acceptor keeps its storage (the simulator checks it after every step; `wipe` breaks it on
/// purpose).
#[derive(Clone, Debug, PartialEq)]
pub struct Slot<V> {
    /// The ballot promised by the last successful prepare (or piggybacked on an accept, §2.2.1).
    /// An accept erases it (§2.2: "erases the promise").
    pub promise: Option<Ballot>,
    /// The last accepted `(ballot, value)`.
    pub accepted: Option<(Ballot, V)>,
    /// The read lease granted on the key ([`lease`]), on this acceptor's clock (it may have ended).
    pub lease: Option<Grant>,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Slot { promise: None, accepted: None, lease: None }
    }
}

impl<V> Slot<V> {
    /// The highest ballot this slot has promised or accepted.
    pub fn high_water(&self) -> Ballot {
        let promised = self.promise.unwrap_or(Ballot::ZERO);
        let accepted = self.accepted.as_ref().map_or(Ballot::ZERO, |(b, _)| *b);
        promised.max(accepted)
    }
}

/// The registers of one acceptor. Pure: requests in, replies out.
#[derive(Clone, Debug)]
pub struct Acceptor<V> {
    /// One lookup per request (sorted only when listed).
    slots: FxHashMap<Key, Slot<V>>,
    /// The highest ballot any erased register had seen (§3.1, see [`Acceptor::erase`]); a
    /// register created after an erase starts promised to it. `ZERO` until something is erased.
    erased_floor: Ballot,
}

impl<V> Default for Acceptor<V> {
    fn default() -> Self {
        Acceptor { slots: FxHashMap::default(), erased_floor: Ballot::ZERO }
    }
}

impl<V: Clone> Acceptor<V> {
    /// Handle one request and return the reply (§2.2).
    ///
    /// Asserts the slot's invariant: its highest promised or accepted ballot never goes back.
    pub fn handle(&mut self, request: Request<V>) -> Reply<V> {
        let slot = self.slot_mut(request.key().clone());
        handle_in(slot, request)
    }

    /// §2.2, prepare: "returns a conflict if it already saw a greater ballot number" — a prepare is
    /// refused when the acceptor has promised or accepted a ballot `> ballot`. Otherwise it
    /// persists the promise and answers with its accepted `(ballot, value)`. An equal ballot is the
    /// same proposer's same round (ballots are unique per proposer, §2.1): a duplicated prepare
    /// gets the same answer again, it is not refused.
    pub fn handle_prepare(&mut self, key: Key, ballot: Ballot) -> Reply<V> {
        prepare(self.slot_mut(key.clone()), key, ballot)
    }

    /// §2.2, accept: "returns a conflict if it already saw a greater ballot number" — an accept is
    /// refused when the acceptor has promised or accepted a ballot `> ballot` (a promise of exactly
    /// `ballot` is the one this accept completes). Otherwise it erases the promise and persists
    /// `(ballot, value)`; with §2.2.1 it then promises `next_promise`. An accept under the ballot
    /// already accepted is a duplicate of it: acknowledged again, and the value accepted first is
    /// kept (one value per ballot: a proposer sends one accept per ballot).
    pub fn handle_accept(&mut self, key: Key, ballot: Ballot, value: V, next_promise: Option<Ballot>) -> Reply<V> {
        accept(self.slot_mut(key.clone()), key, ballot, value, next_promise)
    }

    /// The register of `key`; a new one is promised to the erased floor, so a register that was
    /// erased refuses every ballot it had seen, as if it still held its promise.
    fn slot_mut(&mut self, key: Key) -> &mut Slot<V> {
        let floor = self.erased_floor;
        self.slots.entry(key).or_insert_with(|| Slot {
            promise: (floor > Ballot::ZERO).then_some(floor),
            accepted: None,
            lease: None,
        })
    }

    /// §3.1, step (c) of garbage collection: erase the register of `key` if it still holds what
    /// the collector replicated under `ballot` (the tombstone; a later round moved it on
    /// otherwise, and it stays). Returns whether it was erased.
    ///
    /// The paper has proposers' "age" refuse messages sent before the collection; here the
    /// acceptor keeps the erased register's highest ballot as a floor for every register it
    /// creates later, so a late accept or prepare of a round from before the erase is refused:
    /// the highest ballot an acceptor has seen for a key never goes back, erased or not.
    pub fn erase(&mut self, key: &str, ballot: Ballot) -> bool {
        let still_tombstone =
            self.slots.get(key).is_some_and(|s| s.accepted.as_ref().is_some_and(|(b, _)| *b == ballot));
        if still_tombstone {
            let slot = self.slots.remove(key).expect("just seen");
            self.erased_floor = self.erased_floor.max(slot.high_water());
        }
        still_tombstone
    }

    /// Deliberately wrong (the "erase without the GC protocol" break-it twin): forget the
    /// register outright, with no floor. Returns whether there was one.
    pub fn forget(&mut self, key: &str) -> bool {
        self.slots.remove(key).is_some()
    }

    /// What the acceptor holds for `key`, as a register: its slot, or for a key it holds nothing
    /// of, the floor it would start from (`None` when that is nothing either).
    pub fn effective_slot(&self, key: &str) -> Option<std::borrow::Cow<'_, Slot<V>>> {
        match self.slots.get(key) {
            Some(slot) => Some(std::borrow::Cow::Borrowed(slot)),
            None => (self.erased_floor > Ballot::ZERO).then(|| {
                std::borrow::Cow::Owned(Slot { promise: Some(self.erased_floor), accepted: None, lease: None })
            }),
        }
    }

    /// The floor registers start from after an erase (`ZERO` before any).
    pub fn erased_floor(&self) -> Ballot {
        self.erased_floor
    }

    /// [`Acceptor::handle`] with read leases ([`lease`]), at `local_ms` on this acceptor's clock:
    /// a request of another proposer than a running lease's holder is refused (a conflict
    /// naming this slot's highest ballot); an accepted accept that asks for a lease may get one
    /// (then the reply is `Leased`). Without leases asked for, exactly [`Acceptor::handle`].
    pub fn handle_at(&mut self, request: Request<V>, local_ms: u64) -> Reply<V> {
        let (key, ballot) = (request.key().clone(), request.ballot());
        let slot = self.slot_mut(key.clone());
        if slot.lease.as_mut().is_some_and(|g| !g.admits(ballot.proposer, local_ms)) {
            return Reply::Conflict { key, ballot, blocking: slot.high_water() };
        }
        let asked = match &request {
            Request::Accept { lease_ms, .. } => *lease_ms,
            Request::Prepare { .. } => None,
        };
        let reply = handle_in(slot, request);
        // Only an accept is answered `Accepted`.
        let written = matches!(reply, Reply::Accepted { .. });
        if written && slot.lease.is_some_and(|g| g.written_by(ballot.proposer)) {
            slot.lease = None;
        }
        let (Reply::Accepted { .. }, Some(duration)) = (&reply, asked) else { return reply };
        match lease::grant(slot.lease.as_ref(), ballot.proposer, local_ms, duration) {
            Some(g) => {
                slot.lease = Some(g);
                Reply::Leased { key, ballot }
            }
            None => reply,
        }
    }

    pub fn slot(&self, key: &str) -> Option<&Slot<V>> {
        self.slots.get(key)
    }

    /// Every register, sorted by key.
    pub fn slots(&self) -> impl Iterator<Item = (&Key, &Slot<V>)> {
        crate::sorting::sorted_by_unique_key(self.slots.iter().collect(), |(k, _)| k).into_iter()
    }
}

/// Handles one request on its key's slot (§2.2), asserting the slot's invariant: its highest
/// promised or accepted ballot never goes back.
fn handle_in<V: Clone>(slot: &mut Slot<V>, request: Request<V>) -> Reply<V> {
    let before = slot.high_water();
    let reply = match request {
        Request::Prepare { key, ballot } => prepare(slot, key, ballot),
        Request::Accept { key, ballot, value, next_promise, .. } => accept(slot, key, ballot, value, next_promise),
    };
    let after = slot.high_water();
    assert!(after >= before, "acceptor slot {}: high water went back from {before} to {after}", reply.key());
    reply
}

fn prepare<V: Clone>(slot: &mut Slot<V>, key: Key, ballot: Ballot) -> Reply<V> {
    let blocking = slot.high_water();
    if blocking > ballot {
        return Reply::Conflict { key, ballot, blocking };
    }
    if slot.promise.is_none_or(|p| p < ballot) {
        slot.promise = Some(ballot);
    }
    Reply::Promise { key, ballot, accepted: slot.accepted.clone() }
}

fn accept<V>(slot: &mut Slot<V>, key: Key, ballot: Ballot, value: V, next_promise: Option<Ballot>) -> Reply<V> {
    let promised = slot.promise.unwrap_or(Ballot::ZERO);
    let accepted = slot.accepted.as_ref().map_or(Ballot::ZERO, |(b, _)| *b);
    if accepted == ballot {
        return Reply::Accepted { key, ballot };
    }
    if promised > ballot || accepted > ballot {
        return Reply::Conflict { key, ballot, blocking: promised.max(accepted) };
    }
    slot.accepted = Some((ballot, value));
    slot.promise = next_promise.filter(|next| *next > ballot);
    Reply::Accepted { key, ballot }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::from("k")
    }
    const B1: Ballot = Ballot::new(1, 1);
    const B2: Ballot = Ballot::new(2, 1);
    const B2P2: Ballot = Ballot::new(2, 2);

    #[test]
    fn prepare_promises_and_returns_accepted_value() {
        let mut a = Acceptor::<i32>::default();
        assert_eq!(a.handle_prepare(key(), B1), Reply::Promise { key: key(), ballot: B1, accepted: None });
        assert_eq!(a.handle_accept(key(), B1, 7, None), Reply::Accepted { key: key(), ballot: B1 });
        assert_eq!(a.handle_prepare(key(), B2), Reply::Promise { key: key(), ballot: B2, accepted: Some((B1, 7)) });
    }

    #[test]
    fn prepare_conflicts_on_a_higher_promise_or_accept() {
        // Reference: §2.2 — "returns a conflict if it already saw a greater ballot number".
        let mut a = Acceptor::<i32>::default();
        a.handle_prepare(key(), B2);
        assert_eq!(a.handle_prepare(key(), B1), Reply::Conflict { key: key(), ballot: B1, blocking: B2 });
        a.handle_accept(key(), B2, 5, None);
        assert_eq!(a.handle_prepare(key(), B1), Reply::Conflict { key: key(), ballot: B1, blocking: B2 });
        let again = a.handle_prepare(key(), B2);
        assert_eq!(again, Reply::Promise { key: key(), ballot: B2, accepted: Some((B2, 5)) }, "the same round again");
        assert!(matches!(a.handle_prepare(key(), B2P2), Reply::Promise { .. }));
    }

    #[test]
    fn accept_conflicts_on_higher_promise_and_keeps_one_value_per_ballot() {
        let mut a = Acceptor::<i32>::default();
        a.handle_prepare(key(), B2);
        assert_eq!(a.handle_accept(key(), B1, 1, None), Reply::Conflict { key: key(), ballot: B1, blocking: B2 });
        // An accept at exactly the promised ballot is the one the promise was for.
        assert_eq!(a.handle_accept(key(), B2, 2, None), Reply::Accepted { key: key(), ballot: B2 });
        // A second accept under the accepted ballot is a duplicate: acknowledged, the first value kept.
        assert_eq!(a.handle_accept(key(), B2, 3, None), Reply::Accepted { key: key(), ballot: B2 });
        assert_eq!(a.slot("k").unwrap().accepted, Some((B2, 2)));
        assert_eq!(a.handle_accept(key(), B1, 1, None), Reply::Conflict { key: key(), ballot: B1, blocking: B2 });
    }

    #[test]
    fn duplicated_requests_get_the_same_answer_again() {
        // Reference: §2.2 — a conflict only for a *greater* ballot. A network that duplicates a
        // message must not turn a proposer's own round against it.
        let mut a = Acceptor::<i32>::default();
        let promise = Reply::Promise { key: key(), ballot: B2, accepted: None };
        assert_eq!(a.handle_prepare(key(), B2), promise);
        assert_eq!(a.handle_prepare(key(), B2), promise, "a duplicated prepare");
        let next = Ballot::new(3, 1);
        assert_eq!(a.handle_accept(key(), B2, 5, Some(next)), Reply::Accepted { key: key(), ballot: B2 });
        assert_eq!(a.handle_accept(key(), B2, 5, Some(next)), Reply::Accepted { key: key(), ballot: B2 }, "duplicate");
        assert_eq!(a.slot("k").unwrap().promise, Some(next), "the piggybacked promise stays");
        assert_eq!(
            a.handle_prepare(key(), B2),
            Reply::Conflict { key: key(), ballot: B2, blocking: next },
            "a late duplicate of the prepare, after the next round's promise"
        );
    }

    #[test]
    fn accept_without_prepare_is_allowed_when_nothing_higher_was_seen() {
        // §2.2.1: the accept of a cached round arrives without its own prepare.
        let mut a = Acceptor::<i32>::default();
        assert_eq!(a.handle_accept(key(), B1, 1, None), Reply::Accepted { key: key(), ballot: B1 });
    }

    #[test]
    fn piggybacked_promise_blocks_lower_prepares() {
        // Reference: §2.2.1 — the accept carries the next prepare.
        let mut a = Acceptor::<i32>::default();
        let next = Ballot::new(3, 1);
        a.handle_accept(key(), B1, 1, Some(next));
        assert_eq!(a.slot("k").unwrap().promise, Some(next));
        assert_eq!(a.handle_prepare(key(), B2P2), Reply::Conflict { key: key(), ballot: B2P2, blocking: next });
        assert_eq!(a.handle_accept(key(), next, 2, None), Reply::Accepted { key: key(), ballot: next });
    }

    #[test]
    fn high_water_never_decreases() {
        let mut a = Acceptor::<i32>::default();
        let mut last = Ballot::ZERO;
        for (i, b) in [B2, B1, B2P2, B1, Ballot::new(9, 1), B2].into_iter().enumerate() {
            if i % 2 == 0 {
                a.handle_prepare(key(), b);
            } else {
                a.handle_accept(key(), b, i as i32, Some(Ballot::new(b.counter + 1, b.proposer)));
            }
            let hw = a.slot("k").unwrap().high_water();
            assert!(hw >= last);
            last = hw;
        }
    }
}
