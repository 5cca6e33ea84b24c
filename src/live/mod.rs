//! Live mode (issue 13): the proposers' runtime ([`Proposers`], over the [`crate::driver::Env`]
//! trait) and the acceptors ([`crate::protocol::Acceptor`]) that the simulator runs, here on a
//! real executor with real timers: a [`Host`] (the browser's in [`crate::wasm`], a test's own
//! clock natively). No protocol rule is written here: this module only moves messages, keeps
//! time and records what happened, in the simulator's shapes (event log, history, stats), so
//! the timeline, the checker and the oracles read a live run as they read a simulated one.
//!
//! What differs from the simulator: time is wall-clock ms since the cluster was made, and the
//! order of events is whatever the host's timers and executor produce, so a run cannot be
//! replayed (the random draws are seeded, the timing is not).

pub mod tabs;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
mod view;
mod wire;

use crate::checker::{check, Report};
use crate::driver::{DriverConfig, Proposers};
use crate::ops::{Op, OpError, OpId};
use crate::protocol::{Acceptor, AcceptorId, Key, ProposerId};
use crate::sim::{check_latency, check_rate, records, EventKind, NetConfig, NetSetting, Node, Oracle, Partitions};
use crate::sim::{History, Rng, Stats, Trace, MAX_ACCEPTORS, MAX_PROPOSERS};
use serde_json::Value as Json;
use std::cell::Ref;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use tabs::TabLink;
use wire::{AcceptorNode, Shared, World};

/// A task for the host's executor.
pub type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Where a live cluster runs: a clock, timers and an executor, all on one thread.
pub trait Host {
    /// Milliseconds since some fixed origin; never goes back.
    fn now_ms(&self) -> u64;
    /// Runs `task` once `delay_ms` have passed (or later).
    fn after(&self, delay_ms: u64, task: Box<dyn FnOnce()>);
    /// Runs `task` on the executor.
    fn spawn(&self, task: Task);
}

/// How a live cluster is made (the simulator's settings, but for the seed of its random draws,
/// which does not make a run repeatable: see the module's documentation).
#[derive(Clone, Debug)]
pub struct LiveConfig {
    pub acceptors: usize,
    pub proposers: usize,
    pub net: NetConfig,
    pub driver: DriverConfig,
    /// Seeds message fates and backoff draws.
    pub seed: u64,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig { acceptors: 3, proposers: 2, net: NetConfig::default(), driver: DriverConfig::default(), seed: 1 }
    }
}

/// The future of one operation's result.
pub type Outcome = Pin<Box<dyn Future<Output = Result<Json, OpError>>>>;

/// A CASPaxos cluster in real time. Dropping it stops its acceptors and its wire: operations
/// still in flight then end `Unavailable` once their attempts run out.
pub struct LiveCluster {
    shared: Rc<Shared>,
    proposers: Rc<Proposers>,
    config: LiveConfig,
}

impl Drop for LiveCluster {
    fn drop(&mut self) {
        self.shared.close();
    }
}

impl LiveCluster {
    pub fn new(host: Rc<dyn Host>, config: LiveConfig) -> Result<LiveCluster, OpError> {
        Self::build(host, config, None)
    }

    /// A client tab's cluster: its proposers here, acceptors `a1..aN` (`config.acceptors`) in
    /// other tabs on `link`, which has claimed this tab's proposer ids already.
    pub fn joined(host: Rc<dyn Host>, config: LiveConfig, link: Rc<TabLink>) -> Result<LiveCluster, OpError> {
        let resume_at = host.now_ms().saturating_mul(tabs::BALLOTS_PER_MS);
        let cluster = Self::build(host, config, Some(link.clone()))?;
        for p in 1..=cluster.config.proposers as ProposerId {
            cluster.proposers.resume_ballots_above(p, resume_at);
        }
        let weak = Rc::downgrade(&cluster.shared);
        link.serve(Rc::new(move |wire| {
            if let Some(shared) = weak.upgrade() {
                shared.receive(wire);
            }
        }));
        Ok(cluster)
    }

    /// The channel to the acceptor tabs, for a client tab.
    pub fn link(&self) -> Option<&TabLink> {
        self.shared.remote.as_deref()
    }

    fn build(host: Rc<dyn Host>, config: LiveConfig, remote: Option<Rc<TabLink>>) -> Result<LiveCluster, OpError> {
        if !(1..=MAX_ACCEPTORS).contains(&config.acceptors) || !(1..=MAX_PROPOSERS).contains(&config.proposers) {
            return Err(OpError::invalid(format!(
                "a live cluster has 1..={MAX_ACCEPTORS} acceptors and 1..={MAX_PROPOSERS} proposers, got {} and {}",
                config.acceptors, config.proposers
            )));
        }
        check_latency(config.net.latency_ms_min, config.net.latency_ms_max)?;
        check_rate("dropRate", config.net.drop_request_rate.max(config.net.drop_reply_rate))?;
        check_rate("duplicateRate", config.net.duplicate_rate)?;
        let world = World {
            rng: Rng::new(config.seed),
            net: config.net.clone(),
            partitions: Partitions::new(config.acceptors, config.proposers),
            acceptors: (0..config.acceptors).map(|_| AcceptorNode { up: true, state: Acceptor::default() }).collect(),
            proposer_up: vec![true; config.proposers],
            trace: Trace::default(),
            history: History::default(),
            stats: Stats::default(),
            oracle: Oracle::default(),
            metrics: Default::default(),
        };
        let local = remote.is_none();
        let shared = Shared::new(host, world, remote);
        let proposers = Proposers::new(shared.clone(), config.proposers, config.driver.clone());
        *shared.proposers.borrow_mut() = Rc::downgrade(&proposers);
        for a in (1..=config.acceptors as AcceptorId).filter(|_| local) {
            shared.spawn_acceptor(a);
        }
        Ok(LiveCluster { shared, proposers, config })
    }

    pub fn config(&self) -> &LiveConfig {
        &self.config
    }

    /// Wall-clock ms since the cluster was made.
    pub fn now(&self) -> u64 {
        self.shared.now()
    }

    /// Records operation `op` on `key` through `proposer` and starts it; the future resolves
    /// when it ends (the operation runs only while the future is polled: spawn it). Bad input
    /// (an unknown proposer, a bad key) is an `InvalidArgument` error, and nothing is recorded.
    pub fn invoke(&self, proposer: ProposerId, key: &str, op: Op) -> Result<(OpId, Outcome), OpError> {
        self.check_node(Node::Proposer(proposer))?;
        crate::client::check_register_key(key, &op)?;
        let key: Key = key.into();
        let now = self.now();
        let mut w = self.shared.world.borrow_mut();
        let World { history, stats, .. } = &mut *w;
        let (id, event) = records::invoke(history, stats, now, (proposer, &key), op.kind(), op.input());
        w.log(now, event);
        let up = w.proposer_up[proposer as usize - 1];
        drop(w);
        let shared = self.shared.clone();
        if !up {
            let result = Err(OpError::unanswered(false, &format!("proposer p{proposer} is down")));
            shared.ended(id, &result);
            return Ok((id, Box::pin(std::future::ready(result))));
        }
        let run = self.proposers.clone().execute_as(id, proposer, key, op);
        Ok((
            id,
            Box::pin(async move {
                let result = run.await;
                shared.ended(id, &result);
                result
            }),
        ))
    }

    // ---- faults (as in the simulator: same checks, same events) ----

    /// Checks that `node` names a node of this cluster.
    pub fn check_node(&self, node: Node) -> Result<(), OpError> {
        node.check_in(self.config.acceptors, self.config.proposers)
    }

    /// Crashes a node: an acceptor stops answering (and keeps its state); a proposer's
    /// operations in flight end `Unavailable` now.
    pub fn crash(&self, node: Node) -> Result<(), OpError> {
        self.check_node(node)?;
        let now = self.now();
        let mut w = self.shared.world.borrow_mut();
        if !w.is_up(node) {
            return Ok(());
        }
        w.log(now, EventKind::Crash { node });
        match node {
            Node::Acceptor(a) => w.acceptors[a as usize - 1].up = false,
            Node::Proposer(p) => {
                w.proposer_up[p as usize - 1] = false;
                drop(w);
                let shared = &self.shared;
                self.proposers.crash(p, |op| {
                    let may = shared.world.borrow().history.get(op).is_some_and(|r| r.may_have_applied);
                    OpError::unanswered(may, &format!("proposer p{p} crashed"))
                });
            }
        }
        Ok(())
    }

    /// Restarts a crashed node (an acceptor with its state).
    pub fn restart(&self, node: Node) -> Result<(), OpError> {
        self.check_node(node)?;
        let now = self.now();
        let mut w = self.shared.world.borrow_mut();
        if w.is_up(node) {
            return Ok(());
        }
        w.log(now, EventKind::Restart { node });
        match node {
            Node::Acceptor(a) => w.acceptors[a as usize - 1].up = true,
            Node::Proposer(p) => w.proposer_up[p as usize - 1] = true,
        }
        Ok(())
    }

    /// Restarts an acceptor with empty storage (outside CASPaxos's fault model; the oracles see it).
    pub fn wipe(&self, acceptor: AcceptorId) -> Result<(), OpError> {
        let node = Node::Acceptor(acceptor);
        self.check_node(node)?;
        if self.shared.remote.is_some() {
            return Err(OpError::invalid(format!(
                "acceptor a{acceptor} runs in another tab: wipe it there (AcceptorTab.wipe)"
            )));
        }
        let now = self.now();
        let mut w = self.shared.world.borrow_mut();
        w.log(now, EventKind::Wipe { node });
        w.acceptors[acceptor as usize - 1] = AcceptorNode { up: true, state: Acceptor::default() };
        let acceptors = w.acceptors.len();
        for key in w.oracle.keys_of(acceptor) {
            w.oracle.observe(now, acceptor, &key, None, acceptors);
        }
        Ok(())
    }

    /// Nodes in different groups cannot talk; unlisted nodes form one more group.
    pub fn partition(&self, groups: Vec<Vec<Node>>) -> Result<(), OpError> {
        Partitions::check_groups(&groups, |n| self.check_node(n))?;
        self.change_world(|w| {
            w.partitions.split(&groups);
            EventKind::Partition { groups }
        });
        Ok(())
    }

    pub fn heal(&self) {
        self.change_world(|w| {
            w.partitions.heal();
            EventKind::Heal
        });
    }

    pub fn set_drop_rate(&self, rate: f64) -> Result<(), OpError> {
        check_rate("drop rate", rate)?;
        self.change_world(|w| {
            (w.net.drop_request_rate, w.net.drop_reply_rate) = (rate, rate);
            EventKind::Network { setting: NetSetting::DropRates { requests: rate, replies: rate } }
        });
        Ok(())
    }

    pub fn set_duplicate_rate(&self, rate: f64) -> Result<(), OpError> {
        check_rate("duplicateRate", rate)?;
        self.change_world(|w| {
            w.net.duplicate_rate = rate;
            EventKind::Network { setting: NetSetting::DuplicateRate(rate) }
        });
        Ok(())
    }

    pub fn set_latency(&self, min_ms: u64, max_ms: u64) -> Result<(), OpError> {
        check_latency(min_ms, max_ms)?;
        self.change_world(|w| {
            (w.net.latency_ms_min, w.net.latency_ms_max) = (min_ms, max_ms);
            EventKind::Network { setting: NetSetting::Latency { min_ms, max_ms } }
        });
        Ok(())
    }

    fn change_world(&self, change: impl FnOnce(&mut World) -> EventKind) {
        let now = self.now();
        let mut w = self.shared.world.borrow_mut();
        let event = change(&mut w);
        w.log(now, event);
    }

    // ---- observation ----

    pub fn trace(&self) -> Ref<'_, Trace> {
        Ref::map(self.shared.world.borrow(), |w| &w.trace)
    }

    pub fn history(&self) -> Ref<'_, History> {
        Ref::map(self.shared.world.borrow(), |w| &w.history)
    }

    pub fn stats(&self) -> Stats {
        self.shared.world.borrow().stats.clone()
    }

    /// Operations in flight.
    pub fn pending(&self) -> usize {
        self.shared.world.borrow().history.pending().count()
    }

    /// The checker's verdict on the history so far, with the oracles' findings (as `Cluster`'s).
    pub fn check(&self, step_budget: u64) -> Report {
        let w = self.shared.world.borrow();
        check(&w.history, step_budget).with_oracles(w.oracle.findings.clone())
    }

    /// The acceptors' registers, the proposers' memory and the network, in `Cluster.state()`'s shape.
    pub fn state(&self) -> Json {
        view::state(self)
    }

    /// Latency percentiles per operation kind and rates over wall-clock ms, in `Cluster.metrics()`'s
    /// shape.
    pub fn metrics_json(&self) -> Json {
        self.shared.world.borrow().metrics.to_json(self.now())
    }

    /// Counters, in `Cluster.stats()`'s shape.
    pub fn stats_json(&self) -> Json {
        let w = self.shared.world.borrow();
        let violations: Vec<String> = w.oracle.findings.iter().map(|f| f.text.clone()).collect();
        let batched = self.proposers.batched();
        let mut stats =
            crate::view::stats_of(&w.stats, w.history.pending().count(), violations, w.history.folded(), batched);
        if let (Some(link), Json::Object(fields)) = (self.link(), &mut stats) {
            fields.insert("malformed".into(), link.malformed().0.into());
        }
        stats
    }
}

impl Shared {
    /// Operation `id` ended: its return goes to the history and the log.
    fn ended(&self, id: OpId, result: &Result<Json, OpError>) {
        let now = self.now();
        let mut w = self.world.borrow_mut();
        let started = w.history.get(id).map(|r| (r.op, r.invoke_at));
        let World { history, stats, .. } = &mut *w;
        if let Some(event) = records::end(history, stats, now, id, result) {
            let (op, invoke_at) = started.expect("an operation in flight is in the history's window");
            w.metrics.ended(op.name(), invoke_at, now, result.is_ok());
            w.log(now, event);
        }
    }
}
