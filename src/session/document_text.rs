//! The session document (export; the format is in the README) written as JSON text field by
//! field, straight from the tape: no JSON tree per action, no copy of the actions, and the text
//! handed out in pieces of about [`PIECE`] bytes through one reused buffer, so a long session's
//! export does not grow wasm memory by its text (100,000 actions: a 9 MB text; building it whole
//! took wasm memory from 40 to 60 MB, which wasm never gives back; a JSON tree per action cost
//! 13 µs an action). The text is byte for byte what serde_json printed of the document's tree
//! (`document_text_tests.rs` compares them on every kind of action).

use super::tape::Written;
use super::{Breaks, Point, Recorded, Start, UserAction, SESSION_VERSION};
use crate::sim::Node;
use serde_json::Value as Json;
use std::fmt::Write;

/// About how many bytes of text each piece handed out holds (a piece ends between actions).
pub const PIECE: usize = 64 * 1024;

/// The document of `start`, `end` and `actions` as JSON text, handed to `sink` in pieces of
/// about `piece` bytes; returns the text's length in bytes.
pub fn write_document<'a>(
    start: &Start,
    end: Option<Point>,
    actions: impl Iterator<Item = Written<'a>>,
    piece: usize,
    sink: &mut dyn FnMut(&str),
) -> usize {
    let mut w = Text { buf: String::with_capacity(piece + 1024), bytes: 0 };
    w.buf.push_str("{\"format\":\"");
    w.buf.push_str(super::document::SESSION_FORMAT);
    w.buf.push('"');
    w.number("version", SESSION_VERSION.into());
    w.key("start");
    w.start(start);
    if let Some(end) = end {
        w.key("end");
        w.buf.push('{');
        w.number("steps", end.steps);
        w.number("at", end.at_ms);
        w.buf.push('}');
    }
    w.key("actions");
    w.buf.push('[');
    for (i, action) in actions.enumerate() {
        if i > 0 {
            w.buf.push(',');
        }
        w.written(&action);
        if w.buf.len() >= piece {
            w.flush(sink);
        }
    }
    w.buf.push_str("]}");
    w.flush(sink);
    w.bytes
}

/// The document of `start`, `end` and `actions` as one JSON text.
pub fn document_text<'a>(start: &Start, end: Option<Point>, actions: impl Iterator<Item = Written<'a>>) -> String {
    let mut text = String::new();
    write_document(start, end, actions, PIECE, &mut |piece| text.push_str(piece));
    text
}

/// The document's `start` as JSON text (what `session().start` is).
pub fn start_text(start: &Start) -> String {
    let mut w = Text { buf: String::new(), bytes: 0 };
    w.start(start);
    w.buf
}

/// The text being written, and how many bytes of it were handed out.
struct Text {
    buf: String,
    bytes: usize,
}

impl Text {
    fn flush(&mut self, sink: &mut dyn FnMut(&str)) {
        self.bytes += self.buf.len();
        sink(&self.buf);
        self.buf.clear();
    }

    /// `"name":`, after a comma unless it is its object's first field.
    fn key(&mut self, name: &str) {
        if !self.buf.ends_with('{') {
            self.buf.push(',');
        }
        self.buf.push('"');
        self.buf.push_str(name);
        self.buf.push_str("\":");
    }

    fn number(&mut self, name: &str, n: u64) {
        self.key(name);
        let _ = write!(self.buf, "{n}");
    }

    /// `null` for `None`.
    fn optional(&mut self, name: &str, n: Option<u64>) {
        match n {
            Some(n) => self.number(name, n),
            None => {
                self.key(name);
                self.buf.push_str("null");
            }
        }
    }

    /// As serde_json prints it (shortest round trip; `null` if not finite).
    fn float(&mut self, name: &str, x: f64) {
        self.key(name);
        let _ = write!(self.buf, "{}", Json::from(x));
    }

    fn boolean(&mut self, name: &str, b: bool) {
        self.key(name);
        self.buf.push_str(if b { "true" } else { "false" });
    }

    fn string(&mut self, name: &str, s: &str) {
        self.key(name);
        self.quoted(s);
    }

    fn node(&mut self, name: &str, n: Node) {
        self.key(name);
        let _ = write!(self.buf, "\"{n}\"");
    }

    /// `s` as a JSON string, escaped as serde_json escapes it: `"`, `\` and the control
    /// characters below U+0020 (the short forms where JSON has one, else `\u00xx`); nothing else.
    fn quoted(&mut self, s: &str) {
        self.buf.push('"');
        let mut from = 0;
        for (i, b) in s.bytes().enumerate() {
            let short = match b {
                b'"' => '"',
                b'\\' => '\\',
                b'\n' => 'n',
                b'\r' => 'r',
                b'\t' => 't',
                0x08 => 'b',
                0x0C => 'f',
                0..=0x1F => 'u',
                _ => continue,
            };
            self.buf.push_str(&s[from..i]);
            self.buf.push('\\');
            self.buf.push(short);
            if short == 'u' {
                let _ = write!(self.buf, "{b:04x}");
            }
            from = i + 1;
        }
        self.buf.push_str(&s[from..]);
        self.buf.push('"');
    }

    fn start(&mut self, start: &Start) {
        self.buf.push('{');
        match start {
            Start::Config(c) => {
                self.number("acceptors", c.acceptors as u64);
                self.number("proposers", c.proposers as u64);
                self.number("seed", c.seed);
                self.key("latency");
                self.buf.push('{');
                self.number("min", c.net.latency_ms_min);
                self.number("max", c.net.latency_ms_max);
                self.buf.push('}');
                self.float("dropRate", c.net.drop_request_rate);
                self.float("duplicateRate", c.net.duplicate_rate);
                self.boolean("oneRtt", c.driver.one_rtt);
                self.number("maxAttempts", c.driver.max_attempts.into());
                self.breaks("break", &Breaks::of(&c.driver));
                self.config_options(c);
            }
            Start::Fuzz(o) => {
                self.key("fuzz");
                self.buf.push('{');
                self.number("seed", o.seed);
                self.optional("acceptors", o.acceptors.map(|a| a as u64));
                self.optional("proposers", o.proposers.map(|p| p as u64));
                self.boolean("oneRtt", o.driver.one_rtt);
                self.breaks("break", &Breaks::of(&o.driver));
                self.boolean("wipes", o.wipes);
                self.number("opsPerClient", o.ops_per_client as u64);
                self.buf.push('}');
            }
        }
        self.buf.push('}');
    }

    /// A config start's options, each only when it is set (documents made before an option stay
    /// as they were).
    fn config_options(&mut self, c: &crate::sim::SimConfig) {
        if let Some(q) = c.driver.quorums {
            self.key("quorums");
            self.buf.push('{');
            self.number("prepare", q.prepare as u64);
            self.number("accept", q.accept as u64);
            self.buf.push('}');
        }
        if c.driver.batch_max > 1 {
            self.key("batch");
            self.buf.push('{');
            self.number("max", c.driver.batch_max as u64);
            self.buf.push('}');
        }
        if let Some(duration) = c.driver.lease_ms {
            self.key("leases");
            self.buf.push('{');
            self.number("duration", duration);
            self.buf.push('}');
        }
        if c.driver.clock_drift_ppm > 0 {
            self.float("clockDrift", f64::from(c.driver.clock_drift_ppm) / 1e6);
        }
        if let Some(n) = c.driver.pipeline {
            self.number("pipeline", n as u64);
        }
        if c.net.envelopes {
            self.boolean("envelopes", true);
        }
    }

    fn breaks(&mut self, name: &str, b: &Breaks) {
        self.key(name);
        self.buf.push('{');
        self.optional("quorum", b.quorum.map(u64::from));
        self.boolean("reuseBallot", b.reuse_ballot);
        self.boolean("takeAnyAccepted", b.take_any_accepted);
        self.boolean("blindRetry", b.blind_retry);
        self.boolean("disjointQuorums", b.disjoint_quorums);
        // The later switches only when on: documents made before them are unchanged.
        let later = [
            (b.trust_leases, "trustLeases"),
            (b.erase_without_gc, "eraseWithoutGc"),
            (b.skip_rescan, "skipRescan"),
            (b.rescan_one_key, "rescanOneKey"),
        ];
        for (_, name) in later.into_iter().filter(|(on, _)| *on) {
            self.boolean(name, true);
        }
        self.buf.push('}');
    }

    /// An action as the document writes it: what was done, then its point.
    fn written(&mut self, action: &Written) {
        self.buf.push('{');
        let (steps, at_ms) = match action {
            Written::Invoke { steps, at_ms, proposer, key, op, input } => {
                self.invoke(*proposer, key, op, input);
                (*steps, *at_ms)
            }
            Written::Whole(Recorded { steps, at_ms, action }) => {
                self.action(action);
                (*steps, *at_ms)
            }
        };
        self.number("steps", steps);
        self.number("at", at_ms);
        self.buf.push('}');
    }

    /// `input`: a value, or its JSON text.
    fn invoke(&mut self, proposer: u8, key: &str, op: &str, input: &dyn std::fmt::Display) {
        self.string("do", "invoke");
        self.node("proposer", Node::Proposer(proposer));
        self.string("key", key);
        self.string("op", op);
        self.key("input");
        let _ = write!(self.buf, "{input}");
    }

    fn action(&mut self, a: &UserAction) {
        let what = super::document::action_name(a);
        match a {
            UserAction::Invoke { proposer, key, name, input } => return self.invoke(*proposer, key, name, input),
            _ => self.string("do", what),
        }
        match a {
            UserAction::Crash(n) | UserAction::Restart(n) => self.node("node", *n),
            UserAction::Wipe(a) | UserAction::RemoveAcceptor(a) => self.node("node", Node::Acceptor(*a)),
            UserAction::RemoveProposer(p) => self.node("node", Node::Proposer(*p)),
            UserAction::Partition(groups) => self.partition(groups),
            UserAction::DropRate(r) | UserAction::DuplicateRate(r) => self.float("rate", *r),
            UserAction::Latency(min, max) => {
                self.number("min", *min);
                self.number("max", *max);
            }
            UserAction::Break(b) => self.breaks("break", b),
            UserAction::Delivery(mode) => self.string("mode", mode.as_str()),
            UserAction::Deliver(id) | UserAction::DropMessage(id) => self.number("message", *id),
            UserAction::Workers(p) => {
                self.number("workers", p.workers as u64);
                self.number("increments", p.increments as u64);
                self.string("key", &p.key);
            }
            UserAction::Gc { proposer, key } => {
                self.node("proposer", Node::Proposer(*proposer));
                match key {
                    Some(key) => self.string("key", key),
                    None => {
                        self.key("key");
                        self.buf.push_str("null");
                    }
                }
            }
            UserAction::GcDelay(ms) => self.optional("ms", *ms),
            UserAction::Invoke { .. } | UserAction::Heal | UserAction::AddAcceptor | UserAction::AddProposer => {}
        }
    }

    fn partition(&mut self, groups: &[Vec<Node>]) {
        self.key("groups");
        self.buf.push('[');
        for (i, group) in groups.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            self.buf.push('[');
            for (j, n) in group.iter().enumerate() {
                if j > 0 {
                    self.buf.push(',');
                }
                let _ = write!(self.buf, "\"{n}\"");
            }
            self.buf.push(']');
        }
        self.buf.push(']');
    }
}

impl super::Session {
    /// The session as its document's JSON text (the Rust API; the wasm writes a recording's).
    pub fn to_text(&self) -> String {
        document_text(&self.start, self.end, self.actions.iter().map(Written::Whole))
    }

    /// The session as a JSON document: its text, read back.
    pub fn to_json(&self) -> Json {
        crate::json_text::parse(&self.to_text()).unwrap_or(Json::Null)
    }
}
