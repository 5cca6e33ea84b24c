//! The deterministic world: virtual clock, one seeded RNG, a simulated network with faults, the
//! event log and the client history.
//!
//! One seed plus the list of actions determines every event: the same seed and actions give the
//! same event log, natively and in wasm. Nothing here reads a real clock or OS randomness.

mod executor;
mod faults;
pub mod fuzz;
mod history;
mod manual;
mod network;
mod oracle;
mod rng;
mod trace;
mod workers;
pub mod workload;

pub use history::{Evaluation, History, OpRecord};
pub use manual::{Delivery, HeldMessage};
pub use network::{NetConfig, Partitions};
pub use oracle::{Finding, Oracle, OracleKind};
pub use rng::Rng;
pub use trace::{DropReason, Event, EventKind, MessageRecord, Msg, NetSetting, Node, Trace};
pub use workers::{WorkersPlan, WorkersProgress};

use crate::client::{Client, OpHandle};
use crate::driver::{outcome_of, DriverConfig, Env, Note, Outcome, Proposer, Timing};
use crate::ops::{Op, OpError, OpId, Val};
use crate::protocol::{Acceptor, AcceptorId, Key, ProposerId, Request, Slot};
use executor::Executor;
use futures::channel::oneshot;
use serde_json::Value as Json;
use std::cell::{Ref, RefCell};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

pub use crate::limits::{MAX_ACCEPTORS, MAX_KEY_CHARS, MAX_LATENCY_MS, MAX_PROPOSERS};

/// Everything that determines a run, besides the actions.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// `1..=MAX_ACCEPTORS`.
    pub acceptors: usize,
    /// `1..=MAX_PROPOSERS`.
    pub proposers: usize,
    pub seed: u64,
    pub net: NetConfig,
    pub driver: DriverConfig,
    /// Keep the event log (the benchmark measures with it on).
    pub log_events: bool,
    /// Run the safety oracles after every step.
    pub check_invariants: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            acceptors: 3,
            proposers: 2,
            seed: 1,
            net: NetConfig::default(),
            driver: DriverConfig::default(),
            log_events: true,
            check_invariants: true,
        }
    }
}

/// Counters over a whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub operations: u64,
    pub ok: u64,
    pub failed: u64,
    pub unknown: u64,
    pub messages: u64,
    pub delivered: u64,
    pub dropped: u64,
    pub duplicated: u64,
    pub conflicts: u64,
    pub retries: u64,
    pub timeouts: u64,
}

impl Stats {
    /// Messages sent per ended operation.
    pub fn messages_per_operation(&self) -> f64 {
        let ended = self.ok + self.failed + self.unknown;
        if ended == 0 {
            0.0
        } else {
            self.messages as f64 / ended as f64
        }
    }
}

struct AcceptorNode {
    up: bool,
    state: Acceptor<Val>,
}

/// Something scheduled at a virtual time.
enum Due {
    Arrive { from: Node, to: Node, msg: Msg, lost: bool, log: Option<usize> },
    Timer(Waker),
    Action(Action),
}

/// A fault or network change scheduled ahead of time ([`Sim::schedule`]), e.g. by a fuzz run.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Crash(Node),
    Restart(Node),
    Wipe(AcceptorId),
    Partition(Vec<Vec<Node>>),
    Heal,
    /// Loss rates of requests and of replies.
    DropRates(f64, f64),
    DuplicateRate(f64),
    /// The faults stop: heal, restart every node, no more loss or duplication.
    EndFaults,
}

/// Ordered by (time, scheduling order): events at one time happen in the order they were scheduled.
struct Scheduled {
    at: u64,
    seq: u64,
    due: Due,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// All mutable state of a run except the tasks.
struct World {
    now: u64,
    /// Events run so far (messages, timers, scheduled actions): with `now`, the exact point of a
    /// run at which a user acted, for replay.
    steps: u64,
    rng: Rng,
    queue: BinaryHeap<Reverse<Scheduled>>,
    scheduled: u64,
    net: NetConfig,
    partitions: Partitions,
    acceptors: Vec<AcceptorNode>,
    proposer_up: Vec<bool>,
    log_events: bool,
    trace: Trace,
    history: History,
    stats: Stats,
    oracle: Option<Oracle>,
    /// Where to send the result of each operation, by id; `None` once it ended.
    completions: Vec<Option<oneshot::Sender<Result<Json, OpError>>>>,
    /// Operations in flight.
    in_flight: usize,
    /// Messages waiting for the user, in manual delivery.
    held: manual::Held,
    /// Workers runs, in the order started.
    workers: Vec<WorkersProgress>,
}

impl World {
    fn log(&mut self, kind: EventKind) {
        if self.log_events {
            self.trace.events.push(Event { at: self.now, kind });
        }
    }

    fn schedule(&mut self, at: u64, due: Due) {
        self.scheduled += 1;
        self.queue.push(Reverse(Scheduled { at, seq: self.scheduled, due }));
    }

    /// Puts a message on the wire; the network decides its fate now.
    fn send(&mut self, from: Node, to: Node, msg: Msg) {
        self.stats.messages += 1;
        if self.held.mode == Delivery::Manual {
            let log = self.log_send(from, to, &msg);
            return self.held.hold(from, to, msg, self.now, log);
        }
        let fate = self.net.fate(&mut self.rng, matches!(msg, Msg::Request(_)));
        let log = self.log_send(from, to, &msg);
        if let Some(latency) = fate.duplicate_latency_ms {
            self.stats.duplicated += 1;
            if let Some(id) = log {
                self.log(EventKind::Duplicate { msg: id });
            }
            self.schedule(self.now + latency, Due::Arrive { from, to, msg: msg.clone(), lost: false, log });
        }
        self.schedule(self.now + fate.latency_ms, Due::Arrive { from, to, msg, lost: fate.lost, log });
    }

    /// Logs a message's send; its index in the log's messages, when the log is kept.
    fn log_send(&mut self, from: Node, to: Node, msg: &Msg) -> Option<usize> {
        self.log_events.then(|| {
            self.trace.messages.push(MessageRecord { from, to, sent_at: self.now, msg: msg.clone() });
            let id = self.trace.messages.len() - 1;
            self.log(EventKind::Send { msg: id });
            id
        })
    }

    fn is_up(&self, node: Node) -> bool {
        match node {
            Node::Acceptor(a) => self.acceptors[a as usize - 1].up,
            Node::Proposer(p) => self.proposer_up[p as usize - 1],
        }
    }

    /// Records how operation `id` ended and hands the result to whoever awaits it.
    fn complete(&mut self, id: OpId, result: Result<Json, OpError>) {
        let outcome = outcome_of(&result);
        let now = self.now;
        if self.history.ops[id as usize].outcome.is_some() {
            return;
        }
        let return_seq = self.history.next_seq();
        let record = &mut self.history.ops[id as usize];
        record.return_at = Some(now);
        record.return_seq = Some(return_seq);
        record.outcome = Some(outcome);
        match &result {
            Ok(v) => record.output = Some(v.clone()),
            Err(e) => record.error = Some(e.clone()),
        }
        let proposer = record.proposer;
        match outcome {
            Outcome::Ok => self.stats.ok += 1,
            Outcome::Failed => self.stats.failed += 1,
            Outcome::Unknown => self.stats.unknown += 1,
        }
        self.log(EventKind::Return { op: id, proposer, outcome });
        if let Some(tx) = self.completions[id as usize].take() {
            self.in_flight -= 1;
            let _ = tx.send(result); // nobody awaiting is fine
        }
    }

    fn observe(&mut self, acceptor: AcceptorId, key: &Key) {
        if let Some(oracle) = &mut self.oracle {
            oracle.observe(self.now, acceptor, key, self.acceptors[acceptor as usize - 1].state.slot(key));
        }
    }
}

/// The world, the tasks and the proposers, shared with the tasks (which reach the world through
/// [`Env`]).
pub(crate) struct Shared {
    world: RefCell<World>,
    executor: Executor,
    proposers: Vec<Rc<Proposer>>,
    acceptor_count: usize,
}

impl Drop for Shared {
    fn drop(&mut self) {
        LIVE_SIMULATIONS.with(|n| n.set(n.get() - 1));
    }
}

impl Env for Shared {
    fn now_ms(&self) -> u64 {
        self.world.borrow().now
    }
    fn acceptors(&self) -> usize {
        self.acceptor_count
    }
    fn send(&self, from: ProposerId, to: AcceptorId, request: Request<Val>) {
        self.world.borrow_mut().send(Node::Proposer(from), Node::Acceptor(to), Msg::Request(request));
    }
    fn wake_at(&self, at_ms: u64, waker: Waker) {
        self.world.borrow_mut().schedule(at_ms, Due::Timer(waker));
    }
    fn random_below(&self, bound: u64) -> u64 {
        self.world.borrow_mut().rng.below(bound.max(1))
    }
    fn timing(&self) -> Timing {
        let (min, max) = {
            let net = &self.world.borrow().net;
            (net.latency_ms_min, net.latency_ms_max)
        };
        // A phase waits one worst-case round trip plus slack. Backoff starts at about one full
        // round (two round trips), so a competing proposer can finish before we preempt it again.
        Timing {
            phase_timeout_ms: 2 * max + 10,
            backoff_base_ms: 4 * max + 1,
            backoff_max_ms: 16 * (4 * max + 1),
            min_round_trip_ms: 2 * min,
        }
    }
    fn note(&self, note: Note) {
        let mut w = self.world.borrow_mut();
        match note {
            Note::Timeout { proposer, key, ballot, phase } => {
                w.stats.timeouts += 1;
                w.log(EventKind::Timeout { proposer, key, ballot, phase });
            }
            Note::Conflict { .. } => w.stats.conflicts += 1,
            Note::Retry { op, attempt, .. } => {
                w.stats.retries += 1;
                w.history.ops[op as usize].attempts = attempt;
            }
            Note::MayApply { op } => w.history.ops[op as usize].may_have_applied = true,
            Note::Evaluated { op, seen, at_ms, wrote } => {
                w.history.ops[op as usize].evaluations.push(Evaluation { seen, at_ms, wrote });
            }
        }
    }
}

impl Shared {
    /// Records and starts an operation; the caller runs the executor.
    pub(crate) fn invoke(self: &Rc<Self>, proposer: ProposerId, key: &str, op: Op) -> OpHandle {
        if let Err(e) = self.check_proposer(proposer).and_then(|_| crate::client::check_register_key(key, &op)) {
            return OpHandle::ready(Err(e));
        }
        let key: Key = key.into();
        let (tx, rx) = oneshot::channel();
        let id = {
            let mut w = self.world.borrow_mut();
            let id = w.history.ops.len() as OpId;
            let invoke_at = w.now;
            let invoke_seq = w.history.next_seq();
            w.history.ops.push(OpRecord {
                id,
                proposer,
                op: op.name(),
                key: key.clone(),
                input: op.input(),
                invoke_at,
                return_at: None,
                invoke_seq,
                return_seq: None,
                outcome: None,
                output: None,
                error: None,
                may_have_applied: false,
                attempts: 1,
                evaluations: Vec::new(),
            });
            w.stats.operations += 1;
            w.log(EventKind::Invoke { op: id, proposer, name: op.name(), key: key.clone() });
            w.completions.push(Some(tx));
            w.in_flight += 1;
            if !w.proposer_up[proposer as usize - 1] {
                w.complete(id, Err(OpError::unavailable(false, format!("proposer p{proposer} is down"))));
                return OpHandle::new(rx);
            }
            id
        };
        let shared = self.clone();
        let runner = self.proposers[proposer as usize - 1].clone();
        self.executor.spawn(Some(proposer), async move {
            let env: Rc<dyn Env> = shared.clone();
            let result = runner.execute(env, id, key, op).await;
            shared.world.borrow_mut().complete(id, result);
        });
        // Start it now, at the invocation's virtual time (a no-op when called from a task: the
        // executor already running polls it next).
        self.executor.run_until_stalled();
        OpHandle::new(rx)
    }

    fn check_proposer(&self, proposer: ProposerId) -> Result<(), OpError> {
        if proposer == 0 || proposer as usize > self.proposers.len() {
            return Err(OpError::invalid(format!(
                "unknown proposer p{proposer}: this cluster has p1..p{}",
                self.proposers.len()
            )));
        }
        Ok(())
    }
}

/// Keys are non-empty strings of at most [`MAX_KEY_CHARS`] characters.
pub fn check_key(key: &str) -> Result<(), OpError> {
    crate::limits::check_name("key", key)
}

thread_local! {
    static LIVE_SIMULATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Simulations whose state is still in memory on this thread (a leak check for tests: a dropped
/// or freed cluster must bring it back down).
pub fn live_simulations() -> usize {
    LIVE_SIMULATIONS.with(|n| n.get())
}

/// A simulated CASPaxos cluster: acceptors `a1..aN`, proposers `p1..pM`, a network, and the
/// clients' operations, all in virtual time.
pub struct Sim {
    shared: Rc<Shared>,
    config: SimConfig,
}

impl Drop for Sim {
    fn drop(&mut self) {
        // Tasks hold the shared state: drop them to free it.
        self.shared.executor.clear();
    }
}

impl Sim {
    /// A new cluster. Fails with `InvalidArgument` on sizes or settings out of range.
    pub fn new(config: SimConfig) -> Result<Sim, OpError> {
        check_config(&config)?;
        let proposers = (1..=config.proposers as ProposerId).map(|p| Proposer::new(p, config.driver.clone())).collect();
        let world = World {
            now: 0,
            steps: 0,
            rng: Rng::new(config.seed),
            queue: BinaryHeap::new(),
            scheduled: 0,
            net: config.net.clone(),
            partitions: Partitions::new(config.acceptors, config.proposers),
            acceptors: (0..config.acceptors).map(|_| AcceptorNode { up: true, state: Acceptor::default() }).collect(),
            proposer_up: vec![true; config.proposers],
            log_events: config.log_events,
            trace: Trace::default(),
            history: History::default(),
            stats: Stats::default(),
            oracle: config.check_invariants.then(Oracle::default),
            completions: Vec::new(),
            in_flight: 0,
            held: manual::Held::default(),
            workers: Vec::new(),
        };
        let shared = Rc::new(Shared {
            world: RefCell::new(world),
            executor: Executor::default(),
            proposers,
            acceptor_count: config.acceptors,
        });
        LIVE_SIMULATIONS.with(|n| n.set(n.get() + 1));
        Ok(Sim { shared, config })
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// A client that sends its operations through proposer `proposer` (1-based).
    pub fn client(&self, proposer: ProposerId) -> Client {
        Client::new(self.shared.clone(), proposer)
    }

    /// Runs `op` on `key` through `proposer`; the handle resolves when it ends.
    pub fn invoke(&self, proposer: ProposerId, key: &str, op: Op) -> OpHandle {
        self.shared.invoke(proposer, key, op)
    }

    /// Runs a client task (e.g. a worker issuing operations in a loop) in the simulation.
    pub fn spawn(&self, task: impl Future<Output = ()> + 'static) {
        self.shared.executor.spawn(None, task);
        self.settle();
    }

    /// Lets every woken task react, without advancing time.
    pub fn settle(&self) {
        self.shared.executor.run_until_stalled();
    }

    // ---- time ----

    pub fn now(&self) -> u64 {
        self.shared.world.borrow().now
    }

    /// Events run so far.
    pub fn steps(&self) -> u64 {
        self.shared.world.borrow().steps
    }

    /// Moves the clock forward to `at_ms` without running any event (replay of a recorded point).
    pub fn advance_clock(&self, at_ms: u64) {
        let mut w = self.shared.world.borrow_mut();
        w.now = w.now.max(at_ms);
    }

    /// Runs the next scheduled event. Returns false when nothing is scheduled.
    pub fn step(&self) -> bool {
        self.settle();
        let next = self.shared.world.borrow_mut().queue.pop();
        let Some(Reverse(Scheduled { at, due, .. })) = next else { return false };
        let reply_to_proposer = {
            let mut w = self.shared.world.borrow_mut();
            w.now = w.now.max(at);
            w.steps += 1;
            match due {
                Due::Action(action) => {
                    drop(w);
                    // Scheduled by this crate with valid nodes and rates: errors cannot occur.
                    let _ = self.apply(action);
                    None
                }
                Due::Timer(waker) => {
                    drop(w);
                    waker.wake();
                    None
                }
                Due::Arrive { from, to, msg, lost, log } => {
                    let fate = if lost {
                        Some(DropReason::Lost)
                    } else if !w.partitions.can_talk(from, to) {
                        Some(DropReason::Partition)
                    } else if !w.is_up(to) {
                        Some(DropReason::Down)
                    } else {
                        None
                    };
                    if let Some(id) = log {
                        w.log(match fate {
                            Some(reason) => EventKind::Drop { msg: id, reason },
                            None => EventKind::Deliver { msg: id },
                        });
                    }
                    if fate.is_some() {
                        w.stats.dropped += 1;
                        None
                    } else {
                        w.stats.delivered += 1;
                        match (to, msg) {
                            (Node::Acceptor(a), Msg::Request(request)) => {
                                let key = request.key().clone();
                                let reply = w.acceptors[a as usize - 1].state.handle(request);
                                w.observe(a, &key);
                                w.send(to, from, Msg::Reply(reply));
                                None
                            }
                            (Node::Proposer(p), Msg::Reply(reply)) => match from {
                                Node::Acceptor(a) => Some((p, a, reply)),
                                Node::Proposer(_) => None,
                            },
                            _ => None,
                        }
                    }
                }
            }
        };
        if let Some((p, a, reply)) = reply_to_proposer {
            self.shared.proposers[p as usize - 1].handle_reply(a, reply);
        }
        self.settle();
        true
    }

    /// Runs every event up to `now + ms`, then sets the clock there.
    pub fn run_for(&self, ms: u64) {
        let until = self.now().saturating_add(ms);
        while self.next_event_at().is_some_and(|at| at <= until) {
            self.step();
        }
        let mut w = self.shared.world.borrow_mut();
        w.now = w.now.max(until);
    }

    /// Runs until nothing is scheduled or `max_events` steps ran. Returns the steps run.
    pub fn run_until_idle(&self, max_events: u64) -> u64 {
        let mut n = 0;
        while n < max_events && self.step() {
            n += 1;
        }
        n
    }

    /// Steps until `future` (typically an [`OpHandle`]) is ready. Panics if the simulation goes
    /// idle first — for tests and examples; the wasm facade never calls it.
    pub fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        let mut future = pin!(future);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        self.settle();
        loop {
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
            assert!(self.step(), "the simulation went idle before the future was ready");
        }
    }

    /// When the next scheduled event happens, if any.
    pub fn next_event_at(&self) -> Option<u64> {
        self.shared.world.borrow().queue.peek().map(|Reverse(s)| s.at)
    }

    /// True when nothing is scheduled.
    pub fn is_idle(&self) -> bool {
        self.next_event_at().is_none()
    }

    /// Client operations in flight.
    pub fn pending(&self) -> usize {
        self.shared.world.borrow().in_flight
    }

    // ---- observation ----

    pub fn net(&self) -> NetConfig {
        self.shared.world.borrow().net.clone()
    }

    pub fn is_up(&self, node: Node) -> bool {
        self.check_node(node).is_ok() && self.shared.world.borrow().is_up(node)
    }

    /// Acceptor `acceptor`'s registers, sorted by key.
    pub fn registers(&self, acceptor: AcceptorId) -> Vec<(Key, Slot<Val>)> {
        let w = self.shared.world.borrow();
        w.acceptors[acceptor as usize - 1].state.slots().map(|(k, s)| (k.clone(), s.clone())).collect()
    }

    pub fn proposer(&self, proposer: ProposerId) -> &Proposer {
        &self.shared.proposers[proposer as usize - 1]
    }

    pub fn trace(&self) -> Ref<'_, Trace> {
        Ref::map(self.shared.world.borrow(), |w| &w.trace)
    }

    pub fn history(&self) -> Ref<'_, History> {
        Ref::map(self.shared.world.borrow(), |w| &w.history)
    }

    pub fn stats(&self) -> Stats {
        self.shared.world.borrow().stats.clone()
    }

    /// Safety violations the oracles found so far, as text (empty in a correct run).
    pub fn violations(&self) -> Vec<String> {
        self.oracle_findings().iter().map(|f| f.text.clone()).collect()
    }

    /// Safety violations the oracles found so far, with the oracle that fired.
    pub fn oracle_findings(&self) -> Vec<Finding> {
        self.shared.world.borrow().oracle.as_ref().map(|o| o.findings.clone()).unwrap_or_default()
    }

    pub fn partitions(&self) -> Partitions {
        self.shared.world.borrow().partitions.clone()
    }
}

fn check_rate(name: &str, rate: f64) -> Result<(), OpError> {
    if !(0.0..=1.0).contains(&rate) {
        return Err(OpError::invalid(format!("{name} must be a number in 0..=1, got {rate}")));
    }
    Ok(())
}

fn check_latency(min_ms: u64, max_ms: u64) -> Result<(), OpError> {
    if max_ms > MAX_LATENCY_MS {
        return Err(OpError::invalid(format!("latency max must be at most {MAX_LATENCY_MS} ms, got {max_ms}")));
    }
    if min_ms > max_ms {
        return Err(OpError::invalid(format!("latency min ({min_ms}) must not exceed max ({max_ms})")));
    }
    Ok(())
}

fn check_config(c: &SimConfig) -> Result<(), OpError> {
    if !(1..=MAX_ACCEPTORS).contains(&c.acceptors) {
        return Err(OpError::invalid(format!(
            "acceptors must be an integer in 1..={MAX_ACCEPTORS}, got {}",
            c.acceptors
        )));
    }
    if !(1..=MAX_PROPOSERS).contains(&c.proposers) {
        return Err(OpError::invalid(format!(
            "proposers must be an integer in 1..={MAX_PROPOSERS}, got {}",
            c.proposers
        )));
    }
    check_latency(c.net.latency_ms_min, c.net.latency_ms_max)?;
    check_rate("drop rate", c.net.drop_request_rate)?;
    check_rate("drop rate", c.net.drop_reply_rate)?;
    check_rate("duplicateRate", c.net.duplicate_rate)?;
    if c.driver.max_attempts == 0 {
        return Err(OpError::invalid("max attempts must be at least 1"));
    }
    Ok(())
}
