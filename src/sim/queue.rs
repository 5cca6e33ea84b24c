//! What is scheduled, by virtual time: a timer wheel of slab indices. Messages take at most
//! 60 s of virtual time and most take a few ms, so almost everything lands in the wheel's window
//! of [`WHEEL_MS`] consecutive milliseconds (one bucket each, first in first out); the rest waits
//! in a heap and moves into its bucket as the window reaches it. Payloads stay in a slab: nothing
//! large is ever moved by the ordering.
//!
//! Order: by time, then by scheduling order. A bucket only ever holds one time, and a far item
//! moves into its bucket as soon as that time enters the window, before anything can be scheduled
//! there directly (which needs the same time to be in the window), so a bucket stays in
//! scheduling order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Milliseconds the wheel holds directly (a power of two). Small enough that its buckets stay in
/// cache (1,024 touched each bucket's buffer a second of virtual time apart, cold each time), large
/// enough for a round trip and a phase timeout at the usual latencies; the order does not depend
/// on it (see the module's note).
const WHEEL_MS: u64 = 1 << 6;

#[derive(Clone, Debug)]
pub struct EventQueue<T> {
    /// `buckets[at % WHEEL_MS]` holds the items due at `at`, for `at` in `cursor..cursor + WHEEL_MS`.
    buckets: Vec<VecDeque<u32>>,
    /// No item is due before it.
    cursor: u64,
    /// Items in the buckets.
    in_wheel: usize,
    /// Items due at `cursor + WHEEL_MS` or later: `(at, seq, index)`.
    far: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    items: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            buckets: vec![VecDeque::new(); WHEEL_MS as usize],
            cursor: 0,
            in_wheel: 0,
            far: BinaryHeap::new(),
            seq: 0,
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> EventQueue<T> {
    /// Schedules `item` at `at` (not before the last item popped).
    pub fn push(&mut self, at: u64, item: T) {
        assert!(at >= self.cursor, "scheduled at {at}, before the queue's present {}", self.cursor);
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
        if at < self.cursor + WHEEL_MS {
            self.buckets[(at % WHEEL_MS) as usize].push_back(index);
            self.in_wheel += 1;
        } else {
            self.far.push(Reverse((at, self.seq, index)));
        }
    }

    /// Schedules `item` at `at` ahead of everything else: it is the next item popped. Nothing
    /// may be due before `at` (a user's choice at the present, such as delivering a held message
    /// next).
    pub fn push_next(&mut self, at: u64, item: T) {
        let earliest = self.next_at().unwrap_or(u64::MAX);
        assert!(at >= self.cursor && at <= earliest, "pushed next at {at}, after an item due at {earliest}");
        self.advance_to(at);
        self.push(at, item);
        let bucket = &mut self.buckets[(at % WHEEL_MS) as usize];
        let index = bucket.pop_back().expect("push put it in the window's first bucket");
        bucket.push_front(index);
    }

    /// The earliest item (the first scheduled among equals), with its time.
    pub fn pop(&mut self) -> Option<(u64, T)> {
        let at = self.next_at()?;
        self.advance_to(at);
        let index = self.buckets[(at % WHEEL_MS) as usize].pop_front().expect("next_at found it here");
        self.in_wheel -= 1;
        self.free.push(index);
        let item = self.items[index as usize].take().expect("a queued index holds an item");
        Some((at, item))
    }

    /// Every item scheduled, to change in place (their order stays).
    pub fn items_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.iter_mut().flatten()
    }

    /// When the earliest item is due.
    pub fn next_at(&self) -> Option<u64> {
        if self.in_wheel > 0 {
            let first =
                (self.cursor..self.cursor + WHEEL_MS).find(|t| !self.buckets[(t % WHEEL_MS) as usize].is_empty());
            return first;
        }
        self.far.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Moves the window to start at `at` (no item is due before it), pulling far items in.
    fn advance_to(&mut self, at: u64) {
        debug_assert!(at >= self.cursor);
        self.cursor = at;
        while let Some(&Reverse((t, _, index))) = self.far.peek() {
            if t >= self.cursor + WHEEL_MS {
                break;
            }
            self.far.pop();
            self.buckets[(t % WHEEL_MS) as usize].push_back(index);
            self.in_wheel += 1;
        }
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

    #[test]
    fn pushed_next_comes_before_everything_due_at_its_time() {
        let mut q = EventQueue::default();
        q.push(7, 'a');
        q.push(7, 'b');
        q.push(3 * WHEEL_MS, 'c');
        q.push_next(7, 'n');
        assert_eq!(q.pop(), Some((7, 'n')));
        assert_eq!(q.pop(), Some((7, 'a')));
        q.pop();
        // Far past the window: the window moves to it first.
        q.push_next(2 * WHEEL_MS, 'f');
        q.push(2 * WHEEL_MS, 'g');
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, [(2 * WHEEL_MS, 'f'), (2 * WHEEL_MS, 'g'), (3 * WHEEL_MS, 'c')]);
    }

    #[test]
    #[should_panic(expected = "after an item due at 5")]
    fn pushing_next_behind_an_earlier_item_is_a_bug() {
        let mut q = EventQueue::default();
        q.push(5, 'a');
        q.push_next(6, 'b');
    }

    /// Against a plain sorted list, with times near and far (past the window) and pushes between
    /// pops, as a simulation does.
    #[test]
    fn the_same_order_as_sorting_by_time_then_scheduling() {
        let mut rng = crate::sim::Rng::new(9);
        let (mut q, mut reference) = (EventQueue::default(), Vec::new());
        let (mut now, mut seq, mut popped) = (0u64, 0u64, Vec::new());
        for round in 0..20_000 {
            for _ in 0..rng.below(3) {
                let delay = if rng.below(10) == 0 { rng.below(5 * WHEEL_MS) } else { rng.below(12) };
                seq += 1;
                q.push(now + delay, seq);
                reference.push((now + delay, seq));
            }
            if round % 3 != 0 {
                if let Some((at, s)) = q.pop() {
                    now = at;
                    popped.push((at, s));
                }
            }
        }
        popped.extend(std::iter::from_fn(|| q.pop()));
        reference.sort_unstable();
        assert_eq!(popped, reference);
    }
}
