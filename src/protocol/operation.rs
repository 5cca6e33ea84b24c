//! One client operation of a proposer, from start to answer: `change(key, f)` (§2.2) with
//! retries, the one-round-trip cache (§2.2.1) and exactly-once markers, as a sans-IO state
//! machine.
//!
//! Inputs are [`Operation::start`], [`Operation::handle_reply`], [`Operation::handle_timeout`] and
//! [`Operation::handle_backoff`], each given the current time; outputs are polled as data:
//! [`Operation::poll_note`], [`Operation::poll_transmit`], [`Operation::poll_timeout`],
//! [`Operation::poll_backoff`] and [`Operation::poll_outcome`]. No IO, no clock, no RNG: the
//! driver draws the random backoff and hands it in.
//!
//! The rules that decide an answer, each unit-tested below:
//! 1. **A fresh ballot every attempt** (§2.1): a ballot is never reused for another value.
//! 2. **The cache is only a head start** (§2.2.1): a cached round may only propose an accept;
//!    any failed accept drops it, and a retry always starts with a prepare.
//! 3. **No answer without a quorum**: every answer, ok or refusal, is given only after a quorum
//!    accepted the state it was computed on, in this operation. A refusal, like a read, writes the
//!    state it saw back (an identity accept) before refusing: the highest accepted value of a
//!    prepare quorum may sit on a minority only and be lost later. This also seals the state
//!    after an uncertain attempt, so an earlier accept of ours that reached a minority can never
//!    be adopted afterwards.
//! 4. **Exactly once**: a register that carries this operation's marker already reflects it: the
//!    operation writes it back and answers what the earlier attempt answered.

use super::ballot::{AcceptorId, Ballot, BallotClock, ProposerId};
use super::message::{Key, Reply, Request};
use super::proposer::{AcceptRound, PrepareRound, Progress};
use super::quorums::Quorums;
use crate::membership::plan::Config as PhaseSets;
use crate::ops::{Op, OpError, OpId, Val};
use serde_json::Value as Json;
use std::collections::VecDeque;
use std::rc::Rc;

/// How proposers behave. The `break_*` switches are deliberately wrong: negative controls for the
/// tests' oracles and the playground's "break it" toggles. Never on in a correct run.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposerConfig {
    /// §2.2.1: cache the last accepted value per key and piggyback the next prepare on the accept.
    pub one_rtt: bool,
    /// Attempts per operation before it fails with `Unavailable`.
    pub max_attempts: u32,
    /// Flexible quorums (§2.3): the size of each phase's quorum; `None` is a majority for both.
    /// Checked by [`Quorums::check`] where a cluster is built.
    pub quorums: Option<Quorums>,
    /// Wrong: use this quorum instead of a majority (e.g. 1 of 3).
    pub break_quorum: Option<usize>,
    /// Wrong (Gryadka's bug): after an accept that timed out, fail the operation but keep its
    /// ballot cached, so the next change reuses it for another value.
    pub break_reuse_ballot: bool,
    /// Wrong: take any accepted value from the promises, not the highest.
    pub break_take_any_accepted: bool,
    /// Wrong: ignore the exactly-once markers and reapply a change after an uncertain attempt.
    pub break_blind_retry: bool,
    /// Wrong: quorums that do not intersect ([`Quorums::disjoint`]: prepare + accept = N).
    pub break_disjoint_quorums: bool,
    /// Operations on one key of this proposer that go out as one round: the first one queued
    /// takes up to `batch_max - 1` of those queued behind it along ([`super::batch`]). 1: off.
    pub batch_max: usize,
    /// Read leases ([`super::lease`]): a read's accept asks the acceptors for a lease of this
    /// many ms (by their own clocks); `None`: off.
    pub lease_ms: Option<u64>,
    /// The stated bound on every node's clock rate error, in parts per million: the simulator
    /// draws each node's clock within it, and a lease holder shortens its lease by it.
    pub clock_drift_ppm: u32,
    /// Wrong: a lease holder trusts its lease for the whole duration, beyond the drift bound.
    pub break_trust_lease: bool,
    /// Most keys of this proposer with operations admitted at once (issue 14 §2; see
    /// `driver::pipeline`); the rest wait in invocation order. `None`: no bound.
    pub pipeline: Option<usize>,
    /// Wrong (§3.1's counterexample): a garbage collection run through this proposer erases the
    /// tombstones it finds at once, without replicating them to every acceptor first.
    pub break_erase_without_gc: bool,
    /// Wrong (§2.3.3 skipped): a membership change coordinated by this proposer moves the
    /// prepare quorum without the catch-up rescan.
    pub break_skip_rescan: bool,
    /// Wrong (a published Go implementation's bug): the catch-up rescan of a membership change
    /// coordinated by this proposer re-writes one key only.
    pub break_rescan_one_key: bool,
}

impl Default for ProposerConfig {
    fn default() -> Self {
        ProposerConfig {
            one_rtt: true,
            max_attempts: 16,
            quorums: None,
            break_quorum: None,
            break_reuse_ballot: false,
            break_take_any_accepted: false,
            break_blind_retry: false,
            break_disjoint_quorums: false,
            batch_max: 1,
            lease_ms: None,
            clock_drift_ppm: 0,
            break_trust_lease: false,
            pipeline: None,
            break_erase_without_gc: false,
            break_skip_rescan: false,
            break_rescan_one_key: false,
        }
    }
}

impl ProposerConfig {
    /// The quorum of each phase among `acceptors`: a majority (§2.2) or the configured flexible
    /// quorums (§2.3), unless broken on purpose.
    pub fn quorums(&self, acceptors: usize) -> Quorums {
        if let Some(q) = self.break_quorum {
            let q = q.clamp(1, acceptors.max(1));
            return Quorums { prepare: q, accept: q };
        }
        let chosen = self.quorums.unwrap_or_else(|| Quorums::majority(acceptors));
        if self.break_disjoint_quorums {
            return chosen.disjoint(acceptors);
        }
        chosen
    }
}

/// Timers of one attempt, in virtual ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How long a phase waits for a quorum.
    pub phase_timeout_ms: u64,
    /// Backoff before attempt `k` (k >= 2) is uniform in `1..=min(base << (k-2), max)`.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// The shortest possible round trip: a bound on how fast a competing proposer can issue ballots.
    pub min_round_trip_ms: u64,
}

impl Timing {
    /// The backoff window before attempt `attempt` (>= 2).
    pub fn backoff_window_ms(&self, attempt: u32) -> u64 {
        let doubled = self.backoff_base_ms.max(1) << attempt.saturating_sub(2).min(20);
        doubled.min(self.backoff_max_ms.max(1))
    }
}

/// What happened, for the environment to log or count.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// A phase ended without a quorum.
    Timeout { proposer: ProposerId, key: Key, ballot: Ballot, phase: Phase },
    /// A phase was refused by enough acceptors to make a quorum impossible.
    Conflict { proposer: ProposerId, key: Key, ballot: Ballot, blocking: Ballot },
    /// An attempt after the first is about to back off and start.
    Retry { proposer: ProposerId, op: OpId, attempt: u32 },
    /// An accept carrying this operation's change is about to be sent: from now on the operation
    /// may have been applied, whatever happens to this proposer.
    MayApply { op: OpId },
    /// The operation was evaluated on the register `seen` at `at_ms`, deciding to write `wrote`
    /// (`None`: write `seen` back, as a read or before a refusal). A linearizability checker uses
    /// this for operations whose effect it cannot recompute (an opaque change function, a lock's
    /// expiry). The last evaluation of an operation is the one its answer came from.
    Evaluated { op: OpId, seen: Val, at_ms: u64, wrote: Option<Val> },
    /// `proposer` holds a read lease on `key` ([`super::lease`]) until its own clock reads
    /// `until_local_ms`.
    Leased { proposer: ProposerId, key: Key, until_local_ms: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Prepare,
    Accept,
}

/// A round the next operation on a key may start with, skipping phase 1 (§2.2.1).
///
/// Invariant: a quorum promised `ballot` when it accepted `value`, and no accept was sent under
/// `ballot` yet.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedRound {
    pub ballot: Ballot,
    pub value: Val,
}

/// Where the operation is.
#[derive(Clone, Debug)]
enum Stage {
    NotStarted,
    Preparing {
        round: PrepareRound<Val>,
        deadline_ms: u64,
    },
    Accepting {
        round: AcceptRound,
        deadline_ms: u64,
        plan: Plan,
        next_promise: Option<Ballot>,
        /// When the accept was sent, and whether it asked for a read lease ([`super::lease`]).
        sent_ms: u64,
        lease_asked: bool,
    },
    /// A phase failed: waiting for the driver to draw a backoff in `1..=window_ms`.
    MustBackOff {
        window_ms: u64,
    },
    BackingOff {
        until_ms: u64,
        delay_ms: u64,
    },
    Done,
}

/// What an attempt decided to accept, and what it will answer once a quorum accepted it.
#[derive(Clone, Debug)]
struct Plan {
    /// The register the accept carries.
    value: Val,
    /// The register the decision was computed on.
    seen: Val,
    answer: Result<Json, OpError>,
    /// Changes `value` makes on top of `seen` (one per operation that writes).
    writes: u64,
    /// The answers of the operations riding along in a batch, in order.
    riders: Vec<Result<Json, OpError>>,
}

/// How the operation ended, and the round the next operation on the key may start with.
#[derive(Clone, Debug)]
pub struct Finished {
    pub result: Result<Json, OpError>,
    pub cache: Option<CachedRound>,
    /// How each operation riding along in the batch ended, in order.
    pub riders: Vec<Result<Json, OpError>>,
    /// The read lease this operation's round won ([`super::lease`]), if it asked for one.
    pub lease: Option<super::lease::Won>,
}

/// The identity of an operation and the cluster it runs against.
#[derive(Clone, Debug)]
pub struct OperationContext {
    pub proposer: ProposerId,
    pub op_id: OpId,
    pub key: Key,
    pub acceptors: usize,
    pub config: ProposerConfig,
    /// Which acceptors each phase asks and its quorum, during and after a membership change
    /// (§2.3.1); `None`: all of `1..=acceptors`, with [`ProposerConfig::quorums`].
    pub phases: Option<Rc<PhaseSets>>,
}

/// The inputs every handler needs: the time, the timers, and the proposer's ballot clock (shared by
/// all its operations, durable).
pub struct Now<'a> {
    pub ms: u64,
    pub timing: Timing,
    pub clock: &'a mut BallotClock,
}

/// One client operation of one proposer on one key.
#[derive(Clone, Debug)]
pub struct Operation {
    ctx: OperationContext,
    op: Op,
    /// Operations of the same proposer and key that go out in this operation's rounds (a batch).
    riders: Vec<(OpId, Op)>,
    attempt: u32,
    /// Attempts that ended because acceptors answered with a higher ballot (the others timed
    /// out): the message of an operation that gives up says which.
    rejected: u32,
    /// Set once an accept carrying this operation's change was sent.
    may_have_applied: bool,
    stage: Stage,
    notes: VecDeque<Note>,
    transmits: VecDeque<(AcceptorId, Request<Val>)>,
    outcome: Option<Finished>,
}

impl Operation {
    pub fn new(ctx: OperationContext, op: Op) -> Self {
        assert!(ctx.acceptors >= 1, "an operation needs acceptors");
        Operation {
            ctx,
            op,
            riders: Vec::new(),
            attempt: 0,
            rejected: 0,
            may_have_applied: false,
            stage: Stage::NotStarted,
            notes: VecDeque::new(),
            transmits: VecDeque::new(),
            outcome: None,
        }
    }

    /// Becomes a new operation (as [`Operation::new`] with [`Operation::with_riders`]), in place:
    /// the runtime reuses an ended operation's allocation and buffers for the next one. Field by
    /// field, so the large operation is never built elsewhere and copied in.
    pub fn renew(&mut self, ctx: OperationContext, op: Op, riders: Vec<(OpId, Op)>) {
        assert!(ctx.acceptors >= 1, "an operation needs acceptors");
        (self.ctx, self.op, self.riders) = (ctx, op, riders);
        (self.attempt, self.rejected, self.may_have_applied) = (0, 0, false);
        self.stage = Stage::NotStarted;
        self.notes.clear();
        self.transmits.clear();
        self.outcome = None;
    }

    /// Takes `riders` (operations queued behind this one on its key) into its rounds as a batch.
    pub fn with_riders(mut self, riders: Vec<(OpId, Op)>) -> Self {
        self.riders = riders;
        self
    }

    /// Starts attempt 1: from `cached` if given (§2.2.1; ignored without `one_rtt`), else with a
    /// prepare.
    pub fn start(&mut self, now: Now<'_>, cached: Option<CachedRound>) {
        assert!(matches!(self.stage, Stage::NotStarted), "an operation starts once");
        self.attempt = 1;
        match cached.filter(|_| self.ctx.config.one_rtt) {
            Some(c) => self.decide(now, c.ballot, c.value),
            None => self.prepare(now),
        }
    }

    /// A reply from acceptor `from`. Replies to rounds no longer in flight are ignored.
    pub fn handle_reply(&mut self, now: Now<'_>, from: AcceptorId, reply: &Reply<Val>) {
        // The same allocation in the common case (the request was sent with the context's key):
        // no characters compared.
        if !Rc::ptr_eq(reply.key(), &self.ctx.key) && *reply.key() != self.ctx.key {
            return;
        }
        match &mut self.stage {
            Stage::Preparing { round, .. } => match round.handle_reply(from, reply) {
                Progress::Waiting => {}
                Progress::Decided(current) => {
                    let ballot = round.ballot();
                    self.decide(now, ballot, current.unwrap_or_default());
                }
                Progress::Blocked { blocking } => {
                    let ballot = round.ballot();
                    self.blocked(now, ballot, blocking);
                }
            },
            Stage::Accepting { round, .. } => match round.handle_reply(from, reply) {
                Progress::Waiting => {}
                Progress::Decided(()) => self.accepted(now.ms),
                Progress::Blocked { blocking } => {
                    let ballot = round.ballot();
                    self.blocked(now, ballot, blocking);
                }
            },
            _ => {}
        }
    }

    /// The time is `now.ms`: ends a phase past its deadline, or a backoff that is over.
    pub fn handle_timeout(&mut self, now: Now<'_>) {
        if self.poll_timeout().is_some_and(|due| now.ms >= due) {
            self.time_out(now);
        }
    }

    /// Time ended (the environment's clock stopped for good) before this operation's timer was
    /// due: its phase or backoff is over as if the timer had fired, so the operation still ends
    /// (at worst after its attempts, as under any other timeout).
    pub fn handle_time_ended(&mut self, now: Now<'_>) {
        self.time_out(now);
    }

    /// The phase or backoff the operation waits on is over.
    fn time_out(&mut self, now: Now<'_>) {
        match &self.stage {
            Stage::Preparing { round, .. } => {
                let ballot = round.ballot();
                self.timed_out(ballot, Phase::Prepare);
                self.failed_attempt(now.timing);
            }
            Stage::Accepting { round, .. } => {
                let ballot = round.ballot();
                self.timed_out(ballot, Phase::Accept);
                if self.ctx.config.break_reuse_ballot {
                    self.reuse_ballot(ballot);
                } else {
                    self.failed_attempt(now.timing);
                }
            }
            Stage::BackingOff { delay_ms, .. } => {
                // While we slept, the proposer that blocked us may have issued up to one ballot per
                // round trip (with §2.2.1, one per operation): skip past them, or a proposer with a
                // cached round would keep winning and starve us.
                now.clock.skip(delay_ms / now.timing.min_round_trip_ms.max(1));
                self.attempt += 1;
                self.prepare(now);
            }
            _ => {}
        }
    }

    /// The driver drew the backoff asked for by [`Operation::poll_backoff`]: `delay_ms` in
    /// `1..=window_ms`.
    pub fn handle_backoff(&mut self, now: Now<'_>, delay_ms: u64) {
        let Stage::MustBackOff { window_ms } = self.stage else { return };
        assert!((1..=window_ms).contains(&delay_ms), "backoff {delay_ms} outside 1..={window_ms}");
        self.stage = Stage::BackingOff { until_ms: now.ms.saturating_add(delay_ms), delay_ms };
    }

    /// The next note for the environment, in the order they happened.
    pub fn poll_note(&mut self) -> Option<Note> {
        self.notes.pop_front()
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<(AcceptorId, Request<Val>)> {
        self.transmits.pop_front()
    }

    /// When [`Operation::handle_timeout`] must be called next, if the operation waits on a timer.
    pub fn poll_timeout(&self) -> Option<u64> {
        match &self.stage {
            Stage::Preparing { deadline_ms, .. } | Stage::Accepting { deadline_ms, .. } => Some(*deadline_ms),
            Stage::BackingOff { until_ms, .. } => Some(*until_ms),
            _ => None,
        }
    }

    /// `Some(window_ms)` when the operation needs a random backoff in `1..=window_ms`, to be
    /// handed in with [`Operation::handle_backoff`].
    pub fn poll_backoff(&self) -> Option<u64> {
        match self.stage {
            Stage::MustBackOff { window_ms } => Some(window_ms),
            _ => None,
        }
    }

    /// The outcome, once (and only once) the operation ended.
    pub fn poll_outcome(&mut self) -> Option<Finished> {
        // Checked first: `take` alone copies the whole (large) slot out at every poll.
        self.outcome.as_ref()?;
        self.outcome.take()
    }

    /// Attempts started so far.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    // ---- the rules ----

    fn quorums(&self) -> Quorums {
        match &self.ctx.phases {
            Some(p) => Quorums { prepare: p.prepare.quorum, accept: p.accept.quorum },
            None => self.ctx.config.quorums(self.ctx.acceptors),
        }
    }

    /// The phase sets this operation runs with (`None`: every acceptor, the configured quorums).
    pub fn phases(&self) -> Option<&Rc<PhaseSets>> {
        self.ctx.phases.as_ref()
    }

    fn note(&mut self, note: Note) {
        self.notes.push_back(note);
    }

    /// Sends `request` to every acceptor `phase` asks; how many that is.
    fn broadcast(&mut self, phase: Phase, request: impl Fn() -> Request<Val>) -> usize {
        let before = self.transmits.len();
        for to in asked(&self.ctx, phase) {
            self.transmits.push_back((to, request()));
        }
        self.transmits.len() - before
    }

    /// Phase 1 (§2.2) under a fresh ballot (rule 1).
    fn prepare(&mut self, now: Now<'_>) {
        let ballot = now.clock.next(self.ctx.proposer);
        let key = self.ctx.key.clone();
        let asked = self.broadcast(Phase::Prepare, || Request::Prepare { key: key.clone(), ballot });
        let round = PrepareRound::new(ballot, asked, self.quorums().prepare)
            .taking_any_accepted(self.ctx.config.break_take_any_accepted);
        self.stage = Stage::Preparing { round, deadline_ms: now.ms + now.timing.phase_timeout_ms };
    }

    /// The current state `current` is known under `ballot` (a prepare quorum, or the cache):
    /// decide what to accept and send the accept (phase 2, §2.2).
    fn decide(&mut self, now: Now<'_>, ballot: Ballot, current: Val) {
        assert_eq!(ballot.proposer, self.ctx.proposer, "a proposer accepts under its own ballots only");
        let plan = self.plan(now.ms, current);
        assert!(
            plan.value.version == plan.seen.version + plan.writes,
            "an accept writes the state it saw back, or one change per operation on top of it"
        );
        assert!(
            plan.answer.is_ok() || Rc::ptr_eq(&plan.value, &plan.seen) || !self.riders.is_empty(),
            "a refusal writes nothing new"
        );
        if !Rc::ptr_eq(&plan.value, &plan.seen) {
            self.may_have_applied = true;
            self.note(Note::MayApply { op: self.ctx.op_id });
        }
        // §2.2.1: the accept also carries the prepare of the next round on this key.
        let next_promise = self.ctx.config.one_rtt.then(|| now.clock.next(self.ctx.proposer));
        let (key, value) = (self.ctx.key.clone(), plan.value.clone());
        // Read leases: only a read asks for one (a write of the holder ends its lease).
        let lease_ms = self.ctx.config.lease_ms.filter(|_| self.op.is_read_only());
        let request = || Request::Accept { key: key.clone(), ballot, value: value.clone(), next_promise, lease_ms };
        let asked = self.broadcast(Phase::Accept, request);
        let round = AcceptRound::new(ballot, asked, self.quorums().accept);
        let deadline_ms = now.ms + now.timing.phase_timeout_ms;
        let lease_asked = lease_ms.is_some();
        self.stage = Stage::Accepting { round, deadline_ms, plan, next_promise, sent_ms: now.ms, lease_asked };
    }

    /// What to accept on `current` and what to answer once it is accepted (rules 3 and 4).
    fn plan(&mut self, now_ms: u64, current: Val) -> Plan {
        let (proposer, op_id) = (self.ctx.proposer, self.ctx.op_id);
        if !self.riders.is_empty() {
            return self.plan_batch(now_ms, current);
        }
        let marker = if self.ctx.config.break_blind_retry { None } else { current.applied_output(proposer, op_id) };
        if let Some(output) = marker {
            // Rule 4: an earlier attempt was applied (it may sit on a minority): write it back.
            return Plan { value: current.clone(), seen: current, answer: Ok(output), writes: 0, riders: Vec::new() };
        }
        let (wrote, answer) = super::batch::evaluate(proposer, op_id, &self.op, &current, now_ms);
        self.note(Note::Evaluated { op: op_id, seen: current.clone(), at_ms: now_ms, wrote: wrote.clone() });
        let writes = u64::from(wrote.is_some());
        Plan { value: wrote.unwrap_or_else(|| current.clone()), seen: current, answer, writes, riders: Vec::new() }
    }

    /// [`Operation::plan`] for a batch: every operation in order on the state the one before left.
    fn plan_batch(&mut self, now_ms: u64, current: Val) -> Plan {
        let ops: Vec<(OpId, &Op)> =
            std::iter::once((self.ctx.op_id, &self.op)).chain(self.riders.iter().map(|(id, op)| (*id, op))).collect();
        let blind = self.ctx.config.break_blind_retry;
        let mut batch = super::batch::plan(self.ctx.proposer, &ops, &current, now_ms, blind);
        self.notes.extend(batch.notes);
        let answer = batch.answers.remove(0);
        Plan { value: batch.value, seen: current, answer, writes: batch.writes, riders: batch.answers }
    }

    /// A quorum accepted: answer (as the operation settles at `now_ms`), and keep the
    /// piggybacked promise as the next round (§2.2.1).
    fn accepted(&mut self, now_ms: u64) {
        let Stage::Accepting { plan, next_promise, round, sent_ms, lease_asked, .. } =
            std::mem::replace(&mut self.stage, Stage::Done)
        else {
            unreachable!("accepted outside the accept phase")
        };
        // Counted among the acceptors the accept went to (a membership change's sets, or all).
        let needed = super::lease::grants_needed(asked(&self.ctx, Phase::Accept).count(), self.quorums().accept);
        let lease =
            (lease_asked && round.grants() >= needed).then(|| super::lease::Won { value: plan.value.clone(), sent_ms });
        let cache = next_promise.map(|ballot| CachedRound { ballot, value: plan.value });
        let answer = plan.answer.map(|output| self.op.settle(output, now_ms));
        let settled = plan.riders.into_iter().zip(&self.riders);
        let riders = settled.map(|(answer, (_, op))| answer.map(|output| op.settle(output, now_ms))).collect();
        self.finish_batch(answer, cache, riders);
        if let Some(outcome) = &mut self.outcome {
            outcome.lease = lease;
        }
    }

    /// So many acceptors refused that no quorum is possible: fast-forward past the blocking
    /// ballot (§2.1) and retry.
    fn blocked(&mut self, now: Now<'_>, ballot: Ballot, blocking: Ballot) {
        now.clock.observe(blocking);
        self.note(Note::Conflict { proposer: self.ctx.proposer, key: self.ctx.key.clone(), ballot, blocking });
        self.rejected += 1;
        self.failed_attempt(now.timing);
    }

    fn timed_out(&mut self, ballot: Ballot, phase: Phase) {
        self.note(Note::Timeout { proposer: self.ctx.proposer, key: self.ctx.key.clone(), ballot, phase });
    }

    /// The attempt failed; any cached round is gone with it (rule 2). Back off and retry, or give
    /// up after the last attempt.
    fn failed_attempt(&mut self, timing: Timing) {
        let max_attempts = self.ctx.config.max_attempts.max(1);
        if self.attempt >= max_attempts {
            let why = gave_up(self.attempt, self.rejected);
            self.finish(Err(OpError::unanswered(self.may_have_applied, &why)), None);
            return;
        }
        let next = self.attempt + 1;
        self.note(Note::Retry { proposer: self.ctx.proposer, op: self.ctx.op_id, attempt: next });
        self.stage = Stage::MustBackOff { window_ms: timing.backoff_window_ms(next) };
    }

    /// Deliberately wrong, as Gryadka does: give up at once, keeping the ballot just used cached,
    /// so the next change sends another value under it.
    fn reuse_ballot(&mut self, ballot: Ballot) {
        let Stage::Accepting { plan, .. } = std::mem::replace(&mut self.stage, Stage::Done) else { return };
        let cache = Some(CachedRound { ballot, value: plan.seen });
        self.finish(Err(OpError::unanswered(true, "the accept timed out")), cache);
    }

    /// Ends the operation. Only [`Operation::accepted`] answers ok or refuses (rule 3): the other
    /// endings are `Unavailable`.
    /// The riders of a batch end as the operation does.
    fn finish(&mut self, result: Result<Json, OpError>, cache: Option<CachedRound>) {
        let riders = self.riders.iter().map(|_| result.clone()).collect();
        self.finish_batch(result, cache, riders);
    }

    fn finish_batch(
        &mut self,
        result: Result<Json, OpError>,
        cache: Option<CachedRound>,
        riders: Vec<Result<Json, OpError>>,
    ) {
        assert!(self.outcome.is_none(), "an operation ends once");
        assert_eq!(riders.len(), self.riders.len(), "every rider of a batch gets an answer");
        self.stage = Stage::Done;
        self.outcome = Some(Finished { result, cache, riders, lease: None });
    }
}

/// Why an operation gave up after `attempts` attempts, `rejected` of which acceptors refused with
/// a higher ballot (the others found no quorum answering in time).
fn gave_up(attempts: u32, rejected: u32) -> String {
    use crate::ops::counted;
    debug_assert!(rejected <= attempts, "a rejection ends an attempt");
    let timed_out = attempts - rejected;
    let why = match (rejected, timed_out) {
        (0, _) => format!("no quorum of acceptors answered within {}", counted(attempts, "attempt")),
        (1, 0) => "rejected by a higher ballot in its only attempt".to_owned(),
        (r, 0) => format!("rejected by a higher ballot in all {r} attempts"),
        (r, t) => format!(
            "rejected by a higher ballot in {r} of {attempts} attempts; no quorum answered in time in {}",
            if t == 1 { "the other one".to_owned() } else { format!("the other {t}") }
        ),
    };
    why
}

/// The acceptors phase `phase` of an operation in `ctx` asks: the membership change's set, or
/// every acceptor (no allocation: an operation asks twice a round).
fn asked(ctx: &OperationContext, phase: Phase) -> impl Iterator<Item = AcceptorId> + '_ {
    let listed = match (&ctx.phases, phase) {
        (Some(p), Phase::Prepare) => Some(&p.prepare.nodes),
        (Some(p), Phase::Accept) => Some(&p.accept.nodes),
        (None, _) => None,
    };
    let every = if listed.is_none() { ctx.acceptors } else { 0 };
    listed.into_iter().flatten().copied().chain((1..=every).map(|id| id as AcceptorId))
}

#[cfg(test)]
#[path = "operation_tests.rs"]
mod tests;
