//! The JavaScript facades, one wasm module each (README, "Two modules"):
//! - `Cluster` (the `cluster` feature, the default): the simulated cluster in virtual time, what
//!   the page, the element and the package's main module load;
//! - `LiveCluster` (the `live` feature, built alone as `caspaxos_live`): the same protocol in real
//!   time, loaded only when a reader switches the page to Live or a program imports it.
//!
//! A build with both features (the wasm tests) has both classes.

#[cfg(feature = "cluster")]
mod cluster;
mod facade;
#[cfg(feature = "cluster")]
mod flat_item;
mod grow_ahead;
mod js;
#[cfg(feature = "live")]
mod live;
#[cfg(feature = "live")]
mod live_guard;
#[cfg(feature = "live")]
mod live_tabs;
mod shared;
mod stack;

#[cfg(feature = "cluster")]
pub use cluster::Cluster;
#[cfg(feature = "live")]
pub use live::LiveCluster;
#[cfg(feature = "live")]
pub use live_tabs::AcceptorTab;
pub(crate) use shared::json_of_parsed;
pub use stack::stack_headrooms;
#[cfg(feature = "workloads")]
pub use stack::stack_probes_for_tests;

/// Installs each class's boundary guard when the module starts.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
fn start() {
    #[cfg(feature = "cluster")]
    cluster::ensure_guard();
    #[cfg(feature = "live")]
    live_guard::ensure_live_guard();
}
