//! Per-key FIFO locks of one proposer: concurrent callers on one key queue, they do not fail
//! (the seed's per-key lock). Single-threaded; no `Send` needed.

use crate::fxhash::FxHashMap;
use crate::protocol::Key;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct Queue {
    held: bool,
    /// Waiters in arrival order; the front one gets the lock next.
    waiters: VecDeque<Rc<RefCell<Waiter>>>,
}

#[derive(Default)]
struct Waiter {
    granted: bool,
    waker: Option<Waker>,
}

/// The locks of one proposer, one per key.
#[derive(Clone, Default)]
pub struct KeyLocks {
    queues: Rc<RefCell<FxHashMap<Key, Queue>>>,
}

impl KeyLocks {
    /// Waits for `key`'s lock; it is released when the guard drops.
    pub fn lock(&self, key: &Key) -> Acquire {
        Acquire { locks: self.clone(), key: key.clone(), waiter: None }
    }

    fn release(&self, key: &Key) {
        let mut queues = self.queues.borrow_mut();
        let Some(queue) = queues.get_mut(key) else { return };
        match queue.waiters.pop_front() {
            Some(next) => {
                let mut next = next.borrow_mut();
                next.granted = true;
                if let Some(w) = next.waker.take() {
                    w.wake();
                }
            }
            None => {
                queues.remove(key);
            }
        }
    }
}

/// The future of [`KeyLocks::lock`].
pub struct Acquire {
    locks: KeyLocks,
    key: Key,
    waiter: Option<Rc<RefCell<Waiter>>>,
}

impl Future for Acquire {
    type Output = KeyGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<KeyGuard> {
        let this = &mut *self;
        if let Some(waiter) = &this.waiter {
            let mut w = waiter.borrow_mut();
            if w.granted {
                drop(w);
                this.waiter = None;
                return Poll::Ready(KeyGuard { locks: this.locks.clone(), key: this.key.clone() });
            }
            w.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let mut queues = this.locks.queues.borrow_mut();
        let queue = queues.entry(this.key.clone()).or_default();
        if !queue.held {
            queue.held = true;
            return Poll::Ready(KeyGuard { locks: this.locks.clone(), key: this.key.clone() });
        }
        let waiter = Rc::new(RefCell::new(Waiter { granted: false, waker: Some(cx.waker().clone()) }));
        queue.waiters.push_back(waiter.clone());
        this.waiter = Some(waiter);
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        // A waiter dropped after being granted the lock must pass it on.
        if let Some(waiter) = self.waiter.take() {
            if waiter.borrow().granted {
                self.locks.release(&self.key);
            } else if let Ok(mut queues) = self.locks.queues.try_borrow_mut() {
                if let Some(q) = queues.get_mut(&self.key) {
                    q.waiters.retain(|w| !Rc::ptr_eq(w, &waiter));
                }
            }
        }
    }
}

/// Holds one key's lock.
pub struct KeyGuard {
    locks: KeyLocks,
    key: Key,
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        self.locks.release(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker;

    #[test]
    fn callers_on_one_key_queue_in_order() {
        let locks = KeyLocks::default();
        let key: Key = "k".into();
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut first = Box::pin(locks.lock(&key));
        let Poll::Ready(g1) = first.as_mut().poll(&mut cx) else { panic!("free lock") };
        let mut second = Box::pin(locks.lock(&key));
        let mut third = Box::pin(locks.lock(&key));
        assert!(second.as_mut().poll(&mut cx).is_pending());
        assert!(third.as_mut().poll(&mut cx).is_pending());
        let Poll::Ready(_other) = Box::pin(locks.lock(&"other".into())).as_mut().poll(&mut cx) else {
            panic!("keys are independent")
        };
        drop(g1);
        assert!(third.as_mut().poll(&mut cx).is_pending(), "FIFO: the second caller goes first");
        let Poll::Ready(g2) = second.as_mut().poll(&mut cx) else { panic!("second gets it") };
        drop(g2);
        assert!(third.as_mut().poll(&mut cx).is_ready());
    }
}
