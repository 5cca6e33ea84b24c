//! The event log: everything that happened, in order, with virtual time.
//!
//! A message is recorded once ([`MessageRecord`], numbered in the order sent); the events of a
//! message (send, duplicate, deliver, drop) share that record, which keeps an event small and ties
//! an arrow's two ends together, and frees the record with the last event that names it.
//!
//! The log may keep only a window of the most recent events ([`Trace::set_window`]): older ones
//! are let go a chunk at a time, after they are folded into the log's hash, so the hash is the
//! whole log's and indices stay those of the whole log. (A recording regenerates events outside
//! the window by replay: `Recording::events`.)

use super::chunked::{Chunked, CHUNK};
use super::trace_text::{line_text, push_msg, write_line, LineHash};
use super::window_bytes::{WindowBytes, MAX_WINDOW_VALUE_BYTES};
use crate::driver::{Outcome, Phase};
use crate::ops::{OpId, Val};
use crate::protocol::{AcceptorId, Ballot, Key, ProposerId, Reply, Request};
use std::fmt;
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
    /// Its number within its role (`3` for `a3`).
    pub fn index(self) -> usize {
        match self {
            Node::Acceptor(i) | Node::Proposer(i) => i as usize,
        }
    }

    /// The node of the same role numbered `index`.
    pub fn with_index(self, index: u8) -> Node {
        match self {
            Node::Acceptor(_) => Node::Acceptor(index),
            Node::Proposer(_) => Node::Proposer(index),
        }
    }

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
    /// `conflict k 3.p1 by 5.p2` (as the event log writes it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Vec::new();
        push_msg(&mut text, self);
        f.write_str(&String::from_utf8_lossy(&text))
    }
}

/// One message as sent.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageRecord {
    /// Its number: messages are numbered from 0 in the order sent (the events' `msg`).
    pub id: usize,
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

use super::message_arena::MessageArena;
pub use super::message_arena::MsgRef;
use super::message_arena::Rehomed;

/// What happened. Message events share their message's record.
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
        msg: MsgRef,
    },
    /// A second copy of the message was put on the wire.
    Duplicate {
        msg: MsgRef,
    },
    Deliver {
        msg: MsgRef,
    },
    Drop {
        msg: MsgRef,
        reason: DropReason,
    },
    /// An envelope arrived ([`super::envelope`]): its parts, in order.
    DeliverEnvelope {
        parts: Rc<[MsgRef]>,
    },
    /// An envelope was not delivered: none of its parts was.
    DropEnvelope {
        parts: Rc<[MsgRef]>,
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
    /// The same event, its messages' records moved to the copy's own ([`Rehomed`]).
    pub(super) fn rehomed(&self, copies: &mut Rehomed) -> EventKind {
        match self {
            EventKind::Send { msg } => EventKind::Send { msg: copies.record(msg) },
            EventKind::Duplicate { msg } => EventKind::Duplicate { msg: copies.record(msg) },
            EventKind::Deliver { msg } => EventKind::Deliver { msg: copies.record(msg) },
            EventKind::Drop { msg, reason } => EventKind::Drop { msg: copies.record(msg), reason: *reason },
            EventKind::DeliverEnvelope { parts } => EventKind::DeliverEnvelope { parts: copies.parts(parts) },
            EventKind::DropEnvelope { parts, reason } => {
                EventKind::DropEnvelope { parts: copies.parts(parts), reason: *reason }
            }
            other => other.clone(),
        }
    }

    /// The messages a message event is about: its one message, or an envelope's parts.
    pub fn messages(&self) -> Option<&[MsgRef]> {
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

/// The event log, in chunks a copy shares; possibly only a window of its most recent events.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub events: Chunked<Event>,
    /// Messages recorded so far (the next one's number).
    messages: usize,
    /// Events held at most beyond the open chunk (`None`: every event is kept).
    window: Option<usize>,
    /// Whether events are folded into the hash as the window lets them go ([`Trace::fold_as_let_go`]):
    /// a run that cannot regenerate them by replay.
    folds_as_let_go: bool,
    /// The hash of the first `.0` events, folded when the hash was last asked for (a cache: the
    /// events after it may since have been let go, see [`Trace::try_hash`]).
    folded: (usize, LineHash),
    /// The buffer each event's line is written into to fold it (reused: no allocation an event).
    line: Vec<u8>,
    /// Where the message records are stored (a block at a time).
    records: MessageArena,
    /// The bytes of values the full chunks hold (counted only while there is a window).
    bytes: WindowBytes,
}

impl Trace {
    /// Logs an event; lets the oldest chunk go if the window is full. Nothing is hashed here:
    /// the hash is computed when asked ([`Trace::try_hash`]; events the window let go first are
    /// regenerated by replay, `Recording::event_log_hash`), so a run pays for it only if it asks.
    /// Inlined natively (every event of a run goes through it); a window's work is a call.
    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
        if self.window.is_some() {
            self.keep_to_window();
        }
    }

    /// Lets the oldest chunk go if the window is full.
    #[cfg_attr(not(target_arch = "wasm32"), inline(never))]
    fn keep_to_window(&mut self) {
        if let Some(window) = self.window {
            if self.events.held() >= window + CHUNK {
                self.let_go_before(self.events.len() - window);
            }
            if self.events.len() % CHUNK == 0 {
                self.let_go_past_bytes();
            }
        }
    }

    /// A chunk just filled: counts its values' bytes, and lets the oldest full chunks go (all
    /// but this one) while those held pass [`MAX_WINDOW_VALUE_BYTES`].
    fn let_go_past_bytes(&mut self) {
        let filled = self.events.len() / CHUNK - 1;
        self.bytes.filled(filled, self.events.last_full());
        while self.first_held() < filled * CHUNK
            && self.bytes.held_from(self.first_held() / CHUNK) > MAX_WINDOW_VALUE_BYTES
        {
            let first = self.first_held();
            self.let_go_before(first + CHUNK);
            if self.first_held() == first {
                return; // a log that must keep its events to stay hashable (see `let_go_before`)
            }
        }
    }

    /// Lets go of the events before `index` (whole chunks), folding them into the hash first if
    /// the log folds as it lets go; such a log whose hash stops before its oldest event held
    /// (it could not be folded when asked) keeps every event instead: the hash stays knowable.
    fn let_go_before(&mut self, index: usize) {
        if self.folds_as_let_go {
            if self.folded.0 < self.first_held() {
                return;
            }
            self.fold_until(index);
        }
        self.forget_before(index);
    }

    /// Records a message as sent; the events about it share the record, and it carries the
    /// message on the wire (also in a run that keeps no events: messages are numbered alike).
    pub fn message(&mut self, from: Node, to: Node, sent_at: u64, msg: Msg) -> MsgRef {
        self.messages += 1;
        self.records.add(MessageRecord { id: self.messages - 1, from, to, sent_at, msg })
    }

    /// The messages whose sends are held, in the order sent (index = number, while the whole
    /// log is held).
    pub fn messages(&self) -> Vec<MsgRef> {
        let sends = self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Send { msg } => Some(msg.clone()),
            _ => None,
        });
        sends.collect()
    }

    /// Messages logged so far.
    pub fn message_count(&self) -> usize {
        self.messages
    }

    /// Keeps at most about `events` of the most recent events from now on (`None`: all).
    pub fn set_window(&mut self, events: Option<usize>) {
        self.window = events;
    }

    pub fn window(&self) -> Option<usize> {
        self.window
    }

    /// From now on folds each event into the hash as the window lets it go (the events then
    /// cannot be regenerated: a run that cannot be replayed). Only such runs pay for writing
    /// and hashing each event's line as it goes; the hash stays the whole log's.
    pub fn fold_as_let_go(&mut self) {
        self.folds_as_let_go = true;
    }

    /// Whether events are folded into the hash as the window lets them go.
    pub fn folds_as_let_go(&self) -> bool {
        self.folds_as_let_go
    }

    /// The index of the oldest event held (events before it were let go).
    pub fn first_held(&self) -> usize {
        self.events.first_held()
    }

    /// Lets go of the events before `index` (whole chunks only), unhashed (see [`Trace::push`]).
    fn forget_before(&mut self, index: usize) {
        self.events.forget_before(index);
    }

    /// The same log with no event held: its hash, counts and window, and nothing else (what a
    /// checkpoint keeps: it pins no chunk of the log), its open chunk's messages in `copies`
    /// (pinning none of the run's blocks of records either).
    pub fn detached(&mut self, copies: &mut Rehomed) -> Trace {
        let start = self.events.len() / CHUNK * CHUNK;
        let mut events = Chunked::starting_at(start);
        for e in self.events.iter_from(start) {
            events.push(Event { at: e.at, kind: e.kind.rehomed(copies) });
        }
        events.shrink_tail();
        let (messages, window, folded, folds_as_let_go) =
            (self.messages, self.window, self.folded, self.folds_as_let_go);
        let records = MessageArena::default();
        Trace {
            events,
            messages,
            window,
            folds_as_let_go,
            folded,
            line: Vec::new(),
            records,
            bytes: WindowBytes::default(),
        }
    }

    /// Shares the older events `other` (the same log, further on) holds and this one does not
    /// (a trace restored from a checkpoint takes them from the run it was taken from).
    pub fn share_held_from(&mut self, other: &Trace) {
        self.events.share_front_from(&other.events);
    }

    /// Folds the held events from where the hash stops up to `index` (all held).
    fn fold_until(&mut self, index: usize) {
        let (from, mut hash) = self.folded;
        if from >= index {
            return;
        }
        let mut line = std::mem::take(&mut self.line);
        for e in self.events.iter_from(from).take(index - from) {
            fold_line(&mut hash, &mut line, e);
        }
        self.line = line;
        self.folded = (index, hash);
    }

    /// Event `seq` as one readable line: `12ms p1->a2 prepare k 3.p1`.
    pub fn line(&self, seq: usize) -> String {
        line(&self.events[seq])
    }

    /// The log held, one line per event (all of it unless a window let the oldest go).
    pub fn render(&self) -> String {
        let mut text = Vec::new();
        for e in self.events.iter_from(self.first_held()) {
            write_line(&mut text, e);
            text.push(b'\n');
        }
        // Lines are UTF-8 ([`line_text`]).
        String::from_utf8_lossy(&text).into_owned()
    }

    /// FNV-1a (64 bit) of the whole log's text (every event ever logged, held or not): equal
    /// logs, equal hashes, on every target. `None` if events after the last hash folded
    /// ([`Trace::folded_until`]) were let go unhashed: their replay must be folded in first
    /// ([`Trace::fold_regenerated`]; `Recording::event_log_hash` does both).
    pub fn try_hash(&self) -> Option<u64> {
        let (from, mut hash) = self.folded;
        if from < self.first_held() {
            return None;
        }
        let mut line = Vec::new();
        for e in self.events.iter_from(from) {
            fold_line(&mut hash, &mut line, e);
        }
        Some(hash.0)
    }

    /// [`Trace::try_hash`] of a log that let nothing go unhashed (a whole log, or a window whose
    /// run never went past it).
    pub fn hash(&self) -> u64 {
        let unhashed = "events were let go unhashed: ask the recording (Recording::event_log_hash)";
        self.try_hash().expect(unhashed)
    }

    /// Events hashed so far (the hash is folded up to here; events after it are not).
    pub fn folded_until(&self) -> usize {
        self.folded.0
    }

    /// Folds in `events`, a replay of this log's events `from..` (`from` is where the hash stops,
    /// [`Trace::folded_until`]), then the held events after them, so that the next
    /// [`Trace::try_hash`] starts from here.
    pub fn fold_regenerated(&mut self, from: usize, events: &[Event]) {
        assert!(from == self.folded.0, "regenerated events must start where the hash stops");
        let (_, mut hash) = self.folded;
        let mut line = std::mem::take(&mut self.line);
        for e in events {
            fold_line(&mut hash, &mut line, e);
        }
        self.line = line;
        self.folded = (from + events.len(), hash);
        self.fold_held();
    }

    /// Folds the held events after where the hash stops into it, if none between were let go
    /// unhashed: the next [`Trace::try_hash`] hashes only what is logged after this (outside
    /// tester 19: a run within its window hashed its whole log on every ask).
    pub fn fold_held(&mut self) {
        if self.folded.0 >= self.first_held() {
            self.fold_until(self.events.len());
        }
    }
}

/// Folds event `e`'s line into `hash`, written into `line` (a buffer reused from event to event).
fn fold_line(hash: &mut LineHash, line: &mut Vec<u8>, e: &Event) {
    line.clear();
    write_line(line, e);
    hash.add(line);
}

/// An event as one readable line: `12ms p1->a2 prepare k 3.p1`.
pub fn line(e: &Event) -> String {
    line_text(e)
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
