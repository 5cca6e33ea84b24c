//! # CASPaxos playground
//!
//! CASPaxos (D. Rystsov, "CASPaxos: Replicated State Machines without logs", arXiv 1802.07000):
//! a leaderless replicated register per key, with `change(key, f)` as the single primitive, and
//! a key-value store, versioned compare-and-set and locks built on it — running in a
//! deterministic simulated cluster, natively and in the browser.
//!
//! Layers, data flowing down only:
//! - [`protocol`]: pure CASPaxos — ballots, messages, acceptor, and a client operation from start
//!   to answer as a sans-IO state machine ([`protocol::Operation`]: retries, the §2.2.1 cache,
//!   exactly-once markers; every answer only after a quorum accepted what it was computed on). No
//!   IO, no clock, no RNG, no async.
//! - [`driver`]: a thin `async` loop feeding that state machine, on `futures`, over a small
//!   [`driver::Env`].
//! - [`sim`]: the deterministic world — virtual time, one seeded RNG, network faults, event log,
//!   client history, safety oracles.
//! - [`client`]: the seed's API (KV, versioned, locks) on `change`.
//! - `wasm` (wasm32 only): the `Cluster` class for JavaScript.
//! - [`view`]: the JSON shapes `Cluster` returns (events, state, history, stats).
//! - [`limits`]: every limit of the JS contract, in one place.
//! - [`membership`]: which acceptors each phase asks and its quorum (§2.3).
//!
//! ```
//! use caspaxos_playground::sim::{Sim, SimConfig};
//! let sim = Sim::new(SimConfig { acceptors: 3, proposers: 2, seed: 42, ..SimConfig::default() }).unwrap();
//! let p1 = sim.client(1);
//! assert_eq!(sim.block_on(p1.increment("counter")).unwrap(), 1);
//! let v = sim.block_on(p1.change("counter", |x| Ok((x.as_i64().unwrap_or(0) + 10).into()))).unwrap();
//! assert_eq!(v, 11);
//! assert!(sim.violations().is_empty());
//! ```

/// The one seed of every property test: a run is the same run each time, and a failure replays
/// by running the test again (proptest's default draws a new seed per run). Native only: the
/// property tests do not build for wasm.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) const PROPTEST_SEED: u64 = 0x5eed_cafe;

pub mod checker;
pub mod client;
pub mod driver;
pub mod event_columns;
mod fxhash;
mod json_object;
mod json_text;
pub mod limits;
pub mod live;
pub mod membership;
pub mod metrics;
pub mod ops;
pub mod protocol;
pub mod session;
pub mod sim;
mod sorting;
mod unshared;
pub mod view;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
