//! The async adapter on `futures`' `LocalPool`: the runtime does not depend on the simulator's
//! scheduling. A tiny world with its own clock, lossy wire and timers stands in for the browser.

use super::{DriverConfig, Env, Note, Proposers, Timing};
use crate::ops::{Op, Val};
use crate::protocol::{Acceptor, AcceptorId, ProposerId, Request};
use crate::sim::Rng;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Waker;

struct World {
    now: Cell<u64>,
    rng: RefCell<Rng>,
    loss_percent: u64,
    acceptors: RefCell<Vec<Acceptor<Val>>>,
    wire: RefCell<VecDeque<(ProposerId, AcceptorId, Request<Val>)>>,
    timers: RefCell<Vec<(u64, Waker)>>,
    conflicts: Cell<u64>,
}

impl Env for World {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    fn acceptors(&self) -> usize {
        self.acceptors.borrow().len()
    }
    fn send(&self, from: ProposerId, to: AcceptorId, request: Request<Val>) {
        if self.rng.borrow_mut().below(100) >= self.loss_percent {
            self.wire.borrow_mut().push_back((from, to, request));
        }
    }
    fn wake_at(&self, at_ms: u64, waker: Waker) {
        self.timers.borrow_mut().push((at_ms, waker));
    }
    fn random_below(&self, bound: u64) -> u64 {
        self.rng.borrow_mut().below(bound)
    }
    fn timing(&self) -> Timing {
        Timing { phase_timeout_ms: 20, backoff_base_ms: 10, backoff_max_ms: 200, min_round_trip_ms: 2 }
    }
    fn note(&self, note: Note) {
        if matches!(note, Note::Conflict { .. }) {
            self.conflicts.set(self.conflicts.get() + 1);
        }
    }
}

/// Runs the pool until every task is done: delivers the wire (one message per ms), else moves
/// the clock to the next timer.
fn run(pool: &mut LocalPool, world: &World, proposers: &Proposers) {
    for _ in 0..1_000_000 {
        pool.run_until_stalled();
        let next = world.wire.borrow_mut().pop_front();
        if let Some((p, a, request)) = next {
            world.now.set(world.now.get() + 1);
            let reply = world.acceptors.borrow_mut()[a as usize - 1].handle(request);
            if world.rng.borrow_mut().below(100) >= world.loss_percent {
                proposers.handle_reply(p, a, &reply);
            }
            continue;
        }
        let mut timers = world.timers.borrow_mut();
        let Some(at) = timers.iter().map(|(at, _)| *at).min() else { return };
        world.now.set(world.now.get().max(at));
        let (due, later): (Vec<_>, Vec<_>) = timers.drain(..).partition(|(t, _)| *t <= at);
        *timers = later;
        drop(timers);
        due.into_iter().for_each(|(_, w)| w.wake());
    }
    panic!("the operations did not end");
}

#[test]
fn concurrent_increments_on_local_pool_each_apply_once() {
    for (seed, loss_percent) in [(1, 0), (2, 10), (3, 25)] {
        let world = Rc::new(World {
            now: Cell::new(0),
            rng: RefCell::new(Rng::new(seed)),
            loss_percent,
            acceptors: RefCell::new(vec![Acceptor::default(); 3]),
            wire: RefCell::default(),
            timers: RefCell::default(),
            conflicts: Cell::new(0),
        });
        let proposers = Proposers::new(world.clone(), 3, DriverConfig { max_attempts: 100, ..DriverConfig::default() });
        let mut pool = LocalPool::new();
        let results = Rc::new(RefCell::new(Vec::new()));
        for i in 0..30u8 {
            let (proposers, results) = (proposers.clone(), results.clone());
            let task = async move {
                let r = proposers.execute(i % 3 + 1, "k".into(), Op::Increment).await;
                results.borrow_mut().push(r);
            };
            pool.spawner().spawn_local(task).expect("the pool runs");
        }
        run(&mut pool, &world, &proposers);
        let mut values: Vec<i64> =
            results.borrow().iter().map(|r| r.as_ref().expect("no increment fails").as_i64().unwrap()).collect();
        values.sort_unstable();
        assert_eq!(values, (1..=30).collect::<Vec<_>>(), "seed {seed}: each increment applied exactly once");
        assert_eq!(proposers.in_flight(), 0);
        assert!(world.conflicts.get() > 0, "seed {seed}: three proposers on one key collide");
    }
}
