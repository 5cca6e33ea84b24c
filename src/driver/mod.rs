//! The proposer runtime: a thin `async` loop that feeds a client operation's sans-IO state machine
//! ([`crate::protocol::Operation`]) its replies, timers and random backoffs, over a small [`Env`]
//! (send a message, wake me at a time, a random number), on `futures` only.
//!
//! It runs on any single-threaded executor and needs no `Send`, threads, `std::time` or OS
//! randomness. Whoever implements [`Env`] decides when messages arrive and timers fire; in this
//! crate that is the deterministic simulator ([`crate::sim`]).

mod keylock;

pub use keylock::KeyLocks;

use crate::fxhash::FxHashMap;
use crate::ops::{ErrorKind, Op, OpError, OpId, Val};
use crate::protocol::{
    AcceptorId, Ballot, BallotClock, CachedRound, Finished, Key, Now, Operation, OperationContext, ProposerId, Reply,
    Request,
};
pub use crate::protocol::{Note, Phase, ProposerConfig as DriverConfig, Timing};
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

/// One proposer (§2.2, "Proposer"): its durable ballot clock, its §2.2.1 cache, and the
/// operation in flight on each key. The rules live in [`Operation`]; this only feeds it.
pub struct Proposer {
    id: ProposerId,
    config: RefCell<DriverConfig>,
    state: RefCell<ProposerState>,
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

/// Replies for the operation in flight on a key (the operation drops those of other rounds).
#[derive(Default)]
struct Inbox {
    replies: VecDeque<(AcceptorId, Reply<Val>)>,
    waker: Option<Waker>,
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

    /// A reply arrived from acceptor `from`; it goes to the operation in flight on its key, if any.
    pub fn handle_reply(&self, from: AcceptorId, reply: Reply<Val>) {
        let state = self.state.borrow();
        let Some(inbox) = state.inboxes.get(reply.key()) else { return };
        let mut inbox = inbox.borrow_mut();
        inbox.replies.push_back((from, reply));
        if let Some(w) = inbox.waker.take() {
            w.wake();
        }
    }

    /// Runs `op` on `key` to completion: `change(key, f)` of §2, with retries.
    ///
    /// Resolves `Ok` only if the change was applied exactly once; `Err` with
    /// `Unavailable { indeterminate: true }` if it may have been applied; any other `Err` if it
    /// certainly was not.
    pub async fn execute(self: Rc<Self>, env: Rc<dyn Env>, op_id: OpId, key: Key, op: Op) -> Result<Json, OpError> {
        let locks = self.state.borrow().locks.clone();
        let _guard = locks.lock(&key).await;
        let config = self.config();
        let ctx = OperationContext { proposer: self.id, op_id, key: key.clone(), acceptors: env.acceptors(), config };
        let mut operation = Operation::new(ctx, op);
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let cached = {
            let mut s = self.state.borrow_mut();
            s.inboxes.insert(key.clone(), inbox.clone());
            s.cache.remove(&key)
        };
        self.with_now(&*env, |now| operation.start(now, cached));
        let mut armed_at = None;
        let finished = poll_fn(|cx| self.drive(&*env, &mut operation, &inbox, &mut armed_at, cx)).await;
        let mut s = self.state.borrow_mut();
        s.inboxes.remove(&key);
        if let Some(next) = finished.cache {
            s.cache.insert(key, next);
        }
        finished.result
    }

    /// Feeds the operation its replies, timers and backoff draws, and carries out what it asks,
    /// until it ends or waits.
    fn drive(
        &self,
        env: &dyn Env,
        operation: &mut Operation,
        inbox: &RefCell<Inbox>,
        armed_at: &mut Option<u64>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Finished> {
        loop {
            self.flush(env, operation);
            if let Some(finished) = operation.poll_outcome() {
                return Poll::Ready(finished);
            }
            if let Some(window) = operation.poll_backoff() {
                let delay = 1 + env.random_below(window);
                self.with_now(env, |now| operation.handle_backoff(now, delay));
                continue;
            }
            let next = inbox.borrow_mut().replies.pop_front();
            if let Some((from, reply)) = next {
                self.with_now(env, |now| operation.handle_reply(now, from, &reply));
                continue;
            }
            let deadline = operation.poll_timeout().expect("a waiting operation has a timer");
            if env.now_ms() >= deadline {
                self.with_now(env, |now| operation.handle_timeout(now));
                continue;
            }
            inbox.borrow_mut().waker = Some(cx.waker().clone());
            if *armed_at != Some(deadline) {
                *armed_at = Some(deadline);
                env.wake_at(deadline, cx.waker().clone());
            }
            return Poll::Pending;
        }
    }

    /// Carries out the operation's outputs: notes first (they tell why), then messages.
    fn flush(&self, env: &dyn Env, operation: &mut Operation) {
        while let Some(note) = operation.poll_note() {
            env.note(note);
        }
        while let Some((to, request)) = operation.poll_transmit() {
            env.send(self.id, to, request);
        }
    }

    fn with_now<T>(&self, env: &dyn Env, f: impl FnOnce(Now<'_>) -> T) -> T {
        let (ms, timing) = (env.now_ms(), env.timing());
        let mut state = self.state.borrow_mut();
        f(Now { ms, timing, clock: &mut state.clock })
    }
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
