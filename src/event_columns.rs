//! The events a timeline ingests, in columns (`Cluster.eventColumns(since, limit)`): one row of
//! [`FIELDS`] numbers per event instead of one object, so the page's intake of a long run builds
//! no object per event (issue 9: `events()` built each as JSON text, then `JSON.parse`, 45 µs an
//! event against 6 µs to simulate it). Strings (kinds, nodes, keys, names, message types,
//! outcomes) are numbers into the batch's `strings`. Events the columns do not describe (faults,
//! settings, leases, gc and membership steps, envelopes: few) are `rare`: the row's `rare` field
//! is their index into a list of the same objects `events()` returns. What a row carries equals
//! the same fields of `events()`'s object (tested below and in the page's intake test).

use crate::protocol::{Ballot, Reply};
use crate::sim::{Event, EventKind, Msg, Node};
use crate::view::phase_name;

/// Declares the columns once, in order: each field's position (a `const`) and its name (in
/// [`FIELDS`], which the page reads positions from: nothing else writes the order).
macro_rules! columns {
    ($($position:ident = $name:literal,)*) => {
        #[allow(non_camel_case_types, dead_code, clippy::upper_case_acronyms)]
        #[repr(usize)]
        enum Column { $($position),* }
        $(const $position: usize = Column::$position as usize;)*
        /// The names of a row's columns, in order (`fields` of a batch).
        pub const FIELDS: [&str; [$($name),*].len()] = [$($name),*];
    };
}

// `kind`, `node`, `to`, `what` and `key` are strings (numbers into `strings`). `id`: a message's
// `msg`, an operation's `op`; `node`: a message's `from`, the node of an invoke, return or
// timeout; `what`: a message's `type`, an invoke's `name`, a return's `outcome`; the ballot: the
// message's or a timeout's; the other ballot: a promise's `accepted.ballot`, a conflict's
// `blocking`; `rare`: an event the row does not describe, its index in the batch's `rare`;
// `reason`: a drop's (a string). A timeout's `what` is its `phase`. A field an event has not is -1.
columns! {
    AT = "at", KIND = "kind", ID = "id", NODE = "node", TO = "to", SENT_AT = "sentAt", WHAT = "what",
    KEY = "key", COUNTER = "counter", PROPOSER = "proposer",
    OTHER_COUNTER = "otherCounter", OTHER_PROPOSER = "otherProposer", RARE = "rare", REASON = "reason",
}
const BALLOT: (usize, usize) = (COUNTER, PROPOSER);
const OTHER_BALLOT: (usize, usize) = (OTHER_COUNTER, OTHER_PROPOSER);
/// Numbers per row.
pub const STRIDE: usize = FIELDS.len();
const NONE: i64 = -1;

/// A batch of events in columns.
#[derive(Debug, Default)]
pub struct EventColumns {
    /// `STRIDE` numbers per event, in the order of [`FIELDS`].
    pub rows: Vec<i64>,
    /// The strings rows name, each once.
    pub strings: Vec<String>,
    /// Indexes (into the batch) of the events given whole, in order.
    pub rare: Vec<usize>,
}

impl EventColumns {
    /// `events` in columns.
    pub fn of(events: &[Event]) -> Self {
        let rows = Vec::with_capacity(events.len() * STRIDE);
        let mut out = EventColumns { rows, ..Self::default() };
        for (i, e) in events.iter().enumerate() {
            out.push(i, e);
        }
        out
    }

    fn push(&mut self, index: usize, e: &Event) {
        let mut row = [NONE; STRIDE];
        row[AT] = e.at as i64;
        row[KIND] = self.string(e.kind.name());
        match &e.kind {
            EventKind::Invoke { op, proposer, name, key } => {
                row[ID] = *op as i64;
                row[NODE] = self.node(Node::Proposer(*proposer));
                row[WHAT] = self.string(name);
                row[KEY] = self.string(key);
            }
            EventKind::Return { op, proposer, outcome } => {
                row[ID] = *op as i64;
                row[NODE] = self.node(Node::Proposer(*proposer));
                row[WHAT] = self.string(outcome.as_str());
            }
            EventKind::Send { msg }
            | EventKind::Duplicate { msg }
            | EventKind::Deliver { msg }
            | EventKind::Drop { msg, .. } => {
                row[ID] = msg.id as i64;
                row[NODE] = self.node(msg.from);
                row[TO] = self.node(msg.to);
                row[SENT_AT] = msg.sent_at as i64;
                self.message(&mut row, &msg.msg);
                if let EventKind::Drop { reason, .. } = &e.kind {
                    row[REASON] = self.string(reason.as_str());
                }
            }
            EventKind::Timeout { proposer, key, ballot, phase } => {
                row[NODE] = self.node(Node::Proposer(*proposer));
                row[WHAT] = self.string(phase_name(*phase));
                row[KEY] = self.string(key);
                put_ballot(&mut row, BALLOT, *ballot);
            }
            _ => {
                row[RARE] = self.rare.len() as i64;
                self.rare.push(index);
            }
        }
        self.rows.extend_from_slice(&row);
    }

    /// A message's `type`, `key`, `ballot` and the ballot its answer names, if any.
    fn message(&mut self, row: &mut [i64; STRIDE], msg: &Msg) {
        row[WHAT] = self.string(msg.kind());
        row[KEY] = self.string(msg.key());
        put_ballot(row, BALLOT, msg.ballot());
        match msg {
            Msg::Reply(Reply::Promise { accepted: Some((b, _)), .. }) => put_ballot(row, OTHER_BALLOT, *b),
            Msg::Reply(Reply::Conflict { blocking, .. }) => put_ballot(row, OTHER_BALLOT, *blocking),
            _ => {}
        }
    }

    /// The number of `node`'s name in `strings`.
    fn node(&mut self, node: Node) -> i64 {
        self.string(&node.to_string())
    }

    /// The number of `s` in `strings`, added if new (a batch names few: kinds, nodes, keys).
    fn string(&mut self, s: &str) -> i64 {
        let i = self.strings.iter().position(|t| t == s).unwrap_or_else(|| {
            self.strings.push(s.to_owned());
            self.strings.len() - 1
        });
        i as i64
    }
}

/// A ballot in two fields: its counter (exact: below 2^53) and its proposer's number.
fn put_ballot(row: &mut [i64; STRIDE], (counter, proposer): (usize, usize), b: Ballot) {
    row[counter] = b.counter as i64;
    row[proposer] = i64::from(b.proposer);
}

#[cfg(test)]
#[path = "event_columns_tests.rs"]
mod tests;
