//! Adding and removing proposers (paper §2.3.4).
//!
//! A proposer keeps no state on the acceptors: it only needs an id no other proposer ever had, so
//! that its ballots (counter, id) are its own. Adding one is starting it; removing one is turning
//! it off for good. Each is one `membership` event (`turn on` / `turn off`) and `done`, at once.
//!
//! - **Ids** are handed out in order up to `p{MAX_PROPOSERS}` and never reused: a new proposer
//!   reusing a removed one's id would start its ballot clock again and could send a ballot the old
//!   one already sent, with another value.
//! - **Age**: the new proposer's ballot clock starts past the highest counter any proposer
//!   reached (the proposers' configuration, like the phase sets, is handed to it). Safety does not
//!   rest on it — the acceptors refuse older ballots and the floors garbage collection leaves
//!   (§3.1, the paper's "age") hold for every proposer — it spares its first rounds a refusal.
//!   Its §2.2.1 cache starts empty, and it runs with the phase sets in effect (a membership
//!   change of the acceptors may be running: the new proposer follows it like the others).
//! - **Removal** ends the proposer's operations in flight at once, as a crash does: each fails
//!   `Unavailable` (`proposer p2 was removed; the change may have been applied` when an accept
//!   carrying it was sent, which the history records as unknown, or `was not applied`). Messages
//!   it sent may still arrive (a late accept is a delayed message, which Paxos allows); replies to
//!   it are dropped. A catch-up rescan's reads on it are issued again from the next coordinator.
//!   Later operations and collections naming it are `InvalidArgument` (`p2 was removed from the
//!   cluster`); a crash or restart of it changes nothing (as for a removed acceptor).

use super::membership::Membership;
use super::trace::{EventKind, Node};
use super::world::World;
use super::Sim;
use crate::limits::MAX_PROPOSERS;
use crate::ops::{OpError, OpId};
use crate::protocol::ProposerId;

impl Sim {
    /// Adds a proposer (§2.3.4): its id, `p{N+1}`. `InvalidArgument` when every id up to
    /// [`MAX_PROPOSERS`] was handed out.
    pub fn add_proposer(&self) -> Result<ProposerId, OpError> {
        let core = &mut *self.shared.core.borrow_mut();
        let ids = core.world.proposer_up.len();
        if ids >= MAX_PROPOSERS {
            return Err(OpError::invalid(format!(
                "no proposer id left: ids p1..p{MAX_PROPOSERS} are all taken (a removed proposer's id is never reused)"
            )));
        }
        let counter = (1..=ids as ProposerId).map(|p| core.runtime.ballot_counter(p)).max().unwrap_or(0);
        let p = core.runtime.add_proposer(counter);
        let w = &mut core.world;
        w.proposer_up.push(true);
        w.partitions.add_proposer();
        debug_assert_eq!(w.proposer_up.len(), core.runtime.proposers(), "the world and the runtime agree on ids");
        let text = format!("p{p} joins the network, ballot counter past {counter}; no state on the acceptors");
        log(w, p, "turn on", text);
        log(w, p, "done", format!("adding p{p}: done"));
        Ok(p)
    }

    /// Removes proposer `p` for good (§2.3.4): its operations in flight end `Unavailable` now.
    /// `InvalidArgument` for an unknown or removed proposer, and for the last one.
    pub fn remove_proposer(&self, p: ProposerId) -> Result<(), OpError> {
        self.check_node(Node::Proposer(p))?;
        self.turn_off_proposer(p)?;
        self.settle();
        Ok(())
    }

    fn turn_off_proposer(&self, p: ProposerId) -> Result<(), OpError> {
        let core = &mut *self.shared.core.borrow_mut();
        if core.world.membership.is_node_removed(Node::Proposer(p)) {
            return Err(OpError::invalid(format!("p{p} is not a proposer (it was removed)")));
        }
        if members(&core.world).count() == 1 {
            return Err(OpError::invalid("the last proposer cannot be removed"));
        }
        let lost = core.runtime.crash(p);
        let w = &mut core.world;
        let text = format!("p{p} leaves the network for good; its {} operations in flight end", lost.len());
        log(w, p, "turn off", text);
        w.membership.removed_proposers |= 1 << p;
        w.proposer_up[p as usize - 1] = false;
        // A rescan's reads among them are read again from the next coordinator.
        let ops: Vec<OpId> = lost.iter().map(|&(op, _)| op).collect();
        Membership::requeue_reads(w, &ops);
        core.end_lost_operations(p, "was removed", lost);
        log(&mut core.world, p, "done", format!("removing p{p}: done"));
        Ok(())
    }

    /// The proposers in the cluster (not removed), sorted.
    pub fn proposer_ids(&self) -> Vec<ProposerId> {
        member_ids(&self.world())
    }

    /// The lowest-numbered proposer in the cluster: who operations go through by default.
    pub fn first_proposer(&self) -> ProposerId {
        first_member(&self.world())
    }

    /// Node ids handed out so far (acceptors and proposers, removed ones included).
    pub fn node_ids(&self) -> usize {
        let w = self.world();
        w.acceptors.len() + w.proposer_up.len()
    }

    /// Checks that `node` is a node of this cluster that was not removed.
    pub fn check_member(&self, node: Node) -> Result<(), OpError> {
        self.check_node(node)?;
        removed_check(&self.world(), node)
    }
}

/// `InvalidArgument` naming `node` if it was removed.
pub(super) fn removed_check(w: &World, node: Node) -> Result<(), OpError> {
    if w.membership.is_node_removed(node) {
        return Err(OpError::invalid(format!(
            "{node} was removed from the cluster, which has {}",
            member_names(w, node)
        )));
    }
    Ok(())
}

/// `InvalidArgument` unless `node`'s id was ever given out (a removed node's included).
pub(super) fn id_check(w: &World, node: Node) -> Result<(), OpError> {
    if node.index() == 0 || node.index() > ids_given(w, node) {
        return Err(OpError::invalid(format!("unknown node {node}: this cluster has {}", member_names(w, node))));
    }
    Ok(())
}

/// How many ids of `node`'s role were given out (ids are never reused).
fn ids_given(w: &World, node: Node) -> usize {
    match node {
        Node::Acceptor(_) => w.acceptors.len(),
        Node::Proposer(_) => w.proposer_up.len(),
    }
}

/// The nodes of `node`'s role in the cluster now, for messages: `a1..a4` while none was
/// removed, else each one (`a2, a3, a5`).
pub(super) fn member_names(w: &World, node: Node) -> String {
    let all = ids_given(w, node);
    let members: Vec<Node> =
        (1..=all).map(|i| node.with_index(i as u8)).filter(|n| !w.membership.is_node_removed(*n)).collect();
    match members.as_slice() {
        [one] => one.to_string(),
        [first, .., last] if members.len() == all => format!("{first}..{last}"),
        _ => members.iter().map(Node::to_string).collect::<Vec<_>>().join(", "),
    }
}

/// The proposers in the cluster, sorted.
pub(super) fn member_ids(w: &World) -> Vec<ProposerId> {
    members(w).collect()
}

fn members(w: &World) -> impl Iterator<Item = ProposerId> + '_ {
    (1..=w.proposer_up.len() as ProposerId).filter(|&p| !w.membership.is_node_removed(Node::Proposer(p)))
}

/// `p` if it is in the cluster, else the lowest-numbered proposer that is.
pub(super) fn member_or_first(w: &World, p: ProposerId) -> ProposerId {
    if w.membership.is_node_removed(Node::Proposer(p)) {
        first_member(w)
    } else {
        p
    }
}

/// The lowest-numbered proposer not removed (there is always one).
pub(super) fn first_member(w: &World) -> ProposerId {
    members(w).next().expect("the last proposer is never removed")
}

fn log(w: &mut World, p: ProposerId, step: &'static str, text: String) {
    w.log(EventKind::Membership { node: Node::Proposer(p), step, progress: None, text });
}

#[cfg(test)]
#[path = "proposers_tests.rs"]
mod tests;
