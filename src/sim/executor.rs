//! A deterministic single-threaded executor for async client tasks ([`super::Sim::spawn`]): tasks
//! are polled in the order they were woken. Operations themselves never run here: the proposers'
//! runtime is a state machine the simulator drives directly.
//!
//! The simulator polls it after every event, so a future reacts to a delivered reply or a fired
//! timer within the same `step()`. Tasks may be tagged with the proposer that runs them, so a
//! proposer crash can drop exactly its in-flight operations.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

type BoxFuture = Pin<Box<dyn Future<Output = ()>>>;

/// A slot index plus the generation of the task in it, so a stale waker never polls a newer task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TaskId {
    index: usize,
    generation: u64,
}

struct TaskWaker {
    id: TaskId,
    /// True while the task sits in the ready queue (a task is queued at most once).
    queued: AtomicBool,
    ready: Arc<Mutex<VecDeque<TaskId>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::Relaxed) {
            self.ready.lock().unwrap_or_else(|e| e.into_inner()).push_back(self.id);
        }
    }
}

struct Task {
    generation: u64,
    /// `None` while the task is being polled.
    future: Option<BoxFuture>,
    waker: Arc<TaskWaker>,
}

#[derive(Default)]
pub struct Executor {
    tasks: RefCell<Vec<Option<Task>>>,
    free: RefCell<Vec<usize>>,
    next_generation: RefCell<u64>,
    /// True inside `run_until_stalled`: a nested call (an operation invoked from a task) returns
    /// at once and the outer loop polls what it spawned.
    running: std::cell::Cell<bool>,
    ready: Arc<Mutex<VecDeque<TaskId>>>,
}

impl Executor {
    /// Adds a task; it is first polled by the next [`Executor::run_until_stalled`].
    pub fn spawn(&self, future: impl Future<Output = ()> + 'static) {
        let generation = {
            let mut g = self.next_generation.borrow_mut();
            *g += 1;
            *g
        };
        let mut tasks = self.tasks.borrow_mut();
        let index = self.free.borrow_mut().pop().unwrap_or_else(|| {
            tasks.push(None);
            tasks.len() - 1
        });
        let id = TaskId { index, generation };
        let waker = Arc::new(TaskWaker { id, queued: AtomicBool::new(false), ready: self.ready.clone() });
        tasks[index] = Some(Task { generation, future: Some(Box::pin(future)), waker: waker.clone() });
        drop(tasks);
        waker.wake_by_ref();
    }

    /// Polls woken tasks until none is ready. Returns how many polls it made.
    pub fn run_until_stalled(&self) -> usize {
        if self.running.replace(true) {
            return 0;
        }
        let mut polls = 0;
        loop {
            let next = self.ready.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
            let Some(id) = next else {
                self.running.set(false);
                return polls;
            };
            let (mut future, waker) = {
                let mut tasks = self.tasks.borrow_mut();
                let Some(Some(task)) = tasks.get_mut(id.index) else { continue };
                if task.generation != id.generation {
                    continue;
                }
                task.waker.queued.store(false, Ordering::Relaxed);
                let Some(future) = task.future.take() else { continue };
                (future, Waker::from(task.waker.clone()))
            };
            polls += 1;
            let done = future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready();
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(id.index) else { continue };
            match slot {
                Some(task) if task.generation == id.generation => {
                    if done {
                        *slot = None;
                        self.free.borrow_mut().push(id.index);
                    } else {
                        task.future = Some(future);
                    }
                }
                // Cancelled while it was being polled: drop it below, outside the borrow.
                _ => {}
            }
            drop(tasks);
        }
    }

    /// Drops every task (breaks reference cycles when the simulation is dropped).
    pub fn clear(&self) {
        let all: Vec<_> = self.tasks.borrow_mut().drain(..).collect();
        self.free.borrow_mut().clear();
        drop(all);
    }

    /// Number of live tasks.
    pub fn len(&self) -> usize {
        self.tasks.borrow().len() - self.free.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    fn runs_tasks_in_wake_order_and_clears() {
        let ex = Executor::default();
        let log = Rc::new(RefCell::new(Vec::new()));
        for i in 0..3u8 {
            let log = log.clone();
            ex.spawn(async move { log.borrow_mut().push(i) });
        }
        assert_eq!(ex.run_until_stalled(), 3);
        assert_eq!(*log.borrow(), vec![0, 1, 2]);
        assert!(ex.is_empty());

        let flag = Rc::new(Cell::new(false));
        let f = flag.clone();
        ex.spawn(async move {
            futures::future::pending::<()>().await;
            f.set(true);
        });
        ex.run_until_stalled();
        assert_eq!(ex.len(), 1);
        ex.clear();
        assert!(ex.is_empty() && !flag.get());
    }
}
