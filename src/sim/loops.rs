//! Clients inside the simulation as plain data: each issues its next operation when the previous
//! one ends (a tiny state machine, not a task), so a simulation with clients can be cloned.
//!
//! [`ClientLoop::next`] gets the result of the operation it issued last and returns the next
//! operation, or `None` once it is done.

use super::Rng;
use crate::client::lock_key;
use crate::json_object::object;
use crate::ops::{Op, OpError};
use crate::protocol::{Key, ProposerId};
use serde_json::Value as Json;

/// An operation a client loop issues.
pub struct Issue {
    pub proposer: ProposerId,
    /// Shared with the loop that issues it: issuing allocates nothing for the key.
    pub key: Key,
    pub op: Op,
}

/// One client running in virtual time.
#[derive(Clone, Debug)]
pub enum ClientLoop {
    /// `left` increments of `key` through `proposer`, one after another.
    Increments {
        proposer: ProposerId,
        key: Key,
        left: usize,
    },
    /// The checker benchmark's client: increments, gets and versioned reads of random keys.
    Mixed {
        proposer: ProposerId,
        keys: u64,
        rng: Rng,
        left: usize,
    },
    /// The fuzz workload's client (see [`super::fuzz`]).
    Fuzz(FuzzClient),
    /// A client of a workers run (see [`super::workers`]); the core runs it, with the run's
    /// progress, instead of [`ClientLoop::next`].
    Worker(super::workers::WorkerClient),
    Done,
}

impl ClientLoop {
    /// The next operation, given how the last one ended (`None` before the first).
    pub fn next(&mut self, last: Option<Result<Json, OpError>>) -> Option<Issue> {
        let issue = match self {
            ClientLoop::Increments { proposer, key, left } => (*left > 0).then(|| {
                *left -= 1;
                Issue { proposer: *proposer, key: key.clone(), op: Op::Increment }
            }),
            ClientLoop::Mixed { proposer, keys, rng, left } => (*left > 0).then(|| {
                *left -= 1;
                let key = format!("k{}", rng.below(*keys)).into();
                let op = match rng.below(4) {
                    0 | 1 => Op::Increment,
                    2 => Op::Get,
                    _ => Op::Read,
                };
                Issue { proposer: *proposer, key, op }
            }),
            ClientLoop::Fuzz(c) => c.next(last),
            ClientLoop::Worker(_) => unreachable!("the core runs a worker (Core::resume_worker)"),
            ClientLoop::Done => None,
        };
        if issue.is_none() {
            *self = ClientLoop::Done;
        }
        issue
    }

    pub fn is_done(&self) -> bool {
        matches!(self, ClientLoop::Done)
    }
}

/// Keys that only ever see increments (their final value bounds the acknowledged increments).
pub const COUNTER_KEYS: [&str; 2] = ["c0", "c1"];
/// Keys that see puts, versioned writes (some stale), reads, deletes and change functions.
pub const DOC_KEYS: [&str; 2] = ["k0", "k1"];
/// The lock the workers take and release, with TTLs.
pub const LOCK_NAME: &str = "l0";

/// One client of the fuzz workload: counters, documents (puts, versioned writes — some with a
/// stale version, so they are refused —, reads, deletes, a change function that refuses when the
/// document is full) and a lock with a TTL, taken as a lock or as a lease.
#[derive(Clone, Debug)]
pub struct FuzzClient {
    pub proposer: ProposerId,
    pub rng: Rng,
    pub owner: String,
    /// A version this client read some time ago: writing at it is often stale.
    pub seen_version: u64,
    /// Operations still to start.
    pub left: usize,
    /// The last operation was the read of a read-then-write on this document.
    pub reading: Option<&'static str>,
}

impl FuzzClient {
    fn next(&mut self, last: Option<Result<Json, OpError>>) -> Option<Issue> {
        if let (Some(doc), Some(Ok(v))) = (self.reading.take(), &last) {
            let version = v["version"].as_u64().unwrap_or(0);
            self.seen_version = version;
            let op = Op::Write { expected: version, value: object! { "by": self.owner.as_str() } };
            return Some(self.issue(doc, op));
        }
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let doc = DOC_KEYS[self.rng.below(DOC_KEYS.len() as u64) as usize];
        let (key, op): (&str, Op) = match self.rng.below(14) {
            0..=4 => (COUNTER_KEYS[self.rng.below(2) as usize], Op::Increment),
            5 => (doc, Op::Put(Json::from(self.rng.below(100)))),
            6 => {
                self.reading = Some(doc);
                (doc, Op::Read)
            }
            7 => (doc, Op::Write { expected: self.seen_version, value: object! { "stale": self.owner.as_str() } }),
            8 => (doc, Op::Get),
            9 => (doc, Op::Change(std::rc::Rc::new(append_up_to_four))),
            10 => (doc, Op::Delete),
            11 => {
                let ttl_ms = Some(20 + self.rng.below(200));
                let owner = self.owner.clone();
                let op = if self.rng.below(2) == 0 {
                    Op::AcquireLock { owner, ttl_ms }
                } else {
                    Op::AcquireLease { owner, ttl_ms }
                };
                return Some(self.lock_issue(op));
            }
            12 => return Some(self.lock_issue(Op::ReleaseLock { owner: self.owner.clone() })),
            _ => (doc, Op::Read),
        };
        Some(self.issue(key, op))
    }

    fn issue(&self, key: &str, op: Op) -> Issue {
        Issue { proposer: self.proposer, key: key.into(), op }
    }

    fn lock_issue(&self, op: Op) -> Issue {
        let key = lock_key(LOCK_NAME).expect("the fuzz lock name is valid");
        Issue { proposer: self.proposer, key: key.into(), op }
    }
}

/// The fuzz workload's change function: append to a list (an empty key starts one), refusing
/// when the document is not a list (a put or a write replaced it) or already holds four entries.
pub fn append_up_to_four(x: &Json) -> Result<Json, OpError> {
    match x {
        Json::Null => Ok(Json::from(vec![0])),
        Json::Array(a) if a.len() < 4 => {
            let mut a = a.clone();
            a.push(Json::from(a.len()));
            Ok(Json::Array(a))
        }
        other => Err(OpError::rejected(format!("not a list with room: {other}"))),
    }
}
