//! Faults and network settings: what a user (or a scheduled [`Action`]) does to the world.

use super::network::Partitions;
use super::world::{Due, World};
use super::{check_latency, check_rate, Action, EventKind, NetSetting, Node, Sim};
use crate::driver::DriverConfig;
use crate::ops::OpError;
use crate::protocol::{Acceptor, AcceptorId, ProposerId};
use std::cell::RefMut;

impl Sim {
    fn world_mut(&self) -> RefMut<'_, World> {
        RefMut::map(self.shared.core.borrow_mut(), |c| &mut c.world)
    }

    /// Schedules `action` at virtual time `at_ms` (now, if that is past).
    pub fn schedule(&self, at_ms: u64, action: Action) {
        let mut w = self.world_mut();
        let at = at_ms.max(w.now);
        w.schedule(at, Due::Action(action));
    }

    /// Carries out an action now.
    pub fn apply(&self, action: Action) -> Result<(), OpError> {
        match action {
            Action::Crash(n) => self.crash(n),
            Action::Restart(n) => self.restart(n),
            Action::Wipe(a) => self.wipe(a),
            Action::Partition(groups) => self.partition(groups),
            Action::Heal => {
                self.heal();
                Ok(())
            }
            Action::DropRates(requests, replies) => self.set_drop_rates(requests, replies),
            Action::DuplicateRate(r) => self.set_duplicate_rate(r),
            Action::EndFaults => {
                self.heal();
                self.set_drop_rate(0.0)?;
                self.set_duplicate_rate(0.0)?;
                for a in self.acceptor_ids() {
                    self.restart(Node::Acceptor(a))?;
                }
                for p in self.proposer_ids() {
                    self.restart(Node::Proposer(p))?;
                }
                Ok(())
            }
        }
    }

    /// Checks that `node` names a node of this cluster (one that was removed included: see
    /// [`Sim::check_member`]).
    pub fn check_node(&self, node: Node) -> Result<(), OpError> {
        super::proposers::id_check(&self.world(), node)
    }

    /// The acceptors in the cluster now, for messages (`a1..a3`, or `a2, a4` after removals).
    pub fn acceptor_names(&self) -> String {
        super::proposers::member_names(&self.world(), Node::Acceptor(1))
    }

    /// Crashes a node. A crashed acceptor keeps its durable state; a crashed proposer loses its
    /// cache and its operations in flight (they end `unknown`, or `failed` if no accept carrying
    /// them was sent), but keeps its ballot counter.
    pub fn crash(&self, node: Node) -> Result<(), OpError> {
        self.check_node(node)?;
        let mut w = self.world_mut();
        if !w.is_up(node) {
            return Ok(());
        }
        w.log(EventKind::Crash { node });
        match node {
            Node::Acceptor(a) => w.acceptors[a as usize - 1].up = false,
            Node::Proposer(p) => {
                w.proposer_up[p as usize - 1] = false;
                drop(w);
                self.shared.core.borrow_mut().crash_proposer(p);
                // Its clients react at the crash's instant: a workers run starts its next
                // increments now, not whenever time next moves (a replay does it here too).
                self.settle();
            }
        }
        Ok(())
    }

    /// Restarts a crashed node (an acceptor with its durable state).
    pub fn restart(&self, node: Node) -> Result<(), OpError> {
        self.check_node(node)?;
        let mut w = self.world_mut();
        if w.is_up(node) || w.membership.is_node_removed(node) {
            return Ok(());
        }
        w.log(EventKind::Restart { node });
        match node {
            Node::Acceptor(a) => w.acceptors[a as usize - 1].up = true,
            Node::Proposer(p) => w.proposer_up[p as usize - 1] = true,
        }
        Ok(())
    }

    /// Restarts an acceptor with empty storage. Outside CASPaxos's fault model: it shows why
    /// acceptors' state must be durable (the oracles flag it).
    pub fn wipe(&self, acceptor: AcceptorId) -> Result<(), OpError> {
        let node = Node::Acceptor(acceptor);
        self.check_node(node)?;
        let mut w = self.world_mut();
        super::proposers::removed_check(&w, node)?;
        w.log(EventKind::Wipe { node });
        let slot = &mut w.acceptors[acceptor as usize - 1];
        slot.up = true;
        slot.state = Acceptor::default();
        let keys = w.oracle.as_ref().map(|o| o.keys_of(acceptor)).unwrap_or_default();
        for key in keys {
            w.observe(acceptor, &key);
        }
        Ok(())
    }

    /// Splits the network: nodes in different groups cannot talk; unlisted nodes form one more
    /// group. A node may appear in one group only.
    pub fn partition(&self, groups: Vec<Vec<Node>>) -> Result<(), OpError> {
        Partitions::check_groups(&groups, |n| self.check_node(n))?;
        let mut w = self.world_mut();
        w.partitions.split(&groups);
        w.log(EventKind::Partition { groups });
        Ok(())
    }

    /// Cuts `node` off from every other node.
    pub fn isolate(&self, node: Node) -> Result<(), OpError> {
        self.partition(vec![vec![node]])
    }

    /// Removes every partition.
    pub fn heal(&self) {
        let mut w = self.world_mut();
        w.partitions.heal();
        w.log(EventKind::Heal);
    }

    /// Loss rate of both requests and replies.
    pub fn set_drop_rate(&self, rate: f64) -> Result<(), OpError> {
        self.set_drop_rates(rate, rate)
    }

    /// Independent loss rates of requests (proposer → acceptor) and replies.
    pub fn set_drop_rates(&self, requests: f64, replies: f64) -> Result<(), OpError> {
        check_rate("drop rate", requests)?;
        check_rate("drop rate", replies)?;
        let mut w = self.world_mut();
        w.net.drop_request_rate = requests;
        w.net.drop_reply_rate = replies;
        w.log(EventKind::Network { setting: NetSetting::DropRates { requests, replies } });
        Ok(())
    }

    pub fn set_duplicate_rate(&self, rate: f64) -> Result<(), OpError> {
        check_rate("duplicateRate", rate)?;
        let mut w = self.world_mut();
        w.net.duplicate_rate = rate;
        w.log(EventKind::Network { setting: NetSetting::DuplicateRate(rate) });
        Ok(())
    }

    pub fn set_latency(&self, min_ms: u64, max_ms: u64) -> Result<(), OpError> {
        check_latency(min_ms, max_ms)?;
        let mut w = self.world_mut();
        w.net.latency_ms_min = min_ms;
        w.net.latency_ms_max = max_ms;
        w.log(EventKind::Network { setting: NetSetting::Latency { min_ms, max_ms } });
        Ok(())
    }

    /// Changes how proposers behave from their next operation on (e.g. a "break it" switch).
    pub fn set_driver_config(&self, driver: DriverConfig) {
        let runtime = &mut self.shared.core.borrow_mut().runtime;
        for p in 1..=runtime.proposers() as ProposerId {
            runtime.set_config(p, driver.clone());
        }
    }
}
