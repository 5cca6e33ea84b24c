//! The messages of one CASPaxos round (paper §2.2), for one register (`key`).

use super::ballot::Ballot;
use std::rc::Rc;

/// A register's name. Cheap to clone: every message carries one.
pub type Key = Rc<str>;

/// Proposer → acceptor.
#[derive(Clone, Debug, PartialEq)]
pub enum Request<V> {
    /// Phase 1a: "promise not to accept anything below `ballot`, and tell me what you accepted".
    Prepare { key: Key, ballot: Ballot },
    /// Phase 2a: "accept `value` under `ballot`". With the one-round-trip optimisation (§2.2.1)
    /// it also carries the prepare of the proposer's next round, `next_promise`.
    Accept {
        key: Key,
        ballot: Ballot,
        value: V,
        next_promise: Option<Ballot>,
        /// Read leases ([`super::lease`]): also grant me the key for this many ms of your clock.
        lease_ms: Option<u64>,
    },
}

/// Acceptor → proposer. Every reply names the ballot of the request it answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply<V> {
    /// Phase 1b: the promise, with the acceptor's accepted `(ballot, value)` if any.
    Promise { key: Key, ballot: Ballot, accepted: Option<(Ballot, V)> },
    /// Phase 2b: the value was accepted.
    Accepted { key: Key, ballot: Ballot },
    /// The request was refused because the acceptor had already seen `blocking`, a ballot at least
    /// as high; the proposer fast-forwards past it (§2.1).
    Conflict { key: Key, ballot: Ballot, blocking: Ballot },
    /// Phase 2b with a read lease: the value was accepted and the lease the accept asked for was
    /// granted ([`super::lease`]).
    Leased { key: Key, ballot: Ballot },
}

impl<V> Request<V> {
    pub fn key(&self) -> &Key {
        match self {
            Request::Prepare { key, .. } | Request::Accept { key, .. } => key,
        }
    }
    pub fn ballot(&self) -> Ballot {
        match self {
            Request::Prepare { ballot, .. } | Request::Accept { ballot, .. } => *ballot,
        }
    }
}

impl<V> Reply<V> {
    pub fn key(&self) -> &Key {
        match self {
            Reply::Promise { key, .. }
            | Reply::Accepted { key, .. }
            | Reply::Conflict { key, .. }
            | Reply::Leased { key, .. } => key,
        }
    }
    /// The ballot of the request this reply answers.
    pub fn ballot(&self) -> Ballot {
        match self {
            Reply::Promise { ballot, .. }
            | Reply::Accepted { ballot, .. }
            | Reply::Conflict { ballot, .. }
            | Reply::Leased { ballot, .. } => *ballot,
        }
    }
}
