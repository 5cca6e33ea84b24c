//! Deletion with garbage collection (paper §3.1).
//!
//! `delete` writes a tombstone (the register with value `null`) like any change. Collecting it
//! — erasing the register from the acceptors — is safe only after the paper's three steps, each
//! one event of kind `gc` in the log:
//!
//! - **(a) replicate**: an identity change of the key under a fresh ballot `g` with the *full*
//!   quorum: every acceptor promises `g`, then every acceptor accepts the tombstone under `g`. A
//!   register that is not a tombstone any more (written again) ends the collection: nothing to erase.
//! - **(b) invalidate**: every proposer forgets its cached round of the key (§2.2.1) and
//!   fast-forwards its ballot clock past `g`; a proposer with an operation on the key in flight
//!   makes the step wait (its retries could find their exactly-once markers in the tombstone).
//! - **(c) erase**: every acceptor erases the register if it still holds what was accepted under
//!   `g` (a later round moved it on otherwise). An acceptor keeps the erased register's highest
//!   ballot as a floor for registers it creates later ([`crate::protocol::Acceptor::erase`]) — this
//!   implementation's form of the paper's proposer "age": a late message of a round from before
//!   the erase is refused.
//!
//! The collector runs on a proposer's node (the one that deleted, or the one `gc()` names) and
//! talks to each node directly at the instant of a step: a step needs its coordinator and every
//! node it visits up and reachable from it (partitions apply, message loss does not). A step that
//! cannot finish is retried after a backoff (doubling, up to the driver's attempts); a collection
//! that gives up ends `Unavailable` and leaves every acceptor either holding the tombstone or
//! erased behind its floor, which no later round can resurrect.
//!
//! Each collection is an operation `gc` in the history: the checker treats it as "may reset the
//! key's tombstone to a never-written register (version 0), once, any time after it was invoked,
//! or never" — which register a later read sees (the tombstone at its version, or version 0)
//! is decided by the first round a quorum accepts.

use super::membership::failed_attempts;
use super::trace::{EventKind, Node};
use super::world::{Due, World};
use super::{check_key, Sim};
use crate::client::{Answer, AnswerSlot, OpHandle};
use crate::driver::Runtime;
use crate::json_object::object;
use crate::ops::{OpError, OpId, Val};
use crate::protocol::{AcceptorId, Ballot, Key, ProposerId, Reply, Request};
use serde_json::Value as Json;
use std::fmt;

/// The history's name of a collection.
pub const GC_OP: crate::ops::OpKind = crate::ops::OpKind::Gc;

/// The collections of a run: plain data, copied with a checkpoint.
#[derive(Clone, Debug, Default)]
pub struct Collector {
    /// Collections by job index; `None` once ended (a later collection reuses the slot: no
    /// step of an ended one is scheduled any more).
    jobs: Vec<Option<Job>>,
    /// Collections running: the `Some`s of `jobs`.
    running: usize,
    /// Keys a `delete` ended on that no collection started for since: sorted, each once (a
    /// sorted `Vec`, whose code the wasm shares, not one more `BTreeSet`: README, "wasm size").
    deleted: Vec<Key>,
    /// Collect each deleted key this long (virtual ms) after its delete ends; `None`: only on `gc()`.
    pub delay_ms: Option<u64>,
}

#[derive(Clone, Debug)]
struct Job {
    /// The history record of this collection.
    op: OpId,
    key: Key,
    /// The node the collector runs on.
    proposer: ProposerId,
    stage: Stage,
    /// Attempts of the current step that could not finish.
    failures: u32,
    /// Acceptors that erased the register.
    erased: u32,
}

#[derive(Clone, Debug)]
enum Stage {
    /// (a), phase 1: every acceptor promises a fresh ballot.
    Prepare,
    /// (a), phase 2: every acceptor accepts the tombstone under `ballot`.
    Accept { ballot: Ballot, tombstone: Val },
    /// (b): every proposer forgets its cached round and fast-forwards past `ballot`.
    Invalidate { ballot: Ballot },
    /// (c): the acceptors in `left` erase the register if it is still the one of `ballot`.
    Erase { ballot: Ballot, left: Vec<AcceptorId> },
    /// The break-it twin: erase every tombstone at once.
    Naive,
}

/// The step names events carry (`gc` events' `step`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcStep {
    Start,
    Replicate,
    Invalidate,
    Erase,
    Retry,
    Done,
}

impl GcStep {
    pub fn as_str(self) -> &'static str {
        match self {
            GcStep::Start => "start",
            GcStep::Replicate => "replicate",
            GcStep::Invalidate => "invalidate",
            GcStep::Erase => "erase",
            GcStep::Retry => "retry",
            GcStep::Done => "done",
        }
    }
}

impl fmt::Display for GcStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one step did.
enum Outcome {
    /// The step finished: the next one runs one round trip later.
    Next(Stage, String),
    /// The step could not finish: retried after a backoff.
    Blocked(String),
    /// The collection ended.
    Ended(Result<Json, OpError>, String),
}

impl Collector {
    pub fn new(delay_ms: Option<u64>) -> Collector {
        Collector { delay_ms, ..Collector::default() }
    }

    /// A `delete` ended on `key`: remember it, and with a delay, schedule its collection.
    pub(super) fn deleted(w: &mut World, key: &Key, proposer: ProposerId) {
        w.gc.remember(key);
        if let Some(delay) = w.gc.delay_ms {
            w.schedule(w.now.saturating_add(delay), Due::GcStart { key: key.clone(), proposer });
        }
    }

    /// Keys deleted and not collected since.
    pub fn pending_keys(&self) -> Vec<Key> {
        self.deleted.clone()
    }

    fn remember(&mut self, key: &Key) {
        if let Err(at) = self.deleted.binary_search(key) {
            self.deleted.insert(at, key.clone());
        }
    }

    fn forget(&mut self, key: &Key) {
        if let Ok(at) = self.deleted.binary_search(key) {
            self.deleted.remove(at);
        }
    }

    /// Collections running.
    pub fn running(&self) -> usize {
        debug_assert_eq!(self.running, self.jobs.iter().flatten().count());
        self.running
    }
}

impl Sim {
    /// Collects `key` now, from `proposer`'s node (§3.1). Resolves `{ erased }` (how many
    /// acceptors erased the register; 0 when the key is not a tombstone), or `Unavailable` when a
    /// step could not finish within the driver's attempts (nothing resurrectable is left behind).
    pub fn gc(&self, key: &str, proposer: ProposerId) -> Result<OpHandle, OpError> {
        check_key(key)?;
        self.check_member(Node::Proposer(proposer))?;
        let id = {
            let mut core = self.shared.core.borrow_mut();
            let core = &mut *core;
            start(&mut core.world, &core.runtime, &key.into(), proposer)
        };
        let answer = Answer::default();
        self.shared.core.borrow_mut().world.awaited.0.insert(id, answer.clone());
        self.settle();
        Ok(OpHandle::waiting(answer))
    }

    /// Collects every key deleted since its last collection, each as [`Sim::gc`], in key order.
    pub fn gc_deleted(&self, proposer: ProposerId) -> Result<Vec<(Key, OpHandle)>, OpError> {
        self.check_member(Node::Proposer(proposer))?;
        let keys = self.shared.core.borrow().world.gc.pending_keys();
        keys.into_iter().map(|k| self.gc(&k, proposer).map(|h| (k, h))).collect()
    }

    /// Collects each deleted key `ms` virtual ms after its delete ends (from the next delete on);
    /// `None`: only when asked.
    pub fn set_gc_delay(&self, ms: Option<u64>) {
        self.shared.core.borrow_mut().world.gc.delay_ms = ms;
    }

    pub fn gc_delay(&self) -> Option<u64> {
        self.shared.core.borrow().world.gc.delay_ms
    }

    /// Keys deleted and not collected since, sorted.
    pub fn gc_pending(&self) -> Vec<Key> {
        self.shared.core.borrow().world.gc.pending_keys()
    }

    /// Garbage collections running now.
    pub fn gc_running(&self) -> usize {
        self.shared.core.borrow().world.gc.running()
    }
}

/// Starts collecting `key` on `proposer`'s node now: its history record's id. (Two collections
/// of one key may run at once: each is the whole protocol, and the later ballot wins.)
pub(super) fn start(w: &mut World, runtime: &Runtime, key: &Key, proposer: ProposerId) -> OpId {
    w.gc.forget(key);
    let op = w.record_invoke(proposer, key, GC_OP, Json::Null);
    let stage = if runtime.config(proposer).break_erase_without_gc { Stage::Naive } else { Stage::Prepare };
    let job = Job { op, key: key.clone(), proposer, stage, failures: 0, erased: 0 };
    log(w, &job, GcStep::Start, format!("collect the tombstone of {key}"));
    let index = match w.gc.jobs.iter().position(Option::is_none) {
        Some(free) => free,
        None => {
            w.gc.jobs.push(None);
            w.gc.jobs.len() - 1
        }
    };
    w.gc.jobs[index] = Some(job);
    w.gc.running += 1;
    w.count_in_flight(0);
    w.schedule(w.now, Due::Gc(index));
    op
}

/// Runs the next step of collection `index` (a scheduled [`Due::Gc`]).
pub(super) fn step(w: &mut World, runtime: &mut Runtime, index: usize) {
    let Some(mut job) = w.gc.jobs.get_mut(index).and_then(Option::take) else { return };
    let (outcome, step) = match job.stage.clone() {
        Stage::Prepare => (prepare(w, runtime, &job), GcStep::Replicate),
        Stage::Accept { ballot, tombstone } => (accept(w, runtime, &mut job, ballot, tombstone), GcStep::Replicate),
        Stage::Invalidate { ballot } => (invalidate(w, runtime, &job, ballot), GcStep::Invalidate),
        Stage::Erase { ballot, left } => (erase(w, &mut job, ballot, left), GcStep::Erase),
        Stage::Naive => (naive(w, &job), GcStep::Erase),
    };
    match outcome {
        Outcome::Next(stage, text) => {
            log(w, &job, step, text);
            job.stage = stage;
            job.failures = 0;
            let at = w.now + round_trip_ms(w);
            w.gc.jobs[index] = Some(job);
            w.schedule(at, Due::Gc(index));
        }
        Outcome::Blocked(why) => {
            job.failures += 1;
            let max_attempts = runtime.config(job.proposer).max_attempts.max(1);
            if job.failures >= max_attempts {
                let message =
                    format!("the collection stopped at step {step}: {why} ({})", failed_attempts(job.failures));
                return end(w, job, Err(OpError::unanswered(false, &message)), message);
            }
            let delay = backoff_ms(w, job.failures);
            log(w, &job, GcStep::Retry, format!("{step} blocked: {why}; again in {delay} ms"));
            if let Some(record) = w.history.in_flight_mut(job.op) {
                record.attempts = job.failures + 1; // what the page's row shows while it waits
            }
            w.gc.jobs[index] = Some(job);
            w.schedule(w.now + delay, Due::Gc(index));
        }
        Outcome::Ended(result, text) => end(w, job, result, text),
    }
}

fn end(w: &mut World, job: Job, result: Result<Json, OpError>, text: String) {
    w.gc.running -= 1;
    w.count_in_flight(0);
    if result.is_err() {
        // Not collected: the key stays on the to-do list, so the next `gc()` tries it again.
        w.gc.remember(&job.key);
    }
    log(w, &job, GcStep::Done, text);
    w.record_end(job.op, &result);
    if let Some(answer) = w.awaited.0.remove(&job.op) {
        AnswerSlot::answer(&answer, result);
    }
}

fn log(w: &mut World, job: &Job, step: GcStep, text: String) {
    w.log(EventKind::Gc { op: job.op, proposer: job.proposer, key: job.key.clone(), step, text });
}

/// One round trip at the network's slowest: the pause between two steps.
fn round_trip_ms(w: &World) -> u64 {
    (2 * w.net.latency_ms_max).max(1)
}

/// The wait before attempt `failures + 1` of a step that could not finish.
fn backoff_ms(w: &World, failures: u32) -> u64 {
    let base = 4 * w.net.latency_ms_max + 1;
    (base << failures.min(4)).min(16 * base)
}

/// Why `node` cannot be reached from the collector on `proposer`, if it cannot.
fn unreachable(w: &World, proposer: ProposerId, node: Node) -> Option<String> {
    let me = Node::Proposer(proposer);
    if !w.is_up(me) {
        Some(format!("{me} (the collector's node) is down"))
    } else if !w.is_up(node) {
        Some(format!("{node} is down"))
    } else if !w.partitions.can_talk(me, node) {
        Some(format!("{node} is partitioned from {me}"))
    } else {
        None
    }
}

/// Every acceptor on the network (a removed one is not).
fn all_acceptors(w: &World) -> Vec<AcceptorId> {
    (1..=w.acceptors.len() as AcceptorId).filter(|a| !w.membership.is_removed(*a)).collect()
}

fn first_unreachable(w: &World, proposer: ProposerId, nodes: impl IntoIterator<Item = Node>) -> Option<String> {
    nodes.into_iter().find_map(|n| unreachable(w, proposer, n))
}

/// Acceptor `a` handles `request` (directly: the collector's call), as it would a message.
fn handle(w: &mut World, a: AcceptorId, request: Request<Val>) -> Reply<Val> {
    let key = request.key().clone();
    let reply = w.acceptors[a as usize - 1].state.handle(request);
    w.observe(a, &key);
    reply
}

/// (a), phase 1: the full quorum promises a fresh ballot and reports what it accepted.
fn prepare(w: &mut World, runtime: &mut Runtime, job: &Job) -> Outcome {
    let acceptors = all_acceptors(w);
    if let Some(why) = first_unreachable(w, job.proposer, acceptors.iter().map(|&a| Node::Acceptor(a))) {
        return Outcome::Blocked(why);
    }
    let ballot = runtime.next_ballot(job.proposer);
    let mut highest: Option<(Ballot, Val)> = None;
    for a in acceptors {
        match handle(w, a, Request::Prepare { key: job.key.clone(), ballot }) {
            Reply::Promise { accepted, .. } => {
                if accepted.as_ref().is_some_and(|(b, _)| highest.as_ref().is_none_or(|(h, _)| b > h)) {
                    highest = accepted;
                }
            }
            Reply::Conflict { blocking, .. } => {
                runtime.observe_ballot(job.proposer, blocking);
                return Outcome::Blocked(format!("a{a} refused prepare {ballot}: it saw {blocking}"));
            }
            Reply::Accepted { .. } | Reply::Leased { .. } => {
                unreachable!("a prepare is answered by a promise or a conflict")
            }
        }
    }
    match highest {
        None => Outcome::Ended(Ok(object! { "erased": 0 }), "nothing to collect: no acceptor holds the key".into()),
        Some((_, value)) if !value.value.is_null() => Outcome::Ended(
            Ok(object! { "erased": 0 }),
            format!("nothing to collect: the key holds {} (version {}), not a tombstone", value.value, value.version),
        ),
        Some((_, tombstone)) => {
            let text = format!("every acceptor promised {ballot}; the tombstone is at version {}", tombstone.version);
            Outcome::Next(Stage::Accept { ballot, tombstone }, text)
        }
    }
}

/// (a), phase 2: the full quorum accepts the tombstone under the ballot it promised.
fn accept(w: &mut World, runtime: &mut Runtime, job: &mut Job, ballot: Ballot, tombstone: Val) -> Outcome {
    let acceptors = all_acceptors(w);
    if let Some(why) = first_unreachable(w, job.proposer, acceptors.iter().map(|&a| Node::Acceptor(a))) {
        return Outcome::Blocked(why);
    }
    let count = acceptors.len();
    for a in acceptors {
        // No read lease is asked for, and none is in the way: a lease holder keeps reading the
        // same tombstone (this accept is an identity change), and step (b) ends its lease before
        // step (c) erases.
        let request = Request::Accept {
            key: job.key.clone(),
            ballot,
            value: tombstone.clone(),
            next_promise: None,
            lease_ms: None,
        };
        if let Reply::Conflict { blocking, .. } = handle(w, a, request) {
            runtime.observe_ballot(job.proposer, blocking);
            // The full quorum is lost for this ballot: step (a) starts over under a higher one,
            // after a backoff that counts (two collections of one key must not duel forever).
            job.stage = Stage::Prepare;
            return Outcome::Blocked(format!("a{a} refused accept {ballot} (it saw {blocking})"));
        }
    }
    Outcome::Next(Stage::Invalidate { ballot }, format!("all {count} acceptors accepted the tombstone under {ballot}"))
}

/// (b): every proposer up forgets its cached round of the key (and its read lease on it) and
/// fast-forwards past `ballot`. A proposer that is down has no cache, lease or operation (it lost
/// them when it crashed).
fn invalidate(w: &mut World, runtime: &mut Runtime, job: &Job, ballot: Ballot) -> Outcome {
    let proposers: Vec<ProposerId> = (1..=w.proposer_up.len() as ProposerId).collect();
    let up: Vec<ProposerId> = proposers.into_iter().filter(|&p| w.is_up(Node::Proposer(p))).collect();
    if let Some(why) = first_unreachable(w, job.proposer, up.iter().map(|&p| Node::Proposer(p))) {
        return Outcome::Blocked(why);
    }
    for &p in &up {
        if !runtime.collect_key(p, &job.key, ballot) {
            return Outcome::Blocked(format!("p{p} has an operation on {} in flight", job.key));
        }
    }
    let acceptors = all_acceptors(w);
    let text = format!("proposers {} forgot their cached round and moved past {ballot}", names('p', &up));
    Outcome::Next(Stage::Erase { ballot, left: acceptors }, text)
}

/// (c): each acceptor reachable erases the register if it is still the tombstone of `ballot`;
/// those not reachable are visited again later.
fn erase(w: &mut World, job: &mut Job, ballot: Ballot, left: Vec<AcceptorId>) -> Outcome {
    let (mut still, mut erased, mut kept, mut why) = (Vec::new(), Vec::new(), Vec::new(), String::new());
    for a in left {
        match unreachable(w, job.proposer, Node::Acceptor(a)) {
            Some(reason) => {
                why = reason;
                still.push(a);
            }
            None if w.acceptors[a as usize - 1].state.erase(&job.key, ballot) => {
                w.observe(a, &job.key);
                erased.push(a);
            }
            None => kept.push(a),
        }
    }
    job.erased += erased.len() as u32;
    let mut text = format!("{} erased the register", names('a', &erased));
    if !kept.is_empty() {
        text += &format!("; {} had moved on (kept)", names('a', &kept));
    }
    if still.is_empty() {
        let (total, count) = (job.erased, w.acceptors.len());
        return Outcome::Ended(
            Ok(object! { "erased": total }),
            format!("{text}; {total} of {count} acceptors erased it"),
        );
    }
    if !erased.is_empty() || !kept.is_empty() {
        log(w, job, GcStep::Erase, text);
    }
    job.stage = Stage::Erase { ballot, left: still };
    Outcome::Blocked(why)
}

/// The break-it twin: every acceptor reachable forgets a tombstone it holds, whatever the others
/// hold. The paper's counterexample: A(2:42) B(3:∅) C(3:∅) → erase B and C → A's 42 is back.
fn naive(w: &mut World, job: &Job) -> Outcome {
    let mut erased = Vec::new();
    for a in all_acceptors(w) {
        let node = &w.acceptors[a as usize - 1];
        let tombstone =
            node.state.slot(&job.key).and_then(|s| s.accepted.as_ref()).is_some_and(|(_, v)| v.value.is_null());
        if unreachable(w, job.proposer, Node::Acceptor(a)).is_none() && tombstone {
            w.acceptors[a as usize - 1].state.forget(&job.key);
            erased.push(a);
        }
    }
    let text = format!("BROKEN: {} forgot the tombstone without the GC protocol", names('a', &erased));
    Outcome::Ended(Ok(object! { "erased": erased.len() }), text)
}

fn names(role: char, ids: &[u8]) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    ids.iter().map(|i| format!("{role}{i}")).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
#[path = "gc_tests.rs"]
mod tests;
