//! The page's cluster as the benchmarks run it (shared by `throughput` and `memory`): a recording
//! (checkpoints for seeking, the event log's window of `EVENT_WINDOW` events, older ones
//! regenerated on demand, the safety oracles on) running 30 workers on 10 keys (3 per key,
//! through different proposers: contended) through recorded `runWorkers` actions, 30,000
//! increments a round.

use caspaxos_playground::session::{Recording, Start, UserAction};
use caspaxos_playground::sim::{SimConfig, WorkersPlan};

/// Workers on each key, and keys.
const WORKERS_PER_KEY: usize = 3;
const KEYS: usize = 10;

/// Increments the page's cluster runs for `increments` (whole rounds of every worker).
pub fn page_increments(increments: usize) -> usize {
    increments - increments % (WORKERS_PER_KEY * KEYS)
}

/// Runs [`page_increments`]`(increments)` on a page's cluster (`window`: false keeps every event
/// instead); returns the recording and its event count.
pub fn run_page_cluster(increments: usize, window: bool) -> (Recording, usize) {
    let config = SimConfig { acceptors: 3, proposers: 3, seed: 1, ..SimConfig::default() };
    let rec = Recording::new(Start::Config(config)).expect("a valid configuration");
    if !window {
        rec.set_event_window(None);
    }
    let workers = WORKERS_PER_KEY * KEYS;
    let mut left = page_increments(increments);
    while left > 0 {
        let per_worker = (left / workers).min(1000);
        for k in 0..KEYS {
            let plan = WorkersPlan { workers: WORKERS_PER_KEY, increments: per_worker, key: format!("k{k}") };
            rec.act(UserAction::Workers(plan)).expect("a valid plan");
        }
        rec.run_until_idle(u64::MAX).expect("a recorded run");
        left -= workers * per_worker;
    }
    let events = rec.sim().event_count();
    (rec, events)
}
