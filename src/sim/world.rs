//! The simulation's mutable state (clock, RNG, network, acceptors, log, history, stats) and how
//! the proposers' runtime acts on it ([`Io`]).

use super::history::History;
use super::network::{NetConfig, Partitions};
use super::oracle::Oracle;
use super::queue::EventQueue;
use super::records;
use super::rng::Rng;
use super::trace::{EventKind, Msg, MsgRef, Node, Trace};
use super::{Action, Stats};
use crate::client::{Answer, AnswerSlot};
use crate::driver::{Io, Note, SlotRef, Timing};
use crate::fxhash::FxHashMap;
use crate::limits::MAX_CLOCK_MS;
use crate::ops::{OpError, OpId, OpKind, Val};
use crate::protocol::{Acceptor, AcceptorId, Key, ProposerId, Request};
use serde_json::Value as Json;
use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub(super) struct AcceptorNode {
    pub up: bool,
    pub state: Acceptor<Val>,
}

/// Something scheduled at a virtual time.
#[derive(Clone, Debug)]
pub(super) enum Due {
    /// A message: its record ([`World::record_message`]) holds its sender, receiver and content,
    /// so what is scheduled is small (issue 9: the message was carried twice, whole in here and
    /// cloned into its record, and an item of the queue was 112 bytes).
    Arrive {
        msg: MsgRef,
        lost: bool,
    },
    /// Several messages from one node to one node, sent in one instant ([`super::envelope`]);
    /// `log`: their records in the log, when the log is kept. Boxed: the option is rare, and a
    /// queue item is as large as its largest kind.
    Envelope {
        envelope: Box<super::envelope::Envelope>,
        lost: bool,
        log: Option<Rc<[MsgRef]>>,
    },
    Timer(SlotRef),
    /// The timer of the operation in `slot`, due at `deadline` past the end of time, fired at its
    /// end once nothing else is due there ([`World::past_end`]).
    TimeEnded {
        slot: SlotRef,
        deadline: u64,
    },
    Action(Action),
    /// The next step of garbage collection job `.0` ([`super::gc`]).
    Gc(usize),
    /// A collection of `key` after its delete (option `gcDelay`).
    GcStart {
        key: Key,
        proposer: ProposerId,
    },
    /// The next tick of the membership change running ([`super::membership`]).
    Membership,
}

/// Work to do at the current instant, in order (what a FIFO executor's ready queue held).
#[derive(Clone, Debug)]
pub(super) enum Ready {
    /// An operation slot of the runtime.
    Op(SlotRef),
    /// Client loop `index`, with the result of the operation it issued last (`None`: start it).
    Loop(u32, Option<Result<Json, OpError>>),
}

/// Operations awaited from outside (by an `OpHandle`), with the slot each one's answer goes to.
/// Not part of a checkpoint: a copy of the simulation has nobody awaiting its operations.
#[derive(Default)]
pub(super) struct AwaitedOps(pub FxHashMap<OpId, Answer>);

impl Clone for AwaitedOps {
    fn clone(&self) -> Self {
        AwaitedOps::default()
    }
}

/// A few counters of the world, readable while the world itself is borrowed (a change function,
/// run from inside a step, may read `now` or `pending`). Kept equal to the world's own by the
/// world; a copy of the world gets its own.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    pub now: Cell<u64>,
    pub steps: Cell<u64>,
    /// Operations in flight.
    pub pending: Cell<usize>,
    pub events: Cell<usize>,
    pub operations: Cell<usize>,
}

/// The world's [`Probe`], shared with whoever reads it from outside.
#[derive(Default)]
pub(crate) struct ProbeHandle(pub Rc<Probe>);

impl Clone for ProbeHandle {
    fn clone(&self) -> Self {
        let p = &self.0;
        ProbeHandle(Rc::new(Probe {
            now: p.now.clone(),
            steps: p.steps.clone(),
            pending: p.pending.clone(),
            events: p.events.clone(),
            operations: p.operations.clone(),
        }))
    }
}

/// All mutable state of a run but the proposers' runtime and the client loops.
#[derive(Clone)]
pub(super) struct World {
    pub now: u64,
    /// Events run so far (messages, timers, scheduled actions): with `now`, the exact point of a
    /// run at which a user acted, for replay.
    pub steps: u64,
    pub rng: Rng,
    pub queue: EventQueue<Due>,
    /// What waits past the end of time ([`MAX_CLOCK_MS`]), in the order armed: operations'
    /// timers ([`Due::TimeEnded`]) and the polls of garbage collection and membership changes
    /// ([`Due::waits`]). The clock cannot reach them: they run at the end, once nothing else is
    /// due there (the replies an operation waits on come first), so whatever waits still ends.
    pub past_end: VecDeque<Due>,
    pub ready: VecDeque<Ready>,
    pub net: NetConfig,
    pub partitions: Partitions,
    pub acceptors: Vec<AcceptorNode>,
    pub proposer_up: Vec<bool>,
    pub log_events: bool,
    pub trace: Trace,
    pub history: History,
    pub stats: Stats,
    /// Latencies and rates over virtual time, in bounded memory.
    pub metrics: crate::metrics::Metrics,
    pub oracle: Option<Oracle>,
    pub awaited: AwaitedOps,
    /// Operations in flight (invoked, not ended).
    pub in_flight: usize,
    pub probe: ProbeHandle,
    /// Messages waiting for the user, in manual delivery.
    pub held: super::manual::Held,
    /// Workers runs, in the order started.
    pub workers: Vec<super::WorkersProgress>,
    /// Every node's own clock (`clockDrift`): read leases are measured on them.
    pub clocks: super::Clocks,
    /// Envelopes being filled this instant (`envelopes`).
    pub outbox: super::envelope::Outbox,
    /// Garbage collection of deleted keys (§3.1).
    pub gc: super::gc::Collector,
    /// Membership change (§2.3.1–§2.3.3).
    pub membership: super::membership::Membership,
}

impl Due {
    /// True for a poll that waits on time passing (a collection's or a membership change's next
    /// step): past the end of time it must not run before what it waits for.
    fn waits(&self) -> bool {
        matches!(self, Due::Gc(_) | Due::GcStart { .. } | Due::Membership)
    }
}

impl World {
    /// Moves the records of the messages in flight and held to `copies` (a checkpoint's own: see
    /// [`super::Sim::checkpoint`]).
    pub fn rehome_messages(&mut self, copies: &mut super::message_arena::Rehomed) {
        for due in self.queue.items_mut() {
            match due {
                Due::Arrive { msg, .. } => *msg = copies.record(msg),
                Due::Envelope { envelope, log, .. } => {
                    envelope.rehome_messages(copies);
                    if let Some(log) = log {
                        *log = copies.parts(log);
                    }
                }
                _ => {}
            }
        }
        self.outbox.rehome_messages(copies);
        self.held.rehome_messages(copies);
    }

    pub fn log(&mut self, kind: EventKind) {
        if self.log_events {
            self.trace.push(super::Event { at: self.now, kind });
            self.probe.0.events.set(self.trace.events.len());
        }
    }

    /// Moves the clock to `at_ms` if that is later, and counts an event run when `step`.
    pub fn advance(&mut self, at_ms: u64, step: bool) {
        if at_ms > self.now && !self.outbox.is_empty() {
            self.seal_envelopes();
        }
        self.now = self.now.max(at_ms.min(MAX_CLOCK_MS));
        self.steps += u64::from(step);
        self.probe.0.now.set(self.now);
        self.probe.0.steps.set(self.steps);
    }

    /// An operation was handed to the runtime (`+1`) or ended (`-1`); `0`: a garbage collection
    /// started or ended. What is pending counts both: a `gc()` is a client operation too.
    pub fn count_in_flight(&mut self, delta: isize) {
        self.in_flight = self.in_flight.checked_add_signed(delta).expect("operations in flight never go below 0");
        let change = usize::from(self.membership.running());
        self.probe.0.pending.set(self.in_flight + self.gc.running() + change);
    }

    /// Schedules `due` at `at`. Past the end of time ([`MAX_CLOCK_MS`]) a wait runs once nothing
    /// else is due there ([`World::past_end`]); anything else (a message, an action) at the end.
    pub fn schedule(&mut self, at: u64, due: Due) {
        if at > MAX_CLOCK_MS && due.waits() {
            return self.past_end.push_back(due);
        }
        self.queue.push(at.min(MAX_CLOCK_MS), due);
    }

    /// The next event due, with its time: the queue's, else what waits past the end of time.
    pub fn pop_due(&mut self) -> Option<(u64, Due)> {
        (self.queue.pop()).or_else(|| self.past_end.pop_front().map(|due| (MAX_CLOCK_MS, due)))
    }

    /// When the next event is due ([`World::pop_due`]).
    pub fn next_due_at(&self) -> Option<u64> {
        self.queue.next_at().or((!self.past_end.is_empty()).then_some(MAX_CLOCK_MS))
    }

    /// Puts a message on the wire; the network decides its fate now (in manual delivery, the
    /// user does, later: the message is held, not queued).
    pub fn send(&mut self, from: Node, to: Node, msg: Msg) {
        self.stats.messages += 1;
        self.metrics.message(self.now);
        let is_request = matches!(msg, Msg::Request(_));
        let record = self.record_message(from, to, msg);
        if self.held.mode == super::Delivery::Manual {
            let log = self.log_events.then(|| record.clone());
            return self.held.hold(&record, log);
        }
        if self.net.envelopes {
            return self.outbox.add(record);
        }
        let fate = self.net.fate(&mut self.rng, is_request);
        if let Some(latency) = fate.duplicate_latency_ms {
            self.stats.duplicated += 1;
            self.log(EventKind::Duplicate { msg: record.clone() });
            self.schedule(self.now + latency, Due::Arrive { msg: record.clone(), lost: false });
        }
        self.schedule(self.now + fate.latency_ms, Due::Arrive { msg: record, lost: fate.lost });
    }

    /// A message's record, which carries it on the wire; its send is logged when the log is
    /// kept (the events about it share the record).
    fn record_message(&mut self, from: Node, to: Node, msg: Msg) -> MsgRef {
        let record = self.trace.message(from, to, self.now, msg);
        if self.log_events {
            self.log(EventKind::Send { msg: record.clone() });
        }
        record
    }

    pub fn is_up(&self, node: Node) -> bool {
        match node {
            Node::Acceptor(a) => self.acceptors[a as usize - 1].up,
            Node::Proposer(p) => self.proposer_up[p as usize - 1],
        }
    }

    /// Records a new operation and logs its invocation.
    pub fn record_invoke(&mut self, proposer: ProposerId, key: &Key, op: OpKind, input: Json) -> OpId {
        let (id, event) = records::invoke(&mut self.history, &mut self.stats, self.now, (proposer, key), op, input);
        self.probe.0.operations.set(self.history.len() as usize);
        self.log(event);
        id
    }

    /// Records how operation `id` ended (once) and logs its return.
    pub fn record_end(&mut self, id: OpId, result: &Result<Json, OpError>) {
        let started = self.history.get(id).map(|r| (r.op, r.invoke_at, r.proposer));
        let deleted = self.history.get(id).filter(|r| r.op == crate::ops::OpKind::Delete).map(|r| r.key.clone());
        if let Some(event) = records::end(&mut self.history, &mut self.stats, self.now, id, result) {
            let (op, invoke_at, proposer) = started.expect("an operation in flight is in the history's window");
            self.metrics.ended(op.name(), invoke_at, self.now, result.is_ok());
            if let Some(key) = deleted {
                super::gc::Collector::deleted(self, &key, proposer);
            }
            self.log(event);
        }
    }

    /// Records how operation `id` ended and hands the result to whoever awaits it: client loop
    /// `client`, or an `OpHandle`.
    pub fn complete(&mut self, id: OpId, client: Option<u32>, result: Result<Json, OpError>) {
        self.record_end(id, &result);
        super::membership::Membership::ended(self, id, &result);
        self.count_in_flight(-1);
        if let Some(c) = client {
            self.ready.push_back(Ready::Loop(c, Some(result)));
        } else if let Some(answer) = self.awaited.0.remove(&id) {
            AnswerSlot::answer(&answer, result);
        }
    }

    pub fn observe(&mut self, acceptor: AcceptorId, key: &Key) {
        if let Some(oracle) = &mut self.oracle {
            let slot = self.acceptors[acceptor as usize - 1].state.effective_slot(key);
            oracle.observe(self.now, acceptor, key, slot.as_deref(), self.acceptors.len());
        }
    }
}

impl Io for World {
    fn now_ms(&self) -> u64 {
        self.now
    }
    fn timing(&self) -> Timing {
        self.net.timing()
    }
    fn send(&mut self, from: ProposerId, to: AcceptorId, request: Request<Val>) {
        World::send(self, Node::Proposer(from), Node::Acceptor(to), Msg::Request(request));
    }
    fn set_timer(&mut self, at_ms: u64, slot: SlotRef) {
        if at_ms > MAX_CLOCK_MS {
            return self.past_end.push_back(Due::TimeEnded { slot, deadline: at_ms });
        }
        self.schedule(at_ms, Due::Timer(slot));
    }
    fn random_below(&mut self, bound: u64) -> u64 {
        self.rng.below(bound.max(1))
    }
    fn clock_ms(&self, proposer: ProposerId, at_ms: u64) -> u64 {
        self.clocks.local_ms(Node::Proposer(proposer), at_ms)
    }
    fn note(&mut self, mut note: Note) {
        if let Note::Leased { proposer, until_local_ms, .. } = &mut note {
            *until_local_ms = self.clocks.true_ms(Node::Proposer(*proposer), *until_local_ms);
        }
        match note {
            Note::Conflict { .. } => self.metrics.conflict(self.now),
            Note::Retry { .. } => self.metrics.retry(self.now),
            _ => {}
        }
        if let Some(event) = records::note(&mut self.history, &mut self.stats, note) {
            self.log(event);
        }
    }
    fn ready(&mut self, slot: SlotRef) {
        self.ready.push_back(Ready::Op(slot));
    }
    fn complete(&mut self, op: OpId, client: Option<u32>, result: Result<Json, OpError>) {
        World::complete(self, op, client, result);
    }
}
