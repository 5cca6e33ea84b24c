//! What is scheduled, by virtual time: a heap of small `(time, order, index)` entries over a slab
//! of payloads, so reordering the heap never moves a message. Events at one time come out in the
//! order they were scheduled.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Clone, Debug)]
pub struct EventQueue<T> {
    /// `(at, seq, index into items)`; `seq` grows with every push, so ties keep scheduling order.
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    items: Vec<Option<T>>,
    free: Vec<u32>,
    seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), items: Vec::new(), free: Vec::new(), seq: 0 }
    }
}

impl<T> EventQueue<T> {
    pub fn push(&mut self, at: u64, item: T) {
        let index = match self.free.pop() {
            Some(i) => {
                self.items[i as usize] = Some(item);
                i
            }
            None => {
                self.items.push(Some(item));
                u32::try_from(self.items.len() - 1).expect("fewer than 2^32 events scheduled at once")
            }
        };
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, index)));
    }

    /// The earliest item (the first scheduled among equals), with its time.
    pub fn pop(&mut self) -> Option<(u64, T)> {
        let Reverse((at, _, index)) = self.heap.pop()?;
        self.free.push(index);
        let item = self.items[index as usize].take().expect("a queued index holds an item");
        Some((at, item))
    }

    /// When the earliest item is due.
    pub fn next_at(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_scheduling_order() {
        let mut q = EventQueue::default();
        for (at, x) in [(5, 'a'), (1, 'b'), (5, 'c'), (1, 'd'), (3, 'e')] {
            q.push(at, x);
        }
        assert_eq!(q.next_at(), Some(1));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, [(1, 'b'), (1, 'd'), (3, 'e'), (5, 'a'), (5, 'c')]);
        assert!(q.pop().is_none() && q.next_at().is_none());
    }
}
