//! The wire between tabs (version [`WIRE_VERSION`]) and the acceptor's stored record: plain JSON
//! objects (they cross a `BroadcastChannel` and go into IndexedDB by structured clone, and come
//! back through the boundary's JS-to-JSON conversion, bounded by [`MAX_WIRE_DEPTH`] and
//! [`MAX_WIRE_BYTES`]), built field by field and read back field by field. Everything read is
//! validated (kinds, node ids in range, ballots, keys, integers JavaScript holds exactly): a
//! message another tab sends is untrusted, and a malformed one is an `Err` naming what is wrong,
//! never a panic.
//!
//! ```text
//! (shown as JSON text)
//! {"v":1,"kind":"hello","tab":7,"nodes":["a2"]}                      a tab claims node ids
//! {"v":1,"kind":"taken","tab":9,"to":7,"nodes":["a2"]}               tab 9 holds a2 already
//! {"v":1,"kind":"prepare","tab":7,"from":"p1","to":"a2","key":"k","ballot":[3,1]}
//! {"v":1,"kind":"accept", ... ,"value":REGISTER,"next":[4,1]|null}
//! {"v":1,"kind":"promise","tab":7,"from":"a2","to":"p1","key":"k","ballot":[3,1],"accepted":null|{"ballot":[2,1],"value":REGISTER}}
//! {"v":1,"kind":"accepted", ...}   {"v":1,"kind":"conflict", ... ,"blocking":[5,2]}
//! REGISTER = {"value":JSON,"version":3,"applied":[{"proposer":1,"op":12,"output":JSON}]}
//! ```
//! In a request `tab` is the sending client tab; in a reply, the client tab it is addressed to.

use crate::json_object::object;
use crate::limits::{MAX_ACCEPTORS, MAX_PROPOSERS, MAX_SAFE_INTEGER};
use crate::ops::{Applied, Register, Val};
use crate::protocol::ballot::MAX_COUNTER;
use crate::protocol::{AcceptorId, Ballot, Key, ProposerId, Reply, Request, Slot};
use crate::sim::Node;
use serde_json::{Map, Value as Json};
use std::rc::Rc;

/// The version every message carries; a message of another version is dropped as malformed.
pub const WIRE_VERSION: u64 = 1;
/// Largest message or stored record read, JSON-encoded (a register holds a value of at most
/// `limits::MAX_VALUE_BYTES` and one marker, with its output, per proposer).
pub const MAX_WIRE_BYTES: usize = 1 << 20;
/// Deepest nesting read: a value's `limits::MAX_DEPTH` inside the message's own levels.
pub const MAX_WIRE_DEPTH: usize = crate::limits::MAX_DEPTH + 8;

/// One message between tabs.
#[derive(Clone, Debug, PartialEq)]
pub enum Wire {
    /// Tab `tab` is joining and claims `nodes`.
    Hello { tab: u64, nodes: Vec<Node> },
    /// Tab `tab` already holds `nodes`, which tab `to` claimed.
    Taken { tab: u64, to: u64, nodes: Vec<Node> },
    /// From proposer `from` of client tab `tab` to acceptor `to`.
    Request { tab: u64, from: ProposerId, to: AcceptorId, request: Request<Val> },
    /// From acceptor `from` to proposer `to` of client tab `tab`.
    Reply { tab: u64, from: AcceptorId, to: ProposerId, reply: Reply<Val> },
}

/// Why a message or record could not be written or read.
pub type WireError = String;

// ---- writing ----

/// The message as a JSON object. Fails only for a register that carries a batch's answers (live
/// clusters do not batch, so none is ever sent; it is refused rather than sent incomplete).
pub fn encode(wire: &Wire) -> Result<Json, WireError> {
    let mut m = Map::new();
    m.insert("v".into(), WIRE_VERSION.into());
    match wire {
        Wire::Hello { tab, nodes } => {
            head(&mut m, "hello", *tab);
            m.insert("nodes".into(), node_names(nodes));
        }
        Wire::Taken { tab, to, nodes } => {
            head(&mut m, "taken", *tab);
            m.insert("to".into(), (*to).into());
            m.insert("nodes".into(), node_names(nodes));
        }
        Wire::Request { tab, from, to, request } => {
            let kind = match request {
                Request::Prepare { .. } => "prepare",
                Request::Accept { .. } => "accept",
            };
            route(&mut m, kind, *tab, Node::Proposer(*from), Node::Acceptor(*to), request.key(), request.ballot());
            if let Request::Accept { value, next_promise, .. } = request {
                m.insert("value".into(), register(value)?);
                m.insert("next".into(), next_promise.map_or(Json::Null, ballot));
            }
        }
        Wire::Reply { tab, from, to, reply } => {
            let kind = match reply {
                Reply::Promise { .. } => "promise",
                // The live world asks for no read leases (`LiveConfig` has none), so no acceptor
                // grants one; were one granted, it would cross as the plain accept it also is.
                Reply::Accepted { .. } | Reply::Leased { .. } => "accepted",
                Reply::Conflict { .. } => "conflict",
            };
            route(&mut m, kind, *tab, Node::Acceptor(*from), Node::Proposer(*to), reply.key(), reply.ballot());
            match reply {
                Reply::Promise { accepted, .. } => {
                    m.insert("accepted".into(), accepted_pair(accepted.as_ref())?);
                }
                Reply::Conflict { blocking, .. } => {
                    m.insert("blocking".into(), ballot(*blocking));
                }
                Reply::Accepted { .. } | Reply::Leased { .. } => {}
            }
        }
    }
    Ok(Json::Object(m))
}

/// An acceptor's durable record of one key.
pub fn encode_slot(slot: &Slot<Val>) -> Result<Json, WireError> {
    Ok(object! {
        "v": WIRE_VERSION,
        "promise": slot.promise.map_or(Json::Null, ballot),
        "accepted": accepted_pair(slot.accepted.as_ref())?,
    })
}

fn head(m: &mut Map<String, Json>, kind: &str, tab: u64) {
    m.insert("kind".into(), kind.into());
    m.insert("tab".into(), tab.into());
}

fn route(m: &mut Map<String, Json>, kind: &str, tab: u64, from: Node, to: Node, key: &Key, b: Ballot) {
    head(m, kind, tab);
    m.insert("from".into(), from.to_string().into());
    m.insert("to".into(), to.to_string().into());
    m.insert("key".into(), (**key).into());
    m.insert("ballot".into(), ballot(b));
}

fn node_names(nodes: &[Node]) -> Json {
    nodes.iter().map(|n| Json::from(n.to_string())).collect()
}

fn ballot(b: Ballot) -> Json {
    Json::from(vec![b.counter, u64::from(b.proposer)])
}

fn accepted_pair(accepted: Option<&(Ballot, Val)>) -> Result<Json, WireError> {
    Ok(match accepted {
        None => Json::Null,
        Some((b, value)) => object! { "ballot": ballot(*b), "value": register(value)? },
    })
}

fn register(r: &Register) -> Result<Json, WireError> {
    let mut applied = Vec::with_capacity(r.applied.len());
    for a in &r.applied {
        if a.batch.is_some() {
            return Err("a register carrying a batch's answers does not cross tabs".into());
        }
        applied.push(object! { "proposer": a.proposer, "op": a.op, "output": a.output.to_json() });
    }
    Ok(object! { "value": r.value.clone(), "version": r.version, "applied": applied })
}

// ---- reading ----

/// Reads one message; `Err` says what is wrong with it.
pub fn decode(message: &Json) -> Result<Wire, WireError> {
    let m = versioned(message)?;
    let kind = string(get(m, "kind")?, "kind")?;
    let tab = integer(get(m, "tab")?, "tab", MAX_SAFE_INTEGER)?;
    match kind {
        "hello" => Ok(Wire::Hello { tab, nodes: nodes(get(m, "nodes")?)? }),
        "taken" => {
            let to = integer(get(m, "to")?, "to", MAX_SAFE_INTEGER)?;
            Ok(Wire::Taken { tab, to, nodes: nodes(get(m, "nodes")?)? })
        }
        "prepare" | "accept" => {
            let (from, to, key, b) = routed(m)?;
            let (Node::Proposer(from), Node::Acceptor(to)) = (from, to) else {
                return Err(format!("a {kind} goes from a proposer to an acceptor"));
            };
            let request = if kind == "prepare" {
                Request::Prepare { key, ballot: b }
            } else {
                let value = Rc::new(read_register(get(m, "value")?)?);
                // No read lease crosses between tabs (the live world has none).
                Request::Accept {
                    key,
                    ballot: b,
                    value,
                    next_promise: optional_ballot(get(m, "next")?, "next")?,
                    lease_ms: None,
                }
            };
            Ok(Wire::Request { tab, from, to, request })
        }
        "promise" | "accepted" | "conflict" => {
            let (from, to, key, b) = routed(m)?;
            let (Node::Acceptor(from), Node::Proposer(to)) = (from, to) else {
                return Err(format!("a {kind} goes from an acceptor to a proposer"));
            };
            let reply = match kind {
                "promise" => Reply::Promise { key, ballot: b, accepted: read_accepted(get(m, "accepted")?)? },
                "accepted" => Reply::Accepted { key, ballot: b },
                _ => Reply::Conflict { key, ballot: b, blocking: read_ballot(get(m, "blocking")?, "blocking")? },
            };
            Ok(Wire::Reply { tab, from, to, reply })
        }
        other => Err(format!("unknown kind {}", crate::limits::quoted(other))),
    }
}

/// Reads an acceptor's stored record of one key.
pub fn decode_slot(record: &Json) -> Result<Slot<Val>, WireError> {
    let m = versioned(record)?;
    let (promise, accepted) = (optional_ballot(get(m, "promise")?, "promise")?, read_accepted(get(m, "accepted")?)?);
    Ok(Slot { promise, accepted, lease: None }) // the live world grants no read leases
}

fn versioned(v: &Json) -> Result<&Map<String, Json>, WireError> {
    let m = v.as_object().ok_or("not an object")?;
    match m.get("v").and_then(Json::as_u64) {
        Some(WIRE_VERSION) => Ok(m),
        _ => Err(format!("not wire version {WIRE_VERSION}")),
    }
}

fn get<'a>(m: &'a Map<String, Json>, name: &str) -> Result<&'a Json, WireError> {
    m.get(name).ok_or_else(|| format!("no field {name}"))
}

fn string<'a>(v: &'a Json, name: &str) -> Result<&'a str, WireError> {
    v.as_str().ok_or_else(|| format!("{name} is not a string"))
}

fn integer(v: &Json, name: &str, max: u64) -> Result<u64, WireError> {
    v.as_u64().filter(|n| *n <= max).ok_or_else(|| format!("{name} is not an integer in 0..={max}"))
}

fn node(v: &Json) -> Result<Node, WireError> {
    let name = string(v, "a node id")?;
    let node = Node::parse(name).ok_or_else(|| format!("bad node id {}", crate::limits::quoted(name)))?;
    node.check_in(MAX_ACCEPTORS, MAX_PROPOSERS).map_err(|e| e.message)?;
    Ok(node)
}

fn nodes(v: &Json) -> Result<Vec<Node>, WireError> {
    let list = v.as_array().filter(|l| l.len() <= MAX_ACCEPTORS + MAX_PROPOSERS);
    list.ok_or("nodes is not a short array")?.iter().map(node).collect()
}

fn routed(m: &Map<String, Json>) -> Result<(Node, Node, Key, Ballot), WireError> {
    let key = string(get(m, "key")?, "key")?;
    crate::sim::check_key(key).map_err(|e| e.message)?;
    Ok((node(get(m, "from")?)?, node(get(m, "to")?)?, key.into(), read_ballot(get(m, "ballot")?, "ballot")?))
}

fn read_ballot(v: &Json, name: &str) -> Result<Ballot, WireError> {
    let bad = || format!("{name} is not a ballot [counter, proposer]");
    let [counter, proposer] = v.as_array().map(Vec::as_slice).ok_or_else(bad)? else { return Err(bad()) };
    let counter = integer(counter, name, MAX_COUNTER)?;
    let proposer = integer(proposer, name, MAX_PROPOSERS as u64)?;
    if proposer == 0 {
        return Err(bad());
    }
    Ok(Ballot::new(counter, proposer as ProposerId))
}

fn optional_ballot(v: &Json, name: &str) -> Result<Option<Ballot>, WireError> {
    if v.is_null() {
        return Ok(None);
    }
    read_ballot(v, name).map(Some)
}

fn read_accepted(v: &Json) -> Result<Option<(Ballot, Val)>, WireError> {
    if v.is_null() {
        return Ok(None);
    }
    let m = v.as_object().ok_or("accepted is not an object")?;
    Ok(Some((read_ballot(get(m, "ballot")?, "accepted.ballot")?, Rc::new(read_register(get(m, "value")?)?))))
}

fn read_register(v: &Json) -> Result<Register, WireError> {
    let m = v.as_object().ok_or("a register is not an object")?;
    let version = integer(get(m, "version")?, "version", MAX_SAFE_INTEGER)?;
    let markers = get(m, "applied")?.as_array().filter(|l| l.len() <= MAX_PROPOSERS);
    let mut applied: Vec<Applied> = Vec::new();
    for marker in markers.ok_or("applied is not a short array")? {
        let a = marker.as_object().ok_or("a marker is not an object")?;
        let proposer = integer(get(a, "proposer")?, "marker proposer", MAX_PROPOSERS as u64)? as ProposerId;
        if proposer == 0 || applied.last().is_some_and(|last| last.proposer >= proposer) {
            return Err("markers are not one per proposer, sorted".into());
        }
        let op = integer(get(a, "op")?, "marker op", MAX_SAFE_INTEGER)?;
        applied.push(Applied { proposer, op, output: get(a, "output")?.clone().into(), batch: None });
    }
    Ok(Register { value: get(m, "value")?.clone(), version, applied })
}
