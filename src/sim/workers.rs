//! Concurrent workers driven by the simulation: a workers run reads the key, starts `workers`
//! client loops that each issue `increments` increments one after another (a worker's next
//! increment starts when its previous one ends), and the last worker to finish reads the key
//! again. It runs in virtual time like everything else, so its timeline does not depend on how
//! fast anyone watches, and running until idle finishes all of it. The workers are client loops
//! ([`ClientLoop::Worker`]): plain data, so a checkpoint copies a run in the middle.

use super::engine::{Core, Invoked};
use super::loops::ClientLoop;
use super::Sim;
use crate::limits::{check_integer, MAX_INCREMENTS_PER_WORKER, MAX_WORKERS};
use crate::ops::{Op, OpError};
use crate::protocol::ProposerId;
use serde_json::Value as Json;

/// What a workers run does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkersPlan {
    /// `1..=MAX_WORKERS`; worker `w` (from 0) goes through the `w mod proposers`-th proposer in
    /// the cluster (`p{w mod proposers + 1}` until one is removed).
    pub workers: usize,
    /// `1..=MAX_INCREMENTS_PER_WORKER` increments per worker.
    pub increments: usize,
    pub key: String,
}

impl WorkersPlan {
    pub fn check(&self) -> Result<(), OpError> {
        check_integer("workers", self.workers as u64, 1, MAX_WORKERS as u64)?;
        check_integer("increments", self.increments as u64, 1, MAX_INCREMENTS_PER_WORKER as u64)?;
        super::check_key(&self.key)
    }
}

/// How a workers run is going.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkersProgress {
    /// Increments in all.
    pub total: usize,
    /// Increments that ended (ok or not).
    pub done: usize,
    /// Increments that ended without ok (failed or unknown).
    pub failed: usize,
    /// The key's value before and after (null when the read failed, or has not ended).
    pub before: Option<Json>,
    pub after: Option<Json>,
    /// The last read ended.
    pub finished: bool,
}

/// One client of a workers run.
#[derive(Clone, Debug)]
pub struct WorkerClient {
    /// The run's index in [`Sim::workers_runs`].
    run: usize,
    key: String,
    proposer: ProposerId,
    stage: WorkerStage,
}

#[derive(Clone, Debug)]
enum WorkerStage {
    /// The run's reader: reads the key, then starts the workers.
    ReadBefore { workers: usize, increments: usize },
    /// A worker with `left` increments still to issue.
    Increments { left: usize },
    /// The last worker to finish reads the key again.
    ReadAfter,
}

/// What a worker does next.
enum WorkerNext {
    Issue(Op),
    StartWorkers { workers: usize, increments: usize },
    Done,
}

impl WorkerClient {
    /// The next step, given how the last operation ended (`None` before the first); counts it
    /// in `progress`.
    fn next(&mut self, last: Option<Result<Json, OpError>>, progress: &mut WorkersProgress) -> WorkerNext {
        match (&mut self.stage, last) {
            (WorkerStage::ReadBefore { .. }, None) => WorkerNext::Issue(Op::Get),
            (&mut WorkerStage::ReadBefore { workers, increments }, Some(read)) => {
                progress.before = read.ok();
                WorkerNext::StartWorkers { workers, increments }
            }
            (WorkerStage::Increments { left }, last) => {
                if let Some(result) = last {
                    progress.done += 1;
                    progress.failed += usize::from(result.is_err());
                }
                if *left > 0 {
                    *left -= 1;
                    WorkerNext::Issue(Op::Increment)
                } else if progress.done == progress.total {
                    (self.stage, self.proposer) = (WorkerStage::ReadAfter, 1);
                    WorkerNext::Issue(Op::Get)
                } else {
                    WorkerNext::Done
                }
            }
            (WorkerStage::ReadAfter, Some(read)) => {
                progress.after = read.ok();
                progress.finished = true;
                WorkerNext::Done
            }
            (WorkerStage::ReadAfter, None) => unreachable!("the after-read starts from a worker's last result"),
        }
    }
}

impl Core {
    /// Worker loop `index` goes on until an operation of its runs (or it is done).
    pub(super) fn resume_worker(&mut self, index: u32, mut last: Option<Result<Json, OpError>>) {
        loop {
            let ClientLoop::Worker(w) = &mut self.loops[index as usize] else {
                unreachable!("loop {index} is a worker")
            };
            let run = w.run;
            let next = w.next(last.take(), &mut self.world.workers[run]);
            if matches!(w.stage, WorkerStage::ReadAfter) {
                // The after-read goes through the lowest proposer still in the cluster (§2.3.4).
                w.proposer = super::proposers::first_member(&self.world);
            }
            let (proposer, key) = (w.proposer, w.key.clone());
            match next {
                WorkerNext::Issue(op) => match self.invoke(proposer, &key, op, Some(index)) {
                    Invoked::Running(_) => return,
                    Invoked::Ended(result) => last = Some(result),
                },
                WorkerNext::StartWorkers { workers, increments } => {
                    // Round robin over the proposers in the cluster (removed ones are skipped).
                    let proposers = super::proposers::member_ids(&self.world);
                    for n in 0..workers {
                        let proposer = proposers[n % proposers.len()];
                        let stage = WorkerStage::Increments { left: increments };
                        let key = key.clone();
                        self.start_loop(ClientLoop::Worker(WorkerClient { run, key, proposer, stage }));
                    }
                    self.loops[index as usize] = ClientLoop::Done;
                    return;
                }
                WorkerNext::Done => {
                    self.loops[index as usize] = ClientLoop::Done;
                    return;
                }
            }
        }
    }
}

impl Sim {
    /// Starts a workers run now; returns its index in [`Sim::workers_runs`].
    pub fn run_workers(&self, plan: &WorkersPlan) -> Result<usize, OpError> {
        plan.check()?;
        let run = {
            let workers = &mut self.shared.core.borrow_mut().world.workers;
            workers.push(WorkersProgress { total: plan.workers * plan.increments, ..WorkersProgress::default() });
            workers.len() - 1
        };
        let stage = WorkerStage::ReadBefore { workers: plan.workers, increments: plan.increments };
        self.start_loop(ClientLoop::Worker(WorkerClient { run, key: plan.key.clone(), proposer: 1, stage }));
        Ok(run)
    }

    /// Every workers run of this simulation, in the order started.
    pub fn workers_runs(&self) -> Vec<WorkersProgress> {
        self.world().workers.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::OpKind;
    use crate::sim::SimConfig;

    fn plan(workers: usize, increments: usize) -> WorkersPlan {
        WorkersPlan { workers, increments, key: "workers".into() }
    }

    #[test]
    fn ten_workers_times_a_hundred_count_to_exactly_a_thousand_in_virtual_time() {
        let sim = Sim::new(SimConfig::default()).unwrap();
        assert_eq!(sim.run_workers(&plan(10, 100)).unwrap(), 0);
        sim.run_until_idle(u64::MAX);
        let p = &sim.workers_runs()[0];
        assert_eq!((p.total, p.done, p.failed, p.finished), (1000, 1000, 0, true));
        assert_eq!((p.before.clone(), p.after.clone()), (Some(Json::Null), Some(Json::from(1000))));
        let mut answers: Vec<i64> = sim
            .history()
            .records()
            .filter(|o| o.op == OpKind::Increment)
            .map(|o| o.output.as_ref().unwrap().to_json().as_i64().unwrap())
            .collect();
        answers.sort();
        assert_eq!(answers, (1..=1000).collect::<Vec<_>>(), "each increment answered once, none lost");
        assert!(sim.violations().is_empty());
    }

    #[test]
    fn a_worker_issues_its_next_increment_when_the_previous_one_ends() {
        let sim = Sim::new(SimConfig { proposers: 1, ..SimConfig::default() }).unwrap();
        sim.run_workers(&plan(1, 3)).unwrap();
        sim.run_until_idle(u64::MAX);
        let h = sim.history();
        let incs: Vec<_> = h.records().filter(|o| o.op == OpKind::Increment).collect();
        assert_eq!(incs.len(), 3);
        for pair in incs.windows(2) {
            assert_eq!(pair[1].invoke_seq, pair[0].return_seq.unwrap() + 1, "the next starts as the last ends");
        }
    }

    #[test]
    fn the_run_is_the_same_whatever_steps_time_takes() {
        let by = |chunk_ms: u64| {
            let sim = Sim::new(SimConfig { seed: 9, ..SimConfig::default() }).unwrap();
            sim.run_workers(&plan(4, 10)).unwrap();
            while !sim.workers_runs()[0].finished {
                sim.run_for(chunk_ms);
            }
            sim.run_until_idle(u64::MAX); // the late replies and timers, the same either way
            let hash = sim.trace().hash();
            hash
        };
        assert_eq!(by(1), by(250), "one virtual ms at a time or 250: the same run");
    }

    #[test]
    fn plans_out_of_range_are_refused() {
        let sim = Sim::new(SimConfig::default()).unwrap();
        for (bad, says) in [
            (plan(0, 1), "workers must be an integer in 1..=100, got 0"),
            (plan(101, 1), "workers must be an integer in 1..=100, got 101"),
            (plan(1, 1001), "increments must be an integer in 1..=1000, got 1001"),
            (WorkersPlan { key: String::new(), ..plan(1, 1) }, "key"),
        ] {
            let e = sim.run_workers(&bad).unwrap_err();
            assert_eq!(e.name(), "InvalidArgument");
            assert!(e.message.contains(says), "{}", e.message);
        }
        assert!(sim.workers_runs().is_empty(), "a refused plan starts nothing");
    }
}
