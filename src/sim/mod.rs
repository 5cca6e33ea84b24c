//! The deterministic world: virtual clock, one seeded RNG, a simulated network with faults, the
//! event log and the client history.
//!
//! One seed plus the list of actions determines every event: the same seed and actions give the
//! same event log, natively and in wasm. Nothing here reads a real clock or OS randomness.

mod checkpoint_parts;
mod chunked;
mod clock;
mod engine;
mod envelope;
mod executor;
mod faults;
pub mod fuzz;
mod gc;
mod history;
pub mod loops;
mod manual;
mod membership;
mod message_arena;
mod network;
mod oracle;
mod proposers;
mod queue;
pub(crate) mod record_bytes;
pub use record_bytes::value_memory;
mod record_value;
pub(crate) mod records;
mod rng;
mod trace;
mod trace_text;
mod window_bytes;
mod workers;
pub mod workload;
mod world;

#[doc(hidden)]
pub use checkpoint_parts::freed;
pub use checkpoint_parts::PartBytes;
pub use chunked::{Chunked, CHUNK};
pub use clock::Clocks;
pub use gc::{GcStep, GC_OP};
pub use history::{Evaluation, Evaluations, History, OpRecord, HISTORY_WINDOW};
pub use loops::ClientLoop;
pub use manual::{Delivery, HeldMessage};
pub use membership::{ChangeKind, StepView, StoppedView};
pub use network::{NetConfig, Partitions};
pub use oracle::{Finding, Oracle, OracleKind};
pub use record_value::RecordValue;
pub use rng::Rng;
pub use trace::{line, DropReason, Event, EventKind, MessageRecord, Msg, MsgRef, NetSetting, Node, Trace};
pub use workers::{WorkersPlan, WorkersProgress};

use crate::client::{Answer, AnswerSlot, Client, OpHandle};
use crate::driver::{DriverConfig, Runtime};
use crate::ops::{Op, OpError, OpId, Val};
use crate::protocol::{Acceptor, AcceptorId, Ballot, Key, ProposerId, Slot};
use engine::{Core, Invoked, Stepped};
use executor::Executor;
use message_arena::{Rehomed, REHOMED_RECORD_BYTES};
use std::cell::{Cell, Ref, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use world::{AcceptorNode, Probe, World};

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
    /// Collect each deleted key this long (virtual ms) after its delete ends (§3.1); `None`
    /// (the default): only when asked ([`Sim::gc`]).
    pub gc_delay_ms: Option<u64>,
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
            gc_delay_ms: None,
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
    /// Arrivals (delivered or dropped): one per message, or one per envelope (`envelopes`).
    pub deliveries: u64,
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

/// The simulation and what awaits it from outside: tasks spawned into it (tests, examples) and
/// `OpHandle`s, which reach it through [`Shared::invoke`].
pub(crate) struct Shared {
    core: RefCell<Core>,
    /// The core's counters, readable while it is borrowed.
    probe: Rc<Probe>,
    /// Async client tasks ([`Sim::spawn`]); client loops ([`Sim::start_loop`]) are data instead.
    executor: Executor,
    /// True while [`Sim::settle`] runs (an operation invoked from a task waits for the loop).
    settling: Cell<bool>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Whoever still awaits an operation learns that it will not end here.
        let world = &mut self.core.get_mut().world;
        for (id, answer) in std::mem::take(&mut world.awaited.0) {
            // Its fate as a crash would say it (outside tester 16: every one "may have been
            // applied", a get and increments that had sent no accept included).
            let may_have_applied = world.history.get(id).is_none_or(|r| r.may_have_applied);
            AnswerSlot::abandon(&answer, may_have_applied);
        }
        LIVE_SIMULATIONS.with(|n| n.set(n.get() - 1));
    }
}

impl Shared {
    /// Records and starts an operation, and runs what is ready (unless a task invoked it: then
    /// the loop already running does).
    pub(crate) fn invoke(self: &Rc<Self>, proposer: ProposerId, key: &str, op: Op) -> OpHandle {
        let answer = Answer::default();
        match self.start(proposer, key, op, Some(&answer)) {
            Invoked::Ended(result) => OpHandle::ready(result),
            Invoked::Running(_) => OpHandle::waiting(answer),
        }
    }

    /// [`Shared::invoke`] of an operation nobody awaits: no answer slot is kept for it.
    fn invoke_unawaited(&self, proposer: ProposerId, key: &str, op: Op) {
        self.start(proposer, key, op, None);
    }

    /// Starts an operation, its `answer` slot (if awaited) in place before anything runs, then
    /// runs what is ready.
    fn start(&self, proposer: ProposerId, key: &str, op: Op, answer: Option<&Answer>) -> Invoked {
        let invoked = self.core.borrow_mut().invoke(proposer, key, op, None);
        if let Invoked::Running(id) = invoked {
            if let Some(answer) = answer {
                self.core.borrow_mut().world.awaited.0.insert(id, answer.clone());
            }
            self.settle();
        }
        invoked
    }

    /// The result of operation `id` if it ended; else `waker` is woken when it does.
    fn settle(&self) {
        if self.settling.replace(true) {
            return;
        }
        loop {
            self.core.borrow_mut().run_ready();
            let polls = if self.executor.is_empty() { 0 } else { self.executor.run_until_stalled() };
            if polls == 0 && self.core.borrow().world.ready.is_empty() {
                break;
            }
        }
        self.settling.set(false);
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

/// What a checkpoint holds whatever the run's size (the event queue's wheel, nodes, counters).
/// The wheel's 64 buckets are 2 KB of it (1,024 were 32 KB: this was 48 KB then).
const CHECKPOINT_BASE_BYTES: usize = 18 * 1024;
/// What a checkpoint holds per operation in flight: a pointer to its runtime slot and one to its
/// record, its id in the history's and the checker's lists, and the slots and records the run
/// changes after the copy (shared until then; most operations in flight wait for their key).
const IN_FLIGHT_BYTES: usize = 48;
/// What a history record holds (its value, its evaluations, the checker's copy of it) once only
/// checkpoints keep it: the run let it go.
pub const CHECKPOINT_RECORD_BYTES: usize = std::mem::size_of::<OpRecord>() + 256;
/// What a checkpoint holds per operation its checker has not folded, besides the pointer: the
/// operation (its shared box, and any value it holds) is shared with the run until the run
/// folds its key (about every [`crate::checker::FOLD_EVERY`] operations), then it is the copy's
/// alone, for the rest of the copy's life: [`crate::checker::UNFOLDED_OP_BYTES`] each, 304
/// natively (it was 344 by an allocator's count in an increment run, the key's text and the
/// times in blocks of their own; `tests/checkpoint_bytes.rs`; counting a tenth of it, as before,
/// undercounted a long-lived copy by about 0.9 MB in the scale tests' session).
const CHECKER_OP_BYTES: usize = crate::checker::UNFOLDED_OP_BYTES;
/// What a checkpoint holds per entry of the safety oracles (a key, an accepted value).
const ORACLE_ENTRY_BYTES: usize = 128;

/// A copy of a simulation at one point ([`Sim::checkpoint`]): plain data, restorable any number
/// of times ([`Sim::restore`]).
#[derive(Clone)]
pub struct Checkpoint {
    core: Core,
    config: SimConfig,
    /// Message records this copy holds of its own (see [`Sim::checkpoint`]).
    messages: usize,
}

impl Checkpoint {
    /// About the bytes this copy holds of its own (what the checkpoints' memory budget counts,
    /// `src/session/checkpoints.rs`): its open chunk of events, a pointer per history record and
    /// per operation the checker has not folded (the records and operations are shared with the
    /// run until one side changes them), each operation in flight (its runtime slot, and its
    /// record once the run changes it), the oracles' entries, and a base for the rest (the
    /// event queue's wheel, counters, nodes). Checked against an allocator's count in
    /// `tests/checkpoint_bytes.rs`.
    pub fn bytes(&self) -> usize {
        use std::mem::size_of;
        let w = &self.core.world;
        let ids = w.history.kept_ids();
        let checker_ops = w.history.checker_ops();
        let pointers = (ids.end - ids.start) as usize + checker_ops;
        CHECKPOINT_BASE_BYTES
            + w.trace.events.held() * size_of::<Event>()
            + self.messages * REHOMED_RECORD_BYTES
            + pointers * size_of::<usize>()
            + (ids.end - w.history.folded()) as usize * size_of::<u32>()
            + checker_ops * CHECKER_OP_BYTES
            + self.core.runtime.in_flight() * IN_FLIGHT_BYTES
            + w.oracle.as_ref().map_or(0, Oracle::entries) * ORACLE_ENTRY_BYTES
    }

    /// The checker's frontiers this copy holds: (address, bytes) each. A frontier is shared
    /// with the run and with the copies before and after it until the run's checker folds its
    /// key again; then it is the copies' alone (up to MBs each when thousands of operations span
    /// a key's cut: 17.9 MB for one copy in a queued run, by an allocator's count). Not in
    /// [`Checkpoint::bytes`]: the budget counts each once across copies.
    pub fn checker_frontiers(&self) -> Vec<(usize, usize)> {
        self.core.world.history.checker_frontiers().collect()
    }

    /// [`Checkpoint::bytes`] and the checker's frontiers: what this copy holds when nothing
    /// shares its frontiers.
    pub fn bytes_alone(&self) -> usize {
        self.bytes() + self.checker_frontiers().iter().map(|f| f.1).sum::<usize>()
    }

    /// Negative controls: the first message in flight this copy holds a record of (its own,
    /// [`Rehomed`]) gets that record's ends swapped, so the line a replay from here logs for it
    /// differs from the run's (the record carries the message: it then arrives at its sender,
    /// which ignores it; the line of its arrival is the first to differ). Returns its number.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn corrupt_message_in_flight(&mut self) -> Option<usize> {
        self.core.world.queue.items_mut().find_map(|due| match due {
            world::Due::Arrive { msg, .. } => {
                let mut record = (**msg).clone();
                std::mem::swap(&mut record.from, &mut record.to);
                let id = record.id;
                *msg = MsgRef::new(record);
                Some(id)
            }
            _ => None,
        })
    }

    /// Negative controls: this copy's checker counts one search step more than it spent.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn corrupt_checker(&mut self) {
        self.core.world.history.ledger_mut().corrupt_steps();
    }

    /// The ids of the history records this copy keeps: shared with the run while it keeps them
    /// too, and with other copies that keep them; once the run let them go, the copies' own
    /// (about [`CHECKPOINT_RECORD_BYTES`] each, counted once across copies by the budget).
    pub fn history_ids(&self) -> std::ops::Range<OpId> {
        self.core.world.history.kept_ids()
    }

    /// Events run up to this point.
    pub fn steps(&self) -> u64 {
        self.core.world.steps
    }

    /// Events logged up to this point.
    pub fn events(&self) -> usize {
        self.core.world.trace.events.len()
    }

    /// Events this copy holds materialized (see [`Sim::checkpoint`]).
    pub fn events_held(&self) -> usize {
        self.core.world.trace.events.held()
    }

    /// Virtual time at this point.
    pub fn now(&self) -> u64 {
        self.core.world.now
    }
}

impl Sim {
    /// A new cluster. Fails with `InvalidArgument` on sizes or settings out of range.
    pub fn new(config: SimConfig) -> Result<Sim, OpError> {
        check_config(&config)?;
        let world = World {
            now: 0,
            steps: 0,
            rng: Rng::new(config.seed),
            queue: Default::default(),
            past_end: Default::default(),
            ready: Default::default(),
            net: config.net.clone(),
            partitions: Partitions::new(config.acceptors, config.proposers),
            acceptors: (0..config.acceptors).map(|_| AcceptorNode { up: true, state: Acceptor::default() }).collect(),
            proposer_up: vec![true; config.proposers],
            log_events: config.log_events,
            trace: Trace::default(),
            history: History::default(),
            stats: Stats::default(),
            metrics: Default::default(),
            oracle: config.check_invariants.then(Oracle::default),
            awaited: Default::default(),
            in_flight: 0,
            probe: Default::default(),
            held: manual::Held::default(),
            workers: Vec::new(),
            clocks: Clocks::new(config.seed, config.acceptors, config.proposers, config.driver.clock_drift_ppm),
            outbox: Default::default(),
            gc: gc::Collector::new(config.gc_delay_ms),
            membership: Default::default(),
        };
        let runtime = Runtime::new(config.acceptors, config.proposers, config.driver.clone());
        Ok(Sim::of(Core { world, runtime, loops: Vec::new() }, config))
    }

    fn of(core: Core, config: SimConfig) -> Sim {
        let probe = core.world.probe.0.clone();
        let shared = Rc::new(Shared {
            core: RefCell::new(core),
            probe,
            executor: Executor::default(),
            settling: Cell::new(false),
        });
        LIVE_SIMULATIONS.with(|n| n.set(n.get() + 1));
        Sim { shared, config }
    }

    /// A copy of the simulation as it is now. `None` while an async task ([`Sim::spawn`]) lives
    /// in it: a task is code, not data. (Client loops are data and are copied.)
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        if !self.shared.executor.is_empty() {
            return None;
        }
        self.settle();
        let mut core = self.shared.core.borrow_mut();
        // A windowed log's copy holds none of its events (it would pin them after the run lets
        // them go): only its hash and counts; a whole log's copy shares its chunks.
        // Its messages' records are its own too (`Rehomed`): a record shares a block of the
        // run's with a thousand others, and the copy would pin every block it refers to.
        let mut copies = Rehomed::default();
        let detached = core.world.trace.window().map(|_| core.world.trace.detached(&mut copies));
        let live = detached.is_some().then(|| std::mem::take(&mut core.world.trace));
        let mut copy = core.clone();
        if let (Some(live), Some(detached)) = (live, detached) {
            core.world.trace = live;
            copy.world.trace = detached;
            copy.world.rehome_messages(&mut copies);
        } else if !copy.world.log_events {
            // No log either, yet the messages in flight are carried by their records: the copy's
            // own too, or it would pin the run's blocks of them.
            copy.world.rehome_messages(&mut copies);
        }
        // Nor the history records the run holds that no operation in flight needs: copies spread
        // over a long run would otherwise keep most of its records between them (see
        // `Recording::complete_history`, which puts them back from a replay when a view reads them).
        copy.world.history.let_go_of_ended();
        Some(Checkpoint { core: copy, config: self.config.clone(), messages: copies.len() })
    }

    /// Folds `events`, a replay of this run's events `from..`, into its log's hash (see
    /// [`Trace::fold_regenerated`]).
    /// Does nothing while the simulation is busy (a call from inside it): the hash then stays
    /// where it was, and [`Trace::try_hash`] says it is unknown.
    pub fn fold_regenerated(&self, from: usize, events: &[Event]) {
        if let Ok(mut core) = self.shared.core.try_borrow_mut() {
            core.world.trace.fold_regenerated(from, events);
        }
    }

    /// Folds the held events into the log's hash ([`Trace::fold_held`]); nothing while the
    /// simulation is busy, as [`Sim::fold_regenerated`].
    pub fn fold_held(&self) {
        if let Ok(mut core) = self.shared.core.try_borrow_mut() {
            core.world.trace.fold_held();
        }
    }

    /// Keeps about the `events` most recent events materialized from now on (`None`: all); see
    /// [`Trace::set_window`].
    pub fn set_event_window(&self, events: Option<usize>) {
        self.shared.core.borrow_mut().world.trace.set_window(events);
    }

    /// From now on folds each event into the log's hash as the window lets it go (see
    /// [`Trace::fold_as_let_go`]): for a run whose old events cannot be regenerated.
    pub fn fold_events_as_let_go(&self) {
        self.shared.core.borrow_mut().world.trace.fold_as_let_go();
    }

    /// Keeps the history's records within about `bytes` of values as well as within their count
    /// (see [`History::bound_bytes`]): [`crate::limits::MAX_HISTORY_BYTES`] unless told.
    pub fn bound_history_bytes(&self, bytes: usize) {
        self.shared.core.borrow_mut().world.history.bound_bytes(bytes);
    }

    /// Stops feeding the checker (see [`History::stop_checking`]): a scratch replay for events
    /// or history records only.
    pub fn stop_checking(&self) {
        self.shared.core.borrow_mut().world.history.stop_checking();
    }

    /// Shares the history records this copy let go (see [`Sim::checkpoint`]) from record `from`
    /// on (0: all) from `other` (the same run, at or after this point) if it holds them; returns
    /// whether every record of the window from `from` on is held now.
    pub fn take_history_from(&self, other: &Sim, from: OpId) -> bool {
        let other = other.history();
        self.shared.core.borrow_mut().world.history.take_let_go_from(&other, from)
    }

    /// Negative controls: alters the last event logged (while its chunk is open); false if none.
    #[cfg(test)]
    pub fn alter_last_event(&self, alter: impl FnOnce(&mut Event)) -> bool {
        let mut core = self.shared.core.borrow_mut();
        core.world.trace.events.last_open_mut().map(alter).is_some()
    }

    /// Negative controls: see [`History::corrupt`].
    #[cfg(test)]
    pub fn corrupt_history_record(&self, id: OpId) -> bool {
        self.shared.core.borrow_mut().world.history.corrupt(id)
    }

    /// Shares the older events `other` (this run, further on) holds and this one does not.
    pub fn share_events_from(&self, other: &Sim) {
        self.shared.core.borrow_mut().world.trace.share_held_from(&other.trace());
    }

    /// A simulation that continues from `checkpoint` exactly as the one it was taken from did.
    /// Nobody awaits its operations in flight: they run and end in its history and log only.
    pub fn restore(checkpoint: &Checkpoint) -> Sim {
        Sim::of(checkpoint.core.clone(), checkpoint.config.clone())
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    fn core(&self) -> Ref<'_, Core> {
        self.shared.core.borrow()
    }

    fn world(&self) -> Ref<'_, World> {
        Ref::map(self.shared.core.borrow(), |c| &c.world)
    }

    /// A client that sends its operations through proposer `proposer` (1-based).
    pub fn client(&self, proposer: ProposerId) -> Client {
        Client::new(self.shared.clone(), proposer)
    }

    /// Runs `op` on `key` through `proposer`; the handle resolves when it ends.
    pub fn invoke(&self, proposer: ProposerId, key: &str, op: Op) -> OpHandle {
        self.shared.invoke(proposer, key, op)
    }

    /// [`Sim::invoke`] of an operation nobody awaits (a replayed one: how it ends is in the run's
    /// history). A million replayed at once kept a million answer slots in a map that grew with
    /// them, the part of opening a session that grew faster than its length (README, "Sessions
    /// of any size").
    pub fn invoke_unawaited(&self, proposer: ProposerId, key: &str, op: Op) {
        self.shared.invoke_unawaited(proposer, key, op);
    }

    /// Runs a client task (e.g. a worker issuing operations in a loop) in the simulation. A
    /// simulation with a live task cannot be checkpointed: prefer [`Sim::start_loop`].
    pub fn spawn(&self, task: impl Future<Output = ()> + 'static) {
        self.shared.executor.spawn(task);
        self.settle();
    }

    /// Starts a client inside the simulation: it issues its first operation now and each next one
    /// when the previous ends.
    pub fn start_loop(&self, client: ClientLoop) {
        self.shared.core.borrow_mut().start_loop(client);
        self.settle();
    }

    /// Client loops that are done.
    pub fn loops_done(&self) -> usize {
        self.core().loops.iter().filter(|l| l.is_done()).count()
    }

    /// Lets everything woken react, without advancing time.
    pub fn settle(&self) {
        self.shared.settle();
    }

    // ---- time ----

    /// Virtual time. (Like [`Sim::steps`], [`Sim::pending`], [`Sim::event_count`] and
    /// [`Sim::operation_count`], readable from inside a change function.)
    pub fn now(&self) -> u64 {
        self.shared.probe.now.get()
    }

    /// Events run so far.
    pub fn steps(&self) -> u64 {
        self.shared.probe.steps.get()
    }

    /// Events in the log.
    pub fn event_count(&self) -> usize {
        self.shared.probe.events.get()
    }

    /// Operations invoked so far.
    pub fn operation_count(&self) -> usize {
        self.shared.probe.operations.get()
    }

    /// The event log, unless the simulation is busy (a change function reading it from inside a
    /// step).
    pub fn try_trace(&self) -> Option<Ref<'_, Trace>> {
        let core = self.shared.core.try_borrow().ok()?;
        Some(Ref::map(core, |c| &c.world.trace))
    }

    /// Moves the clock forward to `at_ms` without running any event (replay of a recorded point).
    pub fn advance_clock(&self, at_ms: u64) {
        let mut core = self.shared.core.borrow_mut();
        // What an instant made ready runs in that instant ([`Sim::settle`]): moving the clock
        // past it would make the run depend on how time is stepped (outside tester 16).
        debug_assert!(
            core.world.ready.is_empty() || at_ms <= core.world.now,
            "ready work left behind at {}ms",
            core.world.now
        );
        core.world.advance(at_ms, false);
    }

    /// Runs the next scheduled event. Returns false when nothing is scheduled.
    pub fn step(&self) -> bool {
        self.settle();
        let stepped = self.shared.core.borrow_mut().step();
        match stepped {
            Stepped::Idle => return false,
            Stepped::Ran => {}
            // Scheduled by this crate with valid nodes and rates: errors cannot occur.
            Stepped::Action(action) => drop(self.apply(action)),
        }
        self.settle();
        true
    }

    /// Runs every event up to `now + ms`, then sets the clock there (the world stops it at the end
    /// of time, `MAX_CLOCK_MS`, and schedules nothing later).
    pub fn run_for(&self, ms: u64) {
        let until = self.now().saturating_add(ms);
        while self.next_event_moving_to(until).is_some_and(|at| at <= until) {
            self.step();
        }
        self.advance_clock(until);
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
        let w = self.world();
        // Open envelopes are sealed (and scheduled) by the next step, at the current instant.
        let sealing = (!w.outbox.is_empty()).then_some(w.now);
        w.next_due_at().into_iter().chain(sealing).min()
    }

    /// When the next scheduled event runs, for a loop that moves the clock on to `until`.
    ///
    /// The envelopes open in this instant are sealed when it ends (envelope.rs). Moving past it
    /// (`until` > now) ends it once nothing more is due now: they are sealed here, and their
    /// arrivals are among the events read. A loop must not leave that to [`Sim::step`], which
    /// seals them and then runs the next event even if it is later than `until` (outside tester
    /// 17). At `until` <= now the instant goes on: nothing is sealed.
    pub fn next_event_moving_to(&self, until: u64) -> Option<u64> {
        let mut core = self.shared.core.borrow_mut();
        if until > core.world.now {
            core.world.end_instant();
        }
        let next = core.world.next_due_at();
        debug_assert!(
            core.world.outbox.is_empty() || until <= core.world.now || next == Some(core.world.now),
            "open envelopes left while the clock moves on"
        );
        next
    }

    /// True when nothing is scheduled.
    pub fn is_idle(&self) -> bool {
        self.next_event_at().is_none()
    }

    /// Client operations in flight.
    pub fn pending(&self) -> usize {
        self.shared.probe.pending.get()
    }

    // ---- observation ----

    pub fn net(&self) -> NetConfig {
        self.world().net.clone()
    }

    pub fn is_up(&self, node: Node) -> bool {
        self.check_node(node).is_ok() && self.world().is_up(node)
    }

    /// Acceptor `acceptor`'s registers, sorted by key.
    pub fn registers(&self, acceptor: AcceptorId) -> Vec<(Key, Slot<Val>)> {
        let w = self.world();
        w.acceptors[acceptor as usize - 1].state.slots().map(|(k, s)| (k.clone(), s.clone())).collect()
    }

    /// The ballot registers of `acceptor` start promised to since garbage collection erased one
    /// (§3.1; see [`crate::protocol::Acceptor::erase`]), or `None` before any erase.
    pub fn erased_floor(&self, acceptor: AcceptorId) -> Option<Ballot> {
        let floor = self.world().acceptors[acceptor as usize - 1].state.erased_floor();
        (floor > Ballot::ZERO).then_some(floor)
    }

    /// What proposer `proposer` (1-based) holds now.
    pub fn proposer(&self, proposer: ProposerId) -> ProposerView {
        let core = self.core();
        ProposerView {
            config: core.runtime.config(proposer).clone(),
            ballot_counter: core.runtime.ballot_counter(proposer),
            cached: core.runtime.cached(proposer),
        }
    }

    pub fn trace(&self) -> Ref<'_, Trace> {
        Ref::map(self.world(), |w| &w.trace)
    }

    pub fn history(&self) -> Ref<'_, History> {
        Ref::map(self.world(), |w| &w.history)
    }

    /// Records operations into `history` (another window or folding pace) from now on; only
    /// before the first operation.
    pub fn set_history(&self, history: History) {
        let w = &mut self.shared.core.borrow_mut().world;
        assert!(w.history.is_empty() && history.is_empty(), "the history is set before any operation");
        w.history = history;
    }

    pub fn stats(&self) -> Stats {
        self.world().stats.clone()
    }

    /// Operations that rode along in another operation's batch so far.
    pub fn batched(&self) -> u64 {
        self.core().runtime.batched()
    }

    /// Reads answered from a read lease (no message) so far.
    pub fn lease_reads(&self) -> u64 {
        self.core().runtime.lease_reads()
    }

    /// Every node's clock (`clockDrift`).
    pub fn clocks(&self) -> Clocks {
        self.world().clocks.clone()
    }

    /// The read lease acceptor `acceptor` granted on `key`, if any (it may have ended).
    pub fn acceptor_lease(&self, acceptor: AcceptorId, key: &str) -> Option<crate::protocol::lease::Grant> {
        self.world().acceptors[acceptor as usize - 1].state.slot(key).and_then(|s| s.lease)
    }

    /// Operations that waited for a lane of their proposer's pipeline so far (`pipeline`).
    pub fn parked(&self) -> u64 {
        self.core().runtime.parked()
    }

    /// Latencies per operation kind and rates over virtual time ([`crate::metrics`]).
    pub fn metrics(&self) -> Ref<'_, crate::metrics::Metrics> {
        Ref::map(self.world(), |w| &w.metrics)
    }

    /// Safety violations the oracles found so far, as text (empty in a correct run).
    pub fn violations(&self) -> Vec<String> {
        self.oracle_findings().iter().map(|f| f.text.clone()).collect()
    }

    /// Safety violations the oracles found so far, with the oracle that fired.
    pub fn oracle_findings(&self) -> Vec<Finding> {
        self.world().oracle.as_ref().map(|o| o.findings.clone()).unwrap_or_default()
    }

    pub fn partitions(&self) -> Partitions {
        self.world().partitions.clone()
    }
}

/// A proposer's state, as [`Sim::proposer`] reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposerView {
    config: DriverConfig,
    ballot_counter: u64,
    cached: Vec<(Key, Ballot)>,
}

impl ProposerView {
    pub fn config(&self) -> DriverConfig {
        self.config.clone()
    }

    /// The highest ballot counter issued or observed (durable).
    pub fn ballot_counter(&self) -> u64 {
        self.ballot_counter
    }

    /// Keys with a cached round (§2.2.1), with its ballot, sorted by key.
    pub fn cached(&self) -> Vec<(Key, Ballot)> {
        self.cached.clone()
    }
}

pub(crate) fn check_rate(name: &str, rate: f64) -> Result<(), OpError> {
    if !(0.0..=1.0).contains(&rate) {
        let rate = crate::limits::number_text(rate);
        return Err(OpError::invalid(format!("{name} must be a number in 0..=1, got {rate}")));
    }
    Ok(())
}

pub(crate) fn check_latency(min_ms: u64, max_ms: u64) -> Result<(), OpError> {
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
    if let Some(q) = c.driver.quorums {
        q.check(c.acceptors)?;
    }
    if let Some(n) = c.driver.pipeline {
        crate::limits::check_integer("pipeline", n as u64, 1, crate::limits::MAX_PIPELINE as u64)?;
    }
    crate::limits::check_leases(c.driver.lease_ms, c.driver.clock_drift_ppm)
}
