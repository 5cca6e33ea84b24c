//! The event log: everything that happened, in order, with virtual time.
//!
//! Messages are stored once, in `messages`; the events of a message (send, duplicate, deliver,
//! drop) refer to it by index, which keeps an event small and ties an arrow's two ends together.

use super::chunked::Chunked;
use crate::driver::{Outcome, Phase};
use crate::ops::{OpId, Val};
use crate::protocol::{AcceptorId, Ballot, Key, ProposerId, Reply, Request};
use std::fmt::{self, Write as _};
use std::rc::Rc;

/// A node of the simulated cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Acceptor(AcceptorId),
    Proposer(ProposerId),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Acceptor(i) => write!(f, "a{i}"),
            Node::Proposer(i) => write!(f, "p{i}"),
        }
    }
}

impl Node {
    /// Checks that this node is one of a cluster of `acceptors` acceptors and `proposers`
    /// proposers (the simulator's and the live world's one check).
    pub fn check_in(self, acceptors: usize, proposers: usize) -> Result<(), crate::ops::OpError> {
        let (index, count, role) = match self {
            Node::Acceptor(i) => (i as usize, acceptors, "a"),
            Node::Proposer(i) => (i as usize, proposers, "p"),
        };
        if index == 0 || index > count {
            return Err(crate::ops::OpError::invalid(format!(
                "unknown node {self}: this cluster has {role}1..{role}{count}"
            )));
        }
        Ok(())
    }

    /// Parses `"a3"` / `"p1"`; the caller checks the index is in range.
    pub fn parse(name: &str) -> Option<Node> {
        let (role, index) = name.split_at_checked(1)?;
        if index.starts_with('0') || index.starts_with('+') {
            return None;
        }
        let index: u8 = index.parse().ok()?;
        match role {
            "a" => Some(Node::Acceptor(index)),
            "p" => Some(Node::Proposer(index)),
            _ => None,
        }
    }
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Request(Request<Val>),
    Reply(Reply<Val>),
}

impl Msg {
    /// The contract's message `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Msg::Request(Request::Prepare { .. }) => "prepare",
            Msg::Request(Request::Accept { .. }) => "accept",
            Msg::Reply(Reply::Promise { .. }) => "promise",
            Msg::Reply(Reply::Accepted { .. } | Reply::Leased { .. }) => "accepted",
            Msg::Reply(Reply::Conflict { .. }) => "conflict",
        }
    }
    pub fn key(&self) -> &Key {
        match self {
            Msg::Request(r) => r.key(),
            Msg::Reply(r) => r.key(),
        }
    }
    pub fn ballot(&self) -> Ballot {
        match self {
            Msg::Request(r) => r.ballot(),
            Msg::Reply(r) => r.ballot(),
        }
    }
}

impl fmt::Display for Msg {
    /// `prepare k 3.p1`, `accept k 3.p1 =5 next 4.p1`, `promise k 3.p1 accepted 2.p2=4`,
    /// `conflict k 3.p1 by 5.p2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.kind(), self.key(), self.ballot())?;
        match self {
            Msg::Request(Request::Accept { value, next_promise, lease_ms, .. }) => {
                write!(f, " ={}", value.value)?;
                if let Some(n) = next_promise {
                    write!(f, " next {n}")?;
                }
                if let Some(ms) = lease_ms {
                    write!(f, " lease {ms}ms")?;
                }
            }
            Msg::Reply(Reply::Leased { .. }) => write!(f, " leased")?,
            Msg::Reply(Reply::Promise { accepted: Some((b, v)), .. }) => write!(f, " accepted {b}={}", v.value)?,
            Msg::Reply(Reply::Conflict { blocking, .. }) => write!(f, " by {blocking}")?,
            _ => {}
        }
        Ok(())
    }
}

/// One message as sent.
#[derive(Clone, Debug)]
pub struct MessageRecord {
    pub from: Node,
    pub to: Node,
    pub sent_at: u64,
    pub msg: Msg,
}

/// Why a message was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Lost by the network (`dropRate`).
    Lost,
    /// Sender and receiver were in different partition groups when it arrived.
    Partition,
    /// The receiver was down when it arrived.
    Down,
    /// Dropped by the user (manual delivery).
    Manual,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Lost => "lost",
            DropReason::Partition => "partition",
            DropReason::Down => "down",
            DropReason::Manual => "manual",
        }
    }
}

/// What happened. Message events name their message by index into [`Trace::messages`].
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    Invoke {
        op: OpId,
        proposer: ProposerId,
        name: &'static str,
        key: Key,
    },
    Return {
        op: OpId,
        proposer: ProposerId,
        outcome: Outcome,
    },
    Send {
        msg: usize,
    },
    /// A second copy of the message was put on the wire.
    Duplicate {
        msg: usize,
    },
    Deliver {
        msg: usize,
    },
    Drop {
        msg: usize,
        reason: DropReason,
    },
    /// An envelope arrived ([`super::envelope`]): its parts, by message index, in order.
    DeliverEnvelope {
        parts: Rc<[usize]>,
    },
    /// An envelope was not delivered: none of its parts was.
    DropEnvelope {
        parts: Rc<[usize]>,
        reason: DropReason,
    },
    Timeout {
        proposer: ProposerId,
        key: Key,
        ballot: Ballot,
        phase: Phase,
    },
    Crash {
        node: Node,
    },
    Restart {
        node: Node,
    },
    Wipe {
        node: Node,
    },
    /// The nodes' groups after the change; nodes not listed form one more group.
    Partition {
        groups: Vec<Vec<Node>>,
    },
    Heal,
    /// A network setting changed.
    Network {
        setting: NetSetting,
    },
    /// `proposer` won a read lease on `key`: it answers reads from it until `until` (virtual ms,
    /// when its own clock reaches the end of the window it trusts).
    Lease {
        proposer: ProposerId,
        key: Key,
        until: u64,
    },
    /// A step of garbage collection `op` of `key`, run on `proposer`'s node (§3.1).
    Gc {
        op: OpId,
        proposer: ProposerId,
        key: Key,
        step: super::gc::GcStep,
        text: String,
    },
    /// A step of the membership change adding or removing `node` (an acceptor, §2.3.1–§2.3.3, or
    /// a proposer, §2.3.4): its name (or `done` / `stopped`), and the rescan's keys done and keys
    /// while it runs.
    Membership {
        node: Node,
        step: &'static str,
        progress: Option<(usize, usize)>,
        text: String,
    },
}

/// A network setting, as a network event carries it (its text is the one the log shows:
/// `drop requests 0.1 replies 0.1`, `duplicate 0`, `latency 5..15`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NetSetting {
    /// Loss rates of requests and of replies.
    DropRates {
        requests: f64,
        replies: f64,
    },
    DuplicateRate(f64),
    Latency {
        min_ms: u64,
        max_ms: u64,
    },
}

use crate::limits::number_text;

impl fmt::Display for NetSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetSetting::DropRates { requests, replies } => {
                write!(f, "drop requests {} replies {}", number_text(*requests), number_text(*replies))
            }
            NetSetting::DuplicateRate(rate) => write!(f, "duplicate {}", number_text(*rate)),
            NetSetting::Latency { min_ms, max_ms } => write!(f, "latency {min_ms}..{max_ms}"),
        }
    }
}

impl EventKind {
    /// The messages a message event is about (by index): its one message, or an envelope's parts.
    pub fn messages(&self) -> Option<&[usize]> {
        match self {
            EventKind::Send { msg }
            | EventKind::Duplicate { msg }
            | EventKind::Deliver { msg }
            | EventKind::Drop { msg, .. } => Some(std::slice::from_ref(msg)),
            EventKind::DeliverEnvelope { parts } | EventKind::DropEnvelope { parts, .. } => Some(parts),
            _ => None,
        }
    }

    /// The contract's event `kind`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Invoke { .. } => "invoke",
            EventKind::Return { .. } => "return",
            EventKind::Send { .. } => "send",
            EventKind::Duplicate { .. } => "duplicate",
            EventKind::Deliver { .. } | EventKind::DeliverEnvelope { .. } => "deliver",
            EventKind::Drop { .. } | EventKind::DropEnvelope { .. } => "drop",
            EventKind::Timeout { .. } => "timeout",
            EventKind::Crash { .. } => "crash",
            EventKind::Restart { .. } => "restart",
            EventKind::Wipe { .. } => "wipe",
            EventKind::Partition { .. } => "partition",
            EventKind::Heal => "heal",
            EventKind::Network { .. } => "network",
            EventKind::Lease { .. } => "lease",
            EventKind::Gc { .. } => "gc",
            EventKind::Membership { .. } => "membership",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Virtual ms.
    pub at: u64,
    pub kind: EventKind,
}

/// The event log and the messages it refers to, in chunks a copy shares.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub events: Chunked<Event>,
    pub messages: Chunked<MessageRecord>,
}

impl Trace {
    /// Event `seq` as one readable line: `12ms p1->a2 prepare k 3.p1`.
    pub fn line(&self, seq: usize) -> String {
        let mut s = String::new();
        self.write_line(&mut s, seq).expect("writing to a String");
        s
    }

    fn write_line(&self, out: &mut String, seq: usize) -> fmt::Result {
        let e = &self.events[seq];
        write!(out, "{}ms ", e.at)?;
        let arrow = |out: &mut String, msg: usize, what: &str| {
            let m = &self.messages[msg];
            write!(out, "{}->{} {what}{}", m.from, m.to, m.msg)
        };
        match &e.kind {
            EventKind::Invoke { op, proposer, name, key } => write!(out, "p{proposer} invoke #{op} {name} {key}"),
            EventKind::Return { op, proposer, outcome } => write!(out, "p{proposer} return #{op} {}", outcome.as_str()),
            EventKind::Send { msg } => arrow(out, *msg, ""),
            EventKind::Duplicate { msg } => arrow(out, *msg, "duplicate "),
            EventKind::Deliver { msg } => arrow(out, *msg, "deliver "),
            EventKind::Drop { msg, reason } => arrow(out, *msg, &format!("drop ({}) ", reason.as_str())),
            EventKind::DeliverEnvelope { parts } => self.write_envelope(out, parts, "deliver"),
            EventKind::DropEnvelope { parts, reason } => {
                self.write_envelope(out, parts, &format!("drop ({})", reason.as_str()))
            }
            EventKind::Timeout { proposer, key, ballot, phase } => {
                write!(
                    out,
                    "p{proposer} timeout {} {key} {ballot}",
                    if *phase == Phase::Prepare { "prepare" } else { "accept" }
                )
            }
            EventKind::Crash { node } => write!(out, "{node} crash"),
            EventKind::Restart { node } => write!(out, "{node} restart"),
            EventKind::Wipe { node } => write!(out, "{node} wipe"),
            EventKind::Partition { groups } => {
                let groups: Vec<String> =
                    groups.iter().map(|g| g.iter().map(Node::to_string).collect::<Vec<_>>().join(",")).collect();
                write!(out, "partition [{}]", groups.join("] ["))
            }
            EventKind::Heal => write!(out, "heal"),
            EventKind::Network { setting } => write!(out, "network {setting}"),
            EventKind::Lease { proposer, key, until } => write!(out, "p{proposer} lease {key} until {until}ms"),
            EventKind::Gc { op, proposer, key, step, text } => write!(out, "p{proposer} gc #{op} {key} {step}: {text}"),
            EventKind::Membership { node, step, text, .. } => write!(out, "membership {node} {step}: {text}"),
        }
    }

    /// `p1->a2 deliver envelope of 2: prepare k 3.p1; prepare j 3.p1`.
    fn write_envelope(&self, out: &mut String, parts: &[usize], what: &str) -> fmt::Result {
        let first = &self.messages[parts[0]];
        write!(out, "{}->{} {what} envelope of {}: ", first.from, first.to, parts.len())?;
        for (i, &msg) in parts.iter().enumerate() {
            write!(out, "{}{}", if i == 0 { "" } else { "; " }, self.messages[msg].msg)?;
        }
        Ok(())
    }

    /// The whole log, one line per event.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for seq in 0..self.events.len() {
            self.write_line(&mut s, seq).expect("writing to a String");
            s.push('\n');
        }
        s
    }

    /// FNV-1a (64 bit) of [`Trace::render`]: equal logs, equal hashes, on every target.
    pub fn hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut line = String::new();
        for seq in 0..self.events.len() {
            line.clear();
            self.write_line(&mut line, seq).expect("writing to a String");
            line.push('\n');
            for b in line.bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_round_trip() {
        assert_eq!(Node::parse("a3"), Some(Node::Acceptor(3)));
        assert_eq!(Node::parse("p12"), Some(Node::Proposer(12)));
        for bad in ["", "a", "x1", "a01", "a+1", "a-1", "p300", "ä1"] {
            assert_eq!(Node::parse(bad), None, "{bad}");
        }
        assert_eq!(Node::Proposer(2).to_string(), "p2");
    }
}
