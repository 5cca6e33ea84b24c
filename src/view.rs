//! JSON views of a simulation — the shapes `Cluster.events()`, `state()`, `history()` and
//! `stats()` return to JavaScript (DESIGN.md section 3). Built here, natively testable; `wasm`
//! only converts them.

use crate::driver::Phase;
use crate::json_object::object;
use crate::ops::Val;
use crate::protocol::{AcceptorId, Ballot, Key, ProposerId, Reply, Request, Slot};
use crate::sim::{
    Event, EventKind, History, MessageRecord, Msg, MsgRef, NetConfig, NetSetting, Node, Partitions, Sim, Stats, Trace,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value as Json};

/// `{ counter, proposer: "p1" }`. Counters stay below 2^53, so they are exact JS numbers.
pub fn ballot(b: Ballot) -> Json {
    object! { "counter": b.counter, "proposer": format!("p{}", b.proposer) }
}

/// A timeout's `phase` as `events()` and `eventColumns()` name it.
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Prepare => "prepare",
        Phase::Accept => "accept",
    }
}

fn opt_ballot(b: Option<Ballot>) -> Json {
    b.map_or(Json::Null, ballot)
}

/// Serializes a ballot without building a `Json` first.
struct BallotView(Ballot);

impl Serialize for BallotView {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("counter", &self.0.counter)?;
        m.serialize_entry("proposer", &format_args!("p{}", self.0.proposer))?;
        m.end()
    }
}

/// A message: `{ type, key, ballot, ... }` with the fields of its type.
struct MessageView<'a>(&'a Msg);

impl Serialize for MessageView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let msg = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", msg.kind())?;
        m.serialize_entry("key", &**msg.key())?;
        m.serialize_entry("ballot", &BallotView(msg.ballot()))?;
        match msg {
            Msg::Request(Request::Accept { value, next_promise, lease_ms, .. }) => {
                m.serialize_entry("value", &value.value)?;
                m.serialize_entry("version", &value.version)?;
                m.serialize_entry("nextPromise", &next_promise.map(BallotView))?;
                if let Some(ms) = lease_ms {
                    m.serialize_entry("leaseMs", ms)?;
                }
            }
            Msg::Reply(Reply::Leased { .. }) => m.serialize_entry("lease", &true)?,
            Msg::Reply(Reply::Promise { accepted, .. }) => {
                let acc = accepted.as_ref().map(|(b, v)| AcceptedView(*b, &v.value, v.version));
                m.serialize_entry("accepted", &acc)?;
            }
            Msg::Reply(Reply::Conflict { blocking, .. }) => m.serialize_entry("blocking", &BallotView(*blocking))?,
            _ => {}
        }
        m.end()
    }
}

struct AcceptedView<'a>(Ballot, &'a Json, u64);

impl Serialize for AcceptedView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("ballot", &BallotView(self.0))?;
        m.serialize_entry("value", self.1)?;
        m.serialize_entry("version", &self.2)?;
        m.end()
    }
}

/// Event `seq` as `{ seq, at, kind, ..., text }`.
struct EventView<'a> {
    event: &'a Event,
    seq: usize,
}

impl Serialize for EventView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.event;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("seq", &self.seq)?;
        m.serialize_entry("at", &e.at)?;
        m.serialize_entry("kind", e.kind.name())?;
        let node = |p: &ProposerId| format!("p{p}");
        match &e.kind {
            EventKind::Invoke { op, proposer, name, key } => {
                m.serialize_entry("op", op)?;
                m.serialize_entry("node", &node(proposer))?;
                m.serialize_entry("name", name)?;
                m.serialize_entry("key", &**key)?;
            }
            EventKind::Return { op, proposer, outcome } => {
                m.serialize_entry("op", op)?;
                m.serialize_entry("node", &node(proposer))?;
                m.serialize_entry("outcome", outcome.as_str())?;
            }
            EventKind::Send { .. }
            | EventKind::Duplicate { .. }
            | EventKind::Deliver { .. }
            | EventKind::Drop { .. }
            | EventKind::DeliverEnvelope { .. }
            | EventKind::DropEnvelope { .. } => {
                // An envelope has its first part's fields (as a single message has them) and `parts`.
                let msgs = e.kind.messages().expect("a message event");
                let r = &msgs[0];
                m.serialize_entry("msg", &r.id)?;
                m.serialize_entry("from", &r.from.to_string())?;
                m.serialize_entry("to", &r.to.to_string())?;
                m.serialize_entry("sentAt", &r.sent_at)?;
                m.serialize_entry("message", &MessageView(&r.msg))?;
                if let EventKind::Drop { reason, .. } | EventKind::DropEnvelope { reason, .. } = &e.kind {
                    m.serialize_entry("reason", reason.as_str())?;
                }
                if let EventKind::DeliverEnvelope { parts } | EventKind::DropEnvelope { parts, .. } = &e.kind {
                    m.serialize_entry("parts", &EnvelopeParts(parts))?;
                }
            }
            EventKind::Timeout { proposer, key, ballot: b, phase } => {
                m.serialize_entry("node", &node(proposer))?;
                m.serialize_entry("key", &**key)?;
                m.serialize_entry("ballot", &BallotView(*b))?;
                m.serialize_entry("phase", phase_name(*phase))?;
            }
            EventKind::Crash { node } | EventKind::Restart { node } | EventKind::Wipe { node } => {
                m.serialize_entry("node", &node.to_string())?;
            }
            EventKind::Partition { groups } => m.serialize_entry("groups", &groups_json(groups))?,
            EventKind::Heal => {}
            EventKind::Lease { proposer, key, until } => {
                m.serialize_entry("node", &node(proposer))?;
                m.serialize_entry("key", &**key)?;
                m.serialize_entry("until", until)?;
            }
            EventKind::Gc { op, proposer, key, step, .. } => {
                m.serialize_entry("op", op)?;
                m.serialize_entry("node", &node(proposer))?;
                m.serialize_entry("key", &**key)?;
                m.serialize_entry("step", step.as_str())?;
            }
            EventKind::Membership { node, step, progress, .. } => {
                let role = if matches!(node, Node::Acceptor(_)) { "acceptor" } else { "proposer" };
                m.serialize_entry(role, &node.to_string())?;
                m.serialize_entry("step", step)?;
                if let Some((done, keys)) = *progress {
                    m.serialize_entry("progress", &object! { "done": done, "keys": keys })?;
                }
            }
            EventKind::Network { setting } => {
                m.serialize_entry("setting", &setting.to_string())?;
                match *setting {
                    NetSetting::DropRates { requests, replies } => {
                        m.serialize_entry("dropRate", &object! { "requests": requests, "replies": replies })?
                    }
                    NetSetting::DuplicateRate(rate) => m.serialize_entry("duplicateRate", &rate)?,
                    NetSetting::Latency { min_ms, max_ms } => {
                        m.serialize_entry("latency", &object! { "min": min_ms, "max": max_ms })?
                    }
                }
            }
        }
        m.serialize_entry("text", &crate::sim::line(e))?;
        m.end()
    }
}

/// An envelope's parts as `[{ msg, sentAt, message }]`, in the order sent.
struct EnvelopeParts<'a>(&'a [MsgRef]);

impl Serialize for EnvelopeParts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for part in self.0 {
            seq.serialize_element(&PartView(part))?;
        }
        seq.end()
    }
}

struct PartView<'a>(&'a MessageRecord);

impl Serialize for PartView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("msg", &r.id)?;
        m.serialize_entry("sentAt", &r.sent_at)?;
        m.serialize_entry("message", &MessageView(&r.msg))?;
        m.end()
    }
}

/// Events `since..since+limit` of a log, serialized straight to JSON text or JS.
pub struct EventsView<'a> {
    /// The first one's `seq`.
    first: usize,
    events: Vec<&'a Event>,
}

impl<'a> EventsView<'a> {
    /// Events `since..since+limit` of a trace, of those it holds (see [`Trace::set_window`]).
    pub fn new(trace: &'a Trace, since: usize, limit: usize) -> Self {
        let end = trace.events.len().min(since.saturating_add(limit));
        let first = since.min(end).max(trace.first_held());
        EventsView { first, events: trace.events.iter_from(first).take(end.saturating_sub(first)).collect() }
    }

    /// `events`, the first of which is event `first` of its log.
    pub fn of(first: usize, events: &'a [Event]) -> Self {
        EventsView { first, events: events.iter().collect() }
    }
}

impl Serialize for EventsView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.events.len()))?;
        for (i, event) in self.events.iter().enumerate() {
            seq.serialize_element(&EventView { event, seq: self.first + i })?;
        }
        seq.end()
    }
}

/// `Cluster.eventColumns`' shape: `events` (the first being event `first` of its log) in
/// columns, `{ since, count, stride, fields, rows, strings, rare }` (see [`crate::event_columns`]).
pub struct ColumnsView<'a> {
    pub first: usize,
    pub events: &'a [Event],
    pub columns: &'a crate::event_columns::EventColumns,
}

impl Serialize for ColumnsView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use crate::event_columns::{FIELDS, STRIDE};
        let c = self.columns;
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("since", &self.first)?;
        m.serialize_entry("count", &self.events.len())?;
        m.serialize_entry("stride", &STRIDE)?;
        m.serialize_entry("fields", &FIELDS[..])?;
        m.serialize_entry("rows", &c.rows)?;
        m.serialize_entry("strings", &c.strings)?;
        m.serialize_entry("rare", &PickedEvents { first: self.first, events: self.events, picked: &c.rare })?;
        m.end()
    }
}

/// Some of a batch's events (`picked`: their indexes, ascending), the first of the batch being
/// event `first` of its log: the objects the columns give whole.
struct PickedEvents<'a> {
    first: usize,
    events: &'a [Event],
    picked: &'a [usize],
}

impl Serialize for PickedEvents<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.picked.len()))?;
        for &i in self.picked {
            seq.serialize_element(&EventView { event: &self.events[i], seq: self.first + i })?;
        }
        seq.end()
    }
}

fn groups_json(groups: &[Vec<Node>]) -> Json {
    groups.iter().map(|g| g.iter().map(|n| Json::from(n.to_string())).collect::<Vec<_>>()).collect::<Vec<_>>().into()
}

/// Events from `since` on (at most `limit`), as JSON.
pub fn events(sim: &Sim, since: usize, limit: usize) -> Json {
    serde_json::to_value(EventsView::new(&sim.trace(), since, limit)).unwrap_or(Json::Null)
}

/// Acceptors with their registers, proposers with their caches, and the network: the nodes in
/// the cluster now (a membership change adds and removes them; removed ones are not listed).
pub fn state(sim: &Sim) -> Json {
    let (acceptor_ids, proposer_ids) = (sim.acceptor_ids(), sim.proposer_ids());
    let acceptors: Vec<Json> = (acceptor_ids.iter().copied())
        .map(|a| {
            let registers = sim.registers(a);
            let mut view = acceptor(a, sim.is_up(Node::Acceptor(a)), registers.iter().map(|(k, s)| (k, s)));
            if let (Some(floor), Some(fields)) = (sim.erased_floor(a), view.as_object_mut()) {
                fields.insert("erasedFloor".into(), ballot(floor)); // §3.1: only once a register was erased
            }
            view
        })
        .collect();
    let proposers: Vec<Json> = (proposer_ids.iter().copied())
        .map(|p| {
            let view = sim.proposer(p);
            proposer(p, sim.is_up(Node::Proposer(p)), view.ballot_counter(), view.cached())
        })
        .collect();
    let nodes = acceptor_ids.into_iter().map(Node::Acceptor).chain(proposer_ids.into_iter().map(Node::Proposer));
    let groups = partition_groups_of(&sim.partitions(), nodes);
    cluster_state(sim.now(), acceptors, proposers, &sim.net(), groups)
}

/// `state()`'s whole shape, from its parts.
pub fn cluster_state(now: u64, acceptors: Vec<Json>, proposers: Vec<Json>, net: &NetConfig, groups: Json) -> Json {
    object! {
        "now": now,
        "acceptors": acceptors,
        "proposers": proposers,
        "network": object! {
            "latency": object! { "min": net.latency_ms_min, "max": net.latency_ms_max },
            "dropRate": net.drop_request_rate.max(net.drop_reply_rate),
            "duplicateRate": net.duplicate_rate,
            "groups": groups,
        },
    }
}

/// One acceptor of `state()`: `{ id, up, registers: { [key]: { promise, accepted } } }`.
pub fn acceptor<'a>(a: AcceptorId, up: bool, slots: impl Iterator<Item = (&'a Key, &'a Slot<Val>)>) -> Json {
    let registers: Map<String, Json> = slots
        .map(|(key, slot)| {
            let accepted = slot.accepted.as_ref().map_or(
                Json::Null,
                |(b, v)| object! { "ballot": ballot(*b), "value": v.value.clone(), "version": v.version },
            );
            (key.to_string(), object! { "promise": opt_ballot(slot.promise), "accepted": accepted })
        })
        .collect();
    object! { "id": format!("a{a}"), "up": up, "registers": registers }
}

/// One proposer of `state()`: `{ id, up, ballotCounter, cached: { [key]: ballot } }`.
pub fn proposer(p: ProposerId, up: bool, ballot_counter: u64, cached: Vec<(Key, Ballot)>) -> Json {
    let cached: Map<String, Json> = cached.into_iter().map(|(k, b)| (k.to_string(), ballot(b))).collect();
    object! { "id": format!("p{p}"), "up": up, "ballotCounter": ballot_counter, "cached": cached }
}

/// The current partition as groups of node ids (one group when healed).
pub fn partition_groups(parts: &Partitions, acceptors: usize, proposers: usize) -> Json {
    partition_groups_of(
        parts,
        (1..=acceptors as u8).map(Node::Acceptor).chain((1..=proposers as u8).map(Node::Proposer)),
    )
}

/// The current partition of `nodes` as groups of node ids (one group when healed).
pub fn partition_groups_of(parts: &Partitions, nodes: impl Iterator<Item = Node>) -> Json {
    let mut groups: Vec<Vec<Node>> = Vec::new();
    for n in nodes {
        match groups.iter_mut().find(|g| parts.can_talk(g[0], n)) {
            Some(g) => g.push(n),
            None => groups.push(vec![n]),
        }
    }
    groups_json(&groups)
}

/// The messages waiting for the user (manual delivery): `[{ id, msg, from, to, sentAt, type, key,
/// ballot, message }]`; `msg` is the message's id in the event log (`null` without a log).
/// Serialized like the event log (not built as a `Json`), so the wasm keeps one copy of the
/// message views' code.
pub struct HeldView<'a>(pub &'a Sim);

impl Serialize for HeldView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let held = self.0.held();
        let mut seq = s.serialize_seq(Some(held.len()))?;
        for h in &held {
            seq.serialize_element(&HeldMessageView(h))?;
        }
        seq.end()
    }
}

struct HeldMessageView<'a>(&'a crate::sim::HeldMessage);

impl Serialize for HeldMessageView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("id", &h.id)?;
        m.serialize_entry("msg", &h.log.as_ref().map(|r| r.id))?;
        m.serialize_entry("from", &h.from.to_string())?;
        m.serialize_entry("to", &h.to.to_string())?;
        m.serialize_entry("sentAt", &h.sent_at)?;
        m.serialize_entry("type", h.msg.kind())?;
        m.serialize_entry("key", &**h.msg.key())?;
        m.serialize_entry("ballot", &BallotView(h.msg.ballot()))?;
        m.serialize_entry("message", &MessageView(&h.msg))?;
        m.end()
    }
}

/// Every workers run: `[{ total, done, failed, before, after, finished }]`.
pub fn workers_runs(sim: &Sim) -> Json {
    let run = |p: crate::sim::WorkersProgress| {
        // `after` is null both for an empty key and for a closing read that failed: say which.
        let after_failed = p.finished && p.after.is_none();
        object! { "total": p.total, "done": p.done, "failed": p.failed, "before": p.before, "after": p.after, "finished": p.finished, "afterFailed": after_failed }
    };
    sim.workers_runs().into_iter().map(run).collect::<Vec<_>>().into()
}

/// The client history.
pub fn history(sim: &Sim) -> Json {
    records(&sim.history())
}

/// The records a history keeps, in `history()`'s shape.
pub fn records(history: &History) -> Json {
    history.records().map(operation).collect::<Vec<_>>().into()
}

/// One client operation, by id.
pub fn operation_by_id(sim: &Sim, id: usize) -> Json {
    record_by_id(&sim.history(), id)
}

/// One record of a history, by id (`null` if it is not kept).
pub fn record_by_id(history: &History, id: usize) -> Json {
    history.get(id as u64).map_or(Json::Null, operation)
}

fn operation(o: &crate::sim::OpRecord) -> Json {
    use crate::sim::RecordValue;
    object! {
        "id": o.id,
        "proposer": format!("p{}", o.proposer),
        "op": o.op.name(),
        "key": o.key.to_string(),
        "input": o.input.to_json(),
        "invokeAt": o.invoke_at,
        "returnAt": o.return_at,
        "invokeSeq": o.invoke_seq,
        "returnSeq": o.return_seq,
        "outcome": o.outcome.map(|x| x.as_str()),
        "output": o.output.as_ref().map(RecordValue::to_json),
        "error": o.error.as_ref().map(|e| object! { "name": e.name(), "message": e.message.as_str() }),
        "attempts": o.attempts,
        "evaluated": o.evaluations.last().map(|e| {
            let register = |r: &crate::ops::Register| object! { "value": r.value.clone(), "version": r.version };
            object! { "at": e.at_ms, "seen": register(&e.seen), "wrote": e.wrote.as_deref().map(register) }
        }),
    }
}

pub fn stats(sim: &Sim) -> Json {
    let mut stats = stats_of(&sim.stats(), sim.pending(), sim.violations(), sim.history().folded(), sim.batched());
    crate::json_object::set_field(&mut stats, "leaseReads", sim.lease_reads().into());
    crate::json_object::set_field(&mut stats, "deliveries", sim.stats().deliveries.into());
    crate::json_object::set_field(&mut stats, "parked", sim.parked().into());
    stats
}

/// `stats()`'s shape, from a run's counters.
pub fn stats_of(s: &Stats, pending: usize, violations: Vec<String>, folded: u64, batched: u64) -> Json {
    object! {
        "operations": s.operations,
        "ok": s.ok,
        "failed": s.failed,
        "unknown": s.unknown,
        "pending": pending,
        "messages": s.messages,
        "delivered": s.delivered,
        "dropped": s.dropped,
        "duplicated": s.duplicated,
        "messagesPerOperation": s.messages_per_operation(),
        "conflicts": s.conflicts,
        "retries": s.retries,
        "timeouts": s.timeouts,
        "batched": batched,
        "violations": violations,
        "historyFolded": folded,
    }
}

/// `Cluster.metrics()`: see [`crate::metrics::Metrics::to_json`].
pub fn metrics(sim: &Sim) -> Json {
    sim.metrics().to_json(sim.now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;
    use serde_json::json;

    #[test]
    fn state_follows_the_membership() {
        // A membership change (§2.3) adds a4 and removes a1: the acceptors, their registers and
        // the partition's groups name the members, not the acceptors the cluster started with.
        let sim = Sim::new(SimConfig::default()).unwrap();
        sim.block_on(sim.client(1).put("k", json!(7))).unwrap();
        sim.block_on(sim.add_acceptor().unwrap()).unwrap();
        sim.block_on(sim.remove_acceptor(1).unwrap()).unwrap();
        let st = state(&sim);
        let ids: Vec<&Json> = st["acceptors"].as_array().unwrap().iter().map(|a| &a["id"]).collect();
        assert_eq!(ids, [&json!("a2"), &json!("a3"), &json!("a4")]);
        assert_eq!(st["acceptors"][2]["registers"]["k"]["accepted"]["value"], 7, "the rescan brought k to a4");
        assert_eq!(st["network"]["groups"], json!([["a2", "a3", "a4", "p1", "p2"]]));
    }

    #[test]
    fn views_have_the_contract_shapes() {
        let sim = Sim::new(SimConfig::default()).unwrap();
        sim.block_on(sim.client(1).increment("k")).unwrap();
        sim.crash(Node::Acceptor(3)).unwrap();
        let evs = events(&sim, 0, usize::MAX);
        let first_send = evs.as_array().unwrap().iter().find(|e| e["kind"] == "send").unwrap();
        assert_eq!(first_send["from"], "p1");
        assert_eq!(first_send["message"]["type"], "prepare");
        assert_eq!(first_send["message"]["ballot"], json!({ "counter": 1, "proposer": "p1" }));
        assert_eq!(events(&sim, 3, 2).as_array().unwrap()[0]["seq"], 3);
        let st = state(&sim);
        assert_eq!(st["acceptors"][2]["up"], false);
        assert_eq!(st["acceptors"][0]["registers"]["k"]["accepted"]["value"], 1);
        assert_eq!(st["proposers"][0]["cached"]["k"], json!({ "counter": 2, "proposer": "p1" }));
        assert_eq!(st["network"]["groups"].as_array().unwrap().len(), 1);
        let h = history(&sim);
        assert_eq!(h[0]["outcome"], "ok");
        assert_eq!(h[0]["output"], 1);
        assert_eq!((&h[0]["invokeSeq"], &h[0]["returnSeq"]), (&json!(1), &json!(2)));
        let before_and_after =
            json!({ "at": 10, "seen": { "value": null, "version": 0 }, "wrote": { "value": 1, "version": 1 } });
        assert_eq!(h[0]["evaluated"]["seen"], before_and_after["seen"], "the register the increment read");
        assert_eq!(h[0]["evaluated"]["wrote"], before_and_after["wrote"], "and the one it wrote");
        assert_eq!(stats(&sim)["ok"], 1);
    }

    #[test]
    fn workers_runs_have_the_documented_shape() {
        let sim = Sim::new(SimConfig::default()).unwrap();
        sim.run_workers(&crate::sim::WorkersPlan { workers: 2, increments: 3, key: "w".into() }).unwrap();
        assert_eq!(
            workers_runs(&sim),
            json!([{ "total": 6, "done": 0, "failed": 0, "before": null, "after": null, "finished": false, "afterFailed": false }])
        );
        sim.run_until_idle(u64::MAX);
        assert_eq!(
            workers_runs(&sim),
            json!([{ "total": 6, "done": 6, "failed": 0, "before": null, "after": 6, "finished": true, "afterFailed": false }])
        );
    }

    #[test]
    fn network_events_carry_their_setting_as_data() {
        let sim = Sim::new(SimConfig::default()).unwrap();
        sim.set_latency(7, 40).unwrap();
        sim.set_drop_rates(0.25, 0.5).unwrap();
        sim.set_duplicate_rate(0.125).unwrap();
        let evs = events(&sim, 0, usize::MAX);
        let net: Vec<&Json> = evs.as_array().unwrap().iter().filter(|e| e["kind"] == "network").collect();
        assert_eq!(net.len(), 3);
        assert_eq!(net[0]["latency"], json!({ "min": 7, "max": 40 }));
        assert_eq!(net[0]["setting"], "latency 7..40");
        assert_eq!(net[1]["dropRate"], json!({ "requests": 0.25, "replies": 0.5 }));
        assert_eq!(net[1]["setting"], "drop requests 0.25 replies 0.5");
        assert_eq!(net[2]["duplicateRate"], 0.125);
        assert!(net[2].get("latency").is_none(), "only the setting that changed");
    }
}
