//! Manual delivery: a mode in which every message put on the wire waits, held, until the user
//! delivers it (it arrives now, before anything else scheduled) or drops it. The network's
//! random fate (loss, duplication, latency) does not apply to a held message; partitions and
//! crashed receivers still do, when it arrives. Timers keep running: a proposer whose messages
//! wait too long times out and retries, as it would on a slow network.
//!
//! Held messages are numbered in the order they were sent, from 0, for the whole run; with the
//! same seed and actions the numbers are the same, so a session can record "deliver 3".

use super::world::{Due, World};
use super::{EventKind, Msg, Node, Sim};
use crate::ops::OpError;
use crate::sim::trace::{DropReason, MessageRecord, MsgRef};

/// How messages travel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delivery {
    /// The network delivers each message after its latency (the default).
    #[default]
    Auto,
    /// Messages wait until the user delivers or drops them.
    Manual,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Auto => "auto",
            Delivery::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Delivery> {
        [Delivery::Auto, Delivery::Manual].into_iter().find(|d| d.as_str() == s)
    }
}

/// A message waiting for the user.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldMessage {
    /// Its number among the held messages of the run.
    pub id: u64,
    pub from: Node,
    pub to: Node,
    pub msg: Msg,
    pub sent_at: u64,
    /// Its record in the event log, when the log is kept.
    pub log: Option<crate::sim::MsgRef>,
}

/// The held messages, in the order they were sent. Part of the world: a checkpoint copies them.
#[derive(Clone, Debug, Default)]
pub(super) struct Held {
    pub(super) mode: Delivery,
    waiting: Vec<HeldMessage>,
    next_id: u64,
}

impl Held {
    /// Moves the held messages' records to `copies` (a checkpoint's own).
    pub(super) fn rehome_messages(&mut self, copies: &mut super::message_arena::Rehomed) {
        for held in &mut self.waiting {
            if let Some(log) = &mut held.log {
                *log = copies.record(log);
            }
        }
    }

    /// Holds a message (in manual mode); the caller recorded it, and logged its send (`log`:
    /// its record in the log, when the log is kept).
    pub(super) fn hold(&mut self, record: &MessageRecord, log: Option<MsgRef>) {
        debug_assert_eq!(self.mode, Delivery::Manual, "only manual delivery holds messages");
        let MessageRecord { from, to, sent_at, .. } = *record;
        let msg = record.msg.clone();
        self.waiting.push(HeldMessage { id: self.next_id, from, to, msg, sent_at, log });
        self.next_id += 1;
    }

    fn take(&mut self, id: u64) -> Result<HeldMessage, OpError> {
        match self.waiting.iter().position(|m| m.id == id) {
            Some(i) => Ok(self.waiting.remove(i)),
            None => Err(unknown(id, &self.waiting)),
        }
    }
}

impl HeldMessage {
    /// Its arrival, carried by its record in the log (a record of its own when the log is not
    /// kept: nothing names it).
    fn into_arrival(self) -> Due {
        let HeldMessage { id, from, to, msg, sent_at, log } = self;
        let unlogged = || MsgRef::new(MessageRecord { id: id as usize, from, to, sent_at, msg });
        Due::Arrive { msg: log.unwrap_or_else(unlogged), lost: false }
    }
}

fn unknown(id: u64, waiting: &[HeldMessage]) -> OpError {
    let ids: Vec<String> = waiting.iter().map(|m| m.id.to_string()).collect();
    let now = if ids.is_empty() { "none is".to_owned() } else { format!("waiting: {}", ids.join(", ")) };
    OpError::invalid(format!("no message {id} is waiting to be delivered ({now})"))
}

impl World {
    /// Puts a held message on the queue to arrive now, ahead of everything else due now.
    fn release_now(&mut self, m: HeldMessage) {
        self.queue.push_next(self.now, m.into_arrival());
    }
}

impl Sim {
    pub fn delivery(&self) -> Delivery {
        self.world().held.mode
    }

    /// Switches how messages travel. Back to automatic, the held messages arrive now, in the
    /// order they were sent (scheduled like any message sent now, with no latency).
    pub fn set_delivery(&self, mode: Delivery) {
        let mut core = self.shared.core.borrow_mut();
        let w = &mut core.world;
        w.held.mode = mode;
        if mode == Delivery::Auto {
            let now = w.now;
            for m in std::mem::take(&mut w.held.waiting) {
                w.schedule(now, m.into_arrival());
            }
        }
    }

    /// The messages waiting for the user, in the order they were sent.
    pub fn held(&self) -> Vec<HeldMessage> {
        self.world().held.waiting.clone()
    }

    /// Whether message `id` is waiting; if not, an `InvalidArgument` naming the waiting ones.
    pub fn check_held(&self, id: u64) -> Result<(), OpError> {
        let w = self.world();
        match w.held.waiting.iter().any(|m| m.id == id) {
            true => Ok(()),
            false => Err(unknown(id, &w.held.waiting)),
        }
    }

    /// Delivers held message `id` now: it arrives before anything else (one event), and what it
    /// causes (a reply, a proposer's next step) happens as on any arrival.
    pub fn deliver(&self, id: u64) -> Result<(), OpError> {
        {
            let mut core = self.shared.core.borrow_mut();
            let w = &mut core.world;
            let m = w.held.take(id)?;
            w.release_now(m);
        }
        let stepped = self.step();
        debug_assert!(stepped, "the released message is the next event");
        Ok(())
    }

    /// Drops held message `id`: it never arrives (a drop event with reason `manual`).
    pub fn drop_message(&self, id: u64) -> Result<(), OpError> {
        let mut core = self.shared.core.borrow_mut();
        let w = &mut core.world;
        let m = w.held.take(id)?;
        w.stats.dropped += 1;
        if let Some(msg) = m.log {
            w.log(EventKind::Drop { msg, reason: DropReason::Manual });
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "manual_tests.rs"]
mod tests;
