//! A whole simulation as plain data: the world, the proposers' runtime and the client loops.
//! Cloning it is a checkpoint.

use super::envelope::Envelope;
use super::loops::ClientLoop;
use super::trace::{DropReason, EventKind, MessageRecord, Msg, MsgRef, Node};
use super::world::{Due, Ready, World};
use super::Action;
use crate::driver::Runtime;
use crate::ops::{Op, OpError, OpId};
use crate::protocol::ProposerId;
use serde_json::Value as Json;
use std::rc::Rc;

#[derive(Clone)]
pub(super) struct Core {
    pub world: World,
    pub runtime: Runtime,
    pub loops: Vec<ClientLoop>,
}

/// How an invocation went.
pub(super) enum Invoked {
    /// It runs (or waits for its key); its result goes where `client` said.
    Running(OpId),
    /// It ended at once (its proposer is down, or it was refused before it started).
    Ended(Result<Json, OpError>),
}

/// What [`Core::step`] did.
pub(super) enum Stepped {
    Idle,
    Ran,
    /// A scheduled action is due: the caller applies it.
    Action(Action),
}

impl Core {
    /// Records and starts an operation; it runs when the ready list is run. Its result goes to
    /// client loop `client`, or to whoever awaits its id.
    pub fn invoke(&mut self, proposer: ProposerId, key: &str, op: Op, client: Option<u32>) -> Invoked {
        let checked = self.check_proposer(proposer).and_then(|_| crate::client::check_register_key(key, &op));
        if let Err(e) = checked {
            return Invoked::Ended(Err(e));
        }
        let key = self.runtime.shared_key(key);
        let id = self.world.record_invoke(proposer, &key, op.kind(), op.input());
        if !self.world.proposer_up[proposer as usize - 1] {
            let result = Err(OpError::unanswered(false, &format!("proposer p{proposer} is down")));
            self.world.record_end(id, &result);
            return Invoked::Ended(result);
        }
        self.world.count_in_flight(1);
        self.runtime.invoke(&mut self.world, id, proposer, &key, op, client);
        Invoked::Running(id)
    }

    fn check_proposer(&self, proposer: ProposerId) -> Result<(), OpError> {
        super::proposers::id_check(&self.world, Node::Proposer(proposer))?;
        super::proposers::removed_check(&self.world, Node::Proposer(proposer))
    }

    /// Starts client loop `l` (at the end of the ready list).
    pub fn start_loop(&mut self, l: ClientLoop) {
        let index = u32::try_from(self.loops.len()).expect("fewer than 2^32 client loops");
        self.loops.push(l);
        self.world.ready.push_back(Ready::Loop(index, None));
    }

    /// Runs everything ready at this instant, in order. Returns how many entries ran.
    pub fn run_ready(&mut self) -> usize {
        let mut n = 0;
        while let Some(next) = self.world.ready.pop_front() {
            n += 1;
            match next {
                Ready::Op(slot) => self.runtime.run(&mut self.world, slot),
                Ready::Loop(index, last) => self.resume_loop(index, last),
            }
        }
        n
    }

    /// Client loop `index` issues operations until one is running (or it is done).
    fn resume_loop(&mut self, index: u32, mut last: Option<Result<Json, OpError>>) {
        if matches!(self.loops[index as usize], ClientLoop::Worker(_)) {
            return self.resume_worker(index, last);
        }
        while let Some(issue) = self.loops[index as usize].next(last.take()) {
            match self.invoke(issue.proposer, &issue.key, issue.op, Some(index)) {
                Invoked::Running(_) => return,
                Invoked::Ended(result) => last = Some(result),
            }
        }
    }

    /// Runs the next scheduled event, but an action (the caller applies it).
    pub fn step(&mut self) -> Stepped {
        self.world.end_instant();
        let Some((at, due)) = self.world.pop_due() else { return Stepped::Idle };
        self.world.advance(at, true);
        self.world.stats.deliveries += matches!(due, Due::Arrive { .. } | Due::Envelope { .. }) as u64;
        match due {
            Due::Action(action) => return Stepped::Action(action),
            Due::Timer(slot) => self.runtime.handle_timer(&mut self.world, slot),
            Due::TimeEnded { slot, deadline } => self.runtime.handle_time_ended(&mut self.world, slot, deadline),
            Due::Arrive { msg, lost } => self.arrive(msg, lost),
            Due::Envelope { envelope, lost, log } => self.arrive_envelope(*envelope, lost, log),
            Due::Gc(job) => super::gc::step(&mut self.world, &mut self.runtime, job),
            Due::GcStart { key, proposer } => {
                // A proposer removed since the delete: the lowest one left collects (§2.3.4).
                let proposer = super::proposers::member_or_first(&self.world, proposer);
                super::gc::start(&mut self.world, &self.runtime, &key, proposer);
            }
            Due::Membership => super::membership::tick(self),
        }
        debug_assert_eq!(self.world.in_flight, self.runtime.in_flight(), "the world counts what the runtime runs");
        Stepped::Ran
    }

    /// A message arrives: its deliver or drop event, then its receiver's handling.
    fn arrive(&mut self, record: MsgRef, lost: bool) {
        let w = &mut self.world;
        let fate = w.drop_reason(record.from, record.to, lost);
        if w.log_events {
            w.log(match fate {
                Some(reason) => EventKind::Drop { msg: record.clone(), reason },
                None => EventKind::Deliver { msg: record.clone() },
            });
        }
        self.take(&record, fate);
    }

    /// Counts an arrival and, unless it was dropped (`fate`), hands the message to its receiver:
    /// an acceptor answers a request, a proposer's runtime takes a reply.
    fn take(&mut self, m: &MessageRecord, fate: Option<DropReason>) {
        let w = &mut self.world;
        if fate.is_some() {
            w.stats.dropped += 1;
            return;
        }
        w.stats.delivered += 1;
        match (m.to, &m.msg, m.from) {
            (Node::Acceptor(a), Msg::Request(request), _) => {
                let local_ms = w.clocks.local_ms(m.to, w.now);
                let reply = w.acceptors[a as usize - 1].state.handle_at(request.clone(), local_ms);
                w.observe(a, request.key());
                w.send(m.to, m.from, Msg::Reply(reply));
            }
            (Node::Proposer(p), Msg::Reply(reply), Node::Acceptor(a)) => {
                self.runtime.handle_reply(&mut self.world, p, a, reply);
            }
            _ => {}
        }
    }

    /// An envelope arrives: one event for it, then each part in order, as if it arrived alone.
    fn arrive_envelope(&mut self, envelope: Envelope, lost: bool, log: Option<Rc<[MsgRef]>>) {
        let Envelope { from, to, parts } = envelope;
        if let Some(parts) = log {
            let w = &mut self.world;
            w.log(match w.drop_reason(from, to, lost) {
                Some(reason) => EventKind::DropEnvelope { parts, reason },
                None => EventKind::DeliverEnvelope { parts },
            });
        }
        for part in parts {
            let fate = self.world.drop_reason(from, to, lost);
            self.take(&part, fate);
        }
    }

    /// Proposer `p` crashed: it loses its cache and its operations in flight, which end
    /// `unknown` (an accept carrying them was sent) or `failed`, in the order they were invoked.
    pub fn crash_proposer(&mut self, p: ProposerId) {
        let lost = self.runtime.crash(p);
        self.end_lost_operations(p, "crashed", lost);
    }

    /// Ends proposer `p`'s operations `lost` (dropped by [`Runtime::crash`]) `Unavailable`:
    /// `proposer p1 {why}; the change may have been applied` or `was not applied`.
    pub fn end_lost_operations(&mut self, p: ProposerId, why: &str, lost: Vec<(OpId, Option<u32>)>) {
        for (id, client) in lost {
            let may_have_applied = self.world.history.get(id).is_some_and(|r| r.may_have_applied);
            let error = OpError::unanswered(may_have_applied, &format!("proposer p{p} {why}"));
            self.world.complete(id, client, Err(error));
        }
    }
}

#[cfg(test)]
mod sizes {
    /// What is scheduled stays small: a message is its record's reference (issue 9).
    #[test]
    fn a_scheduled_item_is_four_words() {
        assert_eq!(std::mem::size_of::<super::Due>(), 32);
    }
}
