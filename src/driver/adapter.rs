//! The [`Runtime`] behind `async fn`s, over an [`Env`], on any single-threaded executor (the
//! browser's, or `futures`' `LocalPool` in the tests): the same state machine the simulator drives
//! directly, so a live world (issue 13) runs exactly the rules the simulator checks.
//!
//! The environment delivers replies with [`Proposers::handle_reply`] and wakes the operation
//! whose timer is due; the futures do the rest.

use super::runtime::{Io, Runtime, SlotRef};
use super::{DriverConfig, Env};
use crate::fxhash::FxHashMap;
use crate::ops::{Op, OpError, OpId, Val};
use crate::protocol::{AcceptorId, Key, Note, ProposerId, Reply, Request, Timing};
use serde_json::Value as Json;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

/// Every proposer of one process, with its operations in flight.
pub struct Proposers {
    env: Rc<dyn Env>,
    state: RefCell<State>,
}

struct State {
    runtime: Runtime,
    next_op: OpId,
    /// Effects the runtime asked for that are not carried out yet.
    queues: Queues,
}

#[derive(Default)]
struct Queues {
    ready: VecDeque<SlotRef>,
    /// Timers the runtime set: fired once their time came; handed to the environment (with the
    /// waker of the operation they belong to) as soon as that operation waits.
    timers: Vec<(u64, SlotRef, bool)>,
    results: FxHashMap<OpId, Result<Json, OpError>>,
    wakers: FxHashMap<OpId, Waker>,
}

/// The [`Io`] of the adapter: effects go to the environment or wait in the queues.
struct AdapterIo<'a> {
    env: &'a dyn Env,
    queues: &'a mut Queues,
}

impl Io for AdapterIo<'_> {
    fn now_ms(&self) -> u64 {
        self.env.now_ms()
    }
    fn timing(&self) -> Timing {
        self.env.timing()
    }
    fn send(&mut self, from: ProposerId, to: AcceptorId, request: Request<Val>) {
        self.env.send(from, to, request);
    }
    fn set_timer(&mut self, at_ms: u64, slot: SlotRef) {
        self.queues.timers.push((at_ms, slot, false));
    }
    fn random_below(&mut self, bound: u64) -> u64 {
        self.env.random_below(bound.max(1))
    }
    fn note(&mut self, note: Note) {
        self.env.note(note);
    }
    fn ready(&mut self, slot: SlotRef) {
        self.queues.ready.push_back(slot);
    }
    fn complete(&mut self, op: OpId, _client: Option<u32>, result: Result<Json, OpError>) {
        self.queues.results.insert(op, result);
        if let Some(w) = self.queues.wakers.remove(&op) {
            w.wake();
        }
    }
}

impl Proposers {
    /// Proposers `p1..=p{proposers}` against the environment's acceptors.
    pub fn new(env: Rc<dyn Env>, proposers: usize, config: DriverConfig) -> Rc<Proposers> {
        let runtime = Runtime::new(env.acceptors(), proposers, config);
        Rc::new(Proposers { env, state: RefCell::new(State { runtime, next_op: 0, queues: Queues::default() }) })
    }

    /// Runs `op` on `key` through `proposer` to its end: `change(key, f)` of §2, with retries.
    ///
    /// `Ok` only if the change was applied exactly once; `Err` with `Unavailable { indeterminate:
    /// true }` if it may have been applied; any other `Err` if it certainly was not.
    pub async fn execute(self: Rc<Self>, proposer: ProposerId, key: Key, op: Op) -> Result<Json, OpError> {
        let id = {
            let mut s = self.state.borrow_mut();
            s.next_op += 1;
            s.next_op - 1
        };
        self.execute_as(id, proposer, key, op).await
    }

    /// [`Proposers::execute`] under the caller's operation id `id` (its history's id, which the
    /// notes name), unique among the operations of these proposers. Use one or the other.
    pub async fn execute_as(self: Rc<Self>, id: OpId, proposer: ProposerId, key: Key, op: Op) -> Result<Json, OpError> {
        {
            let mut s = self.state.borrow_mut();
            let State { runtime, queues, .. } = &mut *s;
            runtime.invoke(&mut AdapterIo { env: &*self.env, queues }, id, proposer, &key, op, None);
        }
        poll_fn(|cx| {
            self.pump();
            let mut s = self.state.borrow_mut();
            if let Some(result) = s.queues.results.remove(&id) {
                return Poll::Ready(result);
            }
            s.queues.wakers.insert(id, cx.waker().clone());
            self.arm_timers(&mut s.queues);
            Poll::Pending
        })
        .await
    }

    /// A reply from acceptor `from` arrived at `proposer`.
    pub fn handle_reply(&self, proposer: ProposerId, from: AcceptorId, reply: &Reply<Val>) {
        {
            let mut s = self.state.borrow_mut();
            let State { runtime, queues, .. } = &mut *s;
            runtime.handle_reply(&mut AdapterIo { env: &*self.env, queues }, proposer, from, reply);
        }
        self.pump();
    }

    /// `proposer` crashed: its operations in flight end now, each with the error `end` gives it.
    pub fn crash(&self, proposer: ProposerId, end: impl Fn(OpId) -> OpError) {
        let mut s = self.state.borrow_mut();
        let lost = s.runtime.crash(proposer);
        for (op, _) in lost {
            s.queues.results.insert(op, Err(end(op)));
            if let Some(w) = s.queues.wakers.remove(&op) {
                w.wake();
            }
        }
    }

    /// `proposer`'s durable ballot counter and its cached rounds ([`Runtime::ballot_counter`],
    /// [`Runtime::cached`]).
    pub fn proposer_memory(&self, proposer: ProposerId) -> (u64, Vec<(Key, crate::protocol::Ballot)>) {
        let s = self.state.borrow();
        (s.runtime.ballot_counter(proposer), s.runtime.cached(proposer))
    }

    /// Operations in flight.
    /// Operations that rode along in another's round (batching).
    /// See [`Runtime::resume_ballots_above`].
    pub fn resume_ballots_above(&self, proposer: ProposerId, counter: u64) {
        self.state.borrow_mut().runtime.resume_ballots_above(proposer, counter);
    }

    pub fn batched(&self) -> u64 {
        self.state.borrow().runtime.batched()
    }

    pub fn in_flight(&self) -> usize {
        self.state.borrow().runtime.in_flight()
    }

    /// Fires the timers that are due and runs the operations that are ready, until neither is left.
    fn pump(&self) {
        let mut s = self.state.borrow_mut();
        let State { runtime, queues, .. } = &mut *s;
        loop {
            let now = self.env.now_ms();
            if let Some(i) = queues.timers.iter().position(|(at, _, _)| *at <= now) {
                let (_, slot, _) = queues.timers.swap_remove(i);
                runtime.handle_timer(&mut AdapterIo { env: &*self.env, queues }, slot);
                continue;
            }
            let Some(slot) = queues.ready.pop_front() else { break };
            runtime.run(&mut AdapterIo { env: &*self.env, queues }, slot);
        }
        self.arm_timers(queues);
    }

    /// Hands each timer not yet handed to the environment to it, with its operation's waker (an
    /// operation that has not waited yet gets its timers when it does).
    fn arm_timers(&self, queues: &mut Queues) {
        for (at, slot, armed) in queues.timers.iter_mut().filter(|t| !t.2) {
            if let Some(waker) = queues.wakers.get(&slot.op) {
                self.env.wake_at(*at, waker.clone());
                *armed = true;
            }
        }
    }
}
