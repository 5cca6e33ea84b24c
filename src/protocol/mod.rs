//! Pure CASPaxos (D. Rystsov, "CASPaxos: Replicated State Machines without logs",
//! arXiv 1802.07000), one register per key.
//!
//! This module does **no** IO, reads **no** clock, draws **no** random numbers and has **no**
//! async code: requests, replies, timeouts and the current time go in; messages to send, the
//! next timer and outcomes come out, as data ([`operation::Operation`] is a client operation from
//! start to answer, retries included). Sending, waiting and drawing random backoffs belong to
//! [`crate::driver`]; the simulated network to [`crate::sim`]. Every rule cites the
//! section of the paper it implements, so the code can be read next to it.

pub mod acceptor;
pub mod ballot;
pub mod batch;
pub mod lease;
pub mod message;
pub mod operation;
pub mod proposer;
pub mod quorums;

pub use acceptor::{Acceptor, Slot};
pub use ballot::{AcceptorId, Ballot, BallotClock, ProposerId};
pub use message::{Key, Reply, Request};
pub use operation::{CachedRound, Finished, Note, Now, Operation, OperationContext, Phase, ProposerConfig, Timing};
pub use proposer::{majority, AcceptRound, PrepareRound, Progress};
pub use quorums::Quorums;
