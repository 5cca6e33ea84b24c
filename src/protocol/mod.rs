//! Pure CASPaxos (D. Rystsov, "CASPaxos: Replicated State Machines without logs",
//! arXiv 1802.07000), one register per key.
//!
//! This module does **no** IO, reads **no** clock, draws **no** random numbers and has **no**
//! async code: requests go in, replies come out, as data. Sending, timers, retries and backoff
//! belong to [`crate::driver`]; the simulated network to [`crate::sim`]. Every rule cites the
//! section of the paper it implements, so the code can be read next to it.

pub mod acceptor;
pub mod ballot;
pub mod message;
pub mod proposer;

pub use acceptor::{Acceptor, Slot};
pub use ballot::{AcceptorId, Ballot, BallotClock, ProposerId};
pub use message::{Key, Reply, Request};
pub use proposer::{majority, AcceptRound, PrepareRound, Progress};
