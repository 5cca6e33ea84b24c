//! Randomized runs for fault sweeps and "find a counterexample": from one seed, a cluster, a
//! network, client tasks issuing mixed operations, and faults scheduled in virtual time. The
//! tests sweep thousands of these natively; the page sweeps them in wasm and replays the one that
//! broke, step by step.

use super::{Action, NetConfig, Node, Rng, Sim, SimConfig};
use crate::client::Client;
use crate::driver::DriverConfig;
use crate::ops::OpError;
use serde_json::{json, Value as Json};
use std::cell::Cell;
use std::rc::Rc;

/// Keys that only ever see increments (their final value bounds the acknowledged increments).
pub const COUNTER_KEYS: [&str; 2] = ["c0", "c1"];
/// Keys that see puts, versioned writes (some stale), reads, deletes and change functions.
pub const DOC_KEYS: [&str; 2] = ["k0", "k1"];
/// The lock the workers take and release, with TTLs.
pub const LOCK_NAME: &str = "l0";

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
        }
    }
}

/// A randomized run, set up and ready to step.
pub struct FuzzRun {
    pub sim: Sim,
    /// Client tasks started.
    pub clients: usize,
    done: Rc<Cell<usize>>,
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
        };
        let sim = Sim::new(SimConfig {
            acceptors,
            proposers,
            seed: o.seed,
            net,
            driver: o.driver.clone(),
            log_events: true,
            check_invariants: true,
        })?;

        let done = Rc::new(Cell::new(0usize));
        let clients = proposers * 2;
        for c in 0..clients {
            let client = sim.client((c % proposers) as u8 + 1);
            let rng = Rng::new(o.seed.wrapping_mul(31).wrapping_add(c as u64));
            let (n, done) = (o.ops_per_client, done.clone());
            sim.spawn(async move {
                let mut worker = Worker { client, rng, owner: format!("w{c}"), seen_version: 0 };
                for _ in 0..n {
                    worker.one_operation().await;
                }
                done.set(done.get() + 1);
            });
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
        Ok(FuzzRun { sim, clients, done, faults_end_ms: at })
    }

    /// True when every client finished its operations.
    pub fn clients_done(&self) -> bool {
        self.done.get() == self.clients
    }
}

/// One client of the fuzz workload: counters, documents (puts, versioned writes — some with a
/// stale version, so they are refused —, reads, deletes, a change function that refuses when the
/// document is full) and a lock with a TTL, taken as a lock or as a lease.
struct Worker {
    client: Client,
    rng: Rng,
    owner: String,
    /// A version this worker read some time ago: writing at it is often stale.
    seen_version: u64,
}

impl Worker {
    /// Issues one random operation and waits for it; failures are part of the workload.
    async fn one_operation(&mut self) {
        let doc = DOC_KEYS[self.rng.below(DOC_KEYS.len() as u64) as usize];
        let c = &self.client;
        let _ = match self.rng.below(14) {
            0..=4 => c.increment(COUNTER_KEYS[self.rng.below(2) as usize]).await.map(drop),
            5 => c.put(doc, json!(self.rng.below(100))).await.map(drop),
            6 => match c.read(doc).await {
                Ok(v) => {
                    self.seen_version = v.version;
                    c.write(doc, v.version, json!({ "by": self.owner })).await.map(drop)
                }
                Err(e) => Err(e),
            },
            7 => c.write(doc, self.seen_version, json!({ "stale": self.owner })).await.map(drop),
            8 => c.get(doc).await.map(drop),
            9 => c.change(doc, append_up_to_four).await.map(drop),
            10 => c.delete(doc).await,
            11 => {
                let ttl = 20 + self.rng.below(200);
                if self.rng.below(2) == 0 {
                    c.acquire_lock(LOCK_NAME, &self.owner, Some(ttl)).await.map(drop)
                } else {
                    c.acquire_lease(LOCK_NAME, &self.owner, Some(ttl)).await.map(drop)
                }
            }
            12 => c.release_lock(LOCK_NAME, &self.owner).await.map(drop),
            _ => c.read(doc).await.map(drop),
        };
    }
}

/// The fuzz workload's change function: append to a list (an empty key starts one), refusing
/// when the document is not a list (a put or a write replaced it) or already holds four entries.
fn append_up_to_four(x: &Json) -> Result<Json, OpError> {
    match x {
        Json::Null => Ok(json!([0])),
        Json::Array(a) if a.len() < 4 => {
            let mut a = a.clone();
            a.push(json!(a.len()));
            Ok(Json::Array(a))
        }
        other => Err(OpError::rejected(format!("not a list with room: {other}"))),
    }
}
