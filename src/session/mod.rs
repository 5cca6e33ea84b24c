//! Sessions: a run as data — its starting point (a configuration, or a fuzz run) and the user's
//! actions, each at the exact point of the run it happened (events run so far, virtual time).
//! Replaying a session reproduces the run event for event; it is what share links carry,
//! what "seek" and "fork from here" replay, and what export/import saves.

mod link;

pub use link::{decode_link, encode_link, LinkError, MAX_LINK_CHARS};

use crate::client::OpHandle;
use crate::driver::DriverConfig;
use crate::ops::{Op, OpError};
use crate::protocol::ProposerId;
use crate::sim::fuzz::{FuzzOptions, FuzzRun};
use crate::sim::{NetConfig, Node, Sim, SimConfig};
use serde_json::{json, Value as Json};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

/// The format's version; links and files of a newer version are refused with a clear message.
pub const SESSION_VERSION: u8 = 1;
/// Most actions a session may hold.
pub const MAX_ACTIONS: usize = 100_000;

/// The deliberately wrong proposer variants ("break it").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breaks {
    pub quorum: Option<u8>,
    pub reuse_ballot: bool,
    pub take_any_accepted: bool,
    pub blind_retry: bool,
}

impl Breaks {
    pub fn of(d: &DriverConfig) -> Breaks {
        Breaks {
            quorum: d.break_quorum.map(|q| q as u8),
            reuse_ballot: d.break_reuse_ballot,
            take_any_accepted: d.break_take_any_accepted,
            blind_retry: d.break_blind_retry,
        }
    }
    pub fn onto(&self, d: DriverConfig) -> DriverConfig {
        DriverConfig {
            break_quorum: self.quorum.map(usize::from),
            break_reuse_ballot: self.reuse_ballot,
            break_take_any_accepted: self.take_any_accepted,
            break_blind_retry: self.blind_retry,
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

/// A run as data.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub start: Start,
    pub actions: Vec<Recorded>,
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
    actions: RefCell<Vec<Recorded>>,
    /// False once an operation that cannot be recorded (a `change` with a function) ran.
    replayable: Cell<bool>,
    /// Recorded actions still to play, in order.
    tape: RefCell<VecDeque<Recorded>>,
}

fn does_not_replay(r: &Recorded, steps: u64) -> OpError {
    OpError::invalid(format!(
        "the session does not replay: an action at {}ms expects {} events before it, the run has {steps}",
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
        Ok(Recording { sim, start, actions: RefCell::default(), replayable: Cell::new(true), tape: RefCell::default() })
    }

    /// Wraps a simulation built some other way (e.g. a benchmark workload); its session cannot
    /// reproduce it.
    pub fn from_sim(sim: Sim) -> Recording {
        let start = Start::Config(sim.config().clone());
        Recording { sim, start, actions: RefCell::default(), replayable: Cell::new(false), tape: RefCell::default() }
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// False once a `change` with a function ran: the session cannot reproduce it.
    pub fn replayable(&self) -> bool {
        self.replayable.get()
    }

    /// Does `action` now, and records it; the rest of the tape, if any, is dropped (a new action
    /// forks the run). An invocation returns its handle.
    pub fn act(&self, action: UserAction) -> Result<Option<OpHandle>, OpError> {
        self.fork();
        self.record(action)
    }

    fn record(&self, action: UserAction) -> Result<Option<OpHandle>, OpError> {
        let (steps, at_ms) = (self.sim.steps(), self.sim.now());
        let handle = apply(&self.sim, &action)?;
        let mut actions = self.actions.borrow_mut();
        if actions.len() >= MAX_ACTIONS {
            self.replayable.set(false);
        } else {
            actions.push(Recorded { steps, at_ms, action });
        }
        Ok(handle)
    }

    /// Runs an operation that cannot be recorded (a `change` with a function).
    pub fn invoke_unrecorded(&self, proposer: ProposerId, key: &str, op: Op) -> OpHandle {
        self.fork();
        self.replayable.set(false);
        self.sim.invoke(proposer, key, op)
    }

    /// Drops the actions still on the tape: from here the run goes its own way.
    pub fn fork(&self) {
        self.tape.borrow_mut().clear();
    }

    /// Actions still on the tape, and the time of the last one.
    pub fn tape(&self) -> (usize, Option<u64>) {
        let tape = self.tape.borrow();
        (tape.len(), tape.back().map(|r| r.at_ms))
    }

    /// Plays the tape's next action if the run is at its point.
    fn play_due(&self, until_ms: u64) -> Result<bool, OpError> {
        let next = match self.tape.borrow().front() {
            Some(r) if r.steps < self.sim.steps() => return Err(does_not_replay(r, self.sim.steps())),
            Some(r) if r.steps == self.sim.steps() && r.at_ms <= until_ms => r.clone(),
            _ => return Ok(false),
        };
        if next.at_ms < self.sim.now() {
            return Err(OpError::invalid("the session does not replay: its actions are out of order"));
        }
        self.tape.borrow_mut().pop_front();
        self.sim.advance_clock(next.at_ms);
        self.record(next.action)?;
        Ok(true)
    }

    /// One event, or the tape's next action if it is due. False when nothing is left to do.
    pub fn step(&self) -> Result<bool, OpError> {
        if self.play_due(u64::MAX)? || self.sim.step() {
            return Ok(true);
        }
        match self.tape.borrow().front() {
            Some(r) => Err(does_not_replay(r, self.sim.steps())),
            None => Ok(false),
        }
    }

    /// Runs events and tape actions up to `now + ms`, then sets the clock there.
    pub fn run_for(&self, ms: u64) -> Result<(), OpError> {
        let until = self.sim.now().saturating_add(ms);
        loop {
            if self.play_due(until)? {
                continue;
            }
            match self.sim.next_event_at() {
                Some(t) if t <= until => {
                    self.sim.step();
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

    /// The session so far.
    pub fn session(&self) -> Session {
        Session { start: self.start.clone(), actions: self.actions.borrow().clone() }
    }
}

/// Carries out a user action on a simulation.
fn apply(sim: &Sim, action: &UserAction) -> Result<Option<OpHandle>, OpError> {
    match action {
        UserAction::Invoke { proposer, key, name, input } => {
            let op = Op::from_record(name, input)
                .ok_or_else(|| OpError::invalid(format!("{name} with {input} is not a recordable operation")))?;
            return Ok(Some(sim.invoke(*proposer, key, op)));
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
    }
    Ok(None)
}

impl Session {
    /// Replays the whole session.
    pub fn replay(&self) -> Result<Recording, OpError> {
        self.replay_until(u64::MAX)
    }

    /// Replays the session up to `until_ms` (or, with `u64::MAX`, to the point of its last
    /// action). Later actions stay on the result's tape: playing on reproduces the rest of the
    /// run; a new action forks it. Its own session holds the actions replayed so far.
    pub fn replay_until(&self, until_ms: u64) -> Result<Recording, OpError> {
        let rec = Recording::new(self.start.clone())?;
        rec.tape.borrow_mut().extend(self.actions.iter().cloned());
        if until_ms == u64::MAX {
            while rec.tape().0 > 0 {
                if !rec.step()? {
                    break;
                }
            }
        } else {
            rec.run_for(until_ms)?;
        }
        Ok(rec)
    }

    /// Replays the session to an exact point of its run: `steps` events run and the clock at
    /// `at_ms` (what [`Sim::steps`] and [`Sim::now`] said there), with the actions recorded up to
    /// that point applied. Later actions stay on the tape.
    pub fn replay_to_point(&self, steps: u64, at_ms: u64) -> Result<Recording, OpError> {
        let rec = Recording::new(self.start.clone())?;
        rec.tape.borrow_mut().extend(self.actions.iter().cloned());
        while rec.sim().steps() < steps {
            if !rec.step()? {
                break;
            }
        }
        while rec.play_due(at_ms)? {}
        rec.sim().advance_clock(at_ms);
        Ok(rec)
    }

    /// The session as a JSON document (export/import; see the README for the format).
    pub fn to_json(&self) -> Json {
        let start = match &self.start {
            Start::Config(c) => json!({
                "acceptors": c.acceptors,
                "proposers": c.proposers,
                "seed": c.seed,
                "latency": { "min": c.net.latency_ms_min, "max": c.net.latency_ms_max },
                "dropRate": c.net.drop_request_rate,
                "duplicateRate": c.net.duplicate_rate,
                "oneRtt": c.driver.one_rtt,
                "maxAttempts": c.driver.max_attempts,
                "break": breaks_json(&Breaks::of(&c.driver)),
            }),
            Start::Fuzz(o) => json!({
                "fuzz": {
                    "seed": o.seed,
                    "acceptors": o.acceptors,
                    "proposers": o.proposers,
                    "oneRtt": o.driver.one_rtt,
                    "break": breaks_json(&Breaks::of(&o.driver)),
                    "wipes": o.wipes,
                    "opsPerClient": o.ops_per_client,
                }
            }),
        };
        let actions: Vec<Json> = self
            .actions
            .iter()
            .map(|r| {
                let mut a = action_json(&r.action);
                a["steps"] = r.steps.into();
                a["at"] = r.at_ms.into();
                a
            })
            .collect();
        json!({ "format": "caspaxos-session", "version": SESSION_VERSION, "start": start, "actions": actions })
    }
}

fn breaks_json(b: &Breaks) -> Json {
    json!({ "quorum": b.quorum, "reuseBallot": b.reuse_ballot, "takeAnyAccepted": b.take_any_accepted, "blindRetry": b.blind_retry })
}

fn action_json(a: &UserAction) -> Json {
    let node = |n: &Node| Json::from(n.to_string());
    match a {
        UserAction::Invoke { proposer, key, name, input } => {
            json!({ "do": "invoke", "proposer": format!("p{proposer}"), "key": key, "op": name, "input": input })
        }
        UserAction::Crash(n) => json!({ "do": "crash", "node": node(n) }),
        UserAction::Restart(n) => json!({ "do": "restart", "node": node(n) }),
        UserAction::Wipe(a) => json!({ "do": "wipe", "node": format!("a{a}") }),
        UserAction::Partition(g) => {
            let groups: Vec<Vec<Json>> = g.iter().map(|x| x.iter().map(node).collect()).collect();
            json!({ "do": "partition", "groups": groups })
        }
        UserAction::Heal => json!({ "do": "heal" }),
        UserAction::DropRate(r) => json!({ "do": "dropRate", "rate": r }),
        UserAction::DuplicateRate(r) => json!({ "do": "duplicateRate", "rate": r }),
        UserAction::Latency(min, max) => json!({ "do": "latency", "min": min, "max": max }),
        UserAction::Break(b) => json!({ "do": "break", "break": breaks_json(b) }),
    }
}

/// Parses a session document made by [`Session::to_json`]. Every field is checked; a document
/// of another format or a newer version is refused with a message saying so.
pub fn from_json(doc: &Json) -> Result<Session, OpError> {
    let bad = |what: &str| OpError::invalid(format!("the session file is malformed: {what}"));
    if doc.get("format").and_then(Json::as_str) != Some("caspaxos-session") {
        return Err(bad("it is not a CASPaxos playground session (no \"format\": \"caspaxos-session\")"));
    }
    let version = doc.get("version").and_then(Json::as_u64).ok_or_else(|| bad("no version"))?;
    if version > SESSION_VERSION as u64 {
        return Err(OpError::invalid(format!(
            "the session was made by a newer version of the playground (format {version}); this page reads format {SESSION_VERSION}"
        )));
    }
    let start = doc.get("start").ok_or_else(|| bad("no start"))?;
    let u = |v: &Json, k: &str| {
        v.get(k).and_then(Json::as_u64).ok_or_else(|| bad(&format!("{k} must be a non-negative integer")))
    };
    let f = |v: &Json, k: &str| v.get(k).and_then(Json::as_f64).ok_or_else(|| bad(&format!("{k} must be a number")));
    let b = |v: &Json, k: &str| v.get(k).and_then(Json::as_bool).ok_or_else(|| bad(&format!("{k} must be a boolean")));
    let breaks = |v: Option<&Json>| -> Result<Breaks, OpError> {
        let Some(v) = v else { return Ok(Breaks::default()) };
        Ok(Breaks {
            quorum: match v.get("quorum") {
                None | Some(Json::Null) => None,
                Some(q) => Some(q.as_u64().filter(|q| (1..=15).contains(q)).ok_or_else(|| bad("break.quorum"))? as u8),
            },
            reuse_ballot: v.get("reuseBallot").and_then(Json::as_bool).unwrap_or(false),
            take_any_accepted: v.get("takeAnyAccepted").and_then(Json::as_bool).unwrap_or(false),
            blind_retry: v.get("blindRetry").and_then(Json::as_bool).unwrap_or(false),
        })
    };
    let start = if let Some(fz) = start.get("fuzz") {
        let mut o = FuzzOptions::new(u(fz, "seed")?);
        o.acceptors = fz.get("acceptors").and_then(Json::as_u64).map(|x| x as usize);
        o.proposers = fz.get("proposers").and_then(Json::as_u64).map(|x| x as usize);
        o.driver.one_rtt = b(fz, "oneRtt")?;
        o.driver = breaks(fz.get("break"))?.onto(o.driver);
        o.wipes = b(fz, "wipes")?;
        o.ops_per_client = u(fz, "opsPerClient")?.min(1000) as usize;
        Start::Fuzz(o)
    } else {
        let lat = start.get("latency").ok_or_else(|| bad("no latency"))?;
        let driver = DriverConfig {
            one_rtt: b(start, "oneRtt")?,
            max_attempts: u(start, "maxAttempts")?.clamp(1, 100) as u32,
            ..DriverConfig::default()
        };
        let rate = f(start, "dropRate")?;
        Start::Config(SimConfig {
            acceptors: u(start, "acceptors")? as usize,
            proposers: u(start, "proposers")? as usize,
            seed: u(start, "seed")?,
            net: NetConfig {
                latency_ms_min: u(lat, "min")?,
                latency_ms_max: u(lat, "max")?,
                drop_request_rate: rate,
                drop_reply_rate: rate,
                duplicate_rate: f(start, "duplicateRate")?,
            },
            driver: breaks(start.get("break"))?.onto(driver),
            ..SimConfig::default()
        })
    };
    let list = doc.get("actions").and_then(Json::as_array).ok_or_else(|| bad("actions must be an array"))?;
    if list.len() > MAX_ACTIONS {
        return Err(bad(&format!("more than {MAX_ACTIONS} actions")));
    }
    let node = |v: &Json| -> Result<Node, OpError> {
        v.as_str().and_then(Node::parse).ok_or_else(|| bad(&format!("{v} is not a node id")))
    };
    let mut actions = Vec::with_capacity(list.len());
    for a in list {
        let kind = a.get("do").and_then(Json::as_str).ok_or_else(|| bad("an action has no \"do\""))?;
        let action = match kind {
            "invoke" => UserAction::Invoke {
                proposer: match node(a.get("proposer").unwrap_or(&Json::Null))? {
                    Node::Proposer(p) => p,
                    Node::Acceptor(_) => return Err(bad("an invoke names an acceptor as its proposer")),
                },
                key: a.get("key").and_then(Json::as_str).ok_or_else(|| bad("an invoke has no key"))?.to_owned(),
                name: a.get("op").and_then(Json::as_str).ok_or_else(|| bad("an invoke has no op"))?.to_owned(),
                input: a.get("input").cloned().unwrap_or(Json::Null),
            },
            "crash" => UserAction::Crash(node(a.get("node").unwrap_or(&Json::Null))?),
            "restart" => UserAction::Restart(node(a.get("node").unwrap_or(&Json::Null))?),
            "wipe" => match node(a.get("node").unwrap_or(&Json::Null))? {
                Node::Acceptor(x) => UserAction::Wipe(x),
                Node::Proposer(_) => return Err(bad("wipe names a proposer")),
            },
            "partition" => {
                let groups = a.get("groups").and_then(Json::as_array).ok_or_else(|| bad("partition has no groups"))?;
                let mut out = Vec::new();
                for g in groups {
                    let g = g.as_array().ok_or_else(|| bad("a partition group is not an array"))?;
                    out.push(g.iter().map(node).collect::<Result<Vec<_>, _>>()?);
                }
                UserAction::Partition(out)
            }
            "heal" => UserAction::Heal,
            "dropRate" => UserAction::DropRate(f(a, "rate")?),
            "duplicateRate" => UserAction::DuplicateRate(f(a, "rate")?),
            "latency" => UserAction::Latency(u(a, "min")?, u(a, "max")?),
            "break" => UserAction::Break(breaks(a.get("break"))?),
            other => return Err(bad(&format!("unknown action {other:?}"))),
        };
        actions.push(Recorded { steps: u(a, "steps")?, at_ms: u(a, "at")?, action });
    }
    Ok(Session { start, actions })
}
