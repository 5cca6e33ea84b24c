//! Flexible quorums (paper §2.3, after Howard et al., "Flexible Paxos"): the prepare phase and the
//! accept phase may use quorums of different sizes, as long as every prepare quorum meets every
//! accept quorum. Among N acceptors that holds exactly when `prepare + accept > N`: then a prepare
//! always hears from at least one acceptor of the last accept quorum, and so learns the value it
//! chose. The membership change of §2.3.1 leans on it: with N = 2F+2, an accept quorum of F+2 and
//! a prepare quorum of F+1 still intersect.

use super::proposer::majority;
use crate::ops::OpError;

/// The quorum size of each phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quorums {
    pub prepare: usize,
    pub accept: usize,
}

impl Quorums {
    /// A strict majority for both phases: the paper's default (§2.2).
    pub fn majority(acceptors: usize) -> Quorums {
        let m = majority(acceptors);
        Quorums { prepare: m, accept: m }
    }

    /// True when every prepare quorum meets every accept quorum among `acceptors`.
    pub fn intersect(self, acceptors: usize) -> bool {
        self.prepare + self.accept > acceptors
    }

    /// The smallest non-intersecting shape around `self` (deliberately wrong, "break it"): the
    /// accept quorum as given (at most N − 1), the prepare quorum N − accept, so that
    /// `prepare + accept = N`: a prepare can miss the whole accept quorum by exactly one
    /// acceptor. With a single acceptor no two quorums can miss each other; it is left as is.
    pub fn disjoint(self, acceptors: usize) -> Quorums {
        if acceptors < 2 {
            return self;
        }
        let accept = self.accept.clamp(1, acceptors - 1);
        Quorums { prepare: acceptors - accept, accept }
    }

    /// Each quorum in `1..=acceptors`, and they intersect (`prepare + accept > acceptors`);
    /// otherwise an `InvalidArgument` naming the rule that failed.
    pub fn check(self, acceptors: usize) -> Result<(), OpError> {
        for (phase, size) in [("prepare", self.prepare), ("accept", self.accept)] {
            if !(1..=acceptors).contains(&size) {
                return Err(OpError::invalid(format!(
                    "quorums.{phase} must be an integer in 1..={acceptors}, got {size}"
                )));
            }
        }
        if !self.intersect(acceptors) {
            return Err(OpError::invalid(format!(
                "quorums must intersect: prepare + accept must exceed the number of acceptors, got {} + {} <= {acceptors} \
                 (a prepare could miss every acceptor of the last accept; break.disjointQuorums does this on purpose)",
                self.prepare, self.accept
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majorities_always_intersect() {
        // Reference: §2.2 — two majorities of the same N acceptors share at least one.
        for n in 1..=15 {
            assert!(Quorums::majority(n).intersect(n), "{n}");
            assert_eq!(Quorums::majority(n).check(n), Ok(()));
        }
    }

    #[test]
    fn the_rule_is_prepare_plus_accept_greater_than_n() {
        // Reference: §2.3 — 4 acceptors with an accept quorum of 3 and a prepare quorum of 2.
        assert_eq!(Quorums { prepare: 2, accept: 3 }.check(4), Ok(()));
        assert_eq!(Quorums { prepare: 1, accept: 5 }.check(5), Ok(()), "read one, write all");
        let e = Quorums { prepare: 2, accept: 2 }.check(4).unwrap_err();
        assert!(e.to_string().contains("quorums must intersect: prepare + accept must exceed"), "{e}");
        assert!(e.to_string().contains("2 + 2 <= 4"), "{e}");
        let e = Quorums { prepare: 0, accept: 3 }.check(3).unwrap_err();
        assert!(e.to_string().contains("quorums.prepare must be an integer in 1..=3"), "{e}");
        let e = Quorums { prepare: 2, accept: 4 }.check(3).unwrap_err();
        assert!(e.to_string().contains("quorums.accept must be an integer in 1..=3"), "{e}");
    }

    #[test]
    fn disjoint_misses_by_exactly_one() {
        for n in 2..=15 {
            let d = Quorums::majority(n).disjoint(n);
            assert_eq!(d.prepare + d.accept, n, "{n}: {d:?}");
            assert!(d.prepare >= 1 && d.accept >= 1 && !d.intersect(n));
        }
        assert_eq!(Quorums::majority(3).disjoint(3), Quorums { prepare: 1, accept: 2 });
        assert_eq!(Quorums { prepare: 1, accept: 2 }.disjoint(2), Quorums { prepare: 1, accept: 1 });
        assert!(Quorums::majority(1).disjoint(1).intersect(1), "one acceptor cannot be broken");
    }
}
