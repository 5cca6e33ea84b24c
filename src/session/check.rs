//! What a session may hold, checked before it is replayed (documents and links alike): every
//! action against the limits of the JS API and the cluster it starts, so a bad session is refused
//! at once with a message naming the action, not part-way through a replay.

use super::{Point, Recorded, Session, Start, UserAction};
use crate::client::check_register_key;
use crate::limits::{
    check_integer, check_name, check_value, integer_in, shown, MAX_ACCEPTORS, MAX_LATENCY_MS, MAX_PROPOSERS,
    MAX_SAFE_INTEGER,
};
use crate::ops::{Op, OpError};
use crate::sim::Node;
use serde_json::Value as Json;

impl Session {
    /// Checks every action: points in order and within range, operations the API could have made,
    /// nodes the cluster has.
    pub fn check(&self) -> Result<(), OpError> {
        let mut running = Running::new(&self.start);
        for (i, r) in self.actions.iter().enumerate() {
            running.next(i, r)?;
        }
        running.end(self.end)
    }
}

/// [`Session::check`] one action at a time, as a document is read: what the actions so far tell.
pub struct Running {
    sizes: Sizes,
    /// The point of the last action checked.
    previous: (u64, u64),
}

impl Running {
    pub fn new(start: &Start) -> Running {
        Running { sizes: Sizes::of(start), previous: (0, 0) }
    }

    /// Checks action `i`, the one after those checked so far.
    pub fn next(&mut self, i: usize, r: &Recorded) -> Result<(), OpError> {
        check_action(r, self.previous, &self.sizes)
            .map_err(|e| OpError::invalid(format!("{}: {}", describe(i, r), e.message)))?;
        self.previous = (r.steps, r.at_ms);
        // At most one more id (an addition may also resume one, or be refused on replay).
        match r.action {
            UserAction::AddAcceptor => self.sizes.acceptors = (self.sizes.acceptors + 1).min(MAX_ACCEPTORS),
            UserAction::AddProposer => self.sizes.proposers = (self.sizes.proposers + 1).min(MAX_PROPOSERS),
            _ => {}
        }
        Ok(())
    }

    /// Checks the session's end against the last action.
    pub fn end(&self, end: Option<Point>) -> Result<(), OpError> {
        match end {
            Some(end) if end.steps < self.previous.0 || end.at_ms < self.previous.1 => {
                Err(OpError::invalid("the session's end is before its last action"))
            }
            _ => Ok(()),
        }
    }
}

fn describe(i: usize, r: &Recorded) -> String {
    format!("the session's action {i} (at {}ms, after {} events)", r.at_ms, r.steps)
}

/// The cluster's size, as far as the start tells it (a fuzz run may draw it from its seed).
struct Sizes {
    acceptors: usize,
    proposers: usize,
}

impl Sizes {
    fn of(start: &Start) -> Sizes {
        match start {
            Start::Config(c) => Sizes { acceptors: c.acceptors, proposers: c.proposers },
            Start::Fuzz(o) => Sizes {
                acceptors: o.acceptors.unwrap_or(MAX_ACCEPTORS),
                proposers: o.proposers.unwrap_or(MAX_PROPOSERS),
            },
        }
    }

    fn check(&self, node: Node) -> Result<(), OpError> {
        node.check_in(self.acceptors, self.proposers)
    }
}

fn check_action(r: &Recorded, (steps, at_ms): (u64, u64), sizes: &Sizes) -> Result<(), OpError> {
    for (what, v) in [("its event count", r.steps), ("its time", r.at_ms)] {
        if v > MAX_SAFE_INTEGER {
            return Err(OpError::invalid(format!("{what} {v} is above {MAX_SAFE_INTEGER}")));
        }
    }
    if r.steps < steps || r.at_ms < at_ms {
        return Err(OpError::invalid("it comes before the action recorded ahead of it"));
    }
    match &r.action {
        UserAction::Invoke { proposer, key, name, input } => {
            sizes.check(Node::Proposer(*proposer))?;
            recorded_op(name, key, input).map(drop)
        }
        UserAction::Crash(n) | UserAction::Restart(n) => sizes.check(*n),
        UserAction::Wipe(a) | UserAction::RemoveAcceptor(a) => sizes.check(Node::Acceptor(*a)),
        UserAction::RemoveProposer(p) => sizes.check(Node::Proposer(*p)),
        UserAction::AddAcceptor | UserAction::AddProposer => Ok(()),
        UserAction::Partition(groups) => groups.iter().flatten().try_for_each(|n| sizes.check(*n)),
        UserAction::Heal | UserAction::DropRate(_) | UserAction::DuplicateRate(_) | UserAction::Delivery(_) => Ok(()),
        UserAction::Deliver(id) | UserAction::DropMessage(id) => {
            check_integer("message", *id, 0, MAX_SAFE_INTEGER).map(drop)
        }
        UserAction::Workers(plan) => plan.check(),
        UserAction::Gc { proposer, key } => {
            sizes.check(Node::Proposer(*proposer))?;
            key.as_deref().map_or(Ok(()), crate::sim::check_key)
        }
        UserAction::GcDelay(ms) => ms.map_or(Ok(()), |ms| check_integer("gcDelay", ms, 0, MAX_LATENCY_MS).map(drop)),
        UserAction::Latency(min, max) if *max > MAX_LATENCY_MS || min > max => {
            Err(OpError::invalid(format!("latency {min}..{max} is not within 0..={MAX_LATENCY_MS} with min <= max")))
        }
        UserAction::Latency(..) => Ok(()),
        UserAction::Break(b) => match b.quorum {
            Some(q) if q == 0 || q as usize > sizes.acceptors => {
                Err(OpError::invalid(format!("break.quorum must be in 1..={}, got {q}", sizes.acceptors)))
            }
            _ => Ok(()),
        },
    }
}

/// The operation a recorded invocation stands for, checked as the JS API checks its arguments.
pub(crate) fn recorded_op(name: &str, key: &str, input: &Json) -> Result<Op, OpError> {
    let Some(op) = Op::from_record(name, input) else {
        // Say which field is wrong, if one is (`2**53` is not a u64 here, `-1` neither).
        if let Some(version) = input.get("expectedVersion") {
            integer_in(&format!("{name}'s expectedVersion"), version, 0, MAX_SAFE_INTEGER)?;
        }
        return Err(OpError::invalid(format!(
            "{name} with input {} is not an operation a session can hold",
            shown(input)
        )));
    };
    check_register_key(key, &op)?;
    match &op {
        Op::Put(value) => check_value(&format!("{name}'s value"), value)?,
        Op::Write { expected, value } => {
            check_integer(&format!("{name}'s expectedVersion"), *expected, 0, MAX_SAFE_INTEGER)?;
            check_value(&format!("{name}'s value"), value)?;
        }
        Op::AcquireLock { owner, .. } | Op::AcquireLease { owner, .. } => {
            check_name("owner", owner)?;
            if let Some(ttl) = input.get("ttl").filter(|t| !t.is_null()) {
                integer_in(&format!("{name}'s ttl"), ttl, 1, MAX_SAFE_INTEGER)?;
            }
        }
        Op::ReleaseLock { owner } => check_name("owner", owner)?,
        _ if !input.is_null() => return Err(OpError::invalid(format!("{name} takes no input, got {}", shown(input)))),
        _ => {}
    }
    Ok(op)
}
