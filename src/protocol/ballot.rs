//! Ballot numbers (paper §2.1: "each proposer has a unique id and a counter; a ballot is the pair
//! (counter, id), compared lexicographically").

use std::fmt;

/// Index of a proposer, 1-based as its name: proposer `p3` has id 3.
pub type ProposerId = u8;
/// Index of an acceptor, 1-based as its name: acceptor `a2` has id 2.
pub type AcceptorId = u8;

/// Largest counter a ballot may carry: it must reach JavaScript as an exact number.
pub const MAX_COUNTER: u64 = (1 << 53) - 1;

/// A ballot number `(counter, proposer)`.
///
/// Invariant: ordered by `counter` first, then by `proposer`, so two proposers never generate equal
/// ballots and every proposer can always generate a ballot greater than any it has seen (§2.1).
/// The derived `Ord` relies on the field order below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ballot {
    /// Monotonic per proposer; never above [`MAX_COUNTER`].
    pub counter: u64,
    /// The proposer that generated it; 0 only in [`Ballot::ZERO`].
    pub proposer: ProposerId,
}

impl Ballot {
    /// Below every ballot a proposer can generate.
    pub const ZERO: Ballot = Ballot { counter: 0, proposer: 0 };

    pub const fn new(counter: u64, proposer: ProposerId) -> Self {
        Ballot { counter, proposer }
    }
}

impl fmt::Display for Ballot {
    /// `3.p1`: counter 3 of proposer p1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.p{}", self.counter, self.proposer)
    }
}

/// A proposer's ballot generator (§2.1).
///
/// Invariant: `counter` only grows, so a proposer never issues a ballot twice. The simulator keeps
/// it in the proposer's durable state, so it survives a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BallotClock {
    counter: u64,
}

impl BallotClock {
    /// The next ballot of `proposer`, greater than every ballot this clock issued or observed.
    pub fn next(&mut self, proposer: ProposerId) -> Ballot {
        assert!(self.counter < MAX_COUNTER, "ballot counter exhausted");
        self.counter += 1;
        Ballot::new(self.counter, proposer)
    }

    /// Fast-forward past a ballot that blocked us (§2.1, Gryadka's `fastforward`): the next ballot
    /// issued is greater than `seen`.
    pub fn observe(&mut self, seen: Ballot) {
        self.counter = self.counter.max(seen.counter.min(MAX_COUNTER - 1));
    }

    /// Leaves `n` counters unused (a fresh ballot after a backoff, see the driver).
    pub fn skip(&mut self, n: u64) {
        self.counter = self.counter.saturating_add(n).min(MAX_COUNTER - 1);
    }

    pub fn counter(&self) -> u64 {
        self.counter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_counter_then_proposer() {
        assert!(Ballot::new(1, 9) < Ballot::new(2, 1));
        assert!(Ballot::new(2, 1) < Ballot::new(2, 2));
        assert!(Ballot::ZERO < Ballot::new(1, 1));
        assert_eq!(Ballot::new(3, 1).to_string(), "3.p1");
    }

    #[test]
    fn clock_never_repeats_and_fast_forwards() {
        let mut clock = BallotClock::default();
        let a = clock.next(1);
        let b = clock.next(1);
        assert!(a < b);
        clock.observe(Ballot::new(40, 2));
        let c = clock.next(1);
        assert!(c > Ballot::new(40, 2), "{c} must beat the blocking ballot 40.p2");
        clock.observe(Ballot::new(3, 3)); // an older ballot never moves the clock back
        assert!(clock.next(1) > c);
        clock.skip(10);
        assert_eq!(clock.next(1), Ballot::new(c.counter + 12, 1));
    }
}
