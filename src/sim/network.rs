//! The simulated network: latency (which also reorders), loss, duplication and partitions.
//! Every random choice comes from the simulation's one RNG, passed in.

use super::rng::Rng;
use super::trace::Node;
use crate::driver::Timing;
use crate::ops::OpError;

/// Network settings. Rates are probabilities in `0..=1`.
#[derive(Clone, Debug, PartialEq)]
pub struct NetConfig {
    pub latency_ms_min: u64,
    pub latency_ms_max: u64,
    /// Chance a proposer → acceptor message is lost.
    pub drop_request_rate: f64,
    /// Chance an acceptor → proposer message is lost.
    pub drop_reply_rate: f64,
    /// Chance a message is delivered twice.
    pub duplicate_rate: f64,
    /// Messages from one node to one node within one instant travel as one envelope, with one
    /// fate ([`super::envelope`]).
    pub envelopes: bool,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            latency_ms_min: 5,
            latency_ms_max: 15,
            drop_request_rate: 0.0,
            drop_reply_rate: 0.0,
            duplicate_rate: 0.0,
            envelopes: false,
        }
    }
}

/// What the network does with one message, decided when it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fate {
    pub latency_ms: u64,
    pub lost: bool,
    /// The latency of a second copy, if the message is duplicated.
    pub duplicate_latency_ms: Option<u64>,
}

impl NetConfig {
    /// Draws the fate of a message. The number of draws depends only on the settings, so a run is
    /// a function of the seed and the actions.
    pub fn fate(&self, rng: &mut Rng, is_request: bool) -> Fate {
        let latency_ms = self.latency(rng);
        let drop_rate = if is_request { self.drop_request_rate } else { self.drop_reply_rate };
        let lost = rng.chance(drop_rate);
        let duplicate_latency_ms = (!lost && rng.chance(self.duplicate_rate)).then(|| self.latency(rng));
        Fate { latency_ms, lost, duplicate_latency_ms }
    }

    /// The proposers' timeouts and backoff on this network. A phase waits one worst-case round
    /// trip plus slack. Backoff starts at about one full round (two round trips), so a competing
    /// proposer can finish before we preempt it again.
    pub fn timing(&self) -> Timing {
        let (min, max) = (self.latency_ms_min, self.latency_ms_max);
        Timing {
            phase_timeout_ms: 2 * max + 10,
            backoff_base_ms: 4 * max + 1,
            backoff_max_ms: 16 * (4 * max + 1),
            min_round_trip_ms: 2 * min,
        }
    }

    fn latency(&self, rng: &mut Rng) -> u64 {
        self.latency_ms_min + rng.below(self.latency_ms_max - self.latency_ms_min + 1)
    }
}

/// Which nodes can talk. Invariant: `group[i]` is the group of node `i` in `Partitions::slot`
/// order; nodes in different groups cannot talk; all zero means healed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partitions {
    acceptors: usize,
    group: Vec<u8>,
}

impl Partitions {
    pub fn new(acceptors: usize, proposers: usize) -> Self {
        Partitions { acceptors, group: vec![0; acceptors + proposers] }
    }

    fn slot(&self, node: Node) -> usize {
        match node {
            Node::Acceptor(i) => i as usize - 1,
            Node::Proposer(i) => self.acceptors + i as usize - 1,
        }
    }

    /// Checks a partition's groups: every node known (`check_node`) and in one group only.
    pub fn check_groups(
        groups: &[Vec<Node>],
        mut check_node: impl FnMut(Node) -> Result<(), OpError>,
    ) -> Result<(), OpError> {
        let mut seen = Vec::new();
        for &node in groups.iter().flatten() {
            check_node(node)?;
            if seen.contains(&node) {
                return Err(OpError::invalid(format!("node {node} appears in more than one partition group")));
            }
            seen.push(node);
        }
        Ok(())
    }

    /// Puts each listed group apart; unlisted nodes form one more group (group 0).
    pub fn split(&mut self, groups: &[Vec<Node>]) {
        self.group.iter_mut().for_each(|g| *g = 0);
        for (i, members) in groups.iter().enumerate() {
            for &n in members {
                let s = self.slot(n);
                self.group[s] = i as u8 + 1;
            }
        }
    }

    /// One more acceptor, `a{N+1}`, in the group of unlisted nodes.
    pub fn add_acceptor(&mut self) {
        self.group.insert(self.acceptors, 0);
        self.acceptors += 1;
    }

    /// One more proposer, `p{M+1}`, in the group of unlisted nodes.
    pub fn add_proposer(&mut self) {
        self.group.push(0);
    }

    pub fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
    }

    pub fn can_talk(&self, a: Node, b: Node) -> bool {
        self.group[self.slot(a)] == self.group[self.slot(b)]
    }

    pub fn is_healed(&self) -> bool {
        self.group.iter().all(|g| *g == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_group_unlisted_nodes_together() {
        let mut p = Partitions::new(3, 2);
        p.split(&[vec![Node::Acceptor(1), Node::Proposer(1)], vec![Node::Acceptor(2)]]);
        assert!(p.can_talk(Node::Acceptor(1), Node::Proposer(1)));
        assert!(!p.can_talk(Node::Acceptor(2), Node::Proposer(1)));
        assert!(p.can_talk(Node::Acceptor(3), Node::Proposer(2)), "unlisted nodes share a group");
        assert!(!p.can_talk(Node::Acceptor(3), Node::Acceptor(2)));
        p.heal();
        assert!(p.is_healed() && p.can_talk(Node::Acceptor(2), Node::Proposer(1)));
    }

    #[test]
    fn fates_follow_the_rates() {
        let mut rng = Rng::new(7);
        let net = NetConfig { drop_request_rate: 1.0, ..NetConfig::default() };
        let f = net.fate(&mut rng, true);
        assert!(f.lost && (5..=15).contains(&f.latency_ms));
        assert!(!net.fate(&mut rng, false).lost, "replies use their own rate");
        let dup = NetConfig { duplicate_rate: 1.0, ..NetConfig::default() };
        assert!(dup.fate(&mut rng, true).duplicate_latency_ms.is_some());
    }
}
