//! How an operation's promise settles. Each promise is made with `new Promise`, its
//! `resolve`/`reject` functions kept in JavaScript, and its outcome is a task of the cluster's
//! own small executor ([`Promises`]). It runs at the end of every call into the cluster ([`Inner::settle`]), so an
//! operation that ends inside `runUntilIdle`, `step` or `runFor` has its promise settled before
//! that call returns: nothing of a finished operation stays in wasm until a microtask runs
//! (outside tester 15, finding 1: a loop that never yielded grew about 370 B per operation while
//! each promise waited on wasm-bindgen-futures' queue). Promises that can settle together settle
//! in the order their operations started, as when each waited for a microtask.
//!
//! A promise costs two calls from wasm into JavaScript (there were five): [`settling`] makes it
//! and keeps its resolving functions in the cluster's own table (a JS `Map` by the task's
//! number), and one call settles it ([`settle_number`] passes a number answer as a plain `f64`,
//! with no JS value made for it first). No resolving function is held in wasm.
//!
//! Under `autoAdvance` an operation runs virtual time itself, in a microtask as before: a pending
//! operation asks for one [`drive`] per cluster (queued with the host's `queueMicrotask`; the
//! core needs no other executor), which polls every waiting one in the order they started; each
//! steps the simulation until its operation ends.

use super::{error, Inner, AUTO_ADVANCE_STEP_LIMIT};
use crate::client::OpHandle;
use crate::ops::OpError;
use crate::wasm::shared::{settled, Shape, ThrownSlot};
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use wasm_bindgen::prelude::*;

/// What a promise settles with, once known (one type for every operation: one copy of its code).
pub(super) type Outcome = Pin<Box<dyn Future<Output = Result<Answer, JsValue>>>>;

/// A promise's value: a number goes to JavaScript as a plain `f64` argument.
pub(super) enum Answer {
    Number(f64),
    Value(JsValue),
}

/// An operation's result as its promise settles ([`settled`]), a number as a plain `f64`.
pub(super) fn answer(
    result: Result<Json, OpError>,
    shape: Shape,
    thrown: Option<ThrownSlot>,
) -> Result<Answer, JsValue> {
    match result {
        Ok(Json::Number(n)) if matches!(shape, Shape::Value) => match n.as_f64() {
            Some(n) => Ok(Answer::Number(n)),
            None => Ok(Answer::Value(JsValue::NULL)), // as `value_to_js`
        },
        result => settled(result, shape, thrown).map(Answer::Value),
    }
}

/// A task and whether it was woken since it was last polled.
struct Slot {
    seq: u64,
    task: Option<Outcome>,
    woken: Arc<AtomicBool>,
}

/// The promises waiting for their operations, in the order they were made.
pub(super) struct Promises {
    /// The resolving functions of the promises not settled yet, by their task's `seq` (a JS `Map`).
    settlers: JsValue,
    /// The task is `None` while it is being polled.
    tasks: RefCell<VecDeque<Slot>>,
    /// Some task was woken since the last look.
    any: Arc<AtomicBool>,
    made: Cell<u64>,
    running: Cell<bool>,
}

/// Wakes one task.
struct TaskWaker {
    woken: Arc<AtomicBool>,
    any: Arc<AtomicBool>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Relaxed);
        self.any.store(true, Ordering::Relaxed);
    }
}

impl Promises {
    pub(super) fn new() -> Promises {
        Promises {
            settlers: settlers(),
            tasks: RefCell::default(),
            any: Arc::default(),
            made: Cell::new(0),
            running: Cell::new(false),
        }
    }

    /// A promise of `task`'s outcome: the task is added and polled at once (unless a run is on:
    /// then that run polls it).
    fn spawn(&self, task: Outcome) -> js_sys::Promise {
        let seq = self.made.get();
        self.made.set(seq + 1);
        let promise = settling(&self.settlers, seq as f64);
        let woken = Arc::new(AtomicBool::new(false));
        if self.running.replace(true) {
            self.tasks.borrow_mut().push_back(Slot { seq, task: Some(task), woken: woken.clone() });
            woken.store(true, Ordering::Relaxed);
            self.any.store(true, Ordering::Relaxed);
            return promise;
        }
        self.tasks.borrow_mut().push_back(Slot { seq, task: None, woken: woken.clone() });
        self.poll((seq, woken, task));
        self.running.set(false);
        self.run(); // what its first poll woke
        promise
    }

    /// Wakes every task.
    fn wake_all(&self) {
        self.tasks.borrow().iter().for_each(|s| s.woken.store(true, Ordering::Relaxed));
        self.any.store(true, Ordering::Relaxed);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.tasks.borrow().is_empty()
    }

    /// Polls the woken tasks, in the order they were made, until none is woken. A nested call
    /// (from a task) returns at once: the outer one goes on with what was woken meanwhile.
    fn run(&self) {
        if self.running.replace(true) {
            return;
        }
        while self.any.swap(false, Ordering::Relaxed) {
            let mut i = 0;
            while let Some(next) = self.take_woken(&mut i) {
                self.poll(next);
            }
        }
        self.running.set(false);
    }

    /// The first woken task from index `i` on (`i` moves to it), taken out of its slot.
    fn take_woken(&self, i: &mut usize) -> Option<(u64, Arc<AtomicBool>, Outcome)> {
        let mut tasks = self.tasks.borrow_mut();
        while let Some(slot) = tasks.get_mut(*i) {
            if slot.woken.swap(false, Ordering::Relaxed) {
                if let Some(task) = slot.task.take() {
                    return Some((slot.seq, slot.woken.clone(), task));
                }
            }
            *i += 1;
        }
        None
    }

    /// Polls a task; once it is ready, settles its promise (`seq` is the promise's number in
    /// [`Promises::settlers`]: [`settling`]) and forgets the task.
    fn poll(&self, (seq, woken, mut task): (u64, Arc<AtomicBool>, Outcome)) {
        let waker = Waker::from(Arc::new(TaskWaker { woken, any: self.any.clone() }));
        let polled = task.as_mut().poll(&mut Context::from_waker(&waker));
        let done = polled.is_ready();
        if let Poll::Ready(outcome) = polled {
            let (table, id) = (&self.settlers, seq as f64);
            match outcome {
                Ok(Answer::Number(n)) => settle_number(table, id, n),
                Ok(Answer::Value(v)) => settle(table, id, true, &v),
                Err(e) => settle(table, id, false, &e),
            }
        }
        // Tasks made or ended while it ran moved it: find it again (they stay in `seq` order).
        let mut tasks = self.tasks.borrow_mut();
        if let Ok(i) = tasks.binary_search_by_key(&seq, |s| s.seq) {
            if done {
                tasks.remove(i);
            } else {
                tasks[i].task = Some(task);
            }
        }
    }
}

/// Why an operation still pending when its cluster was freed did not finish.
/// Its fate is the one the simulation gave it when it was dropped.
fn freed_before_the_end(dropped: &Result<Json, OpError>) -> OpError {
    let may_have_applied = dropped.as_ref().err().is_none_or(OpError::indeterminate);
    OpError::unanswered(may_have_applied, "the cluster was freed (free() was called) before this operation ended")
}

/// Resolves when an operation ends; polled by [`drive`] under `autoAdvance`, it runs virtual
/// time until then.
pub(super) struct Settle {
    inner: Rc<Inner>,
    handle: OpHandle,
}

impl Settle {
    pub(super) fn new(inner: &Rc<Inner>, handle: OpHandle) -> Settle {
        Settle { inner: inner.clone(), handle }
    }
}

impl Future for Settle {
    type Output = Result<Json, OpError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut steps = 0u64;
        let inner = self.inner.clone();
        let mut answered = Pin::new(&mut self.handle).poll(cx);
        loop {
            if let Poll::Ready(r) = answered {
                // An operation cut off by free() before it ended says so, and its fate. One that
                // had ended gives its answer, even when free() came before it was collected.
                return Poll::Ready(if self.handle.abandoned() { Err(freed_before_the_end(&r)) } else { r });
            }
            let auto = inner.auto_advance.get();
            if !(auto && inner.driving.get()) {
                if auto {
                    inner.parked.borrow_mut().push(cx.waker().clone());
                    if let Err(why) = schedule_drive(&inner, false) {
                        inner.parked.borrow_mut().pop();
                        return Poll::Ready(Err(OpError::unanswered(true, &why)));
                    }
                }
                return Poll::Pending;
            }
            // Steps in one entry into the simulation until the operation ends (or time cannot
            // run for it): the same steps as one entry each, without an entry's cost each.
            let handle = &mut self.handle;
            let ran = inner.enter_rec(|rec| {
                while steps < AUTO_ADVANCE_STEP_LIMIT && inner.auto_advance.get() {
                    if !rec.step().map_err(|e| error(&e))? {
                        return Ok(false);
                    }
                    steps += 1;
                    answered = Pin::new(&mut *handle).poll(cx);
                    if answered.is_ready() {
                        break;
                    }
                }
                Ok(true)
            });
            match ran {
                Ok(true) if answered.is_ready() || !inner.auto_advance.get() => continue,
                // Idle, freed, or the step budget spent: whoever moves time (or frees) wakes us.
                _ => return Poll::Pending,
            }
        }
    }
}

/// Asks for one [`drive`] in a microtask, unless one is already due; `all`: of every waiting
/// operation (`autoAdvance` was switched on), not only of those that asked. When the host's
/// `queueMicrotask` throws (or is missing), nothing is due, so the next call asks again (outside
/// tester 17: one failure left every later operation waiting), and the error says why.
pub(super) fn schedule_drive(inner: &Rc<Inner>, all: bool) -> Result<(), String> {
    if all {
        inner.drive_all.set(true);
    }
    if inner.drive_due.replace(true) {
        return Ok(());
    }
    let owner = inner.clone();
    queue_microtask(&Closure::once_into_js(move || drive(&owner))).map_err(|e| {
        inner.drive_due.set(false);
        let why = e.dyn_ref::<js_sys::Error>().map_or_else(String::new, |e| String::from(e.message()));
        format!("autoAdvance could not run virtual time: queueMicrotask failed ({why})")
    })
}

#[wasm_bindgen]
extern "C" {
    /// The host's `queueMicrotask`: runs `task` (a function) once the current task's JavaScript
    /// has returned, before any timer or event.
    #[wasm_bindgen(js_name = queueMicrotask, catch)]
    fn queue_microtask(task: &JsValue) -> Result<(), JsValue>;
}

/// Under `autoAdvance`, polls the operations that asked for it (or all) in the order they
/// started, each running virtual time until it ends. One that stopped (idle, or its step budget
/// spent) is not driven again until it asks again, as when each had a task of its own.
fn drive(inner: &Inner) {
    inner.drive_due.set(false);
    let all = inner.drive_all.replace(false);
    let parked = std::mem::take(&mut *inner.parked.borrow_mut());
    if !inner.auto_advance.get() {
        return; // switching it on asks again, for all
    }
    let promises = &inner.promises;
    if all {
        promises.wake_all();
    }
    parked.into_iter().for_each(Waker::wake);
    inner.driving.set(true);
    promises.run();
    inner.driving.set(false);
}

#[wasm_bindgen(inline_js = r#"
export function settlers() { return new Map(); }
export function settling(settlers, id) {
  return new Promise((resolve, reject) => settlers.set(id, { resolve, reject }));
}
function take(settlers, id) {
  const settler = settlers.get(id);
  settlers.delete(id);
  return settler;
}
export function settleNumber(settlers, id, n) { take(settlers, id).resolve(n); }
export function settle(settlers, id, ok, v) {
  const settler = take(settlers, id);
  if (ok) settler.resolve(v); else settler.reject(v);
}
"#)]
extern "C" {
    /// A table of resolving functions (one a cluster).
    fn settlers() -> JsValue;
    /// A new promise, its resolving functions kept in `settlers` under `id` (a task's `seq`:
    /// exact in an f64, as 2^53 promises are never made).
    fn settling(settlers: &JsValue, id: f64) -> js_sys::Promise;
    /// Resolves promise `id` with the number `n`, and forgets it. Never throws: each `id` is
    /// settled once, and a resolving function only queues its reactions.
    #[wasm_bindgen(js_name = settleNumber)]
    fn settle_number(settlers: &JsValue, id: f64, n: f64);
    /// Resolves (`ok`) or rejects promise `id` with `v`, and forgets it.
    fn settle(settlers: &JsValue, id: f64, ok: bool, v: &JsValue);
}

impl Inner {
    /// A promise that settles with `outcome`, as soon as it is known (see the module's text).
    pub(super) fn promise(&self, outcome: Outcome) -> js_sys::Promise {
        let promise = self.promises.spawn(outcome);
        self.settle();
        promise
    }

    /// Settles the promises whose operations ended (a nested call returns at once: the outer one
    /// goes on with what ended meanwhile).
    pub(super) fn settle(&self) {
        self.promises.run();
    }
}
