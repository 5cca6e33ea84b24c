//! The proposer runtime: every client operation of every proposer (per-key queues, the §2.2.1
//! cache, timers, backoff) as one sans-IO state machine, [`Runtime`], feeding each operation's own
//! state machine ([`crate::protocol::Operation`]).
//!
//! The simulator ([`crate::sim`]) drives [`Runtime`] directly; [`Proposers`] runs the same
//! machine behind `async fn`s over a small [`Env`] (send a message, wake me at a time, a random
//! number), on any single-threaded executor, with no `Send`, threads, `std::time` or OS
//! randomness.

mod adapter;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod adapter_tests;
mod keys;
mod pipeline;
mod runtime;

pub use adapter::Proposers;
pub use keys::{KeyId, KeyTable};
pub use runtime::{Io, Runtime, SlotRef};

use crate::ops::{ErrorKind, OpError, Val};
use crate::protocol::{AcceptorId, ProposerId, Request};
pub use crate::protocol::{Note, Phase, ProposerConfig as DriverConfig, Timing};
use serde_json::Value as Json;
use std::task::Waker;

/// The world a proposer runs in.
pub trait Env {
    /// Virtual time.
    fn now_ms(&self) -> u64;
    /// Number of acceptors, named `1..=N`.
    fn acceptors(&self) -> usize;
    fn send(&self, from: ProposerId, to: AcceptorId, request: Request<Val>);
    /// Wake `waker` once the time is `at_ms` or later.
    fn wake_at(&self, at_ms: u64, waker: Waker);
    /// A uniformly random number in `0..bound` (`bound > 0`).
    fn random_below(&self, bound: u64) -> u64;
    /// Timeouts and backoff, which may follow the network's latency.
    fn timing(&self) -> Timing;
    /// Something worth logging or counting happened.
    fn note(&self, note: Note);
}

/// Outcome of an operation for the history.
pub fn outcome_of(result: &Result<Json, OpError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(e) if matches!(e.kind, ErrorKind::Unavailable { indeterminate: true }) => Outcome::Unknown,
        Err(_) => Outcome::Failed,
    }
}

/// How a client operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Applied exactly once.
    Ok,
    /// Certainly not applied.
    Failed,
    /// May have been applied (at most once).
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
        }
    }
}
