//! Envelopes (issue 14 §2, option `envelopes`): the messages one node sends to one other node
//! within one virtual instant travel together, as one arrival carrying them all in the order they
//! were sent.
//!
//! An envelope is closed ("sealed") when its instant ends — when the next scheduled event is
//! later than now, or the clock moves on. The network then draws **one** fate for the whole
//! envelope: one latency, one loss draw (with the request or the reply rate, by direction), one
//! duplication draw. Its parts therefore arrive together, in order, or are lost together; a
//! partition or a crashed receiver drops them together too. Each part keeps its own `send` event
//! (and a duplicate event each when the envelope is duplicated); the arrival is one `deliver` or
//! `drop` event listing the parts (an envelope of one message is logged as that message).
//!
//! Manual delivery holds each message on its own: envelopes form only when the network delivers.

use super::trace::{DropReason, EventKind, Msg, MsgRef, Node};
use super::world::{Due, World};
use std::rc::Rc;

/// Messages sent together from one node to one node.
#[derive(Clone, Debug)]
pub(super) struct Envelope {
    pub from: Node,
    pub to: Node,
    /// Their records ([`World::record_message`]), in the order sent.
    pub parts: Vec<MsgRef>,
}

impl Envelope {
    /// Moves its parts' records to `copies` (a checkpoint's own).
    pub fn rehome_messages(&mut self, copies: &mut super::message_arena::Rehomed) {
        for part in &mut self.parts {
            *part = copies.record(part);
        }
    }
}

/// The envelopes being filled in the current instant, in the order their first part was sent.
/// Part of the world: a checkpoint copies them.
#[derive(Clone, Debug, Default)]
pub(super) struct Outbox {
    open: Vec<Envelope>,
}

impl Outbox {
    /// Puts a recorded message in the envelope from its sender to its receiver.
    pub fn add(&mut self, record: MsgRef) {
        let (from, to) = (record.from, record.to);
        match self.open.iter_mut().find(|e| e.from == from && e.to == to) {
            Some(e) => e.parts.push(record),
            None => self.open.push(Envelope { from, to, parts: vec![record] }),
        }
    }

    /// Moves the open envelopes' records to `copies` (a checkpoint's own).
    pub fn rehome_messages(&mut self, copies: &mut super::message_arena::Rehomed) {
        for envelope in &mut self.open {
            envelope.rehome_messages(copies);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}

/// How an envelope arrives: as one message when it carries one (the log shows it as any other).
fn arrival(mut envelope: Envelope, lost: bool, log: Option<Rc<[MsgRef]>>) -> Due {
    if envelope.parts.len() == 1 {
        return Due::Arrive { msg: envelope.parts.pop().expect("one part"), lost };
    }
    Due::Envelope { envelope: Box::new(envelope), lost, log }
}

impl World {
    /// Seals the open envelopes if the current instant is over (nothing more is due now; what
    /// waits past the end of time runs after them).
    pub fn end_instant(&mut self) {
        if !self.outbox.is_empty() && self.queue.next_at().is_none_or(|at| at > self.now) {
            self.seal_envelopes();
        }
    }

    /// Puts each open envelope on the wire with one fate for all its parts.
    pub fn seal_envelopes(&mut self) {
        for envelope in std::mem::take(&mut self.outbox.open) {
            let is_request = matches!(envelope.parts[0].msg, Msg::Request(_));
            debug_assert!(envelope.parts.iter().all(|p| matches!(p.msg, Msg::Request(_)) == is_request), "one way");
            let fate = self.net.fate(&mut self.rng, is_request);
            let log: Option<Rc<[MsgRef]>> = (self.log_events).then(|| envelope.parts.iter().cloned().collect());
            if let Some(latency) = fate.duplicate_latency_ms {
                self.stats.duplicated += envelope.parts.len() as u64;
                for msg in log.iter().flat_map(|parts| parts.iter()) {
                    self.log(EventKind::Duplicate { msg: msg.clone() });
                }
                self.schedule(self.now + latency, arrival(envelope.clone(), false, log.clone()));
            }
            self.schedule(self.now + fate.latency_ms, arrival(envelope, fate.lost, log));
        }
    }

    /// Why a message from `from` to `to` arriving now is not delivered, if it is not (`lost`:
    /// the network's draw).
    pub fn drop_reason(&self, from: Node, to: Node, lost: bool) -> Option<DropReason> {
        if lost {
            Some(DropReason::Lost)
        } else if !self.partitions.can_talk(from, to) {
            Some(DropReason::Partition)
        } else if !self.is_up(to) {
            Some(DropReason::Down)
        } else {
            None
        }
    }
}
