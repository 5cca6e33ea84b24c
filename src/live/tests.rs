//! The live world on a second executor (`futures`' `LocalPool`) with a test clock whose timers
//! fire up to 1 ms early or 2 ms late (as a browser's may): many workers, crashes, lost peers,
//! bad input, and negative controls that show the checker and the oracles catch a broken run.

use super::{Host, LiveCluster, LiveConfig, Task};
use crate::checker::ViolationKind;
use crate::driver::DriverConfig;
use crate::ops::{ErrorKind, Op, OpError};
use crate::sim::{EventKind, Node, OracleKind, Rng};
use futures::executor::LocalPool;
use futures::task::{LocalSpawn, LocalSpawnExt};
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

type Timer = (u64, u64, Box<dyn FnOnce()>);

pub(super) struct TestHost {
    pub(super) now: Cell<u64>,
    seq: Cell<u64>,
    jitter: RefCell<Rng>,
    timers: RefCell<Vec<Timer>>,
    spawner: futures::executor::LocalSpawner,
}

impl Host for TestHost {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    fn after(&self, delay_ms: u64, task: Box<dyn FnOnce()>) {
        let jitter = self.jitter.borrow_mut().below(4) as i64 - 1;
        let at = (self.now.get() + delay_ms).saturating_add_signed(jitter).max(self.now.get());
        self.seq.set(self.seq.get() + 1);
        self.timers.borrow_mut().push((at, self.seq.get(), task));
    }
    fn spawn(&self, task: Task) {
        self.spawner.spawn_local_obj(task.into()).expect("the pool runs");
    }
}

pub(super) struct Rig {
    pub(super) pool: LocalPool,
    pub(super) host: Rc<TestHost>,
}

impl Rig {
    pub(super) fn new(seed: u64) -> Rig {
        let pool = LocalPool::new();
        let host = Rc::new(TestHost {
            now: Cell::new(1_000),
            seq: Cell::new(0),
            jitter: RefCell::new(Rng::new(seed ^ 0x5eed)),
            timers: RefCell::default(),
            spawner: pool.spawner(),
        });
        Rig { pool, host }
    }

    fn cluster(&self, config: LiveConfig) -> LiveCluster {
        LiveCluster::new(self.host.clone(), config).expect("a valid configuration")
    }

    /// Runs tasks and fires timers in time order until `done`, at most `max_ms` of test time.
    pub(super) fn run_until(&mut self, max_ms: u64, mut done: impl FnMut() -> bool) {
        let deadline = self.host.now.get() + max_ms;
        loop {
            self.pool.run_until_stalled();
            if done() {
                return;
            }
            let next = {
                let mut timers = self.host.timers.borrow_mut();
                let i = (0..timers.len()).min_by_key(|&i| (timers[i].0, timers[i].1)).expect("nothing left to run");
                timers.swap_remove(i)
            };
            assert!(next.0 <= deadline, "not done after {max_ms} ms");
            self.host.now.set(self.host.now.get().max(next.0));
            (next.2)();
        }
    }
}

pub(super) type Results = Rc<RefCell<Vec<Result<Json, OpError>>>>;

/// `workers` clients, each issuing `increments` increments of `key` one after another through
/// proposer `worker % proposers + 1`; every result lands in the returned list.
fn start_workers(rig: &Rig, cluster: &Rc<LiveCluster>, workers: usize, increments: usize) -> Results {
    let results: Results = Rc::default();
    let proposers = cluster.config().proposers;
    for w in 0..workers {
        let (cluster, results) = (cluster.clone(), results.clone());
        let task = async move {
            for _ in 0..increments {
                let (_, outcome) = cluster.invoke((w % proposers) as u8 + 1, "counter", Op::Increment).unwrap();
                let r = outcome.await;
                results.borrow_mut().push(r);
            }
        };
        rig.pool.spawner().spawn_local(task).unwrap();
    }
    results
}

fn event_count(cluster: &LiveCluster, pred: impl Fn(&EventKind) -> bool) -> usize {
    cluster.trace().events.iter().filter(|e| pred(&e.kind)).count()
}

#[test]
fn ten_workers_times_a_hundred_increments_survive_an_acceptor_crash_and_check() {
    for seed in [1, 2] {
        let mut rig = Rig::new(seed);
        let config = LiveConfig {
            seed,
            driver: DriverConfig { max_attempts: 100, ..DriverConfig::default() },
            ..LiveConfig::default()
        };
        let cluster = Rc::new(rig.cluster(config));
        let results = start_workers(&rig, &cluster, 10, 100);
        rig.run_until(600_000, || results.borrow().len() >= 300);
        cluster.crash(Node::Acceptor(2)).unwrap();
        rig.run_until(600_000, || results.borrow().len() == 1_000);
        let mut values: Vec<i64> =
            results.borrow().iter().map(|r| r.as_ref().expect("no increment fails").as_i64().unwrap()).collect();
        values.sort_unstable();
        assert_eq!(values, (1..=1_000).collect::<Vec<_>>(), "seed {seed}: each increment applied exactly once");
        let report = cluster.check(crate::checker::DEFAULT_STEP_BUDGET);
        assert!(report.ok, "seed {seed}: {:?}", report.violation);
        let stats = cluster.stats();
        assert_eq!((stats.operations, stats.ok, cluster.pending()), (1_000, 1_000, 0));
        assert!(stats.conflicts > 0, "seed {seed}: two proposers on one key collide");
        // metrics(): the same counts as stats(), per kind and over wall-clock buckets.
        let metrics = cluster.metrics_json();
        assert_eq!(metrics["kinds"]["increment"]["count"], 1_000, "seed {seed}");
        let series = metrics["series"].as_array().unwrap();
        let total = |field: &str| series.iter().map(|b| b[field].as_u64().unwrap()).sum::<u64>();
        assert_eq!((total("ended"), total("messages")), (1_000, stats.messages), "seed {seed}");
        assert_eq!(total("conflicts"), stats.conflicts, "seed {seed}");
        assert!(metrics["kinds"]["increment"]["p99"].as_u64().unwrap() > 0, "seed {seed}: {metrics}");
        let down = event_count(&cluster, |k| matches!(k, EventKind::Drop { reason: crate::sim::DropReason::Down, .. }));
        assert!(down > 0, "seed {seed}: requests to the crashed acceptor are dropped, and logged");
        assert_eq!(event_count(&cluster, |k| matches!(k, EventKind::Return { .. })), 1_000);
        let state = cluster.state();
        assert_eq!(state["acceptors"][1]["up"], false);
        assert_eq!(state["acceptors"][0]["registers"]["counter"]["accepted"]["value"], 1_000);
    }
}

#[test]
fn a_broken_quorum_under_a_partition_is_caught_by_the_checker() {
    let mut rig = Rig::new(7);
    let driver = DriverConfig { break_quorum: Some(1), ..DriverConfig::default() };
    let cluster = Rc::new(rig.cluster(LiveConfig { driver, ..LiveConfig::default() }));
    let a = |i| Node::Acceptor(i);
    cluster.partition(vec![vec![a(1), Node::Proposer(1)], vec![a(2), a(3), Node::Proposer(2)]]).unwrap();
    let results = start_workers(&rig, &cluster, 2, 5);
    rig.run_until(600_000, || results.borrow().len() == 10);
    let report = cluster.check(crate::checker::DEFAULT_STEP_BUDGET);
    assert!(!report.ok, "both sides count from 0: the checker must see it");
    let violation = report.violation.expect("a violation");
    assert_eq!((violation.kind, violation.key.as_str()), (ViolationKind::Linearizability, "counter"));
    // The control: the same run with majorities is linearizable.
    let mut rig = Rig::new(7);
    let cluster = Rc::new(rig.cluster(LiveConfig::default()));
    cluster.partition(vec![vec![a(1), Node::Proposer(1)], vec![a(2), a(3), Node::Proposer(2)]]).unwrap();
    let results = start_workers(&rig, &cluster, 2, 5);
    rig.run_until(600_000, || results.borrow().len() == 10);
    assert!(cluster.check(crate::checker::DEFAULT_STEP_BUDGET).ok);
}

#[test]
fn a_wipe_is_caught_by_the_oracles() {
    let mut rig = Rig::new(3);
    let cluster = Rc::new(rig.cluster(LiveConfig::default()));
    let results = start_workers(&rig, &cluster, 1, 3);
    rig.run_until(60_000, || results.borrow().len() == 3);
    assert!(cluster.check(1_000_000).oracles.is_empty());
    cluster.wipe(1).unwrap();
    let report = cluster.check(1_000_000);
    assert!(!report.ok);
    assert_eq!(report.oracles[0].kind, OracleKind::PromiseRegressed, "{:?}", report.oracles);
    assert_eq!(report.violation.unwrap().kind, ViolationKind::Oracle(OracleKind::PromiseRegressed));
}

#[test]
fn without_a_quorum_operations_end_unavailable_and_a_proposer_crash_ends_its_operations() {
    let mut rig = Rig::new(4);
    let config =
        LiveConfig { driver: DriverConfig { max_attempts: 3, ..DriverConfig::default() }, ..LiveConfig::default() };
    let cluster = Rc::new(rig.cluster(config));
    cluster.crash(Node::Acceptor(1)).unwrap();
    cluster.crash(Node::Acceptor(3)).unwrap();
    let results = start_workers(&rig, &cluster, 1, 1);
    rig.run_until(60_000, || results.borrow().len() == 1);
    let e = results.borrow()[0].clone().expect_err("no quorum answers");
    assert!(matches!(e.kind, ErrorKind::Unavailable { .. }), "{e:?}");
    cluster.restart(Node::Acceptor(1)).unwrap();
    // A proposer crash ends its operation in flight now, and refuses new ones until it restarts.
    let (_, pending) = cluster.invoke(1, "k", Op::Increment).unwrap();
    let results: Results = Rc::default();
    let sink = results.clone();
    rig.pool
        .spawner()
        .spawn_local(async move {
            let r = pending.await;
            sink.borrow_mut().push(r)
        })
        .unwrap();
    rig.pool.run_until_stalled();
    cluster.crash(Node::Proposer(1)).unwrap();
    rig.run_until(1_000, || results.borrow().len() == 1);
    let e = results.borrow()[0].clone().expect_err("the proposer crashed");
    assert!(e.message.contains("proposer p1 crashed"), "{e:?}");
    let (_, refused) = cluster.invoke(1, "k", Op::Increment).unwrap();
    let e = futures::executor::block_on(refused).expect_err("p1 is down");
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Unavailable { indeterminate: false }, "proposer p1 is down; the change was not applied")
    );
    cluster.restart(Node::Proposer(1)).unwrap();
    let (_, fine) = cluster.invoke(1, "k", Op::Increment).unwrap();
    let results: Results = Rc::default();
    let sink = results.clone();
    rig.pool
        .spawner()
        .spawn_local(async move {
            let r = fine.await;
            sink.borrow_mut().push(r)
        })
        .unwrap();
    rig.run_until(60_000, || results.borrow().len() == 1);
    assert!(results.borrow()[0].is_ok(), "{:?}", results.borrow());
    assert!(cluster.check(1_000_000).ok);
}

#[test]
fn bad_input_is_refused_and_records_nothing() {
    let rig = Rig::new(5);
    let cluster = rig.cluster(LiveConfig::default());
    let invalid = |r: Result<(), OpError>, needle: &str| {
        let e = r.expect_err(needle);
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains(needle), "{} should mention {needle}", e.message);
    };
    invalid(cluster.invoke(3, "k", Op::Get).map(drop), "unknown node p3: this cluster has p1..p2");
    invalid(cluster.invoke(1, "", Op::Get).map(drop), "key");
    invalid(cluster.crash(Node::Acceptor(4)), "unknown node a4");
    invalid(cluster.set_drop_rate(1.5), "must be a number in 0..=1");
    invalid(cluster.set_latency(9, 3), "must not exceed");
    invalid(cluster.partition(vec![vec![Node::Acceptor(1)], vec![Node::Acceptor(1)]]), "more than one");
    assert_eq!((cluster.stats().operations, cluster.trace().events.len()), (0, 0));
    let bad = LiveConfig { acceptors: 0, ..LiveConfig::default() };
    let e = LiveCluster::new(rig.host.clone(), bad).err().expect("no acceptors");
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
}

#[test]
fn timers_that_fire_early_never_wake_an_operation_early() {
    // The test host fires some timers 1 ms early; a woken operation whose timeout was not due
    // would wait for ever (its timer is handed to the host once). With every message lost, each
    // attempt ends by its timeout only: all must end.
    let mut rig = Rig::new(6);
    let config =
        LiveConfig { driver: DriverConfig { max_attempts: 4, ..DriverConfig::default() }, ..LiveConfig::default() };
    let cluster = Rc::new(rig.cluster(config));
    cluster.set_drop_rate(1.0).unwrap();
    let results = start_workers(&rig, &cluster, 4, 3);
    rig.run_until(600_000, || results.borrow().len() == 12);
    assert!(results.borrow().iter().all(|r| matches!(r, Err(e) if matches!(e.kind, ErrorKind::Unavailable { .. }))));
    assert!(cluster.stats().timeouts >= 12 * 4);
}
