//! An event as its line of text (`12ms p1->a2 prepare k 3.p1`), and the log's hash over those
//! lines.
//!
//! Every event's line is written once while the event log's window is on (to fold it into the
//! hash before its chunk is let go), so the hot events (invocations, returns, messages, timeouts,
//! leases) are written by hand into one reused buffer: no `format!`, no formatter, integers by
//! a small itoa. Rare events (crashes, partitions, settings, gc and membership steps) and values
//! other than integers go through `fmt`. The text is the contract's (`eventLog()`), and the golden
//! hashes (`tests/golden/*`) pin it.

use super::trace::{DropReason, Event, EventKind, MessageRecord, Msg, MsgRef, Node};
use crate::driver::Phase;
use crate::ops::Val;
use crate::protocol::{Ballot, Reply, Request};
use serde_json::Value as Json;
use std::fmt::Write as _;

/// FNV-1a (64 bit) over the log's text, a line at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LineHash(pub(super) u64);

impl Default for LineHash {
    fn default() -> Self {
        LineHash(0xcbf2_9ce4_8422_2325)
    }
}

impl LineHash {
    /// Folds in `line` and the newline that ends it.
    pub(super) fn add(&mut self, line: &[u8]) {
        for &b in line {
            self.byte(b);
        }
        self.byte(b'\n');
    }

    fn byte(&mut self, b: u8) {
        self.0 ^= b as u64;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

/// Appends event `e`'s line (without a newline) to `out`: UTF-8 text, as bytes (what the hash
/// reads; [`line_text`] makes it a `String`).
pub(super) fn write_line(out: &mut Vec<u8>, e: &Event) {
    push_number(out, e.at);
    out.extend_from_slice("ms ".as_bytes());
    match &e.kind {
        EventKind::Invoke { op, proposer, name, key } => {
            push_proposer(out, *proposer);
            out.extend_from_slice(" invoke #".as_bytes());
            push_number(out, *op);
            push_words(out, &[" ", name, " ", key]);
        }
        EventKind::Return { op, proposer, outcome } => {
            push_proposer(out, *proposer);
            out.extend_from_slice(" return #".as_bytes());
            push_number(out, *op);
            push_words(out, &[" ", outcome.as_str()]);
        }
        EventKind::Send { msg } => push_arrow(out, msg, ""),
        EventKind::Duplicate { msg } => push_arrow(out, msg, "duplicate "),
        EventKind::Deliver { msg } => push_arrow(out, msg, "deliver "),
        EventKind::Drop { msg, reason } => push_arrow(out, msg, drop_words(*reason)),
        EventKind::DeliverEnvelope { parts } => push_envelope(out, parts, "deliver "),
        EventKind::DropEnvelope { parts, reason } => push_envelope(out, parts, drop_words(*reason)),
        EventKind::Timeout { proposer, key, ballot, phase } => {
            push_proposer(out, *proposer);
            let phase = if *phase == Phase::Prepare { "prepare" } else { "accept" };
            push_words(out, &[" timeout ", phase, " ", key, " "]);
            push_ballot(out, *ballot);
        }
        EventKind::Lease { proposer, key, until } => {
            push_proposer(out, *proposer);
            push_words(out, &[" lease ", key, " until "]);
            push_number(out, *until);
            out.extend_from_slice("ms".as_bytes());
        }
        rare => write_rare(out, rare),
    }
}

/// Event `e`'s line as text.
pub(super) fn line_text(e: &Event) -> String {
    let mut bytes = Vec::new();
    write_line(&mut bytes, e);
    // Written from `str`s and ASCII only, so always UTF-8 (the lossy read never replaces).
    debug_assert!(std::str::from_utf8(&bytes).is_ok());
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The events that happen a few times a run, through `fmt`.
fn write_rare(out: &mut Vec<u8>, kind: &EventKind) {
    let mut rare = String::new();
    let written = match kind {
        EventKind::Crash { node } => write!(rare, "{node} crash"),
        EventKind::Restart { node } => write!(rare, "{node} restart"),
        EventKind::Wipe { node } => write!(rare, "{node} wipe"),
        EventKind::Partition { groups } => {
            let groups: Vec<String> =
                groups.iter().map(|g| g.iter().map(Node::to_string).collect::<Vec<_>>().join(",")).collect();
            write!(rare, "partition [{}]", groups.join("] ["))
        }
        EventKind::Heal => write!(rare, "heal"),
        EventKind::Network { setting } => write!(rare, "network {setting}"),
        EventKind::Gc { op, proposer, key, step, text } => write!(rare, "p{proposer} gc #{op} {key} {step}: {text}"),
        EventKind::Membership { node, step, text, .. } => write!(rare, "membership {node} {step}: {text}"),
        hot => unreachable!("{} is written by write_line", hot.name()),
    };
    written.expect("writing to a String");
    out.extend_from_slice(rare.as_bytes());
}

/// `drop (lost) `: what a drop's line says before the message.
fn drop_words(reason: DropReason) -> &'static str {
    match reason {
        DropReason::Lost => "drop (lost) ",
        DropReason::Partition => "drop (partition) ",
        DropReason::Down => "drop (down) ",
        DropReason::Manual => "drop (manual) ",
    }
}

/// `p1->a2 deliver prepare k 3.p1`.
fn push_arrow(out: &mut Vec<u8>, m: &MessageRecord, what: &str) {
    push_ends(out, m);
    out.extend_from_slice(what.as_bytes());
    push_msg(out, &m.msg);
}

/// `p1->a2 `: a message's sender and receiver.
fn push_ends(out: &mut Vec<u8>, m: &MessageRecord) {
    push_node(out, m.from);
    out.extend_from_slice("->".as_bytes());
    push_node(out, m.to);
    out.push(b' ');
}

/// `p1->a2 deliver envelope of 2: prepare k 3.p1; prepare j 3.p1`.
fn push_envelope(out: &mut Vec<u8>, parts: &[MsgRef], what: &str) {
    push_ends(out, &parts[0]);
    out.extend_from_slice(what.as_bytes());
    out.extend_from_slice("envelope of ".as_bytes());
    push_number(out, parts.len() as u64);
    out.extend_from_slice(": ".as_bytes());
    for (i, m) in parts.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice("; ".as_bytes());
        }
        push_msg(out, &m.msg);
    }
}

/// `prepare k 3.p1`, `accept k 3.p1 =5 next 4.p1`, `promise k 3.p1 accepted 2.p2=4`,
/// `conflict k 3.p1 by 5.p2`.
pub(super) fn push_msg(out: &mut Vec<u8>, msg: &Msg) {
    push_words(out, &[msg.kind(), " ", msg.key(), " "]);
    push_ballot(out, msg.ballot());
    match msg {
        Msg::Request(Request::Accept { value, next_promise, lease_ms, .. }) => {
            out.extend_from_slice(" =".as_bytes());
            push_value(out, value);
            if let Some(n) = next_promise {
                out.extend_from_slice(" next ".as_bytes());
                push_ballot(out, *n);
            }
            if let Some(ms) = lease_ms {
                out.extend_from_slice(" lease ".as_bytes());
                push_number(out, *ms);
                out.extend_from_slice("ms".as_bytes());
            }
        }
        Msg::Reply(Reply::Leased { .. }) => out.extend_from_slice(" leased".as_bytes()),
        Msg::Reply(Reply::Promise { accepted: Some((b, v)), .. }) => {
            out.extend_from_slice(" accepted ".as_bytes());
            push_ballot(out, *b);
            out.push(b'=');
            push_value(out, v);
        }
        Msg::Reply(Reply::Conflict { blocking, .. }) => {
            out.extend_from_slice(" by ".as_bytes());
            push_ballot(out, *blocking);
        }
        _ => {}
    }
}

/// A register's value as compact JSON (`serde_json`'s text; integers without its formatter).
fn push_value(out: &mut Vec<u8>, value: &Val) {
    match &value.value {
        Json::Number(n) if n.is_u64() => push_number(out, n.as_u64().unwrap_or_default()),
        Json::Null => out.extend_from_slice("null".as_bytes()),
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

fn push_words(out: &mut Vec<u8>, words: &[&str]) {
    for w in words {
        out.extend_from_slice(w.as_bytes());
    }
}

/// `3.p1`.
fn push_ballot(out: &mut Vec<u8>, b: Ballot) {
    push_number(out, b.counter);
    out.push(b'.');
    push_proposer(out, b.proposer);
}

fn push_proposer(out: &mut Vec<u8>, id: u8) {
    out.push(b'p');
    push_number(out, id.into());
}

fn push_node(out: &mut Vec<u8>, node: Node) {
    let (role, id) = match node {
        Node::Acceptor(id) => (b'a', id),
        Node::Proposer(id) => (b'p', id),
    };
    out.push(role);
    push_number(out, id.into());
}

/// `00`, `01`, ... `99`: two digits at a time.
const DIGIT_PAIRS: [u8; 200] = {
    let mut pairs = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        pairs[2 * i] = b'0' + (i / 10) as u8;
        pairs[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    pairs
};

/// `n` in decimal, as `Display` writes it.
fn push_number(out: &mut Vec<u8>, mut n: u64) {
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    while n >= 10 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n > 0 {
        start -= 1;
        digits[start] = b'0' + n as u8;
    }
    out.extend_from_slice(&digits[start..]);
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "trace_text_tests.rs"]
mod tests;
