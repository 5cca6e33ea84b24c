//! The session as a JSON document (export/import; the format is in the README). Reading checks
//! every field, by its path, against the same limits as the JS API: a value out of range is an
//! `InvalidArgument` that names it, never truncated, clamped or defaulted.

use super::{Breaks, Point, Recorded, Session, Start, UserAction, SESSION_VERSION};
use crate::driver::DriverConfig;
use crate::limits::{
    integer_in, MAX_ACCEPTORS, MAX_ACTIONS, MAX_ATTEMPTS, MAX_LATENCY_MS, MAX_OPS_PER_CLIENT, MAX_PROPOSERS,
    MAX_SAFE_INTEGER,
};
use crate::limits::{quoted, shown, MAX_INCREMENTS_PER_WORKER, MAX_WORKERS};
use crate::ops::OpError;
use crate::protocol::Quorums;
use crate::sim::fuzz::FuzzOptions;
use crate::sim::{Delivery, NetConfig, Node, SimConfig, WorkersPlan};
use serde_json::Value as Json;
use std::cell::RefCell;

/// A session document's `format`: what tells it from any other JSON.
pub const SESSION_FORMAT: &str = "caspaxos-session";

/// The name a session document gives `action` (its `do`).
pub(super) fn action_name(action: &UserAction) -> &'static str {
    match action {
        UserAction::Invoke { .. } => "invoke",
        UserAction::Crash(_) => "crash",
        UserAction::Restart(_) => "restart",
        UserAction::Wipe(_) => "wipe",
        UserAction::Partition(_) => "partition",
        UserAction::Heal => "heal",
        UserAction::DropRate(_) => "dropRate",
        UserAction::DuplicateRate(_) => "duplicateRate",
        UserAction::Latency(..) => "latency",
        UserAction::Break(_) => "break",
        UserAction::Delivery(_) => "delivery",
        UserAction::Deliver(_) => "deliver",
        UserAction::DropMessage(_) => "dropMessage",
        UserAction::Workers(_) => "workers",
        UserAction::Gc { .. } => "gc",
        UserAction::GcDelay(_) => "gcDelay",
        UserAction::AddAcceptor => "addAcceptor",
        UserAction::RemoveAcceptor(_) => "removeAcceptor",
        UserAction::AddProposer => "addProposer",
        UserAction::RemoveProposer(_) => "removeProposer",
    }
}

/// Parses a session document (what [`super::document_text`] writes). Every field is checked, and a field
/// the format does not have is refused; a document of another format or a newer version is
/// refused with a message saying so.
pub fn from_json(doc: &Json) -> Result<Session, OpError> {
    let Some(list) = doc.get("actions").and_then(Json::as_array) else {
        Reading::head(doc, 0)?;
        return Err(malformed("actions must be an array"));
    };
    let mut reading = Reading::head(doc, list.len())?;
    for a in list {
        reading.action(a)?;
    }
    reading.finish()
}

/// A session document read one action at a time (the wasm facade reads each action from JS and
/// drops its JSON before the next: a document's tree is many times its actions). Each action is
/// checked as it is read ([`check::Running`]): a bad one is refused with its index before the
/// rest is read, and long before any replay.
pub struct Reading {
    start: Start,
    end: Option<Point>,
    actions: Vec<Recorded>,
    check: super::check::Running,
}

impl Reading {
    /// Reads everything but the actions of `doc` (its `actions` field is left to
    /// [`Reading::action`]), for a document of `count` actions.
    pub fn head(doc: &Json, count: usize) -> Result<Reading, OpError> {
        let doc = Fields::new("", doc)?;
        if doc.get("format").and_then(Json::as_str) != Some(SESSION_FORMAT) {
            return Err(malformed("it is not a CASPaxos playground session (no \"format\": \"caspaxos-session\")"));
        }
        let version = doc
            .get("version")
            .and_then(Json::as_u64)
            .filter(|v| *v > 0)
            .ok_or_else(|| malformed("version must be a positive integer"))?;
        if version > SESSION_VERSION as u64 {
            return Err(OpError::invalid(format!(
                "the session was made by a newer version of the playground (format {version}); this page reads format {SESSION_VERSION}"
            )));
        }
        let fields = doc.object("start")?;
        let start = match fields.optional("fuzz") {
            Some(_) => fuzz_start(&fields.object("fuzz")?)?,
            None => config_start(&fields)?,
        };
        fields.done()?;
        if count > MAX_ACTIONS {
            return Err(too_many_actions());
        }
        let end = match doc.optional("end") {
            Some(_) => {
                let end = doc.object("end")?;
                let point = Point {
                    steps: end.integer("steps", 0, MAX_SAFE_INTEGER)?,
                    at_ms: end.integer("at", 0, MAX_SAFE_INTEGER)?,
                };
                end.done()?;
                Some(point)
            }
            None => None,
        };
        doc.get("actions");
        doc.get("metrics"); // the page's export adds them for its reader; the replay recomputes them
        doc.done()?;
        let check = super::check::Running::new(&start);
        Ok(Reading { start, end, actions: Vec::with_capacity(count), check })
    }

    /// Reads and checks the next action.
    pub fn action(&mut self, a: &Json) -> Result<(), OpError> {
        let i = self.actions.len();
        let a = Fields::new(&format!("actions[{i}]"), a)?;
        let steps = a.integer("steps", 0, MAX_SAFE_INTEGER)?;
        let at_ms = a.integer("at", 0, MAX_SAFE_INTEGER)?;
        let recorded = Recorded { steps, at_ms, action: action(&a)? };
        a.done()?;
        self.recorded(recorded)
    }

    /// Checks the next action, already read (what [`Reading::action`] reads from a document's
    /// object: the wasm facade reads an increment's fields straight from JS into it).
    pub fn recorded(&mut self, recorded: Recorded) -> Result<(), OpError> {
        self.check.next(self.actions.len(), &recorded)?;
        self.actions.push(recorded);
        Ok(())
    }

    /// The session read; its end is checked against its last action.
    pub fn finish(self) -> Result<Session, OpError> {
        self.check.end(self.end)?;
        Ok(Session { start: self.start, actions: self.actions, end: self.end })
    }
}

/// A document holding more actions than a session does ([`MAX_ACTIONS`]); the wasm facade
/// refuses such a document with this before converting any action.
pub fn too_many_actions() -> OpError {
    malformed(&format!("more than {MAX_ACTIONS} actions"))
}

fn malformed(what: &str) -> OpError {
    OpError::invalid(format!("the session file is malformed: {what}"))
}

/// One JSON object of the document, its fields named by their path in errors (`start.latency.min`).
/// It remembers which fields were looked at: [`Fields::done`] refuses any other (a misspelt or
/// unknown field is an error, as in the JS constructors' options, never silently ignored).
struct Fields<'a> {
    path: String,
    object: &'a serde_json::Map<String, Json>,
    read: RefCell<Vec<&'static str>>,
}

impl<'a> Fields<'a> {
    fn new(path: &str, v: &'a Json) -> Result<Fields<'a>, OpError> {
        let object =
            v.as_object().ok_or_else(|| malformed(&format!("{} must be an object, got {}", name(path), shown(v))))?;
        Ok(Fields { path: path.to_owned(), object, read: RefCell::new(Vec::new()) })
    }

    /// Refuses a field nothing read: call it once every field the object may have was read.
    fn done(&self) -> Result<(), OpError> {
        let read = self.read.borrow();
        match self.object.keys().find(|k| !read.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(malformed(&format!("{} has an unknown field {}", name(&self.path), quoted(k)))),
        }
    }

    fn path(&self, key: &'static str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&self, key: &'static str) -> Option<&'a Json> {
        self.read.borrow_mut().push(key);
        self.object.get(key)
    }

    /// The field, unless it is absent or null.
    fn optional(&self, key: &'static str) -> Option<&'a Json> {
        self.get(key).filter(|v| !v.is_null())
    }

    fn required(&self, key: &'static str) -> Result<&'a Json, OpError> {
        self.get(key).ok_or_else(|| malformed(&format!("{} is missing", self.path(key))))
    }

    fn object(&self, key: &'static str) -> Result<Fields<'a>, OpError> {
        Fields::new(&self.path(key), self.required(key)?)
    }

    fn integer(&self, key: &'static str, min: u64, max: u64) -> Result<u64, OpError> {
        integer_in(&self.path(key), self.required(key)?, min, max).map_err(|e| malformed(&e.message))
    }

    /// The integer `key` of an object that has no other field.
    fn only_integer(&self, key: &'static str, min: u64, max: u64) -> Result<u64, OpError> {
        let n = self.integer(key, min, max)?;
        self.done()?;
        Ok(n)
    }

    fn optional_integer(&self, key: &'static str, min: u64, max: u64) -> Result<Option<u64>, OpError> {
        match self.optional(key) {
            None => Ok(None),
            Some(v) => integer_in(&self.path(key), v, min, max).map(Some).map_err(|e| malformed(&e.message)),
        }
    }

    fn rate(&self, key: &'static str) -> Result<f64, OpError> {
        let v = self.required(key)?;
        v.as_f64()
            .filter(|r| (0.0..=1.0).contains(r))
            .ok_or_else(|| malformed(&format!("{} must be a number in 0..=1, got {}", self.path(key), shown(v))))
    }

    fn boolean(&self, key: &'static str) -> Result<bool, OpError> {
        let v = self.required(key)?;
        v.as_bool().ok_or_else(|| malformed(&format!("{} must be a boolean, got {}", self.path(key), shown(v))))
    }

    /// A boolean that may be absent (false).
    fn flag(&self, key: &'static str) -> Result<bool, OpError> {
        match self.get(key) {
            None => Ok(false),
            Some(_) => self.boolean(key),
        }
    }

    fn string(&self, key: &'static str) -> Result<&'a str, OpError> {
        let v = self.required(key)?;
        v.as_str().ok_or_else(|| malformed(&format!("{} must be a string, got {}", self.path(key), shown(v))))
    }

    fn node(&self, key: &'static str) -> Result<Node, OpError> {
        node_at(&self.path(key), self.required(key)?)
    }
}

fn name(path: &str) -> &str {
    if path.is_empty() {
        "the document"
    } else {
        path
    }
}

fn node_at(path: &str, v: &Json) -> Result<Node, OpError> {
    v.as_str()
        .and_then(Node::parse)
        .ok_or_else(|| malformed(&format!("{path} must be a node id like \"a1\" or \"p1\", got {}", shown(v))))
}

fn config_start(s: &Fields) -> Result<Start, OpError> {
    let acceptors = s.integer("acceptors", 1, MAX_ACCEPTORS as u64)? as usize;
    let latency = s.object("latency")?;
    let (min, max) = (latency.integer("min", 0, MAX_LATENCY_MS)?, latency.integer("max", 0, MAX_LATENCY_MS)?);
    latency.done()?;
    if min > max {
        return Err(malformed(&format!("start.latency.min ({min}) must not exceed start.latency.max ({max})")));
    }
    let drop_rate = s.rate("dropRate")?;
    let driver = DriverConfig {
        one_rtt: s.boolean("oneRtt")?,
        max_attempts: s.integer("maxAttempts", 1, MAX_ATTEMPTS as u64)? as u32,
        quorums: quorums(s, acceptors)?,
        batch_max: match s.optional("batch") {
            Some(_) => s.object("batch")?.only_integer("max", 1, crate::limits::MAX_BATCH as u64)? as usize,
            None => 1,
        },
        lease_ms: match s.optional("leases") {
            Some(_) => Some(s.object("leases")?.only_integer("duration", 1, crate::limits::MAX_LEASE_MS)?),
            None => None,
        },
        clock_drift_ppm: match s.optional("clockDrift") {
            Some(_) => crate::limits::clock_drift_ppm("start.clockDrift", s.rate("clockDrift")?)
                .map_err(|e| malformed(&e.message))?,
            None => 0,
        },
        pipeline: s.optional_integer("pipeline", 1, crate::limits::MAX_PIPELINE as u64)?.map(|n| n as usize),
        ..DriverConfig::default()
    };
    let config = SimConfig {
        acceptors,
        proposers: s.integer("proposers", 1, MAX_PROPOSERS as u64)? as usize,
        seed: s.integer("seed", 0, MAX_SAFE_INTEGER)?,
        net: NetConfig {
            latency_ms_min: min,
            latency_ms_max: max,
            drop_request_rate: drop_rate,
            drop_reply_rate: drop_rate,
            duplicate_rate: s.rate("duplicateRate")?,
            envelopes: s.flag("envelopes")?,
        },
        driver: breaks(s, acceptors)?.onto(driver),
        ..SimConfig::default()
    };
    Ok(Start::Config(config))
}

fn fuzz_start(f: &Fields) -> Result<Start, OpError> {
    let mut o = FuzzOptions::new(f.integer("seed", 0, MAX_SAFE_INTEGER)?);
    o.acceptors = f.optional_integer("acceptors", 1, MAX_ACCEPTORS as u64)?.map(|a| a as usize);
    o.proposers = f.optional_integer("proposers", 1, MAX_PROPOSERS as u64)?.map(|p| p as usize);
    o.driver.one_rtt = f.boolean("oneRtt")?;
    o.driver = breaks(f, o.acceptors.unwrap_or(MAX_ACCEPTORS))?.onto(o.driver);
    o.wipes = f.boolean("wipes")?;
    o.ops_per_client = f.integer("opsPerClient", 1, MAX_OPS_PER_CLIENT as u64)? as usize;
    f.done()?;
    Ok(Start::Fuzz(o))
}

/// The `quorums` field of a config start, if any; the rule that they intersect is checked when
/// the cluster is built, like the JS constructor's.
fn quorums(parent: &Fields, acceptors: usize) -> Result<Option<Quorums>, OpError> {
    if parent.optional("quorums").is_none() {
        return Ok(None);
    }
    let q = parent.object("quorums")?;
    let prepare = q.integer("prepare", 1, acceptors as u64)? as usize;
    let accept = q.integer("accept", 1, acceptors as u64)? as usize;
    q.done()?;
    Ok(Some(Quorums { prepare, accept }))
}

/// The `break` field of `parent`, if any.
fn breaks(parent: &Fields, acceptors: usize) -> Result<Breaks, OpError> {
    if parent.optional("break").is_none() {
        return Ok(Breaks::default());
    }
    let b = parent.object("break")?;
    let breaks = Breaks {
        quorum: b.optional_integer("quorum", 1, acceptors as u64)?.map(|q| q as u8),
        reuse_ballot: b.flag("reuseBallot")?,
        take_any_accepted: b.flag("takeAnyAccepted")?,
        blind_retry: b.flag("blindRetry")?,
        disjoint_quorums: b.flag("disjointQuorums")?,
        trust_leases: b.flag("trustLeases")?,
        erase_without_gc: b.flag("eraseWithoutGc")?,
        skip_rescan: b.flag("skipRescan")?,
        rescan_one_key: b.flag("rescanOneKey")?,
    };
    b.done()?;
    Ok(breaks)
}

fn action(a: &Fields) -> Result<UserAction, OpError> {
    Ok(match a.string("do")? {
        "invoke" => UserAction::Invoke {
            proposer: match a.node("proposer")? {
                Node::Proposer(p) => p,
                Node::Acceptor(_) => return Err(malformed(&format!("{} names an acceptor", a.path("proposer")))),
            },
            key: a.string("key")?.to_owned(),
            name: a.string("op")?.to_owned(),
            input: a.get("input").cloned().unwrap_or(Json::Null),
        },
        "crash" => UserAction::Crash(a.node("node")?),
        "restart" => UserAction::Restart(a.node("node")?),
        "wipe" => match a.node("node")? {
            Node::Acceptor(x) => UserAction::Wipe(x),
            Node::Proposer(_) => return Err(malformed(&format!("{} must be an acceptor", a.path("node")))),
        },
        "addProposer" => UserAction::AddProposer,
        "removeProposer" => match a.node("node")? {
            Node::Proposer(x) => UserAction::RemoveProposer(x),
            Node::Acceptor(_) => return Err(malformed(&format!("{} must be a proposer", a.path("node")))),
        },
        "partition" => {
            let groups = a.required("groups")?;
            let groups =
                groups.as_array().ok_or_else(|| malformed(&format!("{} must be an array", a.path("groups"))))?;
            let mut out = Vec::with_capacity(groups.len());
            for (i, g) in groups.iter().enumerate() {
                let path = format!("{}[{i}]", a.path("groups"));
                let g = g.as_array().ok_or_else(|| malformed(&format!("{path} must be an array of node ids")))?;
                let nodes = g.iter().enumerate().map(|(j, n)| node_at(&format!("{path}[{j}]"), n));
                out.push(nodes.collect::<Result<Vec<_>, _>>()?);
            }
            UserAction::Partition(out)
        }
        "heal" => UserAction::Heal,
        "dropRate" => UserAction::DropRate(a.rate("rate")?),
        "duplicateRate" => UserAction::DuplicateRate(a.rate("rate")?),
        "latency" => UserAction::Latency(a.integer("min", 0, MAX_LATENCY_MS)?, a.integer("max", 0, MAX_LATENCY_MS)?),
        "break" => UserAction::Break(breaks(a, MAX_ACCEPTORS)?),
        "delivery" => UserAction::Delivery(
            Delivery::parse(a.string("mode")?)
                .ok_or_else(|| malformed(&format!("{} must be \"auto\" or \"manual\"", a.path("mode"))))?,
        ),
        "deliver" => UserAction::Deliver(a.integer("message", 0, MAX_SAFE_INTEGER)?),
        "dropMessage" => UserAction::DropMessage(a.integer("message", 0, MAX_SAFE_INTEGER)?),
        "workers" => UserAction::Workers(WorkersPlan {
            workers: a.integer("workers", 1, MAX_WORKERS as u64)? as usize,
            increments: a.integer("increments", 1, MAX_INCREMENTS_PER_WORKER as u64)? as usize,
            key: a.string("key")?.to_owned(),
        }),
        "gc" => UserAction::Gc {
            proposer: match a.node("proposer")? {
                Node::Proposer(p) => p,
                Node::Acceptor(_) => return Err(malformed(&format!("{} names an acceptor", a.path("proposer")))),
            },
            key: match a.optional("key") {
                None => None,
                Some(_) => Some(a.string("key")?.to_owned()),
            },
        },
        "gcDelay" => UserAction::GcDelay(a.optional_integer("ms", 0, MAX_LATENCY_MS)?),
        "addAcceptor" => UserAction::AddAcceptor,
        "removeAcceptor" => match a.node("node")? {
            Node::Acceptor(x) => UserAction::RemoveAcceptor(x),
            Node::Proposer(_) => return Err(malformed(&format!("{} must be an acceptor", a.path("node")))),
        },
        other => return Err(malformed(&format!("{} is an unknown action {other:?}", a.path("do")))),
    })
}
