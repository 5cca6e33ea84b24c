//! Membership change in the simulator (paper §2.3.1–§2.3.3): the steps [`crate::membership::plan`]
//! plans, run one after the other, each one event of kind `membership` in the log.
//!
//! - **turn on** a new acceptor: an empty node joins the network (no proposer asks it yet);
//! - **accept quorum change** / **prepare quorum change**: every proposer's operations from now on
//!   send that phase to the step's acceptors with the step's quorum; the step is complete once
//!   every operation started under the old sets ended (until then both run side by side, which
//!   the plan's check proves safe);
//! - **catch-up rescan** (§2.3.3): an identity change (a `get`, recorded in the history like any
//!   client operation) of EVERY key any acceptor holds, under the new accept sets, with progress
//!   (keys done / keys);
//! - **turn off** the removed acceptor: it leaves the network for good (ids are never reused, so
//!   a late message to an old acceptor can never reach a new one with forgotten promises).
//!
//! The coordinator is the lowest-numbered proposer that is up when a rescan issues its reads. The
//! phase sets are handed to every proposer directly (they are durable configuration, like the
//! ballot clock). A key whose rescan read failed (no quorum within its attempts) is read again
//! after a backoff; after `maxAttempts` failed reads in a row (no read succeeding in between) the change stops: its promise rejects
//! `Unavailable` and the proposers keep running with the sets of the last completed step (every
//! such state is one the plan's check proves safe). The same call again resumes it from the step
//! that stopped. One change at a time: a call while one runs is an `InvalidArgument`.

use super::engine::{Core, Invoked};
use super::trace::{EventKind, Node};
use super::world::{AcceptorNode, Due, World};
use super::Sim;
use crate::client::{Answer, AnswerSlot, OpHandle};
use crate::limits::{MAX_ACCEPTORS, MAX_CLOCK_MS};
use crate::membership::plan::{self, Config, Step, StepKind};
use crate::ops::{Op, OpError, OpId};
use crate::protocol::{Acceptor, AcceptorId, Key, ProposerId};
use serde_json::Value as Json;

/// What a change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Add(AcceptorId),
    Remove(AcceptorId),
}

impl ChangeKind {
    pub fn acceptor(self) -> AcceptorId {
        match self {
            ChangeKind::Add(a) | ChangeKind::Remove(a) => a,
        }
    }

    fn describe(self) -> String {
        match self {
            ChangeKind::Add(a) => format!("adding a{a}"),
            ChangeKind::Remove(a) => format!("removing a{a}"),
        }
    }
}

/// The membership of a run: plain data, copied with a checkpoint (the promise awaiting the
/// change is not: a copy has nobody awaiting it).
#[derive(Clone, Debug, Default)]
pub struct Membership {
    change: Option<Change>,
    /// A change that stopped `Unavailable`, and why: the same call resumes it.
    stalled: Option<(Change, String)>,
    /// Acceptors turned off by a removal (bit `a`): never up again.
    removed: u32,
    /// Proposers turned off by a removal (bit `p`, [`super::proposers`]): never up again.
    pub(super) removed_proposers: u32,
    awaited: AwaitedChange,
}

#[derive(Default)]
struct AwaitedChange(Option<Answer>);

impl Clone for AwaitedChange {
    fn clone(&self) -> Self {
        AwaitedChange(None)
    }
}

impl std::fmt::Debug for AwaitedChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AwaitedChange({})", self.0.is_some())
    }
}

#[derive(Clone, Debug)]
struct Change {
    kind: ChangeKind,
    steps: Vec<Step>,
    /// The step running.
    at: usize,
    stage: Stage,
    /// Failed attempts of the step running since it last made progress (rescan reads that ended
    /// without a quorum, in a row).
    failures: u32,
}

#[derive(Clone, Debug)]
enum Stage {
    /// The step has not begun: a change just planned or resumed (the call that starts it begins
    /// it at once), or the moment between two steps inside one tick.
    Begin,
    /// New sets are set: waiting for the operations under the old ones to end.
    Draining,
    Rescan(Rescan),
}

#[derive(Clone, Debug, Default)]
struct Rescan {
    keys: usize,
    done: usize,
    /// Reads in flight, with their key.
    running: Vec<(OpId, Key)>,
    /// Keys to read (again) at `retry_at`.
    todo: Vec<Key>,
    retry_at: u64,
}

/// A change that stopped, as `membership().stopped` shows it: the change, the step it stopped
/// at (the same call resumes it there), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoppedView {
    pub kind: ChangeKind,
    pub step: &'static str,
    pub reason: String,
}

/// The step running, as `membership().step` shows it: `{ name, acceptor, progress? }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepView {
    pub name: &'static str,
    pub acceptor: AcceptorId,
    /// The rescan's keys done and keys, while it runs.
    pub progress: Option<(usize, usize)>,
}

impl Membership {
    /// True while a change runs.
    pub fn running(&self) -> bool {
        self.change.is_some()
    }

    /// Whether acceptor `a` was removed.
    pub fn is_removed(&self, a: AcceptorId) -> bool {
        self.removed & (1 << a) != 0
    }

    /// Whether `node` (an acceptor or a proposer) was removed from the cluster.
    pub fn is_node_removed(&self, node: Node) -> bool {
        match node {
            Node::Acceptor(a) => self.is_removed(a),
            Node::Proposer(p) => self.removed_proposers & (1 << p) != 0,
        }
    }

    /// The catch-up rescan's reads in flight among `ops` go back on its to-do list, to be read
    /// again at once (from the next coordinator) without counting as failed attempts: their
    /// proposer was removed, which says nothing about the acceptors' quorum.
    pub(super) fn requeue_reads(w: &mut World, ops: &[OpId]) {
        let now = w.now;
        let Some(Change { stage: Stage::Rescan(r), .. }) = &mut w.membership.change else { return };
        let (moved, kept): (Vec<_>, Vec<_>) = r.running.drain(..).partition(|(op, _)| ops.contains(op));
        r.running = kept;
        if !moved.is_empty() {
            r.todo.extend(moved.into_iter().map(|(_, key)| key));
            r.retry_at = now;
        }
    }

    fn stopped_view(&self) -> Option<StoppedView> {
        let (c, reason) = self.stalled.as_ref()?;
        Some(StoppedView { kind: c.kind, step: c.steps[c.at].kind.name(), reason: reason.clone() })
    }

    fn step_view(&self) -> Option<StepView> {
        let c = self.change.as_ref()?;
        let progress = match &c.stage {
            Stage::Rescan(r) => Some((r.done, r.keys)),
            _ => None,
        };
        Some(StepView { name: c.steps[c.at].kind.name(), acceptor: c.kind.acceptor(), progress })
    }

    /// A rescan read of `key` ended before it started (its proposer is down).
    fn ended_at_once(w: &mut World, key: Key, result: &Result<Json, OpError>) {
        debug_assert!(result.is_err(), "a read that ends at once was refused");
        let (now, net_max) = (w.now, w.net.latency_ms_max);
        let Some(c) = &mut w.membership.change else { return };
        let Stage::Rescan(r) = &mut c.stage else { return };
        r.todo.push(key);
        c.failures += 1;
        r.retry_at = r.retry_at.max(now + backoff_ms(net_max, c.failures));
    }

    /// A rescan read ended (called for every operation that ends; others are ignored).
    pub(super) fn ended(w: &mut World, id: OpId, result: &Result<Json, OpError>) {
        let (now, net_max) = (w.now, w.net.latency_ms_max);
        let Some(c) = &mut w.membership.change else { return };
        let Stage::Rescan(r) = &mut c.stage else { return };
        let Some(i) = r.running.iter().position(|(op, _)| *op == id) else { return };
        let (_, key) = r.running.swap_remove(i);
        match result {
            Ok(_) => {
                // Progress: the step is not stuck (only reads failing in a row stop it).
                r.done += 1;
                c.failures = 0;
            }
            Err(_) => {
                r.todo.push(key);
                c.failures += 1;
                r.retry_at = r.retry_at.max(now + backoff_ms(net_max, c.failures));
            }
        }
    }
}

impl Sim {
    /// Adds an acceptor (§2.3.1/§2.3.2): resolves its id (`"a4"`) once every step ran.
    /// `InvalidArgument` while another change runs, when ids ran out (they are never reused) or
    /// the quorums are not majorities; `Unavailable` when a step could not finish.
    pub fn add_acceptor(&self) -> Result<OpHandle, OpError> {
        self.begin_change(|m, ids| match m.stalled.as_ref().map(|(c, _)| c) {
            Some(c) if matches!(c.kind, ChangeKind::Add(_)) => Ok(c.kind),
            Some(c) => Err(stalled_error(c)),
            None if ids >= MAX_ACCEPTORS => Err(OpError::invalid(format!(
                "no acceptor id left: ids a1..a{MAX_ACCEPTORS} are all taken (a removed acceptor's id is never reused)"
            ))),
            None => Ok(ChangeKind::Add(ids as AcceptorId + 1)),
        })
    }

    /// Removes acceptor `a` (the growth's steps backwards): resolves `null` once it is off.
    pub fn remove_acceptor(&self, a: AcceptorId) -> Result<OpHandle, OpError> {
        self.begin_change(|m, _| match m.stalled.as_ref().map(|(c, _)| c) {
            Some(c) if c.kind == ChangeKind::Remove(a) => Ok(c.kind),
            Some(c) => Err(stalled_error(c)),
            None => Ok(ChangeKind::Remove(a)),
        })
    }

    fn begin_change(
        &self,
        pick: impl FnOnce(&Membership, usize) -> Result<ChangeKind, OpError>,
    ) -> Result<OpHandle, OpError> {
        let answer = Answer::default();
        {
            let mut core = self.shared.core.borrow_mut();
            let core = &mut *core;
            if let Some(c) = &core.world.membership.change {
                return Err(OpError::invalid(format!(
                    "a membership change ({}) is running: one change at a time, wait for its promise",
                    c.kind.describe()
                )));
            }
            let kind = pick(&core.world.membership, core.world.acceptors.len())?;
            let change = match core.world.membership.stalled.take() {
                Some((c, _)) => c,
                None => plan_change(core, kind)?,
            };
            core.world.membership.change = Some(change);
            core.world.membership.awaited.0 = Some(answer.clone());
            core.world.count_in_flight(0);
            // The first step begins now, in the call: `membership().step` names it as soon as
            // the call returns, and its start event is in the log by then.
            tick(core);
        }
        self.settle();
        Ok(OpHandle::waiting(answer))
    }

    /// The sets proposers run with now: which acceptors each phase asks, and its quorum.
    pub fn phase_sets(&self) -> Config {
        current_config(&self.core())
    }

    /// The acceptors on the network and not removed (turned on, in a phase or not yet), sorted.
    pub fn acceptor_ids(&self) -> Vec<AcceptorId> {
        let w = self.world();
        (1..=w.acceptors.len() as AcceptorId).filter(|a| !w.membership.is_removed(*a)).collect()
    }

    /// The membership change step running, if any.
    pub fn membership_step(&self) -> Option<StepView> {
        self.world().membership.step_view()
    }

    /// The change that stopped `Unavailable` and waits to be resumed, if any.
    pub fn membership_stopped(&self) -> Option<StoppedView> {
        self.world().membership.stopped_view()
    }
}

fn stalled_error(c: &Change) -> OpError {
    let (kind, step) = (c.kind, c.steps[c.at].kind.name());
    let again = match kind {
        ChangeKind::Add(_) => "addAcceptor()".to_owned(),
        ChangeKind::Remove(a) => format!("removeAcceptor(\"a{a}\")"),
    };
    OpError::invalid(format!(
        "the change {} stopped at its step '{step}' (Unavailable): call {again} again to finish it first",
        kind.describe()
    ))
}

fn current_config(core: &Core) -> Config {
    if let Some(p) = core.runtime.phases() {
        return p.clone();
    }
    let n = core.world.acceptors.len();
    let q = core.runtime.config(1).quorums(n);
    let nodes: Vec<AcceptorId> = (1..=n as AcceptorId).collect();
    Config {
        prepare: plan::PhaseSet { nodes: nodes.clone(), quorum: q.prepare },
        accept: plan::PhaseSet { nodes, quorum: q.accept },
    }
}

fn plan_change(core: &Core, kind: ChangeKind) -> Result<Change, OpError> {
    let current = current_config(core);
    let steps = match kind {
        ChangeKind::Add(a) => plan::grow(&current, a),
        ChangeKind::Remove(a) => plan::shrink(&current, a),
    }
    .map_err(|e| OpError::invalid(format!("cannot change the membership: {e}")))?;
    debug_assert_eq!(plan::check(&current, &steps), Ok(()), "a planned change is safe");
    Ok(Change { kind, steps, at: 0, stage: Stage::Begin, failures: 0 })
}

/// Runs the change one tick on (a scheduled [`Due::Membership`], or the call that starts or
/// resumes it). A step that finishes begins the next one in the same instant, so the step
/// `membership().step` names is always the one whose start event was logged last and not yet done.
pub(super) fn tick(core: &mut Core) {
    let Some(mut c) = core.world.membership.change.take() else { return };
    let mut finished = match &mut c.stage {
        Stage::Begin => begin(core, &mut c),
        Stage::Draining => core.runtime.running_under_old_phases() == 0,
        Stage::Rescan(r) => {
            let max = core.runtime.config(1).max_attempts.max(1);
            if c.failures >= max {
                core.world.membership.change = Some(c);
                return stall(core, max);
            }
            // A retry due past the end of time is due at the end: this tick runs there once
            // nothing else is due (`World::past_end`), and the clock will not move again.
            if !r.todo.is_empty() && core.world.now >= r.retry_at.min(MAX_CLOCK_MS) {
                let keys = std::mem::take(&mut r.todo);
                core.world.membership.change = Some(c);
                issue_reads(core, keys);
                c = core.world.membership.change.take().expect("put back");
            }
            progress_done(&c)
        }
    };
    while finished {
        log(&mut core.world, &c, c.steps[c.at].kind.name(), "done".into());
        c.at += 1;
        c.failures = 0;
        c.stage = Stage::Begin;
        if c.at == c.steps.len() {
            return finish(core, c);
        }
        finished = begin(core, &mut c);
    }
    debug_assert!(!matches!(c.stage, Stage::Begin), "a step that has not begun is never left waiting");
    core.world.membership.change = Some(c);
    let next = core.world.now + round_trip_ms(&core.world);
    core.world.schedule(next, Due::Membership);
}

fn progress_done(c: &Change) -> bool {
    matches!(&c.stage, Stage::Rescan(r) if r.done == r.keys && r.running.is_empty() && r.todo.is_empty())
}

/// Starts the change's step `c.at` (logging its start event); true when it is complete at once.
fn begin(core: &mut Core, c: &mut Change) -> bool {
    let step = c.steps[c.at].clone();
    let name = step.kind.name();
    match step.kind {
        StepKind::TurnOn(a) => {
            turn_on(&mut core.world, a);
            log(&mut core.world, c, name, format!("a{a} joins the network, empty; no proposer asks it yet"));
            true
        }
        StepKind::TurnOff(a) => {
            let w = &mut core.world;
            w.membership.removed |= 1 << a;
            w.acceptors[a as usize - 1].up = false;
            log(w, c, name, format!("a{a} leaves the network for good"));
            true
        }
        StepKind::Accept | StepKind::Prepare => {
            core.runtime.set_phases(step.config.clone());
            let set = if step.kind == StepKind::Accept { &step.config.accept } else { &step.config.prepare };
            let text =
                format!("{} of {{{}}}; waiting for operations under the old sets", set.quorum, names(&set.nodes));
            log(&mut core.world, c, name, text);
            c.stage = Stage::Draining;
            core.runtime.running_under_old_phases() == 0
        }
        StepKind::Rescan => begin_rescan(core, c, name),
    }
}

fn begin_rescan(core: &mut Core, c: &mut Change, name: &'static str) -> bool {
    let config = core.runtime.config(1).clone();
    let mut keys = every_key(&core.world);
    let total = keys.len();
    if config.break_skip_rescan {
        keys.clear();
    } else if config.break_rescan_one_key {
        keys.truncate(1);
    }
    let text = match (total, keys.len()) {
        (1, 1) => "an identity change of the one key the acceptors hold".to_owned(),
        (t, k) if t == k => format!("an identity change of each of the {t} keys the acceptors hold"),
        (t, k) => format!("BROKEN: re-writes {k} of the {} the acceptors hold", crate::ops::counted(t as u32, "key")),
    };
    log(&mut core.world, c, name, text);
    c.stage = Stage::Rescan(Rescan { keys: keys.len(), ..Rescan::default() });
    core.world.membership.change = Some(c.clone());
    issue_reads(core, keys);
    *c = core.world.membership.change.take().expect("put back");
    progress_done(c)
}

/// Every key any acceptor on the network holds, sorted.
fn every_key(w: &World) -> Vec<Key> {
    let mut keys = Vec::new();
    for (i, node) in w.acceptors.iter().enumerate() {
        if !w.membership.is_removed(i as AcceptorId + 1) {
            keys.extend(node.state.slots().map(|(k, _)| k.clone()));
        }
    }
    crate::sorting::sorted_and_deduplicated_by_key(keys, |k| k)
}

/// Issues a rescan read of each of `keys` (the change is in `core`, in its rescan).
fn issue_reads(core: &mut Core, keys: Vec<Key>) {
    let coordinator = coordinator(&core.world);
    for key in keys {
        match core.invoke(coordinator, &key, Op::Get, None) {
            Invoked::Running(id) => rescan(core).running.push((id, key)),
            Invoked::Ended(result) => Membership::ended_at_once(&mut core.world, key, &result),
        }
    }
}

fn rescan(core: &mut Core) -> &mut Rescan {
    match &mut core.world.membership.change {
        Some(Change { stage: Stage::Rescan(r), .. }) => r,
        _ => unreachable!("reads are issued during a rescan"),
    }
}

/// The lowest-numbered proposer that is up (the lowest member when none is: its reads fail and
/// are retried). A removed proposer is never up.
fn coordinator(w: &World) -> ProposerId {
    w.proposer_up.iter().position(|up| *up).map_or_else(|| super::proposers::first_member(w), |i| i as ProposerId + 1)
}

fn turn_on(w: &mut World, a: AcceptorId) {
    assert_eq!(a as usize, w.acceptors.len() + 1, "acceptor ids are handed out in order, never reused");
    w.acceptors.push(AcceptorNode { up: true, state: Acceptor::default() });
    w.partitions.add_acceptor();
}

fn stall(core: &mut Core, max: u32) {
    let mut c = core.world.membership.change.take().expect("running");
    let name = c.steps[c.at].kind.name();
    let attempts = failed_attempts(max);
    let reason = format!("no quorum after {attempts}");
    let message = format!(
        "the change {} stopped at its step '{name}' after {attempts} (no quorum); proposers keep the sets \
         of the last completed step; call it again to finish it",
        c.kind.describe()
    );
    log(&mut core.world, &c, "stopped", message.clone());
    c.stage = Stage::Begin;
    c.failures = 0;
    core.world.membership.stalled = Some((c, reason));
    answer(core, Err(OpError::unavailable(false, message)));
}

fn finish(core: &mut Core, c: Change) {
    let result = match c.kind {
        ChangeKind::Add(a) => Json::String(Node::Acceptor(a).to_string()),
        ChangeKind::Remove(_) => Json::Null,
    };
    log(&mut core.world, &c, "done", format!("{}: done", c.kind.describe()));
    answer(core, Ok(result));
}

fn answer(core: &mut Core, result: Result<Json, OpError>) {
    core.world.count_in_flight(0);
    if let Some(answer) = core.world.membership.awaited.0.take() {
        AnswerSlot::answer(&answer, result);
    }
}

fn log(w: &mut World, c: &Change, step: &'static str, text: String) {
    let progress = match &c.stage {
        Stage::Rescan(r) => Some((r.done, r.keys)),
        _ => None,
    };
    w.log(EventKind::Membership { node: Node::Acceptor(c.kind.acceptor()), step, progress, text });
}

fn names(nodes: &[AcceptorId]) -> String {
    nodes.iter().map(|a| format!("a{a}")).collect::<Vec<_>>().join(",")
}

/// "1 failed attempt", "2 failed attempts": how many tries a stopped step (a change's, or a
/// collection's, `super::gc`) made.
pub(super) fn failed_attempts(n: u32) -> String {
    crate::ops::counted(n, "failed attempt")
}

/// One round trip at the network's slowest: the pause between two ticks.
fn round_trip_ms(w: &World) -> u64 {
    (2 * w.net.latency_ms_max).max(1)
}

/// The wait before reading a key again after `failures` failed reads.
fn backoff_ms(latency_ms_max: u64, failures: u32) -> u64 {
    let base = 4 * latency_ms_max + 1;
    (base << failures.min(4)).min(16 * base)
}

#[cfg(test)]
#[path = "membership_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "membership_timing_tests.rs"]
mod timing_tests;
