//! The proposer's rules for one round (paper §2.2, "Proposer"): counting replies towards a quorum
//! and deciding the current state. The driver sends the messages and owns the timers.

use super::ballot::{AcceptorId, Ballot};
use super::message::Reply;

/// A strict majority of `acceptors`: `floor(N/2) + 1`. With N = 2F+1 acceptors the cluster
/// tolerates F failures (§2.2); an even N works too, with one acceptor of redundancy wasted.
pub fn majority(acceptors: usize) -> usize {
    acceptors / 2 + 1
}

/// Where a round stands after a reply.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress<T> {
    /// Still waiting for replies.
    Waiting,
    /// A quorum answered yes.
    Decided(T),
    /// So many acceptors refused that a quorum is impossible; `blocking` is the highest ballot
    /// they reported, to fast-forward past (§2.1).
    Blocked { blocking: Ballot },
}

/// The acceptors that answered, one bit each: a duplicated reply never counts twice.
#[derive(Clone, Copy, Debug, Default)]
struct Voters(u32);

impl Voters {
    /// Records `acceptor`; false if it had already answered.
    fn insert(&mut self, acceptor: AcceptorId) -> bool {
        let bit = 1u32 << (acceptor as u32 % 32);
        let fresh = self.0 & bit == 0;
        self.0 |= bit;
        fresh
    }
    fn contains(self, acceptor: AcceptorId) -> bool {
        self.0 & (1u32 << (acceptor as u32 % 32)) != 0
    }
    fn count(self) -> usize {
        self.0.count_ones() as usize
    }
}

/// Counts yes and no votes of one phase.
#[derive(Clone, Debug)]
struct Tally {
    acceptors: usize,
    quorum: usize,
    yes: Voters,
    no: Voters,
    blocking: Ballot,
}

impl Tally {
    fn new(acceptors: usize, quorum: usize) -> Self {
        assert!(acceptors <= 32 && quorum >= 1 && quorum <= acceptors.max(1));
        Tally { acceptors, quorum, yes: Voters::default(), no: Voters::default(), blocking: Ballot::ZERO }
    }
    /// Counts a yes from `acceptor`; false if it had already voted. An acceptor's first answer
    /// to a round is its vote: a duplicated request's later answer never changes it.
    fn accept(&mut self, acceptor: AcceptorId) -> bool {
        !self.no.contains(acceptor) && self.yes.insert(acceptor)
    }

    /// Counts a refusal: `Blocked` once so many refused that a quorum is unreachable.
    fn refuse<T>(&mut self, acceptor: AcceptorId, blocking: Ballot) -> Progress<T> {
        if !self.yes.contains(acceptor) && self.no.insert(acceptor) {
            self.blocking = self.blocking.max(blocking);
        }
        if self.acceptors - self.no.count() < self.quorum {
            Progress::Blocked { blocking: self.blocking }
        } else {
            Progress::Waiting
        }
    }
}

/// Phase 1 of a round: collects promises until a quorum decides the current state.
#[derive(Clone, Debug)]
pub struct PrepareRound<V> {
    ballot: Ballot,
    tally: Tally,
    /// The highest accepted `(ballot, value)` among the promises so far.
    highest: Option<(Ballot, V)>,
    /// Negative control ("break it"): take the first accepted value seen, not the highest.
    take_any_accepted: bool,
}

impl<V: Clone> PrepareRound<V> {
    pub fn new(ballot: Ballot, acceptors: usize, quorum: usize) -> Self {
        PrepareRound { ballot, tally: Tally::new(acceptors, quorum), highest: None, take_any_accepted: false }
    }

    /// Deliberately wrong: ignore which accepted ballot is highest (a test and demo switch only).
    pub fn taking_any_accepted(mut self, enabled: bool) -> Self {
        self.take_any_accepted = enabled;
        self
    }

    pub fn ballot(&self) -> Ballot {
        self.ballot
    }

    /// §2.2: once a quorum has promised, the current state is the value with the highest accepted
    /// ballot among their replies, or empty (`None`) when none of them accepted anything.
    pub fn handle_reply(&mut self, from: AcceptorId, reply: &Reply<V>) -> Progress<Option<V>> {
        if reply.ballot() != self.ballot {
            return Progress::Waiting; // a reply to an older round
        }
        match reply {
            Reply::Promise { accepted, .. } => {
                if !self.tally.accept(from) {
                    return Progress::Waiting;
                }
                if let Some((b, v)) = accepted {
                    let better = match &self.highest {
                        None => true,
                        Some((hb, _)) => !self.take_any_accepted && b > hb,
                    };
                    if better {
                        self.highest = Some((*b, v.clone()));
                    }
                }
                if self.tally.yes.count() >= self.tally.quorum {
                    return Progress::Decided(self.highest.as_ref().map(|(_, v)| v.clone()));
                }
                Progress::Waiting
            }
            Reply::Conflict { blocking, .. } => self.tally.refuse(from, *blocking),
            Reply::Accepted { .. } | Reply::Leased { .. } => Progress::Waiting,
        }
    }
}

/// Phase 2 of a round: collects acknowledgements of the accept.
#[derive(Clone, Debug)]
pub struct AcceptRound {
    ballot: Ballot,
    tally: Tally,
    /// Acceptors that also granted the read lease the accept asked for ([`super::lease`]).
    grants: Voters,
}

impl AcceptRound {
    pub fn new(ballot: Ballot, acceptors: usize, quorum: usize) -> Self {
        AcceptRound { ballot, tally: Tally::new(acceptors, quorum), grants: Voters::default() }
    }

    /// Acceptors whose accept also granted a read lease, so far.
    pub fn grants(&self) -> usize {
        self.grants.count()
    }

    pub fn ballot(&self) -> Ballot {
        self.ballot
    }

    /// §2.2: the change is applied once a quorum has accepted it.
    pub fn handle_reply<V>(&mut self, from: AcceptorId, reply: &Reply<V>) -> Progress<()> {
        if reply.ballot() != self.ballot {
            return Progress::Waiting;
        }
        match reply {
            Reply::Accepted { .. } | Reply::Leased { .. } => {
                if self.tally.accept(from) && matches!(reply, Reply::Leased { .. }) {
                    self.grants.insert(from);
                }
                if self.tally.yes.count() >= self.tally.quorum {
                    return Progress::Decided(());
                }
                Progress::Waiting
            }
            Reply::Conflict { blocking, .. } => self.tally.refuse(from, *blocking),
            Reply::Promise { .. } => Progress::Waiting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::Key;

    const B: Ballot = Ballot::new(5, 1);
    fn k() -> Key {
        Key::from("k")
    }
    fn promise(accepted: Option<(Ballot, i32)>) -> Reply<i32> {
        Reply::Promise { key: k(), ballot: B, accepted }
    }

    #[test]
    fn majority_is_a_strict_majority() {
        assert_eq!([1, 2, 3, 4, 5, 15].map(majority), [1, 2, 2, 3, 3, 8]);
    }

    #[test]
    fn current_state_is_the_highest_accepted_among_a_quorum() {
        // Reference: §2.2 — "picks the value of the tuple with the highest ballot number".
        let mut r = PrepareRound::new(B, 3, 2);
        assert_eq!(r.handle_reply(1, &promise(Some((Ballot::new(2, 2), 20)))), Progress::Waiting);
        assert_eq!(r.handle_reply(2, &promise(Some((Ballot::new(3, 1), 30)))), Progress::Decided(Some(30)));
        let mut r = PrepareRound::new(B, 3, 2);
        r.handle_reply(1, &promise(Some((Ballot::new(3, 1), 30))));
        assert_eq!(r.handle_reply(3, &promise(None)), Progress::Decided(Some(30)));
        let mut r = PrepareRound::<i32>::new(B, 3, 2);
        r.handle_reply(1, &promise(None));
        assert_eq!(r.handle_reply(2, &promise(None)), Progress::Decided(None));
    }

    #[test]
    fn take_any_accepted_is_caught_by_this_test() {
        // The negative control really changes the rule.
        let mut r = PrepareRound::new(B, 3, 2).taking_any_accepted(true);
        r.handle_reply(1, &promise(Some((Ballot::new(2, 2), 20))));
        assert_eq!(r.handle_reply(2, &promise(Some((Ballot::new(3, 1), 30)))), Progress::Decided(Some(20)));
    }

    #[test]
    fn duplicated_replies_count_once() {
        let mut r = PrepareRound::<i32>::new(B, 3, 2);
        assert_eq!(r.handle_reply(1, &promise(None)), Progress::Waiting);
        assert_eq!(r.handle_reply(1, &promise(None)), Progress::Waiting);
        let mut a = AcceptRound::new(B, 3, 2);
        let ok = Reply::<i32>::Accepted { key: k(), ballot: B };
        assert_eq!(a.handle_reply(2, &ok), Progress::Waiting);
        assert_eq!(a.handle_reply(2, &ok), Progress::Waiting);
        assert_eq!(a.handle_reply(3, &ok), Progress::Decided(()));
    }

    #[test]
    fn blocked_once_a_quorum_is_impossible_with_the_highest_blocking_ballot() {
        let conflict = |b| Reply::<i32>::Conflict { key: k(), ballot: B, blocking: b };
        let mut r = PrepareRound::<i32>::new(B, 3, 2);
        assert_eq!(r.handle_reply(1, &conflict(Ballot::new(7, 2))), Progress::Waiting);
        assert_eq!(r.handle_reply(1, &conflict(Ballot::new(7, 2))), Progress::Waiting, "same acceptor twice");
        assert_eq!(r.handle_reply(2, &conflict(Ballot::new(9, 3))), Progress::Blocked { blocking: Ballot::new(9, 3) });
        let mut a = AcceptRound::new(B, 5, 3);
        a.handle_reply(1, &conflict(Ballot::new(8, 2)));
        a.handle_reply(2, &conflict(Ballot::new(6, 2)));
        assert_eq!(a.handle_reply(3, &conflict(Ballot::new(6, 3))), Progress::Blocked { blocking: Ballot::new(8, 2) });
    }

    #[test]
    fn an_acceptors_first_answer_is_its_vote() {
        // A duplicated request can draw a second, different answer from the same acceptor (a
        // conflict after its promise, once the next round's promise is piggybacked): it never
        // turns a yes into a no, nor a no into a yes.
        let conflict = |b| Reply::<i32>::Conflict { key: k(), ballot: B, blocking: b };
        let mut r = PrepareRound::<i32>::new(B, 3, 2);
        assert_eq!(r.handle_reply(1, &promise(None)), Progress::Waiting);
        assert_eq!(r.handle_reply(1, &conflict(Ballot::new(9, 1))), Progress::Waiting);
        assert_eq!(r.handle_reply(2, &conflict(Ballot::new(9, 1))), Progress::Waiting, "a1's yes still stands");
        assert_eq!(r.handle_reply(2, &promise(None)), Progress::Waiting, "a2 already said no");
        assert_eq!(r.handle_reply(3, &promise(None)), Progress::Decided(None));
        let mut a = AcceptRound::new(B, 3, 2);
        let ok = Reply::<i32>::Accepted { key: k(), ballot: B };
        a.handle_reply(1, &ok);
        assert_eq!(a.handle_reply(1, &conflict(Ballot::new(9, 1))), Progress::Waiting);
        assert_eq!(a.handle_reply(2, &ok), Progress::Decided(()));
    }

    #[test]
    fn replies_to_other_ballots_are_ignored() {
        let mut r = PrepareRound::<i32>::new(B, 1, 1);
        let stale = Reply::Promise { key: k(), ballot: Ballot::new(4, 1), accepted: None };
        assert_eq!(r.handle_reply(1, &stale), Progress::Waiting);
        assert_eq!(r.handle_reply(1, &promise(None)), Progress::Decided(None));
    }
}
