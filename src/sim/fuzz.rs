//! Randomized runs for fault sweeps and "find a counterexample": from one seed, a cluster, a
//! network, client tasks issuing mixed operations, and faults scheduled in virtual time. The
//! tests sweep thousands of these natively; the page sweeps them in wasm and replays the one that
//! broke, step by step.

use super::loops::{ClientLoop, FuzzClient};
pub use super::loops::{COUNTER_KEYS, DOC_KEYS, LOCK_NAME};
use super::{Action, NetConfig, Node, Rng, Sim, SimConfig};
use crate::driver::DriverConfig;
use crate::ops::OpError;

/// The collection delay of a fuzz run with the "erase without the GC protocol" twin on, when the
/// options give none (virtual ms after each delete).
pub const BREAK_GC_DELAY_MS: u64 = 20;

/// What to randomize.
#[derive(Clone, Debug, PartialEq)]
pub struct FuzzOptions {
    pub seed: u64,
    /// Fixed sizes, or drawn from the seed (3 or 5 acceptors, 2 or 3 proposers).
    pub acceptors: Option<usize>,
    pub proposers: Option<usize>,
    pub driver: DriverConfig,
    /// Also wipe acceptors (outside the fault model).
    pub wipes: bool,
    /// Operations each client issues, one after another.
    pub ops_per_client: usize,
    /// Fault events before the faults stop.
    pub faults: usize,
    /// Messages travel in envelopes (`envelopes`; tests only: a fuzz session does not carry it).
    pub envelopes: bool,
    /// Collect each deleted key this long after its delete (§3.1); `None`: no collection.
    pub gc_delay_ms: Option<u64>,
}

impl FuzzOptions {
    pub fn new(seed: u64) -> Self {
        FuzzOptions {
            seed,
            acceptors: None,
            proposers: None,
            driver: DriverConfig::default(),
            wipes: false,
            ops_per_client: 12,
            faults: 10,
            envelopes: false,
            gc_delay_ms: None,
        }
    }
}

/// A randomized run, set up and ready to step.
pub struct FuzzRun {
    pub sim: Sim,
    /// Client loops started.
    pub clients: usize,
    /// When the faults stop: the network heals, every node restarts, loss and duplication end.
    pub faults_end_ms: u64,
}

impl FuzzRun {
    /// Builds the cluster, starts two clients per proposer and schedules the faults.
    pub fn new(o: &FuzzOptions) -> Result<FuzzRun, OpError> {
        let mut rng = Rng::new(o.seed ^ 0x5eed_5eed);
        let acceptors = o.acceptors.unwrap_or([3usize, 3, 5][rng.below(3) as usize]);
        let proposers = o.proposers.unwrap_or(2 + rng.below(2) as usize);
        let pct = |rng: &mut Rng, max: u64| rng.below(max + 1) as f64 / 100.0;
        let net = NetConfig {
            latency_ms_min: 1,
            latency_ms_max: 2 + rng.below(15),
            drop_request_rate: pct(&mut rng, 30),
            drop_reply_rate: pct(&mut rng, 30),
            duplicate_rate: pct(&mut rng, 20),
            envelopes: o.envelopes,
        };
        let sim = Sim::new(SimConfig {
            // The twin that erases without the protocol shows nothing unless something collects.
            gc_delay_ms: o.gc_delay_ms.or(o.driver.break_erase_without_gc.then_some(BREAK_GC_DELAY_MS)),
            acceptors,
            proposers,
            seed: o.seed,
            net,
            driver: o.driver.clone(),
            log_events: true,
            check_invariants: true,
        })?;

        let clients = proposers * 2;
        for c in 0..clients {
            sim.start_loop(ClientLoop::Fuzz(FuzzClient {
                proposer: (c % proposers) as u8 + 1,
                rng: Rng::new(o.seed.wrapping_mul(31).wrapping_add(c as u64)),
                owner: format!("w{c}"),
                seen_version: 0,
                left: o.ops_per_client,
                reading: None,
            }));
        }

        // Faults: at most a minority of acceptors down at once, proposer crashes, partitions, loss.
        let minority = (acceptors - 1) / 2;
        let mut down = vec![false; acceptors + 1];
        let mut at = 0;
        for _ in 0..o.faults {
            at += 5 + rng.below(60);
            let a = 1 + rng.below(acceptors as u64) as u8;
            let p = 1 + rng.below(proposers as u64) as u8;
            let action = match rng.below(if o.wipes { 9 } else { 8 }) {
                0 | 1 => {
                    if down.iter().filter(|d| **d).count() >= minority || down[a as usize] {
                        continue;
                    }
                    down[a as usize] = true;
                    Action::Crash(Node::Acceptor(a))
                }
                2 => {
                    down[a as usize] = false;
                    Action::Restart(Node::Acceptor(a))
                }
                3 => Action::Crash(Node::Proposer(p)),
                4 => Action::Restart(Node::Proposer(p)),
                5 => {
                    let side: Vec<Node> = (1..=acceptors as u8)
                        .map(Node::Acceptor)
                        .chain((1..=proposers as u8).map(Node::Proposer))
                        .filter(|_| rng.below(2) == 0)
                        .collect();
                    Action::Partition(vec![side])
                }
                6 => Action::Heal,
                7 => Action::DropRates(pct(&mut rng, 30), pct(&mut rng, 30)),
                _ => {
                    down[a as usize] = false;
                    Action::Wipe(a)
                }
            };
            sim.schedule(at, action);
        }
        at += 5 + rng.below(60);
        sim.schedule(at, Action::EndFaults);
        Ok(FuzzRun { sim, clients, faults_end_ms: at })
    }

    /// True when every client finished its operations.
    pub fn clients_done(&self) -> bool {
        self.sim.loops_done() == self.clients
    }
}
