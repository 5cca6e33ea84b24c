//! Every proposer's client operations as one sans-IO state machine: per-key FIFO queues (the
//! seed's per-key lock), a slab of operation slots, the §2.2.1 cache, timers and backoff draws.
//!
//! No async, no boxes, no channels, no wakers: whoever drives it (the simulator directly, or the
//! `async` adapter in [`super::adapter`]) hands in invocations, replies and fired timers, and the
//! runtime answers through [`Io`]: messages to send, timers to arm, random draws, notes, slots
//! ready to run, and completions as `(op id, result)`. It is plain data, so it can be cloned (a
//! simulation checkpoint).
//!
//! The order of everything it does is exactly that of one task per operation on a FIFO executor
//! (the previous runtime), so event logs did not change: an operation that ends releases its key
//! to the next queued operation (which runs as soon as the driver pops [`Ready`]) and then
//! reports its completion.

use super::keys::{KeyId, KeyTable};
use super::pipeline::{Admission, Pipeline};
use crate::membership::plan::Config as PhaseSets;
use crate::ops::{Op, OpError, OpId, Val};
use crate::protocol::lease::{self, Held};
use crate::protocol::{
    AcceptorId, Ballot, BallotClock, CachedRound, Finished, Key, Now, Operation, OperationContext, ProposerId, Reply,
    Request,
};
use crate::protocol::{Note, ProposerConfig, Timing};
use crate::unshared::unshared;
use serde_json::Value as Json;
use std::collections::VecDeque;
use std::rc::Rc;

/// The same sets: the very same allocation (sets are shared, never edited).
fn same_phases(a: Option<&Rc<PhaseSets>>, b: Option<&Rc<PhaseSets>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Rc::ptr_eq(a, b),
        _ => false,
    }
}

/// An operation slot, with the id of the operation in it (a stale reference names another id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRef {
    pub index: u32,
    pub op: OpId,
}

/// What the runtime needs from its world. Calls happen in the order the effects happen.
pub trait Io {
    fn now_ms(&self) -> u64;
    fn timing(&self) -> Timing;
    fn send(&mut self, from: ProposerId, to: AcceptorId, request: Request<Val>);
    /// Call [`Runtime::handle_timer`] with `slot` once the time is `at_ms` or later.
    fn set_timer(&mut self, at_ms: u64, slot: SlotRef);
    /// Uniform in `0..bound` (`bound > 0`).
    fn random_below(&mut self, bound: u64) -> u64;
    fn note(&mut self, note: Note);
    /// Call [`Runtime::run`] with `slot`, after whatever is already waiting to run.
    fn ready(&mut self, slot: SlotRef);
    /// Operation `op` ended. `client` is who issued it ([`Runtime::invoke`]).
    fn complete(&mut self, op: OpId, client: Option<u32>, result: Result<Json, OpError>);
    /// What `proposer`'s own clock read at time `at_ms` (read leases measure on it). Without
    /// clock drift, the time itself.
    fn clock_ms(&self, proposer: ProposerId, at_ms: u64) -> u64 {
        let _ = proposer;
        at_ms
    }
}

/// One proposer's memory. `clock` is durable (a restarted proposer never reuses a ballot); the
/// rest is lost on a crash.
#[derive(Clone, Debug)]
struct ProposerState {
    config: ProposerConfig,
    clock: BallotClock,
    /// Indexed by [`KeyId`]; grown on first use.
    keys: Vec<KeyState>,
    /// Lanes and parked operations under the `pipeline` bound.
    pipeline: Pipeline,
}

/// One key of one proposer: its cached round, the operation that holds it, and those queued.
#[derive(Clone, Debug, Default)]
struct KeyState {
    cache: Option<CachedRound>,
    /// The operation holding the key (it may not have started yet: granted, waiting to run).
    holder: Option<u32>,
    /// Operations that found the key held, in arrival order.
    waiting: VecDeque<u32>,
    /// The read lease held on the key ([`lease`]): reads are answered from it while it runs.
    lease: Option<Held>,
}

#[derive(Clone, Debug)]
enum Stage {
    /// Invoked; runs when popped from the ready list (it takes the key, or queues for it).
    New(Op),
    /// Queued behind the key's holder.
    Queued(Op),
    /// Waiting for a lane of its proposer's pipeline ([`super::pipeline`]).
    Parked(Op),
    /// Holds the key; runs when popped from the ready list.
    Granted(Op),
    Running {
        operation: Box<Operation>,
        armed_at: Option<u64>,
    },
    /// Rides along in the batch of the operation running in slot `leader` (its op is there).
    Riding {
        leader: u32,
    },
}

#[derive(Clone, Debug)]
struct Slot {
    op: OpId,
    proposer: ProposerId,
    key: KeyId,
    /// Who issued it, handed back with its completion.
    client: Option<u32>,
    stage: Stage,
    /// The slots riding along in this operation's batch, in order.
    riders: Vec<u32>,
}

/// The proposers' operations in flight.
#[derive(Clone, Debug)]
pub struct Runtime {
    acceptors: usize,
    proposers: Vec<ProposerState>,
    keys: KeyTable,
    /// Shared with copies of the runtime (checkpoints): a slot is copied only when one side
    /// changes it, so the operations waiting for their key cost a copy a pointer each.
    slots: Vec<Option<Rc<Slot>>>,
    free: Vec<u32>,
    in_flight: usize,
    /// Operations that rode along in another's batch so far.
    batched: u64,
    /// Reads answered from a read lease so far.
    lease_reads: u64,
    /// Operations that waited for a lane of their proposer's pipeline so far.
    parked: u64,
    /// The acceptors each phase asks, once a membership change set them (§2.3.1). Each setting
    /// is a new allocation, never edited: operations compare theirs by pointer.
    phases: Option<Rc<PhaseSets>>,
    /// The last ended operation's allocation, reused by the next one ([`Operation::renew`]).
    spare: Option<Box<Operation>>,
    /// The last freed slot's allocation, reused by the next invocation (when no copy shares it).
    spare_slot: Option<Rc<Slot>>,
}

impl Runtime {
    pub fn new(acceptors: usize, proposers: usize, config: ProposerConfig) -> Runtime {
        assert!(acceptors >= 1 && proposers >= 1, "a cluster needs acceptors and proposers");
        let proposers = (0..proposers)
            .map(|_| ProposerState {
                config: config.clone(),
                clock: BallotClock::default(),
                keys: Vec::new(),
                pipeline: Pipeline::default(),
            })
            .collect();
        Runtime {
            acceptors,
            proposers,
            keys: KeyTable::default(),
            slots: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            batched: 0,
            lease_reads: 0,
            parked: 0,
            phases: None,
            spare: None,
            spare_slot: None,
        }
    }

    /// Every proposer's operations from now on ask `phases` (a membership change's step, §2.3.1);
    /// operations running keep the sets they started with. Cached rounds (§2.2.1) are promises of
    /// the old sets: they go, and a round under old sets never caches.
    pub fn set_phases(&mut self, phases: PhaseSets) {
        self.phases = Some(Rc::new(phases));
        for p in &mut self.proposers {
            // Read leases too: their grants were counted against the old accept quorum.
            p.keys.iter_mut().for_each(|k| (k.cache, k.lease) = (None, None));
        }
    }

    /// A new proposer (§2.3.4), with the same configuration as the others and its ballot clock
    /// past `counter`; its id (the next one: ids are never reused).
    pub fn add_proposer(&mut self, counter: u64) -> ProposerId {
        let config = self.proposers[0].config.clone();
        let clock = BallotClock::default();
        self.proposers.push(ProposerState { config, clock, keys: Vec::new(), pipeline: Pipeline::default() });
        let id = ProposerId::try_from(self.proposers.len()).expect("proposer ids fit in a byte");
        self.resume_ballots_above(id, counter);
        id
    }

    /// Proposers ever added, removed ones included: ids `1..=proposers()`.
    pub fn proposers(&self) -> usize {
        self.proposers.len()
    }

    /// The sets set by [`Runtime::set_phases`], if any.
    pub fn phases(&self) -> Option<&PhaseSets> {
        self.phases.as_deref()
    }

    /// Operations running under sets older than the current ones: a step of a membership change
    /// is complete once there are none.
    pub fn running_under_old_phases(&self) -> usize {
        let current = self.phases.as_ref();
        let old = |s: &Slot| match &s.stage {
            Stage::Running { operation, .. } => !same_phases(operation.phases(), current),
            _ => false,
        };
        self.slots.iter().flatten().filter(|s| old(s)).count()
    }

    /// Operations that rode along in another operation's batch so far.
    pub fn batched(&self) -> u64 {
        self.batched
    }

    /// Reads answered from a read lease (no message) so far.
    pub fn lease_reads(&self) -> u64 {
        self.lease_reads
    }

    /// Operations that waited for a lane of their proposer's pipeline so far (`pipeline`).
    pub fn parked(&self) -> u64 {
        self.parked
    }

    /// Operations in flight (queued or running).
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    pub fn config(&self, proposer: ProposerId) -> &ProposerConfig {
        &self.proposer(proposer).config
    }

    /// Changes how `proposer` behaves from its next operation on. Without §2.2.1 the cache goes.
    pub fn set_config(&mut self, proposer: ProposerId, config: ProposerConfig) {
        let p = self.proposer_mut(proposer);
        if !config.one_rtt {
            p.keys.iter_mut().for_each(|k| k.cache = None);
        }
        p.config = config;
    }

    /// The highest ballot counter `proposer` issued or observed (durable).
    pub fn ballot_counter(&self, proposer: ProposerId) -> u64 {
        self.proposer(proposer).clock.counter()
    }

    /// Puts `proposer`'s durable ballot clock above `counter`: for a proposer whose clock did not
    /// survive (a reloaded client tab), which resumes from a bound no earlier ballot reached.
    pub fn resume_ballots_above(&mut self, proposer: ProposerId, counter: u64) {
        self.proposer_mut(proposer).clock.observe(Ballot::new(counter, proposer));
    }

    /// §3.1, step (b) of garbage collection, at `proposer`: forget the cached round of `key`
    /// (§2.2.1) and fast-forward the ballot clock past `ballot`, so its next round on the key
    /// starts with a prepare under a ballot above the collected tombstone's. `false` (nothing
    /// done) while an operation of `proposer` holds or waits for `key`: its retries could still
    /// find their exactly-once markers in the tombstone, so the collector comes back later.
    pub fn collect_key(&mut self, proposer: ProposerId, key: &Key, ballot: Ballot) -> bool {
        let key_id = self.keys.get(key);
        let p = self.proposer_mut(proposer);
        if let Some(state) = key_id.and_then(|id| p.keys.get_mut(id as usize)) {
            if state.holder.is_some() || !state.waiting.is_empty() {
                return false;
            }
            state.cache = None;
            // And its read lease: once the register is erased, reads must see version 0.
            state.lease = None;
        }
        p.clock.observe(ballot);
        true
    }

    /// A fresh ballot of `proposer` (the garbage collector's round runs under its proposer's clock).
    pub fn next_ballot(&mut self, proposer: ProposerId) -> Ballot {
        self.proposer_mut(proposer).clock.next(proposer)
    }

    /// `proposer` saw `ballot` refuse it: its next ballot is above it (§2.1).
    pub fn observe_ballot(&mut self, proposer: ProposerId, ballot: Ballot) {
        self.proposer_mut(proposer).clock.observe(ballot);
    }

    /// Keys with a cached round, with its ballot, sorted by key.
    pub fn cached(&self, proposer: ProposerId) -> Vec<(Key, Ballot)> {
        let p = self.proposer(proposer);
        let v: Vec<_> = (p.keys.iter().enumerate())
            .filter_map(|(id, k)| k.cache.as_ref().map(|c| (self.keys.key(id as KeyId).clone(), c.ballot)))
            .collect();
        crate::sorting::sorted_by_unique_key(v, |(k, _)| k)
    }

    /// Starts operation `op` (id `id`) on `key` through `proposer`: it runs when `io` pops the
    /// slot it readies. `client` is handed back with the completion.
    /// `key` as a shared string: the key table's when the key was interned before (an invocation
    /// of a key in use allocates nothing for it), else a new one.
    pub fn shared_key(&self, key: &str) -> Key {
        self.keys.get(key).map_or_else(|| key.into(), |id| self.keys.key(id).clone())
    }

    pub fn invoke(&mut self, io: &mut impl Io, id: OpId, proposer: ProposerId, key: &Key, op: Op, client: Option<u32>) {
        let key = self.keys.intern(key);
        let slot = self.new_slot(Slot { op: id, proposer, key, client, stage: Stage::New(op), riders: Vec::new() });
        let index = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(slot);
                i
            }
            None => {
                self.slots.push(Some(slot));
                self.slots.len() as u32 - 1
            }
        };
        self.in_flight += 1;
        io.ready(SlotRef { index, op: id });
    }

    /// Runs a readied slot: a new operation takes its key or queues for it; a granted one starts.
    pub fn run(&mut self, io: &mut impl Io, slot: SlotRef) {
        let Some(s) = self.slot_mut(slot) else { return };
        let (proposer, key) = (s.proposer, s.key);
        let op = match std::mem::replace(&mut s.stage, Stage::New(Op::Get)) {
            Stage::New(op) => {
                let held = self.key_state(proposer, key).holder.is_some();
                let p = self.proposer_mut(proposer);
                match p.pipeline.admission(p.config.pipeline, held) {
                    Admission::Park => {
                        p.pipeline.park(slot.index);
                        self.parked += 1;
                        self.slot_mut(slot).expect("just seen").stage = Stage::Parked(op);
                        return;
                    }
                    Admission::Queue => {
                        self.key_state(proposer, key).waiting.push_back(slot.index);
                        self.slot_mut(slot).expect("just seen").stage = Stage::Queued(op);
                        return;
                    }
                    Admission::Take => self.take_key(proposer, key, slot.index),
                }
                op
            }
            Stage::Granted(op) => op,
            other => {
                self.slot_mut(slot).expect("just seen").stage = other;
                return;
            }
        };
        self.start(io, slot, op);
    }

    /// A reply from acceptor `from` to `proposer`: it goes to the operation running on its key.
    pub fn handle_reply(&mut self, io: &mut impl Io, proposer: ProposerId, from: AcceptorId, reply: &Reply<Val>) {
        let Some(key) = self.keys.id_of(reply.key()) else { return };
        let Some(index) = self.proposer(proposer).keys.get(key as usize).and_then(|k| k.holder) else { return };
        let op = self.slots[index as usize].as_ref().expect("a holder is a live slot").op;
        let slot = SlotRef { index, op };
        self.with_operation(io, slot, |operation, now| operation.handle_reply(now, from, reply));
    }

    /// A timer set through [`Io::set_timer`] fired (it may be stale: then nothing happens).
    pub fn handle_timer(&mut self, io: &mut impl Io, slot: SlotRef) {
        self.with_operation(io, slot, |_, _| {});
    }

    /// The timer of the operation in `slot`, due at `deadline` past the end of time, fired at
    /// the end with nothing else due: its phase or backoff is over. A timer the operation no
    /// longer waits on does nothing (as a stale [`Runtime::handle_timer`]).
    pub fn handle_time_ended(&mut self, io: &mut impl Io, slot: SlotRef, deadline: u64) {
        let Some(Slot { stage: Stage::Running { armed_at, .. }, .. }) = self.slot_mut(slot) else { return };
        if *armed_at != Some(deadline) {
            return;
        }
        // The clock no longer moves: the next phase's deadline may equal this one and must be
        // armed anew (`drive` arms a deadline only when it moved).
        *armed_at = None;
        self.with_operation(io, slot, |operation, now| operation.handle_time_ended(now));
    }

    /// `proposer` crashed: it forgets all but its ballot clock, and its operations (queued or
    /// running) are dropped without running again. Returns them, in the order they were invoked,
    /// with who issued each: the caller ends them.
    pub fn crash(&mut self, proposer: ProposerId) -> Vec<(OpId, Option<u32>)> {
        // (OpId, usize): the sort the checker already has (see `crate::sorting`).
        let mut lost: Vec<(OpId, usize)> = (self.slots.iter().enumerate())
            .filter_map(|(i, s)| s.as_ref().filter(|s| s.proposer == proposer).map(|s| (s.op, i)))
            .collect();
        crate::sorting::merge_sort(&mut lost);
        let clients = lost.iter().map(|&(op, i)| (op, self.slots[i].as_ref().expect("listed").client));
        let ended = clients.collect();
        for (_, index) in lost {
            self.free_slot(index as u32);
        }
        let p = self.proposer_mut(proposer);
        p.keys.clear();
        p.pipeline = Pipeline::default();
        ended
    }

    // ---- the operation's life ----

    fn start(&mut self, io: &mut impl Io, slot: SlotRef, op: Op) {
        if let Some(result) = self.lease_read(io, slot, &op) {
            return self.finish(io, slot, Finished { result, cache: None, riders: Vec::new(), lease: None });
        }
        let s = self.slots[slot.index as usize].as_ref().expect("a live slot");
        let (proposer, key_id) = (s.proposer, s.key);
        let p = &mut self.proposers[proposer as usize - 1];
        let ctx = OperationContext {
            proposer,
            op_id: slot.op,
            key: self.keys.key(key_id).clone(),
            acceptors: self.acceptors,
            config: p.config.clone(),
            phases: self.phases.clone(),
        };
        let batch_max = p.config.batch_max;
        let cached = p.keys[key_id as usize].cache.take();
        // A round on the key ends the lease's local reads; only a read's round takes a new one.
        p.keys[key_id as usize].lease = None;
        let riders = self.take_riders(slot, batch_max);
        let p = &mut self.proposers[proposer as usize - 1];
        let mut operation = match self.spare.take() {
            Some(mut spare) => {
                spare.renew(ctx, op, riders);
                spare
            }
            None => Box::new(Operation::new(ctx, op).with_riders(riders)),
        };
        operation.start(Now { ms: io.now_ms(), timing: io.timing(), clock: &mut p.clock }, cached);
        self.slot_mut(slot).expect("a live slot").stage = Stage::Running { operation, armed_at: None };
        self.with_operation(io, slot, |_, _| {});
    }

    /// Answers a read from the read lease its proposer holds on the key, if it still runs by the
    /// proposer's clock ([`lease`]): no message is sent.
    fn lease_read(&mut self, io: &mut impl Io, slot: SlotRef, op: &Op) -> Option<Result<Json, OpError>> {
        if !op.is_read_only() {
            return None;
        }
        let s = self.slots[slot.index as usize].as_ref().expect("a live slot");
        let (proposer, key, now) = (s.proposer, s.key, io.now_ms());
        let held = self.proposer(proposer).keys.get(key as usize)?.lease.as_ref()?;
        if !held.valid_at(io.clock_ms(proposer, now)) {
            return None;
        }
        // A read's answer needs no settling (`Op::settle` changes lock answers only).
        let (wrote, answer) = crate::protocol::batch::evaluate(proposer, slot.op, op, &held.value, now);
        assert!(wrote.is_none(), "a read answered from a lease writes nothing");
        self.lease_reads += 1;
        Some(answer)
    }

    /// Keeps the read lease an operation's round won, for the window its proposer trusts.
    fn keep_lease(&mut self, io: &mut impl Io, proposer: ProposerId, key: KeyId, won: lease::Won) {
        let config = &self.proposer(proposer).config;
        let duration = config.lease_ms.expect("a lease was won only when asked for");
        let window = lease::holder_window_ms(duration, config.clock_drift_ppm, config.break_trust_lease);
        let until_local_ms = io.clock_ms(proposer, won.sent_ms).saturating_add(window);
        self.key_state(proposer, key).lease = Some(Held { value: won.value, until_local_ms });
        io.note(Note::Leased { proposer, key: self.keys.key(key).clone(), until_local_ms });
    }

    /// True when the operation running in `slot` asks the current phase sets.
    fn running_phases_are_current(&self, slot: SlotRef) -> bool {
        match &self.slots[slot.index as usize].as_ref().expect("a live slot").stage {
            Stage::Running { operation, .. } => same_phases(operation.phases(), self.phases.as_ref()),
            _ => true,
        }
    }

    /// Takes up to `batch_max - 1` operations queued behind `slot` on its key into its batch.
    fn take_riders(&mut self, slot: SlotRef, batch_max: usize) -> Vec<(OpId, Op)> {
        let s = self.slots[slot.index as usize].as_ref().expect("a live slot");
        let (proposer, key) = (s.proposer, s.key);
        let state = self.key_state(proposer, key);
        let n = state.waiting.len().min(batch_max.saturating_sub(1));
        let indices: Vec<u32> = state.waiting.drain(..n).collect();
        let mut riders = Vec::with_capacity(n);
        for &index in &indices {
            let rider = self.slots[index as usize].as_mut().map(unshared).expect("a waiting slot is live");
            let Stage::Queued(op) = std::mem::replace(&mut rider.stage, Stage::Riding { leader: slot.index }) else {
                unreachable!("a waiting slot is queued")
            };
            riders.push((rider.op, op));
        }
        self.batched += n as u64;
        self.slots[slot.index as usize].as_mut().map(unshared).expect("a live slot").riders = indices;
        riders
    }

    /// Hands `input` to the running operation in `slot`, then carries out what it asks until it
    /// ends or waits.
    fn with_operation(&mut self, io: &mut impl Io, slot: SlotRef, input: impl FnOnce(&mut Operation, Now<'_>)) {
        let Some(s) =
            self.slots.get_mut(slot.index as usize).and_then(Option::as_mut).filter(|s| s.op == slot.op).map(unshared)
        else {
            return;
        };
        let Stage::Running { operation, armed_at } = &mut s.stage else { return };
        let clock = &mut self.proposers[s.proposer as usize - 1].clock;
        input(operation, Now { ms: io.now_ms(), timing: io.timing(), clock });
        if let Some(finished) = drive(io, s.proposer, operation, armed_at, slot, clock) {
            self.finish(io, slot, finished);
        }
    }

    /// The operation in `slot` ended: its key goes to the next queued operation, the cache keeps
    /// the round it left, and then its completion is reported.
    fn finish(&mut self, io: &mut impl Io, slot: SlotRef, finished: Finished) {
        let s = self.slots[slot.index as usize].as_mut().map(unshared).expect("a live slot");
        let (proposer, key, client) = (s.proposer, s.key, s.client);
        let riders = std::mem::take(&mut s.riders);
        let current = self.running_phases_are_current(slot);
        // A lease won under sets a membership change has replaced is not kept: its grants were
        // counted against the old accept quorum.
        if let Some(won) = finished.lease.filter(|_| current) {
            self.keep_lease(io, proposer, key, won);
        }
        let state = self.key_state(proposer, key);
        if let Some(next) = finished.cache.filter(|_| current) {
            state.cache = Some(next);
        }
        debug_assert_eq!(state.holder, Some(slot.index), "only the holder runs");
        state.holder = state.waiting.pop_front();
        if let Some(next) = state.holder {
            self.grant(io, next);
        } else {
            self.proposer_mut(proposer).pipeline.release_lane();
            self.admit_parked(io, proposer);
        }
        self.free_slot(slot.index);
        io.complete(slot.op, client, finished.result);
        assert_eq!(riders.len(), finished.riders.len(), "every rider has an answer");
        for (index, result) in riders.into_iter().zip(finished.riders) {
            let rider = self.slots[index as usize].as_ref().expect("a rider is live until its batch ends");
            debug_assert!(matches!(rider.stage, Stage::Riding { leader } if leader == slot.index));
            let (op, client) = (rider.op, rider.client);
            self.free_slot(index);
            io.complete(op, client, result);
        }
    }

    /// Slot `index` (queued or parked) now holds its key: it starts when `io` pops it.
    fn grant(&mut self, io: &mut impl Io, index: u32) {
        let s = self.slots[index as usize].as_mut().map(unshared).expect("a waiting slot is live");
        let (Stage::Queued(op) | Stage::Parked(op)) = std::mem::replace(&mut s.stage, Stage::New(Op::Get)) else {
            unreachable!("a waiting slot is queued or parked")
        };
        s.stage = Stage::Granted(op);
        io.ready(SlotRef { index, op: s.op });
    }

    /// `index` becomes the holder of `key`, whose lane it takes.
    fn take_key(&mut self, proposer: ProposerId, key: KeyId, index: u32) {
        let p = self.proposer_mut(proposer);
        p.pipeline.take_lane(p.config.pipeline);
        let state = self.key_state(proposer, key);
        debug_assert!(state.holder.is_none(), "a key has one holder");
        state.holder = Some(index);
    }

    /// A lane of `proposer` freed: parked operations are admitted in order while they can be.
    fn admit_parked(&mut self, io: &mut impl Io, proposer: ProposerId) {
        loop {
            let slots = &self.slots;
            let key_of = |index: u32| slots[index as usize].as_ref().expect("a parked slot is live").key;
            let p = &mut self.proposers[proposer as usize - 1];
            let (keys, bound) = (&p.keys, p.config.pipeline);
            let held = |index: u32| keys.get(key_of(index) as usize).is_some_and(|k| k.holder.is_some());
            let Some((index, admission)) = p.pipeline.next_parked(bound, held) else {
                break;
            };
            let key = key_of(index);
            if admission == Admission::Take {
                self.take_key(proposer, key, index);
                self.grant(io, index);
            } else {
                self.key_state(proposer, key).waiting.push_back(index);
                let s = self.slots[index as usize].as_mut().map(unshared).expect("a parked slot is live");
                let Stage::Parked(op) = std::mem::replace(&mut s.stage, Stage::New(Op::Get)) else {
                    unreachable!("a parked slot is parked")
                };
                s.stage = Stage::Queued(op);
            }
        }
        debug_assert_eq!(self.proposer(proposer).pipeline.lanes(), self.held_keys(proposer), "a lane per held key");
    }

    /// Keys of `proposer` with a holder.
    fn held_keys(&self, proposer: ProposerId) -> usize {
        self.proposer(proposer).keys.iter().filter(|k| k.holder.is_some()).count()
    }

    fn free_slot(&mut self, index: u32) {
        if let Some(mut slot) = self.slots[index as usize].take() {
            self.free.push(index);
            self.in_flight -= 1;
            // Reused only when no checkpoint shares the slot (a checkpoint's copy keeps its own):
            // its operation's box by the next operation, its allocation by the next slot.
            if let Some(s) = Rc::get_mut(&mut slot) {
                if let Stage::Running { operation, .. } = std::mem::replace(&mut s.stage, Stage::New(Op::Get)) {
                    self.spare = Some(operation);
                }
                self.spare_slot = Some(slot);
            }
        }
    }

    /// `slot` in the spare slot's allocation if no copy of this runtime shares it, else in a new one.
    fn new_slot(&mut self, slot: Slot) -> Rc<Slot> {
        if let Some(mut spare) = self.spare_slot.take() {
            if let Some(held) = Rc::get_mut(&mut spare) {
                *held = slot;
                return spare;
            }
        }
        Rc::new(slot)
    }

    // ---- lookups ----

    fn proposer(&self, proposer: ProposerId) -> &ProposerState {
        &self.proposers[proposer as usize - 1]
    }

    fn proposer_mut(&mut self, proposer: ProposerId) -> &mut ProposerState {
        &mut self.proposers[proposer as usize - 1]
    }

    fn key_state(&mut self, proposer: ProposerId, key: KeyId) -> &mut KeyState {
        let keys = &mut self.proposers[proposer as usize - 1].keys;
        if keys.len() <= key as usize {
            keys.resize_with(key as usize + 1, KeyState::default);
        }
        &mut keys[key as usize]
    }

    fn slot_mut(&mut self, slot: SlotRef) -> Option<&mut Slot> {
        self.slots.get_mut(slot.index as usize)?.as_mut().filter(|s| s.op == slot.op).map(unshared)
    }
}

/// Carries out the operation's outputs, draws its backoffs and fires its past-due timer, until it
/// ends (`Some`) or waits on a reply or a timer (armed through `io` when its deadline moved).
fn drive(
    io: &mut impl Io,
    proposer: ProposerId,
    operation: &mut Operation,
    armed_at: &mut Option<u64>,
    slot: SlotRef,
    clock: &mut BallotClock,
) -> Option<Finished> {
    loop {
        // Notes first (they tell why), then messages.
        while let Some(note) = operation.poll_note() {
            io.note(note);
        }
        while let Some((to, request)) = operation.poll_transmit() {
            io.send(proposer, to, request);
        }
        if let Some(finished) = operation.poll_outcome() {
            return Some(finished);
        }
        if let Some(window) = operation.poll_backoff() {
            let delay = 1 + io.random_below(window);
            operation.handle_backoff(Now { ms: io.now_ms(), timing: io.timing(), clock }, delay);
            continue;
        }
        let deadline = operation.poll_timeout().expect("a waiting operation has a timer");
        if io.now_ms() >= deadline {
            operation.handle_timeout(Now { ms: io.now_ms(), timing: io.timing(), clock });
            continue;
        }
        if *armed_at != Some(deadline) {
            *armed_at = Some(deadline);
            io.set_timer(deadline, slot);
        }
        return None;
    }
}
