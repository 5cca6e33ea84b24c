//! Sessions: a run as data — its starting point (a configuration, or a fuzz run) and the user's
//! actions, each at the exact point of the run it happened (events run so far, virtual time).
//! Replaying a session reproduces the run event for event; it is what share links carry,
//! what "seek" and "fork from here" replay, and what export/import saves.

mod check;
mod checkpoints;
mod document;
mod document_text;
mod history_window;
mod link;
mod tape;

use crate::limits::MAX_SESSION_BYTES;
pub use crate::limits::{EVENT_WINDOW, MAX_ACTIONS, MAX_LINK_CHARS, REGENERATED_WINDOW};
use checkpoints::{Checkpoints, Saved};
pub use checkpoints::{BYTE_BUDGET, LANDING_SPACING, MAX_CHECKPOINTS, MAX_LANDINGS};
pub use document::{from_json, too_many_actions, Reading, SESSION_FORMAT};
pub use document_text::PIECE;
pub use link::{decode_link, encode_link, LinkError, Unreplayable};

use crate::client::OpHandle;
use crate::driver::DriverConfig;
use crate::ops::{Op, OpError};
use crate::protocol::{AcceptorId, ProposerId};
use crate::sim::fuzz::{FuzzOptions, FuzzRun};
use crate::sim::{Delivery, Node, Sim, SimConfig, WorkersPlan};
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};
use tape::Tape;

/// The format's version; links and files of a newer version are refused with a clear message.
/// Format 2 adds the run's end (a document's `end`; a link's end and checksum): sessions of
/// format 1 still open, ending at their last action.
pub const SESSION_VERSION: u8 = 2;

/// The deliberately wrong proposer variants ("break it").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breaks {
    pub quorum: Option<u8>,
    pub reuse_ballot: bool,
    pub take_any_accepted: bool,
    pub blind_retry: bool,
    pub disjoint_quorums: bool,
    /// Read leases trusted beyond the clock drift bound.
    pub trust_leases: bool,
    pub erase_without_gc: bool,
    pub skip_rescan: bool,
    pub rescan_one_key: bool,
}

impl Breaks {
    pub fn of(d: &DriverConfig) -> Breaks {
        Breaks {
            quorum: d.break_quorum.map(|q| q as u8),
            reuse_ballot: d.break_reuse_ballot,
            take_any_accepted: d.break_take_any_accepted,
            blind_retry: d.break_blind_retry,
            disjoint_quorums: d.break_disjoint_quorums,
            trust_leases: d.break_trust_lease,
            erase_without_gc: d.break_erase_without_gc,
            skip_rescan: d.break_skip_rescan,
            rescan_one_key: d.break_rescan_one_key,
        }
    }
    pub fn onto(&self, d: DriverConfig) -> DriverConfig {
        DriverConfig {
            break_quorum: self.quorum.map(usize::from),
            break_reuse_ballot: self.reuse_ballot,
            break_take_any_accepted: self.take_any_accepted,
            break_blind_retry: self.blind_retry,
            break_disjoint_quorums: self.disjoint_quorums,
            break_trust_lease: self.trust_leases,
            break_erase_without_gc: self.erase_without_gc,
            break_skip_rescan: self.skip_rescan,
            break_rescan_one_key: self.rescan_one_key,
            ..d
        }
    }
}

/// Where a session starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// A cluster built from a configuration.
    Config(SimConfig),
    /// A randomized run ([`FuzzRun`]) with these options.
    Fuzz(FuzzOptions),
}

/// Something a user did.
#[derive(Clone, Debug, PartialEq)]
pub enum UserAction {
    /// A built-in operation (`change` functions are code, and are not recorded).
    Invoke {
        proposer: ProposerId,
        key: String,
        name: String,
        input: Json,
    },
    Crash(Node),
    Restart(Node),
    Wipe(u8),
    Partition(Vec<Vec<Node>>),
    Heal,
    DropRate(f64),
    DuplicateRate(f64),
    Latency(u64, u64),
    Break(Breaks),
    /// Manual or automatic delivery of messages.
    Delivery(Delivery),
    /// Delivers a held message (manual delivery), by its number.
    Deliver(u64),
    /// Drops a held message (manual delivery), by its number.
    DropMessage(u64),
    /// Starts concurrent workers driven by the simulation.
    Workers(WorkersPlan),
    /// Garbage-collects `key`, or (`None`) every key deleted since its last collection, from
    /// proposer `proposer`'s node (§3.1).
    Gc {
        proposer: ProposerId,
        key: Option<String>,
    },
    /// Collects each deleted key this long (virtual ms) after its delete; `None`: off.
    GcDelay(Option<u64>),
    /// Adds an acceptor (§2.3.1/§2.3.2), or resumes an addition that stopped `Unavailable`.
    AddAcceptor,
    /// Removes an acceptor, or resumes its removal that stopped `Unavailable`.
    RemoveAcceptor(AcceptorId),
    /// Adds a proposer (§2.3.4).
    AddProposer,
    /// Removes a proposer for good (§2.3.4).
    RemoveProposer(ProposerId),
}

/// An action at the point of the run it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Events run before it.
    pub steps: u64,
    /// Virtual time.
    pub at_ms: u64,
    pub action: UserAction,
}

impl Recorded {
    /// Where it was done.
    pub fn point(&self) -> Point {
        Point { steps: self.steps, at_ms: self.at_ms }
    }
}

/// A point of a run: events run so far and the virtual time ([`Sim::steps`] and [`Sim::now`]
/// there). Points are ordered by events, then time. Several actions may share a point (done
/// between the same two events at the same time): a point stands after every action at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Point {
    pub steps: u64,
    pub at_ms: u64,
}

/// A run as data.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub start: Start,
    pub actions: Vec<Recorded>,
    /// Where the run stood when the session was taken: time may have run on after its last
    /// action. `None` in a session of format 1, which ends at its last action.
    pub end: Option<Point>,
}

/// A simulation that records what its user does, and may play recorded actions back.
///
/// The *tape* holds actions still to come when a session is replayed: time moved through
/// [`Recording::step`], [`Recording::run_for`] or [`Recording::run_until_idle`] applies each at its
/// exact point. Seeking back and playing forward therefore reproduces the run; any new user
/// action drops the rest of the tape ("fork from here").
pub struct Recording {
    sim: Sim,
    start: Start,
    /// Compact, in chunks shared with the recordings sought from this one (a seek copies
    /// pointers to chunks, not actions: tape.rs).
    actions: RefCell<Tape>,
    /// The bytes of the values `actions` carry ([`Tape::value_bytes`]): at most
    /// [`MAX_SESSION_BYTES`](crate::limits::MAX_SESSION_BYTES), past which the run is unreplayable.
    value_bytes: Cell<usize>,
    /// Why the session cannot reproduce the run, if it cannot (the first reason).
    unreplayable: Cell<Option<Unreplayable>>,
    /// Events replay regenerates: all while the run is replayable (`usize::MAX`), else those
    /// logged before it became unreplayable (regenerate.rs refuses the later ones let go).
    regenerable: Cell<usize>,
    /// Actions taken but not recorded (a `change` with a function, any action after the run
    /// became unreplayable): with `actions`, every action taken ([`Recording::actions_taken`]).
    unrecorded: Cell<u64>,
    /// Recorded actions still to play, in order (numbered as the run's: its first is action
    /// `actions.len()`).
    tape: RefCell<Tape>,
    /// Where the replayed run ends ([`Session::end_point`]); dropped when the run forks.
    end: Cell<Option<Point>>,
    /// Copies of the run at points passed so far, for [`Recording::seek_until`].
    checkpoints: RefCell<Checkpoints>,
    /// The last replay that regenerated events older than the log's window ([`Recording::events`]),
    /// kept to go on from where it stopped.
    regenerator: RefCell<Option<Box<Recording>>>,
    /// Scratch replays started to regenerate events so far.
    regenerations: Cell<usize>,
    /// Replays started to put a history's records back so far (history_window.rs).
    history_replays: Cell<usize>,
}

/// Why recorded action `index` (at point `r`) does not replay: "the session does not replay:
/// action {index} (at {at}ms, after {steps} events): {why}".
fn does_not_replay(index: usize, r: Point, why: &str) -> OpError {
    OpError::invalid(format!(
        "the session does not replay: action {index} (at {}ms, after {} events): {why}",
        r.at_ms, r.steps
    ))
}

impl Recording {
    /// Starts a session.
    pub fn new(start: Start) -> Result<Recording, OpError> {
        let sim = match &start {
            Start::Config(c) => Sim::new(c.clone())?,
            Start::Fuzz(o) => FuzzRun::new(o)?.sim,
        };
        sim.set_event_window(Some(EVENT_WINDOW));
        Ok(Recording::of(sim, start, Tape::default(), Tape::default(), Checkpoints::default()))
    }

    /// A replayable recording of `sim`, which reached its point by `start` and `actions`.
    fn of(sim: Sim, start: Start, actions: Tape, tape: Tape, checkpoints: Checkpoints) -> Self {
        Recording {
            sim,
            start,
            value_bytes: Cell::new(actions.value_bytes()),
            actions: RefCell::new(actions),
            unreplayable: Cell::new(None),
            regenerable: Cell::new(usize::MAX),
            unrecorded: Cell::new(0),
            tape: RefCell::new(tape),
            end: Cell::new(None),
            checkpoints: RefCell::new(checkpoints),
            regenerator: RefCell::default(),
            regenerations: Cell::new(0),
            history_replays: Cell::new(0),
        }
    }

    /// Wraps a simulation built some other way (e.g. a benchmark workload); its session cannot
    /// reproduce it.
    pub fn from_sim(sim: Sim) -> Recording {
        let start = Start::Config(sim.config().clone());
        let rec = Recording::of(sim, start, Tape::default(), Tape::default(), Checkpoints::default());
        // Nothing can regenerate its events: they are folded into the hash as the window lets
        // them go (the first to go, those it ran before, all at once).
        rec.sim.set_event_window(Some(EVENT_WINDOW));
        rec.mark_unreplayable(Unreplayable::NotRecorded, 0);
        rec
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Drops this recording part by part (its kept replay, its checkpoints, its tape, then its
    /// simulation's parts, [`Sim::drop_measured`]): the bytes each drop freed by `live` (the
    /// caller's counting allocator). Measurement only (`cargo bench --bench memory -- --puts`).
    #[doc(hidden)]
    pub fn drop_measured(self, live: &dyn Fn() -> usize) -> Vec<crate::sim::PartBytes> {
        use crate::sim::freed;
        let Recording { sim, actions, tape, checkpoints, regenerator, .. } = self;
        let mut out = vec![
            freed(live, "kept replay", regenerator),
            freed(live, "checkpoints", checkpoints),
            freed(live, "tape", (actions, tape)),
        ];
        out.extend(sim.drop_measured(live));
        out
    }

    /// False once the session cannot reproduce the run (a `change` with a function ran, or too
    /// many actions); [`Recording::unreplayable`] says why.
    pub fn replayable(&self) -> bool {
        self.unreplayable.get().is_none()
    }

    /// Why the session cannot reproduce the run, if it cannot.
    pub fn unreplayable(&self) -> Option<Unreplayable> {
        self.unreplayable.get()
    }

    /// The bytes of the values its recorded actions carry, JSON-encoded (`put`'s, `write`'s):
    /// at most [`MAX_SESSION_BYTES`].
    pub fn value_bytes(&self) -> usize {
        self.value_bytes.get()
    }

    /// Every action taken so far, recorded or not (the recorded ones, and those taken past the
    /// point the run became unreplayable, or that made it so): it answers when the session cannot.
    pub fn actions_taken(&self) -> u64 {
        self.actions.borrow().len() as u64 + self.unrecorded.get()
    }

    /// Replay reproduces the run up to here only: the events let go are hashed now, while they
    /// can be regenerated; from now on each event is folded into the hash as the window lets it
    /// go (so memory stays bounded and the hash stays the whole log's), and neither actions nor
    /// checkpoints are kept any more (nothing replays past this point).
    /// `regenerable`: the events logged before what cannot be replayed was done.
    fn mark_unreplayable(&self, why: Unreplayable, regenerable: usize) {
        if self.unreplayable.get().is_none() {
            let hashed = self.fold_let_go();
            debug_assert!(hashed.is_ok(), "a replayable run regenerates its events: {hashed:?}");
            // The replay that folded them holds a copy of the run (its values too): a later read
            // replays again rather than keep it.
            self.regenerator.take();
            self.unreplayable.set(Some(why));
            self.regenerable.set(regenerable);
            self.sim.fold_events_as_let_go();
            let values = self.sim.history().records().map(crate::sim::record_bytes::record_bytes).sum();
            self.checkpoints.borrow_mut().stop_taking(values);
        }
    }

    /// Does `action` now, and records it; the rest of the tape, if any, is dropped (a new action
    /// forks the run). An invocation returns its handle.
    pub fn act(&self, action: UserAction) -> Result<Option<OpHandle>, OpError> {
        self.fork();
        self.record(action)
    }

    /// Whether the next action does heavy work besides itself: drops the tape's replay (the first
    /// action after a seek), or folds the log's hash by replay (the one that fills the session).
    /// The wasm guard proves the full stack headroom for it (src/wasm/stack.rs).
    pub fn next_action_is_heavy(&self) -> bool {
        !self.tape.borrow().is_empty() || (self.replayable() && self.actions.borrow().len() >= MAX_ACTIONS)
    }

    fn record(&self, action: UserAction) -> Result<Option<OpHandle>, OpError> {
        self.record_from(action, None)
    }

    /// Does `action` and records it; `played`: it is the tape's action of that number (the
    /// actions share its entry instead of copying it).
    fn record_from(&self, action: UserAction, played: Option<usize>) -> Result<Option<OpHandle>, OpError> {
        let (steps, at_ms, logged) = (self.sim.steps(), self.sim.now(), self.sim.event_count());
        let handle = if played.is_some() { play(&self.sim, &action)? } else { apply(&self.sim, &action)? };
        if self.keeps_another_action(logged, tape::value_bytes(&action)) {
            let mut actions = self.actions.borrow_mut();
            match played {
                Some(i) => actions.extend_from(&self.tape.borrow(), i, i + 1),
                None => actions.push(&Recorded { steps, at_ms, action }),
            }
        }
        // An action may run events itself (delivering a held message runs its arrival): a
        // checkpoint may be due after it, or a run steered only by hand would never take one.
        if self.sim.steps() > steps {
            self.checkpoints.borrow_mut().maybe_take(&self.sim, self.actions.borrow().len());
        }
        Ok(handle)
    }

    /// Does and records a [`UserAction::Gc`]: each collection started, with its handle.
    pub fn gc(
        &self,
        proposer: ProposerId,
        key: Option<String>,
    ) -> Result<Vec<(crate::protocol::Key, OpHandle)>, OpError> {
        self.fork();
        let logged = self.sim.event_count();
        let started = gc(&self.sim, proposer, key.as_deref())?;
        let (steps, at_ms) = (self.sim.steps(), self.sim.now());
        if self.keeps_another_action(logged, 0) {
            self.actions.borrow_mut().push(&Recorded { steps, at_ms, action: UserAction::Gc { proposer, key } });
        }
        Ok(started)
    }

    /// Whether the action just done is recorded: not once the run cannot be replayed (nothing
    /// replays past that point), nor beyond [`MAX_ACTIONS`] or, with its value of `bytes`, past
    /// [`MAX_SESSION_BYTES`] of values (the run becomes unreplayable: its events from `logged`,
    /// those the action logged, on; the tape stops growing).
    fn keeps_another_action(&self, logged: usize, bytes: usize) -> bool {
        let value_bytes = self.value_bytes.get() + bytes;
        if self.replayable() && self.actions.borrow().len() >= MAX_ACTIONS {
            self.mark_unreplayable(Unreplayable::TooManyActions, logged);
        } else if self.replayable() && value_bytes > MAX_SESSION_BYTES {
            self.mark_unreplayable(Unreplayable::TooLarge, logged);
        } else if self.replayable() {
            self.value_bytes.set(value_bytes);
        }
        let keeps = self.replayable();
        self.unrecorded.set(self.unrecorded.get() + u64::from(!keeps));
        keeps
    }

    /// Runs an operation that cannot be recorded (a `change` with a function).
    pub fn invoke_unrecorded(&self, proposer: ProposerId, key: &str, op: Op) -> OpHandle {
        self.fork();
        self.mark_unreplayable(Unreplayable::ChangeFunction, self.sim.event_count());
        self.unrecorded.set(self.unrecorded.get() + 1);
        self.sim.invoke(proposer, key, op)
    }

    /// Drops the actions still on the tape: from here the run goes its own way.
    pub fn fork(&self) {
        self.end.set(None);
        let mut tape = self.tape.borrow_mut();
        if !tape.is_empty() {
            // The kept regenerating replay plays the actions dropped here: it would go another way.
            self.regenerator.borrow_mut().take();
        }
        tape.clear();
    }

    /// Actions still on the tape, and the time of the last one.
    pub fn tape(&self) -> (usize, Option<u64>) {
        let tape = self.tape.borrow();
        (tape.len(), tape.back_point().map(|(_, at_ms)| at_ms))
    }

    /// Plays the tape's next action if the run is at its point.
    ///
    /// A recorded action stands at a point of the run: `steps` events run, the clock at `at_ms`,
    /// nothing due before it. An edited tape (a hand-made link or document) may name a point the
    /// run never stood at; acting there would act on a state the run never had (a message
    /// delivered "now" with an earlier event still due), so it is refused.
    fn play_due(&self, until_ms: u64) -> Result<bool, OpError> {
        let (steps, at_ms) = match self.tape.borrow().front_point() {
            Some(p) if p.0 < self.sim.steps() => return Err(self.missed(p)),
            Some(p) if p.0 == self.sim.steps() && p.1 <= until_ms => p,
            _ => return Ok(false),
        };
        let (index, point) = (self.actions.borrow().len(), Point { steps, at_ms });
        if at_ms < self.sim.now() {
            return Err(does_not_replay(index, point, "its actions are out of order"));
        }
        if let Some(due) = self.sim.next_event_moving_to(at_ms).filter(|&due| due < at_ms) {
            let why = format!("the run never stood there (event {} runs at {due}ms, before it)", steps + 1);
            return Err(does_not_replay(index, point, &why));
        }
        let i = self.tape.borrow_mut().pop_front().expect("an action due");
        self.sim.advance_clock(at_ms);
        let next = self.tape.borrow().get(i);
        let refused = |e: OpError| OpError { message: does_not_replay(index, point, &e.message).message, ..e };
        self.record_from(next.action, Some(i)).map_err(refused)?;
        Ok(true)
    }

    /// The tape's next action `r` expects fewer events before it than the run has: its point passed.
    fn missed(&self, (steps, at_ms): (u64, u64)) -> OpError {
        let why = format!("the run has {} events", self.sim.steps());
        does_not_replay(self.actions.borrow().len(), Point { steps, at_ms }, &why)
    }

    /// One event, or the tape's next action if it is due. False when nothing is left to do.
    pub fn step(&self) -> Result<bool, OpError> {
        if self.play_due(u64::MAX)? || self.sim_step() {
            return Ok(true);
        }
        match self.tape.borrow().front_point() {
            Some(p) => Err(self.missed(p)),
            None => Ok(false),
        }
    }

    /// Runs events and tape actions up to `now + ms`, then sets the clock there (at most the end
    /// of time, `MAX_CLOCK_MS`: [`Sim::run_for`]).
    pub fn run_for(&self, ms: u64) -> Result<(), OpError> {
        let until = self.sim.now().saturating_add(ms);
        loop {
            if self.play_due(until)? {
                continue;
            }
            match self.sim.next_event_moving_to(until) {
                Some(t) if t <= until => {
                    self.sim_step();
                }
                _ => break,
            }
        }
        self.sim.advance_clock(until);
        Ok(())
    }

    /// Runs until nothing is scheduled and the tape is played, at most `max_events` steps.
    pub fn run_until_idle(&self, max_events: u64) -> Result<u64, OpError> {
        let mut n = 0;
        while n < max_events && self.step()? {
            n += 1;
        }
        Ok(n)
    }

    /// One event of the simulation, and a checkpoint if one is due.
    fn sim_step(&self) -> bool {
        let stepped = self.sim.step();
        if stepped {
            self.checkpoints.borrow_mut().maybe_take(&self.sim, self.actions.borrow().len());
        }
        stepped
    }

    /// Where the checkpoints held were taken: (steps, time), in order.
    pub fn checkpoint_points(&self) -> Vec<(u64, u64)> {
        self.checkpoints.borrow().points()
    }

    /// About the bytes the checkpoints hold together, beyond what they share with the run (see
    /// [`Checkpoint::bytes`](crate::sim::Checkpoint::bytes)).
    pub fn checkpoint_bytes(&self) -> usize {
        self.checkpoints.borrow().total_bytes()
    }

    /// Keeps about `events` of the most recent events materialized from now on instead of
    /// [`EVENT_WINDOW`] (`None`: all; for tests, which want a small window in a short run, or a
    /// run that cannot be replayed keeping every event, as before it folded them as they went).
    pub fn set_event_window(&self, events: Option<usize>) {
        self.sim.set_event_window(events);
    }

    /// Takes checkpoints every `events` events from now on (the spacing still doubles as they
    /// are thinned out); for tests, which want many in a short run.
    pub fn set_checkpoint_spacing(&self, events: u64) {
        self.checkpoints.borrow_mut().set_spacing(events);
    }

    /// The whole run this recording knows, played and still on the tape.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    fn whole_session(&self) -> Session {
        let actions = self.shared_actions().iter().collect();
        Session { start: self.start.clone(), actions, end: Some(self.whole_end()) }
    }

    /// Where the run stands now.
    pub fn point(&self) -> Point {
        Point { steps: self.sim.steps(), at_ms: self.sim.now() }
    }

    /// Where the whole run this recording knows ends: the replayed session's end while the run
    /// has not passed it, else here.
    pub fn whole_end(&self) -> Point {
        let here = self.point();
        self.end.get().map_or(here, |end| end.max(here))
    }

    /// The actions of the whole run this recording knows, played and still on the tape, shared.
    fn shared_actions(&self) -> Tape {
        let mut whole = self.actions.borrow().clone();
        let tape = self.tape.borrow();
        whole.extend_from(&tape, tape.first(), tape.first() + tape.len());
        whole
    }

    /// The same as `whole_session().replay_until(until_ms)`, from the nearest checkpoint at or
    /// before that time instead of from the start.
    /// `u64::MAX`: to where the whole run ends ([`Recording::whole_end`]).
    pub fn seek_until(&self, until_ms: u64) -> Result<Recording, OpError> {
        if until_ms == u64::MAX {
            let end = self.whole_end();
            return self.seek_to_point(end.steps, end.at_ms);
        }
        let rec = match self.restore_before((u64::MAX, until_ms))? {
            Some(rec) => rec,
            None => Recording::with_tape(self.start.clone(), self.shared_actions())?,
        };
        self.landing(&rec, |rec| rec.play_until(until_ms))?;
        rec.end.set(Some(self.whole_end()));
        Ok(rec)
    }

    /// The same as `whole_session().replay_to_point(steps, at_ms)`, from the nearest checkpoint
    /// at or before that point instead of from the start.
    pub fn seek_to_point(&self, steps: u64, at_ms: u64) -> Result<Recording, OpError> {
        let rec = match self.restore_before((steps, at_ms))? {
            Some(rec) => rec,
            None => Recording::with_tape(self.start.clone(), self.shared_actions())?,
        };
        self.landing(&rec, |rec| rec.play_to_point(steps, at_ms))?;
        rec.end.set(Some(self.whole_end()));
        Ok(rec)
    }

    /// Plays `rec` (restored or replayed from this run) on with `play`, and keeps the checkpoints
    /// it takes on its way and where it lands, for the next seek nearby (see checkpoints.rs).
    fn landing(&self, rec: &Recording, play: impl FnOnce(&Recording) -> Result<(), OpError>) -> Result<(), OpError> {
        let started = rec.checkpoints.borrow_mut().start_landing(rec.sim.steps());
        let played = play(rec);
        let here = || rec.sim.checkpoint().map(|c| Saved::new(c, rec.actions.borrow().len()));
        let taken = rec.checkpoints.borrow_mut().end_landing(started, rec.sim.steps(), here);
        played?;
        self.checkpoints.borrow_mut().land(taken);
        Ok(())
    }

    /// Where the checkpoints seeks left were taken: (steps, time), oldest first.
    pub fn landed_points(&self) -> Vec<(u64, u64)> {
        self.checkpoints.borrow().landed_points()
    }

    /// A new run from `start` with `actions` on its tape.
    fn with_tape(start: Start, actions: Tape) -> Result<Recording, OpError> {
        let rec = Recording::new(start)?;
        *rec.tape.borrow_mut() = actions;
        Ok(rec)
    }

    /// A recording restored from the latest checkpoint at or before (`steps`, `at_ms`), with the
    /// later actions on its tape; `None` if there is none. A point at or after where this run
    /// stands is restored from a copy of it taken now, when no checkpoint is later: a seek to the
    /// end (or Share, Export) copies the run instead of replaying since its last checkpoint.
    fn restore_before(&self, (steps, at_ms): (u64, u64)) -> Result<Option<Recording>, OpError> {
        if let Some(why) = self.unreplayable() {
            return Err(OpError::invalid(format!("cannot seek: {why}")));
        }
        let whole = self.shared_actions();
        let checkpoints = self.checkpoints.borrow();
        let (latest, here) = (checkpoints.latest_before(steps, at_ms), self.point());
        let ahead =
            here.steps <= steps && here.at_ms <= at_ms && latest.is_none_or(|s| s.checkpoint.steps() < here.steps);
        let copy = ahead.then(|| self.sim.checkpoint()).flatten().map(|c| Saved::new(c, self.actions.borrow().len()));
        let Some(saved) = copy.as_ref().or(latest) else { return Ok(None) };
        let (actions, tape) = (whole.truncated(saved.actions), whole.from(saved.actions));
        let sim = Sim::restore(&saved.checkpoint);
        sim.share_events_from(&self.sim);
        sim.take_history_from(&self.sim, 0);
        Ok(Some(Recording::of(sim, self.start.clone(), actions, tape, checkpoints.up_to(saved.checkpoint.steps()))))
    }

    /// Plays the tape up to `until_ms`.
    fn play_until(&self, until_ms: u64) -> Result<(), OpError> {
        self.run_for(until_ms.saturating_sub(self.sim.now()))
    }

    /// Plays the tape to an exact point of the run (see [`Session::replay_to_point`]).
    fn play_to_point(&self, steps: u64, at_ms: u64) -> Result<(), OpError> {
        while self.sim.steps() < steps {
            if !self.step()? {
                break;
            }
        }
        while self.play_due(at_ms)? {}
        self.check_point_reached(steps, at_ms)?;
        self.sim.advance_clock(at_ms);
        Ok(())
    }

    /// After [`Recording::play_to_point`]'s steps: the run stood at (`steps`, `at_ms`) only if it
    /// ran that many events and nothing was due before `at_ms` (a time before the clock after
    /// `steps` events is taken as that clock: where the run stood then).
    fn check_point_reached(&self, steps: u64, at_ms: u64) -> Result<(), OpError> {
        let what = match self.end.get() == Some(Point { steps, at_ms }) {
            true => "the session's own end",
            false => "the point",
        };
        let not_in_run = |why: String| {
            Err(OpError::invalid(format!("{what} {{ steps: {steps}, at: {at_ms} }} is not in the run: {why}")))
        };
        let ran = self.sim.steps();
        if ran < steps {
            return not_in_run(format!("it runs {ran} events"));
        }
        match self.sim.next_event_moving_to(at_ms) {
            Some(next) if next < at_ms => not_in_run(format!("event {} runs at {next} ms, before it", steps + 1)),
            _ => Ok(()),
        }
    }

    /// The session so far as a document's JSON text ([`document_text`]: written action by
    /// action, straight from the tape).
    pub fn session_text(&self) -> String {
        document_text::document_text(&self.start, Some(self.point()), self.actions.borrow().written())
    }

    /// [`Recording::session_text`] handed to `sink` in pieces of about `piece` bytes, through one
    /// buffer; returns the text's length in bytes.
    pub fn write_session(&self, piece: usize, sink: &mut dyn FnMut(&str)) -> usize {
        let point = Some(self.point());
        document_text::write_document(&self.start, point, self.actions.borrow().written(), piece, sink)
    }

    /// The session's start as its document writes it (`start`), as JSON text, without writing
    /// its actions.
    pub fn start_text(&self) -> String {
        document_text::start_text(&self.start)
    }

    /// The session so far, ending here.
    pub fn session(&self) -> Session {
        Session { start: self.start.clone(), actions: self.actions.borrow().iter().collect(), end: Some(self.point()) }
    }
}

/// Carries out a user action on a simulation: an invocation's or membership change's handle
/// comes back.
fn apply(sim: &Sim, action: &UserAction) -> Result<Option<OpHandle>, OpError> {
    carry_out(sim, action, Invocation::Awaited)
}

/// [`apply`] of an action played from the tape: nobody holds an invocation's handle, so none is
/// kept for it (a million replayed at once kept a million: [`Sim::invoke_unawaited`]).
fn play(sim: &Sim, action: &UserAction) -> Result<Option<OpHandle>, OpError> {
    carry_out(sim, action, Invocation::Unawaited)
}

/// Whether somebody awaits an invoked operation ([`apply`]: its handle comes back) or not
/// ([`play`]: no handle is kept).
#[derive(Clone, Copy)]
enum Invocation {
    Awaited,
    Unawaited,
}

fn carry_out(sim: &Sim, action: &UserAction, invocation: Invocation) -> Result<Option<OpHandle>, OpError> {
    match action {
        UserAction::Invoke { proposer, key, name, input } => {
            sim.check_node(Node::Proposer(*proposer))?;
            let op = check::recorded_op(name, key, input)?;
            return Ok(match invocation {
                Invocation::Awaited => Some(sim.invoke(*proposer, key, op)),
                Invocation::Unawaited => {
                    sim.invoke_unawaited(*proposer, key, op);
                    None
                }
            });
        }
        UserAction::Crash(n) => sim.crash(*n)?,
        UserAction::Restart(n) => sim.restart(*n)?,
        UserAction::Wipe(a) => sim.wipe(*a)?,
        UserAction::Partition(g) => sim.partition(g.clone())?,
        UserAction::Heal => sim.heal(),
        UserAction::DropRate(r) => sim.set_drop_rate(*r)?,
        UserAction::DuplicateRate(r) => sim.set_duplicate_rate(*r)?,
        UserAction::Latency(min, max) => sim.set_latency(*min, *max)?,
        UserAction::Break(b) => sim.set_driver_config(b.onto(sim.proposer(1).config())),
        UserAction::Delivery(mode) => sim.set_delivery(*mode),
        UserAction::Deliver(id) => sim.deliver(*id)?,
        UserAction::DropMessage(id) => sim.drop_message(*id)?,
        UserAction::Workers(plan) => drop(sim.run_workers(plan)?),
        UserAction::Gc { proposer, key } => drop(gc(sim, *proposer, key.as_deref())?),
        UserAction::GcDelay(ms) => sim.set_gc_delay(*ms),
        UserAction::AddAcceptor => return sim.add_acceptor().map(Some),
        UserAction::RemoveAcceptor(a) => {
            sim.check_node(Node::Acceptor(*a))?;
            return sim.remove_acceptor(*a).map(Some);
        }
        UserAction::AddProposer => {
            let p = sim.add_proposer()?;
            return Ok(Some(OpHandle::ready(Ok(Node::Proposer(p).to_string().into()))));
        }
        UserAction::RemoveProposer(p) => {
            sim.remove_proposer(*p)?;
            return Ok(Some(OpHandle::ready(Ok(Json::Null))));
        }
    }
    Ok(None)
}

/// Starts the collections a [`UserAction::Gc`] asks for: each key with its handle.
fn gc(sim: &Sim, proposer: ProposerId, key: Option<&str>) -> Result<Vec<(crate::protocol::Key, OpHandle)>, OpError> {
    match key {
        Some(key) => Ok(vec![(key.into(), sim.gc(key, proposer)?)]),
        None => sim.gc_deleted(proposer),
    }
}

impl Session {
    /// Replays the whole session.
    pub fn replay(&self) -> Result<Recording, OpError> {
        self.replay_until(u64::MAX)
    }

    /// Replays the session up to `until_ms` (or, with `u64::MAX`, to its end: where it was
    /// taken, or for a session of format 1 the point of its last action). Later actions stay on
    /// the result's tape: playing on reproduces the rest of the run; a new action forks it. Its
    /// own session holds the actions replayed so far.
    pub fn replay_until(&self, until_ms: u64) -> Result<Recording, OpError> {
        self.clone().into_replay_until(until_ms)
    }

    /// [`Session::replay_until`] of a session needed for nothing else: its actions go on the
    /// tape as they are, not copied (a document just read: a million actions are 100s of MB).
    pub fn into_replay_until(self, until_ms: u64) -> Result<Recording, OpError> {
        if until_ms == u64::MAX {
            let end = self.end_point();
            return self.into_replay_to_point(end.steps, end.at_ms);
        }
        let rec = self.into_tape()?;
        rec.play_until(until_ms)?;
        Ok(rec)
    }

    /// Replays the session to an exact point of its run: `steps` events run and the clock at
    /// `at_ms` (what [`Sim::steps`] and [`Sim::now`] said there), with the actions recorded up to
    /// that point applied. Later actions stay on the tape.
    pub fn replay_to_point(&self, steps: u64, at_ms: u64) -> Result<Recording, OpError> {
        self.clone().into_replay_to_point(steps, at_ms)
    }

    /// [`Session::replay_to_point`] of a session needed for nothing else (see
    /// [`Session::into_replay_until`]).
    pub fn into_replay_to_point(self, steps: u64, at_ms: u64) -> Result<Recording, OpError> {
        let rec = self.into_tape()?;
        rec.play_to_point(steps, at_ms)?;
        Ok(rec)
    }

    /// A new run from the start, every action on its tape, knowing where the run ends.
    fn into_tape(self) -> Result<Recording, OpError> {
        let end = self.end_point();
        let mut tape = Tape::default();
        self.actions.iter().for_each(|r| tape.push(r));
        let rec = Recording::with_tape(self.start, tape)?;
        rec.end.set(Some(end));
        Ok(rec)
    }

    /// Where the run ends: its `end`, or in a session of format 1 the point of its last action
    /// (where playing its tape stops), or the start.
    pub fn end_point(&self) -> Point {
        let last = self.actions.last().map(Recorded::point);
        self.end.or(last).unwrap_or(Point { steps: 0, at_ms: 0 })
    }
}

mod log_hash;
mod regenerate;

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod delivery_tests;

#[cfg(test)]
#[path = "point_tests.rs"]
mod point_tests;

#[cfg(test)]
#[path = "end_tests.rs"]
mod end_tests;

#[cfg(test)]
#[path = "clock_end_tests.rs"]
mod clock_end_tests;

#[cfg(test)]
#[path = "workers_tests.rs"]
mod workers_tests;

#[cfg(test)]
#[path = "gc_session_tests.rs"]
mod gc_session_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "seek_tests.rs"]
mod seek_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "window_tests.rs"]
mod window_tests;

#[cfg(test)]
#[path = "membership_session_tests.rs"]
mod membership_session_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "landing_tests.rs"]
mod landing_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod test_workload;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "budget_tests.rs"]
mod budget_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "seek_check_tests.rs"]
mod seek_check_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "rehome_tests.rs"]
mod rehome_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "history_window_tests.rs"]
mod history_window_tests;

#[cfg(test)]
#[path = "tape_tests.rs"]
mod tape_tests;

#[cfg(test)]
#[path = "document_text_tests.rs"]
mod document_text_tests;

#[cfg(test)]
#[path = "document_tests.rs"]
mod document_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "log_hash_tests.rs"]
mod log_hash_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "unreplayable_window_tests.rs"]
mod unreplayable_window_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "replay_fuzz_tests.rs"]
mod replay_fuzz_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "messages_tests.rs"]
mod messages_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "value_bytes_tests.rs"]
mod value_bytes_tests;
