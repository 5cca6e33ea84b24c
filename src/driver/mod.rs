//! The proposer runtime: a client operation as an `async fn` over a small [`Env`] (send a
//! message, wake me at a time, a random number), on `futures` only.
//!
//! It runs on any single-threaded executor and needs no `Send`, threads, `std::time` or OS
//! randomness. Whoever implements [`Env`] decides when messages arrive and timers fire; in this
//! crate that is the deterministic simulator ([`crate::sim`]).

mod keylock;

pub use keylock::KeyLocks;

use crate::fxhash::FxHashMap;
use crate::ops::{ErrorKind, Op, OpError, OpId, Val};
use crate::protocol::{
    majority, AcceptRound, AcceptorId, Ballot, BallotClock, Key, PrepareRound, Progress, ProposerId, Reply, Request,
};
use serde_json::Value as Json;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

/// The world a proposer runs in.
pub trait Env {
    /// Virtual time.
    fn now_ms(&self) -> u64;
    /// Number of acceptors, named `1..=N`.
    fn acceptors(&self) -> usize;
    fn send(&self, from: ProposerId, to: AcceptorId, request: Request<Val>);
    /// Wake `waker` once the time is `at_ms` or later.
    fn wake_at(&self, at_ms: u64, waker: Waker);
    /// A uniformly random number in `0..bound` (`bound > 0`).
    fn random_below(&self, bound: u64) -> u64;
    /// Timeouts and backoff, which may follow the network's latency.
    fn timing(&self) -> Timing;
    /// Something worth logging or counting happened.
    fn note(&self, note: Note);
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

/// What a proposer reports to its environment.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// A phase ended without a quorum.
    Timeout { proposer: ProposerId, key: Key, ballot: Ballot, phase: Phase },
    /// A phase was refused by enough acceptors to make a quorum impossible.
    Conflict { proposer: ProposerId, key: Key, ballot: Ballot, blocking: Ballot },
    /// An attempt after the first.
    Retry { proposer: ProposerId, op: OpId, attempt: u32 },
    /// An accept carrying this operation's change is about to be sent: from now on the operation
    /// may have been applied, whatever happens to this proposer.
    MayApply { op: OpId },
    /// The operation was evaluated on the register `seen` at `at_ms`, deciding to write `wrote`
    /// (`None`: write `seen` back, or refuse). A linearizability checker uses this for operations
    /// whose effect it cannot recompute (an opaque change function, a lock's expiry).
    Evaluated { op: OpId, seen: Val, at_ms: u64, wrote: Option<Val> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Prepare,
    Accept,
}

/// How proposers behave. The `break_*` switches are deliberately wrong: negative controls for the
/// tests' oracles and the playground's "break it" toggles. Never on in a correct run.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverConfig {
    /// §2.2.1: cache the last accepted value per key and piggyback the next prepare on the accept.
    pub one_rtt: bool,
    /// Attempts per operation before it fails with `Unavailable`.
    pub max_attempts: u32,
    /// Wrong: use this quorum instead of a majority (e.g. 1 of 3).
    pub break_quorum: Option<usize>,
    /// Wrong (Gryadka's bug): after an accept that timed out, fail the operation but keep its
    /// ballot cached, so the next change reuses it for another value.
    pub break_reuse_ballot: bool,
    /// Wrong: take any accepted value from the promises, not the highest.
    pub break_take_any_accepted: bool,
    /// Wrong: ignore the exactly-once markers and reapply a change after an uncertain attempt.
    pub break_blind_retry: bool,
}

impl Default for DriverConfig {
    fn default() -> Self {
        DriverConfig {
            one_rtt: true,
            max_attempts: 16,
            break_quorum: None,
            break_reuse_ballot: false,
            break_take_any_accepted: false,
            break_blind_retry: false,
        }
    }
}

/// A round the next operation on a key may start with, skipping phase 1 (§2.2.1).
///
/// Invariant: a quorum promised `ballot` when it accepted `value`, and no accept was sent under
/// `ballot` yet.
#[derive(Clone, Debug)]
struct CachedRound {
    ballot: Ballot,
    value: Val,
}

/// Replies for the one round a proposer has in flight on a key.
struct Inbox {
    ballot: Ballot,
    replies: VecDeque<(AcceptorId, Reply<Val>)>,
    waker: Option<Waker>,
}

/// A proposer's memory. `clock` is durable (it survives a crash, so a restarted proposer never
/// reuses a ballot); everything else is lost on a crash.
#[derive(Default)]
struct ProposerState {
    clock: BallotClock,
    cache: FxHashMap<Key, CachedRound>,
    inboxes: FxHashMap<Key, Rc<RefCell<Inbox>>>,
    locks: KeyLocks,
}

/// One proposer (§2.2, "Proposer").
pub struct Proposer {
    id: ProposerId,
    config: RefCell<DriverConfig>,
    state: RefCell<ProposerState>,
}

enum PhaseResult<T> {
    Decided(T),
    Blocked(Ballot),
    TimedOut,
}

impl Proposer {
    pub fn new(id: ProposerId, config: DriverConfig) -> Rc<Self> {
        Rc::new(Proposer { id, config: RefCell::new(config), state: RefCell::new(ProposerState::default()) })
    }

    pub fn id(&self) -> ProposerId {
        self.id
    }

    pub fn config(&self) -> DriverConfig {
        self.config.borrow().clone()
    }

    pub fn set_config(&self, config: DriverConfig) {
        if !config.one_rtt {
            self.state.borrow_mut().cache.clear();
        }
        *self.config.borrow_mut() = config;
    }

    /// The highest ballot counter issued or observed (durable).
    pub fn ballot_counter(&self) -> u64 {
        self.state.borrow().clock.counter()
    }

    /// Keys with a cached round, with its ballot (for `state()`).
    pub fn cached(&self) -> Vec<(Key, Ballot)> {
        let mut v: Vec<_> = self.state.borrow().cache.iter().map(|(k, c)| (k.clone(), c.ballot)).collect();
        v.sort();
        v
    }

    /// Forget everything but the ballot clock. The caller drops the in-flight operations.
    pub fn crash(&self) {
        let mut s = self.state.borrow_mut();
        s.cache.clear();
        s.inboxes.clear();
        s.locks = KeyLocks::default();
    }

    /// A reply arrived from acceptor `from`. Replies to rounds no longer in flight are ignored.
    pub fn handle_reply(&self, from: AcceptorId, reply: Reply<Val>) {
        let state = self.state.borrow();
        let Some(inbox) = state.inboxes.get(reply.key()) else { return };
        let mut inbox = inbox.borrow_mut();
        if inbox.ballot != reply.ballot() {
            return;
        }
        inbox.replies.push_back((from, reply));
        if let Some(w) = inbox.waker.take() {
            w.wake();
        }
    }

    fn next_ballot(&self) -> Ballot {
        self.state.borrow_mut().clock.next(self.id)
    }

    fn open_inbox(&self, key: &Key, ballot: Ballot) -> Rc<RefCell<Inbox>> {
        let inbox = Rc::new(RefCell::new(Inbox { ballot, replies: VecDeque::new(), waker: None }));
        self.state.borrow_mut().inboxes.insert(key.clone(), inbox.clone());
        inbox
    }

    /// Waits for replies until `on_reply` decides, or until `deadline_ms`.
    async fn collect<T>(
        &self,
        env: &dyn Env,
        inbox: Rc<RefCell<Inbox>>,
        deadline_ms: u64,
        mut on_reply: impl FnMut(AcceptorId, &Reply<Val>) -> Progress<T>,
    ) -> PhaseResult<T> {
        let mut timer_armed = false;
        poll_fn(|cx| {
            loop {
                let next = inbox.borrow_mut().replies.pop_front();
                let Some((from, reply)) = next else { break };
                match on_reply(from, &reply) {
                    Progress::Waiting => {}
                    Progress::Decided(t) => return Poll::Ready(PhaseResult::Decided(t)),
                    Progress::Blocked { blocking } => return Poll::Ready(PhaseResult::Blocked(blocking)),
                }
            }
            if env.now_ms() >= deadline_ms {
                return Poll::Ready(PhaseResult::TimedOut);
            }
            inbox.borrow_mut().waker = Some(cx.waker().clone());
            if !timer_armed {
                timer_armed = true;
                env.wake_at(deadline_ms, cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }

    async fn sleep(env: &dyn Env, ms: u64) {
        let until = env.now_ms() + ms;
        let mut armed = false;
        poll_fn(|cx| {
            if env.now_ms() >= until {
                return Poll::Ready(());
            }
            if !armed {
                armed = true;
                env.wake_at(until, cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }

    /// Phase 1 (§2.2): prepare under a fresh ballot and read the current state from a quorum.
    async fn prepare(
        &self,
        env: &dyn Env,
        key: &Key,
        cfg: &DriverConfig,
        quorum: usize,
    ) -> PhaseResult<(Ballot, Option<Val>)> {
        let n = env.acceptors();
        let ballot = self.next_ballot();
        let inbox = self.open_inbox(key, ballot);
        for to in 1..=n as AcceptorId {
            env.send(self.id, to, Request::Prepare { key: key.clone(), ballot });
        }
        let deadline = env.now_ms() + env.timing().phase_timeout_ms;
        let mut round = PrepareRound::new(ballot, n, quorum).taking_any_accepted(cfg.break_take_any_accepted);
        match self.collect(env, inbox, deadline, |from, r| round.handle_reply(from, r)).await {
            PhaseResult::Decided(current) => PhaseResult::Decided((ballot, current)),
            PhaseResult::Blocked(b) => PhaseResult::Blocked(b),
            PhaseResult::TimedOut => PhaseResult::TimedOut,
        }
    }

    /// Phase 2 (§2.2): ask every acceptor to accept `value` under `ballot`; with §2.2.1 the
    /// accept also carries the prepare of `next_promise`.
    async fn accept(
        &self,
        env: &dyn Env,
        key: &Key,
        ballot: Ballot,
        value: &Val,
        next_promise: Option<Ballot>,
        quorum: usize,
    ) -> PhaseResult<()> {
        let n = env.acceptors();
        let inbox = self.open_inbox(key, ballot);
        for to in 1..=n as AcceptorId {
            env.send(self.id, to, Request::Accept { key: key.clone(), ballot, value: value.clone(), next_promise });
        }
        let deadline = env.now_ms() + env.timing().phase_timeout_ms;
        let mut round = AcceptRound::new(ballot, n, quorum);
        self.collect(env, inbox, deadline, |from, r| round.handle_reply(from, r)).await
    }

    /// Runs `op` on `key` to completion: `change(key, f)` of §2, with retries.
    ///
    /// Resolves `Ok` only if the change was applied exactly once; `Err` with
    /// `Unavailable { indeterminate: true }` if it may have been applied; any other `Err` if it
    /// certainly was not.
    pub async fn execute(self: Rc<Self>, env: Rc<dyn Env>, op_id: OpId, key: Key, op: Op) -> Result<Json, OpError> {
        let env = &*env;
        let locks = self.state.borrow().locks.clone();
        let _guard = locks.lock(&key).await;
        let result = self.run_attempts(env, op_id, &key, &op).await;
        self.state.borrow_mut().inboxes.remove(&key);
        result
    }

    async fn run_attempts(&self, env: &dyn Env, op_id: OpId, key: &Key, op: &Op) -> Result<Json, OpError> {
        let cfg = self.config();
        let n = env.acceptors();
        let quorum = cfg.break_quorum.unwrap_or_else(|| majority(n)).clamp(1, n.max(1));
        // Set once an accept carrying this operation's change has been sent.
        let mut may_have_applied = false;
        for attempt in 1..=cfg.max_attempts.max(1) {
            if attempt > 1 {
                env.note(Note::Retry { proposer: self.id, op: op_id, attempt });
                let t = env.timing();
                let window = (t.backoff_base_ms.max(1) << (attempt - 2).min(20)).min(t.backoff_max_ms.max(1));
                let delay = 1 + env.random_below(window);
                Self::sleep(env, delay).await;
                // While we slept, the proposer that blocked us may have issued up to one ballot per
                // round trip (with §2.2.1, one per operation): skip past them, or a proposer with
                // a cached round would keep winning and starve us.
                self.state.borrow_mut().clock.skip(delay / t.min_round_trip_ms.max(1));
            }
            // Phase 1, or the round cached by the previous operation (§2.2.1).
            let cached = if cfg.one_rtt { self.state.borrow_mut().cache.remove(key) } else { None };
            let (ballot, current) = match cached {
                Some(c) => (c.ballot, c.value),
                None => match self.prepare(env, key, &cfg, quorum).await {
                    PhaseResult::Decided((ballot, current)) => (ballot, current.unwrap_or_default()),
                    PhaseResult::Blocked(blocking) => {
                        self.blocked(env, key, ballot_of_inbox(&self.state, key), blocking);
                        continue;
                    }
                    PhaseResult::TimedOut => {
                        self.timed_out(env, key, Phase::Prepare);
                        continue;
                    }
                },
            };
            // Decide what to write. A register that already carries this operation's marker was
            // changed by an earlier attempt: write it back (it may sit on a minority only) and
            // answer what that attempt answered.
            let already = if cfg.break_blind_retry { None } else { current.applied_output(self.id, op_id) };
            let (value, answer, applies) = match already {
                Some(output) => (current.clone(), Ok(output), false),
                None => match op.apply(&current, env.now_ms()) {
                    Ok(effect) => match effect.write {
                        Some(v) => {
                            let output = Rc::new(effect.output);
                            let next = Rc::new(current.changed(v, self.id, op_id, output.clone()));
                            let at_ms = env.now_ms();
                            env.note(Note::Evaluated {
                                op: op_id,
                                seen: current.clone(),
                                at_ms,
                                wrote: Some(next.clone()),
                            });
                            (next, Ok((*output).clone()), true)
                        }
                        None => {
                            let at_ms = env.now_ms();
                            env.note(Note::Evaluated { op: op_id, seen: current.clone(), at_ms, wrote: None });
                            (current.clone(), Ok(effect.output), false)
                        }
                    },
                    Err(e) if !may_have_applied => {
                        // Nothing of ours can be out there: refuse without writing. A quorum has
                        // promised `ballot` and nothing was accepted under it, so the next
                        // operation may still start from this round.
                        if cfg.one_rtt {
                            self.state.borrow_mut().cache.insert(key.clone(), CachedRound { ballot, value: current });
                        }
                        return Err(e);
                    }
                    // An earlier attempt may sit on a minority: seal the current state with an
                    // identity write, so it can never be adopted later, then refuse.
                    Err(e) => (current.clone(), Err(e), false),
                },
            };
            let next_promise = cfg.one_rtt.then(|| self.next_ballot());
            if applies {
                may_have_applied = true;
                env.note(Note::MayApply { op: op_id });
            }
            match self.accept(env, key, ballot, &value, next_promise, quorum).await {
                PhaseResult::Decided(()) => {
                    if let Some(next) = next_promise {
                        self.state.borrow_mut().cache.insert(key.clone(), CachedRound { ballot: next, value });
                    }
                    return answer;
                }
                PhaseResult::Blocked(blocking) => self.blocked(env, key, ballot, blocking),
                PhaseResult::TimedOut => {
                    self.timed_out(env, key, Phase::Accept);
                    if cfg.break_reuse_ballot {
                        // Deliberately wrong, as Gryadka does: give up at once, keeping the ballot
                        // just used cached, so the next change sends another value under it.
                        self.state.borrow_mut().cache.insert(key.clone(), CachedRound { ballot, value: current });
                        return Err(OpError::unavailable(true, "the accept timed out"));
                    }
                }
            }
        }
        let what = if may_have_applied { "may have been applied" } else { "was not applied" };
        Err(OpError::unavailable(
            may_have_applied,
            format!("no quorum of acceptors answered within {} attempts; the change {what}", cfg.max_attempts.max(1)),
        ))
    }

    fn blocked(&self, env: &dyn Env, key: &Key, ballot: Ballot, blocking: Ballot) {
        self.state.borrow_mut().clock.observe(blocking);
        env.note(Note::Conflict { proposer: self.id, key: key.clone(), ballot, blocking });
    }

    fn timed_out(&self, env: &dyn Env, key: &Key, phase: Phase) {
        let ballot = ballot_of_inbox(&self.state, key);
        env.note(Note::Timeout { proposer: self.id, key: key.clone(), ballot, phase });
    }
}

/// The ballot of the round in flight on `key`.
fn ballot_of_inbox(state: &RefCell<ProposerState>, key: &Key) -> Ballot {
    state.borrow().inboxes.get(key).map_or(Ballot::ZERO, |i| i.borrow().ballot)
}

/// Outcome of an operation for the history.
pub fn outcome_of(result: &Result<Json, OpError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(e) if matches!(e.kind, ErrorKind::Unavailable { indeterminate: true }) => Outcome::Unknown,
        Err(_) => Outcome::Failed,
    }
}

/// How a client operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Applied exactly once.
    Ok,
    /// Certainly not applied.
    Failed,
    /// May have been applied (at most once).
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
        }
    }
}
