//! JSON views of a simulation — the shapes `Cluster.events()`, `state()`, `history()` and
//! `stats()` return to JavaScript (DESIGN.md section 3). Built here, natively testable; `wasm`
//! only converts them.

use crate::driver::Phase;
use crate::protocol::{Ballot, Reply, Request};
use crate::sim::{EventKind, Msg, Node, Sim, Trace};
use serde_json::{json, Map, Value as Json};

/// `{ counter, proposer: "p1" }`. Counters stay below 2^53, so they are exact JS numbers.
pub fn ballot(b: Ballot) -> Json {
    json!({ "counter": b.counter, "proposer": format!("p{}", b.proposer) })
}

fn opt_ballot(b: Option<Ballot>) -> Json {
    b.map_or(Json::Null, ballot)
}

/// A message: `{ type, key, ballot, ... }` with the fields of its type.
pub fn message(msg: &Msg) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), msg.kind().into());
    m.insert("key".into(), msg.key().to_string().into());
    m.insert("ballot".into(), ballot(msg.ballot()));
    match msg {
        Msg::Request(Request::Accept { value, next_promise, .. }) => {
            m.insert("value".into(), value.value.clone());
            m.insert("version".into(), value.version.into());
            m.insert("nextPromise".into(), opt_ballot(*next_promise));
        }
        Msg::Reply(Reply::Promise { accepted, .. }) => {
            let acc = accepted
                .as_ref()
                .map_or(Json::Null, |(b, v)| json!({ "ballot": ballot(*b), "value": v.value, "version": v.version }));
            m.insert("accepted".into(), acc);
        }
        Msg::Reply(Reply::Conflict { blocking, .. }) => {
            m.insert("blocking".into(), ballot(*blocking));
        }
        _ => {}
    }
    Json::Object(m)
}

/// Event `seq` as `{ seq, at, kind, ... }`.
pub fn event(trace: &Trace, seq: usize) -> Json {
    let e = &trace.events[seq];
    let mut m = Map::new();
    m.insert("seq".into(), seq.into());
    m.insert("at".into(), e.at.into());
    m.insert("kind".into(), e.kind.name().into());
    let mut put = |k: &str, v: Json| {
        m.insert(k.into(), v);
    };
    let message_fields = |put: &mut dyn FnMut(&str, Json), id: usize| {
        let r = &trace.messages[id];
        put("msg", id.into());
        put("from", r.from.to_string().into());
        put("to", r.to.to_string().into());
        put("sentAt", r.sent_at.into());
        put("message", message(&r.msg));
    };
    match &e.kind {
        EventKind::Invoke { op, proposer, name, key } => {
            put("op", (*op).into());
            put("node", format!("p{proposer}").into());
            put("name", (*name).into());
            put("key", key.to_string().into());
        }
        EventKind::Return { op, proposer, outcome } => {
            put("op", (*op).into());
            put("node", format!("p{proposer}").into());
            put("outcome", outcome.as_str().into());
        }
        EventKind::Send { msg } | EventKind::Duplicate { msg } | EventKind::Deliver { msg } => {
            message_fields(&mut put, *msg)
        }
        EventKind::Drop { msg, reason } => {
            message_fields(&mut put, *msg);
            put("reason", reason.as_str().into());
        }
        EventKind::Timeout { proposer, key, ballot: b, phase } => {
            put("node", format!("p{proposer}").into());
            put("key", key.to_string().into());
            put("ballot", ballot(*b));
            put("phase", if *phase == Phase::Prepare { "prepare" } else { "accept" }.into());
        }
        EventKind::Crash { node } | EventKind::Restart { node } | EventKind::Wipe { node } => {
            put("node", node.to_string().into())
        }
        EventKind::Partition { groups } => put("groups", groups_json(groups)),
        EventKind::Heal => {}
        EventKind::Network { setting } => put("setting", setting.clone().into()),
    }
    put("text", trace.line(seq).into());
    Json::Object(m)
}

fn groups_json(groups: &[Vec<Node>]) -> Json {
    groups.iter().map(|g| g.iter().map(|n| Json::from(n.to_string())).collect::<Vec<_>>()).collect::<Vec<_>>().into()
}

/// Events from `since` on (at most `limit`).
pub fn events(sim: &Sim, since: usize, limit: usize) -> Json {
    let trace = sim.trace();
    let end = trace.events.len().min(since.saturating_add(limit));
    (since.min(end)..end).map(|seq| event(&trace, seq)).collect::<Vec<_>>().into()
}

/// Acceptors with their registers, proposers with their caches, and the network.
pub fn state(sim: &Sim) -> Json {
    let c = sim.config();
    let acceptors: Vec<Json> = (1..=c.acceptors as u8)
        .map(|a| {
            let registers: Map<String, Json> = sim
                .registers(a)
                .into_iter()
                .map(|(key, slot)| {
                    let accepted = slot.accepted.as_ref().map_or(
                        Json::Null,
                        |(b, v)| json!({ "ballot": ballot(*b), "value": v.value, "version": v.version }),
                    );
                    (key.to_string(), json!({ "promise": opt_ballot(slot.promise), "accepted": accepted }))
                })
                .collect();
            json!({ "id": format!("a{a}"), "up": sim.is_up(Node::Acceptor(a)), "registers": registers })
        })
        .collect();
    let proposers: Vec<Json> = (1..=c.proposers as u8)
        .map(|p| {
            let proposer = sim.proposer(p);
            let cached: Map<String, Json> =
                proposer.cached().into_iter().map(|(k, b)| (k.to_string(), ballot(b))).collect();
            json!({
                "id": format!("p{p}"),
                "up": sim.is_up(Node::Proposer(p)),
                "ballotCounter": proposer.ballot_counter(),
                "cached": cached,
            })
        })
        .collect();
    let net = sim.net();
    json!({
        "now": sim.now(),
        "acceptors": acceptors,
        "proposers": proposers,
        "network": {
            "latency": { "min": net.latency_ms_min, "max": net.latency_ms_max },
            "dropRate": net.drop_request_rate.max(net.drop_reply_rate),
            "duplicateRate": net.duplicate_rate,
            "groups": partition_groups(sim),
        },
    })
}

/// The current partition as groups of node ids (one group when healed).
fn partition_groups(sim: &Sim) -> Json {
    let c = sim.config();
    let parts = sim.partitions();
    let nodes: Vec<Node> =
        (1..=c.acceptors as u8).map(Node::Acceptor).chain((1..=c.proposers as u8).map(Node::Proposer)).collect();
    let mut groups: Vec<Vec<Node>> = Vec::new();
    for n in nodes {
        match groups.iter_mut().find(|g| parts.can_talk(g[0], n)) {
            Some(g) => g.push(n),
            None => groups.push(vec![n]),
        }
    }
    groups_json(&groups)
}

/// The client history.
pub fn history(sim: &Sim) -> Json {
    sim.history().ops.iter().map(operation).collect::<Vec<_>>().into()
}

/// One client operation, by id.
pub fn operation_by_id(sim: &Sim, id: usize) -> Json {
    sim.history().ops.get(id).map_or(Json::Null, operation)
}

fn operation(o: &crate::sim::OpRecord) -> Json {
    json!({
        "id": o.id,
        "proposer": format!("p{}", o.proposer),
        "op": o.op,
        "key": o.key.to_string(),
        "input": o.input,
        "invokeAt": o.invoke_at,
        "returnAt": o.return_at,
        "outcome": o.outcome.map(|x| x.as_str()),
        "output": o.output,
        "error": o.error.as_ref().map(|e| json!({ "name": e.name(), "message": e.message })),
        "attempts": o.attempts,
    })
}

pub fn stats(sim: &Sim) -> Json {
    let s = sim.stats();
    json!({
        "operations": s.operations,
        "ok": s.ok,
        "failed": s.failed,
        "unknown": s.unknown,
        "pending": sim.pending(),
        "messages": s.messages,
        "delivered": s.delivered,
        "dropped": s.dropped,
        "duplicated": s.duplicated,
        "messagesPerOperation": s.messages_per_operation(),
        "conflicts": s.conflicts,
        "retries": s.retries,
        "timeouts": s.timeouts,
        "violations": sim.violations(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;

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
        assert_eq!(stats(&sim)["ok"], 1);
    }
}
